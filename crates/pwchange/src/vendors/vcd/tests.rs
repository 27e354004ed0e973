//! Unit tests of Cloud Director's adapter, configuration and error rules.

use pwchange_core::classify::Verdict;
use pwchange_core::http::Answer;
use pwchange_vcd::types;

use crate::adapter::Adapter;
use crate::transport::VendorError;
use crate::{Error, ErrorKind};

use super::send::*;

fn classify(answer: &Answer<types::Error>) -> Verdict {
    <types::Error as VendorError>::verdict(answer)
}

fn user_urn(id: &str) -> Result<String, Error> {
    VcdAdapter::user_id(id)
}

fn answer(status: u16, code: &str, message: &str) -> Answer<types::Error> {
    Answer {
        status,
        body: Some(types::Error {
            minor_error_code: code.into(),
            message: message.into(),
            stack_trace: None,
        }),
        text: None,
        retry_after: None,
    }
}

#[test]
fn mapping_table() {
    let cases = [
        (
            400,
            "BAD_REQUEST",
            "[ x ] The current password is incorrect.",
            ErrorKind::CurrentPasswordInvalid,
        ),
        (
            400,
            "BAD_REQUEST",
            "[ x ] New password must be different from your current password.",
            ErrorKind::PasswordReused,
        ),
        (
            400,
            "BAD_REQUEST",
            "[ x ] Password must contain at least one digit.",
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            "BAD_REQUEST",
            "[ x ] Unrecognized field",
            ErrorKind::InvalidInput,
        ),
        (
            401,
            "UNAUTHORIZED",
            "[ x ] Either no authentication credentials were provided or they were not valid.",
            ErrorKind::Unauthenticated,
        ),
        (
            403,
            "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
            "[ x ] Either you need some rights or the target entity is invalid.",
            ErrorKind::PermissionDenied,
        ),
        (
            403,
            "RESOURCE_NOT_FOUND",
            "[ x ] urn:vcloud:user:1",
            ErrorKind::UserNotFound,
        ),
        (
            403,
            "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
            "[ x ] The entity urn:vcloud:user:1 does not exist.",
            ErrorKind::UserNotFound,
        ),
        (
            500,
            "INTERNAL_SERVER_ERROR",
            "[ x ] Internal Server Error",
            ErrorKind::OutcomeUnknown,
        ),
    ];
    for (status, code, message, expected) in cases {
        let verdict = classify(&answer(status, code, message));
        assert_eq!(verdict.kind, expected, "{status} {code} {message}");
        assert_eq!(verdict.code.as_deref(), Some(code));
    }
}

#[test]
fn user_urns_are_checked_and_normalised() {
    assert_eq!(
        user_urn("URN:vcloud:user:522D756C-AD00-3B4F-AE6A-6D241437B471").unwrap(),
        "urn:vcloud:user:522d756c-ad00-3b4f-ae6a-6d241437b471"
    );
    for bad in [
        "522d756c-ad00-3b4f-ae6a-6d241437b471",
        "urn:vcloud:org:522d756c-ad00-3b4f-ae6a-6d241437b471",
        "urn:vcloud:user:../x",
        "urn:vcloud:user:",
    ] {
        let err = user_urn(bad).unwrap_err();
        assert!(
            err.to_string().contains("expected urn:vcloud:user:<uuid>"),
            "{err}"
        );
    }
}
