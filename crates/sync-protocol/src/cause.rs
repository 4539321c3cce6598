//! Why the relay refused or closed a board: a stable machine code in front of the readable text
//! of PermissionDenied and Close reasons (`revoked: access to this board was revoked`), and the
//! WebSocket close codes of a single-board socket (DESIGN §3, "Refusals"). Clients match the
//! code, never the English after it; an old client still shows the whole reason.

/// A refusal's cause, as the relay names it on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cause {
    /// No access to this board: not a member, no such board, or a board id that cannot exist.
    /// One cause for all of them, so a stranger learns nothing about which boards exist.
    Forbidden,
    /// The membership ended while the board was open (removed, or left).
    Revoked,
    /// The session behind the token ended (logged out, expired, revoked): sign in again.
    SessionEnded,
    /// The relay cannot decide now (its database is unreachable): try again later.
    Unavailable,
    /// The relay accepts nobody (started without accounts and without anonymous access).
    NoAccounts,
    /// The client sent something for this board that cannot be decoded or applied.
    Malformed,
    /// The client went over a limit on this board (rates, sizes, refused messages).
    Limit,
}

impl Cause {
    pub const ALL: [Cause; 7] = [
        Cause::Forbidden,
        Cause::Revoked,
        Cause::SessionEnded,
        Cause::Unavailable,
        Cause::NoAccounts,
        Cause::Malformed,
        Cause::Limit,
    ];

    /// The code on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Cause::Forbidden => "forbidden",
            Cause::Revoked => "revoked",
            Cause::SessionEnded => "session-ended",
            Cause::Unavailable => "unavailable",
            Cause::NoAccounts => "no-accounts",
            Cause::Malformed => "malformed",
            Cause::Limit => "limit",
        }
    }

    pub fn from_code(code: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|cause| cause.code() == code)
    }

    /// The WebSocket close code a single-board (y-websocket) socket ends with, where the close
    /// frame is the only place for a reason: 4xxx, private-use, one per cause.
    pub fn close_code(self) -> u16 {
        match self {
            Cause::Forbidden => 4403,
            Cause::Revoked => 4410,
            Cause::SessionEnded => 4401,
            Cause::Unavailable => 4503,
            Cause::NoAccounts => 4405,
            Cause::Malformed => 4400,
            Cause::Limit => 4429,
        }
    }

    pub fn from_close_code(code: u16) -> Option<Cause> {
        Cause::ALL
            .into_iter()
            .find(|cause| cause.close_code() == code)
    }

    /// The reason as sent: `code: text`.
    pub fn reason(self, text: &str) -> String {
        format!("{}: {text}", self.code())
    }

    /// Splits a reason into its cause and the text after the code; a reason without a known
    /// code (an older relay, another server) has no cause and is all text.
    pub fn parse(reason: &str) -> (Option<Cause>, &str) {
        if let Some((code, text)) = reason.split_once(": ") {
            if let Some(cause) = Cause::from_code(code) {
                return (Some(cause), text);
            }
        }
        (None, reason)
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::Cause;
    use std::collections::BTreeSet;

    #[test]
    fn codes_and_close_codes_are_distinct_and_round_trip() {
        let codes: BTreeSet<_> = Cause::ALL.iter().map(|c| c.code()).collect();
        let close: BTreeSet<_> = Cause::ALL.iter().map(|c| c.close_code()).collect();
        assert_eq!(codes.len(), Cause::ALL.len());
        assert_eq!(close.len(), Cause::ALL.len());
        for cause in Cause::ALL {
            assert_eq!(Cause::from_code(cause.code()), Some(cause));
            assert_eq!(Cause::from_close_code(cause.close_code()), Some(cause));
            assert!((4000..5000).contains(&cause.close_code()));
            let reason = cause.reason("some text: with a colon");
            assert_eq!(
                Cause::parse(&reason),
                (Some(cause), "some text: with a colon")
            );
        }
    }

    #[test]
    fn a_reason_without_a_known_code_is_all_text() {
        assert_eq!(
            Cause::parse("revoked: access to this board was revoked"),
            (Some(Cause::Revoked), "access to this board was revoked")
        );
        assert_eq!(Cause::parse("unknown token"), (None, "unknown token"));
        assert_eq!(
            Cause::parse("not allowed: sign in"),
            (None, "not allowed: sign in")
        );
        assert_eq!(Cause::parse(""), (None, ""));
    }
}
