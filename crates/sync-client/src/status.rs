//! What a user is told about sync, per board and overall.

use std::collections::{BTreeMap, BTreeSet};

/// The sync state of one board (or of all of them together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Not connected; `pending` local changes are saved and wait in the outbox.
    Offline { pending: u64 },
    /// Connecting, authenticating or exchanging state vectors.
    Connecting,
    /// Connected; `pending` local changes are not acknowledged (durable on the relay) yet.
    Syncing { pending: u64 },
    /// Connected, handshake done, every local change acknowledged.
    Synced,
    /// Needs a person: access denied, read-only with local changes, incompatible server, ...
    Error { reason: String },
}

impl Status {
    pub fn pending(&self) -> u64 {
        match self {
            Status::Offline { pending } | Status::Syncing { pending } => *pending,
            _ => 0,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Offline { pending } => write!(f, "offline ({pending} pending, saved locally)"),
            Status::Connecting => write!(f, "connecting"),
            Status::Syncing { pending } => write!(f, "syncing ({pending} pending)"),
            Status::Synced => write!(f, "synced"),
            Status::Error { reason } => write!(f, "error: {reason}"),
        }
    }
}

/// Every subscribed board's status and their summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub overall: Status,
    pub boards: BTreeMap<String, Status>,
    /// Boards the relay granted read-only access on the current connection (viewers). It
    /// follows live role changes: the relay re-sends `Authenticated` with the new scope.
    pub readonly: BTreeSet<String>,
}

impl Default for StatusReport {
    fn default() -> Self {
        Self {
            overall: Status::Offline { pending: 0 },
            boards: BTreeMap::new(),
            readonly: BTreeSet::new(),
        }
    }
}

impl StatusReport {
    pub fn from_boards(boards: BTreeMap<String, Status>, connected: bool) -> Self {
        let pending: u64 = boards.values().map(Status::pending).sum();
        let overall = if let Some(reason) = boards.values().find_map(|s| match s {
            Status::Error { reason } => Some(reason.clone()),
            _ => None,
        }) {
            Status::Error { reason }
        } else if !connected {
            Status::Offline { pending }
        } else if boards.values().any(|s| *s == Status::Connecting) {
            Status::Connecting
        } else if boards.values().all(|s| *s == Status::Synced) {
            Status::Synced
        } else {
            Status::Syncing { pending }
        };
        Self {
            overall,
            boards,
            readonly: BTreeSet::new(),
        }
    }

    /// Every board synced or failed: a one-shot sync is over.
    pub fn settled(&self) -> bool {
        self.boards
            .values()
            .all(|s| matches!(s, Status::Synced | Status::Error { .. }))
    }
}
