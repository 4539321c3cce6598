//! The menu bar in the real app under Xvfb. It is native on macOS only; `TACK_MENU_BAR=1`
//! shows the same menus in the main window elsewhere, which is how they are tried here: its
//! accelerators, pressed as X11 key events (xdotool, as a keyboard makes them), run the
//! window's commands that no key of the page has (Ctrl+F filters, Ctrl+/ shows the shortcuts),
//! and an item chosen from the keyboard (F10, Down, Enter) runs its command too.

use anyhow::Result;

use crate::app::{artifact, Desktop};
use crate::e2e::{open_board, settle, wait_field, wait_start_done};
use crate::palette::seed_boards;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_menu_bar_runs_the_windows_commands_by_accelerator_and_by_keyboard() -> Result<()> {
    let mut desktop = Desktop::start()?;
    seed_boards(
        &desktop.data_dir(),
        &[("Launch", &[("To do", &["Write spec"]), ("Doing", &[])])],
    )?;
    desktop.set_app_env("TACK_MENU_BAR", "1");
    let app = desktop.launch().await?;
    open_board(&app, "Launch").await?;
    settle(&app).await?;
    wait_start_done(&app).await?;
    desktop.capture_screen(&artifact("menu-bar.png"))?;

    // Ctrl+F is no key of the page: only the menu's "Filter This Board" opens the filter.
    desktop.xdotool(&["key", "ctrl+f"])?;
    wait_field(&app, "Filter tasks").await?;
    desktop.xdotool(&["key", "Escape"])?;
    settle(&app).await?;

    // Ctrl+/ ("Help → Keyboard Shortcuts") shows the cheat sheet.
    desktop.xdotool(&["key", "ctrl+slash"])?;
    app.wait_for(
        "the keyboard shortcuts",
        "return !!document.querySelector('[aria-label=\"Keyboard shortcuts\"]');",
        10,
    )
    .await?;
    desktop.xdotool(&["key", "Escape"])?;
    settle(&app).await?;

    // From the keyboard alone: F10 opens the first menu ("Tack": Settings first where the
    // system's own items are not shown), Down reaches Settings, Enter chooses it.
    desktop.xdotool(&["key", "F10"])?;
    std::thread::sleep(std::time::Duration::from_millis(300));
    desktop.xdotool(&["key", "Down"])?;
    std::thread::sleep(std::time::Duration::from_millis(300));
    desktop.capture_screen(&artifact("menu-open.png"))?;
    desktop.xdotool(&["key", "Return"])?;
    app.wait_for(
        "the account settings",
        "return !!document.querySelector('[role=dialog][aria-label=\"Account and server\"]');",
        10,
    )
    .await?;
    app.screenshot(&artifact("menu-settings.png")).await?;
    app.quit().await?;
    Ok(())
}
