//! Group commit: many concurrent `commit()` calls become few transactions. One writer task
//! takes the first queued update, gathers more until a batch limit or `max_delay`, appends the
//! whole batch in one transaction and only then answers each waiter with its seq. While a
//! transaction runs, new updates queue up and form the next batch.
//!
//! The writer also decides compaction: it counts each board's committed rows and, past
//! [`Compaction::after_updates`], folds that board's log in a task of its own, acting as the
//! author of the row that crossed the line.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::storage::{CompactionOutcome, NewUpdate, Storage};

/// Batch limits of the writer.
#[derive(Debug, Clone)]
pub struct GroupCommitConfig {
    /// Most updates in one transaction.
    pub max_batch_updates: usize,
    /// Most update bytes in one transaction (a single larger update still goes alone).
    pub max_batch_bytes: usize,
    /// How long the writer gathers after the first update of a batch arrives.
    pub max_delay: Duration,
    /// Updates waiting for the writer before `commit()` callers wait to enqueue.
    pub queue_capacity: usize,
}

impl Default for GroupCommitConfig {
    fn default() -> Self {
        GroupCommitConfig {
            max_batch_updates: 1024,
            max_batch_bytes: 8 * 1024 * 1024,
            // Batches form on their own from what queues while a transaction runs; a gathering
            // delay only adds latency to every delivery (BENCHMARKS.md, "Gathering delay").
            max_delay: Duration::ZERO,
            queue_capacity: 65536,
        }
    }
}

/// Why an update was not committed. The caller must not acknowledge it; the client re-sends.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error("the group-commit writer has stopped")]
    QueueClosed,
    /// The transaction holding the update failed (the storage error's text, safe to log).
    #[error("the commit transaction failed: {0}")]
    Storage(String),
    /// The author may not write this board (any more): nothing was stored.
    #[error("the author may not write this board")]
    NotAllowed,
}

/// Counters since the writer started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitStats {
    /// Committed transactions.
    pub transactions: u64,
    /// Committed updates.
    pub updates: u64,
    /// Most updates in one transaction (committed or not).
    pub largest_batch: u64,
    /// Transactions that failed (every waiter in them got `Err`).
    pub failed_transactions: u64,
}

/// One transaction's worth of observations, for metrics.
#[derive(Debug, Clone, Copy)]
pub struct BatchReport {
    pub updates: usize,
    pub bytes: usize,
    /// How long the transaction took.
    pub elapsed: Duration,
    /// From the oldest update's `commit()` call to its answer: the worst commit latency.
    pub oldest_wait: Duration,
    pub committed: bool,
}

/// Called by the writer after each transaction; must be cheap (it delays the next batch).
pub type BatchObserver = Arc<dyn Fn(BatchReport) + Send + Sync>;

/// When the writer compacts a board, and what it tells when it has.
#[derive(Clone)]
pub struct Compaction {
    /// Log rows committed for a board (since this writer started or last compacted it) that
    /// make the writer compact it.
    pub after_updates: u64,
    /// Called after each compaction that folded something.
    pub on_compacted: Arc<dyn Fn() + Send + Sync>,
}

impl std::fmt::Debug for Compaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compaction")
            .field("after_updates", &self.after_updates)
            .finish_non_exhaustive()
    }
}

/// Boards too many for the writer to keep counting: it forgets the counts (they only delay
/// a compaction).
const MAX_COUNTED_BOARDS: usize = 65_536;

/// The writer's compaction bookkeeping.
struct Compactor {
    policy: Compaction,
    storage: Storage,
    /// Rows committed per board since its last compaction.
    committed: HashMap<String, u64>,
    /// Boards with a compaction running (shared with the compaction tasks).
    running: Arc<Mutex<HashSet<String>>>,
}

