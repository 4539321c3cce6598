//! One task per WebSocket, the shell around `relay_core::ConnectionSession`: it reads the
//! socket and hands each frame to the session with the time, runs the effects the session
//! returns (queue a frame, verify a token, join a room, commit, acknowledge, close), writes the
//! frames queued for the client, and acknowledges each update with SyncStatus only after it
//! is committed.

use std::collections::HashSet;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::{SinkExt, StreamExt};
use relay_core::session::{EndCause, Recheck};
use relay_core::{Acknowledger, Awaiting, ConnectionSession, Effect, Ending};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{sleep_until, Instant as TokioInstant};

use crate::admission::UnauthenticatedSlot;
use crate::auth::Grant;
use crate::commit::CommitTicket;
use crate::room::{CommitNumber, Framing, Room, SendQueue, SendQueueLimits, SendQueueReceiver};
use crate::server::{MembershipChange, Sockets};

/// WebSocket close codes the relay uses.
pub use relay_core::session::close;

/// How long a socket stays open after the relay sent its close frame.
const CLOSE_LINGER: std::time::Duration = std::time::Duration::from_millis(500);

/// An acknowledgement owed to the client, in the order its updates arrived (settled by the
/// acknowledgement task's `relay_core::Acknowledger`).
type Ack = (Arc<Room>, Awaiting<CommitWait>);

/// An update's own commit, as the acknowledgement task follows it.
struct CommitWait {
    number: CommitNumber,
    ticket: CommitTicket,
    received: Instant,
    author: Option<String>,
}

struct Acker {
    queue: mpsc::Sender<Ack>,
    task: JoinHandle<()>,
}

/// One socket's shell state around its protocol session.
struct ConnectionShell {
    shared: Arc<Sockets>,
    outbox: SendQueue,
    /// The acknowledgement queue and its task, started by the first update: a socket that
    /// only reads (most of them) never pays for either.
    acker: Option<Acker>,
    session: ConnectionSession<Arc<Room>>,
    /// Signed-in users holding a channel on this socket (each counted once per socket
    /// against `max_connections_per_user`).
    users: HashSet<String>,
    /// This socket's place under its address's cap on unauthenticated connections, freed at
    /// its first successful Auth.
    unauthenticated: Option<UnauthenticatedSlot>,
}

/// Runs a multiplexed (`/sync`) connection until it closes.
/// `span` gets the connection's id (its `conn` field) and covers everything it does.
/// `slot` is the socket's place under its address's cap until it authenticates a board.
pub fn run_mux(
    socket: WebSocket,
    shared: Arc<Sockets>,
    span: tracing::Span,
    slot: Option<UnauthenticatedSlot>,
) -> impl Future<Output = ()> + Send {
    start(socket, shared, span, Framing::Mux, None, slot)
}

/// Runs a single-board y-websocket connection (already authorised at upgrade).
pub fn run_yws(
    socket: WebSocket,
    shared: Arc<Sockets>,
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
    shared: Arc<Sockets>,
    span: tracing::Span,
    framing: Framing,
    single: Option<SingleBoard>,
    unauthenticated: Option<UnauthenticatedSlot>,
) -> impl Future<Output = ()> + Send {
    let conn = shared.next_connection_id();
    span.record("conn", conn);
    shared.metrics.connections.inc();
    shared.metrics.connections_total.inc();
    let limits = &shared.limits;

    let outbox_limits = SendQueueLimits {
        frames: limits.send_queue_frames,
        bytes: limits.send_queue_bytes,
        relay_bytes: limits.relay_send_queue_bytes,
    };
    let (outbox, queued) = SendQueue::new(outbox_limits, shared.metrics.clone());
    let io = Io {
        socket,
        queued,
        ping_due: false,
        unflushed: false,
        failed: false,
    };
    let session = ConnectionSession::new(conn, framing, &shared.session_limits, Instant::now());
    let connection = ConnectionShell {
        shared: shared.clone(),
        outbox,
        acker: None,
        session,
        users: HashSet::new(),
        unauthenticated,
    };
    let future = run_connection(connection, io, single);
    tracing::debug!(bytes = std::mem::size_of_val(&future), "connection future");
    tracing::Instrument::instrument(future, span)
}

