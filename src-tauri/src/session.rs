//! The app's state: the local store and the boards open in this window. Every change is saved
//! durably (`replica::save_local_changes`) before its patches are handed back to be emitted,
//! and then the sync client (when signed in) is told to send it. The store is shared with the
//! sync client (`Arc<Mutex<Store>>`); remote updates come back through [`Session::apply_remote`].

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use board_model::{
    derive_concerns, Board, BoardView, ChangeSet, CommentFacts, ConcernSources, DueSoon, NewTask,
    Place, ReplicaConfig, SavedView, TaskFacts, ViewSettings, DUE_SOON_WINDOW_MS,
};
use board_store::{replica, BoardRecord, LocalAccess, NewInboxEntry, Store};
use chrono::{DateTime, FixedOffset};
use sync_client::{SharedStore, SyncHandle};

use crate::ipc::{
    ArchivedColumn, ArchivedItems, ArchivedTask, BoardOp, BoardPatchEvent, BoardSummary,
    ColumnChoice, CommentEntry, DirectoryEntry, ErrorKind, ExportFormat, HistoryEntry,
    ImportFormat, ImportOutcome, IpcError, OpResult, OpenedBoard, SignedInUser, TaskHistoryView,
};
use crate::patches::{self, ShownColumns};

mod attachments;
mod transfer;

pub use attachments::{thumbnail_data_url, OpenStep, MAX_PASTED_BYTES};

/// Entries of a task's history the task panel shows (the newest).
const HISTORY_PAGE: u32 = 100;

/// The most hits one search answers with.
const SEARCH_MAX_HITS: u32 = 500;

/// Bounds on a generated demo board (20 × 500 is the size the app is tuned for).
const DEMO_MAX_COLUMNS: u32 = 50;
const DEMO_MAX_TASKS: u32 = 20_000;

struct OpenBoard {
    board: Board,
    shown: ShownColumns,
    /// What each task was after the last change taken: the "before" of the next remote one,
    /// for deriving what concerns me (`board_model::derive_concerns`).
    facts: HashMap<String, TaskFacts>,
}

impl OpenBoard {
    /// Each task's facts, from the board's view with archived tasks.
    fn facts_from(full: &BoardView) -> HashMap<String, TaskFacts> {
        full.tasks()
            .map(|task| (task.id.clone(), TaskFacts::of(task)))
            .collect()
    }

    fn new(board: Board) -> Self {
        let full = board.view_with(true);
        let facts = Self::facts_from(&full);
        let shown = ShownColumns::from_view(&full.without_archived());
        Self {
            board,
            shown,
            facts,
        }
    }

    fn refresh_facts(&mut self, changes: &ChangeSet) {
        for id in &changes.tasks {
            match self.board.task(id) {
                Some(task) => {
                    self.facts.insert(id.clone(), TaskFacts::of(&task));
                }
                None => {
                    self.facts.remove(id);
                }
            }
        }
    }

    /// What in `changes` (a teammate's) concerns `me`, as inbox entries.
    fn concerns(&self, me: &str, changes: &ChangeSet, now_ms: i64) -> Vec<NewInboxEntry> {
        let board = &self.board;
        let sources = ConcernSources {
            before: |task: &str| self.facts.get(task).cloned(),
            after: |task: &str| board.task(task).map(|view| TaskFacts::of(&view)),
            comment: |id: &str| board.comment(id).map(|view| CommentFacts::of(&view)),
            due_moment: |due: &str| {
                board_model::Due::parse(due).ok().map(|due| {
                    due.deadline(board_store::local_time::local_offset_at)
                        .timestamp_millis()
                })
            },
        };
        let due_soon = DueSoon {
            now_ms,
            window_ms: DUE_SOON_WINDOW_MS,
        };
        derive_concerns(me, board.id(), changes, &sources, due_soon)
            .into_iter()
            .map(|concern| NewInboxEntry {
                key: concern.key,
                board: board.id().to_owned(),
                task: concern.task,
                kind: concern.kind.as_str().to_owned(),
                actor: concern.actor,
                title: concern.title,
                at_ms: now_ms,
            })
            .collect()
    }
}

/// What a remote update did here.
#[derive(Debug, Default)]
pub struct RemoteOutcome {
    /// Patches for the window, when the board is open there.
    pub patch: Option<BoardPatchEvent>,
    /// What in it concerns me (only when I am known).
    pub concerns: Vec<NewInboxEntry>,
    /// My reminders of the board changed (a due moved): reschedule.
    pub reminders_changed: bool,
}

/// The store and the replicas of the boards opened so far.
pub struct Session {
    store: SharedStore,
    config: ReplicaConfig,
    open: HashMap<String, OpenBoard>,
    /// The boards in `open`, the one used longest ago first.
    open_order: Vec<String>,
    /// The board the window shows (its last `open_board`): never dropped from `open`.
    shown: Option<String>,
    /// Replicas of boards not open in the window that remote updates arrived for, kept to
    /// derive what concerns me from the next ones (dropped when the window opens the board).
    /// At most [`MAX_WATCHED`].
    watched: HashMap<String, OpenBoard>,
    /// The watched boards, the one updated longest ago first.
    watched_order: Vec<String>,
    /// The running sync client, when signed in.
    sync: Option<SyncHandle>,
    /// The task `y y` copied, for `p`.
    yanked: Option<transfer::Yanked>,
}

/// The most boards' replicas kept loaded: the board shown and the ones used most recently
/// (quick add's, a board switched away from). Each is a whole replica (~60 MB for 10,000
/// tasks); one dropped is loaded again when next used, its undo history with it (saved with
/// every change), and a board shown recently opens from its kept view meanwhile.
pub const MAX_OPEN: usize = 3;

/// The most boards watched for remote updates at once: each is a whole replica (~60 MB for
/// 10,000 tasks). The one updated longest ago goes first; its next update loads it again, as
/// it was before that update, so nothing that concerns me is missed.
pub const MAX_WATCHED: usize = 4;

