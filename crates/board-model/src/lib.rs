//! The Tack board document (DESIGN §1) on yrs: typed operations, a read model, change
//! observation and per-replica undo.
//!
//! `board-model` knows nothing of SQLite, tokio, sockets or Tauri: bytes in, bytes out.

// Set here, not in [workspace.lints]: cargo cannot add a lint to an inherited table, and
// the workspace-wide lint would fire in crates other work is reshaping.
#![warn(unreachable_pub)]

mod board;
pub mod concerns;
pub mod conflicts;
pub mod due;
mod error;
pub mod ids;
pub mod query;
pub mod rank;
mod task_index;
mod undo_state;
mod view;

pub use board::{
    attachment_hashes, attachment_hashes_in_update, is_sha256_hex, mentions, seen_covers,
    show_mentions, sort_view, validate_color, Attachment, AuthorChange, Board, ChangeSet,
    CommentAction, CommentAuthors, CommentChange, CopiedComment, CopiedLabel, FieldValue,
    HistoryField, HistoryRecorder, NewAttachment, NewTask, PasteOptions, Place, ReplicaConfig,
    SavedView, TaskChange, TaskCopy, ViewSettings, GROUP_KEYS, LOCAL_ORIGIN, MAX_COMMENT_BYTES,
    MAX_HISTORY_VALUE_BYTES, MAX_VIEWS, MAX_VIEW_NAME_BYTES, REMOTE_ORIGIN, SCHEMA_VERSION,
    SORT_KEYS, THUMBNAIL_MIMES,
};
pub use concerns::{
    derive_concerns, CommentFacts, Concern, ConcernKind, ConcernSources, DueSoon, TaskFacts,
    DUE_SOON_WINDOW_MS,
};
pub use conflicts::{ConflictTracker, FieldConflict};
pub use due::{parse_due_input, validate_due, Due};
pub use error::{ModelError, Result};
pub use ids::Sources;
pub use view::{BoardView, ChecklistItem, ColumnView, CommentView, LabelView, TaskView};
