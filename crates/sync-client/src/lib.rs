//! Tack's sync client: one WebSocket per relay carrying every subscribed board (Hocuspocus-style
//! multiplexed `/sync`), an outbox cleared only by the relay's durable acknowledgement, remote
//! updates persisted before anyone is told, reconnects with exponential backoff and full jitter.
//!
//! The store is the meeting point between the client and whoever edits (the desktop app,
//! `tackctl`): local edits are saved to the outbox first ([`board_store::replica::save_local_changes`])
//! and the client is told with [`SyncHandle::notify_local_change`] (or finds them by polling);
//! remote updates are appended to the store first and then published on
//! [`SyncHandle::remote_updates`] for the app to apply to its own in-memory `Board`.
//!
//! - [`backoff`]: the reconnect delay (pure, seeded);
//! - [`status`]: what users see (`Offline { pending }`, `Syncing { pending }`, `Synced`, ...);
//! - [`SyncProblem`]: why a board does not sync (revoked, session ended, read-only, ...), read
//!   from the relay's machine codes, with the one sentence every client shows;
//! - `client`: the task that owns the socket and the per-board mirrors.

#![warn(unreachable_pub)]

pub mod backoff;
mod board_sync;
mod client;
mod config;
mod error;
mod problem;
pub mod status;

pub use client::{
    AwarenessEvent, ConflictEvent, RemoteUpdate, SharedStore, SyncClient, SyncHandle,
};
pub use config::{Keepalive, SyncConfig};
pub use error::SyncError;
pub use problem::SyncProblem;
pub use status::{Status, StatusReport};
pub use sync_protocol::AwarenessEntry;
