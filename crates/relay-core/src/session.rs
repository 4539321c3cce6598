//! One connection's protocol state machine: frames in (with the time), effects out.
//!
//! A [`ConnectionSession`] decodes every frame through `sync-protocol`, keeps the Auth flow
//! (frames held until their board's Auth succeeds, a budget of refused Auths), the channels the
//! connection has joined and their access, and the connection's rate limits. It calls its
//! rooms directly (through [`RoomPort`]: room work is synchronous and short) and hands
//! everything that waits or leaves the process to the shell as an [`Effect`]: send a frame,
//! verify a token, join a room, commit an update and acknowledge it after its commit,
//! acknowledge now or after the room's open commits, leave a room, close the connection with a
//! typed [`EndCause`]. The shell runs the effects in order; an answer it waited for comes back
//! through [`ConnectionSession::on_verdict`], [`ConnectionSession::joined`],
//! [`ConnectionSession::on_role`] or [`ConnectionSession::on_token_checked`].
//!
//! The rules it keeps:
//! - every Step2/Update is answered exactly once, in arrival order (the shell's acknowledger
//!   sends the [`Effect::Ack`]s and [`Effect::Commit`]s in the order they were emitted):
//!   SyncStatus(1) only once what it carried is stored, 0 for anything not stored (read-only,
//!   gap, reloading room, rate limit, malformed);
//! - a writable channel's update is applied by the room and committed; a read-only channel's
//!   is only checked against what the room holds;
//! - a membership that ends closes the channel (a y-websocket socket); a role that changes
//!   tells a multiplexed client its new scope.

use std::collections::HashMap;
use std::time::Instant;

use bytes::Bytes;
use sync_protocol::{
    AuthMessage, AuthScope, Cause, CheckedAwareness, Limits, MuxFrame, MuxMessage, ProtocolError,
    SyncMessage, UpdateLimits, YwsMessage, PONG_BYTE,
};
use yrs::{StateVector, Update};

use crate::awareness::{AwarenessBounds, AwarenessOutcome};
use crate::rate::RateLimit;
use crate::room::{Applied, CommitNumber, RoomError};
use crate::wire::{mux_frame, ConnId, Framing};

/// WebSocket close codes the relay uses.
pub mod close {
    pub const NORMAL: u16 = 1000;
    pub const GOING_AWAY: u16 = 1001;
    pub const PROTOCOL_ERROR: u16 = 1002;
    pub const INVALID_DATA: u16 = 1007;
    pub const POLICY_VIOLATION: u16 = 1008;
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    pub const SERVICE_RESTART: u16 = 1012;
    pub const TRY_AGAIN_LATER: u16 = 1013;
}

/// What an authenticated channel may do on one board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

impl Access {
    pub fn can_write(self) -> bool {
        self == Access::ReadWrite
    }

    fn scope(self) -> AuthScope {
        match self {
            Access::ReadOnly => AuthScope::ReadOnly,
            Access::ReadWrite => AuthScope::ReadWrite,
        }
    }
}

/// A successful verification: what the channel may do, and on whose behalf (`None` for an
/// anonymous development relay or a test verifier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub access: Access,
    pub user: Option<String>,
}

impl From<Access> for Grant {
    fn from(access: Access) -> Self {
        Grant { access, user: None }
    }
}

/// A user's role on a board changed or ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipChange {
    pub board: String,
    pub user: String,
}

impl MembershipChange {
    /// In place of a board id (never a valid one): the user's sessions changed.
    pub const EVERY_BOARD: &'static str = "*";
}

/// Why the relay ends a connection (for its logs, metrics and tests; what a client reads is
/// the close code and the reason, where per-board refusals carry a `sync_protocol::Cause`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndCause {
    /// A frame that does not decode.
    MalformedFrame,
    /// A text frame (the protocol is binary).
    TextFrame,
    /// A message larger than the relay accepts.
    Oversize,
    /// A multiplexed frame that names no board.
    NoBoard,
    /// The y-websocket socket's board was closed.
    BoardClosed,
    /// Too many frames held for boards not authenticated.
    UnauthenticatedFlood,
    /// Too many refused Auths on one socket.
    AuthBudget,
    /// No board authenticated in time.
    AuthTimeout,
    /// More boards on one socket than allowed.
    TooManyBoards,
    /// More sockets for one account than allowed.
    TooManyConnections,
    /// The board could not be loaded.
    BoardUnavailable,
    /// Updates faster than the rate limit.
    UpdateRate,
    /// An update or state vector that does not decode, or that yrs cannot apply.
    MalformedUpdate,
    /// Too many refused awareness messages.
    AwarenessAbuse,
    /// An update that posts, edits or removes a comment as another account (DESIGN §4
    /// "Comment authors").
    ForgedAuthor,
    /// The channel's membership ended.
    Revoked,
    /// The session behind the channel's token ended.
    SessionEnded,
    /// The client could not keep up with what was queued for it.
    TooFarBehind,
    /// Nothing heard from the client for too long.
    IdleTimeout,
    /// The relay is shutting down.
    Restart,
}

