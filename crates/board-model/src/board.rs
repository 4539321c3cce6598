//! One replica of a board document: typed operations on the DESIGN §1 schema, the read model,
//! change observation and per-replica undo.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use sync_protocol::guard::{self, GuardError};
use sync_protocol::UpdateLimits;
use yrs::types::{Event, PathSegment};
use yrs::updates::encoder::Encode;
use yrs::{
    any::Number, Any, Array, ArrayPrelim, ArrayRef, DeepObservable, Doc, GetString, Map, MapPrelim,
    MapRef, Options, Origin, Out, ReadTxn, Text, TextPrelim, TextRef, Transact, TransactionMut,
};

use crate::due::Due;
use crate::error::{ModelError, Result};
use crate::ids::Sources;
use crate::rank;
use crate::task_index::{Dirty, TaskIndex};
use crate::undo_state;
use crate::view::{BoardView, ChecklistItem, ColumnView, LabelView, TaskView};

/// The root maps of a board document.
struct Roots {
    meta: MapRef,
    columns: MapRef,
    tasks: MapRef,
    labels: MapRef,
    comments: MapRef,
}

/// Origin of transactions made by this replica's own operations.
pub const LOCAL_ORIGIN: &str = "tack-local";
/// Origin of updates received from elsewhere (server, other replicas).
pub const REMOTE_ORIGIN: &str = "tack-remote";
/// Origin of the transaction that loads stored state.
const LOAD_ORIGIN: &str = "tack-load";
const OBSERVER_KEY: &str = "tack-board-model";

/// Schema version written to `meta.schema`.
pub const SCHEMA_VERSION: i64 = 1;

mod key {
    pub(super) const META: &str = "meta";
    pub(super) const COLUMNS: &str = "columns";
    pub(super) const TASKS: &str = "tasks";
    pub(super) const LABELS: &str = "labels";
    pub(super) const COMMENTS: &str = "comments";

    pub(super) const TITLE: &str = "title";
    pub(super) const CREATED_AT: &str = "createdAt";
    pub(super) const SCHEMA: &str = "schema";
    pub(super) const RANK: &str = "rank";
    pub(super) const WIP: &str = "wip";
    pub(super) const ARCHIVED: &str = "archived";
    pub(super) const COLUMN: &str = "column";
    pub(super) const DESCRIPTION: &str = "description";
    pub(super) const LABEL_SET: &str = "labels";
    pub(super) const ASSIGNEES: &str = "assignees";
    pub(super) const DUE: &str = "due";
    pub(super) const CHECKLIST: &str = "checklist";
    pub(super) const UPDATED_AT: &str = "updatedAt";
    pub(super) const CREATED_BY: &str = "createdBy";
    pub(super) const NAME: &str = "name";
    pub(super) const COLOR: &str = "color";
    pub(super) const TEXT: &str = "text";
    pub(super) const DONE: &str = "done";
    pub(super) const TASK: &str = "task";
    pub(super) const AUTHOR: &str = "author";
    pub(super) const AUTHOR_NAME: &str = "authorName";
    pub(super) const BODY: &str = "body";
    pub(super) const EDITED_AT: &str = "editedAt";
    pub(super) const DELETED: &str = "deleted";
    pub(super) const ATTACHMENTS: &str = "attachments";
    pub(super) const VIEWS: &str = "views";
}

mod attachments;
pub use attachments::{
    attachment_hashes, attachment_hashes_in_update, is_sha256_hex, Attachment, NewAttachment,
    THUMBNAIL_MIMES,
};
mod comment_authors;
pub use comment_authors::{AuthorChange, CommentAuthors};
mod comments;
pub use comments::{mentions, show_mentions, MAX_COMMENT_BYTES};
mod copy;
pub use copy::{CopiedComment, CopiedLabel, PasteOptions, TaskCopy};
mod views;
pub use views::{
    sort_view, SavedView, ViewSettings, GROUP_KEYS, MAX_VIEWS, MAX_VIEW_NAME_BYTES, SORT_KEYS,
};
mod history;
pub use history::{
    CommentAction, CommentChange, FieldValue, HistoryField, HistoryRecorder, TaskChange,
    MAX_HISTORY_VALUE_BYTES,
};

/// Where to put a task within its column, or a column within the board.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Place {
    Top,
    #[default]
    Bottom,
    Before(String),
    After(String),
}

/// Optional fields of a new task.
#[derive(Debug, Clone, Default)]
pub struct NewTask {
    pub description: String,
    pub label_ids: Vec<String>,
    pub due: Option<String>,
}

/// Which parts of the board changed since the last `take_changes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    pub tasks: BTreeSet<String>,
    pub columns: BTreeSet<String>,
    pub labels: bool,
    pub meta: bool,
    /// Comments posted, edited or deleted (their tasks are in `tasks` too).
    pub comments: BTreeSet<String>,
    /// A saved view was saved, renamed or deleted (root `views`).
    pub views: bool,
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
            && self.columns.is_empty()
            && !self.labels
            && !self.meta
            && self.comments.is_empty()
            && !self.views
    }
}

/// Who is editing, and where ids and time come from.
#[derive(Debug, Clone)]
pub struct ReplicaConfig {
    /// Written to `createdBy` of new tasks.
    pub user: String,
    pub sources: Sources,
}

impl Default for ReplicaConfig {
    fn default() -> Self {
        Self {
            user: "local".into(),
            sources: Sources::system(),
        }
    }
}

/// A live replica of one board.
pub struct Board {
    id: String,
    doc: Doc,
    meta: MapRef,
    columns: MapRef,
    tasks: MapRef,
    labels: MapRef,
    comments: MapRef,
    undo: yrs::undo::UndoManager<()>,
    config: ReplicaConfig,
    local_updates: Arc<Mutex<Vec<Vec<u8>>>>,
    /// What changed: `[0]` for `take_changes` (the UI's patches), `[1]` for
    /// `take_index_changes` (the store's task index), drained independently.
    changes: Arc<Mutex<[ChangeSet; 2]>>,
    task_index: Mutex<TaskIndex>,
    task_index_dirty: Arc<Mutex<Dirty>>,
    comment_index: Mutex<comments::CommentIndex>,
    comment_dirty: Arc<Mutex<comments::CommentDirty>>,
    /// This replica's own changes, for the local history (`take_history`).
    history: HistoryRecorder,
    /// The undo manager's clock, frozen while `in_one_step` runs.
    step_clock: Arc<StepClock>,
    /// Inside `in_one_step`: operations join one undo step instead of starting their own.
    grouping: bool,
    /// Every deletion integrated so far (see [`Board::seen`]).
    deleted: Arc<Mutex<yrs::IdSet>>,
}

/// The undo manager's clock: the system's, except while a group of operations runs, when it
/// stands still so yrs folds every transaction of the group into one stack item.
#[derive(Debug, Default)]
struct StepClock {
    /// Milliseconds the clock stands at; 0 when it runs.
    frozen: std::sync::atomic::AtomicU64,
}

impl yrs::sync::time::Clock for StepClock {
    fn now(&self) -> yrs::sync::time::Timestamp {
        match self.frozen.load(std::sync::atomic::Ordering::Relaxed) {
            0 => yrs::sync::time::SystemClock.now(),
            frozen => frozen,
        }
    }
}

