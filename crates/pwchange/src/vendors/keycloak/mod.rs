//! Keycloak: an administrator's token (a bearer token, a service account's client credentials,
//! or an administrator's password login) sets a user's password with the admin API's
//! `reset-password`, temporary when the change requires a new one at the next login. Keycloak
//! has no REST operation for a user's own change. A `password` grant through a client with
//! direct access grants verifies the new password, and its session is logged out. The realm's
//! `passwordPolicy` is read and parsed.
//!
//! The same file set as every vendor: `config.rs` (its keys and typed configuration),
//! `send.rs` (the adapter), `error.rs` (the error rules and body), `tests.rs` and
//! `facade_tests.rs`.

mod config;
mod error;
mod send;

pub use config::{KeycloakAuth, KeycloakConfig, KeycloakLogin};
pub(crate) use send::KeycloakAdapter;
pub use send::KeycloakDetails;

const VENDOR: crate::Vendor = crate::Vendor::Keycloak;

// `http` and `from_env` for the configuration, through the adapter: here, so that config.rs
// does not name send.rs.
crate::adapter::typed_config_methods!(KeycloakConfig, KeycloakAdapter);

#[cfg(test)]
mod facade_tests;
#[cfg(test)]
mod tests;