/// Why the connection ends: a close code, a reason for the client, and its cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    pub code: u16,
    pub reason: String,
    pub cause: EndCause,
}

impl Ending {
    pub fn new(cause: EndCause, code: u16, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
            cause,
        }
    }
}

/// When a SyncStatus may be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckWhen {
    /// Its fate is known: stored (`true`) or not.
    Now(bool),
    /// The room already held the update: it is durable once these commits of the room (open
    /// when it arrived) have committed; 0 if any of them fails.
    AfterCommits(Vec<CommitNumber>),
}

/// What the session asks its shell to do, in order.
#[derive(Debug)]
pub enum Effect<R> {
    /// Queue a frame for this connection.
    Send(Bytes),
    /// Verify `token` for `board`; answer with [`ConnectionSession::on_verdict`].
    Verify { board: String, token: String },
    /// Join (and load if needed) the board's room; answer with [`ConnectionSession::joined`],
    /// giving back `held`, the frames that arrived before the Auth succeeded.
    Join {
        board: String,
        grant: Grant,
        token: String,
        held: Vec<Bytes>,
    },
    /// Take these frames again, in order, as if they had just arrived (frames held until their
    /// board's Auth succeeded; after the frames queued before them have been queued).
    Replay(Vec<Bytes>),
    /// The channel is gone: leave its room.
    Leave { room: R, user: Option<String> },
    /// Store an update the room accepted as `number` on behalf of `author`, then resolve the
    /// room's commit with the outcome and acknowledge it (after the acknowledgements emitted
    /// before it).
    Commit {
        room: R,
        number: CommitNumber,
        update: Vec<u8>,
        author: Option<String>,
        received: Instant,
    },
    /// Acknowledge an update (after the acknowledgements emitted before it).
    Ack { room: R, when: AckWhen },
    /// Tell other relay instances about awareness the room took.
    PublishAwareness { board: String, update: Vec<u8> },
    /// Count a refusal (a metric, by reason).
    Reject { reason: &'static str, count: usize },
    /// Count an incoming frame (a metric, by kind).
    FrameIn { kind: &'static str, bytes: usize },
    /// A client came back with a non-empty state vector.
    Reconnect,
    /// Close the connection.
    Close(Ending),
}

/// What a session needs from a room (the shell's shared room, or a test's). A session holds
/// rooms through a cheap handle (`Arc`, `Rc`), which forwards to the room.
pub trait RoomPort {
    fn board(&self) -> &str;
    /// `varString(board)`.
    fn mux_prefix(&self) -> &[u8];
    fn sync_step1(&self, conn: ConnId, state_vector: &StateVector);
    fn send_step1(&self, conn: ConnId);
    fn apply_update(
        &self,
        conn: ConnId,
        bytes: &[u8],
        update: Update,
        received: Instant,
    ) -> Result<Applied, RoomError>;
    fn check_held(&self, conn: ConnId, update: &Update) -> Result<Applied, RoomError>;
    fn awareness<'u>(
        &self,
        conn: ConnId,
        update: &'u [u8],
        checked: CheckedAwareness,
        bounds: &AwarenessBounds,
    ) -> AwarenessOutcome<'u>;
    fn refuse_awareness(&self, conn: ConnId, bounds: &AwarenessBounds) -> bool;
    fn send_awareness(&self, conn: ConnId);
}

macro_rules! forward_room_port {
    ($pointer:ty) => {
        impl<T: RoomPort + ?Sized> RoomPort for $pointer {
            fn board(&self) -> &str {
                (**self).board()
            }
            fn mux_prefix(&self) -> &[u8] {
                (**self).mux_prefix()
            }
            fn sync_step1(&self, conn: ConnId, state_vector: &StateVector) {
                (**self).sync_step1(conn, state_vector);
            }
            fn send_step1(&self, conn: ConnId) {
                (**self).send_step1(conn);
            }
            fn apply_update(
                &self,
                conn: ConnId,
                bytes: &[u8],
                update: Update,
                received: Instant,
            ) -> Result<Applied, RoomError> {
                (**self).apply_update(conn, bytes, update, received)
            }
            fn check_held(&self, conn: ConnId, update: &Update) -> Result<Applied, RoomError> {
                (**self).check_held(conn, update)
            }
            fn awareness<'u>(
                &self,
                conn: ConnId,
                update: &'u [u8],
                checked: CheckedAwareness,
                bounds: &AwarenessBounds,
            ) -> AwarenessOutcome<'u> {
                (**self).awareness(conn, update, checked, bounds)
            }
            fn refuse_awareness(&self, conn: ConnId, bounds: &AwarenessBounds) -> bool {
                (**self).refuse_awareness(conn, bounds)
            }
            fn send_awareness(&self, conn: ConnId) {
                (**self).send_awareness(conn);
            }
        }
    };
}

