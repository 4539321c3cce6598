//! What the UI is built and tested against is generated from Rust, and the committed copies are
//! current: the IPC types, command table and wrappers (`tack::bindings`), and the sessions
//! recorded from the real shell that the UI's tests replay (`recorded`).
//! `UPDATE_BINDINGS=1 cargo test -p tack --test it bindings` rewrites them all.

use std::path::{Path, PathBuf};

/// Writes `files` under `UPDATE_BINDINGS`, else fails on the first stale one.
fn check(files: Vec<(PathBuf, String)>) {
    let update = std::env::var_os("UPDATE_BINDINGS").is_some();
    for (path, fresh) in files {
        if update {
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(&path, &fresh).expect("write");
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is stale or missing: run `UPDATE_BINDINGS=1 cargo test -p tack --test it \
             bindings` and commit the result",
            path.display()
        );
    }
}

#[test]
fn committed_ipc_bindings_match_the_rust_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(tack::bindings::BINDINGS_PATH);
    check(vec![(path, tack::bindings::typescript())]);
}

#[test]
fn committed_recorded_sessions_match_the_real_shell() {
    check(crate::recorded::record_all());
}
