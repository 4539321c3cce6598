//! `tackctl backup` and `tackctl restore` through the binary: a backup taken while another
//! program writes, and every refusal leaving the store as it was.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

use board_model::{NewTask, Place, ReplicaConfig};
use board_store::{replica, Store};

use crate::Ctl;

/// Saves the writer reports before `tackctl backup` starts.
const SAVES_BEFORE_BACKUP: usize = 30;

fn task_titles(ctl: &Ctl, board: &str) -> BTreeSet<String> {
    let view = ctl.json(&["board", "show", board, "--json"]);
    view["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .flat_map(|c| c["tasks"].as_array().expect("tasks").iter())
        .map(|t| t["title"].as_str().expect("title").to_owned())
        .collect()
}

fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_backup_while_another_program_writes_restores_every_committed_change() {
    let ctl = Ctl::new();
    let board = ctl.ok(&["board", "create", "Busy"]);
    ctl.ok(&["column", "add", "busy", "To do"]);
    ctl.ok(&["board", "create", "Quiet"]);
    ctl.ok(&["task", "add", "busy", "to do", "Before everything"]);

    // The "desktop app": a second store on the same file, saving a task per operation and
    // reporting each title once `save_local_changes` returned.
    let stop = Arc::new(AtomicBool::new(false));
    let (saved_tx, saved_rx) = mpsc::channel::<String>();
    let writer = {
        let dir = ctl.dir.path().to_path_buf();
        let stop = Arc::clone(&stop);
        let board = board.clone();
        std::thread::spawn(move || {
            let mut store = Store::open_in_dir(&dir).expect("writer store");
            let mut live =
                replica::open_board(&store, &board, ReplicaConfig::default()).expect("board");
            let column = live.view().columns[0].id.clone();
            let mut n = 0u32;
            while !stop.load(Ordering::SeqCst) && n < 100_000 {
                let title = format!("written {n}");
                live.add_task(&column, &title, Place::Bottom, NewTask::default())
                    .expect("add task");
                replica::save_local_changes(&mut store, &mut live).expect("save");
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
    let pending_before = {
        let store = Store::open_in_dir(ctl.dir.path()).expect("store");
        store.pending_count(&board).expect("pending")
    };

    let backup = ctl.dir.path().join("profile.tack-backup");
    let backup_arg = backup.to_str().expect("utf-8 path");
    let line = ctl.ok(&["backup", backup_arg]);
    stop.store(true, Ordering::SeqCst);
    drop(saved_rx);
    writer.join().expect("writer");
    assert!(
        line.starts_with("backed up 2 boards to ") && line.ends_with("KiB)"),
        "{line}"
    );

    let elsewhere = Ctl::new();
    let line = elsewhere.ok(&["restore", backup_arg]);
    assert!(line.starts_with("restored 2 boards ("), "{line}");
    assert!(!line.contains("previous store"), "{line}");
    let titles = task_titles(&elsewhere, "busy");
    let missing: Vec<&String> = committed.difference(&titles).collect();
    assert!(
        missing.is_empty(),
        "committed before the backup, lost: {missing:?}"
    );
    assert!(titles.contains("Before everything"));
    let store = Store::open_in_dir(elsewhere.dir.path()).expect("restored store");
    let pending = store.pending_count(&board).expect("pending");
    assert!(
        pending >= pending_before,
        "outbox entries lost: {pending} < {pending_before}"
    );
    let status = elsewhere.json(&["status", "--json"]);
    assert_eq!(status.as_array().expect("boards").len(), 2, "{status}");
}

#[test]
fn restore_asks_for_force_keeps_the_replaced_store_and_refuses_bad_files() {
    let source = Ctl::new();
    source.ok(&["board", "create", "From backup"]);
    let backup = source.dir.path().join("backup.tack");
    let backup_arg = backup.to_str().expect("utf-8 path");
    source.ok(&["backup", backup_arg]);
    // Backup never overwrites silently.
    let err = source.fails(&["backup", backup_arg]);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    source.ok(&["backup", backup_arg, "--force"]);

    let ctl = Ctl::new();
    ctl.ok(&["board", "create", "Mine"]);
    let store_file = ctl.dir.path().join("tack.sqlite3");
    let before = std::fs::read(&store_file).expect("read store");
    let files_before = listing(ctl.dir.path());

    let err = ctl.fails(&["restore", backup_arg]);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );

    let whole = std::fs::read(&backup).expect("read backup");
    let truncated = source.dir.path().join("truncated.tack");
    std::fs::write(&truncated, &whole[..whole.len() / 3]).expect("write");
    let garbage = source.dir.path().join("notes.txt");
    std::fs::write(&garbage, b"shopping list: eggs, milk\n".repeat(300)).expect("write");
    for (bad, expected) in [(&truncated, "damaged"), (&garbage, "not a Tack data file")] {
        let err = ctl.fails(&["restore", bad.to_str().expect("utf-8"), "--force"]);
        assert!(err.contains(expected), "{err}");
        assert_eq!(std::fs::read(&store_file).expect("read"), before);
        assert_eq!(listing(ctl.dir.path()), files_before);
    }
    assert_eq!(ctl.ok(&["board", "list"]).lines().count(), 1);

    // The app has the store open: even --force refuses rather than pull it from under it.
    let app = Store::open_in_dir(ctl.dir.path()).expect("the app's store");
    let err = ctl.fails(&["restore", backup_arg, "--force"]);
    assert!(err.contains("in use by another program"), "{err}");
    drop(app);
    assert_eq!(std::fs::read(&store_file).expect("read"), before);

    let line = ctl.ok(&["restore", backup_arg, "--force"]);
    assert!(line.contains("the previous store is kept as "), "{line}");
    let kept = line
        .rsplit("kept as ")
        .next()
        .expect("kept path")
        .to_owned();
    assert!(kept.contains("tack.sqlite3.before-restore-"), "{kept}");
    let boards = ctl.json(&["board", "list", "--json"]);
    assert_eq!(boards[0]["title"], "From backup", "{boards}");
    let kept_store = Store::open(Path::new(&kept)).expect("the kept store opens");
    assert_eq!(kept_store.list_boards().expect("boards")[0].title, "Mine");
}
