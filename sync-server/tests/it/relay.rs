//! The relay's core promises: edits reach every other client at once, SyncStatus(1) means
//! committed, late joiners get everything, viewers cannot write, strangers cannot read.

use std::sync::Arc;

use sync_protocol::{AuthScope, AwarenessEntry, MuxFrame, MuxMessage, SyncMessage};
use sync_server::auth::DenyAll;
use sync_server::config::ServerConfig;

use crate::support::{
    saw_awareness_of, set_of, stored_keys, Backend, BackendKind, Seen, TestRelay, BOTH,
};

const BOARD: &str = "0190a000-0000-7000-8000-0000000000b1";
const OTHER: &str = "0190a000-0000-7000-8000-0000000000b2";

#[tokio::test]
async fn edits_fan_out_at_once_and_are_acknowledged_only_when_committed() {
    for kind in BOTH {
        let relay = TestRelay::start(kind).await;
        let mut alice = relay.client().await;
        let mut bob = relay.client().await;
        assert_eq!(alice.open(BOARD, "editor").await, Ok(AuthScope::ReadWrite));
        assert_eq!(bob.open(BOARD, "editor").await, Ok(AuthScope::ReadWrite));

        alice.set(BOARD, "a1", "from alice").await;
        assert!(
            bob.wait_keys(BOARD, &set_of(&["a1"])).await,
            "{kind:?}: bob sees alice's edit"
        );
        assert_eq!(alice.status(BOARD).await, Some(true));
        // Acknowledged means stored: a fresh connection to the database sees it.
        let storage = relay.backend.storage().await;
        assert_eq!(
            stored_keys(&storage, BOARD).await,
            set_of(&["a1"]),
            "{kind:?}"
        );

        bob.set(BOARD, "b1", "from bob").await;
        bob.set(BOARD, "b2", "from bob").await;
        assert_eq!(bob.status(BOARD).await, Some(true));
        assert_eq!(bob.status(BOARD).await, Some(true));
        assert!(alice.wait_keys(BOARD, &set_of(&["a1", "b1", "b2"])).await);
        assert_eq!(
            stored_keys(&storage, BOARD).await,
            set_of(&["a1", "b1", "b2"])
        );
        relay.stop().await;
    }
}

#[tokio::test]
async fn a_late_joiner_receives_the_whole_board_even_after_a_restart() {
    for kind in BOTH {
        let relay = TestRelay::start(kind).await;
        let mut alice = relay.client().await;
        alice.open(BOARD, "editor").await.expect("open");
        for i in 0..20 {
            alice.set(BOARD, &format!("k{i}"), "v").await;
        }
        for _ in 0..20 {
            assert_eq!(alice.status(BOARD).await, Some(true));
        }
        let expected = alice.keys(BOARD);
        let mut carol = relay.client().await;
        carol.open(BOARD, "editor").await.expect("open");
        assert_eq!(
            carol.keys(BOARD),
            expected,
            "{kind:?}: handshake delivers everything"
        );

        // After a restart the board comes back from storage.
        let backend = relay.stop().await;
        let relay = TestRelay::start_with(
            backend,
            Arc::new(crate::support::Tokens),
            ServerConfig::default(),
        )
        .await;
        let mut dave = relay.client().await;
        dave.open(BOARD, "editor").await.expect("open");
        assert_eq!(
            dave.keys(BOARD),
            expected,
            "{kind:?}: restored from storage"
        );
        relay.stop().await;
    }
}

#[tokio::test]
async fn what_a_client_had_offline_reaches_the_relay_through_the_handshake() {
    let relay = TestRelay::start(crate::support::BackendKind::Sqlite).await;
    let mut alice = relay.client().await;
    // Edits made before connecting (offline): the relay's Step1 asks for them.
    {
        let doc = alice.doc(BOARD).clone();
        let map = doc.get_or_insert_map("m");
        yrs::Map::insert(
            &map,
            &mut yrs::Transact::transact_mut(&doc),
            "offline",
            "typed on a plane",
        );
    }
    // `open` returns once the relay acknowledged the handshake's Step2: stored by then.
    alice.open(BOARD, "editor").await.expect("open");
    let storage = relay.backend.storage().await;
    assert_eq!(stored_keys(&storage, BOARD).await, set_of(&["offline"]));
    let mut bob = relay.client().await;
    bob.open(BOARD, "editor").await.expect("open");
    assert_eq!(bob.keys(BOARD), set_of(&["offline"]));
    relay.stop().await;
}

