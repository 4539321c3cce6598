//! The attacks of issue 15 against a release relay, one at a time, each on a freshly started
//! relay process over the same store: the relay's memory (VmRSS every 50 ms, VmHWM) and an
//! honest editor's durable-ack latency during each, as one markdown table per relay binary.
//!
//! - [`relay`]: the store (PostgreSQL with the production roles, or SQLite), the process, the
//!   memory sampler and a minimal HTTP client for the `/v1` API;
//! - [`mux`]: `/sync` sockets and the honest editor;
//! - [`hostile`]: the attacks.

pub mod hostile;
pub mod mux;
pub mod relay;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use mux::{Editor, EditorPlan, EditorReport};
use relay::{http, Database, Memory, Postgres, Relay, Sampler, Store};

#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "tack-attack",
    about = "Runs issue 15's attacks against a relay binary and prints its memory and an \
             honest editor's ack latency during each."
)]
pub struct Args {
    /// The relay binary (tack-server) to start and attack
    pub relay: PathBuf,
    /// Where the relay stores boards
    #[arg(long, value_enum, default_value_t = Store::Postgres)]
    pub store: Store,
    /// Which attacks to run, in order (comma-separated)
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = Attack::ALL)]
    pub attacks: Vec<Attack>,
    /// The table's title (default: the relay's path)
    #[arg(long)]
    pub label: Option<String>,
    /// Folder for the relay's logs and SQLite file (default: a new one under /tmp)
    #[arg(long)]
    pub scratch: Option<PathBuf>,
    #[arg(long, default_value = "127.0.0.1")]
    pub pg_host: String,
    #[arg(long, default_value_t = 5432)]
    pub pg_port: u16,
    /// A PostgreSQL role that may create databases and roles (trust authentication)
    #[arg(long, default_value = "postgres")]
    pub pg_superuser: String,
    /// The honest editor's updates per second
    #[arg(long, default_value_t = 20.0)]
    pub editor_rate: f64,
    /// Seconds between the editor's start and the attack (the baseline is taken at its end)
    #[arg(long, default_value_t = 2)]
    pub settle_secs: u64,
    /// Seconds the attacker's sockets stay open after the attack was sent
    #[arg(long, default_value_t = 5)]
    pub hold_secs: u64,
    /// Memory sampling interval, milliseconds
    #[arg(long, default_value_t = 50)]
    pub sample_ms: u64,
    /// (a, b) awareness states set, one per message
    #[arg(long, default_value_t = 200)]
    pub awareness_states: u64,
    /// (a, b) bytes of each state
    #[arg(long, default_value_t = 1_000_000)]
    pub awareness_state_bytes: usize,
    /// (b) QueryAwareness frames from the socket that never reads
    #[arg(long, default_value_t = 10)]
    pub awareness_queries: u64,
    /// (c) bytes of the one awareness message of empty states (the relay's default maximum
    /// message is 8 MiB)
    #[arg(long, default_value_t = 8 * 1024 * 1024)]
    pub awareness_flood_bytes: usize,
    /// (d) updates the member writes while another never reads
    #[arg(long, default_value_t = 400)]
    pub stall_updates: u64,
    /// (d) bytes of each of those updates' value
    #[arg(long, default_value_t = 256 * 1024)]
    pub stall_update_bytes: usize,
    /// (d) those updates per second
    #[arg(long, default_value_t = 20.0)]
    pub stall_rate: f64,
    /// (e) concurrent logins
    #[arg(long, default_value_t = 64)]
    pub logins: usize,
    /// (f) concurrent wrong passwords for one account
    #[arg(long, default_value_t = 30)]
    pub wrong_passwords: usize,
    /// (g) sockets sending Auth attempts
    #[arg(long, default_value_t = 20)]
    pub auth_sockets: usize,
    /// (g) Auth attempts in all
    #[arg(long, default_value_t = 10_000)]
    pub auth_attempts: usize,
    /// (h) connections dripping headers
    #[arg(long, default_value_t = 300)]
    pub slowloris: usize,
    /// (h) seconds after which the open ones are counted
    #[arg(long, default_value_t = 45)]
    pub slowloris_secs: u64,
    /// (h) seconds between two header lines
    #[arg(long, default_value_t = 5)]
    pub slowloris_drip_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Attack {
    AwarenessStates,
    QueryAwareness,
    AwarenessFlood,
    StalledReader,
    Logins,
    WrongPasswords,
    AuthFlood,
    Slowloris,
}

