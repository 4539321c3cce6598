//! Attachments' bytes on the relay (DESIGN §4 "Blobs"): `PUT`/`GET`/`HEAD
//! /v1/boards/{board}/blobs/{sha256}`, the bookkeeping table `blobs` (size for the per-board
//! quota, when each blob was last found named by a task's `attachments`, for collection), and
//! the bytes themselves behind one trait, [`BlobStore`]: a local directory
//! (`directory.rs`, the embedded default), PostgreSQL (`postgres.rs`, `blob_chunks` under
//! row-level security) or an S3-compatible object store (`s3.rs`).
//!
//! An upload streams: its body goes, a frame at a time, through SHA-256 into a staging file on
//! the relay's disk (at most [`COPY_BUFFER_BYTES`] held), is checked against the hash its path
//! names, and only a verified whole file reaches the blob store, then the bookkeeping row.
//! A wrong hash or a file over the size limit or the board's quota stores nothing. An upload
//! cut short keeps what arrived in its staging file: `HEAD` tells the uploader how much
//! (`Upload-Offset`), and a `PUT` with `Content-Range: bytes START-END/TOTAL` carries on from
//! there (DESIGN §4 "Resumable uploads"). Downloads stream from the store and take one
//! `Range`.

mod directory;
mod postgres;
mod s3;

use std::collections::{BTreeSet, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRef, Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tack_api::ErrorCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use directory::DirectoryBlobs;
pub use postgres::PostgresBlobs;
pub use s3::{S3Blobs, S3Config};

use crate::accounts::Role;
use crate::api::ApiError;
use crate::server::RelayState;
use crate::storage::{failed, on_pool, ActAs, BeginWrite, Storage, StorageError, StorageFuture};

/// The most an upload or download holds in memory at once (one read or write buffer), whatever
/// the file's size.
pub const COPY_BUFFER_BYTES: usize = 1 << 20;

/// The header that tells how many bytes of an interrupted upload the relay holds.
pub const UPLOAD_OFFSET: &str = "upload-offset";

/// Where a relay keeps attachments' bytes.
#[derive(Debug, Clone)]
pub enum BlobBackend {
    /// Files under this directory, `b-<board>/<sha256>` (written to a temporary name, synced,
    /// then renamed).
    Directory(PathBuf),
    /// `blob_chunks` in the relay's PostgreSQL database, under row-level security.
    Postgres,
    /// An S3-compatible object store.
    S3(S3Config),
}

/// The attachments settings of a relay.
#[derive(Debug, Clone)]
pub struct BlobConfig {
    /// `None`: this relay stores no attachments (its blob endpoints answer 503).
    pub backend: Option<BlobBackend>,
    /// Where uploads are received and checked before they reach the store (and where an
    /// interrupted upload waits to be resumed). Default: `staging` under a directory backend,
    /// else `tack-blob-staging` in the system's temporary directory.
    pub staging_dir: Option<PathBuf>,
    /// The largest file accepted (413 `too_large` above).
    pub max_blob_bytes: u64,
    /// The most a board's blobs may add up to (413 `quota_exceeded` above).
    pub board_quota_bytes: u64,
    /// How long a blob no task names is kept (it may be named by an edit not synced yet), and
    /// how long an interrupted upload waits to be resumed.
    pub grace: Duration,
    /// How often unreferenced blobs are collected.
    pub collect_every: Duration,
    /// An upload whose next bytes do not arrive within this is cut (what arrived is kept).
    pub idle_timeout: Duration,
}

impl Default for BlobConfig {
    fn default() -> Self {
        Self {
            backend: None,
            staging_dir: None,
            max_blob_bytes: 100 * 1024 * 1024,
            board_quota_bytes: 10 * 1024 * 1024 * 1024,
            grace: Duration::from_secs(24 * 3600),
            collect_every: Duration::from_secs(3600),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// Why a blob store operation failed. Logged, never sent to a client.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob file I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("blob database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("object store: {0}")]
    ObjectStore(#[from] object_store::Error),
    #[error("blob storage: {0}")]
    Storage(#[from] StorageError),
    #[error("the blob store has no bytes for a blob the relay lists")]
    Missing,
    #[error("blob store setup: {0}")]
    Setup(String),
}

/// A blob as its store knows it: the board it belongs to and its SHA-256 (64 lower-case hex
/// digits, checked before any store sees it).
#[derive(Debug, Clone, Copy)]
pub struct BlobKey<'a> {
    pub board: &'a str,
    pub sha256: &'a str,
}

/// Bytes read from a store, a bounded chunk at a time.
pub type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// Where the bytes live. `user` is the member the request acts for (PostgreSQL's row-level
/// security checks it; the other stores ignore it: the relay has checked the role first).
pub trait BlobStore: Send + Sync + 'static {
    /// `"directory"`, `"postgres"` or `"s3"`.
    fn kind(&self) -> &'static str;

    /// Stores the complete, verified file `staged` (`size` bytes) as `key`, durably, reading it
    /// a bounded buffer at a time. Storing a key again is harmless.
    fn store<'a>(
        &'a self,
        key: BlobKey<'a>,
        user: &'a str,
        staged: &'a Path,
        size: u64,
    ) -> StorageFuture<'a, Result<(), BlobError>>;

    /// The bytes `range` of `key` (within its size), as a stream.
    fn read<'a>(
        &'a self,
        key: BlobKey<'a>,
        user: &'a str,
        range: Range<u64>,
    ) -> StorageFuture<'a, Result<ByteStream, BlobError>>;

    /// Deletes `key`'s bytes (nothing if absent). `user`: as whom (PostgreSQL), `None` for
    /// the collector.
    fn remove<'a>(
        &'a self,
        key: BlobKey<'a>,
        user: Option<&'a str>,
    ) -> StorageFuture<'a, Result<(), BlobError>>;

    /// Deletes every blob's bytes of `board` (a deleted board: its records are gone with it),
    /// and only that board's: a store keeps each board's bytes apart, even for the same SHA-256.
    fn remove_board<'a>(&'a self, board: &'a str) -> StorageFuture<'a, Result<(), BlobError>>;
}

