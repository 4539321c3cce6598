//! What a room's members have said about themselves (cursors, names): each state owned by the
//! connection that introduced its client id, and bounded per connection and per room.

use std::borrow::Cow;
use std::collections::HashMap;

use bytes::Bytes;
use sync_protocol::{AwarenessEntry, AwarenessLimits};

use crate::wire::{awareness_body, frame, ConnId, Framing, REMOTE};

/// Bounds on awareness (presence), which the relay holds in memory and sends to every newcomer:
/// a room's awareness, and so the answer to a QueryAwareness, is bounded by `states_per_room`
/// and `bytes_per_room`.
#[derive(Debug, Clone)]
pub struct AwarenessBounds {
    /// Entries per awareness message (more: the message is refused whole) and JSON bytes per
    /// state (more: that entry is refused), checked as a message is decoded.
    pub message: AwarenessLimits,
    /// Client ids one connection may introduce in a room (it alone may then set or clear them,
    /// until it leaves).
    pub states_per_connection: usize,
    /// Client ids, and bytes of state JSON, one room holds.
    pub states_per_room: usize,
    pub bytes_per_room: usize,
    /// Awareness messages of one connection that may have something refused before its channel
    /// (a y-websocket socket) is closed.
    pub refusals_before_close: u32,
}

impl Default for AwarenessBounds {
    fn default() -> Self {
        Self {
            message: AwarenessLimits::default(),
            states_per_connection: 8,
            states_per_room: 1_024,
            bytes_per_room: 4 * 1024 * 1024,
            refusals_before_close: 16,
        }
    }
}

struct AwarenessState {
    clock: u64,
    /// `None` once its owner cleared it: the client id stays its owner's until it leaves.
    state_json: Option<String>,
    /// The connection that introduced this client id, the only one that may set or clear it
    /// ([`REMOTE`]: a client of another relay instance).
    conn: ConnId,
}

/// A local connection's share of a room's awareness.
#[derive(Default)]
struct AwarenessHolder {
    /// Client ids it introduced (cleared ones included).
    client_ids: usize,
    /// Its awareness messages of which something was refused.
    refusals: u32,
}

/// A room's awareness states, bounded by [`AwarenessBounds`].
#[derive(Default)]
pub struct Awareness {
    states: HashMap<u64, AwarenessState>,
    /// Bytes of state JSON held in `states`.
    bytes: usize,
    /// Only connections that sent awareness have an entry.
    holders: HashMap<ConnId, AwarenessHolder>,
    /// Every held state as one frame in each framing, encoded on the first QueryAwareness after
    /// a change and shared by every answer until the next change.
    snapshot_mux: Option<Bytes>,
    snapshot_yws: Option<Bytes>,
}

/// What [`Awareness::take`] did with one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Held (or cleared) and to be relayed.
    Yes,
    /// Older than what is held, or clearing a client id nobody holds: nothing to do.
    Ignored,
    /// Past a bound: state bytes or client ids of the room, client ids of the connection.
    OverLimit,
    /// The client id belongs to another connection.
    Spoofed,
}

/// What a room did with a client's awareness update.
#[derive(Debug, Default)]
pub struct AwarenessOutcome<'u> {
    /// The entries the room took, as an update (already relayed to its other subscribers).
    pub relayed: Option<Cow<'u, [u8]>>,
    /// Entries refused for a bound: state size or shape, client ids per connection, states or
    /// bytes per room.
    pub over_limit: usize,
    /// Entries for client ids another connection introduced.
    pub spoofed: usize,
    /// The sender has had more messages refused than allowed: close its channel.
    pub abusive: bool,
}

