//! Okta, the management API: a user's own change with the current password
//! (`credentials/change_password`), an administrator's set (`POST /api/v1/users/{id}` with
//! `credentials.password`), then `lifecycle/expire_password` when the change requires a new
//! password at the next login; primary authentication (`POST /api/v1/authn`) verifies; the
//! active password policies are read.
//!
//! The same file set as every vendor: `config.rs` (its keys and typed configuration),
//! `send.rs` (the adapter), `error.rs` (the error rules and body), `tests.rs` and
//! `facade_tests.rs`.

mod config;
mod error;
mod send;

pub use config::{AuthorizationMode as OktaAuthorizationMode, OktaConfig};
pub(crate) use send::OktaAdapter;
pub use send::OktaDetails;

const VENDOR: crate::Vendor = crate::Vendor::Okta;

// `http` and `from_env` for the configuration, through the adapter: here, so that config.rs
// does not name send.rs.
crate::adapter::typed_config_methods!(OktaConfig, OktaAdapter);

#[cfg(test)]
mod facade_tests;
#[cfg(test)]
mod tests;
