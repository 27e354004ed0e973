//! The Keystone adapter: the checks before sending, the change, the login, the verification.

use pwchange_core::SecretToken;
use pwchange_core::classify::Verdict;
use pwchange_core::http::{BoxFuture, HttpConfig};
use pwchange_core::token::Auth;
use pwchange_keystone::{Client as Generated, LoginScope, LoginUser, types};
use secrecy::ExposeSecret as _;
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, Confirmed, LoginTarget};
use crate::config::{Common, Key, Keys};
use crate::transport::{Transport, verdict_of};
use crate::{
    ChangeOperation, CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password,
    PasswordChange, PasswordPolicy, PolicySource, Vendor,
};

use super::VENDOR;
use super::config::{self, BCRYPT_MAX_BYTES, KeystoneAuth, KeystoneConfig, KeystoneLogin};
use super::error::{AUTH_RECEIPT, Operation, explain, password_expired};

/// What Keystone returned for a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct KeystoneDetails {
    /// `change_password` (self-service, `204`) or `update_user` (administrative set).
    pub operation: ChangeOperation,
    /// For an administrative set, the user record's `password_expires_at` (Keystone writes UTC
    /// without a zone): set when the server expires the password (a required change,
    /// `password_expires_days`). `None` also when the server sent something that is not a
    /// timestamp (logged as a warning).
    pub password_expires_at: Option<chrono::NaiveDateTime>,
}

/// Nothing in it is the vendor's text.
impl pwchange_core::vendor_text::Redact for KeystoneDetails {
    fn redact(&mut self, _: &pwchange_core::Redactor) {}
}

/// Keystone's timestamps: `2024-06-13T06:45:02.000000` (UTC, no zone), with or without the
/// fraction; or RFC 3339 with a zone (`Z`, `+02:00`), read as UTC.
pub(super) fn keystone_time(text: &str) -> Option<chrono::NaiveDateTime> {
    let parsed = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| {
            chrono::DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|time| time.naive_utc())
        });
    if parsed.is_none() {
        // Not silently: `None` alone would read as "the password does not expire".
        tracing::warn!(
            "Keystone's password_expires_at is not a timestamp; left out of the details"
        );
    }
    parsed
}

/// A checked Keystone request.
pub(crate) enum KeystoneRequest {
    /// `POST /v3/users/{id}/password`: the original password is the proof.
    Change(String, types::PasswordChangeRequest),
    /// `PATCH /v3/users/{id}` with an administrator's token.
    Set(String, types::UserUpdateRequest),
}

pub(crate) struct KeystoneAdapter {
    pub(super) has_credentials: bool,
    pub(super) max_password_bytes: usize,
    pub(super) bcrypt: bool,
    pub(super) first_use: bool,
}

impl KeystoneAdapter {
    fn client(transport: &Transport, token: Option<&SecretToken>) -> Generated {
        transport.client(
            Generated::new_with_client,
            pwchange_keystone::context(token.cloned()),
        )
    }

