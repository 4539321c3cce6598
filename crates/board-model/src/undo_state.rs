//! Saving a replica's undo and redo stacks as bytes, so `tackctl undo` works across processes
//! and the desktop app's history survives a restart.
//!
//! Format: `varUint(version=1)`, then for the undo stack and then the redo stack:
//! `varUint(count)` followed by `count` × (`varByteArray(deletions)`, `varByteArray(insertions)`),
//! each an `IdSet` in Yjs v1 delete-set encoding.

use sync_protocol::{decode_id_set_checked, UpdateLimits};
use yrs::encoding::read::{Cursor, Read};
use yrs::encoding::write::Write;
use yrs::undo::StackItem;
use yrs::updates::encoder::Encode;
#[cfg(test)]
use yrs::IdSet;

use crate::error::{ModelError, Result};

const VERSION: u32 = 1;
/// Older steps are dropped when saving: nobody undoes 200 steps, and the blob stays small.
pub(crate) const MAX_SAVED_STEPS: usize = 200;
/// A bound on what a stored blob may claim, checked before allocating.
const MAX_ITEMS: u32 = 10_000;

fn write_stack(out: &mut Vec<u8>, stack: &[StackItem<()>]) {
    let kept = &stack[stack.len().saturating_sub(MAX_SAVED_STEPS)..];
    out.write_var(kept.len() as u32);
    for item in kept {
        out.write_buf(item.deletions().encode_v1());
        out.write_buf(item.insertions().encode_v1());
    }
}

pub(crate) fn encode(undo: &[StackItem<()>], redo: &[StackItem<()>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.write_var(VERSION);
    write_stack(&mut out, undo);
    write_stack(&mut out, redo);
    out
}

fn read_stack(cursor: &mut Cursor<'_>, doc: &yrs::Uuid) -> Result<Vec<StackItem<()>>> {
    let bad = |e: yrs::encoding::read::Error| ModelError::BadUndoState(e.to_string());
    let count: u32 = cursor.read_var().map_err(bad)?;
    if count > MAX_ITEMS {
        return Err(ModelError::BadUndoState(format!(
            "{count} steps is more than {MAX_ITEMS}"
        )));
    }
    // yrs's own id-set decoder panics on clock ranges that overflow (debug builds): the
    // bounded scan in sync-protocol checks each set first.
    let limits = UpdateLimits::default();
    let id_set = |bytes: &[u8]| {
        decode_id_set_checked(bytes, &limits).map_err(|e| ModelError::BadUndoState(e.to_string()))
    };
    let mut items = Vec::with_capacity(count.min(256) as usize);
    for _ in 0..count {
        let deletions = id_set(cursor.read_buf().map_err(bad)?)?;
        let insertions = id_set(cursor.read_buf().map_err(bad)?)?;
        items.push(StackItem::new(doc.clone(), deletions, insertions));
    }
    Ok(items)
}

/// Undo and redo stacks, oldest first.
pub(crate) type Stacks = (Vec<StackItem<()>>, Vec<StackItem<()>>);

pub(crate) fn decode(blob: &[u8], doc: yrs::Uuid) -> Result<Stacks> {
    let mut cursor = Cursor::new(blob);
    let version: u32 = cursor
        .read_var()
        .map_err(|e| ModelError::BadUndoState(e.to_string()))?;
    if version != VERSION {
        return Err(ModelError::BadUndoState(format!(
            "unknown version {version}"
        )));
    }
    let undo = read_stack(&mut cursor, &doc)?;
    let redo = read_stack(&mut cursor, &doc)?;
    Ok((undo, redo))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Saved undo history is file input: any bytes give a value or an error, never a panic
        /// or an outsized allocation.
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode(&bytes, "doc".into());
        }

        #[test]
        fn decoding_mutated_real_state_never_panics(flip in 0usize..64, value in any::<u8>()) {
            let mut blob = encode(&[StackItem::new("d".into(), IdSet::default(), IdSet::default())], &[]);
            let at = flip % blob.len();
            blob[at] = value;
            let _ = decode(&blob, "d".into());
        }
    }

    /// Found by `decoding_arbitrary_bytes_never_panics`: a delete range whose clock + length
    /// overflows u32 made yrs panic ("attempt to add with overflow").
    #[test]
    fn an_overflowing_range_is_an_error() {
        let mut bytes = vec![1, 1, 29, 1, 0, 9];
        bytes.extend([0; 16]);
        bytes.extend([128, 128, 128, 128, 4, 128, 128, 128, 128, 44]);
        bytes.extend([0; 16]);
        assert!(matches!(
            decode(&bytes, "doc".into()),
            Err(ModelError::BadUndoState(_))
        ));
    }

    #[test]
    fn round_trips() {
        let empty = encode(&[], &[]);
        let (undo, redo) = decode(&empty, "d".into()).unwrap();
        assert!(undo.is_empty() && redo.is_empty());
    }
}
