//! Refused writes (SyncStatus 0) against a relay with accounts, as production runs it: a
//! viewer's edit stays in the outbox and the status says it could not be saved, without
//! retrying; an editor downgraded while writing keeps its edits, and sends them once it is an
//! editor again.

use std::path::Path;
use std::sync::Arc;

use sync_client::{Status, StatusReport, SyncClient, SyncHandle, SyncProblem};
use sync_server::auth::Verifier;
use sync_server::storage::Storage;
use sync_server::testing::KillableRelay;
use tack_account::Role;
use test_support::postgres::TestDatabase;

use crate::support::{board_id, test_config, wait_for, Replica, WAIT};

const PASSWORD: &str = "correct horse battery";

/// A relay with accounts, migrated by the database's owner and connected as `tack_relay`.
struct AccountsRelay {
    addr: std::net::SocketAddr,
    _relay: KillableRelay,
    _database: TestDatabase,
}

impl AccountsRelay {
    async fn start() -> AccountsRelay {
        let database = TestDatabase::create();
        let owner_url = database.url.clone();
        let relay = tokio::task::spawn_blocking(move || {
            KillableRelay::start(0, move || async move {
                Storage::migrate_postgres(&owner_url)
                    .await
                    .expect("migrate as owner");
                let relay_url = format!("{owner_url}?options=-c%20role%3Dtack_relay");
                let storage =
                    Storage::connect_with(Some(&relay_url), Path::new("unused.sqlite3"), false)
                        .await
                        .expect("connect as the relay's role");
                let verifier: Arc<dyn Verifier> =
                    Arc::new(sync_server::accounts::AccountVerifier::new(storage.clone()));
                (storage, verifier)
            })
        })
        .await
        .expect("relay started");
        AccountsRelay {
            addr: relay.addr,
            _relay: relay,
            _database: database,
        }
    }

    fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// Runs a blocking call of the `/v1` API (ureq) off the async threads.
    async fn api<T: Send + 'static>(
        &self,
        token: Option<&str>,
        call: impl FnOnce(tack_account::RelayClient) -> Result<T, tack_account::AccountError>
            + Send
            + 'static,
    ) -> T {
        let mut relay =
            tack_account::RelayClient::new(&format!("http://{}", self.addr)).expect("url");
        if let Some(token) = token {
            relay = relay.with_token(token);
        }
        tokio::task::spawn_blocking(move || call(relay))
            .await
            .expect("api task")
            .expect("api call")
    }

    /// A counter from `/metrics` (0 when absent).
    async fn metric(&self, name: &str) -> f64 {
        crate::support::relay_metric(self.addr, name).await
    }
}

/// Ana's published board "Launch" with a column, shared with Bob as `role`, synced by Ana's
/// client, and fetched once by Bob's (stopped again).
struct Shared {
    board: String,
    column: String,
    ana: Replica,
    ana_token: String,
    ana_client: SyncHandle,
    bob: Replica,
    bob_token: String,
    bob_id: String,
}

async fn share_with_bob(relay: &AccountsRelay, role: Role) -> Shared {
    let ana_session = relay
        .api(None, |r| r.signup("ana@example.com", PASSWORD))
        .await;
    let bob_session = relay
        .api(None, |r| r.signup("bob@example.com", PASSWORD))
        .await;
    let ana = Replica::new("ana");
    let board = board_id(1);
    let column = ana.create_board(&board, "Launch");
    let published = board.clone();
    relay
        .api(Some(&ana_session.token), move |r| r.publish(&published))
        .await;
    let shared_board = board.clone();
    relay
        .api(Some(&ana_session.token), move |r| {
            r.add_member(&shared_board, "bob@example.com", role)
        })
        .await;
    let ana_client = client(&ana, relay, &ana_session.token);
    ana_client.subscribe(&board).expect("subscribe");
    wait_board(&ana_client, &board, "ana synced", |s| *s == Status::Synced).await;

    let bob = Replica::new("bob");
    let bob_client = client(&bob, relay, &bob_session.token);
    bob_client.subscribe(&board).expect("subscribe");
    wait_board(&bob_client, &board, "bob fetched the board", |s| {
        *s == Status::Synced
    })
    .await;
    bob_client.shutdown().await;
    assert!(bob.has_board(&board));
    Shared {
        board,
        column,
        ana,
        ana_token: ana_session.token,
        ana_client,
        bob,
        bob_token: bob_session.token,
        bob_id: bob_session.account.user_id,
    }
}

fn client(replica: &Replica, relay: &AccountsRelay, token: &str) -> SyncHandle {
    let mut config = test_config(&relay.ws_url());
    config.replica = replica.config();
    config.token = token.to_owned();
    SyncClient::spawn(config, replica.store.clone()).expect("spawn client")
}

