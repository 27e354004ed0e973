//! The one configuration path: string keys, as object_store's config keys and OpenDAL's
//! `Configurator::from_iter`.
//!
//! [`Settings`] holds one vendor's `key = value` pairs, each with where it came from (an
//! environment variable, a flag, a config file line), so an error can name the origin and never
//! the value. [`Settings::from_env`] reads `PWCHANGE_<VENDOR>_<KEY>`; the CLI merges flags,
//! environment and config file into one `Settings`; both end in
//! [`Config::from_settings`](crate::Config::from_settings). A key that neither the common keys
//! ([`COMMON_KEYS`]) nor the vendor's ([`keys`](crate::keys)) know is an error naming it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use pwchange_core::SecretToken;
use pwchange_core::http::HttpConfig;
use secrecy::{ExposeSecret as _, SecretString};

use crate::{Error, Vendor};

/// A documented configuration key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key (`base_url`); the environment variable is `PWCHANGE_<VENDOR>_<KEY>`.
    pub name: &'static str,
    /// Whether the value is a secret (a token, a password).
    pub secret: bool,
    /// Whether it is part of the credentials (a token, a token file, a login's user or secret):
    /// a configuration layer that sets any credential replaces all of a lower layer's.
    pub credential: bool,
    /// What it holds.
    pub help: &'static str,
}

impl Key {
    /// A setting that is neither secret nor a credential.
    pub(crate) const fn plain(name: &'static str, help: &'static str) -> Self {
        Self {
            name,
            secret: false,
            credential: false,
            help,
        }
    }

    /// The non-secret part of credentials: a login's user, a token file's path.
    pub(crate) const fn login(name: &'static str, help: &'static str) -> Self {
        Self {
            name,
            secret: false,
            credential: true,
            help,
        }
    }

    /// A secret that is not a credential: a proxy URL with the proxy's password.
    pub(crate) const fn private(name: &'static str, help: &'static str) -> Self {
        Self {
            name,
            secret: true,
            credential: false,
            help,
        }
    }

    /// A secret credential: a token, a login's password or client secret.
    pub(crate) const fn secret(name: &'static str, help: &'static str) -> Self {
        Self {
            name,
            secret: true,
            credential: true,
            help,
        }
    }
}

/// The vendor's base URL.
pub(crate) const BASE_URL: Key = Key::plain("base_url", "the vendor's base URL (required)");
/// The whole-request timeout.
pub(crate) const TIMEOUT_SECS: Key = Key::plain(
    "timeout_secs",
    "whole-request timeout in seconds (default 30)",
);
/// The connect timeout.
pub(crate) const CONNECT_TIMEOUT_SECS: Key = Key::plain(
    "connect_timeout_secs",
    "connect timeout in seconds (default 10)",
);
/// Plain http beyond loopback.
pub(crate) const ALLOW_INSECURE_HTTP: Key = Key::plain(
    "allow_insecure_http",
    "true to allow plain http to a non-loopback host (test rigs only)",
);
/// Extra trusted CAs.
pub(crate) const CA_FILE: Key = Key::plain(
    "ca_file",
    "a PEM file of CA certificates trusted besides the system's roots",
);
/// The mutual-TLS client certificate.
pub(crate) const CLIENT_CERTIFICATE_FILE: Key = Key::plain(
    "client_certificate_file",
    "a PEM client certificate chain for mutual TLS (with client_key_file)",
);
/// The mutual-TLS client key.
pub(crate) const CLIENT_KEY_FILE: Key = Key::plain(
    "client_key_file",
    "the PEM private key of client_certificate_file",
);
/// The proxy.
pub(crate) const PROXY: Key = Key::private(
    "proxy",
    "an http(s):// proxy URL (never used for loopback; HTTP_PROXY and friends are ignored)",
);
/// The response cap.
pub(crate) const MAX_RESPONSE_BYTES: Key = Key::plain(
    "max_response_bytes",
    "the most bytes of any answer that are read (default 1048576)",
);
/// The bearer token.
pub(crate) const TOKEN: Key = Key::secret("token", "a bearer token");
/// The bearer token's file.
pub(crate) const TOKEN_FILE: Key = Key::login(
    "token_file",
    "a file whose first line is the bearer token (instead of token)",
);

