//! Harness: a relay on 127.0.0.1:0 (in-process or as the real binary) on a fresh SQLite file
//! or PostgreSQL database, and a real multiplexed WebSocket client holding yrs documents.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sync_protocol::{AuthMessage, AuthScope, Limits, MuxFrame, MuxMessage, SyncMessage};
use sync_server::auth::{Access, Denied, Verdict, Verifier};
use sync_server::config::ServerConfig;
use sync_server::server::RelayServer;
use sync_server::storage::Storage;
use test_support::postgres::TestDatabase;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, Map, ReadTxn, StateVector, Transact, Update};

/// How long a test waits for any one expected message.
pub const WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

pub const BOTH: [BackendKind; 2] = [BackendKind::Sqlite, BackendKind::Postgres];

/// Where a test relay keeps its data; dropped (deleted) with the test.
pub struct Backend {
    pub database_url: Option<String>,
    pub sqlite_path: PathBuf,
    _dir: tempfile::TempDir,
    _database: Option<TestDatabase>,
}

impl Backend {
    pub fn new(kind: BackendKind) -> Self {
        let dir = test_support::temp_data_dir();
        let sqlite_path = dir.path().join("relay.sqlite3");
        let database = match kind {
            BackendKind::Sqlite => None,
            BackendKind::Postgres => Some(TestDatabase::create()),
        };
        Self {
            database_url: database.as_ref().map(|d| d.url.clone()),
            sqlite_path,
            _dir: dir,
            _database: database,
        }
    }

    /// Another relay's view of the same database (its own temp dir; the database stays owned,
    /// and dropped, by `self`).
    pub fn sharing(&self) -> Backend {
        let dir = test_support::temp_data_dir();
        Backend {
            database_url: self.database_url.clone(),
            sqlite_path: dir.path().join("relay.sqlite3"),
            _dir: dir,
            _database: None,
        }
    }

    /// The URL the relay's role connects with: on PostgreSQL the superuser's login with the
    /// session switched to `tack_relay` at connection start (so row-level security applies);
    /// in production the relay logs in as a member of `tack_relay` instead.
    pub fn relay_url(&self) -> Option<String> {
        self.database_url
            .as_ref()
            .map(|url| format!("{url}?options=-c%20role%3Dtack_relay"))
    }

    /// Storage as the relay runs it with accounts: migrated by the owner, then connected as
    /// the relay's role.
    pub async fn relay_storage(&self) -> Storage {
        if let Some(owner) = &self.database_url {
            Storage::migrate_postgres(owner)
                .await
                .expect("migrate as owner");
        }
        Storage::connect_with(self.relay_url().as_deref(), &self.sqlite_path, false)
            .await
            .expect("connect as the relay's role")
    }

    /// A new connection to the same storage (to check what is durable).
    pub async fn storage(&self) -> Storage {
        Storage::connect(self.database_url.as_deref(), &self.sqlite_path)
            .await
            .expect("connect to storage")
    }
}

/// Token → access, for permission tests: "editor" writes, "viewer" reads, others are refused.
pub struct Tokens;

impl Verifier for Tokens {
    fn verify<'a>(&'a self, token: &'a str, _board: &'a str) -> Verdict<'a> {
        Box::pin(async move {
            match token {
                "editor" => Ok(Access::ReadWrite.into()),
                "viewer" => Ok(Access::ReadOnly.into()),
                _ => Err(Denied("unknown token".into())),
            }
        })
    }
}

