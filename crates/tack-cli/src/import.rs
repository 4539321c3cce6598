//! `tackctl import trello|csv` and `tackctl export --format csv`: boards from other tools and
//! back, through `board-import`. An import is read whole, built in memory and stored in one
//! transaction: a bad file leaves nothing behind.

use std::path::Path;

use anyhow::{Context, Result};
use board_import::{BuildOptions, ImportReport, Person, Plan};
use board_model::{Board, BoardView};
use board_store::{member_name, replica, MemberRecord};

use crate::comment::my_member_id;
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

/// Who a person named in a file is here: me, when the file names me by my account's email or
/// name (the only member of a board that was never shared).
fn member_matcher(session: &mut Invocation) -> Result<impl Fn(&Person) -> Option<String>> {
    let me = my_member_id(&session.dir, &mut session.store)?;
    let mut names: Vec<String> = Vec::new();
    if let Some(account) = tack_account::read_account(&session.dir)? {
        names.push(account.email.to_lowercase());
        names.push(board_store::display_name(&account.email).to_lowercase());
    }
    Ok(move |person: &Person| {
        let known = std::iter::once(&person.name)
            .chain(person.handles.iter())
            .any(|n| names.contains(&n.trim().to_lowercase()));
        known.then(|| me.clone())
    })
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
        Ok(_) => {
            let member_of = member_matcher(session)?;
            let importer = my_member_id(&session.dir, &mut session.store)?;
            let (id, report) = session.change(board, |b| {
                let report = board_import::build(
                    b,
                    &plan,
                    BuildOptions {
                        importer: &importer,
                        reuse_by_name: true,
                    },
                    &member_of,
                )?;
                Ok((b.id().to_owned(), report))
            })?;
            print_report(&report);
            Ok(id)
        }
        Err(_) => new_board_from(session, &plan),
    }
}

fn new_board_from(session: &mut Invocation, plan: &Plan) -> Result<String> {
    let member_of = member_matcher(session)?;
    let importer = my_member_id(&session.dir, &mut session.store)?;
    let id = session.config.sources.new_id();
    let mut board = Board::create(&id, &plan.title, session.config.clone())?;
    let report = board_import::build(
        &mut board,
        plan,
        BuildOptions {
            importer: &importer,
            reuse_by_name: false,
        },
        member_of,
    )?;
    replica::store_new_board(&mut session.store, &mut board).context("saving the new board")?;
    print_report(&report);
    Ok(id)
}

/// The CSV of a board, assignees by name.
pub fn export_csv(view: &BoardView, members: &[MemberRecord]) -> String {
    board_import::csv::export(view, |id| {
        if members.iter().any(|m| m.user_id == id) {
            member_name(members, id)
        } else {
            id.to_owned()
        }
    })
}
