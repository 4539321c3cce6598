//! The relay's storage layer against both backends: a fresh PostgreSQL database and a SQLite
//! file per test, the same test body run on each, with real Yjs updates.

use std::collections::BTreeMap;
use std::fmt;

use sync_server::storage::{
    CompactionOutcome, NewUpdate, Storage, StorageError, StoredBoard, StoredUpdate, UpdatesAfter,
};
use test_support::postgres::TestDatabase;
use yrs::updates::decoder::Decode;
use yrs::{Doc, GetString, Map, ReadTxn, Text, Transact, Update};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Postgres,
    Sqlite,
}

/// Every test body runs once per backend.
pub(crate) const BACKENDS: [Backend; 2] = [Backend::Postgres, Backend::Sqlite];

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        })
    }
}

/// A fresh database of one backend and a `Storage` on it; the database goes when this does.
pub(crate) struct TestStore {
    pub storage: Storage,
    place: Place,
}

enum Place {
    Postgres(Option<TestDatabase>),
    Sqlite(tempfile::TempDir),
}

impl TestStore {
    pub async fn open(backend: Backend) -> TestStore {
        // Printed so a failure says which backend it was on.
        eprintln!("--- backend: {backend}");
        let place = match backend {
            Backend::Postgres => Place::Postgres(Some(TestDatabase::create())),
            Backend::Sqlite => Place::Sqlite(test_support::temp_data_dir()),
        };
        let storage = connect_to(&place).await;
        assert_eq!(storage.backend(), backend.to_string());
        TestStore { storage, place }
    }

    /// Another `Storage` on the same database, as a second relay process would have.
    pub async fn connect_again(&self) -> Storage {
        connect_to(&self.place).await
    }

    /// The PostgreSQL test database, for tests that break it on purpose.
    pub fn postgres_database(&self) -> Option<&TestDatabase> {
        match &self.place {
            Place::Postgres(database) => database.as_ref(),
            Place::Sqlite(_) => None,
        }
    }

    /// Drops the PostgreSQL database under the running relay (`dropdb --force`).
    pub fn drop_postgres_database(&mut self) {
        if let Place::Postgres(database) = &mut self.place {
            drop(database.take());
        }
    }
}

async fn connect_to(place: &Place) -> Storage {
    match place {
        Place::Postgres(database) => {
            let url = &database.as_ref().expect("database already dropped").url;
            Storage::connect(Some(url), std::path::Path::new("unused.db"))
                .await
                .expect("connect to PostgreSQL")
        }
        // A nested path: `connect` creates the parent directories.
        Place::Sqlite(dir) => Storage::connect(None, &dir.path().join("nested/relay.db"))
            .await
            .expect("open SQLite"),
    }
}

/// A document writing as one client; each edit is returned as its own v1 update, so later
/// edits depend on earlier ones (a log with a hole in it cannot integrate).
pub(crate) struct Writer {
    doc: Doc,
}

impl Writer {
    pub fn new(client_id: u64) -> Writer {
        Writer {
            doc: Doc::with_client_id(client_id),
        }
    }

    /// Appends `s` to the shared text.
    pub fn type_text(&self, s: &str) -> Vec<u8> {
        let text = self.doc.get_or_insert_text("notes");
        let mut txn = self.doc.transact_mut();
        let end = text.len(&txn);
        text.insert(&mut txn, end, s);
        txn.encode_update_v1()
    }
}

/// An update that depends on nothing: a fresh client setting one key of the shared map.
pub(crate) fn independent_update(client_id: u64, key: &str, value: i64) -> Vec<u8> {
    let doc = Doc::with_client_id(client_id);
    let map = doc.get_or_insert_map("fields");
    let mut txn = doc.transact_mut();
    map.insert(&mut txn, key, value.to_string());
    txn.encode_update_v1()
}

