//! Boards shared with me while the app runs: while signed in, the relay's list of my boards
//! (`GET /v1/boards`) is asked for every few seconds (skipped while the sync client is known
//! to be offline; the relay has no push for it), and a board on it that this computer lacks is
//! downloaded by itself, so it appears in the board list with its real title within seconds,
//! reachable like any other. A board deleted on this computer is not downloaded again by itself
//! (`Store::deleted_here`); it stays on the "shared with me" list, to open by hand.

use std::collections::HashSet;
use std::time::Duration;

use super::{lock, AppEvent, Collab};
use crate::ipc::{BoardAccessEvent, SyncKind};

/// How often the relay is asked for the boards shared with me.
pub const SHARED_POLL: Duration = Duration::from_secs(3);

/// A board whose download failed is tried again after this many polls (about a minute).
const RETRY_TICKS: u32 = 20;

/// Runs until the sync client stops (the task is aborted with it).
pub(super) async fn watch_shared(collab: Collab) {
    let mut interval = tokio::time::interval(SHARED_POLL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Boards whose download failed are tried again after RETRY_TICKS, not on every tick.
    let mut failed: HashSet<String> = HashSet::new();
    let mut ticks: u32 = 0;
    loop {
        interval.tick().await;
        ticks = ticks.wrapping_add(1);
        if ticks % RETRY_TICKS == 0 {
            failed.clear();
        }
        if collab.known_offline() {
            continue;
        }
        let asking = collab.clone();
        let listed = tokio::task::spawn_blocking(move || {
            let (relay, _) = asking.relay().ok()?;
            relay.my_boards().ok()
        })
        .await;
        let Ok(Some(listed)) = listed else {
            continue;
        };
        for board in listed {
            if !collab.wants_download(&board.board_id) || failed.contains(&board.board_id) {
                continue;
            }
            let downloading = collab.clone();
            let id = board.board_id.clone();
            let opened =
                tokio::task::spawn_blocking(move || downloading.open_remote_board(&id)).await;
            match opened {
                Ok(Ok(summary)) => {
                    tracing::info!(board = %summary.id, "downloaded a board shared with me");
                    // The window re-reads its board list on access news.
                    collab.context.sink.emit(AppEvent::Access(BoardAccessEvent {
                        board_id: summary.id,
                        role: summary.role,
                        read_only: summary.read_only,
                        reason: summary.read_only_reason,
                    }));
                }
                Ok(Err(err)) => {
                    tracing::warn!(?err, board = %board.board_id, "could not download a shared board");
                    failed.insert(board.board_id);
                }
                Err(err) => tracing::error!(%err, "the download task failed"),
            }
        }
    }
}

impl Collab {
    /// The sync indicator says offline: asking the relay would only fail.
    pub(super) fn known_offline(&self) -> bool {
        let state = self.context.state();
        state.account.is_none()
            || state
                .last_status
                .as_ref()
                .is_some_and(|s| matches!(s.overall.kind, SyncKind::Offline | SyncKind::SignedOut))
    }

    /// A board listed as shared with me that this computer neither has nor deleted.
    fn wants_download(&self, board_id: &str) -> bool {
        let session = lock(&self.context.session);
        let store = session.store();
        let here = store.board(board_id).ok().flatten().is_some();
        !here && !store.deleted_here(board_id).unwrap_or(true)
    }
}
