//! One task per WebSocket: decode frames, enforce limits, talk to rooms, write the frames
//! queued for the client, and acknowledge each update with SyncStatus only after it is
//! committed.

use std::collections::{HashMap, HashSet};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use sync_protocol::{
    AuthMessage, AuthScope, MuxFrame, MuxMessage, ProtocolError, SyncMessage, YwsMessage, PONG_BYTE,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, Instant as TokioInstant};

use crate::admission::{TokenBucket, UnauthenticatedSlot};
use crate::auth::{Access, Grant};
use crate::commit::CommitTicket;
use crate::room::{
    frame, mux_prefix, Applied, CommitNumber, ConnId, Framing, Outbox, OutboxLimits,
    OutboxReceiver, Room, RoomError,
};
use crate::server::{MembershipChange, Shared};

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

/// How long a socket stays open after the relay sent its close frame.
const CLOSE_LINGER: std::time::Duration = std::time::Duration::from_millis(500);

/// Why the connection ended: a close code and a reason for the client.
struct Ending {
    code: u16,
    reason: String,
}

impl Ending {
    fn new(code: u16, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }
}

/// An acknowledgement owed to the client, in the order its updates arrived.
enum Ack {
    Now {
        room: Arc<Room>,
        applied: bool,
    },
    /// The room already held the update; it is durable once the commits open then are.
    AfterOpenCommits {
        room: Arc<Room>,
        commits: Vec<CommitNumber>,
    },
    AfterCommit {
        room: Arc<Room>,
        number: CommitNumber,
        ticket: CommitTicket,
        received: Instant,
        author: Option<String>,
    },
}

/// A board this socket has joined (its name is `room.board`).
struct Channel {
    room: Arc<Room>,
    access: Access,
    /// On whose behalf (`None`: anonymous development relay or a test verifier).
    user: Option<String>,
    /// The token that opened the channel, checked again when its user's sessions change (a
    /// logout or a revoked session ends the channels it opened). Never logged.
    token: String,
}

/// The boards a socket has joined. A short vector searched by name rather than a hash map: a
/// map's smallest table holds four entries (~370 bytes for one board), and most sockets hold
/// one or two boards.
#[derive(Default)]
struct Channels(Vec<Channel>);

impl Channels {
    fn position(&self, board: &str) -> Option<usize> {
        self.0
            .iter()
            .position(|channel| channel.room.board == board)
    }

    fn get(&self, board: &str) -> Option<&Channel> {
        self.position(board).map(|index| &self.0[index])
    }

    fn get_mut(&mut self, board: &str) -> Option<&mut Channel> {
        self.position(board).map(|index| &mut self.0[index])
    }

    fn contains_key(&self, board: &str) -> bool {
        self.position(board).is_some()
    }

    fn remove(&mut self, board: &str) -> Option<Channel> {
        self.position(board).map(|index| self.0.swap_remove(index))
    }

    /// Adds a channel (its board is not joined yet), growing one slot at a time.
    fn insert(&mut self, channel: Channel) {
        self.0.reserve_exact(1);
        self.0.push(channel);
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn first_board(&self) -> Option<String> {
        self.0.first().map(|channel| channel.room.board.clone())
    }

    fn iter(&self) -> impl Iterator<Item = (&String, &Channel)> {
        self.0.iter().map(|channel| (&channel.room.board, channel))
    }
}

/// A token bucket: `rate` per second on average, bursts up to `burst`.
struct Bucket {
    level: TokenBucket,
    rate: f64,
    burst: f64,
}

impl Bucket {
    fn new(rate: u32, burst: u32) -> Self {
        Self {
            level: TokenBucket::full(f64::from(burst), TokioInstant::now()),
            rate: f64::from(rate),
            burst: f64::from(burst),
        }
    }

