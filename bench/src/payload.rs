//! Writers' updates: real yrs v1 updates setting a map key, with the send time embedded.
//!
//! The time is nanoseconds since an `Instant` shared by every client of the process, so
//! receivers compute delivery latency without clock skew.

use yrs::updates::decoder::Decode;
use yrs::{Doc, Map, ReadTxn, Transact, Update};

/// Precedes the 20 zero-padded decimal digits of the timestamp inside the value string.
const MARKER: &[u8] = b"tackts:";
const DIGITS: usize = 20;

/// The map value: marker, timestamp, the writer's index, then `x` padding up to
/// `payload_bytes` (if longer). The index lets a writer skip its own updates when a server
/// echoes them back (Hocuspocus and the y-websocket server do): they are not deliveries.
pub fn embed_timestamp(nanos: u64, writer: usize, payload_bytes: usize) -> String {
    let mut value = format!("tackts:{nanos:020}:{writer}:");
    if value.len() < payload_bytes {
        value.extend(std::iter::repeat_n('x', payload_bytes - value.len()));
    }
    value
}

/// The timestamp embedded in raw bytes (an update, or a value string), if any.
pub fn extract_timestamp(bytes: &[u8]) -> Option<u64> {
    let at = bytes
        .windows(MARKER.len())
        .position(|window| window == MARKER)?;
    let digits = bytes.get(at + MARKER.len()..at + MARKER.len() + DIGITS)?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The writer index embedded after the timestamp, if any.
pub fn extract_writer(bytes: &[u8]) -> Option<usize> {
    let at = bytes
        .windows(MARKER.len())
        .position(|window| window == MARKER)?;
    let rest = bytes.get(at + MARKER.len() + DIGITS + 1..)?;
    let end = rest.iter().position(|b| *b == b':')?;
    std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
}

/// Decodes an update as a client would (yrs v1) and returns its embedded send time.
/// `None` if it does not decode or carries no timestamp (e.g. a handshake Step2).
pub fn decode_and_extract(update: &[u8]) -> Option<u64> {
    Update::decode_v1(update).ok()?;
    extract_timestamp(update)
}

/// A writer's document: each edit overwrites its own key in map `m`.
pub struct Writer {
    doc: Doc,
    key: String,
    index: usize,
}

impl Writer {
    pub fn new(index: usize) -> Self {
        Self {
            doc: Doc::new(),
            key: format!("w{index}"),
            index,
        }
    }

    pub fn doc(&self) -> &Doc {
        &self.doc
    }

    /// Sets the writer's key to a timestamped value; returns the incremental v1 update.
    pub fn edit(&mut self, nanos: u64, payload_bytes: usize) -> Vec<u8> {
        let map = self.doc.get_or_insert_map("m");
        let before = self.doc.transact().state_vector();
        map.insert(
            &mut self.doc.transact_mut(),
            self.key.as_str(),
            embed_timestamp(nanos, self.index, payload_bytes),
        );
        self.doc.transact().encode_diff_v1(&before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::updates::decoder::Decode;
    use yrs::Out;

    #[test]
    fn timestamp_round_trips_through_a_real_update() {
        let mut writer = Writer::new(3);
        let first = writer.edit(42, 0);
        let second = writer.edit(1_234_567_890_123, 200);
        assert_eq!(decode_and_extract(&first), Some(42));
        assert_eq!(decode_and_extract(&second), Some(1_234_567_890_123));
        assert_eq!(
            extract_writer(&second),
            Some(3),
            "the writer's index rides along"
        );
        assert!(second.len() >= 200, "padding reaches the payload size");

        // A receiver applying both sees the latest value.
        let receiver = Doc::new();
        for update in [&first, &second] {
            let update = Update::decode_v1(update).expect("decodes");
            receiver
                .transact_mut()
                .apply_update(update)
                .expect("applies");
        }
        let map = receiver.get_or_insert_map("m");
        let txn = receiver.transact();
        let Some(Out::Any(yrs::Any::String(value))) = map.get(&txn, "w3") else {
            panic!("w3 is a string");
        };
        assert_eq!(extract_timestamp(value.as_bytes()), Some(1_234_567_890_123));
    }

    #[test]
    fn bytes_without_marker_or_digits_give_none() {
        assert_eq!(extract_timestamp(b"no marker here"), None);
        assert_eq!(extract_timestamp(b"tackts:123"), None);
        assert_eq!(decode_and_extract(b"\xff\xff"), None);
        assert_eq!(embed_timestamp(7, 12, 0), "tackts:00000000000000000007:12:");
        assert_eq!(
            extract_writer(b"tackts:00000000000000000007:12:xx"),
            Some(12)
        );
        assert_eq!(extract_writer(b"tackts:00000000000000000007"), None);
    }
}
