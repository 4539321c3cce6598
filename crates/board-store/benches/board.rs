//! Benchmarks of boards as the app and `tackctl` use them: opening a large board, making one
//! local edit durable, and opening a board with a long edit history.

use std::hint::black_box;
use std::time::{Duration, Instant};

use board_model::{Board, BoardView, NewTask, Place, ReplicaConfig, Sources};
use board_store::{replica, Store};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tempfile::TempDir;

const BOARD_ID: &str = "bench-board";

/// Deterministic ids, clock and client id for building fixtures.
fn seeded_config(seed: u64) -> ReplicaConfig {
    ReplicaConfig {
        user: "bench".into(),
        sources: Sources::seeded(seed, 1_700_000_000_000),
    }
}

/// A store in a temporary directory holding one board, and the live replica that built it.
struct Fixture {
    store: Store,
    board: Board,
    columns: Vec<String>,
    /// `tasks[c]` are the ids of the tasks created in column `c`.
    tasks: Vec<Vec<String>>,
    _dir: TempDir,
}

/// Builds `columns` × `tasks_per_column` tasks (title and short description) in memory, then
/// saves them with the app's own `save_local_changes`: one transaction instead of one per
/// operation (10,000 fsyncs would only slow the fixture down), after which the save compacts
/// because the log tail is past `COMPACT_AFTER_UPDATES`, leaving a snapshot and no tail.
fn board_fixture(columns: usize, tasks_per_column: usize) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open_in_dir(dir.path()).expect("open store");
    let mut board = replica::create_board(&mut store, BOARD_ID, "Benchmark", seeded_config(1))
        .expect("create board");
    let column_ids: Vec<String> = (0..columns)
        .map(|c| {
            board
                .add_column(&format!("Column {c}"), None, Place::Bottom)
                .expect("add column")
        })
        .collect();
    let tasks = column_ids
        .iter()
        .enumerate()
        .map(|(c, column)| {
            (0..tasks_per_column)
                .map(|t| {
                    let extra = NewTask {
                        description: format!("Short description of task {t} in column {c}."),
                        ..NewTask::default()
                    };
                    board
                        .add_task(column, &format!("Task {c}-{t}"), Place::Bottom, extra)
                        .expect("add task")
                })
                .collect()
        })
        .collect();
    replica::save_local_changes(&mut store, &mut board).expect("save");
    // A small board's tail stays under the threshold; compact it as `tackctl compact` would.
    store.compact(BOARD_ID).expect("compact");
    Fixture {
        store,
        board,
        columns: column_ids,
        tasks,
        _dir: dir,
    }
}

/// What the app does to show a board: load it from the store, then build its view.
/// What the app does to show a board. Returns both so the caller can drop them outside the
/// timed region: freeing a 10k-task document is not part of opening it.
fn open_and_view(store: &Store) -> (Board, BoardView) {
    let board = replica::open_board(store, BOARD_ID, ReplicaConfig::default()).expect("open");
    let view = board.view();
    (board, view)
}

/// Times the three stages of opening once each (best of 5), to say which one dominates.
fn print_breakdown(label: &str, store: &Store) {
    let best = |mut f: Box<dyn FnMut() + '_>| {
        (0..5)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let sqlite_read = best(Box::new(|| {
        black_box(store.load_board(BOARD_ID).expect("load"));
        black_box(store.load_undo_state(BOARD_ID).expect("undo"));
    }));
    let loaded = store.load_board(BOARD_ID).expect("load");
    let undo = store.load_undo_state(BOARD_ID).expect("undo");
    let pieces = || {
        loaded
            .snapshot
            .iter()
            .chain(loaded.updates.iter())
            .map(Vec::as_slice)
    };
    let yrs_load = best(Box::new(|| {
        black_box(
            Board::load(
                BOARD_ID,
                pieces(),
                undo.as_deref(),
                ReplicaConfig::default(),
            )
            .expect("board load"),
        );
    }));
    let board = Board::load(
        BOARD_ID,
        pieces(),
        undo.as_deref(),
        ReplicaConfig::default(),
    )
    .expect("board load");
    let view = best(Box::new(|| {
        black_box(board.view());
    }));
    eprintln!(
        "{label}: snapshot {} B, tail {} rows / {} B, undo {} B; best of 5: \
         SQLite read {sqlite_read:?}, Board::load (yrs decode+apply) {yrs_load:?}, view {view:?}",
        loaded.snapshot.as_ref().map_or(0, Vec::len),
        loaded.updates.len(),
        loaded.updates.iter().map(Vec::len).sum::<usize>(),
        undo.as_ref().map_or(0, Vec::len),
    );
}

