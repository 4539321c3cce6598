//! Hostile input: each attack is refused with a reason, nothing it sent is stored, and the
//! relay keeps serving everyone else.

use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use sync_protocol::lib0::{write_var_bytes, write_var_string, write_var_u64};
use sync_protocol::{MuxMessage, SyncMessage};
use sync_server::config::ServerConfig;

use crate::support::{stored_keys, Backend, BackendKind, TestRelay, Tokens};

const VICTIM: &str = "0190a000-0000-7000-8000-00000000dead";
const BYSTANDER: &str = "0190a000-0000-7000-8000-0000000000ff";

async fn relay_with(config: ServerConfig) -> TestRelay {
    TestRelay::start_with(Backend::new(BackendKind::Sqlite), Arc::new(Tokens), config).await
}

/// A bystander on another board edits and is acknowledged: the relay is alive and serving.
async fn bystander_still_served(relay: &TestRelay, key: &str) {
    let mut bystander = relay.client().await;
    bystander
        .open(BYSTANDER, "editor")
        .await
        .expect("bystander opens its board");
    bystander.set(BYSTANDER, key, "fine").await;
    assert_eq!(
        bystander.status(BYSTANDER).await,
        Some(true),
        "relay still serves others"
    );
}

fn mux_sync_update(board: &str, update: &[u8]) -> Vec<u8> {
    let mut frame = Vec::new();
    write_var_string(&mut frame, board);
    write_var_u64(&mut frame, 0);
    write_var_u64(&mut frame, 2);
    write_var_bytes(&mut frame, update);
    frame
}

/// A ~20 KB Yjs update whose one item holds an `Any` array nested `depth` levels deep: yrs
/// 0.28.1 recurses on it and overflows the stack (aborting the whole process).
fn deeply_nested_update(depth: usize) -> Vec<u8> {
    let mut u = vec![1, 1, 1, 0, 8, 1];
    write_var_string(&mut u, "m");
    u.push(1);
    for _ in 0..depth {
        u.extend_from_slice(&[117, 1]);
    }
    u.push(126);
    u.push(0);
    u
}

#[tokio::test]
async fn random_and_truncated_frames_close_only_that_socket() {
    let relay = TestRelay::start(BackendKind::Sqlite).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for round in 0..30 {
        let mut attacker = relay.client().await;
        attacker.open(VICTIM, "editor").await.expect("open");
        let frame: Vec<u8> = if round % 2 == 0 {
            (0..rng.random_range(1..64)).map(|_| rng.random()).collect()
        } else {
            let valid = mux_sync_update(VICTIM, &[1, 1, 9, 0, 4, 1, 1, b'm', 1, b'x', 0]);
            valid[..rng.random_range(1..valid.len())].to_vec()
        };
        attacker.send_raw(frame).await;
        // Either the frame happened to be harmless, or the socket or board was closed with a reason.
        attacker.send_raw(vec![9]).await;
        attacker
            .until(|c| c.closed.is_some() || c.log.len() > 40)
            .await;
    }
    bystander_still_served(&relay, "after-random").await;
    let storage = relay.backend.storage().await;
    assert!(
        stored_keys(&storage, VICTIM).await.is_empty(),
        "no garbage stored"
    );
    relay.stop().await;
}

#[tokio::test]
async fn huge_length_prefixes_and_invalid_utf8_close_the_socket_with_1007() {
    let relay = TestRelay::start(BackendKind::Sqlite).await;
    let attacks: Vec<Vec<u8>> = vec![
        vec![0xff, 0xff, 0xff, 0xff, 0x0f, b'a'],
        vec![
            0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01,
        ],
        vec![2, 0xff, 0xfe, 0, 0, 0],
    ];
    for attack in attacks {
        let mut attacker = relay.client().await;
        attacker.send_raw(attack.clone()).await;
        let (code, reason) = attacker.closed().await.expect("closed");
        assert_eq!(code, 1007, "{attack:?}: {reason}");
        assert!(reason.starts_with("malformed frame"), "{reason}");
    }
    bystander_still_served(&relay, "after-prefixes").await;
    relay.stop().await;
}

#[tokio::test]
async fn the_ten_thousand_deep_update_and_the_state_vector_bomb_are_refused() {
    let relay = TestRelay::start(BackendKind::Postgres).await;
    let mut attacker = relay.client().await;
    attacker.open(VICTIM, "editor").await.expect("open");
    attacker
        .send_raw(mux_sync_update(VICTIM, &deeply_nested_update(10_000)))
        .await;
    assert_eq!(attacker.status(VICTIM).await, Some(false));
    let closed_board = attacker
        .until(|c| {
            c.log.iter().any(|s| matches!(s, crate::support::Seen::Frame(sync_protocol::MuxFrame::Board { message: MuxMessage::Close { reason: Some(r) }, .. }) if r.contains("malformed update")))
        })
        .await;
    assert!(closed_board, "the board channel is closed with a reason");

    attacker.open(VICTIM, "editor").await.expect("reopen");
    attacker
        .send(
            VICTIM,
            MuxMessage::Sync(SyncMessage::Step1 {
                state_vector: vec![0xff, 0xff, 0xff, 0x7a],
            }),
        )
        .await;
    let refused = attacker
        .until(|c| {
            c.log.iter().any(|s| matches!(s, crate::support::Seen::Frame(sync_protocol::MuxFrame::Board { message: MuxMessage::Close { reason: Some(r) }, .. }) if r.contains("state vector")))
        })
        .await;
    assert!(refused);
    assert!(attacker.closed.is_none(), "the socket itself stays up");
    bystander_still_served(&relay, "after-bombs").await;
    let storage = relay.backend.storage().await;
    assert!(stored_keys(&storage, VICTIM).await.is_empty());
    relay.stop().await;
}

