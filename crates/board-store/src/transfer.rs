//! Tasks moved or copied between boards, boards duplicated, and boards made from templates
//! (built in, or any board saved as one): the one path `tackctl` and the desktop app use.
//!
//! A task that goes to another board goes to other people: [`fit_for`] keeps an assignee who
//! is a member there (and a free-text assignee of an older board), leaves out a member of the
//! source who is no member of the target, and writes a comment someone else wrote as mine with
//! its author's name (`authorName`, DESIGN §1), as an import does: the relay takes a comment
//! only from its author (DESIGN §4 "Comment authors").

use board_model::{Board, PasteOptions, Place, ReplicaConfig, TaskCopy};
use rusqlite::{params, OptionalExtension};

use crate::replica::{ensure_writable, save_local_changes, store_new_board};
use crate::{Directory, Store, StoreError};

/// What a copy to another board changed on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferReport {
    /// The new task's id.
    pub task: String,
    /// Names of assignees left out: members of the source who are no members of the target.
    pub left_out: Vec<String>,
    /// Comments written as mine with their author's name (someone else wrote them).
    pub reattributed: usize,
}

/// Fits a task copied from a board whose people are `from` for a board whose people are `to`.
pub fn fit_for(copy: &mut TaskCopy, from: &Directory, to: &Directory) -> TransferReport {
    let mut report = TransferReport::default();
    copy.assignees.retain(|key| {
        if to.get(key).is_some() {
            return true;
        }
        match from.get(key) {
            Some(entry) => {
                report.left_out.push(entry.name.clone());
                false
            }
            // A free-text assignee of an older board: a name, kept as written.
            None => true,
        }
    });
    let me = to
        .entries()
        .iter()
        .find(|e| e.me)
        .map(|e| e.user_id.clone())
        .unwrap_or_default();
    for comment in &mut copy.comments {
        // Only its writer may be a comment's author where the relay knows accounts (DESIGN §4
        // "Comment authors"): another's comment goes as mine, with their name.
        if comment.author != me {
            if comment.author_name.is_none() {
                comment.author_name = Some(from.name_or_key(&comment.author));
            }
            comment.author = me.clone();
            report.reattributed += 1;
        }
    }
    report
}

/// Where a task of `source` goes on `target` when no column is named: the live column of the
/// same title (case-insensitive) as the one it is in, else the first live column; `None` when
/// `target` has no live column.
pub fn landing_column(source: &Board, task: &str, target: &Board) -> Option<String> {
    let from = source
        .task(task)
        .and_then(|t| source.columns().into_iter().find(|c| c.id == t.column))
        .map(|c| c.title.to_lowercase());
    let live: Vec<_> = target
        .columns()
        .into_iter()
        .filter(|c| !c.archived)
        .collect();
    live.iter()
        .find(|c| Some(c.title.to_lowercase()) == from)
        .or_else(|| live.first())
        .map(|c| c.id.clone())
}

/// Copy or move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// A new task on the target, made now by me; the original stays.
    Copy,
    /// The same task (created when and by whom it was) on the target, gone from the source.
    Move,
}

/// Copies or moves task `task` of `source` into `column` of `target` (another board), with its
/// comments, and stores both boards. A move stores the copy before it deletes the original, so
/// a crash between leaves the task on both boards, never on neither. Both boards must be
/// writable (a move is refused before anything is written).
#[allow(clippy::too_many_arguments)]
pub fn transfer_task(
    store: &mut Store,
    source: &mut Board,
    task: &str,
    target: &mut Board,
    column: &str,
    place: Place,
    mode: Transfer,
    people: (&Directory, &Directory),
) -> Result<TransferReport, StoreError> {
    if mode == Transfer::Move {
        ensure_writable(store, source.id())?;
    }
    ensure_writable(store, target.id())?;
    let mut copy = source.copy_task(task)?;
    let mut report = fit_for(&mut copy, people.0, people.1);
    let options = PasteOptions {
        comments: true,
        keep_origin: mode == Transfer::Move,
    };
    report.task = target.paste_task(&copy, column, place, options)?;
    store.queue_copied_attachments(source.id(), target, &report.task)?;
    save_local_changes(store, target)?;
    if mode == Transfer::Move {
        source.delete_task(task)?;
        save_local_changes(store, source)?;
    }
    Ok(report)
}

