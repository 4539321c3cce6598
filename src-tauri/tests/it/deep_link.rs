//! `tack://join` links against a real relay: the link the relay's invite page offers, read by
//! `deep_link::parse`, joins the board through the same `accept_invite` the "Join a board"
//! prompt calls; and through the real app, a second launch with that link hands it to the
//! running window (single instance), which asks to join and, confirmed, opens the board.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::json;
use tack::deep_link;
use tack::ipc::{Role, SyncKind};

use crate::app::{artifact, key, App, Desktop};
use crate::collab::{Desk, TestRelay};

/// The `tack://` link on the invite page of `invite_link` (a link on the relay at `addr`).
fn tack_link_of_page(addr: SocketAddr, invite_link: &str) -> String {
    let path = invite_link
        .strip_prefix(&format!("http://{addr}"))
        .expect("the invite link is on the relay");
    let page = get(addr, path);
    let (_, after) = page
        .split_once("href=\"tack://")
        .expect("the page offers a tack:// link");
    let (rest, _) = after.split_once('"').expect("the href ends");
    format!("tack://{}", rest.replace("&amp;", "&"))
}

/// The body of `GET {path}` from the relay (HTTP/1.0, so the relay closes when done; bounded).
fn get(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect to the relay");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {addr}\r\nAccept: text/html\r\n\r\n"
    )
    .expect("send");
    let mut response = Vec::new();
    stream
        .take(1 << 20)
        .read_to_end(&mut response)
        .expect("read the page");
    let response = String::from_utf8(response).expect("utf-8");
    assert!(response.starts_with("HTTP/1."), "{response}");
    assert!(response.contains(" 200 "), "{response}");
    response
}

#[test]
fn the_invite_pages_tack_link_joins_the_board() {
    let relay = TestRelay::start();
    let (ana, bob) = (Desk::new("ana"), Desk::new("bob"));
    ana.sign_up(&relay, "ana@example.com");
    bob.sign_up(&relay, "bob@example.com");
    let board = ana.session().create_board("Launch").expect("create").id;
    ana.collab.publish_board(&board).expect("publish");
    let invite = ana
        .collab
        .create_invite(&board, Role::Editor)
        .expect("invite");

    // What a browser shows for the invite link, and the `tack://` link on it.
    let href = tack_link_of_page(relay.addr, &invite.link);

    let join = deep_link::parse(&href).expect("the app reads the relay's link");
    assert_eq!(join.relay.as_deref(), Some(relay.url().as_str()));
    assert_eq!(join.token, invite.token);
    assert_eq!(join.invite(), invite.link);

    // The window's "Join a board" flow with that invite.
    let joined = bob.collab.accept_invite(&join.invite()).expect("join");
    assert_eq!(joined.board_id, board);
    assert_eq!(joined.role, Role::Editor);
    let summary = bob.collab.open_remote_board(&board).expect("download");
    assert_eq!(summary.title, "Launch");
    assert_eq!(summary.role, Some(Role::Editor));

    // The short form names no relay: the signed-in one is asked, and a used-up or unknown
    // token is refused there, not by the parser.
    let short = deep_link::parse(&format!("tack://join/{}", "A".repeat(43))).expect("short");
    assert!(bob.collab.accept_invite(&short.invite()).is_err());
}

