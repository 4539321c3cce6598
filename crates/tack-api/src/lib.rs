//! The relay's `/v1` JSON API as types: every request body, every response body and the error
//! body, one declaration each, used by the relay (`sync-server`, which answers with them) and
//! its clients (`tack-account`, which sends and reads them). `sync-server/src/openapi.json`
//! describes the same shapes for clients in other languages, and the relay's integration tests
//! check every documented endpoint's real answers against it.
//!
//! Serde only: no I/O, no HTTP types. Fields are declared in alphabetical order, the order the
//! relay has always written them in (it used to build its answers with `serde_json::json!`,
//! whose maps sort their keys), so the bytes on the wire stay as they were.

#![warn(unreachable_pub)]

use std::fmt;

use serde::{Deserialize, Serialize};

/// A member's role on a board, spelled `owner`, `editor` or `viewer` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Editor,
    Viewer,
}

impl Role {
    /// Whether this role may change the board (everyone but a viewer).
    pub fn can_edit(self) -> bool {
        self != Role::Viewer
    }

    /// The wire spelling, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "owner" => Some(Role::Owner),
            "editor" => Some(Role::Editor),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

// Requests.

/// `POST /v1/signup` and `POST /v1/login`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("email", &self.email)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// `PUT /v1/boards/{board}/members`: adds the account with this email, or changes its role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMember {
    pub email: String,
    pub role: Role,
}

/// `PUT /v1/boards/{board}/members/{user}`: an existing member's new role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChange {
    pub role: Role,
}

/// `POST /v1/boards/{board}/invites`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInvite {
    /// Seconds the link stays valid (7 days when absent, capped by the relay's setting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u64>,
    /// How many people may accept it, 1 to 10000 (1 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<i64>,
    /// `editor` or `viewer`: an invite never makes an owner.
    pub role: Role,
}

/// `POST /v1/invites/accept`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptInvite {
    pub token: String,
}

impl fmt::Debug for AcceptInvite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcceptInvite")
            .field("token", &"<hidden>")
            .finish()
    }
}

// Responses.

/// A new session, the answer to signup (201) and login (200). `token` is shown only here.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStarted {
    pub email: String,
    /// Seconds until the session expires.
    pub expires_in: u64,
    pub session_id: String,
    pub token: String,
    pub user_id: String,
}

impl fmt::Debug for SessionStarted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionStarted")
            .field("email", &self.email)
            .field("expires_in", &self.expires_in)
            .field("session_id", &self.session_id)
            .field("token", &"<hidden>")
            .field("user_id", &self.user_id)
            .finish()
    }
}

/// `GET /v1/me`: whose token this is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub session_id: String,
    pub user_id: String,
}

/// `GET /v1/sessions`: the caller's unexpired sessions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionList {
    pub sessions: Vec<SessionInfo>,
}

/// One session of the caller's. Times are seconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub created_at: i64,
    /// The session this request was made with.
    pub current: bool,
    pub expires_at: i64,
    pub id: String,
}

/// `GET /v1/boards`: the boards the caller is a member of, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardList {
    pub boards: Vec<MyBoard>,
}

/// A board and the caller's role on it: an entry of [`BoardList`], and the answer to
/// publishing (`PUT /v1/boards/{board}`) and to accepting an invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyBoard {
    pub board_id: String,
    pub role: Role,
}

/// `GET /v1/boards/{board}/members`, by email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberList {
    pub members: Vec<Member>,
}

/// A member of a board: an entry of [`MemberList`], and the answer to adding one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub email: String,
    pub role: Role,
    pub user_id: String,
}

/// `GET /v1/boards/{board}/tasks/{task}/history?before=<id>&limit=<n>`: a page of a task's
/// history, newest first (DESIGN "History"). `next_before` is the `before` of the next page,
/// absent on the last one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskHistory {
    pub changes: Vec<TaskChangeEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<String>,
}

/// One change of a task, named by the relay: `author_id` is the account whose update made
/// it, as the relay authenticated it when it committed the update (never read from the
/// document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskChangeEntry {
    /// Milliseconds since the epoch: when the relay committed the change.
    pub at_ms: i64,
    /// `None` once the author's account is deleted.
    pub author_id: Option<String>,
    /// `created`, `title`, `column`, `description`, `labels`, `assignees`, `due`,
    /// `checklist`, `archived`, `deleted` or `comment`.
    pub field: String,
    /// `<seq>.<n>`: the board update that made the change, and its place among that
    /// update's changes.
    pub id: String,
    pub task_id: String,
    /// The value was cut at 16 KiB and cannot be restored.
    pub truncated: bool,
    /// The field's value after the change, as JSON (DESIGN "History").
    pub value: serde_json::Value,
}

