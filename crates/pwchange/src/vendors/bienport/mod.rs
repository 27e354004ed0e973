//! Bienport: `update-password` is a self-service change (it needs the old password).
//!
//! The same file set as every vendor: `config.rs` (its keys and typed configuration), `send.rs`
//! (the adapter: checks, change, login, verification, and the change's details), `error.rs`
//! (the error rules and bodies), `tests.rs` and `facade_tests.rs`.

mod config;
mod error;
mod send;

pub use config::{BienportAuth, BienportConfig};
pub(crate) use send::BienportAdapter;
pub use send::BienportDetails;

const VENDOR: crate::Vendor = crate::Vendor::Bienport;

// `http` and `from_env` for the configuration, through the adapter: here, so that config.rs
// does not name send.rs.
crate::adapter::typed_config_methods!(BienportConfig, BienportAdapter);

#[cfg(test)]
mod facade_tests;
#[cfg(test)]
mod tests;
