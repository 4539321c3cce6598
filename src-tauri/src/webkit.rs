//! WebKitGTK tuned to the machine: where WebKit composites with software GL (no GPU render
//! node, as on a VM or a CI machine: Mesa's llvmpipe), the columns and the board scroll on the
//! page's main thread instead of as composited layers.
//!
//! Every user-scrollable area (each column, the board) is, by default, a composited scrolling
//! layer of its own, and with software GL every frame composites them all: beside 20 scrolling
//! columns a letter typed in a field took 41–48 ms to paint, and 14–17 ms with WebKit's
//! `AsyncOverflowScrolling` off (BENCHMARKS "Overflow areas scroll on the main thread"), which
//! draws those areas into the page's own layer; they keep native scrollbars, wheel and touchpad
//! scrolling.
//! With a GPU the default stays: scrolling off the main thread is cheap there.
//! `TACK_ASYNC_SCROLLING=on|off` decides instead (to compare, or where detection is wrong).

use tauri::plugin::{Builder, TauriPlugin};
use tauri::Runtime;

/// WebKit's identifier for scrolling overflow areas as composited layers.
#[cfg(target_os = "linux")]
const ASYNC_OVERFLOW_SCROLLING: &str = "AsyncOverflowScrolling";

/// How the web views scroll their overflow areas, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverflowScrolling {
    /// WebKit's default: each scrollable area a composited layer, scrolled off the main thread.
    Composited(Why),
    /// Drawn into the page's layer and scrolled on its main thread.
    MainThread(Why),
}

/// What decided [`OverflowScrolling`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// `TACK_ASYNC_SCROLLING` said so.
    Asked,
    /// `LIBGL_ALWAYS_SOFTWARE` is set, or there is no GPU render node (`/dev/dri/renderD*`).
    SoftwareGl,
    /// A GPU render node is there.
    Gpu,
    /// Not Linux: the web view is WebView2 or WKWebView, not WebKitGTK.
    NotWebKitGtk,
}

/// What the machine tells about how WebKit will composite.
#[derive(Debug, Clone, Default)]
pub struct Machine {
    /// `TACK_ASYNC_SCROLLING`.
    pub asked: Option<String>,
    /// `LIBGL_ALWAYS_SOFTWARE`.
    pub libgl_always_software: Option<String>,
    /// Whether `/dev/dri` holds a render node.
    pub render_node: bool,
}

impl Machine {
    /// This machine, now.
    pub fn now() -> Machine {
        let render_node = std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
            entries
                .flatten()
                .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
        });
        Machine {
            asked: std::env::var("TACK_ASYNC_SCROLLING").ok(),
            libgl_always_software: std::env::var("LIBGL_ALWAYS_SOFTWARE").ok(),
            render_node,
        }
    }

    /// How the web views should scroll on this machine.
    pub fn overflow_scrolling(&self) -> OverflowScrolling {
        let said = |value: &Option<String>| {
            let value = value.as_deref()?.trim().to_ascii_lowercase();
            match value.as_str() {
                "1" | "on" | "true" | "yes" => Some(true),
                "0" | "off" | "false" | "no" => Some(false),
                _ => None,
            }
        };
        match said(&self.asked) {
            Some(true) => return OverflowScrolling::Composited(Why::Asked),
            Some(false) => return OverflowScrolling::MainThread(Why::Asked),
            None => {}
        }
        if said(&self.libgl_always_software) == Some(true) || !self.render_node {
            OverflowScrolling::MainThread(Why::SoftwareGl)
        } else {
            OverflowScrolling::Composited(Why::Gpu)
        }
    }
}

/// Tunes every web view the app makes (the main window, quick add) as it is made, before its
/// page lays anything out.
pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    let scrolling = if cfg!(target_os = "linux") {
        Machine::now().overflow_scrolling()
    } else {
        OverflowScrolling::Composited(Why::NotWebKitGtk)
    };
    Builder::new("webkit-tuning")
        .js_init_script(page_script(scrolling))
        .on_webview_ready(move |webview| tune(&webview, scrolling))
        .build()
}

