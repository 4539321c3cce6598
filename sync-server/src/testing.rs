//! For other crates' tests (feature `testing`): a relay in a tokio runtime of its own, so a
//! test can kill it outright (every task dropped at once, connections reset, commits in flight
//! abandoned and rolled back by PostgreSQL, as SIGKILL would) and start another on its port.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::auth::Verifier;
use crate::config::ServerConfig;
use crate::server::RelayServer;
use crate::storage::Storage;

/// How long starting may take (connecting, migrating, binding a lingering port).
const START_WAIT: Duration = Duration::from_secs(30);

/// A relay serving on 127.0.0.1 until it is killed or dropped.
pub struct KillableRelay {
    pub addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
    /// Held: dropping it shuts the relay down gracefully.
    _stop: oneshot::Sender<()>,
}

impl KillableRelay {
    /// Serves what `setup` returns (run inside the relay's runtime) on `port` (0: any free
    /// port; retried briefly while a killed relay's socket lingers). Blocks until it listens.
    ///
    /// Panics (this is test code) when the relay cannot start in time.
    pub fn start<F, Fut>(port: u16, setup: F) -> KillableRelay
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = (Storage, Arc<dyn Verifier>)> + Send + 'static,
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("relay runtime");
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        runtime.spawn(async move {
            let (storage, verifier) = setup().await;
            let mut listener = None;
            for _ in 0..250 {
                match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(bound) => {
                        listener = Some(bound);
                        break;
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
            let listener = listener.expect("bind the relay port");
            let _ = ready_tx.send(listener.local_addr().expect("relay address"));
            let relay = RelayServer::new(storage, verifier, ServerConfig::default());
            let _ = relay
                .serve(listener, async move {
                    let _ = stop_rx.await;
                })
                .await;
        });
        let addr = ready_rx
            .recv_timeout(START_WAIT)
            .expect("relay starts in time");
        KillableRelay {
            addr,
            runtime: Some(runtime),
            _stop: stop_tx,
        }
    }

    /// Kills the relay: nothing it was doing finishes.
    pub fn kill(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for KillableRelay {
    fn drop(&mut self) {
        self.shut_down();
    }
}
