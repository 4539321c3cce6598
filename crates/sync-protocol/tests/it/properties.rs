//! Property tests: encode → decode is the identity for every frame; arbitrary bytes never panic.

use proptest::prelude::*;
use sync_protocol::{
    decode_awareness_update, prescan_state_vector_v1, prescan_update_v1, AuthMessage, AuthScope,
    AwarenessEntry, Limits, MuxFrame, MuxMessage, SyncMessage, UpdateLimits, YwsMessage,
};

fn sync_message() -> impl Strategy<Value = SyncMessage> {
    let bytes = proptest::collection::vec(any::<u8>(), 0..64);
    prop_oneof![
        bytes
            .clone()
            .prop_map(|state_vector| SyncMessage::Step1 { state_vector }),
        bytes
            .clone()
            .prop_map(|update| SyncMessage::Step2 { update }),
        bytes.prop_map(|update| SyncMessage::Update { update }),
    ]
}

fn auth_message() -> impl Strategy<Value = AuthMessage> {
    prop_oneof![
        ".{0,20}".prop_map(|token| AuthMessage::Token { token }),
        Just(AuthMessage::TokenRequest),
        ".{0,20}".prop_map(|reason| AuthMessage::PermissionDenied { reason }),
        prop_oneof![Just(AuthScope::ReadOnly), Just(AuthScope::ReadWrite)]
            .prop_map(|scope| AuthMessage::Authenticated { scope }),
    ]
}

fn mux_message() -> impl Strategy<Value = MuxMessage> {
    prop_oneof![
        sync_message().prop_map(MuxMessage::Sync),
        proptest::collection::vec(any::<u8>(), 0..64)
            .prop_map(|update| MuxMessage::Awareness { update }),
        auth_message().prop_map(MuxMessage::Auth),
        Just(MuxMessage::QueryAwareness),
        sync_message().prop_map(MuxMessage::SyncReply),
        ".{0,30}".prop_map(|payload| MuxMessage::Stateless { payload }),
        ".{0,30}".prop_map(|payload| MuxMessage::BroadcastStateless { payload }),
        proptest::option::of(".{0,30}").prop_map(|reason| MuxMessage::Close { reason }),
        any::<bool>().prop_map(|applied| MuxMessage::SyncStatus { applied }),
    ]
}

fn mux_frame() -> impl Strategy<Value = MuxFrame> {
    prop_oneof![
        8 => (".{0,40}", mux_message()).prop_map(|(board, message)| MuxFrame::Board { board, message }),
        1 => Just(MuxFrame::Ping),
        1 => Just(MuxFrame::Pong),
    ]
}

fn yws_message() -> impl Strategy<Value = YwsMessage> {
    prop_oneof![
        sync_message().prop_map(YwsMessage::Sync),
        proptest::collection::vec(any::<u8>(), 0..64)
            .prop_map(|update| YwsMessage::Awareness { update }),
        ".{0,30}".prop_map(|reason| YwsMessage::PermissionDenied { reason }),
        Just(YwsMessage::QueryAwareness),
    ]
}

/// Every decoder in the crate, run for its side effect of not panicking.
pub fn decode_everything(bytes: &[u8]) {
    let limits = Limits::default();
    let update_limits = UpdateLimits::default();
    let _ = MuxFrame::decode(bytes, &limits);
    let _ = YwsMessage::decode(bytes, &limits);
    let _ = decode_awareness_update(bytes, &limits);
    let _ = prescan_update_v1(bytes, &update_limits);
    let _ = prescan_state_vector_v1(bytes, &update_limits);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn mux_frames_round_trip(frame in mux_frame()) {
        let bytes = frame.encode();
        prop_assert_eq!(MuxFrame::decode(&bytes, &Limits::default()), Ok(frame));
    }

    #[test]
    fn yws_messages_round_trip(message in yws_message()) {
        let bytes = message.encode();
        prop_assert_eq!(YwsMessage::decode(&bytes, &Limits::default()), Ok(message));
    }

    #[test]
    fn awareness_bodies_round_trip(entries in proptest::collection::vec(
        (any::<u64>(), any::<u64>(), "[a-z{}\\[\\]\":,0-9]{0,30}")
            .prop_map(|(client_id, clock, state_json)| AwarenessEntry { client_id, clock, state_json }),
        0..5,
    )) {
        let bytes = sync_protocol::encode_awareness_update(&entries);
        let limits = Limits { max_nesting: 1000, ..Limits::default() };
        prop_assert_eq!(decode_awareness_update(&bytes, &limits), Ok(entries));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        decode_everything(&bytes);
    }

    #[test]
    fn truncated_and_mutated_frames_never_panic(
        frame in mux_frame(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        mask in 1u8..,
    ) {
        let mut bytes = frame.encode();
        let cut_at = cut.index(bytes.len() + 1);
        decode_everything(&bytes[..cut_at]);
        if cut_at < bytes.len() {
            // Only a cut that drops an optional trailing string can leave a valid frame, or a
            // cut after a board-name length of 9 or 10, which reads as a bare Ping or Pong.
            let optional_tail = matches!(
                frame,
                MuxFrame::Board {
                    message: MuxMessage::Close { reason: Some(_) } | MuxMessage::Auth(AuthMessage::Token { .. }),
                    ..
                }
            );
            let truncated = MuxFrame::decode(&bytes[..cut_at], &Limits::default());
            let bare_ping_or_pong = matches!(bytes[..cut_at], [9] | [10]);
            prop_assert!(truncated.is_err() || optional_tail || bare_ping_or_pong);
        }
        let at = flip.index(bytes.len());
        bytes[at] ^= mask;
        decode_everything(&bytes);
    }
}

#[test]
fn frame_limits_are_enforced() {
    let frame = MuxFrame::Board {
        board: "b".repeat(100),
        message: MuxMessage::QueryAwareness,
    };
    let bytes = frame.encode();
    let tight = Limits {
        max_frame_bytes: 50,
        ..Limits::default()
    };
    assert!(MuxFrame::decode(&bytes, &tight).is_err());
    let tight = Limits {
        max_string_bytes: 50,
        ..Limits::default()
    };
    assert!(MuxFrame::decode(&bytes, &tight).is_err());
    // Trailing bytes after a complete message are refused.
    assert!(MuxFrame::decode(&[0, 3, 0], &Limits::default()).is_err());
    assert!(YwsMessage::decode(&[3, 0], &Limits::default()).is_err());
    // A deep awareness state is refused.
    let deep = AwarenessEntry {
        client_id: 1,
        clock: 1,
        state_json: "[".repeat(100),
    };
    let body = sync_protocol::encode_awareness_update(&[deep]);
    assert!(decode_awareness_update(&body, &Limits::default()).is_err());
}
