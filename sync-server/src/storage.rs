//! Durable storage of boards for the relay: the append-only update log (`board_updates`), its
//! per-board sequence allocator (`boards.last_seq`) and compaction into `board_snapshots`, on
//! PostgreSQL (production, several relays; `postgres.rs`) or an embedded SQLite file (a single
//! node; `sqlite.rs`), both behind [`StorageBackend`] and handed around as a [`Storage`].
//!
//! Storage knows nothing of the cluster: what a commit tells other relays comes from an
//! [`AnnounceHook`] the shell passes in (`Storage::announcing`), and storage sends it inside
//! the commit's transaction, so it is delivered if and only if the rows are durable.
//!
//! Departure from STYLE.md ("queries checked with `sqlx::query!`"): the queries here are
//! runtime-checked `sqlx::query(...)`, written once in SQL both databases accept and expanded
//! for each backend by `shared_board_queries!` (and `accounts.rs`'s `shared_account_queries!`).
//! `query!` would need one checked copy per database and offline metadata for both; instead
//! every query runs in the integration tests against both backends (`tests/it/storage.rs`).

mod postgres;
mod sqlite;

use std::future::Future;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::PgPool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use sqlx::{Row, Transaction};
use sync_protocol::fold::{fold_updates, FoldFailure, Folded};

pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;

use crate::accounts::AccountStorage;

static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations");
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations-sqlite");

const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// A storage operation in flight (boxed, so `StorageBackend` can be a trait object).
pub type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a storage operation failed. Safe to log (never holds a database URL); never sent to
/// clients.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("unsupported database URL scheme {scheme:?} (expected postgres://, postgresql:// or sqlite://)")]
    UnsupportedUrl { scheme: String },
    #[error("invalid SQLite database URL: {0}")]
    InvalidSqliteUrl(#[source] sqlx::Error),
    #[error("cannot create the directory {} for the SQLite database: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot connect to {backend}: {source}")]
    Connect {
        backend: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("migrating the {backend} schema failed: {source}")]
    Migrate {
        backend: &'static str,
        #[source]
        source: MigrateError,
    },
    #[error("database error while {action}: {source}")]
    Query {
        action: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("board {board}: stored update {seq} is corrupt, not compacted: {detail}")]
    CorruptUpdate {
        board: String,
        seq: i64,
        detail: String,
    },
    #[error("board {board}: compaction aborted, nothing changed: {detail}")]
    CompactionAborted { board: String, detail: String },
}

impl StorageError {
    /// PostgreSQL refused a row by privilege or row-level security (SQLSTATE 42501).
    pub fn is_permission_denied(&self) -> bool {
        match self {
            StorageError::Query { source, .. } => source
                .as_database_error()
                .and_then(|error| error.code())
                .is_some_and(|code| code == "42501"),
            _ => false,
        }
    }
}

/// Names a failed query by what it was doing (`.map_err(failed("reading history"))`).
pub(crate) fn failed(action: &'static str) -> impl FnOnce(sqlx::Error) -> StorageError {
    move |source| StorageError::Query { action, source }
}

/// A board as stored: its snapshot (if compacted) and the updates after it, in seq order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredBoard {
    /// The folded state up to `snapshot_up_to_seq`, a Yjs v1 update.
    pub snapshot: Option<Vec<u8>>,
    /// Yjs v1 updates after the snapshot, in seq order.
    pub updates: Vec<Vec<u8>>,
    /// The highest seq ever allocated to the board (0 for an unknown board).
    pub last_seq: i64,
    /// The seq the snapshot covers (0 without a snapshot).
    pub snapshot_up_to_seq: i64,
}

/// One update to append.
#[derive(Debug, Clone, Copy)]
pub struct NewUpdate<'a> {
    pub board: &'a str,
    pub bytes: &'a [u8],
}

/// One stored row of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUpdate {
    pub seq: i64,
    pub bytes: Vec<u8>,
}