/// The most ops `apply_together` makes one undo step of.
pub const MAX_OPS_TOGETHER: usize = 8;

/// Marks `board_id` the one used last in `order` (the boards of `open` or `watched`, the one
/// used longest ago first).
fn mark_used(order: &mut Vec<String>, board_id: &str) {
    order.retain(|id| id != board_id);
    order.push(board_id.to_owned());
}

/// The boards on this computer; needs only the store (not the session another thread may hold
/// while it loads a board).
pub fn list_boards(store: &Store) -> Result<Vec<BoardSummary>, IpcError> {
    Ok(store
        .list_boards()?
        .into_iter()
        .map(board_summary)
        .collect())
}

fn board_summary(record: BoardRecord) -> BoardSummary {
    let access = record.access();
    BoardSummary {
        id: record.id,
        title: record.title,
        created_at: record.created_at_ms,
        role: access.and_then(LocalAccess::role),
        read_only: access.is_some_and(|access| !access.can_write()),
        read_only_reason: access
            .and_then(LocalAccess::read_only_reason)
            .map(str::to_owned),
    }
}

impl Session {
    pub fn open(data_dir: &Path, config: ReplicaConfig) -> Result<Self, IpcError> {
        Ok(Self::with_store(
            Arc::new(Mutex::new(Store::open_in_dir(data_dir)?)),
            config,
        ))
    }

    pub fn with_store(store: SharedStore, config: ReplicaConfig) -> Self {
        Self {
            store,
            config,
            open: HashMap::new(),
            open_order: Vec::new(),
            shown: None,
            watched: HashMap::new(),
            watched_order: Vec::new(),
            sync: None,
            yanked: None,
        }
    }

    /// The store, shared with the sync client.
    pub fn shared_store(&self) -> SharedStore {
        self.store.clone()
    }

    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn replica_config(&self) -> &ReplicaConfig {
        &self.config
    }

    pub fn sync(&self) -> Option<&SyncHandle> {
        self.sync.as_ref()
    }

    /// Installs (or removes) the sync client; returns the previous one to shut down.
    pub fn set_sync(&mut self, sync: Option<SyncHandle>) -> Option<SyncHandle> {
        std::mem::replace(&mut self.sync, sync)
    }

    pub fn list_boards(&self) -> Result<Vec<BoardSummary>, IpcError> {
        list_boards(&self.store())
    }

    /// Takes a replica built off the session (the start path's board, see `start.rs`) unless
    /// the board was opened meanwhile or the store holds anything newer than `read_seq` (it
    /// then loads again when it is needed). Whether it was taken.
    pub fn install(&mut self, board: Board, read_seq: board_store::Seq) -> Result<bool, IpcError> {
        let board_id = board.id().to_owned();
        if self.open.contains_key(&board_id) || self.store().last_seq(&board_id)? != read_seq {
            return Ok(false);
        }
        self.unwatch(&board_id);
        self.admit(board_id, OpenBoard::new(board));
        Ok(true)
    }

    /// Keeps `board` loaded as the one used last, dropping the replicas used longest ago
    /// beyond [`MAX_OPEN`] (never the board shown).
    fn admit(&mut self, board_id: String, board: OpenBoard) {
        self.open.insert(board_id.clone(), board);
        mark_used(&mut self.open_order, &board_id);
        let open = &self.open;
        self.open_order.retain(|id| open.contains_key(id));
        while self.open.len() > MAX_OPEN {
            let shown = self.shown.as_deref();
            let Some(at) = self
                .open_order
                .iter()
                .position(|id| *id != board_id && Some(id.as_str()) != shown)
            else {
                break;
            };
            let dropped = self.open_order.remove(at);
            self.open.remove(&dropped);
        }
    }

    /// How many boards' replicas are loaded (at most [`MAX_OPEN`]).
    pub fn open_len(&self) -> usize {
        self.open.len()
    }

    /// Drops the replica kept for a board's remote updates (it is opened, gone, or behind).
    fn unwatch(&mut self, board_id: &str) {
        self.watched.remove(board_id);
        self.watched_order.retain(|id| id != board_id);
    }

    /// How many boards are watched for remote updates (at most [`MAX_WATCHED`]).
    pub fn watched_len(&self) -> usize {
        self.watched.len()
    }

    /// True when the board's replica is in memory (opened, or watched for remote updates):
    /// opening it needs no load.
    pub fn holds(&self, board_id: &str) -> bool {
        self.open.contains_key(board_id) || self.watched.contains_key(board_id)
    }

    /// One board's summary, `NotFound` when it is not on this computer.
    pub fn board_summary(&self, board_id: &str) -> Result<BoardSummary, IpcError> {
        let record = self.store().board(board_id)?.ok_or_else(|| {
            IpcError::new(ErrorKind::NotFound, "that board is not on this computer")
        })?;
        Ok(board_summary(record))
    }