async fn wait_board(
    handle: &SyncHandle,
    board: &str,
    what: &str,
    mut done: impl FnMut(&Status) -> bool,
) -> StatusReport {
    wait_for(handle, what, |report| {
        report.boards.get(board).is_some_and(&mut done)
    })
    .await
}

async fn set_bob_role(relay: &AccountsRelay, shared: &Shared, role: Role) {
    let (board, bob) = (shared.board.clone(), shared.bob_id.clone());
    relay
        .api(Some(&shared.ana_token), move |r| {
            r.set_role(&board, &bob, role)
        })
        .await;
}

/// Waits (bounded) until `replica`'s board shows every title.
async fn wait_titles(replica: &Replica, board: &str, titles: &[String]) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let render = replica.render(board);
        if titles.iter().all(|t| render.contains(t.as_str())) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not every title arrived in {WAIT:?}:\n{render}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_downgraded_while_writing_keeps_its_edits_and_sends_them_when_upgraded() {
    let relay = AccountsRelay::start().await;
    let shared = share_with_bob(&relay, Role::Editor).await;
    let (board, column, bob) = (&shared.board, &shared.column, &shared.bob);
    let bob_client = client(bob, &relay, &shared.bob_token);
    bob_client.subscribe(board).expect("subscribe");
    wait_board(&bob_client, board, "bob synced", |s| *s == Status::Synced).await;

    // Bob writes while Ana makes him a viewer: some writes race the downgrade.
    let mut titles: Vec<String> = (0..20).map(|n| format!("Burst {n}")).collect();
    let downgrade = set_bob_role(&relay, &shared, Role::Viewer);
    let burst = async {
        for title in &titles {
            bob.add_task(board, column, title);
            bob_client.notify_local_change(board).expect("notify");
            tokio::task::yield_now().await;
        }
    };
    tokio::join!(downgrade, burst);
    wait_for(&bob_client, "bob is served read-only", |r| {
        r.readonly.contains(board.as_str())
    })
    .await;
    // At least this one cannot be saved.
    titles.push("After the downgrade".to_owned());
    bob.add_task(board, column, "After the downgrade");
    bob_client.notify_local_change(board).expect("notify");
    // Whatever the relay refused (it raced the downgrade) or would refuse is kept, and said so.
    let report = wait_board(
        &bob_client,
        board,
        "bob's edits kept, read-only",
        |s| matches!(s, Status::Problem(SyncProblem::ReadOnly { unsaved }) if *unsaved == bob.pending(board)),
    )
    .await;
    assert!(report.boards[board.as_str()].pending() >= 1, "{report:?}");

    // An editor again: everything kept is sent, acknowledged, and reaches Ana.
    set_bob_role(&relay, &shared, Role::Editor).await;
    wait_board(&bob_client, board, "bob synced again", |s| {
        *s == Status::Synced
    })
    .await;
    assert_eq!(bob.pending(board), 0);
    wait_titles(&shared.ana, board, &titles).await;
    bob_client.shutdown().await;
    shared.ana_client.shutdown().await;
}