/// The log rows after a seq, for relays that learn of new rows by `NOTIFY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdatesAfter {
    /// Every row after the requested seq, in seq order.
    Rows(Vec<StoredUpdate>),
    /// A compaction has folded rows after the requested seq away: reload with `load_board`.
    Compacted,
}

/// What `Storage::compact` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompactionOutcome {
    /// `folded` log rows (and the previous snapshot) became one snapshot covering `up_to_seq`.
    Compacted {
        folded: u64,
        snapshot_bytes: u64,
        up_to_seq: i64,
    },
    /// No rows after the snapshot (or no such board).
    NothingToDo,
    /// Some stored blocks are waiting for predecessors not in the log yet; nothing changed.
    Incomplete(String),
}

/// What the relay keeps in its database, as the committer, the rooms, the cluster and the
/// `/v1` API use it: the board log (`BoardStorage`) and accounts (`AccountStorage`, in
/// `accounts.rs`). Implemented by [`PostgresStorage`] and [`SqliteStorage`].
pub trait StorageBackend: BoardStorage + AccountStorage {}

impl<T: BoardStorage + AccountStorage> StorageBackend for T {}

/// The board log: loading a board as a user, appending authored batches, the rows after a
/// seq, compaction, the tail's length; and the database itself (ping, close).
pub trait BoardStorage: Send + Sync + 'static {
    /// `"postgres"` or `"sqlite"`.
    fn backend(&self) -> &'static str;

    /// Checks the database answers (for `/readyz`).
    fn ping(&self) -> StorageFuture<'_, Result<(), StorageError>>;

    /// Closes every connection; later operations fail. For shutdown.
    fn close(&self) -> StorageFuture<'_, ()>;

    /// This storage with each commit announced through `hook`, inside the commit's
    /// transaction (PostgreSQL; an SQLite relay is the only instance and ignores it).
    fn announcing(&self, hook: Arc<dyn AnnounceHook>) -> Storage;

    /// The PostgreSQL pool, for what only PostgreSQL has (LISTEN, NOTIFY outside a commit);
    /// `None` on SQLite.
    fn postgres_pool(&self) -> Option<&PgPool>;

    /// The SQLite pools (reader, writer), for task history (`crate::history`), whose queries
    /// are not part of this trait yet; `None` on PostgreSQL.
    fn sqlite_pools(&self) -> Option<(&SqlitePool, &SqlitePool)>;

    /// `load_board` as `user`: on PostgreSQL, row-level security shows the board only to its
    /// members.
    fn load_board_as<'a>(
        &'a self,
        board: &'a str,
        user: Option<&'a str>,
    ) -> StorageFuture<'a, Result<StoredBoard, StorageError>>;

    /// The board's snapshot and the rows after it, read in one statement so a concurrent
    /// compaction cannot make rows fall between the two. Empty for an unknown board.
    fn load_board<'a>(
        &'a self,
        board: &'a str,
    ) -> StorageFuture<'a, Result<StoredBoard, StorageError>> {
        self.load_board_as(board, None)
    }

    /// `append_batch` with an author per update. An update whose author may not write its
    /// board (not an owner or editor, checked inside the transaction, so a revocation
    /// committed before it is seen) is not stored: its slot is `None`. On PostgreSQL each
    /// author's rows are inserted with that author as the acting user, so row-level security
    /// refuses them too. `None` authors (anonymous development relays) are not checked.
    ///
    /// This is the one place a batch's transaction is open: whatever else a commit writes
    /// goes into it, and the announce hook's notifications are sent in it.
    fn append_authored<'a>(
        &'a self,
        batch: &'a [(NewUpdate<'a>, Option<&'a str>)],
    ) -> StorageFuture<'a, Result<Vec<Option<i64>>, StorageError>>;

    /// Appends every update of `batch` (any boards) in ONE transaction and returns each item's
    /// seq, in order. Each board's row is locked while its seqs are allocated, in board-id
    /// order (so concurrent batches cannot deadlock): seqs stay strictly increasing and gapless
    /// per board even with several relay processes on one database.
    fn append_batch<'a>(
        &'a self,
        batch: &'a [NewUpdate<'a>],
    ) -> StorageFuture<'a, Result<Vec<i64>, StorageError>> {
        Box::pin(async move {
            let authored: Vec<(NewUpdate<'_>, Option<&str>)> =
                batch.iter().map(|item| (*item, None)).collect();
            let outcomes = self.append_authored(&authored).await?;
            Ok(outcomes.into_iter().map(|seq| seq.unwrap_or(0)).collect())
        })
    }

    /// How many log rows follow the snapshot (to decide when to compact).
    fn tail_len<'a>(&'a self, board: &'a str) -> StorageFuture<'a, Result<u64, StorageError>>;

    /// `updates_after` as `user`: on PostgreSQL, row-level security shows the rows only to the
    /// board's members.
    fn updates_after_as<'a>(
        &'a self,
        board: &'a str,
        after_seq: i64,
        user: Option<&'a str>,
    ) -> StorageFuture<'a, Result<UpdatesAfter, StorageError>>;

    /// The log rows after `after_seq`, or `Compacted` when a snapshot has already folded some
    /// of them away (one statement, so the answer is consistent).
    fn updates_after<'a>(
        &'a self,
        board: &'a str,
        after_seq: i64,
    ) -> StorageFuture<'a, Result<UpdatesAfter, StorageError>> {
        self.updates_after_as(board, after_seq, None)
    }

    /// `compact` as `user`, who must be able to write the board on PostgreSQL (row-level
    /// security hides the board from anyone else: nothing to do).
    fn compact_as<'a>(
        &'a self,
        board: &'a str,
        user: Option<&'a str>,
    ) -> StorageFuture<'a, Result<CompactionOutcome, StorageError>>;

    /// Folds the board's snapshot and tail into a new snapshot, in ONE transaction that holds
    /// the board row's lock (appends and other compactions wait): upserts `board_snapshots` and
    /// deletes exactly the folded rows. A corrupt row is an error and an incomplete log is
    /// `Incomplete`; both leave everything as it was.
    fn compact<'a>(
        &'a self,
        board: &'a str,
    ) -> StorageFuture<'a, Result<CompactionOutcome, StorageError>> {
        self.compact_as(board, None)
    }
}

