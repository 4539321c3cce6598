//! Attachments' bytes in the local profile (DESIGN §2 "Blobs"): content-addressed files under
//! `blobs/` beside the store file (`blobs/<first two hex digits>/<sha256>`), each written to a
//! temporary name while hashed, synced, renamed into place and its directory synced — before
//! the metadata naming it is committed — and the `blob_uploads` outbox of those the relay does
//! not hold yet. Reading and writing go a bounded buffer at a time, whatever the file's size.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::params;
use sha2::{Digest, Sha256};

use crate::{now_ms, Store, StoreError};

const BUFFER_BYTES: usize = 1 << 20;

/// Tells apart the temporary files of transfers running at once in one process.
static INCOMING: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A file taken into the blob store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    pub size: u64,
    pub path: PathBuf,
}

/// One attachment waiting to be uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    pub board_id: String,
    pub sha256: String,
    pub size: u64,
    /// For an attachment copied or moved here from another board: that board, whose relay
    /// serves the bytes if this computer does not hold them.
    pub from_board: Option<String>,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The profile's blob directory for a store file at `store_path`.
pub fn blob_dir(store_path: &Path) -> PathBuf {
    store_path
        .parent()
        .map_or_else(|| PathBuf::from("blobs"), |dir| dir.join("blobs"))
}

/// Where the bytes of `sha256` live (whether or not they are there).
pub fn blob_path(store_path: &Path, sha256: &str) -> PathBuf {
    let shard = sha256.get(..2).unwrap_or("00");
    blob_dir(store_path).join(shard).join(sha256)
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(dir))
}

/// Copies everything `source` yields into the blob store, hashing on the way; durable when it
/// returns. `expected`: the SHA-256 it must have (a download), else whatever it is (a file
/// being attached).
fn take_in(
    store_path: &Path,
    mut source: impl Read,
    expected: Option<&str>,
) -> Result<StoredBlob, StoreError> {
    let dir = blob_dir(store_path);
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    let temporary = dir.join(format!(
        ".incoming-{}-{}-{}",
        std::process::id(),
        now_ms(),
        INCOMING.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = File::create(&temporary).map_err(io_error(&temporary))?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; BUFFER_BYTES];
        let mut size = 0u64;
        loop {
            let read = match source.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(io_error(&temporary)(error)),
            };
            hasher.update(&buffer[..read]);
            file.write_all(&buffer[..read])
                .map_err(io_error(&temporary))?;
            size += read as u64;
        }
        file.sync_all().map_err(io_error(&temporary))?;
        Ok((hex(&hasher.finalize()), size))
    })();
    let (sha256, size) = match written {
        Ok(done) => done,
        Err(error) => {
            let _ = std::fs::remove_file(&temporary);
            return Err(error);
        }
    };
    if let Some(expected) = expected {
        if expected != sha256 {
            let _ = std::fs::remove_file(&temporary);
            return Err(StoreError::BlobMismatch {
                expected: expected.to_owned(),
                found: sha256,
            });
        }
    }
    let path = blob_path(store_path, &sha256);
    let shard = path.parent().unwrap_or(&dir).to_path_buf();
    std::fs::create_dir_all(&shard).map_err(io_error(&shard))?;
    std::fs::rename(&temporary, &path).map_err(io_error(&path))?;
    sync_dir(&shard)?;
    Ok(StoredBlob { sha256, size, path })
}

/// A profile's blob store on its own, without the store's database: what uploads and
/// downloads use, so a long transfer never holds the store (and whoever waits for it).
#[derive(Debug, Clone)]
pub struct Blobs {
    store_path: PathBuf,
}

impl Blobs {
    /// Takes the file at `source` into the blob store (durable when it returns).
    pub fn import(&self, source: &Path) -> Result<StoredBlob, StoreError> {
        let file = File::open(source).map_err(io_error(source))?;
        take_in(&self.store_path, file, None)
    }

    /// Takes what `source` yields (pasted bytes) into the blob store (durable when it returns).
    pub fn import_reader(&self, source: impl Read) -> Result<StoredBlob, StoreError> {
        take_in(&self.store_path, source, None)
    }

    /// Takes downloaded bytes into the blob store, refusing (and keeping nothing of) bytes
    /// whose SHA-256 is not `sha256`.
    pub fn receive(&self, sha256: &str, source: impl Read) -> Result<StoredBlob, StoreError> {
        take_in(&self.store_path, source, Some(sha256))
    }

    /// The local file of `sha256`, if this profile has its bytes.
    pub fn local(&self, sha256: &str) -> Option<PathBuf> {
        let path = blob_path(&self.store_path, sha256);
        path.is_file().then_some(path)
    }
}

