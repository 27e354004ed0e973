//! Change a user's password on several identity platforms through one API: one request
//! ([`PasswordChange`]), one result ([`Changed`]), one error ([`Error`] with an [`ErrorKind`]
//! a program can act on). [`Vendor::ALL`] lists the platforms.
//!
//! ```no_run
//! # async fn run() -> Result<(), pwchange::Error> {
//! use pwchange::{Client, PasswordChange, Vendor};
//!
//! let client = Client::from_env(Vendor::Zitadel)?; // PWCHANGE_ZITADEL_BASE_URL, PWCHANGE_ZITADEL_TOKEN
//! let change = PasswordChange::self_service("69629026806489455", "old-Passw0rd!", "new-Passw0rd!");
//! let changed = client.change_password(&change).await?;
//! println!("changed {} on {}", changed.user_id, changed.vendor);
//! # Ok(()) }
//! ```
//!
//! # What the facade does for you
//!
//! - **Validation before any request**: user ids in the vendor's form, password lengths per
//!   vendor and API version, empty fields, new == current, and modes a vendor cannot do
//!   ([`ErrorKind::Unsupported`]).
//! - **One configuration path**: [`Settings`] (string keys, see [`COMMON_KEYS`] and [`keys`])
//!   from code, from `PWCHANGE_<VENDOR>_<KEY>` ([`Client::from_env`]) or from the CLI's flags,
//!   environment and config file; or a vendor's typed configuration (the variants of [`Config`]).
//! - **Authentication**: a static bearer token for every vendor, or the vendor's login flow
//!   with the token cached and renewed once when the vendor refuses it.
//! - **One error table per vendor** from the vendor's answers to [`ErrorKind`]s.
//! - **No blind retry**: only a request that provably never left (connection error) is retried.
//!   A timeout after sending is [`ErrorKind::OutcomeUnknown`]: the change may have happened.
//! - **No secret in any output**: passwords and tokens are redacted in every `Debug`,
//!   `Display`, error message and tracing span; vendor messages are scrubbed of the request's
//!   passwords.
//!
//! # Features
//!
//! One Cargo feature per vendor, named as [`Vendor::name`], all on by default; each pulls in
//! only its vendor crate. [`Vendor`] always lists every vendor; using one this build lacks gives
//! [`ErrorKind::Unsupported`] ([`is_enabled`] tells beforehand).

mod adapter;
mod config;
mod request;
mod vendors;

#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;

pub use config::{COMMON_KEYS, Key, Settings};
pub use pwchange_core::http::{
    DEFAULT_CONNECT_RETRIES, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, HttpConfig,
};
pub use pwchange_core::{Error, ErrorKind, SecretToken, Vendor};
pub use request::{Changed, Mode, Password, PasswordChange};
pub use vendors::*;

use tracing::Instrument as _;

/// Changes passwords on one vendor.
pub struct Client {
    backend: Box<dyn adapter::DynBackend>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("vendor", &self.vendor())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the vendor that `config` configures.
    pub fn new(config: impl Into<Config>) -> Result<Self, Error> {
        Ok(Self {
            backend: config.into().into_backend()?,
        })
    }

    /// A client from string settings (see [`Settings`]).
    pub fn from_settings(settings: Settings) -> Result<Self, Error> {
        Self::new(Config::from_settings(settings)?)
    }

    /// A client configured from `PWCHANGE_<VENDOR>_<KEY>` environment variables: every key of
    /// [`COMMON_KEYS`] and of [`keys`]`(vendor)`, e.g. `PWCHANGE_ZITADEL_BASE_URL`.
    pub fn from_env(vendor: Vendor) -> Result<Self, Error> {
        Self::from_settings(Settings::from_env(vendor))
    }

    /// The vendor this client talks to.
    pub fn vendor(&self) -> Vendor {
        self.backend.vendor()
    }

    /// Changes the password. Validates everything it can first; sends at most one request for
    /// the change itself (plus a login when the configuration has credentials instead of a token).
    pub async fn change_password(&self, change: &PasswordChange) -> Result<Changed, Error> {
        let vendor = self.vendor();
        let span = tracing::info_span!("pwchange.change_password", vendor = %vendor, user_id = %change.user_id(), mode = ?change.mode());
        async {
            let result = self.backend.change(change).await;
            match &result {
                Ok(_) => tracing::info!("password changed"),
                Err(e) => {
                    tracing::warn!(kind = ?e.kind(), status = e.status(), "password change failed")
                }
            }
            result.map_err(|e| e.scrub(&change.secrets()))
        }
        .instrument(span)
        .await
    }
}
