//! The relay's HTTP surface (`app`), its shared state, and serving with graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, FromRef, Request};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::admission::{Admission, HeldSlot};
use crate::api::{ApiError, ApiState};
use crate::auth::Verifier;
use crate::commit::{Compaction, GroupCommitter};
use crate::config::ServerConfig;
use crate::connection;
use crate::metrics::Metrics;
use crate::room::Rooms;
use crate::storage::Storage;
use relay_core::SessionLimits;
use tokio_util::task::TaskTracker;

pub use relay_core::MembershipChange;

/// One relay instance's state: what its routers, listeners and connections share. Each router
/// takes only its part (axum's `FromRef`): `SocketState` for the sockets, `ApiState` for
/// `/v1`, `EdgeState`, `ReadinessState` and `MetricsState` for the small ones.
pub struct RelayState {
    pub config: ServerConfig,
    pub rooms: Arc<Rooms>,
    pub metrics: Arc<Metrics>,
    pub storage: Storage,
    /// Becomes `true` when the relay starts shutting down.
    pub shutdown: watch::Receiver<bool>,
    /// Membership changes (from this relay's API, or from PostgreSQL `NOTIFY`): connections
    /// re-check the role of that user on that board.
    pub membership: broadcast::Sender<MembershipChange>,
    pub login_throttle: Arc<crate::api::LoginThrottle>,
    /// Hashing permits, per-address buckets and unauthenticated-connection slots.
    pub admission: Arc<Admission>,
    /// What the socket routes and every connection share.
    pub sockets: Arc<Sockets>,
    /// Attachments' bytes (`None`: this relay stores none).
    pub blobs: Option<Arc<crate::blobs::Blobs>>,
}

impl std::fmt::Debug for RelayState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayState").finish_non_exhaustive()
    }
}

/// What the socket routes (`/sync`, `/sync/{board}`) and their connections need: the rooms,
/// the committer, the verifier, storage for re-reading roles, the limits, and the counts of
/// connections. Made once per relay; a connection holds it for its life.
pub struct Sockets {
    /// Per-connection limits (queues, timeouts, awareness).
    pub limits: crate::config::ConnectionLimits,
    /// What each connection's protocol session works within.
    pub session_limits: SessionLimits,
    /// The longest board id (in bytes) a `/sync/{board}` socket may name.
    pub max_board_id_bytes: usize,
    /// How long a closing connection may take to deliver the acknowledgements it owes.
    pub shutdown_grace: Duration,
    pub rooms: Arc<Rooms>,
    pub committer: GroupCommitter,
    pub verifier: Arc<dyn Verifier>,
    pub metrics: Arc<Metrics>,
    pub storage: Storage,
    pub shutdown: watch::Receiver<bool>,
    pub membership: broadcast::Sender<MembershipChange>,
    /// Open connections per signed-in user (the per-user connection cap).
    pub user_connections: std::sync::Mutex<std::collections::HashMap<String, usize>>,
    /// Every connection task: shutdown waits for them to finish.
    pub connections: TaskTracker,
    next_connection: AtomicU64,
}

impl std::fmt::Debug for Sockets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sockets").finish_non_exhaustive()
    }
}

impl Sockets {
    pub fn next_connection_id(&self) -> u64 {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }
}

/// The socket routes' state (axum's `FromRef`): the relay's `Sockets`.
#[derive(Debug, Clone)]
pub struct SocketState(pub Arc<Sockets>);

impl FromRef<Arc<RelayState>> for SocketState {
    fn from_ref(state: &Arc<RelayState>) -> Self {
        SocketState(Arc::clone(&state.sockets))
    }
}

/// A relay instance: its state and its commit writer.
pub struct RelayServer {
    shared: Arc<RelayState>,
    commit_writer: JoinHandle<()>,
    shutdown_tx: watch::Sender<bool>,
}

impl std::fmt::Debug for RelayServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayServer").finish_non_exhaustive()
    }
}

