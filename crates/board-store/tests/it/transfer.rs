//! Tasks moved and copied between boards, boards duplicated and made from templates: stored
//! durably, fitted to the target board's people, and refused whole where a board is read-only.

use board_model::{Board, NewTask, Place, ReplicaConfig, Sources};
use board_store::replica::{create_board, open_board, save_local_changes};
use board_store::transfer::{
    board_from_template, duplicate_board, transfer_task, Transfer, TransferReport,
};
use board_store::{Directory, LocalAccess, Me, MemberRecord, Store, StoreError};
use tempfile::TempDir;

const ME: &str = "0190a000-0000-7000-8000-0000000000a1";
const BO: &str = "0190a000-0000-7000-8000-0000000000b2";
const CY: &str = "0190a000-0000-7000-8000-0000000000c3";

fn config(seed: u64) -> ReplicaConfig {
    ReplicaConfig {
        user: ME.into(),
        sources: Sources::seeded(seed, 1_700_000_000_000 + seed),
    }
}

fn me() -> Me<'static> {
    Me {
        user_id: ME,
        email: Some("ana@example.com"),
        name: "You",
    }
}

fn member(user_id: &str, email: &str) -> MemberRecord {
    MemberRecord {
        user_id: user_id.into(),
        email: email.into(),
        role: "editor".into(),
    }
}

/// Two boards: "Team" (Ana, Bo, Cy) with a full task, and "Other" (Ana, Bo) with a column.
fn two_boards(store: &mut Store) -> (Board, String, Board, String) {
    let mut team = create_board(
        store,
        "0190a000-0000-7000-8000-0000000000f1",
        "Team",
        config(1),
    )
    .expect("team");
    let todo = team.add_column("Todo", None, Place::Bottom).unwrap();
    let label = team.add_label("Urgent", Some("#e5484d")).unwrap();
    let task = team
        .add_task(
            &todo,
            "Ship it",
            Place::Bottom,
            NewTask {
                description: "all of it".into(),
                label_ids: vec![label],
                due: Some("2026-12-05".into()),
            },
        )
        .unwrap();
    team.set_task_assignee(&task, BO, true).unwrap();
    team.set_task_assignee(&task, CY, true).unwrap();
    team.set_task_assignee(&task, "Old Name", true).unwrap();
    team.add_checklist_item(&task, "Tag").unwrap();
    team.add_comment(&task, BO, "by Bo").unwrap();
    team.add_comment(&task, CY, "by Cy").unwrap();
    save_local_changes(store, &mut team).unwrap();
    let mut other = create_board(
        store,
        "0190a000-0000-7000-8000-0000000000f2",
        "Other",
        config(2),
    )
    .expect("other");
    let done = other.add_column("Done", None, Place::Bottom).unwrap();
    save_local_changes(store, &mut other).unwrap();
    store
        .cache_members(
            team.id(),
            &[
                member(ME, "ana@example.com"),
                member(BO, "bo@example.com"),
                member(CY, "cy@example.com"),
            ],
        )
        .unwrap();
    store
        .cache_members(
            other.id(),
            &[member(ME, "ana@example.com"), member(BO, "bo@example.com")],
        )
        .unwrap();
    (team, task, other, done)
}

fn people(store: &Store, a: &Board, b: &Board) -> (Directory, Directory) {
    (
        store.directory(a.id(), me()).unwrap(),
        store.directory(b.id(), me()).unwrap(),
    )
}

#[test]
fn a_moved_task_lands_whole_on_the_other_board_and_leaves_the_first_after_a_reopen() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open_in_dir(dir.path()).unwrap();
    let (mut team, task, mut other, done) = two_boards(&mut store);
    let (from, to) = people(&store, &team, &other);
    let created = team.task(&task).unwrap().created_at;
    let report = transfer_task(
        &mut store,
        &mut team,
        &task,
        &mut other,
        &done,
        Place::Bottom,
        Transfer::Move,
        (&from, &to),
    )
    .unwrap();
    assert_eq!(
        report.left_out,
        vec!["cy".to_owned()],
        "Cy is no member of Other"
    );
    assert_eq!(
        report.reattributed, 2,
        "Bo's and Cy's comments go as mine: only its author may write a comment (DESIGN §4)"
    );

    // What a person sees after reopening: the task only on Other, with every field.
    drop((team, other));
    let store = Store::open_in_dir(dir.path()).unwrap();
    let team = open_board(&store, "0190a000-0000-7000-8000-0000000000f1", config(3)).unwrap();
    let other = open_board(&store, "0190a000-0000-7000-8000-0000000000f2", config(4)).unwrap();
    assert!(team.task(&task).is_none(), "gone from Team");
    let landed = other.task(&report.task).unwrap();
    assert_eq!(landed.title, "Ship it");
    assert_eq!(landed.description, "all of it");
    assert_eq!(landed.due.as_deref(), Some("2026-12-05"));
    assert_eq!(landed.column, done);
    assert_eq!(landed.created_at, created, "the same task");
    let mut assignees = landed.assignees.clone();
    assignees.sort();
    assert_eq!(assignees, vec![BO.to_owned(), "Old Name".to_owned()]);
    assert_eq!(other.labels()[0].name, "Urgent");
    assert_eq!(landed.labels, vec![other.labels()[0].id.clone()]);
    assert_eq!(landed.checklist.len(), 1);
    let comments = other.comments(&report.task);
    let shown: Vec<(String, Option<String>, String)> = comments
        .into_iter()
        .map(|c| (c.author, c.author_name, c.body))
        .collect();
    assert_eq!(
        shown,
        vec![
            (ME.to_owned(), Some("bo".to_owned()), "by Bo".to_owned()),
            (ME.to_owned(), Some("cy".to_owned()), "by Cy".to_owned()),
        ]
    );
}

