//! Accounts and permissions: the schema's row-level security seen from `pg_class`/`pg_roles`
//! and exercised table by table as the relay's role, the `/v1` API, and the sync endpoints
//! refusing what a role does not allow (viewers' writes, strangers' reads, bad tokens,
//! revoked members), on PostgreSQL (as the relay's role) and SQLite.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rand::{Rng, SeedableRng};
use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, PgPool};
use sync_protocol::{AuthMessage, AuthScope, MuxFrame, MuxMessage, SyncMessage};
use sync_server::config::ServerConfig;
use yrs::{Doc, Map, ReadTxn, Transact};

use crate::support::{
    set_of, stored_keys, Backend, BackendKind, Client, Seen, TestRelay, BOTH, WAIT,
};

/// Every table holding a board's data: each must have row-level security enabled and forced.
const BOARD_TABLES: [&str; 8] = [
    "boards",
    "board_updates",
    "board_snapshots",
    "board_members",
    "board_invites",
    "task_changes",
    "blobs",
    "blob_chunks",
];

/// Every table holding one person's own data (DESIGN §4 "Read marks"): the same rule.
const PERSONAL_TABLES: [&str; 2] = ["read_marks", "read_mark_clocks"];

async fn owner_pool(backend: &Backend) -> PgPool {
    PgPoolOptions::new()
        .max_connections(2)
        .connect(backend.database_url.as_deref().expect("PostgreSQL"))
        .await
        .expect("owner connects")
}

async fn relay_pool(backend: &Backend) -> PgPool {
    PgPoolOptions::new()
        .max_connections(2)
        .connect(&backend.relay_url().expect("PostgreSQL"))
        .await
        .expect("relay role connects")
}

#[tokio::test]
async fn every_board_table_forces_row_level_security_and_the_relay_role_is_powerless() {
    let backend = Backend::new(BackendKind::Postgres);
    let _storage = backend.relay_storage().await;
    let owner = owner_pool(&backend).await;

    // Every table with a board_id column, plus `boards`, is in BOARD_TABLES.
    let with_board_column: BTreeSet<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND column_name = 'board_id'",
    )
    .fetch_all(&owner)
    .await
    .expect("columns")
    .into_iter()
    .chain(["boards".to_owned()])
    .collect();
    let expected: BTreeSet<String> = BOARD_TABLES.iter().map(|t| (*t).to_owned()).collect();
    assert_eq!(with_board_column, expected);

    for table in BOARD_TABLES.into_iter().chain(PERSONAL_TABLES) {
        let (enabled, forced, owner_name): (bool, bool, String) = sqlx::query_as(
            "SELECT c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner)::text \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relname = $1",
        )
        .bind(table)
        .fetch_one(&owner)
        .await
        .expect("pg_class row");
        assert!(enabled, "{table}: row-level security not enabled");
        assert!(forced, "{table}: row-level security not forced");
        assert_ne!(
            owner_name, "tack_relay",
            "{table} is owned by the relay's role"
        );
    }
    let (superuser, bypass, create_role, create_db): (bool, bool, bool, bool) = sqlx::query_as(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles \
         WHERE rolname = 'tack_relay'",
    )
    .fetch_one(&owner)
    .await
    .expect("the relay's role exists");
    assert!(!superuser && !bypass && !create_role && !create_db);
    let owns: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_class c WHERE c.relowner = \
         (SELECT oid FROM pg_roles WHERE rolname = 'tack_relay')",
    )
    .fetch_one(&owner)
    .await
    .expect("ownership");
    assert_eq!(owns, 0, "the relay's role owns relations");

    // And the test harness's relay connections really run as that role.
    let relay = relay_pool(&backend).await;
    let who: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&relay)
        .await
        .expect("current_user");
    assert_eq!(who, "tack_relay");
}

/// One cell of the policy table: run `sql` as the relay's role acting as `user`, rolled back.
/// `y` when it saw or changed at least one row, `-` when it saw nothing, changed nothing, or
/// was refused by privilege or policy (SQLSTATE 42501); anything else fails the test.
async fn cell(relay: &PgPool, user: Option<&str>, sql: &str) -> &'static str {
    let mut tx = relay.begin().await.expect("begin");
    if let Some(user) = user {
        sqlx::query("SELECT set_config('tack.user_id', $1, true)")
            .bind(user)
            .execute(&mut *tx)
            .await
            .expect("set user");
    }
    let outcome = if sql.starts_with("SELECT") {
        sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql))
            .fetch_one(&mut *tx)
            .await
            .map(|n| n > 0)
    } else {
        sqlx::query(AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .map(|done| done.rows_affected() > 0)
    };
    tx.rollback().await.expect("rollback");
    match outcome {
        Ok(true) => "y",
        Ok(false) => "-",
        Err(error) => {
            let code = error
                .as_database_error()
                .and_then(|e| e.code())
                .map(|c| c.into_owned());
            assert_eq!(
                code.as_deref(),
                Some("42501"),
                "{sql} as {user:?} failed otherwise: {error}"
            );
            "-"
        }
    }
}

