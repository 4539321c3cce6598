//! Fuzz target: `sync_protocol::guard` never lets a yrs panic out. Whatever the checked decode
//! accepts is applied (in its own transaction and in a caller's), judged for novelty and gaps,
//! and encoded; every call returns. Build with `-a` so yrs's debug-only panics happen.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sync_protocol::guard;
use sync_protocol::UpdateLimits;
use yrs::{Doc, ReadTxn, Transact};

fuzz_target!(|data: &[u8]| {
    let limits = UpdateLimits::default();
    let _ = guard::decode_update_stored(data);
    if let Ok(update) = guard::decode_update_checked(data, &limits) {
        let doc = Doc::new();
        let _ = guard::novelty(&update, &doc.transact().state_vector());
        let _ = guard::novelty_exact(&update, &doc.transact());
        let _ = guard::apply_to(&doc, None, update);
        let _ = guard::encode_state_of(&doc);
    }
    if let Ok(update) = guard::decode_update_checked(data, &limits) {
        let doc = Doc::new();
        let mut txn = doc.transact_mut();
        let _ = guard::apply_in(&mut txn, update);
    }
    let _ = guard::merge_updates([data, data]);
});
