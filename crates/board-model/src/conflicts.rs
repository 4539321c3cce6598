//! Concurrent writes to one field of one task, found in the updates a replica integrates.
//!
//! A Yjs map entry records, as its `origin`, the entry it overwrote. Two writes of the same
//! task field with the same origin (or both with none) were made without either writer seeing
//! the other: a conflict, settled by Yjs's rule (of two siblings, the higher client id ends
//! rightmost and is the value). yrs does not expose origins, so [`ConflictTracker`] reads them
//! from the Yjs v1 bytes itself: it indexes every task entry and every task field write it is
//! shown, and reports a [`FieldConflict`] when a write arrives that is a sibling of one already
//! seen from another client. Feed it every update the replica integrates (stored history
//! first, then local and remote updates as they come); the order between concurrent updates
//! does not matter, each conflict is reported once, when the second write is seen.

use std::collections::HashMap;

use sync_protocol::lib0::Decoder;

const TASKS_ROOT: &str = "tasks";
/// Bookkeeping every edit writes; two people editing different things of one task both write
/// it, which is not a conflict anyone needs to hear about.
const NOT_A_PERSONS_EDIT: [&str; 1] = ["updatedAt"];
const HAS_ORIGIN: u8 = 0b1000_0000;
const HAS_RIGHT_ORIGIN: u8 = 0b0100_0000;
const HAS_PARENT_SUB: u8 = 0b0010_0000;
const BLOCK_GC: u8 = 0;
const BLOCK_SKIP: u8 = 10;
const CONTENT_TYPE: u8 = 7;

/// A yrs item id: (client, clock).
type ItemId = (u64, u32);

/// Two replicas wrote the same field of the same task without seeing each other's write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldConflict {
    pub task: String,
    /// The task map key: `title`, `column`, `rank`, `due`, `archived`, ...
    pub field: String,
    /// The yrs client id whose value the field now shows.
    pub winner_client: u64,
    /// The yrs client id whose write was overwritten.
    pub loser_client: u64,
}

#[derive(Debug, Clone, Copy)]
struct FieldWrite {
    id: ItemId,
    origin: Option<ItemId>,
}

/// Indexes task field writes and reports concurrent ones; see the module documentation.
#[derive(Debug, Default)]
pub struct ConflictTracker {
    /// Item id of each task's `Y.Map` (an entry of the `tasks` root) → task id.
    task_maps: HashMap<ItemId, String>,
    /// Item id of each field write → (task, field).
    field_of_write: HashMap<ItemId, (String, String)>,
    /// Writes per (task, field).
    writes: HashMap<(String, String), Vec<FieldWrite>>,
    conflicts_seen: u64,
}

/// What a struct of the update says, as far as conflicts go.
struct ItemHeader {
    id: ItemId,
    origin: Option<ItemId>,
    parent: Option<Parent>,
    parent_sub: Option<String>,
    is_type: bool,
}

enum Parent {
    Root(String),
    Item(ItemId),
}

impl ConflictTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many conflicts this tracker has reported.
    pub fn conflicts_seen(&self) -> u64 {
        self.conflicts_seen
    }

    /// Reads one Yjs v1 update (one yrs accepted) and returns the conflicts it completes.
    /// Bytes it cannot read yield no conflicts: this is a signal, not a validator.
    pub fn observe(&mut self, update: &[u8]) -> Vec<FieldConflict> {
        let mut items = Vec::new();
        if read_items(update, &mut items).is_none() {
            return Vec::new();
        }
        let mut conflicts = Vec::new();
        for item in items {
            self.index(item, &mut conflicts);
        }
        self.conflicts_seen += conflicts.len() as u64;
        conflicts
    }

    fn index(&mut self, item: ItemHeader, conflicts: &mut Vec<FieldConflict>) {
        let target = match (&item.parent, &item.parent_sub, item.origin) {
            (Some(Parent::Root(root)), Some(task), _) if root == TASKS_ROOT && item.is_type => {
                self.task_maps.insert(item.id, task.clone());
                return;
            }
            (Some(Parent::Item(map)), Some(field), None) => match self.task_maps.get(map) {
                Some(task) => (task.clone(), field.clone()),
                None => return,
            },
            (None, _, Some(origin)) => match self.field_of_write.get(&origin) {
                Some(target) => target.clone(),
                None => return,
            },
            _ => return,
        };
        if NOT_A_PERSONS_EDIT.contains(&target.1.as_str()) {
            return;
        }
        let write = FieldWrite {
            id: item.id,
            origin: item.origin,
        };
        let siblings = self.writes.entry(target.clone()).or_default();
        if siblings.iter().any(|w| w.id == write.id) {
            return;
        }
        for other in siblings.iter() {
            if other.origin == write.origin && other.id.0 != write.id.0 {
                let (winner, loser) = if write.id.0 > other.id.0 {
                    (write.id.0, other.id.0)
                } else {
                    (other.id.0, write.id.0)
                };
                conflicts.push(FieldConflict {
                    task: target.0.clone(),
                    field: target.1.clone(),
                    winner_client: winner,
                    loser_client: loser,
                });
            }
        }
        siblings.push(write);
        self.field_of_write.insert(write.id, target);
    }
}

