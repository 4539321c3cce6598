//! What concerns me in a teammate's change: a table of changes, each applied as a remote
//! update to my replica, with the concerns derived from the change set and the values before
//! and after it.

use std::collections::HashMap;

use board_model::{
    derive_concerns, Board, CommentFacts, ConcernSources, DueSoon, NewTask, Place, ReplicaConfig,
    Sources, TaskFacts,
};

const BOARD_ID: &str = "0190a000-0000-7000-8000-00000000c0de";
const ME: &str = "0190a000-0000-7000-8000-0000000000a1";
const BO: &str = "0190a000-0000-7000-8000-0000000000b2";
const NOW_MS: i64 = 1_780_000_000_000;

fn replica(seed: u64) -> Board {
    let config = ReplicaConfig {
        user: format!("user{seed}"),
        sources: Sources::seeded(seed, 1_700_000_000_000 + seed),
    };
    Board::create(BOARD_ID, "Board", config).unwrap()
}

fn copy_of(board: &Board, seed: u64) -> Board {
    let config = ReplicaConfig {
        user: format!("user{seed}"),
        sources: Sources::seeded(seed, 1_700_000_000_000 + seed),
    };
    let state = board.encode_state();
    Board::load(BOARD_ID, [state.as_slice()], None, config).unwrap()
}

struct World {
    mine: Board,
    theirs: Board,
    todo: String,
    done: String,
    task: String,
}

/// A board with two columns and a task in `Todo`, assigned to me when `mine` is set, on my
/// replica and a teammate's.
fn world(assigned_to_me: bool) -> World {
    let mut theirs = replica(2);
    let todo = theirs.add_column("Todo", None, Place::Bottom).unwrap();
    let done = theirs.add_column("Done", None, Place::Bottom).unwrap();
    let task = theirs
        .add_task(&todo, "Ship it", Place::Bottom, NewTask::default())
        .unwrap();
    if assigned_to_me {
        theirs.set_task_assignee(&task, ME, true).unwrap();
    }
    theirs.take_local_updates();
    let mut mine = copy_of(&theirs, 1);
    mine.take_changes();
    World {
        mine,
        theirs,
        todo,
        done,
        task,
    }
}

fn facts(board: &Board) -> HashMap<String, TaskFacts> {
    board
        .view_with(true)
        .tasks()
        .map(|task| (task.id.clone(), TaskFacts::of(task)))
        .collect()
}

/// Applies what the teammate did since the last call to my replica; the concerns, one line
/// each.
fn concerns_after(world: &mut World, me: &str) -> Vec<String> {
    let before = facts(&world.mine);
    let update = world.theirs.diff(&world.mine.state_vector()).unwrap();
    world.theirs.take_local_updates();
    world.mine.apply_remote_update(&update).unwrap();
    let changes = world.mine.take_changes();
    let mine = &world.mine;
    let sources = ConcernSources {
        before: |task: &str| before.get(task).cloned(),
        after: |task: &str| mine.task(task).map(|view| TaskFacts::of(&view)),
        comment: |id: &str| mine.comment(id).map(|view| CommentFacts::of(&view)),
        due_moment: |due: &str| {
            board_model::Due::parse(due)
                .ok()
                .map(|due| due.deadline(|_| chrono::FixedOffset::east_opt(0).unwrap()))
                .map(|at| at.timestamp_millis())
        },
    };
    let due_soon = DueSoon {
        now_ms: NOW_MS,
        window_ms: board_model::DUE_SOON_WINDOW_MS,
    };
    derive_concerns(me, BOARD_ID, &changes, &sources, due_soon)
        .into_iter()
        .map(|concern| {
            let key_kind = concern.key.split('/').next().unwrap_or("").to_owned();
            format!(
                "{} {:?} by {} ({key_kind})",
                concern.kind.as_str(),
                concern.title,
                concern
                    .actor
                    .as_deref()
                    .map_or("?", |a| if a == BO { "bo" } else { "me" })
            )
        })
        .collect()
}

fn at(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string()
}