/// A relay's attachments: the store, the settings, and the uploads in progress here.
pub struct Blobs {
    store: Box<dyn BlobStore>,
    config: BlobConfig,
    staging: PathBuf,
    uploading: Mutex<HashSet<(String, String)>>,
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blobs")
            .field("store", &self.store.kind())
            .field("staging", &self.staging)
            .finish_non_exhaustive()
    }
}

impl Blobs {
    /// The relay's attachments as `config` describes them, `None` without a backend.
    pub fn open(config: &BlobConfig, storage: &Storage) -> Result<Option<Arc<Blobs>>, BlobError> {
        let Some(backend) = &config.backend else {
            return Ok(None);
        };
        let (store, default_staging): (Box<dyn BlobStore>, PathBuf) = match backend {
            BlobBackend::Directory(dir) => (
                Box::new(DirectoryBlobs::new(dir.clone())),
                dir.join("staging"),
            ),
            BlobBackend::Postgres => {
                let pool = storage.postgres_pool().ok_or_else(|| {
                    BlobError::Setup("--blob-store postgres needs a PostgreSQL DATABASE_URL".into())
                })?;
                (
                    Box::new(PostgresBlobs::new(pool.clone())),
                    std::env::temp_dir().join("tack-blob-staging"),
                )
            }
            BlobBackend::S3(s3) => (
                Box::new(S3Blobs::new(s3)?),
                std::env::temp_dir().join("tack-blob-staging"),
            ),
        };
        let staging = config.staging_dir.clone().unwrap_or(default_staging);
        std::fs::create_dir_all(&staging)?;
        Ok(Some(Arc::new(Blobs {
            store,
            config: config.clone(),
            staging,
            uploading: Mutex::new(HashSet::new()),
        })))
    }

    pub fn store(&self) -> &dyn BlobStore {
        &*self.store
    }

