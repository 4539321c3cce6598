//! Per-task history through a real relay (DESIGN "History"): two accounts edit one board, the
//! relay names each change after the account that sent it (whatever the document says), the
//! history survives compaction, a viewer reads it, a stranger reads nothing (404 on `/v1`,
//! nothing through row-level security on PostgreSQL), and retention prunes it.

use board_model::{Board, NewTask, Place, ReplicaConfig};
use sync_protocol::{MuxMessage, SyncMessage};

use crate::support::{BackendKind, TestRelay, BOTH};

const BOARD: &str = "0190a000-0000-7000-8000-0000000b0a4d";

/// Sends what `board` did since the last call as one update, and waits for its SyncStatus.
async fn send(client: &mut crate::support::Client, board: &mut Board) -> Option<bool> {
    let updates = board.take_local_updates();
    let update =
        sync_protocol::guard::merge_updates(updates.iter().map(Vec::as_slice)).expect("merge");
    client
        .send(BOARD, MuxMessage::Sync(SyncMessage::Update { update }))
        .await;
    client.status(BOARD).await
}

async fn history(
    relay: &TestRelay,
    token: Option<&str>,
    task: &str,
    query: &str,
) -> (u16, serde_json::Value) {
    relay
        .api(
            "GET",
            &format!("/v1/boards/{BOARD}/tasks/{task}/history{query}"),
            token,
            None,
        )
        .await
}