forward_room_port!(std::sync::Arc<T>);
forward_room_port!(std::rc::Rc<T>);

/// The settings a session works within (shared by every connection; passed in each call so a
/// session holds none of it).
#[derive(Debug, Clone)]
pub struct SessionLimits {
    pub frame_limits: Limits,
    pub update_limits: UpdateLimits,
    pub awareness: AwarenessBounds,
    /// Boards a socket may have waiting for authentication, and their queued frames and bytes.
    pub max_pending_boards: usize,
    pub max_pending_frames: usize,
    pub max_pending_bytes: usize,
    /// Boards one socket may have open at once.
    pub max_boards_per_socket: usize,
    /// Refused Auths one socket may receive; the last of them also closes it.
    pub max_failed_auths: u32,
    /// Sync updates and awareness messages per second (0: no limit), and the burst allowed.
    pub updates_per_second: u32,
    pub awareness_per_second: u32,
    pub rate_burst: u32,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            frame_limits: Limits::default(),
            update_limits: UpdateLimits::default(),
            awareness: AwarenessBounds::default(),
            max_pending_boards: 64,
            max_pending_frames: 256,
            max_pending_bytes: 2 * 1024 * 1024,
            max_boards_per_socket: 1024,
            max_failed_auths: 8,
            updates_per_second: 1_000,
            awareness_per_second: 100,
            rate_burst: 5_000,
        }
    }
}

/// A board this connection has joined.
struct Channel<R> {
    room: R,
    access: Access,
    /// On whose behalf (`None`: anonymous development relay or a test verifier).
    user: Option<String>,
    /// The token that opened the channel, checked again when its user's sessions change (a
    /// logout or a revoked session ends the channels it opened). Never logged.
    token: String,
}

/// What the shell must check again after a membership change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recheck {
    /// Read `user`'s role on `board`; answer with [`ConnectionSession::on_role`].
    Role { board: String, user: String },
    /// Verify the channel's token again; answer with [`ConnectionSession::on_token_checked`].
    Token { board: String, token: String },
}

/// One connection's protocol state.
pub struct ConnectionSession<R> {
    conn: ConnId,
    framing: Framing,
    /// The boards joined: a short vector searched by name rather than a hash map (a map's
    /// smallest table holds four entries, ~370 bytes for one board; most sockets hold one or
    /// two boards).
    channels: Vec<Channel<R>>,
    /// Frames for boards whose Auth has not succeeded yet.
    pending: HashMap<String, Vec<Bytes>>,
    pending_frames: usize,
    pending_bytes: usize,
    update_rate: RateLimit,
    awareness_rate: RateLimit,
    /// Auths refused so far (each costs database lookups); beyond the budget the socket closes.
    failed_auths: u32,
}

type Effects<R> = Vec<Effect<R>>;

fn reject<R>(out: &mut Effects<R>, reason: &'static str) {
    out.push(Effect::Reject { reason, count: 1 });
}

