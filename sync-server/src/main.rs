//! `tack-server`: the relay binary. Flags fall back to `TACK_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use sync_server::accounts::AccountVerifier;
use sync_server::auth::{AllowAnonymous, Verifier};
use sync_server::blobs::{BlobBackend, BlobConfig, Blobs, S3Config};
use sync_server::config::ServerConfig;
use sync_server::server::RelayServer;
use sync_server::storage::Storage;

#[derive(Debug, Parser)]
#[command(
    name = "tack-server",
    version,
    about = "The Tack relay: Yjs-compatible sync with durable acknowledgements."
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on (port 0 picks a free one)
    #[arg(long, env = "TACK_LISTEN", default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// PostgreSQL URL (postgres://...) the relay serves with: in production a login role that
    /// is a member of `tack_relay` (owns no table, cannot bypass row-level security). Without
    /// it the relay stores boards in an embedded SQLite file.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// PostgreSQL URL of the tables' owner, used only to run migrations at start (default:
    /// DATABASE_URL, which then must be allowed to migrate)
    #[arg(long, env = "TACK_MIGRATE_DATABASE_URL")]
    migrate_database_url: Option<String>,
    /// The embedded SQLite file used when no DATABASE_URL is given
    #[arg(long, env = "TACK_SQLITE_PATH", default_value = "tack-relay.sqlite3")]
    sqlite_path: PathBuf,
    /// DEVELOPMENT ONLY: let anyone read and write every board without a token (on
    /// PostgreSQL this needs a database user that bypasses row-level security)
    #[arg(long, env = "TACK_INSECURE_ALLOW_ANONYMOUS")]
    insecure_allow_anonymous: bool,
    /// Sync updates per second one connection may send on average (0: no limit)
    #[arg(long, env = "TACK_UPDATES_PER_SECOND", default_value_t = 1000)]
    updates_per_second: u32,
    /// Open sockets one account may hold on this relay
    #[arg(long, env = "TACK_MAX_CONNECTIONS_PER_USER", default_value_t = 32)]
    max_connections_per_user: usize,
    /// Days a session token stays valid
    #[arg(long, env = "TACK_SESSION_DAYS", default_value_t = 30)]
    session_days: u64,
    /// Largest WebSocket message accepted (bytes); larger ones close the socket with 1009
    #[arg(long, env = "TACK_MAX_MESSAGE_BYTES", default_value_t = 8 * 1024 * 1024)]
    max_message_bytes: usize,
    /// Frames queued towards one client before it is disconnected as too slow
    #[arg(long, env = "TACK_SEND_QUEUE_FRAMES", default_value_t = 1024)]
    send_queue_frames: usize,
    /// Bytes queued towards one client before it is disconnected as too slow (one larger
    /// frame still goes out alone)
    #[arg(long, env = "TACK_SEND_QUEUE_BYTES", default_value_t = 8 * 1024 * 1024)]
    send_queue_bytes: usize,
    /// Bytes queued towards all clients together; the client whose frame would pass it is
    /// disconnected as too slow
    #[arg(long, env = "TACK_RELAY_SEND_QUEUE_BYTES", default_value_t = 512 * 1024 * 1024)]
    relay_send_queue_bytes: usize,
    /// Largest awareness (presence) state of one client, in bytes of JSON
    #[arg(long, env = "TACK_AWARENESS_STATE_BYTES", default_value_t = 16 * 1024)]
    awareness_state_bytes: usize,
    /// Awareness states (client ids) one connection may hold per board
    #[arg(
        long,
        env = "TACK_AWARENESS_STATES_PER_CONNECTION",
        default_value_t = 8
    )]
    awareness_states_per_connection: usize,
    /// Awareness states one board may hold
    #[arg(long, env = "TACK_AWARENESS_STATES_PER_BOARD", default_value_t = 1024)]
    awareness_states_per_board: usize,
    /// Seconds a socket may stay without an authenticated board
    #[arg(long, env = "TACK_AUTH_TIMEOUT_SECS", default_value_t = 10)]
    auth_timeout_secs: u64,
    /// Seconds of silence after which a client is disconnected
    #[arg(long, env = "TACK_IDLE_TIMEOUT_SECS", default_value_t = 90)]
    idle_timeout_secs: u64,
    /// Microseconds the group committer keeps gathering updates after the first one of a
    /// transaction arrives (updates queued while the previous transaction ran join anyway, so
    /// batches form under load without it; every delivery waits for its commit)
    #[arg(long, env = "TACK_COMMIT_DELAY_US", default_value_t = 0)]
    commit_delay_us: u64,
    /// Log rows after a board's snapshot that trigger compaction
    #[arg(long, env = "TACK_COMPACT_AFTER", default_value_t = 1000)]
    compact_after: u64,
    /// Days a task's history is kept (pruned hourly); 0 keeps it forever
    #[arg(long, env = "TACK_HISTORY_DAYS", default_value_t = 0)]
    history_days: u32,
    /// DATABASE_URL goes through a transaction-mode pooler (PgBouncer): no statement cache,
    /// no migrations through it (use --migrate-database-url or `tack-server migrate`), and
    /// LISTEN needs --listen-database-url
    #[arg(long, env = "TACK_DATABASE_POOLER")]
    database_pooler: bool,
    /// A direct PostgreSQL URL (not through a pooler) for LISTEN: commits of other relay
    /// instances and membership changes (default: DATABASE_URL)
    #[arg(long, env = "TACK_LISTEN_DATABASE_URL")]
    listen_database_url: Option<String>,
    /// Password hashes computed at once (each holds ~19 MiB; default: the CPUs available)
    #[arg(long, env = "TACK_HASH_PERMITS")]
    hash_permits: Option<usize>,
    /// Logins that may wait for a hashing permit (up to 2 s) before getting 503 (default: 4 x
    /// the permits)
    #[arg(long, env = "TACK_HASH_QUEUE")]
    hash_queue: Option<usize>,
    /// Login attempts per minute from one client address (after a burst of as many)
    #[arg(long, env = "TACK_LOGINS_PER_MINUTE", default_value_t = 30)]
    logins_per_minute: u32,
    /// Signups per minute from one client address (after a burst of 20)
    #[arg(long, env = "TACK_SIGNUPS_PER_MINUTE", default_value_t = 5)]
    signups_per_minute: u32,
    /// Connections one client address may hold before authenticating a board (HTTP requests
    /// in flight, and sockets before their first successful Auth)
    #[arg(
        long,
        env = "TACK_MAX_UNAUTHENTICATED_PER_ADDRESS",
        default_value_t = 512
    )]
    max_unauthenticated_per_address: usize,
    /// Refused Auths one socket may receive; the last one also closes it
    #[arg(long, env = "TACK_MAX_FAILED_AUTHS", default_value_t = 8)]
    max_failed_auths: u32,
    /// Seconds a client has to send a request's headers (and to start its next request)
    #[arg(long, env = "TACK_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    header_timeout_secs: u64,
    /// Seconds a client has to send a /v1 request's body
    #[arg(long, env = "TACK_BODY_TIMEOUT_SECS", default_value_t = 10)]
    body_timeout_secs: u64,
    /// Where attachments' bytes go: a local directory (--blob-dir), the PostgreSQL database,
    /// an S3-compatible object store (--s3-bucket), or none (attachments refused)
    #[arg(long, env = "TACK_BLOB_STORE", value_enum, default_value = "directory")]
    blob_store: BlobStoreKind,
    /// The directory of --blob-store directory (default: beside the SQLite file, its name
    /// with the extension `blobs`)
    #[arg(long, env = "TACK_BLOB_DIR")]
    blob_dir: Option<PathBuf>,
    /// Where uploads are received and checked before they are stored, and where interrupted
    /// ones wait to be resumed (default: `staging` in --blob-dir, else the temporary directory)
    #[arg(long, env = "TACK_BLOB_STAGING_DIR")]
    blob_staging_dir: Option<PathBuf>,
    /// Largest attachment accepted, in bytes
    #[arg(long, env = "TACK_BLOB_MAX_BYTES", default_value_t = 100 * 1024 * 1024)]
    blob_max_bytes: u64,
    /// Most bytes one board's attachments may take together
    #[arg(long, env = "TACK_BLOB_BOARD_QUOTA_BYTES", default_value_t = 10 * 1024 * 1024 * 1024)]
    blob_board_quota_bytes: u64,
    /// Hours an attachment no task names is kept before it is collected (and an interrupted
    /// upload waits to be resumed)
    #[arg(long, env = "TACK_BLOB_GRACE_HOURS", default_value_t = 24)]
    blob_grace_hours: u64,
    /// The bucket of --blob-store s3 (credentials and region from AWS_* variables)
    #[arg(long, env = "TACK_S3_BUCKET")]
    s3_bucket: Option<String>,
    /// An S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS)
    #[arg(long, env = "TACK_S3_ENDPOINT")]
    s3_endpoint: Option<String>,
    /// Prepended to every object name in the bucket, e.g. `tack/`
    #[arg(long, env = "TACK_S3_PREFIX", default_value = "")]
    s3_prefix: String,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum BlobStoreKind {
    Directory,
    Postgres,
    S3,
    None,
}

