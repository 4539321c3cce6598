//! The sync indicator: sync-client's per-board status and its summary, shown. The summary and
//! every problem's sentence are sync-client's (shared with `tackctl`); this module only words
//! the plain states and keeps reconnect attempts from flickering.

use std::collections::BTreeSet;

use board_store::LocalAccess;
use sync_client::{Status, StatusReport, SyncProblem};

use super::{access, lock, presence, AppEvent, Collab, CollabContext};
use crate::ipc::{BoardSyncState, SyncKind, SyncState, SyncStatusEvent};

impl Collab {
    /// The current sync status (the UI listens to `sync-status` afterwards).
    pub fn sync_status(&self) -> SyncStatusEvent {
        if let Some(status) = self.context.state().last_status.clone() {
            return status;
        }
        status_event(&self.context, None)
    }

    /// Local changes of shared boards not acknowledged by the relay (the outboxes').
    pub fn pending(&self) -> Unsent {
        let session = lock(&self.context.session);
        let store = session.store();
        unsent(&store)
    }

    pub(super) fn publish_status(&self, report: Option<&StatusReport>) {
        publish_status(&self.context, report);
    }
}

/// Records role changes the relay reports, then emits the status (and access changes).
pub(super) fn publish_status(context: &CollabContext, report: Option<&StatusReport>) {
    if let Some(report) = report {
        access::track_access(context, report);
        if !report.connected {
            // Disconnected: nobody is known to be here any more.
            let boards: Vec<String> = {
                let mut state = context.state();
                let boards = state
                    .peers
                    .iter()
                    .filter(|(_, peers)| !peers.is_empty())
                    .map(|(board, _)| board.clone())
                    .collect();
                state.peers.clear();
                boards
            };
            for board in boards {
                presence::emit_presence(context, &board);
            }
        }
    }
    let mut event = status_event(context, report);
    let changed = {
        let mut state = context.state();
        if let Some(last) = &state.last_status {
            steady_offline(&mut event, last);
        }
        let changed = state.last_status.as_ref() != Some(&event);
        state.last_status = Some(event.clone());
        changed
    };
    if changed {
        context.sink.emit(AppEvent::Status(event));
    }
}

/// Reconnect attempts while offline are not news: "Offline — n changes…" stays up until a
/// connection is made (no flicker through "Connecting…" every backoff step, and no event).
fn steady_offline(event: &mut SyncStatusEvent, last: &SyncStatusEvent) {
    let was_offline = |s: &SyncState| s.kind == SyncKind::Offline;
    if event.overall.kind == SyncKind::Connecting && was_offline(&last.overall) {
        event.overall = last.overall.clone();
    }
    for board in &mut event.boards {
        let before = last.boards.iter().find(|b| b.board_id == board.board_id);
        if let Some(before) = before {
            if board.state.kind == SyncKind::Connecting && was_offline(&before.state) {
                board.state = before.state.clone();
            }
        }
    }
}

/// The app's indicator and each shared board's, with the exact strings the UI shows.
fn status_event(context: &CollabContext, report: Option<&StatusReport>) -> SyncStatusEvent {
    let signed_in = context.state().account.is_some();
    let Some(report) = report.filter(|_| signed_in) else {
        return SyncStatusEvent {
            overall: state(SyncKind::SignedOut, 0, kind_text(SyncKind::SignedOut, 0)),
            boards: Vec::new(),
        };
    };
    let mut boards = Vec::new();
    // A board whose membership ended keeps its copy and says so; it no longer counts in the
    // app's indicator (it is unsubscribed as soon as its access is recorded).
    let mut removed = BTreeSet::new();
    for (board_id, status) in &report.boards {
        let access = lock(&context.session)
            .store()
            .board(board_id)
            .ok()
            .flatten()
            .and_then(|record| record.access());
        let sync_state = if access == Some(LocalAccess::Removed) {
            removed.insert(board_id.clone());
            board_state(&Status::Problem(SyncProblem::AccessRevoked))
        } else {
            board_state(status)
        };
        boards.push(BoardSyncState {
            board_id: board_id.clone(),
            state: sync_state,
            role: access.and_then(LocalAccess::role),
            read_only: access.is_some_and(|access| !access.can_write()),
            read_only_reason: access
                .and_then(LocalAccess::read_only_reason)
                .map(str::to_owned),
        });
    }
    let summary = report.without(&removed);
    let mut overall = board_state(&summary.overall);
    if overall.kind == SyncKind::ReadOnly {
        // The app's number is every shared board's outbox; the sentence counts what the
        // read-only boards could not save.
        overall.pending = summary.boards.values().map(Status::pending).sum();
    }
    SyncStatusEvent { overall, boards }
}