#[tokio::test]
async fn policies_table_driven_as_the_relay_role() {
    let backend = Backend::new(BackendKind::Postgres);
    let _storage = backend.relay_storage().await;
    let owner = owner_pool(&backend).await;
    for statement in [
        "INSERT INTO users (id, email, password_hash, created_at) VALUES \
         ('owner', 'o@x', 'h', 0), ('editor', 'e@x', 'h', 0), ('viewer', 'v@x', 'h', 0), \
         ('stranger', 's@x', 'h', 0), ('extra', 'x@x', 'h', 0), ('leaver', 'l@x', 'h', 0)",
        "INSERT INTO boards (id, last_seq) VALUES ('b', 1), ('b2', 0)",
        "INSERT INTO board_members (board_id, user_id, role) VALUES \
         ('b', 'owner', 'owner'), ('b', 'editor', 'editor'), ('b', 'viewer', 'viewer'), \
         ('b', 'leaver', 'viewer'), \
         ('b2', 'owner', 'owner'), ('b2', 'editor', 'editor'), ('b2', 'viewer', 'viewer')",
        "INSERT INTO board_updates (board_id, seq, bytes, author_id) VALUES ('b', 1, '\\x00', 'owner')",
        "INSERT INTO board_snapshots (board_id, state, state_vector, up_to_seq) \
         VALUES ('b', '\\x00', '\\x00', 1)",
        "INSERT INTO board_invites (id, token_hash, board_id, role, created_by, expires_at, max_uses) \
         VALUES ('i', '\\x01', 'b', 'viewer', 'owner', 9999999999, 5)",
    ] {
        sqlx::query(statement)
            .execute(&owner)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let relay = relay_pool(&backend).await;
    let actors: [(&str, Option<&str>); 5] = [
        ("owner", Some("owner")),
        ("editor", Some("editor")),
        ("viewer", Some("viewer")),
        ("stranger", Some("stranger")),
        ("no user", None),
    ];
    // INSERT statements that need the acting user in the row use `{me}`.
    let cases: [(&str, [(&str, &str); 4]); 5] = [
        (
            "boards",
            [
                ("SELECT", "SELECT COUNT(*) FROM boards WHERE id = 'b'"),
                ("INSERT", "INSERT INTO boards (id) VALUES ('fresh')"),
                ("UPDATE", "UPDATE boards SET last_seq = last_seq + 1 WHERE id = 'b'"),
                ("DELETE", "DELETE FROM boards WHERE id = 'b'"),
            ],
        ),
        (
            "board_updates",
            [
                ("SELECT", "SELECT COUNT(*) FROM board_updates WHERE board_id = 'b'"),
                (
                    "INSERT",
                    "INSERT INTO board_updates (board_id, seq, bytes, author_id) \
                     VALUES ('b', 99, '\\x00', {me})",
                ),
                ("UPDATE", "UPDATE board_updates SET bytes = bytes WHERE board_id = 'b'"),
                ("DELETE", "DELETE FROM board_updates WHERE board_id = 'b'"),
            ],
        ),
        (
            "board_snapshots",
            [
                ("SELECT", "SELECT COUNT(*) FROM board_snapshots WHERE board_id = 'b'"),
                (
                    "INSERT",
                    "INSERT INTO board_snapshots (board_id, state, state_vector, up_to_seq) \
                     VALUES ('b2', '\\x00', '\\x00', 0)",
                ),
                ("UPDATE", "UPDATE board_snapshots SET state = state WHERE board_id = 'b'"),
                ("DELETE", "DELETE FROM board_snapshots WHERE board_id = 'b'"),
            ],
        ),
        (
            "board_members",
            [
                ("SELECT", "SELECT COUNT(*) FROM board_members WHERE board_id = 'b' AND user_id = 'owner'"),
                (
                    "INSERT",
                    "INSERT INTO board_members (board_id, user_id, role) VALUES ('b', 'extra', 'viewer')",
                ),
                (
                    "UPDATE",
                    "UPDATE board_members SET role = 'editor' WHERE board_id = 'b' AND user_id = 'leaver'",
                ),
                (
                    "DELETE",
                    "DELETE FROM board_members WHERE board_id = 'b' AND user_id = 'leaver'",
                ),
            ],
        ),
        (
            "board_invites",
            [
                ("SELECT", "SELECT COUNT(*) FROM board_invites WHERE board_id = 'b'"),
                (
                    "INSERT",
                    "INSERT INTO board_invites (id, token_hash, board_id, role, created_by, expires_at, max_uses) \
                     VALUES ('j', '\\x02', 'b', 'editor', {me}, 9999999999, 1)",
                ),
                ("UPDATE", "UPDATE board_invites SET uses = uses + 1 WHERE board_id = 'b'"),
                ("DELETE", "DELETE FROM board_invites WHERE board_id = 'b'"),
            ],
        ),
    ];
    let mut rendered =
        String::from("table           op      owner editor viewer stranger no-user\n");
    for (table, operations) in cases {
        for (operation, sql) in operations {
            let mut line = format!("{table:<15} {operation:<7}");
            for (_, user) in actors {
                let me = user.map_or("NULL".to_owned(), |u| format!("'{u}'"));
                let sql = sql.replace("{me}", &me);
                line.push_str(&format!(" {}", cell(&relay, user, &sql).await));
            }
            rendered.push_str(line.trim_end());
            rendered.push('\n');
        }
    }
    // Cells: owner editor viewer stranger no-user. Any signed-in user may create a board row
    // (publishing claims it in the same transaction); everything else follows the role.
    let expected = "\
table           op      owner editor viewer stranger no-user
boards          SELECT  y y y - -
boards          INSERT  y y y y -
boards          UPDATE  y y - - -
boards          DELETE  y - - - -
board_updates   SELECT  y y y - -
board_updates   INSERT  y y - - -
board_updates   UPDATE  - - - - -
board_updates   DELETE  y y - - -
board_snapshots SELECT  y y y - -
board_snapshots INSERT  y y - - -
board_snapshots UPDATE  - - - - -
board_snapshots DELETE  y y - - -
board_members   SELECT  y y y - -
board_members   INSERT  y - - - -
board_members   UPDATE  y - - - -
board_members   DELETE  y - - - -
board_invites   SELECT  y - - - -
board_invites   INSERT  y - - - -
board_invites   UPDATE  y - - - -
board_invites   DELETE  y - - - -
";
    assert_eq!(rendered, expected, "policy table:\n{rendered}");

    // A member may always leave (delete their own membership row), and nothing else of theirs.
    assert_eq!(
        cell(
            &relay,
            Some("leaver"),
            "DELETE FROM board_members WHERE board_id = 'b' AND user_id = 'leaver'"
        )
        .await,
        "y"
    );
    // An author cannot write rows in someone else's name.
    assert_eq!(
        cell(
            &relay,
            Some("editor"),
            "INSERT INTO board_updates (board_id, seq, bytes, author_id) VALUES ('b', 98, '\\x00', 'owner')"
        )
        .await,
        "-"
    );
}

#[tokio::test]
async fn the_api_signs_up_publishes_shares_and_answers_errors_as_json() {
    for kind in BOTH {
        let relay = TestRelay::start_accounts(kind).await;
        let (alice_id, alice) = relay.signup("Alice@Example.com ").await;
        let (bob_id, bob) = relay.signup("bob@example.com").await;

        // Errors: JSON {error, message}, right status, nothing internal.
        let (status, body) = relay
            .api(
                "POST",
                "/v1/signup",
                None,
                Some(json!({"email": "alice@example.com", "password": "another one"})),
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (409, Some("email_taken")),
            "{kind:?}"
        );
        let (status, body) = relay
            .api("POST", "/v1/signup", None, Some(json!({"email": "x"})))
            .await;
        assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")));
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        let (status, body) = relay.api("DELETE", "/v1/me", None, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (405, Some("method_not_allowed"))
        );
        let (status, body) = relay.api("GET", "/v1/nothing", None, None).await;
        assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
        let (status, body) = relay.api("GET", "/v1/me", None, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("unauthorized"))
        );
        let (status, _) = relay
            .api(
                "POST",
                "/v1/login",
                None,
                Some(json!({"email": "alice@example.com", "password": "wrong password"})),
            )
            .await;
        assert_eq!(status, 401);
        let alice_second = relay.login("ALICE@example.com").await;

        let (status, me) = relay.api("GET", "/v1/me", Some(&alice), None).await;
        assert_eq!(status, 200);
        assert_eq!(me["email"], "alice@example.com");
        assert_eq!(me["user_id"], alice_id.as_str());
        let (_, sessions) = relay.api("GET", "/v1/sessions", Some(&alice), None).await;
        let sessions = sessions["sessions"].as_array().expect("sessions").clone();
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
        // Revoke the other session: its token stops working at once.
        let other = sessions
            .iter()
            .find(|s| s["current"] == false)
            .and_then(|s| s["id"].as_str())
            .expect("other session");
        let (status, _) = relay
            .api(
                "DELETE",
                &format!("/v1/sessions/{other}"),
                Some(&alice),
                None,
            )
            .await;
        assert_eq!(status, 204);
        assert_eq!(
            relay
                .api("GET", "/v1/me", Some(&alice_second), None)
                .await
                .0,
            401
        );

        // Publish (idempotent), list, share, roles.
        relay.publish(&alice, "board-1").await;
        relay.publish(&alice, "board-1").await;
        let (status, body) = relay
            .api("PUT", "/v1/boards/board-1", Some(&bob), None)
            .await;
        assert_eq!((status, body["error"].as_str()), (409, Some("board_taken")));
        let (status, _) = relay
            .api("PUT", "/v1/boards/bad%20id", Some(&bob), None)
            .await;
        assert_eq!(status, 400);
        let (_, boards) = relay.api("GET", "/v1/boards", Some(&alice), None).await;
        assert_eq!(
            boards["boards"],
            json!([{"board_id": "board-1", "role": "owner"}])
        );
        // Bob is no member: members are "not found" (a stranger cannot tell the board exists).
        assert_eq!(
            relay
                .api("GET", "/v1/boards/board-1/members", Some(&bob), None)
                .await
                .0,
            404
        );
        relay
            .add_member(&alice, "board-1", "bob@example.com", "viewer")
            .await;
        let (_, members) = relay
            .api("GET", "/v1/boards/board-1/members", Some(&bob), None)
            .await;
        assert_eq!(members["members"].as_array().map(Vec::len), Some(2));
        // A viewer cannot share or promote.
        let (status, body) = relay
            .api(
                "PUT",
                "/v1/boards/board-1/members",
                Some(&bob),
                Some(json!({"email": "bob@example.com", "role": "owner"})),
            )
            .await;
        assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
        let (status, _) = relay
            .api(
                "PUT",
                &format!("/v1/boards/board-1/members/{bob_id}"),
                Some(&alice),
                Some(json!({"role": "editor"})),
            )
            .await;
        assert_eq!(status, 204);
        let (_, boards) = relay.api("GET", "/v1/boards", Some(&bob), None).await;
        assert_eq!(
            boards["boards"],
            json!([{"board_id": "board-1", "role": "editor"}])
        );
        // The last owner can neither leave nor be demoted.
        let (status, body) = relay
            .api("POST", "/v1/boards/board-1/leave", Some(&alice), None)
            .await;
        assert_eq!((status, body["error"].as_str()), (409, Some("last_owner")));
        // Bob leaves.
        assert_eq!(
            relay
                .api("POST", "/v1/boards/board-1/leave", Some(&bob), None)
                .await
                .0,
            204
        );
        assert_eq!(
            relay.api("GET", "/v1/boards", Some(&bob), None).await.1["boards"],
            json!([])
        );

        // Invites: a role, an expiry, a use limit.
        let (status, invite) = relay
            .api(
                "POST",
                "/v1/boards/board-1/invites",
                Some(&alice),
                Some(json!({"role": "viewer", "max_uses": 1})),
            )
            .await;
        assert_eq!(status, 201, "{invite}");
        let invite_token = invite["token"].as_str().expect("invite token").to_owned();
        let (status, joined) = relay
            .api(
                "POST",
                "/v1/invites/accept",
                Some(&bob),
                Some(json!({"token": invite_token})),
            )
            .await;
        assert_eq!(status, 200, "{joined}");
        assert_eq!(joined, json!({"board_id": "board-1", "role": "viewer"}));
        let (_, carol) = relay.signup("carol@example.com").await;
        let (status, _) = relay
            .api(
                "POST",
                "/v1/invites/accept",
                Some(&carol),
                Some(json!({"token": invite_token})),
            )
            .await;
        assert_eq!(status, 404, "a used-up invite is refused");
        let (status, expired) = relay
            .api(
                "POST",
                "/v1/boards/board-1/invites",
                Some(&alice),
                Some(json!({"role": "editor", "expires_in": 0})),
            )
            .await;
        assert_eq!(status, 201);
        let (status, _) = relay
            .api(
                "POST",
                "/v1/invites/accept",
                Some(&carol),
                Some(json!({"token": expired["token"]})),
            )
            .await;
        assert_eq!(status, 404, "an expired invite is refused");

        // Log out: the token is dead.
        assert_eq!(
            relay.api("POST", "/v1/logout", Some(&alice), None).await.0,
            204
        );
        assert_eq!(relay.api("GET", "/v1/me", Some(&alice), None).await.0, 401);

        // OpenAPI describes every route.
        let (status, document) = relay.api("GET", "/v1/openapi.json", None, None).await;
        assert_eq!(status, 200);
        for path in [
            "/v1/signup",
            "/v1/login",
            "/v1/logout",
            "/v1/me",
            "/v1/sessions",
            "/v1/sessions/{session}",
            "/v1/boards",
            "/v1/boards/{board}",
            "/v1/boards/{board}/members",
            "/v1/boards/{board}/members/{user}",
            "/v1/boards/{board}/leave",
            "/v1/boards/{board}/invites",
            "/v1/invites/accept",
        ] {
            assert!(document["paths"][path].is_object(), "openapi lacks {path}");
        }
        relay.stop().await;
    }
}

