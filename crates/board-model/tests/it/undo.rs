//! Undo is per replica: it reverts this replica's own edits and never a teammate's.

use board_model::{Board, NewTask, Place, ReplicaConfig, Sources};

/// Alice and Bob, both starting from the same board with empty undo stacks.
fn pair() -> (Board, Board, String, String) {
    let mut setup = Board::create(
        "0190a000-0000-7000-8000-0000000000aa",
        "Shared",
        ReplicaConfig {
            user: "setup".into(),
            sources: Sources::seeded(9, 1_000),
        },
    )
    .unwrap();
    let column = setup.add_column("To do", None, Place::Bottom).unwrap();
    let task = setup
        .add_task(&column, "Original", Place::Bottom, NewTask::default())
        .unwrap();
    let state = setup.encode_state();
    let replica = |user: &str, seed| {
        let config = ReplicaConfig {
            user: user.into(),
            sources: Sources::seeded(seed, 1_000),
        };
        Board::load(setup.id(), [state.as_slice()], None, config).unwrap()
    };
    (replica("alice", 1), replica("bob", 2), column, task)
}

fn exchange(a: &mut Board, b: &mut Board) {
    for update in a.take_local_updates() {
        b.apply_remote_update(&update).unwrap();
    }
    for update in b.take_local_updates() {
        a.apply_remote_update(&update).unwrap();
    }
}

#[test]
fn undo_reverts_only_my_field_not_a_concurrent_edit_of_another() {
    let (mut a, mut b, _, task) = pair();
    a.set_task_title(&task, "Alice's title").unwrap();
    b.set_description(&task, "Bob's notes").unwrap();
    exchange(&mut a, &mut b);
    assert!(a.undo());
    exchange(&mut a, &mut b);
    for replica in [&a, &b] {
        let t = replica.task(&task).unwrap();
        assert_eq!(t.title, "Original");
        assert_eq!(t.description, "Bob's notes");
    }
}

#[test]
fn undo_does_not_revert_a_later_overwrite_by_someone_else() {
    let (mut a, mut b, _, task) = pair();
    a.set_task_title(&task, "Alice's title").unwrap();
    exchange(&mut a, &mut b);
    b.set_task_title(&task, "Bob's title").unwrap();
    exchange(&mut a, &mut b);
    // Alice's only step was overwritten: there is nothing of hers left to undo.
    assert!(!a.undo());
    exchange(&mut a, &mut b);
    assert_eq!(a.task(&task).unwrap().title, "Bob's title");
    assert_eq!(b.task(&task).unwrap().title, "Bob's title");
}

#[test]
fn undo_of_text_keeps_concurrent_characters() {
    let (mut a, mut b, _, task) = pair();
    a.set_description(&task, "hello").unwrap();
    exchange(&mut a, &mut b);
    a.set_description(&task, "hello world").unwrap();
    b.set_description(&task, "oh, hello").unwrap();
    exchange(&mut a, &mut b);
    assert_eq!(a.task(&task).unwrap().description, "oh, hello world");
    a.undo();
    exchange(&mut a, &mut b);
    assert_eq!(a.task(&task).unwrap().description, "oh, hello");
    assert_eq!(b.task(&task).unwrap().description, "oh, hello");
}

#[test]
fn remote_changes_are_not_on_my_undo_stack() {
    let (mut a, mut b, column, _) = pair();
    b.add_task(&column, "Bob's task", Place::Bottom, NewTask::default())
        .unwrap();
    exchange(&mut a, &mut b);
    assert!(b.can_undo());
    assert!(!a.can_undo());
    assert!(!a.undo());
    assert_eq!(a.view().columns[0].tasks.len(), 2);
}

