//! A fault-injecting TCP proxy for network tests: added latency, connections cut mid-stream,
//! a black hole (bytes vanish, nothing is refused or reset), and resets at random.
//!
//! Faults apply to every connection, live ones included, and can be changed at any time.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the proxy does to traffic right now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Held before each chunk is forwarded (both directions; order is kept).
    pub latency: Duration,
    /// Bytes are read and dropped: both peers see a silent connection.
    pub black_hole: bool,
    /// Each chunk has this chance of being the last: half of it is forwarded, then both
    /// connections are reset (a cut in the middle of a WebSocket frame).
    pub cut_probability: f64,
    /// Refuse new connections by resetting them right after accepting.
    pub refuse: bool,
}

/// A running proxy; stops when dropped.
pub struct FaultyProxy {
    pub addr: SocketAddr,
    faults: watch::Sender<Faults>,
    generation: watch::Sender<u64>,
    accept: JoinHandle<()>,
}

impl std::fmt::Debug for FaultyProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultyProxy")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Drop for FaultyProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.generation.send_modify(|g| *g += 1);
    }
}

impl FaultyProxy {
    /// Listens on 127.0.0.1 (any port) and forwards to `upstream`. `seed` drives the random
    /// faults (print it in the test so a failure can be replayed).
    pub async fn start(upstream: SocketAddr, seed: u64) -> FaultyProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("proxy bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("proxy address: {e}"));
        let (faults, faults_rx) = watch::channel(Faults::default());
        let (generation, generation_rx) = watch::channel(0u64);
        let rng = Arc::new(Mutex::new(StdRng::seed_from_u64(seed)));
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let faults = faults_rx.clone();
                if faults.borrow().refuse {
                    let _ = client.set_zero_linger();
                    drop(client);
                    continue;
                }
                let generation = generation_rx.clone();
                let rng = rng.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        relay(client, server, faults, generation, rng).await;
                    }
                });
            }
        });
        FaultyProxy {
            addr,
            faults,
            generation,
            accept,
        }
    }

    pub fn set(&self, faults: Faults) {
        self.faults.send_replace(faults);
    }

    pub fn clear(&self) {
        self.set(Faults::default());
    }

    /// Resets every open connection now.
    pub fn reset_all(&self) {
        self.generation.send_modify(|g| *g += 1);
    }
}

async fn relay(
    client: TcpStream,
    server: TcpStream,
    faults: watch::Receiver<Faults>,
    mut generation: watch::Receiver<u64>,
    rng: Arc<Mutex<StdRng>>,
) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    // Resets (RST) rather than orderly closes when the proxy drops a connection.
    let _ = client.set_zero_linger();
    let _ = server.set_zero_linger();
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let upstream = pump(client_read, server_write, faults.clone(), rng.clone());
    let downstream = pump(server_read, client_write, faults, rng);
    generation.borrow_and_update();
    tokio::select! {
        _ = upstream => {}
        _ = downstream => {}
        _ = generation.changed() => {}
    }
}

async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    faults: watch::Receiver<Faults>,
    rng: Arc<Mutex<StdRng>>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        let now = faults.borrow().clone();
        if now.black_hole {
            continue;
        }
        if !now.latency.is_zero() {
            tokio::time::sleep(now.latency).await;
        }
        let cut = now.cut_probability > 0.0
            && rng
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .random_bool(now.cut_probability.min(1.0));
        if cut {
            let half = (read / 2).max(1).min(read);
            let _ = to.write_all(&buffer[..half]).await;
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}
