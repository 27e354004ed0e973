//! Keystone's configuration: its keys, its typed configuration and the administrator's login.

use pwchange_core::SecretToken;
use pwchange_core::http::HttpConfig;
use pwchange_keystone::LoginScope;
use secrecy::{ExposeSecret as _, SecretString};

use crate::Error;
use crate::adapter::LoginSecrets;
use crate::config::{Common, Key, Keys};

const USERNAME: Key = Key::login(
    "username",
    "an administrator's user name, for a password login (with password; instead of token)",
);
const PASSWORD: Key = Key::secret("password", "the administrator's password");
const USER_DOMAIN_ID: Key = Key::login(
    "user_domain_id",
    "the id of the administrator's domain (default: default)",
);
const PROJECT_NAME: Key = Key::login(
    "project_name",
    "scope the login to this project (where the administrator has the admin role)",
);
const PROJECT_DOMAIN_ID: Key = Key::login(
    "project_domain_id",
    "the id of project_name's domain (default: user_domain_id)",
);
const SYSTEM_SCOPE: Key = Key::login(
    "system_scope",
    "all: scope the login to the system instead of a project",
);
const PASSWORD_HASH_ALGORITHM: Key = Key::plain(
    "password_hash_algorithm",
    "the server's [identity] password_hash_algorithm (default bcrypt: passwords over 72 bytes are refused, Keystone would cut them)",
);
const MAX_PASSWORD_LENGTH: Key = Key::plain(
    "max_password_length",
    "the server's [identity] max_password_length in bytes (default 4096)",
);
const CHANGE_PASSWORD_UPON_FIRST_USE: Key = Key::plain(
    "change_password_upon_first_use",
    "true when the server expires administratively set passwords ([security_compliance] change_password_upon_first_use)",
);

/// Keystone's keys besides the common ones.
pub(super) const KEYS: &[Key] = &[
    USERNAME,
    PASSWORD,
    USER_DOMAIN_ID,
    PROJECT_NAME,
    PROJECT_DOMAIN_ID,
    SYSTEM_SCOPE,
    PASSWORD_HASH_ALGORITHM,
    MAX_PASSWORD_LENGTH,
    CHANGE_PASSWORD_UPON_FIRST_USE,
];

/// The most bytes of a password bcrypt hashes: Keystone silently drops the rest.
pub const BCRYPT_MAX_BYTES: usize = 72;
/// `[identity] max_password_length`'s default, in bytes.
pub const DEFAULT_MAX_PASSWORD_LENGTH: usize = 4096;

/// How a Keystone backend authenticates.
#[derive(Debug, Clone)]
pub enum KeystoneAuth {
    /// No credentials: self-service changes only (Keystone checks the original password and no
    /// token there).
    None,
    /// A token (`X-Auth-Token`), for administrative sets: one with the `admin` role.
    Token(SecretToken),
    /// A password login as an administrator (`POST /v3/auth/tokens`), for administrative sets.
    Login(KeystoneLogin),
}

/// An administrator's password login.
#[derive(Clone)]
pub struct KeystoneLogin {
    /// The user name.
    pub username: String,
    /// The id of the user's domain (`default` for Keystone's default domain).
    pub user_domain_id: String,
    /// The password.
    pub password: SecretString,
    /// What the token is for: a project or the system (an administrative set needs the `admin`
    /// role there); unscoped tokens carry no role.
    pub scope: LoginScope,
}

impl KeystoneLogin {
    /// A login as `username` of the default domain (`default`), scoped by `scope`;
    /// [`in_domain`](Self::in_domain) names another domain.
    pub fn new(username: impl Into<String>, password: SecretString, scope: LoginScope) -> Self {
        Self {
            username: username.into(),
            user_domain_id: DEFAULT_DOMAIN.to_owned(),
            password,
            scope,
        }
    }

    /// The user's domain, by id.
    pub fn in_domain(mut self, user_domain_id: impl Into<String>) -> Self {
        self.user_domain_id = user_domain_id.into();
        self
    }
}

/// The id of Keystone's default domain.
const DEFAULT_DOMAIN: &str = "default";

impl std::fmt::Debug for KeystoneLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeystoneLogin")
            .field("username", &self.username)
            .field("user_domain_id", &self.user_domain_id)
            .field("password", &"<redacted>")
            .field("scope", &self.scope)
            .finish()
    }
}

impl LoginSecrets for KeystoneLogin {
    fn secrets(&self) -> Vec<&str> {
        vec![self.password.expose_secret()]
    }
}

/// Configuration of a Keystone backend.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_KEYSTONE_<KEY>`): the [common
/// keys](crate::COMMON_KEYS) (`base_url` is the Keystone endpoint *without* `/v3`, e.g.
/// `https://keystone.example.com:5000`); for administrative sets `token`, or `username`,
/// `password`, `user_domain_id` (default `default`) and a scope: `project_name` (with
/// `project_domain_id`, default the user's) or `system_scope = all`. Without credentials only
/// self-service changes are possible. `password_hash_algorithm` (default `bcrypt`) and
/// `max_password_length` (default 4096) say how the server hashes: with bcrypt pwchange refuses
/// passwords over 72 bytes, which Keystone would silently cut. `change_password_upon_first_use`
/// (default `false`) says whether the server expires administratively set passwords.
#[derive(Debug, Clone)]
pub struct KeystoneConfig {
    pub(super) http: HttpConfig,
    pub(super) auth: KeystoneAuth,
    pub(super) bcrypt: bool,
    pub(super) max_password_length: usize,
    pub(super) first_use: bool,
}

