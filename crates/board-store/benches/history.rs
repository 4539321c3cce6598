//! Task history at scale (issue 18's number): one task changed 10,000 times through the real
//! save path (`replica::save_local_changes`, one durable transaction per change, compacting
//! as it goes), then reading its first page of 50, newest first, and a page deep in it.
//!
//! `cargo bench -p board-store --bench history`

use std::hint::black_box;
use std::time::Duration;

use board_model::{NewTask, Place, ReplicaConfig, Sources};
use board_store::{replica, Store};
use criterion::{criterion_group, criterion_main, Criterion};

const BOARD_ID: &str = "bench-history";
const CHANGES: usize = 10_000;

fn history(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open_in_dir(dir.path()).expect("store");
    let config = ReplicaConfig {
        user: "bench".into(),
        sources: Sources::seeded(7, 1_700_000_000_000),
    };
    let mut board = replica::create_board(&mut store, BOARD_ID, "History", config).expect("board");
    let column = board
        .add_column("Todo", None, Place::Bottom)
        .expect("column");
    // A few other tasks with history of their own, so the index has to pick this one out.
    let mut others = Vec::new();
    for i in 0..10 {
        others.push(
            board
                .add_task(
                    &column,
                    &format!("Other {i}"),
                    Place::Bottom,
                    NewTask::default(),
                )
                .expect("task"),
        );
    }
    let task = board
        .add_task(&column, "Busy", Place::Bottom, NewTask::default())
        .expect("task");
    replica::save_local_changes(&mut store, &mut board).expect("save");
    for i in 1..CHANGES {
        if i % 2 == 0 {
            board
                .set_task_title(&task, &format!("Busy, version {i}"))
                .expect("title");
        } else {
            board
                .set_description(&task, &format!("Description, version {i}"))
                .expect("description");
        }
        board
            .set_task_title(&others[i % others.len()], &format!("Other, version {i}"))
            .expect("other");
        replica::save_local_changes(&mut store, &mut board).expect("save");
    }
    let all = store
        .task_history(BOARD_ID, &task, None, 500)
        .expect("history");
    assert_eq!(all.len(), 500);
    let deep = store
        .task_history(BOARD_ID, &task, Some(all[499].id - 2 * 9_000), 50)
        .expect("deep page");
    assert_eq!(deep.len(), 50);
    let deep_before = Some(all[499].id - 2 * 9_000);

    let mut group = c.benchmark_group("history");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("first page of 50, task with 10,000 changes", |b| {
        b.iter(|| black_box(store.task_history(BOARD_ID, &task, None, 50).expect("page")))
    });
    group.bench_function("a page of 50, 9,000 changes back", |b| {
        b.iter(|| {
            black_box(
                store
                    .task_history(BOARD_ID, &task, deep_before, 50)
                    .expect("page"),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, history);
criterion_main!(benches);
