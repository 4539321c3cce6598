//! Reminders and notifications of what concerns me, without a window: the scheduler fires
//! reminders with the clock driven (a manual clock whose one timer the test sees and moves
//! past, no sleeps), once, missed ones once at start and grouped, silenced (but kept in the
//! inbox) by do-not-disturb, quiet hours and a muted board; a teammate's update assigning me
//! makes an inbox entry on a board open or not; through a real relay an assignment and a
//! mention land in my inbox and notify me, my own edits never do.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use board_model::{NewTask, Place, ReplicaConfig, Sources};
use board_store::{replica, InboxEntry, RemindedTask, ReminderWhen, Store, UpdateOrigin};
use tack::ipc::{BoardOp, Role, SyncKind};
use tack::notify::{Alerts, Clock, ManualClock, Notice, Notifications};

use crate::collab::{add_task, shared_board, Desk, TestRelay, WAIT};

/// Records what would be shown, and wakes a test waiting for it.
#[derive(Default)]
struct Shown {
    notices: Mutex<Vec<Notice>>,
    inbox: Mutex<Vec<InboxEntry>>,
    tx: Mutex<Option<tokio::sync::mpsc::UnboundedSender<Notice>>>,
    inbox_tx: Mutex<Option<tokio::sync::mpsc::UnboundedSender<InboxEntry>>>,
    /// Times the inbox changed with nothing added (read marks from my other devices).
    refreshes: Mutex<u32>,
}

impl Alerts for Shown {
    fn show(&self, notice: &Notice) {
        self.notices
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(notice.clone());
        if let Some(tx) = &*self.tx.lock().unwrap_or_else(PoisonError::into_inner) {
            let _ = tx.send(notice.clone());
        }
    }

    fn inbox_changed(&self, added: &[InboxEntry], _unread: u64) {
        if added.is_empty() {
            *self
                .refreshes
                .lock()
                .unwrap_or_else(PoisonError::into_inner) += 1;
        }
        self.inbox
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(added);
        if let Some(tx) = &*self.inbox_tx.lock().unwrap_or_else(PoisonError::into_inner) {
            for entry in added {
                let _ = tx.send(entry.clone());
            }
        }
    }
}

const START: i64 = 1_893_499_200_000; // 2030-01-01T12:00:00Z
const BOARD: &str = "0190a000-0000-7000-8000-00000000b0a6";

fn utc(_: chrono::NaiveDateTime) -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(0).expect("utc")
}

/// A store with the board "Launch", one column and a task per title; the task ids.
fn board_with_tasks(dir: &std::path::Path, titles: &[&str]) -> (Store, Vec<String>) {
    let mut store = Store::open_in_dir(dir).expect("store");
    let config = ReplicaConfig {
        user: "me".into(),
        sources: Sources::seeded(1, START.unsigned_abs()),
    };
    let mut board = replica::create_board(&mut store, BOARD, "Launch", config).expect("board");
    let column = board
        .add_column("Todo", None, Place::Bottom)
        .expect("column");
    let tasks = titles
        .iter()
        .map(|title| {
            board
                .add_task(&column, title, Place::Bottom, NewTask::default())
                .expect("task")
        })
        .collect();
    replica::save_local_changes(&mut store, &mut board).expect("save");
    (store, tasks)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
}

fn remind_at(store: &Mutex<Store>, task: &str, title: &str, at_ms: i64, now_ms: i64) {
    store
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .set_reminder(
            BOARD,
            task,
            ReminderWhen::At { at_ms },
            &RemindedTask {
                title: title.into(),
                due: None,
            },
            now_ms,
            utc,
        )
        .expect("reminder");
}

/// The next thing received, bounded (the scheduler runs on the same runtime: it answers at
/// once once the clock is moved, the bound only turns a bug into a failure instead of a hang).
async fn next<T>(rx: &mut tokio::sync::mpsc::UnboundedReceiver<T>, what: &str) -> T {
    tokio::time::timeout(WAIT, rx.recv())
        .await
        .unwrap_or_else(|_| panic!("{what}: nothing in {WAIT:?}"))
        .unwrap_or_else(|| panic!("{what}: the channel closed"))
}

