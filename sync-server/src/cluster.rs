//! Several relay instances on one PostgreSQL (DESIGN §4). Each instance has an id. The commit
//! transaction itself `NOTIFY`s `tack_updates` with `(board, first seq, count, instance)`, so an
//! announcement is delivered exactly when the rows are durable and in commit order. Every
//! instance LISTENs; one with the board's room open reads the rows from the log as one of the
//! board's members (row-level security decides) and applies them to the room, which relays them
//! to its own subscribers (no re-commit). Each room knows the seq its document holds, so a room
//! that was loading, or missed announcements while the LISTEN connection was down, reads what
//! it lacks. Awareness crosses on `tack_awareness` and is never stored. On SQLite the relay is
//! one process and none of this runs.
//!
//! **Trust boundary.** Every role that may connect to the database can LISTEN and NOTIFY on any
//! channel, and row-level security does not apply to either. So an announcement carries no
//! board content and no presence, and a relay acts only on what it can verify:
//! * a commit announcement holds ids and seqs only, in clear, followed by an HMAC-SHA256 made
//!   with a key derived from the cluster secret (`tack_cluster_secret`, readable by the relay's
//!   role only). A relay drops (and counts, `cluster_announcements_rejected`) one whose MAC is
//!   missing or wrong; a replayed one only makes a relay read the log again, where it finds
//!   rows it holds. The rows themselves come from the log under row-level security.
//! * presence is sealed (XChaCha20-Poly1305, random 192-bit nonce, key derived from the same
//!   secret): a listener sees its size and timing, not its board or content; a forged or
//!   tampered one fails to open and is dropped; a replayed one older than
//!   `AWARENESS_MAX_AGE` is dropped, and a younger one repeats a state awareness clocks
//!   already order.
//!
//! Presence is sealed rather than stored in a table under row-level security because it is the
//! most frequent message between relays (cursor moves): a row per update, read back by every
//! relay and then deleted, would cost three statements and a vacuum where sealing costs
//! microseconds of CPU. Secrets and keys never leave this module.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::{RngCore as _, TryRngCore as _};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::mpsc;

use crate::room::{Committed, Room, REMOTE};
use crate::server::RelayState;
use crate::storage::{
    failed, AnnounceHook, CommittedRows, Notification, Storage, StorageError, StorageFuture,
    UpdatesAfter,
};

/// The channel of committed rows.
pub const UPDATES_CHANNEL: &str = "tack_updates";
/// The channel of awareness updates.
pub const AWARENESS_CHANNEL: &str = "tack_awareness";
/// PostgreSQL refuses payloads of 8000 bytes or more; bigger awareness updates stay local.
pub const MAX_PAYLOAD_BYTES: usize = 7000;
/// Awareness announcements waiting to be sent; more are dropped (awareness is best effort).
const AWARENESS_QUEUE: usize = 1024;
/// A sealed awareness announcement older (or further in the future) than this is a replay or a
/// relay whose clock is wrong: dropped.
const AWARENESS_MAX_AGE: Duration = Duration::from_secs(30);
/// Key derivation labels (HKDF-Expand, one block: HMAC(secret, label || 0x01)).
const ANNOUNCE_KEY_LABEL: &[u8] = b"tack cluster v1: commit announcements";
const AWARENESS_KEY_LABEL: &[u8] = b"tack cluster v1: awareness";
const SECRET_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

type HmacSha256 = Hmac<Sha256>;

/// One commit's rows of one board, as announced: ids and seqs, never the rows.
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
}

/// The clear header of a sealed awareness announcement; the update's bytes follow it.
#[derive(Debug, Serialize, Deserialize)]
struct AwarenessHeader {
    i: String,
    b: String,
    t: u64,
}

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
        })
}

/// The keys derived from the cluster secret.
struct ClusterKeys {
    /// HMAC-SHA256 keyed for commit announcements, cloned per message.
    announce: HmacSha256,
    awareness: XChaCha20Poly1305,
}

