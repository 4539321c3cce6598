//! The palette (Ctrl-K) in the real app under Xvfb, keyboard only: an action on the task under
//! the cursor ("Move to Done") and a task found by its title on another board, opened there.

use anyhow::{Context, Result};
use board_model::{ReplicaConfig, Sources};
use serde_json::json;
use tack::ipc::{BoardOp, Place};
use tack::session::Session;

use crate::app::{artifact, key, App, Desktop};
use crate::e2e::{open_board, settle, wait_board_open, wait_board_text, wait_field, wait_focus};

/// A board's title and its columns' titles with their tasks' titles.
pub(crate) type SeedBoard<'a> = (&'a str, &'a [(&'a str, &'a [&'a str])]);

/// Boards written through the session before the app starts, in order, as `ana`.
pub(crate) fn seed_boards(data_dir: &std::path::Path, boards: &[SeedBoard]) -> Result<()> {
    let config = ReplicaConfig {
        user: "ana".into(),
        sources: Sources::system(),
    };
    let mut s = Session::open(data_dir, config).context("store")?;
    for (title, columns) in boards {
        let board = s.create_board(title)?.id;
        for (column_title, tasks) in columns.iter() {
            let column = s
                .apply(
                    &board,
                    BoardOp::AddColumn {
                        title: (*column_title).into(),
                        wip: None,
                        place: Place::Bottom,
                    },
                )?
                .0
                .created_id
                .context("column id")?;
            for task in tasks.iter() {
                s.apply(
                    &board,
                    BoardOp::AddTask {
                        column_id: column.clone(),
                        title: (*task).into(),
                        place: Place::Bottom,
                        description: None,
                    },
                )?;
            }
        }
    }
    Ok(())
}

/// "Launch" (To do, Doing, Done) and "Venues" (To book), each column with its tasks.
fn seed(data_dir: &std::path::Path) -> Result<()> {
    seed_boards(
        data_dir,
        &[
            (
                "Launch",
                &[
                    ("To do", &["Write spec", "Book venue"]),
                    ("Doing", &["Send invites"]),
                    ("Done", &[]),
                ],
            ),
            (
                "Venues",
                &[(
                    "To book",
                    &["Hall for the offsite", "Renew the venue contract"],
                )],
            ),
        ],
    )
}

/// Ctrl-K, then `text` typed into the palette's field; waits until the chosen option is
/// `wanted` (an option's text starts with it).
pub(crate) async fn palette(app: &App, text: &str, wanted: &str) -> Result<()> {
    app.keys(&format!("{}k", key::CONTROL)).await?;
    wait_field(app, "Command").await?;
    app.keys(text).await?;
    app.wait_for(
        &format!("{wanted:?} chosen in the palette"),
        &format!(
            "const field = document.activeElement;\
             if (!field || field.getAttribute('role') !== 'combobox') return false;\
             const chosen = document.getElementById(field.getAttribute('aria-activedescendant'));\
             return !!chosen && chosen.getAttribute('role') === 'option'\
               && chosen.getAttribute('aria-selected') === 'true'\
               && chosen.textContent.trim().startsWith({});",
            json!(wanted)
        ),
        15,
    )
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_palette_moves_the_task_under_the_cursor_to_done() -> Result<()> {
    let mut desktop = Desktop::start()?;
    seed(&desktop.data_dir())?;
    let app = desktop.launch().await?;
    open_board(&app, "Launch").await?;
    settle(&app).await?;
    app.keys("gg").await?;
    wait_focus(&app, "Write spec", "To do").await?;

    palette(&app, "Move to Done", "Move to Done").await?;
    app.screenshot(&artifact("palette-move.png")).await?;
    app.keys(&key::ENTER.to_string()).await?;
    wait_board_text(
        &app,
        json!([
            ["To do", ["Book venue"]],
            ["Doing", ["Send invites"]],
            ["Done", ["Write spec"]]
        ]),
    )
    .await?;
    // The cursor went along, and `u` takes the move back like any other edit.
    wait_focus(&app, "Write spec", "Done").await?;
    app.keys("u").await?;
    wait_board_text(
        &app,
        json!([
            ["To do", ["Write spec", "Book venue"]],
            ["Doing", ["Send invites"]],
            ["Done", []]
        ]),
    )
    .await?;
    app.quit().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_palette_finds_a_task_on_another_board_and_opens_it() -> Result<()> {
    let mut desktop = Desktop::start()?;
    seed(&desktop.data_dir())?;
    let app = desktop.launch().await?;
    open_board(&app, "Launch").await?;
    settle(&app).await?;

    palette(&app, "venue contract", "Renew the venue contract").await?;
    app.screenshot(&artifact("palette-find.png")).await?;
    app.keys(&key::ENTER.to_string()).await?;
    wait_board_open(&app, "Venues", 15).await?;
    // Shown on its board: its card chosen and its details open.
    app.wait_for(
        "the task's details on Venues",
        "const d = document.querySelector('[role=dialog][aria-label=\"Task details\"]');\
         const title = d && d.querySelector('input[aria-label=Title]');\
         const card = d && document.querySelector(\
           `[role=option][data-task-id=\"${d.getAttribute('data-task-id')}\"]`);\
         return !!title && title.value === 'Renew the venue contract'\
           && !!card && card.getAttribute('aria-selected') === 'true'\
           && !document.querySelector('.palette');",
        15,
    )
    .await?;
    app.quit().await?;
    Ok(())
}