/// The common keys: the ones every vendor reads, beside its own ([`keys`](crate::keys)).
///
/// They are the base URL, the HTTP transport settings (timeouts, plain-HTTP permission, TLS
/// trust and client certificate, proxy, response cap) and the bearer token (`token` or
/// `token_file`). Like every key, each is also the environment variable
/// `PWCHANGE_<VENDOR>_<KEY>` ([`Settings::from_env`]), e.g. `PWCHANGE_<VENDOR>_CA_FILE`.
pub const COMMON_KEYS: &[Key] = &[
    BASE_URL,
    TIMEOUT_SECS,
    CONNECT_TIMEOUT_SECS,
    ALLOW_INSECURE_HTTP,
    CA_FILE,
    CLIENT_CERTIFICATE_FILE,
    CLIENT_KEY_FILE,
    PROXY,
    MAX_RESPONSE_BYTES,
    TOKEN,
    TOKEN_FILE,
];

#[derive(Clone)]
struct Entry {
    value: SecretString,
    origin: String,
}

/// One vendor's configuration as `key = value` pairs, each remembering its origin.
///
/// See the crate documentation for an example; [`crate::keys`] and [`COMMON_KEYS`] list the
/// keys, `pwchange vendors` prints them.
#[derive(Clone)]
pub struct Settings {
    vendor: Vendor,
    entries: BTreeMap<String, Entry>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("vendor", &self.vendor)
            .field("keys", &self.entries.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Settings {
    /// No settings for `vendor`.
    pub fn new(vendor: Vendor) -> Self {
        Self {
            vendor,
            entries: BTreeMap::new(),
        }
    }

    /// The vendor.
    pub fn vendor(&self) -> Vendor {
        self.vendor
    }

    /// Sets `key` (lowercase, e.g. `base_url`) to `value`, replacing an earlier value; `origin`
    /// says where it came from, for messages (`--base-url`, `PWCHANGE_<VENDOR>_BASE_URL`, a
    /// config file line). A blank value counts as unset.
    pub fn set(&mut self, key: &str, value: impl Into<String>, origin: impl Into<String>) {
        let value = value.into();
        if value.trim().is_empty() {
            return;
        }
        self.entries.insert(
            key.trim().to_ascii_lowercase(),
            Entry {
                value: SecretString::from(value),
                origin: origin.into(),
            },
        );
    }

    /// [`set`](Self::set) with the key itself as the origin.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        let origin = format!("{} setting {key}", self.vendor);
        self.set(key, value, origin);
        self
    }

    /// [`with`](Self::with) for each of `pairs`: the settings a simulator or a test hands over
    /// as `(key, value)` pairs, in one call.
    ///
    /// ```
    /// use pwchange::{Settings, Vendor};
    /// let pairs = [("base_url", "http://127.0.0.1:8080"), ("token", "t0k3n")];
    /// let settings = Settings::new(Vendor::ALL[0]).with_all(pairs);
    /// assert!(settings.contains("base_url") && settings.contains("token"));
    /// ```
    pub fn with_all<K: AsRef<str>, V: Into<String>>(
        self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        pairs.into_iter().fold(self, |settings, (key, value)| {
            settings.with(key.as_ref(), value)
        })
    }

    /// Whether `key` has a value.
    pub fn contains(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// Removes `keys`.
    pub fn remove(&mut self, keys: &[&str]) {
        for key in keys {
            self.entries.remove(*key);
        }
    }

    /// Every key of `other` replaces the same key here (`other` takes precedence).
    pub fn merge(&mut self, other: Settings) {
        self.entries.extend(other.entries);
    }

    /// `PWCHANGE_<VENDOR>_<KEY>` from the process environment, for every such variable.
    pub fn from_env(vendor: Vendor) -> Self {
        Self::from_vars(
            vendor,
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    /// `PWCHANGE_<VENDOR>_<KEY>` from `vars` (name, value) pairs, e.g. a captured environment.
    pub fn from_vars(vendor: Vendor, vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let prefix = vendor.env_prefix();
        let mut settings = Self::new(vendor);
        for (name, value) in vars {
            if let Some(key) = name.strip_prefix(&prefix) {
                settings.set(key, value, name.clone());
            }
        }
        settings
    }

    /// The environment variable for `key`.
    pub fn env_name(vendor: Vendor, key: &str) -> String {
        format!("{}{}", vendor.env_prefix(), key.to_ascii_uppercase())
    }

    /// Splits off the common keys, checking that every other key is one the vendor documents.
    pub(crate) fn into_keys(self, vendor_keys: &'static [Key]) -> Result<Keys, Error> {
        let vendor = self.vendor;
        let known = |name: &str| {
            COMMON_KEYS
                .iter()
                .chain(vendor_keys)
                .any(|k| k.name == name)
        };
        if let Some((name, entry)) = self.entries.iter().find(|(name, _)| !known(name)) {
            let valid: Vec<&str> = COMMON_KEYS
                .iter()
                .chain(vendor_keys)
                .map(|k| k.name)
                .collect();
            return Err(Error::invalid_input(format!(
                "unknown {vendor} setting {name:?} (from {}): expected one of {}",
                entry.origin,
                valid.join(", ")
            ))
            .with_vendor(vendor));
        }
        Ok(Keys {
            vendor,
            entries: self.entries,
            known: COMMON_KEYS.iter().chain(vendor_keys).copied().collect(),
        })
    }
}

/// Settings being read, key by key, each through its [`Key`] (the handle that names it, its
/// origin and its help). Values are taken out, so each is read once; [`finish`](Self::finish)
/// then refuses every key that was set and not read.
pub(crate) struct Keys {
    vendor: Vendor,
    entries: BTreeMap<String, Entry>,
    /// The keys this vendor documents (the common ones and its own).
    known: Vec<Key>,
}

impl Keys {
    fn invalid(&self, message: String) -> Error {
        Error::invalid_input(message).with_vendor(self.vendor)
    }

    /// Takes `key`'s entry out. Reading a key the vendor does not declare is a mistake in the
    /// vendor's code (the value could never be set), caught by the tests.
    fn take(&mut self, key: Key) -> Option<Entry> {
        debug_assert!(
            self.known.contains(&key),
            "{} reads the undeclared key {}",
            self.vendor,
            key.name
        );
        self.entries.remove(key.name)
    }

    /// Where `key` would come from when it is missing.
    pub fn missing(&self, key: Key, what: &str) -> Error {
        self.invalid(format!(
            "{} is not set: it must hold {what} ({} or {} in the configuration)",
            key.name,
            Settings::env_name(self.vendor, key.name),
            key.name
        ))
        .with_setting(key.name)
    }

    /// No credentials at all: the configuration lacks what the change needs, like any missing
    /// setting ([`ErrorKind::InvalidInput`](crate::ErrorKind), the setting `token`), naming what
    /// to set.
    pub fn no_credentials(&self, what: &str) -> Error {
        Error::new(
            crate::ErrorKind::InvalidInput,
            format!("no credentials: set {what}"),
        )
        .with_vendor(self.vendor)
        .with_setting(TOKEN.name)
    }

    /// The plain value of `key`.
    pub fn string(&mut self, key: Key) -> Option<String> {
        self.take(key)
            .map(|e| e.value.expose_secret().trim().to_owned())
    }

    /// The value of `key`, or an error naming it.
    pub fn required(&mut self, key: Key, what: &str) -> Result<String, Error> {
        self.string(key).ok_or_else(|| self.missing(key, what))
    }

    /// The secret value of `key`, untrimmed.
    #[allow(dead_code)] // for vendors with a login; a one-vendor build may have none
    pub fn secret(&mut self, key: Key) -> Option<SecretString> {
        self.take(key).map(|e| e.value)
    }

    /// The secret value of `key`, or an error naming it.
    #[allow(dead_code)] // for vendors with a login; a one-vendor build may have none
    pub fn required_secret(&mut self, key: Key, what: &str) -> Result<SecretString, Error> {
        self.secret(key).ok_or_else(|| self.missing(key, what))
    }

    /// `key` parsed as `T`; the error names the origin and `expected`, never the value.
    pub fn parse<T: FromStr>(&mut self, key: Key, expected: &str) -> Result<Option<T>, Error> {
        let Some(entry) = self.take(key) else {
            return Ok(None);
        };
        entry
            .value
            .expose_secret()
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| self.invalid(format!("{} must be {expected}", entry.origin)))
    }

    /// A boolean key: `true`/`false`, `yes`/`no`, `1`/`0`.
    pub fn flag(&mut self, key: Key) -> Result<Option<bool>, Error> {
        let Some(entry) = self.take(key) else {
            return Ok(None);
        };
        match entry
            .value
            .expose_secret()
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "1" | "true" | "yes" => Ok(Some(true)),
            "0" | "false" | "no" => Ok(Some(false)),
            _ => Err(self.invalid(format!("{} must be true or false", entry.origin))),
        }
    }

    /// A token key.
    pub fn token(&mut self, key: Key) -> Result<Option<SecretToken>, Error> {
        let Some(entry) = self.take(key) else {
            return Ok(None);
        };
        SecretToken::new(entry.value.expose_secret())
            .map(Some)
            .map_err(|e| self.invalid(format!("{}: {e}", entry.origin)))
    }

    /// The origin of `key`, when set.
    pub fn origin(&self, key: Key) -> Option<&str> {
        self.entries.get(key.name).map(|e| e.origin.as_str())
    }

    /// The origin of `key`, or its name when it is not set.
    fn origin_or_name(&self, key: Key) -> String {
        self.origin(key).unwrap_or(key.name).to_owned()
    }

    /// The origin of the first of `keys` that is set.
    pub fn first_set(&self, keys: impl IntoIterator<Item = Key>) -> Option<&str> {
        keys.into_iter().find_map(|key| self.origin(key))
    }

    /// The end of reading: every key that was set and not read is an error naming it, its
    /// origin and what it is for (a key the chosen configuration does not use would otherwise be
    /// dropped silently: a `project_domain_id` without `project_name`, a login key beside a
    /// token).
    pub fn finish(self) -> Result<(), Error> {
        if self.entries.is_empty() {
            return Ok(());
        }
        let unused: Vec<String> = self
            .entries
            .iter()
            .map(|(name, entry)| {
                let help = self
                    .known
                    .iter()
                    .find(|k| k.name == name)
                    .map_or("", |k| k.help);
                format!("{name} (from {}: {help})", entry.origin)
            })
            .collect();
        Err(self.invalid(format!(
            "set but not used by this configuration: {}; remove it, or set what it goes with",
            unused.join("; ")
        )))
    }

    /// The common keys: HTTP settings and the bearer token (from `token` or `token_file`).
    pub fn common(&mut self) -> Result<Common, Error> {
        let allow = self.flag(ALLOW_INSECURE_HTTP)?.unwrap_or(false);
        let base_url = self.required(BASE_URL, "the vendor's base URL")?;
        let mut http =
            HttpConfig::parse(&base_url, allow).map_err(|e| e.with_vendor(self.vendor))?;
        http.validate().map_err(|e| e.with_vendor(self.vendor))?;
        let seconds = "a positive number of seconds";
        for (key, set) in [
            (
                TIMEOUT_SECS,
                HttpConfig::timeout as fn(HttpConfig, Duration) -> HttpConfig,
            ),
            (CONNECT_TIMEOUT_SECS, HttpConfig::connect_timeout),
        ] {
            let origin = self.origin_or_name(key);
            if let Some(secs) = self.parse::<u64>(key, seconds)? {
                if secs == 0 {
                    return Err(self.invalid(format!("{origin} must be {seconds}")));
                }
                http = set(http, Duration::from_secs(secs));
            }
        }
        // Each origin is read before its value is taken (taking a key consumes it).
        let origin = self.origin_or_name(CA_FILE);
        if let Some(path) = self.string(CA_FILE) {
            http = http
                .ca_file(Path::new(&path))
                .map_err(|e| self.invalid(format!("{origin}: {}", e.message())))?;
        }
        let origin = self.origin_or_name(CLIENT_CERTIFICATE_FILE);
        match (
            self.string(CLIENT_CERTIFICATE_FILE),
            self.string(CLIENT_KEY_FILE),
        ) {
            (Some(certificate), Some(key)) => {
                http = http
                    .client_certificate(Path::new(&certificate), Path::new(&key))
                    .map_err(|e| self.invalid(format!("{origin}: {}", e.message())))?;
            }
            (None, None) => {}
            (Some(_), None) => {
                return Err(self.missing(CLIENT_KEY_FILE, "the client certificate's private key"));
            }
            (None, Some(_)) => {
                return Err(self.missing(
                    CLIENT_CERTIFICATE_FILE,
                    "the certificate of client_key_file",
                ));
            }
        }
        let origin = self.origin_or_name(PROXY);
        if let Some(proxy) = self.secret(PROXY) {
            http = http
                .proxy(proxy.expose_secret())
                .map_err(|e| self.invalid(format!("{origin}: {}", e.message())))?;
        }
        let origin = self.origin_or_name(MAX_RESPONSE_BYTES);
        if let Some(limit) = self.parse::<usize>(MAX_RESPONSE_BYTES, "a number of bytes")? {
            if limit < 1024 {
                return Err(self.invalid(format!("{origin} must be at least 1024")));
            }
            http = http.max_response_bytes(limit);
        }
        let token = match (
            self.origin(TOKEN).is_some(),
            self.origin(TOKEN_FILE).map(str::to_owned),
        ) {
            (true, Some(origin)) => {
                return Err(self.invalid(format!(
                    "both token and token_file are set ({origin}): keep one"
                )));
            }
            (_, Some(origin)) => {
                let path = self.required(TOKEN_FILE, "a path")?;
                Some(
                    read_token_file(Path::new(&path), &origin)
                        .map_err(|e| e.with_vendor(self.vendor))?,
                )
            }
            (_, None) => self.token(TOKEN)?,
        };
        Ok(Common { http, token })
    }

    /// The token when there is one, else the login pair `user_key` + `secret_key`; an error
    /// naming all three when neither is there. A login key beside a token is refused.
    #[allow(dead_code)] // for vendors with a login; a one-vendor build may have none
    pub fn token_or_login(
        &mut self,
        common_token: Option<SecretToken>,
        user_key: Key,
        secret_key: Key,
    ) -> Result<TokenOrLogin, Error> {
        if let Some(token) = common_token {
            if let Some(origin) = self.first_set([user_key, secret_key]) {
                return Err(self.invalid(format!(
                    "a token and login credentials are both set ({origin}): keep one"
                )));
            }
            return Ok(TokenOrLogin::Token(token));
        }
        match self.string(user_key) {
            Some(user) => {
                let secret = self.required_secret(secret_key, "the secret of the login")?;
                Ok(TokenOrLogin::Login { user, secret })
            }
            None => Err(self.no_credentials(&format!(
                "token (or token_file), or {} and {} ({}, {} and {})",
                user_key.name,
                secret_key.name,
                Settings::env_name(self.vendor, TOKEN.name),
                Settings::env_name(self.vendor, user_key.name),
                Settings::env_name(self.vendor, secret_key.name),
            ))),
        }
    }
}

fn read_token_file(path: &Path, origin: &str) -> Result<SecretToken, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::invalid_input(format!(
            "cannot read the token file {} ({origin}): {}",
            path.display(),
            e.kind()
        ))
    })?;
    pwchange_core::files::refuse_if_others_can_read(path, "the token file")?;
    let first = text.lines().next().unwrap_or_default();
    SecretToken::new(first)
        .map_err(|e| Error::invalid_input(format!("token file {}: {e}", path.display())))
}