    async fn send_with(
        &self,
        transport: &Transport,
        token: Option<&SecretToken>,
        request: &KeystoneRequest,
    ) -> Result<Confirmed<KeystoneDetails>, Error> {
        let client = Self::client(transport, token);
        match request {
            KeystoneRequest::Change(user_id, body) => {
                transport
                    .call(|| {
                        Box::pin(
                            client
                                .change_password()
                                .user_id(user_id.as_str())
                                .body(body.clone())
                                .send(),
                        )
                    })
                    .await
                    .map_err(|e| explain(e, Operation::Change))?;
                Ok(Confirmed::new(
                    user_id.clone(),
                    KeystoneDetails {
                        operation: ChangeOperation::ChangePassword,
                        password_expires_at: None,
                    },
                ))
            }
            KeystoneRequest::Set(user_id, body) => {
                let updated = transport
                    .call(|| {
                        Box::pin(
                            client
                                .update_user()
                                .user_id(user_id.as_str())
                                .body(body.clone())
                                .send(),
                        )
                    })
                    .await
                    .map_err(|e| explain(e, Operation::Set))?
                    .into_inner();
                if !updated.user.id.eq_ignore_ascii_case(user_id) {
                    return Err(Error::new(
                        ErrorKind::OutcomeUnknown,
                        "Keystone answered the update with another user's record; whether the password changed is unknown",
                    )
                    .with_status(Some(200)));
                }
                let mut changed = Confirmed::new(
                    user_id.clone(),
                    KeystoneDetails {
                        operation: ChangeOperation::UpdateUser,
                        password_expires_at: updated
                            .user
                            .password_expires_at
                            .as_deref()
                            .and_then(keystone_time),
                    },
                );
                if updated.user.enabled == Some(false) {
                    // Keystone refuses a disabled user's login before it checks the password.
                    changed.unverifiable = Some(
                        "the user is disabled: Keystone refuses every login of a disabled user before checking the password".to_owned(),
                    );
                }
                Ok(changed)
            }
        }
    }
}