    /// Removes what the relay holds of a deleted board's blobs: their bytes in the store and
    /// its interrupted uploads waiting in staging.
    pub async fn remove_board(&self, board: &str) -> Result<(), BlobError> {
        self.store.remove_board(board).await?;
        let prefix = format!("{board}.");
        let mut staged = tokio::fs::read_dir(&self.staging).await?;
        while let Some(entry) = staged.next_entry().await? {
            let name = entry.file_name();
            // `<board>.<sha256>.part`: a board id may hold `.`, so the name is this board's
            // only when what follows the prefix is exactly a hash and `.part`.
            let ours = name
                .to_str()
                .and_then(|n| n.strip_prefix(&prefix))
                .is_some_and(|rest| rest.strip_suffix(".part").is_some_and(is_sha256));
            if ours {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
        Ok(())
    }

    fn staged_path(&self, key: BlobKey<'_>) -> PathBuf {
        // Board ids are [A-Za-z0-9._-]: no separator, so this is a name inside `staging`.
        self.staging
            .join(format!("{}.{}.part", key.board, key.sha256))
    }
}

/// What the blob routes need (axum's `FromRef`): the relay's storage (sessions, roles,
/// bookkeeping) and its attachments.
#[derive(Clone)]
pub struct BlobState {
    storage: Storage,
    blobs: Option<Arc<Blobs>>,
}

impl FromRef<Arc<RelayState>> for BlobState {
    fn from_ref(state: &Arc<RelayState>) -> Self {
        Self {
            storage: state.storage.clone(),
            blobs: state.blobs.clone(),
        }
    }
}

/// `/v1/boards/{board}/blobs/{sha256}`: GET (and HEAD) and PUT. Outside `/v1`'s body
/// middleware: these bodies stream.
pub fn routes() -> Router<BlobState> {
    Router::new().route(
        "/v1/boards/{board}/blobs/{sha256}",
        get(get_blob).head(head_blob).put(put_blob),
    )
}

/// A SHA-256 as the path names it: 64 lower-case hex digits.
pub fn is_sha256(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Unavailable,
        "this relay stores no attachments",
    )
}

fn internal(error: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(%error, "blob storage failed");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::Unavailable,
        "the server cannot complete this now; try again",
    )
}

/// Who is asking and what they may do: a session (401 without), a member of the board (404
/// for anyone else, as for an unknown board: a stranger learns nothing, not even whether the
/// board exists), and the blob service itself.
async fn member(
    state: &BlobState,
    headers: &HeaderMap,
    board: &str,
    sha256: &str,
) -> Result<(Arc<Blobs>, String, Role), ApiError> {
    crate::api::check_board_id(board)?;
    if !is_sha256(sha256) {
        return Err(ApiError::bad_request(
            "sha256: 64 lower-case hexadecimal digits",
        ));
    }
    let user = crate::api::session_of(&state.storage, headers).await?;
    let blobs = state.blobs.clone().ok_or_else(unavailable)?;
    let role = state
        .storage
        .role_of(&user.user_id, board)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "not found"))?;
    Ok((blobs, user.user_id, role))
}

/// The headers every answer carrying bytes has: never shown inline, never sniffed.
fn download_headers(sha256: &str) -> [(header::HeaderName, String); 6] {
    [
        (header::CONTENT_TYPE, "application/octet-stream".into()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{sha256}\""),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        (header::ACCEPT_RANGES, "bytes".into()),
        (header::ETAG, format!("\"{sha256}\"")),
        (
            header::CACHE_CONTROL,
            "private, max-age=31536000, immutable".into(),
        ),
    ]
}

async fn head_blob(
    State(state): State<BlobState>,
    headers: HeaderMap,
    UrlPath((board, sha256)): UrlPath<(String, String)>,
) -> Result<Response, ApiError> {
    let (blobs, user, role) = member(&state, &headers, &board, &sha256).await?;
    let key = BlobKey {
        board: &board,
        sha256: &sha256,
    };
    match stored_size(&state.storage, key, &user)
        .await
        .map_err(|e| internal(&e))?
    {
        Some(size) => {
            let mut response = (download_headers(&sha256), Body::empty()).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(size));
            Ok(response)
        }
        None => {
            let mut response = StatusCode::NOT_FOUND.into_response();
            if role.can_edit() {
                let held = tokio::fs::metadata(blobs.staged_path(key))
                    .await
                    .map_or(0, |m| m.len());
                response
                    .headers_mut()
                    .insert(UPLOAD_OFFSET, HeaderValue::from(held));
            }
            Ok(response)
        }
    }
}

async fn get_blob(
    State(state): State<BlobState>,
    headers: HeaderMap,
    UrlPath((board, sha256)): UrlPath<(String, String)>,
) -> Result<Response, ApiError> {
    let (blobs, user, _) = member(&state, &headers, &board, &sha256).await?;
    let key = BlobKey {
        board: &board,
        sha256: &sha256,
    };
    let size = stored_size(&state.storage, key, &user)
        .await
        .map_err(|e| internal(&e))?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                "no such attachment on this board (not uploaded yet?)",
            )
        })?;
    let requested = headers
        .get(header::RANGE)
        .and_then(|value| value.to_str().ok());
    let range = match requested.map(|text| parse_range(text, size)) {
        None => None,
        Some(RangeRequest::Ignored) => None,
        Some(RangeRequest::Bytes(range)) => Some(range),
        Some(RangeRequest::Unsatisfiable) => {
            let mut error = ApiError::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                ErrorCode::RangeNotSatisfiable,
                format!("the attachment has {size} bytes"),
            )
            .into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                error.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(error);
        }
    };
    let bytes = range.clone().unwrap_or(0..size);
    let stream = blobs
        .store()
        .read(key, &user, bytes.clone())
        .await
        .map_err(|e| internal(&e))?;
    let mut response = (download_headers(&sha256), Body::from_stream(stream)).into_response();
    let out = response.headers_mut();
    out.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(bytes.end - bytes.start),
    );
    if range.is_some() {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(value) = HeaderValue::from_str(&format!(
            "bytes {}-{}/{size}",
            bytes.start,
            bytes.end.saturating_sub(1)
        )) {
            response.headers_mut().insert(header::CONTENT_RANGE, value);
        }
    }
    Ok(response)
}

