//! Several relay instances on one PostgreSQL (DESIGN §4). Each instance has an id. The commit
//! transaction itself `NOTIFY`s `tack_updates` with `(board, seqs, instance)` and, when they fit,
//! the update bytes, so an announcement is delivered exactly when the rows are durable and in
//! commit order. Every instance LISTENs; one with the board's room open applies the rows to the
//! room and relays them to its own subscribers (no re-commit). Rows that did not fit, or that
//! a room missed (it was loading, or the LISTEN connection dropped), are read from the log:
//! each room knows the seq its document holds. Awareness crosses on `tack_awareness` and is
//! never stored. On SQLite the relay is one process and none of this runs.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::mpsc;

use crate::room::{Committed, Room, REMOTE};
use crate::server::Shared;
use crate::storage::{Pools, Storage, UpdatesAfter};

/// The channel of committed rows.
pub const UPDATES_CHANNEL: &str = "tack_updates";
/// The channel of awareness updates.
pub const AWARENESS_CHANNEL: &str = "tack_awareness";
/// PostgreSQL refuses payloads of 8000 bytes or more; bigger rows are read from the log.
pub const MAX_PAYLOAD_BYTES: usize = 7000;
/// Awareness announcements waiting to be sent; more are dropped (awareness is best effort).
const AWARENESS_QUEUE: usize = 1024;

/// One commit's rows of one board, as announced.
#[derive(Debug, Serialize, Deserialize)]
struct Announcement {
    /// The committing instance.
    i: String,
    /// The board.
    b: String,
    /// The first row's seq; the rows are `s..s + n`.
    s: i64,
    n: i64,
    /// When the announcement was made (microseconds since the Unix epoch), for the lag metric.
    t: u64,
    /// The rows' bytes (base64) when they fit in a payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    u: Option<Vec<String>>,
}

#[derive(Debug, Serialize, Deserialize)]
struct AwarenessAnnouncement {
    i: String,
    b: String,
    t: u64,
    /// The awareness update (base64).
    a: String,
}

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
        })
}

/// The `tack_updates` payloads for rows `first_seq..` of `board` committed by `instance`: as
/// few announcements as fit under `MAX_PAYLOAD_BYTES` with the rows inside, in seq order. A row
/// too big for any payload is announced without its bytes (readers fetch it from the log).
pub fn commit_payloads<'a>(
    instance: &str,
    board: &str,
    first_seq: i64,
    rows: impl Iterator<Item = &'a [u8]>,
) -> Vec<String> {
    let t = now_micros();
    let announce = |s: i64, n: i64, u: Option<Vec<String>>| {
        let announcement = Announcement {
            i: instance.to_owned(),
            b: board.to_owned(),
            s,
            n,
            t,
            u,
        };
        serde_json::to_string(&announcement).unwrap_or_default()
    };
    // JSON around the rows: ids, seqs, time, quotes and escapes of the board id.
    let overhead = 96 + instance.len() + 2 * board.len();
    let mut payloads = Vec::new();
    let mut chunk: Vec<String> = Vec::new();
    let mut chunk_first = first_seq;
    let mut chunk_bytes = overhead;
    for (seq, row) in (first_seq..).zip(rows) {
        let encoded = BASE64.encode(row);
        let cost = encoded.len() + 3;
        if !chunk.is_empty() && chunk_bytes + cost >= MAX_PAYLOAD_BYTES {
            let n = i64::try_from(chunk.len()).unwrap_or(i64::MAX);
            payloads.push(announce(chunk_first, n, Some(std::mem::take(&mut chunk))));
            chunk_bytes = overhead;
        }
        if chunk.is_empty() {
            chunk_first = seq;
        }
        if overhead + cost >= MAX_PAYLOAD_BYTES {
            payloads.push(announce(seq, 1, None));
            continue;
        }
        chunk_bytes += cost;
        chunk.push(encoded);
    }
    if !chunk.is_empty() {
        let n = i64::try_from(chunk.len()).unwrap_or(i64::MAX);
        payloads.push(announce(chunk_first, n, Some(chunk)));
    }
    payloads
        .into_iter()
        .map(|payload| {
            if payload.len() < MAX_PAYLOAD_BYTES {
                payload
            } else {
                // Only an absurdly long board id gets here; readers fetch from the log.
                let announcement: Option<Announcement> = serde_json::from_str(&payload).ok();
                announcement.map_or_else(String::new, |a| announce(a.s, a.n, None))
            }
        })
        .filter(|payload| !payload.is_empty())
        .collect()
}