#[tokio::test]
async fn login_attempts_are_throttled_per_account() {
    let relay = TestRelay::start_accounts(BackendKind::Sqlite).await;
    relay.signup("dave@example.com").await;
    let wrong = json!({"email": "dave@example.com", "password": "not the password"});
    for _ in 0..ServerConfig::default().accounts.login_failures {
        assert_eq!(
            relay
                .api("POST", "/v1/login", None, Some(wrong.clone()))
                .await
                .0,
            401
        );
    }
    // Locked now, even with the right password.
    let right = json!({"email": "dave@example.com", "password": "correct horse"});
    let (status, body) = relay.api("POST", "/v1/login", None, Some(right)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (429, Some("too_many_attempts"))
    );
    relay.stop().await;
}

/// A random Yjs update adding new content (a fresh client id each time).
fn random_update(rng: &mut rand::rngs::StdRng) -> Vec<u8> {
    let doc = Doc::with_client_id(rng.random_range(1..u32::MAX as u64));
    let map = doc.get_or_insert_map("m");
    map.insert(
        &mut doc.transact_mut(),
        format!("k{}", rng.random::<u32>()),
        "x",
    );
    let txn = doc.transact();
    let update = txn.encode_state_as_update_v1(&yrs::StateVector::default());
    drop(txn);
    update
}

