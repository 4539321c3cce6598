//! Seeded convergence simulator: N replicas apply random operations while their updates are
//! delivered late, out of order, duplicated, dropped (then repaired by a state exchange) and
//! across healed partitions. Afterwards every replica must show the identical board, with each
//! task exactly once and foreign keys intact.
//!
//! 500 cases by default; `SLOW_TESTS=1` runs 20,000; `SIM_SEED=n` replays one case.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use board_model::{Board, ModelError, NewTask, Place, ReplicaConfig, Sources};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use yrs::updates::decoder::Decode;
use yrs::{Doc, Map, MapRef, Out, ReadTxn, StateVector, Transact, Update};

const BOARD_ID: &str = "0190a000-0000-7000-8000-00000000c0de";
const FOREIGN_KEY: &str = "x-future-field";

struct Message {
    from: usize,
    bytes: Vec<u8>,
}

struct Sim {
    rng: StdRng,
    replicas: Vec<Board>,
    inboxes: Vec<Vec<Message>>,
    /// Replicas on side A of a partition, if one is in force.
    partition: Option<BTreeSet<usize>>,
    foreign_tasks: BTreeSet<String>,
    /// Tasks some replica deleted at some point. Delete wins over a concurrent edit, and
    /// undoing the delete restores what the deleter had seen, so their foreign keys may go.
    deleted_tasks: BTreeSet<String>,
    /// Task ids each replica had after the previous step.
    present: Vec<BTreeSet<String>>,
    log: Vec<String>,
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        None
    } else {
        Some(&items[rng.random_range(0..items.len())])
    }
}

