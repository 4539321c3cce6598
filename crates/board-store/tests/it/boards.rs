//! Board records, isolation between boards, seq allocation and two handles on one file.

use board_store::{Seq, Store, StoreError, UpdateOrigin};

use crate::support::{record, render, temp_store, Editor};

#[test]
fn create_list_rename_and_delete_boards() {
    let (_dir, _path, mut store) = temp_store();
    // One document per board, as in real use.
    let mut editor = Editor::new(1);
    assert_eq!(
        store
            .create_board(&record("zeta", "Z", 10), &editor.set("t", "z"))
            .expect("create"),
        1
    );
    store
        .create_board(&record("alpha", "A", 20), &Editor::new(2).set("t", "a"))
        .expect("create");
    store
        .create_board(&record("beta", "B", 10), &Editor::new(3).set("t", "b"))
        .expect("create");
    let ids: Vec<String> = store
        .list_boards()
        .expect("list")
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(
        ids,
        ["beta", "zeta", "alpha"],
        "ordered by created_at, then id"
    );

    let duplicate = store.create_board(&record("beta", "again", 1), b"");
    assert!(matches!(duplicate, Err(StoreError::BoardExists(ref id)) if id == "beta"));

    store.set_board_title("beta", "Renamed").expect("title");
    store
        .set_board_server("beta", Some("wss://relay.example"), Some("editor"))
        .expect("server");
    store.mark_synced("beta", 1234).expect("synced");
    let beta = store.board("beta").expect("get").expect("exists");
    assert_eq!(beta.title, "Renamed");
    assert_eq!(beta.server.as_deref(), Some("wss://relay.example"));
    assert_eq!(beta.role.as_deref(), Some("editor"));
    assert_eq!(beta.last_synced_at_ms, Some(1234));
    store.set_board_server("beta", None, None).expect("unlink");
    assert_eq!(
        store.board("beta").expect("get").expect("exists").server,
        None
    );

    store.save_undo_state("beta", b"undo").expect("undo");
    store.compact("beta").expect("compact");
    store.delete_board("beta").expect("delete");
    assert_eq!(store.board("beta").expect("get"), None);
    assert!(matches!(
        store.load_board("beta"),
        Err(StoreError::UnknownBoard(_))
    ));
    assert!(matches!(
        store.delete_board("beta"),
        Err(StoreError::UnknownBoard(_))
    ));
    assert!(matches!(
        store.append_update("beta", UpdateOrigin::Local, b"x"),
        Err(StoreError::UnknownBoard(_))
    ));
    assert!(matches!(
        store.set_board_title("nope", "x"),
        Err(StoreError::UnknownBoard(_))
    ));
    assert_eq!(store.list_boards().expect("list").len(), 2);

    // The id is free again, and nothing of the old board comes back.
    store
        .create_board(&record("beta", "New", 30), &Editor::new(4).set("t", "new"))
        .expect("recreate");
    assert_eq!(store.load_board("beta").expect("load").updates.len(), 1);
    assert_eq!(store.load_undo_state("beta").expect("undo"), None);
    assert_eq!(store.pending_count("beta").expect("pending"), 1);
}

