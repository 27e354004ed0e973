#![doc = include_str!("../README.md")]

#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::unwrap_used)]
mod generated;

pub use generated::*;
pub use pwchange_core::{BoundedPassword, ClientContext, Credentials, SecretToken};

pwchange_core::impl_client_hooks!(Client);

/// The OAuth 2.0 scope that may set a user's password (and read it).
pub const SCOPE: &str = "https://www.googleapis.com/auth/admin.directory.user";

/// The shortest password the Directory API accepts, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The longest password the Directory API accepts, in characters.
pub const MAX_PASSWORD_CHARS: usize = 100;

/// What Google's JSON errors say (`error.errors[].reason`, `error.status`, `error.message`)
/// that tells the Directory API's refusals apart.
pub mod texts {
    /// A field the API refuses (`400`); with [`INVALID_PASSWORD`], the password.
    pub const INVALID: &str = "invalid";
    /// The message of a password the rules refuse (`400 invalid`).
    pub const INVALID_PASSWORD: &str = "Invalid Password";
    /// No such user in the administrator's domains (`404`).
    pub const NOT_FOUND: &str = "notFound";
    /// The same, as the v2 error format's canonical status (`404`).
    pub const NOT_FOUND_STATUS: &str = "NOT_FOUND";
    /// A missing, invalid or expired token (`401`).
    pub const AUTH_ERROR: &str = "authError";
    /// A token whose administrator or scope may not do this (`403`).
    pub const FORBIDDEN: &str = "forbidden";
    /// The per-user quota is spent (`403`).
    pub const USER_RATE_LIMIT_EXCEEDED: &str = "userRateLimitExceeded";
    /// The project's rate is spent (`403` or `429`).
    pub const RATE_LIMIT_EXCEEDED: &str = "rateLimitExceeded";
    /// A quota is spent (`403`).
    pub const QUOTA_EXCEEDED: &str = "quotaExceeded";
    /// The project's daily quota is spent (`403`).
    pub const DAILY_LIMIT_EXCEEDED: &str = "dailyLimitExceeded";
    /// The canonical status of a spent quota (`429`).
    pub const RESOURCE_EXHAUSTED: &str = "RESOURCE_EXHAUSTED";
    /// An error in Google's backend (`500`, `503`): the update may have been applied.
    pub const BACKEND_ERROR: &str = "backendError";
}
