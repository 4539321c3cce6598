//! Data-driven model tests: a small script of operations, then the board rendered as text.
//!
//! Script lines are `verb arg | arg | ...`; columns and tasks are named by title. Errors are
//! rendered inline as `! error` so rejection is part of the expectation.

use board_model::{Board, NewTask, Place, ReplicaConfig, Sources};
use expect_test::{expect, Expect};

fn find_column(board: &Board, title: &str) -> String {
    board
        .view_with(true)
        .columns
        .into_iter()
        .find(|c| c.title == title)
        .map(|c| c.id)
        .unwrap_or_else(|| title.to_owned())
}

fn find_task(board: &Board, title: &str) -> String {
    board
        .view_with(true)
        .tasks()
        .find(|t| t.title == title)
        .map(|t| t.id.clone())
        .unwrap_or_else(|| title.to_owned())
}

fn place(board: &Board, spec: Option<&&str>, column_place: bool) -> Place {
    match spec.map(|s| s.split_once(' ').unwrap_or((s, ""))) {
        None | Some(("bottom", _)) => Place::Bottom,
        Some(("top", _)) => Place::Top,
        Some(("before", anchor)) if column_place => Place::Before(find_column(board, anchor)),
        Some(("after", anchor)) if column_place => Place::After(find_column(board, anchor)),
        Some(("before", anchor)) => Place::Before(find_task(board, anchor)),
        Some(("after", anchor)) => Place::After(find_task(board, anchor)),
        Some((other, _)) => panic!("bad place {other}"),
    }
}

fn run(board: &mut Board, line: &str) -> Result<(), board_model::ModelError> {
    let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
    let args: Vec<&str> = rest.split(" | ").collect();
    let a0 = args.first().copied().unwrap_or("");
    let a1 = args.get(1).copied().unwrap_or("");
    match verb {
        "rename-board" => board.rename(a0),
        "column" => {
            let wip = args
                .iter()
                .find_map(|a| a.strip_prefix("wip "))
                .map(|w| w.parse().unwrap());
            let spec = args.iter().skip(1).find(|a| !a.starts_with("wip "));
            let p = place(board, spec, true);
            board.add_column(a0, wip, p).map(drop)
        }
        "rename-column" => board.rename_column(&find_column(board, a0), a1),
        "move-column" => {
            let p = place(board, args.get(1), true);
            board.move_column(&find_column(board, a0), p)
        }
        "wip" => board.set_wip_limit(&find_column(board, a0), a1.parse().ok()),
        "archive-column" => board.set_column_archived(&find_column(board, a0), true),
        "delete-column" => board.delete_column(&find_column(board, a0)),
        "task" => {
            let p = place(board, args.get(2), false);
            board
                .add_task(&find_column(board, a0), a1, p, NewTask::default())
                .map(drop)
        }
        "move" => {
            let p = place(board, args.get(2), false);
            board.move_task(&find_task(board, a0), &find_column(board, a1), p)
        }
        "title" => board.set_task_title(&find_task(board, a0), a1),
        "desc" => board.set_description(&find_task(board, a0), &a1.replace("\\n", "\n")),
        "label" => {
            let label = board.ensure_label(a1)?;
            board.set_task_label(&find_task(board, a0), &label, true)
        }
        "unlabel" => {
            let label = board.ensure_label(a1)?;
            board.set_task_label(&find_task(board, a0), &label, false)
        }
        "delete-label" => {
            let label = board.ensure_label(a0)?;
            board.delete_label(&label)
        }
        "assign" => board.set_task_assignee(&find_task(board, a0), a1, true),
        "unassign" => board.set_task_assignee(&find_task(board, a0), a1, false),
        "reassign" => {
            let to = args.get(2).copied().unwrap_or("");
            board.replace_task_assignee(&find_task(board, a0), a1, to)
        }
        "due" => board.set_due(
            &find_task(board, a0),
            if a1 == "none" { None } else { Some(a1) },
        ),
        "check" => board
            .add_checklist_item(&find_task(board, a0), a1)
            .map(drop),
        "toggle" => board
            .toggle_checklist_item(&find_task(board, a0), a1.parse().unwrap())
            .map(drop),
        "edit-check" => {
            let text = args.get(2).copied().unwrap_or("");
            board.edit_checklist_item(&find_task(board, a0), a1.parse().unwrap(), text)
        }
        "uncheck-remove" => board.remove_checklist_item(&find_task(board, a0), a1.parse().unwrap()),
        "archive" => board.set_task_archived(&find_task(board, a0), true),
        "unarchive" => board.set_task_archived(&find_task(board, a0), false),
        "delete" => board.delete_task(&find_task(board, a0)),
        "undo" => {
            board.undo();
            Ok(())
        }
        "redo" => {
            board.redo();
            Ok(())
        }
        other => panic!("unknown verb {other}"),
    }
}

fn check(script: &str, expect: Expect) {
    let config = ReplicaConfig {
        user: "tester".into(),
        sources: Sources::seeded(7, 1_700_000_000_000),
    };
    let mut board = Board::create("0190a000-0000-7000-8000-000000000001", "Demo", config).unwrap();
    let mut errors = String::new();
    for line in script.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Err(e) = run(&mut board, line) {
            errors.push_str(&format!("! {line}: {e}\n"));
        }
    }
    // Every state must survive a reload from its own updates.
    let reloaded = Board::load(
        board.id(),
        [board.encode_state().as_slice()],
        None,
        ReplicaConfig::default(),
    )
    .unwrap();
    assert_eq!(
        reloaded.view_with(true),
        board.view_with(true),
        "reload changed the board"
    );
    let archived = board.view_with(true).render();
    let live = board.view().render();
    let mut out = errors;
    out.push_str(&live);
    if archived != live {
        out.push_str("--- with archived\n");
        out.push_str(&archived);
    }
    expect.assert_eq(&out);
}