#[test]
fn boards_are_isolated_and_seqs_increase() {
    let (_dir, _path, mut store) = temp_store();
    let mut a = Editor::new(1);
    let mut b = Editor::new(2);
    store
        .create_board(&record("a", "A", 1), &a.set("name", "a"))
        .expect("create");
    store
        .create_board(&record("b", "B", 2), &b.set("name", "b"))
        .expect("create");
    let mut last: Seq = 1;
    for i in 0..10 {
        let seq = store
            .append_update("a", UpdateOrigin::Local, &a.set(&format!("k{i}"), "a"))
            .expect("append a");
        assert!(seq > last);
        last = seq;
        store
            .append_update("b", UpdateOrigin::Remote, &b.set(&format!("k{i}"), "b"))
            .expect("append b");
    }
    assert_eq!(last, 11, "seqs are per board and dense");
    assert_eq!(store.pending_count("a").expect("pending"), 11);
    assert_eq!(
        store.pending_count("b").expect("pending"),
        1,
        "remote updates are not pending"
    );
    store.acknowledge("a", &[1, 2, 3]).expect("ack");
    assert_eq!(
        store.outbox("a").expect("outbox").first().map(|e| e.0),
        Some(4)
    );
    assert_eq!(store.pending_count("b").expect("pending"), 1);

    let state_a = render(&store.load_board("a").expect("load a"));
    let state_b = render(&store.load_board("b").expect("load b"));
    assert_eq!(state_a.get("name").map(String::as_str), Some("a"));
    assert!(state_a.values().skip(1).all(|v| v == "a"), "{state_a:?}");
    assert!(state_b.values().all(|v| v == "b"), "{state_b:?}");

    store.compact("a").expect("compact a");
    assert_eq!(store.update_count("b").expect("count"), 11, "b untouched");
    store.save_undo_state("a", b"one").expect("undo");
    store.save_undo_state("a", b"two").expect("undo");
    assert_eq!(
        store.load_undo_state("a").expect("undo"),
        Some(b"two".to_vec())
    );
    assert_eq!(store.load_undo_state("b").expect("undo"), None);
}

#[test]
fn two_handles_on_one_file_both_write() {
    let (_dir, path, mut app) = temp_store();
    let mut cli = Store::open(&path).expect("second handle");
    app.create_board(
        &record("shared", "Shared", 1),
        &Editor::new(1).set("t", "s"),
    )
    .expect("create");
    assert_eq!(cli.list_boards().expect("cli sees the board").len(), 1);
    cli.create_board(&record("cli", "From CLI", 2), b"")
        .expect("cli creates");
    assert!(app.board("cli").expect("get").is_some());

    let writers: Vec<_> = [(app, 10u64), (cli, 20u64)]
        .into_iter()
        .map(|(mut store, client)| {
            std::thread::spawn(move || {
                let mut editor = Editor::new(client);
                (0..50)
                    .map(|i| {
                        store
                            .append_update(
                                "shared",
                                UpdateOrigin::Local,
                                &editor.set(&format!("{client}-{i}"), "v"),
                            )
                            .expect("concurrent append")
                    })
                    .collect::<Vec<Seq>>()
            })
        })
        .collect();
    let mut seqs: Vec<Seq> = writers
        .into_iter()
        .flat_map(|w| w.join().expect("writer thread"))
        .collect();
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (2..=101).collect::<Vec<Seq>>(),
        "no seq given twice or skipped"
    );

    let store = Store::open(&path).expect("third handle");
    let loaded = store.load_board("shared").expect("load");
    assert_eq!((loaded.updates.len(), loaded.last_seq), (101, 101));
    assert_eq!(render(&loaded).len(), 101);
}

#[test]
fn a_board_s_access_is_recorded_typed_and_read_back_alike() {
    use board_store::LocalAccess;
    let (_dir, _path, mut store) = temp_store();
    store
        .create_board(&record("b", "B", 1), &Editor::new(1).set("t", "b"))
        .expect("create");
    for access in [
        LocalAccess::Owner,
        LocalAccess::Editor,
        LocalAccess::Viewer,
        LocalAccess::Removed,
    ] {
        store
            .set_board_access("b", Some("https://relay.example"), Some(access))
            .expect("record");
        let record = store.board("b").expect("get").expect("exists");
        assert_eq!(record.access(), Some(access));
        assert_eq!(record.role.as_deref(), Some(access.as_str()));
        assert_eq!(access.read_only_reason().is_none(), access.can_write());
        match access.role() {
            Some(role) => assert_eq!(LocalAccess::from_role(role), access),
            None => assert_eq!(access, LocalAccess::Removed),
        }
    }
    store
        .set_board_access("b", None, None)
        .expect("never shared");
    assert_eq!(
        store.board("b").expect("get").expect("exists").access(),
        None
    );
}

