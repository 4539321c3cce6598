//! Errors of the sync client's library API.

/// What can go wrong when talking to the client or the store it shares.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the server URL {url:?} is not usable: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("the sync client has stopped")]
    Stopped,
    #[error(transparent)]
    Store(#[from] board_store::StoreError),
    #[error(transparent)]
    Model(#[from] board_model::ModelError),
    #[error("a store task failed: {0}")]
    StoreTask(String),
}