impl Attack {
    const ALL: [Attack; 8] = [
        Attack::AwarenessStates,
        Attack::QueryAwareness,
        Attack::AwarenessFlood,
        Attack::StalledReader,
        Attack::Logins,
        Attack::WrongPasswords,
        Attack::AuthFlood,
        Attack::Slowloris,
    ];

    fn title(self) -> &'static str {
        match self {
            Attack::AwarenessStates => "(a) awareness states",
            Attack::QueryAwareness => "(b) QueryAwareness, never reads",
            Attack::AwarenessFlood => "(c) 8 MiB of empty states",
            Attack::StalledReader => "(d) stalled reader",
            Attack::Logins => "(e) concurrent logins",
            Attack::WrongPasswords => "(f) parallel wrong passwords",
            Attack::AuthFlood => "(g) Auth flood",
            Attack::Slowloris => "(h) slowloris",
        }
    }
}

/// The relay and the accounts the attacks use.
pub struct Target {
    pub addr: SocketAddr,
    /// The honest editor's board; the awareness attacks and the Auth flood aim at it.
    pub board: String,
    /// The board of the stalled-reader attack (its large updates stay off the other board).
    pub stall_board: String,
    /// The honest editor: owner of both boards.
    pub owner_token: String,
    /// The hostile member: viewer of both boards.
    pub viewer_token: String,
    /// An editor of the stall board.
    pub writer_token: String,
    /// An account whose password is guessed.
    pub victim_email: String,
}

const PASSWORD: &str = "correct horse battery staple";
const API_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs every attack in `args.attacks` and returns the markdown table.
pub async fn run(args: &Args) -> Result<String> {
    let scratch = match &args.scratch {
        Some(path) => path.clone(),
        None => std::env::temp_dir().join(format!("tack-attack.{}", std::process::id())),
    };
    std::fs::create_dir_all(&scratch).with_context(|| format!("creating {}", scratch.display()))?;
    let postgres = Postgres {
        host: args.pg_host.clone(),
        port: args.pg_port,
        superuser: args.pg_superuser.clone(),
    };
    let database = Database::create(args.store, &postgres, &scratch).await?;
    let outcome = run_on(args, &database, &scratch).await;
    if let Err(error) = database.drop_all().await {
        eprintln!("tack-attack: cleaning up the database: {error:#}");
    }
    outcome
}

async fn run_on(args: &Args, database: &Database, scratch: &Path) -> Result<String> {
    let log = scratch.join("relay.log");
    let load_before = load_average();
    let relay = Relay::start(&args.relay, database, &log).await?;
    let setup = set_up(relay.addr).await;
    relay.stop().await?;
    let mut target = setup.context("creating accounts and boards")?;
    let mut rows = Vec::new();
    for &attack in &args.attacks {
        eprintln!("tack-attack: {}", attack.title());
        // One attack that cannot be measured (say, the relay refuses the editor) leaves its
        // row saying why; the others still run.
        let row = measure(args, database, &log, &mut target, attack)
            .await
            .unwrap_or_else(|error| Row {
                attack,
                outcome: format!("not measured: {error:#}"),
                baseline: Memory::default(),
                peak_rss_kib: 0,
                end: Memory::default(),
                editor: Err(anyhow::anyhow!("not measured")),
            });
        eprintln!("tack-attack: {}", row.outcome);
        rows.push(row);
    }
    let title = args
        .label
        .clone()
        .unwrap_or_else(|| args.relay.display().to_string());
    Ok(render(
        &title,
        args,
        &rows,
        &load_before,
        &load_average(),
        scratch,
    ))
}

