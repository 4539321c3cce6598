//! `tackctl attach` end to end: a file attached offline reaches another account through a real
//! relay (accounts, a PostgreSQL database, a directory blob store) on an ephemeral port; the
//! bytes go up before the metadata naming them; a viewer's attachment waits, refused.

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::Value;
use sync_server::accounts::AccountVerifier;
use sync_server::blobs::{BlobBackend, BlobConfig};
use sync_server::config::ServerConfig;
use sync_server::server::RelayServer;
use sync_server::storage::Storage;
use tack_account::{RelayClient, Role};
use test_support::postgres::TestDatabase;

use crate::Ctl;

/// A relay with accounts on `database` storing blobs under `blob_dir`.
fn start_relay(
    runtime: &tokio::runtime::Runtime,
    database: &TestDatabase,
    blob_dir: &std::path::Path,
) -> SocketAddr {
    let url = database.url.clone();
    let blob_dir = blob_dir.to_path_buf();
    runtime.block_on(async move {
        Storage::migrate_postgres(&url).await.expect("migrate");
        let relay_url = format!("{url}?options=-c%20role%3Dtack_relay");
        let storage =
            Storage::connect_with(Some(&relay_url), std::path::Path::new("unused"), false)
                .await
                .expect("relay storage");
        let verifier = Arc::new(AccountVerifier::new(storage.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let config = ServerConfig {
            blobs: BlobConfig {
                backend: Some(BlobBackend::Directory(blob_dir)),
                ..BlobConfig::default()
            },
            ..ServerConfig::default()
        };
        let relay = RelayServer::new(storage, verifier, config);
        tokio::spawn(relay.serve(listener, std::future::pending()));
        addr
    })
}

fn bytes_of(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

#[test]
fn an_attachment_added_offline_reaches_another_account_with_its_bytes() {
    let database = TestDatabase::create();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let blob_dir = test_support::temp_data_dir();
    let addr = start_relay(&runtime, &database, blob_dir.path());
    let http = format!("http://{addr}");
    let ws = format!("ws://{addr}");
    let ana = RelayClient::new(&http)
        .expect("client")
        .signup("ana@example.com", "correct horse")
        .expect("ana");
    let ben = RelayClient::new(&http)
        .expect("client")
        .signup("ben@example.com", "correct horse")
        .expect("ben");
    let vic = RelayClient::new(&http)
        .expect("client")
        .signup("vic@example.com", "correct horse")
        .expect("vic");

    // Ana's board, with a file attached before it ever synced.
    let ana_ctl = Ctl::new();
    let board = ana_ctl.ok(&["board", "create", "Launch"]);
    ana_ctl.ok(&["column", "add", &board, "Todo"]);
    let task = ana_ctl.ok(&["task", "add", &board, "Todo", "Poster"]);
    let file = ana_ctl.dir.path().join("poster.png");
    let bytes = bytes_of(300_000);
    std::fs::write(&file, &bytes).expect("write the file");
    let attachment = ana_ctl.ok(&["attach", "add", &board, &task, file.to_str().expect("path")]);
    let listed = ana_ctl.json(&["attach", "list", &board, &task, "--json"]);
    assert_eq!(listed[0]["id"], Value::from(attachment.as_str()));
    assert_eq!(listed[0]["name"], "poster.png");
    assert_eq!(listed[0]["mime"], "image/png");
    assert_eq!(listed[0]["size"], 300_000);
    assert_eq!(listed[0]["local"], true);
    // The original can go: the profile keeps its own copy.
    std::fs::remove_file(&file).expect("remove the original");

    let owner = RelayClient::new(&http)
        .expect("client")
        .with_token(&ana.token);
    owner.publish(&board).expect("publish");
    owner
        .add_member(&board, "ben@example.com", Role::Editor)
        .expect("add ben");
    owner
        .add_member(&board, "vic@example.com", Role::Viewer)
        .expect("add vic");
    ana_ctl.ok(&["sync", "--server", &ws, "--token", &ana.token]);

    // Ben fetches the board, sees the attachment, and gets the same bytes on demand.
    let ben_ctl = Ctl::new();
    ben_ctl.ok(&[
        "sync", "--server", &ws, "--token", &ben.token, "--board", &board,
    ]);
    let seen = ben_ctl.json(&["attach", "list", &board, &task, "--json"]);
    assert_eq!(seen[0]["sha256"], listed[0]["sha256"]);
    assert_eq!(seen[0]["local"], false);
    let out = ben_ctl.dir.path().join("got.png");
    ben_ctl.ok(&[
        "attach",
        "get",
        &board,
        &task,
        "poster",
        "-o",
        out.to_str().expect("path"),
        "--server",
        &http,
        "--token",
        &ben.token,
    ]);
    assert!(
        std::fs::read(&out).expect("read") == bytes,
        "the bytes differ"
    );
    // Kept: listed as here now, and read again without the relay.
    let seen = ben_ctl.json(&["attach", "list", &board, &task, "--json"]);
    assert_eq!(seen[0]["local"], true);

    // A viewer's attachment is refused by the relay: it waits on vic's computer, the board's
    // changes with it, and the command says so.
    let vic_ctl = Ctl::new();
    vic_ctl.ok(&[
        "sync", "--server", &ws, "--token", &vic.token, "--board", &board,
    ]);
    let notes = vic_ctl.dir.path().join("notes.txt");
    std::fs::write(&notes, b"mine").expect("write");
    let refused = vic_ctl.run(&[
        "attach",
        "add",
        &board,
        &task,
        notes.to_str().expect("path"),
    ]);
    assert!(
        !refused.status.success(),
        "a viewer cannot edit the board locally either"
    );

    // Ben removes it; the metadata goes, Ana sees that after a sync.
    ben_ctl.ok(&["attach", "rm", &board, &task, "poster"]);
    ben_ctl.ok(&["sync", "--server", &ws, "--token", &ben.token]);
    ana_ctl.ok(&["sync", "--server", &ws, "--token", &ana.token]);
    let left = ana_ctl.json(&["attach", "list", &board, &task, "--json"]);
    assert_eq!(left, Value::Array(Vec::new()));
    drop(runtime);
}

/// A task copied to another board carries its files: the copy's board gets the bytes too
/// (each board's bytes are its own on the relay), fetched from the first board when the
/// computer that copies never downloaded them, so a member of the second board alone can open
/// them.
#[test]
fn a_task_copied_to_another_board_takes_its_files_there() {
    let database = TestDatabase::create();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let blob_dir = test_support::temp_data_dir();
    let addr = start_relay(&runtime, &database, blob_dir.path());
    let http = format!("http://{addr}");
    let ws = format!("ws://{addr}");
    let api = RelayClient::new(&http).expect("client");
    let ana = api.signup("ana@example.com", "correct horse").expect("ana");
    let ben = api.signup("ben@example.com", "correct horse").expect("ben");
    let as_ana = api.clone().with_token(&ana.token);

    // On Ana's laptop: a board with a file on a task, and a second board shared with Ben only.
    let laptop = Ctl::new();
    let first = laptop.ok(&["board", "create", "Launch"]);
    laptop.ok(&["column", "add", &first, "Todo"]);
    let task = laptop.ok(&["task", "add", &first, "Todo", "Poster"]);
    let file = laptop.dir.path().join("poster.png");
    let bytes = bytes_of(200_000);
    std::fs::write(&file, &bytes).expect("write the file");
    laptop.ok(&["attach", "add", &first, &task, file.to_str().expect("path")]);
    let second = laptop.ok(&["board", "create", "Print shop"]);
    laptop.ok(&["column", "add", &second, "Todo"]);
    as_ana.publish(&first).expect("publish");
    as_ana.publish(&second).expect("publish");
    as_ana
        .add_member(&second, "ben@example.com", Role::Editor)
        .expect("add ben");
    laptop.ok(&["sync", "--server", &ws, "--token", &ana.token]);

    // On Ana's desktop, which never fetched the file's bytes: copy the task to the second board.
    let desktop = Ctl::new();
    for board in [&first, &second] {
        desktop.ok(&[
            "sync", "--server", &ws, "--token", &ana.token, "--board", board,
        ]);
    }
    let listed = desktop.json(&["attach", "list", &first, &task, "--json"]);
    assert_eq!(listed[0]["local"], false, "{listed:#}");
    let copied = desktop.ok(&["task", "copy", &first, &task, "--to-board", &second]);
    let copied = copied.lines().next().unwrap_or_default().to_owned();
    desktop.ok(&["sync", "--server", &ws, "--token", &ana.token]);
    let status = desktop.json(&["status", "--json"]);
    assert!(
        status
            .as_array()
            .expect("rows")
            .iter()
            .all(|row| row["pending"] == 0),
        "everything reached the relay: {status:#}"
    );

    // Ben is a member of the second board only, and gets the same bytes from it.
    let ben_ctl = Ctl::new();
    ben_ctl.ok(&[
        "sync", "--server", &ws, "--token", &ben.token, "--board", &second,
    ]);
    let seen = ben_ctl.json(&["attach", "list", &second, &copied, "--json"]);
    assert_eq!(seen[0]["sha256"], listed[0]["sha256"], "{seen:#}");
    let out = ben_ctl.dir.path().join("got.png");
    ben_ctl.ok(&[
        "attach",
        "get",
        &second,
        &copied,
        "poster",
        "-o",
        out.to_str().expect("path"),
        "--server",
        &http,
        "--token",
        &ben.token,
    ]);
    assert!(
        std::fs::read(&out).expect("read") == bytes,
        "the bytes differ"
    );
}
