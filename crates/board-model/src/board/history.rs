//! Per-task history (DESIGN §1 "History"): which task fields and comments a transaction
//! changed, and their values after it, read off the document by a deep observer; and restoring
//! an earlier value as an ordinary, undoable edit.
//!
//! The recorder works on any yrs document with Tack's roots, so the relay (which holds a bare
//! document per room) and a `Board` name changes with the same fields and values. It never
//! says who made a change: the document cannot be trusted for that (any writer can put any
//! name into it); the caller knows (the relay: the authenticated author of the update; the
//! local store: me).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use yrs::types::{EntryChange, Event, PathSegment};
use yrs::{
    Any, Array, DeepObservable, Doc, GetString, Map, MapPrelim, MapRef, Origin, Out, ReadTxn,
    Transact, TransactionMut,
};

use super::{key, lock, read_bool, read_map, read_str, sorted_keys, Board, Place};
use crate::error::{ModelError, Result};
use crate::view::ChecklistItem;

/// The longest value a history entry keeps, in bytes: a longer description or comment body
/// is cut at a character boundary and the entry marked `truncated` (it cannot be restored).
pub const MAX_HISTORY_VALUE_BYTES: usize = 16 * 1024;

const RECORDER_KEY: &str = "tack-history";

/// What a history entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum HistoryField {
    /// The task was created (value: its title).
    Created,
    Title,
    /// Moved to another column (value: the column id). A move within a column is not history.
    Column,
    Description,
    Labels,
    Assignees,
    Due,
    Checklist,
    Archived,
    /// The task was deleted (value: null).
    Deleted,
    /// A comment on the task was posted, edited or deleted (value: [`CommentChange`]).
    Comment,
}

impl HistoryField {
    pub const ALL: [HistoryField; 11] = [
        Self::Created,
        Self::Title,
        Self::Column,
        Self::Description,
        Self::Labels,
        Self::Assignees,
        Self::Due,
        Self::Checklist,
        Self::Archived,
        Self::Deleted,
        Self::Comment,
    ];

    /// The name stored in `task_changes.field` and shown by `tackctl`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Title => "title",
            Self::Column => "column",
            Self::Description => "description",
            Self::Labels => "labels",
            Self::Assignees => "assignees",
            Self::Due => "due",
            Self::Checklist => "checklist",
            Self::Archived => "archived",
            Self::Deleted => "deleted",
            Self::Comment => "comment",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// Whether an earlier value of this field can be brought back with `restore_field`.
    pub fn restorable(self) -> bool {
        !matches!(self, Self::Created | Self::Deleted | Self::Comment)
    }

    /// The field of a task map key, for the keys history follows.
    fn of_task_key(k: &str) -> Option<Self> {
        Some(match k {
            key::TITLE => Self::Title,
            key::COLUMN => Self::Column,
            key::DESCRIPTION => Self::Description,
            key::LABEL_SET => Self::Labels,
            key::ASSIGNEES => Self::Assignees,
            key::DUE => Self::Due,
            key::CHECKLIST => Self::Checklist,
            key::ARCHIVED => Self::Archived,
            _ => return None,
        })
    }
}

/// What happened to a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum CommentAction {
    Added,
    Edited,
    Deleted,
}

/// A comment entry's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CommentChange {
    pub comment: String,
    pub action: CommentAction,
    /// The body after the change (empty for a deletion).
    pub body: String,
}

/// A field's value after a change, as JSON: `null` (absent: no due date, a deleted task),
/// a bool (`archived`), a string (title, column id, description, due), an array of ids
/// (labels, assignees), an array of `{text, done}` (checklist), or a [`CommentChange`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(untagged)]
pub enum FieldValue {
    Absent,
    Flag(bool),
    Text(String),
    Ids(Vec<String>),
    Checklist(Vec<ChecklistItem>),
    Comment(CommentChange),
}

/// One change of one task, as the recorder saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskChange {
    pub task: String,
    pub field: HistoryField,
    pub value: FieldValue,
    /// The value was longer than [`MAX_HISTORY_VALUE_BYTES`] and is cut.
    pub truncated: bool,
}

/// What the observer saw since the last `take`: per task, the fields changed; per comment,
/// whether it is new.
#[derive(Debug, Default)]
struct Touched {
    fields: BTreeSet<(String, HistoryField)>,
    comments: BTreeMap<String, bool>,
}

/// Follows a document's `tasks` and `comments` roots and names the task fields each
/// transaction changed (see the module documentation).
pub struct HistoryRecorder {
    tasks: MapRef,
    comments: MapRef,
    touched: Arc<Mutex<Touched>>,
}

impl std::fmt::Debug for HistoryRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistoryRecorder").finish_non_exhaustive()
    }
}

