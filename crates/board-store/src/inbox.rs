//! My inbox (DESIGN §2 `inbox`): what concerns me, kept in the local profile with its read
//! state, and the notification settings (do not disturb, quiet hours, muted boards) that decide
//! whether an entry also becomes a native notification. Settings never hide an entry.

use rusqlite::{params, OptionalExtension};

use crate::{now_ms, Store, StoreError};

/// The most entries the inbox keeps; older ones go first.
pub const MAX_INBOX_ENTRIES: i64 = 5_000;
/// The most entries one page holds.
pub const MAX_INBOX_PAGE: u32 = 500;
/// The longest entry key accepted (keys are `kind/board/id[/n]`).
pub const MAX_INBOX_KEY_BYTES: usize = 256;

/// An entry to add (its key decides whether it is new).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInboxEntry {
    pub key: String,
    pub board: String,
    pub task: String,
    /// `board_model::ConcernKind::as_str`, or `reminder`.
    pub kind: String,
    pub actor: Option<String>,
    pub title: String,
    pub at_ms: i64,
}

/// One entry of my inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxEntry {
    pub key: String,
    pub board: String,
    pub task: String,
    pub kind: String,
    pub actor: Option<String>,
    pub title: String,
    pub at_ms: i64,
    pub read: bool,
    /// When `read` last changed (ms; 0: never), so the latest change wins across devices.
    pub read_changed_at_ms: i64,
}

/// A read mark as another of my devices made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadMark {
    pub key: String,
    pub read: bool,
    pub changed_at_ms: i64,
}

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<InboxEntry> {
    Ok(InboxEntry {
        key: row.get(0)?,
        board: row.get(1)?,
        task: row.get(2)?,
        kind: row.get(3)?,
        actor: row.get(4)?,
        title: row.get(5)?,
        at_ms: row.get(6)?,
        read: row.get(7)?,
        read_changed_at_ms: row.get(8)?,
    })
}

const SELECT_ENTRY: &str =
    "SELECT key, board_id, task_id, kind, actor, title, created_at, read, read_changed_at FROM inbox";

/// When native notifications stay quiet (the inbox still fills).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationSettings {
    pub do_not_disturb: bool,
    /// Local minutes after midnight `[start, end)`; wraps past midnight when `start > end`.
    pub quiet_hours: Option<(u16, u16)>,
    pub muted_boards: Vec<String>,
}

impl NotificationSettings {
    /// Whether a notification from `board` at local minute-of-day `minute` stays silent.
    pub fn silences(&self, board: &str, minute: u16) -> bool {
        if self.do_not_disturb || self.muted_boards.iter().any(|b| b == board) {
            return true;
        }
        match self.quiet_hours {
            Some((start, end)) if start <= end => (start..end).contains(&minute),
            Some((start, end)) => minute >= start || minute < end,
            None => false,
        }
    }
}

/// Reads `HH:MM-HH:MM` (quiet hours) into minutes after midnight.
pub fn parse_quiet_hours(text: &str) -> Option<(u16, u16)> {
    let (start, end) = text.trim().split_once('-')?;
    let minute = |part: &str| -> Option<u16> {
        let (h, m) = part.trim().split_once(':')?;
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(h * 60 + m)
    };
    Some((minute(start)?, minute(end)?))
}

/// Writes minutes after midnight as `HH:MM-HH:MM`.
pub fn format_quiet_hours((start, end): (u16, u16)) -> String {
    format!(
        "{:02}:{:02}-{:02}:{:02}",
        start / 60,
        start % 60,
        end / 60,
        end % 60
    )
}

const DND_KEY: &str = "notify:dnd";
const QUIET_KEY: &str = "notify:quiet";
const MUTE_PREFIX: &str = "notify:mute:";
const READ_MARKS_AFTER_PREFIX: &str = "read_marks:after:";

