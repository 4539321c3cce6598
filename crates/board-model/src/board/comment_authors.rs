//! Who wrote each comment, followed across transactions (DESIGN §4 "Comment authors"): what a
//! relay needs to check that an update touches only comments written by its own author.
//!
//! A comment's `author` is a claim in the document, and any writer could otherwise post as a
//! teammate, or edit or remove a teammate's words. [`CommentAuthors`] remembers the author of
//! every comment of a document and, after each transaction, names each comment it touched with
//! its author before and after; the caller (who knows who wrote the transaction) judges.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use yrs::types::{Event, PathSegment};
use yrs::{DeepObservable, Doc, Map, MapRef, Out, ReadTxn, Transact};

use super::{key, lock, read_str};

const OBSERVER_KEY: &str = "tack-comment-authors";

/// One comment a transaction touched: its author before (`None`: it did not exist) and after
/// (`None`: it no longer exists). A comment without an `author` has the empty one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorChange {
    pub comment: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl AuthorChange {
    /// The authors this change touched who are not `writer`, each once.
    pub fn others<'a>(&'a self, writer: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let before = self.before.as_deref();
        let after = self.after.as_deref().filter(|a| Some(*a) != before);
        before
            .into_iter()
            .chain(after)
            .filter(move |a| *a != writer)
    }
}

#[derive(Default)]
struct Known {
    /// Comment id to author, authors shared (a board has few of them).
    authors: HashMap<String, Arc<str>>,
    names: HashSet<Arc<str>>,
    touched: BTreeSet<String>,
}

impl Known {
    fn intern(&mut self, author: &str) -> Arc<str> {
        if let Some(name) = self.names.get(author) {
            return name.clone();
        }
        let name: Arc<str> = Arc::from(author);
        self.names.insert(name.clone());
        name
    }

    fn learn<T: ReadTxn>(&mut self, comments: &MapRef, txn: &T, id: &str) -> Option<String> {
        match comments.get(txn, id) {
            Some(Out::YMap(m)) => {
                let author = read_str(&m, txn, key::AUTHOR).unwrap_or_default();
                let name = self.intern(&author);
                self.authors.insert(id.to_owned(), name);
                Some(author)
            }
            _ => {
                self.authors.remove(id);
                None
            }
        }
    }
}

/// Follows the authors of a document's comments (see the module documentation).
pub struct CommentAuthors {
    comments: MapRef,
    known: Arc<Mutex<Known>>,
}

impl std::fmt::Debug for CommentAuthors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommentAuthors").finish_non_exhaustive()
    }
}

impl CommentAuthors {
    /// Learns the author of every comment `doc` holds now and follows its transactions.
    pub fn attach(doc: &Doc) -> Self {
        let comments = doc.get_or_insert_map(key::COMMENTS);
        let known = Arc::new(Mutex::new(Known::default()));
        {
            let mut state = lock(&known);
            let txn = doc.transact();
            let ids: Vec<String> = comments.keys(&txn).map(str::to_owned).collect();
            for id in ids {
                state.learn(&comments, &txn, &id);
            }
        }
        {
            let known = known.clone();
            comments.observe_deep(OBSERVER_KEY, move |txn, events| {
                let mut state = lock(&known);
                for event in events.iter() {
                    match event.path().front() {
                        Some(PathSegment::Key(id)) => {
                            state.touched.insert(id.to_string());
                        }
                        Some(PathSegment::Index(_)) => {}
                        None => {
                            if let Event::Map(map_event) = event {
                                for id in map_event.keys(txn).keys() {
                                    state.touched.insert(id.to_string());
                                }
                            }
                        }
                    }
                }
            });
        }
        Self { comments, known }
    }

    /// The comments touched since the last `take` or `settle`, with their authors before and
    /// after, and remembers the authors after. Take right after the transaction it judges.
    pub fn take<T: ReadTxn>(&self, txn: &T) -> Vec<AuthorChange> {
        let mut state = lock(&self.known);
        let touched = std::mem::take(&mut state.touched);
        let mut out = Vec::with_capacity(touched.len());
        for comment in touched {
            let before = state.authors.get(&comment).map(|a| a.to_string());
            let after = state.learn(&self.comments, txn, &comment);
            if before.is_some() || after.is_some() {
                out.push(AuthorChange {
                    comment,
                    before,
                    after,
                });
            }
        }
        out
    }

    /// Accepts what was touched since the last `take` without judging it (a document reloaded
    /// from storage, or updates already judged applied again).
    pub fn settle<T: ReadTxn>(&self, txn: &T) {
        let _ = self.take(txn);
    }

    /// How many comments are known.
    pub fn len(&self) -> usize {
        lock(&self.known).authors.len()
    }

    /// Whether no comment is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
