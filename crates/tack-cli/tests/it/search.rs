//! The filter grammar and the task index from the command line: `board show --filter`,
//! `search` and `mine`.

use crate::{titles, Ctl};

/// A due `days` from today, as stored (the tests run in UTC).
fn day(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// Two boards: Launch (mine and unassigned tasks) and Home.
fn two_boards(ctl: &Ctl) {
    ctl.ok(&["board", "create", "Launch"]);
    ctl.ok(&["column", "add", "launch", "To do"]);
    ctl.ok(&["column", "add", "launch", "Doing"]);
    let yesterday = day(-1);
    let in_three = day(3);
    ctl.ok(&[
        "task",
        "add",
        "launch",
        "to do",
        "Fix login redirect",
        "--label",
        "bug",
        "--due",
        &yesterday,
        "--description",
        "Users land on a blank page",
    ]);
    ctl.ok(&["task", "edit", "launch", "fix login", "--assign", "me"]);
    ctl.ok(&[
        "task",
        "add",
        "launch",
        "to do",
        "Write release notes",
        "--label",
        "docs",
        "--due",
        &in_three,
    ]);
    ctl.ok(&["task", "edit", "launch", "write release", "--assign", "me"]);
    ctl.ok(&["task", "add", "launch", "doing", "Plan the login survey"]);
    ctl.ok(&[
        "task",
        "checklist",
        "launch",
        "plan the",
        "add",
        "Ask support",
    ]);
    ctl.ok(&["board", "create", "Home"]);
    ctl.ok(&["column", "add", "home", "Later"]);
    ctl.ok(&["task", "add", "home", "later", "Paint the fence"]);
    ctl.ok(&["task", "edit", "home", "paint", "--assign", "me"]);
    ctl.ok(&["task", "add", "home", "later", "Old login notes"]);
    ctl.ok(&["task", "archive", "home", "old login"]);
}

#[test]
fn board_show_filters_with_the_grammar_and_explains_what_it_ignores() {
    let ctl = Ctl::new();
    two_boards(&ctl);
    let shown = |query: &str| -> Vec<Vec<String>> {
        let view = ctl.json(&["board", "show", "launch", "--json", "--filter", query]);
        view["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .map(|c| titles(c).into_iter().map(str::to_owned).collect())
            .collect()
    };
    assert_eq!(
        shown("login"),
        [vec!["Fix login redirect"], vec!["Plan the login survey"]]
    );
    assert_eq!(shown("label:bug"), [vec!["Fix login redirect"], vec![]]);
    assert_eq!(
        shown("-label:bug"),
        [vec!["Write release notes"], vec!["Plan the login survey"]]
    );
    assert_eq!(
        shown("@me is:overdue"),
        [vec!["Fix login redirect"], vec![]]
    );
    assert_eq!(
        shown("@me due:<7d -is:overdue"),
        [vec!["Write release notes"], vec![]]
    );
    assert_eq!(
        shown("is:unassigned has:checklist"),
        [vec![], vec!["Plan the login survey"]]
    );
    assert_eq!(
        shown("\"blank page\""),
        [vec!["Fix login redirect"], vec![]]
    );

    // A mistake is explained on stderr; the rest of the query still runs, exit status 0.
    let out = ctl.run(&["board", "show", "launch", "--filter", "lable:bug login"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        "tackctl: warning: ignored \"lable:bug\" in the query: unknown key `lable:` — did you mean `label:`?"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("- Fix login redirect") && text.contains("- Plan the login survey"));
    assert!(!text.contains("Write release notes"), "{text}");

    // Archived tasks only on request.
    let home = ctl.ok(&["board", "show", "home", "--filter", "login"]);
    assert!(!home.contains("Old login notes"), "{home}");
    let home = ctl.ok(&["board", "show", "home", "--filter", "login is:archived"]);
    assert!(home.contains("Old login notes (archived)"), "{home}");
}
