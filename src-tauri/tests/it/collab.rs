//! The collaboration wiring without a window: two app sessions (separate data directories,
//! two accounts) against a real relay with accounts on 127.0.0.1 over a fresh PostgreSQL
//! database. Remote edits reach the open board as patches, viewers are refused before the
//! store is touched and still see updates, roles change live, presence lists both people,
//! and signing in keeps the token in a real Secret Service (gnome-keyring).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use board_model::{ReplicaConfig, Sources};
use sync_server::auth::Verifier;
use sync_server::storage::Storage;
use sync_server::testing::KillableRelay;
use tack::collab::{AppEvent, Collab, EventSink};
use tack::ipc::{BoardOp, ErrorKind, Patch, Place, Role, SyncKind};
use tack::session::Session;
use test_support::postgres::TestDatabase;

/// How long a test waits for any one expected event.
pub const WAIT: Duration = Duration::from_secs(30);

/// A relay with accounts (as production runs it) in a runtime of its own
/// (`sync_server::testing`), so a test can kill it outright and start it again on the same port
/// and database.
pub struct TestRelay {
    pub addr: SocketAddr,
    running: Option<KillableRelay>,
    database: TestDatabase,
}

impl TestRelay {
    pub fn start() -> TestRelay {
        let database = TestDatabase::create();
        let running = serve(&database.url, 0);
        TestRelay {
            addr: running.addr,
            running: Some(running),
            database,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Kills the relay outright (connections reset), keeping its database.
    pub fn kill(&mut self) {
        if let Some(running) = self.running.take() {
            running.kill();
        }
    }

    /// Starts it again on the same port and database.
    pub fn restart(&mut self) {
        self.kill();
        self.running = Some(serve(&self.database.url, self.addr.port()));
    }

    /// A new account on this relay; returns its session.
    pub fn signup(&self, email: &str) -> tack_account::NewSession {
        tack_account::RelayClient::new(&self.url())
            .expect("relay url")
            .signup(email, "correct horse battery")
            .expect("sign up")
    }

    /// Another session of an account `signup` made (another computer of the same person).
    pub fn login(&self, email: &str) -> tack_account::NewSession {
        tack_account::RelayClient::new(&self.url())
            .expect("relay url")
            .login(email, "correct horse battery")
            .expect("log in")
    }
}

/// Serves a relay on `port` (0: any), migrated by the database's owner and connected as the
/// relay's own role, as production runs it.
fn serve(database_url: &str, port: u16) -> KillableRelay {
    let owner_url = database_url.to_owned();
    KillableRelay::start(port, move || async move {
        Storage::migrate_postgres(&owner_url)
            .await
            .expect("migrate as owner");
        let relay_url = format!("{owner_url}?options=-c%20role%3Dtack_relay");
        let storage = Storage::connect_with(Some(&relay_url), Path::new("unused.sqlite3"), false)
            .await
            .expect("connect as the relay's role");
        let verifier: Arc<dyn Verifier> =
            Arc::new(sync_server::accounts::AccountVerifier::new(storage.clone()));
        (storage, verifier)
    })
}

/// Records every event the collaboration side emits.
#[derive(Default)]
pub struct Recorder(Mutex<Vec<AppEvent>>);

impl EventSink for Recorder {
    fn emit(&self, event: AppEvent) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
    }
}

impl Recorder {
    /// Waits (bounded) for an event `pick` recognises; events seen are consumed up to it.
    pub fn wait<T>(&self, what: &str, mut pick: impl FnMut(&AppEvent) -> Option<T>) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            {
                let mut events = self.0.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(at) = events.iter().position(|e| pick(e).is_some()) {
                    let found = pick(&events[at]);
                    events.drain(..=at);
                    if let Some(found) = found {
                        return found;
                    }
                }
            }
            if Instant::now() > deadline {
                let events = self.0.lock().unwrap_or_else(PoisonError::into_inner);
                panic!("{what}: not seen in {WAIT:?}; events: {events:#?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// One computer running the app: its data directory, session, collaboration side, events.
pub struct Desk {
    pub session: Arc<Mutex<Session>>,
    pub collab: Collab,
    pub events: Arc<Recorder>,
    pub runtime: tokio::runtime::Runtime,
    pub dir: tempfile::TempDir,
}

impl Desk {
    pub fn new(user: &str) -> Desk {
        let dir = test_support::temp_data_dir();
        let config = ReplicaConfig {
            user: user.into(),
            sources: Sources::system(),
        };
        let session = Arc::new(Mutex::new(
            Session::open(dir.path(), config).expect("open the store"),
        ));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let events = Arc::new(Recorder::default());
        let collab = Collab::start(
            dir.path().to_owned(),
            session.clone(),
            events.clone(),
            runtime.handle().clone(),
        );
        Desk {
            session,
            collab,
            events,
            runtime,
            dir,
        }
    }

    /// Signs in with a fresh account on `relay` (token kept in memory: no keychain here).
    pub fn sign_up(&self, relay: &TestRelay, email: &str) -> String {
        self.use_session(relay, relay.signup(email))
    }

    /// Signs in as an existing account of `relay`, as the same person's other computer.
    pub fn log_in(&self, relay: &TestRelay, email: &str) -> String {
        self.use_session(relay, relay.login(email))
    }

    fn use_session(&self, relay: &TestRelay, session: tack_account::NewSession) -> String {
        self.collab
            .set_server_url(&relay.url())
            .expect("set the server");
        let user_id = session.account.user_id.clone();
        self.collab.use_session(session);
        user_id
    }

    pub fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        tack::collab::lock(&self.session)
    }

    pub fn apply(&self, board: &str, op: BoardOp) -> Result<Option<String>, tack::ipc::IpcError> {
        self.session()
            .apply(board, op)
            .map(|(result, _)| result.created_id)
    }

    /// Waits for the board's sync state to be `kind`.
    pub fn wait_board(&self, board: &str, kind: SyncKind) {
        self.events
            .wait(&format!("board {board} {kind:?}"), |e| match e {
                AppEvent::Status(s)
                    if s.boards
                        .iter()
                        .any(|b| b.board_id == board && b.state.kind == kind) =>
                {
                    Some(())
                }
                _ => None,
            });
    }
}

pub fn add_task(title: &str, column: &str) -> BoardOp {
    BoardOp::AddTask {
        column_id: column.into(),
        title: title.into(),
        place: Place::Bottom,
        description: None,
    }
}

/// Ana's board "Launch" with a column, published, shared with Bob as `role`, downloaded and
/// open on Bob's computer. Returns (board, column).
pub fn shared_board(relay: &TestRelay, ana: &Desk, bob: &Desk, role: Role) -> (String, String) {
    ana.sign_up(relay, "ana@example.com");
    bob.sign_up(relay, "bob@example.com");
    let board = ana.session().create_board("Launch").expect("create").id;
    let column = ana
        .apply(
            &board,
            BoardOp::AddColumn {
                title: "To do".into(),
                wip: None,
                place: Place::Bottom,
            },
        )
        .expect("column")
        .expect("column id");
    assert_eq!(
        ana.collab.publish_board(&board).expect("publish"),
        Role::Owner
    );
    ana.collab
        .share_board(&board, "bob@example.com", role)
        .expect("share");
    ana.wait_board(&board, SyncKind::Synced);

    let remote = bob
        .collab
        .list_remote_boards()
        .expect("boards shared with bob");
    assert_eq!(remote.len(), 1, "{remote:?}");
    assert_eq!(remote[0].board_id, board);
    assert_eq!(remote[0].role, role);
    // Bob's app may already be downloading it by itself (`collab::shared`); opening it waits.
    let summary = bob.collab.open_remote_board(&board).expect("download");
    assert_eq!(summary.title, "Launch");
    assert_eq!(summary.role, Some(role));
    let view = bob.session().open_board(&board).expect("open");
    assert_eq!(view.columns.len(), 1);
    (board, column)
}

#[test]
fn an_edit_on_one_computer_reaches_the_other_open_board_and_presence_lists_both() {
    let relay = TestRelay::start();
    let (ana, bob) = (Desk::new("ana"), Desk::new("bob"));
    let (board, column) = shared_board(&relay, &ana, &bob, Role::Editor);
    bob.wait_board(&board, SyncKind::Synced);

    ana.apply(&board, add_task("Write the press release", &column))
        .expect("ana adds a task");
    let title = bob
        .events
        .wait("the task as a patch on bob's open board", |e| match e {
            AppEvent::Patch(p) if p.board_id == board => {
                p.patches.iter().find_map(|patch| match patch {
                    Patch::TaskUpserted { task, column_id } if *column_id == column => {
                        Some(task.title.clone())
                    }
                    _ => None,
                })
            }
            _ => None,
        });
    assert_eq!(title, "Write the press release");

    // Both announce themselves on the board; each then lists both, itself first.
    let task = bob.session().open_board(&board).expect("view").columns[0].tasks[0]
        .id
        .clone();
    ana.collab
        .set_selection(&board, Some(task.clone()))
        .expect("ana selects");
    bob.collab.set_selection(&board, None).expect("bob is here");
    let people = bob.events.wait("ana in bob's presence list", |e| match e {
        AppEvent::Presence(p) if p.board_id == board && p.people.len() == 2 => {
            Some(p.people.clone())
        }
        _ => None,
    });
    assert!(
        people[0].me && people[0].name == "bob@example.com",
        "{people:?}"
    );
    assert_eq!(people[1].name, "ana@example.com");
    assert_eq!(people[1].selected_task_id.as_deref(), Some(task.as_str()));
    assert_eq!(people[1].initials, "A");
    let people = ana.events.wait("bob in ana's presence list", |e| match e {
        AppEvent::Presence(p) if p.board_id == board && p.people.len() == 2 => {
            Some(p.people.clone())
        }
        _ => None,
    });
    assert_eq!(people[1].name, "bob@example.com");

    // Bob's edit goes the other way too.
    bob.apply(&board, add_task("Book the venue", &column))
        .expect("bob adds a task");
    ana.events.wait("bob's task on ana's board", |e| match e {
        AppEvent::Patch(p) if p.board_id == board => {
            p.patches.iter().find_map(|patch| match patch {
                Patch::TaskUpserted { task, .. } if task.title == "Book the venue" => Some(()),
                _ => None,
            })
        }
        _ => None,
    });
}

#[test]
fn a_viewer_is_refused_before_the_store_is_touched_and_roles_change_live() {
    let relay = TestRelay::start();
    let (ana, bob) = (Desk::new("ana"), Desk::new("bob"));
    let (board, column) = shared_board(&relay, &ana, &bob, Role::Viewer);
    bob.wait_board(&board, SyncKind::Synced);

    let before = bob.session().open_board(&board).expect("view");
    let refused = bob
        .apply(&board, add_task("Sneaky", &column))
        .expect_err("a viewer cannot add a task");
    assert_eq!(refused.kind, ErrorKind::ReadOnly);
    assert_eq!(refused.message, "You can view this board but not edit it.");
    assert_eq!(bob.session().open_board(&board).expect("view"), before);
    assert_eq!(
        bob.session().store().pending_count(&board).expect("outbox"),
        0,
        "nothing reached the outbox"
    );

    // The board still updates live for the viewer.
    ana.apply(&board, add_task("Visible to viewers", &column))
        .expect("ana adds");
    bob.events
        .wait("ana's task on the viewer's board", |e| match e {
            AppEvent::Patch(p) if p.board_id == board => {
                p.patches.iter().find_map(|patch| match patch {
                    Patch::TaskUpserted { task, .. } if task.title == "Visible to viewers" => {
                        Some(())
                    }
                    _ => None,
                })
            }
            _ => None,
        });

    // Upgraded to editor: Bob may edit at once; downgraded again: refused again.
    let members = ana.collab.list_members(&board).expect("members");
    let bob_id = members
        .iter()
        .find(|m| m.email == "bob@example.com")
        .expect("bob is a member")
        .user_id
        .clone();
    ana.collab
        .set_member_role(&board, &bob_id, Role::Editor)
        .expect("upgrade");
    bob.events.wait("bob becomes an editor", |e| match e {
        AppEvent::Access(a) if a.board_id == board && !a.read_only => Some(()),
        _ => None,
    });
    bob.apply(&board, add_task("Now allowed", &column))
        .expect("an editor adds a task");

    ana.collab
        .set_member_role(&board, &bob_id, Role::Viewer)
        .expect("downgrade");
    let access = bob.events.wait("bob is a viewer again", |e| match e {
        AppEvent::Access(a) if a.board_id == board && a.read_only => Some(a.clone()),
        _ => None,
    });
    assert_eq!(access.role, Some(Role::Viewer));
    let refused = bob
        .apply(&board, add_task("Refused again", &column))
        .expect_err("a viewer again");
    assert_eq!(refused.kind, ErrorKind::ReadOnly);

    // Removed: the board closes with a message; the local copy stays, read-only.
    ana.collab.remove_member(&board, &bob_id).expect("remove");
    let closed = bob.events.wait("the board closes for bob", |e| match e {
        AppEvent::Closed(c) if c.board_id == board => Some(c.message.clone()),
        _ => None,
    });
    assert!(
        closed.contains("Your copy stays on this computer"),
        "{closed}"
    );
    // It stops syncing (the relay is told to drop the channel): the indicator lists it no more.
    let status = bob
        .events
        .wait("the removed board leaves the sync status", |e| match e {
            AppEvent::Status(s) if !s.boards.iter().any(|b| b.board_id == board) => Some(s.clone()),
            _ => None,
        });
    assert_ne!(status.overall.kind, SyncKind::Error, "{status:?}");
    let summary = bob.session().board_summary(&board).expect("still here");
    assert!(summary.read_only);
    let view = bob.session().open_board(&board).expect("still opens");
    assert!(view.columns[0]
        .tasks
        .iter()
        .any(|t| t.title == "Now allowed"));
}

#[test]
fn an_edit_the_relay_refuses_read_only_is_kept_and_the_status_says_it_could_not_be_saved() {
    let mut relay = TestRelay::start();
    let (ana, bob) = (Desk::new("ana"), Desk::new("bob"));
    let (board, column) = shared_board(&relay, &ana, &bob, Role::Editor);
    bob.wait_board(&board, SyncKind::Synced);

    // Bob edits offline as an editor; meanwhile (through a second relay on the same database)
    // Ana makes him a viewer, so the relay refuses the edit when Bob comes back.
    relay.kill();
    bob.apply(&board, add_task("Written offline", &column))
        .expect("still an editor on this computer");
    let second = serve(&relay.database.url, 0);
    let api = tack_account::RelayClient::new(&format!("http://{}", second.addr)).expect("url");
    let ana_session = api
        .login("ana@example.com", "correct horse battery")
        .expect("ana logs in");
    let api = api.with_token(&ana_session.token);
    let bob_id = api
        .members(&board)
        .expect("members")
        .into_iter()
        .find(|m| m.email == "bob@example.com")
        .expect("bob is a member")
        .user_id;
    api.set_role(&board, &bob_id, tack_account::Role::Viewer)
        .expect("downgrade");
    second.kill();
    relay.restart();

    let sentence = "Read-only access: 1 local change could not be saved to the server and is \
                    kept on this computer";
    let status = bob.events.wait("bob's refused edit, said so", |e| match e {
        AppEvent::Status(s)
            if s.boards
                .iter()
                .any(|b| b.board_id == board && b.state.kind == SyncKind::ReadOnly) =>
        {
            Some(s.clone())
        }
        _ => None,
    });
    let state = &status
        .boards
        .iter()
        .find(|b| b.board_id == board)
        .expect("the board")
        .state;
    assert_eq!(state.text, sentence);
    assert_eq!(state.pending, 1);
    assert_eq!(status.overall.kind, SyncKind::ReadOnly);
    assert_eq!(status.overall.text, sentence);
    assert_eq!(
        bob.session().store().pending_count(&board).expect("outbox"),
        1,
        "the refused edit is kept"
    );

    // An editor again: the kept edit is saved and reaches Ana.
    ana.collab
        .set_member_role(&board, &bob_id, Role::Editor)
        .expect("upgrade");
    bob.wait_board(&board, SyncKind::Synced);
    assert_eq!(
        bob.session().store().pending_count(&board).expect("outbox"),
        0
    );
    ana.events
        .wait("bob's kept task on ana's board", |e| match e {
            AppEvent::Patch(p) if p.board_id == board => {
                p.patches.iter().find_map(|patch| match patch {
                    Patch::TaskUpserted { task, .. } if task.title == "Written offline" => Some(()),
                    _ => None,
                })
            }
            _ => None,
        });
}

/// The child half of the keychain test runs inside `dbus-run-session` with gnome-keyring.
const IN_KEYRING_SESSION: &str = "TACK_TEST_IN_KEYRING_SESSION";

#[test]
fn signing_in_keeps_the_token_in_the_os_keychain_and_the_next_start_finds_it() {
    if std::env::var_os(IN_KEYRING_SESSION).is_some() {
        keychain_child();
        return;
    }
    let home = tempfile::tempdir().expect("home");
    let exe = std::env::current_exe().expect("test binary");
    let script = r#"
        set -e
        printf 'test-keyring-password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        exec "$TEST_EXE" --exact collab::signing_in_keeps_the_token_in_the_os_keychain_and_the_next_start_finds_it --nocapture --test-threads 1
    "#;
    let output = std::process::Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script])
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join(".local/share"))
        .env_remove("XDG_RUNTIME_DIR")
        .env("TEST_EXE", exe)
        .env(IN_KEYRING_SESSION, "1")
        .output()
        .expect("run dbus-run-session (scripts/setup.sh installs dbus and gnome-keyring)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn keychain_child() {
    let relay = TestRelay::start();
    let ana = Desk::new("ana");
    ana.collab.set_server_url(&relay.url()).expect("server");
    let state = ana
        .collab
        .sign_up("ana@example.com", "correct horse battery")
        .expect("sign up through the app");
    let user = state.user.expect("signed in");
    assert_eq!(user.email, "ana@example.com");
    let token = tack_account::load_token(&relay.url())
        .expect("keychain")
        .expect("the token is in the keychain");
    let data_dir = ana.dir.path().to_owned();
    for file in ["account.json", "settings.json"] {
        let text = std::fs::read_to_string(data_dir.join(file)).expect(file);
        assert!(!text.contains(&token), "{file} holds the token");
    }
    // A second start on the same data directory is signed in, from the keychain.
    let again = Collab::start(
        data_dir,
        ana.session.clone(),
        Arc::new(Recorder::default()),
        ana.runtime.handle().clone(),
    );
    assert_eq!(
        again.account_state().user.map(|u| u.email).as_deref(),
        Some("ana@example.com")
    );
    again.sign_out().expect("sign out");
    assert_eq!(
        tack_account::load_token(&relay.url()).expect("keychain"),
        None
    );
    assert!(again.account_state().user.is_none());
}

#[test]
fn a_board_shared_with_me_while_the_app_runs_appears_with_its_title_and_people() {
    let relay = TestRelay::start();
    let (ana, bob) = (Desk::new("ana"), Desk::new("bob"));
    let ana_id = ana.sign_up(&relay, "ana@example.com");
    let bob_id = bob.sign_up(&relay, "bob@example.com");
    assert!(ana.session().list_boards().expect("list").is_empty());

    // Bob shares a board with Ana while her app runs; she does nothing.
    let board = bob.session().create_board("Roadmap").expect("create").id;
    bob.collab.publish_board(&board).expect("publish");
    bob.collab
        .share_board(&board, "ana@example.com", Role::Editor)
        .expect("share");

    ana.events.wait("the shared board downloaded", |e| match e {
        AppEvent::Access(access) if access.board_id == board => Some(()),
        _ => None,
    });
    let listed = ana.session().list_boards().expect("list");
    let shared = listed
        .iter()
        .find(|b| b.id == board)
        .expect("in Ana's board list");
    assert_eq!(shared.title, "Roadmap");
    assert_eq!(shared.role, Some(Role::Editor));
    assert!(!shared.read_only);

    // Opening it: the directory the window gets lists both, once the relay's list is fetched.
    let me = ana.collab.signed_in_account();
    ana.collab.list_members(&board).expect("members");
    let opened = ana
        .session()
        .open_board_with_people(&board, me)
        .expect("open");
    assert_eq!(opened.view.title, "Roadmap");
    let people: Vec<(&str, &str, bool)> = opened
        .people
        .iter()
        .map(|p| (p.user_id.as_str(), p.name.as_str(), p.me))
        .collect();
    assert_eq!(
        people,
        [
            (ana_id.as_str(), "ana", true),
            (bob_id.as_str(), "bob", false)
        ]
    );

    // Deleted on Ana's computer, it is remembered so, and not downloaded again by itself.
    ana.session().delete_board(&board).expect("delete here");
    assert!(ana.session().store().deleted_here(&board).expect("store"));
}

/// The child half of the unusable-keychain test runs with no session bus at all.
const WITHOUT_KEYCHAIN: &str = "TACK_TEST_WITHOUT_KEYCHAIN";

#[test]
fn sign_up_with_an_unusable_keychain_fails_before_the_account_exists_and_the_retry_works() {
    if std::env::var_os(WITHOUT_KEYCHAIN).is_some() {
        unusable_keychain_child();
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let output = std::process::Command::new(exe)
        .args([
            "--exact",
            "collab::sign_up_with_an_unusable_keychain_fails_before_the_account_exists_and_the_retry_works",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        // No session bus: the Secret Service cannot be reached.
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env(WITHOUT_KEYCHAIN, "1")
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn unusable_keychain_child() {
    let relay = TestRelay::start();
    let ana = Desk::new("ana");
    ana.collab.set_server_url(&relay.url()).expect("server");
    let err = ana
        .collab
        .sign_up("ana@example.com", "correct horse battery")
        .expect_err("no keychain: sign-up must fail");
    assert_eq!(err.kind, ErrorKind::Storage, "{err:?}");
    assert!(err.message.contains("keychain"), "{err:?}");
    assert!(ana.collab.account_state().user.is_none());
    // The relay made no account: the same email signs up once a keychain is there (here, as
    // the other tests do, straight through the relay's API).
    let session = relay.signup("ana@example.com");
    assert_eq!(session.account.email, "ana@example.com");
}

/// Looks through a desk's events (without consuming them) for a conflict notice.
fn conflict_seen(desk: &Desk) -> Option<tack::ipc::ConflictNotice> {
    let events = desk.events.0.lock().unwrap_or_else(PoisonError::into_inner);
    events.iter().find_map(|e| match e {
        AppEvent::Conflict(notice) => Some(notice.clone()),
        _ => None,
    })
}

#[test]
fn a_title_both_changed_offline_tells_the_one_whose_change_lost_who_won() {
    let mut relay = TestRelay::start();
    let (ana, bob) = (Desk::new("ana"), Desk::new("bob"));
    let (board, column) = shared_board(&relay, &ana, &bob, Role::Editor);
    bob.wait_board(&board, SyncKind::Synced);
    let task = ana
        .apply(&board, add_task("Draft", &column))
        .expect("ana adds a task")
        .expect("task id");
    bob.events.wait("the task on bob's board", |e| match e {
        AppEvent::Patch(p) if p.board_id == board => p.patches.iter().find_map(|patch| {
            matches!(patch, Patch::TaskUpserted { task: t, .. } if t.id == task).then_some(())
        }),
        _ => None,
    });

    // The relay goes away; both retitle the same task; it comes back.
    relay.kill();
    ana.wait_board(&board, SyncKind::Offline);
    bob.wait_board(&board, SyncKind::Offline);
    let retitle = |title: &str| BoardOp::SetTaskTitle {
        task_id: task.clone(),
        title: title.into(),
    };
    ana.apply(&board, retitle("Ana's title"))
        .expect("ana retitles");
    bob.apply(&board, retitle("Bob's title"))
        .expect("bob retitles");
    relay.restart();

    // Exactly one of them lost; that one is told, about the title of that task.
    let deadline = Instant::now() + WAIT;
    let (loser, notice) = loop {
        if let Some(notice) = conflict_seen(&ana) {
            break ("ana", notice);
        }
        if let Some(notice) = conflict_seen(&bob) {
            break ("bob", notice);
        }
        assert!(
            Instant::now() < deadline,
            "no conflict notice on either computer"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(notice.board_id, board);
    assert_eq!(notice.task_id, task);
    assert_eq!(notice.field, "title");
    let (winner_email, kept) = match loser {
        "ana" => ("bob@example.com", "Bob's title"),
        _ => ("ana@example.com", "Ana's title"),
    };
    // The winner is named when their presence arrived before the update, else "someone".
    assert!(
        notice.winner == winner_email || notice.winner == "someone",
        "{notice:?}"
    );
    assert_eq!(
        notice.text,
        format!(
            "{} changed the title at the same time; their version was kept.",
            notice.winner
        )
    );
    // Both converge on the winner's title, and the winner was not told of a conflict.
    for desk in [&ana, &bob] {
        let deadline = Instant::now() + WAIT;
        loop {
            let view = desk.session().open_board(&board).expect("view");
            let title = view.columns[0]
                .tasks
                .iter()
                .find(|t| t.id == task)
                .map(|t| t.title.clone());
            if title.as_deref() == Some(kept) {
                break;
            }
            assert!(Instant::now() < deadline, "did not converge: {title:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let winner = if loser == "ana" { &bob } else { &ana };
    assert!(
        conflict_seen(winner).is_none(),
        "the winner was told of a conflict"
    );
}
