//! Durable storage of boards for the relay: the append-only update log (`board_updates`), its
//! per-board sequence allocator (`boards.last_seq`) and compaction into `board_snapshots`, on
//! PostgreSQL (production, several relays) or an embedded SQLite file (a single node).
//!
//! Departure from STYLE.md ("queries checked with `sqlx::query!`"): the queries here are
//! runtime-checked `sqlx::query(...)`, written once in SQL both databases accept and expanded for
//! each pool by `on_pool!`. `query!` would need one checked copy per database and offline
//! metadata for both; instead every query runs in the integration tests against both backends
//! (`tests/it/storage.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Transaction};
use sync_protocol::fold::{fold_updates, FoldFailure, Folded};

static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations");
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations-sqlite");

/// Rows per multi-row `INSERT`: 4 parameters each stays far below both databases' limits
/// (PostgreSQL 65535, SQLite 32766).
const ROWS_PER_INSERT: usize = 1000;
const POSTGRES_MAX_CONNECTIONS: u32 = 16;
/// SQLite has one writer at a time anyway: one writer connection queues writers in-process
/// instead of spinning in SQLite's busy handler; readers run beside it (WAL).
const SQLITE_READ_CONNECTIONS: u32 = 4;
/// How long a writer waits for another process's SQLite write lock before failing.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

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

fn failed(action: &'static str) -> impl FnOnce(sqlx::Error) -> StorageError {
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

/// The relay's database: cheap to clone (a pool handle).
#[derive(Clone)]
pub struct Storage {
    pub(crate) pools: Pools,
    /// This relay instance's id and the cluster's keys when it announces its commits to other
    /// instances (`crate::cluster`; PostgreSQL only).
    pub(crate) announce_as: Option<std::sync::Arc<crate::cluster::Announcer>>,
}

#[derive(Clone)]
pub(crate) enum Pools {
    Postgres(PgPool),
    Sqlite {
        reader: SqlitePool,
        writer: SqlitePool,
    },
}

/// Expands `$body` once per backend with `$pool` bound to that backend's pool (for SQLite the
/// `reader` or `writer` pool), so one query text serves both databases.
macro_rules! on_pool {
    ($storage:expr, $role:ident, |$pool:ident| $body:expr) => {
        match &$storage.pools {
            Pools::Postgres($pool) => $body,
            Pools::Sqlite { $role: $pool, .. } => $body,
        }
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

impl ActAs for Transaction<'static, sqlx::Postgres> {
    async fn act_as(&mut self, user: Option<&str>) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT set_config('tack.user_id', $1, true)")
            .bind(user.unwrap_or(""))
            .execute(&mut **self)
            .await?;
        Ok(())
    }
}

impl ActAs for Transaction<'static, sqlx::Sqlite> {
    async fn act_as(&mut self, _user: Option<&str>) -> Result<(), sqlx::Error> {
        Ok(())
    }
}

/// Sets the acting user unless it is already the one set in this transaction (`acting`:
/// `None` until the first call).
async fn act_as_once<'u>(
    tx: &mut Transaction<'static, sqlx::Postgres>,
    acting: &mut Option<Option<&'u str>>,
    user: Option<&'u str>,
) -> Result<(), StorageError> {
    if *acting != Some(user) {
        tx.act_as(user)
            .await
            .map_err(failed("setting the author"))?;
        *acting = Some(user);
    }
    Ok(())
}

/// Starts a transaction that is going to write.
pub(crate) trait BeginWrite {
    type Database: sqlx::Database;
    async fn begin_write(&self) -> Result<Transaction<'static, Self::Database>, sqlx::Error>;
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    async fn begin_write(&self) -> Result<Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;
    /// `IMMEDIATE` takes the write lock up front: a deferred transaction that reads first
    /// cannot wait for another process's writer, it fails with `SQLITE_BUSY` on upgrade.
    async fn begin_write(&self) -> Result<Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

/// Sends `NOTIFY`s inside a transaction, so they are delivered if and only if it commits (and
/// in commit order). SQLite has no other instances to tell.
pub(crate) trait Announce {
    async fn announce(&mut self, channel: &str, payloads: Vec<String>) -> Result<(), sqlx::Error>;
}

impl Announce for Transaction<'static, sqlx::Postgres> {
    async fn announce(&mut self, channel: &str, payloads: Vec<String>) -> Result<(), sqlx::Error> {
        if payloads.is_empty() {
            return Ok(());
        }
        sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
            .bind(channel)
            .bind(payloads)
            .execute(&mut **self)
            .await?;
        Ok(())
    }
}

