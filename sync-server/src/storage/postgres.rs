//! `StorageBackend` on PostgreSQL: the production store, shared by several relays. What differs
//! from SQLite lives here (connecting and migrating, the acting user for row-level security,
//! the batched append and its announcements); the queries both accept are written once in
//! `storage.rs` and `accounts.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::Arc;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::Transaction;

use super::{
    failed, number_rows, ActAs, AnnounceHook, BeginWrite, CommittedRows, NewUpdate, Storage,
    StorageError, ACQUIRE_TIMEOUT, POSTGRES_MIGRATIONS,
};

const POSTGRES_MAX_CONNECTIONS: u32 = 16;

/// The relay's PostgreSQL database: a pool, and what its commits announce to other relays.
#[derive(Clone)]
pub struct PostgresStorage {
    pool: PgPool,
    /// Turns each commit's rows into a `NOTIFY` sent in the commit's transaction (the shell's:
    /// `crate::cluster`); none for a relay that does not announce.
    announce: Option<Arc<dyn AnnounceHook>>,
}

impl PostgresStorage {
    pub(super) const BACKEND: &'static str = "postgres";

    /// Connects (and migrates when `migrate`); `pooled`: through a transaction-mode pooler,
    /// without a statement cache.
    pub(super) async fn connect(
        url: &str,
        migrate: bool,
        pooled: bool,
    ) -> Result<PostgresStorage, StorageError> {
        let backend = Self::BACKEND;
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
        Ok(PostgresStorage {
            pool,
            announce: None,
        })
    }

    /// Brings the schema up to date, connected as the tables' owner.
    pub(super) async fn migrate(owner_url: &str) -> Result<(), StorageError> {
        let backend = Self::BACKEND;
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

    /// Reads and writes share one pool (PostgreSQL has many writers).
    pub(crate) fn reader(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) fn writer(&self) -> &PgPool {
        &self.pool
    }

    pub(super) fn postgres_pool(&self) -> Option<&PgPool> {
        Some(&self.pool)
    }

    pub(super) fn sqlite_pools(&self) -> Option<(&sqlx::SqlitePool, &sqlx::SqlitePool)> {
        None
    }

    pub(super) fn with_announce_hook(&self, hook: Arc<dyn AnnounceHook>) -> Storage {
        Storage::new(PostgresStorage {
            pool: self.pool.clone(),
            announce: Some(hook),
        })
    }

    pub(super) async fn close_pools(&self) {
        self.pool.close().await;
    }

    /// `append_authored` on PostgreSQL, in a number of round trips that does not grow with the
    /// number of boards in the batch: one membership query per distinct author, one seq
    /// allocation per run of boards (in id order) acting as the same user, one insert per
    /// author, one announcement. One statement per board made a 50-board batch ~200 round
    /// trips, and the commit latency followed.
    pub(super) async fn append_rows(
        &self,
        batch: &[(NewUpdate<'_>, Option<&str>)],
    ) -> Result<Vec<Option<i64>>, StorageError> {
        if let Some(hook) = &self.announce {
            // Before the transaction opens: the hook may need the database (its keys).
            hook.prepare().await?;
        }
        let mut items_by_board: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let mut boards_by_author: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (index, (item, author)) in batch.iter().enumerate() {
            items_by_board.entry(item.board).or_default().push(index);
            if let Some(user) = author {
                boards_by_author.entry(user).or_default().push(item.board);
            }
        }
        let mut tx = self
            .pool
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
        let mut committed: Vec<CommittedRows<'_>> = Vec::with_capacity(boards.len());
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
                committed.push(number_rows(board, stored, last_seq, &mut seqs));
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
        self.announce_in(&mut tx, &committed).await?;
        tx.commit().await.map_err(failed("committing an append"))?;
        Ok(seqs)
    }

    /// Sends what the announce hook makes of `committed` as `NOTIFY`s inside `tx`, so they are
    /// delivered if and only if it commits (and in commit order).
    async fn announce_in(
        &self,
        tx: &mut Transaction<'static, sqlx::Postgres>,
        committed: &[CommittedRows<'_>],
    ) -> Result<(), StorageError> {
        let Some(hook) = &self.announce else {
            return Ok(());
        };
        let (channels, payloads): (Vec<&str>, Vec<String>) = committed
            .iter()
            .filter_map(|rows| hook.announce(rows))
            .map(|notification| (notification.channel, notification.payload))
            .unzip();
        if payloads.is_empty() {
            return Ok(());
        }
        sqlx::query("SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS t(c, p)")
            .bind(channels)
            .bind(payloads)
            .execute(&mut **tx)
            .await
            .map_err(failed("announcing an append"))?;
        Ok(())
    }
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

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    async fn begin_write(&self) -> Result<Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
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
