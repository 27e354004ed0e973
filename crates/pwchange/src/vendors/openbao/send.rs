//! The OpenBao adapter: the checks before sending, the change (an administrator's set, or a
//! user's own after a login with its current password), the login, the verification.

use pwchange_core::classify::Verdict;
use pwchange_core::http::{BoxFuture, HttpConfig};
use pwchange_core::token::Auth;
use pwchange_core::{SecretToken, UnboundedPassword};
use pwchange_openbao::{BCRYPT_MAX_BYTES, Client as Generated, types};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, Confirmed, LoginTarget, failed_before_the_change};
use crate::config::{Common, Key, Keys};
use crate::transport::{Transport, verdict_of};
use crate::{
    ChangeOperation, CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password,
    PasswordChange, PasswordPolicy, PolicySource, Vendor,
};

use super::VENDOR;
use super::config::{self, OpenbaoAuth, OpenbaoConfig};
use super::error::{Operation, explain, login_refused};

/// What OpenBao returned for a change: `204` and no body, either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct OpenbaoDetails {
    /// `change_password` (the user's own token, after a login with the current password) or
    /// `update_user` (an administrator's token).
    pub operation: ChangeOperation,
}

/// Nothing in it is the vendor's text.
impl pwchange_core::vendor_text::Redact for OpenbaoDetails {
    fn redact(&mut self, _: &pwchange_core::Redactor) {}
}

/// A checked OpenBao request. No `Debug`: it holds passwords (which would not print).
pub(crate) enum OpenbaoRequest {
    /// The user logs in with `current`, then sets its own password with that login's token.
    OwnChange {
        username: String,
        current: UnboundedPassword,
        body: types::PasswordRequest,
    },
    /// An administrator's token sets the password.
    Set {
        username: String,
        body: types::PasswordRequest,
    },
}

pub(crate) struct OpenbaoAdapter {
    mount: String,
    namespace: Option<String>,
    has_credentials: bool,
}

impl OpenbaoAdapter {
    fn client(
        &self,
        transport: &Transport,
        token: Option<SecretToken>,
    ) -> Result<Generated, Error> {
        // The namespace was checked with the configuration; a failure here is never sent
        // without it.
        let context = pwchange_openbao::context(token, self.namespace.as_deref())
            .map_err(|e| Error::invalid_input(e.to_string()))?;
        Ok(transport.client(Generated::new_with_client, context))
    }

    /// `POST /v1/auth/<mount>/login/<username>`: the token, when the server issued it to this
    /// user. A token the answer names for another user is revoked and refused.
    async fn log_in(
        &self,
        transport: &Transport,
        username: &str,
        password: &str,
    ) -> Result<SecretToken, Error> {
        let client = self.client(transport, None)?;
        let body = types::LoginRequest {
            password: pwchange_core::BoundedPassword::new(password)
                .map_err(|_| Error::invalid_input("an empty password cannot log in to OpenBao"))?,
        };
        let answer = transport
            .call(|| {
                Box::pin(
                    client
                        .login()
                        .mount(self.mount.as_str())
                        .username(username)
                        .body(body.clone())
                        .send(),
                )
            })
            .await
            .map_err(|e| explain(e, Operation::Login))?
            .into_inner();
        let token = answer.auth.client_token;
        let named = answer.auth.metadata.and_then(|m| m.username);
        if named.is_some_and(|name| !name.eq_ignore_ascii_case(username)) {
            self.revoke(transport, token).await;
            return Err(Error::new(
                ErrorKind::Unexpected,
                "OpenBao issued the login's token to another user; it proves nothing",
            )
            .with_status(Some(200)));
        }
        Ok(token)
    }

    /// `POST /v1/auth/token/revoke-self`: a login's token revokes itself, so that no live token
    /// of the user outlasts the check. Best effort: the token expires on its own.
    async fn revoke(&self, transport: &Transport, token: SecretToken) {
        let Ok(client) = self.client(transport, Some(token)) else {
            return;
        };
        if let Err(e) = transport
            .call::<_, types::Error>(|| Box::pin(client.revoke_self().send()))
            .await
        {
            tracing::debug!(kind = ?e.kind(), "the login's token was not revoked; it expires on its own");
        }
    }

