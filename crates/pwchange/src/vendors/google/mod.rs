//! Google Workspace, the Admin SDK Directory API: an administrator's token sets a user's
//! password with `users.update` (`password`, and `changePasswordAtNextLogin` when the change
//! requires a new one at the next sign-in). The Directory API has no operation for a user's own
//! change, and Google no password login by API: a change is never verified by a login. The
//! policy is Google's documented rules (8 to 100 ASCII characters); a domain's own policy is set
//! in the Admin console and cannot be read. Google answers a spent quota with `403` (or `429`):
//! both are rate limits.
//!
//! The same file set as every vendor: `config.rs` (its keys and typed configuration),
//! `send.rs` (the adapter), `error.rs` (the error rules and body), `tests.rs` and
//! `facade_tests.rs`.

mod config;
mod error;
mod send;

pub use config::GoogleConfig;
pub(crate) use send::GoogleAdapter;
pub use send::GoogleDetails;

const VENDOR: crate::Vendor = crate::Vendor::Google;

// `http` and `from_env` for the configuration, through the adapter: here, so that config.rs
// does not name send.rs.
crate::adapter::typed_config_methods!(GoogleConfig, GoogleAdapter);

#[cfg(test)]
mod facade_tests;
#[cfg(test)]
mod tests;
