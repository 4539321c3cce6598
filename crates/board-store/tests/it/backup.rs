//! Backup while another connection writes, and restore: what is refused, what is kept.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

use board_model::{NewTask, Place, ReplicaConfig, Sources};
use board_store::{replica, restore_from, Existing, Store, StoreError, DB_FILE_NAME};

use crate::support::temp_store;

const BOARD: &str = "0190a000-0000-7000-8000-0000000bac0b";
const OTHER_BOARD: &str = "0190a000-0000-7000-8000-0000000bac0c";
/// Saves the writer thread has reported before the backup starts.
const SAVES_BEFORE_BACKUP: usize = 40;

fn config(seed: u64) -> ReplicaConfig {
    ReplicaConfig {
        user: "me".into(),
        sources: Sources::seeded(seed, 1_700_000_000_000),
    }
}

fn titles(store: &Store, board: &str) -> BTreeSet<String> {
    let board = replica::open_board(store, board, config(99)).expect("open board");
    board.view().tasks().map(|t| t.title.clone()).collect()
}

fn outbox_seqs(store: &Store, board: &str) -> BTreeSet<i64> {
    store
        .outbox(board)
        .expect("outbox")
        .into_iter()
        .map(|(seq, _)| seq)
        .collect()
}

/// A store with two boards, one task each.
fn seeded_store(path: &Path) -> Store {
    let mut store = Store::open(path).expect("open store");
    for (id, title) in [(BOARD, "Busy"), (OTHER_BOARD, "Quiet")] {
        let mut board =
            replica::create_board(&mut store, id, title, config(1)).expect("create board");
        let column = board
            .add_column("Todo", None, Place::Bottom)
            .expect("add column");
        board
            .add_task(
                &column,
                &format!("{title} seed"),
                Place::Bottom,
                NewTask::default(),
            )
            .expect("add task");
        replica::save_local_changes(&mut store, &mut board).expect("save");
    }
    store
}

#[test]
fn a_backup_taken_while_another_store_writes_restores_everything_committed_before_it() {
    let (dir, path, store) = temp_store();
    drop(store);
    let store = seeded_store(&path);

    // The writer: a second `Store` on the same file saving one task per operation, reporting
    // each title only after `save_local_changes` returned (committed and durable).
    let stop = Arc::new(AtomicBool::new(false));
    let (saved_tx, saved_rx) = mpsc::channel::<String>();
    let writer = {
        let path = path.clone();
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut store = Store::open(&path).unwrap();
            let mut board = replica::open_board(&store, BOARD, config(2)).unwrap();
            let column = board.view().columns[0].id.clone();
            let mut n = 0u32;
            while !stop.load(Ordering::SeqCst) && n < 100_000 {
                let title = format!("written {n}");
                board
                    .add_task(&column, &title, Place::Bottom, NewTask::default())
                    .unwrap();
                replica::save_local_changes(&mut store, &mut board).unwrap();
                if saved_tx.send(title).is_err() {
                    break;
                }
                n += 1;
            }
        })
    };

    let mut committed: BTreeSet<String> = BTreeSet::new();
    while committed.len() < SAVES_BEFORE_BACKUP {
        committed.insert(saved_rx.recv().expect("writer stopped early"));
    }
    committed.extend(saved_rx.try_iter());
    let outbox_before = outbox_seqs(&store, BOARD);
    let backup = dir.path().join("profile.tackbackup");
    let report = store.backup_to(&backup, Existing::Refuse).unwrap();
    // The writer must still be going: the backup really raced it.
    let after: Vec<String> = (0..5).map(|_| saved_rx.recv().unwrap()).collect();
    stop.store(true, Ordering::SeqCst);
    drop(saved_rx);
    writer.join().unwrap();

    assert_eq!(report.boards, 2);
    assert_eq!(report.bytes, std::fs::metadata(&backup).unwrap().len());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    let profile = tempfile::tempdir().unwrap();
    let restored = restore_from(&backup, profile.path(), Existing::Refuse).unwrap();
    assert_eq!(restored.boards, 2);
    assert_eq!(restored.previous, None);
    let restored_store = Store::open_in_dir(profile.path()).unwrap();
    restored_store.check_integrity().unwrap();
    let boards: Vec<String> = restored_store
        .list_boards()
        .unwrap()
        .into_iter()
        .map(|b| b.title)
        .collect();
    assert_eq!(boards, ["Busy", "Quiet"]);
    let restored_titles = titles(&restored_store, BOARD);
    let missing: Vec<&String> = committed.difference(&restored_titles).collect();
    assert!(
        missing.is_empty(),
        "committed before the backup, lost: {missing:?}"
    );
    assert!(restored_titles.contains("Busy seed"));
    assert!(
        !restored_titles.contains(&after[4]),
        "a task saved after the backup returned is in it"
    );
    assert_eq!(
        titles(&restored_store, OTHER_BOARD),
        BTreeSet::from(["Quiet seed".to_owned()])
    );
    let restored_outbox = outbox_seqs(&restored_store, BOARD);
    assert!(
        outbox_before.is_subset(&restored_outbox),
        "outbox entries lost: {:?}",
        outbox_before
            .difference(&restored_outbox)
            .collect::<Vec<_>>()
    );
    // Consistent, not torn: every stored update is in the outbox and loads.
    assert_eq!(
        restored_store.load_board(BOARD).unwrap().last_seq,
        *restored_outbox.last().unwrap()
    );
}

