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

#[test]
fn search_finds_tasks_across_boards_with_their_board_and_column() {
    let ctl = Ctl::new();
    two_boards(&ctl);
    let results = ctl.json(&["search", "--json", "login"]);
    let hits = results["hits"].as_array().expect("hits");
    let found: Vec<(&str, &str, &str)> = hits
        .iter()
        .map(|h| {
            (
                h["title"].as_str().expect("title"),
                h["boardTitle"].as_str().expect("board"),
                h["columnTitle"].as_str().expect("column"),
            )
        })
        .collect();
    assert_eq!(found.len(), 2, "archived ones left out: {found:?}");
    assert!(found.contains(&("Fix login redirect", "Launch", "To do")));
    assert!(found.contains(&("Plan the login survey", "Launch", "Doing")));
    assert_eq!(
        hits[0]["titleParts"]
            .as_array()
            .expect("parts")
            .iter()
            .filter(|p| p["hit"] == true)
            .count(),
        1,
        "the matched word is marked: {}",
        hits[0]
    );

    // Words anywhere: description, checklist; the text form marks them.
    let text = ctl.ok(&["search", "blank"]);
    assert_eq!(
        text,
        "Fix login redirect  (Launch › To do) due:".to_owned()
            + &day(-1)
            + "\n    Users land on a [blank] page"
    );
    assert!(ctl
        .ok(&["search", "support"])
        .starts_with("Plan the login survey"));

    // Across boards, with the grammar, archived on request.
    let titles_of = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["search", "--json"];
        all.extend_from_slice(args);
        let mut titles: Vec<String> = ctl.json(&all)["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|h| h["title"].as_str().expect("title").to_owned())
            .collect();
        titles.sort();
        titles
    };
    assert_eq!(
        titles_of(&["@me"]),
        [
            "Fix login redirect",
            "Paint the fence",
            "Write release notes"
        ]
    );
    assert_eq!(
        titles_of(&["@me", "-label:bug", "fence"]),
        ["Paint the fence"]
    );
    assert_eq!(titles_of(&["--archived", "login"]).len(), 3);
    assert_eq!(titles_of(&["is:archived"]), ["Old login notes"]);

    // Edits show at once: renamed, deleted.
    ctl.ok(&["task", "edit", "home", "paint", "--title", "Fix the gate"]);
    assert_eq!(titles_of(&["fix"]), ["Fix login redirect", "Fix the gate"]);
    ctl.ok(&["task", "delete", "launch", "fix login"]);
    assert_eq!(titles_of(&["fix"]), ["Fix the gate"]);
    ctl.ok(&["board", "delete", "home"]);
    assert!(titles_of(&["fix"]).is_empty());

    let out = ctl.run(&["search", "lable:x", "notes"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `label:`?"));
}

#[test]
fn mine_lists_my_tasks_on_every_board_soonest_first() {
    let ctl = Ctl::new();
    two_boards(&ctl);
    let mine = ctl.json(&["mine", "--json"]);
    let rows: Vec<(&str, &str, &str, &str)> = mine
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| {
            (
                t["group"].as_str().expect("group"),
                t["title"].as_str().expect("title"),
                t["boardTitle"].as_str().expect("board"),
                t["columnTitle"].as_str().expect("column"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("overdue", "Fix login redirect", "Launch", "To do"),
            ("thisWeek", "Write release notes", "Launch", "To do"),
            ("noDate", "Paint the fence", "Home", "Later"),
        ]
    );
    let text = ctl.ok(&["mine"]);
    assert!(
        text.starts_with("## Overdue\n- Fix login redirect  (Launch › To do) due:"),
        "{text}"
    );
    assert!(
        text.contains("## No date\n- Paint the fence  (Home › Later)"),
        "{text}"
    );

    // Unassigned, archived or moved: the list follows.
    ctl.ok(&["task", "edit", "launch", "fix login", "--unassign", "me"]);
    ctl.ok(&["task", "archive", "home", "paint"]);
    ctl.ok(&["task", "move", "launch", "write release", "doing"]);
    let mine = ctl.json(&["mine", "--json"]);
    let rows: Vec<(&str, &str)> = mine
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| {
            (
                t["title"].as_str().expect("title"),
                t["columnTitle"].as_str().expect("column"),
            )
        })
        .collect();
    assert_eq!(rows, [("Write release notes", "Doing")]);
}

/// `mine` follows a teammate's reassignment that arrives through a real relay (stored by the
/// sync client, indexed in the same transaction).
#[test]
fn mine_stays_right_after_a_remote_reassignment_through_a_relay() {
    let database = test_support::postgres::TestDatabase::create();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let url = format!("ws://{}", crate::sync::start_relay(&runtime, &database.url));
    let ana = Ctl::new();
    let board = ana.ok(&["board", "create", "Launch"]);
    ana.ok(&["column", "add", &board, "Todo"]);
    let tomorrow = day(1);
    ana.ok(&[
        "task",
        "add",
        &board,
        "Todo",
        "Book the venue",
        "--due",
        &tomorrow,
    ]);
    ana.ok(&["task", "add", &board, "Todo", "Send invites"]);
    ana.ok(&["task", "edit", &board, "book", "--assign", "me"]);
    ana.ok(&["task", "edit", &board, "send", "--assign", "me"]);
    let mine = |ctl: &Ctl| -> Vec<String> {
        ctl.json(&["mine", "--json"])
            .as_array()
            .expect("tasks")
            .iter()
            .map(|t| t["title"].as_str().expect("title").to_owned())
            .collect()
    };
    assert_eq!(mine(&ana), ["Book the venue", "Send invites"]);
    let view = ana.json(&["board", "show", &board, "--json"]);
    let ana_id = view["columns"][0]["tasks"][0]["assignees"][0]
        .as_str()
        .expect("Ana's member id")
        .to_owned();
    ana.ok(&["sync", "--server", &url]);

    // Bo takes "Book the venue" over and renames "Send invites"; Ana syncs.
    let bo = Ctl::new();
    bo.ok(&["sync", "--server", &url, "--board", &board]);
    bo.ok(&[
        "task",
        "edit",
        &board,
        "book",
        "--unassign",
        &ana_id,
        "--assign",
        "me",
    ]);
    bo.ok(&[
        "task",
        "edit",
        &board,
        "send",
        "--title",
        "Send the invitations",
    ]);
    bo.ok(&["sync", "--server", &url]);
    assert_eq!(mine(&bo), ["Book the venue"]);
    ana.ok(&["sync", "--server", &url]);
    assert_eq!(mine(&ana), ["Send the invitations"]);
    let found = ana.json(&["search", "--json", "invitations"]);
    assert_eq!(found["hits"][0]["title"], "Send the invitations");
}
