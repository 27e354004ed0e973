//! The Entra ID adapter: the checks before sending, the administrator's reset, the user's own
//! change after its own password login, the verification by that login, and the application's
//! client-credentials login.

use pwchange_core::classify::Verdict;
use pwchange_core::http::{BoxFuture, HttpConfig};
use pwchange_core::token::Auth;
use pwchange_core::{ClientContext, SecretToken, UnboundedPassword};
use pwchange_entra::{
    Client as Generated, Grant, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, aadsts, types,
};
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, Confirmed, LoginTarget, failed_before_the_change};
use crate::config::{Common, Key, Keys};
use crate::transport::{Transport, verdict_of};
use crate::{
    ChangeOperation, CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password,
    PasswordChange, PasswordPolicy, PolicySource, Vendor,
};

use super::VENDOR;
use super::config::{self, EntraAuth, EntraConfig, EntraLoginClient};
use super::error::{Operation, explain, login_cannot_prove, says};

/// What Graph returned for a change: `204` and no body, either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct EntraDetails {
    /// `change_password` (the user's own, `/me/changePassword`) or `update_user` (an
    /// administrator's `passwordProfile` reset).
    pub operation: ChangeOperation,
    /// Whether the reset requires a change at the next sign-in
    /// (`forceChangePasswordNextSignIn`).
    pub force_change_next_sign_in: bool,
}

/// Nothing in it is the vendor's text.
impl pwchange_core::vendor_text::Redact for EntraDetails {
    fn redact(&mut self, _: &pwchange_core::Redactor) {}
}

/// A checked Entra request. No `Debug`: it holds passwords (which would not print).
pub(crate) enum EntraRequest {
    /// The user's own password login with the current password, then `/me/changePassword`.
    OwnChange {
        user_principal_name: String,
        current: UnboundedPassword,
        body: types::ChangePasswordRequest,
    },
    /// `PATCH /v1.0/users/{id}` with `passwordProfile`.
    Reset {
        user_id: String,
        body: types::UpdateUserRequest,
    },
}

pub(crate) struct EntraAdapter {
    tenant: Option<String>,
    login_client: Option<EntraLoginClient>,
    authority: String,
}

impl EntraAdapter {
    fn graph(&self, transport: &Transport, token: &SecretToken) -> Generated {
        transport.client(
            Generated::new_with_client,
            ClientContext::bearer(token.clone()),
        )
    }

    /// The token endpoint at the authority, with `grant`.
    async fn token(&self, transport: &Transport, grant: &Grant<'_>) -> Result<SecretToken, Error> {
        let Some(tenant) = &self.tenant else {
            return Err(Error::invalid_input(
                "an Entra ID login needs the tenant: set tenant (its id or a domain)",
            ));
        };
        let form = grant
            .form()
            .map_err(|e| Error::invalid_input(format!("an Entra ID login: {e}")))?;
        let client = transport.client_at(
            &self.authority,
            Generated::new_with_client,
            ClientContext::anonymous(),
        );
        Ok(transport
            .call(|| {
                Box::pin(
                    client
                        .token()
                        .tenant(tenant.as_str())
                        .body(form.clone())
                        .send(),
                )
            })
            .await
            .map_err(|e| {
                // The token endpoint answers its own errors with 400 or 401: a 404 is a path
                // the authority does not serve, never a user.
                if e.status() == Some(404) {
                    e.reclassify(
                        ErrorKind::InvalidInput,
                        "the authority answered 404: check authority (https://login.microsoftonline.com, or a national cloud's) and tenant",
                    )
                } else {
                    e
                }
            })?
            .into_inner()
            .access_token)
    }

    /// The user's own password login through the login application: its delegated token.
    async fn user_login(
        &self,
        transport: &Transport,
        user_principal_name: &str,
        password: &UnboundedPassword,
    ) -> Result<SecretToken, Error> {
        let Some(client) = &self.login_client else {
            return Err(Error::unsupported(
                "a user's password login needs the application it goes through: set login_client_id (an application that allows public client flows) and tenant",
            ));
        };
        let grant = Grant::Password {
            client_id: &client.client_id,
            client_secret: client.client_secret.as_ref(),
            username: user_principal_name,
            password,
        };
        self.token(transport, &grant).await
    }