/// This instance's side of the cluster: its id and the awareness sender.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub instance: Arc<str>,
    awareness: mpsc::Sender<String>,
}

impl Cluster {
    /// Tells the other instances about an awareness update a local client sent.
    pub fn publish_awareness(&self, board: &str, update: &[u8]) {
        let announcement = AwarenessAnnouncement {
            i: self.instance.to_string(),
            b: board.to_owned(),
            t: now_micros(),
            a: BASE64.encode(update),
        };
        let Ok(payload) = serde_json::to_string(&announcement) else {
            return;
        };
        if payload.len() < MAX_PAYLOAD_BYTES {
            let _ = self.awareness.try_send(payload);
        }
    }
}

impl Storage {
    /// This storage with commits announced as `instance` (PostgreSQL only: an SQLite relay is
    /// the only instance).
    pub fn announcing_as(mut self, instance: &Arc<str>) -> Storage {
        if matches!(self.pools, Pools::Postgres(_)) {
            self.announce_as = Some(instance.clone());
        }
        self
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.pools, Pools::Postgres(_))
    }
}

/// A new instance id.
pub fn new_instance_id() -> Arc<str> {
    Arc::from(uuid::Uuid::new_v4().simple().to_string())
}

/// Starts the awareness sender (PostgreSQL only) and returns this instance's `Cluster`.
pub fn start(storage: &Storage, instance: Arc<str>) -> Option<Cluster> {
    let Pools::Postgres(pool) = &storage.pools else {
        return None;
    };
    let (awareness, queue) = mpsc::channel(AWARENESS_QUEUE);
    tokio::spawn(send_awareness(pool.clone(), queue));
    Some(Cluster {
        instance,
        awareness,
    })
}

