#![doc = include_str!("../README.md")]

#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::unwrap_used)]
mod generated;

pub use generated::*;
pub use pwchange_core::{
    BoundedPassword, ClientContext, Credentials, SecretToken, UnboundedPassword,
};

pwchange_core::impl_client_hooks!(Client);

/// The Microsoft Graph endpoint (global service).
pub const GRAPH: &str = "https://graph.microsoft.com";
/// The Microsoft identity platform's authority (global service), where the token endpoint is.
pub const AUTHORITY: &str = "https://login.microsoftonline.com";
/// The scope of a token for Microsoft Graph: the application's (or the user's consented)
/// permissions.
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
/// The longest password Entra ID accepts, in characters.
pub const MAX_PASSWORD_CHARS: usize = 256;
/// The shortest password Entra ID's policy accepts, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Graph's error codes (`error.code`) that tell its refusals apart.
pub mod codes {
    /// The token may not do this, or the user is an administrator the caller's role may not
    /// reset (`403`).
    pub const AUTHORIZATION_REQUEST_DENIED: &str = "Authorization_RequestDenied";
    /// A request Graph refuses, a password the policy refuses among them (`400`).
    pub const REQUEST_BAD_REQUEST: &str = "Request_BadRequest";
    /// No such user (`404`).
    pub const RESOURCE_NOT_FOUND: &str = "Request_ResourceNotFound";
    /// An invalid or expired token (`401`).
    pub const INVALID_AUTHENTICATION_TOKEN: &str = "InvalidAuthenticationToken";
    /// The text of a password the policy refuses, in a `Request_BadRequest`.
    pub const COMPLEXITY: &str = "password complexity";
}

/// The identity platform's `AADSTS` codes (`error_codes`) a password login answers.
pub mod aadsts {
    /// A wrong user name or password.
    pub const INVALID_USERNAME_OR_PASSWORD: i64 = 50126;
    /// No such user in the tenant.
    pub const USER_ACCOUNT_NOT_FOUND: i64 = 50034;
    /// The account is locked (smart lockout), or the sign-in came from a blocked address.
    pub const LOCKED: i64 = 50053;
    /// The account is disabled.
    pub const USER_DISABLED: i64 = 50057;
    /// The password is expired.
    pub const PASSWORD_EXPIRED: i64 = 50055;
    /// The on-premises password is expired.
    pub const ON_PREM_PASSWORD_EXPIRED: i64 = 50144;
    /// Multi-factor authentication is required.
    pub const MFA_REQUIRED: i64 = 50076;
    /// Multi-factor authentication must be registered.
    pub const MFA_ENROLLMENT_REQUIRED: i64 = 50079;
    /// The multi-factor challenge was not passed.
    pub const MFA_INTERRUPT: i64 = 50074;
    /// Blocked by Conditional Access.
    pub const CONDITIONAL_ACCESS: i64 = 53003;
    /// Blocked by security defaults.
    pub const SECURITY_DEFAULTS: i64 = 530_035;
    /// No consent to the application.
    pub const NO_CONSENT: i64 = 65001;
    /// A wrong client secret.
    pub const INVALID_CLIENT_SECRET: i64 = 7_000_215;
    /// An expired client secret.
    pub const EXPIRED_CLIENT_SECRET: i64 = 7_000_222;
    /// No such application in the tenant.
    pub const UNKNOWN_CLIENT: i64 = 700_016;
    /// No such tenant.
    pub const INVALID_TENANT: i64 = 90002;
}

/// The identity platform's logins at `POST {authority}/{tenant}/oauth2/v2.0/token`.
#[derive(Debug, Clone)]
pub enum Grant<'a> {
    /// An application's client credentials, for Graph.
    ClientCredentials {
        /// The application (client) id.
        client_id: &'a str,
        /// Its secret.
        client_secret: &'a SecretToken,
    },
    /// A user's password (the resource owner password credentials grant), through an
    /// application that allows public client flows.
    Password {
        /// The application (client) id.
        client_id: &'a str,
        /// Its secret, when it is confidential.
        client_secret: Option<&'a SecretToken>,
        /// The user principal name.
        username: &'a str,
        /// The password.
        password: &'a UnboundedPassword,
    },
}

impl Grant<'_> {
    /// The token request's form, for Graph's `.default` scope.
    pub fn form(&self) -> Result<types::TokenRequest, types::error::ConversionError> {
        Ok(match self {
            Grant::ClientCredentials {
                client_id,
                client_secret,
            } => types::TokenRequest {
                grant_type: types::TokenRequestGrantType::ClientCredentials,
                client_id: (*client_id).try_into()?,
                client_secret: Some((*client_secret).clone()),
                scope: GRAPH_SCOPE.try_into()?,
                username: None,
                password: None,
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
                scope: GRAPH_SCOPE.try_into()?,
                username: Some((*username).to_owned()),
                password: Some(
                    BoundedPassword::new(password.expose_secret())
                        .map_err(|_| "an empty password cannot log in")?,
                ),
            },
        })
    }
}
