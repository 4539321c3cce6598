//! Reminders and notifications of what concerns me, Tauri-free (the app gives it an
//! [`Alerts`] that shows native notifications, tests one that records):
//!
//! - the scheduler: one task with one timer, to the next reminder (`Store::next_reminder_at`)
//!   or the next grouped notification, woken early when reminders change; no per-reminder
//!   timer and no polling. Time and the timer come from a [`Clock`], so tests drive them. Reminders missed
//!   while the app was closed fire once at start, as one grouped notification.
//! - [`Notifier`]: rate-limited and grouped native notifications ("3 updates on Board X"),
//!   silenced by do-not-disturb, quiet hours and muted boards (the inbox still fills).
//!
//! Every fired reminder and every concern also becomes an inbox entry, because the
//! notification plugin cannot report a click on Linux: the inbox is where it opens the task.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use board_store::{InboxEntry, NewInboxEntry, NotificationSettings, Reminder};
use chrono::{Local, Timelike};
use sync_client::SharedStore;
use tokio::sync::{watch, Notify};

/// The shortest time between two native notifications; what comes meanwhile is grouped.
pub const MIN_NOTIFICATION_GAP_MS: i64 = 5_000;
/// The longest the scheduler sleeps before looking again (a suspended computer's clock jumps).
const MAX_SLEEP_MS: i64 = 60_000;

/// The scheduler's one timer: resolves once the clock reads a moment or later.
pub type Timer = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Where "now" comes from, and the scheduler's timer (tests drive a [`ManualClock`]).
pub trait Clock: Send + Sync + 'static {
    /// ms since the Unix epoch.
    fn now_ms(&self) -> i64;
    /// The local minute of the day at `ms` (quiet hours).
    fn local_minute(&self, ms: i64) -> u16;
    /// Resolves once the clock reads `at_ms` or later.
    fn sleep_until(&self, at_ms: i64) -> Timer;
}

/// The computer's clock and time zone.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }

    fn local_minute(&self, ms: i64) -> u16 {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|at| at.with_timezone(&Local))
            .map_or(0, |at| {
                u16::try_from(at.hour() * 60 + at.minute()).unwrap_or(0)
            })
    }

    fn sleep_until(&self, at_ms: i64) -> Timer {
        let wait = u64::try_from(at_ms.saturating_sub(self.now_ms())).unwrap_or(0);
        Box::pin(tokio::time::sleep(Duration::from_millis(wait)))
    }
}

/// A clock that moves only when told (UTC): tests and recordings set the time, and see which
/// moment the scheduler's one timer waits for.
pub struct ManualClock {
    now: watch::Sender<i64>,
    armed: watch::Sender<Option<i64>>,
}

impl ManualClock {
    pub fn starting_at(start_ms: i64) -> Self {
        Self {
            now: watch::Sender::new(start_ms),
            armed: watch::Sender::new(None),
        }
    }

    /// Moves the clock to `ms` (never back); timers due by then resolve.
    pub fn set(&self, ms: i64) {
        self.now.send_modify(|now| *now = (*now).max(ms));
    }

    /// The moment the last timer asked for waits for.
    pub fn armed(&self) -> Option<i64> {
        *self.armed.borrow()
    }

    /// Waits until a timer is set for exactly `at_ms` (the scheduler looked and chose it).
    pub async fn armed_for(&self, at_ms: i64) {
        let mut armed = self.armed.subscribe();
        // The sender lives in `self`: waiting cannot fail while it is borrowed.
        let _ = armed.wait_for(|armed| *armed == Some(at_ms)).await;
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        *self.now.borrow()
    }

    fn local_minute(&self, ms: i64) -> u16 {
        u16::try_from(ms.rem_euclid(86_400_000) / 60_000).unwrap_or(0)
    }

    fn sleep_until(&self, at_ms: i64) -> Timer {
        self.armed.send_replace(Some(at_ms));
        let mut now = self.now.subscribe();
        Box::pin(async move {
            if now.wait_for(|now| *now >= at_ms).await.is_err() {
                // The clock is gone: so is the scheduler's reason to wake.
                std::future::pending::<()>().await;
            }
        })
    }
}

/// One native notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
    /// The board and task it opens when there is exactly one (the inbox opens the others).
    pub board: String,
    pub task: Option<String>,
}