#[test]
fn undo_history_survives_a_reload() {
    let (mut a, _, column, task) = pair();
    a.set_task_title(&task, "Second").unwrap();
    a.move_task(&task, &column, Place::Top).unwrap();
    a.delete_task(&task).unwrap();
    let updates: Vec<Vec<u8>> = std::iter::once(a.encode_state()).collect();
    let blob = a.undo_state();
    let mut again = Board::load(
        a.id(),
        updates.iter().map(Vec::as_slice),
        Some(&blob),
        ReplicaConfig::default(),
    )
    .unwrap();
    assert!(again.task(&task).is_none());
    assert!(again.undo(), "the delete is undoable after reload");
    assert_eq!(again.task(&task).unwrap().title, "Second");
    assert!(again.undo());
    assert!(again.undo());
    assert_eq!(again.task(&task).unwrap().title, "Original");
    assert!(again.redo());
    assert_eq!(again.task(&task).unwrap().title, "Second");
    // Undo produced local updates to persist and send.
    assert!(!again.take_local_updates().is_empty());
}

#[test]
fn corrupt_undo_state_is_an_error_not_a_panic() {
    let (a, _, _, _) = pair();
    for blob in [
        &b"\x01\xff\xff\xff\xff\x0f"[..],
        b"\x07",
        b"",
        b"\x01\x01\x05abc",
    ] {
        let r = Board::load(
            a.id(),
            [a.encode_state().as_slice()],
            Some(blob),
            ReplicaConfig::default(),
        );
        assert!(r.is_err(), "blob {blob:?} should be rejected");
    }
}

#[test]
fn operations_run_in_one_step_undo_together_and_the_next_one_alone() {
    let config = board_model::ReplicaConfig {
        user: "u".into(),
        sources: board_model::Sources::seeded(41, 1_700_000_000_000),
    };
    let mut board =
        board_model::Board::create("0190a000-0000-7000-8000-0000000000d1", "B", config).unwrap();
    let todo = board
        .add_column("Todo", None, board_model::Place::Bottom)
        .unwrap();
    let before = board.view().render();
    board
        .in_one_step(|b| {
            let done = b.add_column("Done", None, board_model::Place::Bottom)?;
            let label = b.add_label("ops", None)?;
            for title in ["One", "Two", "Three"] {
                let extra = board_model::NewTask {
                    label_ids: vec![label.clone()],
                    ..Default::default()
                };
                b.add_task(&done, title, board_model::Place::Bottom, extra)?;
            }
            Ok(())
        })
        .unwrap();
    board
        .add_task(
            &todo,
            "After",
            board_model::Place::Bottom,
            Default::default(),
        )
        .unwrap();
    assert!(board.undo(), "the task added after");
    assert!(
        board.view().render().contains("Three"),
        "the group is still there"
    );
    assert!(board.undo(), "the whole group");
    assert_eq!(board.view().render(), before);
    assert!(board.labels().is_empty());
    assert!(board.redo());
    assert_eq!(board.column_task_ids(&board.columns()[1].id).len(), 3);
}

#[test]
fn replacing_a_label_is_one_undo_step_and_no_label_removes_only_the_lane_label() {
    let (mut a, _, _, task) = pair();
    let bug = a.add_label("bug", None).unwrap();
    let ui = a.add_label("ui", None).unwrap();
    let docs = a.add_label("docs", None).unwrap();
    a.set_task_label(&task, &bug, true).unwrap();
    a.set_task_label(&task, &docs, true).unwrap();
    let labels = |board: &Board| {
        let mut ids = board.task(&task).unwrap().labels;
        ids.sort();
        ids
    };
    let sorted = |mut ids: Vec<String>| {
        ids.sort();
        ids
    };

    a.replace_task_label(&task, Some(&bug), Some(&ui)).unwrap();
    assert_eq!(labels(&a), sorted(vec![ui.clone(), docs.clone()]));
    assert!(a.undo());
    assert_eq!(
        labels(&a),
        sorted(vec![bug.clone(), docs.clone()]),
        "one step back"
    );

    // To the "No label" lane: the lane's label goes, the others stay.
    a.replace_task_label(&task, Some(&bug), None).unwrap();
    assert_eq!(labels(&a), vec![docs.clone()]);
    // From "No label": only adds.
    a.replace_task_label(&task, None, Some(&ui)).unwrap();
    assert_eq!(labels(&a), sorted(vec![ui.clone(), docs.clone()]));
    assert!(a
        .replace_task_label(&task, None, Some("no-such-label"))
        .is_err());
    assert_eq!(labels(&a), sorted(vec![ui, docs]));
}
