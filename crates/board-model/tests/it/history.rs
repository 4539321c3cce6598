//! Per-task history: every field an operation changes is named with its new value, a
//! teammate's change is not mine, the relay's recorder on a bare document sees what the
//! board's does, and restoring an earlier value is one undoable edit.

use board_model::{
    Board, ChecklistItem, CommentAction, FieldValue, HistoryField, HistoryRecorder, ModelError,
    NewTask, Place, ReplicaConfig, Sources, TaskChange, MAX_HISTORY_VALUE_BYTES,
};
use expect_test::{expect, Expect};
use yrs::{Doc, Transact};

const BOARD_ID: &str = "0190a000-0000-7000-8000-00000000c0de";
const ANA: &str = "0190a000-0000-7000-8000-0000000000a1";

fn replica(seed: u64) -> Board {
    let config = ReplicaConfig {
        user: format!("user{seed}"),
        sources: Sources::seeded(seed, 1_700_000_000_000 + seed),
    };
    Board::create(BOARD_ID, "Board", config).unwrap()
}

fn render(changes: &[TaskChange], task_names: &[(&str, &str)]) -> String {
    let name = |id: &str| {
        task_names
            .iter()
            .find(|(task, _)| *task == id)
            .map_or(id.to_owned(), |(_, name)| (*name).to_owned())
    };
    changes
        .iter()
        .map(|c| {
            format!(
                "{} {} {}{}\n",
                name(&c.task),
                c.field.as_str(),
                serde_json::to_string(&c.value).unwrap(),
                if c.truncated { " (truncated)" } else { "" }
            )
        })
        .collect()
}

fn check(board: &mut Board, names: &[(&str, &str)], expect: Expect) {
    expect.assert_eq(&render(&board.take_history(), names));
}

