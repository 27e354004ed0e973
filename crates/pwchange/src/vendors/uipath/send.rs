//! The UiPath adapter: the checks before sending, the change, the login, the verification.

use pwchange_core::SecretToken;
use pwchange_core::classify::{Verdict, answer_error};
use pwchange_core::http::{Answer, HttpConfig};
use pwchange_core::token::Auth;
use pwchange_uipath::{Client as Generated, ClientContext, types};
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, Confirmed, LoginTarget};
use crate::config::{Common, Key, Keys};
use crate::transport::{Transport, verdict_of};
use crate::{
    ChangeOperation, CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password,
    PasswordChange, PasswordPolicy, PolicySource, Vendor,
};

use super::VENDOR;
use super::config::{self, UipathAuth, UipathConfig};
use super::error::*;

/// What UiPath returned for a change: `{succeeded: true}`, and which operation made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct UipathDetails {
    /// `change_password` (self-service, `POST …/changepassword`) or `update_user`
    /// (administrative set, `PUT /api/User/{id}`).
    pub operation: ChangeOperation,
}

/// Nothing in it is the vendor's text.
impl pwchange_core::vendor_text::Redact for UipathDetails {
    fn redact(&mut self, _: &pwchange_core::Redactor) {}
}

pub(crate) struct UipathAdapter {
    organization_id: Option<uuid::Uuid>,
}

/// A checked UiPath request.
pub(crate) enum UipathRequest {
    /// Self-service: `POST /api/User/{userId}/changepassword` with the old password.
    Change(uuid::Uuid, types::ChangeUserPasswordCommand),
    /// Administrative set: `GET /api/User/{userId}`, then `PUT` with the password and the
    /// fields read.
    Set(uuid::Uuid, pwchange_core::UnboundedPassword),
}

/// The setting that holds the password policy.
pub(super) const COMPLEXITY_KEY: &str = "Auth.Password.PasswordComplexity";

