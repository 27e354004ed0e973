//! Auth0's configuration: its keys and its typed configuration.

use pwchange_core::SecretToken;
use pwchange_core::http::HttpConfig;
use secrecy::ExposeSecret as _;

use crate::Error;
use crate::adapter::LoginSecrets;
use crate::config::{Common, Key, Keys};

const CLIENT_ID: Key = Key::login(
    "client_id",
    "a machine-to-machine application authorized for the Management API (read:users, update:users; read:connections and read:connections_options for the policy), instead of token",
);
const CLIENT_SECRET: Key = Key::secret("client_secret", "the application's client secret");
const AUDIENCE: Key = Key::plain(
    "audience",
    "the Management API's audience for client_id (default <base_url>/api/v2/)",
);
const CONNECTION: Key = Key::plain(
    "connection",
    "the users' database connection (default: read from each user's record); the policy is this connection's, else the strictest database connection's",
);
const VERIFY_CLIENT_ID: Key = Key::plain(
    "verify_client_id",
    "an application with the Password grant that verifications log in through (the password-realm grant); without it changes are not verified",
);
const VERIFY_CLIENT_SECRET: Key = Key::secret(
    "verify_client_secret",
    "the verification application's client secret, when it is confidential",
);

/// Auth0's keys besides the common ones.
pub(super) const KEYS: &[Key] = &[
    CLIENT_ID,
    CLIENT_SECRET,
    AUDIENCE,
    CONNECTION,
    VERIFY_CLIENT_ID,
    VERIFY_CLIENT_SECRET,
];

/// How an Auth0 backend gets its Management API token.
#[derive(Debug, Clone)]
pub enum Auth0Auth {
    /// A Management API token (`update:users`, `read:users`; `read:connections` and
    /// `read:connections_options` for the policy).
    Token(SecretToken),
    /// A machine-to-machine application's client credentials, renewed when its token expires.
    Login(Auth0Login),
}

/// A machine-to-machine application's client credentials for the Management API.
#[derive(Debug, Clone)]
pub struct Auth0Login {
    pub(super) client_id: String,
    pub(super) client_secret: SecretToken,
    pub(super) audience: Option<String>,
}

impl Auth0Login {
    /// The application's client id and secret; the audience is `<base_url>/api/v2/`.
    pub fn new(client_id: &str, client_secret: SecretToken) -> Self {
        Self {
            client_id: client_id.trim().to_owned(),
            client_secret,
            audience: None,
        }
    }

    /// Another audience for the Management API (a tenant behind another name).
    pub fn audience(mut self, audience: &str) -> Self {
        self.audience = Some(audience.trim().to_owned());
        self
    }
}

impl LoginSecrets for Auth0Login {
    fn secrets(&self) -> Vec<&str> {
        vec![self.client_secret.expose_secret()]
    }
}

/// The application verifications log in through.
#[derive(Debug, Clone)]
pub struct VerifyClient {
    pub(super) client_id: String,
    pub(super) client_secret: Option<SecretToken>,
}

/// Configuration of an Auth0 backend.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_AUTH0_<KEY>`): the [common
/// keys](crate::COMMON_KEYS) (`base_url` is the tenant's canonical domain, e.g.
/// `https://acme.eu.auth0.com`: the Management API is not served on a custom domain); the
/// Management API's credentials: `token` (or `token_file`), or `client_id` and `client_secret`
/// (with `audience`, default `<base_url>/api/v2/`); `connection` (the users' database
/// connection, default each user's own); and the verification's application,
/// `verify_client_id` and `verify_client_secret`.
#[derive(Debug, Clone)]
pub struct Auth0Config {
    pub(super) http: HttpConfig,
    pub(super) auth: Auth0Auth,
    pub(super) connection: Option<String>,
    pub(super) verify_client: Option<VerifyClient>,
}

impl Auth0Config {
    /// A configuration for the tenant at `base_url`.
    pub fn new(base_url: &str, auth: Auth0Auth) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            auth,
            connection: None,
            verify_client: None,
        })
    }

    /// The users' database connection (else read from each user's record).
    pub fn connection(mut self, connection: &str) -> Result<Self, Error> {
        self.connection = Some(checked_connection(connection, CONNECTION.name)?);
        Ok(self)
    }

    /// The application verifications log in through (it needs the Password grant), and its
    /// secret when it is confidential.
    pub fn verify_client(mut self, client_id: &str, client_secret: Option<SecretToken>) -> Self {
        self.verify_client = Some(VerifyClient {
            client_id: client_id.trim().to_owned(),
            client_secret,
        });
        self
    }

    /// The configuration from the common settings and Auth0's [`KEYS`].
    pub(crate) fn from_keys(common: Common, keys: &mut Keys) -> Result<Self, Error> {
        let auth = match (common.token, keys.first_set([CLIENT_ID, CLIENT_SECRET])) {
            (Some(_), Some(origin)) => {
                return Err(Error::invalid_input(format!(
                    "a token and client credentials are both set ({origin}): keep one"
                )));
            }
            (Some(token), None) => {
                if let Some(origin) = keys.origin(AUDIENCE) {
                    return Err(Error::invalid_input(format!(
                        "{origin} is set with a token: the audience is the client credentials' (client_id)"
                    )));
                }
                Auth0Auth::Token(token)
            }
            (None, None) => {
                return Err(keys.no_credentials(
                    "token (or token_file): a Management API token, or client_id and client_secret of an application authorized for it",
                ));
            }
            (None, Some(_)) => {
                let client_id = keys.required(CLIENT_ID, "the application's client id")?;
                let secret =
                    keys.required_secret(CLIENT_SECRET, "the application's client secret")?;
                Auth0Auth::Login(Auth0Login {
                    client_id,
                    client_secret: client_secret(secret.expose_secret(), CLIENT_SECRET.name)?,
                    audience: keys.string(AUDIENCE),
                })
            }
        };
        let connection_origin = keys
            .origin(CONNECTION)
            .unwrap_or(CONNECTION.name)
            .to_owned();
        let connection = keys
            .string(CONNECTION)
            .map(|c| checked_connection(&c, &connection_origin))
            .transpose()?;
        let verify_secret = keys
            .secret(VERIFY_CLIENT_SECRET)
            .map(|secret| client_secret(secret.expose_secret(), VERIFY_CLIENT_SECRET.name))
            .transpose()?;
        let verify_client = match (keys.string(VERIFY_CLIENT_ID), verify_secret) {
            (Some(client_id), client_secret) => Some(VerifyClient {
                client_id,
                client_secret,
            }),
            (None, Some(_)) => {
                return Err(Error::invalid_input(
                    "verify_client_secret is set without verify_client_id: a verification needs the application's id",
                ));
            }
            (None, None) => None,
        };
        Ok(Self {
            http: common.http,
            auth,
            connection,
            verify_client,
        })
    }
}

fn client_secret(secret: &str, name: &str) -> Result<SecretToken, Error> {
    SecretToken::new(secret).map_err(|e| Error::invalid_input(format!("{name}: {e}")))
}

/// A connection name as Auth0's Management API document defines it: at most 128 letters,
/// digits and `-`, starting and ending with a letter or digit, no `--`.
fn checked_connection(name: &str, origin: &str) -> Result<String, Error> {
    let name = name.trim();
    let valid = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if valid {
        Ok(name.to_owned())
    } else {
        Err(Error::invalid_input(format!(
            "{origin} is not a connection name: at most 128 letters, digits and single - between them (e.g. Username-Password-Authentication)"
        )))
    }
}