#[test]
fn every_field_an_operation_changes_is_named_with_its_new_value() {
    let mut board = replica(1);
    let todo = board.add_column("Todo", None, Place::Bottom).unwrap();
    let done = board.add_column("Done", None, Place::Bottom).unwrap();
    let bug = board.add_label("bug", None).unwrap();
    let task = board
        .add_task(&todo, "Write", Place::Bottom, NewTask::default())
        .unwrap();
    let names = [(task.as_str(), "T")];
    check(
        &mut board,
        &names,
        expect![[r#"
        T created "Write"
    "#]],
    );

    board.set_task_title(&task, "Write the post").unwrap();
    board.set_description(&task, "Draft").unwrap();
    board.set_task_label(&task, &bug, true).unwrap();
    board.set_task_assignee(&task, ANA, true).unwrap();
    board.set_due(&task, Some("2026-12-05")).unwrap();
    board.add_checklist_item(&task, "outline").unwrap();
    board.toggle_checklist_item(&task, 0).unwrap();
    let other = board
        .add_task(&todo, "Other", Place::Top, NewTask::default())
        .unwrap();
    // A move within the column writes only `rank`: not history.
    board.move_task(&task, &todo, Place::Top).unwrap();
    board.move_task(&task, &done, Place::Bottom).unwrap();
    board.set_task_archived(&task, true).unwrap();
    let names = [(task.as_str(), "T"), (other.as_str(), "O")];
    let out = render(&board.take_history(), &names);
    let expected = format!(
        "O created \"Other\"\n\
         T title \"Write the post\"\n\
         T column \"{done}\"\n\
         T description \"Draft\"\n\
         T labels [\"{bug}\"]\n\
         T assignees [\"{ANA}\"]\n\
         T due \"2026-12-05\"\n\
         T checklist [{{\"text\":\"outline\",\"done\":true}}]\n\
         T archived true\n"
    );
    // One batch holds each field once, with its latest value, in field order (the store
    // takes history at every save, so each operation is its own batch there).
    let mut got: Vec<&str> = out.lines().collect();
    let mut want: Vec<&str> = expected.lines().collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);

    board.set_due(&task, None).unwrap();
    check(
        &mut board,
        &names,
        expect![[r#"
        T due null
    "#]],
    );
    board.delete_task(&task).unwrap();
    check(
        &mut board,
        &names,
        expect![[r#"
        T deleted null
    "#]],
    );
    // Undo is my change too: the task is back.
    board.undo();
    check(
        &mut board,
        &names,
        expect![[r#"
        T created "Write the post"
    "#]],
    );
}

#[test]
fn comments_are_history_of_their_task() {
    let mut board = replica(2);
    let todo = board.add_column("Todo", None, Place::Bottom).unwrap();
    let task = board
        .add_task(&todo, "Write", Place::Bottom, NewTask::default())
        .unwrap();
    board.take_history();
    let comment = board.add_comment(&task, ANA, "first").unwrap();
    board.edit_comment(&comment, ANA, "second").unwrap();
    let changes = board.take_history();
    assert_eq!(changes.len(), 1, "{changes:?}");
    let FieldValue::Comment(change) = &changes[0].value else {
        panic!("{changes:?}")
    };
    assert_eq!(changes[0].field, HistoryField::Comment);
    assert_eq!(changes[0].task, task);
    assert_eq!(change.action, CommentAction::Added);
    assert_eq!(change.body, "second");

    board.edit_comment(&comment, ANA, "third").unwrap();
    board.delete_comment(&comment, ANA).unwrap();
    let names = [(task.as_str(), "T")];
    let out = render(&board.take_history(), &names).replace(&comment, "C");
    expect![[r#"
        T comment {"comment":"C","action":"deleted","body":""}
    "#]]
    .assert_eq(&out);
}

#[test]
fn a_teammates_change_is_not_my_history_but_the_relays_recorder_sees_it() {
    let mut mine = replica(3);
    let todo = mine.add_column("Todo", None, Place::Bottom).unwrap();
    let task = mine
        .add_task(&todo, "Write", Place::Bottom, NewTask::default())
        .unwrap();
    mine.take_history();
    let state = mine.encode_state();

    let config = ReplicaConfig {
        user: "user4".into(),
        sources: Sources::seeded(4, 1_700_000_000_004),
    };
    let mut theirs = Board::load(BOARD_ID, [state.as_slice()], None, config).unwrap();
    // Loading stored state is nobody's change.
    assert!(theirs.take_history().is_empty());
    let relay_doc = Doc::new();
    relay_doc
        .transact_mut()
        .apply_update(yrs::Update::decode_v1(&state).unwrap())
        .unwrap();
    let relay = HistoryRecorder::attach(&relay_doc);

    theirs.set_task_title(&task, "Theirs").unwrap();
    let update = theirs.take_local_updates().concat();
    let update =
        sync_protocol::guard::merge_updates(theirs_updates(&update).iter().map(Vec::as_slice))
            .unwrap();
    mine.apply_remote_update(&update).unwrap();
    assert!(mine.take_history().is_empty());
    relay_doc
        .transact_mut()
        .apply_update(yrs::Update::decode_v1(&update).unwrap())
        .unwrap();
    let seen = relay.take(&relay_doc.transact());
    assert_eq!(
        render(&seen, &[(task.as_str(), "T")]),
        "T title \"Theirs\"\n"
    );
}

fn theirs_updates(concatenated: &[u8]) -> Vec<Vec<u8>> {
    vec![concatenated.to_vec()]
}

use yrs::updates::decoder::Decode;

#[test]
fn restoring_an_earlier_value_is_one_undoable_edit() {
    let mut board = replica(5);
    let todo = board.add_column("Todo", None, Place::Bottom).unwrap();
    let done = board.add_column("Done", None, Place::Bottom).unwrap();
    let bug = board.add_label("bug", None).unwrap();
    let ux = board.add_label("ux", None).unwrap();
    let task = board
        .add_task(&todo, "Write", Place::Bottom, NewTask::default())
        .unwrap();
    board.set_task_label(&task, &bug, true).unwrap();
    board.add_checklist_item(&task, "a").unwrap();
    board.add_checklist_item(&task, "b").unwrap();
    board.set_description(&task, "old text").unwrap();
    let before = board.task(&task).unwrap();

    board.set_task_title(&task, "New").unwrap();
    board.set_task_label(&task, &bug, false).unwrap();
    board.set_task_label(&task, &ux, true).unwrap();
    board.remove_checklist_item(&task, 0).unwrap();
    board.set_description(&task, "new text").unwrap();
    board.move_task(&task, &done, Place::Bottom).unwrap();

    let restores = [
        (HistoryField::Title, FieldValue::Text("Write".into())),
        (HistoryField::Labels, FieldValue::Ids(vec![bug.clone()])),
        (
            HistoryField::Checklist,
            FieldValue::Checklist(vec![
                ChecklistItem {
                    text: "a".into(),
                    done: false,
                },
                ChecklistItem {
                    text: "b".into(),
                    done: false,
                },
            ]),
        ),
        (
            HistoryField::Description,
            FieldValue::Text("old text".into()),
        ),
        (HistoryField::Column, FieldValue::Text(todo.clone())),
    ];
    let after = board.task(&task).unwrap();
    for (field, value) in &restores {
        let undo_before = board.task(&task).unwrap();
        board.restore_field(&task, *field, value).unwrap();
        let restored = board.task(&task).unwrap();
        assert_ne!(restored, undo_before, "{field:?} changed nothing");
        // One undo takes the whole restore back.
        assert!(board.undo());
        assert_eq!(board.task(&task).unwrap(), undo_before, "{field:?}");
        assert!(board.redo());
        assert_eq!(board.task(&task).unwrap(), restored, "{field:?}");
    }
    let now = board.task(&task).unwrap();
    assert_ne!(after, now);
    assert_eq!(now.title, before.title);
    assert_eq!(now.labels, before.labels);
    assert_eq!(now.checklist, before.checklist);
    assert_eq!(now.description, before.description);
    assert_eq!(now.column, before.column);

    // What cannot be restored says so and changes nothing.
    let refused = board.restore_field(&task, HistoryField::Created, &FieldValue::Text("x".into()));
    assert!(
        matches!(refused, Err(ModelError::InvalidValue { .. })),
        "{refused:?}"
    );
    let refused = board.restore_field(&task, HistoryField::Title, &FieldValue::Flag(true));
    assert!(
        matches!(refused, Err(ModelError::InvalidValue { .. })),
        "{refused:?}"
    );
    assert_eq!(board.task(&task).unwrap(), now);
}

#[test]
fn a_long_value_is_cut_and_marked() {
    let mut board = replica(6);
    let todo = board.add_column("Todo", None, Place::Bottom).unwrap();
    let task = board
        .add_task(&todo, "Write", Place::Bottom, NewTask::default())
        .unwrap();
    board.take_history();
    let long = "é".repeat(MAX_HISTORY_VALUE_BYTES);
    board.set_description(&task, &long).unwrap();
    let changes = board.take_history();
    let FieldValue::Text(kept) = &changes[0].value else {
        panic!("{changes:?}")
    };
    assert!(changes[0].truncated);
    assert!(kept.len() <= MAX_HISTORY_VALUE_BYTES && long.starts_with(kept.as_str()));
}

#[test]
fn the_loser_of_a_concurrent_write_finds_its_value_in_its_history_and_restores_it() {
    let mut a = replica(7);
    let todo = a.add_column("Todo", None, Place::Bottom).unwrap();
    let task = a
        .add_task(&todo, "Write", Place::Bottom, NewTask::default())
        .unwrap();
    let config = ReplicaConfig {
        user: "user8".into(),
        sources: Sources::seeded(8, 1_700_000_000_008),
    };
    let mut b = Board::load(BOARD_ID, [a.encode_state().as_slice()], None, config).unwrap();
    a.take_history();
    a.set_task_title(&task, "Ana's title").unwrap();
    b.set_task_title(&task, "Bo's title").unwrap();
    // Each saves its own change (with its history) before the other's arrives.
    let mut saved = [a.take_history(), b.take_history()];
    let to_b = a.diff(&b.state_vector()).unwrap();
    let to_a = b.diff(&a.state_vector()).unwrap();
    b.apply_remote_update(&to_b).unwrap();
    a.apply_remote_update(&to_a).unwrap();
    let shown = a.task(&task).unwrap().title;
    assert_eq!(shown, b.task(&task).unwrap().title, "converged");
    let (loser, lost, mine) = if shown == "Ana's title" {
        (&mut b, "Bo's title", std::mem::take(&mut saved[1]))
    } else {
        (&mut a, "Ana's title", std::mem::take(&mut saved[0]))
    };
    let written = mine
        .iter()
        .find(|c| c.field == HistoryField::Title)
        .expect("my own write is in my history");
    assert_eq!(written.value, FieldValue::Text(lost.into()));
    loser
        .restore_field(&task, written.field, &written.value)
        .unwrap();
    assert_eq!(loser.task(&task).unwrap().title, lost);
}
