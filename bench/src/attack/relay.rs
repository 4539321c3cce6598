//! The relay under attack: its store (a PostgreSQL database with the production roles, or an
//! embedded SQLite file), its process on a loopback port, its memory read from `/proc`, and a
//! minimal HTTP/1.1 client for the `/v1` API.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long the relay may take to answer `/healthz` after it is started.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a stopped relay may take to exit after SIGTERM (its shutdown grace is 8 s).
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Store {
    /// PostgreSQL: migrations as an owner role, the relay as a login role in `tack_relay`.
    Postgres,
    /// The embedded SQLite file (no `DATABASE_URL`).
    Sqlite,
}

/// Where PostgreSQL is and who may create databases and roles there.
#[derive(Debug, Clone)]
pub struct Postgres {
    pub host: String,
    pub port: u16,
    pub superuser: String,
}

/// One run's store. PostgreSQL: a fresh database owned by a fresh owner role (as README's
/// "PostgreSQL roles"), and a fresh login role that is a member of `tack_relay`.
pub struct Database {
    store: Store,
    postgres: Postgres,
    name: String,
    owner_role: String,
    relay_role: String,
    sqlite_path: PathBuf,
}

impl Database {
    pub async fn create(store: Store, postgres: &Postgres, scratch: &Path) -> Result<Self> {
        let suffix = format!(
            "{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or_default()
        );
        let database = Self {
            store,
            postgres: postgres.clone(),
            name: format!("tack_attack_{suffix}"),
            owner_role: format!("tack_attack_owner_{suffix}"),
            relay_role: format!("tack_attack_relay_{suffix}"),
            sqlite_path: scratch.join("relay.sqlite3"),
        };
        if store == Store::Postgres {
            database
                .psql(&format!(
                    "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tack_relay') \
                     THEN CREATE ROLE tack_relay NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB \
                     NOCREATEROLE; END IF; END $$; \
                     CREATE ROLE {owner} LOGIN CREATEROLE; \
                     CREATE ROLE {relay} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE \
                     IN ROLE tack_relay;",
                    owner = database.owner_role,
                    relay = database.relay_role,
                ))
                .await?;
            database
                .psql(&format!(
                    "CREATE DATABASE {} OWNER {}",
                    database.name, database.owner_role
                ))
                .await?;
        }
        Ok(database)
    }

    fn url(&self, role: &str) -> String {
        format!(
            "postgres://{role}@{}:{}/{}",
            self.postgres.host, self.postgres.port, self.name
        )
    }

    /// What the relay is started with (flags' environment fallbacks).
    fn environment(&self) -> Vec<(&'static str, String)> {
        match self.store {
            Store::Postgres => vec![
                ("DATABASE_URL", self.url(&self.relay_role)),
                ("TACK_MIGRATE_DATABASE_URL", self.url(&self.owner_role)),
            ],
            Store::Sqlite => vec![(
                "TACK_SQLITE_PATH",
                self.sqlite_path.to_string_lossy().into_owned(),
            )],
        }
    }

    async fn psql(&self, sql: &str) -> Result<()> {
        let output = tokio::process::Command::new("psql")
            .args(["-h", &self.postgres.host, "-p"])
            .arg(self.postgres.port.to_string())
            .args(["-U", &self.postgres.superuser, "-d", "postgres"])
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
            .stdin(Stdio::null())
            .output()
            .await
            .context("running psql")?;
        if !output.status.success() {
            bail!(
                "psql failed on {sql:?}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }

    /// Drops the database and both roles (nothing to do for SQLite: the scratch folder goes).
    pub async fn drop_all(&self) -> Result<()> {
        if self.store == Store::Postgres {
            self.psql(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await?;
            self.psql(&format!(
                "DROP ROLE IF EXISTS {}; DROP ROLE IF EXISTS {};",
                self.relay_role, self.owner_role
            ))
            .await?;
        }
        Ok(())
    }
}

/// A running relay process.
pub struct Relay {
    child: tokio::process::Child,
    pub pid: u32,
    pub addr: SocketAddr,
}

impl Relay {
    /// Starts `binary` on a free loopback port and waits until `/healthz` answers.
    pub async fn start(binary: &Path, database: &Database, log: &Path) -> Result<Self> {
        let addr = free_loopback_port()?;
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("opening {}", log.display()))?;
        let mut command = tokio::process::Command::new(binary);
        command
            .arg("--listen")
            .arg(addr.to_string())
            .env_remove("DATABASE_URL")
            .env_remove("TACK_MIGRATE_DATABASE_URL")
            .env_remove("TACK_INSECURE_ALLOW_ANONYMOUS")
            .env("TACK_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().context("log file")?)
            .stderr(log_file)
            .kill_on_drop(true);
        for (name, value) in database.environment() {
            command.env(name, value);
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id().context("relay exited at once")?;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().context("relay status")? {
                bail!(
                    "relay exited while starting ({status}); see {}",
                    log.display()
                );
            }
            let healthy = matches!(
                http(addr, "GET", "/healthz", None, None, Duration::from_secs(2)).await,
                Ok((200, _))
            );
            if healthy {
                return Ok(Self { child, pid, addr });
            }
            if Instant::now() > deadline {
                bail!("relay did not answer /healthz within {START_TIMEOUT:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited in time.
    pub async fn stop(mut self) -> Result<()> {
        let _ = tokio::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        if tokio::time::timeout(STOP_TIMEOUT, self.child.wait())
            .await
            .is_err()
        {
            self.child.start_kill().context("killing the relay")?;
            let _ = self.child.wait().await;
        }
        Ok(())
    }
}

fn free_loopback_port() -> Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    listener.local_addr().context("free port address")
}

/// Resident and peak resident memory of a process, KiB (`/proc/PID/status`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    pub rss_kib: u64,
    pub hwm_kib: u64,
}

pub fn read_memory(pid: u32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
    };
    Some(Memory {
        rss_kib: field("VmRSS:")?,
        hwm_kib: field("VmHWM:")?,
    })
}

/// Samples a process's memory every `interval` on its own thread (so a busy async runtime
/// does not delay the samples) until stopped.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<(Instant, Memory)>>,
}

impl Sampler {
    pub fn start(pid: u32, interval: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut samples = Vec::new();
            // Bounded: an hour of samples at the shortest interval.
            for _ in 0..(3600 * 1000 / interval.as_millis().max(1)) {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                match read_memory(pid) {
                    Some(memory) => samples.push((Instant::now(), memory)),
                    None => break,
                }
                std::thread::sleep(interval);
            }
            samples
        });
        Self { stop, thread }
    }

    pub fn finish(self) -> Vec<(Instant, Memory)> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// A minimal HTTP/1.1 request (`Connection: close`) with an optional bearer token and JSON
/// body: `(status, body)`.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&serde_json::Value>,
    timeout: Duration,
) -> Result<(u16, String)> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.context("connect")?;
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .await
            .context("write")?;
        let mut response = Vec::new();
        stream
            .take(1024 * 1024)
            .read_to_end(&mut response)
            .await
            .context("read")?;
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("no status code in {text:?}"))?;
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        Ok((status, body))
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .with_context(|| format!("{method} {path}: no answer within {timeout:?}"))?
}