fn state(kind: SyncKind, pending: u64, text: String) -> SyncState {
    SyncState {
        kind,
        pending,
        text,
    }
}

fn changes(n: u64) -> String {
    if n == 1 {
        "1 change".to_owned()
    } else {
        format!("{n} changes")
    }
}

/// The words for the plain states; problems have their own sentences (`SyncProblem`).
pub fn kind_text(kind: SyncKind, pending: u64) -> String {
    match kind {
        SyncKind::Offline if pending == 0 => {
            "Offline — all changes saved on this computer".to_owned()
        }
        SyncKind::Offline => format!("Offline — {} saved on this computer", changes(pending)),
        SyncKind::Syncing if pending == 0 => "Syncing changes".to_owned(),
        SyncKind::Syncing => format!("Syncing {}", changes(pending)),
        SyncKind::Synced => "Synced".to_owned(),
        SyncKind::Connecting => "Connecting…".to_owned(),
        SyncKind::SignedOut => "Signed out — sign in to sync".to_owned(),
        SyncKind::Local => "On this computer only".to_owned(),
        SyncKind::ReadOnly | SyncKind::Error => "Sync error".to_owned(),
    }
}

/// One board's indicator from the sync client's status.
pub fn board_state(status: &Status) -> SyncState {
    let plain = |kind: SyncKind, pending: u64| state(kind, pending, kind_text(kind, pending));
    match status {
        Status::Offline { pending } => plain(SyncKind::Offline, *pending),
        Status::Connecting => plain(SyncKind::Connecting, 0),
        Status::Syncing { pending } => plain(SyncKind::Syncing, *pending),
        Status::Synced => plain(SyncKind::Synced, 0),
        Status::Problem(problem @ SyncProblem::ReadOnly { unsaved }) => {
            state(SyncKind::ReadOnly, *unsaved, problem.sentence())
        }
        Status::Problem(problem) => state(SyncKind::Error, status.pending(), problem.sentence()),
    }
}

/// Local changes of shared boards the relay has not acknowledged, as the window closes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unsent {
    /// On boards I may edit: they sync next time.
    pub sendable: u64,
    /// On boards I may no longer edit (a viewer's, or one whose access ended): they never will.
    pub stuck: u64,
}

impl Unsent {
    pub fn total(self) -> u64 {
        self.sendable + self.stuck
    }
}

/// What the store's outboxes hold, split by whether the board's access still lets them go.
pub fn unsent(store: &board_store::Store) -> Unsent {
    let Ok(boards) = store.list_boards() else {
        return Unsent::default();
    };
    let mut unsent = Unsent::default();
    for record in boards.iter().filter(|record| record.server.is_some()) {
        let count = store.pending_count(&record.id).unwrap_or(0);
        if record.access().is_none_or(LocalAccess::can_write) {
            unsent.sendable += count;
        } else {
            unsent.stuck += count;
        }
    }
    unsent
}

