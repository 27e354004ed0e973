//! UiPath's error rules and error bodies.

use pwchange_core::classify::{Facts, Rule, Status, Verdict, When, classify};
use pwchange_core::http::Answer;
use pwchange_uipath::types;

use crate::ErrorKind;
use crate::transport::VendorError;

/// ASP.NET Identity error codes (in a `200 {succeeded: false}` or a 400's `errors` list).
pub(super) const IDENTITY_RULES: &[Rule] = &[
    Rule::new(
        Status::Any,
        When::CodeIs(&["PasswordMismatch"]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    Rule::new(
        Status::Any,
        When::CodeStartsWith(&["PasswordRequires"]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::Any,
        When::CodeContains(&["PasswordTooShort", "complexity", "TooLong"]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::Any,
        When::CodeContains(&["reuse", "history", "recent", "same"]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::Any,
        When::CodeContains(&["NotFound"]),
        ErrorKind::UserNotFound,
    ),
    Rule::new(Status::Any, When::Always, ErrorKind::InvalidInput),
];

pub(super) fn identity_errors(status: u16, errors: &[types::IdentityError]) -> Verdict {
    let codes: Vec<String> = errors.iter().filter_map(|e| e.code.clone()).collect();
    // The first error (in the vendor's order) whose code says something specific decides.
    let kind = codes
        .iter()
        .map(|code| {
            let one = Facts {
                status,
                codes: vec![code.clone()],
                text: String::new(),
            };
            classify(IDENTITY_RULES, &one)
        })
        .find(|kind| *kind != ErrorKind::InvalidInput)
        .unwrap_or(ErrorKind::InvalidInput);
    Verdict {
        kind,
        code: codes.into_iter().next(),
        messages: errors
            .iter()
            .filter_map(|e| e.description.clone())
            .collect(),
    }
}

impl VendorError for types::ChangePasswordProblem {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        match answer.body.as_ref().and_then(|b| b.errors.as_ref()) {
            Some(types::ChangePasswordProblemErrors::Array(errors)) if answer.status == 400 => {
                identity_errors(answer.status, errors)
            }
            Some(types::ChangePasswordProblemErrors::ValidationErrors(fields))
                if answer.status == 400 =>
            {
                Verdict {
                    kind: ErrorKind::InvalidInput,
                    code: answer.body.as_ref().and_then(|b| b.title.clone()),
                    messages: fields
                        .iter()
                        .flat_map(|(field, msgs)| msgs.iter().map(move |m| format!("{field}: {m}")))
                        .collect(),
                }
            }
            _ => Verdict::by_status(answer.status),
        }
    }

    /// Never: ASP.NET Core's problem details are what any ASP.NET gateway in front of UiPath
    /// (YARP) sends too, and UiPath documents no body for its `503` (the simulator sends none).
    fn is_vendors_own(&self, _: u16) -> bool {
        false
    }
}

crate::oauth::oauth_error!(types::OAuthError, error, error_description, &[]);
