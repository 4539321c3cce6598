//! Copy and paste of tasks (`y y`, `p`), tasks moved or copied to another board, duplicated
//! boards and templates, for the window: board-store's `transfer` on the session's replicas.

use board_model::{PasteOptions, Place, TaskCopy};
use board_store::transfer::{self, Transfer};
use board_store::Directory;

use super::{summary, OpenBoard, Session};
use crate::ipc::{
    BoardPatchEvent, BoardSummary, ErrorKind, IpcError, OpResult, SignedInUser, Template,
    TransferMode, TransferOutcome,
};
use crate::patches;

/// The task `y y` copied: what it held then (a later edit or delete does not change it), and
/// the board it came from (whose people its assignees and comment authors are).
pub(super) struct Yanked {
    board_id: String,
    copy: TaskCopy,
}

impl Session {
    /// Copies a task for a later [`Session::paste_task`]; returns its title.
    pub fn yank_task(&mut self, board_id: &str, task_id: &str) -> Result<String, IpcError> {
        let copy = self.replica(board_id)?.board.copy_task(task_id)?;
        let title = copy.title.clone();
        self.yanked = Some(Yanked {
            board_id: board_id.to_owned(),
            copy,
        });
        Ok(title)
    }

    /// Pastes the copied task into `column_id` at `place`, as one undoable step: next to its
    /// original a duplicate (without the conversation); on another board a copy with its
    /// comments, its people fitted to that board's.
    pub fn paste_task(
        &mut self,
        board_id: &str,
        column_id: &str,
        place: Place,
        account: Option<SignedInUser>,
    ) -> Result<(OpResult, BoardPatchEvent), IpcError> {
        let Some(yanked) = &self.yanked else {
            return Err(IpcError::invalid(
                "Nothing to paste: copy a task first (y y on a card)",
            ));
        };
        let mut copy = yanked.copy.clone();
        let from = yanked.board_id.clone();
        let options = if from == board_id {
            PasteOptions::default()
        } else {
            let people = (
                self.people(&from, account.clone())?,
                self.people(board_id, account)?,
            );
            transfer::fit_for(&mut copy, &people.0, &people.1);
            PasteOptions {
                comments: true,
                keep_origin: false,
            }
        };
        let (id, event) = self.change(board_id, |board| {
            Ok(board.paste_task(&copy, column_id, place, options)?)
        })?;
        if from != board_id {
            // The copy's files are this board's to serve too: queue their upload to it.
            let store = self.store.clone();
            let board = &self.replica(board_id)?.board;
            store
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .queue_copied_attachments(&from, board, &id)?;
        }
        Ok((
            OpResult {
                created_id: Some(id),
            },
            event,
        ))
    }

    /// Moves or copies a task to another board (into the column of the same title, else the
    /// first), both boards stored; patches for each board follow.
    pub fn transfer_task(
        &mut self,
        from: &str,
        task_id: &str,
        to: &str,
        mode: TransferMode,
        account: Option<SignedInUser>,
    ) -> Result<(TransferOutcome, Vec<BoardPatchEvent>), IpcError> {
        if from == to {
            return Err(IpcError::invalid("the task is on that board already"));
        }
        let people = (
            self.people(from, account.clone())?,
            self.people(to, account)?,
        );
        self.replica(from)?;
        self.replica(to)?;
        let (Some(mut source), Some(mut target)) = (self.open.remove(from), self.open.remove(to))
        else {
            return Err(IpcError::invalid("board vanished while opening"));
        };
        // On failure neither replica goes back: the next use reloads what is stored.
        let column =
            transfer::landing_column(&source.board, task_id, &target.board).ok_or_else(|| {
                IpcError::invalid(format!(
                    "“{}” has no column to put the task in",
                    target.board.title()
                ))
            })?;
        let mode = match mode {
            TransferMode::Copy => Transfer::Copy,
            TransferMode::Move => Transfer::Move,
        };
        let report = {
            let mut store = self.store();
            transfer::transfer_task(
                &mut store,
                &mut source.board,
                task_id,
                &mut target.board,
                &column,
                Place::Bottom,
                mode,
                (&people.0, &people.1),
            )?
        };
        let outcome = TransferOutcome {
            task_id: report.task,
            board_title: target.board.title(),
            left_out: report.left_out,
            reattributed: u32::try_from(report.reattributed).unwrap_or(u32::MAX),
        };
        let mut events = Vec::with_capacity(2);
        for (id, mut open) in [(to, target), (from, source)] {
            let changes = open.board.take_changes();
            open.refresh_facts(&changes);
            let patches = patches::build(&open.board, &changes, &mut open.shown);
            if !patches.is_empty() {
                events.push(BoardPatchEvent {
                    board_id: id.to_owned(),
                    patches,
                });
            }
            self.open.insert(id.to_owned(), open);
            self.tell_sync(id);
        }
        Ok((outcome, events))
    }

    /// A new board holding everything `board_id` holds; people who are no member of the new
    /// board (me alone, until it is shared) are left out of assignees and named on comments.
    pub fn duplicate_board(
        &mut self,
        board_id: &str,
        title: &str,
        account: Option<SignedInUser>,
    ) -> Result<BoardSummary, IpcError> {
        let id = self.config.sources.new_id();
        let people: (Directory, Directory) = (
            self.people(board_id, account.clone())?,
            self.people(&id, account)?,
        );
        let config = self.config.clone();
        let shared = self.store.clone();
        let source = &self.replica(board_id)?.board;
        let (board, _) = {
            let mut store = shared
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            transfer::duplicate_board(
                &mut store,
                source,
                &id,
                title,
                config,
                (&people.0, &people.1),
            )?
        };
        Ok(self.keep_open(board))
    }

    /// The built-in templates and the saved ones.
    pub fn list_templates(&self) -> Result<Vec<Template>, IpcError> {
        Ok(self
            .store()
            .templates()?
            .into_iter()
            .map(Template::from)
            .collect())
    }

    /// Saves a board's structure and live tasks as a template called `name`.
    pub fn save_template(&mut self, board_id: &str, name: &str) -> Result<Template, IpcError> {
        if name.trim().is_empty() {
            return Err(IpcError::invalid("A template needs a name."));
        }
        let config = self.config.clone();
        let shared = self.store.clone();
        let board = &self.replica(board_id)?.board;
        let mut store = shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let id = store.save_template(board, name, config)?;
        let record = store
            .templates()?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| IpcError::invalid("the template vanished"))?;
        Ok(record.into())
    }

    /// Deletes a saved template.
    pub fn delete_template(&mut self, template_id: &str) -> Result<(), IpcError> {
        if self.store().delete_template(template_id)? {
            Ok(())
        } else {
            Err(IpcError::new(ErrorKind::NotFound, "no such saved template"))
        }
    }

    /// A new board called `title` from a template (an id from [`Session::list_templates`]).
    pub fn create_board_from_template(
        &mut self,
        title: &str,
        template_id: &str,
    ) -> Result<BoardSummary, IpcError> {
        let id = self.config.sources.new_id();
        let board = transfer::board_from_template(
            &mut self.store(),
            template_id,
            &id,
            title,
            self.config.clone(),
        )?;
        Ok(self.keep_open(board))
    }

    /// Keeps a board just made as an open replica; returns its summary.
    fn keep_open(&mut self, board: board_model::Board) -> BoardSummary {
        let summary = summary(&board);
        self.open
            .insert(board.id().to_owned(), OpenBoard::new(board));
        summary
    }
}
