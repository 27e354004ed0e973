//! Auth0's error rules and error bodies: the Management API's `{"statusCode", "error",
//! "message", "errorCode"}` (a password refusal names its rule in `message`), and the token
//! endpoint's RFC 6749 body with Auth0's own codes.

use pwchange_auth0::{texts, types};
use pwchange_core::classify::{Facts, Rule, Status, Verdict, When};
use pwchange_core::http::Answer;

use crate::transport::VendorError;
use crate::{Error, ErrorKind};

/// Which request an answer is to, for its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
    /// The password's update.
    Update,
    /// A read (the user, the connections).
    Read,
    /// The application's client credentials login.
    AppLogin,
}

/// The Management API's rules.
pub(super) const RULES: &[Rule] = &[
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(&[texts::PASSWORD_HISTORY]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(&[
            texts::PASSWORD_STRENGTH,
            texts::PASSWORD_DICTIONARY,
            texts::PASSWORD_NO_USER_INFO,
        ]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(&[texts::CONNECTION_NOT_SUPPORTED, texts::DISABLED_CONNECTION]),
        ErrorKind::Unsupported,
    ),
    Rule::new(
        Status::OneOf(&[404]),
        When::CodeIs(&[texts::INEXISTENT_USER]),
        ErrorKind::UserNotFound,
    ),
    Rule::new(
        Status::OneOf(&[404]),
        When::Mentions(&["user does not exist", "user not found"]),
        ErrorKind::UserNotFound,
    ),
    // A 404 that is not about a user is a path nothing serves: a wrong base URL.
    Rule::new(Status::OneOf(&[404]), When::Always, ErrorKind::InvalidInput),
];

/// The token endpoint's rules before RFC 6749's: a brute-force block is not a rate limit to
/// wait out, and proves nothing about a password.
pub(super) const TOKEN_RULES: &[Rule] = &[Rule::new(
    Status::Any,
    When::CodeIs(&[texts::TOO_MANY_ATTEMPTS, texts::PASSWORD_LEAKED]),
    ErrorKind::PermissionDenied,
)];

crate::oauth::oauth_error!(types::OAuthError, error, error_description, TOKEN_RULES);

/// The kind from the rules, the explanation from here (never a value).
pub(super) fn explain(error: Error, operation: Operation) -> Error {
    let says = |needle: &str| error.vendor_mentions(&[needle]);
    let message = match (error.kind(), operation) {
        (ErrorKind::PasswordReused, _) => {
            "the connection's password policy refused the new password: it is one of the user's recent passwords (PasswordHistoryError)".to_owned()
        }
        (ErrorKind::PolicyViolation, _) => format!(
            "the connection's password policy refused the new password ({})",
            if says(texts::PASSWORD_DICTIONARY) {
                "PasswordDictionaryError: a common password or one of the connection's words"
            } else if says(texts::PASSWORD_NO_USER_INFO) {
                "PasswordNoUserInfoError: it holds the user's name, user name or email address"
            } else {
                "PasswordStrengthError: its length or character classes"
            }
        ),
        (ErrorKind::Unsupported, _) if says(texts::DISABLED_CONNECTION) => {
            "the user's connection is disabled: Auth0 sets no password in it".to_owned()
        }
        (ErrorKind::Unsupported, _) => {
            "the user is not in a database connection (a social or enterprise login): set the password at its identity provider".to_owned()
        }
        (ErrorKind::InvalidInput, _) if says(texts::CONNECTION_DOES_NOT_EXIST) => {
            "Auth0 has no such connection: check the connection setting (a database connection's name)".to_owned()
        }
        (ErrorKind::InvalidInput, _) if error.status() == Some(404) => {
            "Auth0 answered 404: check base_url (the tenant's canonical domain, e.g. https://acme.eu.auth0.com)".to_owned()
        }
        (ErrorKind::UserNotFound, _) => {
            "Auth0 has no user with this id (inexistent_user): give the user_id, e.g. auth0|507f1f77bcf86cd799439020".to_owned()
        }
        (ErrorKind::Unauthenticated | ErrorKind::PermissionDenied, Operation::AppLogin) => {
            "Auth0 refused the application's login: a wrong client_id or client_secret, or the application is not authorized for the Management API's audience (a client grant)".to_owned()
        }
        (ErrorKind::Unauthenticated, _) => {
            "Auth0 refused the token: invalid or expired (Management API tokens expire, by default after 24 hours), or issued for another tenant".to_owned()
        }
        (ErrorKind::PermissionDenied, Operation::Read) => {
            "the token lacks a scope to read this (read:users; read:connections and read:connections_options for the policy)".to_owned()
        }
        (ErrorKind::PermissionDenied, _) => {
            "the token lacks the scope update:users (insufficient_scope)".to_owned()
        }
        (ErrorKind::RateLimited, _) => {
            "Auth0's rate limit is spent until x-ratelimit-reset; nothing was applied".to_owned()
        }
        _ => return error,
    };
    let kind = error.kind();
    error.reclassify(kind, message)
}

impl VendorError for types::Error {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(body) = &answer.body else {
            return Verdict::without_body(answer.status);
        };
        let facts = Facts {
            status: answer.status,
            codes: body.error_code.clone().into_iter().collect(),
            text: body.message.clone(),
        };
        Verdict::from_rules(RULES, facts, vec![body.message.clone()])
    }

    /// Auth0's own body repeats the status in `statusCode` and names it in `error`. A `5xx` in
    /// it proves nothing: it is the default error body of the Node.js frameworks in front of
    /// and behind Auth0's API (hapi answers a server timeout `503` so while the handler goes
    /// on), so the update may have been applied.
    fn is_vendors_own(&self, status: u16) -> bool {
        status < 500 && self.status_code == i64::from(status) && !self.error.trim().is_empty()
    }
}
