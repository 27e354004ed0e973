//! Entra ID's error rules and error bodies: Graph's `{"error": {"code", "message",
//! "innerError"}}`, and the token endpoint's RFC 6749 body with its `AADSTS` codes.

use pwchange_core::classify::{Facts, Rule, Status, Verdict, When};
use pwchange_core::http::Answer;
use pwchange_entra::{aadsts, codes, types};

use crate::transport::VendorError;
use crate::{Error, ErrorKind};

/// Which request an answer is to, for its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
    /// The administrator's reset.
    Reset,
    /// The user's own change, with its own token.
    OwnChange,
    /// A user read (for its user principal name).
    Read,
    /// The application's client-credentials login.
    AppLogin,
}

/// Graph's rules: the code decides, the message only within `Request_BadRequest` (a password
/// the policy refuses is told by its text alone).
pub(super) const GRAPH_RULES: &[Rule] = &[
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(&[codes::COMPLEXITY, "banned password", "does not comply"]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(&["password history", "recently used", "previous password"]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::OneOf(&[400, 403]),
        When::Mentions(&["current password", "currentPassword"]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&[codes::INVALID_AUTHENTICATION_TOKEN]),
        ErrorKind::Unauthenticated,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&[codes::AUTHORIZATION_REQUEST_DENIED]),
        ErrorKind::PermissionDenied,
    ),
    Rule::new(Status::OneOf(&[404]), When::Always, ErrorKind::UserNotFound),
    Rule::new(Status::OneOf(&[400]), When::Always, ErrorKind::InvalidInput),
];

impl VendorError for types::GraphError {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(body) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        let facts = Facts {
            status: answer.status,
            codes: vec![body.error.code.clone()],
            text: body.error.message.clone(),
        };
        Verdict::from_rules(GRAPH_RULES, facts, vec![body.error.message.clone()])
    }

    /// Graph's own body carries its request's id (`innerError.request-id`), which a gateway's
    /// JSON does not.
    fn is_vendors_own(&self, _: u16) -> bool {
        self.error
            .inner_error
            .as_ref()
            .and_then(|inner| inner.request_id.as_deref())
            .is_some_and(|id| !id.is_empty())
    }
}

/// The token endpoint's rules, on the `AADSTS` code (first) and the RFC 6749 code.
pub(super) const TOKEN_RULES: &[Rule] = &[
    Rule::new(
        Status::Any,
        When::CodeIs(&["AADSTS50126"]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["AADSTS50034"]),
        ErrorKind::UserNotFound,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["AADSTS90002"]),
        ErrorKind::InvalidInput,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&[
            "AADSTS50053",
            "AADSTS50057",
            "AADSTS50055",
            "AADSTS50144",
            "AADSTS50076",
            "AADSTS50079",
            "AADSTS50074",
            "AADSTS53003",
            "AADSTS530035",
            "AADSTS65001",
        ]),
        ErrorKind::PermissionDenied,
    ),
];

/// `AADSTS<n>` for an identity platform error number.
pub(super) fn aadsts_code(number: i64) -> String {
    format!("AADSTS{number}")
}

impl VendorError for types::TokenError {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(body) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        // The AADSTS numbers first (the error's code is its first), then RFC 6749's.
        let mut codes: Vec<String> = body.error_codes.iter().map(|n| aadsts_code(*n)).collect();
        codes.push(body.error.clone());
        let text = body.error_description.clone().unwrap_or_default();
        let facts = Facts {
            status: answer.status,
            codes,
            text: text.clone(),
        };
        let rules: Vec<Rule> = TOKEN_RULES
            .iter()
            .chain(crate::oauth::RULES)
            .copied()
            .collect();
        Verdict::from_rules(&rules, facts, vec![text])
    }

    /// An RFC 6749 code (a token request applies nothing either way).
    fn is_vendors_own(&self, _: u16) -> bool {
        crate::oauth::ERROR_CODES.contains(&self.error.as_str())
    }
}

