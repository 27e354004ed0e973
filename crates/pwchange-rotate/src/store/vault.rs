//! HashiCorp Vault's and OpenBao's key/value secrets engine, version 2, over HTTP: the read,
//! the check-and-set write, the capabilities check, and the token (given, or from an AppRole
//! login), configured the way Vault's own CLI is ([`VaultConfig::from_env`]).
//!
//! Written by hand, not generated: a KV v2 secret is free-form JSON, and what is read back
//! holds a password, which must land in a zeroized buffer with no `Debug`, not in a generated
//! map that prints itself. The transport is the project's ([`pwchange_core::http::HttpConfig`]:
//! TLS with the platform's roots plus `VAULT_CACERT`, no proxy from the environment, no
//! redirects, timeouts), answers are read up to [`MAX_ANSWER_BYTES`], and the token travels in
//! a header marked sensitive. No message holds a token, a password or the server's own text.
//!
//! What the server answered, as OpenBao 2.7.2 does (and Vault documents): a check-and-set
//! mismatch is a `400` ("check-and-set parameter did not match"); a sealed or standby server a
//! `503`; a bad token a `403`; a path outside a KV v2 mount (`secret/x` instead of
//! `secret/data/x`) a `404`; a missing secret a `404` with no data, a deleted latest version
//! a `404` that still names its version.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pwchange::{Error, ErrorKind};
use pwchange_core::http::HttpConfig;
use reqwest::header::{HeaderName, HeaderValue};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::{Current, Secret, SecretPath};
use crate::protection::{ExposeSecret as _, SecretString};

/// The largest answer read from the store (a secret with its metadata is a few hundred bytes).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// How the store's client proves who it is.
#[derive(Clone)]
pub enum VaultAuth {
    /// A token (`VAULT_TOKEN`, a token file).
    Token(SecretString),
    /// An AppRole login (`auth/<mount>/login`) with the role id and secret id; the token it
    /// returns is used until the server refuses it, then one login again.
    AppRole {
        /// The AppRole mount (`approle`).
        mount: String,
        /// The role id (not secret by Vault's design, but not printed either).
        role_id: String,
        /// The secret id.
        secret_id: SecretString,
    },
}

impl std::fmt::Debug for VaultAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VaultAuth::Token(_) => f.write_str("Token(<redacted>)"),
            VaultAuth::AppRole { mount, .. } => write!(f, "AppRole {{ mount: {mount:?}, .. }}"),
        }
    }
}

/// Where the store's server is and how to reach it: the address, the namespace, the
/// credentials, a CA. [`VaultConfig::from_env`] reads the variables Vault's and OpenBao's CLIs
/// read.
#[derive(Debug, Clone)]
pub struct VaultConfig {
    address: String,
    namespace: Option<String>,
    auth: VaultAuth,
    ca_file: Option<PathBuf>,
    timeout: Duration,
}

/// The variables [`VaultConfig::from_env`] reads, each under its `VAULT_` and its `BAO_` name
/// (the two must agree where both are set).
pub const ENV_NAMES: [&str; 5] = ["ADDR", "TOKEN", "CACERT", "NAMESPACE", "CLIENT_TIMEOUT"];

impl VaultConfig {
    /// A server at `address` (`https://vault.example.com:8200`; plain `http://` only on
    /// loopback), with `auth`.
    pub fn new(address: &str, auth: VaultAuth) -> Self {
        Self {
            address: address.trim_end_matches('/').to_owned(),
            namespace: None,
            auth,
            ca_file: None,
            timeout: Duration::from_secs(30),
        }
    }

    /// In a namespace (Vault Enterprise, OpenBao): sent as `X-Vault-Namespace`.
    pub fn with_namespace(mut self, namespace: Option<&str>) -> Self {
        self.namespace = namespace.filter(|n| !n.is_empty()).map(str::to_owned);
        self
    }

    /// Trusts `path`'s CA certificates (PEM) besides the platform's.
    pub fn ca_file(mut self, path: &Path) -> Self {
        self.ca_file = Some(path.to_owned());
        self
    }

