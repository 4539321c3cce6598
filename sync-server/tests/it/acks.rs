//! Acknowledgements are true: SyncStatus(1) only for what storage holds, SyncStatus(0) for
//! every update that is not stored (for whatever reason), and a write that storage refuses is
//! relayed to no one and leaves the room.

use sqlx::postgres::PgPoolOptions;
use sync_protocol::{AuthScope, MuxMessage, SyncMessage};
use yrs::{Doc, Map, ReadTxn, Transact};

use crate::support::{metric, set_of, stored_keys, BackendKind, TestRelay, BOTH};

/// An update by a client the relay has never heard of that starts at clock 1: its clock 0 is
/// missing (a gap), so nothing of it can be applied or stored.
fn update_with_a_clock_gap() -> Vec<u8> {
    let doc = Doc::with_client_id(0x5eed);
    let map = doc.get_or_insert_map("m");
    map.insert(&mut doc.transact_mut(), "first", "1");
    let after_first = doc.transact().state_vector();
    map.insert(&mut doc.transact_mut(), "gap", "2");
    let update = doc.transact().encode_diff_v1(&after_first);
    update
}

/// How often the relay counted `reason` among refused frames (0 before the first).
async fn rejected(relay: &TestRelay, reason: &str) -> f64 {
    let (_, metrics) = relay.http_get("/metrics").await;
    metric(
        &metrics,
        &format!("tack_relay_rejected_frames_total{{reason=\"{reason}\"}}"),
    )
}

#[tokio::test]
async fn an_update_with_a_clock_gap_on_a_read_only_channel_is_answered_not_stored() {
    for kind in BOTH {
        let relay = TestRelay::start_accounts(kind).await;
        let (_, owner) = relay.signup("owner@example.com").await;
        let (_, viewer) = relay.signup("viewer@example.com").await;
        relay.publish(&owner, "gap").await;
        relay
            .add_member(&owner, "gap", "viewer@example.com", "viewer")
            .await;
        let mut writer = relay.client().await;
        writer.open("gap", &owner).await.expect("owner opens");
        writer.set("gap", "by-owner", "1").await;
        assert_eq!(writer.status("gap").await, Some(true));

        let mut reader = relay.client().await;
        assert_eq!(reader.open("gap", &viewer).await, Ok(AuthScope::ReadOnly));
        for message in [
            SyncMessage::Update {
                update: update_with_a_clock_gap(),
            },
            SyncMessage::Step2 {
                update: update_with_a_clock_gap(),
            },
        ] {
            reader.send("gap", MuxMessage::Sync(message)).await;
            assert_eq!(
                reader.status("gap").await,
                Some(false),
                "{kind:?}: nothing of a gapped update is stored, so it must not be acknowledged"
            );
        }
        // The same gap from an editor is refused too.
        writer
            .send(
                "gap",
                MuxMessage::Sync(SyncMessage::Update {
                    update: update_with_a_clock_gap(),
                }),
            )
            .await;
        assert_eq!(writer.status("gap").await, Some(false), "{kind:?}");
        let storage = relay.backend.storage().await;
        assert_eq!(stored_keys(&storage, "gap").await, set_of(&["by-owner"]));
        relay.stop().await;
    }
}

#[tokio::test]
async fn a_viewer_s_echo_of_what_the_board_holds_is_acknowledged() {
    for kind in BOTH {
        let relay = TestRelay::start_accounts(kind).await;
        let (_, owner) = relay.signup("owner@example.com").await;
        let (_, viewer) = relay.signup("viewer@example.com").await;
        relay.publish(&owner, "echo").await;
        relay
            .add_member(&owner, "echo", "viewer@example.com", "viewer")
            .await;
        let mut writer = relay.client().await;
        writer.open("echo", &owner).await.expect("owner opens");
        writer.set("echo", "kept", "1").await;
        assert_eq!(writer.status("echo").await, Some(true));
        writer.set("echo", "removed", "1").await;
        assert_eq!(writer.status("echo").await, Some(true));
        // A deletion: the document's delete set is no longer empty.
        let doc = writer.doc("echo").clone();
        let before = doc.transact().state_vector();
        doc.get_or_insert_map("m")
            .remove(&mut doc.transact_mut(), "removed");
        let update = doc.transact().encode_diff_v1(&before);
        writer
            .send("echo", MuxMessage::Sync(SyncMessage::Update { update }))
            .await;
        assert_eq!(writer.status("echo").await, Some(true));

        let mut reader = relay.client().await;
        assert_eq!(reader.open("echo", &viewer).await, Ok(AuthScope::ReadOnly));
        assert!(reader.wait_keys("echo", &set_of(&["kept"])).await);
        // Everything the viewer holds, deletions included, is already stored: the truth is 1.
        let everything = reader
            .doc("echo")
            .transact()
            .encode_state_as_update_v1(&yrs::StateVector::default());
        reader
            .send(
                "echo",
                MuxMessage::Sync(SyncMessage::Step2 { update: everything }),
            )
            .await;
        assert_eq!(reader.status("echo").await, Some(true), "{kind:?}");
        relay.stop().await;
    }
}