/// A frame that does not decode: counted, and the connection closed with the decoder's reason.
fn malformed_frame<R>(out: &mut Effects<R>, error: &dyn std::fmt::Display) {
    reject(out, "malformed_frame");
    out.push(Effect::Close(Ending::new(
        EndCause::MalformedFrame,
        close::INVALID_DATA,
        format!("malformed frame: {error}"),
    )));
}

impl<R: RoomPort + Clone> ConnectionSession<R> {
    pub fn new(conn: ConnId, framing: Framing, limits: &SessionLimits, now: Instant) -> Self {
        Self {
            conn,
            framing,
            channels: Vec::new(),
            pending: HashMap::new(),
            pending_frames: 0,
            pending_bytes: 0,
            update_rate: RateLimit::new(limits.updates_per_second, limits.rate_burst, now),
            awareness_rate: RateLimit::new(limits.awareness_per_second, limits.rate_burst, now),
            failed_auths: 0,
        }
    }

    pub fn conn(&self) -> ConnId {
        self.conn
    }

    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// A multiplexed connection with no board yet must authenticate one in time.
    pub fn waiting_for_auth(&self) -> bool {
        self.channels.is_empty() && self.framing == Framing::Mux
    }

    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// The channels' rooms and users, emptied (the connection is ending: leave them all).
    pub fn take_channels(&mut self) -> Vec<(R, Option<String>)> {
        self.channels
            .drain(..)
            .map(|channel| (channel.room, channel.user))
            .collect()
    }

    fn position(&self, board: &str) -> Option<usize> {
        self.channels
            .iter()
            .position(|channel| channel.room.board() == board)
    }

    fn channel(&self, board: &str) -> Option<&Channel<R>> {
        self.position(board).map(|index| &self.channels[index])
    }

    /// The access of the channel on `board`, if joined.
    pub fn access(&self, board: &str) -> Option<Access> {
        self.channel(board).map(|channel| channel.access)
    }

    /// Takes one frame from the client, received at `now`.
    pub fn on_frame(&mut self, bytes: Bytes, now: Instant, limits: &SessionLimits) -> Effects<R> {
        let mut out = Vec::new();
        match self.framing {
            Framing::Mux => self.on_mux_frame(bytes, now, limits, &mut out),
            Framing::YWebsocket => self.on_yws_frame(&bytes, now, limits, &mut out),
        }
        out
    }

    fn on_yws_frame(
        &mut self,
        bytes: &[u8],
        now: Instant,
        limits: &SessionLimits,
        out: &mut Effects<R>,
    ) {
        let message = match YwsMessage::decode(bytes, &limits.frame_limits) {
            Ok(message) => message,
            Err(e) => {
                malformed_frame(out, &e);
                return;
            }
        };
        let Some(board) = self.channels.first().map(|c| c.room.board().to_owned()) else {
            out.push(Effect::Close(Ending::new(
                EndCause::BoardClosed,
                close::NORMAL,
                "board closed",
            )));
            return;
        };
        match message {
            YwsMessage::Sync(sync) => {
                out.push(Effect::FrameIn {
                    kind: "sync",
                    bytes: bytes.len(),
                });
                self.on_sync(&board, sync, now, limits, out);
            }
            YwsMessage::Awareness { update } => {
                out.push(Effect::FrameIn {
                    kind: "awareness",
                    bytes: bytes.len(),
                });
                self.on_awareness(&board, &update, now, limits, out);
            }
            YwsMessage::QueryAwareness => {
                out.push(Effect::FrameIn {
                    kind: "query_awareness",
                    bytes: bytes.len(),
                });
                self.on_query_awareness(&board, now, out);
            }
            YwsMessage::PermissionDenied { .. } => {}
        }
    }

    fn on_mux_frame(
        &mut self,
        bytes: Bytes,
        now: Instant,
        limits: &SessionLimits,
        out: &mut Effects<R>,
    ) {
        let frame = match MuxFrame::decode(&bytes, &limits.frame_limits) {
            Ok(frame) => frame,
            Err(e) => {
                malformed_frame(out, &e);
                return;
            }
        };
        let (board, message) = match frame {
            MuxFrame::Ping => {
                out.push(Effect::FrameIn {
                    kind: "ping",
                    bytes: bytes.len(),
                });
                out.push(Effect::Send(Bytes::from_static(&[PONG_BYTE])));
                return;
            }
            MuxFrame::Pong => return,
            MuxFrame::Board { board, message } => (board, message),
        };
        if board.is_empty() {
            reject(out, "empty_board_name");
            out.push(Effect::Close(Ending::new(
                EndCause::NoBoard,
                close::PROTOCOL_ERROR,
                "frame names no board",
            )));
            return;
        }
        if let MuxMessage::Auth(AuthMessage::Token { token }) = message {
            out.push(Effect::FrameIn {
                kind: "auth",
                bytes: bytes.len(),
            });
            if self.position(&board).is_none() {
                out.push(Effect::Verify { board, token });
            }
            return;
        }
        if self.position(&board).is_none() {
            self.hold_until_authenticated(board, bytes, limits, out);
            return;
        }
        self.on_board_message(&board, message, bytes.len(), now, limits, out);
    }

