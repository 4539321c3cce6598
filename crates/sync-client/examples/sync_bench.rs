//! Sync client figures for BENCHMARKS.md (loopback, a fresh PostgreSQL database, the real
//! `tack-server` binary so its memory can be read from /proc):
//!
//! 1. resync: a client with 50 boards, each with one change made while the relay was down;
//!    time from the relay's restart to every board `Synced`.
//! 2. offline week: a client with 5,000 local edits reconnects to a board that received
//!    50,000 edits meanwhile; time to converged, and the relay's peak RSS over that.
//!
//! ```sh
//! cargo build --release -p sync-server
//! cargo run --release -p sync-client --example sync_bench -- target/release/tack-server
//! ```

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use board_model::{Board, NewTask, Place, ReplicaConfig, Sources};
use board_store::{replica, Store};
use futures_util::{SinkExt, StreamExt};
use sync_client::backoff::BackoffConfig;
use sync_client::{Status, SyncClient, SyncConfig, SyncHandle};
use sync_protocol::{AuthMessage, MuxFrame, MuxMessage, SyncMessage};
use test_support::postgres::TestDatabase;
use tokio_tungstenite::tungstenite::Message;

struct Relay {
    child: Child,
    addr: SocketAddr,
}

impl Relay {
    fn start(binary: &str, database_url: &str, port: u16) -> Result<Relay> {
        let mut child = Command::new(binary)
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--insecure-allow-anonymous",
            ])
            .env("DATABASE_URL", database_url)
            .env("TACK_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {binary}"))?;
        let stdout = child.stdout.take().context("relay stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("unexpected relay output {line:?}"))?
            .parse()?;
        Ok(Relay { child, addr })
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// (current RSS, peak RSS) in KiB.
    fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

fn replica_config(user: &str) -> ReplicaConfig {
    ReplicaConfig {
        user: user.into(),
        sources: Sources::system(),
    }
}

fn client(url: &str, store: &Arc<Mutex<Store>>, boards: &[String]) -> Result<SyncHandle> {
    let mut config = SyncConfig::new(url, "");
    config.backoff = BackoffConfig {
        base: Duration::from_millis(100),
        cap: Duration::from_secs(2),
    };
    config.replica = replica_config("bench");
    let handle = SyncClient::spawn(config, store.clone())?;
    for board in boards {
        handle.subscribe(board)?;
    }
    Ok(handle)
}

async fn wait_synced(handle: &SyncHandle, boards: usize) -> Result<()> {
    let mut status = handle.status();
    tokio::time::timeout(
        Duration::from_secs(600),
        status.wait_for(|r| r.boards.len() >= boards && r.overall == Status::Synced),
    )
    .await
    .context("not synced in 10 minutes")??;
    Ok(())
}

fn board_id(n: u32) -> String {
    format!("0190c000-0000-7000-8000-{n:012}")
}

async fn resync_50_boards(binary: &str, database: &TestDatabase) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Arc::new(Mutex::new(Store::open_in_dir(dir.path())?));
    let mut boards = Vec::new();
    let mut columns = Vec::new();
    {
        let mut guard = store.lock().map_err(|_| anyhow::anyhow!("store lock"))?;
        for n in 0..50 {
            let id = board_id(n);
            let mut board = replica::create_board(
                &mut guard,
                &id,
                &format!("Board {n}"),
                replica_config("bench"),
            )?;
            let column = board.add_column("Todo", None, Place::Bottom)?;
            for t in 0..20 {
                board.add_task(
                    &column,
                    &format!("task {t}"),
                    Place::Bottom,
                    NewTask::default(),
                )?;
            }
            replica::save_local_changes(&mut guard, &mut board)?;
            boards.push(id);
            columns.push(column);
        }
    }
    let relay = Relay::start(binary, &database.url, 0)?;
    let port = relay.addr.port();
    let url = format!("ws://{}", relay.addr);
    let handle = client(&url, &store, &boards)?;
    wait_synced(&handle, boards.len()).await?;
    relay.kill();
    // One change per board while the relay is down.
    {
        let mut guard = store.lock().map_err(|_| anyhow::anyhow!("store lock"))?;
        for (id, column) in boards.iter().zip(&columns) {
            let mut board = replica::open_board(&guard, id, replica_config("bench"))?;
            board.add_task(column, "while down", Place::Bottom, NewTask::default())?;
            replica::save_local_changes(&mut guard, &mut board)?;
        }
    }
    for id in &boards {
        handle.notify_local_change(id)?;
    }
    let mut status = handle.status();
    status
        .wait_for(|r| matches!(r.overall, Status::Offline { .. }))
        .await?;
    let started = Instant::now();
    let relay = Relay::start(binary, &database.url, port)?;
    let relay_up = started.elapsed();
    wait_synced(&handle, boards.len()).await?;
    let resynced = started.elapsed();
    println!(
        "resync, 50 boards (1 pending change each): relay process up in {:.0} ms, all boards synced {:.0} ms after the restart began (client backoff base 100 ms: the first retry after the kill may wait up to that ceiling)",
        relay_up.as_secs_f64() * 1e3,
        resynced.as_secs_f64() * 1e3
    );
    handle.shutdown().await;
    relay.kill();
    Ok(())
}

