//! The one error type of `board-store`: every failure names the file or board it concerns.

use std::path::PathBuf;

use crate::Seq;

/// Everything that can go wrong while opening or using a [`crate::Store`].
#[derive(thiserror::Error, Debug)]
pub enum StoreError {
    /// The file exists but was not written by Tack; it is left untouched.
    #[error("{} is not a Tack data file ({reason})", path.display())]
    NotATackStore { path: PathBuf, reason: String },

    /// The file was written by a newer Tack; this build will not downgrade or touch it.
    #[error(
        "{} was written by a newer version of Tack (schema version {found}, this build supports up to {supported}); update Tack to open it",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    /// The file is a Tack store whose contents are damaged (truncated, corrupted pages).
    #[error("{} is damaged and cannot be opened safely: {detail}", path.display())]
    Damaged { path: PathBuf, detail: String },

    /// A backup or restore would replace an existing file and was not asked to.
    #[error("{} already exists", path.display())]
    WouldOverwrite { path: PathBuf },

    /// A restore would replace a store another process (the desktop app, `tackctl sync
    /// --watch`) has open; nothing was changed.
    #[error("{} is in use by another program (the Tack app or tackctl); nothing was changed", path.display())]
    InUse { path: PathBuf },

    #[error("no board with id {0:?} in this store")]
    UnknownBoard(String),

    /// Downloaded bytes are not the attachment named: nothing was kept.
    #[error("the attachment's bytes have SHA-256 {found}, not {expected}; nothing was kept")]
    BlobMismatch { expected: String, found: String },

    /// A local edit of a board I may not write (viewer, or membership ended): refused before
    /// anything was stored, so it can never sit unsendable in the outbox.
    #[error("{}", read_only_text(board, *access))]
    ReadOnly {
        board: String,
        access: crate::LocalAccess,
    },

    #[error("no template {0:?} (see `tackctl template list`)")]
    UnknownTemplate(String),

    #[error("a board with id {0:?} already exists in this store")]
    BoardExists(String),

    /// A stored Yjs update (or snapshot, reported with the snapshot's `up_to_seq`) does not
    /// decode or apply.
    #[error("board {board:?}: stored update #{seq} is corrupt: {detail}")]
    CorruptUpdate {
        board: String,
        seq: Seq,
        detail: String,
    },

    /// Compaction refused: some stored updates build on ones not in the log yet, so a snapshot
    /// now would lose them. Nothing changed; compaction succeeds once the gap is filled.
    #[error("board {board:?} cannot be compacted yet: {detail}")]
    IncompleteHistory { board: String, detail: String },

    /// The board document refused an operation or stored bytes.
    #[error(transparent)]
    Model(#[from] board_model::ModelError),

    /// An imported plan could not be written into a board (`replica::import_new_board`).
    #[error(transparent)]
    Import(#[from] board_import::ImportError),

    #[error("SQLite error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn read_only_text(board: &str, access: crate::LocalAccess) -> String {
    if access == crate::LocalAccess::Removed {
        format!(
            "board {board:?} is read-only: your access to it ended (your copy stays on this \
             computer); nothing was changed"
        )
    } else {
        format!(
            "board {board:?} is read-only: you can view it but not edit it; nothing was changed"
        )
    }
}
