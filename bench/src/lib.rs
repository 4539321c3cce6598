//! Tack relay load generator: scenario runner, client tasks, timestamped updates, histograms.
//!
//! - [`attack`]: issue 15's attacks against a relay binary (`tack-attack`).
//! - [`payload`]: real yrs v1 updates carrying the send time, and extracting it back.
//! - [`stats`]: HDR histogram summaries (p50/p95/p99/max).
//! - [`client`]: one WebSocket client per tokio task (multiplexed `/sync` or y-websocket).
//! - [`scenario`]: fan-out, durable-ack latency and throughput runs, and their reports.
//! - [`idle`]: connection capacity, many boards, reconnect storm.
//! - [`plot`]: SVG bar charts of `bench/compare.sh` results.

pub mod attack;
pub mod client;
pub mod idle;
pub mod payload;
pub mod plot;
pub mod scenario;
pub mod spread;
pub mod stats;
