//! The `#[tauri::command]`s: each converts, calls the session (and so the crates) or the
//! collaboration side, and emits the resulting patches. `async` ones run off the main thread so
//! a big board (or a slow relay) never blocks paint.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::MutexGuard;

use tauri::{AppHandle, Emitter, Manager, State};

use crate::collab::{self, Collab, SharedSession};
use crate::deep_link::JoinLinks;
use crate::ipc;
use crate::ipc::{
    AccountState, ArchivedItems, BoardOp, BoardPatchEvent, BoardSummary, CommentEntry,
    ExportFormat, ImportFormat, ImportOutcome, Invite, IpcError, JoinLinkEvent, Member, OpResult,
    OpenedBoard, Place, RemoteBoard, Role, SyncStatusEvent, TaskHistoryView, Template,
    TransferMode, TransferOutcome, BOARD_PATCH_EVENT, JOIN_LINK_EVENT,
};
use crate::ipc::{AttachmentEntry, OpenedAttachment};
use crate::ipc::{BoardDirectoryEvent, Patch};
use crate::ipc::{ColumnChoice, InboxView, QuickAddSettings, ReminderView, UpdateState};
use crate::notify::{self, Notifications};
use crate::session::Session;
use crate::start::StartView;
use board_model::{SavedView, ViewSettings};
use board_store::{BoardFilter, MyTask, SearchResults};
use sync_client::SharedStore;

/// The app's one session, shared by all commands and the sync pump.
pub struct AppState {
    pub session: SharedSession,
    /// The session's store, for what needs no board loaded: read without waiting for a command
    /// that holds the session.
    pub store: SharedStore,
}

impl AppState {
    pub fn new(session: SharedSession) -> Self {
        let store = collab::lock(&session).shared_store();
        Self { session, store }
    }

    fn lock(&self) -> MutexGuard<'_, Session> {
        collab::lock(&self.session)
    }

    fn store(&self) -> MutexGuard<'_, board_store::Store> {
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Set once the user confirmed closing with changes not on the server yet.
#[derive(Default)]
pub struct CloseConfirmed(pub AtomicBool);

/// The files last dropped on the window (Tauri's drag-drop event, recorded here so the window
/// never hands a path to Rust): `attach_dropped` takes them.
#[derive(Default)]
pub struct DroppedFiles(pub std::sync::Mutex<Vec<std::path::PathBuf>>);

/// Attaches files at `paths` (picked in a dialog or dropped on the window) to a task: each
/// file's bytes are copied into the blob store without holding the session, then named on the
/// task (one undoable edit each), then the uploader is woken.
fn attach_paths(
    app: &AppHandle,
    state: &AppState,
    collab: &Collab,
    board_id: &str,
    task_id: &str,
    paths: &[std::path::PathBuf],
) -> Result<Vec<AttachmentEntry>, IpcError> {
    let me = collab.signed_in_account();
    let blobs = {
        let mut session = state.lock();
        session.check_attachable(board_id, task_id)?;
        session.blobs()
    };
    // One event for them all: the card's count changes once.
    let mut event = crate::ipc::BoardPatchEvent {
        board_id: board_id.to_owned(),
        patches: Vec::new(),
    };
    let mut attached = Vec::new();
    let mut failed = None;
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).map(str::to_owned);
        let done = match name {
            None => Err(IpcError::invalid(format!(
                "{} has no usable file name",
                path.display()
            ))),
            Some(name) if path.is_dir() => Err(IpcError::invalid(format!(
                "{name} is a folder: attach the files in it"
            ))),
            Some(name) => blobs
                .import(path)
                .map_err(|err| IpcError::invalid(format!("Could not read {name}: {err}")))
                .and_then(|stored| {
                    state
                        .lock()
                        .attach_stored(board_id, task_id, &name, &stored, me.clone())
                }),
        };
        match done {
            Ok((entry, one)) => {
                event.patches.extend(one.patches);
                attached.push(entry);
            }
            Err(err) => {
                failed = Some(err);
                break;
            }
        }
    }
    // What was attached before a failure stays attached, and shown.
    emit(app, ((), event));
    if !attached.is_empty() {
        collab.upload_soon();
    }
    match failed {
        Some(err) => Err(err),
        None => Ok(attached),
    }
}

/// An attachment's bytes on this computer, downloaded first when they are not; `Err` with the
/// answer to give when they are not on the relay yet either.
fn attachment_here(
    collab: &Collab,
    board_id: &str,
    entry: &AttachmentEntry,
) -> Result<Result<std::path::PathBuf, OpenedAttachment>, IpcError> {
    Ok(match collab.fetch_attachment(board_id, entry)? {
        Some(path) => Ok(path),
        None => Err(OpenedAttachment::Uploading {
            message: collab::uploading_message(entry),
        }),
    })
}

