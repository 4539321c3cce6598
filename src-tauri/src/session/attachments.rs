//! Files on a task (DESIGN §1 `attachments`, §2 "Blobs"), as the task panel uses them. Adding
//! one takes its bytes into the profile's blob store (durable) and queues their upload before
//! the metadata is committed, as one undoable edit; opening one hands a named, read-only copy of
//! its bytes to the system's application, asking first for anything that would run.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use board_model::{Attachment, NewAttachment};
use board_store::{Blobs, StoredBlob};

use super::{file_name, Session};
use crate::ipc::{
    AttachmentEntry, AttachmentState, BoardPatchEvent, ErrorKind, IpcError, OpenedAttachment,
    SignedInUser,
};

/// The most a pasted image may weigh (it crosses the IPC bridge whole).
pub const MAX_PASTED_BYTES: usize = 10 * 1024 * 1024;

/// A thumbnail as the UI shows it: a `data:` URL of its bytes.
pub fn thumbnail_data_url(thumbnail: &board_store::Thumbnail) -> String {
    use base64::Engine as _;
    format!(
        "data:{};base64,{}",
        thumbnail.mime,
        base64::engine::general_purpose::STANDARD.encode(&thumbnail.bytes)
    )
}

/// What opening an attachment needs next.
#[derive(Debug)]
pub enum OpenStep {
    /// Nothing to open yet (it would run something: ask first).
    Answer(OpenedAttachment),
    /// Its bytes are here: open this file (named as the attachment).
    Open(PathBuf),
    /// Its bytes must be downloaded first.
    Download(AttachmentEntry),
}

impl Session {
    /// This profile's blob store, for taking bytes in or out without holding the session.
    pub fn blobs(&self) -> Blobs {
        self.store().blobs()
    }

    /// A task's attachments, oldest first, each with where its bytes are. `refused`: the
    /// uploads the relay refused this run (sha256 → why).
    pub fn list_attachments(
        &mut self,
        board_id: &str,
        task_id: &str,
        account: Option<SignedInUser>,
        refused: &HashMap<String, String>,
    ) -> Result<Vec<AttachmentEntry>, IpcError> {
        let people = self.people(board_id, account)?;
        let mut list = self.replica(board_id)?.board.attachments(task_id)?;
        list.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let store = self.store();
        let shared = store.board(board_id)?.is_some_and(|r| r.server.is_some());
        let pending: HashSet<String> = store
            .pending_blob_uploads(board_id)?
            .into_iter()
            .map(|u| u.sha256)
            .collect();
        let blobs = store.blobs();
        drop(store);
        Ok(list
            .into_iter()
            .map(|attachment| {
                let here = blobs.local(&attachment.sha256).is_some();
                let note = refused.get(&attachment.sha256).cloned();
                let state = if note.is_some() {
                    AttachmentState::Refused
                } else if !here {
                    AttachmentState::Relay
                } else if shared && pending.contains(&attachment.sha256) {
                    AttachmentState::Uploading
                } else {
                    AttachmentState::Here
                };
                entry(task_id, attachment, &people, state, note)
            })
            .collect())
    }

    /// One attachment of a task as listed (its state not looked up: `Here`).
    fn attachment_entry(
        &mut self,
        board_id: &str,
        task_id: &str,
        attachment_id: &str,
        account: Option<SignedInUser>,
    ) -> Result<AttachmentEntry, IpcError> {
        let people = self.people(board_id, account)?;
        let found = self
            .replica(board_id)?
            .board
            .attachments(task_id)?
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or_else(|| {
                IpcError::new(ErrorKind::NotFound, "That file is no longer attached.")
            })?;
        Ok(entry(task_id, found, &people, AttachmentState::Here, None))
    }

    /// Attaches the file at `path` to a task, named `name` (else the file's name): the bytes
    /// into the blob store, then the upload queued, then the metadata (one undo step).
    pub fn attach_file(
        &mut self,
        board_id: &str,
        task_id: &str,
        path: &Path,
        account: Option<SignedInUser>,
    ) -> Result<(AttachmentEntry, BoardPatchEvent), IpcError> {
        self.check_attachable(board_id, task_id)?;
        let name = attachment_name(path)?;
        let stored = self.blobs().import(path).map_err(|err| {
            IpcError::invalid(format!("Could not read {}: {err}", path.display()))
        })?;
        self.attach_stored(board_id, task_id, &name, &stored, account)
    }

    /// Refuses, before any byte is copied, what `attach_stored` would refuse: a board I may
    /// only view, a task that is not there.
    pub fn check_attachable(&mut self, board_id: &str, task_id: &str) -> Result<(), IpcError> {
        if let Some(reason) = self.read_only_reason(board_id)? {
            return Err(IpcError::new(ErrorKind::ReadOnly, reason));
        }
        if self.replica(board_id)?.board.task(task_id).is_none() {
            return Err(IpcError::new(ErrorKind::NotFound, "No such task."));
        }
        Ok(())
    }

