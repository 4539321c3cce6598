//! `tackctl sync` and `tackctl status`: the sync client driven from the shell.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use board_model::ReplicaConfig;
use board_store::Store;
use clap::Args;
use sync_client::{Status, StatusReport, SyncClient, SyncConfig, SyncProblem};

use crate::resolve::resolve;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The relay, e.g. ws://127.0.0.1:8080, wss://tack.example.com or https://tack.example.com
    #[arg(long, env = "TACK_SERVER", value_name = "URL")]
    pub server: String,
    /// Session token sent for every board (empty for a relay run with
    /// --insecure-allow-anonymous)
    #[arg(
        long,
        env = "TACK_TOKEN",
        value_name = "T",
        default_value = "",
        hide_env_values = true,
        // Tokens are base64url: one in 64 starts with '-', which is a value, not a flag
        allow_hyphen_values = true
    )]
    pub token: String,
    /// A board to sync (id or title); an id this computer does not have is fetched from the
    /// server. Repeatable. Default: every board on this computer
    #[arg(long, value_name = "BOARD")]
    pub board: Vec<String>,
    /// Stay connected and print every status change (until Ctrl-C)
    #[arg(long)]
    pub watch: bool,
    /// One-shot only: give up after this many seconds
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    pub timeout: u64,
    /// Watch only: look for changes made by other processes this often
    #[arg(long, default_value_t = 500, value_name = "MS", hide = true)]
    pub poll_ms: u64,
    /// Dead-peer detection: ping every this many ms (the connection is dropped after 3 silent
    /// intervals)
    #[arg(long, default_value_t = 15_000, value_name = "MS", hide = true)]
    pub keepalive_ms: u64,
}

/// The board ids the user named (resolved against the store, or taken as ids to fetch), or
/// every board of the store.
pub fn boards_to_sync(store: &Store, queries: &[String]) -> Result<Vec<String>> {
    let boards = store.list_boards()?;
    if queries.is_empty() {
        if boards.is_empty() {
            bail!(
                "no boards on this computer: create one, or name one with --board ID to fetch it"
            );
        }
        return Ok(boards.into_iter().map(|b| b.id).collect());
    }
    queries
        .iter()
        .map(|query| {
            resolve(
                "board",
                query,
                boards.iter().map(|b| (b.id.as_str(), b.title.as_str())),
            )
            .or_else(|error| {
                if looks_like_id(query) {
                    Ok(query.trim().to_owned())
                } else {
                    Err(error)
                }
            })
        })
        .collect()
}

/// A UUID-shaped string: something to fetch rather than a mistyped title.
fn looks_like_id(query: &str) -> bool {
    let query = query.trim();
    query.len() == 36 && query.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

pub fn sync(
    store: Store,
    replica: ReplicaConfig,
    boards: Vec<String>,
    args: &SyncArgs,
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run_sync(store, replica, boards, args))
}

async fn run_sync(
    store: Store,
    replica: ReplicaConfig,
    boards: Vec<String>,
    args: &SyncArgs,
) -> Result<()> {
    let server = tack_account::normalise_server(&args.server).map_err(|_| {
        anyhow::anyhow!(
            "--server must be a ws://, wss://, http:// or https:// URL, got {:?}",
            args.server.trim()
        )
    })?;
    let mut config = SyncConfig::new(tack_account::sync_url(&server), args.token.clone());
    config.replica = replica;
    let interval = Duration::from_millis(args.keepalive_ms.max(10));
    config.keepalive = sync_client::Keepalive {
        interval,
        dead_after: interval * 3,
    };
    if args.watch {
        config.local_poll = Some(Duration::from_millis(args.poll_ms.max(10)));
    }
    let store = Arc::new(Mutex::new(store));
    let handle = SyncClient::spawn(config, store.clone())?;
    let mut status = handle.status();
    for board in &boards {
        handle.subscribe(board)?;
    }
    let outcome = if args.watch {
        watch(&mut status, &store).await
    } else {
        one_shot(&mut status, boards.len(), Duration::from_secs(args.timeout)).await
    };
    // Before shutting down: a closed connection grants no scope.
    record_access(&store, &status.borrow());
    handle.shutdown().await;
    outcome
}

