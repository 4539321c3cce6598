//! Rooms: the one live copy of each open board, its subscribers and their awareness.
//!
//! A room is loaded from storage when its first subscriber joins and dropped when the last one
//! has left and every update it accepted has been committed. All room work is synchronous and
//! short (apply an update, queue frames), done under the room's mutex.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use axum::body::Bytes;
use futures_util::task::AtomicWaker;
use sync_protocol::guard::{self, Novelty};
use sync_protocol::lib0::{write_var_bytes, write_var_string, write_var_u64};
use sync_protocol::{AwarenessEntry, CheckedAwareness, UpdateLimits};
use tokio::sync::{watch, OnceCell};
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, StateVector, Transact, Update};

use crate::config::AwarenessBounds;
use crate::metrics::Metrics;
use crate::storage::{Storage, StorageError};

pub type ConnId = u64;

/// Members a catch-up tries to read the log as (`Room::readers`).
pub const READERS: usize = 8;

/// Message type numbers shared by both framings (Hocuspocus and y-websocket agree on these).
pub mod kind {
    pub const SYNC: u64 = 0;
    pub const AWARENESS: u64 = 1;
    pub const QUERY_AWARENESS: u64 = 3;
    pub const SYNC_STEP1: u64 = 0;
    pub const SYNC_STEP2: u64 = 1;
    pub const SYNC_UPDATE: u64 = 2;
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How a connection frames messages: the multiplexed Hocuspocus framing names the board in
/// every frame; y-websocket has one board per socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    Mux,
    YWebsocket,
}

/// The queue of frames towards one client. A client that cannot keep up (its queue full in
/// frames or in bytes, or the relay's queues together full in bytes) is flagged, and its
/// connection closes (the client resyncs on reconnect).
///
/// Hand-written rather than a tokio mpsc channel, which allocates a block of 32 slots for every
/// connection up front: this queue allocates on its first frame and gives a burst's memory back
/// once the connection has emptied it, so an idle connection holds a few hundred bytes at most.
/// The connection's one task drains it (reading and writing the socket in the same task), so a
/// single waker suffices.
#[derive(Clone)]
pub struct Outbox {
    queue: Arc<Queue>,
}

/// How much one connection's queue may hold, and all of the relay's queues together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxLimits {
    pub frames: usize,
    pub bytes: usize,
    pub relay_bytes: usize,
}

struct Queue {
    frames: Mutex<Frames>,
    limits: OutboxLimits,
    overflowed: AtomicBool,
    /// Wakes the connection's task: a frame was queued, or the queue overflowed.
    waker: AtomicWaker,
    /// Also holds the relay-wide count of queued bytes (`send_queue_bytes`).
    metrics: Arc<Metrics>,
}

#[derive(Default)]
struct Frames {
    queued: VecDeque<Bytes>,
    /// Bytes in `queued` (their sum is also in `Metrics::send_queue_bytes`).
    bytes: usize,
    /// The connection is gone: nothing more is accepted.
    closed: bool,
}

impl Frames {
    /// Takes the first frame out of the relay's count too.
    fn pop(&mut self, metrics: &Metrics) -> Option<Bytes> {
        let frame = self.queued.pop_front()?;
        self.bytes -= frame.len();
        metrics.send_queue_bytes.dec_by(gauge_bytes(frame.len()));
        Some(frame)
    }
}

fn gauge_bytes(bytes: usize) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

/// Queue slots kept when the connection empties the queue (32 bytes each): freeing every time
/// would cost a malloc and a free per frame at ordinary rates.
const KEPT_QUEUE_SLOTS: usize = 16;

/// The connection's end of an [`Outbox`].
pub struct OutboxReceiver {
    queue: Arc<Queue>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox").finish_non_exhaustive()
    }
}

impl Outbox {
    pub fn new(limits: OutboxLimits, metrics: Arc<Metrics>) -> (Self, OutboxReceiver) {
        let queue = Arc::new(Queue {
            frames: Mutex::new(Frames::default()),
            limits: OutboxLimits {
                frames: limits.frames.max(1),
                ..limits
            },
            overflowed: AtomicBool::new(false),
            waker: AtomicWaker::new(),
            metrics,
        });
        let receiver = OutboxReceiver {
            queue: queue.clone(),
        };
        (Self { queue }, receiver)
    }

    /// Queues a frame without waiting; false if the connection is gone or too far behind (a
    /// push that finds the queue full flags the connection and drops its unread frames).
    pub fn push(&self, frame: Bytes) -> bool {
        self.enqueue(frame, false)
    }

    /// Queues a shared frame (the same `Bytes` handed to many connections) unless it is still
    /// queued here from an earlier push: a client asking again before reading the last answer
    /// is not sent it twice.
    pub fn push_unless_queued(&self, frame: Bytes) -> bool {
        self.enqueue(frame, true)
    }

    fn enqueue(&self, frame: Bytes, unless_queued: bool) -> bool {
        let len = frame.len();
        let metrics = &self.queue.metrics;
        {
            let mut frames = lock(&self.queue.frames);
            if frames.closed || self.queue.overflowed.load(Ordering::SeqCst) {
                return false;
            }
            if unless_queued
                && len > 0
                && frames
                    .queued
                    .iter()
                    .any(|queued| queued.as_ptr() == frame.as_ptr() && queued.len() == len)
            {
                return true;
            }
            if !self.fits(&frames, len) {
                // The connection is closing and its client will resync: what it has not read
                // is dropped now, not held (against the relay's budget too) until it is gone.
                let unread = std::mem::take(&mut frames.queued);
                metrics.send_queue_bytes.dec_by(gauge_bytes(frames.bytes));
                frames.bytes = 0;
                drop(frames);
                drop(unread);
                if !self.queue.overflowed.swap(true, Ordering::SeqCst) {
                    metrics.slow_consumer_disconnects.inc();
                }
                self.queue.waker.wake();
                return false;
            }
            frames.queued.push_back(frame);
            frames.bytes += len;
            metrics.send_queue_bytes.inc_by(gauge_bytes(len));
        }
        self.queue.waker.wake();
        metrics.frames_out.inc();
        metrics.bytes_out.inc_by(len as u64);
        true
    }

