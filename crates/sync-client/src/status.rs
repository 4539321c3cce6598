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
    /// Connected, handshake done, the outbox empty: every local change acknowledged.
    Synced,
    /// The relay serves this board read-only to us, so `unsaved` local changes could not be
    /// saved to it (it answered SyncStatus 0); they stay in the outbox on this computer and
    /// are sent if write access comes back.
    ReadOnly { unsaved: u64 },
    /// Needs a person: access denied, channel closed, incompatible server, ...
    Error { reason: String },
}

impl Status {
    /// Local changes in the outbox, not acknowledged by the relay.
    pub fn pending(&self) -> u64 {
        match self {
            Status::Offline { pending } | Status::Syncing { pending } => *pending,
            Status::ReadOnly { unsaved } => *unsaved,
            _ => 0,
        }
    }
}

/// The one sentence every client shows for [`Status::ReadOnly`].
pub fn read_only_text(unsaved: u64) -> String {
    let changes = if unsaved == 1 {
        "1 local change could not be saved to the server and is".to_owned()
    } else {
        format!("{unsaved} local changes could not be saved to the server and are")
    };
    format!("Read-only access: {changes} kept on this computer")
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Offline { pending } => write!(f, "offline ({pending} pending, saved locally)"),
            Status::Connecting => write!(f, "connecting"),
            Status::Syncing { pending } => write!(f, "syncing ({pending} pending)"),
            Status::Synced => write!(f, "synced"),
            Status::ReadOnly { unsaved } => f.write_str(&read_only_text(*unsaved)),
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
        let unsaved: u64 = boards
            .values()
            .filter_map(|s| match s {
                Status::ReadOnly { unsaved } => Some(*unsaved),
                _ => None,
            })
            .sum();
        let overall = if let Some(reason) = boards.values().find_map(|s| match s {
            Status::Error { reason } => Some(reason.clone()),
            _ => None,
        }) {
            Status::Error { reason }
        } else if unsaved > 0 {
            Status::ReadOnly { unsaved }
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

    /// Every board synced, read-only with unsaved changes, or failed: a one-shot sync is over.
    pub fn settled(&self) -> bool {
        self.boards.values().all(|s| {
            matches!(
                s,
                Status::Synced | Status::ReadOnly { .. } | Status::Error { .. }
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_kept_read_only_outrank_everything_but_an_error_and_end_a_one_shot_sync() {
        let boards = BTreeMap::from([
            ("a".to_owned(), Status::ReadOnly { unsaved: 2 }),
            ("b".to_owned(), Status::Syncing { pending: 1 }),
            ("c".to_owned(), Status::ReadOnly { unsaved: 1 }),
        ]);
        let report = StatusReport::from_boards(boards, true);
        assert_eq!(report.overall, Status::ReadOnly { unsaved: 3 });
        assert_eq!(
            report.overall.to_string(),
            "Read-only access: 3 local changes could not be saved to the server and are kept \
             on this computer"
        );
        assert_eq!(report.overall.pending(), 3);
        assert!(!report.settled(), "b still waits for its answer");

        let boards = BTreeMap::from([
            ("a".to_owned(), Status::ReadOnly { unsaved: 1 }),
            ("b".to_owned(), Status::Synced),
        ]);
        assert!(StatusReport::from_boards(boards, true).settled());
    }
}
