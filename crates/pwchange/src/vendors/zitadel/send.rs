//! The ZITADEL adapter: the checks before sending, the change, the login, the verification.

use std::convert::Infallible;

use pwchange_core::SecretToken;
use pwchange_core::classify::Verdict;
use pwchange_core::http::HttpConfig;
use pwchange_core::token::Auth;
use pwchange_core::vendor_text::{Redact, VendorText};
use pwchange_zitadel::{Client as Generated, ClientContext, types};
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, Confirmed, LoginTarget, login_refused};
use crate::config::{Common, Key, Keys};
use crate::transport::{Transport, verdict_of};
use crate::{
    CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password, PasswordChange,
    PasswordPolicy, PolicySource, Vendor,
};

use super::VENDOR;
use super::config::{self, ZitadelApi, ZitadelConfig, ZitadelProtocol};
use super::error::*;

/// What ZITADEL returned for a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct ZitadelDetails {
    /// The operation that made the change (`update_user`, `set_password` or `v1` in JSON).
    pub api: ZitadelApi,
    /// How it reached ZITADEL (`rest` or `connect`).
    pub protocol: ZitadelProtocol,
    /// The event sequence (`SetPassword` and v1 only). ZITADEL sends the uint64 as a string;
    /// it is parsed, and serialised as a JSON number. `None` too when it is not a number.
    pub sequence: Option<u64>,
    /// When the change happened (ZITADEL's RFC 3339 `changeDate`, in UTC; RFC 3339 in JSON).
    pub change_date: Option<chrono::DateTime<chrono::Utc>>,
    /// The organization or instance that owns the user (`SetPassword` and v1 only).
    pub resource_owner: Option<VendorText>,
}

impl Redact for ZitadelDetails {
    fn redact(&mut self, secrets: &pwchange_core::Redactor) {
        self.resource_owner.redact(secrets);
    }
}

pub(crate) struct ZitadelAdapter {
    api: ZitadelApi,
    protocol: ZitadelProtocol,
    organization_id: Option<String>,
}

pub(crate) enum ZitadelRequest {
    V1(String, types::SetHumanPasswordRequest),
    SetPassword(String, types::SetPasswordRequest),
    UpdateUser(String, types::HumanUpdate),
}

/// What the change's proof is: the current password, a reset's code, or none (admin set).
pub(super) enum Proof {
    Current(pwchange_core::BoundedPassword<1, 200>),
    Code(pwchange_core::BoundedPassword<1, 20>),
    None,
}

impl Proof {
    fn of(change: &PasswordChange, rule: &str) -> Result<Self, Error> {
        Ok(match change.mode() {
            Mode::SelfService => Proof::Current(
                change
                    .current_password()
                    .ok_or_else(|| {
                        Error::invalid_input("a self-service change needs the current password")
                    })?
                    .bounded("current password", rule)?,
            ),
            Mode::ResetWithCode => Proof::Code(
                change
                    .verification_code()
                    .ok_or_else(|| Error::invalid_input("a reset needs the verification code"))?
                    .bounded("verification code", rule)?,
            ),
            Mode::AdminSet { .. } => Proof::None,
        })
    }

    fn split(
        self,
    ) -> (
        Option<pwchange_core::BoundedPassword<1, 200>>,
        Option<pwchange_core::BoundedPassword<1, 20>>,
    ) {
        match self {
            Proof::Current(current) => (Some(current), None),
            Proof::Code(code) => (None, Some(code)),
            Proof::None => (None, None),
        }
    }
}

/// The Connect protocol version header's only value.
pub(super) const CONNECT_VERSION: &str = "1";

