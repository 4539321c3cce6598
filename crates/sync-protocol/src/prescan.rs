//! A bounded, non-recursive scan of Yjs v1 updates and state vectors, run before yrs sees them.
//!
//! yrs 0.28.1 decodes `Any` values recursively (a ~20 KB update nested 10,000 levels deep
//! overflows the stack and aborts the process), adds clocks with overflow checks that panic in
//! debug builds, and reads a few content kinds differently from Yjs. The scan walks the same
//! layout as yrs's `Update::decode` (update.rs, block.rs, any.rs, id_set.rs) with an explicit
//! stack, and refuses anything yrs could choke on or misread. It allocates nothing but a stack
//! of at most `max_any_depth` entries.

use crate::error::{ProtocolError, Result};
use crate::lib0::Decoder;
use crate::sync::check_json_nesting;

/// Bounds for one update or state vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateLimits {
    pub max_update_bytes: usize,
    /// Any strings inside the update (root names, keys, text, JSON).
    pub max_string_bytes: usize,
    /// Nesting of `Any` values and of embedded JSON text.
    pub max_any_depth: usize,
    /// Clients in the struct section, the delete set, or a state vector (each counted alone).
    pub max_clients: u64,
    /// Struct blocks (GC, Skip, Item) in the whole update.
    pub max_structs: u64,
    /// Ranges in the delete set.
    pub max_delete_ranges: u64,
}

impl Default for UpdateLimits {
    fn default() -> Self {
        UpdateLimits {
            max_update_bytes: 16 * 1024 * 1024,
            max_string_bytes: 8 * 1024 * 1024,
            max_any_depth: 64,
            max_clients: 100_000,
            max_structs: 4_000_000,
            max_delete_ranges: 4_000_000,
        }
    }
}

/// What the scan saw; useful for metrics and for tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateStats {
    pub clients: u64,
    pub structs: u64,
    pub delete_set_clients: u64,
    pub delete_ranges: u64,
    pub deepest_any: usize,
}

/// Yjs client ids are JavaScript safe integers; yrs's `ClientID::new` debug-asserts 53 bits.
pub const MAX_CLIENT_ID: u64 = (1 << 53) - 1;

// Struct info byte, as in yrs block.rs / Yjs.
const BLOCK_GC: u8 = 0;
const BLOCK_SKIP: u8 = 10;
const HAS_ORIGIN: u8 = 0b1000_0000;
const HAS_RIGHT_ORIGIN: u8 = 0b0100_0000;
const HAS_PARENT_SUB: u8 = 0b0010_0000;
// Yjs keeps 5 bits for the content ref; yrs looks at 4. A set 5th bit is refused.
const CONTENT_REF_UNUSED_BIT: u8 = 0b0001_0000;

/// Checks that `bytes` is a well-formed Yjs v1 update within `limits`.
pub fn prescan_update_v1(bytes: &[u8], limits: &UpdateLimits) -> Result<UpdateStats> {
    let mut scan = Scan::new(bytes, limits)?;
    scan.structs()?;
    scan.delete_set()?;
    scan.decoder.finish()?;
    Ok(scan.stats)
}

/// Checks that `bytes` is a well-formed Yjs v1 state vector within `limits`.
pub fn prescan_state_vector_v1(bytes: &[u8], limits: &UpdateLimits) -> Result<UpdateStats> {
    check_size(bytes, limits)?;
    let mut decoder = Decoder::new(bytes, limits.max_string_bytes);
    let clients = read_client_count(&mut decoder, limits, "state vector client")?;
    for _ in 0..clients {
        read_client_id(&mut decoder)?;
        decoder.read_var_u32()?;
    }
    decoder.finish()?;
    Ok(UpdateStats {
        clients,
        ..UpdateStats::default()
    })
}

/// Checks that `bytes` is a well-formed Yjs v1 id set (the delete-set encoding: what undo
/// history is saved as) within `limits`.
pub fn prescan_id_set_v1(bytes: &[u8], limits: &UpdateLimits) -> Result<UpdateStats> {
    let mut scan = Scan::new(bytes, limits)?;
    scan.delete_set()?;
    scan.decoder.finish()?;
    Ok(scan.stats)
}

fn check_size(bytes: &[u8], limits: &UpdateLimits) -> Result<()> {
    if bytes.len() > limits.max_update_bytes {
        return Err(ProtocolError::LimitExceeded {
            what: "update bytes",
            actual: bytes.len() as u64,
            max: limits.max_update_bytes as u64,
        });
    }
    Ok(())
}

/// Reads a client count, bounded by the limit and by the input (each entry ≥ 2 bytes).
fn read_client_count(
    decoder: &mut Decoder<'_>,
    limits: &UpdateLimits,
    what: &'static str,
) -> Result<u64> {
    let clients = u64::from(decoder.read_var_u32()?);
    if clients > limits.max_clients {
        return Err(ProtocolError::LimitExceeded {
            what,
            actual: clients,
            max: limits.max_clients,
        });
    }
    decoder.check_count(what, clients, 2)?;
    Ok(clients)
}

