//! Collaboration: the account, the sync client's lifetime, sharing on the relay, and what the
//! sync client reports turned into UI events. Tauri-free: the app gives it an [`EventSink`]
//! that emits, tests one that records. One concern per module:
//!
//! - `account`: the server URL (`settings.json`) and the signed-in account (token in the OS
//!   keychain, via `tack-account`);
//! - `lifetime`: the sync client, from app start while signed in; subscribing and
//!   unsubscribing boards;
//! - `sharing`: publishing, members, invites, boards shared with me, leaving;
//! - `shared`: boards shared with me while the app runs, downloaded within seconds;
//! - `pump`: the task forwarding the client's status, remote updates, awareness and conflicts;
//! - `status`: the sync indicator (sync-client's status and sentences, shown);
//! - `access`: my role on each board as the relay grants it, recorded in the store;
//! - `presence`: who else is on a board, what they selected, and whose change won a conflict;
//! - `read_marks`: my inbox's read marks, to and from my other devices through the relay.

mod access;
mod account;
mod lifetime;
mod presence;
mod pump;
mod read_marks;
mod shared;
mod sharing;
mod status;
mod uploads;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sync_client::backoff::BackoffConfig;
use tack_account::Account;

use crate::ipc::{
    BoardAccessEvent, BoardClosedEvent, BoardDirectoryEvent, BoardPatchEvent, ConflictNotice,
    PresenceEvent, SyncStatusEvent,
};
use crate::session::Session;

pub use presence::{color_of, conflict_text, person};
pub use read_marks::READ_MARKS_POLL;
pub use status::{board_state, close_text, kind_text, unsent, Unsent};
pub use uploads::{blob_error, uploading_message, UPLOAD_POLL};

/// Everything the collaboration side tells the UI.
#[derive(Debug, Clone)]
pub enum AppEvent {
    Patch(BoardPatchEvent),
    Status(SyncStatusEvent),
    Presence(PresenceEvent),
    Access(BoardAccessEvent),
    Closed(BoardClosedEvent),
    Conflict(ConflictNotice),
    Directory(BoardDirectoryEvent),
}

/// Where events go: the window (`app.emit`) or a test's recorder.
pub trait EventSink: Send + Sync + 'static {
    fn emit(&self, event: AppEvent);
}

pub type SharedSession = Arc<Mutex<Session>>;

pub fn lock(session: &SharedSession) -> MutexGuard<'_, Session> {
    session.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What changes while the app runs: the account, the pump, who is where, what was shown.
#[derive(Default)]
struct CollabState {
    server: Option<String>,
    account: Option<Account>,
    token: Option<String>,
    pump: Option<tokio::task::JoinHandle<()>>,
    /// Asks the relay for boards shared with me (`shared`), while syncing.
    shared_watch: Option<tokio::task::JoinHandle<()>>,
    /// Others on each board, by awareness client id.
    peers: HashMap<String, BTreeMap<u64, presence::Peer>>,
    selection: HashMap<String, Option<String>>,
    last_status: Option<SyncStatusEvent>,
    /// What each board's role was last reported as (to emit `board-access` on change).
    roles: HashMap<String, access::Reported>,
    /// Where what concerns me in remote updates goes (inbox, native notifications).
    notifications: Option<crate::notify::Notifications>,
    /// Uploads attachments' bytes (`uploads`), while syncing.
    uploads: Option<tokio::task::JoinHandle<()>>,
    /// Sends and receives my read marks (`read_marks`), while syncing.
    read_marks: Option<tokio::task::JoinHandle<()>>,
    /// Attachment uploads the relay refused this run: board → sha256 → why.
    refused_uploads: HashMap<String, HashMap<String, String>>,
}

/// The collaboration side's context, shared by [`Collab`]'s clones and the pump task.
struct CollabContext {
    data_dir: PathBuf,
    session: SharedSession,
    sink: Arc<dyn EventSink>,
    state: Mutex<CollabState>,
    /// This app run: our own awareness echoed back is not someone else.
    instance: String,
    /// Wakes the uploader (`uploads`) when a file was attached.
    upload_wake: tokio::sync::Notify,
    /// Wakes the read marks round (`read_marks`) when I marked entries here.
    read_marks_wake: tokio::sync::Notify,
}

/// Runs `round` off the async threads at once, every `every` and whenever `wake` is notified,
/// skipping turns while known to be offline, until the sync client stops (the task is aborted
/// with it): the uploader's and the read marks' loop.
async fn rounds(
    collab: Collab,
    every: Duration,
    wake: fn(&CollabContext) -> &tokio::sync::Notify,
    what: &'static str,
    round: fn(&Collab),
) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let context = collab.context.clone();
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            () = wake(&context).notified() => {}
        }
        if collab.known_offline() {
            continue;
        }
        let turn = collab.clone();
        if let Err(err) = tokio::task::spawn_blocking(move || round(&turn)).await {
            tracing::error!(%err, "the {what} task failed");
        }
    }
}

impl CollabContext {
    fn state(&self) -> MutexGuard<'_, CollabState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The app's collaboration side; cheap to clone.
#[derive(Clone)]
pub struct Collab {
    context: Arc<CollabContext>,
    runtime: tokio::runtime::Handle,
    /// Reconnect timing: a desktop user waits at most this long after the network returns.
    backoff: BackoffConfig,
}

impl Collab {
    /// Reads the settings and account; when signed in (token in the keychain), starts syncing.
    pub fn start(
        data_dir: PathBuf,
        session: SharedSession,
        sink: Arc<dyn EventSink>,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        let collab = Self {
            context: Arc::new(CollabContext {
                data_dir,
                session,
                sink,
                state: Mutex::new(CollabState::default()),
                instance: uuid::Uuid::new_v4().to_string(),
                upload_wake: tokio::sync::Notify::new(),
                read_marks_wake: tokio::sync::Notify::new(),
            }),
            runtime,
            backoff: BackoffConfig {
                base: Duration::from_millis(250),
                cap: Duration::from_secs(3),
            },
        };
        collab.load_account();
        collab.restart_sync();
        collab
    }

    /// From now on, what in remote updates concerns me goes to the inbox and notifications.
    pub fn set_notifications(&self, notifications: crate::notify::Notifications) {
        self.context.state().notifications = Some(notifications);
    }
}
