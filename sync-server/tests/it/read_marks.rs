//! Read marks through a real relay (DESIGN §4 "Read marks"): my devices put and get the read
//! state of my inbox entries; the latest change wins per key; one person never sees another's
//! marks (on PostgreSQL not even through the relay's own role, row-level security hides them);
//! paging by seq misses nothing; bad input is refused whole and the relay keeps at most 5,000
//! marks per person.

use serde_json::{json, Value};
use tack_api::{MAX_READ_MARKS_PER_REQUEST, MAX_READ_MARKS_PER_USER};

use crate::support::{BackendKind, TestRelay, BOTH};

const PATH: &str = "/v1/me/read-marks";

fn mark(key: &str, read: bool, at: i64) -> Value {
    json!({"changed_at_ms": at, "key": key, "read": read})
}

async fn put(relay: &TestRelay, token: &str, marks: Vec<Value>) -> (u16, Value) {
    relay
        .api("PUT", PATH, Some(token), Some(json!({ "marks": marks })))
        .await
}

/// Every mark of `token`'s user stored after `after`, following `more`: (marks, last seq).
async fn get_all(relay: &TestRelay, token: &str, after: i64) -> (Vec<Value>, i64) {
    let mut marks = Vec::new();
    let mut seq = after;
    for _ in 0..100 {
        let (status, page) = relay
            .api("GET", &format!("{PATH}?after={seq}"), Some(token), None)
            .await;
        assert_eq!(status, 200, "{page}");
        marks.extend(page["marks"].as_array().cloned().unwrap_or_default());
        seq = page["seq"].as_i64().expect("seq");
        if page["more"] != json!(true) {
            return (marks, seq);
        }
    }
    panic!("more than 100 pages");
}

#[tokio::test]
async fn my_devices_share_read_marks_the_latest_change_wins_and_nobody_else_sees_them() {
    for kind in BOTH {
        let relay = TestRelay::start_accounts(kind).await;
        let (alice_id, laptop) = relay.signup("alice@example.com").await;
        let desktop = relay.login("alice@example.com").await;
        let (_, bob) = relay.signup("bob@example.com").await;

        // The laptop reads two entries; the desktop, asking from the start, gets both.
        let (status, body) = put(
            &relay,
            &laptop,
            vec![
                mark("mention/b/c1", true, 1_000),
                mark("assigned/b/t/5", true, 1_001),
            ],
        )
        .await;
        assert_eq!((status, &body), (200, &json!({"changed": 2})), "{kind:?}");
        // (One request's marks are stored in key order.)
        let (marks, seq) = get_all(&relay, &desktop, 0).await;
        assert_eq!(
            marks,
            vec![
                mark("assigned/b/t/5", true, 1_001),
                mark("mention/b/c1", true, 1_000)
            ],
            "{kind:?}"
        );

        // The desktop marks one unread later: it wins, and the laptop gets only that change.
        let (_, body) = put(&relay, &desktop, vec![mark("mention/b/c1", false, 2_000)]).await;
        assert_eq!(body, json!({"changed": 1}), "{kind:?}");
        let (newer, seq2) = get_all(&relay, &laptop, seq).await;
        assert_eq!(newer, vec![mark("mention/b/c1", false, 2_000)], "{kind:?}");
        assert!(seq2 > seq);

        // A change older than (or as old as) the stored one changes nothing, and is not
        // handed out again.
        let (_, body) = put(
            &relay,
            &laptop,
            vec![
                mark("mention/b/c1", true, 1_500),
                mark("mention/b/c1", true, 2_000),
            ],
        )
        .await;
        assert_eq!(body, json!({"changed": 0}), "{kind:?}");
        assert_eq!(get_all(&relay, &laptop, seq2).await, (vec![], seq2));

        // A key given twice counts once, with its latest change.
        let (_, body) = put(
            &relay,
            &laptop,
            vec![
                mark("due/b/t/x", true, 3_001),
                mark("due/b/t/x", false, 3_000),
            ],
        )
        .await;
        assert_eq!(body, json!({"changed": 1}), "{kind:?}");
        let (newest, _) = get_all(&relay, &desktop, seq2).await;
        assert_eq!(newest, vec![mark("due/b/t/x", true, 3_001)], "{kind:?}");

        // Bob sees none of Alice's marks, and his own do not touch hers.
        assert_eq!(get_all(&relay, &bob, 0).await, (vec![], 0), "{kind:?}");
        let (_, body) = put(&relay, &bob, vec![mark("mention/b/c1", true, 9_000)]).await;
        assert_eq!(body, json!({"changed": 1}));
        let (alices, _) = get_all(&relay, &laptop, 0).await;
        assert!(
            alices.contains(&mark("mention/b/c1", false, 2_000)),
            "{kind:?}: {alices:?}"
        );

        // Without a session: 401.
        let (status, _) = relay.api("GET", PATH, None, None).await;
        assert_eq!(status, 401);

        if matches!(kind, BackendKind::Postgres) {
            // The relay's own role reads Alice's rows acting as Alice, and no row acting as
            // anyone else, even without naming a user in the query.
            let storage = relay.backend.relay_storage().await;
            let hers = sync_server::read_marks::marks_after(&storage, &alice_id, 0)
                .await
                .expect("read as alice");
            assert_eq!(hers.marks.len(), 3);
            let Some(pool) = storage.postgres_pool() else {
                panic!("a PostgreSQL relay has a pool");
            };
            let mut tx = pool.begin().await.expect("begin");
            sqlx::query("SELECT set_config('tack.user_id', $1, true)")
                .bind("someone-else")
                .execute(&mut *tx)
                .await
                .expect("act as someone else");
            let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM read_marks")
                .fetch_one(&mut *tx)
                .await
                .expect("count");
            assert_eq!(seen, 0, "row-level security hides every other user's marks");
            let changed = sqlx::query("UPDATE read_marks SET read = true")
                .execute(&mut *tx)
                .await
                .expect("update")
                .rows_affected();
            assert_eq!(changed, 0);
        }
    }
}

