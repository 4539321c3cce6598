//! One open board: its document, its subscribers, their awareness, and the updates waiting for
//! their commits. Every method is synchronous and short; the shell holds a room behind a mutex
//! and does the waiting (loading, committing, reloading) around it.
//!
//! The rules a room keeps:
//! - an update is applied to the document and counted as accepted, then relayed to the other
//!   subscribers only once its commit resolves as committed, in the order the document took
//!   the updates ([`RoomCore::resolve`]); a refused one reaches no one;
//! - an update with a clock gap (yrs would keep it pending, and storing it would store a hole)
//!   is refused with [`RoomError::MissingHistory`]; every yrs call goes through
//!   `sync_protocol::guard` (checked decoding, panics turned into errors);
//! - a read-only channel's update is "held" only if the document holds all of it, deletions
//!   included ([`RoomCore::check_held`]);
//! - after a failed commit the room is *stale*: it calls nothing it holds durable
//!   ([`RoomError::Reloading`]) until the shell has reloaded it from storage
//!   ([`RoomCore::replace_document`], [`RoomCore::finish_reload`]).

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;
use sync_protocol::guard::{self, Novelty};
use sync_protocol::{CheckedAwareness, UpdateLimits};
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, StateVector, Transact, Update};

use crate::awareness::{Awareness, AwarenessBounds, AwarenessOutcome, Taken};
use crate::wire::{
    awareness_body, frame, kind, mux_prefix, sync_body, ConnId, FrameSink, Framing, REMOTE,
};

/// Names one accepted update's commit within its room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommitNumber(pub u64);

/// Failed commits are rare (the database is down, or a writer was revoked); remembering the
/// latest few is enough for the acknowledgements waiting on them.
const MAX_REMEMBERED_FAILURES: usize = 1024;

/// A room's commits: which are open, and which of the latest failed.
#[derive(Debug, Default)]
pub struct OpenCommits {
    next: u64,
    open: BTreeSet<u64>,
    failed: BTreeSet<u64>,
}

impl OpenCommits {
    pub fn begin(&mut self) -> CommitNumber {
        let number = CommitNumber(self.next);
        self.next += 1;
        self.open.insert(number.0);
        number
    }

    pub fn finish(&mut self, number: CommitNumber, committed: bool) {
        self.open.remove(&number.0);
        if !committed {
            self.failed.insert(number.0);
            while self.failed.len() > MAX_REMEMBERED_FAILURES {
                self.failed.pop_first();
            }
        }
    }

    /// The commits not resolved yet.
    pub fn open(&self) -> Vec<CommitNumber> {
        self.open
            .iter()
            .map(|&number| CommitNumber(number))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// `None` while one of `commits` is open; then whether all of them committed.
    pub fn durable(&self, commits: &[CommitNumber]) -> Option<bool> {
        if commits.iter().any(|c| self.open.contains(&c.0)) {
            return None;
        }
        Some(commits.iter().all(|c| !self.failed.contains(&c.0)))
    }
}

/// Where a room records its commits: the shell keeps them beside the room (they outlive a
/// room's loading and are waited on without the room's lock), a test in a cell.
pub trait CommitLedger {
    /// Counts an accepted update until its commit resolves; the number names that commit.
    fn begin_commit(&self) -> CommitNumber;
    /// The commits of this room not resolved yet. An update the room already holds may be held
    /// only thanks to one of them: it is durable once they are, not before.
    fn open_commits(&self) -> Vec<CommitNumber>;
    /// Records how a commit ended (and wakes whoever waits on it).
    fn finish_commit(&self, number: CommitNumber, committed: bool);
}

/// Why an update was refused; the text is safe to send to the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomError {
    #[error("update builds on history the relay does not have; resync")]
    MissingHistory,
    #[error("update could not be applied")]
    ApplyFailed,
    #[error("state vector is malformed")]
    BadStateVector,
    /// A commit of this room failed and the room is reloading from storage: what it holds is
    /// not known to be stored. Not stored; the room asks every subscriber for what it lacks
    /// once reloaded.
    #[error("the board is reloading; resync")]
    Reloading,
    /// A read-only channel sent something the room does not hold.
    #[error("read-only access")]
    ReadOnly,
}

