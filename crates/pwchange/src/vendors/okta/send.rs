//! The Okta adapter: the checks before sending, the user's own change, the administrator's set
//! (and the expiry that requires a change), the verification by primary authentication, and the
//! password policies.

use pwchange_core::classify::Verdict;
use pwchange_core::http::HttpConfig;
use pwchange_core::token::Auth;
use pwchange_core::vendor_text::VendorText;
use pwchange_core::{Outcome, SecretToken};
use pwchange_okta::{
    AuthorizationMode, Client as Generated, MAX_PASSWORD_CHARS, authn_status, types,
};
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, Confirmed, LoginTarget};
use crate::config::{Common, Key, Keys};
use crate::transport::{Transport, verdict_of};
use crate::{
    ChangeOperation, CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password,
    PasswordChange, PasswordPolicy, PolicySource, Vendor,
};

use super::VENDOR;
use super::config::{self, OktaConfig};
use super::error::{Operation, explain};

/// What Okta returned for a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct OktaDetails {
    /// `change_password` (the user's own, with the current password) or `update_user` (an
    /// administrator's set).
    pub operation: ChangeOperation,
    /// The user's status after the change, as Okta answered it (an administrative set).
    pub status: Option<VendorText>,
    /// The user's login (an administrative set's answer), what authentication names.
    pub login: Option<VendorText>,
    /// Whether the password was expired after the set, so that the user must change it.
    pub expired: bool,
}

impl pwchange_core::vendor_text::Redact for OktaDetails {
    fn redact(&mut self, secrets: &pwchange_core::Redactor) {
        for text in [&mut self.status, &mut self.login].into_iter().flatten() {
            text.redact(secrets);
        }
    }
}

/// A checked Okta request. No `Debug`: it holds passwords (which would not print).
pub(crate) enum OktaRequest {
    /// `POST /api/v1/users/{id}/credentials/change_password`.
    Change {
        user_id: String,
        body: types::ChangePasswordRequest,
    },
    /// `POST /api/v1/users/{id}`, then `lifecycle/expire_password` when `expire`.
    Set {
        user_id: String,
        body: types::UpdateUserRequest,
        expire: bool,
    },
}

pub(crate) struct OktaAdapter {
    mode: AuthorizationMode,
    strict: bool,
}

impl OktaAdapter {
    fn client(&self, transport: &Transport, token: Option<&SecretToken>) -> Generated {
        let context = match token {
            Some(token) => pwchange_okta::context(self.mode, token.clone()),
            None => pwchange_core::ClientContext::anonymous(),
        };
        transport.client(Generated::new_with_client, context)
    }

    /// The user's login, read from its record.
    async fn login_of(
        &self,
        transport: &Transport,
        token: &SecretToken,
        user_id: &str,
    ) -> Result<String, Error> {
        let client = self.client(transport, Some(token));
        let user = transport
            .call(|| Box::pin(client.get_user().id(user_id).send()))
            .await
            .map_err(|e| explain(e, Operation::Read))?
            .into_inner();
        user.profile.and_then(|p| p.login).ok_or_else(|| {
            Error::new(
                ErrorKind::Unexpected,
                "Okta's user record has no profile.login to authenticate with",
            )
            .with_status(Some(200))
        })
    }
}

