//! Turns the model's change observation (`Board::take_changes`) into the small typed patches the
//! UI applies, so a change to one task re-renders one card.

use std::collections::{BTreeSet, HashMap};

use board_model::{Board, ChangeSet, ColumnView};

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