/// An editor whose role storage has already lowered to viewer while the relay still holds the
/// channel as read-write (the change's notification is late or lost): the commit is refused.
/// The write must be answered 0, reach no other member, leave the room (a newcomer does not
/// get it), and a re-send of it must be answered 0 as well.
#[tokio::test]
async fn a_write_refused_at_commit_is_answered_0_relayed_to_no_one_and_retracted() {
    let relay = TestRelay::start_accounts(BackendKind::Postgres).await;
    let (_, owner) = relay.signup("owner@example.com").await;
    let (editor_id, editor) = relay.signup("editor@example.com").await;
    relay.publish(&owner, "race").await;
    relay
        .add_member(&owner, "race", "editor@example.com", "editor")
        .await;
    let mut watcher = relay.client().await;
    watcher.open("race", &owner).await.expect("owner opens");
    watcher.set("race", "before", "1").await;
    assert_eq!(watcher.status("race").await, Some(true));
    let mut late = relay.client().await;
    assert_eq!(late.open("race", &editor).await, Ok(AuthScope::ReadWrite));

    // Lower the role in storage without telling the relay (no trigger, so no NOTIFY).
    let database = PgPoolOptions::new()
        .max_connections(1)
        .connect(relay.backend.database_url.as_deref().expect("PostgreSQL"))
        .await
        .expect("owner connects");
    sqlx::query("ALTER TABLE board_members DISABLE TRIGGER USER")
        .execute(&database)
        .await
        .expect("disable the notifying trigger");
    sqlx::query(
        "UPDATE board_members SET role = 'viewer' WHERE board_id = 'race' AND user_id = $1",
    )
    .bind(&editor_id)
    .execute(&database)
    .await
    .expect("lower the role");
    sqlx::query("ALTER TABLE board_members ENABLE TRIGGER USER")
        .execute(&database)
        .await
        .expect("enable the trigger");

    let refused = late.set("race", "refused", "x").await;
    assert_eq!(
        late.status("race").await,
        Some(false),
        "storage refused the write: it must not be acknowledged"
    );
    // The owner's next edit arrives; the refused one never does.
    watcher.set("race", "after", "1").await;
    assert_eq!(watcher.status("race").await, Some(true));
    assert!(late.until(|c| c.keys("race").contains("after")).await);
    assert!(
        !watcher.keys("race").contains("refused"),
        "a write storage refused was relayed to another member"
    );

    // The room reloads from storage; until and after that, the refused write is not "held".
    for _ in 0..200 {
        if rejected(&relay, "room_reloaded").await > 0.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(rejected(&relay, "room_reloaded").await, 1.0);
    late.send(
        "race",
        MuxMessage::Sync(SyncMessage::Update { update: refused }),
    )
    .await;
    assert_eq!(
        late.status("race").await,
        Some(false),
        "a re-send of a refused write must not be acknowledged"
    );
    let mut newcomer = relay.client().await;
    newcomer.open("race", &owner).await.expect("owner opens");
    assert!(
        newcomer
            .until(|c| c.keys("race") == set_of(&["before", "after"]))
            .await,
        "a newcomer gets what storage holds"
    );
    assert!(!newcomer.keys("race").contains("refused"));
    let storage = relay.backend.storage().await;
    assert_eq!(
        stored_keys(&storage, "race").await,
        set_of(&["before", "after"])
    );
    relay.stop().await;
}

/// An editor writing steadily while the owner lowers them to viewer: every write the relay
/// acknowledged is in storage (none answered 1 and then refused).
#[tokio::test]
async fn an_editor_lowered_to_viewer_mid_stream_is_acknowledged_only_what_was_stored() {
    for kind in BOTH {
        let relay = TestRelay::start_accounts(kind).await;
        let (_, owner) = relay.signup("owner@example.com").await;
        let (editor_id, editor) = relay.signup("editor@example.com").await;
        relay.publish(&owner, "stream").await;
        relay
            .add_member(&owner, "stream", "editor@example.com", "editor")
            .await;
        let mut client = relay.client().await;
        assert_eq!(
            client.open("stream", &editor).await,
            Ok(AuthScope::ReadWrite)
        );
        let mut acknowledged = Vec::new();
        let mut refused = 0;
        for i in 0..400 {
            let key = format!("k{i}");
            client.set("stream", &key, "v").await;
            if i == 100 {
                let (status, _) = relay
                    .api(
                        "PUT",
                        &format!("/v1/boards/stream/members/{editor_id}"),
                        Some(&owner),
                        Some(serde_json::json!({"role": "viewer"})),
                    )
                    .await;
                assert_eq!(status, 204, "{kind:?}: lowering the role");
            }
            match client.status("stream").await {
                Some(true) => acknowledged.push(key),
                Some(false) => refused += 1,
                None => panic!("{kind:?}: write {i} was never answered"),
            }
        }
        assert!(refused > 0, "{kind:?}: the viewer's writes were refused");
        let stored = stored_keys(&relay.backend.storage().await, "stream").await;
        let lost: Vec<&String> = acknowledged
            .iter()
            .filter(|key| !stored.contains(*key))
            .collect();
        assert!(
            lost.is_empty(),
            "{kind:?}: {} acknowledged but not stored, the first: {:?}",
            lost.len(),
            &lost[..lost.len().min(5)]
        );
        relay.stop().await;
    }
}

/// A write the database fails to commit (not a refusal: the database itself errs) is answered
/// 0, relayed to no one, and asked for again once the room has reloaded: when the database
/// works again it is stored and relayed without the client reconnecting.
#[tokio::test]
async fn a_write_the_database_failed_to_commit_is_asked_for_again_and_then_stored() {
    let relay = TestRelay::start_accounts(BackendKind::Postgres).await;
    let (_, owner) = relay.signup("owner@example.com").await;
    let (_, editor) = relay.signup("editor@example.com").await;
    relay.publish(&owner, "flaky").await;
    relay
        .add_member(&owner, "flaky", "editor@example.com", "editor")
        .await;
    let mut watcher = relay.client().await;
    watcher.open("flaky", &owner).await.expect("owner opens");
    let mut writer = relay.client().await;
    assert_eq!(
        writer.open("flaky", &editor).await,
        Ok(AuthScope::ReadWrite)
    );

    let database = PgPoolOptions::new()
        .max_connections(1)
        .connect(relay.backend.database_url.as_deref().expect("PostgreSQL"))
        .await
        .expect("owner connects");
    for statement in [
        "CREATE FUNCTION test_fail_insert() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$",
        "CREATE TRIGGER test_fail_insert BEFORE INSERT ON board_updates \
         FOR EACH ROW EXECUTE FUNCTION test_fail_insert()",
    ] {
        sqlx::query(statement)
            .execute(&database)
            .await
            .expect("make inserts fail");
    }
    writer.set("flaky", "typed", "during the outage").await;
    assert_eq!(writer.status("flaky").await, Some(false));
    sqlx::query("DROP TRIGGER test_fail_insert ON board_updates")
        .execute(&database)
        .await
        .expect("end the outage");

    // The relay asks again (Step1); the client's Step2 carries the write; it is stored.
    assert!(
        writer
            .until(|c| c.statuses.get("flaky").is_some_and(|q| q.contains(&true)))
            .await,
        "the write was asked for again and acknowledged"
    );
    assert!(
        watcher.until(|c| c.keys("flaky").contains("typed")).await,
        "relayed once stored"
    );
    let storage = relay.backend.storage().await;
    assert_eq!(stored_keys(&storage, "flaky").await, set_of(&["typed"]));
    relay.stop().await;
}