impl Compactor {
    /// Counts a committed row of `board` by `author`; compacts the board once it has enough.
    fn committed(&mut self, board: &str, author: Option<&str>) {
        if self.committed.len() >= MAX_COUNTED_BOARDS && !self.committed.contains_key(board) {
            self.committed.clear();
        }
        let count = self.committed.entry(board.to_owned()).or_insert(0);
        *count += 1;
        if *count < self.policy.after_updates {
            return;
        }
        {
            let mut running = self
                .running
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if !running.insert(board.to_owned()) {
                return;
            }
        }
        self.committed.remove(board);
        let storage = self.storage.clone();
        let running = Arc::clone(&self.running);
        let on_compacted = Arc::clone(&self.policy.on_compacted);
        let board = board.to_owned();
        let author = author.map(str::to_owned);
        tokio::spawn(async move {
            match storage.compact_as(&board, author.as_deref()).await {
                Ok(CompactionOutcome::Compacted { .. }) => on_compacted(),
                Ok(CompactionOutcome::Incomplete(detail)) => {
                    tracing::warn!(%board, %detail, "compaction postponed");
                }
                Ok(CompactionOutcome::NothingToDo) => {}
                Err(error) => tracing::error!(?error, %board, "compaction failed"),
            }
            running
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(&board);
        });
    }
}

/// A handle to the writer; clone freely. When every clone is dropped, the writer commits
/// whatever is queued, answers it, and its task ends.
#[derive(Clone)]
pub struct GroupCommitter {
    requests: mpsc::Sender<CommitRequest>,
    counters: Arc<WriterCounters>,
}

/// What the writer counts, read through [`GroupCommitter::stats`].
#[derive(Default)]
struct WriterCounters {
    transactions: AtomicU64,
    updates: AtomicU64,
    largest_batch: AtomicU64,
    failed_transactions: AtomicU64,
    observer: RwLock<Option<BatchObserver>>,
}

struct CommitRequest {
    board: String,
    author: Option<String>,
    update: Vec<u8>,
    /// The task changes the update made, recorded once it commits (`crate::history`).
    history: Vec<board_model::TaskChange>,
    queued_at: Instant,
    reply: oneshot::Sender<Result<i64, CommitError>>,
}

impl GroupCommitter {
    /// Starts the writer task on the current tokio runtime.
    pub fn spawn(storage: Storage, config: GroupCommitConfig) -> (GroupCommitter, JoinHandle<()>) {
        Self::start(storage, config, None)
    }

    /// Starts the writer task, which also compacts boards by `compaction`.
    pub fn spawn_compacting(
        storage: Storage,
        config: GroupCommitConfig,
        compaction: Compaction,
    ) -> (GroupCommitter, JoinHandle<()>) {
        Self::start(storage, config, Some(compaction))
    }

    fn start(
        storage: Storage,
        config: GroupCommitConfig,
        compaction: Option<Compaction>,
    ) -> (GroupCommitter, JoinHandle<()>) {
        let (requests, queue) = mpsc::channel(config.queue_capacity.max(1));
        let counters = Arc::new(WriterCounters::default());
        let compactor = compaction.map(|policy| Compactor {
            policy,
            storage: storage.clone(),
            committed: HashMap::new(),
            running: Arc::default(),
        });
        let writer = tokio::spawn(run_writer(
            storage,
            config,
            queue,
            Arc::clone(&counters),
            compactor,
        ));
        (GroupCommitter { requests, counters }, writer)
    }

