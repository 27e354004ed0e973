//! UiPath's configuration: its keys and its typed configuration.

use pwchange_core::SecretToken;
use pwchange_core::http::HttpConfig;

use crate::Error;
use crate::config::{Common, Key, Keys, TokenOrLogin};
use pwchange_uipath::DEFAULT_SCOPE;

const CLIENT_ID: Key = Key::login(
    "client_id",
    "an external application's id (with client_secret, instead of token)",
);
const CLIENT_SECRET: Key = Key::secret("client_secret", "the external application's secret");
const SCOPE: Key = Key::login(
    "scope",
    "the scopes asked for (default \"PM.User PM.User.Write\"; add PM.Setting.Read for the policy)",
);
const ORGANIZATION_ID: Key = Key::plain(
    "organization_id",
    "the organization's id (partitionGlobalId) for the policy read (default: the token's)",
);

/// UiPath's keys besides the common ones.
pub(super) const KEYS: &[Key] = &[CLIENT_ID, CLIENT_SECRET, SCOPE, ORGANIZATION_ID];

/// How a UiPath backend authenticates.
#[derive(Debug, Clone)]
pub enum UipathAuth {
    /// A bearer token with the `PM.User` or `PM.User.Write` scope.
    Token(SecretToken),
    /// The client-credentials grant of a confidential external application
    /// (`POST {identity}/connect/token`).
    ClientCredentials {
        /// The application id.
        client_id: String,
        /// The application secret.
        client_secret: SecretToken,
        /// Space-separated scopes; default [`DEFAULT_SCOPE`].
        scope: String,
    },
}

impl UipathAuth {
    /// The client-credentials grant of a confidential external application with the default
    /// scope ([`DEFAULT_SCOPE`]); [`with_scope`](Self::with_scope) asks for others.
    pub fn client_credentials(client_id: impl Into<String>, client_secret: SecretToken) -> Self {
        UipathAuth::ClientCredentials {
            client_id: client_id.into(),
            client_secret,
            scope: DEFAULT_SCOPE.to_owned(),
        }
    }

    /// A client-credentials grant asking for `scope` (space-separated) instead; a token is
    /// left as it is (its scopes are the token's).
    pub fn with_scope(self, scope: impl Into<String>) -> Self {
        match self {
            UipathAuth::ClientCredentials {
                client_id,
                client_secret,
                ..
            } => UipathAuth::ClientCredentials {
                client_id,
                client_secret,
                scope: scope.into(),
            },
            token => token,
        }
    }
}

/// Configuration of a UiPath backend. The base URL is the Identity base
/// (`pwchange_uipath::IdentityBase::url`), e.g. `https://cloud.uipath.com/acme/identity_`.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_UIPATH_<KEY>`): the [common
/// keys](crate::COMMON_KEYS), and `token`, or `client_id` and `client_secret` (optional `scope`);
/// `organization_id` (the organization's id, UiPath's `partitionGlobalId`) for the policy read,
/// when the token's organization is not the one meant.
#[derive(Debug, Clone)]
pub struct UipathConfig {
    pub(super) http: HttpConfig,
    pub(super) auth: UipathAuth,
    pub(super) organization_id: Option<uuid::Uuid>,
}

impl UipathConfig {
    /// A configuration for the Identity base at `base_url`.
    pub fn new(base_url: &str, auth: UipathAuth) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            auth,
            organization_id: None,
        })
    }

    /// The organization (`partitionGlobalId`) whose password policy applies.
    pub fn organization_id(mut self, organization_id: uuid::Uuid) -> Self {
        self.organization_id = Some(organization_id);
        self
    }

    /// The configuration from the common settings and UiPath's [`KEYS`].
    pub(crate) fn from_keys(common: Common, keys: &mut Keys) -> Result<Self, Error> {
        let auth = match keys.token_or_login(common.token, CLIENT_ID, CLIENT_SECRET)? {
            TokenOrLogin::Token(token) => UipathAuth::Token(token),
            TokenOrLogin::Login { user, secret } => {
                let secret = SecretToken::new(secrecy::ExposeSecret::expose_secret(&secret))
                    .map_err(|e| Error::invalid_input(format!("client_secret: {e}")))?;
                let auth = UipathAuth::client_credentials(user, secret);
                // Read only for the grant: beside a token it is reported unused.
                match keys.string(SCOPE) {
                    Some(scope) => auth.with_scope(scope),
                    None => auth,
                }
            }
        };
        let organization_id = keys
            .string(ORGANIZATION_ID)
            .map(|id| {
                uuid::Uuid::try_parse(id.trim()).map_err(|_| {
                    Error::invalid_input("organization_id must be the organization's UUID")
                })
            })
            .transpose()?;
        Ok(Self {
            http: common.http,
            auth,
            organization_id,
        })
    }
}
