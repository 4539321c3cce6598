//! Read marks that follow me across my devices (DESIGN §4 "Read marks"): while signed in, a
//! round of `tack_account::read_marks` runs at start, right after I mark inbox entries here,
//! and every [`READ_MARKS_POLL`] while online, so what I read offline goes up once I am back
//! and what I read on another device shows here within seconds. A round that changed entries
//! here tells the window (the `inbox` event), as new entries do. Never holds the store while
//! a request is on the network.

use std::time::Duration;

use tack_account::read_marks::{ReadMarksError, Round};

use super::{lock, Collab, CollabContext};

/// How often my other devices' marks are asked for while online (marking here sends at once).
pub const READ_MARKS_POLL: Duration = Duration::from_secs(15);

/// Runs until the sync client stops (the task is aborted with it).
pub(super) async fn watch_read_marks(collab: Collab) {
    let wake: fn(&CollabContext) -> &tokio::sync::Notify = |context| &context.read_marks_wake;
    super::rounds(collab, READ_MARKS_POLL, wake, "read marks", |collab| {
        // Offline or the relay busy: the next round tries again.
        if let Err(err) = collab.read_marks_round() {
            tracing::info!(%err, "read marks not synced this round");
        }
    })
    .await;
}

impl Collab {
    /// Sends my read marks soon (I just marked entries here).
    pub fn read_marks_soon(&self) {
        self.context.read_marks_wake.notify_one();
    }

    /// One round: my marks made here go to the relay, my other devices' marks come back.
    /// Signed out: nothing to do.
    pub fn read_marks_round(&self) -> Result<Round, ReadMarksError> {
        let Ok((relay, account)) = self.relay() else {
            return Ok(Round::default());
        };
        let store = lock(&self.context.session).shared_store();
        let round = tack_account::read_marks::sync(&store, &relay, &account)?;
        if round.changed > 0 {
            let notifications = self.context.state().notifications.clone();
            if let Some(notifications) = notifications {
                notifications.inbox_refreshed();
            }
        }
        Ok(round)
    }
}
