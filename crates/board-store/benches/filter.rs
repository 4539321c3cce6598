//! A board's filter (the app's `/`, issue 20) on the 20 × 500 board: `Store::filter_board`
//! per keystroke as a person types, and structured queries, p99 of each; what a saved view's
//! opening costs the shell (its query answered), after a write and with the store unchanged.
//!
//! `cargo bench -p board-store --bench filter`

use std::hint::black_box;
use std::time::{Duration, Instant};

use board_model::{NewTask, Place, ReplicaConfig, Sources};
use board_store::{replica, Store};
use chrono::DateTime;

const BOARD: &str = "0190f0f0-0000-7000-8000-00000000f117";
const ME: &str = "u-me";
const WORDS: [&str; 16] = [
    "fix", "login", "release", "notes", "venue", "budget", "review", "deploy", "invoice", "design",
    "sprint", "report", "client", "server", "backup", "launch",
];

fn p99(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[(samples.len() * 99 / 100).min(samples.len() - 1)]
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open_in_dir(dir.path()).expect("store");
    let config = ReplicaConfig {
        user: ME.into(),
        sources: Sources::seeded(7, 1_760_000_000_000),
    };
    let started = Instant::now();
    let mut board = replica::create_board(&mut store, BOARD, "Big", config).expect("board");
    let columns: Vec<String> = (0..20)
        .map(|c| {
            board
                .add_column(&format!("Column {c}"), None, Place::Bottom)
                .expect("column")
        })
        .collect();
    let bug = board.add_label("bug", None).expect("label");
    for i in 0..10_000 {
        let word = |k: usize| WORDS[(i * 7 + k * 3) % WORDS.len()];
        let extra = NewTask {
            description: format!("Notes about {} and {} for task {i}", word(3), word(4)),
            label_ids: if i % 10 == 0 {
                vec![bug.clone()]
            } else {
                Vec::new()
            },
            due: (i % 4 == 0).then(|| format!("2026-12-{:02}", 1 + (i % 28))),
        };
        let title = format!("{} the {} {} {i}", word(0), word(1), word(2));
        let task = board
            .add_task(&columns[i % 20], &title, Place::Bottom, extra)
            .expect("task");
        if i % 100 == 0 {
            board.set_task_assignee(&task, ME, true).expect("assign");
        }
    }
    replica::save_local_changes(&mut store, &mut board).expect("save");
    eprintln!("built 20 × 500 tasks in {:?}", started.elapsed());

    let now = DateTime::parse_from_rfc3339("2026-12-05T10:00:00+01:00").expect("now");
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
    // Each round starts after a write (as when the board changed since the last filter):
    // nothing the store kept of the last filter is used; within the round, what the earlier
    // keystrokes read is.
    let mut first = Vec::new();
    let mut later = Vec::new();
    for _ in 0..20 {
        store.save_shown_view(BOARD, b"{}").expect("a write");
        for (k, text) in typed.iter().enumerate() {
            let at = Instant::now();
            black_box(
                store
                    .filter_board(BOARD, text, now, Some(ME))
                    .expect("filter"),
            );
            if k == 0 { &mut first } else { &mut later }.push(at.elapsed());
        }
    }
    eprintln!(
        "filter_board as typed (\"login venue\", 8 keystrokes × 20): p99 {:?} for the first \
         keystroke after a write, {:?} for the 7 after it",
        p99(&mut first),
        p99(&mut later)
    );
    for text in [
        "label:bug",
        "-label:bug",
        "@me",
        "is:overdue",
        "due:<7d -label:bug",
        "label:bug deploy",
    ] {
        // After a write (a saved view opened on a board that changed), and again with
        // nothing changed (the same view opened twice, or `n` after typing).
        let mut changed = Vec::new();
        let mut unchanged = Vec::new();
        let mut found = String::new();
        for _ in 0..20 {
            store.save_shown_view(BOARD, b"{}").expect("a write");
            for samples in [&mut changed, &mut unchanged] {
                let at = Instant::now();
                found = store
                    .filter_board(BOARD, text, now, Some(ME))
                    .expect("filter")
                    .tasks
                    .to_string();
                samples.push(at.elapsed());
            }
        }
        eprintln!(
            "filter_board {text:?} ({found}): p99 {:?} after a write, {:?} unchanged",
            p99(&mut changed),
            p99(&mut unchanged)
        );
    }
}
