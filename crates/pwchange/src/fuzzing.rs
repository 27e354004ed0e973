//! Entry points for the fuzz targets (`fuzz/`), behind the `fuzzing` feature. Each runs one
//! piece of the facade on arbitrary input exactly as a real call would; none may panic or hang.

use crate::http::{Answer, HttpConfig, Verdict};
use crate::{ErrorKind, PasswordChange, Vendor};

fn answer<E: serde::de::DeserializeOwned>(status: u16, body: &[u8]) -> Answer<E> {
    Answer {
        status,
        body: serde_json::from_slice(body).ok(),
        text: None,
        retry_after: None,
    }
}

/// A vendor's answer (`status`, `body`) through the vendor's decoding and error mapping.
pub fn classify_answer(vendor: Vendor, status: u16, body: &[u8]) -> ErrorKind {
    let verdict: Verdict = match vendor {
        #[cfg(feature = "bienport")]
        Vendor::Bienport => crate::vendors::bienport::classify(&answer(status, body)),
        #[cfg(feature = "uipath")]
        Vendor::Uipath => {
            // The 200 refusal, the 400 problem and the token endpoint's error.
            if let Ok(result) =
                serde_json::from_slice::<pwchange_uipath::types::IdentityResult>(body)
            {
                let _ = crate::vendors::uipath::identity_errors(
                    result.errors.as_deref().unwrap_or_default(),
                );
            }
            let _ = crate::vendors::uipath::classify_token(&answer(status, body));
            crate::vendors::uipath::classify(&answer(status, body))
        }
        #[cfg(feature = "zitadel")]
        Vendor::Zitadel => crate::vendors::zitadel::classify(&answer(status, body)),
        #[cfg(feature = "vcd")]
        Vendor::Vcd => crate::vendors::vcd::classify(&answer(status, body)),
        #[allow(unreachable_patterns)]
        _ => Verdict::by_status(status),
    };
    // What a user sees of it must render.
    let error = crate::http::answer_error(
        vendor,
        &Answer::<()> {
            status,
            body: None,
            text: None,
            retry_after: None,
        },
        verdict,
    );
    let _ = error.to_string();
    error.kind()
}

/// User ids, passwords and a base URL through every check that runs before a request.
pub fn validate(vendor: Vendor, user_id: &str, current: &str, new: &str, base_url: &str) {
    let _ = HttpConfig::new(base_url).map(|c| c.base());
    let change = PasswordChange::self_service(user_id, current, new);
    let _ = change.validate_common();
    let _ = PasswordChange::admin_set(user_id, new).validate_common();
    match vendor {
        #[cfg(feature = "bienport")]
        Vendor::Bienport => drop(crate::vendors::bienport::user_id(user_id)),
        #[cfg(feature = "uipath")]
        Vendor::Uipath => drop(crate::vendors::uipath::user_id(user_id)),
        #[cfg(feature = "zitadel")]
        Vendor::Zitadel => drop(crate::vendors::zitadel::user_id(user_id)),
        #[cfg(feature = "vcd")]
        Vendor::Vcd => drop(crate::vendors::vcd::user_urn(user_id)),
        #[allow(unreachable_patterns)]
        _ => {}
    }
    let _ = change
        .new_password()
        .bounded::<1, 72>("new password", "fuzz");
    let _ = change
        .new_password()
        .bounded::<6, 128>("new password", "fuzz");
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
        }
        assert_eq!(
            classify_answer(Vendor::Zitadel, 404, br#"{"code":5}"#),
            ErrorKind::UserNotFound
        );
    }
}
