//! Auth0, the Management API v2: an administrator's token (a Management API token, or a
//! machine-to-machine application's client credentials) sets a database connection user's
//! password with `PATCH /api/v2/users/{id}` (`password`, `connection`). Auth0 has no API for a
//! user's own change and no flag that requires a new password at the next login. The
//! password-realm grant through a configured application verifies the new password; each such
//! login counts towards Auth0's brute-force protection, so a change makes at most one. The
//! connection's password policy (the legacy strength level or the Flexible Password Policy) is
//! read.
//!
//! The same file set as every vendor: `config.rs` (its keys and typed configuration),
//! `send.rs` (the adapter), `error.rs` (the error rules and body), `tests.rs` and
//! `facade_tests.rs`.

mod config;
mod error;
mod send;

pub use config::{Auth0Auth, Auth0Config, Auth0Login};
pub(crate) use send::Auth0Adapter;
pub use send::Auth0Details;

const VENDOR: crate::Vendor = crate::Vendor::Auth0;

// `http` and `from_env` for the configuration, through the adapter: here, so that config.rs
// does not name send.rs.
crate::adapter::typed_config_methods!(Auth0Config, Auth0Adapter);

#[cfg(test)]
mod facade_tests;
#[cfg(test)]
mod tests;
