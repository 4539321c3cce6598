//! My reminders (DESIGN §2 `reminders`): per person, per task, in the local profile, never in a
//! board document. A reminder is an offset before the task's due (it follows the due when the
//! due changes) or a fixed moment. The store keeps when each one fires, so the app's scheduler
//! asks for the next one without loading any board.

use board_model::{parse_due_input, Due, ModelError};
use chrono::{DateTime, FixedOffset, NaiveDateTime, NaiveTime};
use rusqlite::{params, OptionalExtension};

use crate::{now_ms, require_board, Store, StoreError};

/// A date-only due reminds at this local hour of that day (minus the offset).
pub const DATE_REMINDER_HOUR: u32 = 9;
/// The longest offset before a due a reminder may have (30 days).
pub const MAX_REMINDER_OFFSET_MS: i64 = 30 * 24 * 3_600_000;
/// The most reminders one call hands out as fired (the rest fire on the next call).
pub const MAX_FIRED_AT_ONCE: u32 = 1_000;

/// When a reminder fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderWhen {
    /// `before_ms` before the task's due (0: at due); follows the due.
    BeforeDue { before_ms: i64 },
    /// At a fixed moment, ms since the Unix epoch.
    At { at_ms: i64 },
}

/// One of my reminders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub board: String,
    pub task: String,
    pub when: ReminderWhen,
    /// The task's title and due when the reminder was last refreshed from its board.
    pub title: String,
    pub due: Option<String>,
    /// When it fires; `None` when it follows a due the task does not have.
    pub fire_at_ms: Option<i64>,
    /// When it fired; `None` while it is still to come.
    pub fired_at_ms: Option<i64>,
}

/// Reads an offset before a due: `0`, `15m`, `90min`, `2h`, `1d` (at most 30 days).
pub fn parse_reminder_offset(text: &str) -> Result<i64, ModelError> {
    let invalid = || ModelError::InvalidValue {
        field: "reminder offset",
        reason: "expected a number of minutes, hours or days, like 15m, 2h or 1d".into(),
    };
    let text = text.trim();
    if text.len() > 16 {
        return Err(invalid());
    }
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let number: i64 = number.parse().map_err(|_| invalid())?;
    let unit_ms = match unit.trim() {
        "" if number == 0 => 0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60_000,
        "h" | "hour" | "hours" => 3_600_000,
        "d" | "day" | "days" => 24 * 3_600_000,
        _ => return Err(invalid()),
    };
    let ms = number.checked_mul(unit_ms).ok_or_else(invalid)?;
    if ms > MAX_REMINDER_OFFSET_MS {
        return Err(ModelError::InvalidValue {
            field: "reminder offset",
            reason: "at most 30 days before the due".into(),
        });
    }
    Ok(ms)
}

/// Reads a fixed reminder time the way a due is typed (`tomorrow 9:00`, `fri 15:00`, ISO…);
/// a bare date reminds at [`DATE_REMINDER_HOUR`] that day.
pub fn parse_reminder_time(
    text: &str,
    now: DateTime<FixedOffset>,
    offset_at: impl Fn(NaiveDateTime) -> FixedOffset,
) -> Result<i64, ModelError> {
    let due = parse_due_input(text, now, &offset_at)?;
    Ok(due_moment_ms(&due, &offset_at))
}

/// The moment a due reminds "at due": the moment itself, or [`DATE_REMINDER_HOUR`] local time
/// on a date.
fn due_moment_ms(due: &Due, offset_at: &impl Fn(NaiveDateTime) -> FixedOffset) -> i64 {
    match due {
        Due::At(at) => at.timestamp_millis(),
        Due::Date(date) => {
            let local = date.and_time(
                NaiveTime::from_hms_opt(DATE_REMINDER_HOUR, 0, 0).unwrap_or(NaiveTime::MIN),
            );
            let offset = offset_at(local);
            (local - chrono::Duration::seconds(i64::from(offset.local_minus_utc())))
                .and_utc()
                .timestamp_millis()
        }
    }
}

