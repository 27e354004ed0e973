//! Cloud Director's configuration: its keys and its typed configuration.

use pwchange_core::SecretToken;
use pwchange_core::http::HttpConfig;
use secrecy::SecretString;

use crate::Error;
use crate::config::{Common, Key, Keys, TokenOrLogin};

const USERNAME: Key = Key::login(
    "username",
    "user@organization, for a session login (with password, instead of token)",
);
const PASSWORD: Key = Key::secret("password", "the session login's password");
const API_VERSION: Key = Key::plain(
    "api_version",
    "the API version sent in Accept (default 38.0, at least 36.3)",
);

/// Cloud Director's keys besides the common ones.
pub(super) const KEYS: &[Key] = &[USERNAME, PASSWORD, API_VERSION];

/// How a Cloud Director backend authenticates.
#[derive(Debug, Clone)]
pub enum VcdAuth {
    /// A bearer token (JWT) from an earlier session.
    Token(SecretToken),
    /// Session login with `user@org` and password (`POST /cloudapi/1.0.0/sessions`, or
    /// `/sessions/provider` when the organization is `System`).
    Login {
        /// `user@org`.
        username: String,
        /// The password (the same user's current password, for a self-service change).
        password: SecretString,
    },
}

/// Configuration of a Cloud Director backend.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_VCD_<KEY>`): the [common
/// keys](crate::COMMON_KEYS) (`base_url` is the API host, e.g. `https://vcd.example.com`), `token`,
/// or `username` (`user@org`) and `password`; `api_version` (default 38.0, at least 36.3).
#[derive(Debug, Clone)]
pub struct VcdConfig {
    pub(super) http: HttpConfig,
    pub(super) auth: VcdAuth,
    pub(super) api_version: String,
}

impl VcdConfig {
    /// A configuration for the API host at `base_url`.
    pub fn new(base_url: &str, auth: VcdAuth) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            auth,
            api_version: pwchange_vcd::DEFAULT_API_VERSION.to_owned(),
        })
    }

    /// The API version sent in `Accept` (at least 36.3).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// The configuration from the common settings and Cloud Director's [`KEYS`].
    pub(crate) fn from_keys(common: Common, keys: &mut Keys) -> Result<Self, Error> {
        let auth = match keys.token_or_login(common.token, USERNAME, PASSWORD)? {
            TokenOrLogin::Token(token) => VcdAuth::Token(token),
            TokenOrLogin::Login { user, secret } => VcdAuth::Login {
                username: user,
                password: secret,
            },
        };
        Ok(Self {
            http: common.http,
            auth,
            api_version: keys
                .string(API_VERSION)
                .unwrap_or_else(|| pwchange_vcd::DEFAULT_API_VERSION.to_owned()),
        })
    }
}
