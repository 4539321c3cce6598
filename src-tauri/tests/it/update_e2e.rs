//! Signed updates through the real app under Xvfb: a relay-like update server on loopback
//! announces Tack 9.9.9 (a static `latest.json` and the artifact), the app (a debug build, told
//! the endpoint and the public key through its environment, run "as an AppImage" whose file is
//! a temporary one) offers it in its banner; an artifact signed by another key is refused and
//! the installed file stays as it was; the genuine one is installed into that file, and the
//! banner asks for a restart instead of restarting by itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, Result};
use base64::Engine as _;
use serde_json::json;

use crate::app::{artifact, key, App, Desktop};
use crate::e2e::settle;
use crate::palette::palette;

/// An AppImage's bytes as far as the installer checks them (an ELF header, 64 bytes and more).
const NEW_APPIMAGE: &[u8] =
    b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0 Tack 9.9.9, a test build, longer than an ELF header";
const OLD_APPIMAGE: &[u8] = b"\x7fELF Tack 0.1.0, installed";

fn base64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A minisign key pair: the public key as the app takes it (base64 of the key file's text)
/// and a function signing bytes as `tauri signer sign` does (base64 of the `.sig` text).
struct Key {
    public: String,
    pair: minisign::KeyPair,
}

impl Key {
    fn new() -> Result<Key> {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().context("key pair")?;
        let public = base64(&pair.pk.to_box().context("public key box")?.into_string());
        Ok(Key { public, pair })
    }

    fn sign(&self, bytes: &[u8]) -> Result<String> {
        let signature = minisign::sign(
            Some(&self.pair.pk),
            &self.pair.sk,
            std::io::Cursor::new(bytes),
            Some("file:Tack_9.9.9_amd64.AppImage"),
            None,
        )
        .context("signing")?;
        Ok(base64(&signature.into_string()))
    }
}

/// Serves `/latest.json` (whatever `manifest` holds now) and `/Tack.AppImage` on loopback
/// until dropped.
struct UpdateServer {
    addr: SocketAddr,
    manifest: Arc<Mutex<String>>,
    stop: Arc<AtomicBool>,
}

impl UpdateServer {
    fn start(artifact: &'static [u8]) -> Result<UpdateServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let manifest = Arc::new(Mutex::new(String::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, stopped) = (manifest.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stopped.load(Ordering::SeqCst) {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                let _ = answer(stream, &shared, artifact);
            }
        });
        Ok(UpdateServer {
            addr,
            manifest,
            stop,
        })
    }

    fn announce(&self, signature: &str) {
        let manifest = json!({
            "version": "9.9.9",
            "notes": "Faster boards",
            "pub_date": "2026-12-05T12:00:00Z",
            "platforms": {
                "linux-x86_64": {
                    "signature": signature,
                    "url": format!("http://{}/Tack.AppImage", self.addr),
                }
            }
        });
        *self.manifest.lock().unwrap_or_else(PoisonError::into_inner) = manifest.to_string();
    }
}

impl Drop for UpdateServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// One request: its path decides the answer; the connection closes after it.
fn answer(
    stream: std::net::TcpStream,
    manifest: &Mutex<String>,
    artifact: &[u8],
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // The headers, up to the blank line (bounded).
    for _ in 0..100 {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (status, kind, body): (&str, &str, Vec<u8>) = match path {
        "/latest.json" => (
            "200 OK",
            "application/json",
            manifest
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
                .into_bytes(),
        ),
        "/Tack.AppImage" => ("200 OK", "application/octet-stream", artifact.to_vec()),
        _ => ("404 Not Found", "text/plain", b"no".to_vec()),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)?;
    let _ = reader.read(&mut [0; 1]);
    Ok(())
}

/// The banner's text once it says `wanted` (bounded).
async fn banner(app: &App, wanted: &str) -> Result<String> {
    let text = app
        .wait_for(
            &format!("the update banner to say {wanted:?}"),
            &format!(
                "const b = document.querySelector('[role=status][aria-label=Update]');\
                 return b && b.textContent.includes({}) ? b.textContent : null;",
                json!(wanted)
            ),
            30,
        )
        .await?;
    Ok(text.as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_update_is_offered_installed_on_request_and_a_forged_one_is_refused() -> Result<()>
{
    let genuine = Key::new()?;
    let forger = Key::new()?;
    let server = UpdateServer::start(NEW_APPIMAGE)?;
    // First the forged signature: the right bytes, signed by a key the app does not trust.
    server.announce(&forger.sign(NEW_APPIMAGE)?);

    let mut desktop = Desktop::start()?;
    let installed = desktop.data_dir().with_file_name("Tack.AppImage");
    std::fs::write(&installed, OLD_APPIMAGE)?;
    let endpoint = format!("http://{}/latest.json", server.addr);
    desktop.set_app_env("TACK_UPDATE_ENDPOINT", &endpoint);
    desktop.set_app_env("TACK_UPDATE_PUBKEY", &genuine.public);
    desktop.set_app_env("APPIMAGE", &installed.display().to_string());
    let app = desktop.launch().await?;
    settle(&app).await?;

    palette(&app, "Check for updates", "Check for updates").await?;
    app.keys(&key::ENTER.to_string()).await?;
    banner(&app, "Tack 9.9.9 is available.").await?;
    palette(&app, "Install update", "Install update").await?;
    app.keys(&key::ENTER.to_string()).await?;
    let refused = banner(&app, "was not installed").await?;
    assert!(
        refused.to_lowercase().contains("signature"),
        "the refusal names the signature: {refused}"
    );
    assert_eq!(
        std::fs::read(&installed)?,
        OLD_APPIMAGE,
        "nothing was installed"
    );

    // The genuine release: offered again, installed into the AppImage, restart left to me.
    server.announce(&genuine.sign(NEW_APPIMAGE)?);
    palette(&app, "Check for updates", "Check for updates").await?;
    app.keys(&key::ENTER.to_string()).await?;
    banner(&app, "Tack 9.9.9 is available.").await?;
    palette(&app, "Install update", "Install update").await?;
    app.keys(&key::ENTER.to_string()).await?;
    banner(&app, "Tack 9.9.9 is installed: restart to use it.").await?;
    assert_eq!(std::fs::read(&installed)?, NEW_APPIMAGE);
    app.screenshot(&artifact("update-installed.png")).await?;
    app.quit().await?;
    Ok(())
}
