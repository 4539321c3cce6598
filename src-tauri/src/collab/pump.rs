//! The task that forwards what the sync client reports to the UI: status (with the access it
//! implies), remote updates applied to open boards as patches, awareness and conflicts.

use std::sync::Arc;

use sync_client::{AwarenessEvent, ConflictEvent, RemoteUpdate, StatusReport, SyncHandle};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};

use super::{lock, presence, status, AppEvent, CollabContext};

/// The sync client's channels the pump listens to.
pub(super) struct Receivers {
    status: watch::Receiver<StatusReport>,
    remote: broadcast::Receiver<RemoteUpdate>,
    awareness: broadcast::Receiver<AwarenessEvent>,
    conflicts: broadcast::Receiver<ConflictEvent>,
}

impl Receivers {
    pub(super) fn of(handle: &SyncHandle) -> Self {
        Self {
            status: handle.status(),
            remote: handle.remote_updates(),
            awareness: handle.awareness(),
            conflicts: handle.conflicts(),
        }
    }
}

/// Forwards what the sync client reports to the UI until the client stops.
pub(super) async fn pump(context: Arc<CollabContext>, receivers: Receivers) {
    let Receivers {
        mut status,
        mut remote,
        mut awareness,
        mut conflicts,
    } = receivers;
    let first = status.borrow_and_update().clone();
    status::publish_status(&context, Some(&first));
    loop {
        tokio::select! {
            changed = status.changed() => {
                if changed.is_err() {
                    return;
                }
                let report = status.borrow_and_update().clone();
                status::publish_status(&context, Some(&report));
            }
            update = remote.recv() => match update {
                Ok(update) => on_remote(&context, &update),
                Err(RecvError::Lagged(missed)) => {
                    // The store has every update; boards open here may be behind until reopened.
                    tracing::warn!(missed, "remote updates outpaced the UI");
                }
                Err(RecvError::Closed) => return,
            },
            event = awareness.recv() => match event {
                Ok(event) => presence::on_awareness(&context, event),
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            conflict = conflicts.recv() => match conflict {
                Ok(conflict) => presence::on_conflict(&context, conflict),
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
        }
    }
}

fn on_remote(context: &CollabContext, update: &RemoteUpdate) {
    // Me on the relay: what concerns me is derived only while I am known and notified.
    let (me, notifications) = {
        let state = context.state();
        let me = state
            .account
            .as_ref()
            .map(|account| account.user_id.clone());
        (me, state.notifications.clone())
    };
    let me = me.filter(|_| notifications.is_some());
    let now = notifications.as_ref().map_or(0, |n| n.now_ms());
    let outcome = lock(&context.session).apply_remote_noting(
        &update.board,
        &update.update,
        me.as_deref(),
        now,
    );
    match outcome {
        Ok(outcome) => {
            if let Some(event) = outcome.patch {
                context.sink.emit(AppEvent::Patch(event));
            }
            if let Some(notifications) = notifications {
                notifications.deliver(&outcome.concerns);
                if outcome.reminders_changed {
                    notifications.reschedule();
                }
            }
        }
        Err(err) => tracing::error!(%err, board = %update.board, "applying a remote update failed"),
    }
}
