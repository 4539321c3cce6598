//! One load-generating client per tokio task: connect, authenticate, sync, then write at a
//! rate or within a window of unacknowledged updates, and record what arrives.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use sync_protocol::{AuthMessage, Limits, MuxFrame, MuxMessage, SyncMessage, YwsMessage};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use yrs::updates::encoder::Encode;
use yrs::{ReadTxn, StateVector, Transact};

use crate::payload::{decode_and_extract, extract_writer, Writer};
use crate::stats::{new_histogram, record};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long connecting plus the handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);
/// How often a draining client re-checks whether everything has arrived.
const DRAIN_CHECK: Duration = Duration::from_millis(10);
/// Upper bound on loop iterations of one client, whatever the clock says.
const MAX_EVENTS: u64 = 100_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Framing {
    /// Hocuspocus-style multiplexed `/sync` with auth and durable acks (SyncStatus).
    Mux,
    /// Single-board y-websocket `/sync/{board}`: no auth, no acks (fan-out only).
    Yws,
}

#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// Updates per second from this writer, starting `phase` after the common start.
    Rate { per_second: f64, phase: Duration },
    /// As fast as acks allow, with at most this many unacknowledged updates.
    Window { max_in_flight: usize },
}

#[derive(Debug, Clone)]
pub struct ClientPlan {
    pub index: usize,
    /// The `/sync` URL; y-websocket framing appends `/{board}`.
    pub url: String,
    pub framing: Framing,
    pub board: String,
    pub board_index: usize,
    pub token: String,
    pub writer: Option<(Pace, usize)>,
}

/// State shared by every client of one run.
pub struct Shared {
    /// Zero point of every embedded timestamp.
    pub start: std::time::Instant,
    /// Updates sent to each board, added by each writer once it stops sending.
    pub sent_per_board: Vec<AtomicU64>,
    /// Writers that have not yet added their count.
    pub writers_sending: AtomicUsize,
}

impl Shared {
    fn nanos_now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// When to start sending, stop sending, and give up draining.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub go: Instant,
    pub send_until: Instant,
    pub deadline: Instant,
}

#[derive(Debug)]
pub struct Outcome {
    pub index: usize,
    pub writer: bool,
    pub connected: bool,
    pub sent: u64,
    pub acked: u64,
    /// Acks that arrived before sending stopped (for sustained throughput).
    pub acked_in_window: u64,
    pub rejected: u64,
    pub delivered: u64,
    /// Deliveries this client should have seen (others' updates to its board).
    pub expected: u64,
    /// Updates that arrived without a decodable timestamp.
    pub undecodable: u64,
    /// A writer's own updates sent back to it (not counted as deliveries).
    pub echoes: u64,
    pub delivery: Histogram<u64>,
    pub ack: Histogram<u64>,
    pub error: Option<String>,
    finished_sending: bool,
}

impl Outcome {
    fn new(plan: &ClientPlan) -> Self {
        Self {
            index: plan.index,
            writer: plan.writer.is_some(),
            connected: false,
            sent: 0,
            acked: 0,
            acked_in_window: 0,
            rejected: 0,
            delivered: 0,
            expected: 0,
            undecodable: 0,
            echoes: 0,
            delivery: new_histogram(),
            ack: new_histogram(),
            error: None,
            finished_sending: false,
        }
    }

    /// A writer adds its count to its board once, whether it finished or failed.
    fn finish_sending(&mut self, plan: &ClientPlan, shared: &Shared) {
        if self.writer && !self.finished_sending {
            shared.sent_per_board[plan.board_index].fetch_add(self.sent, Ordering::SeqCst);
            shared.writers_sending.fetch_sub(1, Ordering::SeqCst);
        }
        self.finished_sending = true;
    }
}

/// What a relay frame means to this client.
enum Incoming {
    Sync(SyncMessage),
    Status(bool),
    Auth(AuthMessage),
    Ping,
    Other,
}

struct Connection {
    sink: SplitSink<Socket, Message>,
    stream: SplitStream<Socket>,
    framing: Framing,
    board: String,
    limits: Limits,
}