impl Adapter for KeystoneAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = config::KEYS;
    const VERIFICATION: &'static str = "logs in (POST /v3/auth/tokens, unscoped) by user id, then revokes the token; \"password is expired\" after a set that required a change, and a multi-factor receipt, prove the password too (Keystone checks it first); a disabled user is not verifiable";
    const MODES: &'static [ModeKind] = &[ModeKind::SelfService, ModeKind::AdminSet];
    const POLICY: &'static str = "documented only (the server's password_regex is not readable through the API): 1 to 72 bytes with bcrypt (configurable), the regex's refusals are reported as the server words them";
    type Config = KeystoneConfig;
    type Login = KeystoneLogin;
    type Request = KeystoneRequest;
    type Details = KeystoneDetails;

    fn config(common: Common, keys: &mut Keys) -> Result<KeystoneConfig, Error> {
        KeystoneConfig::from_keys(common, keys)
    }

    fn new(config: KeystoneConfig) -> Result<(Self, HttpConfig, Auth<Self::Login>), Error> {
        let path = config.http.base_url().path().trim_end_matches('/');
        if path.ends_with("/v3") || path.ends_with("/v3.0") {
            return Err(Error::invalid_input(
                "the Keystone base URL ends with /v3: give the endpoint without it (pwchange adds /v3), e.g. https://keystone.example.com:5000",
            ));
        }
        let auth = match config.auth {
            KeystoneAuth::None => Auth::None,
            KeystoneAuth::Token(token) => Auth::Token(token),
            KeystoneAuth::Login(login) => Auth::Login(login),
        };
        let max_password_bytes = if config.bcrypt {
            config.max_password_length.min(BCRYPT_MAX_BYTES)
        } else {
            config.max_password_length
        };
        let adapter = Self {
            has_credentials: !matches!(auth, Auth::None),
            max_password_bytes,
            bcrypt: config.bcrypt,
            first_use: config.first_use,
        };
        Ok((adapter, config.http, auth))
    }

    /// Keystone's `id_string`: 1 to 64 ASCII letters, digits and hyphens, kept as given (an
    /// LDAP-backed id may be case-sensitive).
    fn user_id(id: &str) -> Result<String, Error> {
        let id = id.trim();
        let valid = (1..=64).contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid {
            return Err(Error::invalid_input(
                "Keystone user id is invalid: expected 1 to 64 letters, digits or hyphens, e.g. 5c3fe506fca642dfab7fd8df0d8a8e66",
            ));
        }
        Ok(id.to_owned())
    }

    fn documented_policy() -> PasswordPolicy {
        PasswordPolicy {
            min_length: 1,
            max_length: Some(BCRYPT_MAX_BYTES),
            length_unit: LengthUnit::Bytes,
            min_lowercase: 0,
            min_uppercase: 0,
            min_digits: 0,
            min_symbols: 0,
            min_classes: 0,
            unchecked: Vec::new(),
            character_classes: CharacterClasses::Unicode,
            source: PolicySource::Documented {
                reference: "Keystone's defaults: no password_regex, bcrypt hashing (72 bytes count); a deployment's [security_compliance] password_regex is not readable through the API".to_owned(),
            },
        }
    }

    /// The configured hashing sets the maximum.
    fn configured_policy(&self) -> Option<PasswordPolicy> {
        let mut policy = Self::documented_policy();
        policy.max_length = Some(self.max_password_bytes);
        if !self.bcrypt || self.max_password_bytes != BCRYPT_MAX_BYTES {
            policy.source = PolicySource::Documented {
                reference: "the configured password_hash_algorithm and max_password_length (bytes); a deployment's [security_compliance] password_regex is not readable through the API".to_owned(),
            };
        }
        Some(policy)
    }

    fn prepare(&self, change: &PasswordChange, user_id: String) -> Result<Self::Request, Error> {
        let new = change.new_password().expose_secret();
        if new.len() > self.max_password_bytes {
            let why = if self.bcrypt && self.max_password_bytes == BCRYPT_MAX_BYTES {
                "Keystone hashes with bcrypt, which keeps only the first 72 bytes and would silently drop the rest (set password_hash_algorithm if the server hashes otherwise)"
            } else {
                "the configured max_password_length"
            };
            return Err(Error::new(
                ErrorKind::PolicyViolation,
                format!(
                    "the new password is {} bytes long; at most {} are allowed: {why}",
                    new.len(),
                    self.max_password_bytes
                ),
            ));
        }
        let password = change
            .new_password()
            .bounded("new password", "Keystone's max_password_length")?;
        match (change.mode(), change.current_password()) {
            (Mode::SelfService, Some(current)) => Ok(KeystoneRequest::Change(
                user_id,
                types::PasswordChangeRequest {
                    user: types::PasswordChange {
                        password,
                        original_password: pwchange_core::UnboundedPassword::any(
                            current.expose_secret(),
                        ),
                    },
                },
            )),
            (
                Mode::AdminSet {
                    require_change_at_next_login,
                },
                _,
            ) => {
                if !self.has_credentials {
                    return Err(Error::invalid_input(
                        "a Keystone administrative set needs an administrator's token or login: set token, or username and password with project_name or system_scope",
                    ));
                }
                match (require_change_at_next_login, self.first_use) {
                    (true, false) => Err(Error::unsupported(
                        "Keystone requires a change at next login only when the server has [security_compliance] change_password_upon_first_use = true; if it has, set change_password_upon_first_use = true",
                    )),
                    (false, true) => Err(Error::unsupported(
                        "this Keystone expires every administratively set password (change_password_upon_first_use): set it with a change required at next login, or exempt the user with Keystone's ignore_change_password_upon_first_use option",
                    )),
                    _ => Ok(KeystoneRequest::Set(
                        user_id,
                        types::UserUpdateRequest {
                            user: types::UserUpdate {
                                password,
                                options: None,
                            },
                        },
                    )),
                }
            }
            _ => Err(Error::unsupported(
                "Keystone changes a password with the original one (self-service) or sets it as an administrator; it has no reset with a verification code",
            )),
        }
    }

    fn send_self_proving<'a>(
        &'a self,
        transport: &'a Transport,
        request: &'a Self::Request,
    ) -> Option<BoxFuture<'a, Result<Confirmed<KeystoneDetails>, Error>>> {
        match request {
            KeystoneRequest::Change(..) => Some(Box::pin(self.send_with(transport, None, request))),
            KeystoneRequest::Set(..) => None,
        }
    }

    async fn send(
        &self,
        transport: &Transport,
        token: &SecretToken,
        request: &Self::Request,
    ) -> Result<Confirmed<KeystoneDetails>, Error> {
        self.send_with(transport, Some(token), request).await
    }

    /// An unscoped login by user id with the new password. Keystone checks the password before
    /// its expiry, so "the password is expired" proves it as well as a token does.
    async fn verify(
        &self,
        transport: &Transport,
        _token: Option<&SecretToken>,
        user: &LoginTarget,
        password: &Password,
    ) -> Result<(), Error> {
        let client = Self::client(transport, None);
        let request = pwchange_keystone::auth_request(
            &LoginUser::Id(user.user_id.clone()),
            pwchange_core::UnboundedPassword::any(password.expose_secret()),
            &LoginScope::Unscoped,
        );
        let logged_in = transport
            .call(|| Box::pin(pwchange_keystone::log_in(&client, &request)))
            .await;
        match logged_in {
            Ok((token, token_user)) if token_user.id.eq_ignore_ascii_case(&user.user_id) => {
                if user.require_change {
                    tracing::warn!(
                        "Keystone accepted the new password without requiring a change: the server lacks change_password_upon_first_use, or the user is exempt"
                    );
                }
                revoke(transport, token).await;
                Ok(())
            }
            Ok((token, _)) => {
                revoke(transport, token).await;
                Err(Error::new(
                    ErrorKind::Unexpected,
                    "Keystone issued the verification token to another user; it proves nothing",
                ))
            }
            // Keystone checks the password before the expiry and before multi-factor rules.
            Err(e) if e.kind() == ErrorKind::Unauthenticated && password_expired(&e) => {
                if user.require_change || user.mode.is_none() {
                    Ok(())
                } else {
                    Err(Error::unsupported(
                        "Keystone holds the new password but expired it at once: the user must change it at the next login, which the change did not ask for (the server has change_password_upon_first_use: configure change_password_upon_first_use = true)",
                    ))
                }
            }
            Err(e) if e.kind() == ErrorKind::Unauthenticated && e.vendor_mentions(AUTH_RECEIPT) => {
                tracing::debug!(
                    "Keystone answered with a multi-factor auth receipt, issued after the password was checked"
                );
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::Unauthenticated => Err(e.reclassify(
                ErrorKind::VerificationFailed,
                "Keystone refused a login with the new password (a wrong password, or the account is locked or disabled: Keystone answers alike)",
            )),
            Err(e) => Err(explain(e, Operation::Login)),
        }
    }

    async fn login(
        &self,
        transport: &Transport,
        login: &KeystoneLogin,
    ) -> Result<SecretToken, Error> {
        let client = Self::client(transport, None);
        let request = pwchange_keystone::auth_request(
            &LoginUser::Name {
                name: login.username.clone(),
                domain_id: login.user_domain_id.clone(),
            },
            pwchange_core::UnboundedPassword::any(login.password.expose_secret()),
            &login.scope,
        );
        let (token, _) = transport
            .call(|| Box::pin(pwchange_keystone::log_in(&client, &request)))
            .await
            .map_err(|e| {
                if e.kind() == ErrorKind::Unauthenticated && password_expired(&e) {
                    e.reclassify(
                        ErrorKind::Unauthenticated,
                        "Keystone refused the administrator's login: its password is expired and must be changed first",
                    )
                } else {
                    explain(e, Operation::Login)
                }
            })?;
        Ok(token)
    }

    fn classify_bytes(status: u16, body: &[u8]) -> Verdict {
        verdict_of::<types::Error>(status, body)
    }
}

/// The administrator's login from the settings.
/// Revokes a verification login's token (`DELETE /v3/auth/tokens`, the token revoking itself),
/// so that no live token of the user outlasts the check. Best effort: the password is proved
/// either way, and the token expires on its own.
pub(super) async fn revoke(transport: &Transport, token: SecretToken) {
    let client = transport.client(
        Generated::new_with_client,
        pwchange_keystone::revoking_context(token),
    );
    if let Err(e) = transport
        .call::<_, types::Error>(|| Box::pin(client.revoke_token().send()))
        .await
    {
        tracing::debug!(kind = ?e.kind(), "the verification token was not revoked; it expires on its own");
    }
}