/// A relay's board deleted here is remembered (the app then does not download it again by
/// itself); a board only on this computer is simply gone; an unknown board is an error.
#[test]
fn a_shared_board_deleted_here_is_remembered_as_deleted_here() {
    let (_dir, _path, mut store) = temp_store();
    let mut shared = record("shared", "S", 1);
    shared.server = Some("https://tack.example".to_owned());
    store
        .create_board(&shared, &Editor::new(1).set("t", "s"))
        .expect("create");
    store
        .create_board(&record("local", "L", 2), &Editor::new(2).set("t", "l"))
        .expect("create");
    assert!(!store.deleted_here("shared").expect("query"));
    store.delete_board("shared").expect("delete");
    store.delete_board("local").expect("delete");
    assert!(store.deleted_here("shared").expect("query"));
    assert!(!store.deleted_here("local").expect("query"));
    assert!(store.list_boards().expect("list").is_empty());
    assert!(matches!(
        store.delete_board("nope"),
        Err(StoreError::UnknownBoard(ref id)) if id == "nope"
    ));
}

#[test]
fn shown_views_are_kept_for_the_boards_shown_last_and_go_with_their_board() {
    let (_dir, path, mut store) = temp_store();
    assert_eq!(store.shown_view().expect("read"), None);
    let ids: Vec<String> = (0..=board_store::KEPT_VIEWS)
        .map(|i| format!("b{i}"))
        .collect();
    for (i, id) in ids.iter().enumerate() {
        let seq = i64::try_from(i).expect("small") + 1;
        store
            .create_board(&record(id, id, seq), &Editor::new(1).set("t", id))
            .expect("create");
    }
    store.save_shown_view("b0", b"{\"a\":1}").expect("keep b0");
    store.save_shown_view("b1", b"{\"b\":2}").expect("keep b1");
    assert_eq!(
        store.shown_view().expect("read"),
        Some(("b1".to_owned(), b"{\"b\":2}".to_vec())),
        "the board shown last"
    );
    assert_eq!(
        store.kept_view("b0").expect("read").as_deref(),
        Some(&b"{\"a\":1}"[..]),
        "the one shown before is kept too"
    );
    // Shown again: the board shown last once more, with its new view.
    store.save_shown_view("b0", b"{\"a\":3}").expect("keep b0");
    drop(store);
    let mut store = Store::open(&path).expect("reopen");
    assert_eq!(
        store.shown_view().expect("read"),
        Some(("b0".to_owned(), b"{\"a\":3}".to_vec()))
    );

    // Only the boards shown most recently are kept: b0, shown longest ago now, goes.
    for id in &ids[1..] {
        store.save_shown_view(id, b"{}").expect("keep");
    }
    assert_eq!(store.kept_view("b0").expect("read"), None);
    assert!(store.kept_view("b1").expect("read").is_some());
    let last = ids.last().expect("ids");
    assert_eq!(
        store.shown_view().expect("read").map(|(id, _)| id).as_ref(),
        Some(last)
    );

    // Too large a view is not kept, and no older board's view stands for the board shown last.
    let huge = vec![b' '; board_store::MAX_SHOWN_VIEW_BYTES + 1];
    store.save_shown_view("b1", &huge).expect("keep huge");
    assert_eq!(store.shown_view().expect("read"), None);
    assert_eq!(store.kept_view("b1").expect("read"), None);
    assert!(
        store.kept_view("b2").expect("read").is_some(),
        "the others stay"
    );

    store.save_shown_view("b2", b"{}").expect("keep b2");
    store.delete_board("b2").expect("delete");
    assert_eq!(
        store.kept_view("b2").expect("read"),
        None,
        "deleted with its board"
    );
    assert_eq!(store.shown_view().expect("read"), None);
    // A view of a board that is not here is refused (its foreign key).
    assert!(store.save_shown_view("gone", b"{}").is_err());
}

