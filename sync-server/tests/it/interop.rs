//! Interop with the stock JavaScript clients, run with Node against an in-process relay next to
//! the Rust multiplexed client: y-websocket's `WebsocketProvider` on `/sync/{board}` and
//! `@hocuspocus/provider`'s `HocuspocusProvider` on `/sync`, each provider test once per
//! provider line (3.x and 4.x, installed side by side under npm aliases)
//! (`crates/test-support/js/interop-client.mjs` drives them and reports JSON lines).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use sync_protocol::lib0::write_var_string;
use sync_protocol::{
    AuthMessage, AuthScope, Limits, MuxFrame, MuxMessage, SyncMessage, YwsMessage,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::support::{set_of, stored_keys, Seen, TestRelay, BOTH};

/// How long a test waits for any one expected event from a JavaScript client (Node start-up
/// included).
const JS_WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsKind {
    /// y-websocket's `WebsocketProvider` on `/sync/{board}?token=`.
    YWebsocket,
    /// `@hocuspocus/provider`'s `HocuspocusProvider` on `/sync`.
    Hocuspocus(ProviderLine),
}

/// The `@hocuspocus/provider` release lines Tack serves (versions pinned in
/// `crates/test-support/js/package.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProviderLine {
    /// 3.4.x: Auth is `0 • varString(token)`; throws on a message type it does not know.
    V3,
    /// 4.8.x: Auth adds `varString(provider version)`; logs (does not throw) a message type it
    /// does not know, which `interop-client.mjs` reports as a `console-error` event.
    V4,
}

impl JsKind {
    /// The client kind `interop-client.mjs` takes as its first argument.
    fn arg(self) -> &'static str {
        match self {
            JsKind::YWebsocket => "yws",
            JsKind::Hocuspocus(ProviderLine::V3) => "hocuspocus-3",
            JsKind::Hocuspocus(ProviderLine::V4) => "hocuspocus-4",
        }
    }

    /// The npm package (an alias in package.json) that must be installed.
    fn package(self) -> &'static str {
        match self {
            JsKind::YWebsocket => "y-websocket",
            JsKind::Hocuspocus(ProviderLine::V3) => "hocuspocus-provider-3",
            JsKind::Hocuspocus(ProviderLine::V4) => "hocuspocus-provider-4",
        }
    }
}

/// A stock JavaScript client in a Node child process, with everything it reported so far.
struct JsClient {
    kind: JsKind,
    board: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Lines<BufReader<ChildStdout>>,
    stderr: Arc<Mutex<String>>,
    /// Every event, in order (frames included).
    events: Vec<Value>,
}

