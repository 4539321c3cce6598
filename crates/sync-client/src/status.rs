//! What a user is told about sync, per board and overall.

use std::collections::{BTreeMap, BTreeSet};

use board_store::LocalAccess;

use crate::problem::SyncProblem;

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
    /// Needs a person, or an explanation: read-only, access revoked, session ended, ...
    Problem(SyncProblem),
}

impl Status {
    /// Local changes in the outbox, not acknowledged by the relay (for a problem: those it
    /// keeps from being sent).
    pub fn pending(&self) -> u64 {
        match self {
            Status::Offline { pending } | Status::Syncing { pending } => *pending,
            Status::Problem(problem) => problem.unsaved(),
            _ => 0,
        }
    }

    pub fn problem(&self) -> Option<&SyncProblem> {
        match self {
            Status::Problem(problem) => Some(problem),
            _ => None,
        }
    }

    /// A problem other than read-only: nothing of this board syncs.
    pub fn is_error(&self) -> bool {
        self.problem()
            .is_some_and(|p| !matches!(p, SyncProblem::ReadOnly { .. }))
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Offline { pending } => write!(f, "offline ({pending} pending, saved locally)"),
            Status::Connecting => write!(f, "connecting"),
            Status::Syncing { pending } => write!(f, "syncing ({pending} pending)"),
            Status::Synced => write!(f, "synced"),
            Status::Problem(problem) => f.write_str(&problem.sentence()),
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
    /// Connected or connecting to the relay (what [`StatusReport::from_boards`] was told).
    pub connected: bool,
}

impl Default for StatusReport {
    fn default() -> Self {
        Self::from_boards(BTreeMap::new(), false)
    }
}

impl StatusReport {
    /// The summary of every board's status: the first error (anything but read-only) wins,
    /// then read-only (counting every read-only board's unsaved changes), offline, connecting,
    /// synced (nothing subscribed counts as synced: nothing waits), syncing.
    pub fn from_boards(boards: BTreeMap<String, Status>, connected: bool) -> Self {
        let pending: u64 = boards.values().map(Status::pending).sum();
        let unsaved: u64 = boards
            .values()
            .filter_map(|s| match s {
                Status::Problem(SyncProblem::ReadOnly { unsaved }) => Some(*unsaved),
                _ => None,
            })
            .sum();
        let overall = if let Some(error) = boards.values().find(|s| s.is_error()) {
            error.clone()
        } else if unsaved > 0 {
            Status::Problem(SyncProblem::ReadOnly { unsaved })
        } else if boards.is_empty() {
            Status::Synced
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
            connected,
        }
    }

    /// The same report without some boards (ones the application has stopped caring about,
    /// such as a board whose access ended), summarised by the same rules.
    pub fn without(&self, boards: &BTreeSet<String>) -> Self {
        let kept = self
            .boards
            .iter()
            .filter(|(id, _)| !boards.contains(*id))
            .map(|(id, status)| (id.clone(), status.clone()))
            .collect();
        let mut report = Self::from_boards(kept, self.connected);
        report.readonly = self.readonly.difference(boards).cloned().collect();
        report
    }

    /// My access to `board` as the relay showed it on this connection, given the access the
    /// store recorded: revoked → `Removed`; served read-only → `Viewer`; served read-write →
    /// `Editor` (an `Owner` stays one). `None` when the report shows nothing to record (not
    /// live, a board never shared served read-write, or one whose membership ended).
    pub fn granted_access(
        &self,
        board: &str,
        recorded: Option<LocalAccess>,
    ) -> Option<LocalAccess> {
        let status = self.boards.get(board)?;
        if status.problem().is_some_and(SyncProblem::ends_access) {
            return Some(LocalAccess::Removed);
        }
        // A viewer whose last edits raced the downgrade is live too: the relay refused them
        // and the client keeps them (read-only).
        let live = matches!(
            status,
            Status::Synced | Status::Syncing { .. } | Status::Problem(SyncProblem::ReadOnly { .. })
        );
        match recorded {
            _ if !live => None,
            Some(LocalAccess::Removed) => None,
            _ if self.readonly.contains(board) => Some(LocalAccess::Viewer),
            Some(LocalAccess::Owner) => Some(LocalAccess::Owner),
            Some(LocalAccess::Editor | LocalAccess::Viewer) => Some(LocalAccess::Editor),
            None => None,
        }
    }

