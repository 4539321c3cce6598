//! Golden frames made by the real JS libraries (fixtures/golden): decode, check, re-encode.
//! `hp_*` frames come from @hocuspocus/provider + server 3.4.4, `hp4_*` from provider 4.8.0 +
//! server 4.7.0.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sync_protocol::{
    decode_awareness_update, decode_state_vector_checked, decode_update_checked, AuthMessage,
    AuthScope, Limits, MuxFrame, MuxMessage, SyncMessage, UpdateLimits, YwsMessage,
};

pub struct Golden {
    pub name: String,
    pub kind: String,
    pub bytes: Vec<u8>,
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden")
}

fn hex_decode(hex: &str) -> Vec<u8> {
    assert!(hex.len() % 2 == 0, "odd hex length");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit"))
        .collect()
}

pub fn load_all() -> Vec<Golden> {
    let mut frames = Vec::new();
    for file in ["frames.json", "hand-written.json"] {
        let text = std::fs::read_to_string(fixtures_dir().join(file)).expect("read golden file");
        let entries: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(&text).expect("golden JSON");
        for (name, entry) in entries {
            frames.push(Golden {
                kind: entry["kind"].as_str().expect("kind").to_owned(),
                bytes: hex_decode(entry["hex"].as_str().expect("hex")),
                name,
            });
        }
    }
    frames
}

/// Frames carrying a field Tack reads but does not keep, each with the golden frame it
/// re-encodes to instead of itself: provider 4.x's Auth adds its version after the token.
const REENCODED_AS: [(&str, &str); 1] =
    [("hp4_client_auth_token_with_version", "hp_client_auth_token")];

fn board(name: &str, message: MuxMessage) -> MuxFrame {
    MuxFrame::Board {
        board: name.to_owned(),
        message,
    }
}

/// The typed value each named frame must decode to; `None` for frames checked by shape only
/// (sync payloads, whose Yjs bytes are checked through the pre-scan and yrs instead).
fn expected_mux(name: &str) -> Option<MuxFrame> {
    use MuxMessage::*;
    let frame = match name {
        "client_pong" => MuxFrame::Pong,
        "server_ping" => MuxFrame::Ping,
        "hp_client_auth_token" | "hp4_client_auth_token_with_version" => board(
            "board-1",
            Auth(AuthMessage::Token {
                token: "secret-token".into(),
            }),
        ),
        "hp_client_close" | "hp4_client_close" => board("board-ro", Close { reason: None }),
        "hp_client_stateless" | "hp4_client_stateless" => board(
            "board-1",
            Stateless {
                payload: "hi".into(),
            },
        ),
        "hp_client_broadcast_stateless" => board(
            "board-1",
            BroadcastStateless {
                payload: "hi".into(),
            },
        ),
        "hp_client_sync_step1"
        | "hp_server_sync_step1"
        | "hp4_client_sync_step1"
        | "hp4_server_sync_step1" => board(
            "board-1",
            Sync(SyncMessage::Step1 {
                state_vector: vec![0],
            }),
        ),
        "hp_client_sync_step2_empty"
        | "hp_server_sync_step2_empty"
        | "hp4_client_sync_step2_empty"
        | "hp4_server_sync_step2_empty" => {
            board("board-1", Sync(SyncMessage::Step2 { update: vec![0, 0] }))
        }
        "hp_server_auth_authenticated_read_write" | "hp4_server_auth_authenticated_read_write" => {
            board(
                "board-1",
                Auth(AuthMessage::Authenticated {
                    scope: AuthScope::ReadWrite,
                }),
            )
        }
        "hp_server_auth_authenticated_readonly" | "hp4_server_auth_authenticated_readonly" => {
            board(
                "board-ro",
                Auth(AuthMessage::Authenticated {
                    scope: AuthScope::ReadOnly,
                }),
            )
        }
        "hp_server_auth_permission_denied" | "hp4_server_auth_permission_denied" => board(
            "board-denied",
            Auth(AuthMessage::PermissionDenied {
                reason: "permission-denied".into(),
            }),
        ),
        "hp_server_auth_token_request" => board("board-1", Auth(AuthMessage::TokenRequest)),
        "hp_server_close" | "hp4_server_close" => board(
            "board-1",
            Close {
                reason: Some("Reset Connection".into()),
            },
        ),
        "hp_server_stateless" | "hp4_server_stateless" => board(
            "board-1",
            Stateless {
                payload: "echo:hi".into(),
            },
        ),
        "hp_server_sync_status_applied" | "hp4_server_sync_status_applied" => {
            board("board-1", SyncStatus { applied: true })
        }
        "hp_server_sync_status_rejected" | "hp4_server_sync_status_rejected" => {
            board("board-ro", SyncStatus { applied: false })
        }
        "hp_server_sync_reply_step1" => board(
            "board-1",
            SyncReply(SyncMessage::Step1 {
                state_vector: vec![0],
            }),
        ),
        _ => return None,
    };
    Some(frame)
}