/// A relay running in this process.
pub struct TestRelay {
    pub addr: SocketAddr,
    pub backend: Backend,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestRelay {
    pub async fn start(kind: BackendKind) -> Self {
        Self::start_with(
            Backend::new(kind),
            Arc::new(Tokens),
            ServerConfig::default(),
        )
        .await
    }

    /// A relay with accounts, as production runs it: the relay's role, `AccountVerifier`.
    pub async fn start_accounts(kind: BackendKind) -> Self {
        Self::start_accounts_with(Backend::new(kind), ServerConfig::default()).await
    }

    pub async fn start_accounts_with(backend: Backend, config: ServerConfig) -> Self {
        let storage = backend.relay_storage().await;
        let verifier = Arc::new(sync_server::accounts::AccountVerifier::new(storage.clone()));
        Self::start_on(backend, storage, verifier, config).await
    }

    pub async fn start_with(
        backend: Backend,
        verifier: Arc<dyn Verifier>,
        config: ServerConfig,
    ) -> Self {
        let storage = backend.storage().await;
        Self::start_on(backend, storage, verifier, config).await
    }

    pub async fn start_on(
        backend: Backend,
        storage: Storage,
        verifier: Arc<dyn Verifier>,
        config: ServerConfig,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let relay = RelayServer::new(storage, verifier, config);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(relay.serve(listener, async move {
            let _ = stopped.await;
        }));
        Self {
            addr,
            backend,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Graceful shutdown, as on SIGTERM; returns the storage for inspection.
    pub async fn stop(mut self) -> Backend {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(20), task)
                .await
                .expect("relay stops within 20 s")
                .expect("relay task")
                .expect("relay serve");
        }
        let Self { backend, .. } = self;
        backend
    }

    pub async fn client(&self) -> Client {
        Client::connect(self.addr).await
    }

    pub async fn http_get(&self, path: &str) -> (u16, String) {
        http_get(self.addr, path).await
    }

    /// A JSON API call: `(status, body as JSON or Null)`.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let (status, text) = http(self.addr, method, path, token, body).await;
        let json = if text.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {text}"))
        };
        (status, json)
    }

    /// Signs up `email` (password "correct horse"); returns `(user id, token)`.
    pub async fn signup(&self, email: &str) -> (String, String) {
        let (status, body) = self
            .api(
                "POST",
                "/v1/signup",
                None,
                Some(serde_json::json!({"email": email, "password": "correct horse"})),
            )
            .await;
        assert_eq!(status, 201, "signup {email}: {body}");
        (
            body["user_id"].as_str().expect("user_id").to_owned(),
            body["token"].as_str().expect("token").to_owned(),
        )
    }

    /// Logs `email` in (password "correct horse") and returns the new session's token.
    pub async fn login(&self, email: &str) -> String {
        let (status, body) = self
            .api(
                "POST",
                "/v1/login",
                None,
                Some(serde_json::json!({"email": email, "password": "correct horse"})),
            )
            .await;
        assert_eq!(status, 200, "login {email}: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Publishes `board` as the token's user (who becomes its owner).
    pub async fn publish(&self, token: &str, board: &str) {
        let (status, body) = self
            .api("PUT", &format!("/v1/boards/{board}"), Some(token), None)
            .await;
        assert_eq!(status, 200, "publish {board}: {body}");
    }

    /// Adds `email` to `board` with `role`, as the owner `token`.
    pub async fn add_member(&self, token: &str, board: &str, email: &str, role: &str) {
        let (status, body) = self
            .api(
                "PUT",
                &format!("/v1/boards/{board}/members"),
                Some(token),
                Some(serde_json::json!({"email": email, "role": role})),
            )
            .await;
        assert_eq!(status, 200, "add {email} to {board}: {body}");
    }
}

/// A minimal HTTP/1.1 request with an optional bearer token and JSON body.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, String) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let (status, _, body) = http_raw(addr, method, path, token, &body).await;
    (status, body)
}

/// A raw HTTP/1.1 exchange with any body text: `(status, head in lower case, body)`.
pub async fn http_raw(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(addr).await.expect("connect");
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
    tokio::time::timeout(WAIT, stream.read_to_end(&mut response))
        .await
        .expect("response in time")
        .expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text.as_str(), ""));
    (status, head.to_lowercase(), body.to_owned())
}

/// A metric's value in a Prometheus exposition (0 when absent). `name` includes any labels.
pub fn metric(exposition: &str, name: &str) -> f64 {
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

/// A plain GET (no token, no body).
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    http(addr, "GET", path, None, None).await
}

/// What a client saw.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    Frame(MuxFrame),
    Closed { code: u16, reason: String },
}

