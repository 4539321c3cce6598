//! `tack://` deep links: what a link that opens the app may ask, read by one pure, bounded
//! function. The only link is an invite, in the form the relay's invite page offers
//! (`tack://join?relay={origin}&token={token}`, both values percent-encoded) or the short
//! `tack://join/{token}`. Everything else is refused, so a link from a web page can do nothing
//! but put an invite in front of the user's own "join" flow.

use std::fmt;
use std::sync::{Mutex, PoisonError};

/// The URL scheme the app registers (tauri.conf.json `plugins.deep-link`).
pub const SCHEME: &str = "tack";
/// The longest link read at all; an invite link is about 120 bytes.
pub const MAX_LINK_LEN: usize = 2048;
/// The longest relay origin accepted (`scheme://host:port`).
pub const MAX_RELAY_LEN: usize = 256;
/// An invite token's length bounds: the relay's are 43 base64url characters (32 bytes).
pub const TOKEN_LEN: std::ops::RangeInclusive<usize> = 16..=128;

/// An invite to join a board, from a `tack://join` link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinLink {
    /// The relay that issued the invite (`http(s)://host[:port]`), when the link names it.
    pub relay: Option<String>,
    /// The invite token (base64url).
    pub token: String,
}

impl JoinLink {
    /// What the "join a board" flow takes (`accept_invite`): the invite page's URL when the
    /// relay is known, as if the user pasted the link, else the bare token.
    pub fn invite(&self) -> String {
        match &self.relay {
            Some(relay) => format!("{relay}/invite/{}", self.token),
            None => self.token.clone(),
        }
    }
}

/// Why a link was refused (never echoes the link: it may hold a token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    TooLong,
    NotTack,
    UnknownAction,
    BadToken,
    BadRelay,
    Malformed,
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooLong => "the link is too long",
            Self::NotTack => "not a tack:// link",
            Self::UnknownAction => "Tack links can only join a board (tack://join)",
            Self::BadToken => "the link's invite token is not valid",
            Self::BadRelay => "the link's server is not an http(s) address",
            Self::Malformed => "the link is malformed",
        })
    }
}

impl std::error::Error for LinkError {}

/// Reads a `tack://` link. Accepts exactly `tack://join/{token}` and
/// `tack://join?relay={origin}&token={token}` (parameters in any order, each once; the scheme
/// and `join` case-insensitive, as URL schemes and hosts are); refuses anything else.
pub fn parse(link: &str) -> Result<JoinLink, LinkError> {
    if link.len() > MAX_LINK_LEN {
        return Err(LinkError::TooLong);
    }
    let link = link.trim();
    let (scheme, rest) = link.split_once("://").ok_or(LinkError::NotTack)?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return Err(LinkError::NotTack);
    }
    if rest.contains('#') {
        return Err(LinkError::Malformed);
    }
    let (action, query) = match rest.split_once('?') {
        Some((action, query)) => (action, Some(query)),
        None => (rest, None),
    };
    let (host, path) = match action.split_once('/') {
        Some((host, path)) => (host, Some(path)),
        None => (action, None),
    };
    if !host.eq_ignore_ascii_case("join") {
        return Err(LinkError::UnknownAction);
    }
    match (path.filter(|p| !p.is_empty()), query) {
        (Some(token), None) => Ok(JoinLink {
            relay: None,
            token: checked_token(token)?,
        }),
        (None, Some(query)) => {
            let (mut relay, mut token) = (None, None);
            for pair in query.split('&') {
                let (key, value) = pair.split_once('=').ok_or(LinkError::Malformed)?;
                let value = percent_decode(value).ok_or(LinkError::Malformed)?;
                let slot = match key {
                    "relay" => &mut relay,
                    "token" => &mut token,
                    _ => return Err(LinkError::Malformed),
                };
                if slot.replace(value).is_some() {
                    return Err(LinkError::Malformed);
                }
            }
            let token = checked_token(&token.ok_or(LinkError::BadToken)?)?;
            let relay = relay.map(|r| checked_relay(&r)).transpose()?;
            Ok(JoinLink { relay, token })
        }
        _ => Err(LinkError::Malformed),
    }
}

fn checked_token(token: &str) -> Result<String, LinkError> {
    let ok = TOKEN_LEN.contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| token.to_owned()).ok_or(LinkError::BadToken)
}

/// An origin: `http://` or `https://`, then a host of letters, digits, `.-` (or a bracketed
/// IPv6 address) and an optional port; no user, path, query or fragment. A trailing `/` is
/// dropped.
fn checked_relay(relay: &str) -> Result<String, LinkError> {
    let relay = relay.strip_suffix('/').unwrap_or(relay);
    if relay.len() > MAX_RELAY_LEN {
        return Err(LinkError::BadRelay);
    }
    let lower = relay.to_ascii_lowercase();
    let authority = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or(LinkError::BadRelay)?;
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (address, after) = v6.split_once(']').ok_or(LinkError::BadRelay)?;
        if address.is_empty() || !address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return Err(LinkError::BadRelay);
        }
        match after {
            "" => (address, None),
            _ => (
                address,
                Some(after.strip_prefix(':').ok_or(LinkError::BadRelay)?),
            ),
        }
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let host_ok = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if !host_ok {
            return Err(LinkError::BadRelay);
        }
        (host, port)
    };
    if host.is_empty() {
        return Err(LinkError::BadRelay);
    }
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || port.parse::<u16>().is_err() {
            return Err(LinkError::BadRelay);
        }
    }
    Ok(relay.to_owned())
}