/// What a `Range` header asks of a blob of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeRequest {
    /// One satisfiable range.
    Bytes(Range<u64>),
    /// Not a single byte range this relay serves (several ranges, another unit): the whole
    /// blob is sent, as RFC 9110 allows.
    Ignored,
    /// A byte range wholly past the end: 416.
    Unsatisfiable,
}

/// Reads `bytes=A-B`, `bytes=A-` and `bytes=-N` (one range; anything else is ignored).
pub fn parse_range(text: &str, size: u64) -> RangeRequest {
    let Some(spec) = text.trim().strip_prefix("bytes=") else {
        return RangeRequest::Ignored;
    };
    if spec.contains(',') {
        return RangeRequest::Ignored;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Ignored;
    };
    let number = |text: &str| -> Option<u64> {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    match (first.trim(), last.trim()) {
        ("", suffix) => match number(suffix) {
            Some(0) => RangeRequest::Unsatisfiable,
            Some(n) => RangeRequest::Bytes(size.saturating_sub(n)..size),
            None => RangeRequest::Ignored,
        },
        (start, "") => match number(start) {
            Some(start) if start < size => RangeRequest::Bytes(start..size),
            Some(_) => RangeRequest::Unsatisfiable,
            None => RangeRequest::Ignored,
        },
        (start, end) => match (number(start), number(end)) {
            (Some(start), Some(end)) if start <= end => {
                if start >= size {
                    RangeRequest::Unsatisfiable
                } else {
                    RangeRequest::Bytes(start..end.saturating_add(1).min(size))
                }
            }
            _ => RangeRequest::Ignored,
        },
    }
}

/// Reads `Content-Range: bytes START-END/TOTAL` of a resumed upload (END = TOTAL - 1: a resumed
/// upload always sends the rest).
fn parse_content_range(text: &str) -> Option<(u64, u64)> {
    let spec = text.trim().strip_prefix("bytes ")?;
    let (range, total) = spec.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let digits = |text: &str| -> Option<u64> {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    let (start, end, total) = (digits(start)?, digits(end)?, digits(total)?);
    (start <= end && end.checked_add(1)? == total).then_some((start, total))
}

/// How long an upload waits for another request's hold on the same bytes to end (a resume
/// arriving while the relay still finishes the cut request): `SLOT_WAIT_STEPS` × `SLOT_WAIT_STEP`.
const SLOT_WAIT_STEPS: u32 = 40;
const SLOT_WAIT_STEP: std::time::Duration = std::time::Duration::from_millis(50);

/// Holds one (board, sha256) upload on this relay; released when dropped.
struct UploadSlot<'a> {
    blobs: &'a Blobs,
    key: (String, String),
}

impl Drop for UploadSlot<'_> {
    fn drop(&mut self) {
        let mut uploading = self
            .blobs
            .uploading
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        uploading.remove(&self.key);
    }
}

fn conflict(message: impl Into<String>, held: u64) -> Response {
    let mut response =
        ApiError::new(StatusCode::CONFLICT, ErrorCode::UploadConflict, message).into_response();
    response
        .headers_mut()
        .insert(UPLOAD_OFFSET, HeaderValue::from(held));
    response
}