/// What the room did with an update it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Applied to the room's document; store it under this commit number. It is relayed to
    /// the other subscribers once [`RoomCore::resolve`] says it committed.
    Accepted(CommitNumber),
    /// The room holds all of it already: it is durable once these commits (open when it
    /// arrived) have committed.
    Held(Vec<CommitNumber>),
}

/// What [`RoomCore::apply_committed`] did with one row of the board's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Committed {
    /// Applied (or recorded, for this instance's own rows) and the room's seq advanced.
    Advanced,
    /// The row no longer passes the checks it passed when accepted: skipped, seq advanced.
    Skipped,
    /// The room already had it.
    Known,
    /// Rows before it are missing: read the log after [`RoomCore::committed_seq`].
    Gap,
    /// The room is still loading (the shell's answer before there is a room core).
    NotLoaded,
}

/// What resolving a commit did.
#[derive(Debug, Default, PartialEq)]
pub struct Resolution {
    /// This refusal made the room stale: a reload must start.
    pub start_reload: bool,
    /// For every update relayed now, how long since the relay received it.
    pub relayed_after: Vec<Duration>,
}

/// What [`RoomCore::finish_reload`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum ReloadEnd {
    /// Another commit failed while reloading: reload once more.
    Again,
    /// No longer stale; these subscribers are owed a Step1 (sent with
    /// [`RoomCore::send_step1_to`]) so they send again what the room lacks.
    Done(Vec<ConnId>),
}

struct Subscriber<S> {
    sink: S,
    framing: Framing,
}

/// A signed-in user on a room: how many channels they hold and when they last joined.
struct RoomUser {
    channels: usize,
    joined: u64,
}

/// An update this room's document took from a client, waiting for its commit.
struct Accepted {
    number: CommitNumber,
    from: ConnId,
    update: Vec<u8>,
    /// When the relay received it (its fan-out latency runs until it is relayed).
    received: Instant,
    /// `None` while the commit is open; then whether it committed.
    committed: Option<bool>,
}

/// A stored board that cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored board is unreadable: {0}")]
pub struct Unreadable(pub String);

/// Builds a board's document from what storage holds (snapshot, then the log), checking every
/// piece again before yrs sees it; also says how many updates wait for missing history.
pub fn document_from_storage<'a>(
    pieces: impl Iterator<Item = &'a [u8]> + Clone,
    limits: &UpdateLimits,
) -> Result<(Doc, u32), Unreadable> {
    let doc = Doc::new();
    for piece in pieces.clone() {
        // Stored bytes passed these checks on the way in; check again before yrs sees them.
        sync_protocol::prescan_update_v1(piece, limits).map_err(|e| Unreadable(e.to_string()))?;
    }
    let waiting = {
        let mut txn = doc.transact_mut();
        sync_protocol::fold::apply_in_causal_order(&mut txn, pieces)
            .map_err(|e| Unreadable(format!("piece {}: {}", e.seq, e.detail)))?
    };
    Ok((doc, u32::try_from(waiting).unwrap_or(u32::MAX)))
}

/// One open board. `S` is where frames for a subscriber go.
pub struct RoomCore<S> {
    board: String,
    /// `varString(board)`, the prefix of every multiplexed frame of this board.
    mux_prefix: Vec<u8>,
    doc: Doc,
    subscribers: HashMap<ConnId, Subscriber<S>>,
    awareness: Awareness,
    /// The board's log is in `doc` up to this seq (loaded, or announced by another relay).
    seq: i64,
    /// Updates in `doc` whose commits are open, or resolved but behind an open one, in the
    /// order `doc` took them. Each is relayed to the other subscribers once committed, never
    /// before: a write that storage refuses reaches no one.
    accepted: VecDeque<Accepted>,
    /// Signed-in users with a channel on this room: whom the room reads the log as (row-level
    /// security shows a board only to its members), see [`RoomCore::readers`].
    users: HashMap<String, RoomUser>,
    /// Joins so far, to order `users` by their latest join.
    joins: u64,
    /// A commit failed, so `doc` may hold what storage does not: nothing the room holds can be
    /// called durable until it has reloaded from storage.
    stale: bool,
    /// A reload is running; `again`: another commit failed meanwhile, reload once more.
    reloading: bool,
    reload_again: bool,
    /// Committed updates relayed while a reload runs: the reload may have read the log before
    /// their rows, so it applies them again (applying an update twice changes nothing).
    committed_during_reload: Vec<Vec<u8>>,
    /// Subscribers told `Reloading` (SyncStatus 0), and authors of failed commits: once
    /// reloaded, the room sends each its Step1 so they send again what it lacks.
    resync: Vec<ConnId>,
}

