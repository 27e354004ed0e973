//! Okta's error rules and error body: `{"errorCode", "errorSummary", "errorLink", "errorId",
//! "errorCauses"}`, told apart by the code and, within a code, by the causes.

use pwchange_core::classify::{Facts, Rule, Status, Verdict, When};
use pwchange_core::http::Answer;
use pwchange_okta::{texts, types};

use crate::transport::VendorError;
use crate::{Error, ErrorKind};

/// Which request an answer is to, for its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
    /// The user's own change.
    Change,
    /// The administrator's set.
    Set,
    /// The expiry after a set.
    Expire,
    /// A read (the user, the policies).
    Read,
}

/// Okta's error table: within a code, the causes decide.
pub(super) const RULES: &[Rule] = &[
    Rule::new(
        Status::Any,
        When::Mentions(&[texts::OLD_PASSWORD_WRONG]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    Rule::new(
        Status::Any,
        When::Mentions(&[texts::USED_TOO_RECENTLY, texts::IS_CURRENT]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::Any,
        When::Mentions(&[texts::REQUIREMENTS_NOT_MET]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&[texts::POLICY_VIOLATION]),
        ErrorKind::PolicyViolation,
    ),
    // "Update of credentials failed" without a cause pwchange knows: Okta refused the password.
    Rule::new(
        Status::Any,
        When::CodeIs(&[texts::CREDENTIALS_UPDATE_FAILED]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&[texts::INVALID_TOKEN]),
        ErrorKind::Unauthenticated,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&[texts::AUTHENTICATION_FAILED]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&[
            texts::PERMISSION_DENIED,
            texts::WRONG_STATUS,
            texts::CHANGE_NOT_ALLOWED,
        ]),
        ErrorKind::PermissionDenied,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&[texts::NOT_FOUND]),
        ErrorKind::UserNotFound,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&[texts::NO_CREDENTIALS_HERE]),
        ErrorKind::Unsupported,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&[texts::RATE_LIMITED]),
        ErrorKind::RateLimited,
    ),
    // A user still being activated: nothing was applied, try again in minutes.
    Rule::new(
        Status::OneOf(&[409]),
        When::CodeIs(&[texts::STILL_ACTIVATING]),
        ErrorKind::Unavailable,
    ),
    Rule::new(Status::OneOf(&[400]), When::Always, ErrorKind::InvalidInput),
];

/// The kind from [`RULES`], the explanation from here (never a value).
pub(super) fn explain(error: Error, operation: Operation) -> Error {
    let code = |c: &str| error.vendor_code_mentions(&[c]);
    let message = match (error.kind(), operation) {
        (ErrorKind::CurrentPasswordInvalid, _) => {
            "Okta refused the current password (E0000014: oldPassword is incorrect)"
        }
        (ErrorKind::PasswordReused, _) => {
            "Okta's password policy refused the new password: it is the current one or in the history"
        }
        (ErrorKind::PolicyViolation, _) => {
            "Okta's password policy refused the new password (length, character classes, parts of the user name, a common password)"
        }
        (ErrorKind::Unauthenticated, _) => {
            "Okta refused the token (E0000011): invalid, expired (API tokens expire after 30 days unused) or revoked; check authorization_mode (ssws or bearer)"
        }
        (ErrorKind::PermissionDenied, _)
            if code(texts::WRONG_STATUS) || code(texts::CHANGE_NOT_ALLOWED) =>
        {
            "Okta does not allow this in the user's current status (a password change needs STAGED, ACTIVE, PASSWORD_EXPIRED or RECOVERY)"
        }
        (ErrorKind::PermissionDenied, Operation::Read) => {
            "the token may not read this (okta.users.read, okta.policies.read; an administrator role that covers it)"
        }
        (ErrorKind::PermissionDenied, _) => {
            "the token may not change this user's password (okta.users.manage; an administrator role that covers the user)"
        }
        (ErrorKind::UserNotFound, _) => "Okta has no user with this id or login (E0000007)",
        (ErrorKind::Unsupported, _) => {
            "Okta cannot set a password on this user: its credentials come from a federation or a social provider"
        }
        (ErrorKind::RateLimited, _) => {
            "Okta's rate limit for this endpoint is spent until X-Rate-Limit-Reset; nothing was applied"
        }
        (ErrorKind::Unavailable, _) if code(texts::STILL_ACTIVATING) => {
            "Okta is still activating the user (E0000112); nothing was applied: try again in a few minutes"
        }
        (ErrorKind::InvalidInput, _) if error.status() == Some(404) => {
            "Okta answered 404: check base_url (the org's, e.g. https://example.okta.com)"
        }
        _ => return error,
    };
    let kind = error.kind();
    error.reclassify(kind, message)
}

impl VendorError for types::Error {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(body) = &answer.body else {
            // Okta answers an unknown user with its body (E0000007): a 404 without it is a path
            // nothing serves (a wrong base URL), not a user.
            return Verdict::without_body(answer.status);
        };
        let causes: Vec<String> = body
            .error_causes
            .iter()
            .filter_map(|cause| cause.error_summary.clone())
            .collect();
        let mut messages = vec![body.error_summary.clone()];
        messages.extend(causes);
        let facts = Facts {
            status: answer.status,
            codes: vec![body.error_code.clone()],
            text: messages.join("\n"),
        };
        Verdict::from_rules(RULES, facts, messages)
    }

    /// Okta's own body has a code of its catalogue (`E` and seven digits) and an error id.
    fn is_vendors_own(&self, _: u16) -> bool {
        let code = self.error_code.as_bytes();
        code.len() == 8
            && code[0] == b'E'
            && code[1..].iter().all(u8::is_ascii_digit)
            && self.error_id.as_deref().is_some_and(|id| !id.is_empty())
    }
}
