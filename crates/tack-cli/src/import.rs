//! `tackctl import trello|csv` and `tackctl export --format csv`: boards from other tools and
//! back, through `board-import`. An import is read whole, built in memory and stored in one
//! transaction: a bad file leaves nothing behind.

use std::path::Path;

use anyhow::{Context, Result};
use board_import::{ImportReport, Plan};
use board_model::BoardView;
use board_store::replica;

use crate::Invocation;

fn read_file(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if meta.len() > board_import::MAX_FILE_BYTES as u64 {
        anyhow::bail!(
            "{} is larger than {} MB",
            path.display(),
            board_import::MAX_FILE_BYTES / (1024 * 1024)
        );
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn print_report(report: &ImportReport) {
    eprintln!(
        "imported {} tasks in {} columns, {} labels, {} comments",
        report.tasks, report.columns, report.labels, report.comments
    );
    if !report.unmatched_people.is_empty() {
        eprintln!(
            "kept as names (no member matched them): {}",
            report.unmatched_people.join(", ")
        );
    }
}

/// Reads a Trello export into a new board; returns its id.
pub fn import_trello(session: &mut Invocation, path: &Path) -> Result<String> {
    let bytes = read_file(path)?;
    let plan = board_import::trello::read(&bytes).with_context(|| {
        format!(
            "{} is not a Trello board export Tack can read",
            path.display()
        )
    })?;
    new_board_from(session, &plan)
}

/// Reads a CSV file into the board `board` (an existing one, by id or title prefix), or into
/// a new board of that title when none matches.
pub fn import_csv(session: &mut Invocation, path: &Path, board: &str) -> Result<String> {
    let bytes = read_file(path)?;
    let plan = board_import::csv::read(&bytes, board)
        .with_context(|| format!("{} is not a task CSV Tack can read", path.display()))?;
    match session.board_id(board) {
        Ok(id) => {
            let people = session.directory(&id)?;
            let (id, report) = session.change(board, |b| {
                let report = replica::import_into(b, &plan, &people)?;
                Ok((b.id().to_owned(), report))
            })?;
            print_report(&report);
            Ok(id)
        }
        Err(_) => new_board_from(session, &plan),
    }
}

fn new_board_from(session: &mut Invocation, plan: &Plan) -> Result<String> {
    let id = session.config.sources.new_id();
    // A new board's people: me alone.
    let people = session.directory(&id)?;
    let (_, report) = replica::import_new_board(
        &mut session.store,
        &id,
        plan,
        session.config.clone(),
        &people,
    )
    .map_err(|err| match err {
        board_store::StoreError::Import(import) => anyhow::Error::from(import),
        other => anyhow::Error::from(other).context("saving the new board"),
    })?;
    print_report(&report);
    Ok(id)
}

/// The CSV of a board, assignees by name (a free-text assignee as it is written).
pub fn export_csv(view: &BoardView, people: &board_store::Directory) -> String {
    board_import::csv::export(view, |id| people.name_or_key(id))
}
