//! `/metrics` after a short, known load: the exposition is parsed and its values must match
//! what the test did (frame and update counts, histogram counts, one concurrent write).

use std::collections::HashMap;

use sync_protocol::{MuxMessage, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::{Map, MapPrelim, MapRef, ReadTxn, Transact};

use crate::support::{BackendKind, Client, TestRelay};

const BOARD: &str = "0190a000-0000-7000-8000-0000000000e0";

/// `name{labels}` → value, for every sample line of a Prometheus/OpenMetrics exposition.
fn parse(exposition: &str) -> HashMap<String, f64> {
    exposition
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

fn value(samples: &HashMap<String, f64>, name: &str) -> f64 {
    *samples
        .get(name)
        .unwrap_or_else(|| panic!("no sample {name}; have {:?}", samples.keys()))
}

async fn scrape(relay: &TestRelay) -> HashMap<String, f64> {
    let (status, body) = relay.http_get("/metrics").await;
    assert_eq!(status, 200);
    parse(&body)
}

/// Writes `tasks[task][field] = value` and sends it; the write's update.
async fn write_field(client: &mut Client, task: &str, field: &str, value: &str) {
    let doc = client.doc(BOARD).clone();
    let tasks = doc.get_or_insert_map("tasks");
    let before = doc.transact().state_vector();
    {
        let mut txn = doc.transact_mut();
        let task_map: MapRef = match tasks.get(&txn, task) {
            Some(yrs::Out::YMap(map)) => map,
            _ => tasks.insert(&mut txn, task, MapPrelim::default()),
        };
        task_map.insert(&mut txn, field, value);
    }
    let update = doc.transact().encode_diff_v1(&before);
    client
        .send(BOARD, MuxMessage::Sync(SyncMessage::Update { update }))
        .await;
}

#[tokio::test]
async fn metrics_report_the_load_that_was_sent() {
    let relay = TestRelay::start(BackendKind::Postgres).await;
    let mut ada = relay.client().await;
    ada.open(BOARD, "editor").await.expect("open");
    let mut bob = relay.client().await;
    bob.open(BOARD, "editor").await.expect("open");
    let before = scrape(&relay).await;

    const UPDATES: usize = 20;
    for i in 0..UPDATES {
        ada.set(BOARD, &format!("k{i}"), "v").await;
        assert_eq!(ada.status(BOARD).await, Some(true));
    }
    // One task both edit, then the same field written by both without seeing each other.
    write_field(&mut ada, "t1", "title", "first").await;
    assert_eq!(ada.status(BOARD).await, Some(true));
    let created = bob
        .until(|c| {
            let doc = c.doc(BOARD);
            let tasks = doc.get_or_insert_map("tasks");
            let txn = doc.transact();
            tasks.get(&txn, "t1").is_some()
        })
        .await;
    assert!(created, "bob saw the task");
    write_field(&mut ada, "t1", "title", "ada's").await;
    write_field(&mut bob, "t1", "title", "bob's").await;
    assert_eq!(ada.status(BOARD).await, Some(true));
    assert_eq!(bob.status(BOARD).await, Some(true));
    let writes = UPDATES + 3;

    // The conflict counter runs off the hot path: wait (bounded) for it.
    let mut after = scrape(&relay).await;
    for _ in 0..200 {
        if value(&after, "tack_relay_concurrent_field_writes_total") >= 1.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        after = scrape(&relay).await;
    }
    let delta = |name: &str| value(&after, name) - before.get(name).copied().unwrap_or(0.0);

    assert_eq!(value(&after, "tack_relay_connections"), 2.0);
    assert_eq!(value(&after, "tack_relay_rooms"), 1.0);
    assert_eq!(
        delta("tack_relay_frames_received_total{kind=\"sync\"}"),
        writes as f64,
        "one sync frame per update sent"
    );
    assert!(delta("tack_relay_bytes_received_by_kind_total{kind=\"sync\"}") > 0.0);
    assert_eq!(delta("tack_relay_fanout_seconds_count"), writes as f64);
    assert_eq!(delta("tack_relay_ack_seconds_count"), writes as f64);
    assert_eq!(
        delta("tack_relay_commit_batch_updates_sum"),
        writes as f64,
        "every update committed once"
    );
    assert!(delta("tack_relay_commit_batch_updates_count") >= 1.0);
    assert!(delta("tack_relay_commit_seconds_count") >= 1.0);
    // Each update reaches the other client once; acknowledgements go to the sender.
    assert!(delta("tack_relay_frames_sent_total") >= (2 * writes) as f64);
    assert_eq!(
        value(&after, "tack_relay_concurrent_field_writes_total"),
        1.0,
        "the two concurrent title writes are one conflict"
    );

    // A client coming back with state counts as a reconnect; a malformed update as rejected.
    let mut again = relay.client().await;
    ada.set(BOARD, "local", "v").await;
    let ada_doc_update = {
        let doc = ada.doc(BOARD);
        doc.transact()
            .encode_state_as_update_v1(&yrs::StateVector::default())
    };
    again
        .doc(BOARD)
        .transact_mut()
        .apply_update(yrs::Update::decode_v1(&ada_doc_update).expect("decode"))
        .expect("apply");
    again.open(BOARD, "editor").await.expect("reopen");
    again
        .send(
            BOARD,
            MuxMessage::Sync(SyncMessage::Update {
                update: vec![0xff, 0xff, 0xff],
            }),
        )
        .await;
    assert_eq!(again.status(BOARD).await, Some(false));
    let last = scrape(&relay).await;
    assert_eq!(
        value(&last, "tack_relay_reconnects_total") - value(&after, "tack_relay_reconnects_total"),
        1.0
    );
    assert_eq!(
        value(
            &last,
            "tack_relay_rejected_frames_total{reason=\"malformed_update\"}"
        ),
        1.0
    );
}
