//! The one integration-test binary of sync-protocol.

mod auth;
mod fuzz_replay;
mod golden;
mod guard;
mod hostile;
mod lib0;
mod properties;
mod real_updates;
