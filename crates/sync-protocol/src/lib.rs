//! Tack's wire protocol, sans I/O: bytes in, typed messages out, and back.
//!
//! - [`lib0`]: the binary primitives with a bounded [`Decoder`].
//! - [`MuxFrame`]: the multiplexed `/sync` framing, compatible with Hocuspocus 3.x/4.x.
//! - [`YwsMessage`]: single-board y-websocket framing.
//! - [`prescan_update_v1`] and friends: refuse hostile Yjs updates before yrs decodes them.
//! - [`guard`]: every rule kept around yrs (bounded decode, gaps, novelty, panic-safe apply,
//!   safe encoding); no other crate hands bytes to yrs by itself.
//! - [`Cause`]: why the relay refused or closed a board, as a machine code on the wire.
//!
//! This crate does no I/O: no sockets, no async runtime, no storage.

// Set here, not in [workspace.lints]: cargo cannot add a lint to an inherited table, and
// the workspace-wide lint would fire in crates other work is reshaping.
#![warn(unreachable_pub)]

mod cause;
mod error;
pub mod fold;
mod frame;
pub mod guard;
pub mod lib0;
mod prescan;
mod sync;

pub use cause::Cause;
pub use error::ProtocolError;
pub use frame::{AuthMessage, AuthScope, MuxFrame, MuxMessage, YwsMessage, PING_BYTE, PONG_BYTE};
pub use guard::{decode_id_set_checked, decode_state_vector_checked, decode_update_checked};
pub use lib0::{Decoder, Limits};
pub use prescan::{
    prescan_id_set_v1, prescan_state_vector_v1, prescan_update_v1, UpdateLimits, UpdateStats,
    MAX_CLIENT_ID,
};
pub use sync::{
    check_awareness_state, decode_awareness_update, decode_awareness_update_checked,
    encode_awareness_states, encode_awareness_update, AwarenessEntry, AwarenessLimits,
    CheckedAwareness, SyncMessage,
};