    /// `POST /v1/auth/<mount>/users/<username>/password` with `token`.
    async fn set(
        &self,
        transport: &Transport,
        token: &SecretToken,
        username: &str,
        body: &types::PasswordRequest,
        operation: Operation,
    ) -> Result<(), Error> {
        let client = self.client(transport, Some(token.clone()))?;
        transport
            .call(|| {
                Box::pin(
                    client
                        .set_password()
                        .mount(self.mount.as_str())
                        .username(username)
                        .body(body.clone())
                        .send(),
                )
            })
            .await
            .map_err(|e| explain(e, operation))?;
        Ok(())
    }

    /// A user's own change: its login with the current password (which proves it), the set with
    /// that login's token, then the token revoked.
    async fn change_own(
        &self,
        transport: &Transport,
        username: &str,
        current: &UnboundedPassword,
        body: &types::PasswordRequest,
    ) -> Result<Confirmed<OpenbaoDetails>, Error> {
        let session = self
            .log_in(transport, username, current.expose_secret())
            .await
            .map_err(|e| {
                if login_refused(&e) {
                    e.reclassify(
                        ErrorKind::CurrentPasswordInvalid,
                        "OpenBao refused the login with the current password: it is wrong, or the user does not exist (it answers both alike); the change was not sent",
                    )
                } else {
                    failed_before_the_change(e, "the login with the current password")
                }
            })?;
        // The session's token is no secret the backend knows: an answer that echoes it (a proxy's
        // page quoting the request's headers) is cleaned of it here.
        let mut session_secret = pwchange_core::Redactor::new();
        session_secret.add(session.expose_secret());
        let set = self
            .set(transport, &session, username, body, Operation::OwnSet)
            .await
            .map_err(|e| e.redact(&session_secret));
        self.revoke(transport, session).await;
        set?;
        Ok(Confirmed::new(
            username,
            OpenbaoDetails {
                operation: ChangeOperation::ChangePassword,
            },
        ))
    }
}