/// One board's rows committed by one append: `first_seq..first_seq + count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommittedRows<'a> {
    pub board: &'a str,
    pub first_seq: i64,
    pub count: i64,
}

/// A notification to send on `channel` when the transaction commits (PostgreSQL `NOTIFY`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub channel: &'static str,
    pub payload: String,
}

/// What a commit tells others, given to storage by the shell (`crate::cluster`'s announcer).
/// Storage calls `announce` inside the commit's transaction and sends what it returns there,
/// so a notification is delivered if and only if its rows are durable, in commit order.
pub trait AnnounceHook: Send + Sync + 'static {
    /// Runs before each commit's transaction opens (the cluster reads its keys the first
    /// time). An error fails that commit.
    fn prepare(&self) -> StorageFuture<'_, Result<(), StorageError>>;

    /// The notification for one board's rows of this commit, or `None` to send nothing.
    fn announce(&self, rows: &CommittedRows<'_>) -> Option<Notification>;
}

/// The relay's database: cheap to clone (a shared handle on one backend). Its operations are
/// the [`StorageBackend`]'s.
#[derive(Clone)]
pub struct Storage(Arc<dyn StorageBackend>);

impl Deref for Storage {
    type Target = dyn StorageBackend;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl Storage {
    /// A handle on `backend`.
    pub fn new(backend: impl StorageBackend) -> Storage {
        Storage(Arc::new(backend))
    }

    /// Opens the database and brings its schema up to date.
    ///
    /// `database_url`: `None` → the embedded SQLite file at `sqlite_path` (created, with its
    /// parent directories; WAL, `synchronous=FULL`); `postgres://…` or `postgresql://…` → a
    /// PostgreSQL pool; `sqlite:…` → that SQLite file.
    pub async fn connect(
        database_url: Option<&str>,
        sqlite_path: &Path,
    ) -> Result<Storage, StorageError> {
        Self::connect_with(database_url, sqlite_path, true).await
    }

    /// Brings a PostgreSQL schema up to date, connected as the tables' owner (the relay itself
    /// then connects as a role that owns nothing: `connect_with(.., migrate: false)`).
    pub async fn migrate_postgres(owner_url: &str) -> Result<(), StorageError> {
        PostgresStorage::migrate(owner_url).await
    }

    /// `connect`, migrating PostgreSQL only when `migrate_postgres` is true (SQLite is always
    /// migrated: the relay owns its file).
    pub async fn connect_with(
        database_url: Option<&str>,
        sqlite_path: &Path,
        migrate_postgres: bool,
    ) -> Result<Storage, StorageError> {
        match database_url {
            None => Ok(Storage::new(
                SqliteStorage::connect(SqliteConnectOptions::new().filename(sqlite_path)).await?,
            )),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => Ok(
                Storage::new(PostgresStorage::connect(url, migrate_postgres, false).await?),
            ),
            Some(url) if url.starts_with("sqlite:") => {
                let options =
                    SqliteConnectOptions::from_str(url).map_err(StorageError::InvalidSqliteUrl)?;
                Ok(Storage::new(SqliteStorage::connect(options).await?))
            }
            Some(url) => Err(StorageError::UnsupportedUrl {
                scheme: url_scheme(url),
            }),
        }
    }

    /// PostgreSQL through a transaction-mode pooler such as PgBouncer (not migrated: run
    /// migrations on a direct URL). Every statement of the relay runs inside a transaction,
    /// the only span a pooler keeps one server connection for; the statement cache is off
    /// (the pooler must run `DEALLOCATE ALL` after each transaction:
    /// `server_reset_query_always = 1`, see deploy/README.md).
    pub async fn connect_pooled(url: &str) -> Result<Storage, StorageError> {
        Ok(Storage::new(
            PostgresStorage::connect(url, false, true).await?,
        ))
    }
}

/// Expands `$body` once per backend with `$pool` bound to that backend's pool (for SQLite the
/// reader or the writer), so one query text serves both databases: the queries outside the
/// storage traits (task history, blob records, read marks) use it.
macro_rules! on_pool {
    ($storage:expr, $role:ident, |$pool:ident| $body:expr) => {
        match ($storage.postgres_pool(), $storage.sqlite_pools()) {
            (Some($pool), _) => $body,
            (None, Some(pools)) => {
                let $pool = $crate::storage::on_pool!(@pick $role, pools);
                $body
            }
            // Neither: a storage is always one of the two.
            (None, None) => {
                return Err($crate::storage::StorageError::UnsupportedUrl {
                    scheme: "none".into(),
                })
            }
        }
    };
    (@pick reader, $pools:expr) => {
        $pools.0
    };
    (@pick writer, $pools:expr) => {
        $pools.1
    };
}
pub(crate) use on_pool;

/// Sets the acting user of a transaction, whom PostgreSQL's row-level security policies
/// check (`tack.user_id`, transaction-local so it also works behind a transaction-mode
/// pooler). `None` clears it: policies then match nothing. SQLite has no policies; the relay
/// checks there itself.
pub(crate) trait ActAs {
    async fn act_as(&mut self, user: Option<&str>) -> Result<(), sqlx::Error>;
}

/// Starts a transaction that is going to write.
pub(crate) trait BeginWrite {
    type Database: sqlx::Database;
    async fn begin_write(&self) -> Result<Transaction<'static, Self::Database>, sqlx::Error>;
}

/// Gives the `stored` items of one board the seqs that end at `last_seq`, in order; returns
/// the rows committed (for the announce hook).
fn number_rows<'a>(
    board: &'a str,
    stored: &[usize],
    last_seq: i64,
    seqs: &mut [Option<i64>],
) -> CommittedRows<'a> {
    let count = i64::try_from(stored.len()).unwrap_or(i64::MAX);
    let first_seq = last_seq - count + 1;
    for (next_seq, &index) in (first_seq..).zip(stored) {
        seqs[index] = Some(next_seq);
    }
    CommittedRows {
        board,
        first_seq,
        count,
    }
}

