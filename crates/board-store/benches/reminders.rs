//! Issue 19's numbers: what concerns me in an incoming update (apply a teammate's comment or
//! assignment to a 20 × 500 board, then `derive_concerns` over its change set), and 10,000
//! reminders in the store (the next one, one indexed lookup; the file's growth).
//!
//! `cargo bench -p board-store --bench reminders`

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use board_model::{
    derive_concerns, Board, CommentFacts, ConcernSources, DueSoon, NewTask, Place, ReplicaConfig,
    Sources, TaskFacts,
};
use board_store::{RemindedTask, ReminderWhen, Store};
use criterion::{criterion_group, criterion_main, Criterion};

const BOARD_ID: &str = "bench-reminders";
const ME: &str = "0190a000-0000-7000-8000-0000000000a1";
const BO: &str = "0190a000-0000-7000-8000-0000000000b2";

fn config(seed: u64) -> ReplicaConfig {
    ReplicaConfig {
        user: "bench".into(),
        sources: Sources::seeded(seed, 1_700_000_000_000),
    }
}

fn concerns(c: &mut Criterion) {
    let mut theirs = Board::create(BOARD_ID, "Bench", config(1)).expect("board");
    let mut tasks = Vec::new();
    for col in 0..20 {
        let column = theirs
            .add_column(&format!("C{col}"), None, Place::Bottom)
            .expect("column");
        for n in 0..500 {
            let task = theirs
                .add_task(&column, &format!("T{n}"), Place::Bottom, NewTask::default())
                .expect("task");
            if n % 10 == 0 {
                theirs.set_task_assignee(&task, ME, true).expect("assign");
            }
            tasks.push(task);
        }
    }
    let state = theirs.encode_state();
    let mut mine = Board::load(BOARD_ID, [state.as_slice()], None, config(2)).expect("mine");
    mine.take_changes();
    let facts: HashMap<String, TaskFacts> = mine
        .view_with(true)
        .tasks()
        .map(|t| (t.id.clone(), TaskFacts::of(t)))
        .collect();
    let mut n = 0usize;
    c.bench_function(
        "a teammate's comment on my task: apply + derive (20 x 500)",
        |b| {
            b.iter(|| {
                n += 1;
                let task = &tasks[(n * 10) % tasks.len()];
                theirs
                    .add_comment(task, BO, &format!("@[{ME}] look {n}"))
                    .expect("comment");
                let update = theirs.diff(&mine.state_vector()).expect("diff");
                mine.apply_remote_update(&update).expect("apply");
                let changes = mine.take_changes();
                let m = &mine;
                let sources = ConcernSources {
                    before: |t: &str| facts.get(t).cloned(),
                    after: |t: &str| m.task(t).map(|v| TaskFacts::of(&v)),
                    comment: |id: &str| m.comment(id).map(|v| CommentFacts::of(&v)),
                    due_moment: |_: &str| None,
                };
                let found = derive_concerns(
                    ME,
                    BOARD_ID,
                    &changes,
                    &sources,
                    DueSoon {
                        now_ms: 0,
                        window_ms: 0,
                    },
                );
                black_box(found.len())
            })
        },
    );
}

fn reminders(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open_in_dir(dir.path()).expect("store");
    board_store::replica::create_board(&mut store, BOARD_ID, "B", config(3)).expect("board");
    let size_before = std::fs::metadata(store.path())
        .map(|m| m.len())
        .unwrap_or(0);
    let utc = |_| chrono::FixedOffset::east_opt(0).expect("utc");
    for n in 0..10_000i64 {
        store
            .set_reminder(
                BOARD_ID,
                &format!("0190a000-0000-7000-8000-{n:012}"),
                ReminderWhen::At {
                    at_ms: 4_000_000_000_000 + n * 1_000,
                },
                &RemindedTask {
                    title: format!("Task number {n}"),
                    due: None,
                },
                0,
                utc,
            )
            .expect("reminder");
    }
    let wal = store.path().with_extension("sqlite3-wal");
    let size_after = std::fs::metadata(store.path())
        .map(|m| m.len())
        .unwrap_or(0)
        + std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    println!(
        "10,000 reminders: store file grew by {} KiB (with its WAL)",
        size_after.saturating_sub(size_before) / 1024
    );
    c.bench_function("next reminder among 10,000", |b| {
        b.iter(|| black_box(store.next_reminder_at().expect("next")))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = concerns, reminders
}
criterion_main!(benches);
