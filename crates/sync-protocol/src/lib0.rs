//! lib0 binary primitives (`varUint`, `varInt`, `varString`, `varByteArray`) with a bounded decoder.

use crate::error::{ProtocolError, Result};

/// Bounds applied while decoding frames. Everything is checked before anything is allocated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest whole frame accepted.
    pub max_frame_bytes: usize,
    /// Largest single string (board name, token, reason, stateless payload).
    pub max_string_bytes: usize,
    /// Deepest nesting accepted in structured payloads (awareness JSON states).
    pub max_nesting: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame_bytes: 16 * 1024 * 1024,
            max_string_bytes: 1024 * 1024,
            max_nesting: 64,
        }
    }
}

/// A cursor over borrowed bytes that refuses to read past the end or past its limits.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    input: &'a [u8],
    position: usize,
    max_string_bytes: usize,
}

impl<'a> Decoder<'a> {
    /// A decoder with a per-string limit; the input length itself is the caller's to bound.
    pub fn new(input: &'a [u8], max_string_bytes: usize) -> Self {
        Decoder {
            input,
            position: 0,
            max_string_bytes,
        }
    }

    pub fn remaining(&self) -> usize {
        self.input.len() - self.position
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub fn position(&self) -> usize {
        self.position
    }

    /// Errors unless every byte was consumed.
    pub fn finish(&self) -> Result<()> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(ProtocolError::TrailingBytes { count }),
        }
    }

    pub fn read_u8(&mut self) -> Result<u8> {
        let byte = *self
            .input
            .get(self.position)
            .ok_or(ProtocolError::UnexpectedEnd {
                needed: 1,
                remaining: 0,
            })?;
        self.position += 1;
        Ok(byte)
    }

    /// Borrows every byte not read yet; the decoder is then empty.
    pub fn read_rest(&mut self) -> &'a [u8] {
        let rest = &self.input[self.position..];
        self.position = self.input.len();
        rest
    }

    /// Borrows exactly `len` bytes.
    pub fn read_exact(&mut self, len: u64) -> Result<&'a [u8]> {
        let remaining = self.remaining();
        let len = usize::try_from(len)
            .ok()
            .filter(|&len| len <= remaining)
            .ok_or(ProtocolError::UnexpectedEnd {
                needed: len,
                remaining,
            })?;
        let bytes = &self.input[self.position..self.position + len];
        self.position += len;
        Ok(bytes)
    }

    /// lib0 `readVarUint`: 7 bits per byte, little-endian, at most 10 bytes, must fit u64.
    pub fn read_var_u64(&mut self) -> Result<u64> {
        let mut value: u64 = 0;
        for index in 0..10u32 {
            let byte = self.read_u8()?;
            let bits = u64::from(byte & 0x7f);
            if index == 9 && bits > 1 {
                return Err(ProtocolError::InvalidVarInt);
            }
            value |= bits << (7 * index);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ProtocolError::InvalidVarInt)
    }

    /// A `varUint` that must fit in 32 bits (clocks, lengths in Yjs updates).
    pub fn read_var_u32(&mut self) -> Result<u32> {
        u32::try_from(self.read_var_u64()?).map_err(|_| ProtocolError::InvalidVarInt)
    }

    /// lib0 `readVarInt`: first byte carries continuation, sign and 6 bits; then 7 bits per byte.
    pub fn read_var_i64(&mut self) -> Result<i64> {
        let first = self.read_u8()?;
        let negative = first & 0x40 != 0;
        let mut magnitude = u64::from(first & 0x3f);
        let mut more = first & 0x80 != 0;
        let mut shift = 6u32;
        while more {
            let byte = self.read_u8()?;
            let bits = u64::from(byte & 0x7f);
            // Magnitude must stay below 2^63; more bits would overflow (yrs shifts past 64).
            if shift >= 63 || (shift > 56 && bits >> (63 - shift) != 0) {
                return Err(ProtocolError::InvalidVarInt);
            }
            magnitude |= bits << shift;
            shift += 7;
            more = byte & 0x80 != 0;
        }
        let value = i64::try_from(magnitude).map_err(|_| ProtocolError::InvalidVarInt)?;
        Ok(if negative { -value } else { value })
    }

    /// A declared length checked against the remaining input before anything is reserved.
    pub fn read_length(&mut self, what: &'static str) -> Result<u64> {
        let declared = self.read_var_u64()?;
        self.check_count(what, declared, 1)?;
        Ok(declared)
    }

    /// Errors if `count` items of at least `min_item_bytes` each cannot fit in what remains.
    pub fn check_count(&self, what: &'static str, count: u64, min_item_bytes: u64) -> Result<()> {
        let remaining = self.remaining();
        let needed = count.saturating_mul(min_item_bytes);
        if needed > remaining as u64 {
            return Err(ProtocolError::LengthExceedsInput {
                what,
                declared: count,
                remaining,
            });
        }
        Ok(())
    }

    /// lib0 `readVarUint8Array`.
    pub fn read_var_bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.read_length("byte array")?;
        self.read_exact(len)
    }

    /// lib0 `readVarString`: length-prefixed UTF-8, within the string limit.
    pub fn read_var_string(&mut self, what: &'static str) -> Result<&'a str> {
        let len = self.read_length(what)?;
        if len > self.max_string_bytes as u64 {
            return Err(ProtocolError::LimitExceeded {
                what,
                actual: len,
                max: self.max_string_bytes as u64,
            });
        }
        let bytes = self.read_exact(len)?;
        std::str::from_utf8(bytes).map_err(|_| ProtocolError::InvalidUtf8 { what })
    }
}

/// lib0 `writeVarUint`.
pub fn write_var_u64(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// lib0 `writeVarInt` (sign in the first byte's bit 6).
pub fn write_var_i64(out: &mut Vec<u8>, value: i64) {
    let negative = value < 0;
    let mut magnitude = value.unsigned_abs();
    let continues = magnitude > 0x3f;
    out.push(
        (if continues { 0x80 } else { 0 })
            | (if negative { 0x40 } else { 0 })
            | (magnitude as u8 & 0x3f),
    );
    magnitude >>= 6;
    while magnitude > 0 {
        let continues = magnitude > 0x7f;
        out.push((if continues { 0x80 } else { 0 }) | (magnitude as u8 & 0x7f));
        magnitude >>= 7;
    }
}

/// lib0 `writeVarUint8Array`.
pub fn write_var_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_var_u64(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// lib0 `writeVarString`.
pub fn write_var_string(out: &mut Vec<u8>, text: &str) {
    write_var_bytes(out, text.as_bytes());
}
