//! Vendor response bodies into each vendor's decoding and error mapping.
//! Input: byte 0 picks the vendor, bytes 1..3 the status, the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pwchange::Vendor;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let vendor = Vendor::ALL[usize::from(data[0]) % Vendor::ALL.len()];
    let status = 100 + u16::from_le_bytes([data[1], data[2]]) % 500;
    let _ = pwchange::fuzzing::classify_answer(vendor, status, &data[3..]);
});
