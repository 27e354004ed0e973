#![doc = include_str!("../README.md")]

#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::unwrap_used)]
mod generated;

pub use generated::*;
pub use pwchange_core::{
    BoundedPassword, ClientContext, Credentials, SecretToken, UnboundedPassword,
};

// A user id's `|` (`auth0|…`) is sent as `%7C`, as Auth0's own SDKs send it.
pwchange_core::impl_client_hooks!(Client, path_escapes = "|");

/// The longest password Auth0 keeps whole, in bytes (bcrypt's input; the legacy policy cuts a
/// longer one silently).
pub const MAX_PASSWORD_BYTES: usize = 72;

/// The `provider` of a database connection's identity (and the strategy of its connection).
pub const DATABASE_PROVIDER: &str = "auth0";

/// The Management API's audience for the tenant at `base_url` (`https://<tenant>/api/v2/`,
/// with the slash).
pub fn management_audience(base_url: &str) -> String {
    format!("{}/api/v2/", base_url.trim_end_matches('/'))
}

/// What Auth0's errors say that tells them apart: the Management API's `message` and
/// `errorCode`, the token endpoint's `error`.
pub mod texts {
    /// A password the strength policy refuses (`400`).
    pub const PASSWORD_STRENGTH: &str = "PasswordStrengthError";
    /// A password in the connection's history (`400`).
    pub const PASSWORD_HISTORY: &str = "PasswordHistoryError";
    /// A password in the connection's dictionary (`400`).
    pub const PASSWORD_DICTIONARY: &str = "PasswordDictionaryError";
    /// A password that holds the user's data (`400`).
    pub const PASSWORD_NO_USER_INFO: &str = "PasswordNoUserInfoError";
    /// A user that is not in a database connection (`400`).
    pub const CONNECTION_NOT_SUPPORTED: &str = "Connection is not supported for this operation";
    /// A connection name that does not exist (`400`).
    pub const CONNECTION_DOES_NOT_EXIST: &str = "Connection does not exist";
    /// A user of a disabled connection (`400`).
    pub const DISABLED_CONNECTION: &str = "disabled connection";
    /// An unknown user (`404`).
    pub const INEXISTENT_USER: &str = "inexistent_user";
    /// A token without the scope (`403`).
    pub const INSUFFICIENT_SCOPE: &str = "insufficient_scope";
    /// The rate limit (`429`).
    pub const TOO_MANY_REQUESTS: &str = "too_many_requests";
    /// The password-realm grant refused the user or its password (`403 invalid_grant`).
    pub const WRONG_CREDENTIALS: &str = "Wrong email or password";
    /// Brute-force protection blocked the user's logins from this address (`429`), whatever
    /// the password.
    pub const TOO_MANY_ATTEMPTS: &str = "too_many_attempts";
    /// The user needs a second factor (`mfa_required`).
    pub const MFA_REQUIRED: &str = "mfa_required";
    /// Breached password detection blocked the login.
    pub const PASSWORD_LEAKED: &str = "password_leaked";
    /// Bot detection wants a challenge no API login can answer.
    pub const REQUIRES_VERIFICATION: &str = "requires_verification";
}

/// Auth0's logins at `POST /oauth/token`.
#[derive(Debug, Clone)]
pub enum Grant<'a> {
    /// A machine-to-machine application's client credentials, for an API's token.
    ClientCredentials {
        /// The application's client id.
        client_id: &'a str,
        /// Its secret.
        client_secret: &'a SecretToken,
        /// The API ([`management_audience`] for the Management API).
        audience: &'a str,
    },
    /// A user's password in a database connection (the password-realm grant), through an
    /// application with the Password grant.
    PasswordRealm {
        /// The application's client id.
        client_id: &'a str,
        /// Its secret, when it is confidential.
        client_secret: Option<&'a SecretToken>,
        /// The user's email address or user name.
        username: &'a str,
        /// The password.
        password: &'a UnboundedPassword,
        /// The database connection's name.
        realm: &'a str,
    },
}

impl Grant<'_> {
    /// The token request's body.
    pub fn body(&self) -> Result<types::TokenRequest, types::error::ConversionError> {
        Ok(match self {
            Grant::ClientCredentials {
                client_id,
                client_secret,
                audience,
            } => types::TokenRequest {
                grant_type: types::TokenRequestGrantType::ClientCredentials,
                client_id: (*client_id).try_into()?,
                client_secret: Some((*client_secret).clone()),
                audience: Some((*audience).to_owned()),
                username: None,
                password: None,
                realm: None,
                scope: None,
            },
            Grant::PasswordRealm {
                client_id,
                client_secret,
                username,
                password,
                realm,
            } => types::TokenRequest {
                grant_type: types::TokenRequestGrantType::HttpAuth0ComOauthGrantTypePasswordRealm,
                client_id: (*client_id).try_into()?,
                client_secret: client_secret.cloned(),
                audience: None,
                username: Some((*username).to_owned()),
                password: Some(
                    BoundedPassword::new(password.expose_secret())
                        .map_err(|_| "an empty password cannot log in")?,
                ),
                realm: Some((*realm).to_owned()),
                scope: None,
            },
        })
    }
}
