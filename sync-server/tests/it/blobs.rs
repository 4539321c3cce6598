//! Attachments' bytes on the relay (DESIGN §4 "Blobs"): the same body runs on each blob store —
//! a directory beside an SQLite relay, PostgreSQL's `blob_chunks`, and a real S3-compatible
//! server (`s3s-fs`) on loopback — through real HTTP on an ephemeral port.

use std::net::SocketAddr;

use sha2::{Digest, Sha256};
use sync_protocol::{AuthMessage, MuxFrame, MuxMessage, SyncMessage};
use sync_server::blobs::{BlobBackend, BlobConfig, S3Config};
use sync_server::config::ServerConfig;
use test_support::s3::S3Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Backend, BackendKind, Seen, TestRelay, WAIT};

const BOARD: &str = "0192f000-0000-7000-8000-00000000b10b";
const OTHER_BOARD: &str = "0192f000-0000-7000-8000-00000000b10c";
const MAX: u64 = 64 * 1024;
const QUOTA: u64 = 100 * 1024;

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Deterministic bytes that do not compress or repeat in step with any chunk size.
fn bytes_of(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u8
        })
        .collect()
}

/// An HTTP answer: status, lower-cased head, body bytes.
struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim())
        })
    }

    fn error(&self) -> String {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// One raw HTTP/1.1 exchange with binary `body` and extra headers.
async fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, String)],
    body: &[u8],
) -> Answer {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let mut has_length = false;
    for (name, value) in headers {
        has_length |= name.eq_ignore_ascii_case("content-length");
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !has_length && method != "GET" && method != "HEAD" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("write head");
    // The relay may answer (and close) before taking the body: a refusal.
    let _ = stream.write_all(body).await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(WAIT, stream.read_to_end(&mut response))
        .await
        .expect("answer in time");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8_lossy(&response[..split]).to_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    Answer {
        status,
        head,
        body: response[split + 4..].to_vec(),
    }
}

/// A PUT the relay answers before reading its body (a refusal, or bytes it already has): only
/// the head is sent, with the body's length, so the answer is not lost to a reset when the
/// relay closes a connection with a body it never read.
async fn put_head_only(addr: SocketAddr, path: &str, token: &str, length: usize) -> Answer {
    let length = [("Content-Length", length.to_string())];
    exchange(addr, "PUT", path, Some(token), &length, &[]).await
}

fn blob_path(board: &str, sha256: &str) -> String {
    format!("/v1/boards/{board}/blobs/{sha256}")
}

/// The stores under test; each keeps what it needs alive (the S3 server) for the test.
enum Store {
    Directory,
    Postgres,
    S3(S3Server),
}

impl Store {
    fn name(&self) -> &'static str {
        match self {
            Store::Directory => "directory",
            Store::Postgres => "postgres",
            Store::S3(_) => "s3",
        }
    }

    fn all() -> Vec<Store> {
        vec![
            Store::Directory,
            Store::Postgres,
            Store::S3(S3Server::start()),
        ]
    }

    /// A relay with accounts and this store (SQLite beside a directory; PostgreSQL otherwise).
    async fn relay(&self, tweak: impl FnOnce(&mut BlobConfig)) -> TestRelay {
        self.relay_and_config(tweak).await.0
    }

    /// [`Store::relay`], with the attachments settings it runs with (to open the same store).
    async fn relay_and_config(
        &self,
        tweak: impl FnOnce(&mut BlobConfig),
    ) -> (TestRelay, BlobConfig) {
        let kind = match self {
            Store::Directory => BackendKind::Sqlite,
            Store::Postgres | Store::S3(_) => BackendKind::Postgres,
        };
        let backend = Backend::new(kind);
        let store = match self {
            Store::Directory => BlobBackend::Directory(backend.sqlite_path.with_extension("blobs")),
            Store::Postgres => BlobBackend::Postgres,
            Store::S3(server) => BlobBackend::S3(S3Config {
                bucket: test_support::s3::BUCKET.into(),
                endpoint: Some(server.endpoint.clone()),
                prefix: format!("t{}/", uuid::Uuid::now_v7().simple()),
                access_key_id: Some(test_support::s3::ACCESS_KEY.into()),
                secret_access_key: Some(test_support::s3::SECRET_KEY.into()),
            }),
        };
        let mut blobs = BlobConfig {
            backend: Some(store),
            staging_dir: Some(backend.sqlite_path.with_extension("staging")),
            max_blob_bytes: MAX,
            board_quota_bytes: QUOTA,
            ..BlobConfig::default()
        };
        tweak(&mut blobs);
        let config = ServerConfig {
            blobs: blobs.clone(),
            ..ServerConfig::default()
        };
        (TestRelay::start_accounts_with(backend, config).await, blobs)
    }

    /// How many pieces of `board`'s bytes this store holds, read beside the relay: files in
    /// its directory, `blob_chunks` rows, or objects in the S3 server's bucket.
    async fn pieces_of(&self, relay: &TestRelay, config: &BlobConfig, board: &str) -> usize {
        match (self, &config.backend) {
            (Store::Directory, Some(BlobBackend::Directory(dir))) => {
                std::fs::read_dir(dir.join(format!("b-{board}")))
                    .map_or(0, |entries| entries.flatten().count())
            }
            (Store::Postgres, _) => {
                // As the tables' owner: row-level security does not hide the rows.
                let owner = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect(relay.backend.database_url.as_deref().expect("PostgreSQL"))
                    .await
                    .expect("connect as the owner");
                let rows: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM blob_chunks WHERE board_id = $1")
                        .bind(board)
                        .fetch_one(&owner)
                        .await
                        .expect("count chunks");
                owner.close().await;
                usize::try_from(rows).unwrap_or(0)
            }
            (Store::S3(server), Some(BlobBackend::S3(s3))) => {
                let under = format!("{}boards/{board}/", s3.prefix);
                server
                    .objects()
                    .iter()
                    .filter(|path| {
                        let path = path.to_string_lossy();
                        path.contains(&under) && !path.contains(".tmp")
                    })
                    .count()
            }
            _ => panic!("{}: a relay of another store", self.name()),
        }
    }
}

