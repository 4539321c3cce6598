//! Hand-built hostile Yjs updates and state vectors: each must be refused, none may crash us.

use sync_protocol::lib0::{write_var_string, write_var_u64};
use sync_protocol::{
    decode_id_set_checked, decode_state_vector_checked, decode_update_checked, prescan_id_set_v1,
    prescan_state_vector_v1, prescan_update_v1, ProtocolError, UpdateLimits,
};

/// One client, one item with no origins in root `root` (key `key` if given), given content
/// ref and content bytes, then an empty delete set.
pub fn single_item_update(
    root: &[u8],
    key: Option<&[u8]>,
    content_ref: u8,
    content: &[u8],
) -> Vec<u8> {
    let mut out = vec![1, 1, 1, 0]; // 1 client, 1 block, client 1, clock 0
    out.push(content_ref | if key.is_some() { 0x20 } else { 0 });
    out.push(1); // parent is a root type, by name
    write_var_u64(&mut out, root.len() as u64);
    out.extend_from_slice(root);
    if let Some(key) = key {
        write_var_u64(&mut out, key.len() as u64);
        out.extend_from_slice(key);
    }
    out.extend_from_slice(content);
    out.push(0); // empty delete set
    out
}

/// An Any content (ref 8) with one value: `depth` nested single-element arrays around null.
pub fn nested_any_update(depth: usize) -> Vec<u8> {
    let mut content = vec![1]; // one Any value
    for _ in 0..depth {
        content.extend_from_slice(&[117, 1]); // array of one element
    }
    content.push(126); // null
    single_item_update(b"a", None, 8, &content)
}

#[test]
fn ten_thousand_deep_any_is_refused_without_crashing() {
    let update = nested_any_update(10_000);
    assert!(update.len() > 20_000 && update.len() < 21_000);
    let limits = UpdateLimits::default();
    assert_eq!(
        prescan_update_v1(&update, &limits),
        Err(ProtocolError::NestingTooDeep { max: 64 })
    );
    assert!(matches!(
        decode_update_checked(&update, &limits),
        Err(ProtocolError::NestingTooDeep { .. })
    ));
    // Deeply nested maps too (each level: one entry with key "k").
    let mut content = vec![1];
    for _ in 0..10_000 {
        content.extend_from_slice(&[118, 1, 1, b'k']);
    }
    content.push(126);
    let update = single_item_update(b"a", None, 8, &content);
    assert_eq!(
        prescan_update_v1(&update, &limits),
        Err(ProtocolError::NestingTooDeep { max: 64 })
    );
}

#[test]
fn nesting_at_the_limit_is_accepted_and_decodes_in_yrs() {
    let limits = UpdateLimits::default();
    let update = nested_any_update(64);
    let stats = prescan_update_v1(&update, &limits).expect("64 levels accepted");
    assert_eq!(stats.deepest_any, 64);
    decode_update_checked(&update, &limits).expect("yrs decodes it");
    assert!(prescan_update_v1(&nested_any_update(65), &limits).is_err());
}

#[test]
fn huge_state_vector_count_is_refused() {
    let limits = UpdateLimits::default();
    let bytes = [0xff, 0xff, 0xff, 0x7a];
    assert!(matches!(
        prescan_state_vector_v1(&bytes, &limits),
        Err(ProtocolError::LimitExceeded { .. } | ProtocolError::LengthExceedsInput { .. })
    ));
    assert!(decode_state_vector_checked(&bytes, &limits).is_err());
    // Within the client limit but beyond the input.
    let bytes = [0x10, 0x01, 0x01];
    assert!(matches!(
        prescan_state_vector_v1(&bytes, &limits),
        Err(ProtocolError::LengthExceedsInput { .. })
    ));
    // The same four bytes as an update's client count.
    assert!(prescan_update_v1(&[0xff, 0xff, 0xff, 0x7a], &limits).is_err());
}

#[test]
fn invalid_utf8_is_refused_everywhere_a_string_lives() {
    let limits = UpdateLimits::default();
    let bad = [0xc3, 0x28];
    // Root name.
    let update = single_item_update(&bad, None, 4, &[1, b'x']);
    assert_eq!(
        prescan_update_v1(&update, &limits),
        Err(ProtocolError::InvalidUtf8 {
            what: "root type name"
        })
    );
    // Map key (parent sub).
    let update = single_item_update(b"m", Some(&bad), 4, &[1, b'x']);
    assert_eq!(
        prescan_update_v1(&update, &limits),
        Err(ProtocolError::InvalidUtf8 { what: "map key" })
    );
    // String content.
    let update = single_item_update(b"t", None, 4, &[2, 0xc3, 0x28]);
    assert_eq!(
        prescan_update_v1(&update, &limits),
        Err(ProtocolError::InvalidUtf8 {
            what: "string content"
        })
    );
    // Any string and Any map key.
    let update = single_item_update(b"a", None, 8, &[1, 119, 2, 0xc3, 0x28]);
    assert_eq!(
        prescan_update_v1(&update, &limits),
        Err(ProtocolError::InvalidUtf8 { what: "any string" })
    );
    let update = single_item_update(b"a", None, 8, &[1, 118, 1, 2, 0xc3, 0x28, 126]);
    assert_eq!(
        prescan_update_v1(&update, &limits),
        Err(ProtocolError::InvalidUtf8 {
            what: "any map key"
        })
    );
    // The valid counterparts are accepted, so the failures above are about UTF-8 only.
    assert!(prescan_update_v1(
        &single_item_update(b"t", Some(b"k"), 4, &[1, b'x']),
        &limits
    )
    .is_ok());
}