/// Shows native notifications and tells the window the inbox changed.
pub trait Alerts: Send + Sync + 'static {
    fn show(&self, notice: &Notice);
    /// Entries were added to the inbox (or read marks changed): `unread` is the new count.
    fn inbox_changed(&self, added: &[InboxEntry], unread: u64);
}

/// What one entry says, as a sentence ("Mentioned you on …", "Reminder: …").
pub fn entry_text(kind: &str, title: &str, actor: Option<&str>) -> String {
    let who = actor.unwrap_or("Someone");
    match kind {
        "mentioned" => format!("{who} mentioned you on “{title}”"),
        "assigned" => format!("“{title}” was assigned to you"),
        "commented" => format!("{who} commented on “{title}”"),
        "moved" => format!("“{title}” moved to another column"),
        "dueSoon" => format!("“{title}” is due soon"),
        "reminder" => format!("Reminder: “{title}”"),
        _ => format!("“{title}” changed"),
    }
}

/// An entry waiting for its notification, with what the sentence needs.
#[derive(Debug, Clone)]
pub struct Pending {
    pub entry: InboxEntry,
    pub board_title: String,
    pub actor_name: Option<String>,
}

/// Rate-limits and groups native notifications: at most one per [`MIN_NOTIFICATION_GAP_MS`];
/// what arrives meanwhile waits and goes out grouped per board.
#[derive(Debug, Default)]
pub struct Notifier {
    last_shown_ms: Option<i64>,
    waiting: BTreeMap<String, Vec<Pending>>,
}

impl Notifier {
    /// Takes new entries; returns what to show now (nothing while the gap runs: see
    /// [`Notifier::next_flush_ms`]). Silenced entries never wait.
    pub fn push(
        &mut self,
        entries: Vec<Pending>,
        now_ms: i64,
        settings: &NotificationSettings,
        minute: u16,
    ) -> Vec<Notice> {
        for pending in entries {
            if settings.silences(&pending.entry.board, minute) {
                continue;
            }
            self.waiting
                .entry(pending.entry.board.clone())
                .or_default()
                .push(pending);
        }
        self.flush(now_ms)
    }

    /// When waiting entries may go out.
    pub fn next_flush_ms(&self) -> Option<i64> {
        if self.waiting.is_empty() {
            return None;
        }
        Some(
            self.last_shown_ms
                .map_or(i64::MIN, |at| at + MIN_NOTIFICATION_GAP_MS),
        )
    }

    /// What to show now: one notice per board with entries waiting, once the gap is over.
    pub fn flush(&mut self, now_ms: i64) -> Vec<Notice> {
        match self.next_flush_ms() {
            Some(at) if at <= now_ms => {}
            _ => return Vec::new(),
        }
        self.last_shown_ms = Some(now_ms);
        std::mem::take(&mut self.waiting)
            .into_iter()
            .map(|(board, pending)| group(board, pending))
            .collect()
    }
}

fn group(board: String, pending: Vec<Pending>) -> Notice {
    match pending.as_slice() {
        [one] => Notice {
            title: one.board_title.clone(),
            body: entry_text(&one.entry.kind, &one.entry.title, one.actor_name.as_deref()),
            board,
            task: Some(one.entry.task.clone()),
        },
        several => {
            let board_title = several
                .first()
                .map(|p| p.board_title.clone())
                .unwrap_or_default();
            let reminders = several.iter().all(|p| p.entry.kind == "reminder");
            let what = if reminders { "reminders" } else { "updates" };
            Notice {
                title: format!("{} {what} on {board_title}", several.len()),
                body: several
                    .iter()
                    .take(3)
                    .map(|p| entry_text(&p.entry.kind, &p.entry.title, p.actor_name.as_deref()))
                    .collect::<Vec<_>>()
                    .join("\n"),
                board,
                task: None,
            }
        }
    }
}

/// The inbox entry of a fired reminder (its key names the moment it was for, so a reminder
/// set again later is a new entry).
pub fn reminder_entry(reminder: &Reminder, now_ms: i64) -> NewInboxEntry {
    NewInboxEntry {
        key: format!(
            "reminder/{}/{}/{}",
            reminder.board,
            reminder.task,
            reminder.fire_at_ms.unwrap_or(now_ms)
        ),
        board: reminder.board.clone(),
        task: reminder.task.clone(),
        kind: "reminder".to_owned(),
        actor: None,
        title: reminder.title.clone(),
        at_ms: now_ms,
    }
}

/// A mutex's guard, also after a panic elsewhere held it (the data stays usable).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