    /// Names bytes already in the blob store on a task: their upload queued (a board shared
    /// later uploads them then), then the metadata, one undo step.
    pub fn attach_stored(
        &mut self,
        board_id: &str,
        task_id: &str,
        name: &str,
        stored: &StoredBlob,
        account: Option<SignedInUser>,
    ) -> Result<(AttachmentEntry, BoardPatchEvent), IpcError> {
        self.check_attachable(board_id, task_id)?;
        let author = self.me(account.as_ref().map(|a| a.user_id.clone()))?;
        let mime = board_store::guess_mime(name);
        self.store()
            .queue_blob_upload(board_id, &stored.sha256, stored.size)?;
        let (id, event) = self.change(board_id, |board| {
            Ok(board.add_attachment(
                task_id,
                NewAttachment {
                    author: &author,
                    name,
                    mime,
                    size: stored.size,
                    sha256: &stored.sha256,
                },
            )?)
        })?;
        let listed = self
            .list_attachments(board_id, task_id, account, &HashMap::new())?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| IpcError::invalid("the file vanished as it was attached"))?;
        Ok((listed, event))
    }

    /// Attaches pasted bytes (an image from the clipboard), bounded by [`MAX_PASTED_BYTES`].
    pub fn attach_bytes(
        &mut self,
        board_id: &str,
        task_id: &str,
        name: &str,
        bytes: &[u8],
        account: Option<SignedInUser>,
    ) -> Result<(AttachmentEntry, BoardPatchEvent), IpcError> {
        if bytes.len() > MAX_PASTED_BYTES {
            return Err(IpcError::invalid(format!(
                "A pasted file may be at most {} MB; attach larger files with Attach file…",
                MAX_PASTED_BYTES / (1024 * 1024)
            )));
        }
        self.check_attachable(board_id, task_id)?;
        let stored = self.blobs().import_reader(bytes)?;
        self.attach_stored(board_id, task_id, name, &stored, account)
    }

    /// Removes an attachment from its task (one undo step; the bytes stay until collected).
    pub fn remove_attachment(
        &mut self,
        board_id: &str,
        task_id: &str,
        attachment_id: &str,
    ) -> Result<((), BoardPatchEvent), IpcError> {
        self.change(board_id, |board| {
            Ok(board.remove_attachment(task_id, attachment_id)?)
        })
    }

    /// The first step of opening an attachment: ask first for one that would run something
    /// (unless `confirmed`); open it when its bytes are here; else download it.
    pub fn open_attachment_step(
        &mut self,
        board_id: &str,
        task_id: &str,
        attachment_id: &str,
        confirmed: bool,
        account: Option<SignedInUser>,
    ) -> Result<OpenStep, IpcError> {
        let found = self.attachment_entry(board_id, task_id, attachment_id, account)?;
        if found.executable && !confirmed {
            return Ok(OpenStep::Answer(OpenedAttachment::Confirm {
                name: found.name,
            }));
        }
        let blobs = self.blobs();
        match blobs.local(&found.sha256) {
            Some(blob) => {
                blobs.touch(&found.sha256);
                Ok(OpenStep::Open(self.openable(&found, &blob)?))
            }
            None => Ok(OpenStep::Download(found)),
        }
    }

    /// Where an attachment's bytes are (`None`: not on this computer), and its entry: what
    /// "Save as…" copies.
    pub fn attachment_bytes(
        &mut self,
        board_id: &str,
        task_id: &str,
        attachment_id: &str,
        account: Option<SignedInUser>,
    ) -> Result<(AttachmentEntry, Option<PathBuf>), IpcError> {
        let found = self.attachment_entry(board_id, task_id, attachment_id, account)?;
        let blobs = self.blobs();
        let local = blobs.local(&found.sha256);
        if local.is_some() {
            blobs.touch(&found.sha256);
        }
        Ok((found, local))
    }

    /// The attachment's bytes under its own name (`opened/<sha256>/<name>` in the data
    /// directory, a read-only copy): the system's application chooses by the name, and whatever
    /// it does to the file never reaches the blob store.
    pub fn openable(&self, entry: &AttachmentEntry, blob: &Path) -> Result<PathBuf, IpcError> {
        let store_path = self.store().path().to_path_buf();
        let dir = store_path
            .parent()
            .map_or_else(|| PathBuf::from("opened"), |d| d.join("opened"))
            .join(&entry.sha256);
        let path = dir.join(file_name(&entry.name));
        let cannot = |err: std::io::Error| {
            IpcError::new(
                ErrorKind::Storage,
                format!("Could not prepare {} to open: {err}", entry.name),
            )
        };
        if let Ok(meta) = std::fs::metadata(&path) {
            if meta.is_file() && meta.len() == entry.size {
                return Ok(path);
            }
            // Changed since (made writable and rewritten): copied again.
            let mut writable = meta.permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            writable.set_readonly(false);
            let _ = std::fs::set_permissions(&path, writable);
            std::fs::remove_file(&path).map_err(cannot)?;
        }
        std::fs::create_dir_all(&dir).map_err(cannot)?;
        std::fs::copy(blob, &path).map_err(cannot)?;
        let mut read_only = std::fs::metadata(&path).map_err(cannot)?.permissions();
        read_only.set_readonly(true);
        std::fs::set_permissions(&path, read_only).map_err(cannot)?;
        Ok(path)
    }
}

/// The name a file is attached under: its own file name.
fn attachment_name(path: &Path) -> Result<String, IpcError> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| IpcError::invalid(format!("{} has no usable file name", path.display())))
}

fn entry(
    task_id: &str,
    attachment: Attachment,
    people: &board_store::Directory,
    state: AttachmentState,
    note: Option<String>,
) -> AttachmentEntry {
    let author_name = match people.get(&attachment.author) {
        Some(board_store::DirectoryEntry { me: true, .. }) => "You".to_owned(),
        Some(entry) => entry.name.clone(),
        None => board_store::member_name(&[], &attachment.author),
    };
    AttachmentEntry {
        executable: board_store::is_executable_name(&attachment.name)
            || board_store::is_executable_name(&file_name(&attachment.name)),
        id: attachment.id,
        task_id: task_id.to_owned(),
        name: attachment.name,
        mime: attachment.mime,
        size: attachment.size,
        sha256: attachment.sha256,
        author: attachment.author,
        author_name,
        created_at: attachment.created_at,
        state,
        note,
    }
}
