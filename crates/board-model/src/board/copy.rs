//! Tasks and boards copied whole: a duplicate (`yy` then `p`), a task moved or copied to
//! another board, a board duplicated or made from a template.
//!
//! [`Board::copy_task`] takes everything a task holds into a [`TaskCopy`] — labels by name and
//! colour, since another board's label ids mean nothing here, and comments with their authors —
//! and [`Board::paste_task`] writes one into a column in ONE local transaction, so one undo
//! takes the whole paste back. Who may stay an assignee or a comment's author on another board
//! is the caller's business (it knows both member directories): a copy holds ids and the paste
//! writes what it is given.

use yrs::types::ToJson;
use yrs::{Any, ArrayPrelim, Map, MapPrelim, ReadTxn, TextPrelim, Transact};

use super::{key, ms_to_any, read_map, validate_color, validate_title, write_ranks, Board, Place};
use crate::due::Due;
use crate::error::Result;
use crate::view::{ChecklistItem, ColumnView};

/// A label as it travels: by name (matched case-insensitively where it lands) and colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopiedLabel {
    pub name: String,
    pub color: String,
}

/// A comment as it travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopiedComment {
    /// The author's member id (the caller rewrites it where the author is no member).
    pub author: String,
    /// `authorName` (DESIGN §1): the shown name of an author who is no member where it lands.
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
}

/// Everything a task holds, ready to be pasted anywhere.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskCopy {
    pub title: String,
    pub description: String,
    pub labels: Vec<CopiedLabel>,
    /// Member ids (or older boards' free-text names), sorted.
    pub assignees: Vec<String>,
    pub due: Option<String>,
    pub checklist: Vec<ChecklistItem>,
    pub archived: bool,
    /// Oldest first.
    pub comments: Vec<CopiedComment>,
    /// The `attachments` entries as stored (metadata only; bytes are addressed by `sha256`).
    pub attachments: Vec<(String, Any)>,
    pub created_at: i64,
    pub created_by: String,
}

/// How a copy lands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PasteOptions {
    /// Write the task's comments too (a copy or move to another board, a duplicated board);
    /// a duplicate next to its original starts without them.
    pub comments: bool,
    /// Keep `createdAt` and `createdBy` (a move: it is the same task); otherwise the paste is
    /// a new task, made now by me.
    pub keep_origin: bool,
}

impl Board {
    /// Everything task `id` holds (archived or not).
    pub fn copy_task(&self, id: &str) -> Result<TaskCopy> {
        let view = self
            .task(id)
            .ok_or_else(|| crate::ModelError::UnknownTask(id.to_owned()))?;
        let labels_by_id = self.labels();
        let labels = view
            .labels
            .iter()
            .filter_map(|l| labels_by_id.iter().find(|known| &known.id == l))
            .map(|l| CopiedLabel {
                name: l.name.clone(),
                color: l.color.clone(),
            })
            .collect();
        let comments = self
            .comments(id)
            .into_iter()
            .map(|c| CopiedComment {
                author: c.author,
                author_name: c.author_name,
                body: c.body,
                created_at: c.created_at,
                edited_at: c.edited_at,
            })
            .collect();
        let txn = self.doc.transact();
        let attachments = read_map(&self.tasks, &txn, id)
            .and_then(|task| read_map(&task, &txn, key::ATTACHMENTS))
            .map(|set| {
                let mut entries: Vec<(String, Any)> = set
                    .iter(&txn)
                    .map(|(k, v)| (k.to_owned(), v.to_json(&txn)))
                    .collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                entries
            })
            .unwrap_or_default();
        Ok(TaskCopy {
            title: view.title,
            description: view.description,
            labels,
            assignees: view.assignees,
            due: view.due,
            checklist: view.checklist,
            archived: view.archived,
            comments,
            attachments,
            created_at: view.created_at,
            created_by: view.created_by,
        })
    }