#[tokio::test]
async fn bad_read_marks_are_refused_whole_and_a_person_keeps_at_most_five_thousand() {
    for kind in BOTH {
        let relay = TestRelay::start_accounts(kind).await;
        let (_, token) = relay.signup("alice@example.com").await;
        let too_many: Vec<Value> = (0..=MAX_READ_MARKS_PER_REQUEST)
            .map(|n| mark(&format!("k{n}"), true, 1))
            .collect();
        let long_key = "k".repeat(257);
        let day_ms = 86_400_000;
        let far_future = sync_server::history::now_ms() + 2 * day_ms;
        let bad: Vec<(Vec<Value>, &str)> = vec![
            (too_many, "marks:"),
            (vec![mark("ok", true, 1), mark("", true, 1)], "key:"),
            (vec![mark("ok", true, 1), mark(&long_key, true, 1)], "key:"),
            (vec![mark("ok", true, 1), mark("a\u{7}b", true, 1)], "key:"),
            (
                vec![mark("ok", true, 1), mark("x", true, -1)],
                "changed_at_ms:",
            ),
            (
                vec![mark("ok", true, 1), mark("x", true, far_future)],
                "changed_at_ms:",
            ),
        ];
        for (marks, field) in bad {
            let (status, body) = put(&relay, &token, marks).await;
            assert_eq!(status, 400, "{kind:?}: {body}");
            let message = body["message"].as_str().unwrap_or_default();
            assert!(message.starts_with(field), "{kind:?}: {message}");
        }
        let (status, _) = relay
            .api("PUT", PATH, Some(&token), Some(json!({"marks": "all"})))
            .await;
        assert_eq!(status, 400);
        let (status, _) = relay
            .api("GET", &format!("{PATH}?since=3"), Some(&token), None)
            .await;
        assert_eq!(status, 400);
        // Nothing of the refused requests was stored.
        assert_eq!(get_all(&relay, &token, 0).await.0, Vec::<Value>::new());

        // 5,000 marks fit; the next 300 push out the 300 oldest changes.
        let total = MAX_READ_MARKS_PER_USER + 300;
        let keys: Vec<Value> = (0..total)
            .map(|n| mark(&format!("mention/b/{n:05}"), true, 10_000 + n))
            .collect();
        for chunk in keys.chunks(250) {
            let (status, body) = put(&relay, &token, chunk.to_vec()).await;
            assert_eq!(status, 200, "{kind:?}: {body}");
        }
        let (kept, _) = get_all(&relay, &token, 0).await;
        assert_eq!(kept.len() as i64, MAX_READ_MARKS_PER_USER, "{kind:?}");
        assert!(!kept.contains(&mark("mention/b/00299", true, 10_299)));
        assert!(kept.contains(&mark("mention/b/00300", true, 10_300)));
        assert!(kept.contains(&keys[keys.len() - 1]));
    }
}
