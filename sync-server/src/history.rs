//! Per-task history on the relay (DESIGN "History", §4 `task_changes`): the task fields and
//! comments each committed update changed, named by the author the relay authenticated for
//! that update, read a page at a time by the board's members, pruned after the retention.
//!
//! What an update changed is board-model's `HistoryRecorder`, attached to each room's
//! document (`crate::room`): the room takes it right after applying an accepted update, the
//! change list travels with the update to the group committer, and the committer writes it
//! once the update's row is committed, as that update's author (row-level security lets a
//! row in only with `author_id` = the acting user, an owner or editor of the board).

use std::time::Duration;

use board_model::TaskChange;
use sqlx::QueryBuilder;

use crate::storage::{failed, on_pool, ActAs, BeginWrite, Storage, StorageError};

/// The most entries one page of `GET …/history` holds.
pub const MAX_PAGE: u32 = 200;
/// Rows per pruning statement, so retention never holds a long lock.
const PRUNE_BATCH: i32 = 5_000;

/// The changes of one committed update.
#[derive(Debug)]
pub struct CommittedChanges<'a> {
    pub board: &'a str,
    pub seq: i64,
    pub author: &'a str,
    pub changes: &'a [TaskChange],
}

/// One stored change, as read back.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredChange {
    pub seq: i64,
    pub n: i32,
    pub task_id: String,
    pub field: String,
    pub value: String,
    pub truncated: bool,
    pub author_id: Option<String>,
    pub at_ms: i64,
}