impl RelayServer {
    pub fn new(storage: Storage, verifier: Arc<dyn Verifier>, config: ServerConfig) -> Self {
        // Commits go through storage that announces them to the other relays (PostgreSQL).
        let cluster = crate::cluster::start(&storage, crate::cluster::new_instance_id());
        let storage = match &cluster {
            Some(cluster) => storage.announcing(cluster.announce_hook()),
            None => storage,
        };
        let metrics = Arc::new(Metrics::default());
        let compacted = metrics.compactions.clone();
        let compaction = Compaction {
            after_updates: config.compact_after_updates,
            on_compacted: Arc::new(move || {
                compacted.inc();
            }),
        };
        let (committer, commit_writer) =
            GroupCommitter::spawn_compacting(storage.clone(), config.commit.clone(), compaction);
        let batch_metrics = metrics.clone();
        committer.set_observer(Arc::new(move |report: crate::commit::BatchReport| {
            batch_metrics
                .commit_batch_updates
                .observe(report.updates as f64);
            batch_metrics
                .commit_seconds
                .observe(report.elapsed.as_secs_f64());
        }));
        let (shutdown_tx, shutdown) = watch::channel(false);
        let (membership, _) = broadcast::channel(1024);
        let rooms = Rooms::new(
            storage.clone(),
            metrics.clone(),
            config.update_limits.clone(),
            cluster,
        );
        let admission = Arc::new(Admission::new(&config.admission));
        let sockets = Arc::new(Sockets {
            limits: config.limits.clone(),
            session_limits: config.session_limits(),
            max_board_id_bytes: config.frame_limits.max_string_bytes,
            shutdown_grace: config.shutdown_grace,
            rooms: Arc::clone(&rooms),
            committer,
            verifier,
            metrics: Arc::clone(&metrics),
            storage: storage.clone(),
            shutdown: shutdown.clone(),
            membership: membership.clone(),
            user_connections: std::sync::Mutex::new(std::collections::HashMap::new()),
            connections: TaskTracker::new(),
            next_connection: AtomicU64::new(1),
        });
        let blobs = match crate::blobs::Blobs::open(&config.blobs, &storage) {
            Ok(blobs) => blobs,
            Err(error) => {
                tracing::error!(%error, "attachments are off: the blob store cannot be opened");
                None
            }
        };
        let shared = Arc::new(RelayState {
            blobs,
            config,
            rooms,
            metrics,
            storage,
            shutdown,
            membership,
            login_throttle: Arc::default(),
            admission,
            sockets,
        });
        if let Some(listener) = crate::revocation::spawn_listener(&shared) {
            tracing::debug!(?listener, "listening for membership changes");
        }
        if let Some(listener) = crate::cluster::spawn_listener(&shared) {
            tracing::debug!(?listener, "listening for other instances' commits");
        }
        if let Some(blobs) = &shared.blobs {
            let mut stopping = shutdown_tx.subscribe();
            tokio::spawn(crate::blobs::collect_periodically(
                shared.storage.clone(),
                Arc::clone(blobs),
                async move {
                    let _ = stopping.wait_for(|stop| *stop).await;
                },
            ));
        }
        if shared.config.history_days > 0 {
            let mut stopping = shutdown_tx.subscribe();
            tokio::spawn(crate::history::retain(
                shared.storage.clone(),
                shared.config.history_days,
                std::time::Duration::from_secs(3600),
                async move {
                    let _ = stopping.wait_for(|stop| *stop).await;
                },
            ));
        }
        Self {
            shared,
            commit_writer,
            shutdown_tx,
        }
    }

    pub fn shared(&self) -> &Arc<RelayState> {
        &self.shared
    }

    /// Serves on `listener` until `shutdown` resolves, then: stop accepting, tell every client
    /// to reconnect (close 1012), deliver acknowledgements for commits in flight, flush the
    /// commit queue. Bounded by `ServerConfig::shutdown_grace` per stage.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let RelayServer {
            shared,
            commit_writer,
            shutdown_tx,
        } = self;
        let grace = shared.config.shutdown_grace;
        let signal = async move {
            shutdown.await;
            let _ = shutdown_tx.send(true);
        };
        let router = app(shared.clone());
        serve_http(
            listener,
            router,
            shared.config.admission.header_read_timeout,
            signal,
        )
        .await;
        // Every connection has been told to close (1012): wait for them to deliver the
        // acknowledgements they owe, within the grace period.
        let connections = shared.sockets.connections.clone();
        connections.close();
        if tokio::time::timeout(grace, connections.wait())
            .await
            .is_err()
        {
            tracing::warn!("connections did not finish in time");
        }
        drop(shared);
        if tokio::time::timeout(grace, commit_writer).await.is_err() {
            tracing::error!("commit queue did not drain in time");
        }
        Ok(())
    }
}

