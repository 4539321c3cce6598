//! The rules Tack keeps around yrs 0.28.1, in one place, for every crate that hands bytes to yrs
//! (board-model, board-store's compaction, the relay, the fold).
//!
//! yrs 0.28.1 can be crashed or fooled by some inputs, so nothing outside this module decodes,
//! applies, merges or encodes Yjs bytes by hand:
//! - **bounded decode** ([`decode_update_checked`] and its state-vector and id-set twins): the
//!   pre-scan of [`crate::prescan_update_v1`] first (yrs's decoder recurses and can overflow
//!   the stack), then yrs's decoder, whose panics become errors;
//! - **gaps** ([`first_gap`]): yrs silently drops an update that starts after a clock gap
//!   instead of keeping it pending, so a caller refuses it and resyncs;
//! - **novelty** ([`novelty`], [`novelty_exact`]): whether an update adds anything to a
//!   document, deletions included;
//! - **panic-safe apply** ([`apply_in`], [`apply_to`], [`apply_if_complete`]): well-formed
//!   updates can still panic yrs while integrating (NOTES.md, fuzz crasher 3);
//! - **safe encoding** ([`encode_state`], [`encode_state_of`], [`merge_updates`]):
//!   `encode_state_as_update_v1` merges pending structs into its output, which loses a gapped
//!   client's integrated blocks and can panic; only integrated state is encoded here.

use std::panic::{catch_unwind, AssertUnwindSafe};

use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, IdSet, Origin, ReadTxn, StateVector, Transact, TransactionMut, Update};

use crate::error::ProtocolError;
use crate::prescan::{prescan_id_set_v1, prescan_state_vector_v1, prescan_update_v1};
use crate::UpdateLimits;

/// Why yrs did not take an update.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    /// The bytes were refused before or by yrs's decoder.
    #[error(transparent)]
    Decode(#[from] ProtocolError),
    /// The update builds on history the document lacks; nothing was applied.
    #[error("{0}")]
    MissingHistory(Gap),
    /// yrs returned an error while applying.
    #[error("yrs refused the update: {message}")]
    Yrs { message: String },
    /// yrs panicked; the panic was caught. A document it panicked on may be half-applied.
    #[error("yrs panicked while {during}")]
    Panicked { during: &'static str },
}

/// The first clock gap an update would leave: it starts `client`'s history at `starts_at`
/// while the document holds that client's clocks below `have` only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    pub client: u64,
    pub have: u32,
    pub starts_at: u32,
}

impl std::fmt::Display for Gap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "client {} starts at clock {} but only clocks below {} are held",
            self.client, self.starts_at, self.have
        )
    }
}

/// What an update brings to a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Novelty {
    /// It starts after a clock gap: applying it would store a hole (yrs drops it).
    MissingHistory(Gap),
    /// The document already holds all of it: applying it changes nothing.
    Nothing,
    /// It may add something.
    New,
}

// ----- bounded decode ----------------------------------------------------------------------

/// Runs one yrs call with its panics turned into an error: yrs 0.28.1 has panics reachable from
/// well-formed input. `AssertUnwindSafe`: a caller whose document yrs panicked on treats it as
/// suspect (the relay reloads rooms that fail, clients resync).
fn unpanicked<T>(during: &'static str, call: impl FnOnce() -> T) -> Result<T, GuardError> {
    catch_unwind(AssertUnwindSafe(call)).map_err(|_| GuardError::Panicked { during })
}

fn yrs_decode<T>(
    during: &'static str,
    decode: impl FnOnce() -> Result<T, yrs::encoding::read::Error>,
) -> Result<T, ProtocolError> {
    match catch_unwind(AssertUnwindSafe(decode)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(ProtocolError::Yrs {
            message: error.to_string(),
        }),
        Err(_) => Err(ProtocolError::Yrs {
            message: format!("yrs panicked while {during}"),
        }),
    }
}

/// [`prescan_update_v1`], then yrs's own decoder (a panic in it is an error). For bytes from
/// anywhere else than this process's own store.
pub fn decode_update_checked(bytes: &[u8], limits: &UpdateLimits) -> Result<Update, ProtocolError> {
    prescan_update_v1(bytes, limits)?;
    yrs_decode("decoding an update", || Update::decode_v1(bytes))
}

/// [`prescan_state_vector_v1`], then yrs's own decoder (a panic in it is an error).
pub fn decode_state_vector_checked(
    bytes: &[u8],
    limits: &UpdateLimits,
) -> Result<StateVector, ProtocolError> {
    prescan_state_vector_v1(bytes, limits)?;
    yrs_decode("decoding a state vector", || StateVector::decode_v1(bytes))
}

/// [`prescan_id_set_v1`], then yrs's own decoder (a panic in it is an error).
pub fn decode_id_set_checked(bytes: &[u8], limits: &UpdateLimits) -> Result<IdSet, ProtocolError> {
    prescan_id_set_v1(bytes, limits)?;
    yrs_decode("decoding an id set", || IdSet::decode_v1(bytes))
}

/// yrs's decoder alone, its panics turned into errors: for bytes a store already holds (they
/// were checked when they came in, and a snapshot may exceed the limits a single update has).
pub fn decode_update_stored(bytes: &[u8]) -> Result<Update, ProtocolError> {
    yrs_decode("decoding a stored update", || Update::decode_v1(bytes))
}

// ----- gaps and novelty ---------------------------------------------------------------------

/// The first client whose history `update` starts after what `have` holds, if any.
pub fn first_gap(update: &Update, have: &StateVector) -> Option<Gap> {
    update
        .state_vector_lower()
        .iter()
        .find(|(client, first_clock)| **first_clock > have.get(client))
        .map(|(client, first_clock)| Gap {
            client: client.get(),
            have: have.get(client),
            starts_at: *first_clock,
        })
}