/// When a reminder fires given the task's due (stored form); `None` when it follows a due the
/// task does not have (or one that does not read).
pub fn reminder_fire_at(
    when: ReminderWhen,
    due: Option<&str>,
    offset_at: impl Fn(NaiveDateTime) -> FixedOffset,
) -> Option<i64> {
    match when {
        ReminderWhen::At { at_ms } => Some(at_ms),
        ReminderWhen::BeforeDue { before_ms } => {
            let due = Due::parse(due?).ok()?;
            Some(due_moment_ms(&due, &offset_at).saturating_sub(before_ms))
        }
    }
}

fn when_from(before_ms: Option<i64>, at_ms: Option<i64>) -> ReminderWhen {
    match (before_ms, at_ms) {
        (_, Some(at_ms)) => ReminderWhen::At { at_ms },
        (before_ms, None) => ReminderWhen::BeforeDue {
            before_ms: before_ms.unwrap_or(0),
        },
    }
}

const SELECT_REMINDER: &str =
    "SELECT board_id, task_id, before_ms, at_ms, title, due, fire_at, fired_at FROM reminders";

fn reminder_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Reminder> {
    Ok(Reminder {
        board: row.get(0)?,
        task: row.get(1)?,
        when: when_from(row.get(2)?, row.get(3)?),
        title: row.get(4)?,
        due: row.get(5)?,
        fire_at_ms: row.get(6)?,
        fired_at_ms: row.get(7)?,
    })
}

/// A task as a reminder needs it: its title and due (stored form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemindedTask {
    pub title: String,
    pub due: Option<String>,
}

impl Store {
    /// Sets (or replaces) my reminder of a task; `task` is what the board says of it now.
    /// A reminder whose time is already past is stored as fired, so setting one never rings
    /// at once for something already over.
    pub fn set_reminder(
        &mut self,
        board: &str,
        task_id: &str,
        when: ReminderWhen,
        task: &RemindedTask,
        now_ms_at: i64,
        offset_at: impl Fn(NaiveDateTime) -> FixedOffset,
    ) -> Result<Reminder, StoreError> {
        if let ReminderWhen::BeforeDue { before_ms } = when {
            if !(0..=MAX_REMINDER_OFFSET_MS).contains(&before_ms) {
                return Err(ModelError::InvalidValue {
                    field: "reminder offset",
                    reason: "at most 30 days before the due".into(),
                }
                .into());
            }
        }
        let fire_at = reminder_fire_at(when, task.due.as_deref(), offset_at);
        let fired_at = fire_at.filter(|at| *at <= now_ms_at).map(|_| now_ms_at);
        let (before_ms, at_ms) = match when {
            ReminderWhen::BeforeDue { before_ms } => (Some(before_ms), None),
            ReminderWhen::At { at_ms } => (None, Some(at_ms)),
        };
        let tx = self.write_transaction()?;
        require_board(&tx, board)?;
        tx.prepare_cached(
            "INSERT OR REPLACE INTO reminders
             (board_id, task_id, before_ms, at_ms, due, title, fire_at, fired_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            board,
            task_id,
            before_ms,
            at_ms,
            task.due,
            task.title,
            fire_at,
            fired_at,
            now_ms()
        ])?;
        tx.commit()?;
        Ok(Reminder {
            board: board.to_owned(),
            task: task_id.to_owned(),
            when,
            title: task.title.clone(),
            due: task.due.clone(),
            fire_at_ms: fire_at,
            fired_at_ms: fired_at,
        })
    }

    /// Removes my reminder of a task; whether there was one.
    pub fn remove_reminder(&mut self, board: &str, task: &str) -> Result<bool, StoreError> {
        let tx = self.write_transaction()?;
        let removed = tx
            .prepare_cached("DELETE FROM reminders WHERE board_id = ?1 AND task_id = ?2")?
            .execute(params![board, task])?;
        tx.commit()?;
        Ok(removed > 0)
    }

