#![doc = include_str!("../README.md")]

#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::unwrap_used)]
mod generated;

pub use generated::*;
pub use pwchange_core::{
    BoundedPassword, ClientContext, Credentials, SecretToken, UnboundedPassword,
};

use reqwest::header::{ACCEPT_LANGUAGE, HeaderName, HeaderValue};

pwchange_core::impl_client_hooks!(Client);

/// The request header that carries a token.
pub const AUTH_TOKEN_HEADER: &str = "x-auth-token";
/// The response header of a login that carries the new token.
pub const SUBJECT_TOKEN_HEADER: &str = "x-subject-token";
/// The start of Keystone's answer to a login with a correct but expired password (an
/// administrator set it under `change_password_upon_first_use`, or it passed
/// `password_expires_days`). Keystone checks the password before its expiry, so this answer
/// proves the password.
pub const PASSWORD_EXPIRED_MESSAGE: &str = "The password is expired and needs to be changed";

/// The client context for Keystone: `token` in `X-Auth-Token` on every request, or nothing
/// (a login, or a self-service change, which carries its own proof); and `Accept-Language: en`,
/// because Keystone translates its messages and clients tell its answers apart by them.
pub fn context(token: Option<SecretToken>) -> ClientContext {
    let context = match token {
        Some(token) => ClientContext::with_credentials(Credentials::TokenHeader {
            header: HeaderName::from_static(AUTH_TOKEN_HEADER),
            token,
        }),
        None => ClientContext::anonymous(),
    };
    context.with_header(ACCEPT_LANGUAGE, HeaderValue::from_static("en"))
}

/// The context of [`Client::revoke_token`] for a token revoking itself: `token` in both
/// `X-Auth-Token` and `X-Subject-Token` (marked sensitive).
pub fn revoking_context(token: SecretToken) -> ClientContext {
    let subject = HeaderValue::from_str(token.expose_secret()).map(|mut value| {
        value.set_sensitive(true);
        value
    });
    let context = context(Some(token));
    match subject {
        Ok(subject) => context.with_header(HeaderName::from_static(SUBJECT_TOKEN_HEADER), subject),
        // A `SecretToken` is visible ASCII, always a valid header value.
        Err(_) => context,
    }
}

/// Who logs in: a user by id, or by name in a domain (by id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginUser {
    /// The user's id.
    Id(String),
    /// The user's name and the id of its domain (`default` for Keystone's default domain).
    Name {
        /// The user name.
        name: String,
        /// The domain's id.
        domain_id: String,
    },
}

/// What a token is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginScope {
    /// No scope: enough to prove a password, not to administer users.
    Unscoped,
    /// A project by name in a domain (by id).
    Project {
        /// The project name.
        name: String,
        /// The id of the project's domain.
        domain_id: String,
    },
    /// The whole deployment (`{"system": {"all": true}}`).
    System,
}

/// The body of a password login as `user` with `password`, for `scope`.
pub fn auth_request(
    user: &LoginUser,
    password: pwchange_core::UnboundedPassword,
    scope: &LoginScope,
) -> types::AuthRequest {
    let domain = |id: &str| types::IdOrName {
        id: Some(id.to_owned()),
        name: None,
    };
    let (id, name, user_domain) = match user {
        LoginUser::Id(id) => (Some(id.clone()), None, None),
        LoginUser::Name { name, domain_id } => (None, Some(name.clone()), Some(domain(domain_id))),
    };
    let scope = match scope {
        LoginScope::Unscoped => None,
        LoginScope::Project { name, domain_id } => Some(types::Scope {
            project: Some(types::ProjectScope {
                id: None,
                name: Some(name.clone()),
                domain: Some(domain(domain_id)),
            }),
            domain: None,
            system: None,
        }),
        LoginScope::System => Some(types::Scope {
            project: None,
            domain: None,
            system: Some(types::SystemScope { all: true }),
        }),
    };
    types::AuthRequest {
        auth: types::Auth {
            identity: types::Identity {
                methods: vec!["password".to_owned()],
                password: types::PasswordMethod {
                    user: types::PasswordUser {
                        id,
                        name,
                        domain: user_domain,
                        password,
                    },
                },
            },
            scope,
        },
    }
}

/// Reads the token from a login response (`X-Subject-Token`).
pub fn subject_token<T>(response: &ResponseValue<T>) -> Result<SecretToken, MissingSubjectToken> {
    let value = response
        .headers()
        .get(SUBJECT_TOKEN_HEADER)
        .ok_or(MissingSubjectToken)?;
    let text = value.to_str().map_err(|_| MissingSubjectToken)?;
    SecretToken::new(text).map_err(|_| MissingSubjectToken)
}

/// A login response without a usable `X-Subject-Token` header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the Keystone login response has no usable X-Subject-Token header")]
pub struct MissingSubjectToken;

/// Keystone's login protocol: `POST /v3/auth/tokens?nocatalog=true` with `request`; the
/// token is in the `X-Subject-Token` response header, the token's user in the body.
pub async fn log_in(
    client: &Client,
    request: &types::AuthRequest,
) -> Result<(SecretToken, types::TokenUser), Error<types::Error>> {
    let response = client
        .authenticate()
        .nocatalog(true)
        .body(request.clone())
        .send()
        .await?;
    let token = subject_token(&response).map_err(|e| Error::Custom(e.to_string()))?;
    Ok((token, response.into_inner().token.user))
}

/// Whether a Keystone error message is the answer to a correct but expired password
/// ([`PASSWORD_EXPIRED_MESSAGE`]).
pub fn is_password_expired(message: &str) -> bool {
    message.starts_with(PASSWORD_EXPIRED_MESSAGE)
}
