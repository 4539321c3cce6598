//! The shell's session on a real SQLite store: what each command changes, the patches the UI
//! gets for it, and that the change is on disk when the command returns.

use std::path::Path;
use std::sync::{Arc, Mutex};

use board_model::{ReplicaConfig, Sources};
use tack::ipc::{BoardOp, ErrorKind, Patch, Place};
use tack::session::Session;

fn session(dir: &Path) -> Session {
    let config = ReplicaConfig {
        user: "ana".into(),
        sources: Sources::seeded(7, 1_700_000_000_000),
    };
    Session::open(dir, config).expect("open the store")
}

/// A second process's view of the store: what survives a restart.
fn reopened(dir: &Path, board: &str) -> String {
    board_store::replica::open_board(
        &board_store::Store::open_in_dir(dir).expect("open the store"),
        board,
        ReplicaConfig::default(),
    )
    .expect("open the board")
    .view()
    .render()
}

/// The app quitting and starting again on the same store: the replica config it ran with,
/// and a fresh session of `dir` (nothing loaded), shared as the app shares it.
fn restarted(s: Session, dir: &Path) -> (Arc<Mutex<Session>>, ReplicaConfig) {
    let config = s.replica_config().clone();
    drop(s);
    (Arc::new(Mutex::new(session(dir))), config)
}

fn add_column(s: &mut Session, board: &str, title: &str) -> String {
    let op = BoardOp::AddColumn {
        title: title.into(),
        wip: None,
        place: Place::Bottom,
    };
    s.apply(board, op)
        .expect("apply")
        .0
        .created_id
        .expect("created id")
}

fn add_task(s: &mut Session, board: &str, column: &str, title: &str) -> String {
    let op = BoardOp::AddTask {
        column_id: column.into(),
        title: title.into(),
        place: Place::Bottom,
        description: None,
    };
    s.apply(board, op)
        .expect("apply")
        .0
        .created_id
        .expect("created id")
}

/// Patches as short lines: `task+ <title> in <column title>`, `task- <id>`, ...
fn describe(s: &mut Session, board: &str, patches: &[Patch]) -> Vec<String> {
    let view = s.open_board(board).expect("open the board");
    let column_title = |id: &str| {
        view.columns
            .iter()
            .find(|c| c.id == id)
            .map_or("?".to_owned(), |c| c.title.clone())
    };
    patches
        .iter()
        .map(|p| match p {
            Patch::BoardMeta { title } => format!("meta {title}"),
            Patch::LabelsReplaced { labels } => format!("labels {}", labels.len()),
            Patch::ColumnUpserted { column } => format!("column+ {}", column.title),
            Patch::ColumnRemoved { .. } => "column-".to_owned(),
            Patch::TaskUpserted { column_id, task } => {
                format!("task+ {} in {}", task.title, column_title(column_id))
            }
            Patch::TaskRemoved { .. } => "task-".to_owned(),
        })
        .collect()
}

#[test]
fn a_moved_task_is_one_patch_and_is_on_disk_when_the_command_returns() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let board = s.create_board("Launch").unwrap().id;
    s.open_board(&board).unwrap();
    let todo = add_column(&mut s, &board, "To do");
    let doing = add_column(&mut s, &board, "Doing");
    let spec = add_task(&mut s, &board, &todo, "Write spec");
    add_task(&mut s, &board, &todo, "Book venue");

    let (_, event) = s
        .apply(
            &board,
            BoardOp::MoveTask {
                task_id: spec.clone(),
                column_id: doing.clone(),
                place: Place::Top,
            },
        )
        .unwrap();
    assert_eq!(event.board_id, board);
    assert_eq!(
        describe(&mut s, &board, &event.patches),
        ["task+ Write spec in Doing"]
    );
    assert_eq!(
        reopened(dir.path(), &board),
        "# Launch\n## To do\n- Book venue\n## Doing\n- Write spec\n"
    );
}

#[test]
fn undoing_a_column_delete_brings_the_column_and_its_tasks_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let board = s.create_board("Launch").unwrap().id;
    let todo = add_column(&mut s, &board, "To do");
    add_task(&mut s, &board, &todo, "One");
    add_task(&mut s, &board, &todo, "Two");

    let (_, deleted) = s
        .apply(&board, BoardOp::DeleteColumn { column_id: todo })
        .unwrap();
    assert_eq!(
        describe(&mut s, &board, &deleted.patches),
        ["column-", "task-", "task-"]
    );

    let (undone, restored) = s.undo(&board).unwrap();
    assert!(undone);
    let mut lines = describe(&mut s, &board, &restored.patches);
    lines[1..].sort();
    assert_eq!(
        lines,
        ["column+ To do", "task+ One in To do", "task+ Two in To do"]
    );
    assert_eq!(
        reopened(dir.path(), &board),
        "# Launch\n## To do\n- One\n- Two\n"
    );
}

#[test]
fn a_description_edit_and_its_undo_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let board = s.create_board("Launch").unwrap().id;
    let todo = add_column(&mut s, &board, "To do");
    let task = add_task(&mut s, &board, &todo, "Write spec");
    let describe_as = |text: &str| BoardOp::SetDescription {
        task_id: task.clone(),
        text: text.into(),
    };
    s.apply(&board, describe_as("Ship it")).unwrap();
    let (_, event) = s.apply(&board, describe_as("Ship it soon")).unwrap();
    let [Patch::TaskUpserted { task: patched, .. }] = event.patches.as_slice() else {
        panic!("one task patch expected, got {:?}", event.patches);
    };
    assert_eq!(patched.description, "Ship it soon");

    s.undo(&board).unwrap();
    drop(s);
    assert_eq!(
        reopened(dir.path(), &board),
        "# Launch\n## To do\n- Write spec\n    | Ship it\n"
    );
    // The undo history is durable too: a restarted app can redo.
    let mut again = session(dir.path());
    assert!(again.redo(&board).unwrap().0);
    assert!(reopened(dir.path(), &board).contains("| Ship it soon"));
}

