//! Keycloak's error rules and error body: `{"error", "error_description"}` from the admin API
//! (a policy refusal's message key, or a short text) and from the token endpoint (an RFC 6749
//! code) alike.

use pwchange_core::classify::{Rule, Status, When};
use pwchange_keycloak::{texts, types};

use crate::{Error, ErrorKind};

/// Which request an answer is to, for its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
    /// The administrative reset.
    Reset,
    /// A read of a user (by id, or by name).
    ReadUser,
    /// The realm read, for its password policy.
    ReadRealm,
    /// The administrator's login.
    AdminLogin,
}

/// Keycloak's rules, before the token endpoint's RFC 6749 ones (`crate::oauth::RULES`).
pub(super) const RULES: &[Rule] = &[
    Rule::new(
        Status::OneOf(&[400]),
        When::CodeIs(&[texts::HISTORY_KEY]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::CodeContains(&[texts::HISTORY_TEXT]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::CodeStartsWith(&[texts::POLICY_KEY_PREFIX]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::CodeIs(&[texts::EMPTY_PASSWORD]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::CodeContains(&[texts::READ_ONLY]),
        ErrorKind::Unsupported,
    ),
    // An unknown user and an unknown realm are told apart by the text.
    Rule::new(
        Status::OneOf(&[404]),
        When::CodeIs(&[texts::USER_NOT_FOUND]),
        ErrorKind::UserNotFound,
    ),
    Rule::new(Status::OneOf(&[404]), When::Always, ErrorKind::InvalidInput),
];

crate::oauth::oauth_error!(types::Error, error, error_description, RULES);

/// The kind from [`RULES`], the explanation from here (never a value).
pub(super) fn explain(error: Error, operation: Operation) -> Error {
    let code_says = |needle: &str| error.vendor_code_mentions(&[needle]);
    let message = match (error.kind(), operation) {
        (ErrorKind::UserNotFound, _) => "the realm has no user with this id".to_owned(),
        (ErrorKind::InvalidInput, _) if code_says(texts::REALM_NOT_FOUND) => {
            "Keycloak has no such realm: check the realm setting".to_owned()
        }
        (ErrorKind::InvalidInput, _) if error.status() == Some(404) => {
            "Keycloak answered 404: check base_url (the server's root, with /auth where the server serves under it)".to_owned()
        }
        (ErrorKind::PolicyViolation, _) if code_says(texts::EMPTY_PASSWORD) => {
            "Keycloak refuses a blank password".to_owned()
        }
        (ErrorKind::PolicyViolation, _) => format!(
            "the realm's password policy refused the new password ({})",
            policy_rule(&error)
        ),
        (ErrorKind::PasswordReused, _) => {
            "the realm's password policy refused the new password: it is one of the user's recent passwords (passwordHistory)".to_owned()
        }
        (ErrorKind::Unsupported, _) => {
            "the user comes from a read-only user federation (LDAP, Kerberos): set its password there".to_owned()
        }
        (ErrorKind::Unauthenticated, Operation::AdminLogin) => {
            "Keycloak refused the administrator's login: a wrong client id or secret, or user name or password, in the admin realm (or the client may not use this grant)".to_owned()
        }
        (ErrorKind::Unauthenticated, _) => {
            "Keycloak refused the token: expired, or issued by another server or realm that is not master".to_owned()
        }
        (ErrorKind::PermissionDenied, Operation::ReadRealm) => {
            "the token may not view the realm (realm-management's view-realm), so its password policy cannot be read".to_owned()
        }
        (ErrorKind::PermissionDenied, _) => {
            "the token lacks realm-management's manage-users (view-users for reads) in this realm".to_owned()
        }
        (ErrorKind::RateLimited, _) => {
            "a proxy in front of Keycloak rate limited the request (Keycloak sends no 429 itself); nothing was applied".to_owned()
        }
        _ => return error,
    };
    let kind = error.kind();
    error.reclassify(kind, message)
}

/// The policy a refusal's message key names, in the realm's `passwordPolicy` words.
fn policy_rule(error: &Error) -> &'static str {
    const RULES: &[(&str, &str)] = &[
        ("invalidPasswordMinLengthMessage", "length: too short"),
        ("invalidPasswordMaxLengthMessage", "maxLength: too long"),
        ("invalidPasswordMinDigitsMessage", "digits: too few digits"),
        (
            "invalidPasswordMinUpperCaseCharsMessage",
            "upperCase: too few uppercase letters",
        ),
        (
            "invalidPasswordMinLowerCaseCharsMessage",
            "lowerCase: too few lowercase letters",
        ),
        (
            "invalidPasswordMinSpecialCharsMessage",
            "specialChars: too few special characters",
        ),
        (
            "invalidPasswordNotUsernameMessage",
            "notUsername: it equals the user name",
        ),
        (
            "invalidPasswordNotContainsUsernameMessage",
            "notContainsUsername: it contains the user name",
        ),
        (
            "invalidPasswordNotEmailMessage",
            "notEmail: it equals the email address",
        ),
        (
            "invalidPasswordRegexPatternMessage",
            "regexPattern: it does not match",
        ),
        (
            "invalidPasswordBlacklistedMessage",
            "passwordBlacklist: it is on the deny list",
        ),
    ];
    RULES
        .iter()
        .find(|(key, _)| error.vendor_code_mentions(&[key]))
        .map_or("a rule of the realm's passwordPolicy", |(_, rule)| rule)
}
