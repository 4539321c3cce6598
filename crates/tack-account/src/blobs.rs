//! Moving attachments' bytes between this profile's blob store and a relay (DESIGN §2 and §4
//! "Blobs"), the same for `tackctl` and the desktop app: an upload from the `blob_uploads`
//! outbox (resumed from what the relay holds of an interrupted one, streamed from disk), and a
//! download on demand (hash-checked as it is written). Neither holds the store while the bytes
//! move: they work on its [`Blobs`].

use std::path::PathBuf;

use board_store::{Blobs, PendingUpload, StoreError};

use crate::{AccountError, BlobPresence, RelayClient};

/// Why moving an attachment's bytes failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error(transparent)]
    Relay(#[from] AccountError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("its bytes are missing from this computer's blob store")]
    MissingHere,
    /// The relay does not let this account add files to the board (a viewer, or no longer a
    /// member): its `HEAD` answers 404 without an upload offset.
    #[error("this account may not add files to board {board} on the relay (a viewer, or no longer a member)")]
    CannotWrite { board: String },
    #[error("fetching its bytes from board {board}: {source}")]
    FromBoard {
        board: String,
        #[source]
        source: Box<BlobError>,
    },
}

impl BlobError {
    /// The relay's HTTP status, when the relay refused.
    pub fn status(&self) -> Option<u16> {
        match self {
            BlobError::Relay(AccountError::Server { status, .. }) => Some(*status),
            BlobError::FromBoard { source, .. } => source.status(),
            _ => None,
        }
    }

    /// The relay refused for good (no access, too large, over quota, …): trying again as is
    /// would be refused again. A network failure or a server error is worth another try.
    pub fn is_refusal(&self) -> bool {
        matches!(self, BlobError::CannotWrite { .. })
            || self
                .status()
                .is_some_and(|s| (400..500).contains(&s) && s != 408 && s != 429)
    }
}

/// Downloads `sha256` of `board` into the blob store (hash-checked as it is written); its path.
/// A relay that does not hold it (yet) answers 404: [`BlobError::status`] says so.
pub fn fetch(
    blobs: &Blobs,
    relay: &RelayClient,
    board: &str,
    sha256: &str,
) -> Result<PathBuf, BlobError> {
    let mut kept = None;
    relay.download_blob(board, sha256, &mut |reader: &mut dyn std::io::Read| {
        let stored = blobs
            .receive(sha256, reader)
            .map_err(std::io::Error::other)?;
        let size = stored.size;
        kept = Some(stored.path);
        Ok(size)
    })?;
    kept.ok_or(BlobError::MissingHere)
}

/// Uploads one queued attachment to its board on `relay`, unless the relay holds it already;
/// resumes from what the relay holds of an interrupted upload. The caller marks it uploaded
/// (`Store::blob_uploaded`) when this succeeds.
pub fn upload(blobs: &Blobs, relay: &RelayClient, upload: &PendingUpload) -> Result<(), BlobError> {
    let presence = match relay.blob_presence(&upload.board_id, &upload.sha256) {
        Err(AccountError::Server { status: 404, .. }) => {
            return Err(BlobError::CannotWrite {
                board: upload.board_id.clone(),
            })
        }
        presence => presence?,
    };
    match presence {
        BlobPresence::Stored(_) => Ok(()),
        BlobPresence::Missing { held } => {
            let path = match (blobs.local(&upload.sha256), &upload.from_board) {
                (Some(path), _) => path,
                // Copied or moved here from a board whose bytes this computer never fetched:
                // fetch them from that board first.
                (None, Some(from)) => {
                    fetch(blobs, relay, from, &upload.sha256).map_err(|e| BlobError::FromBoard {
                        board: from.clone(),
                        source: Box::new(e),
                    })?
                }
                (None, None) => return Err(BlobError::MissingHere),
            };
            let from = if held < upload.size { held } else { 0 };
            relay.upload_blob(&upload.board_id, &upload.sha256, &path, upload.size, from)?;
            Ok(())
        }
    }
}
