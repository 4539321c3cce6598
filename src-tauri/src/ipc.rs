//! The IPC contract with the UI: command arguments and results, board patches and errors.
//! TypeScript declarations of these types are generated (`bindings.rs`) into
//! `ui/src/ipc/bindings/`, and a test fails when the committed ones are stale.

use board_model::{ColumnView, LabelView, ModelError, TaskView};
use board_store::StoreError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Name of the event that carries [`BoardPatchEvent`]s.
pub const BOARD_PATCH_EVENT: &str = "board-patch";

/// A board as listed in the sidebar.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BoardSummary {
    pub id: String,
    pub title: String,
    pub created_at: i64,
}

/// Where a task goes within its column, or a column within the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Place {
    Top,
    Bottom,
    /// Just before the task (or column) `id`.
    Before {
        id: String,
    },
    /// Just after the task (or column) `id`.
    After {
        id: String,
    },
}

impl From<Place> for board_model::Place {
    fn from(place: Place) -> Self {
        match place {
            Place::Top => Self::Top,
            Place::Bottom => Self::Bottom,
            Place::Before { id } => Self::Before(id),
            Place::After { id } => Self::After(id),
        }
    }
}

/// Every change the UI can make to a board; each is one undo step.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum BoardOp {
    RenameBoard {
        title: String,
    },
    /// Returns the new column's id.
    AddColumn {
        title: String,
        wip: Option<u32>,
        place: Place,
    },
    RenameColumn {
        column_id: String,
        title: String,
    },
    MoveColumn {
        column_id: String,
        place: Place,
    },
    /// `null` removes the limit. The limit is shown, never enforced.
    SetWipLimit {
        column_id: String,
        wip: Option<u32>,
    },
    SetColumnArchived {
        column_id: String,
        archived: bool,
    },
    /// Deletes the column and its tasks.
    DeleteColumn {
        column_id: String,
    },
    /// Returns the new task's id.
    AddTask {
        column_id: String,
        title: String,
        place: Place,
        description: Option<String>,
    },
    SetTaskTitle {
        task_id: String,
        title: String,
    },
    /// Replaces the whole description; the model turns it into a minimal Y.Text edit.
    SetDescription {
        task_id: String,
        text: String,
    },
    /// One splice of the description; `at` and `delete` count UTF-8 bytes of the current text
    /// and must fall on character boundaries.
    EditDescription {
        task_id: String,
        at: u32,
        delete: u32,
        insert: String,
    },
    MoveTask {
        task_id: String,
        column_id: String,
        place: Place,
    },
    SetTaskArchived {
        task_id: String,
        archived: bool,
    },
    DeleteTask {
        task_id: String,
    },
    SetTaskLabel {
        task_id: String,
        label_id: String,
        present: bool,
    },
    SetTaskAssignee {
        task_id: String,
        user_id: String,
        present: bool,
    },
    /// `due` is an ISO 8601 date (`2026-12-01`) or `null`.
    SetDue {
        task_id: String,
        due: Option<String>,
    },
    /// Returns the new label's id. `color` is `#rrggbb`; one is picked when `null`.
    AddLabel {
        name: String,
        color: Option<String>,
    },
    UpdateLabel {
        label_id: String,
        name: Option<String>,
        color: Option<String>,
    },
    DeleteLabel {
        label_id: String,
    },
    AddChecklistItem {
        task_id: String,
        text: String,
    },
    SetChecklistItemDone {
        task_id: String,
        index: u32,
        done: bool,
    },
    EditChecklistItem {
        task_id: String,
        index: u32,
        text: String,
    },
    RemoveChecklistItem {
        task_id: String,
        index: u32,
    },
}

/// What an operation made: the new column's, task's or label's id, if it made one.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OpResult {
    pub created_id: Option<String>,
}

/// One change to what the UI shows. Patches in an event apply in order: board meta and labels,
/// then columns, then tasks. Archived tasks and columns are removed from view, not upserted.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Patch {
    BoardMeta {
        title: String,
    },
    /// The whole label catalogue, by name (it is small).
    LabelsReplaced {
        labels: Vec<LabelView>,
    },
    /// A live column's header (its `tasks` is always empty here; tasks come as task patches).
    ColumnUpserted {
        column: ColumnView,
    },
    ColumnRemoved {
        column_id: String,
    },
    /// A live task, shown in `columnId` (normally `task.column`; a task whose column was
    /// deleted concurrently shows in the first live column), ordered by `(rank, id)`.
    TaskUpserted {
        column_id: String,
        task: TaskView,
    },
    TaskRemoved {
        task_id: String,
    },
}

/// Payload of the `board-patch` event.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BoardPatchEvent {
    pub board_id: String,
    pub patches: Vec<Patch>,
}

/// What kind of failure a command had, for the UI to choose a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    /// No such board, column, task, label or checklist item.
    NotFound,
    /// A value the board does not accept (empty title, bad date, bad colour, bad place).
    Invalid,
    /// The local store could not be read or written; nothing was changed.
    Storage,
}

/// Every command's error: `{kind, message}`, the message fit to show to the user.
#[derive(Debug, Clone, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub kind: ErrorKind,
    pub message: String,
}

impl IpcError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Invalid,
            message: message.into(),
        }
    }
}

impl From<ModelError> for IpcError {
    fn from(err: ModelError) -> Self {
        let kind = match err {
            ModelError::UnknownColumn(_)
            | ModelError::UnknownTask(_)
            | ModelError::UnknownLabel(_)
            | ModelError::UnknownChecklistItem { .. } => ErrorKind::NotFound,
            _ => ErrorKind::Invalid,
        };
        Self {
            kind,
            message: err.to_string(),
        }
    }
}

impl From<StoreError> for IpcError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Model(model) => model.into(),
            StoreError::UnknownBoard(_) => Self {
                kind: ErrorKind::NotFound,
                message: err.to_string(),
            },
            other => {
                tracing::error!(err = %other, "store failure");
                Self {
                    kind: ErrorKind::Storage,
                    message: other.to_string(),
                }
            }
        }
    }
}
