//! OpenBao and HashiCorp Vault, the userpass auth method: an administrator's token sets a
//! password (`POST /v1/auth/<mount>/users/<user>/password`); a user changes its own by logging
//! in with the current password and setting the new one with that login's token (where its
//! policy allows it); a login with the new password verifies either, and its token is revoked.
//!
//! The same file set as every vendor: `config.rs` (its keys and typed configuration),
//! `send.rs` (the adapter), `error.rs` (the error rules and body), `tests.rs` and
//! `facade_tests.rs`.

mod config;
mod error;
mod send;

pub use config::{OpenbaoAuth, OpenbaoConfig};
pub(crate) use send::OpenbaoAdapter;
pub use send::OpenbaoDetails;

const VENDOR: crate::Vendor = crate::Vendor::Openbao;

// `http` and `from_env` for the configuration, through the adapter: here, so that config.rs
// does not name send.rs.
crate::adapter::typed_config_methods!(OpenbaoConfig, OpenbaoAdapter);

#[cfg(test)]
mod facade_tests;
#[cfg(test)]
mod tests;
