//! A task's attachments (DESIGN §1 `attachments`): metadata only — name, media type, size,
//! the SHA-256 that addresses the bytes (kept outside the document: the local profile's blob
//! store and the relay's, DESIGN §2 and §4), author and time. Adding and removing are undo
//! steps like any task edit; unknown keys of an attachment's map are left alone.

use std::collections::BTreeSet;

use yrs::{Any, Doc, Map, MapPrelim, MapRef, Out, ReadTxn, Transact};

use super::{key, ms_to_any, read_map, read_num, read_str, validate_title, Board};
use crate::error::{ModelError, Result};

const ATTACHMENTS: &str = "attachments";
const MIME: &str = "mime";
const SIZE: &str = "size";
const SHA256: &str = "sha256";

/// One attachment as a task's `attachments` names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub id: String,
    pub name: String,
    pub mime: String,
    pub size: u64,
    pub sha256: String,
    pub author: String,
    pub created_at: i64,
}

/// What adding an attachment needs; the id and time come from the replica.
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    /// The member id of who attaches it (the signed-in account's, else the profile's).
    pub author: &'a str,
    pub name: &'a str,
    pub mime: &'a str,
    pub size: u64,
    pub sha256: &'a str,
}

/// 64 lower-case hexadecimal digits.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn read_attachment<T: ReadTxn>(id: &str, map: &MapRef, txn: &T) -> Option<Attachment> {
    let sha256 = read_str(map, txn, SHA256).filter(|s| is_sha256_hex(s))?;
    Some(Attachment {
        id: id.to_owned(),
        name: read_str(map, txn, key::NAME).unwrap_or_else(|| sha256.clone()),
        mime: read_str(map, txn, MIME).unwrap_or_else(|| "application/octet-stream".into()),
        size: read_num(map, txn, SIZE).map_or(0, |n| n.max(0.0) as u64),
        sha256,
        author: read_str(map, txn, key::AUTHOR).unwrap_or_default(),
        created_at: read_num(map, txn, key::CREATED_AT).map_or(0, |n| n as i64),
    })
}

impl Board {
    /// Adds an attachment's metadata to a task (the bytes must already be in the local blob
    /// store); returns its id.
    pub fn add_attachment(&mut self, task: &str, new: NewAttachment<'_>) -> Result<String> {
        let name = validate_title("attachment name", new.name)?;
        if !is_sha256_hex(new.sha256) {
            return Err(ModelError::InvalidValue {
                field: "attachment sha256",
                reason: "expected 64 lower-case hexadecimal digits".into(),
            });
        }
        let mime = new.mime.trim();
        if mime.is_empty() || mime.len() > 255 || mime.chars().any(char::is_control) {
            return Err(ModelError::InvalidValue {
                field: "attachment mime",
                reason: "expected a media type such as image/png".into(),
            });
        }
        let size = i64::try_from(new.size).map_err(|_| ModelError::InvalidValue {
            field: "attachment size",
            reason: "too large".into(),
        })?;
        let id = self.config.sources.new_id();
        let now = ms_to_any(self.config.sources.now_ms());
        let author = new.author.to_owned();
        let sha256 = new.sha256.to_owned();
        let mime = mime.to_owned();
        let attachment_id = id.clone();
        self.edit_task(task, move |task, txn| {
            let attachments = match task.get(txn, ATTACHMENTS) {
                Some(Out::YMap(m)) => m,
                _ => task.insert(txn, ATTACHMENTS, MapPrelim::default()),
            };
            let entry: MapPrelim = [
                (key::NAME, Any::from(name)),
                (MIME, Any::from(mime)),
                (SIZE, ms_to_any(size)),
                (SHA256, Any::from(sha256)),
                (key::AUTHOR, Any::from(author)),
                (key::CREATED_AT, now),
            ]
            .into_iter()
            .collect();
            attachments.insert(txn, attachment_id.as_str(), entry);
            Ok(())
        })?;
        Ok(id)
    }

    /// Removes an attachment's metadata from a task (the bytes stay until collected).
    pub fn remove_attachment(&mut self, task: &str, attachment: &str) -> Result<()> {
        {
            let txn = self.doc.transact();
            let task_map = self.task_map(&txn, task)?;
            let present = read_map(&task_map, &txn, ATTACHMENTS)
                .is_some_and(|m| m.get(&txn, attachment).is_some());
            if !present {
                return Err(ModelError::InvalidValue {
                    field: "attachment",
                    reason: format!("task {task} has no attachment {attachment}"),
                });
            }
        }
        self.edit_task(task, |task, txn| {
            if let Some(Out::YMap(attachments)) = task.get(txn, ATTACHMENTS) {
                attachments.remove(txn, attachment);
            }
            Ok(())
        })
    }

    /// A task's attachments, oldest first (ties by id). Entries without a valid `sha256` are
    /// not shown (nothing could fetch their bytes) but are kept in the document.
    pub fn attachments(&self, task: &str) -> Result<Vec<Attachment>> {
        let txn = self.doc.transact();
        let task_map = self.task_map(&txn, task)?;
        let mut list: Vec<Attachment> = match read_map(&task_map, &txn, ATTACHMENTS) {
            Some(map) => map
                .iter(&txn)
                .filter_map(|(id, value)| match value {
                    Out::YMap(entry) => read_attachment(id, &entry, &txn),
                    _ => None,
                })
                .collect(),
            None => Vec::new(),
        };
        list.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(list)
    }
}

/// The media types a card shows a thumbnail of.
pub const THUMBNAIL_MIMES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// The SHA-256 of the first image (oldest, then by id) among a task's `attachments`, what its
/// card shows.
pub(super) fn first_image<T: ReadTxn>(files: &MapRef, txn: &T) -> Option<String> {
    files
        .iter(txn)
        .filter_map(|(id, value)| match value {
            Out::YMap(entry) => read_attachment(id, &entry, txn),
            _ => None,
        })
        .filter(|a| THUMBNAIL_MIMES.contains(&a.mime.as_str()))
        .min_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)))
        .map(|a| a.sha256)
}

/// Every SHA-256 some task's `attachments` names in `doc` (archived tasks included: their
/// attachments come back with them).
pub fn attachment_hashes(doc: &Doc) -> BTreeSet<String> {
    let tasks = doc.get_or_insert_map(key::TASKS);
    let txn = doc.transact();
    let mut hashes = BTreeSet::new();
    for (_, task) in tasks.iter(&txn) {
        let Out::YMap(task) = task else { continue };
        let Some(attachments) = read_map(&task, &txn, ATTACHMENTS) else {
            continue;
        };
        for (_, entry) in attachments.iter(&txn) {
            if let Out::YMap(entry) = entry {
                if let Some(sha256) = read_str(&entry, &txn, SHA256).filter(|s| is_sha256_hex(s)) {
                    hashes.insert(sha256);
                }
            }
        }
    }
    hashes
}

/// [`attachment_hashes`] of the document a stored Yjs v1 update builds (the relay's folded
/// board). `None` when the bytes do not decode or apply.
pub fn attachment_hashes_in_update(update: &[u8]) -> Option<BTreeSet<String>> {
    let doc = Doc::new();
    let decoded = sync_protocol::guard::decode_update_stored(update).ok()?;
    sync_protocol::guard::apply_to(&doc, None, decoded).ok()?;
    Some(attachment_hashes(&doc))
}
