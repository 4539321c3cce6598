//! Quick add from anywhere (README "Quick add"): a global shortcut (tauri-plugin-global-shortcut;
//! `CommandOrControl+Alt+N` unless the person chose another, kept in the store's profile)
//! opens a small window that adds a task to a chosen board and column without bringing up the
//! main window. The window is made once and hidden after each task, so the next shortcut shows
//! it at once; the main window closing quits the app even while it is hidden.

use tauri::{AppHandle, Emitter, Manager, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};

use crate::ipc::{ErrorKind, IpcError, QuickAddShownEvent, QUICK_ADD_SHOWN_EVENT};

/// The quick add window's label (the UI renders the quick add form in it).
pub const WINDOW: &str = "quick-add";
/// The shortcut until the person chooses another.
pub const DEFAULT_SHORTCUT: &str = "CommandOrControl+Alt+N";
/// Where the chosen shortcut is kept (an empty value: none).
pub const SHORTCUT_SETTING: &str = "quick_add:shortcut";

/// Reads a shortcut as typed (`Ctrl+Alt+N`, `CommandOrControl+Shift+Space`): its canonical
/// form, or why it is not one. It needs a modifier: a bare key taken from every other app
/// would be a trap.
pub fn parse_shortcut(text: &str) -> Result<Shortcut, IpcError> {
    let shortcut: Shortcut = text.trim().parse().map_err(|err| {
        IpcError::invalid(format!(
            "{:?} is not a shortcut ({err}); write it like Ctrl+Alt+N",
            text.trim()
        ))
    })?;
    if shortcut.mods.is_empty() {
        return Err(IpcError::invalid(
            "A quick add shortcut needs Ctrl, Alt, Shift or Super with its key.",
        ));
    }
    Ok(shortcut)
}

/// The plugin, calling [`show`] when a registered shortcut is pressed.
pub fn plugin() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, _shortcut, event| {
            if event.state == ShortcutState::Pressed {
                show(app);
            }
        })
        .build()
}

/// Registers `text` as the quick add shortcut in place of any other (`""`: none).
pub fn register(app: &AppHandle, text: &str) -> Result<(), IpcError> {
    let shortcuts = app.global_shortcut();
    let new = if text.trim().is_empty() {
        None
    } else {
        Some(parse_shortcut(text)?)
    };
    shortcuts
        .unregister_all()
        .map_err(|err| IpcError::new(ErrorKind::Storage, err.to_string()))?;
    if let Some(shortcut) = new {
        shortcuts.register(shortcut).map_err(|err| {
            IpcError::invalid(format!(
                "{} cannot be used as a shortcut here ({err}); another app may hold it",
                text.trim()
            ))
        })?;
    }
    Ok(())
}

/// Shows the quick add window, focused, and tells it to start afresh. The first time it is
/// made hidden and its page shows it once it is ready (calling this again), so nothing typed
/// right after the shortcut goes to a page still loading.
pub fn show(app: &AppHandle) {
    let Some(window) = app.get_webview_window(WINDOW) else {
        let built = WebviewWindowBuilder::new(app, WINDOW, WebviewUrl::App("index.html".into()))
            .title("Quick add — Tack")
            .inner_size(520.0, 240.0)
            .resizable(false)
            .always_on_top(true)
            .skip_taskbar(true)
            .center()
            .visible(false)
            .build();
        if let Err(err) = built {
            tracing::error!(%err, "could not open the quick add window");
        }
        return;
    };
    for (what, done) in [("show", window.show()), ("focus", window.set_focus())] {
        if let Err(err) = done {
            tracing::warn!(?err, "could not {what} the quick add window");
        }
    }
    let shortcut = configured_in(app).unwrap_or_default();
    if let Err(err) = window.emit(QUICK_ADD_SHOWN_EVENT, QuickAddShownEvent { shortcut }) {
        tracing::warn!(?err, "could not tell the quick add window it is shown");
    }
}

/// Hides the quick add window (kept for the next time).
pub fn hide(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(WINDOW) {
        if let Err(err) = window.hide() {
            tracing::warn!(?err, "could not hide the quick add window");
        }
    }
}

/// Why the quick add shortcut does not work here (another app holds it, a desktop without
/// global shortcuts), as found at start or when it was last set; `None` when it works.
#[derive(Default)]
pub struct ShortcutProblem(std::sync::Mutex<Option<String>>);

impl ShortcutProblem {
    pub fn get(&self) -> Option<String> {
        crate::notify::lock(&self.0).clone()
    }

    pub fn set(&self, problem: Option<String>) {
        *crate::notify::lock(&self.0) = problem;
    }
}

/// The shortcut as set in this profile, else the default (`""`: the person turned it off).
pub fn configured(store: &board_store::Store) -> Result<String, IpcError> {
    Ok(store
        .profile_setting(SHORTCUT_SETTING)?
        .unwrap_or_else(|| DEFAULT_SHORTCUT.to_owned()))
}

/// [`configured`], read from the app's store (held only while it is read).
fn configured_in(app: &AppHandle) -> Result<String, IpcError> {
    let state = app.state::<crate::commands::AppState>();
    let store = state
        .store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    configured(&store)
}

pub fn settings(shortcut: String, problem: Option<String>) -> crate::ipc::QuickAddSettings {
    crate::ipc::QuickAddSettings {
        shortcut,
        default_shortcut: DEFAULT_SHORTCUT.to_owned(),
        problem,
    }
}

/// Whether the shortcut was registered at this start (once: after the window's first paint).
pub struct Registered(std::sync::Once);

impl Default for Registered {
    fn default() -> Self {
        Self(std::sync::Once::new())
    }
}

/// Registers the configured shortcut, once per run; what went wrong is kept to be shown. Put
/// off until the window painted its first board (`first_painted`, or a few seconds at most):
/// the plugin registers on the UI's main thread, for 70 ms on X11, which the start needs.
pub fn start(app: &AppHandle) {
    app.state::<Registered>().0.call_once(|| {
        tracing::info!(target: "tack::start", "quick add shortcut");
        // Read, then let go of the store: registering waits for the main thread, which may
        // itself wait for the store (the shortcut's handler reads it).
        let shortcut = configured_in(app);
        let problem = shortcut.and_then(|shortcut| register(app, &shortcut));
        let problem = problem.err().map(|err| {
            tracing::warn!(problem = %err.message, "no quick add shortcut");
            err.message
        });
        app.state::<ShortcutProblem>().set(problem);
    });
}