/// One read mark of mine (DESIGN §4 "Read marks"): an inbox entry's key, whether I read it,
/// and when a device of mine changed that (milliseconds since the epoch; the later one wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarkEntry {
    pub changed_at_ms: i64,
    pub key: String,
    pub read: bool,
}

/// `GET /v1/me/read-marks?after=<seq>`: my read marks stored after `after`, oldest first.
/// `seq` is the `after` of the next request; `more` says that one has more at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarks {
    pub marks: Vec<ReadMarkEntry>,
    pub more: bool,
    pub seq: i64,
}

/// `PUT /v1/me/read-marks`: marks a device of mine changed (at most
/// [`MAX_READ_MARKS_PER_REQUEST`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReadMarks {
    pub marks: Vec<ReadMarkEntry>,
}

/// The answer to `PUT /v1/me/read-marks`: how many marks were newer than the relay's and
/// replaced them (an older or equal one changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMarksStored {
    pub changed: u32,
}

/// The most marks one `PUT /v1/me/read-marks` carries, and one `GET` page holds.
pub const MAX_READ_MARKS_PER_REQUEST: usize = 500;
/// The most read marks the relay keeps per person (the oldest changes go first); an inbox
/// keeps at most as many entries.
pub const MAX_READ_MARKS_PER_USER: i64 = 5_000;
/// The longest read mark key (an inbox entry's key).
pub const MAX_READ_MARK_KEY_BYTES: usize = 256;

/// A new invite link (201): `token` is what the invited person accepts.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub board_id: String,
    /// Seconds since the epoch.
    pub expires_at: i64,
    pub max_uses: i64,
    pub role: Role,
    pub token: String,
}

impl fmt::Debug for Invite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invite")
            .field("board_id", &self.board_id)
            .field("expires_at", &self.expires_at)
            .field("max_uses", &self.max_uses)
            .field("role", &self.role)
            .field("token", &"<hidden>")
            .finish()
    }
}

// Errors.

/// Every error answer's body: a stable code to act on and a sentence fit to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorCode,
    pub message: String,
}