/// Sends `updates` to the relay on one socket, pipelined, and waits for every SyncStatus(1).
async fn push_updates(addr: SocketAddr, board: &str, updates: Vec<Vec<u8>>) -> Result<()> {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/sync")).await?;
    let (mut sink, mut stream) = ws.split();
    let frame = |message| {
        MuxFrame::Board {
            board: board.to_owned(),
            message,
        }
        .encode()
    };
    sink.send(Message::Binary(
        frame(MuxMessage::Auth(AuthMessage::Token {
            token: String::new(),
        }))
        .into(),
    ))
    .await?;
    let total = updates.len();
    let frames: Vec<Vec<u8>> = updates
        .into_iter()
        .map(|update| frame(MuxMessage::Sync(SyncMessage::Update { update })))
        .collect();
    let writer = tokio::spawn(async move {
        for chunk in frames.chunks(500) {
            for bytes in chunk {
                sink.feed(Message::Binary(bytes.clone().into())).await?;
            }
            sink.flush().await?;
        }
        anyhow::Ok(sink)
    });
    let mut acknowledged = 0usize;
    while acknowledged < total {
        let Some(message) = tokio::time::timeout(Duration::from_secs(120), stream.next()).await?
        else {
            bail!("relay closed after {acknowledged} acknowledgements");
        };
        if let Message::Binary(bytes) = message? {
            if let Ok(MuxFrame::Board {
                message: MuxMessage::SyncStatus { applied },
                ..
            }) = MuxFrame::decode(&bytes, &sync_protocol::Limits::default())
            {
                if !applied {
                    bail!("relay refused an update");
                }
                acknowledged += 1;
            }
        }
    }
    let _ = writer.await?;
    Ok(())
}

