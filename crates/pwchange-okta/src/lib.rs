#![doc = include_str!("../README.md")]

#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::unwrap_used)]
mod generated;

pub use generated::*;
pub use pwchange_core::{
    BoundedPassword, ClientContext, Credentials, SecretToken, UnboundedPassword,
};

pwchange_core::impl_client_hooks!(Client);

/// The longest password Okta accepts, in characters.
pub const MAX_PASSWORD_CHARS: usize = 72;

/// How a request carries its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthorizationMode {
    /// An API token: `Authorization: SSWS <token>`.
    #[default]
    Ssws,
    /// An OAuth 2.0 access token: `Authorization: Bearer <token>`.
    Bearer,
}

/// The client context for `token` in `mode`.
pub fn context(mode: AuthorizationMode, token: SecretToken) -> ClientContext {
    match mode {
        AuthorizationMode::Ssws => ClientContext::with_credentials(Credentials::Scheme {
            scheme: "SSWS",
            token,
        }),
        AuthorizationMode::Bearer => ClientContext::bearer(token),
    }
}

/// Okta's error codes (`errorCode`) and the causes (`errorCauses[].errorSummary`) that tell its
/// refusals apart, from its error code catalogue and observed answers.
pub mod texts {
    /// A validation failure (`400`); the causes say which.
    pub const API_VALIDATION_FAILED: &str = "E0000001";
    /// A body that is not well-formed (`400`).
    pub const MALFORMED: &str = "E0000003";
    /// Primary authentication refused: wrong credentials, or a hidden lockout (`401`).
    pub const AUTHENTICATION_FAILED: &str = "E0000004";
    /// The token may not do this (`403`).
    pub const PERMISSION_DENIED: &str = "E0000006";
    /// No such resource (`404`).
    pub const NOT_FOUND: &str = "E0000007";
    /// An invalid, expired or revoked token (`401`).
    pub const INVALID_TOKEN: &str = "E0000011";
    /// "Update of credentials failed" (`403`): a wrong current password, or a refused one.
    pub const CREDENTIALS_UPDATE_FAILED: &str = "E0000014";
    /// "Change password not allowed on specified user." (`403`).
    pub const CHANGE_NOT_ALLOWED: &str = "E0000035";
    /// Not allowed in the user's current status (`403`).
    pub const WRONG_STATUS: &str = "E0000038";
    /// Credentials cannot be set on this user (a federated or social one, `400`).
    pub const NO_CREDENTIALS_HERE: &str = "E0000041";
    /// The rate limit (`429`).
    pub const RATE_LIMITED: &str = "E0000047";
    /// A password the policy refuses (`403`).
    pub const POLICY_VIOLATION: &str = "E0000080";
    /// A user still being activated (`409`).
    pub const STILL_ACTIVATING: &str = "E0000112";
    /// A cause: the current password is wrong.
    pub const OLD_PASSWORD_WRONG: &str = "oldPassword: The credentials provided were incorrect";
    /// A cause: the new password breaks the policy.
    pub const REQUIREMENTS_NOT_MET: &str = "Password requirements were not met";
    /// A cause: the new password is in the history.
    pub const USED_TOO_RECENTLY: &str = "used too recently";
    /// A cause: the new password is the current one.
    pub const IS_CURRENT: &str = "cannot be your current password";
}

/// `authn`'s transaction statuses that matter to a verification.
pub mod authn_status {
    /// The password is right; a one-time session token was issued.
    pub const SUCCESS: &str = "SUCCESS";
    /// "The user's password was successfully validated but is expired."
    pub const PASSWORD_EXPIRED: &str = "PASSWORD_EXPIRED";
    /// "Successfully validated but is about to expire."
    pub const PASSWORD_WARN: &str = "PASSWORD_WARN";
    /// A second factor is needed.
    pub const MFA_REQUIRED: &str = "MFA_REQUIRED";
    /// A second factor must be enrolled.
    pub const MFA_ENROLL: &str = "MFA_ENROLL";
    /// A second factor's challenge is pending.
    pub const MFA_CHALLENGE: &str = "MFA_CHALLENGE";
    /// The user is locked out (where the policy shows lockouts).
    pub const LOCKED_OUT: &str = "LOCKED_OUT";
}
