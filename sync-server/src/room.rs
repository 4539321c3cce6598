//! Rooms: the one live copy of each open board, its subscribers and their awareness.
//!
//! A room is loaded from storage when its first subscriber joins and dropped when the last one
//! has left and every update it accepted has been committed. All room work is synchronous and
//! short (apply an update, queue frames), done under the room's mutex.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use axum::body::Bytes;
use futures_util::task::AtomicWaker;
use sync_protocol::lib0::{write_var_bytes, write_var_string, write_var_u64};
use sync_protocol::{AwarenessEntry, UpdateLimits};
use tokio::sync::{watch, OnceCell};
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, StateVector, Transact, Update};

use crate::metrics::Metrics;
use crate::storage::{Storage, StorageError};

pub type ConnId = u64;

/// Members remembered per room to read the log as (`Room::readers`).
const READERS: usize = 8;

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

/// The queue of frames towards one client. A full queue means the client cannot keep up: it is
/// flagged, and its connection closes (the client resyncs on reconnect).
///
/// Hand-written rather than a tokio mpsc channel, which allocates a block of 32 slots for every
/// connection up front: this queue allocates on its first frame and gives a burst's memory back
/// once the connection has emptied it, so an idle connection holds a few hundred bytes at most.
/// The connection's one task drains it (reading and writing the socket in the same task), so a
/// single waker suffices.
#[derive(Clone)]
pub struct Outbox {
    queue: Arc<Queue>,
    metrics: Arc<Metrics>,
}

struct Queue {
    frames: Mutex<Frames>,
    capacity: usize,
    overflowed: AtomicBool,
    /// Wakes the connection's task: a frame was queued, or the queue overflowed.
    waker: AtomicWaker,
}

#[derive(Default)]
struct Frames {
    queued: VecDeque<Bytes>,
    /// The connection is gone: nothing more is accepted.
    closed: bool,
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
    pub fn new(capacity: usize, metrics: Arc<Metrics>) -> (Self, OutboxReceiver) {
        let queue = Arc::new(Queue {
            frames: Mutex::new(Frames::default()),
            capacity: capacity.max(1),
            overflowed: AtomicBool::new(false),
            waker: AtomicWaker::new(),
        });
        let receiver = OutboxReceiver {
            queue: queue.clone(),
        };
        (Self { queue, metrics }, receiver)
    }

