//! Saved views from the command line: `view save|list|rename|delete` and
//! `board show --view NAME` (the view's filter and sort).

use crate::{titles, Ctl};

fn board(ctl: &Ctl) {
    ctl.ok(&["board", "create", "Launch"]);
    ctl.ok(&["column", "add", "launch", "To do"]);
    for (title, label, due) in [
        ("Write release notes", "docs", "2030-03-01"),
        ("Fix login redirect", "bug", "2030-01-15"),
        ("Crash on empty board", "bug", "2030-02-01"),
        ("Answer support mail", "docs", ""),
    ] {
        let mut args = vec!["task", "add", "launch", "to do", title, "--label", label];
        if !due.is_empty() {
            args.extend(["--due", due]);
        }
        ctl.ok(&args);
    }
}

fn shown(ctl: &Ctl, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["board", "show", "launch", "--json"];
    args.extend(extra);
    let view = ctl.json(&args);
    titles(&view["columns"][0])
        .into_iter()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_saved_view_is_listed_shown_with_its_filter_and_sort_renamed_and_deleted() {
    let ctl = Ctl::new();
    board(&ctl);
    let id = ctl.ok(&[
        "view",
        "save",
        "launch",
        "Bugs by due",
        "--filter",
        "label:bug",
        "--sort",
        "due",
    ]);
    let id = id.trim();
    ctl.ok(&[
        "view",
        "save",
        "launch",
        "By title",
        "--sort",
        "title",
        "--group-by",
        "label",
    ]);

    let listed = ctl.json(&["view", "list", "launch", "--json"]);
    let names: Vec<(&str, &str, &str)> = listed
        .as_array()
        .expect("views")
        .iter()
        .map(|v| {
            (
                v["name"].as_str().expect("name"),
                v["query"].as_str().expect("query"),
                v["sort"].as_str().expect("sort"),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("Bugs by due", "label:bug", "due"),
            ("By title", "", "title")
        ]
    );
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[1]["groupBy"], "label");

    assert_eq!(
        shown(&ctl, &["--view", "bugs by due"]),
        ["Fix login redirect", "Crash on empty board"]
    );
    assert_eq!(
        shown(&ctl, &["--view", "By title"]),
        [
            "Answer support mail",
            "Crash on empty board",
            "Fix login redirect",
            "Write release notes"
        ]
    );
    // --filter narrows the view further.
    assert_eq!(
        shown(&ctl, &["--view", "By title", "--filter", "label:docs"]),
        ["Answer support mail", "Write release notes"]
    );
    // Saving under an existing name replaces that view (same id).
    let again = ctl.ok(&[
        "view",
        "save",
        "launch",
        "BUGS BY DUE",
        "--filter",
        "label:bug crash",
    ]);
    assert_eq!(again.trim(), id);
    assert_eq!(shown(&ctl, &["--view", id]), ["Crash on empty board"]);

    ctl.ok(&["view", "rename", "launch", id, "Crashes"]);
    ctl.ok(&["view", "delete", "launch", "by title"]);
    let text = ctl.ok(&["view", "list", "launch"]);
    assert_eq!(
        text.trim(),
        format!("{id}  Crashes  [label:bug crash] sort rank")
    );

    let missing = ctl.fails(&["board", "show", "launch", "--view", "By title"]);
    assert!(missing.contains("no saved view \"By title\""), "{missing}");
    let bad = ctl.run(&["view", "save", "launch", "X", "--sort", "priority"]);
    assert!(!bad.status.success());
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(said.contains("priority"), "{said}");
}
