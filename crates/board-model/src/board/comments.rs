//! Comments on tasks (DESIGN §1, root `comments`): a flat map of comment id to
//! `{task, author, body, createdAt, editedAt?, deleted?}`, so that any Yjs client can read a
//! task's conversation without knowing Tack's code.
//!
//! Comments are outside the undo scope: posting, editing and deleting are explicit acts with
//! their own inverse (edit, delete), and undoing a task edit must never take a comment away.
//! A deleted task's comments stay in the document (hidden), so undoing the delete brings the
//! conversation back with the task.

use std::collections::{HashMap, HashSet};

use yrs::{Any, Map, MapPrelim, MapRef, Out, ReadTxn, Transact};

use super::{key, ms_to_any, read_bool, read_map, read_num, read_str, Board};
use crate::error::{ModelError, Result};
use crate::view::CommentView;

/// The longest comment body, in bytes (after trimming).
pub const MAX_COMMENT_BYTES: usize = 64 * 1024;

/// The member ids a body mentions (`@[userId]`), in order of first appearance, each once.
pub fn mentions(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("@[") {
        let after = &rest[start + 2..];
        let Some(end) = after.find(']') else { break };
        let id = &after[..end];
        let plausible = !id.is_empty()
            && id.len() <= 128
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if plausible && !out.iter().any(|seen| seen == id) {
            out.push(id.to_owned());
        }
        rest = if plausible { &after[end + 1..] } else { after };
    }
    out
}

/// The body with each `@[id]` mention shown as `@` and the name `name_of` gives for the id.
pub fn show_mentions(body: &str, name_of: impl Fn(&str) -> String) -> String {
    let mut out = body.to_owned();
    for id in mentions(body) {
        out = out.replace(&format!("@[{id}]"), &format!("@{}", name_of(&id)));
    }
    out
}

fn validate_body(body: &str) -> Result<String> {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return Err(ModelError::InvalidValue {
            field: "comment",
            reason: "must not be empty".into(),
        });
    }
    if trimmed.len() > MAX_COMMENT_BYTES {
        return Err(ModelError::InvalidValue {
            field: "comment",
            reason: format!("longer than {MAX_COMMENT_BYTES} bytes"),
        });
    }
    Ok(trimmed.to_owned())
}

fn validate_author(author: &str) -> Result<()> {
    if author.trim().is_empty() {
        return Err(ModelError::InvalidValue {
            field: "comment author",
            reason: "must not be empty".into(),
        });
    }
    Ok(())
}

/// A comment as stored, or `None` when the entry is not a comment map or is deleted.
pub(super) fn read_comment<T: ReadTxn>(txn: &T, id: &str, m: &MapRef) -> Option<CommentView> {
    if read_bool(m, txn, key::DELETED) {
        return None;
    }
    let body = read_str(m, txn, key::BODY)?;
    Some(CommentView {
        id: id.to_owned(),
        task: read_str(m, txn, key::TASK)?,
        author: read_str(m, txn, key::AUTHOR).unwrap_or_default(),
        author_name: read_str(m, txn, key::AUTHOR_NAME),
        mentions: mentions(&body),
        body,
        created_at: read_num(m, txn, key::CREATED_AT).unwrap_or(0.0) as i64,
        edited_at: read_num(m, txn, key::EDITED_AT).map(|n| n as i64),
    })
}

/// Comment ids touched since the index was last refreshed (fed by the document observer).
#[derive(Debug)]
pub(crate) struct CommentDirty {
    all: bool,
    ids: HashSet<String>,
}

impl Default for CommentDirty {
    fn default() -> Self {
        Self {
            all: true,
            ids: HashSet::new(),
        }
    }
}

impl CommentDirty {
    pub(crate) fn touch(&mut self, id: String) {
        if !self.all {
            self.ids.insert(id);
        }
    }
}

/// Shown comments per task, kept current from change observation: reading one task's
/// conversation costs O(its comments), not O(every comment on the board).
#[derive(Debug, Default)]
pub(crate) struct CommentIndex {
    by_task: HashMap<String, HashSet<String>>,
    task_of: HashMap<String, String>,
    /// Each shown comment's [`revision_hash`], and their wrapping sum per task: a task's
    /// `comment_stamp`, which changes whenever one of its comments is posted, edited or deleted.
    hash_of: HashMap<String, u32>,
    stamp: HashMap<String, u32>,
}