/// A new board `id` holding everything `source` holds (columns, archived ones too, labels,
/// tasks with their comments, saved views), stored as one transaction. Assignees and comment
/// authors are fitted to the new board's people (`people.1`: me alone, until it is shared).
pub fn duplicate_board(
    store: &mut Store,
    source: &Board,
    id: &str,
    title: &str,
    config: ReplicaConfig,
    people: (&Directory, &Directory),
) -> Result<(Board, TransferReport), StoreError> {
    let mut board = Board::create(id, title, config)?;
    let mut report = TransferReport::default();
    let options = PasteOptions {
        comments: true,
        keep_origin: true,
    };
    board.copy_board_from(source, options, true, |mut copy| {
        let fitted = fit_for(&mut copy, people.0, people.1);
        report.left_out.extend(fitted.left_out);
        report.reattributed += fitted.reattributed;
        Some(copy)
    })?;
    report.left_out.sort();
    report.left_out.dedup();
    store_new_board(store, &mut board)?;
    for task in board.task_ids() {
        store.queue_copied_attachments(source.id(), &board, &task)?;
    }
    Ok((board, report))
}

/// A template as a person picks it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateRecord {
    /// `kanban`, `bug-triage`, `sprint` for the built-in ones; a UUID for a saved one.
    pub id: String,
    pub name: String,
    pub builtin: bool,
    /// Its columns' titles, in order (what the picker previews).
    pub columns: Vec<String>,
    /// How many tasks a board made from it starts with.
    pub tasks: usize,
}

/// One built-in template: columns (title, WIP limit), labels (name, colour) and starter tasks
/// (column index, title, description, checklist).
struct Builtin {
    id: &'static str,
    name: &'static str,
    columns: &'static [(&'static str, Option<u32>)],
    labels: &'static [(&'static str, &'static str)],
    tasks: &'static [(usize, &'static str, &'static str, &'static [&'static str])],
}

const BUILTINS: &[Builtin] = &[
    Builtin {
        id: "kanban",
        name: "Kanban",
        columns: &[
            ("Backlog", None),
            ("To do", None),
            ("In progress", Some(3)),
            ("Done", None),
        ],
        labels: &[
            ("Bug", "#e5484d"),
            ("Feature", "#0090ff"),
            ("Chore", "#46a758"),
        ],
        tasks: &[],
    },
    Builtin {
        id: "bug-triage",
        name: "Bug triage",
        columns: &[
            ("New", None),
            ("Triaged", None),
            ("In progress", Some(3)),
            ("In review", None),
            ("Fixed", None),
            ("Won't fix", None),
        ],
        labels: &[
            ("Critical", "#e5484d"),
            ("Major", "#f76b15"),
            ("Minor", "#ffc53d"),
            ("Needs repro", "#8e4ec6"),
        ],
        tasks: &[(
            0,
            "How we triage a bug",
            "Each new bug gets a severity label and an owner before it leaves **New**.",
            &[
                "Reproduce it (or label it Needs repro)",
                "Set the severity label",
                "Assign an owner",
            ],
        )],
    },
    Builtin {
        id: "sprint",
        name: "Sprint",
        columns: &[
            ("Sprint backlog", None),
            ("In progress", Some(4)),
            ("In review", Some(3)),
            ("Done", None),
        ],
        labels: &[
            ("Story", "#0090ff"),
            ("Bug", "#e5484d"),
            ("Spike", "#8e4ec6"),
        ],
        tasks: &[(
            0,
            "Sprint goal",
            "One sentence: what this sprint delivers, and how we will know.",
            &[],
        )],
    },
];

impl Builtin {
    fn record(&self) -> TemplateRecord {
        TemplateRecord {
            id: self.id.to_owned(),
            name: self.name.to_owned(),
            builtin: true,
            columns: self.columns.iter().map(|(t, _)| (*t).to_owned()).collect(),
            tasks: self.tasks.len(),
        }
    }

    fn write_into(&self, board: &mut Board) -> Result<(), StoreError> {
        let mut columns = Vec::with_capacity(self.columns.len());
        for (title, wip) in self.columns {
            columns.push(board.add_column(title, *wip, Place::Bottom)?);
        }
        for (name, color) in self.labels {
            board.add_label(name, Some(color))?;
        }
        for (column, title, description, checklist) in self.tasks {
            let Some(column) = columns.get(*column) else {
                continue;
            };
            let extra = board_model::NewTask {
                description: (*description).to_owned(),
                ..Default::default()
            };
            let task = board.add_task(column, title, Place::Bottom, extra)?;
            for item in *checklist {
                board.add_checklist_item(&task, item)?;
            }
        }
        Ok(())
    }
}

