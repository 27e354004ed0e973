//! Bienport's error table and user ids.

use pwchange_bienport::types;
use pwchange_core::classify::Verdict;
use pwchange_core::http::Answer;

use super::send::BienportAdapter;
use crate::adapter::Adapter as _;
use crate::transport::VendorError;
use crate::{Error, ErrorKind};

fn classify(answer: &Answer<types::ErrorResponse>) -> Verdict {
    <types::ErrorResponse as VendorError>::verdict(answer)
}

fn user_id(id: &str) -> Result<String, Error> {
    BienportAdapter::user_id(id)
}

fn answer(status: u16, message: &str) -> Answer<types::ErrorResponse> {
    Answer {
        status,
        body: Some(types::ErrorResponse {
            status_code: Some(i32::from(status)),
            message: Some(message.into()),
            ..Default::default()
        }),
        text: None,
        retry_after: None,
    }
}

#[test]
fn mapping_table() {
    let cases = [
        (401, "Unauthorized", ErrorKind::Unauthenticated),
        (
            400,
            "Old password is wrong",
            ErrorKind::CurrentPasswordInvalid,
        ),
        (
            400,
            "Password must contain at least one digit",
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            "New password cannot be the same as a previous password",
            ErrorKind::PasswordReused,
        ),
        (400, "Passwords do not match", ErrorKind::InvalidInput),
        (403, "Forbidden", ErrorKind::PermissionDenied),
        (404, "User not found", ErrorKind::UserNotFound),
        (429, "Too many requests", ErrorKind::RateLimited),
        (500, "Internal Server Error", ErrorKind::OutcomeUnknown),
        (503, "Service Unavailable", ErrorKind::Unavailable),
    ];
    for (status, message, expected) in cases {
        let verdict = classify(&answer(status, message));
        assert_eq!(verdict.kind, expected, "{status} {message}");
        assert_eq!(verdict.code, Some(status.to_string()));
    }
    let html = Answer::<types::ErrorResponse> {
        status: 502,
        body: None,
        text: Some("<html>".into()),
        retry_after: None,
    };
    assert_eq!(classify(&html).kind, ErrorKind::OutcomeUnknown);
}

#[test]
fn user_ids_are_positive_integers() {
    assert_eq!(user_id(" 012343123 ").unwrap(), "12343123");
    for bad in ["0", "-5", "abc", "1/../2", "99999999999999999999"] {
        assert!(
            user_id(bad)
                .unwrap_err()
                .to_string()
                .contains("expected a positive integer"),
            "{bad}"
        );
    }
}