impl Adapter for ZitadelAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = config::KEYS;
    const VERIFICATION: &'static str = "creates a session with a user check and a password check (POST /v2/sessions; the token needs session.write), then deletes it";
    const VERIFICATION_USES_CREDENTIALS: bool = true;
    const MODES: &'static [ModeKind] = &[
        ModeKind::SelfService,
        ModeKind::AdminSet,
        ModeKind::ResetWithCode,
    ];
    const POLICY_API: bool = true;
    const POLICY: &'static str = "read from the settings service (GET /v2/settings/password/complexity; the token needs policy.read); lengths in bytes";
    type Config = ZitadelConfig;
    type Login = Infallible;
    type Request = ZitadelRequest;
    type Details = ZitadelDetails;

    fn config(common: Common, keys: &mut Keys) -> Result<ZitadelConfig, Error> {
        ZitadelConfig::from_keys(common, keys)
    }

    fn new(config: ZitadelConfig) -> Result<(Self, HttpConfig, Auth<Infallible>), Error> {
        if config.api != ZitadelApi::V1 && config.organization_id.is_some() {
            return Err(Error::invalid_input(
                "the ZITADEL organization id (x-zitadel-orgid) applies to the v1 API only",
            ));
        }
        if config.protocol == ZitadelProtocol::Connect && config.api != ZitadelApi::UpdateUser {
            return Err(Error::invalid_input(
                "the ZITADEL Connect protocol is supported for api update_user only",
            ));
        }
        let adapter = Self {
            api: config.api,
            protocol: config.protocol,
            organization_id: config.organization_id,
        };
        Ok((adapter, config.http, Auth::Token(config.token)))
    }

    /// 1..=200 characters from `A-Z a-z 0-9 . _ @ -`, not `.` or `..` (ids are numeric strings
    /// in practice). Anything else could change the request target or is not an id.
    fn user_id(id: &str) -> Result<String, Error> {
        let id = id.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-');
        if id.is_empty() || id.len() > 200 || !id.chars().all(allowed) || id == "." || id == ".." {
            return Err(Error::invalid_input(
                "ZITADEL user id is invalid: expected 1..=200 characters from A-Z a-z 0-9 . _ @ -, e.g. \"69629026806489455\"",
            ));
        }
        Ok(id.to_owned())
    }

    fn documented_policy() -> PasswordPolicy {
        PasswordPolicy {
            min_length: 8,
            max_length: Some(72),
            length_unit: LengthUnit::Bytes,
            min_lowercase: 1,
            min_uppercase: 1,
            min_digits: 1,
            min_symbols: 1,
            min_classes: 0,
            unchecked: Vec::new(),
            character_classes: CharacterClasses::Ascii,
            source: PolicySource::Documented {
                reference: "ZITADEL's default password complexity policy (cmd/defaults.yaml); bcrypt keeps 72 bytes".to_owned(),
            },
        }
    }

    fn prepare(&self, change: &PasswordChange, user_id: String) -> Result<ZitadelRequest, Error> {
        let change_required = matches!(
            change.mode(),
            Mode::AdminSet {
                require_change_at_next_login: true
            }
        );
        match self.api {
            ZitadelApi::V1 => {
                if change.mode().kind() != ModeKind::AdminSet {
                    return Err(Error::unsupported(format!(
                        "ZITADEL management v1 sets passwords administratively only; a {} change needs api update_user",
                        change.mode().kind()
                    )));
                }
                // The limits are the generated field's: the spec's minLength/maxLength.
                let body = types::SetHumanPasswordRequest {
                    password: change
                        .new_password()
                        .bounded("new password", "ZITADEL v1")?,
                    no_change_required: !change_required,
                };
                Ok(ZitadelRequest::V1(user_id, body))
            }
            ZitadelApi::SetPassword | ZitadelApi::UpdateUser => {
                let rule = "ZITADEL v2";
                let password = types::NewPassword {
                    password: change.new_password().bounded("new password", rule)?,
                    change_required,
                };
                let (current_password, verification_code) = Proof::of(change, rule)?.split();
                Ok(if self.api == ZitadelApi::SetPassword {
                    ZitadelRequest::SetPassword(
                        user_id,
                        types::SetPasswordRequest {
                            new_password: password,
                            current_password,
                            verification_code,
                        },
                    )
                } else {
                    ZitadelRequest::UpdateUser(
                        user_id,
                        types::HumanUpdate {
                            password: Some(types::SetPasswordOfUpdate {
                                password,
                                current_password,
                                verification_code,
                            }),
                        },
                    )
                })
            }
        }
    }

    async fn send(
        &self,
        transport: &Transport,
        token: &SecretToken,
        request: &ZitadelRequest,
    ) -> Result<Confirmed<ZitadelDetails>, Error> {
        let client = transport.client(
            Generated::new_with_client,
            ClientContext::bearer(token.clone()),
        );
        let (user_id, details) = match request {
            ZitadelRequest::V1(user_id, body) => {
                let response = transport
                    .call(|| {
                        let mut request = client
                            .set_human_password()
                            .user_id(user_id.as_str())
                            .body(body.clone());
                        if let Some(org) = &self.organization_id {
                            request = request.x_zitadel_orgid(org.clone());
                        }
                        Box::pin(request.send())
                    })
                    .await?;
                let d = response.into_inner().details;
                (
                    user_id,
                    d.map(|d| (d.sequence, d.change_date, d.resource_owner)),
                )
            }
            ZitadelRequest::SetPassword(user_id, body) => {
                let response = transport
                    .call(|| {
                        Box::pin(
                            client
                                .set_password()
                                .user_id(user_id.as_str())
                                .body(body.clone())
                                .send(),
                        )
                    })
                    .await?;
                let d = response.into_inner().details;
                (
                    user_id,
                    d.map(|d| (d.sequence, d.change_date, d.resource_owner)),
                )
            }
            ZitadelRequest::UpdateUser(user_id, human) => {
                let answer = match self.protocol {
                    ZitadelProtocol::Rest => {
                        let body = types::UpdateUserRequest {
                            human: human.clone(),
                        };
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
                            .await?
                    }
                    ZitadelProtocol::Connect => {
                        let body = types::ConnectUpdateUserRequest {
                            user_id: types::UserIdV2::try_from(user_id.as_str())
                                .map_err(|_| Error::invalid_input("ZITADEL user id is invalid"))?,
                            human: human.clone(),
                        };
                        transport
                            .call(|| {
                                Box::pin(
                                    client
                                        .connect_update_user()
                                        .connect_protocol_version(CONNECT_VERSION)
                                        .body(body.clone())
                                        .send(),
                                )
                            })
                            .await?
                    }
                };
                let change_date = answer.into_inner().change_date;
                (user_id, change_date.map(|date| (None, Some(date), None)))
            }
        };
        // proto3 JSON omits empty messages, so `{}` decodes: only the change's details (an event
        // written) confirm it.
        let Some((sequence, change_date, resource_owner)) =
            details.filter(|(seq, date, _)| seq.is_some() || date.is_some())
        else {
            return Err(Error::new(
                ErrorKind::OutcomeUnknown,
                "ZITADEL answered 200 without the change's details (sequence, change date); the change may or may not have been applied",
            )
            .with_status(Some(200)));
        };
        Ok(Confirmed::new(
            user_id.clone(),
            ZitadelDetails {
                api: self.api,
                protocol: self.protocol,
                sequence: sequence.and_then(|sequence| sequence.parse().ok()),
                change_date,
                resource_owner: resource_owner.map(VendorText::new),
            },
        ))
    }

    /// The complexity settings of the caller's organization, through REST or Connect.
    async fn read_policy(
        &self,
        transport: &Transport,
        token: &SecretToken,
    ) -> Result<Option<PasswordPolicy>, Error> {
        let client = transport.client(
            Generated::new_with_client,
            ClientContext::bearer(token.clone()),
        );
        let (operation, answer) = match self.protocol {
            ZitadelProtocol::Rest => (
                "GET /v2/settings/password/complexity",
                transport
                    .call(|| Box::pin(client.get_password_complexity_settings().send()))
                    .await?,
            ),
            ZitadelProtocol::Connect => (
                "POST /zitadel.settings.v2.SettingsService/GetPasswordComplexitySettings",
                transport
                    .call(|| {
                        Box::pin(
                            client
                                .connect_get_password_complexity_settings()
                                .connect_protocol_version(CONNECT_VERSION)
                                .body(types::GetPasswordComplexitySettingsRequest(
                                    serde_json::Map::new(),
                                ))
                                .send(),
                        )
                    })
                    .await?,
            ),
        };
        let settings = answer.into_inner().settings;
        policy_of(settings, operation).map(Some)
    }

    /// A session with a user check and a password check (`POST /v2/sessions`), deleted again.
    async fn verify(
        &self,
        transport: &Transport,
        token: Option<&SecretToken>,
        user: &LoginTarget,
        password: &Password,
    ) -> Result<(), Error> {
        let token = token.ok_or_else(|| {
            Error::unsupported("verifying a ZITADEL password needs the backend's token")
        })?;
        let client = transport.client(
            Generated::new_with_client,
            ClientContext::bearer(token.clone()),
        );
        let user_id = types::UserIdV2::try_from(user.user_id.as_str())
            .map_err(|_| Error::invalid_input("ZITADEL user id is invalid"))?;
        let body = types::CreateSessionRequest {
            checks: types::CreateSessionRequestChecks {
                user: types::CreateSessionRequestChecksUser { user_id },
                password: types::CreateSessionRequestChecksPassword {
                    password: password.bounded("new password", "ZITADEL v2")?,
                },
            },
        };
        let session = transport
            .call(|| Box::pin(client.create_session().body(body.clone()).send()))
            .await
            .map_err(|e| {
                // A locked user is refused the user's login, not the token's right to open
                // sessions: the password is what cannot be proven (and the breaker must not stop).
                if e.kind() == ErrorKind::PermissionDenied && e.vendor_mentions(LOCKED_IDS) {
                    e.reclassify(
                        ErrorKind::VerificationFailed,
                        "the vendor answered it as it answers a locked user",
                    )
                } else {
                    login_refused(e, &[ErrorKind::CurrentPasswordInvalid])
                }
            })?
            .into_inner();
        // The session proved the password; leaving it open would only clutter the user's
        // sessions, so a failed delete is logged, not reported.
        let deleted = transport
            .call(|| {
                Box::pin(
                    client
                        .delete_session()
                        .session_id(session.session_id.as_str())
                        .send(),
                )
            })
            .await;
        if let Err(e) = deleted {
            tracing::warn!(kind = ?e.kind(), "could not delete the verification session");
        }
        Ok(())
    }

    async fn login(&self, _: &Transport, login: &Infallible) -> Result<SecretToken, Error> {
        match *login {}
    }

    fn classify_bytes(status: u16, body: &[u8]) -> Verdict {
        // Connect bodies have a string `code`; grpc-gateway's an integer one.
        let connect = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .is_some_and(|v| v.get("code").is_some_and(serde_json::Value::is_string));
        if connect {
            verdict_of::<types::ConnectError>(status, body)
        } else {
            verdict_of::<types::RpcStatus>(status, body)
        }
    }
}