impl KeystoneConfig {
    /// A configuration for the Keystone endpoint at `base_url` (without `/v3`).
    pub fn new(base_url: &str, auth: KeystoneAuth) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            auth,
            bcrypt: true,
            max_password_length: DEFAULT_MAX_PASSWORD_LENGTH,
            first_use: false,
        })
    }

    /// The server's `[identity] password_hash_algorithm`: `bcrypt` (Keystone's default: only the
    /// first 72 bytes count, so longer passwords are refused), `bcrypt_sha256`, `pbkdf2_sha512`
    /// or `scrypt`.
    pub fn password_hash_algorithm(mut self, algorithm: &str) -> Result<Self, Error> {
        self.bcrypt = is_bcrypt(algorithm)?;
        Ok(self)
    }

    /// The server's `[identity] max_password_length` in bytes (default 4096).
    pub fn max_password_length(mut self, bytes: usize) -> Self {
        self.max_password_length = bytes;
        self
    }

    /// Whether the server has `[security_compliance] change_password_upon_first_use = true`:
    /// then an administrative set must ask for a change at next login.
    pub fn change_password_upon_first_use(mut self, enabled: bool) -> Self {
        self.first_use = enabled;
        self
    }

    /// The configuration from the common settings and Keystone's [`KEYS`].
    pub(crate) fn from_keys(common: Common, keys: &mut Keys) -> Result<Self, Error> {
        let login_keys = || KEYS.iter().copied().filter(|key| key.credential);
        let auth = match (common.token, keys.origin(USERNAME).is_some()) {
            (Some(token), false) => {
                if let Some(origin) = keys.first_set(login_keys()) {
                    return Err(Error::invalid_input(format!(
                        "a token and login settings are both set ({origin}): keep one"
                    )));
                }
                KeystoneAuth::Token(token)
            }
            (Some(_), true) => {
                let origin = keys.origin(USERNAME).unwrap_or(USERNAME.name).to_owned();
                return Err(Error::invalid_input(format!(
                    "a token and login credentials are both set ({origin}): keep one"
                )));
            }
            (None, true) => KeystoneAuth::Login(login_of(keys)?),
            (None, false) => {
                if let Some(origin) = keys.first_set(login_keys()) {
                    return Err(Error::invalid_input(format!(
                        "{origin} is a login setting, but username is not set (set the whole login in one place: a configuration layer that sets any credential replaces the credentials below it)"
                    )));
                }
                KeystoneAuth::None
            }
        };
        let bcrypt = match keys.string(PASSWORD_HASH_ALGORITHM) {
            Some(algorithm) => is_bcrypt(&algorithm)?,
            None => true,
        };
        let origin = keys
            .origin(MAX_PASSWORD_LENGTH)
            .unwrap_or(MAX_PASSWORD_LENGTH.name)
            .to_owned();
        let max_password_length = keys
            .parse::<usize>(MAX_PASSWORD_LENGTH, "a number of bytes, e.g. 4096")?
            .unwrap_or(DEFAULT_MAX_PASSWORD_LENGTH);
        if max_password_length == 0 {
            return Err(Error::invalid_input(format!("{origin} must be at least 1")));
        }
        Ok(Self {
            http: common.http,
            auth,
            bcrypt,
            max_password_length,
            first_use: keys.flag(CHANGE_PASSWORD_UPON_FIRST_USE)?.unwrap_or(false),
        })
    }
}

fn is_bcrypt(algorithm: &str) -> Result<bool, Error> {
    match algorithm.trim().to_ascii_lowercase().as_str() {
        "bcrypt" => Ok(true),
        "bcrypt_sha256" | "pbkdf2_sha512" | "scrypt" => Ok(false),
        _ => Err(Error::invalid_input(
            "password_hash_algorithm must be one of bcrypt, bcrypt_sha256, pbkdf2_sha512, scrypt (Keystone's [identity] option)",
        )),
    }
}

fn login_of(keys: &mut Keys) -> Result<KeystoneLogin, Error> {
    let username = keys.required(USERNAME, "the administrator's user name")?;
    let password = keys.required_secret(PASSWORD, "the administrator's password")?;
    let user_domain_id = keys
        .string(USER_DOMAIN_ID)
        .unwrap_or_else(|| DEFAULT_DOMAIN.to_owned());
    // project_domain_id is read only with project_name: set without it, the end of reading
    // reports it as unused.
    let scope = match (keys.string(PROJECT_NAME), keys.string(SYSTEM_SCOPE)) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid_input(
                "project_name and system_scope are both set: scope the login to one",
            ));
        }
        (Some(name), None) => LoginScope::Project {
            name,
            domain_id: keys
                .string(PROJECT_DOMAIN_ID)
                .unwrap_or_else(|| user_domain_id.clone()),
        },
        (None, Some(system)) if system.eq_ignore_ascii_case("all") => LoginScope::System,
        (None, Some(_)) => {
            return Err(Error::invalid_input(
                "system_scope must be all (Keystone's only system scope)",
            ));
        }
        (None, None) => LoginScope::Unscoped,
    };
    Ok(KeystoneLogin {
        username,
        user_domain_id,
        password,
        scope,
    })
}