async fn put_blob(
    State(state): State<BlobState>,
    headers: HeaderMap,
    UrlPath((board, sha256)): UrlPath<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let (blobs, user, role) = member(&state, &headers, &board, &sha256).await?;
    if !role.can_edit() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "viewers cannot add attachments",
        ));
    }
    let key = BlobKey {
        board: &board,
        sha256: &sha256,
    };
    let header_text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let declared_length =
        header_text(header::CONTENT_LENGTH).and_then(|t| t.trim().parse::<u64>().ok());
    let (start, total) = match header_text(header::CONTENT_RANGE) {
        Some(text) => parse_content_range(&text).ok_or_else(|| {
            ApiError::bad_request(
                "Content-Range: expected bytes START-END/TOTAL with END = TOTAL - 1",
            )
        })?,
        None => (
            0,
            declared_length.ok_or_else(|| {
                ApiError::bad_request("Content-Length: required (the attachment's size)")
            })?,
        ),
    };
    if declared_length.is_some_and(|length| length != total - start) {
        return Err(ApiError::bad_request(
            "Content-Length: must be the bytes from START to the end",
        ));
    }
    let max = blobs.config.max_blob_bytes;
    if total > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!("attachment: at most {max} bytes, this one has {total}"),
        ));
    }
    let storage = &state.storage;
    if let Some(size) = stored_size(storage, key, &user)
        .await
        .map_err(|e| internal(&e))?
    {
        // Content-addressed: the same bytes are already here.
        return Ok((StatusCode::OK, [(UPLOAD_OFFSET, size.to_string())]).into_response());
    }
    check_quota(storage, &blobs.config, &board, &user, total).await?;

    // A client that resumes right after a cut can come before the relay has finished with the
    // cut request: wait for its slot a little (bounded) rather than refuse at once.
    let slot_key = (board.clone(), sha256.clone());
    let mut slot = None;
    for _ in 0..SLOT_WAIT_STEPS {
        slot = {
            let mut uploading = blobs
                .uploading
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            uploading.insert(slot_key.clone()).then(|| UploadSlot {
                blobs: &blobs,
                key: slot_key.clone(),
            })
        };
        if slot.is_some() {
            break;
        }
        tokio::time::sleep(SLOT_WAIT_STEP).await;
    }
    let staged = blobs.staged_path(key);
    let held = tokio::fs::metadata(&staged).await.map_or(0, |m| m.len());
    let Some(_slot) = slot else {
        return Ok(conflict(
            "this attachment is being uploaded by another request; resume later",
            held,
        ));
    };
    if start != 0 && start != held {
        return Ok(conflict(
            format!("the relay holds {held} bytes of this upload, not {start}"),
            held,
        ));
    }

    let received = receive(&blobs, &staged, start, total, body).await;
    let digest = match received {
        Ok(Received::Complete(digest)) => digest,
        Ok(Received::Cut(held)) => {
            return Ok(conflict(
                format!("the upload stopped after {held} of {total} bytes; resume from there"),
                held,
            ))
        }
        Err(Refused::TooLong) => {
            let _ = tokio::fs::remove_file(&staged).await;
            return Err(ApiError::bad_request(
                "the body is longer than its Content-Length",
            ));
        }
        Err(Refused::Io(error)) => return Err(internal(&error)),
    };
    if digest != sha256 {
        let _ = tokio::fs::remove_file(&staged).await;
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::HashMismatch,
            format!("the bytes' SHA-256 is {digest}, not the {sha256} this path names; nothing was stored"),
        ));
    }
    let stored = blobs.store().store(key, &user, &staged, total).await;
    if let Err(error) = stored {
        return Err(internal(&error));
    }
    let recorded = record(storage, &blobs.config, key, &user, total).await;
    let _ = tokio::fs::remove_file(&staged).await;
    match recorded {
        Ok(Recorded::Stored | Recorded::AlreadyThere) => {
            tracing::info!(%board, %sha256, size = total, "attachment stored");
            Ok((StatusCode::CREATED, [(UPLOAD_OFFSET, total.to_string())]).into_response())
        }
        Ok(Recorded::OverQuota { used }) => {
            if let Err(error) = blobs.store().remove(key, Some(&user)).await {
                tracing::warn!(%error, %board, %sha256, "removing a blob over quota failed");
            }
            Err(over_quota(&blobs.config, used, total))
        }
        Err(error) => Err(internal(&error)),
    }
}

fn over_quota(config: &BlobConfig, used: u64, size: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::QuotaExceeded,
        format!(
            "this board's attachments may take {} bytes; {used} are used and this one has {size}",
            config.board_quota_bytes
        ),
    )
}

async fn check_quota(
    storage: &Storage,
    config: &BlobConfig,
    board: &str,
    user: &str,
    size: u64,
) -> Result<(), ApiError> {
    let used = used_bytes(storage, board, user)
        .await
        .map_err(|e| internal(&e))?;
    if used.saturating_add(size) > config.board_quota_bytes {
        return Err(over_quota(config, used, size));
    }
    Ok(())
}

