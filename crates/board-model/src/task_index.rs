//! Live tasks per column in display order, kept current from change observation, so placing
//! a task costs O(changed + log n) instead of reading every task on the board.

use std::collections::{BTreeSet, HashMap, HashSet};

use yrs::{Map, MapRef, Out, ReadTxn};

/// Task ids touched since the index was last refreshed (fed by the document observer).
#[derive(Debug)]
pub(crate) struct Dirty {
    pub all: bool,
    pub tasks: HashSet<String>,
}

impl Default for Dirty {
    fn default() -> Self {
        Self {
            all: true,
            tasks: HashSet::new(),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct TaskIndex {
    /// Column id → `(rank, task id)` of its live tasks; `String` orders by bytes, as ranks do.
    by_column: HashMap<String, BTreeSet<(String, String)>>,
    /// Task id → `(column, rank)` under which it is filed.
    filed: HashMap<String, (String, String)>,
}

/// Where a live task belongs: `None` for archived tasks or ones without a column.
fn placement<T: ReadTxn>(task: &MapRef, txn: &T) -> Option<(String, String)> {
    let text = |key: &str| match task.get(txn, key) {
        Some(Out::Any(yrs::Any::String(s))) => Some(s.to_string()),
        _ => None,
    };
    if matches!(
        task.get(txn, "archived"),
        Some(Out::Any(yrs::Any::Bool(true)))
    ) {
        return None;
    }
    Some((text("column")?, text("rank").unwrap_or_default()))
}

impl TaskIndex {
    fn unfile(&mut self, id: &str) {
        if let Some((column, rank)) = self.filed.remove(id) {
            if let Some(set) = self.by_column.get_mut(&column) {
                set.remove(&(rank, id.to_owned()));
            }
        }
    }

    fn file(&mut self, id: String, column: String, rank: String) {
        self.by_column
            .entry(column.clone())
            .or_default()
            .insert((rank.clone(), id.clone()));
        self.filed.insert(id, (column, rank));
    }

    /// Brings the index up to date with what changed since the last refresh.
    pub(crate) fn refresh<T: ReadTxn>(&mut self, txn: &T, tasks: &MapRef, dirty: &mut Dirty) {
        if dirty.all {
            self.by_column.clear();
            self.filed.clear();
            for (id, value) in tasks.iter(txn) {
                if let Out::YMap(task) = value {
                    if let Some((column, rank)) = placement(&task, txn) {
                        self.file(id.to_owned(), column, rank);
                    }
                }
            }
        } else {
            for id in dirty.tasks.drain() {
                self.unfile(&id);
                if let Some(Out::YMap(task)) = tasks.get(txn, &id) {
                    if let Some((column, rank)) = placement(&task, txn) {
                        self.file(id, column, rank);
                    }
                }
            }
        }
        dirty.all = false;
        dirty.tasks.clear();
    }

    /// `(task id, rank)` of a column's live tasks in display order.
    pub(crate) fn ordered(&self, column: &str) -> Vec<(String, String)> {
        self.by_column
            .get(column)
            .map(|set| {
                set.iter()
                    .map(|(rank, id)| (id.clone(), rank.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}
