//! Unsubscribing (DESIGN §3): a board the client stops syncing gets nothing more from the
//! relay, leaves the status, and the relay drops the channel (awareness cleared, the room
//! unloaded once nobody else is on it).

use std::time::Duration;

use sync_client::Status;
use test_support::postgres::TestDatabase;

use crate::support::{board_id, relay_metric, wait_for, wait_synced, Replica, TestRelay, WAIT};

const ROOMS: &str = "tack_relay_rooms";

/// Waits (bounded) until the relay's gauge reads `value`.
async fn wait_metric(relay: &TestRelay, name: &str, value: f64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = relay_metric(relay.addr, name).await;
        if now == value {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name} is {now}, not {value}, after {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsubscribed_board_gets_no_more_updates_and_the_relay_frees_it() {
    let database = TestDatabase::create();
    let relay = TestRelay::start(&database.url).await;
    let alice = Replica::new("alice");
    let bob = Replica::new("bob");
    let (left, alone, kept) = (board_id(41), board_id(42), board_id(43));
    let left_column = alice.create_board(&left, "Left");
    alice.create_board(&alone, "Only Alice");
    let kept_column = alice.create_board(&kept, "Kept");
    let alice_client = alice.client(&relay.url(), &[&left, &alone, &kept]);
    wait_synced(&alice_client, 3).await;
    let bob_client = bob.client(&relay.url(), &[&left, &kept]);
    wait_synced(&bob_client, 2).await;
    wait_metric(&relay, ROOMS, 3.0).await;

    // Bob sees Alice on the board she is about to leave.
    let mut bob_awareness = bob_client.awareness();
    alice_client
        .set_awareness(&left, r#"{"user":"alice"}"#)
        .expect("awareness");
    let alice_on_left = tokio::time::timeout(WAIT, async {
        loop {
            let event = bob_awareness.recv().await.expect("awareness");
            if event.board == left {
                if let Some(entry) = event.entries.iter().find(|e| e.state_json != "null") {
                    return entry.client_id;
                }
            }
        }
    })
    .await
    .expect("bob sees alice");

    let mut alice_updates = alice_client.remote_updates();
    alice_client.unsubscribe(&left).expect("unsubscribe");
    alice_client.unsubscribe(&alone).expect("unsubscribe");
    let report = wait_for(&alice_client, "only the kept board", |r| {
        r.boards.len() == 1
    })
    .await;
    assert!(report.boards.contains_key(&kept), "{report:?}");

    // The relay dropped the channels: Alice's presence on the board she left is cleared for
    // Bob, and the board only she had is unloaded.
    tokio::time::timeout(WAIT, async {
        loop {
            let event = bob_awareness.recv().await.expect("awareness");
            let cleared = event
                .entries
                .iter()
                .any(|e| e.client_id == alice_on_left && e.state_json == "null");
            if event.board == left && cleared {
                return;
            }
        }
    })
    .await
    .expect("alice's presence cleared when she unsubscribed");
    wait_metric(&relay, ROOMS, 2.0).await;

    // Bob writes to the board Alice left, then to the one she kept, on one socket: the relay
    // relays them in that order, so once the second reaches Alice the first would have too.
    bob.add_task(&left, &left_column, "After Alice left");
    bob_client.notify_local_change(&left).expect("notify");
    wait_for(&bob_client, "bob's first write acknowledged", |r| {
        r.boards.get(&left) == Some(&Status::Synced) && bob.pending(&left) == 0
    })
    .await;
    bob.add_task(&kept, &kept_column, "Still shared");
    bob_client.notify_local_change(&kept).expect("notify");
    let arrived = tokio::time::timeout(WAIT, async {
        let mut boards = Vec::new();
        loop {
            let update = alice_updates.recv().await.expect("remote update");
            boards.push(update.board.clone());
            if update.board == kept {
                return boards;
            }
        }
    })
    .await
    .expect("bob's write to the kept board reaches alice");
    assert!(
        !arrived.contains(&left),
        "updates after unsubscribing: {arrived:?}"
    );
    assert!(
        !alice.render(&left).contains("After Alice left"),
        "{}",
        alice.render(&left)
    );
    assert!(alice.render(&kept).contains("Still shared"));

    // Subscribing again resumes, and catches up.
    alice_client.subscribe(&left).expect("subscribe again");
    wait_synced(&alice_client, 2).await;
    tokio::time::timeout(WAIT, async {
        while !alice.render(&left).contains("After Alice left") {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("caught up after subscribing again");

    alice_client.shutdown().await;
    bob_client.shutdown().await;
}
