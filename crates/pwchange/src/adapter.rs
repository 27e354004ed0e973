//! One adapter shape for every vendor.
//!
//! An [`Adapter`] holds only what differs per vendor: its configuration keys, its user-id
//! parser, what each mode may do and how long passwords may be ([`Adapter::prepare`]), how to
//! send the change and how to log in, and (through [`VendorError`](crate::transport::VendorError))
//! its table of error rules. [`Backend`](crate::backend::Backend) runs it the same way for all.

use std::fmt;

use pwchange_core::SecretToken;
use pwchange_core::classify::Verdict;
use pwchange_core::http::{BoxFuture, HttpConfig};
use pwchange_core::token::Auth;

use crate::config::{Common, Key, Keys};
use crate::request::Verification;
use crate::transport::Transport;
use crate::{Error, ErrorKind, ModeKind, Password, PasswordChange, PasswordPolicy, Vendor};

/// What differs per vendor.
pub(crate) trait Adapter: Sized + Send + Sync + 'static {
    /// The vendor.
    const VENDOR: Vendor;
    /// The configuration keys the vendor reads besides `config::COMMON_KEYS`.
    const KEYS: &'static [Key];
    /// How [`verify`](Self::verify) logs in, and what it needs (one sentence, for users).
    const VERIFICATION: &'static str;
    /// Whether [`verify`](Self::verify) logs in with the backend's credentials (a token that
    /// opens sessions for users), so that its `401`/`403` refuses those credentials, not the
    /// password: every later verification would fail alike.
    const VERIFICATION_USES_CREDENTIALS: bool = false;
    /// The modes the vendor offers (with some configuration; [`prepare`](Self::prepare) says
    /// which configuration refuses which).
    const MODES: &'static [ModeKind];
    /// Where the password policy comes from (one sentence, for users).
    const POLICY: &'static str;
    /// The public, typed configuration.
    type Config: Clone + fmt::Debug + Send + Sync + 'static;
    /// The credentials of the vendor's login (`Infallible` when it has none).
    type Login: LoginSecrets + Send + Sync + 'static;
    /// A checked request, ready to send.
    type Request: Send + Sync;
    /// What the vendor's answer to a change says that matters (its variant of
    /// [`ChangedDetails`](crate::ChangedDetails)).
    type Details: Send + 'static;

    /// The typed configuration from the common settings and the vendor's keys.
    fn config(common: Common, keys: &mut Keys) -> Result<Self::Config, Error>;

    /// The adapter, its HTTP settings and its authentication, from the configuration.
    fn new(config: Self::Config) -> Result<(Self, HttpConfig, Auth<Self::Login>), Error>;

    /// The user id in the vendor's canonical form, or an error naming the form expected.
    fn user_id(id: &str) -> Result<String, Error>;

    /// Checks that the vendor can do `change` (mode, password lengths) and builds the request
    /// for the canonical `user_id`.
    fn prepare(&self, change: &PasswordChange, user_id: String) -> Result<Self::Request, Error>;

    /// A raw answer (`status`, `body`) through the vendor's decoding and error rules, for every
    /// error body the vendor has (fuzzing and tests).
    #[cfg_attr(not(any(test, feature = "fuzzing")), allow(dead_code))]
    fn classify_bytes(status: u16, body: &[u8]) -> Verdict;

    /// Sends the change with `token`.
    fn send<'a>(
        &'a self,
        transport: &'a Transport,
        token: &'a SecretToken,
        request: &'a Self::Request,
    ) -> impl Future<Output = Result<Confirmed<Self::Details>, Error>> + Send + 'a;

    /// Sends `request` without the backend's credentials when it carries its own proof (a
    /// self-service change where the vendor checks the current password and no token); `None`
    /// when it needs them (the default), so that [`send`](Self::send) gets a token.
    fn send_self_proving<'a>(
        &'a self,
        _transport: &'a Transport,
        _request: &'a Self::Request,
    ) -> Option<BoxFuture<'a, Result<Confirmed<Self::Details>, Error>>> {
        None
    }

    /// Logs in with `login`.
    fn login<'a>(
        &'a self,
        transport: &'a Transport,
        login: &'a Self::Login,
    ) -> impl Future<Output = Result<SecretToken, Error>> + Send + 'a;

    /// Logs in as `user` with `password` to prove the vendor holds it: `Ok` when the vendor
    /// accepted it; [`ErrorKind::VerificationFailed`] when it refused the credentials;
    /// [`ErrorKind::Unsupported`] when this vendor or configuration has no way to log in with
    /// a password (naming why); any other error proves nothing. `token` is the backend's token
    /// when it has a fixed one, else its cached login token when it has one. At most one login attempt.
    fn verify<'a>(
        &'a self,
        transport: &'a Transport,
        token: Option<&'a SecretToken>,
        user: &'a LoginTarget,
        password: &'a Password,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a;

    /// The name the user logs in with, when the change's answer tells it.
    fn login_name(_details: &Self::Details) -> Option<String> {
        None
    }

    /// Secrets of the configuration besides the credentials' (a verification client's secret),
    /// for redacting every answer.
    fn secrets(&self) -> Vec<&str> {
        Vec::new()
    }

    /// Whether [`read_policy`](Self::read_policy) reads the policy from the vendor (with the
    /// credentials); when false, the policy needs no request.
    const POLICY_API: bool = false;

    /// The policy this configuration implies without asking the vendor (e.g. by its API
    /// version), before [`documented_policy`](Self::documented_policy).
    fn configured_policy(&self) -> Option<PasswordPolicy> {
        None
    }

    /// The vendor's documented password rules ([`PolicySource::Documented`](crate::PolicySource)).
    fn documented_policy() -> PasswordPolicy;

    /// Reads the password policy from the vendor with `token`; `None` when the vendor has no
    /// API for it (then [`documented_policy`](Self::documented_policy) is the policy).
    fn read_policy<'a>(
        &'a self,
        _transport: &'a Transport,
        _token: &'a SecretToken,
    ) -> impl Future<Output = Result<Option<PasswordPolicy>, Error>> + Send + 'a {
        async { Ok(None) }
    }
}