async fn offline_week(binary: &str, database: &TestDatabase) -> Result<()> {
    const REMOTE_EDITS: usize = 50_000;
    const LOCAL_EDITS: usize = 5_000;
    let board = board_id(1000);
    let relay = Relay::start(binary, &database.url, 0)?;
    let url = format!("ws://{}", relay.addr);

    // Our client has the board, synced once, then goes offline.
    let dir = tempfile::tempdir()?;
    let store = Arc::new(Mutex::new(Store::open_in_dir(dir.path())?));
    let column = {
        let mut guard = store.lock().map_err(|_| anyhow::anyhow!("store lock"))?;
        let mut live =
            replica::create_board(&mut guard, &board, "Offline week", replica_config("me"))?;
        let column = live.add_column("Todo", None, Place::Bottom)?;
        replica::save_local_changes(&mut guard, &mut live)?;
        column
    };
    let handle = client(&url, &store, std::slice::from_ref(&board))?;
    wait_synced(&handle, 1).await?;
    handle.shutdown().await;

    // Meanwhile the team makes 50,000 edits (200 tasks, each retitled 249 times).
    let team_state = {
        let guard = store.lock().map_err(|_| anyhow::anyhow!("store lock"))?;
        guard.load_board(&board)?
    };
    let mut team = Board::load(
        &board,
        team_state
            .snapshot
            .iter()
            .chain(team_state.updates.iter())
            .map(Vec::as_slice),
        None,
        replica_config("team"),
    )?;
    let mut tasks = Vec::new();
    for t in 0..200 {
        tasks.push(team.add_task(
            &column,
            &format!("team task {t}"),
            Place::Bottom,
            NewTask::default(),
        )?);
    }
    let mut edits = 200;
    'outer: for round in 0.. {
        for task in &tasks {
            if edits >= REMOTE_EDITS {
                break 'outer;
            }
            team.set_task_title(task, &format!("team task edited {round}"))?;
            edits += 1;
        }
    }
    let remote_updates = team.take_local_updates();
    let pushed = Instant::now();
    push_updates(relay.addr, &board, remote_updates).await?;
    println!(
        "offline week setup: {REMOTE_EDITS} remote edits pushed and acknowledged in {:.1} s",
        pushed.elapsed().as_secs_f64()
    );

    // And we make 5,000 edits offline (100 tasks, each retitled 49 times).
    {
        let mut guard = store.lock().map_err(|_| anyhow::anyhow!("store lock"))?;
        let mut live = replica::open_board(&guard, &board, replica_config("me"))?;
        let mut mine = Vec::new();
        for t in 0..100 {
            mine.push(live.add_task(
                &column,
                &format!("my task {t}"),
                Place::Bottom,
                NewTask::default(),
            )?);
        }
        let mut made = 100;
        'mine: for round in 0.. {
            for task in &mine {
                if made >= LOCAL_EDITS {
                    break 'mine;
                }
                live.set_task_title(task, &format!("my task edited {round}"))?;
                made += 1;
            }
        }
        replica::save_local_changes(&mut guard, &mut live)?;
        println!(
            "offline week setup: {} local edits in the outbox",
            guard.pending_count(&board)?
        );
    }

    // Restart the relay so the board is not in memory, then reconnect.
    relay.kill();
    let relay = Relay::start(binary, &database.url, 0)?;
    let url = format!("ws://{}", relay.addr);
    let (rss_before, _) = relay.memory_kib();
    let started = Instant::now();
    let handle = client(&url, &store, std::slice::from_ref(&board))?;
    let mut peak = 0u64;
    let mut status = handle.status();
    loop {
        let synced = tokio::time::timeout(
            Duration::from_millis(20),
            status.wait_for(|r| r.overall == Status::Synced),
        )
        .await;
        peak = peak.max(relay.memory_kib().1);
        if synced.is_ok() {
            break;
        }
        if started.elapsed() > Duration::from_secs(600) {
            bail!("offline week: not synced in 10 minutes");
        }
    }
    let elapsed = started.elapsed();
    let (ours, our_state) = {
        let guard = store.lock().map_err(|_| anyhow::anyhow!("store lock"))?;
        let live = replica::open_board(&guard, &board, replica_config("me"))?;
        (live.view(), live.encode_state())
    };
    team.apply_remote_update(&our_state)?;
    let converged = team.view().render() == ours.render() && ours.tasks().count() == 300;
    println!(
        "offline week: {LOCAL_EDITS} local edits + {REMOTE_EDITS} remote edits converged in {:.2} s (converged: {converged}); relay RSS {} MiB before, peak {} MiB",
        elapsed.as_secs_f64(),
        rss_before / 1024,
        peak / 1024
    );
    handle.shutdown().await;
    relay.kill();
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let binary = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/release/tack-server".into());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average at start: {}", load.trim());
    let database = TestDatabase::create();
    resync_50_boards(&binary, &database).await?;
    let database = TestDatabase::create();
    offline_week(&binary, &database).await?;
    Ok(())
}