impl JsClient {
    async fn spawn(kind: JsKind, addr: SocketAddr, board: &str, token: &str) -> Self {
        let dir = test_support::js_dir();
        for package in [kind.package(), "ws"] {
            assert!(
                dir.join("node_modules").join(package).join("package.json").exists(),
                "{package} is not installed in {}: run `npm ci --prefix {}` (scripts/test does this)",
                dir.display(),
                dir.display()
            );
        }
        // y-websocket appends `/{board}?token=…` to its server URL.
        let url = format!("ws://{addr}/sync");
        let mut child = Command::new("node")
            .arg(dir.join("interop-client.mjs"))
            .args([kind.arg(), url.as_str(), board, token])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node (is Node.js installed?): {e}"));
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("node stdout")).lines();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_lines = BufReader::new(child.stderr.take().expect("node stderr")).lines();
        let sink = stderr.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = err_lines.next_line().await {
                let mut text = sink
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                text.push_str(&line);
                text.push('\n');
            }
        });
        Self {
            kind,
            board: board.to_owned(),
            child,
            stdin,
            stdout,
            stderr,
            events: Vec::new(),
        }
    }

    /// Waits (bounded) for the first event at index `from` or later that `matches`; returns
    /// its index. Panics with everything the client reported when it does not come.
    async fn wait_from(
        &mut self,
        from: usize,
        what: &str,
        matches: impl Fn(&Value) -> bool,
    ) -> usize {
        let deadline = tokio::time::Instant::now() + JS_WAIT;
        let mut checked = from;
        loop {
            if let Some(offset) = self
                .events
                .get(checked..)
                .and_then(|new| new.iter().position(&matches))
            {
                return checked + offset;
            }
            // A stock client that throws is broken from then on: say so at once.
            if self
                .events
                .get(checked..)
                .is_some_and(|new| new.iter().any(|e| e["event"] == "exception"))
            {
                self.fail(&format!("{what}: the stock client threw"));
            }
            checked = checked.max(self.events.len());
            match tokio::time::timeout_at(deadline, self.stdout.next_line()).await {
                Ok(Ok(Some(line))) => {
                    let event = serde_json::from_str(&line)
                        .unwrap_or_else(|e| panic!("node printed a non-JSON line {line:?}: {e}"));
                    self.events.push(event);
                }
                Ok(Ok(None) | Err(_)) => {
                    let exit = self.child.try_wait();
                    self.fail(&format!("{what}: node exited ({exit:?})"))
                }
                Err(_) => self.fail(&format!("{what}: not within {JS_WAIT:?}")),
            }
        }
    }

    async fn wait(&mut self, what: &str, matches: impl Fn(&Value) -> bool) -> usize {
        self.wait_from(0, what, matches).await
    }

    async fn wait_event(&mut self, name: &str) -> usize {
        self.wait(&format!("event {name}"), |e| e["event"] == name)
            .await
    }

    /// Waits until the client's map "m" holds exactly `expected`.
    async fn wait_keys(&mut self, expected: &BTreeSet<String>) {
        let what = format!("the JS client's keys become {expected:?}");
        self.wait(&what, |e| e["event"] == "state" && keys_in(e) == *expected)
            .await;
    }

    /// Waits for the end of the handshake: the client answered the relay's Step1 with its Step2
    /// (y-websocket), and got SyncStatus(1) for it, taking `unsyncedChanges` to 0 (Hocuspocus).
    async fn wait_handshake(&mut self) {
        match self.kind {
            JsKind::YWebsocket => {
                self.wait("the client's Step2", |e| {
                    e["event"] == "sent"
                        && matches!(
                            YwsMessage::decode(&hex_bytes(e), &Limits::default()),
                            Ok(YwsMessage::Sync(SyncMessage::Step2 { .. }))
                        )
                })
                .await
            }
            JsKind::Hocuspocus(_) => {
                self.wait("unsyncedChanges 0 after the handshake", |e| {
                    e["event"] == "unsynced" && e["number"] == 0
                })
                .await
            }
        };
    }

    /// The client's keys as of event `at` (its last `state` report at or before it).
    fn keys_at(&self, at: usize) -> BTreeSet<String> {
        self.events[..=at]
            .iter()
            .rev()
            .find(|e| e["event"] == "state")
            .map(keys_in)
            .unwrap_or_default()
    }

    async fn command(&mut self, command: Value) {
        let mut line = command.to_string();
        line.push('\n');
        let stdin = self.stdin.as_mut().expect("node stdin open");
        if let Err(e) = stdin.write_all(line.as_bytes()).await {
            self.fail(&format!("writing {command} to node: {e}"));
        }
    }

    /// Sets `keys` (each in its own transaction); returns the index of the `set-done` event.
    async fn set(&mut self, keys: &[&str]) -> usize {
        let from = self.events.len();
        self.command(json!({ "set": keys })).await;
        self.wait_from(from, "set-done", |e| e["event"] == "set-done")
            .await
    }

    /// Frames the relay sent this client, decoded, from event `from` on.
    fn received_from(&self, from: usize) -> Vec<MuxFrame> {
        self.events[from..]
            .iter()
            .filter(|e| e["event"] == "recv")
            .filter_map(|e| MuxFrame::decode(&hex_bytes(e), &Limits::default()).ok())
            .collect()
    }

    /// What the library threw, or logged with `console.error` (provider 4.x logs there what
    /// 3.x throws, e.g. a message type it cannot apply).
    fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["event"] == "exception" || e["event"] == "console-error")
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    fn assert_no_errors(&self) {
        if !self.errors().is_empty() {
            self.fail("the stock client threw or logged an error");
        }
    }

    /// Every event, frames decoded, and node's stderr, for failure messages.
    fn report(&self) -> String {
        let mut out = format!(
            "--- {:?} client on board {} reported:\n",
            self.kind, self.board
        );
        for event in &self.events {
            let name = event["event"].as_str().unwrap_or_default();
            if name == "sent" || name == "recv" {
                let bytes = hex_bytes(event);
                let decoded = match self.kind {
                    JsKind::Hocuspocus(_) => {
                        format!("{:?}", MuxFrame::decode(&bytes, &Limits::default()))
                    }
                    JsKind::YWebsocket => {
                        format!("{:?}", YwsMessage::decode(&bytes, &Limits::default()))
                    }
                };
                let hex = event["hex"].as_str().unwrap_or_default();
                let _ = writeln!(out, "  {name} {} = {}", clip(hex, 160), clip(&decoded, 200));
            } else {
                let _ = writeln!(out, "  {}", clip(&event.to_string(), 600));
            }
        }
        let stderr = self
            .stderr
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = write!(out, "--- node stderr:\n{stderr}");
        out
    }

    fn fail(&self, why: &str) -> ! {
        panic!("{why}\n{}", self.report());
    }

    /// Destroys the provider and waits (bounded) for node to exit.
    async fn finish(mut self) {
        self.command(json!({ "exit": true })).await;
        drop(self.stdin.take());
        match tokio::time::timeout(JS_WAIT, self.child.wait()).await {
            Ok(Ok(status)) if status.success() => {}
            outcome => self.fail(&format!("node did not exit cleanly: {outcome:?}")),
        }
        // What it printed before exiting counts too.
        while let Ok(Ok(Some(line))) = tokio::time::timeout(JS_WAIT, self.stdout.next_line()).await
        {
            if let Ok(event) = serde_json::from_str(&line) {
                self.events.push(event);
            }
        }
        self.assert_no_errors();
    }
}