#[test]
fn views_kept_ahead_for_boards_not_shown_never_stand_for_the_board_shown_last_nor_push_one_out() {
    use board_model::{NewTask, Place, ReplicaConfig, Sources};
    use board_store::replica;

    let (_dir, _path, mut store) = temp_store();
    let config = ReplicaConfig {
        user: "me".into(),
        sources: Sources::seeded(5, 1_760_000_000_000),
    };
    // Boards of 3, 2 and 1 tasks, and one without.
    let mut ids = Vec::new();
    for tasks in [1, 3, 0, 2] {
        let id = format!("0190f0f0-0000-7000-8000-00000000000{tasks}");
        let mut board = replica::create_board(&mut store, &id, &id, config.clone()).expect("board");
        let column = board
            .add_column("To do", None, Place::Bottom)
            .expect("column");
        for n in 0..tasks {
            board
                .add_task(
                    &column,
                    &format!("Task {n}"),
                    Place::Bottom,
                    NewTask::default(),
                )
                .expect("task");
        }
        replica::save_local_changes(&mut store, &mut board).expect("save");
        ids.push(id);
    }
    let [one, three, none, two] = [&ids[0], &ids[1], &ids[2], &ids[3]];
    assert_eq!(
        store.boards_without_kept_view(2).expect("boards"),
        [three.clone(), two.clone()],
        "the large ones, the largest first"
    );
    assert_eq!(store.boards_without_kept_view(0).expect("boards").len(), 3);

    // Kept ahead: opened from it, but never the board shown last.
    assert!(store
        .keep_unshown_view(three, b"{\"ahead\":3}")
        .expect("keep"));
    assert_eq!(
        store.kept_view(three).expect("read").as_deref(),
        Some(&b"{\"ahead\":3}"[..])
    );
    assert_eq!(store.shown_view().expect("read"), None);
    assert_eq!(
        store.boards_without_kept_view(2).expect("boards"),
        std::slice::from_ref(two)
    );

    // A board shown keeps the view it was shown with: one kept ahead later never replaces it.
    store.save_shown_view(one, b"{\"shown\":1}").expect("shown");
    assert!(!store
        .keep_unshown_view(one, b"{\"ahead\":1}")
        .expect("keep"));
    assert!(!store
        .keep_unshown_view(three, b"{\"ahead\":33}")
        .expect("keep"));
    assert_eq!(
        store.kept_view(one).expect("read").as_deref(),
        Some(&b"{\"shown\":1}"[..])
    );
    assert_eq!(
        store.shown_view().expect("read").map(|(id, _)| id).as_ref(),
        Some(one)
    );
    // Showing a board kept ahead makes it the board shown last, with the view shown.
    store
        .save_shown_view(three, b"{\"shown\":3}")
        .expect("shown");
    assert_eq!(
        store.shown_view().expect("read"),
        Some((three.clone(), b"{\"shown\":3}".to_vec()))
    );
    // Refused: a board not here, an empty or too large view.
    assert!(!store.keep_unshown_view("gone", b"{}").expect("keep"));
    assert!(!store.keep_unshown_view(none, b"").expect("keep"));
    let huge = vec![b' '; board_store::MAX_SHOWN_VIEW_BYTES + 1];
    assert!(!store.keep_unshown_view(none, &huge).expect("keep"));

    // Views kept ahead go first when shown boards need the room, and never push one out.
    assert!(store
        .keep_unshown_view(two, b"{\"ahead\":2}")
        .expect("keep"));
    let big = vec![b' '; board_store::MAX_KEPT_VIEW_BYTES / 2];
    store.save_shown_view(one, &big).expect("shown");
    assert!(
        !store.keep_unshown_view(none, &big).expect("keep"),
        "no room without pushing a shown board's view out"
    );
    store.save_shown_view(three, &big).expect("shown");
    assert_eq!(
        store.kept_view(two).expect("read"),
        None,
        "the one kept ahead went"
    );
    assert!(store.kept_view(one).expect("read").is_some());
    assert!(store.kept_view(three).expect("read").is_some());
}