/// A change the vendor confirmed, as an adapter reports it.
pub(crate) struct Confirmed<D> {
    /// The user id in the vendor's canonical form.
    pub user_id: String,
    /// What the vendor's answer says that matters.
    pub details: D,
    /// Why no login with the new password can succeed, when the answer shows it (a disabled
    /// user): then no verification login is made.
    pub unverifiable: Option<String>,
}

impl<D> Confirmed<D> {
    /// A confirmed change of `user_id`.
    pub fn new(user_id: impl Into<String>, details: D) -> Self {
        Self {
            user_id: user_id.into(),
            details,
            unverifiable: None,
        }
    }

    /// The change as applied, without a verification login: [`Verification::Skipped`], or
    /// [`Verification::NotVerifiable`] when the answer showed why none can succeed.
    pub fn into_applied(self) -> Applied<D> {
        Applied {
            user_id: self.user_id,
            details: Some(self.details),
            verification: self.unverifiable.map_or(Verification::Skipped, |reason| {
                Verification::NotVerifiable { reason }
            }),
        }
    }

    /// The change as applied and verified by a login.
    pub fn verified(self) -> Applied<D> {
        Applied {
            verification: Verification::Verified,
            ..self.into_applied()
        }
    }
}

/// A change the backend reports applied, in the adapter's terms; the dispatch turns it into the
/// public [`Changed`](crate::Changed).
pub(crate) struct Applied<D> {
    /// The user id in the vendor's canonical form.
    pub user_id: String,
    /// What the vendor's answer says; `None` when the answer was lost and a login proved the
    /// change.
    pub details: Option<D>,
    /// Whether a login with the new password confirmed the change.
    pub verification: Verification,
}

/// The secrets in a vendor's login credentials, for redacting its answers.
pub(crate) trait LoginSecrets {
    fn secrets(&self) -> Vec<&str>;
}

impl LoginSecrets for std::convert::Infallible {
    fn secrets(&self) -> Vec<&str> {
        match *self {}
    }
}

/// A user and password (or client id and secret).
impl LoginSecrets for (String, secrecy::SecretString) {
    fn secrets(&self) -> Vec<&str> {
        vec![secrecy::ExposeSecret::expose_secret(&self.1)]
    }
}

/// A client id, secret and scope.
impl LoginSecrets for (String, SecretToken, String) {
    fn secrets(&self) -> Vec<&str> {
        vec![self.1.expose_secret()]
    }
}

