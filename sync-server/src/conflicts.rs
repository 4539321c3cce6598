//! The conflict-rate metric: concurrent writes to one field of one task, counted with
//! `board_model::conflicts::ConflictTracker` off the hot path. Connections and the cluster
//! hand each update a room integrated to a bounded queue (`try_send`: when the counter task
//! falls behind, updates are skipped, so the count is a sample under overload, never a
//! slowdown); one task keeps a tracker per board, seeded with the room's state when it first
//! sees the board. Trackers are bounded: past `MAX_BOARDS` boards or `MAX_UPDATES_PER_BOARD`
//! updates of one board the tracker starts afresh (conflicts spanning that moment are missed).

use std::collections::HashMap;
use std::sync::Arc;

use board_model::conflicts::ConflictTracker;
use tokio::sync::mpsc;

use crate::metrics::Metrics;
use crate::room::Rooms;

const QUEUE: usize = 4096;
const MAX_BOARDS: usize = 1024;
const MAX_UPDATES_PER_BOARD: usize = 100_000;

/// The feeding end; clone freely.
#[derive(Debug, Clone)]
pub struct ConflictFeed {
    tx: mpsc::Sender<(Arc<str>, Vec<u8>)>,
}

impl ConflictFeed {
    /// Hands over one update a room integrated (copied; skipped when the queue is full).
    pub fn observe(&self, board: &str, update: &[u8]) {
        let _ = self.tx.try_send((Arc::from(board), update.to_vec()));
    }
}

/// Starts the counting task; it ends when every `ConflictFeed` is dropped (the one in
/// `Rooms` goes with the relay: the task holds no strong reference to the rooms).
pub fn spawn(rooms: std::sync::Weak<Rooms>, metrics: Arc<Metrics>) -> ConflictFeed {
    let (tx, mut rx) = mpsc::channel::<(Arc<str>, Vec<u8>)>(QUEUE);
    tokio::spawn(async move {
        let mut trackers: HashMap<Arc<str>, (ConflictTracker, usize)> = HashMap::new();
        while let Some((board, update)) = rx.recv().await {
            if !trackers.contains_key(&board) {
                if trackers.len() >= MAX_BOARDS {
                    trackers.clear();
                }
                let mut tracker = ConflictTracker::new();
                // The room's state indexes the tasks made before this tracker existed.
                if let Some(state) = rooms
                    .upgrade()
                    .and_then(|rooms| rooms.get(&board))
                    .and_then(|room| room.encode_state())
                {
                    tracker.observe(&state);
                }
                trackers.insert(board.clone(), (tracker, 0));
            }
            let Some((tracker, seen)) = trackers.get_mut(&board) else {
                continue;
            };
            let found = tracker.observe(&update).len();
            if found > 0 {
                metrics.concurrent_field_writes.inc_by(found as u64);
            }
            *seen += 1;
            if *seen >= MAX_UPDATES_PER_BOARD {
                trackers.remove(&board);
            }
        }
    });
    ConflictFeed { tx }
}