/// Text of the close confirmation, `None` when nothing is pending. Changes on a board I may no
/// longer edit are said never to reach the server: they cannot.
pub fn close_text(unsent: Unsent) -> Option<String> {
    let Unsent { sendable, stuck } = unsent;
    let stuck_text = |n: u64| {
        if n == 1 {
            "1 change can never reach the server: you no longer have edit access to its board."
                .to_owned()
        } else {
            format!(
                "{n} changes can never reach the server: you no longer have edit access to \
                 their board."
            )
        }
    };
    match (sendable, stuck) {
        (0, 0) => None,
        (1, 0) => Some(
            "1 change has not reached the server yet. Close anyway? It is saved on this \
             computer and will sync next time."
                .to_owned(),
        ),
        (n, 0) => Some(format!(
            "{n} changes have not reached the server yet. Close anyway? They are saved on this \
             computer and will sync next time."
        )),
        (0, 1) => Some(format!(
            "{} Close anyway? It stays on this computer only.",
            stuck_text(1)
        )),
        (0, n) => Some(format!(
            "{} Close anyway? They stay on this computer only.",
            stuck_text(n)
        )),
        (n, k) => Some(format!(
            "{} not reached the server yet and will sync next time. {} Close anyway? All are \
             saved on this computer.",
            if n == 1 {
                "1 change has".to_owned()
            } else {
                format!("{n} changes have")
            },
            stuck_text(k)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_strings_are_the_ones_the_ui_shows() {
        assert_eq!(board_state(&Status::Synced).text, "Synced");
        assert_eq!(
            board_state(&Status::Syncing { pending: 1 }).text,
            "Syncing 1 change"
        );
        assert_eq!(
            board_state(&Status::Syncing { pending: 3 }).text,
            "Syncing 3 changes"
        );
        assert_eq!(
            board_state(&Status::Offline { pending: 2 }).text,
            "Offline — 2 changes saved on this computer"
        );
        let revoked = board_state(&Status::Problem(SyncProblem::AccessRevoked));
        assert_eq!(revoked.kind, SyncKind::Error);
        assert_eq!(
            revoked.text,
            "Access removed — your copy stays on this computer, read-only"
        );
        let ended = board_state(&Status::Problem(SyncProblem::SessionEnded));
        assert_eq!(ended.text, "Session ended — sign in again");
        let read_only = board_state(&Status::Problem(SyncProblem::ReadOnly { unsaved: 2 }));
        assert_eq!(read_only.kind, SyncKind::ReadOnly);
        assert_eq!(read_only.pending, 2);
        assert_eq!(
            read_only.text,
            "Read-only access: 2 local changes could not be saved to the server and are kept \
             on this computer"
        );
        let unsent = |sendable, stuck| Unsent { sendable, stuck };
        assert_eq!(close_text(unsent(0, 0)), None);
        assert_eq!(
            close_text(unsent(1, 0)).as_deref(),
            Some(
                "1 change has not reached the server yet. Close anyway? It is saved on this \
                 computer and will sync next time."
            )
        );
        assert!(close_text(unsent(5, 0)).is_some_and(|t| t.starts_with(
            "5 changes have not reached the server yet. Close anyway? They are saved on this \
             computer and will sync next time."
        )));
        // A viewer's (or removed member's) changes will not sync: the dialog does not say so.
        let stuck = close_text(unsent(0, 2)).unwrap_or_default();
        assert!(stuck.starts_with("2 changes can never reach the server"));
        assert!(!stuck.contains("will sync"));
        let both = close_text(unsent(1, 1)).unwrap_or_default();
        assert!(both.starts_with(
            "1 change has not reached the server yet and will sync next time. 1 change can never"
        ));
    }

    /// The words of the indicator (the UI shows them as given).
    #[test]
    fn indicator_sentences() {
        assert_eq!(kind_text(SyncKind::Syncing, 0), "Syncing changes");
        assert_eq!(kind_text(SyncKind::Syncing, 12), "Syncing 12 changes");
        assert_eq!(
            kind_text(SyncKind::Offline, 1),
            "Offline — 1 change saved on this computer"
        );
        assert_eq!(
            kind_text(SyncKind::Offline, 0),
            "Offline — all changes saved on this computer"
        );
        assert_eq!(
            kind_text(SyncKind::SignedOut, 4),
            "Signed out — sign in to sync"
        );
        assert_eq!(kind_text(SyncKind::Local, 0), "On this computer only");
        assert_eq!(
            super::super::conflict_text("alice@example.com", "title"),
            "alice@example.com changed the title at the same time; their version was kept."
        );
    }
}