#[test]
fn a_copy_keeps_the_original_and_a_read_only_board_refuses_before_anything_is_written() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open_in_dir(dir.path()).unwrap();
    let (mut team, task, mut other, done) = two_boards(&mut store);
    let (from, to) = people(&store, &team, &other);
    let TransferReport { task: copy, .. } = transfer_task(
        &mut store,
        &mut team,
        &task,
        &mut other,
        &done,
        Place::Top,
        Transfer::Copy,
        (&from, &to),
    )
    .unwrap();
    assert!(team.task(&task).is_some(), "a copy leaves the original");
    assert_eq!(other.task(&copy).unwrap().created_by, ME);
    let pending = store.pending_count(other.id()).unwrap();

    // Team became read-only for me: a move out of it is refused and Other gets nothing.
    store
        .set_board_access(
            team.id(),
            Some("https://relay.example"),
            Some(LocalAccess::Viewer),
        )
        .unwrap();
    let err = transfer_task(
        &mut store,
        &mut team,
        &task,
        &mut other,
        &done,
        Place::Top,
        Transfer::Move,
        (&from, &to),
    )
    .unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err}");
    assert_eq!(store.pending_count(other.id()).unwrap(), pending);
    assert_eq!(other.column_task_ids(&done), vec![copy]);
}

#[test]
fn a_duplicated_board_is_stored_whole_with_its_people_fitted() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open_in_dir(dir.path()).unwrap();
    let (team, _task, _other, _) = two_boards(&mut store);
    let id = "0190a000-0000-7000-8000-0000000000f9";
    let from = store.directory(team.id(), me()).unwrap();
    let to = Directory::new(&[], me());
    let (copy, report) = duplicate_board(
        &mut store,
        &team,
        id,
        "Team (copy)",
        config(9),
        (&from, &to),
    )
    .unwrap();
    assert_eq!(report.left_out, vec!["bo".to_owned(), "cy".to_owned()]);
    assert_eq!(report.reattributed, 2);
    drop(copy);
    let reopened = open_board(&store, id, config(10)).unwrap();
    assert_eq!(reopened.title(), "Team (copy)");
    let view = reopened.view();
    assert_eq!(view.columns.len(), 1);
    assert_eq!(view.columns[0].tasks[0].title, "Ship it");
    assert_eq!(
        view.columns[0].tasks[0].assignees,
        vec!["Old Name".to_owned()]
    );
    assert_eq!(reopened.comments(&view.columns[0].tasks[0].id).len(), 2);
    let listed: Vec<String> = store
        .list_boards()
        .unwrap()
        .into_iter()
        .map(|b| b.title)
        .collect();
    assert!(listed.contains(&"Team (copy)".to_owned()), "{listed:?}");
}

#[test]
fn templates_built_in_and_saved_start_new_boards_without_anyones_work() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open_in_dir(dir.path()).unwrap();
    let names: Vec<String> = store
        .templates()
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, vec!["Kanban", "Bug triage", "Sprint"]);

    let kanban = board_from_template(
        &mut store,
        "kanban",
        "0190a000-0000-7000-8000-0000000000e1",
        "Launch",
        config(11),
    )
    .unwrap();
    let titles: Vec<String> = kanban.view().columns.into_iter().map(|c| c.title).collect();
    assert_eq!(titles, vec!["Backlog", "To do", "In progress", "Done"]);
    assert_eq!(kanban.view().columns[2].wip, Some(3));
    assert_eq!(kanban.labels().len(), 3);

    // A board saved as a template keeps its structure and its live tasks' text only.
    let (mut team, task, _other, _) = two_boards(&mut store);
    team.set_checklist_item_done(&task, 0, true).unwrap();
    let old = team
        .add_task(
            &team.view().columns[0].id.clone(),
            "Old",
            Place::Bottom,
            NewTask::default(),
        )
        .unwrap();
    team.set_task_archived(&old, true).unwrap();
    save_local_changes(&mut store, &mut team).unwrap();
    let template = store
        .save_template(&team, "  Team flow ", config(12))
        .unwrap();
    let saved = store
        .find_template("team flow")
        .unwrap()
        .expect("found by name");
    assert_eq!(saved.id, template);
    assert_eq!(
        (saved.columns.clone(), saved.tasks),
        (vec!["Todo".to_owned()], 1)
    );

    let board = board_from_template(
        &mut store,
        &template,
        "0190a000-0000-7000-8000-0000000000e2",
        "Next",
        config(13),
    )
    .unwrap();
    let view = board.view();
    let t = &view.columns[0].tasks[0];
    assert_eq!(t.title, "Ship it");
    assert!(t.assignees.is_empty() && t.due.is_none(), "{t:?}");
    assert!(!t.checklist[0].done);
    assert_eq!(board.comments(&t.id).len(), 0);
    assert_eq!(board.labels()[0].name, "Urgent");
    assert!(store.board(board.id()).unwrap().is_some(), "stored");

    assert!(store.delete_template(&template).unwrap());
    let err = board_from_template(
        &mut store,
        &template,
        "0190a000-0000-7000-8000-0000000000e3",
        "Gone",
        config(14),
    )
    .unwrap_err();
    assert!(matches!(err, StoreError::UnknownTemplate(_)), "{err}");
    assert!(store
        .board("0190a000-0000-7000-8000-0000000000e3")
        .unwrap()
        .is_none());
}
