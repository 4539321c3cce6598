//! CSV out and back in: the same tasks in the same columns with the same fields, whatever the
//! fields hold (commas, quotes, line breaks, Unicode).

use std::collections::BTreeSet;

use board_import::{build, csv, BuildOptions, Person, Plan, PlanColumn, PlanLabel, PlanTask};
use board_model::{Board, ReplicaConfig};
use proptest::prelude::*;

/// A task as a person compares it: labels as a set of names.
type Row = (
    String,
    String,
    String,
    BTreeSet<String>,
    BTreeSet<String>,
    Option<String>,
    Vec<(String, bool)>,
    bool,
);

fn rows(plan: &Plan) -> Vec<Row> {
    let mut out = Vec::new();
    for column in &plan.columns {
        for task in &column.tasks {
            out.push((
                column.title.clone(),
                task.title.clone(),
                task.description.clone(),
                task.labels
                    .iter()
                    .map(|&i| plan.labels[i].name.clone())
                    .collect(),
                task.assignees.iter().map(|p| p.name.clone()).collect(),
                task.due.clone(),
                task.checklist.clone(),
                task.archived,
            ));
        }
    }
    out
}

fn board_of(plan: &Plan) -> Board {
    let mut board = Board::create(
        "0193a000-0000-7000-8000-0000000000cc",
        &plan.title,
        ReplicaConfig::default(),
    )
    .expect("a board");
    build(
        &mut board,
        plan,
        BuildOptions {
            importer: "me",
            reuse_by_name: false,
        },
        |_: &Person| None,
    )
    .expect("builds");
    board
}

fn export(board: &Board) -> String {
    csv::export(&board.view_with(true), str::to_owned)
}

/// Text with the characters CSV must quote, and some Unicode; trimmed and non-empty where
/// the board trims (titles, names, checklist items).
fn field() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ,\"'é日ñ;\\n\\r]{0,16}"
}

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9,\"'é日ñ;][a-zA-Z0-9 ,\"'é日ñ;]{0,8}[a-zA-Z0-9\"é]"
}

fn title() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9,\"'é日ñ;][a-zA-Z0-9 ,\"'é日ñ;\\n]{0,12}[a-zA-Z0-9\"é]"
}

fn due() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("2026-12-05".to_owned())),
        Just(Some("2026-12-05T15:00:00+01:00".to_owned())),
        Just(Some("2027-02-28T23:59:00-08:00".to_owned())),
    ]
}

fn plan() -> impl Strategy<Value = Plan> {
    let labels = proptest::collection::btree_set("[a-z][a-z0-9 ,\"]{0,6}[a-z0-9]", 0..5);
    let columns = proptest::collection::btree_set("[a-z][a-z0-9 ,\"é]{0,8}[a-z0-9]", 1..4);
    (labels, columns).prop_flat_map(|(labels, columns)| {
        let labels: Vec<String> = labels.into_iter().collect();
        let label_count = labels.len();
        let task = (
            title(),
            field(),
            proptest::collection::btree_set(0..label_count.max(1), 0..3),
            proptest::collection::btree_set(name(), 0..3),
            due(),
            proptest::collection::vec((name(), any::<bool>()), 0..3),
            any::<bool>(),
        )
            .prop_map(
                move |(title, description, labels, assignees, due, checklist, archived)| PlanTask {
                    title,
                    description,
                    labels: labels.into_iter().filter(|&i| i < label_count).collect(),
                    assignees: assignees
                        .into_iter()
                        .map(|name| Person {
                            name,
                            handles: Vec::new(),
                        })
                        .collect(),
                    due,
                    checklist,
                    archived,
                    comments: Vec::new(),
                },
            );
        let columns: Vec<String> = columns.into_iter().collect();
        let count = columns.len();
        (
            Just(labels),
            Just(columns),
            proptest::collection::vec(proptest::collection::vec(task, 1..4), count),
        )
            .prop_map(|(labels, columns, tasks)| Plan {
                title: "Round trip".into(),
                labels: labels
                    .into_iter()
                    .map(|name| PlanLabel { name, color: None })
                    .collect(),
                columns: columns
                    .into_iter()
                    .zip(tasks)
                    .map(|(title, tasks)| PlanColumn {
                        title,
                        archived: false,
                        tasks,
                    })
                    .collect(),
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn an_export_read_back_is_the_same_tasks_in_the_same_columns(plan in plan()) {
        let board = board_of(&plan);
        let first = export(&board);
        let read = csv::read(first.as_bytes(), "Round trip").expect("reads its own export");
        prop_assert_eq!(rows(&read), rows(&plan));
        // And once more through a board: the same file, but for the new ids and times.
        let second = export(&board_of(&read));
        let strip = |text: &str| -> Vec<Row> { rows(&csv::read(text.as_bytes(), "x").expect("reads")) };
        prop_assert_eq!(strip(&second), strip(&first));
    }
}

#[test]
fn a_forgiving_subset_and_an_existing_board() {
    let file = "Title,Column\r\nBuy milk,Errands\nCall mum,\n\nFix bike,errands\n";
    let plan = csv::read(file.as_bytes(), "Home").expect("reads");
    let columns: Vec<(&str, Vec<&str>)> = plan
        .columns
        .iter()
        .map(|c| {
            (
                c.title.as_str(),
                c.tasks.iter().map(|t| t.title.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        columns,
        [
            ("Errands", vec!["Buy milk", "Fix bike"]),
            ("Imported", vec!["Call mum"])
        ]
    );

    // Into a board that has an "errands" column and a "Urgent" label: both are reused.
    let mut board = Board::create(
        "0193a000-0000-7000-8000-0000000000dd",
        "Home",
        ReplicaConfig::default(),
    )
    .expect("a board");
    let errands = board
        .add_column("errands", None, board_model::Place::Bottom)
        .expect("a column");
    board.add_label("Urgent", None).expect("a label");
    let plan = csv::read(b"title,column,labels\nPay rent,Errands,urgent\n", "Home").expect("reads");
    let report = build(
        &mut board,
        &plan,
        BuildOptions {
            importer: "me",
            reuse_by_name: true,
        },
        |_: &Person| None,
    )
    .expect("builds");
    assert_eq!((report.columns, report.labels, report.tasks), (0, 0, 1));
    let view = board.view();
    assert_eq!(view.columns.len(), 1);
    assert_eq!(view.columns[0].id, errands);
    assert_eq!(view.labels.len(), 1);
    assert_eq!(view.columns[0].tasks[0].labels, [view.labels[0].id.clone()]);
}

#[test]
fn bad_rows_are_named() {
    let err = |text: &str| {
        csv::read(text.as_bytes(), "x")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert!(err("name,list\nx,y\n").contains("at least \"title\""));
    assert_eq!(
        err("title,due\nx,someday\n"),
        "row 2, due: invalid due date: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS±HH:MM"
    );
    assert_eq!(
        err("title,archived\nx,maybe\n"),
        "row 2, archived: expected true or false, found \"maybe\""
    );
    assert_eq!(err("title,column\n,y\n"), "row 2, title: empty");
    assert!(err("\u{0}\u{ff}").contains("the first line must name"));
    assert_eq!(
        csv::read(&[0xff, 0xfe], "x")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default(),
        "not a CSV file: not UTF-8 text (invalid utf-8 sequence of 1 bytes from index 0)"
    );
}