fn expected_yws(name: &str) -> Option<YwsMessage> {
    match name {
        "yws_query_awareness" => Some(YwsMessage::QueryAwareness),
        "yws_auth_permission_denied" => Some(YwsMessage::PermissionDenied {
            reason: "board not shared with you".into(),
        }),
        "yws_sync_step1_empty" => Some(YwsMessage::Sync(SyncMessage::Step1 {
            state_vector: vec![0],
        })),
        _ => None,
    }
}

/// Every Yjs payload in a golden frame must pass the pre-scan and decode in yrs.
fn check_sync_payload(sync: &SyncMessage) {
    let limits = UpdateLimits::default();
    match sync {
        SyncMessage::Step1 { state_vector } => {
            decode_state_vector_checked(state_vector, &limits).expect("state vector accepted");
        }
        SyncMessage::Step2 { update } | SyncMessage::Update { update } => {
            decode_update_checked(update, &limits).expect("update accepted");
        }
    }
}

#[test]
fn every_golden_frame_decodes_and_reencodes_byte_identically() {
    let limits = Limits::default();
    let frames = load_all();
    assert!(
        frames.len() >= 48,
        "expected the full golden set, found {}",
        frames.len()
    );
    let mut checked_typed = 0;
    for golden in &frames {
        let name = golden.name.as_str();
        match golden.kind.as_str() {
            "mux" => {
                let frame = MuxFrame::decode(&golden.bytes, &limits)
                    .unwrap_or_else(|error| panic!("{name}: {error}"));
                let reencoded_as = REENCODED_AS
                    .iter()
                    .find(|(from, _)| *from == name)
                    .map(|(_, to)| bytes_of(&frames, to));
                let expected_bytes = reencoded_as.as_ref().unwrap_or(&golden.bytes);
                assert_eq!(
                    &frame.encode(),
                    expected_bytes,
                    "{name}: re-encoding differs"
                );
                if let Some(expected) = expected_mux(name) {
                    assert_eq!(frame, expected, "{name}");
                    checked_typed += 1;
                }
                if let MuxFrame::Board { message, .. } = &frame {
                    match message {
                        MuxMessage::Sync(sync) | MuxMessage::SyncReply(sync) => {
                            check_sync_payload(sync)
                        }
                        MuxMessage::Awareness { update } => {
                            decode_awareness_update(update, &limits).expect("awareness body");
                        }
                        _ => {}
                    }
                }
            }
            "yws" => {
                let message = YwsMessage::decode(&golden.bytes, &limits)
                    .unwrap_or_else(|error| panic!("{name}: {error}"));
                assert_eq!(
                    message.encode(),
                    golden.bytes,
                    "{name}: re-encoding differs"
                );
                if let Some(expected) = expected_yws(name) {
                    assert_eq!(message, expected, "{name}");
                    checked_typed += 1;
                }
                match &message {
                    YwsMessage::Sync(sync) => check_sync_payload(sync),
                    YwsMessage::Awareness { update } => {
                        decode_awareness_update(update, &limits).expect("awareness body");
                    }
                    _ => {}
                }
            }
            other => panic!("{name}: unknown kind {other}"),
        }
    }
    assert!(
        checked_typed >= 36,
        "only {checked_typed} frames had typed expectations"
    );
}