    /// Queues a frame without waiting; false (and the connection flagged) if the queue is full.
    pub fn push(&self, frame: Bytes) -> bool {
        let len = frame.len();
        {
            let mut frames = lock(&self.queue.frames);
            if frames.closed {
                return false;
            }
            if frames.queued.len() >= self.queue.capacity {
                drop(frames);
                if !self.queue.overflowed.swap(true, Ordering::SeqCst) {
                    self.metrics.slow_consumer_disconnects.inc();
                }
                self.queue.waker.wake();
                return false;
            }
            frames.queued.push_back(frame);
        }
        self.queue.waker.wake();
        self.metrics.frames_out.inc();
        self.metrics.bytes_out.inc_by(len as u64);
        true
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
        let frame = frames.queued.pop_front();
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
    state_json: String,
    conn: ConnId,
}

struct RoomState {
    doc: Doc,
    subscribers: HashMap<ConnId, Subscriber>,
    awareness: HashMap<u64, AwarenessState>,
    /// The board's log is in `doc` up to this seq (loaded, or announced by `crate::cluster`).
    seq: i64,
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
}

pub enum Applied {
    /// Applied and broadcast; store it.
    Changed,
    /// Added nothing: no need to store it.
    Nothing,
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
    /// Members who joined, the latest last (at most `READERS`): `crate::cluster` reads the
    /// log as the latest (row-level security shows a board only to its members), and as the
    /// ones before when that one sees less than was announced (revoked since it joined).
    pub readers: Mutex<VecDeque<String>>,
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
            readers: Mutex::new(VecDeque::new()),
        }
    }

    fn state(&self) -> Option<MutexGuard<'_, RoomState>> {
        self.state.get().map(lock)
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

    /// Whether `update` could add anything to the room (what a read-only client may "send":
    /// an echo of what the room already has is acknowledged, anything else refused).
    pub fn adds_anything(&self, update: &Update) -> bool {
        let Some(state) = self.state() else {
            return true;
        };
        let have = state.doc.transact().state_vector();
        update.extends(&have) || !update.delete_set().is_empty()
    }

    /// Applies a client's update to the room and, if it changed anything, sends it at once to
    /// every other subscriber. Refuses updates that build on history the room lacks (yrs would
    /// silently drop them) and survives a yrs panic.
    pub fn apply_update(
        &self,
        from: ConnId,
        bytes: &[u8],
        update: Update,
    ) -> Result<Applied, RoomError> {
        let Some(state) = self.state() else {
            return Err(RoomError::ApplyFailed);
        };
        let before = state.doc.transact().state_vector();
        for (client, first_clock) in update.state_vector_lower().iter() {
            if *first_clock > before.get(client) {
                return Err(RoomError::MissingHistory);
            }
        }
        if !update.extends(&before) && update.delete_set().is_empty() {
            return Ok(Applied::Nothing);
        }
        let applied = catch_unwind(AssertUnwindSafe(|| {
            let mut txn = state.doc.transact_mut();
            txn.apply_update(update)
        }));
        match applied {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(_) => return Err(RoomError::ApplyFailed),
        }
        self.broadcast(
            &state,
            from,
            &sync_body(kind::SYNC, kind::SYNC_UPDATE, bytes),
        );
        Ok(Applied::Changed)
    }

    /// Records and relays a client's awareness update (already checked by the caller).
    pub fn awareness(&self, from: ConnId, update: &[u8], entries: Vec<AwarenessEntry>) {
        let Some(mut state) = self.state() else {
            return;
        };
        for entry in entries {
            let newer = state
                .awareness
                .get(&entry.client_id)
                .is_none_or(|s| entry.clock >= s.clock);
            if !newer {
                continue;
            }
            if entry.state_json == "null" {
                state.awareness.remove(&entry.client_id);
            } else {
                state.awareness.insert(
                    entry.client_id,
                    AwarenessState {
                        clock: entry.clock,
                        state_json: entry.state_json,
                        conn: from,
                    },
                );
            }
        }
        self.broadcast(&state, from, &awareness_body(update));
    }

    /// Sends everyone's awareness to one subscriber.
    pub fn send_awareness(&self, conn: ConnId) {
        let Some(state) = self.state() else { return };
        if state.awareness.is_empty() {
            return;
        }
        let Some(sub) = state.subscribers.get(&conn) else {
            return;
        };
        let entries: Vec<AwarenessEntry> = state
            .awareness
            .iter()
            .map(|(client_id, s)| AwarenessEntry {
                client_id: *client_id,
                clock: s.clock,
                state_json: s.state_json.clone(),
            })
            .collect();
        let update = sync_protocol::encode_awareness_update(&entries);
        self.push_to(sub, &awareness_body(&update));
    }

    /// The room's whole document as one Yjs v1 update (`None` while loading).
    pub fn encode_state(&self) -> Option<Vec<u8>> {
        self.state().map(|state| {
            state
                .doc
                .transact()
                .encode_state_as_update_v1(&StateVector::default())
        })
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
        let applied = catch_unwind(AssertUnwindSafe(|| {
            state.doc.transact_mut().apply_update(update)
        }));
        if !matches!(applied, Ok(Ok(()))) {
            return false;
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
        if !update.extends(&before) && update.delete_set().is_empty() {
            return true;
        }
        let applied = catch_unwind(AssertUnwindSafe(|| {
            state.doc.transact_mut().apply_update(update)
        }));
        if !matches!(applied, Ok(Ok(()))) {
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
                let mut readers = lock(&room.readers);
                readers.retain(|reader| reader != user);
                if readers.len() >= READERS {
                    readers.pop_front();
                }
                readers.push_back(user.to_owned());
            }
        }
        Ok(room)
    }

    async fn load(&self, board: &str, user: Option<&str>) -> Result<Mutex<RoomState>, JoinError> {
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
        Ok(Mutex::new(RoomState {
            doc,
            subscribers: HashMap::new(),
            awareness: HashMap::new(),
            seq: stored.last_seq,
        }))
    }

    /// Removes a subscriber; its awareness states are withdrawn for everyone else.
    pub fn leave(&self, room: &Arc<Room>, conn: ConnId) {
        if let Some(mut state) = room.state() {
            if state.subscribers.remove(&conn).is_some() {
                let gone: Vec<(u64, u64)> = state
                    .awareness
                    .iter()
                    .filter(|(_, s)| s.conn == conn)
                    .map(|(client, s)| (*client, s.clock))
                    .collect();
                if !gone.is_empty() {
                    let entries: Vec<AwarenessEntry> = gone
                        .iter()
                        .map(|(client_id, clock)| {
                            state.awareness.remove(client_id);
                            AwarenessEntry {
                                client_id: *client_id,
                                clock: clock + 1,
                                state_json: "null".into(),
                            }
                        })
                        .collect();
                    let update = sync_protocol::encode_awareness_update(&entries);
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

    /// One accepted update has been committed (or failed to be).
    pub fn commit_resolved(&self, room: &Arc<Room>, number: CommitNumber, committed: bool) {
        room.finish_commit(number, committed);
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