    /// Why `board_id` cannot be edited here, if it cannot.
    pub fn read_only_reason(&self, board_id: &str) -> Result<Option<&'static str>, IpcError> {
        Ok(self
            .store()
            .board(board_id)?
            .and_then(|record| record.access()?.read_only_reason()))
    }

    /// Records the board's relay and my access to it (`Removed` once my membership ended).
    pub fn set_board_access(
        &self,
        board_id: &str,
        server: Option<&str>,
        access: Option<LocalAccess>,
    ) -> Result<(), IpcError> {
        Ok(self.store().set_board_access(board_id, server, access)?)
    }

    pub fn create_board(&mut self, title: &str) -> Result<BoardSummary, IpcError> {
        let id = self.config.sources.new_id();
        let board = replica::create_board(&mut self.store(), &id, title, self.config.clone())?;
        let summary = summary(&board);
        self.admit(id, OpenBoard::new(board));
        Ok(summary)
    }

    pub fn delete_board(&mut self, board_id: &str) -> Result<(), IpcError> {
        self.store().delete_board(board_id)?;
        self.open.remove(board_id);
        self.unwatch(board_id);
        if let Some(sync) = &self.sync {
            // Nothing of it is left here to sync.
            if let Err(err) = sync.unsubscribe(board_id) {
                tracing::warn!(%err, board = %board_id, "the sync client has stopped");
            }
        }
        Ok(())
    }

    /// The board as it is now; patches for it follow from here on.
    pub fn open_board(&mut self, board_id: &str) -> Result<BoardView, IpcError> {
        self.shown = Some(board_id.to_owned());
        let open = self.replica(board_id)?;
        open.board.take_changes();
        // One read of the document: the facts need archived tasks too, the window not.
        let full = open.board.view_with(true);
        open.facts = OpenBoard::facts_from(&full);
        let view = full.without_archived();
        open.shown = ShownColumns::from_view(&view);
        Ok(view)
    }

    /// The board's columns a task can be added to (not archived), in board order: quick add's
    /// choice, without building the board's view.
    pub fn board_columns(&mut self, board_id: &str) -> Result<Vec<ColumnChoice>, IpcError> {
        let columns = self.replica(board_id)?.board.columns();
        Ok(columns
            .into_iter()
            .filter(|column| !column.archived)
            .map(|column| ColumnChoice {
                id: column.id,
                title: column.title,
            })
            .collect())
    }

    /// What the board keeps archived (see [`ArchivedItems`]); restoring goes through `apply`.
    pub fn archived(&mut self, board_id: &str) -> Result<ArchivedItems, IpcError> {
        let view = self.replica(board_id)?.board.view_with(true);
        let mut items = ArchivedItems {
            columns: Vec::new(),
            tasks: Vec::new(),
        };
        for column in view.columns {
            if column.archived {
                let coming_back = column.tasks.iter().filter(|t| !t.archived).count();
                items.columns.push(ArchivedColumn {
                    id: column.id,
                    title: column.title,
                    tasks: u32::try_from(coming_back).unwrap_or(u32::MAX),
                });
                continue;
            }
            for task in column.tasks.into_iter().filter(|t| t.archived) {
                items.tasks.push(ArchivedTask {
                    id: task.id,
                    title: task.title,
                    column_id: column.id.clone(),
                    column_title: column.title.clone(),
                });
            }
        }
        Ok(items)
    }

    pub fn apply(
        &mut self,
        board_id: &str,
        op: BoardOp,
    ) -> Result<(OpResult, BoardPatchEvent), IpcError> {
        self.change(board_id, |board| apply_op(board, op))
    }

    /// Several ops as one undo step, in order (a card dropped into another swimlane and
    /// column: the lane's field and the move). At most [`MAX_OPS_TOGETHER`]; the first refused
    /// stops the rest and is the answer.
    pub fn apply_together(
        &mut self,
        board_id: &str,
        ops: Vec<BoardOp>,
    ) -> Result<(Vec<OpResult>, BoardPatchEvent), IpcError> {
        if ops.is_empty() || ops.len() > MAX_OPS_TOGETHER {
            return Err(IpcError::invalid(format!(
                "between 1 and {MAX_OPS_TOGETHER} changes go together"
            )));
        }
        self.change(board_id, |board| {
            board
                .in_one_step(|board| {
                    Ok(ops
                        .into_iter()
                        .map(|op| apply_op(board, op))
                        .collect::<Result<Vec<_>, IpcError>>())
                })
                .map_err(IpcError::from)?
        })
    }

    /// The board's people for the assignee picker, mentions and initials: the cached member
    /// directory and me (the signed-in account, else this profile), by name.
    pub fn directory(
        &mut self,
        board_id: &str,
        account: Option<SignedInUser>,
    ) -> Result<Vec<DirectoryEntry>, IpcError> {
        directory_of(&mut self.store(), &self.config.user, board_id, account)
    }

    /// A board's people: its cached member directory and me.
    fn people(
        &mut self,
        board_id: &str,
        account: Option<SignedInUser>,
    ) -> Result<board_store::Directory, IpcError> {
        people_of(&mut self.store(), &self.config.user, board_id, account)
    }

    /// Whether a board is shared on a relay (its history is then the relay's).
    pub fn is_shared(&self, board_id: &str) -> Result<bool, IpcError> {
        Ok(self
            .store()
            .board(board_id)?
            .is_some_and(|record| record.server.is_some()))
    }

    /// A task's history as the task panel shows it: `relay` is `None` for a board never
    /// shared, else what the relay answered (`board_store::history_view`, as `tackctl` shows it).
    pub fn task_history(
        &mut self,
        board_id: &str,
        task_id: &str,
        relay: Option<board_store::history_view::RelayAnswer>,
        account: Option<SignedInUser>,
    ) -> Result<TaskHistoryView, IpcError> {
        let people = self.people(board_id, account)?;
        let page = self
            .store()
            .first_history_page(board_id, task_id, relay, HISTORY_PAGE)?;
        let board = &self.replica(board_id)?.board;
        let entries = page
            .changes
            .into_iter()
            .map(|change| {
                // No author: this profile's own change.
                let author_name = match change.author.as_deref().map(|id| (id, people.get(id))) {
                    None | Some((_, Some(board_store::DirectoryEntry { me: true, .. }))) => {
                        "You".to_owned()
                    }
                    Some((_, Some(entry))) => entry.name.clone(),
                    Some((id, None)) => board_store::member_name(&[], id),
                };
                HistoryEntry {
                    shown: board_store::history_view::describe_value(
                        board,
                        &people,
                        change.field,
                        &change.value,
                    ),
                    field: change.field.as_str().to_owned(),
                    restorable: change.restorable(),
                    id: change.id,
                    author_name,
                    at: change.at_ms,
                    synced: change.synced,
                }
            })
            .collect();
        Ok(TaskHistoryView {
            entries,
            note: page.note,
        })
    }

    /// Brings back the value of one change of a task's history as an ordinary edit (one undo
    /// step): a change of mine on this computer (`l<id>`), or one of the relay's page as last
    /// shown (`r<seq>.<n>`).
    pub fn restore_change(
        &mut self,
        board_id: &str,
        task_id: &str,
        change_id: &str,
    ) -> Result<((), BoardPatchEvent), IpcError> {
        let not_found =
            || IpcError::invalid(format!("no change {change_id} in this task's history"));
        let change = if let Some(local) = change_id.strip_prefix('l') {
            let id: i64 = local.parse().map_err(|_| not_found())?;
            let shared = self.is_shared(board_id)?;
            let found = self
                .store()
                .task_change(board_id, id)?
                .ok_or_else(not_found)?;
            board_store::history_view::ShownChange::local(found, shared)
        } else if let Some(relay) = change_id.strip_prefix('r') {
            self.store()
                .cached_relay_history(board_id, task_id)?
                .into_iter()
                .find(|c| c.id == relay)
                .and_then(|c| board_store::history_view::ShownChange::cached(c, task_id))
                .ok_or_else(not_found)?
        } else {
            return Err(not_found());
        };
        if change.task != task_id {
            return Err(IpcError::invalid(format!(
                "change {change_id} is not a change of this task"
            )));
        }
        if !change.restorable() {
            return Err(IpcError::invalid(format!(
                "change {change_id} cannot be restored"
            )));
        }
        self.change(board_id, |board| {
            board
                .restore_field(task_id, change.field, &change.value)
                .map_err(IpcError::from)
        })
    }

    /// A board brought in from another tool's file (`board-import`): read whole, built in
    /// memory and stored in one transaction, so a bad file leaves nothing behind. People the
    /// file names are matched exactly to the new board's only member, me; the others are kept
    /// as their names. `file_title` names a board read from CSV (which has no title).
    pub fn import_board(
        &mut self,
        format: ImportFormat,
        bytes: &[u8],
        file_title: &str,
        account: Option<SignedInUser>,
    ) -> Result<ImportOutcome, IpcError> {
        let plan = match format {
            ImportFormat::Trello => board_import::trello::read(bytes),
            ImportFormat::Csv => board_import::csv::read(bytes, file_title),
        }
        .map_err(|err| IpcError::invalid(format!("Nothing was imported: {err}")))?;
        let id = self.config.sources.new_id();
        let people = self.people(&id, account)?;
        let (board, report) =
            replica::import_new_board(&mut self.store(), &id, &plan, self.config.clone(), &people)?;
        let outcome = ImportOutcome {
            board: summary(&board),
            tasks: count(report.tasks),
            columns: count(report.columns),
            labels: count(report.labels),
            comments: count(report.comments),
            unmatched_people: report.unmatched_people,
        };
        self.admit(id, OpenBoard::new(board));
        Ok(outcome)
    }

    /// A CSV file's tasks added to an existing board, as one undoable step: columns and labels
    /// of the same name are reused, people matched exactly to the board's members.
    pub fn import_into_board(
        &mut self,
        board_id: &str,
        bytes: &[u8],
        account: Option<SignedInUser>,
    ) -> Result<(ImportOutcome, BoardPatchEvent), IpcError> {
        let title = self.board_summary(board_id)?.title;
        let plan = board_import::csv::read(bytes, &title)
            .map_err(|err| IpcError::invalid(format!("Nothing was imported: {err}")))?;
        let people = self.people(board_id, account)?;
        let (report, event) = self.change(board_id, |board| {
            Ok(replica::import_into(board, &plan, &people)?)
        })?;
        let outcome = ImportOutcome {
            board: self.board_summary(board_id)?,
            tasks: count(report.tasks),
            columns: count(report.columns),
            labels: count(report.labels),
            comments: count(report.comments),
            unmatched_people: report.unmatched_people,
        };
        Ok((outcome, event))
    }

    /// A board as a file's bytes, and the file name to suggest.
    pub fn export_board(
        &mut self,
        board_id: &str,
        format: ExportFormat,
        account: Option<SignedInUser>,
    ) -> Result<(Vec<u8>, String), IpcError> {
        let people = self.people(board_id, account)?;
        let board = &self.replica(board_id)?.board;
        let title = board.title();
        let bytes = match format {
            ExportFormat::Markdown => {
                board_import::markdown::render(&people.name_assignees(board.view())).into_bytes()
            }
            ExportFormat::Json => serde_json::to_vec_pretty(&board.view_with(true))
                .map_err(|err| IpcError::invalid(format!("could not write JSON: {err}")))?,
            ExportFormat::Csv => {
                board_import::csv::export(&board.view_with(true), |id| people.name_or_key(id))
                    .into_bytes()
            }
            ExportFormat::Yjs => board.encode_state(),
        };
        Ok((
            bytes,
            format!("{}.{}", file_name(&title), format.extension()),
        ))
    }

    /// Tasks of every board matching `query` (the filter grammar), best first, with what the
    /// query could not read (DESIGN §2 "Task index"); `now` is the reader's clock and offset
    /// (`is:overdue`, `due:`).
    pub fn search(
        &mut self,
        query: &str,
        include_archived: bool,
        limit: u32,
        account_user: Option<String>,
        now: DateTime<FixedOffset>,
    ) -> Result<board_store::SearchResults, IpcError> {
        let me = self.me(account_user)?;
        let options = board_store::SearchOptions {
            include_archived,
            limit: limit.clamp(1, SEARCH_MAX_HITS) as usize,
            now,
            me: Some(me),
        };
        Ok(self.store().search(query, &options)?)
    }

    /// The tasks of an open board that `query` (the filter grammar, as `tackctl board show
    /// --filter`) matches, from the store's task index: every edit made here is stored with
    /// its index rows before its command returns, and a stale board is rebuilt before the
    /// answer, so a task typed a moment ago is filtered like any other. `now` is the reader's
    /// clock and offset (`is:overdue`, `due:`).
    pub fn filter_board(
        &mut self,
        board_id: &str,
        query: &str,
        account_user: Option<String>,
        now: DateTime<FixedOffset>,
    ) -> Result<board_store::BoardFilter, IpcError> {
        // An unknown board is an error, not an empty answer.
        self.replica(board_id)?;
        let me = self.me(account_user)?;
        Ok(self.store().filter_board(board_id, query, now, Some(&me))?)
    }

    /// The board's saved views (DESIGN §1 root `views`, shared by everyone on it), by name.
    pub fn views(&mut self, board_id: &str) -> Result<Vec<SavedView>, IpcError> {
        Ok(self.replica(board_id)?.board.views())
    }

    /// Saves the filter, sort and grouping under `name` (the view of that name, ignoring case,
    /// changes; else one is made): one edit of the document, saved and synced like any other
    /// (not an undo step). Answers the views after it.
    pub fn save_view(
        &mut self,
        board_id: &str,
        name: &str,
        settings: &ViewSettings<'_>,
    ) -> Result<Vec<SavedView>, IpcError> {
        self.change_views(board_id, |board| board.save_view(name, settings).map(drop))
    }

    pub fn rename_view(
        &mut self,
        board_id: &str,
        view_id: &str,
        name: &str,
    ) -> Result<Vec<SavedView>, IpcError> {
        self.change_views(board_id, |board| board.rename_view(view_id, name))
    }

    pub fn delete_view(
        &mut self,
        board_id: &str,
        view_id: &str,
    ) -> Result<Vec<SavedView>, IpcError> {
        self.change_views(board_id, |board| board.delete_view(view_id))
    }

    /// A change to the board's views (no task changes, so no patches), then the views.
    fn change_views(
        &mut self,
        board_id: &str,
        f: impl FnOnce(&mut Board) -> board_model::Result<()>,
    ) -> Result<Vec<SavedView>, IpcError> {
        let ((), _no_patches) = self.change(board_id, |board| f(board).map_err(IpcError::from))?;
        self.views(board_id)
    }

    /// Every live task assigned to me on every board, grouped by when it is due at `now`.
    pub fn my_tasks(
        &mut self,
        account_user: Option<String>,
        now: DateTime<FixedOffset>,
    ) -> Result<Vec<board_store::MyTask>, IpcError> {
        let me = self.me(account_user)?;
        Ok(self.store().my_tasks(&me, now)?)
    }

    /// Opens a board with its people, as the window shows it.
    pub fn open_board_with_people(
        &mut self,
        board_id: &str,
        account: Option<SignedInUser>,
    ) -> Result<OpenedBoard, IpcError> {
        let view = self.open_board(board_id)?;
        let people = self.directory(board_id, account)?;
        let views = self.views(board_id)?;
        Ok(OpenedBoard {
            view,
            people,
            views,
            cached: false,
            withheld: Default::default(),
        })
    }

    /// Who I am on this computer's boards: the signed-in account, else this profile's own
    /// member id (DESIGN §2).
    fn me(&self, account_user: Option<String>) -> Result<String, IpcError> {
        match account_user {
            Some(user) if !user.is_empty() => Ok(user),
            _ => Ok(self.store().local_member_id()?),
        }
    }

    fn comment_entry(
        me: &str,
        members: &[board_store::MemberRecord],
        comment: board_model::CommentView,
    ) -> CommentEntry {
        let mine = comment.author == me;
        // Names from the member directory (DESIGN §1: never from the document), but for an
        // imported comment's author, who is no member (`authorName`).
        let author_name = match (&comment.author_name, mine) {
            (Some(name), _) => board_store::imported_author_name(name),
            (None, true) => "You".to_owned(),
            (None, false) => board_store::member_name(members, &comment.author),
        };
        let shown_body = board_model::show_mentions(&comment.body, |id| {
            if id == me {
                "you".to_owned()
            } else {
                board_store::member_name(members, id)
            }
        });
        CommentEntry {
            id: comment.id,
            task_id: comment.task,
            author: comment.author,
            author_name,
            mine,
            body: comment.body,
            shown_body,
            created_at: comment.created_at,
            edited_at: comment.edited_at,
        }
    }

    /// A task's comments, oldest first.
    pub fn list_comments(
        &mut self,
        board_id: &str,
        task_id: &str,
        account_user: Option<String>,
    ) -> Result<Vec<CommentEntry>, IpcError> {
        let me = self.me(account_user)?;
        let comments = self.replica(board_id)?.board.comments(task_id);
        let members = self.store().members(board_id)?;
        Ok(comments
            .into_iter()
            .map(|comment| Self::comment_entry(&me, &members, comment))
            .collect())
    }

    /// Posts a comment as me; durable before it returns.
    pub fn add_comment(
        &mut self,
        board_id: &str,
        task_id: &str,
        body: &str,
        account_user: Option<String>,
    ) -> Result<(CommentEntry, BoardPatchEvent), IpcError> {
        let me = self.me(account_user)?;
        let (id, patches) =
            self.change(board_id, |board| Ok(board.add_comment(task_id, &me, body)?))?;
        let comment = self
            .replica(board_id)?
            .board
            .comment(&id)
            .ok_or_else(|| IpcError::invalid("the comment vanished as it was posted"))?;
        let members = self.store().members(board_id)?;
        Ok((Self::comment_entry(&me, &members, comment), patches))
    }

    /// Edits (`Some(body)`) or deletes (`None`) one of my comments.
    pub fn change_comment(
        &mut self,
        board_id: &str,
        comment_id: &str,
        body: Option<&str>,
        account_user: Option<String>,
    ) -> Result<((), BoardPatchEvent), IpcError> {
        let me = self.me(account_user)?;
        self.change(board_id, |board| match body {
            Some(body) => Ok(board.edit_comment(comment_id, &me, body)?),
            None => Ok(board.delete_comment(comment_id, &me)?),
        })
    }

    /// Undoes this replica's last change (never a teammate's); `false` when there is none.
    pub fn undo(&mut self, board_id: &str) -> Result<(bool, BoardPatchEvent), IpcError> {
        self.change(board_id, |board| Ok(board.undo()))
    }

    pub fn redo(&mut self, board_id: &str) -> Result<(bool, BoardPatchEvent), IpcError> {
        self.change(board_id, |board| Ok(board.redo()))
    }

    /// A board of `columns` columns holding `tasks` tasks in all, each with a short description:
    /// for trying the app at scale, its screenshot and its end-to-end test.
    pub fn generate_demo_board(
        &mut self,
        title: &str,
        columns: u32,
        tasks: u32,
    ) -> Result<BoardSummary, IpcError> {
        if columns == 0 || columns > DEMO_MAX_COLUMNS || tasks > DEMO_MAX_TASKS {
            return Err(IpcError::invalid(format!(
                "a demo board has 1 to {DEMO_MAX_COLUMNS} columns and at most {DEMO_MAX_TASKS} tasks"
            )));
        }
        let id = self.config.sources.new_id();
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        let mut board = replica::create_board(&mut store, &id, title, self.config.clone())?;
        let column_ids = (0..columns)
            .map(|c| board.add_column(&demo_column_title(c), None, Place::Bottom))
            .collect::<Result<Vec<_>, _>>()?;
        for n in 0..tasks {
            let column = &column_ids[(n % columns) as usize];
            let extra = NewTask {
                description: format!("Demo task number {} of {tasks}.", n + 1),
                ..NewTask::default()
            };
            board.add_task(column, &format!("Task {}", n + 1), Place::Bottom, extra)?;
        }
        replica::save_local_changes(&mut store, &mut board)?;
        store.compact(&id)?;
        Ok(summary(&board))
    }

    fn replica(&mut self, board_id: &str) -> Result<&mut OpenBoard, IpcError> {
        if self.open.contains_key(board_id) {
            mark_used(&mut self.open_order, board_id);
        } else {
            self.unwatch(board_id);
            // The store is held only while its rows are read, not while the replica decodes.
            let stored = replica::read_board(&self.store(), board_id)?;
            let board = replica::build_board(stored, self.config.clone())?;
            self.admit(board_id.to_owned(), OpenBoard::new(board));
        }
        self.open
            .get_mut(board_id)
            .ok_or_else(|| IpcError::invalid("board vanished while opening"))
    }

    /// The yrs client id of this app's replica of an open board (conflict winners are named
    /// through it: it goes out in awareness).
    pub fn client_id(&self, board_id: &str) -> Option<u64> {
        self.open
            .get(board_id)
            .map(|open| open.board.doc().client_id().get())
    }

    /// A relay update the sync client has stored: applied to the open replica (if the board is
    /// open here), described as patches for the UI.
    pub fn apply_remote(
        &mut self,
        board_id: &str,
        update: &[u8],
    ) -> Result<Option<BoardPatchEvent>, IpcError> {
        Ok(self.apply_remote_noting(board_id, update, None, 0)?.patch)
    }

    /// [`Self::apply_remote`], and what in the update concerns `me` (a teammate's change: the
    /// sync client delivers only what came from the relay). A board not open in the window is
    /// watched from its first remote update on: its replica is loaded as it was before that
    /// update (the store already holds it), then kept.
    pub fn apply_remote_noting(
        &mut self,
        board_id: &str,
        update: &[u8],
        me: Option<&str>,
        now_ms: i64,
    ) -> Result<RemoteOutcome, IpcError> {
        if !self.open.contains_key(board_id) {
            let Some(me) = me else {
                return Ok(RemoteOutcome::default());
            };
            if !self.watched.contains_key(board_id) {
                let board = self.load_before(board_id, update)?;
                if self.watched_order.len() >= MAX_WATCHED {
                    let oldest = self.watched_order.remove(0);
                    self.watched.remove(&oldest);
                }
                self.watched
                    .insert(board_id.to_owned(), OpenBoard::new(board));
            }
            mark_used(&mut self.watched_order, board_id);
            let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(watched) = self.watched.get_mut(board_id) else {
                return Ok(RemoteOutcome::default());
            };
            if let Err(err) = watched.board.apply_remote_update(update) {
                tracing::warn!(%err, board = %board_id, "dropping a watched board behind its store");
                drop(store);
                self.unwatch(board_id);
                return Ok(RemoteOutcome::default());
            }
            let changes = watched.board.take_changes();
            let concerns = watched.concerns(me, &changes, now_ms);
            watched.refresh_facts(&changes);
            let reminders_changed =
                replica::refresh_board_reminders(&mut store, &watched.board)? > 0;
            return Ok(RemoteOutcome {
                patch: None,
                concerns,
                reminders_changed,
            });
        }
        let Some(open) = self.open.get_mut(board_id) else {
            return Ok(RemoteOutcome::default());
        };
        if let Err(err) = open.board.apply_remote_update(update) {
            // The replica lacks history the store has: reload it from the store, which holds
            // every update the client published, and send the UI everything again.
            tracing::warn!(%err, board = %board_id, "reloading a board behind its store");
            self.open.remove(board_id);
            let open = self.replica(board_id)?;
            open.board.take_changes();
            let view = open.board.view();
            let mut patches = vec![crate::ipc::Patch::BoardMeta {
                title: view.title.clone(),
            }];
            patches.push(crate::ipc::Patch::LabelsReplaced {
                labels: view.labels.clone(),
            });
            for column in view.columns {
                let mut header = column.clone();
                header.tasks.clear();
                patches.push(crate::ipc::Patch::ColumnUpserted { column: header });
                for task in column.tasks {
                    patches.push(crate::ipc::Patch::TaskUpserted {
                        column_id: column.id.clone(),
                        task,
                    });
                }
            }
            return Ok(RemoteOutcome {
                patch: Some(BoardPatchEvent {
                    board_id: board_id.to_owned(),
                    patches,
                }),
                ..RemoteOutcome::default()
            });
        }
        let changes = open.board.take_changes();
        let concerns = me.map_or_else(Vec::new, |me| open.concerns(me, &changes, now_ms));
        open.refresh_facts(&changes);
        let patches = patches::build(&open.board, &changes, &mut open.shown);
        let reminders_changed = if changes.tasks.is_empty() {
            false
        } else {
            let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
            replica::refresh_board_reminders(&mut store, &open.board)? > 0
        };
        Ok(RemoteOutcome {
            patch: (!patches.is_empty()).then(|| BoardPatchEvent {
                board_id: board_id.to_owned(),
                patches,
            }),
            concerns,
            reminders_changed,
        })
    }

    /// One task as the board holds it now.
    pub fn task_view(
        &mut self,
        board_id: &str,
        task_id: &str,
    ) -> Result<board_model::TaskView, IpcError> {
        self.replica(board_id)?
            .board
            .task(task_id)
            .ok_or_else(|| IpcError::invalid(format!("no task {task_id}")))
    }

    /// A board's replica as it was before `update`, which the store already holds.
    fn load_before(&self, board_id: &str, update: &[u8]) -> Result<Board, IpcError> {
        let store = self.store();
        let loaded = store.load_board(board_id)?;
        let pieces = loaded
            .snapshot
            .iter()
            .chain(
                loaded
                    .updates
                    .iter()
                    .filter(|piece| piece.as_slice() != update),
            )
            .map(Vec::as_slice);
        Ok(Board::load(board_id, pieces, None, self.config.clone())?)
    }

    /// Tells the sync client (when signed in) that a board has a local change to send.
    fn tell_sync(&self, board_id: &str) {
        if let Some(sync) = &self.sync {
            if let Err(err) = sync.notify_local_change(board_id) {
                tracing::warn!(%err, board = %board_id, "the sync client has stopped");
            }
        }
    }

    /// Runs one change, makes it durable, then describes it as patches. A board I may only
    /// view is refused before anything is touched.
    fn change<T>(
        &mut self,
        board_id: &str,
        f: impl FnOnce(&mut Board) -> Result<T, IpcError>,
    ) -> Result<(T, BoardPatchEvent), IpcError> {
        if let Some(reason) = self.read_only_reason(board_id)? {
            return Err(IpcError::new(ErrorKind::ReadOnly, reason));
        }
        self.replica(board_id)?;
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(open) = self.open.get_mut(board_id) else {
            return Err(IpcError::invalid("board is not open"));
        };
        let out = f(&mut open.board)?;
        if let Err(err) = replica::save_local_changes(&mut store, &mut open.board) {
            // The replica is now ahead of the disk: drop it so the next use reloads what is
            // actually stored, and tell the UI the change did not happen.
            tracing::error!(?err, board = %board_id, "saving a change failed");
            self.open.remove(board_id);
            return Err(err.into());
        }
        drop(store);
        let changes = open.board.take_changes();
        open.refresh_facts(&changes);
        let patches = patches::build(&open.board, &changes, &mut open.shown);
        self.tell_sync(board_id);
        Ok((
            out,
            BoardPatchEvent {
                board_id: board_id.to_owned(),
                patches,
            },
        ))
    }
}