fn keys_in(event: &Value) -> BTreeSet<String> {
    event["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn hex_bytes(event: &Value) -> Vec<u8> {
    let hex = event["hex"].as_str().unwrap_or_default();
    (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex from node"))
        .collect()
}

fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}… ({} chars)", &text[..cut], text.len()),
        None => text.to_owned(),
    }
}

#[tokio::test]
async fn ywebsocket_client_and_rust_client_converge() {
    const BOARD: &str = "0190a000-0000-7000-8000-0000000001a1";
    for kind in BOTH {
        let relay = TestRelay::start(kind).await;
        let mut rust = relay.client().await;
        assert_eq!(rust.open(BOARD, "editor").await, Ok(AuthScope::ReadWrite));
        rust.set(BOARD, "rust-1", "from rust").await;
        assert_eq!(rust.status(BOARD).await, Some(true), "{kind:?}");

        let mut js = JsClient::spawn(JsKind::YWebsocket, relay.addr, BOARD, "editor").await;
        let synced = js.wait_event("synced").await;
        assert_eq!(
            js.keys_at(synced),
            set_of(&["rust-1"]),
            "{kind:?}: state at synced\n{}",
            js.report()
        );
        js.wait_handshake().await;

        // JavaScript → Rust.
        js.set(&["js-1", "js-2"]).await;
        let three = set_of(&["rust-1", "js-1", "js-2"]);
        js.wait_keys(&three).await;
        assert!(
            rust.wait_keys(BOARD, &three).await,
            "{kind:?}: rust sees the JS edits\n{}",
            js.report()
        );

        // Rust → JavaScript.
        rust.set(BOARD, "rust-2", "from rust").await;
        assert_eq!(rust.status(BOARD).await, Some(true), "{kind:?}");
        let four = set_of(&["rust-1", "rust-2", "js-1", "js-2"]);
        js.wait_keys(&four).await;
        assert_eq!(rust.keys(BOARD), four, "{kind:?}");
        js.assert_no_errors();
        js.finish().await;

        // y-websocket has no acknowledgements: a graceful stop flushes the commit queue.
        let backend = relay.stop().await;
        let stored = stored_keys(&backend.storage().await, BOARD).await;
        assert_eq!(stored, four, "{kind:?}: the JS client's edits are stored");
    }
}

