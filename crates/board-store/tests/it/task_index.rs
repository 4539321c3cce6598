//! The task index against a brute-force scan: after random local edits (saved as the app
//! saves them), remote updates (stored as the sync client stores them, from a mirror replica
//! that may lag), deletes, archive and unarchive, updates stored without indexing (a crash
//! between store and index, or an older path), member changes and board deletion, a board
//! whose index says it is fresh has exactly the rows a scan of its stored document gives, and
//! after `refresh_index` every board is fresh. Search answers what the grammar answers on the
//! scanned rows. `SLOW_TESTS=1` runs many more cases; `INDEX_SEED=n` replays one.

use std::collections::BTreeSet;

use board_model::query::{self, MatchContext};
use board_model::{Board, NewTask, Place, ReplicaConfig, Sources};
use board_store::{
    replica, IndexDelta, MemberRecord, SearchOptions, Store, TaskMatches, UpdateOrigin,
};
use chrono::{DateTime, FixedOffset};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const BOARD: &str = "0190f0f0-0000-7000-8000-000000000001";
const OTHER: &str = "0190f0f0-0000-7000-8000-000000000002";
const ME: &str = "u-me";
const ANA: &str = "u-ana";
const WORDS: [&str; 8] = [
    "alpha", "beta", "gamma", "login", "fix", "release", "notes", "fence",
];

fn config(seed: u64, user: &str) -> ReplicaConfig {
    ReplicaConfig {
        user: user.to_owned(),
        sources: Sources::seeded(seed, 1_760_000_000_000),
    }
}