    /// Takes one token; `false` when the bucket is empty. A rate of 0 means no limit.
    fn take(&mut self) -> bool {
        self.rate == 0.0
            || self
                .level
                .take(TokioInstant::now(), self.rate, self.burst)
                .is_ok()
    }
}

struct Acker {
    queue: mpsc::Sender<Ack>,
    task: JoinHandle<()>,
}

struct Session {
    shared: Arc<Shared>,
    conn: ConnId,
    framing: Framing,
    outbox: Outbox,
    /// The acknowledgement queue and its task, started by the first update: a socket that
    /// only reads (most of them) never pays for either.
    acker: Option<Acker>,
    channels: Channels,
    /// Frames for boards whose Auth has not succeeded yet.
    pending: HashMap<String, Vec<Bytes>>,
    pending_frames: usize,
    pending_bytes: usize,
    /// Signed-in users holding a channel on this socket (each counted once per socket
    /// against `max_connections_per_user`).
    users: HashSet<String>,
    update_rate: Bucket,
    awareness_rate: Bucket,
    /// This socket's place under its address's cap on unauthenticated connections, freed at
    /// its first successful Auth.
    unauthenticated: Option<UnauthenticatedSlot>,
    /// Auths refused so far (each costs database lookups); beyond the budget the socket closes.
    failed_auths: u32,
}

/// Runs a multiplexed (`/sync`) connection until it closes.
/// `span` gets the connection's id (its `conn` field) and covers everything it does.
/// `slot` is the socket's place under its address's cap until it authenticates a board.
pub fn run_mux(
    socket: WebSocket,
    shared: Arc<Shared>,
    span: tracing::Span,
    slot: Option<UnauthenticatedSlot>,
) -> impl Future<Output = ()> + Send {
    start(socket, shared, span, Framing::Mux, None, slot)
}

/// Runs a single-board y-websocket connection (already authorised at upgrade).
pub fn run_yws(
    socket: WebSocket,
    shared: Arc<Shared>,
    board: String,
    grant: Grant,
    token: String,
    span: tracing::Span,
) -> impl Future<Output = ()> + Send {
    start(
        socket,
        shared,
        span,
        Framing::YWebsocket,
        Some(Box::new((board, grant, token))),
        None,
    )
}

/// The board a y-websocket connection was opened for, and its grant and token.
type SingleBoard = Box<(String, Grant, String)>;

/// Sets a connection up synchronously and returns the future that serves it. That future
/// lives as long as the connection and is the connection's only task: it reads the socket,
/// writes what is queued for it, and handles timers and membership changes. An idle
/// connection's memory is mostly this future, so it holds only what the loop needs.
fn start(
    socket: WebSocket,
    shared: Arc<Shared>,
    span: tracing::Span,
    framing: Framing,
    single: Option<SingleBoard>,
    unauthenticated: Option<UnauthenticatedSlot>,
) -> impl Future<Output = ()> + Send {
    let conn = shared.next_connection_id();
    span.record("conn", conn);
    shared.metrics.connections.inc();
    shared.metrics.connections_total.inc();
    let limits = &shared.config.limits;

    let outbox_limits = OutboxLimits {
        frames: limits.send_queue_frames,
        bytes: limits.send_queue_bytes,
        relay_bytes: limits.relay_send_queue_bytes,
    };
    let (outbox, queued) = Outbox::new(outbox_limits, shared.metrics.clone());
    let io = Io {
        socket,
        queued,
        ping_due: false,
        unflushed: false,
        failed: false,
    };
    let session = Session {
        shared: shared.clone(),
        conn,
        framing,
        outbox,
        acker: None,
        channels: Channels::default(),
        pending: HashMap::new(),
        pending_frames: 0,
        pending_bytes: 0,
        users: HashSet::new(),
        update_rate: Bucket::new(limits.updates_per_second, limits.rate_burst),
        awareness_rate: Bucket::new(limits.awareness_per_second, limits.rate_burst),
        unauthenticated,
        failed_auths: 0,
    };
    let future = run_connection(session, io, single);
    tracing::debug!(bytes = std::mem::size_of_val(&future), "connection future");
    tracing::Instrument::instrument(future, span)
}

#[expect(
    clippy::manual_async_fn,
    reason = "an async fn would store its arguments twice in this long-lived future"
)]
fn run_connection(
    mut session: Session,
    mut io: Io,
    single: Option<SingleBoard>,
) -> impl Future<Output = ()> + Send {
    // An async block rather than an async fn: rustc lays an async fn's arguments out twice in
    // its future (as captures and as locals), and this future lives as long as the connection.
    async move {
        let shared = session.shared.clone();
        let framing = session.framing;
        let conn = session.conn;
        let (auth_timeout, ping_interval, idle_timeout) = {
            let limits = &shared.config.limits;
            (
                limits.auth_timeout,
                limits.ping_interval,
                limits.idle_timeout,
            )
        };
        let mut membership = shared.membership.subscribe();

        if let Some(single) = single {
            let (board, grant, token) = *single;
            let joined = io
                .pump_while(Box::pin(session.join(&board, grant, token)))
                .await;
            if let Err(ending) = joined {
                Box::pin(finish(session, io, Some(ending))).await;
                return;
            }
            if let Some(channel) = session.channels.get(&board) {
                channel.room.send_step1(conn);
                channel.room.send_awareness(conn);
            }
        }

        let mut shutdown = shared.shutdown.clone();
        let auth_deadline = TokioInstant::now() + auth_timeout;
        let mut last_heard = TokioInstant::now();
        // One timer for the ping schedule and the authentication deadline.
        let mut next_ping = TokioInstant::now() + ping_interval;
        let mut timer = pin!(sleep_until(next_ping.min(auth_deadline)));

        let ending: Option<Ending> = loop {
            let waiting_for_auth = session.channels.is_empty() && framing == Framing::Mux;
            let wake_at = if waiting_for_auth {
                next_ping.min(auth_deadline)
            } else {
                next_ping
            };
            if timer.deadline() != wake_at {
                timer.as_mut().reset(wake_at);
            }
            tokio::select! {
                biased;
                _ = shutdown.changed() => {
                    break Some(Ending::new(close::SERVICE_RESTART, "relay restarting; reconnect"));
                }
                change = membership.recv() => {
                    let changes = match change {
                        Ok(change) => vec![change],
                        // Missed some: re-check every channel.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => session.every_channel(),
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => Vec::new(),
                    };
                    let mut ended = None;
                    for change in changes {
                        let changed = io.pump_while(Box::pin(session.on_membership_change(&change))).await;
                        if let Err(ending) = changed {
                            ended = Some(ending);
                            break;
                        }
                    }
                    if ended.is_some() {
                        break ended;
                    }
                }
                () = &mut timer => {
                    let now = TokioInstant::now();
                    if waiting_for_auth && now >= auth_deadline {
                        shared.metrics.reject("auth_timeout");
                        break Some(Ending::new(close::POLICY_VIOLATION, "no board authenticated in time"));
                    }
                    if now >= next_ping {
                        if last_heard.elapsed() > idle_timeout {
                            break Some(Ending::new(close::GOING_AWAY, "idle timeout"));
                        }
                        io.ping_due = true;
                        next_ping = now + ping_interval;
                    }
                }
                event = poll_fn(|cx| io.poll_event(cx)) => match event {
                    SocketEvent::Overflow => {
                        break Some(Ending::new(close::TRY_AGAIN_LATER, "too far behind; reconnect to resync"));
                    }
                    SocketEvent::WriteFailed => break None,
                    SocketEvent::Message(message) => {
                        last_heard = TokioInstant::now();
                        match message {
                            None => break None,
                            Some(Err(error)) => {
                                let text = error.to_string();
                                if text.contains("too long") || text.contains("too big") || text.contains("Space limit") {
                                    shared.metrics.reject("oversize");
                                    break Some(Ending::new(close::MESSAGE_TOO_BIG, "message too big"));
                                }
                                break None;
                            }
                            Some(Ok(Message::Binary(bytes))) => {
                                // Boxed: an idle connection's resting future stays small instead of
                                // reserving room for the largest handler (board loading, storage
                                // queries). Queued frames keep going out meanwhile.
                                let handled = io.pump_while(Box::pin(session.on_frame(bytes))).await;
                                if let Err(ending) = handled {
                                    break Some(ending);
                                }
                            }
                            Some(Ok(Message::Text(_))) => {
                                shared.metrics.reject("text_frame");
                                break Some(Ending::new(close::INVALID_DATA, "binary frames only"));
                            }
                            Some(Ok(Message::Close(_))) => break None,
                            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                        }
                    }
                },
            }
        };
        // Boxed, like the frame handlers above.
        Box::pin(finish(session, io, ending)).await;
    }
}

