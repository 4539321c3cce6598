//! Integration tests of `board-model`: scripted boards rendered as text, undo, convergence.

#![allow(clippy::unwrap_used)]

mod attachments;
mod changes;
mod comments;
mod conflicts;
mod convergence;
mod history;
mod hostile;
mod pending;
mod script;
mod undo;
