//! Where the desktop app's own memory goes with the 20 × 500 demo board (10,000 tasks) open:
//! the process's anonymous memory (its heap, from `/proc/self/smaps_rollup`) and RSS after each
//! step of opening it as the app does. BENCHMARKS.md "Desktop app memory" has the numbers.
//!
//! `cargo run --release -p tack --example board_memory`

use board_model::{ReplicaConfig, Sources};
use tack::session::Session;

/// A field of `/proc/self/smaps_rollup` ("Rss", "Anonymous"), in MiB.
fn memory_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/smaps_rollup")
        .ok()
        .and_then(|rollup| {
            let line = rollup
                .lines()
                .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Prints the heap (anonymous memory) and RSS, and the heap's change since the last report.
fn report(step: &str, last: &mut f64) {
    let heap = memory_mib("Anonymous");
    println!(
        "{step:<58} heap {heap:>7.1} MiB ({:>+7.1})   RSS {:>7.1} MiB",
        heap - *last,
        memory_mib("Rss")
    );
    *last = heap;
}

fn main() -> anyhow::Result<()> {
    let config = ReplicaConfig {
        user: "me".into(),
        sources: Sources::system(),
    };
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, dir] = &args[..] {
        if flag == "--generate" {
            // In a process of its own: what writing the board allocated must not count below.
            let mut session = Session::open(std::path::Path::new(dir), config)?;
            print!(
                "{}",
                session.generate_demo_board("Demo 20 × 500", 20, 10_000)?.id
            );
            return Ok(());
        }
    }
    let dir = tempfile::tempdir()?;
    let generated = std::process::Command::new(std::env::current_exe()?)
        .arg("--generate")
        .arg(dir.path())
        .output()?;
    anyhow::ensure!(
        generated.status.success(),
        "generating the demo board failed"
    );
    let board = String::from_utf8(generated.stdout)?;
    let mut last = 0.0;
    report("start (the demo board written and closed)", &mut last);

    let store = board_store::Store::open_in_dir(dir.path())?;
    report("a store opened", &mut last);
    let stored = board_store::replica::read_board(&store, &board)?;
    report("the board's rows read (snapshot + log + undo)", &mut last);
    let replica = board_store::replica::build_board(stored, config.clone())?;
    report("its replica built (yrs document, undo history)", &mut last);
    let view = replica.view();
    report("its view built (what open_board answers)", &mut last);
    let json = serde_json::to_vec(&view)?;
    report(
        &format!(
            "the view as JSON ({:.1} MiB)",
            json.len() as f64 / 1048576.0
        ),
        &mut last,
    );
    drop((json, view, replica, store));
    report("all of it dropped", &mut last);

    let mut session = Session::open(dir.path(), config)?;
    report("the app's session opened", &mut last);
    let opened = session.open_board_with_people(&board, None)?;
    report(
        "open_board (replica, facts, shown columns + the answer)",
        &mut last,
    );
    drop(opened);
    report("the answer sent and dropped: what the app keeps", &mut last);
    Ok(())
}