#[expect(
    clippy::manual_async_fn,
    reason = "an async fn would store its arguments twice in this long-lived future"
)]
fn run_connection(
    mut session: ConnectionShell,
    mut io: Io,
    single: Option<SingleBoard>,
) -> impl Future<Output = ()> + Send {
    // An async block rather than an async fn: rustc lays an async fn's arguments out twice in
    // its future (as captures and as locals), and this future lives as long as the connection.
    async move {
        let shared = session.shared.clone();
        let (auth_timeout, ping_interval, idle_timeout) = {
            let limits = &shared.limits;
            (
                limits.auth_timeout,
                limits.ping_interval,
                limits.idle_timeout,
            )
        };
        let mut membership = shared.membership.subscribe();

        if let Some(single) = single {
            let (board, grant, token) = *single;
            let effects = session
                .session
                .join_granted(board, grant, token, &shared.session_limits);
            let joined = io.pump_while(session.run(effects)).await;
            if let Err(ending) = joined {
                Box::pin(finish(session, io, Some(ending))).await;
                return;
            }
        }

        let mut shutdown = shared.shutdown.clone();
        let auth_deadline = TokioInstant::now() + auth_timeout;
        let mut last_heard = TokioInstant::now();
        // One timer for the ping schedule and the authentication deadline.
        let mut next_ping = TokioInstant::now() + ping_interval;
        let mut timer = pin!(sleep_until(next_ping.min(auth_deadline)));

        let ending: Option<Ending> = loop {
            let waiting_for_auth = session.session.waiting_for_auth();
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
                    break Some(Ending::new(EndCause::Restart, close::SERVICE_RESTART, "relay restarting; reconnect"));
                }
                change = membership.recv() => {
                    let changes = match change {
                        Ok(change) => vec![change],
                        // Missed some: re-check every channel.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => session.session.every_channel(),
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
                        break Some(Ending::new(EndCause::AuthTimeout, close::POLICY_VIOLATION, "no board authenticated in time"));
                    }
                    if now >= next_ping {
                        if last_heard.elapsed() > idle_timeout {
                            break Some(Ending::new(EndCause::IdleTimeout, close::GOING_AWAY, "idle timeout"));
                        }
                        io.ping_due = true;
                        next_ping = now + ping_interval;
                    }
                }
                event = poll_fn(|cx| io.poll_event(cx)) => match event {
                    SocketEvent::Overflow => {
                        break Some(Ending::new(EndCause::TooFarBehind, close::TRY_AGAIN_LATER, "too far behind; reconnect to resync"));
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
                                    break Some(Ending::new(EndCause::Oversize, close::MESSAGE_TOO_BIG, "message too big"));
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
                                break Some(Ending::new(EndCause::TextFrame, close::INVALID_DATA, "binary frames only"));
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
async fn finish(connection: ConnectionShell, mut io: Io, ending: Option<Ending>) {
    let server_closed = ending.is_some();
    let ConnectionShell {
        shared,
        acker,
        outbox,
        users,
        mut session,
        ..
    } = connection;
    let conn = session.conn();
    for (room, user) in session.take_channels() {
        shared.rooms.leave(&room, conn, user.as_deref());
    }
    drop(session);
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
    let grace = shared.shutdown_grace;
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
    queued: SendQueueReceiver,
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

/// Sends SyncStatus for each update in arrival order, each only once its fate is known: it
/// finds out the fate of the oldest one not known yet (its commit, or the room's commits open
/// when it arrived), and the `Acknowledger` says what may go out.
async fn ack_loop(
    shared: Arc<Sockets>,
    framing: Framing,
    outbox: SendQueue,
    mut acks: mpsc::Receiver<Ack>,
) {
    let mut acknowledger = Acknowledger::new(framing);
    while let Some((room, awaiting)) = acks.recv().await {
        acknowledger.owe(room, awaiting);
        loop {
            for frame in acknowledger.take_ready() {
                outbox.push(frame);
            }
            let Some((room, awaiting)) = acknowledger.front() else {
                break;
            };
            let stored = match awaiting {
                Awaiting::Known(stored) => *stored,
                Awaiting::Commits(commits) => room.wait_durable(commits).await,
                Awaiting::Commit(wait) => commit_outcome(&shared, room, wait).await,
            };
            acknowledger.settle_front(stored);
        }
    }
}

/// Waits for an update's commit, resolves it in its room and says whether it is stored.
async fn commit_outcome(shared: &Sockets, room: &Arc<Room>, wait: &mut CommitWait) -> bool {
    let outcome = (&mut wait.ticket).await;
    let committed = outcome.is_ok();
    if committed {
        shared
            .metrics
            .ack_seconds
            .observe(wait.received.elapsed().as_secs_f64());
    } else if matches!(outcome, Err(crate::commit::CommitError::NotAllowed)) {
        shared.metrics.reject("write_revoked");
        // Storage says the author may no longer write: every channel of theirs on this board
        // re-reads the role now rather than when the notification of the change arrives (if
        // it ever does).
        if let Some(user) = wait.author.take() {
            let _ = shared.membership.send(MembershipChange {
                board: room.board.clone(),
                user,
            });
        }
    }
    shared.rooms.commit_resolved(room, wait.number, committed);
    committed
}

impl ConnectionShell {
    fn limits(&self) -> &crate::config::ConnectionLimits {
        &self.shared.limits
    }

    /// Takes one frame from the socket: the session decides, this runs what it decided.
    async fn on_frame(&mut self, bytes: Bytes) -> Result<(), Ending> {
        let effects = self
            .session
            .on_frame(bytes, Instant::now(), &self.shared.session_limits);
        self.run(effects).await
    }

    /// Runs a session's effects in order; an answer the session waited for (a verdict, a
    /// joined room) is handed back to it and its effects run in turn. Boxed: an idle
    /// connection's resting future stays small instead of reserving room for the largest
    /// handler (board loading, storage queries).
    fn run(
        &mut self,
        effects: Vec<Effect<Arc<Room>>>,
    ) -> Pin<Box<dyn Future<Output = Result<(), Ending>> + Send + '_>> {
        Box::pin(async move {
            for effect in effects {
                self.run_one(effect).await?;
            }
            Ok(())
        })
    }

    async fn run_one(&mut self, effect: Effect<Arc<Room>>) -> Result<(), Ending> {
        let shared = Arc::clone(&self.shared);
        let conn = self.session.conn();
        match effect {
            Effect::Send(frame) => {
                self.outbox.push(frame);
            }
            Effect::Verify { board, token } => {
                let verdict = shared
                    .verifier
                    .verify(&token, &board)
                    .await
                    .map_err(|denied| denied.0);
                let effects =
                    self.session
                        .on_verdict(&board, token, verdict, &shared.session_limits);
                self.run(effects).await?;
            }
            Effect::Join {
                board,
                grant,
                token,
                held,
            } => self.join(board, grant, token, held).await?,
            Effect::Replay(frames) => {
                for frame in frames {
                    let effects =
                        self.session
                            .on_frame(frame, Instant::now(), &shared.session_limits);
                    self.run(effects).await?;
                }
            }
            Effect::Leave { room, user } => shared.rooms.leave(&room, conn, user.as_deref()),
            Effect::Commit {
                room,
                number,
                update,
                author,
                received,
            } => {
                let changes = room.take_history(number);
                if let Some(ending) =
                    refuse_forged_authors(&shared, author.as_deref(), &changes).await
                {
                    shared.metrics.reject_many("forged_author", 1);
                    // Never stored: the room drops it by reloading from storage.
                    shared.rooms.commit_resolved(&room, number, false);
                    self.ack(room, false).await;
                    return Err(ending);
                }
                shared.rooms.observe_update(&room.board, &update);
                let history = changes.tasks;
                // Queued here, in arrival order, so a client's updates commit in order.
                let ticket = shared
                    .committer
                    .enqueue_with_history(room.board.clone(), update, author.clone(), history)
                    .await;
                match ticket {
                    Ok(ticket) => {
                        let wait = CommitWait {
                            number,
                            ticket,
                            received,
                            author,
                        };
                        // No one left to acknowledge, but the commit still runs: resolve it
                        // when it does, for the room's other waiters.
                        if let Err(mpsc::error::SendError((room, Awaiting::Commit(wait)))) =
                            self.acks().send((room, Awaiting::Commit(wait))).await
                        {
                            tokio::spawn(async move {
                                let committed = wait.ticket.await.is_ok();
                                shared.rooms.commit_resolved(&room, number, committed);
                            });
                        }
                    }
                    Err(_) => {
                        shared.rooms.commit_resolved(&room, number, false);
                        self.ack(room, false).await;
                    }
                }
            }
            Effect::Ack { room, when } => {
                let _ = self.acks().send((room, when.into())).await;
            }
            Effect::PublishAwareness { board, update } => {
                shared.rooms.publish_awareness(&board, &update);
            }
            Effect::Reject { reason, count } => shared.metrics.reject_many(reason, count),
            Effect::FrameIn { kind, bytes } => shared.metrics.frame_in(kind, bytes),
            Effect::Reconnect => {
                shared.metrics.reconnects.inc();
            }
            Effect::Close(ending) => return Err(ending),
        }
        Ok(())
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

    /// Joins a board's room (loading it if needed), then lets the session open the channel.
    async fn join(
        &mut self,
        board: String,
        grant: Grant,
        token: String,
        held: Vec<Bytes>,
    ) -> Result<(), Ending> {
        if let Some(user) = &grant.user {
            if !self.admit_user(user) {
                self.shared.metrics.reject("user_connection_cap");
                return Err(Ending::new(
                    EndCause::TooManyConnections,
                    close::TRY_AGAIN_LATER,
                    "too many connections for this account",
                ));
            }
        }
        let joined = self
            .shared
            .rooms
            .join(
                &board,
                grant.user.as_deref(),
                self.session.conn(),
                self.outbox.clone(),
                self.session.framing(),
            )
            .await;
        match joined {
            Ok(room) => {
                self.unauthenticated = None;
                let effects = self.session.joined(room, grant, token, held);
                self.run(effects).await
            }
            Err(error) => {
                tracing::error!(?error, board, "loading board failed");
                Err(Ending::new(
                    EndCause::BoardUnavailable,
                    close::TRY_AGAIN_LATER,
                    "board unavailable; try again",
                ))
            }
        }
    }

    /// Re-reads what a membership change may have changed: the role behind a channel, or (the
    /// user's sessions changed) the token of each of their channels. The session closes or
    /// downgrades what must be.
    async fn on_membership_change(&mut self, change: &MembershipChange) -> Result<(), Ending> {
        for recheck in self.session.rechecks(change) {
            let effects = match recheck {
                Recheck::Role { board, user } => {
                    let role = match self.shared.storage.role_of(&user, &board).await {
                        Ok(role) => role,
                        Err(error) => {
                            // Fail closed: without knowing the role, the channel goes.
                            tracing::error!(%error, %board, "re-reading a role failed");
                            None
                        }
                    };
                    if role.is_none() {
                        tracing::info!(%board, %user, "membership ended; closing channel");
                    }
                    self.session
                        .on_role(&board, role.map(crate::auth::access_of))
                }
                Recheck::Token { board, token } => {
                    let verdict = self.shared.verifier.verify(&token, &board).await;
                    if verdict.is_err() {
                        tracing::info!(%board, user = %change.user, "session ended; closing channel");
                    }
                    self.session
                        .on_token_checked(&board, verdict.ok().map(|grant| grant.access))
                }
            };
            self.run(effects).await?;
        }
        Ok(())
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
            self.session.framing(),
            self.outbox.clone(),
            acks,
        ));
        self.acker = Some(Acker {
            queue: queue.clone(),
            task,
        });
        queue
    }

    async fn ack(&mut self, room: Arc<Room>, applied: bool) {
        let _ = self.acks().send((room, Awaiting::Known(applied))).await;
    }
}

/// Most other authors one update may name before it is refused without asking the database.
const MAX_OTHER_AUTHORS: usize = 64;

/// Ends the connection of an update that touches a comment whose author, before or after, is
/// another account than the writer (DESIGN §4 "Comment authors"): only its writer posts,
/// edits or removes a comment. An author no account has (the local profile's id of a board
/// written before its owner signed in) forges nobody and is accepted. No author (a relay
/// without accounts) has no one to protect.
async fn refuse_forged_authors(
    shared: &Sockets,
    writer: Option<&str>,
    changes: &crate::room::AcceptedChanges,
) -> Option<Ending> {
    let writer = writer?;
    let mut others: Vec<String> = changes
        .comment_authors
        .iter()
        .flat_map(|change| change.others(writer))
        .map(str::to_owned)
        .collect();
    if others.is_empty() {
        return None;
    }
    others.sort_unstable();
    others.dedup();
    let forged = if others.len() > MAX_OTHER_AUTHORS {
        true
    } else {
        match shared.storage.accounts_among(&others).await {
            Ok(accounts) => !accounts.is_empty(),
            Err(error) => {
                // Unknown: refuse (it is not stored; the client sends it again later).
                tracing::warn!(%error, "checking comment authors failed");
                true
            }
        }
    };
    forged.then(|| {
        Ending::new(
            EndCause::ForgedAuthor,
            close::POLICY_VIOLATION,
            "a comment can be posted, edited or removed only by its author",
        )
    })
}