#[test]
fn the_changes_that_concern_me_and_those_that_do_not() {
    type Step = fn(&mut World);
    let cases: Vec<(&str, bool, Step, Vec<&str>)> = vec![
        (
            "a teammate assigns me",
            false,
            |w| w.theirs.set_task_assignee(&w.task, ME, true).unwrap(),
            vec!["assigned \"Ship it\" by ? (assigned)"],
        ),
        (
            "a teammate assigns someone else",
            false,
            |w| w.theirs.set_task_assignee(&w.task, BO, true).unwrap(),
            vec![],
        ),
        (
            "a teammate adds a second assignee to my task",
            true,
            |w| w.theirs.set_task_assignee(&w.task, BO, true).unwrap(),
            vec![],
        ),
        (
            "a teammate mentions me on a task not mine",
            false,
            |w| {
                w.theirs
                    .add_comment(&w.task, BO, &format!("@[{ME}] look"))
                    .unwrap();
            },
            vec!["mentioned \"Ship it\" by bo (mention)"],
        ),
        (
            "a teammate mentions me on my task: one entry, the mention",
            true,
            |w| {
                w.theirs
                    .add_comment(&w.task, BO, &format!("@[{ME}] look"))
                    .unwrap();
            },
            vec!["mentioned \"Ship it\" by bo (mention)"],
        ),
        (
            "a teammate comments on my task",
            true,
            |w| {
                w.theirs.add_comment(&w.task, BO, "done?").unwrap();
            },
            vec!["commented \"Ship it\" by bo (comment)"],
        ),
        (
            "a teammate comments on a task not mine",
            false,
            |w| {
                w.theirs.add_comment(&w.task, BO, "done?").unwrap();
            },
            vec![],
        ),
        (
            "my own comment from my other device",
            true,
            |w| {
                w.theirs
                    .add_comment(&w.task, ME, &format!("note to @[{ME}]"))
                    .unwrap();
            },
            vec![],
        ),
        (
            "a teammate moves my task to another column",
            true,
            |w| {
                let done = w.done.clone();
                w.theirs.move_task(&w.task, &done, Place::Top).unwrap()
            },
            vec!["moved \"Ship it\" by ? (moved)"],
        ),
        (
            "a teammate reorders my task within its column",
            true,
            |w| {
                let todo = w.todo.clone();
                w.theirs.move_task(&w.task, &todo, Place::Top).unwrap()
            },
            vec![],
        ),
        (
            "a teammate sets my task due in 3 hours",
            true,
            |w| {
                w.theirs
                    .set_due(&w.task, Some(&at(NOW_MS + 3 * 3_600_000)))
                    .unwrap()
            },
            vec!["dueSoon \"Ship it\" by ? (due)"],
        ),
        (
            "a teammate sets my task due next month",
            true,
            |w| {
                w.theirs
                    .set_due(&w.task, Some(&at(NOW_MS + 30 * 24 * 3_600_000)))
                    .unwrap()
            },
            vec![],
        ),
        (
            "a teammate renames my task",
            true,
            |w| w.theirs.set_task_title(&w.task, "Ship it now").unwrap(),
            vec![],
        ),
        (
            "a teammate creates a task assigned to me, due soon",
            false,
            |w| {
                let todo = w.todo.clone();
                let task = w
                    .theirs
                    .add_task(
                        &todo,
                        "Fresh",
                        Place::Bottom,
                        NewTask {
                            due: Some(at(NOW_MS + 3_600_000)),
                            ..NewTask::default()
                        },
                    )
                    .unwrap();
                w.theirs.set_task_assignee(&task, ME, true).unwrap();
            },
            vec![
                "assigned \"Fresh\" by ? (assigned)",
                "dueSoon \"Fresh\" by ? (due)",
            ],
        ),
        (
            "a teammate archives my task",
            true,
            |w| w.theirs.set_task_archived(&w.task, true).unwrap(),
            vec![],
        ),
    ];
    for (name, assigned, step, expected) in cases {
        let mut w = world(assigned);
        step(&mut w);
        assert_eq!(concerns_after(&mut w, ME), expected, "{name}");
    }
}

#[test]
fn keys_are_the_same_on_two_of_my_devices() {
    let mut w = world(false);
    let mut laptop = copy_of(&w.mine, 3);
    w.theirs.set_task_assignee(&w.task, ME, true).unwrap();
    w.theirs
        .add_comment(&w.task, BO, &format!("@[{ME}] hi"))
        .unwrap();
    let update = w.theirs.diff(&laptop.state_vector()).unwrap();
    laptop.apply_remote_update(&update).unwrap();
    let before = facts(&w.mine);
    let keys = |board: &mut Board| {
        let changes = board.take_changes();
        let b: &Board = board;
        let sources = ConcernSources {
            before: |task: &str| before.get(task).cloned(),
            after: |task: &str| b.task(task).map(|v| TaskFacts::of(&v)),
            comment: |id: &str| b.comment(id).map(|v| CommentFacts::of(&v)),
            due_moment: |_: &str| None,
        };
        let due_soon = DueSoon {
            now_ms: NOW_MS,
            window_ms: 0,
        };
        derive_concerns(ME, BOARD_ID, &changes, &sources, due_soon)
            .into_iter()
            .map(|c| c.key)
            .collect::<Vec<_>>()
    };
    w.mine.apply_remote_update(&update).unwrap();
    let on_desktop = keys(&mut w.mine);
    let on_laptop = keys(&mut laptop);
    assert_eq!(on_desktop.len(), 2);
    assert_eq!(on_desktop, on_laptop);
}
