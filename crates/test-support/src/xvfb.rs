//! A private X display for tests that need a window system (the desktop app's end-to-end
//! tests, WebKit's settings): an `Xvfb` of its own, on the display number it picks
//! (`-displayfd`), stopped when dropped ([`Daemon`]).

use std::io;
use std::process::{Command, Stdio};

use crate::daemon::{first_line, Daemon};

/// A running `Xvfb`; `display()` is what `DISPLAY` takes.
pub struct Xvfb {
    _daemon: Daemon,
    display: String,
}

impl Xvfb {
    /// Starts one with one screen of `screen` (`WIDTHxHEIGHTxDEPTH`), waiting at most 20 s for
    /// it to name its display.
    pub fn start(screen: &str) -> io::Result<Xvfb> {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                screen,
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let number = first_line(&mut child, "Xvfb");
        // Stopped on failure too.
        let daemon = Daemon::new("Xvfb", child);
        Ok(Xvfb {
            _daemon: daemon,
            display: format!(":{}", number?),
        })
    }

    /// `:N`, for `DISPLAY`.
    pub fn display(&self) -> &str {
        &self.display
    }
}
