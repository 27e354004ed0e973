//! ZITADEL: user service v2 `UpdateUser` (every mode; REST or the Connect protocol), and the
//! deprecated v2 `SetPassword` and management v1 `SetHumanPassword` for older servers; the
//! password policy from the settings service.
//!
//! The same file set as every vendor: `config.rs` (its keys and typed configuration), `send.rs`
//! (the adapter: checks, change, login, verification, and the change's details), `error.rs`
//! (the error rules and bodies), `tests.rs` and `facade_tests.rs`.

mod config;
mod error;
mod send;

pub use config::{ZitadelApi, ZitadelConfig, ZitadelProtocol};
pub(crate) use send::ZitadelAdapter;
pub use send::ZitadelDetails;

const VENDOR: crate::Vendor = crate::Vendor::Zitadel;

// `http` and `from_env` for the configuration, through the adapter: here, so that config.rs
// does not name send.rs.
crate::adapter::typed_config_methods!(ZitadelConfig, ZitadelAdapter);

#[cfg(test)]
mod facade_tests;
#[cfg(test)]
mod tests;
