//! Imports at scale (issue 22's numbers): a generated Trello export of 5,000 cards (20 lists,
//! labels, two checklists and a comment on every tenth card) read, built and stored durably
//! as a new board in one transaction; and 10,000 tasks written to CSV and read back into a new
//! board.
//!
//! `cargo bench -p board-store --bench import`

use std::hint::black_box;
use std::time::Duration;

use board_import::{build, BuildOptions, Person};
use board_model::{Board, ReplicaConfig, Sources};
use board_store::{replica, Store};
use criterion::{criterion_group, criterion_main, Criterion};

fn config() -> ReplicaConfig {
    ReplicaConfig {
        user: "bench".into(),
        sources: Sources::seeded(7, 1_700_000_000_000),
    }
}

/// A Trello board export with `cards` cards over 20 lists.
fn trello_export(cards: usize) -> Vec<u8> {
    let lists: Vec<String> = (0..20)
        .map(|i| {
            format!(
                r#"{{"id":"l{i}","name":"List {i}","closed":false,"pos":{}}}"#,
                20 - i
            )
        })
        .collect();
    let labels: Vec<String> = ["green", "red", "blue", "sky_dark"]
        .iter()
        .enumerate()
        .map(|(i, c)| format!(r#"{{"id":"lab{i}","name":"Label {i}","color":"{c}"}}"#))
        .collect();
    let mut card_json = Vec::with_capacity(cards);
    let mut checklists = Vec::new();
    let mut actions = Vec::new();
    for i in 0..cards {
        card_json.push(format!(
            r#"{{"id":"c{i}","name":"Card {i} – ünïcode","desc":"Some **Markdown** for card {i}.\n\n- a\n- b","closed":{},"idList":"l{}","pos":{},"idLabels":["lab{}"],"idMembers":["m1"],"due":"2026-12-05T15:00:00.000Z"}}"#,
            i % 50 == 0,
            i % 20,
            cards - i,
            i % 4
        ));
        if i % 2 == 0 {
            for k in 0..2 {
                checklists.push(format!(
                    r#"{{"id":"cl{i}-{k}","idCard":"c{i}","name":"List {k}","pos":{k},"checkItems":[{{"name":"One","state":"complete","pos":1}},{{"name":"Two","state":"incomplete","pos":2}}]}}"#
                ));
            }
        }
        if i % 10 == 0 {
            actions.push(format!(
                r#"{{"id":"a{i}","type":"commentCard","idMemberCreator":"m1","date":"2026-11-29T09:30:00.000Z","data":{{"text":"Comment on {i}","card":{{"id":"c{i}"}}}}}}"#
            ));
        }
    }
    format!(
        r#"{{"name":"Big Trello board","labels":[{}],"lists":[{}],"members":[{{"id":"m1","fullName":"Ana Lima","username":"ana"}}],"cards":[{}],"checklists":[{}],"actions":[{}]}}"#,
        labels.join(","),
        lists.join(","),
        card_json.join(","),
        checklists.join(","),
        actions.join(",")
    )
    .into_bytes()
}

fn import_new_board(store: &mut Store, plan: &board_import::Plan, n: u64) {
    let mut board = Board::create(&format!("bench-{n}"), &plan.title, config()).expect("board");
    build(
        &mut board,
        plan,
        BuildOptions {
            importer: "me",
            reuse_by_name: false,
        },
        |_: &Person| None,
    )
    .expect("builds");
    replica::store_new_board(store, &mut board).expect("stored");
}

fn imports(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open_in_dir(dir.path()).expect("store");
    let export = trello_export(5_000);
    println!("trello export of 5,000 cards: {} bytes", export.len());
    let mut group = c.benchmark_group("import");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    let mut n = 0u64;
    group.bench_function("trello_5000_cards_read_build_store", |b| {
        b.iter(|| {
            n += 1;
            let plan = board_import::trello::read(black_box(&export)).expect("reads");
            import_new_board(&mut store, &plan, n);
        })
    });

    // 10,000 tasks: a board from CSV, then that board out to CSV.
    let mut rows =
        String::from("title,column,description,labels,assignees,due,checklist,archived\n");
    for i in 0..10_000 {
        rows.push_str(&format!(
            "\"Task {i}, with \"\"quotes\"\"\",Column {},\"Line one\nline two\",\"a\nb\",ana,2026-12-05,\"[x] one\n[ ] two\",false\n",
            i % 20
        ));
    }
    let plan = board_import::csv::read(rows.as_bytes(), "CSV").expect("reads");
    group.bench_function("csv_10000_tasks_in_read_build_store", |b| {
        b.iter(|| {
            n += 1;
            let plan = board_import::csv::read(black_box(rows.as_bytes()), "CSV").expect("reads");
            import_new_board(&mut store, &plan, n);
        })
    });
    let mut board = Board::create("bench-csv-out", "CSV", config()).expect("board");
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
    group.bench_function("csv_10000_tasks_out", |b| {
        b.iter(|| {
            black_box(board_import::csv::export(
                &board.view_with(true),
                str::to_owned,
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, imports);
criterion_main!(benches);
