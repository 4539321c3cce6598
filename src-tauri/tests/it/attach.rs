//! Files on a task in the app (DESIGN §1 `attachments`, §2 "Blobs"): attaching takes the bytes
//! into the profile's blob store durably and queues their upload before the metadata, as one
//! undoable edit the card counts; opening asks first for anything that would run; a viewer is
//! refused before a byte is copied. Then through a real relay storing blobs in a directory: the
//! background uploader sends a file attached before the board was shared, a teammate downloads
//! it on demand, a file not uploaded yet is "uploading from ana's computer", and a viewer's
//! queued upload is refused once, reported and not tried again.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use board_model::{ReplicaConfig, Sources};
use board_store::{LocalAccess, Store};
use sync_server::accounts::AccountVerifier;
use sync_server::blobs::{BlobBackend, BlobConfig};
use sync_server::config::ServerConfig;
use sync_server::server::RelayServer;
use sync_server::storage::Storage;
use tack::ipc::{AttachmentState, BoardOp, ErrorKind, OpenedAttachment, Patch, Place, Role};
use tack::session::{OpenStep, Session, MAX_PASTED_BYTES};
use test_support::postgres::TestDatabase;

use crate::collab::{Desk, WAIT};

fn session(dir: &Path) -> Session {
    let config = ReplicaConfig {
        user: "ana".into(),
        sources: Sources::seeded(7, 1_700_000_000_000),
    };
    Session::open(dir, config).expect("open the store")
}

/// A board with a column and one task: (board, task).
fn board_with_task(s: &mut Session) -> (String, String) {
    let board = s.create_board("Launch").expect("board").id;
    let column = s
        .apply(
            &board,
            BoardOp::AddColumn {
                title: "To do".into(),
                wip: None,
                place: Place::Bottom,
            },
        )
        .expect("column")
        .0
        .created_id
        .expect("column id");
    let task = s
        .apply(
            &board,
            BoardOp::AddTask {
                column_id: column,
                title: "Print the posters".into(),
                place: Place::Bottom,
                description: None,
            },
        )
        .expect("task")
        .0
        .created_id
        .expect("task id");
    (board, task)
}

fn bytes_of(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Writes `bytes` as a file named `name` in `dir`.
fn file(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write a file to attach");
    path
}

fn attachment_count(patches: &[Patch], task: &str) -> Option<u32> {
    patches.iter().find_map(|p| match p {
        Patch::TaskUpserted { task: t, .. } if t.id == task => Some(t.attachment_count),
        _ => None,
    })
}

#[test]
fn an_attached_file_is_stored_durably_queued_for_upload_and_counted_on_the_card() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outside = tempfile::tempdir().expect("temp dir");
    let mut s = session(dir.path());
    let (board, task) = board_with_task(&mut s);
    let bytes = bytes_of(300_000);
    let path = file(outside.path(), "poster draft.pdf", &bytes);

    let (entry, event) = s.attach_file(&board, &task, &path, None).expect("attach");
    assert_eq!(entry.name, "poster draft.pdf");
    assert_eq!(entry.mime, "application/pdf");
    assert_eq!(entry.size, 300_000);
    assert_eq!(entry.author_name, "You");
    // A board never shared: its bytes are here, and nowhere else to be.
    assert_eq!(entry.state, AttachmentState::Here);
    assert!(!entry.executable);
    assert_eq!(
        attachment_count(&event.patches, &task),
        Some(1),
        "{:?}",
        event.patches
    );

    // The original may go: the profile holds its own copy.
    std::fs::remove_file(&path).expect("remove the original");
    drop(s);
    let store = Store::open_in_dir(dir.path()).expect("store");
    let blob = store
        .local_blob(&entry.sha256)
        .expect("the bytes are in the profile");
    assert_eq!(std::fs::read(blob).expect("read the blob"), bytes);
    let queued = store.pending_blob_uploads(&board).expect("outbox");
    assert_eq!(queued.len(), 1, "queued for when the board is shared");
    assert_eq!(queued[0].sha256, entry.sha256);
    let reopened =
        board_store::replica::open_board(&store, &board, ReplicaConfig::default()).expect("open");
    let listed = reopened.attachments(&task).expect("attachments");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "poster draft.pdf");
    assert_eq!(reopened.task(&task).expect("task").attachment_count, 1);

    // After a restart the panel lists it the same.
    let mut s = session(dir.path());
    let files = s
        .list_attachments(&board, &task, None, &Default::default())
        .expect("list");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].id, entry.id);
    assert_eq!(files[0].state, AttachmentState::Here);
}

