#![doc = include_str!("../README.md")]

mod adapter;
mod config;
mod request;
#[cfg(test)]
mod testing;
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
    /// [`COMMON_KEYS`] and of [`keys`]`(vendor)`, e.g. `PWCHANGE_<VENDOR>_BASE_URL`.
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