impl Adapter for OpenbaoAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = config::KEYS;
    const VERIFICATION: &'static str = "logs in (POST /v1/auth/<mount>/login/<user>) with the new password, then revokes that login's token (revoke-self)";
    const MODES: &'static [ModeKind] = &[ModeKind::SelfService, ModeKind::AdminSet];
    const POLICY: &'static str = "documented only: userpass has no password policy; bcrypt hashes at most 72 bytes and the server refuses more";
    type Config = OpenbaoConfig;
    type Login = (String, SecretString);
    type Request = OpenbaoRequest;
    type Details = OpenbaoDetails;

    fn config(common: Common, keys: &mut Keys) -> Result<OpenbaoConfig, Error> {
        OpenbaoConfig::from_keys(common, keys)
    }

    fn new(config: OpenbaoConfig) -> Result<(Self, HttpConfig, Auth<Self::Login>), Error> {
        let path = config.http.base_url().path().to_ascii_lowercase();
        if path.trim_end_matches('/').ends_with("/v1") || path.contains("/v1/") {
            return Err(Error::invalid_input(
                "the OpenBao base URL ends with /v1: give the server's address without it (pwchange adds /v1), e.g. https://vault.example.com:8200",
            ));
        }
        let auth = match config.auth {
            OpenbaoAuth::None => Auth::None,
            OpenbaoAuth::Token(token) => Auth::Token(token),
            OpenbaoAuth::Login { username, password } => Auth::Login((username, password)),
        };
        let adapter = Self {
            mount: config.mount,
            namespace: config.namespace,
            has_credentials: !matches!(auth, Auth::None),
        };
        Ok((adapter, config.http, auth))
    }

    /// userpass's user name in lower case ([`config::userpass_name`]).
    fn user_id(id: &str) -> Result<String, Error> {
        config::userpass_name(id).ok_or_else(|| {
            Error::invalid_input(
                "OpenBao userpass user name is invalid: expected letters, digits and _, with - . @ inside, e.g. alice or svc.backup@corp",
            )
        })
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
                reference: "userpass has no password policy (OpenBao and Vault); its bcrypt hash takes at most 72 bytes, and the server refuses a longer password".to_owned(),
            },
        }
    }

    fn prepare(&self, change: &PasswordChange, user_id: String) -> Result<Self::Request, Error> {
        let new = change.new_password().expose_secret();
        if new.len() > BCRYPT_MAX_BYTES {
            return Err(Error::new(
                ErrorKind::PolicyViolation,
                format!(
                    "the new password is {} bytes long; at most {BCRYPT_MAX_BYTES} are allowed: userpass hashes it with bcrypt, which refuses more",
                    new.len()
                ),
            ));
        }
        let body = types::PasswordRequest {
            password: change
                .new_password()
                .bounded("new password", "userpass's bcrypt limit")?,
        };
        match (change.mode(), change.current_password()) {
            (Mode::SelfService, Some(current)) => Ok(OpenbaoRequest::OwnChange {
                username: user_id,
                current: UnboundedPassword::any(current.expose_secret()),
                body,
            }),
            (
                Mode::AdminSet {
                    require_change_at_next_login,
                },
                _,
            ) => {
                if require_change_at_next_login {
                    return Err(Error::unsupported(
                        "OpenBao's userpass cannot require a change at the next login: set the password without it",
                    ));
                }
                if !self.has_credentials {
                    return Err(Error::invalid_input(
                        "an OpenBao administrative set needs a token that may update auth/<mount>/users/<user>/password, or an administrator's username and password: set token (or token_file), or username and password",
                    ));
                }
                Ok(OpenbaoRequest::Set {
                    username: user_id,
                    body,
                })
            }
            _ => Err(Error::unsupported(
                "OpenBao's userpass changes a password with the current one (self-service) or sets it with an administrator's token; it has no reset with a verification code",
            )),
        }
    }

    fn send_self_proving<'a>(
        &'a self,
        transport: &'a Transport,
        request: &'a Self::Request,
    ) -> Option<BoxFuture<'a, Result<Confirmed<OpenbaoDetails>, Error>>> {
        match request {
            OpenbaoRequest::OwnChange {
                username,
                current,
                body,
            } => Some(Box::pin(
                self.change_own(transport, username, current, body),
            )),
            OpenbaoRequest::Set { .. } => None,
        }
    }

    async fn send(
        &self,
        transport: &Transport,
        token: &SecretToken,
        request: &Self::Request,
    ) -> Result<Confirmed<OpenbaoDetails>, Error> {
        match request {
            OpenbaoRequest::Set { username, body } => {
                self.set(transport, token, username, body, Operation::Set)
                    .await?;
                Ok(Confirmed::new(
                    username.clone(),
                    OpenbaoDetails {
                        operation: ChangeOperation::UpdateUser,
                    },
                ))
            }
            OpenbaoRequest::OwnChange {
                username,
                current,
                body,
            } => self.change_own(transport, username, current, body).await,
        }
    }

    /// A login as the user with the new password, its token then revoked.
    async fn verify(
        &self,
        transport: &Transport,
        _token: Option<&SecretToken>,
        user: &LoginTarget,
        password: &Password,
    ) -> Result<(), Error> {
        match self
            .log_in(transport, &user.user_id, password.expose_secret())
            .await
        {
            Ok(token) => {
                self.revoke(transport, token).await;
                Ok(())
            }
            Err(e) if login_refused(&e) => Err(e.reclassify(
                ErrorKind::VerificationFailed,
                "OpenBao refused a login with the new password (it answers a wrong password and an unknown user alike)",
            )),
            Err(e) => Err(e),
        }
    }

    async fn login(
        &self,
        transport: &Transport,
        login: &(String, SecretString),
    ) -> Result<SecretToken, Error> {
        self.log_in(transport, &login.0, login.1.expose_secret())
            .await
            .map_err(|e| {
                if login_refused(&e) {
                    e.reclassify(
                        ErrorKind::Unauthenticated,
                        "OpenBao refused the administrator's login: a wrong user name or password (on the configured mount)",
                    )
                } else {
                    e
                }
            })
    }

    fn classify_bytes(status: u16, body: &[u8]) -> Verdict {
        verdict_of::<types::Error>(status, body)
    }
}