impl HistoryRecorder {
    /// Records every transaction on `doc` (the relay: each is some author's update).
    pub fn attach(doc: &Doc) -> Self {
        Self::attach_filtered(doc, |_| true)
    }

    /// Records the transactions whose origin `keep` accepts.
    pub fn attach_filtered(doc: &Doc, keep: fn(Option<&Origin>) -> bool) -> Self {
        let tasks = doc.get_or_insert_map(key::TASKS);
        let comments = doc.get_or_insert_map(key::COMMENTS);
        let touched = Arc::new(Mutex::new(Touched::default()));
        {
            let touched = touched.clone();
            tasks.observe_deep(RECORDER_KEY, move |txn, events| {
                if !keep(txn.origin()) {
                    return;
                }
                let mut touched = lock(&touched);
                for event in events.iter() {
                    task_event(txn, event, &mut touched.fields);
                }
            });
        }
        {
            let touched = touched.clone();
            comments.observe_deep(RECORDER_KEY, move |txn, events| {
                if !keep(txn.origin()) {
                    return;
                }
                let mut touched = lock(&touched);
                for event in events.iter() {
                    match event.path().front() {
                        Some(PathSegment::Key(id)) => {
                            touched.comments.entry(id.to_string()).or_insert(false);
                        }
                        Some(PathSegment::Index(_)) => {}
                        None => {
                            if let Event::Map(map_event) = event {
                                for (id, change) in map_event.keys(txn) {
                                    let new = matches!(change, EntryChange::Inserted(_));
                                    let entry =
                                        touched.comments.entry(id.to_string()).or_insert(new);
                                    *entry |= new;
                                }
                            }
                        }
                    }
                }
            });
        }
        Self {
            tasks,
            comments,
            touched,
        }
    }

    /// Whether anything was recorded since the last `take`.
    pub fn is_empty(&self) -> bool {
        let touched = lock(&self.touched);
        touched.fields.is_empty() && touched.comments.is_empty()
    }

    /// Forgets what was recorded (a stale room reloading, a replica dropping what it did).
    pub fn clear(&self) {
        *lock(&self.touched) = Touched::default();
    }

    /// The changes since the last `take`, with the values the document holds now, in task
    /// order then field order. Take right after the transactions it should describe, before
    /// anything else is applied (the relay's room takes after each update it accepts;
    /// `replica::save_local_changes` after each operation), or a later value is named.
    pub fn take<T: ReadTxn>(&self, txn: &T) -> Vec<TaskChange> {
        let touched = std::mem::take(&mut *lock(&self.touched));
        let mut out = Vec::with_capacity(touched.fields.len() + touched.comments.len());
        let created: BTreeSet<&str> = touched
            .fields
            .iter()
            .filter(|(_, f)| *f == HistoryField::Created)
            .map(|(t, _)| t.as_str())
            .collect();
        for (task, field) in &touched.fields {
            let map = read_map(&self.tasks, txn, task);
            let (field, value) = match (&map, field) {
                // Removed (or replaced by something that is not a task): deleted.
                (None, _) => (HistoryField::Deleted, FieldValue::Absent),
                (Some(m), HistoryField::Created | HistoryField::Deleted) => (
                    HistoryField::Created,
                    FieldValue::Text(read_str(m, txn, key::TITLE).unwrap_or_default()),
                ),
                // A task created in this batch: its first values are in its creation.
                (Some(_), _) if created.contains(task.as_str()) => continue,
                (Some(m), field) => (*field, read_field(m, txn, *field)),
            };
            if field == HistoryField::Deleted
                && out
                    .last()
                    .is_some_and(|c: &TaskChange| c.task == *task && c.field == field)
            {
                continue;
            }
            let (value, truncated) = cap(value);
            out.push(TaskChange {
                task: task.clone(),
                field,
                value,
                truncated,
            });
        }
        for (comment, new) in touched.comments {
            let Some(m) = read_map(&self.comments, txn, &comment) else {
                continue;
            };
            let Some(task) = read_str(&m, txn, key::TASK) else {
                continue;
            };
            let deleted = read_bool(&m, txn, key::DELETED);
            let action = match (new, deleted) {
                (true, false) => CommentAction::Added,
                (_, true) => CommentAction::Deleted,
                (false, false) => CommentAction::Edited,
            };
            let body = if deleted {
                String::new()
            } else {
                read_str(&m, txn, key::BODY).unwrap_or_default()
            };
            let (value, truncated) = cap(FieldValue::Comment(CommentChange {
                comment,
                action,
                body,
            }));
            out.push(TaskChange {
                task,
                field: HistoryField::Comment,
                value,
                truncated,
            });
        }
        out
    }
}

