//! The floor under the desktop app's start and keystroke targets on this machine: the same
//! Tauri 2 and WebKitGTK the app runs on, with nothing of Tack in it. A bare window (the app's
//! size, hidden and shown once its page loads, as the app's) loads a static page from a custom
//! protocol and reports, as wall-clock times:
//!
//! - process start → `main` → the builder's setup → page load started / finished → the page's
//!   script → its **first frame painted** (the app's `tack:board-painted`: a frame, then a task);
//! - a **one-letter change in a text field → the frame after it** (the app's `tack:filter-echo`),
//!   40 times at random moments;
//! - with a board, **every column's cards put in another order → the frame after it** (what
//!   a saved view's answer does to the board, the app's `tack:view-painted`), 10 times;
//! - with a board, **the marked start of every card's title grown by a letter → the frame
//!   after it** (what a filter keystroke does to the cards, the app's `tack:filter-painted`),
//!   10 times, as `<mark>` elements or (`--marks highlight`) as a CSS custom highlight.
//!
//! The page is empty but for the field, or (`--page cards`) holds a board's first screen drawn
//! with plain HTML: 20 columns × 26 cards drawn as the app draws them; `--page scrollers`
//! makes each column a scroller as tall as 500 cards, as the app's columns are.
//! The window's WebKit is tuned as the app's (`tack::webkit`: where it composites in software,
//! overflow areas scroll on the main thread); `TACK_ASYNC_SCROLLING=on` leaves WebKit's default.
//! BENCHMARKS.md "The floor" has the numbers.
//!
//! `cargo run --release -p tack --example paint_floor -- [--runs 5] [--page empty|cards|scrollers]
//! [--css 'more CSS, to try what a rule costs'] [--marks mark|highlight]`
//! (under Xvfb: `xvfb-run -a -s '-screen 0 1280x1024x24' cargo run …`)

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use tauri::{WebviewUrl, WebviewWindowBuilder};

/// Wall-clock milliseconds: the parent and the child (and the page's `performance.timeOrigin`)
/// share this clock.
fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

const ECHOES: usize = 40;
const VIEWS: usize = 10;
const MARKS: usize = 10;

/// What the page holds: only the field, a board's first screen, or that board with each column
/// a scroller as tall as 500 cards (as the app's columns are).
#[derive(Clone, Copy, PartialEq)]
enum Page {
    Empty,
    Cards,
    Scrollers,
}

impl Page {
    fn name(self) -> &'static str {
        match self {
            Page::Empty => "empty",
            Page::Cards => "cards",
            Page::Scrollers => "scrollers",
        }
    }
}