#[test]
fn removing_a_file_is_one_undoable_edit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outside = tempfile::tempdir().expect("temp dir");
    let mut s = session(dir.path());
    let (board, task) = board_with_task(&mut s);
    let path = file(outside.path(), "notes.txt", b"bring tape");
    let (entry, _) = s.attach_file(&board, &task, &path, None).expect("attach");

    let ((), event) = s
        .remove_attachment(&board, &task, &entry.id)
        .expect("remove");
    assert_eq!(attachment_count(&event.patches, &task), Some(0));
    let none = Default::default();
    assert!(s
        .list_attachments(&board, &task, None, &none)
        .expect("list")
        .is_empty());
    // The bytes stay (another task or an undo may name them).
    assert!(s.blobs().local(&entry.sha256).is_some());

    let (undone, event) = s.undo(&board).expect("undo");
    assert!(undone);
    assert_eq!(attachment_count(&event.patches, &task), Some(1));
    let back = s
        .list_attachments(&board, &task, None, &none)
        .expect("list");
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].name, "notes.txt");
    assert_eq!(
        s.remove_attachment(&board, &task, "no-such-file")
            .expect_err("unknown")
            .kind,
        ErrorKind::Invalid
    );
}

#[test]
fn opening_a_program_or_script_asks_first_and_other_files_open_under_their_own_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outside = tempfile::tempdir().expect("temp dir");
    let mut s = session(dir.path());
    let (board, task) = board_with_task(&mut s);
    let mut attach = |name: &str, bytes: &[u8]| {
        let path = file(outside.path(), name, bytes);
        s.attach_file(&board, &task, &path, None).expect("attach").0
    };
    let setup = attach("setup.EXE", b"MZ pretend program");
    let script = attach("install.sh", b"#!/bin/sh\necho hi\n");
    let photo = attach("venue.png", b"\x89PNG pretend image");
    assert!(setup.executable && script.executable && !photo.executable);

    for risky in [&setup, &script] {
        match s
            .open_attachment_step(&board, &task, &risky.id, false, None)
            .expect("open")
        {
            OpenStep::Answer(OpenedAttachment::Confirm { name }) => assert_eq!(name, risky.name),
            other => panic!("{} opened without asking: {other:?}", risky.name),
        }
    }
    // Nothing was prepared to open before the answer.
    assert!(!dir.path().join("opened").join(&setup.sha256).exists());

    match s
        .open_attachment_step(&board, &task, &setup.id, true, None)
        .expect("open")
    {
        OpenStep::Open(path) => {
            assert_eq!(path.file_name().and_then(|n| n.to_str()), Some("setup.EXE"));
            assert_eq!(std::fs::read(&path).expect("read"), b"MZ pretend program");
        }
        other => panic!("confirmed, yet not opened: {other:?}"),
    }
    match s
        .open_attachment_step(&board, &task, &photo.id, false, None)
        .expect("open")
    {
        OpenStep::Open(path) => {
            assert_eq!(path.file_name().and_then(|n| n.to_str()), Some("venue.png"));
            assert!(path.starts_with(dir.path().join("opened")));
        }
        other => panic!("an image asked or waited: {other:?}"),
    }
}

