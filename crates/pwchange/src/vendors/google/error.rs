//! Google's error rules and error body, Google's JSON error: `{"error": {"code", "message",
//! "status", "errors": [{"domain", "reason", "message"}]}}`, told apart by the reasons and the
//! canonical status, then the message.

use pwchange_core::classify::{Facts, Rule, Status, Verdict, When};
use pwchange_core::http::Answer;
use pwchange_google::{texts, types};

use crate::transport::VendorError;
use crate::{Error, ErrorKind};

/// Which request an answer is to, for its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
    /// The password update (`users.update`).
    Update,
}

/// The reasons and statuses of a spent quota: Google answers them with `403` or `429`.
const QUOTA_SPENT: &[&str] = &[
    texts::USER_RATE_LIMIT_EXCEEDED,
    texts::RATE_LIMIT_EXCEEDED,
    texts::QUOTA_EXCEEDED,
    texts::DAILY_LIMIT_EXCEEDED,
    texts::RESOURCE_EXHAUSTED,
];

/// Google's error table.
pub(super) const RULES: &[Rule] = &[
    // A spent quota is "come back later", whatever its status (a `403` more often than not).
    Rule::new(
        Status::OneOf(&[403, 429]),
        When::CodeIs(QUOTA_SPENT),
        ErrorKind::RateLimited,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(&[texts::INVALID_PASSWORD]),
        ErrorKind::PolicyViolation,
    ),
    // The legacy reason, or the canonical status of the v2 error format.
    Rule::new(
        Status::OneOf(&[404]),
        When::CodeIs(&[texts::NOT_FOUND, texts::NOT_FOUND_STATUS]),
        ErrorKind::UserNotFound,
    ),
    // A 404 without the reason is a path the API does not serve: a wrong base URL.
    Rule::new(Status::OneOf(&[404]), When::Always, ErrorKind::InvalidInput),
];

/// The kind from [`RULES`], the explanation from here (never a value).
pub(super) fn explain(error: Error, operation: Operation) -> Error {
    let message = match (error.kind(), operation) {
        (ErrorKind::PolicyViolation, _) => {
            "Google refused the new password (400 \"Invalid Password\"): 8 to 100 ASCII characters, and the domain's password policy (its minimum length and strength, set in the Admin console)"
        }
        (ErrorKind::UserNotFound, _) => {
            "Google has no user with this key in the administrator's domains (404 notFound): give the primary email address, an alias or the unique id"
        }
        (ErrorKind::InvalidInput, _) if error.status() == Some(404) => {
            "Google answered 404 without its error body: check base_url (the Directory API's root, https://admin.googleapis.com)"
        }
        (ErrorKind::Unauthenticated, _) => {
            "Google refused the token (401 authError): missing, invalid or expired (access tokens last an hour)"
        }
        (ErrorKind::PermissionDenied, _) => {
            "the token may not manage this user (403 forbidden): it needs the scope https://www.googleapis.com/auth/admin.directory.user, and an administrator (the service account's delegated subject) whose role covers the user's organizational unit"
        }
        (ErrorKind::RateLimited, _)
            if error.vendor_code_mentions(&[texts::DAILY_LIMIT_EXCEEDED]) =>
        {
            "the project's daily quota of the Directory API is spent (dailyLimitExceeded); nothing was applied"
        }
        (ErrorKind::RateLimited, _) => {
            "a quota of the Directory API is spent (Google answers it as 403 or 429, without Retry-After); nothing was applied: back off and try again"
        }
        _ => return error,
    };
    let kind = error.kind();
    error.reclassify(kind, message)
}

impl VendorError for types::GoogleError {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(body) = &answer.body else {
            // Google answers an unknown user with its body (notFound): a 404 without it is a
            // path nothing serves.
            return Verdict::without_body(answer.status);
        };
        let status = &body.error;
        let mut codes: Vec<String> = status
            .errors
            .iter()
            .filter_map(|item| item.reason.clone())
            .collect();
        codes.extend(status.status.clone());
        let mut messages = vec![status.message.clone()];
        for item in &status.errors {
            if let Some(message) = &item.message
                && !messages.contains(message)
            {
                messages.push(message.clone());
            }
        }
        let facts = Facts {
            status: answer.status,
            codes,
            text: messages.join("\n"),
        };
        Verdict::from_rules(RULES, facts, messages)
    }

    /// Google's own body repeats the status in `error.code`. A `5xx` in it proves nothing
    /// (`backendError`: the backend may have applied the update before it failed).
    fn is_vendors_own(&self, status: u16) -> bool {
        status < 500 && self.error.code == i64::from(status)
    }
}