    /// Writes `copy` as a new task of `column` at `place`, in one undo step: labels are
    /// matched by name (case-insensitive) and made where missing, with the copy's colour.
    /// Returns the new task's id.
    pub fn paste_task(
        &mut self,
        copy: &TaskCopy,
        column: &str,
        place: Place,
        options: PasteOptions,
    ) -> Result<String> {
        let title = validate_title("task title", &copy.title)?;
        let due = copy
            .due
            .as_deref()
            .map(Due::parse)
            .transpose()?
            .map(|due| due.to_stored());
        for label in &copy.labels {
            validate_title("label name", &label.name)?;
            validate_color(&label.color)?;
        }
        let checklist: Vec<String> = copy
            .checklist
            .iter()
            .map(|item| validate_title("checklist item", &item.text))
            .collect::<Result<_>>()?;
        let existing = self.labels();
        let (rank, rewrites) = {
            let txn = self.doc.transact();
            self.column_map(&txn, column)?;
            self.task_rank(&txn, column, &place, None)?
        };
        // Every id is drawn before the transaction: `Sources` is not called while it is open.
        let mut label_ids = Vec::with_capacity(copy.labels.len());
        let mut new_labels = Vec::new();
        for label in &copy.labels {
            let wanted = label.name.trim().to_lowercase();
            let found = existing
                .iter()
                .find(|l| l.name.to_lowercase() == wanted)
                .map(|l| l.id.clone())
                .or_else(|| {
                    new_labels
                        .iter()
                        .find(|(_, l): &&(String, &CopiedLabel)| {
                            l.name.trim().to_lowercase() == wanted
                        })
                        .map(|(id, _)| id.clone())
                });
            let id = match found {
                Some(id) => id,
                None => {
                    let id = self.config.sources.new_id();
                    new_labels.push((id.clone(), label));
                    id
                }
            };
            if !label_ids.contains(&id) {
                label_ids.push(id);
            }
        }
        let id = self.config.sources.new_id();
        let comment_ids: Vec<String> = if options.comments {
            copy.comments
                .iter()
                .map(|_| self.config.sources.new_id())
                .collect()
        } else {
            Vec::new()
        };
        let now = self.config.sources.now_ms();
        let (created_at, created_by) = if options.keep_origin {
            (copy.created_at, copy.created_by.clone())
        } else {
            (now, self.config.user.clone())
        };

        let tasks = self.tasks.clone();
        let labels = self.labels.clone();
        let comments = self.comments.clone();
        let mut txn = self.step();
        for (label_id, label) in new_labels {
            let prelim: MapPrelim = [
                (key::NAME, Any::from(label.name.trim())),
                (key::COLOR, Any::from(label.color.as_str())),
            ]
            .into_iter()
            .collect();
            labels.insert(&mut txn, label_id.as_str(), prelim);
        }
        let items: Vec<MapPrelim> = checklist
            .into_iter()
            .zip(&copy.checklist)
            .map(|(text, item)| {
                [
                    (key::TEXT, Any::from(text)),
                    (key::DONE, Any::Bool(item.done)),
                ]
                .into_iter()
                .collect()
            })
            .collect();
        let mut prelim: MapPrelim = [
            (key::TITLE, yrs::In::Any(title.into())),
            (key::COLUMN, yrs::In::Any(column.into())),
            (key::RANK, yrs::In::Any(rank.into())),
            (
                key::DESCRIPTION,
                TextPrelim::new(copy.description.as_str()).into(),
            ),
            (
                key::LABEL_SET,
                MapPrelim::from_iter(label_ids.iter().map(|l| (l.as_str(), Any::Bool(true))))
                    .into(),
            ),
            (
                key::ASSIGNEES,
                MapPrelim::from_iter(copy.assignees.iter().map(|a| (a.as_str(), Any::Bool(true))))
                    .into(),
            ),
            (key::CHECKLIST, ArrayPrelim::from_iter(items).into()),
            (key::CREATED_AT, yrs::In::Any(ms_to_any(created_at))),
            (key::UPDATED_AT, yrs::In::Any(ms_to_any(now))),
            (key::CREATED_BY, yrs::In::Any(created_by.into())),
            (key::ARCHIVED, yrs::In::Any(copy.archived.into())),
        ]
        .into_iter()
        .collect();
        if let Some(due) = due {
            prelim.insert(key::DUE.into(), yrs::In::Any(due.into()));
        }
        let entries = copy
            .attachments
            .iter()
            .map(|(k, v)| (k.clone(), any_to_in(v)));
        prelim.insert(
            key::ATTACHMENTS.into(),
            MapPrelim::from_iter(entries).into(),
        );
        tasks.insert(&mut txn, id.as_str(), prelim);
        write_ranks(&mut txn, &tasks, rewrites);
        for (comment_id, comment) in comment_ids.iter().zip(&copy.comments) {
            let mut fields = vec![
                (key::TASK, Any::from(id.as_str())),
                (key::AUTHOR, Any::from(comment.author.as_str())),
                (key::BODY, Any::from(comment.body.as_str())),
                (key::CREATED_AT, ms_to_any(comment.created_at)),
            ];
            if let Some(at) = comment.edited_at {
                fields.push((key::EDITED_AT, ms_to_any(at)));
            }
            if let Some(name) = comment.author_name.as_deref().filter(|n| !n.is_empty()) {
                fields.push((key::AUTHOR_NAME, Any::from(name)));
            }
            comments.insert(&mut txn, comment_id.as_str(), MapPrelim::from_iter(fields));
        }
        Ok(id)
    }

