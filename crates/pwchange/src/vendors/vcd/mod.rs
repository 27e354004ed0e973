//! VMware Cloud Director: `changePassword` changes the caller's own password (self-service); an
//! administrator reads the user record and sends it back with the password (administrative set).
//!
//! The same file set as every vendor: `config.rs` (its keys and typed configuration), `send.rs`
//! (the adapter: checks, change, login, verification, and the change's details), `error.rs`
//! (the error rules and bodies), `tests.rs` and `facade_tests.rs`.

mod config;
mod error;
mod send;

pub use config::{VcdAuth, VcdConfig};
pub(crate) use send::VcdAdapter;
pub use send::VcdDetails;

const VENDOR: crate::Vendor = crate::Vendor::Vcd;

// `http` and `from_env` for the configuration, through the adapter: here, so that config.rs
// does not name send.rs.
crate::adapter::typed_config_methods!(VcdConfig, VcdAdapter);

#[cfg(test)]
mod facade_tests;
#[cfg(test)]
mod tests;