/// A Hocuspocus-style multiplexed client with one yrs document per board.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    docs: HashMap<String, Doc>,
    /// SyncStatus results not yet consumed, per board.
    pub statuses: HashMap<String, VecDeque<bool>>,
    /// Everything received, in order (for assertions).
    pub log: Vec<Seen>,
    pub closed: Option<(u16, String)>,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/sync"))
            .await
            .expect("websocket connect");
        Self {
            ws,
            docs: HashMap::new(),
            statuses: HashMap::new(),
            log: Vec::new(),
            closed: None,
        }
    }

    /// A new connection to `addr` carrying this client's documents (as a client whose relay
    /// went away reconnects elsewhere; `open` then re-sends whatever the relay lacks).
    pub async fn reconnect_to(self, addr: SocketAddr) -> Self {
        let mut client = Self::connect(addr).await;
        client.docs = self.docs;
        client
    }

    pub async fn send_raw(&mut self, bytes: Vec<u8>) {
        let _ = self.ws.send(Message::Binary(bytes.into())).await;
    }

    pub async fn send(&mut self, board: &str, message: MuxMessage) {
        let frame = MuxFrame::Board {
            board: board.to_owned(),
            message,
        };
        self.send_raw(frame.encode()).await;
    }

    /// Next message from the relay (handled: documents updated, Step1 answered), or None on
    /// timeout or after the socket closed.
    pub async fn next(&mut self) -> Option<Seen> {
        if self.closed.is_some() {
            return None;
        }
        let message = tokio::time::timeout(WAIT, self.ws.next()).await.ok()?;
        let seen = match message {
            Some(Ok(Message::Binary(bytes))) => {
                let frame =
                    MuxFrame::decode(&bytes, &Limits::default()).expect("relay frames decode");
                self.handle(&frame).await;
                Seen::Frame(frame)
            }
            Some(Ok(Message::Close(close))) => {
                let (code, reason) = close
                    .map(|c| (u16::from(c.code), c.reason.to_string()))
                    .unwrap_or((1005, String::new()));
                self.closed = Some((code, reason.clone()));
                Seen::Closed { code, reason }
            }
            Some(Ok(_)) => return Box::pin(self.next()).await,
            Some(Err(_)) | None => {
                self.closed = Some((1006, "connection lost".into()));
                Seen::Closed {
                    code: 1006,
                    reason: "connection lost".into(),
                }
            }
        };
        self.log.push(seen.clone());
        Some(seen)
    }

    async fn handle(&mut self, frame: &MuxFrame) {
        let MuxFrame::Board { board, message } = frame else {
            return;
        };
        match message {
            MuxMessage::Sync(sync) | MuxMessage::SyncReply(sync) => match sync {
                SyncMessage::Step1 { state_vector } => {
                    let sv = StateVector::decode_v1(state_vector).expect("relay state vector");
                    let diff = self.doc(board).transact().encode_diff_v1(&sv);
                    self.send(board, MuxMessage::Sync(SyncMessage::Step2 { update: diff }))
                        .await;
                }
                SyncMessage::Step2 { update } | SyncMessage::Update { update } => {
                    let update = Update::decode_v1(update).expect("relay update");
                    self.doc(board)
                        .transact_mut()
                        .apply_update(update)
                        .expect("apply");
                }
            },
            MuxMessage::SyncStatus { applied } => {
                self.statuses
                    .entry(board.clone())
                    .or_default()
                    .push_back(*applied);
            }
            _ => {}
        }
    }

    pub fn doc(&mut self, board: &str) -> &Doc {
        self.docs.entry(board.to_owned()).or_default()
    }

    /// Waits (bounded) until `done` holds, handling everything that arrives meanwhile.
    pub async fn until(&mut self, mut done: impl FnMut(&mut Client) -> bool) -> bool {
        for _ in 0..10_000 {
            if done(self) {
                return true;
            }
            if self.next().await.is_none() {
                return done(self);
            }
        }
        false
    }

    /// Authenticates a board and performs the sync handshake; Err(reason) if refused.
    pub async fn open(&mut self, board: &str, token: &str) -> Result<AuthScope, String> {
        self.send(
            board,
            MuxMessage::Auth(AuthMessage::Token {
                token: token.into(),
            }),
        )
        .await;
        let mut verdict: Option<Result<AuthScope, String>> = None;
        let board_name = board.to_owned();
        self.until(|c| {
            verdict = c.log.iter().rev().find_map(|seen| match seen {
                Seen::Frame(MuxFrame::Board {
                    board,
                    message: MuxMessage::Auth(auth),
                }) if *board == board_name => match auth {
                    AuthMessage::Authenticated { scope } => Some(Ok(*scope)),
                    AuthMessage::PermissionDenied { reason } => Some(Err(reason.clone())),
                    _ => None,
                },
                _ => None,
            });
            verdict.is_some() || c.closed.is_some()
        })
        .await;
        let scope = verdict.unwrap_or_else(|| Err(format!("no answer: {:?}", self.closed)))?;
        let sv = self.doc(board).transact().state_vector().encode_v1();
        self.send(
            board,
            MuxMessage::Sync(SyncMessage::Step1 { state_vector: sv }),
        )
        .await;
        // The relay answers Step2, then its own Step1 (as SyncReply), which we answer with Step2.
        let name = board.to_owned();
        let synced = self
            .until(|c| {
                c.log.iter().any(|seen| matches!(seen, Seen::Frame(MuxFrame::Board { board, message: MuxMessage::Sync(SyncMessage::Step1 { .. }) | MuxMessage::SyncReply(SyncMessage::Step1 { .. }) }) if *board == name))
            })
            .await;
        assert!(
            synced,
            "handshake for {board} did not complete: {:?}",
            self.closed
        );
        // Our Step2 answer is acknowledged like any update (after commit if it carried edits).
        let acknowledged = self.status(board).await;
        assert!(
            acknowledged.is_some(),
            "handshake Step2 of {board} was not acknowledged"
        );
        Ok(scope)
    }

    /// Sets `key` in the board's map `m` and sends the update; returns the update bytes.
    pub async fn set(&mut self, board: &str, key: &str, value: &str) -> Vec<u8> {
        let doc = self.doc(board).clone();
        let map = doc.get_or_insert_map("m");
        let before = doc.transact().state_vector();
        map.insert(&mut doc.transact_mut(), key, value);
        let update = doc.transact().encode_diff_v1(&before);
        self.send(
            board,
            MuxMessage::Sync(SyncMessage::Update {
                update: update.clone(),
            }),
        )
        .await;
        update
    }

    /// The next SyncStatus for a board (handling other traffic meanwhile).
    pub async fn status(&mut self, board: &str) -> Option<bool> {
        let name = board.to_owned();
        self.until(|c| c.statuses.get(&name).is_some_and(|q| !q.is_empty()))
            .await;
        self.statuses.get_mut(board).and_then(VecDeque::pop_front)
    }

    pub fn keys(&mut self, board: &str) -> BTreeSet<String> {
        keys_of(self.doc(board))
    }

    pub async fn wait_keys(&mut self, board: &str, expected: &BTreeSet<String>) -> bool {
        let name = board.to_owned();
        self.until(|c| c.keys(&name) == *expected).await
    }

    /// Waits for the socket to close; returns its close code and reason.
    pub async fn closed(&mut self) -> Option<(u16, String)> {
        self.until(|c| c.closed.is_some()).await;
        self.closed.clone()
    }
}

