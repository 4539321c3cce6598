//! `tackctl task copy|move --to-board`, `board duplicate`, `board create --template` and
//! `template list|save|delete`: board-store's `transfer` from the shell.

use anyhow::{bail, Context, Result};
use board_model::{PasteOptions, Place};
use board_store::replica;
use board_store::transfer::{self, Transfer, TransferReport};

use crate::args::{PlaceArgs, TemplateCommand};
use crate::{column_id, place, print_json, task_id, Invocation};

/// Tells what a copy to another board left out or rewrote (on stderr: stdout is the id).
fn tell(report: &TransferReport, target: &str) {
    if !report.left_out.is_empty() {
        eprintln!(
            "not assigned on {target} (no member there): {}",
            report.left_out.join(", ")
        );
    }
    if report.reattributed > 0 {
        eprintln!(
            "{} comment(s) by people who are no members of {target} kept with their names",
            report.reattributed
        );
    }
}

/// `task copy` and `task move --to-board`.
pub fn copy_or_move(
    session: &mut Invocation,
    board: &str,
    task: &str,
    column: Option<&str>,
    to_board: Option<&str>,
    at: &PlaceArgs,
    mode: Transfer,
) -> Result<Option<String>> {
    let from_id = session.board_id(board)?;
    let to_id = match to_board {
        Some(query) => session.board_id(query)?,
        None => from_id.clone(),
    };
    if to_id == from_id {
        // Within one board: a copy is a duplicate (without its comments); a move is `task move`.
        let mut source = session.open_board(&from_id)?;
        let t = task_id(&source, task)?;
        let copy = source.copy_task(&t)?;
        let (c, p) = match column {
            Some(column) => {
                let c = column_id(&source, column)?;
                let p = place(at, |q| task_id(&source, q))?;
                (c, p)
            }
            None => {
                let here = source.task(&t).context("task vanished")?.column;
                (here, Place::After(t.clone()))
            }
        };
        if mode == Transfer::Move {
            source.move_task(&t, &c, p)?;
            replica::save_local_changes(&mut session.store, &mut source)?;
            return Ok(None);
        }
        let id = source.paste_task(&copy, &c, p, PasteOptions::default())?;
        replica::save_local_changes(&mut session.store, &mut source)?;
        return Ok(Some(id));
    }
    let mut source = session.open_board(&from_id)?;
    let mut target = session.open_board(&to_id)?;
    let t = task_id(&source, task)?;
    let c = match column {
        Some(column) => column_id(&target, column)?,
        None => transfer::landing_column(&source, &t, &target).with_context(|| {
            format!(
                "board {:?} has no column to put the task in",
                target.title()
            )
        })?,
    };
    let p = place(at, |q| task_id(&target, q))?;
    let people = (session.directory(&from_id)?, session.directory(&to_id)?);
    let report = transfer::transfer_task(
        &mut session.store,
        &mut source,
        &t,
        &mut target,
        &c,
        p,
        mode,
        (&people.0, &people.1),
    )?;
    tell(&report, &target.title());
    Ok(Some(report.task))
}

/// `board duplicate`: prints the new board's id.
pub fn duplicate_board(session: &mut Invocation, board: &str, title: Option<String>) -> Result<()> {
    let source = session.open_board(board)?;
    let title = title.unwrap_or_else(|| format!("{} (copy)", source.title()));
    let id = session.config.sources.new_id();
    let from = session.directory(source.id())?;
    // The new board is never shared yet: its people are me alone.
    let me = from
        .entries()
        .iter()
        .find(|e| e.me)
        .cloned()
        .context("no local member")?;
    let to = board_store::Directory::new(
        &[],
        board_store::Me {
            user_id: &me.user_id,
            email: Some(me.email.as_str()).filter(|e| !e.is_empty()),
            name: &me.name,
        },
    );
    let (_, report) = transfer::duplicate_board(
        &mut session.store,
        &source,
        &id,
        &title,
        session.config.clone(),
        (&from, &to),
    )?;
    tell(&report, &title);
    println!("{id}");
    Ok(())
}

/// `board create --template`: prints the new board's id.
pub fn create_from_template(session: &mut Invocation, title: &str, template: &str) -> Result<()> {
    let Some(found) = session.store.find_template(template)? else {
        let names: Vec<String> = session
            .store
            .templates()?
            .into_iter()
            .map(|t| t.name)
            .collect();
        bail!("no template {template:?}; there are: {}", names.join(", "));
    };
    let id = session.config.sources.new_id();
    transfer::board_from_template(
        &mut session.store,
        &found.id,
        &id,
        title,
        session.config.clone(),
    )?;
    println!("{id}");
    Ok(())
}

pub fn template_command(session: &mut Invocation, command: TemplateCommand) -> Result<()> {
    match command {
        TemplateCommand::List { json } => {
            let templates = session.store.templates()?;
            if json {
                print_json(&templates)?;
            } else {
                for t in templates {
                    let kind = if t.builtin { "built-in" } else { &t.id };
                    println!("{}  ({kind}): {}", t.name, t.columns.join(" | "));
                }
            }
        }
        TemplateCommand::Save { board, name } => {
            let board = session.open_board(&board)?;
            let name = name.unwrap_or_else(|| board.title());
            if name.trim().is_empty() {
                bail!("a template needs a name");
            }
            let id = session
                .store
                .save_template(&board, &name, session.config.clone())?;
            println!("{id}");
        }
        TemplateCommand::Delete { template } => {
            let Some(found) = session.store.find_template(&template)? else {
                bail!("no template {template:?}");
            };
            if found.builtin {
                bail!("{:?} is built in and cannot be deleted", found.name);
            }
            session.store.delete_template(&found.id)?;
        }
    }
    Ok(())
}