#[tokio::test]
async fn a_viewer_s_thousand_writes_are_all_refused_and_none_stored() {
    for kind in BOTH {
        let relay = TestRelay::start_accounts(kind).await;
        let (_, owner) = relay.signup("owner@example.com").await;
        let (_, viewer) = relay.signup("viewer@example.com").await;
        relay.publish(&owner, "shared").await;
        relay
            .add_member(&owner, "shared", "viewer@example.com", "viewer")
            .await;
        let mut writer = relay.client().await;
        assert_eq!(
            writer.open("shared", &owner).await,
            Ok(AuthScope::ReadWrite)
        );
        writer.set("shared", "by-owner", "1").await;
        assert_eq!(writer.status("shared").await, Some(true));

        let mut client = relay.client().await;
        assert_eq!(
            client.open("shared", &viewer).await,
            Ok(AuthScope::ReadOnly)
        );
        assert!(client.wait_keys("shared", &set_of(&["by-owner"])).await);
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for i in 0..1_000 {
            let update = random_update(&mut rng);
            let message = if i % 2 == 0 {
                SyncMessage::Update { update }
            } else {
                SyncMessage::Step2 { update }
            };
            client.send("shared", MuxMessage::Sync(message)).await;
        }
        for i in 0..1_000 {
            assert_eq!(
                client.status("shared").await,
                Some(false),
                "{kind:?}: write {i}"
            );
        }
        let storage = relay.backend.storage().await;
        let stored = storage.load_board("shared").await.expect("load");
        assert_eq!(
            stored.updates.len() + usize::from(stored.snapshot.is_some()),
            1,
            "{kind:?}"
        );
        assert_eq!(stored_keys(&storage, "shared").await, set_of(&["by-owner"]));
        // The owner never saw a viewer's edit either.
        assert_eq!(writer.keys("shared"), set_of(&["by-owner"]));
        relay.stop().await;
    }
}