    /// Whether a frame of `len` bytes may join the queue. One frame larger than the byte budget
    /// still may when nothing else is queued (a board's whole Step2 must get through), and
    /// likewise for the relay's budget when no queue holds anything.
    fn fits(&self, frames: &Frames, len: usize) -> bool {
        let limits = &self.queue.limits;
        if frames.queued.len() >= limits.frames {
            return false;
        }
        if !frames.queued.is_empty() && frames.bytes.saturating_add(len) > limits.bytes {
            return false;
        }
        let relay = usize::try_from(self.queue.metrics.send_queue_bytes.get()).unwrap_or(0);
        relay == 0 || relay.saturating_add(len) <= limits.relay_bytes
    }

    pub fn overflowed(&self) -> bool {
        self.queue.overflowed.load(Ordering::SeqCst)
    }
}

impl OutboxReceiver {
    /// The next frame, or `Pending` (the task is woken when one is queued or the queue
    /// overflows).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Bytes> {
        if let Some(frame) = self.try_recv() {
            return Poll::Ready(frame);
        }
        // Registered before the second look: a frame pushed in between is not missed.
        self.queue.waker.register(cx.waker());
        match self.try_recv() {
            Some(frame) => Poll::Ready(frame),
            None => Poll::Pending,
        }
    }

    /// The next frame if one is queued.
    pub fn try_recv(&mut self) -> Option<Bytes> {
        let mut frames = lock(&self.queue.frames);
        let frame = frames.pop(&self.queue.metrics);
        if frames.queued.is_empty() && frames.queued.capacity() > KEPT_QUEUE_SLOTS {
            // Give a burst's memory back: most connections are idle most of the time.
            frames.queued = VecDeque::new();
        }
        frame
    }

    /// Ready once a push has found the queue full (the client is too far behind); otherwise
    /// the task is registered to hear of it.
    pub fn poll_overflow(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.queue.waker.register(cx.waker());
        if self.queue.overflowed.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for OutboxReceiver {
    fn drop(&mut self) {
        let mut frames = lock(&self.queue.frames);
        frames.closed = true;
        frames.queued = VecDeque::new();
        self.queue
            .metrics
            .send_queue_bytes
            .dec_by(gauge_bytes(frames.bytes));
        frames.bytes = 0;
    }
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

/// `varUint(type) • varUint(sync step) • varByteArray(payload)`.
pub fn sync_body(message_kind: u64, step: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 8);
    write_var_u64(&mut out, message_kind);
    write_var_u64(&mut out, step);
    write_var_bytes(&mut out, payload);
    out
}

fn awareness_body(update: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(update.len() + 6);
    write_var_u64(&mut out, kind::AWARENESS);
    write_var_bytes(&mut out, update);
    out
}

struct Subscriber {
    outbox: Outbox,
    framing: Framing,
}

struct AwarenessState {
    clock: u64,
    /// `None` once its owner cleared it: the client id stays its owner's until it leaves.
    state_json: Option<String>,
    /// The connection that introduced this client id, the only one that may set or clear it
    /// ([`REMOTE`]: a client of another relay instance).
    conn: ConnId,
}

/// A local connection's share of a room's awareness.
#[derive(Default)]
struct AwarenessHolder {
    /// Client ids it introduced (cleared ones included).
    client_ids: usize,
    /// Its awareness messages of which something was refused.
    refusals: u32,
}

/// What a room's members have said about themselves (cursors, names), bounded by
/// [`AwarenessBounds`].
#[derive(Default)]
struct Awareness {
    states: HashMap<u64, AwarenessState>,
    /// Bytes of state JSON held in `states`.
    bytes: usize,
    /// Only connections that sent awareness have an entry.
    holders: HashMap<ConnId, AwarenessHolder>,
    /// Every held state as one frame in each framing, encoded on the first QueryAwareness after
    /// a change and shared by every answer until the next change.
    snapshot_mux: Option<Bytes>,
    snapshot_yws: Option<Bytes>,
}

/// What [`Awareness::take`] did with one entry.
enum Taken {
    /// Held (or cleared) and to be relayed.
    Yes,
    /// Older than what is held, or clearing a client id nobody holds: nothing to do.
    Ignored,
    /// Past a bound: state bytes or client ids of the room, client ids of the connection.
    OverLimit,
    /// The client id belongs to another connection.
    Spoofed,
}

impl Awareness {
    fn take(&mut self, from: ConnId, entry: &AwarenessEntry, bounds: &AwarenessBounds) -> Taken {
        let cleared = entry.state_json == "null";
        let new_bytes = if cleared { 0 } else { entry.state_json.len() };
        let room_bytes = self.bytes;
        if let Some(held) = self.states.get_mut(&entry.client_id) {
            if held.conn != from {
                return Taken::Spoofed;
            }
            if entry.clock < held.clock {
                return Taken::Ignored;
            }
            let old_bytes = held.state_json.as_ref().map_or(0, String::len);
            let bytes = room_bytes - old_bytes + new_bytes;
            if bytes > bounds.bytes_per_room {
                return Taken::OverLimit;
            }
            self.bytes = bytes;
            if cleared && from == REMOTE {
                // Another relay's client left: that relay tracks its ownership.
                self.states.remove(&entry.client_id);
            } else {
                held.clock = entry.clock;
                held.state_json = (!cleared).then(|| entry.state_json.clone());
            }
            return Taken::Yes;
        }
        if cleared {
            return Taken::Ignored;
        }
        let holder_full = from != REMOTE
            && self.holders.get(&from).map_or(0, |h| h.client_ids) >= bounds.states_per_connection;
        if holder_full
            || self.states.len() >= bounds.states_per_room
            || room_bytes + new_bytes > bounds.bytes_per_room
        {
            return Taken::OverLimit;
        }
        self.states.insert(
            entry.client_id,
            AwarenessState {
                clock: entry.clock,
                state_json: Some(entry.state_json.clone()),
                conn: from,
            },
        );
        self.bytes += new_bytes;
        if from != REMOTE {
            self.holders.entry(from).or_default().client_ids += 1;
        }
        Taken::Yes
    }

    /// Counts a message of `conn` of which something was refused; true once it has had more
    /// such messages than `bounds` allow.
    fn refused(&mut self, conn: ConnId, bounds: &AwarenessBounds) -> bool {
        if conn == REMOTE {
            return false;
        }
        let holder = self.holders.entry(conn).or_default();
        holder.refusals = holder.refusals.saturating_add(1);
        holder.refusals > bounds.refusals_before_close
    }

    fn changed(&mut self) {
        self.snapshot_mux = None;
        self.snapshot_yws = None;
    }

    /// Every held state as a frame in `framing` (`None`: no one has a state).
    fn snapshot(&mut self, mux_prefix: &[u8], framing: Framing) -> Option<Bytes> {
        let cached = match framing {
            Framing::Mux => &self.snapshot_mux,
            Framing::YWebsocket => &self.snapshot_yws,
        };
        if let Some(snapshot) = cached {
            return Some(snapshot.clone());
        }
        let held: Vec<(u64, u64, &str)> = self
            .states
            .iter()
            .filter_map(|(client_id, s)| {
                s.state_json
                    .as_deref()
                    .map(|json| (*client_id, s.clock, json))
            })
            .collect();
        if held.is_empty() {
            return None;
        }
        let update = sync_protocol::encode_awareness_states(held.into_iter());
        let snapshot = frame(mux_prefix, framing, &awareness_body(&update));
        match framing {
            Framing::Mux => self.snapshot_mux = Some(snapshot.clone()),
            Framing::YWebsocket => self.snapshot_yws = Some(snapshot.clone()),
        }
        Some(snapshot)
    }

    /// Forgets everything `conn` held; the entries that clear its states for everyone else.
    fn release(&mut self, conn: ConnId) -> Vec<AwarenessEntry> {
        if self.holders.remove(&conn).is_none() {
            return Vec::new();
        }
        let mut cleared = Vec::new();
        let mut bytes = self.bytes;
        self.states.retain(|client_id, held| {
            if held.conn != conn {
                return true;
            }
            if let Some(json) = &held.state_json {
                bytes -= json.len();
                cleared.push(AwarenessEntry {
                    client_id: *client_id,
                    clock: held.clock.saturating_add(1),
                    state_json: "null".into(),
                });
            }
            false
        });
        self.bytes = bytes;
        self.changed();
        cleared
    }
}

/// What [`Room::awareness`] did with a client's awareness update.
#[derive(Debug, Default)]
pub struct AwarenessOutcome<'u> {
    /// The entries the room took, as an update (already relayed to its other subscribers).
    pub relayed: Option<Cow<'u, [u8]>>,
    /// Entries refused for a bound: state size or shape, client ids per connection, states or
    /// bytes per room.
    pub over_limit: usize,
    /// Entries for client ids another connection introduced.
    pub spoofed: usize,
    /// The sender has had more messages refused than allowed: close its channel.
    pub abusive: bool,
}