impl Adapter for UipathAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = config::KEYS;
    const VERIFICATION: &'static str = "none: UiPath Identity's public API has no password login, so changes are reported as not verifiable";
    const MODES: &'static [ModeKind] = &[ModeKind::SelfService, ModeKind::AdminSet];
    const POLICY_API: bool = true;
    const POLICY: &'static str = "read from the setting Auth.Password.PasswordComplexity (GET /api/Setting; scope PM.Setting.Read); lengths in UTF-16 units";
    type Config = UipathConfig;
    type Login = (String, SecretToken, String);
    type Request = UipathRequest;
    type Details = UipathDetails;

    fn config(common: Common, keys: &mut Keys) -> Result<UipathConfig, Error> {
        UipathConfig::from_keys(common, keys)
    }

    fn new(config: UipathConfig) -> Result<(Self, HttpConfig, Auth<Self::Login>), Error> {
        let auth = match config.auth {
            UipathAuth::Token(token) => Auth::Token(token),
            UipathAuth::ClientCredentials {
                client_id,
                client_secret,
                scope,
            } => Auth::Login((client_id, client_secret, scope)),
        };
        let adapter = Self {
            organization_id: config.organization_id,
        };
        Ok((adapter, config.http, auth))
    }

    /// A UUID, in lowercase hyphenated form (braces, case and `urn:uuid:` are accepted).
    fn user_id(id: &str) -> Result<String, Error> {
        uuid::Uuid::try_parse(id.trim())
            .map(|u| u.hyphenated().to_string())
            .map_err(|_| {
                Error::invalid_input(
                    "UiPath user id is invalid: expected a UUID, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6",
                )
            })
    }

    fn documented_policy() -> PasswordPolicy {
        PasswordPolicy {
            min_length: 8,
            max_length: None,
            length_unit: LengthUnit::Utf16Units,
            min_lowercase: 1,
            min_uppercase: 0,
            min_digits: 1,
            min_symbols: 0,
            min_classes: 0,
            unchecked: Vec::new(),
            // ASP.NET Core Identity's validator: 'a'-'z', 'A'-'Z', '0'-'9', and a symbol is
            // anything else.
            character_classes: CharacterClasses::Ascii,
            source: PolicySource::Documented {
                reference: "UiPath Identity's default password complexity (8 characters, a lowercase letter, a digit)".to_owned(),
            },
        }
    }

    fn prepare(&self, change: &PasswordChange, user_id: String) -> Result<Self::Request, Error> {
        let user_id = uuid::Uuid::try_parse(&user_id)
            .map_err(|_| Error::invalid_input("UiPath user id is invalid: expected a UUID"))?;
        let new_password =
            pwchange_core::UnboundedPassword::any(change.new_password().expose_secret());
        match change.mode() {
            Mode::SelfService => Ok(UipathRequest::Change(
                user_id,
                types::ChangeUserPasswordCommand {
                    old_password: change
                        .current_password()
                        .map(|p| pwchange_core::UnboundedPassword::any(p.expose_secret())),
                    new_password: Some(new_password),
                },
            )),
            Mode::AdminSet {
                require_change_at_next_login: false,
            } => Ok(UipathRequest::Set(user_id, new_password)),
            Mode::AdminSet {
                require_change_at_next_login: true,
            } => Err(Error::unsupported(
                "UiPath's user update has no \"change at next login\" flag for one user (the organization's setting Auth.Password.ShouldChangePasswordAfterFirstLogin applies)",
            )),
            Mode::ResetWithCode => Err(Error::unsupported(
                "UiPath Identity's public API has no reset with a verification code; use an administrative set",
            )),
        }
    }

    async fn send(
        &self,
        transport: &Transport,
        token: &SecretToken,
        request: &Self::Request,
    ) -> Result<Confirmed<UipathDetails>, Error> {
        let client = transport.client(
            Generated::new_with_client,
            ClientContext::bearer(token.clone()),
        );
        let (operation, user_id, result) = match request {
            UipathRequest::Change(user_id, body) => (
                ChangeOperation::ChangePassword,
                user_id,
                transport
                    .call(|| {
                        Box::pin(
                            client
                                .change_user_password()
                                .user_id(*user_id)
                                .body(body.clone())
                                .send(),
                        )
                    })
                    .await?
                    .into_inner(),
            ),
            UipathRequest::Set(user_id, password) => {
                let user = read_user(transport, &client, *user_id).await?;
                // What the read and the update share, so that a full replacement keeps the user
                // as it was (never `email`: UiPath refuses email changes).
                let body = types::UpdateUserCommand {
                    password: Some(password.clone()),
                    name: user.name,
                    surname: user.surname,
                    display_name: user.display_name,
                    is_active: user.is_active,
                    bypass_basic_auth_restriction: user.bypass_basic_auth_restriction,
                    invitation_accepted: user.invitation_accepted,
                };
                (
                    ChangeOperation::UpdateUser,
                    user_id,
                    transport
                        .call(|| {
                            Box::pin(
                                client
                                    .update_user()
                                    .user_id(*user_id)
                                    .body(body.clone())
                                    .send(),
                            )
                        })
                        .await?
                        .into_inner(),
                )
            }
        };
        match result.succeeded {
            Some(true) => {
                return Ok(Confirmed::new(
                    user_id.to_string(),
                    UipathDetails { operation },
                ));
            }
            Some(false) => {}
            // A 200 that says neither: nothing confirms the change.
            None => {
                return Err(Error::new(
                    ErrorKind::OutcomeUnknown,
                    "UiPath answered 200 without `succeeded`; the change may or may not have been applied",
                )
                .with_status(Some(200)));
            }
        }
        // A 200 that is a refusal (`succeeded: false`).
        let answer = Answer::<()> {
            status: 200,
            body: None,
            text: None,
            retry_after: None,
        };
        Err(answer_error(
            VENDOR,
            &answer,
            identity_errors(200, result.errors.as_deref().unwrap_or_default()),
        ))
    }

    /// The setting `Auth.Password.PasswordComplexity` (UiPath's default when it was never set).
    async fn read_policy(
        &self,
        transport: &Transport,
        token: &SecretToken,
    ) -> Result<Option<PasswordPolicy>, Error> {
        let client = transport.client(
            Generated::new_with_client,
            ClientContext::bearer(token.clone()),
        );
        let settings = transport
            .call(|| {
                let mut request = client.get_settings().key(COMPLEXITY_KEY);
                if let Some(organization) = self.organization_id {
                    request = request.partition_global_id(organization);
                }
                Box::pin(request.send())
            })
            .await?
            .into_inner();
        let value = settings
            .iter()
            .find(|s| {
                s.key
                    .as_deref()
                    .is_some_and(|k| k.eq_ignore_ascii_case(COMPLEXITY_KEY))
            })
            .and_then(|s| s.value.clone());
        policy_of(value.as_deref()).map(Some)
    }

    async fn login(
        &self,
        transport: &Transport,
        (client_id, client_secret, scope): &Self::Login,
    ) -> Result<SecretToken, Error> {
        let client = transport.client(Generated::new_with_client, ClientContext::anonymous());
        transport
            .call(|| {
                Box::pin(pwchange_uipath::client_credentials_token(
                    &client,
                    client_id,
                    client_secret,
                    scope,
                ))
            })
            .await
    }

    async fn verify(
        &self,
        _: &Transport,
        _: Option<&SecretToken>,
        _: &LoginTarget,
        _: &Password,
    ) -> Result<(), Error> {
        Err(Error::unsupported(
            "UiPath Identity's public API has no password login, so a change cannot be verified",
        ))
    }

    fn classify_bytes(status: u16, body: &[u8]) -> Verdict {
        // The 200 refusal and the token endpoint's error, then the change's own error body.
        if let Ok(result) = serde_json::from_slice::<types::IdentityResult>(body) {
            let _ = identity_errors(status, result.errors.as_deref().unwrap_or_default());
        }
        let _ = verdict_of::<types::OAuthError>(status, body);
        verdict_of::<types::ChangePasswordProblem>(status, body)
    }
}

