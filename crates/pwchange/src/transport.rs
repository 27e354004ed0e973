//! Where and how a vendor's requests go, and how a failed one becomes an [`Error`]: the base URL,
//! the HTTP client, the connect-only retry, and the vendor's error body ([`VendorError`]) that
//! classifies an answer that is not a success.

use pwchange_core::classify::Verdict;
use pwchange_core::http::{self, Answer, BoxFuture, HttpConfig};
use serde::de::DeserializeOwned;

use crate::{Error, Vendor};

/// A vendor's error body: how its answers become a [`Verdict`] (usually through a table of
/// `pwchange_core::classify::Rule`s).
pub(crate) trait VendorError: DeserializeOwned + Send + 'static {
    fn verdict(answer: &Answer<Self>) -> Verdict;

    /// Whether this body, decoded from an answer with `status`, is the vendor's own: it carries
    /// what only the vendor's error bodies carry (an error id, its status repeated where the
    /// vendor repeats it), not merely fields a proxy's or gateway's JSON may share. Only the
    /// vendor's own body lets a `408`, `501` or `503` prove that nothing was applied
    /// (`pwchange_core::classify::proves_not_applied`).
    fn is_vendors_own(&self, status: u16) -> bool;

    /// Whether this body, with `status`, is a refusal the vendor's own code returns before it
    /// writes anything, told by its exact text (never by a shape a gateway's body may share):
    /// it proves that nothing was applied whatever the status (a `500` for an unknown user or a
    /// password the hashing refuses, where a vendor's code answers so). None by default.
    fn refused_before_writing(&self, _status: u16) -> bool {
        false
    }
}

/// An operation whose error bodies are not documented: the status alone decides.
impl VendorError for () {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        Verdict::by_status(answer.status)
    }

    fn is_vendors_own(&self, _: u16) -> bool {
        false
    }
}

/// `body` decoded as `E` (or not), as the vendor's answer with `status`, through `E`'s rules.
#[cfg_attr(not(any(test, feature = "fuzzing")), allow(dead_code))]
pub(crate) fn verdict_of<E: VendorError>(status: u16, body: &[u8]) -> Verdict {
    E::verdict(&Answer {
        status,
        body: serde_json::from_slice(body).ok(),
        text: None,
        retry_after: None,
    })
}

/// Where and how requests go: the base URL, the HTTP client, the connect retries.
pub(crate) struct Transport {
    vendor: Vendor,
    base: String,
    http: reqwest::Client,
    retries: u32,
    max_response_bytes: usize,
}

impl Transport {
    pub(crate) fn new(vendor: Vendor, config: &HttpConfig) -> Result<Self, Error> {
        Ok(Self {
            vendor,
            base: config.base(),
            http: config.reqwest_client()?,
            retries: config.retries(),
            max_response_bytes: config.response_limit(),
        })
    }

    /// The base URL requests go to (without a trailing slash).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A generated client (`new` is its `Client::new_with_client`) on this transport with
    /// `context`'s credentials and headers, and the configured cap on response bodies.
    pub fn client<C>(
        &self,
        new: impl FnOnce(&str, reqwest::Client, pwchange_core::ClientContext) -> C,
        context: pwchange_core::ClientContext,
    ) -> C {
        let context = context.with_max_response_bytes(self.max_response_bytes);
        new(&self.base, self.http.clone(), context)
    }

    /// [`client`](Self::client) for another endpoint of the vendor (`base`, checked with
    /// `pwchange_core::http::HttpConfig::endpoint`): the same HTTP client and limits.
    #[allow(dead_code)] // for vendors with a second endpoint; a one-vendor build may have none
    pub fn client_at<C>(
        &self,
        base: &str,
        new: impl FnOnce(&str, reqwest::Client, pwchange_core::ClientContext) -> C,
        context: pwchange_core::ClientContext,
    ) -> C {
        let context = context.with_max_response_bytes(self.max_response_bytes);
        new(base, self.http.clone(), context)
    }

    /// Sends with the connect-only retry; a failure is classified by `E`'s rules.
    pub async fn call<'a, T, E: VendorError>(
        &self,
        send: impl Fn() -> BoxFuture<'a, Result<T, progenitor_client::Error<E>>>,
    ) -> Result<T, Error> {
        match http::send_with_connect_retry(self.retries, send).await {
            Ok(value) => Ok(value),
            Err(sent) => Err(pwchange_core::classify::resolve(
                self.vendor,
                http::failure(sent).await,
                E::verdict,
                E::is_vendors_own,
                E::refused_before_writing,
            )),
        }
    }
}
