//! Rooms: the one live copy of each open board, shared by the connections on it, and the send
//! queue towards each connection.
//!
//! The room's rules (what it applies, holds, relays and when) are `relay_core::RoomCore`'s;
//! this module shares one per open board behind a mutex, loads it from storage when its first
//! subscriber joins, reloads it after a refused commit, and drops it when the last subscriber
//! has left and every update it accepted has been committed.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Bytes;
use futures_util::task::AtomicWaker;
use relay_core::room::{document_from_storage, ReloadEnd};
use relay_core::{
    Applied, AwarenessBounds, AwarenessOutcome, CommitLedger, OpenCommits, RoomCore, RoomError,
    RoomPort,
};
use sync_protocol::{CheckedAwareness, UpdateLimits};
use tokio::sync::{watch, OnceCell};
use yrs::{Doc, StateVector, Transact, Update};

use crate::conflicts::ConflictFeed;
use crate::metrics::Metrics;
use crate::storage::{Storage, StorageError};
use board_model::{AuthorChange, CommentAuthors, HistoryRecorder, TaskChange};

pub use relay_core::room::{CommitNumber, Committed};
pub use relay_core::wire::{ConnId, Framing, REMOTE};

/// Members a catch-up tries to read the log as (`Room::readers`).
pub const READERS: usize = 8;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
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
pub struct SendQueue {
    queue: Arc<Queue>,
}

/// How much one connection's queue may hold, and all of the relay's queues together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendQueueLimits {
    pub frames: usize,
    pub bytes: usize,
    pub relay_bytes: usize,
}

struct Queue {
    frames: Mutex<Frames>,
    limits: SendQueueLimits,
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

/// The connection's end of an [`SendQueue`].
pub struct SendQueueReceiver {
    queue: Arc<Queue>,
}

impl std::fmt::Debug for SendQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendQueue").finish_non_exhaustive()
    }
}