/// `BoardStorage` for a backend type with `reader()` and `writer()` pools, `BACKEND`, and its
/// own `append_rows`, `close_pools`, `with_announce_hook` and `postgres_pool`: every query
/// written once for both databases.
macro_rules! shared_board_queries {
    ($backend:ty) => {
        impl BoardStorage for $backend {
            fn backend(&self) -> &'static str {
                Self::BACKEND
            }

            fn ping(&self) -> StorageFuture<'_, Result<(), StorageError>> {
                Box::pin(async move {
                    sqlx::query("SELECT 1")
                        .execute(self.reader())
                        .await
                        .map_err(failed("pinging"))?;
                    Ok(())
                })
            }

            fn close(&self) -> StorageFuture<'_, ()> {
                Box::pin(self.close_pools())
            }

            fn announcing(&self, hook: Arc<dyn AnnounceHook>) -> Storage {
                self.with_announce_hook(hook)
            }

            fn postgres_pool(&self) -> Option<&PgPool> {
                <$backend>::postgres_pool(self)
            }

            fn sqlite_pools(&self) -> Option<(&SqlitePool, &SqlitePool)> {
                <$backend>::sqlite_pools(self)
            }

            fn load_board_as<'a>(
                &'a self,
                board: &'a str,
                user: Option<&'a str>,
            ) -> StorageFuture<'a, Result<StoredBoard, StorageError>> {
                Box::pin(async move {
                    let mut tx = self.reader().begin().await.map_err(failed("starting a load"))?;
                    tx.act_as(user).await.map_err(failed("setting the user"))?;
                    let rows = sqlx::query(LOAD_BOARD)
                        .bind(board)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(failed("loading a board"))?;
                    tx.commit().await.map_err(failed("ending a load"))?;
                    let rows = rows
                        .into_iter()
                        .map(|row| -> Result<(i64, i64, Option<Vec<u8>>), sqlx::Error> {
                            Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(failed("decoding a board"))?;
                    Ok(stored_board(rows))
                })
            }

            fn append_authored<'a>(
                &'a self,
                batch: &'a [(NewUpdate<'a>, Option<&'a str>)],
            ) -> StorageFuture<'a, Result<Vec<Option<i64>>, StorageError>> {
                Box::pin(async move {
                    if batch.is_empty() {
                        return Ok(Vec::new());
                    }
                    self.append_rows(batch).await
                })
            }

            fn tail_len<'a>(
                &'a self,
                board: &'a str,
            ) -> StorageFuture<'a, Result<u64, StorageError>> {
                Box::pin(async move {
                    let mut tx = self.reader().begin().await.map_err(failed("starting a read"))?;
                    let count: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM board_updates WHERE board_id = $1 AND seq > \
                         COALESCE((SELECT up_to_seq FROM board_snapshots WHERE board_id = $1), 0)",
                    )
                    .bind(board)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(failed("counting the tail"))?;
                    tx.commit().await.map_err(failed("ending a read"))?;
                    Ok(u64::try_from(count).unwrap_or(0))
                })
            }

            fn updates_after_as<'a>(
                &'a self,
                board: &'a str,
                after_seq: i64,
                user: Option<&'a str>,
            ) -> StorageFuture<'a, Result<UpdatesAfter, StorageError>> {
                Box::pin(async move {
                    let mut tx = self.reader().begin().await.map_err(failed("starting a read"))?;
                    tx.act_as(user).await.map_err(failed("setting the user"))?;
                    let rows = sqlx::query(UPDATES_AFTER)
                        .bind(board)
                        .bind(after_seq)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(failed("reading updates"))?;
                    tx.commit().await.map_err(failed("ending a read"))?;
                    let rows = rows
                        .into_iter()
                        .map(|row| -> Result<(i64, i64, Option<Vec<u8>>), sqlx::Error> {
                            Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(failed("decoding updates"))?;
                    Ok(updates_after(rows))
                })
            }

            fn compact_as<'a>(
                &'a self,
                board: &'a str,
                user: Option<&'a str>,
            ) -> StorageFuture<'a, Result<CompactionOutcome, StorageError>> {
                Box::pin(async move {
                    let mut tx = self
                        .writer()
                        .begin_write()
                        .await
                        .map_err(failed("starting a compaction"))?;
                    tx.act_as(user).await.map_err(failed("setting the user"))?;
                    // A no-op update takes the same row lock as the seq allocator in
                    // `append_authored`.
                    let locked: Option<i64> = sqlx::query_scalar(
                        "UPDATE boards SET last_seq = last_seq WHERE id = $1 RETURNING last_seq",
                    )
                    .bind(board)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(failed("locking a board"))?;
                    if locked.is_none() {
                        return Ok(CompactionOutcome::NothingToDo);
                    }
                    let snapshot: Option<(Vec<u8>, i64)> = sqlx::query_as(
                        "SELECT state, up_to_seq FROM board_snapshots WHERE board_id = $1",
                    )
                    .bind(board)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(failed("reading a snapshot"))?;
                    let previous_up_to_seq = snapshot.as_ref().map_or(0, |(_, seq)| *seq);
                    let tail: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                        "SELECT seq, bytes FROM board_updates WHERE board_id = $1 AND seq > $2 \
                         ORDER BY seq",
                    )
                    .bind(board)
                    .bind(previous_up_to_seq)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(failed("reading the tail"))?;
                    let Some(&(up_to_seq, _)) = tail.last() else {
                        return Ok(CompactionOutcome::NothingToDo);
                    };
                    let folded_rows = tail.len();
                    let folded = fold_off_runtime(board, snapshot, tail).await?;
                    let folded = match folded {
                        Ok(folded) => folded,
                        Err(incomplete) => return Ok(incomplete),
                    };
                    // Delete + insert rather than an upsert so `created_at` takes each
                    // database's own default.
                    sqlx::query("DELETE FROM board_snapshots WHERE board_id = $1")
                        .bind(board)
                        .execute(&mut *tx)
                        .await
                        .map_err(failed("replacing a snapshot"))?;
                    sqlx::query(
                        "INSERT INTO board_snapshots (board_id, state, state_vector, up_to_seq) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(board)
                    .bind(&folded.state)
                    .bind(&folded.state_vector)
                    .bind(up_to_seq)
                    .execute(&mut *tx)
                    .await
                    .map_err(failed("writing a snapshot"))?;
                    let deleted = sqlx::query(
                        "DELETE FROM board_updates WHERE board_id = $1 AND seq > $2 AND seq <= $3",
                    )
                    .bind(board)
                    .bind(previous_up_to_seq)
                    .bind(up_to_seq)
                    .execute(&mut *tx)
                    .await
                    .map_err(failed("deleting folded updates"))?
                    .rows_affected();
                    if deleted != folded_rows as u64 {
                        // Dropping `tx` rolls back: never delete a row the snapshot does not
                        // hold.
                        return Err(StorageError::CompactionAborted {
                            board: board.to_owned(),
                            detail: format!("folded {folded_rows} rows but would delete {deleted}"),
                        });
                    }
                    tx.commit()
                        .await
                        .map_err(failed("committing a compaction"))?;
                    Ok(CompactionOutcome::Compacted {
                        folded: folded_rows as u64,
                        snapshot_bytes: folded.state.len() as u64,
                        up_to_seq,
                    })
                })
            }
        }
    };
}

