//! Response bodies read through a cap: no answer, success or error, is ever read whole.
//!
//! The generated clients' `exec` hook ([`impl_client_hooks!`](crate::impl_client_hooks)) wraps
//! every response's body with [`capped`]. Reading past the cap fails with an error that
//! [`exceeded`] recognises; [`crate::http::failure`] turns it into
//! [`ErrorKind::OutcomeUnknown`](crate::ErrorKind): an answer that could not be read says nothing
//! about the change.

/// The default cap on a response body: 1 MiB (the largest documented answer, Bienport's user
/// record, is a few KiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// `response` with a body that fails as soon as more than `limit` bytes have arrived (reading
/// stops there: at most `limit` bytes plus one network chunk are ever buffered).
pub fn capped(response: reqwest::Response, limit: usize) -> reqwest::Response {
    let response: http::Response<reqwest::Body> = response.into();
    let (parts, body) = response.into_parts();
    let body = reqwest::Body::wrap(http_body_util::Limited::new(body, limit));
    reqwest::Response::from(http::Response::from_parts(parts, body))
}

/// Whether `error`, or an error in its source chain, is a body that exceeded its cap.
pub fn exceeded(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        next = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_over_the_cap_fails_and_is_recognised() {
        let big = http::Response::builder()
            .status(200)
            .body(reqwest::Body::from(vec![b' '; 10_000]))
            .unwrap();
        let response = capped(reqwest::Response::from(big), 1_000);
        let error = response.bytes().await.unwrap_err();
        assert!(exceeded(&error), "{error:?}");

        let small = http::Response::builder()
            .status(200)
            .body(reqwest::Body::from(vec![b' '; 1_000]))
            .unwrap();
        let bytes = capped(reqwest::Response::from(small), 1_000).bytes().await;
        assert_eq!(bytes.unwrap().len(), 1_000);
        let other = std::io::Error::other("x");
        assert!(!exceeded(&other));
    }

    #[test]
    fn the_default_cap_is_one_mebibyte() {
        assert_eq!(DEFAULT_MAX_RESPONSE_BYTES, 1 << 20);
    }
}
