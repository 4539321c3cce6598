//! SQLite persistence of Tack boards: an append-only log of opaque Yjs v1 updates per board,
//! compacted into snapshots, with an outbox of local updates the server has not acknowledged.
//!
//! `board-store` knows nothing of `board-model`, tokio or Tauri: it stores bytes. The only
//! place it interprets them is [`Store::compact`], which folds them with `sync_protocol::fold`
//! (yrs behind the rules of `sync_protocol::guard`).
//!
//! One file per profile ([`DB_FILE_NAME`] in [`default_data_dir`]) is shared by the desktop
//! app and `tackctl`, possibly at the same time: WAL mode, `synchronous=FULL`, a busy timeout,
//! and every write in a `BEGIN IMMEDIATE` transaction.

// Set here, not in [workspace.lints]: cargo cannot add a lint to an inherited table, and
// the workspace-wide lint would fire in crates other work is reshaping.
#![warn(unreachable_pub)]

mod backup;
pub mod blobs;
mod error;
mod history;
pub mod history_view;
mod inbox;
pub mod local_time;
mod open;
mod people;
mod reminders;
pub mod replica;
pub mod search;
mod shown;
pub mod thumbnails;
pub mod transfer;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

pub use backup::{restore_from, BackupReport, Existing, RestoreReport};
pub use blobs::{guess_mime, is_executable_name, Blobs, PendingUpload, StoredBlob};
pub use error::StoreError;
pub use history::{CachedRelayChange, LocalChange, MAX_HISTORY_PAGE};
pub use inbox::{
    format_quiet_hours, parse_quiet_hours, InboxEntry, NewInboxEntry, NotificationSettings,
    ReadMark, MAX_INBOX_ENTRIES, MAX_INBOX_KEY_BYTES, MAX_INBOX_PAGE,
};
pub use open::{APPLICATION_ID, SCHEMA_VERSION};
pub use people::{
    display_name, imported_author_name, member_name, Directory, DirectoryEntry, Me, MemberRecord,
    PersonError,
};
pub use reminders::{
    parse_reminder_offset, parse_reminder_time, reminder_fire_at, RemindedTask, Reminder,
    ReminderWhen, DATE_REMINDER_HOUR, MAX_FIRED_AT_ONCE, MAX_REMINDER_OFFSET_MS,
};
pub use search::{
    BoardFilter, DueGroup, IndexDelta, IndexRow, MyTask, SearchHit, SearchOptions, SearchResults,
    TaskMatches, TextPart,
};
pub use shown::{KEPT_UNSHOWN_VIEWS, KEPT_VIEWS, MAX_KEPT_VIEW_BYTES, MAX_SHOWN_VIEW_BYTES};
pub use thumbnails::{Thumbnail, ThumbnailError};

/// Position of an update in a board's log; strictly increasing per board, starting at 1.
pub type Seq = i64;

/// File name of the store inside the data directory.
pub const DB_FILE_NAME: &str = "tack.sqlite3";

/// Platform data directory shared by the desktop app and `tackctl`: `dirs::data_dir()` joined
/// with `dev.tack.app`, which is Tauri's `app_data_dir` for the identifier `dev.tack.app`.
pub fn default_data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join("dev.tack.app"))
}

/// One board as listed in the store; `title` is a cache of the title inside the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardRecord {
    pub id: String,
    pub title: String,
    pub created_at_ms: i64,
    pub server: Option<String>,
    pub role: Option<String>,
    pub last_synced_at_ms: Option<i64>,
}

impl BoardRecord {
    /// My access to the board as its relay last granted it; `None` for a board that was
    /// never shared (mine alone: full access). An unknown spelling counts as `Removed`: a
    /// store written by a newer Tack must not widen what this one lets me do.
    pub fn access(&self) -> Option<LocalAccess> {
        self.role
            .as_deref()
            .map(|role| LocalAccess::parse(role).unwrap_or(LocalAccess::Removed))
    }
}

/// My access to a shared board, recorded in the store (`boards.role`) from what the relay
/// granted: the one place every client (the desktop app, `tackctl`) asks whether a local edit
/// may be saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalAccess {
    Owner,
    Editor,
    Viewer,
    /// My membership ended (or I left): my copy stays, read-only.
    Removed,
}

impl LocalAccess {
    pub fn parse(role: &str) -> Option<Self> {
        match role {
            "owner" => Some(Self::Owner),
            "editor" => Some(Self::Editor),
            "viewer" => Some(Self::Viewer),
            "removed" => Some(Self::Removed),
            _ => None,
        }
    }

