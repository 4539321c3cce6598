//! Several real `tack-server` processes on one PostgreSQL database: clients spread over them
//! converge (announcements carry seqs, the rows are read from the log), awareness crosses
//! instances (sealed), and when one relay is SIGKILLed its clients reconnect to another and
//! nothing acknowledged is lost.

use std::collections::BTreeSet;

use sync_protocol::{AwarenessEntry, MuxMessage};

use crate::durability::{start_server, Server};
use crate::support::{stored_keys, Backend, BackendKind, Client};

const BOARD: &str = "0190a000-0000-7000-8000-0000000000c1";

/// Every client sets one key per round; returns the keys acknowledged with SyncStatus(1).
async fn edit_rounds(clients: &mut [Client], rounds: std::ops::Range<usize>) -> BTreeSet<String> {
    let mut acked = BTreeSet::new();
    for round in rounds {
        let mut keys = Vec::new();
        for (c, client) in clients.iter_mut().enumerate() {
            let key = format!("c{c}-r{round}");
            client.set(BOARD, &key, "v").await;
            keys.push(key);
        }
        for (client, key) in clients.iter_mut().zip(keys) {
            assert_eq!(client.status(BOARD).await, Some(true), "{key} acknowledged");
            acked.insert(key);
        }
    }
    acked
}

use crate::support::saw_awareness_of;

#[tokio::test]
async fn three_relays_on_one_database_converge_and_lose_nothing_acknowledged_when_one_dies() {
    let backend = Backend::new(BackendKind::Postgres);
    let mut relays: Vec<Server> = (0..3).map(|_| start_server(&backend)).collect();
    let mut clients = Vec::new();
    for c in 0..6 {
        let mut client = Client::connect(relays[c % 3].addr).await;
        client.open(BOARD, "dev").await.expect("open");
        clients.push(client);
    }

    // Edits on every relay reach every client, whichever relay it is connected to.
    let mut acked = edit_rounds(&mut clients, 0..5).await;
    // Bigger than a NOTIFY payload: like every row, the other relays read it from the log.
    let big = "x".repeat(12_000);
    clients[0].set(BOARD, "big", &big).await;
    assert_eq!(clients[0].status(BOARD).await, Some(true));
    acked.insert("big".to_owned());
    for (c, client) in clients.iter_mut().enumerate() {
        assert!(
            client.wait_keys(BOARD, &acked).await,
            "client {c} (relay {}) converged: {:?}",
            c % 3,
            acked.difference(&client.keys(BOARD)).collect::<Vec<_>>()
        );
    }

    // Awareness crosses relays too (and is never stored).
    let entry = AwarenessEntry {
        client_id: 4242,
        clock: 1,
        state_json: r#"{"user":"ada"}"#.into(),
    };
    let update = sync_protocol::encode_awareness_update(&[entry]);
    clients[0]
        .send(BOARD, MuxMessage::Awareness { update })
        .await;
    assert!(
        clients[1].until(|c| saw_awareness_of(c, 4242)).await,
        "awareness from relay 0 reached a client of relay 1"
    );

    // Relay 2's clients send more, some acknowledged, then the relay dies mid-stream.
    let mut sent = acked.clone();
    for round in 0..20 {
        for c in [2, 5] {
            let key = format!("c{c}-late{round}");
            clients[c].set(BOARD, &key, "v").await;
            sent.insert(key);
        }
        if round == 9 {
            for c in [2, 5] {
                for late in 0..=9 {
                    assert_eq!(clients[c].status(BOARD).await, Some(true));
                    acked.insert(format!("c{c}-late{late}"));
                }
            }
        }
    }
    relays[2].child.kill().expect("SIGKILL relay 2");
    let _ = relays[2].child.wait();
    for c in [5, 2] {
        let mut orphan = clients.remove(c);
        let mut late = 10;
        while let Some(true) = orphan.status(BOARD).await {
            acked.insert(format!("c{c}-late{late}"));
            late += 1;
        }
        // It reconnects to relay 0; the handshake re-sends what the relay lacks.
        let mut moved = orphan.reconnect_to(relays[0].addr).await;
        moved.open(BOARD, "dev").await.expect("reopen on relay 0");
        clients.push(moved);
    }

    let more = edit_rounds(&mut clients, 5..8).await;
    acked.extend(more.iter().cloned());
    sent.extend(more);
    for (c, client) in clients.iter_mut().enumerate() {
        assert!(
            client.wait_keys(BOARD, &sent).await,
            "client {c} converged after failover: missing {:?}",
            sent.difference(&client.keys(BOARD)).collect::<Vec<_>>()
        );
    }
    let stored = stored_keys(&backend.storage().await, BOARD).await;
    assert!(
        acked.is_subset(&stored),
        "acknowledged updates lost: {:?}",
        acked.difference(&stored).collect::<Vec<_>>()
    );
    assert_eq!(stored, sent, "everything sent is stored after the resync");
    for relay in &mut relays[..2] {
        relay.child.kill().expect("kill");
        let _ = relay.child.wait();
    }
}

