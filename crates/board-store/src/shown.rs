//! The views the app showed last (DESIGN §2 "Shown view"): its start paints the board shown
//! last at once while that board's document loads, then reconciles, and opening another board
//! it showed recently does the same. The store keeps the bytes it is given (the app's own
//! answer for the board) for the few boards shown most recently.

use rusqlite::{params, OptionalExtension};

use crate::{Store, StoreError};

/// The largest view kept (a board far past this opens from its document alone).
pub const MAX_SHOWN_VIEW_BYTES: usize = 64 * 1024 * 1024;
/// How many boards' views are kept: those shown most recently.
pub const KEPT_VIEWS: usize = 8;
/// The most bytes all kept views take together (the oldest go first; the newest always stays).
pub const MAX_KEPT_VIEW_BYTES: usize = 128 * 1024 * 1024;

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
            let mut rows = tx.prepare(
                "SELECT board_id, length(shown) FROM shown_view
                 WHERE board_id <> ?1 ORDER BY saved_at DESC",
            )?;
            let mut total = kept.len();
            let mut count = 1;
            let mut read = rows.query(params![board])?;
            while let Some(row) = read.next()? {
                let (id, len): (String, i64) = (row.get(0)?, row.get(1)?);
                total = total.saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
                count += 1;
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
                "SELECT board_id, shown FROM shown_view ORDER BY saved_at DESC LIMIT 1",
            )?
            .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        Ok(newest.filter(|(_, shown)| !shown.is_empty()))
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