fn page(kind: Page, css: &str, highlight: bool) -> String {
    let board = if kind != Page::Empty {
        let column = (0..26)
            .map(|i| format!("<div class=card>Task {i}: plan the venue and book it</div>"))
            .collect::<String>();
        let column = if kind == Page::Scrollers {
            format!("<div class=tall>{column}</div>")
        } else {
            column
        };
        (0..20)
            .map(|c| format!("<section class=col><h2>Column {c}</h2>{column}</section>"))
            .collect::<String>()
    } else {
        String::new()
    };
    let scrollers = if kind == Page::Scrollers {
        ".col { overflow-y: auto; } .tall { height: 28000px; }"
    } else {
        ""
    };
    format!(
        r#"<!doctype html><html><head><meta charset=utf-8><style>
body {{ margin: 0; font: 14px system-ui, sans-serif; background: #f4f5f7; }}
main {{ display: flex; gap: 12px; padding: 12px; overflow: hidden; height: 100vh; }}
.col {{ flex: 0 0 272px; background: #ebecf0; border-radius: 8px; padding: 8px; }}
.card {{ box-sizing: border-box; height: 72px; margin: 0 0 8px; padding: 8px 10px;
        background: #fff; border: 1px solid #dfe1e6; border-radius: 8px; }}
{scrollers}
mark, ::highlight(filter) {{ background: #ffe58a; color: inherit; border-radius: 2px; }}
{css}
input {{ position: fixed; top: 8px; right: 8px; width: 240px; font-size: 14px; }}
</style></head><body><input id=field><main>{board}</main><script>
const at = () => performance.timeOrigin + performance.now();
const script = at();
const afterPaint = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
const wait = (ms) => new Promise((done) => setTimeout(done, ms));
(async () => {{
  await afterPaint();
  const painted = at();
  const field = document.getElementById("field");
  field.focus();
  const echoes = [];
  for (let i = 0; i < {ECHOES}; i++) {{
    await wait(60 + Math.random() * 80);
    const typed = performance.now();
    field.value += "a";
    await afterPaint();
    echoes.push(performance.now() - typed);
  }}
  // A saved view's kind of change: every column's cards shown in another order.
  const views = [];
  for (let i = 0; i < {VIEWS} && document.querySelector(".card"); i++) {{
    await wait(60 + Math.random() * 80);
    const changed = performance.now();
    for (const column of document.querySelectorAll(".col")) {{
      const cards = [...column.querySelectorAll(".card")];
      const parent = cards[0].parentElement;
      for (const card of cards.reverse()) parent.appendChild(card);
    }}
    await afterPaint();
    views.push(performance.now() - changed);
  }}
  // A filter keystroke's kind of change: the marked start of every card's title grows by a
  // letter ("T", "Ta", …), as <mark> elements or (`--marks highlight`) as a CSS highlight.
  const marks = [];
  const titles = [...document.querySelectorAll(".card")];
  for (let i = 0; i < {MARKS} && titles.length > 0; i++) {{
    await wait(60 + Math.random() * 80);
    const changed = performance.now();
    const k = 1 + (i % 4);
    if ({highlight}) {{
      const ranges = titles.map((card) => {{
        const range = new Range();
        range.setStart(card.firstChild, 0);
        range.setEnd(card.firstChild, k);
        return range;
      }});
      CSS.highlights.set("filter", new Highlight(...ranges));
    }} else {{
      for (const card of titles) {{
        const text = card.textContent;
        const mark = document.createElement("mark");
        mark.textContent = text.slice(0, k);
        card.replaceChildren(mark, text.slice(k));
      }}
    }}
    await afterPaint();
    marks.push(performance.now() - changed);
  }}
  const report = {{ navigation: performance.timeOrigin, script, painted, echoes, views, marks }};
  location.href = "floor://localhost/report?" + encodeURIComponent(JSON.stringify(report));
}})();
</script></body></html>"#
    )
}

/// The child: one bare window, one report line (`REPORT {json}`) on stdout, then exit.
fn child(kind: Page, css: &str, highlight: bool) {
    let main_at = now_ms();
    let mut context = tauri::generate_context!();
    // Only the window below: not the app's main window, nor its plugins.
    context.config_mut().app.windows.clear();
    let html = page(kind, css, highlight);
    tauri::Builder::default()
        // WebKit tuned as the app tunes it (`TACK_ASYNC_SCROLLING=on` for WebKit's default).
        .plugin(tack::webkit::plugin())
        .register_uri_scheme_protocol("floor", move |_ctx, _request| {
            tauri::http::Response::builder()
                .header("Content-Type", "text/html")
                .body(html.clone().into_bytes())
                .unwrap_or_default()
        })
        .setup(move |app| {
            let setup_at = now_ms();
            let loads = Arc::new(Mutex::new(Vec::<f64>::new()));
            let seen = loads.clone();
            let handle = app.handle().clone();
            let url = "floor://localhost/"
                .parse()
                .map_err(|e| format!("the page's URL: {e}"))?;
            WebviewWindowBuilder::new(app, "floor", WebviewUrl::CustomProtocol(url))
                .title("floor")
                .inner_size(1280.0, 800.0)
                .visible(false)
                .on_page_load(move |window, payload| {
                    if let Ok(mut loads) = loads.lock() {
                        loads.push(now_ms());
                    }
                    if payload.event() == tauri::webview::PageLoadEvent::Finished {
                        if let Err(err) = window.show() {
                            eprintln!("could not show the window: {err}");
                        }
                    }
                })
                .on_navigation(move |url| {
                    if url.path() != "/report" {
                        return true;
                    }
                    let (ui_mb, web_mb) = memory();
                    let loads = seen.lock().map(|l| format!("{l:?}")).unwrap_or_default();
                    let report = url
                        .query()
                        .and_then(tack::deep_link::percent_decode)
                        .unwrap_or_default();
                    println!(
                        "REPORT {{\"main\":{main_at},\"setup\":{setup_at},\"loads\":{loads},\"rss\":[{ui_mb},{web_mb}],\"page\":{report}}}"
                    );
                    handle.exit(0);
                    false
                })
                .build()?;
            Ok(())
        })
        .run(context)
        .unwrap_or_else(|err| eprintln!("tauri: {err}"));
}

/// A process's resident memory in MiB (`/proc/<pid>/smaps_rollup`'s `Rss`).
fn rss_mb(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|rollup| {
            let line = rollup.lines().find(|l| l.starts_with("Rss:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The parent of a process, and its command name (`/proc/<pid>/stat`: `pid (comm) state ppid`;
/// the name may hold spaces, so it is read up to the last `)`).
fn parent_and_name(pid: &str) -> Option<(String, String)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (name, rest) = stat.split_once(" (")?.1.rsplit_once(") ")?;
    Some((rest.split_whitespace().nth(1)?.to_owned(), name.to_owned()))
}

/// This process's and its WebKit web processes' resident memory, MiB (as the e2e reports it).
fn memory() -> (f64, f64) {
    let me = std::process::id().to_string();
    let descends = |pid: &str| {
        let mut at = pid.to_owned();
        (0..8).any(|_| match parent_and_name(&at) {
            Some((parent, _)) if parent == me => true,
            Some((parent, _)) if parent != "0" && parent != "1" => {
                at = parent;
                false
            }
            _ => false,
        })
    };
    let web = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|pid| {
            parent_and_name(pid).is_some_and(|(_, name)| name.starts_with("WebKitWebProces"))
                && descends(pid)
        })
        .map(|pid| rss_mb(&pid))
        .sum();
    (rss_mb("self"), web)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or(f64::NAN)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let kind = match value("--page").map(String::as_str) {
        None | Some("empty") => Page::Empty,
        Some("cards") => Page::Cards,
        Some("scrollers") => Page::Scrollers,
        Some(other) => anyhow::bail!("--page {other}: empty, cards or scrollers"),
    };
    if args.iter().any(|a| a == "--child") {
        let highlight = match value("--marks").map(String::as_str) {
            None | Some("mark") => false,
            Some("highlight") => true,
            Some(other) => anyhow::bail!("--marks {other}: mark or highlight"),
        };
        child(kind, value("--css").map_or("", String::as_str), highlight);
        return Ok(());
    }
    let runs: usize = value("--runs").map_or(Ok(5), |r| r.parse())?;
    let exe = std::env::current_exe()?;
    let mut echoes = Vec::new();
    let mut views = Vec::new();
    let mut marks = Vec::new();
    println!(
        "page: {}; ms from process start: main, setup, load started, load finished, script, painted",
        kind.name()
    );
    for run in 0..runs {
        let spawned = now_ms();
        let mut command = Command::new(&exe);
        command.args(["--child", "--page", kind.name()]);
        // The child's page is made with the same flags.
        for flag in ["--css", "--marks"] {
            if let Some(given) = value(flag) {
                command.args([flag, given.as_str()]);
            }
        }
        let mut child = command.stdout(Stdio::piped()).spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let line = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|l| l.strip_prefix("REPORT ").map(str::to_owned));
        child.wait()?;
        let Some(line) = line else {
            anyhow::bail!("run {run}: the child reported nothing");
        };
        let report: serde_json::Value = serde_json::from_str(&line)?;
        let ms = |v: &serde_json::Value| v.as_f64().map_or(f64::NAN, |t| t - spawned);
        let page = &report["page"];
        println!(
            "run {run}: {:>6.0} {:>6.0} {:>6.0} {:>6.0} {:>6.0} {:>6.0}   RSS {:.1} / web {:.1} MB",
            ms(&report["main"]),
            ms(&report["setup"]),
            ms(&report["loads"][0]),
            ms(&report["loads"][1]),
            ms(&page["script"]),
            ms(&page["painted"]),
            report["rss"][0].as_f64().unwrap_or(f64::NAN),
            report["rss"][1].as_f64().unwrap_or(f64::NAN),
        );
        for (name, all) in [
            ("echoes", &mut echoes),
            ("views", &mut views),
            ("marks", &mut marks),
        ] {
            if let Some(list) = page[name].as_array() {
                all.extend(list.iter().filter_map(serde_json::Value::as_f64));
            }
        }
    }
    for (what, mut all) in [
        ("one letter in a field", echoes),
        ("every column's cards reordered", views),
        ("every card's marked letters changed", marks),
    ] {
        if all.is_empty() {
            continue;
        }
        all.sort_by(f64::total_cmp);
        println!(
            "{what} → the frame after it ({} samples): p50 {:.1} / p95 {:.1} / max {:.1} ms",
            all.len(),
            percentile(&all, 0.5),
            percentile(&all, 0.95),
            all.last().copied().unwrap_or(f64::NAN)
        );
    }
    Ok(())
}
