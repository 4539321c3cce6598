//! `tackctl sync` and `tackctl status` against a real relay (in this process) on PostgreSQL;
//! `tackctl sync --watch` SIGKILLed mid-stream loses nothing.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use sync_server::auth::{Access, AllowAnonymous, Verdict, Verifier};
use sync_server::config::ServerConfig;
use sync_server::server::RelayServer;
use sync_server::storage::Storage;
use test_support::postgres::TestDatabase;

use crate::Ctl;

/// A relay serving `database_url` on 127.0.0.1 for as long as `runtime` lives.
pub(crate) fn start_relay(runtime: &tokio::runtime::Runtime, database_url: &str) -> SocketAddr {
    start_relay_with(runtime, database_url, Arc::new(AllowAnonymous))
}

/// Serves every token read-only: the relay refuses every write (SyncStatus 0).
struct EveryoneViews;

impl Verifier for EveryoneViews {
    fn verify<'a>(&'a self, _token: &'a str, _board: &'a str) -> Verdict<'a> {
        Box::pin(async { Ok(Access::ReadOnly.into()) })
    }
}

fn start_relay_with(
    runtime: &tokio::runtime::Runtime,
    database_url: &str,
    verifier: Arc<dyn Verifier>,
) -> SocketAddr {
    let url = database_url.to_owned();
    runtime.block_on(async move {
        let storage = Storage::connect(Some(&url), std::path::Path::new("unused.sqlite3"))
            .await
            .expect("relay storage");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let relay = RelayServer::new(storage, verifier, ServerConfig::default());
        tokio::spawn(relay.serve(listener, std::future::pending()));
        addr
    })
}

fn pending(ctl: &Ctl, board: &str) -> u64 {
    let rows: Value = ctl.json(&["status", "--json"]);
    rows.as_array()
        .expect("rows")
        .iter()
        .find(|row| row["id"] == board)
        .and_then(|row| row["pending"].as_u64())
        .expect("board row")
}