    /// The spelling stored in `boards.role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Editor => "editor",
            Self::Viewer => "viewer",
            Self::Removed => "removed",
        }
    }

    pub fn can_write(self) -> bool {
        matches!(self, Self::Owner | Self::Editor)
    }

    /// The access a member with `role` on the relay has here.
    pub fn from_role(role: tack_api::Role) -> Self {
        match role {
            tack_api::Role::Owner => Self::Owner,
            tack_api::Role::Editor => Self::Editor,
            tack_api::Role::Viewer => Self::Viewer,
        }
    }

    /// My role on the relay; `None` once my membership ended.
    pub fn role(self) -> Option<tack_api::Role> {
        match self {
            Self::Owner => Some(tack_api::Role::Owner),
            Self::Editor => Some(tack_api::Role::Editor),
            Self::Viewer => Some(tack_api::Role::Viewer),
            Self::Removed => None,
        }
    }

    /// Why the board cannot be edited here (shown beside disabled controls); `None` when it can.
    pub fn read_only_reason(self) -> Option<&'static str> {
        match self {
            Self::Owner | Self::Editor => None,
            Self::Viewer => Some(VIEWER_REASON),
            Self::Removed => Some(REMOVED_REASON),
        }
    }
}

/// Why a viewer cannot edit.
pub const VIEWER_REASON: &str = "You can view this board but not edit it.";
/// Why a board whose membership ended cannot be edited.
pub const REMOVED_REASON: &str =
    "You no longer have access to this board. Your copy stays on this computer, read-only.";

/// Where an update came from: local ones also go to the outbox until acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOrigin {
    Local,
    Remote,
}

impl UpdateOrigin {
    fn as_sql(self) -> &'static str {
        match self {
            UpdateOrigin::Local => "local",
            UpdateOrigin::Remote => "remote",
        }
    }
}

/// What is needed to rebuild a board: apply `snapshot` (if any), then `updates` in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedBoard {
    pub snapshot: Option<Vec<u8>>,
    pub updates: Vec<Vec<u8>>,
    /// Highest seq ever allocated for this board (0 never happens: creation allocates 1).
    pub last_seq: Seq,
}

/// What [`Store::compact`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactionReport {
    /// Log entries folded into the snapshot by this call (0: nothing to do).
    pub folded_updates: u64,
    /// Size of the snapshot now stored (0 when the board has none).
    pub snapshot_bytes: u64,
    /// Every update with a seq up to this one is in the snapshot.
    pub up_to_seq: Seq,
}

/// An open store file. Owns one SQLite connection; `Send`, not `Sync`.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The board filtered last, as read ([`Store::filter_board`]).
    filter_cache: search::FilterCache,
    /// How many of a search's matches are scored at most ([`search::SCORED_AT_MOST`]).
    scored_at_most: usize,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn to_u64(count: i64) -> u64 {
    u64::try_from(count).unwrap_or(0)
}

/// Fails with [`StoreError::UnknownBoard`] unless `board` exists.
/// `profile` key prefix of a relay's board deleted on this computer.
const DELETED_HERE_KEY: &str = "deleted_board:";

fn require_board(conn: &Connection, board: &str) -> Result<(), StoreError> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM boards WHERE id = ?1")?
        .exists([board])?;
    if exists {
        Ok(())
    } else {
        Err(StoreError::UnknownBoard(board.to_owned()))
    }
}