/// One local edit like a `tackctl` command makes: alternately retitle a task and move one.
fn edit(fixture: &mut Fixture, n: usize) {
    let column = n % fixture.tasks.len();
    let task = &fixture.tasks[column][(n / fixture.tasks.len()) % fixture.tasks[column].len()];
    if n % 2 == 0 {
        fixture
            .board
            .set_task_title(task, &format!("Retitled task, edit {n}"))
            .expect("retitle");
    } else {
        // Within its own column (tasks stay where `tasks` says they are), to the top.
        let column_id = &fixture.columns[column];
        fixture
            .board
            .move_task(task, column_id, Place::Top)
            .expect("move");
    }
}

/// Splits `count` durable edits into their stages (the steps of `save_local_changes`, made
/// one by one) and prints the mean of each, retitles and moves apart.
fn print_edit_breakdown(fixture: &mut Fixture, first: usize, count: usize) {
    let mut totals = [[Duration::ZERO; 4]; 2];
    for n in first..first + count {
        let kind = n % 2;
        let mut stage = Instant::now();
        let mut lap = |i: usize| {
            totals[kind][i] += stage.elapsed();
            stage = Instant::now();
        };
        edit(fixture, n);
        lap(0);
        let updates = fixture.board.take_local_updates();
        let undo = fixture.board.undo_state();
        let title = fixture.board.title();
        lap(1);
        fixture
            .store
            .append_local_batch(BOARD_ID, &updates, Some(&undo), Some(&title), &[], None)
            .expect("append");
        lap(2);
        if fixture.store.update_count(BOARD_ID).expect("count") > replica::COMPACT_AFTER_UPDATES {
            fixture.store.compact(BOARD_ID).expect("compact");
        }
        lap(3);
    }
    let per_edit = |d: Duration| d / u32::try_from(count / 2).expect("small");
    for (kind, name) in [(0, "retitle"), (1, "move")] {
        let [model, encode, write, compact] = totals[kind].map(per_edit);
        eprintln!(
            "durable_local_edit breakdown ({name}, mean of {}): model op {model:?}, \
             take updates + undo_state {encode:?}, append_local_batch (fsync) {write:?}, \
             count + compaction {compact:?}",
            count / 2
        );
    }
}

fn open_large_board(c: &mut Criterion) {
    let start = Instant::now();
    let mut fixture = board_fixture(20, 500);
    eprintln!(
        "open_board_10k_tasks_20_columns: fixture built in {:?}",
        start.elapsed()
    );
    let (_, view) = open_and_view(&fixture.store);
    assert_eq!(view.tasks().count(), 10_000);

    let mut group = c.benchmark_group("open_board_10k_tasks_20_columns");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    print_breakdown("snapshot_only", &fixture.store);
    group.bench_function("snapshot_only", |b| {
        b.iter_with_large_drop(|| black_box(open_and_view(&fixture.store)))
    });

    // Each `tackctl` edit saves its updates; the save that takes the tail past
    // COMPACT_AFTER_UPDATES compacts, so the CLI leaves 0..=2,000 tail rows. This is the most.
    let tail = usize::try_from(replica::COMPACT_AFTER_UPDATES).expect("small");
    for n in 0..tail {
        edit(&mut fixture, n);
        replica::save_local_changes(&mut fixture.store, &mut fixture.board).expect("save");
    }
    assert_eq!(
        fixture.store.update_count(BOARD_ID).expect("count"),
        replica::COMPACT_AFTER_UPDATES
    );
    print_breakdown("snapshot_plus_2000_row_tail", &fixture.store);
    group.bench_function("snapshot_plus_2000_row_tail", |b| {
        b.iter_with_large_drop(|| black_box(open_and_view(&fixture.store)))
    });
    group.finish();

    // Exactly 10,000 edits, each durable before the next (compactions included), timed whole.
    let edits = 10_000;
    let start = Instant::now();
    for n in tail..tail + edits {
        edit(&mut fixture, n);
        replica::save_local_changes(&mut fixture.store, &mut fixture.board).expect("save");
    }
    let elapsed = start.elapsed();
    eprintln!(
        "durable_local_edit: {edits} edits on the 10k-task board in {elapsed:?} = {:.0} edits/s",
        edits as f64 / elapsed.as_secs_f64()
    );

    print_edit_breakdown(&mut fixture, tail + edits, 200);
    let mut group = c.benchmark_group("durable_local_edit");
    let mut n = tail + edits + 200;
    group.bench_function("title_or_move_on_10k_task_board", |b| {
        b.iter(|| {
            edit(&mut fixture, n);
            n += 1;
            black_box(
                replica::save_local_changes(&mut fixture.store, &mut fixture.board).expect("save"),
            )
        })
    });
    group.finish();
}