    /// Frames may arrive before their board's Auth succeeds; keep a bounded number.
    fn hold_until_authenticated(
        &mut self,
        board: String,
        bytes: Bytes,
        limits: &SessionLimits,
        out: &mut Effects<R>,
    ) {
        let new_board = !self.pending.contains_key(&board);
        if (new_board && self.pending.len() >= limits.max_pending_boards)
            || self.pending_frames + 1 > limits.max_pending_frames
            || self.pending_bytes + bytes.len() > limits.max_pending_bytes
        {
            reject(out, "unauthenticated_flood");
            out.push(Effect::Close(Ending::new(
                EndCause::UnauthenticatedFlood,
                close::POLICY_VIOLATION,
                "too much traffic for boards that are not authenticated",
            )));
            return;
        }
        self.pending_frames += 1;
        self.pending_bytes += bytes.len();
        self.pending.entry(board).or_default().push(bytes);
    }

    /// The verifier's answer to an Auth for `board`: `Err(reason)` (safe to send) if refused.
    pub fn on_verdict(
        &mut self,
        board: &str,
        token: String,
        verdict: Result<Grant, String>,
        limits: &SessionLimits,
    ) -> Effects<R> {
        let mut out = Vec::new();
        let held = self.pending.remove(board).unwrap_or_default();
        self.pending_frames -= held.len();
        self.pending_bytes -= held.iter().map(Bytes::len).sum::<usize>();
        match verdict {
            Err(reason) => {
                reject(&mut out, "permission_denied");
                out.push(Effect::Send(mux_frame(
                    &crate::wire::mux_prefix(board),
                    &MuxMessage::Auth(AuthMessage::PermissionDenied { reason }),
                )));
                self.failed_auths += 1;
                if self.failed_auths >= limits.max_failed_auths {
                    reject(&mut out, "auth_budget");
                    out.push(Effect::Close(Ending::new(
                        EndCause::AuthBudget,
                        close::POLICY_VIOLATION,
                        "too many refused Auth attempts on this socket",
                    )));
                }
            }
            Ok(grant) => self.join(board.to_owned(), grant, token, held, limits, &mut out),
        }
        out
    }

    /// Asks the shell to join a board (a y-websocket socket's one board, granted at upgrade,
    /// comes in here too).
    pub fn join_granted(
        &mut self,
        board: String,
        grant: Grant,
        token: String,
        limits: &SessionLimits,
    ) -> Effects<R> {
        let mut out = Vec::new();
        self.join(board, grant, token, Vec::new(), limits, &mut out);
        out
    }

    fn join(
        &mut self,
        board: String,
        grant: Grant,
        token: String,
        held: Vec<Bytes>,
        limits: &SessionLimits,
        out: &mut Effects<R>,
    ) {
        if self.channels.len() >= limits.max_boards_per_socket {
            out.push(Effect::Close(Ending::new(
                EndCause::TooManyBoards,
                close::POLICY_VIOLATION,
                "too many boards on one socket",
            )));
            return;
        }
        out.push(Effect::Join {
            board,
            grant,
            token,
            held,
        });
    }

    /// The shell joined the room: the channel opens, the client hears its scope (a y-websocket
    /// client, the relay's Step1 and everyone's awareness), then the frames held for the board
    /// are replayed in order.
    pub fn joined(&mut self, room: R, grant: Grant, token: String, held: Vec<Bytes>) -> Effects<R> {
        let mut out = Vec::new();
        let access = grant.access;
        self.channels.reserve_exact(1);
        self.channels.push(Channel {
            room: room.clone(),
            access,
            user: grant.user,
            token,
        });
        match self.framing {
            Framing::Mux => {
                out.push(Effect::Send(mux_frame(
                    room.mux_prefix(),
                    &MuxMessage::Auth(AuthMessage::Authenticated {
                        scope: access.scope(),
                    }),
                )));
                if !held.is_empty() {
                    out.push(Effect::Replay(held));
                }
            }
            Framing::YWebsocket => {
                room.send_step1(self.conn);
                room.send_awareness(self.conn);
            }
        }
        out
    }

