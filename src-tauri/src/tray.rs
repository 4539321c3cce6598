//! The tray (menu bar on macOS): the sync state as its tooltip and first menu line, and quick
//! actions — open Tack, quick add, look for updates, quit. Where the desktop has no tray (a
//! GNOME without the AppIndicator extension, a bare X server) nothing shows and nothing fails.

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager};

use crate::ipc::{SyncKind, SyncStatusEvent};

const OPEN: &str = "tray:open";
const QUICK_ADD: &str = "tray:quick-add";
const CHECK_UPDATE: &str = "tray:check-update";
const QUIT: &str = "tray:quit";

/// What the tray says of the sync state: the indicator's sentence, prefixed to name the app.
pub fn status_text(status: Option<&SyncStatusEvent>) -> String {
    match status {
        None => "Tack".to_owned(),
        Some(status) if status.overall.kind == SyncKind::Synced => "Tack — synced".to_owned(),
        Some(status) => format!("Tack — {}", status.overall.text),
    }
}

/// The tray and its status line, kept to be updated.
pub struct Tray {
    icon: TrayIcon,
    status: MenuItem<tauri::Wry>,
}

/// Makes the tray; `None` (logged) where it cannot be made.
pub fn start(app: &AppHandle) -> Option<Tray> {
    match build(app) {
        Ok(tray) => Some(tray),
        Err(err) => {
            tracing::warn!(%err, "no tray icon");
            None
        }
    }
}

fn build(app: &AppHandle) -> tauri::Result<Tray> {
    let status = MenuItem::with_id(app, "tray:status", status_text(None), false, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &status,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, OPEN, "Open Tack", true, None::<&str>)?,
            &MenuItem::with_id(app, QUICK_ADD, "Quick add…", true, None::<&str>)?,
            &MenuItem::with_id(app, CHECK_UPDATE, "Check for updates", true, None::<&str>)?,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, QUIT, "Quit Tack", true, Some("CmdOrCtrl+Q"))?,
        ],
    )?;
    let mut builder = TrayIconBuilder::with_id("tack")
        .menu(&menu)
        .tooltip(status_text(None))
        .on_menu_event(|app, event| match event.id().as_ref() {
            OPEN => crate::show_main_window(app),
            QUICK_ADD => crate::quick_add::show(app),
            CHECK_UPDATE => {
                crate::show_main_window(app);
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    let state = crate::update::check(&app).await.unwrap_or_else(|err| {
                        crate::ipc::UpdateState {
                            current_version: app.package_info().version.to_string(),
                            available: None,
                            problem: Some(err.message),
                        }
                    });
                    if let Err(err) = app.emit(crate::ipc::UPDATE_CHECKED_EVENT, &state) {
                        tracing::warn!(?err, "could not tell the window what the look found");
                    }
                });
            }
            QUIT => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    let icon = builder.build(app)?;
    Ok(Tray { icon, status })
}

impl Tray {
    /// Shows the sync state (called with every status the window hears).
    pub fn show_status(&self, status: &SyncStatusEvent) {
        let text = status_text(Some(status));
        if let Err(err) = self.status.set_text(&text) {
            tracing::debug!(?err, "could not update the tray's status line");
        }
        if let Err(err) = self.icon.set_tooltip(Some(&text)) {
            tracing::debug!(?err, "could not update the tray's tooltip");
        }
    }
}

/// Shows `status` in the tray, if the app has one.
pub fn show_status(app: &AppHandle, status: &SyncStatusEvent) {
    if let Some(tray) = app.try_state::<Tray>() {
        tray.show_status(status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipc::SyncState;

    fn event(kind: SyncKind, pending: u64) -> SyncStatusEvent {
        SyncStatusEvent {
            overall: SyncState {
                kind,
                pending,
                text: crate::collab::kind_text(kind, pending),
            },
            boards: Vec::new(),
        }
    }

    #[test]
    fn the_tray_says_the_sync_state_as_the_indicator_does() {
        assert_eq!(status_text(None), "Tack");
        assert_eq!(
            status_text(Some(&event(SyncKind::Synced, 0))),
            "Tack — synced"
        );
        assert_eq!(
            status_text(Some(&event(SyncKind::Offline, 3))),
            "Tack — Offline — 3 changes saved on this computer"
        );
        assert_eq!(
            status_text(Some(&event(SyncKind::SignedOut, 0))),
            "Tack — Signed out — sign in to sync"
        );
    }
}
