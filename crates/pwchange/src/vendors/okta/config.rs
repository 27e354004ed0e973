//! Okta's configuration: its keys and its typed configuration.

use pwchange_core::SecretToken;
use pwchange_core::http::HttpConfig;
pub use pwchange_okta::AuthorizationMode;

use crate::Error;
use crate::config::{Common, Key, Keys};

const AUTHORIZATION_MODE: Key = Key::plain(
    "authorization_mode",
    "how the token is sent: ssws (an API token, the default) or bearer (an OAuth 2.0 access token with okta.users.manage)",
);
const STRICT: Key = Key::plain(
    "strict",
    "true: Okta applies the password policy's minimum age (and, to an administrative set, its history); default false, Okta's",
);

/// Okta's keys besides the common ones.
pub(super) const KEYS: &[Key] = &[AUTHORIZATION_MODE, STRICT];

/// Configuration of an Okta backend.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_OKTA_<KEY>`): the [common
/// keys](crate::COMMON_KEYS) (`base_url` is the org's, e.g. `https://example.okta.com`; `token`
/// is required: Okta's `change_password` needs one too); `authorization_mode` (`ssws`, the
/// default, or `bearer`) and `strict`.
#[derive(Debug, Clone)]
pub struct OktaConfig {
    pub(super) http: HttpConfig,
    pub(super) token: SecretToken,
    pub(super) mode: AuthorizationMode,
    pub(super) strict: bool,
}

impl OktaConfig {
    /// A configuration for the org at `base_url` with an API token (`SSWS`).
    pub fn new(base_url: &str, token: SecretToken) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            token,
            mode: AuthorizationMode::Ssws,
            strict: false,
        })
    }

    /// How the token is sent.
    pub fn authorization_mode(mut self, mode: AuthorizationMode) -> Self {
        self.mode = mode;
        self
    }

    /// Whether Okta applies the minimum age (and, to an administrative set, the history).
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// The configuration from the common settings and Okta's [`KEYS`].
    pub(crate) fn from_keys(common: Common, keys: &mut Keys) -> Result<Self, Error> {
        let mode_origin = keys
            .origin(AUTHORIZATION_MODE)
            .unwrap_or(AUTHORIZATION_MODE.name)
            .to_owned();
        let mode = match keys
            .string(AUTHORIZATION_MODE)
            .map(|m| m.to_ascii_lowercase())
        {
            None => AuthorizationMode::Ssws,
            Some(mode) if mode == "ssws" => AuthorizationMode::Ssws,
            Some(mode) if mode == "bearer" => AuthorizationMode::Bearer,
            Some(_) => {
                return Err(Error::invalid_input(format!(
                    "{mode_origin} must be ssws or bearer"
                )));
            }
        };
        let strict = keys.flag(STRICT)?.unwrap_or(false);
        let token = common.token.ok_or_else(|| {
            keys.no_credentials(
                "token (or token_file): an Okta API token (SSWS) or an OAuth 2.0 access token with authorization_mode = bearer",
            )
        })?;
        Ok(Self {
            http: common.http,
            token,
            mode,
            strict,
        })
    }
}
