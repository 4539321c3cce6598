//! The Tack relay's protocol policy, sans I/O. Bytes and the time come in as arguments; what
//! to send, store, acknowledge or close goes out as values. `sync-server` is the shell around
//! it: sockets, the group committer, storage, HTTP.
//!
//! - [`wire`]: how the relay frames what it sends (both framings), through `sync-protocol`;
//! - [`rate`]: token buckets with an injected clock;
//! - [`awareness`]: a room's presence states, their owners and bounds;
//! - [`room`]: one open board: its document, subscribers, awareness and open commits;
//! - [`session`]: one connection's state machine (`on_frame(frame, now) -> effects`);
//! - [`ack`]: a connection's acknowledgements, sent in arrival order as their fates are known.
//!
//! This crate knows nothing of tokio, axum, hyper, sqlx or rusqlite (checked by
//! `scripts/test`).

#![warn(unreachable_pub)]

pub mod ack;
pub mod awareness;
pub mod rate;
pub mod room;
pub mod session;
pub mod wire;

pub use ack::{Acknowledger, Awaiting};
pub use awareness::{AwarenessBounds, AwarenessOutcome};
pub use rate::{RateLimit, TokenBucket};
pub use room::{
    Applied, CommitLedger, CommitNumber, Committed, OpenCommits, Resolution, RoomCore, RoomError,
};
pub use session::{
    Access, AckWhen, ConnectionSession, Effect, EndCause, Ending, Grant, MembershipChange, Recheck,
    RoomPort, SessionLimits,
};
pub use wire::{ConnId, FrameSink, Framing, REMOTE};
