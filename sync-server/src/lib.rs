//! The Tack relay: where clients meet. Yjs-compatible sync over WebSockets, every acknowledged
//! update durable in PostgreSQL (or an embedded SQLite file for a single node).
//!
//! - `server`: the router (`app`), shared state and serving with graceful shutdown;
//! - `connection`: one task per socket, both framings, limits, ordered acknowledgements;
//! - `room`: the live copy of each open board and its fan-out;
//! - `storage` and `commit`: PostgreSQL/SQLite persistence and the group-commit writer;
//! - `blobs`: attachments' bytes (`/v1/boards/{board}/blobs/{sha256}`) on a directory,
//!   PostgreSQL or S3, with their quota and collection;
//! - `history`: per-task history, named by the relay, served on `/v1`;
//! - `cluster`: several relay instances on one PostgreSQL (commits and awareness by NOTIFY);
//! - `otlp`: traces over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set;
//! - `auth`: the pluggable verifier behind the protocol's Auth flow;
//! - `admission`: bounds at the edge before authentication (hashing, per-address limits);
//! - `accounts`, `api`, `revocation`: users, sessions, members and roles, the `/v1` JSON API,
//!   and closing channels when a membership ends;
//! - `invite_page`: the HTML page behind an invite link (`/invite/{token}`);
//! - `testing` (feature `testing`): a killable in-process relay for other crates' tests.

pub mod accounts;
pub mod admission;
pub mod api;
pub mod auth;
pub mod blobs;
pub mod cluster;
pub mod commit;
pub mod config;
pub mod conflicts;
pub mod connection;
pub mod history;
pub mod invite_page;
pub mod metrics;
pub mod openapi;
pub mod otlp;
pub mod read_marks;
pub mod revocation;
pub mod room;
pub mod server;
pub mod storage;
#[cfg(feature = "testing")]
pub mod testing;
