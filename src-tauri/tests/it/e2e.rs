//! End to end through the real app under Xvfb: keyboard only, asserting ARIA state and focus
//! (the hooks are listed in the desktop contract), never CSS.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use board_model::{ReplicaConfig, Sources};
use serde_json::{json, Value};
use tack::ipc::{BoardOp, Place};
use tack::session::Session;

use crate::app::{artifact, key, App, AppProcesses, Desktop};

const ENTER: char = key::ENTER;
const ESC: char = key::ESCAPE;

/// Waits for a text field (an input with this aria-label) to have focus, types, commits.
pub(crate) async fn answer(app: &App, label: &str, text: &str) -> Result<()> {
    wait_field(app, label).await?;
    app.keys(&format!("{text}{ENTER}")).await
}

/// Waits until no dialog is open and no text field has focus: board keys go to the board.
pub(crate) async fn settle(app: &App) -> Result<()> {
    app.wait_for(
        "dialogs to close",
        "return !document.querySelector('[role=dialog]')\
           && !(document.activeElement && document.activeElement.closest('input, textarea'));",
        10,
    )
    .await?;
    Ok(())
}

/// Waits until the app did what its start put off until the first paint (the quick add
/// shortcut's registration: `first_painted`).
pub(crate) async fn wait_start_done(app: &App) -> Result<()> {
    app.wait_for(
        "the start to be done",
        "return performance.getEntriesByName('tack:start-done').length > 0;",
        15,
    )
    .await?;
    Ok(())
}

pub(crate) async fn wait_field(app: &App, label: &str) -> Result<()> {
    app.wait_for(
        &format!("the {label:?} prompt to take focus"),
        &format!(
            "const e = document.activeElement;\
             return e && e.getAttribute('aria-label') === {};",
            json!(label)
        ),
        10,
    )
    .await?;
    Ok(())
}

/// The focused card: `{title, column, pos, size}`, or null when focus is not on a card.
pub(crate) const FOCUSED_CARD: &str = "\
    const card = document.activeElement && document.activeElement.closest('[role=option][data-task-id]');\
    if (!card) return null;\
    const column = card.closest('[role=group][data-column-id]');\
    return {\
      title: card.getAttribute('aria-label'),\
      column: column ? column.getAttribute('aria-label') : null,\
      pos: Number(card.getAttribute('aria-posinset')),\
      size: Number(card.getAttribute('aria-setsize')),\
    };";

pub(crate) async fn focused_card(app: &App) -> Result<Value> {
    app.js(FOCUSED_CARD, vec![]).await
}

/// Waits until the focused card is `title` in column `column`.
pub(crate) async fn wait_focus(app: &App, title: &str, column: &str) -> Result<Value> {
    let script = format!(
        "const f = (() => {{ {FOCUSED_CARD} }})();\
         return f && f.title === {} && f.column === {} ? f : null;",
        json!(title),
        json!(column)
    );
    match app
        .wait_for(&format!("focus on {title:?} in {column:?}"), &script, 15)
        .await
    {
        Ok(card) => Ok(card),
        Err(err) => {
            let focused = focused_card(app).await?;
            Err(err.context(format!("focus is on {focused}")))
        }
    }
}

/// Column titles and their cards' titles, in DOM order (fine for boards that fit on screen).
const BOARD_TEXT: &str = "[...document.querySelectorAll('section[role=group][data-column-id]')]\
    .map(c => [c.getAttribute('aria-label'),\
      [...c.querySelectorAll('[role=option][data-task-id]')].map(t => t.getAttribute('aria-label'))])";

pub(crate) async fn board_text(app: &App) -> Result<Value> {
    app.js(&format!("return {BOARD_TEXT};"), vec![]).await
}

pub(crate) async fn wait_board_text(app: &App, expected: Value) -> Result<()> {
    let script = format!(
        "const want = {expected};\
         const got = {BOARD_TEXT};\
         return JSON.stringify(got) === JSON.stringify(want);"
    );
    if app
        .wait_for("the board to show", &script, 15)
        .await
        .is_err()
    {
        let got = board_text(app).await?;
        anyhow::bail!("board shows {got}, expected {expected}");
    }
    Ok(())
}

