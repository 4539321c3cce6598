//! A real S3-compatible server on loopback for the relay's `--blob-store s3` tests: `s3s-fs`
//! (installed by `scripts/setup.sh`'s `ensure_s3s_fs`), serving a temporary directory, killed
//! when dropped. Not a mock: the relay talks S3 (SigV4, multipart uploads, ranged GETs) to it.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The bucket every test server has.
pub const BUCKET: &str = "tack";
pub const ACCESS_KEY: &str = "tack-test-access";
pub const SECRET_KEY: &str = "tack-test-secret";

/// An `s3s-fs` process serving a fresh directory with one bucket, [`BUCKET`].
pub struct S3Server {
    pub endpoint: String,
    pub root: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

/// Where `s3s-fs` is: `TACK_S3S_FS`, else the tools cache `scripts/setup.sh` installs into,
/// else `PATH`.
fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("TACK_S3S_FS") {
        return PathBuf::from(path);
    }
    let mut caches = Vec::new();
    if let Some(dir) = std::env::var_os("TACK_TOOLS_DIR") {
        caches.push(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        caches.push(PathBuf::from(dir).join("tack-tools"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        caches.push(PathBuf::from(home).join(".cache/tack-tools"));
    }
    caches.push(PathBuf::from("/var/tmp/tack-tools"));
    caches
        .into_iter()
        .map(|dir| dir.join("bin/s3s-fs"))
        .find(|path| path.exists())
        .unwrap_or_else(|| PathBuf::from("s3s-fs"))
}

impl S3Server {
    /// Starts the server on a free loopback port; blocks until it accepts connections.
    /// Panics with the fix when `s3s-fs` is not installed: these tests run, never skip.
    pub fn start() -> S3Server {
        let dir = crate::temp_data_dir();
        let root = dir.path().join("s3");
        std::fs::create_dir_all(root.join(BUCKET)).expect("create the bucket directory");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let binary = binary();
        let child = Command::new(&binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(&root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} ({e}): install it with scripts/setup.sh's ensure_s3s_fs \
                     (`cargo install s3s-fs --features binary --version 0.14.1 --root DIR`) \
                     and set TACK_S3S_FS",
                    binary.display()
                )
            });
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "s3s-fs did not listen on {address} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        S3Server {
            endpoint: format!("http://{address}"),
            root,
            child,
            _dir: dir,
        }
    }

    /// Every object file under the bucket (to check what was stored).
    pub fn objects(&self) -> Vec<PathBuf> {
        fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root.join(BUCKET), &mut out);
        out
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
