//! Multiplexed `/sync` sockets for the attacks, and the honest editor: a member who sends a
//! small update at a steady rate and times each one until its SyncStatus.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use sync_protocol::{AuthMessage, AuthScope, Limits, MuxFrame, MuxMessage, SyncMessage};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use yrs::updates::encoder::Encode;
use yrs::{Doc, Map, ReadTxn, Transact};

use crate::stats::{new_histogram, record, summarize, Summary};

pub type Socket = WebSocketStream<TcpStream>;

/// How long one answer from the relay may take before the socket is given up.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// Upper bound on the iterations of any read loop, whatever the clock says.
const MAX_EVENTS: u64 = 10_000_000;

/// Opens `/sync`. `receive_buffer` shrinks the kernel's receive buffer (a socket that never
/// reads then stalls the relay's writes after a few KiB instead of megabytes).
pub async fn connect(addr: SocketAddr, receive_buffer: Option<u32>) -> Result<Socket> {
    let socket = TcpSocket::new_v4().context("socket")?;
    if let Some(bytes) = receive_buffer {
        socket.set_recv_buffer_size(bytes).context("SO_RCVBUF")?;
    }
    let stream = tokio::time::timeout(ANSWER_TIMEOUT, socket.connect(addr))
        .await
        .context("connect timed out")?
        .context("connect")?;
    // Frames from the relay may be large (awareness of a flooded room): no size limit here.
    let config = WebSocketConfig::default()
        .max_message_size(None)
        .max_frame_size(None);
    let (socket, _) = tokio::time::timeout(
        ANSWER_TIMEOUT,
        tokio_tungstenite::client_async_with_config(
            format!("ws://{addr}/sync"),
            stream,
            Some(config),
        ),
    )
    .await
    .context("WebSocket handshake timed out")?
    .context("WebSocket handshake")?;
    Ok(socket)
}

pub fn frame(board: &str, message: MuxMessage) -> Vec<u8> {
    MuxFrame::Board {
        board: board.to_owned(),
        message,
    }
    .encode()
}

pub async fn send(socket: &mut Socket, board: &str, message: MuxMessage) -> Result<()> {
    socket
        .send(Message::Binary(frame(board, message).into()))
        .await
        .context("send")
}

pub fn auth(token: &str) -> MuxMessage {
    MuxMessage::Auth(AuthMessage::Token {
        token: token.to_owned(),
    })
}

/// What a read loop saw next.
pub enum Event {
    Frame(MuxFrame),
    Closed(String),
}

/// The next frame from the relay (Pings answered), or why the socket ended.
pub async fn next_event(socket: &mut Socket, timeout: Duration) -> Result<Event> {
    for _ in 0..MAX_EVENTS {
        let message = tokio::time::timeout(timeout, socket.next())
            .await
            .map_err(|_| anyhow!("no frame within {timeout:?}"))?;
        match message {
            Some(Ok(Message::Binary(bytes))) => {
                let frame = MuxFrame::decode(&bytes, &unlimited()).context("relay frame")?;
                if frame == MuxFrame::Ping {
                    socket
                        .send(Message::Binary(MuxFrame::Pong.encode().into()))
                        .await
                        .context("pong")?;
                    continue;
                }
                return Ok(Event::Frame(frame));
            }
            Some(Ok(Message::Close(close))) => {
                return Ok(Event::Closed(match close {
                    Some(close) => format!("{} {}", u16::from(close.code), close.reason),
                    None => "1005".to_owned(),
                }))
            }
            Some(Ok(_)) => continue,
            Some(Err(error)) => return Ok(Event::Closed(format!("error: {error}"))),
            None => return Ok(Event::Closed("EOF".to_owned())),
        }
    }
    bail!("read loop bound reached")
}

/// Frames from the relay are trusted to be large: the harness decodes whatever it sends.
fn unlimited() -> Limits {
    Limits {
        max_frame_bytes: usize::MAX,
        max_string_bytes: usize::MAX,
        ..Limits::default()
    }
}