#[test]
fn counts_beyond_the_input_are_refused() {
    let limits = UpdateLimits::default();
    // Any array claiming 2^32-1 elements.
    let update = single_item_update(b"a", None, 8, &[1, 117, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert!(matches!(
        prescan_update_v1(&update, &limits),
        Err(ProtocolError::LengthExceedsInput {
            what: "any entry",
            ..
        })
    ));
    // Struct count per client beyond the input.
    let update = [1, 0xff, 0xff, 0x03, 1, 0];
    assert!(matches!(
        prescan_update_v1(&update, &limits),
        Err(ProtocolError::LengthExceedsInput { what: "struct", .. })
    ));
    // Delete set range count beyond the input.
    let update = [0, 1, 1, 0xff, 0xff, 0x03];
    assert!(matches!(
        prescan_update_v1(&update, &limits),
        Err(ProtocolError::LengthExceedsInput {
            what: "delete range",
            ..
        })
    ));
}

#[test]
fn clock_overflows_are_refused() {
    let limits = UpdateLimits::default();
    // Delete range clock + len > u32::MAX (yrs would panic in a debug build).
    let mut update = vec![0, 1, 1, 1];
    write_var_u64(&mut update, u64::from(u32::MAX));
    write_var_u64(&mut update, 2);
    assert_eq!(
        prescan_update_v1(&update, &limits),
        Err(ProtocolError::MalformedUpdate {
            reason: "delete range overflows u32"
        })
    );
    // Two GC blocks whose lengths overflow the client's clock.
    let mut update = vec![1, 2, 1, 0, 0];
    write_var_u64(&mut update, u64::from(u32::MAX));
    update.extend_from_slice(&[0, 5, 0]);
    assert_eq!(
        prescan_update_v1(&update, &limits),
        Err(ProtocolError::MalformedUpdate {
            reason: "struct clock overflows u32"
        })
    );
}

#[test]
fn id_sets_are_scanned_like_delete_sets() {
    let limits = UpdateLimits::default();
    // One client (id 1), one range `clock..clock + len` overflowing u32: yrs's own id-set
    // decoder panics on it in a debug build (saved undo history is such an id set).
    let mut set = vec![1, 1, 1];
    write_var_u64(&mut set, u64::from(u32::MAX));
    write_var_u64(&mut set, 2);
    assert_eq!(
        prescan_id_set_v1(&set, &limits),
        Err(ProtocolError::MalformedUpdate {
            reason: "delete range overflows u32"
        })
    );
    assert!(decode_id_set_checked(&set, &limits).is_err());
    // A sane one decodes; trailing bytes do not.
    let mut sane = vec![1, 1, 1, 5, 3];
    assert!(decode_id_set_checked(&sane, &limits).is_ok());
    sane.push(0);
    assert!(prescan_id_set_v1(&sane, &limits).is_err());
}

#[test]
fn unsupported_or_ambiguous_contents_are_refused() {
    let limits = UpdateLimits::default();
    // Legacy JSON content (yrs and Yjs disagree on its length).
    let mut content = vec![1];
    write_var_string(&mut content, "1");
    assert!(matches!(
        prescan_update_v1(&single_item_update(b"a", None, 2, &content), &limits),
        Err(ProtocolError::MalformedUpdate { .. })
    ));
    // XmlHook and WeakLink type refs.
    assert!(prescan_update_v1(&single_item_update(b"a", None, 7, &[5]), &limits).is_err());
    assert!(prescan_update_v1(&single_item_update(b"a", None, 7, &[7]), &limits).is_err());
    // Unknown Any tag, content ref with the 5th bit, zero-length GC, trailing bytes.
    assert!(prescan_update_v1(&single_item_update(b"a", None, 8, &[1, 50]), &limits).is_err());
    assert!(prescan_update_v1(&single_item_update(b"a", None, 0x14, &[1, b'x']), &limits).is_err());
    assert!(prescan_update_v1(&[1, 1, 1, 0, 0, 0, 0], &limits).is_err());
    assert_eq!(
        prescan_update_v1(&[0, 0, 0], &limits),
        Err(ProtocolError::TrailingBytes { count: 1 })
    );
    // Deep JSON text in an embed.
    let mut content = Vec::new();
    write_var_string(&mut content, &"[".repeat(1000));
    assert_eq!(
        prescan_update_v1(&single_item_update(b"t", None, 5, &content), &limits),
        Err(ProtocolError::NestingTooDeep { max: 64 })
    );
}

#[test]
fn oversize_signed_integer_in_any_is_refused() {
    // yrs shifts by up to 69 bits here, which panics in a debug build.
    let limits = UpdateLimits::default();
    let mut content = vec![1, 125];
    content.extend_from_slice(&[0xff; 10]);
    content.push(0x01);
    assert_eq!(
        prescan_update_v1(&single_item_update(b"a", None, 8, &content), &limits),
        Err(ProtocolError::InvalidVarInt)
    );
}

#[test]
fn limits_are_enforced() {
    let tight = UpdateLimits {
        max_update_bytes: 8,
        ..UpdateLimits::default()
    };
    assert!(matches!(
        prescan_update_v1(&nested_any_update(3), &tight),
        Err(ProtocolError::LimitExceeded {
            what: "update bytes",
            ..
        })
    ));
    let tight = UpdateLimits {
        max_clients: 1,
        ..UpdateLimits::default()
    };
    assert!(matches!(
        prescan_state_vector_v1(&[2, 1, 1, 2, 1], &tight),
        Err(ProtocolError::LimitExceeded { .. })
    ));
    let tight = UpdateLimits {
        max_structs: 1,
        ..UpdateLimits::default()
    };
    assert!(matches!(
        prescan_update_v1(&[1, 2, 1, 0, 0, 1, 0, 1, 0], &tight),
        Err(ProtocolError::LimitExceeded {
            what: "structs",
            ..
        })
    ));
}

#[test]
fn client_ids_wider_than_53_bits_are_refused() {
    // yrs's ClientID::new debug-asserts 53 bits; found by the prescan_then_yrs fuzz target
    // (fuzz/artifacts/prescan_then_yrs/crash-e43b…, replayed in fuzz_replay.rs).
    let limits = UpdateLimits::default();
    let mut wide = Vec::new();
    write_var_u64(&mut wide, sync_protocol::MAX_CLIENT_ID + 1);
    // Struct section client.
    let mut update = vec![1, 1];
    update.extend_from_slice(&wide);
    update.extend_from_slice(&[0, 0, 1, 0]);
    assert!(matches!(
        prescan_update_v1(&update, &limits),
        Err(ProtocolError::MalformedUpdate { .. })
    ));
    // Delete set client.
    let mut update = vec![0, 1];
    update.extend_from_slice(&wide);
    update.extend_from_slice(&[1, 0, 1]);
    assert!(matches!(
        prescan_update_v1(&update, &limits),
        Err(ProtocolError::MalformedUpdate { .. })
    ));
    // State vector client.
    let mut state_vector = vec![1];
    state_vector.extend_from_slice(&wide);
    state_vector.push(1);
    assert!(prescan_state_vector_v1(&state_vector, &limits).is_err());
    // The widest valid id is accepted.
    let mut state_vector = vec![1];
    write_var_u64(&mut state_vector, sync_protocol::MAX_CLIENT_ID);
    state_vector.push(1);
    assert!(decode_state_vector_checked(&state_vector, &limits).is_ok());
}

#[test]
fn a_client_listed_twice_is_refused() {
    // fuzz/artifacts/prescan_then_yrs/crash-8214…: client 0 twice, GC blocks out of clock order;
    // yrs 0.28.1 panics integrating it ("attempt to subtract with overflow", block_store.rs).
    let update = [4, 0, 6, 0, 1, 0, 6, 0, 1, 1, 0, 1, 0, 0x14, 0, 0, 0, 0];
    assert_eq!(
        prescan_update_v1(&update, &UpdateLimits::default()),
        Err(ProtocolError::MalformedUpdate {
            reason: "client listed twice in the struct section"
        })
    );
}

fn awareness_of(states: &[&str]) -> Vec<u8> {
    let entries: Vec<sync_protocol::AwarenessEntry> = states
        .iter()
        .enumerate()
        .map(|(i, state)| sync_protocol::AwarenessEntry {
            client_id: i as u64,
            clock: 1,
            state_json: (*state).to_owned(),
        })
        .collect();
    sync_protocol::encode_awareness_update(&entries)
}

#[test]
fn awareness_states_must_be_small_json_objects_or_null() {
    let limits = sync_protocol::Limits::default();
    let awareness = sync_protocol::AwarenessLimits {
        max_entries: 8,
        max_state_bytes: 64,
    };
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(64));
    let update = awareness_of(&[
        r#"{"user":{"name":"ada"}}"#,
        "null",
        "{}",
        &big,
        "[1]",
        r#""text""#,
        "12",
        "{\"a\":",
    ]);
    let checked = sync_protocol::decode_awareness_update_checked(&update, &limits, &awareness)
        .expect("a well-formed message");
    let kept: Vec<u64> = checked.entries.iter().map(|e| e.client_id).collect();
    assert_eq!(kept, vec![0, 1, 2]);
    assert_eq!(checked.refused, 5);

    // More entries than allowed: the whole message is refused before any state is copied.
    let many = awareness_of(&["{}"; 9]);
    assert!(matches!(
        sync_protocol::decode_awareness_update_checked(&many, &limits, &awareness),
        Err(ProtocolError::LimitExceeded {
            what: "awareness entries",
            ..
        })
    ));
}