struct RoomState {
    doc: Doc,
    subscribers: HashMap<ConnId, Subscriber>,
    awareness: Awareness,
    /// The board's log is in `doc` up to this seq (loaded, or announced by `crate::cluster`).
    seq: i64,
    /// Updates in `doc` whose commits are open, or resolved but behind an open one, in the
    /// order `doc` took them. Each is relayed to the other subscribers once committed, never
    /// before: a write that storage refuses reaches no one.
    accepted: VecDeque<Accepted>,
    /// Signed-in users with a channel on this room: whom the room reads the log as (row-level
    /// security shows a board only to its members), see [`Room::readers`].
    users: HashMap<String, RoomUser>,
    /// Joins so far, to order `users` by their latest join.
    joins: u64,
    /// A commit failed, so `doc` may hold what storage does not: nothing the room holds can be
    /// called durable until it has reloaded from storage (see [`Rooms::retract`]).
    stale: bool,
    /// A reload is running; `again`: another commit failed meanwhile, reload once more.
    reloading: bool,
    reload_again: bool,
    /// Committed updates relayed while a reload runs: the reload may have read the log before
    /// their rows, so it applies them again (applying an update twice changes nothing).
    committed_during_reload: Vec<Vec<u8>>,
    /// Subscribers told `Reloading` (SyncStatus 0), and authors of failed commits: once
    /// reloaded, the room sends each its Step1 so they send again what it lacks.
    resync: Vec<ConnId>,
}

/// A signed-in user on a room: how many channels they hold and when they last joined.
struct RoomUser {
    channels: usize,
    joined: u64,
}

/// An update this room's document took from a client, waiting for its commit.
struct Accepted {
    number: u64,
    from: ConnId,
    update: Vec<u8>,
    /// When the relay received it (its fan-out latency runs until it is relayed).
    received: std::time::Instant,
    /// `None` while the commit is open; then whether it committed.
    committed: Option<bool>,
}

/// Stands for another relay instance where a room needs a sender: it is no subscriber, so
/// everything it sends reaches every local subscriber (connection ids start at 1).
pub const REMOTE: ConnId = 0;

