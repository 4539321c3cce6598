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
pub mod deep_link;
#[cfg(target_os = "linux")]
pub mod instance;
pub mod ipc;
pub mod memory;
pub mod menu;
pub mod notify;
pub mod patches;
pub mod quick_add;
pub mod session;
pub mod start;
pub mod tray;
pub mod update;
pub mod webkit;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use board_model::{ReplicaConfig, Sources};
use tauri::{AppHandle, Emitter, Manager, WindowEvent};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_window_state::StateFlags;

use crate::collab::{AppEvent, Collab, EventSink};
use crate::commands::{AppState, CloseConfirmed, DroppedFiles};
use crate::deep_link::JoinLinks;
use crate::ipc::CloseRequestedEvent;
use crate::session::Session;

/// Emits the collaboration side's events to the window.
struct WindowSink(AppHandle);

impl EventSink for WindowSink {
    fn emit(&self, event: AppEvent) {
        let sent = match &event {
            AppEvent::Patch(e) => self.0.emit(ipc::BOARD_PATCH_EVENT, e),
            AppEvent::Status(e) => {
                tray::show_status(&self.0, e);
                self.0.emit(ipc::SYNC_STATUS_EVENT, e)
            }
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

/// Native notifications through tauri-plugin-notification, and the `inbox` event. The plugin
/// cannot report a click on Linux (notify-rust's actions are not exposed), so every
/// notification is also an inbox entry, which opens its task.
struct WindowAlerts(AppHandle);

impl notify::Alerts for WindowAlerts {
    fn show(&self, notice: &notify::Notice) {
        use tauri_plugin_notification::NotificationExt;
        let shown = self
            .0
            .notification()
            .builder()
            .title(&notice.title)
            .body(&notice.body)
            .show();
        if let Err(err) = shown {
            tracing::warn!(%err, "could not show a notification");
        }
    }

    fn inbox_changed(&self, added: &[board_store::InboxEntry], unread: u64) {
        let event = notify::inbox_event(added, unread);
        if let Err(err) = self.0.emit(ipc::INBOX_EVENT, &event) {
            tracing::warn!(?err, "could not emit the inbox event");
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

/// Whether tauri-plugin-single-instance keeps one app running (Windows and macOS; its lock is
/// per app there, so another profile, `TACK_DATA_DIR`, runs without one). Linux: `instance.rs`.
#[cfg(not(target_os = "linux"))]
fn single_instance_by_plugin() -> bool {
    std::env::var_os("TACK_DATA_DIR").is_none_or(|dir| dir.is_empty())
}

/// Brings the main window to the front (a second launch, a deep link).
pub(crate) fn show_main_window(app: &AppHandle) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    for (what, done) in [
        ("unminimize", window.unminimize()),
        ("show", window.show()),
        ("focus", window.set_focus()),
    ] {
        if let Err(err) = done {
            tracing::warn!(?err, "could not {what} the window");
        }
    }
}

/// A `tack://` link opened the app or reached it: an invite goes to the window's "Join a
/// board" flow (now, or once the window listens); anything else is refused and logged.
fn open_link(app: &AppHandle, link: &str) {
    match deep_link::parse(link) {
        Ok(join) => {
            tracing::info!(relay = ?join.relay, "a tack://join link opened");
            show_main_window(app);
            if let Some(invite) = app.state::<JoinLinks>().arrived(join.invite()) {
                commands::emit_join_link(app, invite);
            }
        }
        Err(err) => tracing::warn!(%err, "a tack:// link was refused"),
    }
}

/// What the start puts off until the window's first paint (`first_painted`, or 3 s after
/// start at the latest); a second call does nothing: the quick add shortcut is registered,
/// and a while later views are kept ahead for the large boards not shown yet.
pub(crate) fn after_first_paint(app: &AppHandle) {
    quick_add::start(app);
    let (Some(state), Some(start)) = (
        app.try_state::<commands::AppState>(),
        app.try_state::<start::StartView>(),
    ) else {
        return;
    };
    let account = app
        .try_state::<Collab>()
        .and_then(|collab| collab.signed_in_account());
    // Tests set how long after (`TACK_KEEP_AHEAD_AFTER_MS`); by default the start's own work,
    // and the first board the person opens, go first.
    let after = std::env::var("TACK_KEEP_AHEAD_AFTER_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(KEEP_AHEAD_AFTER, std::time::Duration::from_millis);
    start.keep_ahead(state.session.clone(), state.store.clone(), account, after);
}

/// How long after the first paint views are kept ahead.
const KEEP_AHEAD_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

/// At exit: the board the window shows, as it is now, is kept for the next start.
fn keep_shown_view(app: &AppHandle, start: &start::StartView, session: &collab::SharedSession) {
    let Some(board_id) = start.shown() else {
        return;
    };
    let me = app
        .try_state::<Collab>()
        .and_then(|collab| collab.signed_in_account());
    let mut session = collab::lock(session);
    match session.open_board_with_people(&board_id, me) {
        Ok(opened) => start.keep_now(&session.shared_store(), &opened),
        Err(err) => tracing::warn!(%err, "the shown board is not kept for the next start"),
    }
}

/// The allocator's arenas (glibc): the main thread's and one more for every other thread.
const ALLOCATOR_ARENAS: u8 = 2;

/// Starts the app; returns when its last window closed.
pub fn run() {
    // Before any thread starts: bursts on worker threads (a board's rest sent as JSON) do not
    // each leave an arena of their own resident (BENCHMARKS "First screen first").
    heap_trim::limit_arenas(ALLOCATOR_ARENAS);
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TACK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    tracing::info!(target: "tack::start", "starting");
    let Some(dir) = data_dir() else {
        tracing::error!("no platform data directory; set TACK_DATA_DIR");
        std::process::exit(1);
    };
    // First: a second launch (with its deep link) hands over and exits before anything else.
    #[cfg(target_os = "linux")]
    let instance = {
        // As the OS gave them, the program first (what `deep_link::links_in_args` reads).
        let args: Vec<String> = std::env::args().collect();
        if let Err(err) = std::fs::create_dir_all(&dir) {
            tracing::warn!(%err, "cannot create the data directory");
        }
        match instance::claim(&dir, &args) {
            Ok(instance::Claim::HandedOver) => {
                tracing::info!("handed over to the running app");
                std::process::exit(0);
            }
            Ok(instance::Claim::First(instance)) => Some(instance),
            Err(err) => {
                tracing::warn!(%err, "no single instance: later launches open windows of their own");
                None
            }
        }
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
    let store = session.shared_store();
    let replica_config = session.replica_config().clone();
    let session = Arc::new(Mutex::new(session));
    let collab_session = session.clone();
    // The board shown last loads from now on, while Tauri and the web view start.
    let start = start::StartView::preload(
        session.clone(),
        store.clone(),
        replica_config,
        start::test_delay(),
    );

    let mut context = tauri::generate_context!();
    // Updates only for a build that knows where they are and whose key signs them.
    let update_source = update::source();
    #[allow(unused_mut)]
    let mut builder = tauri::Builder::default();
    if let Some(source) = &update_source {
        context
            .config_mut()
            .plugins
            .0
            .insert("updater".into(), update::plugin_config(source));
        builder = builder.plugin(tauri_plugin_updater::Builder::new().build());
    }
    #[cfg(not(target_os = "linux"))]
    if single_instance_by_plugin() {
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, args, _cwd| {
            show_main_window(app);
            for link in deep_link::links_in_args(&args) {
                open_link(app, &link);
            }
        }));
    }
    tracing::info!(target: "tack::start", "building");
    let app = builder
        .plugin(tauri_plugin_deep_link::init())
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(StateFlags::SIZE | StateFlags::MAXIMIZED)
                .build(),
        )
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(quick_add::plugin())
        .plugin(webkit::plugin())
        .manage(AppState::new(session.clone()))
        .manage(start.clone())
        .manage(CloseConfirmed::default())
        .manage(JoinLinks::default())
        .manage(DroppedFiles::default())
        .manage(update::Pending::default())
        .on_page_load(|webview, payload| {
            // The start path's steps (`TACK_LOG=tack::start=info`): where launch time goes.
            tracing::info!(target: "tack::start", window = webview.label(), event = ?payload.event(), "page load");
            // The main window is made hidden and shown once its page is there: WebKitGTK,
            // shown an empty page, waits 500 ms for a first frame that cannot come yet.
            if webview.label() == "main" && payload.event() == tauri::webview::PageLoadEvent::Finished {
                show_main_window(webview.app_handle());
            }
        })
        .setup(move |app| {
            tracing::info!(target: "tack::start", "setting up");
            // The .deb, .rpm, .msi, NSIS and macOS bundles register `tack://` when installed; an
            // AppImage is not installed, so it registers itself when run.
            #[cfg(target_os = "linux")]
            if std::env::var_os("APPIMAGE").is_some() {
                if let Err(err) = app.deep_link().register_all() {
                    tracing::warn!(%err, "could not register the tack:// scheme");
                }
            }
            let handle = app.handle().clone();
            app.deep_link().on_open_url(move |event| {
                for url in event.urls() {
                    open_link(&handle, url.as_str());
                }
            });
            // A link that started the app: on Linux and Windows an argument (read here, not by
            // the plugin, which takes only a lone argument); on macOS an `Opened` event, which
            // comes after this and reaches `on_open_url`.
            let args = std::env::args_os().map(|arg| arg.to_string_lossy().into_owned());
            for link in deep_link::links_in_args(args) {
                open_link(app.handle(), &link);
            }
            // Later launches hand their links to this one.
            #[cfg(target_os = "linux")]
            if let Some(instance) = instance {
                let handle = app.handle().clone();
                let closing = instance.serve(move |args| {
                    show_main_window(&handle);
                    for link in deep_link::links_in_args(&args) {
                        open_link(&handle, &link);
                    }
                });
                app.manage(closing);
            }
            // The tray: the sync state and quick actions (where the desktop has one).
            tracing::info!(target: "tack::start", "tray");
            if let Some(tray) = tray::start(app.handle()) {
                app.manage(tray);
            }
            // A look for updates a little after start, then every few hours.
            tauri::async_runtime::spawn(update::watch(app.handle().clone()));
            // Quick add from anywhere: the global shortcut, as set in this profile, registered
            // once the window painted (`quick_add::start`).
            app.manage(quick_add::ShortcutProblem::default());
            app.manage(quick_add::Registered::default());
            // The menu bar (macOS; elsewhere when asked for).
            menu::install(app.handle());
            // Sync starts with the app (when signed in), on Tauri's tokio runtime.
            let runtime = tauri::async_runtime::handle().inner().clone();
            let sink = Arc::new(WindowSink(app.handle().clone()));
            let store = store.clone();
            tracing::info!(target: "tack::start", "sync");
            let collab = Collab::start(dir, collab_session, sink, runtime);
            tracing::info!(target: "tack::start", "notifications");
            // Reminders and notifications: one scheduler task; missed reminders fire now.
            let notifications = notify::Notifications::new(
                store,
                Arc::new(notify::SystemClock),
                Arc::new(WindowAlerts(app.handle().clone())),
            );
            collab.set_notifications(notifications.clone());
            tauri::async_runtime::spawn(notifications.clone().run());
            app.manage(notifications);
            app.manage(collab);
            // Should its page never say it loaded, the window shows anyway.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                let hidden = handle
                    .get_webview_window("main")
                    .is_some_and(|window| !window.is_visible().unwrap_or(true));
                if hidden {
                    tracing::warn!("the page did not load in 3 s; showing the window anyway");
                    show_main_window(&handle);
                }
                // Nor does what waits for a first paint wait longer.
                let registering = tauri::async_runtime::spawn_blocking(move || {
                    after_first_paint(&handle);
                });
                drop(registering);
            });
            tracing::info!(target: "tack::start", "set up");
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
            // The quick add window is hidden, never closed (the next shortcut shows it at
            // once); the main window gone, the app quits even with it hidden.
            if window.label() == quick_add::WINDOW {
                if let WindowEvent::CloseRequested { api, .. } = event {
                    api.prevent_close();
                    quick_add::hide(window.app_handle());
                }
                return;
            }
            if let WindowEvent::Destroyed = event {
                if window.label() == "main" {
                    // A launch from now on starts on its own: this instance, on its way out
                    // (keeping the shown view takes a while), would take its link and lose it.
                    #[cfg(target_os = "linux")]
                    if let Some(closing) = window.app_handle().try_state::<instance::Closing>() {
                        closing.close();
                    }
                    window.app_handle().exit(0);
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
        .build(context);
    match app {
        Ok(app) => app.run(move |app, event| {
            if let tauri::RunEvent::Exit = event {
                keep_shown_view(app, &start, &session);
                #[cfg(target_os = "linux")]
                if let Some(closing) = app.try_state::<instance::Closing>() {
                    closing.close();
                }
            }
        }),
        Err(err) => {
            tracing::error!(%err, "the app could not start");
            std::process::exit(1);
        }
    }
}