enum Received {
    /// Every byte arrived: the SHA-256 of the whole file, in hex.
    Complete(String),
    /// The body ended (or stalled) early: this many bytes are held.
    Cut(u64),
}

enum Refused {
    TooLong,
    Io(std::io::Error),
}

/// Streams `body` into `staged` from `start` (the bytes before it already there, hashed again
/// first), a bounded buffer at a time.
async fn receive(
    blobs: &Blobs,
    staged: &Path,
    start: u64,
    total: u64,
    body: Body,
) -> Result<Received, Refused> {
    let mut hasher = Sha256::new();
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .write(true)
        .truncate(start == 0)
        .open(staged)
        .await
        .map_err(Refused::Io)?;
    if start > 0 {
        let mut buffer = vec![0u8; COPY_BUFFER_BYTES];
        let mut left = start;
        while left > 0 {
            let want =
                usize::try_from(left.min(COPY_BUFFER_BYTES as u64)).unwrap_or(COPY_BUFFER_BYTES);
            let read = file.read(&mut buffer[..want]).await.map_err(Refused::Io)?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
            left -= read as u64;
        }
        file.set_len(start).await.map_err(Refused::Io)?;
    }
    let mut file = tokio::io::BufWriter::with_capacity(COPY_BUFFER_BYTES, file);
    let mut written = start;
    let mut frames = body.into_data_stream();
    let outcome = loop {
        match tokio::time::timeout(blobs.config.idle_timeout, frames.next()).await {
            Ok(Some(Ok(frame))) => {
                if written + frame.len() as u64 > total {
                    break Err(Refused::TooLong);
                }
                hasher.update(&frame);
                if let Err(error) = file.write_all(&frame).await {
                    break Err(Refused::Io(error));
                }
                written += frame.len() as u64;
            }
            Ok(None) => break Ok(()),
            // The client went away or stalled: keep what arrived.
            Ok(Some(Err(_))) | Err(_) => break Ok(()),
        }
    };
    let synced = async {
        file.flush().await?;
        file.get_mut().sync_all().await
    }
    .await;
    outcome?;
    synced.map_err(Refused::Io)?;
    if written < total {
        return Ok(Received::Cut(written));
    }
    Ok(Received::Complete(hex(&hasher.finalize())))
}

/// The size of a stored blob of the board, read as `user` (a member).
pub async fn stored_size(
    storage: &Storage,
    key: BlobKey<'_>,
    user: &str,
) -> Result<Option<u64>, StorageError> {
    let size: Option<i64> = on_pool!(storage, reader, |pool| {
        let mut tx = pool.begin().await.map_err(failed("starting a read"))?;
        tx.act_as(Some(user))
            .await
            .map_err(failed("setting the user"))?;
        let size = sqlx::query_scalar("SELECT size FROM blobs WHERE board_id = $1 AND sha256 = $2")
            .bind(key.board)
            .bind(key.sha256)
            .fetch_optional(&mut *tx)
            .await
            .map_err(failed("reading a blob's size"))?;
        tx.commit().await.map_err(failed("ending a read"))?;
        size
    });
    Ok(size.map(|size| u64::try_from(size).unwrap_or(0)))
}

/// The bytes a board's blobs take, read as `user` (a member).
pub async fn used_bytes(storage: &Storage, board: &str, user: &str) -> Result<u64, StorageError> {
    let used: i64 = on_pool!(storage, reader, |pool| {
        let mut tx = pool.begin().await.map_err(failed("starting a read"))?;
        tx.act_as(Some(user))
            .await
            .map_err(failed("setting the user"))?;
        let used = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM blobs WHERE board_id = $1",
        )
        .bind(board)
        .fetch_one(&mut *tx)
        .await
        .map_err(failed("summing a board's blobs"))?;
        tx.commit().await.map_err(failed("ending a read"))?;
        used
    });
    Ok(u64::try_from(used).unwrap_or(0))
}

enum Recorded {
    Stored,
    AlreadyThere,
    OverQuota { used: u64 },
}

