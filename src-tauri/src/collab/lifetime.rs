//! The sync client's lifetime: started for the signed-in account (every board of this computer
//! shared on its relay subscribed), stopped on sign-out; boards subscribed when shared or
//! opened, unsubscribed when left, removed or deleted.

use board_store::LocalAccess;
use sync_client::{SyncClient, SyncConfig};

use super::{lock, pump, read_marks, shared, uploads, Collab};
use crate::ipc::{ErrorKind, IpcError};

impl Collab {
    /// Starts the sync client for the signed-in account (stopping any running one) and
    /// subscribes every board of this computer shared on that relay.
    pub(super) fn restart_sync(&self) {
        self.stop_sync();
        let (account, token) = {
            let state = self.context.state();
            match (&state.account, &state.token) {
                (Some(account), Some(token)) => (account.clone(), token.clone()),
                _ => {
                    drop(state);
                    self.publish_status(None);
                    return;
                }
            }
        };
        let mut session = lock(&self.context.session);
        let mut config = SyncConfig::new(tack_account::sync_url(&account.server), token);
        config.replica = session.replica_config().clone();
        config.backoff = self.backoff;
        let spawned = {
            let _entered = self.runtime.enter();
            SyncClient::spawn(config, session.shared_store())
        };
        let handle = match spawned {
            Ok(handle) => handle,
            Err(err) => {
                tracing::error!(%err, "cannot start syncing");
                return;
            }
        };
        let boards = match session.store().list_boards() {
            Ok(boards) => boards,
            Err(err) => {
                tracing::error!(%err, "cannot list boards to sync");
                Vec::new()
            }
        };
        for record in boards {
            // The sync client records the `ws(s)://` form for boards it downloads, the app the
            // `http(s)://` one: both name this relay.
            let on_this_relay = record
                .server
                .as_deref()
                .is_some_and(|server| tack_account::same_server(server, &account.server));
            if on_this_relay && record.access() != Some(LocalAccess::Removed) {
                let _ = handle.subscribe(&record.id);
            }
        }
        let receivers = pump::Receivers::of(&handle);
        session.set_sync(Some(handle));
        drop(session);
        let pump = self
            .runtime
            .spawn(pump::pump(self.context.clone(), receivers));
        let watch = self.runtime.spawn(shared::watch_shared(self.clone()));
        let uploader = self.runtime.spawn(uploads::watch_uploads(self.clone()));
        let marks = self
            .runtime
            .spawn(read_marks::watch_read_marks(self.clone()));
        let mut state = self.context.state();
        state.pump = Some(pump);
        state.shared_watch = Some(watch);
        state.uploads = Some(uploader);
        state.read_marks = Some(marks);
    }

    pub(super) fn stop_sync(&self) {
        let (pump, watch, uploader, marks) = {
            let mut state = self.context.state();
            (
                state.pump.take(),
                state.shared_watch.take(),
                state.uploads.take(),
                state.read_marks.take(),
            )
        };
        for task in [pump, watch, uploader, marks].into_iter().flatten() {
            task.abort();
        }
        let old = lock(&self.context.session).set_sync(None);
        if let Some(old) = old {
            self.runtime.spawn(old.shutdown());
        }
        let mut state = self.context.state();
        state.peers.clear();
        state.roles.clear();
        state.refused_uploads.clear();
    }

    pub(super) fn subscribe(&self, board_id: &str) -> Result<(), IpcError> {
        let session = lock(&self.context.session);
        let sync = session
            .sync()
            .ok_or_else(|| IpcError::new(ErrorKind::SignedOut, "Sign in first."))?;
        sync.subscribe(board_id)
            .map_err(|err| IpcError::new(ErrorKind::Network, err.to_string()))
    }

    /// Stops syncing a board (left, removed, deleted here); nothing to do when not syncing.
    pub fn unsubscribe(&self, board_id: &str) {
        unsubscribe(&self.context.session, board_id);
    }
}

/// Stops syncing a board, if the sync client runs.
pub(super) fn unsubscribe(session: &super::SharedSession, board_id: &str) {
    if let Some(sync) = lock(session).sync() {
        if let Err(err) = sync.unsubscribe(board_id) {
            tracing::warn!(%err, board = %board_id, "the sync client has stopped");
        }
    }
}
