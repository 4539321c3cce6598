//! The board's filter (`/`) in the real app under Xvfb, keyboard only: a structured query on
//! the team board shows exactly the matching cards, `n` steps through them wrapping around, an
//! unreadable term is explained under the field, `v` applies a saved view; `z g` cuts the board
//! into swimlanes, the cursor walks across them and Alt+Shift+j moves a card to the next lane
//! (changing its assignee, `u` undoing it); and keystroke → filtered board painted on
//! the 20 × 500 board, measured in the page (printed for BENCHMARKS.md, not asserted), with
//! swimlanes on that board timed too when `TACK_BENCH_LANES` is set (`1`: 4 people, 6 lanes;
//! `N`: N people, N + 2 lanes).

use anyhow::{Context, Result};
use board_model::{ReplicaConfig, Sources, ViewSettings};
use serde_json::{json, Value};
use tack::ipc::BoardOp;
use tack::session::Session;

use crate::app::{artifact, key, App, Desktop};
use crate::e2e::{
    open_board, seed_launch_board, settle, wait_board_text, wait_field, wait_focus, FRAME_PROBE,
};

/// Ana's member id on the team board (`seed_launch_board`'s directory).
const ANA: &str = "0190a000-0000-7000-8000-00000000a0a0";

/// The team board, with Ana also on both bugs' tasks.
fn seed(data_dir: &std::path::Path) -> Result<()> {
    seed_launch_board(data_dir)?;
    let config = ReplicaConfig {
        user: "ana".into(),
        sources: Sources::system(),
    };
    let mut s = Session::open(data_dir, config).context("store")?;
    let board = s
        .list_boards()?
        .into_iter()
        .find(|b| b.title == "Product launch")
        .context("the team board")?
        .id;
    let view = s.open_board(&board)?;
    for title in ["Fix sync badge flicker", "Crash on empty board title"] {
        let task = view
            .columns
            .iter()
            .flat_map(|c| &c.tasks)
            .find(|t| t.title == title)
            .with_context(|| format!("task {title}"))?
            .id
            .clone();
        s.apply(
            &board,
            BoardOp::SetTaskAssignee {
                task_id: task,
                user_id: ANA.into(),
                present: true,
            },
        )?;
    }
    // A view the team saved: Ana's tasks by title.
    let settings = board_model::ViewSettings {
        query: "@ana",
        sort: "title",
        group_by: None,
    };
    s.save_view(&board, "Ana by title", &settings)?;
    Ok(())
}