    fn on_board_message(
        &mut self,
        board: &str,
        message: MuxMessage,
        size: usize,
        now: Instant,
        limits: &SessionLimits,
        out: &mut Effects<R>,
    ) {
        match message {
            MuxMessage::Sync(sync) | MuxMessage::SyncReply(sync) => {
                out.push(Effect::FrameIn {
                    kind: "sync",
                    bytes: size,
                });
                self.on_sync(board, sync, now, limits, out);
            }
            MuxMessage::Awareness { update } => {
                out.push(Effect::FrameIn {
                    kind: "awareness",
                    bytes: size,
                });
                self.on_awareness(board, &update, now, limits, out);
            }
            MuxMessage::QueryAwareness => {
                out.push(Effect::FrameIn {
                    kind: "query_awareness",
                    bytes: size,
                });
                self.on_query_awareness(board, now, out);
            }
            MuxMessage::Close { .. } => {
                out.push(Effect::FrameIn {
                    kind: "close",
                    bytes: size,
                });
                if let Some(index) = self.position(board) {
                    let channel = self.channels.swap_remove(index);
                    out.push(Effect::Leave {
                        room: channel.room,
                        user: channel.user,
                    });
                }
            }
            MuxMessage::Stateless { .. } | MuxMessage::BroadcastStateless { .. } => {
                out.push(Effect::FrameIn {
                    kind: "stateless",
                    bytes: size,
                });
            }
            MuxMessage::Auth(_) | MuxMessage::SyncStatus { .. } => {
                out.push(Effect::FrameIn {
                    kind: "other",
                    bytes: size,
                });
            }
        }
    }

    fn on_sync(
        &mut self,
        board: &str,
        sync: SyncMessage,
        now: Instant,
        limits: &SessionLimits,
        out: &mut Effects<R>,
    ) {
        let Some(channel) = self.channel(board) else {
            return;
        };
        let room = channel.room.clone();
        let access = channel.access;
        let conn = self.conn;
        match sync {
            SyncMessage::Step1 { state_vector } => {
                match sync_protocol::decode_state_vector_checked(
                    &state_vector,
                    &limits.update_limits,
                ) {
                    Ok(sv) => {
                        if !sv.is_empty() {
                            out.push(Effect::Reconnect);
                        }
                        room.sync_step1(conn, &sv);
                        // After the handshake's answer, everyone present, as y-websocket's and
                        // Hocuspocus's servers do: a joiner sees the others at once, not when
                        // they next move. (A y-websocket channel got them when it opened.)
                        if self.framing == Framing::Mux {
                            room.send_awareness(conn);
                        }
                    }
                    Err(e) => {
                        reject(out, "malformed_state_vector");
                        let text = format!("malformed state vector: {e}");
                        self.close_channel(board, &Cause::Malformed.reason(&text), out);
                    }
                }
            }
            SyncMessage::Step2 { update } | SyncMessage::Update { update } => {
                let ack = |out: &mut Effects<R>, applied: bool| {
                    out.push(Effect::Ack {
                        room: room.clone(),
                        when: AckWhen::Now(applied),
                    });
                };
                if !self.update_rate.take(now) {
                    reject(out, "update_rate");
                    ack(out, false);
                    out.push(Effect::Close(Ending::new(
                        EndCause::UpdateRate,
                        close::POLICY_VIOLATION,
                        "too many updates; slow down and reconnect",
                    )));
                    return;
                }
                let decoded =
                    match sync_protocol::decode_update_checked(&update, &limits.update_limits) {
                        Ok(decoded) => decoded,
                        Err(e) => {
                            reject(out, "malformed_update");
                            ack(out, false);
                            let text = format!("malformed update: {e}");
                            self.close_channel(board, &Cause::Malformed.reason(&text), out);
                            return;
                        }
                    };
                let outcome = if access.can_write() {
                    room.apply_update(conn, &update, decoded, now)
                } else {
                    // A viewer's Step2 that brings nothing new is fine; anything else is refused.
                    room.check_held(conn, &decoded)
                };
                match outcome {
                    Ok(Applied::Held(commits)) => {
                        let when = if commits.is_empty() {
                            AckWhen::Now(true)
                        } else {
                            AckWhen::AfterCommits(commits)
                        };
                        out.push(Effect::Ack { room, when });
                    }
                    Ok(Applied::Accepted(number)) => {
                        let author = self.channel(board).and_then(|c| c.user.clone());
                        out.push(Effect::Commit {
                            room,
                            number,
                            update,
                            author,
                            received: now,
                        });
                    }
                    Err(RoomError::ReadOnly) => {
                        reject(out, "read_only");
                        ack(out, false);
                    }
                    Err(RoomError::Reloading) => {
                        // Not stored; once reloaded the room asks for what it lacks.
                        reject(out, "room_reloading");
                        ack(out, false);
                    }
                    Err(RoomError::MissingHistory) => {
                        reject(out, "missing_history");
                        ack(out, false);
                        if access.can_write() {
                            // Ask for everything the relay lacks; the client's Step2 fills the gap.
                            room.send_step1(conn);
                        }
                    }
                    Err(error @ (RoomError::ApplyFailed | RoomError::BadStateVector)) => {
                        reject(out, "apply_failed");
                        ack(out, false);
                        let text = error.to_string();
                        self.close_channel(board, &Cause::Malformed.reason(&text), out);
                    }
                }
            }
        }
    }

