//! The client's Auth Token as each `@hocuspocus/provider` line writes it: 3.x sends
//! `0 • varString(token)`, 4.x appends `varString(provider version)`. Both decode to the token;
//! what follows the version is ignored; everything else stays as strict as before.

use proptest::prelude::*;
use sync_protocol::lib0::{write_var_string, write_var_u64};
use sync_protocol::{AuthMessage, AuthScope, Limits, MuxFrame, MuxMessage, ProtocolError};

/// `varString(board) • 2 Auth • 0 Token • varString(token)`, then `tail` as is.
fn token_frame(board: &str, token: &str, tail: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_var_string(&mut out, board);
    write_var_u64(&mut out, 2);
    write_var_u64(&mut out, 0);
    write_var_string(&mut out, token);
    out.extend_from_slice(tail);
    out
}

fn string_bytes(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    write_var_string(&mut out, text);
    out
}

fn token(board: &str, token: &str) -> MuxFrame {
    MuxFrame::Board {
        board: board.to_owned(),
        message: MuxMessage::Auth(AuthMessage::Token {
            token: token.to_owned(),
        }),
    }
}

fn decode(bytes: &[u8]) -> Result<MuxFrame, ProtocolError> {
    MuxFrame::decode(bytes, &Limits::default())
}

#[test]
fn provider_3_token_decodes() {
    let bytes = token_frame("board-1", "secret-token", &[]);
    assert_eq!(decode(&bytes), Ok(token("board-1", "secret-token")));
    assert_eq!(token("board-1", "secret-token").encode(), bytes);
}

/// Refused with "6 trailing byte(s) after a complete message" before: provider 4.8.0 could not
/// authenticate at all.
#[test]
fn provider_4_token_with_its_version_decodes() {
    let bytes = token_frame("board-1", "secret-token", &string_bytes("4.8.0"));
    assert_eq!(decode(&bytes), Ok(token("board-1", "secret-token")));
    // The version is not kept: re-encoding gives provider 3.x's form.
    assert_eq!(
        token("board-1", "secret-token").encode(),
        token_frame("board-1", "secret-token", &[])
    );
    // An empty version string (provider built without its version) is fine too.
    let bytes = token_frame("board-1", "secret-token", &string_bytes(""));
    assert_eq!(decode(&bytes), Ok(token("board-1", "secret-token")));
}

#[test]
fn fields_after_the_version_are_ignored() {
    let mut tail = string_bytes("4.9.0");
    tail.extend_from_slice(&string_bytes("a later field"));
    tail.extend_from_slice(&[0xff, 0xff, 0xff, 0x00, 0x80]);
    let bytes = token_frame("board-1", "secret-token", &tail);
    assert_eq!(decode(&bytes), Ok(token("board-1", "secret-token")));
}

#[test]
fn a_malformed_version_is_refused() {
    // A length the frame cannot hold.
    let bytes = token_frame("b", "t", &[0x7f, b'4']);
    assert!(
        matches!(
            decode(&bytes),
            Err(ProtocolError::LengthExceedsInput { .. } | ProtocolError::UnexpectedEnd { .. })
        ),
        "{:?}",
        decode(&bytes)
    );
    // A varint that never ends.
    let bytes = token_frame("b", "t", &[0xff; 11]);
    assert_eq!(decode(&bytes), Err(ProtocolError::InvalidVarInt));
    // Not UTF-8.
    let bytes = token_frame("b", "t", &[2, 0xc3, 0x28]);
    assert_eq!(
        decode(&bytes),
        Err(ProtocolError::InvalidUtf8 {
            what: "provider version"
        })
    );
    // Over the string limit.
    let limits = Limits {
        max_string_bytes: 8,
        ..Limits::default()
    };
    let bytes = token_frame("b", "t", &string_bytes("123456789"));
    assert_eq!(
        MuxFrame::decode(&bytes, &limits),
        Err(ProtocolError::LimitExceeded {
            what: "provider version",
            actual: 9,
            max: 8
        })
    );
}

#[test]
fn ignored_fields_still_count_towards_the_frame_limit() {
    let limits = Limits {
        max_frame_bytes: 64,
        ..Limits::default()
    };
    let mut tail = string_bytes("4.8.0");
    tail.extend_from_slice(&[0; 64]);
    let bytes = token_frame("b", "t", &tail);
    assert!(matches!(
        MuxFrame::decode(&bytes, &limits),
        Err(ProtocolError::LimitExceeded { .. })
    ));
}

#[test]
fn every_other_message_still_refuses_trailing_bytes() {
    let frames = [
        MuxMessage::Auth(AuthMessage::Authenticated {
            scope: AuthScope::ReadWrite,
        }),
        MuxMessage::Auth(AuthMessage::PermissionDenied {
            reason: "permission-denied".into(),
        }),
        MuxMessage::SyncStatus { applied: true },
        MuxMessage::Stateless {
            payload: "hi".into(),
        },
        MuxMessage::Close {
            reason: Some("Reset Connection".into()),
        },
        MuxMessage::QueryAwareness,
    ];
    for message in frames {
        let mut bytes = MuxFrame::Board {
            board: "board-1".into(),
            message: message.clone(),
        }
        .encode();
        bytes.extend_from_slice(&string_bytes("4.8.0"));
        assert_eq!(
            decode(&bytes),
            Err(ProtocolError::TrailingBytes { count: 6 }),
            "{message:?}"
        );
    }
    // The server's token request (Auth 0 with no body) is still told apart from a token.
    assert_eq!(
        decode(&[1, b'b', 2, 0]),
        Ok(MuxFrame::Board {
            board: "b".into(),
            message: MuxMessage::Auth(AuthMessage::TokenRequest),
        })
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_token_with_any_version_and_tail_decodes_to_the_token(
        board in ".{1,12}",
        token_text in ".{0,40}",
        version in ".{0,20}",
        tail in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut rest = string_bytes(&version);
        rest.extend_from_slice(&tail);
        let bytes = token_frame(&board, &token_text, &rest);
        prop_assert_eq!(decode(&bytes), Ok(token(&board, &token_text)));
    }
}