    /// Each request's timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The server's address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Reads the environment the way `vault` and `bao` do:
    /// - `VAULT_ADDR` / `BAO_ADDR`: the server (required);
    /// - `VAULT_NAMESPACE` / `BAO_NAMESPACE`, `VAULT_CACERT` / `BAO_CACERT`,
    ///   `VAULT_CLIENT_TIMEOUT` / `BAO_CLIENT_TIMEOUT` (seconds, or `30s`, `2m`; default 30 s);
    /// - the credentials, the first that is set: `PWCHANGE_STORE_ROLE_ID` with
    ///   `PWCHANGE_STORE_SECRET_ID_FILE` (an AppRole login, mount `PWCHANGE_STORE_APPROLE_MOUNT`,
    ///   default `approle`); `VAULT_TOKEN` / `BAO_TOKEN`; `PWCHANGE_STORE_TOKEN_FILE`; the CLI's
    ///   token file `~/.vault-token`.
    ///
    /// Files that hold a secret are refused when every user may read them.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) with the variables from `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let either = |suffix: &str| -> Result<Option<(String, String)>, Error> {
            let (vault, bao) = (format!("VAULT_{suffix}"), format!("BAO_{suffix}"));
            match (get(&vault), get(&bao)) {
                (Some(a), Some(b)) if a != b => Err(Error::invalid_input(format!(
                    "{vault} and {bao} are both set, to different values: unset one"
                ))),
                (Some(a), _) => Ok(Some((vault, a))),
                (None, Some(b)) => Ok(Some((bao, b))),
                (None, None) => Ok(None),
            }
        };
        let (_, address) = either("ADDR")?.ok_or_else(|| {
            Error::invalid_input(
                "the store's server is not set: set VAULT_ADDR (or BAO_ADDR), e.g. https://vault.example.com:8200",
            )
        })?;
        let auth = if let Some(role_id) = get("PWCHANGE_STORE_ROLE_ID") {
            let file = get("PWCHANGE_STORE_SECRET_ID_FILE").ok_or_else(|| {
                Error::invalid_input(
                    "PWCHANGE_STORE_ROLE_ID is set without PWCHANGE_STORE_SECRET_ID_FILE: an AppRole login needs both",
                )
            })?;
            VaultAuth::AppRole {
                mount: get("PWCHANGE_STORE_APPROLE_MOUNT").unwrap_or_else(|| "approle".into()),
                role_id,
                secret_id: read_secret_file(Path::new(&file), "the AppRole secret id file")?,
            }
        } else if let Some((_, token)) = either("TOKEN")? {
            VaultAuth::Token(SecretString::from(token))
        } else if let Some(file) = get("PWCHANGE_STORE_TOKEN_FILE") {
            VaultAuth::Token(read_secret_file(
                Path::new(&file),
                "the store's token file",
            )?)
        } else {
            let home = get("HOME").map(PathBuf::from);
            match home.map(|h| h.join(".vault-token")).filter(|p| p.exists()) {
                Some(file) => VaultAuth::Token(read_secret_file(&file, "the token file")?),
                None => {
                    return Err(Error::new(
                        ErrorKind::Unauthenticated,
                        "no credentials for the store: set VAULT_TOKEN, PWCHANGE_STORE_TOKEN_FILE, or PWCHANGE_STORE_ROLE_ID with PWCHANGE_STORE_SECRET_ID_FILE (or log in with `vault login`, which writes ~/.vault-token)",
                    ));
                }
            }
        };
        let mut config = Self::new(&address, auth);
        config.namespace = either("NAMESPACE")?.map(|(_, n)| n);
        if let Some((_, ca)) = either("CACERT")? {
            config.ca_file = Some(PathBuf::from(ca));
        }
        if let Some((name, timeout)) = either("CLIENT_TIMEOUT")? {
            config.timeout = duration(&timeout).ok_or_else(|| {
                Error::invalid_input(format!(
                    "{name} is not a duration: give seconds (30) or a number with s, m or h (30s, 2m)"
                ))
            })?;
        }
        Ok(config)
    }

    /// The namespace, where there is one.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
}

/// `30`, `30s`, `2m` or `1h` (what Vault's CLI takes), not zero.
fn duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        _ => return None,
    };
    let n: u64 = number.parse().ok()?;
    if n == 0 {
        return None;
    }
    n.checked_mul(seconds).map(Duration::from_secs)
}