impl<S> std::fmt::Debug for RoomCore<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomCore")
            .field("board", &self.board)
            .field("seq", &self.seq)
            .field("stale", &self.stale)
            .finish_non_exhaustive()
    }
}

impl<S: FrameSink> RoomCore<S> {
    /// A room holding `doc`, which covers the board's log up to `seq`.
    pub fn new(board: &str, doc: Doc, seq: i64) -> Self {
        Self {
            board: board.to_owned(),
            mux_prefix: mux_prefix(board),
            doc,
            subscribers: HashMap::new(),
            awareness: Awareness::default(),
            seq,
            accepted: VecDeque::new(),
            users: HashMap::new(),
            joins: 0,
            stale: false,
            reloading: false,
            reload_again: false,
            committed_during_reload: Vec::new(),
            resync: Vec::new(),
        }
    }

    pub fn board(&self) -> &str {
        &self.board
    }

    pub fn is_stale(&self) -> bool {
        self.stale
    }

    /// Adds a subscriber, joined on behalf of `user`.
    pub fn subscribe(&mut self, conn: ConnId, sink: S, framing: Framing, user: Option<&str>) {
        self.subscribers.insert(conn, Subscriber { sink, framing });
        if let Some(user) = user {
            self.joins += 1;
            let joined = self.joins;
            let on_room = self.users.entry(user.to_owned()).or_insert(RoomUser {
                channels: 0,
                joined,
            });
            on_room.channels += 1;
            on_room.joined = joined;
        }
    }

    /// Removes a subscriber; its awareness states are withdrawn for everyone else. Returns the
    /// awareness update that withdrew them (for other relay instances), if any.
    pub fn unsubscribe(&mut self, conn: ConnId, user: Option<&str>) -> Option<Vec<u8>> {
        self.subscribers.remove(&conn)?;
        if let Some(user) = user {
            if let Some(on_room) = self.users.get_mut(user) {
                on_room.channels -= 1;
                if on_room.channels == 0 {
                    self.users.remove(user);
                }
            }
        }
        let cleared = self.awareness.release(conn);
        if cleared.is_empty() {
            return None;
        }
        let update = sync_protocol::encode_awareness_update(&cleared);
        self.broadcast(conn, &awareness_body(&update));
        Some(update)
    }

    /// The signed-in users on this room, the latest to join first, at most `limit`: whom to
    /// read the board's log as. Empty on a development relay without accounts.
    pub fn readers(&self, limit: usize) -> Vec<String> {
        let mut users: Vec<(&String, u64)> = self
            .users
            .iter()
            .map(|(user, on_room)| (user, on_room.joined))
            .collect();
        users.sort_unstable_by_key(|(_, joined)| std::cmp::Reverse(*joined));
        users
            .into_iter()
            .take(limit)
            .map(|(user, _)| user.clone())
            .collect()
    }

    fn push_to(&self, sub: &Subscriber<S>, body: &[u8]) {
        sub.sink.push(frame(&self.mux_prefix, sub.framing, body));
    }

    fn broadcast(&self, from: ConnId, body: &[u8]) {
        // Encode once per framing, not once per subscriber.
        let mut mux: Option<Bytes> = None;
        let mut yws: Option<Bytes> = None;
        for (conn, sub) in &self.subscribers {
            if *conn == from {
                continue;
            }
            let bytes = match sub.framing {
                Framing::Mux => mux
                    .get_or_insert_with(|| frame(&self.mux_prefix, Framing::Mux, body))
                    .clone(),
                Framing::YWebsocket => yws
                    .get_or_insert_with(|| frame(&self.mux_prefix, Framing::YWebsocket, body))
                    .clone(),
            };
            sub.sink.push(bytes);
        }
    }

