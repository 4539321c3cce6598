//! A board from the store as a live `board_model::Board`, and saving what it did: the one path
//! by which `tackctl` and the desktop app turn a local edit into durable bytes.

use board_model::{Board, ReplicaConfig};

use crate::{BoardRecord, IndexDelta, Store, StoreError, UpdateOrigin};

/// Past this many log rows after the snapshot, saving also compacts the board.
pub const COMPACT_AFTER_UPDATES: u64 = 2_000;

/// Creates a board and stores its first state (in the outbox) before returning it.
pub fn create_board(
    store: &mut Store,
    id: &str,
    title: &str,
    config: ReplicaConfig,
) -> Result<Board, StoreError> {
    let mut board = Board::create(id, title, config)?;
    let first = single_update(board.take_local_updates())?;
    let record = BoardRecord {
        id: id.to_owned(),
        title: board.title(),
        created_at_ms: board.view().created_at,
        server: None,
        role: None,
        last_synced_at_ms: None,
    };
    let index = IndexDelta::whole(&mut board);
    store.create_board_indexed(&record, UpdateOrigin::Local, &first, &index)?;
    board.take_changes();
    board.take_history();
    Ok(board)
}

/// Stores a board made whole in memory (an import) as a new board: its whole state as the
/// first update, in one transaction, so a failure leaves nothing behind.
pub fn store_new_board(store: &mut Store, board: &mut Board) -> Result<(), StoreError> {
    board.take_local_updates();
    let view = board.view();
    let record = BoardRecord {
        id: board.id().to_owned(),
        title: view.title,
        created_at_ms: view.created_at,
        server: None,
        role: None,
        last_synced_at_ms: None,
    };
    let index = IndexDelta::whole(board);
    store.create_board_indexed(&record, UpdateOrigin::Local, &board.encode_state(), &index)?;
    board.take_changes();
    Ok(())
}

/// A new board made from an imported plan (`board-import`), stored as one update in one
/// transaction, so a plan that does not build leaves nothing behind. People the file names
/// are matched exactly to `people` (a new board's: me alone), and comments by anyone else are
/// written as mine with their author's name (`authorName`).
pub fn import_new_board(
    store: &mut Store,
    id: &str,
    plan: &board_import::Plan,
    config: ReplicaConfig,
    people: &crate::Directory,
) -> Result<(Board, board_import::ImportReport), StoreError> {
    let importer = people
        .entries()
        .iter()
        .find(|e| e.me)
        .map(|e| e.user_id.clone())
        .unwrap_or_default();
    let mut board = Board::create(id, &plan.title, config)?;
    let report = board_import::build(
        &mut board,
        plan,
        board_import::BuildOptions {
            importer: &importer,
            reuse_by_name: false,
        },
        |person: &board_import::Person| {
            people.find_exact(person.names()).map(|e| e.user_id.clone())
        },
    )?;
    store_new_board(store, &mut board)?;
    Ok((board, report))
}

/// Adds an imported plan's tasks to an existing board as one undo step (the caller saves it,
/// so it is one durable step too): columns and labels of the same name (case-insensitive) are reused, people
/// matched exactly to the board's `people`, comments by anyone else written as mine with their
/// author's name.
pub fn import_into(
    board: &mut Board,
    plan: &board_import::Plan,
    people: &crate::Directory,
) -> Result<board_import::ImportReport, StoreError> {
    let importer = people
        .entries()
        .iter()
        .find(|e| e.me)
        .map(|e| e.user_id.clone())
        .unwrap_or_default();
    let built = board.in_one_step(|board| {
        Ok(board_import::build(
            board,
            plan,
            board_import::BuildOptions {
                importer: &importer,
                reuse_by_name: true,
            },
            |person: &board_import::Person| {
                people.find_exact(person.names()).map(|e| e.user_id.clone())
            },
        ))
    })?;
    Ok(built?)
}

/// Loads a board: snapshot, log tail and the undo history saved with it.
pub fn open_board(store: &Store, id: &str, config: ReplicaConfig) -> Result<Board, StoreError> {
    build_board(read_board(store, id)?, config)
}

