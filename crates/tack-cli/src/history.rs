//! `tackctl task history` and `tackctl task restore`: a task's history, newest first, and
//! bringing an earlier value back as an ordinary (undoable) edit (DESIGN "History").
//!
//! The history here is this profile's own changes, kept by the store with each operation
//! (`Store::task_history`); on a shared board a change the relay has not acknowledged yet is
//! marked "not synced yet".

use anyhow::{bail, Context, Result};
use board_model::{Board, CommentAction, FieldValue, HistoryField};
use board_store::{member_name, LocalChange, MemberRecord, MAX_HISTORY_PAGE};

use crate::comment::{my_member_id, time_text};
use crate::{print_json, task_id, Invocation};

/// A change id as printed: `l` and the store's id.
fn change_id(change: &LocalChange) -> String {
    format!("l{}", change.id)
}

fn parse_change_id(text: &str) -> Result<i64> {
    text.strip_prefix('l')
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .with_context(|| format!("{text:?} is not a change id (like l42, from `task history`)"))
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed<'a> {
    id: String,
    task: &'a str,
    field: HistoryField,
    value: &'a FieldValue,
    truncated: bool,
    /// The author's member id.
    author: &'a str,
    author_name: String,
    at: i64,
    /// The relay has it (always true on a board never shared).
    synced: bool,
}

/// How one value reads in a terminal line: names for ids, short texts.
fn show_value(
    board: &Board,
    members: &[MemberRecord],
    field: HistoryField,
    value: &FieldValue,
) -> String {
    let short = |text: &str| {
        let line = text.lines().next().unwrap_or("");
        let mut cut: String = line.chars().take(60).collect();
        if cut.len() < text.len() {
            cut.push('…');
        }
        format!("{cut:?}")
    };
    match (field, value) {
        (HistoryField::Column, FieldValue::Text(id)) => board
            .columns()
            .into_iter()
            .find(|c| c.id == *id)
            .map_or_else(
                || format!("(deleted column {id})"),
                |c| format!("{:?}", c.title),
            ),
        (HistoryField::Labels, FieldValue::Ids(ids)) => {
            let labels = board.labels();
            let names: Vec<String> = ids
                .iter()
                .map(|id| {
                    labels
                        .iter()
                        .find(|l| l.id == *id)
                        .map_or_else(|| "(deleted label)".to_owned(), |l| l.name.clone())
                })
                .collect();
            format!("[{}]", names.join(", "))
        }
        (HistoryField::Assignees, FieldValue::Ids(ids)) => {
            let names: Vec<String> = ids.iter().map(|id| member_name(members, id)).collect();
            format!("[{}]", names.join(", "))
        }
        (_, FieldValue::Checklist(items)) => {
            let done = items.iter().filter(|i| i.done).count();
            format!("{} items, {done} done", items.len())
        }
        (HistoryField::Checklist, FieldValue::Ids(_)) => "no items".to_owned(),
        (_, FieldValue::Comment(change)) => match change.action {
            CommentAction::Added => format!("added {}", short(&change.body)),
            CommentAction::Edited => format!("edited {}", short(&change.body)),
            CommentAction::Deleted => "deleted a comment".to_owned(),
        },
        (_, FieldValue::Text(text)) => short(text),
        (_, FieldValue::Flag(flag)) => flag.to_string(),
        (_, FieldValue::Absent) => "none".to_owned(),
        (_, FieldValue::Ids(ids)) => format!("[{}]", ids.join(", ")),
    }
}

pub fn history(
    session: &mut Invocation,
    board: &str,
    task: &str,
    json: bool,
    before: Option<&str>,
    limit: u32,
) -> Result<()> {
    let board_id = session.board_id(board)?;
    let b = session.open_board(&board_id)?;
    let task = task_id(&b, task)?;
    let before = before.map(parse_change_id).transpose()?;
    let shared = session
        .store
        .board(&board_id)?
        .is_some_and(|record| record.server.is_some());
    let me = my_member_id(&session.dir, &mut session.store)?;
    let members = session.store.members(&board_id)?;
    let my_name = if members.iter().any(|m| m.user_id == me) {
        member_name(&members, &me)
    } else {
        session.config.user.clone()
    };
    let changes =
        session
            .store
            .task_history(&board_id, &task, before, limit.clamp(1, MAX_HISTORY_PAGE))?;
    if json {
        let rows: Vec<Listed<'_>> = changes
            .iter()
            .map(|c| Listed {
                id: change_id(c),
                task: &c.task,
                field: c.field,
                value: &c.value,
                truncated: c.truncated,
                author: &me,
                author_name: my_name.clone(),
                at: c.at_ms,
                synced: !shared || c.acknowledged,
            })
            .collect();
        return print_json(&rows);
    }
    for c in &changes {
        let pending = if shared && !c.acknowledged {
            "  (not synced yet)"
        } else {
            ""
        };
        let truncated = if c.truncated { " (cut)" } else { "" };
        println!(
            "{}  {}  {}  {}  {}{truncated}{pending}",
            change_id(c),
            time_text(c.at_ms),
            my_name,
            c.field.as_str(),
            show_value(&b, &members, c.field, &c.value)
        );
    }
    Ok(())
}

pub fn restore(session: &mut Invocation, board: &str, task: &str, change: &str) -> Result<()> {
    let board_id = session.board_id(board)?;
    let id = parse_change_id(change)?;
    let Some(found) = session.store.task_change(&board_id, id)? else {
        bail!("no change {change} on this board");
    };
    if found.truncated {
        bail!("change {change} was too long to keep whole in history; it cannot be restored");
    }
    session.change(&board_id, |b| {
        let task = task_id(b, task)?;
        if found.task != task {
            bail!("change {change} is not a change of this task");
        }
        b.restore_field(&task, found.field, &found.value)
            .with_context(|| format!("restoring the {}", found.field.as_str()))
    })
}
