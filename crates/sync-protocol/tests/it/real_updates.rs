//! No false positives: every update and state vector yrs itself produces passes the pre-scan
//! and decodes to the same update as yrs's own decoder.

use std::collections::HashMap;
use std::sync::Arc;

use proptest::prelude::*;
use sync_protocol::{
    decode_state_vector_checked, decode_update_checked, prescan_update_v1, UpdateLimits,
};
use yrs::types::text::YChange;
use yrs::types::Attrs;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{
    Any, Array, ArrayPrelim, Doc, GetString, Map, MapPrelim, ReadTxn, StateVector, Text, Transact,
    Update, XmlElementPrelim, XmlFragment, XmlTextPrelim,
};

#[derive(Debug, Clone)]
enum Op {
    MapSet {
        key: String,
        value: Any,
    },
    MapNested {
        key: String,
        inner_key: String,
        value: Any,
    },
    MapRemove {
        key: String,
    },
    TextInsert {
        at: u32,
        text: String,
    },
    TextDelete {
        at: u32,
        len: u32,
    },
    TextFormat {
        at: u32,
        len: u32,
        bold: bool,
    },
    TextEmbed {
        at: u32,
        value: Any,
    },
    ArrayInsert {
        at: u32,
        values: Vec<Any>,
    },
    ArrayDelete {
        at: u32,
        len: u32,
    },
}

fn any_value() -> impl Strategy<Value = Any> {
    let leaf = prop_oneof![
        Just(Any::Null),
        Just(Any::Undefined),
        any::<bool>().prop_map(Any::Bool),
        any::<i32>().prop_map(|n| Any::Number(yrs::Number::Int(i64::from(n)))),
        any::<i64>().prop_map(|n| Any::Number(yrs::Number::Int(n))),
        (-1e12f64..1e12).prop_map(Any::from),
        ".{0,12}".prop_map(|s| Any::from(s.as_str())),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(|b| Any::Buffer(Arc::from(b))),
    ];
    // Depth up to ~8: moderate nesting, well under the limit of 64.
    leaf.prop_recursive(8, 48, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(|v| Any::Array(Arc::from(v))),
            proptest::collection::hash_map("[a-z]{0,4}", inner, 0..4)
                .prop_map(|m| Any::Map(Arc::new(m.into_iter().collect()))),
        ]
    })
}

fn op() -> impl Strategy<Value = Op> {
    let key = "[a-c]{1,2}";
    prop_oneof![
        (key, any_value()).prop_map(|(key, value)| Op::MapSet { key, value }),
        (key, key, any_value()).prop_map(|(key, inner_key, value)| Op::MapNested {
            key,
            inner_key,
            value
        }),
        key.prop_map(|key| Op::MapRemove { key }),
        (0u32..40, "\\PC{0,8}").prop_map(|(at, text)| Op::TextInsert { at, text }),
        (0u32..40, 0u32..6).prop_map(|(at, len)| Op::TextDelete { at, len }),
        (0u32..40, 1u32..6, any::<bool>()).prop_map(|(at, len, bold)| Op::TextFormat {
            at,
            len,
            bold
        }),
        (0u32..40, any_value()).prop_map(|(at, value)| Op::TextEmbed { at, value }),
        (0u32..20, proptest::collection::vec(any_value(), 1..4))
            .prop_map(|(at, values)| Op::ArrayInsert { at, values }),
        (0u32..20, 0u32..4).prop_map(|(at, len)| Op::ArrayDelete { at, len }),
    ]
}

/// Text offsets are UTF-8 bytes (yrs's default); yrs panics on an offset inside a character.
fn char_boundary(text: &str, at: u32) -> u32 {
    let mut at = (at as usize).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at as u32
}

fn apply(doc: &Doc, op: &Op) -> Vec<u8> {
    let map = doc.get_or_insert_map("map");
    let text = doc.get_or_insert_text("text");
    let array = doc.get_or_insert_array("array");
    let rich = doc.get_or_insert_text("rich");
    let mut txn = doc.transact_mut();
    match op {
        Op::MapSet { key, value } => {
            map.insert(&mut txn, key.as_str(), value.clone());
        }
        Op::MapNested {
            key,
            inner_key,
            value,
        } => {
            let inner = map.insert(&mut txn, key.as_str(), MapPrelim::default());
            inner.insert(&mut txn, inner_key.as_str(), value.clone());
        }
        Op::MapRemove { key } => {
            map.remove(&mut txn, key);
        }
        Op::TextInsert { at, text: s } => {
            let at = char_boundary(&text.get_string(&txn), *at);
            text.insert(&mut txn, at, s);
        }
        Op::TextDelete { at, len } => {
            let current = text.get_string(&txn);
            let start = char_boundary(&current, *at);
            let len = char_boundary(&current, start + len) - start;
            if len > 0 {
                text.remove_range(&mut txn, start, len);
            }
        }
        Op::TextFormat { at, len, bold } => {
            let current = text.get_string(&txn);
            let at = char_boundary(&current, *at);
            let len = char_boundary(&current, at + len) - at;
            if len > 0 {
                let attrs: Attrs = HashMap::from([(Arc::from("bold"), Any::Bool(*bold))]);
                text.format(&mut txn, at, len, attrs);
            }
        }
        Op::TextEmbed { at, value } => {
            // Embeds live in their own text: they shift offsets that get_string cannot see.
            let at = (*at).min(rich.len(&txn));
            rich.insert_embed(&mut txn, at, value.clone());
        }
        Op::ArrayInsert { at, values } => {
            let at = (*at).min(array.len(&txn));
            array.insert_range(&mut txn, at, values.clone());
        }
        Op::ArrayDelete { at, len } => {
            let total = array.len(&txn);
            let at = (*at).min(total);
            let len = (*len).min(total - at);
            if len > 0 {
                array.remove_range(&mut txn, at, len);
            }
        }
    }
    txn.encode_update_v1()
}

