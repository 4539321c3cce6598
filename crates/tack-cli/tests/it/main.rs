//! `tackctl` end to end through the built binary, each test with its own data directory.

mod attach;
mod backup;
mod search;
mod sync;
mod transfer;
mod views;

use std::process::{Command, Output};

mod account;

use board_model::{Board, ReplicaConfig};
use serde_json::Value;

struct Ctl {
    dir: tempfile::TempDir,
}

impl Ctl {
    fn new() -> Self {
        Self {
            dir: test_support::temp_data_dir(),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_in_zone(args, "UTC")
    }

    /// Runs with the computer's time zone set to `zone` (what typed dates are read against).
    fn run_in_zone(&self, args: &[&str], zone: &str) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tackctl"))
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(args)
            .env("TACK_USER", "tester")
            .env("TZ", zone)
            .output()
            .expect("run tackctl")
    }

    /// Runs a command that must succeed; returns trimmed stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tackctl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim_end()
            .to_owned()
    }

    /// Runs a command that must fail; returns stderr, checked to be one clear line.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "tackctl {args:?} should fail");
        assert!(out.stdout.is_empty(), "a failure prints nothing on stdout");
        let err = String::from_utf8(out.stderr).expect("utf-8");
        assert_eq!(err.lines().count(), 1, "one line on stderr: {err:?}");
        assert!(err.starts_with("tackctl: error: "), "{err}");
        err
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("json")
    }
}

