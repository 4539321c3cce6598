//! Drives the real `tack` binary: a private Xvfb display and session bus, `tauri-driver` in
//! front of Debian's `WebKitWebDriver`, and a fantoccini WebDriver client. One app at a time
//! (the machine has two cores), or one pair for the collaboration tests, each with its own
//! display, bus, keychain (gnome-keyring) and data directory; every wait is bounded.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use test_support::daemon::{first_line, Daemon};
use test_support::xvfb::Xvfb;

/// The binary under test, built by `cargo test` (default features: the bundled UI).
const APP: &str = env!("CARGO_BIN_EXE_tack");

static ONE_APP_AT_A_TIME: Mutex<()> = Mutex::new(());

/// WebDriver key codes (the W3C "normalized key values" private-use characters).
pub mod key {
    pub const ENTER: char = '\u{E007}';
    pub const ESCAPE: char = '\u{E00C}';
    pub const CONTROL: char = '\u{E009}';
    pub const BACKSPACE: char = '\u{E003}';
    pub const SHIFT: char = '\u{E008}';
    pub const ALT: char = '\u{E00A}';
}

/// Xvfb, a session bus and tauri-driver, shared by the app launches of one test.
pub struct Desktop {
    driver: Option<Daemon>,
    _keyring: Option<Daemon>,
    _bus: Daemon,
    xvfb: Xvfb,
    bus_address: String,
    port: u16,
    home: tempfile::TempDir,
    /// More environment for the apps launched from now on (`set_app_env`).
    app_env: Vec<(String, String)>,
    _guard: Option<MutexGuard<'static, ()>>,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn tauri_driver() -> PathBuf {
    if let Some(path) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(path);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_default();
    let cached = cache.join("tack-tools/bin/tauri-driver");
    if cached.exists() {
        cached
    } else {
        PathBuf::from("tauri-driver")
    }
}

impl Desktop {
    pub fn start() -> Result<Self> {
        let guard = ONE_APP_AT_A_TIME
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Self::start_guarded(Some(guard))
    }

    /// Two desktops side by side (two people), each with an unlocked keychain of its own.
    pub fn start_two() -> Result<(Self, Self)> {
        let guard = ONE_APP_AT_A_TIME
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut first = Self::start_guarded(Some(guard))?;
        first.start_keyring()?;
        let mut second = Self::start_guarded(None)?;
        second.start_keyring()?;
        Ok((first, second))
    }

    /// One desktop with an unlocked keychain of its own (to sign in).
    pub fn start_with_keychain() -> Result<Self> {
        let mut desktop = Self::start()?;
        desktop.start_keyring()?;
        Ok(desktop)
    }

    /// Another launch of the app on this desktop (its display, bus, home and data directory),
    /// outside WebDriver, as a person or the OS opening a `tack://` link starts it.
    pub fn second_launch(&self) -> Command {
        let home = self.home.path();
        let mut command = Command::new(APP);
        command
            .env("DISPLAY", self.xvfb.display())
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus_address)
            .env("NO_AT_BRIDGE", "1")
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("TACK_DATA_DIR", self.data_dir())
            .env("TACK_USER", "e2e")
            .env("TACK_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        command
    }

