//! Collaboration: the account (server URL in `settings.json`, token in the OS keychain, via
//! `tack-account`), the sync client's lifetime (from app start while signed in), sharing on the
//! relay, and the pump that turns the client's status, remote updates, awareness and conflicts
//! into UI events. Tauri-free: the app gives it an [`EventSink`] that emits, tests one that
//! records.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sync_client::backoff::BackoffConfig;
use sync_client::{
    AwarenessEvent, ConflictEvent, RemoteUpdate, Status, StatusReport, SyncClient, SyncConfig,
};
use tack_account::{Account, RelayClient};
use tokio::sync::broadcast::error::RecvError;

use crate::ipc::{
    AccountState, BoardAccessEvent, BoardClosedEvent, BoardPatchEvent, BoardSummary,
    BoardSyncState, ConflictNotice, ErrorKind, Invite, IpcError, Member, Person, PresenceEvent,
    RemoteBoard, Role, SignedInUser, SyncKind, SyncState, SyncStatusEvent,
};
use crate::session::{Session, REMOVED_REASON, REMOVED_ROLE, VIEWER_REASON};

/// How long `open_remote_board` waits for a board's first download.
const DOWNLOAD_WAIT: Duration = Duration::from_secs(30);

/// Everything the collaboration side tells the UI.
#[derive(Debug, Clone)]
pub enum AppEvent {
    Patch(BoardPatchEvent),
    Status(SyncStatusEvent),
    Presence(PresenceEvent),
    Access(BoardAccessEvent),
    Closed(BoardClosedEvent),
    Conflict(ConflictNotice),
}

/// Where events go: the window (`app.emit`) or a test's recorder.
pub trait EventSink: Send + Sync + 'static {
    fn emit(&self, event: AppEvent);
}

pub type SharedSession = Arc<Mutex<Session>>;