#[tokio::test]
async fn history_names_the_sender_survives_compaction_and_is_for_members_only() {
    for kind in BOTH {
        let relay = TestRelay::start_accounts(kind).await;
        let (alice_id, alice) = relay.signup("alice@example.com").await;
        let (bob_id, bob) = relay.signup("bob@example.com").await;
        let (_, carol) = relay.signup("carol@example.com").await;
        let (dave_id, dave) = relay.signup("dave@example.com").await;
        relay.publish(&alice, BOARD).await;
        relay
            .add_member(&alice, BOARD, "bob@example.com", "editor")
            .await;
        relay
            .add_member(&alice, BOARD, "carol@example.com", "viewer")
            .await;

        // Alice creates the board, a column and a task.
        let mut alices = Board::create(BOARD, "Launch", ReplicaConfig::default()).expect("board");
        let column = alices
            .add_column("Todo", None, Place::Bottom)
            .expect("column");
        let task = alices
            .add_task(&column, "Write", Place::Bottom, NewTask::default())
            .expect("task");
        let mut alice_client = relay.client().await;
        alice_client.open(BOARD, &alice).await.expect("alice opens");
        assert_eq!(send(&mut alice_client, &mut alices).await, Some(true));

        // Bob renames it and posts a comment whose author is his laptop's local id (one that
        // claims another account is refused: `comment_authors`).
        let mut bobs = Board::load(
            BOARD,
            [alices.encode_state().as_slice()],
            None,
            ReplicaConfig::default(),
        )
        .expect("bob's replica");
        bobs.set_task_title(&task, "Write the post").expect("title");
        bobs.add_comment(
            &task,
            "0190a000-0000-7000-8000-0000000010ca",
            "Bob's laptop approves",
        )
        .expect("comment");
        let mut bob_client = relay.client().await;
        bob_client.open(BOARD, &bob).await.expect("bob opens");
        assert_eq!(send(&mut bob_client, &mut bobs).await, Some(true));

        // Alice archives it; the log is compacted on both backends.
        alices.set_task_archived(&task, true).expect("archive");
        assert_eq!(send(&mut alice_client, &mut alices).await, Some(true));
        let storage = relay.backend.relay_storage().await;
        let compacted = storage
            .compact_as(BOARD, Some(&alice_id))
            .await
            .expect("compact");
        assert!(
            matches!(
                compacted,
                sync_server::storage::CompactionOutcome::Compacted { .. }
            ),
            "{kind:?}: {compacted:?}"
        );

        let (status, page) = history(&relay, Some(&alice), &task, "").await;
        assert_eq!(status, 200, "{kind:?}: {page}");
        let rows: Vec<(String, String)> = page["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .map(|c| {
                (
                    c["field"].as_str().unwrap_or("").to_owned(),
                    c["author_id"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("archived".to_owned(), alice_id.clone()),
                ("comment".to_owned(), bob_id.clone()),
                ("title".to_owned(), bob_id.clone()),
                ("created".to_owned(), alice_id.clone()),
            ],
            "{kind:?}: newest first, each named after the account that sent it: {page}"
        );
        assert_eq!(page["changes"][1]["value"]["body"], "Bob's laptop approves");
        assert_eq!(page["changes"][2]["value"], "Write the post");
        assert_eq!(page["changes"][3]["value"], "Write");

        // Paging.
        let (_, first) = history(&relay, Some(&alice), &task, "?limit=2").await;
        let next = first["next_before"]
            .as_str()
            .expect("next_before")
            .to_owned();
        let (_, rest) = history(&relay, Some(&alice), &task, &format!("?before={next}")).await;
        assert_eq!(rest["changes"].as_array().map(Vec::len), Some(2), "{rest}");
        assert_eq!(rest["changes"][1]["field"], "created");
        assert!(rest.get("next_before").is_none(), "{rest}");

        // A viewer reads it; a stranger and no one get nothing.
        let (status, page) = history(&relay, Some(&carol), &task, "").await;
        assert_eq!(
            (status, page["changes"].as_array().map(Vec::len)),
            (200, Some(4))
        );
        let (status, body) = history(&relay, Some(&dave), &task, "").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("not_found")),
            "{body}"
        );
        let (status, _) = history(&relay, None, &task, "").await;
        assert_eq!(status, 401);
        let (status, body) = history(&relay, Some(&alice), &task, "?limit=0").await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["message"].as_str().unwrap_or("").starts_with("limit"),
            "{body}"
        );
        let (status, _) = history(&relay, Some(&alice), "not-a-task", "").await;
        assert_eq!(status, 400);

        // Underneath: row-level security shows a stranger no row, and refuses a row that names
        // someone else as its author.
        if let (BackendKind::Postgres, Some(url)) = (kind, relay.backend.relay_url()) {
            use sqlx::Connection as _;
            let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
            for (user, visible) in [(&dave_id, false), (&alice_id, true)] {
                sqlx::query("SELECT set_config('tack.user_id', $1, false)")
                    .bind(user)
                    .execute(&mut conn)
                    .await
                    .expect("act as a user");
                let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM task_changes")
                    .fetch_one(&mut conn)
                    .await
                    .expect("count");
                assert_eq!(seen >= 4, visible, "{user}: {seen}");
                assert_eq!(seen == 0, !visible, "{user}: {seen}");
            }
            sqlx::query("SELECT set_config('tack.user_id', $1, false)")
                .bind(&bob_id)
                .execute(&mut conn)
                .await
                .expect("act as bob");
            let forged = sqlx::query(
                "INSERT INTO task_changes (board_id, seq, n, task_id, field, value, author_id, at_ms) \
                 VALUES ($1, 999, 0, $2, 'title', '\"x\"', $3, 0)",
            )
            .bind(BOARD)
            .bind(&task)
            .bind(&alice_id)
            .execute(&mut conn)
            .await;
            assert!(forged.is_err(), "a row naming someone else is refused");
        }

        // Retention: pruning what is older than now leaves nothing.
        let pruned = sync_server::history::prune(&storage, sync_server::history::now_ms() + 1)
            .await
            .expect("prune");
        assert!(pruned >= 4, "{kind:?}: {pruned}");
        let (_, page) = history(&relay, Some(&alice), &task, "").await;
        assert_eq!(page["changes"].as_array().map(Vec::len), Some(0), "{page}");
        relay.stop().await;
    }
}