/// The pre-scan accepts `bytes`, and the checked decode equals yrs's own decode.
fn assert_accepted_and_identical(bytes: &[u8]) {
    let limits = UpdateLimits::default();
    prescan_update_v1(bytes, &limits)
        .unwrap_or_else(|e| panic!("false positive: {e}: {bytes:02x?}"));
    let checked = decode_update_checked(bytes, &limits).expect("checked decode");
    let plain = Update::decode_v1(bytes).expect("yrs decode");
    assert!(checked == plain, "checked decode differs from yrs's decode");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_update_yrs_produces_is_accepted(ops in proptest::collection::vec(op(), 1..24), client in 1u64..u64::from(u32::MAX)) {
        let doc = Doc::with_client_id(client);
        let peer = Doc::with_client_id(client + 1);
        for op in &ops {
            let update = apply(&doc, op);
            assert_accepted_and_identical(&update);
            // Replicate to a peer through the checked path, and let it write too.
            let decoded = decode_update_checked(&update, &UpdateLimits::default()).expect("decode");
            peer.transact_mut().apply_update(decoded).expect("apply");
            let reply = apply(&peer, op);
            assert_accepted_and_identical(&reply);
            doc.transact_mut().apply_update(Update::decode_v1(&reply).expect("decode")).expect("apply");
        }
        let full = doc.transact().encode_state_as_update_v1(&StateVector::default());
        assert_accepted_and_identical(&full);
        let sv = doc.transact().state_vector().encode_v1();
        let checked = decode_state_vector_checked(&sv, &UpdateLimits::default()).expect("sv");
        prop_assert_eq!(checked, StateVector::decode_v1(&sv).expect("sv"));
        // A diff against the peer (deletions, GC'd structs, skips) is accepted as well.
        let peer_sv = peer.transact().state_vector();
        assert_accepted_and_identical(&doc.transact().encode_state_as_update_v1(&peer_sv));
        // Both replicas converge on text.
        let text_a = doc.get_or_insert_text("text").get_string(&doc.transact());
        let text_b = peer.get_or_insert_text("text").get_string(&peer.transact());
        prop_assert_eq!(text_a, text_b);
    }
}

#[test]
fn xml_subdocs_formats_and_gc_are_accepted() {
    let doc = Doc::with_client_id(7);
    let mut updates = Vec::new();
    {
        let fragment = doc.get_or_insert_xml_fragment("xml");
        let mut txn = doc.transact_mut();
        let element = fragment.insert(&mut txn, 0, XmlElementPrelim::empty("div"));
        element.insert(&mut txn, 0, XmlTextPrelim::new("hi"));
        updates.push(txn.encode_update_v1());
    }
    {
        let map = doc.get_or_insert_map("map");
        let mut txn = doc.transact_mut();
        map.insert(&mut txn, "sub", Doc::new());
        map.insert(
            &mut txn,
            "list",
            ArrayPrelim::from(vec![Any::from(1.0), Any::from("x")]),
        );
        updates.push(txn.encode_update_v1());
    }
    {
        let text = doc.get_or_insert_text("text");
        let mut txn = doc.transact_mut();
        let attrs: Attrs = HashMap::from([(Arc::from("link"), Any::from("https://example.org"))]);
        text.insert_with_attributes(&mut txn, 0, "hello", attrs);
        text.insert_embed(
            &mut txn,
            5,
            Any::from(HashMap::from([("image".to_owned(), Any::from("x.png"))])),
        );
        updates.push(txn.encode_update_v1());
    }
    {
        // Deleting a nested type leaves GC'd structs in the full state.
        let map = doc.get_or_insert_map("map");
        let mut txn = doc.transact_mut();
        map.remove(&mut txn, "list");
        updates.push(txn.encode_update_v1());
    }
    for update in &updates {
        assert_accepted_and_identical(update);
    }
    assert_accepted_and_identical(
        &doc.transact()
            .encode_state_as_update_v1(&StateVector::default()),
    );
    let text = doc.get_or_insert_text("text");
    let delta = text.diff(&doc.transact(), YChange::identity);
    assert_eq!(delta.len(), 2);
    let merged = yrs::merge_updates_v1(updates.iter().map(Vec::as_slice)).expect("merge");
    assert_accepted_and_identical(&merged);
}