/// Allocates the next seq of `board` and writes the update (and its outbox row if local).
/// Must run inside a write transaction.
fn insert_update(
    tx: &Transaction<'_>,
    board: &str,
    origin: UpdateOrigin,
    bytes: &[u8],
) -> Result<Seq, StoreError> {
    let seq: Seq = tx
        .prepare_cached(
            "UPDATE boards SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq",
        )?
        .query_row([board], |row| row.get(0))
        .optional()?
        .ok_or_else(|| StoreError::UnknownBoard(board.to_owned()))?;
    tx.prepare_cached(
        "INSERT INTO updates (board_id, seq, bytes, origin, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![board, seq, bytes, origin.as_sql(), now_ms()])?;
    if origin == UpdateOrigin::Local {
        tx.prepare_cached("INSERT INTO outbox (board_id, seq) VALUES (?1, ?2)")?
            .execute(params![board, seq])?;
    }
    Ok(seq)
}

impl Store {
    /// Opens the store at `path`, creating it (and its parent directories) if missing.
    ///
    /// Refuses, with an error naming the file and leaving it untouched, anything that is not
    /// a Tack store: a non-SQLite file, another application's database, a newer schema, or a
    /// damaged file.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = open::open_connection(path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            filter_cache: search::FilterCache::default(),
            scored_at_most: search::SCORED_AT_MOST,
        })
    }

    /// Opens `data_dir/`[`DB_FILE_NAME`].
    pub fn open_in_dir(data_dir: &Path) -> Result<Store, StoreError> {
        Store::open(&data_dir.join(DB_FILE_NAME))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs SQLite's `quick_check` over the whole file (time proportional to its size; `open`
    /// only does this when the header looks wrong). For `tackctl` diagnostics.
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        open::quick_check(&self.conn, &self.path)
    }

    fn write_transaction(&mut self) -> Result<Transaction<'_>, StoreError> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// Creates a board with its first local update (seq 1, in the outbox) in one transaction.
    pub fn create_board(
        &mut self,
        record: &BoardRecord,
        initial_update: &[u8],
    ) -> Result<Seq, StoreError> {
        self.insert_board(record, UpdateOrigin::Local, initial_update)
    }

    /// Creates a board fetched from a server: its first update is the server's state, stored
    /// with remote origin (nothing enters the outbox).
    pub fn create_board_from_remote(
        &mut self,
        record: &BoardRecord,
        server_state: &[u8],
    ) -> Result<Seq, StoreError> {
        self.insert_board(record, UpdateOrigin::Remote, server_state)
    }

    /// Creates a board (as [`Store::create_board`] or [`Store::create_board_from_remote`]) with
    /// its task index rows (`IndexDelta::whole` of the replica whose state this is).
    pub fn create_board_indexed(
        &mut self,
        record: &BoardRecord,
        origin: UpdateOrigin,
        initial_update: &[u8],
        index: &IndexDelta,
    ) -> Result<Seq, StoreError> {
        self.insert_board_indexed(record, origin, initial_update, Some(index))
    }

    fn insert_board(
        &mut self,
        record: &BoardRecord,
        origin: UpdateOrigin,
        initial_update: &[u8],
    ) -> Result<Seq, StoreError> {
        self.insert_board_indexed(record, origin, initial_update, None)
    }

    fn insert_board_indexed(
        &mut self,
        record: &BoardRecord,
        origin: UpdateOrigin,
        initial_update: &[u8],
        index: Option<&IndexDelta>,
    ) -> Result<Seq, StoreError> {
        let tx = self.write_transaction()?;
        let inserted = tx
            .prepare_cached(
                "INSERT INTO boards (id, title, created_at, server, role, last_synced_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
            )?
            .execute(params![
                record.id,
                record.title,
                record.created_at_ms,
                record.server,
                record.role,
                record.last_synced_at_ms
            ])?;
        if inserted == 0 {
            return Err(StoreError::BoardExists(record.id.clone()));
        }
        let seq = insert_update(&tx, &record.id, origin, initial_update)?;
        if let Some(index) = index {
            search::write_delta(&tx, &record.id, index, seq - 1, seq)?;
        }
        tx.commit()?;
        Ok(seq)
    }

    /// Every board, oldest first (ties broken by id).
    pub fn list_boards(&self) -> Result<Vec<BoardRecord>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, title, created_at, server, role, last_synced_at FROM boards
             ORDER BY created_at, id",
        )?;
        let rows = statement.query_map([], board_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn board(&self, id: &str) -> Result<Option<BoardRecord>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, title, created_at, server, role, last_synced_at FROM boards
                 WHERE id = ?1",
            )?
            .query_row([id], board_from_row)
            .optional()?)
    }

    /// Updates the cached title shown in board lists.
    pub fn set_board_title(&mut self, id: &str, title: &str) -> Result<(), StoreError> {
        self.update_board_row(
            "UPDATE boards SET title = ?2 WHERE id = ?1",
            id,
            params![id, title],
        )
    }

    pub fn set_board_server(
        &mut self,
        id: &str,
        server: Option<&str>,
        role: Option<&str>,
    ) -> Result<(), StoreError> {
        self.update_board_row(
            "UPDATE boards SET server = ?2, role = ?3 WHERE id = ?1",
            id,
            params![id, server, role],
        )
    }

    /// Records the board's relay and my access to it there (`None`: never shared, full access).
    pub fn set_board_access(
        &mut self,
        id: &str,
        server: Option<&str>,
        access: Option<LocalAccess>,
    ) -> Result<(), StoreError> {
        self.set_board_server(id, server, access.map(LocalAccess::as_str))
    }

    pub fn mark_synced(&mut self, id: &str, at_ms: i64) -> Result<(), StoreError> {
        self.update_board_row(
            "UPDATE boards SET last_synced_at = ?2 WHERE id = ?1",
            id,
            params![id, at_ms],
        )
    }

    fn update_board_row(
        &mut self,
        sql: &str,
        id: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<(), StoreError> {
        let changed = self.conn.prepare_cached(sql)?.execute(params)?;
        if changed == 0 {
            return Err(StoreError::UnknownBoard(id.to_owned()));
        }
        Ok(())
    }

    /// Removes the board and everything stored for it (log, snapshot, outbox, undo state). A
    /// board of a relay is remembered as deleted here ([`Store::deleted_here`]), so that the
    /// app does not download it again by itself while I am still a member. Bytes of its
    /// attachments that no other board names any more become reclaimable by eviction
    /// ([`Blobs::evict_downloads`]), first in line.
    pub fn delete_board(&mut self, id: &str) -> Result<(), StoreError> {
        let named = self.named_blobs(id).unwrap_or_default();
        self.delete_board_rows(id)?;
        self.release_blobs(named)
    }

    fn delete_board_rows(&mut self, id: &str) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        let shared = tx
            .query_row(
                "SELECT server IS NOT NULL FROM boards WHERE id = ?1",
                [id],
                |row| row.get::<_, bool>(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::UnknownBoard(id.to_owned()))?;
        if shared {
            tx.execute(
                "INSERT OR IGNORE INTO profile (key, value) VALUES (?1, '1')",
                [format!("{DELETED_HERE_KEY}{id}")],
            )?;
        }
        // One statement: the foreign keys cascade to every other table atomically.
        tx.execute("DELETE FROM boards WHERE id = ?1", params![id])?;
        tx.commit()?;
        Ok(())
    }

    /// Whether a board of a relay was deleted on this computer (see [`Store::delete_board`]).
    pub fn deleted_here(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM profile WHERE key = ?1")?
            .exists([format!("{DELETED_HERE_KEY}{id}")])?)
    }

    /// Appends one update to the board's log; it is durable (fsynced) when this returns.
    /// A local update also enters the outbox, in the same transaction.
    pub fn append_update(
        &mut self,
        board: &str,
        origin: UpdateOrigin,
        bytes: &[u8],
    ) -> Result<Seq, StoreError> {
        let tx = self.write_transaction()?;
        let seq = insert_update(&tx, board, origin, bytes)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Appends one update and what it changes in the task index, in one transaction (the
    /// sync client's path for a relay's update: `IndexDelta::of_changes` of its replica).
    pub fn append_update_indexed(
        &mut self,
        board: &str,
        origin: UpdateOrigin,
        bytes: &[u8],
        index: &IndexDelta,
    ) -> Result<Seq, StoreError> {
        let tx = self.write_transaction()?;
        let seq = insert_update(&tx, board, origin, bytes)?;
        search::write_delta(&tx, board, index, seq - 1, seq)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Appends a replica's local updates, its undo history, its title cache, the task
    /// history the updates make (`board_model::Board::take_history`) and what they change in
    /// the task index in ONE durable transaction: after a crash either all of an operation's
    /// effects are stored or none. Without `index` the board's index is left stale.
    #[allow(clippy::too_many_arguments)]
    pub fn append_local_batch(
        &mut self,
        board: &str,
        updates: &[Vec<u8>],
        undo_blob: Option<&[u8]>,
        title: Option<&str>,
        history: &[board_model::TaskChange],
        index: Option<&IndexDelta>,
    ) -> Result<Vec<Seq>, StoreError> {
        let tx = self.write_transaction()?;
        let mut seqs = Vec::with_capacity(updates.len());
        for bytes in updates {
            seqs.push(insert_update(&tx, board, UpdateOrigin::Local, bytes)?);
        }
        if let (Some(&first), Some(&last)) = (seqs.first(), seqs.last()) {
            history::insert_changes(&tx, board, last, history)?;
            if let Some(index) = index {
                search::write_delta(&tx, board, index, first - 1, last)?;
            }
        }
        if let Some(blob) = undo_blob {
            upsert_undo_state(&tx, board, blob)?;
        }
        if let Some(title) = title {
            tx.prepare_cached("UPDATE boards SET title = ?2 WHERE id = ?1 AND title <> ?2")?
                .execute(params![board, title])?;
        }
        tx.commit()?;
        Ok(seqs)
    }

    /// The highest seq allocated for the board: it moves with every update stored for it, so a
    /// replica built from a [`LoadedBoard`] with this `last_seq` is still the board's state.
    pub fn last_seq(&self, board: &str) -> Result<Seq, StoreError> {
        self.conn
            .prepare_cached("SELECT last_seq FROM boards WHERE id = ?1")?
            .query_row([board], |row| row.get(0))
            .optional()?
            .ok_or_else(|| StoreError::UnknownBoard(board.to_owned()))
    }

    /// The snapshot (if any) and the updates after it, in seq order, read consistently even
    /// while another process compacts.
    pub fn load_board(&self, board: &str) -> Result<LoadedBoard, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let last_seq: Seq = tx
            .prepare_cached("SELECT last_seq FROM boards WHERE id = ?1")?
            .query_row([board], |row| row.get(0))
            .optional()?
            .ok_or_else(|| StoreError::UnknownBoard(board.to_owned()))?;
        let snapshot: Option<(Vec<u8>, Seq)> = tx
            .prepare_cached("SELECT state, up_to_seq FROM snapshots WHERE board_id = ?1")?
            .query_row([board], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let up_to_seq = snapshot.as_ref().map_or(0, |(_, seq)| *seq);
        let updates = tx
            .prepare_cached(
                "SELECT bytes FROM updates WHERE board_id = ?1 AND seq > ?2 ORDER BY seq",
            )?
            .query_map(params![board, up_to_seq], |row| row.get(0))?
            .collect::<Result<Vec<Vec<u8>>, _>>()?;
        tx.finish()?;
        Ok(LoadedBoard {
            snapshot: snapshot.map(|(state, _)| state),
            updates,
            last_seq,
        })
    }

    /// Local updates not yet acknowledged by the server, in seq order, with their exact bytes.
    pub fn outbox(&self, board: &str) -> Result<Vec<(Seq, Vec<u8>)>, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        require_board(&tx, board)?;
        let entries = tx
            .prepare_cached(
                "SELECT u.seq, u.bytes FROM outbox o
                 JOIN updates u ON u.board_id = o.board_id AND u.seq = o.seq
                 WHERE o.board_id = ?1 ORDER BY o.seq",
            )?
            .query_map([board], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<Vec<(Seq, Vec<u8>)>, _>>()?;
        tx.finish()?;
        Ok(entries)
    }

    /// Number of entries in the outbox.
    pub fn pending_count(&self, board: &str) -> Result<u64, StoreError> {
        require_board(&self.conn, board)?;
        let count: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM outbox WHERE board_id = ?1")?
            .query_row([board], |row| row.get(0))?;
        Ok(to_u64(count))
    }

    /// Removes the given seqs from the outbox (unknown or already acknowledged seqs are
    /// ignored), and drops their log rows if compaction only kept them for the outbox.
    pub fn acknowledge(&mut self, board: &str, seqs: &[Seq]) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        require_board(&tx, board)?;
        {
            let mut remove_from_outbox =
                tx.prepare_cached("DELETE FROM outbox WHERE board_id = ?1 AND seq = ?2")?;
            let mut remove_folded = tx.prepare_cached(
                "DELETE FROM updates WHERE board_id = ?1 AND seq = ?2
                 AND seq <= (SELECT up_to_seq FROM snapshots WHERE board_id = ?1)",
            )?;
            for seq in seqs {
                remove_from_outbox.execute(params![board, seq])?;
                remove_folded.execute(params![board, seq])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Folds the snapshot and every update after it into a new snapshot, in one transaction,
    /// then deletes the folded log rows except those still in the outbox (their bytes must
    /// reach the server; `load_board` skips them because they are covered by the snapshot).
    ///
    /// A stored update that does not decode gives [`StoreError::CorruptUpdate`] and changes
    /// nothing.
    pub fn compact(&mut self, board: &str) -> Result<CompactionReport, StoreError> {
        let tx = self.write_transaction()?;
        require_board(&tx, board)?;
        let snapshot: Option<(Vec<u8>, Seq)> = tx
            .prepare_cached("SELECT state, up_to_seq FROM snapshots WHERE board_id = ?1")?
            .query_row([board], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let old_up_to_seq = snapshot.as_ref().map_or(0, |(_, seq)| *seq);
        let tail = tx
            .prepare_cached(
                "SELECT seq, bytes FROM updates WHERE board_id = ?1 AND seq > ?2 ORDER BY seq",
            )?
            .query_map(params![board, old_up_to_seq], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<Result<Vec<(Seq, Vec<u8>)>, _>>()?;
        let Some(&(new_up_to_seq, _)) = tail.last() else {
            return Ok(CompactionReport {
                folded_updates: 0,
                snapshot_bytes: snapshot.map_or(0, |(state, _)| state.len() as u64),
                up_to_seq: old_up_to_seq,
            });
        };
        let pieces = snapshot
            .iter()
            .map(|(state, seq)| (*seq, state.as_slice()))
            .chain(tail.iter().map(|(seq, bytes)| (*seq, bytes.as_slice())));
        let folded =
            sync_protocol::fold::fold_updates(pieces).map_err(|failure| match failure {
                sync_protocol::fold::FoldFailure::Corrupt(e) => StoreError::CorruptUpdate {
                    board: board.to_owned(),
                    seq: e.seq,
                    detail: e.detail,
                },
                sync_protocol::fold::FoldFailure::Incomplete { detail } => {
                    StoreError::IncompleteHistory {
                        board: board.to_owned(),
                        detail,
                    }
                }
            })?;
        tx.prepare_cached(
            "INSERT INTO snapshots (board_id, state, state_vector, up_to_seq, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (board_id) DO UPDATE SET state = excluded.state,
                 state_vector = excluded.state_vector, up_to_seq = excluded.up_to_seq,
                 created_at = excluded.created_at",
        )?
        .execute(params![
            board,
            folded.state,
            folded.state_vector,
            new_up_to_seq,
            now_ms()
        ])?;
        tx.prepare_cached(
            "DELETE FROM updates WHERE board_id = ?1 AND seq <= ?2
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.board_id = ?1 AND o.seq = updates.seq)",
        )?
        .execute(params![board, new_up_to_seq])?;
        tx.commit()?;
        Ok(CompactionReport {
            folded_updates: tail.len() as u64,
            snapshot_bytes: folded.state.len() as u64,
            up_to_seq: new_up_to_seq,
        })
    }

    /// Stores the board's undo history (an opaque blob owned by `board-model`), replacing any.
    pub fn save_undo_state(&mut self, board: &str, blob: &[u8]) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        require_board(&tx, board)?;
        upsert_undo_state(&tx, board, blob)?;
        tx.commit()?;
        Ok(())
    }

    pub fn load_undo_state(&self, board: &str) -> Result<Option<Vec<u8>>, StoreError> {
        require_board(&self.conn, board)?;
        Ok(self
            .conn
            .prepare_cached("SELECT blob FROM undo_state WHERE board_id = ?1")?
            .query_row([board], |row| row.get(0))
            .optional()?)
    }

    /// Number of updates in the log tail, i.e. after the snapshot: what `load_board` replays
    /// and what the next `compact` would fold.
    /// Log rows after the snapshot, from two primary-key lookups (seqs are allocated without
    /// gaps and only compaction deletes rows, so this equals `update_count` without the scan).
    pub fn tail_len(&self, board: &str) -> Result<u64, StoreError> {
        let tail: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT last_seq - coalesce((SELECT up_to_seq FROM snapshots WHERE board_id = ?1), 0)
                 FROM boards WHERE id = ?1",
            )?
            .query_row([board], |row| row.get(0))
            .optional()?;
        tail.map(to_u64)
            .ok_or_else(|| StoreError::UnknownBoard(board.to_owned()))
    }

    pub fn update_count(&self, board: &str) -> Result<u64, StoreError> {
        require_board(&self.conn, board)?;
        let count: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM updates WHERE board_id = ?1
                 AND seq > coalesce((SELECT up_to_seq FROM snapshots WHERE board_id = ?1), 0)",
            )?
            .query_row([board], |row| row.get(0))?;
        Ok(to_u64(count))
    }
}

fn board_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<BoardRecord> {
    Ok(BoardRecord {
        id: row.get(0)?,
        title: row.get(1)?,
        created_at_ms: row.get(2)?,
        server: row.get(3)?,
        role: row.get(4)?,
        last_synced_at_ms: row.get(5)?,
    })
}

/// The desktop app moves a `Store` into a blocking worker thread.
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<Store>();
};

fn upsert_undo_state(
    conn: &rusqlite::Connection,
    board: &str,
    blob: &[u8],
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO undo_state (board_id, blob, saved_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (board_id) DO UPDATE SET blob = excluded.blob, saved_at = excluded.saved_at",
    )?
    .execute(params![board, blob, now_ms()])?;
    Ok(())
}