/// Writes the changes of committed updates, one transaction per author, acting as that
/// author. Called after the updates' own commit: a failure here loses these entries of
/// history (it is logged), never the updates.
pub async fn record(
    storage: &Storage,
    committed: &[CommittedChanges<'_>],
    at_ms: i64,
) -> Result<(), StorageError> {
    let mut rows: Vec<Row<'_>> = Vec::new();
    for update in committed {
        for (n, change) in update.changes.iter().enumerate() {
            let value = serde_json::to_string(&change.value).unwrap_or_else(|_| "null".into());
            rows.push((update, i32::try_from(n).unwrap_or(i32::MAX), change, value));
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    // One transaction per author (the acting user must be each row's author): an author whose
    // role ended since the commit loses only their own rows (row-level security refuses them).
    rows.sort_by(|a, b| a.0.author.cmp(b.0.author));
    let mut first_error = None;
    for run in rows.chunk_by(|a, b| a.0.author == b.0.author) {
        if let Err(error) = record_run(storage, run, at_ms).await {
            first_error.get_or_insert(error);
        }
    }
    first_error.map_or(Ok(()), Err)
}

type Row<'r> = (&'r CommittedChanges<'r>, i32, &'r TaskChange, String);

async fn record_run(storage: &Storage, run: &[Row<'_>], at_ms: i64) -> Result<(), StorageError> {
    on_pool!(storage, writer, |pool| {
        let mut tx = pool
            .begin_write()
            .await
            .map_err(failed("starting to record history"))?;
        tx.act_as(Some(run[0].0.author))
            .await
            .map_err(failed("setting the author"))?;
        for chunk in run.chunks(500) {
            let mut insert = QueryBuilder::new(
                "INSERT INTO task_changes \
                 (board_id, seq, n, task_id, field, value, truncated, author_id, at_ms) ",
            );
            insert.push_values(chunk, |mut row, (update, n, change, value)| {
                row.push_bind(update.board)
                    .push_bind(update.seq)
                    .push_bind(*n)
                    .push_bind(change.task.as_str())
                    .push_bind(change.field.as_str())
                    .push_bind(value.as_str())
                    .push_bind(change.truncated)
                    .push_bind(update.author)
                    .push_bind(at_ms);
            });
            insert
                .build()
                .execute(&mut *tx)
                .await
                .map_err(failed("recording history"))?;
        }
        tx.commit().await.map_err(failed("committing history"))?;
    });
    Ok(())
}

/// A page of a task's history, newest first, read as `user`: `None` when `user` is not a
/// member of the board (row-level security would show nothing anyway). `before` is the
/// (seq, n) of the last entry of the previous page.
pub async fn task_history(
    storage: &Storage,
    user: &str,
    board: &str,
    task: &str,
    before: Option<(i64, i32)>,
    limit: u32,
) -> Result<Option<Vec<StoredChange>>, StorageError> {
    let (before_seq, before_n) = before.unwrap_or((i64::MAX, i32::MAX));
    let limit = i64::from(limit.clamp(1, MAX_PAGE));
    let page = on_pool!(storage, reader, |pool| {
        let mut tx = pool.begin().await.map_err(failed("starting a read"))?;
        tx.act_as(Some(user))
            .await
            .map_err(failed("setting the user"))?;
        let member: Option<String> = sqlx::query_scalar(
            "SELECT role FROM board_members WHERE board_id = $1 AND user_id = $2",
        )
        .bind(board)
        .bind(user)
        .fetch_optional(&mut *tx)
        .await
        .map_err(failed("checking a member"))?;
        let page = match member {
            None => None,
            Some(_) => Some(
                sqlx::query_as::<_, StoredChange>(
                    "SELECT seq, n, task_id, field, value, truncated, author_id, at_ms \
                     FROM task_changes \
                     WHERE board_id = $1 AND task_id = $2 \
                       AND (seq < $3 OR (seq = $3 AND n < $4)) \
                     ORDER BY seq DESC, n DESC LIMIT $5",
                )
                .bind(board)
                .bind(task)
                .bind(before_seq)
                .bind(before_n)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await
                .map_err(failed("reading history"))?,
            ),
        };
        tx.commit().await.map_err(failed("ending a read"))?;
        page
    });
    Ok(page)
}

/// Deletes history committed before `before_ms`, a batch at a time; returns how many rows.
pub async fn prune(storage: &Storage, before_ms: i64) -> Result<u64, StorageError> {
    let mut total = 0u64;
    loop {
        let deleted: i64 = match (storage.postgres_pool(), storage.sqlite_pools()) {
            (Some(pool), _) => sqlx::query_scalar("SELECT tack_prune_task_changes($1, $2)")
                .bind(before_ms)
                .bind(PRUNE_BATCH)
                .fetch_one(pool)
                .await
                .map_err(failed("pruning history"))?,
            (None, None) => return Ok(total),
            (None, Some((_, writer))) => {
                let done = sqlx::query(
                    "DELETE FROM task_changes WHERE rowid IN \
                     (SELECT rowid FROM task_changes WHERE at_ms < $1 ORDER BY at_ms LIMIT $2)",
                )
                .bind(before_ms)
                .bind(PRUNE_BATCH)
                .execute(writer)
                .await
                .map_err(failed("pruning history"))?;
                i64::try_from(done.rows_affected()).unwrap_or(i64::MAX)
            }
        };
        total += u64::try_from(deleted).unwrap_or(0);
        if deleted < i64::from(PRUNE_BATCH) {
            return Ok(total);
        }
    }
}

/// Prunes history older than `days` every `every`, until `shutdown` resolves. `days` 0 keeps
/// history forever (nothing is started).
pub async fn retain(
    storage: Storage,
    days: u32,
    every: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    if days == 0 {
        return;
    }
    let keep_ms = i64::from(days) * 86_400_000;
    let run = async {
        loop {
            let before_ms = now_ms() - keep_ms;
            match prune(&storage, before_ms).await {
                Ok(0) => {}
                Ok(rows) => tracing::info!(rows, days, "pruned task history"),
                Err(error) => tracing::warn!(%error, "pruning task history failed"),
            }
            tokio::time::sleep(every).await;
        }
    };
    tokio::select! {
        () = run => {}
        () = shutdown => {}
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