/// Closes a connection: leave every room, deliver the acknowledgements still owed (their
/// commits are in flight), then the close frame.
async fn finish(session: Session, mut io: Io, ending: Option<Ending>) {
    let server_closed = ending.is_some();
    let Session {
        shared,
        conn,
        channels,
        acker,
        outbox,
        users,
        ..
    } = session;
    for (_, channel) in channels.iter() {
        shared
            .rooms
            .leave(&channel.room, conn, channel.user.as_deref());
    }
    drop(channels);
    {
        let mut counts = shared
            .user_connections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for user in users {
            if let Some(count) = counts.get_mut(&user) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    counts.remove(&user);
                }
            }
        }
    }
    let grace = shared.config.shutdown_grace;
    if let Some(Acker { queue, task }) = acker {
        drop(queue);
        // Frames keep going out while the last acknowledgements arrive.
        let _ = tokio::time::timeout(grace, io.pump_while(task)).await;
    }
    drop(outbox);
    let _ = tokio::time::timeout(grace, io.close(ending)).await;
    if server_closed {
        // Keep the socket open briefly so the client reads our close frame: closing TCP with
        // its unread bytes still buffered (say, the rest of an oversize message) would send a
        // reset instead, and the client would see 1006 rather than our code and reason.
        let linger = async {
            while let Some(Ok(_)) = io.socket.next().await {}
            tokio::time::sleep(CLOSE_LINGER).await;
        };
        let _ = tokio::time::timeout(CLOSE_LINGER, linger).await;
    }
    shared.metrics.connections.dec();
}

/// Most frames fed to the socket per turn before they are flushed: enough to turn a burst into
/// one write, few enough that a hot board cannot starve reading.
const MAX_FRAMES_PER_WRITE: usize = 256;

/// The socket and the queue of frames towards it, both driven by the connection's one task (no
/// split halves behind a lock, no writer task).
struct Io {
    socket: WebSocket,
    queued: OutboxReceiver,
    /// A ping is owed to the client (it goes ahead of queued frames).
    ping_due: bool,
    /// Frames were fed to tungstenite since its last completed flush.
    unflushed: bool,
    /// Writing failed: the socket is gone.
    failed: bool,
}

/// What the socket side has for the connection loop.
enum SocketEvent {
    Message(Option<Result<Message, axum::Error>>),
    /// A push found the queue full: the client is too far behind.
    Overflow,
    WriteFailed,
}

