//! Turns the model's change observation (`Board::take_changes`) into the small typed patches the
//! UI applies, so a change to one task re-renders one card.

use std::collections::{BTreeSet, HashMap};

use board_model::{Board, BoardView, ChangeSet, ColumnView, TaskView};

use crate::ipc::Patch;

/// The columns the UI currently shows for one open board: a column that comes back into view
/// (unarchived, or its deletion undone) needs its tasks sent along with its header.
#[derive(Debug, Default)]
pub struct ShownColumns(BTreeSet<String>);

impl ShownColumns {
    /// The live columns of a snapshot the UI was just given.
    pub fn from_view(view: &board_model::BoardView) -> Self {
        Self(view.columns.iter().map(|c| c.id.clone()).collect())
    }
}

/// Patches for everything in `changes`, in the order the UI applies them.
pub fn build(board: &Board, changes: &ChangeSet, shown: &mut ShownColumns) -> Vec<Patch> {
    let mut patches = Vec::new();
    if changes.meta {
        patches.push(Patch::BoardMeta {
            title: board.title(),
        });
    }
    if changes.labels {
        patches.push(Patch::LabelsReplaced {
            labels: board.labels(),
        });
    }
    if changes.is_empty() {
        return patches;
    }

    let columns = board.columns();
    let first_live = columns.iter().find(|c| !c.archived).map(|c| c.id.clone());
    let by_id: HashMap<&str, &ColumnView> = columns.iter().map(|c| (c.id.as_str(), c)).collect();

    let mut tasks: BTreeSet<String> = changes.tasks.clone();
    for column_id in &changes.columns {
        match by_id.get(column_id.as_str()) {
            Some(column) if !column.archived => {
                patches.push(Patch::ColumnUpserted {
                    column: (*column).clone(),
                });
                if shown.0.insert(column_id.clone()) {
                    tasks.extend(board.column_task_ids(column_id));
                }
            }
            _ => {
                shown.0.remove(column_id);
                patches.push(Patch::ColumnRemoved {
                    column_id: column_id.clone(),
                });
            }
        }
    }

    for task_id in tasks {
        let shown_in = board.task(&task_id).and_then(|task| {
            if task.archived {
                return None;
            }
            let column_id = match by_id.get(task.column.as_str()) {
                Some(column) if column.archived => return None,
                Some(_) => task.column.clone(),
                None => first_live.clone()?,
            };
            Some((column_id, task))
        });
        patches.push(match shown_in {
            Some((column_id, task)) => Patch::TaskUpserted { column_id, task },
            None => Patch::TaskRemoved { task_id },
        });
    }
    patches
}