/// Accounts (owner, writer, viewer, victim), the two boards and their members.
async fn set_up(addr: SocketAddr) -> Result<Target> {
    let owner_token = signup(addr, "owner@attack.test").await?;
    let writer_token = signup(addr, "writer@attack.test").await?;
    let viewer_token = signup(addr, "viewer@attack.test").await?;
    signup(addr, "victim@attack.test").await?;
    let (board, stall_board) = ("attack-board".to_owned(), "attack-stall".to_owned());
    for name in [&board, &stall_board] {
        api(
            addr,
            "PUT",
            &format!("/v1/boards/{name}"),
            &owner_token,
            None,
        )
        .await?;
        let members = format!("/v1/boards/{name}/members");
        let viewer = serde_json::json!({"email": "viewer@attack.test", "role": "viewer"});
        api(addr, "PUT", &members, &owner_token, Some(&viewer)).await?;
    }
    let writer = serde_json::json!({"email": "writer@attack.test", "role": "editor"});
    let members = format!("/v1/boards/{stall_board}/members");
    api(addr, "PUT", &members, &owner_token, Some(&writer)).await?;
    Ok(Target {
        addr,
        board,
        stall_board,
        owner_token,
        viewer_token,
        writer_token,
        victim_email: "victim@attack.test".to_owned(),
    })
}

async fn signup(addr: SocketAddr, email: &str) -> Result<String> {
    let body = serde_json::json!({"email": email, "password": PASSWORD});
    let (status, text) = http(addr, "POST", "/v1/signup", None, Some(&body), API_TIMEOUT).await?;
    if status != 201 {
        bail!("signup {email}: {status} {text}");
    }
    let json: serde_json::Value = serde_json::from_str(&text).context("signup answer")?;
    json["token"]
        .as_str()
        .map(str::to_owned)
        .context("signup answer without token")
}

async fn api(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&serde_json::Value>,
) -> Result<()> {
    let (status, text) = http(addr, method, path, Some(token), body, API_TIMEOUT).await?;
    if !(200..300).contains(&status) {
        bail!("{method} {path}: {status} {text}");
    }
    Ok(())
}

/// One attack's figures.
struct Row {
    attack: Attack,
    outcome: String,
    baseline: Memory,
    peak_rss_kib: u64,
    end: Memory,
    editor: Result<EditorReport>,
}

/// Starts a relay, the sampler and the honest editor, lets it settle, runs the attack, then
/// stops everything.
async fn measure(
    args: &Args,
    database: &Database,
    log: &Path,
    target: &mut Target,
    attack: Attack,
) -> Result<Row> {
    let relay = Relay::start(&args.relay, database, log).await?;
    target.addr = relay.addr;
    let sampler = Sampler::start(relay.pid, Duration::from_millis(args.sample_ms.max(1)));
    let editor = Editor::start(
        relay.addr,
        EditorPlan {
            board: target.board.clone(),
            token: target.owner_token.clone(),
            per_second: args.editor_rate,
            value_bytes: 16,
            max_updates: u64::MAX,
        },
    )
    .await
    .context("starting the honest editor");
    let editor = match editor {
        Ok(editor) => editor,
        Err(error) => {
            relay.stop().await?;
            return Err(error);
        }
    };
    tokio::time::sleep(Duration::from_secs(args.settle_secs)).await;
    let started = Instant::now();
    let hold = Duration::from_secs(args.hold_secs);
    let outcome = match attack {
        Attack::AwarenessStates => hostile::awareness_states(target, args, hold).await,
        Attack::QueryAwareness => hostile::query_awareness(target, args, hold).await,
        Attack::AwarenessFlood => hostile::awareness_flood(target, args, hold).await,
        Attack::StalledReader => hostile::stalled_reader(target, args, hold).await,
        Attack::Logins => hostile::logins(target, args, hold).await,
        Attack::WrongPasswords => hostile::wrong_passwords(target, args, hold).await,
        Attack::AuthFlood => hostile::auth_flood(target, args, hold).await,
        Attack::Slowloris => hostile::slowloris(target, args).await,
    };
    let editor = editor.finish(Duration::from_secs(5)).await;
    let counters = relay_counters(relay.addr).await;
    let samples = sampler.finish();
    relay.stop().await?;
    let mut outcome = outcome.unwrap_or_else(|error| format!("attack failed: {error:#}"));
    if !counters.is_empty() {
        outcome = format!("{outcome}; relay counters: {counters}");
    }
    let baseline = samples
        .iter()
        .take_while(|(at, _)| *at <= started)
        .last()
        .or(samples.first())
        .map(|(_, memory)| *memory)
        .unwrap_or_default();
    let peak_rss_kib = samples
        .iter()
        .filter(|(at, _)| *at >= started)
        .map(|(_, memory)| memory.rss_kib)
        .max()
        .unwrap_or_default();
    let end = samples
        .last()
        .map(|(_, memory)| *memory)
        .unwrap_or_default();
    Ok(Row {
        attack,
        outcome,
        baseline,
        peak_rss_kib,
        end,
        editor,
    })
}

