//! y-protocols sync messages (Step1, Step2, Update) and awareness update bodies.

use crate::error::{ProtocolError, Result};
use crate::lib0::{write_var_bytes, write_var_string, write_var_u64, Decoder};

/// y-protocols `messageYjsSyncStep1` / `Step2` / `Update`. Payloads are raw Yjs v1 bytes;
/// check them with [`crate::decode_update_checked`] / [`crate::decode_state_vector_checked`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncMessage {
    /// 0: the sender's state vector.
    Step1 { state_vector: Vec<u8> },
    /// 1: everything the receiver lacks, as an update.
    Step2 { update: Vec<u8> },
    /// 2: an incremental update.
    Update { update: Vec<u8> },
}

impl SyncMessage {
    pub(crate) fn decode_from(decoder: &mut Decoder<'_>) -> Result<Self> {
        let tag = decoder.read_var_u64()?;
        let payload = decoder.read_var_bytes()?.to_vec();
        match tag {
            0 => Ok(SyncMessage::Step1 {
                state_vector: payload,
            }),
            1 => Ok(SyncMessage::Step2 { update: payload }),
            2 => Ok(SyncMessage::Update { update: payload }),
            tag => Err(ProtocolError::UnknownTag {
                what: "sync message",
                tag,
            }),
        }
    }

    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let (tag, payload) = match self {
            SyncMessage::Step1 { state_vector } => (0, state_vector),
            SyncMessage::Step2 { update } => (1, update),
            SyncMessage::Update { update } => (2, update),
        };
        write_var_u64(out, tag);
        write_var_bytes(out, payload);
    }
}

/// One client's entry in a y-protocols awareness update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwarenessEntry {
    pub client_id: u64,
    pub clock: u64,
    /// JSON text of the state; `"null"` means the client went away.
    pub state_json: String,
}

/// Decodes the body of an awareness message (`varUint(n)`, then n × `varUint(client)
/// varUint(clock) varString(json)`), checking counts, UTF-8 and JSON nesting depth.
pub fn decode_awareness_update(
    bytes: &[u8],
    limits: &crate::Limits,
) -> Result<Vec<AwarenessEntry>> {
    let (entries, _) = decode_awareness_entries(bytes, limits, None, |state_json| {
        check_json_nesting(state_json, limits.max_nesting).map(|()| true)
    })?;
    Ok(entries)
}

/// The one reader of awareness updates: at most `max_entries` entries (more refuses the
/// update whole), each state shown to `keep` before it is copied (`Ok(false)`: left out and
/// counted, `Err`: the update is refused). Returns the kept entries and how many were left out.
fn decode_awareness_entries(
    bytes: &[u8],
    limits: &crate::Limits,
    max_entries: Option<usize>,
    mut keep: impl FnMut(&str) -> Result<bool>,
) -> Result<(Vec<AwarenessEntry>, usize)> {
    check_frame_size(bytes, limits)?;
    let mut decoder = Decoder::new(bytes, limits.max_string_bytes);
    let count = decoder.read_var_u64()?;
    // Each entry is at least 3 bytes: client, clock, empty string length.
    decoder.check_count("awareness entry", count, 3)?;
    if let Some(max) = max_entries.filter(|&max| count > max as u64) {
        return Err(ProtocolError::LimitExceeded {
            what: "awareness entries",
            actual: count,
            max: max as u64,
        });
    }
    let mut entries = Vec::with_capacity(count as usize);
    let mut left_out = 0;
    for _ in 0..count {
        let client_id = decoder.read_var_u64()?;
        let clock = decoder.read_var_u64()?;
        let state_json = decoder.read_var_string("awareness state")?;
        if !keep(state_json)? {
            left_out += 1;
            continue;
        }
        entries.push(AwarenessEntry {
            client_id,
            clock,
            state_json: state_json.to_owned(),
        });
    }
    decoder.finish()?;
    Ok((entries, left_out))
}

/// Encodes an awareness update body (the inverse of [`decode_awareness_update`]).
pub fn encode_awareness_update(entries: &[AwarenessEntry]) -> Vec<u8> {
    encode_awareness_states(
        entries
            .iter()
            .map(|entry| (entry.client_id, entry.clock, entry.state_json.as_str())),
    )
}