    /// Queues `update` for `board` and resolves with its seq once the transaction holding it
    /// has committed; `Err` means it is not stored (or its fate is unknown) and must not be
    /// acknowledged. The future does not borrow `self` (spawn it freely) and holds no handle
    /// once queued, so dropping every `GroupCommitter` still lets queued updates drain.
    pub fn commit(
        &self,
        board: String,
        update: Vec<u8>,
    ) -> impl Future<Output = Result<i64, CommitError>> + Send + 'static {
        let requests = self.requests.clone();
        async move {
            enqueue_on(requests, board, update, None, Vec::new())
                .await?
                .await
        }
    }

    /// Queues `update` for `board` now and returns a ticket that resolves like `commit`. Updates
    /// commit in queue order, so one caller's updates to a board get increasing seqs in the
    /// order it enqueued them. Waits only while the queue is full.
    pub async fn enqueue(
        &self,
        board: String,
        update: Vec<u8>,
    ) -> Result<CommitTicket, CommitError> {
        enqueue_on(self.requests.clone(), board, update, None, Vec::new()).await
    }

    /// `enqueue` on behalf of `author`, who must still be allowed to write the board when the
    /// transaction runs (`CommitError::NotAllowed` otherwise).
    pub async fn enqueue_as(
        &self,
        board: String,
        update: Vec<u8>,
        author: Option<String>,
    ) -> Result<CommitTicket, CommitError> {
        enqueue_on(self.requests.clone(), board, update, author, Vec::new()).await
    }

    /// `enqueue_as`, with the task changes the update made (board-model's `HistoryRecorder`
    /// on the room's document): once the update is committed they are recorded as its
    /// author's, under its seq (`crate::history`).
    pub async fn enqueue_with_history(
        &self,
        board: String,
        update: Vec<u8>,
        author: Option<String>,
        history: Vec<board_model::TaskChange>,
    ) -> Result<CommitTicket, CommitError> {
        enqueue_on(self.requests.clone(), board, update, author, history).await
    }

    pub fn stats(&self) -> CommitStats {
        CommitStats {
            transactions: self.counters.transactions.load(Ordering::Relaxed),
            updates: self.counters.updates.load(Ordering::Relaxed),
            largest_batch: self.counters.largest_batch.load(Ordering::Relaxed),
            failed_transactions: self.counters.failed_transactions.load(Ordering::Relaxed),
        }
    }

    /// Replaces the observer called after every transaction.
    pub fn set_observer(&self, observer: BatchObserver) {
        let mut slot = self
            .counters
            .observer
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *slot = Some(observer);
    }
}

/// Resolves with the seq of an enqueued update once its transaction has committed.
#[derive(Debug)]
pub struct CommitTicket {
    answer: oneshot::Receiver<Result<i64, CommitError>>,
}

impl Future for CommitTicket {
    type Output = Result<i64, CommitError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.answer)
            .poll(cx)
            .map(|answer| answer.unwrap_or(Err(CommitError::QueueClosed)))
    }
}

/// Takes the sender by value so a caller's future holds no handle once its update is queued.
async fn enqueue_on(
    requests: mpsc::Sender<CommitRequest>,
    board: String,
    update: Vec<u8>,
    author: Option<String>,
    history: Vec<board_model::TaskChange>,
) -> Result<CommitTicket, CommitError> {
    let (reply, answer) = oneshot::channel();
    let request = CommitRequest {
        board,
        author,
        update,
        history,
        queued_at: Instant::now(),
        reply,
    };
    requests
        .send(request)
        .await
        .map_err(|_| CommitError::QueueClosed)?;
    Ok(CommitTicket { answer })
}

async fn run_writer(
    storage: Storage,
    config: GroupCommitConfig,
    mut queue: mpsc::Receiver<CommitRequest>,
    shared: Arc<WriterCounters>,
    mut compactor: Option<Compactor>,
) {
    let max_updates = config.max_batch_updates.max(1);
    // An update that would have pushed the last batch over `max_batch_bytes` starts the next.
    let mut carried: Option<CommitRequest> = None;
    loop {
        let first = match carried.take() {
            Some(request) => request,
            // `None`: every handle is gone and the queue is drained.
            None => match queue.recv().await {
                Some(request) => request,
                None => break,
            },
        };
        let deadline = Instant::now() + config.max_delay;
        let mut bytes = first.update.len();
        let mut batch = vec![first];
        while batch.len() < max_updates && bytes < config.max_batch_bytes {
            let next = match queue.try_recv() {
                Ok(request) => request,
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                Err(mpsc::error::TryRecvError::Empty) => {
                    match tokio::time::timeout_at(deadline, queue.recv()).await {
                        Ok(Some(request)) => request,
                        Ok(None) | Err(_) => break,
                    }
                }
            };
            if bytes + next.update.len() > config.max_batch_bytes {
                carried = Some(next);
                break;
            }
            bytes += next.update.len();
            batch.push(next);
        }
        commit_batch(&storage, &shared, batch, bytes, compactor.as_mut()).await;
    }
}