impl Adapter for OktaAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = config::KEYS;
    const VERIFICATION: &'static str = "primary authentication (POST /api/v1/authn) with the user's login and the new password: SUCCESS or PASSWORD_EXPIRED (validated, then expired) prove it; a user with a second factor (MFA_REQUIRED, MFA_ENROLL) is not verifiable";
    const MODES: &'static [ModeKind] = &[ModeKind::SelfService, ModeKind::AdminSet];
    const POLICY_API: bool = true;
    const POLICY: &'static str = "read from the active password policies (GET /api/v1/policies?type=PASSWORD; okta.policies.read), the strictest of them (which applies to a user depends on its groups); at most 72 characters; the user name, history and common-password rules are named, not checked";
    type Config = OktaConfig;
    type Login = std::convert::Infallible;
    type Request = OktaRequest;
    type Details = OktaDetails;

    fn config(common: Common, keys: &mut Keys) -> Result<OktaConfig, Error> {
        OktaConfig::from_keys(common, keys)
    }

    fn new(config: OktaConfig) -> Result<(Self, HttpConfig, Auth<Self::Login>), Error> {
        let path = config.http.base_url().path().to_ascii_lowercase();
        if path.contains("/api/") || path.trim_end_matches('/').ends_with("/api") {
            return Err(Error::invalid_input(
                "the Okta base URL names a path of the API: give the org's URL (e.g. https://example.okta.com)",
            ));
        }
        let adapter = Self {
            mode: config.mode,
            strict: config.strict,
        };
        Ok((adapter, config.http, Auth::Token(config.token)))
    }

    /// An Okta user id (`00u…`) or login, sent as given.
    fn user_id(id: &str) -> Result<String, Error> {
        crate::adapter::path_segment_id(
            id,
            "Okta user id is invalid: expected the user's id (00u…) or login, without whitespace or any of / \\ ? # %",
        )
    }

    fn documented_policy() -> PasswordPolicy {
        PasswordPolicy {
            min_length: 8,
            max_length: Some(MAX_PASSWORD_CHARS),
            length_unit: LengthUnit::Characters,
            min_lowercase: 1,
            min_uppercase: 1,
            min_digits: 1,
            min_symbols: 0,
            min_classes: 0,
            unchecked: vec!["excludeUsername: no part of the user's login".to_owned()],
            character_classes: CharacterClasses::Ascii,
            source: PolicySource::Documented {
                reference: "Okta's default password policy (8 characters, a lowercase and an uppercase letter, a number, no part of the user name); at most 72 characters (the Users API's Password object)".to_owned(),
            },
        }
    }

    fn prepare(&self, change: &PasswordChange, user_id: String) -> Result<Self::Request, Error> {
        let characters = change.new_password().expose_secret().chars().count();
        if characters > MAX_PASSWORD_CHARS {
            return Err(Error::new(
                ErrorKind::PolicyViolation,
                format!(
                    "the new password has {characters} characters; Okta accepts at most {MAX_PASSWORD_CHARS}"
                ),
            ));
        }
        let new = types::NewPasswordCredential {
            value: change
                .new_password()
                .bounded("new password", "Okta's 72 characters")?,
        };
        match (change.mode(), change.current_password()) {
            (Mode::SelfService, Some(current)) => Ok(OktaRequest::Change {
                user_id,
                body: types::ChangePasswordRequest {
                    old_password: types::CurrentPasswordCredential {
                        value: current.bounded("current password", "Okta's password")?,
                    },
                    new_password: new,
                },
            }),
            (
                Mode::AdminSet {
                    require_change_at_next_login,
                },
                _,
            ) => Ok(OktaRequest::Set {
                user_id,
                body: types::UpdateUserRequest {
                    credentials: types::PasswordOnlyCredentials { password: new },
                },
                expire: require_change_at_next_login,
            }),
            _ => Err(Error::unsupported(
                "Okta changes a password with the current one (self-service) or sets it as an administrator; a reset with a verification code is not offered through its API",
            )),
        }
    }

    async fn send(
        &self,
        transport: &Transport,
        token: &SecretToken,
        request: &Self::Request,
    ) -> Result<Confirmed<OktaDetails>, Error> {
        let client = self.client(transport, Some(token));
        let strict = self.strict;
        match request {
            OktaRequest::Change { user_id, body } => {
                transport
                    .call(|| {
                        Box::pin(
                            client
                                .change_password()
                                .user_id(user_id.as_str())
                                .strict(strict)
                                .body(body.clone())
                                .send(),
                        )
                    })
                    .await
                    .map_err(|e| explain(e, Operation::Change))?;
                Ok(Confirmed::new(
                    user_id.clone(),
                    OktaDetails {
                        operation: ChangeOperation::ChangePassword,
                        status: None,
                        login: None,
                        expired: false,
                    },
                ))
            }
            OktaRequest::Set {
                user_id,
                body,
                expire,
            } => {
                let user = transport
                    .call(|| {
                        Box::pin(
                            client
                                .update_user()
                                .id(user_id.as_str())
                                .strict(strict)
                                .body(body.clone())
                                .send(),
                        )
                    })
                    .await
                    .map_err(|e| explain(e, Operation::Set))?
                    .into_inner();
                let mut status = user.status;
                if *expire {
                    // The password is set: whatever the expiry answers, it was applied.
                    let expired = transport
                        .call(|| Box::pin(client.expire_password().id(user_id.as_str()).send()))
                        .await
                        .map_err(|e| {
                            let e = explain(e, Operation::Expire);
                            let message = format!(
                                "Okta set the new password, but expiring it (so that the user must change it) failed: {}; expire it again (POST /api/v1/users/<id>/lifecycle/expire_password) or set the password once more",
                                e.message()
                            );
                            let kind = e.kind();
                            e.reclassify(kind, message).with_outcome(Outcome::Applied)
                        })?
                        .into_inner();
                    status = expired.status;
                }
                let login = user.profile.and_then(|p| p.login);
                Ok(Confirmed::new(
                    user_id.clone(),
                    OktaDetails {
                        operation: ChangeOperation::UpdateUser,
                        status: status.map(VendorText::new),
                        login: login.map(VendorText::new),
                        expired: *expire,
                    },
                ))
            }
        }
    }

    fn login_name(details: &OktaDetails) -> Option<String> {
        details.login.as_ref()?.to_send_back().map(str::to_owned)
    }

    /// Primary authentication with the user's login (its record's, when the change did not
    /// say it) and the new password.
    async fn verify(
        &self,
        transport: &Transport,
        token: Option<&SecretToken>,
        user: &LoginTarget,
        password: &Password,
    ) -> Result<(), Error> {
        let login = match (&user.login_name, token) {
            (Some(login), _) => login.clone(),
            (None, Some(token)) => self.login_of(transport, token, &user.user_id).await?,
            (None, None) => {
                return Err(Error::unsupported(
                    "verifying an Okta password by the user's id needs a token to read its login",
                ));
            }
        };
        let body = types::AuthnRequest {
            username: login
                .as_str()
                .try_into()
                .map_err(|_| Error::new(ErrorKind::Unexpected, "the user's login is empty"))?,
            password: password.bounded("new password", "Okta's password")?,
        };
        let client = self.client(transport, None);
        let answer = match transport
            .call(|| Box::pin(client.authenticate().body(body.clone()).send()))
            .await
        {
            Ok(answer) => answer.into_inner(),
            Err(e) if e.vendor_code_mentions(&[pwchange_okta::texts::AUTHENTICATION_FAILED]) => {
                return Err(e.reclassify(
                    ErrorKind::VerificationFailed,
                    "Okta refused primary authentication with the new password (401 E0000004: wrong credentials, or a lockout the policy does not show)",
                ));
            }
            Err(e) => return Err(e),
        };
        match answer.status.as_str() {
            authn_status::SUCCESS | authn_status::PASSWORD_WARN | authn_status::PASSWORD_EXPIRED => {
                Ok(())
            }
            authn_status::MFA_REQUIRED | authn_status::MFA_ENROLL | authn_status::MFA_CHALLENGE => {
                Err(Error::unsupported(
                    "the user has a second factor (Okta answered MFA_REQUIRED or MFA_ENROLL): primary authentication stops before a session, so pwchange does not count it as a verified login",
                ))
            }
            authn_status::LOCKED_OUT => Err(Error::new(
                ErrorKind::PermissionDenied,
                "Okta answered LOCKED_OUT: the user is locked out, which proves nothing about the password",
            )
            .with_status(Some(200))),
            _ => Err(Error::new(
                ErrorKind::Unexpected,
                "Okta answered primary authentication with a status pwchange does not read as a login",
            )
            .with_status(Some(200))),
        }
    }

    async fn login(&self, _: &Transport, login: &Self::Login) -> Result<SecretToken, Error> {
        match *login {}
    }

    /// The strictest of the active password policies: which one applies to a user depends on
    /// its groups and provider, which the management API does not resolve.
    async fn read_policy(
        &self,
        transport: &Transport,
        token: &SecretToken,
    ) -> Result<Option<PasswordPolicy>, Error> {
        let client = self.client(transport, Some(token));
        let policies = transport
            .call(|| {
                Box::pin(
                    client
                        .list_password_policies()
                        .type_(types::ListPasswordPoliciesType::Password)
                        .status(types::ListPasswordPoliciesStatus::Active)
                        .send(),
                )
            })
            .await
            .map_err(|e| explain(e, Operation::Read))?
            .into_inner();
        Ok(Some(strictest(&policies)))
    }

    fn classify_bytes(status: u16, body: &[u8]) -> Verdict {
        verdict_of::<types::Error>(status, body)
    }
}