/// Patches that turn what the UI shows (`shown`, an older view of the board) into `now`:
/// columns first (so a task's column exists when the task arrives), then tasks, then what went.
/// Both views hold live columns and tasks only, as `Board::view` gives them.
pub fn between(shown: &BoardView, now: &BoardView) -> Vec<Patch> {
    let mut patches = Vec::new();
    if shown.title != now.title {
        patches.push(Patch::BoardMeta {
            title: now.title.clone(),
        });
    }
    if shown.labels != now.labels {
        patches.push(Patch::LabelsReplaced {
            labels: now.labels.clone(),
        });
    }
    let headers: HashMap<&str, &ColumnView> =
        shown.columns.iter().map(|c| (c.id.as_str(), c)).collect();
    let placed: HashMap<&str, (&str, &TaskView)> = shown
        .columns
        .iter()
        .flat_map(|c| {
            c.tasks
                .iter()
                .map(move |t| (t.id.as_str(), (c.id.as_str(), t)))
        })
        .collect();
    for column in &now.columns {
        let same = headers.get(column.id.as_str()).is_some_and(|before| {
            (&before.title, &before.rank, before.wip, before.archived)
                == (&column.title, &column.rank, column.wip, column.archived)
        });
        if !same {
            patches.push(Patch::ColumnUpserted {
                column: ColumnView {
                    tasks: Vec::new(),
                    ..column.clone()
                },
            });
        }
    }
    let mut live = BTreeSet::new();
    for column in &now.columns {
        for task in &column.tasks {
            live.insert(task.id.as_str());
            let unchanged = placed
                .get(task.id.as_str())
                .is_some_and(|(was_in, before)| *was_in == column.id && *before == task);
            if !unchanged {
                patches.push(Patch::TaskUpserted {
                    column_id: column.id.clone(),
                    task: task.clone(),
                });
            }
        }
    }
    let columns_now: BTreeSet<&str> = now.columns.iter().map(|c| c.id.as_str()).collect();
    for column in &shown.columns {
        if !columns_now.contains(column.id.as_str()) {
            patches.push(Patch::ColumnRemoved {
                column_id: column.id.clone(),
            });
        }
    }
    let mut gone: Vec<&str> = placed
        .keys()
        .copied()
        .filter(|id| !live.contains(id))
        .collect();
    gone.sort_unstable();
    for task_id in gone {
        patches.push(Patch::TaskRemoved {
            task_id: task_id.to_owned(),
        });
    }
    patches
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use board_model::{Board, BoardView, ColumnView, NewTask, Place, ReplicaConfig, Sources};

    use super::between;
    use crate::ipc::Patch;

    /// What the UI's board store holds, applied as it applies patches (ui/src/model/store.ts).
    #[derive(Debug, PartialEq)]
    struct Shown {
        title: String,
        labels: Vec<board_model::LabelView>,
        columns: HashMap<String, ColumnView>,
        tasks: HashMap<String, (String, board_model::TaskView)>,
    }

    impl Shown {
        fn of(view: &BoardView) -> Self {
            let mut shown = Self {
                title: view.title.clone(),
                labels: view.labels.clone(),
                columns: HashMap::new(),
                tasks: HashMap::new(),
            };
            for column in &view.columns {
                for task in &column.tasks {
                    shown
                        .tasks
                        .insert(task.id.clone(), (column.id.clone(), task.clone()));
                }
                let header = ColumnView {
                    tasks: Vec::new(),
                    ..column.clone()
                };
                shown.columns.insert(column.id.clone(), header);
            }
            shown
        }

        fn apply(&mut self, patches: Vec<Patch>) {
            for patch in patches {
                match patch {
                    Patch::BoardMeta { title } => self.title = title,
                    Patch::LabelsReplaced { labels } => self.labels = labels,
                    Patch::ColumnUpserted { column } => {
                        self.columns.insert(column.id.clone(), column);
                    }
                    Patch::ColumnRemoved { column_id } => {
                        self.columns.remove(&column_id);
                    }
                    Patch::TaskUpserted { column_id, task } => {
                        assert!(
                            self.columns.contains_key(&column_id),
                            "a task arrived before its column"
                        );
                        self.tasks.insert(task.id.clone(), (column_id, task));
                    }
                    Patch::TaskRemoved { task_id } => {
                        self.tasks.remove(&task_id);
                    }
                }
            }
        }
    }

    fn board() -> Board {
        let config = ReplicaConfig {
            user: "ana".into(),
            sources: Sources::seeded(7, 1_700_000_000_000),
        };
        Board::create("b", "Launch", config).expect("board")
    }

    #[test]
    fn the_patches_between_a_kept_view_and_the_board_now_bring_the_ui_to_the_board_now() {
        let mut board = board();
        let todo = board
            .add_column("To do", None, Place::Bottom)
            .expect("edit");
        let doing = board
            .add_column("Doing", Some(3), Place::Bottom)
            .expect("edit");
        let old = board.add_column("Old", None, Place::Bottom).expect("edit");
        let mut ids = Vec::new();
        for (column, title) in [(&todo, "Venue"), (&todo, "Invites"), (&doing, "Budget")] {
            let id = board
                .add_task(column, title, Place::Bottom, NewTask::default())
                .expect("edit");
            ids.push(id);
        }
        let stays = board
            .add_task(&old, "Keep me", Place::Bottom, NewTask::default())
            .expect("edit");
        let kept = board.view();

        // While the app was closed: renamed, moved, deleted, archived, a column gone, one
        // added with a task, a label, the board renamed; one task untouched.
        board
            .set_task_title(&ids[0], "Book the venue")
            .expect("edit");
        board.move_task(&ids[1], &doing, Place::Top).expect("edit");
        board.delete_task(&ids[2]).expect("edit");
        board.set_task_archived(&stays, true).expect("edit");
        board.delete_column(&old).expect("edit");
        let done = board.add_column("Done", None, Place::Bottom).expect("edit");
        board
            .add_task(&done, "Shipped", Place::Bottom, NewTask::default())
            .expect("edit");
        board.add_label("urgent", None).expect("edit");
        board.rename_column(&doing, "In progress").expect("edit");
        board.rename("Launch 2027").expect("edit");
        let now = board.view();

        let patches = between(&kept, &now);
        let mut shown = Shown::of(&kept);
        shown.apply(patches.clone());
        assert_eq!(shown, Shown::of(&now));
        // Only what changed is sent: the renamed column, the new one, not "To do".
        let headers: Vec<&str> = patches
            .iter()
            .filter_map(|p| match p {
                Patch::ColumnUpserted { column } => Some(column.title.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(headers, ["In progress", "Done"]);
    }

    #[test]
    fn a_kept_view_that_is_the_board_now_needs_no_patch() {
        let mut board = board();
        let todo = board
            .add_column("To do", None, Place::Bottom)
            .expect("edit");
        board
            .add_task(&todo, "Venue", Place::Bottom, NewTask::default())
            .expect("edit");
        let view = board.view();
        assert!(between(&view, &view).is_empty());
    }
}