/// Opens a board from the sidebar: focus its button, `Enter`. Waits for the app to have
/// started first: the board it opens at start takes focus when it is shown.
pub(crate) async fn open_board(app: &App, title: &str) -> Result<()> {
    app.wait_for(
        &format!("{title:?} in the sidebar"),
        &format!(
            "if (document.querySelector('main[aria-busy=true]')) return false;\
             const b = [...document.querySelectorAll('nav[aria-label=Boards] button[data-board-id]')]\
               .find(b => b.textContent.trim() === {});\
             if (!b) return false; b.focus(); return document.activeElement === b;",
            json!(title)
        ),
        15,
    )
    .await?;
    app.keys(&ENTER.to_string()).await?;
    wait_board_open(app, title, 60).await
}

pub(crate) async fn wait_board_open(app: &App, title: &str, seconds: u64) -> Result<()> {
    app.wait_for(
        &format!("board {title:?} to open"),
        &format!(
            "return !!document.querySelector('[role=region][aria-label={}]');",
            json!(format!("Board {title}"))
        ),
        seconds,
    )
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_only_board_survives_a_restart() -> Result<()> {
    let mut desktop = Desktop::start()?;
    let app = desktop.launch().await?;

    // New board: the picker offers templates; Enter takes the first, an empty board.
    app.keys("B").await?;
    answer(&app, "Start from", "").await?;
    answer(&app, "Board title", "Launch plan").await?;
    wait_board_open(&app, "Launch plan", 15).await?;
    for column in ["To do", "Doing"] {
        settle(&app).await?;
        app.keys("C").await?;
        answer(&app, "Column title", column).await?;
    }
    wait_board_text(&app, json!([["To do", []], ["Doing", []]])).await?;

    // Three tasks in "To do" through the column's composer: `o`, a title and Enter each.
    settle(&app).await?;
    app.keys("h").await?;
    app.keys("o").await?;
    for title in ["Write spec", "Book venue", "Send invites"] {
        answer(&app, "Task title", title).await?;
    }
    wait_board_text(
        &app,
        json!([
            ["To do", ["Write spec", "Book venue", "Send invites"]],
            ["Doing", []]
        ]),
    )
    .await?;
    app.keys(&ESC.to_string()).await?;
    settle(&app).await?;

    // `gg` to the first card, `J` moves it down one, focus follows the card.
    app.keys("gg").await?;
    wait_focus(&app, "Write spec", "To do").await?;
    app.keys("J").await?;
    wait_board_text(
        &app,
        json!([
            ["To do", ["Book venue", "Write spec", "Send invites"]],
            ["Doing", []]
        ]),
    )
    .await?;
    let focus = wait_focus(&app, "Write spec", "To do").await?;
    ensure!(focus["pos"] == json!(2), "after J: {focus}");

    // Edit its description in the detail panel: Enter opens it on the title, Enter again
    // goes to the description, Esc saves and closes.
    app.keys(&ENTER.to_string()).await?;
    answer(&app, "Title", "").await?;
    wait_field(&app, "Description").await?;
    app.keys(&format!("Goals: ship it{ESC}")).await?;
    wait_focus(&app, "Write spec", "To do").await?;
    settle(&app).await?;

    // `L` moves it to the next column; `u` undoes that move.
    app.keys("L").await?;
    wait_focus(&app, "Write spec", "Doing").await?;
    wait_board_text(
        &app,
        json!([
            ["To do", ["Book venue", "Send invites"]],
            ["Doing", ["Write spec"]]
        ]),
    )
    .await?;
    app.keys("u").await?;
    let expected = json!([
        ["To do", ["Book venue", "Write spec", "Send invites"]],
        ["Doing", []]
    ]);
    wait_board_text(&app, expected.clone()).await?;
    app.screenshot(&artifact("keyboard-board.png")).await?;

    // `G` to the last card, `dd` archives it.
    app.keys("G").await?;
    wait_focus(&app, "Send invites", "To do").await?;
    app.keys("dd").await?;
    let archived_one = json!([["To do", ["Book venue", "Write spec"]], ["Doing", []]]);
    wait_board_text(&app, archived_one.clone()).await?;
    app.quit().await?;

    // Same data directory, new process: everything is there, the archived card in the
    // archive (`A`), from where Enter restores it under the cursor.
    let app = desktop.launch().await?;
    open_board(&app, "Launch plan").await?;
    wait_board_text(&app, archived_one).await?;
    settle(&app).await?;
    app.keys("A").await?;
    app.wait_for(
        "the archive to list the archived card",
        "const list = document.querySelector('[role=listbox][aria-label=\"Archived items\"]');\
         const rows = list ? [...list.querySelectorAll('[role=option]')] : [];\
         return document.activeElement === list && rows.length === 1\
           && rows[0].getAttribute('aria-selected') === 'true'\
           && rows[0].textContent.includes('Send invites');",
        15,
    )
    .await?;
    app.screenshot(&artifact("archive.png")).await?;
    app.keys(&ENTER.to_string()).await?;
    app.wait_for(
        "the archive to empty",
        "return !!document.querySelector('[role=dialog]')\
           && document.querySelector('[role=dialog]').textContent.includes('Nothing is archived');",
        15,
    )
    .await?;
    app.keys(&ESC.to_string()).await?;
    wait_board_text(&app, expected).await?;
    wait_focus(&app, "Send invites", "To do").await?;
    app.keys("gg").await?;
    app.keys("j").await?;
    wait_focus(&app, "Write spec", "To do").await?;
    app.keys(&ENTER.to_string()).await?;
    app.wait_for(
        "the saved description",
        "const d = document.querySelector('[role=dialog][aria-label=\"Task details\"]');\
         return d && d.textContent.includes('Goals: ship it');",
        15,
    )
    .await?;
    app.quit().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_thousand_task_board_scrolls_to_its_end() -> Result<()> {
    let mut desktop = Desktop::start()?;
    {
        let config = ReplicaConfig {
            user: "e2e".into(),
            sources: Sources::system(),
        };
        let mut session = Session::open(&desktop.data_dir(), config).context("store")?;
        session
            .generate_demo_board("Big board", 20, 10_000)
            .context("demo board")?;
        // A small board to switch to and back.
        session.create_board("Small board").context("small board")?;
    }

    let launched = Instant::now();
    let app = desktop.launch().await?;
    open_board(&app, "Big board").await?;
    app.wait_for(
        "the first cards",
        "return document.querySelectorAll('[role=option][data-task-id]').length > 0;",
        60,
    )
    .await?;
    println!(
        "launch to a painted 10,000-task board: {:?} (includes WebDriver session start)",
        launched.elapsed()
    );
    let processes = AppProcesses::find(&desktop.data_dir())?;
    println!(
        "process start to the board painted, first start (no kept view): {:?}",
        app.since_process_start(&processes, "tack:board-painted")
            .await?
    );
    let rendered: u64 = app
        .js(
            "return document.querySelectorAll('[role=option][data-task-id]').length;",
            vec![],
        )
        .await?
        .as_u64()
        .unwrap_or(0);
    ensure!(
        rendered < 2_000,
        "cards are virtualized: {rendered} of 10,000 in the DOM"
    );

    // Focus the first card of the first column, then `G`: its last card, 500 of 500.
    settle(&app).await?;
    app.keys("gg").await?;
    wait_focus(&app, "Task 1", "Backlog").await?;
    app.keys("G").await?;
    let last = wait_focus(&app, "Task 9981", "Backlog").await?;
    ensure!(
        last["pos"] == json!(500) && last["size"] == json!(500),
        "{last}"
    );
    // Across to the last column and its end: the very last task of the board.
    app.keys("19l").await?;
    app.keys("G").await?;
    let very_last = wait_focus(&app, "Task 10000", "Column 20").await?;
    ensure!(very_last["pos"] == json!(500), "{very_last}");
    app.screenshot(&artifact("ten-thousand-tasks.png")).await?;

    // Keypress to repaint, measured in the page (printed for BENCHMARKS.md, not asserted).
    app.js(FRAME_PROBE, vec![]).await?;
    let rounds = std::env::var("TACK_BENCH_MOVES")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(10)
        .next_multiple_of(2);
    // The cursor alone (`k`/`j`: no IPC, no store change), then moves across columns
    // (`H`/`L`) and within one (`K`/`J`), each followed until the page shows it.
    let plans: [(&str, [KeyStep; 2]); 3] = [
        (
            "cursor (k/j)",
            [
                ("k", "Task 9980", "Column 20"),
                ("j", "Task 10000", "Column 20"),
            ],
        ),
        (
            "move across (H/L)",
            [
                ("H", "Task 10000", "Column 19"),
                ("L", "Task 10000", "Column 20"),
            ],
        ),
        (
            "move within (K/J)",
            [
                ("K", "Task 10000", "Column 20"),
                ("J", "Task 10000", "Column 20"),
            ],
        ),
    ];
    for (name, steps) in plans {
        app.js("window.__tackFrames = [];", vec![]).await?;
        for round in 0..rounds {
            let (keys, title, column) = steps[round % 2];
            let before = app.js("return window.__tackFrames.length;", vec![]).await?;
            app.keys(keys).await?;
            wait_focus(&app, title, column).await?;
            // The probe's last timestamp comes two frames after the change.
            app.wait_for(
                "the frames after the change",
                &format!(
                    "const f = window.__tackFrames; return f.length > {before} && f[f.length - 1][3] !== null;"
                ),
                10,
            )
            .await?;
        }
        let frames = app.js("return window.__tackFrames;", vec![]).await?;
        // Each row: keydown → [first DOM mutation, end of that task, next frame, the frame after].
        println!("{name} keypress to [mutation, task end, frame, frame after] ms: {frames}");
    }

    // Where WebKit composites in software (here, without a GPU) the columns scroll on the
    // page's main thread, and the page knows it (its columns are layers of their own).
    let expected = match tack::webkit::Machine::now().overflow_scrolling() {
        tack::webkit::OverflowScrolling::MainThread(_) => "main-thread",
        tack::webkit::OverflowScrolling::Composited(_) => "composited",
    };
    let told = app
        .js("return document.documentElement.dataset.scrolling;", vec![])
        .await?;
    ensure!(
        told == json!(expected),
        "the page's overflow scrolling: {told}, not {expected}"
    );
    let column_layer = app
        .js(
            "return getComputedStyle(document.querySelector('.column')).willChange;",
            vec![],
        )
        .await?;
    let expected_layer = if expected == "main-thread" {
        "transform"
    } else {
        "auto"
    };
    ensure!(
        column_layer == json!(expected_layer),
        "a column's will-change: {column_layer}"
    );
    println!("overflow areas scroll: {expected}");
    // Scrolling: the last column's 500 cards top to bottom, then the board across its 20
    // columns, a step per frame; the page keeps the cards under the viewport mounted. On a
    // machine so loaded that frames crawl, each run jumps to its end after 10 s (WebDriver
    // gives a script 30 s); the gaps measured until then are reported.
    app.bench_css().await?;
    let scroll = app.js_async(SCROLL_PROBE, vec![]).await?;
    println!("scroll frame gaps in ms (p50, p95, max, frames over 33 ms): {scroll}");
    ensure!(
        scroll["lastCardShown"] == json!(true),
        "after scrolling to its end the column shows its last card: {scroll}"
    );
    println!(
        "memory after this run, MiB (tack, then its WebKit processes): {:?}",
        processes.rss_mib()
    );
    // Either way a column still scrolls natively: the mouse wheel over the focused column (X11
    // button 5, as a mouse sends it), scrolled back to its top, scrolls it down.
    let list_center = app
        .js(
            "const list = document.activeElement.closest('[role=listbox]');\
             window.__wheeled = list;\
             list.scrollTop = 0;\
             const r = list.getBoundingClientRect();\
             return [Math.round(r.left + r.width / 2), Math.round(r.top + r.height / 2)];",
            vec![],
        )
        .await?;
    let (Some(x), Some(y)) = (list_center[0].as_i64(), list_center[1].as_i64()) else {
        anyhow::bail!("the focused column's place: {list_center}");
    };
    let window = desktop.xdotool(&["search", "--onlyvisible", "--name", "Tack"])?;
    let window = window.lines().next().unwrap_or_default().trim().to_owned();
    ensure!(!window.is_empty(), "no visible Tack window for xdotool");
    desktop.xdotool(&[
        "mousemove",
        "--window",
        &window,
        &x.to_string(),
        &y.to_string(),
    ])?;
    for _ in 0..3 {
        desktop.xdotool(&["click", "5"])?;
    }
    app.wait_for(
        "the wheel to scroll the column",
        "return window.__wheeled.scrollTop > 0;",
        10,
    )
    .await?;
    // Switching away and back: the big board is loaded, its view is built again.
    switch_timed(&app, "Small board").await?;
    println!(
        "open the 10,000-task board, loaded (ms to answered, painted): {:?}",
        switch_timed(&app, "Big board").await?
    );
    app.quit().await?;

    // The next start paints the board from the view kept at this run (DESIGN §2 "Shown
    // view") while its document loads; timed from the process start (printed, not asserted).
    crate::start_e2e::wait_kept_view(&desktop.data_dir())?;
    let app = desktop.launch().await?;
    app.wait_for(
        "the first cards",
        "return document.querySelectorAll('[role=option][data-task-id]').length > 0;",
        60,
    )
    .await?;
    let processes = AppProcesses::find(&desktop.data_dir())?;
    println!(
        "process start to the board painted, from the kept view: {:?}",
        app.since_process_start(&processes, "tack:board-painted")
            .await?
    );
    // The kept view came as its first screen: the rest, with what changed, follows.
    println!(
        "process start to the whole board reconciled: {:?}",
        app.since_process_start(&processes, "tack:board-whole")
            .await?
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    println!(
        "memory with the board open, settled, MiB (tack, then its WebKit processes): {:?}",
        processes.rss_mib()
    );
    // The small board shown last: the next start loads it, not the big one.
    switch_timed(&app, "Small board").await?;
    app.quit().await?;

    // Opening the big board, not loaded, shown recently: from its kept view while it loads.
    let app = desktop.launch().await?;
    wait_board_open(&app, "Small board", 60).await?;
    let opened = switch_timed(&app, "Big board").await?;
    println!("open the 10,000-task board, not loaded, from its kept view (ms to answered, painted): {opened:?}");
    // Its document follows: the cursor still moves over the board as it is now.
    settle(&app).await?;
    app.keys("gg").await?;
    wait_focus(&app, "Task 1", "Backlog").await?;
    app.quit().await?;
    Ok(())
}

/// Opens the board `title` from the sidebar and waits until it is painted: the page's times
/// from asking (`tack:board-open`) to the answer and to the frame after it rendered, in ms.
pub(crate) async fn switch_timed(app: &App, title: &str) -> Result<(f64, f64)> {
    let painted = "performance.getEntriesByName('tack:board-painted').length";
    let before = app.js(&format!("return {painted};"), vec![]).await?;
    open_board(app, title).await?;
    app.wait_for(
        &format!("board {title:?} painted"),
        &format!("return {painted} > {before};"),
        60,
    )
    .await?;
    let times = app
        .js(
            "const at = (n) => { const e = performance.getEntriesByName(n); \
               return e[e.length - 1].startTime; };\
             const open = at('tack:board-open');\
             return [at('tack:board-answered') - open, at('tack:board-painted') - open];",
            vec![],
        )
        .await?;
    let ms = |i: usize| times[i].as_f64().unwrap_or(f64::NAN);
    Ok((ms(0), ms(1)))
}

/// Scrolls the focused column to its end (80 frames of 500 px) and the board across all its
/// columns (40 frames), timing the gaps between animation frames; answers their summaries
/// and whether the column's last card is mounted and on screen at the end.
const SCROLL_PROBE: &str = "\
    const done = arguments[arguments.length - 1];\
    const board = document.querySelector('.board[role=region]');\
    const list = document.activeElement.closest('[role=listbox]');\
    const summary = (gaps) => {\
      const s = [...gaps].sort((a, b) => a - b);\
      const at = (q) => +s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(1);\
      return [at(0.5), at(0.95), +s[s.length - 1].toFixed(1), gaps.filter((g) => g > 33).length];\
    };\
    const run = (el, prop, step, frames, then) => {\
      el[prop] = 0;\
      const gaps = [];\
      const deadline = performance.now() + 10000;\
      let last = null;\
      let n = 0;\
      const tick = (t) => {\
        if (last !== null) gaps.push(t - last);\
        last = t;\
        if (n >= frames) return then(gaps);\
        if (t > deadline) {\
          n = frames;\
          el[prop] = step * frames;\
          requestAnimationFrame(() => requestAnimationFrame(tick));\
          return;\
        }\
        n++;\
        el[prop] += step;\
        requestAnimationFrame(tick);\
      };\
      requestAnimationFrame(tick);\
    };\
    run(list, 'scrollTop', 500, 80, (vertical) => {\
      const cards = [...list.querySelectorAll('[role=option]')];\
      const box = list.getBoundingClientRect();\
      const lastCard = cards.find((c) => c.getAttribute('aria-posinset') === c.getAttribute('aria-setsize'));\
      const r = lastCard && lastCard.getBoundingClientRect();\
      const lastCardShown = !!r && r.bottom <= box.bottom + 1 && r.top >= box.top;\
      run(board, 'scrollLeft', 146, 40, (across) => done({\
        column: summary(vertical), board: summary(across), lastCardShown,\
      }));\
    });";

/// A key, then the card title and column the focus lands on.
type KeyStep<'a> = (&'a str, &'a str, &'a str);

/// Installs a probe that times each keypress in the page: keydown → the first DOM mutation
/// after it (for a move: IPC in, model, durable save, patch, Solid update), → the end of the
/// task that made it, → the next animation frame (rendering starts), → the frame after (the
/// first frame's work is done). Rows land in `window.__tackFrames`.
pub(crate) const FRAME_PROBE: &str = "\
    window.__tackFrames = [];\
    let keyAt = 0;\
    let armed = false;\
    document.addEventListener('keydown', () => { keyAt = performance.now(); armed = true; }, true);\
    const channel = new MessageChannel();\
    let ending = null;\
    channel.port1.onmessage = () => { if (ending) { ending(); ending = null; } };\
    new MutationObserver(() => {\
      if (!armed) return;\
      armed = false;\
      const t0 = keyAt;\
      const row = [0, null, null, null];\
      const stamp = (i) => { row[i] = +(performance.now() - t0).toFixed(1); };\
      stamp(0);\
      window.__tackFrames.push(row);\
      ending = () => stamp(1);\
      channel.port2.postMessage(0);\
      requestAnimationFrame(() => { stamp(2); requestAnimationFrame(() => stamp(3)); });\
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });\
    return true;";

/// A seeded task: title, label ids, assignees, due date, checklist (text, done).
type SeedTask<'a> = (
    &'a str,
    &'a [&'a String],
    &'a [&'a str],
    Option<&'a str>,
    &'a [(&'a str, bool)],
);
/// A seeded column: title, WIP limit, tasks.
type SeedColumn<'a> = (&'a str, Option<u32>, &'a [SeedTask<'a>]);

