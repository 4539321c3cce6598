//! Whole WebSocket frames: Hocuspocus-compatible multiplexed frames and y-websocket frames.

use crate::error::{ProtocolError, Result};
use crate::lib0::{write_var_bytes, write_var_string, write_var_u64, Decoder};
use crate::sync::{check_frame_size, SyncMessage};
use crate::Limits;

/// Application-level ping: the single byte `09` with no board name (Hocuspocus v4).
pub const PING_BYTE: u8 = 9;
/// Application-level pong: the single byte `0a` (Hocuspocus v4 provider's reply to a ping).
pub const PONG_BYTE: u8 = 10;

/// One frame on the multiplexed `/sync` socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MuxFrame {
    /// `varString(board) • varUint(type) • body`.
    Board { board: String, message: MuxMessage },
    /// The bare byte `09`.
    Ping,
    /// The bare byte `0a`.
    Pong,
}

/// The typed body of a multiplexed frame; the number is the Hocuspocus `MessageType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MuxMessage {
    /// 0: y-protocols sync.
    Sync(SyncMessage),
    /// 1: `varByteArray(awareness update)`.
    Awareness { update: Vec<u8> },
    /// 2: authentication.
    Auth(AuthMessage),
    /// 3: ask for everyone's awareness (no body).
    QueryAwareness,
    /// 4: server's sync that must not trigger another Step1 (Hocuspocus `SyncReply`).
    SyncReply(SyncMessage),
    /// 5: `varString(payload)`.
    Stateless { payload: String },
    /// 6: `varString(payload)`, to be relayed to every connection of the board.
    BroadcastStateless { payload: String },
    /// 7: client → server has no body; server → client carries `varString(reason)`.
    Close { reason: Option<String> },
    /// 8: `varUint(1)` the update was applied (durable in Tack), `varUint(0)` rejected.
    SyncStatus { applied: bool },
}

/// Hocuspocus auth sub-messages (`@hocuspocus/common` `AuthMessageType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMessage {
    /// 0 with `varString(token)`: client sends its token. Provider 4.x appends
    /// `varString(provider version)`; decoding checks that string and drops it, and ignores
    /// whatever follows it (fields a later protocol adds), as Hocuspocus's own server does.
    /// Encoding writes the token only (provider 3.x's form, which every server accepts).
    Token { token: String },
    /// 0 with no body: server asks the client to send its token again.
    TokenRequest,
    /// 1 `varString(reason)`.
    PermissionDenied { reason: String },
    /// 2 `varString(scope)`.
    Authenticated { scope: AuthScope },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScope {
    ReadOnly,
    ReadWrite,
}

impl AuthScope {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthScope::ReadOnly => "readonly",
            AuthScope::ReadWrite => "read-write",
        }
    }
}

impl MuxFrame {
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self> {
        check_frame_size(bytes, limits)?;
        match bytes {
            [PING_BYTE] => return Ok(MuxFrame::Ping),
            [PONG_BYTE] => return Ok(MuxFrame::Pong),
            _ => {}
        }
        let mut decoder = Decoder::new(bytes, limits.max_string_bytes);
        let board = decoder.read_var_string("board name")?.to_owned();
        let message = MuxMessage::decode_from(&mut decoder)?;
        decoder.finish()?;
        Ok(MuxFrame::Board { board, message })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            MuxFrame::Ping => out.push(PING_BYTE),
            MuxFrame::Pong => out.push(PONG_BYTE),
            MuxFrame::Board { board, message } => {
                write_var_string(out, board);
                message.encode_into(out);
            }
        }
    }
}

impl MuxMessage {
    fn decode_from(decoder: &mut Decoder<'_>) -> Result<Self> {
        let message = match decoder.read_var_u64()? {
            0 => MuxMessage::Sync(SyncMessage::decode_from(decoder)?),
            1 => MuxMessage::Awareness {
                update: decoder.read_var_bytes()?.to_vec(),
            },
            2 => MuxMessage::Auth(AuthMessage::decode_from(decoder)?),
            3 => MuxMessage::QueryAwareness,
            4 => MuxMessage::SyncReply(SyncMessage::decode_from(decoder)?),
            5 => MuxMessage::Stateless {
                payload: decoder.read_var_string("stateless payload")?.to_owned(),
            },
            6 => MuxMessage::BroadcastStateless {
                payload: decoder.read_var_string("stateless payload")?.to_owned(),
            },
            7 if decoder.is_empty() => MuxMessage::Close { reason: None },
            7 => MuxMessage::Close {
                reason: Some(decoder.read_var_string("close reason")?.to_owned()),
            },
            8 => MuxMessage::SyncStatus {
                applied: match decoder.read_var_u64()? {
                    0 => false,
                    1 => true,
                    tag => {
                        return Err(ProtocolError::UnknownTag {
                            what: "sync status",
                            tag,
                        })
                    }
                },
            },
            tag => {
                return Err(ProtocolError::UnknownTag {
                    what: "multiplexed message type",
                    tag,
                })
            }
        };
        Ok(message)
    }

    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            MuxMessage::Sync(sync) => {
                write_var_u64(out, 0);
                sync.encode_into(out);
            }
            MuxMessage::Awareness { update } => {
                write_var_u64(out, 1);
                write_var_bytes(out, update);
            }
            MuxMessage::Auth(auth) => {
                write_var_u64(out, 2);
                auth.encode_into(out);
            }
            MuxMessage::QueryAwareness => write_var_u64(out, 3),
            MuxMessage::SyncReply(sync) => {
                write_var_u64(out, 4);
                sync.encode_into(out);
            }
            MuxMessage::Stateless { payload } => {
                write_var_u64(out, 5);
                write_var_string(out, payload);
            }
            MuxMessage::BroadcastStateless { payload } => {
                write_var_u64(out, 6);
                write_var_string(out, payload);
            }
            MuxMessage::Close { reason } => {
                write_var_u64(out, 7);
                if let Some(reason) = reason {
                    write_var_string(out, reason);
                }
            }
            MuxMessage::SyncStatus { applied } => {
                write_var_u64(out, 8);
                write_var_u64(out, u64::from(*applied));
            }
        }
    }
}

