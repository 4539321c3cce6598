//! Prometheus metrics of one relay instance, served at `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: &'static str,
}

pub struct Metrics {
    registry: Registry,
    pub connections: Gauge,
    pub connections_total: Counter,
    pub rooms: Gauge,
    pub frames_in: Family<KindLabel, Counter>,
    pub bytes_in: Counter,
    pub frames_out: Counter,
    pub bytes_out: Counter,
    pub rejected: Family<ReasonLabel, Counter>,
    pub slow_consumer_disconnects: Counter,
    /// Bytes queued towards clients and not yet written, across the relay (the send queues'
    /// shared budget counts on it).
    pub send_queue_bytes: Gauge,
    /// From receiving an update to handing it to every other subscriber's queue (once its
    /// commit has committed: it includes the commit).
    pub fanout_seconds: Histogram,
    /// From receiving an update to its COMMIT (what the sender waits for SyncStatus).
    pub ack_seconds: Histogram,
    pub commit_batch_updates: Histogram,
    pub compactions: Counter,
    /// From another instance's announcement (made inside its commit) to its arrival here.
    pub cluster_notify_lag_seconds: Histogram,
    /// Log rows other instances committed, as announced to this one.
    pub cluster_rows_received: Counter,
    /// Reads of the log for other instances' commits (announced, or missed).
    pub cluster_catch_ups: Counter,
    /// Announcements on the cluster channels dropped: missing or wrong authentication, or a
    /// stale (replayed) awareness announcement. Anyone who may connect can NOTIFY.
    pub cluster_announcements_rejected: Counter,
    /// Times the LISTEN connection was re-established.
    pub cluster_listen_reconnects: Counter,
    /// Group-commit transaction time.
    pub commit_seconds: Histogram,
    /// Board syncs that start from a non-empty state vector: a client coming back.
    pub reconnects: Counter,
    /// Concurrent writes to one task field (see `crate::conflicts`).
    pub concurrent_field_writes: Counter,
    /// Bytes received, by frame kind.
    pub bytes_in_by_kind: Family<KindLabel, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("tack_relay");
        let latency = || Histogram::new(exponential_buckets(0.000_05, 2.0, 18));
        let m = Self {
            connections: Gauge::default(),
            connections_total: Counter::default(),
            rooms: Gauge::default(),
            frames_in: Family::default(),
            bytes_in: Counter::default(),
            frames_out: Counter::default(),
            bytes_out: Counter::default(),
            rejected: Family::default(),
            slow_consumer_disconnects: Counter::default(),
            send_queue_bytes: Gauge::default(),
            fanout_seconds: latency(),
            ack_seconds: latency(),
            commit_batch_updates: Histogram::new(exponential_buckets(1.0, 2.0, 12)),
            compactions: Counter::default(),
            cluster_notify_lag_seconds: latency(),
            cluster_rows_received: Counter::default(),
            cluster_catch_ups: Counter::default(),
            cluster_announcements_rejected: Counter::default(),
            cluster_listen_reconnects: Counter::default(),
            commit_seconds: latency(),
            reconnects: Counter::default(),
            concurrent_field_writes: Counter::default(),
            bytes_in_by_kind: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "connections",
            "Open WebSocket connections",
            m.connections.clone(),
        );
        registry.register(
            "connections_opened",
            "WebSocket connections accepted",
            m.connections_total.clone(),
        );
        registry.register("rooms", "Boards loaded in memory", m.rooms.clone());
        registry.register(
            "frames_received",
            "Frames received, by kind",
            m.frames_in.clone(),
        );
        registry.register(
            "bytes_received",
            "Bytes received in frames",
            m.bytes_in.clone(),
        );
        registry.register(
            "frames_sent",
            "Frames queued to clients",
            m.frames_out.clone(),
        );
        registry.register("bytes_sent", "Bytes queued to clients", m.bytes_out.clone());
        registry.register(
            "rejected_frames",
            "Frames refused, by reason",
            m.rejected.clone(),
        );
        registry.register(
            "slow_consumer_disconnects",
            "Clients disconnected because their send queue (or the relay's) was full",
            m.slow_consumer_disconnects.clone(),
        );
        registry.register(
            "send_queue_bytes",
            "Bytes queued towards clients, not yet written to their sockets",
            m.send_queue_bytes.clone(),
        );
        registry.register(
            "fanout_seconds",
            "Receive-to-enqueue time of a broadcast update (after its commit)",
            m.fanout_seconds.clone(),
        );
        registry.register(
            "ack_seconds",
            "Receive-to-durable-commit time of an update",
            m.ack_seconds.clone(),
        );
        registry.register(
            "commit_batch_updates",
            "Updates per group-commit transaction",
            m.commit_batch_updates.clone(),
        );
        registry.register(
            "compactions",
            "Board logs folded into snapshots",
            m.compactions.clone(),
        );
        registry.register(
            "cluster_notify_lag_seconds",
            "Commit announcement to arrival at this instance",
            m.cluster_notify_lag_seconds.clone(),
        );
        registry.register(
            "cluster_rows_received",
            "Log rows announced by other instances",
            m.cluster_rows_received.clone(),
        );
        registry.register(
            "cluster_catch_ups",
            "Log reads for other instances' commits",
            m.cluster_catch_ups.clone(),
        );
        registry.register(
            "cluster_announcements_rejected",
            "Cluster announcements dropped: unauthenticated or stale",
            m.cluster_announcements_rejected.clone(),
        );
        registry.register(
            "cluster_listen_reconnects",
            "LISTEN connections re-established",
            m.cluster_listen_reconnects.clone(),
        );
        registry.register(
            "commit_seconds",
            "Group-commit transaction time",
            m.commit_seconds.clone(),
        );
        registry.register(
            "reconnects",
            "Board syncs starting from a non-empty state vector (a client coming back)",
            m.reconnects.clone(),
        );
        registry.register(
            "concurrent_field_writes",
            "Concurrent writes to one task field (conflicts), counted off the hot path",
            m.concurrent_field_writes.clone(),
        );
        registry.register(
            "bytes_received_by_kind",
            "Bytes received in frames, by kind",
            m.bytes_in_by_kind.clone(),
        );
        Self { registry, ..m }
    }
}

impl Metrics {
    pub fn reject(&self, reason: &'static str) {
        self.rejected.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// Counts `count` refusals at once (entries of one message).
    pub fn reject_many(&self, reason: &'static str, count: usize) {
        if count > 0 {
            self.rejected
                .get_or_create(&ReasonLabel { reason })
                .inc_by(count as u64);
        }
    }

    pub fn frame_in(&self, kind: &'static str, bytes: usize) {
        self.frames_in.get_or_create(&KindLabel { kind }).inc();
        self.bytes_in_by_kind
            .get_or_create(&KindLabel { kind })
            .inc_by(bytes as u64);
        self.bytes_in.inc_by(bytes as u64);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
