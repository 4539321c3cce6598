//! The group-commit writer against both backends: batching, durability of every answered seq,
//! draining on shutdown, and failures answered with `Err`, never `Ok`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sync_server::commit::{BatchReport, CommitError, GroupCommitConfig, GroupCommitter};
use sync_server::storage::{Storage, StoredUpdate, UpdatesAfter};

use crate::storage::{independent_update, TestStore, BACKENDS};

/// Shutdown must not hang a test run: fail instead after this long.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// Asserts the row `seq` of `board` holds `bytes`, read through `storage`.
async fn assert_stored(storage: &Storage, board: &str, seq: i64, bytes: &[u8]) {
    match storage
        .updates_after(board, seq - 1)
        .await
        .expect("read back")
    {
        UpdatesAfter::Rows(rows) => assert_eq!(
            rows.first(),
            Some(&StoredUpdate {
                seq,
                bytes: bytes.to_vec()
            }),
            "seq {seq} of {board} was answered but is not visible"
        ),
        UpdatesAfter::Compacted => panic!("nothing compacts in this test"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commits_share_transactions_and_are_committed_when_answered() {
    const COMMITS: u64 = 500;
    const BOARDS: u64 = 5;
    for backend in BACKENDS {
        let store = TestStore::open(backend).await;
        // A separate pool, as another relay process: sees only what is committed.
        let outsider = store.connect_again().await;
        let (committer, writer) =
            GroupCommitter::spawn(store.storage.clone(), GroupCommitConfig::default());
        let reported_updates = Arc::new(AtomicU64::new(0));
        let reports = Arc::clone(&reported_updates);
        committer.set_observer(Arc::new(move |report: BatchReport| {
            assert!(report.committed);
            reports.fetch_add(report.updates as u64, Ordering::Relaxed);
        }));

        let mut tasks = Vec::new();
        for i in 0..COMMITS {
            let board = format!("board-{}", i % BOARDS);
            let update = independent_update(i + 1, &format!("k{i}"), i as i64);
            let pending = committer.commit(board.clone(), update.clone());
            let outsider = outsider.clone();
            tasks.push(tokio::spawn(async move {
                let seq = pending.await.expect("commit");
                assert_stored(&outsider, &board, seq, &update).await;
                (board, seq)
            }));
        }
        let mut seqs_by_board: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for task in tasks {
            let (board, seq) = task.await.expect("commit task");
            seqs_by_board.entry(board).or_default().push(seq);
        }
        for (board, mut seqs) in seqs_by_board {
            seqs.sort_unstable();
            let per_board = (COMMITS / BOARDS) as i64;
            assert_eq!(
                seqs,
                (1..=per_board).collect::<Vec<_>>(),
                "{backend}: {board}"
            );
        }

        let stats = committer.stats();
        assert_eq!(stats.updates, COMMITS, "{backend}");
        assert_eq!(stats.failed_transactions, 0);
        assert!(
            stats.transactions < COMMITS,
            "{backend}: no batching: {stats:?}"
        );
        assert!(stats.largest_batch > 1, "{stats:?}");
        drop(committer);
        tokio::time::timeout(HANG_GUARD, writer)
            .await
            .expect("the writer stops once every handle is gone")
            .expect("writer task");
        assert_eq!(reported_updates.load(Ordering::Relaxed), COMMITS);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_every_committer_drains_the_queue() {
    for backend in BACKENDS {
        let store = TestStore::open(backend).await;
        // A delay no test would wait out: the drain must not wait for it either.
        let config = GroupCommitConfig {
            max_delay: Duration::from_secs(3600),
            max_batch_updates: 7,
            ..GroupCommitConfig::default()
        };
        let (committer, writer) = GroupCommitter::spawn(store.storage.clone(), config);
        let updates: Vec<Vec<u8>> = (0..40)
            .map(|i| independent_update(i + 1, "k", i as i64))
            .collect();
        let pending: Vec<_> = updates
            .iter()
            .map(|update| tokio::spawn(committer.commit("drain".into(), update.clone())))
            .collect();
        drop(committer);

        let mut seqs = Vec::new();
        for task in pending {
            let answer = tokio::time::timeout(HANG_GUARD, task)
                .await
                .expect("answered");
            seqs.push(answer.expect("commit task").expect("committed"));
        }
        tokio::time::timeout(HANG_GUARD, writer)
            .await
            .expect("the writer ends after draining")
            .expect("writer task");
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=40).collect::<Vec<_>>(), "{backend}");
        let stored = store
            .connect_again()
            .await
            .load_board("drain")
            .await
            .expect("load");
        assert_eq!(stored.updates.len(), 40);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pool_answers_every_waiter_with_err() {
    for backend in BACKENDS {
        let store = TestStore::open(backend).await;
        let (committer, writer) =
            GroupCommitter::spawn(store.storage.clone(), GroupCommitConfig::default());
        let seq = committer
            .commit("b".into(), independent_update(1, "k", 1))
            .await
            .expect("commit before the failure");
        assert_eq!(seq, 1);

        store.storage.close().await;
        let pending: Vec<_> = (0..50)
            .map(|i| tokio::spawn(committer.commit("b".into(), independent_update(i + 2, "k", 2))))
            .collect();
        for task in pending {
            match task.await.expect("commit task") {
                Err(CommitError::Storage(_)) => {}
                other => panic!("{backend}: a failed transaction answered {other:?}"),
            }
        }
        let stats = committer.stats();
        assert_eq!((stats.transactions, stats.updates), (1, 1), "{backend}");
        assert!(stats.failed_transactions >= 1);
        drop(committer);
        tokio::time::timeout(HANG_GUARD, writer)
            .await
            .expect("writer ends")
            .expect("writer task");

        let reopened = store.connect_again().await;
        assert_eq!(reopened.load_board("b").await.expect("load").last_seq, 1);
    }
}

/// PostgreSQL going away under the relay: connections terminated mid-run (the pool recovers;
/// every `Ok` must still be a committed row), then the database dropped (only `Err`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_failures_never_answer_ok_for_an_uncommitted_row() {
    let mut store = TestStore::open(crate::storage::Backend::Postgres).await;
    let (committer, writer) =
        GroupCommitter::spawn(store.storage.clone(), GroupCommitConfig::default());
    for round in 0..3_u64 {
        let mut tasks = Vec::new();
        for i in 0..100 {
            let update = independent_update(round * 1000 + i + 1, "k", 1);
            let pending = committer.commit("pg".into(), update.clone());
            tasks.push(tokio::spawn(async move { (pending.await, update) }));
        }
        store
            .postgres_database()
            .expect("a PostgreSQL store")
            .terminate_connections();
        let mut answered_ok = Vec::new();
        for task in tasks {
            let (answer, update) = task.await.expect("commit task");
            match answer {
                Ok(seq) => answered_ok.push((seq, update)),
                Err(CommitError::Storage(_)) => {}
                Err(CommitError::QueueClosed) => panic!("the writer died"),
                Err(CommitError::NotAllowed) => panic!("an anonymous update was refused"),
            }
        }
        // A fresh pool: the terminations closed every earlier connection.
        let check = store.connect_again().await;
        for (seq, update) in answered_ok {
            assert_stored(&check, "pg", seq, &update).await;
        }
    }
    // Recovered: a commit after the terminations succeeds and is visible.
    let update = independent_update(99_999, "after", 1);
    let seq = committer
        .commit("pg".into(), update.clone())
        .await
        .expect("commit after recovery");
    assert_stored(&store.connect_again().await, "pg", seq, &update).await;

    store.drop_postgres_database();
    let pending: Vec<_> = (0..20)
        .map(|i| {
            tokio::spawn(committer.commit("pg".into(), independent_update(200_000 + i, "k", 1)))
        })
        .collect();
    for task in pending {
        match task.await.expect("commit task") {
            Err(CommitError::Storage(_)) => {}
            other => panic!("a commit to a dropped database answered {other:?}"),
        }
    }
    assert!(committer.stats().failed_transactions >= 1);
    drop(committer);
    tokio::time::timeout(HANG_GUARD, writer)
        .await
        .expect("writer ends")
        .expect("writer task");
}

#[tokio::test]
async fn enqueued_updates_commit_in_queue_order() {
    for backend in BACKENDS {
        let store = TestStore::open(backend).await;
        let config = GroupCommitConfig {
            max_batch_updates: 3,
            ..GroupCommitConfig::default()
        };
        let (committer, writer) = GroupCommitter::spawn(store.storage.clone(), config);
        let mut tickets = Vec::new();
        for i in 0..20 {
            let update = independent_update(i + 1, "k", i as i64);
            let board = if i % 3 == 0 { "other" } else { "ordered" };
            tickets.push((
                board,
                committer
                    .enqueue(board.into(), update)
                    .await
                    .expect("queued"),
            ));
        }
        let mut last_seq = BTreeMap::new();
        for (board, ticket) in tickets {
            let seq = ticket.await.expect("committed");
            let previous = last_seq.insert(board, seq).unwrap_or(0);
            assert_eq!(seq, previous + 1, "{backend}: {board} out of queue order");
        }
        drop(committer);
        tokio::time::timeout(HANG_GUARD, writer)
            .await
            .expect("writer ends")
            .expect("writer task");
    }
}