/// Sends Auth for `board` and waits for the verdict.
pub async fn authenticate(socket: &mut Socket, board: &str, token: &str) -> Result<AuthScope> {
    send(socket, board, auth(token)).await?;
    for _ in 0..MAX_EVENTS {
        match next_event(socket, ANSWER_TIMEOUT).await? {
            Event::Frame(MuxFrame::Board {
                message: MuxMessage::Auth(answer),
                ..
            }) => match answer {
                AuthMessage::Authenticated { scope } => return Ok(scope),
                AuthMessage::PermissionDenied { reason } => bail!("permission denied: {reason}"),
                _ => {}
            },
            Event::Frame(_) => {}
            Event::Closed(why) => bail!("closed while authenticating: {why}"),
        }
    }
    bail!("read loop bound reached")
}

/// Sends Step1 with an empty state vector (so the relay counts this socket as synced and
/// relays updates to it).
pub async fn subscribe(socket: &mut Socket, board: &str) -> Result<()> {
    let state_vector = Doc::new().transact().state_vector().encode_v1();
    send(
        socket,
        board,
        MuxMessage::Sync(SyncMessage::Step1 { state_vector }),
    )
    .await
}

/// Writes one WebSocket binary frame straight to the TCP stream, bypassing the WebSocket
/// library: for sockets that never read again (tungstenite may read while it writes).
pub async fn write_raw(socket: &mut Socket, payload: &[u8]) -> Result<()> {
    let mut header = vec![0x82u8];
    // Client frames are masked; an all-zero key leaves the payload as it is.
    match payload.len() {
        len @ 0..=125 => header.push(0x80 | len as u8),
        len @ 126..=0xffff => {
            header.push(0x80 | 126);
            header.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            header.push(0x80 | 127);
            header.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    header.extend_from_slice(&[0, 0, 0, 0]);
    let stream = socket.get_mut();
    stream.write_all(&header).await.context("write")?;
    stream.write_all(payload).await.context("write")?;
    Ok(())
}

/// What a writing member saw.
#[derive(Debug, Clone)]
pub struct EditorReport {
    pub sent: u64,
    pub acked: u64,
    pub refused: u64,
    /// Sent but never answered (by the end of the drain, or before the socket closed).
    pub lost: u64,
    pub closed: Option<String>,
    pub latency: Summary,
}

/// What a writing member sends.
#[derive(Debug, Clone)]
pub struct EditorPlan {
    pub board: String,
    pub token: String,
    pub per_second: f64,
    /// Bytes of the string value each update sets.
    pub value_bytes: usize,
    /// Stop sending after this many updates.
    pub max_updates: u64,
}

/// A member writing at a steady rate in its own task.
pub struct Editor {
    stop: watch::Sender<bool>,
    sent: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<Result<EditorReport>>,
}

impl Editor {
    /// Connects, authenticates (read-write), completes the sync handshake, then writes.
    pub async fn start(addr: SocketAddr, plan: EditorPlan) -> Result<Self> {
        let mut socket = connect(addr, None).await?;
        let scope = authenticate(&mut socket, &plan.board, &plan.token).await?;
        if scope != AuthScope::ReadWrite {
            bail!("the editor of {} is read-only", plan.board);
        }
        let doc = Doc::new();
        handshake(&mut socket, &plan.board, &doc).await?;
        let (stop, stopped) = watch::channel(false);
        let sent = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(write_steadily(
            socket,
            plan,
            doc,
            stopped,
            Arc::clone(&sent),
        ));
        Ok(Self { stop, sent, task })
    }

    /// Stops sending and waits up to `drain` for the answers still due.
    pub async fn finish(self, drain: Duration) -> Result<EditorReport> {
        let _ = self.stop.send(true);
        let deadline = drain + ANSWER_TIMEOUT;
        match tokio::time::timeout(deadline, self.task).await {
            Ok(joined) => joined.context("editor task")?,
            Err(_) => bail!("editor did not finish within {deadline:?}"),
        }
    }

    /// Waits until the editor has sent `count` updates (or `limit` passes).
    pub async fn wait_sent(&self, count: u64, limit: Duration) {
        let _ = tokio::time::timeout(limit, async {
            while self.sent.load(Ordering::Relaxed) < count && !self.task.is_finished() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
    }
}

/// Waits for the relay's Step1, answers it with Step2, and consumes that Step2's SyncStatus.
async fn handshake(socket: &mut Socket, board: &str, doc: &Doc) -> Result<()> {
    subscribe(socket, board).await?;
    let mut answered = false;
    for _ in 0..MAX_EVENTS {
        match next_event(socket, ANSWER_TIMEOUT).await? {
            Event::Frame(MuxFrame::Board { message, .. }) => match message {
                MuxMessage::Sync(SyncMessage::Step1 { .. })
                | MuxMessage::SyncReply(SyncMessage::Step1 { .. })
                    if !answered =>
                {
                    let update = doc
                        .transact()
                        .encode_state_as_update_v1(&Default::default());
                    send(
                        socket,
                        board,
                        MuxMessage::Sync(SyncMessage::Step2 { update }),
                    )
                    .await?;
                    answered = true;
                }
                MuxMessage::SyncStatus { .. } if answered => return Ok(()),
                _ => {}
            },
            Event::Frame(_) => {}
            Event::Closed(why) => bail!("closed during the handshake: {why}"),
        }
    }
    bail!("read loop bound reached")
}

async fn write_steadily(
    mut socket: Socket,
    plan: EditorPlan,
    doc: Doc,
    mut stopped: watch::Receiver<bool>,
    sent_so_far: Arc<AtomicU64>,
) -> Result<EditorReport> {
    let map = doc.get_or_insert_map("m");
    let value = "x".repeat(plan.value_bytes);
    let mut histogram: Histogram<u64> = new_histogram();
    let mut in_flight: VecDeque<Instant> = VecDeque::new();
    let (mut sent, mut acked, mut refused) = (0u64, 0u64, 0u64);
    let mut closed = None;
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / plan.per_second));
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut drain_until: Option<Instant> = None;
    for _ in 0..MAX_EVENTS {
        let sending = drain_until.is_none() && sent < plan.max_updates;
        if let Some(until) = drain_until {
            if in_flight.is_empty() || Instant::now() >= until {
                break;
            }
        }
        let until = drain_until.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            _ = ticker.tick(), if sending => {
                let before = doc.transact().state_vector();
                map.insert(&mut doc.transact_mut(), format!("k{}", sent % 16), value.as_str());
                let update = doc.transact().encode_diff_v1(&before);
                in_flight.push_back(Instant::now());
                sent += 1;
                sent_so_far.store(sent, Ordering::Relaxed);
                let message = MuxMessage::Sync(SyncMessage::Update { update });
                if let Err(error) = send(&mut socket, &plan.board, message).await {
                    closed = Some(format!("send failed: {error:#}"));
                    break;
                }
            }
            changed = stopped.changed(), if drain_until.is_none() => {
                if changed.is_err() || *stopped.borrow() {
                    drain_until = Some(Instant::now() + Duration::from_secs(5));
                }
            }
            event = next_event(&mut socket, Duration::from_secs(3600)) => match event {
                Ok(Event::Frame(MuxFrame::Board {
                    message: MuxMessage::SyncStatus { applied }, ..
                })) => {
                    // Answers come in order: the oldest update in flight is the one answered.
                    if let Some(at) = in_flight.pop_front() {
                        if applied {
                            acked += 1;
                            record(&mut histogram, at.elapsed());
                        } else {
                            refused += 1;
                        }
                    }
                }
                Ok(Event::Frame(_)) => {}
                Ok(Event::Closed(why)) => {
                    closed = Some(why);
                    break;
                }
                Err(error) => {
                    closed = Some(format!("{error:#}"));
                    break;
                }
            },
            _ = tokio::time::sleep_until(until), if drain_until.is_some() => {}
        }
    }
    Ok(EditorReport {
        sent,
        acked,
        refused,
        lost: in_flight.len() as u64,
        closed,
        latency: summarize(&histogram),
    })
}