#[test]
fn archived_tasks_leave_the_view_and_bad_requests_name_their_kind() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let board = s.create_board("Launch").unwrap().id;
    let todo = add_column(&mut s, &board, "To do");
    let task = add_task(&mut s, &board, &todo, "Old");

    let (_, event) = s
        .apply(
            &board,
            BoardOp::SetTaskArchived {
                task_id: task,
                archived: true,
            },
        )
        .unwrap();
    assert_eq!(describe(&mut s, &board, &event.patches), ["task-"]);

    let missing = s
        .apply(
            &board,
            BoardOp::DeleteTask {
                task_id: "nope".into(),
            },
        )
        .unwrap_err();
    assert_eq!(missing.kind, ErrorKind::NotFound);
    let empty = s
        .apply(
            &board,
            BoardOp::AddTask {
                column_id: todo,
                title: "  ".into(),
                place: Place::Bottom,
                description: None,
            },
        )
        .unwrap_err();
    assert_eq!(empty.kind, ErrorKind::Invalid);
    assert_eq!(
        s.open_board("no-such-board").unwrap_err().kind,
        ErrorKind::NotFound
    );
    let json = serde_json::to_value(&empty).unwrap();
    assert_eq!(json["kind"], "invalid");
    assert!(json["message"].as_str().unwrap().contains("title"));
}

#[test]
fn the_archive_lists_what_was_archived_and_restoring_brings_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let board = s.create_board("Launch").unwrap().id;
    let todo = add_column(&mut s, &board, "To do");
    let later = add_column(&mut s, &board, "Later");
    let old = add_task(&mut s, &board, &todo, "Old");
    add_task(&mut s, &board, &todo, "Current");
    add_task(&mut s, &board, &later, "Someday");
    let hidden = add_task(&mut s, &board, &later, "Never");
    let archive_task = |task_id: &str, archived| BoardOp::SetTaskArchived {
        task_id: task_id.into(),
        archived,
    };
    s.apply(&board, archive_task(&old, true)).unwrap();
    s.apply(&board, archive_task(&hidden, true)).unwrap();
    s.apply(
        &board,
        BoardOp::SetColumnArchived {
            column_id: later.clone(),
            archived: true,
        },
    )
    .unwrap();

    // "Never" is archived inside an archived column: it waits for its column.
    let items = s.archived(&board).unwrap();
    let columns: Vec<_> = items
        .columns
        .iter()
        .map(|c| (c.title.as_str(), c.tasks))
        .collect();
    assert_eq!(columns, [("Later", 1)]);
    let tasks: Vec<_> = items
        .tasks
        .iter()
        .map(|t| {
            (
                t.title.as_str(),
                t.column_title.as_str(),
                t.column_id == todo,
            )
        })
        .collect();
    assert_eq!(tasks, [("Old", "To do", true)]);

    // Restoring is an ordinary op: a patch for the view, on disk when it returns.
    let (_, event) = s.apply(&board, archive_task(&old, false)).unwrap();
    assert_eq!(
        describe(&mut s, &board, &event.patches),
        ["task+ Old in To do"]
    );
    let (_, event) = s
        .apply(
            &board,
            BoardOp::SetColumnArchived {
                column_id: later,
                archived: false,
            },
        )
        .unwrap();
    assert_eq!(
        describe(&mut s, &board, &event.patches),
        ["column+ Later", "task+ Someday in Later"]
    );
    let items = s.archived(&board).unwrap();
    assert!(items.columns.is_empty());
    assert_eq!(
        items
            .tasks
            .iter()
            .map(|t| t.title.as_str())
            .collect::<Vec<_>>(),
        ["Never"]
    );
    let disk = reopened(dir.path(), &board);
    assert!(disk.contains("Old") && disk.contains("Someday"), "{disk}");
    assert_eq!(
        s.archived("no-such-board").unwrap_err().kind,
        ErrorKind::NotFound
    );

    // Deleting from the archive: an archived column with its tasks goes and the board shows no
    // change; undo brings it back to the archive (not to the board).
    let spare = add_column(&mut s, &board, "Spare");
    add_task(&mut s, &board, &spare, "Leftover");
    s.apply(
        &board,
        BoardOp::SetColumnArchived {
            column_id: spare.clone(),
            archived: true,
        },
    )
    .unwrap();
    let shown_before = s.open_board(&board).unwrap();
    let (_, event) = s
        .apply(&board, BoardOp::DeleteColumn { column_id: spare })
        .unwrap();
    let described = describe(&mut s, &board, &event.patches);
    assert!(
        described.iter().all(|p| p == "column-" || p == "task-"),
        "only removals (of things not shown): {described:?}"
    );
    assert_eq!(s.open_board(&board).unwrap(), shown_before);
    let archived_columns = |s: &mut Session| -> Vec<String> {
        let items = s.archived(&board).unwrap();
        items.columns.into_iter().map(|c| c.title).collect()
    };
    assert!(archived_columns(&mut s).is_empty());
    s.undo(&board).unwrap();
    assert_eq!(archived_columns(&mut s), ["Spare"]);
    assert_eq!(s.open_board(&board).unwrap(), shown_before);
}

#[test]
fn a_demo_board_spreads_its_tasks_over_its_columns() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let board = s.generate_demo_board("Demo", 3, 10).unwrap();
    let view = s.open_board(&board.id).unwrap();
    let counts: Vec<(String, usize)> = view
        .columns
        .iter()
        .map(|c| (c.title.clone(), c.tasks.len()))
        .collect();
    assert_eq!(
        counts,
        [
            ("Backlog".to_owned(), 4),
            ("To do".to_owned(), 3),
            ("Doing".to_owned(), 3)
        ]
    );
    assert_eq!(s.list_boards().unwrap().len(), 1);
    assert_eq!(
        s.generate_demo_board("Too big", 0, 1).unwrap_err().kind,
        ErrorKind::Invalid
    );
}

/// A teammate's edit of `task`'s description, stored and applied as the sync client would.
fn teammate_sets_description(s: &mut Session, dir: &Path, board: &str, task: &str, text: &str) {
    let mut store = board_store::Store::open_in_dir(dir).expect("open the store");
    let config = ReplicaConfig {
        user: "alice".into(),
        sources: Sources::seeded(11, 1_700_000_100_000),
    };
    let mut theirs = board_store::replica::open_board(&store, board, config).expect("open");
    theirs.set_description(task, text).expect("their edit");
    for update in theirs.take_local_updates() {
        store
            .append_update(board, board_store::UpdateOrigin::Remote, &update)
            .expect("store");
        s.apply_remote(board, &update).expect("apply");
    }
}

fn description(s: &mut Session, board: &str, task: &str) -> String {
    let view = s.open_board(board).expect("open");
    view.columns
        .iter()
        .flat_map(|c| &c.tasks)
        .find(|t| t.id == task)
        .map(|t| t.description.clone())
        .expect("the task")
}

