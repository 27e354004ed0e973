//! Microsoft Entra ID through Microsoft Graph v1.0: an administrator's reset
//! (`PATCH /v1.0/users/{id}` with `passwordProfile`, with an application's token or its client
//! credentials); a user's own change (`POST /v1.0/me/changePassword` with the token of the
//! user's own password login, which proves the current password); the verification by the same
//! password login (the resource owner password credentials grant), which users with
//! multi-factor authentication or a federated sign-in cannot make.
//!
//! The same file set as every vendor: `config.rs` (its keys and typed configuration),
//! `send.rs` (the adapter), `error.rs` (the error rules and bodies), `tests.rs` and
//! `facade_tests.rs`.

mod config;
mod error;
mod send;

pub use config::{EntraAuth, EntraConfig, EntraLoginClient};
pub(crate) use send::EntraAdapter;
pub use send::EntraDetails;

const VENDOR: crate::Vendor = crate::Vendor::Entra;

// `http` and `from_env` for the configuration, through the adapter: here, so that config.rs
// does not name send.rs.
crate::adapter::typed_config_methods!(EntraConfig, EntraAdapter);

#[cfg(test)]
mod facade_tests;
#[cfg(test)]
mod tests;