/// `%XX` and nothing else (no `+` for space: the relay encodes everything but `A-Za-z0-9-_.~`);
/// `None` for a bad escape or text that is not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = bytes.get(at + 1..at + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// At most this many links are read from one command line.
pub const MAX_LINKS_PER_LAUNCH: usize = 4;

/// The `tack:` links on a command line (`args` as [`std::env::args`], the program first): on
/// Linux and Windows the OS starts the app with the link as an argument (a WebDriver session
/// adds flags of its own before it). Other arguments are ignored; [`parse`] reads each link.
pub fn links_in_args<S: AsRef<str>>(args: impl IntoIterator<Item = S>) -> Vec<String> {
    args.into_iter()
        .skip(1)
        .filter(|arg| {
            let arg = arg.as_ref();
            arg.len() <= MAX_LINK_LEN
                && arg
                    .get(..SCHEME.len() + 1)
                    .is_some_and(|head| head.eq_ignore_ascii_case("tack:"))
        })
        .take(MAX_LINKS_PER_LAUNCH)
        .map(|arg| arg.as_ref().to_owned())
        .collect()
}

/// Invites from links, held until the window listens for `join-link`. A link that starts the
/// app arrives before the UI has loaded; the window's `get_account` at start (called after it
/// subscribed to `join-link`) marks it listening and sends what waited.
#[derive(Debug, Default)]
pub struct JoinLinks(Mutex<Pending>);

#[derive(Debug, Default)]
struct Pending {
    listening: bool,
    invites: Vec<String>,
}

/// At most this many invites wait for the window (a flood of links keeps the first ones).
pub const MAX_PENDING: usize = 8;

impl JoinLinks {
    /// An invite arrived: `Some` to send it now, `None` when it waits for the window.
    pub fn arrived(&self, invite: String) -> Option<String> {
        let mut pending = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if pending.listening {
            return Some(invite);
        }
        if pending.invites.len() < MAX_PENDING && !pending.invites.contains(&invite) {
            pending.invites.push(invite);
        }
        None
    }

