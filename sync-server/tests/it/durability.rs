//! The real `tack-server` binary, killed: an update acknowledged with SyncStatus(1) survives
//! SIGKILL; one not yet acknowledged is re-sent by the client and not lost; SIGTERM drains.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sync_protocol::{MuxMessage, SyncMessage};

use crate::support::{stored_keys, Backend, BackendKind, Client, BOTH};

const BOARD: &str = "0190a000-0000-7000-8000-0000000000d0";

pub(crate) struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

/// A failing test must not leave relays running.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real binary on `backend`, anonymous, on 127.0.0.1:0.
pub(crate) fn start_server(backend: &Backend) -> Server {
    start_server_with(backend, &[])
}

/// `start_server` with extra environment variables.
pub(crate) fn start_server_with(backend: &Backend, env: &[(&str, &str)]) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tack-server"));
    command.envs(env.iter().copied());
    command
        .args(["--listen", "127.0.0.1:0", "--insecure-allow-anonymous"])
        .arg("--sqlite-path")
        .arg(&backend.sqlite_path)
        .env_remove("DATABASE_URL")
        .env("TACK_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(url) = &backend.database_url {
        command.env("DATABASE_URL", url);
    }
    let mut child = command.spawn().expect("start tack-server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the listening line");
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .expect("address");
    Server { child, addr }
}

/// Sends updates without waiting, collecting acknowledgements, and SIGKILLs the relay midway.
async fn edits_then_sigkill(backend: &Backend) -> (Vec<String>, Vec<Vec<u8>>, BTreeSet<String>) {
    let mut server = start_server(backend);
    let mut client = Client::connect(server.addr).await;
    client.open(BOARD, "dev").await.expect("open");
    let mut sent_keys = Vec::new();
    let mut sent_updates = Vec::new();
    let mut acknowledged = 0usize;
    for i in 0..200 {
        let key = format!("k{i:03}");
        sent_updates.push(client.set(BOARD, &key, "v").await);
        sent_keys.push(key);
        if i == 120 {
            server.child.kill().expect("SIGKILL");
            let _ = server.child.wait();
            break;
        }
        if i % 10 == 0 {
            // Let some acknowledgements in, without waiting for all.
            while acknowledged < i / 2 {
                match client.status(BOARD).await {
                    Some(true) => acknowledged += 1,
                    Some(false) => panic!("relay refused a valid update"),
                    None => break,
                }
            }
        }
    }
    // Drain whatever acknowledgements made it out before the kill.
    while let Some(true) = client.status(BOARD).await {
        acknowledged += 1;
    }
    let acked: BTreeSet<String> = sent_keys[..acknowledged].iter().cloned().collect();
    (sent_keys, sent_updates, acked)
}

#[tokio::test]
async fn acknowledged_updates_survive_sigkill_and_unacknowledged_ones_are_resent() {
    for kind in BOTH {
        let backend = Backend::new(kind);
        let (sent_keys, sent_updates, acked) = edits_then_sigkill(&backend).await;
        assert!(
            !acked.is_empty(),
            "{kind:?}: some updates were acknowledged before the kill"
        );

        let storage = backend.storage().await;
        let stored = stored_keys(&storage, BOARD).await;
        assert!(
            acked.is_subset(&stored),
            "{kind:?}: acknowledged updates lost: {:?}",
            acked.difference(&stored).collect::<Vec<_>>()
        );

        // The client's outbox re-sends everything not acknowledged; the relay takes it again.
        let mut server = start_server(&backend);
        let mut client = Client::connect(server.addr).await;
        client.open(BOARD, "dev").await.expect("open");
        let unacked: Vec<&Vec<u8>> = sent_keys
            .iter()
            .zip(&sent_updates)
            .filter(|(key, _)| !acked.contains(*key))
            .map(|(_, update)| update)
            .collect();
        // Re-send in order, after the handshake (the fresh client's doc was empty).
        for update in &unacked {
            client
                .send(
                    BOARD,
                    MuxMessage::Sync(SyncMessage::Update {
                        update: (*update).clone(),
                    }),
                )
                .await;
        }
        for _ in &unacked {
            assert_eq!(
                client.status(BOARD).await,
                Some(true),
                "{kind:?}: re-sent update acknowledged"
            );
        }
        let all: BTreeSet<String> = sent_keys.iter().cloned().collect();
        assert_eq!(
            stored_keys(&storage, BOARD).await,
            all,
            "{kind:?}: nothing lost after retry"
        );
        let mut late = Client::connect(server.addr).await;
        late.open(BOARD, "dev").await.expect("open");
        assert_eq!(late.keys(BOARD), all);
        server.child.kill().expect("kill");
        let _ = server.child.wait();
    }
}

#[tokio::test]
async fn sigterm_under_load_drains_within_ten_seconds_and_keeps_every_acknowledged_update() {
    let backend = Backend::new(BackendKind::Postgres);
    let mut server = start_server(&backend);
    let mut writers = Vec::new();
    for _ in 0..4 {
        let mut client = Client::connect(server.addr).await;
        client.open(BOARD, "dev").await.expect("open");
        writers.push(client);
    }
    for round in 0..25 {
        for (w, client) in writers.iter_mut().enumerate() {
            client.set(BOARD, &format!("w{w}-{round}"), "v").await;
        }
    }
    let started = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    let mut acked = BTreeSet::new();
    for (w, client) in writers.iter_mut().enumerate() {
        let mut round = 0;
        while let Some(true) = client.status(BOARD).await {
            acked.insert(format!("w{w}-{round}"));
            round += 1;
        }
        let (code, _) = client.closed().await.expect("closed by the relay");
        assert_eq!(code, 1012, "clients are told to reconnect");
    }
    let exit = loop {
        if let Some(exit) = server.child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "drained within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "clean exit: {exit:?}");
    let storage = backend.storage().await;
    let stored = stored_keys(&storage, BOARD).await;
    assert!(
        acked.is_subset(&stored),
        "every acknowledged update is stored"
    );
    assert!(!acked.is_empty());
}
