//! The one generic backend that runs every vendor's [`Adapter`]: the shared checks, the token
//! cache with a single re-login, the verification login and what it proves ([`crate::proof`]),
//! the redaction of everything a call hands back.

use pwchange_core::http::BoxFuture;
use pwchange_core::token::{Auth, TokenCache};
use pwchange_core::{Redactor, SecretToken};

use crate::adapter::{
    Adapter, Applied, Confirmed, LoginSecrets as _, LoginTarget, failed_before_the_change,
};
use crate::proof::{self, ChangeAnswer, LoginAnswer, Proven};
use crate::request::Verification;
use crate::transport::Transport;
use crate::{Error, ErrorKind, Password, PasswordChange, PasswordPolicy};

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

/// The error of a change whose verification login the vendor refused for the credentials
/// ([`LoginAnswer::CredentialsRefused`]) after `context` (what the change's answer said): the kind stays
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

/// The generic backend: shared checks, authentication, dispatch.
pub(crate) struct Backend<A: Adapter> {
    adapter: A,
    transport: Transport,
    auth: Auth<A::Login>,
    cache: TokenCache,
}

impl<A: Adapter> Backend<A> {
    pub(crate) fn new(config: A::Config) -> Result<Self, Error> {
        let (adapter, http, auth) = A::new(config).map_err(|e| e.with_vendor(A::VENDOR))?;
        Ok(Self {
            adapter,
            transport: Transport::new(A::VENDOR, &http)?,
            auth,
            cache: TokenCache::new(),
        })
    }

    /// The base URL requests go to (without a trailing slash).
    pub(crate) fn base_url(&self) -> &str {
        self.transport.base()
    }

