//! A task's history as a person sees it (DESIGN "History"), one source for `tackctl` and the
//! desktop: on a board never shared, this profile's own changes (`l<id>`); on a shared one,
//! my changes the relay has not acknowledged yet, then the relay's history named after each
//! author (`r<seq>.<n>`), or that page as last fetched when the relay is out of reach.

use board_model::{Board, CommentAction, FieldValue, HistoryField};
use tack_api::TaskChangeEntry;

use crate::people::Directory;
use crate::{CachedRelayChange, LocalChange, Store, StoreError, MAX_HISTORY_PAGE};

/// One change as shown, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownChange {
    /// `l<id>` (mine, in this store) or `r<seq>.<n>` (the relay's).
    pub id: String,
    pub task: String,
    pub field: HistoryField,
    pub value: FieldValue,
    /// Cut to `board_model::MAX_HISTORY_VALUE_BYTES`: shown, never restored.
    pub truncated: bool,
    /// The author's member id; `None`: me (this profile's own change).
    pub author: Option<String>,
    pub at_ms: i64,
    /// The relay has it (always true on a board never shared).
    pub synced: bool,
}

impl ShownChange {
    pub fn local(change: LocalChange, shared: bool) -> Self {
        Self {
            id: format!("l{}", change.id),
            task: change.task,
            field: change.field,
            value: change.value,
            truncated: change.truncated,
            author: None,
            at_ms: change.at_ms,
            synced: !shared || change.acknowledged,
        }
    }

    /// `None` for an entry this build cannot read (a newer field or value shape).
    pub fn relay(entry: TaskChangeEntry) -> Option<Self> {
        Some(Self {
            field: HistoryField::parse(&entry.field)?,
            value: serde_json::from_value(entry.value).ok()?,
            id: format!("r{}", entry.id),
            task: entry.task_id,
            truncated: entry.truncated,
            author: entry.author_id,
            at_ms: entry.at_ms,
            synced: true,
        })
    }

    /// A relay entry as last fetched.
    pub fn cached(entry: CachedRelayChange, task: &str) -> Option<Self> {
        Self::relay(TaskChangeEntry {
            at_ms: entry.at_ms,
            author_id: entry.author_id,
            field: entry.field,
            id: entry.id,
            task_id: task.to_owned(),
            truncated: entry.truncated,
            value: serde_json::from_str(&entry.value).ok()?,
        })
    }

    /// Whether restoring it brings a value back (DESIGN "History": not a cut value, not a
    /// task's creation or deletion, not a comment).
    pub fn restorable(&self) -> bool {
        !self.truncated
            && !matches!(
                self.field,
                HistoryField::Created | HistoryField::Deleted | HistoryField::Comment
            )
    }
}

/// What the relay answered for the first page of a task's history.
pub type RelayAnswer = Result<Vec<TaskChangeEntry>, String>;

/// The first page of a task's history, and a sentence when it is not the relay's fresh one.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstPage {
    pub changes: Vec<ShownChange>,
    /// Why the relay's history is not shown as it is now ("… unavailable (why); showing …").
    pub note: Option<String>,
}

