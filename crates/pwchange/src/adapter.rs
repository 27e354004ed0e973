//! One adapter shape for every vendor, and the one generic backend that runs it.
//!
//! An [`Adapter`] holds only what differs per vendor: its configuration keys, its user-id
//! parser, what each mode may do and how long passwords may be ([`Adapter::prepare`]), how to
//! send the change and how to log in, and (through [`VendorError`]) its table of error rules.
//! [`Backend`] does the rest the same way for all: the shared checks, the token cache with a
//! single re-login, and the dynamic dispatch behind [`crate::Client`].

use std::fmt;

use pwchange_core::classify::Verdict;
use pwchange_core::http::{self, Answer, BoxFuture, HttpConfig};
use pwchange_core::token::{Auth, TokenCache};
use pwchange_core::{Redactor, SecretToken};
use serde::de::DeserializeOwned;

use crate::config::{Common, Key, Keys};
use crate::request::Verification;
use crate::{
    Changed, Error, ErrorKind, ModeKind, Password, PasswordChange, PasswordPolicy, Vendor,
};

/// A vendor's error body: how its answers become a [`Verdict`] (usually through a table of
/// `pwchange_core::classify::Rule`s).
pub(crate) trait VendorError: DeserializeOwned + Send + 'static {
    fn verdict(answer: &Answer<Self>) -> Verdict;

    /// Whether this body, decoded from an answer with `status`, is the vendor's own: it carries
    /// what only the vendor's error bodies carry (an error id, its status repeated where the
    /// vendor repeats it), not merely fields a proxy's or gateway's JSON may share. Only the
    /// vendor's own body lets a `408`, `501` or `503` prove that nothing was applied
    /// (`pwchange_core::classify::proves_not_applied`).
    fn is_vendors_own(&self, status: u16) -> bool;
}

/// An operation whose error bodies are not documented: the status alone decides.
impl VendorError for () {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        Verdict::by_status(answer.status)
    }

    fn is_vendors_own(&self, _: u16) -> bool {
        false
    }
}

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
    ) -> impl Future<Output = Result<Changed, Error>> + Send + 'a;

    /// Sends `request` without the backend's credentials when it carries its own proof (a
    /// self-service change where the vendor checks the current password and no token); `None`
    /// when it needs them (the default), so that [`send`](Self::send) gets a token.
    fn send_self_proving<'a>(
        &'a self,
        _transport: &'a Transport,
        _request: &'a Self::Request,
    ) -> Option<BoxFuture<'a, Result<Changed, Error>>> {
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
    /// when it has a fixed one. At most one login attempt.
    fn verify<'a>(
        &'a self,
        transport: &'a Transport,
        token: Option<&'a SecretToken>,
        user: &'a LoginTarget,
        password: &'a Password,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a;

    /// The name the user logs in with, when the change's answer tells it.
    fn login_name(_changed: &Changed) -> Option<String> {
        None
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

/// What an authenticated request is for, in the messages of a failed login before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Change,
    Read,
}

/// How [`crate::Client::check_access`] checked the credentials.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(tag = "checked", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AccessCheck {
    /// The configured login succeeded.
    LoggedIn,
    /// A harmless authenticated read succeeded.
    Read {
        /// What was read.
        operation: String,
    },
    /// The vendor accepted the credentials but refused the read they were checked with
    /// (permission denied): they authenticate, and whether they may change passwords shows
    /// with the first change.
    Authenticated {
        /// What was refused.
        reason: String,
    },
    /// The vendor has no harmless authenticated read for this configuration: the credentials
    /// are first used by the first change.
    NotChecked {
        /// Why.
        reason: String,
    },
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

/// Whether a verification login's error refuses the credentials it was made with (the backend's
/// token, for a vendor whose login needs one), not the password: no login can verify anything
/// with them.
fn refuses_the_credentials(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Unauthenticated | ErrorKind::PermissionDenied
    )
}

