//! The conflict signal: concurrent writes to one task field are reported once, naming the
//! winner yrs actually kept; sequential writes and merged text edits are not conflicts.

use board_model::{Board, ConflictTracker, NewTask, Place, ReplicaConfig, Sources};

fn replica(seed: u64) -> ReplicaConfig {
    ReplicaConfig {
        user: format!("user{seed}"),
        sources: Sources::seeded(seed, 1_700_000_000_000),
    }
}

/// A board with one task, and a second replica of it; the tracker has seen the history.
fn two_replicas() -> (Board, Board, String, ConflictTracker) {
    let mut alice = Board::create("b", "Board", replica(1)).expect("create");
    let column = alice
        .add_column("Todo", None, Place::Bottom)
        .expect("column");
    let task = alice
        .add_task(&column, "Task", Place::Bottom, NewTask::default())
        .expect("task");
    let history = alice.take_local_updates();
    let bob = Board::load("b", history.iter().map(Vec::as_slice), None, replica(2)).expect("load");
    let mut tracker = ConflictTracker::new();
    for update in &history {
        assert!(tracker.observe(update).is_empty());
    }
    (alice, bob, task, tracker)
}

#[test]
fn concurrent_title_edits_are_one_conflict_won_by_the_value_everyone_sees() {
    let (mut alice, mut bob, task, mut tracker) = two_replicas();
    alice.set_task_title(&task, "Alice's title").expect("edit");
    bob.set_task_title(&task, "Bob's title").expect("edit");
    let from_alice = alice.take_local_updates();
    let from_bob = bob.take_local_updates();
    let mut conflicts = Vec::new();
    for update in from_alice.iter().chain(&from_bob) {
        conflicts.extend(tracker.observe(update));
    }
    for update in &from_bob {
        alice.apply_remote_update(update).expect("apply");
    }
    for update in &from_alice {
        bob.apply_remote_update(update).expect("apply");
    }
    let title = alice.task(&task).expect("task").title;
    assert_eq!(title, bob.task(&task).expect("task").title);
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let conflict = &conflicts[0];
    assert_eq!(
        (conflict.task.as_str(), conflict.field.as_str()),
        (task.as_str(), "title")
    );
    let (alice_id, bob_id) = (alice.doc().client_id().get(), bob.doc().client_id().get());
    let winner_title = if conflict.winner_client == alice_id {
        "Alice's title"
    } else {
        "Bob's title"
    };
    assert_eq!(title, winner_title, "the reported winner is the value kept");
    let mut pair = [conflict.winner_client, conflict.loser_client];
    pair.sort_unstable();
    let mut expected = [alice_id, bob_id];
    expected.sort_unstable();
    assert_eq!(pair, expected);
    // Seeing the same updates again reports nothing new.
    for update in from_alice.iter().chain(&from_bob) {
        assert!(tracker.observe(update).is_empty());
    }
}

#[test]
fn sequential_edits_and_merged_descriptions_are_not_conflicts() {
    let (mut alice, mut bob, task, mut tracker) = two_replicas();
    alice.set_task_title(&task, "First").expect("edit");
    let first = alice.take_local_updates();
    for update in &first {
        bob.apply_remote_update(update).expect("apply");
        assert!(tracker.observe(update).is_empty());
    }
    // Bob saw Alice's title before changing it: no conflict.
    bob.set_task_title(&task, "Second").expect("edit");
    // Concurrent description edits merge character by character.
    alice.edit_description(&task, 0, 0, "Alice ").expect("edit");
    bob.edit_description(&task, 0, 0, "Bob ").expect("edit");
    let mut conflicts = Vec::new();
    for update in bob
        .take_local_updates()
        .iter()
        .chain(&alice.take_local_updates())
    {
        conflicts.extend(tracker.observe(update));
    }
    assert!(conflicts.is_empty(), "{conflicts:?}");
    assert_eq!(tracker.conflicts_seen(), 0);
}
