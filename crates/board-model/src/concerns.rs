//! What concerns me in a teammate's change (DESIGN §1 "Per-person state", "Notifications"):
//! I was mentioned in a comment, a task was assigned to me, a task assigned to me got a
//! comment, moved to another column, or became due soon. A pure function over one change set
//! and the values before and after it; the caller decides which changes are a teammate's (the
//! desktop app passes only remote ones) and where the values come from.
//!
//! Each concern has a key derived only from the document's content (a comment id, a task's
//! `updatedAt`, a due), so each of my devices derives the same key from the same update and a
//! read mark made on one applies on the other.

use crate::{ChangeSet, CommentView, TaskView};

/// What happened that concerns me.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConcernKind {
    /// A new comment mentions me (`@[myId]`).
    Mentioned,
    /// A task was assigned to me.
    Assigned,
    /// A task assigned to me got a comment.
    Commented,
    /// A task assigned to me moved to another column.
    Moved,
    /// A task assigned to me is now due within the due-soon window.
    DueSoon,
}

impl ConcernKind {
    pub const ALL: [ConcernKind; 5] = [
        ConcernKind::Mentioned,
        ConcernKind::Assigned,
        ConcernKind::Commented,
        ConcernKind::Moved,
        ConcernKind::DueSoon,
    ];

    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ConcernKind::Mentioned => "mentioned",
            ConcernKind::Assigned => "assigned",
            ConcernKind::Commented => "commented",
            ConcernKind::Moved => "moved",
            ConcernKind::DueSoon => "dueSoon",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// What the derivation needs to know of a task at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskFacts {
    pub title: String,
    pub column: String,
    /// Member ids.
    pub assignees: Vec<String>,
    /// The stored due.
    pub due: Option<String>,
    /// `updatedAt`: part of the keys of assignments and moves.
    pub updated_at: i64,
    pub archived: bool,
}

impl TaskFacts {
    pub fn of(task: &TaskView) -> Self {
        Self {
            title: task.title.clone(),
            column: task.column.clone(),
            assignees: task.assignees.clone(),
            due: task.due.clone(),
            updated_at: task.updated_at,
            archived: task.archived,
        }
    }

    fn assigned_to(&self, me: &str) -> bool {
        !self.archived && self.assignees.iter().any(|id| id == me)
    }
}

/// What the derivation needs to know of a live comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentFacts {
    pub task: String,
    pub author: String,
    /// Member ids mentioned, each once.
    pub mentions: Vec<String>,
}

impl CommentFacts {
    pub fn of(comment: &CommentView) -> Self {
        Self {
            task: comment.task.clone(),
            author: comment.author.clone(),
            mentions: comment.mentions.clone(),
        }
    }
}

/// One thing that concerns me.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concern {
    pub kind: ConcernKind,
    pub task: String,
    /// The task's title after the change.
    pub title: String,
    /// Who did it, when the document says (a comment's author); `None` otherwise.
    pub actor: Option<String>,
    /// Derived from the document's content only: the same on each of my devices.
    pub key: String,
}

/// Everything the derivation reads, besides the change set.
pub struct ConcernSources<B, A, C, D>
where
    B: Fn(&str) -> Option<TaskFacts>,
    A: Fn(&str) -> Option<TaskFacts>,
    C: Fn(&str) -> Option<CommentFacts>,
    D: Fn(&str) -> Option<i64>,
{
    /// A task as it was before the change (`None`: it did not exist, or was not known).
    pub before: B,
    /// A task as it is after the change (`None`: deleted).
    pub after: A,
    /// A comment as it is after the change (`None`: deleted or unknown).
    pub comment: C,
    /// The moment a stored due falls due, ms since the epoch (the caller knows the time zone).
    pub due_moment: D,
}

/// How "due soon" is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueSoon {
    pub now_ms: i64,
    /// A due this close ahead (or less) is "soon".
    pub window_ms: i64,
}

/// Default due-soon window: 24 hours.
pub const DUE_SOON_WINDOW_MS: i64 = 24 * 3_600_000;

/// The concerns of `me` in one change set on `board`: comments first (by comment id), then
/// tasks (by task id), at most one per (kind, task, comment). Never names what `me` wrote as
/// a comment's author; which task changes were mine is the caller's to filter (pass only
/// what teammates changed).
pub fn derive_concerns<B, A, C, D>(
    me: &str,
    board: &str,
    changes: &ChangeSet,
    sources: &ConcernSources<B, A, C, D>,
    due_soon: DueSoon,
) -> Vec<Concern>
where
    B: Fn(&str) -> Option<TaskFacts>,
    A: Fn(&str) -> Option<TaskFacts>,
    C: Fn(&str) -> Option<CommentFacts>,
    D: Fn(&str) -> Option<i64>,
{
    let mut out = Vec::new();
    for comment_id in &changes.comments {
        let Some(comment) = (sources.comment)(comment_id) else {
            continue;
        };
        if comment.author == me {
            continue;
        }
        let Some(task) = (sources.after)(&comment.task) else {
            continue;
        };
        let (kind, prefix) = if comment.mentions.iter().any(|id| id == me) {
            (ConcernKind::Mentioned, "mention")
        } else if task.assigned_to(me) {
            (ConcernKind::Commented, "comment")
        } else {
            continue;
        };
        out.push(Concern {
            kind,
            task: comment.task.clone(),
            title: task.title,
            actor: Some(comment.author),
            key: format!("{prefix}/{board}/{comment_id}"),
        });
    }
    for task_id in &changes.tasks {
        let Some(after) = (sources.after)(task_id) else {
            continue;
        };
        if !after.assigned_to(me) {
            continue;
        }
        let before = (sources.before)(task_id);
        let was_mine = before.as_ref().is_some_and(|b| b.assigned_to(me));
        let mut push = |kind: ConcernKind, key: String| {
            out.push(Concern {
                kind,
                task: task_id.clone(),
                title: after.title.clone(),
                actor: None,
                key,
            })
        };
        if !was_mine {
            push(
                ConcernKind::Assigned,
                format!("assigned/{board}/{task_id}/{}", after.updated_at),
            );
        } else if before.as_ref().is_some_and(|b| b.column != after.column) {
            push(
                ConcernKind::Moved,
                format!("moved/{board}/{task_id}/{}", after.updated_at),
            );
        }
        let due_changed = !was_mine || before.as_ref().is_some_and(|b| b.due != after.due);
        if let (true, Some(due)) = (due_changed, after.due.as_deref()) {
            let soon = (sources.due_moment)(due).is_some_and(|at| {
                at >= due_soon.now_ms && at - due_soon.now_ms <= due_soon.window_ms
            });
            if soon {
                push(ConcernKind::DueSoon, format!("due/{board}/{task_id}/{due}"));
            }
        }
    }
    out
}