type Stored = (Vec<InboxEntry>, u64, NotificationSettings, Vec<Pending>);

/// Adds entries to the inbox; what was new, the unread count, the settings, and the new ones
/// with their board's title and actor's name.
fn store_entries(
    store: &SharedStore,
    entries: &[NewInboxEntry],
) -> Result<Stored, board_store::StoreError> {
    let mut store = lock(store);
    let added = store.add_inbox_entries(entries)?;
    let unread = store.unread_count()?;
    let settings = store.notification_settings()?;
    let boards = store.list_boards()?;
    let mut pending = Vec::with_capacity(added.len());
    // An entry already read on another device of mine (its mark arrived first) notifies of
    // nothing.
    for entry in added.iter().filter(|entry| !entry.read) {
        let board_title = boards
            .iter()
            .find(|b| b.id == entry.board)
            .map_or_else(|| "Tack".to_owned(), |b| b.title.clone());
        let actor_name = match &entry.actor {
            Some(actor) => Some(board_store::member_name(
                &store.members(&entry.board)?,
                actor,
            )),
            None => None,
        };
        pending.push(Pending {
            entry: entry.clone(),
            board_title,
            actor_name,
        });
    }
    Ok((added, unread, settings, pending))
}

/// Reminders and notifications while the app runs; cheap to clone.
#[derive(Clone)]
pub struct Notifications {
    inner: Arc<Inner>,
}

struct Inner {
    store: SharedStore,
    clock: Arc<dyn Clock>,
    alerts: Arc<dyn Alerts>,
    notifier: Mutex<Notifier>,
    wake: Notify,
}

impl Notifications {
    pub fn new(store: SharedStore, clock: Arc<dyn Clock>, alerts: Arc<dyn Alerts>) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                alerts,
                notifier: Mutex::new(Notifier::default()),
                wake: Notify::new(),
            }),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// Reminders changed (set, removed, a due moved): the scheduler looks again.
    pub fn reschedule(&self) {
        self.inner.wake.notify_one();
    }

    /// Stores new entries in the inbox and notifies of those not seen before.
    pub fn deliver(&self, entries: &[NewInboxEntry]) {
        if entries.is_empty() {
            return;
        }
        let outcome = store_entries(&self.inner.store, entries);
        let (added, unread, settings, pending) = match outcome {
            Ok(found) => found,
            Err(err) => {
                tracing::error!(%err, "could not store inbox entries");
                return;
            }
        };
        if added.is_empty() {
            return;
        }
        self.inner.alerts.inbox_changed(&added, unread);
        let now = self.inner.clock.now_ms();
        let minute = self.inner.clock.local_minute(now);
        let notices = lock(&self.inner.notifier).push(pending, now, &settings, minute);
        for notice in &notices {
            self.inner.alerts.show(notice);
        }
        // Grouped ones wait for the scheduler's next turn.
        self.reschedule();
    }

    /// Read marks from my other devices changed entries here: the window reloads the inbox
    /// and its unread count (nothing new to notify of).
    pub fn inbox_refreshed(&self) {
        let unread = lock(&self.inner.store).unread_count();
        match unread {
            Ok(unread) => self.inner.alerts.inbox_changed(&[], unread),
            Err(err) => tracing::error!(%err, "could not count unread entries"),
        }
    }

    /// One turn of the scheduler: fires what is due, flushes grouped notifications; returns
    /// when to look again.
    pub fn tick(&self) -> Option<i64> {
        let now = self.inner.clock.now_ms();
        let fired = lock(&self.inner.store).take_due_reminders(now);
        match fired {
            Ok(fired) => {
                let entries: Vec<NewInboxEntry> =
                    fired.iter().map(|r| reminder_entry(r, now)).collect();
                self.deliver(&entries);
            }
            Err(err) => tracing::error!(%err, "could not read reminders"),
        }
        let notices = lock(&self.inner.notifier).flush(now);
        for notice in &notices {
            self.inner.alerts.show(notice);
        }
        let next_reminder = lock(&self.inner.store)
            .next_reminder_at()
            .unwrap_or_else(|err| {
                tracing::error!(%err, "could not read reminders");
                None
            });
        let next_flush = lock(&self.inner.notifier).next_flush_ms();
        [next_reminder, next_flush].into_iter().flatten().min()
    }

    /// The scheduler: one timer to the next thing to do (at most [`MAX_SLEEP_MS`] away), woken
    /// early by [`Self::reschedule`].
    pub async fn run(self) {
        loop {
            let next = self.tick();
            let now = self.inner.clock.now_ms();
            let latest = now.saturating_add(MAX_SLEEP_MS);
            let at = next.map_or(latest, |at| at.min(latest));
            tokio::select! {
                () = self.inner.clock.sleep_until(at) => {}
                () = self.inner.wake.notified() => {}
            }
        }
    }
}

