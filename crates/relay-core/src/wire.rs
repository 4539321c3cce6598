//! How the relay frames what it sends, in both framings: the multiplexed Hocuspocus framing
//! names the board in every frame; y-websocket has one board per socket.

use bytes::Bytes;
use sync_protocol::lib0::{write_var_bytes, write_var_string, write_var_u64};
use sync_protocol::MuxMessage;

/// A connection of this relay instance (ids start at 1; see [`REMOTE`]).
pub type ConnId = u64;

/// Stands for another relay instance where a room needs a sender: it is no subscriber, so
/// everything it sends reaches every local subscriber.
pub const REMOTE: ConnId = 0;

/// Message type numbers shared by both framings (Hocuspocus and y-websocket agree on these).
pub mod kind {
    pub const SYNC: u64 = 0;
    pub const AWARENESS: u64 = 1;
    pub const QUERY_AWARENESS: u64 = 3;
    pub const SYNC_STEP1: u64 = 0;
    pub const SYNC_STEP2: u64 = 1;
    pub const SYNC_UPDATE: u64 = 2;
}

/// How a connection frames messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Mux,
    YWebsocket,
}

/// Where a room queues frames for one subscriber (the shell's bounded send queue; a test's
/// list). Queuing is the only effect a room has on a connection, and it never waits.
pub trait FrameSink {
    /// Queues a frame; false if the connection is gone or too far behind.
    fn push(&self, frame: Bytes) -> bool;
    /// Queues a shared frame (the same `Bytes` handed to many connections) unless it is still
    /// queued from an earlier push.
    fn push_unless_queued(&self, frame: Bytes) -> bool;
}

/// `varString(board)`: what every multiplexed frame of a board starts with.
pub fn mux_prefix(board: &str) -> Vec<u8> {
    let mut prefix = Vec::with_capacity(board.len() + 2);
    write_var_string(&mut prefix, board);
    prefix
}

/// Encodes a message body for a board in a framing.
pub fn frame(board_prefix: &[u8], framing: Framing, body: &[u8]) -> Bytes {
    match framing {
        Framing::YWebsocket => Bytes::copy_from_slice(body),
        Framing::Mux => {
            let mut out = Vec::with_capacity(board_prefix.len() + body.len());
            out.extend_from_slice(board_prefix);
            out.extend_from_slice(body);
            Bytes::from(out)
        }
    }
}

/// A multiplexed message for a board, as one frame.
pub fn mux_frame(board_prefix: &[u8], message: &MuxMessage) -> Bytes {
    let mut body = Vec::with_capacity(board_prefix.len() + 8);
    body.extend_from_slice(board_prefix);
    message.encode_into(&mut body);
    Bytes::from(body)
}

/// `varUint(type) • varUint(sync step) • varByteArray(payload)`.
pub fn sync_body(message_kind: u64, step: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 8);
    write_var_u64(&mut out, message_kind);
    write_var_u64(&mut out, step);
    write_var_bytes(&mut out, payload);
    out
}

/// `varUint(awareness) • varByteArray(update)`.
pub fn awareness_body(update: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(update.len() + 6);
    write_var_u64(&mut out, kind::AWARENESS);
    write_var_bytes(&mut out, update);
    out
}
