//! `tackctl task copy|move --to-board`, `board duplicate`, templates: end to end.

use serde_json::Value;

use crate::{launch_board, titles, Ctl};

fn task<'a>(board: &'a Value, title: &str) -> &'a Value {
    board["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .flat_map(|c| c["tasks"].as_array().expect("tasks"))
        .find(|t| t["title"] == title)
        .unwrap_or_else(|| panic!("no task {title:?} in {board}"))
}

/// The fields a person sees, without identity, place and times.
fn fields(task: &Value, labels: &Value) -> Value {
    let names: Vec<&str> = task["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|id| {
            labels
                .as_array()
                .expect("catalogue")
                .iter()
                .find(|l| &l["id"] == id)
                .and_then(|l| l["name"].as_str())
                .expect("label")
        })
        .collect();
    serde_json::json!({
        "title": task["title"], "description": task["description"], "labels": names,
        "assignees": task["assignees"], "due": task["due"], "checklist": task["checklist"],
        "commentCount": task["commentCount"],
    })
}

#[test]
fn a_task_copied_and_moved_to_another_board_keeps_every_field() {
    let ctl = Ctl::new();
    launch_board(&ctl);
    ctl.ok(&[
        "task",
        "checklist",
        "launch",
        "write spec",
        "add",
        "Outline",
    ]);
    ctl.ok(&["task", "edit", "launch", "write spec", "--assign", "me"]);
    ctl.ok(&[
        "comment",
        "add",
        "launch",
        "write spec",
        "First draft is up",
    ]);
    ctl.ok(&["board", "create", "Ops"]);
    ctl.ok(&["column", "add", "ops", "Inbox"]);
    ctl.ok(&["column", "add", "ops", "To do"]);
    let before: Value = ctl.json(&["board", "show", "launch", "--json"]);
    let original = fields(task(&before, "Write spec"), &before["labels"]);

    // A copy lands in the column of the same title, with every field and its comment.
    let copy = ctl.ok(&["task", "copy", "launch", "write spec", "--to-board", "ops"]);
    let ops: Value = ctl.json(&["board", "show", "ops", "--json"]);
    assert_eq!(titles(&ops["columns"][1]), vec!["Write spec"]);
    assert_eq!(ops["columns"][1]["tasks"][0]["id"], copy.as_str());
    assert_eq!(fields(task(&ops, "Write spec"), &ops["labels"]), original);
    let launch: Value = ctl.json(&["board", "show", "launch", "--json"]);
    assert!(
        titles(&launch["columns"][0]).contains(&"Write spec"),
        "a copy keeps it"
    );
    let comments: Value = ctl.json(&["comment", "list", "ops", &copy, "--json"]);
    assert_eq!(comments[0]["body"], "First draft is up");

    // A move takes it off the first board, into the named column, and undo on each board
    // is that board's own.
    ctl.ok(&[
        "task",
        "move",
        "launch",
        "review spec",
        "inbox",
        "--to-board",
        "ops",
    ]);
    let launch: Value = ctl.json(&["board", "show", "launch", "--json"]);
    assert_eq!(
        titles(&launch["columns"][0]),
        vec!["Book venue", "Write spec"]
    );
    let ops: Value = ctl.json(&["board", "show", "ops", "--json"]);
    assert_eq!(titles(&ops["columns"][0]), vec!["Review spec"]);

    // A mistake names what is wrong and changes nothing.
    let err = ctl.fails(&[
        "task",
        "move",
        "launch",
        "fix ci",
        "nowhere",
        "--to-board",
        "ops",
    ]);
    assert!(err.contains("nowhere"), "{err}");
    let again: Value = ctl.json(&["board", "show", "launch", "--json"]);
    assert_eq!(again, launch);
}

#[test]
fn a_duplicate_lands_below_its_original_and_undo_takes_it_back() {
    let ctl = Ctl::new();
    launch_board(&ctl);
    let id = ctl.ok(&["task", "copy", "launch", "write spec"]);
    let board: Value = ctl.json(&["board", "show", "launch", "--json"]);
    assert_eq!(
        titles(&board["columns"][0]),
        vec!["Book venue", "Write spec", "Write spec", "Review spec"]
    );
    assert_eq!(board["columns"][0]["tasks"][2]["id"], id.as_str());
    let first = fields(&board["columns"][0]["tasks"][1], &board["labels"]);
    assert_eq!(
        fields(&board["columns"][0]["tasks"][2], &board["labels"]),
        first
    );
    ctl.ok(&["undo", "launch"]);
    let board: Value = ctl.json(&["board", "show", "launch", "--json"]);
    assert_eq!(
        titles(&board["columns"][0]),
        vec!["Book venue", "Write spec", "Review spec"]
    );
}

#[test]
fn a_board_is_duplicated_and_new_boards_start_from_templates() {
    let ctl = Ctl::new();
    let launch = launch_board(&ctl);
    let copy = ctl.ok(&["board", "duplicate", "launch"]);
    // Two boards start with "Launch plan" now: names must be whole or ids.
    let err = ctl.fails(&["board", "show", "launch"]);
    assert!(err.contains("ambiguous"), "{err}");
    let a: Value = ctl.json(&["board", "show", &launch, "--json", "--archived"]);
    let b: Value = ctl.json(&["board", "show", &copy, "--json", "--archived"]);
    assert_eq!(b["title"], "Launch plan (copy)");
    let outline = |v: &Value| -> Vec<(String, Vec<Value>)> {
        v["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .map(|c| {
                let tasks = c["tasks"]
                    .as_array()
                    .expect("tasks")
                    .iter()
                    .map(|t| fields(t, &v["labels"]))
                    .collect();
                (c["title"].as_str().unwrap_or_default().to_owned(), tasks)
            })
            .collect()
    };
    assert_eq!(outline(&a), outline(&b));

    let list: Value = ctl.json(&["template", "list", "--json"]);
    let names: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, vec!["Kanban", "Bug triage", "Sprint"]);
    let sprint = ctl.ok(&["board", "create", "Sprint 14", "--template", "sprint"]);
    let view: Value = ctl.json(&["board", "show", &sprint, "--json"]);
    let columns: Vec<&str> = view["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        columns,
        vec!["Sprint backlog", "In progress", "In review", "Done"]
    );

    ctl.ok(&["template", "save", &launch, "--name", "Launch flow"]);
    let next = ctl.ok(&[
        "board",
        "create",
        "Next launch",
        "--template",
        "launch flow",
    ]);
    let view: Value = ctl.json(&["board", "show", &next, "--json"]);
    assert_eq!(titles(&view["columns"][0]), titles(&a["columns"][0]));
    assert_eq!(
        task(&view, "Write spec")["due"],
        Value::Null,
        "no dates in a template"
    );
    let err = ctl.fails(&["template", "delete", "kanban"]);
    assert!(err.contains("built in"), "{err}");
    ctl.ok(&["template", "delete", "launch flow"]);
    let err = ctl.fails(&["board", "create", "X", "--template", "launch flow"]);
    assert!(err.contains("Kanban, Bug triage, Sprint"), "{err}");
}