shared_board_queries!(PostgresStorage);
shared_board_queries!(SqliteStorage);

/// kind 0: the board row (last_seq); 1: the snapshot; 2: log rows after it.
const LOAD_BOARD: &str = "\
    SELECT CAST(0 AS BIGINT) AS kind, last_seq AS seq, NULL AS bytes \
      FROM boards WHERE id = $1 \
    UNION ALL \
    SELECT CAST(1 AS BIGINT), up_to_seq, state FROM board_snapshots WHERE board_id = $1 \
    UNION ALL \
    SELECT CAST(2 AS BIGINT), seq, bytes FROM board_updates \
     WHERE board_id = $1 AND seq > COALESCE( \
           (SELECT up_to_seq FROM board_snapshots WHERE board_id = $1), 0) \
    ORDER BY 1, 2";

/// kind 0: a snapshot past the seq (rows were folded away); 1: log rows after it.
const UPDATES_AFTER: &str = "\
    SELECT CAST(0 AS BIGINT) AS kind, up_to_seq AS seq, NULL AS bytes \
      FROM board_snapshots WHERE board_id = $1 AND up_to_seq > $2 \
    UNION ALL \
    SELECT CAST(1 AS BIGINT), seq, bytes FROM board_updates \
     WHERE board_id = $1 AND seq > $2 \
    ORDER BY 1, 2";