impl Sim {
    fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let n = rng.random_range(2..=8);
        let config = |i: usize| ReplicaConfig {
            user: format!("user{i}"),
            sources: Sources::seeded(seed.wrapping_mul(31).wrapping_add(i as u64), 1_000),
        };
        let mut first = Board::create(BOARD_ID, "Sim", config(0)).expect("create");
        first
            .add_column("Start", None, Place::Bottom)
            .expect("column");
        let state = first.encode_state();
        first.take_local_updates();
        let mut replicas = vec![first];
        for i in 1..n {
            replicas
                .push(Board::load(BOARD_ID, [state.as_slice()], None, config(i)).expect("load"));
        }
        Self {
            rng,
            inboxes: (0..n).map(|_| Vec::new()).collect(),
            replicas,
            partition: None,
            foreign_tasks: BTreeSet::new(),
            deleted_tasks: BTreeSet::new(),
            present: vec![BTreeSet::new(); n],
            log: Vec::new(),
        }
    }

    fn broadcast(&mut self, from: usize, updates: Vec<Vec<u8>>) {
        for bytes in updates {
            for to in 0..self.replicas.len() {
                if to == from {
                    continue;
                }
                let roll = self.rng.random_range(0..100);
                if roll < 5 {
                    continue; // dropped; the final state exchange repairs it
                }
                let copies = if roll < 15 { 2 } else { 1 };
                for _ in 0..copies {
                    self.inboxes[to].push(Message {
                        from,
                        bytes: bytes.clone(),
                    });
                }
            }
        }
    }

    fn can_reach(&self, from: usize, to: usize) -> bool {
        self.partition
            .as_ref()
            .is_none_or(|side| side.contains(&from) == side.contains(&to))
    }

    fn deliver_one(&mut self) {
        let to = self.rng.random_range(0..self.replicas.len());
        let reachable: Vec<usize> = (0..self.inboxes[to].len())
            .filter(|i| self.can_reach(self.inboxes[to][*i].from, to))
            .collect();
        if let Some(&index) = pick(&mut self.rng, &reachable) {
            let message = self.inboxes[to].swap_remove(index);
            match self.replicas[to].apply_remote_update(&message.bytes) {
                // Arrived before what it builds on: refused, repaired by the final resync.
                Ok(()) | Err(ModelError::MissingHistory { .. }) => {}
                Err(e) => panic!("update refused: {e}"),
            }
            self.replicas[to].take_local_updates();
        }
    }

    fn random_op(&mut self, r: usize) {
        let view = self.replicas[r].view_with(true);
        let columns: Vec<String> = view.columns.iter().map(|c| c.id.clone()).collect();
        let tasks: Vec<(String, String)> = view
            .tasks()
            .map(|t| (t.id.clone(), t.column.clone()))
            .collect();
        let rng = &mut self.rng;
        let column = pick(rng, &columns).cloned().unwrap_or_default();
        let (task, task_column) = pick(rng, &tasks).cloned().unwrap_or_default();
        let places = |rng: &mut StdRng, anchors: &[String]| -> Place {
            match (rng.random_range(0..4), pick(rng, anchors)) {
                (0, _) | (_, None) => Place::Top,
                (1, _) => Place::Bottom,
                (2, Some(a)) => Place::Before(a.clone()),
                (_, Some(a)) => Place::After(a.clone()),
            }
        };
        let in_column: Vec<String> = view
            .columns
            .iter()
            .find(|c| c.id == column)
            .map(|c| c.tasks.iter().map(|t| t.id.clone()).collect())
            .unwrap_or_default();
        let roll = rng.random_range(0..100);
        let board = &mut self.replicas[r];
        let (name, result) = match roll {
            0..=5 => {
                let p = places(rng, &columns);
                ("add column", board.add_column("col", None, p).map(drop))
            }
            6..=7 => (
                "rename column",
                board.rename_column(&column, &format!("c{}", rng.random_range(0..9))),
            ),
            8..=10 => {
                let p = places(rng, &columns);
                ("move column", board.move_column(&column, p))
            }
            11 => (
                "archive column",
                board.set_column_archived(&column, rng.random_bool(0.5)),
            ),
            12 => ("delete column", board.delete_column(&column)),
            13 => (
                "wip",
                board.set_wip_limit(&column, rng.random_bool(0.5).then_some(3)),
            ),
            14..=30 => {
                let p = places(rng, &in_column);
                let title = format!("t{}", rng.random_range(0..1000));
                (
                    "add task",
                    board
                        .add_task(&column, &title, p, NewTask::default())
                        .map(drop),
                )
            }
            31..=52 => {
                let p = places(rng, &in_column);
                ("move task", board.move_task(&task, &column, p))
            }
            53..=57 => (
                "title",
                board.set_task_title(&task, &format!("t{}", rng.random_range(0..1000))),
            ),
            58..=67 => {
                let current = board.task(&task).map(|t| t.description).unwrap_or_default();
                let boundaries: Vec<usize> = current
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain([current.len()])
                    .collect();
                let at = *pick(rng, &boundaries).unwrap_or(&0);
                let after: Vec<usize> = boundaries.iter().copied().filter(|b| *b >= at).collect();
                let end = *pick(rng, &after).unwrap_or(&at);
                let delete = if rng.random_bool(0.3) { end - at } else { 0 };
                let insert = ["a", "bc", "ü", "→x", "\n"][rng.random_range(0..5)];
                (
                    "edit description",
                    board.edit_description(&task, at as u32, delete as u32, insert),
                )
            }
            68..=70 => {
                let name = ["bug", "ui", "infra"][rng.random_range(0..3)];
                let present = rng.random_bool(0.7);
                let result = board
                    .ensure_label(name)
                    .and_then(|l| board.set_task_label(&task, &l, present));
                ("label", result)
            }
            71..=72 => (
                "assignee",
                board.set_task_assignee(
                    &task,
                    ["ann", "bo"][rng.random_range(0..2)],
                    rng.random_bool(0.7),
                ),
            ),
            73..=74 => (
                "due",
                board.set_due(&task, rng.random_bool(0.7).then_some("2026-12-24")),
            ),
            75..=77 => (
                "checklist add",
                board.add_checklist_item(&task, "item").map(drop),
            ),
            78..=79 => (
                "checklist toggle",
                board
                    .toggle_checklist_item(&task, rng.random_range(0..3))
                    .map(drop),
            ),
            80 => (
                "checklist remove",
                board.remove_checklist_item(&task, rng.random_range(0..3)),
            ),
            81..=84 => (
                "archive task",
                board.set_task_archived(&task, rng.random_bool(0.6)),
            ),
            85..=86 => ("delete task", board.delete_task(&task)),
            87..=91 => ("undo", {
                board.undo();
                Ok(())
            }),
            92..=94 => ("redo", {
                board.redo();
                Ok(())
            }),
            _ => {
                if !task.is_empty() {
                    let update = foreign_write(board, &task);
                    board
                        .apply_remote_update(&update)
                        .expect("foreign update applies");
                    self.foreign_tasks.insert(task.clone());
                    self.broadcast(r, vec![update]);
                }
                ("foreign write", Ok(()))
            }
        };
        self.log.push(format!(
            "r{r} {name} task={task} col={column} from={task_column} -> {:?}",
            result.err()
        ));
        let updates = self.replicas[r].take_local_updates();
        self.broadcast(r, updates);
    }

    /// Tasks that vanished from some replica (deleted there, or its creation undone).
    fn note_deleted_tasks(&mut self) {
        for (replica, seen) in self.replicas.iter().zip(&mut self.present) {
            let now: BTreeSet<String> = replica.task_ids().into_iter().collect();
            self.deleted_tasks.extend(seen.difference(&now).cloned());
            *seen = now;
        }
    }

    /// The incremental per-column index must always agree with a full read of the document.
    fn check_task_index(&self) -> Result<(), String> {
        for (i, replica) in self.replicas.iter().enumerate() {
            let view = replica.view();
            for column in &view.columns {
                let scanned: Vec<&str> = column
                    .tasks
                    .iter()
                    .filter(|t| t.column == column.id)
                    .map(|t| t.id.as_str())
                    .collect();
                if replica.column_task_ids(&column.id) != scanned {
                    return Err(format!(
                        "replica {i}: task index of column {} is stale",
                        column.id
                    ));
                }
            }
        }
        Ok(())
    }

    fn step(&mut self) {
        match self.rng.random_range(0..100) {
            0..=54 => {
                let r = self.rng.random_range(0..self.replicas.len());
                self.random_op(r);
                self.note_deleted_tasks();
            }
            55..=95 => {
                self.deliver_one();
                self.note_deleted_tasks();
            }
            96..=97 => {
                let n = self.replicas.len();
                self.partition = Some((0..n).filter(|_| self.rng.random_bool(0.5)).collect());
            }
            _ => self.partition = None,
        }
    }

    fn settle(&mut self) {
        self.partition = None;
        while self.inboxes.iter().any(|i| !i.is_empty()) {
            self.deliver_one();
        }
        // Anti-entropy: what a reconnecting client's Step1/Step2 does.
        for i in 0..self.replicas.len() {
            for j in 0..self.replicas.len() {
                if i != j {
                    let sv = self.replicas[j].state_vector();
                    let diff = self.replicas[i].diff(&sv).expect("diff");
                    self.replicas[j]
                        .apply_remote_update(&diff)
                        .expect("a state diff always applies");
                }
            }
        }
    }

    fn check(&self) -> Result<(), String> {
        let reference = self.replicas[0].view_with(true);
        for (i, replica) in self.replicas.iter().enumerate().skip(1) {
            let view = replica.view_with(true);
            if view != reference {
                return Err(format!(
                    "replica {i} differs\n--- replica 0\n{}--- replica {i}\n{}",
                    reference.render(),
                    view.render()
                ));
            }
        }
        for (i, replica) in self.replicas.iter().enumerate() {
            // The board as shown, read once with archived things then filtered (the app's
            // open), is the board as shown read directly.
            if replica.view_with(true).without_archived() != replica.view() {
                return Err(format!(
                    "replica {i}: its view without archived things is not its view"
                ));
            }
            let reloaded = Board::load(
                BOARD_ID,
                [replica.encode_state().as_slice()],
                None,
                ReplicaConfig::default(),
            )
            .map_err(|e| format!("replica {i} does not reload: {e}"))?;
            if reloaded.view_with(true) != reference {
                return Err(format!(
                    "replica {i} changes when reloaded from its own state"
                ));
            }
        }
        let shown: Vec<&str> = reference.tasks().map(|t| t.id.as_str()).collect();
        let unique: BTreeSet<&str> = shown.iter().copied().collect();
        if unique.len() != shown.len() {
            return Err("a task is shown twice".into());
        }
        let board = &self.replicas[0];
        let has_live_column = !board.view().columns.is_empty();
        let column_ids: BTreeSet<String> = reference.columns.iter().map(|c| c.id.clone()).collect();
        for id in board.task_ids() {
            let task = board.task(&id).ok_or("listed task unreadable")?;
            let should_show = column_ids.contains(&task.column) || has_live_column;
            if should_show != unique.contains(id.as_str()) {
                return Err(format!(
                    "task {id} shown={} expected {should_show}",
                    !should_show
                ));
            }
        }
        for id in self.foreign_tasks.difference(&self.deleted_tasks) {
            if board.task(id).is_some() && !board.task_keys(id).iter().any(|k| k == FOREIGN_KEY) {
                return Err(format!("unknown key on task {id} was lost"));
            }
        }
        Ok(())
    }
}