#[tokio::test]
async fn a_viewer_reads_live_but_every_write_is_refused_and_never_stored() {
    let relay = TestRelay::start(crate::support::BackendKind::Postgres).await;
    let mut editor = relay.client().await;
    let mut viewer = relay.client().await;
    editor.open(BOARD, "editor").await.expect("open");
    assert_eq!(viewer.open(BOARD, "viewer").await, Ok(AuthScope::ReadOnly));

    editor.set(BOARD, "e1", "by editor").await;
    assert!(
        viewer.wait_keys(BOARD, &set_of(&["e1"])).await,
        "viewers see edits live"
    );

    viewer.set(BOARD, "v1", "by viewer").await;
    assert_eq!(viewer.status(BOARD).await, Some(false));
    editor.set(BOARD, "e2", "by editor").await;
    assert!(editor.status(BOARD).await.is_some());
    assert_eq!(editor.status(BOARD).await, Some(true));
    let storage = relay.backend.storage().await;
    assert_eq!(stored_keys(&storage, BOARD).await, set_of(&["e1", "e2"]));
    assert!(
        !editor.keys(BOARD).contains("v1"),
        "the viewer's write never reached anyone"
    );
    relay.stop().await;
}

#[tokio::test]
async fn a_stranger_is_denied_with_a_reason_and_receives_no_board_bytes() {
    let mut config = ServerConfig::default();
    config.limits.auth_timeout = std::time::Duration::from_millis(500);
    let backend = Backend::new(crate::support::BackendKind::Sqlite);
    let relay = TestRelay::start_with(backend, Arc::new(crate::support::Tokens), config).await;
    let mut editor = relay.client().await;
    editor.open(BOARD, "editor").await.expect("open");
    editor.set(BOARD, "secret", "plans").await;
    assert_eq!(editor.status(BOARD).await, Some(true));

    let mut stranger = relay.client().await;
    // Frames sent before (and instead of) a successful Auth are never answered with content.
    stranger
        .send(
            BOARD,
            MuxMessage::Sync(SyncMessage::Step1 {
                state_vector: vec![0],
            }),
        )
        .await;
    assert_eq!(
        stranger.open(BOARD, "forged").await,
        Err("unknown token".to_owned())
    );
    editor.set(BOARD, "more", "plans").await;
    assert_eq!(editor.status(BOARD).await, Some(true));
    stranger.until(|c| c.closed.is_some()).await;
    for seen in &stranger.log {
        if let Seen::Frame(MuxFrame::Board { message, .. }) = seen {
            assert!(
                matches!(message, MuxMessage::Auth(_)),
                "a stranger received board content: {message:?}"
            );
        }
    }
    assert!(stranger.keys(BOARD).is_empty());
    relay.stop().await;
}

#[tokio::test]
async fn without_accounts_or_the_anonymous_flag_every_board_is_refused() {
    let backend = Backend::new(crate::support::BackendKind::Sqlite);
    let relay = TestRelay::start_with(backend, Arc::new(DenyAll), ServerConfig::default()).await;
    let mut client = relay.client().await;
    let refused = client.open(BOARD, "anything").await.expect_err("refused");
    assert!(refused.contains("--insecure-allow-anonymous"), "{refused}");
    relay.stop().await;
}

#[tokio::test]
async fn one_socket_carries_many_boards_independently() {
    let relay = TestRelay::start(crate::support::BackendKind::Sqlite).await;
    let mut alice = relay.client().await;
    let mut bob = relay.client().await;
    for board in [BOARD, OTHER] {
        alice.open(board, "editor").await.expect("open");
        bob.open(board, "editor").await.expect("open");
    }
    alice.set(BOARD, "x", "1").await;
    alice.set(OTHER, "y", "2").await;
    assert!(bob.wait_keys(BOARD, &set_of(&["x"])).await);
    assert!(bob.wait_keys(OTHER, &set_of(&["y"])).await);
    assert_eq!(alice.status(BOARD).await, Some(true));
    assert_eq!(alice.status(OTHER).await, Some(true));
    // Closing one board leaves the other open.
    alice.send(BOARD, MuxMessage::Close { reason: None }).await;
    bob.set(BOARD, "after-close", "3").await;
    bob.set(OTHER, "still-open", "4").await;
    assert!(alice.wait_keys(OTHER, &set_of(&["y", "still-open"])).await);
    assert!(!alice.keys(BOARD).contains("after-close"));
    relay.stop().await;
}