    /// Copies every column (with its WIP limit; archived ones only with `include_archived`),
    /// label, task and comment of `source` into this board, in order, and its saved views: a
    /// duplicated board, or a board made from a template. `task_filter` may rewrite or drop
    /// each task on the way (a template keeps no assignees, say).
    pub fn copy_board_from(
        &mut self,
        source: &Board,
        options: PasteOptions,
        include_archived: bool,
        mut task_filter: impl FnMut(TaskCopy) -> Option<TaskCopy>,
    ) -> Result<()> {
        for label in source.labels() {
            let wanted = label.name.to_lowercase();
            if !self
                .labels()
                .iter()
                .any(|l| l.name.to_lowercase() == wanted)
            {
                self.add_label(&label.name, Some(&label.color))?;
            }
        }
        let view = source.view_with(include_archived);
        for ColumnView {
            title,
            wip,
            archived,
            tasks,
            ..
        } in view.columns
        {
            let column = self.add_column(&title, wip, Place::Bottom)?;
            for task in tasks {
                let Some(copy) = task_filter(source.copy_task(&task.id)?) else {
                    continue;
                };
                self.paste_task(&copy, &column, Place::Bottom, options)?;
            }
            if archived {
                self.set_column_archived(&column, true)?;
            }
        }
        let views = {
            let txn = source.doc.transact();
            txn.get_map(key::VIEWS).map(|views| {
                views
                    .iter(&txn)
                    .map(|(k, v)| (k.to_owned(), v.to_json(&txn)))
                    .collect::<Vec<_>>()
            })
        };
        if let Some(views) = views.filter(|v| !v.is_empty()) {
            let ids: Vec<String> = views.iter().map(|_| self.config.sources.new_id()).collect();
            let root = self.doc.get_or_insert_map(key::VIEWS);
            let mut txn = self.step();
            for (id, (_, value)) in ids.iter().zip(views) {
                root.insert(&mut txn, id.as_str(), any_to_in(&value));
            }
        }
        Ok(())
    }
}

/// A stored value written back as it was: maps as Y.Maps (so a field of an attachment or a view
/// can change on its own later), everything else as plain values.
fn any_to_in(value: &Any) -> yrs::In {
    match value {
        Any::Map(fields) => yrs::In::Map(MapPrelim::from_iter(
            fields.iter().map(|(k, v)| (k.clone(), any_to_in(v))),
        )),
        other => yrs::In::Any(other.clone()),
    }
}