/// The relay's non-zero rejection and slow-consumer counters from `/metrics`.
async fn relay_counters(addr: SocketAddr) -> String {
    let Ok((200, text)) = http(addr, "GET", "/metrics", None, None, API_TIMEOUT).await else {
        return String::new();
    };
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter(|line| {
            ["rejected", "slow_consumer", "throttle", "limited"]
                .iter()
                .any(|word| line.contains(word))
        })
        .filter_map(|line| line.rsplit_once(' '))
        .filter(|(_, value)| value.parse::<f64>().is_ok_and(|v| v != 0.0))
        .map(|(name, value)| format!("{name} {value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn mib(kib: u64) -> String {
    format!("{:.0}", kib as f64 / 1024.0)
}

fn render(
    title: &str,
    args: &Args,
    rows: &[Row],
    load_before: &str,
    load_after: &str,
    scratch: &Path,
) -> String {
    let mut out = format!(
        "### {title}\n\n{} store; {} cores; load average before {load_before}, after \
         {load_after}; honest editor: one 16-byte update every {:.0} ms, ack = send → \
         SyncStatus(1); memory sampled every {} ms; each attack on a freshly started relay, \
         measured from {} s after the editor joined until it stopped ({} s after the attack, \
         then up to 5 s for outstanding acks). Relay log: {}.\n\n",
        match args.store {
            Store::Postgres => "PostgreSQL (relay as a login role in `tack_relay`)",
            Store::Sqlite => "SQLite",
        },
        std::thread::available_parallelism().map_or(0, usize::from),
        1000.0 / args.editor_rate,
        args.sample_ms,
        args.settle_secs,
        args.hold_secs,
        scratch.join("relay.log").display(),
    );
    out.push_str(
        "| attack | what was sent, what the attacker saw | RSS before (MiB) | peak | Δ peak | \
         VmHWM | RSS at end | ack p50 / p99 / max (ms) | updates sent / acked / refused / \
         unanswered | editor socket |\n",
    );
    out.push_str("|---|---|--:|--:|--:|--:|--:|---|---|---|\n");
    for row in rows {
        let (latency, counts, socket) = match &row.editor {
            Ok(editor) => (
                format!(
                    "{:.1} / {:.1} / {:.1}",
                    editor.latency.p50_ms, editor.latency.p99_ms, editor.latency.max_ms
                ),
                format!(
                    "{} / {} / {} / {}",
                    editor.sent, editor.acked, editor.refused, editor.lost
                ),
                editor
                    .closed
                    .clone()
                    .map(|why| format!("closed: {why}"))
                    .unwrap_or_else(|| "open".to_owned()),
            ),
            Err(error) => (
                "–".to_owned(),
                "–".to_owned(),
                format!("editor failed: {error:#}"),
            ),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {latency} | {counts} | {socket} |\n",
            row.attack.title(),
            row.outcome.replace('|', "\\|"),
            mib(row.baseline.rss_kib),
            mib(row.peak_rss_kib),
            mib(row.peak_rss_kib.saturating_sub(row.baseline.rss_kib)),
            mib(row.end.hwm_kib),
            mib(row.end.rss_kib),
        ));
    }
    out
}
