#![doc = include_str!("../README.md")]

#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::unwrap_used)]
mod generated;

pub use generated::*;
pub use pwchange_core::{
    BoundedPassword, ClientContext, Credentials, SecretToken, UnboundedPassword,
};

pwchange_core::impl_client_hooks!(Client);

/// The client every realm has: public, with direct access grants (the `password` grant) on by
/// default. An administrator's login uses it in `master`, a verification in the user's realm.
pub const ADMIN_CLI: &str = "admin-cli";
/// The realm of the server's administrators.
pub const MASTER_REALM: &str = "master";

/// What Keycloak's errors (`{"error", "error_description"}`) say, as its code words them. The
/// admin API's policy refusals carry a message key in `error` (the contract: the description is
/// localized); other errors a short text.
pub mod texts {
    /// The prefix of every password policy refusal's message key
    /// (`invalidPasswordMinLengthMessage` …).
    pub const POLICY_KEY_PREFIX: &str = "invalidPassword";
    /// The policy's history refusal (`passwordHistory(n)`).
    pub const HISTORY_KEY: &str = "invalidPasswordHistoryMessage";
    /// Older servers' history refusal, thrown outside the policy.
    pub const HISTORY_TEXT: &str = "old passwords is not allowed";
    /// The password grant refused the user or its password (`401`: the password; `400`: an
    /// unknown, service-account or brute-force-locked user).
    pub const INVALID_CREDENTIALS: &str = "Invalid user credentials";
    /// The password (and OTP) were right, and the user has required actions (a temporary
    /// password): no session, but the password is proven.
    pub const NOT_FULLY_SET_UP: &str = "Account is not fully set up";
    /// A disabled user's password grant (`400`, before the password is checked).
    pub const ACCOUNT_DISABLED: &str = "Account disabled";
    /// A client without direct access grants (`400 unauthorized_client`).
    pub const NO_DIRECT_GRANTS: &str = "not allowed for direct access grants";
    /// An unknown user id (`404`).
    pub const USER_NOT_FOUND: &str = "User not found";
    /// An unknown realm (`404`).
    pub const REALM_NOT_FOUND: &str = "Realm not found";
    /// No token, an expired one, or one from another server (`401`).
    pub const UNAUTHORIZED: &str = "HTTP 401 Unauthorized";
    /// A user of a read-only user federation (`400`).
    pub const READ_ONLY: &str = "account is read only";
    /// An empty or blank password (`400`).
    pub const EMPTY_PASSWORD: &str = "Empty password not allowed";
}

/// Keycloak's logins at `POST /realms/{realm}/protocol/openid-connect/token`.
#[derive(Debug, Clone)]
pub enum Grant<'a> {
    /// A client's service account (`client_credentials`).
    ClientCredentials {
        /// The client.
        client_id: &'a str,
        /// Its secret.
        client_secret: &'a SecretToken,
    },
    /// A user's password (`password`), through a client with direct access grants.
    Password {
        /// The client ([`ADMIN_CLI`] unless another is configured).
        client_id: &'a str,
        /// The client's secret, when it is confidential.
        client_secret: Option<&'a SecretToken>,
        /// The user name.
        username: &'a str,
        /// The password.
        password: &'a UnboundedPassword,
    },
}

impl Grant<'_> {
    /// The token request's form.
    pub fn form(&self) -> Result<types::TokenRequest, types::error::ConversionError> {
        Ok(match self {
            Grant::ClientCredentials {
                client_id,
                client_secret,
            } => types::TokenRequest {
                grant_type: types::TokenRequestGrantType::ClientCredentials,
                client_id: (*client_id).try_into()?,
                client_secret: Some((*client_secret).clone()),
                username: None,
                password: None,
                scope: None,
            },
            Grant::Password {
                client_id,
                client_secret,
                username,
                password,
            } => types::TokenRequest {
                grant_type: types::TokenRequestGrantType::Password,
                client_id: (*client_id).try_into()?,
                client_secret: client_secret.cloned(),
                username: Some((*username).to_owned()),
                password: Some(
                    BoundedPassword::new(password.expose_secret())
                        .map_err(|_| "an empty password cannot log in")?,
                ),
                scope: None,
            },
        })
    }
}