/// Keys of map `m` in a document.
pub fn keys_of(doc: &Doc) -> BTreeSet<String> {
    let map = doc.get_or_insert_map("m");
    let txn = doc.transact();
    map.keys(&txn).map(str::to_owned).collect()
}

/// Keys of map `m` in what storage holds for a board.
pub async fn stored_keys(storage: &Storage, board: &str) -> BTreeSet<String> {
    let stored = storage.load_board(board).await.expect("load stored board");
    let doc = Doc::new();
    {
        let mut txn = doc.transact_mut();
        let pieces = stored
            .snapshot
            .iter()
            .chain(stored.updates.iter())
            .map(Vec::as_slice);
        let waiting = sync_protocol::fold::apply_in_causal_order(&mut txn, pieces)
            .expect("stored pieces apply");
        assert_eq!(waiting, 0, "stored history has gaps");
    }
    keys_of(&doc)
}

pub fn set_of(keys: &[&str]) -> BTreeSet<String> {
    keys.iter().map(|k| (*k).to_owned()).collect()
}

/// Did the client receive an awareness update naming `client_id`?
pub fn saw_awareness_of(client: &Client, client_id: u64) -> bool {
    client.log.iter().any(|seen| match seen {
        Seen::Frame(MuxFrame::Board {
            message: MuxMessage::Awareness { update },
            ..
        }) => sync_protocol::decode_awareness_update(update, &Limits::default())
            .is_ok_and(|entries| entries.iter().any(|e| e.client_id == client_id)),
        _ => false,
    })
}