/// A file's content, trimmed, as a secret; refused when every user may read the file.
fn read_secret_file(path: &Path, what: &str) -> Result<SecretString, Error> {
    pwchange_core::files::refuse_if_others_can_read(path, what)?;
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
        Error::invalid_input(format!(
            "cannot read {what} {}: {}",
            path.display(),
            e.kind()
        ))
    })?);
    let secret = text.trim();
    if secret.is_empty() {
        return Err(Error::invalid_input(format!(
            "{what} {} is empty",
            path.display()
        )));
    }
    Ok(SecretString::from(secret.to_owned()))
}

/// A write that did not succeed.
pub(super) enum WriteFailure {
    /// The check-and-set version did not match: someone (maybe this rotation, earlier) wrote.
    CasMismatch,
    /// The answer was lost (a timeout, a dropped connection, a `5xx`): it may have landed.
    Unknown(Error),
    /// Refused, nothing written (`403`, `404`, sealed, a connection that never opened).
    Refused(Error),
}

/// One KV v2 mount on one server.
#[derive(Clone)]
pub(super) struct KvV2 {
    http: reqwest::Client,
    /// `<address>/v1/`.
    api: reqwest::Url,
    mount: String,
    namespace: Option<String>,
    auth: VaultAuth,
    /// The token in use: the given one, or the AppRole login's.
    token: Arc<tokio::sync::Mutex<Option<SecretString>>>,
}

const TOKEN_HEADER: HeaderName = HeaderName::from_static("x-vault-token");
const NAMESPACE_HEADER: HeaderName = HeaderName::from_static("x-vault-namespace");

impl KvV2 {
    pub(super) fn new(config: VaultConfig, mount: &str) -> Result<Self, Error> {
        let mut http = HttpConfig::new(&config.address)
            .map_err(|e| {
                Error::invalid_input(format!(
                    "the store's address (VAULT_ADDR) is not usable: {}",
                    e.message()
                ))
            })?
            .timeout(config.timeout)
            .max_response_bytes(MAX_ANSWER_BYTES);
        if let Some(ca) = &config.ca_file {
            http = http.ca_file(ca)?;
        }
        let api = reqwest::Url::parse(&format!("{}/v1/", http.base()))
            .map_err(|_| Error::invalid_input("the store's address (VAULT_ADDR) is not a URL"))?;
        let token = match &config.auth {
            VaultAuth::Token(token) => Some(token.clone()),
            VaultAuth::AppRole { .. } => None,
        };
        Ok(Self {
            http: http.reqwest_client()?,
            api,
            mount: mount.to_owned(),
            namespace: config.namespace,
            auth: config.auth,
            token: Arc::new(tokio::sync::Mutex::new(token)),
        })
    }

    /// `<address>/v1/<segments…>`, each segment percent-encoded.
    fn url(&self, segments: &[&str], path: Option<&SecretPath>) -> reqwest::Url {
        let mut url = self.api.clone();
        if let Ok(mut parts) = url.path_segments_mut() {
            parts.pop_if_empty();
            parts.extend(segments);
            if let Some(path) = path {
                parts.extend(path.as_str().split('/'));
            }
        }
        url
    }