async fn send_awareness(pool: PgPool, mut queue: mpsc::Receiver<String>) {
    while let Some(payload) = queue.recv().await {
        // In a transaction, so it also runs through a transaction-mode pooler.
        let sent = async {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(AWARENESS_CHANNEL)
                .bind(payload)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await;
        if let Err(error) = sent {
            tracing::debug!(%error, "awareness NOTIFY failed");
        }
    }
}

/// Starts the LISTEN task (PostgreSQL only). It ends when the relay shuts down.
pub fn spawn_listener(shared: &Arc<Shared>) -> Option<tokio::task::JoinHandle<()>> {
    let cluster = shared.rooms.cluster.get()?.clone();
    let Pools::Postgres(pool) = &shared.storage.pools else {
        return None;
    };
    let pool = pool.clone();
    let shared = Arc::downgrade(shared);
    Some(tokio::spawn(async move {
        listen(shared, pool, cluster).await;
    }))
}

async fn connect_listener(
    pool: &PgPool,
    listen_url: Option<&str>,
) -> Result<PgListener, sqlx::Error> {
    let mut listener = match listen_url {
        Some(url) => PgListener::connect(url).await?,
        None => PgListener::connect_with(pool).await?,
    };
    listener
        .listen_all([UPDATES_CHANNEL, AWARENESS_CHANNEL])
        .await?;
    Ok(listener)
}

async fn listen(shared: std::sync::Weak<Shared>, pool: PgPool, cluster: Cluster) {
    let Some(strong) = shared.upgrade() else {
        return;
    };
    let mut shutdown = strong.shutdown.clone();
    let listen_url = strong.config.listen_database_url.clone();
    drop(strong);
    let mut connected_before = false;
    loop {
        let attempt = connect_listener(&pool, listen_url.as_deref());
        let mut listener = tokio::select! {
            _ = shutdown.changed() => return,
            connected = attempt => match connected {
                Ok(listener) => listener,
                Err(error) => {
                    tracing::error!(%error, "cannot LISTEN for other relays' commits; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        // Announcements made while not listening are lost: read what every room missed.
        {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            if connected_before {
                shared.metrics.cluster_listen_reconnects.inc();
            }
            for room in shared.rooms.all() {
                catch_up(&shared, &room, None).await;
            }
        }
        connected_before = true;
        loop {
            let received = tokio::select! {
                _ = shutdown.changed() => return,
                received = listener.try_recv() => received,
            };
            let notification = match received {
                Ok(Some(notification)) => notification,
                Ok(None) => {
                    tracing::warn!("LISTEN connection lost; reconnecting and catching up");
                    break;
                }
                Err(error) => {
                    tracing::warn!(%error, "LISTEN failed; reconnecting and catching up");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    break;
                }
            };
            let Some(shared) = shared.upgrade() else {
                return;
            };
            match notification.channel() {
                UPDATES_CHANNEL => on_commit(&shared, &cluster, notification.payload()).await,
                AWARENESS_CHANNEL => on_awareness(&shared, &cluster, notification.payload()),
                _ => {}
            }
        }
    }
}

fn observe_lag(shared: &Shared, sent_micros: u64) {
    let lag = now_micros().saturating_sub(sent_micros);
    shared
        .metrics
        .cluster_notify_lag_seconds
        .observe(lag as f64 / 1e6);
}

async fn on_commit(shared: &Arc<Shared>, cluster: &Cluster, payload: &str) {
    let Ok(announcement) = serde_json::from_str::<Announcement>(payload) else {
        tracing::warn!("unreadable commit announcement");
        return;
    };
    let own = *cluster.instance == *announcement.i;
    if !own {
        observe_lag(shared, announcement.t);
        shared
            .metrics
            .cluster_rows_received
            .inc_by(u64::try_from(announcement.n).unwrap_or(0));
    }
    let Some(room) = shared.rooms.get(&announcement.b) else {
        return;
    };
    let limits = &shared.config.update_limits;
    let last = announcement.s + announcement.n - 1;
    let rows: Option<Vec<Vec<u8>>> = if own {
        None
    } else {
        match &announcement.u {
            Some(encoded) => encoded
                .iter()
                .map(|row| BASE64.decode(row).ok())
                .collect::<Option<Vec<_>>>(),
            // Too big for the payload: read from the log.
            None => {
                catch_up(shared, &room, Some(last)).await;
                return;
            }
        }
    };
    for offset in 0..announcement.n {
        let seq = announcement.s + offset;
        let bytes = match &rows {
            None => None,
            Some(rows) => match usize::try_from(offset).ok().and_then(|i| rows.get(i)) {
                Some(bytes) => Some(bytes.as_slice()),
                None => break,
            },
        };
        match room.apply_committed(seq, bytes, limits) {
            Committed::Advanced => {
                if let Some(bytes) = bytes {
                    shared.metrics.observe_update(&room.board, bytes);
                }
            }
            Committed::Known => {}
            Committed::Gap => {
                catch_up(shared, &room, Some(last)).await;
                return;
            }
            Committed::NotLoaded => {
                catch_up_when_loaded(shared, room.clone());
                return;
            }
        }
    }
}

fn on_awareness(shared: &Arc<Shared>, cluster: &Cluster, payload: &str) {
    let Ok(announcement) = serde_json::from_str::<AwarenessAnnouncement>(payload) else {
        return;
    };
    if *cluster.instance == *announcement.i {
        return;
    }
    observe_lag(shared, announcement.t);
    let Some(room) = shared.rooms.get(&announcement.b) else {
        return;
    };
    let Ok(update) = BASE64.decode(&announcement.a) else {
        return;
    };
    let bounds = &shared.config.limits.awareness;
    if let Ok(checked) = sync_protocol::decode_awareness_update_checked(
        &update,
        &shared.config.frame_limits,
        &bounds.message,
    ) {
        room.awareness(REMOTE, &update, checked, bounds);
    }
}

/// A room announced to while still loading may have read the board just before that commit:
/// once it has loaded, read what it lacks.
fn catch_up_when_loaded(shared: &Arc<Shared>, room: Arc<Room>) {
    let shared = Arc::downgrade(shared);
    tokio::spawn(async move {
        for _ in 0..1_000 {
            if room.committed_seq().is_some() {
                if let Some(shared) = shared.upgrade() {
                    catch_up(&shared, &room, None).await;
                }
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
}

/// Reads the board's log after what the room holds (as the room's latest member) and applies
/// it, up to seq `upto` (the rest will be announced; a row this instance accepted itself is
/// already in the room and only costs a redundant broadcast); after a compaction folded those
/// rows away, the snapshot and the rows after it.
async fn catch_up(shared: &Arc<Shared>, room: &Arc<Room>, upto: Option<i64>) {
    let Some(after) = room.committed_seq() else {
        catch_up_when_loaded(shared, room.clone());
        return;
    };
    shared.metrics.cluster_catch_ups.inc();
    let reader = room
        .reader
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let limits = &shared.config.update_limits;
    let storage = &shared.storage;
    match storage
        .updates_after_as(&room.board, after, reader.as_deref())
        .await
    {
        Ok(UpdatesAfter::Rows(rows)) => {
            for row in rows {
                if upto.is_some_and(|upto| row.seq > upto) {
                    break;
                }
                match room.apply_committed(row.seq, Some(&row.bytes), limits) {
                    Committed::Advanced => shared.metrics.observe_update(&room.board, &row.bytes),
                    Committed::Gap => break,
                    Committed::Known | Committed::NotLoaded => {}
                }
            }
        }
        Ok(UpdatesAfter::Compacted) => {
            match storage.load_board_as(&room.board, reader.as_deref()).await {
                Ok(stored) => {
                    if let Some(snapshot) = &stored.snapshot {
                        room.apply_snapshot(stored.snapshot_up_to_seq, snapshot, limits);
                    }
                    for (seq, row) in (stored.snapshot_up_to_seq + 1..).zip(&stored.updates) {
                        room.apply_committed(seq, Some(row), limits);
                    }
                }
                Err(error) => tracing::error!(?error, board = %room.board, "catch-up failed"),
            }
        }
        Err(error) => tracing::error!(?error, board = %room.board, "catch-up failed"),
    }
}

/// A stored board (snapshot and log) folded into one Yjs v1 update: what
/// `tack-server export-board` writes. Stored bytes are checked before yrs sees them.
pub fn fold_board(stored: &crate::storage::StoredBoard) -> Result<Vec<u8>, String> {
    use yrs::{ReadTxn, StateVector, Transact};
    let doc = yrs::Doc::new();
    let pieces = stored.snapshot.iter().chain(stored.updates.iter());
    let limits = sync_protocol::UpdateLimits::default();
    for piece in pieces.clone() {
        sync_protocol::prescan_update_v1(piece, &limits).map_err(|e| e.to_string())?;
    }
    let waiting = {
        let mut txn = doc.transact_mut();
        sync_protocol::fold::apply_in_causal_order(&mut txn, pieces.map(Vec::as_slice))
            .map_err(|e| format!("piece {}: {}", e.seq, e.detail))?
    };
    if waiting > 0 {
        return Err(format!("{waiting} stored updates wait for missing history"));
    }
    let update = doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    Ok(update)
}
