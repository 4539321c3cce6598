//! What one connection may make the relay hold: awareness states (size, shape, number and
//! ownership), answers to QueryAwareness from a socket that never reads, and bytes queued
//! towards a client that has stopped reading. Everything is measured by the relay's own
//! metrics and frames, never by time.

use std::collections::HashMap;
use std::sync::Arc;

use sync_protocol::{AwarenessEntry, Limits, MuxFrame, MuxMessage};
use sync_server::config::ServerConfig;

use crate::support::{stored_keys, Backend, BackendKind, Client, Seen, TestRelay, Tokens};

const BOARD: &str = "0190a000-0000-7000-8000-0000000000b0";

/// The relay's default bounds (see `ConnectionLimits`).
const MAX_STATE_BYTES: usize = 16 * 1024;
const MAX_STATES_PER_CONNECTION: usize = 8;

fn awareness_message(entries: &[(u64, u64, &str)]) -> MuxMessage {
    let entries: Vec<AwarenessEntry> = entries
        .iter()
        .map(|(client_id, clock, state)| AwarenessEntry {
            client_id: *client_id,
            clock: *clock,
            state_json: (*state).to_owned(),
        })
        .collect();
    MuxMessage::Awareness {
        update: sync_protocol::encode_awareness_update(&entries),
    }
}

