//! Compaction folds the log into a snapshot without losing outbox entries or any data.

use board_store::{Seq, Store, StoreError, UpdateOrigin};

use crate::support::{record, render, temp_store, Editor};

#[test]
fn compaction_keeps_unacknowledged_outbox_entries_and_state() {
    let (_dir, path, mut store) = temp_store();
    let mut local = Editor::new(1);
    let mut remote = Editor::new(7);
    store
        .create_board(&record("b", "Board", 1), &local.set("title", "Board"))
        .expect("create");
    for i in 0..20 {
        store
            .append_update("b", UpdateOrigin::Local, &local.set(&format!("l{i}"), "x"))
            .expect("local");
        store
            .append_update(
                "b",
                UpdateOrigin::Remote,
                &remote.set(&format!("r{i}"), "y"),
            )
            .expect("remote");
    }
    // Tombstones give the gc something to drop.
    for i in 0..5 {
        store
            .append_update("b", UpdateOrigin::Local, &local.remove(&format!("l{i}")))
            .expect("remove");
    }
    let acknowledged: Vec<Seq> = vec![1, 2, 4, 6];
    store.acknowledge("b", &acknowledged).expect("ack");
    let outbox_before = store.outbox("b").expect("outbox");
    let state_before = render(&store.load_board("b").expect("load"));
    assert_eq!(outbox_before.len(), 1 + 20 + 5 - acknowledged.len());
    assert_eq!(store.update_count("b").expect("count"), 46);

    let report = store.compact("b").expect("compact");
    assert_eq!(report.folded_updates, 46);
    assert_eq!(report.up_to_seq, 46);
    assert!(report.snapshot_bytes > 0);
    drop(store);

    let mut store = Store::open(&path).expect("reopen");
    assert_eq!(
        store.outbox("b").expect("outbox"),
        outbox_before,
        "byte-identical outbox"
    );
    for seq in &acknowledged {
        assert!(outbox_before.iter().all(|(s, _)| s != seq));
    }
    let loaded = store.load_board("b").expect("load");
    assert!(loaded.snapshot.is_some());
    assert!(
        loaded.updates.is_empty(),
        "outbox rows are not replayed on open"
    );
    assert_eq!(loaded.last_seq, 46);
    assert_eq!(render(&loaded), state_before);
    assert_eq!(store.update_count("b").expect("count"), 0);

    // Seqs keep increasing after compaction, and a second compaction folds snapshot + tail.
    let seq = store
        .append_update("b", UpdateOrigin::Local, &local.set("after", "z"))
        .expect("append after compaction");
    assert_eq!(seq, 47);
    let report = store.compact("b").expect("second compact");
    assert_eq!((report.folded_updates, report.up_to_seq), (1, 47));
    let mut expected = state_before.clone();
    expected.insert("after".into(), "z".into());
    assert_eq!(render(&store.load_board("b").expect("load")), expected);

    // Acknowledging everything empties the outbox; the state does not depend on it.
    let all: Vec<Seq> = store
        .outbox("b")
        .expect("outbox")
        .iter()
        .map(|(s, _)| *s)
        .collect();
    store.acknowledge("b", &all).expect("ack all");
    assert_eq!(store.pending_count("b").expect("pending"), 0);
    assert_eq!(render(&store.load_board("b").expect("load")), expected);

    // Nothing left to fold: a no-op that reports the current snapshot.
    let report = store.compact("b").expect("idle compact");
    assert_eq!((report.folded_updates, report.up_to_seq), (0, 47));
}