#[tokio::test]
async fn health_readiness_and_metrics_endpoints() {
    let relay = TestRelay::start(crate::support::BackendKind::Postgres).await;
    assert_eq!(relay.http_get("/healthz").await.0, 200);
    assert_eq!(relay.http_get("/readyz").await.0, 200);
    let mut alice = relay.client().await;
    alice.open(BOARD, "editor").await.expect("open");
    alice.set(BOARD, "k", "v").await;
    assert_eq!(alice.status(BOARD).await, Some(true));
    let (status, body) = relay.http_get("/metrics").await;
    assert_eq!(status, 200);
    let value = |name: &str| -> f64 {
        body.lines()
            .find(|l| l.starts_with(name) && !l.starts_with('#'))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("metric {name} missing in\n{body}"))
    };
    assert_eq!(value("tack_relay_connections "), 1.0);
    assert_eq!(value("tack_relay_rooms "), 1.0);
    assert!(value("tack_relay_ack_seconds_count") >= 1.0);
    assert!(value("tack_relay_commit_batch_updates_count") >= 1.0);
    assert!(value("tack_relay_frames_received_total{kind=\"sync\"}") >= 2.0);
    relay.stop().await;
}

#[tokio::test]
async fn a_departed_client_is_released_at_once() {
    // With a long grace period a leak shows as a connection that outlives its client.
    let config = ServerConfig {
        shutdown_grace: std::time::Duration::from_secs(30),
        ..ServerConfig::default()
    };
    let backend = Backend::new(crate::support::BackendKind::Sqlite);
    let relay = TestRelay::start_with(backend, Arc::new(crate::support::Tokens), config).await;
    let mut alice = relay.client().await;
    alice.open(BOARD, "editor").await.expect("open");
    drop(alice);
    let mut released = false;
    for _ in 0..100 {
        let (_, body) = relay.http_get("/metrics").await;
        if body.lines().any(|l| l == "tack_relay_connections 0")
            && body.lines().any(|l| l == "tack_relay_rooms 0")
        {
            released = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        released,
        "connection and room released long before the 30 s grace period"
    );
    relay.stop().await;
}

/// A client whose first connection dropped re-sends an update the room already holds while
/// that update's commit is still running. The relay must not say "durable" before that commit
/// is: the client would drop the update from its outbox, and a relay crash would lose it. Nor
/// may it relay the update to anyone before it is durable: a refused commit would leave it in
/// other members' replicas.
#[tokio::test]
async fn an_update_the_room_already_holds_is_acknowledged_only_once_its_commit_is_durable() {
    use sqlx::Connection;

    let relay = TestRelay::start(BackendKind::Postgres).await;
    let url = relay.backend.database_url.clone().expect("postgres url");
    let mut alice = relay.client().await;
    let mut bob = relay.client().await;
    assert_eq!(alice.open(BOARD, "editor").await, Ok(AuthScope::ReadWrite));
    assert_eq!(bob.open(BOARD, "editor").await, Ok(AuthScope::ReadWrite));

    // Hold every commit: inserts into the log wait for this lock.
    let mut blocker = sqlx::PgConnection::connect(&url).await.expect("connect");
    sqlx::query("BEGIN")
        .execute(&mut blocker)
        .await
        .expect("begin");
    sqlx::query("LOCK TABLE board_updates IN EXCLUSIVE MODE")
        .execute(&mut blocker)
        .await
        .expect("lock");

    let update = alice.set(BOARD, "k", "typed once").await;
    // The same update again, as a reconnected client re-sends its outbox.
    bob.send(
        BOARD,
        MuxMessage::Sync(SyncMessage::Update {
            update: update.clone(),
        }),
    )
    .await;
    let early =
        tokio::time::timeout(std::time::Duration::from_millis(300), bob.status(BOARD)).await;
    assert!(
        early.is_err(),
        "acknowledged while its commit was still blocked: {early:?}"
    );
    assert!(
        !bob.log.iter().any(|seen| matches!(
            seen,
            Seen::Frame(MuxFrame::Board {
                message: MuxMessage::Sync(SyncMessage::Update { .. }),
                ..
            })
        )),
        "relayed while its commit was still blocked"
    );

    sqlx::query("COMMIT")
        .execute(&mut blocker)
        .await
        .expect("release");
    assert_eq!(bob.status(BOARD).await, Some(true));
    assert_eq!(alice.status(BOARD).await, Some(true));
    assert!(
        bob.wait_keys(BOARD, &set_of(&["k"])).await,
        "relayed once committed"
    );
    let storage = relay.backend.storage().await;
    assert_eq!(stored_keys(&storage, BOARD).await, set_of(&["k"]));
    relay.stop().await;
}

/// The writer coalesces every frame queued at a wake-up into one write: a burst of updates,
/// small ones mixed with ones larger than the socket's write buffer, still reaches each reader
/// complete and in the order the relay accepted them (and each writer's acks in order).
#[tokio::test]
async fn a_burst_of_broadcasts_reaches_every_reader_complete_and_in_order() {
    const UPDATES: usize = 300;
    let relay = TestRelay::start(BackendKind::Sqlite).await;
    let mut writer = relay.client().await;
    let mut readers = Vec::new();
    for _ in 0..3 {
        let mut reader = relay.client().await;
        assert_eq!(reader.open(BOARD, "editor").await, Ok(AuthScope::ReadWrite));
        readers.push(reader);
    }
    assert_eq!(writer.open(BOARD, "editor").await, Ok(AuthScope::ReadWrite));
    let big = "x".repeat(20 * 1024);
    for i in 0..UPDATES {
        // Sent without waiting: the relay's queues towards the readers fill faster than the
        // readers (not reading yet) drain them.
        let padding = if i % 10 == 0 { big.as_str() } else { "" };
        writer
            .set(BOARD, &format!("k{i:04}"), &format!("seq-{i:04}-{padding}"))
            .await;
    }
    for i in 0..UPDATES {
        assert_eq!(writer.status(BOARD).await, Some(true), "ack {i} in order");
    }
    let every_key: std::collections::BTreeSet<String> =
        (0..UPDATES).map(|i| format!("k{i:04}")).collect();
    for (n, reader) in readers.iter_mut().enumerate() {
        assert!(
            reader.wait_keys(BOARD, &every_key).await,
            "reader {n} has every update"
        );
        let order: Vec<usize> = reader
            .log
            .iter()
            .filter_map(|seen| match seen {
                Seen::Frame(MuxFrame::Board {
                    message: MuxMessage::Sync(SyncMessage::Update { update }),
                    ..
                }) => sequence_number(update),
                _ => None,
            })
            .collect();
        assert_eq!(
            order,
            (0..UPDATES).collect::<Vec<_>>(),
            "reader {n} got the updates once each, in order"
        );
    }
    relay.stop().await;
}

/// The `seq-NNNN` an update's value carries.
fn sequence_number(update: &[u8]) -> Option<usize> {
    let at = update.windows(4).position(|w| w == b"seq-")?;
    let digits = update.get(at + 4..at + 8)?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Presence is two-sided: someone who joins sees who is already on the board at once, after
/// the handshake, without asking (QueryAwareness) and without them moving (issue 18).
#[tokio::test]
async fn a_joiner_sees_everyone_already_present_without_them_moving() {
    for kind in BOTH {
        let relay = TestRelay::start(kind).await;
        let mut alice = relay.client().await;
        assert_eq!(alice.open(BOARD, "editor").await, Ok(AuthScope::ReadWrite));
        let update = sync_protocol::encode_awareness_update(&[AwarenessEntry {
            client_id: 4242,
            clock: 1,
            state_json: r#"{"user":"alice"}"#.into(),
        }]);
        alice.send(BOARD, MuxMessage::Awareness { update }).await;
        // Alice's socket is read in order: once this edit is acknowledged, the relay holds her
        // presence. She sends nothing more after it.
        alice.set(BOARD, "a1", "from alice").await;
        assert_eq!(alice.status(BOARD).await, Some(true), "{kind:?}");

        let mut bob = relay.client().await;
        assert_eq!(bob.open(BOARD, "viewer").await, Ok(AuthScope::ReadOnly));
        assert!(
            bob.until(|c| saw_awareness_of(c, 4242)).await,
            "{kind:?}: bob sees alice's presence without asking and without her moving"
        );
    }
}
