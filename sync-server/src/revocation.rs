//! Live revocation: membership changes reach every relay's open channels. On PostgreSQL a
//! trigger on `board_members` sends `NOTIFY tack_membership` in the changing transaction;
//! each relay LISTENs here and hands `(board, user)` to its connections, which re-read that
//! user's role and close or downgrade the channel. The embedded-SQLite relay is one process:
//! its API announces changes in-process (`ApiState::membership_changed`).
//!
//! **Trust boundary.** Unlike the cluster channels (`crate::cluster`), `tack_membership` is not
//! authenticated: its NOTIFYs come from triggers inside PostgreSQL, which hold no secret.
//! * What it shows a listener: on each change or removal of a membership, that board's id and
//!   that user's id; on each ended session (logout, revocation, expiry sweep), `*` and the
//!   user's id. Opaque ids and timing only: no email, role, token or board content. Only roles
//!   that may connect can LISTEN, and the documented setup (and migration 20261204180000, when
//!   it runs as the database's owner) leaves that to the owner and `tack_relay`.
//! * What a forged one can do: nothing to access. A notification is only a hint to look
//!   again; each connection holding a channel of that user re-reads the role from the database
//!   (`Storage::role_of`) or re-verifies the token (`Verifier::verify`), and the database
//!   decides. A forged hint cannot grant, keep or take away access the database does not say;
//!   it costs one read per matching open channel (a flood that overruns the broadcast queue
//!   makes every channel re-check, once). The one way a hint ends a channel the database still
//!   allows is a failed re-read (connections fail closed), which needs the database to be
//!   failing anyway.
//!
//! So this channel is harmless when forged and shows only ids; it is tested by
//! `tests/it/side_doors.rs` (a forged revocation leaves the member writing).

use std::sync::Arc;

use sqlx::postgres::PgListener;
use tokio::task::JoinHandle;

use crate::server::{MembershipChange, RelayState};

/// The `NOTIFY` channel the migration's trigger uses.
pub const CHANNEL: &str = "tack_membership";

/// Starts the LISTEN task on PostgreSQL (`None` on SQLite). It ends when the relay shuts
/// down.
pub fn spawn_listener(shared: &Arc<RelayState>) -> Option<JoinHandle<()>> {
    let pool = shared.storage.postgres_pool()?.clone();
    // Behind a transaction-mode pooler LISTEN needs its own direct connection.
    let listen_url = shared.config.listen_database_url.clone();
    let changes = shared.membership.clone();
    let mut shutdown = shared.shutdown.clone();
    Some(tokio::spawn(async move {
        let mut listener = loop {
            let attempt = async {
                let mut listener = match &listen_url {
                    Some(url) => PgListener::connect(url).await?,
                    None => PgListener::connect_with(&pool).await?,
                };
                listener.listen(CHANNEL).await?;
                Ok::<_, sqlx::Error>(listener)
            };
            tokio::select! {
                _ = shutdown.changed() => return,
                connected = attempt => match connected {
                    Ok(listener) => break listener,
                    Err(error) => {
                        tracing::error!(%error, "cannot LISTEN for membership changes; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                },
            }
        };
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                received = listener.recv() => match received {
                    Ok(notification) => {
                        if let Some((board, user)) = notification.payload().split_once('\t') {
                            let _ = changes.send(MembershipChange {
                                board: board.to_owned(),
                                user: user.to_owned(),
                            });
                        }
                    }
                    // PgListener reconnects by itself on the next recv.
                    Err(error) => {
                        tracing::warn!(%error, "membership LISTEN connection lost; reconnecting");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                },
            }
        }
    }))
}