/// The error of a change whose verification login the vendor refused for the credentials
/// ([`refuses_the_credentials`]) after `context` (what the change's answer said): the kind stays
/// (a rotation's breaker stops on it), and the outcome is unknown, since the change may have been
/// applied and nothing verified it.
fn credentials_refused(error: Error, context: &str) -> Error {
    let message = format!(
        "{context}, but the verification login was refused for the credentials, not the password ({}): the change is not verified and its outcome is unknown; give the credentials the right to verify, or turn verification off",
        error.message()
    );
    let kind = error.kind();
    error
        .reclassify(kind, message)
        .with_outcome(pwchange_core::Outcome::Unknown)
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

/// A failed login before a change ([`failed_before_the_change`]) or before a read, which
/// changes nothing either way.
fn login_failed(error: Error, purpose: Purpose) -> Error {
    match purpose {
        Purpose::Change => failed_before_the_change(error, "the login"),
        Purpose::Read if error.may_have_applied() => {
            let message = format!(
                "the login failed ({}); nothing was changed",
                error.message()
            );
            error.reclassify(ErrorKind::Unavailable, message)
        }
        Purpose::Read => error,
    }
}

/// `body` decoded as `E` (or not), as the vendor's answer with `status`, through `E`'s rules.
#[cfg_attr(not(any(test, feature = "fuzzing")), allow(dead_code))]
pub(crate) fn verdict_of<E: VendorError>(status: u16, body: &[u8]) -> Verdict {
    E::verdict(&Answer {
        status,
        body: serde_json::from_slice(body).ok(),
        text: None,
        retry_after: None,
    })
}

/// Where and how requests go: the base URL, the HTTP client, the connect retries.
pub(crate) struct Transport {
    vendor: Vendor,
    base: String,
    http: reqwest::Client,
    retries: u32,
    max_response_bytes: usize,
}

impl Transport {
    fn new(vendor: Vendor, config: &HttpConfig) -> Result<Self, Error> {
        Ok(Self {
            vendor,
            base: config.base(),
            http: config.reqwest_client()?,
            retries: config.retries(),
            max_response_bytes: config.response_limit(),
        })
    }

    /// A generated client (`new` is its `Client::new_with_client`) on this transport with
    /// `context`'s credentials and headers, and the configured cap on response bodies.
    pub fn client<C>(
        &self,
        new: impl FnOnce(&str, reqwest::Client, pwchange_core::ClientContext) -> C,
        context: pwchange_core::ClientContext,
    ) -> C {
        let context = context.with_max_response_bytes(self.max_response_bytes);
        new(&self.base, self.http.clone(), context)
    }

    /// Sends with the connect-only retry; a failure is classified by `E`'s rules.
    pub async fn call<'a, T, E: VendorError>(
        &self,
        send: impl Fn() -> BoxFuture<'a, Result<T, progenitor_client::Error<E>>>,
    ) -> Result<T, Error> {
        match http::send_with_connect_retry(self.retries, send).await {
            Ok(value) => Ok(value),
            Err(sent) => Err(pwchange_core::classify::resolve(
                self.vendor,
                http::failure(sent).await,
                E::verdict,
                E::is_vendors_own,
            )),
        }
    }
}

/// The generic backend: shared checks, authentication, dispatch.
pub(crate) struct Backend<A: Adapter> {
    adapter: A,
    transport: Transport,
    auth: Auth<A::Login>,
    cache: TokenCache,
}

impl<A: Adapter> Backend<A> {
    pub fn new(config: A::Config) -> Result<Self, Error> {
        let (adapter, http, auth) = A::new(config).map_err(|e| e.with_vendor(A::VENDOR))?;
        Ok(Self {
            adapter,
            transport: Transport::new(A::VENDOR, &http)?,
            auth,
            cache: TokenCache::new(),
        })
    }

    /// Every check of `change` that needs no vendor: the shared ones, the user id, the
    /// vendor's mode and password rules. Returns the canonical user id and the request.
    fn prepare(&self, change: &PasswordChange) -> Result<(String, A::Request), Error> {
        change.validate_common()?;
        let user_id = A::user_id(change.user_id())?;
        // The adapter's own refusal of a mode names the vendor's alternative; this is the net
        // under it: a mode outside `MODES` is never sent, whatever `prepare` built.
        let request = self.adapter.prepare(change, user_id.clone())?;
        let mode = change.mode().kind();
        if !A::MODES.contains(&mode) {
            let offered: Vec<&str> = A::MODES.iter().map(|m| m.name()).collect();
            return Err(Error::unsupported(format!(
                "{} offers no {mode} change through pwchange (its modes: {})",
                A::VENDOR,
                offered.join(", ")
            )));
        }
        Ok((user_id, request))
    }

