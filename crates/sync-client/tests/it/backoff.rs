//! Reconnect timing and dead-peer detection, in virtual time (`tokio::time::pause`).

use std::time::Duration;

use sync_client::backoff::{Backoff, BackoffConfig};
use sync_client::Status;
use tokio::time::Instant;

use crate::support::{board_id, test_config, Replica};

#[test]
fn full_jitter_stays_under_a_doubling_ceiling_capped_at_30_seconds_and_resets() {
    let config = BackoffConfig::default();
    let mut backoff = Backoff::new(config, Some(42));
    let mut ceilings = Vec::new();
    let mut delays = Vec::new();
    for _ in 0..12 {
        let ceiling = backoff.ceiling();
        let delay = backoff.next_delay();
        assert!(delay <= ceiling, "{delay:?} above {ceiling:?}");
        ceilings.push(ceiling.as_millis());
        delays.push(delay);
    }
    assert_eq!(
        ceilings,
        [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000, 30000]
    );
    // Full jitter: the delays are spread out, not the ceiling every time.
    assert!(delays
        .iter()
        .zip(&ceilings)
        .any(|(d, c)| d.as_millis() < c / 2));
    backoff.reset();
    assert_eq!(backoff.ceiling(), config.base);
    assert!(backoff.next_delay() <= config.base);
}

/// Accepts TCP connections and never answers: the WebSocket handshake cannot complete.
async fn black_hole() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (addr, task)
}

#[tokio::test(start_paused = true)]
async fn attempts_against_a_silent_server_time_out_and_back_off_up_to_the_cap() {
    let (addr, _server) = black_hole().await;
    let alice = Replica::new("alice");
    let board = board_id(10);
    alice.create_board(&board, "Offline");
    let mut config = test_config(&format!("ws://{addr}"));
    config.replica = alice.config();
    config.connect_timeout = Duration::from_secs(5);
    config.backoff = BackoffConfig {
        base: Duration::from_secs(1),
        cap: Duration::from_secs(30),
    };
    let client =
        sync_client::SyncClient::spawn(config.clone(), alice.store.clone()).expect("spawn");
    client.subscribe(&board).expect("subscribe");
    let mut status = client.status();

    // Record when each attempt starts (Connecting) and fails (Offline).
    let start = Instant::now();
    let mut attempts: Vec<Duration> = Vec::new();
    let mut failures: Vec<Duration> = Vec::new();
    let mut last = Status::Offline { pending: 0 };
    while attempts.len() < 10 {
        tokio::time::timeout(Duration::from_secs(120), status.changed())
            .await
            .expect("status keeps changing")
            .expect("client alive");
        let overall = status.borrow_and_update().overall.clone();
        if overall == last {
            continue;
        }
        match overall {
            Status::Connecting => attempts.push(start.elapsed()),
            Status::Offline { pending } => {
                assert_eq!(pending, 2, "the board's outbox");
                failures.push(start.elapsed());
            }
            other => panic!("unexpected status {other:?}"),
        }
        last = overall;
    }
    // Each attempt gives up after the connect timeout, then waits at most min(cap, base·2ⁿ).
    for (n, (attempt, failure)) in attempts.iter().zip(&failures).enumerate() {
        assert_eq!(*failure - *attempt, config.connect_timeout, "attempt {n}");
        if let Some(next) = attempts.get(n + 1) {
            let ceiling = Duration::from_secs(1 << n.min(5)).min(Duration::from_secs(30));
            assert!(
                *next - *failure <= ceiling,
                "wait {n}: {:?} > {ceiling:?}",
                *next - *failure
            );
        }
    }
    client.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_relay_that_goes_silent_after_the_handshake_is_declared_dead() {
    // A WebSocket server that accepts and then never sends a byte (no pong, no sync).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let _server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            if let Ok(ws) = tokio_tungstenite::accept_async(socket).await {
                held.push(ws);
            }
        }
    });
    let alice = Replica::new("alice");
    let board = board_id(11);
    alice.create_board(&board, "Silent");
    let mut config = test_config(&format!("ws://{addr}"));
    config.replica = alice.config();
    config.keepalive = sync_client::Keepalive {
        interval: Duration::from_secs(10),
        dead_after: Duration::from_secs(30),
    };
    let client = sync_client::SyncClient::spawn(config, alice.store.clone()).expect("spawn");
    client.subscribe(&board).expect("subscribe");
    let mut status = client.status();
    status
        .wait_for(|r| r.overall == Status::Connecting)
        .await
        .expect("connecting");
    let connected_at = Instant::now();
    status
        .wait_for(|r| matches!(r.overall, Status::Offline { .. }))
        .await
        .expect("offline");
    let silent_for = connected_at.elapsed();
    assert!(
        silent_for >= Duration::from_secs(30) && silent_for <= Duration::from_secs(40),
        "declared dead after {silent_for:?}: expected within one ping of 30 s"
    );
    client.shutdown().await;
}