impl Io {
    /// Writes what is queued, then reads: the next message, or why the connection must end.
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<SocketEvent> {
        if self.poll_write(cx).is_ready() {
            return Poll::Ready(SocketEvent::WriteFailed);
        }
        if self.queued.poll_overflow(cx).is_ready() {
            return Poll::Ready(SocketEvent::Overflow);
        }
        self.socket.poll_next_unpin(cx).map(SocketEvent::Message)
    }

    /// Feeds every queued frame (a ping first) into tungstenite's write buffer and flushes them
    /// once: a burst of broadcasts costs one `write`, not one per frame. `Ready` only once
    /// writing has failed; otherwise `Pending`, with the task registered for what it waits on
    /// (a queued frame, or the socket taking more bytes).
    fn poll_write(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.failed {
            return Poll::Ready(());
        }
        let mut fed = 0;
        while fed < MAX_FRAMES_PER_WRITE {
            match self.socket.poll_ready_unpin(cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(_)) => return self.fail(),
                Poll::Pending => return Poll::Pending,
            }
            let message = if self.ping_due {
                self.ping_due = false;
                Message::Ping(Bytes::new())
            } else {
                match self.queued.poll_recv(cx) {
                    Poll::Ready(bytes) => Message::Binary(bytes),
                    Poll::Pending => break,
                }
            };
            if self.socket.start_send_unpin(message).is_err() {
                return self.fail();
            }
            self.unflushed = true;
            fed += 1;
        }
        if self.unflushed {
            match self.socket.poll_flush_unpin(cx) {
                Poll::Ready(Ok(())) => self.unflushed = false,
                Poll::Ready(Err(_)) => return self.fail(),
                Poll::Pending => return Poll::Pending,
            }
        }
        if fed == MAX_FRAMES_PER_WRITE {
            // More may be queued: come back after reading had its turn.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }

    fn fail(&mut self) -> Poll<()> {
        self.failed = true;
        Poll::Ready(())
    }

    /// Runs `work` to completion while queued frames keep going out (the work may wait on
    /// storage, or on the acknowledgement queue that this socket's writes drain).
    async fn pump_while<F: Future>(&mut self, work: F) -> F::Output {
        let mut work = pin!(work);
        poll_fn(|cx| {
            if let Poll::Ready(output) = work.as_mut().poll(cx) {
                return Poll::Ready(output);
            }
            // A failed write is seen by the connection loop afterwards.
            let _ = self.poll_write(cx);
            Poll::Pending
        })
        .await
    }

    /// Ends the socket: when the relay closes it, what is queued (acknowledgements) goes out
    /// first, then the close frame.
    async fn close(&mut self, ending: Option<Ending>) {
        if self.failed {
            return;
        }
        if let Some(ending) = ending {
            while let Some(bytes) = self.queued.try_recv() {
                if self.socket.feed(Message::Binary(bytes)).await.is_err() {
                    return;
                }
            }
            let frame = CloseFrame {
                code: ending.code,
                reason: ending.reason.into(),
            };
            let _ = self.socket.send(Message::Close(Some(frame))).await;
        }
        let _ = self.socket.close().await;
    }
}

/// Sends SyncStatus for each update in arrival order, each only once its fate is known.
async fn ack_loop(
    shared: Arc<Shared>,
    framing: Framing,
    outbox: Outbox,
    mut acks: mpsc::Receiver<Ack>,
) {
    while let Some(ack) = acks.recv().await {
        let (room, applied) = match ack {
            Ack::Now { room, applied } => (room, applied),
            Ack::AfterOpenCommits { room, commits } => {
                let durable = room.wait_durable(&commits).await;
                (room, durable)
            }
            Ack::AfterCommit {
                room,
                number,
                ticket,
                received,
                author,
            } => {
                let outcome = ticket.await;
                let committed = outcome.is_ok();
                if committed {
                    shared
                        .metrics
                        .ack_seconds
                        .observe(received.elapsed().as_secs_f64());
                    shared.after_commit(&room, author.as_deref());
                } else if matches!(outcome, Err(crate::commit::CommitError::NotAllowed)) {
                    shared.metrics.reject("write_revoked");
                    // Storage says the author may no longer write: every channel of theirs on
                    // this board re-reads the role now rather than when the notification of the
                    // change arrives (if it ever does).
                    if let Some(user) = author {
                        let _ = shared.membership.send(MembershipChange {
                            board: room.board.clone(),
                            user,
                        });
                    }
                }
                shared.rooms.commit_resolved(&room, number, committed);
                (room, committed)
            }
        };
        if framing == Framing::Mux {
            let mut body = Vec::with_capacity(2);
            MuxMessage::SyncStatus { applied }.encode_into(&mut body);
            outbox.push(frame(&room.mux_prefix, Framing::Mux, &body));
        }
    }
}

impl Session {
    fn limits(&self) -> &crate::config::ConnectionLimits {
        &self.shared.config.limits
    }

    /// Counts this socket against the user's connection cap (once per socket); `false` when
    /// the user already holds the most sockets allowed.
    fn admit_user(&mut self, user: &str) -> bool {
        if self.users.contains(user) {
            return true;
        }
        let cap = self.limits().max_connections_per_user;
        let mut counts = self
            .shared
            .user_connections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = counts.entry(user.to_owned()).or_insert(0);
        if *count >= cap {
            return false;
        }
        *count += 1;
        drop(counts);
        self.users.insert(user.to_owned());
        true
    }

