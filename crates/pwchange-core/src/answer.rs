//! What a vendor answered when it was not the documented success, and what its status alone
//! proves: below both the transport ([`crate::http`]) and the error tables
//! ([`crate::classify`]), which build on it (it uses only the error type).

use std::time::Duration;

use crate::{Error, ErrorKind};

/// A vendor's answer that is not a success.
#[derive(Debug)]
pub struct Answer<E> {
    /// The HTTP status.
    pub status: u16,
    /// The body, decoded as the vendor's error type when it is one.
    pub body: Option<E>,
    /// A body that did not decode (HTML from a proxy, plain text), up to [`MAX_ERROR_BODY`](crate::http::MAX_ERROR_BODY)
    /// bytes, not yet redacted.
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

/// Whether an answer with `status` (that is not the operation's documented success) proves that
/// the vendor did not apply the request. A `4xx` does (the request was refused), except `408`;
/// a `408`, `501` or `503` does only in the vendor's own error body (`vendors_own_body`): a load
/// balancer, proxy or gateway answers them with its own page, and may do so after the vendor
/// applied the change. Anything else (`500`, a `502`/`504`, an undocumented `1xx`/`2xx`/`3xx`)
/// may come after the change was applied, whoever sent it.
pub fn proves_not_applied(status: u16, vendors_own_body: bool) -> bool {
    match status {
        408 | 501 | 503 => vendors_own_body,
        400..=499 => true,
        _ => false,
    }
}

/// The kind an HTTP status means when the vendor's body says nothing more specific.
/// ([`resolve`](crate::classify::resolve) makes it [`ErrorKind::OutcomeUnknown`] where the answer proves nothing.)
pub fn kind_for_status(status: u16) -> ErrorKind {
    match status {
        _ if !proves_not_applied(status, true) => ErrorKind::OutcomeUnknown,
        400 | 422 => ErrorKind::InvalidInput,
        401 => ErrorKind::Unauthenticated,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::UserNotFound,
        408 | 503 => ErrorKind::Unavailable,
        429 => ErrorKind::RateLimited,
        501 => ErrorKind::Unsupported,
        _ => ErrorKind::Unexpected,
    }
}