/// A TCP forwarder to PostgreSQL that the test can cut: while down it drops every forwarded
/// connection and refuses new ones (as a network partition or a PostgreSQL failover would).
struct Cut {
    addr: std::net::SocketAddr,
    up: tokio::sync::watch::Sender<bool>,
    forwarding: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Cut {
    async fn start() -> Cut {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (up, up_rx) = tokio::sync::watch::channel(true);
        let forwarding = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = forwarding.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut up = up_rx.clone();
                if !*up.borrow() {
                    continue;
                }
                let count = count.clone();
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect("127.0.0.1:5432").await
                    {
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                            _ = up.wait_for(|up| !*up) => {}
                        }
                    }
                    count.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Cut {
            addr,
            up,
            forwarding,
        }
    }

    /// Cuts every forwarded connection; returns once none is left.
    async fn down(&self) {
        let _ = self.up.send(false);
        for _ in 0..500 {
            if self.forwarding.load(std::sync::atomic::Ordering::SeqCst) == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("forwarded connections did not close");
    }

    fn up(&self) {
        let _ = self.up.send(true);
    }
}

use crate::support::metric;

#[tokio::test]
async fn a_relay_that_lost_its_listen_connection_catches_up_from_the_log() {
    use std::sync::Arc;
    use sync_server::config::ServerConfig;

    use crate::support::{set_of, TestRelay, Tokens};

    let backend = Backend::new(BackendKind::Postgres);
    let other = backend.sharing();
    let cut = Cut::start().await;
    let database = backend
        .database_url
        .as_deref()
        .and_then(|url| url.rsplit('/').next())
        .expect("database name")
        .to_owned();
    let relay_a = TestRelay::start_with(backend, Arc::new(Tokens), ServerConfig::default()).await;
    let relay_b = TestRelay::start_with(
        other,
        Arc::new(Tokens),
        ServerConfig {
            listen_database_url: Some(format!("postgres://postgres@{}/{database}", cut.addr)),
            ..ServerConfig::default()
        },
    )
    .await;
    let mut a = relay_a.client().await;
    a.open(BOARD, "editor").await.expect("open on A");
    let mut b = relay_b.client().await;
    b.open(BOARD, "editor").await.expect("open on B");

    a.set(BOARD, "before", "v").await;
    assert_eq!(a.status(BOARD).await, Some(true));
    assert!(
        b.wait_keys(BOARD, &set_of(&["before"])).await,
        "B relays A's commit"
    );

    // B's LISTEN connection is cut: the announcement of this commit never reaches B.
    cut.down().await;
    a.set(BOARD, "while cut", "v").await;
    assert_eq!(a.status(BOARD).await, Some(true));
    cut.up();
    assert!(
        b.wait_keys(BOARD, &set_of(&["before", "while cut"])).await,
        "B read the missed commit from the log after reconnecting"
    );
    let (_, metrics) = relay_b.http_get("/metrics").await;
    // The announcement could not reach B: what B relayed it read from the log.
    assert!(metric(&metrics, "tack_relay_cluster_catch_ups_total") >= 1.0);
}