/// Records a stored blob, as `user`, if the board's quota allows it (checked and inserted in
/// one transaction, serialised per board, so concurrent uploads cannot pass it together).
async fn record(
    storage: &Storage,
    config: &BlobConfig,
    key: BlobKey<'_>,
    user: &str,
    size: u64,
) -> Result<Recorded, StorageError> {
    let now = crate::history::now_ms();
    let size_i64 = i64::try_from(size).unwrap_or(i64::MAX);
    let quota = i64::try_from(config.board_quota_bytes).unwrap_or(i64::MAX);
    let outcome = on_pool!(storage, writer, |pool| {
        let mut tx = pool
            .begin_write()
            .await
            .map_err(failed("starting to record a blob"))?;
        tx.act_as(Some(user))
            .await
            .map_err(failed("setting the user"))?;
        if storage.postgres_pool().is_some() {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext('tack_blobs:' || $1))")
                .bind(key.board)
                .execute(&mut *tx)
                .await
                .map_err(failed("locking a board's blobs"))?;
        }
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT size FROM blobs WHERE board_id = $1 AND sha256 = $2")
                .bind(key.board)
                .bind(key.sha256)
                .fetch_optional(&mut *tx)
                .await
                .map_err(failed("reading a blob's size"))?;
        let used: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM blobs WHERE board_id = $1",
        )
        .bind(key.board)
        .fetch_one(&mut *tx)
        .await
        .map_err(failed("summing a board's blobs"))?;
        let outcome = if existing.is_some() {
            Recorded::AlreadyThere
        } else if used.saturating_add(size_i64) > quota {
            Recorded::OverQuota {
                used: u64::try_from(used).unwrap_or(0),
            }
        } else {
            sqlx::query(
                "INSERT INTO blobs (board_id, sha256, size, created_ms, last_referenced_ms) \
                 VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(key.board)
            .bind(key.sha256)
            .bind(size_i64)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(failed("recording a blob"))?;
            Recorded::Stored
        };
        tx.commit()
            .await
            .map_err(failed("committing a blob's record"))?;
        outcome
    });
    Ok(outcome)
}

/// The SHA-256s a board's tasks name in their `attachments`, read from its stored document.
fn referenced_hashes(stored: &crate::storage::StoredBoard) -> Option<BTreeSet<String>> {
    let update = crate::cluster::fold_board(stored).ok()?;
    board_model::attachment_hashes_in_update(&update)
}

/// One pass of collection: every blob a task names is marked referenced now; blobs no task has
/// named for `grace` are deleted, bytes and record; staged uploads untouched for `grace` too.
/// Returns how many blobs were collected.
pub async fn collect(storage: &Storage, blobs: &Blobs) -> Result<u64, BlobError> {
    collect_at(storage, blobs, crate::history::now_ms()).await
}

/// [`collect`] as if the time were `now` (milliseconds since the Unix epoch): what the tests
/// use to step past the grace period without waiting for it.
pub async fn collect_at(storage: &Storage, blobs: &Blobs, now: i64) -> Result<u64, BlobError> {
    let grace_ms = i64::try_from(blobs.config.grace.as_millis()).unwrap_or(i64::MAX);
    let before_ms = now.saturating_sub(grace_ms);
    let listed = list_blobs(storage).await?;
    let mut boards: Vec<&str> = listed.iter().map(|(board, _, _)| board.as_str()).collect();
    boards.dedup();
    let mut collected = 0;
    for board in boards {
        let reader = board_reader(storage, board).await?;
        let stored = storage.load_board_as(board, reader.as_deref()).await?;
        // An unreadable document names nothing we can trust: keep its blobs.
        let Some(named) = referenced_hashes(&stored) else {
            continue;
        };
        for (_, sha256, last_referenced_ms) in listed.iter().filter(|(b, _, _)| b == board) {
            let key = BlobKey {
                board,
                sha256: sha256.as_str(),
            };
            if named.contains(sha256) {
                touch(storage, key, now).await?;
            } else if *last_referenced_ms < before_ms && forget(storage, key, before_ms).await? {
                blobs.store().remove(key, None).await?;
                collected += 1;
            }
        }
    }
    let mut staged = tokio::fs::read_dir(&blobs.staging).await?;
    while let Some(entry) = staged.next_entry().await? {
        let modified_ms = entry
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|at| at.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|since| i64::try_from(since.as_millis()).ok());
        let old = modified_ms.is_some_and(|at| at < before_ms);
        if old {
            let _ = tokio::fs::remove_file(entry.path()).await;
        }
    }
    Ok(collected)
}

/// Every blob record: (board, sha256, last referenced), sorted by board.
async fn list_blobs(storage: &Storage) -> Result<Vec<(String, String, i64)>, StorageError> {
    let mut rows: Vec<(String, String, i64)> = on_pool!(storage, reader, |pool| {
        let query = if storage.postgres_pool().is_some() {
            "SELECT board_id, sha256, last_referenced_ms FROM tack_list_blobs()"
        } else {
            "SELECT board_id, sha256, last_referenced_ms FROM blobs"
        };
        sqlx::query_as(query)
            .fetch_all(pool)
            .await
            .map_err(failed("listing blobs"))?
    });
    rows.sort();
    Ok(rows)
}

