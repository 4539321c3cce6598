//! The page behind an invite link, `GET /invite/{token}`. A browser that opens the link learns
//! what the invitee may learn — the board's title, who invited, the role offered, until when —
//! and how to join: open Tack, press Ctrl/Cmd-K (the palette) and paste the link, or follow the
//! `tack://join` link (the desktop app's deep link). An unknown, expired or used-up token gets
//! one "no longer valid" page (404) for all three, so the page tells a stranger nothing.
//!
//! The page is self-contained: no script, no external asset, a Content-Security-Policy that
//! allows nothing but its one inline style (by hash), `nosniff`, no referrer (the token is in
//! the URL), not cached; every text that comes from a user or the request is escaped.

use std::sync::Arc;

use axum::extract::{FromRef, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use sync_protocol::UpdateLimits;
use yrs::{Map as _, ReadTxn as _, Transact as _};

use crate::accounts::{now_secs, token_digest, InvitePreview};
use crate::server::RelayState;
use crate::storage::Storage;

/// What the invite page needs: storage (the invite, the board's title) and the bounds on
/// reading a stored board.
#[derive(Clone)]
pub struct InvitePageState {
    storage: Storage,
    update_limits: UpdateLimits,
}

impl FromRef<Arc<RelayState>> for InvitePageState {
    fn from_ref(state: &Arc<RelayState>) -> Self {
        Self {
            storage: state.storage.clone(),
            update_limits: state.config.update_limits.clone(),
        }
    }
}

/// The page's only style; the CSP allows exactly this text (its SHA-256).
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;\
padding:0 1rem;color:#1d1d1f}h1{font-size:1.4rem}code{display:block;padding:.5rem;\
background:#f2f2f4;border-radius:4px;word-break:break-all}kbd{border:1px solid #bbb;\
border-radius:3px;padding:0 .25rem}.muted{color:#666}";

/// `GET /invite/{token}`.
pub async fn invite_page(
    State(state): State<InvitePageState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(digest) = token_digest(&token) else {
        return no_longer_valid();
    };
    let preview = match state.storage.invite_preview(&digest, now_secs()).await {
        Ok(Some(preview)) => preview,
        Ok(None) => return no_longer_valid(),
        Err(error) => {
            tracing::error!(%error, "reading an invite failed");
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again shortly",
                "<h1>Try again shortly</h1>\
                 <p>The server cannot check this invite now. Reload this page in a moment.</p>",
            );
        }
    };
    let title = board_title(&state, &preview).await;
    let link = invite_link(&headers, &token);
    let deep_link = format!(
        "tack://join?relay={}&token={}",
        percent_encode(&link.origin),
        percent_encode(&token)
    );
    let board = match &title {
        Some(title) => format!("the board <strong>{}</strong>", escape(title)),
        None => "a board".to_owned(),
    };
    let body = format!(
        "<h1>You are invited to a Tack board</h1>\
         <p><strong>{inviter}</strong> invited you to {board} as {role}.</p>\
         <p>To join, open Tack, press <kbd>Ctrl</kbd>-<kbd>K</kbd> (<kbd>Cmd</kbd>-<kbd>K</kbd> \
         on a Mac) to open the palette, and paste this link:</p>\
         <code>{link}</code>\
         <p><a href=\"{deep_link}\">Open in Tack</a> \
         <span class=\"muted\">(if the desktop app is installed)</span></p>\
         <p class=\"muted\">The invite can be used until {expires} UTC.</p>",
        inviter = escape(&preview.inviter_email),
        role = escape(preview.role.as_str()),
        link = escape(&link.full),
        deep_link = escape(&deep_link),
        expires = escape(&utc_text(preview.expires_at)),
    );
    page(StatusCode::OK, "Invitation to a Tack board", &body)
}

/// One answer for an unknown, expired or used-up invite (and a malformed token).
fn no_longer_valid() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "This invite is no longer valid",
        "<h1>This invite is no longer valid</h1>\
         <p>It may have expired, been used up, or never existed. Ask the person who invited \
         you for a new link.</p>",
    )
}

/// A whole HTML document with the page's headers. `body` is HTML already escaped.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{title}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        title = escape(title),
    );
    let style_hash = BASE64.encode(Sha256::digest(STYLE.as_bytes()));
    let csp = format!(
        "default-src 'none'; style-src 'sha256-{style_hash}'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// The board's title as its document holds it, read as the inviter (who may read the board);
/// `None` when it cannot be read (the inviter left, the board is empty or unreadable).
async fn board_title(state: &InvitePageState, preview: &InvitePreview) -> Option<String> {
    let stored = match state
        .storage
        .load_board_as(&preview.board_id, Some(&preview.inviter_id))
        .await
    {
        Ok(stored) => stored,
        Err(error) => {
            tracing::warn!(%error, board = %preview.board_id, "reading an invited board failed");
            return None;
        }
    };
    let pieces = stored
        .snapshot
        .iter()
        .chain(stored.updates.iter())
        .map(Vec::as_slice);
    let (doc, _) = relay_core::room::document_from_storage(pieces, &state.update_limits).ok()?;
    let txn = doc.transact();
    let meta = txn.get_map("meta")?;
    match meta.get(&txn, "title")? {
        yrs::Out::Any(yrs::Any::String(title)) if !title.trim().is_empty() => {
            Some(title.chars().take(200).collect())
        }
        _ => None,
    }
}

/// The invite link as the browser reached it, and the relay's origin (for the deep link).
struct InviteLink {
    origin: String,
    full: String,
}

/// Built from the request's `Host` (and `X-Forwarded-Proto` behind a TLS proxy); a host that
/// is not a plain host name or address is left out rather than echoed.
fn invite_link(headers: &HeaderMap, token: &str) -> InviteLink {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host.len() <= 255
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        });
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    match host {
        Some(host) => {
            let origin = format!("{scheme}://{host}");
            InviteLink {
                full: format!("{origin}/invite/{token}"),
                origin,
            }
        }
        None => InviteLink {
            origin: String::new(),
            full: format!("/invite/{token}"),
        },
    }
}

/// HTML text and attribute escaping.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A query-string value: everything but unreserved characters percent-encoded.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `YYYY-MM-DD HH:MM` of seconds since the epoch (UTC).
fn utc_text(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0).map_or_else(
        || secs.to_string(),
        |at| at.format("%Y-%m-%d %H:%M").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_escaping_and_encoding() {
        assert_eq!(utc_text(0), "1970-01-01 00:00");
        assert_eq!(utc_text(1_796_428_800), "2026-12-05 00:00");
        assert_eq!(
            escape("<script>\"x\" & 'y'"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;"
        );
        assert_eq!(
            percent_encode("http://a:1/b c"),
            "http%3A%2F%2Fa%3A1%2Fb%20c"
        );
    }
}