/// Accepts connections until `signal` resolves and serves each over HTTP/1 (WebSocket
/// upgrades included), closing one whose request headers take longer than
/// `header_read_timeout` (a slowloris holds a task and buffers for as long as it may drip);
/// then lets requests in flight finish. The client's address reaches handlers as
/// `ConnectInfo<SocketAddr>`.
async fn serve_http(
    listener: TcpListener,
    router: Router,
    header_read_timeout: Duration,
    signal: impl Future<Output = ()> + Send + 'static,
) {
    // Dropped when the signal comes: every `stopping.closed()` then resolves.
    let (stopping, stop) = watch::channel(());
    tokio::spawn(async move {
        signal.await;
        drop(stop);
    });
    // Each connection task holds a receiver; `closed()` resolves when all have ended.
    let (connections, connection) = watch::channel(());
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors or a connection reset before accept: try again
                    // shortly instead of spinning.
                    tracing::debug!(?error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stopping.closed() => break,
        };
        // Without TCP_NODELAY, Nagle's algorithm meeting the client's delayed ACKs holds 1-2%
        // of broadcast frames for ~25-40 ms (fan-out p99 26 ms; 2.2 ms with it).
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(?error, "cannot set TCP_NODELAY");
        }
        let router = TowerToHyperService::new(router.clone());
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            hyper::service::Service::call(&router, request)
        });
        let stopping = stopping.clone();
        let connection = connection.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout);
            let mut served = pin!(builder
                .serve_connection(TokioIo::new(tcp), service)
                .with_upgrades());
            let mut stop = pin!(stopping.closed());
            let mut stop_sent = false;
            loop {
                tokio::select! {
                    outcome = served.as_mut() => {
                        if let Err(error) = outcome {
                            tracing::debug!(%error, "HTTP connection ended");
                        }
                        break;
                    }
                    () = &mut stop, if !stop_sent => {
                        stop_sent = true;
                        served.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(connection);
        });
    }
    drop(connection);
    drop(listener);
    connections.closed().await;
}

/// What the edge's admission layer needs: the per-address slots, and where to count refusals.
#[derive(Clone)]
pub struct EdgeState {
    admission: Arc<Admission>,
    metrics: Arc<Metrics>,
}

impl FromRef<Arc<RelayState>> for EdgeState {
    fn from_ref(state: &Arc<RelayState>) -> Self {
        Self {
            admission: Arc::clone(&state.admission),
            metrics: Arc::clone(&state.metrics),
        }
    }
}

/// What `/readyz` needs: storage to ping, and whether the relay is shutting down.
#[derive(Clone)]
pub struct ReadinessState {
    storage: Storage,
    shutdown: watch::Receiver<bool>,
}

impl FromRef<Arc<RelayState>> for ReadinessState {
    fn from_ref(state: &Arc<RelayState>) -> Self {
        Self {
            storage: state.storage.clone(),
            shutdown: state.shutdown.clone(),
        }
    }
}

/// What `/metrics` needs: the counters, and the rooms to count.
#[derive(Clone)]
pub struct MetricsState {
    metrics: Arc<Metrics>,
    rooms: Arc<Rooms>,
}

impl FromRef<Arc<RelayState>> for MetricsState {
    fn from_ref(state: &Arc<RelayState>) -> Self {
        Self {
            metrics: Arc::clone(&state.metrics),
            rooms: Arc::clone(&state.rooms),
        }
    }
}

/// The router: `/sync`, `/sync/{board}`, `/healthz`, `/readyz`, `/metrics`, the JSON API
/// under `/v1`, and the page behind invite links (`/invite/{token}`). Requests to `/sync`,
/// `/invite` and `/v1` count against their address's cap on
/// unauthenticated connections; `/v1` bodies are bounded in size and time. Each handler takes
/// only the state it needs, by `FromRef`: `SocketState` (the sockets), `ApiState` (`/v1`),
/// `InvitePageState`, `EdgeState`, `ReadinessState`, `MetricsState`.
pub fn app(shared: Arc<RelayState>) -> Router {
    let api_state = ApiState::from_ref(&shared);
    let api = crate::api::routes()
        .layer(middleware::from_fn_with_state(
            api_state.clone(),
            crate::api::read_body_in_time,
        ))
        .with_state(api_state);
    let edge = Router::new()
        .route("/sync", get(mux_upgrade))
        .route("/sync/{board}", get(yws_upgrade))
        .route("/invite/{token}", get(crate::invite_page::invite_page))
        .merge(crate::blobs::routes().with_state(crate::blobs::BlobState::from_ref(&shared)))
        .nest("/v1", api)
        .layer(middleware::from_fn_with_state(
            EdgeState::from_ref(&shared),
            admit_unauthenticated,
        ));
    Router::new()
        .merge(edge)
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(shared)
}