/// Caches each board's member list from the relay's `/v1` API (what `--assign`, mentions and
/// author names resolve against offline). Best effort: a relay without accounts, or a board
/// not published there, has no list, and the boards' sync already succeeded.
pub fn cache_directories(store: &mut Store, server: &str, token: &str, boards: &[String]) {
    let Ok(relay) = tack_account::RelayClient::new(server) else {
        return;
    };
    let relay = relay.with_token(token);
    for board in boards {
        let Ok(members) = relay.members(board) else {
            continue;
        };
        let records: Vec<board_store::MemberRecord> = members
            .into_iter()
            .map(|m| board_store::MemberRecord {
                user_id: m.user_id,
                email: m.email,
                role: m.role.as_str().to_owned(),
            })
            .collect();
        if let Err(err) = store.cache_members(board, &records) {
            eprintln!("tackctl: warning: could not cache the members of {board}: {err}");
        }
    }
}

/// Records the access the relay granted on each board (sync-client reads it from the
/// connection): `viewer` when served read-only, `editor` again when served read-write,
/// `removed` when the membership ended — so `tackctl status` can say why changes wait, and
/// the store refuses edits this account may no longer make.
fn record_access(store: &Mutex<Store>, report: &StatusReport) {
    let mut store = store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for board in report.boards.keys() {
        let Ok(Some(record)) = store.board(board) else {
            continue;
        };
        let recorded = record.access();
        let Some(granted) = report.granted_access(board, recorded) else {
            continue;
        };
        if recorded == Some(granted) {
            continue;
        }
        if let Err(error) = store.set_board_access(board, record.server.as_deref(), Some(granted)) {
            eprintln!("tackctl: could not record the access to board {board}: {error}");
        }
    }
}

async fn watch(
    status: &mut tokio::sync::watch::Receiver<StatusReport>,
    store: &Mutex<Store>,
) -> Result<()> {
    let mut shown: BTreeMap<String, Status> = BTreeMap::new();
    loop {
        let report = status.borrow_and_update().clone();
        record_access(store, &report);
        for (board, state) in &report.boards {
            if shown.get(board) != Some(state) {
                println!("{board}  {state}");
                shown.insert(board.clone(), state.clone());
            }
        }
        tokio::select! {
            changed = status.changed() => if changed.is_err() { return Ok(()) },
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

async fn one_shot(
    status: &mut tokio::sync::watch::Receiver<StatusReport>,
    boards: usize,
    timeout: Duration,
) -> Result<()> {
    let settled = tokio::time::timeout(
        timeout,
        status.wait_for(|report| report.boards.len() >= boards && report.settled()),
    )
    .await
    .map(|waited| waited.map(|_| ()));
    let report = status.borrow().clone();
    match settled {
        Ok(Ok(())) => {}
        Ok(Err(_)) => bail!("the sync client stopped"),
        Err(_) => bail!(
            "not synced after {} s: {}",
            timeout.as_secs(),
            report.overall
        ),
    }
    if report.overall.is_error() {
        bail!("{}", report.overall);
    }
    let refused: Vec<String> = report
        .boards
        .iter()
        .filter(|(_, state)| matches!(state, Status::Problem(SyncProblem::ReadOnly { .. })))
        .map(|(board, state)| format!("board {board}: {state}"))
        .collect();
    if !refused.is_empty() {
        bail!("{}", refused.join("; "));
    }
    for (board, state) in &report.boards {
        println!("{board}  {state}");
    }
    Ok(())
}

pub fn status(store: &Store, json: bool) -> Result<()> {
    let mut rows = Vec::new();
    for board in store.list_boards()? {
        let pending = store.pending_count(&board.id)?;
        // Served read-only when last synced (or removed): what waits cannot be saved.
        let read_only = board.access().is_some_and(|access| !access.can_write());
        let unsaved =
            (read_only && pending > 0).then_some(SyncProblem::ReadOnly { unsaved: pending });
        rows.push(serde_json::json!({
            "id": board.id,
            "title": board.title,
            "server": board.server,
            "pending": pending,
            "readOnly": read_only,
            "lastSyncedAt": board.last_synced_at_ms.map(format_utc),
        }));
        if !json {
            let synced = board.last_synced_at_ms.map_or_else(
                || "never synced".to_owned(),
                |ms| format!("synced {}", format_utc(ms)),
            );
            match unsaved {
                Some(unsaved) => println!("{}  {}  {unsaved}  {synced}", board.id, board.title),
                None => println!("{}  {}  {pending} pending  {synced}", board.id, board.title),
            }
        }
    }
    if json {
        crate::print_json(&rows)?;
    }
    Ok(())
}

/// Milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn format_utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |at| at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}