/// `/`, then `query` typed into the filter field.
async fn filter(app: &App, query: &str) -> Result<()> {
    app.keys("/").await?;
    wait_field(app, "Filter tasks").await?;
    app.keys(query).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_structured_filter_shows_exactly_its_cards_and_n_steps_through_them() -> Result<()> {
    let mut desktop = Desktop::start()?;
    seed(&desktop.data_dir())?;
    let app = desktop.launch().await?;
    open_board(&app, "Product launch").await?;
    settle(&app).await?;

    filter(&app, "label:bug @ana").await?;
    wait_board_text(
        &app,
        json!([
            ["Backlog", []],
            ["In progress", ["Fix sync badge flicker"]],
            ["Review", ["Crash on empty board title"]],
            ["Done", []]
        ]),
    )
    .await?;
    app.screenshot(&artifact("filter-structured.png")).await?;
    // Enter goes back to the board, the cursor on the first match; `n` goes on, wrapping.
    app.keys(&key::ENTER.to_string()).await?;
    wait_focus(&app, "Fix sync badge flicker", "In progress").await?;
    app.keys("n").await?;
    wait_focus(&app, "Crash on empty board title", "Review").await?;
    app.keys("n").await?;
    wait_focus(&app, "Fix sync badge flicker", "In progress").await?;
    app.keys("N").await?;
    wait_focus(&app, "Crash on empty board title", "Review").await?;

    // A free word is marked on the cards it found.
    app.keys(&key::ESCAPE.to_string()).await?;
    settle(&app).await?;
    filter(&app, "relay").await?;
    wait_board_text(
        &app,
        json!([
            ["Backlog", []],
            ["In progress", []],
            ["Review", ["Backup relay runbook"]],
            ["Done", ["Relay on PostgreSQL"]]
        ]),
    )
    .await?;
    app.wait_for(
        "the matched words marked",
        "const marks = [...document.querySelectorAll('[role=option] .card-title mark')];\
         return marks.length === 2 && marks.map(m => m.textContent).sort().join() === 'Relay,relay';",
        10,
    )
    .await?;

    // Most of the board matching: the shell names the two that do not, the board shows the rest.
    app.keys(&format!("{}{}", key::CONTROL, 'a')).await?;
    app.keys("-relay").await?;
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
            ["Review", ["Crash on empty board title"]],
            ["Done", ["Keyboard cheat sheet"]]
        ]),
    )
    .await?;

    // What the grammar cannot read is explained under the field; the board is shown whole.
    app.keys(&format!("{}{}", key::CONTROL, 'a')).await?;
    app.keys("lable:bug").await?;
    let explained = app
        .wait_for(
            "the explanation under the field",
            "const field = document.querySelector('input[aria-label=\"Filter tasks\"]');\
             const id = field && field.getAttribute('aria-describedby');\
             const note = id && document.getElementById(id);\
             return field.getAttribute('aria-invalid') === 'true' && note ? note.textContent : null;",
            10,
        )
        .await?;
    anyhow::ensure!(
        explained
            .as_str()
            .is_some_and(|t| t.contains("lable:bug") && t.contains("did you mean `label:`?")),
        "{explained}"
    );
    app.screenshot(&artifact("filter-explained.png")).await?;

    // `v`: the board's saved views; Enter shows the board through the one chosen.
    app.keys(&key::ESCAPE.to_string()).await?;
    settle(&app).await?;
    app.keys("v").await?;
    app.wait_for(
        "the view picker",
        "const list = document.querySelector('[role=listbox][aria-label=\"Saved views\"]');\
         const chosen = list && list.querySelector('[role=option][aria-selected=true]');\
         return document.activeElement === list && !!chosen\
           && chosen.textContent.includes('Ana by title');",
        15,
    )
    .await?;
    app.screenshot(&artifact("views-picker.png")).await?;
    app.keys(&key::ENTER.to_string()).await?;
    wait_board_text(
        &app,
        json!([
            ["Backlog", []],
            [
                "In progress",
                ["Fix sync badge flicker", "Launch announcement post"]
            ],
            [
                "Review",
                ["Backup relay runbook", "Crash on empty board title"]
            ],
            ["Done", []]
        ]),
    )
    .await?;
    app.wait_for(
        "the filter field showing the view's query",
        "const f = document.querySelector('input[aria-label=\"Filter tasks\"]');\
         return !!f && f.value === '@ana';",
        10,
    )
    .await?;
    app.quit().await?;
    Ok(())
}

/// Each lane's name and count, then its columns' titles and cards' titles, in DOM order.
const LANES_TEXT: &str = "return [...document.querySelectorAll('section.lane')].map(l => [\
    l.getAttribute('aria-label'),\
    ...[...l.querySelectorAll('section[role=group][data-column-id]')].map(c => [\
      c.getAttribute('aria-label'),\
      [...c.querySelectorAll('[role=option][data-task-id]')].map(t => t.getAttribute('aria-label'))])]);";

/// The middle of an element's bottom edge, 6 px inside, in viewport pixels (`element` is a
/// script expression giving it).
async fn page_point(app: &App, element: &str) -> Result<(f64, f64)> {
    let at = app
        .js(
            &format!(
                "const r = ({element}).getBoundingClientRect();\
                 return [r.x + r.width / 2, r.bottom - 6];"
            ),
            vec![],
        )
        .await?;
    let xy = |i: usize| at[i].as_f64().context("a point on the page");
    Ok((xy(0)?, xy(1)?))
}

