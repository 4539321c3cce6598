//! The one error type of this crate: every way a frame or an update can be refused.

/// Why some bytes were refused. Messages are safe to log; they never echo input contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// The input ended in the middle of a value.
    #[error("unexpected end of input: needed {needed} more byte(s), {remaining} left")]
    UnexpectedEnd { needed: u64, remaining: usize },

    /// A variable-length integer was longer than 10 bytes or did not fit its type.
    #[error("invalid variable-length integer (too long or out of range)")]
    InvalidVarInt,

    /// A declared count or length cannot be satisfied by the bytes that remain.
    #[error(
        "declared {what} count {declared} exceeds what {remaining} remaining byte(s) can hold"
    )]
    LengthExceedsInput {
        what: &'static str,
        declared: u64,
        remaining: usize,
    },

    /// A configured limit was exceeded.
    #[error("{what} limit exceeded: {actual} > {max}")]
    LimitExceeded {
        what: &'static str,
        actual: u64,
        max: u64,
    },

    /// Nesting of values (Any, JSON) deeper than allowed.
    #[error("nesting deeper than {max} levels")]
    NestingTooDeep { max: usize },

    /// A string was not valid UTF-8.
    #[error("invalid UTF-8 in {what}")]
    InvalidUtf8 { what: &'static str },

    /// A tag byte or number that names no known message, content or value.
    #[error("unknown {what} tag {tag}")]
    UnknownTag { what: &'static str, tag: u64 },

    /// Text that had to be a JSON object was not one (or not JSON at all).
    #[error("{what} is not a JSON object")]
    NotAJsonObject { what: &'static str },

    /// Bytes were left after a complete message.
    #[error("{count} trailing byte(s) after a complete message")]
    TrailingBytes { count: usize },

    /// Structurally invalid content that yrs or Yjs would misread or reject.
    #[error("malformed update: {reason}")]
    MalformedUpdate { reason: &'static str },

    /// The pre-scan passed but yrs still refused the bytes.
    #[error("yrs refused the bytes: {message}")]
    Yrs { message: String },
}

pub(crate) type Result<T> = std::result::Result<T, ProtocolError>;