#[test]
fn backup_refuses_to_overwrite_an_existing_file_unless_asked() {
    let (dir, path, store) = temp_store();
    drop(store);
    let store = seeded_store(&path);
    let target = dir.path().join("existing.bak");
    std::fs::write(&target, b"keep me").unwrap();

    let err = store.backup_to(&target, Existing::Refuse).unwrap_err();
    assert!(matches!(err, StoreError::WouldOverwrite { .. }), "{err}");
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    // Nor over the store itself, even when asked.
    let err = store.backup_to(&path, Existing::Replace).unwrap_err();
    assert!(matches!(err, StoreError::WouldOverwrite { .. }), "{err}");

    let report = store.backup_to(&target, Existing::Replace).unwrap();
    assert_eq!(report.boards, 2);
    let copy = Store::open(&target).unwrap();
    assert_eq!(copy.list_boards().unwrap().len(), 2);
}

#[test]
fn restore_refuses_an_existing_store_without_replace_and_keeps_it_with_replace() {
    let source_dir = tempfile::tempdir().unwrap();
    let source = seeded_store(&source_dir.path().join(DB_FILE_NAME));
    let backup = source_dir.path().join("backup.tack");
    source.backup_to(&backup, Existing::Refuse).unwrap();

    let profile = tempfile::tempdir().unwrap();
    let current_path = profile.path().join(DB_FILE_NAME);
    {
        let mut current = Store::open(&current_path).unwrap();
        replica::create_board(
            &mut current,
            "0190a000-0000-7000-8000-0000000bac0d",
            "Mine",
            config(3),
        )
        .unwrap();
    }
    let before = std::fs::read(&current_path).unwrap();

    let err = restore_from(&backup, profile.path(), Existing::Refuse).unwrap_err();
    assert!(matches!(err, StoreError::WouldOverwrite { .. }), "{err}");
    assert_eq!(std::fs::read(&current_path).unwrap(), before);

    // While another connection has the store open (the app running), even Replace refuses.
    let running = Store::open(&current_path).unwrap();
    let err = restore_from(&backup, profile.path(), Existing::Replace).unwrap_err();
    assert!(matches!(err, StoreError::InUse { .. }), "{err}");
    assert_eq!(running.list_boards().unwrap()[0].title, "Mine");
    drop(running);

    let report = restore_from(&backup, profile.path(), Existing::Replace).unwrap();
    let kept = report.previous.expect("the replaced store is kept");
    assert!(kept
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("tack.sqlite3.before-restore-"));
    let restored = Store::open(&current_path).unwrap();
    let titles: Vec<String> = restored
        .list_boards()
        .unwrap()
        .into_iter()
        .map(|b| b.title)
        .collect();
    assert_eq!(titles, ["Busy", "Quiet"]);
    // The kept file is whole on its own (its WAL was folded in before it was moved).
    let kept_store = Store::open(&kept).unwrap();
    assert_eq!(kept_store.list_boards().unwrap()[0].title, "Mine");
    let names: BTreeSet<String> = std::fs::read_dir(profile.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains("restoring")),
        "staging files left: {names:?}"
    );
}

