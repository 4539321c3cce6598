//! Idle-connection scenarios: connection capacity, many boards per socket, reconnect storm.
//!
//! Each client opens one socket (from one of several 127.0.0.x source addresses, so 100,000
//! sockets do not exhaust one address's ephemeral ports), authenticates its boards, completes
//! the sync handshake (synced = the server's Step2 for every board), then only answers pings.
//! In the storm scenario a client whose socket closes reconnects with jittered backoff and
//! syncs again; the run reports how long it took from the first close until all had.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use sync_protocol::{AuthMessage, Limits, MuxFrame, MuxMessage, SyncMessage, YwsMessage};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::client::Framing;
use crate::scenario::{Args, Scenario};
use crate::stats::{new_histogram, record, summarize, Summary};

type Socket = WebSocketStream<TcpStream>;

/// Longest one connect plus handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest the run waits for every client to sync (first time, and again after a storm).
const SYNC_WAIT: Duration = Duration::from_secs(300);
/// Reconnect backoff: full jitter between 0 and `base * 2^attempt`, capped.
const BACKOFF_BASE: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(2);
const MAX_RECONNECTS: u32 = 200;
/// Upper bound on frames one client reads, whatever happens.
const MAX_FRAMES: u64 = 10_000_000;

#[derive(Debug, Serialize)]
pub struct IdleReport {
    pub scenario: Scenario,
    pub framing: Framing,
    pub url: String,
    pub clients: usize,
    pub boards: usize,
    pub boards_per_socket: usize,
    pub source_addresses: usize,
    pub connected: usize,
    /// Start of the first connect → the last client synced.
    pub open_seconds: f64,
    /// Per client: connect → synced on every board.
    pub handshake_latency: Summary,
    pub server_rss_before_kb: Option<u64>,
    pub server_rss_after_kb: Option<u64>,
    /// (RSS after − RSS before) / connected sockets.
    pub server_rss_per_connection_bytes: Option<f64>,
    pub loadgen_rss_kb: Option<u64>,
    /// Storm: clients that synced again after their socket closed.
    pub resynced: usize,
    /// Storm: first close seen → last client synced again.
    pub storm_seconds: Option<f64>,
    pub reconnect_attempts: u64,
    pub all_synced: bool,
    pub errors: Vec<String>,
}

struct Plan {
    index: usize,
    url: String,
    server: SocketAddr,
    source: Ipv4Addr,
    framing: Framing,
    boards: Vec<String>,
    token: String,
    reconnect: bool,
}

struct Run {
    start: Instant,
    /// Nanoseconds after `start` of the first close a client saw (u64::MAX: none yet).
    first_close: AtomicU64,
    attempts: AtomicU64,
    handshakes: Semaphore,
}

enum Event {
    Synced { latency: Duration, again: bool },
    Failed(String),
}

/// `ws://host:port/...` → the server's socket address.
fn server_address(url: &str) -> Result<SocketAddr> {
    let rest = url
        .strip_prefix("ws://")
        .ok_or_else(|| anyhow!("only ws:// URLs: {url}"))?;
    let authority = rest.split('/').next().unwrap_or(rest);
    authority
        .parse()
        .with_context(|| format!("{authority} is not an IP address and port"))
}

/// The relay's (or a peer's) resident set, from /proc.
pub fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
}