    async fn change(&self, change: &PasswordChange) -> Result<Changed, Error> {
        let (user_id, request) = self.prepare(change)?;
        let sent = self.send(&request).await;
        if !change.verifies() {
            return sent;
        }
        let target = |changed: Option<&Changed>| LoginTarget {
            user_id: user_id.clone(),
            login_name: change
                .login_name_hint()
                .map(str::to_owned)
                .or_else(|| changed.and_then(A::login_name)),
            mode: Some(change.mode().kind()),
            require_change: matches!(
                change.mode(),
                crate::Mode::AdminSet {
                    require_change_at_next_login: true
                }
            ),
        };
        let password = change.new_password();
        match sent {
            // The vendor's answer already shows that no login can succeed (a disabled user).
            Ok(changed) if matches!(changed.verification, Verification::NotVerifiable { .. }) => {
                Ok(changed)
            }
            Ok(mut changed) => {
                match self.verify(&target(Some(&changed)), password).await {
                    Ok(()) => changed.verification = Verification::Verified,
                    Err(e) if e.kind() == ErrorKind::VerificationFailed => {
                        let message = format!(
                            "the vendor confirmed the change, but {}: it does not accept the new password now (not applied, or applied to an account it will not log in, e.g. a locked one)",
                            e.message()
                        );
                        return Err(e.reclassify(ErrorKind::VerificationFailed, message));
                    }
                    Err(e) if e.kind() == ErrorKind::Unsupported => {
                        changed.verification = Verification::NotVerifiable {
                            reason: e.message().to_owned(),
                        };
                    }
                    Err(e) if A::VERIFICATION_USES_CREDENTIALS && refuses_the_credentials(&e) => {
                        return Err(credentials_refused(e, "the vendor confirmed the change"));
                    }
                    // A vendor's 200 alone has been wrong (a change without effect): where a
                    // login could prove it, a login that proves nothing leaves it unknown.
                    Err(e) => {
                        let message = format!(
                            "the vendor confirmed the change, but the login with the new password proved nothing ({}): whether it holds the new password is unknown",
                            e.kind()
                        );
                        return Err(e.reclassify(ErrorKind::OutcomeUnknown, message));
                    }
                }
                Ok(changed)
            }
            // The answer was lost or proves nothing: one login settles it when the vendor allows.
            Err(unknown) if unknown.may_have_applied() => {
                match self.verify(&target(None), password).await {
                    Ok(()) => {
                        tracing::info!(
                            "the outcome was unknown; a login with the new password settled it"
                        );
                        Ok(Changed {
                            vendor: A::VENDOR,
                            user_id,
                            details: None,
                            verification: Verification::Verified,
                        })
                    }
                    // A refusal after an answer that proved nothing proves nothing by itself (the
                    // vendor may commit after a gateway's timeout; a locked account refuses any
                    // password): the outcome stays unknown, with the refusal on record.
                    Err(e) if e.kind() == ErrorKind::VerificationFailed => {
                        let message = format!(
                            "{} (outcome unknown), and {}: the vendor does not accept the new password now, and the outcome stays unknown",
                            unknown.message(),
                            e.message()
                        );
                        Err(unknown.reclassify(ErrorKind::VerificationFailed, message))
                    }
                    Err(e) if A::VERIFICATION_USES_CREDENTIALS && refuses_the_credentials(&e) => {
                        let context = format!("{} (outcome unknown)", unknown.message());
                        Err(credentials_refused(e, &context))
                    }
                    // A rate-limited login: its status and wait are what the caller needs to
                    // pace the next try (which is a login, never a resend).
                    Err(e) if e.kind() == ErrorKind::RateLimited => {
                        let message = format!(
                            "{} (outcome unknown), and the login with the new password was rate limited ({}): the outcome stays unknown",
                            unknown.message(),
                            e.message()
                        );
                        Err(e.reclassify(ErrorKind::OutcomeUnknown, message))
                    }
                    Err(e) => {
                        tracing::debug!(kind = ?e.kind(), "verification proved nothing; the outcome stays unknown");
                        Err(unknown)
                    }
                }
            }
            Err(refused) => Err(refused),
        }
    }

    /// Sends the request: without credentials when it carries its own proof, else with the
    /// backend's token or a (cached) login token.
    async fn send(&self, request: &A::Request) -> Result<Changed, Error> {
        let (adapter, transport) = (&self.adapter, &self.transport);
        if let Some(sent) = adapter.send_self_proving(transport, request) {
            return sent.await;
        }
        self.authenticated(Purpose::Change, |token| {
            Box::pin(async move { adapter.send(transport, &token, request).await })
        })
        .await
    }