/// The user before an administrative set. Its failure means the change was not sent, whatever
/// its answer left open.
pub(super) async fn read_user(
    transport: &Transport,
    client: &Generated,
    user_id: uuid::Uuid,
) -> Result<types::UserDto, Error> {
    let user = transport
        .call(|| Box::pin(client.get_user().user_id(user_id).send()))
        .await
        .map_err(|e| crate::adapter::failed_before_the_change(e, "reading the user"))?
        .into_inner();
    if user.id.is_some_and(|id| id != user_id) {
        return Err(Error::new(
            ErrorKind::Unexpected,
            "UiPath answered the read of the user with another user; the change was not sent",
        ));
    }
    Ok(user)
}

/// The facade's policy from the setting's value: a JSON object (a string in the setting) with
/// `hasSpecialCharacter`, `hasLowercase`, `hasUppercase`, `hasDigit` and `Length` (a number or
/// a numeric string; keys in any case). No value: the organization never set it, so UiPath's
/// default applies.
pub(super) fn policy_of(value: Option<&str>) -> Result<PasswordPolicy, Error> {
    let operation = "GET /api/Setting (Auth.Password.PasswordComplexity)";
    let Some(value) = value else {
        return Ok(PasswordPolicy {
            source: PolicySource::Vendor {
                operation: format!("{operation}: not set, UiPath's default"),
            },
            ..UipathAdapter::documented_policy()
        });
    };
    let unexpected = |what: &str| {
        Error::new(
            ErrorKind::Unexpected,
            format!("UiPath's setting Auth.Password.PasswordComplexity {what}"),
        )
    };
    let object = serde_json::from_str::<serde_json::Value>(value)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .ok_or_else(|| unexpected("is not a JSON object"))?;
    let field = |name: &str| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    };
    let flag = |name: &str| -> Result<bool, Error> {
        match field(name) {
            None => Ok(false),
            Some(serde_json::Value::Bool(b)) => Ok(*b),
            Some(serde_json::Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
            Some(serde_json::Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(unexpected(&format!("has a {name} that is not a boolean"))),
        }
    };
    let length = match field("Length") {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
    .and_then(|n| usize::try_from(n).ok())
    .filter(|n| (1..=256).contains(n))
    .ok_or_else(|| unexpected("has no Length in 1..=256"))?;
    Ok(PasswordPolicy {
        min_length: length,
        min_lowercase: usize::from(flag("hasLowercase")?),
        min_uppercase: usize::from(flag("hasUppercase")?),
        min_digits: usize::from(flag("hasDigit")?),
        min_symbols: usize::from(flag("hasSpecialCharacter")?),
        min_classes: 0,
        unchecked: Vec::new(),
        source: PolicySource::Vendor {
            operation: operation.to_owned(),
        },
        ..UipathAdapter::documented_policy()
    })
}