    async fn join(&mut self, board: &str, grant: Grant, token: String) -> Result<(), Ending> {
        if self.channels.len() >= self.limits().max_boards_per_socket {
            return Err(Ending::new(
                close::POLICY_VIOLATION,
                "too many boards on one socket",
            ));
        }
        if let Some(user) = &grant.user {
            if !self.admit_user(user) {
                self.shared.metrics.reject("user_connection_cap");
                return Err(Ending::new(
                    close::TRY_AGAIN_LATER,
                    "too many connections for this account",
                ));
            }
        }
        let joined = self
            .shared
            .rooms
            .join(
                board,
                grant.user.as_deref(),
                self.conn,
                self.outbox.clone(),
                self.framing,
            )
            .await;
        match joined {
            Ok(room) => {
                let channel = Channel {
                    room,
                    access: grant.access,
                    user: grant.user,
                    token,
                };
                self.channels.insert(channel);
                Ok(())
            }
            Err(error) => {
                tracing::error!(?error, board, "loading board failed");
                Err(Ending::new(
                    close::TRY_AGAIN_LATER,
                    "board unavailable; try again",
                ))
            }
        }
    }

    /// Sends a multiplexed message for a board to this client.
    fn send_mux(&self, board_prefix: &[u8], message: &MuxMessage) {
        let mut body = Vec::new();
        message.encode_into(&mut body);
        self.outbox.push(frame(board_prefix, Framing::Mux, &body));
    }

    /// Drops a board's channel with a reason (the socket and other boards carry on).
    fn close_channel(&mut self, board: &str, reason: &str) {
        if let Some(channel) = self.channels.remove(board) {
            self.shared
                .rooms
                .leave(&channel.room, self.conn, channel.user.as_deref());
            if self.framing == Framing::Mux {
                self.send_mux(
                    &channel.room.mux_prefix,
                    &MuxMessage::Close {
                        reason: Some(reason.to_owned()),
                    },
                );
            }
        }
    }

    async fn on_frame(&mut self, bytes: Bytes) -> Result<(), Ending> {
        match self.framing {
            Framing::Mux => self.on_mux_frame(bytes).await,
            Framing::YWebsocket => self.on_yws_frame(&bytes).await,
        }
    }

    async fn on_yws_frame(&mut self, bytes: &[u8]) -> Result<(), Ending> {
        let metrics = &self.shared.metrics;
        let message = YwsMessage::decode(bytes, &self.shared.config.frame_limits).map_err(|e| {
            metrics.reject("malformed_frame");
            Ending::new(close::INVALID_DATA, format!("malformed frame: {e}"))
        })?;
        let Some(board) = self.channels.first_board() else {
            return Err(Ending::new(close::NORMAL, "board closed"));
        };
        match message {
            YwsMessage::Sync(sync) => {
                metrics.frame_in("sync", bytes.len());
                self.on_sync(&board, sync).await
            }
            YwsMessage::Awareness { update } => {
                metrics.frame_in("awareness", bytes.len());
                self.on_awareness(&board, &update)
            }
            YwsMessage::QueryAwareness => {
                metrics.frame_in("query_awareness", bytes.len());
                self.on_query_awareness(&board);
                Ok(())
            }
            YwsMessage::PermissionDenied { .. } => Ok(()),
        }
    }

    async fn on_mux_frame(&mut self, bytes: Bytes) -> Result<(), Ending> {
        let limits = self.shared.config.frame_limits.clone();
        let decoded = MuxFrame::decode(&bytes, &limits);
        let frame = match decoded {
            Ok(frame) => frame,
            Err(e) => {
                self.shared.metrics.reject("malformed_frame");
                return Err(Ending::new(
                    close::INVALID_DATA,
                    format!("malformed frame: {e}"),
                ));
            }
        };
        let (board, message) = match frame {
            MuxFrame::Ping => {
                self.shared.metrics.frame_in("ping", bytes.len());
                self.outbox.push(Bytes::from_static(&[PONG_BYTE]));
                return Ok(());
            }
            MuxFrame::Pong => return Ok(()),
            MuxFrame::Board { board, message } => (board, message),
        };
        if board.is_empty() {
            self.shared.metrics.reject("empty_board_name");
            return Err(Ending::new(close::PROTOCOL_ERROR, "frame names no board"));
        }
        if let MuxMessage::Auth(AuthMessage::Token { token }) = &message {
            self.shared.metrics.frame_in("auth", bytes.len());
            return self.authenticate(&board, token).await;
        }
        if !self.channels.contains_key(&board) {
            return self.hold_until_authenticated(board, bytes);
        }
        self.on_board_message(&board, message, bytes.len()).await
    }