impl SendQueue {
    pub fn new(limits: SendQueueLimits, metrics: Arc<Metrics>) -> (Self, SendQueueReceiver) {
        let queue = Arc::new(Queue {
            frames: Mutex::new(Frames::default()),
            limits: SendQueueLimits {
                frames: limits.frames.max(1),
                ..limits
            },
            overflowed: AtomicBool::new(false),
            waker: AtomicWaker::new(),
            metrics,
        });
        let receiver = SendQueueReceiver {
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

impl SendQueueReceiver {
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

impl Drop for SendQueueReceiver {
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

impl relay_core::FrameSink for SendQueue {
    fn push(&self, frame: Bytes) -> bool {
        SendQueue::push(self, frame)
    }

    fn push_unless_queued(&self, frame: Bytes) -> bool {
        SendQueue::push_unless_queued(self, frame)
    }
}

/// One open board on this relay instance: its [`RoomCore`] once loaded, and its commits.
pub struct Room {
    pub board: String,
    /// `varString(board)`, the prefix of every multiplexed frame of this board.
    pub mux_prefix: Vec<u8>,
    state: OnceCell<Mutex<RoomCore<SendQueue>>>,
    /// Joined subscribers (changed under the registry lock).
    members: AtomicUsize,
    /// Accepted updates whose commits are still open (the room stays loaded until they
    /// resolve), and which commits failed (see [`Room::wait_durable`]).
    durability: Mutex<OpenCommits>,
    /// Bumped whenever a commit resolves, to wake [`Room::wait_durable`].
    resolutions: watch::Sender<u64>,
    /// What each accepted update changed, for the task history (`crate::history`).
    history: Mutex<RoomHistory>,
}

/// The room document's history recorder and the changes of accepted updates waiting to be
/// queued for commit with them. Locked after the room's state, never before.
#[derive(Default)]
struct RoomHistory {
    /// The room's document (a handle on the one its `RoomCore` holds) and its recorder.
    recorder: Option<(Doc, HistoryRecorder, CommentAuthors)>,
    pending: HashMap<CommitNumber, AcceptedChanges>,
}

impl RoomHistory {
    /// Accepts what the document took without naming it (rows another relay committed and
    /// recorded, a snapshot, updates applied again after a reload).
    fn forget(&self) {
        if let Some((doc, recorder, authors)) = &self.recorder {
            recorder.clear();
            authors.settle(&doc.transact());
        }
    }
}

/// What one accepted update changed: its task history, and the comments it touched with their
/// authors before and after (`crate::connection` refuses an update that touches a comment of
/// another account, DESIGN §4 "Comment authors").
#[derive(Debug, Default)]
pub struct AcceptedChanges {
    pub tasks: Vec<TaskChange>,
    pub comment_authors: Vec<AuthorChange>,
}

impl std::fmt::Debug for Room {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Room")
            .field("board", &self.board)
            .finish_non_exhaustive()
    }
}

impl CommitLedger for Room {
    fn begin_commit(&self) -> CommitNumber {
        lock(&self.durability).begin()
    }

    fn open_commits(&self) -> Vec<CommitNumber> {
        lock(&self.durability).open()
    }

    fn finish_commit(&self, number: CommitNumber, committed: bool) {
        lock(&self.durability).finish(number, committed);
        self.resolutions.send_modify(|count| *count += 1);
    }
}

impl Room {
    fn new(board: &str) -> Self {
        Self {
            board: board.to_owned(),
            mux_prefix: relay_core::wire::mux_prefix(board),
            state: OnceCell::new(),
            members: AtomicUsize::new(0),
            durability: Mutex::new(OpenCommits::default()),
            resolutions: watch::Sender::new(0),
            history: Mutex::new(RoomHistory::default()),
        }
    }

    /// Follows `doc`, the document the room's state now holds, for the task history.
    fn record_history_of(&self, doc: &Doc) {
        let mut history = lock(&self.history);
        history.recorder = Some((
            doc.clone(),
            HistoryRecorder::attach(doc),
            CommentAuthors::attach(doc),
        ));
    }

    /// What accepted update `number` changed (empty when it changed no task or comment), taken
    /// once: the changes go with the update to the group committer.
    pub fn take_history(&self, number: CommitNumber) -> AcceptedChanges {
        lock(&self.history)
            .pending
            .remove(&number)
            .unwrap_or_default()
    }

    fn state(&self) -> Option<MutexGuard<'_, RoomCore<SendQueue>>> {
        self.state.get().map(lock)
    }

    /// The signed-in users on this room, the latest to join first, at most `limit`: whom to
    /// read the board's log as (`crate::cluster` tries them in turn when the first sees less
    /// than was announced, a reload takes the first who still has a role). Empty on a
    /// development relay without accounts, which reads as no one.
    pub fn readers(&self, limit: usize) -> Vec<String> {
        self.state()
            .map(|state| state.readers(limit))
            .unwrap_or_default()
    }

    /// Records and relays an awareness update (see [`RoomCore::awareness`]).
    pub fn awareness<'u>(
        &self,
        from: ConnId,
        update: &'u [u8],
        checked: CheckedAwareness,
        bounds: &AwarenessBounds,
    ) -> AwarenessOutcome<'u> {
        match self.state() {
            Some(mut state) => state.awareness(from, update, checked, bounds),
            None => AwarenessOutcome {
                over_limit: checked.refused,
                ..AwarenessOutcome::default()
            },
        }
    }

    /// Sends the relay's Step1 to one subscriber.
    pub fn send_step1(&self, conn: ConnId) {
        if let Some(state) = self.state() {
            state.send_step1(conn);
        }
    }

    /// Sends everyone's awareness to one subscriber.
    pub fn send_awareness(&self, conn: ConnId) {
        if let Some(mut state) = self.state() {
            state.send_awareness(conn);
        }
    }

    /// The room's whole document as one Yjs v1 update (`None` while loading).
    pub fn encode_state(&self) -> Option<Vec<u8>> {
        self.state().and_then(|state| state.encode_state())
    }

    /// The seq up to which the board's log is in the room (`None` while loading).
    pub fn committed_seq(&self) -> Option<i64> {
        self.state().map(|state| state.committed_seq())
    }

    /// Takes row `seq` of the board's log (see [`RoomCore::apply_committed`]).
    pub fn apply_committed(
        &self,
        seq: i64,
        bytes: Option<&[u8]>,
        limits: &UpdateLimits,
    ) -> Committed {
        let Some(mut state) = self.state() else {
            return Committed::NotLoaded;
        };
        // Another relay committed it and recorded its history.
        let _forget = ForgetHistory(self);
        match state.apply_committed(seq, bytes, limits) {
            Committed::Skipped => {
                tracing::warn!(board = %self.board, seq, "a committed row could not be applied");
                Committed::Advanced
            }
            outcome => outcome,
        }
    }

    /// Takes a compacted board's snapshot (see [`RoomCore::apply_snapshot`]).
    pub fn apply_snapshot(&self, seq: i64, bytes: &[u8], limits: &UpdateLimits) -> bool {
        self.state().is_some_and(|mut state| {
            let applied = state.apply_snapshot(seq, bytes, limits);
            lock(&self.history).forget();
            applied
        })
    }

    /// The commits of this room not resolved yet.
    pub fn open_commits(&self) -> Vec<CommitNumber> {
        CommitLedger::open_commits(self)
    }

    /// Waits until every commit in `commits` has resolved; true when all of them committed.
    pub async fn wait_durable(&self, commits: &[CommitNumber]) -> bool {
        let mut resolutions = self.resolutions.subscribe();
        loop {
            if let Some(durable) = lock(&self.durability).durable(commits) {
                return durable;
            }
            // Subscribed before the check, so a resolution in between still wakes us.
            if resolutions.changed().await.is_err() {
                return false;
            }
        }
    }

    fn is_idle(&self) -> bool {
        self.members.load(Ordering::SeqCst) == 0 && lock(&self.durability).is_empty()
    }
}

/// A connection's view of a room: the session calls it directly (room work is short).
impl RoomPort for Room {
    fn board(&self) -> &str {
        &self.board
    }

