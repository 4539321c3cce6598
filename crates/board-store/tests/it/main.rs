//! Integration tests of `board-store`: durability, compaction, file rejection, boards.

#![allow(clippy::unwrap_used)]

mod backup;
mod boards;
mod compaction;
mod durability;
mod history;
mod people;
mod rejection;
mod reminders;
mod support;
mod task_index;
mod transfer;
