//! What every vendor adapter shares on the HTTP side: base URL rules, the reqwest client, the
//! connect-only retry, and turning a generated client's error into a [`Failure`].

use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;

use serde::de::DeserializeOwned;
use url::Url;

use crate::{Error, ErrorKind};

/// Default whole-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default number of retries after a connection error (the request provably never left).
pub const DEFAULT_CONNECT_RETRIES: u32 = 2;
/// The most of an undocumented response body that is read.
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// The `User-Agent` of every request: `pwchange/<version>`.
pub const USER_AGENT: &str = concat!("pwchange/", env!("CARGO_PKG_VERSION"));

/// HTTP settings shared by every vendor: where, how long, through what, trusting whom.
///
/// The setters can come in any order: the rules that combine settings (plain `http://` only to
/// loopback unless allowed) are checked when the client is built ([`reqwest_client`](Self::reqwest_client)).
#[derive(Clone)]
pub struct HttpConfig {
    base_url: Url,
    timeout: Duration,
    connect_timeout: Duration,
    connect_retries: u32,
    allow_insecure_http: bool,
    extra_roots: Vec<CertificateDer<'static>>,
    client_identity: Option<Arc<crate::tls::ClientIdentity>>,
    proxy: Option<Url>,
    max_response_bytes: usize,
}

impl fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpConfig")
            .field("base_url", &self.base_url.as_str())
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("connect_retries", &self.connect_retries)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("extra_roots", &self.extra_roots.len())
            .field("client_certificate", &self.client_identity.is_some())
            // A proxy URL may carry the proxy's credentials.
            .field("proxy", &self.proxy.as_ref().map(|_| "<configured>"))
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

/// A URL that does not parse, named by its setting; never the URL itself (it may carry
/// credentials).
/// The rules every endpoint URL follows; errors name `key` and `what`, never the URL.
fn check_endpoint(url: &Url, key: &str, what: &str) -> Result<(), Error> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid_input(format!(
            "{key}: {what} must not contain credentials: configure them as the vendor's authentication"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid_input(format!(
            "{key}: {what} must not have a query or fragment"
        )));
    }
    // The scheme first: `host:8443` parses as the scheme `host` with no host.
    if !matches!(url.scheme(), "https" | "http") {
        return Err(Error::invalid_input(format!(
            "{key}: {what} must start with https:// (or http:// to a loopback host)"
        )));
    }
    if url.host_str().is_none() {
        return Err(Error::invalid_input(format!("{key}: {what} has no host")));
    }
    Ok(())
}

fn url_error(key: &str, what: &str, error: url::ParseError) -> Error {
    let example = if key == "proxy" {
        "http://proxy.example:3128"
    } else {
        "https://host.example/"
    };
    match error {
        url::ParseError::RelativeUrlWithoutBase => Error::invalid_input(format!(
            "{key}: {what} has no scheme; write it whole, e.g. {example}"
        )),
        other => Error::invalid_input(format!("{key}: {what} is not a valid URL ({other})")),
    }
}

impl HttpConfig {
    /// Parses `base_url` with the default settings. It must be `https://`, or `http://` to a
    /// loopback host (`localhost`, `127.0.0.0/8`, `::1`) unless
    /// [`allow_insecure_http`](Self::allow_insecure_http) is set (checked when the client is
    /// built). The URL itself is never repeated in an error: it may carry credentials.
    pub fn new(base_url: &str) -> Result<Self, Error> {
        let base_url =
            Url::parse(base_url.trim()).map_err(|e| url_error("base_url", "the base URL", e))?;
        let config = Self {
            base_url,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            connect_retries: DEFAULT_CONNECT_RETRIES,
            allow_insecure_http: false,
            extra_roots: Vec::new(),
            client_identity: None,
            proxy: None,
            max_response_bytes: crate::body::DEFAULT_MAX_RESPONSE_BYTES,
        };
        config.check_url()?;
        Ok(config)
    }

