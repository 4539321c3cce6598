//! Quick add from anywhere in the real app under Xvfb: the global shortcut pressed as X11 key
//! events (xdotool, as a keyboard makes them, not WebDriver's) opens the quick add window over
//! whatever has focus; what is typed there and Enter lands on the chosen board, shown in the
//! main window, and the window hides; Alt-B and a letter choose another board; Esc hides it
//! without adding.

use anyhow::Result;
use serde_json::json;

use crate::app::{artifact, Desktop};
use crate::e2e::{open_board, settle, wait_board_text, wait_start_done};
use crate::palette::seed_boards;

const WINDOW: &str = "Quick add — Tack";

/// Waits until the quick add window is shown and has the keyboard (bounded).
fn focused(desktop: &Desktop) -> Result<()> {
    let window = desktop.wait_window(WINDOW, true, 20)?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while desktop.xdotool(&["getwindowfocus"])? != window {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the quick add window is shown but does not have the keyboard"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_global_shortcut_opens_quick_add_and_its_task_lands_on_the_chosen_board() -> Result<()>
{
    let mut desktop = Desktop::start()?;
    // "Launch" first (quick add's first choice), then "Venues".
    seed_boards(
        &desktop.data_dir(),
        &[
            ("Launch", &[("To do", &["Write spec"]), ("Doing", &[])]),
            ("Venues", &[("To book", &[])]),
        ],
    )?;
    let app = desktop.launch().await?;
    open_board(&app, "Launch").await?;
    settle(&app).await?;
    // The shortcut is registered once the window painted its first board.
    wait_start_done(&app).await?;

    // The shortcut, from the keyboard: the window appears with the title field focused.
    desktop.xdotool(&["key", "ctrl+alt+n"])?;
    focused(&desktop)?;
    desktop.xdotool(&["type", "--delay", "30", "Call the caterer"])?;
    // A picture to look at, once the typed title is painted.
    std::thread::sleep(std::time::Duration::from_millis(700));
    desktop.capture_screen(&artifact("quick-add-window.png"))?;
    desktop.xdotool(&["key", "Return"])?;
    wait_board_text(
        &app,
        json!([["To do", ["Write spec", "Call the caterer"]], ["Doing", []]]),
    )
    .await?;
    desktop.wait_window(WINDOW, false, 10)?;

    // Again, onto the other board: Alt-B reaches the board choice, a letter picks "Venues".
    desktop.xdotool(&["key", "ctrl+alt+n"])?;
    focused(&desktop)?;
    desktop.xdotool(&["type", "--delay", "30", "Hall for the offsite"])?;
    desktop.xdotool(&["key", "alt+b"])?;
    desktop.xdotool(&["key", "V"])?;
    desktop.xdotool(&["key", "Return"])?;
    desktop.wait_window(WINDOW, false, 10)?;
    open_board(&app, "Venues").await?;
    wait_board_text(&app, json!([["To book", ["Hall for the offsite"]]])).await?;

    // Esc hides it and adds nothing.
    desktop.xdotool(&["key", "ctrl+alt+n"])?;
    focused(&desktop)?;
    desktop.xdotool(&["type", "--delay", "30", "Never mind"])?;
    desktop.xdotool(&["key", "Escape"])?;
    desktop.wait_window(WINDOW, false, 10)?;
    wait_board_text(&app, json!([["To book", ["Hall for the offsite"]]])).await?;
    app.screenshot(&artifact("quick-add-after.png")).await?;
    app.quit().await?;
    Ok(())
}
