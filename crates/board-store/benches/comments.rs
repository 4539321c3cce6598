//! Comments at scale (issue 18's numbers): a board of 1,000 tasks carrying 100,000 comments,
//! one of its tasks with 1,000. Measures reading one task's conversation, building the whole
//! board view (which counts comments per card), and posting a comment durably (SQLite commit
//! with `synchronous=FULL`). Prints the document's size and the bytes one comment adds.
//!
//! `cargo bench -p board-store --bench comments`

use std::hint::black_box;
use std::time::Duration;

use board_model::{Board, NewTask, Place, ReplicaConfig, Sources};
use board_store::{replica, Store};
use criterion::{criterion_group, criterion_main, Criterion};

const BOARD_ID: &str = "bench-comments";
const TASKS: usize = 1_000;
const COMMENTS: usize = 100_000;
const AUTHOR: &str = "0190a000-0000-7000-8000-0000000000a1";

fn config() -> ReplicaConfig {
    ReplicaConfig {
        user: "bench".into(),
        sources: Sources::seeded(7, 1_700_000_000_000),
    }
}

/// 1,000 tasks in 10 columns; task 0 gets 1,000 comments, the other 99,000 spread evenly.
fn fixture() -> (Board, Vec<String>) {
    let mut board = Board::create(BOARD_ID, "Comments", config()).expect("board");
    let columns: Vec<String> = (0..10)
        .map(|i| {
            board
                .add_column(&format!("Column {i}"), None, Place::Bottom)
                .expect("column")
        })
        .collect();
    let tasks: Vec<String> = (0..TASKS)
        .map(|i| {
            board
                .add_task(
                    &columns[i % columns.len()],
                    &format!("Task {i}"),
                    Place::Bottom,
                    NewTask::default(),
                )
                .expect("task")
        })
        .collect();
    for i in 0..COMMENTS {
        let task = if i < 1_000 {
            &tasks[0]
        } else {
            &tasks[1 + i % (TASKS - 1)]
        };
        board
            .add_comment(
                task,
                AUTHOR,
                &format!("Comment number {i}: looks good to me"),
            )
            .expect("comment");
    }
    board.take_local_updates();
    board.take_changes();
    (board, tasks)
}

fn comments(c: &mut Criterion) {
    let (mut board, tasks) = fixture();
    let size = board.encode_state().len();
    let before = board.encode_state().len();
    board
        .add_comment(&tasks[5], AUTHOR, "Comment number 100000: looks good to me")
        .expect("comment");
    let one = board
        .take_local_updates()
        .iter()
        .map(Vec::len)
        .sum::<usize>();
    eprintln!(
        "document: {size} bytes with {COMMENTS} comments over {TASKS} tasks \
         ({} bytes per comment on average); one more comment: a {one}-byte update, \
         the document grows by {} bytes",
        size / COMMENTS,
        board.encode_state().len() - before
    );

    let mut group = c.benchmark_group("comments");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("task_with_1000_comments_of_100k", |b| {
        b.iter(|| black_box(board.comments(&tasks[0])))
    });
    group.bench_function("board_view_counting_100k_comments", |b| {
        b.iter(|| black_box(board.view()))
    });

    // Durable posting: the app's own path (append to the log, fsync) on a store holding the
    // board.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open_in_dir(dir.path()).expect("store");
    let mut stored =
        replica::create_board(&mut store, BOARD_ID, "Comments", config()).expect("create");
    let column = stored
        .add_column("Todo", None, Place::Bottom)
        .expect("column");
    let task = stored
        .add_task(&column, "Talk", Place::Bottom, NewTask::default())
        .expect("task");
    replica::save_local_changes(&mut store, &mut stored).expect("save");
    let mut n = 0u64;
    group.bench_function("post_comment_durably", |b| {
        b.iter(|| {
            n += 1;
            stored
                .add_comment(&task, AUTHOR, &format!("durable comment {n}"))
                .expect("comment");
            replica::save_local_changes(&mut store, &mut stored).expect("save")
        })
    });
    group.finish();
}

criterion_group!(benches, comments);
criterion_main!(benches);
