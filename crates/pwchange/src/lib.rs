//! Change a user's password on Bienport, UiPath, ZITADEL or VMware Cloud Director through one
//! API: one request ([`PasswordChange`]), one result ([`Changed`]), one error ([`Error`] with an
//! [`ErrorKind`] a program can act on).
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
//! - **Validation before any request**: user ids in the vendor's form (Bienport int64, UiPath
//!   UUID, ZITADEL id, Cloud Director `urn:vcloud:user:<uuid>`), password lengths per vendor and
//!   API version, empty fields, new == current, and modes a vendor cannot do
//!   ([`ErrorKind::Unsupported`], e.g. an administrative set on Cloud Director).
//! - **Authentication**: a static bearer token for every vendor, or the vendor's login flow
//!   (Bienport login, UiPath client credentials, Cloud Director session) with the token cached
//!   and renewed once when the vendor refuses it.
//! - **One error mapping per vendor** from the vendor's answers to [`ErrorKind`]s.
//! - **No blind retry**: only a request that provably never left (connection error) is retried.
//!   A timeout after sending is [`ErrorKind::OutcomeUnknown`]: the change may have happened.
//! - **No secret in any output**: passwords and tokens are redacted in every `Debug`,
//!   `Display`, error message and tracing span; vendor messages are scrubbed of the request's
//!   passwords.
//!
//! # Features
//!
//! One Cargo feature per vendor (`bienport`, `uipath`, `zitadel`, `vcd`), all on by default;
//! each pulls in only its vendor crate. [`Vendor`] always lists all four; using a vendor this
//! build lacks gives [`ErrorKind::Unsupported`].

#[cfg(any(feature = "bienport", feature = "uipath", feature = "vcd"))]
mod auth;
mod env;
mod error;
mod http;
mod request;
mod vendor;
mod vendors;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use error::{Error, ErrorKind};
pub use http::{DEFAULT_CONNECT_RETRIES, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, HttpConfig};
pub use pwchange_core::SecretToken;
pub use request::{Changed, ChangedDetails, Mode, Password, PasswordChange};
pub use vendor::Vendor;
#[cfg(feature = "bienport")]
pub use vendors::bienport::{BienportAuth, BienportConfig};
#[cfg(feature = "uipath")]
pub use vendors::uipath::{UipathAuth, UipathConfig};
#[cfg(feature = "vcd")]
pub use vendors::vcd::{VcdAuth, VcdConfig};
#[cfg(feature = "zitadel")]
pub use vendors::zitadel::{ZitadelApi, ZitadelConfig};

use tracing::Instrument as _;

/// The configuration of one vendor backend.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Config {
    /// Bienport.
    #[cfg(feature = "bienport")]
    Bienport(BienportConfig),
    /// UiPath.
    #[cfg(feature = "uipath")]
    Uipath(UipathConfig),
    /// ZITADEL.
    #[cfg(feature = "zitadel")]
    Zitadel(ZitadelConfig),
    /// Cloud Director.
    #[cfg(feature = "vcd")]
    Vcd(VcdConfig),
}

macro_rules! config_from {
    ($($feature:literal, $variant:ident, $config:ty);* $(;)?) => {$(
        #[cfg(feature = $feature)]
        impl From<$config> for Config {
            fn from(config: $config) -> Self {
                Config::$variant(config)
            }
        }
    )*};
}
config_from! {
    "bienport", Bienport, BienportConfig;
    "uipath", Uipath, UipathConfig;
    "zitadel", Zitadel, ZitadelConfig;
    "vcd", Vcd, VcdConfig;
}

enum Backend {
    #[cfg(feature = "bienport")]
    Bienport(vendors::bienport::BienportBackend),
    #[cfg(feature = "uipath")]
    Uipath(vendors::uipath::UipathBackend),
    #[cfg(feature = "zitadel")]
    Zitadel(vendors::zitadel::ZitadelBackend),
    #[cfg(feature = "vcd")]
    Vcd(vendors::vcd::VcdBackend),
}

/// Changes passwords on one vendor.
pub struct Client {
    vendor: Vendor,
    backend: Backend,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("vendor", &self.vendor)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the vendor that `config` configures.
    pub fn new(config: impl Into<Config>) -> Result<Self, Error> {
        let (vendor, backend) = match config.into() {
            #[cfg(feature = "bienport")]
            Config::Bienport(c) => (
                Vendor::Bienport,
                Backend::Bienport(vendors::bienport::BienportBackend::new(c)?),
            ),
            #[cfg(feature = "uipath")]
            Config::Uipath(c) => (
                Vendor::Uipath,
                Backend::Uipath(vendors::uipath::UipathBackend::new(c)?),
            ),
            #[cfg(feature = "zitadel")]
            Config::Zitadel(c) => (
                Vendor::Zitadel,
                Backend::Zitadel(vendors::zitadel::ZitadelBackend::new(c)?),
            ),
            #[cfg(feature = "vcd")]
            Config::Vcd(c) => (Vendor::Vcd, Backend::Vcd(vendors::vcd::VcdBackend::new(c)?)),
        };
        Ok(Self { vendor, backend })
    }

    /// A client configured from `PWCHANGE_<VENDOR>_*` environment variables (see each vendor's
    /// config type, e.g. [`ZitadelConfig`]).
    pub fn from_env(vendor: Vendor) -> Result<Self, Error> {
        Self::from_lookup(vendor, &env::process_env)
    }

    pub(crate) fn from_lookup(
        vendor: Vendor,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        let _ = lookup;
        match vendor {
            #[cfg(feature = "bienport")]
            Vendor::Bienport => Self::new(BienportConfig::from_lookup(lookup)?),
            #[cfg(feature = "uipath")]
            Vendor::Uipath => Self::new(UipathConfig::from_lookup(lookup)?),
            #[cfg(feature = "zitadel")]
            Vendor::Zitadel => Self::new(ZitadelConfig::from_lookup(lookup)?),
            #[cfg(feature = "vcd")]
            Vendor::Vcd => Self::new(VcdConfig::from_lookup(lookup)?),
            #[allow(unreachable_patterns)]
            other => Err(other.not_enabled()),
        }
    }

    /// The vendor this client talks to.
    pub fn vendor(&self) -> Vendor {
        self.vendor
    }

    /// Changes the password. Validates everything it can first; sends at most one request for
    /// the change itself (plus a login when the configuration has credentials instead of a token).
    pub async fn change_password(&self, change: &PasswordChange) -> Result<Changed, Error> {
        let span = tracing::info_span!("pwchange.change_password", vendor = %self.vendor, user_id = %change.user_id(), mode = ?change.mode());
        async {
            let result = match change.validate_common() {
                Err(e) => Err(e.with_vendor(self.vendor)),
                Ok(()) => self.dispatch(change).await,
            };
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

    async fn dispatch(&self, change: &PasswordChange) -> Result<Changed, Error> {
        match &self.backend {
            #[cfg(feature = "bienport")]
            Backend::Bienport(b) => b.change(change).await,
            #[cfg(feature = "uipath")]
            Backend::Uipath(b) => b.change(change).await,
            #[cfg(feature = "zitadel")]
            Backend::Zitadel(b) => b.change(change).await,
            #[cfg(feature = "vcd")]
            Backend::Vcd(b) => b.change(change).await,
        }
    }
}

#[cfg(not(any(
    feature = "bienport",
    feature = "uipath",
    feature = "zitadel",
    feature = "vcd"
)))]
compile_error!("pwchange needs at least one vendor feature: bienport, uipath, zitadel or vcd");
