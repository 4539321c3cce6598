//! The one error type of `board-model`.

use crate::rank::RankError;

/// What can go wrong when reading or changing a board.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("no column {0}")]
    UnknownColumn(String),
    #[error("no task {0}")]
    UnknownTask(String),
    #[error("no label {0}")]
    UnknownLabel(String),
    #[error("no saved view {0}")]
    UnknownView(String),
    #[error("no comment {0}")]
    UnknownComment(String),
    #[error("comment {0} was written by someone else; only its author can change it")]
    NotCommentAuthor(String),
    #[error("task {task} is not in column {column}")]
    AnchorNotInColumn { task: String, column: String },
    #[error("a task cannot be placed relative to itself")]
    SelfAnchor,
    #[error("task {task} has no checklist item {index}")]
    UnknownChecklistItem { task: String, index: u32 },
    #[error("invalid {field}: {reason}")]
    InvalidValue { field: &'static str, reason: String },
    #[error("update rejected: {0}")]
    BadUpdate(String),
    #[error("update from client {client} starts at clock {starts_at} but only {have} are known; resync needed")]
    MissingHistory {
        client: u64,
        have: u32,
        starts_at: u32,
    },
    #[error("saved undo history is unreadable: {0}")]
    BadUndoState(String),
    #[error("rank: {0}")]
    Rank(#[from] RankError),
}

pub type Result<T, E = ModelError> = std::result::Result<T, E>;