/// Counters on the relay that a retrying client would move.
const REFUSED_READ_ONLY: &str = "tack_relay_rejected_frames_total{reason=\"read_only\"}";
const CONNECTIONS_OPENED: &str = "tack_relay_connections_opened_total";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewers_refused_edit_is_kept_and_said_so_without_retrying() {
    let relay = AccountsRelay::start().await;
    let shared = share_with_bob(&relay, Role::Viewer).await;
    let (board, column, bob) = (&shared.board, &shared.column, &shared.bob);
    let last_synced = || {
        let store = bob.store.lock().expect("store");
        store
            .board(board)
            .expect("board")
            .expect("bob's board")
            .last_synced_at_ms
    };
    let synced_before = last_synced();
    assert!(synced_before.is_some());

    // Bob edits while his client is stopped (as `tackctl` may); the relay refuses it when he
    // connects, as a viewer.
    bob.add_task(board, column, "Sneaky");
    let refused_before = relay.metric(REFUSED_READ_ONLY).await;
    let opened_before = relay.metric(CONNECTIONS_OPENED).await;
    let bob_client = client(bob, &relay, &shared.bob_token);
    bob_client.subscribe(board).expect("subscribe");
    let report = wait_board(&bob_client, board, "bob's edit kept, read-only", |s| {
        matches!(s, Status::Problem(SyncProblem::ReadOnly { .. }))
    })
    .await;
    assert_eq!(
        report.boards[board.as_str()],
        Status::Problem(SyncProblem::ReadOnly { unsaved: 1 })
    );
    assert_eq!(
        report.overall,
        Status::Problem(SyncProblem::ReadOnly { unsaved: 1 })
    );
    assert_eq!(
        report.overall.to_string(),
        "Read-only access: 1 local change could not be saved to the server and is kept on this \
         computer"
    );
    assert!(report.settled(), "a one-shot sync is over: {report:?}");

    // Another edit while connected is kept too, and not sent.
    bob.add_task(board, column, "Sneakier");
    bob_client.notify_local_change(board).expect("notify");
    wait_board(&bob_client, board, "both edits kept", |s| {
        *s == Status::Problem(SyncProblem::ReadOnly { unsaved: 2 })
    })
    .await;

    // The connection lives on: Ana's edit reaches Bob (a bounded window in which a retrying
    // client would have re-sent or reconnected).
    shared.ana.add_task(board, column, "From Ana");
    shared
        .ana_client
        .notify_local_change(board)
        .expect("notify");
    wait_titles(bob, board, &["From Ana".to_owned()]).await;
    assert_eq!(
        relay.metric(REFUSED_READ_ONLY).await - refused_before,
        1.0,
        "the relay refused Bob's edit once, and Bob did not send it again"
    );
    assert_eq!(
        relay.metric(CONNECTIONS_OPENED).await - opened_before,
        1.0,
        "no reconnect"
    );
    assert_eq!(bob.pending(board), 2, "nothing left the outbox");
    assert_eq!(
        bob_client.status().borrow().boards[board.as_str()],
        Status::Problem(SyncProblem::ReadOnly { unsaved: 2 })
    );
    assert_eq!(
        last_synced(),
        synced_before,
        "never reported synced since the edit"
    );
    bob_client.shutdown().await;
    shared.ana_client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_removed_while_syncing_is_told_access_was_revoked() {
    let relay = AccountsRelay::start().await;
    let shared = share_with_bob(&relay, Role::Editor).await;
    let (board, bob) = (&shared.board, &shared.bob);
    let bob_client = client(bob, &relay, &shared.bob_token);
    bob_client.subscribe(board).expect("subscribe");
    wait_board(&bob_client, board, "bob synced", |s| *s == Status::Synced).await;

    let (removed, bob_id) = (board.clone(), shared.bob_id.clone());
    relay
        .api(Some(&shared.ana_token), move |r| {
            r.remove_member(&removed, &bob_id)
        })
        .await;
    let report = wait_board(&bob_client, board, "bob's access revoked", |s| s.is_error()).await;
    assert_eq!(
        report.boards[board.as_str()],
        Status::Problem(SyncProblem::AccessRevoked),
        "{report:?}"
    );
    assert_eq!(
        report.overall.to_string(),
        "Access removed — your copy stays on this computer, read-only"
    );
    assert!(report.settled());
    assert!(bob.has_board(board), "the copy stays");

    // Reconnecting does not bring it back: the relay refuses the board at Auth, same cause.
    bob_client.shutdown().await;
    let again = client(bob, &relay, &shared.bob_token);
    again.subscribe(board).expect("subscribe");
    let report = wait_board(&again, board, "refused at auth", |s| s.is_error()).await;
    assert_eq!(
        report.boards[board.as_str()],
        Status::Problem(SyncProblem::AccessRevoked)
    );
    again.shutdown().await;
    shared.ana_client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_ends_while_syncing_says_sign_in_again_not_access_removed() {
    let relay = AccountsRelay::start().await;
    let shared = share_with_bob(&relay, Role::Editor).await;
    let (board, bob) = (&shared.board, &shared.bob);
    let bob_client = client(bob, &relay, &shared.bob_token);
    bob_client.subscribe(board).expect("subscribe");
    wait_board(&bob_client, board, "bob synced", |s| *s == Status::Synced).await;

    relay.api(Some(&shared.bob_token), |r| r.logout()).await;
    let report = wait_board(&bob_client, board, "bob's session ended", |s| s.is_error()).await;
    assert_eq!(
        report.boards[board.as_str()],
        Status::Problem(SyncProblem::SessionEnded),
        "{report:?}"
    );
    assert_eq!(report.overall.to_string(), "Session ended — sign in again");
    bob_client.shutdown().await;

    // The dead token at the next start: the same cause, at Auth this time.
    let again = client(bob, &relay, &shared.bob_token);
    again.subscribe(board).expect("subscribe");
    let report = wait_board(&again, board, "refused at auth", |s| s.is_error()).await;
    assert_eq!(
        report.boards[board.as_str()],
        Status::Problem(SyncProblem::SessionEnded)
    );
    again.shutdown().await;
    shared.ana_client.shutdown().await;
}
