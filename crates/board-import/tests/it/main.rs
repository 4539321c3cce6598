//! Imports as a person moving to Tack sees them: a realistic Trello export becomes the same
//! board, bad and hostile files are refused with a reason, and CSV goes out and comes back
//! with the same tasks in the same columns.

mod csv_round_trip;

use board_import::{build, trello, BuildOptions, ImportError, Person, Plan};
use board_model::{Board, ReplicaConfig};

const LAUNCH: &[u8] = include_bytes!("../fixtures/trello-launch.json");

fn plan() -> Plan {
    match trello::read(LAUNCH) {
        Ok(plan) => plan,
        Err(err) => panic!("the fixture must import: {err}"),
    }
}

fn fresh_board() -> Board {
    Board::create(
        "0193a000-0000-7000-8000-000000000001",
        "x",
        ReplicaConfig::default(),
    )
    .expect("a board")
}

#[test]
fn lists_and_cards_come_in_position_order_closed_ones_archived() {
    let plan = plan();
    assert_eq!(plan.title, "Lancement – été 🚀");
    let columns: Vec<(&str, bool)> = plan
        .columns
        .iter()
        .map(|c| (c.title.as_str(), c.archived))
        .collect();
    assert_eq!(
        columns,
        [
            ("To do", false),
            ("Doing", false),
            ("Done", false),
            ("Old ideas", true),
            ("Cards without a list", false)
        ]
    );
    let todo: Vec<(&str, bool)> = plan.columns[0]
        .tasks
        .iter()
        .map(|t| (t.title.as_str(), t.archived))
        .collect();
    assert_eq!(
        todo,
        [
            ("Book the venue", false),
            ("Write the press release", false),
            ("Café menu — ñandú, 日本語", true)
        ]
    );
    assert_eq!(plan.columns[3].tasks[0].title, "Rename the product");
    assert_eq!(plan.columns[4].tasks[0].title, "Stray card");
}

#[test]
fn every_field_of_a_card_is_carried() {
    let plan = plan();
    let labels: Vec<(&str, Option<&str>)> = plan
        .labels
        .iter()
        .map(|l| (l.name.as_str(), l.color.as_deref()))
        .collect();
    assert_eq!(
        labels,
        [
            ("Bug", Some("#f87168")),
            ("green", Some("#4bce97")),
            ("sky dark", Some("#407586")),
            ("Someday", Some("#8590a2"))
        ]
    );
    let press = &plan.columns[0].tasks[1];
    assert_eq!(press.labels, [0, 1]);
    assert_eq!(press.due.as_deref(), Some("2026-12-05T15:00:00+00:00"));
    let names: Vec<&str> = press.assignees.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Ana Lima", "bo"]);
    assert_eq!(
        press.checklist,
        [
            ("Before · First".to_owned(), true),
            ("Before · Second".to_owned(), false),
            ("After · Tweet it".to_owned(), false)
        ]
    );
    assert_eq!(
        press.description,
        "Draft in **Markdown**.\n\n- see [brief](https://example.com/brief)\n\n**Attachments**\n\
         - [Logo (final).png](https://trello.com/1/cards/card-3/attachments/att-1/download/logo.png)"
    );
    let comments: Vec<(&str, &str, i64)> = press
        .comments
        .iter()
        .map(|c| (c.author.name.as_str(), c.body.as_str(), c.created_at_ms))
        .collect();
    assert_eq!(
        comments,
        [
            ("Ana Lima", "First! Looks **good**", 1_795_944_600_000),
            ("bo", "Second comment, by bo", 1_796_032_800_000)
        ]
    );
    let venue = &plan.columns[0].tasks[0];
    assert_eq!(venue.checklist, [("Call them".to_owned(), true)]);
    assert_eq!(venue.comments[0].author.name, "Old Colleague");
    assert_eq!(
        plan.columns[2].tasks[0].assignees[0].name,
        "Trello member m-gone"
    );
}

#[test]
fn the_plan_becomes_a_board_with_people_matched_or_kept_as_names() {
    let plan = plan();
    let mut board = fresh_board();
    let me = "0193a000-0000-7000-8000-00000000aaaa";
    let report = build(
        &mut board,
        &plan,
        BuildOptions {
            importer: me,
            reuse_by_name: false,
        },
        |p: &Person| (p.handles.iter().any(|h| h == "analima")).then(|| me.to_owned()),
    )
    .expect("builds");
    assert_eq!(
        (report.columns, report.tasks, report.labels, report.comments),
        (5, 6, 4, 3)
    );
    assert_eq!(
        report.unmatched_people,
        ["Old Colleague", "Trello member m-gone", "bo"]
    );

    let view = board.view_with(true);
    let todo = &view.columns[0];
    assert_eq!(todo.title, "To do");
    let press = &todo.tasks[1];
    assert_eq!(press.title, "Write the press release");
    assert_eq!(press.assignees, {
        let mut a = vec![me.to_owned(), "bo".to_owned()];
        a.sort();
        a
    });
    assert_eq!(press.checklist.len(), 3);
    assert!(press.checklist[0].done && !press.checklist[1].done);
    assert_eq!(press.comment_count, 2);
    let comments = board.comments(&press.id);
    assert_eq!(comments[0].author, me);
    assert_eq!(
        comments[0].author_name, None,
        "Ana is me: her comment is mine"
    );
    assert_eq!(comments[1].author, me);
    assert_eq!(comments[1].author_name.as_deref(), Some("bo"));
    assert_eq!(comments[1].created_at, 1_796_032_800_000);
    assert!(todo.tasks[2].archived);
    assert!(view.columns[3].archived);
    assert_eq!(view.labels.len(), 4);
}