/// Emits after the change is durable; a UI that missed it reopens the board for a snapshot.
fn emit<T>(app: &AppHandle, (out, event): (T, BoardPatchEvent)) -> T {
    if let Some(notifications) = app.try_state::<Notifications>() {
        // A due may have moved, and my reminder of it with it.
        notifications.reschedule();
    }
    if !event.patches.is_empty() {
        if let Err(err) = app.emit(BOARD_PATCH_EVENT, &event) {
            tracing::warn!(?err, board = %event.board_id, "could not emit patches");
        }
    }
    out
}

/// Hands an invite from a `tack://join` link to the window's "Join a board" flow.
/// Opens a board as the window shows it (once the start thread is done with it, if it is that
/// board), has a shared board's people fetched again, and keeps the answer for the next start.
fn open_and_keep(
    state: &AppState,
    collab: &Collab,
    start: &StartView,
    board_id: &str,
) -> Result<OpenedBoard, IpcError> {
    start.wait_loaded(board_id);
    let me = collab.signed_in_account();
    let started = std::time::Instant::now();
    let opened = state.lock().open_board_with_people(board_id, me)?;
    tracing::debug!(target: "tack::open", board = %board_id, took = ?started.elapsed(), "opened");
    collab.refresh_directory_soon(board_id);
    start.keep(&state.store, &opened);
    // What loading, building and sending the board freed goes back to the system.
    crate::memory::trim_soon();
    Ok(opened)
}

pub fn emit_join_link(app: &AppHandle, invite: String) {
    if let Err(err) = app.emit(JOIN_LINK_EVENT, JoinLinkEvent { invite }) {
        tracing::warn!(?err, "could not hand a join link to the window");
    }
}