    /// Every check of `change` that needs no vendor: the shared ones, the user id, the
    /// vendor's mode and password rules. Returns the canonical user id and the request.
    pub(crate) fn prepare(&self, change: &PasswordChange) -> Result<(String, A::Request), Error> {
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

    /// Changes the password as [`crate::Client::change_password`] documents: sends the change,
    /// then (when asked to verify) logs in once with the new password; [`proof::proven`] decides
    /// what the two answers prove, and this words it.
    pub(crate) async fn change(
        &self,
        change: &PasswordChange,
    ) -> Result<Applied<A::Details>, Error> {
        let (user_id, request) = self.prepare(change)?;
        let sent = self.send(&request).await;
        let answer = ChangeAnswer::of(&sent, |confirmed| confirmed.unverifiable.is_some());
        if !proof::needs_login(answer, change.verifies()) {
            return sent.map(Confirmed::into_applied);
        }
        let target = LoginTarget {
            user_id: user_id.clone(),
            login_name: change.login_name_hint().map(str::to_owned).or_else(|| {
                sent.as_ref()
                    .ok()
                    .and_then(|confirmed| A::login_name(&confirmed.details))
            }),
            mode: Some(change.mode().kind()),
            require_change: matches!(
                change.mode(),
                crate::Mode::AdminSet {
                    require_change_at_next_login: true
                }
            ),
        };
        let login = self.verify(&target, change.new_password()).await;
        let login_answer = LoginAnswer::of(&login, A::VERIFICATION_USES_CREDENTIALS);
        match (sent, login, proof::proven(answer, login_answer)) {
            (Ok(confirmed), _, Proven::Verified) => Ok(confirmed.verified()),
            (Err(_), _, Proven::Verified) => {
                tracing::info!("the outcome was unknown; a login with the new password settled it");
                Ok(Applied {
                    user_id,
                    details: None,
                    verification: Verification::Verified,
                })
            }
            (Ok(confirmed), Err(e), Proven::NotVerifiable) => {
                let mut applied = confirmed.into_applied();
                applied.verification = Verification::NotVerifiable {
                    reason: e.message().to_owned(),
                };
                Ok(applied)
            }
            (Ok(_), Err(e), Proven::PasswordRefused) => {
                let message = format!(
                    "the vendor confirmed the change, but {}: it does not accept the new password now (not applied, or applied to an account it will not log in, e.g. a locked one)",
                    e.message()
                );
                Err(e.reclassify(ErrorKind::VerificationFailed, message))
            }
            // A refusal after an answer that proved nothing proves nothing by itself: the outcome
            // stays unknown, with the refusal on record.
            (Err(unknown), Err(e), Proven::PasswordRefused) => {
                let message = format!(
                    "{} (outcome unknown), and {}: the vendor does not accept the new password now, and the outcome stays unknown",
                    unknown.message(),
                    e.message()
                );
                Err(unknown.reclassify(ErrorKind::VerificationFailed, message))
            }
            (Ok(_), Err(e), Proven::CredentialsRefused) => {
                Err(credentials_refused(e, "the vendor confirmed the change"))
            }
            (Err(unknown), Err(e), Proven::CredentialsRefused) => {
                let context = format!("{} (outcome unknown)", unknown.message());
                Err(credentials_refused(e, &context))
            }
            // A vendor's 200 alone has been wrong (a change without effect): where a login could
            // prove it, a login that proves nothing leaves it unknown.
            (Ok(_), Err(e), Proven::Unknown | Proven::UnknownUntilLoginAllowed) => {
                let message = format!(
                    "the vendor confirmed the change, but the login with the new password proved nothing ({}: {}): whether it holds the new password is unknown",
                    e.kind(),
                    e.message()
                );
                Err(e.reclassify(ErrorKind::OutcomeUnknown, message))
            }
            // A rate-limited login: its status and wait are what the caller needs to pace the next
            // try (which is a login, never a resend).
            (Err(unknown), Err(e), Proven::UnknownUntilLoginAllowed) => {
                let message = format!(
                    "{} (outcome unknown), and the login with the new password was rate limited ({}): the outcome stays unknown",
                    unknown.message(),
                    e.message()
                );
                Err(e.reclassify(ErrorKind::OutcomeUnknown, message))
            }
            (Err(unknown), login, _) => {
                if let Err(e) = login {
                    tracing::debug!(kind = ?e.kind(), "verification proved nothing; the outcome stays unknown");
                }
                Err(unknown)
            }
            // `AsAnswered` (never after a login), and what `proven` never gives for an accepted
            // login.
            (Ok(confirmed), _, _) => Ok(confirmed.into_applied()),
        }
    }

    /// Sends the request: without credentials when it carries its own proof, else with the
    /// backend's token or a (cached) login token.
    async fn send(&self, request: &A::Request) -> Result<Confirmed<A::Details>, Error> {
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
            // The configuration lacks what the request needs, as any missing setting.
            Auth::None => Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "no credentials are configured (a token or a login), and this {} request needs them; nothing was sent",
                    A::VENDOR
                ),
            )
            .with_vendor(A::VENDOR)
            .with_setting("token")),
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
    pub(crate) async fn policy(&self) -> Result<PasswordPolicy, Error> {
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
    pub(crate) async fn check_access(&self) -> Result<AccessCheck, Error> {
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
    /// secret, the adapter's own (a verification client's), the cached login token.
    pub(crate) async fn redactor(&self, passwords: &[&str]) -> Redactor {
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
        for secret in self.adapter.secrets() {
            redactor.add(secret);
        }
        if let Some(token) = self.cache.current().await {
            redactor.add(token.expose_secret());
        }
        redactor
    }

    /// One login as `target` with `password`. A login changes no password: an answer that would leave a
    /// change's outcome unknown (a `504`, a proxy's `503` page, a dropped connection) only says
    /// that the vendor could not be asked now ([`ErrorKind::Unavailable`], to try again).
    async fn verify(&self, target: &LoginTarget, password: &Password) -> Result<(), Error> {
        // A login's token when one is cached (the change just used it): a vendor that reads the
        // user's login name from its record needs it when the change's answer was lost.
        let cached = match &self.auth {
            Auth::Login(_) => self.cache.current().await,
            Auth::None | Auth::Token(_) => None,
        };
        let token = match &self.auth {
            Auth::Token(token) => Some(token),
            Auth::None | Auth::Login(_) => cached.as_ref(),
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

    pub(crate) async fn verify_password(
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