/// What [`Room::apply_committed`] did with one row of the board's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    /// Applied (or recorded, for this instance's own rows) and the room's seq advanced.
    Advanced,
    /// The room already had it.
    Known,
    /// Rows before it are missing: read the log after [`Room::committed_seq`].
    Gap,
    /// The room is still loading.
    NotLoaded,
}

/// Why an update was refused; the text is safe to send to the client.
#[derive(Debug, thiserror::Error)]
pub enum RoomError {
    #[error("update builds on history the relay does not have; resync")]
    MissingHistory,
    #[error("update could not be applied")]
    ApplyFailed,
    #[error("state vector is malformed")]
    BadStateVector,
    /// A commit of this room failed and the room is reloading from storage: what it holds is
    /// not known to be stored. Not stored; the room asks every subscriber for what it lacks
    /// once reloaded.
    #[error("the board is reloading; resync")]
    Reloading,
    /// A read-only channel sent something the room does not hold.
    #[error("read-only access")]
    ReadOnly,
}

pub enum Applied {
    /// Applied to the room's document; store it under this commit number. It is relayed to
    /// the other subscribers once [`Rooms::commit_resolved`] says it committed.
    Accepted(CommitNumber),
    /// The room holds all of it already: it is durable once these commits (open when it
    /// arrived) have committed.
    Held(Vec<CommitNumber>),
}

pub struct Room {
    pub board: String,
    /// `varString(board)`, the prefix of every multiplexed frame of this board.
    pub mux_prefix: Vec<u8>,
    state: OnceCell<Mutex<RoomState>>,
    /// Joined subscribers (changed under the registry lock).
    members: AtomicUsize,
    /// Accepted updates whose commits are still open (the room stays loaded until they
    /// resolve), and which commits failed (see [`Room::wait_durable`]).
    durability: Mutex<Durability>,
    /// Bumped whenever a commit resolves, to wake [`Room::wait_durable`].
    resolutions: watch::Sender<u64>,
    /// Log rows committed since the last compaction, and whether one is running.
    pub committed_since_compaction: AtomicUsize,
    pub compacting: AtomicBool,
}

impl std::fmt::Debug for Room {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Room")
            .field("board", &self.board)
            .finish_non_exhaustive()
    }
}

impl Room {
    fn new(board: &str) -> Self {
        Self {
            board: board.to_owned(),
            mux_prefix: mux_prefix(board),
            state: OnceCell::new(),
            members: AtomicUsize::new(0),
            durability: Mutex::new(Durability::default()),
            resolutions: watch::Sender::new(0),
            committed_since_compaction: AtomicUsize::new(0),
            compacting: AtomicBool::new(false),
        }
    }

