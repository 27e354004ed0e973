//! OpenBao's (and Vault's) configuration: its keys and its typed configuration.

use pwchange_core::SecretToken;
use pwchange_core::http::HttpConfig;
use secrecy::SecretString;

use crate::Error;
use crate::config::{Common, Key, Keys, TokenOrLogin};

const USERNAME: Key = Key::login(
    "username",
    "an administrator's userpass user name on the same mount, for a login (with password; instead of token)",
);
const PASSWORD: Key = Key::secret("password", "the administrator's userpass password");
const MOUNT: Key = Key::plain(
    "mount",
    "the userpass auth method's path under auth/, one segment (default userpass)",
);
const NAMESPACE: Key = Key::plain(
    "namespace",
    "the namespace the mount is in (X-Vault-Namespace; OpenBao namespaces, Vault Enterprise)",
);

/// OpenBao's keys besides the common ones.
pub(super) const KEYS: &[Key] = &[USERNAME, PASSWORD, MOUNT, NAMESPACE];

/// How an OpenBao backend authenticates.
#[derive(Debug, Clone)]
pub enum OpenbaoAuth {
    /// No credentials: self-service changes only (the user's own login with the current
    /// password is the proof).
    None,
    /// A token (`X-Vault-Token`) whose policy grants `update` on
    /// `auth/<mount>/users/+/password`, for administrative sets.
    Token(SecretToken),
    /// A userpass login of an administrator on the same mount, for administrative sets.
    Login {
        /// The administrator's user name.
        username: String,
        /// Its password.
        password: SecretString,
    },
}

/// Configuration of an OpenBao or Vault userpass backend.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_OPENBAO_<KEY>`): the [common
/// keys](crate::COMMON_KEYS) (`base_url` is the server's address without `/v1`, what
/// `VAULT_ADDR` holds, e.g. `https://vault.example.com:8200`); for administrative sets `token`
/// (or `token_file`), or `username` and `password` of an administrator on the same mount;
/// `mount` (default `userpass`) and `namespace`. Without credentials only self-service changes
/// are possible.
#[derive(Debug, Clone)]
pub struct OpenbaoConfig {
    pub(super) http: HttpConfig,
    pub(super) auth: OpenbaoAuth,
    pub(super) mount: String,
    pub(super) namespace: Option<String>,
}

impl OpenbaoConfig {
    /// A configuration for the server at `base_url` (without `/v1`), with userpass at
    /// `userpass`.
    pub fn new(base_url: &str, auth: OpenbaoAuth) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            auth,
            mount: pwchange_openbao::DEFAULT_MOUNT.to_owned(),
            namespace: None,
        })
    }

    /// The userpass auth method's path under `auth/` (one segment: letters, digits, `_`, `.`,
    /// `-`).
    pub fn mount(mut self, mount: &str) -> Result<Self, Error> {
        self.mount = checked_mount(mount, "mount")?;
        Ok(self)
    }

    /// The namespace the mount is in (`X-Vault-Namespace`).
    pub fn namespace(mut self, namespace: &str) -> Result<Self, Error> {
        self.namespace = Some(checked_namespace(namespace, "namespace")?);
        Ok(self)
    }

    /// The configuration from the common settings and OpenBao's [`KEYS`].
    pub(crate) fn from_keys(common: Common, keys: &mut Keys) -> Result<Self, Error> {
        let auth = if keys.origin(USERNAME).is_some() || keys.origin(PASSWORD).is_some() {
            match keys.token_or_login(common.token, USERNAME, PASSWORD)? {
                TokenOrLogin::Token(token) => OpenbaoAuth::Token(token),
                TokenOrLogin::Login { user, secret } => OpenbaoAuth::Login {
                    username: userpass_name(&user).ok_or_else(|| {
                        Error::invalid_input(format!(
                            "{} is not a userpass user name: letters, digits and _, with - . @ inside",
                            keys.origin(USERNAME).unwrap_or(USERNAME.name)
                        ))
                    })?,
                    password: secret,
                },
            }
        } else {
            common.token.map_or(OpenbaoAuth::None, OpenbaoAuth::Token)
        };
        let origin = |keys: &Keys, key: Key| keys.origin(key).unwrap_or(key.name).to_owned();
        let (mount_origin, namespace_origin) = (origin(keys, MOUNT), origin(keys, NAMESPACE));
        let mount = match keys.string(MOUNT) {
            Some(mount) => checked_mount(&mount, &mount_origin)?,
            None => pwchange_openbao::DEFAULT_MOUNT.to_owned(),
        };
        let namespace = match keys.string(NAMESPACE) {
            Some(namespace) => Some(checked_namespace(&namespace, &namespace_origin)?),
            None => None,
        };
        Ok(Self {
            http: common.http,
            auth,
            mount,
            namespace,
        })
    }
}

/// userpass's user name (`\w([\w-.@]*\w)?`, ASCII) in lower case, the form both its login and
/// its password update address: the login lowercases a name, the update does not, so any other
/// case would set a record no login reads. `None` when `name` is not of that form.
pub(super) fn userpass_name(name: &str) -> Option<String> {
    let name = name.trim();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = name.as_bytes();
    let valid = match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => {
            word(first)
                && word(last)
                && bytes
                    .iter()
                    .all(|&b| word(b) || matches!(b, b'-' | b'.' | b'@'))
        }
        _ => false,
    };
    valid.then(|| name.to_ascii_lowercase())
}

/// A mount as one path segment, without the slashes `vault auth enable -path` allows around it.
fn checked_mount(mount: &str, origin: &str) -> Result<String, Error> {
    let mount = mount.trim().trim_matches('/');
    let mount = mount.strip_prefix("auth/").unwrap_or(mount);
    let valid = !mount.is_empty()
        && mount
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        && mount != "."
        && mount != "..";
    if valid {
        Ok(mount.to_owned())
    } else {
        Err(Error::invalid_input(format!(
            "{origin} is not a userpass mount pwchange can address: one path segment of letters, digits, _, . or - (e.g. userpass); a mount nested under a path is not supported"
        )))
    }
}

/// A namespace path that can be sent as a header value.
fn checked_namespace(namespace: &str, origin: &str) -> Result<String, Error> {
    let namespace = namespace.trim();
    let valid = !namespace.is_empty()
        && pwchange_openbao::context(None, Some(namespace)).is_ok()
        && namespace.bytes().all(|b| b.is_ascii_graphic());
    if valid {
        Ok(namespace.to_owned())
    } else {
        Err(Error::invalid_input(format!(
            "{origin} is not a namespace path: visible ASCII without spaces, e.g. team-a/ or team-a/sub/"
        )))
    }
}