    /// Every board synced, read-only with unsaved changes, or failed: a one-shot sync is over.
    pub fn settled(&self) -> bool {
        self.boards
            .values()
            .all(|s| matches!(s, Status::Synced | Status::Problem(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_only(unsaved: u64) -> Status {
        Status::Problem(SyncProblem::ReadOnly { unsaved })
    }

    #[test]
    fn changes_kept_read_only_outrank_everything_but_an_error_and_end_a_one_shot_sync() {
        let boards = BTreeMap::from([
            ("a".to_owned(), read_only(2)),
            ("b".to_owned(), Status::Syncing { pending: 1 }),
            ("c".to_owned(), read_only(1)),
        ]);
        let report = StatusReport::from_boards(boards, true);
        assert_eq!(report.overall, read_only(3));
        assert_eq!(
            report.overall.to_string(),
            "Read-only access: 3 local changes could not be saved to the server and are kept \
             on this computer"
        );
        assert_eq!(report.overall.pending(), 3);
        assert!(!report.settled(), "b still waits for its answer");

        let boards = BTreeMap::from([
            ("a".to_owned(), read_only(1)),
            ("b".to_owned(), Status::Synced),
        ]);
        assert!(StatusReport::from_boards(boards, true).settled());
    }

    #[test]
    fn an_error_outranks_read_only_and_a_report_without_it_is_summarised_alike() {
        let boards = BTreeMap::from([
            ("a".to_owned(), read_only(2)),
            ("b".to_owned(), Status::Problem(SyncProblem::AccessRevoked)),
            ("c".to_owned(), Status::Syncing { pending: 1 }),
        ]);
        let mut report = StatusReport::from_boards(boards, true);
        report.readonly.insert("a".to_owned());
        assert_eq!(report.overall, Status::Problem(SyncProblem::AccessRevoked));
        let without = report.without(&BTreeSet::from(["b".to_owned()]));
        assert_eq!(without.overall, read_only(2));
        assert!(without.readonly.contains("a"));
        let without = report.without(&BTreeSet::from(["a".to_owned(), "b".to_owned()]));
        assert_eq!(without.overall, Status::Syncing { pending: 1 });
        assert!(without.readonly.is_empty());
        let nothing = report.without(&report.boards.keys().cloned().collect());
        assert_eq!(
            nothing.overall,
            Status::Synced,
            "nothing subscribed, nothing waits"
        );
    }

    #[test]
    fn the_access_granted_follows_the_relay_and_never_widens_a_removed_board() {
        use LocalAccess::{Editor, Owner, Removed, Viewer};
        let boards = BTreeMap::from([
            (
                "revoked".to_owned(),
                Status::Problem(SyncProblem::AccessRevoked),
            ),
            ("viewing".to_owned(), read_only(1)),
            ("writing".to_owned(), Status::Synced),
            ("offline".to_owned(), Status::Offline { pending: 0 }),
        ]);
        let mut report = StatusReport::from_boards(boards, true);
        report.readonly.insert("viewing".to_owned());
        assert_eq!(
            report.granted_access("revoked", Some(Editor)),
            Some(Removed)
        );
        assert_eq!(report.granted_access("viewing", Some(Editor)), Some(Viewer));
        assert_eq!(report.granted_access("viewing", Some(Removed)), None);
        assert_eq!(report.granted_access("writing", Some(Viewer)), Some(Editor));
        assert_eq!(report.granted_access("writing", Some(Owner)), Some(Owner));
        assert_eq!(report.granted_access("writing", None), None);
        assert_eq!(report.granted_access("offline", Some(Viewer)), None);
        assert_eq!(report.granted_access("unknown", Some(Viewer)), None);
    }
}