/// A state of about `bytes` bytes of JSON.
fn padded_state(bytes: usize) -> String {
    format!(r#"{{"pad":"{}"}}"#, "x".repeat(bytes.saturating_sub(10)))
}

fn pongs(client: &Client) -> usize {
    client
        .log
        .iter()
        .filter(|seen| matches!(seen, Seen::Frame(MuxFrame::Pong)))
        .count()
}

/// Pings the relay and waits for its pong: everything this client sent before has been
/// handled (a connection handles its frames in order, and queues its answers in order).
async fn round_trip(client: &mut Client) {
    let before = pongs(client);
    client.send_raw(vec![sync_protocol::PING_BYTE]).await;
    let answered = client.until(|c| pongs(c) > before).await;
    assert!(answered, "pong: {:?}", client.closed);
}

/// Every awareness entry in the frames `client` received from `from` on.
fn awareness_seen(client: &Client, from: usize) -> Vec<AwarenessEntry> {
    let limits = Limits {
        max_frame_bytes: usize::MAX,
        ..Limits::default()
    };
    client.log[from..]
        .iter()
        .filter_map(|seen| match seen {
            Seen::Frame(MuxFrame::Board {
                message: MuxMessage::Awareness { update },
                ..
            }) => Some(
                sync_protocol::decode_awareness_update(update, &limits)
                    .expect("the relay's awareness decodes"),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Asks for the room's awareness; the entries of the answer (none when the room has none).
async fn query_awareness(client: &mut Client) -> Vec<AwarenessEntry> {
    let from = client.log.len();
    client.send(BOARD, MuxMessage::QueryAwareness).await;
    round_trip(client).await;
    awareness_seen(client, from)
}

async fn scrape(relay: &TestRelay) -> HashMap<String, f64> {
    let (status, body) = relay.http_get("/metrics").await;
    assert_eq!(status, 200);
    body.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

fn sample(samples: &HashMap<String, f64>, name: &str) -> f64 {
    samples.get(name).copied().unwrap_or(0.0)
}

fn is_json_object(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok_and(|value| value.is_object())
}

#[tokio::test]
async fn awareness_states_are_bounded_in_size_shape_and_number() {
    let relay = TestRelay::start(BackendKind::Sqlite).await;
    let mut attacker = relay.client().await;
    attacker.open(BOARD, "viewer").await.expect("open");

    // Too big, not an object, not JSON at all; then more states than one connection may hold.
    let oversize = padded_state(64 * 1024);
    let mut entries: Vec<(u64, u64, &str)> = vec![
        (1, 1, &oversize),
        (2, 1, "[1,2,3]"),
        (3, 1, "not json"),
        (4, 1, r#""a string""#),
    ];
    let valid: Vec<String> = (0..20).map(|i| format!(r#"{{"n":{i}}}"#)).collect();
    entries.extend(
        valid
            .iter()
            .enumerate()
            .map(|(i, state)| (10 + i as u64, 1, state.as_str())),
    );
    attacker.send(BOARD, awareness_message(&entries)).await;
    // One message of a thousand (empty) states is refused whole.
    let many: Vec<(u64, u64, &str)> = (1_000..2_000).map(|id| (id, 1, "{}")).collect();
    attacker.send(BOARD, awareness_message(&many)).await;
    round_trip(&mut attacker).await;

    let mut newcomer = relay.client().await;
    newcomer.open(BOARD, "viewer").await.expect("open");
    let held = query_awareness(&mut newcomer).await;
    assert!(
        held.len() <= MAX_STATES_PER_CONNECTION,
        "one connection holds at most {MAX_STATES_PER_CONNECTION} states, the room sent {}",
        held.len()
    );
    for entry in &held {
        assert!((10..30).contains(&entry.client_id), "{}", entry.client_id);
        assert!(entry.state_json.len() <= MAX_STATE_BYTES);
        assert!(is_json_object(&entry.state_json), "{}", entry.state_json);
    }
    let metrics = scrape(&relay).await;
    assert!(
        sample(
            &metrics,
            r#"tack_relay_rejected_frames_total{reason="awareness_limit"}"#
        ) >= 1.0,
        "refusals are counted"
    );
    relay.stop().await;
}

#[tokio::test]
async fn repeated_awareness_abuse_closes_the_channel_with_a_reason() {
    let relay = TestRelay::start(BackendKind::Sqlite).await;
    let mut attacker = relay.client().await;
    attacker.open(BOARD, "viewer").await.expect("open");
    let oversize = padded_state(2 * MAX_STATE_BYTES);
    for clock in 0..100 {
        attacker
            .send(BOARD, awareness_message(&[(7, clock, &oversize)]))
            .await;
    }
    let closed = attacker
        .until(|c| {
            c.log.iter().any(|seen| {
                matches!(seen, Seen::Frame(MuxFrame::Board {
                    message: MuxMessage::Close { reason: Some(reason) }, ..
                }) if reason.contains("awareness"))
            })
        })
        .await;
    assert!(closed, "the board's channel closes with a reason");
    assert!(attacker.closed.is_none(), "the socket itself stays up");
    relay.stop().await;
}

#[tokio::test]
async fn a_connection_cannot_overwrite_or_clear_another_members_presence() {
    let relay = TestRelay::start(BackendKind::Sqlite).await;
    let alice_state = r#"{"user":"alice"}"#;
    let mut alice = relay.client().await;
    alice.open(BOARD, "editor").await.expect("open");
    alice
        .send(BOARD, awareness_message(&[(111, 1, alice_state)]))
        .await;
    round_trip(&mut alice).await;

    let mut carol = relay.client().await;
    carol.open(BOARD, "viewer").await.expect("open");
    let watched_from = carol.log.len();

    // A viewer reuses Alice's client id with higher clocks: clears it, then takes it over.
    let mut mallory = relay.client().await;
    mallory.open(BOARD, "viewer").await.expect("open");
    mallory
        .send(BOARD, awareness_message(&[(111, 9, "null")]))
        .await;
    mallory
        .send(
            BOARD,
            awareness_message(&[(111, 10, r#"{"user":"mallory"}"#)]),
        )
        .await;
    round_trip(&mut mallory).await;

    let seen = query_awareness(&mut carol).await;
    let alices: Vec<&AwarenessEntry> = seen.iter().filter(|e| e.client_id == 111).collect();
    assert_eq!(alices.len(), 1, "{seen:?}");
    assert_eq!(alices[0].clock, 1);
    assert_eq!(alices[0].state_json, alice_state);
    let relayed = awareness_seen(&carol, watched_from);
    assert!(
        relayed.iter().all(|e| e.client_id != 111 || e.clock == 1),
        "Mallory's entries for Alice's id were relayed: {relayed:?}"
    );
    round_trip(&mut alice).await;
    assert!(
        awareness_seen(&alice, 0).iter().all(|e| e.client_id != 111),
        "Alice was told her own presence was cleared"
    );
    let metrics = scrape(&relay).await;
    assert!(
        sample(
            &metrics,
            r#"tack_relay_rejected_frames_total{reason="awareness_spoof"}"#
        ) >= 2.0,
        "spoofed entries are counted"
    );

    // Alice still owns her id: her next state is relayed and held.
    alice
        .send(
            BOARD,
            awareness_message(&[(111, 2, r#"{"user":"alice2"}"#)]),
        )
        .await;
    round_trip(&mut alice).await;
    let seen = query_awareness(&mut carol).await;
    assert!(
        seen.iter()
            .any(|e| e.client_id == 111 && e.state_json == r#"{"user":"alice2"}"#),
        "{seen:?}"
    );
    relay.stop().await;
}

#[tokio::test]
async fn query_awareness_from_a_socket_that_never_reads_does_not_copy_the_room_again() {
    let relay = TestRelay::start(BackendKind::Sqlite).await;
    // Eight members with eight states of ~14 KiB each: a snapshot of ~900 KiB.
    let state = padded_state(14 * 1024);
    let mut members = Vec::new();
    for member in 0..8u64 {
        let mut client = relay.client().await;
        client.open(BOARD, "viewer").await.expect("open");
        let entries: Vec<(u64, u64, &str)> = (0..8)
            .map(|k| (1_000 + member * 10 + k, 1, state.as_str()))
            .collect();
        client.send(BOARD, awareness_message(&entries)).await;
        round_trip(&mut client).await;
        members.push(client);
    }
    let mut reader = relay.client().await;
    reader.open(BOARD, "viewer").await.expect("open");
    let snapshot_bytes: usize = query_awareness(&mut reader)
        .await
        .iter()
        .map(|e| e.state_json.len())
        .sum();
    assert!(snapshot_bytes > 800 * 1024, "{snapshot_bytes}");

    // From here on the reader never reads; it only asks, a hundred times.
    let before = scrape(&relay).await;
    let queries = 100;
    for _ in 0..queries {
        reader.send(BOARD, MuxMessage::QueryAwareness).await;
    }
    let handled = r#"tack_relay_frames_received_total{kind="query_awareness"}"#;
    let target = sample(&before, handled) + f64::from(queries);
    let mut after = scrape(&relay).await;
    for _ in 0..1_000 {
        if sample(&after, handled) >= target {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        after = scrape(&relay).await;
    }
    assert!(sample(&after, handled) >= target, "the relay handled them");
    let queued = sample(&after, "tack_relay_bytes_sent_total")
        - sample(&before, "tack_relay_bytes_sent_total");
    // Whatever the kernel's socket buffers absorb, plus one answer still outstanding.
    assert!(
        queued < 24.0 * 1024.0 * 1024.0,
        "{queries} queries of a {snapshot_bytes}-byte snapshot queued {queued} bytes"
    );
    relay.stop().await;
}

/// A sluggard that never reads while a writer sends 300 updates of 128 KiB: it must be
/// disconnected (measured by `slow_consumer_disconnects`), while the writer keeps being
/// acknowledged and everything acknowledged is stored.
async fn sluggard_is_disconnected_and_writer_served(relay: &TestRelay) {
    let mut sluggard = relay.client().await;
    sluggard.open(BOARD, "editor").await.expect("open");
    let mut writer = relay.client().await;
    writer.open(BOARD, "editor").await.expect("open");
    // 300 frames of 128 KiB (37.5 MiB) stay far below the frame bound but far above the byte
    // budget plus what the kernel's socket buffers absorb.
    let big = "x".repeat(128 * 1024);
    let disconnected = "tack_relay_slow_consumer_disconnects_total";
    let mut acknowledged = 0;
    let mut sent = 0;
    while sent < 300 {
        writer.set(BOARD, &format!("k{sent}"), &big).await;
        sent += 1;
        if writer.status(BOARD).await == Some(true) {
            acknowledged += 1;
        }
        if sample(&scrape(relay).await, disconnected) >= 1.0 {
            break;
        }
    }
    assert_eq!(
        sample(&scrape(relay).await, disconnected),
        1.0,
        "the sluggard was disconnected ({sent} updates of 128 KiB sent)"
    );
    assert_eq!(acknowledged, sent, "the writer kept being acknowledged");
    writer.set(BOARD, "after", "the sluggard").await;
    assert_eq!(writer.status(BOARD).await, Some(true));
    let closed = sluggard.closed().await;
    assert!(
        matches!(&closed, Some((1013, _))),
        "the sluggard sees 1013 once it reads again: {closed:?}"
    );
    let storage = relay.backend.storage().await;
    assert_eq!(stored_keys(&storage, BOARD).await.len(), acknowledged + 1);
}

#[tokio::test]
async fn a_client_that_never_reads_is_disconnected_by_bytes_queued_not_frames() {
    // Default limits: 1,024 frames, 8 MiB per connection.
    let relay = TestRelay::start(BackendKind::Sqlite).await;
    sluggard_is_disconnected_and_writer_served(&relay).await;
    relay.stop().await;
}

#[tokio::test]
async fn the_relay_wide_byte_budget_disconnects_the_connection_that_passes_it() {
    let mut config = ServerConfig::default();
    // No bound of its own: only the relay's budget can stop this queue.
    config.limits.send_queue_bytes = usize::MAX;
    config.limits.relay_send_queue_bytes = 2 * 1024 * 1024;
    let relay =
        TestRelay::start_with(Backend::new(BackendKind::Sqlite), Arc::new(Tokens), config).await;
    sluggard_is_disconnected_and_writer_served(&relay).await;
    let metrics = scrape(&relay).await;
    assert_eq!(sample(&metrics, "tack_relay_send_queue_bytes"), 0.0);
    relay.stop().await;
}