pub fn lock(session: &SharedSession) -> MutexGuard<'_, Session> {
    session.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What this app puts in awareness for each board (JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AwarenessState {
    user_id: String,
    name: String,
    task_id: Option<String>,
    /// The yrs client id of the sender's replica of this board: names conflict winners.
    client: Option<u64>,
    /// This app run: our own state echoed back is not someone else.
    instance: String,
}

#[derive(Debug, Clone)]
struct Peer {
    person: Person,
    client: Option<u64>,
}

#[derive(Default)]
struct State {
    server: Option<String>,
    account: Option<Account>,
    token: Option<String>,
    pump: Option<tokio::task::JoinHandle<()>>,
    /// Others on each board, by awareness client id.
    peers: HashMap<String, BTreeMap<u64, Peer>>,
    selection: HashMap<String, Option<String>>,
    last_status: Option<SyncStatusEvent>,
    /// What each board's role was last reported as (to emit `board-access` on change).
    roles: HashMap<String, (Option<Role>, bool)>,
}

struct Shared {
    data_dir: PathBuf,
    session: SharedSession,
    sink: Arc<dyn EventSink>,
    state: Mutex<State>,
    instance: String,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The app's collaboration side; cheap to clone.
#[derive(Clone)]
pub struct Collab {
    shared: Arc<Shared>,
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
            shared: Arc::new(Shared {
                data_dir,
                session,
                sink,
                state: Mutex::new(State::default()),
                instance: uuid::Uuid::new_v4().to_string(),
            }),
            runtime,
            backoff: BackoffConfig {
                base: Duration::from_millis(250),
                cap: Duration::from_secs(3),
            },
        };
        let dir = &collab.shared.data_dir;
        let settings = tack_account::read_settings(dir).unwrap_or_else(|err| {
            tracing::warn!(%err, "unreadable settings; starting without a server");
            tack_account::Settings::default()
        });
        let signed_in = match tack_account::signed_in(dir) {
            Ok(found) => Some(found),
            Err(tack_account::AccountError::SignedOut) => None,
            Err(err) => {
                tracing::warn!(%err, "cannot read the signed-in account; signed out");
                None
            }
        };
        {
            let mut state = collab.shared.state();
            state.server = settings
                .server
                .or_else(|| signed_in.as_ref().map(|(a, _)| a.server.clone()));
            if let Some((account, token)) = signed_in {
                state.account = Some(account);
                state.token = Some(token);
            }
        }
        collab.restart_sync();
        collab
    }

    pub fn account_state(&self) -> AccountState {
        let state = self.shared.state();
        AccountState {
            server: state.server.clone(),
            user: state.account.as_ref().map(|account| SignedInUser {
                user_id: account.user_id.clone(),
                email: account.email.clone(),
            }),
        }
    }

    /// Sets the relay; a different one than the signed-in account's signs out first.
    pub fn set_server_url(&self, url: &str) -> Result<AccountState, IpcError> {
        let server = tack_account::normalise_server(url)?;
        let signed_in_elsewhere = self
            .shared
            .state()
            .account
            .as_ref()
            .is_some_and(|account| account.server != server);
        if signed_in_elsewhere {
            self.sign_out()?;
        }
        tack_account::write_settings(
            &self.shared.data_dir,
            &tack_account::Settings {
                server: Some(server.clone()),
            },
        )?;
        self.shared.state().server = Some(server);
        Ok(self.account_state())
    }

    fn server(&self) -> Result<String, IpcError> {
        self.shared
            .state()
            .server
            .clone()
            .ok_or_else(|| IpcError::invalid("Set the server URL first."))
    }

    pub fn sign_up(&self, email: &str, password: &str) -> Result<AccountState, IpcError> {
        let session = RelayClient::new(&self.server()?)?.signup(email, password)?;
        self.signed_in(session)
    }

    pub fn sign_in(&self, email: &str, password: &str) -> Result<AccountState, IpcError> {
        let session = RelayClient::new(&self.server()?)?.login(email, password)?;
        self.signed_in(session)
    }

    fn signed_in(&self, session: tack_account::NewSession) -> Result<AccountState, IpcError> {
        self.stop_sync();
        session.store(&self.shared.data_dir)?;
        Ok(self.use_session(session))
    }

    /// Uses a session obtained elsewhere for this run only, without the keychain (embedding,
    /// and the session-level tests, whose process has no Secret Service).
    pub fn use_session(&self, session: tack_account::NewSession) -> AccountState {
        {
            let mut state = self.shared.state();
            state.server = Some(session.account.server.clone());
            state.account = Some(session.account);
            state.token = Some(session.token);
        }
        self.restart_sync();
        self.account_state()
    }

    /// Revokes the session on the relay (best effort) and forgets it here.
    pub fn sign_out(&self) -> Result<AccountState, IpcError> {
        self.stop_sync();
        let (account, token) = {
            let mut state = self.shared.state();
            (state.account.take(), state.token.take())
        };
        if let Some(account) = account {
            if let Some(token) = token {
                if let Err(err) = RelayClient::new(&account.server)?
                    .with_token(&token)
                    .logout()
                {
                    tracing::warn!(%err, "could not revoke the session on the relay");
                }
            }
            tack_account::delete_token(&account.server)?;
        }
        tack_account::remove_account(&self.shared.data_dir)?;
        self.publish_status(None);
        Ok(self.account_state())
    }

    /// The relay as the signed-in user.
    fn relay(&self) -> Result<(RelayClient, Account), IpcError> {
        let state = self.shared.state();
        match (&state.account, &state.token) {
            (Some(account), Some(token)) => Ok((
                RelayClient::new(&account.server)?.with_token(token),
                account.clone(),
            )),
            _ => Err(IpcError::new(ErrorKind::SignedOut, "Sign in first.")),
        }
    }

    /// Starts the sync client for the signed-in account (stopping any running one) and
    /// subscribes every board of this computer shared on that relay.
    fn restart_sync(&self) {
        self.stop_sync();
        let (account, token) = {
            let state = self.shared.state();
            match (&state.account, &state.token) {
                (Some(account), Some(token)) => (account.clone(), token.clone()),
                _ => {
                    drop(state);
                    self.publish_status(None);
                    return;
                }
            }
        };
        let mut session = lock(&self.shared.session);
        let mut config = SyncConfig::new(tack_account::sync_url(&account.server), token);
        config.replica = session.replica_config().clone();
        config.backoff = self.backoff;
        let spawned = {
            let _entered = self.runtime.enter();
            SyncClient::spawn(config, session.shared_store())
        };
        let handle = match spawned {
            Ok(handle) => handle,
            Err(err) => {
                tracing::error!(%err, "cannot start syncing");
                return;
            }
        };
        let boards = match session.store().list_boards() {
            Ok(boards) => boards,
            Err(err) => {
                tracing::error!(%err, "cannot list boards to sync");
                Vec::new()
            }
        };
        for record in boards {
            if on_server(record.server.as_deref(), &account.server)
                && record.role.as_deref() != Some(REMOVED_ROLE)
            {
                let _ = handle.subscribe(&record.id);
            }
        }
        let receivers = (
            handle.status(),
            handle.remote_updates(),
            handle.awareness(),
            handle.conflicts(),
        );
        session.set_sync(Some(handle));
        drop(session);
        let shared = self.shared.clone();
        let pump = self.runtime.spawn(pump(shared, receivers));
        self.shared.state().pump = Some(pump);
    }

    fn stop_sync(&self) {
        let pump = self.shared.state().pump.take();
        if let Some(pump) = pump {
            pump.abort();
        }
        let old = lock(&self.shared.session).set_sync(None);
        if let Some(old) = old {
            self.runtime.spawn(old.shutdown());
        }
        let mut state = self.shared.state();
        state.peers.clear();
        state.roles.clear();
    }

    fn subscribe(&self, board_id: &str) -> Result<(), IpcError> {
        let session = lock(&self.shared.session);
        let sync = session
            .sync()
            .ok_or_else(|| IpcError::new(ErrorKind::SignedOut, "Sign in first."))?;
        sync.subscribe(board_id)
            .map_err(|err| IpcError::new(ErrorKind::Network, err.to_string()))
    }

    /// The current sync status (the UI listens to `sync-status` afterwards).
    pub fn sync_status(&self) -> SyncStatusEvent {
        if let Some(status) = self.shared.state().last_status.clone() {
            return status;
        }
        status_event(&self.shared, None)
    }

    /// Local changes of shared boards not acknowledged by the relay (the outboxes').
    pub fn pending(&self) -> u64 {
        let session = lock(&self.shared.session);
        let store = session.store();
        let Ok(boards) = store.list_boards() else {
            return 0;
        };
        boards
            .iter()
            .filter(|record| record.server.is_some())
            .map(|record| store.pending_count(&record.id).unwrap_or(0))
            .sum()
    }

    pub fn publish_board(&self, board_id: &str) -> Result<Role, IpcError> {
        let (relay, account) = self.relay()?;
        lock(&self.shared.session).board_summary(board_id)?;
        let role = relay.publish(board_id)?;
        lock(&self.shared.session).set_board_access(
            board_id,
            Some(&account.server),
            Some(role.as_str()),
        )?;
        self.subscribe(board_id)?;
        Ok(role)
    }

    pub fn list_members(&self, board_id: &str) -> Result<Vec<Member>, IpcError> {
        let (relay, _) = self.relay()?;
        Ok(relay
            .members(board_id)?
            .into_iter()
            .map(Member::from)
            .collect())
    }

    pub fn share_board(&self, board_id: &str, email: &str, role: Role) -> Result<Member, IpcError> {
        let (relay, _) = self.relay()?;
        Ok(relay.add_member(board_id, email, role)?.into())
    }

    pub fn set_member_role(
        &self,
        board_id: &str,
        user_id: &str,
        role: Role,
    ) -> Result<(), IpcError> {
        let (relay, _) = self.relay()?;
        Ok(relay.set_role(board_id, user_id, role)?)
    }

    pub fn remove_member(&self, board_id: &str, user_id: &str) -> Result<(), IpcError> {
        let (relay, _) = self.relay()?;
        Ok(relay.remove_member(board_id, user_id)?)
    }

    pub fn create_invite(&self, board_id: &str, role: Role) -> Result<Invite, IpcError> {
        let (relay, account) = self.relay()?;
        let invite = relay.create_invite(board_id, role)?;
        Ok(Invite::new(invite, &account.server))
    }

    pub fn accept_invite(&self, invite: &str) -> Result<RemoteBoard, IpcError> {
        let (relay, _) = self.relay()?;
        let token = invite
            .trim()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let joined = relay.accept_invite(&token)?;
        Ok(self.remote_board(joined.board_id, joined.role))
    }

    fn remote_board(&self, board_id: String, role: Role) -> RemoteBoard {
        let local = lock(&self.shared.session).board_summary(&board_id).ok();
        RemoteBoard {
            board_id,
            role,
            title: local.as_ref().map(|b| b.title.clone()),
            downloaded: local.is_some(),
        }
    }

    pub fn list_remote_boards(&self) -> Result<Vec<RemoteBoard>, IpcError> {
        let (relay, _) = self.relay()?;
        Ok(relay
            .my_boards()?
            .into_iter()
            .map(|b| self.remote_board(b.board_id, b.role))
            .collect())
    }

    /// Downloads a board shared with me (first open), then it is a board of this computer.
    pub fn open_remote_board(&self, board_id: &str) -> Result<BoardSummary, IpcError> {
        let (relay, account) = self.relay()?;
        let role: Role = relay
            .my_boards()?
            .into_iter()
            .find(|b| b.board_id == board_id)
            .map(|b| b.role)
            .ok_or_else(|| {
                IpcError::new(
                    ErrorKind::AccessRemoved,
                    "That board is not shared with you.",
                )
            })?;
        self.subscribe(board_id)?;
        let deadline = Instant::now() + DOWNLOAD_WAIT;
        loop {
            let found = lock(&self.shared.session).board_summary(board_id).is_ok();
            if found {
                break;
            }
            if Instant::now() > deadline {
                return Err(IpcError::new(
                    ErrorKind::Network,
                    "The board did not download in time; it will appear once it has.",
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let session = lock(&self.shared.session);
        session.set_board_access(board_id, Some(&account.server), Some(role.as_str()))?;
        session.board_summary(board_id)
    }

    /// Leaves a shared board; the local copy stays, read-only.
    pub fn leave_board(&self, board_id: &str) -> Result<(), IpcError> {
        let (relay, account) = self.relay()?;
        relay.leave(board_id)?;
        lock(&self.shared.session).set_board_access(
            board_id,
            Some(&account.server),
            Some(REMOVED_ROLE),
        )?;
        self.shared.sink.emit(AppEvent::Access(BoardAccessEvent {
            board_id: board_id.to_owned(),
            role: None,
            read_only: true,
            reason: Some(REMOVED_REASON.to_owned()),
        }));
        Ok(())
    }

    /// The selected task on a board (or none): goes out in awareness; presence is re-emitted.
    pub fn set_selection(&self, board_id: &str, task_id: Option<String>) -> Result<(), IpcError> {
        let account = self.shared.state().account.clone();
        self.shared
            .state()
            .selection
            .insert(board_id.to_owned(), task_id.clone());
        if let Some(account) = account {
            let session = lock(&self.shared.session);
            let awareness = AwarenessState {
                user_id: account.user_id.clone(),
                name: account.email.clone(),
                task_id,
                client: session.client_id(board_id),
                instance: self.shared.instance.clone(),
            };
            if let Some(sync) = session.sync() {
                let json = serde_json::to_string(&awareness)
                    .map_err(|err| IpcError::invalid(err.to_string()))?;
                if let Err(err) = sync.set_awareness(board_id, &json) {
                    tracing::warn!(%err, "the sync client has stopped");
                }
            }
        }
        emit_presence(&self.shared, board_id);
        Ok(())
    }

    fn publish_status(&self, report: Option<&StatusReport>) {
        publish_status(&self.shared, report);
    }
}

/// Whether a board record's server is this account's relay (the sync client records the
/// `ws(s)://` form for boards it downloads; the app records the `http(s)://` one).
fn on_server(recorded: Option<&str>, server: &str) -> bool {
    recorded.is_some_and(|recorded| {
        let recorded = recorded.trim_end_matches('/');
        recorded == server || recorded == tack_account::sync_url(server)
    })
}

type Receivers = (
    tokio::sync::watch::Receiver<StatusReport>,
    tokio::sync::broadcast::Receiver<RemoteUpdate>,
    tokio::sync::broadcast::Receiver<AwarenessEvent>,
    tokio::sync::broadcast::Receiver<ConflictEvent>,
);

/// Forwards what the sync client reports to the UI until the client stops.
async fn pump(shared: Arc<Shared>, receivers: Receivers) {
    let (mut status, mut remote, mut awareness, mut conflicts) = receivers;
    let first = status.borrow_and_update().clone();
    publish_status(&shared, Some(&first));
    loop {
        tokio::select! {
            changed = status.changed() => {
                if changed.is_err() {
                    return;
                }
                let report = status.borrow_and_update().clone();
                publish_status(&shared, Some(&report));
            }
            update = remote.recv() => match update {
                Ok(update) => on_remote(&shared, &update),
                Err(RecvError::Lagged(missed)) => {
                    // The store has every update; boards open here may be behind until reopened.
                    tracing::warn!(missed, "remote updates outpaced the UI");
                }
                Err(RecvError::Closed) => return,
            },
            event = awareness.recv() => match event {
                Ok(event) => on_awareness(&shared, event),
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            conflict = conflicts.recv() => match conflict {
                Ok(conflict) => on_conflict(&shared, conflict),
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
        }
    }
}

fn on_remote(shared: &Shared, update: &RemoteUpdate) {
    let patch = lock(&shared.session).apply_remote(&update.board, &update.update);
    match patch {
        Ok(Some(event)) => shared.sink.emit(AppEvent::Patch(event)),
        Ok(None) => {}
        Err(err) => tracing::error!(%err, board = %update.board, "applying a remote update failed"),
    }
}

fn on_awareness(shared: &Shared, event: AwarenessEvent) {
    {
        let mut state = shared.state();
        let peers = state.peers.entry(event.board.clone()).or_default();
        for entry in event.entries {
            if entry.state_json == "null" {
                peers.remove(&entry.client_id);
                continue;
            }
            let Ok(them) = serde_json::from_str::<AwarenessState>(&entry.state_json) else {
                // Another kind of client (a plain Yjs editor): not a person we can show.
                continue;
            };
            if them.instance == shared.instance {
                continue;
            }
            peers.insert(
                entry.client_id,
                Peer {
                    person: person(&them.user_id, &them.name, them.task_id, false),
                    client: them.client,
                },
            );
        }
    }
    emit_presence(shared, &event.board);
}

fn emit_presence(shared: &Shared, board_id: &str) {
    let state = shared.state();
    let mut people = Vec::new();
    if let Some(account) = &state.account {
        let selected = state.selection.get(board_id).cloned().flatten();
        people.push(person(&account.user_id, &account.email, selected, true));
    }
    let mut others: Vec<Person> = state
        .peers
        .get(board_id)
        .map(|peers| peers.values().map(|p| p.person.clone()).collect())
        .unwrap_or_default();
    others.sort_by(|a, b| a.name.cmp(&b.name));
    people.extend(others);
    drop(state);
    shared.sink.emit(AppEvent::Presence(PresenceEvent {
        board_id: board_id.to_owned(),
        people,
    }));
}

fn on_conflict(shared: &Shared, conflict: ConflictEvent) {
    // Only a change of mine that lost is news to me.
    let mine = lock(&shared.session).client_id(&conflict.board);
    if mine != Some(conflict.loser_client) {
        return;
    }
    let winner = shared
        .state()
        .peers
        .get(&conflict.board)
        .and_then(|peers| {
            peers
                .values()
                .find(|p| p.client == Some(conflict.winner_client))
                .map(|p| p.person.name.clone())
        })
        .unwrap_or_else(|| "someone".to_owned());
    shared.sink.emit(AppEvent::Conflict(ConflictNotice {
        text: conflict_text(&winner, &conflict.field),
        board_id: conflict.board,
        task_id: conflict.task,
        field: conflict.field,
        winner,
    }));
}

/// "Alice changed the title at the same time; their version was kept."
pub fn conflict_text(winner: &str, field: &str) -> String {
    format!("{winner} changed the {field} at the same time; their version was kept.")
}

/// Records role changes the relay reports, then emits the status (and access changes).
fn publish_status(shared: &Shared, report: Option<&StatusReport>) {
    if let Some(report) = report {
        track_access(shared, report);
        if matches!(report.overall, Status::Offline { .. }) {
            // Disconnected: nobody is known to be here any more.
            let boards: Vec<String> = {
                let mut state = shared.state();
                let boards = state
                    .peers
                    .iter()
                    .filter(|(_, peers)| !peers.is_empty())
                    .map(|(board, _)| board.clone())
                    .collect();
                state.peers.clear();
                boards
            };
            for board in boards {
                emit_presence(shared, &board);
            }
        }
    }
    let mut event = status_event(shared, report);
    let changed = {
        let mut state = shared.state();
        if let Some(last) = &state.last_status {
            steady_offline(&mut event, last);
        }
        let changed = state.last_status.as_ref() != Some(&event);
        state.last_status = Some(event.clone());
        changed
    };
    if changed {
        shared.sink.emit(AppEvent::Status(event));
    }
}

/// Reconnect attempts while offline are not news: "Offline — n changes…" stays up until a
/// connection is made (no flicker through "Connecting…" every backoff step, and no event).
fn steady_offline(event: &mut SyncStatusEvent, last: &SyncStatusEvent) {
    let was_offline = |s: &SyncState| s.kind == SyncKind::Offline;
    if event.overall.kind == SyncKind::Connecting && was_offline(&last.overall) {
        event.overall = last.overall.clone();
    }
    for board in &mut event.boards {
        let before = last.boards.iter().find(|b| b.board_id == board.board_id);
        if let Some(before) = before {
            if board.state.kind == SyncKind::Connecting && was_offline(&before.state) {
                board.state = before.state.clone();
            }
        }
    }
}

/// Live role changes: a board the relay serves read-only is a viewer's; one it serves
/// read-write is an editor's (or owner's); one whose access was revoked is closed.
fn track_access(shared: &Shared, report: &StatusReport) {
    let server = shared.state().account.as_ref().map(|a| a.server.clone());
    let Some(server) = server else {
        return;
    };
    for (board_id, status) in &report.boards {
        let record = match lock(&shared.session).store().board(board_id) {
            Ok(Some(record)) => record,
            _ => continue,
        };
        let stored = record.role.clone();
        // A viewer whose last edits raced the downgrade is live too: the relay refused them and
        // the client keeps them (`ReadOnly`).
        let live = matches!(
            status,
            Status::Synced | Status::Syncing { .. } | Status::ReadOnly { .. }
        );
        let revoked = matches!(status, Status::Error { reason } if is_revocation(reason));
        let new_role: Option<&str> = if revoked {
            Some(REMOVED_ROLE)
        } else if live && stored.as_deref() != Some(REMOVED_ROLE) {
            if report.readonly.contains(board_id) {
                Some(Role::Viewer.as_str())
            } else {
                match stored.as_deref().and_then(Role::parse) {
                    Some(Role::Owner) => Some(Role::Owner.as_str()),
                    _ => Some(Role::Editor.as_str()),
                }
            }
        } else {
            stored.as_deref()
        };
        if new_role == stored.as_deref() {
            continue;
        }
        if let Err(err) = lock(&shared.session).set_board_access(board_id, Some(&server), new_role)
        {
            tracing::error!(%err, board = %board_id, "recording a role failed");
            continue;
        }
        let role = new_role.and_then(Role::parse);
        let reason = if revoked {
            Some(REMOVED_REASON)
        } else if role == Some(Role::Viewer) {
            Some(VIEWER_REASON)
        } else {
            None
        };
        let access = (role, reason.is_some());
        let previous = shared.state().roles.insert(board_id.clone(), access);
        if previous == Some(access) {
            continue;
        }
        tracing::info!(board = %board_id, role = ?new_role, "access changed");
        shared.sink.emit(AppEvent::Access(BoardAccessEvent {
            board_id: board_id.clone(),
            role,
            read_only: reason.is_some(),
            reason: reason.map(str::to_owned),
        }));
        if revoked && stored.is_some() {
            shared.sink.emit(AppEvent::Closed(BoardClosedEvent {
                board_id: board_id.clone(),
                message: REMOVED_REASON.to_owned(),
            }));
        }
    }
}

fn is_revocation(reason: &str) -> bool {
    reason.contains("revoked") || reason.starts_with("access denied")
}

/// The app's indicator and each shared board's, with the exact strings the UI shows.
fn status_event(shared: &Shared, report: Option<&StatusReport>) -> SyncStatusEvent {
    let signed_in = shared.state().account.is_some();
    let Some(report) = report.filter(|_| signed_in) else {
        return SyncStatusEvent {
            overall: state(
                SyncKind::SignedOut,
                0,
                "Signed out — sign in to sync".into(),
            ),
            boards: Vec::new(),
        };
    };
    let mut boards = Vec::new();
    let mut worst: Option<SyncState> = None;
    for (board_id, status) in &report.boards {
        let record = lock(&shared.session).store().board(board_id).ok().flatten();
        let (role, reason) = record
            .as_ref()
            .map(crate::session::access_of)
            .unwrap_or((None, None));
        let removed = record.as_ref().and_then(|r| r.role.as_deref()) == Some(REMOVED_ROLE);
        let sync_state = if removed {
            state(SyncKind::Error, 0, REMOVED_STATUS.into())
        } else {
            board_state(status)
        };
        if !removed && worse(&sync_state, worst.as_ref()) {
            worst = Some(sync_state.clone());
        }
        boards.push(BoardSyncState {
            board_id: board_id.clone(),
            state: sync_state,
            role,
            read_only: reason.is_some(),
        });
    }
    let mut overall = worst.unwrap_or_else(|| state(SyncKind::Synced, 0, "Synced".into()));
    // The app's number is every shared board's outbox, not just the worst board's.
    let pending: u64 = report.boards.values().map(Status::pending).sum();
    if matches!(overall.kind, SyncKind::Offline | SyncKind::Syncing) {
        overall = state(overall.kind, pending, kind_text(overall.kind, pending));
    } else if overall.kind == SyncKind::ReadOnly {
        // The sentence counts what every read-only board could not save.
        let unsaved = report
            .boards
            .values()
            .filter(|s| matches!(s, Status::ReadOnly { .. }))
            .map(Status::pending)
            .sum();
        overall = state(
            SyncKind::ReadOnly,
            pending,
            kind_text(SyncKind::ReadOnly, unsaved),
        );
    }
    SyncStatusEvent { overall, boards }
}

/// What a removed board's indicator says.
pub const REMOVED_STATUS: &str = "Access removed — your copy stays on this computer, read-only";

fn state(kind: SyncKind, pending: u64, text: String) -> SyncState {
    SyncState {
        kind,
        pending,
        text,
    }
}

fn rank(kind: SyncKind) -> u8 {
    match kind {
        SyncKind::Error => 7,
        SyncKind::SignedOut => 6,
        SyncKind::ReadOnly => 5,
        SyncKind::Offline => 4,
        SyncKind::Connecting => 3,
        SyncKind::Syncing => 2,
        SyncKind::Synced => 1,
        SyncKind::Local => 0,
    }
}

fn worse(candidate: &SyncState, than: Option<&SyncState>) -> bool {
    than.is_none_or(|than| rank(candidate.kind) > rank(than.kind))
}

fn changes(n: u64) -> String {
    if n == 1 {
        "1 change".to_owned()
    } else {
        format!("{n} changes")
    }
}

fn kind_text(kind: SyncKind, pending: u64) -> String {
    match kind {
        SyncKind::Offline if pending == 0 => {
            "Offline — all changes saved on this computer".to_owned()
        }
        SyncKind::Offline => format!("Offline — {} saved on this computer", changes(pending)),
        SyncKind::Syncing if pending == 0 => "Syncing changes".to_owned(),
        SyncKind::Syncing => format!("Syncing {}", changes(pending)),
        SyncKind::Synced => "Synced".to_owned(),
        SyncKind::Connecting => "Connecting…".to_owned(),
        SyncKind::SignedOut => "Signed out — sign in to sync".to_owned(),
        SyncKind::Local => "On this computer only".to_owned(),
        // The sentence is sync-client's, shared with `tackctl`.
        SyncKind::ReadOnly => Status::ReadOnly { unsaved: pending }.to_string(),
        SyncKind::Error => "Sync error".to_owned(),
    }
}

/// One board's indicator from the sync client's status.
pub fn board_state(status: &Status) -> SyncState {
    match status {
        Status::Offline { pending } => state(
            SyncKind::Offline,
            *pending,
            kind_text(SyncKind::Offline, *pending),
        ),
        Status::Connecting => state(SyncKind::Connecting, 0, kind_text(SyncKind::Connecting, 0)),
        Status::Syncing { pending } => state(
            SyncKind::Syncing,
            *pending,
            kind_text(SyncKind::Syncing, *pending),
        ),
        Status::Synced => state(SyncKind::Synced, 0, "Synced".to_owned()),
        Status::ReadOnly { unsaved } => state(
            SyncKind::ReadOnly,
            *unsaved,
            kind_text(SyncKind::ReadOnly, *unsaved),
        ),
        Status::Error { reason } => state(SyncKind::Error, status.pending(), error_text(reason)),
    }
}

fn error_text(reason: &str) -> String {
    if is_revocation(reason) && !reason.contains("token") && !reason.contains("session") {
        REMOVED_STATUS.to_owned()
    } else if reason.contains("session") || reason.contains("token") {
        "Session ended — sign in again".to_owned()
    } else if let Some(detail) = reason.strip_prefix("incompatible server: ") {
        format!("Server incompatible: {detail}")
    } else {
        format!("Sync error: {reason}")
    }
}

/// Text of the close confirmation, `None` when nothing is pending.
pub fn close_text(pending: u64) -> Option<String> {
    match pending {
        0 => None,
        1 => Some(
            "1 change has not reached the server yet. Close anyway? It is saved on this \
             computer and will sync next time."
                .to_owned(),
        ),
        n => Some(format!(
            "{n} changes have not reached the server yet. Close anyway? They are saved on this \
             computer and will sync next time."
        )),
    }
}

/// A person as shown: initials and a colour derived from the user id (same everywhere).
pub fn person(user_id: &str, name: &str, selected: Option<String>, me: bool) -> Person {
    Person {
        user_id: user_id.to_owned(),
        name: name.to_owned(),
        initials: initials(name),
        color: color_of(user_id),
        selected_task_id: selected,
        me,
    }
}

fn initials(name: &str) -> String {
    let local = name.split('@').next().unwrap_or(name);
    let mut letters = local
        .split(|c: char| !c.is_alphanumeric())
        .filter_map(|word| word.chars().next())
        .flat_map(char::to_uppercase);
    let first = letters.next();
    let second = letters.next();
    match (first, second) {
        (Some(a), Some(b)) => format!("{a}{b}"),
        (Some(a), None) => a.to_string(),
        _ => "?".to_owned(),
    }
}

/// A readable colour (fixed saturation and lightness, hue from an FNV-1a hash of the id).
pub fn color_of(user_id: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in user_id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    let hue = f64::from(hash % 360);
    let (s, l) = (0.65_f64, 0.45_f64);
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((hue / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match hue as u32 / 60 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let to_byte = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", to_byte(r), to_byte(g), to_byte(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_strings_are_the_ones_the_ui_shows() {
        assert_eq!(board_state(&Status::Synced).text, "Synced");
        assert_eq!(
            board_state(&Status::Syncing { pending: 1 }).text,
            "Syncing 1 change"
        );
        assert_eq!(
            board_state(&Status::Syncing { pending: 3 }).text,
            "Syncing 3 changes"
        );
        assert_eq!(
            board_state(&Status::Offline { pending: 2 }).text,
            "Offline — 2 changes saved on this computer"
        );
        assert_eq!(
            board_state(&Status::Error {
                reason: "relay closed the board: access to this board was revoked".into()
            })
            .text,
            REMOVED_STATUS
        );
        assert_eq!(
            board_state(&Status::ReadOnly { unsaved: 2 }).text,
            "Read-only access: 2 local changes could not be saved to the server and are kept \
             on this computer"
        );
        assert_eq!(close_text(0), None);
        assert!(close_text(2).is_some_and(|t| t.starts_with("2 changes have not")));
    }

    #[test]
    fn people_get_initials_and_a_stable_colour() {
        assert_eq!(initials("ada.lovelace@example.com"), "AL");
        assert_eq!(initials("bob@example.com"), "B");
        assert_eq!(color_of("u1"), color_of("u1"));
        assert_ne!(color_of("u1"), color_of("u2"));
        assert_eq!(color_of("u1").len(), 7);
    }
}