    /// [`new`](Self::new) with [`allow_insecure_http`](Self::allow_insecure_http).
    pub fn parse(base_url: &str, allow_insecure_http: bool) -> Result<Self, Error> {
        Ok(Self::new(base_url)?.allow_insecure_http(allow_insecure_http))
    }

    /// The whole-request timeout (default 30 s). After it the outcome is unknown.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How often to retry after a connection error (default 2). Nothing else is retried, TLS
    /// failures included.
    pub fn connect_retries(mut self, retries: u32) -> Self {
        self.connect_retries = retries;
        self
    }

    /// Allows plain `http://` to a non-loopback host. Passwords then cross the network in
    /// clear text: only for test rigs.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Trusts the CA certificates of the PEM file at `path` besides the system's roots (a
    /// private CA in front of a self-hosted identity platform).
    pub fn ca_file(mut self, path: &Path) -> Result<Self, Error> {
        self.extra_roots
            .extend(crate::tls::read_certificates(path, "CA file")?);
        Ok(self)
    }

    /// Presents the client certificate chain at `certificate` with the private key at `key`
    /// (PEM) to vendors that require mutual TLS.
    pub fn client_certificate(mut self, certificate: &Path, key: &Path) -> Result<Self, Error> {
        self.client_identity = Some(Arc::new(crate::tls::read_client_identity(
            certificate,
            key,
        )?));
        Ok(self)
    }

    /// Sends through the HTTP(S) proxy at `url` (which may carry the proxy's credentials).
    /// Never used for a loopback base URL. Without this, no proxy is used: the `HTTP_PROXY`
    /// family of environment variables is ignored, so a password never goes to a proxy nobody
    /// configured for pwchange.
    pub fn proxy(mut self, url: &str) -> Result<Self, Error> {
        let url = Url::parse(url.trim()).map_err(|e| url_error("proxy", "the proxy URL", e))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::invalid_input(
                "the proxy URL must be http://host:port or https://host:port",
            ));
        }
        self.proxy = Some(url);
        Ok(self)
    }

    /// The most bytes of any response body that are read (default 1 MiB). A longer answer to a
    /// change is [`ErrorKind::OutcomeUnknown`].
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The cap on response bodies.
    pub fn response_limit(&self) -> usize {
        self.max_response_bytes
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    fn check_url(&self) -> Result<(), Error> {
        check_endpoint(&self.base_url, "base_url", "the base URL")
    }

    /// Another endpoint of the same vendor (a login authority on another host), named by its
    /// setting `key`, checked as the base URL is (no credentials, query or fragment; https, or
    /// http to loopback unless insecure http is allowed), without its trailing slash. Requests
    /// to it go through the same client: the same TLS, proxy, timeouts and limits.
    pub fn endpoint(&self, key: &str, url: &str) -> Result<String, Error> {
        let what = format!("the {key} URL");
        let url = Url::parse(url.trim()).map_err(|e| url_error(key, &what, e))?;
        check_endpoint(&url, key, &what)?;
        let host = url.host_str().unwrap_or_default();
        if url.scheme() == "http" && !self.allow_insecure_http && !is_loopback(host) {
            return Err(Error::invalid_input(format!(
                "{key}: plain http to a non-loopback host would send passwords in clear text; use https"
            )));
        }
        Ok(url.as_str().trim_end_matches('/').to_owned())
    }

    /// Checks the rules that combine settings (plain `http://` only to loopback unless
    /// allowed); [`reqwest_client`](Self::reqwest_client) checks them too.
    pub fn validate(&self) -> Result<(), Error> {
        let host = self.base_url.host_str().unwrap_or_default();
        if self.base_url.scheme() == "http" && !self.allow_insecure_http && !is_loopback(host) {
            return Err(Error::invalid_input(format!(
                "base_url: plain http to the non-loopback host {host:?} would send passwords in \
                 clear text; use https, or for a test rig allow it with the setting \
                 allow_insecure_http=true (pwchange: --insecure-http)"
            )));
        }
        Ok(())
    }

    /// How often a connection error is retried.
    pub fn retries(&self) -> u32 {
        self.connect_retries
    }

    /// The base URL as the generated clients want it: no trailing slash.
    pub fn base(&self) -> String {
        self.base_url.as_str().trim_end_matches('/').to_owned()
    }

    /// A reqwest client with these settings: rustls (system roots plus the configured CAs, the
    /// client certificate), no redirects (a redirected password change is not followed), the
    /// timeouts, the configured proxy or none, `User-Agent: pwchange/<version>`. Checks the
    /// plain-http rule.
    pub fn reqwest_client(&self) -> Result<reqwest::Client, Error> {
        self.validate()?;
        let tls = crate::tls::client_config(&self.extra_roots, self.client_identity.as_deref())?;
        let mut builder = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .no_proxy()
            .tls_backend_preconfigured(tls);
        let host = self.base_url.host_str().unwrap_or_default();
        if let Some(proxy) = &self.proxy
            && !is_loopback(host)
        {
            let proxy = reqwest::Proxy::all(proxy.as_str())
                .map_err(|_| Error::invalid_input("the proxy URL is not usable"))?;
            builder = builder.proxy(proxy);
        }
        builder.build().map_err(|e| {
            Error::new(ErrorKind::Unexpected, "could not build the HTTP client")
                .with_source(e.without_url())
        })
    }
}

