//! The task that owns the socket: connects (with backoff), speaks the multiplexed protocol for
//! every subscribed board, keeps the store and the per-board replicas in step, and publishes
//! status, remote updates and awareness.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use board_model::{Board, ConflictTracker, ModelError};
use board_store::{BoardRecord, IndexDelta, Seq, Store, StoreError, UpdateOrigin};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use sync_protocol::{
    AuthMessage, AuthScope, AwarenessEntry, Limits, MuxFrame, MuxMessage, SyncMessage, PONG_BYTE,
};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{interval_at, sleep_until, Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::backoff::Backoff;
use crate::board_sync::{BoardSync, Phase};
use crate::config::SyncConfig;
use crate::error::SyncError;
use crate::problem::SyncProblem;
use crate::status::{Status, StatusReport};

/// The store shared by the client and the application. `rusqlite::Connection` is `Send` but
/// not `Sync`, so one connection behind a mutex; the client only touches it from blocking
/// tasks, never while holding it across an await.
pub type SharedStore = Arc<Mutex<Store>>;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// An update from the relay, already applied to the client's replica and appended to the
/// store (origin remote). The application applies it to its own `Board`.
#[derive(Debug, Clone)]
pub struct RemoteUpdate {
    pub board: String,
    pub update: Arc<Vec<u8>>,
}

/// Other people's awareness (presence) on a board, as the relay forwarded it.
#[derive(Debug, Clone)]
pub struct AwarenessEvent {
    pub board: String,
    pub entries: Vec<AwarenessEntry>,
}

/// Two replicas wrote the same field of the same task concurrently; `winner_client`'s value
/// is the one everyone now sees. (yrs client ids; the app maps them to people via awareness.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictEvent {
    pub board: String,
    pub task: String,
    pub field: String,
    pub winner_client: u64,
    pub loser_client: u64,
}

enum Command {
    Subscribe(String),
    Unsubscribe(String),
    LocalChange(String),
    SetAwareness { board: String, state_json: String },
}

/// Starts sync clients.
#[derive(Debug)]
pub struct SyncClient;

impl SyncClient {
    /// Spawns the client on the current tokio runtime. It connects once a board is subscribed.
    pub fn spawn(config: SyncConfig, store: SharedStore) -> Result<SyncHandle, SyncError> {
        let url = config.sync_url();
        url.as_str()
            .into_client_request()
            .map_err(|e| SyncError::BadUrl {
                url: url.clone(),
                reason: e.to_string(),
            })?;
        // rustls needs a process-wide crypto provider; ring is the one compiled in. An
        // application that installed another one first keeps it.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (command_tx, command_rx) = mpsc::unbounded_channel();
        let (status_tx, status_rx) = watch::channel(StatusReport::default());
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let (remote_tx, _) = broadcast::channel(1024);
        let (awareness_tx, _) = broadcast::channel(256);
        let (conflict_tx, _) = broadcast::channel(256);
        let conflicts_total = Arc::new(AtomicU64::new(0));
        let backoff = Backoff::new(config.backoff, config.jitter_seed);
        let awareness_client = rand::random::<u64>() & sync_protocol::MAX_CLIENT_ID;
        let client = Client {
            url,
            config,
            store,
            boards: BTreeMap::new(),
            connected: false,
            connecting: false,
            server_error: None,
            backoff,
            commands: command_rx,
            shutdown: shutdown_rx,
            status: status_tx,
            remote: remote_tx.clone(),
            awareness: awareness_tx.clone(),
            awareness_client,
            conflict_events: conflict_tx.clone(),
            conflicts_total: conflicts_total.clone(),
        };
        let task = tokio::spawn(client.run());
        Ok(SyncHandle {
            commands: command_tx,
            status: status_rx,
            shutdown: shutdown_tx,
            remote: remote_tx,
            awareness: awareness_tx,
            conflict_events: conflict_tx,
            conflicts_total,
            task,
        })
    }
}

