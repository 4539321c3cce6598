//! Boards from other tools, and back out: a Trello JSON export or a CSV file becomes a
//! [`Plan`] (what the new board will hold, checked and in order), and [`build`] writes a plan
//! into a fresh board through `board-model`'s ordinary operations. CSV export is the reverse.
//!
//! `board-import` does no I/O: bytes in, a board out. Every reader is bounded (file size,
//! counts, string lengths, JSON nesting) and says what is wrong and where; nothing is written
//! until the whole file has been read, so a bad file leaves nothing half-imported.

// Set here, not in [workspace.lints]: cargo cannot add a lint to an inherited table.
#![warn(unreachable_pub)]

pub mod csv;
pub mod markdown;
pub mod trello;

use std::collections::{BTreeSet, HashMap};

use board_model::{Board, ModelError, NewTask, Place};

/// The largest file read (a Trello export of a big board is a few MB).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// The most tasks one import creates.
pub const MAX_TASKS: usize = 100_000;
/// The longest title kept as a title: longer ones are cut, and kept whole in the description.
const MAX_TITLE_BYTES: usize = 1024;
/// The longest description or comment kept (longer ones are refused, not cut).
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// Why a file could not be imported: what is wrong, and where (`cards[3].name`).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file is larger than {max} MB")]
    TooLarge { max: usize },
    #[error("not a {format} file: {reason}")]
    NotThisFormat {
        format: &'static str,
        reason: String,
    },
    #[error("{at}: {reason}")]
    Invalid { at: String, reason: String },
    #[error("more than {max} {what}")]
    TooMany { what: &'static str, max: usize },
    #[error("{at}: {source}")]
    Model {
        at: String,
        #[source]
        source: ModelError,
    },
}

/// Someone named in the file (an assignee, a comment's author), matched to a board member by
/// the caller where possible.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    /// The name to show ("Ana Lima").
    pub name: String,
    /// Other ways the file names them (a username, an email), tried when matching.
    pub handles: Vec<String>,
}

impl Person {
    /// Every name the file gives them (what matching to a member tries).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.handles.iter().map(String::as_str))
    }
}

/// A comment carried over with its original author and time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanComment {
    pub author: Person,
    pub body: String,
    pub created_at_ms: i64,
}

/// One task of the new board.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanTask {
    pub title: String,
    pub description: String,
    /// Indexes into [`Plan::labels`].
    pub labels: Vec<usize>,
    pub assignees: Vec<Person>,
    /// A stored `due` (DESIGN §1).
    pub due: Option<String>,
    pub checklist: Vec<(String, bool)>,
    pub archived: bool,
    /// Oldest first.
    pub comments: Vec<PlanComment>,
}

/// One column, its tasks in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanColumn {
    pub title: String,
    pub archived: bool,
    pub tasks: Vec<PlanTask>,
}

/// A label: its name and `#rrggbb` colour (none: the board's next palette colour).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanLabel {
    pub name: String,
    pub color: Option<String>,
}

/// What the new board will hold, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub title: String,
    pub columns: Vec<PlanColumn>,
    pub labels: Vec<PlanLabel>,
}

impl Plan {
    pub fn task_count(&self) -> usize {
        self.columns.iter().map(|c| c.tasks.len()).sum()
    }
}

/// How an import went: counts to tell the person, and the people it could not match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub columns: usize,
    pub tasks: usize,
    pub labels: usize,
    pub comments: usize,
    /// Names kept as written because no member matched them (they can be mapped later).
    pub unmatched_people: Vec<String>,
}

/// How a plan goes into a board.
#[derive(Clone, Copy, Debug)]
pub struct BuildOptions<'a> {
    /// The member importing: the author of comments whose author is no member here.
    pub importer: &'a str,
    /// Put tasks into the board's columns and labels of the same name (case-insensitive)
    /// instead of making new ones (an import into an existing board).
    pub reuse_by_name: bool,
}