#[test]
fn a_description_splice_keeps_a_teammates_edit_that_landed_after_the_editor_read_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let board = s.create_board("Launch").unwrap().id;
    let column = add_column(&mut s, &board, "Doing");
    let task = add_task(&mut s, &board, &column, "Plan");
    let base = "Goals: ship it";
    let op = BoardOp::SetDescription {
        task_id: task.clone(),
        text: base.into(),
    };
    s.apply(&board, op).unwrap();

    // The editor read `base`; the user types a line. Before the save arrives, a teammate's
    // edit lands.
    teammate_sets_description(
        &mut s,
        dir.path(),
        &board,
        &task,
        "Goals: ship it by Friday",
    );
    let save = BoardOp::SpliceDescription {
        task_id: task.clone(),
        base: base.into(),
        at: 14,
        delete: 0,
        insert: "\nOwner: Ana".into(),
    };
    s.apply(&board, save).expect("the save");
    assert_eq!(
        description(&mut s, &board, &task),
        "Goals: ship it by Friday\nOwner: Ana"
    );

    // An edit over the very text the teammate changed is refused, and changes nothing.
    teammate_sets_description(
        &mut s,
        dir.path(),
        &board,
        &task,
        "Goals: send it by Friday\nOwner: Ana",
    );
    let overlapping = BoardOp::SpliceDescription {
        task_id: task.clone(),
        base: "Goals: ship it by Friday\nOwner: Ana".into(),
        at: 7,
        delete: 4,
        insert: "launch".into(),
    };
    let err = s.apply(&board, overlapping).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert_eq!(
        description(&mut s, &board, &task),
        "Goals: send it by Friday\nOwner: Ana"
    );

    // Offsets count UTF-16 units, as the editor does: "é" is one, "🙂" two.
    teammate_sets_description(&mut s, dir.path(), &board, &task, "é🙂x");
    let after_emoji = BoardOp::SpliceDescription {
        task_id: task.clone(),
        base: "é🙂x".into(),
        at: 3,
        delete: 1,
        insert: "y".into(),
    };
    s.apply(&board, after_emoji).unwrap();
    assert_eq!(description(&mut s, &board, &task), "é🙂y");
    let inside_emoji = BoardOp::SpliceDescription {
        task_id: task.clone(),
        base: "é🙂y".into(),
        at: 2,
        delete: 0,
        insert: "!".into(),
    };
    assert_eq!(
        s.apply(&board, inside_emoji).unwrap_err().kind,
        ErrorKind::Invalid
    );
}

#[test]
fn comments_are_posted_as_me_listed_with_names_and_counted_on_the_card() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = session(dir.path());
    let board = s.create_board("Team").expect("board").id;
    let column = add_column(&mut s, &board, "To do");
    let task = add_task(&mut s, &board, &column, "Book the venue");

    let (posted, event) = s
        .add_comment(&board, &task, "Two options: **A** or B", None)
        .expect("post");
    assert!(posted.mine);
    assert_eq!(posted.author_name, "You");
    assert!(
        event.patches.iter().any(|p| matches!(
            p,
            Patch::TaskUpserted { task: t, .. } if t.id == task && t.comment_count == 1
        )),
        "the card's count is patched: {:?}",
        event.patches
    );
    // Durable: another process sees it.
    let stored = board_store::replica::open_board(
        &board_store::Store::open_in_dir(dir.path()).expect("store"),
        &board,
        ReplicaConfig::default(),
    )
    .expect("open");
    assert_eq!(stored.comments(&task).len(), 1);

    // A teammate's comment, with the member directory cached: shown by name, not mine.
    let teammate = "0190a000-0000-7000-8000-0000000000b2";
    {
        let mut store = board_store::Store::open_in_dir(dir.path()).expect("store");
        store
            .cache_members(
                &board,
                &[board_store::MemberRecord {
                    user_id: teammate.into(),
                    email: "bo@example.com".into(),
                    role: "editor".into(),
                }],
            )
            .expect("cache");
    }
    s.add_comment(&board, &task, "Going with A", Some(teammate.into()))
        .expect("post as Bo's account");
    let listed = s.list_comments(&board, &task, None).expect("list");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1].author_name, "bo");
    assert!(!listed[1].mine);

    // A mention is stored as the member's id and shown as their name.
    let (mention, _) = s
        .add_comment(
            &board,
            &task,
            &format!("@[{teammate}] can you book it?"),
            None,
        )
        .expect("mention Bo");
    assert_eq!(mention.body, format!("@[{teammate}] can you book it?"));
    assert_eq!(mention.shown_body, "@bo can you book it?");
    s.change_comment(&board, &mention.id, None, None)
        .expect("delete the mention");

    // Only the author edits or deletes.
    let err = s
        .change_comment(&board, &listed[1].id, None, None)
        .expect_err("not mine");
    assert!(err.message.contains("someone else"), "{}", err.message);
    s.change_comment(&board, &posted.id, Some("A it is"), None)
        .expect("edit mine");
    s.change_comment(&board, &posted.id, None, None)
        .expect("delete mine");
    let listed = s.list_comments(&board, &task, None).expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].body, "Going with A");

    // A viewer reads the conversation but cannot post.
    s.set_board_access(
        &board,
        Some("https://tack.example.com"),
        Some(board_store::LocalAccess::Viewer),
    )
    .expect("viewer");
    let err = s
        .add_comment(&board, &task, "me too", None)
        .expect_err("viewer");
    assert_eq!(err.kind, ErrorKind::ReadOnly);
    assert_eq!(s.list_comments(&board, &task, None).expect("list").len(), 1);
}

/// A description's link reaches the system's browser only as a web address.
#[test]
fn only_web_links_are_handed_to_the_browser() {
    use tack::ipc::web_link;
    for fine in [
        "https://example.com",
        "http://example.com/a?b=c#d",
        "  HTTPS://Example.com/path  ",
    ] {
        assert!(web_link(fine).is_ok(), "{fine}");
    }
    for refused in [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "mailto:ana@example.com",
        "https://",
        "https:///path",
        "https://@evil",
        "https://exa mple.com",
        "https://example.com/\u{0}",
        "ftp://example.com",
        "tack://join/x",
        "",
    ] {
        let err = web_link(refused).expect_err(refused);
        assert!(err.message.contains("http or https"), "{err:?}");
    }
    assert!(web_link(&format!("https://example.com/{}", "a".repeat(3000))).is_err());
}

fn apply(s: &mut Session, board: &str, op: BoardOp) {
    s.apply(board, op).expect("apply");
}

