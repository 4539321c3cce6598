//! Opening anything that is not a healthy Tack store fails clearly and never resets the file.

use std::path::Path;

use board_store::{Store, StoreError, UpdateOrigin, SCHEMA_VERSION};

use crate::support::{record, Editor};

fn assert_names_path(error: &StoreError, path: &Path) {
    let message = error.to_string();
    assert!(
        message.contains(&path.display().to_string()),
        "message should name {}: {message}",
        path.display()
    );
    assert!(!message.contains('\n'), "one line: {message}");
}

#[test]
fn foreign_sqlite_database_is_rejected_and_left_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notes.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).expect("create foreign db");
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
            .expect("foreign schema");
    }
    let before = std::fs::read(&path).expect("read");

    let error = Store::open(&path).expect_err("foreign db must be rejected");
    assert!(
        matches!(error, StoreError::NotATackStore { .. }),
        "{error:?}"
    );
    assert_names_path(&error, &path);
    assert!(
        error.to_string().contains("not a Tack data file"),
        "{error}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "foreign file modified"
    );

    // Another application's id, even with an empty schema, is not ours either.
    let other = dir.path().join("other.sqlite3");
    {
        let conn = rusqlite::Connection::open(&other).expect("create");
        conn.pragma_update(None, "application_id", 0x1234)
            .expect("app id");
    }
    let error = Store::open(&other).expect_err("other application_id");
    assert!(
        matches!(error, StoreError::NotATackStore { .. }),
        "{error:?}"
    );
}

#[test]
fn plain_text_file_is_rejected_and_left_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("readme.txt");
    let text = "this is not a database\n".repeat(500);
    std::fs::write(&path, &text).expect("write");

    let error = Store::open(&path).expect_err("text file must be rejected");
    assert!(
        matches!(error, StoreError::NotATackStore { .. }),
        "{error:?}"
    );
    assert_names_path(&error, &path);
    assert_eq!(std::fs::read_to_string(&path).expect("read"), text);
}

#[test]
fn truncated_store_is_reported_damaged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("tack.sqlite3");
    {
        let mut store = Store::open(&path).expect("open");
        let mut editor = Editor::new(1);
        store
            .create_board(&record("b", "Board", 1), &editor.set("title", "Board"))
            .expect("create");
        let filler = "x".repeat(1000);
        for i in 0..400 {
            store
                .append_update(
                    "b",
                    UpdateOrigin::Local,
                    &editor.set(&format!("k{i}"), &filler),
                )
                .expect("append");
        }
    }
    // Closing the last connection checkpoints the WAL into the main file and deletes it.
    let wal = path.with_extension("sqlite3-wal");
    if wal.exists() {
        std::fs::remove_file(&wal).expect("remove wal");
    }
    let len = std::fs::metadata(&path).expect("metadata").len();
    assert!(len > 200 * 1024, "store spans many pages ({len} bytes)");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open for truncation");
    file.set_len(len / 2).expect("truncate");
    drop(file);

    let error = Store::open(&path).expect_err("truncated store must be rejected");
    assert!(matches!(error, StoreError::Damaged { .. }), "{error:?}");
    assert_names_path(&error, &path);
    assert_eq!(
        std::fs::metadata(&path).expect("metadata").len(),
        len / 2,
        "never reset"
    );

    // A file shorter than the SQLite header is damaged too.
    let stub = dir.path().join("stub.sqlite3");
    std::fs::write(&stub, b"SQLite format 3\0\x10\x00").expect("write stub");
    let error = Store::open(&stub).expect_err("stub must be rejected");
    assert!(matches!(error, StoreError::Damaged { .. }), "{error:?}");
    assert_names_path(&error, &stub);
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("tack.sqlite3");
    drop(Store::open(&path).expect("create"));
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 98)
            .expect("bump version");
    }
    let error = Store::open(&path).expect_err("newer schema must be refused");
    match &error {
        StoreError::NewerSchema {
            found, supported, ..
        } => {
            assert_eq!((*found, *supported), (SCHEMA_VERSION + 98, SCHEMA_VERSION));
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    assert_names_path(&error, &path);
}

#[test]
fn empty_file_and_missing_directories_are_initialised() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty.sqlite3");
    std::fs::write(&empty, b"").expect("write");
    let store = Store::open(&empty).expect("empty file is initialised");
    assert!(store.list_boards().expect("list").is_empty());
    store.check_integrity().expect("healthy");

    let nested = dir.path().join("a").join("b");
    let store = Store::open_in_dir(&nested).expect("creates parent directories");
    assert_eq!(store.path(), nested.join(board_store::DB_FILE_NAME));
    drop(store);
    // Reopening an up-to-date store runs no migration and succeeds.
    Store::open_in_dir(&nested).expect("reopen");
}

/// A board the relay serves me read-only refuses local saves before anything is written: the
/// log and the outbox stay as they were, with an error that says why.
#[test]
fn a_read_only_board_refuses_a_local_save_and_stores_nothing() {
    use board_model::{Place, ReplicaConfig, Sources};
    use board_store::{replica, LocalAccess};

    let (_dir, _path, mut store) = crate::support::temp_store();
    let config = ReplicaConfig {
        user: "me".into(),
        sources: Sources::seeded(1, 1_700_000_000_000),
    };
    let mut board =
        replica::create_board(&mut store, "b1", "Shared", config.clone()).expect("create");
    store
        .set_board_server("b1", Some("http://127.0.0.1:8787"), Some("viewer"))
        .expect("record the role");
    let outbox_before = store.outbox("b1").expect("outbox").len();

    board
        .add_column("Refused", None, Place::Bottom)
        .expect("the model itself allows it");
    let error = replica::save_local_changes(&mut store, &mut board).expect_err("read-only");
    assert!(
        matches!(
            error,
            StoreError::ReadOnly {
                access: LocalAccess::Viewer,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("read-only"), "{error}");
    assert_eq!(store.outbox("b1").expect("outbox").len(), outbox_before);
    let reopened = replica::open_board(&store, "b1", config).expect("reopen");
    assert!(reopened.view().columns.is_empty(), "nothing was stored");

    // An unknown role from a newer Tack counts as no access, never as more.
    store
        .set_board_server("b1", Some("http://127.0.0.1:8787"), Some("auditor"))
        .expect("record the role");
    assert!(matches!(
        replica::ensure_writable(&store, "b1"),
        Err(StoreError::ReadOnly {
            access: LocalAccess::Removed,
            ..
        })
    ));
    store
        .set_board_server("b1", Some("http://127.0.0.1:8787"), Some("editor"))
        .expect("record the role");
    assert!(replica::ensure_writable(&store, "b1").is_ok());
}
