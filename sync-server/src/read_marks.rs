//! Read marks that follow a person across their devices (DESIGN §4 "Read marks"): each of my
//! devices puts the read/unread changes it made to its inbox entries and gets the ones the
//! others made since it last asked. Rows belong to one user; on PostgreSQL row-level security
//! lets only that user (the acting user of the transaction) read or write them, and on SQLite
//! every query names the user itself.
//!
//! The latest change wins per key (`changed_at_ms`, a device's clock; an equal one keeps what
//! is stored). Each stored change takes the next number of the user's clock
//! (`read_mark_clocks`), whose row is locked first: one user's writes run one after another,
//! so a device that has read every mark up to a number never misses a lower one committed
//! later. At most [`MAX_READ_MARKS_PER_USER`] rows are kept per user, the oldest changes
//! going first.

use sqlx::QueryBuilder;
use tack_api::{ReadMarkEntry, MAX_READ_MARKS_PER_REQUEST, MAX_READ_MARKS_PER_USER};

use crate::storage::{failed, on_pool, ActAs, BeginWrite, Storage, StorageError};

/// A page of `user`'s marks stored after `after`, oldest first, and the number to ask after
/// next time (`after` itself when there is nothing new).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarksPage {
    pub marks: Vec<ReadMarkEntry>,
    pub more: bool,
    pub seq: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    key: String,
    read: bool,
    changed_at_ms: i64,
    seq: i64,
}

/// `user`'s marks stored after `after`: at most [`MAX_READ_MARKS_PER_REQUEST`].
pub async fn marks_after(
    storage: &Storage,
    user: &str,
    after: i64,
) -> Result<MarksPage, StorageError> {
    let limit = i64::try_from(MAX_READ_MARKS_PER_REQUEST).unwrap_or(i64::MAX);
    let rows = on_pool!(storage, reader, |pool| {
        let mut tx = pool.begin().await.map_err(failed("starting a read"))?;
        tx.act_as(Some(user))
            .await
            .map_err(failed("setting the user"))?;
        // One more than a page, to know whether there is more.
        let rows = sqlx::query_as::<_, Row>(
            "SELECT key, read, changed_at_ms, seq FROM read_marks \
             WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(user)
        .bind(after)
        .bind(limit + 1)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed("reading read marks"))?;
        tx.commit().await.map_err(failed("ending a read"))?;
        rows
    });
    let more = rows.len() > MAX_READ_MARKS_PER_REQUEST;
    let page: Vec<Row> = rows.into_iter().take(MAX_READ_MARKS_PER_REQUEST).collect();
    let seq = page.last().map_or(after, |row| row.seq);
    Ok(MarksPage {
        marks: page
            .into_iter()
            .map(|row| ReadMarkEntry {
                changed_at_ms: row.changed_at_ms,
                key: row.key,
                read: row.read,
            })
            .collect(),
        more,
        seq,
    })
}

/// Stores `marks` for `user` where each is newer than the stored one (already checked by the
/// caller: at most [`MAX_READ_MARKS_PER_REQUEST`], keys bounded, one mark per key); returns how
/// many changed. Then keeps the user's newest [`MAX_READ_MARKS_PER_USER`].
pub async fn store_marks(
    storage: &Storage,
    user: &str,
    marks: &[ReadMarkEntry],
) -> Result<u64, StorageError> {
    if marks.is_empty() {
        return Ok(0);
    }
    let count = i64::try_from(marks.len()).unwrap_or(i64::MAX);
    let changed = on_pool!(storage, writer, |pool| {
        let mut tx = pool
            .begin_write()
            .await
            .map_err(failed("starting to store read marks"))?;
        tx.act_as(Some(user))
            .await
            .map_err(failed("setting the user"))?;
        // Takes the user's clock row lock and the numbers `last - count + 1 ..= last`.
        let last: i64 = sqlx::query_scalar(
            "INSERT INTO read_mark_clocks (user_id, seq) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET seq = read_mark_clocks.seq + excluded.seq \
             RETURNING seq",
        )
        .bind(user)
        .bind(count)
        .fetch_one(&mut *tx)
        .await
        .map_err(failed("advancing the read mark clock"))?;
        let mut insert =
            QueryBuilder::new("INSERT INTO read_marks (user_id, key, read, changed_at_ms, seq) ");
        insert.push_values(
            marks.iter().zip(last - count + 1..),
            |mut row, (mark, seq)| {
                row.push_bind(user)
                    .push_bind(mark.key.as_str())
                    .push_bind(mark.read)
                    .push_bind(mark.changed_at_ms)
                    .push_bind(seq);
            },
        );
        insert.push(
            " ON CONFLICT (user_id, key) DO UPDATE SET read = excluded.read, \
             changed_at_ms = excluded.changed_at_ms, seq = excluded.seq \
             WHERE read_marks.changed_at_ms < excluded.changed_at_ms",
        );
        let changed = insert
            .build()
            .execute(&mut *tx)
            .await
            .map_err(failed("storing read marks"))?
            .rows_affected();
        sqlx::query(
            "DELETE FROM read_marks WHERE user_id = $1 AND key IN \
             (SELECT key FROM read_marks WHERE user_id = $1 \
              ORDER BY changed_at_ms DESC, key DESC LIMIT $2 OFFSET $3)",
        )
        .bind(user)
        .bind(i64::MAX)
        .bind(MAX_READ_MARKS_PER_USER)
        .execute(&mut *tx)
        .await
        .map_err(failed("trimming read marks"))?;
        tx.commit().await.map_err(failed("committing read marks"))?;
        changed
    });
    Ok(changed)
}
