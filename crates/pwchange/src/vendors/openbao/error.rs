//! OpenBao's error rules and error body: `{"errors": ["…"]}`, told apart by the text alone.

use pwchange_core::classify::{Facts, Rule, Status, Verdict, When};
use pwchange_core::http::Answer;
use pwchange_openbao::{texts, types};

use crate::transport::VendorError;
use crate::{Error, ErrorKind};

/// Which request an answer is to, for its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operation {
    /// The administrator's set, with the backend's token.
    Set,
    /// A user's set of its own password, with the token of its own login.
    OwnSet,
    /// A login: the administrator's, the user's with its current password, or a verification.
    Login,
}

/// OpenBao's error table.
pub(super) const RULES: &[Rule] = &[
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(&[texts::INVALID_CREDENTIALS]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    // OpenBao never answers an unknown user with 404 (its set answers 500, its login 400): a
    // 404 is a path that does not exist, a wrong base URL, mount or namespace.
    Rule::new(Status::OneOf(&[404]), When::Always, ErrorKind::InvalidInput),
    // `500`s the handler returns before it writes anything (`refused_before_writing` keeps
    // them refusals).
    Rule::new(
        Status::OneOf(&[500]),
        When::Mentions(&[texts::USERNAME_DOES_NOT_EXIST]),
        ErrorKind::UserNotFound,
    ),
    Rule::new(
        Status::OneOf(&[500]),
        When::Mentions(&[texts::PASSWORD_TOO_LONG]),
        ErrorKind::PolicyViolation,
    ),
];

/// The kind from [`RULES`], the explanation from here: the server's texts are terse. (The
/// messages name the settings, never their values.)
pub(super) fn explain(error: Error, operation: Operation) -> Error {
    let says = |needle: &str| error.vendor_mentions(&[needle]);
    let message = match (error.kind(), operation) {
        (ErrorKind::UserNotFound, _) => {
            "the userpass method at the configured mount has no user of this name (OpenBao answered 500 \"username does not exist\" before writing anything)"
        }
        (ErrorKind::PolicyViolation, _) => {
            "the new password is over 72 bytes, which bcrypt refuses (OpenBao answered 500 before writing anything)"
        }
        (ErrorKind::Unauthenticated, Operation::Set | Operation::OwnSet) => {
            "OpenBao does not know the token: it is unknown, expired or revoked (its bare 403 \"permission denied\")"
        }
        (ErrorKind::PermissionDenied, Operation::Set) => {
            "OpenBao refused the set: the token's policy does not grant update on auth/<mount>/users/<user>/password"
        }
        (ErrorKind::PermissionDenied, Operation::OwnSet) => {
            "OpenBao refused the user's own change: its policy does not grant update on its password path (a templated policy: path \"auth/<mount>/users/{{identity.entity.aliases.<mount accessor>.name}}/password\" { capabilities = [\"update\"] }); an administrator can set it instead"
        }
        (ErrorKind::Unauthenticated | ErrorKind::PermissionDenied, Operation::Login) => {
            return error.reclassify(
                ErrorKind::PermissionDenied,
                "OpenBao refused the login with 403: the user is locked out (user lockout), or no userpass method is at the configured mount in this namespace",
            );
        }
        (ErrorKind::InvalidInput, _) if says(texts::NO_HANDLER) => {
            "OpenBao has no auth method at the configured mount (in this namespace): check the mount setting (vault auth list shows the paths)"
        }
        (ErrorKind::InvalidInput, _) if says(texts::NAMESPACE_NOT_FOUND) => {
            "OpenBao has no such namespace: check the namespace setting"
        }
        (ErrorKind::InvalidInput, _) if says(texts::UNSUPPORTED_PATH) => {
            "OpenBao refused the path: the user name is not of userpass's form"
        }
        (ErrorKind::InvalidInput, _) if error.status() == Some(404) => {
            "OpenBao answered 404: check base_url (the server's address, without /v1), the mount and the namespace"
        }
        (ErrorKind::InvalidInput, _) => "OpenBao refused the request as malformed",
        (ErrorKind::RateLimited, _) => {
            "OpenBao refused the request over a rate-limit quota (sys/quotas/rate-limit); nothing was applied"
        }
        (ErrorKind::Unavailable, _) if says(texts::SEALED) => {
            "OpenBao is sealed: it serves nothing until it is unsealed; nothing was applied"
        }
        _ => return error,
    };
    let kind = error.kind();
    error.reclassify(kind, message)
}

/// Whether a failed login refused the password (or the user): `400` "invalid username or
/// password".
pub(super) fn login_refused(error: &Error) -> bool {
    error.kind() == ErrorKind::CurrentPasswordInvalid
}

impl VendorError for types::Error {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(body) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        // An unknown, expired or revoked token is refused before any policy is read, with the
        // bare text; a token the policy refuses gets it wrapped ("1 error occurred: …").
        if answer.status == 403
            && body
                .errors
                .iter()
                .map(|e| e.trim())
                .eq([texts::PERMISSION_DENIED])
        {
            return Verdict {
                kind: ErrorKind::Unauthenticated,
                code: None,
                messages: body.errors.clone(),
            };
        }
        let text = body.errors.join("\n");
        let facts = Facts {
            status: answer.status,
            codes: Vec::new(),
            text,
        };
        Verdict::from_rules(RULES, facts, body.errors.clone())
    }

    /// The userpass handler's two `500`s, each returned before it writes anything
    /// (`path_user_password.go`: the user is looked up, then bcrypt hashes the password, then
    /// the entry is stored), told by their exact sentences, bare or wrapped in a multierror.
    fn refused_before_writing(&self, status: u16) -> bool {
        let sentence = |text: &str| {
            let text = text.trim();
            text.strip_prefix("1 error occurred:")
                .map_or(text, str::trim)
                .strip_prefix("* ")
                .map_or(text, str::trim)
                .to_owned()
        };
        status == 500
            && !self.errors.is_empty()
            && self.errors.iter().map(|e| sentence(e)).all(|text| {
                text == texts::USERNAME_DOES_NOT_EXIST
                    || text
                        == format!(
                            "{} {} bytes",
                            texts::PASSWORD_TOO_LONG,
                            pwchange_openbao::BCRYPT_MAX_BYTES
                        )
            })
    }

    /// OpenBao's `503` is its own only with its own text: a sealed server. (`{"errors": […]}`
    /// alone is a shape any JSON gateway may share.)
    fn is_vendors_own(&self, status: u16) -> bool {
        status == 503 && self.errors.iter().any(|e| e == texts::SEALED)
    }
}