/// Writes a plan into `board` (the caller stores the result in one transaction).
/// `member_of` matches a person to a member id; an unmatched assignee is kept as their name
/// (a free-text assignee, shown as unmatched and mappable later), an unmatched comment author
/// as `authorName` beside the importer's id.
pub fn build(
    board: &mut Board,
    plan: &Plan,
    options: BuildOptions<'_>,
    member_of: impl Fn(&Person) -> Option<String>,
) -> Result<ImportReport, ImportError> {
    let model = |at: String| move |source: ModelError| ImportError::Model { at, source };
    let mut report = ImportReport::default();
    let (existing_columns, existing_labels): (HashMap<String, String>, HashMap<String, String>) =
        if options.reuse_by_name {
            (
                board
                    .columns()
                    .into_iter()
                    .filter(|c| !c.archived)
                    .map(|c| (c.title.to_lowercase(), c.id))
                    .collect(),
                board
                    .labels()
                    .into_iter()
                    .map(|l| (l.name.to_lowercase(), l.id))
                    .collect(),
            )
        } else {
            Default::default()
        };
    let mut label_ids = Vec::with_capacity(plan.labels.len());
    for (i, label) in plan.labels.iter().enumerate() {
        let id = match existing_labels.get(&label.name.to_lowercase()) {
            Some(id) => id.clone(),
            None => {
                report.labels += 1;
                board
                    .add_label(&label.name, label.color.as_deref())
                    .map_err(model(format!("labels[{i}]")))?
            }
        };
        label_ids.push(id);
    }
    let mut unmatched = BTreeSet::new();
    let mut resolve = |person: &Person| match member_of(person) {
        Some(id) => (id, true),
        None => {
            unmatched.insert(person.name.clone());
            (person.name.clone(), false)
        }
    };
    for (c, column) in plan.columns.iter().enumerate() {
        let at = format!("columns[{c}]");
        let column_id = match existing_columns.get(&column.title.trim().to_lowercase()) {
            Some(id) => id.clone(),
            None => {
                report.columns += 1;
                board
                    .add_column(&column.title, None, Place::Bottom)
                    .map_err(model(at.clone()))?
            }
        };
        for (t, task) in column.tasks.iter().enumerate() {
            let at = format!("{at}.tasks[{t}]");
            let (title, description) = fit_title(&task.title, &task.description);
            let extra = NewTask {
                description,
                label_ids: task
                    .labels
                    .iter()
                    .filter_map(|&i| label_ids.get(i).cloned())
                    .collect(),
                due: task.due.clone(),
            };
            let task_id = board
                .add_task(&column_id, &title, Place::Bottom, extra)
                .map_err(model(at.clone()))?;
            for person in &task.assignees {
                let (id, _) = resolve(person);
                board
                    .set_task_assignee(&task_id, &id, true)
                    .map_err(model(format!("{at}.assignees")))?;
            }
            for (i, (text, done)) in task.checklist.iter().enumerate() {
                let index = board
                    .add_checklist_item(&task_id, text)
                    .map_err(model(format!("{at}.checklist[{i}]")))?;
                if *done {
                    board
                        .set_checklist_item_done(&task_id, index, true)
                        .map_err(model(format!("{at}.checklist[{i}]")))?;
                }
            }
            for (i, comment) in task.comments.iter().enumerate() {
                let (author, matched) = resolve(&comment.author);
                let (author, author_name) = if matched {
                    (author, None)
                } else {
                    (
                        options.importer.to_owned(),
                        Some(comment.author.name.as_str()),
                    )
                };
                board
                    .import_comment(
                        &task_id,
                        &author,
                        author_name,
                        &comment.body,
                        comment.created_at_ms,
                    )
                    .map_err(model(format!("{at}.comments[{i}]")))?;
                report.comments += 1;
            }
            if task.archived {
                board
                    .set_task_archived(&task_id, true)
                    .map_err(model(at.clone()))?;
            }
            report.tasks += 1;
        }
        if column.archived {
            board
                .set_column_archived(&column_id, true)
                .map_err(model(at))?;
        }
    }
    report.unmatched_people = unmatched.into_iter().collect();
    Ok(report)
}

/// A title that fits: a longer one is cut at a character boundary with "…", and written whole
/// at the top of the description so nothing is lost.
fn fit_title(title: &str, description: &str) -> (String, String) {
    let title = title.trim();
    let title = if title.is_empty() { "Untitled" } else { title };
    if title.len() <= MAX_TITLE_BYTES {
        return (title.to_owned(), description.to_owned());
    }
    let mut cut = MAX_TITLE_BYTES - '…'.len_utf8();
    while !title.is_char_boundary(cut) {
        cut -= 1;
    }
    let short = format!("{}…", &title[..cut]);
    let description = if description.is_empty() {
        title.to_owned()
    } else {
        format!("{title}\n\n{description}")
    };
    (short, description)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_title_is_cut_on_a_character_and_kept_whole_in_the_description() {
        let long = "é".repeat(800);
        let (title, description) = fit_title(&long, "Notes");
        assert!(title.len() <= MAX_TITLE_BYTES && title.ends_with('…'));
        assert_eq!(description, format!("{long}\n\nNotes"));
        assert_eq!(fit_title("  ", ""), ("Untitled".into(), String::new()));
        assert_eq!(fit_title("Short", "d"), ("Short".into(), "d".into()));
    }
}
