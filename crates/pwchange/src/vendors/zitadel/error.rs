//! ZITADEL's error rules and error bodies.

use pwchange_core::classify::{Facts, Rule, Status, Verdict, When, classify};
use pwchange_core::connect;
use pwchange_core::http::Answer;
use pwchange_zitadel::types;

use crate::ErrorKind;
use crate::transport::VendorError;

/// Password complexity ids (MinLength, HasLower, HasUpper, HasNumber, HasSymbol): the suffix is
/// stable, the prefix changed from DOMAIN- to COMMA- across versions.
pub(super) const POLICY_IDS: &[&str] = &["HuJf6", "co3Xw", "VoaRj", "ZBv4H", "ZDLwA"];

/// The error ids of a locked user (they end ZITADEL's message too, in parentheses).
pub(super) const LOCKED_IDS: &[&str] = &["JLK35", "SFA3t"];

/// ZITADEL's error table: the detail's type and id first, then its message key, then the gRPC
/// code (`grpc:<n>`), then the status.
pub(super) const RULES: &[Rule] = &[
    // A locked user (sent with a CredentialsCheckError detail too): nothing about the password.
    Rule::new(
        Status::Any,
        When::CodeEndsWith(LOCKED_IDS),
        ErrorKind::PermissionDenied,
    ),
    Rule::new(
        Status::Any,
        When::CodeEndsWith(&["CredentialsCheckError"]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    // Messages are translated into the caller's language: the untranslated key or ZITADEL's
    // English text where they survive, else the ids below.
    Rule::new(
        Status::Any,
        When::Mentions(&[
            "password.invalid",
            "password is invalid",
            "invalid password",
            "wrong password",
        ]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    // COMMAND-3M0fs without a CredentialsCheckError detail is one of its reuses: a missing id
    // or an empty password.
    Rule::new(
        Status::Any,
        When::CodeEndsWith(&["3M0fs"]),
        ErrorKind::InvalidInput,
    ),
    // A wrong or expired reset code, or none pending: the change's proof is wrong, as with a
    // wrong current password.
    Rule::new(
        Status::Any,
        When::CodeEndsWith(&["woT0xc", "QvUQ4P", "2M9fs"]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    Rule::new(
        Status::Any,
        When::Mentions(&["code.invalid", "code.expired", "code.notfound"]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    Rule::new(
        Status::Any,
        When::CodeEndsWith(&["G8dh3", "ugjs0upun6", "uXHNj"]),
        ErrorKind::UserNotFound,
    ),
    Rule::new(
        Status::Any,
        When::Mentions(&["errors.user.notfound", "user could not be found"]),
        ErrorKind::UserNotFound,
    ),
    // Not initialised, no password set: the user's state, not the request, is the obstacle.
    Rule::new(
        Status::Any,
        When::CodeEndsWith(&["M9dse", "Fds3s", "3nJ4t", "M0g95"]),
        ErrorKind::InvalidInput,
    ),
    Rule::new(
        Status::Any,
        When::CodeEndsWith(POLICY_IDS),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::Any,
        When::Mentions(&[
            "password.complexity",
            "complexity",
            "must be at least",
            "must contain",
        ]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::Any,
        When::CodeEndsWith(&["Aesh5", "Aeh3"]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::Any,
        When::Mentions(&[
            "notchanged",
            "not changed",
            "same as",
            "already used",
            "history",
        ]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["grpc:3", "grpc:11"]),
        ErrorKind::InvalidInput,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["grpc:5"]),
        ErrorKind::UserNotFound,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["grpc:7"]),
        ErrorKind::PermissionDenied,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["grpc:8"]),
        ErrorKind::RateLimited,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["grpc:9"]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["grpc:14"]),
        ErrorKind::Unavailable,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["grpc:16"]),
        ErrorKind::Unauthenticated,
    ),
];

/// What ZITADEL's two error bodies say, in one form for [`RULES`].
pub(super) struct ZitadelFailure {
    status: u16,
    /// The error id (`COMMAND-3M0fs`).
    id: Option<String>,
    /// The detail's type (`…zitadel.v1.CredentialsCheckError`).
    detail_type: Option<String>,
    /// The gRPC code number.
    grpc_code: Option<i32>,
    messages: Vec<String>,
}

impl ZitadelFailure {
    fn verdict(self) -> Verdict {
        let codes = [
            self.id.clone(),
            self.detail_type,
            self.grpc_code.map(|c| format!("grpc:{c}")),
        ];
        let facts = Facts {
            status: self.status,
            codes: codes.into_iter().flatten().collect(),
            text: self.messages.join(" "),
        };
        Verdict {
            kind: classify(RULES, &facts),
            code: self.id,
            messages: self.messages,
        }
    }
}

impl ZitadelFailure {
    fn of_rpc_status(status: u16, body: &types::RpcStatus) -> Self {
        let detail = body.details.first();
        let mut messages = vec![body.message.clone().unwrap_or_default()];
        messages.extend(
            body.details
                .iter()
                .skip(1)
                .filter_map(|d| d.message.clone()),
        );
        ZitadelFailure {
            status,
            id: detail.and_then(|d| d.id.clone()),
            detail_type: detail.and_then(|d| d.type_.clone()),
            grpc_code: body.code,
            messages,
        }
    }
}

impl VendorError for types::RpcStatus {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(body) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        ZitadelFailure::of_rpc_status(answer.status, body).verdict()
    }

    /// ZITADEL's errors carry its error id (`COMMAND-3M0fs`) in their first detail; a
    /// gateway's `{"code": 14, "message": "no healthy upstream"}` carries none.
    fn is_vendors_own(&self, status: u16) -> bool {
        ZitadelFailure::of_rpc_status(status, self).id.is_some()
    }
}

/// The `id` and `message` of a `zitadel.v1.ErrorDetail` in protobuf form (fields 1 and 2, both
/// strings; a field that is not UTF-8 gives nothing); anything malformed gives nothing.
pub(super) fn decode_error_detail(bytes: &[u8]) -> (Option<String>, Option<String>) {
    let Some(fields) = connect::length_delimited_fields(bytes) else {
        return (None, None);
    };
    let (mut id, mut message) = (None, None);
    for (number, field) in fields {
        let text = String::from_utf8(field.to_vec()).ok();
        match number {
            1 => id = text,
            2 => message = text,
            _ => {}
        }
    }
    (id, message)
}

impl ZitadelFailure {
    fn of_connect_error(status: u16, error: &types::ConnectError) -> Self {
        let detail = error.details.first();
        let debug_field = |name: &str| {
            detail
                .and_then(|d| d.debug.get(name))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let (decoded_id, decoded_message) = detail
            .and_then(|d| d.value.as_deref())
            .and_then(connect::detail_value)
            .map_or((None, None), |bytes| decode_error_detail(&bytes));
        let mut messages = vec![error.message.clone().unwrap_or_default()];
        messages.extend(decoded_message.or_else(|| debug_field("message")));
        ZitadelFailure {
            status,
            id: decoded_id.or_else(|| debug_field("id")),
            detail_type: detail.and_then(|d| d.type_.clone()),
            grpc_code: error.code.as_deref().and_then(connect::grpc_code),
            messages,
        }
    }
}

impl VendorError for types::ConnectError {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(error) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        ZitadelFailure::of_connect_error(answer.status, error).verdict()
    }

    /// As for the grpc-gateway's body: ZITADEL's error id in the first detail.
    fn is_vendors_own(&self, status: u16) -> bool {
        ZitadelFailure::of_connect_error(status, self).id.is_some()
    }
}