/// The strictest reading of `policies`: the longest minimum, each class where any requires it,
/// and every rule no client can check named once. No policy: the documented default.
pub(super) fn strictest(policies: &[types::PasswordPolicy]) -> PasswordPolicy {
    let mut policy = OktaAdapter::documented_policy();
    let complexities: Vec<(&types::PasswordComplexity, Option<&types::PasswordAge>)> = policies
        .iter()
        .filter(|p| p.type_ == "PASSWORD")
        .filter_map(|p| {
            let password = p.settings.as_ref()?.password.as_ref()?;
            Some((password.complexity.as_ref()?, password.age.as_ref()))
        })
        .collect();
    if complexities.is_empty() {
        return policy;
    }
    let count = |value: Option<i64>| usize::try_from(value.unwrap_or(0)).unwrap_or(0);
    let mut unchecked: Vec<String> = Vec::new();
    let mut name = |rule: String| {
        if !unchecked.contains(&rule) {
            unchecked.push(rule);
        }
    };
    policy.min_length = 1;
    policy.min_lowercase = 0;
    policy.min_uppercase = 0;
    policy.min_digits = 0;
    for (complexity, age) in &complexities {
        policy.min_length = policy.min_length.max(count(complexity.min_length));
        policy.min_lowercase = policy.min_lowercase.max(count(complexity.min_lower_case));
        policy.min_uppercase = policy.min_uppercase.max(count(complexity.min_upper_case));
        policy.min_digits = policy.min_digits.max(count(complexity.min_number));
        policy.min_symbols = policy.min_symbols.max(count(complexity.min_symbol));
        if complexity.exclude_username == Some(true) {
            name("excludeUsername: no part of the user's login".to_owned());
        }
        if complexity
            .exclude_attributes
            .as_ref()
            .is_some_and(|a| !a.is_empty())
        {
            name("excludeAttributes: not the user's first or last name".to_owned());
        }
        if complexity
            .dictionary
            .as_ref()
            .and_then(|d| d.common.as_ref())
            .and_then(|c| c.exclude)
            == Some(true)
        {
            name("dictionary: not a common password".to_owned());
        }
        if let Some(max) = complexity.max_consecutive_characters.filter(|m| *m > 0) {
            name(format!(
                "maxConsecutiveCharacters: at most {max} identical characters in a row"
            ));
        }
        if let Some(history) = age.and_then(|a| a.history_count).filter(|h| *h > 0) {
            name(format!(
                "historyCount: not one of the last {history} passwords"
            ));
        }
        if let Some(minutes) = age.and_then(|a| a.min_age_minutes).filter(|m| *m > 0) {
            name(format!(
                "minAgeMinutes: a password changed less than {minutes} minutes ago cannot change (with strict)"
            ));
        }
    }
    policy.unchecked = unchecked;
    policy.source = PolicySource::Vendor {
        operation: format!(
            "GET /api/v1/policies?type=PASSWORD&status=ACTIVE (the strictest of {} policies)",
            complexities.len()
        ),
    };
    policy
}