impl Store {
    /// Adds the entries not there yet (by key) and returns those added, in order. Keys that
    /// are too long or empty are skipped. Keeps at most [`MAX_INBOX_ENTRIES`].
    pub fn add_inbox_entries(
        &mut self,
        entries: &[NewInboxEntry],
    ) -> Result<Vec<InboxEntry>, StoreError> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self.write_transaction()?;
        let mut added = Vec::new();
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO inbox (key, board_id, task_id, kind, actor, title, created_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM boards WHERE id = ?2)",
            )?;
            let mut take_waiting = tx.prepare_cached(
                "DELETE FROM read_marks_waiting WHERE key = ?1 RETURNING read, changed_at",
            )?;
            let mut apply_waiting = tx.prepare_cached(
                "UPDATE inbox SET read = ?2, read_changed_at = ?3, read_sent = 1 WHERE key = ?1",
            )?;
            for entry in entries {
                if entry.key.is_empty() || entry.key.len() > MAX_INBOX_KEY_BYTES {
                    continue;
                }
                let inserted = insert.execute(params![
                    entry.key,
                    entry.board,
                    entry.task,
                    entry.kind,
                    entry.actor,
                    entry.title,
                    entry.at_ms
                ])?;
                if inserted > 0 {
                    // A mark another of my devices made before this one derived the entry.
                    let waiting: Option<(bool, i64)> = take_waiting
                        .query_row([&entry.key], |row| Ok((row.get(0)?, row.get(1)?)))
                        .optional()?;
                    if let Some((read, changed_at)) = waiting {
                        apply_waiting.execute(params![entry.key, read, changed_at])?;
                    }
                    let (read, read_changed_at_ms) = waiting.unwrap_or((false, 0));
                    added.push(InboxEntry {
                        key: entry.key.clone(),
                        board: entry.board.clone(),
                        task: entry.task.clone(),
                        kind: entry.kind.clone(),
                        actor: entry.actor.clone(),
                        title: entry.title.clone(),
                        at_ms: entry.at_ms,
                        read,
                        read_changed_at_ms,
                    });
                }
            }
        }
        tx.execute(
            "DELETE FROM inbox WHERE key IN (SELECT key FROM inbox
             ORDER BY created_at DESC, key DESC LIMIT -1 OFFSET ?1)",
            [MAX_INBOX_ENTRIES],
        )?;
        tx.commit()?;
        Ok(added)
    }

    /// My inbox, newest first: at most `limit` (capped at [`MAX_INBOX_PAGE`]).
    pub fn inbox(&self, limit: u32) -> Result<Vec<InboxEntry>, StoreError> {
        let sql = format!("{SELECT_ENTRY} ORDER BY created_at DESC, key DESC LIMIT ?1");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map([limit.min(MAX_INBOX_PAGE)], entry_from_row)?
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// One entry, by key.
    pub fn inbox_entry(&self, key: &str) -> Result<Option<InboxEntry>, StoreError> {
        let sql = format!("{SELECT_ENTRY} WHERE key = ?1");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([key], entry_from_row)
            .optional()?)
    }

    pub fn unread_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM inbox WHERE read = 0")?
            .query_row([], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Marks entries read (or unread) now; returns how many changed.
    pub fn set_inbox_read(&mut self, keys: &[String], read: bool) -> Result<usize, StoreError> {
        let at = now_ms();
        let tx = self.write_transaction()?;
        let mut changed = 0;
        {
            let mut update = tx.prepare_cached(
                "UPDATE inbox SET read = ?2, read_changed_at = MAX(?3, read_changed_at + 1),
                 read_sent = 0 WHERE key = ?1 AND read <> ?2",
            )?;
            for key in keys {
                changed += update.execute(params![key, read, at])?;
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Marks every entry read; returns how many changed.
    pub fn mark_inbox_all_read(&mut self) -> Result<usize, StoreError> {
        let at = now_ms();
        let tx = self.write_transaction()?;
        let changed = tx.execute(
            "UPDATE inbox SET read = 1, read_changed_at = MAX(?1, read_changed_at + 1),
             read_sent = 0 WHERE read = 0",
            [at],
        )?;
        tx.commit()?;
        Ok(changed)
    }

    /// Read marks changed on this device that the relay has not taken yet, oldest change
    /// first: at most `limit`.
    pub fn unsent_read_marks(&self, limit: u32) -> Result<Vec<ReadMark>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT key, read, read_changed_at FROM inbox WHERE read_sent = 0
                 ORDER BY read_changed_at, key LIMIT ?1",
            )?
            .query_map([limit], |row| {
                Ok(ReadMark {
                    key: row.get(0)?,
                    read: row.get(1)?,
                    changed_at_ms: row.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// The relay took `marks`: each is sent, unless its entry changed again since.
    pub fn read_marks_sent(&mut self, marks: &[ReadMark]) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        {
            let mut sent = tx.prepare_cached(
                "UPDATE inbox SET read_sent = 1 WHERE key = ?1 AND read_changed_at = ?2",
            )?;
            for mark in marks {
                sent.execute(params![mark.key, mark.changed_at_ms])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Applies read marks from my other devices: the later change wins per entry (an equal
    /// one keeps this device's). A mark for an entry this device has not derived (yet) waits
    /// until the entry is added (the newest [`MAX_INBOX_ENTRIES`] such marks are kept).
    /// Returns how many entries changed.
    pub fn merge_read_marks(&mut self, marks: &[ReadMark]) -> Result<usize, StoreError> {
        let tx = self.write_transaction()?;
        let mut changed = 0;
        {
            let mut update = tx.prepare_cached(
                "UPDATE inbox SET read = ?2, read_changed_at = ?3, read_sent = 1
                 WHERE key = ?1 AND read_changed_at < ?3",
            )?;
            let mut known = tx.prepare_cached("SELECT 1 FROM inbox WHERE key = ?1")?;
            let mut wait = tx.prepare_cached(
                "INSERT INTO read_marks_waiting (key, read, changed_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET read = excluded.read,
                 changed_at = excluded.changed_at WHERE changed_at < excluded.changed_at",
            )?;
            for mark in marks {
                if mark.key.is_empty() || mark.key.len() > MAX_INBOX_KEY_BYTES {
                    continue;
                }
                let updated = update.execute(params![mark.key, mark.read, mark.changed_at_ms])?;
                changed += updated;
                if updated == 0 && !known.exists([&mark.key])? {
                    wait.execute(params![mark.key, mark.read, mark.changed_at_ms])?;
                }
            }
        }
        tx.execute(
            "DELETE FROM read_marks_waiting WHERE key IN (SELECT key FROM read_marks_waiting
             ORDER BY changed_at DESC, key DESC LIMIT -1 OFFSET ?1)",
            [MAX_INBOX_ENTRIES],
        )?;
        tx.commit()?;
        Ok(changed)
    }

    /// The relay's read mark seq this device has read up to, for `account` (0: none yet).
    pub fn read_marks_after(&self, account: &str) -> Result<i64, StoreError> {
        let value = self.profile_setting(&format!("{READ_MARKS_AFTER_PREFIX}{account}"))?;
        Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Remembers the relay's read mark seq read up to, for `account`.
    pub fn set_read_marks_after(&mut self, account: &str, seq: i64) -> Result<(), StoreError> {
        let key = format!("{READ_MARKS_AFTER_PREFIX}{account}");
        self.set_profile_setting(&key, Some(&seq.to_string()))
    }

    /// The notification settings of this profile.
    pub fn notification_settings(&self) -> Result<NotificationSettings, StoreError> {
        let mut settings = NotificationSettings::default();
        let mut query = self
            .conn
            .prepare_cached("SELECT key, value FROM profile WHERE key LIKE 'notify:%'")?;
        let rows = query.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (key, value) = row?;
            if key == DND_KEY {
                settings.do_not_disturb = value == "1";
            } else if key == QUIET_KEY {
                settings.quiet_hours = parse_quiet_hours(&value);
            } else if let Some(board) = key.strip_prefix(MUTE_PREFIX) {
                settings.muted_boards.push(board.to_owned());
            }
        }
        settings.muted_boards.sort();
        Ok(settings)
    }

    /// A setting of this profile (`None`: never set).
    pub fn profile_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM profile WHERE key = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()?)
    }

    /// Sets (or with `None` forgets) a setting of this profile.
    pub fn set_profile_setting(
        &mut self,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        match value {
            Some(value) => tx.execute(
                "INSERT OR REPLACE INTO profile (key, value) VALUES (?1, ?2)",
                params![key, value],
            )?,
            None => tx.execute("DELETE FROM profile WHERE key = ?1", [key])?,
        };
        tx.commit()?;
        Ok(())
    }

    pub fn set_do_not_disturb(&mut self, on: bool) -> Result<(), StoreError> {
        self.set_profile_setting(DND_KEY, on.then_some("1"))
    }

    pub fn set_quiet_hours(&mut self, hours: Option<(u16, u16)>) -> Result<(), StoreError> {
        let text = hours.map(format_quiet_hours);
        self.set_profile_setting(QUIET_KEY, text.as_deref())
    }

    pub fn set_board_muted(&mut self, board: &str, muted: bool) -> Result<(), StoreError> {
        self.set_profile_setting(&format!("{MUTE_PREFIX}{board}"), muted.then_some("1"))
    }
}