    fn state(&self) -> Option<MutexGuard<'_, RoomState>> {
        self.state.get().map(lock)
    }

    /// The signed-in users on this room, the latest to join first, at most `limit`: whom to
    /// read the board's log as (`crate::cluster` tries them in turn when the first sees less
    /// than was announced, a reload takes the first who still has a role). Empty on a
    /// development relay without accounts, which reads as no one.
    pub fn readers(&self, limit: usize) -> Vec<String> {
        let Some(state) = self.state() else {
            return Vec::new();
        };
        let mut users: Vec<(&String, u64)> = state
            .users
            .iter()
            .map(|(user, on_room)| (user, on_room.joined))
            .collect();
        users.sort_unstable_by_key(|(_, joined)| std::cmp::Reverse(*joined));
        users
            .into_iter()
            .take(limit)
            .map(|(user, _)| user.clone())
            .collect()
    }

    fn push_to(&self, sub: &Subscriber, body: &[u8]) {
        sub.outbox.push(frame(&self.mux_prefix, sub.framing, body));
    }

    fn broadcast(&self, state: &RoomState, from: ConnId, body: &[u8]) {
        // Encode once per framing, not once per subscriber.
        let mut mux: Option<Bytes> = None;
        let mut yws: Option<Bytes> = None;
        for (conn, sub) in &state.subscribers {
            if *conn == from {
                continue;
            }
            let bytes = match sub.framing {
                Framing::Mux => mux
                    .get_or_insert_with(|| frame(&self.mux_prefix, Framing::Mux, body))
                    .clone(),
                Framing::YWebsocket => yws
                    .get_or_insert_with(|| frame(&self.mux_prefix, Framing::YWebsocket, body))
                    .clone(),
            };
            sub.outbox.push(bytes);
        }
    }

    /// Answers a client's Step1: Step2 with what it lacks, then the relay's own Step1 so the
    /// client sends what the relay lacks.
    pub fn sync_step1(&self, conn: ConnId, state_vector: &StateVector) {
        let Some(state) = self.state() else { return };
        let Some(sub) = state.subscribers.get(&conn) else {
            return;
        };
        let txn = state.doc.transact();
        let diff = txn.encode_diff_v1(state_vector);
        let own = txn.state_vector().encode_v1();
        drop(txn);
        self.push_to(sub, &sync_body(kind::SYNC, kind::SYNC_STEP2, &diff));
        // Type 0 in both framings: Hocuspocus servers label this reply SyncReply (4) only from
        // v4 on, and the 3.x provider rejects type 4 outright.
        self.push_to(sub, &sync_body(kind::SYNC, kind::SYNC_STEP1, &own));
    }

    /// Sends the relay's Step1 (y-websocket servers open with it).
    pub fn send_step1(&self, conn: ConnId) {
        let Some(state) = self.state() else { return };
        let Some(sub) = state.subscribers.get(&conn) else {
            return;
        };
        let own = state.doc.transact().state_vector().encode_v1();
        self.push_to(sub, &sync_body(kind::SYNC, kind::SYNC_STEP1, &own));
    }

    /// What a read-only channel may "send": an update the room already holds entirely (an
    /// echo, such as a viewer's Step2 after a reconnect) is durable once the commits open now
    /// have committed; anything else is refused (`ReadOnly`), as is an update with a clock gap
    /// (`MissingHistory`): neither is stored.
    pub fn check_held(&self, conn: ConnId, update: &Update) -> Result<Applied, RoomError> {
        if update.is_empty() {
            // A Step2 with nothing in it is trivially durable.
            return Ok(Applied::Held(Vec::new()));
        }
        let Some(mut state) = self.state() else {
            return Err(RoomError::ApplyFailed);
        };
        // Deletions are held only if the document has deleted all of them already.
        match guard::novelty_exact(update, &state.doc.transact()) {
            Novelty::MissingHistory(_) => return Err(RoomError::MissingHistory),
            Novelty::New => return Err(RoomError::ReadOnly),
            Novelty::Nothing => {}
        }
        if state.stale {
            state.resync.push(conn);
            return Err(RoomError::Reloading);
        }
        Ok(Applied::Held(self.open_commits()))
    }

    /// Applies a client's update to the room's document and counts it as accepted until its
    /// commit resolves; it is relayed to the other subscribers only once committed (see
    /// [`Rooms::commit_resolved`]). Refuses updates that build on history the room lacks (yrs
    /// would silently drop them) and survives a yrs panic.
    pub fn apply_update(
        &self,
        from: ConnId,
        bytes: &[u8],
        update: Update,
        received: std::time::Instant,
    ) -> Result<Applied, RoomError> {
        if update.is_empty() {
            // A Step2 with nothing in it is trivially durable.
            return Ok(Applied::Held(Vec::new()));
        }
        let Some(mut state) = self.state() else {
            return Err(RoomError::ApplyFailed);
        };
        let before = state.doc.transact().state_vector();
        match guard::novelty(&update, &before) {
            Novelty::MissingHistory(_) => return Err(RoomError::MissingHistory),
            Novelty::Nothing => {
                if state.stale {
                    state.resync.push(from);
                    return Err(RoomError::Reloading);
                }
                return Ok(Applied::Held(self.open_commits()));
            }
            Novelty::New => {}
        }
        if guard::apply_to(&state.doc, None, update).is_err() {
            return Err(RoomError::ApplyFailed);
        }
        let number = self.begin_commit();
        state.accepted.push_back(Accepted {
            number: number.0,
            from,
            update: bytes.to_vec(),
            received,
            committed: None,
        });
        Ok(Applied::Accepted(number))
    }

    /// Records how an accepted update's commit ended, relays every committed update at the
    /// head of the queue in the order the document took them, and drops refused ones. `true`
    /// when this refusal makes the room stale (its document holds what storage does not) and
    /// a reload must start.
    fn resolve(&self, number: CommitNumber, committed: bool, metrics: &Metrics) -> bool {
        let Some(mut state) = self.state() else {
            self.finish_commit(number, committed);
            return false;
        };
        let mut author = None;
        if let Some(entry) = state.accepted.iter_mut().find(|a| a.number == number.0) {
            entry.committed = Some(committed);
            author = Some(entry.from);
        }
        let mut start_reload = false;
        if !committed {
            // Once reloaded, the author is asked for what the room lacks: a write that failed
            // for the database's sake is sent again (one refused by row-level security is
            // refused again, by then as a read-only channel's).
            state.resync.extend(author);
            state.stale = true;
            if state.reloading {
                state.reload_again = true;
            } else {
                state.reloading = true;
                start_reload = true;
            }
        }
        // Under the state lock, so no update is judged held between the refusal and the
        // room turning stale.
        self.finish_commit(number, committed);
        while state
            .accepted
            .front()
            .is_some_and(|a| a.committed.is_some())
        {
            let Some(entry) = state.accepted.pop_front() else {
                break;
            };
            if entry.committed == Some(true) {
                self.broadcast(
                    &state,
                    entry.from,
                    &sync_body(kind::SYNC, kind::SYNC_UPDATE, &entry.update),
                );
                metrics
                    .fanout_seconds
                    .observe(entry.received.elapsed().as_secs_f64());
                if state.reloading {
                    state.committed_during_reload.push(entry.update);
                }
            }
        }
        start_reload
    }

    /// Records and relays a client's awareness update (decoded and checked by the caller):
    /// each entry only if its client id is the sender's (or new, within the bounds); the rest
    /// are refused and counted against the sender.
    pub fn awareness<'u>(
        &self,
        from: ConnId,
        update: &'u [u8],
        checked: CheckedAwareness,
        bounds: &AwarenessBounds,
    ) -> AwarenessOutcome<'u> {
        let mut outcome = AwarenessOutcome {
            over_limit: checked.refused,
            ..AwarenessOutcome::default()
        };
        let Some(mut state) = self.state() else {
            return outcome;
        };
        let offered = checked.entries.len();
        let mut taken = Vec::with_capacity(offered);
        for entry in checked.entries {
            match state.awareness.take(from, &entry, bounds) {
                Taken::Yes => taken.push(entry),
                Taken::Ignored => {}
                Taken::OverLimit => outcome.over_limit += 1,
                Taken::Spoofed => outcome.spoofed += 1,
            }
        }
        if outcome.over_limit + outcome.spoofed > 0 {
            outcome.abusive = state.awareness.refused(from, bounds);
        }
        if taken.is_empty() {
            return outcome;
        }
        state.awareness.changed();
        let relayed = if taken.len() == offered && checked.refused == 0 {
            Cow::Borrowed(update)
        } else {
            Cow::Owned(sync_protocol::encode_awareness_update(&taken))
        };
        self.broadcast(&state, from, &awareness_body(&relayed));
        outcome.relayed = Some(relayed);
        outcome
    }

    /// Counts an awareness message refused whole (malformed, too many entries) against its
    /// sender; true once the sender has had more refused than `bounds` allow.
    pub fn refuse_awareness(&self, from: ConnId, bounds: &AwarenessBounds) -> bool {
        self.state()
            .is_some_and(|mut state| state.awareness.refused(from, bounds))
    }

    /// Sends everyone's awareness to one subscriber: one frame, encoded once per change of the
    /// room's awareness and shared by every subscriber that asks, and not queued again for a
    /// subscriber that has not read the last one yet.
    pub fn send_awareness(&self, conn: ConnId) {
        let Some(mut guard) = self.state() else {
            return;
        };
        let state = &mut *guard;
        let Some(sub) = state.subscribers.get(&conn) else {
            return;
        };
        if let Some(snapshot) = state.awareness.snapshot(&self.mux_prefix, sub.framing) {
            sub.outbox.push_unless_queued(snapshot);
        }
    }

    /// The room's whole document as one Yjs v1 update (`None` while loading).
    pub fn encode_state(&self) -> Option<Vec<u8>> {
        self.state()
            .and_then(|state| guard::encode_state_of(&state.doc).ok())
    }

    /// The seq up to which the board's log is in the room (`None` while loading).
    pub fn committed_seq(&self) -> Option<i64> {
        self.state().map(|state| state.seq)
    }

    /// Takes row `seq` of the board's log, committed by some relay instance (announced by
    /// `crate::cluster`). `bytes: None` means the room already holds it (this instance
    /// accepted it); otherwise it is checked, applied and sent to every subscriber. Rows must
    /// come in seq order: a later one is a `Gap`.
    pub fn apply_committed(
        &self,
        seq: i64,
        bytes: Option<&[u8]>,
        limits: &UpdateLimits,
    ) -> Committed {
        let Some(mut state) = self.state() else {
            return Committed::NotLoaded;
        };
        if seq <= state.seq {
            return Committed::Known;
        }
        if seq > state.seq + 1 {
            return Committed::Gap;
        }
        if let Some(bytes) = bytes {
            if !self.apply_foreign(&state, bytes, limits) {
                // Stored rows passed these checks when accepted; skip one that no longer
                // does rather than stall the board.
                tracing::warn!(board = %self.board, seq, "a committed row could not be applied");
            } else if state.reloading {
                state.committed_during_reload.push(bytes.to_vec());
            }
        }
        state.seq = seq;
        Committed::Advanced
    }

    /// Takes a compacted board's snapshot (covering the log up to `seq`) after this room fell
    /// behind a compaction.
    pub fn apply_snapshot(&self, seq: i64, bytes: &[u8], limits: &UpdateLimits) -> bool {
        let Some(mut state) = self.state() else {
            return false;
        };
        let Ok(update) = sync_protocol::decode_update_checked(bytes, limits) else {
            return false;
        };
        let before = state.doc.transact().state_vector();
        if guard::apply_to(&state.doc, None, update).is_err() {
            return false;
        }
        if state.reloading {
            state.committed_during_reload.push(bytes.to_vec());
        }
        // Subscribers get only what the snapshot added, not the whole board again.
        let diff = state.doc.transact().encode_diff_v1(&before);
        self.broadcast(
            &state,
            REMOTE,
            &sync_body(kind::SYNC, kind::SYNC_UPDATE, &diff),
        );
        state.seq = state.seq.max(seq);
        true
    }

    /// Applies stored bytes (checked again before yrs sees them) and relays what they add.
    fn apply_foreign(&self, state: &RoomState, bytes: &[u8], limits: &UpdateLimits) -> bool {
        let Ok(update) = sync_protocol::decode_update_checked(bytes, limits) else {
            return false;
        };
        let before = state.doc.transact().state_vector();
        if guard::novelty(&update, &before) == Novelty::Nothing {
            return true;
        }
        if guard::apply_to(&state.doc, None, update).is_err() {
            return false;
        }
        self.broadcast(
            state,
            REMOTE,
            &sync_body(kind::SYNC, kind::SYNC_UPDATE, bytes),
        );
        true
    }

    /// Counts an accepted update until its commit resolves (see [`Rooms::commit_resolved`]);
    /// the number names that commit.
    pub fn begin_commit(&self) -> CommitNumber {
        let mut durability = lock(&self.durability);
        let number = CommitNumber(durability.next);
        durability.next += 1;
        durability.open.insert(number.0);
        number
    }

    fn finish_commit(&self, number: CommitNumber, committed: bool) {
        {
            let mut durability = lock(&self.durability);
            durability.open.remove(&number.0);
            if !committed {
                durability.failed.insert(number.0);
                while durability.failed.len() > MAX_REMEMBERED_FAILURES {
                    durability.failed.pop_first();
                }
            }
        }
        self.resolutions.send_modify(|count| *count += 1);
    }

    /// The commits of this room not resolved yet. An update the room already holds (it says
    /// `Applied::Nothing`) may be held only thanks to one of them, sent earlier by a connection
    /// that then dropped: it is durable once they are, not before.
    pub fn open_commits(&self) -> Vec<CommitNumber> {
        lock(&self.durability)
            .open
            .iter()
            .map(|&number| CommitNumber(number))
            .collect()
    }

    /// Waits until every commit in `commits` has resolved; true when all of them committed.
    pub async fn wait_durable(&self, commits: &[CommitNumber]) -> bool {
        let mut resolutions = self.resolutions.subscribe();
        loop {
            {
                let durability = lock(&self.durability);
                if commits.iter().all(|c| !durability.open.contains(&c.0)) {
                    return commits.iter().all(|c| !durability.failed.contains(&c.0));
                }
            }
            // Subscribed before the check, so a resolution in between still wakes us.
            if resolutions.changed().await.is_err() {
                return false;
            }
        }
    }
}

