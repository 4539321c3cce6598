//! Bad networks, through the fault-injecting proxy: latency, connections cut mid-frame, a
//! black hole. Clients converge once the faults stop; a black-holed client says it is offline.

use std::time::Duration;

use sync_client::Status;
use test_support::postgres::TestDatabase;
use test_support::proxy::{Faults, FaultyProxy};

use crate::convergence::converged;
use crate::support::{board_id, wait_for, wait_synced, Replica, TestRelay};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_converge_after_latency_cuts_and_a_black_hole() {
    let seed: u64 = rand::random();
    println!("proxy fault seed: {seed}");
    let database = TestDatabase::create();
    let relay = TestRelay::start(&database.url).await;
    let alice_proxy = FaultyProxy::start(relay.addr, seed).await;
    let bob_proxy = FaultyProxy::start(relay.addr, seed.wrapping_add(1)).await;
    let alice = Replica::new("alice");
    let bob = Replica::new("bob");
    let board = board_id(20);
    let column = alice.create_board(&board, "Flaky");
    let alice_client = alice.client(&format!("ws://{}", alice_proxy.addr), &[&board]);
    wait_synced(&alice_client, 1).await;
    let bob_client = bob.client(&format!("ws://{}", bob_proxy.addr), &[&board]);
    wait_synced(&bob_client, 1).await;

    // Latency and cuts in the middle of frames while both write.
    let faults = Faults {
        latency: Duration::from_millis(15),
        cut_probability: 0.05,
        ..Faults::default()
    };
    alice_proxy.set(faults.clone());
    bob_proxy.set(faults);
    let mut titles = Vec::new();
    for n in 0..15 {
        for (replica, client) in [(&alice, &alice_client), (&bob, &bob_client)] {
            let title = format!("{} {n}", replica.user);
            replica.add_task(&board, &column, &title);
            client.notify_local_change(&board).expect("notify");
            titles.push(title);
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }

    // Bob's network turns into a black hole: he is told he is offline, his edits wait.
    bob_proxy.set(Faults {
        black_hole: true,
        ..Faults::default()
    });
    wait_for(&bob_client, "black-holed client offline", |r| {
        matches!(r.overall, Status::Offline { .. })
    })
    .await;
    bob.add_task(&board, &column, "written in the black hole");
    titles.push("written in the black hole".into());
    bob_client.notify_local_change(&board).expect("notify");
    let report = wait_for(&bob_client, "pending while offline", |r| {
        r.overall.pending() >= 1 && matches!(r.overall, Status::Offline { .. })
    })
    .await;
    assert!(report.overall.pending() >= 1);

    // The network heals.
    alice_proxy.clear();
    bob_proxy.clear();
    wait_synced(&alice_client, 1).await;
    wait_synced(&bob_client, 1).await;
    let render = converged(&[&alice, &bob], &board).await;
    for title in &titles {
        assert_eq!(
            render.matches(&format!("- {title}\n")).count(),
            1,
            "{title} once in\n{render}"
        );
    }
    assert_eq!(alice.pending(&board), 0);
    assert_eq!(bob.pending(&board), 0);
    alice_client.shutdown().await;
    bob_client.shutdown().await;
}
