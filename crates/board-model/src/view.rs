//! The read model: a board as ordered columns of ordered tasks, and a plain-text rendering.

use serde::Serialize;
use std::fmt::Write as _;

/// A whole board, ready to display.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BoardView {
    pub id: String,
    pub title: String,
    pub created_at: i64,
    /// Columns in rank order; archived ones only when asked for.
    pub columns: Vec<ColumnView>,
    /// The label catalogue, by name.
    pub labels: Vec<LabelView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ColumnView {
    pub id: String,
    pub title: String,
    pub rank: String,
    pub wip: Option<u32>,
    pub archived: bool,
    /// Tasks in rank order (ties broken by id).
    pub tasks: Vec<TaskView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TaskView {
    pub id: String,
    pub title: String,
    /// The column the task says it is in. A task whose column was deleted concurrently is
    /// shown in the first live column, and `column` still names the missing one.
    pub column: String,
    pub rank: String,
    pub description: String,
    /// Label ids, sorted.
    pub labels: Vec<String>,
    /// User ids, sorted.
    pub assignees: Vec<String>,
    pub due: Option<String>,
    pub checklist: Vec<ChecklistItem>,
    pub created_at: i64,
    pub updated_at: i64,
    pub created_by: String,
    pub archived: bool,
    /// Live comments on the task (root `comments`).
    pub comment_count: u32,
    /// Changes whenever one of the task's comments is posted, edited or deleted (a hash of
    /// their ids and change times, so equal on every replica that holds the same comments): a
    /// panel showing the conversation reads it again then.
    pub comment_stamp: u32,
    /// Files attached to the task (its `attachments` map).
    pub attachment_count: u32,
    /// The SHA-256 of its first image attachment (PNG, JPEG, GIF or WebP), whose thumbnail
    /// the card shows; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub cover_image: Option<String>,
}

/// One comment on a task (DESIGN §1, root `comments`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CommentView {
    pub id: String,
    pub task: String,
    /// The author's member id; names come from the member directory.
    pub author: String,
    /// The name of an author who is no member here (a comment imported from another tool,
    /// `authorName` in the document); shown instead of a name from the directory.
    pub author_name: Option<String>,
    /// Markdown; a mention is `@[memberId]`.
    pub body: String,
    /// Member ids mentioned in the body, in order, each once.
    pub mentions: Vec<String>,
    pub created_at: i64,
    pub edited_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChecklistItem {
    pub text: String,
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LabelView {
    pub id: String,
    pub name: String,
    pub color: String,
}

impl BoardView {
    /// The board as `Board::view` shows it, from its view with archived columns and tasks
    /// (`view_with(true)`): one read of the document serves both.
    pub fn without_archived(mut self) -> Self {
        self.columns.retain(|column| !column.archived);
        for column in &mut self.columns {
            column.tasks.retain(|task| !task.archived);
        }
        self
    }

    /// Every task shown, in display order.
    pub fn tasks(&self) -> impl Iterator<Item = &TaskView> {
        self.columns.iter().flat_map(|c| c.tasks.iter())
    }

    /// A compact text form for tests, diffs and the terminal.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# {}", self.title);
        for column in &self.columns {
            let _ = write!(out, "## {}", column.title);
            if let Some(wip) = column.wip {
                let live = column.tasks.iter().filter(|t| !t.archived).count();
                let over = if live > wip as usize { " OVER" } else { "" };
                let _ = write!(out, " [{live}/{wip}{over}]");
            }
            if column.archived {
                out.push_str(" (archived)");
            }
            out.push('\n');
            for task in &column.tasks {
                self.render_task(&mut out, task);
            }
        }
        out
    }

    fn render_task(&self, out: &mut String, task: &TaskView) {
        let _ = write!(out, "- {}", task.title);
        for label in &task.labels {
            let name = self
                .labels
                .iter()
                .find(|l| &l.id == label)
                .map_or(label.as_str(), |l| l.name.as_str());
            let _ = write!(out, " #{name}");
        }
        for user in &task.assignees {
            let _ = write!(out, " @{user}");
        }
        if let Some(due) = &task.due {
            let _ = write!(out, " due:{due}");
        }
        if !task.checklist.is_empty() {
            let done = task.checklist.iter().filter(|i| i.done).count();
            let _ = write!(out, " [{done}/{}]", task.checklist.len());
        }
        if task.archived {
            out.push_str(" (archived)");
        }
        out.push('\n');
        for line in task.description.lines() {
            let _ = writeln!(out, "    | {line}");
        }
        for item in &task.checklist {
            let mark = if item.done { 'x' } else { ' ' };
            let _ = writeln!(out, "    [{mark}] {}", item.text);
        }
    }
}