    fn mux_prefix(&self) -> &[u8] {
        &self.mux_prefix
    }

    fn sync_step1(&self, conn: ConnId, state_vector: &StateVector) {
        if let Some(state) = self.state() {
            state.sync_step1(conn, state_vector);
        }
    }

    fn send_step1(&self, conn: ConnId) {
        Room::send_step1(self, conn);
    }

    fn apply_update(
        &self,
        conn: ConnId,
        bytes: &[u8],
        update: Update,
        received: Instant,
    ) -> Result<Applied, RoomError> {
        if update.is_empty() {
            // A Step2 with nothing in it is trivially durable.
            return Ok(Applied::Held(Vec::new()));
        }
        let Some(mut state) = self.state() else {
            return Err(RoomError::ApplyFailed);
        };
        let outcome = state.apply_update(conn, bytes, update, received, self);
        let mut history = lock(&self.history);
        if let (Ok(Applied::Accepted(number)), Some((doc, recorder, authors))) =
            (&outcome, &history.recorder)
        {
            let txn = doc.transact();
            let changes = AcceptedChanges {
                tasks: recorder.take(&txn),
                comment_authors: authors.take(&txn),
            };
            drop(txn);
            if !changes.tasks.is_empty() || !changes.comment_authors.is_empty() {
                history.pending.insert(*number, changes);
            }
        } else {
            history.forget();
        }
        outcome
    }

    fn check_held(&self, conn: ConnId, update: &Update) -> Result<Applied, RoomError> {
        if update.is_empty() {
            return Ok(Applied::Held(Vec::new()));
        }
        let Some(mut state) = self.state() else {
            return Err(RoomError::ApplyFailed);
        };
        state.check_held(conn, update, self)
    }

    fn awareness<'u>(
        &self,
        conn: ConnId,
        update: &'u [u8],
        checked: CheckedAwareness,
        bounds: &AwarenessBounds,
    ) -> AwarenessOutcome<'u> {
        Room::awareness(self, conn, update, checked, bounds)
    }

    fn refuse_awareness(&self, conn: ConnId, bounds: &AwarenessBounds) -> bool {
        self.state()
            .is_some_and(|mut state| state.refuse_awareness(conn, bounds))
    }

    fn send_awareness(&self, conn: ConnId) {
        Room::send_awareness(self, conn);
    }
}

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

/// Every room of this relay instance.
pub struct Rooms {
    map: Mutex<HashMap<String, Arc<Room>>>,
    /// Other relay instances on the same PostgreSQL (`None` on SQLite).
    pub cluster: Option<crate::cluster::Cluster>,
    /// The conflict counter's queue (`crate::conflicts`).
    conflict_feed: ConflictFeed,
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
    #[error(transparent)]
    Corrupt(#[from] relay_core::room::Unreadable),
}

impl Rooms {
    /// Every room of a relay instance, with its cluster (if any) and its conflict counter
    /// (a task reading rooms through a weak reference, so it ends with them).
    pub fn new(
        storage: Storage,
        metrics: Arc<Metrics>,
        update_limits: UpdateLimits,
        cluster: Option<crate::cluster::Cluster>,
    ) -> Arc<Self> {
        Arc::new_cyclic(|rooms| Self {
            map: Mutex::new(HashMap::new()),
            cluster,
            conflict_feed: crate::conflicts::spawn(rooms.clone(), metrics.clone()),
            storage,
            metrics,
            update_limits,
        })
    }

