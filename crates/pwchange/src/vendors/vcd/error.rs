//! Cloud Director's error rules and error bodies.

use pwchange_core::classify::{Facts, Rule, Status, Verdict, When};
use pwchange_core::http::Answer;
use pwchange_vcd::types;

use crate::ErrorKind;
use crate::transport::VendorError;

/// Cloud Director's error table. 403 means "not authorized *or* the entity does not exist"; it is
/// `UserNotFound` only when the code or message says so, else `PermissionDenied`.
pub(super) const RULES: &[Rule] = &[
    Rule::new(
        Status::OneOf(&[400]),
        When::MentionsBoth(
            &["current password", "old password", "existing password"],
            &[
                "incorrect",
                "invalid",
                "wrong",
                "does not match",
                "mismatch",
            ],
        ),
        ErrorKind::CurrentPasswordInvalid,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(&["same as", "different from", "history", "reuse", "previous"]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(&[
            "policy",
            "complex",
            "at least",
            "must contain",
            "too short",
            "too long",
        ]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::OneOf(&[403]),
        When::CodeIs(&["RESOURCE_NOT_FOUND"]),
        ErrorKind::UserNotFound,
    ),
    Rule::new(
        Status::OneOf(&[403]),
        When::Mentions(&["does not exist", "not found"]),
        ErrorKind::UserNotFound,
    ),
];

impl VendorError for types::Error {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(error) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        let facts = Facts {
            status: answer.status,
            codes: vec![error.minor_error_code.clone()],
            text: error.message.clone(),
        };
        Verdict::from_rules(RULES, facts, vec![error.message.clone()])
    }

    /// Cloud Director's `minorErrorCode` (`BAD_REQUEST`, `SERVICE_UNAVAILABLE`): no proxy sends
    /// one.
    fn is_vendors_own(&self, _: u16) -> bool {
        !self.minor_error_code.is_empty()
    }
}