    /// The user's principal name (and whether it may sign in), from its record.
    async fn principal_name(
        &self,
        transport: &Transport,
        token: &SecretToken,
        user_id: &str,
    ) -> Result<(String, bool), Error> {
        let client = self.graph(transport, token);
        let user = transport
            .call(|| {
                Box::pin(
                    client
                        .get_user()
                        .user_id(user_id)
                        .select("id,userPrincipalName,accountEnabled")
                        .send(),
                )
            })
            .await
            .map_err(|e| explain(e, Operation::Read))?
            .into_inner();
        let name = user.user_principal_name.ok_or_else(|| {
            Error::new(
                ErrorKind::Unexpected,
                "Graph's user record has no userPrincipalName to log in with",
            )
            .with_status(Some(200))
        })?;
        Ok((name, user.account_enabled != Some(false)))
    }

    /// A user's own change: its password login with the current password (which proves it),
    /// then `/me/changePassword` with that login's token.
    async fn change_own(
        &self,
        transport: &Transport,
        user_principal_name: &str,
        current: &UnboundedPassword,
        body: &types::ChangePasswordRequest,
    ) -> Result<Confirmed<EntraDetails>, Error> {
        let session = self
            .user_login(transport, user_principal_name, current)
            .await
            .map_err(|e| {
                if says(&e, aadsts::INVALID_USERNAME_OR_PASSWORD) {
                    e.reclassify(
                        ErrorKind::CurrentPasswordInvalid,
                        "the identity platform refused the login with the current password (AADSTS50126); the change was not sent",
                    )
                } else if let Some(reason) = login_cannot_prove(&e) {
                    let message = format!(
                        "the user's own change needs its password login, which failed: {reason}; the change was not sent (an administrator can reset the password instead)"
                    );
                    let kind = if e.kind() == ErrorKind::Unauthenticated {
                        ErrorKind::Unauthenticated
                    } else {
                        ErrorKind::PermissionDenied
                    };
                    e.reclassify(kind, message)
                } else {
                    failed_before_the_change(e, "the login with the current password")
                }
            })?;
        // The session's token is no secret the backend knows: an answer that echoes it is
        // cleaned of it here.
        let mut session_secret = pwchange_core::Redactor::new();
        session_secret.add(session.expose_secret());
        let client = self.graph(transport, &session);
        transport
            .call(|| Box::pin(client.change_password().body(body.clone()).send()))
            .await
            .map_err(|e| explain(e, Operation::OwnChange).redact(&session_secret))?;
        Ok(Confirmed::new(
            user_principal_name,
            EntraDetails {
                operation: ChangeOperation::ChangePassword,
                force_change_next_sign_in: false,
            },
        ))
    }
}

/// A user principal name: `user@domain`.
fn is_principal_name(id: &str) -> bool {
    id.split_once('@')
        .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'))
}

