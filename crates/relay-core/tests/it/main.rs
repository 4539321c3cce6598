//! relay-core's tests: the relay's protocol policy driven by scripts of frames, with no socket,
//! database or runtime (`harness.rs` plays the shell; `policy.rs` holds the scripts).

mod harness;
mod policy;
