//! Chaos: ten writing clients while the relay is killed and restarted twenty times at random
//! moments. Afterwards every edit is everywhere (acknowledged ones were durable; the others came
//! from outboxes) and all replicas render the same board.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sync_server::auth::AllowAnonymous;
use test_support::postgres::TestDatabase;

use crate::convergence::converged;
use crate::support::{board_id, wait_synced, Replica, TestRelay};

const CLIENTS: usize = 10;
const RESTARTS: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_writers_survive_twenty_relay_kills() {
    let seed: u64 = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("chaos seed: {seed} (rerun with CHAOS_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);
    let database = TestDatabase::create();
    let mut relay = TestRelay::start(&database.url).await;
    let port = relay.addr.port();
    let url = relay.url();
    let board = board_id(30);

    let replicas: Vec<Arc<Replica>> = (0..CLIENTS)
        .map(|n| Arc::new(Replica::new(&format!("writer{n}"))))
        .collect();
    let column = replicas[0].create_board(&board, "Chaos");
    let mut clients = Vec::new();
    for replica in &replicas {
        let client = replica.client(&url, &[&board]);
        wait_synced(&client, 1).await;
        clients.push(Arc::new(client));
    }

    // Writers: each adds a task every 30-120 ms until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for (n, (replica, client)) in replicas.iter().zip(&clients).enumerate() {
        let (replica, client, stop, column, board) = (
            replica.clone(),
            client.clone(),
            stop.clone(),
            column.clone(),
            board.clone(),
        );
        let mut pace = StdRng::seed_from_u64(seed ^ n as u64);
        writers.push(tokio::spawn(async move {
            let mut written = Vec::new();
            for edit in 0..10_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let title = format!("w{n}-e{edit}");
                let (r, b, c, t) = (
                    replica.clone(),
                    board.clone(),
                    column.clone(),
                    title.clone(),
                );
                tokio::task::spawn_blocking(move || r.add_task(&b, &c, &t))
                    .await
                    .expect("edit");
                client.notify_local_change(&board).expect("notify");
                written.push(title);
                tokio::time::sleep(Duration::from_millis(pace.random_range(30..120))).await;
            }
            written
        }));
    }

    for round in 0..RESTARTS {
        tokio::time::sleep(Duration::from_millis(rng.random_range(100..700))).await;
        relay.kill();
        let down = rng.random_range(20..400);
        println!("round {round}: relay killed, down for {down} ms");
        tokio::time::sleep(Duration::from_millis(down)).await;
        relay = TestRelay::start_on(&database.url, port, Arc::new(AllowAnonymous)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut all_titles = Vec::new();
    for writer in writers {
        all_titles.extend(writer.await.expect("writer"));
    }
    println!("{} edits written", all_titles.len());

    for client in &clients {
        wait_synced(client, 1).await;
    }
    let views: Vec<&Replica> = replicas.iter().map(|r| r.as_ref()).collect();
    let render = converged(&views, &board).await;
    for title in &all_titles {
        assert_eq!(
            render.matches(&format!("- {title}\n")).count(),
            1,
            "{title} exactly once (seed {seed})"
        );
    }
    for replica in &replicas {
        assert_eq!(
            replica.pending(&board),
            0,
            "{} fully acknowledged",
            replica.user
        );
    }
    // And the relay's durable copy has every edit: a fresh replica fetches it all.
    let newcomer = Replica::new("newcomer");
    let client = newcomer.client(&relay.url(), &[&board]);
    wait_synced(&client, 1).await;
    assert_eq!(newcomer.render(&board), render, "seed {seed}");
    client.shutdown().await;
    for client in clients {
        if let Ok(client) = Arc::try_unwrap(client) {
            client.shutdown().await;
        }
    }
}
