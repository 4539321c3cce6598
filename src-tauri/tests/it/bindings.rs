//! The UI's IPC types are generated from Rust and the committed copy is current.

use std::path::Path;

#[test]
fn committed_ipc_bindings_match_the_rust_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(tack::bindings::BINDINGS_PATH);
    let fresh = tack::bindings::typescript();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is stale or missing: run `UPDATE_BINDINGS=1 cargo test -p tack --test it bindings` \
         and commit the result",
        path.display()
    );
}
