//! `tackctl login`, `whoami`, `logout` against a real Secret Service (gnome-keyring in a
//! private D-Bus session made by `dbus-run-session`) and a small loopback HTTP server that
//! answers like the relay's `/v1` API. The token must reach the keychain and the server, and
//! never the data directory or the command's output.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};

const TOKEN: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

fn json(body: &impl serde::Serialize) -> String {
    serde_json::to_string(body).expect("serialise")
}

/// Serves `requests` HTTP requests, recording `method path authorization` of each.
fn fake_relay(requests: usize) -> (String, Arc<Mutex<Vec<String>>>, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let server = std::thread::spawn(move || {
        for _ in 0..requests {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request_line = String::new();
            reader.read_line(&mut request_line).expect("request line");
            let mut authorization = String::new();
            let mut length = 0_usize;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).expect("header");
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(value) = lower.strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                if lower.starts_with("authorization:") {
                    authorization = line["authorization:".len()..].trim().to_owned();
                }
            }
            let mut body = vec![0_u8; length];
            reader.read_exact(&mut body).expect("body");
            let mut parts = request_line.split_whitespace();
            let method = parts.next().unwrap_or_default().to_owned();
            let path = parts.next().unwrap_or_default().to_owned();
            record
                .lock()
                .expect("record")
                .push(format!("{method} {path} {authorization}"));
            // The relay's own answer types, so this stand-in cannot drift from the wire.
            let (status, reply) = match (method.as_str(), path.as_str()) {
                ("POST", "/v1/login") => (
                    "200 OK",
                    json(&tack_api::SessionStarted {
                        email: "me@example.com".into(),
                        expires_in: 3600,
                        session_id: "s1".into(),
                        token: TOKEN.into(),
                        user_id: "u1".into(),
                    }),
                ),
                ("GET", "/v1/me") => (
                    "200 OK",
                    json(&tack_api::Me {
                        email: "me@example.com".into(),
                        session_id: "s1".into(),
                        user_id: "u1".into(),
                    }),
                ),
                ("POST", "/v1/logout") => ("204 No Content", String::new()),
                _ => (
                    "404 Not Found",
                    json(&tack_api::ErrorBody {
                        error: tack_api::ErrorCode::NotFound,
                        message: "no".into(),
                    }),
                ),
            };
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    (url, seen, server)
}

/// `sh -c script` inside its own D-Bus session (where the script can start and unlock a
/// gnome-keyring), with `home` as the home and data directories and `$TACKCTL` naming the
/// binary under test.
pub(crate) fn in_keyring_session(script: &str, home: &std::path::Path) -> Command {
    let mut command = Command::new("dbus-run-session");
    command
        .args(["--", "sh", "-c", script])
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env_remove("XDG_RUNTIME_DIR")
        .env("TACKCTL", env!("CARGO_BIN_EXE_tackctl"));
    command
}

#[test]
fn login_whoami_logout_keep_the_token_in_a_real_secret_service_only() {
    let home = tempfile::tempdir().expect("home");
    let data = tempfile::tempdir().expect("data");
    let (url, seen, server) = fake_relay(3);
    // One D-Bus session for all three commands, with an unlocked gnome-keyring in it.
    let script = r#"
        set -e
        printf 'test-keyring-password' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        printf 'the password\n' | "$TACKCTL" --data-dir "$DATA" login --server "$SERVER" --email me@example.com --password-stdin
        "$TACKCTL" --data-dir "$DATA" whoami
        echo "keychain entry written? $(ls "$HOME/.local/share/keyrings" | tr '\n' ' ')"
        "$TACKCTL" --data-dir "$DATA" logout
        "$TACKCTL" --data-dir "$DATA" whoami || echo "after logout: not logged in"
    "#;
    let output = in_keyring_session(script, home.path())
        .env("DATA", data.path())
        .env("SERVER", &url)
        .output()
        .expect("run dbus-run-session (scripts/setup.sh installs dbus and gnome-keyring)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    server.join().expect("fake relay");
    assert!(
        stdout.contains(&format!("logged in to {url} as me@example.com")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("me@example.com on {url}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("keychain entry written? login.keyring"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("logged out of {url}")), "{stdout}");
    assert!(stdout.contains("after logout: not logged in"), "{stdout}");
    // The server got the token from the keychain, for whoami and for logout.
    let seen = seen.lock().expect("seen").clone();
    assert_eq!(
        seen,
        [
            "POST /v1/login ".to_owned(),
            format!("GET /v1/me Bearer {TOKEN}"),
            format!("POST /v1/logout Bearer {TOKEN}"),
        ]
    );
    // Never in the data directory, never printed.
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
    for entry in walk(data.path()) {
        let bytes = std::fs::read(&entry).expect("read");
        assert!(
            !String::from_utf8_lossy(&bytes).contains(TOKEN),
            "token found in {}",
            entry.display()
        );
    }
}

#[test]
fn without_a_keychain_login_fails_clearly_and_stores_nothing() {
    let data = tempfile::tempdir().expect("data");
    let (url, _seen, _server) = fake_relay(1);
    let output = Command::new(env!("CARGO_BIN_EXE_tackctl"))
        .arg("--data-dir")
        .arg(data.path())
        .args([
            "login",
            "--server",
            &url,
            "--email",
            "me@example.com",
            "--password-stdin",
        ])
        // No session bus at all.
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            if let Some(stdin) = child.stdin.as_mut() {
                stdin.write_all(b"the password\n")?;
            }
            child.wait_with_output()
        })
        .expect("run tackctl");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("no usable OS keychain"), "{stderr}");
    assert!(walk(data.path()).is_empty(), "something was stored");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