pub async fn run(args: &Args) -> Result<IdleReport> {
    let clients = args.clients;
    if clients == 0 || clients > 200_000 {
        bail!("between 1 and 200,000 clients");
    }
    let sources = args.sources.clamp(1, 250);
    let boards = match args.scenario {
        Scenario::Boards => args.boards.unwrap_or(clients * 2),
        _ => args.boards.unwrap_or(1),
    }
    .max(1);
    let per_socket = if args.framing == Framing::Yws {
        1
    } else {
        boards.div_ceil(clients)
    };
    let server = server_address(&args.url)?;
    let run_id = format!("{}", std::process::id());
    let run = Arc::new(Run {
        start: Instant::now(),
        first_close: AtomicU64::new(u64::MAX),
        attempts: AtomicU64::new(0),
        handshakes: Semaphore::new(args.concurrency.max(1)),
    });
    let rss_before = args.server_pid.and_then(rss_kb);
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (release_tx, release) = watch::channel(false);
    let mut tasks = Vec::with_capacity(clients);
    for index in 0..clients {
        let board_names = (0..per_socket)
            .map(|j| format!("idle-{run_id}-{}", (index * per_socket + j) % boards))
            .collect();
        let plan = Plan {
            index,
            url: args.url.clone(),
            server,
            source: Ipv4Addr::new(127, 0, 0, 1 + (index % sources) as u8),
            framing: args.framing,
            boards: board_names,
            token: args.token.clone(),
            reconnect: args.scenario == Scenario::Storm,
        };
        tasks.push(tokio::spawn(idle_client(
            plan,
            run.clone(),
            events_tx.clone(),
            release.clone(),
        )));
    }
    drop(events_tx);

    let mut handshake = new_histogram();
    let mut errors = Vec::new();
    let mut connected = 0;
    let mut failed = 0;
    let wait_until = Instant::now() + SYNC_WAIT;
    while connected + failed < clients {
        match tokio::time::timeout_at(wait_until, events.recv()).await {
            Ok(Some(Event::Synced {
                latency,
                again: false,
            })) => {
                connected += 1;
                record(&mut handshake, latency);
            }
            Ok(Some(Event::Synced { again: true, .. })) => {}
            Ok(Some(Event::Failed(error))) => {
                failed += 1;
                if errors.len() < 10 {
                    errors.push(error);
                }
            }
            Ok(None) | Err(_) => break,
        }
    }
    let open_seconds = run.start.elapsed().as_secs_f64();
    // Let the server settle (freed handshake buffers) before reading its memory.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = args.server_pid.and_then(rss_kb);
    let loadgen_rss = rss_kb(std::process::id());

    let (mut resynced, mut storm_seconds) = (0, None);
    if args.scenario == Scenario::Storm {
        if let Some(path) = &args.ready_file {
            std::fs::write(path, format!("{connected}\n")).context("writing the ready file")?;
        }
        let wait_until = Instant::now() + SYNC_WAIT;
        let mut last = None;
        while resynced < connected {
            match tokio::time::timeout_at(wait_until, events.recv()).await {
                Ok(Some(Event::Synced { again: true, .. })) => {
                    resynced += 1;
                    last = Some(run.start.elapsed());
                }
                Ok(Some(Event::Synced { again: false, .. })) => {}
                Ok(Some(Event::Failed(error))) => {
                    if errors.len() < 10 {
                        errors.push(error);
                    }
                }
                Ok(None) | Err(_) => break,
            }
        }
        let first = run.first_close.load(Ordering::SeqCst);
        if let (Some(last), true) = (last, first != u64::MAX) {
            storm_seconds = Some(last.as_secs_f64() - Duration::from_nanos(first).as_secs_f64());
        }
    } else {
        tokio::time::sleep(Duration::from_secs_f64(args.hold.max(0.0))).await;
    }
    let _ = release_tx.send(true);
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
    }
    let per_connection = match (rss_before, rss_after) {
        (Some(before), Some(after)) if connected > 0 => {
            Some(after.saturating_sub(before) as f64 * 1024.0 / connected as f64)
        }
        _ => None,
    };
    Ok(IdleReport {
        scenario: args.scenario,
        framing: args.framing,
        url: args.url.clone(),
        clients,
        boards,
        boards_per_socket: per_socket,
        source_addresses: sources,
        connected,
        open_seconds,
        handshake_latency: summarize(&handshake),
        server_rss_before_kb: rss_before,
        server_rss_after_kb: rss_after,
        server_rss_per_connection_bytes: per_connection,
        loadgen_rss_kb: loadgen_rss,
        resynced,
        storm_seconds,
        reconnect_attempts: run.attempts.load(Ordering::SeqCst),
        all_synced: connected == clients
            && (args.scenario != Scenario::Storm || resynced == connected),
        errors,
    })
}

async fn idle_client(
    plan: Plan,
    run: Arc<Run>,
    events: mpsc::UnboundedSender<Event>,
    mut release: watch::Receiver<bool>,
) {
    let mut socket = match open_synced(&plan, &run, false, &events).await {
        Ok(socket) => socket,
        Err(error) => {
            let _ = events.send(Event::Failed(format!("client {}: {error:#}", plan.index)));
            return;
        }
    };
    // Jitter state: a cheap xorshift seeded by the index (no two clients retry in step).
    let mut seed = (plan.index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for _ in 0..=MAX_RECONNECTS {
        let closed = tokio::select! {
            () = released(&mut release) => {
                let _ = socket.close(None).await;
                return;
            }
            closed = hold(&mut socket, plan.framing) => closed,
        };
        let _ = closed;
        if !plan.reconnect {
            return;
        }
        let now = u64::try_from(run.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        run.first_close.fetch_min(now, Ordering::SeqCst);
        socket = match reconnect(&plan, &run, &events, &mut seed, &mut release).await {
            Some(socket) => socket,
            None => return,
        };
    }
}

/// Resolves once the run releases its clients (or the runner is gone).
async fn released(release: &mut watch::Receiver<bool>) {
    let _ = release.wait_for(|released| *released).await;
}

/// Retries until the client is synced again; `None` when released or out of attempts.
async fn reconnect(
    plan: &Plan,
    run: &Run,
    events: &mpsc::UnboundedSender<Event>,
    seed: &mut u64,
    release: &mut watch::Receiver<bool>,
) -> Option<Socket> {
    let mut last_error = None;
    for attempt in 0..MAX_RECONNECTS {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let ceiling = BACKOFF_BASE
            .saturating_mul(1 << attempt.min(10))
            .min(BACKOFF_CAP);
        let wait = ceiling.mul_f64((*seed % 1_000) as f64 / 1_000.0);
        tokio::select! {
            () = released(release) => return None,
            _ = tokio::time::sleep(wait) => {}
        }
        run.attempts.fetch_add(1, Ordering::Relaxed);
        match open_synced(plan, run, true, events).await {
            Ok(socket) => return Some(socket),
            Err(error) => last_error = Some(error),
        }
    }
    let error = last_error.map_or_else(String::new, |e| format!("{e:#}"));
    let _ = events.send(Event::Failed(format!(
        "client {}: no resync after {MAX_RECONNECTS} attempts: {error}",
        plan.index
    )));
    None
}

/// Connects from the plan's source address, authenticates every board and waits for the
/// server's Step2 on each; reports `Synced`.
async fn open_synced(
    plan: &Plan,
    run: &Run,
    again: bool,
    events: &mpsc::UnboundedSender<Event>,
) -> Result<Socket> {
    let permit = run
        .handshakes
        .acquire()
        .await
        .map_err(|_| anyhow!("semaphore closed"))?;
    let started = Instant::now();
    let socket = tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
        let tcp = TcpSocket::new_v4()?;
        tcp.bind(SocketAddr::from((plan.source, 0)))
            .with_context(|| format!("binding {}", plan.source))?;
        let stream = tcp.connect(plan.server).await.context("connecting")?;
        stream.set_nodelay(true)?;
        let url = match plan.framing {
            Framing::Mux => plan.url.clone(),
            Framing::Yws => format!(
                "{}/{}",
                plan.url.trim_end_matches('/'),
                plan.boards.first().map_or("", String::as_str)
            ),
        };
        // Small buffers: 100,000 idle clients share this process.
        let config = WebSocketConfig::default()
            .read_buffer_size(2 * 1024)
            .write_buffer_size(0);
        let (mut socket, _) =
            tokio_tungstenite::client_async_with_config(url.as_str(), stream, Some(config))
                .await
                .context("WebSocket handshake")?;
        handshake(&mut socket, plan).await?;
        anyhow::Ok(socket)
    })
    .await
    .context("connect and sync timed out")??;
    drop(permit);
    let _ = events.send(Event::Synced {
        latency: started.elapsed(),
        again,
    });
    Ok(socket)
}