    /// Takes a client's awareness update: each entry only within the bounds and only for client
    /// ids this connection introduced. A client that keeps sending what is refused loses the
    /// board's channel (a y-websocket socket closes).
    fn on_awareness(
        &mut self,
        board: &str,
        update: &[u8],
        now: Instant,
        limits: &SessionLimits,
        out: &mut Effects<R>,
    ) {
        if !self.awareness_rate.take(now) {
            reject(out, "awareness_rate");
            return;
        }
        let Some(channel) = self.channel(board) else {
            return;
        };
        let room = channel.room.clone();
        let bounds = &limits.awareness;
        let decoded = sync_protocol::decode_awareness_update_checked(
            update,
            &limits.frame_limits,
            &bounds.message,
        );
        let abusive = match decoded {
            Ok(checked) => {
                let outcome = room.awareness(self.conn, update, checked, bounds);
                if outcome.over_limit > 0 {
                    out.push(Effect::Reject {
                        reason: "awareness_limit",
                        count: outcome.over_limit,
                    });
                }
                if outcome.spoofed > 0 {
                    out.push(Effect::Reject {
                        reason: "awareness_spoof",
                        count: outcome.spoofed,
                    });
                }
                if let Some(relayed) = outcome.relayed {
                    out.push(Effect::PublishAwareness {
                        board: board.to_owned(),
                        update: relayed.into_owned(),
                    });
                }
                outcome.abusive
            }
            Err(ProtocolError::LimitExceeded { .. }) => {
                reject(out, "awareness_limit");
                room.refuse_awareness(self.conn, bounds)
            }
            Err(_) => {
                reject(out, "malformed_awareness");
                room.refuse_awareness(self.conn, bounds)
            }
        };
        if abusive {
            reject(out, "awareness_abuse");
            let reason = "too many refused awareness updates";
            if self.framing == Framing::YWebsocket {
                out.push(Effect::Close(Ending::new(
                    EndCause::AwarenessAbuse,
                    close::POLICY_VIOLATION,
                    reason,
                )));
                return;
            }
            self.close_channel(board, &Cause::Limit.reason(reason), out);
        }
    }

    /// Answers QueryAwareness with the room's shared snapshot, within the awareness rate.
    fn on_query_awareness(&mut self, board: &str, now: Instant, out: &mut Effects<R>) {
        if !self.awareness_rate.take(now) {
            reject(out, "awareness_rate");
            return;
        }
        if let Some(channel) = self.channel(board) {
            channel.room.send_awareness(self.conn);
        }
    }

