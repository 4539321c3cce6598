//! Why a board does not sync and what to tell the person: a cause read from the relay's
//! machine codes (DESIGN §3, "Refusals"), never from its English, and the one sentence every
//! client (the desktop app, `tackctl`) shows for it.

use sync_protocol::Cause;

/// A board (or the whole client) that needs a person, or at least an explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncProblem {
    /// The relay does not let this account open the board (any more): the membership ended,
    /// or never existed. The copy on this computer stays.
    AccessRevoked,
    /// The session behind the token ended (signed out, expired, revoked): sign in again.
    SessionEnded,
    /// The relay serves this board read-only to us, so `unsaved` local changes could not be
    /// saved to it (it answered SyncStatus 0); they stay in the outbox on this computer and
    /// are sent if write access comes back.
    ReadOnly { unsaved: u64 },
    /// The server is not a Tack relay, or not one this client can speak to.
    IncompatibleServer { detail: String },
    /// A board fetched by id that the relay does not have.
    BoardMissing,
    /// Anything else, as the relay (or the connection) said it.
    Other { detail: String },
}

impl SyncProblem {
    /// What a PermissionDenied for a board means.
    pub fn from_denial(reason: &str) -> Self {
        match Cause::parse(reason) {
            (Some(Cause::Revoked | Cause::Forbidden), _) => SyncProblem::AccessRevoked,
            (Some(Cause::SessionEnded), _) => SyncProblem::SessionEnded,
            (_, text) => SyncProblem::Other {
                detail: format!("access denied: {text}"),
            },
        }
    }

    /// What the relay closing a board's channel means.
    pub fn from_close(reason: Option<&str>) -> Self {
        let Some(reason) = reason else {
            return SyncProblem::Other {
                detail: "the relay closed the board".to_owned(),
            };
        };
        match Cause::parse(reason) {
            (Some(Cause::Revoked | Cause::Forbidden), _) => SyncProblem::AccessRevoked,
            (Some(Cause::SessionEnded), _) => SyncProblem::SessionEnded,
            (_, text) => SyncProblem::Other {
                detail: format!("the relay closed the board: {text}"),
            },
        }
    }

    /// The membership is gone: the desktop keeps the copy read-only and stops syncing it.
    pub fn ends_access(&self) -> bool {
        *self == SyncProblem::AccessRevoked
    }

    /// Local changes that wait because of this problem and cannot be sent as things are.
    pub fn unsaved(&self) -> u64 {
        match self {
            SyncProblem::ReadOnly { unsaved } => *unsaved,
            _ => 0,
        }
    }

    /// The one sentence every client shows.
    pub fn sentence(&self) -> String {
        match self {
            SyncProblem::AccessRevoked => {
                "Access removed — your copy stays on this computer, read-only".to_owned()
            }
            SyncProblem::SessionEnded => "Session ended — sign in again".to_owned(),
            SyncProblem::ReadOnly { unsaved } => {
                let changes = if *unsaved == 1 {
                    "1 local change could not be saved to the server and is".to_owned()
                } else {
                    format!("{unsaved} local changes could not be saved to the server and are")
                };
                format!("Read-only access: {changes} kept on this computer")
            }
            SyncProblem::IncompatibleServer { detail } => {
                format!("Server incompatible: {detail}")
            }
            SyncProblem::BoardMissing => "The server has no such board".to_owned(),
            SyncProblem::Other { detail } => format!("Sync error: {detail}"),
        }
    }
}

impl std::fmt::Display for SyncProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.sentence())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_come_from_the_code_and_never_from_the_text() {
        assert_eq!(
            SyncProblem::from_denial("revoked: access to this board was revoked"),
            SyncProblem::AccessRevoked
        );
        assert_eq!(
            SyncProblem::from_denial("forbidden: not allowed: sign in"),
            SyncProblem::AccessRevoked
        );
        assert_eq!(
            SyncProblem::from_denial("session-ended: your session ended; sign in again"),
            SyncProblem::SessionEnded
        );
        assert_eq!(
            SyncProblem::from_close(Some("revoked: access to this board was revoked")),
            SyncProblem::AccessRevoked
        );
        // English that merely mentions a cause is not one.
        assert_eq!(
            SyncProblem::from_denial("your access was revoked"),
            SyncProblem::Other {
                detail: "access denied: your access was revoked".into()
            }
        );
        assert_eq!(
            SyncProblem::from_close(Some("malformed: malformed update: truncated")),
            SyncProblem::Other {
                detail: "the relay closed the board: malformed update: truncated".into()
            }
        );
        assert_eq!(
            SyncProblem::from_close(None).sentence(),
            "Sync error: the relay closed the board"
        );
    }

    #[test]
    fn each_problem_has_one_sentence() {
        assert_eq!(
            SyncProblem::AccessRevoked.sentence(),
            "Access removed — your copy stays on this computer, read-only"
        );
        assert_eq!(
            SyncProblem::SessionEnded.sentence(),
            "Session ended — sign in again"
        );
        assert_eq!(
            SyncProblem::ReadOnly { unsaved: 1 }.sentence(),
            "Read-only access: 1 local change could not be saved to the server and is kept on \
             this computer"
        );
        assert_eq!(
            SyncProblem::IncompatibleServer {
                detail: "x answered HTTP 404".into()
            }
            .to_string(),
            "Server incompatible: x answered HTTP 404"
        );
        assert_eq!(
            SyncProblem::BoardMissing.sentence(),
            "The server has no such board"
        );
    }
}