/// A scheduler on `store` with a clock stopped at START; what it shows arrives on the
/// receivers.
struct Scheduler {
    clock: Arc<ManualClock>,
    notifications: Notifications,
    shown: Arc<Shown>,
    notices: tokio::sync::mpsc::UnboundedReceiver<Notice>,
    inbox: tokio::sync::mpsc::UnboundedReceiver<InboxEntry>,
}

fn scheduler(store: &Arc<Mutex<Store>>) -> Scheduler {
    let (tx, notices) = tokio::sync::mpsc::unbounded_channel();
    let (inbox_tx, inbox) = tokio::sync::mpsc::unbounded_channel();
    let shown = Arc::new(Shown::default());
    *shown.tx.lock().unwrap_or_else(PoisonError::into_inner) = Some(tx);
    *shown
        .inbox_tx
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some(inbox_tx);
    let clock = Arc::new(ManualClock::starting_at(START));
    let notifications = Notifications::new(store.clone(), clock.clone(), shown.clone());
    Scheduler {
        clock,
        notifications,
        shown,
        notices,
        inbox,
    }
}

#[test]
fn a_reminder_before_the_due_fires_once_at_due_minus_its_offset() {
    let dir = test_support::temp_data_dir();
    let (mut store, tasks) = board_with_tasks(dir.path(), &["Call the venue"]);
    // Due at 13:00; reminded 15 minutes before.
    let reminder = store
        .set_reminder(
            BOARD,
            &tasks[0],
            ReminderWhen::BeforeDue {
                before_ms: 15 * 60_000,
            },
            &RemindedTask {
                title: "Call the venue".into(),
                due: Some("2030-01-01T13:00:00+00:00".into()),
            },
            START - 3_600_000,
            utc,
        )
        .expect("reminder");
    let fire_at = START + 45 * 60_000;
    assert_eq!(reminder.fire_at_ms, Some(fire_at));
    let store = Arc::new(Mutex::new(store));
    let mut s = scheduler(&store);

    runtime().block_on(async {
        tokio::spawn(s.notifications.clone().run());
        // One timer, at most a minute ahead; it wakes, looks, and sets the next.
        let mut at = START;
        while at < fire_at - 60_000 {
            at += 60_000;
            s.clock.armed_for(at).await;
            s.clock.set(at);
        }
        // A millisecond before its time: the timer waits for exactly that moment, nothing shown.
        s.clock.armed_for(fire_at).await;
        s.clock.set(fire_at - 1);
        tokio::task::yield_now().await;
        assert!(s.notices.try_recv().is_err(), "fired before its time");
        s.clock.set(fire_at);
        let notice = next(&mut s.notices, "the reminder").await;
        assert_eq!(notice.title, "Launch");
        assert_eq!(notice.body, "Reminder: “Call the venue”");
        assert_eq!(notice.task.as_deref(), Some(tasks[0].as_str()));

        // Three hours later, the scheduler having looked every minute: never again.
        for minute in 1..=180 {
            let at = fire_at + minute * 60_000;
            s.clock.armed_for(at).await;
            s.clock.set(at);
        }
        assert!(
            s.notices.try_recv().is_err(),
            "the reminder fired a second time"
        );
        let inbox = store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .inbox(50)
            .expect("inbox");
        assert_eq!(inbox.len(), 1);
        assert_eq!(inbox[0].kind, "reminder");
        assert_eq!(inbox[0].task, tasks[0]);
    });
}

/// Turns one way of silencing notifications on or off.
type Silence = dyn Fn(&mut Store, bool);