/// A member as whom the collector may read a board's document (row-level security), `None`
/// on SQLite.
async fn board_reader(storage: &Storage, board: &str) -> Result<Option<String>, StorageError> {
    let Some(pool) = storage.postgres_pool() else {
        return Ok(None);
    };
    sqlx::query_scalar("SELECT tack_blob_reader($1)")
        .bind(board)
        .fetch_one(pool)
        .await
        .map_err(failed("finding a board's reader"))
}

async fn touch(storage: &Storage, key: BlobKey<'_>, now: i64) -> Result<(), StorageError> {
    on_pool!(storage, writer, |pool| {
        let query = if storage.postgres_pool().is_some() {
            "SELECT tack_touch_blob($1, $2, $3)"
        } else {
            "UPDATE blobs SET last_referenced_ms = $3 WHERE board_id = $1 AND sha256 = $2"
        };
        sqlx::query(query)
            .bind(key.board)
            .bind(key.sha256)
            .bind(now)
            .execute(pool)
            .await
            .map_err(failed("marking a blob referenced"))?;
    });
    Ok(())
}

/// Deletes a blob's record if it was not referenced since `before_ms`; true when it did.
async fn forget(storage: &Storage, key: BlobKey<'_>, before_ms: i64) -> Result<bool, StorageError> {
    let forgotten = on_pool!(storage, writer, |pool| {
        if storage.postgres_pool().is_some() {
            sqlx::query_scalar("SELECT tack_collect_blob($1, $2, $3)")
                .bind(key.board)
                .bind(key.sha256)
                .bind(before_ms)
                .fetch_one(pool)
                .await
                .map_err(failed("collecting a blob"))?
        } else {
            sqlx::query(
                "DELETE FROM blobs WHERE board_id = $1 AND sha256 = $2 \
                 AND last_referenced_ms < $3",
            )
            .bind(key.board)
            .bind(key.sha256)
            .bind(before_ms)
            .execute(pool)
            .await
            .map_err(failed("collecting a blob"))?
            .rows_affected()
                > 0
        }
    });
    Ok(forgotten)
}

/// Collects unreferenced blobs every `collect_every` until `shutdown` resolves.
pub async fn collect_periodically(
    storage: Storage,
    blobs: Arc<Blobs>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let every = blobs.config.collect_every;
    let run = async {
        loop {
            tokio::time::sleep(every).await;
            match collect(&storage, &blobs).await {
                Ok(0) => {}
                Ok(blobs) => tracing::info!(blobs, "collected unreferenced attachments"),
                Err(error) => tracing::warn!(%error, "collecting attachments failed"),
            }
        }
    };
    tokio::select! {
        () = run => {}
        () = shutdown => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(parse_range("bytes=0-9", 100), RangeRequest::Bytes(0..10));
        assert_eq!(parse_range("bytes=90-", 100), RangeRequest::Bytes(90..100));
        assert_eq!(parse_range("bytes=-10", 100), RangeRequest::Bytes(90..100));
        assert_eq!(parse_range("bytes=-1000", 100), RangeRequest::Bytes(0..100));
        assert_eq!(
            parse_range("bytes=50-1000", 100),
            RangeRequest::Bytes(50..100)
        );
        assert_eq!(parse_range("bytes=100-", 100), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), RangeRequest::Ignored);
        assert_eq!(parse_range("items=0-1", 100), RangeRequest::Ignored);
        assert_eq!(parse_range("bytes=9-1", 100), RangeRequest::Ignored);
        assert_eq!(parse_range("bytes=+1-2", 100), RangeRequest::Ignored);
        assert_eq!(
            parse_range("bytes=99999999999999999999999-", 100),
            RangeRequest::Ignored
        );
    }

    #[test]
    fn a_resumed_upload_names_the_rest_of_the_file() {
        assert_eq!(parse_content_range("bytes 10-99/100"), Some((10, 100)));
        assert_eq!(parse_content_range("bytes 0-0/1"), Some((0, 1)));
        assert_eq!(parse_content_range("bytes 10-98/100"), None);
        assert_eq!(parse_content_range("bytes 10-*/100"), None);
        assert_eq!(parse_content_range("bytes */100"), None);
        assert_eq!(parse_content_range("bytes 1-0/1"), None);
    }
}
