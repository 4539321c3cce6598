//! Attachments' bytes and the relay while signed in (DESIGN §2 "Blobs"): the `blob_uploads`
//! outbox of every board shared on my relay is drained in the background (each upload resumed
//! from what the relay holds, streamed from disk by `tack_account::blobs`, never holding the
//! store), on start, a few seconds after a file is attached, and every few seconds while
//! online, so what waited offline goes up on reconnect. An upload the relay refuses (a viewer,
//! too large, over quota) is reported on the file and not tried again this run. Opening a file
//! whose bytes are not here downloads them; when the relay does not hold them yet, whoever opens
//! it is told they are still on the author's computer.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use board_store::LocalAccess;
use tack_account::blobs::BlobError;

use super::{lock, Collab, CollabContext};
use crate::ipc::{AttachmentEntry, ErrorKind, IpcError};

/// How often the outbox is looked at while online (a new attachment wakes it sooner).
pub const UPLOAD_POLL: Duration = Duration::from_secs(5);

/// Runs until the sync client stops (the task is aborted with it).
pub(super) async fn watch_uploads(collab: Collab) {
    let wake: fn(&CollabContext) -> &tokio::sync::Notify = |context| &context.upload_wake;
    super::rounds(collab, UPLOAD_POLL, wake, "upload", |collab| {
        collab.upload_round();
    })
    .await;
}

/// How much downloaded files may weigh on this computer: beyond it, the least recently used
/// are removed (the relay serves them again; nothing attached here or waiting to be uploaded
/// is ever removed).
pub const DOWNLOAD_CACHE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// An attachment error as the UI shows it.
pub fn blob_error(error: BlobError) -> IpcError {
    match error {
        BlobError::Relay(error) => error.into(),
        BlobError::Store(error) => error.into(),
        other => IpcError::new(ErrorKind::Storage, other.to_string()),
    }
}

/// What whoever opens a file not on the relay yet is told.
pub fn uploading_message(entry: &AttachmentEntry) -> String {
    if entry.author_name == "You" {
        "Uploading from your other computer: it is not on the server yet.".to_owned()
    } else {
        format!(
            "Uploading from {}'s computer: it is not on the server yet.",
            entry.author_name
        )
    }
}

impl Collab {
    /// Uploads soon (a file was just attached).
    pub fn upload_soon(&self) {
        self.context.upload_wake.notify_one();
    }

    /// One pass over the upload outbox of every board shared on my relay (oldest first); stops
    /// at the first failure that is not a refusal (offline: the next pass tries again). Returns
    /// how many were uploaded.
    pub fn upload_round(&self) -> usize {
        let Ok((relay, account)) = self.relay() else {
            return 0;
        };
        let (blobs, queued) = {
            let session = lock(&self.context.session);
            let store = session.store();
            let boards = match store.list_boards() {
                Ok(boards) => boards,
                Err(err) => {
                    tracing::error!(%err, "cannot list boards to upload their files");
                    return 0;
                }
            };
            let mut queued = Vec::new();
            for record in boards {
                let on_my_relay = record
                    .server
                    .as_deref()
                    .is_some_and(|server| tack_account::same_server(server, &account.server));
                if !on_my_relay || record.access() == Some(LocalAccess::Removed) {
                    continue;
                }
                match store.pending_blob_uploads(&record.id) {
                    Ok(pending) => queued.extend(pending),
                    Err(err) => {
                        tracing::error!(%err, board = %record.id, "cannot read the upload outbox")
                    }
                }
            }
            (store.blobs(), queued)
        };
        let mut uploaded = 0;
        for upload in queued {
            if self
                .upload_refused(&upload.board_id, &upload.sha256)
                .is_some()
            {
                continue;
            }
            match tack_account::blobs::upload(&blobs, &relay, &upload) {
                Ok(()) => {
                    let session = lock(&self.context.session);
                    let done = session
                        .store()
                        .blob_uploaded(&upload.board_id, &upload.sha256);
                    if let Err(err) = done {
                        tracing::error!(%err, "cannot record an upload");
                    }
                    uploaded += 1;
                }
                Err(err) if err.is_refusal() => {
                    tracing::warn!(%err, board = %upload.board_id, sha256 = %upload.sha256, "the relay refused an attachment");
                    self.context
                        .state()
                        .refused_uploads
                        .entry(upload.board_id.clone())
                        .or_default()
                        .insert(upload.sha256.clone(), format!("Not uploaded: {err}"));
                }
                Err(err) => {
                    tracing::info!(%err, board = %upload.board_id, "an upload will be tried again");
                    break;
                }
            }
        }
        uploaded
    }

    /// Why the relay refused this attachment's upload this run, if it did.
    fn upload_refused(&self, board_id: &str, sha256: &str) -> Option<String> {
        self.context
            .state()
            .refused_uploads
            .get(board_id)
            .and_then(|refused| refused.get(sha256).cloned())
    }

    /// The uploads of a board the relay refused this run (sha256 → why).
    pub fn refused_uploads(&self, board_id: &str) -> HashMap<String, String> {
        self.context
            .state()
            .refused_uploads
            .get(board_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Keeps downloads within [`DOWNLOAD_CACHE_BYTES`], `just_fetched` kept.
    fn evict_downloads(&self, blobs: &board_store::Blobs, just_fetched: &str) {
        let queued = lock(&self.context.session).store().queued_blob_hashes();
        let mut keep = match queued {
            Ok(queued) => queued,
            Err(err) => {
                tracing::warn!(%err, "cannot read the upload outbox; nothing evicted");
                return;
            }
        };
        keep.insert(just_fetched.to_owned());
        match blobs.evict_downloads(DOWNLOAD_CACHE_BYTES, &keep) {
            Ok(0) => {}
            Ok(freed) => tracing::info!(freed, "evicted downloaded files"),
            Err(err) => tracing::warn!(%err, "evicting downloaded files failed"),
        }
    }

    /// Downloads an attachment's bytes from its board's relay into the blob store; `None`
    /// when the relay does not hold them yet (they are still being uploaded by their author).
    pub fn fetch_attachment(
        &self,
        board_id: &str,
        entry: &AttachmentEntry,
    ) -> Result<Option<PathBuf>, IpcError> {
        let (shared, blobs) = {
            let session = lock(&self.context.session);
            (session.is_shared(board_id)?, session.blobs())
        };
        if !shared {
            return Err(IpcError::new(
                ErrorKind::NotFound,
                format!("The bytes of {} are not on this computer.", entry.name),
            ));
        }
        let (relay, _) = self.relay()?;
        match tack_account::blobs::fetch(&blobs, &relay, board_id, &entry.sha256) {
            Ok(path) => {
                self.evict_downloads(&blobs, &entry.sha256);
                Ok(Some(path))
            }
            Err(err) if err.status() == Some(404) => Ok(None),
            Err(err) => Err(blob_error(err)),
        }
    }
}
