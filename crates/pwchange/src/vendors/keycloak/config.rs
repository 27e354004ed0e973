//! Keycloak's configuration: its keys and its typed configuration.

use pwchange_core::SecretToken;
use pwchange_core::http::HttpConfig;
use secrecy::{ExposeSecret as _, SecretString};

use crate::Error;
use crate::adapter::LoginSecrets;
use crate::config::{Common, Key, Keys};

const REALM: Key = Key::plain("realm", "the realm the users are in (required)");
const CLIENT_ID: Key = Key::login(
    "client_id",
    "for client_secret: a confidential client whose service account has realm-management's manage-users; with username: the client of the administrator's login (default admin-cli)",
);
const CLIENT_SECRET: Key = Key::secret(
    "client_secret",
    "the client's secret (client credentials grant, instead of token)",
);
const USERNAME: Key = Key::login(
    "username",
    "an administrator's user name (password grant, instead of token)",
);
const PASSWORD: Key = Key::secret("password", "the administrator's password");
const ADMIN_REALM: Key = Key::plain(
    "admin_realm",
    "the realm the administrator or client logs in to (default: master for username, realm for client_secret)",
);
const VERIFY_CLIENT_ID: Key = Key::plain(
    "verify_client_id",
    "the client of the users' realm a verification logs in through, with direct access grants (default admin-cli)",
);
const VERIFY_CLIENT_SECRET: Key = Key::secret(
    "verify_client_secret",
    "the verification client's secret, when it is confidential",
);

/// Keycloak's keys besides the common ones.
pub(super) const KEYS: &[Key] = &[
    REALM,
    CLIENT_ID,
    CLIENT_SECRET,
    USERNAME,
    PASSWORD,
    ADMIN_REALM,
    VERIFY_CLIENT_ID,
    VERIFY_CLIENT_SECRET,
];

/// How a Keycloak backend gets its administrator's token.
#[derive(Debug, Clone)]
pub enum KeycloakAuth {
    /// A bearer token with realm-management's `manage-users` (and `view-realm` for the policy).
    Token(SecretToken),
    /// A login at `POST /realms/<admin realm>/protocol/openid-connect/token`.
    Login(KeycloakLogin),
}

/// An administrator's login, renewed when its token expires.
#[derive(Debug, Clone)]
pub enum KeycloakLogin {
    /// A confidential client's service account (`client_credentials`).
    ClientCredentials {
        /// The realm the client is in.
        realm: String,
        /// The client's id.
        client_id: String,
        /// Its secret.
        client_secret: SecretToken,
    },
    /// An administrator's password (`password`), through a client with direct access grants.
    Password {
        /// The realm the administrator is in (`master` for the server's administrators).
        realm: String,
        /// The client ([`pwchange_keycloak::ADMIN_CLI`] unless another is configured).
        client_id: String,
        /// The administrator's user name.
        username: String,
        /// The administrator's password.
        password: SecretString,
    },
}

impl LoginSecrets for KeycloakLogin {
    fn secrets(&self) -> Vec<&str> {
        match self {
            KeycloakLogin::ClientCredentials { client_secret, .. } => {
                vec![client_secret.expose_secret()]
            }
            KeycloakLogin::Password { password, .. } => vec![password.expose_secret()],
        }
    }
}

/// The client a verification logs in through: [`pwchange_keycloak::ADMIN_CLI`] (public, with
/// direct access grants, in every realm) unless configured.
#[derive(Debug, Clone)]
pub struct VerifyClient {
    pub(super) client_id: String,
    pub(super) client_secret: Option<SecretToken>,
}

/// Configuration of a Keycloak backend.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_KEYCLOAK_<KEY>`): the [common
/// keys](crate::COMMON_KEYS) (`base_url` is the server's root, e.g. `https://sso.example.com`,
/// with `/auth` where the server serves under it); `realm` (required); the administrator's
/// credentials: `token` (or `token_file`), or `client_id` and `client_secret` (a service
/// account), or `username` and `password` (with `client_id`, default `admin-cli`), in
/// `admin_realm`; and the verification's client, `verify_client_id` (default `admin-cli`) and
/// `verify_client_secret`.
#[derive(Debug, Clone)]
pub struct KeycloakConfig {
    pub(super) http: HttpConfig,
    pub(super) realm: String,
    pub(super) auth: KeycloakAuth,
    pub(super) verify_client: VerifyClient,
}