#[test]
fn columns_in_rank_order() {
    check(
        "
        column To do
        column Done
        column Doing | before Done
        column Backlog | top
        move-column Done | after Backlog
        rename-column Done | Shipped
        ",
        expect![[r#"
            # Demo
            ## Backlog
            ## Shipped
            ## To do
            ## Doing
        "#]],
    );
}

#[test]
fn tasks_add_at_top_bottom_before_after() {
    check(
        "
        column To do
        task To do | b
        task To do | d
        task To do | a | top
        task To do | c | before d
        task To do | e | after d
        ",
        expect![[r#"
            # Demo
            ## To do
            - a
            - b
            - c
            - d
            - e
        "#]],
    );
}

#[test]
fn moves_between_columns_and_within() {
    check(
        "
        column To do
        column Doing
        task To do | one
        task To do | two
        task To do | three
        move three | To do | top
        move one | Doing
        move two | Doing | before one
        move one | To do | after three
        ",
        expect![[r#"
            # Demo
            ## To do
            - three
            - one
            ## Doing
            - two
        "#]],
    );
}

#[test]
fn every_task_field() {
    check(
        "
        rename-board Launch
        column To do | wip 1
        task To do | Write spec
        task To do | Review
        title Review | Review spec
        desc Write spec | ## Goals\\nShip it
        label Write spec | bug
        label Write spec | Docs
        unlabel Write spec | docs
        label Review spec | bug
        assign Write spec | alice
        assign Write spec | bob
        due Write spec | 2026-12-01
        check Write spec | Draft
        check Write spec | Publish
        toggle Write spec | 0
        edit-check Write spec | 1 | Publish on blog
        ",
        expect![[r#"
            # Launch
            ## To do [2/1 OVER]
            - Write spec #bug @alice @bob due:2026-12-01 [1/2]
                | ## Goals
                | Ship it
                [x] Draft
                [ ] Publish on blog
            - Review spec #bug
        "#]],
    );
}

/// A free-text assignee of an older board is kept until someone maps it to a member (one
/// step, undone as one) or removes it.
#[test]
fn a_free_text_assignee_is_mapped_to_a_member_in_one_undoable_step() {
    check(
        "
        column To do
        task To do | Write spec
        task To do | Review
        assign Write spec | Ana from sales
        assign Review | Bob
        reassign Write spec | Ana from sales | 0190a000-0000-7000-8000-00000000a0a0
        reassign Review | Bob | 0190a000-0000-7000-8000-00000000b0b0
        undo
        unassign Review | Bob
        reassign Write spec | 0190a000-0000-7000-8000-00000000a0a0 | 0190a000-0000-7000-8000-00000000a0a0
        reassign Write spec | Nobody |
        ",
        expect![[r#"
            ! reassign Write spec | Nobody |: invalid assignee: must not be empty
            # Demo
            ## To do
            - Write spec @0190a000-0000-7000-8000-00000000a0a0
            - Review
        "#]],
    );
}

#[test]
fn archive_delete_and_wip() {
    check(
        "
        column To do | wip 3
        column Old
        task To do | keep
        task To do | archived
        task To do | gone
        task Old | old task
        archive archived
        delete gone
        archive-column Old
        wip To do | none
        ",
        expect![[r#"
            # Demo
            ## To do
            - keep
            --- with archived
            # Demo
            ## To do
            - keep
            - archived (archived)
            ## Old (archived)
            - old task
        "#]],
    );
}

#[test]
fn delete_column_takes_its_tasks_and_undo_brings_them_back() {
    check(
        "
        column A
        column B
        task B | b1
        task B | b2
        delete-column B
        column C
        undo
        undo
        ",
        expect![[r#"
            # Demo
            ## A
            ## B
            - b1
            - b2
        "#]],
    );
}

#[test]
fn deleting_a_label_removes_it_from_tasks() {
    check(
        "
        column A
        task A | t
        label t | bug
        label t | ui
        delete-label bug
        ",
        expect![[r#"
            # Demo
            ## A
            - t #ui
        "#]],
    );
}

#[test]
fn bad_input_is_rejected_and_changes_nothing() {
    check(
        "
        column A
        column   
        task A |    
        task Nowhere | t
        task A | t
        due t | 2026-02-30
        due t | tomorrow
        move t | A | before t
        move t | Nowhere
        toggle t | 3
        ",
        expect![[r#"
            ! column: invalid column title: must not be empty
            ! task A |: invalid task title: must not be empty
            ! task Nowhere | t: no column Nowhere
            ! due t | 2026-02-30: invalid due date: no such day in that month
            ! due t | tomorrow: invalid due date: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS±HH:MM
            ! move t | A | before t: a task cannot be placed relative to itself
            ! move t | Nowhere: no column Nowhere
            ! toggle t | 3: task 018bcfe5-6801-7756-b8a5-946141470002 has no checklist item 3
            # Demo
            ## A
            - t
        "#]],
    );
}

#[test]
fn undo_and_redo_steps() {
    check(
        "
        column A
        task A | first
        title first | renamed
        move renamed | A | top
        undo
        undo
        redo
        ",
        expect![[r#"
            # Demo
            ## A
            - renamed
        "#]],
    );
}