/// The reader's clock in the search tests: Friday 4 December 2026, 10:30 UTC.
fn friday() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339("2026-12-04T10:30:00+00:00").expect("a time")
}

/// `title (board · column)` of each hit, best first.
fn found(s: &mut Session, query: &str, archived: bool) -> Vec<String> {
    let results = s
        .search(query, archived, 50, Some("me".into()), friday())
        .expect("search");
    results
        .hits
        .iter()
        .map(|h| format!("{} ({} · {})", h.title, h.board_title, h.column_title))
        .collect()
}

#[test]
fn search_finds_a_description_word_on_every_board_and_archived_tasks_only_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let launch = s.create_board("Launch").unwrap().id;
    let todo = add_column(&mut s, &launch, "Todo");
    add_task(&mut s, &launch, &todo, "Book a caterer");
    let venues = s.create_board("Venues").unwrap().id;
    let to_book = add_column(&mut s, &venues, "To book");
    let renew = add_task(&mut s, &venues, &to_book, "Renew the contract");
    apply(
        &mut s,
        &venues,
        BoardOp::SetDescription {
            task_id: renew.clone(),
            text: "Call the caterer about the deposit.".into(),
        },
    );
    let old = add_task(&mut s, &venues, &to_book, "Old caterer invoice");
    apply(
        &mut s,
        &venues,
        BoardOp::SetTaskArchived {
            task_id: old,
            archived: true,
        },
    );

    // Every board, the title match ranked first, each with its board and column.
    assert_eq!(
        found(&mut s, "cater", false),
        [
            "Book a caterer (Launch · Todo)",
            "Renew the contract (Venues · To book)"
        ]
    );
    let results = s
        .search("caterer", false, 50, Some("me".into()), friday())
        .unwrap();
    let renewal = &results.hits[1];
    let marked: Vec<&str> = renewal
        .snippet
        .iter()
        .filter(|p| p.hit)
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(marked, ["caterer"], "the description's word is marked");
    // Archived: on request, by the flag or in the query.
    assert_eq!(found(&mut s, "caterer", true).len(), 3);
    assert_eq!(
        found(&mut s, "caterer is:archived", false),
        ["Old caterer invoice (Venues · To book)"]
    );
    // An edit is found as soon as it is saved.
    let booking = s.open_board(&launch).unwrap().columns[0].tasks[0]
        .id
        .clone();
    apply(
        &mut s,
        &launch,
        BoardOp::SetTaskTitle {
            task_id: booking,
            title: "Book the band".into(),
        },
    );
    assert_eq!(
        found(&mut s, "caterer", false),
        ["Renew the contract (Venues · To book)"]
    );
    // What the grammar cannot read is said, never thrown; the rest still searches.
    let results = s
        .search("caterer is:soon", false, 50, Some("me".into()), friday())
        .unwrap();
    assert_eq!(results.hits.len(), 1);
    assert_eq!(results.errors.len(), 1);
    assert_eq!(
        &"caterer is:soon"[results.errors[0].start..results.errors[0].end],
        "is:soon"
    );
}

/// A task assigned to me (and Ada), due then.
fn mine(s: &mut Session, board: &str, column: &str, title: &str, due: Option<&str>) -> String {
    let task = add_task(s, board, column, title);
    for user in ["me", "ada"] {
        let op = BoardOp::SetTaskAssignee {
            task_id: task.clone(),
            user_id: user.into(),
            present: true,
        };
        apply(s, board, op);
    }
    let op = BoardOp::SetDue {
        task_id: task.clone(),
        due: due.map(str::to_owned),
    };
    apply(s, board, op);
    task
}

#[test]
fn my_tasks_lists_what_is_assigned_to_me_on_every_board_grouped_by_due() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let launch = s.create_board("Launch").unwrap().id;
    let todo = add_column(&mut s, &launch, "Todo");
    let venues = s.create_board("Venues").unwrap().id;
    let to_book = add_column(&mut s, &venues, "To book");
    mine(&mut s, &launch, &todo, "Someday", None);
    mine(&mut s, &venues, &to_book, "Next month", Some("2027-01-15"));
    mine(&mut s, &launch, &todo, "Tuesday", Some("2026-12-08"));
    mine(&mut s, &venues, &to_book, "Tonight", Some("2026-12-04"));
    mine(
        &mut s,
        &launch,
        &todo,
        "This morning",
        Some("2026-12-04T09:00:00+00:00"),
    );
    let last_week = mine(&mut s, &venues, &to_book, "Last week", Some("2026-11-27"));
    let theirs = add_task(&mut s, &launch, &todo, "Ada's alone");
    apply(
        &mut s,
        &launch,
        BoardOp::SetTaskAssignee {
            task_id: theirs,
            user_id: "ada".into(),
            present: true,
        },
    );
    let archived = mine(&mut s, &launch, &todo, "Archived", Some("2026-12-01"));
    apply(
        &mut s,
        &launch,
        BoardOp::SetTaskArchived {
            task_id: archived,
            archived: true,
        },
    );
    let listed = |s: &mut Session| -> Vec<String> {
        s.my_tasks(Some("me".into()), friday())
            .expect("my tasks")
            .iter()
            .map(|t| format!("{:?}: {} ({})", t.group, t.title, t.board_title))
            .collect()
    };
    assert_eq!(
        listed(&mut s),
        [
            "Overdue: Last week (Venues)",
            "Overdue: This morning (Launch)",
            "Today: Tonight (Venues)",
            "ThisWeek: Tuesday (Launch)",
            "Later: Next month (Venues)",
            "NoDate: Someday (Launch)",
        ]
    );
    // Unassigned from me: gone at once.
    apply(
        &mut s,
        &venues,
        BoardOp::SetTaskAssignee {
            task_id: last_week,
            user_id: "me".into(),
            present: false,
        },
    );
    assert_eq!(listed(&mut s)[0], "Overdue: This morning (Launch)");
    assert_eq!(listed(&mut s).len(), 5);
}

/// Titles of the tasks `query` shows on the board (the app's `/` filter), sorted.
fn filtered(s: &mut Session, board: &str, query: &str) -> Vec<String> {
    let filter = s
        .filter_board(board, query, Some("me".into()), friday())
        .expect("filter");
    let view = s.open_board(board).expect("open the board");
    let mut titles: Vec<String> = view
        .columns
        .iter()
        .flat_map(|c| &c.tasks)
        .filter(|t| filter.tasks.contains(&t.id))
        .map(|t| t.title.clone())
        .collect();
    titles.sort();
    titles
}