/// Percent-encodes everything but ASCII letters and digits.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The HTTP status of a y-websocket upgrade request (101 when it upgraded).
async fn yws_status(relay: &TestRelay, path_and_query: &str) -> u16 {
    let url = format!("ws://{}{path_and_query}", relay.addr);
    match tokio_tungstenite::connect_async(url).await {
        Ok(_) => 101,
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(error) => panic!("upgrade request failed: {error}"),
    }
}

/// Did the client receive any sync or awareness bytes of `board`?
fn saw_board_content(client: &Client, board: &str) -> bool {
    client.log.iter().any(|seen| {
        matches!(seen, Seen::Frame(MuxFrame::Board { board: b, message: MuxMessage::Sync(_) | MuxMessage::SyncReply(_) | MuxMessage::Awareness { .. } }) if b == board)
    })
}

#[tokio::test]
async fn a_stranger_gets_permission_denied_and_not_one_byte_of_a_board() {
    for kind in BOTH {
        let relay = TestRelay::start_accounts(kind).await;
        let (_, owner) = relay.signup("team-a@example.com").await;
        let (_, stranger) = relay.signup("team-b@example.com").await;
        relay.publish(&owner, "team-a-board").await;
        let mut writer = relay.client().await;
        writer
            .open("team-a-board", &owner)
            .await
            .expect("owner opens");
        writer.set("team-a-board", "secret", "plans").await;
        assert_eq!(writer.status("team-a-board").await, Some(true));

        let guessed = uuid::Uuid::now_v7().to_string();
        let malformed = "../../team-a-board' OR '1'='1";
        for board in ["team-a-board", guessed.as_str(), malformed] {
            let mut client = relay.client().await;
            // Frames sent before (and with) the Auth must not be answered either.
            client
                .send(
                    board,
                    MuxMessage::Sync(SyncMessage::Step1 {
                        state_vector: vec![0],
                    }),
                )
                .await;
            let refused = client.open(board, &stranger).await;
            assert!(refused.is_err(), "{kind:?} {board}: {refused:?}");
            client
                .send(
                    board,
                    MuxMessage::Sync(SyncMessage::Step1 {
                        state_vector: vec![0],
                    }),
                )
                .await;
            client.send(board, MuxMessage::QueryAwareness).await;
            // A ping round trip: everything the relay would send for those frames came first.
            client.send_raw(vec![0x09]).await;
            client
                .until(|c| {
                    c.log
                        .iter()
                        .any(|s| matches!(s, Seen::Frame(MuxFrame::Pong)))
                })
                .await;
            assert!(
                !saw_board_content(&client, board),
                "{kind:?} {board}: {:?}",
                client.log
            );
            // The single-board endpoint refuses before upgrading.
            let status =
                yws_status(&relay, &format!("/sync/{}?token={stranger}", encode(board))).await;
            assert_eq!(status, 403, "{kind:?} {board}");
        }
        relay.stop().await;
    }
}

