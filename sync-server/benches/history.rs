//! Task history from the relay (issue 18's number): a task with 10,000 changes recorded in
//! `task_changes` (beside 10,000 of other tasks), then 1,000 `GET /v1/boards/{board}/tasks/
//! {task}/history` of its first page (50, newest first) over loopback HTTP, one connection
//! each, on the embedded SQLite store and on a fresh PostgreSQL database (row-level security
//! on, as the relay's role). Prints p50 / p99 / max.
//!
//! Also the room's cost of recording: applying 10,000 real task edits (one update each, as a
//! room applies them) to a document without and with a `HistoryRecorder` (taken after every
//! update, as `Room::apply_update` does), best of 5.
//!
//! `cargo bench -p sync-server --bench history` (PostgreSQL at 127.0.0.1:5432, as the tests;
//! `TACK_BENCH_SQLITE_ONLY=1` skips it).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use board_model::{FieldValue, HistoryField, TaskChange};
use sync_server::config::ServerConfig;
use sync_server::history::{self, CommittedChanges};
use sync_server::server::RelayServer;
use sync_server::storage::Storage;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BOARD: &str = "0190a000-0000-7000-8000-0000000be4c1";
const TASK: &str = "0190a000-0000-7000-8000-00000000a001";
const OTHER: &str = "0190a000-0000-7000-8000-00000000a002";
const CHANGES: i64 = 10_000;
const REQUESTS: usize = 1_000;

async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

async fn run(label: &str, database_url: Option<String>) {
    let dir = tempfile::tempdir().expect("dir");
    let sqlite = dir.path().join("relay.sqlite3");
    if let Some(owner) = &database_url {
        Storage::migrate_postgres(owner).await.expect("migrate");
    }
    let relay_url = database_url
        .as_ref()
        .map(|url| format!("{url}?options=-c%20role%3Dtack_relay"));
    let storage = Storage::connect_with(relay_url.as_deref(), &sqlite, false)
        .await
        .expect("storage");
    let verifier = Arc::new(sync_server::accounts::AccountVerifier::new(storage.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let relay = RelayServer::new(storage.clone(), verifier, ServerConfig::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(relay.serve(listener, async move {
        let _ = stopped.await;
    }));

    let (status, body) = http(
        addr,
        "POST",
        "/v1/signup",
        None,
        r#"{"email":"bench@example.com","password":"correct horse"}"#,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let signed: serde_json::Value = serde_json::from_str(&body).expect("json");
    let user = signed["user_id"].as_str().expect("user").to_owned();
    let token = signed["token"].as_str().expect("token").to_owned();
    let (status, body) = http(
        addr,
        "PUT",
        &format!("/v1/boards/{BOARD}"),
        Some(&token),
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // 10,000 updates, each changing the task and another one (as the committer records them).
    let changes: Vec<[TaskChange; 2]> = (0..CHANGES)
        .map(|i| {
            [
                TaskChange {
                    task: TASK.into(),
                    field: HistoryField::Title,
                    value: FieldValue::Text(format!("Busy, version {i}")),
                    truncated: false,
                },
                TaskChange {
                    task: OTHER.into(),
                    field: HistoryField::Description,
                    value: FieldValue::Text(format!("Other, version {i}")),
                    truncated: false,
                },
            ]
        })
        .collect();
    let started = Instant::now();
    for (chunk_index, chunk) in changes.chunks(500).enumerate() {
        let rows: Vec<CommittedChanges<'_>> = chunk
            .iter()
            .enumerate()
            .map(|(i, pair)| CommittedChanges {
                board: BOARD,
                seq: i64::try_from(chunk_index * 500 + i + 1).expect("seq"),
                author: &user,
                changes: pair,
            })
            .collect();
        history::record(&storage, &rows, history::now_ms())
            .await
            .expect("record");
    }
    let recorded = started.elapsed();

    let path = format!("/v1/boards/{BOARD}/tasks/{TASK}/history?limit=50");
    for _ in 0..50 {
        let (status, _) = http(addr, "GET", &path, Some(&token), "").await;
        assert_eq!(status, 200);
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let at = Instant::now();
        let (status, body) = http(addr, "GET", &path, Some(&token), "").await;
        latencies.push(at.elapsed());
        assert_eq!(status, 200);
        assert!(body.contains("Busy, version 9999"));
    }
    latencies.sort();
    let pick = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{label}: first page of 50 of a task with {CHANGES} changes over HTTP, {REQUESTS} requests: \
         p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (recording 20,000 rows took {:.0} ms)",
        pick(0.50).as_secs_f64() * 1e3,
        pick(0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        recorded.as_secs_f64() * 1e3,
    );
    let _ = stop.send(());
    let _ = serving.await;
}

/// Applies `updates` to a fresh document copy of `base`, recording or not; returns the time.
fn apply_all(base: &[u8], updates: &[Vec<u8>], record: bool) -> Duration {
    use yrs::updates::decoder::Decode;
    use yrs::{Doc, Transact, Update};
    let doc = Doc::new();
    doc.transact_mut()
        .apply_update(Update::decode_v1(base).expect("base"))
        .expect("apply base");
    let recorder = record.then(|| board_model::HistoryRecorder::attach(&doc));
    let started = Instant::now();
    let mut recorded = 0usize;
    for update in updates {
        doc.transact_mut()
            .apply_update(Update::decode_v1(update).expect("update"))
            .expect("apply");
        if let Some(recorder) = &recorder {
            recorded += recorder.take(&doc.transact()).len();
        }
    }
    let elapsed = started.elapsed();
    if record {
        assert_eq!(recorded, updates.len());
    }
    elapsed
}

fn recorder_overhead() {
    use board_model::{Board, NewTask, Place, ReplicaConfig};
    let mut board = Board::create(BOARD, "Room", ReplicaConfig::default()).expect("board");
    let column = board
        .add_column("Todo", None, Place::Bottom)
        .expect("column");
    let tasks: Vec<String> = (0..1_000)
        .map(|i| {
            board
                .add_task(
                    &column,
                    &format!("Task {i}"),
                    Place::Bottom,
                    NewTask::default(),
                )
                .expect("task")
        })
        .collect();
    board.take_local_updates();
    let base = board.encode_state();
    let updates: Vec<Vec<u8>> = (0..10_000)
        .map(|i| {
            let task = &tasks[i % tasks.len()];
            if i % 2 == 0 {
                board
                    .set_task_title(task, &format!("Title {i}"))
                    .expect("title");
            } else {
                board
                    .edit_description(task, 0, 0, "x")
                    .expect("description");
            }
            let updates = board.take_local_updates();
            sync_protocol::guard::merge_updates(updates.iter().map(Vec::as_slice)).expect("merge")
        })
        .collect();
    let best = |record: bool| {
        (0..5)
            .map(|_| apply_all(&base, &updates, record))
            .min()
            .unwrap_or_default()
    };
    let without = best(false);
    let with = best(true);
    let per = |d: Duration| d.as_secs_f64() * 1e6 / updates.len() as f64;
    println!(
        "room apply of 10,000 task edits on a 1,000-task board: without recorder {:.2} µs/update, \
         with recorder + take {:.2} µs/update (+{:.2} µs)",
        per(without),
        per(with),
        per(with) - per(without)
    );
}

fn main() {
    recorder_overhead();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run("SQLite", None));
    if std::env::var_os("TACK_BENCH_SQLITE_ONLY").is_none() {
        let database = test_support::postgres::TestDatabase::create();
        runtime.block_on(run("PostgreSQL", Some(database.url.clone())));
    }
}