    /// My reminder of a task, if any.
    pub fn reminder(&self, board: &str, task: &str) -> Result<Option<Reminder>, StoreError> {
        let sql = format!("{SELECT_REMINDER} WHERE board_id = ?1 AND task_id = ?2");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(params![board, task], reminder_from_row)
            .optional()?)
    }

    /// All my reminders: still to come first (soonest first), then those without a time,
    /// then those fired (latest first).
    pub fn reminders(&self) -> Result<Vec<Reminder>, StoreError> {
        let sql = format!(
            "{SELECT_REMINDER} ORDER BY fired_at IS NOT NULL, fire_at IS NULL,
             CASE WHEN fired_at IS NULL THEN fire_at ELSE -fired_at END, board_id, task_id"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map([], reminder_from_row)?
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// The boards that have reminders (to refresh them from their documents).
    pub fn boards_with_reminders(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT DISTINCT board_id FROM reminders ORDER BY board_id")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// Brings a board's reminders up to date with its tasks (`task` says what the board holds
    /// of one; `None`: the task is gone, and so is its reminder). A reminder whose time moved
    /// into the future is armed again. Returns how many reminders changed.
    pub fn refresh_reminders(
        &mut self,
        board: &str,
        task: impl Fn(&str) -> Option<RemindedTask>,
        now_ms_at: i64,
        offset_at: impl Fn(NaiveDateTime) -> FixedOffset,
    ) -> Result<usize, StoreError> {
        let sql = format!("{SELECT_REMINDER} WHERE board_id = ?1");
        let existing = self
            .conn
            .prepare_cached(&sql)?
            .query_map([board], reminder_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        if existing.is_empty() {
            return Ok(0);
        }
        let tx = self.write_transaction()?;
        let mut changed = 0;
        for reminder in existing {
            let Some(now) = task(&reminder.task) else {
                tx.prepare_cached("DELETE FROM reminders WHERE board_id = ?1 AND task_id = ?2")?
                    .execute(params![board, reminder.task])?;
                changed += 1;
                continue;
            };
            if now.title == reminder.title && now.due == reminder.due {
                continue;
            }
            let fire_at = reminder_fire_at(reminder.when, now.due.as_deref(), &offset_at);
            let fired_at = if fire_at == reminder.fire_at_ms {
                reminder.fired_at_ms
            } else {
                // A new time: armed if still to come, spent if already past.
                fire_at.filter(|at| *at <= now_ms_at).map(|_| now_ms_at)
            };
            tx.prepare_cached(
                "UPDATE reminders SET title = ?3, due = ?4, fire_at = ?5, fired_at = ?6
                 WHERE board_id = ?1 AND task_id = ?2",
            )?
            .execute(params![
                board,
                reminder.task,
                now.title,
                now.due,
                fire_at,
                fired_at
            ])?;
            changed += 1;
        }
        tx.commit()?;
        Ok(changed)
    }

    /// When the next reminder still to come fires, if any (one indexed lookup).
    pub fn next_reminder_at(&self) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT MIN(fire_at) FROM reminders WHERE fired_at IS NULL AND fire_at IS NOT NULL",
            )?
            .query_row([], |row| row.get(0))?)
    }

    /// Marks every reminder whose time has come (at most [`MAX_FIRED_AT_ONCE`]) as fired at
    /// `now` and hands them out, oldest first, in one transaction: each fires exactly once,
    /// also when the app was closed at its time.
    pub fn take_due_reminders(&mut self, now_ms_at: i64) -> Result<Vec<Reminder>, StoreError> {
        let tx = self.write_transaction()?;
        let sql = format!(
            "{SELECT_REMINDER} WHERE fired_at IS NULL AND fire_at <= ?1
             ORDER BY fire_at, board_id, task_id LIMIT ?2"
        );
        let mut due = tx
            .prepare_cached(&sql)?
            .query_map(params![now_ms_at, MAX_FIRED_AT_ONCE], reminder_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        {
            let mut mark = tx.prepare_cached(
                "UPDATE reminders SET fired_at = ?3 WHERE board_id = ?1 AND task_id = ?2",
            )?;
            for reminder in &mut due {
                mark.execute(params![reminder.board, reminder.task, now_ms_at])?;
                reminder.fired_at_ms = Some(now_ms_at);
            }
        }
        tx.commit()?;
        Ok(due)
    }
}