impl ClusterKeys {
    fn derive(secret: &[u8]) -> Option<ClusterKeys> {
        let expand = |label: &[u8]| -> Option<[u8; 32]> {
            let mut mac = <HmacSha256 as Mac>::new_from_slice(secret).ok()?;
            mac.update(label);
            mac.update(&[1]);
            Some(mac.finalize().into_bytes().into())
        };
        Some(ClusterKeys {
            announce: <HmacSha256 as Mac>::new_from_slice(&expand(ANNOUNCE_KEY_LABEL)?).ok()?,
            awareness: XChaCha20Poly1305::new_from_slice(&expand(AWARENESS_KEY_LABEL)?).ok()?,
        })
    }

    /// `base64(HMAC(body)) "." body`: base64 has no `.`, so the first one ends the MAC.
    fn sign(&self, body: &str) -> String {
        let mut mac = self.announce.clone();
        mac.update(body.as_bytes());
        let tag = BASE64.encode(mac.finalize().into_bytes());
        format!("{tag}.{body}")
    }

    /// The body of a signed payload, when its MAC is right (compared in constant time).
    fn verify<'a>(&self, payload: &'a str) -> Option<&'a str> {
        let (tag, body) = payload.split_once('.')?;
        let tag = BASE64.decode(tag).ok()?;
        let mut mac = self.announce.clone();
        mac.update(body.as_bytes());
        mac.verify_slice(&tag).ok()?;
        Some(body)
    }

    /// `base64(nonce || XChaCha20-Poly1305(header "\n" update))`, the channel as associated
    /// data.
    fn seal(&self, header: &AwarenessHeader, update: &[u8]) -> Option<String> {
        let mut plaintext = serde_json::to_vec(header).ok()?;
        plaintext.push(b'\n');
        plaintext.extend_from_slice(update);
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .awareness
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &plaintext,
                    aad: AWARENESS_CHANNEL.as_bytes(),
                },
            )
            .ok()?;
        let mut out = Vec::with_capacity(NONCE_BYTES + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Some(BASE64.encode(out))
    }

    fn open(&self, payload: &str) -> Option<(AwarenessHeader, Vec<u8>)> {
        let bytes = BASE64.decode(payload).ok()?;
        if bytes.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let nonce = XNonce::from(<[u8; NONCE_BYTES]>::try_from(nonce).ok()?);
        let plaintext = self
            .awareness
            .decrypt(
                &nonce,
                Payload {
                    msg: sealed,
                    aad: AWARENESS_CHANNEL.as_bytes(),
                },
            )
            .ok()?;
        let split = plaintext.iter().position(|&byte| byte == b'\n')?;
        let header = serde_json::from_slice(&plaintext[..split]).ok()?;
        Some((header, plaintext[split + 1..].to_vec()))
    }
}

/// This instance's identity towards the others: its id and, once read, the cluster's keys.
/// It is the storage's announce hook: each commit's transaction NOTIFYs what it makes of the
/// rows committed.
pub(crate) struct Announcer {
    pub(crate) instance: Arc<str>,
    /// Where the cluster secret is read from.
    pool: PgPool,
    keys: tokio::sync::OnceCell<ClusterKeys>,
}

impl std::fmt::Debug for Announcer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Announcer")
            .field("instance", &self.instance)
            .field("keys_loaded", &self.keys.initialized())
            .finish()
    }
}

impl Announcer {
    /// The cluster's keys, reading (on the first call, creating) the secret.
    async fn keys(&self) -> Result<&ClusterKeys, StorageError> {
        self.keys.get_or_try_init(|| read_secret(&self.pool)).await
    }

    /// The signed `tack_updates` payload for rows `first_seq..first_seq + count` of `board`,
    /// or `None` before the keys were read (`AnnounceHook::prepare`).
    pub(crate) fn commit_announcement(
        &self,
        board: &str,
        first_seq: i64,
        count: i64,
    ) -> Option<String> {
        let keys = self.keys.get()?;
        let body = serde_json::to_string(&Announcement {
            i: self.instance.to_string(),
            b: board.to_owned(),
            s: first_seq,
            n: count,
            t: now_micros(),
        })
        .ok()?;
        let payload = keys.sign(&body);
        // Only an absurdly long board id is too big; other relays read it at their next
        // announcement or catch-up.
        (payload.len() < MAX_PAYLOAD_BYTES).then_some(payload)
    }
}