    /// Answers a client's Step1: Step2 with what it lacks, then the relay's own Step1 so the
    /// client sends what the relay lacks.
    pub fn sync_step1(&self, conn: ConnId, state_vector: &StateVector) {
        let Some(sub) = self.subscribers.get(&conn) else {
            return;
        };
        let txn = self.doc.transact();
        let diff = txn.encode_diff_v1(state_vector);
        let own = txn.state_vector().encode_v1();
        drop(txn);
        self.push_to(sub, &sync_body(kind::SYNC, kind::SYNC_STEP2, &diff));
        // Type 0 in both framings: Hocuspocus servers label this reply SyncReply (4) only from
        // v4 on, and the 3.x provider rejects type 4 outright.
        self.push_to(sub, &sync_body(kind::SYNC, kind::SYNC_STEP1, &own));
    }

    /// Sends the relay's Step1 (y-websocket servers open with it; a gap asks for it).
    pub fn send_step1(&self, conn: ConnId) {
        self.send_step1_to(&[conn]);
    }

    /// Sends the relay's Step1 to each of `conns` still subscribed.
    pub fn send_step1_to(&self, conns: &[ConnId]) {
        let own = self.doc.transact().state_vector().encode_v1();
        let body = sync_body(kind::SYNC, kind::SYNC_STEP1, &own);
        for conn in conns {
            if let Some(sub) = self.subscribers.get(conn) {
                self.push_to(sub, &body);
            }
        }
    }

    /// What a read-only channel may "send": an update the room already holds entirely (an
    /// echo, such as a viewer's Step2 after a reconnect) is durable once the commits open now
    /// have committed; anything else is refused (`ReadOnly`), as is an update with a clock gap
    /// (`MissingHistory`): neither is stored.
    pub fn check_held(
        &mut self,
        conn: ConnId,
        update: &Update,
        ledger: &impl CommitLedger,
    ) -> Result<Applied, RoomError> {
        if update.is_empty() {
            // A Step2 with nothing in it is trivially durable.
            return Ok(Applied::Held(Vec::new()));
        }
        // Deletions are held only if the document has deleted all of them already.
        match guard::novelty_exact(update, &self.doc.transact()) {
            Novelty::MissingHistory(_) => return Err(RoomError::MissingHistory),
            Novelty::New => return Err(RoomError::ReadOnly),
            Novelty::Nothing => {}
        }
        if self.stale {
            self.resync.push(conn);
            return Err(RoomError::Reloading);
        }
        Ok(Applied::Held(ledger.open_commits()))
    }

    /// Applies a client's update to the document and counts it as accepted until its commit
    /// resolves; it is relayed to the other subscribers only once committed (see
    /// [`RoomCore::resolve`]). Refuses updates that build on history the room lacks (yrs would
    /// silently drop them) and survives a yrs panic.
    pub fn apply_update(
        &mut self,
        from: ConnId,
        bytes: &[u8],
        update: Update,
        received: Instant,
        ledger: &impl CommitLedger,
    ) -> Result<Applied, RoomError> {
        if update.is_empty() {
            // A Step2 with nothing in it is trivially durable.
            return Ok(Applied::Held(Vec::new()));
        }
        let before = self.doc.transact().state_vector();
        match guard::novelty(&update, &before) {
            Novelty::MissingHistory(_) => return Err(RoomError::MissingHistory),
            Novelty::Nothing => {
                if self.stale {
                    self.resync.push(from);
                    return Err(RoomError::Reloading);
                }
                return Ok(Applied::Held(ledger.open_commits()));
            }
            Novelty::New => {}
        }
        if guard::apply_to(&self.doc, None, update).is_err() {
            return Err(RoomError::ApplyFailed);
        }
        let number = ledger.begin_commit();
        self.accepted.push_back(Accepted {
            number,
            from,
            update: bytes.to_vec(),
            received,
            committed: None,
        });
        Ok(Applied::Accepted(number))
    }