    /// Frames may arrive before their board's Auth succeeds; keep a bounded number.
    fn hold_until_authenticated(&mut self, board: String, bytes: Bytes) -> Result<(), Ending> {
        let limits = self.limits().clone();
        let new_board = !self.pending.contains_key(&board);
        if (new_board && self.pending.len() >= limits.max_pending_boards)
            || self.pending_frames + 1 > limits.max_pending_frames
            || self.pending_bytes + bytes.len() > limits.max_pending_bytes
        {
            self.shared.metrics.reject("unauthenticated_flood");
            return Err(Ending::new(
                close::POLICY_VIOLATION,
                "too much traffic for boards that are not authenticated",
            ));
        }
        self.pending_frames += 1;
        self.pending_bytes += bytes.len();
        self.pending.entry(board).or_default().push(bytes);
        Ok(())
    }

    async fn authenticate(&mut self, board: &str, token: &str) -> Result<(), Ending> {
        if self.channels.contains_key(board) {
            return Ok(());
        }
        let prefix = mux_prefix(board);
        let verdict = self.shared.verifier.verify(token, board).await;
        let held = self.pending.remove(board).unwrap_or_default();
        self.pending_frames -= held.len();
        self.pending_bytes -= held.iter().map(Bytes::len).sum::<usize>();
        match verdict {
            Err(denied) => {
                self.shared.metrics.reject("permission_denied");
                self.send_mux(
                    &prefix,
                    &MuxMessage::Auth(AuthMessage::PermissionDenied { reason: denied.0 }),
                );
                self.failed_auths += 1;
                if self.failed_auths >= self.shared.config.admission.max_failed_auths_per_socket {
                    self.shared.metrics.reject("auth_budget");
                    return Err(Ending::new(
                        close::POLICY_VIOLATION,
                        "too many refused Auth attempts on this socket",
                    ));
                }
                Ok(())
            }
            Ok(grant) => {
                let access = grant.access;
                self.join(board, grant, token.to_owned()).await?;
                self.unauthenticated = None;
                let scope = match access {
                    Access::ReadOnly => AuthScope::ReadOnly,
                    Access::ReadWrite => AuthScope::ReadWrite,
                };
                self.send_mux(
                    &prefix,
                    &MuxMessage::Auth(AuthMessage::Authenticated { scope }),
                );
                for bytes in held {
                    Box::pin(self.on_mux_frame(bytes)).await?;
                }
                Ok(())
            }
        }
    }

    async fn on_board_message(
        &mut self,
        board: &str,
        message: MuxMessage,
        size: usize,
    ) -> Result<(), Ending> {
        let metrics = self.shared.metrics.clone();
        match message {
            MuxMessage::Sync(sync) | MuxMessage::SyncReply(sync) => {
                metrics.frame_in("sync", size);
                self.on_sync(board, sync).await
            }
            MuxMessage::Awareness { update } => {
                metrics.frame_in("awareness", size);
                self.on_awareness(board, &update)
            }
            MuxMessage::QueryAwareness => {
                metrics.frame_in("query_awareness", size);
                self.on_query_awareness(board);
                Ok(())
            }
            MuxMessage::Close { .. } => {
                metrics.frame_in("close", size);
                if let Some(channel) = self.channels.remove(board) {
                    self.shared
                        .rooms
                        .leave(&channel.room, self.conn, channel.user.as_deref());
                }
                Ok(())
            }
            MuxMessage::Stateless { .. } | MuxMessage::BroadcastStateless { .. } => {
                metrics.frame_in("stateless", size);
                Ok(())
            }
            MuxMessage::Auth(_) | MuxMessage::SyncStatus { .. } => {
                metrics.frame_in("other", size);
                Ok(())
            }
        }
    }

    /// Takes a client's awareness update: each entry only within the bounds and only for client
    /// ids this connection introduced. A client that keeps sending what is refused loses the
    /// board's channel (a y-websocket socket closes).
    fn on_awareness(&mut self, board: &str, update: &[u8]) -> Result<(), Ending> {
        let shared = self.shared.clone();
        let metrics = &shared.metrics;
        if !self.awareness_rate.take() {
            metrics.reject("awareness_rate");
            return Ok(());
        }
        let Some(channel) = self.channels.get(board) else {
            return Ok(());
        };
        let room = channel.room.clone();
        let bounds = &shared.config.limits.awareness;
        let decoded = sync_protocol::decode_awareness_update_checked(
            update,
            &shared.config.frame_limits,
            &bounds.message,
        );
        let abusive = match decoded {
            Ok(checked) => {
                let outcome = room.awareness(self.conn, update, checked, bounds);
                metrics.reject_many("awareness_limit", outcome.over_limit);
                metrics.reject_many("awareness_spoof", outcome.spoofed);
                if let Some(relayed) = &outcome.relayed {
                    shared.rooms.publish_awareness(board, relayed);
                }
                outcome.abusive
            }
            Err(ProtocolError::LimitExceeded { .. }) => {
                metrics.reject("awareness_limit");
                room.refuse_awareness(self.conn, bounds)
            }
            Err(_) => {
                metrics.reject("malformed_awareness");
                room.refuse_awareness(self.conn, bounds)
            }
        };
        if abusive {
            metrics.reject("awareness_abuse");
            let reason = "too many refused awareness updates";
            if self.framing == Framing::YWebsocket {
                return Err(Ending::new(close::POLICY_VIOLATION, reason));
            }
            self.close_channel(board, &sync_protocol::Cause::Limit.reason(reason));
        }
        Ok(())
    }

