//! How a sync client connects: where, with which token, and its timing.

use std::time::Duration;

use board_model::ReplicaConfig;

use crate::backoff::BackoffConfig;

/// Application-level keepalive: a Ping (`09`) every `interval`; a connection on which nothing
/// at all arrived for `dead_after` is considered dead and dropped (then reconnected).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    pub interval: Duration,
    pub dead_after: Duration,
}

impl Default for Keepalive {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(15),
            dead_after: Duration::from_secs(45),
        }
    }
}

/// Everything [`crate::SyncClient::spawn`] needs besides the store.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// `ws://host:port` or `wss://host` (with or without the `/sync` path).
    pub server_url: String,
    /// Sent in every board's Auth frame; an empty string for an anonymous development relay.
    pub token: String,
    pub keepalive: Keepalive,
    pub backoff: BackoffConfig,
    /// Gives up on a TCP/TLS/WebSocket handshake after this long.
    pub connect_timeout: Duration,
    /// Also look for new outbox entries this often (edits made by another process on the same
    /// store, which cannot call `notify_local_change`). `None`: only when notified.
    pub local_poll: Option<Duration>,
    /// For the client's own replica of each board (it never edits; ids and time only).
    pub replica: ReplicaConfig,
    /// Seeds the backoff jitter (tests pin it; `None` uses entropy).
    pub jitter_seed: Option<u64>,
}

impl SyncConfig {
    pub fn new(server_url: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            server_url: server_url.into(),
            token: token.into(),
            keepalive: Keepalive::default(),
            backoff: BackoffConfig::default(),
            connect_timeout: Duration::from_secs(10),
            local_poll: None,
            replica: ReplicaConfig::default(),
            jitter_seed: None,
        }
    }

    /// The multiplexed endpoint: the URL with `/sync` appended unless it already ends so.
    pub fn sync_url(&self) -> String {
        let base = self.server_url.trim_end_matches('/');
        if base.ends_with("/sync") {
            base.to_owned()
        } else {
            format!("{base}/sync")
        }
    }
}