impl AnnounceHook for Announcer {
    fn prepare(&self) -> StorageFuture<'_, Result<(), StorageError>> {
        Box::pin(async move { self.keys().await.map(|_| ()) })
    }

    /// Ids and seqs only: other relays read the rows under row-level security.
    fn announce(&self, rows: &CommittedRows<'_>) -> Option<Notification> {
        let payload = self.commit_announcement(rows.board, rows.first_seq, rows.count)?;
        Some(Notification {
            channel: UPDATES_CHANNEL,
            payload,
        })
    }
}

/// Reads the cluster secret, first storing a fresh one from the operating system's random
/// source if no relay has yet (a concurrent first start keeps the row that committed first).
async fn read_secret(pool: &PgPool) -> Result<ClusterKeys, StorageError> {
    let mut fresh = [0u8; SECRET_BYTES];
    rand::rngs::OsRng
        .try_fill_bytes(&mut fresh)
        .map_err(|error| {
            failed("drawing the cluster secret")(sqlx::Error::Io(std::io::Error::other(error)))
        })?;
    let now_secs = i64::try_from(now_micros() / 1_000_000).unwrap_or(i64::MAX);
    // In a transaction, so it also runs through a transaction-mode pooler.
    let mut tx = pool
        .begin()
        .await
        .map_err(failed("reading the cluster secret"))?;
    sqlx::query(
        "INSERT INTO tack_cluster_secret (id, secret, created_at) VALUES (true, $1, $2) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&fresh[..])
    .bind(now_secs)
    .execute(&mut *tx)
    .await
    .map_err(failed("storing the cluster secret"))?;
    let secret: Vec<u8> = sqlx::query_scalar("SELECT secret FROM tack_cluster_secret WHERE id")
        .fetch_one(&mut *tx)
        .await
        .map_err(failed("reading the cluster secret"))?;
    tx.commit()
        .await
        .map_err(failed("reading the cluster secret"))?;
    ClusterKeys::derive(&secret).ok_or(StorageError::Query {
        action: "deriving the cluster keys",
        source: sqlx::Error::Protocol("unusable cluster secret".into()),
    })
}

/// An awareness update a local client sent, waiting to be sealed and sent.
struct OutgoingAwareness {
    board: String,
    update: Vec<u8>,
    t: u64,
}

/// This instance's side of the cluster: its id, keys and the awareness sender.
#[derive(Debug, Clone)]
pub struct Cluster {
    announcer: Arc<Announcer>,
    awareness: mpsc::Sender<OutgoingAwareness>,
}

impl std::fmt::Debug for OutgoingAwareness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingAwareness")
            .field("board", &self.board)
            .field("bytes", &self.update.len())
            .finish()
    }
}

impl Cluster {
    /// Tells the other instances about an awareness update a local client sent (sealed by the
    /// sender task, which holds the keys).
    pub fn publish_awareness(&self, board: &str, update: &[u8]) {
        // Sealing adds a header, the nonce, the tag and base64's third: too big to fit anyway.
        if update.len() >= MAX_PAYLOAD_BYTES * 3 / 4 {
            return;
        }
        let _ = self.awareness.try_send(OutgoingAwareness {
            board: board.to_owned(),
            update: update.to_vec(),
            t: now_micros(),
        });
    }

    fn instance(&self) -> &str {
        &self.announcer.instance
    }

    /// What this instance's storage announces its commits with.
    pub fn announce_hook(&self) -> Arc<dyn AnnounceHook> {
        self.announcer.clone()
    }
}

/// A new instance id.
pub fn new_instance_id() -> Arc<str> {
    Arc::from(uuid::Uuid::new_v4().simple().to_string())
}

/// Starts the awareness sender (PostgreSQL only) and returns this instance's `Cluster`; the
/// storage its commits should go through is `storage.announcing(cluster.announce_hook())`.
pub fn start(storage: &Storage, instance: Arc<str>) -> Option<Cluster> {
    let pool = storage.postgres_pool()?.clone();
    let announcer = Arc::new(Announcer {
        instance,
        pool: pool.clone(),
        keys: tokio::sync::OnceCell::new(),
    });
    let (awareness, queue) = mpsc::channel(AWARENESS_QUEUE);
    tokio::spawn(send_awareness(pool, announcer.clone(), queue));
    Some(Cluster {
        announcer,
        awareness,
    })
}