#[test]
fn foreign_garbage_and_truncated_backups_are_refused_and_the_store_is_untouched() {
    let source_dir = tempfile::tempdir().unwrap();
    let source = seeded_store(&source_dir.path().join(DB_FILE_NAME));
    let backup = source_dir.path().join("backup.tack");
    source.backup_to(&backup, Existing::Refuse).unwrap();
    let whole = std::fs::read(&backup).unwrap();

    let garbage = source_dir.path().join("garbage");
    std::fs::write(
        &garbage,
        b"this is not a database at all, just some text.\n".repeat(100),
    )
    .unwrap();
    let truncated = source_dir.path().join("truncated");
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let empty = source_dir.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    let foreign = source_dir.path().join("foreign.sqlite");
    {
        let conn = rusqlite::Connection::open(&foreign).unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
            .unwrap();
    }
    let blank = source_dir.path().join("blank.sqlite");
    {
        let conn = rusqlite::Connection::open(&blank).unwrap();
        conn.execute_batch("PRAGMA user_version = 0; VACUUM;")
            .unwrap();
    }
    let newer = source_dir.path().join("newer.tack");
    std::fs::write(&newer, &whole).unwrap();
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.pragma_update(None, "user_version", board_store::SCHEMA_VERSION + 1)
            .unwrap();
    }

    let profile = tempfile::tempdir().unwrap();
    let current_path = profile.path().join(DB_FILE_NAME);
    {
        let mut current = Store::open(&current_path).unwrap();
        replica::create_board(
            &mut current,
            "0190a000-0000-7000-8000-0000000bac0e",
            "Mine",
            config(4),
        )
        .unwrap();
    }
    let before = std::fs::read(&current_path).unwrap();
    let listing = |dir: &Path| -> BTreeSet<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let files_before = listing(profile.path());

    for (bad, expected) in [
        (&garbage, "not a Tack data file"),
        (&truncated, "damaged"),
        (&empty, "not a Tack data file"),
        (&foreign, "not a Tack data file"),
        (&blank, "not a Tack data file"),
        (&newer, "newer version of Tack"),
    ] {
        let err = restore_from(bad, profile.path(), Existing::Replace).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(expected) && text.contains(&*bad.to_string_lossy()),
            "{}: {text}",
            bad.display()
        );
        assert_eq!(
            std::fs::read(&current_path).unwrap(),
            before,
            "{}",
            bad.display()
        );
        assert_eq!(listing(profile.path()), files_before, "{}", bad.display());
    }
    let current = Store::open(&current_path).unwrap();
    assert_eq!(current.list_boards().unwrap()[0].title, "Mine");
}

#[test]
fn a_failed_backup_leaves_nothing_under_the_target_name() {
    let (dir, path, store) = temp_store();
    drop(store);
    let store = seeded_store(&path);
    // The copy is made, then renaming it onto a directory fails: the last step that can.
    let target = dir.path().join("a-directory");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("inside"), b"untouched").unwrap();
    let before: BTreeSet<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();

    let err = store.backup_to(&target, Existing::Replace).unwrap_err();
    assert!(matches!(err, StoreError::Io { .. }), "{err}");
    assert!(target.is_dir());
    assert_eq!(std::fs::read(target.join("inside")).unwrap(), b"untouched");
    let after: BTreeSet<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(after, before, "the temporary copy was removed");
}

#[test]
fn stale_journal_files_of_a_missing_store_never_meet_the_restored_one() {
    let source_dir = tempfile::tempdir().unwrap();
    let source = seeded_store(&source_dir.path().join(DB_FILE_NAME));
    let backup = source_dir.path().join("backup.tack");
    source.backup_to(&backup, Existing::Refuse).unwrap();

    let profile = tempfile::tempdir().unwrap();
    let stale_wal = profile.path().join(format!("{DB_FILE_NAME}-wal"));
    std::fs::write(&stale_wal, b"left behind by a store deleted by hand").unwrap();

    let report = restore_from(&backup, profile.path(), Existing::Refuse).unwrap();
    assert_eq!(report.previous, None);
    assert!(!stale_wal.exists());
    let kept: Vec<String> = std::fs::read_dir(profile.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("before-restore-") && name.ends_with("-wal"))
        .collect();
    assert_eq!(kept.len(), 1, "the stale WAL is kept aside, not deleted");
    let restored = Store::open_in_dir(profile.path()).unwrap();
    restored.check_integrity().unwrap();
    assert_eq!(restored.list_boards().unwrap().len(), 2);
    assert_eq!(
        titles(&restored, BOARD),
        BTreeSet::from(["Busy seed".to_owned()])
    );
}