/// The `inbox` event's payload for entries just added (or read marks changed: none added).
pub fn inbox_event(added: &[InboxEntry], unread: u64) -> crate::ipc::InboxEvent {
    crate::ipc::InboxEvent {
        unread: u32::try_from(unread).unwrap_or(u32::MAX),
        added: u32::try_from(added.len()).unwrap_or(u32::MAX),
    }
}

/// The inbox as the view lists it (newest first, a page), with names and sentences.
pub fn inbox_view(
    store: &board_store::Store,
) -> Result<crate::ipc::InboxView, crate::ipc::IpcError> {
    const PAGE: u32 = 200;
    let boards = store.list_boards()?;
    let mut members: BTreeMap<String, Vec<board_store::MemberRecord>> = BTreeMap::new();
    let mut items = Vec::new();
    for entry in store.inbox(PAGE)? {
        let actor = match &entry.actor {
            Some(actor) => {
                if !members.contains_key(&entry.board) {
                    members.insert(entry.board.clone(), store.members(&entry.board)?);
                }
                let known = members.get(&entry.board).map(Vec::as_slice).unwrap_or(&[]);
                Some(board_store::member_name(known, actor))
            }
            None => None,
        };
        items.push(crate::ipc::InboxItem {
            text: entry_text(&entry.kind, &entry.title, actor.as_deref()),
            board_title: boards
                .iter()
                .find(|b| b.id == entry.board)
                .map_or_else(String::new, |b| b.title.clone()),
            key: entry.key,
            board_id: entry.board,
            task_id: entry.task,
            kind: entry.kind,
            title: entry.title,
            at: entry.at_ms,
            read: entry.read,
        });
    }
    let unread = u32::try_from(store.unread_count()?).unwrap_or(u32::MAX);
    Ok(crate::ipc::InboxView { items, unread })
}

/// My reminder of a task, as its panel shows it.
/// Sets my reminder of a task to `before_minutes` before its due (0: at due), or removes it
/// (`None`); `now_ms` decides whether a reminder already past counts as fired. The caller
/// reschedules.
pub fn set_task_reminder(
    session: &mut crate::session::Session,
    board_id: &str,
    task_id: &str,
    before_minutes: Option<u32>,
    now_ms: i64,
) -> Result<Option<crate::ipc::ReminderView>, crate::ipc::IpcError> {
    let Some(minutes) = before_minutes else {
        session.store().remove_reminder(board_id, task_id)?;
        return Ok(None);
    };
    let task = session.task_view(board_id, task_id)?;
    let reminder = session.store().set_reminder(
        board_id,
        task_id,
        board_store::ReminderWhen::BeforeDue {
            before_ms: i64::from(minutes) * 60_000,
        },
        &board_store::RemindedTask {
            due: task.due.filter(|_| !task.archived),
            title: task.title,
        },
        now_ms,
        board_store::local_time::local_offset_at,
    )?;
    Ok(Some(reminder_view(&reminder)))
}

pub fn reminder_view(reminder: &Reminder) -> crate::ipc::ReminderView {
    use board_store::ReminderWhen;
    let (before_minutes, at) = match reminder.when {
        ReminderWhen::BeforeDue { before_ms } => {
            (Some(u32::try_from(before_ms / 60_000).unwrap_or(0)), None)
        }
        ReminderWhen::At { at_ms } => (None, Some(at_ms)),
    };
    let text = match (before_minutes, reminder.fire_at_ms) {
        (_, None) => "Waits for a due".to_owned(),
        (Some(0), _) => "At due".to_owned(),
        (Some(minutes), _) if minutes % 1440 == 0 => format!("{} d before due", minutes / 1440),
        (Some(minutes), _) if minutes % 60 == 0 => format!("{} h before due", minutes / 60),
        (Some(minutes), _) => format!("{minutes} min before due"),
        (None, Some(_)) => "At a set time".to_owned(),
    };
    crate::ipc::ReminderView {
        before_minutes,
        at,
        fire_at: reminder.fire_at_ms,
        fired: reminder.fired_at_ms.is_some(),
        text,
    }
}
