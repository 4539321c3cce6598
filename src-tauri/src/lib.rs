//! Tack's desktop app: a thin Tauri shell. Commands (`commands.rs`) delegate to `board-model`
//! and `board-store` through one [`session::Session`]; every change is durable in SQLite before
//! the UI hears of it as typed patches (`patches.rs`) on the `board-patch` event.

pub mod bindings;
mod commands;
pub mod ipc;
pub mod patches;
pub mod session;

use std::path::PathBuf;
use std::sync::Mutex;

use board_model::{ReplicaConfig, Sources};
use tauri_plugin_window_state::StateFlags;

use crate::commands::AppState;
use crate::session::Session;

/// Where the store lives: `TACK_DATA_DIR` if set (tests, several profiles), else the platform
/// data directory `tackctl` uses too (`board_store::default_data_dir()`, which is Tauri's
/// `app_data_dir` for the identifier `dev.tack.app`).
fn data_dir() -> Option<PathBuf> {
    std::env::var_os("TACK_DATA_DIR")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(board_store::default_data_dir)
}

fn user_name() -> String {
    std::env::var("TACK_USER")
        .or_else(|_| std::env::var("USER"))
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|user| !user.trim().is_empty())
        .unwrap_or_else(|| "local".to_owned())
}

/// Starts the app; returns when its last window closed.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TACK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let Some(dir) = data_dir() else {
        tracing::error!("no platform data directory; set TACK_DATA_DIR");
        std::process::exit(1);
    };
    let config = ReplicaConfig {
        user: user_name(),
        sources: Sources::system(),
    };
    let session = match Session::open(&dir, config) {
        Ok(session) => session,
        Err(err) => {
            tracing::error!(dir = %dir.display(), %err, "cannot open the local store");
            std::process::exit(1);
        }
    };
    tracing::info!(dir = %dir.display(), "store opened");

    let app = tauri::Builder::default()
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(StateFlags::SIZE | StateFlags::MAXIMIZED)
                .build(),
        )
        .manage(AppState(Mutex::new(session)))
        .invoke_handler(tauri::generate_handler![
            commands::list_boards,
            commands::create_board,
            commands::delete_board,
            commands::open_board,
            commands::apply,
            commands::undo,
            commands::redo,
            commands::generate_demo_board,
        ])
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(err) => {
            tracing::error!(%err, "the app could not start");
            std::process::exit(1);
        }
    }
}