#[test]
fn filter_board_answers_the_grammar_on_the_open_board_including_a_task_added_just_before() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let board = s.create_board("Launch").unwrap().id;
    let todo = add_column(&mut s, &board, "Todo");
    let other = s.create_board("Elsewhere").unwrap().id;
    let elsewhere = add_column(&mut s, &other, "Todo");
    add_task(&mut s, &other, &elsewhere, "Fix the login bug elsewhere");
    let bug = s
        .apply(
            &board,
            BoardOp::AddLabel {
                name: "Bug".into(),
                color: None,
            },
        )
        .unwrap()
        .0
        .created_id
        .expect("a label id");
    let labelled = |s: &mut Session, title: &str, assignee: Option<&str>| {
        let task = add_task(s, &board, &todo, title);
        apply(
            s,
            &board,
            BoardOp::SetTaskLabel {
                task_id: task.clone(),
                label_id: bug.clone(),
                present: true,
            },
        );
        if let Some(user) = assignee {
            apply(
                s,
                &board,
                BoardOp::SetTaskAssignee {
                    task_id: task.clone(),
                    user_id: user.into(),
                    present: true,
                },
            );
        }
        task
    };
    labelled(&mut s, "Login fails on Safari", Some("ana"));
    labelled(&mut s, "Crash on start", Some("ben"));
    add_task(&mut s, &board, &todo, "Login page copy");

    assert_eq!(
        filtered(&mut s, &board, "label:bug @ana"),
        ["Login fails on Safari"]
    );
    assert_eq!(
        filtered(&mut s, &board, "login"),
        ["Login fails on Safari", "Login page copy"],
        "only this board's tasks"
    );
    assert_eq!(filtered(&mut s, &board, "-label:bug"), ["Login page copy"]);

    // A task added (and labelled) just now is filtered like the others.
    labelled(&mut s, "Login times out", Some("ana"));
    assert_eq!(
        filtered(&mut s, &board, "label:bug @ana"),
        ["Login fails on Safari", "Login times out"]
    );

    // What the grammar cannot read is explained with its span, the rest still filters, and
    // the free words to mark come back.
    let query = "lable:bug login";
    let filter = s
        .filter_board(&board, query, Some("me".into()), friday())
        .expect("an answer, never an error");
    assert!(filter.narrows);
    let view = s.open_board(&board).expect("open the board");
    let ids = view
        .columns
        .iter()
        .flat_map(|c| &c.tasks)
        .map(|t| t.id.as_str());
    assert_eq!(filter.tasks.among(ids).len(), 3);
    assert_eq!(filter.words, ["login"]);
    assert_eq!(filter.errors.len(), 1);
    let error = &filter.errors[0];
    assert_eq!(&query[error.start..error.end], "lable:bug");
    assert!(error.message.contains("label:"), "{}", error.message);
    // Nothing readable: the board is shown whole.
    let filter = s
        .filter_board(&board, "is:soon", Some("me".into()), friday())
        .unwrap();
    assert!(!filter.narrows);
    assert_eq!(filter.errors.len(), 1);
    // An unknown board is an error.
    assert!(s
        .filter_board("no-such-board", "login", None, friday())
        .is_err());
}

#[test]
fn saved_views_are_saved_renamed_and_deleted_in_the_board_document() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let board = s.create_board("Launch").unwrap().id;
    assert!(s.views(&board).unwrap().is_empty());
    let settings = board_model::ViewSettings {
        query: "label:bug @me",
        sort: "due",
        group_by: None,
    };
    let views = s.save_view(&board, "My bugs", &settings).unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(
        (
            views[0].name.as_str(),
            views[0].query.as_str(),
            views[0].sort.as_str()
        ),
        ("My bugs", "label:bug @me", "due")
    );
    // Saving under the same name (any case) changes that view.
    let settings = board_model::ViewSettings {
        query: "label:bug",
        sort: "title",
        group_by: Some("assignee"),
    };
    let views = s.save_view(&board, "my BUGS", &settings).unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].query, "label:bug");
    assert_eq!(views[0].group_by.as_deref(), Some("assignee"));
    let id = views[0].id.clone();
    // What a view cannot hold is refused, with the reason.
    let bad = board_model::ViewSettings {
        query: "",
        sort: "colour",
        group_by: None,
    };
    let err = s.save_view(&board, "Odd", &bad).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.message.contains("colour"), "{}", err.message);
    let blank = board_model::ViewSettings::default();
    s.save_view(&board, "Everything", &blank).unwrap();
    let err = s.rename_view(&board, &id, "everything").unwrap_err();
    assert!(err.message.contains("another view"), "{}", err.message);
    let views = s.rename_view(&board, &id, "Bugs").unwrap();
    assert_eq!(
        views.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        ["Bugs", "Everything"]
    );
    // On disk when the command returns (a restart keeps them), as one document edit each.
    let stored = board_store::replica::open_board(
        &board_store::Store::open_in_dir(dir.path()).unwrap(),
        &board,
        ReplicaConfig::default(),
    )
    .unwrap()
    .views();
    assert_eq!(stored, views);
    let views = s.delete_view(&board, &id).unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(
        s.delete_view(&board, &id).unwrap_err().kind,
        ErrorKind::NotFound
    );
}

#[test]
fn filter_board_finds_a_teammates_task_stored_without_index_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(dir.path());
    let board = s.create_board("Launch").unwrap().id;
    let todo = add_column(&mut s, &board, "Todo");
    add_task(&mut s, &board, &todo, "Login page copy");
    assert_eq!(filtered(&mut s, &board, "login"), ["Login page copy"]);

    // A teammate's task arrives as the sync client stores it: the update alone (the board's
    // index is then stale), then applied to the open replica.
    let update = {
        let store = s.store();
        let config = ReplicaConfig {
            user: "bo".into(),
            sources: Sources::seeded(11, 1_700_000_100_000),
        };
        let mut theirs =
            board_store::replica::open_board(&store, &board, config).expect("their replica");
        tack::session::apply_op(
            &mut theirs,
            BoardOp::AddTask {
                column_id: todo.clone(),
                title: "Login times out".into(),
                place: Place::Bottom,
                description: None,
            },
        )
        .expect("their edit");
        let mut updates = theirs.take_local_updates();
        assert_eq!(updates.len(), 1);
        updates.remove(0)
    };
    s.store()
        .append_update(&board, board_store::UpdateOrigin::Remote, &update)
        .expect("store the update");
    s.apply_remote(&board, &update).expect("apply");
    assert_eq!(
        filtered(&mut s, &board, "login"),
        ["Login page copy", "Login times out"]
    );
}