#[test]
fn a_killed_watch_resends_its_unacknowledged_edits_on_restart() {
    let database = TestDatabase::create();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let url = format!("ws://{}", start_relay(&runtime, &database.url));
    let ctl = Ctl::new();
    let board = ctl.ok(&["board", "create", "Crash test"]);
    ctl.ok(&["column", "add", &board, "Todo"]);
    let status = ctl.ok(&["status"]);
    assert!(
        status.contains("2 pending") && status.contains("never synced"),
        "{status}"
    );

    let mut watch = Command::new(env!("CARGO_BIN_EXE_tackctl"))
        .arg("--data-dir")
        .arg(ctl.dir.path())
        .args(["sync", "--server", &url, "--watch", "--poll-ms", "20"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tackctl sync --watch");
    let stdout = watch.stdout.take().expect("stdout");
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_line = |wanted: &str| loop {
        let line = lines
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no {wanted:?} from tackctl sync --watch"));
        if line.contains(wanted) {
            break;
        }
    };
    wait_line("synced");

    // Edits stream in (other tackctl processes) while the watcher sends them; then SIGKILL.
    for n in 0..20 {
        ctl.ok(&["task", "add", &board, "Todo", &format!("task {n}")]);
    }
    watch.kill().expect("SIGKILL");
    let _ = watch.wait();
    for n in 20..25 {
        ctl.ok(&["task", "add", &board, "Todo", &format!("task {n}")]);
    }
    assert!(
        pending(&ctl, &board) >= 5,
        "edits after the kill wait in the outbox"
    );

    // Restarted, one-shot: it re-sends what was not acknowledged and exits once it is.
    ctl.ok(&["sync", "--server", &url]);
    assert_eq!(pending(&ctl, &board), 0);
    let status = ctl.ok(&["status"]);
    assert!(
        status.contains("0 pending") && status.contains("synced 20"),
        "{status}"
    );

    // Another computer fetches the board by id: all 25 tasks, once each.
    let other = Ctl::new();
    other.ok(&["sync", "--server", &url, "--board", &board]);
    let shown = other.ok(&["board", "show", &board]);
    for n in 0..25 {
        let line = format!("- task {n}");
        let count = shown.lines().filter(|l| *l == line).count();
        assert_eq!(count, 1, "task {n} once in\n{shown}");
    }
    assert_eq!(shown, ctl.ok(&["board", "show", &board]));
}

#[test]
fn sync_fails_when_the_relay_serves_a_board_read_only_and_status_says_why() {
    let database = TestDatabase::create();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let addr = start_relay_with(&runtime, &database.url, Arc::new(EveryoneViews));
    let url = format!("ws://{addr}");
    let ctl = Ctl::new();
    let board = ctl.ok(&["board", "create", "Not mine"]);
    ctl.ok(&["column", "add", &board, "Todo"]);

    let sentence =
        "Read-only access: 2 local changes could not be saved to the server and are kept on \
         this computer";
    // A token is base64url and may start with '-': it is a value, not a flag (one in 64 of
    // the relay's tokens did, and `--token -3fO…` failed as an unknown argument).
    let err = ctl.fails(&[
        "sync",
        "--server",
        &url,
        "--token",
        "-3fO33",
        "--timeout",
        "60",
    ]);
    assert!(err.contains(&format!("board {board}: {sentence}")), "{err}");
    assert_eq!(pending(&ctl, &board), 2, "the refused changes are kept");
    let status = ctl.ok(&["status"]);
    assert!(status.contains(sentence), "{status}");
    let rows: Value = ctl.json(&["status", "--json"]);
    assert_eq!(rows[0]["readOnly"], true, "{rows}");
}

#[test]
fn sync_refuses_a_server_that_is_not_a_relay_and_names_it() {
    // An HTTP server that answers 404 to everything: not a Tack relay.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut stream in listener.incoming().map_while(Result::ok).take(50) {
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    let ctl = Ctl::new();
    ctl.ok(&["board", "create", "Lonely"]);
    let err = ctl.fails(&[
        "sync",
        "--server",
        &format!("ws://{addr}"),
        "--timeout",
        "20",
    ]);
    assert!(
        err.contains("incompatible server") && err.contains("404"),
        "{err}"
    );
}

/// A relay with accounts (sessions and memberships checked at every Auth), as production runs.
fn start_account_relay(runtime: &tokio::runtime::Runtime, database_url: &str) -> SocketAddr {
    let owner = database_url.to_owned();
    runtime.block_on(async move {
        Storage::migrate_postgres(&owner)
            .await
            .expect("migrate as owner");
        let relay_url = format!("{owner}?options=-c%20role%3Dtack_relay");
        let storage = Storage::connect_with(
            Some(&relay_url),
            std::path::Path::new("unused.sqlite3"),
            false,
        )
        .await
        .expect("connect as the relay's role");
        serve_with_accounts(storage).await
    })
}

#[test]
fn sync_without_a_token_sends_the_signed_in_accounts_keychain_token() {
    let database = TestDatabase::create();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let addr = start_account_relay(&runtime, &database.url);
    let server = format!("http://{addr}");
    let api = tack_account::RelayClient::new(&server).expect("server");
    let session = api
        .signup("ana@example.com", "correct horse battery")
        .expect("sign up");
    let ctl = Ctl::new();
    let board = ctl.ok(&["board", "create", "Shared plan"]);
    ctl.ok(&["column", "add", &board, "Todo"]);
    api.clone()
        .with_token(&session.token)
        .publish(&board)
        .expect("publish");
    assert_eq!(pending(&ctl, &board), 2);

    // Log in (token to a real Secret Service), then sync with no --token and no TACK_TOKEN:
    // the relay admits only a member's session, so everything acknowledged proves the
    // keychain token was sent.
    let home = tempfile::tempdir().expect("home");
    let script = r#"
        set -e
        printf 'test-keyring-password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        printf 'correct horse battery\n' | "$TACKCTL" --data-dir "$DATA" login --server "$SERVER" --email ana@example.com --password-stdin
        "$TACKCTL" --data-dir "$DATA" sync --server "$SYNC" --timeout 30
    "#;
    let output = crate::account::in_keyring_session(script, home.path())
        .env_remove("TACK_TOKEN")
        .env("DATA", ctl.dir.path())
        .env("SERVER", &server)
        .env("SYNC", format!("ws://{addr}"))
        .output()
        .expect("run dbus-run-session (scripts/setup.sh installs dbus and gnome-keyring)");
    assert!(
        output.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        pending(&ctl, &board),
        0,
        "the relay acknowledged everything"
    );
}

#[test]
fn comments_cross_a_real_relay_and_offline_ones_merge() {
    let database = TestDatabase::create();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let url = format!("ws://{}", start_relay(&runtime, &database.url));
    let ana = Ctl::new();
    let board = ana.ok(&["board", "create", "Launch"]);
    ana.ok(&["column", "add", &board, "Todo"]);
    let task = ana.ok(&["task", "add", &board, "Todo", "Book the venue"]);
    ana.ok(&["comment", "add", &board, &task, "Two options: A or B"]);
    ana.ok(&["sync", "--server", &url]);

    // Bo's computer fetches the board: the conversation comes with it.
    let bo = Ctl::new();
    bo.ok(&["sync", "--server", &url, "--board", &board]);
    let seen = bo.json(&["comment", "list", &board, &task, "--json"]);
    assert_eq!(seen[0]["body"], "Two options: A or B");
    let author = seen[0]["authorName"].as_str().expect("name");
    assert!(author.starts_with("member "), "not Bo's own: {author}");

    // Both comment while apart, then sync: both see both, in time order, once each.
    bo.ok(&[
        "comment",
        "add",
        &board,
        &task,
        "B is closer to the station",
    ]);
    ana.ok(&["comment", "add", &board, &task, "A is cheaper"]);
    bo.ok(&["sync", "--server", &url]);
    ana.ok(&["sync", "--server", &url]);
    bo.ok(&["sync", "--server", &url]);
    let bodies = |ctl: &Ctl| -> Vec<String> {
        ctl.json(&["comment", "list", &board, &task, "--json"])
            .as_array()
            .expect("comments")
            .iter()
            .map(|c| c["body"].as_str().expect("body").to_owned())
            .collect()
    };
    let on_ana = bodies(&ana);
    assert_eq!(on_ana.len(), 3, "{on_ana:?}");
    assert_eq!(on_ana, bodies(&bo));
    assert_eq!(on_ana[0], "Two options: A or B");
}

/// `tackctl sync` (signed in, or with a token) caches each synced board's member list, so
/// `--assign` resolves a teammate by email or name, and `board show` names them.
#[test]
fn sync_caches_the_member_directory_and_assign_finds_teammates() {
    let database = TestDatabase::create();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let addr = start_account_relay(&runtime, &database.url);
    let server = format!("http://{addr}");
    let api = tack_account::RelayClient::new(&server).expect("server");
    let ana = api
        .signup("ana@example.com", "correct horse battery")
        .expect("sign up ana");
    let bo = api
        .signup("bo@example.com", "correct horse battery")
        .expect("sign up bo");
    let ctl = Ctl::new();
    let board = ctl.ok(&["board", "create", "Shared plan"]);
    ctl.ok(&["column", "add", &board, "Todo"]);
    ctl.ok(&["task", "add", &board, "Todo", "Book the venue"]);
    let as_ana = api.clone().with_token(&ana.token);
    as_ana.publish(&board).expect("publish");
    as_ana
        .add_member(&board, "bo@example.com", tack_api::Role::Editor)
        .expect("share with bo");

    // Before a sync, Bo is not in this computer's directory.
    let err = ctl.fails(&["task", "edit", &board, "book", "--assign", "bo@example.com"]);
    assert!(err.contains("no member of this board matches"), "{err}");

    ctl.ok(&[
        "sync",
        "--server",
        &format!("ws://{addr}"),
        "--token",
        &ana.token,
        "--timeout",
        "30",
    ]);
    ctl.ok(&["task", "edit", &board, "book", "--assign", "bo@example.com"]);
    let task = ctl.json(&["task", "show", &board, "book", "--json"]);
    assert_eq!(
        task["assignees"],
        serde_json::json!([bo.account.user_id]),
        "stored as Bo's member id"
    );
    let shown = ctl.ok(&["board", "show", &board]);
    assert!(shown.contains("- Book the venue @bo"), "{shown}");
}

#[test]
fn task_history_names_the_teammate_behind_each_change_and_restores_theirs() {
    let database = TestDatabase::create();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let addr = start_account_relay(&runtime, &database.url);
    let http = format!("http://{addr}");
    let ws = format!("ws://{addr}");
    let api = tack_account::RelayClient::new(&http).expect("client");
    let alice = api
        .signup("alice@example.com", "correct horse")
        .expect("alice");
    let bob = api.signup("bob@example.com", "correct horse").expect("bob");

    // Alice makes a board and shares it with Bob; both sync.
    let ana = Ctl::new();
    let board = ana.ok(&["board", "create", "Shared plan"]);
    ana.ok(&["column", "add", &board, "Todo"]);
    let task = ana.ok(&["task", "add", &board, "Todo", "Write"]);
    let as_alice = api.clone().with_token(&alice.token);
    as_alice.publish(&board).expect("publish");
    as_alice
        .add_member(&board, "bob@example.com", tack_account::Role::Editor)
        .expect("add bob");
    let sync = |ctl: &Ctl, token: &str, board_arg: Option<&str>| {
        let mut args = vec!["sync", "--server", &ws, "--token", token];
        if let Some(b) = board_arg {
            args.extend(["--board", b]);
        }
        ctl.ok(&args);
    };
    // Published: the board records its relay, as the desktop's sharing does.
    board_store::Store::open_in_dir(ana.dir.path())
        .expect("store")
        .set_board_server(&board, Some(&http), Some("owner"))
        .expect("record the relay");
    sync(&ana, &alice.token, None);
    let bo = Ctl::new();
    sync(&bo, &bob.token, Some(&board));

    // Bob renames the task; Alice syncs, then renames it too but does not sync yet.
    bo.ok(&["task", "edit", &board, &task, "--title", "Bob's title"]);
    sync(&bo, &bob.token, None);
    sync(&ana, &alice.token, None);
    ana.ok(&["task", "edit", &board, &task, "--title", "Alice's title"]);

    let history = |ctl: &Ctl, token: &str, extra: &[&str]| -> Value {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tackctl"));
        command
            .arg("--data-dir")
            .arg(ctl.dir.path())
            .args(["task", "history", &board, &task, "--json"])
            .args(extra)
            .env("TACK_USER", "tester")
            .env("TACK_TOKEN", token);
        let out = command.output().expect("run tackctl");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let rows = history(&ana, &alice.token, &[]);
    let seen: Vec<(String, String, bool)> = rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["field"].as_str().unwrap_or("").to_owned(),
                r["author"].as_str().unwrap_or("").to_owned(),
                r["synced"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "title".to_owned(),
                rows[0]["author"].as_str().unwrap_or("").to_owned(),
                false
            ),
            ("title".to_owned(), bob.account.user_id.clone(), true),
            ("created".to_owned(), alice.account.user_id.clone(), true),
        ],
        "{rows:#}"
    );
    // Mine, not yet on the relay: shown first, as me.
    assert!(rows[0]["id"].as_str().unwrap_or("").starts_with('l'));
    assert_eq!(rows[0]["authorName"], "tester");
    assert_eq!(rows[1]["value"], "Bob's title");

    // Alice restores Bob's title from the relay's entry: one undoable edit.
    let bobs = rows[1]["id"].as_str().expect("id").to_owned();
    let restored = Command::new(env!("CARGO_BIN_EXE_tackctl"))
        .arg("--data-dir")
        .arg(ana.dir.path())
        .args(["task", "restore", &board, &task, &bobs])
        .env("TACK_TOKEN", &alice.token)
        .output()
        .expect("restore");
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let shown = ana.json(&["task", "show", &board, &task, "--json"]);
    assert_eq!(shown["title"], "Bob's title");
    ana.ok(&["undo", &board]);
    let shown = ana.json(&["task", "show", &board, &task, "--json"]);
    assert_eq!(shown["title"], "Alice's title");

    // After syncing, Alice's change is named by the relay too; without a token the relay's
    // history is out of reach and her own changes show.
    sync(&ana, &alice.token, None);
    let rows = history(&ana, &alice.token, &[]);
    assert!(
        rows.as_array()
            .expect("rows")
            .iter()
            .all(|r| r["synced"] == true),
        "{rows:#}"
    );
    assert!(
        rows[0]["id"].as_str().unwrap_or("").starts_with('r'),
        "{rows:#}"
    );
    // With the relay out of reach (here: a token it refuses), the page last fetched still
    // names who did what.
    let cached = history(&ana, "not-a-valid-token", &[]);
    assert_eq!(cached, rows, "the cached page");
    let offline = history(&bo, "", &[]);
    assert!(
        offline
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["id"].as_str().unwrap_or("").starts_with('l')),
        "{offline:#}"
    );
}