impl Awareness {
    /// Takes one entry from `from`, within the bounds and only for a client id it owns.
    pub fn take(
        &mut self,
        from: ConnId,
        entry: &AwarenessEntry,
        bounds: &AwarenessBounds,
    ) -> Taken {
        let cleared = entry.state_json == "null";
        let new_bytes = if cleared { 0 } else { entry.state_json.len() };
        let room_bytes = self.bytes;
        if let Some(held) = self.states.get_mut(&entry.client_id) {
            if held.conn != from {
                return Taken::Spoofed;
            }
            if entry.clock < held.clock {
                return Taken::Ignored;
            }
            let old_bytes = held.state_json.as_ref().map_or(0, String::len);
            let bytes = room_bytes - old_bytes + new_bytes;
            if bytes > bounds.bytes_per_room {
                return Taken::OverLimit;
            }
            self.bytes = bytes;
            if cleared && from == REMOTE {
                // Another relay's client left: that relay tracks its ownership.
                self.states.remove(&entry.client_id);
            } else {
                held.clock = entry.clock;
                held.state_json = (!cleared).then(|| entry.state_json.clone());
            }
            return Taken::Yes;
        }
        if cleared {
            return Taken::Ignored;
        }
        let holder_full = from != REMOTE
            && self.holders.get(&from).map_or(0, |h| h.client_ids) >= bounds.states_per_connection;
        if holder_full
            || self.states.len() >= bounds.states_per_room
            || room_bytes + new_bytes > bounds.bytes_per_room
        {
            return Taken::OverLimit;
        }
        self.states.insert(
            entry.client_id,
            AwarenessState {
                clock: entry.clock,
                state_json: Some(entry.state_json.clone()),
                conn: from,
            },
        );
        self.bytes += new_bytes;
        if from != REMOTE {
            self.holders.entry(from).or_default().client_ids += 1;
        }
        Taken::Yes
    }

    /// Counts a message of `conn` of which something was refused; true once it has had more
    /// such messages than `bounds` allow.
    pub fn refused(&mut self, conn: ConnId, bounds: &AwarenessBounds) -> bool {
        if conn == REMOTE {
            return false;
        }
        let holder = self.holders.entry(conn).or_default();
        holder.refusals = holder.refusals.saturating_add(1);
        holder.refusals > bounds.refusals_before_close
    }

    /// Forgets the shared snapshots after a change.
    pub fn changed(&mut self) {
        self.snapshot_mux = None;
        self.snapshot_yws = None;
    }

    /// Every held state as a frame in `framing` (`None`: no one has a state).
    pub fn snapshot(&mut self, mux_prefix: &[u8], framing: Framing) -> Option<Bytes> {
        let cached = match framing {
            Framing::Mux => &self.snapshot_mux,
            Framing::YWebsocket => &self.snapshot_yws,
        };
        if let Some(snapshot) = cached {
            return Some(snapshot.clone());
        }
        let held: Vec<(u64, u64, &str)> = self
            .states
            .iter()
            .filter_map(|(client_id, s)| {
                s.state_json
                    .as_deref()
                    .map(|json| (*client_id, s.clock, json))
            })
            .collect();
        if held.is_empty() {
            return None;
        }
        let update = sync_protocol::encode_awareness_states(held.into_iter());
        let snapshot = frame(mux_prefix, framing, &awareness_body(&update));
        match framing {
            Framing::Mux => self.snapshot_mux = Some(snapshot.clone()),
            Framing::YWebsocket => self.snapshot_yws = Some(snapshot.clone()),
        }
        Some(snapshot)
    }

    /// Forgets everything `conn` held; the entries that clear its states for everyone else.
    pub fn release(&mut self, conn: ConnId) -> Vec<AwarenessEntry> {
        if self.holders.remove(&conn).is_none() {
            return Vec::new();
        }
        let mut cleared = Vec::new();
        let mut bytes = self.bytes;
        self.states.retain(|client_id, held| {
            if held.conn != conn {
                return true;
            }
            if let Some(json) = &held.state_json {
                bytes -= json.len();
                cleared.push(AwarenessEntry {
                    client_id: *client_id,
                    clock: held.clock.saturating_add(1),
                    state_json: "null".into(),
                });
            }
            false
        });
        self.bytes = bytes;
        self.changed();
        cleared
    }
}