/// A comment's id and last change time, hashed (FNV-1a): what a task's `comment_stamp` sums.
fn revision_hash(id: &str, changed_at: f64) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in id.bytes().chain(changed_at.to_bits().to_le_bytes()) {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

impl CommentIndex {
    fn unfile(&mut self, id: &str) {
        if let Some(task) = self.task_of.remove(id) {
            if let Some(set) = self.by_task.get_mut(&task) {
                set.remove(id);
                if set.is_empty() {
                    self.by_task.remove(&task);
                }
            }
            let hash = self.hash_of.remove(id).unwrap_or(0);
            if let Some(stamp) = self.stamp.get_mut(&task) {
                *stamp = stamp.wrapping_sub(hash);
            }
            if !self.by_task.contains_key(&task) {
                self.stamp.remove(&task);
            }
        }
    }

    fn file<T: ReadTxn>(&mut self, txn: &T, id: &str, value: Option<Out>) {
        let Some(Out::YMap(m)) = value else { return };
        if read_bool(&m, txn, key::DELETED) || read_str(&m, txn, key::BODY).is_none() {
            return;
        }
        let Some(task) = read_str(&m, txn, key::TASK) else {
            return;
        };
        let changed_at = read_num(&m, txn, key::EDITED_AT)
            .or_else(|| read_num(&m, txn, key::CREATED_AT))
            .unwrap_or(0.0);
        let hash = revision_hash(id, changed_at);
        self.hash_of.insert(id.to_owned(), hash);
        let stamp = self.stamp.entry(task.clone()).or_default();
        *stamp = stamp.wrapping_add(hash);
        self.by_task
            .entry(task.clone())
            .or_default()
            .insert(id.to_owned());
        self.task_of.insert(id.to_owned(), task);
    }

    /// Shown comments on a task and its `comment_stamp`.
    fn summary(&self, task: &str) -> (u32, u32) {
        let count = self
            .by_task
            .get(task)
            .map_or(0, |ids| u32::try_from(ids.len()).unwrap_or(u32::MAX));
        (count, self.stamp.get(task).copied().unwrap_or(0))
    }

    pub(crate) fn refresh<T: ReadTxn>(
        &mut self,
        txn: &T,
        comments: &MapRef,
        dirty: &mut CommentDirty,
    ) {
        if dirty.all {
            *self = Self::default();
            for (id, value) in comments.iter(txn) {
                self.file(txn, id, Some(value));
            }
        } else {
            for id in dirty.ids.drain() {
                self.unfile(&id);
                self.file(txn, &id, comments.get(txn, &id));
            }
        }
        dirty.all = false;
        dirty.ids.clear();
    }
}

/// The task a comment entry belongs to, deleted or not (for change tracking).
pub(super) fn comment_task<T: ReadTxn>(txn: &T, comments: &MapRef, id: &str) -> Option<String> {
    let m = read_map(comments, txn, id)?;
    read_str(&m, txn, key::TASK)
}

impl Board {
    /// Posts a comment by `author` (a member id) on a task; returns the comment's id.
    pub fn add_comment(&mut self, task_id: &str, author: &str, body: &str) -> Result<String> {
        validate_author(author)?;
        let body = validate_body(body)?;
        self.task_map(&self.doc.transact(), task_id)?;
        let id = self.config.sources.new_id();
        let now = self.config.sources.now_ms();
        let comments = self.comments.clone();
        let mut txn = self.doc.transact_mut_with(super::LOCAL_ORIGIN);
        comments.insert(
            &mut txn,
            id.as_str(),
            MapPrelim::from([
                (key::TASK, Any::from(task_id)),
                (key::AUTHOR, Any::from(author)),
                (key::BODY, Any::from(body)),
                (key::CREATED_AT, ms_to_any(now)),
            ]),
        );
        Ok(id)
    }

    /// Writes a comment carried over from another tool: its original time, and `author_name`
    /// when its author is no member here (`author` is then whoever imports it, who may edit or
    /// delete it like their own).
    pub fn import_comment(
        &mut self,
        task_id: &str,
        author: &str,
        author_name: Option<&str>,
        body: &str,
        created_at_ms: i64,
    ) -> Result<String> {
        validate_author(author)?;
        let body = validate_body(body)?;
        self.task_map(&self.doc.transact(), task_id)?;
        let id = self.config.sources.new_id();
        let comments = self.comments.clone();
        let mut fields = vec![
            (key::TASK, Any::from(task_id)),
            (key::AUTHOR, Any::from(author)),
            (key::BODY, Any::from(body)),
            (key::CREATED_AT, ms_to_any(created_at_ms)),
        ];
        if let Some(name) = author_name.map(str::trim).filter(|n| !n.is_empty()) {
            let name: String = name.chars().take(200).collect();
            fields.push((key::AUTHOR_NAME, Any::from(name)));
        }
        let mut txn = self.doc.transact_mut_with(super::LOCAL_ORIGIN);
        comments.insert(&mut txn, id.as_str(), MapPrelim::from_iter(fields));
        Ok(id)
    }

    /// The comment map of a live comment written by `author`.
    fn own_comment(&self, id: &str, author: &str) -> Result<MapRef> {
        let txn = self.doc.transact();
        let m = read_map(&self.comments, &txn, id)
            .filter(|m| !read_bool(m, &txn, key::DELETED))
            .ok_or_else(|| ModelError::UnknownComment(id.to_owned()))?;
        if read_str(&m, &txn, key::AUTHOR).as_deref() != Some(author) {
            return Err(ModelError::NotCommentAuthor(id.to_owned()));
        }
        Ok(m)
    }

    /// Replaces the body of one's own comment and stamps `editedAt`.
    pub fn edit_comment(&mut self, id: &str, author: &str, body: &str) -> Result<()> {
        let body = validate_body(body)?;
        let m = self.own_comment(id, author)?;
        let now = self.config.sources.now_ms();
        let mut txn = self.doc.transact_mut_with(super::LOCAL_ORIGIN);
        m.insert(&mut txn, key::BODY, body);
        m.insert(&mut txn, key::EDITED_AT, ms_to_any(now));
        Ok(())
    }

    /// Deletes one's own comment: it is marked `deleted` and its body emptied.
    pub fn delete_comment(&mut self, id: &str, author: &str) -> Result<()> {
        let m = self.own_comment(id, author)?;
        let now = self.config.sources.now_ms();
        let mut txn = self.doc.transact_mut_with(super::LOCAL_ORIGIN);
        m.insert(&mut txn, key::BODY, "");
        m.insert(&mut txn, key::DELETED, true);
        m.insert(&mut txn, key::EDITED_AT, ms_to_any(now));
        Ok(())
    }

    /// One live comment.
    pub fn comment(&self, id: &str) -> Option<CommentView> {
        let txn = self.doc.transact();
        let m = read_map(&self.comments, &txn, id)?;
        read_comment(&txn, id, &m)
    }

    /// A task's live comments, oldest first (ties by id).
    pub fn comments(&self, task_id: &str) -> Vec<CommentView> {
        let txn = self.doc.transact();
        let ids: Vec<String> = self
            .indexed_comments(&txn)
            .by_task
            .get(task_id)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default();
        let mut out: Vec<CommentView> = ids
            .iter()
            .filter_map(|id| {
                let m = read_map(&self.comments, &txn, id)?;
                read_comment(&txn, id, &m)
            })
            .collect();
        out.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        out
    }

    /// The comment index, brought up to date.
    fn indexed_comments<T: ReadTxn>(&self, txn: &T) -> std::sync::MutexGuard<'_, CommentIndex> {
        let mut index = super::lock(&self.comment_index);
        index.refresh(txn, &self.comments, &mut super::lock(&self.comment_dirty));
        index
    }

    /// Shown comment counts and comment stamps by task id (from the index).
    pub(super) fn comment_summaries<T: ReadTxn>(&self, txn: &T) -> HashMap<String, (u32, u32)> {
        let index = self.indexed_comments(txn);
        index
            .by_task
            .keys()
            .map(|task| (task.clone(), index.summary(task)))
            .collect()
    }

    /// Shown comments on one task and its comment stamp (from the index).
    pub(super) fn comment_summary<T: ReadTxn>(&self, txn: &T, task_id: &str) -> (u32, u32) {
        self.indexed_comments(txn).summary(task_id)
    }
}

#[cfg(test)]
mod tests {
    use super::{mentions, show_mentions};

    #[test]
    fn mentions_are_ids_in_brackets_each_once() {
        assert_eq!(
            mentions("hi @[ana-1] and @[bo_2], again @[ana-1]; not @ana or @[a b] or @[]"),
            vec!["ana-1".to_owned(), "bo_2".to_owned()]
        );
        assert!(mentions("@[unclosed").is_empty());
        assert_eq!(mentions("@[@[x]"), vec!["x".to_owned()]);
    }

    #[test]
    fn mentions_are_shown_by_name() {
        let shown = show_mentions("@[a1] and @[b2], @[a1] again; not @[] or @a1", |id| {
            format!("<{id}>")
        });
        assert_eq!(shown, "@<a1> and @<b2>, @<a1> again; not @[] or @a1");
    }
}
