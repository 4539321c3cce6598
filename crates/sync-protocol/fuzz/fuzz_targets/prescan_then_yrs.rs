//! Fuzz target: whatever the pre-scan accepts, yrs decodes and applies to a fresh Doc without crashing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sync_protocol::{decode_state_vector_checked, decode_update_checked, UpdateLimits};
use yrs::{Doc, ReadTxn, Transact};

fuzz_target!(|data: &[u8]| {
    let limits = UpdateLimits::default();
    if let Ok(update) = decode_update_checked(data, &limits) {
        let doc = Doc::new();
        let mut txn = doc.transact_mut();
        let _ = txn.apply_update(update);
        drop(txn);
        // Reading the result back exercises the integrated structs.
        let _ = doc.transact().encode_state_as_update_v1(&yrs::StateVector::default());
    }
    let _ = decode_state_vector_checked(data, &limits);
});