#[tokio::test]
async fn hocuspocus_3_provider_and_rust_client_converge() {
    hocuspocus_provider_and_rust_client_converge(ProviderLine::V3).await;
}

/// Provider 4.x sends `varString(version)` after its token; before the relay accepted it, this
/// closed the socket with 1007 "6 trailing byte(s) after a complete message".
#[tokio::test]
async fn hocuspocus_4_provider_and_rust_client_converge() {
    hocuspocus_provider_and_rust_client_converge(ProviderLine::V4).await;
}

async fn hocuspocus_provider_and_rust_client_converge(line: ProviderLine) {
    const BOARD: &str = "0190a000-0000-7000-8000-0000000001a2";
    for kind in BOTH {
        let relay = TestRelay::start(kind).await;
        let mut rust = relay.client().await;
        assert_eq!(rust.open(BOARD, "editor").await, Ok(AuthScope::ReadWrite));
        rust.set(BOARD, "rust-1", "from rust").await;
        assert_eq!(rust.status(BOARD).await, Some(true), "{kind:?}");

        let mut js = JsClient::spawn(JsKind::Hocuspocus(line), relay.addr, BOARD, "editor").await;
        let authenticated = js.wait_event("authenticated").await;
        assert_eq!(
            js.events[authenticated]["scope"],
            "read-write",
            "{kind:?}\n{}",
            js.report()
        );
        let synced = js.wait_event("synced").await;
        assert_eq!(
            js.keys_at(synced),
            set_of(&["rust-1"]),
            "{kind:?}: state at synced\n{}",
            js.report()
        );
        js.wait_handshake().await;

        // JavaScript → Rust.
        let done = js.set(&["js-1", "js-2"]).await;
        assert!(
            js.events[done]["unsynced"].as_u64() >= Some(2),
            "{kind:?}: two local edits are unsynced\n{}",
            js.report()
        );
        let three = set_of(&["rust-1", "js-1", "js-2"]);
        assert!(
            rust.wait_keys(BOARD, &three).await,
            "{kind:?}: rust sees the JS edits\n{}",
            js.report()
        );

        // Rust → JavaScript.
        rust.set(BOARD, "rust-2", "from rust").await;
        assert_eq!(rust.status(BOARD).await, Some(true), "{kind:?}");
        let four = set_of(&["rust-1", "rust-2", "js-1", "js-2"]);
        js.wait_keys(&four).await;

        // The provider counts an edit synced only on SyncStatus(1), which the relay sends only
        // after the commit: zero unsynced changes means the JS edits are durable.
        js.wait_from(
            done,
            "unsyncedChanges back to 0 (SyncStatus(1) for every edit)",
            |e| e["event"] == "unsynced" && e["number"] == 0,
        )
        .await;
        let storage = relay.backend.storage().await;
        let stored = stored_keys(&storage, BOARD).await;
        assert!(
            stored.contains("js-1") && stored.contains("js-2"),
            "{kind:?}: acknowledged JS edits are stored: {stored:?}"
        );
        js.assert_no_errors();
        js.finish().await;
        relay.stop().await;
    }
}

