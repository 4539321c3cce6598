//! Tasks and boards copied whole: a paste keeps every field, maps labels by name, is one undo
//! step, and a duplicated board holds what the original held, in order.

use board_model::{Board, NewTask, PasteOptions, Place, ReplicaConfig, Sources, TaskView};
use yrs::{Map, MapPrelim, ReadTxn, Transact};

const ANA: &str = "0190a000-0000-7000-8000-0000000000a1";
const BO: &str = "0190a000-0000-7000-8000-0000000000b2";

fn board(id: &str, seed: u64) -> Board {
    let config = ReplicaConfig {
        user: ANA.into(),
        sources: Sources::seeded(seed, 1_700_000_000_000 + seed),
    };
    Board::create(id, "Board", config).unwrap()
}

/// A task with every field set, a comment by Bo, an attachment entry and a label.
fn full_task(board: &mut Board) -> (String, String) {
    let column = board.add_column("Todo", Some(3), Place::Bottom).unwrap();
    let urgent = board.add_label("Urgent", Some("#e5484d")).unwrap();
    let task = board
        .add_task(
            &column,
            "Ship the release",
            Place::Bottom,
            NewTask {
                description: "Notes: **bold** ünïcödé".into(),
                label_ids: vec![urgent],
                due: Some("2026-12-05T15:00:00+01:00".into()),
            },
        )
        .unwrap();
    board.set_task_assignee(&task, BO, true).unwrap();
    let i = board.add_checklist_item(&task, "Tag").unwrap();
    board.set_checklist_item_done(&task, i, true).unwrap();
    board.add_checklist_item(&task, "Announce").unwrap();
    board
        .add_comment(&task, BO, "Tagged, @[0190a000-0000-7000-8000-0000000000a1]")
        .unwrap();
    // An attachment entry as DESIGN §1 describes it (written raw: bytes live elsewhere).
    {
        let tasks = board.doc().get_or_insert_map("tasks");
        let mut txn = board.doc().transact_mut();
        let Some(yrs::Out::YMap(task_map)) = tasks.get(&txn, &task) else {
            panic!("task map")
        };
        let attachments = task_map.insert(&mut txn, "attachments", MapPrelim::default());
        attachments.insert(
            &mut txn,
            "att1",
            MapPrelim::from_iter([
                ("name", yrs::Any::from("notes.pdf")),
                ("mime", yrs::Any::from("application/pdf")),
                ("size", yrs::Any::from(1234.0)),
                ("sha256", yrs::Any::from("ab".repeat(32))),
            ]),
        );
    }
    board.take_local_updates();
    (column, task)
}

/// What a person sees of a task: every field but its identity, place and times.
fn shown(board: &Board, task: &TaskView) -> String {
    let labels: Vec<String> = task
        .labels
        .iter()
        .map(|id| {
            let l = board.labels().into_iter().find(|l| &l.id == id).unwrap();
            format!("{}={}", l.name, l.color)
        })
        .collect();
    let comments: Vec<String> = board
        .comments(&task.id)
        .into_iter()
        .map(|c| format!("{}: {}", c.author, c.body))
        .collect();
    format!(
        "{} | {} | {:?} | {:?} | {:?} | {:?} | archived {} | {:?}",
        task.title,
        task.description,
        labels,
        task.assignees,
        task.due,
        task.checklist,
        task.archived,
        comments
    )
}

