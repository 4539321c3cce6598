//! Harness: a real relay on 127.0.0.1 over a fresh PostgreSQL database, in its own tokio
//! runtime so a test can kill it outright, and replicas (data directories) with sync clients.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use board_model::{Board, NewTask, Place, ReplicaConfig, Sources};
use board_store::{replica, Store};
use sync_client::backoff::BackoffConfig;
use sync_client::{
    Keepalive, SharedStore, Status, StatusReport, SyncClient, SyncConfig, SyncHandle,
};
use sync_server::auth::{Access, AllowAnonymous, Denied, Verdict, Verifier};
use sync_server::storage::Storage;
use sync_server::testing::KillableRelay;

/// How long a test waits for any one expected state.
pub const WAIT: Duration = Duration::from_secs(30);

/// Token → access: "editor" writes, "viewer" reads, anything else is refused.
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

/// A relay in a runtime of its own (`sync_server::testing`): `kill` drops every task at once
/// (connections reset, commits in flight abandoned and rolled back by PostgreSQL), as SIGKILL
/// would.
pub struct TestRelay {
    pub addr: SocketAddr,
    relay: KillableRelay,
}

impl TestRelay {
    pub async fn start(database_url: &str) -> TestRelay {
        Self::start_on(database_url, 0, Arc::new(AllowAnonymous)).await
    }

    /// Starts on `port` (0: any free port); retries briefly while the old socket lingers.
    pub async fn start_on(database_url: &str, port: u16, verifier: Arc<dyn Verifier>) -> TestRelay {
        let url = database_url.to_owned();
        let relay = tokio::task::spawn_blocking(move || {
            KillableRelay::start(port, move || async move {
                let storage = Storage::connect(Some(&url), std::path::Path::new("unused.sqlite3"))
                    .await
                    .expect("relay storage");
                (storage, verifier)
            })
        })
        .await
        .expect("relay started");
        TestRelay {
            addr: relay.addr,
            relay,
        }
    }

    pub fn url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// Kills the relay: nothing it was doing finishes.
    pub fn kill(self) {
        self.relay.kill();
    }
}

/// One computer's data directory.
pub struct Replica {
    pub store: SharedStore,
    pub user: String,
    _dir: tempfile::TempDir,
}

impl Replica {
    pub fn new(user: &str) -> Replica {
        let dir = test_support::temp_data_dir();
        let store = Store::open_in_dir(dir.path()).expect("open store");
        Replica {
            store: Arc::new(Mutex::new(store)),
            user: user.to_owned(),
            _dir: dir,
        }
    }

    pub fn config(&self) -> ReplicaConfig {
        ReplicaConfig {
            user: self.user.clone(),
            sources: Sources::system(),
        }
    }

    /// Creates a board with one column "Todo"; returns the column id.
    pub fn create_board(&self, id: &str, title: &str) -> String {
        let mut store = self.store.lock().expect("store");
        let mut board =
            replica::create_board(&mut store, id, title, self.config()).expect("create");
        let column = board
            .add_column("Todo", None, Place::Bottom)
            .expect("column");
        replica::save_local_changes(&mut store, &mut board).expect("save");
        column
    }

    /// Runs one edit on the stored board and saves it (what the app and tackctl do).
    pub fn edit<T>(&self, board: &str, edit: impl FnOnce(&mut Board) -> T) -> T {
        let mut store = self.store.lock().expect("store");
        let mut live = replica::open_board(&store, board, self.config()).expect("open");
        let out = edit(&mut live);
        replica::save_local_changes(&mut store, &mut live).expect("save");
        out
    }

    pub fn add_task(&self, board: &str, column: &str, title: &str) -> String {
        self.edit(board, |b| {
            b.add_task(column, title, Place::Bottom, NewTask::default())
                .expect("add task")
        })
    }

    pub fn render(&self, board: &str) -> String {
        let store = self.store.lock().expect("store");
        replica::open_board(&store, board, self.config())
            .expect("open")
            .view()
            .render()
    }

    pub fn has_board(&self, board: &str) -> bool {
        let store = self.store.lock().expect("store");
        store.board(board).expect("board").is_some()
    }

    pub fn pending(&self, board: &str) -> u64 {
        let store = self.store.lock().expect("store");
        store.pending_count(board).expect("pending")
    }

    pub fn client(&self, url: &str, boards: &[&str]) -> SyncHandle {
        let mut config = test_config(url);
        config.replica = self.config();
        let handle = SyncClient::spawn(config, self.store.clone()).expect("spawn client");
        for board in boards {
            handle.subscribe(board).expect("subscribe");
        }
        handle
    }
}

/// Test timing: quick keepalive and backoff so faults are noticed and healed in seconds.
pub fn test_config(url: &str) -> SyncConfig {
    let mut config = SyncConfig::new(url, "");
    config.keepalive = Keepalive {
        interval: Duration::from_millis(250),
        dead_after: Duration::from_secs(2),
    };
    config.backoff = BackoffConfig {
        base: Duration::from_millis(50),
        cap: Duration::from_millis(500),
    };
    config.connect_timeout = Duration::from_secs(2);
    config.jitter_seed = Some(7);
    config
}

/// Waits (bounded) until the client's status satisfies `done`; returns that report.
pub async fn wait_for(
    handle: &SyncHandle,
    what: &str,
    done: impl FnMut(&StatusReport) -> bool,
) -> StatusReport {
    let mut status = handle.status();
    let reached = match tokio::time::timeout(WAIT, status.wait_for(done)).await {
        Ok(Ok(report)) => Some(report.clone()),
        _ => None,
    };
    reached.unwrap_or_else(|| {
        panic!(
            "{what}: not reached in {WAIT:?}; last status {:?}",
            *status.borrow()
        )
    })
}

pub async fn wait_synced(handle: &SyncHandle, boards: usize) -> StatusReport {
    wait_for(handle, "all boards synced", |r| {
        r.boards.len() >= boards && r.overall == Status::Synced
    })
    .await
}

/// UUID v7-shaped board ids for tests.
pub fn board_id(n: u32) -> String {
    format!("0190b000-0000-7000-8000-{n:012}")
}

/// A counter or gauge from the relay's `/metrics` (0 when absent), read over plain HTTP/1.0.
pub async fn relay_metric(addr: SocketAddr, name: &str) -> f64 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
    socket
        .write_all(b"GET /metrics HTTP/1.0\r\nHost: relay\r\n\r\n")
        .await
        .expect("request");
    let mut text = String::new();
    tokio::time::timeout(WAIT, socket.read_to_string(&mut text))
        .await
        .expect("metrics in time")
        .expect("metrics");
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0.0)
}