fn bytes_of(frames: &[Golden], name: &str) -> Vec<u8> {
    frames
        .iter()
        .find(|g| g.name == name)
        .unwrap_or_else(|| panic!("no golden frame {name}"))
        .bytes
        .clone()
}

/// Provider 4.8.0's Auth, as captured: the 3.4.4 frame plus `varString("4.8.0")`. Before the
/// decoder skipped the version, this frame was refused with 6 trailing bytes.
#[test]
fn provider_4_auth_is_provider_3_auth_plus_its_version() {
    let frames = load_all();
    let v3 = bytes_of(&frames, "hp_client_auth_token");
    let v4 = bytes_of(&frames, "hp4_client_auth_token_with_version");
    let mut version = Vec::new();
    sync_protocol::lib0::write_var_string(&mut version, "4.8.0");
    assert_eq!(v4, [v3.as_slice(), version.as_slice()].concat());
    assert_eq!(
        MuxFrame::decode(&v4, &Limits::default()),
        MuxFrame::decode(&v3, &Limits::default())
    );
    assert!(MuxFrame::decode(&v4, &Limits::default()).is_ok());
}

#[test]
fn golden_sync_update_carries_the_captured_edit() {
    use yrs::{GetString, Map, Transact};
    let frames = load_all();
    for name in ["hp_client_sync_update", "hp4_client_sync_update"] {
        let golden = bytes_of(&frames, name);
        let Ok(MuxFrame::Board {
            message: MuxMessage::Sync(SyncMessage::Update { update }),
            ..
        }) = MuxFrame::decode(&golden, &Limits::default())
        else {
            panic!("{name}: not a sync update");
        };
        let update = decode_update_checked(&update, &UpdateLimits::default()).expect("update");
        let doc = yrs::Doc::new();
        doc.transact_mut().apply_update(update).expect("apply");
        let meta = doc.get_or_insert_map("meta");
        let txn = doc.transact();
        let title = meta.get(&txn, "title").expect("title").to_string(&txn);
        assert_eq!(title, "Hello", "{name}");
    }
    // Text root from the y-websocket golden doc round-trips through yrs too.
    let step2 = frames
        .iter()
        .find(|g| g.name == "yws_sync_step2")
        .expect("frame");
    let Ok(YwsMessage::Sync(SyncMessage::Step2 { update })) =
        YwsMessage::decode(&step2.bytes, &Limits::default())
    else {
        panic!("not step 2");
    };
    let doc = yrs::Doc::new();
    let update = decode_update_checked(&update, &UpdateLimits::default()).expect("update");
    doc.transact_mut().apply_update(update).expect("apply");
    let notes = doc.get_or_insert_text("notes");
    assert_eq!(notes.get_string(&doc.transact()), "héllo ✓");
}

#[test]
fn awareness_golden_body_decodes_to_json_states() {
    let frames = load_all();
    let golden = frames
        .iter()
        .find(|g| g.name == "yws_awareness")
        .expect("frame");
    let Ok(YwsMessage::Awareness { update }) =
        YwsMessage::decode(&golden.bytes, &Limits::default())
    else {
        panic!("not awareness");
    };
    let entries = decode_awareness_update(&update, &Limits::default()).expect("body");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].client_id, 4242);
    assert_eq!(
        entries[0].state_json,
        r##"{"user":{"name":"Ada","color":"#ff0000"},"cursor":null}"##
    );
    assert_eq!(sync_protocol::encode_awareness_update(&entries), update);
}