/// The HTTP client of a generated `Client::new(base_url, context)`: [`HttpConfig::new`]`(base_url)`
/// with its defaults ([`HttpConfig::reqwest_client`]: no proxy, the `HTTP_PROXY` family
/// ignored; no redirects; rustls with the platform's roots; the default timeouts). Where that
/// configuration is refused (plain `http://` to a host that is not loopback, a base URL that does
/// not parse), the client refuses every request instead (https only, no proxy, no redirects):
/// nothing is sent in clear text. It panics only where no TLS backend can be initialised at all
/// (as reqwest's own `Client::new` does), never falling back to the environment's proxy. For
/// anything else (a CA, a proxy, insecure
/// http for a test rig), build the client from an [`HttpConfig`] and pass it to
/// `Client::new_with_client`.
pub fn client_for(base_url: &str) -> reqwest::Client {
    crate::tls::ensure_default_provider();
    HttpConfig::new(base_url)
        .and_then(|config| config.reqwest_client())
        .or_else(|_| {
            reqwest::Client::builder()
                .https_only(true)
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(USER_AGENT)
                .build()
        })
        .unwrap_or_else(|e| panic!("no TLS backend could be initialised for an HTTP client: {e}"))
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A boxed `Send` future. The facade's closures return these rather than bare `async` blocks:
/// rustc cannot prove a generic future built from closures over references `Send` for every
/// lifetime (the "implementation of `Send` is not general enough" limitation), and a
/// `change_password` future must be `Send` to be spawned.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends with `send`, again after a connection error (nothing reached the server) up to
/// `retries` times, with a short backoff. Any other outcome is returned as is.
pub async fn send_with_connect_retry<'a, T, E>(
    retries: u32,
    send: impl Fn() -> BoxFuture<'a, Result<T, progenitor_client::Error<E>>>,
) -> Result<T, Sent<E>> {
    let mut attempt = 0;
    loop {
        match crate::observe::capture(send()).await {
            (Err(progenitor_client::Error::CommunicationError(e)), _)
                if e.is_connect() && crate::tls::tls_error(&e).is_none() && attempt < retries =>
            {
                attempt += 1;
                tracing::debug!(attempt, "connection failed before sending; retrying");
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
            }
            (Ok(value), _) => return Ok(value),
            (Err(error), status) => return Err(Sent { error, status }),
        }
    }
}

/// A generated client's error with the status of the response it came from, when one arrived
/// (progenitor drops it for a documented status whose body is not the documented JSON).
pub struct Sent<E> {
    /// What the generated client returned.
    pub error: progenitor_client::Error<E>,
    /// The status of the last response, when one arrived.
    pub status: Option<u16>,
}

pub use crate::answer::{Answer, Failure};

