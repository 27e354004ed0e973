//! Entry points for the fuzz targets (`fuzz/`), behind the `fuzzing` feature. Each runs one
//! piece of the facade on arbitrary input exactly as a real call would; none may panic or hang.

use pwchange_core::classify::answer_error;
use pwchange_core::http::{Answer, HttpConfig};

use crate::{ErrorKind, PasswordChange, Vendor};

/// A vendor's answer (`status`, `body`) through the vendor's decoding and error rules.
pub fn classify_answer(vendor: Vendor, status: u16, body: &[u8]) -> ErrorKind {
    let verdict = crate::vendors::classify_answer(vendor, status, body);
    // What a user sees of it must render.
    let answer = Answer::<()> {
        status,
        body: None,
        text: None,
        retry_after: None,
    };
    let error = answer_error(vendor, &answer, verdict);
    let _ = error.to_string();
    error.kind()
}

/// `text` as a vendor's, through the redaction of `secrets`: never a panic, and a text that is
/// shown holds none of the secrets outside the `<redacted>` markers.
pub fn redact(secrets: &[&str], text: &str) {
    let mut redactor = pwchange_core::Redactor::new();
    for secret in secrets {
        redactor.add(secret);
    }
    if let Some(shown) = redactor.clean(text) {
        let outside = shown
            .replace(pwchange_core::redact::REDACTED, "\0")
            .replace('…', "\0");
        for secret in secrets
            .iter()
            .filter(|s| !s.is_empty() && !s.contains('\0'))
        {
            assert!(!outside.contains(secret), "a secret survived redaction");
        }
    }
}

/// User ids, passwords and a base URL through every check that runs before a request.
pub fn validate(vendor: Vendor, user_id: &str, current: &str, new: &str, base_url: &str) {
    let _ = HttpConfig::new(base_url).map(|c| c.base());
    let change = PasswordChange::self_service(user_id, current, new);
    let _ = change.validate_common();
    let _ = PasswordChange::admin_set(user_id, new).validate_common();
    let _ = crate::canonical_user_id(vendor, user_id);
    let _ = change
        .new_password()
        .bounded::<1, 72>("new password", "fuzz");
    let _ = change
        .new_password()
        .bounded::<6, 128>("new password", "fuzz");
}

/// A Connect error detail's value through base64 and the protobuf field reader
/// ([`pwchange_core::connect`]): never a panic, and the fields it finds lie inside the message.
pub fn protobuf_fields(bytes: &[u8]) {
    if let Some(fields) = pwchange_core::connect::length_delimited_fields(bytes) {
        let total: usize = fields.iter().map(|(_, field)| field.len()).sum();
        assert!(total <= bytes.len(), "fields longer than their message");
    }
    if let Some(decoded) = pwchange_core::connect::detail_value(&String::from_utf8_lossy(bytes)) {
        let _ = pwchange_core::connect::length_delimited_fields(&decoded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fuzz entry points run here too, on a few fixed inputs, so they are built and
    /// exercised by `cargo test --all-features` even where cargo-fuzz is not installed.
    #[test]
    fn entry_points_accept_arbitrary_input() {
        for vendor in Vendor::ALL {
            for body in [
                &b""[..],
                b"{",
                b"null",
                b"[]",
                br#"{"code":"x","details":{}}"#,
                b"\xff\xfe",
            ] {
                let _ = classify_answer(vendor, 400, body);
            }
            validate(vendor, "../\r\n%00", "", "\u{0}", "http://[::1");
            redact(&["a", "S3cret-Pw-1"], "a S3cret-Pw-1 &amp; %41");
            redact(&["", "é"], "\u{E000}&#xZZ; \\ud800 %zz +++ ====");
            // Every vendor maps a bare 503 to Unavailable.
            assert_eq!(
                classify_answer(vendor, 503, b""),
                ErrorKind::Unavailable,
                "{vendor}"
            );
        }
    }
}