/// Takes a slot under the client address's cap on unauthenticated connections for the
/// request; `/sync` moves it into its socket, which frees it at its first successful Auth.
async fn admit_unauthenticated(
    State(edge): State<EdgeState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    if let Some(peer) = peer {
        match edge.admission.unauthenticated.admit(peer) {
            Some(slot) => {
                request.extensions_mut().insert(HeldSlot::new(slot));
            }
            None => {
                edge.metrics.reject("address_cap");
                return ApiError::too_many(
                    tack_api::ErrorCode::TooManyConnections,
                    "too many unauthenticated connections from this address; try again later",
                    1,
                )
                .into_response();
            }
        }
    }
    next.run(request).await
}

fn configure(ws: WebSocketUpgrade, shared: &Sockets) -> WebSocketUpgrade {
    let limits = &shared.limits;
    ws.read_buffer_size(limits.read_buffer_bytes)
        .write_buffer_size(limits.write_buffer_bytes)
        .max_message_size(limits.max_message_bytes)
        .max_frame_size(limits.max_message_bytes)
}

fn shutting_down(shared: &Sockets) -> bool {
    *shared.shutdown.borrow()
}

async fn mux_upgrade(
    State(SocketState(shared)): State<SocketState>,
    slot: Option<Extension<HeldSlot>>,
    ws: WebSocketUpgrade,
) -> Response {
    if shutting_down(&shared) {
        return (StatusCode::SERVICE_UNAVAILABLE, "relay shutting down\n").into_response();
    }
    let span = tracing::info_span!("connection", framing = "mux", conn = tracing::field::Empty);
    let slot = slot.and_then(|Extension(slot)| slot.take());
    let connections = shared.connections.clone();
    configure(ws, &shared).on_upgrade(move |socket| {
        connections.track_future(connection::run_mux(socket, shared, span, slot))
    })
}

#[derive(Debug, serde::Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn yws_upgrade(
    State(SocketState(shared)): State<SocketState>,
    Path(board): Path<String>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if shutting_down(&shared) {
        return (StatusCode::SERVICE_UNAVAILABLE, "relay shutting down\n").into_response();
    }
    if board.is_empty() || board.len() > shared.max_board_id_bytes {
        return (StatusCode::BAD_REQUEST, "bad board name\n").into_response();
    }
    // The token may come in `?token=` or as the WebSocket subprotocol, which must be echoed.
    let protocol: Option<HeaderValue> = headers
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .map(str::trim)
                .find(|p| !p.is_empty())
                .map(str::to_owned)
        })
        .and_then(|p| HeaderValue::from_str(&p).ok());
    let token = query
        .token
        .or_else(|| {
            protocol
                .as_ref()
                .and_then(|p| p.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let grant = match shared.verifier.verify(&token, &board).await {
        Ok(grant) => grant,
        Err(denied) => {
            shared.metrics.reject("permission_denied");
            return (StatusCode::FORBIDDEN, format!("{}\n", denied.0)).into_response();
        }
    };
    let mut ws = configure(ws, &shared);
    if let Some(protocol) = protocol {
        ws = ws.protocols([protocol.to_str().unwrap_or_default().to_owned()]);
    }
    let span = tracing::info_span!(
        "connection",
        framing = "y-websocket",
        board = %board,
        conn = tracing::field::Empty
    );
    let connections = shared.connections.clone();
    ws.on_upgrade(move |socket| {
        connections.track_future(connection::run_yws(
            socket, shared, board, grant, token, span,
        ))
    })
}

async fn readyz(State(ready): State<ReadinessState>) -> Response {
    if *ready.shutdown.borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response();
    }
    match ready.storage.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(error) => {
            tracing::warn!(?error, "storage not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "storage unavailable\n").into_response()
        }
    }
}

async fn metrics(State(state): State<MetricsState>) -> Response {
    state.metrics.rooms.set(state.rooms.open_rooms() as i64);
    (
        [(
            "content-type",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
