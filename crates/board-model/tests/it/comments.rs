//! Comments on tasks: posted, edited and deleted by their author only, merged across
//! replicas, counted on the card, readable by a stock Yjs reader, and out of undo's reach.

use board_model::{Board, ModelError, NewTask, Place, ReplicaConfig, Sources};
use yrs::{Map, Out, ReadTxn, Transact};

const BOARD_ID: &str = "0190a000-0000-7000-8000-00000000c0de";
const ANA: &str = "0190a000-0000-7000-8000-0000000000a1";
const BO: &str = "0190a000-0000-7000-8000-0000000000b2";

fn replica(seed: u64) -> Board {
    let config = ReplicaConfig {
        user: format!("user{seed}"),
        sources: Sources::seeded(seed, 1_700_000_000_000 + seed),
    };
    Board::create(BOARD_ID, "Board", config).unwrap()
}

/// A second replica loaded from the first one's state.
fn copy_of(board: &mut Board, seed: u64) -> Board {
    let config = ReplicaConfig {
        user: format!("user{seed}"),
        sources: Sources::seeded(seed, 1_700_000_000_000 + seed),
    };
    let state = board.encode_state();
    Board::load(BOARD_ID, [state.as_slice()], None, config).unwrap()
}

fn exchange(a: &mut Board, b: &mut Board) {
    let to_b = a.diff(&b.state_vector()).unwrap();
    let to_a = b.diff(&a.state_vector()).unwrap();
    b.apply_remote_update(&to_b).unwrap();
    a.apply_remote_update(&to_a).unwrap();
}

fn board_with_task() -> (Board, String) {
    let mut board = replica(1);
    let column = board.add_column("Todo", None, Place::Bottom).unwrap();
    let task = board
        .add_task(
            &column,
            "Write the launch post",
            Place::Bottom,
            NewTask::default(),
        )
        .unwrap();
    board.take_local_updates();
    board.take_changes();
    (board, task)
}

#[test]
fn a_comment_is_listed_counted_and_reported_as_a_change_of_its_task() {
    let (mut board, task) = board_with_task();
    let id = board
        .add_comment(
            &task,
            ANA,
            "  Draft is in the doc, @[0190a000-0000-7000-8000-0000000000b2] can you review?  ",
        )
        .unwrap();
    let comments = board.comments(&task);
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].id, id);
    assert_eq!(comments[0].author, ANA);
    assert_eq!(
        comments[0].body,
        "Draft is in the doc, @[0190a000-0000-7000-8000-0000000000b2] can you review?"
    );
    assert_eq!(comments[0].mentions, vec![BO.to_owned()]);
    assert_eq!(comments[0].edited_at, None);
    assert_eq!(board.task(&task).unwrap().comment_count, 1);
    assert_eq!(board.view().tasks().next().unwrap().comment_count, 1);
    let changes = board.take_changes();
    assert!(changes.tasks.contains(&task), "{changes:?}");
    assert!(changes.comments.contains(&id), "{changes:?}");
    assert!(
        !board.take_local_updates().is_empty(),
        "the comment is stored and sent"
    );
}

#[test]
fn comments_are_listed_oldest_first() {
    let (mut board, task) = board_with_task();
    let first = board.add_comment(&task, ANA, "first").unwrap();
    let second = board.add_comment(&task, BO, "second").unwrap();
    let third = board.add_comment(&task, ANA, "third").unwrap();
    let ids: Vec<String> = board.comments(&task).into_iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![first, second, third]);
}

#[test]
fn bad_comments_are_refused_and_change_nothing() {
    let (mut board, task) = board_with_task();
    let err = board.add_comment(&task, ANA, "   ").unwrap_err();
    assert!(
        matches!(
            err,
            ModelError::InvalidValue {
                field: "comment",
                ..
            }
        ),
        "{err}"
    );
    let huge = "x".repeat(board_model::MAX_COMMENT_BYTES + 1);
    assert!(board.add_comment(&task, ANA, &huge).is_err());
    assert!(board.add_comment(&task, "", "hello").is_err());
    let err = board.add_comment("no-such-task", ANA, "hello").unwrap_err();
    assert!(matches!(err, ModelError::UnknownTask(_)), "{err}");
    assert!(board.comments(&task).is_empty());
    assert!(
        board.take_local_updates().is_empty(),
        "nothing stored for a refused comment"
    );
}