/// What a board's replica is built from, read from the store in one go: building it
/// ([`build_board`]) needs no store, so a caller can let go of the store meanwhile.
#[derive(Debug)]
pub struct StoredBoard {
    id: String,
    loaded: crate::LoadedBoard,
    undo: Option<Vec<u8>>,
}

/// Reads what [`build_board`] needs (fast: rows, no decoding).
pub fn read_board(store: &Store, id: &str) -> Result<StoredBoard, StoreError> {
    Ok(StoredBoard {
        id: id.to_owned(),
        loaded: store.load_board(id)?,
        undo: store.load_undo_state(id)?,
    })
}

impl StoredBoard {
    /// The board's `last_seq` when it was read (see [`Store::last_seq`]).
    pub fn last_seq(&self) -> crate::Seq {
        self.loaded.last_seq
    }
}

/// Builds the replica from what [`read_board`] read (the slow part of opening a board).
pub fn build_board(stored: StoredBoard, config: ReplicaConfig) -> Result<Board, StoreError> {
    let StoredBoard { id, loaded, undo } = stored;
    let pieces = || {
        loaded
            .snapshot
            .iter()
            .chain(loaded.updates.iter())
            .map(Vec::as_slice)
    };
    let board = match Board::load(&id, pieces(), undo.as_deref(), config.clone()) {
        Ok(board) => board,
        // Undo history is a convenience; a damaged one must not keep the board closed.
        Err(board_model::ModelError::BadUndoState(_)) => Board::load(&id, pieces(), None, config)?,
        Err(e) => return Err(e.into()),
    };
    Ok(board)
}

/// Refuses with [`StoreError::ReadOnly`] when my recorded access to the board does not let me
/// edit it (a board never shared is mine to edit). Clients call it before an edit; saving
/// checks it again.
pub fn ensure_writable(store: &Store, board_id: &str) -> Result<(), StoreError> {
    match store.board(board_id)?.and_then(|record| record.access()) {
        Some(access) if !access.can_write() => Err(StoreError::ReadOnly {
            board: board_id.to_owned(),
            access,
        }),
        _ => Ok(()),
    }
}

/// Makes everything the replica did since the last save durable (updates, undo history, title
/// cache) in one transaction; returns how many updates were written. A board I may not edit
/// gets [`StoreError::ReadOnly`] and nothing is written: the caller's replica is then ahead of
/// the store and must be dropped (reopened from the store).
pub fn save_local_changes(store: &mut Store, board: &mut Board) -> Result<usize, StoreError> {
    ensure_writable(store, board.id())?;
    let updates = board.take_local_updates();
    if updates.is_empty() {
        return Ok(0);
    }
    let undo = board.undo_state();
    let title = board.title();
    let history = board.take_history();
    let index = IndexDelta::of_changes(board);
    store.append_local_batch(
        board.id(),
        &updates,
        Some(&undo),
        Some(&title),
        &history,
        Some(&index),
    )?;
    refresh_board_reminders(store, board)?;
    if store.tail_len(board.id())? > COMPACT_AFTER_UPDATES {
        match store.compact(board.id()) {
            Ok(_) | Err(StoreError::IncompleteHistory { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(updates.len())
}

/// A fresh board's creation is one transaction, so one update; merge defensively anyway.
fn single_update(mut updates: Vec<Vec<u8>>) -> Result<Vec<u8>, StoreError> {
    if updates.len() == 1 {
        return Ok(updates.remove(0));
    }
    sync_protocol::guard::merge_updates(updates.iter().map(Vec::as_slice))
        .map_err(|e| board_model::ModelError::BadUpdate(e.to_string()).into())
}

/// Brings my reminders of a board's tasks up to date with the replica (a due changed, a title
/// changed, a task went): one indexed query when the board has none. Every local save calls
/// it; the app calls it after remote updates too.
pub fn refresh_board_reminders(store: &mut Store, board: &Board) -> Result<usize, StoreError> {
    store.refresh_reminders(
        board.id(),
        |task| {
            // An archived task's reminder waits, silent, in case it comes back.
            board.task(task).map(|task| crate::RemindedTask {
                due: task.due.filter(|_| !task.archived),
                title: task.title,
            })
        },
        crate::now_ms(),
        crate::local_time::local_offset_at,
    )
}
