//! `StorageBackend` on an embedded SQLite file: a single relay process, no row-level security
//! (the relay checks authors itself) and no other relays to announce to. What differs from
//! PostgreSQL lives here; the shared queries are written once in `storage.rs` and
//! `accounts.rs`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Transaction};

use super::{
    failed, number_rows, ActAs, AnnounceHook, BeginWrite, NewUpdate, Storage, StorageError,
    ACQUIRE_TIMEOUT, SQLITE_MIGRATIONS,
};

/// Rows per multi-row `INSERT`: 4 parameters each stays far below SQLite's limit (32766).
const ROWS_PER_INSERT: usize = 1000;
/// SQLite has one writer at a time anyway: one writer connection queues writers in-process
/// instead of spinning in SQLite's busy handler; readers run beside it (WAL).
const SQLITE_READ_CONNECTIONS: u32 = 4;
/// How long a writer waits for another process's SQLite write lock before failing.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The relay's SQLite file: one writer connection and a few readers.
#[derive(Clone)]
pub struct SqliteStorage {
    reader: SqlitePool,
    writer: SqlitePool,
}

impl SqliteStorage {
    pub(super) const BACKEND: &'static str = "sqlite";

    /// Opens (creating it and its parent directories) and migrates the file: WAL,
    /// `synchronous=FULL`, foreign keys on.
    pub(super) async fn connect(
        options: SqliteConnectOptions,
    ) -> Result<SqliteStorage, StorageError> {
        let backend = Self::BACKEND;
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
        Ok(SqliteStorage { reader, writer })
    }

    pub(crate) fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    pub(super) fn postgres_pool(&self) -> Option<&sqlx::PgPool> {
        None
    }

    pub(super) fn sqlite_pools(&self) -> Option<(&SqlitePool, &SqlitePool)> {
        Some((&self.reader, &self.writer))
    }

    /// An SQLite relay is the only instance: nobody to announce to.
    pub(super) fn with_announce_hook(&self, _hook: Arc<dyn AnnounceHook>) -> Storage {
        Storage::new(self.clone())
    }

    pub(super) async fn close_pools(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    /// `append_authored` on SQLite: per board, the authors checked, the seqs allocated and the
    /// rows inserted in runs of one author, all in one `IMMEDIATE` transaction.
    pub(super) async fn append_rows(
        &self,
        batch: &[(NewUpdate<'_>, Option<&str>)],
    ) -> Result<Vec<Option<i64>>, StorageError> {
        let mut items_by_board: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, (item, _)) in batch.iter().enumerate() {
            items_by_board.entry(item.board).or_default().push(index);
        }
        let mut seqs: Vec<Option<i64>> = vec![None; batch.len()];
        let mut tx = self
            .writer
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
            if allowed.is_empty() {
                continue;
            }
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
            number_rows(board, &allowed, last_seq, &mut seqs);
            for chunk in allowed.chunks(ROWS_PER_INSERT) {
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
        tx.commit().await.map_err(failed("committing an append"))?;
        Ok(seqs)
    }
}

/// SQLite has no row-level security: the relay checks there itself.
impl ActAs for Transaction<'static, sqlx::Sqlite> {
    async fn act_as(&mut self, _user: Option<&str>) -> Result<(), sqlx::Error> {
        Ok(())
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