/// Ana's computer (a [`Desk`], no window) in a thread of its own: her board "Launch" with a
/// column, published and synced, and two editor invites to it. Sends each invite's link and
/// its page's `tack://` link, then keeps syncing until `done` is dropped.
fn ana_invites(relay: &TestRelay) -> (mpsc::Receiver<Vec<(String, String)>>, mpsc::Sender<()>) {
    let (invite_tx, invite_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let url = relay.url();
    let addr = relay.addr;
    let account = relay.signup("ana@example.com");
    std::thread::spawn(move || {
        let ana = Desk::new("ana");
        ana.collab.set_server_url(&url).expect("set the server");
        ana.collab.use_session(account);
        let board = ana.session().create_board("Launch").expect("create").id;
        ana.apply(
            &board,
            tack::ipc::BoardOp::AddColumn {
                title: "To do".into(),
                wip: None,
                place: tack::ipc::Place::Bottom,
            },
        )
        .expect("column");
        ana.collab.publish_board(&board).expect("publish");
        ana.wait_board(&board, SyncKind::Synced);
        let invites = (0..2)
            .map(|_| {
                let invite = ana
                    .collab
                    .create_invite(&board, Role::Editor)
                    .expect("invite");
                let href = tack_link_of_page(addr, &invite.link);
                (invite.link, href)
            })
            .collect();
        let _ = invite_tx.send(invites);
        // Bounded: the test ends (drops `done`) well within this.
        let _ = done_rx.recv_timeout(Duration::from_secs(600));
    });
    (invite_rx, done_tx)
}

/// Whether the prompt's field is focused and holds `value`.
fn prompt_holds(value: &str) -> String {
    format!(
        "const e = document.querySelector('[role=dialog] input[aria-label=\"Invite link or code\"]');\
         return !!e && e.value === {} && document.activeElement === e;",
        json!(value)
    )
}

/// Calls one of the app's commands from the page, as the UI's dialogs do.
async fn invoke(app: &App, command: &str, args: serde_json::Value) -> Result<()> {
    let script = "const [command, args, done] = arguments;\
        window.__TAURI_INTERNALS__.invoke(command, args)\
          .then(ok => done({ ok: ok === undefined ? null : ok }), err => done({ err }));";
    let answer = app
        .js_async(script, vec![json!(command), args])
        .await
        .with_context(|| format!("invoking {command}"))?;
    if let Some(err) = answer.get("err") {
        bail!("{command} failed: {err}");
    }
    Ok(())
}

/// Waits for the join prompt to hold `invite` (a screenshot if it never does).
async fn wait_prompt(app: &App, invite: &str, shot: &str) -> Result<()> {
    let asked = app
        .wait_for("the join prompt with the invite", &prompt_holds(invite), 60)
        .await;
    if let Err(err) = asked {
        app.screenshot(&artifact(shot)).await?;
        return Err(err);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tack_links_start_the_app_or_reach_the_running_one_and_ask_to_join() -> Result<()> {
    let relay = TestRelay::start();
    let server = relay.url();
    relay.signup("bob@example.com");
    let (invites, done) = ana_invites(&relay);
    let invites =
        tokio::task::spawn_blocking(move || invites.recv_timeout(Duration::from_secs(120)))
            .await?
            .context("Ana's invites")?;
    let [(first_link, first_href), (second_link, second_href)] = &invites[..] else {
        bail!("two invites expected: {invites:?}");
    };

    // Bob signs in once; the app remembers it.
    let mut desktop = Desktop::start_with_keychain()?;
    let bob = desktop.launch().await?;
    invoke(&bob, "set_server_url", json!({ "url": server })).await?;
    invoke(
        &bob,
        "sign_in",
        json!({ "email": "bob@example.com", "password": "correct horse battery" }),
    )
    .await?;
    bob.quit().await?;

    // A link starts the app (the OS passes it as the only argument): once up, it asks to join
    // with the invite filled in; Enter confirms and the board opens.
    let bob = desktop.launch_with_args(&[first_href]).await?;
    wait_prompt(&bob, first_link, "deep-link-cold-start.png").await?;
    bob.keys(&key::ENTER.to_string()).await?;
    bob.wait_for(
        "the joined board open",
        "const open = document.querySelector('nav[aria-label=Boards] [aria-current=page]');\
         return !!open && open.textContent.trim() === 'Launch';",
        60,
    )
    .await?;

    // The OS opens another link while the app runs: a second `tack` hands it to the running
    // one and exits at once, without a window of its own; the window asks again. Escape
    // declines.
    let mut second = desktop
        .second_launch()
        .arg(second_href)
        .spawn()
        .context("a second launch")?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = second.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            let _ = second.wait();
            bail!("the second launch did not exit within 60 s (no single instance?)");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    anyhow::ensure!(status.success(), "the second launch failed: {status}");
    wait_prompt(&bob, second_link, "deep-link-second-launch.png").await?;
    bob.keys(&key::ESCAPE.to_string()).await?;
    bob.wait_for(
        "the prompt closed",
        "return !document.querySelector('[role=dialog]');",
        10,
    )
    .await?;
    bob.quit().await?;
    drop(done);
    Ok(())
}
