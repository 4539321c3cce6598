//! The `#[tauri::command]`s: each converts, calls the session (and so the crates) or the
//! collaboration side, and emits the resulting patches. `async` ones run off the main thread so
//! a big board (or a slow relay) never blocks paint.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::MutexGuard;

use board_model::BoardView;
use tauri::{AppHandle, Emitter, Manager, State};

use crate::collab::{self, Collab, SharedSession};
use crate::ipc::{
    AccountState, BoardOp, BoardPatchEvent, BoardSummary, Invite, IpcError, Member, OpResult,
    RemoteBoard, Role, SyncStatusEvent, BOARD_PATCH_EVENT,
};
use crate::session::Session;

/// The app's one session, shared by all commands and the sync pump.
pub struct AppState(pub SharedSession);

impl AppState {
    fn lock(&self) -> MutexGuard<'_, Session> {
        collab::lock(&self.0)
    }
}

/// Set once the user confirmed closing with changes not on the server yet.
#[derive(Default)]
pub struct CloseConfirmed(pub AtomicBool);

/// Emits after the change is durable; a UI that missed it reopens the board for a snapshot.
fn emit<T>(app: &AppHandle, (out, event): (T, BoardPatchEvent)) -> T {
    if !event.patches.is_empty() {
        if let Err(err) = app.emit(BOARD_PATCH_EVENT, &event) {
            tracing::warn!(?err, board = %event.board_id, "could not emit patches");
        }
    }
    out
}

#[tauri::command(async)]
pub fn list_boards(state: State<'_, AppState>) -> Result<Vec<BoardSummary>, IpcError> {
    state.lock().list_boards()
}

#[tauri::command(async)]
pub fn create_board(state: State<'_, AppState>, title: String) -> Result<BoardSummary, IpcError> {
    state.lock().create_board(&title)
}

#[tauri::command(async)]
pub fn delete_board(state: State<'_, AppState>, board_id: String) -> Result<(), IpcError> {
    state.lock().delete_board(&board_id)
}

#[tauri::command(async)]
pub fn open_board(state: State<'_, AppState>, board_id: String) -> Result<BoardView, IpcError> {
    state.lock().open_board(&board_id)
}

#[tauri::command(async)]
pub fn apply(
    app: AppHandle,
    state: State<'_, AppState>,
    board_id: String,
    op: BoardOp,
) -> Result<OpResult, IpcError> {
    Ok(emit(&app, state.lock().apply(&board_id, op)?))
}

#[tauri::command(async)]
pub fn undo(
    app: AppHandle,
    state: State<'_, AppState>,
    board_id: String,
) -> Result<bool, IpcError> {
    Ok(emit(&app, state.lock().undo(&board_id)?))
}

#[tauri::command(async)]
pub fn redo(
    app: AppHandle,
    state: State<'_, AppState>,
    board_id: String,
) -> Result<bool, IpcError> {
    Ok(emit(&app, state.lock().redo(&board_id)?))
}

#[tauri::command(async)]
pub fn generate_demo_board(
    state: State<'_, AppState>,
    title: String,
    columns: u32,
    tasks: u32,
) -> Result<BoardSummary, IpcError> {
    state.lock().generate_demo_board(&title, columns, tasks)
}

#[tauri::command(async)]
pub fn get_account(collab: State<'_, Collab>) -> AccountState {
    collab.account_state()
}

#[tauri::command(async)]
pub fn set_server_url(collab: State<'_, Collab>, url: String) -> Result<AccountState, IpcError> {
    collab.set_server_url(&url)
}

#[tauri::command(async)]
pub fn sign_up(
    collab: State<'_, Collab>,
    email: String,
    password: String,
) -> Result<AccountState, IpcError> {
    collab.sign_up(&email, &password)
}

#[tauri::command(async)]
pub fn sign_in(
    collab: State<'_, Collab>,
    email: String,
    password: String,
) -> Result<AccountState, IpcError> {
    collab.sign_in(&email, &password)
}

#[tauri::command(async)]
pub fn sign_out(collab: State<'_, Collab>) -> Result<AccountState, IpcError> {
    collab.sign_out()
}

#[tauri::command(async)]
pub fn sync_status(collab: State<'_, Collab>) -> SyncStatusEvent {
    collab.sync_status()
}

/// After `close-requested`: the user chose to close with changes pending.
#[tauri::command]
pub fn confirm_close(app: AppHandle, confirmed: State<'_, CloseConfirmed>) -> Result<(), IpcError> {
    confirmed.0.store(true, Ordering::SeqCst);
    for window in app.webview_windows().into_values() {
        if let Err(err) = window.close() {
            tracing::warn!(%err, "closing the window failed");
        }
    }
    Ok(())
}

#[tauri::command(async)]
pub fn publish_board(collab: State<'_, Collab>, board_id: String) -> Result<Role, IpcError> {
    collab.publish_board(&board_id)
}

#[tauri::command(async)]
pub fn list_members(collab: State<'_, Collab>, board_id: String) -> Result<Vec<Member>, IpcError> {
    collab.list_members(&board_id)
}

#[tauri::command(async)]
pub fn share_board(
    collab: State<'_, Collab>,
    board_id: String,
    email: String,
    role: Role,
) -> Result<Member, IpcError> {
    collab.share_board(&board_id, &email, role)
}

#[tauri::command(async)]
pub fn set_member_role(
    collab: State<'_, Collab>,
    board_id: String,
    user_id: String,
    role: Role,
) -> Result<(), IpcError> {
    collab.set_member_role(&board_id, &user_id, role)
}

#[tauri::command(async)]
pub fn remove_member(
    collab: State<'_, Collab>,
    board_id: String,
    user_id: String,
) -> Result<(), IpcError> {
    collab.remove_member(&board_id, &user_id)
}

#[tauri::command(async)]
pub fn create_invite(
    collab: State<'_, Collab>,
    board_id: String,
    role: Role,
) -> Result<Invite, IpcError> {
    collab.create_invite(&board_id, role)
}

#[tauri::command(async)]
pub fn accept_invite(collab: State<'_, Collab>, invite: String) -> Result<RemoteBoard, IpcError> {
    collab.accept_invite(&invite)
}

#[tauri::command(async)]
pub fn list_remote_boards(collab: State<'_, Collab>) -> Result<Vec<RemoteBoard>, IpcError> {
    collab.list_remote_boards()
}

#[tauri::command(async)]
pub fn open_remote_board(
    collab: State<'_, Collab>,
    board_id: String,
) -> Result<BoardSummary, IpcError> {
    collab.open_remote_board(&board_id)
}

#[tauri::command(async)]
pub fn leave_board(collab: State<'_, Collab>, board_id: String) -> Result<(), IpcError> {
    collab.leave_board(&board_id)
}

#[tauri::command(async)]
pub fn set_selection(
    collab: State<'_, Collab>,
    board_id: String,
    task_id: Option<String>,
) -> Result<(), IpcError> {
    collab.set_selection(&board_id, task_id)
}