impl KeycloakConfig {
    /// A configuration for the server at `base_url` and the users of `realm`.
    pub fn new(base_url: &str, realm: &str, auth: KeycloakAuth) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            realm: checked_realm(realm, "realm")?,
            auth,
            verify_client: VerifyClient {
                client_id: pwchange_keycloak::ADMIN_CLI.to_owned(),
                client_secret: None,
            },
        })
    }

    /// The client verifications log in through (it needs direct access grants), and its secret
    /// when it is confidential.
    pub fn verify_client(mut self, client_id: &str, client_secret: Option<SecretToken>) -> Self {
        self.verify_client = VerifyClient {
            client_id: client_id.trim().to_owned(),
            client_secret,
        };
        self
    }

    /// The configuration from the common settings and Keycloak's [`KEYS`].
    pub(crate) fn from_keys(common: Common, keys: &mut Keys) -> Result<Self, Error> {
        let realm_origin = keys.origin(REALM).unwrap_or(REALM.name).to_owned();
        let realm = keys.required(REALM, "the realm the users are in")?;
        let realm = checked_realm(&realm, &realm_origin)?;
        let admin_realm_origin = keys
            .origin(ADMIN_REALM)
            .unwrap_or(ADMIN_REALM.name)
            .to_owned();
        let admin_realm = keys
            .string(ADMIN_REALM)
            .map(|r| checked_realm(&r, &admin_realm_origin))
            .transpose()?;
        let auth = match (
            common.token,
            keys.first_set([CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD]),
        ) {
            (Some(_), Some(origin)) => {
                return Err(Error::invalid_input(format!(
                    "a token and login credentials are both set ({origin}): keep one"
                )));
            }
            (Some(token), None) => KeycloakAuth::Token(token),
            (None, None) => {
                return Err(keys.no_credentials(
                    "token (or token_file), or client_id and client_secret, or username and password",
                ));
            }
            (None, Some(_)) => KeycloakAuth::Login(login(keys, &realm, admin_realm)?),
        };
        let verify_client = VerifyClient {
            client_id: keys
                .string(VERIFY_CLIENT_ID)
                .unwrap_or_else(|| pwchange_keycloak::ADMIN_CLI.to_owned()),
            client_secret: keys
                .secret(VERIFY_CLIENT_SECRET)
                .map(|secret| client_secret(&secret, VERIFY_CLIENT_SECRET.name))
                .transpose()?,
        };
        Ok(Self {
            http: common.http,
            realm,
            auth,
            verify_client,
        })
    }
}

/// The administrator's login from `client_id` + `client_secret`, or `username` + `password`.
fn login(
    keys: &mut Keys,
    realm: &str,
    admin_realm: Option<String>,
) -> Result<KeycloakLogin, Error> {
    if let Some(username) = keys.string(USERNAME) {
        if let Some(origin) = keys.origin(CLIENT_SECRET) {
            return Err(Error::invalid_input(format!(
                "username and {origin} are both set: an administrator's login (username, password) or a service account (client_id, client_secret), not both"
            )));
        }
        let password = keys.required_secret(PASSWORD, "the administrator's password")?;
        return Ok(KeycloakLogin::Password {
            realm: admin_realm.unwrap_or_else(|| pwchange_keycloak::MASTER_REALM.to_owned()),
            client_id: keys
                .string(CLIENT_ID)
                .unwrap_or_else(|| pwchange_keycloak::ADMIN_CLI.to_owned()),
            username,
            password,
        });
    }
    if let Some(origin) = keys.origin(PASSWORD) {
        return Err(Error::invalid_input(format!(
            "{origin} is set without username: an administrator's login needs both"
        )));
    }
    let client_id = keys.required(CLIENT_ID, "the client whose service account logs in")?;
    let secret = keys.required_secret(CLIENT_SECRET, "the client's secret")?;
    Ok(KeycloakLogin::ClientCredentials {
        realm: admin_realm.unwrap_or_else(|| realm.to_owned()),
        client_id,
        client_secret: client_secret(&secret, CLIENT_SECRET.name)?,
    })
}

fn client_secret(secret: &SecretString, name: &str) -> Result<SecretToken, Error> {
    SecretToken::new(secret.expose_secret())
        .map_err(|e| Error::invalid_input(format!("{name}: {e}")))
}

/// A realm name as one path segment: no `/`, no control characters, not `.` or `..`.
fn checked_realm(realm: &str, origin: &str) -> Result<String, Error> {
    let realm = realm.trim();
    let valid = !realm.is_empty()
        && realm != "."
        && realm != ".."
        && !realm
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control());
    if valid {
        Ok(realm.to_owned())
    } else {
        Err(Error::invalid_input(format!(
            "{origin} is not a realm name: one path segment, without / (e.g. acme)"
        )))
    }
}
