//! Backup and restore of a whole store file: a consistent copy taken while others write, and
//! putting such a copy back in place of a profile's store, keeping the replaced one.
//!
//! A backup is a complete Tack store file (rollback-journal mode, so one self-contained file);
//! restore accepts any Tack store this build can open, migrating an older schema on the way in.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::open::{self, classify, APPLICATION_ID};
use crate::{Store, StoreError, DB_FILE_NAME};

/// What to do when the file a backup or restore would write already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Leave it alone and fail with [`StoreError::WouldOverwrite`].
    Refuse,
    /// Replace it (a restore keeps the replaced store as `…before-restore-<time>`).
    Replace,
}

/// What [`Store::backup_to`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub boards: u64,
    pub bytes: u64,
}

/// What [`restore_from`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// The profile's store, now holding the backup's contents.
    pub path: PathBuf,
    pub boards: u64,
    pub bytes: u64,
    /// Where the replaced store was kept (`None` when there was none).
    pub previous: Option<PathBuf>,
}

/// Files SQLite keeps beside a database: a store is moved with all of them or not at all.
const COMPANION_SUFFIXES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// How often, and how far apart, a backup retries a store that is momentarily busy (about the
/// busy timeout every store connection has).
const BACKUP_ATTEMPTS: u32 = 100;
const BACKUP_RETRY_PAUSE: Duration = Duration::from_millis(50);

impl Store {
    /// Writes a consistent copy of the whole store to `target` while other connections (the
    /// desktop app, another `tackctl`) keep writing: SQLite's online backup API in one step,
    /// i.e. one read transaction, so the copy holds exactly what was committed when it began.
    ///
    /// The copy goes to a temporary file beside `target`, is checked, synced and only then
    /// renamed into place: a failed backup never leaves a partial file under `target`.
    pub fn backup_to(&self, target: &Path, existing: Existing) -> Result<BackupReport, StoreError> {
        refuse_existing(target, existing)?;
        if same_file(target, &self.path) {
            return Err(StoreError::WouldOverwrite {
                path: target.to_path_buf(),
            });
        }
        let partial = sibling(target, &format!(".partial-{}", unique_suffix()));
        let outcome = self.write_backup(&partial).and_then(|boards| {
            refuse_existing(target, existing)?;
            std::fs::rename(&partial, target).map_err(|source| io_error(target, source))?;
            sync_parent(target)?;
            let bytes = file_len(target)?;
            Ok(BackupReport {
                path: target.to_path_buf(),
                boards,
                bytes,
            })
        });
        if outcome.is_err() {
            remove_with_companions(&partial);
        }
        outcome
    }

    /// Copies every page into `partial` and returns the number of boards in the copy.
    fn write_backup(&self, partial: &Path) -> Result<u64, StoreError> {
        // `create_new`: never write into a file that someone else owns.
        File::options()
            .write(true)
            .create_new(true)
            .open(partial)
            .map_err(|source| io_error(partial, source))?;
        let mut copy = Connection::open(partial).map_err(|e| classify(partial, e))?;
        {
            let backup = Backup::new(&self.conn, &mut copy)?;
            // All pages in one step: one read transaction on the source, so a concurrent
            // writer can neither tear the copy nor make an incremental backup restart forever.
            // Busy/Locked are transient (another connection recovering the WAL): retried for
            // a bounded time.
            let mut attempts = 0;
            loop {
                match backup.step(-1)? {
                    StepResult::Done => break,
                    StepResult::Busy | StepResult::Locked if attempts < BACKUP_ATTEMPTS => {
                        attempts += 1;
                        std::thread::sleep(BACKUP_RETRY_PAUSE);
                    }
                    other => {
                        return Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                            Some(format!("the backup could not read the store ({other:?})")),
                        )));
                    }
                }
            }
        }
        // One self-contained file: no -wal to forget when it is copied elsewhere.
        let mode: String = copy.query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(StoreError::Damaged {
                path: partial.to_path_buf(),
                detail: format!("could not leave WAL mode (got {mode:?})"),
            });
        }
        open::quick_check(&copy, partial)?;
        let boards: i64 = copy.query_row("SELECT count(*) FROM boards", [], |row| row.get(0))?;
        copy.close().map_err(|(_, e)| StoreError::Sqlite(e))?;
        sync_file(partial)?;
        Ok(crate::to_u64(boards))
    }
}

