//! UiPath Identity Server: a `200` can still be a refusal (`succeeded: false`).
//!
//! The same file set as every vendor: `config.rs` (its keys and typed configuration), `send.rs`
//! (the adapter: checks, change, login, verification, and the change's details), `error.rs`
//! (the error rules and bodies), `tests.rs` and `facade_tests.rs`.

mod config;
mod error;
mod send;

pub use config::{UipathAuth, UipathConfig};
pub use pwchange_uipath::DEFAULT_SCOPE;
pub(crate) use send::UipathAdapter;
pub use send::UipathDetails;

const VENDOR: crate::Vendor = crate::Vendor::Uipath;

// `http` and `from_env` for the configuration, through the adapter: here, so that config.rs
// does not name send.rs.
crate::adapter::typed_config_methods!(UipathConfig, UipathAdapter);

#[cfg(test)]
mod facade_tests;
#[cfg(test)]
mod tests;
