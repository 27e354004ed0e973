#![doc = include_str!("../README.md")]

#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::unwrap_used)]
mod generated;

pub use generated::*;
pub use pwchange_core::{
    BoundedPassword, ClientContext, Credentials, SecretToken, UnboundedPassword,
};

use reqwest::header::{HeaderName, HeaderValue};

pwchange_core::impl_client_hooks!(Client);

/// The request header that carries a token.
pub const TOKEN_HEADER: &str = "x-vault-token";
/// The request header that names a namespace (OpenBao, Vault Enterprise).
pub const NAMESPACE_HEADER: &str = "x-vault-namespace";
/// The path of the userpass auth method when it is enabled without one (`vault auth enable
/// userpass`).
pub const DEFAULT_MOUNT: &str = "userpass";
/// The most bytes of a password bcrypt hashes; the server refuses a longer one (`500`).
pub const BCRYPT_MAX_BYTES: usize = 72;

/// The server's error texts (`{"errors": […]}`) that tell its refusals apart, as OpenBao 2.7.2
/// words them (Vault's userpass is the same code). Some arrive wrapped ("1 error occurred:\n\t*
/// …"): match them as parts of the text.
pub mod texts {
    /// A login with a wrong password or of an unknown user (`400`).
    pub const INVALID_CREDENTIALS: &str = "invalid username or password";
    /// A token that may not write the path, an unknown or revoked token, none (`403`).
    pub const PERMISSION_DENIED: &str = "permission denied";
    /// The password update of an unknown user (`500`, before anything is written).
    pub const USERNAME_DOES_NOT_EXIST: &str = "username does not exist";
    /// A password over 72 bytes (`500`, bcrypt refuses it before anything is written).
    pub const PASSWORD_TOO_LONG: &str = "bcrypt: password length exceeds";
    /// No password in the body (`400`).
    pub const NO_PASSWORD: &str = "must provide either password or password_hash";
    /// A sealed server (`503`).
    pub const SEALED: &str = "Vault is sealed";
    /// A request over a rate-limit quota (`429`).
    pub const RATE_LIMITED: &str = "rate limit quota exceeded";
    /// No auth method at the mount (`404`).
    pub const NO_HANDLER: &str = "no handler for route";
    /// A path the route does not accept, e.g. a user name outside userpass's form (`404`).
    pub const UNSUPPORTED_PATH: &str = "unsupported path";
    /// An unknown namespace (`404`).
    pub const NAMESPACE_NOT_FOUND: &str = "namespace not found";
}

/// The client context: `token` in `X-Vault-Token` (marked sensitive), or none (a login); and
/// `namespace` in `X-Vault-Namespace` when set. A namespace that is not a valid header value
/// is refused.
pub fn context(
    token: Option<SecretToken>,
    namespace: Option<&str>,
) -> Result<ClientContext, InvalidNamespace> {
    let context = match token {
        Some(token) => ClientContext::with_credentials(Credentials::TokenHeader {
            header: HeaderName::from_static(TOKEN_HEADER),
            token,
        }),
        None => ClientContext::anonymous(),
    };
    Ok(match namespace {
        Some(namespace) => {
            let value = HeaderValue::from_str(namespace).map_err(|_| InvalidNamespace)?;
            context.with_header(HeaderName::from_static(NAMESPACE_HEADER), value)
        }
        None => context,
    })
}

/// A namespace that cannot be sent as a header value (a control character, a non-ASCII one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the namespace is not a valid X-Vault-Namespace header value")]
pub struct InvalidNamespace;