/// What a template keeps of a board: its structure and the text of its live tasks; nobody's
/// assignments, dates, conversations or files, and every checklist item undone.
fn as_template_task(mut copy: TaskCopy) -> Option<TaskCopy> {
    if copy.archived {
        return None;
    }
    copy.assignees.clear();
    copy.due = None;
    copy.comments.clear();
    copy.attachments.clear();
    for item in &mut copy.checklist {
        item.done = false;
    }
    Some(copy)
}

/// The longest template name kept.
const MAX_TEMPLATE_NAME: usize = 200;

impl Store {
    /// Every template: the built-in ones first, then the saved ones by name.
    pub fn templates(&self) -> Result<Vec<TemplateRecord>, StoreError> {
        let mut out: Vec<TemplateRecord> = BUILTINS.iter().map(Builtin::record).collect();
        let mut query = self
            .conn
            .prepare("SELECT id, state FROM templates ORDER BY name COLLATE NOCASE, id")?;
        let rows = query.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))?;
        for row in rows {
            let (id, state): (String, Vec<u8>) = row?;
            let board = template_board(&id, &state)?;
            let view = board.view();
            out.push(TemplateRecord {
                id,
                name: view.title.clone(),
                builtin: false,
                columns: view.columns.iter().map(|c| c.title.clone()).collect(),
                tasks: view.tasks().count(),
            });
        }
        Ok(out)
    }

    /// Saves `board` as a template called `name` (its structure and live tasks, see
    /// [`as_template_task`]); returns the new template's id.
    pub fn save_template(
        &mut self,
        board: &Board,
        name: &str,
        config: ReplicaConfig,
    ) -> Result<String, StoreError> {
        let name = name.trim();
        let name: String = name.chars().take(MAX_TEMPLATE_NAME).collect();
        let id = config.sources.new_id();
        let created_at = config.sources.now_ms();
        let mut template = Board::create(&id, &name, config)?;
        let options = PasteOptions::default();
        template.copy_board_from(board, options, false, as_template_task)?;
        let state = template.encode_state();
        let tx = self.write_transaction()?;
        tx.execute(
            "INSERT INTO templates (id, name, created_at, state) VALUES (?1, ?2, ?3, ?4)",
            params![id, template.title(), created_at, state],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Deletes a saved template (built-in ones cannot be); false if there was none.
    pub fn delete_template(&mut self, id: &str) -> Result<bool, StoreError> {
        let tx = self.write_transaction()?;
        let n = tx.execute("DELETE FROM templates WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(n > 0)
    }

    /// The template a person named: an id, or a name (case-insensitive, built-in ones too).
    pub fn find_template(&self, query: &str) -> Result<Option<TemplateRecord>, StoreError> {
        let wanted = query.trim().to_lowercase();
        Ok(self
            .templates()?
            .into_iter()
            .find(|t| t.id == query.trim() || t.name.to_lowercase() == wanted))
    }

    fn template_state(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT state FROM templates WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .optional()?)
    }
}

fn template_board(id: &str, state: &[u8]) -> Result<Board, StoreError> {
    let config = ReplicaConfig {
        user: String::new(),
        sources: board_model::Sources::system(),
    };
    Ok(Board::load(id, [state], None, config)?)
}

/// A new board `id` called `title` from template `template` (an id from
/// [`Store::templates`]), stored as one transaction.
pub fn board_from_template(
    store: &mut Store,
    template: &str,
    id: &str,
    title: &str,
    config: ReplicaConfig,
) -> Result<Board, StoreError> {
    let mut board = Board::create(id, title, config)?;
    if let Some(builtin) = BUILTINS.iter().find(|b| b.id == template) {
        builtin.write_into(&mut board)?;
    } else {
        let state = store
            .template_state(template)?
            .ok_or_else(|| StoreError::UnknownTemplate(template.to_owned()))?;
        let source = template_board(template, &state)?;
        board.copy_board_from(&source, PasteOptions::default(), false, Some)?;
    }
    store_new_board(store, &mut board)?;
    Ok(board)
}