fn read_client_id(decoder: &mut Decoder<'_>) -> Result<u64> {
    let client = decoder.read_var_u64()?;
    if client > MAX_CLIENT_ID {
        return Err(ProtocolError::MalformedUpdate {
            reason: "client id wider than 53 bits",
        });
    }
    Ok(client)
}

struct Scan<'a, 'l> {
    decoder: Decoder<'a>,
    limits: &'l UpdateLimits,
    stats: UpdateStats,
}

/// One open `Any` container on the explicit stack.
struct OpenContainer {
    remaining: u64,
    is_map: bool,
}

impl<'a, 'l> Scan<'a, 'l> {
    /// A scan of `bytes`, refused at once when they are over the size limit.
    fn new(bytes: &'a [u8], limits: &'l UpdateLimits) -> Result<Self> {
        check_size(bytes, limits)?;
        Ok(Scan {
            decoder: Decoder::new(bytes, limits.max_string_bytes),
            limits,
            stats: UpdateStats::default(),
        })
    }

    fn structs(&mut self) -> Result<()> {
        let clients = read_client_count(&mut self.decoder, self.limits, "update client")?;
        self.stats.clients = clients;
        // Bounded by the client count, itself checked against the input length.
        let mut seen_clients = Vec::with_capacity(clients as usize);
        for _ in 0..clients {
            let blocks = u64::from(self.decoder.read_var_u32()?);
            // Every block takes at least two bytes (info + length or content).
            self.decoder.check_count("struct", blocks, 2)?;
            self.stats.structs += blocks;
            if self.stats.structs > self.limits.max_structs {
                return Err(ProtocolError::LimitExceeded {
                    what: "structs",
                    actual: self.stats.structs,
                    max: self.limits.max_structs,
                });
            }
            seen_clients.push(read_client_id(&mut self.decoder)?);
            let mut clock = self.decoder.read_var_u32()?;
            for _ in 0..blocks {
                let len = self.block()?;
                // yrs adds block lengths to the clock with `+=`, which panics on overflow.
                clock = clock
                    .checked_add(len)
                    .ok_or(ProtocolError::MalformedUpdate {
                        reason: "struct clock overflows u32",
                    })?;
            }
        }
        // Real encoders write each client once, its blocks contiguous. yrs appends a repeated
        // client's blocks to the same list out of clock order, then panics (or, in release,
        // wraps a subtraction) while integrating them: found by the prescan_then_yrs fuzzer.
        seen_clients.sort_unstable();
        if seen_clients.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(ProtocolError::MalformedUpdate {
                reason: "client listed twice in the struct section",
            });
        }
        Ok(())
    }

    /// Scans one struct and returns its clock length (0 for an empty item yrs drops).
    fn block(&mut self) -> Result<u32> {
        let info = self.decoder.read_u8()?;
        match info {
            BLOCK_SKIP | BLOCK_GC => {
                let len = self.decoder.read_var_u32()?;
                if len == 0 {
                    return Err(ProtocolError::MalformedUpdate {
                        reason: "zero-length GC or Skip block",
                    });
                }
                Ok(len)
            }
            info => self.item(info),
        }
    }

    fn item(&mut self, info: u8) -> Result<u32> {
        if info & CONTENT_REF_UNUSED_BIT != 0 {
            return Err(ProtocolError::UnknownTag {
                what: "item content",
                tag: u64::from(info & 0b1_1111),
            });
        }
        if info & HAS_ORIGIN != 0 {
            self.id()?;
        }
        if info & HAS_RIGHT_ORIGIN != 0 {
            self.id()?;
        }
        if info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN) == 0 {
            match self.decoder.read_var_u32()? {
                1 => {
                    self.decoder.read_var_string("root type name")?;
                }
                0 => self.id()?,
                tag => {
                    return Err(ProtocolError::UnknownTag {
                        what: "parent info",
                        tag: u64::from(tag),
                    })
                }
            }
            if info & HAS_PARENT_SUB != 0 {
                self.decoder.read_var_string("map key")?;
            }
        }
        self.content(info & 0b1111)
    }

    fn id(&mut self) -> Result<()> {
        read_client_id(&mut self.decoder)?;
        self.decoder.read_var_u32()?;
        Ok(())
    }

    /// Content kinds as numbered in yrs block.rs (`BLOCK_ITEM_*_REF_NUMBER`).
    fn content(&mut self, content_ref: u8) -> Result<u32> {
        match content_ref {
            // Deleted: a length.
            1 => self.decoder.read_var_u32(),
            // JSON (legacy): yrs 0.28.1 reads one string more than Yjs writes, so the two
            // disagree on where the next struct starts. Nothing current produces it.
            2 => Err(ProtocolError::MalformedUpdate {
                reason: "legacy JSON content is not accepted",
            }),
            // Binary.
            3 => {
                self.decoder.read_var_bytes()?;
                Ok(1)
            }
            // String: its clock length is its UTF-16 length.
            4 => {
                let text = self.decoder.read_var_string("string content")?;
                let utf16_len: usize = text.chars().map(char::len_utf16).sum();
                u32::try_from(utf16_len).map_err(|_| ProtocolError::MalformedUpdate {
                    reason: "string content longer than u32",
                })
            }
            // Embed: JSON text.
            5 => {
                self.json("embed JSON")?;
                Ok(1)
            }
            // Format: key, JSON text.
            6 => {
                self.decoder.read_var_string("format key")?;
                self.json("format JSON")?;
                Ok(1)
            }
            // Type: a type ref, plus a name for XmlElement.
            7 => {
                self.type_ref()?;
                Ok(1)
            }
            // Any: a count, then that many values.
            8 => {
                let count = self.decoder.read_var_u32()?;
                self.decoder.check_count("any value", u64::from(count), 1)?;
                for _ in 0..count {
                    self.any()?;
                }
                Ok(count)
            }
            // Doc: guid, then an Any of options.
            9 => {
                self.decoder.read_var_string("subdocument guid")?;
                self.any()?;
                Ok(1)
            }
            tag => Err(ProtocolError::UnknownTag {
                what: "item content",
                tag: u64::from(tag),
            }),
        }
    }

    fn type_ref(&mut self) -> Result<()> {
        match self.decoder.read_u8()? {
            // Array, Map, Text, XmlFragment, XmlText, SubDoc, Undefined.
            0 | 1 | 2 | 4 | 6 | 9 | 15 => Ok(()),
            // XmlElement carries its node name.
            3 => {
                self.decoder.read_var_string("xml element name")?;
                Ok(())
            }
            // XmlHook: Yjs writes a hook name, yrs 0.28.1 does not read one; refused rather than
            // let the two parsers disagree on the layout.
            5 => Err(ProtocolError::MalformedUpdate {
                reason: "XmlHook type is not accepted",
            }),
            // 7 WeakLink needs yrs's `weak` feature, which is off.
            tag => Err(ProtocolError::UnknownTag {
                what: "type ref",
                tag: u64::from(tag),
            }),
        }
    }

    fn json(&mut self, what: &'static str) -> Result<()> {
        let text = self.decoder.read_var_string(what)?;
        check_json_nesting(text, self.limits.max_any_depth)
    }

    /// One lib0 `Any` value (any.rs tags 116..=127), walked with an explicit bounded stack.
    fn any(&mut self) -> Result<()> {
        let max_depth = self.limits.max_any_depth;
        let mut open: Vec<OpenContainer> = Vec::new();
        loop {
            match self.decoder.read_u8()? {
                // undefined, null, false, true
                127 | 126 | 121 | 120 => {}
                125 => {
                    self.decoder.read_var_i64()?;
                }
                124 => {
                    self.decoder.read_exact(4)?;
                }
                123 | 122 => {
                    self.decoder.read_exact(8)?;
                }
                119 => {
                    self.decoder.read_var_string("any string")?;
                }
                116 => {
                    self.decoder.read_var_bytes()?;
                }
                tag @ (117 | 118) => {
                    let is_map = tag == 118;
                    let depth = open.len() + 1;
                    if depth > max_depth {
                        return Err(ProtocolError::NestingTooDeep { max: max_depth });
                    }
                    self.stats.deepest_any = self.stats.deepest_any.max(depth);
                    let len = self.decoder.read_var_u64()?;
                    // A map entry is at least a key length and a value tag.
                    let min_entry = if is_map { 2 } else { 1 };
                    self.decoder.check_count("any entry", len, min_entry)?;
                    if len > 0 {
                        open.push(OpenContainer {
                            remaining: len,
                            is_map,
                        });
                        if is_map {
                            self.decoder.read_var_string("any map key")?;
                        }
                        continue;
                    }
                }
                tag => {
                    return Err(ProtocolError::UnknownTag {
                        what: "any value",
                        tag: u64::from(tag),
                    })
                }
            }
            // A value is complete: close every container it completes, then start the next.
            loop {
                let Some(top) = open.last_mut() else {
                    return Ok(());
                };
                top.remaining -= 1;
                if top.remaining > 0 {
                    if top.is_map {
                        self.decoder.read_var_string("any map key")?;
                    }
                    break;
                }
                open.pop();
            }
        }
    }

    fn delete_set(&mut self) -> Result<()> {
        let clients = read_client_count(&mut self.decoder, self.limits, "delete set client")?;
        self.stats.delete_set_clients = clients;
        for _ in 0..clients {
            read_client_id(&mut self.decoder)?;
            let ranges = u64::from(self.decoder.read_var_u32()?);
            self.decoder.check_count("delete range", ranges, 2)?;
            self.stats.delete_ranges += ranges;
            if self.stats.delete_ranges > self.limits.max_delete_ranges {
                return Err(ProtocolError::LimitExceeded {
                    what: "delete ranges",
                    actual: self.stats.delete_ranges,
                    max: self.limits.max_delete_ranges,
                });
            }
            for _ in 0..ranges {
                let clock = self.decoder.read_var_u32()?;
                let len = self.decoder.read_var_u32()?;
                // yrs builds `clock..clock + len`, which panics on overflow in debug builds.
                clock
                    .checked_add(len)
                    .ok_or(ProtocolError::MalformedUpdate {
                        reason: "delete range overflows u32",
                    })?;
            }
        }
        Ok(())
    }
}
