//! My reminders and my inbox in the store: a reminder follows its task's due, fires exactly
//! once (also when it was missed), the next one is one lookup; the inbox keeps each entry once
//! by key, with read marks where the later change wins.

use board_model::{NewTask, Place, ReplicaConfig, Sources};
use board_store::{
    parse_quiet_hours, parse_reminder_offset, replica, NewInboxEntry, NotificationSettings,
    ReadMark, RemindedTask, ReminderWhen,
};
use chrono::FixedOffset;

use crate::support::temp_store;

const BOARD: &str = "0190a000-0000-7000-8000-00000000b0a5";
const HOUR: i64 = 3_600_000;

fn config() -> ReplicaConfig {
    ReplicaConfig {
        user: "me".into(),
        sources: Sources::seeded(7, 1_700_000_000_000),
    }
}

fn utc(_: chrono::NaiveDateTime) -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn task(title: &str, due: Option<&str>) -> RemindedTask {
    RemindedTask {
        title: title.into(),
        due: due.map(str::to_owned),
    }
}

/// 2030-01-01T12:00:00Z
const NOON: i64 = 1_893_499_200_000;

#[test]
fn offsets_read_as_people_write_them_and_are_bounded() {
    assert_eq!(parse_reminder_offset("0").unwrap(), 0);
    assert_eq!(parse_reminder_offset("15m").unwrap(), 15 * 60_000);
    assert_eq!(parse_reminder_offset("2h").unwrap(), 2 * HOUR);
    assert_eq!(parse_reminder_offset("1d").unwrap(), 24 * HOUR);
    assert_eq!(parse_reminder_offset(" 90 min ").unwrap(), 90 * 60_000);
    for bad in [
        "",
        "m",
        "15",
        "-5m",
        "31d",
        "99999999999999999h",
        "1w",
        "1.5h",
    ] {
        assert!(parse_reminder_offset(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_reminder_follows_the_due_and_fires_once() {
    let (_dir, _path, mut store) = temp_store();
    replica::create_board(&mut store, BOARD, "Board", config()).unwrap();
    let set = store
        .set_reminder(
            BOARD,
            "t1",
            ReminderWhen::BeforeDue { before_ms: HOUR },
            &task("Ship", Some("2030-01-01T15:00:00+00:00")),
            NOON,
            utc,
        )
        .unwrap();
    assert_eq!(set.fire_at_ms, Some(NOON + 2 * HOUR));
    // A date-only due reminds at 09:00 that day.
    store
        .set_reminder(
            BOARD,
            "t2",
            ReminderWhen::BeforeDue { before_ms: 0 },
            &task("Plan", Some("2030-01-02")),
            NOON,
            utc,
        )
        .unwrap();
    // No due yet: waits for one.
    store
        .set_reminder(
            BOARD,
            "t3",
            ReminderWhen::BeforeDue { before_ms: 0 },
            &task("Someday", None),
            NOON,
            utc,
        )
        .unwrap();
    assert_eq!(store.next_reminder_at().unwrap(), Some(NOON + 2 * HOUR));

    // The due moves an hour later: so does the reminder.
    let changed = store
        .refresh_reminders(
            BOARD,
            |id| match id {
                "t1" => Some(task("Ship", Some("2030-01-01T16:00:00+00:00"))),
                "t2" => Some(task("Plan", Some("2030-01-02"))),
                "t3" => Some(task("Someday", Some("2030-01-01T13:00:00+00:00"))),
                _ => None,
            },
            NOON,
            utc,
        )
        .unwrap();
    assert_eq!(changed, 2);
    assert_eq!(store.next_reminder_at().unwrap(), Some(NOON + HOUR));

    assert!(store
        .take_due_reminders(NOON + HOUR - 1)
        .unwrap()
        .is_empty());
    let fired = store.take_due_reminders(NOON + 3 * HOUR).unwrap();
    let names: Vec<&str> = fired.iter().map(|r| r.task.as_str()).collect();
    assert_eq!(names, ["t3", "t1"], "both past, oldest first");
    assert!(store
        .take_due_reminders(NOON + 3 * HOUR)
        .unwrap()
        .is_empty());
    assert_eq!(
        store.next_reminder_at().unwrap(),
        Some(1_893_574_800_000),
        "2030-01-02T09:00Z"
    );

    // The task went: so did its reminder.
    store.refresh_reminders(BOARD, |_| None, NOON, utc).unwrap();
    assert!(store.reminders().unwrap().is_empty());
}

#[test]
fn a_reminder_set_for_a_past_time_never_rings_and_a_due_moved_ahead_arms_it_again() {
    let (_dir, _path, mut store) = temp_store();
    replica::create_board(&mut store, BOARD, "Board", config()).unwrap();
    let due_past = task("Late", Some("2030-01-01T10:00:00+00:00"));
    let set = store
        .set_reminder(
            BOARD,
            "t",
            ReminderWhen::BeforeDue { before_ms: 0 },
            &due_past,
            NOON,
            utc,
        )
        .unwrap();
    assert_eq!(set.fired_at_ms, Some(NOON));
    assert!(store.take_due_reminders(NOON).unwrap().is_empty());
    store
        .refresh_reminders(
            BOARD,
            |_| Some(task("Late", Some("2030-01-01T14:00:00+00:00"))),
            NOON,
            utc,
        )
        .unwrap();
    assert_eq!(store.next_reminder_at().unwrap(), Some(NOON + 2 * HOUR));
    assert!(store.remove_reminder(BOARD, "t").unwrap());
    assert!(!store.remove_reminder(BOARD, "t").unwrap());
}

#[test]
fn saving_an_edit_of_the_due_moves_the_reminder() {
    let (_dir, _path, mut store) = temp_store();
    let mut board = replica::create_board(&mut store, BOARD, "Board", config()).unwrap();
    let column = board.add_column("Todo", None, Place::Bottom).unwrap();
    let id = board
        .add_task(
            &column,
            "Ship",
            Place::Bottom,
            NewTask {
                due: Some("2099-01-01T15:00:00+00:00".into()),
                ..NewTask::default()
            },
        )
        .unwrap();
    replica::save_local_changes(&mut store, &mut board).unwrap();
    let view = board.task(&id).unwrap();
    store
        .set_reminder(
            BOARD,
            &id,
            ReminderWhen::BeforeDue { before_ms: HOUR },
            &task(&view.title, view.due.as_deref()),
            NOON,
            utc,
        )
        .unwrap();
    board
        .set_due(&id, Some("2099-01-02T15:00:00+00:00"))
        .unwrap();
    board.set_task_title(&id, "Ship it").unwrap();
    replica::save_local_changes(&mut store, &mut board).unwrap();
    let reminder = store.reminder(BOARD, &id).unwrap().unwrap();
    assert_eq!(reminder.due.as_deref(), Some("2099-01-02T15:00:00+00:00"));
    assert_eq!(reminder.title, "Ship it");
    assert_eq!(
        reminder.fire_at_ms,
        Some(4_071_045_600_000),
        "2099-01-02T14:00Z"
    );
}

#[test]
fn more_reminders_than_one_batch_all_fire_in_bounded_batches() {
    let (_dir, _path, mut store) = temp_store();
    replica::create_board(&mut store, BOARD, "Board", config()).unwrap();
    for n in 0..1_500i64 {
        store
            .set_reminder(
                BOARD,
                &format!("t{n:05}"),
                ReminderWhen::At { at_ms: NOON + n },
                &task("x", None),
                NOON - 1,
                utc,
            )
            .unwrap();
    }
    assert_eq!(store.next_reminder_at().unwrap(), Some(NOON));
    let mut fired = 0;
    loop {
        let batch = store.take_due_reminders(NOON + 20_000).unwrap();
        if batch.is_empty() {
            break;
        }
        assert!(batch.len() <= board_store::MAX_FIRED_AT_ONCE as usize);
        fired += batch.len();
    }
    assert_eq!(fired, 1_500);
    assert_eq!(store.next_reminder_at().unwrap(), None);
}

fn entry(key: &str, at_ms: i64) -> NewInboxEntry {
    NewInboxEntry {
        key: key.into(),
        board: BOARD.into(),
        task: "t".into(),
        kind: "mentioned".into(),
        actor: Some("bo".into()),
        title: "Ship".into(),
        at_ms,
    }
}

#[test]
fn inbox_entries_are_kept_once_by_key_and_read_marks_merge_last_writer_wins() {
    let (_dir, _path, mut store) = temp_store();
    replica::create_board(&mut store, BOARD, "Board", config()).unwrap();
    let added = store
        .add_inbox_entries(&[entry("a", 1), entry("b", 2), entry("a", 3)])
        .unwrap();
    assert_eq!(added.len(), 2);
    assert!(store
        .add_inbox_entries(&[entry("b", 9)])
        .unwrap()
        .is_empty());
    // An entry for a board this store does not have is not kept.
    let mut stranger = entry("c", 4);
    stranger.board = "0190a000-0000-7000-8000-000000000000".into();
    assert!(store.add_inbox_entries(&[stranger]).unwrap().is_empty());
    let keys: Vec<String> = store
        .inbox(10)
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(keys, ["b", "a"]);
    assert_eq!(store.unread_count().unwrap(), 2);

    assert_eq!(store.set_inbox_read(&["a".into()], true).unwrap(), 1);
    let a = store.inbox_entry("a").unwrap().unwrap();
    assert!(a.read && a.read_changed_at_ms > 0);
    // An older mark from another device loses; a newer one wins.
    let older = ReadMark {
        key: "a".into(),
        read: false,
        changed_at_ms: a.read_changed_at_ms - 1,
    };
    assert_eq!(store.merge_read_marks(&[older]).unwrap(), 0);
    let newer = ReadMark {
        key: "a".into(),
        read: false,
        changed_at_ms: a.read_changed_at_ms + 1,
    };
    assert_eq!(store.merge_read_marks(&[newer]).unwrap(), 1);
    // A mark taken from another device is not sent back.
    assert_eq!(store.unsent_read_marks(10).unwrap(), vec![]);
    assert_eq!(store.mark_inbox_all_read().unwrap(), 2);
    assert_eq!(store.unread_count().unwrap(), 0);
}

#[test]
fn read_marks_made_here_wait_to_be_sent_and_marks_for_entries_not_derived_yet_wait_for_them() {
    let (_dir, path, mut store) = temp_store();
    replica::create_board(&mut store, BOARD, "Board", config()).unwrap();
    store
        .add_inbox_entries(&[entry("a", 1), entry("b", 2)])
        .unwrap();
    assert_eq!(store.unsent_read_marks(10).unwrap(), vec![]);

    // Reading here: unsent until the relay takes it; a change after the send stays unsent.
    store.set_inbox_read(&["a".into()], true).unwrap();
    let unsent = store.unsent_read_marks(10).unwrap();
    assert_eq!(unsent.len(), 1);
    assert!(unsent[0].key == "a" && unsent[0].read);
    store.set_inbox_read(&["a".into()], false).unwrap();
    store.read_marks_sent(&unsent).unwrap();
    let again = store.unsent_read_marks(10).unwrap();
    assert_eq!(again.len(), 1);
    assert!(!again[0].read);
    store.read_marks_sent(&again).unwrap();
    assert_eq!(store.unsent_read_marks(10).unwrap(), vec![]);

    // My other device read "c" before this one derived it: the mark waits, survives a
    // reopen, and applies when "c" is added (which then adds it read, to notify of nothing).
    let c_read = ReadMark {
        key: "c".into(),
        read: true,
        changed_at_ms: 5_000,
    };
    assert_eq!(store.merge_read_marks(&[c_read]).unwrap(), 0);
    drop(store);
    let mut store = board_store::Store::open(&path).unwrap();
    let added = store.add_inbox_entries(&[entry("c", 3)]).unwrap();
    assert_eq!(added.len(), 1);
    assert!(added[0].read && added[0].read_changed_at_ms == 5_000);
    let c = store.inbox_entry("c").unwrap().unwrap();
    assert!(c.read);
    assert_eq!(store.unread_count().unwrap(), 2, "a and b unread, c read");
    assert_eq!(store.unsent_read_marks(10).unwrap(), vec![]);

    // The relay's seq read up to is kept per account.
    assert_eq!(store.read_marks_after("relay alice").unwrap(), 0);
    store.set_read_marks_after("relay alice", 42).unwrap();
    assert_eq!(store.read_marks_after("relay alice").unwrap(), 42);
    assert_eq!(store.read_marks_after("relay bob").unwrap(), 0);
}

#[test]
fn do_not_disturb_quiet_hours_and_muted_boards_silence_notifications() {
    let (_dir, _path, mut store) = temp_store();
    replica::create_board(&mut store, BOARD, "Board", config()).unwrap();
    assert_eq!(
        store.notification_settings().unwrap(),
        NotificationSettings::default()
    );
    store
        .set_quiet_hours(parse_quiet_hours("22:00-07:30"))
        .unwrap();
    store.set_board_muted("other", true).unwrap();
    let settings = store.notification_settings().unwrap();
    assert_eq!(settings.quiet_hours, Some((22 * 60, 7 * 60 + 30)));
    assert!(settings.silences(BOARD, 23 * 60));
    assert!(settings.silences(BOARD, 60));
    assert!(!settings.silences(BOARD, 12 * 60));
    assert!(settings.silences("other", 12 * 60));
    store.set_do_not_disturb(true).unwrap();
    assert!(store
        .notification_settings()
        .unwrap()
        .silences(BOARD, 12 * 60));
    assert_eq!(parse_quiet_hours("25:00-01:00"), None);
}