fn summary(board: &Board) -> BoardSummary {
    BoardSummary {
        id: board.id().to_owned(),
        title: board.title(),
        created_at: board.view_with(false).created_at,
        role: None,
        read_only: false,
        read_only_reason: None,
    }
}

fn demo_column_title(n: u32) -> String {
    const NAMES: [&str; 5] = ["Backlog", "To do", "Doing", "Review", "Done"];
    match NAMES.get(n as usize) {
        Some(name) => (*name).to_owned(),
        None => format!("Column {}", n + 1),
    }
}

/// One `BoardOp` as one model operation (the UI tests' recordings make teammates' edits with it).
pub fn apply_op(board: &mut Board, op: BoardOp) -> Result<OpResult, IpcError> {
    let created = |id: String| OpResult {
        created_id: Some(id),
    };
    let done = OpResult::default();
    Ok(match op {
        BoardOp::RenameBoard { title } => board.rename(&title).map(|()| done)?,
        BoardOp::AddColumn { title, wip, place } => {
            board.add_column(&title, wip, place.into()).map(created)?
        }
        BoardOp::RenameColumn { column_id, title } => {
            board.rename_column(&column_id, &title).map(|()| done)?
        }
        BoardOp::MoveColumn { column_id, place } => {
            board.move_column(&column_id, place.into()).map(|()| done)?
        }
        BoardOp::SetWipLimit { column_id, wip } => {
            board.set_wip_limit(&column_id, wip).map(|()| done)?
        }
        BoardOp::SetColumnArchived {
            column_id,
            archived,
        } => board
            .set_column_archived(&column_id, archived)
            .map(|()| done)?,
        BoardOp::DeleteColumn { column_id } => board.delete_column(&column_id).map(|()| done)?,
        BoardOp::AddTask {
            column_id,
            title,
            place,
            description,
        } => {
            let extra = NewTask {
                description: description.unwrap_or_default(),
                ..NewTask::default()
            };
            board
                .add_task(&column_id, &title, place.into(), extra)
                .map(created)?
        }
        BoardOp::SetTaskTitle { task_id, title } => {
            board.set_task_title(&task_id, &title).map(|()| done)?
        }
        BoardOp::SetDescription { task_id, text } => {
            board.set_description(&task_id, &text).map(|()| done)?
        }
        BoardOp::EditDescription {
            task_id,
            at,
            delete,
            insert,
        } => board
            .edit_description(&task_id, at, delete, &insert)
            .map(|()| done)?,
        BoardOp::SpliceDescription {
            task_id,
            base,
            at,
            delete,
            insert,
        } => {
            let current = board
                .task(&task_id)
                .map(|task| task.description)
                .ok_or_else(|| IpcError::new(ErrorKind::NotFound, "No such task."))?;
            let (at, delete) = rebase_splice(&base, &current, at, delete)?;
            board
                .edit_description(&task_id, at, delete, &insert)
                .map(|()| done)?
        }
        BoardOp::MoveTask {
            task_id,
            column_id,
            place,
        } => board
            .move_task(&task_id, &column_id, place.into())
            .map(|()| done)?,
        BoardOp::SetTaskArchived { task_id, archived } => {
            board.set_task_archived(&task_id, archived).map(|()| done)?
        }
        BoardOp::DeleteTask { task_id } => board.delete_task(&task_id).map(|()| done)?,
        BoardOp::SetTaskLabel {
            task_id,
            label_id,
            present,
        } => board
            .set_task_label(&task_id, &label_id, present)
            .map(|()| done)?,
        BoardOp::SetTaskAssignee {
            task_id,
            user_id,
            present,
        } => board
            .set_task_assignee(&task_id, &user_id, present)
            .map(|()| done)?,
        BoardOp::ReplaceTaskAssignee { task_id, from, to } => board
            .replace_task_assignee(&task_id, &from, &to)
            .map(|()| done)?,
        BoardOp::ReplaceTaskLabel { task_id, from, to } => board
            .replace_task_label(&task_id, from.as_deref(), to.as_deref())
            .map(|()| done)?,
        BoardOp::SetDue { task_id, due } => {
            board.set_due(&task_id, due.as_deref()).map(|()| done)?
        }
        BoardOp::AddLabel { name, color } => {
            board.add_label(&name, color.as_deref()).map(created)?
        }
        BoardOp::UpdateLabel {
            label_id,
            name,
            color,
        } => board
            .update_label(&label_id, name.as_deref(), color.as_deref())
            .map(|()| done)?,
        BoardOp::DeleteLabel { label_id } => board.delete_label(&label_id).map(|()| done)?,
        BoardOp::AddChecklistItem { task_id, text } => {
            board.add_checklist_item(&task_id, &text).map(|_| done)?
        }
        BoardOp::SetChecklistItemDone {
            task_id,
            index,
            done: is_done,
        } => board
            .set_checklist_item_done(&task_id, index, is_done)
            .map(|()| OpResult::default())?,
        BoardOp::EditChecklistItem {
            task_id,
            index,
            text,
        } => board
            .edit_checklist_item(&task_id, index, &text)
            .map(|()| done)?,
        BoardOp::RemoveChecklistItem { task_id, index } => board
            .remove_checklist_item(&task_id, index)
            .map(|()| done)?,
    })
}

