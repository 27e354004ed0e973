//! The OAuth 2.0 token endpoint's error body (RFC 6749 section 5.2), which several vendors'
//! logins share: `{"error": "<code>", "error_description": "…"}`. Each vendor's spec declares its
//! own token operation and error type (its generated crate is its own); they all classify here.

use pwchange_core::classify::{Facts, Rule, Status, Verdict, When};
use pwchange_core::http::Answer;

use crate::ErrorKind;

/// The error codes of RFC 6749 (sections 5.2 and 4.1.2.1): what marks a token endpoint's own
/// error body.
pub(crate) const ERROR_CODES: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "access_denied",
    "server_error",
    "temporarily_unavailable",
];

/// A client's own credentials refused, or a grant refused: the login was refused.
pub(crate) const RULES: &[Rule] = &[
    Rule::new(
        Status::Any,
        When::CodeIs(&["invalid_client", "unauthorized_client", "invalid_grant"]),
        ErrorKind::Unauthenticated,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["invalid_scope", "access_denied"]),
        ErrorKind::PermissionDenied,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["temporarily_unavailable"]),
        ErrorKind::Unavailable,
    ),
];

/// A vendor's generated type for the token endpoint's error body.
pub(crate) trait ErrorBody {
    /// `error`: the RFC 6749 code (or the vendor's own).
    fn code(&self) -> &str;
    /// `error_description`, when there is one.
    fn description(&self) -> Option<&str>;
}

/// The verdict on a token endpoint's answer: `vendor_rules` first (which may read the
/// description, the only place some vendors say why), then [`RULES`], then the status.
pub(crate) fn verdict<E: ErrorBody>(answer: &Answer<E>, vendor_rules: &[Rule]) -> Verdict {
    let Some(body) = &answer.body else {
        return Verdict::by_status(answer.status);
    };
    let facts = Facts {
        status: answer.status,
        codes: vec![body.code().to_owned()],
        text: body.description().unwrap_or_default().to_owned(),
    };
    let rules: Vec<Rule> = vendor_rules.iter().chain(RULES).copied().collect();
    Verdict::from_rules(
        &rules,
        facts,
        body.description().map(str::to_owned).into_iter().collect(),
    )
}

/// Whether the body is a token endpoint's own: its code is one of RFC 6749's (a token request
/// applies nothing either way).
pub(crate) fn is_own<E: ErrorBody>(body: &E) -> bool {
    ERROR_CODES.contains(&body.code())
}

/// `VendorError` for a vendor's generated OAuth error type, with the vendor's rules before
/// [`RULES`]: `oauth_error!(types::OAuthError, error, error_description, RULES)`.
macro_rules! oauth_error {
    ($type:ty, $code:ident, $description:ident, $rules:expr) => {
        impl $crate::oauth::ErrorBody for $type {
            fn code(&self) -> &str {
                &self.$code
            }
            fn description(&self) -> Option<&str> {
                self.$description.as_deref()
            }
        }

        impl $crate::transport::VendorError for $type {
            fn verdict(
                answer: &pwchange_core::http::Answer<Self>,
            ) -> pwchange_core::classify::Verdict {
                $crate::oauth::verdict(answer, $rules)
            }

            /// An RFC 6749 error code (a token request applies nothing either way).
            fn is_vendors_own(&self, _: u16) -> bool {
                $crate::oauth::is_own(self)
            }
        }
    };
}
pub(crate) use oauth_error;

#[cfg(test)]
mod tests {
    use super::*;

    struct Body(&'static str, Option<&'static str>);
    impl ErrorBody for Body {
        fn code(&self) -> &str {
            self.0
        }
        fn description(&self) -> Option<&str> {
            self.1
        }
    }

    fn answer(status: u16, body: Option<Body>) -> Answer<Body> {
        Answer {
            status,
            body,
            text: None,
            retry_after: None,
        }
    }

    #[test]
    fn the_vendors_rules_come_first_then_rfc_6749s_then_the_status() {
        let vendor: &[Rule] = &[Rule::new(
            Status::OneOf(&[400]),
            When::Mentions(&["not fully set up"]),
            ErrorKind::Unexpected,
        )];
        let cases = [
            (
                400,
                "invalid_grant",
                Some("Account is not fully set up"),
                ErrorKind::Unexpected,
            ),
            (
                400,
                "invalid_grant",
                Some("Invalid user credentials"),
                ErrorKind::Unauthenticated,
            ),
            (401, "invalid_client", None, ErrorKind::Unauthenticated),
            (400, "unauthorized_client", None, ErrorKind::Unauthenticated),
            (400, "invalid_scope", None, ErrorKind::PermissionDenied),
            (403, "access_denied", None, ErrorKind::PermissionDenied),
            (503, "temporarily_unavailable", None, ErrorKind::Unavailable),
            (400, "unsupported_grant_type", None, ErrorKind::InvalidInput),
            (500, "server_error", None, ErrorKind::OutcomeUnknown),
        ];
        for (status, code, description, kind) in cases {
            let verdict = verdict(&answer(status, Some(Body(code, description))), vendor);
            assert_eq!(verdict.kind, kind, "{status} {code} {description:?}");
            assert_eq!(verdict.code.as_deref(), Some(code));
            assert_eq!(
                verdict.messages,
                description
                    .map(str::to_owned)
                    .into_iter()
                    .collect::<Vec<_>>()
            );
        }
        assert_eq!(
            verdict::<Body>(&answer(401, None), vendor).kind,
            ErrorKind::Unauthenticated
        );
        assert!(is_own(&Body("invalid_grant", None)));
        assert!(!is_own(&Body("HTTP 401 Unauthorized", None)));
    }
}
