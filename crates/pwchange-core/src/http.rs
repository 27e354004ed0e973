//! What every vendor adapter shares on the HTTP side: base URL rules, the reqwest client, the
//! connect-only retry, and turning a generated client's error into a [`Failure`].

use std::net::IpAddr;
use std::time::Duration;

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

/// HTTP settings shared by every vendor: where, how long, how insecure.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    base_url: Url,
    timeout: Duration,
    connect_timeout: Duration,
    connect_retries: u32,
    allow_insecure_http: bool,
}

impl HttpConfig {
    /// Parses `base_url` with the default timeouts. Plain `http://` is accepted only for a
    /// loopback host (`localhost`, `127.0.0.0/8`, `::1`); see [`parse`](Self::parse).
    pub fn new(base_url: &str) -> Result<Self, Error> {
        Self::parse(base_url, false)
    }

    /// Parses `base_url`; with `allow_insecure_http`, plain `http://` to any host is accepted
    /// (passwords then cross the network in clear text: only for test rigs). The URL itself is
    /// never repeated in an error: it may carry credentials.
    pub fn parse(base_url: &str, allow_insecure_http: bool) -> Result<Self, Error> {
        let base_url = Url::parse(base_url.trim())
            .map_err(|e| Error::invalid_input(format!("the base URL is not a valid URL: {e}")))?;
        let config = Self {
            base_url,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            connect_retries: DEFAULT_CONNECT_RETRIES,
            allow_insecure_http,
        };
        config.check()?;
        Ok(config)
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

    /// How often to retry after a connection error (default 2). Nothing else is retried.
    pub fn connect_retries(mut self, retries: u32) -> Self {
        self.connect_retries = retries;
        self
    }

    /// Allows plain `http://` to a non-loopback host. Passwords then cross the network in
    /// clear text: only for test rigs. (An `http://` URL to such a host is refused by
    /// [`new`](Self::new) already: give the permission to [`parse`](Self::parse) instead.)
    pub fn allow_insecure_http(mut self, allow: bool) -> Result<Self, Error> {
        self.allow_insecure_http = allow;
        self.check()?;
        Ok(self)
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    fn check(&self) -> Result<(), Error> {
        let url = &self.base_url;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::invalid_input(
                "base URL must not contain credentials: configure them as the vendor's authentication",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::invalid_input(
                "base URL must not have a query or fragment",
            ));
        }
        let Some(host) = url.host_str() else {
            return Err(Error::invalid_input("base URL has no host"));
        };
        match url.scheme() {
            "https" => Ok(()),
            "http" if self.allow_insecure_http || is_loopback(host) => Ok(()),
            "http" => Err(Error::invalid_input(format!(
                "base URL uses plain http to the non-loopback host {host:?}, which would send passwords \
                 in clear text; use https, or allow insecure http explicitly for a test rig"
            ))),
            other => Err(Error::invalid_input(format!(
                "base URL has scheme {other:?}; expected https (or http to loopback)"
            ))),
        }
    }

    /// How often a connection error is retried.
    pub fn retries(&self) -> u32 {
        self.connect_retries
    }

    /// The base URL as the generated clients want it: no trailing slash.
    pub fn base(&self) -> String {
        self.base_url.as_str().trim_end_matches('/').to_owned()
    }

    /// A reqwest client with these settings: rustls, no redirects (a redirected password change
    /// is not followed), the timeouts.
    pub fn reqwest_client(&self) -> Result<reqwest::Client, Error> {
        reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                Error::new(ErrorKind::Unexpected, "could not build the HTTP client").with_source(e)
            })
    }
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
                if e.is_connect() && attempt < retries =>
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

/// A vendor's answer that is not a success.
#[derive(Debug)]
pub struct Answer<E> {
    /// The HTTP status.
    pub status: u16,
    /// The body, decoded as the vendor's error type when it is one.
    pub body: Option<E>,
    /// The start of a body that did not decode (HTML from a proxy, plain text).
    pub text: Option<String>,
    /// The `Retry-After` the vendor sent.
    pub retry_after: Option<Duration>,
}

/// Why a call failed, before vendor classification.
pub enum Failure<E> {
    /// Classified already (transport problems, refused requests).
    Final(Error),
    /// The vendor answered; its mapping function classifies the answer.
    Answer(Answer<E>),
}

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
                text: excerpt(&bytes[..bytes.len().min(MAX_ERROR_BODY)]),
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
            let text = body.is_none().then(|| excerpt(&bytes)).flatten();
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
                format!(
                    "the vendor's success answer does not match its documented JSON ({e}); the change may have been applied"
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
    if e.is_connect() {
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

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
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

fn excerpt(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let cut: String = text.chars().take(200).collect();
    Some(if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert!(HttpConfig::new("https://idp.example.com").is_ok());
        assert!(HttpConfig::new("http://127.0.0.1:8080").is_ok());
        assert!(HttpConfig::new("http://[::1]:8080/identity_").is_ok());
        assert!(HttpConfig::new("http://localhost").is_ok());
        let plain = HttpConfig::new("http://idp.example.com").unwrap_err();
        assert!(
            plain
                .to_string()
                .contains("plain http to the non-loopback host"),
            "{plain}"
        );
        assert!(
            HttpConfig::new("https://idp.example.com")
                .unwrap()
                .allow_insecure_http(true)
                .is_ok()
        );
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
    fn excerpts_are_short() {
        let long = "x".repeat(1000);
        assert_eq!(excerpt(long.as_bytes()).unwrap().chars().count(), 201);
        assert_eq!(excerpt(b"  "), None);
    }
}
