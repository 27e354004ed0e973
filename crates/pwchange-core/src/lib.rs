//! Shared runtime of the pwchange crates.
//!
//! - [`Vendor`]: the vendor registry, the one list of platforms every crate takes.
//! - [`Error`] and [`ErrorKind`]: the one error of the facade, built here so the runtime can
//!   produce it.
//! - [`http`]: base URL rules, the HTTP client, the connect-only retry, a generated client's
//!   failure turned into an [`http::Answer`]; [`classify`]: answers to kinds through each
//!   vendor's table of [`classify::Rule`]s; [`token`]: the login token cache.
//!
//! Every generated vendor crate (`pwchange-<vendor>`) plugs the same three pieces into its
//! progenitor output:
//!
//! - [`BoundedPassword`]: the type every password field of every spec is replaced with
//!   (progenitor `with_replacement`). It holds a [`secrecy::SecretString`], validates the
//!   vendor's length rule on construction and deserialisation, serialises to the clear text
//!   (that is what goes on the wire) and never shows it in `Debug` or `Display`.
//! - [`SecretToken`]: the same for bearer tokens and client secrets, also used for tokens that
//!   vendors return from their login operations.
//! - [`ClientContext`]: the generated clients' inner type. Its [`ClientContext::apply`] runs
//!   as the client's pre-request hook (wired by [`impl_client_hooks!`]) and adds the
//!   `Authorization` header (marked sensitive) and any per-vendor fixed headers such as a
//!   versioned `Accept`.
//!
//! ```
//! use pwchange_core::{BoundedPassword, ClientContext, SecretToken};
//!
//! let token = SecretToken::new("Bearer eyJhbGciOi.payload.sig")?; // the "Bearer " prefix is optional
//! let context = ClientContext::bearer(token);
//! let password: BoundedPassword<1, 72> = BoundedPassword::new("correct horse battery staple")?;
//! assert_eq!(format!("{password:?}"), "BoundedPassword(<redacted>)");
//! assert!(!format!("{context:?}").contains("eyJ"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod answer;
pub mod body;
pub mod canary;
pub mod classify;
pub mod connect;
mod context;
mod error;
pub mod files;
pub mod http;
pub mod observe;
pub mod redact;
mod secret;
pub mod tls;
pub mod token;
mod vendor;
pub mod vendor_text;

pub use context::{ClientContext, Credentials};
pub use error::{Error, ErrorKind, Outcome};
pub use redact::Redactor;
pub use secret::{BoundedPassword, InvalidPassword, InvalidToken, SecretToken, UnboundedPassword};
pub use vendor::Vendor;
pub use vendor_text::VendorText;

/// Re-exports for [`impl_client_hooks!`]; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::context::escape_in_path;
    pub use progenitor_client;
    pub use reqwest;
}

/// Implements `progenitor_client::ClientHooks<ClientContext>` for a generated `Client`.
///
/// The trait impl has to live in the crate that defines the generated `Client` (orphan rule),
/// so every vendor crate invokes this macro once; the behaviour itself is shared by all
/// vendors: [`ClientContext::apply`] before sending, [`body::capped`] on every response, each
/// exchange logged at debug level ([`observe::log_exchange`]), the status recorded for
/// [`observe::capture`].
///
/// `impl_client_hooks!(Client, path_escapes = "|")` also percent-encodes those characters in
/// every request's path: characters a vendor's ids hold that the
/// generated client sends as they are (progenitor encodes only what a URL would misread) and
/// the vendor wants encoded.
#[macro_export]
macro_rules! impl_client_hooks {
    ($client:ty) => {
        $crate::impl_client_hooks!($client, path_escapes = "");
    };
    ($client:ty, path_escapes = $escapes:expr) => {
        impl $crate::__private::progenitor_client::ClientHooks<$crate::ClientContext> for $client {
            async fn pre<E>(
                &self,
                request: &mut $crate::__private::reqwest::Request,
                _info: &$crate::__private::progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), $crate::__private::progenitor_client::Error<E>> {
                $crate::__private::progenitor_client::ClientInfo::inner(self).apply(request);
                $crate::__private::escape_in_path(request, $escapes);
                Ok(())
            }

            async fn exec(
                &self,
                request: $crate::__private::reqwest::Request,
                _info: &$crate::__private::progenitor_client::OperationInfo,
            ) -> $crate::__private::reqwest::Result<$crate::__private::reqwest::Response> {
                let limit = $crate::__private::progenitor_client::ClientInfo::inner(self)
                    .max_response_bytes();
                let method = request.method().as_str().to_owned();
                let path = request.url().path().to_owned();
                let started = ::std::time::Instant::now();
                let response = $crate::__private::progenitor_client::ClientInfo::client(self)
                    .execute(request)
                    .await;
                $crate::observe::log_exchange(
                    &method,
                    &path,
                    response.as_ref().ok().map(|r| r.status().as_u16()),
                    started.elapsed(),
                );
                Ok($crate::body::capped(response?, limit))
            }

            async fn post<E>(
                &self,
                result: &$crate::__private::reqwest::Result<$crate::__private::reqwest::Response>,
                _info: &$crate::__private::progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), $crate::__private::progenitor_client::Error<E>> {
                if let Ok(response) = result {
                    $crate::observe::record_status(response.status().as_u16());
                }
                Ok(())
            }
        }
    };
}