/// Encodes an awareness update body from borrowed `(client id, clock, state JSON)` triples,
/// so a holder of many states encodes them without copying each into an [`AwarenessEntry`].
pub fn encode_awareness_states<'a>(
    states: impl ExactSizeIterator<Item = (u64, u64, &'a str)>,
) -> Vec<u8> {
    let mut out = Vec::new();
    write_var_u64(&mut out, states.len() as u64);
    for (client_id, clock, state_json) in states {
        write_var_u64(&mut out, client_id);
        write_var_u64(&mut out, clock);
        write_var_string(&mut out, state_json);
    }
    out
}

pub(crate) fn check_frame_size(bytes: &[u8], limits: &crate::Limits) -> Result<()> {
    if bytes.len() > limits.max_frame_bytes {
        return Err(ProtocolError::LimitExceeded {
            what: "frame bytes",
            actual: bytes.len() as u64,
            max: limits.max_frame_bytes as u64,
        });
    }
    Ok(())
}

/// Counts bracket depth of JSON text outside string literals, without parsing it, so that
/// a later recursive parser (serde_json in yrs, JSON.parse in browsers) stays shallow.
pub(crate) fn check_json_nesting(json: &str, max_nesting: usize) -> Result<()> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for byte in json.bytes() {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max_nesting {
                    return Err(ProtocolError::NestingTooDeep { max: max_nesting });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Bounds on an awareness update a client sends (see [`decode_awareness_update_checked`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwarenessLimits {
    /// Most entries one update may carry; an update with more is refused whole.
    pub max_entries: usize,
    /// Largest JSON text of one state; a larger state is refused.
    pub max_state_bytes: usize,
}

impl Default for AwarenessLimits {
    fn default() -> Self {
        AwarenessLimits {
            max_entries: 64,
            max_state_bytes: 16 * 1024,
        }
    }
}

/// A client's awareness update after [`decode_awareness_update_checked`]: the entries that
/// may be held, and how many were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAwareness {
    pub entries: Vec<AwarenessEntry>,
    /// Entries whose state was too big, too deep, not JSON or not a JSON object.
    pub refused: usize,
}

/// Decodes a client's awareness update like [`decode_awareness_update`], but refuses an
/// update with more than `awareness.max_entries` entries, and leaves out (uncopied) every
/// entry whose state is neither `null` nor a JSON object of at most
/// `awareness.max_state_bytes` bytes: what a relay may hold and pass on to others.
pub fn decode_awareness_update_checked(
    bytes: &[u8],
    limits: &crate::Limits,
    awareness: &AwarenessLimits,
) -> Result<CheckedAwareness> {
    let (entries, refused) =
        decode_awareness_entries(bytes, limits, Some(awareness.max_entries), |state_json| {
            Ok(check_awareness_state(state_json, limits.max_nesting, awareness).is_ok())
        })?;
    Ok(CheckedAwareness { entries, refused })
}

/// Whether a state may be held: `null` (the client went away), or a JSON object within the
/// size and nesting bounds (y-protocols states are objects; anything else is garbage).
pub fn check_awareness_state(
    state_json: &str,
    max_nesting: usize,
    awareness: &AwarenessLimits,
) -> Result<()> {
    if state_json == "null" {
        return Ok(());
    }
    if state_json.len() > awareness.max_state_bytes {
        return Err(ProtocolError::LimitExceeded {
            what: "awareness state bytes",
            actual: state_json.len() as u64,
            max: awareness.max_state_bytes as u64,
        });
    }
    // Bounded before serde_json recurses into it.
    check_json_nesting(state_json, max_nesting)?;
    serde_json::from_str::<JsonObject>(state_json)
        .map(|_| ())
        .map_err(|_| ProtocolError::NotAJsonObject {
            what: "awareness state",
        })
}

/// Deserializes from any JSON object (and from nothing else) without keeping anything.
struct JsonObject;

impl<'de> serde::Deserialize<'de> for JsonObject {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct ObjectVisitor;

        impl<'de> serde::de::Visitor<'de> for ObjectVisitor {
            type Value = JsonObject;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<JsonObject, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(JsonObject)
            }
        }

        deserializer.deserialize_map(ObjectVisitor)
    }
}