/// The start path (`tack::start`): the view kept at the last run is handed out while the board
/// loads on the start thread; the board then loads and the patches between them bring the
/// window to the board now.
#[test]
fn the_start_path_hands_out_the_kept_view_then_loads_the_board_it_showed() {
    use std::time::{Duration, Instant};
    use tack::start::StartView;

    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = session(dir.path());
    let board = s.create_board("Launch").expect("create").id;
    let todo = add_column(&mut s, &board, "To do");
    let venue = add_task(&mut s, &board, &todo, "Book venue");
    let kept = s.open_board_with_people(&board, None).expect("open");
    let store = s.shared_store();
    StartView::default().keep_now(&store, &kept);
    // After the view was kept: a task renamed.
    s.apply(
        &board,
        BoardOp::SetTaskTitle {
            task_id: venue.clone(),
            title: "Book the venue".into(),
        },
    )
    .expect("rename");

    // The next start: a fresh session, the board not loaded, its load held back 300 ms.
    let (session, config) = restarted(s, dir.path());
    let start = StartView::preload(session.clone(), store, config, Duration::from_millis(300));
    let deadline = Instant::now() + Duration::from_secs(10);
    let shown = loop {
        if let Some(shown) = start.hand_out(&board, None) {
            break shown;
        }
        assert!(Instant::now() < deadline, "no kept view was handed out");
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(shown.cached);
    assert_eq!(shown.view.columns[0].tasks[0].title, "Book venue");
    assert!(start.hand_out(&board, None).is_none(), "handed out once");

    let (taken, _) = start.take_handed(&board).expect("the view handed out");
    start.wait_loaded(&board);
    let now = session
        .lock()
        .expect("session")
        .open_board_with_people(&board, None)
        .expect("open");
    assert!(!now.cached);
    let patches = tack::patches::between(&taken.view, &now.view);
    assert!(
        matches!(&patches[..], [Patch::TaskUpserted { task, .. }] if task.title == "Book the venue"),
        "{patches:?}"
    );
    assert!(start.take_handed(&board).is_none(), "reconciled once");
}

/// The board shown last loaded before the window asked (as a release build's start goes): the
/// kept view is still what the first ask gets, at once and `cached`, not a view built from the
/// document on the paint's path.
#[test]
fn the_kept_view_is_handed_out_even_when_the_board_loaded_first() {
    use std::time::{Duration, Instant};
    use tack::start::StartView;

    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = session(dir.path());
    let board = s.create_board("Launch").expect("create").id;
    let todo = add_column(&mut s, &board, "To do");
    for n in 1..=3 {
        add_task(&mut s, &board, &todo, &format!("Task {n}"));
    }
    let kept = s.open_board_with_people(&board, None).expect("open");
    let store = s.shared_store();
    StartView::default().keep_now(&store, &kept);
    let (session, config) = restarted(s, dir.path());
    let start = StartView::preload(session.clone(), store, config, Duration::ZERO);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !session.lock().expect("session").holds(&board) {
        assert!(Instant::now() < deadline, "the board never loaded");
        std::thread::sleep(Duration::from_millis(5));
    }
    start.wait_loaded(&board);
    let shown = start.hand_out(&board, Some(1)).expect("the kept view");
    assert!(shown.cached);
    assert_eq!(shown.view.columns[0].tasks.len(), 1);
    assert_eq!(shown.withheld.get(&todo), Some(&2));
    assert!(
        start.take_handed(&board).is_some(),
        "held for the reconcile"
    );
}

/// A kept view asked for its first screen (`open_board`'s `first_screen`): each column comes
/// with its first tasks only, in display order, counting the rest in `withheld`; the patches of
/// `reconcile_board` bring exactly the rest (and what changed meanwhile), so the window ends with
/// the whole board.
#[test]
fn a_kept_view_comes_as_its_first_screen_and_the_reconcile_brings_the_rest() {
    use tack::start::StartView;

    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = session(dir.path());
    let launch = s.create_board("Launch").expect("create").id;
    let todo = add_column(&mut s, &launch, "To do");
    let done = add_column(&mut s, &launch, "Done");
    let titles: Vec<String> = (1..=7).map(|n| format!("Task {n}")).collect();
    let ids: Vec<String> = titles
        .iter()
        .map(|title| add_task(&mut s, &launch, &todo, title))
        .collect();
    add_task(&mut s, &launch, &done, "Shipped");
    let other = s.create_board("Offsite").expect("create").id;
    let store = s.shared_store();
    let keeper = StartView::default();
    let whole = s.open_board_with_people(&launch, None).expect("open");
    keeper.keep_now(&store, &whole);
    keeper.keep_now(
        &store,
        &s.open_board_with_people(&other, None).expect("open"),
    );
    // Since the view was kept: the sixth task (not on the first screen) renamed.
    s.apply(
        &launch,
        BoardOp::SetTaskTitle {
            task_id: ids[5].clone(),
            title: "Task six".into(),
        },
    )
    .expect("rename");
    let (session, config) = restarted(s, dir.path());
    let start = StartView::default();
    let shown = start
        .open_kept(&store, &launch, Some(3))
        .expect("Launch's kept view");
    let shown_titles = |column: usize| -> Vec<String> {
        shown.view.columns[column]
            .tasks
            .iter()
            .map(|t| t.title.clone())
            .collect()
    };
    // Display order: the view's first tasks are the top of the column.
    let whole_todo: Vec<String> = whole.view.columns[0]
        .tasks
        .iter()
        .map(|t| t.title.clone())
        .collect();
    assert_eq!(shown_titles(0), whole_todo[..3]);
    assert_eq!(shown_titles(1), ["Shipped"]);
    assert_eq!(
        shown.withheld,
        std::collections::BTreeMap::from([(todo.clone(), 4)]),
        "the four tasks of To do held back, none of Done"
    );

    let (taken, _) = start.take_handed(&launch).expect("the view handed out");
    assert_eq!(
        taken.view.columns[0].tasks.len(),
        3,
        "held as the window shows it"
    );
    start.load_now(&session, &store, config, &launch);
    let now = session
        .lock()
        .expect("session")
        .open_board_with_people(&launch, None)
        .expect("open");
    let patches = tack::patches::between(&taken.view, &now.view);
    let mut brought: Vec<String> = patches
        .iter()
        .map(|patch| match patch {
            Patch::TaskUpserted { column_id, task } => {
                assert_eq!(column_id, &todo);
                task.title.clone()
            }
            other => panic!("only the rest of To do: {other:?}"),
        })
        .collect();
    brought.sort();
    let mut rest: Vec<String> = whole_todo[3..]
        .iter()
        .map(|t| {
            if t == "Task 6" {
                "Task six".to_owned()
            } else {
                t.clone()
            }
        })
        .collect();
    rest.sort();
    assert_eq!(brought, rest);
}

/// A loaded board asked for its first screen: cut and held like a kept view when a column has
/// more (the reconcile brings the rest), answered whole and not held when none has.
#[test]
fn a_loaded_board_comes_as_its_first_screen_only_when_a_column_has_more() {
    use tack::start::StartView;

    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = session(dir.path());
    let board = s.create_board("Launch").expect("create").id;
    let todo = add_column(&mut s, &board, "To do");
    for n in 1..=4 {
        add_task(&mut s, &board, &todo, &format!("Task {n}"));
    }
    let start = StartView::default();
    let whole = s.open_board_with_people(&board, None).expect("open");

    let seq = s.store().last_seq(&board).expect("seq");
    let small = start.first_screen_of(whole.clone(), 4, seq);
    assert!(!small.cached && small.withheld.is_empty());
    assert_eq!(small.view, whole.view);
    assert!(start.take_handed(&board).is_none(), "nothing to reconcile");

    let cut = start.first_screen_of(whole.clone(), 1, seq);
    assert!(cut.cached);
    assert_eq!(cut.view.columns[0].tasks.len(), 1);
    assert_eq!(cut.withheld.get(&todo), Some(&3));
    let (taken, rest) = start.take_handed(&board).expect("held for the reconcile");
    // Nothing stored since: the reconcile answers from what was cut off, not a new build.
    let rest = rest.expect("the cut-off rest held with it");
    assert_eq!(rest.if_current(seq, &taken.view), Some(whole.view.clone()));
    // Something stored since: built again.
    start.first_screen_of(whole.clone(), 1, seq);
    add_task(&mut s, &board, &todo, "Task 5");
    let now = s.store().last_seq(&board).expect("seq");
    let (_, rest) = start.take_handed(&board).expect("held");
    assert!(rest.expect("held").if_current(now, &taken.view).is_none());
    let patches = tack::patches::between(&taken.view, &whole.view);
    let brought: Vec<&str> = patches
        .iter()
        .map(|patch| match patch {
            Patch::TaskUpserted { task, .. } => task.title.as_str(),
            other => panic!("only the rest: {other:?}"),
        })
        .collect();
    assert_eq!(brought, ["Task 2", "Task 3", "Task 4"]);
}

/// Opening a board shown before (not the last one) that is not loaded: its kept view is
/// answered at once, the board loads when the window asks to reconcile, and the patches
/// bring what changed since.
#[test]
fn a_board_shown_before_opens_from_its_kept_view_while_it_loads() {
    use tack::start::StartView;

    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = session(dir.path());
    let launch = s.create_board("Launch").expect("create").id;
    let todo = add_column(&mut s, &launch, "To do");
    let venue = add_task(&mut s, &launch, &todo, "Book venue");
    let offsite = s.create_board("Offsite").expect("create").id;
    add_column(&mut s, &offsite, "Ideas");
    let store = s.shared_store();
    let keeper = StartView::default();
    // Launch shown, then Offsite (shown last, the one a start would paint).
    keeper.keep_now(
        &store,
        &s.open_board_with_people(&launch, None).expect("open"),
    );
    keeper.keep_now(
        &store,
        &s.open_board_with_people(&offsite, None).expect("open"),
    );
    // Since Launch's view was kept: a task renamed.
    s.apply(
        &launch,
        BoardOp::SetTaskTitle {
            task_id: venue.clone(),
            title: "Book the venue".into(),
        },
    )
    .expect("rename");
    let (session, config) = restarted(s, dir.path());
    let start = StartView::default();
    assert!(!session.lock().expect("session").holds(&launch));
    let shown = start
        .open_kept(&store, &launch, None)
        .expect("Launch's kept view");
    assert!(shown.cached);
    assert_eq!(shown.view.columns[0].tasks[0].title, "Book venue");
    assert_eq!(start.shown().as_deref(), Some(launch.as_str()));

    // The window painted it and asks to reconcile: the board loads, off the session's lock.
    let (taken, _) = start.take_handed(&launch).expect("the view handed out");
    assert!(!session.lock().expect("session").holds(&launch));
    start.load_now(&session, &store, config, &launch);
    assert!(session.lock().expect("session").holds(&launch), "loaded");
    let now = session
        .lock()
        .expect("session")
        .open_board_with_people(&launch, None)
        .expect("open");
    let patches = tack::patches::between(&taken.view, &now.view);
    assert!(
        matches!(&patches[..], [Patch::TaskUpserted { task, .. }] if task.title == "Book the venue"),
        "{patches:?}"
    );
}

/// Only a few boards' replicas stay loaded: the board shown never goes, the one used longest
/// ago does, and a board dropped comes back when used, its undo history with it.
#[test]
fn loaded_boards_are_bounded_keeping_the_shown_one_and_undo_of_a_dropped_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = session(dir.path());
    let shown = s.create_board("Shown").expect("create").id;
    s.open_board(&shown).expect("open");
    let others: Vec<String> = (0..tack::session::MAX_OPEN + 1)
        .map(|i| s.create_board(&format!("Board {i}")).expect("create").id)
        .collect();
    // A column added on the first of the others (quick add's kind of use), then the others.
    let column = add_column(&mut s, &others[0], "To do");
    for board in &others[1..] {
        add_column(&mut s, board, "Ideas");
    }
    assert!(s.open_len() <= tack::session::MAX_OPEN);
    assert!(s.holds(&shown), "the board shown stays loaded");
    assert!(!s.holds(&others[0]), "the one used longest ago was dropped");

    // Used again, it loads; `u` takes back the task, then the column added before it was
    // dropped: its undo history came back with it.
    add_task(&mut s, &others[0], &column, "Book venue");
    assert!(s.holds(&others[0]));
    assert!(s.holds(&shown), "still");
    assert!(s.undo(&others[0]).expect("undo").0);
    let view = s.open_board(&others[0]).expect("open").render();
    assert!(
        !view.contains("Book venue") && view.contains("To do"),
        "{view}"
    );
    assert!(s.undo(&others[0]).expect("undo").0);
    assert!(!s
        .open_board(&others[0])
        .expect("open")
        .render()
        .contains("To do"));
    assert!(s.open_len() <= tack::session::MAX_OPEN);
}