/// The application's handle on a running client.
#[derive(Debug)]
pub struct SyncHandle {
    commands: mpsc::UnboundedSender<Command>,
    status: watch::Receiver<StatusReport>,
    shutdown: watch::Sender<bool>,
    remote: broadcast::Sender<RemoteUpdate>,
    awareness: broadcast::Sender<AwarenessEvent>,
    conflict_events: broadcast::Sender<ConflictEvent>,
    conflicts_total: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl SyncHandle {
    /// Syncs this board from now on; one this store does not have is fetched from the relay.
    pub fn subscribe(&self, board: &str) -> Result<(), SyncError> {
        self.send(Command::Subscribe(board.to_owned()))
    }

    /// Stops syncing this board (left, removed, deleted here): the relay is told to drop its
    /// channel (DESIGN §3, "Unsubscribing"), nothing more of it arrives or is sent, and it
    /// leaves the status. Its store and outbox stay as they are; subscribing again resumes.
    pub fn unsubscribe(&self, board: &str) -> Result<(), SyncError> {
        self.send(Command::Unsubscribe(board.to_owned()))
    }

    /// Local changes to `board` were saved to the store: send them.
    pub fn notify_local_change(&self, board: &str) -> Result<(), SyncError> {
        self.send(Command::LocalChange(board.to_owned()))
    }

    /// This user's awareness (presence) state on `board`, as JSON.
    pub fn set_awareness(&self, board: &str, state_json: &str) -> Result<(), SyncError> {
        self.send(Command::SetAwareness {
            board: board.to_owned(),
            state_json: state_json.to_owned(),
        })
    }

    /// Per-board and overall status; `changed().await` wakes on every change.
    pub fn status(&self) -> watch::Receiver<StatusReport> {
        self.status.clone()
    }

    pub fn remote_updates(&self) -> broadcast::Receiver<RemoteUpdate> {
        self.remote.subscribe()
    }

    pub fn awareness(&self) -> broadcast::Receiver<AwarenessEvent> {
        self.awareness.subscribe()
    }

    /// Concurrent writes to one task field, as this client integrates them.
    pub fn conflicts(&self) -> broadcast::Receiver<ConflictEvent> {
        self.conflict_events.subscribe()
    }

    /// Conflicts seen since the client started (the numerator of a conflict rate).
    pub fn conflict_count(&self) -> u64 {
        self.conflicts_total.load(Ordering::Relaxed)
    }

    /// Closes the connection and waits for the client task to end. Nothing is lost: whatever
    /// was not acknowledged stays in the outbox.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }

    fn send(&self, command: Command) -> Result<(), SyncError> {
        self.commands.send(command).map_err(|_| SyncError::Stopped)
    }
}

/// Why a connection ended.
enum Ended {
    Shutdown,
    /// Every board was unsubscribed: the socket is closed until one is subscribed again.
    Idle,
    Lost(String),
}

struct Client {
    url: String,
    config: SyncConfig,
    store: SharedStore,
    boards: BTreeMap<String, BoardSync>,
    connected: bool,
    /// A connection attempt is under way.
    connecting: bool,
    /// The server refused the WebSocket upgrade itself (not a Tack relay, wrong path, ...).
    server_error: Option<SyncProblem>,
    backoff: Backoff,
    commands: mpsc::UnboundedReceiver<Command>,
    shutdown: watch::Receiver<bool>,
    status: watch::Sender<StatusReport>,
    remote: broadcast::Sender<RemoteUpdate>,
    awareness: broadcast::Sender<AwarenessEvent>,
    awareness_client: u64,
    conflict_events: broadcast::Sender<ConflictEvent>,
    conflicts_total: Arc<AtomicU64>,
}

/// Runs `work` on the store in a blocking task.
async fn with_store<T, F>(store: &SharedStore, work: F) -> Result<T, SyncError>
where
    T: Send + 'static,
    F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
{
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        let mut guard = store.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut guard)
    })
    .await
    .map_err(|e| SyncError::StoreTask(e.to_string()))?
    .map_err(SyncError::from)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Frames from the relay may carry a whole board (a Step2 after a long absence).