    /// Runs `operation` with the backend's token, or a (cached) login token; a cached token
    /// the vendor refuses (`401`) is replaced by one fresh login and `operation` runs once more.
    /// A `401` means nothing was applied, so the second attempt cannot apply a change twice.
    async fn authenticated<'a, T>(
        &'a self,
        purpose: Purpose,
        operation: impl Fn(SecretToken) -> BoxFuture<'a, Result<T, Error>>,
    ) -> Result<T, Error> {
        let (adapter, transport) = (&self.adapter, &self.transport);
        match &self.auth {
            Auth::None => Err(Error::new(
                ErrorKind::Unauthenticated,
                format!(
                    "no credentials are configured (a token or a login), and this {} request needs them; nothing was sent",
                    A::VENDOR
                ),
            )),
            Auth::Token(token) => operation(token.clone()).await,
            Auth::Login(login) => {
                let (token, cached) = self
                    .cache
                    .get_or_login(adapter.login(transport, login))
                    .await
                    .map_err(|e| login_failed(e, purpose))?;
                match operation(token.clone()).await {
                    Err(e) if e.kind() == ErrorKind::Unauthenticated && cached => {
                        tracing::debug!("cached login token refused; logging in again");
                        self.cache.invalidate(&token).await;
                        let (token, _) = self
                            .cache
                            .get_or_login(adapter.login(transport, login))
                            .await
                            .map_err(|e| login_failed(e, purpose))?;
                        operation(token).await
                    }
                    other => other,
                }
            }
        }
    }

    /// The vendor's password policy: the configuration's, else read where the vendor has an
    /// API, else the documented rules (the last two need no request).
    async fn policy(&self) -> Result<PasswordPolicy, Error> {
        if let Some(policy) = self.adapter.configured_policy() {
            return Ok(policy);
        }
        if !A::POLICY_API {
            return Ok(A::documented_policy());
        }
        Ok(self
            .read_policy()
            .await?
            .unwrap_or_else(A::documented_policy))
    }

    async fn read_policy(&self) -> Result<Option<PasswordPolicy>, Error> {
        let (adapter, transport) = (&self.adapter, &self.transport);
        self.authenticated(Purpose::Read, |token| {
            Box::pin(async move { adapter.read_policy(transport, &token).await })
        })
        .await
    }

    /// Checks the credentials without changing anything: the login, else the policy read.
    async fn check_access(&self) -> Result<AccessCheck, Error> {
        if let Auth::None = &self.auth {
            return Ok(AccessCheck::NotChecked {
                reason: "no credentials are configured: only a change that carries its own proof (the current password) can be sent".to_owned(),
            });
        }
        if let Auth::Login(login) = &self.auth {
            self.cache
                .get_or_login(self.adapter.login(&self.transport, login))
                .await
                .map_err(|e| login_failed(e, Purpose::Read))?;
            return Ok(AccessCheck::LoggedIn);
        }
        if !A::POLICY_API {
            return Ok(AccessCheck::NotChecked {
                reason: format!(
                    "{} has no harmless authenticated read for a token; the first change uses it",
                    A::VENDOR
                ),
            });
        }
        match self.read_policy().await {
            Ok(Some(PasswordPolicy {
                source: crate::PolicySource::Vendor { operation },
                ..
            })) => Ok(AccessCheck::Read { operation }),
            Ok(_) => Ok(AccessCheck::NotChecked {
                reason: "the vendor's policy read said nothing about the credentials".to_owned(),
            }),
            Err(e) if e.kind() == ErrorKind::PermissionDenied => Ok(AccessCheck::Authenticated {
                reason: format!(
                    "the vendor accepted the credentials but refused the policy read ({})",
                    e.kind()
                ),
            }),
            Err(e) => Err(e),
        }
    }

    /// Every secret a call of this backend may carry: `passwords`, the token or the login's
    /// secret, the cached login token.
    async fn redactor(&self, passwords: &[&str]) -> Redactor {
        let mut redactor = Redactor::new();
        for password in passwords {
            redactor.add(password);
        }
        match &self.auth {
            Auth::None => {}
            Auth::Token(token) => redactor.add(token.expose_secret()),
            Auth::Login(login) => {
                for secret in login.secrets() {
                    redactor.add(secret);
                }
            }
        }
        if let Some(token) = self.cache.current().await {
            redactor.add(token.expose_secret());
        }
        redactor
    }

    /// One login attempt as `target` with `password`.
    /// One login with `password`. A login changes no password: an answer that would leave a
    /// change's outcome unknown (a `504`, a proxy's `503` page, a dropped connection) only says
    /// that the vendor could not be asked now ([`ErrorKind::Unavailable`], to try again).
    async fn verify(&self, target: &LoginTarget, password: &Password) -> Result<(), Error> {
        let token = match &self.auth {
            Auth::Token(token) => Some(token),
            Auth::None | Auth::Login(_) => None,
        };
        self.adapter
            .verify(&self.transport, token, target, password)
            .await
            .map_err(|e| {
                let e = e.with_vendor(A::VENDOR);
                if e.kind() == ErrorKind::OutcomeUnknown {
                    let message = format!("the login's answer proved nothing ({})", e.message());
                    e.reclassify(ErrorKind::Unavailable, message)
                } else {
                    e
                }
            })
    }

    async fn verify_password(
        &self,
        user_id: &str,
        login_name: Option<&str>,
        password: &Password,
    ) -> Result<(), Error> {
        let target = LoginTarget {
            user_id: A::user_id(user_id)?,
            login_name: login_name.map(str::to_owned),
            mode: None,
            require_change: false,
        };
        self.verify(&target, password).await
    }
}