/// Records the task changes of committed updates (after their acknowledgements went out, so
/// history never delays an acknowledgement); a failure loses these history entries, not the
/// updates, and is logged.
async fn record_history(
    storage: &Storage,
    committed: &[(String, i64, String, Vec<board_model::TaskChange>)],
) {
    if committed.is_empty() {
        return;
    }
    let rows: Vec<crate::history::CommittedChanges<'_>> = committed
        .iter()
        .map(
            |(board, seq, author, changes)| crate::history::CommittedChanges {
                board,
                seq: *seq,
                author,
                changes,
            },
        )
        .collect();
    if let Err(error) = crate::history::record(storage, &rows, crate::history::now_ms()).await {
        tracing::error!(%error, updates = rows.len(), "recording task history failed");
    }
}

async fn commit_batch(
    storage: &Storage,
    shared: &WriterCounters,
    mut batch: Vec<CommitRequest>,
    bytes: usize,
    mut compactor: Option<&mut Compactor>,
) {
    let items: Vec<(NewUpdate<'_>, Option<&str>)> = batch
        .iter()
        .map(|request| {
            let update = NewUpdate {
                board: &request.board,
                bytes: &request.update,
            };
            (update, request.author.as_deref())
        })
        .collect();
    let started = Instant::now();
    let span = tracing::info_span!("commit", updates = batch.len(), bytes);
    let mut outcome =
        tracing::Instrument::instrument(storage.append_authored(&items), span.clone()).await;
    if outcome
        .as_ref()
        .is_err_and(crate::storage::StorageError::is_permission_denied)
    {
        // A membership revoked between the author check and the insert makes PostgreSQL's
        // row-level security fail the whole transaction; once more, the check sees it.
        tracing::warn!("group commit refused by row-level security; retrying once");
        outcome = tracing::Instrument::instrument(storage.append_authored(&items), span).await;
    }
    let elapsed = started.elapsed();
    drop(items);
    let updates = batch.len();
    shared
        .largest_batch
        .fetch_max(updates as u64, Ordering::Relaxed);
    let oldest_wait = batch
        .iter()
        .map(|request| request.queued_at.elapsed())
        .max()
        .unwrap_or_default();
    let committed = match outcome {
        Ok(seqs) if seqs.len() == updates => {
            shared.transactions.fetch_add(1, Ordering::Relaxed);
            shared.updates.fetch_add(updates as u64, Ordering::Relaxed);
            // Stored updates of signed-in authors: an anonymous development relay's have no
            // one to name.
            let mut history = Vec::new();
            for (request, seq) in batch.iter_mut().zip(&seqs) {
                if let (Some(author), Some(seq)) = (&request.author, seq) {
                    if !request.history.is_empty() {
                        let changes = std::mem::take(&mut request.history);
                        history.push((request.board.clone(), *seq, author.clone(), changes));
                    }
                }
            }
            for (request, seq) in batch.into_iter().zip(seqs) {
                if let (Some(compactor), Some(_)) = (compactor.as_deref_mut(), seq) {
                    compactor.committed(&request.board, request.author.as_deref());
                }
                // The caller may have given up waiting; the row is committed regardless.
                let _ = request.reply.send(seq.ok_or(CommitError::NotAllowed));
            }
            record_history(storage, &history).await;
            true
        }
        outcome => {
            let reason = match outcome {
                Err(err) => {
                    tracing::error!(error = %err, updates, bytes, "group commit failed");
                    err.to_string()
                }
                Ok(seqs) => format!("storage returned {} seqs for {updates} updates", seqs.len()),
            };
            shared.failed_transactions.fetch_add(1, Ordering::Relaxed);
            for request in batch {
                let _ = request
                    .reply
                    .send(Err(CommitError::Storage(reason.clone())));
            }
            false
        }
    };
    let observer = shared
        .observer
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    if let Some(observer) = observer {
        observer(BatchReport {
            updates,
            bytes,
            elapsed,
            oldest_wait,
            committed,
        });
    }
}
