//! The task index at scale (issues 19 and 20): search over 100 boards × 1,000 tasks (p99 per
//! query, as a person types), "My tasks" over the same, the index's share of one stored edit,
//! and the index's size on disk. Boards are built with real operations, one save per board.
//!
//! `cargo bench -p board-store --bench search` (`SEARCH_BOARDS=n` for fewer boards,
//! `SEARCH_LIMIT=n` for fewer hits than the app's 50)

use std::hint::black_box;
use std::time::{Duration, Instant};

use board_model::{Board, NewTask, Place, ReplicaConfig, Sources};
use board_store::{replica, IndexDelta, SearchOptions, Store};
use chrono::DateTime;
use criterion::{criterion_group, criterion_main, Criterion};

const TASKS_PER_BOARD: usize = 1_000;
const ME: &str = "u-me";
const WORDS: [&str; 16] = [
    "fix", "login", "release", "notes", "venue", "budget", "review", "deploy", "invoice", "design",
    "sprint", "report", "client", "server", "backup", "launch",
];

fn board_id(n: usize) -> String {
    format!("0190f0f0-0000-7000-8000-{n:012}")
}

fn build(store: &mut Store, n: usize) -> Board {
    let config = ReplicaConfig {
        user: ME.into(),
        sources: Sources::seeded(n as u64, 1_760_000_000_000),
    };
    let mut board =
        replica::create_board(store, &board_id(n), &format!("Board {n}"), config).expect("board");
    let columns: Vec<String> = ["To do", "Doing", "Done"]
        .iter()
        .map(|t| board.add_column(t, None, Place::Bottom).expect("column"))
        .collect();
    let bug = board.add_label("bug", None).expect("label");
    for i in 0..TASKS_PER_BOARD {
        let word = |k: usize| WORDS[(i * 7 + k * 3 + n) % WORDS.len()];
        let title = format!("{} the {} {} {i}", word(0), word(1), word(2));
        let extra = NewTask {
            description: format!("Notes about {} and {} for task {i}", word(3), word(4)),
            label_ids: if i % 10 == 0 {
                vec![bug.clone()]
            } else {
                Vec::new()
            },
            due: (i % 4 == 0).then(|| format!("2026-12-{:02}", 1 + (i % 28))),
        };
        let task = board
            .add_task(&columns[i % 3], &title, Place::Bottom, extra)
            .expect("task");
        if i % 100 == 0 {
            board.set_task_assignee(&task, ME, true).expect("assign");
        }
    }
    replica::save_local_changes(store, &mut board).expect("save");
    board
}

fn p99(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[(samples.len() * 99 / 100).min(samples.len() - 1)]
}

fn search(c: &mut Criterion) {
    let boards: usize = std::env::var("SEARCH_BOARDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open_in_dir(dir.path()).expect("store");
    let started = Instant::now();
    let mut last = None;
    for n in 0..boards {
        last = Some(build(&mut store, n));
    }
    let mut last = last.expect("a board");
    eprintln!(
        "built {boards} boards × {TASKS_PER_BOARD} tasks in {:?}",
        started.elapsed()
    );
    let conn = rusqlite::Connection::open(dir.path().join(board_store::DB_FILE_NAME))
        .expect("open for sizes");
    let size = |like: &str| -> i64 {
        conn.query_row(
            "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE ?1",
            [like],
            |r| r.get(0),
        )
        .expect("dbstat")
    };
    let index = size("task_%") + size("sqlite_autoindex_task_%");
    let total: i64 = size("%");
    eprintln!(
        "index size: {:.1} MB of {:.1} MB ({} tasks)",
        index as f64 / 1e6,
        total as f64 / 1e6,
        boards * TASKS_PER_BOARD
    );

    let now = DateTime::parse_from_rfc3339("2026-12-05T10:00:00+01:00").expect("now");
    let options = SearchOptions {
        include_archived: false,
        // `SEARCH_LIMIT=n`: fewer hits (rows are read, and titles marked, only for the hits).
        limit: std::env::var("SEARCH_LIMIT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(50),
        now,
        me: Some(ME.to_owned()),
    };
    // What a person types, keystroke by keystroke, and a few structured queries.
    let typed = [
        "l",
        "lo",
        "log",
        "logi",
        "login",
        "login v",
        "login ve",
        "login venue",
    ];
    let others = [
        "\"fix the\"",
        "label:bug deploy",
        "@me",
        "@me due:<7d",
        "-label:bug sprint",
    ];
    let mut keystrokes = Vec::new();
    for _ in 0..20 {
        for text in typed {
            let at = Instant::now();
            black_box(store.search(text, &options).expect("search"));
            keystrokes.push(at.elapsed());
        }
    }
    eprintln!(
        "search as typed (\"login venue\", 8 keystrokes × 20): p99 {:?}",
        p99(&mut keystrokes)
    );
    for text in others {
        let mut samples = Vec::new();
        for _ in 0..20 {
            let at = Instant::now();
            black_box(store.search(text, &options).expect("search"));
            samples.push(at.elapsed());
        }
        eprintln!("search {text:?}: p99 {:?}", p99(&mut samples));
    }
    let mut mine = Vec::new();
    for _ in 0..20 {
        let at = Instant::now();
        black_box(store.my_tasks(ME, now).expect("mine"));
        mine.push(at.elapsed());
    }
    eprintln!("my_tasks over {boards} boards: p99 {:?}", p99(&mut mine));

    let mut group = c.benchmark_group("search");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3));
    group.bench_function("search_login_venue", |b| {
        b.iter(|| black_box(store.search("login venue", &options).expect("search")))
    });
    group.bench_function("my_tasks", |b| {
        b.iter(|| black_box(store.my_tasks(ME, now).expect("mine")))
    });
    // One edit on a 1,000-task board stored with its index rows, and the index's part of it
    // (the delta and its rows, without the update's own durable write).
    let task = last.task_ids()[0].clone();
    let mut n = 0;
    group.bench_function("save_one_edit_with_index", |b| {
        b.iter(|| {
            n += 1;
            last.set_task_title(&task, &format!("renamed {n}"))
                .expect("title");
            replica::save_local_changes(&mut store, &mut last).expect("save");
        })
    });
    group.bench_function("index_delta_of_one_edit", |b| {
        b.iter(|| {
            n += 1;
            last.set_task_title(&task, &format!("renamed {n}"))
                .expect("title");
            black_box(IndexDelta::of_changes(&mut last));
        })
    });
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
