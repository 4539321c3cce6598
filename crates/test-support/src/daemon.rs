//! Child processes a test starts and must not leave behind: stopped with SIGTERM when dropped,
//! so they can clean up (tauri-driver stops its WebKitWebDriver, TAURI-ON-LINUX 3;
//! Xvfb removes its lock files), killed after a bounded wait; and the first line one prints
//! as it starts.

use std::io::{self, BufRead, BufReader};
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A child process stopped (SIGTERM, then bounded wait, then SIGKILL) when dropped.
pub struct Daemon {
    name: &'static str,
    child: Child,
}

impl Daemon {
    /// `name` is what the warning says should it ignore SIGTERM.
    pub fn new(name: &'static str, child: Child) -> Daemon {
        Daemon { name, child }
    }

    /// Whether it has not exited yet.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Stops it now (as dropping it does).
    pub fn terminate(&mut self) {
        if !self.is_running() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if !self.is_running() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} ignored SIGTERM; killing it", self.name);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// The first line `child` prints on its stdout (an address, a display number), trimmed,
/// waiting at most 20 s; `what` names it in the error.
pub fn first_line(child: &mut Child, what: &str) -> io::Result<String> {
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other(format!("{what}: no stdout")))?;
    let (sent, said) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sent.send(line);
    });
    let line = said
        .recv_timeout(Duration::from_secs(20))
        .map_err(|_| io::Error::other(format!("{what} did not start within 20 s")))?;
    let line = line.trim().to_owned();
    if line.is_empty() {
        return Err(io::Error::other(format!(
            "{what} exited without printing its address"
        )));
    }
    Ok(line)
}