#[test]
fn only_the_author_edits_or_deletes_a_comment() {
    let (mut board, task) = board_with_task();
    let id = board.add_comment(&task, ANA, "Ship friday").unwrap();
    let err = board.edit_comment(&id, BO, "Ship monday").unwrap_err();
    assert!(matches!(err, ModelError::NotCommentAuthor(_)), "{err}");
    let err = board.delete_comment(&id, BO).unwrap_err();
    assert!(matches!(err, ModelError::NotCommentAuthor(_)), "{err}");
    assert_eq!(board.comment(&id).unwrap().body, "Ship friday");

    board.edit_comment(&id, ANA, "Ship monday").unwrap();
    let edited = board.comment(&id).unwrap();
    assert_eq!(edited.body, "Ship monday");
    assert!(edited.edited_at.is_some());

    board.delete_comment(&id, ANA).unwrap();
    assert!(board.comment(&id).is_none());
    assert!(board.comments(&task).is_empty());
    assert_eq!(board.task(&task).unwrap().comment_count, 0);
    let err = board.edit_comment(&id, ANA, "again").unwrap_err();
    assert!(matches!(err, ModelError::UnknownComment(_)), "{err}");
}

#[test]
fn concurrent_comments_and_edits_converge_on_every_replica() {
    let (mut ana, task) = board_with_task();
    let mut bo = copy_of(&mut ana, 2);
    let a1 = ana.add_comment(&task, ANA, "I'll take the intro").unwrap();
    let b1 = bo.add_comment(&task, BO, "I'll take the outro").unwrap();
    exchange(&mut ana, &mut bo);
    // Offline again: Ana edits hers while Bo deletes his and comments anew.
    ana.edit_comment(&a1, ANA, "I'll take the intro and the title")
        .unwrap();
    bo.delete_comment(&b1, BO).unwrap();
    let b2 = bo
        .add_comment(&task, BO, "Actually, outro is yours")
        .unwrap();
    exchange(&mut ana, &mut bo);
    assert_eq!(ana.comments(&task), bo.comments(&task));
    let bodies: Vec<String> = ana.comments(&task).into_iter().map(|c| c.body).collect();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert!(bodies.contains(&"I'll take the intro and the title".to_owned()));
    assert!(ana.comment(&b2).is_some());
    assert_eq!(ana.task(&task).unwrap().comment_count, 2);
    assert_eq!(bo.task(&task).unwrap().comment_count, 2);
}

#[test]
fn a_remote_comment_is_a_change_of_its_task() {
    let (mut ana, task) = board_with_task();
    let mut bo = copy_of(&mut ana, 2);
    bo.take_changes();
    let id = ana.add_comment(&task, ANA, "ping").unwrap();
    for update in ana.take_local_updates() {
        bo.apply_remote_update(&update).unwrap();
    }
    let changes = bo.take_changes();
    assert!(changes.tasks.contains(&task), "{changes:?}");
    assert!(changes.comments.contains(&id), "{changes:?}");
}

#[test]
fn undo_never_takes_a_comment_away_and_undoing_a_delete_brings_the_conversation_back() {
    let (mut board, task) = board_with_task();
    board.set_task_title(&task, "Renamed").unwrap();
    board.add_comment(&task, ANA, "keep me").unwrap();
    assert!(board.undo(), "the rename is undone");
    assert_eq!(board.comments(&task).len(), 1, "the comment stays");

    board.delete_task(&task).unwrap();
    assert!(board.task(&task).is_none());
    assert!(
        board.comments(&task).len() == 1,
        "hidden with the task, not destroyed"
    );
    assert!(board.undo());
    assert_eq!(board.task(&task).unwrap().comment_count, 1);
}

#[test]
fn a_stock_yjs_reader_finds_comments_in_the_contract_shape() {
    let (mut board, task) = board_with_task();
    let id = board.add_comment(&task, ANA, "plain **markdown**").unwrap();
    // Another client reads the document with no Tack code: root `comments`, DESIGN §1.
    let doc = yrs::Doc::new();
    {
        let mut txn = doc.transact_mut();
        let update =
            <yrs::Update as yrs::updates::decoder::Decode>::decode_v1(&board.encode_state())
                .unwrap();
        txn.apply_update(update).unwrap();
    }
    let comments = doc.get_or_insert_map("comments");
    let txn = doc.transact();
    let Some(Out::YMap(comment)) = comments.get(&txn, &id) else {
        panic!("no comment map under {id}");
    };
    let text = |k: &str| match comment.get(&txn, k) {
        Some(Out::Any(yrs::Any::String(s))) => s.to_string(),
        other => panic!("{k}: {other:?}"),
    };
    assert_eq!(text("task"), task);
    assert_eq!(text("author"), ANA);
    assert_eq!(text("body"), "plain **markdown**");
    assert!(matches!(
        comment.get(&txn, "createdAt"),
        Some(Out::Any(yrs::Any::Number(_)))
    ));
}