    /// The token, logging in first with AppRole when there is none yet.
    async fn token(&self) -> Result<SecretString, Error> {
        let mut token = self.token.lock().await;
        if let Some(token) = &*token {
            return Ok(token.clone());
        }
        let VaultAuth::AppRole {
            mount,
            role_id,
            secret_id,
        } = &self.auth
        else {
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                "the store refused the token: check VAULT_TOKEN",
            ));
        };
        let body = Zeroizing::new(
            serde_json::to_vec(&serde_json::json!({
                "role_id": role_id,
                "secret_id": secret_id.expose_secret(),
            }))
            .unwrap_or_default(),
        );
        let url = self.url(&["auth", mount, "login"], None);
        let (status, answer) = self
            .send(self.http.post(url).body(body.to_vec()), None)
            .await
            .map_err(|(e, _)| e)?;
        #[derive(Deserialize)]
        struct Login {
            auth: Option<LoginAuth>,
        }
        #[derive(Deserialize)]
        struct LoginAuth {
            client_token: Zeroizing<String>,
        }
        let login = (status == 200)
            .then(|| serde_json::from_slice::<Login>(&answer).ok())
            .flatten()
            .and_then(|l| l.auth);
        match login {
            Some(auth) if !auth.client_token.is_empty() => {
                let fresh = SecretString::from(auth.client_token.to_string());
                *token = Some(fresh.clone());
                Ok(fresh)
            }
            _ if (400..500).contains(&status) && status != 429 => Err(Error::new(
                ErrorKind::Unauthenticated,
                format!(
                    "the store refused the AppRole login ({status}): check PWCHANGE_STORE_ROLE_ID, the secret id and the AppRole mount"
                ),
            )
            .with_status(Some(status))),
            _ => Err(status_error(status, "the AppRole login", None).unwrap_or_else(|| {
                Error::new(
                    ErrorKind::Unexpected,
                    "the store's AppRole login answered without a token",
                )
            })),
        }
    }

    /// Sends `request` with the token (and namespace); reads the answer up to the cap. A
    /// failure says whether the request may have reached the server (`true`).
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        token: Option<&SecretString>,
    ) -> Result<(u16, Zeroizing<Vec<u8>>), (Error, bool)> {
        let mut request = request.header(reqwest::header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            let mut value = HeaderValue::from_str(token.expose_secret()).map_err(|_| {
                (
                    Error::invalid_input("the store's token is not a valid header value"),
                    false,
                )
            })?;
            value.set_sensitive(true);
            request = request.header(TOKEN_HEADER, value);
        }
        if let Some(namespace) = &self.namespace {
            let value = HeaderValue::from_str(namespace).map_err(|_| {
                (
                    Error::invalid_input("the store's namespace is not a valid header value"),
                    false,
                )
            })?;
            request = request.header(NAMESPACE_HEADER, value);
        }
        let mut response = request.send().await.map_err(|e| {
            let sent = !e.is_connect();
            let error = pwchange_core::http::transport(e.without_url());
            (store_transport(error), sent)
        })?;
        let status = response.status().as_u16();
        let mut body = Zeroizing::new(Vec::new());
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                        return Err((
                            Error::new(
                                ErrorKind::Unexpected,
                                format!(
                                    "the store's answer ({status}) is longer than {MAX_ANSWER_BYTES} bytes"
                                ),
                            ),
                            true,
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err((
                        store_transport(pwchange_core::http::transport(e.without_url())),
                        true,
                    ));
                }
            }
        }
        Ok((status, body))
    }

    /// Sends with the token; on a `403` with an AppRole token, logs in once more and sends again
    /// (the token may have expired). Of the tasks refused with the same token, one logs in; the
    /// others take its token.
    async fn authorized(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<(u16, Zeroizing<Vec<u8>>), (Error, bool)> {
        let token = self.token().await.map_err(|e| (e, false))?;
        let answer = self.send(request(), Some(&token)).await?;
        if answer.0 == 403 && matches!(self.auth, VaultAuth::AppRole { .. }) {
            {
                let mut cached = self.token.lock().await;
                if cached
                    .as_ref()
                    .is_some_and(|c| c.expose_secret() == token.expose_secret())
                {
                    *cached = None;
                }
            }
            let token = self.token().await.map_err(|e| (e, false))?;
            return self.send(request(), Some(&token)).await;
        }
        Ok(answer)
    }

    pub(super) async fn check_access(&self, path: &SecretPath) -> Result<(), Error> {
        self.check_mount().await?;
        let data_path = format!("{}/data/{}", self.mount, path);
        let body =
            serde_json::to_vec(&serde_json::json!({ "paths": [data_path] })).unwrap_or_default();
        let url = self.url(&["sys", "capabilities-self"], None);
        let (status, answer) = self
            .authorized(|| self.http.post(url.clone()).body(body.clone()))
            .await
            .map_err(|(e, _)| e)?;
        if let Some(error) = status_error(status, "the capabilities check", Some(path)) {
            return Err(error);
        }
        #[derive(Deserialize)]
        struct Capabilities {
            capabilities: Option<Vec<String>>,
        }
        let capabilities = serde_json::from_slice::<Capabilities>(&answer)
            .ok()
            .and_then(|c| c.capabilities)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Unexpected,
                    "the store's capabilities answer has no capabilities",
                )
            })?;
        let has = |c: &str| capabilities.iter().any(|have| have == c || have == "root");
        if has("read") && has("create") && has("update") {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::PermissionDenied,
                format!(
                    "the store's token may not read, create and update {}/data/{path}: its policy needs `capabilities = [\"create\", \"read\", \"update\"]` on that path",
                    self.mount
                ),
            ))
        }
    }

    /// Checks that the mount is a KV version 2 engine, as `vault kv` does before it writes
    /// (`sys/internal/ui/mounts/<mount>`, which any token with access to the mount may read):
    /// a KV version 1 mount would keep the password at a path no KV v2 reader looks at.
    async fn check_mount(&self) -> Result<(), Error> {
        let url = self.url(
            &["sys", "internal", "ui", "mounts", self.mount.as_str()],
            None,
        );
        let (status, answer) = self
            .authorized(|| self.http.get(url.clone()))
            .await
            .map_err(|(e, _)| e)?;
        if let Some(error) = status_error(status, "the mount check", None) {
            return Err(error);
        }
        #[derive(Deserialize)]
        struct Mount {
            data: Option<MountData>,
        }
        #[derive(Deserialize)]
        struct MountData {
            #[serde(rename = "type")]
            kind: Option<String>,
            options: Option<MountOptions>,
        }
        #[derive(Deserialize)]
        struct MountOptions {
            version: Option<String>,
        }
        let mount = serde_json::from_slice::<Mount>(&answer)
            .ok()
            .and_then(|m| m.data);
        let kv2 = mount.is_some_and(|m| {
            m.kind.as_deref() == Some("kv")
                && m.options.and_then(|o| o.version).as_deref() == Some("2")
        });
        if kv2 {
            Ok(())
        } else {
            Err(Error::invalid_input(format!(
                "the store's mount {} is not a KV version 2 secrets engine (enable one with `vault secrets enable -path={} kv-v2`)",
                self.mount, self.mount
            )))
        }
    }

    pub(super) async fn read(&self, path: &SecretPath) -> Result<Current, Error> {
        let url = self.url(&[self.mount.as_str(), "data"], Some(path));
        // From the active node: a performance standby may not have the latest write yet, and a
        // stale read would call the rotation's own write someone else's.
        let (status, answer) = self
            .authorized(|| {
                self.http
                    .get(url.clone())
                    .header("x-vault-inconsistent", "forward-active-node")
            })
            .await
            .map_err(|(e, _)| e)?;
        #[derive(Deserialize)]
        struct Read {
            data: Option<ReadData>,
            #[serde(default)]
            errors: Vec<String>,
        }
        #[derive(Deserialize)]
        struct ReadData {
            data: Option<Fields>,
            metadata: Option<Metadata>,
        }
        #[derive(Deserialize)]
        struct Metadata {
            version: u64,
        }
        match status {
            200 | 404 => {
                let read = serde_json::from_slice::<Read>(&answer).ok();
                // A 404 that says why is no missing secret: no route (no such mount).
                let routed = read.as_ref().is_some_and(|r| r.errors.is_empty());
                let data = read.and_then(|r| r.data);
                match data {
                    Some(ReadData {
                        data,
                        metadata: Some(Metadata { version }),
                    }) => Ok(Current {
                        version,
                        secret: data.and_then(Fields::secret),
                    }),
                    // No secret, no version: it never existed (or its metadata was deleted).
                    None if status == 404 && routed => Ok(Current {
                        version: 0,
                        secret: None,
                    }),
                    _ => Err(Error::new(
                        ErrorKind::Unexpected,
                        format!(
                            "the store's answer to the read of {path} ({status}) is not a KV version 2 secret: is {} a KV v2 mount?",
                            self.mount
                        ),
                    )),
                }
            }
            _ => Err(
                status_error(status, "the read", Some(path)).unwrap_or_else(|| {
                    Error::new(
                        ErrorKind::Unexpected,
                        format!("the store answered {status}"),
                    )
                }),
            ),
        }
    }

    pub(super) async fn write(
        &self,
        path: &SecretPath,
        base: u64,
        secret: &Secret,
    ) -> Result<u64, WriteFailure> {
        #[derive(serde::Serialize)]
        struct Write<'a> {
            options: Options,
            data: &'a Secret,
        }
        #[derive(serde::Serialize)]
        struct Options {
            cas: u64,
        }
        let body = Zeroizing::new(
            serde_json::to_vec(&Write {
                options: Options { cas: base },
                data: secret,
            })
            .map_err(|_| {
                WriteFailure::Refused(Error::new(
                    ErrorKind::Unexpected,
                    "a secret could not be encoded",
                ))
            })?,
        );
        let url = self.url(&[self.mount.as_str(), "data"], Some(path));
        let (status, answer) = match self
            .authorized(|| self.http.post(url.clone()).body(body.to_vec()))
            .await
        {
            Ok(answer) => answer,
            Err((error, true)) => return Err(WriteFailure::Unknown(error)),
            Err((error, false)) => return Err(WriteFailure::Refused(error)),
        };
        #[derive(Deserialize)]
        struct Written {
            data: Option<Version>,
        }
        #[derive(Deserialize)]
        struct Version {
            version: u64,
        }
        #[derive(Deserialize)]
        struct Errors {
            #[serde(default)]
            errors: Vec<String>,
        }
        match status {
            200 => serde_json::from_slice::<Written>(&answer)
                .ok()
                .and_then(|w| w.data)
                .map(|v| v.version)
                .ok_or_else(|| {
                    WriteFailure::Unknown(Error::new(
                        ErrorKind::OutcomeUnknown,
                        format!("the store's answer to the write of {path} names no version"),
                    ))
                }),
            400 if serde_json::from_slice::<Errors>(&answer).is_ok_and(|e| {
                e.errors
                    .iter()
                    .any(|m| m.contains("check-and-set parameter did not match"))
            }) =>
            {
                Err(WriteFailure::CasMismatch)
            }
            // Taken, but not as KV v2 answers a write (a KV v1 mount answers 204).
            201..=299 => Err(WriteFailure::Refused(Error::invalid_input(format!(
                "the store took the write of {path} but did not answer as KV version 2 does ({status}): is {} a KV v2 mount?",
                self.mount
            )))),
            // A gateway's or the server's failure after the request reached it: it may have
            // been written.
            500 | 502 | 504 => Err(WriteFailure::Unknown(Error::new(
                ErrorKind::OutcomeUnknown,
                format!(
                    "the store answered {status} to the write of {path}; it may have been written"
                ),
            ))),
            _ => Err(WriteFailure::Refused(
                status_error(status, "the write", Some(path)).unwrap_or_else(|| {
                    Error::new(
                        ErrorKind::Unexpected,
                        format!("the store answered {status}"),
                    )
                }),
            )),
        }
    }
}