/// Tells the page how its overflow areas scroll (`window.__TACK_WEBKIT__`, read by
/// `ui/src/ipc/tauri.ts`): its CSS differs where they scroll on the main thread.
fn page_script(scrolling: OverflowScrolling) -> String {
    let mode = match scrolling {
        OverflowScrolling::MainThread(_) => "main-thread",
        OverflowScrolling::Composited(_) => "composited",
    };
    format!(
        "Object.defineProperty(window, '__TACK_WEBKIT__', \
         {{ value: Object.freeze({{ overflowScrolling: '{mode}' }}) }});"
    )
}

#[cfg(target_os = "linux")]
fn tune<R: Runtime>(webview: &tauri::Webview<R>, scrolling: OverflowScrolling) {
    let OverflowScrolling::MainThread(why) = scrolling else {
        tracing::info!(target: "tack::start", ?scrolling, "WebKit: overflow scrolling as WebKit does");
        return;
    };
    let label = webview.label().to_owned();
    let queued = webview.with_webview(move |platform| {
        let view = platform.inner();
        let Some(settings) = webkit2gtk::WebViewExt::settings(&view) else {
            tracing::warn!(window = label, "WebKit: the web view has no settings");
            return;
        };
        match webkit_features::set_feature_enabled(&settings, ASYNC_OVERFLOW_SCROLLING, false) {
            Ok(()) => tracing::info!(
                target: "tack::start",
                window = label,
                ?why,
                "WebKit: overflow areas scroll on the main thread"
            ),
            Err(err) => {
                tracing::warn!(window = label, %err, "WebKit: overflow scrolling left as is")
            }
        }
    });
    if let Err(err) = queued {
        tracing::warn!(?err, "WebKit: could not reach the web view to tune it");
    }
}

/// No WebKitGTK here: WebView2 and WKWebView composite on the GPU or the system's own path.
#[cfg(not(target_os = "linux"))]
fn tune<R: Runtime>(_webview: &tauri::Webview<R>, _scrolling: OverflowScrolling) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(asked: Option<&str>, software: Option<&str>, render_node: bool) -> Machine {
        Machine {
            asked: asked.map(str::to_owned),
            libgl_always_software: software.map(str::to_owned),
            render_node,
        }
    }

    #[test]
    fn overflow_areas_scroll_on_the_main_thread_only_where_webkit_composites_in_software() {
        use OverflowScrolling::{Composited, MainThread};
        let table = [
            // A GPU: WebKit's default.
            (machine(None, None, true), Composited(Why::Gpu)),
            (machine(None, Some("0"), true), Composited(Why::Gpu)),
            // No render node, or Mesa told to draw in software.
            (machine(None, None, false), MainThread(Why::SoftwareGl)),
            (machine(None, Some("1"), true), MainThread(Why::SoftwareGl)),
            (
                machine(None, Some("true"), true),
                MainThread(Why::SoftwareGl),
            ),
            // Asked: wins either way; what it does not understand is not an answer.
            (machine(Some("on"), None, false), Composited(Why::Asked)),
            (machine(Some("1"), Some("1"), false), Composited(Why::Asked)),
            (machine(Some("off"), None, true), MainThread(Why::Asked)),
            (machine(Some(" OFF "), None, true), MainThread(Why::Asked)),
            (machine(Some("maybe"), None, true), Composited(Why::Gpu)),
            (
                machine(Some("maybe"), None, false),
                MainThread(Why::SoftwareGl),
            ),
        ];
        for (machine, expected) in table {
            assert_eq!(machine.overflow_scrolling(), expected, "{machine:?}");
        }
    }

    #[test]
    fn the_page_is_told_how_its_overflow_areas_scroll() {
        let told = page_script(OverflowScrolling::MainThread(Why::SoftwareGl));
        assert!(told.contains("overflowScrolling: 'main-thread'"), "{told}");
        let told = page_script(OverflowScrolling::Composited(Why::Gpu));
        assert!(told.contains("overflowScrolling: 'composited'"), "{told}");
    }
}