/// A board as a team would have it (labels, assignees, due dates, checklists, a WIP limit
/// exceeded), written through the session, then shown by the app: its screenshot is the
/// README's (`docs/screenshot.png`).
pub(crate) fn seed_launch_board(data_dir: &std::path::Path) -> Result<()> {
    let config = ReplicaConfig {
        user: "ana".into(),
        sources: Sources::system(),
    };
    let mut s = Session::open(data_dir, config).context("store")?;
    let board = s.create_board("Product launch")?.id;
    // Assignees are members (DESIGN §1): the team as the relay's directory names them.
    let team = [
        ("ana", "0190a000-0000-7000-8000-00000000a0a0"),
        ("li", "0190a000-0000-7000-8000-00000000b1b1"),
        ("sam", "0190a000-0000-7000-8000-00000000c2c2"),
    ];
    s.store().cache_members(
        &board,
        &team.map(|(name, id)| board_store::MemberRecord {
            user_id: id.into(),
            email: format!("{name}@example.com"),
            role: "editor".into(),
        }),
    )?;
    let member_id = |name: &str| -> String {
        team.iter()
            .find(|(n, _)| *n == name)
            .map_or(name, |(_, id)| id)
            .to_owned()
    };
    let mut op = |op: BoardOp| -> Result<Option<String>> { Ok(s.apply(&board, op)?.0.created_id) };
    let mut label = |name: &str, color: &str| -> Result<String> {
        op(BoardOp::AddLabel {
            name: name.into(),
            color: Some(color.into()),
        })?
        .context("label id")
    };
    let design = label("design", "#7c5cff")?;
    let docs = label("docs", "#2e9d5b")?;
    let bug = label("bug", "#d64545")?;
    let ops = label("ops", "#d9822b")?;
    let columns: [SeedColumn; 4] = [
        (
            "Backlog",
            None,
            &[
                ("Pricing page copy", &[&docs], &[], None, &[]),
                (
                    "Localize onboarding",
                    &[&docs],
                    &["li"],
                    Some("2026-12-18"),
                    &[],
                ),
                ("Dark mode polish", &[&design], &[], None, &[]),
            ],
        ),
        (
            "In progress",
            Some(2),
            &[
                (
                    "Launch announcement post",
                    &[&docs],
                    &["ana"],
                    Some("2026-12-01"),
                    &[("Outline", true), ("First draft", true), ("Review", false)],
                ),
                ("Fix sync badge flicker", &[&bug], &["sam"], None, &[]),
                ("New app icon", &[&design], &["li"], Some("2026-11-28"), &[]),
            ],
        ),
        (
            "Review",
            None,
            &[
                (
                    "Crash on empty board title",
                    &[&bug],
                    &["sam"],
                    None,
                    &[("Regression test", true)],
                ),
                ("Backup relay runbook", &[&ops, &docs], &["ana"], None, &[]),
            ],
        ),
        (
            "Done",
            None,
            &[
                ("Relay on PostgreSQL", &[&ops], &["sam"], None, &[]),
                ("Keyboard cheat sheet", &[&design], &["li"], None, &[]),
            ],
        ),
    ];
    for (title, wip, tasks) in columns {
        let column = op(BoardOp::AddColumn {
            title: title.into(),
            wip,
            place: Place::Bottom,
        })?
        .context("column id")?;
        for (task_title, labels, people, due, checklist) in tasks {
            let task = op(BoardOp::AddTask {
                column_id: column.clone(),
                title: (*task_title).into(),
                place: Place::Bottom,
                description: Some(format!("## {task_title}\n\nNotes for the team.")),
            })?
            .context("task id")?;
            for label_id in labels.iter() {
                op(BoardOp::SetTaskLabel {
                    task_id: task.clone(),
                    label_id: (*label_id).clone(),
                    present: true,
                })?;
            }
            for person in people.iter() {
                op(BoardOp::SetTaskAssignee {
                    task_id: task.clone(),
                    user_id: member_id(person),
                    present: true,
                })?;
            }
            op(BoardOp::SetDue {
                task_id: task.clone(),
                due: due.map(str::to_owned),
            })?;
            for (index, (text, done)) in checklist.iter().enumerate() {
                op(BoardOp::AddChecklistItem {
                    task_id: task.clone(),
                    text: (*text).into(),
                })?;
                op(BoardOp::SetChecklistItemDone {
                    task_id: task.clone(),
                    index: u32::try_from(index)?,
                    done: *done,
                })?;
            }
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_board_shows_labels_people_dates_and_wip() -> Result<()> {
    let mut desktop = Desktop::start()?;
    seed_launch_board(&desktop.data_dir())?;
    let app = desktop.launch().await?;
    open_board(&app, "Product launch").await?;
    wait_board_text(
        &app,
        json!([
            [
                "Backlog",
                [
                    "Pricing page copy",
                    "Localize onboarding",
                    "Dark mode polish"
                ]
            ],
            [
                "In progress",
                [
                    "Launch announcement post",
                    "Fix sync badge flicker",
                    "New app icon"
                ]
            ],
            [
                "Review",
                ["Crash on empty board title", "Backup relay runbook"]
            ],
            ["Done", ["Relay on PostgreSQL", "Keyboard cheat sheet"]]
        ]),
    )
    .await?;
    // The WIP limit is shown and its excess announced, never enforced.
    app.wait_for(
        "the over-limit count",
        "return !!document.querySelector('[aria-label=\"3 of 2 tasks, over the limit\"]');",
        10,
    )
    .await?;
    settle(&app).await?;
    app.keys("gg").await?;
    wait_focus(&app, "Pricing page copy", "Backlog").await?;
    app.screenshot(&artifact("team-board.png")).await?;
    app.quit().await?;
    Ok(())
}

/// A comment that mentions a member, keyboard only: `c` on the card, `@b` lists the board's
/// members (the cached directory), Enter takes Bo, Ctrl+Enter posts. The panel shows the
/// comment with Bo's name (the document holds `@[his id]`), the card counts it, and both are
/// there after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_mentioning_a_member_is_posted_from_the_keyboard_and_survives_a_restart(
) -> Result<()> {
    const BO: &str = "0190a000-0000-7000-8000-0000000000b0";
    let mut desktop = Desktop::start()?;
    {
        let config = ReplicaConfig {
            user: "ana".into(),
            sources: Sources::system(),
        };
        let mut s = Session::open(&desktop.data_dir(), config).context("store")?;
        let board = s.create_board("Launch")?.id;
        let column = s
            .apply(
                &board,
                BoardOp::AddColumn {
                    title: "To do".into(),
                    wip: None,
                    place: Place::Bottom,
                },
            )?
            .0
            .created_id
            .context("column id")?;
        s.apply(
            &board,
            BoardOp::AddTask {
                column_id: column,
                title: "Book venue".into(),
                place: Place::Bottom,
                description: None,
            },
        )?;
        // The directory as the relay last gave it (cached when the board's members were listed).
        s.store().cache_members(
            &board,
            &[board_store::MemberRecord {
                user_id: BO.into(),
                email: "bo@example.com".into(),
                role: "editor".into(),
            }],
        )?;
    }
    let app = desktop.launch().await?;
    open_board(&app, "Launch").await?;
    settle(&app).await?;
    app.keys("gg").await?;
    wait_focus(&app, "Book venue", "To do").await?;
    app.keys("c").await?;
    wait_field(&app, "Write a comment").await?;
    app.keys("Thanks @b").await?;
    app.wait_for(
        "the mention list to offer Bo",
        "const list = document.querySelector('[role=listbox][aria-label=Mention]');\
         const rows = list ? [...list.querySelectorAll('[role=option]')] : [];\
         return rows.length === 1 && rows[0].getAttribute('aria-selected') === 'true'\
           && rows[0].textContent.includes('bo@example.com');",
        10,
    )
    .await?;
    app.keys(&ENTER.to_string()).await?;
    app.wait_for(
        "Bo's name in the comment box",
        "const box = document.activeElement;\
         return box && box.getAttribute('aria-label') === 'Write a comment'\
           && box.value === 'Thanks @bo '\
           && !document.querySelector('[role=listbox][aria-label=Mention]');",
        10,
    )
    .await?;
    app.keys(&format!("for the venue{}{ENTER}", key::CONTROL))
        .await?;
    const SHOWN: &str = "\
        const d = document.querySelector('[role=dialog][aria-label=\"Task details\"]');\
        const comments = d ? [...d.querySelectorAll('.comment-list .comment')] : [];\
        const card = document.querySelector('[role=option][data-task-id]');\
        return comments.length === 1\
          && comments[0].textContent.includes('Thanks @bo for the venue')\
          && !comments[0].textContent.includes('@[')\
          && !!card && !!card.querySelector('[aria-label=\"1 comment\"]');";
    app.wait_for("the posted comment and the card's count", SHOWN, 15)
        .await?;
    app.screenshot(&artifact("comment-mention.png")).await?;
    app.quit().await?;

    // What the document holds: the mention as Bo's id.
    {
        let config = ReplicaConfig {
            user: "check".into(),
            sources: Sources::system(),
        };
        let store = board_store::Store::open_in_dir(&desktop.data_dir())?;
        let record = store
            .list_boards()?
            .into_iter()
            .next()
            .context("the board")?;
        let board = board_store::replica::open_board(&store, &record.id, config)?;
        let task = board.view().columns[0].tasks[0].id.clone();
        let bodies: Vec<String> = board.comments(&task).into_iter().map(|c| c.body).collect();
        ensure!(
            bodies == [format!("Thanks @[{BO}] for the venue")],
            "stored: {bodies:?}"
        );
    }

    // A new process on the same data: the count on the card, the comment in the panel.
    let app = desktop.launch().await?;
    open_board(&app, "Launch").await?;
    settle(&app).await?;
    app.keys("gg").await?;
    wait_focus(&app, "Book venue", "To do").await?;
    app.keys("c").await?;
    wait_field(&app, "Write a comment").await?;
    app.wait_for("the comment after a restart", SHOWN, 15)
        .await?;
    app.quit().await?;
    Ok(())
}
