//! Settings of a relay instance (the binary fills them from flags and `TACK_*` variables).

use std::time::Duration;

use relay_core::SessionLimits;
use sync_protocol::{Limits, UpdateLimits};

use crate::commit::GroupCommitConfig;

/// Bounds on what one connection may cost the relay.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Largest WebSocket message accepted; larger ones close the socket with 1009.
    pub max_message_bytes: usize,
    /// Frames queued towards one client; a client that falls further behind is disconnected
    /// (it resyncs on reconnect) instead of growing the relay's memory.
    pub send_queue_frames: usize,
    /// Bytes queued towards one client, past which it is disconnected the same way (one frame
    /// larger than this still goes out when nothing else is queued: a board's whole Step2).
    pub send_queue_bytes: usize,
    /// Bytes queued towards every client of this relay together: the connection whose frame
    /// would pass it is disconnected as slow.
    pub relay_send_queue_bytes: usize,
    /// What awareness one connection may make a room hold.
    pub awareness: AwarenessBounds,
    /// Boards a socket may have waiting for authentication, and their queued frames and bytes.
    pub max_pending_boards: usize,
    pub max_pending_frames: usize,
    pub max_pending_bytes: usize,
    /// Boards one socket may have open at once.
    pub max_boards_per_socket: usize,
    /// A socket with no authenticated board after this long is closed.
    pub auth_timeout: Duration,
    /// How often the relay pings an idle client, and when it gives up on a silent one.
    pub ping_interval: Duration,
    pub idle_timeout: Duration,
    /// Sync updates (Step2/Update) and awareness updates one connection may send per second
    /// on average (a burst of `rate_burst` is allowed; 0 = no limit). Updates beyond close
    /// the connection; awareness beyond is dropped.
    pub updates_per_second: u32,
    pub awareness_per_second: u32,
    pub rate_burst: u32,
    /// Open sockets one signed-in user may hold on this relay.
    pub max_connections_per_user: usize,
    /// tungstenite buffers: its default read buffer is 128 KiB per connection. The read buffer
    /// is held for the connection's life and is also the most read per `read` call (and what
    /// tungstenite zero-fills before every read attempt): 512 bytes keeps an idle connection
    /// small (3.46 KB per socket against 3.97 KB with 1 KiB), while a large message costs more
    /// reads. The write
    /// buffer gathers the frames the writer coalesces per wake-up (flushed at this size or
    /// when the queue is empty); it is empty, and allocates nothing, until a frame is sent.
    pub read_buffer_bytes: usize,
    pub write_buffer_bytes: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_message_bytes: 8 * 1024 * 1024,
            send_queue_frames: 1024,
            send_queue_bytes: 8 * 1024 * 1024,
            relay_send_queue_bytes: 512 * 1024 * 1024,
            awareness: AwarenessBounds::default(),
            max_pending_boards: 64,
            max_pending_frames: 256,
            max_pending_bytes: 2 * 1024 * 1024,
            max_boards_per_socket: 1024,
            auth_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(90),
            updates_per_second: 1_000,
            awareness_per_second: 100,
            rate_burst: 5_000,
            max_connections_per_user: 32,
            read_buffer_bytes: 512,
            write_buffer_bytes: 8 * 1024,
        }
    }
}

/// Bounds on awareness (presence): the room's rules, `relay_core::awareness`.
pub use relay_core::AwarenessBounds;

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub limits: ConnectionLimits,
    pub frame_limits: Limits,
    pub update_limits: UpdateLimits,
    pub commit: GroupCommitConfig,
    /// Log rows after a board's snapshot that trigger compaction.
    pub compact_after_updates: u64,
    /// Days task history is kept (`crate::history::retain`); 0 keeps it forever.
    pub history_days: u32,
    /// How long shutdown waits for clients to be told and commits to be flushed.
    pub shutdown_grace: Duration,
    pub accounts: crate::api::AccountsConfig,
    /// Bounds at the edge, before a client has authenticated (hashing, per-address limits,
    /// header and body timeouts, failed Auths per socket).
    pub admission: crate::admission::AdmissionConfig,
    /// A direct PostgreSQL URL for LISTEN when the relay's DATABASE_URL goes through a
    /// transaction-mode pooler (which cannot hold a LISTEN session). `None`: the relay's pool.
    pub listen_database_url: Option<String>,
    /// Attachments: where their bytes go, size limit, per-board quota, collection.
    pub blobs: crate::blobs::BlobConfig,
}

impl ServerConfig {
    /// What each connection's protocol session works within.
    pub fn session_limits(&self) -> SessionLimits {
        let limits = &self.limits;
        SessionLimits {
            frame_limits: self.frame_limits.clone(),
            update_limits: self.update_limits.clone(),
            awareness: limits.awareness.clone(),
            max_pending_boards: limits.max_pending_boards,
            max_pending_frames: limits.max_pending_frames,
            max_pending_bytes: limits.max_pending_bytes,
            max_boards_per_socket: limits.max_boards_per_socket,
            max_failed_auths: self.admission.max_failed_auths_per_socket,
            updates_per_second: limits.updates_per_second,
            awareness_per_second: limits.awareness_per_second,
            rate_burst: limits.rate_burst,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        let limits = ConnectionLimits::default();
        Self {
            frame_limits: Limits {
                max_frame_bytes: limits.max_message_bytes,
                ..Limits::default()
            },
            update_limits: UpdateLimits {
                max_update_bytes: limits.max_message_bytes,
                ..UpdateLimits::default()
            },
            limits,
            commit: GroupCommitConfig::default(),
            compact_after_updates: 1_000,
            history_days: 0,
            shutdown_grace: Duration::from_secs(8),
            accounts: crate::api::AccountsConfig::default(),
            admission: crate::admission::AdmissionConfig::default(),
            listen_database_url: None,
            blobs: crate::blobs::BlobConfig::default(),
        }
    }
}