/// Converts a generated client's error. A success status whose body does not decode is
/// [`ErrorKind::OutcomeUnknown`]: the change may have been applied.
pub async fn failure<E: DeserializeOwned>(sent: Sent<E>) -> Failure<E> {
    use progenitor_client::Error as E2;
    let Sent { error, status } = sent;
    match error {
        // A refusal whose body is not the vendor's JSON (a proxy's HTML page): the status decides.
        E2::InvalidResponsePayload(bytes, _)
            if status.is_some_and(|s| !(200..300).contains(&s)) =>
        {
            Failure::Answer(Answer {
                status: status.unwrap_or_default(),
                body: None,
                text: body_text(&bytes[..bytes.len().min(MAX_ERROR_BODY)]),
                retry_after: None,
            })
        }
        E2::ErrorResponse(response) => Failure::Answer(Answer {
            status: response.status().as_u16(),
            retry_after: retry_after(response.headers()),
            body: Some(response.into_inner()),
            text: None,
        }),
        E2::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let retry_after = retry_after(response.headers());
            let bytes = read_capped(response).await;
            let body = serde_json::from_slice::<E>(&bytes).ok();
            let text = body.is_none().then(|| body_text(&bytes)).flatten();
            Failure::Answer(Answer {
                status,
                body,
                text,
                retry_after,
            })
        }
        E2::CommunicationError(e) => Failure::Final(transport(e)),
        E2::InvalidRequest(message) => Failure::Final(Error::invalid_input(format!(
            "the request could not be built: {message}"
        ))),
        // A refusal's status says it all, whether its body was too long or broke off: the
        // body only adds detail.
        E2::ResponseBodyError(_)
            if status.is_some_and(|s| crate::answer::proves_not_applied(s, false)) =>
        {
            Failure::Answer(Answer {
                status: status.unwrap_or_default(),
                body: None,
                text: None,
                retry_after: None,
            })
        }
        E2::ResponseBodyError(e) if crate::body::exceeded(&e) => Failure::Final(
            Error::new(
                ErrorKind::OutcomeUnknown,
                "the vendor's answer is longer than the response cap (max_response_bytes) and was \
                 not read; the change may have been applied",
            )
            .with_status(status),
        ),
        E2::ResponseBodyError(e) => Failure::Final(
            Error::new(
                ErrorKind::OutcomeUnknown,
                "the connection broke while reading the vendor's answer",
            )
            .with_status(status)
            .with_source(e),
        ),
        E2::InvalidResponsePayload(_, e) => Failure::Final(
            Error::new(
                ErrorKind::OutcomeUnknown,
                // Only where and what kind: serde's text quotes the values it refused.
                format!(
                    "the vendor's success answer does not match its documented JSON ({:?} error at line {}, column {}); the change may have been applied",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            )
            .with_status(status),
        ),
        E2::InvalidUpgrade(e) => Failure::Final(
            Error::new(
                ErrorKind::OutcomeUnknown,
                "unexpected protocol upgrade after sending",
            )
            .with_source(e),
        ),
        // A vendor crate's own check of an answer (e.g. a login without its token header).
        E2::Custom(message) => {
            Failure::Final(Error::new(ErrorKind::Unexpected, message).with_status(status))
        }
    }
}

/// A reqwest error from sending: before the connection existed nothing was sent; after, the
/// outcome is unknown.
pub fn transport(e: reqwest::Error) -> Error {
    let tls = crate::tls::tls_error(&e).map(crate::tls::describe);
    if let (true, Some(tls)) = (e.is_connect(), tls) {
        let message = format!("TLS handshake failed: {tls}; nothing was sent");
        Error::new(ErrorKind::Transport, message).with_source(e)
    } else if let Some(tls) = tls {
        // After the handshake (TLS 1.3 rejects a client certificate only then): the request
        // may have been written already.
        let message = format!(
            "the TLS connection failed after the handshake ({tls}); the change may have been applied"
        );
        Error::new(ErrorKind::OutcomeUnknown, message).with_source(e)
    } else if e.is_connect() {
        Error::new(ErrorKind::Transport, "could not connect; nothing was sent").with_source(e)
    } else if e.is_timeout() {
        Error::new(
            ErrorKind::OutcomeUnknown,
            "timed out waiting for the vendor after sending; the change may have been applied",
        )
        .with_source(e)
    } else {
        Error::new(
            ErrorKind::OutcomeUnknown,
            "the connection failed after sending; the change may have been applied",
        )
        .with_source(e)
    }
}