/// The attachments settings from the flags.
fn blob_config(args: &Args) -> Result<BlobConfig> {
    let backend = match args.blob_store {
        BlobStoreKind::None => None,
        BlobStoreKind::Directory => Some(BlobBackend::Directory(
            args.blob_dir
                .clone()
                .unwrap_or_else(|| args.sqlite_path.with_extension("blobs")),
        )),
        BlobStoreKind::Postgres => Some(BlobBackend::Postgres),
        BlobStoreKind::S3 => Some(BlobBackend::S3(S3Config {
            bucket: args
                .s3_bucket
                .clone()
                .context("--blob-store s3 needs --s3-bucket (TACK_S3_BUCKET)")?,
            endpoint: args.s3_endpoint.clone(),
            prefix: args.s3_prefix.clone(),
            access_key_id: None,
            secret_access_key: None,
        })),
    };
    Ok(BlobConfig {
        backend,
        staging_dir: args.blob_staging_dir.clone(),
        max_blob_bytes: args.blob_max_bytes,
        board_quota_bytes: args.blob_board_quota_bytes,
        grace: Duration::from_secs(args.blob_grace_hours.saturating_mul(3600)),
        ..BlobConfig::default()
    })
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Bring the PostgreSQL schema up to date and exit (as the tables' owner:
    /// --migrate-database-url, or DATABASE_URL)
    Migrate,
    /// Write one board as a single Yjs v1 update (its snapshot and log folded), e.g. for a
    /// backup or to move a board; read as --as-user (a member) when row-level security
    /// applies to the connecting role
    ExportBoard {
        /// The board id
        board: String,
        /// Output file (default: standard output)
        #[arg(long)]
        out: Option<PathBuf>,
        /// Read as this user id (row-level security shows a board only to its members)
        #[arg(long)]
        as_user: Option<String>,
    },
}

fn config(args: &Args) -> ServerConfig {
    let mut config = ServerConfig::default();
    config.limits.max_message_bytes = args.max_message_bytes;
    config.limits.send_queue_frames = args.send_queue_frames;
    config.limits.send_queue_bytes = args.send_queue_bytes;
    config.limits.relay_send_queue_bytes = args.relay_send_queue_bytes;
    config.limits.awareness.message.max_state_bytes = args.awareness_state_bytes;
    config.limits.awareness.states_per_connection = args.awareness_states_per_connection;
    config.limits.awareness.states_per_room = args.awareness_states_per_board;
    config.limits.auth_timeout = Duration::from_secs(args.auth_timeout_secs);
    config.limits.idle_timeout = Duration::from_secs(args.idle_timeout_secs);
    config.limits.ping_interval = Duration::from_secs((args.idle_timeout_secs / 3).max(1));
    config.frame_limits.max_frame_bytes = args.max_message_bytes;
    config.update_limits.max_update_bytes = args.max_message_bytes;
    config.compact_after_updates = args.compact_after;
    config.history_days = args.history_days;
    config.commit.max_delay = Duration::from_micros(args.commit_delay_us);
    config.limits.updates_per_second = args.updates_per_second;
    config.limits.max_connections_per_user = args.max_connections_per_user;
    config.accounts.session_lifetime = Duration::from_secs(args.session_days * 24 * 3600);
    config.listen_database_url = args.listen_database_url.clone();
    let admission = &mut config.admission;
    if let Some(permits) = args.hash_permits {
        admission.hash_permits = permits.max(1);
        admission.hash_queue = permits.max(1) * 4;
    }
    if let Some(queue) = args.hash_queue {
        admission.hash_queue = queue;
    }
    admission.logins_per_address.per_minute = args.logins_per_minute;
    admission.logins_per_address.burst = args.logins_per_minute.max(1);
    admission.signups_per_address.per_minute = args.signups_per_minute;
    admission.max_unauthenticated_per_address = args.max_unauthenticated_per_address;
    admission.max_failed_auths_per_socket = args.max_failed_auths.max(1);
    admission.header_read_timeout = Duration::from_secs(args.header_timeout_secs.max(1));
    admission.request_body_timeout = Duration::from_secs(args.body_timeout_secs.max(1));
    config
}

/// `tack-server migrate` and `tack-server export-board`.
async fn run_command(args: &Args, command: &Command) -> Result<()> {
    match command {
        Command::Migrate => {
            let url = args
                .migrate_database_url
                .as_deref()
                .or(args.database_url.as_deref())
                .context("migrate needs --migrate-database-url or DATABASE_URL (PostgreSQL)")?;
            Storage::migrate_postgres(url).await.context("migrating")?;
            tracing::info!("schema is up to date");
        }
        Command::ExportBoard {
            board,
            out,
            as_user,
        } => {
            let storage =
                Storage::connect_with(args.database_url.as_deref(), &args.sqlite_path, false)
                    .await
                    .context("connecting to storage")?;
            let stored = storage
                .load_board_as(board, as_user.as_deref())
                .await
                .context("loading the board")?;
            if stored.last_seq == 0 && stored.snapshot.is_none() {
                anyhow::bail!("no board {board} (or not visible to this role/--as-user)");
            }
            let update = sync_server::cluster::fold_board(&stored)
                .map_err(|detail| anyhow::anyhow!("folding board {board}: {detail}"))?;
            match out {
                Some(path) => std::fs::write(path, &update)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => std::io::Write::write_all(&mut std::io::stdout(), &update)
                    .context("writing to standard output")?,
            }
            tracing::info!(
                board,
                bytes = update.len(),
                up_to_seq = stored.last_seq,
                "exported"
            );
        }
    }
    Ok(())
}

/// Connections the kernel queues for the relay before it accepts them (tokio's default is
/// 1,024; a restart's reconnect storm brings thousands at once; the kernel caps it at
/// `net.core.somaxconn`).
const LISTEN_BACKLOG: u32 = 8192;

fn bind(address: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if address.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // As `TcpListener::bind` does: a restarted relay can bind while old sockets linger.
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
}

async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(?error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = terminate => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> Result<()> {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::Layer as _;
    let otlp = match sync_server::otlp::OtlpConfig::from_env() {
        Some(Ok(config)) => Some(config),
        Some(Err(error)) => {
            eprintln!("tack-server: {error}; not exporting traces");
            None
        }
        None => None,
    };
    let (otlp_layer, otlp_guard) = otlp.map(sync_server::otlp::layer).unzip();
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_filter(
            tracing_subscriber::EnvFilter::try_from_env("TACK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        );
    // Traces: the relay's own spans (connection, board, commit), whatever the log level.
    let traces = otlp_layer.map(|layer| {
        layer.with_filter(tracing_subscriber::filter::filter_fn(|meta| {
            meta.is_span() && meta.target().starts_with("sync_server")
        }))
    });
    tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .init();
    let outcome = serve_or_run().await;
    if let Some(guard) = otlp_guard {
        guard.shutdown();
    }
    outcome
}

async fn serve_or_run() -> Result<()> {
    let args = Args::parse();
    if let Some(command) = &args.command {
        return run_command(&args, command).await;
    }
    if let Some(owner_url) = &args.migrate_database_url {
        Storage::migrate_postgres(owner_url)
            .await
            .context("migrating with --migrate-database-url")?;
    }
    // Bound before storage is connected (and migrated): meanwhile clients' connections wait in
    // the accept backlog instead of being refused, so a restarted relay's clients do not back
    // off and retry while it starts.
    let listener = bind(args.listen).with_context(|| format!("binding {}", args.listen))?;
    let storage = match (&args.database_url, args.database_pooler) {
        (Some(url), true) => Storage::connect_pooled(url).await,
        (_, true) => anyhow::bail!("--database-pooler needs a PostgreSQL DATABASE_URL"),
        (url, false) => {
            Storage::connect_with(
                url.as_deref(),
                &args.sqlite_path,
                args.migrate_database_url.is_none(),
            )
            .await
        }
    }
    .context("connecting to storage")?;
    let verifier: Arc<dyn Verifier> = if args.insecure_allow_anonymous {
        for _ in 0..3 {
            tracing::warn!(
                "INSECURE: --insecure-allow-anonymous lets ANYONE read and write EVERY board \
                 without an account. Use it for local development only."
            );
        }
        Arc::new(AllowAnonymous)
    } else {
        Arc::new(AccountVerifier::new(storage.clone()))
    };
    let address = listener.local_addr().context("reading the bound address")?;
    tracing::info!(%address, storage = storage.backend(), "listening");
    // Machine-readable line for scripts and tests that start the relay on port 0.
    println!("listening on {address}");
    let mut config = config(&args);
    config.blobs = blob_config(&args)?;
    // A blob store that cannot be opened (no bucket, a database that is not PostgreSQL) stops
    // the relay here rather than leaving attachments off.
    Blobs::open(&config.blobs, &storage).context("opening the blob store")?;
    let relay = RelayServer::new(storage, verifier, config);
    relay
        .serve(listener, shutdown_signal())
        .await
        .context("serving")?;
    tracing::info!("stopped");
    Ok(())
}