/// Files one event of the `tasks` root's deep observer under (task, field).
fn task_event(txn: &TransactionMut, event: &Event, fields: &mut BTreeSet<(String, HistoryField)>) {
    let mut path = event.path().into_iter();
    match path.next() {
        // The root map: tasks added, removed or replaced.
        None => {
            if let Event::Map(map_event) = event {
                for (task, change) in map_event.keys(txn) {
                    let field = match change {
                        EntryChange::Removed(_) => HistoryField::Deleted,
                        EntryChange::Inserted(_) | EntryChange::Updated(..) => {
                            HistoryField::Created
                        }
                    };
                    fields.insert((task.to_string(), field));
                }
            }
        }
        Some(PathSegment::Key(task)) => match path.next() {
            // The task's own map: the keys it changed.
            None => {
                if let Event::Map(map_event) = event {
                    for k in map_event.keys(txn).keys() {
                        if let Some(field) = HistoryField::of_task_key(k) {
                            fields.insert((task.to_string(), field));
                        }
                    }
                }
            }
            // Inside one of its fields (description text, label set, checklist, an item).
            Some(PathSegment::Key(k)) => {
                if let Some(field) = HistoryField::of_task_key(&k) {
                    fields.insert((task.to_string(), field));
                }
            }
            Some(PathSegment::Index(_)) => {}
        },
        Some(PathSegment::Index(_)) => {}
    }
}

