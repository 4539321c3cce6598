//! Traces over OTLP/HTTP: the real binary with `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a
//! tiny in-process collector sends connection, board and commit spans, linked in one trace.

use std::process::Command;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::durability::start_server_with;
use crate::support::{Backend, BackendKind, Client};

const BOARD: &str = "0190a000-0000-7000-8000-0000000000f0";

/// Accepts POSTs, answers 200 and hands each body over.
async fn collector() -> (
    std::net::SocketAddr,
    mpsc::UnboundedReceiver<(String, String)>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut data = Vec::new();
                let mut buf = [0u8; 8192];
                loop {
                    let Ok(n) = stream.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    data.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&data).into_owned();
                    let Some((head, body)) = text.split_once("\r\n\r\n") else {
                        continue;
                    };
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    if body.len() < length {
                        continue;
                    }
                    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    let _ = tx.send((path, body[..length].to_owned()));
                    return;
                }
            });
        }
    });
    (addr, rx)
}

#[tokio::test]
async fn spans_of_connections_boards_and_commits_reach_an_otlp_collector() {
    let (addr, mut bodies) = collector().await;
    let backend = Backend::new(BackendKind::Postgres);
    let endpoint = format!("http://{addr}");
    let mut server = start_server_with(
        &backend,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_SERVICE_NAME", "relay-under-test"),
        ],
    );
    let mut client = Client::connect(server.addr).await;
    client.open(BOARD, "dev").await.expect("open");
    client.set(BOARD, "k", "v").await;
    assert_eq!(client.status(BOARD).await, Some(true));
    drop(client);
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    for _ in 0..1000 {
        if server.child.try_wait().expect("wait").is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let mut spans = Vec::new();
    while let Ok(Some((path, body))) =
        tokio::time::timeout(Duration::from_secs(3), bodies.recv()).await
    {
        assert_eq!(path, "/v1/traces");
        let json: serde_json::Value = serde_json::from_str(&body).expect("OTLP JSON");
        let resource = &json["resourceSpans"][0];
        assert_eq!(
            resource["resource"]["attributes"][0]["value"]["stringValue"],
            "relay-under-test"
        );
        for scope in resource["scopeSpans"].as_array().expect("scopeSpans") {
            spans.extend(scope["spans"].as_array().expect("spans").iter().cloned());
        }
        let names: Vec<&str> = spans.iter().filter_map(|s| s["name"].as_str()).collect();
        if ["connection", "board", "commit"]
            .iter()
            .all(|n| names.contains(n))
        {
            break;
        }
    }
    let find = |name: &str| {
        spans
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no {name} span in {spans:?}"))
            .clone()
    };
    let attribute = |span: &serde_json::Value, key: &str| {
        span["attributes"]
            .as_array()
            .and_then(|a| a.iter().find(|kv| kv["key"] == key))
            .map(|kv| kv["value"]["stringValue"].as_str().unwrap_or("").to_owned())
    };
    let connection = find("connection");
    let board = find("board");
    let commit = find("commit");
    assert_eq!(attribute(&board, "board").as_deref(), Some(BOARD));
    assert_eq!(
        board["traceId"], connection["traceId"],
        "the board span belongs to its connection's trace"
    );
    assert_eq!(board["parentSpanId"], connection["spanId"]);
    assert_eq!(attribute(&commit, "updates").as_deref(), Some("1"));
    let start: u64 = commit["startTimeUnixNano"]
        .as_str()
        .unwrap_or("0")
        .parse()
        .unwrap_or(0);
    let end: u64 = commit["endTimeUnixNano"]
        .as_str()
        .unwrap_or("0")
        .parse()
        .unwrap_or(0);
    assert!(start > 0 && end >= start, "commit span has its times");
}
