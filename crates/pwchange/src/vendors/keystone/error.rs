//! Keystone's error rules and error bodies: it tells its refusals apart by their text.

use pwchange_core::classify::{Facts, Rule, Status, Verdict, When};
use pwchange_core::http::Answer;
use pwchange_keystone::types;

use crate::transport::VendorError;
use crate::{Error, ErrorKind};

/// Which request an answer is to, for its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
    Change,
    Set,
    Login,
}

/// Whether a `401` says the password is expired (which Keystone says only of a correct one).
pub(super) fn password_expired(error: &Error) -> bool {
    error.vendor_mentions(&[pwchange_keystone::PASSWORD_EXPIRED_MESSAGE])
}

/// The start of a multi-factor auth receipt's body, which Keystone sends after the password
/// was checked when the user's rules ask for more methods.
pub(super) const AUTH_RECEIPT: &[&str] = &["\"required_auth_methods\""];

/// Keystone tells its refusals apart by their text alone: the kind comes from [`RULES`], the
/// explanation from here.
pub(super) fn explain(error: Error, operation: Operation) -> Error {
    let kind = error.kind();
    let says = |needles: &[&str]| error.vendor_mentions(needles);
    let message = match (kind, operation) {
        (ErrorKind::Unauthenticated, Operation::Change) if says(DISABLED) => {
            return error.reclassify(
                ErrorKind::PermissionDenied,
                "the user is disabled in Keystone: an administrator must enable it first",
            );
        }
        (ErrorKind::Unauthenticated, Operation::Change) => {
            return error.reclassify(
                ErrorKind::CurrentPasswordInvalid,
                "Keystone refused the original password: it is wrong, the user does not exist, or the account is locked (Keystone answers all three alike, and counts a wrong password towards the lockout)",
            );
        }
        (ErrorKind::Unauthenticated, Operation::Set) => {
            "Keystone refused the token (expired, revoked or not Keystone's)"
        }
        (ErrorKind::Unauthenticated, Operation::Login) => {
            "Keystone refused the login (a wrong user name, domain or password, or the account is locked or disabled: Keystone answers alike)"
        }
        (ErrorKind::PermissionDenied, _) if says(LOCKED_PASSWORD) => {
            "the user's password is locked (Keystone's lock_password option): only an administrator can set it"
        }
        (ErrorKind::PermissionDenied, Operation::Set) => {
            "Keystone refused the administrative set: the token needs the admin role (scope the login with project_name or system_scope)"
        }
        (ErrorKind::PolicyViolation, _) if says(MINIMUM_AGE) => {
            "Keystone's minimum_password_age forbids another self-service change yet: try later, or have an administrator set the password"
        }
        (ErrorKind::PolicyViolation, _) if says(TOO_LONG) => {
            "the password is longer than Keystone's hashing allows (strict_password_check): at most 72 bytes with bcrypt"
        }
        (ErrorKind::PolicyViolation, _) => {
            "the new password does not match the server's password_regex (its description follows)"
        }
        (ErrorKind::PasswordReused, _) => {
            "the new password is one of the user's last passwords (Keystone's unique_last_password_count)"
        }
        (ErrorKind::InvalidInput, _) => {
            "Keystone refused the request as malformed (the text of a schema error, which echoes the request body, is never kept)"
        }
        (ErrorKind::UserNotFound, Operation::Change) => {
            return error.reclassify(
                ErrorKind::Unexpected,
                "Keystone answers an unknown user's self-service change with 401, never 404: check that base_url is the Keystone endpoint (without /v3)",
            );
        }
        (ErrorKind::UserNotFound, _) => "Keystone has no user with this id",
        _ => return error,
    };
    error.reclassify(kind, message)
}

// Keystone's fixed sentences, whole: the regex refusal embeds the operator's description, which
// must not be mistaken for another refusal (the regex rule comes first in `RULES`).
pub(super) const REGEX: &[&str] = &["The password does not match the requirements"];
pub(super) const LOCKED_PASSWORD: &[&str] = &[
    "You cannot change your password at this time due to password policy disallowing password changes",
];
pub(super) const MINIMUM_AGE: &[&str] =
    &["You cannot change your password at this time due to the minimum password age"];
pub(super) const TOO_LONG: &[&str] = &["The password length must be less than or equal to"];
pub(super) const HISTORY: &[&str] =
    &["The new password cannot be identical to a previous password"];
pub(super) const DISABLED: &[&str] = &["The account is disabled for user"];
/// jsonschema's text (which echoes the request body) and Keystone's own schema messages.
pub(super) const SCHEMA_ERROR: &[&str] = &[
    "failed validating",
    "on instance",
    "is a required property",
    "additional properties are not allowed",
    "invalid input for field",
    "password validation error",
];

/// Keystone's error table. Its `400`s and `403`s are told apart by their messages only.
pub(super) const RULES: &[Rule] = &[
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(REGEX),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(HISTORY),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(MINIMUM_AGE),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(LOCKED_PASSWORD),
        ErrorKind::PermissionDenied,
    ),
    Rule::new(
        Status::OneOf(&[403]),
        When::Mentions(TOO_LONG),
        ErrorKind::PolicyViolation,
    ),
];

impl VendorError for types::Error {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(body) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        let message = &body.error.message;
        let facts = Facts {
            status: answer.status,
            codes: Vec::new(),
            text: message.clone(),
        };
        // A schema error's text echoes the request body, passwords included, in Python's
        // quoting, which redaction may not recognise: none of it is kept. (Keystone's own
        // refusals start with their fixed sentences; only the regex one embeds other text.)
        let own = [
            REGEX,
            HISTORY,
            MINIMUM_AGE,
            LOCKED_PASSWORD,
            TOO_LONG,
            DISABLED,
        ]
        .iter()
        .any(|sentences| sentences.iter().any(|s| message.starts_with(s)));
        if !own && pwchange_core::classify::mentions(message, SCHEMA_ERROR) {
            return Verdict {
                kind: ErrorKind::InvalidInput,
                code: None,
                messages: Vec::new(),
            };
        }
        Verdict::from_rules(RULES, facts, vec![message.clone()])
    }

    /// Keystone repeats the status in `error.code` and names it in `error.title` (an API
    /// gateway's `{"error": {"code", "message", "status"}}` body has no `title`).
    fn is_vendors_own(&self, status: u16) -> bool {
        self.error.code == i64::from(status) && self.error.title.is_some()
    }
}