#[tokio::test]
async fn an_oversize_message_closes_with_1009() {
    let mut config = ServerConfig::default();
    config.limits.max_message_bytes = 64 * 1024;
    let relay = relay_with(config).await;
    let mut attacker = relay.client().await;
    attacker.open(VICTIM, "editor").await.expect("open");
    attacker
        .send_raw(mux_sync_update(VICTIM, &vec![0u8; 200 * 1024]))
        .await;
    let (code, _) = attacker.closed().await.expect("closed");
    assert_eq!(code, 1009);
    bystander_still_served(&relay, "after-oversize").await;
    relay.stop().await;
}

#[tokio::test]
async fn a_flood_of_unauthenticated_boards_is_cut_off() {
    let relay = TestRelay::start(BackendKind::Sqlite).await;
    let mut attacker = relay.client().await;
    for i in 0..500 {
        let board = format!("flood-{i}");
        attacker
            .send(
                &board,
                MuxMessage::Sync(SyncMessage::Step1 {
                    state_vector: vec![0],
                }),
            )
            .await;
    }
    let (code, reason) = attacker.closed().await.expect("closed");
    assert_eq!(code, 1008, "{reason}");
    bystander_still_served(&relay, "after-flood").await;
    relay.stop().await;
}

#[tokio::test]
async fn a_socket_that_never_authenticates_is_closed_at_the_deadline() {
    let mut config = ServerConfig::default();
    config.limits.auth_timeout = Duration::from_millis(300);
    let relay = relay_with(config).await;
    let mut idle = relay.client().await;
    let (code, reason) = idle.closed().await.expect("closed");
    assert_eq!(code, 1008);
    assert!(reason.contains("authenticated"), "{reason}");
    relay.stop().await;
}

#[tokio::test]
async fn a_client_that_never_reads_is_disconnected_without_hurting_others() {
    let mut config = ServerConfig::default();
    config.limits.send_queue_frames = 8;
    let relay = relay_with(config).await;
    // The sluggard opens the board, then never reads again.
    let mut sluggard = relay.client().await;
    sluggard.open(VICTIM, "editor").await.expect("open");
    let mut writer = relay.client().await;
    writer.open(VICTIM, "editor").await.expect("open");
    let big = "x".repeat(64 * 1024);
    let mut acknowledged = 0;
    for i in 0..300 {
        writer.set(VICTIM, &format!("k{i}"), &big).await;
        if writer.status(VICTIM).await == Some(true) {
            acknowledged += 1;
        }
        let (_, metrics) = relay.http_get("/metrics").await;
        if metrics.contains("tack_relay_slow_consumer_disconnects_total 1") {
            break;
        }
    }
    let (_, metrics) = relay.http_get("/metrics").await;
    assert!(
        metrics.contains("tack_relay_slow_consumer_disconnects_total 1"),
        "the sluggard was disconnected"
    );
    assert!(acknowledged > 0, "the writer kept being served");
    let closed = sluggard.until(|c| c.closed.is_some()).await;
    assert!(
        closed,
        "the sluggard sees its socket closed once it reads again"
    );
    let storage = relay.backend.storage().await;
    assert_eq!(stored_keys(&storage, VICTIM).await.len(), acknowledged);
    bystander_still_served(&relay, "after-sluggard").await;
    relay.stop().await;
}

/// A well-formed update that makes yrs panic while applying its delete set (a fuzz find,
/// `crates/sync-protocol/fuzz/artifacts`; debug builds turn the overflow into a panic). Its
/// first block starts far past anything the relay has, so the relay refuses it as missing
/// history before yrs sees it (the same delete set at clock 0 does not panic): refused,
/// nothing stored, the board and the relay carry on.
#[tokio::test]
async fn the_known_yrs_crasher_is_refused_and_the_board_carries_on() {
    let crasher = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../crates/sync-protocol/fuzz/artifacts/prescan_then_yrs")
            .join("crash-58dd6a5b1246800fb8cdde854936cdd00b982a17"),
    )
    .expect("fuzz artifact");
    let relay = TestRelay::start(BackendKind::Sqlite).await;
    let mut alice = relay.client().await;
    alice.open(VICTIM, "editor").await.expect("open");
    alice.set(VICTIM, "kept", "stored before the attack").await;
    assert_eq!(alice.status(VICTIM).await, Some(true));

    let mut attacker = relay.client().await;
    attacker.open(VICTIM, "editor").await.expect("open");
    attacker.send_raw(mux_sync_update(VICTIM, &crasher)).await;
    assert_eq!(attacker.status(VICTIM).await, Some(false));

    alice.set(VICTIM, "after", "the attack").await;
    assert_eq!(alice.status(VICTIM).await, Some(true));
    let mut carol = relay.client().await;
    carol.open(VICTIM, "editor").await.expect("open");
    assert_eq!(
        carol.keys(VICTIM),
        crate::support::set_of(&["kept", "after"])
    );
    let storage = relay.backend.storage().await;
    assert_eq!(
        stored_keys(&storage, VICTIM).await,
        crate::support::set_of(&["kept", "after"])
    );
    bystander_still_served(&relay, "after-crasher").await;
    relay.stop().await;
}