#[test]
fn foreign_or_malformed_comment_entries_are_ignored_not_fatal() {
    let (mut board, task) = board_with_task();
    let good = board.add_comment(&task, ANA, "fine").unwrap();
    // A buggy client writes junk into `comments`.
    let other = yrs::Doc::with_client_id(99);
    {
        let state = board.encode_state();
        let mut txn = other.transact_mut();
        let update = <yrs::Update as yrs::updates::decoder::Decode>::decode_v1(&state).unwrap();
        txn.apply_update(update).unwrap();
    }
    let before = other.transact().state_vector();
    {
        let comments = other.get_or_insert_map("comments");
        let mut txn = other.transact_mut();
        comments.insert(&mut txn, "junk-1", "not a map");
        comments.insert(
            &mut txn,
            "junk-2",
            yrs::MapPrelim::from([("task", yrs::Any::from(task.as_str()))]),
        );
    }
    let junk = other.transact().encode_diff_v1(&before);
    board.apply_remote_update(&junk).unwrap();
    let ids: Vec<String> = board.comments(&task).into_iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![good]);
    assert_eq!(
        board.task(&task).unwrap().comment_count,
        1,
        "the count is of what is shown"
    );
}

/// The incremental comment index answers exactly what a replica built from scratch answers,
/// through random posts, edits, deletes, remote merges and junk entries.
#[test]
fn the_comment_index_agrees_with_a_fresh_replica_through_random_edits() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    let (mut ana, first_task) = board_with_task();
    let column = ana.view().columns[0].id.clone();
    let mut tasks = vec![first_task];
    for i in 0..3 {
        tasks.push(
            ana.add_task(
                &column,
                &format!("Task {i}"),
                Place::Bottom,
                NewTask::default(),
            )
            .unwrap(),
        );
    }
    let mut bo = copy_of(&mut ana, 2);
    let mut rng = StdRng::seed_from_u64(18);
    let mut posted: Vec<(String, &str)> = Vec::new();
    for step in 0..300 {
        let (who, author) = if rng.random_bool(0.5) {
            (&mut ana, ANA)
        } else {
            (&mut bo, BO)
        };
        let task = &tasks[rng.random_range(0..tasks.len())];
        match rng.random_range(0..10) {
            0..=4 => posted.push((
                who.add_comment(task, author, &format!("c{step}")).unwrap(),
                author,
            )),
            5 | 6 if !posted.is_empty() => {
                let (id, by) = &posted[rng.random_range(0..posted.len())];
                let _ = who.edit_comment(id, by, &format!("edited {step}"));
            }
            7 if !posted.is_empty() => {
                let (id, by) = posted[rng.random_range(0..posted.len())].clone();
                let _ = who.delete_comment(&id, by);
            }
            _ => exchange(&mut ana, &mut bo),
        }
        if step % 25 == 0 {
            let mut fresh = copy_of(&mut ana, 3);
            for task in &tasks {
                assert_eq!(ana.comments(task), fresh.comments(task), "step {step}");
                assert_eq!(
                    ana.task(task).unwrap().comment_count,
                    fresh.task(task).unwrap().comment_count
                );
            }
            fresh.take_changes();
        }
    }
    exchange(&mut ana, &mut bo);
    for task in &tasks {
        assert_eq!(ana.comments(task), bo.comments(task));
    }
    let view_counts: u32 = ana.view().tasks().map(|t| t.comment_count).sum();
    let listed: usize = tasks.iter().map(|t| ana.comments(t).len()).sum();
    assert_eq!(view_counts as usize, listed);
}