/// The staged (interrupted) uploads waiting in `config`'s staging directory.
fn staged_parts(config: &BlobConfig) -> Vec<String> {
    let dir = config.staging_dir.as_ref().expect("a staging directory");
    std::fs::read_dir(dir).map_or_else(
        |_| Vec::new(),
        |entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        },
    )
}

/// Sends the head and the first `sent` bytes of an upload of `bytes`, then cuts the connection;
/// waits (bounded) until the relay holds them.
async fn cut_upload(addr: SocketAddr, token: &str, board: &str, bytes: &[u8], sent: usize) {
    let path = blob_path(board, &sha256_hex(bytes));
    {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let head = format!(
            "PUT {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Length: {}\r\n\r\n",
            bytes.len()
        );
        stream.write_all(head.as_bytes()).await.expect("head");
        stream.write_all(&bytes[..sent]).await.expect("part");
        stream.flush().await.expect("flush");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    for _ in 0..200 {
        let head = exchange(addr, "HEAD", &path, Some(token), &[], &[]).await;
        if head.header("upload-offset") == Some(sent.to_string().as_str()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the relay did not keep the cut upload's {sent} bytes");
}

/// Writes a task naming `sha256` in its attachments on `board`, through the relay as `token`
/// (a real client's update, acknowledged once durable).
async fn attach_on_board(relay: &TestRelay, token: &str, board: &str, sha256: &str, size: u64) {
    let mut replica =
        board_model::Board::create(board, "Board", Default::default()).expect("a board");
    let column = replica
        .add_column("To do", None, board_model::Place::Bottom)
        .expect("a column");
    let task = replica
        .add_task(
            &column,
            "With a file",
            board_model::Place::Bottom,
            board_model::NewTask::default(),
        )
        .expect("a task");
    replica
        .add_attachment(
            &task,
            board_model::NewAttachment {
                author: "someone",
                name: "photo.png",
                mime: "image/png",
                size,
                sha256,
            },
        )
        .expect("an attachment");
    let mut client = relay.client().await;
    client.open(board, token).await.expect("open the board");
    let update = replica.encode_state();
    client
        .send(board, MuxMessage::Sync(SyncMessage::Update { update }))
        .await;
    assert_eq!(
        client.status(board).await,
        Some(true),
        "the update is stored"
    );
}

/// A board with an owner, an editor, a viewer and a stranger (who owns another board).
struct People {
    owner: String,
    editor: String,
    viewer: String,
    stranger: String,
}

async fn people(relay: &TestRelay) -> People {
    let (_, owner) = relay.signup("owner@example.com").await;
    let (_, editor) = relay.signup("editor@example.com").await;
    let (_, viewer) = relay.signup("viewer@example.com").await;
    let (_, stranger) = relay.signup("stranger@example.com").await;
    relay.publish(&owner, BOARD).await;
    relay
        .add_member(&owner, BOARD, "editor@example.com", "editor")
        .await;
    relay
        .add_member(&owner, BOARD, "viewer@example.com", "viewer")
        .await;
    relay.publish(&stranger, OTHER_BOARD).await;
    People {
        owner,
        editor,
        viewer,
        stranger,
    }
}

#[tokio::test]
async fn each_store_serves_the_same_bytes_to_members_only() {
    for store in Store::all() {
        let name = store.name();
        let relay = store.relay(|_| {}).await;
        let addr = relay.addr;
        let people = people(&relay).await;
        let bytes = bytes_of(40_000, 1);
        let sha = sha256_hex(&bytes);
        let path = blob_path(BOARD, &sha);

        // Not there yet: a writer is told it holds no bytes of it.
        let head = exchange(addr, "HEAD", &path, Some(&people.editor), &[], &[]).await;
        assert_eq!(
            (head.status, head.header("upload-offset")),
            (404, Some("0")),
            "{name}"
        );

        let put = exchange(addr, "PUT", &path, Some(&people.editor), &[], &bytes).await;
        assert_eq!(
            put.status,
            201,
            "{name}: {}",
            String::from_utf8_lossy(&put.body)
        );
        // Again: already there, nothing to do.
        let again = put_head_only(addr, &path, &people.owner, bytes.len()).await;
        assert_eq!(again.status, 200, "{name}");

        // Every member reads the same bytes, as a download that is never sniffed.
        for token in [&people.owner, &people.editor, &people.viewer] {
            let got = exchange(addr, "GET", &path, Some(token), &[], &[]).await;
            assert_eq!(got.status, 200, "{name}");
            assert!(got.body == bytes, "{name}: the bytes differ");
            assert_eq!(
                got.header("x-content-type-options"),
                Some("nosniff"),
                "{name}"
            );
            assert_eq!(
                got.header("content-disposition"),
                Some(format!("attachment; filename=\"{sha}\"").as_str()),
                "{name}"
            );
            assert_eq!(got.header("content-type"), Some("application/octet-stream"));
        }
        let head = exchange(addr, "HEAD", &path, Some(&people.viewer), &[], &[]).await;
        assert_eq!(
            (head.status, head.header("content-length")),
            (200, Some("40000")),
            "{name}"
        );

        // A range, to resume a download; one past the end is refused.
        let range = [("Range", "bytes=1000-2999".to_owned())];
        let part = exchange(addr, "GET", &path, Some(&people.viewer), &range, &[]).await;
        assert_eq!(part.status, 206, "{name}");
        assert_eq!(part.header("content-range"), Some("bytes 1000-2999/40000"));
        assert!(part.body == bytes[1000..3000], "{name}: the range differs");
        let tail = [("Range", "bytes=39990-".to_owned())];
        let part = exchange(addr, "GET", &path, Some(&people.viewer), &tail, &[]).await;
        assert!(
            (part.status, &part.body[..]) == (206, &bytes[39990..]),
            "{name}"
        );
        let past = [("Range", "bytes=40000-".to_owned())];
        let refused = exchange(addr, "GET", &path, Some(&people.viewer), &past, &[]).await;
        assert_eq!(
            (refused.status, refused.header("content-range")),
            (416, Some("bytes */40000"))
        );

        // A viewer cannot add; a stranger and the anonymous get nothing, not even existence.
        let other = bytes_of(1000, 2);
        let other_path = blob_path(BOARD, &sha256_hex(&other));
        let viewer_put = put_head_only(addr, &other_path, &people.viewer, other.len()).await;
        assert_eq!(
            (viewer_put.status, viewer_put.error().as_str()),
            (403, "forbidden"),
            "{name}"
        );
        for method in ["GET", "HEAD"] {
            let stranger = exchange(addr, method, &path, Some(&people.stranger), &[], &[]).await;
            assert_eq!(stranger.status, 404, "{name} {method}");
            assert!(!stranger.body.windows(16).any(|w| w == &bytes[..16]));
            let anonymous = exchange(addr, method, &path, None, &[], &[]).await;
            assert_eq!(anonymous.status, 401, "{name} {method}");
        }
        let stranger_put = put_head_only(addr, &other_path, &people.stranger, other.len()).await;
        assert_eq!(stranger_put.status, 404, "{name}");
        // The same hash through another board (the stranger's own) is not this board's blob.
        let elsewhere = blob_path(OTHER_BOARD, &sha);
        let through_other =
            exchange(addr, "GET", &elsewhere, Some(&people.stranger), &[], &[]).await;
        assert_eq!(through_other.status, 404, "{name}");
        let editor_elsewhere =
            exchange(addr, "GET", &elsewhere, Some(&people.editor), &[], &[]).await;
        assert_eq!(editor_elsewhere.status, 404, "{name}");

        // Bad input: a malformed hash or board id is a 400 naming it.
        let bad = exchange(
            addr,
            "GET",
            &blob_path(BOARD, "ABC"),
            Some(&people.owner),
            &[],
            &[],
        )
        .await;
        assert_eq!(
            (bad.status, bad.error().as_str()),
            (400, "bad_request"),
            "{name}"
        );
        relay.stop().await;
    }
}

#[tokio::test]
async fn a_wrong_hash_an_oversize_file_and_a_full_quota_store_nothing() {
    for store in Store::all() {
        let name = store.name();
        let relay = store.relay(|_| {}).await;
        let addr = relay.addr;
        let people = people(&relay).await;

        // Bytes that are not the hash the path names.
        let bytes = bytes_of(20_000, 3);
        let claimed = sha256_hex(b"something else");
        let path = blob_path(BOARD, &claimed);
        let wrong = exchange(addr, "PUT", &path, Some(&people.editor), &[], &bytes).await;
        assert_eq!(
            (wrong.status, wrong.error().as_str()),
            (400, "hash_mismatch"),
            "{name}"
        );
        let message = String::from_utf8_lossy(&wrong.body).into_owned();
        assert!(
            message.contains(&sha256_hex(&bytes)) && message.contains("nothing was stored"),
            "{message}"
        );
        let head = exchange(addr, "HEAD", &path, Some(&people.editor), &[], &[]).await;
        assert_eq!(
            (head.status, head.header("upload-offset")),
            (404, Some("0")),
            "{name}"
        );

        // Over the size limit: refused before a byte is read.
        let big = bytes_of(MAX as usize + 1, 4);
        let big_path = blob_path(BOARD, &sha256_hex(&big));
        let oversize = put_head_only(addr, &big_path, &people.editor, big.len()).await;
        assert_eq!(
            (oversize.status, oversize.error().as_str()),
            (413, "too_large"),
            "{name}"
        );
        let head = exchange(addr, "HEAD", &big_path, Some(&people.editor), &[], &[]).await;
        assert_eq!(head.status, 404, "{name}");

        // The quota: 60 KiB fits in 100 KiB, a second 60 KiB does not.
        let first = bytes_of(60 * 1024, 5);
        let second = bytes_of(60 * 1024, 6);
        let put = exchange(
            addr,
            "PUT",
            &blob_path(BOARD, &sha256_hex(&first)),
            Some(&people.editor),
            &[],
            &first,
        )
        .await;
        assert_eq!(put.status, 201, "{name}");
        let second_path = blob_path(BOARD, &sha256_hex(&second));
        let over = put_head_only(addr, &second_path, &people.editor, second.len()).await;
        assert_eq!(
            (over.status, over.error().as_str()),
            (413, "quota_exceeded"),
            "{name}"
        );
        let head = exchange(addr, "HEAD", &second_path, Some(&people.owner), &[], &[]).await;
        assert_eq!(head.status, 404, "{name}");
        // Another board has its own quota.
        let theirs = exchange(
            addr,
            "PUT",
            &blob_path(OTHER_BOARD, &sha256_hex(&second)),
            Some(&people.stranger),
            &[],
            &second,
        )
        .await;
        assert_eq!(theirs.status, 201, "{name}");
        if let Store::S3(server) = &store {
            // Two blobs stored: the first and the stranger's; nothing of the refused ones.
            assert_eq!(
                server
                    .objects()
                    .iter()
                    .filter(|p| !p.to_string_lossy().contains(".tmp"))
                    .count(),
                2,
                "{:?}",
                server.objects()
            );
        }
        relay.stop().await;
    }
}

#[tokio::test]
async fn a_cut_upload_resumes_from_what_the_relay_holds() {
    for store in Store::all() {
        let name = store.name();
        let relay = store.relay(|_| {}).await;
        let addr = relay.addr;
        let people = people(&relay).await;
        let bytes = bytes_of(50_000, 7);
        let sha = sha256_hex(&bytes);
        let path = blob_path(BOARD, &sha);

        // The connection drops after 20,000 of 50,000 bytes.
        {
            let mut stream = TcpStream::connect(addr).await.expect("connect");
            let head = format!(
                "PUT {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
                 Content-Length: {}\r\n\r\n",
                people.editor,
                bytes.len()
            );
            stream.write_all(head.as_bytes()).await.expect("head");
            stream.write_all(&bytes[..20_000]).await.expect("part");
            stream.flush().await.expect("flush");
            // Let the relay take those bytes in before the cut.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        // The relay notices the cut and keeps what arrived (bounded wait).
        let mut held = None;
        for _ in 0..200 {
            let head = exchange(addr, "HEAD", &path, Some(&people.editor), &[], &[]).await;
            assert_eq!(head.status, 404, "{name}");
            let offset: u64 = head
                .header("upload-offset")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            if offset > 0 {
                held = Some(offset);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let held =
            held.unwrap_or_else(|| panic!("{name}: the relay kept nothing of the cut upload"));
        assert_eq!(held, 20_000, "{name}");

        // Resuming from another offset is refused with the right one.
        let wrong = [("Content-Range", "bytes 10-49999/50000".to_owned())];
        let refused = exchange(
            addr,
            "PUT",
            &path,
            Some(&people.editor),
            &wrong,
            &bytes[10..],
        )
        .await;
        assert_eq!(
            (refused.status, refused.header("upload-offset")),
            (409, Some("20000")),
            "{name}"
        );

        let rest = [("Content-Range", format!("bytes {held}-49999/50000"))];
        let resumed = exchange(
            addr,
            "PUT",
            &path,
            Some(&people.editor),
            &rest,
            &bytes[held as usize..],
        )
        .await;
        assert_eq!(
            resumed.status,
            201,
            "{name}: {}",
            String::from_utf8_lossy(&resumed.body)
        );
        let got = exchange(addr, "GET", &path, Some(&people.viewer), &[], &[]).await;
        assert!(
            got.status == 200 && got.body == bytes,
            "{name}: resumed bytes differ"
        );
        relay.stop().await;
    }
}

#[tokio::test]
async fn deleting_a_board_removes_its_blobs_bytes_and_records_on_each_store() {
    for store in Store::all() {
        let name = store.name();
        let (relay, config) = store.relay_and_config(|_| {}).await;
        let addr = relay.addr;
        let people = people(&relay).await;
        let bytes = bytes_of(30_000, 11);
        let sha = sha256_hex(&bytes);
        let other = bytes_of(10_000, 12);
        // The same bytes on the stranger's board, and another file on ours.
        for (board, token, body) in [
            (BOARD, &people.editor, &bytes),
            (BOARD, &people.editor, &other),
            (OTHER_BOARD, &people.stranger, &bytes),
        ] {
            let put = exchange(
                addr,
                "PUT",
                &blob_path(board, &sha256_hex(body)),
                Some(token),
                &[],
                body,
            )
            .await;
            assert_eq!(put.status, 201, "{name}");
        }
        // An upload cut short waits in staging.
        let partial = bytes_of(20_000, 13);
        cut_upload(addr, &people.editor, BOARD, &partial, 5_000).await;
        assert!(store.pieces_of(&relay, &config, BOARD).await > 0, "{name}");
        assert_eq!(staged_parts(&config).len(), 1, "{name}");

        // Only an owner deletes; a stranger learns nothing.
        let board_url = format!("/v1/boards/{BOARD}");
        for (token, status) in [
            (&people.editor, 403),
            (&people.viewer, 403),
            (&people.stranger, 404),
        ] {
            let refused = exchange(addr, "DELETE", &board_url, Some(token), &[], &[]).await;
            assert_eq!(refused.status, status, "{name}");
        }
        let head = exchange(
            addr,
            "HEAD",
            &blob_path(BOARD, &sha),
            Some(&people.viewer),
            &[],
            &[],
        )
        .await;
        assert_eq!(head.status, 200, "{name}: refused deletions change nothing");

        // A member with the board open.
        let mut watching = relay.client().await;
        watching
            .open(BOARD, &people.viewer)
            .await
            .expect("the viewer opens the board");

        let deleted = exchange(addr, "DELETE", &board_url, Some(&people.owner), &[], &[]).await;
        assert_eq!(
            deleted.status,
            204,
            "{name}: {}",
            String::from_utf8_lossy(&deleted.body)
        );
        // Their channel of the board closes: their role is gone.
        let closed = watching
            .until(|c| {
                c.closed.is_some()
                    || c.log.iter().any(|seen| {
                        matches!(
                            seen,
                            Seen::Frame(MuxFrame::Board {
                                board,
                                message: MuxMessage::Auth(AuthMessage::PermissionDenied { .. })
                                    | MuxMessage::Close { .. },
                            }) if board == BOARD
                        )
                    })
            })
            .await;
        assert!(
            closed,
            "{name}: the deleted board stays open for its viewer"
        );
        // Its bytes, records and staged uploads are gone from the store itself.
        assert_eq!(store.pieces_of(&relay, &config, BOARD).await, 0, "{name}");
        assert!(
            staged_parts(&config).is_empty(),
            "{name}: {:?}",
            staged_parts(&config)
        );
        for token in [&people.owner, &people.editor, &people.viewer] {
            let gone = exchange(addr, "GET", &blob_path(BOARD, &sha), Some(token), &[], &[]).await;
            assert_eq!(gone.status, 404, "{name}");
        }
        // The same bytes on another board are that board's, and stay.
        assert!(
            store.pieces_of(&relay, &config, OTHER_BOARD).await > 0,
            "{name}"
        );
        let kept = exchange(
            addr,
            "GET",
            &blob_path(OTHER_BOARD, &sha),
            Some(&people.stranger),
            &[],
            &[],
        )
        .await;
        assert!(
            kept.status == 200 && kept.body == bytes,
            "{name}: the other board's copy"
        );

        // The id published again is a new, empty board: nothing of the old one comes back.
        relay.publish(&people.owner, BOARD).await;
        let fresh = exchange(
            addr,
            "HEAD",
            &blob_path(BOARD, &sha),
            Some(&people.owner),
            &[],
            &[],
        )
        .await;
        assert_eq!(
            (fresh.status, fresh.header("upload-offset")),
            (404, Some("0")),
            "{name}"
        );
        let again = exchange(addr, "DELETE", &board_url, Some(&people.owner), &[], &[]).await;
        assert_eq!(again.status, 204, "{name}: an empty board deletes too");
        let twice = exchange(addr, "DELETE", &board_url, Some(&people.owner), &[], &[]).await;
        assert_eq!(twice.status, 404, "{name}");
        relay.stop().await;
    }
}

#[tokio::test]
async fn blobs_no_task_names_are_collected_after_the_grace_period_on_each_store() {
    for store in Store::all() {
        let name = store.name();
        let (relay, config) = store.relay_and_config(|_| {}).await;
        let addr = relay.addr;
        let people = people(&relay).await;
        let named = bytes_of(12_000, 21);
        let unnamed = bytes_of(8_000, 22);
        for body in [&named, &unnamed] {
            let path = blob_path(BOARD, &sha256_hex(body));
            let put = exchange(addr, "PUT", &path, Some(&people.editor), &[], body).await;
            assert_eq!(put.status, 201, "{name}");
        }
        let partial = bytes_of(20_000, 23);
        cut_upload(addr, &people.editor, BOARD, &partial, 4_000).await;
        attach_on_board(&relay, &people.editor, BOARD, &sha256_hex(&named), 12_000).await;

        // The collector, on the same database and store as the relay.
        let storage = relay.backend.relay_storage().await;
        let blobs = sync_server::blobs::Blobs::open(&config, &storage)
            .expect("open the store")
            .expect("a store");
        let now = sync_server::history::now_ms();
        let get = |body: &Vec<u8>| {
            let path = blob_path(BOARD, &sha256_hex(body));
            let token = people.viewer.clone();
            async move { exchange(addr, "GET", &path, Some(&token), &[], &[]).await }
        };

        // Within the grace period nothing goes: the edit naming a blob may not have synced yet.
        let collected = sync_server::blobs::collect_at(&storage, &blobs, now)
            .await
            .expect("collect");
        assert_eq!(collected, 0, "{name}");
        assert_eq!(get(&unnamed).await.status, 200, "{name}");
        assert_eq!(staged_parts(&config).len(), 1, "{name}");

        // A day and an hour later: the blob no task names is gone, bytes and record; the
        // named one stays; the upload nobody resumed is gone.
        let later = now + 25 * 3600 * 1000;
        let collected = sync_server::blobs::collect_at(&storage, &blobs, later)
            .await
            .expect("collect");
        assert_eq!(collected, 1, "{name}");
        assert_eq!(get(&unnamed).await.status, 404, "{name}");
        let kept = get(&named).await;
        assert!(
            kept.status == 200 && kept.body == named,
            "{name}: the named blob stays"
        );
        assert!(staged_parts(&config).is_empty(), "{name}");
        let head = exchange(
            addr,
            "HEAD",
            &blob_path(BOARD, &sha256_hex(&partial)),
            Some(&people.editor),
            &[],
            &[],
        )
        .await;
        assert_eq!(head.header("upload-offset"), Some("0"), "{name}");
        // One file, one 1 MiB chunk row or one object: the named blob's.
        assert_eq!(
            store.pieces_of(&relay, &config, BOARD).await,
            1,
            "{name}: only the named blob's bytes are left"
        );
        // And collecting again a month later keeps what is named.
        let month = 30 * 24 * 3600 * 1000;
        let collected = sync_server::blobs::collect_at(&storage, &blobs, later + month)
            .await
            .expect("collect");
        assert_eq!(collected, 0, "{name}");
        assert_eq!(get(&named).await.status, 200, "{name}");
        relay.stop().await;
    }
}
