//! Folding a snapshot and a tail of Yjs updates into one gc'd state update (for compaction).

use std::panic::{catch_unwind, AssertUnwindSafe};

use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, StateVector, Transact, Update};

use crate::Seq;

/// The result of folding: the whole state as one v1 update, and its v1 state vector.
pub(crate) struct Folded {
    pub state: Vec<u8>,
    pub state_vector: Vec<u8>,
}

/// A stored piece that would not decode or apply; `seq` says which.
pub(crate) struct FoldError {
    pub seq: Seq,
    pub detail: String,
}

/// Applies each `(seq, bytes)` in order to a fresh gc-enabled document and encodes the result.
pub(crate) fn fold<'a>(
    pieces: impl IntoIterator<Item = (Seq, &'a [u8])>,
) -> Result<Folded, FoldError> {
    let doc = Doc::new();
    {
        let mut txn = doc.transact_mut();
        for (seq, bytes) in pieces {
            let fold_error = |detail: String| FoldError { seq, detail };
            // yrs >= 0.28.1 reports malformed input as errors; the unwind guard keeps a
            // decoder bug from taking the desktop app down with it.
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let update = Update::decode_v1(bytes).map_err(|e| e.to_string())?;
                txn.apply_update(update).map_err(|e| e.to_string())
            }));
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(detail)) => return Err(fold_error(detail)),
                Err(_) => return Err(fold_error("the Yjs decoder panicked".into())),
            }
        }
    }
    let txn = doc.transact();
    Ok(Folded {
        state: txn.encode_state_as_update_v1(&StateVector::default()),
        state_vector: txn.state_vector().encode_v1(),
    })
}
