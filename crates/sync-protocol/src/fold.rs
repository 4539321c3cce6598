//! Folding a snapshot and a tail of Yjs updates into one gc'd state update (for compaction),
//! refusing to produce a snapshot that would lose anything stored. Used by the client store and
//! the relay alike.

use yrs::updates::encoder::Encode;
use yrs::{Doc, IdSet, ReadTxn, Transact, Update};

use crate::guard;

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

/// Applies each `(seq, bytes)` in causal order to a fresh gc-enabled document and encodes the result,
/// refusing if anything stored failed to integrate: the snapshot replaces the log, so it must
/// hold every block the log holds.
pub fn fold_updates<'a>(
    pieces: impl IntoIterator<Item = (Seq, &'a [u8])>,
) -> Result<Folded, FoldFailure> {
    let doc = Doc::new();
    let mut stored_blocks = IdSet::default();
    let mut decoded = Vec::new();
    for (seq, bytes) in pieces {
        let update = decode_guarded(seq, bytes).map_err(FoldFailure::Corrupt)?;
        stored_blocks.merge_with(update.insertions(true));
        decoded.push((seq, update));
    }
    apply_causally(&mut doc.transact_mut(), decoded).map_err(FoldFailure::Corrupt)?;
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
    if guard::has_pending(&txn) {
        return Err(FoldFailure::Incomplete {
            detail: "updates are waiting for missing predecessors".into(),
        });
    }
    Ok(Folded {
        state: guard::encode_state(&txn),
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
    let mut decoded = Vec::new();
    for (index, bytes) in pieces.into_iter().enumerate() {
        let seq = index as Seq;
        decoded.push((seq, decode_guarded(seq, bytes)?));
    }
    apply_causally(txn, decoded)
}

/// Decodes one stored piece; a decoder panic (a yrs bug) becomes an error, not a crash.
fn decode_guarded(seq: Seq, bytes: &[u8]) -> Result<Update, FoldError> {
    guard::decode_update_stored(bytes).map_err(|e| FoldError {
        seq,
        detail: e.to_string(),
    })
}

/// Applies each update once everything it builds on is present; returns how many are still
/// waiting for missing history at the end.
fn apply_causally(
    txn: &mut yrs::TransactionMut<'_>,
    updates: Vec<(Seq, Update)>,
) -> Result<usize, FoldError> {
    let mut waiting: Vec<(Seq, Update)> = Vec::new();
    for piece in updates {
        waiting.push(piece);
        loop {
            let have = txn.state_vector();
            let ready = waiting
                .iter()
                .position(|(_, u)| guard::first_gap(u, &have).is_none());
            let Some(at) = ready else { break };
            let (seq, update) = waiting.swap_remove(at);
            guard::apply_in(txn, update).map_err(|e| FoldError {
                seq,
                detail: e.to_string(),
            })?;
        }
    }
    Ok(waiting.len())
}