fn titles(column: &Value) -> Vec<&str> {
    column["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["title"].as_str().expect("title"))
        .collect()
}

#[test]
fn a_due_is_typed_as_people_say_it_and_read_in_the_local_zone() {
    let ctl = Ctl::new();
    launch_board(&ctl);
    let due_of = |task: &str| -> Value {
        let view = ctl.json(&["board", "show", "launch", "--json"]);
        view["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .flat_map(|c| c["tasks"].as_array().expect("tasks").iter())
            .find(|t| t["title"] == task)
            .map(|t| t["due"].clone())
            .expect("the task")
    };
    ctl.ok(&[
        "task",
        "edit",
        "launch",
        "review",
        "--due",
        "2026-12-24 15:00",
    ]);
    assert_eq!(due_of("Review spec"), "2026-12-24T15:00:00+00:00");
    let paris = ctl.run_in_zone(
        &[
            "task",
            "edit",
            "launch",
            "review",
            "--due",
            "2026-12-24T15:00",
        ],
        "Europe/Paris",
    );
    assert!(paris.status.success(), "{paris:?}");
    assert_eq!(due_of("Review spec"), "2026-12-24T15:00:00+01:00");
    // Summer time moves the offset: 15:00 in July in Paris is 13:00 UTC.
    let summer = ctl.run_in_zone(
        &[
            "task",
            "edit",
            "launch",
            "review",
            "--due",
            "2027-07-01 15:00",
        ],
        "Europe/Paris",
    );
    assert!(summer.status.success(), "{summer:?}");
    assert_eq!(due_of("Review spec"), "2027-07-01T15:00:00+02:00");
    // Relative words need today's date: check the shape, not the day.
    ctl.ok(&[
        "task",
        "add",
        "launch",
        "doing",
        "Demo",
        "--due",
        "tomorrow 9am",
    ]);
    let demo = due_of("Demo");
    let demo = demo.as_str().expect("a due");
    assert!(
        demo.len() == 25 && demo.ends_with("T09:00:00+00:00"),
        "{demo}"
    );
    ctl.ok(&["task", "edit", "launch", "demo", "--due", "+3d"]);
    assert_eq!(due_of("Demo").as_str().map(str::len), Some(10));
    let err = ctl.fails(&["task", "edit", "launch", "demo", "--due", "someday"]);
    assert!(
        err.contains("did not understand \"someday\"") && err.contains("tomorrow"),
        "{err}"
    );
    ctl.ok(&["task", "edit", "launch", "demo", "--no-due"]);
    assert_eq!(due_of("Demo"), Value::Null);
}

/// A small board used by several tests: three columns, four tasks.
fn launch_board(ctl: &Ctl) -> String {
    let board = ctl.ok(&["board", "create", "Launch plan"]);
    ctl.ok(&["column", "add", "launch", "To do", "--wip", "3"]);
    ctl.ok(&["column", "add", "launch", "Doing"]);
    ctl.ok(&["column", "add", "launch", "Done"]);
    ctl.ok(&[
        "task",
        "add",
        "launch",
        "to do",
        "Write spec",
        "--description",
        "## Goals\nShip it",
        "--label",
        "docs",
        "--due",
        "2026-12-01",
    ]);
    ctl.ok(&["task", "add", "launch", "to do", "Review spec"]);
    ctl.ok(&["task", "add", "launch", "to do", "Book venue", "--top"]);
    ctl.ok(&[
        "task", "add", "launch", "doing", "Fix CI", "--label", "infra",
    ]);
    board
}

#[test]
fn tour_builds_a_board_and_shows_it_in_order_with_every_field() {
    let ctl = Ctl::new();
    let board = launch_board(&ctl);
    assert_eq!(board.len(), 36, "prints the new board's UUID: {board}");
    ctl.ok(&["task", "move", "launch", "fix ci", "done"]);
    ctl.ok(&["task", "move", "launch", "review", "doing"]);
    ctl.ok(&[
        "task", "move", "launch", "book", "to do", "--after", "write",
    ]);
    ctl.ok(&[
        "task",
        "edit",
        "launch",
        "write",
        "--assign",
        "me",
        "--title",
        "Write the spec",
    ]);
    ctl.ok(&["task", "checklist", "launch", "write", "add", "Outline"]);
    ctl.ok(&["task", "checklist", "launch", "write", "add", "Draft"]);
    ctl.ok(&["task", "checklist", "launch", "write", "toggle", "1"]);
    ctl.ok(&["column", "move", "launch", "done", "--before", "doing"]);

    let view = ctl.json(&["board", "show", "launch", "--json"]);
    assert_eq!(view["title"], "Launch plan");
    assert_eq!(view["id"], board);
    let columns = view["columns"].as_array().expect("columns");
    let names: Vec<&str> = columns
        .iter()
        .map(|c| c["title"].as_str().expect("title"))
        .collect();
    assert_eq!(names, ["To do", "Done", "Doing"]);
    assert_eq!(titles(&columns[0]), ["Write the spec", "Book venue"]);
    assert_eq!(titles(&columns[1]), ["Fix CI"]);
    assert_eq!(titles(&columns[2]), ["Review spec"]);
    assert_eq!(columns[0]["wip"], 3);

    let spec = &columns[0]["tasks"][0];
    assert_eq!(spec["description"], "## Goals\nShip it");
    assert_eq!(spec["due"], "2026-12-01");
    let me = spec["assignees"][0].as_str().expect("an assignee");
    assert_eq!(me.len(), 36, "my member id, not a name: {me}");
    assert_eq!(spec["createdBy"], "tester");
    assert_eq!(
        spec["checklist"],
        serde_json::json!([{"text": "Outline", "done": true}, {"text": "Draft", "done": false}])
    );
    let docs = view["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .find(|l| l["name"] == "docs")
        .expect("docs label");
    assert_eq!(spec["labels"], serde_json::json!([docs["id"]]));

    let text = ctl.ok(&["board", "show", "launch"]);
    assert!(
        text.starts_with(
            "# Launch plan\n## To do [2/3]\n- Write the spec #docs @tester due:2026-12-01 [1/2]"
        ),
        "{text}"
    );
}

#[test]
fn names_resolve_by_unambiguous_prefix_and_mistakes_fail_cleanly() {
    let ctl = Ctl::new();
    launch_board(&ctl);
    let before = ctl.ok(&["board", "show", "launch", "--json"]);

    let err = ctl.fails(&["task", "move", "launch", "write", "do"]);
    assert!(
        err.contains("column \"do\" is ambiguous") && err.contains("Doing") && err.contains("Done"),
        "{err}"
    );
    let err = ctl.fails(&["task", "move", "launch", "nothing", "done"]);
    assert!(err.contains("no task matches \"nothing\""), "{err}");
    let err = ctl.fails(&[
        "task",
        "add",
        "launch",
        "done",
        "Late",
        "--due",
        "2026-02-30",
    ]);
    assert!(err.contains("invalid due date"), "{err}");
    let err = ctl.fails(&["task", "add", "nope", "done", "x"]);
    assert!(err.contains("no board matches"), "{err}");
    let err = ctl.fails(&["task", "add", "launch", "done", "   "]);
    assert!(err.contains("must not be empty"), "{err}");
    let err = ctl.fails(&["task", "edit", "launch", "write"]);
    assert!(err.contains("nothing to change"), "{err}");
    let err = ctl.fails(&["task", "checklist", "launch", "write", "toggle", "4"]);
    assert!(err.contains("no checklist item"), "{err}");

    assert_eq!(
        ctl.ok(&["board", "show", "launch", "--json"]),
        before,
        "failed commands change nothing"
    );
    // Full ids and id prefixes work as well as titles.
    let view = ctl.json(&["board", "show", "launch", "--json"]);
    let fix = view["columns"][1]["tasks"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    ctl.ok(&[
        "task",
        "move",
        view["id"].as_str().expect("id"),
        &fix,
        "done",
    ]);
}

#[test]
fn undo_and_redo_work_across_invocations() {
    let ctl = Ctl::new();
    launch_board(&ctl);
    ctl.ok(&["task", "move", "launch", "fix", "done"]);
    ctl.ok(&["task", "delete", "launch", "review"]);
    let order = |ctl: &Ctl| -> Vec<Vec<String>> {
        let view = ctl.json(&["board", "show", "launch", "--json"]);
        view["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .map(|c| titles(c).into_iter().map(str::to_owned).collect())
            .collect()
    };
    assert_eq!(
        order(&ctl),
        [vec!["Book venue", "Write spec"], vec![], vec!["Fix CI"]]
    );
    ctl.ok(&["undo", "launch"]);
    assert_eq!(
        order(&ctl),
        [
            vec!["Book venue", "Write spec", "Review spec"],
            vec![],
            vec!["Fix CI"]
        ]
    );
    ctl.ok(&["undo", "launch"]);
    assert_eq!(
        order(&ctl),
        [
            vec!["Book venue", "Write spec", "Review spec"],
            vec!["Fix CI"],
            vec![]
        ]
    );
    ctl.ok(&["redo", "launch"]);
    assert_eq!(
        order(&ctl),
        [
            vec!["Book venue", "Write spec", "Review spec"],
            vec![],
            vec!["Fix CI"]
        ]
    );
    // Undo goes all the way back to the empty board, then says there is nothing left.
    for _ in 0..9 {
        ctl.ok(&["undo", "launch"]);
    }
    assert!(ctl.json(&["board", "show", "launch", "--json"])["columns"]
        .as_array()
        .expect("columns")
        .is_empty());
    let err = ctl.fails(&["undo", "launch"]);
    assert!(err.contains("nothing to undo"), "{err}");
}

#[test]
fn yjs_export_reads_back_in_rust_and_in_javascript() {
    let ctl = Ctl::new();
    let board = launch_board(&ctl);
    ctl.ok(&["task", "checklist", "launch", "write", "add", "Outline"]);
    let first = ctl.ok(&["comment", "add", "launch", "write", "Outline first"]);
    let gone = ctl.ok(&["comment", "add", "launch", "write", "typo"]);
    ctl.ok(&["comment", "delete", "launch", &gone]);
    let json = ctl.json(&["export", "launch", "--format", "json"]);
    let bytes = ctl.run(&["export", "launch", "--format", "yjs"]).stdout;
    assert!(bytes.len() > 100);

    let rust = Board::load(&board, [bytes.as_slice()], None, ReplicaConfig::default())
        .expect("yrs reads the export");
    assert_eq!(
        serde_json::to_value(rust.view_with(true)).expect("json"),
        json
    );

    let js: Value = serde_json::from_slice(&test_support::run_node("read-yjs-update.mjs", &bytes))
        .expect("node json");
    assert_eq!(js["title"], "Launch plan");
    assert_eq!(js["schema"], 1);
    for (js_column, column) in js["columns"]
        .as_array()
        .expect("js columns")
        .iter()
        .zip(json["columns"].as_array().expect("columns"))
    {
        assert_eq!(js_column["id"], column["id"]);
        assert_eq!(js_column["title"], column["title"]);
        assert_eq!(js_column["wip"], column["wip"]);
        let js_tasks = js_column["tasks"].as_array().expect("js tasks");
        let tasks = column["tasks"].as_array().expect("tasks");
        assert_eq!(js_tasks.len(), tasks.len());
        for (a, b) in js_tasks.iter().zip(tasks) {
            for field in [
                "id",
                "title",
                "description",
                "labels",
                "due",
                "checklist",
                "createdAt",
            ] {
                assert_eq!(
                    a[field], b[field],
                    "field {field} differs between yjs and Tack"
                );
            }
        }
    }
    assert_eq!(js["columns"].as_array().expect("columns").len(), 3);
    // A stock Yjs client reads the conversation as Tack wrote it.
    let listed = ctl.json(&["comment", "list", "launch", "write", "--json"]);
    let js_comments = js["comments"].as_array().expect("js comments");
    assert_eq!(
        js_comments.len(),
        1,
        "the deleted one is not shown: {js_comments:?}"
    );
    assert_eq!(js_comments[0]["id"], first.as_str());
    for field in ["task", "author", "body", "createdAt"] {
        assert_eq!(
            js_comments[0][field], listed[0][field],
            "comment field {field}"
        );
    }

    let md = ctl.ok(&["export", "launch", "--format", "md"]);
    assert!(md.starts_with("# Launch plan\n\n## To do (3 of 3)\n\n- **Book venue**\n- **Write spec** `docs` — due 2026-12-01\n  ## Goals\n  Ship it\n  - [ ] Outline"), "{md}");
}

#[test]
fn a_store_that_is_not_tacks_is_refused_and_left_alone() {
    let ctl = Ctl::new();
    let file = ctl.dir.path().join("tack.sqlite3");
    std::fs::write(
        &file,
        b"these are somebody's notes, not a database\n".repeat(200),
    )
    .expect("write");
    let before = std::fs::read(&file).expect("read");
    let err = ctl.fails(&["board", "list"]);
    assert!(
        err.contains("tack.sqlite3") && err.contains("not a Tack data file"),
        "{err}"
    );
    assert_eq!(std::fs::read(&file).expect("read"), before, "never reset");
}

#[test]
fn boards_live_in_the_data_dir_and_list_with_pending_counts() {
    let ctl = Ctl::new();
    let first = ctl.ok(&["board", "create", "First"]);
    let second = ctl.ok(&["board", "create", "Second"]);
    ctl.ok(&["column", "add", "second", "A"]);
    let list = ctl.json(&["board", "list", "--json"]);
    assert_eq!(list[0]["id"], first);
    assert_eq!(list[1]["id"], second);
    assert_eq!(
        list[1]["pendingChanges"], 2,
        "nothing synced yet: both local changes wait"
    );
    ctl.ok(&["board", "rename", "second", "Renamed"]);
    assert!(ctl
        .ok(&["board", "list"])
        .contains(&format!("{second}  Renamed")));
    ctl.ok(&["board", "delete", "first"]);
    assert_eq!(
        ctl.json(&["board", "list", "--json"])
            .as_array()
            .expect("list")
            .len(),
        1
    );
}

/// A shared board on which the relay made me a viewer (or ended my membership) is read-only
/// in `tackctl` too: the edit is refused before anything is stored, so it can never wait in
/// the outbox for a relay that will refuse it.
#[test]
fn a_viewer_s_edit_is_refused_before_it_is_stored() {
    let ctl = Ctl::new();
    let board = ctl.ok(&["board", "create", "Shared"]);
    ctl.ok(&["column", "add", "shared", "To do"]);
    let set_role = |role: &str| {
        let mut store = board_store::Store::open_in_dir(ctl.dir.path()).expect("open the store");
        store
            .set_board_server(&board, Some("http://127.0.0.1:8787"), Some(role))
            .expect("record the role");
    };
    let pending = || ctl.json(&["board", "list", "--json"])[0]["pendingChanges"].clone();
    assert_eq!(pending(), 2);

    set_role("viewer");
    let err = ctl.fails(&["task", "add", "shared", "to do", "Sneaky"]);
    assert!(
        err.contains("read-only") && err.contains("view it but not edit it"),
        "{err}"
    );
    assert_eq!(pending(), 2, "nothing was stored");
    let err = ctl.fails(&["undo", "shared"]);
    assert!(err.contains("read-only"), "{err}");

    set_role("removed");
    let err = ctl.fails(&["column", "add", "shared", "Doing"]);
    assert!(err.contains("your access to it ended"), "{err}");

    set_role("editor");
    ctl.ok(&["task", "add", "shared", "to do", "Allowed"]);
    assert_eq!(pending(), 3);
    let shown = ctl.ok(&["board", "show", "shared"]);
    assert!(
        shown.contains("Allowed") && !shown.contains("Sneaky"),
        "{shown}"
    );
}

#[test]
fn a_conversation_on_a_task_from_the_command_line() {
    let ctl = Ctl::new();
    launch_board(&ctl);
    let task = ctl.ok(&["task", "add", "launch", "To do", "Book the venue"]);
    let first = ctl.ok(&[
        "comment",
        "add",
        "launch",
        "Book the",
        "Two options: **A** or B",
    ]);
    let second = ctl.ok(&["comment", "add", "launch", &task, "Going with A"]);
    assert_ne!(first, second);

    let listed = ctl.json(&["comment", "list", "launch", "Book the", "--json"]);
    let rows = listed.as_array().expect("array");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["body"], "Two options: **A** or B");
    assert_eq!(rows[1]["body"], "Going with A");
    assert_eq!(
        rows[0]["authorName"], "tester",
        "my own comments carry my name"
    );
    assert_eq!(rows[0]["author"], rows[1]["author"], "one member id for me");
    assert_eq!(rows[0]["task"], task.as_str());

    ctl.ok(&[
        "comment",
        "edit",
        "launch",
        &first,
        "Two options: A or B (A is cheaper)",
    ]);
    ctl.ok(&["comment", "delete", "launch", &second]);
    let text = ctl.ok(&["comment", "list", "launch", "Book the"]);
    assert!(text.contains("tester"), "{text}");
    assert!(text.contains("(A is cheaper)"), "{text}");
    assert!(text.contains("(edited)"), "{text}");
    assert!(!text.contains("Going with A"), "{text}");

    // The card shows the count; the board's JSON has it.
    let board = ctl.json(&["board", "show", "launch", "--json"]);
    let card = board["columns"][0]["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["title"] == "Book the venue")
        .expect("card")
        .clone();
    assert_eq!(card["commentCount"], 1);

    // Bad input: one clear line, nothing stored.
    let err = ctl.fails(&["comment", "add", "launch", "Book the", "   "]);
    assert!(err.contains("comment"), "{err}");
    let err = ctl.fails(&["comment", "delete", "launch", "no-such-comment"]);
    assert!(err.contains("comment"), "{err}");
}

#[test]
fn a_comment_by_someone_else_cannot_be_changed_here() {
    let ctl = Ctl::new();
    launch_board(&ctl);
    let task = ctl.ok(&["task", "add", "launch", "To do", "Print flyers"]);
    // A teammate's comment arrives in the board's document (as sync would bring it).
    let id = {
        let store = board_store::Store::open_in_dir(ctl.dir.path()).expect("store");
        let board_id = store.list_boards().expect("boards")[0].id.clone();
        let mut store = store;
        let mut board =
            board_store::replica::open_board(&store, &board_id, ReplicaConfig::default())
                .expect("open");
        let id = board
            .add_comment(&task, "0190a000-0000-7000-8000-0000000000b2", "I'll do it")
            .expect("comment");
        board_store::replica::save_local_changes(&mut store, &mut board).expect("save");
        id
    };
    let err = ctl.fails(&["comment", "edit", "launch", &id, "No, I will"]);
    assert!(err.contains("someone else"), "{err}");
    let err = ctl.fails(&["comment", "delete", "launch", &id]);
    assert!(err.contains("someone else"), "{err}");
    let listed = ctl.json(&["comment", "list", "launch", &task, "--json"]);
    assert_eq!(listed[0]["body"], "I'll do it");
    assert_eq!(listed[0]["authorName"], "member 0190a000");
}

#[test]
fn a_trello_export_becomes_a_board_any_yjs_client_reads() {
    let ctl = Ctl::new();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../board-import/tests/fixtures/trello-launch.json"
    );
    let out = ctl.run(&["import", "trello", fixture]);
    assert!(out.status.success(), "{out:?}");
    let board = String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    assert_eq!(board.len(), 36, "prints the new board's id: {board}");
    let said = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        said.contains("imported 6 tasks in 5 columns, 4 labels, 3 comments")
            && said.contains("kept as names (no member matched them): Ana Lima, Old Colleague"),
        "{said}"
    );

    let view = ctl.json(&["board", "show", &board, "--json"]);
    assert_eq!(view["title"], "Lancement – été 🚀");
    let comments = ctl.json(&["comment", "list", &board, "write the press", "--json"]);
    let authors: Vec<&str> = comments
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| c["authorName"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(authors, ["Ana Lima (imported)", "bo (imported)"]);

    // The stock JavaScript yjs library reads it through the documented schema.
    let bytes = ctl.run(&["export", &board, "--format", "yjs"]).stdout;
    let js: Value = serde_json::from_slice(&test_support::run_node("read-yjs-update.mjs", &bytes))
        .expect("node json");
    assert_eq!(js["title"], "Lancement – été 🚀");
    let columns: Vec<&str> = js["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        columns,
        [
            "To do",
            "Doing",
            "Done",
            "Old ideas",
            "Cards without a list"
        ]
    );
    let todo = &js["columns"][0]["tasks"];
    assert_eq!(todo[0]["title"], "Book the venue");
    assert_eq!(todo[1]["title"], "Write the press release");
    assert_eq!(todo[1]["due"], "2026-12-05T15:00:00+00:00");
    assert_eq!(todo[1]["checklist"][0]["text"], "Before · First");
    assert_eq!(todo[1]["checklist"][0]["done"], true);
}

#[test]
fn a_bad_import_leaves_nothing_behind() {
    let ctl = Ctl::new();
    let dir = tempfile::tempdir().expect("a temp dir");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"lists":[{"id":"l","name":"L","pos":1}],"cards":[{"id":"c","name":"ok","idList":"l"},{"id":"d","name":7}]}"#,
    )
    .expect("write");
    let err = ctl.fails(&["import", "trello", bad.to_str().expect("utf-8 path")]);
    assert!(
        err.contains("cards[1].name: expected text, found a number"),
        "{err}"
    );
    assert_eq!(ctl.ok(&["board", "list"]), "", "no board was made");
}

#[test]
fn csv_goes_out_and_comes_back_with_the_same_tasks() {
    let ctl = Ctl::new();
    launch_board(&ctl);
    ctl.ok(&["task", "edit", "launch", "write", "--assign", "me"]);
    ctl.ok(&[
        "task",
        "checklist",
        "launch",
        "write",
        "add",
        "Outline, \"first\"",
    ]);
    ctl.ok(&["task", "checklist", "launch", "write", "toggle", "1"]);
    ctl.ok(&[
        "task",
        "edit",
        "launch",
        "review",
        "--description",
        "Line one\nline \"two\", with comma",
    ]);
    let csv = ctl.ok(&["export", "launch", "--format", "csv"]);
    assert!(csv.starts_with("title,column,description,labels,assignees,due,checklist,archived,created,updated,id\r\n"), "{csv}");
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("launch.csv");
    std::fs::write(&file, format!("{csv}\r\n")).expect("write");
    let copy = ctl.ok(&[
        "import",
        "csv",
        file.to_str().expect("utf-8 path"),
        "--board",
        "Copy of launch",
    ]);
    let again = ctl.ok(&["export", &copy, "--format", "csv"]);
    let fields = |text: &str| -> Vec<String> {
        // Every line but the times and ids at its end.
        text.split("\r\n")
            .map(|row| row.rsplitn(4, ',').last().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(fields(&again), fields(&csv));

    // Into the existing board: same columns, no new ones.
    let columns_before = ctl.json(&["board", "show", "launch", "--json"])["columns"]
        .as_array()
        .map(Vec::len);
    ctl.ok(&[
        "import",
        "csv",
        file.to_str().expect("utf-8 path"),
        "--board",
        "launch",
    ]);
    let view = ctl.json(&["board", "show", "launch", "--json"]);
    assert_eq!(view["columns"].as_array().map(Vec::len), columns_before);
    assert_eq!(
        view["columns"][0]["tasks"].as_array().map(Vec::len),
        Some(6)
    );
}

/// Assignees are members: `me` (the local profile on a board never shared), never free text;
/// an older board's free-text assignee is shown quoted and can be removed as it is shown.
#[test]
fn assignees_are_members_resolved_against_the_directory() {
    let ctl = Ctl::new();
    let board = ctl.ok(&["board", "create", "Plans"]);
    ctl.ok(&["column", "add", "plans", "Todo"]);
    let task = ctl.ok(&["task", "add", "plans", "todo", "Book the venue"]);
    let err = ctl.fails(&["task", "edit", "plans", "book", "--assign", "ana"]);
    assert!(
        err.contains("no member of this board matches \"ana\""),
        "{err}"
    );
    ctl.ok(&["task", "edit", "plans", "book", "--assign", "tester"]);
    let shown = ctl.ok(&["task", "show", "plans", "book"]);
    assert!(shown.contains("- Book the venue @tester"), "{shown}");

    // An older board wrote names: the string stays, shown quoted, and can be removed.
    let data = ctl.dir.path();
    {
        let mut store = board_store::Store::open_in_dir(data).expect("store");
        let config = ReplicaConfig {
            user: "old client".into(),
            sources: board_model::Sources::system(),
        };
        let mut b = board_store::replica::open_board(&store, &board, config).expect("open");
        b.set_task_assignee(&task, "Ana from sales", true)
            .expect("free text");
        board_store::replica::save_local_changes(&mut store, &mut b).expect("save");
    }
    let shown = ctl.ok(&["board", "show", "plans"]);
    assert!(
        shown.contains("@\"Ana from sales\"") && shown.contains("@tester"),
        "{shown}"
    );
    ctl.ok(&[
        "task",
        "edit",
        "plans",
        "book",
        "--unassign",
        "Ana from sales",
    ]);
    ctl.ok(&["task", "edit", "plans", "book", "--unassign", "me"]);
    let view = ctl.json(&["task", "show", "plans", "book", "--json"]);
    assert_eq!(view["assignees"], serde_json::json!([]));
}

#[test]
fn a_tasks_history_lists_every_change_and_restores_one_undoably() {
    let ctl = Ctl::new();
    launch_board(&ctl);
    ctl.ok(&[
        "task",
        "edit",
        "launch",
        "write",
        "--title",
        "Write the spec",
    ]);
    ctl.ok(&["task", "move", "launch", "write the spec", "doing"]);
    ctl.ok(&[
        "task",
        "checklist",
        "launch",
        "write the spec",
        "add",
        "outline",
    ]);
    ctl.ok(&[
        "comment",
        "add",
        "launch",
        "write the spec",
        "First draft is up",
    ]);

    let history = ctl.json(&["task", "history", "launch", "write the spec", "--json"]);
    let rows = history.as_array().expect("rows");
    let fields: Vec<&str> = rows.iter().map(|r| r["field"].as_str().unwrap()).collect();
    assert_eq!(
        fields,
        ["comment", "checklist", "column", "title", "created"],
        "{history:#}"
    );
    assert!(
        rows.iter().all(|r| r["synced"] == true),
        "a board never shared"
    );
    assert_eq!(rows[3]["value"], "Write the spec");
    assert_eq!(rows[4]["value"], "Write spec");
    assert_eq!(rows[0]["value"]["action"], "added");
    assert_eq!(rows[0]["authorName"], "tester");

    // Text: one line per change, newest first, with its id and readable values.
    let text = ctl.ok(&["task", "history", "launch", "write the spec"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        lines[2].contains("column") && lines[2].contains("\"Doing\""),
        "{text}"
    );
    assert!(lines[0].contains("tester") && lines[0].contains("added \"First draft is up\""));

    // Paging: the page after a change id.
    let first = ctl.json(&[
        "task", "history", "launch", "write", "--json", "--limit", "2",
    ]);
    let last_id = first[1]["id"].as_str().unwrap().to_owned();
    let rest = ctl.json(&[
        "task", "history", "launch", "write", "--json", "--before", &last_id,
    ]);
    assert_eq!(rest.as_array().unwrap().len(), 3);
    assert_eq!(rest[0]["field"], "column");

    // Restore an earlier title: one edit, listed as history, taken back by undo.
    ctl.ok(&[
        "task",
        "edit",
        "launch",
        "write the spec",
        "--title",
        "Final spec",
    ]);
    let titled = rows[3]["id"].as_str().unwrap().to_owned();
    ctl.ok(&["task", "restore", "launch", "final spec", &titled]);
    let task = ctl.json(&["task", "show", "launch", "write the spec", "--json"]);
    assert_eq!(task["title"], "Write the spec");
    let newest = ctl.json(&[
        "task",
        "history",
        "launch",
        "write the spec",
        "--json",
        "--limit",
        "1",
    ]);
    assert_eq!(newest[0]["field"], "title");
    assert_eq!(newest[0]["value"], "Write the spec");
    ctl.ok(&["undo", "launch"]);
    let task = ctl.json(&["task", "show", "launch", "final spec", "--json"]);
    assert_eq!(task["title"], "Final spec");
    ctl.ok(&["redo", "launch"]);

    // Restoring the column puts the task back where it was.
    let column = rows[2]["id"].as_str().unwrap().to_owned();
    ctl.ok(&["task", "move", "launch", "write the spec", "done"]);
    ctl.ok(&["task", "restore", "launch", "write the spec", &column]);
    let view = ctl.json(&["board", "show", "launch", "--json"]);
    assert!(
        titles(&view["columns"][1]).contains(&"Write the spec"),
        "{view:#}"
    );

    // Mistakes fail cleanly.
    let err = ctl.fails(&["task", "restore", "launch", "write the spec", "42"]);
    assert!(err.contains("not a change id"), "{err}");
    let comment = rows[0]["id"].as_str().unwrap().to_owned();
    let err = ctl.fails(&["task", "restore", "launch", "write the spec", &comment]);
    assert!(err.contains("cannot be restored"), "{err}");
    let created = rows[4]["id"].as_str().unwrap().to_owned();
    let err = ctl.fails(&["task", "restore", "launch", "write the spec", &created]);
    assert!(err.contains("cannot be restored"), "{err}");
    let other = ctl.fails(&["task", "restore", "launch", "fix ci", &titled]);
    assert!(other.contains("not a change of this task"), "{other}");
}

#[test]
fn a_reminder_is_set_before_a_due_follows_it_is_listed_and_removed() {
    let ctl = Ctl::new();
    launch_board(&ctl);
    ctl.ok(&[
        "task",
        "edit",
        "launch",
        "review",
        "--due",
        "2099-12-24 15:00",
    ]);
    assert_eq!(
        ctl.ok(&["remind", "launch", "review", "--before", "15m"]),
        "Reminder of \"Review spec\" 15m before due: fires 2099-12-24 14:45Z"
    );
    // The due moves: so does the reminder.
    ctl.ok(&[
        "task",
        "edit",
        "launch",
        "review",
        "--due",
        "2099-12-25 10:00",
    ]);
    let listed = ctl.json(&["reminders", "--json"]);
    assert_eq!(listed[0]["title"], "Review spec");
    assert_eq!(listed[0]["beforeMs"], 15 * 60_000);
    assert_eq!(listed[0]["due"], "2099-12-25T10:00:00+00:00");
    assert_eq!(
        listed[0]["fireAtMs"], 4_101_875_100_000i64,
        "2099-12-25T09:45Z"
    );
    assert!(ctl
        .ok(&["reminders"])
        .starts_with("fires 2099-12-25 09:45Z  \"Review spec\" on Launch plan  (15m before due)"));
    // At due by default; a fixed time on request.
    assert_eq!(
        ctl.ok(&["remind", "launch", "review"]),
        "Reminder of \"Review spec\" at due: fires 2099-12-25 10:00Z"
    );
    assert_eq!(
        ctl.ok(&["remind", "launch", "review", "--at", "2099-01-02 08:30"]),
        "Reminder of \"Review spec\" at 2099-01-02 08:30Z: fires 2099-01-02 08:30Z"
    );
    ctl.fails(&["remind", "launch", "review", "--before", "soon"]);
    assert_eq!(
        ctl.ok(&["remind", "launch", "review", "--off"]),
        "Reminder of \"Review spec\" removed"
    );
    assert_eq!(ctl.ok(&["reminders"]), "No reminders");
}
