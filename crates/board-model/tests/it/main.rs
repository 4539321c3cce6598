//! Integration tests of `board-model`: scripted boards rendered as text, undo, convergence.

#![allow(clippy::unwrap_used)]

mod attachments;
mod changes;
mod comments;
mod concerns;
mod conflicts;
mod convergence;
mod copy;
mod history;
mod hostile;
mod pending;
mod query;
mod script;
mod undo;
mod views;
