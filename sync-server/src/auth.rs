//! Who may open a board, and how: the pluggable verifier behind the protocol's Auth flow.

use std::future::Future;
use std::pin::Pin;

use sync_protocol::Cause;

/// What an authenticated channel may do on one board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    ReadWrite,
}

impl Access {
    pub fn can_write(self) -> bool {
        self == Access::ReadWrite
    }
}

/// Owners and editors write; viewers only read.
impl From<tack_api::Role> for Access {
    fn from(role: tack_api::Role) -> Self {
        if role.can_edit() {
            Access::ReadWrite
        } else {
            Access::ReadOnly
        }
    }
}

/// A successful verification: what the channel may do, and on whose behalf (`None` for an
/// anonymous development relay or a test verifier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub access: Access,
    pub user: Option<String>,
}

impl From<Access> for Grant {
    fn from(access: Access) -> Self {
        Grant { access, user: None }
    }
}

/// Why a token was refused for a board; the text is sent to the client, so it must be safe.
/// The relay's own refusals start with a [`Cause`] code ([`Denied::because`], DESIGN §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub String);

impl Denied {
    /// A refusal with its machine code in front of the readable text.
    pub fn because(cause: Cause, text: &str) -> Self {
        Self(cause.reason(text))
    }
}

pub type Verdict<'a> = Pin<Box<dyn Future<Output = Result<Grant, Denied>> + Send + 'a>>;

/// Decides, for a token and a board, whether and how a client may join.
pub trait Verifier: Send + Sync + 'static {
    fn verify<'a>(&'a self, token: &'a str, board: &'a str) -> Verdict<'a>;
}

/// Development only (`--insecure-allow-anonymous`): everyone may read and write every board.
#[derive(Debug, Default)]
pub struct AllowAnonymous;

impl Verifier for AllowAnonymous {
    fn verify<'a>(&'a self, _token: &'a str, _board: &'a str) -> Verdict<'a> {
        Box::pin(async { Ok(Access::ReadWrite.into()) })
    }
}

/// The default until accounts exist: nobody may open anything, and the client is told why.
#[derive(Debug, Default)]
pub struct DenyAll;

impl Verifier for DenyAll {
    fn verify<'a>(&'a self, _token: &'a str, _board: &'a str) -> Verdict<'a> {
        Box::pin(async {
            Err(Denied::because(
                Cause::NoAccounts,
                "this relay has no accounts configured; it was started without \
                 --insecure-allow-anonymous",
            ))
        })
    }
}
