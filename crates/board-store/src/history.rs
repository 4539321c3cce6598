//! My own per-task history (DESIGN §2 `task_changes`, and "History"): every task field and
//! comment an operation of this profile changed, stored with the operation's updates in one
//! transaction, kept through compaction, read newest first a page at a time.

use board_model::{FieldValue, HistoryField, TaskChange};
use rusqlite::{params, OptionalExtension, Transaction};

use crate::{now_ms, require_board, Seq, Store, StoreError};

/// The most entries one page holds.
pub const MAX_HISTORY_PAGE: u32 = 500;

/// One entry of my history of a task.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalChange {
    /// The store's id of the change (`tackctl` prints it as `l<id>`); pages go by it.
    pub id: i64,
    pub task: String,
    pub field: HistoryField,
    pub value: FieldValue,
    /// The value was cut to `board_model::MAX_HISTORY_VALUE_BYTES` and cannot be restored.
    pub truncated: bool,
    /// ms since the Unix epoch, this computer's clock.
    pub at_ms: i64,
    /// The relay has acknowledged the change (its update left the outbox).
    pub acknowledged: bool,
}

/// Writes an operation's history rows; `update_seq` is the last update of its batch.
pub(crate) fn insert_changes(
    tx: &Transaction<'_>,
    board: &str,
    update_seq: Seq,
    changes: &[TaskChange],
) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let at = now_ms();
    let mut insert = tx.prepare_cached(
        "INSERT INTO task_changes (board_id, task_id, field, value, truncated, at, update_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for change in changes {
        let value = serde_json::to_string(&change.value).map_err(|e| {
            board_model::ModelError::InvalidValue {
                field: "history value",
                reason: e.to_string(),
            }
        })?;
        insert.execute(params![
            board,
            change.task,
            change.field.as_str(),
            value,
            change.truncated,
            at,
            update_seq
        ])?;
    }
    Ok(())
}

fn change_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Option<LocalChange>> {
    let field: String = row.get(2)?;
    let value: String = row.get(3)?;
    // A row this build cannot read (a newer field name or value shape) is skipped, not fatal.
    let (Some(field), Ok(value)) = (
        HistoryField::parse(&field),
        serde_json::from_str::<FieldValue>(&value),
    ) else {
        return Ok(None);
    };
    Ok(Some(LocalChange {
        id: row.get(0)?,
        task: row.get(1)?,
        field,
        value,
        truncated: row.get(4)?,
        at_ms: row.get(5)?,
        acknowledged: row.get(6)?,
    }))
}

const SELECT_CHANGE: &str = "SELECT c.id, c.task_id, c.field, c.value, c.truncated, c.at,
        NOT EXISTS (SELECT 1 FROM outbox o WHERE o.board_id = c.board_id AND o.seq = c.update_seq)
     FROM task_changes c";

impl Store {
    /// My changes of a task, newest first: at most `limit` (capped at [`MAX_HISTORY_PAGE`])
    /// with ids below `before` (the last id of the previous page), or the newest page.
    pub fn task_history(
        &self,
        board: &str,
        task: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<LocalChange>, StoreError> {
        require_board(&self.conn, board)?;
        let limit = limit.min(MAX_HISTORY_PAGE);
        let sql = format!(
            "{SELECT_CHANGE} WHERE c.board_id = ?1 AND c.task_id = ?2 AND c.id < ?3
             ORDER BY c.id DESC LIMIT ?4"
        );
        let rows = self
            .conn
            .prepare_cached(&sql)?
            .query_map(
                params![board, task, before.unwrap_or(i64::MAX), limit],
                change_from_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows.into_iter().flatten().collect())
    }

    /// One of my changes of a board, by id.
    pub fn task_change(&self, board: &str, id: i64) -> Result<Option<LocalChange>, StoreError> {
        require_board(&self.conn, board)?;
        let sql = format!("{SELECT_CHANGE} WHERE c.board_id = ?1 AND c.id = ?2");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(params![board, id], change_from_row)
            .optional()?
            .flatten())
    }
}

/// One entry of the relay's history of a task, as last fetched (`Store::cache_relay_history`).
#[derive(Debug, Clone, PartialEq)]
pub struct CachedRelayChange {
    /// The relay's id, `<seq>.<n>`.
    pub id: String,
    pub field: String,
    /// JSON, as the relay sent it.
    pub value: String,
    pub truncated: bool,
    pub author_id: Option<String>,
    pub at_ms: i64,
}

impl Store {
    /// Replaces the cached first page of the relay's history of a task.
    pub fn cache_relay_history(
        &mut self,
        board: &str,
        task: &str,
        page: &[CachedRelayChange],
    ) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        require_board(&tx, board)?;
        tx.prepare_cached("DELETE FROM relay_task_changes WHERE board_id = ?1 AND task_id = ?2")?
            .execute(params![board, task])?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO relay_task_changes
                 (board_id, task_id, id, position, field, value, truncated, author_id, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for (position, change) in page.iter().enumerate() {
                insert.execute(params![
                    board,
                    task,
                    change.id,
                    i64::try_from(position).unwrap_or(i64::MAX),
                    change.field,
                    change.value,
                    change.truncated,
                    change.author_id,
                    change.at_ms
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The relay's history of a task as last fetched, newest first (empty if never fetched).
    pub fn cached_relay_history(
        &self,
        board: &str,
        task: &str,
    ) -> Result<Vec<CachedRelayChange>, StoreError> {
        require_board(&self.conn, board)?;
        let rows = self
            .conn
            .prepare_cached(
                "SELECT id, field, value, truncated, author_id, at FROM relay_task_changes
                 WHERE board_id = ?1 AND task_id = ?2 ORDER BY position",
            )?
            .query_map(params![board, task], |row| {
                Ok(CachedRelayChange {
                    id: row.get(0)?,
                    field: row.get(1)?,
                    value: row.get(2)?,
                    truncated: row.get(3)?,
                    author_id: row.get(4)?,
                    at_ms: row.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