/// [`Backend`] with the adapter type erased, for [`crate::Client`].
pub(crate) trait DynBackend: Send + Sync {
    fn vendor(&self) -> Vendor;
    fn base_url(&self) -> &str;
    fn change<'a>(&'a self, change: &'a PasswordChange) -> BoxFuture<'a, Result<Changed, Error>>;
    fn check(&self, change: &PasswordChange) -> Result<(), Error>;
    fn verify_password<'a>(
        &'a self,
        user_id: &'a str,
        login_name: Option<&'a str>,
        password: &'a Password,
    ) -> BoxFuture<'a, Result<(), Error>>;
    fn policy(&self) -> BoxFuture<'_, Result<PasswordPolicy, Error>>;
    fn check_access(&self) -> BoxFuture<'_, Result<AccessCheck, Error>>;
}

impl<A: Adapter> DynBackend for Backend<A> {
    fn vendor(&self) -> Vendor {
        A::VENDOR
    }

    fn base_url(&self) -> &str {
        &self.transport.base
    }

    fn policy(&self) -> BoxFuture<'_, Result<PasswordPolicy, Error>> {
        Box::pin(async move {
            match Backend::policy(self).await {
                Ok(policy) => Ok(policy),
                Err(e) => {
                    let redactor = self.redactor(&[]).await;
                    Err(e.with_vendor(A::VENDOR).redact(&redactor))
                }
            }
        })
    }

    fn check_access(&self) -> BoxFuture<'_, Result<AccessCheck, Error>> {
        Box::pin(async move {
            match Backend::check_access(self).await {
                Ok(check) => Ok(check),
                Err(e) => {
                    let redactor = self.redactor(&[]).await;
                    Err(e.with_vendor(A::VENDOR).redact(&redactor))
                }
            }
        })
    }

    fn check(&self, change: &PasswordChange) -> Result<(), Error> {
        Backend::prepare(self, change)
            .map(|_| ())
            .map_err(|e| e.with_vendor(A::VENDOR))
    }

    fn change<'a>(&'a self, change: &'a PasswordChange) -> BoxFuture<'a, Result<Changed, Error>> {
        Box::pin(async move {
            match Backend::change(self, change).await {
                Ok(mut changed) => {
                    let redactor = self.redactor(&change.secrets()).await;
                    pwchange_core::vendor_text::Redact::redact(&mut changed, &redactor);
                    Ok(changed)
                }
                Err(e) => {
                    let redactor = self.redactor(&change.secrets()).await;
                    Err(e.with_vendor(A::VENDOR).redact(&redactor))
                }
            }
        })
    }

    fn verify_password<'a>(
        &'a self,
        user_id: &'a str,
        login_name: Option<&'a str>,
        password: &'a Password,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            match Backend::verify_password(self, user_id, login_name, password).await {
                Ok(()) => Ok(()),
                Err(e) => {
                    let redactor = self.redactor(&[password.expose_secret()]).await;
                    Err(e.with_vendor(A::VENDOR).redact(&redactor))
                }
            }
        })
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
    A::config(common, &mut keys).map_err(|e| e.with_vendor(A::VENDOR))
}