fn phrase(rng: &mut StdRng) -> String {
    let n = rng.random_range(1..4);
    (0..n)
        .map(|_| WORDS[rng.random_range(0..WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

/// One random edit of `board`; `false` when there was nothing to do.
fn random_edit(board: &mut Board, rng: &mut StdRng, author: &str) -> bool {
    let columns: Vec<String> = board.columns().into_iter().map(|c| c.id).collect();
    let labels: Vec<String> = board.labels().into_iter().map(|l| l.id).collect();
    let tasks = board.task_ids();
    let pick = |rng: &mut StdRng, items: &[String]| items[rng.random_range(0..items.len())].clone();
    let choice = rng.random_range(0..14);
    if tasks.is_empty() || choice == 0 {
        let column = pick(rng, &columns);
        let title = phrase(rng);
        return board
            .add_task(&column, &title, Place::Bottom, NewTask::default())
            .is_ok();
    }
    let task = pick(rng, &tasks);
    let done = match choice {
        1 => board.set_task_title(&task, &phrase(rng)),
        2 => board.set_description(&task, &phrase(rng)),
        3 => board.set_task_label(&task, &pick(rng, &labels), rng.random_bool(0.6)),
        4 => {
            let who = if rng.random_bool(0.5) { ME } else { ANA };
            board.set_task_assignee(&task, who, rng.random_bool(0.7))
        }
        5 => {
            let due =
                ["2026-12-01", "2026-12-05T15:00:00+01:00", "2027-01-10"][rng.random_range(0..3)];
            board.set_due(&task, rng.random_bool(0.8).then_some(due))
        }
        6 => board.add_checklist_item(&task, &phrase(rng)).map(|_| ()),
        7 => board.set_task_archived(&task, rng.random_bool(0.5)),
        8 => board.delete_task(&task),
        9 => board.add_comment(&task, author, &phrase(rng)).map(|_| ()),
        10 => board.rename_column(&pick(rng, &columns), &phrase(rng)),
        11 => board
            .update_label(&pick(rng, &labels), Some(&phrase(rng)), None)
            .or(Ok(())),
        12 => {
            let column = pick(rng, &columns);
            board.move_task(&task, &column, Place::Top)
        }
        _ => board.set_task_title(&task, &phrase(rng)),
    };
    done.is_ok()
}

/// Checks a board whose index says it is fresh; returns whether it was.
fn assert_fresh_rows_are_right(store: &Store, board: &str, context: &str) -> bool {
    let fresh = store.index_is_fresh(board).expect("fresh?");
    if fresh {
        let indexed = store.index_rows(board).expect("rows");
        let scanned = store.scan_rows(board).expect("scan");
        assert_eq!(
            indexed, scanned,
            "{context}: a fresh index differs from a scan"
        );
    }
    fresh
}

/// The reader's clock and offset in these tests (`is:overdue`, `due:`).
/// The directory names Ana (an editor of BOARD) by `email`.
fn name_ana(store: &mut Store, email: &str) {
    store
        .cache_members(
            BOARD,
            &[MemberRecord {
                user_id: ANA.to_owned(),
                email: email.to_owned(),
                role: "editor".to_owned(),
            }],
        )
        .expect("members");
}

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-12-05T10:00:00+01:00").expect("now")
}

/// Search through the index finds what the grammar finds on the scanned rows.
fn assert_search_matches_a_scan(store: &mut Store, context: &str) {
    let now = now();
    for text in [
        "alpha",
        "fix login",
        "\"release notes\"",
        "-beta",
        "label:red",
        "@me",
        "@ana -@me",
        "is:overdue",
        "notes is:archived",
        "has:checklist gamma",
        "due:<7d",
        "is:unassigned -label:blue",
    ] {
        let options = SearchOptions {
            include_archived: false,
            limit: 10_000,
            now,
            me: Some(ME.to_owned()),
        };
        let found: BTreeSet<(String, String)> = store
            .search(text, &options)
            .expect("search")
            .hits
            .into_iter()
            .map(|hit| (hit.board_id, hit.task_id))
            .collect();
        let mut expected = BTreeSet::new();
        for board in store.list_boards().expect("boards") {
            expected.extend(scanned_matches(store, &board.id, text));
        }
        assert_eq!(found, expected, "{context}: search {text:?}");
        // A board's filter (the app's `/`) finds the same tasks of that board.
        for board in store.list_boards().expect("boards") {
            assert_filter_finds(store, &board.id, text, &expected, context);
        }
    }
}

/// Queries a board's filter is asked in the property test at any step (what it kept of the
/// last answer must never stand in for a board that changed since).
const FILTERS: [&str; 5] = [
    "alpha",
    "fix lo",
    "-beta label:red",
    "@me",
    "notes is:archived",
];

/// `store.filter_board` of `board` finds exactly the tasks of `expected` on that board.
fn assert_filter_finds(
    store: &mut Store,
    board: &str,
    text: &str,
    expected: &BTreeSet<(String, String)>,
    context: &str,
) {
    let now = now();
    let filter = store
        .filter_board(board, text, now, Some(ME))
        .expect("filter");
    assert!(filter.narrows && filter.errors.is_empty(), "{text:?}");
    let rows = store.scan_rows(board).expect("scan");
    let shown: BTreeSet<(String, String)> = filter
        .tasks
        .among(rows.iter().map(|row| row.task_id.as_str()))
        .into_iter()
        .map(|task| (board.to_owned(), task.to_owned()))
        .collect();
    let on_board: BTreeSet<(String, String)> = expected
        .iter()
        .filter(|(b, _)| *b == board)
        .cloned()
        .collect();
    assert_eq!(shown, on_board, "{context}: filter {text:?} of {board}");
}

/// What the grammar finds on a scan of `board`'s stored document.
fn scanned_matches(store: &Store, board: &str, text: &str) -> BTreeSet<(String, String)> {
    let now = now();
    let parsed = query::parse(text);
    let names_of = |id: &str| {
        if id == ANA {
            vec!["ana".to_owned(), "ana@example.com".to_owned()]
        } else {
            Vec::new()
        }
    };
    let context = MatchContext {
        now,
        me: Some(ME),
        names_of: &names_of,
        text_matched: false,
    };
    store
        .scan_rows(board)
        .expect("scan")
        .into_iter()
        .filter(|row| {
            (!row.facts.archived || parsed.query.wants_archived())
                && parsed.query.matches(&row.facts, &context)
        })
        .map(|row| (board.to_owned(), row.task_id))
        .collect()
}

fn run_case(seed: u64, steps: usize) {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open_in_dir(dir.path()).expect("store");
    let mut rng = StdRng::seed_from_u64(seed);
    let context = |step: usize| format!("seed {seed} step {step} (INDEX_SEED={seed})");

    // My replica (the app's open board), a teammate's, and the sync client's mirror.
    let mut mine =
        replica::create_board(&mut store, BOARD, "Launch", config(seed, ME)).expect("create");
    mine.add_column("To do", None, Place::Bottom)
        .expect("column");
    mine.add_column("Done", None, Place::Bottom)
        .expect("column");
    mine.add_label("red", Some("#e5484d")).expect("label");
    mine.add_label("blue", Some("#0090ff")).expect("label");
    replica::save_local_changes(&mut store, &mut mine).expect("save");
    name_ana(&mut store, "ana@example.com");
    let state = mine.encode_state();
    let mut teammate =
        Board::load(BOARD, [state.as_slice()], None, config(seed + 1, ANA)).expect("teammate");
    let mut mirror =
        Board::load(BOARD, [state.as_slice()], None, config(seed + 2, ME)).expect("mirror");
    // Updates on their way: to my replica (it applies remote updates after they are stored)
    // and to the teammate.
    let mut to_mine: Vec<Vec<u8>> = Vec::new();
    let mut to_teammate: Vec<Vec<u8>> = Vec::new();
    let mut to_mirror: Vec<Vec<u8>> = Vec::new();
    let mut other_exists = false;
    let mut fresh_steps = 0;

    for step in 0..steps {
        match rng.random_range(0..11) {
            0..=3 => {
                if random_edit(&mut mine, &mut rng, ME) {
                    replica::save_local_changes(&mut store, &mut mine).expect("save");
                    let local = mine.encode_state();
                    to_teammate.push(local.clone());
                    to_mirror.push(local);
                    if rng.random_bool(0.8) {
                        // Usually the sync client reads the outbox at once.
                        for update in to_mirror.drain(..) {
                            mirror.apply_remote_update(&update).expect("mirror applies");
                        }
                    }
                }
            }
            4..=6 => {
                if random_edit(&mut teammate, &mut rng, ANA) {
                    let updates = teammate.take_local_updates();
                    for update in updates {
                        if mirror.apply_remote_update(&update).is_err() {
                            // It builds on my edits the teammate saw first: the mirror
                            // catches up with my outbox (as the relay's Step1/Step2 would).
                            for mine_update in to_mirror.drain(..) {
                                mirror
                                    .apply_remote_update(&mine_update)
                                    .expect("mirror applies");
                            }
                            mirror.apply_remote_update(&update).expect("mirror applies");
                        }
                        if rng.random_bool(0.1) {
                            // Stored, then a crash before the index (or a path that does
                            // not index): the board must read as stale.
                            store
                                .append_update(BOARD, UpdateOrigin::Remote, &update)
                                .expect("store");
                            mirror.take_index_changes();
                        } else {
                            let delta = IndexDelta::of_changes(&mut mirror);
                            store
                                .append_update_indexed(BOARD, UpdateOrigin::Remote, &update, &delta)
                                .expect("store");
                        }
                        to_mine.push(update);
                        if rng.random_bool(0.8) {
                            // Usually the app applies a stored remote update at once.
                            for update in to_mine.drain(..) {
                                mine.apply_remote_update(&update).expect("mine applies");
                            }
                        }
                    }
                }
            }
            7 => {
                // My replica catches up with what was stored from the relay.
                for update in to_mine.drain(..) {
                    mine.apply_remote_update(&update).expect("mine applies");
                }
                for update in to_teammate.drain(..) {
                    let _ = teammate.apply_remote_update(&update);
                }
            }
            8 => {
                // The mirror picks up my outbox (it applies, never stores, local updates).
                for update in to_mirror.drain(..) {
                    mirror.apply_remote_update(&update).expect("mirror applies");
                }
            }
            9 => {
                // Someone searches: stale boards are rebuilt from the store.
                store.refresh_index().expect("refresh");
            }
            _ => {
                if other_exists {
                    store.delete_board(OTHER).expect("delete");
                    assert!(store.index_rows(OTHER).expect("rows").is_empty());
                    other_exists = false;
                } else {
                    let mut other =
                        replica::create_board(&mut store, OTHER, "Home", config(seed + 3, ME))
                            .expect("other");
                    let column = other.add_column("Later", None, Place::Bottom).expect("col");
                    other
                        .add_task(
                            &column,
                            "paint the fence",
                            Place::Bottom,
                            NewTask::default(),
                        )
                        .expect("task");
                    replica::save_local_changes(&mut store, &mut other).expect("save");
                    other_exists = true;
                }
            }
        }
        if assert_fresh_rows_are_right(&store, BOARD, &context(step)) {
            fresh_steps += 1;
        }
        if rng.random_bool(0.3) {
            // Someone filters the board (twice: the second answer may be the kept one).
            let text = FILTERS[rng.random_range(0..FILTERS.len())];
            let expected = scanned_matches(&store, BOARD, text);
            for _ in 0..2 {
                assert_filter_finds(&mut store, BOARD, text, &expected, &context(step));
            }
        }
        if other_exists {
            assert_fresh_rows_are_right(&store, OTHER, &context(step));
        }
    }
    // Many steps find the index fresh: the check above bites.
    assert!(
        fresh_steps * 4 >= steps,
        "{}: only {fresh_steps} of {steps} steps found the index fresh",
        context(steps)
    );
    store.refresh_index().expect("refresh");
    assert!(
        store.index_is_fresh(BOARD).expect("fresh"),
        "{}",
        context(steps)
    );
    assert_fresh_rows_are_right(&store, BOARD, &context(steps));
    assert_search_matches_a_scan(&mut store, &context(steps));
}

#[test]
fn the_index_equals_a_scan_of_the_stored_boards() {
    if let Some(seed) = std::env::var("INDEX_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        run_case(seed, 200);
        return;
    }
    let (cases, steps) = if std::env::var_os("SLOW_TESTS").is_some() {
        (300, 200)
    } else {
        (12, 60)
    };
    for seed in 0..cases {
        run_case(seed, steps);
    }
}

/// A store in a directory of its own, with the board "Launch" (written by [`config`]`(seed)`)
/// and its "To do" column; the directory lives as long as the first value.
fn launch_board(seed: u64) -> (tempfile::TempDir, Store, Board, String) {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open_in_dir(dir.path()).expect("store");
    let mut board =
        replica::create_board(&mut store, BOARD, "Launch", config(seed, ME)).expect("create");
    let column = board
        .add_column("To do", None, Place::Bottom)
        .expect("column");
    (dir, store, board, column)
}

/// The titles and ranks `store.search` answers for `text` (as me, now, archived left out).
fn titles_and_ranks(store: &mut Store, text: &str, limit: usize) -> Vec<(String, f64)> {
    let options = SearchOptions {
        include_archived: false,
        limit,
        now: now(),
        me: Some(ME.to_owned()),
    };
    store
        .search(text, &options)
        .expect("search")
        .hits
        .into_iter()
        .map(|hit| (hit.title, hit.rank))
        .collect()
}

#[test]
fn a_store_without_an_index_rebuilds_it_and_deleting_a_board_drops_its_text() {
    let (dir, mut store, mut board, column) = launch_board(7);
    board
        .add_task(
            &column,
            "Fix login redirect",
            Place::Bottom,
            NewTask::default(),
        )
        .expect("task");
    replica::save_local_changes(&mut store, &mut board).expect("save");
    let now = now();
    let options = SearchOptions {
        include_archived: false,
        limit: 10,
        now,
        me: None,
    };
    let hits = store.search("logi", &options).expect("search").hits;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].title, "Fix login redirect");
    assert_eq!(hits[0].column_title, "To do");
    assert_eq!(hits[0].board_title, "Launch");
    let marked: Vec<(&str, bool)> = hits[0]
        .title_parts
        .iter()
        .map(|p| (p.text.as_str(), p.hit))
        .collect();
    assert_eq!(
        marked,
        [("Fix ", false), ("login", true), (" redirect", false)]
    );

    // A store whose index was lost (or that was migrated from before it) rebuilds it.
    drop(store);
    {
        let conn =
            rusqlite::Connection::open(dir.path().join(board_store::DB_FILE_NAME)).expect("open");
        conn.execute_batch("DELETE FROM task_index; DELETE FROM task_index_boards;")
            .expect("forget the index");
        let text_rows: i64 = conn
            .query_row("SELECT count(*) FROM task_search", [], |r| r.get(0))
            .expect("count");
        assert_eq!(text_rows, 0, "the text goes with its rows");
    }
    let mut store = Store::open_in_dir(dir.path()).expect("store");
    assert!(!store.index_is_fresh(BOARD).expect("fresh?"));
    assert_eq!(
        store.search("login", &options).expect("search").hits.len(),
        1
    );
    assert!(store.index_is_fresh(BOARD).expect("fresh?"));

    store.delete_board(BOARD).expect("delete");
    assert!(store
        .search("login", &options)
        .expect("search")
        .hits
        .is_empty());
    drop(store);
    let conn =
        rusqlite::Connection::open(dir.path().join(board_store::DB_FILE_NAME)).expect("open");
    let text_rows: i64 = conn
        .query_row("SELECT count(*) FROM task_search", [], |r| r.get(0))
        .expect("count");
    assert_eq!(text_rows, 0, "deleting a board deletes its full text");
}

/// FTS5 ranks the matches; past the limit the store reads on while scores tie, so a limited
/// answer is the start of the whole one and equal scores go to the latest edit. `@me` without
/// words reads only my tasks, latest edit first.
#[test]
fn a_limited_search_is_the_start_of_the_whole_answer_and_ties_go_to_the_latest_edit() {
    let (_dir, mut store, mut board, column) = launch_board(11);
    // Forty tasks of one shape (one bm25 score for "login"), three that score better.
    let ids: Vec<String> = (0..40)
        .map(|i| {
            let title = format!("Fix login {i:02}");
            board
                .add_task(&column, &title, Place::Bottom, NewTask::default())
                .expect("task")
        })
        .collect();
    for i in 0..3 {
        let title = format!("Login login {i}");
        board
            .add_task(&column, &title, Place::Bottom, NewTask::default())
            .expect("task");
    }
    // Mine score otherwise (my id is in their people text).
    for i in (1..40).step_by(4) {
        board.set_task_assignee(&ids[i], ME, true).expect("assign");
    }
    // A few of the first tasks edited last, keeping their shape.
    for i in [3, 0, 7, 5] {
        board
            .set_task_title(&ids[i], &format!("Fix login x{i}"))
            .expect("title");
    }
    replica::save_local_changes(&mut store, &mut board).expect("save");

    let mut search = |text: &str, limit: usize| titles_and_ranks(&mut store, text, limit);
    let whole = search("login", 10_000);
    assert_eq!(whole.len(), 43);
    assert!(whole.windows(2).all(|w| w[0].1 <= w[1].1), "best first");
    let titles: Vec<&str> = whole.iter().take(6).map(|(t, _)| t.as_str()).collect();
    assert!(titles[..3].iter().all(|t| t.starts_with("Login login")));
    assert_eq!(
        titles[3..],
        ["Fix login x7", "Fix login x0", "Fix login x3"],
        "equal scores: the latest edit first"
    );
    for limit in [1, 3, 4, 5, 6, 10, 42, 43] {
        assert_eq!(search("login", limit), whole[..limit], "limit {limit}");
    }

    let mine = search("@me", 10_000);
    assert_eq!(mine.len(), 10);
    assert_eq!(mine[0].0, "Fix login x5", "my latest edit first");
    assert!(mine.iter().all(|(_, rank)| *rank == 0.0));
    for limit in [1, 2, 9] {
        assert_eq!(search("@me", limit), mine[..limit], "@me limit {limit}");
    }
    assert_eq!(search("@me -x5", 10_000), mine[1..], "a negated word");
}

#[test]
fn a_board_filter_asked_again_sees_every_change_made_since_by_this_store_another_or_the_directory()
{
    let (dir, mut store, mut board, column) = launch_board(21);
    let first = board
        .add_task(&column, "Fix login", Place::Bottom, NewTask::default())
        .expect("task");
    board.set_task_assignee(&first, ANA, true).expect("assign");
    replica::save_local_changes(&mut store, &mut board).expect("save");
    name_ana(&mut store, "ana@example.com");
    let now = now();
    let filter = |store: &mut Store, text: &str| -> BTreeSet<String> {
        let rows = store.scan_rows(BOARD).expect("scan");
        let filter = store
            .filter_board(BOARD, text, now, Some(ME))
            .expect("filter");
        let ids = rows.iter().map(|row| row.task_id.as_str());
        filter
            .tasks
            .among(ids)
            .into_iter()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(filter(&mut store, "login"), BTreeSet::from([first.clone()]));
    assert_eq!(filter(&mut store, "login"), BTreeSet::from([first.clone()]));
    assert_eq!(filter(&mut store, "ana"), BTreeSet::from([first.clone()]));

    // An edit stored by this store: the same query finds the new task.
    let second = board
        .add_task(&column, "Login page", Place::Bottom, NewTask::default())
        .expect("task");
    replica::save_local_changes(&mut store, &mut board).expect("save");
    assert_eq!(
        filter(&mut store, "login"),
        BTreeSet::from([first.clone(), second.clone()])
    );

    // An edit stored by another connection to the same file (`tackctl` while the app runs).
    let mut other = Store::open_in_dir(dir.path()).expect("second connection");
    let mut theirs = replica::open_board(&other, BOARD, config(22, ME)).expect("open");
    let third = theirs
        .add_task(&column, "Login audit", Place::Bottom, NewTask::default())
        .expect("task");
    theirs.set_task_title(&first, "Fix signup").expect("title");
    replica::save_local_changes(&mut other, &mut theirs).expect("save");
    assert_eq!(
        filter(&mut store, "login"),
        BTreeSet::from([second.clone(), third.clone()])
    );
    assert_eq!(
        filter(&mut store, "-login"),
        BTreeSet::from([first.clone()])
    );

    // The directory renames Ana: free words find her by her new name only.
    name_ana(&mut store, "bea@example.com");
    assert_eq!(filter(&mut store, "ana"), BTreeSet::new());
    assert_eq!(filter(&mut store, "bea"), BTreeSet::from([first]));
}

#[test]
fn a_board_filter_names_the_fewer_tasks_those_that_match_or_all_but_those_that_do_not() {
    let (_dir, mut store, mut board, column) = launch_board(22);
    let mut add = |title: &str| {
        board
            .add_task(&column, title, Place::Bottom, NewTask::default())
            .expect("task")
    };
    let [login, page, copy, venue, old] = [
        "Fix login",
        "Login page",
        "Login copy",
        "Book the venue",
        "Old login bug",
    ]
    .map(&mut add);
    board.set_task_archived(&old, true).expect("archive");
    replica::save_local_changes(&mut store, &mut board).expect("save");
    let mut filter = |text: &str| {
        let mut tasks = store
            .filter_board(BOARD, text, now(), Some(ME))
            .expect("filter")
            .tasks;
        let (TaskMatches::Only(ids) | TaskMatches::AllBut(ids)) = &mut tasks;
        ids.sort();
        tasks
    };
    let sorted = |ids: &[&String]| {
        let mut ids: Vec<String> = ids.iter().map(|id| (*id).clone()).collect();
        ids.sort();
        ids
    };
    // Three of the five match: all but the other two, the archived one among them.
    let most = filter("login");
    assert_eq!(most, TaskMatches::AllBut(sorted(&[&venue, &old])));
    assert!(most.contains(&login) && most.contains(&page) && most.contains(&copy));
    assert!(!most.contains(&venue) && !most.contains(&old));
    assert_eq!(
        most.among([&login, &page, &copy, &venue, &old].map(String::as_str)),
        [&login, &page, &copy].map(String::as_str)
    );
    // One of five, and the archived one when asked for: named.
    assert_eq!(filter("venue"), TaskMatches::Only(vec![venue.clone()]));
    assert_eq!(
        filter("is:archived login"),
        TaskMatches::Only(vec![old.clone()])
    );
    // Fewer matching than not: named.
    assert_eq!(
        filter("login -page"),
        TaskMatches::Only(sorted(&[&login, &copy]))
    );
}

/// Past the matches a search scores (`SCORED_AT_MOST`, lowered here), the most recently written
/// are scored and come first, best first; older matches follow unscored, newest first, so every
/// match is still found and a limited search is still the start of the whole answer.
#[test]
fn a_search_past_its_scored_matches_ranks_the_newest_and_still_finds_the_rest() {
    let (_dir, mut store, mut board, column) = launch_board(12);
    // The best match for "login" is written first, so it is the oldest.
    board
        .add_task(
            &column,
            "Login login login",
            Place::Bottom,
            NewTask::default(),
        )
        .expect("task");
    replica::save_local_changes(&mut store, &mut board).expect("save");
    std::thread::sleep(std::time::Duration::from_millis(2));
    // Every tenth scores better for "login" than the rest.
    let title = |i: usize| {
        if i % 10 == 9 {
            format!("Login login {i:02}")
        } else {
            format!("Fix login {i:02}")
        }
    };
    for i in 0..30 {
        board
            .add_task(&column, &title(i), Place::Bottom, NewTask::default())
            .expect("task");
        // One save per task: each is written (and updated) after the one before.
        replica::save_local_changes(&mut store, &mut board).expect("save");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    board
        .add_task(&column, "Unrelated", Place::Bottom, NewTask::default())
        .expect("task");
    replica::save_local_changes(&mut store, &mut board).expect("save");

    let search = titles_and_ranks;
    // Every match scored: the best first.
    let all_scored = search(&mut store, "login", 10_000);
    assert_eq!(all_scored.len(), 31);
    assert_eq!(all_scored[0].0, "Login login login");

    store.set_search_scored_at_most(10);
    let whole = search(&mut store, "login", 10_000);
    assert_eq!(whole.len(), 31, "every match is still found");
    assert!(whole.windows(2).all(|w| w[0].1 <= w[1].1), "best first");
    // The ten newest ("… 20" to "… 29") are scored: "Login login 29" is the best of them.
    assert_eq!(whole[0].0, "Login login 29");
    assert!(whole[..10].iter().all(|(_, rank)| *rank < 0.0));
    let newest: BTreeSet<&str> = whole[..10].iter().map(|(t, _)| t.as_str()).collect();
    let expected: BTreeSet<String> = (20..30).map(title).collect();
    assert_eq!(
        newest,
        expected.iter().map(String::as_str).collect::<BTreeSet<_>>()
    );
    // Then the older ones, unscored, newest first: the best of all comes last.
    assert!(whole[10..].iter().all(|(_, rank)| *rank == 0.0));
    assert_eq!(whole[10].0, "Login login 19");
    assert_eq!(whole[11].0, "Fix login 18");
    assert_eq!(whole[30].0, "Login login login");
    for limit in [1, 9, 10, 11, 25, 31] {
        assert_eq!(
            search(&mut store, "login", limit),
            whole[..limit],
            "limit {limit}"
        );
    }
    // A negated word leaves its matches out of both parts.
    let without = search(&mut store, "login -19 -29", 10_000);
    assert_eq!(without.len(), 29);
    assert!(!without
        .iter()
        .any(|(t, _)| t.ends_with("19") || t.ends_with("29")));
}