#[test]
fn corrupt_update_fails_compaction_and_changes_nothing() {
    let (_dir, _path, mut store) = temp_store();
    let mut editor = Editor::new(1);
    store
        .create_board(&record("b", "Board", 1), &editor.set("title", "Board"))
        .expect("create");
    store
        .append_update("b", UpdateOrigin::Remote, &editor.set("a", "1"))
        .expect("append");
    store.compact("b").expect("first compaction is fine");
    store
        .append_update("b", UpdateOrigin::Local, &editor.set("b", "2"))
        .expect("append");
    let corrupt_seq = store
        .append_update("b", UpdateOrigin::Remote, &[1, 2, 3, 250, 250, 250, 250])
        .expect("the store keeps bytes opaque on append");
    store
        .append_update("b", UpdateOrigin::Local, &editor.set("c", "3"))
        .expect("append");
    let loaded_before = store.load_board("b").expect("load");
    let outbox_before = store.outbox("b").expect("outbox");

    let error = store
        .compact("b")
        .expect_err("corrupt update must fail compaction");
    match &error {
        StoreError::CorruptUpdate { board, seq, .. } => {
            assert_eq!((board.as_str(), *seq), ("b", corrupt_seq));
        }
        other => panic!("expected CorruptUpdate, got {other:?}"),
    }
    assert!(
        error.to_string().contains(&format!("#{corrupt_seq}")),
        "{error}"
    );
    assert_eq!(store.load_board("b").expect("load"), loaded_before);
    assert_eq!(store.outbox("b").expect("outbox"), outbox_before);
    assert_eq!(store.update_count("b").expect("count"), 3);
    // The store is still writable after the rolled-back transaction.
    store
        .append_update("b", UpdateOrigin::Local, &editor.set("d", "4"))
        .expect("append after failed compaction");
}

/// A remote update stored ahead of the one it builds on must not be folded away: yrs would
/// drop it from the snapshot. Compaction refuses until the gap is filled, then keeps everything.
#[test]
fn compaction_waits_for_a_gap_in_the_log_to_fill() {
    let (_dir, _path, mut store) = temp_store();
    let mut local = Editor::new(1);
    let mut remote = Editor::new(7);
    store
        .create_board(&record("b", "Board", 1), &local.set("title", "Board"))
        .expect("create");
    let first = remote.set("a", "1");
    let second = remote.set("b", "2");
    let third = remote.set("c", "3");
    for update in [&first, &third] {
        store
            .append_update("b", UpdateOrigin::Remote, update)
            .expect("append");
    }
    let before = store.load_board("b").expect("load");
    let refused = store.compact("b");
    assert!(
        matches!(refused, Err(StoreError::IncompleteHistory { .. })),
        "{refused:?}"
    );
    let after = store.load_board("b").expect("load");
    assert_eq!(
        after.updates, before.updates,
        "a refused compaction changes nothing"
    );
    assert!(after.snapshot.is_none());

    store
        .append_update("b", UpdateOrigin::Remote, &second)
        .expect("append");
    store.compact("b").expect("compacts once the gap is filled");
    let state = render(&store.load_board("b").expect("load"));
    for key in ["title", "a", "b", "c"] {
        assert!(
            state.contains_key(key),
            "{key} lost by compaction: {state:?}"
        );
    }
}

#[test]
fn tail_length_matches_the_rows_after_the_snapshot() {
    let (_dir, _path, mut store) = temp_store();
    let mut local = Editor::new(1);
    store
        .create_board(&record("b", "Board", 1), &local.set("t", "v"))
        .expect("create");
    for i in 0..30 {
        store
            .append_update("b", UpdateOrigin::Local, &local.set(&format!("k{i}"), "v"))
            .expect("append");
        assert_eq!(
            store.tail_len("b").expect("tail"),
            store.update_count("b").expect("count")
        );
    }
    store.compact("b").expect("compact");
    assert_eq!(store.tail_len("b").expect("tail"), 0);
    store
        .append_update("b", UpdateOrigin::Local, &local.set("after", "v"))
        .expect("append");
    assert_eq!(store.tail_len("b").expect("tail"), 1);
    assert_eq!(store.update_count("b").expect("count"), 1);
    assert!(matches!(
        store.tail_len("nope"),
        Err(StoreError::UnknownBoard(_))
    ));
}
