//! Benchmarks of the hot paths: a durable local append, loading a long log, integrity checks.

use std::hint::black_box;
use std::time::Duration;

use board_store::{BoardRecord, Store, UpdateOrigin};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use yrs::{Doc, Map, ReadTxn, Transact};

fn record(id: &str) -> BoardRecord {
    BoardRecord {
        id: id.to_owned(),
        title: id.to_owned(),
        created_at_ms: 0,
        server: None,
        role: None,
        last_synced_at_ms: None,
    }
}

/// Real yrs updates, each setting one map key to `value_len` bytes of text.
fn updates(count: usize, value_len: usize) -> Vec<Vec<u8>> {
    let doc = Doc::with_client_id(1);
    let map = doc.get_or_insert_map("m");
    let value = "x".repeat(value_len);
    (0..count)
        .map(|i| {
            let before = doc.transact().state_vector();
            map.insert(&mut doc.transact_mut(), format!("k{i}"), value.as_str());
            doc.transact().encode_diff_v1(&before)
        })
        .collect()
}

fn append_update(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open_in_dir(dir.path()).expect("open");
    let pool = updates(2_000, 80);
    eprintln!("append_update: update size {} bytes", pool[0].len());
    store.create_board(&record("b"), &pool[0]).expect("create");
    let mut next = 0;
    c.bench_function("append_update_durable_100B", |b| {
        b.iter(|| {
            next = (next + 1) % pool.len();
            black_box(
                store
                    .append_update("b", UpdateOrigin::Local, &pool[next])
                    .expect("append"),
            )
        })
    });
}

fn load_board(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open_in_dir(dir.path()).expect("open");
    let pool = updates(10_000, 20);
    store.create_board(&record("b"), &pool[0]).expect("create");
    for update in &pool[1..] {
        store
            .append_update("b", UpdateOrigin::Remote, update)
            .expect("append");
    }
    c.bench_function("load_board_10k_updates", |b| {
        b.iter(|| black_box(store.load_board("b").expect("load").updates.len()))
    });
    let mut group = c.benchmark_group("compact");
    group.sample_size(10);
    // Includes copying the file and opening the copy, so the board is uncompacted each time.
    group.bench_function("copy_open_compact_10k_updates", |b| {
        b.iter_batched(
            || {
                let copy = tempfile::tempdir().expect("temp dir");
                drop(Store::open_in_dir(copy.path()).expect("init"));
                std::fs::copy(store.path(), copy.path().join(board_store::DB_FILE_NAME))
                    .expect("copy");
                copy
            },
            |copy| {
                let mut store = Store::open_in_dir(copy.path()).expect("open copy");
                black_box(store.compact("b").expect("compact"))
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn integrity(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open_in_dir(dir.path()).expect("open");
    // ~50 MB: 1,000 updates of 50 KB.
    let pool = updates(1_000, 50_000);
    store.create_board(&record("b"), &pool[0]).expect("create");
    for update in &pool[1..] {
        store
            .append_update("b", UpdateOrigin::Remote, update)
            .expect("append");
    }
    let path = store.path().to_path_buf();
    drop(store);
    let bytes = std::fs::metadata(&path).expect("metadata").len();
    eprintln!("integrity: store file {} MB", bytes / 1_000_000);
    let mut group = c.benchmark_group("store_50MB");
    group.sample_size(10);
    group.bench_function("open", |b| {
        b.iter(|| black_box(Store::open(&path).expect("open")))
    });
    let store = Store::open(&path).expect("open");
    group.bench_function("quick_check", |b| {
        b.iter(|| store.check_integrity().expect("healthy"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = append_update, load_board, integrity
}
criterion_main!(benches);