/// Captures everything logged on this thread (the relay runs on it: current-thread runtime).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn expired_revoked_and_malformed_tokens_are_refused_and_no_token_is_logged() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut tokens = Vec::new();
    for kind in BOTH {
        let relay = TestRelay::start_accounts(kind).await;
        let (_, owner) = relay.signup("owner@example.com").await;
        relay.publish(&owner, "b").await;
        let mut client = relay.client().await;
        client.open("b", &owner).await.expect("a good token opens");
        client.set("b", "k", "v").await;
        assert_eq!(client.status("b").await, Some(true));
        let (_, second) = relay.signup("second@example.com").await;
        relay
            .add_member(&owner, "b", "second@example.com", "editor")
            .await;
        let yws = yws_status(&relay, &format!("/sync/b?token={second}")).await;
        assert_eq!(
            yws, 101,
            "a member's token passes the single-board endpoint"
        );

        // Revoked: log out, then try.
        assert_eq!(
            relay.api("POST", "/v1/logout", Some(&second), None).await.0,
            204
        );
        // Expired: a relay whose sessions last 0 seconds, on the same storage.
        let mut config = ServerConfig::default();
        config.accounts.session_lifetime = std::time::Duration::ZERO;
        let backend = relay.stop().await;
        let relay = TestRelay::start_accounts_with(backend, config).await;
        let expired = relay.login("owner@example.com").await;
        let forged = "A".repeat(43);
        for (what, token) in [
            ("revoked", second.as_str()),
            ("expired", expired.as_str()),
            ("malformed", "not-a-token"),
            ("unknown", forged.as_str()),
            ("empty", ""),
        ] {
            let mut client = relay.client().await;
            assert!(
                client.open("b", token).await.is_err(),
                "{kind:?}: {what} token opened a board"
            );
            assert!(!saw_board_content(&client, "b"));
            assert_eq!(
                relay.api("GET", "/v1/me", Some(token), None).await.0,
                401,
                "{what}"
            );
            assert_eq!(
                yws_status(&relay, &format!("/sync/b?token={token}")).await,
                403,
                "{what}"
            );
        }
        tokens.extend([owner, second, expired]);
        relay.stop().await;
    }
    let logs = String::from_utf8(captured.0.lock().expect("log buffer").clone()).expect("utf-8");
    assert!(logs.len() > 1_000, "the capture saw the relay's logs");
    for token in tokens {
        assert!(
            !logs.contains(&token),
            "a session token appears in the relay's logs"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_editor_s_writes_after_the_revoking_commit_are_never_stored() {
    for kind in BOTH {
        let relay = TestRelay::start_accounts(kind).await;
        let (_, owner) = relay.signup("owner@example.com").await;
        let (editor_id, editor) = relay.signup("editor@example.com").await;
        relay.publish(&owner, "live").await;
        relay
            .add_member(&owner, "live", "editor@example.com", "editor")
            .await;
        let mut client = relay.client().await;
        assert_eq!(client.open("live", &editor).await, Ok(AuthScope::ReadWrite));

        // The editor streams edits k0, k1, ... until its channel is closed.
        let sent = Arc::new(AtomicUsize::new(0));
        let counter = sent.clone();
        let streamer = tokio::spawn(async move {
            for i in 0..20_000 {
                client.set("live", &format!("k{i}"), "v").await;
                counter.store(i + 1, Ordering::SeqCst);
                // Take whatever arrived meanwhile without waiting long.
                while let Ok(Some(_)) =
                    tokio::time::timeout(std::time::Duration::from_millis(1), client.next()).await
                {
                }
                let revoked = client.log.iter().any(|s| {
                    matches!(
                        s,
                        Seen::Frame(MuxFrame::Board {
                            message: MuxMessage::Auth(AuthMessage::PermissionDenied { .. })
                                | MuxMessage::Close { .. },
                            ..
                        })
                    )
                });
                if revoked || client.closed.is_some() {
                    return (i, true);
                }
            }
            (20_000, false)
        });
        // Let some edits land first.
        let storage = relay.backend.storage().await;
        for _ in 0..1_000 {
            if stored_keys(&storage, "live").await.len() >= 20 {
                break;
            }
            tokio::task::yield_now().await;
        }
        match kind {
            // The API's DELETE returns after its COMMIT.
            BackendKind::Sqlite => {
                let (status, _) = relay
                    .api(
                        "DELETE",
                        &format!("/v1/boards/live/members/{editor_id}"),
                        Some(&owner),
                        None,
                    )
                    .await;
                assert_eq!(status, 204);
            }
            // Directly in SQL as the owner (another relay, say): only NOTIFY tells this one.
            BackendKind::Postgres => {
                let owner_db = owner_pool(&relay.backend).await;
                sqlx::query("DELETE FROM board_members WHERE board_id = 'live' AND user_id = $1")
                    .bind(&editor_id)
                    .execute(&owner_db)
                    .await
                    .expect("revoke");
            }
        }
        let sent_before_commit_returned = sent.load(Ordering::SeqCst);
        let (last, closed) = tokio::time::timeout(WAIT * 3, streamer)
            .await
            .expect("the channel closes in time")
            .expect("streamer");
        assert!(
            closed,
            "{kind:?}: the revoked editor's channel was not closed ({last} edits)"
        );
        let stored = stored_keys(&storage, "live").await;
        assert!(!stored.is_empty());
        let late: Vec<&String> = stored
            .iter()
            // k{n} may have been on its way while the counter was read; k{n+1} on were sent after.
            .filter(|k| {
                k[1..]
                    .parse::<usize>()
                    .is_ok_and(|i| i > sent_before_commit_returned)
            })
            .collect();
        assert!(
            late.is_empty(),
            "{kind:?}: stored after the revoking commit: {late:?}"
        );
        relay.stop().await;
    }
}

#[tokio::test]
async fn a_connection_flooding_updates_is_closed_and_an_account_s_sockets_are_capped() {
    let mut config = ServerConfig::default();
    config.limits.updates_per_second = 1;
    config.limits.rate_burst = 5;
    config.limits.max_connections_per_user = 2;
    let relay = TestRelay::start_accounts_with(Backend::new(BackendKind::Sqlite), config).await;
    let (_, owner) = relay.signup("owner@example.com").await;
    relay.publish(&owner, "b").await;

    let mut flooder = relay.client().await;
    flooder.open("b", &owner).await.expect("opens");
    // The handshake's Step2 took one token; four more pass, the next closes the socket.
    for i in 0..10 {
        flooder.set("b", &format!("k{i}"), "v").await;
    }
    let (code, reason) = flooder.closed().await.expect("closed");
    assert_eq!(code, 1008, "{reason}");
    assert!(reason.contains("too many updates"), "{reason}");

    let mut first = relay.client().await;
    first.open("b", &owner).await.expect("first socket");
    let mut second = relay.client().await;
    second.open("b", &owner).await.expect("second socket");
    let mut third = relay.client().await;
    third
        .send(
            "b",
            MuxMessage::Auth(AuthMessage::Token {
                token: owner.clone(),
            }),
        )
        .await;
    let (code, reason) = third.closed().await.expect("third socket closed");
    assert_eq!(code, 1013, "{reason}");
    assert!(reason.contains("too many connections"), "{reason}");
    // Closing one frees a slot.
    drop(first);
    let mut fourth = relay.client().await;
    let mut opened = false;
    for _ in 0..50 {
        if fourth.open("b", &owner).await.is_ok() {
            opened = true;
            break;
        }
        fourth = relay.client().await;
    }
    assert!(opened, "a freed slot is reusable");
    relay.stop().await;
}

/// Logging out (or revoking a session from another device) ends the channels that session's
/// token opened, at once, while the same user's other sessions carry on.
#[tokio::test]
async fn a_logout_closes_the_channels_its_session_opened_and_no_others() {
    for kind in BOTH {
        let relay = TestRelay::start_accounts(kind).await;
        let (user_id, laptop) = relay.signup("dana@example.com").await;
        let desktop = relay.login("dana@example.com").await;
        relay.publish(&laptop, "plans").await;

        let mut on_laptop = relay.client().await;
        let mut on_desktop = relay.client().await;
        assert_eq!(
            on_laptop.open("plans", &laptop).await,
            Ok(AuthScope::ReadWrite)
        );
        assert_eq!(
            on_desktop.open("plans", &desktop).await,
            Ok(AuthScope::ReadWrite)
        );

        match kind {
            BackendKind::Sqlite => {
                let (status, _) = relay.api("POST", "/v1/logout", Some(&laptop), None).await;
                assert_eq!(status, 204);
            }
            // Directly in SQL as the owner (a logout on another relay): only NOTIFY tells this one.
            BackendKind::Postgres => {
                let (status, body) = relay.api("GET", "/v1/me", Some(&laptop), None).await;
                assert_eq!(status, 200, "{body}");
                let session = body["session_id"].as_str().expect("session id").to_owned();
                let owner_db = owner_pool(&relay.backend).await;
                sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
                    .bind(&session)
                    .bind(&user_id)
                    .execute(&owner_db)
                    .await
                    .expect("revoke the session");
            }
        }

        let denied = on_laptop
            .until(|c| {
                c.log.iter().any(|seen| {
                    matches!(
                        seen,
                        Seen::Frame(MuxFrame::Board {
                            message: MuxMessage::Auth(AuthMessage::PermissionDenied { .. }),
                            ..
                        })
                    )
                })
            })
            .await;
        assert!(
            denied,
            "{kind:?}: the logged-out session's channel stayed open"
        );
        // Anything it sends now is refused, not stored.
        on_laptop.set("plans", "after-logout", "v").await;
        // The other session still writes, and is acknowledged.
        on_desktop.set("plans", "from-desktop", "v").await;
        assert_eq!(on_desktop.status("plans").await, Some(true), "{kind:?}");
        let storage = relay.backend.storage().await;
        assert_eq!(
            stored_keys(&storage, "plans").await,
            set_of(&["from-desktop"]),
            "{kind:?}"
        );
        relay.stop().await;
    }
}