    /// Records how an accepted update's commit ended, relays every committed update at the
    /// head of the queue in the order the document took them, and drops refused ones. A
    /// refusal makes the room stale (its document holds what storage does not).
    pub fn resolve(
        &mut self,
        number: CommitNumber,
        committed: bool,
        ledger: &impl CommitLedger,
        now: Instant,
    ) -> Resolution {
        let mut resolution = Resolution::default();
        let mut author = None;
        if let Some(entry) = self.accepted.iter_mut().find(|a| a.number == number) {
            entry.committed = Some(committed);
            author = Some(entry.from);
        }
        if !committed {
            // Once reloaded, the author is asked for what the room lacks: a write that failed
            // for the database's sake is sent again (one refused by row-level security is
            // refused again, by then as a read-only channel's).
            self.resync.extend(author);
            self.stale = true;
            if self.reloading {
                self.reload_again = true;
            } else {
                self.reloading = true;
                resolution.start_reload = true;
            }
        }
        // Under the room's lock, so no update is judged held between the refusal and the
        // room turning stale.
        ledger.finish_commit(number, committed);
        while self.accepted.front().is_some_and(|a| a.committed.is_some()) {
            let Some(entry) = self.accepted.pop_front() else {
                break;
            };
            if entry.committed == Some(true) {
                self.broadcast(
                    entry.from,
                    &sync_body(kind::SYNC, kind::SYNC_UPDATE, &entry.update),
                );
                resolution
                    .relayed_after
                    .push(now.saturating_duration_since(entry.received));
                if self.reloading {
                    self.committed_during_reload.push(entry.update);
                }
            }
        }
        resolution
    }

    /// Swaps in a document freshly read from storage (covering the log up to `seq`), after
    /// applying to it again what still waits for its commits and what committed meanwhile.
    /// Returns how many of those no longer apply.
    pub fn replace_document(&mut self, doc: Doc, seq: i64, limits: &UpdateLimits) -> usize {
        let mut failed = 0;
        {
            let mut txn = doc.transact_mut();
            let again = self.committed_during_reload.iter().chain(
                self.accepted
                    .iter()
                    .filter(|a| a.committed != Some(false))
                    .map(|a| &a.update),
            );
            for bytes in again {
                let Ok(update) = sync_protocol::decode_update_checked(bytes, limits) else {
                    continue;
                };
                if guard::apply_in(&mut txn, update).is_err() {
                    failed += 1;
                }
            }
        }
        self.committed_during_reload.clear();
        self.doc = doc;
        self.seq = self.seq.max(seq);
        failed
    }

    /// Ends a reload: once more if another commit failed meanwhile, else the room is no longer
    /// stale and says whom it owes a Step1.
    pub fn finish_reload(&mut self) -> ReloadEnd {
        if self.reload_again {
            self.reload_again = false;
            return ReloadEnd::Again;
        }
        self.reloading = false;
        self.stale = false;
        let mut resync = std::mem::take(&mut self.resync);
        resync.sort_unstable();
        resync.dedup();
        ReloadEnd::Done(resync)
    }