    /// The window listens from now on; what waited, oldest first.
    pub fn listening(&self) -> Vec<String> {
        let mut pending = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        pending.listening = true;
        std::mem::take(&mut pending.invites)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "bYk3ZcP1v8mJqX0Qw9T2sLr4u7aNoE6dHfGhIj5KlMn";

    #[test]
    fn the_relay_pages_link_names_its_relay_and_token() {
        let link = parse(&format!(
            "tack://join?relay=http%3A%2F%2F127.0.0.1%3A8080&token={TOKEN}"
        ))
        .expect("the relay's form");
        assert_eq!(link.relay.as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(link.token, TOKEN);
        assert_eq!(
            link.invite(),
            format!("http://127.0.0.1:8080/invite/{TOKEN}")
        );

        let reordered = parse(&format!(
            "TACK://Join?token={TOKEN}&relay=https%3A%2F%2Ftack.example.com%2F"
        ))
        .expect("any order, case-insensitive scheme and action");
        assert_eq!(reordered.relay.as_deref(), Some("https://tack.example.com"));
        let v6 = parse(&format!(
            "tack://join?relay=http%3A%2F%2F%5B%3A%3A1%5D%3A9&token={TOKEN}"
        ))
        .expect("an IPv6 relay");
        assert_eq!(v6.relay.as_deref(), Some("http://[::1]:9"));
    }

    #[test]
    fn the_short_form_is_a_bare_token() {
        let link = parse(&format!("tack://join/{TOKEN}")).expect("short form");
        assert_eq!(link.relay, None);
        assert_eq!(link.invite(), TOKEN);
        let token_only = parse(&format!("tack://join?token={TOKEN}")).expect("no relay");
        assert_eq!(token_only.relay, None);
    }

    #[test]
    fn anything_else_is_refused() {
        let cases = [
            (format!("https://join/{TOKEN}"), LinkError::NotTack),
            (format!("tack:join/{TOKEN}"), LinkError::NotTack),
            (format!("tacky://join/{TOKEN}"), LinkError::NotTack),
            (format!("tack://open/{TOKEN}"), LinkError::UnknownAction),
            (format!("tack://board/{TOKEN}"), LinkError::UnknownAction),
            ("tack://join".to_owned(), LinkError::Malformed),
            ("tack://join/".to_owned(), LinkError::Malformed),
            (format!("tack://join/{TOKEN}/more"), LinkError::BadToken),
            (
                format!("tack://join/{TOKEN}?token={TOKEN}"),
                LinkError::Malformed,
            ),
            (format!("tack://join/{TOKEN}#x"), LinkError::Malformed),
            ("tack://join/short".to_owned(), LinkError::BadToken),
            (
                format!("tack://join/{}", "a".repeat(129)),
                LinkError::BadToken,
            ),
            (format!("tack://join/{TOKEN}%20"), LinkError::BadToken),
            (
                "tack://join/abc.def.ghi.jkl.mno".to_owned(),
                LinkError::BadToken,
            ),
            (
                "tack://join?relay=http%3A%2F%2Fa".to_owned(),
                LinkError::BadToken,
            ),
            (
                format!("tack://join?token={TOKEN}&token={TOKEN}"),
                LinkError::Malformed,
            ),
            (
                format!("tack://join?token={TOKEN}&board=x"),
                LinkError::Malformed,
            ),
            (
                format!("tack://join?token={TOKEN}&relay"),
                LinkError::Malformed,
            ),
            (
                format!("tack://join?token=%4G{TOKEN}"),
                LinkError::Malformed,
            ),
            (
                format!("tack://join?token=%FF{TOKEN}"),
                LinkError::Malformed,
            ),
            (
                format!("tack://join?token={TOKEN}&relay=file%3A%2F%2F%2Fetc"),
                LinkError::BadRelay,
            ),
            (
                format!("tack://join?token={TOKEN}&relay=javascript%3Aalert(1)"),
                LinkError::BadRelay,
            ),
            (
                format!("tack://join?token={TOKEN}&relay=http%3A%2F%2Fa%2Fpath"),
                LinkError::BadRelay,
            ),
            (
                format!("tack://join?token={TOKEN}&relay=http%3A%2F%2Fu%40host"),
                LinkError::BadRelay,
            ),
            (
                format!("tack://join?token={TOKEN}&relay=http%3A%2F%2Fhost%3A99999"),
                LinkError::BadRelay,
            ),
            (
                format!("tack://join?token={TOKEN}&relay=http%3A%2F%2F"),
                LinkError::BadRelay,
            ),
            (
                format!("tack://join?token={TOKEN}&relay=http%3A%2F%2F%5B%5D"),
                LinkError::BadRelay,
            ),
            (
                format!("tack://join/{TOKEN}{}", "a".repeat(MAX_LINK_LEN)),
                LinkError::TooLong,
            ),
            (String::new(), LinkError::NotTack),
        ];
        for (link, why) in cases {
            assert_eq!(parse(&link), Err(why), "{link}");
        }
    }

    #[test]
    fn links_wait_for_the_window_then_go_straight_through() {
        let links = JoinLinks::default();
        assert_eq!(links.arrived("a".into()), None);
        assert_eq!(
            links.arrived("a".into()),
            None,
            "the same link twice waits once"
        );
        assert_eq!(links.arrived("b".into()), None);
        assert_eq!(links.listening(), ["a", "b"]);
        assert_eq!(links.arrived("c".into()).as_deref(), Some("c"));
        assert!(links.listening().is_empty());

        let flooded = JoinLinks::default();
        for n in 0..100 {
            assert_eq!(flooded.arrived(n.to_string()), None);
        }
        assert_eq!(flooded.listening().len(), MAX_PENDING);
    }

    #[test]
    fn links_are_picked_from_a_command_line() {
        let link = format!("tack://join/{TOKEN}");
        assert_eq!(
            links_in_args(["tack", link.as_str()]),
            std::slice::from_ref(&link)
        );
        assert_eq!(
            links_in_args(["tack", "--automation", "TACK://x", "--other", link.as_str()]),
            ["TACK://x".to_owned(), link.clone()]
        );
        // The program's own path is never a link; plain arguments are ignored.
        assert!(links_in_args(["tack://join/x", "file.txt", "tack", "é"]).is_empty());
        let long = format!("tack://join/{}", "a".repeat(MAX_LINK_LEN));
        assert!(links_in_args(["tack", long.as_str()]).is_empty());
        let many = vec![link.as_str(); 100];
        assert_eq!(
            links_in_args(std::iter::once("tack").chain(many)).len(),
            MAX_LINKS_PER_LAUNCH
        );
    }

    #[test]
    fn no_input_panics() {
        // Every prefix of valid links and a spread of odd bytes: an answer, never a panic.
        let valid = format!("tack://join?relay=http%3A%2F%2F%5B%3A%3A1%5D%3A9&token={TOKEN}");
        for end in 0..=valid.len() {
            let _ = parse(&valid[..end]);
        }
        for odd in ["%", "%%", "%0", "é", "\u{0}", "[", "]", ":", "?", "&", "="] {
            let _ = parse(&format!("tack://join?token={odd}&relay=http://{odd}"));
            let _ = parse(&format!("tack://join/{odd}"));
        }
    }
}