#[test]
fn do_not_disturb_quiet_hours_and_a_muted_board_silence_the_notification_but_keep_the_inbox_entry()
{
    let dir = test_support::temp_data_dir();
    let titles = ["During DND", "In quiet hours", "On a muted board", "Heard"];
    let (store, tasks) = board_with_tasks(dir.path(), &titles);
    let store = Arc::new(Mutex::new(store));
    let mut s = scheduler(&store);

    runtime().block_on(async {
        tokio::spawn(s.notifications.clone().run());
        let settings = |change: &dyn Fn(&mut Store)| {
            change(&mut store.lock().unwrap_or_else(PoisonError::into_inner));
        };
        // Each silenced in its own way, one minute apart (START is 12:00 UTC, the clock's zone).
        let silence: [&Silence; 3] = [
            &|st: &mut Store, on: bool| st.set_do_not_disturb(on).expect("dnd"),
            &|st: &mut Store, on: bool| {
                st.set_quiet_hours(on.then_some((11 * 60 + 30, 13 * 60)))
                    .expect("quiet hours");
            },
            &|st: &mut Store, on: bool| st.set_board_muted(BOARD, on).expect("mute"),
        ];
        for ((i, quiet), minute) in silence.iter().enumerate().zip(1_i64..) {
            settings(&|st: &mut Store| quiet(st, true));
            let at = START + 60_000 * minute;
            remind_at(&store, &tasks[i], titles[i], at, s.clock.now_ms());
            s.notifications.reschedule();
            s.clock.armed_for(at).await;
            s.clock.set(at);
            let entry = next(&mut s.inbox, "the inbox entry").await;
            assert_eq!(entry.title, titles[i]);
            assert!(!entry.read);
            settings(&|st: &mut Store| quiet(st, false));
        }
        assert!(
            s.notices.try_recv().is_err(),
            "a silenced reminder was shown: {:?}",
            s.shown
                .notices
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        );

        // With all of it off again, the next one is shown (and in the inbox too).
        let at = START + 240_000;
        remind_at(&store, &tasks[3], titles[3], at, s.clock.now_ms());
        s.notifications.reschedule();
        s.clock.armed_for(at).await;
        s.clock.set(at);
        let heard = next(&mut s.notices, "the reminder heard").await;
        assert_eq!(heard.body, "Reminder: “Heard”");
        assert_eq!(next(&mut s.inbox, "its inbox entry").await.title, "Heard");
        let kept = store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .inbox(50)
            .expect("inbox");
        assert_eq!(kept.len(), 4);
    });
}

#[test]
fn reminders_missed_while_closed_fire_once_at_start_grouped_and_the_rest_at_their_time() {
    let dir = test_support::temp_data_dir();
    let titles = ["Missed one", "Missed two", "In a minute", "In an hour"];
    let (store, tasks) = board_with_tasks(dir.path(), &titles);
    let store = Arc::new(Mutex::new(store));
    // Two set long ago for moments before START (the app was closed), two still to come.
    let at = [
        START - 120_000,
        START - 60_000,
        START + 60_000,
        START + 3_600_000,
    ];
    for ((task, title), at_ms) in tasks.iter().zip(titles).zip(at) {
        remind_at(&store, task, title, at_ms, START - 3_600_000);
    }
    let mut s = scheduler(&store);

    runtime().block_on(async {
        tokio::spawn(s.notifications.clone().run());

        // At start: the two missed, once, as one notification.
        let first = next(&mut s.notices, "the missed reminders").await;
        assert_eq!(first.title, "2 reminders on Launch");
        assert_eq!(first.body, "Reminder: “Missed one”\nReminder: “Missed two”");
        assert_eq!(first.task, None);

        // The next at its time: the one timer is set for it.
        s.clock.armed_for(START + 60_000).await;
        s.clock.set(START + 60_000);
        let next_one = next(&mut s.notices, "the reminder in a minute").await;
        assert_eq!(next_one.body, "Reminder: “In a minute”");
        assert_eq!(next_one.task.as_deref(), Some(tasks[2].as_str()));

        // A reminder set meanwhile for sooner than the next one: the scheduler is woken and
        // its timer moves to it.
        s.clock.armed_for(START + 120_000).await;
        remind_at(
            &store,
            &tasks[0],
            "Missed one",
            START + 90_000,
            s.clock.now_ms(),
        );
        s.notifications.reschedule();
        s.clock.armed_for(START + 90_000).await;
        s.clock.set(START + 90_000);
        let sooner = next(&mut s.notices, "the new reminder").await;
        assert_eq!(sooner.body, "Reminder: “Missed one”");

        // Each went to the inbox too (the notification cannot report a click on Linux).
        let inbox = store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .inbox(50)
            .expect("inbox");
        assert_eq!(inbox.len(), 4);
        assert!(inbox.iter().all(|e| e.kind == "reminder" && !e.read));
        assert_eq!(
            store
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .next_reminder_at()
                .expect("next"),
            Some(START + 3_600_000)
        );
    });
}