/// Names one accepted update's commit within its room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitNumber(u64);

/// How one reload of a stale room went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reload {
    Done,
    /// Storage could not be read; try again.
    Failed,
    /// No subscriber still has a role on the board to read it as.
    NoReader,
}

/// How long a stale room waits before reading storage again after a failed read.
const RELOAD_RETRY: std::time::Duration = std::time::Duration::from_millis(500);

/// Failed commits are rare (the database is down, or a writer was revoked); remembering the
/// latest few is enough for the acknowledgements waiting on them.
const MAX_REMEMBERED_FAILURES: usize = 1024;

#[derive(Debug, Default)]
struct Durability {
    next: u64,
    open: BTreeSet<u64>,
    failed: BTreeSet<u64>,
}

/// Every room of this relay instance.
pub struct Rooms {
    map: Mutex<HashMap<String, Arc<Room>>>,
    /// Other relay instances on the same PostgreSQL (set once at start; unset on SQLite).
    pub cluster: std::sync::OnceLock<crate::cluster::Cluster>,
    storage: Storage,
    metrics: Arc<Metrics>,
    update_limits: UpdateLimits,
}

impl std::fmt::Debug for Rooms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rooms").finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    #[error("board could not be loaded")]
    Storage(#[from] StorageError),
    #[error("stored board is unreadable: {0}")]
    Corrupt(String),
}

