//! `tackctl remind BOARD TASK [--before 15m | --at TIME | --off]` and `tackctl reminders
//! [--json]`: my reminders (DESIGN §2 `reminders`), kept in this profile, never in the board.
//! The desktop app fires them; `tackctl` sets, lists and removes them.

use anyhow::{bail, Result};
use board_store::local_time::local_offset_at;
use board_store::{
    parse_reminder_offset, parse_reminder_time, RemindedTask, Reminder, ReminderWhen,
};
use chrono::Local;

use crate::comment::time_text;
use crate::{print_json, task_id, Invocation};

/// What `tackctl remind` was asked to do.
pub struct RemindArgs {
    pub board: String,
    pub task: String,
    pub before: Option<String>,
    pub at: Option<String>,
    pub off: bool,
}

/// How a reminder's timing reads: "at due", "15m before due", "at 2026-12-05 14:00Z".
fn when_text(when: ReminderWhen) -> String {
    match when {
        ReminderWhen::At { at_ms } => format!("at {}", time_text(at_ms)),
        ReminderWhen::BeforeDue { before_ms: 0 } => "at due".to_owned(),
        ReminderWhen::BeforeDue { before_ms } => {
            let minutes = before_ms / 60_000;
            let text = if minutes % (24 * 60) == 0 {
                format!("{}d", minutes / (24 * 60))
            } else if minutes % 60 == 0 {
                format!("{}h", minutes / 60)
            } else {
                format!("{minutes}m")
            };
            format!("{text} before due")
        }
    }
}

fn state_text(reminder: &Reminder) -> String {
    match (reminder.fired_at_ms, reminder.fire_at_ms) {
        (Some(at), _) => format!("fired {}", time_text(at)),
        (None, Some(at)) => format!("fires {}", time_text(at)),
        (None, None) => "waits for a due".to_owned(),
    }
}

pub fn remind(session: &mut Invocation, args: RemindArgs) -> Result<()> {
    let board = session.open_board(&args.board)?;
    let task = task_id(&board, &args.task)?;
    let Some(view) = board.task(&task) else {
        bail!("no task {task}");
    };
    if args.off {
        let removed = session.store.remove_reminder(board.id(), &task)?;
        println!(
            "{}",
            if removed {
                format!("Reminder of {:?} removed", view.title)
            } else {
                format!("{:?} had no reminder", view.title)
            }
        );
        return Ok(());
    }
    let now = Local::now().fixed_offset();
    let when = match (&args.before, &args.at) {
        (Some(_), Some(_)) => bail!("--before and --at are exclusive"),
        (Some(before), None) => ReminderWhen::BeforeDue {
            before_ms: parse_reminder_offset(before)?,
        },
        (None, Some(at)) => ReminderWhen::At {
            at_ms: parse_reminder_time(at, now, local_offset_at)?,
        },
        (None, None) => ReminderWhen::BeforeDue { before_ms: 0 },
    };
    let reminder = session.store.set_reminder(
        board.id(),
        &task,
        when,
        &RemindedTask {
            title: view.title.clone(),
            due: view.due.clone().filter(|_| !view.archived),
        },
        now.timestamp_millis(),
        local_offset_at,
    )?;
    let state = match (reminder.fired_at_ms, reminder.fire_at_ms) {
        (Some(_), _) => "already past: it will not ring".to_owned(),
        _ => state_text(&reminder),
    };
    println!(
        "Reminder of {:?} {}: {}",
        view.title,
        when_text(reminder.when),
        state
    );
    Ok(())
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed<'a> {
    board: &'a str,
    board_title: String,
    task: &'a str,
    title: &'a str,
    /// `before` (ms before the due) or `at` (a fixed moment).
    before_ms: Option<i64>,
    at_ms: Option<i64>,
    due: Option<&'a str>,
    fire_at_ms: Option<i64>,
    fired_at_ms: Option<i64>,
}

pub fn list(session: &Invocation, json: bool) -> Result<()> {
    let reminders = session.store.reminders()?;
    let boards = session.store.list_boards()?;
    let board_title = |id: &str| {
        boards
            .iter()
            .find(|b| b.id == id)
            .map_or_else(|| id.to_owned(), |b| b.title.clone())
    };
    if json {
        let listed: Vec<Listed<'_>> = reminders
            .iter()
            .map(|r| {
                let (before_ms, at_ms) = match r.when {
                    ReminderWhen::BeforeDue { before_ms } => (Some(before_ms), None),
                    ReminderWhen::At { at_ms } => (None, Some(at_ms)),
                };
                Listed {
                    board: &r.board,
                    board_title: board_title(&r.board),
                    task: &r.task,
                    title: &r.title,
                    before_ms,
                    at_ms,
                    due: r.due.as_deref(),
                    fire_at_ms: r.fire_at_ms,
                    fired_at_ms: r.fired_at_ms,
                }
            })
            .collect();
        return print_json(&listed);
    }
    if reminders.is_empty() {
        println!("No reminders");
    }
    for r in &reminders {
        println!(
            "{}  {:?} on {}  ({})",
            state_text(r),
            r.title,
            board_title(&r.board),
            when_text(r.when)
        );
    }
    Ok(())
}