/// A random edit for the history benchmark: a move (anywhere), a retitle or a description edit.
fn random_op(
    rng: &mut StdRng,
    fixture: &mut Fixture,
    descriptions: &mut [String],
    ids: &[String],
    op: usize,
) {
    let task = rng.random_range(0..ids.len());
    match rng.random_range(0..3) {
        0 => {
            let from = fixture.tasks.iter().position(|t| t.contains(&ids[task]));
            let from = from.expect("task has a column");
            let to = rng.random_range(0..fixture.columns.len());
            let index = fixture.tasks[from]
                .iter()
                .position(|t| *t == ids[task])
                .expect("member");
            fixture.tasks[from].swap_remove(index);
            let siblings = &fixture.tasks[to];
            let place = match (rng.random_range(0..4), siblings.is_empty()) {
                (0, _) | (_, true) => Place::Top,
                (1, _) => Place::Bottom,
                (2, _) => Place::Before(siblings[rng.random_range(0..siblings.len())].clone()),
                _ => Place::After(siblings[rng.random_range(0..siblings.len())].clone()),
            };
            fixture
                .board
                .move_task(&ids[task], &fixture.columns[to], place)
                .expect("move");
            fixture.tasks[to].push(ids[task].clone());
        }
        1 => fixture
            .board
            .set_task_title(&ids[task], &format!("Task {task}, revision {op}"))
            .expect("retitle"),
        _ => {
            // Insert or delete a word somewhere, keeping descriptions between ~40 and ~200 bytes.
            let text = &mut descriptions[task];
            if text.len() > 200 || (text.len() > 40 && rng.random_bool(0.5)) {
                let len = rng.random_range(1..=8);
                let at = rng.random_range(0..=text.len() - len);
                text.replace_range(at..at + len, "");
            } else {
                let at = rng.random_range(0..=text.len());
                text.insert_str(at, &format!(" word{op}"));
            }
            fixture
                .board
                .set_description(&ids[task], text)
                .expect("describe");
        }
    }
}

fn open_long_history(c: &mut Criterion) {
    let ops = 100_000;
    let mut fixture = board_fixture(5, 100);
    let ids: Vec<String> = fixture.tasks.concat();
    let mut descriptions: Vec<String> = fixture
        .tasks
        .iter()
        .enumerate()
        .flat_map(|(c, tasks)| {
            (0..tasks.len()).map(move |t| format!("Short description of task {t} in column {c}."))
        })
        .collect();
    let mut rng = StdRng::seed_from_u64(0x7ac4);
    let start = Instant::now();
    for op in 0..ops {
        random_op(&mut rng, &mut fixture, &mut descriptions, &ids, op);
    }
    let built = start.elapsed();
    let start = Instant::now();
    let saved = replica::save_local_changes(&mut fixture.store, &mut fixture.board).expect("save");
    let stored = start.elapsed();
    let report = fixture.store.compact(BOARD_ID).expect("compact");
    assert_eq!(
        report.folded_updates, 0,
        "save_local_changes compacted already"
    );
    let loaded = fixture.store.load_board(BOARD_ID).expect("load");
    assert!(loaded.updates.is_empty());
    let snapshot_bytes = loaded.snapshot.as_ref().map_or(0, Vec::len);
    let file_bytes = std::fs::metadata(fixture.store.path())
        .map(|m| m.len())
        .unwrap_or(0);
    eprintln!(
        "history_100k_ops_500_tasks: {ops} ops in memory in {built:?}; saving {saved} updates \
         (one transaction) + compaction in {stored:?}; encode_state() {} B, stored snapshot \
         {snapshot_bytes} B, store file {file_bytes} B (outbox rows still unacknowledged)",
        fixture.board.encode_state().len(),
    );
    let reopened =
        replica::open_board(&fixture.store, BOARD_ID, ReplicaConfig::default()).expect("open");
    assert_eq!(
        reopened.view(),
        fixture.board.view(),
        "snapshot loses nothing"
    );
    print_breakdown("history_100k_ops_500_tasks", &fixture.store);

    let mut group = c.benchmark_group("history_100k_ops_500_tasks");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    group.bench_function("open_board", |b| {
        b.iter(|| {
            black_box(
                replica::open_board(&fixture.store, BOARD_ID, ReplicaConfig::default())
                    .expect("open"),
            )
        })
    });
    group.bench_function("open_board_and_view", |b| {
        b.iter_with_large_drop(|| black_box(open_and_view(&fixture.store)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = open_large_board, open_long_history
}
criterion_main!(benches);
