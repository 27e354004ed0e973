//! OpenStack Keystone (identity v3): a self-service change carries its own proof (the original
//! password; Keystone checks no token), an administrator sets a password with `PATCH
//! /v3/users/{id}`, and a password login by user id verifies either.

//!
//! The same file set as every vendor: `config.rs` (its keys, typed configuration and the
//! administrator's login), `send.rs` (the adapter), `error.rs` (the error rules and bodies),
//! `tests.rs` and `facade_tests.rs`.

mod config;
mod error;
mod send;

pub use config::{
    BCRYPT_MAX_BYTES, DEFAULT_MAX_PASSWORD_LENGTH, KeystoneAuth, KeystoneConfig, KeystoneLogin,
};
pub(crate) use send::KeystoneAdapter;
pub use send::KeystoneDetails;

const VENDOR: crate::Vendor = crate::Vendor::Keystone;

// `http` and `from_env` for the configuration, through the adapter: here, so that config.rs
// does not name send.rs.
crate::adapter::typed_config_methods!(KeystoneConfig, KeystoneAdapter);

#[cfg(test)]
mod facade_tests;
#[cfg(test)]
mod tests;
