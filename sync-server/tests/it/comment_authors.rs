//! Comment authors through a real relay (DESIGN §4 "Comment authors"): an editor posts,
//! edits and deletes their own comments; a comment written as another account, or an edit of
//! a teammate's, is refused, stored nowhere and reaches no one, and the socket that sent it is
//! closed; an author that is no account (a board written before its owner signed in) passes.

use board_model::{Board, NewTask, Place, ReplicaConfig};
use sync_protocol::{MuxMessage, SyncMessage};
use yrs::{ReadTxn, Transact};

use crate::support::{BackendKind, Client, TestRelay, BOTH};

const BOARD: &str = "0190a000-0000-7000-8000-00000000c0a7";
/// A local profile's member id: no account has it.
const LOCAL_ID: &str = "0190a000-0000-7000-8000-0000000010ca";

async fn send(client: &mut Client, board: &mut Board) -> Option<bool> {
    let updates = board.take_local_updates();
    let update =
        sync_protocol::guard::merge_updates(updates.iter().map(Vec::as_slice)).expect("merge");
    client
        .send(BOARD, MuxMessage::Sync(SyncMessage::Update { update }))
        .await;
    client.status(BOARD).await
}

/// A replica of what the relay stores now.
async fn stored(relay: &TestRelay) -> Board {
    // The database's owner: every row, whatever row-level security lets a user see.
    let storage = relay.backend.storage().await;
    let stored = storage.load_board(BOARD).await.expect("load");
    let pieces: Vec<&[u8]> = stored
        .snapshot
        .iter()
        .chain(stored.updates.iter())
        .map(Vec::as_slice)
        .collect();
    Board::load(BOARD, pieces, None, ReplicaConfig::default()).expect("stored board")
}

/// Sends a forgery from a fresh replica of what is stored; asserts it is refused and closes
/// the socket with a policy violation that says why.
async fn refused(
    relay: &TestRelay,
    token: &str,
    kind: BackendKind,
    forge: impl FnOnce(&mut Board),
) {
    let mut replica = stored(relay).await;
    forge(&mut replica);
    let mut client = relay.client().await;
    client.open(BOARD, token).await.expect("opens");
    let status = send(&mut client, &mut replica).await;
    assert_ne!(
        status,
        Some(true),
        "{kind:?}: a forgery is never acknowledged"
    );
    let (code, reason) = client.closed().await.expect("closed");
    assert_eq!(code, 1008, "{kind:?}: {reason}");
    assert!(reason.contains("author"), "{kind:?}: {reason}");
}

#[tokio::test]
async fn only_its_author_posts_edits_or_deletes_a_comment() {
    for kind in BOTH {
        let relay = TestRelay::start_accounts(kind).await;
        let (alice_id, alice) = relay.signup("alice@example.com").await;
        let (bob_id, bob) = relay.signup("bob@example.com").await;
        relay.publish(&alice, BOARD).await;
        relay
            .add_member(&alice, BOARD, "bob@example.com", "editor")
            .await;

        // Alice's board, with a comment of hers and one written before she signed in.
        let mut alices = Board::create(BOARD, "Launch", ReplicaConfig::default()).expect("board");
        let column = alices
            .add_column("Todo", None, Place::Bottom)
            .expect("column");
        let task = alices
            .add_task(&column, "Write", Place::Bottom, NewTask::default())
            .expect("task");
        let hers = alices
            .add_comment(&task, &alice_id, "Mine")
            .expect("comment");
        let offline = alices
            .add_comment(&task, LOCAL_ID, "Written before signing in")
            .expect("local comment");
        let mut alice_client = relay.client().await;
        alice_client.open(BOARD, &alice).await.expect("alice opens");
        assert_eq!(
            send(&mut alice_client, &mut alices).await,
            Some(true),
            "{kind:?}: an author that is no account passes"
        );

        // Bob posts as Alice, edits her comment, deletes it, takes it over: all refused.
        refused(&relay, &bob, kind, |b| {
            b.add_comment(&task, &alice_id, "I, Alice, approve")
                .expect("forged post");
        })
        .await;
        refused(&relay, &bob, kind, |b| {
            b.edit_comment(&hers, &alice_id, "Changed by Bob")
                .expect("forged edit");
        })
        .await;
        refused(&relay, &bob, kind, |b| {
            b.delete_comment(&hers, &alice_id).expect("forged delete");
        })
        .await;

        let now = stored(&relay).await;
        let bodies: Vec<(String, String)> = now
            .comments(&task)
            .into_iter()
            .map(|c| (c.author, c.body))
            .collect();
        assert_eq!(
            bodies,
            [
                (alice_id.clone(), "Mine".to_owned()),
                (LOCAL_ID.to_owned(), "Written before signing in".to_owned())
            ],
            "{kind:?}: nothing of the forgeries is stored"
        );

        // Bob's own comment goes through, and he may edit it; so does an offline one of his.
        let mut bobs = stored(&relay).await;
        let mut bob_client = relay.client().await;
        bob_client.open(BOARD, &bob).await.expect("bob opens");
        let his = bobs
            .add_comment(&task, &bob_id, "Looks good")
            .expect("post");
        assert_eq!(
            send(&mut bob_client, &mut bobs).await,
            Some(true),
            "{kind:?}"
        );
        bobs.edit_comment(&his, &bob_id, "Looks great")
            .expect("edit");
        assert_eq!(
            send(&mut bob_client, &mut bobs).await,
            Some(true),
            "{kind:?}"
        );
        bobs.edit_comment(&offline, LOCAL_ID, "Fixed a typo")
            .expect("edit");
        assert_eq!(
            send(&mut bob_client, &mut bobs).await,
            Some(true),
            "{kind:?}: no account wrote it, so nobody is forged"
        );

        // Alice sees Bob's comment and never saw a forgery.
        let task_id = task.clone();
        assert!(
            alice_client
                .until(|c| {
                    let doc = c.doc(BOARD);
                    let b = Board::load(
                        BOARD,
                        [doc.transact()
                            .encode_state_as_update_v1(&Default::default())
                            .as_slice()],
                        None,
                        ReplicaConfig::default(),
                    );
                    b.is_ok_and(|b| b.comments(&task_id).iter().any(|c| c.body == "Looks great"))
                })
                .await,
            "{kind:?}: Alice gets Bob's comment"
        );
        let seen = alice_client.doc(BOARD).clone();
        let seen = Board::load(
            BOARD,
            [seen
                .transact()
                .encode_state_as_update_v1(&Default::default())
                .as_slice()],
            None,
            ReplicaConfig::default(),
        )
        .expect("alice's view");
        assert!(
            seen.comments(&task)
                .iter()
                .all(|c| !c.body.contains("Alice, approve") && c.body != "Changed by Bob"),
            "{kind:?}: no forgery reached Alice"
        );
        let now = stored(&relay).await;
        assert_eq!(
            now.comment(&hers).map(|c| c.body),
            Some("Mine".to_owned()),
            "{kind:?}: Alice's words are hers"
        );
        assert_eq!(
            now.comment(&offline).map(|c| c.body),
            Some("Fixed a typo".to_owned())
        );
    }
}