#[tokio::test]
async fn late_javascript_client_receives_full_state() {
    const BOARD: &str = "0190a000-0000-7000-8000-0000000001a3";
    let relay = TestRelay::start(crate::support::BackendKind::Sqlite).await;
    let mut rust = relay.client().await;
    assert_eq!(rust.open(BOARD, "editor").await, Ok(AuthScope::ReadWrite));
    let names: Vec<String> = (0..50).map(|i| format!("key-{i:02}")).collect();
    for name in &names {
        rust.set(BOARD, name, "from rust").await;
    }
    for name in &names {
        assert_eq!(rust.status(BOARD).await, Some(true), "ack for {name}");
    }
    let all: BTreeSet<String> = names.iter().cloned().collect();

    for kind in [
        JsKind::YWebsocket,
        JsKind::Hocuspocus(ProviderLine::V3),
        JsKind::Hocuspocus(ProviderLine::V4),
    ] {
        let mut js = JsClient::spawn(kind, relay.addr, BOARD, "editor").await;
        let synced = js.wait_event("synced").await;
        assert_eq!(
            js.keys_at(synced),
            all,
            "{kind:?}: all 50 keys at synced\n{}",
            js.report()
        );
        js.wait_handshake().await;
        js.assert_no_errors();
        js.finish().await;
    }
    relay.stop().await;
}

#[tokio::test]
async fn hocuspocus_3_viewer_is_read_only() {
    hocuspocus_viewer_is_read_only(ProviderLine::V3).await;
}

#[tokio::test]
async fn hocuspocus_4_viewer_is_read_only() {
    hocuspocus_viewer_is_read_only(ProviderLine::V4).await;
}

async fn hocuspocus_viewer_is_read_only(line: ProviderLine) {
    const BOARD: &str = "0190a000-0000-7000-8000-0000000001a4";
    let relay = TestRelay::start(crate::support::BackendKind::Sqlite).await;
    let mut rust = relay.client().await;
    assert_eq!(rust.open(BOARD, "editor").await, Ok(AuthScope::ReadWrite));
    rust.set(BOARD, "editor-1", "from rust").await;
    assert_eq!(rust.status(BOARD).await, Some(true));

    let mut js = JsClient::spawn(JsKind::Hocuspocus(line), relay.addr, BOARD, "viewer").await;
    let authenticated = js.wait_event("authenticated").await;
    assert_eq!(
        js.events[authenticated]["scope"],
        "readonly",
        "\n{}",
        js.report()
    );
    let synced = js.wait_event("synced").await;
    assert_eq!(
        js.keys_at(synced),
        set_of(&["editor-1"]),
        "state at synced\n{}",
        js.report()
    );
    js.wait_handshake().await;

    // Live edits reach the viewer.
    rust.set(BOARD, "editor-2", "from rust").await;
    assert_eq!(rust.status(BOARD).await, Some(true));
    js.wait_keys(&set_of(&["editor-1", "editor-2"])).await;

    // The viewer's own edit is refused (SyncStatus(0)) ...
    let done = js.set(&["viewer-1"]).await;
    let board = BOARD.to_owned();
    js.wait_from(done, "SyncStatus(0) for the viewer's edit", |e| {
        e["event"] == "recv"
            && MuxFrame::decode(&hex_bytes(e), &Limits::default()).ok()
                == Some(MuxFrame::Board {
                    board: board.clone(),
                    message: MuxMessage::SyncStatus { applied: false },
                })
    })
    .await;
    // Acknowledgements come in order: its (empty) Step2 is fine, its edit is not.
    let statuses: Vec<bool> = js
        .received_from(0)
        .into_iter()
        .filter_map(|frame| match frame {
            MuxFrame::Board {
                message: MuxMessage::SyncStatus { applied },
                ..
            } => Some(applied),
            _ => None,
        })
        .collect();
    assert_eq!(
        statuses,
        [true, false],
        "SyncStatus for the viewer's Step2, then its edit\n{}",
        js.report()
    );

    // ... and reaches neither the editor nor storage: the editor's next edit, acknowledged after
    // the refusal, is all that is new.
    rust.set(BOARD, "editor-3", "from rust").await;
    assert_eq!(rust.status(BOARD).await, Some(true));
    let editor_keys = set_of(&["editor-1", "editor-2", "editor-3"]);
    js.wait_keys(&set_of(&["editor-1", "editor-2", "editor-3", "viewer-1"]))
        .await;
    assert_eq!(
        rust.keys(BOARD),
        editor_keys,
        "the editor never sees the viewer's edit"
    );
    let storage = relay.backend.storage().await;
    assert_eq!(
        stored_keys(&storage, BOARD).await,
        editor_keys,
        "the viewer's edit is not stored"
    );
    js.assert_no_errors();
    js.finish().await;
    relay.stop().await;
}

