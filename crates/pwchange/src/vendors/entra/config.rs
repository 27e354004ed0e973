//! Entra ID's configuration: its keys and its typed configuration.

use pwchange_core::SecretToken;
use pwchange_core::http::HttpConfig;
use secrecy::{ExposeSecret as _, SecretString};

use crate::Error;
use crate::config::{Common, Key, Keys};

const TENANT: Key = Key::plain(
    "tenant",
    "the tenant's id or one of its domains (required for every login: client credentials, a user's own change, a verification)",
);
const CLIENT_ID: Key = Key::login(
    "client_id",
    "an application with User-PasswordProfile.ReadWrite.All and the User Administrator role, for its client credentials (with client_secret, instead of token)",
);
const CLIENT_SECRET: Key = Key::secret("client_secret", "the application's client secret");
const LOGIN_CLIENT_ID: Key = Key::plain(
    "login_client_id",
    "the application users' password logins go through (self-service changes and verifications; it must allow public client flows)",
);
const LOGIN_CLIENT_SECRET: Key = Key::secret(
    "login_client_secret",
    "the login application's secret, when it is a confidential client",
);
const AUTHORITY: Key = Key::plain(
    "authority",
    "the identity platform's authority (default https://login.microsoftonline.com; a national cloud has its own)",
);

/// Entra ID's keys besides the common ones.
pub(super) const KEYS: &[Key] = &[
    TENANT,
    CLIENT_ID,
    CLIENT_SECRET,
    LOGIN_CLIENT_ID,
    LOGIN_CLIENT_SECRET,
    AUTHORITY,
];

/// How an Entra backend authenticates its administrative resets.
#[derive(Debug, Clone)]
pub enum EntraAuth {
    /// No credentials: self-service changes only.
    None,
    /// A bearer token for Graph (an application's, or a delegated administrator's).
    Token(SecretToken),
    /// An application's client credentials (in the configured tenant).
    ClientCredentials {
        /// The application (client) id.
        client_id: String,
        /// Its secret.
        client_secret: SecretToken,
    },
}

/// The application users' password logins go through (self-service proofs, verifications).
#[derive(Debug, Clone)]
pub struct EntraLoginClient {
    pub(super) client_id: String,
    pub(super) client_secret: Option<SecretToken>,
}

impl EntraLoginClient {
    /// A public client (it allows public client flows), or a confidential one with its secret.
    pub fn new(client_id: impl Into<String>, client_secret: Option<SecretToken>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret,
        }
    }
}

/// Configuration of an Entra ID backend.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_ENTRA_<KEY>`): the [common
/// keys](crate::COMMON_KEYS) (`base_url` is the Graph endpoint, `https://graph.microsoft.com`);
/// for administrative resets `token` (or `token_file`), or `client_id` and `client_secret`;
/// `tenant` for every login; `login_client_id` (and `login_client_secret`) for self-service
/// changes and verifications; `authority`.
#[derive(Debug, Clone)]
pub struct EntraConfig {
    pub(super) http: HttpConfig,
    pub(super) auth: EntraAuth,
    pub(super) tenant: Option<String>,
    pub(super) login_client: Option<EntraLoginClient>,
    pub(super) authority: String,
}

impl EntraConfig {
    /// A configuration for the Graph endpoint at `base_url` (`https://graph.microsoft.com`).
    pub fn new(base_url: &str, auth: EntraAuth) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            auth,
            tenant: None,
            login_client: None,
            authority: pwchange_entra::AUTHORITY.to_owned(),
        })
    }

    /// The tenant (its id or a domain), for every login.
    pub fn tenant(mut self, tenant: &str) -> Result<Self, Error> {
        self.tenant = Some(checked_tenant(tenant, "tenant")?);
        Ok(self)
    }

    /// The application users' password logins go through.
    pub fn login_client(mut self, client: EntraLoginClient) -> Self {
        self.login_client = Some(client);
        self
    }

    /// The identity platform's authority (a national cloud's).
    pub fn authority(mut self, authority: &str) -> Result<Self, Error> {
        self.authority = self.http.endpoint("authority", authority)?;
        Ok(self)
    }

    /// The configuration from the common settings and Entra's [`KEYS`].
    pub(crate) fn from_keys(common: Common, keys: &mut Keys) -> Result<Self, Error> {
        let origin = |keys: &Keys, key: Key| keys.origin(key).unwrap_or(key.name).to_owned();
        let auth = if let Some(token) = common.token {
            if let Some(origin) = keys.first_set([CLIENT_ID, CLIENT_SECRET]) {
                return Err(Error::invalid_input(format!(
                    "a token and client credentials are both set ({origin}): keep one"
                )));
            }
            EntraAuth::Token(token)
        } else if keys.first_set([CLIENT_ID, CLIENT_SECRET]).is_some() {
            let client_id = keys.required(CLIENT_ID, "the application's (client) id")?;
            let secret = keys.required_secret(CLIENT_SECRET, "the application's client secret")?;
            EntraAuth::ClientCredentials {
                client_id,
                client_secret: secret_token(&secret, CLIENT_SECRET.name)?,
            }
        } else {
            EntraAuth::None
        };
        let tenant_origin = origin(keys, TENANT);
        let tenant = keys
            .string(TENANT)
            .map(|t| checked_tenant(&t, &tenant_origin))
            .transpose()?;
        if tenant.is_none() && matches!(auth, EntraAuth::ClientCredentials { .. }) {
            return Err(keys.missing(TENANT, "the tenant the application logs in to"));
        }
        let login_client = match keys.string(LOGIN_CLIENT_ID) {
            Some(client_id) => Some(EntraLoginClient {
                client_id,
                client_secret: keys
                    .secret(LOGIN_CLIENT_SECRET)
                    .map(|s| secret_token(&s, LOGIN_CLIENT_SECRET.name))
                    .transpose()?,
            }),
            None => {
                if let Some(origin) = keys.origin(LOGIN_CLIENT_SECRET) {
                    return Err(Error::invalid_input(format!(
                        "{origin} is set without login_client_id"
                    )));
                }
                None
            }
        };
        if login_client.is_some() && tenant.is_none() {
            return Err(keys.missing(TENANT, "the tenant users log in to"));
        }
        let authority_origin = origin(keys, AUTHORITY);
        let authority = match keys.string(AUTHORITY) {
            Some(authority) => common.http.endpoint(&authority_origin, &authority)?,
            None => pwchange_entra::AUTHORITY.to_owned(),
        };
        Ok(Self {
            http: common.http,
            auth,
            tenant,
            login_client,
            authority,
        })
    }
}

fn secret_token(secret: &SecretString, name: &str) -> Result<SecretToken, Error> {
    SecretToken::new(secret.expose_secret())
        .map_err(|e| Error::invalid_input(format!("{name}: {e}")))
}

/// A tenant id or domain as one path segment (not `common` or `consumers`, where the password
/// grant is not served).
fn checked_tenant(tenant: &str, origin: &str) -> Result<String, Error> {
    let tenant = tenant.trim();
    let valid = !tenant.is_empty()
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && !tenant.eq_ignore_ascii_case("common")
        && !tenant.eq_ignore_ascii_case("consumers");
    if valid {
        Ok(tenant.to_owned())
    } else {
        Err(Error::invalid_input(format!(
            "{origin} is not a tenant: its id (a GUID) or one of its domains (contoso.onmicrosoft.com); not common or consumers"
        )))
    }
}
