//! The view the app showed last (DESIGN §2 "Shown view"): its start paints it at once while the
//! board's document loads, then reconciles. The store keeps the bytes it is given (the app's
//! own answer for the board) and only for the board shown last.

use rusqlite::{params, OptionalExtension};

use crate::{Store, StoreError};

/// The largest view kept (a board far past this starts from its document alone).
pub const MAX_SHOWN_VIEW_BYTES: usize = 64 * 1024 * 1024;

impl Store {
    /// Keeps `shown` as what the app shows of `board`, replacing what was kept for any board.
    /// Too large a view is not kept (and the one kept before is dropped: it is older).
    pub fn save_shown_view(&mut self, board: &str, shown: &[u8]) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        tx.execute("DELETE FROM shown_view", [])?;
        if shown.len() <= MAX_SHOWN_VIEW_BYTES {
            tx.execute(
                "INSERT INTO shown_view (board_id, shown, saved_at) VALUES (?1, ?2, ?3)",
                params![board, shown, crate::now_ms()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The board shown last and the bytes kept for it (none kept: `None`).
    pub fn shown_view(&self) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT board_id, shown FROM shown_view ORDER BY saved_at DESC LIMIT 1",
            )?
            .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?)
    }
}