    /// gnome-keyring's Secret Service on this desktop's bus, unlocked: the app's OS keychain.
    fn start_keyring(&mut self) -> Result<()> {
        let home = self.home.path();
        let mut child = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus_address)
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env_remove("XDG_RUNTIME_DIR")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("gnome-keyring-daemon (scripts/setup.sh installs it)")?;
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            stdin.write_all(b"test-keyring-password")?;
        }
        self._keyring = Some(Daemon::new("gnome-keyring-daemon", child));
        // Bounded wait until the Secret Service answers on the bus.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let owned = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &self.bus_address)
                .output()?;
            if String::from_utf8_lossy(&owned.stdout).contains("boolean true") {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the Secret Service did not appear within 20 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn start_guarded(guard: Option<MutexGuard<'static, ()>>) -> Result<Self> {
        let missing = "the desktop test tools are missing: run `source scripts/setup.sh && \
                       ensure_desktop_deps` (Xvfb, dbus, WebKitWebDriver, tauri-driver)";

        let xvfb = Xvfb::start("1280x800x24").context(missing)?;

        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context(missing)?;
        let bus_address = first_line(&mut bus, "dbus-daemon")?;
        let bus_daemon = Daemon::new("dbus-daemon", bus);

        let home = tempfile::tempdir()?;
        let mut desktop = Self {
            driver: None,
            _keyring: None,
            _bus: bus_daemon,
            xvfb,
            bus_address,
            port: 0,
            home,
            app_env: Vec::new(),
            _guard: guard,
        };
        desktop.start_driver().context(missing)?;
        Ok(desktop)
    }

    /// A fresh tauri-driver: the app it launches inherits this environment.
    fn start_driver(&mut self) -> Result<()> {
        if let Some(mut old) = self.driver.take() {
            old.terminate();
        }
        self.port = free_port()?;
        let native_port = free_port()?;
        let home = self.home.path();
        let child = Command::new(tauri_driver())
            .args(["--port", &self.port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .env("DISPLAY", self.xvfb.display())
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus_address)
            .env("NO_AT_BRIDGE", "1")
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("TACK_DATA_DIR", self.data_dir())
            .env("TACK_USER", "e2e")
            // `TACK_E2E_LOG=sync_client=debug,tack=debug` shows the apps' logs when debugging.
            .env(
                "TACK_LOG",
                std::env::var("TACK_E2E_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .envs(self.app_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .spawn()?;
        self.driver = Some(Daemon::new("tauri-driver", child));
        // Bounded wait for the port to accept.
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                bail!("tauri-driver did not listen on {} within 20 s", self.port);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Runs `xdotool` on this desktop's display: key presses and typing as a keyboard makes
    /// them (X11 events, which reach global shortcuts and any window, not only WebDriver's).
    pub fn xdotool(&self, args: &[&str]) -> Result<String> {
        let output = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", self.xvfb.display())
            .stdin(Stdio::null())
            .output()
            .context("running xdotool (apt install xdotool)")?;
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// Saves a PNG of the whole screen (every window of the app, not only WebDriver's; a
    /// single WebKit window captured alone comes out blank).
    pub fn capture_screen(&self, path: &Path) -> Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let status = Command::new("import")
            .args(["-window", "root"])
            .arg(path)
            .env("DISPLAY", self.xvfb.display())
            .stdin(Stdio::null())
            .status()
            .context("running ImageMagick's import")?;
        anyhow::ensure!(status.success(), "import failed: {status}");
        println!("screenshot: {}", path.display());
        Ok(())
    }

    /// Waits (bounded) until a window named `name` is shown (`shown`) or no longer is; its X11
    /// id when shown.
    pub fn wait_window(&self, name: &str, shown: bool, seconds: u64) -> Result<String> {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let found = self.xdotool(&["search", "--onlyvisible", "--name", name])?;
            let id = found.lines().next().unwrap_or_default().to_owned();
            if id.is_empty() != shown {
                return Ok(id);
            }
            if Instant::now() > deadline {
                bail!(
                    "the window {name:?} was {} after {seconds} s",
                    if shown { "not shown" } else { "still shown" }
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sets an environment variable for the apps launched from now on (the driver passes its
    /// environment to the app it starts, so the driver starts again with it).
    pub fn set_app_env(&mut self, key: &str, value: &str) {
        self.app_env.push((key.to_owned(), value.to_owned()));
        if let Some(mut driver) = self.driver.take() {
            driver.terminate();
        }
    }

    /// The app's store: kept across launches of this test, so a restart finds everything.
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("tack-data")
    }

    /// Waits until the app launched before on this data directory has exited: a window closed
    /// ([`App::quit`]) leaves its process a moment more (it keeps the shown view), and a launch
    /// meanwhile would hand its link to it rather than start.
    ///
    /// One that is still there after 30 s (seen once in about ten full runs, 2026-12-06: its
    /// window closed through WebDriver, its process not gone) is described on stderr, each
    /// thread's name, state and kernel wait, for whoever chases it, then killed, so the launch
    /// is a real start and the test goes on with what it is about.
    async fn wait_app_gone(&self) -> Result<()> {
        let mut deadline = Instant::now() + Duration::from_secs(30);
        let mut killed = false;
        while let Ok(running) = AppProcesses::find(&self.data_dir()) {
            if Instant::now() > deadline {
                ensure!(
                    !killed,
                    "the app launched before ({}) did not go even when killed",
                    running.app
                );
                eprintln!(
                    "WARNING: the app launched before ({}) did not exit within 30 s of its window \
                     closing; its threads (name, state, wait): {}; killing it",
                    running.app,
                    threads_of(running.app)
                );
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", &running.app.to_string()])
                    .status();
                killed = true;
                deadline = Instant::now() + Duration::from_secs(10);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Launches the app and waits until the UI has rendered its first frame.
    pub async fn launch(&mut self) -> Result<App> {
        self.launch_with_args(&[]).await
    }

    /// Launches the app with command-line arguments (a `tack://` link the OS passes).
    pub async fn launch_with_args(&mut self, args: &[&str]) -> Result<App> {
        self.wait_app_gone().await?;
        if self
            .driver
            .as_mut()
            .is_none_or(|driver| !driver.is_running())
        {
            self.start_driver()?;
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert(
            "tauri:options".into(),
            json!({ "application": APP, "args": args }),
        );
        // tauri-driver accepts before its WebKitWebDriver does: retry the session, bounded.
        let url = format!("http://127.0.0.1:{}", self.port);
        let mut attempts = 0;
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(err) if attempts < 40 => {
                    attempts += 1;
                    tracing_free_log(&err);
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(err) => return Err(err).context("starting a WebDriver session with the app"),
            }
        };
        let app = App { client };
        app.wait_for(
            "the UI to render",
            "return document.readyState === 'complete' && document.body.children.length > 0;",
            60,
        )
        .await?;
        Ok(app)
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        if let Some(mut driver) = self.driver.take() {
            driver.terminate();
        }
    }
}

fn tracing_free_log(err: &dyn std::fmt::Display) {
    eprintln!("WebDriver session not ready yet: {err}");
}

/// The longest one WebDriver command may take. WebKitWebDriver has been seen to stop answering
/// (once in ~15 runs, on a loaded machine, with the app idle): without a bound the test, and CI,
/// would wait forever.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs one WebDriver command, failing (not hanging) if the driver stops answering.
async fn bounded<T, E>(
    what: &str,
    command: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match tokio::time::timeout(COMMAND_TIMEOUT, command).await {
        Ok(result) => Ok(result?),
        Err(_) => bail!("WebDriver gave no answer to {what} within {COMMAND_TIMEOUT:?}"),
    }
}

/// One running app under WebDriver.
pub struct App {
    client: Client,
}

impl App {
    /// Runs `script` (a function body; `arguments[i]` are `args`) in the page.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        bounded("running a script", self.client.execute(script, args))
            .await
            .with_context(|| format!("running {script}"))
    }

    /// `TACK_BENCH_CSS`: more CSS on the page, to price a rule in the timing probes (a
    /// constructed style sheet: the app's CSP refuses inline styles). Nothing when unset.
    pub async fn bench_css(&self) -> Result<()> {
        let Ok(css) = std::env::var("TACK_BENCH_CSS") else {
            return Ok(());
        };
        println!("TACK_BENCH_CSS: {css}");
        self.js(
            "const sheet = new CSSStyleSheet(); sheet.replaceSync(arguments[0]);\
             document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];",
            vec![json!(css)],
        )
        .await?;
        Ok(())
    }

    /// Runs `script` asynchronously: it finishes by calling its last argument with the result.
    pub async fn js_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        bounded("running a script", self.client.execute_async(script, args)).await
    }

    /// Polls `script` (a function body returning a truthy value when done) every 50 ms, for
    /// at most `seconds`.
    pub async fn wait_for(&self, what: &str, script: &str, seconds: u64) -> Result<Value> {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let value = self.js(script, vec![]).await?;
            if !(value.is_null()
                || value == json!(false)
                || value == json!("")
                || value == json!(0))
            {
                return Ok(value);
            }
            if Instant::now() > deadline {
                bail!("timed out after {seconds} s waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Types `keys` as a person would: key down and up for each character, to whatever has
    /// focus. `key::CONTROL`, `key::ALT` and `key::SHIFT` before a character hold that
    /// modifier for that one character (`ALT SHIFT j`: Alt+Shift+j).
    pub async fn keys(&self, keys: &str) -> Result<()> {
        let mut actions = KeyActions::new("keyboard".into());
        let mut held = Vec::new();
        for c in keys.chars() {
            if [key::CONTROL, key::ALT, key::SHIFT].contains(&c) {
                held.push(c);
                actions = actions.then(KeyAction::Down { value: c });
                continue;
            }
            actions = actions
                .then(KeyAction::Down { value: c })
                .then(KeyAction::Up { value: c });
            for modifier in held.drain(..).rev() {
                actions = actions.then(KeyAction::Up { value: modifier });
            }
        }
        bounded("typing", self.client.perform_actions(actions))
            .await
            .with_context(|| format!("typing {keys:?}"))?;
        Ok(())
    }

    /// Saves a PNG of the window to `path` (after a short settle: a screenshot right after a
    /// DOM change can be a frame stale).
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let png = bounded("a screenshot", self.client.screenshot()).await?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))?;
        println!("screenshot: {}", path.display());
        Ok(())
    }

    /// Closes the window (the app quits with its last window) and ends the session.
    pub async fn quit(self) -> Result<()> {
        let _ = bounded("closing the window", self.client.close_window()).await;
        let _ = bounded("ending the session", self.client.close()).await;
        Ok(())
    }
}

/// Each thread of `pid` as `name state wchan`, for a report.
fn threads_of(pid: u32) -> String {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return "(unreadable)".into();
    };
    tasks
        .filter_map(Result::ok)
        .map(|task| {
            let path = task.path();
            let read = |file: &str| {
                std::fs::read_to_string(path.join(file))
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            };
            let state = read("stat")
                .rsplit_once(')')
                .and_then(|(_, after)| after.split_whitespace().next().map(str::to_owned))
                .unwrap_or_default();
            format!("{} {state} {}", read("comm"), read("wchan"))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Where a test's screenshots go; printed so a person can look.
pub fn artifact(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e")
        .join(name)
}

/// The running app's processes, found in `/proc`: the `tack` process whose data directory is
/// `data_dir`, and the WebKit processes it started (its web process does the page's work).
#[derive(Debug)]
pub struct AppProcesses {
    pub app: u32,
    pub web: Vec<u32>,
}

/// `/proc/<pid>/stat`'s fields after the command name (field 3 onwards: state, ppid, …).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    Some(after.split_whitespace().map(str::to_owned).collect())
}

/// Whether `app` is `pid`'s parent, or its parent's (a sandbox may sit between them), …
fn descends_from(pid: u32, app: u32) -> bool {
    let mut at = pid;
    for _ in 0..8 {
        match stat_fields(at).and_then(|f| f.get(1)?.parse::<u32>().ok()) {
            Some(parent) if parent == app => return true,
            Some(parent) if parent > 1 => at = parent,
            _ => return false,
        }
    }
    false
}

fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

impl AppProcesses {
    pub fn find(data_dir: &Path) -> Result<Self> {
        let want = format!("TACK_DATA_DIR={}", data_dir.display());
        let app = pids()
            .into_iter()
            .find(|pid| {
                let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
                let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
                exe.is_some_and(|exe| exe == Path::new(APP))
                    && environ.split(|b| *b == 0).any(|var| var == want.as_bytes())
            })
            .context("the app's process")?;
        let web = pids()
            .into_iter()
            .filter(|pid| {
                let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
                name.starts_with("WebKitWeb") && descends_from(*pid, app)
            })
            .collect();
        Ok(Self { app, web })
    }

    /// Memory of each process, the app's first, then its web processes': resident (RSS), and
    /// the part that is its own (anonymous: heap and the like, not the shared libraries), MiB.
    pub fn rss_mib(&self) -> Vec<String> {
        std::iter::once(self.app)
            .chain(self.web.iter().copied())
            .map(|pid| {
                let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
                    .unwrap_or_default();
                let mib = |field: &str| {
                    rollup
                        .lines()
                        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
                        .map_or(0.0, |kib| (kib / 1024.0 * 10.0).round() / 10.0)
                };
                format!("{} RSS / {} own", mib("Rss"), mib("Anonymous"))
            })
            .collect()
    }

    /// Seconds since boot at which the app's process started (10 ms resolution).
    fn started_at(&self) -> Result<f64> {
        let ticks: f64 = stat_fields(self.app)
            .and_then(|f| f.get(19)?.parse().ok())
            .context("the app's start time")?;
        let per_second: f64 = Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
            .unwrap_or(100.0);
        Ok(ticks / per_second)
    }
}

/// Seconds since boot, now.
fn uptime() -> Result<f64> {
    std::fs::read_to_string("/proc/uptime")?
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .context("/proc/uptime")
}

impl App {
    /// A mouse drag from one point of the page to another (viewport pixels), in small steps as
    /// a hand makes it: press, move past the drag threshold, move to the target, release.
    pub async fn drag(&self, from: (f64, f64), to: (f64, f64)) -> Result<()> {
        use fantoccini::actions::{MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
        let step = |x: f64, y: f64, ms: u64| PointerAction::MoveTo {
            duration: Some(Duration::from_millis(ms)),
            x,
            y,
        };
        let mouse = MouseActions::new("mouse".into())
            .then(step(from.0, from.1, 0))
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(step(from.0 + 8.0, from.1 + 8.0, 100))
            .then(step((from.0 + to.0) / 2.0, (from.1 + to.1) / 2.0, 150))
            .then(step(to.0, to.1, 150))
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        bounded("a mouse drag", self.client.perform_actions(mouse)).await?;
        Ok(())
    }

    /// Time from the app's process start to the page's performance mark `mark` (its first):
    /// the page says how long ago the mark was, `/proc` when the process started.
    pub async fn since_process_start(
        &self,
        processes: &AppProcesses,
        mark: &str,
    ) -> Result<Duration> {
        self.wait_for(
            &format!("the {mark} mark"),
            &format!("return performance.getEntriesByName({mark:?}).length > 0;"),
            30,
        )
        .await?;
        let ago = self
            .js(
                &format!(
                    "const m = performance.getEntriesByName({mark:?})[0];\
                     return m ? performance.now() - m.startTime : null;"
                ),
                vec![],
            )
            .await?
            .as_f64()
            .with_context(|| format!("no {mark} mark in the page"))?;
        let at = uptime()? - ago / 1000.0;
        // The page's own clock (navigation start = 0): DOMContentLoaded, then each start mark
        // up to `mark`, the first of each name.
        let page = self
            .js(
                &format!(
                    "const until = performance.getEntriesByName({mark:?})[0].startTime;\
                     const n = performance.getEntriesByType('navigation')[0];\
                     const seen = new Set();\
                     const marks = performance.getEntriesByType('mark')\
                       .filter(m => m.startTime <= until && !seen.has(m.name) && seen.add(m.name))\
                       .map(m => m.name.replace('tack:', '') + ' ' + Math.round(m.startTime));\
                     return [n ? 'DOMContentLoaded ' + Math.round(n.domContentLoadedEventEnd) : '', ...marks].join(', ');"
                ),
                vec![],
            )
            .await?;
        println!(
            "the start on the page's clock, ms: {}",
            page.as_str().unwrap_or_default()
        );
        Ok(Duration::from_secs_f64(
            (at - processes.started_at()?).max(0.0),
        ))
    }
}
