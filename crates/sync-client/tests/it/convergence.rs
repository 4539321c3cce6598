//! Replicas that edited while the relay was away end up identical, with nothing lost.

use std::time::Duration;

use board_model::{NewTask, Place};
use sync_client::{Status, SyncProblem};
use test_support::postgres::TestDatabase;

use crate::support::{board_id, wait_for, wait_synced, Replica, TestRelay};

/// Waits (bounded) until every replica renders `board` the same; returns that render.
pub async fn converged(replicas: &[&Replica], board: &str) -> String {
    for _ in 0..300 {
        let renders: Vec<String> = replicas.iter().map(|r| r.render(board)).collect();
        if renders.windows(2).all(|pair| pair[0] == pair[1]) {
            return renders.into_iter().next().unwrap_or_default();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let renders: Vec<String> = replicas.iter().map(|r| r.render(board)).collect();
    panic!("replicas did not converge:\n{}", renders.join("\n-----\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_that_edited_offline_converge_when_the_relay_starts() {
    let database = TestDatabase::create();
    let alice = Replica::new("alice");
    let bob = Replica::new("bob");
    let board = board_id(1);

    // Alice creates the board and publishes it; Bob fetches it by id.
    let todo = alice.create_board(&board, "Launch");
    let (doing, done, task) = alice.edit(&board, |b| {
        let doing = b.add_column("Doing", None, Place::Bottom).expect("column");
        let done = b.add_column("Done", None, Place::Bottom).expect("column");
        let extra = NewTask {
            description: "Draft.".into(),
            ..NewTask::default()
        };
        let task = b
            .add_task(&todo, "Write the launch post", Place::Bottom, extra)
            .expect("task");
        (doing, done, task)
    });
    let relay = TestRelay::start(&database.url).await;
    let alice_client = alice.client(&relay.url(), &[&board]);
    wait_synced(&alice_client, 1).await;
    assert_eq!(
        alice.pending(&board),
        0,
        "everything Alice did is acknowledged"
    );
    let bob_client = bob.client(&relay.url(), &[&board]);
    wait_synced(&bob_client, 1).await;
    assert!(bob.has_board(&board), "Bob's store fetched the board");
    assert_eq!(bob.render(&board), alice.render(&board));
    alice_client.shutdown().await;
    bob_client.shutdown().await;
    relay.kill();

    // Offline: both move the same task, edit the same description, add tasks.
    alice.edit(&board, |b| {
        b.move_task(&task, &doing, Place::Top).expect("move");
        b.edit_description(&task, 0, 0, "Alice: ").expect("edit");
    });
    alice.add_task(&board, &todo, "Alice's offline task");
    bob.edit(&board, |b| {
        b.move_task(&task, &done, Place::Top).expect("move");
        b.edit_description(&task, 6, 0, " Bob was here.")
            .expect("edit");
    });
    bob.add_task(&board, &done, "Bob's offline task");
    // One update per operation: move, description edit, new task.
    assert_eq!(alice.pending(&board), 3);
    assert_eq!(bob.pending(&board), 3);

    // The relay comes back (a new process on the same database).
    let relay = TestRelay::start(&database.url).await;
    let alice_client = alice.client(&relay.url(), &[&board]);
    let mut alice_conflicts = alice_client.conflicts();
    let bob_client = bob.client(&relay.url(), &[&board]);
    wait_synced(&alice_client, 1).await;
    wait_synced(&bob_client, 1).await;
    let render = converged(&[&alice, &bob], &board).await;

    // The concurrent move is reported as conflicts on the task's `column` and `rank`.
    let mut fields = Vec::new();
    while fields.len() < 2 {
        let conflict = tokio::time::timeout(crate::support::WAIT, alice_conflicts.recv())
            .await
            .expect("a conflict is reported")
            .expect("conflict stream");
        assert_eq!(
            (conflict.board.as_str(), conflict.task.as_str()),
            (board.as_str(), task.as_str())
        );
        assert_ne!(conflict.winner_client, conflict.loser_client);
        fields.push(conflict.field);
    }
    fields.sort();
    assert_eq!(fields, ["column", "rank"]);
    assert_eq!(
        alice_client.conflict_count(),
        2,
        "the description edits merge: no conflict"
    );

    assert_eq!(alice.pending(&board), 0);
    assert_eq!(bob.pending(&board), 0);
    assert!(render.contains("Alice's offline task"), "{render}");
    assert!(render.contains("Bob's offline task"), "{render}");
    assert_eq!(
        render.matches("Write the launch post").count(),
        1,
        "the concurrently moved task is in exactly one place:\n{render}"
    );
    let view = {
        let store = alice.store.lock().expect("store");
        board_store::replica::open_board(&store, &board, alice.config())
            .expect("open")
            .view()
    };
    let moved = view.tasks().find(|t| t.id == task).expect("task kept");
    assert!(moved.column == doing || moved.column == done, "{moved:?}");
    assert!(
        moved.description.contains("Alice: ") && moved.description.contains(" Bob was here."),
        "both description edits kept: {:?}",
        moved.description
    );
    alice_client.shutdown().await;
    bob_client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_reports_pending_offline_then_synced_and_the_last_sync_time() {
    let database = TestDatabase::create();
    let alice = Replica::new("alice");
    let board = board_id(2);
    let todo = alice.create_board(&board, "Errands");
    alice.add_task(&board, &todo, "Milk");

    // Nobody listens on this port yet.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe");
    let port = probe.local_addr().expect("addr").port();
    drop(probe);
    let client = alice.client(&format!("ws://127.0.0.1:{port}"), &[&board]);
    let report = wait_for(&client, "offline with pending changes", |r| {
        r.boards.get(&board) == Some(&Status::Offline { pending: 3 })
    })
    .await;
    assert_eq!(report.overall, Status::Offline { pending: 3 });
    assert_eq!(
        alice.pending(&board),
        3,
        "pending is exactly the outbox length"
    );

    let relay = TestRelay::start_on(
        &database.url,
        port,
        std::sync::Arc::new(sync_server::auth::AllowAnonymous),
    )
    .await;
    wait_synced(&client, 1).await;
    assert_eq!(alice.pending(&board), 0);
    let record = alice
        .store
        .lock()
        .expect("store")
        .board(&board)
        .expect("board")
        .expect("exists");
    assert!(
        record.last_synced_at_ms.is_some(),
        "last sync time recorded"
    );

    // A change made while connected is sent at once and acknowledged.
    alice.add_task(&board, &todo, "Bread");
    client.notify_local_change(&board).expect("notify");
    // The status may still say Synced from before the notification: watch the outbox drain.
    for _ in 0..300 {
        if alice.pending(&board) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(alice.pending(&board), 0, "the new change is acknowledged");
    wait_synced(&client, 1).await;
    client.shutdown().await;
    drop(relay);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_board_and_a_read_only_board_say_so() {
    let database = TestDatabase::create();
    let relay = TestRelay::start_on(
        &database.url,
        0,
        std::sync::Arc::new(crate::support::Tokens),
    )
    .await;
    let alice = Replica::new("alice");
    let board = board_id(3);
    let todo = alice.create_board(&board, "Secret");

    let mut config = crate::support::test_config(&relay.url());
    config.token = "nobody".into();
    let denied = sync_client::SyncClient::spawn(config, alice.store.clone()).expect("spawn");
    denied.subscribe(&board).expect("subscribe");
    let report = wait_for(&denied, "denied", |r| r.overall.is_error()).await;
    assert!(
        matches!(&report.overall, Status::Problem(SyncProblem::Other { detail }) if detail.contains("denied")),
        "{report:?}"
    );
    assert_eq!(
        alice.pending(&board),
        2,
        "nothing acknowledged, nothing lost"
    );
    denied.shutdown().await;

    let mut config = crate::support::test_config(&relay.url());
    config.token = "viewer".into();
    let viewer = sync_client::SyncClient::spawn(config, alice.store.clone()).expect("spawn");
    viewer.subscribe(&board).expect("subscribe");
    alice.add_task(&board, &todo, "Plans");
    let report = wait_for(&viewer, "read-only, changes kept", |r| {
        matches!(r.overall, Status::Problem(SyncProblem::ReadOnly { .. }))
    })
    .await;
    assert_eq!(
        report.overall,
        Status::Problem(SyncProblem::ReadOnly { unsaved: 3 }),
        "{report:?}"
    );
    assert_eq!(alice.pending(&board), 3);
    viewer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awareness_set_by_one_client_reaches_the_other() {
    let database = TestDatabase::create();
    let relay = TestRelay::start(&database.url).await;
    let alice = Replica::new("alice");
    let bob = Replica::new("bob");
    let board = board_id(4);
    alice.create_board(&board, "Presence");
    let alice_client = alice.client(&relay.url(), &[&board]);
    wait_synced(&alice_client, 1).await;
    let bob_client = bob.client(&relay.url(), &[&board]);
    let mut seen_by_bob = bob_client.awareness();
    wait_synced(&bob_client, 1).await;

    alice_client
        .set_awareness(&board, r#"{"user":"alice","task":"t1"}"#)
        .expect("set awareness");
    let mut found = false;
    for _ in 0..20 {
        let event = tokio::time::timeout(crate::support::WAIT, seen_by_bob.recv())
            .await
            .expect("awareness arrives")
            .expect("awareness stream");
        assert_eq!(event.board, board);
        if event
            .entries
            .iter()
            .any(|e| e.state_json.contains("\"user\":\"alice\""))
        {
            found = true;
            break;
        }
    }
    assert!(found, "Bob sees Alice's presence");
    alice_client.shutdown().await;
    bob_client.shutdown().await;
}