/// A teammate's edit to `board`, made on their own replica and stored as the relay's update
/// is, then handed to my session as the sync client hands it: what in it concerns `me`.
fn teammates_edit(
    session: &mut tack::session::Session,
    board: &str,
    op: BoardOp,
    me: &str,
) -> tack::session::RemoteOutcome {
    let config = ReplicaConfig {
        user: "ana".into(),
        sources: Sources::seeded(9, START.unsigned_abs()),
    };
    let mut theirs = replica::open_board(&session.store(), board, config).expect("their replica");
    tack::session::apply_op(&mut theirs, op).expect("their edit");
    let mut outcome = tack::session::RemoteOutcome::default();
    for update in theirs.take_local_updates() {
        session
            .store()
            .append_update(board, UpdateOrigin::Remote, &update)
            .expect("store the update");
        let one = session
            .apply_remote_noting(board, &update, Some(me), START)
            .expect("apply");
        outcome.patch = outcome.patch.or(one.patch);
        outcome.concerns.extend(one.concerns);
    }
    outcome
}

/// A board made in the store only (never opened by the session), one column "Todo" holding
/// `tasks`: their ids.
fn board_in_store_only(
    session: &tack::session::Session,
    config: &ReplicaConfig,
    id: &str,
    title: &str,
    tasks: &[impl AsRef<str>],
) -> Vec<String> {
    let mut store = session.store();
    let mut board = replica::create_board(&mut store, id, title, config.clone()).expect("board");
    let column = board
        .add_column("Todo", None, Place::Bottom)
        .expect("column");
    let ids = tasks
        .iter()
        .map(|title| {
            board
                .add_task(&column, title.as_ref(), Place::Bottom, NewTask::default())
                .expect("task")
        })
        .collect();
    replica::save_local_changes(&mut store, &mut board).expect("save");
    ids
}

/// Boards not open that teammates update are watched (their replicas kept to tell what
/// concerns me): at most `MAX_WATCHED` at once; one dropped still tells, loaded again.
#[test]
fn watched_boards_are_bounded_and_a_dropped_one_still_tells_what_concerns_me() {
    const ME: &str = "0190a000-0000-7000-8000-0000000000e1";
    let dir = test_support::temp_data_dir();
    let config = ReplicaConfig {
        user: "me".into(),
        sources: Sources::seeded(3, START.unsigned_abs()),
    };
    let mut session = tack::session::Session::open(dir.path(), config.clone()).expect("session");
    let boards: Vec<(String, [String; 2])> = (0..tack::session::MAX_WATCHED + 2)
        .map(|i| {
            let id = format!("0190a000-0000-7000-8000-00000000b0{i:02}");
            let titles = [format!("Renew domain {i}"), format!("Rotate keys {i}")];
            let tasks = board_in_store_only(&session, &config, &id, &format!("Ops {i}"), &titles);
            let tasks: [String; 2] = tasks.try_into().expect("two tasks");
            (id, tasks)
        })
        .collect();
    let assign_me = |task: &str| BoardOp::SetTaskAssignee {
        task_id: task.into(),
        user_id: ME.into(),
        present: true,
    };
    for (i, (board, tasks)) in boards.iter().enumerate() {
        let outcome = teammates_edit(&mut session, board, assign_me(&tasks[0]), ME);
        assert_eq!(
            outcome
                .concerns
                .iter()
                .map(|c| c.title.as_str())
                .collect::<Vec<_>>(),
            [format!("Renew domain {i}")]
        );
        assert!(session.watched_len() <= tack::session::MAX_WATCHED);
    }
    assert_eq!(session.watched_len(), tack::session::MAX_WATCHED);
    // The first board was dropped; a teammate's next edit there still concerns me.
    let (first, tasks) = &boards[0];
    let outcome = teammates_edit(&mut session, first, assign_me(&tasks[1]), ME);
    assert_eq!(
        outcome
            .concerns
            .iter()
            .map(|c| (c.kind.as_str(), c.title.as_str()))
            .collect::<Vec<_>>(),
        [("assigned", "Rotate keys 0")]
    );
    assert_eq!(session.watched_len(), tack::session::MAX_WATCHED);
}