/// How long the vendor asked to wait: `Retry-After` in seconds; else the IETF `RateLimit-Reset`
/// (seconds until the quota resets; some vendors send it on a `429` instead); else the reset of
/// `X-Rate-Limit-Reset` or `X-RateLimit-Reset` (what some vendors send), which name the moment the quota
/// resets in Unix seconds. That moment is measured against the answer's own `Date` (the vendor's
/// clock, so a skewed local clock does not matter), else against this machine's clock; a value
/// too small to be a moment (under 10⁹) is taken as seconds to wait. A `Retry-After` in the
/// HTTP-date form is not read: the caller's backoff applies.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    let seconds = |name: &str| text(name)?.parse::<u64>().ok();
    let wait = seconds("retry-after").or_else(|| seconds("ratelimit-reset"));
    if let Some(wait) = wait {
        return Some(Duration::from_secs(wait));
    }
    let reset = seconds("x-rate-limit-reset").or_else(|| seconds("x-ratelimit-reset"))?;
    const A_MOMENT: u64 = 1_000_000_000;
    if reset < A_MOMENT {
        return Some(Duration::from_secs(reset));
    }
    let now = text("date")
        .and_then(|date| httpdate::parse_http_date(date).ok())
        .unwrap_or_else(std::time::SystemTime::now)
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now)))
}

async fn read_capped(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_ERROR_BODY - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    body
}