/// What the relay checks (DESIGN §4 "Comment authors"): after each update, every comment it
/// touched with its author before and after, whoever the document says wrote the update.
#[test]
fn comment_authors_names_each_touched_comment_with_its_author_before_and_after() {
    use board_model::{AuthorChange, CommentAuthors};

    let (mut ana, task) = board_with_task();
    let hers = ana.add_comment(&task, ANA, "Ana's").unwrap();
    ana.take_local_updates();
    // The relay's document, loaded with Ana's comment already in it.
    let relay = yrs::Doc::new();
    relay
        .transact_mut()
        .apply_update(yrs::Update::decode_v1(&ana.encode_state()).unwrap())
        .unwrap();
    let authors = CommentAuthors::attach(&relay);
    assert_eq!(authors.len(), 1);
    let apply = |update: Vec<u8>| {
        relay
            .transact_mut()
            .apply_update(yrs::Update::decode_v1(&update).unwrap())
            .unwrap();
        authors.take(&relay.transact())
    };
    use yrs::updates::decoder::Decode;

    // Bo posts as Ana; Bo edits Ana's comment; Bo takes Ana's comment over.
    let mut bo = copy_of(&mut ana, 2);
    let forged = bo.add_comment(&task, ANA, "not Ana").unwrap();
    let changes = apply(bo.encode_state());
    assert_eq!(
        changes,
        [AuthorChange {
            comment: forged.clone(),
            before: None,
            after: Some(ANA.to_owned())
        }]
    );
    assert_eq!(changes[0].others(BO).collect::<Vec<_>>(), [ANA]);
    assert_eq!(changes[0].others(ANA).count(), 0, "Ana herself may");

    let before = bo.state_vector();
    bo.edit_comment(&hers, ANA, "edited by Bo").unwrap();
    let changes = apply(bo.diff(&before).unwrap());
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].before.as_deref(), changes[0].after.as_deref()),
        (Some(ANA), Some(ANA))
    );
    assert_eq!(changes[0].others(BO).collect::<Vec<_>>(), [ANA]);

    // Rewriting the author field itself: Ana is named as the author before.
    let before = bo.state_vector();
    {
        let comments = bo.doc().get_or_insert_map("comments");
        let mut txn = bo.doc().transact_mut();
        if let Some(Out::YMap(m)) = comments.get(&txn, &hers) {
            m.insert(&mut txn, "author", BO);
        }
    }
    let changes = apply(bo.diff(&before).unwrap());
    assert_eq!(changes[0].others(BO).collect::<Vec<_>>(), [ANA]);
    assert_eq!(changes[0].after.as_deref(), Some(BO));

    // Removing a comment: its author before, none after. Untouched comments are not named.
    let before = bo.state_vector();
    {
        let comments = bo.doc().get_or_insert_map("comments");
        let mut txn = bo.doc().transact_mut();
        comments.remove(&mut txn, &forged);
    }
    let changes = apply(bo.diff(&before).unwrap());
    assert_eq!(
        changes,
        [AuthorChange {
            comment: forged,
            before: Some(ANA.to_owned()),
            after: None
        }]
    );
    // Own comments name only their writer.
    let before = bo.state_vector();
    bo.add_comment(&task, BO, "mine").unwrap();
    let changes = apply(bo.diff(&before).unwrap());
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].others(BO).count(), 0);
}

/// The panel reads a task's conversation again when its `comment_stamp` changes: on a
/// teammate's edit or delete (the count alone stays the same on an edit), equal on replicas
/// that hold the same comments, unchanged by other edits of the task.
#[test]
fn a_tasks_comment_stamp_changes_with_any_comment_edit_and_agrees_across_replicas() {
    let (mut ana, task) = board_with_task();
    let id = ana.add_comment(&task, ANA, "first").unwrap();
    let mut bo = copy_of(&mut ana, 2);
    let stamp = |b: &Board| b.task(&task).map(|t| (t.comment_count, t.comment_stamp));
    assert_eq!(stamp(&ana), stamp(&bo));
    let first = stamp(&ana);

    ana.set_task_title(&task, "Renamed").unwrap();
    exchange(&mut ana, &mut bo);
    assert_eq!(stamp(&bo), first, "a title edit is no comment change");

    ana.edit_comment(&id, ANA, "first, edited").unwrap();
    exchange(&mut ana, &mut bo);
    let edited = stamp(&bo);
    assert_eq!(edited.map(|s| s.0), Some(1));
    assert_ne!(
        edited, first,
        "an edit changes the stamp on the other replica"
    );
    assert_eq!(stamp(&ana), edited);
    let viewed = bo.view();
    let in_view = viewed
        .columns
        .iter()
        .flat_map(|c| c.tasks.iter())
        .find(|t| t.id == task)
        .map(|t| (t.comment_count, t.comment_stamp));
    assert_eq!(
        in_view, edited,
        "the board view agrees with the single task"
    );

    ana.delete_comment(&id, ANA).unwrap();
    exchange(&mut ana, &mut bo);
    assert_eq!(stamp(&bo), Some((0, 0)));
}