#[test]
fn a_teammates_update_assigning_me_makes_an_inbox_entry_on_a_board_open_or_not() {
    const ME: &str = "0190a000-0000-7000-8000-0000000000e1";
    let dir = test_support::temp_data_dir();
    let config = ReplicaConfig {
        user: "me".into(),
        sources: Sources::seeded(3, START.unsigned_abs()),
    };
    let mut session = tack::session::Session::open(dir.path(), config.clone()).expect("session");
    // "Launch" is open in the window; "Ops" only in the store (never opened here).
    let open = session.create_board("Launch").expect("board").id;
    let column = session
        .apply(&open, add_task_column("To do"))
        .expect("column")
        .0
        .created_id
        .expect("column id");
    let task = session
        .apply(&open, add_task("Book the venue", &column))
        .expect("task")
        .0
        .created_id
        .expect("task id");
    let ops = "0190a000-0000-7000-8000-00000000b0b5";
    let other_task =
        board_in_store_only(&session, &config, ops, "Ops", &["Renew the domain"]).remove(0);
    let assign = |task: &str, user: &str| BoardOp::SetTaskAssignee {
        task_id: task.into(),
        user_id: user.into(),
        present: true,
    };

    // Assigned to someone else: nothing for me, though the open board shows the change.
    let other = teammates_edit(&mut session, &open, assign(&task, "bob"), ME);
    assert!(other.patch.is_some());
    assert!(other.concerns.is_empty(), "{:?}", other.concerns);

    // Assigned to me, on the open board and on the one not open.
    let mine = teammates_edit(&mut session, &open, assign(&task, ME), ME);
    let watched = teammates_edit(&mut session, ops, assign(&other_task, ME), ME);
    assert!(watched.patch.is_none(), "Ops is not shown");
    let concerns: Vec<_> = mine.concerns.iter().chain(&watched.concerns).collect();
    assert_eq!(
        concerns
            .iter()
            .map(|c| (c.kind.as_str(), c.title.as_str(), c.board.as_str()))
            .collect::<Vec<_>>(),
        [
            ("assigned", "Book the venue", open.as_str()),
            ("assigned", "Renew the domain", ops)
        ]
    );

    // Delivered, they are in my inbox, unread, and notified once each.
    let shown = Arc::new(Shown::default());
    let notifications = Notifications::new(
        session.shared_store(),
        Arc::new(ManualClock::starting_at(START)),
        shown.clone(),
    );
    let entries: Vec<_> = concerns.into_iter().cloned().collect();
    notifications.deliver(&entries);
    let inbox = session.store().inbox(50).expect("inbox");
    assert_eq!(inbox.len(), 2);
    assert!(inbox.iter().all(|e| e.kind == "assigned" && !e.read));
    assert_eq!(
        shown
            .inbox
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len(),
        2
    );
    // The same update again (a resend) adds nothing.
    notifications.deliver(&entries);
    assert_eq!(session.store().inbox(50).expect("inbox").len(), 2);
    assert_eq!(
        shown
            .inbox
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len(),
        2
    );
}

fn add_task_column(title: &str) -> BoardOp {
    BoardOp::AddColumn {
        title: title.into(),
        wip: None,
        place: tack::ipc::Place::Bottom,
    }
}