/// A task field's current value.
fn read_field<T: ReadTxn>(m: &MapRef, txn: &T, field: HistoryField) -> FieldValue {
    let text = |k| read_str(m, txn, k).map_or(FieldValue::Absent, FieldValue::Text);
    match field {
        HistoryField::Title => text(key::TITLE),
        HistoryField::Column => text(key::COLUMN),
        HistoryField::Due => text(key::DUE),
        HistoryField::Description => match m.get(txn, key::DESCRIPTION) {
            Some(Out::YText(t)) => FieldValue::Text(t.get_string(txn)),
            Some(Out::Any(Any::String(s))) => FieldValue::Text(s.to_string()),
            _ => FieldValue::Text(String::new()),
        },
        HistoryField::Labels => FieldValue::Ids(sorted_keys(read_map(m, txn, key::LABEL_SET), txn)),
        HistoryField::Assignees => {
            FieldValue::Ids(sorted_keys(read_map(m, txn, key::ASSIGNEES), txn))
        }
        HistoryField::Checklist => match m.get(txn, key::CHECKLIST) {
            Some(Out::YArray(list)) => FieldValue::Checklist(
                list.iter(txn)
                    .filter_map(|v| match v {
                        Out::YMap(item) => Some(ChecklistItem {
                            text: read_str(&item, txn, key::TEXT).unwrap_or_default(),
                            done: read_bool(&item, txn, key::DONE),
                        }),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => FieldValue::Checklist(Vec::new()),
        },
        HistoryField::Archived => FieldValue::Flag(read_bool(m, txn, key::ARCHIVED)),
        HistoryField::Created => text(key::TITLE),
        HistoryField::Deleted | HistoryField::Comment => FieldValue::Absent,
    }
}

/// Cuts a long text at a character boundary at or below the cap.
fn cut(text: &mut String) -> bool {
    if text.len() <= MAX_HISTORY_VALUE_BYTES {
        return false;
    }
    let mut end = MAX_HISTORY_VALUE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    true
}

/// Bounds a value to [`MAX_HISTORY_VALUE_BYTES`] (texts are cut; a long list keeps its first
/// entries up to the cap).
fn cap(value: FieldValue) -> (FieldValue, bool) {
    match value {
        FieldValue::Text(mut text) => {
            let cut = cut(&mut text);
            (FieldValue::Text(text), cut)
        }
        FieldValue::Comment(mut change) => {
            let cut = cut(&mut change.body);
            (FieldValue::Comment(change), cut)
        }
        FieldValue::Ids(mut ids) => {
            let cut = keep_within(&mut ids, |id| id.len() + 3);
            (FieldValue::Ids(ids), cut)
        }
        FieldValue::Checklist(mut items) => {
            let cut = keep_within(&mut items, |item| item.text.len() + 24);
            (FieldValue::Checklist(items), cut)
        }
        other => (other, false),
    }
}

fn keep_within<T>(items: &mut Vec<T>, size: impl Fn(&T) -> usize) -> bool {
    let mut total = 0;
    let keep = items
        .iter()
        .take_while(|item| {
            total += size(item);
            total <= MAX_HISTORY_VALUE_BYTES
        })
        .count();
    let cut = keep < items.len();
    items.truncate(keep);
    cut
}

fn not_restorable(reason: &str) -> ModelError {
    ModelError::InvalidValue {
        field: "restored value",
        reason: reason.into(),
    }
}

impl Board {
    /// The changes this replica's own operations (and its undo and redo) made since the last
    /// call, with their values now: what the local store keeps as my history.
    pub fn take_history(&mut self) -> Vec<TaskChange> {
        self.history.take(&self.doc.transact())
    }

    /// Brings back an earlier value of a task field, as one ordinary edit (one undo step).
    /// Labels deleted since are left out; a column deleted since is an error; creation,
    /// deletion, comments and a value cut in history cannot be restored.
    pub fn restore_field(
        &mut self,
        id: &str,
        field: HistoryField,
        value: &FieldValue,
    ) -> Result<()> {
        if !field.restorable() {
            return Err(not_restorable(&format!(
                "a task's {} cannot be restored",
                field.as_str()
            )));
        }
        let mismatch = || not_restorable(&format!("not a {} value", field.as_str()));
        match (field, value) {
            (HistoryField::Title, FieldValue::Text(title)) => self.set_task_title(id, title),
            (HistoryField::Description, FieldValue::Text(text)) => self.set_description(id, text),
            (HistoryField::Due, FieldValue::Text(due)) => self.set_due(id, Some(due)),
            (HistoryField::Due, FieldValue::Absent) => self.set_due(id, None),
            (HistoryField::Archived, FieldValue::Flag(archived)) => {
                self.set_task_archived(id, *archived)
            }
            (HistoryField::Column, FieldValue::Text(column)) => {
                let current = self
                    .task(id)
                    .ok_or_else(|| ModelError::UnknownTask(id.into()))?;
                if current.column == *column {
                    return Ok(());
                }
                self.move_task(id, column, Place::Bottom)
            }
            (HistoryField::Labels, FieldValue::Ids(ids)) => {
                let live: Vec<String> = {
                    let txn = self.doc.transact();
                    ids.iter()
                        .filter(|label| read_map(&self.labels, &txn, label).is_some())
                        .cloned()
                        .collect()
                };
                self.replace_set(id, key::LABEL_SET, &live)
            }
            (HistoryField::Assignees, FieldValue::Ids(ids)) => {
                if ids.iter().any(|a| a.trim().is_empty()) {
                    return Err(mismatch());
                }
                self.replace_set(id, key::ASSIGNEES, ids)
            }
            (HistoryField::Checklist, FieldValue::Checklist(items)) => {
                self.replace_checklist(id, items)
            }
            (HistoryField::Checklist, FieldValue::Ids(ids)) if ids.is_empty() => {
                self.replace_checklist(id, &[])
            }
            _ => Err(mismatch()),
        }
    }

    /// Makes a task's id set (labels, assignees) exactly `ids`, writing only the difference.
    fn replace_set(&mut self, id: &str, set_key: &'static str, ids: &[String]) -> Result<()> {
        self.edit_task(id, |task, txn| {
            let set = match task.get(txn, set_key) {
                Some(Out::YMap(m)) => m,
                _ => task.insert(txn, set_key, MapPrelim::default()),
            };
            let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
            let present: Vec<String> = set.keys(txn).map(str::to_owned).collect();
            for old in &present {
                if !wanted.contains(old.as_str()) {
                    set.remove(txn, old);
                }
            }
            for new in wanted {
                if !present.iter().any(|p| p == new) {
                    set.insert(txn, new, true);
                }
            }
            Ok(())
        })
    }

    /// Makes a task's checklist exactly `items`, keeping the items that already match in
    /// place (so a teammate's concurrent tick on one of them is not lost).
    fn replace_checklist(&mut self, id: &str, items: &[ChecklistItem]) -> Result<()> {
        for item in items {
            super::validate_title("checklist item", &item.text)?;
        }
        self.edit_task(id, |task, txn| {
            let list = Self::checklist(task, txn);
            let current: Vec<ChecklistItem> = list
                .iter(txn)
                .map(|v| match v {
                    Out::YMap(item) => ChecklistItem {
                        text: read_str(&item, txn, key::TEXT).unwrap_or_default(),
                        done: read_bool(&item, txn, key::DONE),
                    },
                    _ => ChecklistItem {
                        text: String::new(),
                        done: false,
                    },
                })
                .collect();
            let same_prefix = current
                .iter()
                .zip(items)
                .take_while(|(a, b)| a == b)
                .count();
            let tail = u32::try_from(current.len() - same_prefix).map_err(|_| mismatch_len())?;
            let start = u32::try_from(same_prefix).map_err(|_| mismatch_len())?;
            if tail > 0 {
                list.remove_range(txn, start, tail);
            }
            for (offset, item) in items[same_prefix..].iter().enumerate() {
                let at = start + u32::try_from(offset).map_err(|_| mismatch_len())?;
                let prelim: MapPrelim = [
                    (key::TEXT, Any::from(item.text.trim())),
                    (key::DONE, Any::Bool(item.done)),
                ]
                .into_iter()
                .collect();
                list.insert(txn, at, prelim);
            }
            Ok(())
        })
    }
}

fn mismatch_len() -> ModelError {
    not_restorable("checklist too long")
}
