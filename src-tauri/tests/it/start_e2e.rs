//! The start path in the real app: the board shown last paints from the view kept at the last
//! run before its document has loaded (held back here by `TACK_TEST_SLOW_START_MS`), then
//! catches up with what changed while the app was closed; a task typed meanwhile is kept.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use board_model::{ReplicaConfig, Sources};
use serde_json::json;
use tack::ipc::{BoardOp, Place};
use tack::session::Session;

use crate::app::{artifact, App, AppProcesses, Desktop};
use crate::e2e::{
    answer, focused_card, open_board, settle, switch_timed, wait_board_text, wait_focus,
    FOCUSED_CARD,
};
use crate::palette::seed_boards;

/// Waits (bounded) until the app has kept the view of the board it shows.
pub(crate) fn wait_kept_view(data_dir: &std::path::Path) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let store = board_store::Store::open_in_dir(data_dir).context("store")?;
        if let Some((board, bytes)) = store.shown_view()? {
            ensure!(!bytes.is_empty(), "an empty kept view");
            return Ok(board);
        }
        ensure!(
            Instant::now() < deadline,
            "the app kept no view of the board it showed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_board_shows_its_kept_view_before_its_document_loads_then_catches_up() -> Result<()>
{
    if !cfg!(debug_assertions) {
        // `TACK_TEST_SLOW_START_MS` exists in debug builds only.
        println!("skipped: the slow document is a debug build's seam");
        return Ok(());
    }
    let mut desktop = Desktop::start()?;
    let dir = desktop.data_dir();
    seed_boards(
        &dir,
        &[(
            "Launch",
            &[("To do", &["Book venue", "Send invites"]), ("Done", &[])],
        )],
    )?;
    let app = desktop.launch().await?;
    wait_board_text(
        &app,
        json!([["To do", ["Book venue", "Send invites"]], ["Done", []]]),
    )
    .await?;
    app.quit().await?;
    let board = wait_kept_view(&dir)?;

    // While the app is closed (tackctl, or a teammate's update arriving): a task renamed, one
    // added.
    {
        let config = ReplicaConfig {
            user: "ana".into(),
            sources: Sources::system(),
        };
        let mut s = Session::open(&dir, config).context("store")?;
        let view = s.open_board(&board)?;
        let todo = &view.columns[0];
        s.apply(
            &board,
            BoardOp::SetTaskTitle {
                task_id: todo.tasks[0].id.clone(),
                title: "Book the venue".into(),
            },
        )?;
        s.apply(
            &board,
            BoardOp::AddTask {
                column_id: todo.id.clone(),
                title: "Call the caterer".into(),
                place: Place::Bottom,
                description: None,
            },
        )?;
    }

    // Started again with a document that takes 8 s to load: the board is there at once as it
    // was kept: the old title, which only the kept view still has.
    desktop.set_app_env("TACK_TEST_SLOW_START_MS", "8000");
    let app = desktop.launch().await?;
    wait_board_text(
        &app,
        json!([["To do", ["Book venue", "Send invites"]], ["Done", []]]),
    )
    .await
    .context("the kept view, before the document loaded")?;
    app.screenshot(&artifact("start-kept-view.png")).await?;

    // Typed while the document loads: a task in "Done" through its composer.
    settle(&app).await?;
    app.keys("gg").await?;
    wait_focus(&app, "Book venue", "To do").await?;
    app.keys("l").await?;
    app.keys("o").await?;
    answer(&app, "Task title", "Typed at start").await?;

    // The document loaded: what changed while the app was closed shows, the typed task stays.
    let processes = AppProcesses::find(&dir)?;
    let caught_up = json!([
        [
            "To do",
            ["Book the venue", "Send invites", "Call the caterer"]
        ],
        ["Done", ["Typed at start"]]
    ]);
    wait_board_text(&app, caught_up.clone())
        .await
        .context("caught up with the document")?;
    // Printed for BENCHMARKS.md: the app's memory with a three-task board, the baseline the
    // 10,000-task board's figure (e2e::a_ten…) compares with.
    println!(
        "memory with a three-task board open, MiB (tack, then its WebKit processes): {:?}",
        processes.rss_mib()
    );
    app.quit().await?;

    // And all of it is durable: a plain start shows the same.
    desktop.set_app_env("TACK_TEST_SLOW_START_MS", "0");
    let app = desktop.launch().await?;
    wait_board_text(&app, caught_up).await?;
    app.quit().await?;
    Ok(())
}

/// A large board this computer never showed: a while after the first paint the app keeps a
/// view of it ahead, and its first opening paints that view before its document loads (held
/// back here in debug builds), then catches up with what changed since the view was kept. A
/// release build opens the 20 × 500 board this way and prints the times (BENCHMARKS.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_board_never_shown_opens_from_a_view_kept_ahead_then_catches_up() -> Result<()> {
    let release = !cfg!(debug_assertions);
    let mut desktop = Desktop::start()?;
    let dir = desktop.data_dir();
    seed_boards(&dir, &[("Launch", &[("To do", &["Book venue"])])])?;
    let config = ReplicaConfig {
        user: "e2e".into(),
        sources: Sources::system(),
    };
    let (columns, tasks) = if release {
        (20, 10_000)
    } else {
        (4, u32::try_from(tack::start::KEEP_AHEAD_MIN_TASKS)?)
    };
    let roadmap = Session::open(&dir, config.clone())
        .context("store")?
        .generate_demo_board("Roadmap", columns, tasks)?
        .id;
    desktop.set_app_env("TACK_KEEP_AHEAD_AFTER_MS", "0");
    // `TACK_TEST_SLOW_START_MS` exists in debug builds only.
    desktop.set_app_env("TACK_TEST_SLOW_START_MS", "4000");
    let app = desktop.launch().await?;
    wait_board_text(&app, json!([["To do", ["Book venue"]]])).await?;

    // Kept ahead (bounded wait), never the board shown last.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let store = board_store::Store::open_in_dir(&dir).context("store")?;
        if store.kept_view(&roadmap)?.is_some() {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "no view of Roadmap was kept ahead"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Since: its first task renamed (tackctl, or a teammate's update arriving).
    {
        let mut s = Session::open(&dir, config).context("store")?;
        let view = s.open_board(&roadmap)?;
        s.apply(
            &roadmap,
            BoardOp::SetTaskTitle {
                task_id: view.columns[0].tasks[0].id.clone(),
                title: "Task one".into(),
            },
        )?;
    }

    // Opened: the view kept ahead at once (the old title, which only it still has), then the
    // board as it is now.
    let first_card = "return document.querySelector('section.column [role=option][data-task-id]')\
                      ?.getAttribute('aria-label') ?? null;";
    if release {
        let (answered, painted) = switch_timed(&app, "Roadmap").await?;
        println!(
            "first opening of the 20 x 500 board, never shown, from its view kept ahead: \
             answered {answered:.0} ms, painted {painted:.0} ms"
        );
    } else {
        open_board(&app, "Roadmap").await?;
        let shown = app.js(first_card, vec![]).await?;
        ensure!(
            shown == json!("Task 1"),
            "the view kept ahead shows first, got {shown}"
        );
        // Its first screen only (the rest comes with the reconcile), counted as the whole
        // column; `G` waits for the rest, then lands on the column's last task.
        let per_column = tasks / columns;
        let first_count = "return document.querySelector('section.column .count')\
                           ?.textContent.trim() ?? null;";
        let count = app.js(first_count, vec![]).await?;
        ensure!(
            count == json!(per_column.to_string()),
            "the first column counts its {per_column} tasks while its first screen shows, got {count}"
        );
        app.screenshot(&artifact("first-screen.png")).await?;
        settle(&app).await?;
        app.keys("gg").await?;
        wait_cursor_place(&app, "the cursor at the top", "at === 1").await?;
        app.keys("G").await?;
        // The document is held back 4 s: the rest is not here yet, and the cursor stays.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let focused = focused_card(&app).await?;
        ensure!(
            focused["pos"] == json!(1),
            "G waits for the rest of a first screen's column, yet the cursor went to {focused}"
        );
        wait_cursor_place(
            &app,
            "the cursor at the column's last task, once the rest arrived",
            &format!("at === {per_column}"),
        )
        .await?;
        // Back to the top, where the renamed task shows.
        app.keys("gg").await?;
        wait_cursor_place(&app, "the cursor at the top", "at === 1").await?;
    }
    app.wait_for(
        "the board as it is now",
        &format!("{{ const f = () => {{ {first_card} }}; return f() === 'Task one'; }}"),
        30,
    )
    .await
    .context("caught up with the document")?;
    app.quit().await?;
    Ok(())
}

/// Waits until the focused card's place in its column passes `test`, a JavaScript expression
/// over `at` (its `pos` in [`FOCUSED_CARD`], from 1; 0 when no card has focus).
async fn wait_cursor_place(app: &App, what: &str, test: &str) -> Result<()> {
    let script = format!(
        "const f = (() => {{ {FOCUSED_CARD} }})();\
         const at = f ? f.pos : 0;\
         return {test};"
    );
    app.wait_for(what, &script, 30).await?;
    Ok(())
}
