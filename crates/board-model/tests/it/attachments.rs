//! A task's attachments (DESIGN §1 `attachments`): metadata added and removed as undo steps,
//! merged across replicas, unknown keys kept, and the hashes the relay's collector keeps.

use board_model::{
    attachment_hashes, attachment_hashes_in_update, Board, NewAttachment, NewTask, Place,
    ReplicaConfig, Sources,
};
use yrs::{Map, MapRef, Out, Transact};

const BOARD_ID: &str = "0190a000-0000-7000-8000-0000000a77ac";
const ANA: &str = "0190a000-0000-7000-8000-0000000000a1";
const SHA_A: &str = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
const SHA_B: &str = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";

fn replica(seed: u64) -> Board {
    let config = ReplicaConfig {
        user: format!("user{seed}"),
        sources: Sources::seeded(seed, 1_700_000_000_000 + seed),
    };
    Board::create(BOARD_ID, "Board", config).expect("board")
}

fn attach(board: &mut Board, task: &str, name: &str, sha256: &str) -> String {
    board
        .add_attachment(
            task,
            NewAttachment {
                author: ANA,
                name,
                mime: "image/png",
                size: 1234,
                sha256,
            },
        )
        .expect("attach")
}

fn board_with_task() -> (Board, String) {
    let mut board = replica(1);
    let column = board
        .add_column("Todo", None, Place::Bottom)
        .expect("column");
    let task = board
        .add_task(&column, "Poster", Place::Bottom, NewTask::default())
        .expect("task");
    (board, task)
}

#[test]
fn attachments_are_added_removed_and_undone_like_any_edit() {
    let (mut board, task) = board_with_task();
    let first = attach(&mut board, &task, "poster.png", SHA_A);
    let listed = board.attachments(&task).expect("list");
    assert_eq!(listed.len(), 1);
    let shown = &listed[0];
    assert_eq!(
        (
            shown.id.as_str(),
            shown.name.as_str(),
            shown.mime.as_str(),
            shown.size,
            shown.sha256.as_str(),
            shown.author.as_str()
        ),
        (first.as_str(), "poster.png", "image/png", 1234, SHA_A, ANA)
    );
    attach(&mut board, &task, "draft.png", SHA_B);
    assert_eq!(
        attachment_hashes(board.doc())
            .into_iter()
            .collect::<Vec<_>>(),
        [SHA_A, SHA_B]
    );
    board.remove_attachment(&task, &first).expect("remove");
    assert_eq!(board.attachments(&task).expect("list").len(), 1);
    assert!(board.undo(), "removal undone");
    assert_eq!(board.attachments(&task).expect("list").len(), 2);
    assert!(board.undo() && board.undo(), "both additions undone");
    assert!(board.attachments(&task).expect("list").is_empty());

    // Bad input is refused with the field named.
    let bad = board.add_attachment(
        &task,
        NewAttachment {
            author: ANA,
            name: "x",
            mime: "image/png",
            size: 1,
            sha256: "ABC",
        },
    );
    assert!(bad.is_err());
    let bad = board.add_attachment(
        &task,
        NewAttachment {
            author: ANA,
            name: " ",
            mime: "image/png",
            size: 1,
            sha256: SHA_A,
        },
    );
    assert!(bad.is_err());
    assert!(board
        .remove_attachment(&task, "no-such-attachment")
        .is_err());
}

#[test]
fn replicas_merge_attachments_keep_unknown_keys_and_the_relay_reads_their_hashes() {
    let (mut ana, task) = board_with_task();
    let state = ana.encode_state();
    let config = ReplicaConfig {
        user: "user2".into(),
        sources: Sources::seeded(2, 1_700_000_000_002),
    };
    let mut bo = Board::load(BOARD_ID, [state.as_slice()], None, config).expect("load");
    let from_ana = attach(&mut ana, &task, "a.png", SHA_A);
    attach(&mut bo, &task, "b.png", SHA_B);
    // A newer client's key on Ana's attachment.
    {
        let doc = ana.doc().clone();
        let tasks = doc.get_or_insert_map("tasks");
        let mut txn = doc.transact_mut();
        let Some(Out::YMap(task_map)) = tasks.get(&txn, task.as_str()) else {
            panic!("task")
        };
        let Some(Out::YMap(attachments)) = task_map.get(&txn, "attachments") else {
            panic!("attachments")
        };
        let Some(Out::YMap(entry)) = attachments.get(&txn, from_ana.as_str()) else {
            panic!("entry")
        };
        let entry: MapRef = entry;
        entry.insert(&mut txn, "thumbnail", "t1");
    }
    let to_bo = ana.diff(&bo.state_vector()).expect("diff");
    let to_ana = bo.diff(&ana.state_vector()).expect("diff");
    bo.apply_remote_update(&to_bo).expect("apply");
    ana.apply_remote_update(&to_ana).expect("apply");
    assert_eq!(
        ana.attachments(&task).expect("list"),
        bo.attachments(&task).expect("list")
    );
    assert_eq!(bo.attachments(&task).expect("list").len(), 2);
    let whole = ana.encode_state();
    let named = attachment_hashes_in_update(&whole).expect("decodes");
    assert_eq!(named.into_iter().collect::<Vec<_>>(), [SHA_A, SHA_B]);
    assert_eq!(attachment_hashes_in_update(b"\xff\xff not an update"), None);
    // Removing one leaves the other's unknown key where it was.
    let bos = bo
        .attachments(&task)
        .expect("list")
        .into_iter()
        .find(|a| a.name == "b.png")
        .expect("Bo's attachment");
    bo.remove_attachment(&task, &bos.id).expect("remove");
    assert_eq!(bo.attachments(&task).expect("list").len(), 1);
    let doc = bo.doc();
    let tasks = doc.get_or_insert_map("tasks");
    let txn = doc.transact();
    let Some(Out::YMap(task_map)) = tasks.get(&txn, task.as_str()) else {
        panic!("task")
    };
    let Some(Out::YMap(attachments)) = task_map.get(&txn, "attachments") else {
        panic!("attachments")
    };
    let kept = attachments.get(&txn, from_ana.as_str());
    let Some(Out::YMap(entry)) = kept else {
        panic!("Ana's attachment stays")
    };
    assert!(entry.get(&txn, "thumbnail").is_some(), "unknown key kept");
}