fn attachment_names(board: &Board, task: &str) -> Vec<String> {
    let txn = board.doc().transact();
    let tasks = txn.get_map("tasks").unwrap();
    let Some(yrs::Out::YMap(t)) = tasks.get(&txn, task) else {
        return vec![];
    };
    let Some(yrs::Out::YMap(a)) = t.get(&txn, "attachments") else {
        return vec![];
    };
    a.iter(&txn)
        .map(|(_, v)| match v {
            yrs::Out::YMap(m) => match m.get(&txn, "name") {
                Some(yrs::Out::Any(yrs::Any::String(s))) => s.to_string(),
                other => format!("{other:?}"),
            },
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn a_task_pasted_on_another_board_keeps_every_field_and_maps_labels_by_name() {
    let mut from = board("0190a000-0000-7000-8000-00000000f001", 1);
    let (_, task) = full_task(&mut from);
    let mut to = board("0190a000-0000-7000-8000-00000000f002", 2);
    let done = to.add_column("Done", None, Place::Bottom).unwrap();
    // The target already has "urgent" (another case, another colour): the paste uses it.
    let existing = to.add_label("urgent", Some("#0090ff")).unwrap();
    to.take_local_updates();

    let copy = from.copy_task(&task).unwrap();
    let options = PasteOptions {
        comments: true,
        keep_origin: true,
    };
    let pasted = to.paste_task(&copy, &done, Place::Bottom, options).unwrap();
    let original = from.task(&task).unwrap();
    let landed = to.task(&pasted).unwrap();
    assert_eq!(
        landed.labels,
        vec![existing],
        "matched by name, not duplicated"
    );
    assert_eq!(to.labels().len(), 1);
    assert_eq!(
        shown(&from, &original).replace("Urgent=#e5484d", "urgent=#0090ff"),
        shown(&to, &landed)
    );
    assert_eq!(
        landed.created_at, original.created_at,
        "a move keeps its origin"
    );
    assert_eq!(attachment_names(&to, &pasted), vec!["notes.pdf".to_owned()]);
    assert_eq!(to.task(&pasted).unwrap().comment_count, 1);
}

#[test]
fn a_paste_is_one_undo_step_and_a_duplicate_starts_without_comments() {
    let mut b = board("0190a000-0000-7000-8000-00000000f003", 3);
    let (column, task) = full_task(&mut b);
    let before = b.view().render();
    let copy = b.copy_task(&task).unwrap();
    let dup = b
        .paste_task(
            &copy,
            &column,
            Place::After(task.clone()),
            PasteOptions::default(),
        )
        .unwrap();
    let ids = b.column_task_ids(&column);
    assert_eq!(
        ids,
        vec![task.clone(), dup.clone()],
        "right below the original"
    );
    let landed = b.task(&dup).unwrap();
    assert_eq!(landed.comment_count, 0);
    assert_eq!(landed.title, "Ship the release");
    assert_eq!(landed.checklist.len(), 2);
    assert_ne!(landed.created_at, 0);
    assert_eq!(landed.created_by, ANA, "a duplicate is mine");
    assert!(b.undo(), "one step");
    assert_eq!(b.view().render(), before);
    assert!(b.redo());
    assert_eq!(b.column_task_ids(&column).len(), 2);
}

#[test]
fn a_new_label_keeps_its_colour_and_a_bad_copy_changes_nothing() {
    let mut from = board("0190a000-0000-7000-8000-00000000f004", 4);
    let (_, task) = full_task(&mut from);
    let mut to = board("0190a000-0000-7000-8000-00000000f005", 5);
    let column = to.add_column("Inbox", None, Place::Bottom).unwrap();
    to.take_local_updates();
    let mut copy = from.copy_task(&task).unwrap();
    let pasted = to
        .paste_task(&copy, &column, Place::Top, PasteOptions::default())
        .unwrap();
    let label = to.labels().pop().unwrap();
    assert_eq!(
        (label.name.as_str(), label.color.as_str()),
        ("Urgent", "#e5484d")
    );
    assert_eq!(to.task(&pasted).unwrap().labels, vec![label.id]);

    copy.title = "   ".into();
    let state = to.view().render();
    assert!(to
        .paste_task(&copy, &column, Place::Top, PasteOptions::default())
        .is_err());
    copy.title = "ok".into();
    copy.checklist[0].text = String::new();
    assert!(to
        .paste_task(&copy, &column, Place::Top, PasteOptions::default())
        .is_err());
    assert!(to
        .paste_task(&copy, "no-such-column", Place::Top, PasteOptions::default())
        .is_err());
    assert_eq!(to.view().render(), state, "nothing half-written");
}

#[test]
fn a_duplicated_board_holds_every_column_task_label_comment_and_view_in_order() {
    let mut from = board("0190a000-0000-7000-8000-00000000f006", 6);
    let (todo, task) = full_task(&mut from);
    let second = from
        .add_task(&todo, "Second", Place::Bottom, NewTask::default())
        .unwrap();
    from.set_task_archived(&second, true).unwrap();
    let old = from.add_column("Old", None, Place::Bottom).unwrap();
    from.add_task(&old, "In an old column", Place::Bottom, NewTask::default())
        .unwrap();
    from.set_column_archived(&old, true).unwrap();
    {
        let views = from.doc().get_or_insert_map("views");
        let mut txn = from.doc().transact_mut();
        views.insert(
            &mut txn,
            "v1",
            MapPrelim::from_iter([
                ("name", yrs::Any::from("Mine")),
                ("query", yrs::Any::from("@me")),
                ("sort", yrs::Any::from("due")),
            ]),
        );
    }

    let mut to = board("0190a000-0000-7000-8000-00000000f007", 7);
    to.copy_board_from(
        &from,
        PasteOptions {
            comments: true,
            keep_origin: true,
        },
        true,
        Some,
    )
    .unwrap();
    let a = from.view_with(true);
    let b = to.view_with(true);
    let outline = |board: &Board, view: &board_model::BoardView| -> Vec<String> {
        view.columns
            .iter()
            .map(|c| {
                let tasks: Vec<String> = c.tasks.iter().map(|t| shown(board, t)).collect();
                format!(
                    "{} wip {:?} archived {} {:?}",
                    c.title, c.wip, c.archived, tasks
                )
            })
            .collect()
    };
    assert_eq!(outline(&from, &a), outline(&to, &b));
    let copied = b.columns[0].tasks[0].id.clone();
    assert_ne!(copied, task, "fresh ids");
    let txn = to.doc().transact();
    let views = txn.get_map("views").unwrap();
    assert_eq!(views.len(&txn), 1);
}