    /// Records and relays a client's awareness update (decoded and checked by the caller):
    /// each entry only if its client id is the sender's (or new, within the bounds); the rest
    /// are refused and counted against the sender.
    pub fn awareness<'u>(
        &mut self,
        from: ConnId,
        update: &'u [u8],
        checked: CheckedAwareness,
        bounds: &AwarenessBounds,
    ) -> AwarenessOutcome<'u> {
        let mut outcome = AwarenessOutcome {
            over_limit: checked.refused,
            ..AwarenessOutcome::default()
        };
        let offered = checked.entries.len();
        let mut taken = Vec::with_capacity(offered);
        for entry in checked.entries {
            match self.awareness.take(from, &entry, bounds) {
                Taken::Yes => taken.push(entry),
                Taken::Ignored => {}
                Taken::OverLimit => outcome.over_limit += 1,
                Taken::Spoofed => outcome.spoofed += 1,
            }
        }
        if outcome.over_limit + outcome.spoofed > 0 {
            outcome.abusive = self.awareness.refused(from, bounds);
        }
        if taken.is_empty() {
            return outcome;
        }
        self.awareness.changed();
        let relayed = if taken.len() == offered && checked.refused == 0 {
            Cow::Borrowed(update)
        } else {
            Cow::Owned(sync_protocol::encode_awareness_update(&taken))
        };
        self.broadcast(from, &awareness_body(&relayed));
        outcome.relayed = Some(relayed);
        outcome
    }

    /// Counts an awareness message refused whole (malformed, too many entries) against its
    /// sender; true once the sender has had more refused than `bounds` allow.
    pub fn refuse_awareness(&mut self, from: ConnId, bounds: &AwarenessBounds) -> bool {
        self.awareness.refused(from, bounds)
    }

    /// Sends everyone's awareness to one subscriber: one frame, encoded once per change of the
    /// room's awareness and shared by every subscriber that asks, and not queued again for a
    /// subscriber that has not read the last one yet.
    pub fn send_awareness(&mut self, conn: ConnId) {
        let Some(sub) = self.subscribers.get(&conn) else {
            return;
        };
        if let Some(snapshot) = self.awareness.snapshot(&self.mux_prefix, sub.framing) {
            sub.sink.push_unless_queued(snapshot);
        }
    }

    /// The room's whole document as one Yjs v1 update (`None` if yrs panicked encoding it).
    pub fn encode_state(&self) -> Option<Vec<u8>> {
        guard::encode_state_of(&self.doc).ok()
    }

    /// The seq up to which the board's log is in the room.
    pub fn committed_seq(&self) -> i64 {
        self.seq
    }

    /// Takes row `seq` of the board's log, committed by some relay instance. `bytes: None`
    /// means the room already holds it (this instance accepted it); otherwise it is checked,
    /// applied and sent to every subscriber. Rows must come in seq order: a later one is a
    /// `Gap`.
    pub fn apply_committed(
        &mut self,
        seq: i64,
        bytes: Option<&[u8]>,
        limits: &UpdateLimits,
    ) -> Committed {
        if seq <= self.seq {
            return Committed::Known;
        }
        if seq > self.seq + 1 {
            return Committed::Gap;
        }
        let mut outcome = Committed::Advanced;
        if let Some(bytes) = bytes {
            if !self.apply_foreign(bytes, limits) {
                // Stored rows passed these checks when accepted; skip one that no longer
                // does rather than stall the board.
                outcome = Committed::Skipped;
            } else if self.reloading {
                self.committed_during_reload.push(bytes.to_vec());
            }
        }
        self.seq = seq;
        outcome
    }

    /// Takes a compacted board's snapshot (covering the log up to `seq`) after this room fell
    /// behind a compaction.
    pub fn apply_snapshot(&mut self, seq: i64, bytes: &[u8], limits: &UpdateLimits) -> bool {
        let Ok(update) = sync_protocol::decode_update_checked(bytes, limits) else {
            return false;
        };
        let before = self.doc.transact().state_vector();
        if guard::apply_to(&self.doc, None, update).is_err() {
            return false;
        }
        if self.reloading {
            self.committed_during_reload.push(bytes.to_vec());
        }
        // Subscribers get only what the snapshot added, not the whole board again.
        let diff = self.doc.transact().encode_diff_v1(&before);
        self.broadcast(REMOTE, &sync_body(kind::SYNC, kind::SYNC_UPDATE, &diff));
        self.seq = self.seq.max(seq);
        true
    }

    /// Applies stored bytes (checked again before yrs sees them) and relays what they add.
    fn apply_foreign(&self, bytes: &[u8], limits: &UpdateLimits) -> bool {
        let Ok(update) = sync_protocol::decode_update_checked(bytes, limits) else {
            return false;
        };
        let before = self.doc.transact().state_vector();
        if guard::novelty(&update, &before) == Novelty::Nothing {
            return true;
        }
        if guard::apply_to(&self.doc, None, update).is_err() {
            return false;
        }
        self.broadcast(REMOTE, &sync_body(kind::SYNC, kind::SYNC_UPDATE, bytes));
        true
    }
}
