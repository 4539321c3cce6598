//! PostgreSQL's side doors around row-level security (issue 15): what a role that may log in to
//! the database, but is not the relay's, can read or forge through LISTEN/NOTIFY, SECURITY
//! DEFINER functions and temporary tables. Each test makes its own login role (roles are
//! cluster-wide: named uniquely, dropped at the end).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection as _};
use sync_protocol::{AwarenessEntry, MuxMessage};
use sync_server::config::ServerConfig;
use yrs::{Doc, Map, ReadTxn as _, Transact};

use crate::support::{set_of, Backend, BackendKind, TestRelay, WAIT};

const BOARD: &str = "0190a000-0000-7000-8000-00000000d001";

/// A login role with no privilege but those a test grants it; dropped (with its privileges in
/// the test's database, which must outlive it) when this is, also when a test fails.
struct LoginRole {
    name: String,
    url: String,
    database_url: String,
}

impl LoginRole {
    /// `CREATE ROLE … LOGIN`, then `grants` (SQL with `{role}` for its name), as the owner.
    async fn create(owner: &PgPool, database_url: &str, grants: &[&str]) -> LoginRole {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "tack_outsider_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        sqlx::query(AssertSqlSafe(format!("CREATE ROLE {name} LOGIN")))
            .execute(owner)
            .await
            .expect("create a login role");
        let role = LoginRole {
            url: database_url.replacen("postgres@", &format!("{name}@"), 1),
            database_url: database_url.to_owned(),
            name,
        };
        for grant in grants {
            sqlx::query(AssertSqlSafe(grant.replace("{role}", &role.name)))
                .execute(owner)
                .await
                .unwrap_or_else(|e| panic!("{grant}: {e}"));
        }
        role
    }

    async fn connect(&self) -> Result<PgPool, sqlx::Error> {
        PgPoolOptions::new()
            .max_connections(1)
            .connect(&self.url)
            .await
    }
}

