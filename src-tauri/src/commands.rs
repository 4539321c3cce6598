//! The `#[tauri::command]`s: each converts, calls the session (and so the crates), and emits
//! the resulting patches. `async` ones run off the main thread so a big board never blocks paint.

use std::sync::{Mutex, MutexGuard, PoisonError};

use board_model::BoardView;
use tauri::{AppHandle, Emitter, State};

use crate::ipc::{BoardOp, BoardPatchEvent, BoardSummary, IpcError, OpResult, BOARD_PATCH_EVENT};
use crate::session::Session;

/// The app's one session, shared by all commands.
pub struct AppState(pub Mutex<Session>);

impl AppState {
    fn lock(&self) -> MutexGuard<'_, Session> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

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
