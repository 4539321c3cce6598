//! Signed updates (tauri-plugin-updater; deploy/RELEASE.md "The updater key pair"). A release
//! build knows where its updates are and the public key they must be signed with from the
//! build (`TACK_UPDATE_ENDPOINT`, `TACK_UPDATE_PUBKEY`, set by `release.yml`); a build without
//! them (a development build) has no updates and says so. Debug builds also read both from the
//! environment at start (the end-to-end test serves a signed update on loopback).
//!
//! The app looks for an update a little after start and every few hours, and tells the window
//! (`update-available`); nothing is downloaded until the person chooses to install, and the app
//! restarts only when they say so. The downloaded bytes are installed only when their minisign
//! signature verifies against the key compiled in (the plugin checks it before installing).

use std::sync::Mutex;
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_updater::{Update, UpdaterExt};

use crate::ipc::{AvailableUpdate, ErrorKind, IpcError, UpdateState, UPDATE_AVAILABLE_EVENT};
use crate::notify::lock;

/// The first look after start, and then between looks.
const FIRST_CHECK: Duration = Duration::from_secs(10);
const CHECK_EVERY: Duration = Duration::from_secs(6 * 3600);

/// Where updates come from and the key they are signed with, when this build has both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub endpoint: String,
    pub pubkey: String,
}

/// This build's update source: compiled in, or (debug builds) from the environment.
pub fn source() -> Option<Source> {
    let from_env = |name: &str| {
        cfg!(debug_assertions)
            .then(|| std::env::var(name).ok())
            .flatten()
            .filter(|value| !value.trim().is_empty())
    };
    let endpoint = from_env("TACK_UPDATE_ENDPOINT")
        .or_else(|| option_env!("TACK_UPDATE_ENDPOINT").map(str::to_owned))
        .filter(|value| !value.trim().is_empty())?;
    let pubkey = from_env("TACK_UPDATE_PUBKEY")
        .or_else(|| option_env!("TACK_UPDATE_PUBKEY").map(str::to_owned))
        .filter(|value| !value.trim().is_empty())?;
    Some(Source { endpoint, pubkey })
}

/// The plugin's configuration for `source` (what `tauri.conf.json` would hold under
/// `plugins.updater`): plain `http://` endpoints only in debug builds.
pub fn plugin_config(source: &Source) -> serde_json::Value {
    serde_json::json!({
        "pubkey": source.pubkey,
        "endpoints": [source.endpoint],
        "dangerousInsecureTransportProtocol": cfg!(debug_assertions),
    })
}

const NO_SOURCE: &str = "This build has no update source (a development build): install a \
                         release to get updates.";

/// The update found by the last look, kept to be installed.
#[derive(Default)]
pub struct Pending(Mutex<Option<Update>>);

fn available(update: &Update) -> AvailableUpdate {
    AvailableUpdate {
        version: update.version.clone(),
        notes: update.body.clone().unwrap_or_default(),
        date: update.date.map(|date| date.to_string()),
    }
}

fn failed(what: &str, err: impl std::fmt::Display) -> IpcError {
    IpcError::new(ErrorKind::Network, format!("{what}: {err}"))
}

/// Looks for an update now; keeps it to install.
pub async fn check(app: &AppHandle) -> Result<UpdateState, IpcError> {
    let current_version = app.package_info().version.to_string();
    if source().is_none() {
        return Ok(UpdateState {
            current_version,
            available: None,
            problem: Some(NO_SOURCE.to_owned()),
        });
    }
    let updater = app
        .updater()
        .map_err(|err| failed("Could not look for updates", err))?;
    let found = updater
        .check()
        .await
        .map_err(|err| failed("Could not look for updates", err))?;
    let shown = found.as_ref().map(available);
    *lock(&app.state::<Pending>().0) = found;
    Ok(UpdateState {
        current_version,
        available: shown,
        problem: None,
    })
}

/// Downloads and installs the update found by the last look, once its signature verifies
/// (the app keeps running the old version until it restarts). Its version.
pub async fn install(app: &AppHandle) -> Result<String, IpcError> {
    let update = lock(&app.state::<Pending>().0).clone();
    let Some(update) = update else {
        return Err(IpcError::invalid(
            "No update to install: look for updates first.",
        ));
    };
    // A development binary on Linux is replaced in place by the installer: only as an AppImage
    // (whose path `APPIMAGE` names), never the build's own `tack`.
    if cfg!(all(debug_assertions, target_os = "linux")) && std::env::var_os("APPIMAGE").is_none() {
        return Err(IpcError::invalid(
            "A development build installs updates only when run as an AppImage.",
        ));
    }
    update
        .download_and_install(|_, _| {}, || {})
        .await
        .map_err(|err| failed("The update was not installed", err))?;
    tracing::info!(version = %update.version, "update installed; it runs after a restart");
    Ok(update.version)
}

/// Looks a little after start and then every few hours; tells the window of an update.
pub async fn watch(app: AppHandle) {
    if source().is_none() {
        return;
    }
    tokio::time::sleep(FIRST_CHECK).await;
    loop {
        match check(&app).await {
            Ok(UpdateState {
                available: Some(update),
                ..
            }) => {
                if let Err(err) = app.emit(UPDATE_AVAILABLE_EVENT, &update) {
                    tracing::warn!(?err, "could not tell the window of an update");
                }
            }
            Ok(_) => {}
            Err(err) => tracing::info!(problem = %err.message, "no update check this time"),
        }
        tokio::time::sleep(CHECK_EVERY).await;
    }
}