/// A replica built off the session gives way when the store moved on while it was built (a
/// remote update stored meanwhile), and when the board was opened meanwhile.
#[test]
fn a_replica_built_off_the_session_gives_way_to_anything_newer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = session(dir.path());
    let board = s.create_board("Launch").expect("create").id;
    let todo = add_column(&mut s, &board, "To do");
    let config = s.replica_config().clone();
    let read =
        |s: &Session| board_store::replica::read_board(&s.store(), &board).expect("read the board");

    let mut fresh = self::session(dir.path());
    let stored = read(&fresh);
    let read_seq = stored.last_seq();
    // Stored meanwhile (another process, or the sync client): the built replica is stale.
    add_task(&mut s, &board, &todo, "Book venue");
    let built = board_store::replica::build_board(stored, config.clone()).expect("build");
    assert!(!fresh.install(built, read_seq).expect("install"));
    assert!(fresh
        .open_board(&board)
        .expect("open")
        .render()
        .contains("Book venue"));

    // Nothing newer, but the board was opened meanwhile: the session keeps its own.
    let stored = read(&fresh);
    let read_seq = stored.last_seq();
    let built = board_store::replica::build_board(stored, config.clone()).expect("build");
    assert!(!fresh.install(built, read_seq).expect("install"));

    // Nothing newer, not open: taken.
    let mut third = self::session(dir.path());
    let stored = read(&third);
    let read_seq = stored.last_seq();
    let built = board_store::replica::build_board(stored, config).expect("build");
    assert!(third.install(built, read_seq).expect("install"));
    assert!(third
        .open_board(&board)
        .expect("open")
        .render()
        .contains("Book venue"));
}