fn stored_board(rows: Vec<(i64, i64, Option<Vec<u8>>)>) -> StoredBoard {
    let mut stored = StoredBoard::default();
    for (kind, seq, bytes) in rows {
        match (kind, bytes) {
            (0, _) => stored.last_seq = seq,
            (1, Some(state)) => {
                stored.snapshot = Some(state);
                stored.snapshot_up_to_seq = seq;
            }
            (_, Some(bytes)) => stored.updates.push(bytes),
            (_, None) => {}
        }
    }
    stored
}

fn updates_after(rows: Vec<(i64, i64, Option<Vec<u8>>)>) -> UpdatesAfter {
    let mut updates = Vec::with_capacity(rows.len());
    for (kind, seq, bytes) in rows {
        match (kind, bytes) {
            (0, _) => return UpdatesAfter::Compacted,
            (_, Some(bytes)) => updates.push(StoredUpdate { seq, bytes }),
            (_, None) => {}
        }
    }
    UpdatesAfter::Rows(updates)
}

/// Folds a snapshot and tail off the async worker threads (folding a large board is CPU
/// work): the folded state, `Err(Incomplete)` when predecessors are missing, or an error for
/// a corrupt row or a panic.
async fn fold_off_runtime(
    board: &str,
    snapshot: Option<(Vec<u8>, i64)>,
    tail: Vec<(i64, Vec<u8>)>,
) -> Result<Result<Folded, CompactionOutcome>, StorageError> {
    let folded = tokio::task::spawn_blocking(move || {
        let pieces = snapshot
            .iter()
            .map(|(state, seq)| (*seq, state.as_slice()))
            .chain(tail.iter().map(|(seq, bytes)| (*seq, bytes.as_slice())));
        fold_updates(pieces)
    })
    .await;
    match folded {
        Ok(Ok(folded)) => Ok(Ok(folded)),
        Ok(Err(FoldFailure::Incomplete { detail })) => {
            Ok(Err(CompactionOutcome::Incomplete(detail)))
        }
        Ok(Err(FoldFailure::Corrupt(error))) => Err(StorageError::CorruptUpdate {
            board: board.to_owned(),
            seq: error.seq,
            detail: error.detail,
        }),
        Err(_) => Err(StorageError::CompactionAborted {
            board: board.to_owned(),
            detail: "folding panicked".into(),
        }),
    }
}

/// The scheme of a URL we refuse, for the error message: never the rest, which may hold a
/// password.
fn url_scheme(url: &str) -> String {
    match url.split_once(':') {
        Some((scheme, _))
            if !scheme.is_empty()
                && scheme.len() <= 32
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            scheme.to_owned()
        }
        _ => "<unrecognised>".to_owned(),
    }
}