impl Announce for Transaction<'static, sqlx::Sqlite> {
    async fn announce(
        &mut self,
        _channel: &str,
        _payloads: Vec<String>,
    ) -> Result<(), sqlx::Error> {
        Ok(())
    }
}

impl Storage {
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
        let backend = "postgres";
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(owner_url)
            .await
            .map_err(|source| StorageError::Connect { backend, source })?;
        let migrated = POSTGRES_MIGRATIONS
            .run(&pool)
            .await
            .map_err(|source| StorageError::Migrate { backend, source });
        pool.close().await;
        migrated
    }

    /// `connect`, migrating PostgreSQL only when `migrate_postgres` is true (SQLite is always
    /// migrated: the relay owns its file).
    pub async fn connect_with(
        database_url: Option<&str>,
        sqlite_path: &Path,
        migrate_postgres: bool,
    ) -> Result<Storage, StorageError> {
        match database_url {
            None => Self::connect_sqlite(SqliteConnectOptions::new().filename(sqlite_path)).await,
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Self::connect_postgres(url, migrate_postgres).await
            }
            Some(url) if url.starts_with("sqlite:") => {
                let options =
                    SqliteConnectOptions::from_str(url).map_err(StorageError::InvalidSqliteUrl)?;
                Self::connect_sqlite(options).await
            }
            Some(url) => Err(StorageError::UnsupportedUrl {
                scheme: url_scheme(url),
            }),
        }
    }

    async fn connect_postgres(url: &str, migrate: bool) -> Result<Storage, StorageError> {
        Self::connect_postgres_with(url, migrate, false).await
    }

    /// PostgreSQL through a transaction-mode pooler such as PgBouncer (not migrated: run
    /// migrations on a direct URL). Every statement of the relay runs inside a transaction,
    /// the only span a pooler keeps one server connection for; the statement cache is off
    /// (the pooler must run `DEALLOCATE ALL` after each transaction:
    /// `server_reset_query_always = 1`, see deploy/README.md).
    pub async fn connect_pooled(url: &str) -> Result<Storage, StorageError> {
        Self::connect_postgres_with(url, false, true).await
    }

    async fn connect_postgres_with(
        url: &str,
        migrate: bool,
        pooled: bool,
    ) -> Result<Storage, StorageError> {
        let backend = "postgres";
        let mut options = PgConnectOptions::from_str(url)
            .map_err(|source| StorageError::Connect { backend, source })?;
        if pooled {
            options = options.statement_cache_capacity(0);
        }
        let pool = PgPoolOptions::new()
            .max_connections(POSTGRES_MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|source| StorageError::Connect { backend, source })?;
        // The migrator takes an advisory lock: relays starting together migrate once.
        if migrate {
            POSTGRES_MIGRATIONS
                .run(&pool)
                .await
                .map_err(|source| StorageError::Migrate { backend, source })?;
        }
        Ok(Storage {
            pools: Pools::Postgres(pool),
            announce_as: None,
        })
    }

    async fn connect_sqlite(options: SqliteConnectOptions) -> Result<Storage, StorageError> {
        let backend = "sqlite";
        let path = options.get_filename().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StorageError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT);
        let connect_error = |source| StorageError::Connect { backend, source };
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await
            .map_err(connect_error)?;
        SQLITE_MIGRATIONS
            .run(&writer)
            .await
            .map_err(|source| StorageError::Migrate { backend, source })?;
        let reader = SqlitePoolOptions::new()
            .max_connections(SQLITE_READ_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(connect_error)?;
        Ok(Storage {
            pools: Pools::Sqlite { reader, writer },
            announce_as: None,
        })
    }

    /// `"postgres"` or `"sqlite"`.
    pub fn backend(&self) -> &'static str {
        match self.pools {
            Pools::Postgres(_) => "postgres",
            Pools::Sqlite { .. } => "sqlite",
        }
    }

    /// Checks the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        on_pool!(self, reader, |pool| {
            sqlx::query("SELECT 1")
                .execute(pool)
                .await
                .map_err(failed("pinging"))?;
        });
        Ok(())
    }

    /// Closes every connection; later operations fail. For shutdown.
    pub async fn close(&self) {
        match &self.pools {
            Pools::Postgres(pool) => pool.close().await,
            Pools::Sqlite { reader, writer } => {
                reader.close().await;
                writer.close().await;
            }
        }
    }

    /// The board's snapshot and the rows after it, read in one statement so a concurrent
    /// compaction cannot make rows fall between the two. Empty for an unknown board.
    pub async fn load_board(&self, board: &str) -> Result<StoredBoard, StorageError> {
        self.load_board_as(board, None).await
    }

    /// `load_board` as `user`: on PostgreSQL, row-level security shows the board only to its
    /// members.
    pub async fn load_board_as(
        &self,
        board: &str,
        user: Option<&str>,
    ) -> Result<StoredBoard, StorageError> {
        // kind 0: the board row (last_seq); 1: the snapshot; 2: log rows after it.
        const LOAD: &str = "\
            SELECT CAST(0 AS BIGINT) AS kind, last_seq AS seq, NULL AS bytes \
              FROM boards WHERE id = $1 \
            UNION ALL \
            SELECT CAST(1 AS BIGINT), up_to_seq, state FROM board_snapshots WHERE board_id = $1 \
            UNION ALL \
            SELECT CAST(2 AS BIGINT), seq, bytes FROM board_updates \
             WHERE board_id = $1 AND seq > COALESCE( \
                   (SELECT up_to_seq FROM board_snapshots WHERE board_id = $1), 0) \
            ORDER BY 1, 2";
        let rows = on_pool!(self, reader, |pool| {
            let mut tx = pool.begin().await.map_err(failed("starting a load"))?;
            tx.act_as(user).await.map_err(failed("setting the user"))?;
            let rows = sqlx::query(LOAD)
                .bind(board)
                .fetch_all(&mut *tx)
                .await
                .map_err(failed("loading a board"))?;
            tx.commit().await.map_err(failed("ending a load"))?;
            rows.into_iter()
                .map(|row| -> Result<(i64, i64, Option<Vec<u8>>), sqlx::Error> {
                    Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(failed("decoding a board"))?
        });
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
        Ok(stored)
    }

    /// Appends every update of `batch` (any boards) in ONE transaction and returns each item's
    /// seq, in order. Each board's row is locked while its seqs are allocated, in board-id
    /// order (so concurrent batches cannot deadlock): seqs stay strictly increasing and gapless
    /// per board even with several relay processes on one database.
    pub async fn append_batch(&self, batch: &[NewUpdate<'_>]) -> Result<Vec<i64>, StorageError> {
        let authored: Vec<(NewUpdate<'_>, Option<&str>)> =
            batch.iter().map(|item| (*item, None)).collect();
        let outcomes = self.append_authored(&authored).await?;
        Ok(outcomes.into_iter().map(|seq| seq.unwrap_or(0)).collect())
    }

    /// `append_batch` with an author per update. An update whose author may not write its
    /// board (not an owner or editor, checked inside the transaction, so a revocation
    /// committed before it is seen) is not stored: its slot is `None`. On PostgreSQL each
    /// author's rows are inserted with that author as the acting user, so row-level security
    /// refuses them too. `None` authors (anonymous development relays) are not checked.
    pub async fn append_authored(
        &self,
        batch: &[(NewUpdate<'_>, Option<&str>)],
    ) -> Result<Vec<Option<i64>>, StorageError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        if let Pools::Postgres(pool) = &self.pools {
            return self.append_authored_postgres(pool, batch).await;
        }
        let mut items_by_board: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, (item, _)) in batch.iter().enumerate() {
            items_by_board.entry(item.board).or_default().push(index);
        }
        let mut seqs: Vec<Option<i64>> = vec![None; batch.len()];
        let mut announcements = Vec::new();
        on_pool!(self, writer, |pool| {
            let mut tx = pool
                .begin_write()
                .await
                .map_err(failed("starting an append"))?;
            for (board, indices) in &items_by_board {
                let mut may_write: BTreeMap<Option<&str>, bool> = BTreeMap::new();
                for &index in indices {
                    let author = batch[index].1;
                    if may_write.contains_key(&author) {
                        continue;
                    }
                    let allowed = match author {
                        None => true,
                        Some(user) => {
                            tx.act_as(Some(user))
                                .await
                                .map_err(failed("setting the author"))?;
                            let role: Option<String> = sqlx::query_scalar(
                                "SELECT role FROM board_members WHERE board_id = $1 \
                                 AND user_id = $2",
                            )
                            .bind(*board)
                            .bind(user)
                            .fetch_optional(&mut *tx)
                            .await
                            .map_err(failed("checking an author"))?;
                            matches!(role.as_deref(), Some("owner" | "editor"))
                        }
                    };
                    may_write.insert(author, allowed);
                }
                let allowed: Vec<usize> = indices
                    .iter()
                    .copied()
                    .filter(|&index| may_write.get(&batch[index].1) == Some(&true))
                    .collect();
                let Some(&first) = allowed.first() else {
                    continue;
                };
                tx.act_as(batch[first].1)
                    .await
                    .map_err(failed("setting the author"))?;
                let count = i64::try_from(allowed.len()).unwrap_or(i64::MAX);
                let last_seq: i64 = sqlx::query_scalar(
                    "INSERT INTO boards (id, last_seq) VALUES ($1, $2) \
                     ON CONFLICT (id) DO UPDATE SET last_seq = boards.last_seq + excluded.last_seq \
                     RETURNING last_seq",
                )
                .bind(*board)
                .bind(count)
                .fetch_one(&mut *tx)
                .await
                .map_err(failed("allocating seqs"))?;
                self.number_rows(board, &allowed, last_seq, &mut seqs, &mut announcements);
                // Rows go in runs of one author (the acting user must be the row's author).
                for run in allowed.chunk_by(|&a, &b| batch[a].1 == batch[b].1) {
                    tx.act_as(batch[run[0]].1)
                        .await
                        .map_err(failed("setting the author"))?;
                    for chunk in run.chunks(ROWS_PER_INSERT) {
                        let mut insert = QueryBuilder::new(
                            "INSERT INTO board_updates (board_id, seq, bytes, author_id) ",
                        );
                        insert.push_values(chunk, |mut row, &index| {
                            let (item, author) = &batch[index];
                            row.push_bind(item.board)
                                .push_bind(seqs[index].unwrap_or(0))
                                .push_bind(item.bytes)
                                .push_bind(*author);
                        });
                        insert
                            .build()
                            .execute(&mut *tx)
                            .await
                            .map_err(failed("inserting updates"))?;
                    }
                }
            }
            tx.announce(
                crate::cluster::UPDATES_CHANNEL,
                std::mem::take(&mut announcements),
            )
            .await
            .map_err(failed("announcing an append"))?;
            tx.commit().await.map_err(failed("committing an append"))?;
        });
        Ok(seqs)
    }

    /// `append_authored` on PostgreSQL, in a number of round trips that does not grow with the
    /// number of boards in the batch: one membership query per distinct author, one seq
    /// allocation per run of boards (in id order) acting as the same user, one insert per
    /// author, one announcement. One statement per board (the SQLite path) made a 50-board
    /// batch ~200 round trips, and the commit latency followed.
    /// Gives the `stored` items of one board the seqs that end at `last_seq`, in order, and
    /// queues their commit announcement when this relay announces (cluster.rs).
    fn number_rows(
        &self,
        board: &str,
        stored: &[usize],
        last_seq: i64,
        seqs: &mut [Option<i64>],
        announcements: &mut Vec<String>,
    ) {
        let count = i64::try_from(stored.len()).unwrap_or(i64::MAX);
        let first_seq = last_seq - count + 1;
        for (next_seq, &index) in (first_seq..).zip(stored) {
            seqs[index] = Some(next_seq);
        }
        if let Some(announcer) = &self.announce_as {
            // Ids and seqs only: other relays read the rows under row-level security.
            announcements.extend(announcer.commit_announcement(board, first_seq, count));
        }
    }

    async fn append_authored_postgres(
        &self,
        pool: &PgPool,
        batch: &[(NewUpdate<'_>, Option<&str>)],
    ) -> Result<Vec<Option<i64>>, StorageError> {
        // Announcements are signed with the cluster's keys (read once, before the first).
        self.load_cluster_keys(pool).await?;
        let mut items_by_board: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let mut boards_by_author: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (index, (item, author)) in batch.iter().enumerate() {
            items_by_board.entry(item.board).or_default().push(index);
            if let Some(user) = author {
                boards_by_author.entry(user).or_default().push(item.board);
            }
        }
        let mut tx = pool
            .begin_write()
            .await
            .map_err(failed("starting an append"))?;
        // The acting user set in this transaction (`None`: not set yet).
        let mut acting: Option<Option<&str>> = None;
        let mut may_write: BTreeSet<(&str, &str)> = BTreeSet::new();
        for (&user, boards) in &mut boards_by_author {
            boards.sort_unstable();
            boards.dedup();
            act_as_once(&mut tx, &mut acting, Some(user)).await?;
            let writable: Vec<String> = sqlx::query_scalar(
                "SELECT board_id FROM board_members WHERE user_id = $1 \
                 AND board_id = ANY($2) AND role IN ('owner', 'editor')",
            )
            .bind(user)
            .bind(&*boards)
            .fetch_all(&mut *tx)
            .await
            .map_err(failed("checking an author"))?;
            for board in writable {
                if let Ok(position) = boards.binary_search(&board.as_str()) {
                    may_write.insert((boards[position], user));
                }
            }
        }
        let allowed = |index: usize| {
            let (item, author) = &batch[index];
            author.is_none_or(|user| may_write.contains(&(item.board, user)))
        };
        // Each board with the items it stores, in board-id order.
        let boards: Vec<(&str, Vec<usize>)> = items_by_board
            .into_iter()
            .filter_map(|(board, indices)| {
                let stored: Vec<usize> = indices.into_iter().filter(|&i| allowed(i)).collect();
                (!stored.is_empty()).then_some((board, stored))
            })
            .collect();
        let mut seqs: Vec<Option<i64>> = vec![None; batch.len()];
        let mut announcements = Vec::new();
        // Seqs: each board's row is locked in board-id order (concurrent batches of other
        // relays cannot deadlock), by a user who may write it (row-level security).
        for run in boards.chunk_by(|a, b| batch[a.1[0]].1 == batch[b.1[0]].1) {
            act_as_once(&mut tx, &mut acting, batch[run[0].1[0]].1).await?;
            let ids: Vec<&str> = run.iter().map(|(board, _)| *board).collect();
            let counts: Vec<i64> = run
                .iter()
                .map(|(_, stored)| i64::try_from(stored.len()).unwrap_or(i64::MAX))
                .collect();
            let allocated: Vec<(String, i64)> = sqlx::query_as(
                "INSERT INTO boards (id, last_seq) \
                 SELECT id, n FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS t(id, n, i) \
                 ORDER BY i \
                 ON CONFLICT (id) DO UPDATE SET last_seq = boards.last_seq + excluded.last_seq \
                 RETURNING id, last_seq",
            )
            .bind(&ids)
            .bind(&counts)
            .fetch_all(&mut *tx)
            .await
            .map_err(failed("allocating seqs"))?;
            if allocated.len() != ids.len() {
                return Err(StorageError::Query {
                    action: "allocating seqs",
                    source: sqlx::Error::Protocol(format!(
                        "{} boards allocated of {}",
                        allocated.len(),
                        ids.len()
                    )),
                });
            }
            let mut last_seqs = vec![0_i64; ids.len()];
            for (id, last_seq) in allocated {
                if let Ok(position) = ids.binary_search(&id.as_str()) {
                    last_seqs[position] = last_seq;
                }
            }
            for ((board, stored), &last_seq) in run.iter().zip(&last_seqs) {
                self.number_rows(board, stored, last_seq, &mut seqs, &mut announcements);
            }
        }
        // Rows: one insert per author, acting as that author (the policy checks the row's
        // author is the acting user).
        let mut rows: Vec<usize> = boards
            .iter()
            .flat_map(|(_, stored)| stored.clone())
            .collect();
        rows.sort_by_key(|&index| batch[index].1);
        for run in rows.chunk_by(|&a, &b| batch[a].1 == batch[b].1) {
            act_as_once(&mut tx, &mut acting, batch[run[0]].1).await?;
            let board_ids: Vec<&str> = run.iter().map(|&i| batch[i].0.board).collect();
            let row_seqs: Vec<i64> = run.iter().map(|&i| seqs[i].unwrap_or(0)).collect();
            let bytes: Vec<&[u8]> = run.iter().map(|&i| batch[i].0.bytes).collect();
            let authors: Vec<Option<&str>> = run.iter().map(|&i| batch[i].1).collect();
            sqlx::query(
                "INSERT INTO board_updates (board_id, seq, bytes, author_id) \
                 SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[], $4::text[])",
            )
            .bind(&board_ids)
            .bind(&row_seqs)
            .bind(&bytes)
            .bind(&authors)
            .execute(&mut *tx)
            .await
            .map_err(failed("inserting updates"))?;
        }
        tx.announce(crate::cluster::UPDATES_CHANNEL, announcements)
            .await
            .map_err(failed("announcing an append"))?;
        tx.commit().await.map_err(failed("committing an append"))?;
        Ok(seqs)
    }

    /// How many log rows follow the snapshot (to decide when to compact).
    pub async fn tail_len(&self, board: &str) -> Result<u64, StorageError> {
        let count: i64 = on_pool!(self, reader, |pool| {
            let mut tx = pool.begin().await.map_err(failed("starting a read"))?;
            let count = sqlx::query_scalar(
                "SELECT COUNT(*) FROM board_updates WHERE board_id = $1 AND seq > COALESCE( \
                     (SELECT up_to_seq FROM board_snapshots WHERE board_id = $1), 0)",
            )
            .bind(board)
            .fetch_one(&mut *tx)
            .await
            .map_err(failed("counting the tail"))?;
            tx.commit().await.map_err(failed("ending a read"))?;
            count
        });
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The log rows after `after_seq`, or `Compacted` when a snapshot has already folded some
    /// of them away (one statement, so the answer is consistent).
    pub async fn updates_after(
        &self,
        board: &str,
        after_seq: i64,
    ) -> Result<UpdatesAfter, StorageError> {
        self.updates_after_as(board, after_seq, None).await
    }

    /// `updates_after` as `user`: on PostgreSQL, row-level security shows the rows only to the
    /// board's members.
    pub async fn updates_after_as(
        &self,
        board: &str,
        after_seq: i64,
        user: Option<&str>,
    ) -> Result<UpdatesAfter, StorageError> {
        const AFTER: &str = "\
            SELECT CAST(0 AS BIGINT) AS kind, up_to_seq AS seq, NULL AS bytes \
              FROM board_snapshots WHERE board_id = $1 AND up_to_seq > $2 \
            UNION ALL \
            SELECT CAST(1 AS BIGINT), seq, bytes FROM board_updates \
             WHERE board_id = $1 AND seq > $2 \
            ORDER BY 1, 2";
        let rows = on_pool!(self, reader, |pool| {
            let mut tx = pool.begin().await.map_err(failed("starting a read"))?;
            tx.act_as(user).await.map_err(failed("setting the user"))?;
            let rows = sqlx::query(AFTER)
                .bind(board)
                .bind(after_seq)
                .fetch_all(&mut *tx)
                .await
                .map_err(failed("reading updates"))?;
            tx.commit().await.map_err(failed("ending a read"))?;
            rows.into_iter()
                .map(|row| -> Result<(i64, i64, Option<Vec<u8>>), sqlx::Error> {
                    Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(failed("decoding updates"))?
        });
        let mut updates = Vec::with_capacity(rows.len());
        for (kind, seq, bytes) in rows {
            match (kind, bytes) {
                (0, _) => return Ok(UpdatesAfter::Compacted),
                (_, Some(bytes)) => updates.push(StoredUpdate { seq, bytes }),
                (_, None) => {}
            }
        }
        Ok(UpdatesAfter::Rows(updates))
    }

    /// Folds the board's snapshot and tail into a new snapshot, in ONE transaction that holds
    /// the board row's lock (appends and other compactions wait): upserts `board_snapshots` and
    /// deletes exactly the folded rows. A corrupt row is an error and an incomplete log is
    /// `Incomplete`; both leave everything as it was.
    pub async fn compact(&self, board: &str) -> Result<CompactionOutcome, StorageError> {
        self.compact_as(board, None).await
    }

    /// `compact` as `user`, who must be able to write the board on PostgreSQL (row-level
    /// security hides the board from anyone else: nothing to do).
    pub async fn compact_as(
        &self,
        board: &str,
        user: Option<&str>,
    ) -> Result<CompactionOutcome, StorageError> {
        on_pool!(self, writer, |pool| {
            let mut tx = pool
                .begin_write()
                .await
                .map_err(failed("starting a compaction"))?;
            tx.act_as(user).await.map_err(failed("setting the user"))?;
            // A no-op update takes the same row lock as the seq allocator in `append_batch`.
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
            let snapshot: Option<(Vec<u8>, i64)> =
                sqlx::query_as("SELECT state, up_to_seq FROM board_snapshots WHERE board_id = $1")
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
            let folded = match fold_off_runtime(snapshot, tail).await {
                Ok(folded) => folded,
                Err(FoldOutcome::Failure(FoldFailure::Incomplete { detail })) => {
                    return Ok(CompactionOutcome::Incomplete(detail));
                }
                Err(FoldOutcome::Failure(FoldFailure::Corrupt(error))) => {
                    return Err(StorageError::CorruptUpdate {
                        board: board.to_owned(),
                        seq: error.seq,
                        detail: error.detail,
                    });
                }
                Err(FoldOutcome::Panicked) => {
                    return Err(StorageError::CompactionAborted {
                        board: board.to_owned(),
                        detail: "folding panicked".into(),
                    });
                }
            };
            // Delete + insert rather than an upsert so `created_at` takes each database's own
            // default.
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
                // Dropping `tx` rolls back: never delete a row the snapshot does not hold.
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

enum FoldOutcome {
    Failure(FoldFailure),
    Panicked,
}

/// Folding a large board is CPU work: keep it off the async worker threads.
async fn fold_off_runtime(
    snapshot: Option<(Vec<u8>, i64)>,
    tail: Vec<(i64, Vec<u8>)>,
) -> Result<Folded, FoldOutcome> {
    tokio::task::spawn_blocking(move || {
        let pieces = snapshot
            .iter()
            .map(|(state, seq)| (*seq, state.as_slice()))
            .chain(tail.iter().map(|(seq, bytes)| (*seq, bytes.as_slice())));
        fold_updates(pieces)
    })
    .await
    .map_err(|_| FoldOutcome::Panicked)?
    .map_err(FoldOutcome::Failure)
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