/// A relay with accounts on an embedded SQLite file (a single node), as `tack-relay` runs
/// without `--database-url`.
fn start_sqlite_account_relay(
    runtime: &tokio::runtime::Runtime,
    file: &std::path::Path,
) -> SocketAddr {
    let file = file.to_owned();
    runtime.block_on(async move {
        let storage = Storage::connect_with(None, &file, false)
            .await
            .expect("relay storage on SQLite");
        serve_with_accounts(storage).await
    })
}

/// Serves `storage` on 127.0.0.1, checking accounts' sessions and memberships at every Auth.
async fn serve_with_accounts(storage: Storage) -> SocketAddr {
    let verifier = Arc::new(sync_server::accounts::AccountVerifier::new(storage.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let relay = RelayServer::new(storage, verifier, ServerConfig::default());
    tokio::spawn(relay.serve(listener, std::future::pending()));
    addr
}

/// Two signed-in accounts talk about a task through a real relay: each sees the other's
/// comments under their name and the mentions as members; a viewer reads the conversation but
/// cannot post; a stranger gets none of it.
fn a_conversation_between_two_accounts(addr: SocketAddr) {
    let http = format!("http://{addr}");
    let ws = format!("ws://{addr}");
    let api = tack_account::RelayClient::new(&http).expect("client");
    let signup = |email: &str| api.signup(email, "correct horse battery").expect("sign up");
    let (ana, bo, cy, dee) = (
        signup("ana@example.com"),
        signup("bo@example.com"),
        signup("cy@example.com"),
        signup("dee@example.com"),
    );
    // Each computer is signed in (account.json; the token is passed to sync as it would be
    // read from the keychain).
    let computer = |session: &tack_account::NewSession| {
        let ctl = Ctl::new();
        tack_account::write_account(ctl.dir.path(), &session.account).expect("sign in");
        ctl
    };
    let sync = |ctl: &Ctl, session: &tack_account::NewSession, board: Option<&str>| {
        let mut args = vec![
            "sync",
            "--server",
            &ws,
            "--token",
            &session.token,
            "--timeout",
            "30",
        ];
        if let Some(board) = board {
            args.extend(["--board", board]);
        }
        ctl.run(&args)
    };

    let on_ana = computer(&ana);
    let board = on_ana.ok(&["board", "create", "Launch"]);
    on_ana.ok(&["column", "add", &board, "Todo"]);
    let task = on_ana.ok(&["task", "add", &board, "Todo", "Book the venue"]);
    let as_ana = api.clone().with_token(&ana.token);
    as_ana.publish(&board).expect("publish");
    as_ana
        .add_member(&board, "bo@example.com", tack_api::Role::Editor)
        .expect("share with Bo");
    as_ana
        .add_member(&board, "cy@example.com", tack_api::Role::Viewer)
        .expect("share with Cy, read-only");
    assert!(sync(&on_ana, &ana, None).status.success());
    // After the sync the directory knows Bo, so `@bo` is stored as his id.
    on_ana.ok(&["comment", "add", &board, &task, "@bo can you call them?"]);
    assert!(sync(&on_ana, &ana, None).status.success());

    let on_bo = computer(&bo);
    assert!(sync(&on_bo, &bo, Some(&board)).status.success());
    let seen = on_bo.json(&["comment", "list", &board, &task, "--json"]);
    assert_eq!(seen.as_array().map(Vec::len), Some(1), "{seen:#}");
    assert_eq!(seen[0]["author"], ana.account.user_id.as_str());
    assert_eq!(seen[0]["authorName"], "ana");
    assert_eq!(seen[0]["mentions"], serde_json::json!([bo.account.user_id]));
    assert_eq!(
        seen[0]["body"],
        format!("@[{}] can you call them?", bo.account.user_id)
    );
    let text = on_bo.ok(&["comment", "list", &board, &task]);
    assert!(
        text.contains("ana") && text.contains("@bo can you call them?"),
        "{text}"
    );

    // Bo answers, mentioning Ana; she sees it under his name.
    on_bo.ok(&[
        "comment",
        "add",
        &board,
        &task,
        "Done, @ana: Thursday works",
    ]);
    assert!(sync(&on_bo, &bo, None).status.success());
    assert!(sync(&on_ana, &ana, None).status.success());
    let seen = on_ana.json(&["comment", "list", &board, &task, "--json"]);
    assert_eq!(seen.as_array().map(Vec::len), Some(2), "{seen:#}");
    assert_eq!(seen[1]["author"], bo.account.user_id.as_str());
    assert_eq!(seen[1]["authorName"], "bo");
    assert_eq!(
        seen[1]["mentions"],
        serde_json::json!([ana.account.user_id])
    );

    // Cy, a viewer, reads the whole conversation, and her post is refused before it is stored.
    let on_cy = computer(&cy);
    assert!(sync(&on_cy, &cy, Some(&board)).status.success());
    let seen = on_cy.json(&["comment", "list", &board, &task, "--json"]);
    assert_eq!(seen.as_array().map(Vec::len), Some(2), "{seen:#}");
    let err = on_cy.fails(&["comment", "add", &board, &task, "Let me in"]);
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(pending(&on_cy, &board), 0, "nothing waits for the relay");

    // Dee, a stranger, gets no board and no comment.
    let on_dee = computer(&dee);
    let out = sync(&on_dee, &dee, Some(&board));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a stranger's sync fails: {said}");
    let boards = on_dee.json(&["board", "list", "--json"]);
    let listed = boards.as_array().expect("boards");
    assert!(
        listed
            .iter()
            .all(|b| b["id"] != board.as_str() || b["tasks"] == 0),
        "{boards:#}"
    );
    let err = on_dee.run(&["comment", "list", &board, &task, "--json"]);
    let out = String::from_utf8_lossy(&err.stdout);
    assert!(
        !out.contains("Thursday") && !out.contains("call them"),
        "{out}"
    );
}

#[test]
fn two_accounts_talk_through_a_postgresql_relay_a_viewer_reads_a_stranger_gets_nothing() {
    let database = TestDatabase::create();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    a_conversation_between_two_accounts(start_account_relay(&runtime, &database.url));
}

#[test]
fn two_accounts_talk_through_a_sqlite_relay_a_viewer_reads_a_stranger_gets_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    a_conversation_between_two_accounts(start_sqlite_account_relay(
        &runtime,
        &dir.path().join("relay.sqlite3"),
    ));
}