impl Adapter for EntraAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = config::KEYS;
    const VERIFICATION: &'static str = "the user's password login (the resource owner password credentials grant at the authority, through login_client_id); users with multi-factor authentication, a federated sign-in, a disabled account or a required password change are not verifiable";
    const MODES: &'static [ModeKind] = &[ModeKind::SelfService, ModeKind::AdminSet];
    const POLICY: &'static str = "documented only (Graph has no API for it): 8 to 256 characters, three of the four classes, no Unicode; banned passwords and the last password are named, not checked";
    type Config = EntraConfig;
    type Login = (String, SecretToken, String);
    type Request = EntraRequest;
    type Details = EntraDetails;

    fn config(common: Common, keys: &mut Keys) -> Result<EntraConfig, Error> {
        EntraConfig::from_keys(common, keys)
    }

    fn new(config: EntraConfig) -> Result<(Self, HttpConfig, Auth<Self::Login>), Error> {
        let path = config.http.base_url().path().to_ascii_lowercase();
        if path.trim_end_matches('/').ends_with("/v1.0") || path.contains("/v1.0/") {
            return Err(Error::invalid_input(
                "the Entra ID base URL ends with /v1.0: give the Graph endpoint without it (pwchange adds /v1.0), e.g. https://graph.microsoft.com",
            ));
        }
        let auth = match config.auth {
            EntraAuth::None => Auth::None,
            EntraAuth::Token(token) => Auth::Token(token),
            EntraAuth::ClientCredentials {
                client_id,
                client_secret,
            } => {
                let tenant = config.tenant.clone().ok_or_else(|| {
                    Error::invalid_input(
                        "client credentials need the tenant: set tenant (its id or a domain)",
                    )
                })?;
                Auth::Login((client_id, client_secret, tenant))
            }
        };
        let adapter = Self {
            tenant: config.tenant,
            login_client: config.login_client,
            authority: config.authority,
        };
        Ok((adapter, config.http, auth))
    }

    /// An object id (a GUID) or a user principal name, sent as given.
    fn user_id(id: &str) -> Result<String, Error> {
        let id = id.trim();
        if id.starts_with('$') {
            return Err(Error::invalid_input(
                "an Entra ID user principal name that begins with $ cannot be addressed by path: give the user's object id",
            ));
        }
        let prohibited = |c: char| c.is_whitespace() || c.is_control() || "/\\?%".contains(c);
        if id.is_empty() || id == "." || id == ".." || id.chars().any(prohibited) {
            return Err(Error::invalid_input(
                "Entra ID user id is invalid: expected the user's object id (a GUID) or user principal name, without whitespace or any of / \\ ? %",
            ));
        }
        Ok(id.to_owned())
    }

    fn documented_policy() -> PasswordPolicy {
        PasswordPolicy {
            min_length: MIN_PASSWORD_CHARS,
            max_length: Some(MAX_PASSWORD_CHARS),
            length_unit: LengthUnit::Characters,
            min_lowercase: 0,
            min_uppercase: 0,
            min_digits: 0,
            min_symbols: 0,
            min_classes: 3,
            unchecked: vec![
                "banned passwords: not on Microsoft's global or the tenant's custom list".to_owned(),
                "no Unicode characters (A-Z a-z 0-9, the listed symbols and space)".to_owned(),
                "a change: not the user's last password".to_owned(),
            ],
            character_classes: CharacterClasses::Ascii,
            source: PolicySource::Documented {
                reference: "Password policies and account restrictions in Microsoft Entra ID (learn.microsoft.com/entra/identity/authentication/concept-sspr-policy)".to_owned(),
            },
        }
    }

    fn prepare(&self, change: &PasswordChange, user_id: String) -> Result<Self::Request, Error> {
        let characters = change.new_password().expose_secret().chars().count();
        if characters > MAX_PASSWORD_CHARS {
            return Err(Error::new(
                ErrorKind::PolicyViolation,
                format!(
                    "the new password has {characters} characters; Entra ID accepts at most {MAX_PASSWORD_CHARS}"
                ),
            ));
        }
        let new = change
            .new_password()
            .bounded("new password", "Entra ID's 256 characters")?;
        match (change.mode(), change.current_password()) {
            (Mode::SelfService, Some(current)) => {
                if self.login_client.is_none() {
                    return Err(Error::unsupported(
                        "an Entra ID user's own change needs its password login: set login_client_id (an application that allows public client flows, with the delegated User-PasswordProfile.ReadWrite.All) and tenant",
                    ));
                }
                let name = change
                    .login_name_hint()
                    .map(str::to_owned)
                    .unwrap_or_else(|| user_id.clone());
                if !is_principal_name(&name) {
                    return Err(Error::invalid_input(
                        "an Entra ID user's own change logs in with the user principal name (user@domain): give it as the user id or the login name",
                    ));
                }
                if current.expose_secret().trim() != current.expose_secret() {
                    return Err(Error::unsupported(
                        "the current password begins or ends with a space, which the identity platform's password login does not take: an administrator can reset it instead",
                    ));
                }
                Ok(EntraRequest::OwnChange {
                    user_principal_name: name,
                    current: UnboundedPassword::any(current.expose_secret()),
                    body: types::ChangePasswordRequest {
                        current_password: current
                            .bounded("current password", "Entra ID's password")?,
                        new_password: new,
                    },
                })
            }
            (
                Mode::AdminSet {
                    require_change_at_next_login,
                },
                _,
            ) => Ok(EntraRequest::Reset {
                user_id,
                body: types::UpdateUserRequest {
                    password_profile: types::PasswordProfile {
                        password: new,
                        force_change_password_next_sign_in: Some(require_change_at_next_login),
                    },
                },
            }),
            _ => Err(Error::unsupported(
                "Entra ID changes a password with the current one (self-service) or resets it as an administrator; a reset with a verification code is its self-service password reset, which has no API",
            )),
        }
    }

    fn send_self_proving<'a>(
        &'a self,
        transport: &'a Transport,
        request: &'a Self::Request,
    ) -> Option<BoxFuture<'a, Result<Confirmed<EntraDetails>, Error>>> {
        match request {
            EntraRequest::OwnChange {
                user_principal_name,
                current,
                body,
            } => Some(Box::pin(self.change_own(
                transport,
                user_principal_name,
                current,
                body,
            ))),
            EntraRequest::Reset { .. } => None,
        }
    }

    async fn send(
        &self,
        transport: &Transport,
        token: &SecretToken,
        request: &Self::Request,
    ) -> Result<Confirmed<EntraDetails>, Error> {
        match request {
            EntraRequest::Reset { user_id, body } => {
                let client = self.graph(transport, token);
                transport
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
                    .map_err(|e| explain(e, Operation::Reset))?;
                Ok(Confirmed::new(
                    user_id.clone(),
                    EntraDetails {
                        operation: ChangeOperation::UpdateUser,
                        force_change_next_sign_in: body
                            .password_profile
                            .force_change_password_next_sign_in
                            == Some(true),
                    },
                ))
            }
            EntraRequest::OwnChange {
                user_principal_name,
                current,
                body,
            } => {
                self.change_own(transport, user_principal_name, current, body)
                    .await
            }
        }
    }

    /// The user's password login with the new password, through the login application.
    async fn verify(
        &self,
        transport: &Transport,
        token: Option<&SecretToken>,
        user: &LoginTarget,
        password: &Password,
    ) -> Result<(), Error> {
        if self.login_client.is_none() {
            return Err(Error::unsupported(
                "verifying an Entra ID password needs the user's password login: set login_client_id (an application that allows public client flows) and tenant",
            ));
        }
        if password.expose_secret().trim() != password.expose_secret() {
            return Err(Error::unsupported(
                "the new password begins or ends with a space, which the identity platform's password login does not take",
            ));
        }
        let name = match (&user.login_name, token) {
            (Some(name), _) if is_principal_name(name) => name.clone(),
            _ if is_principal_name(&user.user_id) => user.user_id.clone(),
            (_, Some(token)) => {
                let (name, enabled) = self.principal_name(transport, token, &user.user_id).await?;
                if !enabled {
                    return Err(Error::unsupported(
                        "the user is disabled (accountEnabled false): it cannot sign in",
                    ));
                }
                name
            }
            (_, None) => {
                return Err(Error::unsupported(
                    "verifying an Entra ID password by the user's object id needs a token to read its user principal name",
                ));
            }
        };
        let password = UnboundedPassword::any(password.expose_secret());
        match self.user_login(transport, &name, &password).await {
            Ok(_) => Ok(()),
            Err(e) if says(&e, aadsts::INVALID_USERNAME_OR_PASSWORD) => Err(e.reclassify(
                ErrorKind::VerificationFailed,
                "the identity platform refused a login with the new password (AADSTS50126)",
            )),
            Err(e) if says(&e, aadsts::LOCKED) => Err(e.reclassify(
                ErrorKind::PermissionDenied,
                "the account is locked (AADSTS50053: smart lockout, or a blocked address); it proves nothing about the password",
            )),
            Err(e) => match login_cannot_prove(&e) {
                Some(reason) => Err(Error::unsupported(reason)),
                None => Err(e),
            },
        }
    }

    async fn login(
        &self,
        transport: &Transport,
        (client_id, client_secret, _tenant): &(String, SecretToken, String),
    ) -> Result<SecretToken, Error> {
        let grant = Grant::ClientCredentials {
            client_id,
            client_secret,
        };
        self.token(transport, &grant)
            .await
            .map_err(|e| explain(e, Operation::AppLogin))
    }

    fn classify_bytes(status: u16, body: &[u8]) -> Verdict {
        verdict_of::<types::GraphError>(status, body)
    }
}