/// What a newer client would do: write a field this version does not know.
fn foreign_write(board: &Board, task: &str) -> Vec<u8> {
    let doc = Doc::new();
    let tasks: MapRef = doc.get_or_insert_map("tasks");
    let state = board.encode_state();
    doc.transact_mut()
        .apply_update(Update::decode_v1(&state).expect("own state"))
        .expect("apply");
    let before: StateVector = doc.transact().state_vector();
    {
        let mut txn = doc.transact_mut();
        match tasks.get(&txn, task) {
            Some(Out::YMap(t)) => {
                t.insert(&mut txn, FOREIGN_KEY, "from the future");
            }
            other => panic!("foreign client cannot see task {task}: {other:?}"),
        }
    }
    let diff = doc.transact().encode_diff_v1(&before);
    diff
}

fn run_case(seed: u64) -> Result<(), String> {
    let mut sim = Sim::new(seed);
    let steps = sim.rng.random_range(20..120);
    let trace = std::env::var("SIM_TRACE").ok();
    for _ in 0..steps {
        sim.step();
        sim.check_task_index()?;
        if let Some(id) = &trace {
            let marks: Vec<String> = sim
                .replicas
                .iter()
                .map(|r| match r.task(id) {
                    None => "-".into(),
                    Some(t) => {
                        format!(
                            "{}{}{}",
                            if r.task_keys(id).iter().any(|k| k == FOREIGN_KEY) {
                                "K"
                            } else {
                                "o"
                            },
                            if t.rank.is_empty() { "r" } else { "" },
                            if t.column.is_empty() { "c" } else { "" }
                        ) + &format!("{:?}", r.task_keys(id))
                    }
                })
                .collect();
            eprintln!(
                "{} | {}",
                marks.join(" "),
                sim.log.last().cloned().unwrap_or_default()
            );
        }
    }
    sim.settle();
    sim.check_task_index()?;
    sim.check().map_err(|e| {
        format!(
            "{e}\nlast ops:\n{}",
            sim.log
                .iter()
                .rev()
                .take(15)
                .rev()
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

#[test]
fn replicas_converge_under_random_delivery() {
    let cases: u64 = if std::env::var_os("SLOW_TESTS").is_some() {
        20_000
    } else {
        500
    };
    let seeds: Vec<u64> = match std::env::var("SIM_SEED") {
        Ok(s) => vec![s.parse().expect("SIM_SEED is a number")],
        Err(_) => (0..cases).collect(),
    };
    for seed in seeds {
        let outcome = catch_unwind(AssertUnwindSafe(|| run_case(seed)));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("convergence failed; replay with SIM_SEED={seed}\n{e}"),
            Err(_) => panic!("simulation panicked; replay with SIM_SEED={seed}"),
        }
    }
}