fn frame_limits() -> Limits {
    Limits {
        max_frame_bytes: 256 * 1024 * 1024,
        ..Limits::default()
    }
}

async fn poll_tick(poll: &mut Option<tokio::time::Interval>) {
    match poll {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

impl Client {
    async fn run(mut self) {
        let span = tracing::info_span!("sync_client", url = %self.url);
        tracing::Instrument::instrument(self.run_inner(), span).await;
    }

    async fn run_inner(&mut self) {
        let mut poll = self.config.local_poll.map(|every| {
            let mut interval = interval_at(Instant::now() + every, every);
            interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
            interval
        });
        loop {
            // Nothing to sync: no socket (the relay would close an idle one anyway).
            while self.boards.is_empty() {
                tokio::select! {
                    _ = self.shutdown.changed() => return,
                    command = self.commands.recv() => match command {
                        // Offline, a command only updates state; it produces no frames.
                        Some(command) => drop(self.command(command).await),
                        None => return,
                    },
                }
            }
            for board in self.boards.values_mut() {
                board.reset_connection(Phase::Authenticating);
            }
            self.connecting = true;
            self.publish().await;
            let connected = tokio::select! {
                _ = self.shutdown.changed() => return,
                result = tokio::time::timeout(
                    self.config.connect_timeout,
                    tokio_tungstenite::connect_async(self.url.as_str()),
                ) => result,
            };
            let ended = match connected {
                Ok(Ok((socket, _response))) => {
                    self.server_error = None;
                    self.session(socket, &mut poll).await
                }
                Ok(Err(error)) => {
                    if let tungstenite::Error::Http(response) = &error {
                        self.server_error = Some(SyncProblem::IncompatibleServer {
                            detail: format!(
                                "{} answered HTTP {} to the sync upgrade: not a Tack relay, \
                                 or an incompatible server",
                                self.url,
                                response.status()
                            ),
                        });
                    }
                    Ended::Lost(format!("connect failed: {error}"))
                }
                Err(_) => Ended::Lost("connect timed out".into()),
            };
            self.connecting = false;
            self.connected = false;
            for board in self.boards.values_mut() {
                board.reset_connection(Phase::Disconnected);
            }
            self.publish().await;
            let reason = match ended {
                Ended::Shutdown => return,
                Ended::Idle => continue,
                Ended::Lost(reason) => reason,
            };
            let delay = self.backoff.next_delay();
            tracing::info!(%reason, delay_ms = delay.as_millis() as u64, failures = self.backoff.failures(), "disconnected; reconnecting");
            let deadline = Instant::now() + delay;
            loop {
                tokio::select! {
                    _ = self.shutdown.changed() => return,
                    _ = sleep_until(deadline) => break,
                    _ = poll_tick(&mut poll) => self.refresh_all().await,
                    command = self.commands.recv() => match command {
                        // Offline, a command only updates state; it produces no frames.
                        Some(command) => {
                            drop(self.command(command).await);
                            self.publish().await;
                        }
                        None => return,
                    },
                }
            }
        }
    }

    /// One connection, from the pipelined opening frames until it breaks or shuts down.
    async fn session(&mut self, socket: Socket, poll: &mut Option<tokio::time::Interval>) -> Ended {
        let (mut sink, mut stream) = socket.split();
        self.connecting = false;
        self.connected = true;
        self.refresh_all().await;
        let mut opening = Vec::new();
        for board in self.boards.values() {
            if board.denied.is_none() {
                opening.extend(board.opening_frames(&self.config.token, self.awareness_client));
            }
        }
        tracing::debug!(boards = self.boards.len(), "connected");
        if let Err(ended) = self.send_all(&mut sink, opening).await {
            return ended;
        }
        self.publish().await;
        let keepalive = self.config.keepalive;
        let mut pings = interval_at(Instant::now() + keepalive.interval, keepalive.interval);
        pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last_heard = Instant::now();
        loop {
            let outgoing = tokio::select! {
                _ = self.shutdown.changed() => {
                    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
                    return Ended::Shutdown;
                }
                command = self.commands.recv() => match command {
                    Some(command) => self.command(command).await,
                    None => return Ended::Shutdown,
                },
                _ = pings.tick() => {
                    if last_heard.elapsed() >= keepalive.dead_after {
                        return Ended::Lost(format!("no answer from the relay for {:?}", keepalive.dead_after));
                    }
                    vec![vec![sync_protocol::PING_BYTE]]
                }
                _ = poll_tick(poll) => self.refresh_and_send_all().await,
                message = stream.next() => {
                    last_heard = Instant::now();
                    match message {
                        Some(Ok(Message::Binary(bytes))) => self.on_frame(&bytes).await,
                        Some(Ok(Message::Close(close))) => {
                            let reason = close.map(|c| format!("{} {}", c.code, c.reason)).unwrap_or_default();
                            return Ended::Lost(format!("relay closed the connection: {reason}"));
                        }
                        Some(Ok(_)) => Vec::new(),
                        Some(Err(error)) => return Ended::Lost(format!("connection failed: {error}")),
                        None => return Ended::Lost("connection closed".into()),
                    }
                }
            };
            if let Err(ended) = self.send_all(&mut sink, outgoing).await {
                return ended;
            }
            self.publish().await;
            if self.boards.is_empty() {
                let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
                tracing::debug!("every board unsubscribed; disconnected");
                return Ended::Idle;
            }
        }
    }

    /// Writes frames in one batch (one flush); bounded by the dead-peer timeout so a black
    /// hole with a full send buffer cannot hang the client.
    async fn send_all(
        &self,
        sink: &mut SplitSink<Socket, Message>,
        frames: Vec<Vec<u8>>,
    ) -> Result<(), Ended> {
        if frames.is_empty() {
            return Ok(());
        }
        let write = async {
            for frame in frames {
                sink.feed(Message::Binary(frame.into())).await?;
            }
            sink.flush().await
        };
        match tokio::time::timeout(self.config.keepalive.dead_after, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(Ended::Lost(format!("send failed: {error}"))),
            Err(_) => Err(Ended::Lost("send timed out".into())),
        }
    }

    /// Handles a command; returns the frames to send if connected.
    async fn command(&mut self, command: Command) -> Vec<Vec<u8>> {
        match command {
            Command::Subscribe(id) => {
                if let Some(board) = self.boards.get_mut(&id) {
                    board.denied = None;
                    return Vec::new();
                }
                match self.load_board(&id).await {
                    Ok(board) => {
                        self.boards.insert(id.clone(), board);
                        self.refresh_local(&id).await;
                        let Some(board) = self.boards.get_mut(&id) else {
                            return Vec::new();
                        };
                        if self.connected {
                            board.phase = Phase::Authenticating;
                            board.opening_frames(&self.config.token, self.awareness_client)
                        } else {
                            Vec::new()
                        }
                    }
                    Err(error) => {
                        tracing::error!(?error, board = %id, "cannot open the board to sync it");
                        Vec::new()
                    }
                }
            }
            Command::Unsubscribe(id) => {
                let Some(board) = self.boards.remove(&id) else {
                    return Vec::new();
                };
                tracing::info!(board = %id, "unsubscribed");
                // Only a channel the relay opened (or is opening: the Close follows the Auth)
                // has anything to drop; a frame for a board it refused would wait for an Auth.
                let open = board.phase != Phase::Disconnected && board.denied.is_none();
                if self.connected && open {
                    vec![board.frame(MuxMessage::Close { reason: None })]
                } else {
                    Vec::new()
                }
            }
            Command::LocalChange(id) => self.refresh_and_send(&id).await,
            Command::SetAwareness { board, state_json } => {
                let Some(sync) = self.boards.get_mut(&board) else {
                    return Vec::new();
                };
                let clock = sync.awareness.as_ref().map_or(0, |(clock, _)| clock + 1);
                sync.awareness = Some((clock, state_json));
                if sync.phase == Phase::Live {
                    sync.awareness_frame(self.awareness_client)
                        .into_iter()
                        .collect()
                } else {
                    Vec::new()
                }
            }
        }
    }

    async fn load_board(&self, id: &str) -> Result<BoardSync, SyncError> {
        let config = self.config.replica.clone();
        let board_id = id.to_owned();
        let loaded: Option<(Board, ConflictTracker)> = with_store(&self.store, move |store| {
            if store.board(&board_id)?.is_none() {
                return Ok(None);
            }
            let board = board_store::replica::open_board(store, &board_id, config)?;
            // The tracker learns the history; conflicts in it were settled long ago.
            let mut tracker = ConflictTracker::new();
            let history = store.load_board(&board_id)?;
            for piece in history.snapshot.iter().chain(history.updates.iter()) {
                tracker.observe(piece);
            }
            Ok(Some((board, tracker)))
        })
        .await?;
        Ok(match loaded {
            Some((board, tracker)) => BoardSync::new(id.to_owned(), board, true, tracker),
            None => {
                let empty = Board::load(id, std::iter::empty(), None, self.config.replica.clone())?;
                BoardSync::new(id.to_owned(), empty, false, ConflictTracker::new())
            }
        })
    }

    /// Feeds an integrated update to the board's conflict tracker and publishes what it finds.
    fn track_conflicts(&mut self, id: &str, update: &[u8]) {
        let Some(board) = self.boards.get_mut(id) else {
            return;
        };
        for conflict in board.conflicts.observe(update) {
            self.conflicts_total.fetch_add(1, Ordering::Relaxed);
            tracing::info!(board = %id, task = %conflict.task, field = %conflict.field, winner = conflict.winner_client, loser = conflict.loser_client, "concurrent edit of a task field");
            let _ = self.conflict_events.send(ConflictEvent {
                board: id.to_owned(),
                task: conflict.task,
                field: conflict.field,
                winner_client: conflict.winner_client,
                loser_client: conflict.loser_client,
            });
        }
    }

    async fn refresh_all(&mut self) {
        let ids: Vec<String> = self.boards.keys().cloned().collect();
        for id in ids {
            self.refresh_local(&id).await;
        }
    }

    async fn refresh_and_send_all(&mut self) -> Vec<Vec<u8>> {
        let ids: Vec<String> = self.boards.keys().cloned().collect();
        let mut frames = Vec::new();
        for id in ids {
            frames.extend(self.refresh_and_send(&id).await);
        }
        frames
    }

    /// Picks up new outbox entries and, if the board is live, sends them as Updates.
    async fn refresh_and_send(&mut self, id: &str) -> Vec<Vec<u8>> {
        let fresh = self.refresh_local(id).await;
        let Some(board) = self.boards.get_mut(id) else {
            return Vec::new();
        };
        if board.phase != Phase::Live || board.readonly {
            // The Step2 answering the relay's Step1 carries them (the replica has them).
            return Vec::new();
        }
        let mut frames = Vec::with_capacity(fresh.len());
        for (seq, update) in fresh {
            board.in_flight.push_back(vec![seq]);
            frames.push(board.frame(MuxMessage::Sync(SyncMessage::Update { update })));
        }
        frames
    }

    /// Reads the board's outbox: applies entries newer than the replica has to it, refreshes
    /// the pending set, and returns the new entries.
    async fn refresh_local(&mut self, id: &str) -> Vec<(Seq, Vec<u8>)> {
        let Some(board) = self.boards.get(id) else {
            return Vec::new();
        };
        if !board.in_store {
            return Vec::new();
        }
        let board_id = id.to_owned();
        let outbox = match with_store(&self.store, move |store| store.outbox(&board_id)).await {
            Ok(outbox) => outbox,
            Err(error) => {
                tracing::error!(?error, board = %id, "reading the outbox failed");
                return Vec::new();
            }
        };
        let Some(board) = self.boards.get_mut(id) else {
            return Vec::new();
        };
        board.unacked = outbox.iter().map(|(seq, _)| *seq).collect();
        let fresh: Vec<(Seq, Vec<u8>)> = outbox
            .into_iter()
            .filter(|(seq, _)| *seq > board.mirrored_upto)
            .collect();
        let mut reload = false;
        for (seq, update) in &fresh {
            board.mirrored_upto = board.mirrored_upto.max(*seq);
            if !reload && board.mirror.apply_remote_update(update).is_err() {
                reload = true;
            }
        }
        for (_, update) in &fresh {
            self.track_conflicts(id, update);
        }
        if reload {
            // The replica missed something the store has: rebuild it from the store.
            let config = self.config.replica.clone();
            let board_id = id.to_owned();
            match with_store(&self.store, move |store| {
                board_store::replica::open_board(store, &board_id, config)
            })
            .await
            {
                Ok(mirror) => {
                    if let Some(board) = self.boards.get_mut(id) {
                        board.mirror = mirror;
                    }
                }
                Err(error) => tracing::error!(?error, board = %id, "reloading the board failed"),
            }
        }
        fresh
    }

    async fn on_frame(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        let frame = match MuxFrame::decode(bytes, &frame_limits()) {
            Ok(frame) => frame,
            Err(error) => {
                tracing::warn!(?error, "malformed frame from the relay; ignored");
                return Vec::new();
            }
        };
        let (id, message) = match frame {
            MuxFrame::Ping => return vec![vec![PONG_BYTE]],
            MuxFrame::Pong => return Vec::new(),
            MuxFrame::Board { board, message } => (board, message),
        };
        if !self.boards.contains_key(&id) {
            return Vec::new();
        }
        match message {
            MuxMessage::Auth(auth) => self.on_auth(&id, auth),
            MuxMessage::Sync(sync) | MuxMessage::SyncReply(sync) => self.on_sync(&id, sync).await,
            MuxMessage::SyncStatus { applied } => {
                self.on_sync_status(&id, applied).await;
                Vec::new()
            }
            MuxMessage::Awareness { update } => {
                match sync_protocol::decode_awareness_update(&update, &frame_limits()) {
                    Ok(entries) => {
                        let _ = self.awareness.send(AwarenessEvent {
                            board: id.clone(),
                            entries,
                        });
                    }
                    Err(error) => tracing::warn!(?error, board = %id, "malformed awareness"),
                }
                Vec::new()
            }
            MuxMessage::QueryAwareness => self
                .boards
                .get(&id)
                .and_then(|b| b.awareness_frame(self.awareness_client))
                .into_iter()
                .collect(),
            MuxMessage::Close { reason } => {
                if let Some(board) = self.boards.get_mut(&id) {
                    tracing::warn!(board = %id, ?reason, "relay closed the board's channel");
                    board.reset_connection(Phase::Disconnected);
                    board.closed = Some(SyncProblem::from_close(reason.as_deref()));
                }
                Vec::new()
            }
            MuxMessage::Stateless { .. } | MuxMessage::BroadcastStateless { .. } => Vec::new(),
        }
    }

    fn on_auth(&mut self, id: &str, auth: AuthMessage) -> Vec<Vec<u8>> {
        let Some(board) = self.boards.get_mut(id) else {
            return Vec::new();
        };
        match auth {
            AuthMessage::Authenticated { scope } => {
                let readonly = scope == AuthScope::ReadOnly;
                // The relay re-sends the scope when a role changes on a live channel.
                let write_regained = board.phase == Phase::Live && board.readonly && !readonly;
                board.phase = Phase::Live;
                board.readonly = readonly;
                if write_regained && !board.unacked.is_empty() {
                    // What the relay refused while we were read-only is still in the outbox
                    // (and the replica): a fresh Step1 makes the relay answer with its own,
                    // and our Step2 to that carries all of it, acknowledged as one.
                    tracing::info!(board = %id, pending = board.pending(), "write access is back; sending the kept changes");
                    return vec![board.step1()];
                }
                Vec::new()
            }
            AuthMessage::PermissionDenied { reason } => {
                tracing::warn!(board = %id, %reason, "access denied");
                board.reset_connection(Phase::Disconnected);
                board.denied = Some(SyncProblem::from_denial(&reason));
                Vec::new()
            }
            AuthMessage::TokenRequest => vec![board.frame(MuxMessage::Auth(AuthMessage::Token {
                token: self.config.token.clone(),
            }))],
            AuthMessage::Token { .. } => Vec::new(),
        }
    }

    async fn on_sync(&mut self, id: &str, sync: SyncMessage) -> Vec<Vec<u8>> {
        match sync {
            SyncMessage::Step1 { state_vector } => {
                let Some(board) = self.boards.get_mut(id) else {
                    return Vec::new();
                };
                match board.mirror.diff(&state_vector) {
                    Ok(update) => {
                        // Its acknowledgement covers the whole outbox: the replica holds every
                        // entry, so the diff carries whatever the relay lacks of them.
                        board
                            .in_flight
                            .push_back(board.unacked.iter().copied().collect());
                        board.answered_server = true;
                        vec![board.frame(MuxMessage::Sync(SyncMessage::Step2 { update }))]
                    }
                    Err(error) => {
                        tracing::warn!(?error, board = %id, "unusable state vector from the relay");
                        Vec::new()
                    }
                }
            }
            SyncMessage::Step2 { update } => {
                let frames = self.apply_remote(id, update).await;
                if let Some(board) = self.boards.get_mut(id) {
                    board.server_state_received = true;
                    if !board.in_store && board.closed.is_none() {
                        board.closed = Some(SyncProblem::BoardMissing);
                    }
                }
                frames
            }
            SyncMessage::Update { update } => self.apply_remote(id, update).await,
        }
    }

    /// Applies a relay update to the replica, then the store, then tells the application.
    async fn apply_remote(&mut self, id: &str, update: Vec<u8>) -> Vec<Vec<u8>> {
        let Some(board) = self.boards.get_mut(id) else {
            return Vec::new();
        };
        match board.mirror.apply_remote_update(&update) {
            Ok(()) => {}
            Err(ModelError::MissingHistory { .. }) => {
                // It builds on updates we have not received: ask for everything we lack.
                return vec![board.step1()];
            }
            Err(error) => {
                tracing::warn!(?error, board = %id, "unusable update from the relay; ignored");
                return Vec::new();
            }
        }
        // An empty update (no structs, no deletions) changes nothing worth storing.
        if sync_protocol::guard::is_empty_update_v1(&update) {
            return Vec::new();
        }
        self.track_conflicts(id, &update);
        let Some(board) = self.boards.get_mut(id) else {
            return Vec::new();
        };
        let stored = if board.in_store {
            let board_id = id.to_owned();
            let bytes = update.clone();
            // The task index follows in the same transaction, from what the update changed in
            // the mirror (the store leaves the board's index stale if the mirror lags it).
            let index = IndexDelta::of_changes(&mut board.mirror);
            with_store(&self.store, move |store| {
                store.append_update_indexed(&board_id, UpdateOrigin::Remote, &bytes, &index)
            })
            .await
            .map(|_| ())
        } else {
            self.adopt_fetched(id).await
        };
        match stored {
            Ok(()) => {
                let _ = self.remote.send(RemoteUpdate {
                    board: id.to_owned(),
                    update: Arc::new(update),
                });
            }
            Err(error) => {
                tracing::error!(?error, board = %id, "storing a remote update failed");
            }
        }
        Vec::new()
    }

    /// A board fetched from the relay becomes a board of this store once it has a title.
    async fn adopt_fetched(&mut self, id: &str) -> Result<(), SyncError> {
        let Some(board) = self.boards.get_mut(id) else {
            return Ok(());
        };
        let title = board.mirror.title();
        if title.is_empty() {
            return Ok(());
        }
        let record = BoardRecord {
            id: id.to_owned(),
            title,
            created_at_ms: board.mirror.view().created_at,
            server: Some(self.config.server_url.clone()),
            role: None,
            last_synced_at_ms: None,
        };
        let state = board.mirror.encode_state();
        let index = IndexDelta::whole(&mut board.mirror);
        let seq = with_store(&self.store, move |store| {
            store.create_board_indexed(&record, UpdateOrigin::Remote, &state, &index)
        })
        .await?;
        board.in_store = true;
        board.closed = None;
        board.mirrored_upto = seq;
        tracing::info!(board = %id, "fetched a board from the relay");
        Ok(())
    }

    async fn on_sync_status(&mut self, id: &str, applied: bool) {
        let Some(board) = self.boards.get_mut(id) else {
            return;
        };
        let Some(covered) = board.in_flight.pop_front() else {
            tracing::warn!(board = %id, "acknowledgement for nothing we sent; ignored");
            return;
        };
        if !applied {
            // Refused: nothing leaves the outbox. No immediate re-send (a read-only channel
            // would refuse it again): the entries go out with the Step2 of the next handshake,
            // after a reconnect, write access coming back, or the relay asking with its Step1
            // (an update it could not place).
            if !covered.is_empty() {
                tracing::info!(board = %id, entries = covered.len(), readonly = board.readonly, "relay refused local changes; they stay in the outbox");
            }
            return;
        }
        if covered.is_empty() {
            return;
        }
        for seq in &covered {
            board.unacked.remove(seq);
        }
        let board_id = id.to_owned();
        if let Err(error) = with_store(&self.store, move |store| {
            store.acknowledge(&board_id, &covered)
        })
        .await
        {
            tracing::error!(?error, board = %id, "recording an acknowledgement failed");
        }
    }

    /// Publishes the status; records the time of every board that has just become synced.
    async fn publish(&mut self) {
        let connected = self.connected;
        let mut boards: BTreeMap<String, Status> = self
            .boards
            .iter()
            .map(|(id, board)| (id.clone(), board.status(connected)))
            .collect();
        for status in boards.values_mut() {
            if !matches!(status, Status::Offline { .. }) {
                continue;
            }
            if let Some(problem) = &self.server_error {
                *status = Status::Problem(problem.clone());
            } else if self.connecting {
                *status = Status::Connecting;
            }
        }
        let mut report = StatusReport::from_boards(boards, connected || self.connecting);
        report.readonly = self
            .boards
            .iter()
            .filter(|(_, board)| board.readonly && board.phase == Phase::Live)
            .map(|(id, _)| id.clone())
            .collect();
        let newly_synced: Vec<String> = {
            let previous = self.status.borrow();
            report
                .boards
                .iter()
                .filter(|(id, status)| {
                    **status == Status::Synced && previous.boards.get(*id) != Some(&Status::Synced)
                })
                .map(|(id, _)| id.clone())
                .collect()
        };
        if !newly_synced.is_empty() {
            self.backoff.reset();
            let at = now_ms();
            let _ = with_store(&self.store, move |store| {
                for id in &newly_synced {
                    store.mark_synced(id, at)?;
                }
                Ok(())
            })
            .await;
        }
        self.status.send_if_modified(|current| {
            if *current == report {
                false
            } else {
                *current = report;
                true
            }
        });
    }
}