/// What `update` brings to a document holding `have`, judged from the state vector alone:
/// an update that deletes anything counts as [`Novelty::New`] (cheap: no walk of the
/// document's delete set; see [`novelty_exact`]).
pub fn novelty(update: &Update, have: &StateVector) -> Novelty {
    if let Some(gap) = first_gap(update, have) {
        return Novelty::MissingHistory(gap);
    }
    if update.extends(have) || !update.delete_set().is_empty() {
        Novelty::New
    } else {
        Novelty::Nothing
    }
}

/// What `update` brings to the document read by `txn`, deletions included: deletions the
/// document has already made add nothing. Walks the document's delete set when the update
/// deletes anything.
pub fn novelty_exact<T: ReadTxn>(update: &Update, txn: &T) -> Novelty {
    let have = txn.state_vector();
    if let Some(gap) = first_gap(update, &have) {
        return Novelty::MissingHistory(gap);
    }
    if update.extends(&have) {
        return Novelty::New;
    }
    if !update.delete_set().is_empty() {
        let deleted = txn.snapshot().delete_set;
        if !update.delete_set().diff(&deleted).is_empty() {
            return Novelty::New;
        }
    }
    Novelty::Nothing
}

/// The v1 encoding of an update with no structs and no deletions (what yrs writes for a diff
/// against a state vector that holds everything).
pub const EMPTY_UPDATE_V1: &[u8] = &[0, 0];

/// Whether `bytes` is [`EMPTY_UPDATE_V1`]: applying it changes nothing and storing it is waste.
pub fn is_empty_update_v1(bytes: &[u8]) -> bool {
    bytes == EMPTY_UPDATE_V1
}

/// Whether updates wait in the document for missing predecessors (structs or deletions).
pub fn has_pending<T: ReadTxn>(txn: &T) -> bool {
    let store = txn.store();
    store.pending_update().is_some() || store.pending_ds().is_some()
}

// ----- panic-safe apply -----------------------------------------------------------------------

fn applied(
    outcome: Result<Result<(), yrs::error::UpdateError>, GuardError>,
) -> Result<(), GuardError> {
    match outcome? {
        Ok(()) => Ok(()),
        Err(error) => Err(GuardError::Yrs {
            message: error.to_string(),
        }),
    }
}

/// Applies `update` within the caller's transaction, a yrs panic being an error. No gap check
/// (see [`first_gap`]); the caller's commit is not covered (see [`apply_to`]).
pub fn apply_in(txn: &mut TransactionMut<'_>, update: Update) -> Result<(), GuardError> {
    applied(unpanicked("applying an update", || {
        txn.apply_update(update)
    }))
}

/// Applies `update` to `doc` in a transaction of its own (with `origin`, if any), a yrs panic
/// while applying or committing being an error. No gap check (see [`apply_if_complete`]).
pub fn apply_to(doc: &Doc, origin: Option<Origin>, update: Update) -> Result<(), GuardError> {
    applied(unpanicked("applying an update", || {
        let mut txn = match origin {
            Some(origin) => doc.transact_mut_with(origin),
            None => doc.transact_mut(),
        };
        txn.apply_update(update)
    }))
}

/// [`apply_to`], refusing with [`GuardError::MissingHistory`] (and changing nothing) an update
/// that starts after a gap in some client's history: yrs 0.28.1 would silently discard it.
/// The gap is judged in the same transaction that applies.
pub fn apply_if_complete(
    doc: &Doc,
    origin: Option<Origin>,
    update: Update,
) -> Result<(), GuardError> {
    let outcome = unpanicked("applying an update", || {
        let mut txn = match origin {
            Some(origin) => doc.transact_mut_with(origin),
            None => doc.transact_mut(),
        };
        if let Some(gap) = first_gap(&update, &txn.state_vector()) {
            return Err(GuardError::MissingHistory(gap));
        }
        Ok(txn.apply_update(update))
    });
    applied(outcome?)
}

// ----- safe encoding ------------------------------------------------------------------------

/// The whole integrated document as one Yjs v1 update. Not `encode_state_as_update_v1`: in yrs
/// 0.28.1 that merges pending (causally incomplete) structs into the output, and when a client
/// has a clock gap the merge drops that client's already-integrated blocks (and it unwraps the
/// merge). Pending structs stay out; whoever sent them sends them again after a resync.
pub fn encode_state<T: ReadTxn>(txn: &T) -> Vec<u8> {
    txn.encode_diff_v1(&StateVector::default())
}

/// [`encode_state`] of `doc`, a yrs panic being an error (a document yrs panicked on before
/// may be half-applied).
pub fn encode_state_of(doc: &Doc) -> Result<Vec<u8>, GuardError> {
    unpanicked("encoding a document", || encode_state(&doc.transact()))
}

/// What the document read by `txn` has that a peer holding `state_vector` lacks (a sync
/// Step2): integrated state only, like [`encode_state`].
pub fn encode_diff<T: ReadTxn>(txn: &T, state_vector: &StateVector) -> Vec<u8> {
    txn.encode_diff_v1(state_vector)
}

/// Merges v1 updates (stored ones: decoded with [`decode_update_stored`]) into one, a yrs
/// panic being an error.
pub fn merge_updates<'a>(
    updates: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<u8>, GuardError> {
    let decoded = updates
        .into_iter()
        .map(decode_update_stored)
        .collect::<Result<Vec<Update>, ProtocolError>>()?;
    unpanicked("merging updates", || {
        Update::merge_updates(decoded).encode_v1()
    })
}
