//! A Connect error detail (a vendor's protobuf message, base64 in a JSON body) into the
//! protobuf field reader of `pwchange_core::connect`. Input: the bytes of the message, or of its
//! base64 text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pwchange::fuzzing::protobuf_fields(data);
});
