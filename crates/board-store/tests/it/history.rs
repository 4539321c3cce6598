//! My task history in the store: written with each saved operation, paged newest first, kept
//! through compaction, "not synced yet" until the relay acknowledges it, and migrated into an
//! older store.

use board_model::{FieldValue, HistoryField, NewTask, Place, ReplicaConfig, Sources};
use board_store::{replica, Store, APPLICATION_ID};

use crate::support::temp_store;

const BOARD: &str = "0190a000-0000-7000-8000-00000000b0a4";

fn config() -> ReplicaConfig {
    ReplicaConfig {
        user: "me".into(),
        sources: Sources::seeded(7, 1_700_000_000_000),
    }
}

#[test]
fn each_saved_operation_is_history_kept_through_compaction_and_acknowledged_by_the_relay() {
    let (_dir, _path, mut store) = temp_store();
    let mut board = replica::create_board(&mut store, BOARD, "Board", config()).unwrap();
    let column = board.add_column("Todo", None, Place::Bottom).unwrap();
    replica::save_local_changes(&mut store, &mut board).unwrap();
    let task = board
        .add_task(&column, "t0", Place::Bottom, NewTask::default())
        .unwrap();
    replica::save_local_changes(&mut store, &mut board).unwrap();
    for n in 1..=30 {
        board.set_task_title(&task, &format!("t{n}")).unwrap();
        replica::save_local_changes(&mut store, &mut board).unwrap();
    }

    let page = store.task_history(BOARD, &task, None, 10).unwrap();
    let titles: Vec<String> = page
        .iter()
        .map(|c| match &c.value {
            FieldValue::Text(t) => t.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        titles,
        (21..=30).rev().map(|n| format!("t{n}")).collect::<Vec<_>>()
    );
    assert!(page
        .iter()
        .all(|c| c.field == HistoryField::Title && c.task == task));
    let next = store
        .task_history(BOARD, &task, page.last().map(|c| c.id), 100)
        .unwrap();
    assert_eq!(next.len(), 21, "20 more titles and the creation");
    assert_eq!(next.last().unwrap().field, HistoryField::Created);
    assert_eq!(next.last().unwrap().value, FieldValue::Text("t0".into()));

    // Compaction folds the log; history stays.
    store.compact(BOARD).unwrap();
    assert_eq!(
        store.task_history(BOARD, &task, None, 500).unwrap().len(),
        31
    );

    // Until the relay acknowledges an update, its changes are not synced.
    assert!(store
        .task_history(BOARD, &task, None, 500)
        .unwrap()
        .iter()
        .all(|c| !c.acknowledged));
    let seqs: Vec<i64> = store
        .outbox(BOARD)
        .unwrap()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    store.acknowledge(BOARD, &seqs).unwrap();
    assert!(store
        .task_history(BOARD, &task, None, 500)
        .unwrap()
        .iter()
        .all(|c| c.acknowledged));

    // One change by id, for restore; and what restore does is history too.
    let first_title = board_store::LocalChange {
        acknowledged: true,
        ..next[next.len() - 2].clone()
    };
    assert_eq!(
        store.task_change(BOARD, first_title.id).unwrap(),
        Some(first_title.clone())
    );
    board
        .restore_field(&task, first_title.field, &first_title.value)
        .unwrap();
    replica::save_local_changes(&mut store, &mut board).unwrap();
    let newest = &store.task_history(BOARD, &task, None, 1).unwrap()[0];
    assert_eq!(newest.value, FieldValue::Text("t1".into()));
    assert!(!newest.acknowledged);

    // A teammate's change is not mine: it never enters my history.
    let before = store.task_history(BOARD, &task, None, 500).unwrap().len();
    let mut theirs = replica::open_board(
        &store,
        BOARD,
        ReplicaConfig {
            user: "them".into(),
            sources: Sources::seeded(8, 1_700_000_000_000),
        },
    )
    .unwrap();
    theirs.set_task_title(&task, "theirs").unwrap();
    let update = theirs.take_local_updates().concat();
    board.apply_remote_update(&update).unwrap();
    store
        .append_update(BOARD, board_store::UpdateOrigin::Remote, &update)
        .unwrap();
    board.set_due(&task, Some("2026-12-24")).unwrap();
    replica::save_local_changes(&mut store, &mut board).unwrap();
    let after = store.task_history(BOARD, &task, None, 500).unwrap();
    assert_eq!(after.len(), before + 1);
    assert_eq!(after[0].field, HistoryField::Due);

    // Deleting the board deletes its history.
    store.delete_board(BOARD).unwrap();
    assert!(store.task_history(BOARD, &task, None, 10).is_err());
}

#[test]
fn a_version_2_store_gains_an_empty_history() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join(board_store::DB_FILE_NAME);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../../src/migrations/0001_initial.sql"))
            .unwrap();
        conn.execute_batch(include_str!("../../src/migrations/0002_people.sql"))
            .unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute(
            "INSERT INTO boards (id, title, created_at) VALUES ('old', 'Old board', 5)",
            [],
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert!(store
        .task_history("old", "any", None, 10)
        .unwrap()
        .is_empty());
}