    /// Answers QueryAwareness with the room's shared snapshot, within the awareness rate.
    fn on_query_awareness(&mut self, board: &str) {
        if !self.awareness_rate.take() {
            self.shared.metrics.reject("awareness_rate");
            return;
        }
        if let Some(channel) = self.channels.get(board) {
            channel.room.send_awareness(self.conn);
        }
    }

    async fn on_sync(&mut self, board: &str, sync: SyncMessage) -> Result<(), Ending> {
        let Some(channel) = self.channels.get(board) else {
            return Ok(());
        };
        let room = channel.room.clone();
        let access = channel.access;
        let author = channel.user.clone();
        let limits = self.shared.config.update_limits.clone();
        match sync {
            SyncMessage::Step1 { state_vector } => {
                match sync_protocol::decode_state_vector_checked(&state_vector, &limits) {
                    Ok(sv) => {
                        if !sv.is_empty() {
                            self.shared.metrics.reconnects.inc();
                        }
                        room.sync_step1(self.conn, &sv);
                    }
                    Err(e) => {
                        self.shared.metrics.reject("malformed_state_vector");
                        self.close_channel(
                            board,
                            &sync_protocol::Cause::Malformed
                                .reason(&format!("malformed state vector: {e}")),
                        );
                    }
                }
                Ok(())
            }
            SyncMessage::Step2 { update } | SyncMessage::Update { update } => {
                let received = Instant::now();
                if !self.update_rate.take() {
                    self.shared.metrics.reject("update_rate");
                    self.ack_now(&room, false).await;
                    return Err(Ending::new(
                        close::POLICY_VIOLATION,
                        "too many updates; slow down and reconnect",
                    ));
                }
                let decoded = match sync_protocol::decode_update_checked(&update, &limits) {
                    Ok(decoded) => decoded,
                    Err(e) => {
                        self.shared.metrics.reject("malformed_update");
                        self.ack_now(&room, false).await;
                        self.close_channel(
                            board,
                            &sync_protocol::Cause::Malformed
                                .reason(&format!("malformed update: {e}")),
                        );
                        return Ok(());
                    }
                };
                let outcome = if access.can_write() {
                    room.apply_update(self.conn, &update, decoded, received)
                } else {
                    // A viewer's Step2 that brings nothing new is fine; anything else is refused.
                    room.check_held(self.conn, &decoded)
                };
                match outcome {
                    Ok(Applied::Held(commits)) => {
                        if commits.is_empty() {
                            self.ack_now(&room, true).await;
                        } else {
                            let ack = Ack::AfterOpenCommits {
                                room: room.clone(),
                                commits,
                            };
                            let _ = self.acks().send(ack).await;
                        }
                    }
                    Ok(Applied::Accepted(number)) => {
                        self.shared.metrics.observe_update(board, &update);
                        // Queued here, in arrival order, so a client's updates commit in order.
                        let ticket = self
                            .shared
                            .committer
                            .enqueue_as(board.to_owned(), update, author.clone())
                            .await;
                        match ticket {
                            Ok(ticket) => {
                                let ack = Ack::AfterCommit {
                                    room: room.clone(),
                                    number,
                                    ticket,
                                    received,
                                    author,
                                };
                                // No one left to acknowledge, but the commit still runs:
                                // resolve it when it does, for the room's other waiters.
                                if let Err(mpsc::error::SendError(Ack::AfterCommit {
                                    room,
                                    ticket,
                                    ..
                                })) = self.acks().send(ack).await
                                {
                                    let shared = Arc::clone(&self.shared);
                                    tokio::spawn(async move {
                                        let committed = ticket.await.is_ok();
                                        shared.rooms.commit_resolved(&room, number, committed);
                                    });
                                }
                            }
                            Err(_) => {
                                self.shared.rooms.commit_resolved(&room, number, false);
                                self.ack_now(&room, false).await;
                            }
                        }
                    }
                    Err(RoomError::ReadOnly) => {
                        self.shared.metrics.reject("read_only");
                        self.ack_now(&room, false).await;
                    }
                    Err(RoomError::Reloading) => {
                        // Not stored; once reloaded the room asks for what it lacks.
                        self.shared.metrics.reject("room_reloading");
                        self.ack_now(&room, false).await;
                    }
                    Err(RoomError::MissingHistory) => {
                        self.shared.metrics.reject("missing_history");
                        self.ack_now(&room, false).await;
                        if access.can_write() {
                            // Ask for everything the relay lacks; the client's Step2 fills the gap.
                            room.send_step1(self.conn);
                        }
                    }
                    Err(error) => {
                        self.shared.metrics.reject("apply_failed");
                        self.ack_now(&room, false).await;
                        self.close_channel(
                            board,
                            &sync_protocol::Cause::Malformed.reason(&error.to_string()),
                        );
                    }
                }
                Ok(())
            }
        }
    }