impl std::fmt::Debug for Board {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Board")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Which entries of a root map an observed event touched: the key under which a nested change
/// happened, or the keys a change of the root map itself added, changed or removed.
fn changed_keys(txn: &yrs::TransactionMut, event: &Event) -> Vec<String> {
    match event.path().front() {
        Some(PathSegment::Key(k)) => vec![k.to_string()],
        Some(PathSegment::Index(_)) => Vec::new(),
        None => match event {
            Event::Map(map_event) => map_event.keys(txn).keys().map(|k| k.to_string()).collect(),
            _ => Vec::new(),
        },
    }
}

fn read_str<T: ReadTxn>(map: &MapRef, txn: &T, k: &str) -> Option<String> {
    match map.get(txn, k)? {
        Out::Any(Any::String(s)) => Some(s.to_string()),
        _ => None,
    }
}

fn read_num<T: ReadTxn>(map: &MapRef, txn: &T, k: &str) -> Option<f64> {
    match map.get(txn, k)? {
        Out::Any(Any::Number(n)) => n.as_f64(),
        _ => None,
    }
}

fn read_bool<T: ReadTxn>(map: &MapRef, txn: &T, k: &str) -> bool {
    matches!(map.get(txn, k), Some(Out::Any(Any::Bool(true))))
}

fn read_map<T: ReadTxn>(map: &MapRef, txn: &T, k: &str) -> Option<MapRef> {
    match map.get(txn, k)? {
        Out::YMap(m) => Some(m),
        _ => None,
    }
}

fn sorted_keys<T: ReadTxn>(map: Option<MapRef>, txn: &T) -> Vec<String> {
    let mut keys: Vec<String> = map
        .map(|m| m.keys(txn).map(str::to_owned).collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

fn ms_to_any(ms: i64) -> Any {
    Any::Number(Number::Int(ms))
}

fn validate_title(field: &'static str, title: &str) -> Result<String> {
    let trimmed = title.trim();
    if trimmed.is_empty() {
        return Err(ModelError::InvalidValue {
            field,
            reason: "must not be empty".into(),
        });
    }
    if trimmed.len() > 1024 {
        return Err(ModelError::InvalidValue {
            field,
            reason: "longer than 1024 bytes".into(),
        });
    }
    Ok(trimmed.to_owned())
}

/// Accepts `#rrggbb`.
pub fn validate_color(color: &str) -> Result<()> {
    let ok = color.len() == 7
        && color.starts_with('#')
        && color[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err(ModelError::InvalidValue {
            field: "color",
            reason: format!("{color:?} is not #rrggbb"),
        })
    }
}

/// Whether the replica state `have` (one of [`Board::seen`]'s answers) includes everything
/// `needed` (another one) does: every insertion and every deletion. `false` when either does
/// not decode.
pub fn seen_covers(have: &[u8], needed: &[u8]) -> bool {
    use yrs::updates::decoder::Decode;
    let decode = |bytes: &[u8]| {
        // Bytes from a store file: a decoder panic is an answer ("no"), not a crash.
        std::panic::catch_unwind(|| yrs::Snapshot::decode_v1(bytes).ok())
            .ok()
            .flatten()
    };
    let (Some(have), Some(needed)) = (decode(have), decode(needed)) else {
        return false;
    };
    let inserted = needed
        .state_map
        .iter()
        .all(|(client, clock)| have.state_map.get(client) >= *clock);
    // What `needed` deleted that `have` did not.
    inserted && needed.delete_set.diff(&have.delete_set).is_empty()
}

/// Label colours handed out in turn when none is given.
const PALETTE: [&str; 8] = [
    "#e5484d", "#f76b15", "#ffc53d", "#46a758", "#12a594", "#0090ff", "#8e4ec6", "#d6409f",
];

/// Ids with their rank, sorted the way the board shows them.
type Ordered = Vec<(String, String)>;

/// Rewrites sibling ranks that a placement needed (see `place_among`).
fn write_ranks(txn: &mut TransactionMut, parent: &MapRef, rewrites: Vec<(String, String)>) {
    for (id, r) in rewrites {
        if let Some(m) = read_map(parent, txn, &id) {
            m.insert(txn, key::RANK, r);
        }
    }
}

/// Where a new item goes among `siblings` (sorted, excluding the item itself), plus rank
/// rewrites for siblings when equal ranks leave no room.
fn place_among(siblings: &Ordered, place: &Place) -> Result<(String, Vec<(String, String)>)> {
    let index = match place {
        Place::Top => 0,
        Place::Bottom => siblings.len(),
        Place::Before(anchor) | Place::After(anchor) => {
            let at = siblings
                .iter()
                .position(|(id, _)| id == anchor)
                .ok_or_else(|| ModelError::UnknownTask(anchor.clone()))?;
            if matches!(place, Place::After(_)) {
                at + 1
            } else {
                at
            }
        }
    };
    let lower = index.checked_sub(1).map(|i| siblings[i].1.as_str());
    let upper = siblings.get(index).map(|(_, r)| r.as_str());
    if let Ok(rank) = rank::between(lower, upper) {
        return Ok((rank, Vec::new()));
    }
    // Equal ranks (two replicas inserted at one spot) or ranks a foreign client wrote badly:
    // give the new item and everything after it fresh ranks, in the current order.
    let tail = &siblings[index..];
    let lower_ok = lower.filter(|l| rank::validate(l).is_ok());
    let fresh = match rank::spread(lower_ok, None, tail.len() + 1) {
        Ok(fresh) => fresh,
        Err(_) => rank::spread(None, None, siblings.len() + 1)?,
    };
    if fresh.len() == tail.len() + 1 {
        let rewrites = tail
            .iter()
            .zip(&fresh[1..])
            .map(|((id, _), r)| (id.clone(), r.clone()));
        return Ok((fresh[0].clone(), rewrites.collect()));
    }
    // The whole list was re-ranked.
    let mut rewrites: Vec<(String, String)> = Vec::new();
    let mut new_rank = String::new();
    let mut fresh_iter = fresh.into_iter();
    for i in 0..=siblings.len() {
        let r = fresh_iter.next().unwrap_or_default();
        if i == index {
            new_rank = r.clone();
        }
        let sibling_index = if i < index { Some(i) } else { i.checked_sub(1) };
        if i != index {
            if let Some((id, _)) = sibling_index.and_then(|s| siblings.get(s)) {
                rewrites.push((id.clone(), r));
            }
        }
    }
    Ok((new_rank, rewrites))
}

impl Board {
    fn with_doc(id: &str, config: ReplicaConfig) -> (Doc, Roots) {
        let client_id = yrs::block::ClientID::new(config.sources.new_client_id());
        let mut options = Options::with_guid_and_client_id(id.into(), client_id);
        // Keep deleted content: undo of a deletion restores it, including undo history saved
        // by an earlier process. Compaction (board-store) folds the log in a gc'd document.
        options.skip_gc = true;
        let doc = Doc::with_options(options);
        let meta = doc.get_or_insert_map(key::META);
        let columns = doc.get_or_insert_map(key::COLUMNS);
        let tasks = doc.get_or_insert_map(key::TASKS);
        let labels = doc.get_or_insert_map(key::LABELS);
        let comments = doc.get_or_insert_map(key::COMMENTS);
        let roots = Roots {
            meta,
            columns,
            tasks,
            labels,
            comments,
        };
        (doc, roots)
    }

    fn assemble(
        id: &str,
        config: ReplicaConfig,
        undo_blob: Option<&[u8]>,
        doc_parts: (Doc, Roots),
    ) -> Result<Self> {
        let (
            doc,
            Roots {
                meta,
                columns,
                tasks,
                labels,
                comments,
            },
        ) = doc_parts;
        let mut options = yrs::undo::Options::default();
        let step_clock = Arc::new(StepClock::default());
        options.timestamp = step_clock.clone();
        if let Some(blob) = undo_blob {
            let (undo_stack, redo_stack) = undo_state::decode(blob, doc.guid())?;
            options.init_undo_stack = undo_stack;
            options.init_redo_stack = redo_stack;
        }
        let mut undo = yrs::undo::UndoManager::with_options(options);
        for root in [&meta, &columns, &tasks, &labels] {
            undo.expand_scope(&doc, root);
        }
        undo.include_origin(LOCAL_ORIGIN);

        let local_updates = Arc::new(Mutex::new(Vec::new()));
        let sink = local_updates.clone();
        doc.observe_update_v1(OBSERVER_KEY, move |txn, event| {
            let remote = txn.origin().is_some_and(|o| {
                *o == Origin::from(REMOTE_ORIGIN) || *o == Origin::from(LOAD_ORIGIN)
            });
            if !remote {
                lock(&sink).push(event.update.clone());
            }
        })
        .map_err(|e| ModelError::BadUpdate(format!("cannot observe document: {e}")))?;

        let changes = Arc::new(Mutex::new(<[ChangeSet; 2]>::default()));
        let task_index_dirty = Arc::new(Mutex::new(Dirty::default()));
        for (root, kind) in [(&tasks, 0u8), (&columns, 1), (&labels, 2), (&meta, 3)] {
            let changes = changes.clone();
            let index_dirty = task_index_dirty.clone();
            root.observe_deep(OBSERVER_KEY, move |txn, events| {
                let mut sets = lock(&changes);
                for event in events.iter() {
                    let ids = changed_keys(txn, event);
                    if kind == 0 {
                        lock(&index_dirty).tasks.extend(ids.iter().cloned());
                    }
                    for set in sets.iter_mut() {
                        match kind {
                            0 => set.tasks.extend(ids.iter().cloned()),
                            1 => set.columns.extend(ids.iter().cloned()),
                            2 => set.labels = true,
                            _ => set.meta = true,
                        }
                    }
                }
            });
        }
        {
            let changes = changes.clone();
            doc.get_or_insert_map(key::VIEWS)
                .observe_deep(OBSERVER_KEY, move |_, _| {
                    for set in lock(&changes).iter_mut() {
                        set.views = true;
                    }
                });
        }
        // A comment's change is its task's change too (the card shows the count).
        let comment_dirty = Arc::new(Mutex::new(comments::CommentDirty::default()));
        {
            let changes = changes.clone();
            let dirty = comment_dirty.clone();
            let root = comments.clone();
            comments.observe_deep(OBSERVER_KEY, move |txn, events| {
                let mut sets = lock(&changes);
                for event in events.iter() {
                    let ids = changed_keys(txn, event);
                    for id in ids {
                        let task = comments::comment_task(txn, &root, &id);
                        for set in sets.iter_mut() {
                            if let Some(task) = &task {
                                set.tasks.insert(task.clone());
                            }
                            set.comments.insert(id.clone());
                        }
                        lock(&dirty).touch(id);
                    }
                }
            });
        }

        let deleted = Arc::new(Mutex::new(doc.transact().snapshot().delete_set));
        {
            let deleted = deleted.clone();
            doc.observe_transaction_cleanup(OBSERVER_KEY, move |_, event| {
                if !event.delete_set.is_empty() {
                    lock(&deleted).merge_with(event.delete_set.clone());
                }
            })
            .map_err(|e| ModelError::BadUpdate(format!("cannot observe document: {e}")))?;
        }

        let history = HistoryRecorder::attach_filtered(&doc, |origin| {
            !origin.is_some_and(|o| {
                *o == Origin::from(REMOTE_ORIGIN) || *o == Origin::from(LOAD_ORIGIN)
            })
        });

        Ok(Self {
            id: id.to_owned(),
            history,
            doc,
            meta,
            columns,
            tasks,
            labels,
            comments,
            undo,
            config,
            local_updates,
            changes,
            task_index: Mutex::new(TaskIndex::default()),
            task_index_dirty,
            comment_index: Mutex::new(comments::CommentIndex::default()),
            comment_dirty,
            step_clock,
            grouping: false,
            deleted,
        })
    }

    /// A new, empty board. Its first state is available from `take_local_updates`.
    pub fn create(id: &str, title: &str, config: ReplicaConfig) -> Result<Self> {
        let title = validate_title("board title", title)?;
        let parts = Self::with_doc(id, config.clone());
        let mut board = Self::assemble(id, config, None, parts)?;
        let now = board.config.sources.now_ms();
        {
            let mut txn = board.doc.transact_mut_with(LOCAL_ORIGIN);
            board.meta.insert(&mut txn, key::TITLE, title);
            board.meta.insert(&mut txn, key::CREATED_AT, ms_to_any(now));
            board.meta.insert(
                &mut txn,
                key::SCHEMA,
                Any::Number(Number::Int(SCHEMA_VERSION)),
            );
        }
        // Creating the board is not something to undo.
        board.undo.clear_all();
        Ok(board)
    }

    /// A replica built from stored updates (snapshot first, then the log tail), with the undo
    /// history saved by `undo_state` in an earlier process, if any.
    pub fn load<'a>(
        id: &str,
        updates: impl IntoIterator<Item = &'a [u8]>,
        undo_blob: Option<&[u8]>,
        config: ReplicaConfig,
    ) -> Result<Self> {
        let parts = Self::with_doc(id, config.clone());
        {
            let mut txn = parts.0.transact_mut_with(LOAD_ORIGIN);
            // Causal order, not storage order: yrs 0.28.1 drops an update that comes after a
            // clock gap. What still waits builds on history not received yet; the store keeps it.
            sync_protocol::fold::apply_in_causal_order(&mut txn, updates).map_err(|e| {
                ModelError::BadUpdate(format!(
                    "stored update #{} is unusable: {}",
                    e.seq, e.detail
                ))
            })?;
        }
        Self::assemble(id, config, undo_blob, parts)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The underlying document, for sync (state vectors, diffs).
    pub fn doc(&self) -> &Doc {
        &self.doc
    }

    /// Applies an update from another replica or the server.
    ///
    /// An update that starts after a gap in some client's history is refused with
    /// `MissingHistory` and changes nothing: yrs 0.28.1 silently discards such updates instead
    /// of keeping them pending. The caller resyncs (Step1/Step2), which fills the gap.
    pub fn apply_remote_update(&mut self, bytes: &[u8]) -> Result<()> {
        // Bounded scan first: yrs's decoder recurses and panics on some hostile inputs.
        let update = sync_protocol::decode_update_checked(bytes, &UpdateLimits::default())
            .map_err(|e| ModelError::BadUpdate(e.to_string()))?;
        // A yrs panic while applying is an error too (the guard catches it).
        let origin = Some(REMOTE_ORIGIN.into());
        guard::apply_if_complete(&self.doc, origin, update).map_err(|error| match error {
            GuardError::MissingHistory(gap) => ModelError::MissingHistory {
                client: gap.client,
                have: gap.have,
                starts_at: gap.starts_at,
            },
            other => ModelError::BadUpdate(other.to_string()),
        })
    }

    /// Updates made by this replica since the last call, in order. Persist them, then send them.
    pub fn take_local_updates(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *lock(&self.local_updates))
    }

    /// What changed (locally or remotely) since the last call.
    pub fn take_changes(&mut self) -> ChangeSet {
        std::mem::take(&mut lock(&self.changes)[0])
    }

    /// What changed (locally or remotely) since the last call, for the store's task index:
    /// kept apart from [`Board::take_changes`], which the UI drains on its own schedule.
    pub fn take_index_changes(&mut self) -> ChangeSet {
        std::mem::take(&mut lock(&self.changes)[1])
    }

    /// The whole integrated document as one Yjs v1 update (pending structs stay out: they are
    /// still in the update log and arrive again from the server; see [`guard::encode_state`]).
    pub fn encode_state(&self) -> Vec<u8> {
        guard::encode_state(&self.doc.transact())
    }

    /// Whether updates are waiting for missing earlier ones.
    pub fn has_pending_updates(&self) -> bool {
        guard::has_pending(&self.doc.transact())
    }

    /// What this replica has integrated: its state vector and every deletion it knows (a yrs
    /// snapshot, encoded v1), kept up to date per transaction rather than read from the whole
    /// document. See [`seen_covers`].
    pub fn seen(&self) -> Vec<u8> {
        use yrs::updates::encoder::Encode;
        let deleted = lock(&self.deleted).clone();
        yrs::Snapshot::new(self.doc.transact().state_vector(), deleted).encode_v1()
    }

    /// What this replica has, for a sync Step1.
    pub fn state_vector(&self) -> Vec<u8> {
        self.doc.transact().state_vector().encode_v1()
    }

    /// What this replica has that a peer with `state_vector` lacks (a sync Step2).
    pub fn diff(&self, state_vector: &[u8]) -> Result<Vec<u8>> {
        let sv = sync_protocol::decode_state_vector_checked(state_vector, &UpdateLimits::default())
            .map_err(|e| ModelError::BadUpdate(e.to_string()))?;
        Ok(guard::encode_diff(&self.doc.transact(), &sv))
    }

    /// The undo and redo history, to be given back to `load` by a later process.
    pub fn undo_state(&self) -> Vec<u8> {
        undo_state::encode(self.undo.undo_stack(), self.undo.redo_stack())
    }

    // ----- transactions ---------------------------------------------------------------------

    /// Starts a local change that is its own undo step (or part of the one `in_one_step` runs).
    fn step(&mut self) -> TransactionMut<'_> {
        if !self.grouping {
            self.undo.reset();
        }
        self.doc.transact_mut_with(LOCAL_ORIGIN)
    }

    /// Runs several operations as ONE undo step (a CSV import into this board, say): one `u`
    /// takes all of them back. Whatever `f` did before an error stays done, as one step.
    pub fn in_one_step<R>(&mut self, f: impl FnOnce(&mut Self) -> Result<R>) -> Result<R> {
        use std::sync::atomic::Ordering;
        use yrs::sync::time::Clock as _;
        self.undo.reset();
        let now = yrs::sync::time::SystemClock.now().max(1);
        self.step_clock.frozen.store(now, Ordering::Relaxed);
        self.grouping = true;
        let out = f(self);
        self.grouping = false;
        self.step_clock.frozen.store(0, Ordering::Relaxed);
        self.undo.reset();
        out
    }

    pub fn undo(&mut self) -> bool {
        self.undo.reset();
        let changed = self.undo.undo_blocking();
        self.repair_restored_tasks();
        changed
    }

    pub fn redo(&mut self) -> bool {
        self.undo.reset();
        let changed = self.undo.redo_blocking();
        self.repair_restored_tasks();
        changed
    }

    /// Undoing a delete restores what this replica had seen; if a teammate had since moved the
    /// task, that newer `column`/`rank` is not ours to restore and the old one is superseded, so
    /// the task comes back without a place. Give it one: the bottom of its column if that still
    /// exists, else of the first live column.
    fn repair_restored_tasks(&mut self) {
        let (homeless, first_column, bottom_ranks) = {
            let txn = self.doc.transact();
            let homeless: Vec<(String, MapRef, Option<String>)> = self
                .tasks
                .iter(&txn)
                .filter_map(|(id, v)| match v {
                    Out::YMap(m) => Some((id.to_owned(), m)),
                    _ => None,
                })
                .filter_map(|(id, m)| {
                    let column = read_str(&m, &txn, key::COLUMN);
                    let rank = read_str(&m, &txn, key::RANK);
                    let column_exists = column
                        .as_deref()
                        .is_some_and(|c| read_map(&self.columns, &txn, c).is_some());
                    let placed =
                        column_exists && rank.as_deref().is_some_and(|r| rank::validate(r).is_ok());
                    (!placed).then(|| (id, m, column.filter(|_| column_exists)))
                })
                .collect();
            if homeless.is_empty() {
                return;
            }
            let first = self
                .ordered_columns(&txn, false)
                .into_iter()
                .next()
                .map(|(id, _)| id);
            let mut bottoms: HashMap<String, Option<String>> = HashMap::new();
            for (_, _, column) in &homeless {
                if let Some(c) = column.clone().or_else(|| first.clone()) {
                    let last = self
                        .ordered_tasks(&txn, &c)
                        .into_iter()
                        .map(|(_, r)| r)
                        .filter(|r| rank::validate(r).is_ok())
                        .max();
                    bottoms.entry(c).or_insert(last);
                }
            }
            (homeless, first, bottoms)
        };
        let mut bottoms = bottom_ranks;
        let mut txn = self.doc.transact_mut_with(LOCAL_ORIGIN);
        for (_, task, column) in homeless {
            let Some(column) = column.or_else(|| first_column.clone()) else {
                continue;
            };
            let last = bottoms.entry(column.clone()).or_default();
            let Ok(rank) = rank::between(last.as_deref(), None) else {
                continue;
            };
            task.insert(&mut txn, key::COLUMN, column);
            task.insert(&mut txn, key::RANK, rank.clone());
            *last = Some(rank);
        }
    }

    pub fn can_undo(&self) -> bool {
        self.undo.can_undo()
    }

    pub fn can_redo(&self) -> bool {
        self.undo.can_redo()
    }

    // ----- board ----------------------------------------------------------------------------

    pub fn title(&self) -> String {
        read_str(&self.meta, &self.doc.transact(), key::TITLE).unwrap_or_default()
    }

    pub fn rename(&mut self, title: &str) -> Result<()> {
        let title = validate_title("board title", title)?;
        let meta = self.meta.clone();
        let mut txn = self.step();
        meta.insert(&mut txn, key::TITLE, title);
        Ok(())
    }

    // ----- columns --------------------------------------------------------------------------

    fn column_map<T: ReadTxn>(&self, txn: &T, id: &str) -> Result<MapRef> {
        read_map(&self.columns, txn, id).ok_or_else(|| ModelError::UnknownColumn(id.to_owned()))
    }

    fn ordered_columns<T: ReadTxn>(&self, txn: &T, include_archived: bool) -> Ordered {
        let mut out: Ordered = self
            .columns
            .iter(txn)
            .filter_map(|(id, value)| match value {
                Out::YMap(m) => Some((id.to_owned(), m)),
                _ => None,
            })
            .filter(|(_, m)| include_archived || !read_bool(m, txn, key::ARCHIVED))
            .map(|(id, m)| {
                let r = read_str(&m, txn, key::RANK).unwrap_or_default();
                (id, r)
            })
            .collect();
        out.sort_by(|a, b| (a.1.as_bytes(), &a.0).cmp(&(b.1.as_bytes(), &b.0)));
        out
    }

    fn column_rank<T: ReadTxn>(
        &self,
        txn: &T,
        place: &Place,
        exclude: Option<&str>,
    ) -> Result<(String, Vec<(String, String)>)> {
        let mut siblings = self.ordered_columns(txn, false);
        siblings.retain(|(id, _)| Some(id.as_str()) != exclude);
        if let Place::Before(anchor) | Place::After(anchor) = place {
            if Some(anchor.as_str()) == exclude {
                return Err(ModelError::SelfAnchor);
            }
            if !siblings.iter().any(|(id, _)| id == anchor) {
                return Err(ModelError::UnknownColumn(anchor.clone()));
            }
        }
        place_among(&siblings, place)
    }

    pub fn add_column(&mut self, title: &str, wip: Option<u32>, place: Place) -> Result<String> {
        let title = validate_title("column title", title)?;
        let (rank, rewrites) = self.column_rank(&self.doc.transact(), &place, None)?;
        let id = self.config.sources.new_id();
        let mut fields: Vec<(&str, Any)> = vec![
            (key::TITLE, title.into()),
            (key::RANK, rank.into()),
            (key::ARCHIVED, false.into()),
        ];
        if let Some(wip) = wip {
            fields.push((key::WIP, Any::Number(Number::Int(i64::from(wip)))));
        }
        let prelim: MapPrelim = fields.into_iter().collect();
        let columns = self.columns.clone();
        let mut txn = self.step();
        columns.insert(&mut txn, id.as_str(), prelim);
        write_ranks(&mut txn, &columns, rewrites);
        Ok(id)
    }

    pub fn rename_column(&mut self, id: &str, title: &str) -> Result<()> {
        let title = validate_title("column title", title)?;
        let column = self.column_map(&self.doc.transact(), id)?;
        let mut txn = self.step();
        column.insert(&mut txn, key::TITLE, title);
        Ok(())
    }

    pub fn move_column(&mut self, id: &str, place: Place) -> Result<()> {
        let column = self.column_map(&self.doc.transact(), id)?;
        let (rank, rewrites) = self.column_rank(&self.doc.transact(), &place, Some(id))?;
        let columns = self.columns.clone();
        let mut txn = self.step();
        column.insert(&mut txn, key::RANK, rank);
        write_ranks(&mut txn, &columns, rewrites);
        Ok(())
    }

    pub fn set_wip_limit(&mut self, id: &str, wip: Option<u32>) -> Result<()> {
        let column = self.column_map(&self.doc.transact(), id)?;
        let mut txn = self.step();
        match wip {
            Some(wip) => {
                column.insert(&mut txn, key::WIP, Any::Number(Number::Int(i64::from(wip))));
            }
            None => {
                column.remove(&mut txn, key::WIP);
            }
        }
        Ok(())
    }

    pub fn set_column_archived(&mut self, id: &str, archived: bool) -> Result<()> {
        let column = self.column_map(&self.doc.transact(), id)?;
        let mut txn = self.step();
        column.insert(&mut txn, key::ARCHIVED, archived);
        Ok(())
    }

    /// Deletes a column and every task in it, as one undo step.
    pub fn delete_column(&mut self, id: &str) -> Result<()> {
        let doomed: Vec<String> = {
            let txn = self.doc.transact();
            self.column_map(&txn, id)?;
            self.tasks
                .iter(&txn)
                .filter_map(|(task_id, value)| match value {
                    Out::YMap(m) if read_str(&m, &txn, key::COLUMN).as_deref() == Some(id) => {
                        Some(task_id.to_owned())
                    }
                    _ => None,
                })
                .collect()
        };
        let (columns, tasks) = (self.columns.clone(), self.tasks.clone());
        let mut txn = self.step();
        for task_id in doomed {
            tasks.remove(&mut txn, &task_id);
        }
        columns.remove(&mut txn, id);
        Ok(())
    }

    // ----- tasks ----------------------------------------------------------------------------

    fn task_map<T: ReadTxn>(&self, txn: &T, id: &str) -> Result<MapRef> {
        read_map(&self.tasks, txn, id).ok_or_else(|| ModelError::UnknownTask(id.to_owned()))
    }

    /// Live tasks of a column in display order.
    /// Live tasks of a column in display order.
    fn ordered_tasks<T: ReadTxn>(&self, txn: &T, column: &str) -> Ordered {
        let mut index = lock(&self.task_index);
        index.refresh(txn, &self.tasks, &mut lock(&self.task_index_dirty));
        index.ordered(column)
    }

    fn task_rank<T: ReadTxn>(
        &self,
        txn: &T,
        column: &str,
        place: &Place,
        exclude: Option<&str>,
    ) -> Result<(String, Vec<(String, String)>)> {
        let mut siblings = self.ordered_tasks(txn, column);
        siblings.retain(|(id, _)| Some(id.as_str()) != exclude);
        if let Place::Before(anchor) | Place::After(anchor) = place {
            if Some(anchor.as_str()) == exclude {
                return Err(ModelError::SelfAnchor);
            }
            if !siblings.iter().any(|(id, _)| id == anchor) {
                self.task_map(txn, anchor)?;
                return Err(ModelError::AnchorNotInColumn {
                    task: anchor.clone(),
                    column: column.to_owned(),
                });
            }
        }
        place_among(&siblings, place)
    }

    pub fn add_task(
        &mut self,
        column: &str,
        title: &str,
        place: Place,
        extra: NewTask,
    ) -> Result<String> {
        let title = validate_title("task title", title)?;
        let due = extra
            .due
            .as_deref()
            .map(Due::parse)
            .transpose()?
            .map(|due| due.to_stored());
        let (rank, rewrites) = {
            let txn = self.doc.transact();
            self.column_map(&txn, column)?;
            for label in &extra.label_ids {
                if read_map(&self.labels, &txn, label).is_none() {
                    return Err(ModelError::UnknownLabel(label.clone()));
                }
            }
            self.task_rank(&txn, column, &place, None)?
        };
        let id = self.config.sources.new_id();
        let now = ms_to_any(self.config.sources.now_ms());
        let user = self.config.user.clone();
        let tasks = self.tasks.clone();
        let mut txn = self.step();
        let mut prelim: MapPrelim = [
            (key::TITLE, yrs::In::Any(title.into())),
            (key::COLUMN, yrs::In::Any(column.into())),
            (key::RANK, yrs::In::Any(rank.into())),
            (key::DESCRIPTION, TextPrelim::new(extra.description).into()),
            (
                key::LABEL_SET,
                MapPrelim::from_iter(
                    extra
                        .label_ids
                        .iter()
                        .map(|l| (l.as_str(), Any::Bool(true))),
                )
                .into(),
            ),
            (key::ASSIGNEES, MapPrelim::default().into()),
            // Made with the task, so two replicas' first attachments merge into one map
            // instead of each making its own and one map losing.
            (key::ATTACHMENTS, MapPrelim::default().into()),
            (key::CHECKLIST, ArrayPrelim::default().into()),
            (key::CREATED_AT, yrs::In::Any(now.clone())),
            (key::UPDATED_AT, yrs::In::Any(now)),
            (key::CREATED_BY, yrs::In::Any(user.into())),
            (key::ARCHIVED, yrs::In::Any(false.into())),
        ]
        .into_iter()
        .collect();
        if let Some(due) = due {
            prelim.insert(key::DUE.into(), yrs::In::Any(due.into()));
        }
        tasks.insert(&mut txn, id.as_str(), prelim);
        write_ranks(&mut txn, &tasks, rewrites);
        Ok(id)
    }

    /// Runs `f` on a task's map in its own undo step, stamping `updatedAt`.
    fn edit_task<R>(
        &mut self,
        id: &str,
        f: impl FnOnce(&MapRef, &mut TransactionMut) -> Result<R>,
    ) -> Result<R> {
        let task = self.task_map(&self.doc.transact(), id)?;
        let now = ms_to_any(self.config.sources.now_ms());
        let mut txn = self.step();
        let out = f(&task, &mut txn)?;
        task.insert(&mut txn, key::UPDATED_AT, now);
        Ok(out)
    }

    pub fn set_task_title(&mut self, id: &str, title: &str) -> Result<()> {
        let title = validate_title("task title", title)?;
        self.edit_task(id, |task, txn| {
            task.insert(txn, key::TITLE, title);
            Ok(())
        })
    }

    fn description_text(task: &MapRef, txn: &mut TransactionMut) -> TextRef {
        match task.get(txn, key::DESCRIPTION) {
            Some(Out::YText(text)) => text,
            _ => task.insert(txn, key::DESCRIPTION, TextPrelim::new("")),
        }
    }

    /// Replaces the description, writing only the changed middle so concurrent edits elsewhere
    /// in the text merge character by character.
    pub fn set_description(&mut self, id: &str, new_text: &str) -> Result<()> {
        self.edit_task(id, |task, txn| {
            let text = Self::description_text(task, txn);
            let old = text.get_string(txn);
            let prefix = old
                .char_indices()
                .zip(new_text.chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map_or(0, |((i, c), _)| i + c.len_utf8());
            let old_rest = &old[prefix..];
            let new_rest = &new_text[prefix..];
            let suffix = old_rest
                .chars()
                .rev()
                .zip(new_rest.chars().rev())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a.len_utf8())
                .sum::<usize>();
            let removed = old_rest.len() - suffix;
            let inserted = &new_rest[..new_rest.len() - suffix];
            let to_u32 = |n: usize| {
                u32::try_from(n).map_err(|_| ModelError::InvalidValue {
                    field: "description",
                    reason: "too long".into(),
                })
            };
            if removed > 0 {
                text.remove_range(txn, to_u32(prefix)?, to_u32(removed)?);
            }
            if !inserted.is_empty() {
                text.insert(txn, to_u32(prefix)?, inserted);
            }
            Ok(())
        })
    }

    /// Inserts and deletes in the description at a byte offset (what an editor sends).
    pub fn edit_description(&mut self, id: &str, at: u32, delete: u32, insert: &str) -> Result<()> {
        self.edit_task(id, |task, txn| {
            let text = Self::description_text(task, txn);
            let current = text.get_string(txn);
            let end = at as usize + delete as usize;
            if end > current.len()
                || !current.is_char_boundary(at as usize)
                || !current.is_char_boundary(end)
            {
                return Err(ModelError::InvalidValue {
                    field: "description edit",
                    reason: "offset outside the text".into(),
                });
            }
            if delete > 0 {
                text.remove_range(txn, at, delete);
            }
            if !insert.is_empty() {
                text.insert(txn, at, insert);
            }
            Ok(())
        })
    }

    fn set_flag_in(
        &mut self,
        id: &str,
        set_key: &'static str,
        member: &str,
        present: bool,
    ) -> Result<()> {
        self.edit_task(id, |task, txn| {
            let set = match task.get(txn, set_key) {
                Some(Out::YMap(m)) => m,
                _ => task.insert(txn, set_key, MapPrelim::default()),
            };
            if present {
                set.insert(txn, member, true);
            } else {
                set.remove(txn, member);
            }
            Ok(())
        })
    }

    pub fn set_task_label(&mut self, id: &str, label_id: &str, present: bool) -> Result<()> {
        if present && read_map(&self.labels, &self.doc.transact(), label_id).is_none() {
            return Err(ModelError::UnknownLabel(label_id.to_owned()));
        }
        self.set_flag_in(id, key::LABEL_SET, label_id, present)
    }

    pub fn set_task_assignee(&mut self, id: &str, user_id: &str, present: bool) -> Result<()> {
        if user_id.trim().is_empty() {
            return Err(ModelError::InvalidValue {
                field: "assignee",
                reason: "must not be empty".into(),
            });
        }
        self.set_flag_in(id, key::ASSIGNEES, user_id, present)
    }

    /// Puts member `to` where assignee `from` was, in one undoable step: how a free-text
    /// assignee from an older board (DESIGN §1) is mapped to a member. Assigning someone
    /// already assigned only removes `from`.
    pub fn replace_task_assignee(&mut self, id: &str, from: &str, to: &str) -> Result<()> {
        if to.trim().is_empty() {
            return Err(ModelError::InvalidValue {
                field: "assignee",
                reason: "must not be empty".into(),
            });
        }
        self.edit_task(id, |task, txn| {
            let set = match task.get(txn, key::ASSIGNEES) {
                Some(Out::YMap(m)) => m,
                _ => task.insert(txn, key::ASSIGNEES, MapPrelim::default()),
            };
            if from != to {
                set.remove(txn, from);
            }
            set.insert(txn, to, true);
            Ok(())
        })
    }

    /// Moves a task from label `from` to label `to` in one undoable step: how a card dragged
    /// or moved to another swimlane by label changes its labels. `None` is the "No label"
    /// lane: `from: None` only adds `to`, `to: None` only removes `from` (its other labels
    /// stay). Having `to` already only removes `from`.
    pub fn replace_task_label(
        &mut self,
        id: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<()> {
        if let Some(to) = to {
            if read_map(&self.labels, &self.doc.transact(), to).is_none() {
                return Err(ModelError::UnknownLabel(to.to_owned()));
            }
        }
        self.edit_task(id, |task, txn| {
            let set = match task.get(txn, key::LABEL_SET) {
                Some(Out::YMap(m)) => m,
                _ => task.insert(txn, key::LABEL_SET, MapPrelim::default()),
            };
            if let Some(from) = from.filter(|from| Some(*from) != to) {
                set.remove(txn, from);
            }
            if let Some(to) = to {
                set.insert(txn, to, true);
            }
            Ok(())
        })
    }

    /// Sets or clears a task's due, stored in its canonical form (see [`Due::to_stored`]).
    pub fn set_due(&mut self, id: &str, due: Option<&str>) -> Result<()> {
        let due = due.map(Due::parse).transpose()?.map(|due| due.to_stored());
        self.edit_task(id, |task, txn| {
            match due {
                Some(due) => {
                    task.insert(txn, key::DUE, due);
                }
                None => {
                    task.remove(txn, key::DUE);
                }
            }
            Ok(())
        })
    }

    fn checklist(task: &MapRef, txn: &mut TransactionMut) -> ArrayRef {
        match task.get(txn, key::CHECKLIST) {
            Some(Out::YArray(a)) => a,
            _ => task.insert(txn, key::CHECKLIST, ArrayPrelim::default()),
        }
    }

    fn checklist_item(
        id: &str,
        list: &ArrayRef,
        txn: &TransactionMut,
        index: u32,
    ) -> Result<MapRef> {
        match list.get(txn, index) {
            Some(Out::YMap(m)) => Ok(m),
            _ => Err(ModelError::UnknownChecklistItem {
                task: id.to_owned(),
                index,
            }),
        }
    }

    /// Appends a checklist item; returns its index.
    pub fn add_checklist_item(&mut self, id: &str, text: &str) -> Result<u32> {
        let text = validate_title("checklist item", text)?;
        self.edit_task(id, |task, txn| {
            let list = Self::checklist(task, txn);
            let index = list.len(txn);
            let item: MapPrelim = [(key::TEXT, Any::from(text)), (key::DONE, Any::Bool(false))]
                .into_iter()
                .collect();
            list.insert(txn, index, item);
            Ok(index)
        })
    }

    pub fn set_checklist_item_done(&mut self, id: &str, index: u32, done: bool) -> Result<()> {
        let task_id = id.to_owned();
        self.edit_task(id, |task, txn| {
            let list = Self::checklist(task, txn);
            let item = Self::checklist_item(&task_id, &list, txn, index)?;
            item.insert(txn, key::DONE, done);
            Ok(())
        })
    }

    pub fn toggle_checklist_item(&mut self, id: &str, index: u32) -> Result<bool> {
        let task_id = id.to_owned();
        self.edit_task(id, |task, txn| {
            let list = Self::checklist(task, txn);
            let item = Self::checklist_item(&task_id, &list, txn, index)?;
            let done = !read_bool(&item, txn, key::DONE);
            item.insert(txn, key::DONE, done);
            Ok(done)
        })
    }

    pub fn edit_checklist_item(&mut self, id: &str, index: u32, text: &str) -> Result<()> {
        let text = validate_title("checklist item", text)?;
        let task_id = id.to_owned();
        self.edit_task(id, |task, txn| {
            let list = Self::checklist(task, txn);
            let item = Self::checklist_item(&task_id, &list, txn, index)?;
            item.insert(txn, key::TEXT, text);
            Ok(())
        })
    }

    pub fn remove_checklist_item(&mut self, id: &str, index: u32) -> Result<()> {
        let task_id = id.to_owned();
        self.edit_task(id, |task, txn| {
            let list = Self::checklist(task, txn);
            Self::checklist_item(&task_id, &list, txn, index)?;
            list.remove(txn, index);
            Ok(())
        })
    }

    /// Moves a task to a column and a place in it: writes `column` and `rank` only.
    pub fn move_task(&mut self, id: &str, column: &str, place: Place) -> Result<()> {
        let (rank, rewrites) = {
            let txn = self.doc.transact();
            self.task_map(&txn, id)?;
            self.column_map(&txn, column)?;
            self.task_rank(&txn, column, &place, Some(id))?
        };
        let tasks = self.tasks.clone();
        let column = column.to_owned();
        self.edit_task(id, |task, txn| {
            task.insert(txn, key::COLUMN, column);
            task.insert(txn, key::RANK, rank);
            write_ranks(txn, &tasks, rewrites);
            Ok(())
        })
    }

    pub fn set_task_archived(&mut self, id: &str, archived: bool) -> Result<()> {
        self.edit_task(id, |task, txn| {
            task.insert(txn, key::ARCHIVED, archived);
            Ok(())
        })
    }

    pub fn delete_task(&mut self, id: &str) -> Result<()> {
        self.task_map(&self.doc.transact(), id)?;
        let tasks = self.tasks.clone();
        let mut txn = self.step();
        tasks.remove(&mut txn, id);
        Ok(())
    }

    // ----- labels ---------------------------------------------------------------------------

    pub fn add_label(&mut self, name: &str, color: Option<&str>) -> Result<String> {
        let name = validate_title("label name", name)?;
        let color = match color {
            Some(c) => {
                validate_color(c)?;
                c.to_owned()
            }
            None => {
                let used = self.labels.len(&self.doc.transact()) as usize;
                PALETTE[used % PALETTE.len()].to_owned()
            }
        };
        let id = self.config.sources.new_id();
        let labels = self.labels.clone();
        let mut txn = self.step();
        let prelim: MapPrelim = [(key::NAME, Any::from(name)), (key::COLOR, Any::from(color))]
            .into_iter()
            .collect();
        labels.insert(&mut txn, id.as_str(), prelim);
        Ok(id)
    }

    /// The id of the label called `name` (case-insensitive), creating it if there is none.
    pub fn ensure_label(&mut self, name: &str) -> Result<String> {
        let wanted = name.trim().to_lowercase();
        let existing = self
            .view_labels()
            .into_iter()
            .find(|l| l.name.to_lowercase() == wanted);
        match existing {
            Some(label) => Ok(label.id),
            None => self.add_label(name, None),
        }
    }

    pub fn update_label(
        &mut self,
        id: &str,
        name: Option<&str>,
        color: Option<&str>,
    ) -> Result<()> {
        let name = name.map(|n| validate_title("label name", n)).transpose()?;
        if let Some(c) = color {
            validate_color(c)?;
        }
        let label = read_map(&self.labels, &self.doc.transact(), id)
            .ok_or_else(|| ModelError::UnknownLabel(id.to_owned()))?;
        let mut txn = self.step();
        if let Some(name) = name {
            label.insert(&mut txn, key::NAME, name);
        }
        if let Some(color) = color {
            label.insert(&mut txn, key::COLOR, color);
        }
        Ok(())
    }

    /// Removes a label from the catalogue and from every task that has it.
    pub fn delete_label(&mut self, id: &str) -> Result<()> {
        let holders: Vec<MapRef> = {
            let txn = self.doc.transact();
            if read_map(&self.labels, &txn, id).is_none() {
                return Err(ModelError::UnknownLabel(id.to_owned()));
            }
            self.tasks
                .iter(&txn)
                .filter_map(|(_, v)| match v {
                    Out::YMap(m) => read_map(&m, &txn, key::LABEL_SET),
                    _ => None,
                })
                .filter(|set| set.get(&txn, id).is_some())
                .collect()
        };
        let labels = self.labels.clone();
        let mut txn = self.step();
        for set in holders {
            set.remove(&mut txn, id);
        }
        labels.remove(&mut txn, id);
        Ok(())
    }

    // ----- read model -----------------------------------------------------------------------

    fn view_labels(&self) -> Vec<LabelView> {
        let txn = self.doc.transact();
        let mut out: Vec<LabelView> = self
            .labels
            .iter(&txn)
            .filter_map(|(id, v)| match v {
                Out::YMap(m) => Some(LabelView {
                    id: id.to_owned(),
                    name: read_str(&m, &txn, key::NAME).unwrap_or_default(),
                    color: read_str(&m, &txn, key::COLOR).unwrap_or_default(),
                }),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id)));
        out
    }

    /// One pass over the task's entries (not a lookup per field): building the view of a
    /// 10,000-task board is dominated by this.
    fn read_task<T: ReadTxn>(txn: &T, id: &str, m: &MapRef) -> TaskView {
        let mut task = TaskView {
            id: id.to_owned(),
            title: String::new(),
            column: String::new(),
            rank: String::new(),
            description: String::new(),
            labels: Vec::new(),
            assignees: Vec::new(),
            due: None,
            checklist: Vec::new(),
            created_at: 0,
            updated_at: 0,
            created_by: String::new(),
            archived: false,
            comment_count: 0,
            comment_stamp: 0,
            attachment_count: 0,
            cover_image: None,
        };
        let number = |n: Number| n.as_f64().unwrap_or(0.0) as i64;
        for (field, value) in m.iter(txn) {
            match (field, value) {
                (key::TITLE, Out::Any(Any::String(s))) => task.title = s.to_string(),
                (key::COLUMN, Out::Any(Any::String(s))) => task.column = s.to_string(),
                (key::RANK, Out::Any(Any::String(s))) => task.rank = s.to_string(),
                (key::DESCRIPTION, Out::YText(t)) => task.description = t.get_string(txn),
                (key::DESCRIPTION, Out::Any(Any::String(s))) => task.description = s.to_string(),
                (key::LABEL_SET, Out::YMap(set)) => task.labels = sorted_keys(Some(set), txn),
                (key::ASSIGNEES, Out::YMap(set)) => task.assignees = sorted_keys(Some(set), txn),
                (key::DUE, Out::Any(Any::String(s))) => task.due = Some(s.to_string()),
                (key::CHECKLIST, Out::YArray(list)) => {
                    task.checklist = list
                        .iter(txn)
                        .filter_map(|v| match v {
                            Out::YMap(item) => Some(ChecklistItem {
                                text: read_str(&item, txn, key::TEXT).unwrap_or_default(),
                                done: read_bool(&item, txn, key::DONE),
                            }),
                            _ => None,
                        })
                        .collect();
                }
                (key::CREATED_AT, Out::Any(Any::Number(n))) => task.created_at = number(n),
                (key::UPDATED_AT, Out::Any(Any::Number(n))) => task.updated_at = number(n),
                (key::CREATED_BY, Out::Any(Any::String(s))) => task.created_by = s.to_string(),
                (key::ARCHIVED, Out::Any(Any::Bool(b))) => task.archived = b,
                (key::ATTACHMENTS, Out::YMap(files)) => {
                    task.attachment_count = files.len(txn);
                    if task.attachment_count > 0 {
                        task.cover_image = attachments::first_image(&files, txn);
                    }
                }
                _ => {}
            }
        }
        task
    }

    /// One task, for patching a UI after a change.
    pub fn task(&self, id: &str) -> Option<TaskView> {
        let txn = self.doc.transact();
        let m = read_map(&self.tasks, &txn, id)?;
        let mut task = Self::read_task(&txn, id, &m);
        (task.comment_count, task.comment_stamp) = self.comment_summary(&txn, id);
        Some(task)
    }

    /// Live columns with their live tasks, in order.
    pub fn view(&self) -> BoardView {
        self.view_with(false)
    }

    /// The board as shown; with `include_archived`, archived columns and tasks too (marked).
    pub fn view_with(&self, include_archived: bool) -> BoardView {
        let labels = self.view_labels();
        let txn = self.doc.transact();
        let order = self.ordered_columns(&txn, include_archived);
        let live_columns: BTreeSet<String> = self
            .ordered_columns(&txn, false)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let all_columns: BTreeSet<String> = self.columns.keys(&txn).map(str::to_owned).collect();
        let first_live = order
            .iter()
            .find(|(id, _)| live_columns.contains(id))
            .map(|(id, _)| id.clone());

        let mut comment_summaries = self.comment_summaries(&txn);
        let mut by_column: HashMap<String, Vec<TaskView>> = HashMap::new();
        for (id, value) in self.tasks.iter(&txn) {
            let Out::YMap(m) = value else { continue };
            let mut task = Self::read_task(&txn, id, &m);
            (task.comment_count, task.comment_stamp) =
                comment_summaries.remove(id).unwrap_or_default();
            if task.archived && !include_archived {
                continue;
            }
            // A task whose column is gone (deleted while someone added to it) is not lost:
            // it shows in the first live column.
            let home = if all_columns.contains(&task.column) {
                Some(task.column.clone())
            } else {
                first_live.clone()
            };
            if let Some(home) = home {
                by_column.entry(home).or_default().push(task);
            }
        }

        let columns = order
            .into_iter()
            .filter_map(|(id, _)| {
                let m = read_map(&self.columns, &txn, &id)?;
                let mut tasks = by_column.remove(&id).unwrap_or_default();
                tasks.sort_by(|a, b| (a.rank.as_bytes(), &a.id).cmp(&(b.rank.as_bytes(), &b.id)));
                Some(Self::read_column(&txn, id, &m, tasks))
            })
            .collect();
        BoardView {
            id: self.id.clone(),
            title: read_str(&self.meta, &txn, key::TITLE).unwrap_or_default(),
            created_at: read_num(&self.meta, &txn, key::CREATED_AT).unwrap_or(0.0) as i64,
            columns,
            labels,
        }
    }

    fn read_column<T: ReadTxn>(
        txn: &T,
        id: String,
        m: &MapRef,
        tasks: Vec<TaskView>,
    ) -> ColumnView {
        ColumnView {
            title: read_str(m, txn, key::TITLE).unwrap_or_default(),
            rank: read_str(m, txn, key::RANK).unwrap_or_default(),
            wip: read_num(m, txn, key::WIP)
                .filter(|w| *w >= 0.0)
                .map(|w| w.min(f64::from(u32::MAX)) as u32),
            archived: read_bool(m, txn, key::ARCHIVED),
            id,
            tasks,
        }
    }

    /// Every column in rank order, archived ones too, without their tasks: what a UI needs to
    /// patch its column headers and to know where a task is shown, without building a view.
    pub fn columns(&self) -> Vec<ColumnView> {
        let txn = self.doc.transact();
        self.ordered_columns(&txn, true)
            .into_iter()
            .filter_map(|(id, _)| {
                let m = read_map(&self.columns, &txn, &id)?;
                Some(Self::read_column(&txn, id, &m, Vec::new()))
            })
            .collect()
    }

    /// The label catalogue, by name.
    pub fn labels(&self) -> Vec<LabelView> {
        self.view_labels()
    }

    /// Live task ids of a column in display order (from the incremental index).
    pub fn column_task_ids(&self, column: &str) -> Vec<String> {
        let txn = self.doc.transact();
        self.ordered_tasks(&txn, column)
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    }

    /// Ids of every task in the document, archived or not, sorted.
    pub fn task_ids(&self) -> Vec<String> {
        let txn = self.doc.transact();
        let mut ids: Vec<String> = self.tasks.keys(&txn).map(str::to_owned).collect();
        ids.sort();
        ids
    }

    /// How many attachments a task has (DESIGN §1 `attachments`); 0 for an unknown task.
    pub fn attachment_count(&self, id: &str) -> u32 {
        let txn = self.doc.transact();
        match read_map(&self.tasks, &txn, id).and_then(|m| m.get(&txn, "attachments")) {
            Some(Out::YMap(set)) => set.len(&txn),
            _ => 0,
        }
    }

    /// Raw access for tests and forward-compatibility checks: the keys stored on a task.
    pub fn task_keys(&self, id: &str) -> Vec<String> {
        let txn = self.doc.transact();
        sorted_keys(read_map(&self.tasks, &txn, id), &txn)
    }
}