/// Replaces the store of the profile in `data_dir` with the backup at `backup`.
///
/// The backup is copied next to the store and checked there first (a Tack store, not newer
/// than this build, passing `quick_check`; an older schema is migrated), so a foreign, damaged
/// or truncated file is refused with the current store untouched. An existing store is
/// replaced only with [`Existing::Replace`], and only when no other process has it open (the
/// desktop app or a `tackctl sync --watch`: [`StoreError::InUse`]); it is kept, with any
/// journal files, as `tack.sqlite3.before-restore-<time>`.
pub fn restore_from(
    backup: &Path,
    data_dir: &Path,
    existing: Existing,
) -> Result<RestoreReport, StoreError> {
    let store_path = data_dir.join(DB_FILE_NAME);
    let current_exists = store_path.exists();
    if current_exists && existing == Existing::Refuse {
        return Err(StoreError::WouldOverwrite { path: store_path });
    }
    if same_file(backup, &store_path) {
        return Err(StoreError::WouldOverwrite { path: store_path });
    }
    std::fs::create_dir_all(data_dir).map_err(|source| io_error(data_dir, source))?;
    let staged = sibling(&store_path, &format!(".restoring-{}", unique_suffix()));
    let outcome = stage(backup, &staged).and_then(|boards| {
        let previous = if current_exists {
            Some(set_aside(&store_path)?)
        } else {
            // A missing store can still have stale journal files beside it: they must not
            // meet the restored file.
            set_aside_companions(&store_path)?;
            None
        };
        std::fs::rename(&staged, &store_path).map_err(|source| io_error(&store_path, source))?;
        sync_parent(&store_path)?;
        Ok(RestoreReport {
            bytes: file_len(&store_path)?,
            path: store_path.clone(),
            boards,
            previous,
        })
    });
    if outcome.is_err() {
        remove_with_companions(&staged);
    }
    outcome
}

/// Copies `backup` to `staged` and makes sure it is a whole Tack store this build can use;
/// returns its number of boards. `backup` itself is only read.
fn stage(backup: &Path, staged: &Path) -> Result<u64, StoreError> {
    let mut source = File::open(backup).map_err(|source| io_error(backup, source))?;
    let mut copy = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(staged)
        .map_err(|source| io_error(staged, source))?;
    std::io::copy(&mut source, &mut copy).map_err(|source| io_error(staged, source))?;
    drop(copy);
    // `Store::open` would happily initialise an empty file or a blank database: a backup must
    // already be a Tack store.
    let named = |error: StoreError| rename_error(error, staged, backup);
    let application_id = read_application_id(staged).map_err(named)?;
    if application_id != APPLICATION_ID {
        return Err(StoreError::NotATackStore {
            path: backup.to_path_buf(),
            reason: if application_id == 0 {
                "it is not a Tack store".into()
            } else {
                format!("it is a SQLite database of another application (application_id {application_id:#010x})")
            },
        });
    }
    let store = Store::open(staged).map_err(named)?;
    store.check_integrity().map_err(named)?;
    let boards = crate::to_u64(
        store
            .conn
            .query_row("SELECT count(*) FROM boards", [], |row| row.get(0))?,
    );
    store.conn.close().map_err(|(_, e)| StoreError::Sqlite(e))?;
    sync_file(staged)?;
    Ok(boards)
}

/// `PRAGMA application_id` of a file that must be a non-empty SQLite database.
fn read_application_id(path: &Path) -> Result<i32, StoreError> {
    if file_len(path)? == 0 {
        return Err(StoreError::NotATackStore {
            path: path.to_path_buf(),
            reason: "the file is empty".into(),
        });
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| classify(path, e))?;
    conn.pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(|e| classify(path, e))
}

/// Moves the profile's store (with its journal files) to `…before-restore-<time>`, after
/// making sure nobody else has it open and folding its WAL into the main file.
fn set_aside(store_path: &Path) -> Result<PathBuf, StoreError> {
    let guard = lock_exclusively(store_path)?;
    let kept = kept_name(store_path);
    std::fs::rename(store_path, &kept).map_err(|source| io_error(store_path, source))?;
    for suffix in COMPANION_SUFFIXES {
        let companion = with_suffix(store_path, suffix);
        if companion.exists() {
            std::fs::rename(&companion, with_suffix(&kept, suffix))
                .map_err(|source| io_error(&companion, source))?;
        }
    }
    drop(guard);
    Ok(kept)
}

/// Moves journal files of a store that no longer exists out of the way.
fn set_aside_companions(store_path: &Path) -> Result<(), StoreError> {
    let present: Vec<PathBuf> = COMPANION_SUFFIXES
        .iter()
        .map(|suffix| with_suffix(store_path, suffix))
        .filter(|path| path.exists())
        .collect();
    if present.is_empty() {
        return Ok(());
    }
    let kept = kept_name(store_path);
    for (companion, suffix) in present.iter().zip(COMPANION_SUFFIXES) {
        std::fs::rename(companion, with_suffix(&kept, suffix))
            .map_err(|source| io_error(companion, source))?;
    }
    Ok(())
}

