#![doc = include_str!("../README.md")]

mod adapter;
mod backend;
mod config;
// For vendors with an OAuth 2.0 token endpoint; a one-vendor build may have none.
#[allow(dead_code, unused_macros, unused_imports)]
mod oauth;
mod policy;
mod proof;
mod request;
#[cfg(test)]
mod testing;
mod transport;
mod vendors;

#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;

#[cfg(doctest)]
mod api_shape;

pub use backend::AccessCheck;
pub use config::{COMMON_KEYS, Key, Settings};
pub use policy::{CharacterClasses, LengthUnit, PasswordPolicy, PolicySource};
pub use pwchange_core::http::{
    DEFAULT_CONNECT_RETRIES, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, HttpConfig,
};
pub use pwchange_core::vendor_text::Redact;
pub use pwchange_core::{Error, ErrorKind, Outcome, Redactor, SecretToken, Vendor, VendorText};
pub use request::{ChangeOperation, Mode, ModeKind, Password, PasswordChange, Verification};
pub use vendors::*;

use tracing::Instrument as _;

// Compile-time checks: a `Client` is cloned into tasks on any thread, and the values a task
// hands back (a result, an error) cross threads too (`Box<dyn Error + Send + Sync>`).
const _: () = {
    const fn shareable<T: Clone + Send + Sync + 'static>() {}
    const fn sendable<T: Send + Sync + 'static>() {}
    shareable::<Client>();
    shareable::<PasswordChange>();
    shareable::<Changed>();
    shareable::<Settings>();
    sendable::<Error>();
};

/// Changes passwords on one vendor.
///
/// Cheap to clone: clones share one connection pool and one login token cache, so a program
/// makes one `Client` per vendor and hands clones to its tasks.
#[derive(Clone)]
pub struct Client {
    backend: std::sync::Arc<dyn vendors::DynBackend>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("vendor", &self.vendor())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the vendor that `config` configures.
    pub fn new(config: impl Into<Config>) -> Result<Self, Error> {
        Ok(Self {
            backend: config.into().into_backend()?.into(),
        })
    }

    /// A client from string settings (see [`Settings`]).
    pub fn from_settings(settings: Settings) -> Result<Self, Error> {
        Self::new(Config::from_settings(settings)?)
    }

    /// A client configured from `PWCHANGE_<VENDOR>_<KEY>` environment variables: every key of
    /// [`COMMON_KEYS`] and of [`keys`]`(vendor)`, e.g. `PWCHANGE_<VENDOR>_BASE_URL`.
    pub fn from_env(vendor: Vendor) -> Result<Self, Error> {
        Self::from_settings(Settings::from_env(vendor))
    }

    /// The vendor this client talks to.
    pub fn vendor(&self) -> Vendor {
        self.backend.vendor()
    }

    /// The base URL requests go to (without a trailing slash).
    pub fn base_url(&self) -> &str {
        self.backend.base_url()
    }

    /// Changes the password and, unless the change says [`PasswordChange::verify`]`(false)`,
    /// logs in once with the new password to prove it ([`Verification`]).
    ///
    /// `Ok` means [`Outcome::Applied`]: the vendor confirmed the change with an answer that
    /// matches the request, or the login proved it. An `Err` says with
    /// [`Error::outcome`] whether nothing was applied or the outcome is unknown; an unknown
    /// outcome is settled by the login where the vendor allows one (never by a retry), and a
    /// refused login is [`ErrorKind::VerificationFailed`], whatever the change's answer said:
    /// its outcome stays unknown (a refusal after an answer that proved nothing does not prove
    /// that nothing was applied, and a locked account refuses any password). Validates everything it can first; sends at most one request for the change
    /// itself (plus a login when the configuration has credentials instead of a token, and the
    /// verification login).
    pub async fn change_password(&self, change: &PasswordChange) -> Result<Changed, Error> {
        let vendor = self.vendor();
        let span = tracing::info_span!("pwchange.change_password", vendor = %vendor, user_id = ?change.user_id(), mode = ?change.mode());
        async {
            let result = self.backend.change(change).await;
            match &result {
                Ok(_) => tracing::info!("password changed"),
                Err(e) => {
                    tracing::warn!(kind = ?e.kind(), status = e.status(), "password change failed")
                }
            }
            result
        }
        .instrument(span)
        .await
    }

