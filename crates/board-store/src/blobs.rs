//! Attachments' bytes in the local profile (DESIGN §2 "Blobs"): content-addressed files under
//! `blobs/` beside the store file (`blobs/<first two hex digits>/<sha256>`), each written to a
//! temporary name while hashed, synced, renamed into place and its directory synced — before
//! the metadata naming it is committed — and the `blob_uploads` outbox of those the relay does
//! not hold yet. Reading and writing go a bounded buffer at a time, whatever the file's size.

use std::collections::{BTreeSet, HashSet};
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
        self.mine(take_in(&self.store_path, file, None)?)
    }

    /// Takes what `source` yields (pasted bytes) into the blob store (durable when it returns).
    pub fn import_reader(&self, source: impl Read) -> Result<StoredBlob, StoreError> {
        self.mine(take_in(&self.store_path, source, None)?)
    }

    /// Takes downloaded bytes into the blob store, refusing (and keeping nothing of) bytes
    /// whose SHA-256 is not `sha256`. They are marked as a download: the relay serves them
    /// again, so [`Blobs::evict_downloads`] may remove them.
    pub fn receive(&self, sha256: &str, source: impl Read) -> Result<StoredBlob, StoreError> {
        let stored = take_in(&self.store_path, source, Some(sha256))?;
        let marker = self.cache_marker(&stored.sha256);
        if let Some(dir) = marker.parent() {
            std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        }
        File::create(&marker).map_err(io_error(&marker))?;
        Ok(stored)
    }

    /// Bytes attached on this computer are never evicted, even if they were downloaded before.
    fn mine(&self, stored: StoredBlob) -> Result<StoredBlob, StoreError> {
        let marker = self.cache_marker(&stored.sha256);
        match std::fs::remove_file(&marker) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                Err(io_error(&marker)(error))
            }
            _ => Ok(stored),
        }
    }

    /// The blob directory.
    pub(crate) fn dir(&self) -> PathBuf {
        blob_dir(&self.store_path)
    }

    /// `cache/<sha256>` under the blob directory: present for downloaded bytes; its time is
    /// their last use.
    fn cache_marker(&self, sha256: &str) -> PathBuf {
        blob_dir(&self.store_path).join("cache").join(sha256)
    }

    /// Notes that downloaded bytes were just used (opened, saved): they are evicted last.
    pub fn touch(&self, sha256: &str) {
        self.touch_at(sha256, std::time::SystemTime::now());
    }

    fn touch_at(&self, sha256: &str, at: std::time::SystemTime) {
        let marker = self.cache_marker(sha256);
        if let Ok(file) = File::options().write(true).open(&marker) {
            let _ = file.set_modified(at);
        }
    }

    /// Removes downloaded bytes, least recently used first, until the downloads left weigh
    /// at most `limit` bytes; never those named in `keep` (waiting to be uploaded somewhere,
    /// or just fetched) and never bytes attached here. Returns the bytes freed.
    pub fn evict_downloads(&self, limit: u64, keep: &HashSet<String>) -> Result<u64, StoreError> {
        let cache = blob_dir(&self.store_path).join("cache");
        let entries = match std::fs::read_dir(&cache) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(error) => return Err(io_error(&cache)(error)),
        };
        let mut downloads = Vec::new();
        let mut total = 0u64;
        for entry in entries.flatten() {
            let sha256 = entry.file_name().to_string_lossy().into_owned();
            let used = entry
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            let path = blob_path(&self.store_path, &sha256);
            let Ok(size) = std::fs::metadata(&path).map(|m| m.len()) else {
                // Its bytes are gone already: the marker goes too.
                let _ = std::fs::remove_file(entry.path());
                continue;
            };
            total += size;
            if !keep.contains(&sha256) {
                downloads.push((used, sha256, path, size));
            }
        }
        downloads.sort();
        let mut freed = 0u64;
        for (_, sha256, path, size) in downloads {
            if total <= limit {
                break;
            }
            std::fs::remove_file(&path).map_err(io_error(&path))?;
            let _ = std::fs::remove_file(self.cache_marker(&sha256));
            total -= size;
            freed += size;
        }
        Ok(freed)
    }

    /// Makes bytes attached here reclaimable, as if downloaded long ago: nothing names them
    /// any more (their board was deleted), so eviction takes them first.
    fn release(&self, sha256: &str) -> Result<(), StoreError> {
        let marker = self.cache_marker(sha256);
        if let Some(dir) = marker.parent() {
            std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        }
        File::create(&marker).map_err(io_error(&marker))?;
        self.touch_at(sha256, std::time::UNIX_EPOCH);
        Ok(())
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

    /// Every SHA-256 the tasks of `board` name; `None` when the board cannot be read.
    pub(crate) fn named_blobs(&self, board: &str) -> Option<BTreeSet<String>> {
        let replica =
            crate::replica::open_board(self, board, board_model::ReplicaConfig::default()).ok()?;
        Some(board_model::attachment_hashes(replica.doc()))
    }

    /// After a board's deletion: of the bytes it named (`named`), those attached here that no
    /// remaining board names and no upload waits for are handed to eviction. Any board that
    /// cannot be read keeps them all (it may name them).
    pub(crate) fn release_blobs(&self, named: BTreeSet<String>) -> Result<(), StoreError> {
        let blobs = self.blobs();
        let mut unnamed: BTreeSet<String> = named
            .into_iter()
            .filter(|sha256| blobs.local(sha256).is_some() && !blobs.cache_marker(sha256).exists())
            .collect();
        if unnamed.is_empty() {
            return Ok(());
        }
        for sha256 in self.queued_blob_hashes()? {
            unnamed.remove(&sha256);
        }
        for board in self.list_boards()? {
            if unnamed.is_empty() {
                return Ok(());
            }
            let Some(elsewhere) = self.named_blobs(&board.id) else {
                return Ok(());
            };
            unnamed.retain(|sha256| !elsewhere.contains(sha256));
        }
        for sha256 in &unnamed {
            blobs.release(sha256)?;
        }
        Ok(())
    }

    /// Queues `sha256` of `board` for upload (before the metadata naming it is committed).
    pub fn queue_blob_upload(
        &mut self,
        board: &str,
        sha256: &str,
        size: u64,
    ) -> Result<(), StoreError> {
        self.queue_upload(board, sha256, size, None)
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
            self.queue_upload(target.id(), &attachment.sha256, attachment.size, Some(from))?;
        }
        Ok(())
    }

    /// One row of the outbox; a row already there for the same bytes of the board stays as it is.
    fn queue_upload(
        &mut self,
        board: &str,
        sha256: &str,
        size: u64,
        from_board: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO blob_uploads (board_id, sha256, size, added_at, from_board) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (board_id, sha256) DO NOTHING",
            )?
            .execute(params![
                board,
                sha256,
                i64::try_from(size).unwrap_or(i64::MAX),
                now_ms(),
                from_board
            ])?;
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

    /// Every SHA-256 waiting to be uploaded to some board (what download eviction keeps).
    pub fn queued_blob_hashes(&self) -> Result<HashSet<String>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT DISTINCT sha256 FROM blob_uploads")?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn eviction_removes_the_least_recently_used_downloads_and_never_what_was_attached_here() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open_in_dir(dir.path()).expect("store");
        crate::replica::create_board(&mut store, "b1", "Board", Default::default())
            .expect("a board");
        let blobs = store.blobs();
        let download = |text: &str, at: u64| {
            let sha = hex(&Sha256::digest(text.as_bytes()));
            let stored = blobs.receive(&sha, text.as_bytes()).expect("receive");
            blobs.touch_at(&sha, UNIX_EPOCH + Duration::from_secs(at));
            stored
        };
        let oldest = download(&"a".repeat(100), 1);
        let queued = download(&"b".repeat(100), 2);
        let recent = download(&"c".repeat(100), 3);
        let newest = download(&"d".repeat(100), 4);
        // Attached here after it was downloaded: mine from then on.
        let attached = blobs
            .import_reader("d".repeat(100).as_bytes())
            .expect("attach");
        assert_eq!(attached.sha256, newest.sha256);
        let own = blobs.import_reader(&[7u8; 500][..]).expect("attach");
        store
            .queue_blob_upload("b1", &queued.sha256, queued.size)
            .expect("queue");
        let keep = store.queued_blob_hashes().expect("queued");
        assert_eq!(keep, HashSet::from([queued.sha256.clone()]));

        // Downloads weigh 300 bytes (the attached one no longer counts); at most 150 stay.
        let freed = blobs.evict_downloads(150, &keep).expect("evict");
        assert_eq!(freed, 200);
        assert!(blobs.local(&oldest.sha256).is_none(), "least recently used");
        assert!(blobs.local(&recent.sha256).is_none(), "next");
        assert!(
            blobs.local(&queued.sha256).is_some(),
            "waits to be uploaded"
        );
        assert!(blobs.local(&newest.sha256).is_some(), "attached here");
        assert!(blobs.local(&own.sha256).is_some(), "attached here");
        assert_eq!(blobs.evict_downloads(150, &keep).expect("again"), 0);
    }

    /// Attaches `bytes` to a new task of `board` (bytes taken in, metadata saved).
    fn attach(store: &mut Store, board: &str, bytes: &[u8]) -> StoredBlob {
        let stored = store.blobs().import_reader(bytes).expect("attach");
        let mut replica =
            crate::replica::open_board(store, board, Default::default()).expect("open the board");
        let column = replica
            .add_column("To do", None, board_model::Place::Bottom)
            .expect("a column");
        let task = replica
            .add_task(
                &column,
                "Task",
                board_model::Place::Bottom,
                Default::default(),
            )
            .expect("a task");
        replica
            .add_attachment(
                &task,
                board_model::NewAttachment {
                    author: "me",
                    name: "file.bin",
                    mime: "application/octet-stream",
                    size: stored.size,
                    sha256: &stored.sha256,
                },
            )
            .expect("an attachment");
        crate::replica::save_local_changes(store, &mut replica).expect("save");
        stored
    }

    #[test]
    fn deleting_a_board_lets_eviction_reclaim_the_bytes_only_it_named() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open_in_dir(dir.path()).expect("store");
        for id in ["gone", "kept"] {
            crate::replica::create_board(&mut store, id, "Board", Default::default())
                .expect("a board");
        }
        let only_there = attach(&mut store, "gone", &[1u8; 300]);
        let shared = attach(&mut store, "gone", &[2u8; 200]);
        assert_eq!(attach(&mut store, "kept", &[2u8; 200]), shared);
        let waiting = attach(&mut store, "gone", &[3u8; 100]);
        // Also waiting to be uploaded to another board (a copy): still needed.
        store
            .queue_blob_upload("kept", &waiting.sha256, waiting.size)
            .expect("queue");
        let blobs = store.blobs();
        // Attached here: never evicted while their board lives.
        assert_eq!(blobs.evict_downloads(0, &HashSet::new()).expect("evict"), 0);

        store.delete_board("gone").expect("delete");
        let keep = store.queued_blob_hashes().expect("queued");
        let freed = blobs.evict_downloads(0, &keep).expect("evict");
        assert_eq!(freed, 300, "only the bytes nothing else names");
        assert!(blobs.local(&only_there.sha256).is_none());
        assert!(
            blobs.local(&shared.sha256).is_some(),
            "another board names it"
        );
        assert!(
            blobs.local(&waiting.sha256).is_some(),
            "an upload waits for it"
        );
    }
}
