//! The Connect protocol's error bodies (connectrpc.com/docs/protocol, "Error end-stream"), as far
//! as a vendor's error rules need them: the code names as gRPC numbers, a detail's base64 value,
//! and the length-delimited fields of the protobuf message inside it. Wire knowledge, not a
//! vendor's: a vendor's adapter says which fields mean what.
//!
//! Everything here reads untrusted bytes: nothing panics, nothing reads past its input (a field
//! is a slice of it), and anything malformed gives `None` (fuzzed by
//! `fuzz/fuzz_targets/protobuf_fields.rs`).

use base64::Engine as _;

/// The Connect code names, in the order of their gRPC numbers (`ok` is 0).
const CODES: [&str; 17] = [
    "ok",
    "canceled",
    "unknown",
    "invalid_argument",
    "deadline_exceeded",
    "not_found",
    "already_exists",
    "permission_denied",
    "resource_exhausted",
    "failed_precondition",
    "aborted",
    "out_of_range",
    "unimplemented",
    "internal",
    "unavailable",
    "data_loss",
    "unauthenticated",
];

/// The gRPC code number of a Connect code name (`"unavailable"` is 14), `None` for a name the
/// protocol does not define.
pub fn grpc_code(connect_code: &str) -> Option<i32> {
    CODES
        .iter()
        .position(|c| *c == connect_code)
        .and_then(|n| i32::try_from(n).ok())
}

/// The bytes of a detail's `value`: standard base64, the padding optional (Connect omits it).
pub fn detail_value(value: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(value.trim_end_matches('='))
        .ok()
}

/// One varint at `at`, advancing past it; `None` when it breaks off or runs past 64 bits.
fn varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The length-delimited fields (wire type 2: strings, bytes, nested messages) of a protobuf
/// message, as (field number, bytes) in the order they come; varint and fixed-width fields are
/// skipped. `None` when the message is malformed (a field that breaks off, a group, an unknown
/// wire type).
pub fn length_delimited_fields(bytes: &[u8]) -> Option<Vec<(u64, &[u8])>> {
    let mut fields = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let key = varint(bytes, &mut at)?;
        let length = match key & 7 {
            0 => {
                varint(bytes, &mut at)?;
                continue;
            }
            1 => 8,
            5 => 4,
            2 => usize::try_from(varint(bytes, &mut at)?).ok()?,
            _ => return None,
        };
        let field = bytes.get(at..at.checked_add(length)?)?;
        at += length;
        if key & 7 == 2 {
            fields.push((key >> 3, field));
        }
    }
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_names_are_grpc_numbers() {
        assert_eq!(grpc_code("ok"), Some(0));
        assert_eq!(grpc_code("invalid_argument"), Some(3));
        assert_eq!(grpc_code("unavailable"), Some(14));
        assert_eq!(grpc_code("unauthenticated"), Some(16));
        for name in ["", "Unavailable", "unavailable ", "teapot"] {
            assert_eq!(grpc_code(name), None, "{name:?}");
        }
    }

    #[test]
    fn a_detail_value_is_base64_with_or_without_padding() {
        assert_eq!(detail_value("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(detail_value("aGk").as_deref(), Some(&b"hi"[..]));
        assert_eq!(detail_value("a-b_").as_deref(), None, "not URL-safe base64");
        assert_eq!(detail_value("!!").as_deref(), None);
    }

    /// A field's key: its number and wire type.
    fn key(number: u8, wire_type: u8) -> u8 {
        number << 3 | wire_type
    }

    #[test]
    fn length_delimited_fields_are_read_and_the_others_skipped() {
        let mut message = vec![key(1, 2), 3];
        message.extend_from_slice(b"abc");
        message.extend_from_slice(&[key(3, 0), 0x96, 0x01]); // varint 150
        message.push(key(4, 1));
        message.extend_from_slice(&[0; 8]); // fixed64
        message.push(key(5, 5));
        message.extend_from_slice(&[0; 4]); // fixed32
        message.extend_from_slice(&[key(2, 2), 0]); // an empty string
        message.extend_from_slice(&[key(1, 2), 1, b'z']);
        let fields = length_delimited_fields(&message).unwrap();
        assert_eq!(
            fields,
            vec![(1, &b"abc"[..]), (2, &b""[..]), (1, &b"z"[..])]
        );
        assert_eq!(length_delimited_fields(&[]), Some(vec![]));
        // A field number above 15 takes a two-byte key.
        assert_eq!(
            length_delimited_fields(&[0x82, 0x01, 1, b'x']),
            Some(vec![(16, &b"x"[..])])
        );
    }

    #[test]
    fn a_malformed_message_gives_nothing() {
        for (bytes, why) in [
            (&[key(1, 2), 5, b'a'][..], "a field longer than the message"),
            (&[key(1, 2)][..], "a length that is missing"),
            (&[key(1, 0), 0x80][..], "a varint that breaks off"),
            (&[key(1, 1), 0, 0][..], "a fixed64 that breaks off"),
            (&[key(1, 5), 0][..], "a fixed32 that breaks off"),
            (&[key(1, 3)][..], "a group (wire type 3)"),
            (&[key(1, 4)][..], "a group's end (wire type 4)"),
            (&[key(1, 6)][..], "wire type 6"),
            (&[key(1, 7)][..], "wire type 7"),
            (&[0x80; 11][..], "a key of more than ten bytes"),
            (
                &[
                    key(1, 2),
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0x01,
                ][..],
                "a length of 2^64 - 1",
            ),
        ] {
            assert_eq!(length_delimited_fields(bytes), None, "{why}");
        }
    }
}
