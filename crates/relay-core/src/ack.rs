//! One connection's acknowledgements, in the order its updates arrived: each update gets one
//! SyncStatus (on the multiplexed framing; y-websocket has no such message), sent only once its
//! fate is known and never before an earlier update's. The shell finds out each fate (it waits
//! on a commit, or on the room's commits that were open) and tells the [`Acknowledger`], which
//! decides what may be sent; the relay's connection and the policy tests' harness both use it.

use std::collections::VecDeque;

use bytes::Bytes;
use sync_protocol::MuxMessage;

use crate::room::CommitNumber;
use crate::session::{AckWhen, RoomPort};
use crate::wire::{mux_frame, Framing};

/// What an acknowledgement waits for before it can be sent.
#[derive(Debug)]
pub enum Awaiting<C> {
    /// Nothing: stored (`true`) or not.
    Known(bool),
    /// The room already held the update: durable once these commits of the room (open when
    /// it arrived) have all committed; not stored if any of them fails.
    Commits(Vec<CommitNumber>),
    /// The update's own commit; `C` is how the shell follows it (a ticket, a commit number).
    Commit(C),
}

impl<C> From<AckWhen> for Awaiting<C> {
    fn from(when: AckWhen) -> Self {
        match when {
            AckWhen::Now(applied) => Awaiting::Known(applied),
            AckWhen::AfterCommits(commits) => Awaiting::Commits(commits),
        }
    }
}

/// The acknowledgements one connection owes, oldest first.
#[derive(Debug)]
pub struct Acknowledger<R, C> {
    framing: Framing,
    owed: VecDeque<(R, Awaiting<C>)>,
}

impl<R: RoomPort, C> Acknowledger<R, C> {
    pub fn new(framing: Framing) -> Self {
        Self {
            framing,
            owed: VecDeque::new(),
        }
    }

    /// Owes an acknowledgement for an update that arrived now (after every one owed so far).
    pub fn owe(&mut self, room: R, awaiting: Awaiting<C>) {
        self.owed.push_back((room, awaiting));
    }

    /// The oldest acknowledgement whose fate is not known yet, and what it waits for: the
    /// shell finds out and answers with [`Acknowledger::settle_front`]. `None` when every
    /// acknowledgement owed can be sent (see [`Acknowledger::take_ready`]).
    pub fn front(&mut self) -> Option<(&R, &mut Awaiting<C>)> {
        self.owed
            .iter_mut()
            .find(|(_, awaiting)| !matches!(awaiting, Awaiting::Known(_)))
            .map(|(room, awaiting)| (&*room, awaiting))
    }

    /// Records the fate of the oldest acknowledgement not known yet.
    pub fn settle_front(&mut self, stored: bool) {
        if let Some((_, awaiting)) = self
            .owed
            .iter_mut()
            .find(|(_, awaiting)| !matches!(awaiting, Awaiting::Known(_)))
        {
            *awaiting = Awaiting::Known(stored);
        }
    }

    /// Takes the acknowledgements that can be sent now, oldest first, up to the first whose
    /// fate is not known: the frames to send, in order (none on y-websocket).
    pub fn take_ready(&mut self) -> Vec<Bytes> {
        let mut frames = Vec::new();
        while let Some((room, Awaiting::Known(stored))) = self.owed.front() {
            if self.framing == Framing::Mux {
                frames.push(mux_frame(
                    room.mux_prefix(),
                    &MuxMessage::SyncStatus { applied: *stored },
                ));
            }
            self.owed.pop_front();
        }
        frames
    }

    /// How many acknowledgements are owed and not sent yet.
    pub fn owed(&self) -> usize {
        self.owed.len()
    }
}