    /// Runs every check of `change` that needs no request — the user id's form, the mode, the
    /// vendor's password length rules — without sending anything. [`change_password`]
    /// runs the same checks first; a bulk tool calls this once before it commits to anything.
    ///
    /// [`change_password`]: Self::change_password
    pub fn check_change(&self, change: &PasswordChange) -> Result<(), Error> {
        self.backend.check(change)
    }

    /// The vendor's password policy: read from the vendor where it has an API for it (with this
    /// client's credentials: [`capabilities`] says which), else its documented rules. Sends at
    /// most one request (plus a login when configured with login credentials).
    pub async fn password_policy(&self) -> Result<PasswordPolicy, Error> {
        let span = tracing::info_span!("pwchange.password_policy", vendor = %self.vendor());
        self.backend.policy().instrument(span).await
    }

    /// Checks the credentials without changing anything: the configured login, else a
    /// harmless authenticated read where the vendor has one ([`AccessCheck`] says which, or
    /// why nothing could be checked).
    pub async fn check_access(&self) -> Result<AccessCheck, Error> {
        let span = tracing::info_span!("pwchange.check_access", vendor = %self.vendor());
        self.backend.check_access().instrument(span).await
    }

    /// Logs in once as `user_id` with `password` to find out whether the vendor holds it:
    /// `Ok(())` when it does; [`ErrorKind::VerificationFailed`] when the vendor refused the
    /// login; [`ErrorKind::Unsupported`] when the vendor (or this configuration) has no password
    /// login; any other error proves nothing. `login_name` is the name the user logs in with,
    /// for vendors that need one besides the id ([`PasswordChange::login_name`]). Vendors lock
    /// accounts after a few failed logins: call it once per password, not in a loop.
    pub async fn verify_password(
        &self,
        user_id: &str,
        login_name: Option<&str>,
        password: &Password,
    ) -> Result<(), Error> {
        let span = tracing::info_span!("pwchange.verify_password", vendor = %self.vendor());
        self.backend
            .verify_password(user_id, login_name, password)
            .instrument(span)
            .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use std::path::Path;

    /// The attribute lines right above the line that starts with `header` (after indentation).
    fn attributes_of<'a>(source: &'a str, header: &str) -> Vec<&'a str> {
        let lines: Vec<&str> = source.lines().map(str::trim).collect();
        let at = lines
            .iter()
            .position(|line| line.starts_with(header))
            .unwrap_or_else(|| panic!("no `{header}`"));
        lines[..at]
            .iter()
            .rev()
            .take_while(|line| line.starts_with("#[") || line.starts_with("///"))
            .copied()
            .collect()
    }

    /// What a change hands back is `#[non_exhaustive]`, down to every vendor's details, so a
    /// vendor can say more without breaking callers (and callers cannot build fake results).
    /// `Changed` and the enums are also checked from outside by the doctests of `api_shape.rs`.
    #[test]
    fn what_a_change_returns_is_non_exhaustive() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let read = |path: &Path| std::fs::read_to_string(path).unwrap();
        let mut items = vec![
            (
                read(&src.join("vendors/dispatch.rs")),
                "pub struct Changed ".to_owned(),
            ),
            (
                read(&src.join("request.rs")),
                "pub enum Verification ".to_owned(),
            ),
            (
                read(&src.join("request.rs")),
                "pub enum ChangeOperation ".to_owned(),
            ),
            (
                read(&src.join("vendors/mod.rs")),
                "pub enum ChangedDetails ".to_owned(),
            ),
        ];
        for vendor in crate::Vendor::ALL {
            let source = read(&src.join("vendors").join(vendor.name()).join("send.rs"));
            let details: Vec<String> = source
                .lines()
                .filter_map(|line| line.strip_prefix("pub struct "))
                .filter_map(|rest| rest.split_whitespace().next())
                .filter(|name| name.ends_with("Details"))
                .map(|name| format!("pub struct {name} "))
                .collect();
            assert_eq!(details.len(), 1, "{vendor}: {details:?}");
            items.extend(details.into_iter().map(|header| (source.clone(), header)));
        }
        for (source, header) in &items {
            assert!(
                attributes_of(source, header).contains(&"#[non_exhaustive]"),
                "`{header}` is not #[non_exhaustive]"
            );
        }
    }
}
