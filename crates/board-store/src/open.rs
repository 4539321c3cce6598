//! Opening a store file: telling Tack's files from foreign or damaged ones, then migrating.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

use crate::StoreError;

/// `PRAGMA application_id` of every Tack store: "TACK" in ASCII.
pub const APPLICATION_ID: i32 = 0x5441_434B;

/// Embedded migrations; entry `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_people.sql"),
    include_str!("migrations/0003_history.sql"),
    include_str!("migrations/0004_templates.sql"),
    include_str!("migrations/0005_task_index.sql"),
    include_str!("migrations/0006_reminders.sql"),
    include_str!("migrations/0007_blob_uploads.sql"),
    include_str!("migrations/0008_blob_copies.sql"),
    include_str!("migrations/0009_read_mark_sync.sql"),
    include_str!("migrations/0010_shown_view.sql"),
];

/// The `PRAGMA user_version` this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a writer waits for another process (desktop app vs. `tackctl`) to release the lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
const SQLITE_HEADER_LEN: usize = 100;

/// Opens (creating if needed) the Tack store at `path` and brings its schema up to date.
pub(crate) fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let header = read_header(path)?;
    if header.is_some() {
        identify_existing(path)?;
    } else if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }

    let conn = Connection::open(path).map_err(|e| classify(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if header.as_ref().is_some_and(|h| h.looks_truncated) {
        // SQLite itself refuses a file shorter than its header's page count (truncation) as
        // "malformed". `quick_check` reads every page (~linear in file size, see
        // BENCHMARKS.md), so it only runs when this cheap header check finds something off.
        quick_check(&conn, path)?;
    }
    let journal_mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(|e| classify(path, e))?;
    if !journal_mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Damaged {
            path: path.to_path_buf(),
            detail: format!("could not switch to WAL journal mode (got {journal_mode:?})"),
        });
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Search reads the task index's pages (FTS5 doclists, the sizes bm25 needs, the rows) on
    // every keystroke: with SQLite's default 2 MB page cache a 10,000-task index (~7 MB) was
    // read back through `pread` on each query (a quarter of its time, BENCHMARKS.md). Up to
    // 64 MiB, taken only as pages are read.
    conn.pragma_update(None, "cache_size", -65_536)?;
    // And the file's pages read through a memory map (up to 256 MiB), not a `pread` each:
    // at 100,000 tasks the index outgrows that cache.
    conn.pragma_update(None, "mmap_size", 268_435_456)?;
    migrate(conn, path)
}

/// Runs `PRAGMA quick_check` and turns anything but "ok" into [`StoreError::Damaged`].
pub(crate) fn quick_check(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let damaged = |detail: String| StoreError::Damaged {
        path: path.to_path_buf(),
        detail,
    };
    let mut statement = conn
        .prepare("PRAGMA quick_check(5)")
        .map_err(|e| classify(path, e))?;
    let problems = statement
        .query_map([], |row| row.get::<_, String>(0))
        .and_then(|rows| rows.collect::<Result<Vec<String>, _>>())
        .map_err(|e| damaged(e.to_string()))?;
    if problems.len() == 1 && problems[0] == "ok" {
        Ok(())
    } else {
        Err(damaged(format!(
            "integrity check failed: {}",
            problems.join("; ")
        )))
    }
}

struct Header {
    looks_truncated: bool,
}

/// Reads the SQLite header of an existing, non-empty file; `None` when there is nothing yet.
fn read_header(path: &Path) -> Result<Option<Header>, StoreError> {
    let io_error = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(e)),
    };
    let file_len = file.metadata().map_err(io_error)?.len();
    if file_len == 0 {
        return Ok(None);
    }
    let mut header = Vec::with_capacity(SQLITE_HEADER_LEN);
    (&mut file)
        .take(SQLITE_HEADER_LEN as u64)
        .read_to_end(&mut header)
        .map_err(io_error)?;
    if !header.starts_with(SQLITE_MAGIC) {
        return Err(StoreError::NotATackStore {
            path: path.to_path_buf(),
            reason: "it is not a SQLite database".into(),
        });
    }
    if header.len() < SQLITE_HEADER_LEN {
        return Err(StoreError::Damaged {
            path: path.to_path_buf(),
            detail: format!("the file is only {file_len} bytes long, shorter than a SQLite header"),
        });
    }
    let be_u32 = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    // Page size 1 encodes 65536.
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let change_counter = be_u32(24);
    let pages_in_header = u64::from(be_u32(28));
    let size_valid_for = be_u32(92);
    // The in-header page count is only meaningful when written by SQLite >= 3.7.0 alongside
    // the same change counter; otherwise SQLite itself derives the size from the file length.
    let header_size_valid = pages_in_header > 0 && size_valid_for == change_counter;
    let looks_truncated = page_size < 512
        || file_len % page_size != 0
        || (header_size_valid && file_len < pages_in_header * page_size);
    Ok(Some(Header { looks_truncated }))
}

/// Decides, without writing a byte, whether an existing SQLite file is a Tack store we may open.
fn identify_existing(path: &Path) -> Result<(), StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| classify(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let application_id: i32 = conn
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(|e| classify(path, e))?;
    let user_version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| classify(path, e))?;
    let schema_objects: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            [],
            |row| row.get(0),
        )
        .map_err(|e| classify(path, e))?;
    check_identity(path, application_id, user_version, schema_objects)
}

fn check_identity(
    path: &Path,
    application_id: i32,
    user_version: i64,
    schema_objects: i64,
) -> Result<(), StoreError> {
    let not_tack = |reason: String| StoreError::NotATackStore {
        path: path.to_path_buf(),
        reason,
    };
    match application_id {
        APPLICATION_ID if user_version > SCHEMA_VERSION => Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: user_version,
            supported: SCHEMA_VERSION,
        }),
        APPLICATION_ID => Ok(()),
        // A blank database (e.g. just created by another Tack process that has not yet
        // committed its first migration, or by `sqlite3 file ''`) is ours to initialise.
        0 if user_version == 0 && schema_objects == 0 => Ok(()),
        0 => Err(not_tack("it is a SQLite database with other tables".into())),
        other => Err(not_tack(format!(
            "it is a SQLite database of another application (application_id {other:#010x})"
        ))),
    }
}

/// Applies every pending migration in one `BEGIN IMMEDIATE` transaction, re-checking the
/// version under the write lock because another process may be opening the same file.
fn migrate(mut conn: Connection, path: &Path) -> Result<Connection, StoreError> {
    migrate_in_place(&mut conn, path)?;
    Ok(conn)
}

fn migrate_in_place(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| classify(path, e))?;
    let application_id: i32 = tx.pragma_query_value(None, "application_id", |row| row.get(0))?;
    let user_version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let schema_objects: i64 = tx.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        [],
        |row| row.get(0),
    )?;
    check_identity(path, application_id, user_version, schema_objects)?;
    let start = usize::try_from(user_version).unwrap_or(0);
    if start < MIGRATIONS.len() {
        for migration in &MIGRATIONS[start..] {
            tx.execute_batch(migration)?;
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
    }
    Ok(())
}

/// Maps SQLite's "not a database" / "corrupt" codes to errors that name the file.
pub(crate) fn classify(path: &Path, error: rusqlite::Error) -> StoreError {
    let path: PathBuf = path.to_path_buf();
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => StoreError::NotATackStore {
            path,
            reason: "file is not a database".into(),
        },
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Damaged {
            path,
            detail: error.to_string(),
        },
        _ => StoreError::Sqlite(error),
    }
}