impl Rooms {
    pub fn new(storage: Storage, metrics: Arc<Metrics>, update_limits: UpdateLimits) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            cluster: std::sync::OnceLock::new(),
            storage,
            metrics,
            update_limits,
        }
    }

    pub fn open_rooms(&self) -> usize {
        lock(&self.map).len()
    }

    /// Tells other relay instances about a local client's awareness update.
    pub fn publish_awareness(&self, board: &str, update: &[u8]) {
        if let Some(cluster) = self.cluster.get() {
            cluster.publish_awareness(board, update);
        }
    }

    /// The board's room on this instance, if it is open.
    pub fn get(&self, board: &str) -> Option<Arc<Room>> {
        lock(&self.map).get(board).cloned()
    }

    /// Every open room.
    pub fn all(&self) -> Vec<Arc<Room>> {
        lock(&self.map).values().cloned().collect()
    }

    /// Adds a subscriber to a board's room, loading the board from storage if needed (as
    /// `user`, who has just been verified as a member).
    pub async fn join(
        &self,
        board: &str,
        user: Option<&str>,
        conn: ConnId,
        outbox: Outbox,
        framing: Framing,
    ) -> Result<Arc<Room>, JoinError> {
        let room = {
            let mut map = lock(&self.map);
            let room = map.entry(board.to_owned()).or_insert_with(|| {
                self.metrics.rooms.inc();
                Arc::new(Room::new(board))
            });
            room.members.fetch_add(1, Ordering::SeqCst);
            room.clone()
        };
        let span = tracing::info_span!("board", board, loaded = tracing::field::Empty);
        let loaded = room
            .state
            .get_or_try_init(|| {
                span.record("loaded", true);
                tracing::Instrument::instrument(self.load(board, user), span.clone())
            })
            .await;
        drop(span);
        if let Err(e) = loaded {
            self.release(&room);
            return Err(e);
        }
        if let Some(mut state) = room.state() {
            state
                .subscribers
                .insert(conn, Subscriber { outbox, framing });
            if let Some(user) = user {
                state.joins += 1;
                let joined = state.joins;
                let on_room = state.users.entry(user.to_owned()).or_insert(RoomUser {
                    channels: 0,
                    joined,
                });
                on_room.channels += 1;
                on_room.joined = joined;
            }
        }
        Ok(room)
    }

    async fn load(&self, board: &str, user: Option<&str>) -> Result<Mutex<RoomState>, JoinError> {
        let (doc, seq) = self.read_board(board, user).await?;
        Ok(Mutex::new(RoomState {
            doc,
            subscribers: HashMap::new(),
            awareness: Awareness::default(),
            seq,
            accepted: VecDeque::new(),
            users: HashMap::new(),
            joins: 0,
            stale: false,
            reloading: false,
            reload_again: false,
            committed_during_reload: Vec::new(),
            resync: Vec::new(),
        }))
    }

    /// The board as storage holds it, read as `user`: a document and the seq it covers.
    async fn read_board(&self, board: &str, user: Option<&str>) -> Result<(Doc, i64), JoinError> {
        let stored = self.storage.load_board_as(board, user).await?;
        let doc = Doc::new();
        let pieces = stored.snapshot.iter().chain(stored.updates.iter());
        for piece in pieces.clone() {
            // Stored bytes passed these checks on the way in; check again before yrs sees them.
            sync_protocol::prescan_update_v1(piece, &self.update_limits)
                .map_err(|e| JoinError::Corrupt(e.to_string()))?;
        }
        let waiting = {
            let mut txn = doc.transact_mut();
            sync_protocol::fold::apply_in_causal_order(&mut txn, pieces.map(Vec::as_slice))
                .map_err(|e| JoinError::Corrupt(format!("piece {}: {}", e.seq, e.detail)))?
        };
        if waiting > 0 {
            tracing::warn!(board, waiting, "stored updates wait for missing history");
        }
        Ok((doc, stored.last_seq))
    }

    /// Makes a stale room (a commit failed: its document may hold what storage refused) hold
    /// what storage holds again: reads the board, applies the updates still waiting for their
    /// commits and those committed meanwhile, swaps the document, then asks every subscriber
    /// for what the room lacks (their Step2 brings back anything legitimate that was lost with
    /// the old document). Until then the room calls nothing it holds durable. Reads as a
    /// member who still has a role (row-level security shows the board only to members).
    async fn retract(self: Arc<Self>, room: Arc<Room>) {
        loop {
            if room.members.load(Ordering::SeqCst) == 0 && lock(&room.durability).open.is_empty() {
                // Unloaded: the next join reads storage afresh.
                return;
            }
            let reloaded = self.reload_once(&room).await;
            if reloaded == Reload::NoReader {
                // Nobody left on the room may read the board: let the next member who joins
                // load it afresh, and keep this room stale (it calls nothing durable).
                let mut map = lock(&self.map);
                if map.get(&room.board).is_some_and(|r| Arc::ptr_eq(r, &room)) {
                    map.remove(&room.board);
                    self.metrics.rooms.dec();
                }
                return;
            }
            if reloaded == Reload::Failed {
                // Storage is unreachable: stay stale and try again shortly.
                tokio::time::sleep(RELOAD_RETRY).await;
                continue;
            }
            let mut resync = {
                let Some(mut state) = room.state() else {
                    return;
                };
                if state.reload_again {
                    state.reload_again = false;
                    continue;
                }
                state.reloading = false;
                state.stale = false;
                std::mem::take(&mut state.resync)
            };
            self.metrics.reject("room_reloaded");
            if resync.is_empty() {
                return;
            }
            // Paced: while the database refuses every write, a client answering at once would
            // otherwise go round refusal, reload and Step1 as fast as they run.
            tokio::time::sleep(RELOAD_RETRY).await;
            let Some(state) = room.state() else {
                return;
            };
            let own = state.doc.transact().state_vector().encode_v1();
            let body = sync_body(kind::SYNC, kind::SYNC_STEP1, &own);
            resync.sort_unstable();
            resync.dedup();
            for conn in resync {
                if let Some(sub) = state.subscribers.get(&conn) {
                    room.push_to(sub, &body);
                }
            }
            return;
        }
    }

    /// One reload of a stale room.
    async fn reload_once(&self, room: &Arc<Room>) -> Reload {
        let candidates = room.readers(usize::MAX);
        let signed_in = !candidates.is_empty();
        let mut reader = None;
        for user in candidates {
            match self.storage.role_of(&user, &room.board).await {
                Ok(Some(_)) => {
                    reader = Some(user);
                    break;
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, board = %room.board, "reading a role for a reload failed");
                    return Reload::Failed;
                }
            }
        }
        if signed_in && reader.is_none() {
            // Read as no one, row-level security would show an empty board.
            return Reload::NoReader;
        }
        let (doc, seq) = match self.read_board(&room.board, reader.as_deref()).await {
            Ok(read) => read,
            Err(error) => {
                tracing::error!(?error, board = %room.board, "reloading a board failed");
                return Reload::Failed;
            }
        };
        let Some(mut state) = room.state() else {
            return Reload::Failed;
        };
        {
            let mut txn = doc.transact_mut();
            let again = state.committed_during_reload.iter().chain(
                state
                    .accepted
                    .iter()
                    .filter(|a| a.committed != Some(false))
                    .map(|a| &a.update),
            );
            for bytes in again {
                let Ok(update) = sync_protocol::decode_update_checked(bytes, &self.update_limits)
                else {
                    continue;
                };
                if guard::apply_in(&mut txn, update).is_err() {
                    tracing::warn!(board = %room.board, "an accepted update no longer applies");
                }
            }
        }
        state.committed_during_reload.clear();
        state.doc = doc;
        state.seq = state.seq.max(seq);
        tracing::info!(board = %room.board, seq, "room reloaded after a refused commit");
        Reload::Done
    }

    /// Removes a subscriber (joined on behalf of `user`); its awareness states are withdrawn
    /// for everyone else.
    pub fn leave(&self, room: &Arc<Room>, conn: ConnId, user: Option<&str>) {
        if let Some(mut state) = room.state() {
            if state.subscribers.remove(&conn).is_some() {
                if let Some(user) = user {
                    if let Some(on_room) = state.users.get_mut(user) {
                        on_room.channels -= 1;
                        if on_room.channels == 0 {
                            state.users.remove(user);
                        }
                    }
                }
                let cleared = state.awareness.release(conn);
                if !cleared.is_empty() {
                    let update = sync_protocol::encode_awareness_update(&cleared);
                    room.broadcast(&state, conn, &awareness_body(&update));
                    self.publish_awareness(&room.board, &update);
                }
            }
        }
        self.release(room);
    }

    fn release(&self, room: &Arc<Room>) {
        let mut map = lock(&self.map);
        room.members.fetch_sub(1, Ordering::SeqCst);
        self.unload_if_idle(&mut map, room);
    }

    /// One accepted update has been committed (or failed to be): committed ones are relayed
    /// in order; a failed one makes the room reload from storage (see [`Rooms::retract`]).
    pub fn commit_resolved(
        self: &Arc<Self>,
        room: &Arc<Room>,
        number: CommitNumber,
        committed: bool,
    ) {
        if room.resolve(number, committed, &self.metrics) {
            tokio::spawn(Arc::clone(self).retract(Arc::clone(room)));
        }
        let mut map = lock(&self.map);
        self.unload_if_idle(&mut map, room);
    }

    fn unload_if_idle(&self, map: &mut HashMap<String, Arc<Room>>, room: &Arc<Room>) {
        let idle =
            room.members.load(Ordering::SeqCst) == 0 && lock(&room.durability).open.is_empty();
        if idle && map.get(&room.board).is_some_and(|r| Arc::ptr_eq(r, room)) {
            map.remove(&room.board);
            self.metrics.rooms.dec();
        }
    }
}