/// Whose login [`Adapter::verify`] tries.
#[allow(dead_code)] // each vendor reads what its login needs: a one-vendor build may not read all
pub(crate) struct LoginTarget {
    /// The user id in the vendor's canonical form.
    pub user_id: String,
    /// The name the user logs in with, when known.
    pub login_name: Option<String>,
    /// The change's mode, when the login verifies one (`None`: a bare
    /// [`crate::Client::verify_password`]). A backend's own login name is the target's only
    /// in a self-service change.
    pub mode: Option<ModeKind>,
    /// Whether the change asked the user to change the password at next login (an
    /// administrative set): a vendor that then refuses a plain login as "expired" holds it.
    pub require_change: bool,
}

/// `error` from a verification login: [`ErrorKind::VerificationFailed`] when its kind is one of
/// `refusals` (the vendor's answers to wrong credentials), else unchanged (it proves nothing).
#[allow(dead_code)] // for vendors with a password login; a one-vendor build may have none
pub(crate) fn login_refused(error: Error, refusals: &[ErrorKind]) -> Error {
    if refusals.contains(&error.kind()) {
        // The kind's own words already say a login failed; this says how (the status and the
        // vendor's code follow in the error's facts).
        let message = format!(
            "the vendor answered it as it answers {}",
            match error.kind() {
                ErrorKind::CurrentPasswordInvalid => "a wrong password",
                ErrorKind::PermissionDenied => "a login it does not permit",
                _ => "wrong credentials",
            }
        );
        error.reclassify(ErrorKind::VerificationFailed, message)
    } else {
        error
    }
}

/// A user id sent as one path segment, trimmed: refused (with `invalid`, which names the form
/// expected and never the id) when it is empty, `.` or `..`, or holds whitespace, a control
/// character or any of `/ \ ? # %`, each of which would change the request's path or query.
#[allow(dead_code)] // for vendors whose ids are free text; a one-vendor build may have none
pub(crate) fn path_segment_id(id: &str, invalid: &'static str) -> Result<String, Error> {
    let id = id.trim();
    let prohibited = |c: char| c.is_whitespace() || c.is_control() || "/\\?#%".contains(c);
    if id.is_empty() || id == "." || id == ".." || id.chars().any(prohibited) {
        return Err(Error::invalid_input(invalid));
    }
    Ok(id.to_owned())
}

/// A failed request made before the change (the login, a read of the record the change
/// updates): whatever its answer left open, the change itself was not sent, so an "outcome
/// unknown" becomes [`ErrorKind::Unavailable`] (not applied). `what` names the request.
pub(crate) fn failed_before_the_change(error: Error, what: &str) -> Error {
    if error.may_have_applied() {
        let message = format!(
            "{what} before the change failed ({}); the change was not sent",
            error.message()
        );
        error.reclassify(ErrorKind::Unavailable, message)
    } else {
        error
    }
}

/// The methods every vendor's typed configuration has besides its own: `http` and `from_env`.
/// The configuration must have a field `http: HttpConfig`.
macro_rules! typed_config_methods {
    ($config:ty, $adapter:ty) => {
        impl $config {
            /// Replaces the HTTP settings (timeouts, connect retries, insecure http).
            pub fn http(mut self, http: pwchange_core::http::HttpConfig) -> Self {
                self.http = http;
                self
            }

            /// Reads the configuration from `PWCHANGE_<VENDOR>_<KEY>` environment variables
            /// (see the type's docs), through [`Settings`](crate::Settings).
            pub fn from_env() -> Result<Self, crate::Error> {
                let vendor = <$adapter as crate::adapter::Adapter>::VENDOR;
                crate::adapter::config_from_settings::<$adapter>(crate::Settings::from_env(vendor))
            }
        }
    };
}
pub(crate) use typed_config_methods;

/// The typed configuration of `A` from string settings.
pub(crate) fn config_from_settings<A: Adapter>(
    settings: crate::Settings,
) -> Result<A::Config, Error> {
    let mut keys = settings.into_keys(A::KEYS)?;
    let common = keys.common()?;
    let config = A::config(common, &mut keys).map_err(|e| e.with_vendor(A::VENDOR))?;
    keys.finish()?;
    Ok(config)
}