impl Shown {
    fn wait_inbox(&self, what: &str, pick: impl Fn(&InboxEntry) -> bool) -> InboxEntry {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(found) = self
                .inbox
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .find(|e| pick(e))
            {
                return found.clone();
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not in the inbox in {WAIT:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `desk` adds `title` to `column` and assigns it to `user`; the task's id.
fn assigned_task(desk: &Desk, board: &str, column: &str, title: &str, user: &str) -> String {
    let task = desk
        .apply(board, add_task(title, column))
        .expect("task")
        .expect("task id");
    desk.apply(
        board,
        BoardOp::SetTaskAssignee {
            task_id: task.clone(),
            user_id: user.to_owned(),
            present: true,
        },
    )
    .expect("assign");
    task
}

fn notifications_for(desk: &Desk) -> Arc<Shown> {
    let shown = Arc::new(Shown::default());
    let store = desk.session().shared_store();
    let notifications =
        Notifications::new(store, Arc::new(tack::notify::SystemClock), shown.clone());
    desk.collab.set_notifications(notifications.clone());
    desk.runtime.spawn(notifications.run());
    shown
}

#[test]
fn a_teammates_assignment_and_mention_reach_my_inbox_through_the_relay_and_my_own_edits_never_do() {
    let relay = TestRelay::start();
    let (ana, bob) = (Desk::new("ana"), Desk::new("bob"));
    let (board, column) = shared_board(&relay, &ana, &bob, Role::Editor);
    let ana_shown = notifications_for(&ana);
    let bob_shown = notifications_for(&bob);
    let bob_id = bob.collab.signed_in_user().expect("bob signed in");
    bob.wait_board(&board, SyncKind::Synced);

    let task = assigned_task(&ana, &board, &column, "Book the venue", &bob_id);
    let assigned = bob_shown.wait_inbox("the assignment", |e| e.kind == "assigned");
    assert_eq!(assigned.task, task);
    assert_eq!(assigned.title, "Book the venue");

    let ana_id = ana.collab.signed_in_user();
    ana.session()
        .add_comment(
            &board,
            &task,
            &format!("@[{bob_id}] can you call them?"),
            ana_id,
        )
        .expect("ana mentions bob");
    let mention = bob_shown.wait_inbox("the mention", |e| e.kind == "mentioned");
    assert_eq!(
        mention.actor.as_deref(),
        ana.collab.signed_in_user().as_deref()
    );
    let store_entries = bob.session().store().inbox(50).expect("inbox");
    assert_eq!(
        store_entries
            .iter()
            .map(|e| e.kind.as_str())
            .collect::<Vec<_>>(),
        ["mentioned", "assigned"]
    );

    // Bob's own edits: a comment on his task and moving it. Ana sees them; nobody's inbox
    // gets an entry for what they did themselves, and Ana's task is not hers.
    let bob_user = bob.collab.signed_in_user();
    bob.session()
        .add_comment(&board, &task, "Booked.", bob_user)
        .expect("bob comments");
    bob.apply(&board, add_task("Marker after bob's comment", &column))
        .expect("marker");
    ana.events.wait("bob's marker on ana's board", |e| match e {
        tack::collab::AppEvent::Patch(p) if p.board_id == board => {
            p.patches.iter().find_map(|patch| match patch {
                tack::ipc::Patch::TaskUpserted { task, .. }
                    if task.title == "Marker after bob's comment" =>
                {
                    Some(())
                }
                _ => None,
            })
        }
        _ => None,
    });
    assert!(
        ana.session().store().inbox(50).expect("inbox").is_empty(),
        "nothing of bob's concerns ana"
    );
    assert!(ana_shown
        .notices
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .is_empty());
    assert_eq!(bob.session().store().inbox(50).expect("inbox").len(), 2);
    // Bob was notified (rate-limited: at least the first, at most one per gap).
    let notices = bob_shown
        .notices
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    assert!(!notices.is_empty());
    assert!(notices
        .iter()
        .all(|n| n.board == board && n.title.contains("Launch")));
}

/// A pending notification of `kind` on `board` about `title`.
fn pending(board: &str, board_title: &str, kind: &str, title: &str) -> tack::notify::Pending {
    tack::notify::Pending {
        entry: InboxEntry {
            key: format!("{kind}/{board}/{title}"),
            board: board.into(),
            task: format!("task {title}"),
            kind: kind.into(),
            actor: None,
            title: title.into(),
            at_ms: START,
            read: false,
            read_changed_at_ms: 0,
        },
        board_title: board_title.into(),
        actor_name: Some("Ana".into()),
    }
}

#[test]
fn notifications_are_at_most_one_per_gap_and_what_comes_meanwhile_is_grouped_per_board() {
    use tack::notify::{Notifier, MIN_NOTIFICATION_GAP_MS};
    let settings = board_store::NotificationSettings::default();
    let mut notifier = Notifier::default();
    let first = notifier.push(
        vec![pending("b1", "Launch", "assigned", "Book the venue")],
        START,
        &settings,
        0,
    );
    assert_eq!(
        first.iter().map(|n| n.body.as_str()).collect::<Vec<_>>(),
        ["“Book the venue” was assigned to you"]
    );
    // Within the gap: nothing shown, two boards' entries wait.
    let meanwhile = notifier.push(
        vec![
            pending("b1", "Launch", "mentioned", "Call them"),
            pending("b1", "Launch", "moved", "Print flyers"),
            pending("b2", "Ops", "assigned", "Renew the domain"),
        ],
        START + 1_000,
        &settings,
        0,
    );
    assert!(meanwhile.is_empty());
    assert_eq!(
        notifier.next_flush_ms(),
        Some(START + MIN_NOTIFICATION_GAP_MS)
    );
    assert!(notifier
        .flush(START + MIN_NOTIFICATION_GAP_MS - 1)
        .is_empty());
    let grouped = notifier.flush(START + MIN_NOTIFICATION_GAP_MS);
    assert_eq!(
        grouped
            .iter()
            .map(|n| (n.title.as_str(), n.body.as_str(), n.task.is_some()))
            .collect::<Vec<_>>(),
        [
            (
                "2 updates on Launch",
                "Ana mentioned you on “Call them”\n“Print flyers” moved to another column",
                false
            ),
            ("Ops", "“Renew the domain” was assigned to you", true),
        ]
    );
    assert_eq!(notifier.next_flush_ms(), None);
}

/// Runs read mark rounds on `desk` until `done` holds of its inbox entry `key` (bounded).
fn until_entry(desk: &Desk, key: &str, what: &str, done: impl Fn(&InboxEntry) -> bool) {
    let deadline = Instant::now() + WAIT;
    loop {
        desk.collab.read_marks_round().expect("a read marks round");
        let entry = desk.session().store().inbox_entry(key).expect("inbox");
        if entry.as_ref().is_some_and(&done) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not in {WAIT:?}: {entry:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn what_i_read_on_one_computer_is_read_on_my_other_one_and_unread_follows_too() {
    let relay = TestRelay::start();
    let (ana, laptop, desktop) = (Desk::new("ana"), Desk::new("bob"), Desk::new("bob"));
    let (board, column) = shared_board(&relay, &ana, &laptop, Role::Editor);
    desktop.log_in(&relay, "bob@example.com");
    desktop.collab.open_remote_board(&board).expect("download");
    let laptop_shown = notifications_for(&laptop);
    let desktop_shown = notifications_for(&desktop);
    let bob_id = laptop.collab.signed_in_user().expect("bob signed in");
    assert_eq!(desktop.collab.signed_in_user(), Some(bob_id.clone()));

    // Ana assigns Bob: both of his computers derive the same entry, unread.
    assigned_task(&ana, &board, &column, "Book the venue", &bob_id);
    let on_laptop = laptop_shown.wait_inbox("the assignment", |e| e.kind == "assigned");
    let on_desktop = desktop_shown.wait_inbox("the assignment", |e| e.kind == "assigned");
    assert_eq!(on_laptop.key, on_desktop.key);
    let key = on_laptop.key;

    // Bob reads it on his laptop (as the inbox's `u` does: mark, then wake the round).
    assert_eq!(
        laptop
            .session()
            .store()
            .set_inbox_read(std::slice::from_ref(&key), true)
            .expect("mark read"),
        1
    );
    laptop.collab.read_marks_soon();
    until_entry(&desktop, &key, "read on the desktop", |e| e.read);
    assert_eq!(desktop.session().store().unread_count().expect("count"), 0);
    // The window was told to reload the inbox (nothing new added).
    assert!(
        *desktop_shown
            .refreshes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            > 0
    );

    // Marked unread on the desktop later: the laptop follows.
    desktop
        .session()
        .store()
        .set_inbox_read(std::slice::from_ref(&key), false)
        .expect("mark unread");
    desktop.collab.read_marks_round().expect("send");
    until_entry(&laptop, &key, "unread on the laptop", |e| !e.read);
}

#[test]
fn a_reminder_on_the_real_clock_fires_at_its_time_and_not_before() {
    let dir = test_support::temp_data_dir();
    let (store, tasks) = board_with_tasks(dir.path(), &["Call the venue"]);
    let store = Arc::new(Mutex::new(store));
    let clock = Arc::new(tack::notify::SystemClock);
    let (tx, mut notices) = tokio::sync::mpsc::unbounded_channel();
    let shown = Arc::new(Shown::default());
    *shown.tx.lock().unwrap_or_else(PoisonError::into_inner) = Some(tx);
    let notifications = Notifications::new(store.clone(), clock.clone(), shown);
    runtime().block_on(async {
        tokio::spawn(notifications.clone().run());
        let at_ms = clock.now_ms() + 1_200;
        remind_at(&store, &tasks[0], "Call the venue", at_ms, clock.now_ms());
        notifications.reschedule();
        let notice = next(&mut notices, "the reminder").await;
        let fired_ms = clock.now_ms();
        assert_eq!(notice.body, "Reminder: “Call the venue”");
        assert!(fired_ms >= at_ms, "fired {} ms early", at_ms - fired_ms);
        // The wall-clock latency (BENCHMARKS "Reminders and what concerns me").
        println!("reminder fired {} ms after its time", fired_ms - at_ms);
    });
}