/// Whether a login's error carries the identity platform's error `number` (its first code;
/// the numbers read here are none a prefix of another with another meaning).
pub(super) fn says(error: &Error, number: i64) -> bool {
    error.vendor_code_mentions(&[&aadsts_code(number)])
}

/// Why a password login of the user cannot prove a password, when its answer says so.
pub(super) fn login_cannot_prove(error: &Error) -> Option<&'static str> {
    let any = |numbers: &[i64]| numbers.iter().any(|n| says(error, *n));
    if any(&[
        aadsts::MFA_REQUIRED,
        aadsts::MFA_ENROLLMENT_REQUIRED,
        aadsts::MFA_INTERRUPT,
    ]) {
        Some(
            "the user needs multi-factor authentication (AADSTS50076/50079): a password login cannot complete, and Microsoft does not document that its refusal follows a password check",
        )
    } else if any(&[aadsts::PASSWORD_EXPIRED, aadsts::ON_PREM_PASSWORD_EXPIRED]) {
        Some(
            "the password must be changed at the next sign-in (AADSTS50055): Microsoft does not document that this answer follows a password check",
        )
    } else if any(&[aadsts::USER_DISABLED]) {
        Some("the user is disabled (AADSTS50057): it cannot sign in")
    } else if any(&[aadsts::CONDITIONAL_ACCESS, aadsts::SECURITY_DEFAULTS]) {
        Some(
            "Conditional Access or security defaults block password logins for this user (AADSTS53003/530035)",
        )
    } else if any(&[aadsts::NO_CONSENT]) {
        Some(
            "the login application has no consent for Microsoft Graph in this tenant (AADSTS65001)",
        )
    } else if any(&[
        aadsts::INVALID_CLIENT_SECRET,
        aadsts::EXPIRED_CLIENT_SECRET,
        aadsts::UNKNOWN_CLIENT,
    ]) || error.vendor_code_mentions(&["invalid_client", "unauthorized_client"])
    {
        Some(
            "the identity platform refused the login application (its id, its secret, or public client flows not allowed): check login_client_id and login_client_secret",
        )
    } else {
        None
    }
}

/// The kind from the rules, the explanation from here (never a value).
pub(super) fn explain(error: Error, operation: Operation) -> Error {
    let message = match (error.kind(), operation) {
        (ErrorKind::PolicyViolation, _) => {
            "Entra ID's password policy refused the new password (8 to 256 characters, three of lowercase, uppercase, digits and symbols, no banned password)"
        }
        (ErrorKind::PasswordReused, _) => {
            "Entra ID refused the new password: it is the user's last one"
        }
        (ErrorKind::CurrentPasswordInvalid, _) => "Entra ID refused the current password",
        (ErrorKind::Unauthenticated, Operation::AppLogin) => {
            "the identity platform refused the application's client credentials (client_id, client_secret, tenant)"
        }
        (ErrorKind::Unauthenticated, _) => {
            "Graph refused the token (InvalidAuthenticationToken): expired, or not for Microsoft Graph"
        }
        (ErrorKind::PermissionDenied, Operation::Reset) => {
            "Graph refused the reset (Authorization_RequestDenied): the application needs User-PasswordProfile.ReadWrite.All (or User.ReadWrite.All) and the User Administrator role, Privileged Authentication Administrator for an administrator's password"
        }
        (ErrorKind::PermissionDenied, Operation::OwnChange) => {
            "Graph refused the user's own change (Authorization_RequestDenied): the login application needs the delegated User-PasswordProfile.ReadWrite.All with consent"
        }
        (ErrorKind::PermissionDenied, _) => {
            "Graph refused the read (Authorization_RequestDenied): the token needs User.Read.All"
        }
        (ErrorKind::UserNotFound, _) => {
            "the tenant has no user with this object id or user principal name"
        }
        (ErrorKind::RateLimited, _) => {
            "Microsoft Graph throttled the request (429); nothing was applied"
        }
        _ => return error,
    };
    let kind = error.kind();
    error.reclassify(kind, message)
}