    /// Hands an update a room integrated to the conflict counter (cheap: a copy and a
    /// `try_send`).
    pub fn observe_update(&self, board: &str, update: &[u8]) {
        self.conflict_feed.observe(board, update);
    }

    pub fn open_rooms(&self) -> usize {
        lock(&self.map).len()
    }

    /// Tells other relay instances about a local client's awareness update.
    pub fn publish_awareness(&self, board: &str, update: &[u8]) {
        if let Some(cluster) = &self.cluster {
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
        outbox: SendQueue,
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
                tracing::Instrument::instrument(self.load(&room, board, user), span.clone())
            })
            .await;
        drop(span);
        if let Err(e) = loaded {
            self.release(&room);
            return Err(e);
        }
        if let Some(mut state) = room.state() {
            state.subscribe(conn, outbox, framing, user);
        }
        Ok(room)
    }

    async fn load(
        &self,
        room: &Room,
        board: &str,
        user: Option<&str>,
    ) -> Result<Mutex<RoomCore<SendQueue>>, JoinError> {
        let (doc, seq) = self.read_board(board, user).await?;
        room.record_history_of(&doc);
        Ok(Mutex::new(RoomCore::new(board, doc, seq)))
    }

    /// The board as storage holds it, read as `user`: a document and the seq it covers.
    async fn read_board(&self, board: &str, user: Option<&str>) -> Result<(Doc, i64), JoinError> {
        let stored = self.storage.load_board_as(board, user).await?;
        let pieces = stored
            .snapshot
            .iter()
            .chain(stored.updates.iter())
            .map(Vec::as_slice);
        let (doc, waiting) = document_from_storage(pieces, &self.update_limits)?;
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
            if room.is_idle() {
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
            let resync = {
                let Some(mut state) = room.state() else {
                    return;
                };
                match state.finish_reload() {
                    ReloadEnd::Again => continue,
                    ReloadEnd::Done(resync) => resync,
                }
            };
            self.metrics.reject("room_reloaded");
            if resync.is_empty() {
                return;
            }
            // Paced: while the database refuses every write, a client answering at once would
            // otherwise go round refusal, reload and Step1 as fast as they run.
            tokio::time::sleep(RELOAD_RETRY).await;
            if let Some(state) = room.state() {
                state.send_step1_to(&resync);
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
        room.record_history_of(&doc);
        let failed = state.replace_document(doc, seq, &self.update_limits);
        // Re-applying the accepted updates is not news: their changes went with them.
        lock(&room.history).forget();
        if failed > 0 {
            tracing::warn!(board = %room.board, failed, "accepted updates no longer apply");
        }
        tracing::info!(board = %room.board, seq, "room reloaded after a refused commit");
        Reload::Done
    }

    /// Removes a subscriber (joined on behalf of `user`); its awareness states are withdrawn
    /// for everyone else.
    pub fn leave(&self, room: &Arc<Room>, conn: ConnId, user: Option<&str>) {
        let cleared = room
            .state()
            .and_then(|mut state| state.unsubscribe(conn, user));
        if let Some(update) = cleared {
            self.publish_awareness(&room.board, &update);
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
        // Normally taken when the commit was queued; never left behind.
        lock(&room.history).pending.remove(&number);
        let start_reload = match room.state() {
            Some(mut state) => {
                let resolution = state.resolve(number, committed, &**room, Instant::now());
                for latency in resolution.relayed_after {
                    self.metrics.fanout_seconds.observe(latency.as_secs_f64());
                }
                resolution.start_reload
            }
            None => {
                room.finish_commit(number, committed);
                false
            }
        };
        if start_reload {
            tokio::spawn(Arc::clone(self).retract(Arc::clone(room)));
        }
        let mut map = lock(&self.map);
        self.unload_if_idle(&mut map, room);
    }

    fn unload_if_idle(&self, map: &mut HashMap<String, Arc<Room>>, room: &Arc<Room>) {
        if room.is_idle() && map.get(&room.board).is_some_and(|r| Arc::ptr_eq(r, room)) {
            map.remove(&room.board);
            self.metrics.rooms.dec();
        }
    }
}

/// Drops what the room's recorder saw when it goes out of scope (after applying rows another
/// relay committed, whose history that relay recorded).
struct ForgetHistory<'r>(&'r Room);

impl Drop for ForgetHistory<'_> {
    fn drop(&mut self) {
        lock(&self.0.history).forget();
    }
}
