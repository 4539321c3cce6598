//! Fuzz target: multiplexed and y-websocket frame decoding never panics, and round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sync_protocol::{decode_awareness_update, Limits, MuxFrame, YwsMessage};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    if let Ok(frame) = MuxFrame::decode(data, &limits) {
        // Whatever decodes must re-encode to something that decodes to the same value.
        let again = MuxFrame::decode(&frame.encode(), &limits);
        assert_eq!(again.as_ref(), Ok(&frame));
    }
    if let Ok(message) = YwsMessage::decode(data, &limits) {
        let again = YwsMessage::decode(&message.encode(), &limits);
        assert_eq!(again.as_ref(), Ok(&message));
    }
    let _ = decode_awareness_update(data, &limits);
});
