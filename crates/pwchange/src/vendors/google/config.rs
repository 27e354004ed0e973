//! Google's configuration: the common keys only (an OAuth 2.0 access token).

use pwchange_core::SecretToken;
use pwchange_core::http::HttpConfig;

use crate::Error;
use crate::config::{Common, Key, Keys};

/// Google's keys besides the common ones: none.
pub(super) const KEYS: &[Key] = &[];

/// Configuration of a Google Workspace backend.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_GOOGLE_<KEY>`): the [common
/// keys](crate::COMMON_KEYS) only: `base_url` is the Directory API's root,
/// `https://admin.googleapis.com`; `token` (or `token_file`) is required: an OAuth 2.0 access
/// token with the scope [`pwchange_google::SCOPE`] of an administrator who may manage the users
/// (usually a service account's, with domain-wide delegation; pwchange does not mint it).
#[derive(Debug, Clone)]
pub struct GoogleConfig {
    pub(super) http: HttpConfig,
    pub(super) token: SecretToken,
}

impl GoogleConfig {
    /// A configuration for the Directory API at `base_url` (`https://admin.googleapis.com`)
    /// with an access token.
    pub fn new(base_url: &str, token: SecretToken) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            token,
        })
    }

    /// The configuration from the common settings.
    pub(crate) fn from_keys(common: Common, keys: &mut Keys) -> Result<Self, Error> {
        let token = common.token.ok_or_else(|| {
            keys.no_credentials(
                "token (or token_file): an OAuth 2.0 access token with the scope https://www.googleapis.com/auth/admin.directory.user",
            )
        })?;
        Ok(Self {
            http: common.http,
            token,
        })
    }
}
