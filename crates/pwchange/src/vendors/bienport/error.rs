//! Bienport's error rules and error bodies.

use pwchange_bienport::types;
use pwchange_core::classify::{Facts, Rule, Status, Verdict, When};
use pwchange_core::http::Answer;

use crate::ErrorKind;
use crate::transport::VendorError;

/// Bienport documents only `401 {"statusCode": 401, …}`; other refusals are read defensively by
/// their message (Spring's shape), else by the status.
pub(super) const RULES: &[Rule] = &[
    Rule::new(
        Status::OneOf(&[400, 409, 422]),
        When::Mentions(&[
            "old password",
            "current password",
            "wrong password",
            "incorrect password",
            "password is incorrect",
        ]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    Rule::new(
        Status::OneOf(&[400, 409, 422]),
        When::Mentions(&["same as", "previous", "history", "reuse", "already used"]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::OneOf(&[400, 409, 422]),
        When::Mentions(&["policy", "weak", "at least", "complex", "must contain"]),
        ErrorKind::PolicyViolation,
    ),
];

impl VendorError for types::ErrorResponse {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(body) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        let messages: Vec<String> = [&body.message, &body.error]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let facts = Facts {
            status: answer.status,
            codes: body
                .status_code
                .map(|c| c.to_string())
                .into_iter()
                .collect(),
            text: messages.join(" "),
        };
        Verdict::from_rules(RULES, facts, messages)
    }

    /// Never: the one documented field, `statusCode` (NestJS's exception body), is also what
    /// Azure API Management's gateway errors carry, so no body tells Bienport's own `503` from
    /// a gateway's; its `408`/`501`/`503` are settled by the login like any unknown outcome.
    fn is_vendors_own(&self, _: u16) -> bool {
        false
    }
}