/// What a client would see after loading the board: (text, map) of a fresh document that
/// applied the snapshot and then every update in order.
pub(crate) fn render(stored: &StoredBoard) -> (String, BTreeMap<String, String>) {
    let doc = Doc::new();
    let text = doc.get_or_insert_text("notes");
    let map = doc.get_or_insert_map("fields");
    {
        let mut txn = doc.transact_mut();
        for bytes in stored.snapshot.iter().chain(&stored.updates) {
            let update = Update::decode_v1(bytes).expect("stored update decodes");
            txn.apply_update(update).expect("stored update applies");
        }
        assert!(
            txn.store().pending_update().is_none(),
            "the stored board does not integrate fully"
        );
    }
    let txn = doc.transact();
    let fields = map
        .iter(&txn)
        .map(|(key, value)| (key.to_owned(), value.to_string(&txn)))
        .collect();
    (text.get_string(&txn), fields)
}

fn single<'a>(board: &'a str, bytes: &'a [u8]) -> [NewUpdate<'a>; 1] {
    [NewUpdate { board, bytes }]
}

#[tokio::test]
async fn appended_updates_load_back_in_seq_order_per_board() {
    for backend in BACKENDS {
        let store = TestStore::open(backend).await;
        let storage = &store.storage;
        assert_eq!(
            storage.load_board("nobody").await.expect("load"),
            StoredBoard::default()
        );
        assert_eq!(storage.tail_len("nobody").await.expect("tail"), 0);

        let alice = Writer::new(1);
        let bob = Writer::new(2);
        let mut alice_updates = Vec::new();
        let mut bob_updates = Vec::new();
        let mut alice_seqs = Vec::new();
        let mut bob_seqs = Vec::new();
        for round in 0..6 {
            // Boards interleaved in one batch, and the same board twice in a batch.
            let a1 = alice.type_text(&format!("a{round} "));
            let b1 = bob.type_text(&format!("b{round} "));
            let a2 = alice.type_text("| ");
            let batch = [
                NewUpdate {
                    board: "board-a",
                    bytes: &a1,
                },
                NewUpdate {
                    board: "board-b",
                    bytes: &b1,
                },
                NewUpdate {
                    board: "board-a",
                    bytes: &a2,
                },
            ];
            let seqs = storage.append_batch(&batch).await.expect("append");
            assert_eq!(seqs.len(), 3);
            alice_seqs.extend([seqs[0], seqs[2]]);
            bob_seqs.push(seqs[1]);
            alice_updates.extend([a1, a2]);
            bob_updates.push(b1);
        }
        assert_eq!(alice_seqs, (1..=12).collect::<Vec<_>>());
        assert_eq!(bob_seqs, (1..=6).collect::<Vec<_>>());
        assert_eq!(
            storage.append_batch(&[]).await.expect("empty batch"),
            Vec::<i64>::new()
        );

        let board_a = storage.load_board("board-a").await.expect("load a");
        assert_eq!(board_a.snapshot, None);
        assert_eq!(board_a.updates, alice_updates);
        assert_eq!(board_a.last_seq, 12);
        assert_eq!(
            render(&board_a).0,
            "a0 | a1 | a2 | a3 | a4 | a5 | ",
            "{backend}"
        );
        let board_b = storage.load_board("board-b").await.expect("load b");
        assert_eq!(board_b.updates, bob_updates);
        assert_eq!(board_b.last_seq, 6);
        assert_eq!(render(&board_b).0, "b0 b1 b2 b3 b4 b5 ");
        assert_eq!(storage.tail_len("board-a").await.expect("tail"), 12);
        assert_eq!(
            storage.load_board("nobody").await.expect("load"),
            StoredBoard::default()
        );

        match storage.updates_after("board-b", 4).await.expect("after") {
            UpdatesAfter::Rows(rows) => assert_eq!(
                rows,
                vec![
                    StoredUpdate {
                        seq: 5,
                        bytes: bob_updates[4].clone()
                    },
                    StoredUpdate {
                        seq: 6,
                        bytes: bob_updates[5].clone()
                    },
                ]
            ),
            UpdatesAfter::Compacted => panic!("nothing was compacted"),
        }
        storage.ping().await.expect("ping");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_from_two_relays_get_every_seq_exactly_once() {
    const TASKS: u64 = 12;
    const BATCHES: u64 = 8;
    for backend in BACKENDS {
        let store = TestStore::open(backend).await;
        // Two pools on one database: two relay processes.
        let relays = [store.storage.clone(), store.connect_again().await];
        let mut tasks = Vec::new();
        for task in 0..TASKS {
            let storage = relays[(task % 2) as usize].clone();
            tasks.push(tokio::spawn(async move {
                let mut seqs = Vec::new();
                for batch in 0..BATCHES {
                    let client = 1000 + task * BATCHES + batch;
                    let first = independent_update(client, &format!("k{client}"), 1);
                    let second = independent_update(client + 1_000_000, "x", 2);
                    let other = independent_update(client + 2_000_000, "y", 3);
                    // The shared board plus a per-task board, in varying order: batches lock
                    // several boards at once and must not deadlock each other.
                    let own_board = format!("own-{task}");
                    let items = if batch % 2 == 0 {
                        [
                            NewUpdate {
                                board: "shared",
                                bytes: &first,
                            },
                            NewUpdate {
                                board: &own_board,
                                bytes: &other,
                            },
                            NewUpdate {
                                board: "shared",
                                bytes: &second,
                            },
                        ]
                    } else {
                        [
                            NewUpdate {
                                board: &own_board,
                                bytes: &other,
                            },
                            NewUpdate {
                                board: "shared",
                                bytes: &first,
                            },
                            NewUpdate {
                                board: "shared",
                                bytes: &second,
                            },
                        ]
                    };
                    let got = storage.append_batch(&items).await.expect("append");
                    let shared: Vec<i64> = items
                        .iter()
                        .zip(&got)
                        .filter(|(item, _)| item.board == "shared")
                        .map(|(_, seq)| *seq)
                        .collect();
                    assert!(shared[0] < shared[1], "seqs increase within a batch");
                    seqs.extend(shared);
                }
                seqs
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.expect("append task"));
        }
        all.sort_unstable();
        let total = (TASKS * BATCHES * 2) as i64;
        assert_eq!(
            all,
            (1..=total).collect::<Vec<_>>(),
            "{backend}: no duplicate, no gap"
        );
        let shared = relays[1].load_board("shared").await.expect("load");
        assert_eq!(shared.last_seq, total);
        assert_eq!(shared.updates.len() as i64, total);
        for task in 0..TASKS {
            let own = relays[0]
                .load_board(&format!("own-{task}"))
                .await
                .expect("load own");
            assert_eq!(own.last_seq, BATCHES as i64);
        }
    }
}

#[tokio::test]
async fn compaction_keeps_the_state_and_the_rows_after_it() {
    for backend in BACKENDS {
        let store = TestStore::open(backend).await;
        let storage = &store.storage;
        assert_eq!(
            storage.compact("nobody").await.expect("compact"),
            CompactionOutcome::NothingToDo
        );
        let writer = Writer::new(7);
        for word in 0..30 {
            let update = writer.type_text(&format!("w{word} "));
            storage
                .append_batch(&single("b", &update))
                .await
                .expect("append");
        }
        let before = storage.load_board("b").await.expect("load");
        let rendered_before = render(&before);

        let outcome = storage.compact("b").await.expect("compact");
        let CompactionOutcome::Compacted {
            folded,
            snapshot_bytes,
            up_to_seq,
        } = outcome
        else {
            panic!("{backend}: expected a compaction, got {outcome:?}");
        };
        assert_eq!((folded, up_to_seq), (30, 30));
        let after = storage.load_board("b").await.expect("load");
        assert_eq!(
            after.snapshot.as_ref().map(|s| s.len() as u64),
            Some(snapshot_bytes)
        );
        assert!(after.updates.is_empty());
        assert_eq!((after.last_seq, after.snapshot_up_to_seq), (30, 30));
        assert_eq!(
            render(&after),
            rendered_before,
            "{backend}: compaction changed the state"
        );
        assert_eq!(storage.tail_len("b").await.expect("tail"), 0);
        assert_eq!(
            storage.compact("b").await.expect("compact"),
            CompactionOutcome::NothingToDo
        );

        // Rows after the snapshot stay, load after it, and fold in next time.
        let mut later = Vec::new();
        for word in 30..35 {
            let update = writer.type_text(&format!("w{word} "));
            storage
                .append_batch(&single("b", &update))
                .await
                .expect("append");
            later.push(update);
        }
        assert_eq!(storage.tail_len("b").await.expect("tail"), 5);
        let with_tail = storage.load_board("b").await.expect("load");
        assert_eq!(with_tail.updates, later);
        assert_eq!(with_tail.last_seq, 35);
        let rendered_with_tail = render(&with_tail);
        assert!(rendered_with_tail.0.ends_with("w33 w34 "));
        assert_eq!(
            storage.updates_after("b", 10).await.expect("after"),
            UpdatesAfter::Compacted
        );
        assert_eq!(
            storage.updates_after("b", 33).await.expect("after"),
            UpdatesAfter::Rows(vec![
                StoredUpdate {
                    seq: 34,
                    bytes: later[3].clone()
                },
                StoredUpdate {
                    seq: 35,
                    bytes: later[4].clone()
                }
            ])
        );

        let again = storage.compact("b").await.expect("compact again");
        assert!(
            matches!(
                again,
                CompactionOutcome::Compacted {
                    folded: 5,
                    up_to_seq: 35,
                    ..
                }
            ),
            "{again:?}"
        );
        assert_eq!(
            render(&storage.load_board("b").await.expect("load")),
            rendered_with_tail
        );
        assert_eq!(
            storage.updates_after("b", 35).await.expect("after"),
            UpdatesAfter::Rows(vec![])
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_racing_compactions_are_never_lost() {
    const ROUNDS: u64 = 6;
    const APPENDERS: u64 = 4;
    const APPENDS_EACH: u64 = 6;
    const COMPACTORS: u64 = 2;
    for backend in BACKENDS {
        let store = TestStore::open(backend).await;
        let relays = [store.storage.clone(), store.connect_again().await];
        let mut expected = BTreeMap::new();
        for round in 0..ROUNDS {
            let mut tasks = Vec::new();
            for appender in 0..APPENDERS {
                let storage = relays[(appender % 2) as usize].clone();
                let keys: Vec<(u64, String)> = (0..APPENDS_EACH)
                    .map(|i| {
                        let client = 1 + (round * APPENDERS + appender) * APPENDS_EACH + i;
                        (client, format!("r{round}-a{appender}-{i}"))
                    })
                    .collect();
                for (client, key) in &keys {
                    expected.insert(key.clone(), client.to_string());
                }
                tasks.push(tokio::spawn(async move {
                    for (client, key) in keys {
                        let update = independent_update(client, &key, client as i64);
                        storage
                            .append_batch(&single("race", &update))
                            .await
                            .expect("append");
                    }
                }));
            }
            for compactor in 0..COMPACTORS {
                let storage = relays[(compactor % 2) as usize].clone();
                tasks.push(tokio::spawn(async move {
                    for _ in 0..3 {
                        match storage.compact("race").await.expect("compact") {
                            CompactionOutcome::Incomplete(detail) => {
                                panic!("independent updates cannot be incomplete: {detail}")
                            }
                            CompactionOutcome::Compacted { .. }
                            | CompactionOutcome::NothingToDo => {}
                        }
                        tokio::task::yield_now().await;
                    }
                }));
            }
            for task in tasks {
                task.await.expect("race task");
            }
            let loaded = relays[1].load_board("race").await.expect("load");
            assert_eq!(
                render(&loaded).1,
                expected,
                "{backend}: round {round} lost an update"
            );
            assert_eq!(
                loaded.last_seq,
                ((round + 1) * APPENDERS * APPENDS_EACH) as i64
            );
        }
        storage_compacts_fully(&relays[0], "race").await;
        let loaded = relays[0].load_board("race").await.expect("load");
        assert_eq!(render(&loaded).1, expected);
    }
}

async fn storage_compacts_fully(storage: &Storage, board: &str) {
    let outcome = storage.compact(board).await.expect("compact");
    assert!(
        matches!(
            outcome,
            CompactionOutcome::Compacted { .. } | CompactionOutcome::NothingToDo
        ),
        "{outcome:?}"
    );
    assert_eq!(storage.tail_len(board).await.expect("tail"), 0);
}

#[tokio::test]
async fn a_log_with_a_hole_is_not_compacted() {
    for backend in BACKENDS {
        let store = TestStore::open(backend).await;
        let storage = &store.storage;
        let writer = Writer::new(3);
        let first = writer.type_text("first ");
        let _never_stored = writer.type_text("second ");
        let third = writer.type_text("third");
        storage
            .append_batch(&single("holey", &first))
            .await
            .expect("append");
        storage.compact("holey").await.expect("compact the first");
        // The third edit depends on the second, which is not stored.
        storage
            .append_batch(&single("holey", &third))
            .await
            .expect("append");
        let before = storage.load_board("holey").await.expect("load");

        let outcome = storage.compact("holey").await.expect("compact");
        assert!(
            matches!(outcome, CompactionOutcome::Incomplete(_)),
            "{backend}: {outcome:?}"
        );
        assert_eq!(
            storage.load_board("holey").await.expect("load"),
            before,
            "{backend}"
        );
        assert_eq!(storage.tail_len("holey").await.expect("tail"), 1);
    }
}

#[tokio::test]
async fn a_corrupt_row_is_an_error_and_changes_nothing() {
    for backend in BACKENDS {
        let store = TestStore::open(backend).await;
        let storage = &store.storage;
        let writer = Writer::new(4);
        let good = writer.type_text("kept");
        storage
            .append_batch(&single("bad", &good))
            .await
            .expect("append");
        storage.compact("bad").await.expect("compact the good row");
        let later = writer.type_text(" too");
        let garbage = [0xff_u8, 0xff, 0xff, 0xff, 0x01, 0x02];
        let batch = [
            NewUpdate {
                board: "bad",
                bytes: &later,
            },
            NewUpdate {
                board: "bad",
                bytes: &garbage,
            },
        ];
        let seqs = storage.append_batch(&batch).await.expect("append");
        let before = storage.load_board("bad").await.expect("load");

        match storage.compact("bad").await {
            Err(StorageError::CorruptUpdate { board, seq, .. }) => {
                assert_eq!((board.as_str(), seq), ("bad", seqs[1]), "{backend}");
            }
            other => panic!("{backend}: expected a corrupt-update error, got {other:?}"),
        }
        assert_eq!(
            storage.load_board("bad").await.expect("load"),
            before,
            "{backend}"
        );
        assert_eq!(storage.tail_len("bad").await.expect("tail"), 2);
    }
}

#[tokio::test]
async fn migrations_are_idempotent_and_urls_are_checked() {
    for backend in BACKENDS {
        let store = TestStore::open(backend).await;
        let update = independent_update(9, "k", 1);
        store
            .storage
            .append_batch(&single("kept", &update))
            .await
            .expect("append");
        for _ in 0..2 {
            let again = store.connect_again().await;
            again.ping().await.expect("ping");
            assert_eq!(
                again.load_board("kept").await.expect("load").updates,
                vec![update.clone()]
            );
        }
    }

    let dir = test_support::temp_data_dir();
    let url = format!("sqlite://{}", dir.path().join("by-url/relay.db").display());
    let by_url = Storage::connect(Some(&url), &dir.path().join("ignored.db"))
        .await
        .expect("sqlite:// URL");
    assert_eq!(by_url.backend(), "sqlite");
    assert!(dir.path().join("by-url/relay.db").exists());
    assert!(!dir.path().join("ignored.db").exists());

    let refused = Storage::connect(
        Some("mysql://tack:hunter2@db/tack"),
        &dir.path().join("x.db"),
    )
    .await
    .err()
    .expect("mysql is refused");
    assert!(
        matches!(refused, StorageError::UnsupportedUrl { .. }),
        "{refused:?}"
    );
    assert!(!refused.to_string().contains("hunter2"), "{refused}");
}