/// The machine-readable cause of an error answer. Each goes with one HTTP status, except
/// `NotFound` (404 for an endpoint or for what it names) and `Unavailable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body or a path segment is not acceptable; the message names the field.
    BadRequest,
    /// 401: no valid session token.
    Unauthorized,
    /// 401: wrong email or password.
    InvalidCredentials,
    /// 403: the caller's role on the board does not allow this.
    Forbidden,
    /// 404: no such endpoint, board, member, session or invite (or not visible to the caller).
    NotFound,
    /// 405: the endpoint does not take this method.
    MethodNotAllowed,
    /// 408: the request body did not arrive in time.
    RequestTimeout,
    /// 409: an account with this email exists.
    EmailTaken,
    /// 409: someone else published a board with this id.
    BoardTaken,
    /// 409: the change would leave the board without an owner.
    LastOwner,
    /// 413: the request body is over the limit.
    TooLarge,
    /// 413: an attachment would take the board's attachments over the relay's quota.
    QuotaExceeded,
    /// 400: an attachment's bytes do not have the SHA-256 its path names; nothing was stored.
    HashMismatch,
    /// 409 (`Upload-Offset`): an attachment's upload cannot go on from there (another upload of
    /// it is running, or the relay holds a different number of its bytes); resume from the
    /// offset given.
    UploadConflict,
    /// 416: the range asked for is past the attachment's end.
    RangeNotSatisfiable,
    /// 429 (`Retry-After`): too many logins or signups from this address.
    TooManyRequests,
    /// 429 (`Retry-After`): too many failed logins for this account.
    TooManyAttempts,
    /// 429 (`Retry-After`): too many unauthenticated connections from this address.
    TooManyConnections,
    /// 500.
    Internal,
    /// 503 (`Retry-After`): password hashing is saturated.
    Busy,
    /// 503: storage failed; try again.
    Unavailable,
    /// A code this client does not know (a newer relay's); the relay never sends it.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// Every code the relay sends (all but [`ErrorCode::Unknown`]).
    pub const ALL: [ErrorCode; 21] = [
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::InvalidCredentials,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::RequestTimeout,
        ErrorCode::EmailTaken,
        ErrorCode::BoardTaken,
        ErrorCode::LastOwner,
        ErrorCode::TooLarge,
        ErrorCode::QuotaExceeded,
        ErrorCode::HashMismatch,
        ErrorCode::UploadConflict,
        ErrorCode::RangeNotSatisfiable,
        ErrorCode::TooManyRequests,
        ErrorCode::TooManyAttempts,
        ErrorCode::TooManyConnections,
        ErrorCode::Internal,
        ErrorCode::Busy,
        ErrorCode::Unavailable,
    ];

    /// The wire spelling, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::RequestTimeout => "request_timeout",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::BoardTaken => "board_taken",
            ErrorCode::LastOwner => "last_owner",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::HashMismatch => "hash_mismatch",
            ErrorCode::UploadConflict => "upload_conflict",
            ErrorCode::RangeNotSatisfiable => "range_not_satisfiable",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::TooManyConnections => "too_many_connections",
            ErrorCode::Internal => "internal",
            ErrorCode::Busy => "busy",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json<T: Serialize>(value: &T) -> String {
        serde_json::to_string(value).expect("serialise")
    }

    #[test]
    fn roles_are_spelled_alike_by_serde_and_by_hand() {
        for role in [Role::Owner, Role::Editor, Role::Viewer] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(json(&role), format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse("Owner"), None);
        assert!(!Role::Viewer.can_edit() && Role::Editor.can_edit() && Role::Owner.can_edit());
    }

    #[test]
    fn error_codes_are_spelled_alike_by_serde_and_by_hand_and_unknown_ones_are_read() {
        for code in ErrorCode::ALL {
            assert_eq!(json(&code), format!("\"{}\"", code.as_str()));
            let read: ErrorCode = serde_json::from_str(&json(&code)).expect("read back");
            assert_eq!(read, code);
        }
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":"from_the_future","message":"m"}"#).expect("body");
        assert_eq!(body.error, ErrorCode::Unknown);
    }

    /// The exact bytes the relay wrote before these types existed (`json!` maps, keys
    /// sorted): a field renamed, retyped or reordered fails here.
    #[test]
    fn answers_keep_their_bytes() {
        let role = Role::Editor;
        let cases = [
            (
                json(&SessionStarted {
                    email: "a@example.com".into(),
                    expires_in: 60,
                    session_id: "s".into(),
                    token: "t".into(),
                    user_id: "u".into(),
                }),
                r#"{"email":"a@example.com","expires_in":60,"session_id":"s","token":"t","user_id":"u"}"#,
            ),
            (
                json(&Me {
                    email: "a@example.com".into(),
                    session_id: "s".into(),
                    user_id: "u".into(),
                }),
                r#"{"email":"a@example.com","session_id":"s","user_id":"u"}"#,
            ),
            (
                json(&SessionList {
                    sessions: vec![SessionInfo {
                        created_at: 1,
                        current: true,
                        expires_at: 2,
                        id: "s".into(),
                    }],
                }),
                r#"{"sessions":[{"created_at":1,"current":true,"expires_at":2,"id":"s"}]}"#,
            ),
            (
                json(&BoardList {
                    boards: vec![MyBoard {
                        board_id: "b".into(),
                        role,
                    }],
                }),
                r#"{"boards":[{"board_id":"b","role":"editor"}]}"#,
            ),
            (
                json(&MemberList {
                    members: vec![Member {
                        email: "a@example.com".into(),
                        role,
                        user_id: "u".into(),
                    }],
                }),
                r#"{"members":[{"email":"a@example.com","role":"editor","user_id":"u"}]}"#,
            ),
            (
                json(&Invite {
                    board_id: "b".into(),
                    expires_at: 3,
                    max_uses: 1,
                    role,
                    token: "t".into(),
                }),
                r#"{"board_id":"b","expires_at":3,"max_uses":1,"role":"editor","token":"t"}"#,
            ),
            (
                json(&ErrorBody {
                    error: ErrorCode::LastOwner,
                    message: "m".into(),
                }),
                r#"{"error":"last_owner","message":"m"}"#,
            ),
            (
                json(&NewInvite {
                    expires_in: None,
                    max_uses: None,
                    role,
                }),
                r#"{"role":"editor"}"#,
            ),
        ];
        for (made, expected) in cases {
            assert_eq!(made, expected);
        }
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let texts = [
            format!(
                "{:?}",
                Credentials {
                    email: "a@example.com".into(),
                    password: "secret-1".into(),
                }
            ),
            format!(
                "{:?}",
                AcceptInvite {
                    token: "secret-1".into(),
                }
            ),
            format!(
                "{:?}",
                SessionStarted {
                    email: "a@example.com".into(),
                    expires_in: 1,
                    session_id: "s".into(),
                    token: "secret-1".into(),
                    user_id: "u".into(),
                }
            ),
            format!(
                "{:?}",
                Invite {
                    board_id: "b".into(),
                    expires_at: 1,
                    max_uses: 1,
                    role: Role::Viewer,
                    token: "secret-1".into(),
                }
            ),
        ];
        for text in texts {
            assert!(!text.contains("secret-1"), "{text}");
        }
    }
}