/// Reads a file to import, refusing one too large to be a board export before reading it.
fn read_import_file(path: &std::path::Path) -> Result<Vec<u8>, IpcError> {
    let cannot =
        |err: std::io::Error| IpcError::invalid(format!("cannot read {}: {err}", path.display()));
    let size = std::fs::metadata(path).map_err(cannot)?.len();
    if size > board_import::MAX_FILE_BYTES as u64 {
        return Err(IpcError::invalid(format!(
            "{} is larger than {} MB: not a board export",
            path.display(),
            board_import::MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    std::fs::read(path).map_err(cannot)
}

/// The file the person picks in the system's open dialog for an import of `format`, read
/// (bounded); `None` when the dialog was closed.
fn pick_import_file(
    app: &AppHandle,
    format: ImportFormat,
) -> Result<Option<(std::path::PathBuf, Vec<u8>)>, IpcError> {
    use tauri_plugin_dialog::DialogExt;
    let (name, extensions) = format.filter();
    let Some(picked) = app
        .dialog()
        .file()
        .add_filter(name, extensions)
        .blocking_pick_file()
    else {
        return Ok(None);
    };
    let path = picked
        .into_path()
        .map_err(|err| IpcError::invalid(format!("cannot read that file: {err}")))?;
    let bytes = read_import_file(&path)?;
    Ok(Some((path, bytes)))
}

/// Runs a collaboration call (HTTP to the relay, waits for a download) on the blocking pool:
/// never on the async runtime's workers, which the sync client needs.
async fn off_runtime<T: Send + 'static>(
    collab: &Collab,
    call: impl FnOnce(Collab) -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    let collab = collab.clone();
    tauri::async_runtime::spawn_blocking(move || call(collab))
        .await
        .map_err(|err| IpcError::invalid(format!("the call failed: {err}")))?
}

// The commands. Adding one: write it here, call it from the UI through the generated wrapper
// in `ui/src/ipc/bindings/tack.ts` (run `UPDATE_BINDINGS=1 cargo test -p tack --test it
// bindings`); the handler, the permission and the TypeScript follow from this list.
ipc_commands! {
    #[tauri::command(async)]
    pub fn list_boards(state: State<'_, AppState>) -> Result<Vec<BoardSummary>, IpcError> {
        crate::session::list_boards(&state.store())
    }

    #[tauri::command(async)]
    pub fn create_board(state: State<'_, AppState>, title: String) -> Result<BoardSummary, IpcError> {
        state.lock().create_board(&title)
    }

    /// Finds tasks on every board (the filter grammar: words, `label:`, `@me`, `is:`, `due:`,
    /// `has:`), best first, matched words marked; what the query cannot read comes back too.
    #[tauri::command(async)]
    pub fn search(
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        query: String,
        include_archived: bool,
        limit: u32,
    ) -> Result<SearchResults, IpcError> {
        let me = collab.signed_in_user();
        let now = chrono::Local::now().fixed_offset();
        state.lock().search(&query, include_archived, limit, me, now)
    }

    /// The open board's tasks matching a filter (the grammar of `search`), the free words to
    /// mark on their cards, and what the query cannot read (explained, never thrown).
    #[tauri::command(async)]
    pub fn filter_board(
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        query: String,
    ) -> Result<BoardFilter, IpcError> {
        let me = collab.signed_in_user();
        let now = chrono::Local::now().fixed_offset();
        let started = std::time::Instant::now();
        let filter = state.lock().filter_board(&board_id, &query, me, now)?;
        tracing::debug!(target: "tack::filter", board = %board_id, matched = %filter.tasks, took = ?started.elapsed(), "filtered");
        Ok(filter)
    }

    /// The board's saved views (shared with everyone on it), by name.
    #[tauri::command(async)]
    pub fn list_views(
        state: State<'_, AppState>,
        board_id: String,
    ) -> Result<Vec<SavedView>, IpcError> {
        state.lock().views(&board_id)
    }

    /// Saves a filter, sort and grouping as a view under `name` (replacing the view of that
    /// name); answers the board's views after it.
    #[tauri::command(async)]
    pub fn save_view(
        state: State<'_, AppState>,
        board_id: String,
        name: String,
        query: String,
        sort: String,
        group_by: Option<String>,
    ) -> Result<Vec<SavedView>, IpcError> {
        let settings = ViewSettings {
            query: &query,
            sort: &sort,
            group_by: group_by.as_deref(),
        };
        state.lock().save_view(&board_id, &name, &settings)
    }

    #[tauri::command(async)]
    pub fn rename_view(
        state: State<'_, AppState>,
        board_id: String,
        view_id: String,
        name: String,
    ) -> Result<Vec<SavedView>, IpcError> {
        state.lock().rename_view(&board_id, &view_id, &name)
    }

    #[tauri::command(async)]
    pub fn delete_view(
        state: State<'_, AppState>,
        board_id: String,
        view_id: String,
    ) -> Result<Vec<SavedView>, IpcError> {
        state.lock().delete_view(&board_id, &view_id)
    }

    /// Every task assigned to me on every board: overdue, today, this week, later, no date.
    #[tauri::command(async)]
    pub fn my_tasks(
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
    ) -> Result<Vec<MyTask>, IpcError> {
        let me = collab.signed_in_user();
        state.lock().my_tasks(me, chrono::Local::now().fixed_offset())
    }

    #[tauri::command(async)]
    pub fn delete_board(state: State<'_, AppState>, board_id: String) -> Result<(), IpcError> {
        state.lock().delete_board(&board_id)
    }

    /// The board and its people (the cached directory; a shared board's is refreshed from the
    /// relay in the background and arrives as `board-directory`). Asked for a `first_screen`
    /// (at least one), only that many tasks of each column come (`withheld` counts the rest,
    /// `cached` says `reconcile_board` brings them).
    #[tauri::command(async)]
    pub fn open_board(
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        start: State<'_, StartView>,
        board_id: String,
        first_screen: Option<u32>,
    ) -> Result<OpenedBoard, IpcError> {
        let first = first_screen.map(|first| first.max(1));
        // At start, while the board shown last still loads: the view kept at the last run.
        if let Some(kept) = start.hand_out(&board_id, first) {
            return Ok(kept);
        }
        // Another board shown recently, not loaded: its kept view now (it loads on
        // `reconcile_board`).
        if !state.lock().holds(&board_id) {
            if let Some(kept) = start.open_kept(&state.store, &board_id, first) {
                return Ok(kept);
            }
        }
        let Some(first) = first else {
            return open_and_keep(&state, &collab, &start, &board_id);
        };
        // Read before the view is built: an update stored meanwhile makes the reconcile build
        // the board again rather than miss it.
        let seq = state.lock().store().last_seq(&board_id)?;
        let opened = open_and_keep(&state, &collab, &start, &board_id)?;
        Ok(start.first_screen_of(opened, first, seq))
    }

    /// After `open_board` answered a kept view or a first screen (`cached`): waits for the
    /// board's document and answers the patches from what it answered to the board now (none
    /// for any other board). The board's people follow as `board-directory` when they changed.
    #[tauri::command(async)]
    pub fn reconcile_board(
        app: AppHandle,
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        start: State<'_, StartView>,
        board_id: String,
    ) -> Result<Vec<Patch>, IpcError> {
        let Some((kept, whole)) = start.take_handed(&board_id) else {
            return Ok(Vec::new());
        };
        // A loaded board's first screen: the whole answer it was cut from, while nothing was
        // stored for the board since (it was kept then already).
        if let Some(whole) = whole {
            let seq = state.lock().store().last_seq(&board_id)?;
            if let Some(now) = whole.if_current(seq, &kept.view) {
                return Ok(crate::patches::between(&kept.view, &now));
            }
        }
        // A board opened from its kept view loads now, off the session's lock (the start
        // thread has loaded, or is loading, the board shown last).
        let (holds, config) = {
            let session = state.lock();
            (session.holds(&board_id), session.replica_config().clone())
        };
        if !holds {
            start.load_now(&state.session, &state.store, config, &board_id);
        }
        let now = open_and_keep(&state, &collab, &start, &board_id)?;
        if kept.people != now.people {
            let event = BoardDirectoryEvent {
                board_id: board_id.clone(),
                people: now.people.clone(),
            };
            if let Err(err) = app.emit(ipc::BOARD_DIRECTORY_EVENT, &event) {
                tracing::warn!(?err, "could not send the board's people");
            }
        }
        Ok(crate::patches::between(&kept.view, &now.view))
    }

    #[tauri::command(async)]
    pub fn list_archived(
        state: State<'_, AppState>,
        board_id: String,
    ) -> Result<ArchivedItems, IpcError> {
        state.lock().archived(&board_id)
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

    /// Several ops as one undo step, in order (see `Session::apply_together`).
    #[tauri::command(async)]
    pub fn apply_together(
        app: AppHandle,
        state: State<'_, AppState>,
        board_id: String,
        ops: Vec<BoardOp>,
    ) -> Result<Vec<OpResult>, IpcError> {
        Ok(emit(&app, state.lock().apply_together(&board_id, ops)?))
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

    /// Reads what was typed into a due field (`tomorrow`, `fri 15:00`, `+3d`, an ISO date)
    /// against this computer's clock: the value to store, or why it is not a date.
    #[tauri::command]
    pub fn read_due(text: String) -> Result<String, IpcError> {
        Ok(board_store::local_time::typed_due(&text)?)
    }

    #[tauri::command(async)]
    pub fn list_comments(
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        task_id: String,
    ) -> Result<Vec<CommentEntry>, IpcError> {
        let me = collab.signed_in_user();
        state.lock().list_comments(&board_id, &task_id, me)
    }

    #[tauri::command(async)]
    pub fn add_comment(
        app: AppHandle,
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        task_id: String,
        body: String,
    ) -> Result<CommentEntry, IpcError> {
        let me = collab.signed_in_user();
        Ok(emit(&app, state.lock().add_comment(&board_id, &task_id, &body, me)?))
    }

    #[tauri::command(async)]
    pub fn edit_comment(
        app: AppHandle,
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        comment_id: String,
        body: String,
    ) -> Result<(), IpcError> {
        let me = collab.signed_in_user();
        let edited = state.lock().change_comment(&board_id, &comment_id, Some(&body), me)?;
        emit(&app, edited);
        Ok(())
    }

    #[tauri::command(async)]
    pub fn delete_comment(
        app: AppHandle,
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        comment_id: String,
    ) -> Result<(), IpcError> {
        let me = collab.signed_in_user();
        let deleted = state.lock().change_comment(&board_id, &comment_id, None, me)?;
        emit(&app, deleted);
        Ok(())
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

    /// A task's history, newest first: the relay's (named after each author) on a shared
    /// board, with my changes it has not acknowledged; this computer's own otherwise.
    #[tauri::command(async)]
    pub fn task_history(
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        task_id: String,
    ) -> Result<TaskHistoryView, IpcError> {
        let shared = state.lock().is_shared(&board_id)?;
        // Asked before taking the session: the relay may be slow.
        let relay = shared.then(|| collab.task_history_page(&board_id, &task_id));
        let me = collab.signed_in_account();
        state.lock().task_history(&board_id, &task_id, relay, me)
    }

    /// Brings back the value of one change of a task's history, as one undoable edit.
    #[tauri::command(async)]
    pub fn restore_change(
        app: AppHandle,
        state: State<'_, AppState>,
        board_id: String,
        task_id: String,
        change_id: String,
    ) -> Result<(), IpcError> {
        emit(&app, state.lock().restore_change(&board_id, &task_id, &change_id)?);
        Ok(())
    }

    /// Copies a task (what it holds now) for `paste_task`; returns its title.
    #[tauri::command(async)]
    pub fn yank_task(
        state: State<'_, AppState>,
        board_id: String,
        task_id: String,
    ) -> Result<String, IpcError> {
        state.lock().yank_task(&board_id, &task_id)
    }

    /// Pastes the copied task into a column, as one undoable step: a duplicate on its own
    /// board, a copy with its comments on another.
    #[tauri::command(async)]
    pub fn paste_task(
        app: AppHandle,
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        column_id: String,
        place: Place,
    ) -> Result<OpResult, IpcError> {
        let me = collab.signed_in_account();
        Ok(emit(&app, state.lock().paste_task(&board_id, &column_id, place.into(), me)?))
    }

    /// Moves or copies a task to another board (the column of the same title, else the first).
    #[tauri::command(async)]
    pub fn transfer_task(
        app: AppHandle,
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        task_id: String,
        to_board_id: String,
        mode: TransferMode,
    ) -> Result<TransferOutcome, IpcError> {
        let me = collab.signed_in_account();
        let (outcome, events) =
            state.lock().transfer_task(&board_id, &task_id, &to_board_id, mode, me)?;
        for event in events {
            emit(&app, ((), event));
        }
        Ok(outcome)
    }

    /// A new board holding everything this one holds.
    #[tauri::command(async)]
    pub fn duplicate_board(
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        title: String,
    ) -> Result<BoardSummary, IpcError> {
        let me = collab.signed_in_account();
        state.lock().duplicate_board(&board_id, &title, me)
    }

    /// The built-in templates, then the ones saved on this computer.
    #[tauri::command(async)]
    pub fn list_templates(state: State<'_, AppState>) -> Result<Vec<Template>, IpcError> {
        state.lock().list_templates()
    }

    /// Saves a board's columns, labels and live tasks (nobody's assignments, dates or
    /// comments) as a template.
    #[tauri::command(async)]
    pub fn save_template(
        state: State<'_, AppState>,
        board_id: String,
        name: String,
    ) -> Result<Template, IpcError> {
        state.lock().save_template(&board_id, &name)
    }

    #[tauri::command(async)]
    pub fn delete_template(state: State<'_, AppState>, template_id: String) -> Result<(), IpcError> {
        state.lock().delete_template(&template_id)
    }

    #[tauri::command(async)]
    pub fn create_board_from_template(
        state: State<'_, AppState>,
        title: String,
        template_id: String,
    ) -> Result<BoardSummary, IpcError> {
        state.lock().create_board_from_template(&title, &template_id)
    }

    /// Brings a board in from a file the person picks in the system's open dialog (shown from
    /// here, so the window needs no file or dialog permission). `None`: the dialog was closed.
    #[tauri::command(async)]
    pub fn import_board(
        app: AppHandle,
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        format: ImportFormat,
    ) -> Result<Option<ImportOutcome>, IpcError> {
        let Some((path, bytes)) = pick_import_file(&app, format)? else {
            return Ok(None);
        };
        let title = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_else(|| "Imported".to_owned());
        let me = collab.signed_in_account();
        state.lock().import_board(format, &bytes, &title, me).map(Some)
    }

    /// Adds the tasks of a CSV file the person picks to this board (one undoable step).
    /// `None`: the dialog was closed.
    #[tauri::command(async)]
    pub fn import_into_board(
        app: AppHandle,
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
    ) -> Result<Option<ImportOutcome>, IpcError> {
        let Some((_, bytes)) = pick_import_file(&app, ImportFormat::Csv)? else {
            return Ok(None);
        };
        let me = collab.signed_in_account();
        Ok(Some(emit(&app, state.lock().import_into_board(&board_id, &bytes, me)?)))
    }

    /// Writes a board to a file the person picks in the system's save dialog. `None`: the
    /// dialog was closed; otherwise the path written.
    #[tauri::command(async)]
    pub fn export_board(
        app: AppHandle,
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        format: ExportFormat,
    ) -> Result<Option<String>, IpcError> {
        use tauri_plugin_dialog::DialogExt;
        let me = collab.signed_in_account();
        let (bytes, name) = state.lock().export_board(&board_id, format, me)?;
        let Some(picked) = app.dialog().file().set_file_name(&name).blocking_save_file() else {
            return Ok(None);
        };
        let path = picked
            .into_path()
            .map_err(|err| IpcError::invalid(format!("cannot write there: {err}")))?;
        std::fs::write(&path, bytes)
            .map_err(|err| IpcError::invalid(format!("could not write {}: {err}", path.display())))?;
        Ok(Some(path.display().to_string()))
    }

    /// Opens a link of a rendered description in the system's browser (http and https only).
    #[tauri::command]
    pub fn open_link(app: AppHandle, url: String) -> Result<(), IpcError> {
        use tauri_plugin_opener::OpenerExt;
        let url = crate::ipc::web_link(&url)?;
        app.opener()
            .open_url(url, None::<&str>)
            .map_err(|err| IpcError::invalid(format!("Could not open {url}: {err}")))
    }

    /// The account. The window calls it at start after subscribing to `join-link`, so it also
    /// sends the invites of `tack://join` links that arrived before the window listened.
    #[tauri::command]
    pub fn get_account(
        app: AppHandle,
        collab: State<'_, Collab>,
        links: State<'_, JoinLinks>,
    ) -> AccountState {
        for invite in links.listening() {
            emit_join_link(&app, invite);
        }
        collab.account_state()
    }

    #[tauri::command]
    pub async fn set_server_url(
        collab: State<'_, Collab>,
        url: String,
    ) -> Result<AccountState, IpcError> {
        off_runtime(&collab, move |c| c.set_server_url(&url)).await
    }

    #[tauri::command]
    pub async fn sign_up(
        collab: State<'_, Collab>,
        email: String,
        password: String,
    ) -> Result<AccountState, IpcError> {
        off_runtime(&collab, move |c| c.sign_up(&email, &password)).await
    }

    #[tauri::command]
    pub async fn sign_in(
        collab: State<'_, Collab>,
        email: String,
        password: String,
    ) -> Result<AccountState, IpcError> {
        off_runtime(&collab, move |c| c.sign_in(&email, &password)).await
    }

    #[tauri::command]
    pub async fn sign_out(collab: State<'_, Collab>) -> Result<AccountState, IpcError> {
        off_runtime(&collab, |c| c.sign_out()).await
    }

    #[tauri::command]
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

    #[tauri::command]
    pub async fn publish_board(collab: State<'_, Collab>, board_id: String) -> Result<Role, IpcError> {
        off_runtime(&collab, move |c| c.publish_board(&board_id)).await
    }

    #[tauri::command]
    pub async fn list_members(
        collab: State<'_, Collab>,
        board_id: String,
    ) -> Result<Vec<Member>, IpcError> {
        off_runtime(&collab, move |c| c.list_members(&board_id)).await
    }

    #[tauri::command]
    pub async fn share_board(
        collab: State<'_, Collab>,
        board_id: String,
        email: String,
        role: Role,
    ) -> Result<Member, IpcError> {
        off_runtime(&collab, move |c| c.share_board(&board_id, &email, role)).await
    }

    #[tauri::command]
    pub async fn set_member_role(
        collab: State<'_, Collab>,
        board_id: String,
        user_id: String,
        role: Role,
    ) -> Result<(), IpcError> {
        off_runtime(&collab, move |c| {
            c.set_member_role(&board_id, &user_id, role)
        })
        .await
    }

    #[tauri::command]
    pub async fn remove_member(
        collab: State<'_, Collab>,
        board_id: String,
        user_id: String,
    ) -> Result<(), IpcError> {
        off_runtime(&collab, move |c| c.remove_member(&board_id, &user_id)).await
    }

    #[tauri::command]
    pub async fn create_invite(
        collab: State<'_, Collab>,
        board_id: String,
        role: Role,
    ) -> Result<Invite, IpcError> {
        off_runtime(&collab, move |c| c.create_invite(&board_id, role)).await
    }

    #[tauri::command]
    pub async fn accept_invite(
        collab: State<'_, Collab>,
        invite: String,
    ) -> Result<RemoteBoard, IpcError> {
        off_runtime(&collab, move |c| c.accept_invite(&invite)).await
    }

    #[tauri::command]
    pub async fn list_remote_boards(collab: State<'_, Collab>) -> Result<Vec<RemoteBoard>, IpcError> {
        off_runtime(&collab, |c| c.list_remote_boards()).await
    }

    #[tauri::command]
    pub async fn open_remote_board(
        collab: State<'_, Collab>,
        board_id: String,
    ) -> Result<BoardSummary, IpcError> {
        off_runtime(&collab, move |c| c.open_remote_board(&board_id)).await
    }

    #[tauri::command]
    pub async fn leave_board(collab: State<'_, Collab>, board_id: String) -> Result<(), IpcError> {
        off_runtime(&collab, move |c| c.leave_board(&board_id)).await
    }

    #[tauri::command]
    pub async fn set_selection(
        collab: State<'_, Collab>,
        board_id: String,
        task_id: Option<String>,
    ) -> Result<(), IpcError> {
        off_runtime(&collab, move |c| c.set_selection(&board_id, task_id)).await
    }

    /// Looks for a newer signed release now (nothing is downloaded).
    #[tauri::command(async)]
    pub async fn check_for_update(app: AppHandle) -> Result<UpdateState, IpcError> {
        crate::update::check(&app).await
    }

    /// Downloads and installs the release the last look found, once its signature verifies;
    /// it runs after a restart (`restart_app`). Its version.
    #[tauri::command(async)]
    pub async fn install_update(app: AppHandle) -> Result<String, IpcError> {
        crate::update::install(&app).await
    }

    /// Restarts the app (after installing an update, when the person says so).
    #[tauri::command(async)]
    pub fn restart_app(app: AppHandle) -> Result<(), IpcError> {
        app.restart()
    }

    /// The window painted its first screen at start (a board, or none to show): what the
    /// start put off is done now (the quick add shortcut's registration; views kept ahead for
    /// large boards not shown yet, a while later). Later calls do nothing.
    #[tauri::command(async)]
    pub fn first_painted(app: AppHandle) -> Result<(), IpcError> {
        crate::after_first_paint(&app);
        Ok(())
    }

    /// Shows the quick add window (its global shortcut does the same).
    #[tauri::command(async)]
    pub fn open_quick_add(app: AppHandle) -> Result<(), IpcError> {
        crate::quick_add::show(&app);
        Ok(())
    }

    /// Hides the quick add window (after adding, or Esc).
    #[tauri::command(async)]
    pub fn hide_quick_add(app: AppHandle) -> Result<(), IpcError> {
        crate::quick_add::hide(&app);
        Ok(())
    }

    /// The board's columns a task can be added to, in board order.
    #[tauri::command(async)]
    pub fn board_columns(
        state: State<'_, AppState>,
        board_id: String,
    ) -> Result<Vec<ColumnChoice>, IpcError> {
        state.lock().board_columns(&board_id)
    }

    /// The quick add shortcut as set, and whether it works here.
    #[tauri::command(async)]
    pub fn quick_add_settings(
        state: State<'_, AppState>,
        problem: State<'_, crate::quick_add::ShortcutProblem>,
    ) -> Result<QuickAddSettings, IpcError> {
        let shortcut = crate::quick_add::configured(&state.lock().store())?;
        Ok(crate::quick_add::settings(shortcut, problem.get()))
    }

    /// Sets the quick add shortcut (`""`: none): registered at once, kept for the next start.
    /// One that cannot be read or registered is refused and the old one stays.
    #[tauri::command(async)]
    pub fn set_quick_add_shortcut(
        app: AppHandle,
        state: State<'_, AppState>,
        problem: State<'_, crate::quick_add::ShortcutProblem>,
        shortcut: String,
    ) -> Result<QuickAddSettings, IpcError> {
        let old = crate::quick_add::configured(&state.lock().store())?;
        if let Err(err) = crate::quick_add::register(&app, &shortcut) {
            if let Err(again) = crate::quick_add::register(&app, &old) {
                tracing::warn!(%again, "could not register the previous quick add shortcut again");
            }
            return Err(err);
        }
        problem.set(None);
        let kept = shortcut.trim();
        state
            .lock()
            .store()
            .set_profile_setting(crate::quick_add::SHORTCUT_SETTING, Some(kept))?;
        Ok(crate::quick_add::settings(kept.to_owned(), None))
    }

    /// My inbox, newest first.
    #[tauri::command(async)]
    pub fn inbox(state: State<'_, AppState>) -> Result<InboxView, IpcError> {
        let session = state.lock();
        let store = session.store();
        notify::inbox_view(&store)
    }

    /// Marks inbox entries read or unread; the inbox after.
    #[tauri::command(async)]
    pub fn set_inbox_read(
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        keys: Vec<String>,
        read: bool,
    ) -> Result<InboxView, IpcError> {
        let session = state.lock();
        let mut store = session.store();
        if store.set_inbox_read(&keys, read)? > 0 {
            collab.read_marks_soon();
        }
        notify::inbox_view(&store)
    }

    /// Marks every inbox entry read; the inbox after.
    #[tauri::command(async)]
    pub fn mark_inbox_read(
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
    ) -> Result<InboxView, IpcError> {
        let session = state.lock();
        let mut store = session.store();
        if store.mark_inbox_all_read()? > 0 {
            collab.read_marks_soon();
        }
        notify::inbox_view(&store)
    }

    /// My reminder of a task, if any.
    #[tauri::command(async)]
    pub fn task_reminder(
        state: State<'_, AppState>,
        board_id: String,
        task_id: String,
    ) -> Result<Option<ReminderView>, IpcError> {
        let session = state.lock();
        let reminder = session.store().reminder(&board_id, &task_id)?;
        Ok(reminder.as_ref().map(notify::reminder_view))
    }

    /// Sets my reminder of a task to `before_minutes` before its due (0: at due), or removes
    /// it (`null`).
    #[tauri::command(async)]
    pub fn set_task_reminder(
        state: State<'_, AppState>,
        notifications: State<'_, Notifications>,
        board_id: String,
        task_id: String,
        before_minutes: Option<u32>,
    ) -> Result<Option<ReminderView>, IpcError> {
        let mut session = state.lock();
        let out = notify::set_task_reminder(
            &mut session,
            &board_id,
            &task_id,
            before_minutes,
            notifications.now_ms(),
        )?;
        drop(session);
        notifications.reschedule();
        Ok(out)
    }

    /// A task's files, oldest first, each with where its bytes are.
    #[tauri::command(async)]
    pub fn list_attachments(
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        task_id: String,
    ) -> Result<Vec<AttachmentEntry>, IpcError> {
        let me = collab.signed_in_account();
        let refused = collab.refused_uploads(&board_id);
        state.lock().list_attachments(&board_id, &task_id, me, &refused)
    }

    /// The thumbnail of an image attachment whose bytes are on this computer, as a `data:` URL
    /// (at most 256 px on a side; made once, then read from the profile's cache). `None` when
    /// its bytes are not here, or make no thumbnail (not an image, too large, damaged).
    #[tauri::command(async)]
    pub fn attachment_thumbnail(
        state: State<'_, AppState>,
        sha256: String,
    ) -> Result<Option<String>, IpcError> {
        // The blob store alone: making a thumbnail never holds the session.
        let blobs = state.lock().blobs();
        Ok(blobs.thumbnail(&sha256)?.map(|t| crate::session::thumbnail_data_url(&t)))
    }

    /// Attaches files the person picks in the system's open dialog (shown from here: the
    /// window has no file access). Empty when the dialog was closed.
    #[tauri::command(async)]
    pub fn attach_files(
        app: AppHandle,
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        task_id: String,
    ) -> Result<Vec<AttachmentEntry>, IpcError> {
        use tauri_plugin_dialog::DialogExt;
        state.lock().check_attachable(&board_id, &task_id)?;
        let Some(picked) = app.dialog().file().set_title("Attach files").blocking_pick_files() else {
            return Ok(Vec::new());
        };
        let paths = picked
            .into_iter()
            .map(|file| file.into_path())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| IpcError::invalid(format!("cannot read that file: {err}")))?;
        attach_paths(&app, &state, &collab, &board_id, &task_id, &paths)
    }

    /// Attaches the files last dropped on the window (recorded from Tauri's drag-drop event) to
    /// the task the window says they were dropped on.
    #[tauri::command(async)]
    pub fn attach_dropped(
        app: AppHandle,
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        dropped: State<'_, DroppedFiles>,
        board_id: String,
        task_id: String,
    ) -> Result<Vec<AttachmentEntry>, IpcError> {
        let paths = std::mem::take(
            &mut *dropped.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        attach_paths(&app, &state, &collab, &board_id, &task_id, &paths)
    }

    /// Attaches pasted bytes (an image from the clipboard), at most `MAX_PASTED_BYTES`.
    #[tauri::command(async)]
    pub fn attach_pasted(
        app: AppHandle,
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        task_id: String,
        name: String,
        bytes: Vec<u8>,
    ) -> Result<AttachmentEntry, IpcError> {
        let me = collab.signed_in_account();
        let entry = emit(&app, state.lock().attach_bytes(&board_id, &task_id, &name, &bytes, me)?);
        collab.upload_soon();
        Ok(entry)
    }

    /// Removes a file from its task (one undoable edit).
    #[tauri::command(async)]
    pub fn remove_attachment(
        app: AppHandle,
        state: State<'_, AppState>,
        board_id: String,
        task_id: String,
        attachment_id: String,
    ) -> Result<(), IpcError> {
        emit(&app, state.lock().remove_attachment(&board_id, &task_id, &attachment_id)?);
        Ok(())
    }

    /// Opens a file with the system's application for its type, downloading it first when it is
    /// not here. One that would run something is opened only once `confirmed`.
    #[tauri::command(async)]
    pub fn open_attachment(
        app: AppHandle,
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        task_id: String,
        attachment_id: String,
        confirmed: bool,
    ) -> Result<OpenedAttachment, IpcError> {
        use crate::session::OpenStep;
        use tauri_plugin_opener::OpenerExt;
        let me = collab.signed_in_account();
        let step = state
            .lock()
            .open_attachment_step(&board_id, &task_id, &attachment_id, confirmed, me)?;
        let path = match step {
            OpenStep::Answer(answer) => return Ok(answer),
            OpenStep::Open(path) => path,
            OpenStep::Download(entry) => match attachment_here(&collab, &board_id, &entry)? {
                Ok(blob) => state.lock().openable(&entry, &blob)?,
                Err(answer) => return Ok(answer),
            },
        };
        app.opener()
            .open_path(path.to_string_lossy(), None::<&str>)
            .map_err(|err| IpcError::invalid(format!("Could not open it: {err}")))?;
        Ok(OpenedAttachment::Opened)
    }

    /// Copies a file to where the person picks in the system's save dialog (downloading it
    /// first when it is not here). `None`: the dialog was closed; otherwise the path written.
    #[tauri::command(async)]
    pub fn save_attachment_as(
        app: AppHandle,
        state: State<'_, AppState>,
        collab: State<'_, Collab>,
        board_id: String,
        task_id: String,
        attachment_id: String,
    ) -> Result<Option<String>, IpcError> {
        use tauri_plugin_dialog::DialogExt;
        let me = collab.signed_in_account();
        let (entry, local) = state
            .lock()
            .attachment_bytes(&board_id, &task_id, &attachment_id, me)?;
        let blob = match local {
            Some(blob) => blob,
            None => match attachment_here(&collab, &board_id, &entry)? {
                Ok(blob) => blob,
                Err(OpenedAttachment::Uploading { message }) => {
                    return Err(IpcError::new(crate::ipc::ErrorKind::NotFound, message))
                }
                Err(_) => return Err(IpcError::invalid("Nothing to save.")),
            },
        };
        let Some(picked) = app.dialog().file().set_file_name(&entry.name).blocking_save_file() else {
            return Ok(None);
        };
        let path = picked
            .into_path()
            .map_err(|err| IpcError::invalid(format!("cannot write there: {err}")))?;
        std::fs::copy(&blob, &path)
            .map_err(|err| IpcError::invalid(format!("could not write {}: {err}", path.display())))?;
        Ok(Some(path.display().to_string()))
    }
}