const EMPTY_STATE_VECTOR: [u8; 1] = [0];

async fn handshake(socket: &mut Socket, plan: &Plan) -> Result<()> {
    let limits = Limits::default();
    match plan.framing {
        Framing::Mux => {
            for board in &plan.boards {
                let frames = [
                    MuxMessage::Auth(AuthMessage::Token {
                        token: plan.token.clone(),
                    }),
                    MuxMessage::Sync(SyncMessage::Step1 {
                        state_vector: EMPTY_STATE_VECTOR.to_vec(),
                    }),
                ];
                for message in frames {
                    let frame = MuxFrame::Board {
                        board: board.clone(),
                        message,
                    };
                    socket.feed(Message::Binary(frame.encode().into())).await?;
                }
            }
            socket.flush().await?;
        }
        Framing::Yws => {
            let step1 = YwsMessage::Sync(SyncMessage::Step1 {
                state_vector: EMPTY_STATE_VECTOR.to_vec(),
            });
            socket.send(Message::Binary(step1.encode().into())).await?;
        }
    }
    let mut synced = 0;
    for _ in 0..10_000 {
        let bytes = match socket.next().await {
            Some(Ok(Message::Binary(bytes))) => bytes,
            Some(Ok(Message::Close(close))) => bail!("closed during the handshake: {close:?}"),
            Some(Ok(_)) => continue,
            Some(Err(error)) => return Err(error).context("reading"),
            None => bail!("closed during the handshake"),
        };
        let step2 = match plan.framing {
            Framing::Mux => match MuxFrame::decode(&bytes, &limits)? {
                MuxFrame::Board { message, .. } => match message {
                    MuxMessage::Sync(SyncMessage::Step2 { .. })
                    | MuxMessage::SyncReply(SyncMessage::Step2 { .. }) => true,
                    MuxMessage::Auth(AuthMessage::PermissionDenied { reason }) => {
                        bail!("permission denied: {reason}")
                    }
                    _ => false,
                },
                MuxFrame::Ping => {
                    socket
                        .send(Message::Binary(MuxFrame::Pong.encode().into()))
                        .await?;
                    false
                }
                MuxFrame::Pong => false,
            },
            Framing::Yws => matches!(
                YwsMessage::decode(&bytes, &limits)?,
                YwsMessage::Sync(SyncMessage::Step2 { .. })
            ),
        };
        if step2 {
            synced += 1;
            if synced == plan.boards.len() {
                return Ok(());
            }
        }
    }
    bail!("no Step2 for every board")
}

/// Reads (and drops) whatever the server sends, answering multiplexed pings, until the socket
/// closes.
async fn hold(socket: &mut Socket, framing: Framing) -> Result<()> {
    for _ in 0..MAX_FRAMES {
        match socket.next().await {
            Some(Ok(Message::Binary(bytes))) => {
                if framing == Framing::Mux && bytes.as_ref() == [sync_protocol::PING_BYTE] {
                    socket
                        .send(Message::Binary(MuxFrame::Pong.encode().into()))
                        .await?;
                }
            }
            Some(Ok(Message::Close(_))) | None => return Ok(()),
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error.into()),
        }
    }
    Ok(())
}
