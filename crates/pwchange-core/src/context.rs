//! The generated clients' inner type: credentials and fixed headers applied to every request.

use std::fmt;

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::SecretToken;

/// How a request authenticates.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Credentials {
    /// No `Authorization` header (login and token operations that carry credentials in the body).
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(SecretToken),
    /// `Authorization: Basic base64(<username>:<password>)` (Cloud Director session login).
    Basic {
        /// The user name, sent as is (Cloud Director: `user@org`).
        username: String,
        /// The password.
        password: SecretString,
    },
    /// `Authorization: <scheme> <token>`: a token under a vendor's own scheme (e.g. `SSWS`).
    Scheme {
        /// The scheme's name, sent as is.
        scheme: &'static str,
        /// The token.
        token: SecretToken,
    },
    /// `<header>: <token>`: a token in a header of the vendor's own choosing (e.g.
    /// `X-Auth-Token`).
    TokenHeader {
        /// The header's name.
        header: HeaderName,
        /// The token.
        token: SecretToken,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::None => f.write_str("None"),
            Credentials::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Credentials::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Credentials::Scheme { scheme, .. } => f
                .debug_struct("Scheme")
                .field("scheme", scheme)
                .field("token", &"<redacted>")
                .finish(),
            Credentials::TokenHeader { header, .. } => f
                .debug_struct("TokenHeader")
                .field("header", header)
                .field("token", &"<redacted>")
                .finish(),
        }
    }
}

impl Credentials {
    /// The header these credentials set, and its value.
    fn header(&self) -> Option<(HeaderName, HeaderValue)> {
        // The clear-text copies are wiped when dropped; the header value itself is marked
        // sensitive (never logged), but lives in reqwest's buffers until they are freed.
        let name = match self {
            Credentials::TokenHeader { header, .. } => header.clone(),
            _ => AUTHORIZATION,
        };
        let text = Zeroizing::new(match self {
            Credentials::None => return None,
            Credentials::Bearer(token) => format!("Bearer {}", token.expose_secret()),
            Credentials::Scheme { scheme, token } => {
                format!("{scheme} {}", token.expose_secret())
            }
            Credentials::TokenHeader { token, .. } => token.expose_secret().to_owned(),
            Credentials::Basic { username, password } => {
                let pair = Zeroizing::new(format!("{username}:{}", password.expose_secret()));
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair.as_bytes())
                )
            }
        });
        // Both forms are visible ASCII: a `SecretToken` is checked on construction and base64 is
        // ASCII by definition. `from_str` cannot fail; `.ok()` keeps this path panic-free anyway.
        let mut value = HeaderValue::from_str(&text).ok()?;
        value.set_sensitive(true);
        Some((name, value))
    }
}

/// What a generated client adds to every request before it is sent: credentials and fixed
/// headers. It is the generated `Client`'s inner type (progenitor `with_inner_type`), applied
/// by the pre-request hook that [`pwchange_core::impl_client_hooks!`](crate::impl_client_hooks)
/// implements.
#[derive(Clone)]
pub struct ClientContext {
    credentials: Credentials,
    headers: HeaderMap,
    max_response_bytes: usize,
}

impl Default for ClientContext {
    fn default() -> Self {
        Self::with_credentials(Credentials::None)
    }
}