impl Connection {
    async fn open(plan: &ClientPlan) -> Result<Self> {
        let url = match plan.framing {
            Framing::Mux => plan.url.clone(),
            Framing::Yws => format!("{}/{}", plan.url.trim_end_matches('/'), plan.board),
        };
        // Small buffers: thousands of clients should fit in one process.
        let config = WebSocketConfig::default()
            .read_buffer_size(16 * 1024)
            .write_buffer_size(0);
        let (socket, _) =
            tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true)
                .await
                .with_context(|| format!("connecting to {url}"))?;
        let (sink, stream) = socket.split();
        Ok(Self {
            sink,
            stream,
            framing: plan.framing,
            board: plan.board.clone(),
            limits: Limits::default(),
        })
    }

    async fn send_bytes(&mut self, bytes: Vec<u8>) -> Result<()> {
        self.sink
            .send(Message::Binary(bytes.into()))
            .await
            .context("sending to the relay")
    }

    async fn send_mux(&mut self, message: MuxMessage) -> Result<()> {
        let frame = MuxFrame::Board {
            board: self.board.clone(),
            message,
        };
        self.send_bytes(frame.encode()).await
    }

    async fn send_sync(&mut self, message: SyncMessage) -> Result<()> {
        match self.framing {
            Framing::Mux => self.send_mux(MuxMessage::Sync(message)).await,
            Framing::Yws => self.send_bytes(YwsMessage::Sync(message).encode()).await,
        }
    }

    fn interpret(&self, bytes: &[u8]) -> Result<Incoming> {
        match self.framing {
            Framing::Mux => match MuxFrame::decode(bytes, &self.limits)? {
                MuxFrame::Ping => Ok(Incoming::Ping),
                MuxFrame::Pong => Ok(Incoming::Other),
                MuxFrame::Board { message, .. } => Ok(match message {
                    MuxMessage::Sync(sync) | MuxMessage::SyncReply(sync) => Incoming::Sync(sync),
                    MuxMessage::SyncStatus { applied } => Incoming::Status(applied),
                    MuxMessage::Auth(auth) => Incoming::Auth(auth),
                    MuxMessage::Close { reason } => {
                        bail!("relay closed the board: {reason:?}")
                    }
                    _ => Incoming::Other,
                }),
            },
            Framing::Yws => match YwsMessage::decode(bytes, &self.limits)? {
                YwsMessage::Sync(sync) => Ok(Incoming::Sync(sync)),
                YwsMessage::PermissionDenied { reason } => {
                    bail!("permission denied: {reason}")
                }
                _ => Ok(Incoming::Other),
            },
        }
    }

    /// The next relay frame; Err when the socket closes or fails.
    async fn next(&mut self) -> Result<Incoming> {
        for _ in 0..1_000 {
            match self.stream.next().await {
                Some(Ok(Message::Binary(bytes))) => return self.interpret(&bytes),
                Some(Ok(Message::Close(close))) => {
                    return Err(anyhow!("relay closed the socket: {close:?}"))
                }
                Some(Ok(_)) => continue,
                Some(Err(error)) => return Err(error).context("reading from the relay"),
                None => bail!("relay closed the socket"),
            }
        }
        Ok(Incoming::Other)
    }

    /// Answers a relay Step1 with what our document has that the relay lacks.
    async fn answer_step1(&mut self, state_vector: &[u8], doc: &yrs::Doc) -> Result<()> {
        use yrs::updates::decoder::Decode;
        let sv = StateVector::decode_v1(state_vector).context("relay state vector")?;
        let update = doc.transact().encode_diff_v1(&sv);
        self.send_sync(SyncMessage::Step2 { update }).await
    }

    /// Authenticates (multiplexed) and completes the sync handshake.
    async fn handshake(&mut self, token: &str, doc: &yrs::Doc) -> Result<()> {
        if self.framing == Framing::Mux {
            self.send_mux(MuxMessage::Auth(AuthMessage::Token {
                token: token.to_owned(),
            }))
            .await?;
            let mut authenticated = false;
            for _ in 0..1_000 {
                match self.next().await? {
                    Incoming::Auth(AuthMessage::Authenticated { .. }) => {
                        authenticated = true;
                        break;
                    }
                    Incoming::Auth(AuthMessage::PermissionDenied { reason }) => {
                        bail!("permission denied: {reason}")
                    }
                    _ => {}
                }
            }
            if !authenticated {
                bail!("no Authenticated answer");
            }
        }
        let state_vector = doc.transact().state_vector().encode_v1();
        self.send_sync(SyncMessage::Step1 { state_vector }).await?;
        // Done once we have the relay's Step2 and have answered its Step1; on the multiplexed
        // endpoint our Step2 answer is acknowledged too, so wait for that SyncStatus.
        let (mut got_step2, mut answered) = (false, false);
        for _ in 0..1_000 {
            match self.next().await? {
                Incoming::Sync(SyncMessage::Step1 { state_vector }) => {
                    self.answer_step1(&state_vector, doc).await?;
                    answered = true;
                }
                Incoming::Sync(SyncMessage::Step2 { .. }) => got_step2 = true,
                Incoming::Status(_) if answered && self.framing == Framing::Mux => return Ok(()),
                Incoming::Ping => self.send_bytes(MuxFrame::Pong.encode()).await?,
                _ => {}
            }
            if got_step2 && answered && self.framing == Framing::Yws {
                return Ok(());
            }
        }
        bail!("sync handshake did not complete")
    }
}

/// Runs one client to completion; never panics on network errors (they land in `error`).
pub async fn run_client(
    plan: ClientPlan,
    shared: Arc<Shared>,
    ready: mpsc::Sender<usize>,
    go: watch::Receiver<Option<Timing>>,
) -> Outcome {
    let mut outcome = Outcome::new(&plan);
    if let Err(error) = drive(&plan, &shared, ready, go, &mut outcome).await {
        outcome.error = Some(format!("client {}: {error:#}", plan.index));
    }
    outcome.finish_sending(&plan, &shared);
    outcome
}