/// A transport failure, worded for the store (the facade's words are about a vendor's change).
fn store_transport(error: Error) -> Error {
    match error.kind() {
        ErrorKind::Transport => Error::new(
            ErrorKind::Transport,
            format!("could not reach the store: {}", error.message()),
        ),
        kind => Error::new(
            if kind == ErrorKind::OutcomeUnknown {
                ErrorKind::Unavailable
            } else {
                kind
            },
            "the store did not answer in time, or the connection failed".to_owned(),
        ),
    }
}

/// The error for a non-success `status` of `what`, or `None` for a success.
fn status_error(status: u16, what: &str, path: Option<&SecretPath>) -> Option<Error> {
    let at = path.map(|p| format!(" of {p}")).unwrap_or_default();
    let (kind, why) = match status {
        200..=299 => return None,
        401 | 403 => (
            ErrorKind::PermissionDenied,
            "refused the credentials or their policy: check VAULT_TOKEN (or the AppRole) and that its policy grants create, read and update on the secrets' paths".to_owned(),
        ),
        404 => (
            ErrorKind::InvalidInput,
            "has no such path: is the mount a KV version 2 secrets engine, and the path right?".to_owned(),
        ),
        429 => (ErrorKind::RateLimited, "is rate limiting".to_owned()),
        412 | 500..=599 => (
            ErrorKind::Unavailable,
            "is unavailable (sealed, a standby, or overloaded)".to_owned(),
        ),
        400..=499 => (ErrorKind::InvalidInput, "refused the request".to_owned()),
        _ => (ErrorKind::Unexpected, "answered what it should not".to_owned()),
    };
    Some(
        Error::new(kind, format!("the store {why} ({status}, {what}{at})"))
            .with_status(Some(status)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn the_environment_is_read_as_vault_and_bao_read_it() {
        let config = VaultConfig::from_lookup(env(&[
            ("BAO_ADDR", "http://127.0.0.1:8200/"),
            ("VAULT_TOKEN", "s.abc"),
            ("BAO_NAMESPACE", "team"),
        ]))
        .unwrap();
        assert_eq!(config.address(), "http://127.0.0.1:8200");
        assert_eq!(config.namespace(), Some("team"));
        assert!(matches!(&config.auth, VaultAuth::Token(t) if t.expose_secret() == "s.abc"));
        assert!(!format!("{config:?}").contains("s.abc"));

        for (vars, why) in [
            (&[("VAULT_TOKEN", "t")][..], "VAULT_ADDR"),
            (
                &[
                    ("VAULT_ADDR", "http://a"),
                    ("BAO_ADDR", "http://b"),
                    ("VAULT_TOKEN", "t"),
                ][..],
                "both set",
            ),
            (
                &[("VAULT_ADDR", "http://a"), ("HOME", "/nonexistent")][..],
                "no credentials",
            ),
            (
                &[("VAULT_ADDR", "http://a"), ("PWCHANGE_STORE_ROLE_ID", "r")][..],
                "SECRET_ID_FILE",
            ),
        ] {
            let error = VaultConfig::from_lookup(env(vars)).unwrap_err();
            assert!(error.message().contains(why), "{why}: {}", error.message());
        }
        // The same value under both names is no conflict.
        assert!(
            VaultConfig::from_lookup(env(&[
                ("VAULT_ADDR", "http://a"),
                ("BAO_ADDR", "http://a"),
                ("BAO_TOKEN", "t"),
            ]))
            .is_ok()
        );
    }

    #[test]
    fn secret_files_are_read_trimmed_and_refused_when_others_may_read_them() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret-id");
        std::fs::write(&file, "  sid-1\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let path = file.to_str().unwrap();
        let config = VaultConfig::from_lookup(env(&[
            ("VAULT_ADDR", "http://a"),
            ("VAULT_TOKEN", "ignored"),
            ("PWCHANGE_STORE_ROLE_ID", "role"),
            ("PWCHANGE_STORE_SECRET_ID_FILE", path),
        ]))
        .unwrap();
        assert!(matches!(
            &config.auth,
            VaultAuth::AppRole { mount, role_id, secret_id }
                if mount == "approle" && role_id == "role" && secret_id.expose_secret() == "sid-1"
        ));
        assert!(!format!("{config:?}").contains("sid-1"));
        let token = VaultConfig::from_lookup(env(&[
            ("VAULT_ADDR", "http://a"),
            ("PWCHANGE_STORE_TOKEN_FILE", path),
        ]))
        .unwrap();
        assert!(matches!(&token.auth, VaultAuth::Token(t) if t.expose_secret() == "sid-1"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            let error = VaultConfig::from_lookup(env(&[
                ("VAULT_ADDR", "http://a"),
                ("PWCHANGE_STORE_TOKEN_FILE", path),
            ]))
            .unwrap_err();
            assert!(error.message().contains("chmod"), "{}", error.message());
            assert!(!error.message().contains("sid-1"));
        }
        std::fs::write(&file, "\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let error = VaultConfig::from_lookup(env(&[
            ("VAULT_ADDR", "http://a"),
            ("PWCHANGE_STORE_TOKEN_FILE", path),
        ]))
        .unwrap_err();
        assert!(error.message().contains("empty"));
    }

    #[test]
    fn a_secret_someone_else_wrote_is_read_for_what_it_has() {
        let read = |json: &str| {
            serde_json::from_str::<Fields>(json)
                .unwrap()
                .secret()
                .map(|s| (s.password.to_string(), s.user_id, s.login_name, s.verified))
        };
        assert_eq!(
            read(
                r#"{"password":"p","user_id":"u","login_name":"l","verified":true,"x":[1,{"a":2}]}"#
            ),
            Some(("p".into(), "u".into(), Some("l".into()), true))
        );
        assert_eq!(
            read(r#"{"password":"p","user_id":"u","verified":"no","vendor":7}"#),
            Some(("p".into(), "u".into(), None, false))
        );
        assert_eq!(read(r#"{"password":"p"}"#), None);
        assert_eq!(read(r#"{"password":12,"user_id":"u"}"#), None);
        assert_eq!(read(r#"{"password":null,"user_id":"u"}"#), None);
        assert_eq!(read(r#"{}"#), None);
    }

    #[test]
    fn the_client_timeout_is_read_as_vault_reads_it() {
        for (text, seconds) in [
            ("30", Some(30)),
            ("30s", Some(30)),
            ("2m", Some(120)),
            ("1h", Some(3_600)),
        ] {
            assert_eq!(duration(text), seconds.map(Duration::from_secs), "{text}");
        }
        for text in [
            "",
            "0",
            "0s",
            "s",
            "3d",
            "-1",
            "1.5s",
            "99999999999999999999",
        ] {
            assert_eq!(duration(text), None, "{text}");
        }
        let config = VaultConfig::from_lookup(env(&[
            ("VAULT_ADDR", "http://a"),
            ("VAULT_TOKEN", "t"),
            ("BAO_CLIENT_TIMEOUT", "5s"),
        ]))
        .unwrap();
        assert_eq!(config.timeout, Duration::from_secs(5));
        let error = VaultConfig::from_lookup(env(&[
            ("VAULT_ADDR", "http://a"),
            ("VAULT_TOKEN", "t"),
            ("VAULT_CLIENT_TIMEOUT", "soon"),
        ]))
        .unwrap_err();
        assert!(
            error.message().contains("VAULT_CLIENT_TIMEOUT"),
            "{}",
            error.message()
        );
        assert!(!error.message().contains("soon"));
    }

    #[test]
    fn each_status_has_its_kind() {
        for (status, kind) in [
            (401, ErrorKind::PermissionDenied),
            (403, ErrorKind::PermissionDenied),
            (404, ErrorKind::InvalidInput),
            (400, ErrorKind::InvalidInput),
            (429, ErrorKind::RateLimited),
            (412, ErrorKind::Unavailable),
            (503, ErrorKind::Unavailable),
            (500, ErrorKind::Unavailable),
            (302, ErrorKind::Unexpected),
        ] {
            let error = status_error(status, "the read", None).unwrap();
            assert_eq!((status, error.kind()), (status, kind));
            assert_eq!(error.status(), Some(status));
        }
        assert!(status_error(204, "the read", None).is_none());
    }
}

/// A secret's data as read: any JSON object (someone else may have written it), of which the
/// fields pwchange writes are taken where they are strings (or a boolean, `verified`).
#[derive(Deserialize)]
struct Fields {
    #[serde(default)]
    password: Text,
    #[serde(default)]
    user_id: Text,
    #[serde(default)]
    vendor: Text,
    #[serde(default)]
    base_url: Text,
    #[serde(default)]
    login_name: Text,
    #[serde(default)]
    rotated_at: Text,
    #[serde(default)]
    verified: Text,
}

impl Fields {
    /// A secret, where it has a password and a user id.
    fn secret(self) -> Option<Secret> {
        let plain = |text: Text| text.0.map(|t| t.to_string());
        Some(Secret {
            password: self.password.0?,
            user_id: plain(self.user_id)?,
            vendor: plain(self.vendor).unwrap_or_default(),
            base_url: plain(self.base_url).unwrap_or_default(),
            login_name: plain(self.login_name),
            rotated_at: plain(self.rotated_at).unwrap_or_default(),
            verified: self.verified.0.is_some_and(|v| v.as_str() == "true"),
        })
    }
}

/// A JSON value read as text where it is a string (or a boolean), nothing otherwise, and never
/// copied elsewhere than its zeroized buffer.
#[derive(Default)]
struct Text(Option<Zeroizing<String>>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Text, E> {
                Ok(Text(Some(Zeroizing::new(v.to_owned()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Text, E> {
                Ok(Text(Some(Zeroizing::new(v))))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Text, E> {
                Ok(Text(Some(Zeroizing::new(v.to_string()))))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_unit<E>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_none<E>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Text(None))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}