/// The text of an undecodable body (at most [`MAX_ERROR_BODY`] bytes), whole: it is cut to
/// length only after redaction ([`crate::redact`]), so a cut cannot leave part of a secret.
fn body_text(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_errors_name_the_setting_and_what_to_write_never_the_url() {
        let no_scheme = HttpConfig::new("idp.example.com/x")
            .unwrap_err()
            .to_string();
        assert!(
            no_scheme
                .contains("base_url: the base URL has no scheme; write it whole, e.g. https://"),
            "{no_scheme}"
        );
        assert!(!no_scheme.contains("relative URL"), "{no_scheme}");
        // A host and port alone parse as a scheme and a path.
        let host_port = HttpConfig::new("idp.example.com:8443")
            .unwrap_err()
            .to_string();
        assert!(
            host_port.contains("must start with https://"),
            "{host_port}"
        );
        let bad_port = HttpConfig::new("https://idp.example.com:99999")
            .unwrap_err()
            .to_string();
        assert!(
            bad_port.contains("base_url: the base URL is not a valid URL"),
            "{bad_port}"
        );
        assert!(!bad_port.contains("99999"), "{bad_port}");
        let plain = HttpConfig::new("http://idp.example.com")
            .and_then(|config| config.validate())
            .unwrap_err()
            .to_string();
        for named in ["base_url", "allow_insecure_http=true", "--insecure-http"] {
            assert!(plain.contains(named), "{named}: {plain}");
        }
    }

    #[test]
    fn base_url_rules() {
        assert!(HttpConfig::new("https://idp.example.com").is_ok());
        assert!(HttpConfig::new("http://127.0.0.1:8080").is_ok());
        assert!(HttpConfig::new("http://[::1]:8080/identity_").is_ok());
        assert!(HttpConfig::new("http://localhost").is_ok());
        for bad in [
            "idp.example.com",
            "ftp://x",
            "https://u:p@x",
            "https://x/?a=1",
            "",
        ] {
            let err = HttpConfig::new(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
        }
        assert_eq!(
            HttpConfig::new("https://x/identity_/").unwrap().base(),
            "https://x/identity_"
        );
    }

    #[test]
    fn another_endpoint_is_checked_as_the_base_url_is_and_named_by_its_setting() {
        let config = HttpConfig::new("https://graph.example").unwrap();
        assert_eq!(
            config
                .endpoint("authority", " https://login.example/ ")
                .unwrap(),
            "https://login.example"
        );
        assert_eq!(
            config
                .endpoint("authority", "http://127.0.0.1:8080")
                .unwrap(),
            "http://127.0.0.1:8080"
        );
        for (bad, says) in [
            (
                "login.example",
                "authority: the authority URL has no scheme",
            ),
            (
                "https://u:hunter2-pw@login.example",
                "authority: the authority URL must not contain credentials",
            ),
            ("https://login.example/?x=1", "must not have a query"),
            ("ftp://login.example", "must start with https://"),
            ("http://login.example", "authority: plain http"),
        ] {
            let err = config.endpoint("authority", bad).unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
            assert!(
                !err.contains("hunter2-pw") && !err.contains("login.example/"),
                "{err}"
            );
        }
        let insecure = config.allow_insecure_http(true);
        assert!(
            insecure
                .endpoint("authority", "http://login.example")
                .is_ok()
        );
    }

    #[test]
    fn url_errors_never_repeat_the_url() {
        for bad in [
            "https://admin:hunter2-pw@idp.example.com",
            "https://idp.example.com/?access_token=tok-secret-1",
            "https://idp.example.com/#tok-secret-1",
            "ftp://admin:hunter2-pw@x",
            "https://admin:hunter2-pw@[::1",
        ] {
            let err = HttpConfig::new(bad).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(!text.contains("hunter2-pw"), "{text}");
            assert!(!text.contains("tok-secret-1"), "{text}");
            assert!(!text.contains("idp.example.com"), "{text}");
        }
        let proxy = HttpConfig::new("https://x")
            .unwrap()
            .proxy("http://proxy-user:proxy-pw@[::1")
            .unwrap_err();
        assert!(!proxy.to_string().contains("proxy-pw"), "{proxy}");
        let config = HttpConfig::new("https://x")
            .unwrap()
            .proxy("http://proxy-user:proxy-pw@proxy.example:3128")
            .unwrap();
        assert!(!format!("{config:?}").contains("proxy-pw"));
    }

    #[test]
    fn plain_http_to_a_remote_host_needs_the_permission_in_any_order() {
        let plain = HttpConfig::new("http://idp.example.com").unwrap();
        let err = plain.reqwest_client().unwrap_err();
        assert!(
            err.to_string()
                .contains("plain http to the non-loopback host"),
            "{err}"
        );
        // The permission given after the URL works (finding 9 of issue 11).
        assert!(plain.allow_insecure_http(true).reqwest_client().is_ok());
        assert!(
            HttpConfig::parse("http://idp.example.com", true)
                .unwrap()
                .reqwest_client()
                .is_ok()
        );
        assert!(
            HttpConfig::new("http://127.0.0.1:1")
                .unwrap()
                .reqwest_client()
                .is_ok()
        );
    }

    type E2 = progenitor_client::Error<serde_json::Value>;

    fn response(status: u16, body: Vec<u8>) -> reqwest::Response {
        reqwest::Response::from(
            http::Response::builder()
                .status(status)
                .header("retry-after", "7")
                .body(reqwest::Body::from(body))
                .unwrap(),
        )
    }

    async fn fail(error: E2, status: Option<u16>) -> Failure<serde_json::Value> {
        failure(Sent { error, status }).await
    }

    fn final_error(f: Failure<serde_json::Value>) -> Error {
        match f {
            Failure::Final(e) => e,
            Failure::Answer(a) => panic!("an answer with status {}", a.status),
        }
    }

    fn answer(f: Failure<serde_json::Value>) -> Answer<serde_json::Value> {
        match f {
            Failure::Answer(a) => a,
            Failure::Final(e) => panic!("{e}"),
        }
    }

    #[test]
    fn the_wait_is_retry_after_else_ratelimit_reset() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = reqwest::header::HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, reqwest::header::HeaderValue::from_static(value));
            }
            map
        };
        let wait = |pairs| retry_after(&headers(pairs));
        assert_eq!(
            wait(&[("retry-after", " 3 ")]),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            wait(&[("ratelimit-reset", "4"), ("ratelimit-remaining", "0")]),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            wait(&[("retry-after", "2"), ("ratelimit-reset", "9")]),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            wait(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]),
            None
        );
        assert_eq!(wait(&[("retry-after", "-1")]), None);
        assert_eq!(wait(&[]), None);
    }

    /// The `X-Rate-Limit-Reset` headers name a moment in Unix seconds: measured against the
    /// answer's `Date`, never the local clock when the vendor sent one.
    #[test]
    fn a_reset_moment_is_measured_against_the_answers_date() {
        let headers = |pairs: &[(&'static str, String)]| {
            let mut map = reqwest::header::HeaderMap::new();
            for (name, value) in pairs {
                map.insert(
                    *name,
                    reqwest::header::HeaderValue::from_str(value).unwrap(),
                );
            }
            map
        };
        // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480.
        let date = ("date", "Wed, 21 Oct 2015 07:28:00 GMT".to_owned());
        for name in ["x-rate-limit-reset", "x-ratelimit-reset"] {
            assert_eq!(
                retry_after(&headers(&[(name, "1445412492".to_owned()), date.clone()])),
                Some(Duration::from_secs(12)),
                "{name}"
            );
        }
        // A reset already past waits nothing more; Retry-After wins over a reset.
        assert_eq!(
            retry_after(&headers(&[
                ("x-rate-limit-reset", "1445412400".to_owned()),
                date.clone()
            ])),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after(&headers(&[
                ("retry-after", "5".to_owned()),
                ("x-rate-limit-reset", "1445412492".to_owned()),
                date.clone()
            ])),
            Some(Duration::from_secs(5))
        );
        // Without a Date, the local clock: a moment 30 s ahead waits about 30 s.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let wait =
            retry_after(&headers(&[("x-rate-limit-reset", (now + 30).to_string())])).unwrap();
        assert!((28..=30).contains(&wait.as_secs()), "{wait:?}");
        // A small number is seconds to wait, and garbage is nothing.
        assert_eq!(
            retry_after(&headers(&[("x-ratelimit-reset", "7".to_owned())])),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers(&[("x-rate-limit-reset", "soon".to_owned()), date])),
            None
        );
    }

    #[tokio::test]
    async fn an_undocumented_answer_is_read_up_to_its_cap_with_its_retry_after() {
        let a = answer(
            fail(
                E2::UnexpectedResponse(response(418, vec![b'x'; 100_000])),
                Some(418),
            )
            .await,
        );
        assert_eq!(a.status, 418);
        assert_eq!(a.text.map(|t| t.len()), Some(MAX_ERROR_BODY));
        assert_eq!(a.retry_after, Some(Duration::from_secs(7)));
        let json = answer(
            fail(
                E2::UnexpectedResponse(response(400, br#"{"m":1}"#.to_vec())),
                Some(400),
            )
            .await,
        );
        assert_eq!(json.body, Some(serde_json::json!({"m": 1})));
        assert_eq!(json.text, None);
    }

    #[tokio::test]
    async fn an_undecodable_body_is_a_refusal_by_its_status_or_an_unknown_success() {
        let bad = || serde_json::from_slice::<serde_json::Value>(b"<html>").unwrap_err();
        let refusal = answer(
            fail(
                E2::InvalidResponsePayload("<html>".into(), bad()),
                Some(400),
            )
            .await,
        );
        assert_eq!(
            (refusal.status, refusal.text.as_deref()),
            (400, Some("<html>"))
        );
        let success = final_error(
            fail(
                E2::InvalidResponsePayload("<html>".into(), bad()),
                Some(200),
            )
            .await,
        );
        assert_eq!(success.kind(), ErrorKind::OutcomeUnknown);
        assert!(success.message().contains("line 1, column 1"), "{success}");
        let unknown =
            final_error(fail(E2::InvalidResponsePayload("<html>".into(), bad()), None).await);
        assert_eq!(unknown.kind(), ErrorKind::OutcomeUnknown);
    }

    #[tokio::test]
    async fn a_capped_answer_is_unknown_unless_its_status_refused() {
        let capped = || async {
            crate::body::capped(response(200, vec![b' '; 5000]), 100)
                .bytes()
                .await
                .unwrap_err()
        };
        let refusal = answer(fail(E2::ResponseBodyError(capped().await), Some(401)).await);
        assert_eq!((refusal.status, refusal.text), (401, None));
        let success = final_error(fail(E2::ResponseBodyError(capped().await), Some(200)).await);
        assert_eq!(success.kind(), ErrorKind::OutcomeUnknown);
        assert!(
            success.message().contains("max_response_bytes"),
            "{success}"
        );
        let gateway = final_error(fail(E2::ResponseBodyError(capped().await), Some(502)).await);
        assert_eq!(gateway.kind(), ErrorKind::OutcomeUnknown);
        // A body that broke for another reason: the connection, not the cap.
        let broken = reqwest::Response::from(
            http::Response::builder()
                .status(200)
                .body(reqwest::Body::wrap(http_body_util::StreamBody::new(
                    futures_util_stream_error(),
                )))
                .unwrap(),
        )
        .bytes()
        .await
        .unwrap_err();
        let broke = final_error(fail(E2::ResponseBodyError(broken), Some(200)).await);
        assert_eq!(broke.kind(), ErrorKind::OutcomeUnknown);
        assert!(broke.message().contains("connection broke"), "{broke}");
    }

    /// A body stream whose first frame is an error.
    fn futures_util_stream_error()
    -> impl futures_core::Stream<Item = Result<http_body::Frame<bytes::Bytes>, std::io::Error>>
    + Send
    + Sync
    + 'static {
        struct Broken;
        impl futures_core::Stream for Broken {
            type Item = Result<http_body::Frame<bytes::Bytes>, std::io::Error>;
            fn poll_next(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                std::task::Poll::Ready(Some(Err(std::io::Error::other("reset"))))
            }
        }
        Broken
    }

    #[tokio::test]
    async fn only_connection_errors_are_retried_and_only_as_often_as_configured() {
        crate::tls::ensure_default_provider();
        let client = reqwest::Client::new();
        let calls = std::sync::atomic::AtomicU32::new(0);
        // Port 1 on loopback: the connection is refused, nothing is sent.
        let result: Result<(), Sent<()>> = send_with_connect_retry(2, || {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let client = client.clone();
            Box::pin(async move {
                client
                    .get("http://127.0.0.1:1/")
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(progenitor_client::Error::CommunicationError)
            })
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3);
        let other = std::sync::atomic::AtomicU32::new(0);
        let result: Result<(), Sent<()>> = send_with_connect_retry(2, || {
            other.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async { Err(progenitor_client::Error::InvalidRequest("no".into())) })
        })
        .await;
        assert!(result.is_err());
        assert_eq!(other.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn settings_are_kept_and_shown_without_secrets() {
        let config = HttpConfig::new("https://x")
            .unwrap()
            .connect_retries(5)
            .max_response_bytes(4096)
            .proxy("http://u:proxy-pw@proxy:3128")
            .unwrap();
        assert_eq!((config.retries(), config.response_limit()), (5, 4096));
        let debug = format!("{config:?}");
        assert!(
            debug.contains("https://x/") && debug.contains("<configured>"),
            "{debug}"
        );
        assert!(!debug.contains("proxy-pw"), "{debug}");
        for bad in ["ftp://proxy:21", "http://", "socks5://proxy:1080"] {
            assert!(
                HttpConfig::new("https://x").unwrap().proxy(bad).is_err(),
                "{bad}"
            );
        }
        for credentials in ["https://user@x", "https://:pw@x"] {
            assert!(HttpConfig::new(credentials).is_err(), "{credentials}");
        }
    }

    #[test]
    fn body_texts_are_whole_until_redaction() {
        let long = "x".repeat(1000);
        assert_eq!(body_text(long.as_bytes()).unwrap().len(), 1000);
        assert_eq!(body_text(b"  "), None);
    }
}
