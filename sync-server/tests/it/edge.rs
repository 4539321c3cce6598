//! The relay's edge before authentication: password hashing bounded, logins throttled
//! atomically per account and per address, failed Auths budgeted per socket, slow headers and
//! bodies timed out, unauthenticated sockets capped per address, and bad text refused with 400.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;
use sync_protocol::{AuthMessage, MuxFrame, MuxMessage};
use sync_server::config::ServerConfig;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::support::{Backend, BackendKind, Seen, TestRelay, Tokens, BOTH, WAIT};

/// A raw HTTP/1.1 exchange: `(status, headers in lower case, body)`.
async fn request(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String, String) {
    crate::support::http_raw(addr, method, path, None, body).await
}

fn login_body(email: &str, password: &str) -> String {
    json!({"email": email, "password": password}).to_string()
}

/// A config whose per-address buckets do not get in the way of per-account tests.
fn generous_addresses() -> ServerConfig {
    let mut config = ServerConfig::default();
    config.admission.logins_per_address.burst = 10_000;
    config.admission.signups_per_address.burst = 10_000;
    config
}

/// 30 wrong passwords at once for one account: only the allowed number are evaluated (401),
/// the rest are refused before hashing (429); then the right password is refused too until
/// the window ends, and accepted after it.
#[tokio::test]
async fn parallel_wrong_logins_beyond_the_limit_are_refused_without_evaluation() {
    let mut config = generous_addresses();
    config.accounts.login_window = Duration::from_secs(2);
    let limit = config.accounts.login_failures as usize;
    let relay = TestRelay::start_accounts_with(Backend::new(BackendKind::Sqlite), config).await;
    relay.signup("erin@example.com").await;
    let addr = relay.addr;
    let attempts: Vec<_> = (0..30)
        .map(|_| {
            tokio::spawn(async move {
                request(
                    addr,
                    "POST",
                    "/v1/login",
                    &login_body("erin@example.com", "not the password"),
                )
                .await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.expect("attempt").0);
    }
    let evaluated = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(evaluated + refused, 30, "{statuses:?}");
    assert!(
        evaluated <= limit,
        "{evaluated} wrong passwords evaluated, limit {limit}: {statuses:?}"
    );

    let right = login_body("erin@example.com", "correct horse");
    let (status, head, body) = request(addr, "POST", "/v1/login", &right).await;
    assert_eq!(status, 429, "locked even with the right password: {body}");
    assert!(head.contains("retry-after:"), "{head}");
    assert!(body.contains("too_many_attempts"), "{body}");

    // After the window the right password works (bounded: the window is 2 s).
    let mut accepted = false;
    for _ in 0..40 {
        let (status, _, _) = request(addr, "POST", "/v1/login", &right).await;
        if status == 200 {
            accepted = true;
            break;
        }
        assert_eq!(status, 429);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(accepted, "the right password is accepted after the window");
    relay.stop().await;
}

/// Logins and signups from one address get a burst, then 429 with Retry-After.
#[tokio::test]
async fn logins_and_signups_are_limited_per_address() {
    let mut config = ServerConfig::default();
    config.admission.signups_per_address.burst = 3;
    config.admission.signups_per_address.per_minute = 1;
    config.admission.logins_per_address.burst = 4;
    config.admission.logins_per_address.per_minute = 1;
    let relay = TestRelay::start_accounts_with(Backend::new(BackendKind::Sqlite), config).await;
    for i in 0..3 {
        relay.signup(&format!("user{i}@example.com")).await;
    }
    let (status, head, body) = request(
        relay.addr,
        "POST",
        "/v1/signup",
        &login_body("user3@example.com", "correct horse"),
    )
    .await;
    assert_eq!(status, 429, "{body}");
    assert!(head.contains("retry-after:"), "{head}");
    assert!(body.contains("too_many_requests"), "{body}");

    // Four different accounts: the account throttle is not what stops the fifth.
    for i in 0..4 {
        let (status, _, body) = request(
            relay.addr,
            "POST",
            "/v1/login",
            &login_body(&format!("user{}@example.com", i % 3), "wrong password"),
        )
        .await;
        assert_eq!(status, 401, "{body}");
    }
    let (status, head, body) = request(
        relay.addr,
        "POST",
        "/v1/login",
        &login_body("user0@example.com", "correct horse"),
    )
    .await;
    assert_eq!(status, 429, "{body}");
    assert!(head.contains("retry-after:"), "{head}");
    relay.stop().await;
}

/// With one hashing permit and no queue, 64 logins at once do not all hash: the excess is
/// answered 503 with Retry-After at once instead of each holding ~19 MiB.
#[tokio::test]
async fn concurrent_logins_beyond_the_hashing_permits_get_503_with_retry_after() {
    let mut config = generous_addresses();
    config.admission.hash_permits = 1;
    config.admission.hash_queue = 0;
    let relay = TestRelay::start_accounts_with(Backend::new(BackendKind::Sqlite), config).await;
    let addr = relay.addr;
    let attempts: Vec<_> = (0..64)
        .map(|i| {
            tokio::spawn(async move {
                // Unknown accounts: no throttle per account applies, each costs a hash.
                request(
                    addr,
                    "POST",
                    "/v1/login",
                    &login_body(&format!("nobody{i}@example.com"), "some password"),
                )
                .await
            })
        })
        .collect();
    let mut busy = 0;
    for attempt in attempts {
        let (status, head, body) = attempt.await.expect("attempt");
        match status {
            401 => {}
            503 => {
                busy += 1;
                assert!(head.contains("retry-after:"), "{head}");
                assert!(body.contains("\"busy\""), "{body}");
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(busy > 0, "64 concurrent logins all hashed with one permit");
    let (_, metrics) = relay.http_get("/metrics").await;
    assert!(
        metrics.contains("reason=\"hashing_busy\""),
        "refusals are counted"
    );
    relay.stop().await;
}

/// An unauthenticated socket gets a budget of refused Auths, then is closed with 1008.
#[tokio::test]
async fn a_socket_refused_auth_too_often_is_closed() {
    let budget = ServerConfig::default()
        .admission
        .max_failed_auths_per_socket;
    let relay = TestRelay::start(BackendKind::Sqlite).await;
    let mut attacker = relay.client().await;
    for i in 0..budget + 5 {
        attacker
            .send(
                &format!("board-{i}"),
                MuxMessage::Auth(AuthMessage::Token {
                    token: "guess".into(),
                }),
            )
            .await;
    }
    let (code, reason) = attacker.closed().await.expect("closed");
    assert_eq!(code, 1008, "{reason}");
    assert!(reason.contains("Auth"), "{reason}");
    let denied = attacker
        .log
        .iter()
        .filter(|seen| {
            matches!(
                seen,
                Seen::Frame(MuxFrame::Board {
                    message: MuxMessage::Auth(AuthMessage::PermissionDenied { .. }),
                    ..
                })
            )
        })
        .count();
    assert_eq!(
        denied, budget as usize,
        "each refusal within the budget answered"
    );
    let (_, metrics) = relay.http_get("/metrics").await;
    assert!(metrics.contains("reason=\"auth_budget\""), "counted");
    // An honest client is unaffected.
    let mut honest = relay.client().await;
    assert!(honest.open("b", "editor").await.is_ok());
    relay.stop().await;
}

/// A connection that drips its request headers is closed at the header timeout.
#[tokio::test]
async fn a_connection_dripping_its_headers_is_closed_at_the_timeout() {
    let mut config = ServerConfig::default();
    config.admission.header_read_timeout = Duration::from_secs(1);
    let relay = TestRelay::start_with(
        Backend::new(BackendKind::Sqlite),
        std::sync::Arc::new(Tokens),
        config,
    )
    .await;
    let mut stream = TcpStream::connect(relay.addr).await.expect("connect");
    stream
        .write_all(b"GET /sync HTTP/1.1\r\n")
        .await
        .expect("write");
    // Bounded: 15 s of dripping one header line every 200 ms.
    let mut closed = false;
    let mut buffer = [0_u8; 256];
    for i in 0..75 {
        tokio::select! {
            read = stream.read(&mut buffer) => {
                // End of stream, an error, or an error response: the relay gave up on it.
                let _ = read;
                closed = true;
                break;
            }
            () = tokio::time::sleep(Duration::from_millis(200)) => {
                if stream.write_all(format!("X-Drip-{i}: x\r\n").as_bytes()).await.is_err() {
                    closed = true;
                    break;
                }
            }
        }
    }
    assert!(closed, "a dripping connection stayed open for 15 s");
    relay.stop().await;
}

/// A `/v1` body that does not arrive in time is answered 408 (and too large a body 413).
#[tokio::test]
async fn a_slow_or_oversize_request_body_is_refused() {
    let mut config = ServerConfig::default();
    config.admission.request_body_timeout = Duration::from_secs(1);
    config.admission.max_request_body_bytes = 1024;
    let relay = TestRelay::start_accounts_with(Backend::new(BackendKind::Sqlite), config).await;
    let mut stream = TcpStream::connect(relay.addr).await.expect("connect");
    let head = format!(
        "POST /v1/login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{\"email\"",
        relay.addr
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    let mut buffer = [0_u8; 1024];
    // Bounded by WAIT; the relay answers after its 1 s body timeout.
    while !String::from_utf8_lossy(&response).contains("\r\n\r\n") {
        let read = tokio::time::timeout(WAIT, stream.read(&mut buffer))
            .await
            .expect("answered before WAIT")
            .expect("read");
        if read == 0 {
            break;
        }
        response.extend_from_slice(&buffer[..read]);
    }
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");

    let big = format!("{{\"email\": \"{}\"}}", "a".repeat(2048));
    let (status, _, body) = request(relay.addr, "POST", "/v1/signup", &big).await;
    assert_eq!(status, 413, "{body}");
    relay.stop().await;
}

/// One address holds at most N sockets that have not authenticated a board: the N+1-th is
/// refused at the upgrade (429), and a socket that authenticates frees its slot.
#[tokio::test]
async fn unauthenticated_sockets_are_capped_per_address() {
    let mut config = ServerConfig::default();
    config.admission.max_unauthenticated_per_address = 3;
    let relay = TestRelay::start_with(
        Backend::new(BackendKind::Sqlite),
        std::sync::Arc::new(Tokens),
        config,
    )
    .await;
    let mut waiting = Vec::new();
    for _ in 0..3 {
        waiting.push(relay.client().await);
    }
    let refused = tokio_tungstenite::connect_async(format!("ws://{}/sync", relay.addr)).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 429);
        }
        other => panic!("the fourth unauthenticated socket was not refused: {other:?}"),
    }
    // Authenticating one frees its slot (the socket itself carries on): one more may wait.
    let mut first = waiting.remove(0);
    assert!(first.open("b", "editor").await.is_ok());
    waiting.push(relay.client().await);
    assert!(
        tokio_tungstenite::connect_async(format!("ws://{}/sync", relay.addr))
            .await
            .is_err(),
        "at the cap again"
    );
    // Closing one frees its slot too (once the relay notices the close: bounded retries).
    drop(waiting.remove(0));
    let mut admitted = false;
    for _ in 0..50 {
        match tokio_tungstenite::connect_async(format!("ws://{}/sync", relay.addr)).await {
            Ok(_) => {
                admitted = true;
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    assert!(admitted, "a closed socket's slot is reusable");
    // Health checks are outside the cap.
    assert_eq!(relay.http_get("/healthz").await.0, 200);
    drop(first);
    relay.stop().await;
}

/// NUL bytes, control characters and over-long strings in any `/v1` string are refused with
/// 400 naming the field, on both backends; nothing is stored.
#[tokio::test]
async fn bad_text_at_the_api_edge_gets_400_naming_the_field() {
    for kind in BOTH {
        let relay = TestRelay::start_accounts_with(Backend::new(kind), generous_addresses()).await;
        let (user_id, token) = relay.signup("owner@example.com").await;
        relay.publish(&token, "board-1").await;

        let cases: Vec<(&str, String, Option<serde_json::Value>, &str)> = vec![
            (
                "POST",
                "/v1/signup".into(),
                Some(json!({"email": "nul\u{0}@example.com", "password": "correct horse"})),
                "email",
            ),
            (
                "POST",
                "/v1/signup".into(),
                Some(json!({"email": "tab\t@example.com", "password": "correct horse"})),
                "email",
            ),
            (
                "POST",
                "/v1/signup".into(),
                Some(
                    json!({"email": format!("{}@example.com", "a".repeat(300)), "password": "correct horse"}),
                ),
                "email",
            ),
            (
                "POST",
                "/v1/signup".into(),
                Some(json!({"email": "pw@example.com", "password": "correct\u{0}horse"})),
                "password",
            ),
            (
                "POST",
                "/v1/signup".into(),
                Some(json!({"email": "pw@example.com", "password": "x".repeat(1025)})),
                "password",
            ),
            (
                "POST",
                "/v1/login".into(),
                Some(json!({"email": "owner@example.com\u{0}", "password": "correct horse"})),
                "email",
            ),
            (
                "POST",
                "/v1/login".into(),
                Some(json!({"email": "owner@example.com", "password": "correct horse\u{0}"})),
                "password",
            ),
            ("PUT", "/v1/boards/nul%00board".into(), None, "board id"),
            (
                "GET",
                "/v1/boards/nul%00board/members".into(),
                None,
                "board id",
            ),
            (
                "PUT",
                "/v1/boards/nul%00board/members".into(),
                Some(json!({"email": "x@example.com", "role": "viewer"})),
                "board id",
            ),
            (
                "PUT",
                "/v1/boards/board-1/members".into(),
                Some(json!({"email": "x\u{0}@example.com", "role": "viewer"})),
                "email",
            ),
            (
                "PUT",
                "/v1/boards/board-1/members/%00".into(),
                Some(json!({"role": "viewer"})),
                "user id",
            ),
            (
                "DELETE",
                format!("/v1/boards/bo%01ard/members/{user_id}"),
                None,
                "board id",
            ),
            ("POST", "/v1/boards/board%00/leave".into(), None, "board id"),
            (
                "POST",
                "/v1/boards/board%00/invites".into(),
                Some(json!({"role": "viewer"})),
                "board id",
            ),
            ("DELETE", "/v1/sessions/%00".into(), None, "session id"),
            (
                "POST",
                "/v1/invites/accept".into(),
                Some(json!({"token": format!("{}\u{0}", "a".repeat(42))})),
                "token",
            ),
        ];
        for (method, path, body, field) in cases {
            let (status, answer) = relay.api(method, &path, Some(&token), body).await;
            assert_eq!(status, 400, "{kind:?} {method} {path}: {answer}");
            let message = answer["message"].as_str().unwrap_or_default();
            assert!(
                message.starts_with(field),
                "{kind:?} {method} {path}: names {field}: {message}"
            );
        }
        // Nothing was stored: the NUL email has no account, the board list is unchanged.
        let (status, _) = relay
            .api(
                "POST",
                "/v1/login",
                None,
                Some(json!({"email": "nul\u{0}@example.com", "password": "correct horse"})),
            )
            .await;
        assert_eq!(status, 400);
        let (status, boards) = relay.api("GET", "/v1/boards", Some(&token), None).await;
        assert_eq!(status, 200);
        assert_eq!(
            boards["boards"].as_array().map(Vec::len),
            Some(1),
            "{boards}"
        );

        // The sync endpoint: a board name with NUL is refused without a database error.
        let mut client = relay.client().await;
        let refused = client.open("nul\u{0}board", &token).await;
        assert!(
            refused
                .as_ref()
                .is_err_and(|reason| reason.contains("not allowed")),
            "{kind:?}: {refused:?}"
        );
        relay.stop().await;
    }
}
