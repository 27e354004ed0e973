//! Bienport's configuration: its keys, its typed configuration and how to authenticate.

use pwchange_core::SecretToken;
use pwchange_core::http::HttpConfig;
use secrecy::SecretString;

use crate::Error;
use crate::config::{Common, Key, Keys, TokenOrLogin};

/// The organization every request acts in.
const ORGANIZATION_ID: Key = Key::plain(
    "organization_id",
    "the numeric organization id (the OrganizationId header; required)",
);
/// The login's screen name.
const SCREEN_NAME: Key = Key::login(
    "screen_name",
    "the login's screen name (with password, instead of token)",
);
/// The login's password.
const PASSWORD: Key = Key::secret("password", "the login's password");

/// Bienport's keys besides the common ones.
pub(super) const KEYS: &[Key] = &[ORGANIZATION_ID, SCREEN_NAME, PASSWORD];

/// How a Bienport backend authenticates.
#[derive(Debug, Clone)]
pub enum BienportAuth {
    /// An access token (`Authorization: Bearer <token>`).
    Token(SecretToken),
    /// `POST /api/auth/login` with a screen name and password.
    Login {
        /// The screen name (often a phone number).
        screen_name: String,
        /// The password.
        password: SecretString,
    },
}

/// Configuration of a Bienport backend.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_BIENPORT_<KEY>`): the [common
/// keys](crate::COMMON_KEYS) (`base_url` e.g. `https://apigw.bienport.com`), `organization_id`
/// (required), and `token` or `screen_name` and `password`.
#[derive(Debug, Clone)]
pub struct BienportConfig {
    pub(super) http: HttpConfig,
    pub(super) auth: BienportAuth,
    pub(super) organization_id: u64,
}

impl BienportConfig {
    /// A configuration for the gateway at `base_url`, acting in organization `organization_id`
    /// (the `OrganizationId` header; one of the login response's `organizationIds`).
    pub fn new(base_url: &str, auth: BienportAuth, organization_id: u64) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            auth,
            organization_id,
        })
    }

    /// The configuration from the common settings and Bienport's [`KEYS`].
    pub(crate) fn from_keys(common: Common, keys: &mut Keys) -> Result<Self, Error> {
        let organization_id = keys
            .parse::<u64>(ORGANIZATION_ID, "a number, e.g. 20635")?
            .ok_or_else(|| keys.missing(ORGANIZATION_ID, "the numeric organization id"))?;
        let auth = match keys.token_or_login(common.token, SCREEN_NAME, PASSWORD)? {
            TokenOrLogin::Token(token) => BienportAuth::Token(token),
            TokenOrLogin::Login { user, secret } => BienportAuth::Login {
                screen_name: user,
                password: secret,
            },
        };
        Ok(Self {
            http: common.http,
            auth,
            organization_id,
        })
    }
}