/// What every vendor reads: HTTP settings and an optional bearer token.
pub(crate) struct Common {
    pub http: HttpConfig,
    pub token: Option<SecretToken>,
}

/// A token, or the user and secret of a login.
#[allow(dead_code)] // for vendors with a login; a one-vendor build may have none
pub(crate) enum TokenOrLogin {
    Token(SecretToken),
    Login { user: String, secret: SecretString },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    const V: Vendor = Vendor::ALL[0];

    fn env(key: &str) -> String {
        Settings::env_name(V, key)
    }

    const API: Key = Key::plain("api", "v1 or v2");
    const USER: Key = Key::plain("user", "a user");
    const SECRET: Key = Key::secret("secret", "a secret");
    const KEYS: &[Key] = &[API, USER, SECRET];

    fn keys(pairs: &[(&str, &str)]) -> Result<Keys, Error> {
        let mut settings = Settings::new(V);
        for (k, v) in pairs {
            settings.set(k, *v, format!("test {k}"));
        }
        settings.into_keys(KEYS)
    }

    #[test]
    fn environment_variables_become_keys_and_blank_ones_are_unset() {
        let settings = Settings::from_vars(
            V,
            [
                (env("base_url"), "https://z".to_owned()),
                (env("api"), "  ".to_owned()),
                (Settings::env_name(Vendor::ALL[1], "token"), "t".to_owned()),
                ("HOME".to_owned(), "/root".to_owned()),
            ],
        );
        assert!(settings.contains("base_url"));
        assert!(!settings.contains("api"));
        assert!(!settings.contains("token"));
        assert_eq!(
            format!("{settings:?}"),
            format!(r#"Settings {{ vendor: {V:?}, keys: ["base_url"] }}"#)
        );
    }

    #[test]
    fn a_layer_with_a_credential_replaces_every_lower_credential() {
        let vendor = Vendor::ALL
            .into_iter()
            .find(|v| crate::keys(*v).unwrap().iter().any(|k| k.credential))
            .unwrap();
        let login: Vec<&str> = crate::keys(vendor)
            .unwrap()
            .iter()
            .filter(|k| k.credential)
            .map(|k| k.name)
            .collect();
        let mut lower = Settings::new(vendor)
            .with("base_url", "https://x")
            .with("token_file", "/f");
        for key in &login {
            lower.set(key, "v", "lower");
        }
        let mut settings = lower.clone();
        settings.layer(Settings::new(vendor).with("timeout_secs", "5"));
        assert!(settings.contains("token_file") && login.iter().all(|k| settings.contains(k)));
        settings.layer(Settings::new(vendor).with("token", "t"));
        assert!(settings.contains("token") && settings.contains("base_url"));
        assert!(!settings.contains("token_file"));
        assert!(login.iter().all(|k| !settings.contains(k)));
        let mut settings = lower;
        settings.layer(Settings::new(vendor).with(login[0], "u"));
        assert!(!settings.contains("token_file") && settings.contains(login[0]));
    }

    #[test]
    fn an_unknown_key_is_named_with_its_origin_and_the_choices() {
        let err = keys(&[("base_url", "https://z"), ("tokn", "secret-value")])
            .err()
            .unwrap();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let text = err.to_string();
        assert!(
            text.contains(&format!(r#"unknown {V} setting "tokn" (from test tokn)"#)),
            "{text}"
        );
        assert!(text.contains("base_url, timeout_secs"), "{text}");
        assert!(text.contains("api, user, secret"), "{text}");
        assert!(!text.contains("secret-value"), "{text}");
    }

    #[test]
    fn a_key_that_is_set_and_not_read_is_named_with_its_origin_and_purpose() {
        let mut k = keys(&[
            ("base_url", "https://z"),
            ("api", "v1-value"),
            ("user", "alice"),
        ])
        .unwrap();
        k.common().unwrap();
        assert_eq!(k.string(USER).as_deref(), Some("alice"));
        let error = k.finish().unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        let text = error.to_string();
        assert!(
            text.contains("set but not used by this configuration: api (from test api: v1 or v2)"),
            "{text}"
        );
        assert!(
            !text.contains("v1-value") && !text.contains("user"),
            "{text}"
        );
        // Everything read: nothing to report.
        let mut k = keys(&[("base_url", "https://z"), ("api", "v1")]).unwrap();
        k.common().unwrap();
        assert_eq!(k.string(API).as_deref(), Some("v1"));
        assert!(k.finish().is_ok());
        // Two unused keys are both named.
        let mut k = keys(&[("base_url", "https://z"), ("api", "v1"), ("secret", "s3")]).unwrap();
        k.common().unwrap();
        let text = k.finish().unwrap_err().to_string();
        assert!(
            text.contains("api (from test api") && text.contains("secret (from test secret"),
            "{text}"
        );
        assert!(!text.contains("s3"), "{text}");
    }

    /// A key the vendor does not declare could never be set: reading one is a mistake in the
    /// vendor's code, which the debug build (every test) stops at.
    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "reads the undeclared key nope")]
    fn reading_an_undeclared_key_stops_a_debug_build() {
        let mut k = keys(&[]).unwrap();
        let _ = k.string(Key::plain("nope", "not declared"));
    }

    #[test]
    fn common_keys_give_http_settings_and_errors_name_the_origin_not_the_value() {
        let mut k = keys(&[
            ("base_url", "http://10.1.2.3:8080"),
            ("allow_insecure_http", "yes"),
            ("timeout_secs", "5"),
            ("token", "t0k"),
        ])
        .unwrap();
        let common = k.common().unwrap();
        assert_eq!(common.http.base(), "http://10.1.2.3:8080");
        assert_eq!(common.token.unwrap().expose_secret(), "t0k");

        let mut k = keys(&[("base_url", "https://z"), ("timeout_secs", "soon-secret")]).unwrap();
        let err = k.common().err().unwrap().to_string();
        assert!(
            err.contains("test timeout_secs must be a positive number of seconds"),
            "{err}"
        );
        assert!(!err.contains("soon-secret"));
        let mut k = keys(&[("base_url", "https://z"), ("timeout_secs", "0")]).unwrap();
        let zero = k.common().err().unwrap().to_string();
        assert!(
            zero.contains("test timeout_secs must be a positive number of seconds"),
            "the origin, not only the key: {zero}"
        );
        let mut k = keys(&[("base_url", "https://z"), ("allow_insecure_http", "maybe")]).unwrap();
        assert!(
            k.common()
                .err()
                .unwrap()
                .to_string()
                .contains("must be true or false")
        );
        let mut k = keys(&[]).unwrap();
        let err = k.common().err().unwrap().to_string();
        assert!(
            err.contains("base_url is not set") && err.contains(&env("base_url")),
            "{err}"
        );
        let mut k = keys(&[("base_url", "http://10.1.2.3")]).unwrap();
        assert!(k.common().err().unwrap().to_string().contains("plain http"));
        for no in ["false", "No", "0"] {
            let mut k =
                keys(&[("base_url", "http://10.1.2.3"), ("allow_insecure_http", no)]).unwrap();
            let err = k.common().err().unwrap().to_string();
            assert!(err.contains("plain http"), "{no}: {err}");
        }
    }

    #[test]
    fn transport_keys_are_checked_and_errors_name_their_origin_not_their_value() {
        let error = |pairs: &[(&str, &str)]| {
            let mut all = vec![("base_url", "https://z")];
            all.extend_from_slice(pairs);
            keys(&all).unwrap().common().err().unwrap().to_string()
        };
        let small = error(&[("max_response_bytes", "100")]);
        assert!(
            small.contains("test max_response_bytes must be at least 1024"),
            "{small}"
        );
        let word = error(&[("max_response_bytes", "lots")]);
        assert!(word.contains("max_response_bytes"), "{word}");
        let half = error(&[("client_certificate_file", "/x/c.pem")]);
        assert!(half.contains("client_key_file"), "{half}");
        let half = error(&[("client_key_file", "/x/k.pem")]);
        assert!(half.contains("client_certificate_file"), "{half}");
        let ca = error(&[("ca_file", "/nonexistent/ca.pem")]);
        assert!(
            ca.contains("test ca_file: cannot read the CA file /nonexistent/ca.pem"),
            "{ca}"
        );
        let proxy = error(&[("proxy", "socks5://user:proxy-pw@p:1080")]);
        assert!(
            proxy.contains("test proxy") && !proxy.contains("proxy-pw"),
            "{proxy}"
        );
        let mut k = keys(&[
            ("base_url", "https://z"),
            ("max_response_bytes", "4096"),
            ("proxy", "http://p:3128"),
        ])
        .unwrap();
        let common = k.common().unwrap();
        assert_eq!(common.http.response_limit(), 4096);
    }

    #[test]
    fn a_token_file_is_read_and_conflicts_with_a_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "file-token\nignored\n").unwrap();
        let file = path.to_str().unwrap();
        // Issue #35: a token file every user may read is refused, naming the chmod to run.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let mut k = keys(&[("base_url", "https://z"), ("token_file", file)]).unwrap();
            let error = k.common().err().unwrap().to_string();
            assert!(error.contains(&format!("chmod o-rwx {file}")), "{error}");
            assert!(!error.contains("file-token"), "{error}");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let mut k = keys(&[("base_url", "https://z"), ("token_file", file)]).unwrap();
        assert_eq!(
            k.common().unwrap().token.unwrap().expose_secret(),
            "file-token"
        );
        let mut k = keys(&[
            ("base_url", "https://z"),
            ("token_file", file),
            ("token", "t"),
        ])
        .unwrap();
        assert!(k.common().err().unwrap().to_string().contains("keep one"));
        let mut k = keys(&[("base_url", "https://z"), ("token_file", "/nonexistent/x")]).unwrap();
        assert!(
            k.common()
                .err()
                .unwrap()
                .to_string()
                .contains("cannot read the token file")
        );
    }

    #[test]
    fn token_or_login_takes_one_and_names_all_keys_when_neither_is_set() {
        let mut k = keys(&[("user", "alice"), ("secret", "pw")]).unwrap();
        let TokenOrLogin::Login { user, secret } = k.token_or_login(None, USER, SECRET).unwrap()
        else {
            panic!("login")
        };
        assert_eq!((user.as_str(), secret.expose_secret()), ("alice", "pw"));
        let mut k = keys(&[("user", "alice")]).unwrap();
        assert!(
            k.token_or_login(None, USER, SECRET)
                .err()
                .unwrap()
                .to_string()
                .contains("secret is not set")
        );
        let mut k = keys(&[]).unwrap();
        let err = k
            .token_or_login(None, USER, SECRET)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("no credentials")
                && err.contains(&env("token"))
                && err.contains(&env("user")),
            "{err}"
        );
        let mut k = keys(&[("user", "alice")]).unwrap();
        let token = SecretToken::new("t").unwrap();
        assert!(
            k.token_or_login(Some(token), USER, SECRET)
                .err()
                .unwrap()
                .to_string()
                .contains("keep one")
        );
    }
}
