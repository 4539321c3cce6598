//! Integration tests of `board-model`: scripted boards rendered as text, undo, convergence.

#![allow(clippy::unwrap_used)]

mod changes;
mod comments;
mod concerns;
mod conflicts;
mod copy;
mod convergence;
mod history;
mod hostile;
mod pending;
mod query;
mod script;
mod undo;
