//! Folding a snapshot and a tail of Yjs updates into one gc'd state update (for compaction),
//! refusing to produce a snapshot that would lose anything stored. Used by the client store and
//! the relay alike.

use std::panic::{catch_unwind, AssertUnwindSafe};

use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, IdSet, ReadTxn, StateVector, Transact, Update};

/// Position of a piece in its log (a sequence number), reported back on failure.
pub type Seq = i64;

/// The result of folding: the whole state as one v1 update, and its v1 state vector.
#[derive(Debug)]
pub struct Folded {
    pub state: Vec<u8>,
    pub state_vector: Vec<u8>,
}

/// A stored piece that would not decode or apply; `seq` says which.
#[derive(Debug)]
pub struct FoldError {
    pub seq: Seq,
    pub detail: String,
}

/// Why a fold cannot become a snapshot.
#[derive(Debug)]
pub enum FoldFailure {
    /// A stored piece would not decode or apply.
    Corrupt(FoldError),
    /// Some stored blocks did not integrate (their predecessors are not in the log yet).
    Incomplete { detail: String },
}

/// Applies each `(seq, bytes)` in order to a fresh gc-enabled document and encodes the result,
/// refusing if anything stored failed to integrate: the snapshot replaces the log, so it must
/// hold every block the log holds.
pub fn fold_updates<'a>(
    pieces: impl IntoIterator<Item = (Seq, &'a [u8])>,
) -> Result<Folded, FoldFailure> {
    let doc = Doc::new();
    let mut stored_blocks = IdSet::default();
    {
        let mut txn = doc.transact_mut();
        for (seq, bytes) in pieces {
            let fold_error = |detail: String| FoldError { seq, detail };
            // yrs >= 0.28.1 reports malformed input as errors; the unwind guard keeps a
            // decoder bug from taking the desktop app down with it.
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let update = Update::decode_v1(bytes).map_err(|e| e.to_string())?;
                let blocks = update.insertions(true);
                txn.apply_update(update).map_err(|e| e.to_string())?;
                Ok(blocks)
            }));
            match outcome {
                Ok(Ok(blocks)) => stored_blocks.merge_with(blocks),
                Ok(Err(detail)) => return Err(FoldFailure::Corrupt(fold_error(detail))),
                Err(_) => {
                    let detail = "the Yjs decoder panicked".into();
                    return Err(FoldFailure::Corrupt(fold_error(detail)));
                }
            }
        }
    }
    let txn = doc.transact();
    // yrs 0.28.1 silently drops an update that arrives after a clock gap instead of keeping it
    // pending, and `encode_state_as_update_v1` loses integrated blocks when something is
    // pending. So: check every stored block made it in, and encode integrated state only.
    let have = txn.state_vector();
    for (client, ranges) in stored_blocks.iter() {
        let needed = ranges.iter().map(|r| r.end).max().unwrap_or(0);
        if needed > have.get(client) {
            return Err(FoldFailure::Incomplete {
                detail: format!(
                    "client {} has blocks up to clock {needed} but only {} integrate",
                    client.get(),
                    have.get(client)
                ),
            });
        }
    }
    if txn.store().pending_update().is_some() || txn.store().pending_ds().is_some() {
        return Err(FoldFailure::Incomplete {
            detail: "updates are waiting for missing predecessors".into(),
        });
    }
    Ok(Folded {
        state: txn.encode_diff_v1(&StateVector::default()),
        state_vector: have.encode_v1(),
    })
}

/// Applies `pieces` within `txn` in causal order rather than the order given: an update whose first block comes after a gap waits until its predecessor has
/// been applied (yrs 0.28.1 would silently drop it). Returns how many could not be applied
/// because their history is missing. A decoder or apply failure (including a yrs panic) is
/// reported with the index of the piece.
pub fn apply_in_causal_order<'a>(
    txn: &mut yrs::TransactionMut<'_>,
    pieces: impl IntoIterator<Item = &'a [u8]>,
) -> Result<usize, FoldError> {
    let mut waiting: Vec<(Seq, Update)> = Vec::new();
    for (index, bytes) in pieces.into_iter().enumerate() {
        let seq = index as Seq;
        let decoded = catch_unwind(AssertUnwindSafe(|| Update::decode_v1(bytes)));
        let update = match decoded {
            Ok(Ok(update)) => update,
            Ok(Err(e)) => {
                return Err(FoldError {
                    seq,
                    detail: e.to_string(),
                })
            }
            Err(_) => {
                return Err(FoldError {
                    seq,
                    detail: "the Yjs decoder panicked".into(),
                })
            }
        };
        waiting.push((seq, update));
        loop {
            let have = txn.state_vector();
            let ready = waiting.iter().position(|(_, u)| {
                u.state_vector_lower()
                    .iter()
                    .all(|(client, clock)| *clock <= have.get(client))
            });
            let Some(at) = ready else { break };
            let (seq, update) = waiting.swap_remove(at);
            match catch_unwind(AssertUnwindSafe(|| txn.apply_update(update))) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    return Err(FoldError {
                        seq,
                        detail: e.to_string(),
                    })
                }
                Err(_) => {
                    return Err(FoldError {
                        seq,
                        detail: "yrs panicked applying it".into(),
                    })
                }
            }
        }
    }
    Ok(waiting.len())
}