/// An open connection holding the only lock on the store, or [`StoreError::InUse`].
///
/// Leaving WAL mode needs every other connection closed, even idle ones (an open WAL
/// connection keeps a shared lock), so `journal_mode = DELETE` doubles as the "is the app
/// running?" test, and it checkpoints the WAL into the file that is kept.
fn lock_exclusively(store_path: &Path) -> Result<Option<Connection>, StoreError> {
    let conn = match Connection::open(store_path) {
        Ok(conn) => conn,
        Err(e) if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) => return Ok(None),
        Err(e) => return Err(classify(store_path, e)),
    };
    conn.busy_timeout(Duration::ZERO)?;
    let in_use = |error: rusqlite::Error| match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::InUse {
            path: store_path.to_path_buf(),
        },
        // Not a database at all: nothing to lock, the garbage is simply kept aside.
        _ => classify(store_path, error),
    };
    let mode = match conn.query_row("PRAGMA journal_mode = DELETE", [], |row| {
        row.get::<_, String>(0)
    }) {
        Ok(mode) => mode,
        Err(e) if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) => return Ok(None),
        Err(e) => return Err(in_use(e)),
    };
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(StoreError::InUse {
            path: store_path.to_path_buf(),
        });
    }
    // Keep others out until the file has been moved (released when the connection drops).
    conn.execute_batch("BEGIN EXCLUSIVE").map_err(in_use)?;
    Ok(Some(conn))
}

fn refuse_existing(target: &Path, existing: Existing) -> Result<(), StoreError> {
    if existing == Existing::Refuse && target.exists() {
        return Err(StoreError::WouldOverwrite {
            path: target.to_path_buf(),
        });
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `path` with `suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name: OsString = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A hidden name beside `path` (same directory, so a rename is atomic).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(".");
    name.push(path.file_name().unwrap_or_else(|| "tack".as_ref()));
    name.push(suffix);
    path.with_file_name(name)
}

/// `tack.sqlite3.before-restore-<UTC time>`, with a counter if that name is taken.
fn kept_name(store_path: &Path) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let base = with_suffix(store_path, &format!(".before-restore-{stamp}"));
    let taken = |path: &Path| {
        path.exists()
            || COMPANION_SUFFIXES
                .iter()
                .any(|suffix| with_suffix(path, suffix).exists())
    };
    let mut candidate = base.clone();
    let mut n = 1u32;
    while taken(&candidate) {
        n += 1;
        candidate = with_suffix(&base, &format!("-{n}"));
    }
    candidate
}

fn unique_suffix() -> String {
    format!("{}-{}", std::process::id(), crate::now_ms())
}

fn remove_with_companions(path: &Path) {
    // Best effort: the temporary file is ours and never under a name anyone reads.
    let _ = std::fs::remove_file(path);
    for suffix in COMPANION_SUFFIXES {
        let _ = std::fs::remove_file(with_suffix(path, suffix));
    }
}

/// Errors about the staged copy are reported against the file the user named.
fn rename_error(error: StoreError, staged: &Path, backup: &Path) -> StoreError {
    let renamed = |path: PathBuf| {
        if path == staged {
            backup.to_path_buf()
        } else {
            path
        }
    };
    match error {
        StoreError::NotATackStore { path, reason } => StoreError::NotATackStore {
            path: renamed(path),
            reason,
        },
        StoreError::NewerSchema {
            path,
            found,
            supported,
        } => StoreError::NewerSchema {
            path: renamed(path),
            found,
            supported,
        },
        StoreError::Damaged { path, detail } => StoreError::Damaged {
            path: renamed(path),
            detail,
        },
        other => other,
    }
}

fn file_len(path: &Path) -> Result<u64, StoreError> {
    std::fs::metadata(path)
        .map(|meta| meta.len())
        .map_err(|source| io_error(path, source))
}

fn sync_file(path: &Path) -> Result<(), StoreError> {
    File::open(path)
        .and_then(|file| file.sync_all())
        .map_err(|source| io_error(path, source))
}

/// Makes a rename durable (the directory entry); a no-op where directories cannot be opened.
fn sync_parent(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    if let Some(parent) = path.parent() {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        File::open(parent)
            .and_then(|dir| dir.sync_all())
            .map_err(|source| io_error(parent, source))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn io_error(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}
