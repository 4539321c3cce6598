//! Helpers shared by Tack's tests: the real JavaScript Yjs libraries run with Node, fresh
//! PostgreSQL databases, a fault-injecting TCP proxy, an S3 server and a private X display.

pub mod daemon;
pub mod postgres;
pub mod proxy;
pub mod s3;
pub mod xvfb;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The npm fixture folder with the real `yjs` (and later y-websocket, Hocuspocus) installed.
///
/// Panics with the fix when it is not installed: interop tests must run, never skip.
pub fn js_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("js");
    assert!(
        dir.join("node_modules/yjs/package.json").exists(),
        "the JavaScript test fixtures are not installed: run `npm ci --prefix {}` \
         (scripts/test does this)",
        dir.display()
    );
    dir
}

/// Runs `node <script>` from the fixture folder with `stdin` and returns stdout; panics with
/// stderr when node fails.
pub fn run_node(script: &str, stdin: &[u8]) -> Vec<u8> {
    let dir = js_dir();
    let mut child = Command::new("node")
        .arg(dir.join(script))
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start node (is Node.js installed?): {e}"));
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(stdin)
            .unwrap_or_else(|e| panic!("writing to node: {e}"));
    }
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("waiting for node: {e}"));
    assert!(
        output.status.success(),
        "node {script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// A fresh data directory, removed when dropped.
pub fn temp_data_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("tack-test-")
        .tempdir()
        .unwrap_or_else(|e| panic!("creating a temporary directory: {e}"))
}
