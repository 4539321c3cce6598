//! One board's side of the protocol: the client's replica of it, what waits for an
//! acknowledgement, and the status that follows from both.

use std::collections::{BTreeSet, VecDeque};

use board_model::{Board, ConflictTracker};
use board_store::Seq;
use sync_protocol::{AuthMessage, MuxFrame, MuxMessage, SyncMessage};

use crate::problem::SyncProblem;
use crate::status::Status;

/// Where a board stands on the current connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// No connection, or the relay closed this board's channel.
    Disconnected,
    /// Auth and Step1 sent; no verdict yet.
    Authenticating,
    /// Authenticated: updates flow both ways.
    Live,
}

/// The client's state for one subscribed board.
pub(crate) struct BoardSync {
    pub id: String,
    /// The client's own replica: state vectors for Step1, diffs for Step2, and the gate that
    /// refuses remote updates with missing history before they reach the store.
    pub mirror: Board,
    /// False while a board named by `subscribe` is fetched from the server for the first time.
    pub in_store: bool,
    /// Highest outbox seq already applied to `mirror`.
    pub mirrored_upto: Seq,
    /// The store's outbox for this board: local updates not acknowledged yet.
    pub unacked: BTreeSet<Seq>,
    /// One entry per Step2/Update sent on this connection, in order: the outbox seqs that its
    /// SyncStatus(1) acknowledges (the relay answers every Step2/Update once, in order).
    pub in_flight: VecDeque<Vec<Seq>>,
    pub phase: Phase,
    pub readonly: bool,
    /// The relay's Step2 (everything we lacked) arrived on this connection.
    pub server_state_received: bool,
    /// We answered the relay's Step1 with our Step2 on this connection.
    pub answered_server: bool,
    /// Refused for good (access denied): not retried until subscribed again.
    pub denied: Option<SyncProblem>,
    /// The relay closed this board's channel (or it has no such board) on this connection.
    pub closed: Option<SyncProblem>,
    /// Our awareness state (JSON) and its clock, re-sent after every reconnect.
    pub awareness: Option<(u64, String)>,
    /// Sees every update the replica integrates; reports concurrent writes to a task field.
    pub conflicts: ConflictTracker,
}

impl BoardSync {
    pub(crate) fn new(
        id: String,
        mirror: Board,
        in_store: bool,
        conflicts: ConflictTracker,
    ) -> Self {
        Self {
            id,
            mirror,
            in_store,
            mirrored_upto: 0,
            unacked: BTreeSet::new(),
            in_flight: VecDeque::new(),
            phase: Phase::Disconnected,
            readonly: false,
            server_state_received: false,
            answered_server: false,
            denied: None,
            closed: None,
            awareness: None,
            conflicts,
        }
    }

    pub(crate) fn pending(&self) -> u64 {
        self.unacked.len() as u64
    }

    /// Forgets everything about the previous connection.
    pub(crate) fn reset_connection(&mut self, phase: Phase) {
        self.in_flight.clear();
        self.phase = phase;
        self.readonly = false;
        self.server_state_received = false;
        self.answered_server = false;
        self.closed = None;
    }

    pub(crate) fn status(&self, connected: bool) -> Status {
        if let Some(problem) = self.denied.as_ref().or(self.closed.as_ref()) {
            return Status::Problem(problem.clone());
        }
        let pending = self.pending();
        if !connected {
            return Status::Offline { pending };
        }
        match self.phase {
            Phase::Disconnected => Status::Offline { pending },
            Phase::Authenticating => Status::Connecting,
            Phase::Live if !(self.server_state_received && self.answered_server) => {
                Status::Connecting
            }
            // Every answer is in and the relay serves us read-only: what is left in the outbox
            // was refused (or would be), so it is kept here, not "syncing".
            Phase::Live if self.readonly && pending > 0 && self.in_flight.is_empty() => {
                Status::Problem(SyncProblem::ReadOnly { unsaved: pending })
            }
            // Synced only when the outbox is empty and nothing sent awaits its answer.
            Phase::Live if pending == 0 && self.in_flight.is_empty() => Status::Synced,
            Phase::Live => Status::Syncing { pending },
        }
    }

    pub(crate) fn frame(&self, message: MuxMessage) -> Vec<u8> {
        MuxFrame::Board {
            board: self.id.clone(),
            message,
        }
        .encode()
    }

    /// Auth, Step1 and our awareness: sent together, without waiting for the verdict (the
    /// relay holds a board's frames until its Auth succeeds).
    pub(crate) fn opening_frames(&self, token: &str, awareness_client: u64) -> Vec<Vec<u8>> {
        let mut frames = vec![
            self.frame(MuxMessage::Auth(AuthMessage::Token {
                token: token.to_owned(),
            })),
            self.step1(),
        ];
        frames.extend(self.awareness_frame(awareness_client));
        frames
    }

    pub(crate) fn step1(&self) -> Vec<u8> {
        self.frame(MuxMessage::Sync(SyncMessage::Step1 {
            state_vector: self.mirror.state_vector(),
        }))
    }

    pub(crate) fn awareness_frame(&self, awareness_client: u64) -> Option<Vec<u8>> {
        let (clock, state_json) = self.awareness.as_ref()?;
        let update = sync_protocol::encode_awareness_update(&[sync_protocol::AwarenessEntry {
            client_id: awareness_client,
            clock: *clock,
            state_json: state_json.clone(),
        }]);
        Some(self.frame(MuxMessage::Awareness { update }))
    }
}