async fn drive(
    plan: &ClientPlan,
    shared: &Shared,
    ready: mpsc::Sender<usize>,
    mut go: watch::Receiver<Option<Timing>>,
    outcome: &mut Outcome,
) -> Result<()> {
    let mut writer = Writer::new(plan.index);
    let mut connection = tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
        let mut connection = Connection::open(plan).await?;
        connection.handshake(&plan.token, writer.doc()).await?;
        anyhow::Ok(connection)
    })
    .await
    .context("connect and handshake timed out")??;
    outcome.connected = true;
    let _ = ready.send(plan.index).await;
    let timing = tokio::time::timeout(Duration::from_secs(120), go.wait_for(Option::is_some))
        .await
        .context("no start signal")?
        .context("runner gone")?
        .ok_or_else(|| anyhow!("no timing"))?;

    let acks = plan.framing == Framing::Mux;
    let mut in_flight: VecDeque<u64> = VecDeque::new();
    let (rate, window) = match plan.writer {
        Some((Pace::Rate { per_second, phase }, _)) => (Some((per_second, phase)), None),
        Some((Pace::Window { max_in_flight }, _)) => (None, Some(max_in_flight)),
        None => (None, None),
    };
    let payload_bytes = plan.writer.map_or(0, |(_, bytes)| bytes);
    let period = Duration::from_secs_f64(1.0 / rate.map_or(1.0, |(r, _)| r.max(0.001)));
    let mut tick =
        tokio::time::interval_at(timing.go + rate.map_or(Duration::ZERO, |r| r.1), period);
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut drain_check = tokio::time::interval(DRAIN_CHECK);
    let deadline = tokio::time::sleep_until(timing.deadline);
    tokio::pin!(deadline);
    tokio::time::sleep_until(timing.go).await;

    for _ in 0..MAX_EVENTS {
        let now = Instant::now();
        let sending = now < timing.send_until;
        if !sending {
            outcome.finish_sending(plan, shared);
            let others_done = shared.writers_sending.load(Ordering::SeqCst) == 0;
            if others_done {
                let board_total = shared.sent_per_board[plan.board_index].load(Ordering::SeqCst);
                outcome.expected = board_total.saturating_sub(outcome.sent);
                if outcome.delivered >= outcome.expected && (!acks || in_flight.is_empty()) {
                    return Ok(());
                }
            }
        }
        let window_open = sending && window.is_some_and(|max| acks && in_flight.len() < max);
        tokio::select! {
            biased;
            incoming = connection.next() => match incoming? {
                Incoming::Sync(SyncMessage::Update { update }) => {
                    match decode_and_extract(&update) {
                        // A server echoing our own update back: not a delivery.
                        Some(_) if outcome.writer && extract_writer(&update) == Some(plan.index) => {
                            outcome.echoes += 1;
                        }
                        Some(sent_at) => {
                            outcome.delivered += 1;
                            let latency = shared.nanos_now().saturating_sub(sent_at);
                            record(&mut outcome.delivery, Duration::from_nanos(latency));
                        }
                        None => outcome.undecodable += 1,
                    }
                }
                Incoming::Sync(SyncMessage::Step1 { state_vector }) => {
                    connection.answer_step1(&state_vector, writer.doc()).await?;
                }
                Incoming::Status(applied) => {
                    // Acks arrive in send order per board per socket.
                    if let Some(sent_at) = in_flight.pop_front() {
                        if applied {
                            outcome.acked += 1;
                            if Instant::now() < timing.send_until {
                                outcome.acked_in_window += 1;
                            }
                        } else {
                            outcome.rejected += 1;
                        }
                        let latency = shared.nanos_now().saturating_sub(sent_at);
                        record(&mut outcome.ack, Duration::from_nanos(latency));
                    }
                }
                Incoming::Ping => connection.send_bytes(MuxFrame::Pong.encode()).await?,
                Incoming::Sync(SyncMessage::Step2 { .. }) | Incoming::Auth(_) | Incoming::Other => {}
            },
            _ = tick.tick(), if sending && rate.is_some() => {
                send_edit(&mut connection, &mut writer, shared, payload_bytes, acks, &mut in_flight, outcome).await?;
            }
            _ = std::future::ready(()), if window_open => {
                send_edit(&mut connection, &mut writer, shared, payload_bytes, acks, &mut in_flight, outcome).await?;
            }
            _ = drain_check.tick() => {}
            _ = &mut deadline => {
                if outcome.writer && outcome.sent > 0 && acks && !in_flight.is_empty() {
                    bail!("{} updates still unacknowledged at the deadline", in_flight.len());
                }
                return Ok(());
            }
        }
    }
    Ok(())
}

async fn send_edit(
    connection: &mut Connection,
    writer: &mut Writer,
    shared: &Shared,
    payload_bytes: usize,
    acks: bool,
    in_flight: &mut VecDeque<u64>,
    outcome: &mut Outcome,
) -> Result<()> {
    let sent_at = shared.nanos_now();
    let update = writer.edit(sent_at, payload_bytes);
    connection.send_sync(SyncMessage::Update { update }).await?;
    if acks {
        in_flight.push_back(sent_at);
    }
    outcome.sent += 1;
    Ok(())
}
