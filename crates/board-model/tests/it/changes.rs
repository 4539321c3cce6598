//! Change observation: every transaction, local or remote, names exactly the tasks and columns
//! it touched, so a UI re-renders only those.

use std::collections::BTreeSet;

use board_model::{Board, ChangeSet, NewTask, Place, ReplicaConfig, Sources};

fn set(ids: &[&String]) -> BTreeSet<String> {
    ids.iter().map(|s| (*s).clone()).collect()
}

#[test]
fn local_and_remote_changes_name_what_they_touched() {
    let config = |seed| ReplicaConfig {
        user: "u".into(),
        sources: Sources::seeded(seed, 1),
    };
    let mut a =
        Board::create("0190a000-0000-7000-8000-00000000c4a6", "Changes", config(1)).unwrap();
    let todo = a.add_column("To do", None, Place::Bottom).unwrap();
    let done = a.add_column("Done", None, Place::Bottom).unwrap();
    let one = a
        .add_task(&todo, "one", Place::Bottom, NewTask::default())
        .unwrap();
    let two = a
        .add_task(&todo, "two", Place::Bottom, NewTask::default())
        .unwrap();
    let mut b = Board::load(a.id(), [a.encode_state().as_slice()], None, config(2)).unwrap();
    a.take_changes();
    a.take_local_updates();
    assert!(b.take_changes().is_empty(), "loading is not a change");

    a.set_description(&one, "notes").unwrap();
    assert_eq!(
        a.take_changes(),
        ChangeSet {
            tasks: set(&[&one]),
            ..ChangeSet::default()
        }
    );

    a.move_task(&two, &done, Place::Top).unwrap();
    assert_eq!(
        a.take_changes(),
        ChangeSet {
            tasks: set(&[&two]),
            ..ChangeSet::default()
        }
    );

    a.add_checklist_item(&one, "item").unwrap();
    a.toggle_checklist_item(&one, 0).unwrap();
    assert_eq!(a.take_changes().tasks, set(&[&one]));

    a.rename_column(&done, "Shipped").unwrap();
    assert_eq!(
        a.take_changes(),
        ChangeSet {
            columns: set(&[&done]),
            ..ChangeSet::default()
        }
    );

    let label = a.add_label("bug", None).unwrap();
    let changes = a.take_changes();
    assert!(changes.labels && changes.tasks.is_empty() && changes.columns.is_empty());
    a.set_task_label(&one, &label, true).unwrap();
    assert_eq!(a.take_changes().tasks, set(&[&one]));

    a.rename("Renamed").unwrap();
    assert_eq!(
        a.take_changes(),
        ChangeSet {
            meta: true,
            ..ChangeSet::default()
        }
    );

    a.delete_task(&two).unwrap();
    assert_eq!(a.take_changes().tasks, set(&[&two]));

    // The same updates arriving at another replica name the same things.
    for update in a.take_local_updates() {
        b.apply_remote_update(&update).unwrap();
    }
    let remote = b.take_changes();
    assert_eq!(remote.tasks, set(&[&one, &two]));
    assert_eq!(remote.columns, set(&[&done]));
    assert!(remote.labels && remote.meta);

    // Undo is a change too.
    a.undo();
    assert_eq!(a.take_changes().tasks, set(&[&two]));
}