async fn wait_lanes(app: &App, expected: Value) -> Result<()> {
    let script = format!(
        "const got = (() => {{ {LANES_TEXT} }})();\
         return JSON.stringify(got) === JSON.stringify({expected});"
    );
    if app.wait_for("the lanes", &script, 15).await.is_err() {
        let got = app.js(LANES_TEXT, vec![]).await?;
        anyhow::bail!("lanes show {got}, expected {expected}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn z_g_shows_swimlanes_and_alt_shift_j_moves_a_card_to_the_next_lane_u_undoes() -> Result<()>
{
    let mut desktop = Desktop::start()?;
    seed(&desktop.data_dir())?;
    let app = desktop.launch().await?;
    open_board(&app, "Product launch").await?;
    settle(&app).await?;
    wait_focus(&app, "Pricing page copy", "Backlog").await?;

    app.keys("zg").await?;
    // A lane per member and Unassigned last; Ana's two bugs are in her lane and in Sam's.
    let lanes = |li_backlog: Value, sam_backlog: Value| {
        json!([
            [
                "ana, 4 tasks",
                ["Backlog", []],
                [
                    "In progress",
                    ["Launch announcement post", "Fix sync badge flicker"]
                ],
                [
                    "Review",
                    ["Crash on empty board title", "Backup relay runbook"]
                ],
                ["Done", []]
            ],
            // Me (the app's profile is on the board too), with nothing assigned.
            [
                "e2e, 0 tasks",
                ["Backlog", []],
                ["In progress", []],
                ["Review", []],
                ["Done", []]
            ],
            [
                format!(
                    "li, {} tasks",
                    2 + li_backlog.as_array().map_or(0, Vec::len)
                ),
                ["Backlog", li_backlog],
                ["In progress", ["New app icon"]],
                ["Review", []],
                ["Done", ["Keyboard cheat sheet"]]
            ],
            [
                format!(
                    "sam, {} tasks",
                    3 + sam_backlog.as_array().map_or(0, Vec::len)
                ),
                ["Backlog", sam_backlog],
                ["In progress", ["Fix sync badge flicker"]],
                ["Review", ["Crash on empty board title"]],
                ["Done", ["Relay on PostgreSQL"]]
            ],
            [
                "Unassigned, 2 tasks",
                ["Backlog", ["Pricing page copy", "Dark mode polish"]],
                ["In progress", []],
                ["Review", []],
                ["Done", []]
            ]
        ])
    };
    wait_lanes(&app, lanes(json!(["Localize onboarding"]), json!([]))).await?;
    app.screenshot(&artifact("lanes-by-assignee.png")).await?;

    // The cursor stayed on its card, in the Unassigned lane; `k` goes up into Li's lane (Sam
    // has nothing in Backlog), Alt+Shift+j takes the card down to Sam's: assigned to Sam.
    wait_focus(&app, "Pricing page copy", "Backlog").await?;
    app.keys("k").await?;
    wait_focus(&app, "Localize onboarding", "Backlog").await?;
    app.keys(&format!("{}{}j", key::ALT, key::SHIFT)).await?;
    wait_lanes(&app, lanes(json!([]), json!(["Localize onboarding"]))).await?;
    app.wait_for(
        "the moved card focused in Sam's lane",
        "const card = document.activeElement && document.activeElement.closest('[role=option]');\
         return !!card && card.getAttribute('aria-label') === 'Localize onboarding'\
           && card.closest('section.lane').getAttribute('aria-label').startsWith('sam');",
        10,
    )
    .await?;
    app.screenshot(&artifact("lanes-moved.png")).await?;
    // One undo step takes it back to Li.
    app.keys("u").await?;
    wait_lanes(&app, lanes(json!(["Localize onboarding"]), json!([]))).await?;

    // By mouse: the card dragged from Li's Backlog into Sam's Review is Sam's and in Review,
    // and one undo step takes both back.
    let card = "[...document.querySelectorAll('section.lane')].find(l => l.getAttribute('aria-label').startsWith('li'))\
                  .querySelector('[role=option][aria-label=\"Localize onboarding\"]')";
    let (x, y) = page_point(&app, card).await?;
    let from = (x, y - 20.0);
    let to = page_point(
        &app,
        "[...[...document.querySelectorAll('section.lane')].find(l => l.getAttribute('aria-label').startsWith('sam'))\
           .querySelectorAll('section.column')].find(c => c.textContent.includes('Review'))",
    )
    .await?;
    app.drag(from, to).await?;
    app.wait_for(
        "the dropped card in Sam's Review",
        &format!(
            "const got = (() => {{ {LANES_TEXT} }})();\
             const lane = (name) => got.find(l => l[0].startsWith(name));\
             const column = (l, title) => l.find(c => Array.isArray(c) && c[0] === title)[1];\
             return column(lane('sam'), 'Review').includes('Localize onboarding')\
               && column(lane('li'), 'Backlog').length === 0\
               && !column(lane('li'), 'Review').includes('Localize onboarding');"
        ),
        15,
    )
    .await?;
    app.screenshot(&artifact("lanes-dragged.png")).await?;
    app.keys("u").await?;
    wait_lanes(&app, lanes(json!(["Localize onboarding"]), json!([]))).await?;

    // `z g` again: by label, "No label" last (every seeded task has one).
    app.keys("zg").await?;
    app.wait_for(
        "lanes by label",
        "const names = [...document.querySelectorAll('section.lane')].map(l => l.getAttribute('aria-label').split(',')[0]);\
         return names.join() === 'bug,design,docs,ops,No label';",
        10,
    )
    .await?;
    app.quit().await?;
    Ok(())
}

/// Keystroke → filtered board painted on the 20 × 500 board: each character of a query typed
/// alone, waiting for its answer to be painted (`tack:filter-painted`: from the input event to
/// the frame after the board changed; `tack:filter-answered`: to the shell's answer;
/// `tack:filter-applied`: to the board's DOM updated), and whether the board changed in the
/// same frame as the field's echo of the letter (`tack:filter-echo`), beside what any change
/// costs on this display (`FLOOR_PROBE`). Printed, not asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filtering_the_big_board_is_timed_from_keystroke_to_paint() -> Result<()> {
    // `TACK_BENCH_LANES=N` also times swimlanes on the board, every other task assigned first
    // to one of N people (4 for `1` or anything not a number of at least 2): N + 2 lanes with
    // mine and Unassigned.
    let lanes_timed = std::env::var("TACK_BENCH_LANES")
        .ok()
        .map(|n| n.parse::<usize>().ok().filter(|&n| n >= 2).unwrap_or(4));
    let mut desktop = Desktop::start()?;
    let board = {
        let config = ReplicaConfig {
            user: "e2e".into(),
            sources: Sources::system(),
        };
        let mut session = Session::open(&desktop.data_dir(), config).context("store")?;
        let board = session
            .generate_demo_board("Big board", 20, 10_000)
            .context("demo board")?
            .id;
        // Two saved views to switch between (the picker lists them by name).
        for (name, query) in [("A twelves", "task 12"), ("B threes", "task 3 -has:due")] {
            let settings = ViewSettings {
                query,
                sort: "title",
                group_by: None,
            };
            session.save_view(&board, name, &settings)?;
        }
        if let Some(people) = lanes_timed {
            assign_every_other_task(&mut session, &board, people)?;
        }
        board
    };
    let app = desktop.launch().await?;
    open_board(&app, "Big board").await?;
    app.wait_for(
        "the first cards",
        "return document.querySelectorAll('[role=option][data-task-id]').length > 0;",
        60,
    )
    .await?;
    settle(&app).await?;
    app.bench_css().await?;
    if let Some(people) = lanes_timed {
        time_lanes(&app, people + 2).await?;
    }
    app.keys("/").await?;
    wait_field(&app, "Filter tasks").await?;
    let typed = std::env::var("TACK_BENCH_FILTER").unwrap_or_else(|_| "task 12 -has:due".into());
    let rounds = 3;
    let mut times = Vec::new();
    let mut answered = Vec::new();
    let mut applied = Vec::new();
    let mut echoed = Vec::new();
    let mut behind_echo = Vec::new();
    for round in 0..rounds {
        for c in typed.chars() {
            let before = measures(&app, "tack:filter-painted").await?.len();
            app.keys(&c.to_string()).await?;
            app.wait_for(
                "the answer painted",
                &format!(
                    "return performance.getEntriesByName('tack:filter-painted').length > {before};"
                ),
                15,
            )
            .await?;
        }
        if round == 0 {
            app.screenshot(&artifact("filter-big-board.png")).await?;
        }
        // Cleared (no answer to wait for: an empty query shows the board at once).
        app.keys(&format!("{}{}", key::CONTROL, 'a')).await?;
        app.keys(&key::BACKSPACE.to_string()).await?;
        times.extend(measures(&app, "tack:filter-painted").await?);
        eprintln!(
            "RAW round {round}: answered {:?} applied {:?} painted {:?} echo {:?}",
            measures(&app, "tack:filter-answered").await?,
            measures(&app, "tack:filter-applied").await?,
            measures(&app, "tack:filter-painted").await?,
            measures(&app, "tack:filter-echo").await?
        );
        answered.extend(measures(&app, "tack:filter-answered").await?);
        applied.extend(measures(&app, "tack:filter-applied").await?);
        echoed.extend(measures(&app, "tack:filter-echo").await?);
        behind_echo.extend(behind_the_echo(&app).await?);
        app.js("performance.clearMeasures();", vec![]).await?;
    }
    // After the keystrokes, so that they meet the page as a person's first ones do.
    let floor = app.js_async(FLOOR_PROBE, vec![json!(board)]).await?;
    println!(
        "on this display, with the filter open: {}",
        floor_line(&floor)
    );
    let shown = app
        .js(
            "return document.querySelectorAll('[role=option][data-task-id]').length;",
            vec![],
        )
        .await?;

    // A saved view opened (`v`, the view, Enter) to its filtered board painted, alternating
    // between the two views (`tack:view-painted`).
    app.keys(&key::ESCAPE.to_string()).await?;
    settle(&app).await?;
    for round in 0..6 {
        let before = measures(&app, "tack:view-painted").await?.len();
        app.keys("v").await?;
        app.wait_for(
            "the view picker",
            "const list = document.querySelector('[role=listbox][aria-label=\"Saved views\"]');\
             return document.activeElement === list;",
            15,
        )
        .await?;
        let pick = if round % 2 == 0 {
            String::new()
        } else {
            "j".to_owned()
        };
        app.keys(&format!("{pick}{}", key::ENTER)).await?;
        app.wait_for(
            "the view painted",
            &format!("return performance.getEntriesByName('tack:view-painted').length > {before};"),
            15,
        )
        .await?;
        settle(&app).await?;
    }
    let mut opened = measures(&app, "tack:view-painted").await?;
    let mut view_answered = measures(&app, "tack:view-answered").await?;
    let mut view_applied = measures(&app, "tack:view-applied").await?;
    let mut view_echoed = measures(&app, "tack:view-echo").await?;
    // A filtered board painted within a few ms of the field's echo was painted by the same
    // frame (the next one comes a display refresh, ~16 ms, later).
    let in_echo_frame = behind_echo.iter().filter(|&&behind| behind < 4.0).count();
    println!(
        "filter keystroke to painted on 20 x 500 ({typed:?} typed {rounds} times, {} keystrokes, \
         cards mounted at the end: {shown}): {}; keystroke to the shell's answer: {}; \
         to the board's DOM updated: {}; to the field's echo painted (no answer yet): {}; \
         the filtered board painted by the echo's own frame: {in_echo_frame} of {}, \
         painted after the echo by: {}",
        times.len(),
        summary(&mut times),
        summary(&mut answered),
        summary(&mut applied),
        summary(&mut echoed),
        behind_echo.len(),
        summary(&mut behind_echo),
    );
    println!(
        "saved view opened to painted on 20 x 500 ({} opens): {}; to the shell's answer: {}; \
         to the board's DOM updated: {}; to the picker closed painted (no answer yet): {}",
        opened.len(),
        summary(&mut opened),
        summary(&mut view_answered),
        summary(&mut view_applied),
        summary(&mut view_echoed),
    );
    app.quit().await?;
    Ok(())
}

/// Every other task of the big board assigned to one of four people.
fn assign_every_other_task(session: &mut Session, board: &str, people: usize) -> Result<()> {
    let view = session.open_board(board)?;
    let tasks = view.columns.iter().flat_map(|c| &c.tasks);
    for (n, task) in tasks.step_by(2).enumerate() {
        let op = BoardOp::SetTaskAssignee {
            task_id: task.id.clone(),
            user_id: format!("0190a000-0000-7000-8000-{:012x}", 0xa0a0 + n % people),
            present: true,
        };
        session.apply(board, op)?;
    }
    Ok(())
}

/// What any change costs on this display, beside the filter's numbers: the gaps between
/// frames (`requestAnimationFrame`), a small change at a random moment → its frame starts and
/// → that frame's work is done (the probes' "painted"), and the IPC round trip of the filter
/// (`filter_board`) and of a trivial command (`list_views`). Resolves to each one's times, in
/// ms, by name (`floor_line` summarises them).
const FLOOR_PROBE: &str = "\
    const done = arguments[arguments.length - 1];\
    const boardId = arguments[0];\
    const tauri = window.__TAURI_INTERNALS__;\
    const wait = (ms) => new Promise((r) => setTimeout(r, ms));\
    (async () => {\
      const stamps = [];\
      await new Promise((r) => { const f = (t) => { stamps.push(t);\
        if (stamps.length < 60) requestAnimationFrame(f); else r(); }; requestAnimationFrame(f); });\
      const gaps = stamps.slice(1).map((t, i) => t - stamps[i]);\
      const dot = document.createElement('div');\
      dot.style.cssText = 'position:fixed;bottom:0;left:0;width:4px;height:4px;background:#888';\
      document.body.appendChild(dot);\
      const started = [], painted = [];\
      for (let i = 0; i < 40; i++) {\
        await wait(40 + Math.random() * 60);\
        const t0 = performance.now();\
        dot.style.left = (i % 2) * 4 + 'px';\
        await new Promise((r) => requestAnimationFrame(() => { started.push(performance.now() - t0);\
          setTimeout(() => { painted.push(performance.now() - t0); r(); }, 0); }));\
      }\
      dot.remove();\
      const trip = async (cmd, args) => { const times = [];\
        for (let i = 0; i < 40; i++) { await wait(20 + Math.random() * 30);\
          const t0 = performance.now(); await tauri.invoke(cmd, args); times.push(performance.now() - t0); }\
        return times; };\
      const filter = await trip('filter_board', { boardId, query: 'task 12' });\
      const trivial = await trip('list_views', { boardId });\
      done({ gaps, started, painted, filter, trivial });\
    })();";

/// `FLOOR_PROBE`'s answer as one line.
fn floor_line(found: &Value) -> String {
    let part = |name: &str| summary(&mut numbers(&found[name]));
    format!(
        "frames apart {}; a small change → its frame starts {}, its work done {}; \
         IPC round trip: filter_board {}, list_views {}",
        part("gaps"),
        part("started"),
        part("painted"),
        part("filter"),
        part("trivial"),
    )
}

/// The keypress probe's last row has its frame after.
const FRAME_DONE: &str =
    "const f = window.__tackFrames; return f.length > 0 && f[f.length - 1][3] !== null";

/// The keypress probe's rows so far, emptied.
async fn take_rows(app: &App) -> Result<Value> {
    app.js(
        "const f = window.__tackFrames; window.__tackFrames = []; return f;",
        vec![],
    )
    .await
}

/// `z g` until `shown` holds and its frame after is in; prints the probe's rows as `what`.
async fn time_grouping(app: &App, what: &str, shown: &str) -> Result<()> {
    app.keys("zg").await?;
    app.wait_for(what, &format!("{FRAME_DONE} && {shown};"), 30)
        .await?;
    // The probe's rows of both keys (`z`, `g`) are in once the second frame is.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    println!(
        "{what} (z, g) keypress to [mutation, task end, frame, frame after] ms: {}",
        take_rows(app).await?
    );
    Ok(())
}

/// `z g` to swimlanes by assignee painted (`lanes` of them), `j` within a lane, and `z g z g`
/// back to no lanes, four times, timed by the page's keypress probe (printed, not asserted).
async fn time_lanes(app: &App, lanes: usize) -> Result<()> {
    app.js(FRAME_PROBE, vec![]).await?;
    for round in 0..4 {
        take_rows(app).await?;
        // A lane per person assigned, one for me (the board's own member) and Unassigned.
        let shown = format!("document.querySelectorAll('section.lane').length === {lanes}");
        time_grouping(app, "lanes shown", &shown).await?;
        for _ in 0..14 {
            let before = app.js("return window.__tackFrames.length;", vec![]).await?;
            app.keys("j").await?;
            let moved = format!("{FRAME_DONE} && window.__tackFrames.length > {before};");
            app.wait_for("the cursor moved", &moved, 10).await?;
        }
        println!(
            "j within a lane keypress to [mutation, task end, frame, frame after] ms: {}",
            take_rows(app).await?
        );
        if round == 0 {
            app.screenshot(&artifact("lanes-big-board.png")).await?;
        }
        // By label (one lane: the demo board has none), then none.
        app.keys("zg").await?;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        take_rows(app).await?;
        time_grouping(app, "lanes gone", "!document.querySelector('section.lane')").await?;
        app.keys("gg").await?;
        settle(app).await?;
    }
    Ok(())
}

/// "p50 …, p95 …, max … ms" of durations in ms.
fn summary(times: &mut [f64]) -> String {
    times.sort_by(f64::total_cmp);
    let Some(max) = times.last().copied() else {
        return "none".to_owned();
    };
    let at = |q: f64| times[((q * times.len() as f64) as usize).min(times.len() - 1)];
    format!(
        "p50 {:.1} ms, p95 {:.1} ms, max {max:.1} ms",
        at(0.5),
        at(0.95)
    )
}

/// For each keystroke timed so far, how much later its filtered board was painted than the
/// field's echo of it (the two measures share their start, the input event), in ms.
async fn behind_the_echo(app: &App) -> Result<Vec<f64>> {
    let found: Value = app
        .js(
            "const echo = new Map(performance.getEntriesByName('tack:filter-echo')\
               .map(m => [m.startTime, m.duration]));\
             return performance.getEntriesByName('tack:filter-painted')\
               .filter(m => echo.has(m.startTime))\
               .map(m => m.duration - echo.get(m.startTime));",
            vec![],
        )
        .await?;
    Ok(numbers(&found))
}

/// The numbers of a script's array answer (none for anything else).
fn numbers(found: &Value) -> Vec<f64> {
    found
        .as_array()
        .map(|all| all.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

/// The durations of the page's measures called `name` so far, in ms.
async fn measures(app: &App, name: &str) -> Result<Vec<f64>> {
    let found: Value = app
        .js(
            "return performance.getEntriesByName(arguments[0]).map(m => m.duration);",
            vec![json!(name)],
        )
        .await?;
    Ok(numbers(&found))
}
