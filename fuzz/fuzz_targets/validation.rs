//! User ids, passwords and base URLs into the checks that run before any request, and the same
//! text as a vendor's answer into the redaction of the two passwords.
//! Input: byte 0 picks the vendor; the rest, as UTF-8, is split on NUL into
//! user id, current password, new password and base URL.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pwchange::Vendor;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let vendor = Vendor::ALL[usize::from(selector) % Vendor::ALL.len()];
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.split('\0');
    let user = parts.next().unwrap_or_default();
    let current = parts.next().unwrap_or_default();
    let new = parts.next().unwrap_or_default();
    let url = parts.next().unwrap_or_default();
    pwchange::fuzzing::validate(vendor, user, current, new, url);
    pwchange::fuzzing::redact(&[current, new], user);
});