impl Store {
    /// The first page of a task's history: `relay` is `None` on a board never shared, else
    /// what the relay answered (a fresh page is cached, so names show offline).
    pub fn first_history_page(
        &mut self,
        board: &str,
        task: &str,
        relay: Option<RelayAnswer>,
        limit: u32,
    ) -> Result<FirstPage, StoreError> {
        let limit = limit.clamp(1, MAX_HISTORY_PAGE);
        let Some(answer) = relay else {
            let changes = self
                .task_history(board, task, None, limit)?
                .into_iter()
                .map(|c| ShownChange::local(c, false))
                .collect();
            return Ok(FirstPage {
                changes,
                note: None,
            });
        };
        let unacknowledged = |store: &Store| -> Result<Vec<ShownChange>, StoreError> {
            Ok(store
                .task_history(board, task, None, MAX_HISTORY_PAGE)?
                .into_iter()
                .filter(|c| !c.acknowledged)
                .map(|c| ShownChange::local(c, true))
                .collect())
        };
        match answer {
            Ok(page) => {
                let cached: Vec<CachedRelayChange> = page
                    .iter()
                    .map(|entry| CachedRelayChange {
                        id: entry.id.clone(),
                        field: entry.field.clone(),
                        value: entry.value.to_string(),
                        truncated: entry.truncated,
                        author_id: entry.author_id.clone(),
                        at_ms: entry.at_ms,
                    })
                    .collect();
                self.cache_relay_history(board, task, &cached)?;
                let mut changes = unacknowledged(self)?;
                changes.extend(page.into_iter().filter_map(ShownChange::relay));
                Ok(FirstPage {
                    changes,
                    note: None,
                })
            }
            Err(why) => {
                let cached = self.cached_relay_history(board, task)?;
                if cached.is_empty() {
                    let changes = self
                        .task_history(board, task, None, limit)?
                        .into_iter()
                        .map(|c| ShownChange::local(c, true))
                        .collect();
                    return Ok(FirstPage {
                        changes,
                        note: Some(format!(
                            "the relay's history of this task is unavailable ({why}); showing this computer's own changes"
                        )),
                    });
                }
                let mut changes = unacknowledged(self)?;
                changes.extend(
                    cached
                        .into_iter()
                        .filter_map(|c| ShownChange::cached(c, task)),
                );
                Ok(FirstPage {
                    changes,
                    note: Some(format!(
                        "the relay's history of this task is unavailable ({why}); showing it as last fetched"
                    )),
                })
            }
        }
    }
}

/// How a value reads in one line: names for ids, short texts.
pub fn describe_value(
    board: &Board,
    people: &Directory,
    field: HistoryField,
    value: &FieldValue,
) -> String {
    let short = |text: &str| {
        let line = text.lines().next().unwrap_or("");
        let mut cut: String = line.chars().take(60).collect();
        if cut.len() < text.len() {
            cut.push('…');
        }
        format!("{cut:?}")
    };
    match (field, value) {
        (HistoryField::Column, FieldValue::Text(id)) => board
            .columns()
            .into_iter()
            .find(|c| c.id == *id)
            .map_or_else(
                || format!("(deleted column {id})"),
                |c| format!("{:?}", c.title),
            ),
        (HistoryField::Labels, FieldValue::Ids(ids)) => {
            let labels = board.labels();
            let names: Vec<String> = ids
                .iter()
                .map(|id| {
                    labels
                        .iter()
                        .find(|l| l.id == *id)
                        .map_or_else(|| "(deleted label)".to_owned(), |l| l.name.clone())
                })
                .collect();
            format!("[{}]", names.join(", "))
        }
        (HistoryField::Assignees, FieldValue::Ids(ids)) => {
            let names: Vec<String> = ids
                .iter()
                .map(|id| {
                    people
                        .get(id)
                        .map_or_else(|| format!("{id:?}"), |e| e.name.clone())
                })
                .collect();
            format!("[{}]", names.join(", "))
        }
        (_, FieldValue::Checklist(items)) => {
            let done = items.iter().filter(|i| i.done).count();
            format!("{} items, {done} done", items.len())
        }
        (HistoryField::Checklist, FieldValue::Ids(_)) => "no items".to_owned(),
        (_, FieldValue::Comment(change)) => match change.action {
            CommentAction::Added => format!("added {}", short(&change.body)),
            CommentAction::Edited => format!("edited {}", short(&change.body)),
            CommentAction::Deleted => "deleted a comment".to_owned(),
        },
        (_, FieldValue::Text(text)) => short(text),
        (_, FieldValue::Flag(flag)) => flag.to_string(),
        (_, FieldValue::Absent) => "none".to_owned(),
        (_, FieldValue::Ids(ids)) => format!("[{}]", ids.join(", ")),
    }
}