/// A media type from a file name's extension (what the app shows and opens it with); anything
/// unknown is `application/octet-stream`.
pub fn guess_mime(name: &str) -> &'static str {
    match extension(name).as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "txt" | "log" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "json" => "application/json",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// A file name's extension, lower case, trailing dots and spaces ignored (as Windows does).
fn extension(name: &str) -> String {
    let name = name.trim_end_matches(['.', ' ']);
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default()
}

/// Extensions of files a system runs rather than shows: opening an attachment named so asks
/// first.
const EXECUTABLE_EXTENSIONS: &[&str] = &[
    "exe",
    "msi",
    "msp",
    "bat",
    "cmd",
    "com",
    "scr",
    "pif",
    "cpl",
    "ps1",
    "psm1",
    "vbs",
    "vbe",
    "js",
    "jse",
    "wsf",
    "wsh",
    "hta",
    "lnk",
    "reg",
    "sh",
    "bash",
    "zsh",
    "csh",
    "ksh",
    "fish",
    "command",
    "app",
    "dmg",
    "pkg",
    "mpkg",
    "deb",
    "rpm",
    "appimage",
    "flatpakref",
    "snap",
    "run",
    "bin",
    "jar",
    "py",
    "pyw",
    "pl",
    "rb",
    "desktop",
    "apk",
    "xpi",
    "crx",
];

/// Whether opening a file named `name` would run something (an `.exe`, a shell script, a
/// package, …): the app asks before it opens one.
pub fn is_executable_name(name: &str) -> bool {
    EXECUTABLE_EXTENSIONS.contains(&extension(name).as_str())
}

impl Store {
    /// This profile's blob store, usable without holding the store.
    pub fn blobs(&self) -> Blobs {
        Blobs {
            store_path: self.path.clone(),
        }
    }

    /// Takes the file at `source` into this profile's blob store (durable when it returns).
    pub fn import_blob(&self, source: &Path) -> Result<StoredBlob, StoreError> {
        self.blobs().import(source)
    }

    /// Takes downloaded bytes into the blob store, refusing (and keeping nothing of) bytes
    /// whose SHA-256 is not `sha256`.
    pub fn receive_blob(&self, sha256: &str, source: impl Read) -> Result<StoredBlob, StoreError> {
        self.blobs().receive(sha256, source)
    }

    /// The local file of `sha256`, if this profile has its bytes.
    pub fn local_blob(&self, sha256: &str) -> Option<PathBuf> {
        self.blobs().local(sha256)
    }

    /// Queues `sha256` of `board` for upload (before the metadata naming it is committed).
    pub fn queue_blob_upload(
        &mut self,
        board: &str,
        sha256: &str,
        size: u64,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO blob_uploads (board_id, sha256, size, added_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (board_id, sha256) DO NOTHING",
            )?
            .execute(params![
                board,
                sha256,
                i64::try_from(size).unwrap_or(i64::MAX),
                now_ms()
            ])?;
        Ok(())
    }

    /// Queues the attachments of `task` on `target`, copied or moved there from board `from`,
    /// for upload to `target` (each board's bytes are its own on the relay); without the bytes
    /// here, the upload fetches them from `from` first.
    pub fn queue_copied_attachments(
        &mut self,
        from: &str,
        target: &board_model::Board,
        task: &str,
    ) -> Result<(), StoreError> {
        if from == target.id() {
            return Ok(());
        }
        for attachment in target.attachments(task)? {
            self.conn
                .prepare_cached(
                    "INSERT INTO blob_uploads (board_id, sha256, size, added_at, from_board) \
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (board_id, sha256) DO NOTHING",
                )?
                .execute(params![
                    target.id(),
                    attachment.sha256,
                    i64::try_from(attachment.size).unwrap_or(i64::MAX),
                    now_ms(),
                    from
                ])?;
        }
        Ok(())
    }

    /// The attachments of `board` waiting to be uploaded, oldest first.
    pub fn pending_blob_uploads(&self, board: &str) -> Result<Vec<PendingUpload>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT board_id, sha256, size, from_board FROM blob_uploads WHERE board_id = ?1 \
             ORDER BY added_at, sha256",
        )?;
        let rows = statement.query_map([board], |row| {
            Ok(PendingUpload {
                board_id: row.get(0)?,
                sha256: row.get(1)?,
                size: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
                from_board: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The relay holds `sha256` of `board`: it leaves the outbox.
    pub fn blob_uploaded(&mut self, board: &str, sha256: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM blob_uploads WHERE board_id = ?1 AND sha256 = ?2")?
            .execute(params![board, sha256])?;
        Ok(())
    }
}
