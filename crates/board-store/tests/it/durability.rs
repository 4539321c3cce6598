//! Every update whose `append_update` returned survives a SIGKILL of the writing process.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use board_store::{Store, UpdateOrigin};

use crate::support::{hex, record, render, Editor};

/// Set by the parent test to turn [`child_writer`] into the process that gets killed.
const WRITER_ENV: &str = "BOARD_STORE_IT_WRITER_DB";
const BOARD: &str = "durable";
/// Lines the parent waits for before killing the child mid-stream.
const REPORTS_BEFORE_KILL: usize = 60;

/// Not a test on its own: when [`WRITER_ENV`] is set this is the child process, appending
/// edits forever and reporting each seq only after `append_update` returned.
#[test]
fn child_writer() {
    let Ok(db) = std::env::var(WRITER_ENV) else {
        return;
    };
    let mut store = Store::open(db.as_ref()).expect("child opens store");
    let mut editor = Editor::new(2);
    let mut stdout = std::io::stdout().lock();
    for i in 0..1_000_000u32 {
        let update = editor.set(&format!("k{i}"), &format!("v{i}"));
        let seq = store
            .append_update(BOARD, UpdateOrigin::Local, &update)
            .expect("append");
        writeln!(stdout, "SEQ {seq} {i} {}", hex(&update)).expect("report");
        stdout.flush().expect("flush");
    }
}

#[test]
fn appended_updates_survive_sigkill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("tack.sqlite3");
    {
        let mut store = Store::open(&db).expect("open");
        let initial = Editor::new(1).set("title", "Durable");
        store
            .create_board(&record(BOARD, "Durable", 1), &initial)
            .expect("create");
    }

    let mut child = Command::new(std::env::current_exe().expect("test binary path"))
        .args([
            "durability::child_writer",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(WRITER_ENV, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn writer");
    let stdout = child.stdout.take().expect("child stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut reported: Vec<(i64, u32, String)> = Vec::new();
    while reported.len() < REPORTS_BEFORE_KILL {
        let line = lines
            .next()
            .expect("writer stopped before being killed")
            .expect("read child stdout");
        parse(&line, &mut reported);
    }
    child.kill().expect("SIGKILL the writer"); // `Child::kill` is SIGKILL on unix.
    child.wait().expect("reap writer");
    // Lines already in the pipe were printed after their append returned: they count too.
    for line in lines {
        parse(&line.expect("read child stdout"), &mut reported);
    }

    let store = Store::open(&db).expect("reopen after SIGKILL");
    let stored: BTreeMap<i64, Vec<u8>> = store.outbox(BOARD).expect("outbox").into_iter().collect();
    for (seq, i, bytes) in &reported {
        let found = stored
            .get(seq)
            .unwrap_or_else(|| panic!("seq {seq} (edit {i}) was reported durable but is missing"));
        assert_eq!(&hex(found), bytes, "bytes of seq {seq} differ");
    }
    let seqs: Vec<i64> = reported.iter().map(|(seq, _, _)| *seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "seqs strictly increase: {seqs:?}"
    );

    let loaded = store.load_board(BOARD).expect("load");
    let state = render(&loaded);
    for (_, i, _) in &reported {
        assert_eq!(
            state.get(&format!("k{i}")).map(String::as_str),
            Some(format!("v{i}").as_str())
        );
    }
    // The child may have committed one more edit after its last report; never fewer.
    let edits = state.keys().filter(|k| k.starts_with('k')).count();
    assert_eq!(
        edits as i64,
        loaded.last_seq - 1,
        "every stored update is a whole edit"
    );
    assert!(edits >= reported.len());
}

/// Collects a child's `SEQ <seq> <edit index> <hex bytes>` report; other lines are libtest's.
fn parse(line: &str, reported: &mut Vec<(i64, u32, String)>) {
    if let Some(rest) = line.strip_prefix("SEQ ") {
        let mut fields = rest.split(' ');
        let seq = fields.next().and_then(|s| s.parse().ok()).expect("seq");
        let i = fields.next().and_then(|s| s.parse().ok()).expect("index");
        let bytes = fields.next().expect("bytes").to_owned();
        reported.push((seq, i, bytes));
    }
}