#[test]
fn a_viewer_is_refused_before_any_byte_is_copied_and_pastes_are_bounded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outside = tempfile::tempdir().expect("temp dir");
    let mut s = session(dir.path());
    let (board, task) = board_with_task(&mut s);

    let too_big = vec![0u8; MAX_PASTED_BYTES + 1];
    let refused = s
        .attach_bytes(&board, &task, "huge.png", &too_big, None)
        .expect_err("too large");
    assert_eq!(refused.kind, ErrorKind::Invalid);
    assert!(refused.message.contains("at most"), "{}", refused.message);
    let (pasted, _) = s
        .attach_bytes(&board, &task, "Pasted.png", b"\x89PNG small", None)
        .expect("a small paste");
    assert_eq!(pasted.mime, "image/png");

    s.set_board_access(
        &board,
        Some("https://relay.example"),
        Some(LocalAccess::Viewer),
    )
    .expect("now a viewer");
    let bytes = b"a viewer's file";
    let path = file(outside.path(), "mine.txt", bytes);
    let error = s
        .attach_file(&board, &task, &path, None)
        .expect_err("viewer");
    assert_eq!(error.kind, ErrorKind::ReadOnly);
    let sha = board_store::Store::open_in_dir(outside.path())
        .expect("a scratch store")
        .import_blob(&path)
        .expect("hash it")
        .sha256;
    assert!(s.blobs().local(&sha).is_none(), "nothing of it was copied");
    assert_eq!(
        s.store()
            .pending_blob_uploads(&board)
            .expect("outbox")
            .len(),
        1,
        "only the paste waits"
    );
}