fn refusal(bytes: &[u8]) -> String {
    match trello::read(bytes) {
        Ok(_) => panic!(
            "{} should be refused",
            String::from_utf8_lossy(&bytes[..bytes.len().min(80)])
        ),
        Err(err) => err.to_string(),
    }
}

#[test]
fn malformed_files_are_refused_with_what_is_wrong() {
    assert!(refusal(b"not json").starts_with("not a Trello JSON file: expected ident at line 1"));
    assert!(refusal(b"[1,2]").contains("not a JSON object"));
    assert!(refusal(br#"{"name":"x"}"#).contains("no \"lists\" and \"cards\""));
    assert_eq!(
        refusal(br#"{"lists":[],"cards":[{"id":"c","name":5}]}"#),
        "cards[0].name: expected text, found a number"
    );
    assert_eq!(
        refusal(br#"{"lists":{},"cards":[]}"#),
        "lists: expected a list, found an object"
    );
    assert_eq!(
        refusal(br#"{"lists":[],"cards":[{"id":"c","name":"x","idLabels":["nope"]}]}"#),
        "cards[0].idLabels[0]: no label \"nope\" in the file's \"labels\""
    );
    assert!(
        refusal(br#"{"lists":[],"cards":[{"id":"c","name":"x","due":"friday"}]}"#)
            .starts_with("cards[0].due: invalid due date")
    );
    assert_eq!(
        refusal(br#"{"lists":[{"id":"l","pos":"top"}],"cards":[]}"#),
        "lists[0].pos: expected a number, found text"
    );
    assert_eq!(
        refusal(br#"{"lists":[],"cards":[],"checklists":[{"idCard":"c","checkItems":[{"name":"x","state":"maybe"}]}]}"#),
        "checklists[0].checkItems[0].state: expected \"complete\" or \"incomplete\", found \"maybe\""
    );
}

#[test]
fn hostile_files_are_refused_without_running_away() {
    // Deep nesting: an error, not a stack overflow.
    let deep = format!(
        "{{\"lists\":[],\"cards\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(refusal(deep.as_bytes()).contains("recursion limit"));
    // A huge string where text is expected.
    let huge = format!(
        "{{\"lists\":[],\"cards\":[{{\"id\":\"c\",\"name\":\"x\",\"desc\":\"{}\"}}]}}",
        "a".repeat(2 * 1024 * 1024)
    );
    assert_eq!(refusal(huge.as_bytes()), "cards[0].desc: longer than 1 MB");
    // Too many cards.
    let many = format!(
        "{{\"lists\":[],\"cards\":[{}]}}",
        vec!["{}"; board_import::MAX_TASKS + 1].join(",")
    );
    assert!(matches!(
        trello::read(many.as_bytes()),
        Err(ImportError::TooMany { what: "cards", .. })
    ));
}

#[test]
fn a_long_card_name_is_cut_for_the_title_and_kept_whole() {
    let name = "word ".repeat(400);
    let json = format!(
        "{{\"lists\":[{{\"id\":\"l\",\"name\":\"L\",\"pos\":1}}],\"cards\":[{{\"id\":\"c\",\"name\":\"{name}\",\"idList\":\"l\",\"pos\":1}}]}}"
    );
    let plan = trello::read(json.as_bytes()).expect("reads");
    let mut board = fresh_board();
    build(
        &mut board,
        &plan,
        BuildOptions {
            importer: "me",
            reuse_by_name: false,
        },
        |_: &Person| None,
    )
    .expect("builds");
    let task = &board.view().columns[0].tasks[0];
    assert!(task.title.len() <= 1024 && task.title.ends_with('…'));
    assert_eq!(task.description, name.trim());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Whatever the bytes, reading returns (a plan or an error) and never panics.
    #[test]
    fn any_bytes_are_read_or_refused(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
        let _ = trello::read(&bytes);
        let _ = board_import::csv::read(&bytes, "x");
    }

    /// Mutations of a real export are read or refused, never a panic.
    #[test]
    fn a_mangled_export_is_read_or_refused(cut in 0usize..LAUNCH.len(), byte in proptest::num::u8::ANY) {
        let mut bytes = LAUNCH.to_vec();
        bytes[cut] = byte;
        if let Ok(plan) = trello::read(&bytes) {
            let mut board = fresh_board();
            let _ = build(&mut board, &plan, BuildOptions { importer: "me", reuse_by_name: false }, |_: &Person| None);
        }
    }
}

/// The fuzz targets' seed corpus and any saved crasher (`fuzz/artifacts/`), replayed with
/// the targets' checks.
#[test]
fn the_fuzz_corpus_and_crashers_replay_without_panicking() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for (dir, target) in [
        ("corpus/trello", "trello"),
        ("corpus/csv", "csv"),
        ("artifacts/trello", "trello"),
        ("artifacts/csv", "csv"),
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let bytes = std::fs::read(entry.path()).expect("a corpus file");
            let plan = if target == "trello" {
                trello::read(&bytes).ok()
            } else {
                board_import::csv::read(&bytes, "f").ok()
            };
            if let Some(plan) = plan {
                let mut board = fresh_board();
                let options = BuildOptions {
                    importer: "me",
                    reuse_by_name: false,
                };
                let _ = build(&mut board, &plan, options, |_: &Person| None);
            }
            replayed += 1;
        }
    }
    assert!(replayed >= 3, "the seed corpus is there");
}