/// Byte offset of `units` UTF-16 code units into `text`; `None` past its end or inside a
/// character.
fn byte_offset(text: &str, units: u32) -> Option<usize> {
    let mut counted = 0;
    for (at, c) in text.char_indices() {
        if counted == units as usize {
            return Some(at);
        }
        counted += c.len_utf16();
    }
    (counted == units as usize).then_some(text.len())
}

/// A splice of `base` (`at`, `delete` in UTF-16 units) as a splice of `current` (in bytes, as
/// `edit_description` takes them). `current` is `base` with whatever changed since: that change
/// (its common prefix and suffix aside) is kept and the splice moves past it; a splice that
/// overlaps it is refused (`Conflict`), never applied over it.
pub fn rebase_splice(
    base: &str,
    current: &str,
    at: u32,
    delete: u32,
) -> Result<(u32, u32), IpcError> {
    let outside = || IpcError::invalid("the edit falls outside the description it was made on");
    let start = byte_offset(base, at).ok_or_else(outside)?;
    let end = byte_offset(base, at.checked_add(delete).ok_or_else(outside)?).ok_or_else(outside)?;
    // Their change: base[prefix..base.len() - suffix] became current[prefix..current.len() - suffix].
    let prefix = base
        .char_indices()
        .zip(current.chars())
        .take_while(|((_, a), b)| a == b)
        .last()
        .map_or(0, |((i, c), _)| i + c.len_utf8());
    let suffix = base[prefix..]
        .chars()
        .rev()
        .zip(current[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum::<usize>();
    let theirs_end = base.len() - suffix;
    // Where both insert at one point, theirs (already in the text) comes first, as the
    // editor's own merge does.
    let moved = if base == current {
        start
    } else if theirs_end <= start {
        start + current.len() - base.len()
    } else if end <= prefix {
        start
    } else {
        return Err(IpcError::new(
            ErrorKind::Conflict,
            "The description changed where you were editing it; your text is kept, save again.",
        ));
    };
    let to_u32 = |n: usize| u32::try_from(n).map_err(|_| IpcError::invalid("too long"));
    Ok((to_u32(moved)?, to_u32(end - start)?))
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A board title as a file name: no path separators or characters some systems refuse.
fn file_name(title: &str) -> String {
    let name: String = title
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control() {
                '-'
            } else {
                c
            }
        })
        .collect();
    let name = name.trim().trim_matches('.');
    if name.is_empty() {
        "board".to_owned()
    } else {
        name.chars().take(100).collect()
    }
}

/// A board's people: its cached member directory and me (the signed-in account, else this
/// profile's member named `user_name`), read from `store` (no session needed).
fn people_of(
    store: &mut Store,
    user_name: &str,
    board_id: &str,
    account: Option<SignedInUser>,
) -> Result<board_store::Directory, IpcError> {
    let (user_id, email) = match account {
        Some(user) if !user.user_id.is_empty() => (user.user_id, Some(user.email)),
        _ => (store.local_member_id()?, None),
    };
    let me = board_store::Me {
        user_id: &user_id,
        email: email.as_deref(),
        name: user_name,
    };
    Ok(store.directory(board_id, me)?)
}

/// [`people_of`] as the window lists them ([`Session::directory`]).
fn directory_of(
    store: &mut Store,
    user_name: &str,
    board_id: &str,
    account: Option<SignedInUser>,
) -> Result<Vec<DirectoryEntry>, IpcError> {
    Ok(people_of(store, user_name, board_id, account)?
        .entries()
        .iter()
        .map(DirectoryEntry::from)
        .collect())
}

/// What `open_board` answers for `board`, a replica built from `store` outside any session
/// (a view kept ahead: `start::StartView::keep_ahead`).
pub fn opened_outside(
    store: &SharedStore,
    board: &board_model::Board,
    user_name: &str,
    account: Option<SignedInUser>,
) -> Result<OpenedBoard, IpcError> {
    let people = {
        let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
        directory_of(&mut store, user_name, board.id(), account)?
    };
    Ok(OpenedBoard {
        view: board.view(),
        people,
        views: board.views(),
        cached: false,
        withheld: Default::default(),
    })
}