    /// Drops a board's channel with a reason (the socket and other boards carry on).
    fn close_channel(&mut self, board: &str, reason: &str, out: &mut Effects<R>) {
        let Some(index) = self.position(board) else {
            return;
        };
        let channel = self.channels.swap_remove(index);
        let prefix = channel.room.mux_prefix().to_vec();
        out.push(Effect::Leave {
            room: channel.room,
            user: channel.user,
        });
        if self.framing == Framing::Mux {
            out.push(Effect::Send(mux_frame(
                &prefix,
                &MuxMessage::Close {
                    reason: Some(reason.to_owned()),
                },
            )));
        }
    }

    /// What to check again after a membership change: for a board, the role of the channel's
    /// user; for [`MembershipChange::EVERY_BOARD`] (the user's sessions changed), the token of
    /// every channel held on the user's behalf.
    pub fn rechecks(&self, change: &MembershipChange) -> Vec<Recheck> {
        if change.board == MembershipChange::EVERY_BOARD {
            return self
                .channels
                .iter()
                .filter(|channel| channel.user.as_deref() == Some(change.user.as_str()))
                .map(|channel| Recheck::Token {
                    board: channel.room.board().to_owned(),
                    token: channel.token.clone(),
                })
                .collect();
        }
        match self.channel(&change.board) {
            Some(channel) if channel.user.as_deref() == Some(change.user.as_str()) => {
                vec![Recheck::Role {
                    board: change.board.clone(),
                    user: change.user.clone(),
                }]
            }
            _ => Vec::new(),
        }
    }

    /// A change for every channel held on behalf of a user (after missing notifications).
    pub fn every_channel(&self) -> Vec<MembershipChange> {
        self.channels
            .iter()
            .filter_map(|channel| {
                channel.user.as_ref().map(|user| MembershipChange {
                    board: channel.room.board().to_owned(),
                    user: user.clone(),
                })
            })
            .collect()
    }

    /// A role read again after a membership change (`None`: no longer a member, or it could not
    /// be read: fail closed): gone → the channel closes (a y-websocket socket, which is that
    /// one board, ends); viewer → read-only from now on; owner or editor → read-write.
    pub fn on_role(&mut self, board: &str, access: Option<Access>) -> Effects<R> {
        let mut out = Vec::new();
        match access {
            None => {
                reject(&mut out, "membership_revoked");
                self.revoke_channel(
                    board,
                    Cause::Revoked,
                    EndCause::Revoked,
                    "access to this board was revoked",
                    &mut out,
                );
            }
            Some(access) => self.set_access(board, access, &mut out),
        }
        out
    }

    /// A channel's token verified again after its user's sessions changed (`None`: its
    /// session is gone).
    pub fn on_token_checked(&mut self, board: &str, access: Option<Access>) -> Effects<R> {
        let mut out = Vec::new();
        match access {
            None => {
                reject(&mut out, "session_revoked");
                self.revoke_channel(
                    board,
                    Cause::SessionEnded,
                    EndCause::SessionEnded,
                    "your session ended; sign in again",
                    &mut out,
                );
            }
            Some(access) => self.set_access(board, access, &mut out),
        }
        out
    }

    /// Closes a channel whose access is gone, telling the client why (DESIGN §3, "Refusals":
    /// the cause's code before the text; a y-websocket socket ends with the cause's close code).
    fn revoke_channel(
        &mut self,
        board: &str,
        cause: Cause,
        ending: EndCause,
        text: &str,
        out: &mut Effects<R>,
    ) {
        let reason = cause.reason(text);
        if self.framing == Framing::YWebsocket {
            out.push(Effect::Close(Ending::new(
                ending,
                cause.close_code(),
                reason,
            )));
            return;
        }
        let prefix = crate::wire::mux_prefix(board);
        self.close_channel(board, &reason, out);
        out.push(Effect::Send(mux_frame(
            &prefix,
            &MuxMessage::Auth(AuthMessage::PermissionDenied { reason }),
        )));
    }

    /// Downgrades or upgrades a channel, telling a multiplexed client its new scope.
    fn set_access(&mut self, board: &str, access: Access, out: &mut Effects<R>) {
        let framing = self.framing;
        let Some(index) = self.position(board) else {
            return;
        };
        let channel = &mut self.channels[index];
        if channel.access == access {
            return;
        }
        channel.access = access;
        if framing == Framing::Mux {
            out.push(Effect::Send(mux_frame(
                channel.room.mux_prefix(),
                &MuxMessage::Auth(AuthMessage::Authenticated {
                    scope: access.scope(),
                }),
            )));
        }
    }
}