/// A relay with accounts on `database`, storing blobs under `blob_dir`, on its own runtime.
fn start_relay(
    runtime: &tokio::runtime::Runtime,
    database: &TestDatabase,
    blob_dir: &Path,
) -> SocketAddr {
    let url = database.url.clone();
    let blob_dir = blob_dir.to_path_buf();
    runtime.block_on(async move {
        Storage::migrate_postgres(&url).await.expect("migrate");
        let relay_url = format!("{url}?options=-c%20role%3Dtack_relay");
        let storage = Storage::connect_with(Some(&relay_url), Path::new("unused"), false)
            .await
            .expect("relay storage");
        let verifier = Arc::new(AccountVerifier::new(storage.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let config = ServerConfig {
            blobs: BlobConfig {
                backend: Some(BlobBackend::Directory(blob_dir)),
                ..BlobConfig::default()
            },
            ..ServerConfig::default()
        };
        let relay = RelayServer::new(storage, verifier, config);
        tokio::spawn(relay.serve(listener, std::future::pending()));
        addr
    })
}

/// Signs `desk` in with a new account; returns its token.
fn sign_up(desk: &Desk, server: &str, email: &str) -> String {
    desk.collab.set_server_url(server).expect("set the server");
    let session = tack_account::RelayClient::new(server)
        .expect("relay url")
        .signup(email, "correct horse battery")
        .expect("sign up");
    let token = session.token.clone();
    desk.collab.use_session(session);
    token
}

/// Waits (bounded) until `done` holds.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {WAIT:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_app_uploads_in_the_background_a_teammate_downloads_on_demand_and_a_viewer_is_refused_once() {
    let database = TestDatabase::create();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let blob_dir = test_support::temp_data_dir();
    let server = format!(
        "http://{}",
        start_relay(&runtime, &database, blob_dir.path())
    );
    let ana = Desk::new("ana");
    let bob = Desk::new("bob");
    let vic = Desk::new("vic");
    let ana_token = sign_up(&ana, &server, "ana@example.com");
    sign_up(&bob, &server, "bob@example.com");
    sign_up(&vic, &server, "vic@example.com");

    // Attached before the board is shared: it waits here, then goes up once it is.
    let outside = tempfile::tempdir().expect("temp dir");
    let bytes = bytes_of(3 * 1024 * 1024 + 17);
    let path = file(outside.path(), "site plan.pdf", &bytes);
    let (board, task) = board_with_task(&mut ana.session());
    let (entry, _) = ana
        .session()
        .attach_file(&board, &task, &path, ana.collab.signed_in_account())
        .expect("attach");
    assert_eq!(
        ana.collab.publish_board(&board).expect("publish"),
        Role::Owner
    );
    ana.collab
        .share_board(&board, "bob@example.com", Role::Editor)
        .expect("share with bob");
    ana.collab
        .share_board(&board, "vic@example.com", Role::Viewer)
        .expect("share with vic");
    ana.collab.upload_soon();
    wait_until("ana's upload", || {
        ana.session()
            .store()
            .pending_blob_uploads(&board)
            .expect("outbox")
            .is_empty()
    });
    let listed = ana
        .session()
        .list_attachments(
            &board,
            &task,
            ana.collab.signed_in_account(),
            &Default::default(),
        )
        .expect("list");
    assert_eq!(listed[0].state, AttachmentState::Here);

    // Bob's computer has the metadata, not the bytes: opening downloads them.
    bob.collab
        .open_remote_board(&board)
        .expect("bob downloads the board");
    let me = bob.collab.signed_in_account();
    let files = bob
        .session()
        .list_attachments(&board, &task, me.clone(), &Default::default())
        .expect("list");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].state, AttachmentState::Relay);
    // Named from the member directory once the relay's list is cached (a board still being
    // downloaded by the app itself may replace it meanwhile: asked again until it holds).
    wait_until("ana named on bob's computer", || {
        bob.collab.list_members(&board).expect("members");
        bob.session()
            .list_attachments(&board, &task, me.clone(), &Default::default())
            .expect("list")[0]
            .author_name
            == "ana"
    });
    let step = bob
        .session()
        .open_attachment_step(&board, &task, &entry.id, false, me.clone())
        .expect("open");
    let OpenStep::Download(wanted) = step else {
        panic!("bob has no bytes to open yet: {step:?}");
    };
    let fetched = bob
        .collab
        .fetch_attachment(&board, &wanted)
        .expect("download")
        .expect("on the relay");
    assert_eq!(std::fs::read(fetched).expect("read"), bytes);
    let files = bob
        .session()
        .list_attachments(&board, &task, me, &Default::default())
        .expect("list");
    assert_eq!(files[0].state, AttachmentState::Here);

    // A download may be evicted (the relay serves it again); what was attached here never is.
    let none = std::collections::HashSet::new();
    let freed = bob
        .session()
        .blobs()
        .evict_downloads(0, &none)
        .expect("evict");
    assert_eq!(freed, bytes.len() as u64);
    let files = bob
        .session()
        .list_attachments(
            &board,
            &task,
            bob.collab.signed_in_account(),
            &Default::default(),
        )
        .expect("list");
    assert_eq!(
        files[0].state,
        AttachmentState::Relay,
        "downloaded again when opened"
    );
    assert_eq!(
        ana.session()
            .blobs()
            .evict_downloads(0, &none)
            .expect("evict"),
        0
    );
    assert!(ana.session().blobs().local(&entry.sha256).is_some());

    // Bytes the relay does not hold yet: still on their author's computer.
    let mut not_yet = wanted.clone();
    not_yet.sha256 = "ab".repeat(32);
    assert_eq!(
        bob.collab
            .fetch_attachment(&board, &not_yet)
            .expect("asked"),
        None
    );
    assert_eq!(
        tack::collab::uploading_message(&not_yet),
        "Uploading from ana's computer: it is not on the server yet."
    );

    // Vic may only view: an upload queued on his computer is refused once, reported on the
    // file, kept, and not tried again.
    vic.collab
        .open_remote_board(&board)
        .expect("vic downloads the board");
    let his = vic
        .session()
        .blobs()
        .import_reader(&b"vic's notes"[..])
        .expect("into vic's blob store");
    vic.session()
        .store()
        .queue_blob_upload(&board, &his.sha256, his.size)
        .expect("queue");
    vic.collab.upload_soon();
    wait_until("vic's refusal", || {
        vic.collab.refused_uploads(&board).contains_key(&his.sha256)
    });
    let why = &vic.collab.refused_uploads(&board)[&his.sha256];
    assert!(why.contains("may not add files"), "{why}");
    assert_eq!(vic.collab.upload_round(), 0, "not tried again");
    assert_eq!(
        vic.session()
            .store()
            .pending_blob_uploads(&board)
            .expect("outbox")
            .len(),
        1,
        "kept: it may go up if vic becomes an editor and signs in again"
    );
    let relay = tack_account::RelayClient::new(&server)
        .expect("client")
        .with_token(&ana_token);
    assert_eq!(
        relay
            .blob_presence(&board, &his.sha256)
            .expect("asked as the owner"),
        tack_account::BlobPresence::Missing { held: 0 },
        "nothing of it is stored"
    );
}
