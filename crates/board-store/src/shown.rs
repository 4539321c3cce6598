//! The views the app showed last (DESIGN §2 "Shown view"): its start paints the board shown
//! last at once while that board's document loads, then reconciles, and opening another board
//! it showed recently does the same. The store keeps the bytes it is given (the app's own
//! answer for the board) for the few boards shown most recently, and, kept ahead by the app
//! ([`Store::keep_unshown_view`]), for large boards this computer has not shown yet.

use rusqlite::{params, OptionalExtension};

use crate::{Store, StoreError};

/// The largest view kept (a board far past this opens from its document alone).
pub const MAX_SHOWN_VIEW_BYTES: usize = 64 * 1024 * 1024;
/// How many boards' views are kept: those shown most recently.
pub const KEPT_VIEWS: usize = 8;
/// The most bytes all kept views take together (the oldest go first; the newest always stays).
pub const MAX_KEPT_VIEW_BYTES: usize = 128 * 1024 * 1024;
/// How many views of boards not shown yet are kept ahead ([`Store::keep_unshown_view`]).
pub const KEPT_UNSHOWN_VIEWS: usize = 8;
/// `saved_at` of a view kept ahead for a board not shown yet: older than every shown one, so
/// it is never the board shown last and goes first.
const NOT_SHOWN: i64 = 0;

impl Store {
    /// Keeps `shown` as what the app shows of `board`, now the board shown last. Too large a
    /// view is not kept: the board is still the one shown last, with no view (so a start does
    /// not paint another board's). Beyond [`KEPT_VIEWS`] boards or [`MAX_KEPT_VIEW_BYTES`], the
    /// views shown longest ago go.
    pub fn save_shown_view(&mut self, board: &str, shown: &[u8]) -> Result<(), StoreError> {
        let kept: &[u8] = if shown.len() <= MAX_SHOWN_VIEW_BYTES {
            shown
        } else {
            &[]
        };
        let tx = self.write_transaction()?;
        // Strictly after every other: two saves in one millisecond keep their order.
        let newest: Option<i64> =
            tx.query_row("SELECT max(saved_at) FROM shown_view", [], |row| row.get(0))?;
        let saved_at = newest.map_or(crate::now_ms(), |newest| crate::now_ms().max(newest + 1));
        tx.execute(
            "INSERT INTO shown_view (board_id, shown, saved_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (board_id) DO UPDATE SET shown = excluded.shown,
                                                  saved_at = excluded.saved_at",
            params![board, kept, saved_at],
        )?;
        let mut older = Vec::new();
        {
            // Newest first; views kept ahead (never shown) last, so they go first.
            let mut rows = tx.prepare(
                "SELECT board_id, length(shown), saved_at FROM shown_view
                 WHERE board_id <> ?1 ORDER BY saved_at DESC",
            )?;
            let mut total = kept.len();
            let mut count = 1;
            let mut read = rows.query(params![board])?;
            while let Some(row) = read.next()? {
                let (id, len, saved_at): (String, i64, i64) =
                    (row.get(0)?, row.get(1)?, row.get(2)?);
                total = total.saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
                if saved_at != NOT_SHOWN {
                    count += 1;
                }
                if count > KEPT_VIEWS || total > MAX_KEPT_VIEW_BYTES {
                    older.push(id);
                }
            }
        }
        for id in older {
            tx.execute("DELETE FROM shown_view WHERE board_id = ?1", params![id])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The board shown last and the bytes kept for it (none kept: `None`).
    pub fn shown_view(&self) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let newest: Option<(String, Vec<u8>)> = self
            .conn
            .prepare_cached(
                "SELECT board_id, shown FROM shown_view WHERE saved_at <> ?1
                 ORDER BY saved_at DESC LIMIT 1",
            )?
            .query_row([NOT_SHOWN], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        Ok(newest.filter(|(_, shown)| !shown.is_empty()))
    }

    /// Keeps `view` ahead for `board`, which this computer has not shown: opening it then
    /// answers at once, as for a board shown recently. Never replaces a kept view, never makes
    /// `board` the one shown last, never pushes a shown board's view out: `false` (nothing
    /// kept) when `board` has a view already, [`KEPT_UNSHOWN_VIEWS`] are kept ahead, or the
    /// bytes would pass [`MAX_KEPT_VIEW_BYTES`].
    pub fn keep_unshown_view(&mut self, board: &str, view: &[u8]) -> Result<bool, StoreError> {
        if view.is_empty() || view.len() > MAX_SHOWN_VIEW_BYTES {
            return Ok(false);
        }
        let tx = self.write_transaction()?;
        let (unshown, total, this): (i64, i64, i64) = tx.query_row(
            "SELECT count(*) FILTER (WHERE saved_at = ?1), coalesce(sum(length(shown)), 0),
                    count(*) FILTER (WHERE board_id = ?2)
             FROM shown_view",
            params![NOT_SHOWN, board],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        let total = usize::try_from(total).unwrap_or(usize::MAX);
        let exists: bool = tx
            .prepare_cached("SELECT 1 FROM boards WHERE id = ?1")?
            .exists([board])?;
        if !exists
            || this > 0
            || usize::try_from(unshown).unwrap_or(usize::MAX) >= KEPT_UNSHOWN_VIEWS
            || total.saturating_add(view.len()) > MAX_KEPT_VIEW_BYTES
        {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO shown_view (board_id, shown, saved_at) VALUES (?1, ?2, ?3)",
            params![board, view, NOT_SHOWN],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Boards of at least `min_tasks` tasks (archived ones too, as the task index counts them;
    /// a stale index is not rebuilt for this) with no kept view, the largest first: those
    /// [`Store::keep_unshown_view`] is for.
    pub fn boards_without_kept_view(&self, min_tasks: u64) -> Result<Vec<String>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT i.board_id, count(*) AS tasks FROM task_index i
             WHERE NOT EXISTS (SELECT 1 FROM shown_view v WHERE v.board_id = i.board_id)
             GROUP BY i.board_id HAVING count(*) >= ?1
             ORDER BY tasks DESC, i.board_id",
        )?;
        let boards = statement
            .query_map([i64::try_from(min_tasks).unwrap_or(i64::MAX)], |row| {
                row.get(0)
            })?
            .collect::<Result<_, _>>()?;
        Ok(boards)
    }

    /// The bytes kept for `board`, when it was shown recently (and not too large to keep).
    pub fn kept_view(&self, board: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let kept: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT shown FROM shown_view WHERE board_id = ?1")?
            .query_row(params![board], |row| row.get(0))
            .optional()?;
        Ok(kept.filter(|shown| !shown.is_empty()))
    }
}