/// Item headers of an update's struct section, or None if it does not read as Yjs v1.
fn read_items(update: &[u8], items: &mut Vec<ItemHeader>) -> Option<()> {
    let mut decoder = Decoder::new(update, usize::MAX);
    let clients = decoder.read_var_u64().ok()?;
    for _ in 0..clients {
        let blocks = decoder.read_var_u64().ok()?;
        let client = decoder.read_var_u64().ok()?;
        let mut clock = decoder.read_var_u32().ok()?;
        for _ in 0..blocks {
            let info = decoder.read_u8().ok()?;
            let len = match info {
                BLOCK_GC | BLOCK_SKIP => decoder.read_var_u32().ok()?,
                info => {
                    let origin = if info & HAS_ORIGIN != 0 {
                        Some(read_id(&mut decoder)?)
                    } else {
                        None
                    };
                    if info & HAS_RIGHT_ORIGIN != 0 {
                        read_id(&mut decoder)?;
                    }
                    let (parent, parent_sub) = if info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN) == 0 {
                        let parent = match decoder.read_var_u32().ok()? {
                            1 => Parent::Root(decoder.read_var_string("root").ok()?.to_owned()),
                            0 => Parent::Item(read_id(&mut decoder)?),
                            _ => return None,
                        };
                        let sub = if info & HAS_PARENT_SUB != 0 {
                            Some(decoder.read_var_string("key").ok()?.to_owned())
                        } else {
                            None
                        };
                        (Some(parent), sub)
                    } else {
                        (None, None)
                    };
                    let content = info & 0b1111;
                    let len = skip_content(&mut decoder, content)?;
                    items.push(ItemHeader {
                        id: (client, clock),
                        origin,
                        parent,
                        parent_sub,
                        is_type: content == CONTENT_TYPE,
                    });
                    len
                }
            };
            clock = clock.checked_add(len)?;
        }
    }
    Some(())
}

fn read_id(decoder: &mut Decoder<'_>) -> Option<ItemId> {
    let client = decoder.read_var_u64().ok()?;
    let clock = decoder.read_var_u32().ok()?;
    Some((client, clock))
}

/// Skips an item's content; returns its clock length.
fn skip_content(decoder: &mut Decoder<'_>, content: u8) -> Option<u32> {
    match content {
        1 => decoder.read_var_u32().ok(),
        3 => decoder.read_var_bytes().ok().map(|_| 1),
        4 => {
            let text = decoder.read_var_string("text").ok()?;
            u32::try_from(text.chars().map(char::len_utf16).sum::<usize>()).ok()
        }
        5 => decoder.read_var_string("embed").ok().map(|_| 1),
        6 => {
            decoder.read_var_string("format key").ok()?;
            decoder.read_var_string("format value").ok().map(|_| 1)
        }
        7 => {
            if decoder.read_u8().ok()? == 3 {
                decoder.read_var_string("xml name").ok()?;
            }
            Some(1)
        }
        8 => {
            let count = decoder.read_var_u32().ok()?;
            for _ in 0..count {
                skip_any(decoder)?;
            }
            Some(count)
        }
        9 => {
            decoder.read_var_string("guid").ok()?;
            skip_any(decoder).map(|()| 1)
        }
        _ => None,
    }
}

/// Skips one lib0 `Any` value without recursion.
fn skip_any(decoder: &mut Decoder<'_>) -> Option<()> {
    // Values still to read in each open array/object (objects also read a key per value).
    let mut open: Vec<(u64, bool)> = Vec::new();
    loop {
        match decoder.read_u8().ok()? {
            127 | 126 | 121 | 120 => {}
            125 => {
                decoder.read_var_i64().ok()?;
            }
            124 => {
                decoder.read_exact(4).ok()?;
            }
            123 | 122 => {
                decoder.read_exact(8).ok()?;
            }
            119 => {
                decoder.read_var_string("any string").ok()?;
            }
            116 => {
                decoder.read_var_bytes().ok()?;
            }
            tag @ (117 | 118) => {
                let len = decoder.read_var_u64().ok()?;
                if len > 0 {
                    if tag == 118 {
                        decoder.read_var_string("any key").ok()?;
                    }
                    open.push((len, tag == 118));
                    continue;
                }
            }
            _ => return None,
        }
        loop {
            let Some((remaining, is_map)) = open.last_mut() else {
                return Some(());
            };
            *remaining -= 1;
            if *remaining > 0 {
                if *is_map {
                    decoder.read_var_string("any key").ok()?;
                }
                break;
            }
            open.pop();
        }
    }
}
