//! Live role changes: the access the relay grants on each board (sync-client reads it from the
//! connection, [`sync_client::StatusReport::granted_access`]) is recorded in the store, where
//! every edit checks it, and told to the UI; a board whose access was revoked closes, keeps
//! its copy read-only and stops syncing.

use board_store::LocalAccess;
use sync_client::StatusReport;

use super::{lifetime, lock, AppEvent, CollabContext};
use crate::ipc::{BoardAccessEvent, BoardClosedEvent, Role};

/// What a board's access was last reported to the UI as: its role, and whether read-only.
pub(super) type Reported = (Option<Role>, bool);

pub(super) fn track_access(context: &CollabContext, report: &StatusReport) {
    let server = context.state().account.as_ref().map(|a| a.server.clone());
    let Some(server) = server else {
        return;
    };
    for board_id in report.boards.keys() {
        let record = match lock(&context.session).store().board(board_id) {
            Ok(Some(record)) => record,
            _ => continue,
        };
        let recorded = record.access();
        let Some(granted) = report.granted_access(board_id, recorded) else {
            continue;
        };
        if Some(granted) == recorded {
            continue;
        }
        if let Err(err) =
            lock(&context.session).set_board_access(board_id, Some(&server), Some(granted))
        {
            tracing::error!(%err, board = %board_id, "recording a role failed");
            continue;
        }
        let revoked = granted == LocalAccess::Removed;
        if revoked {
            lifetime::unsubscribe(&context.session, board_id);
        }
        let role = granted.role();
        let reason = granted.read_only_reason();
        let reported = (role, reason.is_some());
        let previous = context.state().roles.insert(board_id.clone(), reported);
        if previous == Some(reported) {
            continue;
        }
        tracing::info!(board = %board_id, access = ?granted, "access changed");
        context.sink.emit(AppEvent::Access(BoardAccessEvent {
            board_id: board_id.clone(),
            role,
            read_only: reason.is_some(),
            reason: reason.map(str::to_owned),
        }));
        if revoked && recorded.is_some() {
            context.sink.emit(AppEvent::Closed(BoardClosedEvent {
                board_id: board_id.clone(),
                message: reason.unwrap_or_default().to_owned(),
            }));
        }
    }
}