/// The facade's policy from ZITADEL's complexity settings (absent settings are refused: proto3
/// would omit them only if every field had its zero value, and `minLength` 0 is not allowed).
pub(super) fn policy_of(
    settings: Option<types::PasswordComplexitySettings>,
    operation: &str,
) -> Result<PasswordPolicy, Error> {
    let unexpected = |what: &str| {
        Error::new(
            ErrorKind::Unexpected,
            format!("ZITADEL's password complexity settings {what}"),
        )
    };
    let settings = settings.ok_or_else(|| unexpected("are missing from its answer"))?;
    let min_length = settings
        .min_length
        .as_ref()
        .and_then(|m| m.parse::<usize>().ok())
        .filter(|m| (1..=72).contains(m))
        .ok_or_else(|| unexpected("have no minLength in 1..=72"))?;
    Ok(PasswordPolicy {
        min_length,
        source: PolicySource::Vendor {
            operation: operation.to_owned(),
        },
        min_lowercase: usize::from(settings.requires_lowercase),
        min_uppercase: usize::from(settings.requires_uppercase),
        min_digits: usize::from(settings.requires_number),
        min_symbols: usize::from(settings.requires_symbol),
        min_classes: 0,
        unchecked: Vec::new(),
        ..ZitadelAdapter::documented_policy()
    })
}
