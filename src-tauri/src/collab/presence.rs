//! Presence: what this app says about its user on each board (awareness), who else is there
//! and what they selected, and whose change won when two wrote the same task field.

use serde::{Deserialize, Serialize};
use sync_client::{AwarenessEvent, ConflictEvent};

use super::{lock, AppEvent, Collab, CollabContext};
use crate::ipc::{ConflictNotice, IpcError, Person, PresenceEvent};

/// What this app puts in awareness for each board (JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AwarenessState {
    user_id: String,
    name: String,
    task_id: Option<String>,
    /// The yrs client id of the sender's replica of this board: names conflict winners.
    client: Option<u64>,
    /// This app run: our own state echoed back is not someone else.
    instance: String,
}

#[derive(Debug, Clone)]
pub(super) struct Peer {
    person: Person,
    client: Option<u64>,
}

impl Collab {
    /// The selected task on a board (or none): goes out in awareness; presence is re-emitted.
    pub fn set_selection(&self, board_id: &str, task_id: Option<String>) -> Result<(), IpcError> {
        let account = self.context.state().account.clone();
        self.context
            .state()
            .selection
            .insert(board_id.to_owned(), task_id.clone());
        if let Some(account) = account {
            let session = lock(&self.context.session);
            let awareness = AwarenessState {
                user_id: account.user_id.clone(),
                name: account.email.clone(),
                task_id,
                client: session.client_id(board_id),
                instance: self.context.instance.clone(),
            };
            if let Some(sync) = session.sync() {
                let json = serde_json::to_string(&awareness)
                    .map_err(|err| IpcError::invalid(err.to_string()))?;
                if let Err(err) = sync.set_awareness(board_id, &json) {
                    tracing::warn!(%err, "the sync client has stopped");
                }
            }
        }
        emit_presence(&self.context, board_id);
        Ok(())
    }
}

pub(super) fn on_awareness(context: &CollabContext, event: AwarenessEvent) {
    {
        let mut state = context.state();
        let peers = state.peers.entry(event.board.clone()).or_default();
        for entry in event.entries {
            if entry.state_json == "null" {
                peers.remove(&entry.client_id);
                continue;
            }
            let Ok(them) = serde_json::from_str::<AwarenessState>(&entry.state_json) else {
                // Another kind of client (a plain Yjs editor): not a person we can show.
                continue;
            };
            if them.instance == context.instance {
                continue;
            }
            peers.insert(
                entry.client_id,
                Peer {
                    person: person(&them.user_id, &them.name, them.task_id, false),
                    client: them.client,
                },
            );
        }
    }
    emit_presence(context, &event.board);
}

pub(super) fn emit_presence(context: &CollabContext, board_id: &str) {
    let state = context.state();
    let mut people = Vec::new();
    if let Some(account) = &state.account {
        let selected = state.selection.get(board_id).cloned().flatten();
        people.push(person(&account.user_id, &account.email, selected, true));
    }
    let mut others: Vec<Person> = state
        .peers
        .get(board_id)
        .map(|peers| peers.values().map(|p| p.person.clone()).collect())
        .unwrap_or_default();
    others.sort_by(|a, b| a.name.cmp(&b.name));
    people.extend(others);
    drop(state);
    context.sink.emit(AppEvent::Presence(PresenceEvent {
        board_id: board_id.to_owned(),
        people,
    }));
}

pub(super) fn on_conflict(context: &CollabContext, conflict: ConflictEvent) {
    // Only a change of mine that lost is news to me.
    let mine = lock(&context.session).client_id(&conflict.board);
    if mine != Some(conflict.loser_client) {
        return;
    }
    let winner = context
        .state()
        .peers
        .get(&conflict.board)
        .and_then(|peers| {
            peers
                .values()
                .find(|p| p.client == Some(conflict.winner_client))
                .map(|p| p.person.name.clone())
        })
        .unwrap_or_else(|| "someone".to_owned());
    context.sink.emit(AppEvent::Conflict(ConflictNotice {
        text: conflict_text(&winner, &conflict.field),
        board_id: conflict.board,
        task_id: conflict.task,
        field: conflict.field,
        winner,
    }));
}

/// "Alice changed the title at the same time; their version was kept."
pub fn conflict_text(winner: &str, field: &str) -> String {
    format!("{winner} changed the {field} at the same time; their version was kept.")
}

/// A person as shown: initials and a colour derived from the user id (same everywhere).
pub fn person(user_id: &str, name: &str, selected: Option<String>, me: bool) -> Person {
    Person {
        user_id: user_id.to_owned(),
        name: name.to_owned(),
        initials: initials(name),
        color: color_of(user_id),
        selected_task_id: selected,
        me,
    }
}

fn initials(name: &str) -> String {
    let local = name.split('@').next().unwrap_or(name);
    let mut letters = local
        .split(|c: char| !c.is_alphanumeric())
        .filter_map(|word| word.chars().next())
        .flat_map(char::to_uppercase);
    let first = letters.next();
    let second = letters.next();
    match (first, second) {
        (Some(a), Some(b)) => format!("{a}{b}"),
        (Some(a), None) => a.to_string(),
        _ => "?".to_owned(),
    }
}

/// A readable colour (fixed saturation and lightness, hue from an FNV-1a hash of the id).
pub fn color_of(user_id: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in user_id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    let hue = f64::from(hash % 360);
    let (s, l) = (0.65_f64, 0.45_f64);
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((hue / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match hue as u32 / 60 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let to_byte = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", to_byte(r), to_byte(g), to_byte(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_get_initials_and_a_stable_colour() {
        assert_eq!(initials("ada.lovelace@example.com"), "AL");
        assert_eq!(initials("bob@example.com"), "B");
        assert_eq!(color_of("u1"), color_of("u1"));
        assert_ne!(color_of("u1"), color_of("u2"));
        assert_eq!(color_of("u1").len(), 7);
    }
}