impl fmt::Debug for ClientContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientContext")
            .field("credentials", &self.credentials)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl ClientContext {
    /// A context that adds nothing.
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// `Authorization: Bearer <token>` on every request.
    pub fn bearer(token: SecretToken) -> Self {
        Self::with_credentials(Credentials::Bearer(token))
    }

    /// `Authorization: Basic …` on every request.
    pub fn basic(username: impl Into<String>, password: SecretString) -> Self {
        Self::with_credentials(Credentials::Basic {
            username: username.into(),
            password,
        })
    }

    /// A context with the given credentials. (Every constructor makes ring the process's
    /// default rustls provider if none is installed: see [`crate::tls::ensure_default_provider`].)
    pub fn with_credentials(credentials: Credentials) -> Self {
        crate::tls::ensure_default_provider();
        Self {
            credentials,
            headers: HeaderMap::new(),
            max_response_bytes: crate::body::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Caps every response body at `limit` bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`](crate::body::DEFAULT_MAX_RESPONSE_BYTES)).
    pub fn with_max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The cap on response bodies.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// Sets `name: value` on every request, replacing what the generated code set (e.g. its
    /// `Accept: application/json`).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The fixed headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Adds the credentials and the fixed headers to `request`.
    pub fn apply(&self, request: &mut reqwest::Request) {
        let headers = request.headers_mut();
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        if let Some((name, value)) = self.credentials.header() {
            headers.insert(name, value);
        }
    }
}

/// Percent-encodes each of `escapes` in `request`'s path (`|` becomes `%7C`), for the
/// characters a vendor wants encoded that a URL leaves as they are. Used by
/// [`impl_client_hooks!`](crate::impl_client_hooks); not part of the public API.
pub fn escape_in_path(request: &mut reqwest::Request, escapes: &str) {
    let path = request.url().path();
    if !path.contains(|c| escapes.contains(c)) {
        return;
    }
    let mut escaped = String::with_capacity(path.len() + 8);
    for c in path.chars() {
        if escapes.contains(c) {
            let mut utf8 = [0; 4];
            for byte in c.encode_utf8(&mut utf8).bytes() {
                escaped.push_str(&format!("%{byte:02X}"));
            }
        } else {
            escaped.push(c);
        }
    }
    request.url_mut().set_path(&escaped);
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::ACCEPT;

    #[test]
    fn escaped_path_characters_are_percent_encoded_and_nothing_else_changes() {
        let mut r = reqwest::Request::new(
            reqwest::Method::PATCH,
            "http://127.0.0.1/api/v2/users/idp|63d1%20x?fields=a|b"
                .parse()
                .expect("static URL"),
        );
        escape_in_path(&mut r, "|");
        assert_eq!(
            r.url().as_str(),
            "http://127.0.0.1/api/v2/users/idp%7C63d1%20x?fields=a|b"
        );
        escape_in_path(&mut r, "");
        escape_in_path(&mut r, "|");
        assert_eq!(r.url().path(), "/api/v2/users/idp%7C63d1%20x", "idempotent");
    }

    fn request() -> reqwest::Request {
        let mut r = reqwest::Request::new(
            reqwest::Method::POST,
            "http://127.0.0.1/x".parse().expect("static URL"),
        );
        r.headers_mut()
            .insert(ACCEPT, HeaderValue::from_static("application/json"));
        r
    }

    #[test]
    fn bearer_and_fixed_headers_are_applied_and_sensitive() {
        let ctx = ClientContext::bearer(SecretToken::new("tok-123").unwrap()).with_header(
            ACCEPT,
            HeaderValue::from_static("application/json;version=38.0"),
        );
        let mut r = request();
        ctx.apply(&mut r);
        let auth = &r.headers()[AUTHORIZATION];
        assert_eq!(auth, "Bearer tok-123");
        assert!(auth.is_sensitive());
        assert_eq!(r.headers()[ACCEPT], "application/json;version=38.0");
        assert!(!format!("{ctx:?}").contains("tok-123"));
    }

    #[test]
    fn basic_credentials_encode_user_and_password() {
        let ctx = ClientContext::basic("admin@System", SecretString::from("pa:ss"));
        let mut r = request();
        ctx.apply(&mut r);
        // base64("admin@System:pa:ss")
        assert_eq!(r.headers()[AUTHORIZATION], "Basic YWRtaW5AU3lzdGVtOnBhOnNz");
        assert!(!format!("{ctx:?}").contains("pa:ss"));
    }

    #[test]
    fn a_token_header_carries_the_token_alone_and_is_sensitive() {
        let ctx = ClientContext::with_credentials(Credentials::TokenHeader {
            header: HeaderName::from_static("x-auth-token"),
            token: SecretToken::new("gAAAA-tok").unwrap(),
        });
        let mut r = request();
        ctx.apply(&mut r);
        let token = &r.headers()["x-auth-token"];
        assert_eq!(token, "gAAAA-tok");
        assert!(token.is_sensitive());
        assert!(r.headers().get(AUTHORIZATION).is_none());
        assert!(!format!("{ctx:?}").contains("gAAAA-tok"));
    }

    #[test]
    fn a_scheme_precedes_the_token_in_authorization_and_is_sensitive() {
        let ctx = ClientContext::with_credentials(Credentials::Scheme {
            scheme: "SSWS",
            token: SecretToken::new("00abc-tok").unwrap(),
        });
        let mut r = request();
        ctx.apply(&mut r);
        let auth = &r.headers()[AUTHORIZATION];
        assert_eq!(auth, "SSWS 00abc-tok");
        assert!(auth.is_sensitive());
        assert!(!format!("{ctx:?}").contains("00abc-tok"));
        assert!(format!("{ctx:?}").contains("SSWS"));
    }

    #[test]
    fn anonymous_adds_nothing() {
        let mut r = request();
        ClientContext::anonymous().apply(&mut r);
        assert!(r.headers().get(AUTHORIZATION).is_none());
    }
}