impl Drop for LoginRole {
    fn drop(&mut self) {
        let dropped = std::process::Command::new("psql")
            .args(["--no-psqlrc", "--no-password", "--quiet"])
            .args(["--dbname", &self.database_url])
            .args(["--command", &format!("DROP OWNED BY {}", self.name)])
            .args(["--command", &format!("DROP ROLE {}", self.name)])
            .output();
        match dropped {
            Ok(output) if output.status.success() => {}
            Ok(output) => eprintln!(
                "warning: dropping role {}: {}",
                self.name,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            Err(e) => eprintln!("warning: cannot run `psql` to drop role {}: {e}", self.name),
        }
    }
}

async fn owner_pool(backend: &Backend) -> PgPool {
    PgPoolOptions::new()
        .max_connections(2)
        .connect(backend.database_url.as_deref().expect("PostgreSQL"))
        .await
        .expect("connect as the owner")
}

/// The test database, migrated by its owner: its URL and a pool connected as the owner.
async fn migrated(backend: &Backend) -> (String, PgPool) {
    let database_url = backend.database_url.clone().expect("PostgreSQL");
    sync_server::storage::Storage::migrate_postgres(&database_url)
        .await
        .expect("migrate as owner");
    (database_url, owner_pool(backend).await)
}

fn grant_connect(database_url: &str) -> String {
    let database = database_url.rsplit('/').next().expect("database name");
    format!("GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {{role}}")
}

fn awareness_of(client_id: u64, state_json: &str) -> Vec<u8> {
    sync_protocol::encode_awareness_update(&[AwarenessEntry {
        client_id,
        clock: 1,
        state_json: state_json.into(),
    }])
}

use crate::support::saw_awareness_of;

use crate::support::metric;

/// (a) A role that is not the relay's, even one allowed to connect, LISTENs on the cluster
/// channels while a member edits and moves: it sees announcements, but neither the board's
/// content nor the member's presence, in clear or in base64.
#[tokio::test]
async fn a_listener_without_the_relay_role_sees_no_board_content_and_no_presence() {
    let backend = Backend::new(BackendKind::Postgres);
    let database_url = backend.database_url.clone().expect("PostgreSQL");
    let relay = TestRelay::start_accounts_with(backend, ServerConfig::default()).await;
    let owner = owner_pool(&relay.backend).await;
    let outsider = LoginRole::create(&owner, &database_url, &[&grant_connect(&database_url)]).await;
    let mut listener = PgListener::connect(&outsider.url)
        .await
        .expect("the outsider connects");
    listener
        .listen_all(["tack_updates", "tack_awareness"])
        .await
        .expect("LISTEN");

    let (_, token) = relay.signup("ada@example.com").await;
    relay.publish(&token, BOARD).await;
    let mut client = relay.client().await;
    client.open(BOARD, &token).await.expect("open");
    let text = "the launch date is the ninth of March";
    let update = client.set(BOARD, "plan", text).await;
    assert_eq!(client.status(BOARD).await, Some(true));
    let presence = r#"{"user":{"name":"Ada Lovelace","cursor":"task-7"}}"#;
    let awareness = awareness_of(7001, presence);
    client
        .send(
            BOARD,
            MuxMessage::Awareness {
                update: awareness.clone(),
            },
        )
        .await;

    let mut payloads: Vec<(String, String)> = Vec::new();
    while !(payloads.iter().any(|(c, _)| c == "tack_updates")
        && payloads.iter().any(|(c, _)| c == "tack_awareness"))
    {
        let notification = tokio::time::timeout(WAIT, listener.recv())
            .await
            .expect("the relay announced the commit and the presence")
            .expect("LISTEN");
        payloads.push((
            notification.channel().to_owned(),
            notification.payload().to_owned(),
        ));
    }
    let secrets = [
        text.to_owned(),
        BASE64.encode(&update),
        "Ada Lovelace".to_owned(),
        BASE64.encode(presence),
        BASE64.encode(&awareness),
    ];
    for (channel, payload) in &payloads {
        for secret in &secrets {
            assert!(
                !payload.contains(secret.as_str()),
                "{channel} payload shows {secret:?} to a role outside the relay's: {payload}"
            );
        }
        assert!(
            !(channel == "tack_awareness" && payload.contains(BOARD)),
            "presence names its board: {payload}"
        );
    }

    drop(listener);
    drop(outsider);
    relay.stop().await;
}

/// (b) and (c): a role allowed to connect NOTIFYs forged commits (with rows inside, as relays
/// announced them before, and with a made-up MAC), forged presence and forged revocations. Two
/// relays on one database neither apply nor relay any of it to a member, count what they
/// dropped, and still carry genuine commits and presence between each other.
#[tokio::test]
async fn forged_announcements_are_neither_applied_nor_relayed_to_members() {
    let backend = Backend::new(BackendKind::Postgres);
    let database_url = backend.database_url.clone().expect("PostgreSQL");
    let other = backend.sharing();
    let relay_a = TestRelay::start_accounts_with(backend, ServerConfig::default()).await;
    let relay_b = TestRelay::start_accounts_with(other, ServerConfig::default()).await;
    let owner = owner_pool(&relay_a.backend).await;
    let outsider = LoginRole::create(&owner, &database_url, &[&grant_connect(&database_url)]).await;

    let (user, token) = relay_a.signup("ada@example.com").await;
    relay_a.publish(&token, BOARD).await;
    let mut a = relay_a.client().await;
    a.open(BOARD, &token).await.expect("open on A");
    let mut b = relay_b.client().await;
    b.open(BOARD, &token).await.expect("open on B");
    a.set(BOARD, "first", "v").await;
    assert_eq!(a.status(BOARD).await, Some(true));
    assert!(
        b.wait_keys(BOARD, &set_of(&["first"])).await,
        "B relays A's commit, read from the log as a member"
    );

    // The next seq A's room expects, so that a forged row would be taken as the next one.
    let last_seq: i64 = sqlx::query_scalar("SELECT last_seq FROM boards WHERE id = $1")
        .bind(BOARD)
        .fetch_one(&owner)
        .await
        .expect("last seq");
    let forged_doc = Doc::new();
    forged_doc
        .get_or_insert_map("m")
        .insert(&mut forged_doc.transact_mut(), "forged", "v");
    let forged_update = forged_doc
        .transact()
        .encode_state_as_update_v1(&yrs::StateVector::default());
    let now_micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_micros();
    let commit = serde_json::json!({
        "i": "forger", "b": BOARD, "s": last_seq + 1, "n": 1, "t": now_micros as u64,
        "u": [BASE64.encode(&forged_update)],
    })
    .to_string();
    let presence = serde_json::json!({
        "i": "forger", "b": BOARD, "t": now_micros as u64,
        "a": BASE64.encode(awareness_of(6666, r#"{"user":"mallory"}"#)),
    })
    .to_string();
    let forgeries = [
        ("tack_updates", commit.clone()),
        (
            "tack_updates",
            format!("{}.{commit}", BASE64.encode([0u8; 32])),
        ),
        ("tack_awareness", presence.clone()),
        ("tack_awareness", BASE64.encode(presence.as_bytes())),
        ("tack_membership", format!("{BOARD}\t{user}")),
        ("tack_membership", format!("*\t{user}")),
    ];
    {
        let forger = outsider.connect().await.expect("the outsider connects");
        for (channel, payload) in &forgeries {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(&forger)
                .await
                .expect("anyone who connects may NOTIFY");
        }
        forger.close().await;
    }

    // A genuine commit from B, announced after the forgeries: A handles announcements in order,
    // so once A's member has it, whatever A did with the forgeries has reached the member too.
    b.set(BOARD, "genuine", "v").await;
    assert_eq!(b.status(BOARD).await, Some(true));
    assert!(
        a.until(|c| {
            let keys = c.keys(BOARD);
            keys.contains("genuine") || keys.contains("forged") || saw_awareness_of(c, 6666)
        })
        .await,
        "A relayed B's commit"
    );
    assert!(
        !a.keys(BOARD).contains("forged"),
        "a forged commit announcement reached a member"
    );
    assert!(
        !saw_awareness_of(&a, 6666),
        "a forged presence reached a member"
    );
    assert!(a.keys(BOARD).contains("genuine"));
    let (_, metrics) = relay_a.http_get("/metrics").await;
    assert!(
        metric(&metrics, "tack_relay_cluster_announcements_rejected_total") >= 4.0,
        "the forged commits and presence were counted as rejected"
    );

    // Forged revocations only made the relays read the role again: the member still writes.
    a.set(BOARD, "after forged revocations", "v").await;
    assert_eq!(a.status(BOARD).await, Some(true));
    assert!(
        b.wait_keys(
            BOARD,
            &set_of(&["first", "genuine", "after forged revocations"])
        )
        .await
    );

    // Genuine presence still crosses relays, sealed.
    a.send(
        BOARD,
        MuxMessage::Awareness {
            update: awareness_of(4243, r#"{"user":"ada"}"#),
        },
    )
    .await;
    assert!(
        b.until(|c| saw_awareness_of(c, 4243)).await,
        "presence from A reached B's member"
    );
    assert!(!b.keys(BOARD).contains("forged"));
    drop(outsider);
    relay_b.stop().await;
    relay_a.stop().await;
}

/// A fresh login role, given CONNECT and TEMPORARY, shadows `board_invites` and
/// `board_members` with temporary tables and calls the SECURITY DEFINER functions: it may not
/// call them at all; and even a role allowed to, finds the real tables behind them.
#[tokio::test]
async fn security_definer_functions_are_not_callable_by_public_nor_fooled_by_temp_tables() {
    let backend = Backend::new(BackendKind::Postgres);
    let (database_url, owner) = migrated(&backend).await;
    // The victim's board, written as the owner (a superuser here: row-level security aside).
    for statement in [
        "INSERT INTO users (id, email, password_hash, created_at) VALUES \
         ('victim', 'victim@example.com', 'x', 0), ('mallory', 'mallory@example.com', 'x', 0)",
        "INSERT INTO boards (id) VALUES ('victims-board')",
        "INSERT INTO board_members (board_id, user_id, role) VALUES \
         ('victims-board', 'victim', 'owner')",
    ] {
        sqlx::query(statement)
            .execute(&owner)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let outsider = LoginRole::create(&owner, &database_url, &[&grant_connect(&database_url)]).await;

    let attack = |outsider_url: String| async move {
        let mut conn = sqlx::PgConnection::connect(&outsider_url)
            .await
            .expect("the outsider connects");
        for statement in [
            "SELECT set_config('tack.user_id', 'mallory', false)",
            "CREATE TEMP TABLE board_invites (id TEXT, token_hash BYTEA, board_id TEXT, \
             role TEXT, created_by TEXT, expires_at BIGINT, max_uses BIGINT, uses BIGINT)",
            "INSERT INTO board_invites VALUES \
             ('i', '\\x01', 'victims-board', 'editor', 'victim', 9999999999, 100, 0)",
            "CREATE TEMP TABLE board_members (board_id TEXT, user_id TEXT, role TEXT)",
            "INSERT INTO board_members VALUES ('victims-board', 'mallory', 'owner')",
        ] {
            sqlx::query(statement)
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
        let role: Result<Option<String>, sqlx::Error> =
            sqlx::query_scalar("SELECT tack_board_role('victims-board')")
                .fetch_one(&mut conn)
                .await;
        let unclaimed: Result<bool, sqlx::Error> =
            sqlx::query_scalar("SELECT tack_board_unclaimed('nobodys-board')")
                .fetch_one(&mut conn)
                .await;
        // Shadowing only board_invites: the invite is read from the temp table, the member
        // row would be written to the real board_members.
        sqlx::query("DROP TABLE pg_temp.board_members")
            .execute(&mut conn)
            .await
            .expect("drop the temp board_members");
        let accepted: Result<Vec<(String, String)>, sqlx::Error> =
            sqlx::query_as("SELECT board_id, role FROM tack_accept_invite('\\x01', 0)")
                .fetch_all(&mut conn)
                .await;
        let _ = conn.close().await;
        (role, unclaimed, accepted)
    };
    let mallory_is_member = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM board_members WHERE user_id = 'mallory'")
            .fetch_one(&owner)
            .await
            .expect("count")
    };

    let (role, unclaimed, accepted) = attack(outsider.url.clone()).await;
    assert_eq!(
        mallory_is_member().await,
        0,
        "the invite forged in a temp table was accepted"
    );
    for (function, outcome) in [
        ("tack_board_role", role.map(|_| ())),
        ("tack_board_unclaimed", unclaimed.map(|_| ())),
        ("tack_accept_invite", accepted.map(|_| ())),
    ] {
        let error = outcome.expect_err(&format!("{function} is callable by PUBLIC"));
        let code = error.as_database_error().and_then(|e| e.code());
        assert_eq!(code.as_deref(), Some("42501"), "{function}: {error}");
    }

    // Even a role granted EXECUTE (as the relay's is) reads the real tables: the search_path is
    // pinned with pg_temp last and the names are qualified.
    let functions = "tack_current_user(), tack_board_role(TEXT), tack_board_unclaimed(TEXT), \
                     tack_accept_invite(BYTEA, BIGINT)";
    sqlx::query(AssertSqlSafe(format!(
        "GRANT EXECUTE ON FUNCTION {functions} TO {}",
        outsider.name
    )))
    .execute(&owner)
    .await
    .expect("grant EXECUTE");
    let (role, unclaimed, accepted) = attack(outsider.url.clone()).await;
    assert_eq!(
        role.expect("callable now"),
        None,
        "role from the temp table"
    );
    assert!(unclaimed.expect("callable now"));
    assert_eq!(
        accepted.expect("callable now"),
        vec![],
        "invite from the temp table"
    );
    assert_eq!(mallory_is_member().await, 0);
    owner.close().await;
}

/// The migration takes CONNECT and TEMPORARY on the database from PUBLIC: a fresh login role
/// cannot connect; a login role of the relay's (a member of `tack_relay`) can, without TEMPORARY.
#[tokio::test]
async fn only_the_relays_roles_may_connect_and_none_makes_temporary_tables() {
    let backend = Backend::new(BackendKind::Postgres);
    let (database_url, owner) = migrated(&backend).await;
    let stranger = LoginRole::create(&owner, &database_url, &[]).await;
    let refused = stranger
        .connect()
        .await
        .expect_err("a login role with no grant connected");
    let code = refused.as_database_error().and_then(|e| e.code());
    assert_eq!(code.as_deref(), Some("42501"), "{refused}");

    let relay_login =
        LoginRole::create(&owner, &database_url, &["GRANT tack_relay TO {role}"]).await;
    let relay = tokio::time::timeout(Duration::from_secs(30), relay_login.connect())
        .await
        .expect("bounded")
        .expect("the relay's login role connects");
    let temporary = sqlx::query("CREATE TEMP TABLE shadow (i INT)")
        .execute(&relay)
        .await
        .expect_err("the relay's role made a temporary table");
    let code = temporary.as_database_error().and_then(|e| e.code());
    assert_eq!(code.as_deref(), Some("42501"), "{temporary}");
    relay.close().await;
    owner.close().await;
}

/// Rows now always come from the log, read as a member the room remembers: when the latest
/// member to join is removed from the board, the relay reads as one who joined before, so the
/// members still there keep receiving other relays' commits.
#[tokio::test]
async fn a_relay_reads_other_relays_rows_as_a_remaining_member_after_the_latest_is_removed() {
    let backend = Backend::new(BackendKind::Postgres);
    let other = backend.sharing();
    let relay_a = TestRelay::start_accounts_with(backend, ServerConfig::default()).await;
    let relay_b = TestRelay::start_accounts_with(other, ServerConfig::default()).await;
    let (_, owner_token) = relay_a.signup("ada@example.com").await;
    let (editor_id, editor_token) = relay_a.signup("grace@example.com").await;
    relay_a.publish(&owner_token, BOARD).await;
    relay_a
        .add_member(&owner_token, BOARD, "grace@example.com", "editor")
        .await;
    let mut owner_on_a = relay_a.client().await;
    owner_on_a
        .open(BOARD, &owner_token)
        .await
        .expect("owner on A");
    // Joins last: the member A reads the log as, until removed.
    let mut editor_on_a = relay_a.client().await;
    editor_on_a
        .open(BOARD, &editor_token)
        .await
        .expect("editor on A");
    let mut owner_on_b = relay_b.client().await;
    owner_on_b
        .open(BOARD, &owner_token)
        .await
        .expect("owner on B");

    let (status, body) = relay_a
        .api(
            "DELETE",
            &format!("/v1/boards/{BOARD}/members/{editor_id}"),
            Some(&owner_token),
            None,
        )
        .await;
    assert_eq!(status, 204, "remove the editor: {body}");

    owner_on_b.set(BOARD, "from B", "v").await;
    assert_eq!(owner_on_b.status(BOARD).await, Some(true));
    assert!(
        owner_on_a.wait_keys(BOARD, &set_of(&["from B"])).await,
        "the owner on A received B's commit although the latest member to join was removed"
    );
    relay_b.stop().await;
    relay_a.stop().await;
}