    /// A change for every channel held on behalf of a user (after missing notifications).
    fn every_channel(&self) -> Vec<MembershipChange> {
        self.channels
            .iter()
            .filter_map(|(board, channel)| {
                channel.user.as_ref().map(|user| MembershipChange {
                    board: board.clone(),
                    user: user.clone(),
                })
            })
            .collect()
    }

    /// Re-reads the role behind a channel whose membership changed: gone → the channel is
    /// closed (a y-websocket socket, which is that one board, ends); viewer → read-only from
    /// now on; owner or editor → read-write. A change for [`MembershipChange::EVERY_BOARD`]
    /// means the user's sessions changed: each of their channels checks its token again.
    async fn on_membership_change(&mut self, change: &MembershipChange) -> Result<(), Ending> {
        if change.board == MembershipChange::EVERY_BOARD {
            return self.on_sessions_change(&change.user).await;
        }
        let Some(channel) = self.channels.get(&change.board) else {
            return Ok(());
        };
        if channel.user.as_deref() != Some(change.user.as_str()) {
            return Ok(());
        }
        let role = match self
            .shared
            .storage
            .role_of(&change.user, &change.board)
            .await
        {
            Ok(role) => role,
            Err(error) => {
                // Fail closed: without knowing the role, the channel goes.
                tracing::error!(%error, board = %change.board, "re-reading a role failed");
                None
            }
        };
        let Some(role) = role else {
            tracing::info!(board = %change.board, user = %change.user, "membership ended; closing channel");
            self.shared.metrics.reject("membership_revoked");
            return self.revoke_channel(
                &change.board,
                sync_protocol::Cause::Revoked,
                "access to this board was revoked",
            );
        };
        self.set_access(&change.board, Access::from(role));
        Ok(())
    }

    /// A user's sessions changed (logout, a revoked session): every channel opened on their
    /// behalf verifies its token again, and those whose session is gone close.
    async fn on_sessions_change(&mut self, user: &str) -> Result<(), Ending> {
        let held: Vec<(String, String)> = self
            .channels
            .iter()
            .filter(|(_, channel)| channel.user.as_deref() == Some(user))
            .map(|(board, channel)| (board.clone(), channel.token.clone()))
            .collect();
        for (board, token) in held {
            match self.shared.verifier.verify(&token, &board).await {
                Ok(grant) => self.set_access(&board, grant.access),
                Err(_) => {
                    tracing::info!(%board, %user, "session ended; closing channel");
                    self.shared.metrics.reject("session_revoked");
                    self.revoke_channel(
                        &board,
                        sync_protocol::Cause::SessionEnded,
                        "your session ended; sign in again",
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Closes a channel whose access is gone, telling the client why (DESIGN §3, "Refusals":
    /// the cause's code before the text; a y-websocket socket ends with the cause's close code).
    fn revoke_channel(
        &mut self,
        board: &str,
        cause: sync_protocol::Cause,
        text: &str,
    ) -> Result<(), Ending> {
        let reason = cause.reason(text);
        if self.framing == Framing::YWebsocket {
            return Err(Ending::new(cause.close_code(), reason));
        }
        let reason = reason.as_str();
        let prefix = mux_prefix(board);
        self.close_channel(board, reason);
        self.send_mux(
            &prefix,
            &MuxMessage::Auth(AuthMessage::PermissionDenied {
                reason: reason.into(),
            }),
        );
        Ok(())
    }

    /// Downgrades or upgrades a channel, telling a multiplexed client its new scope.
    fn set_access(&mut self, board: &str, access: Access) {
        if let Some(channel) = self.channels.get_mut(board) {
            if channel.access != access {
                channel.access = access;
                if self.framing == Framing::Mux {
                    let scope = match access {
                        Access::ReadOnly => AuthScope::ReadOnly,
                        Access::ReadWrite => AuthScope::ReadWrite,
                    };
                    let prefix = channel.room.mux_prefix.clone();
                    self.send_mux(
                        &prefix,
                        &MuxMessage::Auth(AuthMessage::Authenticated { scope }),
                    );
                }
            }
        }
    }

    /// The acknowledgement queue, starting it (and its task) on first use.
    fn acks(&mut self) -> mpsc::Sender<Ack> {
        if let Some(acker) = &self.acker {
            return acker.queue.clone();
        }
        let capacity = self.limits().send_queue_frames.max(1);
        let (queue, acks) = mpsc::channel::<Ack>(capacity);
        let task = tokio::spawn(ack_loop(
            self.shared.clone(),
            self.framing,
            self.outbox.clone(),
            acks,
        ));
        self.acker = Some(Acker {
            queue: queue.clone(),
            task,
        });
        queue
    }

    async fn ack_now(&mut self, room: &Arc<Room>, applied: bool) {
        let _ = self
            .acks()
            .send(Ack::Now {
                room: room.clone(),
                applied,
            })
            .await;
    }
}