/// A card dropped into another swimlane and column: the lane's field and the move are one undo
/// step (`apply_together`); too many ops, or none, are refused whole.
#[test]
fn ops_applied_together_are_one_undo_step() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = session(dir.path());
    let board = s.create_board("Launch").expect("create").id;
    let todo = add_column(&mut s, &board, "To do");
    let done = add_column(&mut s, &board, "Done");
    let task = add_task(&mut s, &board, &todo, "Book venue");
    let before = s.open_board(&board).expect("open").render();

    let ops = vec![
        BoardOp::SetTaskAssignee {
            task_id: task.clone(),
            user_id: "ana".into(),
            present: true,
        },
        BoardOp::MoveTask {
            task_id: task.clone(),
            column_id: done.clone(),
            place: Place::Bottom,
        },
    ];
    let (results, event) = s.apply_together(&board, ops).expect("together");
    assert_eq!(results.len(), 2);
    assert!(!event.patches.is_empty());
    let view = s.open_board(&board).expect("open");
    let moved = &view.columns[1].tasks[0];
    assert_eq!(
        (moved.title.as_str(), moved.assignees.clone()),
        ("Book venue", vec!["ana".to_owned()])
    );
    // Durable, and one `u` takes both back.
    assert!(reopened(dir.path(), &board).contains("Book venue"));
    s.undo(&board).expect("undo");
    assert_eq!(s.open_board(&board).expect("open").render(), before);

    let many = (0..9)
        .map(|_| BoardOp::SetTaskTitle {
            task_id: task.clone(),
            title: "x".into(),
        })
        .collect();
    let refused = s.apply_together(&board, many).expect_err("nine ops");
    assert_eq!(refused.kind, ErrorKind::Invalid);
    assert!(s.apply_together(&board, Vec::new()).is_err());
    assert_eq!(s.open_board(&board).expect("open").render(), before);
}

/// A large board this computer never showed gets a view kept ahead: its first opening answers
/// at once as a board shown recently does, and nothing else changes (the board shown last, a
/// board the session holds, a view kept when shown).
#[test]
fn a_large_board_never_shown_opens_from_a_view_kept_ahead() {
    use tack::start::{StartView, KEEP_AHEAD_MIN_TASKS};

    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = session(dir.path());
    let tasks = u32::try_from(KEEP_AHEAD_MIN_TASKS).expect("small");
    let big = s.generate_demo_board("Big", 4, tasks).expect("big").id;
    let held = s.generate_demo_board("Held", 4, tasks).expect("held").id;
    let small = s.create_board("Small").expect("create").id;
    add_column(&mut s, &small, "To do");
    let store = s.shared_store();
    // Small is the board shown last.
    StartView::default().keep_now(
        &store,
        &s.open_board_with_people(&small, None).expect("open"),
    );
    let (session, _) = restarted(s, dir.path());
    session
        .lock()
        .expect("session")
        .open_board(&held)
        .expect("open held");
    let start = StartView::default();
    assert_eq!(start.keep_ahead_now(&session, &store, None), 1, "Big only");
    assert_eq!(
        start.keep_ahead_now(&session, &store, None),
        0,
        "kept already"
    );
    let shown_last = store.lock().expect("store").shown_view().expect("read");
    assert_eq!(shown_last.map(|(id, _)| id), Some(small.clone()));
    assert!(store
        .lock()
        .expect("store")
        .kept_view(&held)
        .expect("read")
        .is_none());

    // Opened for the first time: the view kept ahead, then the board loads on reconcile.
    assert!(!session.lock().expect("session").holds(&big));
    let opened = start
        .open_kept(&store, &big, None)
        .expect("Big's view kept ahead");
    assert!(opened.cached);
    assert_eq!(opened.view.title, "Big");
    let count: usize = opened.view.columns.iter().map(|c| c.tasks.len()).sum();
    assert_eq!(count, tasks as usize);
    let fresh = session
        .lock()
        .expect("session")
        .open_board_with_people(&big, None)
        .expect("open");
    assert_eq!(
        opened.view, fresh.view,
        "the view kept ahead is the board's"
    );
    assert_eq!(opened.people, fresh.people);
    assert_eq!(opened.views, fresh.views);

    // A large board that arrives later (joined, synced in) is kept ahead by the next pass.
    let later = session
        .lock()
        .expect("session")
        .generate_demo_board("Later", 4, tasks)
        .expect("later")
        .id;
    assert!(!session.lock().expect("session").holds(&later));
    assert_eq!(start.keep_ahead_now(&session, &store, None), 1, "Later");
    assert!(start.open_kept(&store, &later, None).is_some());
}