impl AuthMessage {
    fn decode_from(decoder: &mut Decoder<'_>) -> Result<Self> {
        let message = match decoder.read_var_u64()? {
            0 if decoder.is_empty() => AuthMessage::TokenRequest,
            0 => {
                let token = decoder.read_var_string("token")?.to_owned();
                skip_token_extensions(decoder)?;
                AuthMessage::Token { token }
            }
            1 => AuthMessage::PermissionDenied {
                reason: decoder
                    .read_var_string("permission denied reason")?
                    .to_owned(),
            },
            2 => AuthMessage::Authenticated {
                scope: match decoder.read_var_string("auth scope")? {
                    "readonly" => AuthScope::ReadOnly,
                    "read-write" => AuthScope::ReadWrite,
                    _ => {
                        return Err(ProtocolError::UnknownTag {
                            what: "auth scope",
                            tag: 2,
                        })
                    }
                },
            },
            tag => {
                return Err(ProtocolError::UnknownTag {
                    what: "auth message",
                    tag,
                })
            }
        };
        Ok(message)
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            AuthMessage::Token { token } => {
                write_var_u64(out, 0);
                write_var_string(out, token);
            }
            AuthMessage::TokenRequest => write_var_u64(out, 0),
            AuthMessage::PermissionDenied { reason } => {
                write_var_u64(out, 1);
                write_var_string(out, reason);
            }
            AuthMessage::Authenticated { scope } => {
                write_var_u64(out, 2);
                write_var_string(out, scope.as_str());
            }
        }
    }
}

/// Skips what follows the token in a client's Auth: provider 4.x's `varString(version)` (it
/// must be a well-formed string within the string limit), then anything a later protocol
/// appends. Tack does not negotiate by provider version, so none of it is kept. Bounded: the
/// frame size limit already bounds the bytes skipped.
fn skip_token_extensions(decoder: &mut Decoder<'_>) -> Result<()> {
    if !decoder.is_empty() {
        decoder.read_var_string("provider version")?;
    }
    decoder.read_rest();
    Ok(())
}

/// One frame on a single-board y-websocket socket: `varUint(type) • body`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YwsMessage {
    /// 0: y-protocols sync.
    Sync(SyncMessage),
    /// 1: `varByteArray(awareness update)`.
    Awareness { update: Vec<u8> },
    /// 2: y-protocols/auth; its only message is 0 `PermissionDenied varString(reason)`.
    PermissionDenied { reason: String },
    /// 3: no body.
    QueryAwareness,
}

impl YwsMessage {
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self> {
        check_frame_size(bytes, limits)?;
        let mut decoder = Decoder::new(bytes, limits.max_string_bytes);
        let message = match decoder.read_var_u64()? {
            0 => YwsMessage::Sync(SyncMessage::decode_from(&mut decoder)?),
            1 => YwsMessage::Awareness {
                update: decoder.read_var_bytes()?.to_vec(),
            },
            2 => match decoder.read_var_u64()? {
                0 => YwsMessage::PermissionDenied {
                    reason: decoder
                        .read_var_string("permission denied reason")?
                        .to_owned(),
                },
                tag => {
                    return Err(ProtocolError::UnknownTag {
                        what: "y-websocket auth message",
                        tag,
                    })
                }
            },
            3 => YwsMessage::QueryAwareness,
            tag => {
                return Err(ProtocolError::UnknownTag {
                    what: "y-websocket message type",
                    tag,
                })
            }
        };
        decoder.finish()?;
        Ok(message)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            YwsMessage::Sync(sync) => {
                write_var_u64(out, 0);
                sync.encode_into(out);
            }
            YwsMessage::Awareness { update } => {
                write_var_u64(out, 1);
                write_var_bytes(out, update);
            }
            YwsMessage::PermissionDenied { reason } => {
                write_var_u64(out, 2);
                write_var_u64(out, 0);
                write_var_string(out, reason);
            }
            YwsMessage::QueryAwareness => write_var_u64(out, 3),
        }
    }
}
