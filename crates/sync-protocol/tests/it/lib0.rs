//! Primitive encodings: varUint, varInt, strings, byte arrays, and their error cases.

use sync_protocol::lib0::{write_var_i64, write_var_string, write_var_u64, Decoder};
use sync_protocol::ProtocolError;

#[test]
fn var_uint_matches_lib0_examples() {
    for (value, bytes) in [
        (0u64, vec![0x00]),
        (127, vec![0x7f]),
        (128, vec![0x80, 0x01]),
        (300, vec![0xac, 0x02]),
        (
            u64::MAX,
            vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
        ),
    ] {
        let mut out = Vec::new();
        write_var_u64(&mut out, value);
        assert_eq!(out, bytes, "encoding {value}");
        assert_eq!(Decoder::new(&bytes, 16).read_var_u64(), Ok(value));
    }
}

#[test]
fn var_uint_rejects_overlong_and_overflow() {
    // 11 bytes.
    let overlong = [
        0x80u8, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
    ];
    assert_eq!(
        Decoder::new(&overlong, 16).read_var_u64(),
        Err(ProtocolError::InvalidVarInt)
    );
    // 10 bytes whose last carries bits beyond 64.
    let overflow = [0xffu8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
    assert_eq!(
        Decoder::new(&overflow, 16).read_var_u64(),
        Err(ProtocolError::InvalidVarInt)
    );
    // Truncated.
    assert!(matches!(
        Decoder::new(&[0x80], 16).read_var_u64(),
        Err(ProtocolError::UnexpectedEnd { .. })
    ));
}

#[test]
fn var_int_matches_lib0_examples() {
    // lib0 writeVarInt: sign in bit 6 of the first byte.
    for (value, bytes) in [
        (0i64, vec![0x00]),
        (1, vec![0x01]),
        (-1, vec![0x41]),
        (63, vec![0x3f]),
        (64, vec![0x80, 0x01]),
        (-64, vec![0xc0, 0x01]),
    ] {
        let mut out = Vec::new();
        write_var_i64(&mut out, value);
        assert_eq!(out, bytes, "encoding {value}");
        assert_eq!(Decoder::new(&bytes, 16).read_var_i64(), Ok(value));
    }
    let too_long = [0xffu8; 11];
    assert_eq!(
        Decoder::new(&too_long, 16).read_var_i64(),
        Err(ProtocolError::InvalidVarInt)
    );
}

#[test]
fn strings_are_bounded_and_utf8_checked() {
    let mut out = Vec::new();
    write_var_string(&mut out, "héllo");
    assert_eq!(Decoder::new(&out, 16).read_var_string("s"), Ok("héllo"));
    assert!(matches!(
        Decoder::new(&out, 3).read_var_string("s"),
        Err(ProtocolError::LimitExceeded {
            what: "s",
            actual: 6,
            max: 3
        })
    ));
    assert_eq!(
        Decoder::new(&[0x02, 0xc3, 0x28], 16).read_var_string("s"),
        Err(ProtocolError::InvalidUtf8 { what: "s" })
    );
    // A length claiming far more than the input holds is refused before any allocation.
    assert!(matches!(
        Decoder::new(&[0xff, 0xff, 0xff, 0x7a], usize::MAX).read_var_string("s"),
        Err(ProtocolError::LengthExceedsInput { .. })
    ));
}
