//! Tack's desktop app: a thin Tauri shell. Commands (`commands.rs`) delegate to `board-model`
//! and `board-store` through one [`session::Session`]; every change is durable in SQLite before
//! the UI hears of it as typed patches (`patches.rs`) on the `board-patch` event.

pub mod bindings;
pub mod collab;
#[macro_use]
mod command_list;
#[cfg(test)]
mod command_names;
mod commands;
pub mod ipc;
pub mod patches;
pub mod session;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use board_model::{ReplicaConfig, Sources};
use tauri::{AppHandle, Emitter, Manager, WindowEvent};
use tauri_plugin_window_state::StateFlags;

use crate::collab::{AppEvent, Collab, EventSink};
use crate::commands::{AppState, CloseConfirmed, DroppedFiles};
use crate::ipc::CloseRequestedEvent;
use crate::session::Session;

/// Emits the collaboration side's events to the window.
struct WindowSink(AppHandle);

impl EventSink for WindowSink {
    fn emit(&self, event: AppEvent) {
        let sent = match &event {
            AppEvent::Patch(e) => self.0.emit(ipc::BOARD_PATCH_EVENT, e),
            AppEvent::Status(e) => self.0.emit(ipc::SYNC_STATUS_EVENT, e),
            AppEvent::Presence(e) => self.0.emit(ipc::PRESENCE_EVENT, e),
            AppEvent::Access(e) => self.0.emit(ipc::BOARD_ACCESS_EVENT, e),
            AppEvent::Closed(e) => self.0.emit(ipc::BOARD_CLOSED_EVENT, e),
            AppEvent::Conflict(e) => self.0.emit(ipc::CONFLICT_EVENT, e),
            AppEvent::Directory(e) => self.0.emit(ipc::BOARD_DIRECTORY_EVENT, e),
        };
        if let Err(err) = sent {
            tracing::warn!(?err, ?event, "could not emit");
        }
    }
}

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
    let session = Arc::new(Mutex::new(session));
    let collab_session = session.clone();

    let app = tauri::Builder::default()
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(StateFlags::SIZE | StateFlags::MAXIMIZED)
                .build(),
        )
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(AppState(session))
        .manage(CloseConfirmed::default())
        .manage(DroppedFiles::default())
        .setup(move |app| {
            // Sync starts with the app (when signed in), on Tauri's tokio runtime.
            let runtime = tauri::async_runtime::handle().inner().clone();
            let sink = Arc::new(WindowSink(app.handle().clone()));
            app.manage(Collab::start(dir, collab_session, sink, runtime));
            Ok(())
        })
        .on_window_event(|window, event| {
            // Files dropped on the window: kept for `attach_dropped` (the window gets their
            // positions from the same event and names the task).
            if let WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, position }) = event {
                let dropped = window.app_handle().state::<DroppedFiles>();
                *dropped
                    .0
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = paths.clone();
                let at = position.to_logical::<f64>(window.scale_factor().unwrap_or(1.0));
                let event = ipc::FilesDroppedEvent {
                    count: u32::try_from(paths.len()).unwrap_or(u32::MAX),
                    x: at.x,
                    y: at.y,
                };
                if let Err(err) = window.emit(ipc::FILES_DROPPED_EVENT, &event) {
                    tracing::warn!(?err, "could not tell the window of dropped files");
                }
                return;
            }
            let WindowEvent::CloseRequested { api, .. } = event else {
                return;
            };
            let app = window.app_handle();
            if app.state::<CloseConfirmed>().0.load(Ordering::SeqCst) {
                return;
            }
            let Some(collab) = app.try_state::<Collab>() else {
                return;
            };
            let unsent = collab.pending();
            if let Some(text) = collab::close_text(unsent) {
                api.prevent_close();
                let event = CloseRequestedEvent {
                    pending: unsent.total(),
                    text,
                };
                if let Err(err) = window.emit(ipc::CLOSE_REQUESTED_EVENT, &event) {
                    tracing::warn!(?err, "could not ask about closing");
                }
            }
        })
        .invoke_handler(commands::handler())
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(err) => {
            tracing::error!(%err, "the app could not start");
            std::process::exit(1);
        }
    }
}
