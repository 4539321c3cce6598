//! A fresh PostgreSQL database per test, on the local server (127.0.0.1:5432, user `postgres`,
//! trust auth), made and dropped with the `createdb`/`dropdb` command-line tools.

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const HOST: &str = "127.0.0.1";
const PORT: &str = "5432";
const USER: &str = "postgres";
/// How every command-line tool here reaches the server.
const SERVER_ARGS: [&str; 7] = [
    "--host",
    HOST,
    "--port",
    PORT,
    "--username",
    USER,
    "--no-password",
];

/// A uniquely named database, dropped (with its connections terminated) when this is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    /// `postgres://postgres@127.0.0.1:5432/<name>`.
    pub url: String,
    name: String,
}

impl TestDatabase {
    /// Creates the database. Panics with the fix when PostgreSQL is not reachable: server tests
    /// must run, never skip.
    pub fn create() -> TestDatabase {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let name = format!(
            "tack_test_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let output = Command::new("createdb")
            .args(SERVER_ARGS)
            .arg(&name)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run `createdb` (install the PostgreSQL client tools): {e}")
            });
        assert!(
            output.status.success(),
            "cannot create test database {name} on PostgreSQL at {HOST}:{PORT} as user {USER} \
             (is the server running with trust auth for local TCP?): {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
        TestDatabase {
            url: format!("postgres://{USER}@{HOST}:{PORT}/{name}"),
            name,
        }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Terminates every connection to the database (as a server restart or failover would);
    /// returns how many were terminated.
    pub fn terminate_connections(&self) -> usize {
        let sql = format!(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = '{}' AND pid <> pg_backend_pid()",
            self.name
        );
        let output = Command::new("psql")
            .args(SERVER_ARGS)
            .args([
                "--dbname",
                "postgres",
                "--tuples-only",
                "--no-align",
                "--command",
            ])
            .arg(sql)
            .output()
            .unwrap_or_else(|e| panic!("cannot run `psql`: {e}"));
        assert!(
            output.status.success(),
            "terminating connections to {}: {}",
            self.name,
            String::from_utf8_lossy(&output.stderr).trim()
        );
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("psql printed no count: {e}"))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let outcome = Command::new("dropdb")
            .args(SERVER_ARGS)
            .args(["--if-exists", "--force"])
            .arg(&self.name)
            .output();
        match outcome {
            Ok(output) if output.status.success() => {}
            Ok(output) => eprintln!(
                "warning: dropping test database {}: {}",
                self.name,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            Err(e) => eprintln!("warning: cannot run `dropdb` for {}: {e}", self.name),
        }
    }
}