async fn send_awareness(
    pool: PgPool,
    announcer: Arc<Announcer>,
    mut queue: mpsc::Receiver<OutgoingAwareness>,
) {
    while let Some(outgoing) = queue.recv().await {
        let keys = match announcer.keys().await {
            Ok(keys) => keys,
            Err(error) => {
                tracing::warn!(%error, "cannot read the cluster secret; awareness stays local");
                continue;
            }
        };
        let header = AwarenessHeader {
            i: announcer.instance.to_string(),
            b: outgoing.board,
            t: outgoing.t,
        };
        let Some(payload) = keys.seal(&header, &outgoing.update) else {
            continue;
        };
        if payload.len() >= MAX_PAYLOAD_BYTES {
            continue;
        }
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
pub fn spawn_listener(shared: &Arc<RelayState>) -> Option<tokio::task::JoinHandle<()>> {
    let cluster = shared.rooms.cluster.clone()?;
    let pool = shared.storage.postgres_pool()?.clone();
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

async fn listen(shared: std::sync::Weak<RelayState>, pool: PgPool, cluster: Cluster) {
    let Some(strong) = shared.upgrade() else {
        return;
    };
    let mut shutdown = strong.shutdown.clone();
    let listen_url = strong.config.listen_database_url.clone();
    drop(strong);
    let mut connected_before = false;
    loop {
        let attempt = async {
            // Nothing is verifiable without the keys: read them before listening.
            let keys = cluster
                .announcer
                .keys()
                .await
                .map_err(|error| error.to_string())?;
            connect_listener(&pool, listen_url.as_deref())
                .await
                .map_err(|error| error.to_string())
                .map(|listener| (listener, keys))
        };
        let (mut listener, keys) = tokio::select! {
            _ = shutdown.changed() => return,
            connected = attempt => match connected {
                Ok(connected) => connected,
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
            let acted = match notification.channel() {
                UPDATES_CHANNEL => on_commit(&shared, &cluster, keys, notification.payload()).await,
                AWARENESS_CHANNEL => on_awareness(&shared, &cluster, keys, notification.payload()),
                _ => Ok(()),
            };
            if let Err(Rejected) = acted {
                shared.metrics.cluster_announcements_rejected.inc();
            }
        }
    }
}

/// An announcement that failed authentication (or, for awareness, is stale): dropped.
struct Rejected;

fn observe_lag(shared: &RelayState, sent_micros: u64) {
    let lag = now_micros().saturating_sub(sent_micros);
    shared
        .metrics
        .cluster_notify_lag_seconds
        .observe(lag as f64 / 1e6);
}

async fn on_commit(
    shared: &Arc<RelayState>,
    cluster: &Cluster,
    keys: &ClusterKeys,
    payload: &str,
) -> Result<(), Rejected> {
    let announcement = keys
        .verify(payload)
        .and_then(|body| serde_json::from_str::<Announcement>(body).ok())
        .ok_or(Rejected)?;
    // Authenticated, so made by a relay; still never trusted to be well-formed arithmetic.
    let Some(last) = (announcement.n >= 1)
        .then(|| announcement.s.checked_add(announcement.n - 1))
        .flatten()
    else {
        return Ok(());
    };
    let own = cluster.instance() == announcement.i;
    if !own {
        observe_lag(shared, announcement.t);
        shared
            .metrics
            .cluster_rows_received
            .inc_by(u64::try_from(announcement.n).unwrap_or(0));
    }
    let Some(room) = shared.rooms.get(&announcement.b) else {
        return Ok(());
    };
    if !own {
        // Another relay's rows: read from the log as one of the board's members. One read
        // covers every announcement that arrived meanwhile; those then find nothing to do.
        if room.committed_seq().is_none_or(|held| held < last) {
            catch_up(shared, &room, Some(last)).await;
        }
        return Ok(());
    }
    // This relay's own rows are in the room already: only the seq moves.
    let limits = &shared.config.update_limits;
    for seq in announcement.s..=last {
        match room.apply_committed(seq, None, limits) {
            Committed::Advanced | Committed::Skipped | Committed::Known => {}
            Committed::Gap => {
                catch_up(shared, &room, Some(last)).await;
                break;
            }
            Committed::NotLoaded => {
                catch_up_when_loaded(shared, room.clone());
                break;
            }
        }
    }
    Ok(())
}

fn on_awareness(
    shared: &Arc<RelayState>,
    cluster: &Cluster,
    keys: &ClusterKeys,
    payload: &str,
) -> Result<(), Rejected> {
    let (header, update) = keys.open(payload).ok_or(Rejected)?;
    if cluster.instance() == header.i {
        return Ok(());
    }
    let now = now_micros();
    let max_age = u64::try_from(AWARENESS_MAX_AGE.as_micros()).unwrap_or(u64::MAX);
    if now.abs_diff(header.t) > max_age {
        return Err(Rejected);
    }
    observe_lag(shared, header.t);
    let Some(room) = shared.rooms.get(&header.b) else {
        return Ok(());
    };
    let bounds = &shared.config.limits.awareness;
    if let Ok(checked) = sync_protocol::decode_awareness_update_checked(
        &update,
        &shared.config.frame_limits,
        &bounds.message,
    ) {
        room.awareness(REMOTE, &update, checked, bounds);
    }
    Ok(())
}

/// A room announced to while still loading may have read the board just before that commit:
/// once it has loaded, read what it lacks.
fn catch_up_when_loaded(shared: &Arc<RelayState>, room: Arc<Room>) {
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

/// Reads the board's log after what the room holds and applies it; after a compaction folded
/// those rows away, the snapshot and the rows after it. A row this instance accepted itself is
/// already in the room and costs at most a redundant broadcast. Reads as the room's latest
/// member (row-level security shows the rows only to members); when that one no longer sees
/// up to `announced` (revoked since it joined), as the members who joined before
/// ([`Room::readers`]).
async fn catch_up(shared: &Arc<RelayState>, room: &Arc<Room>, announced: Option<i64>) {
    if room.committed_seq().is_none() {
        catch_up_when_loaded(shared, room.clone());
        return;
    }
    let readers = room.readers(crate::room::READERS);
    // A development relay without accounts has no members: it reads as nobody.
    let readers: Vec<Option<String>> = if readers.is_empty() {
        vec![None]
    } else {
        readers.into_iter().map(Some).collect()
    };
    for reader in readers {
        read_log_as(shared, room, reader.as_deref()).await;
        let held = room.committed_seq();
        if announced.is_none_or(|last| held.is_some_and(|held| held >= last)) {
            return;
        }
    }
}

async fn read_log_as(shared: &Arc<RelayState>, room: &Arc<Room>, reader: Option<&str>) {
    let Some(after) = room.committed_seq() else {
        return;
    };
    shared.metrics.cluster_catch_ups.inc();
    let limits = &shared.config.update_limits;
    let storage = &shared.storage;
    match storage.updates_after_as(&room.board, after, reader).await {
        Ok(UpdatesAfter::Rows(rows)) => {
            for row in rows {
                match room.apply_committed(row.seq, Some(&row.bytes), limits) {
                    Committed::Advanced | Committed::Skipped => {
                        shared.rooms.observe_update(&room.board, &row.bytes)
                    }
                    Committed::Gap => break,
                    Committed::Known | Committed::NotLoaded => {}
                }
            }
        }
        Ok(UpdatesAfter::Compacted) => match storage.load_board_as(&room.board, reader).await {
            Ok(stored) => {
                if let Some(snapshot) = &stored.snapshot {
                    room.apply_snapshot(stored.snapshot_up_to_seq, snapshot, limits);
                }
                for (seq, row) in (stored.snapshot_up_to_seq + 1..).zip(&stored.updates) {
                    room.apply_committed(seq, Some(row), limits);
                }
            }
            Err(error) => tracing::error!(?error, board = %room.board, "catch-up failed"),
        },
        Err(error) => tracing::error!(?error, board = %room.board, "catch-up failed"),
    }
}

/// A stored board (snapshot and log) folded into one Yjs v1 update: what
/// `tack-server export-board` writes. Stored bytes are checked before yrs sees them.
pub fn fold_board(stored: &crate::storage::StoredBoard) -> Result<Vec<u8>, String> {
    use yrs::Transact;
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
    sync_protocol::guard::encode_state_of(&doc).map_err(|e| e.to_string())
}