#[tokio::test]
async fn hocuspocus_3_denied_gets_authentication_failed() {
    hocuspocus_denied_gets_authentication_failed(ProviderLine::V3).await;
}

#[tokio::test]
async fn hocuspocus_4_denied_gets_authentication_failed() {
    hocuspocus_denied_gets_authentication_failed(ProviderLine::V4).await;
}

async fn hocuspocus_denied_gets_authentication_failed(line: ProviderLine) {
    const BOARD: &str = "0190a000-0000-7000-8000-0000000001a5";
    let relay = TestRelay::start(crate::support::BackendKind::Sqlite).await;
    let mut js = JsClient::spawn(JsKind::Hocuspocus(line), relay.addr, BOARD, "intruder").await;
    let failed = js.wait_event("authenticationFailed").await;
    assert_eq!(
        js.events[failed]["reason"],
        "unknown token",
        "\n{}",
        js.report()
    );
    assert!(
        !js.events
            .iter()
            .any(|e| e["event"] == "authenticated" || e["event"] == "synced"),
        "a refused provider was let in\n{}",
        js.report()
    );
    js.assert_no_errors();
    js.finish().await;
    relay.stop().await;
}

/// A client's Auth Token frame as provider 3.x sends it (the token only), then `tail`.
fn auth_token_frame(board: &str, token: &str, tail: &[u8]) -> Vec<u8> {
    let mut out = MuxFrame::Board {
        board: board.to_owned(),
        message: MuxMessage::Auth(AuthMessage::Token {
            token: token.to_owned(),
        }),
    }
    .encode();
    out.extend_from_slice(tail);
    out
}

/// The relay reads the token of a 4.x-shaped Auth whatever later fields follow the version,
/// and still closes the socket (1007) on a version that is not a well-formed string.
#[tokio::test]
async fn auth_with_a_version_and_later_fields_is_accepted_and_a_malformed_version_refused() {
    const BOARD: &str = "0190a000-0000-7000-8000-0000000001a6";
    let relay = TestRelay::start(crate::support::BackendKind::Sqlite).await;

    let mut tail = Vec::new();
    write_var_string(&mut tail, "4.9.0");
    write_var_string(&mut tail, "a field a later provider adds");
    tail.push(0xff);
    let mut client = relay.client().await;
    client
        .send_raw(auth_token_frame(BOARD, "editor", &tail))
        .await;
    let authenticated = Seen::Frame(MuxFrame::Board {
        board: BOARD.to_owned(),
        message: MuxMessage::Auth(AuthMessage::Authenticated {
            scope: AuthScope::ReadWrite,
        }),
    });
    let answered = client
        .until(|c| c.log.contains(&authenticated) || c.closed.is_some())
        .await;
    assert!(
        answered && client.log.contains(&authenticated),
        "no Authenticated(read-write): {:?}",
        client.log
    );

    // A declared version length the frame cannot hold.
    let mut refused = relay.client().await;
    refused
        .send_raw(auth_token_frame(BOARD, "editor", &[0x7f, b'4']))
        .await;
    let closed = refused.closed().await;
    assert_eq!(
        closed.map(|(code, _)| code),
        Some(1007),
        "a malformed version closes the socket as invalid data: {:?}",
        refused.log
    );
    assert!(
        !refused.log.iter().any(|seen| matches!(
            seen,
            Seen::Frame(MuxFrame::Board {
                message: MuxMessage::Auth(AuthMessage::Authenticated { .. }),
                ..
            })
        )),
        "a malformed Auth was let in: {:?}",
        refused.log
    );
    relay.stop().await;
}
