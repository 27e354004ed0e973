//! ZITADEL: user service v2 `UpdateUser` (every mode; REST or the Connect protocol), and the
//! deprecated v2 `SetPassword` and management v1 `SetHumanPassword` for older servers; the
//! password policy from the settings service.

use std::convert::Infallible;

use pwchange_core::SecretToken;
use pwchange_core::classify::{Facts, Rule, Status, Verdict, When, classify};
use pwchange_core::http::{Answer, HttpConfig};
use pwchange_core::token::Auth;
use pwchange_core::vendor_text::{Redact, VendorText};
use pwchange_zitadel::{Client as Generated, ClientContext, types};
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, Confirmed, LoginTarget, login_refused};
use crate::config::{Common, Key, Keys};
use crate::transport::{Transport, VendorError, verdict_of};
use crate::{
    CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password, PasswordChange,
    PasswordPolicy, PolicySource, Vendor,
};

const VENDOR: Vendor = Vendor::Zitadel;

/// Which ZITADEL operation changes the password.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ZitadelApi {
    /// User service v2 `UpdateUser` (`PATCH /v2/users/{userId}`), ZITADEL's recommended call:
    /// self-service, reset with a verification code, administrative set; 1..=200 characters.
    #[default]
    UpdateUser,
    /// User service v2 `SetPassword` (`POST /v2/users/{userId}/password`; deprecated by ZITADEL
    /// in favour of `UpdateUser`): the same modes, for servers without `UpdateUser`.
    SetPassword,
    /// Management API v1 `SetHumanPassword` (deprecated by ZITADEL): administrative set only,
    /// 1..=72 characters, optional organization header.
    V1,
}

/// How requests reach ZITADEL.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ZitadelProtocol {
    /// REST through grpc-gateway (`PATCH /v2/users/{userId}`).
    #[default]
    Rest,
    /// The Connect protocol, as ZITADEL's own SDKs call it
    /// (`POST /zitadel.user.v2.UserService/UpdateUser`): for servers that expose `UpdateUser`
    /// only that way. `UpdateUser` and the policy read only.
    Connect,
}

/// Configuration of a ZITADEL backend.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_ZITADEL_<KEY>`): the [common
/// keys](crate::COMMON_KEYS), `token` (a personal access token or OAuth access token; required),
/// `api` (`update_user`, the default; `set_password`, also spelled `v2`; or `v1`), `protocol`
/// (`rest`, the default, or `connect`; `connect` needs `update_user`) and `organization_id` (v1
/// only).
#[derive(Debug, Clone)]
pub struct ZitadelConfig {
    http: HttpConfig,
    token: SecretToken,
    api: ZitadelApi,
    protocol: ZitadelProtocol,
    organization_id: Option<String>,
}

impl ZitadelConfig {
    /// An `UpdateUser` configuration over REST for the instance at `base_url` (e.g.
    /// `https://my-instance.zitadel.cloud`).
    pub fn new(base_url: &str, token: SecretToken) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            token,
            api: ZitadelApi::UpdateUser,
            protocol: ZitadelProtocol::Rest,
            organization_id: None,
        })
    }

    /// Which operation to call.
    pub fn api(mut self, api: ZitadelApi) -> Self {
        self.api = api;
        self
    }

    /// REST or the Connect protocol.
    pub fn protocol(mut self, protocol: ZitadelProtocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// The organization of the user (v1 `x-zitadel-orgid`), when it is not the caller's.
    pub fn organization_id(mut self, organization_id: impl Into<String>) -> Self {
        self.organization_id = Some(organization_id.into());
        self
    }
}

crate::adapter::typed_config_methods!(ZitadelConfig, ZitadelAdapter);

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
enum Proof {
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
const CONNECT_VERSION: &str = "1";

impl Adapter for ZitadelAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = &[
        Key::plain(
            "api",
            "update_user (default), set_password (also v2; deprecated by ZITADEL) or v1 (management, administrative set only)",
        ),
        Key::plain(
            "protocol",
            "rest (default) or connect (the Connect protocol of ZITADEL's SDKs; update_user only)",
        ),
        Key::plain(
            "organization_id",
            "the user's organization (x-zitadel-orgid; v1 only)",
        ),
    ];
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
        let token = common.token.ok_or_else(|| {
            keys.no_credentials(&format!(
                "token or token_file ({})",
                crate::Settings::env_name(VENDOR, "token")
            ))
        })?;
        let lower = |value: Option<String>| value.map(|v| v.trim().to_ascii_lowercase());
        let api = match lower(keys.string("api")).as_deref() {
            None | Some("update_user") => ZitadelApi::UpdateUser,
            Some("set_password" | "v2") => ZitadelApi::SetPassword,
            Some("v1") => ZitadelApi::V1,
            Some(_) => {
                return Err(Error::invalid_input(
                    "api must be update_user, set_password (v2) or v1",
                ));
            }
        };
        let protocol = match lower(keys.string("protocol")).as_deref() {
            None | Some("rest") => ZitadelProtocol::Rest,
            Some("connect") => ZitadelProtocol::Connect,
            Some(_) => return Err(Error::invalid_input("protocol must be rest or connect")),
        };
        Ok(ZitadelConfig {
            http: common.http,
            token,
            api,
            protocol,
            organization_id: keys.string("organization_id"),
        })
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
            require_lowercase: true,
            require_uppercase: true,
            require_digit: true,
            require_symbol: true,
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
fn policy_of(
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
        require_lowercase: settings.requires_lowercase,
        require_uppercase: settings.requires_uppercase,
        require_digit: settings.requires_number,
        require_symbol: settings.requires_symbol,
        ..ZitadelAdapter::documented_policy()
    })
}

/// Password complexity ids (MinLength, HasLower, HasUpper, HasNumber, HasSymbol): the suffix is
/// stable, the prefix changed from DOMAIN- to COMMA- across versions.
const POLICY_IDS: &[&str] = &["HuJf6", "co3Xw", "VoaRj", "ZBv4H", "ZDLwA"];

/// The error ids of a locked user (they end ZITADEL's message too, in parentheses).
const LOCKED_IDS: &[&str] = &["JLK35", "SFA3t"];

/// ZITADEL's error table: the detail's type and id first, then its message key, then the gRPC
/// code (`grpc:<n>`), then the status.
const RULES: &[Rule] = &[
    // A locked user (sent with a CredentialsCheckError detail too): nothing about the password.
    Rule::new(
        Status::Any,
        When::CodeEndsWith(LOCKED_IDS),
        ErrorKind::PermissionDenied,
    ),
    Rule::new(
        Status::Any,
        When::CodeEndsWith(&["CredentialsCheckError"]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    // Messages are translated into the caller's language: the untranslated key or ZITADEL's
    // English text where they survive, else the ids below.
    Rule::new(
        Status::Any,
        When::Mentions(&[
            "password.invalid",
            "password is invalid",
            "invalid password",
            "wrong password",
        ]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    // COMMAND-3M0fs without a CredentialsCheckError detail is one of its reuses: a missing id
    // or an empty password.
    Rule::new(
        Status::Any,
        When::CodeEndsWith(&["3M0fs"]),
        ErrorKind::InvalidInput,
    ),
    // A wrong or expired reset code, or none pending: the change's proof is wrong, as with a
    // wrong current password.
    Rule::new(
        Status::Any,
        When::CodeEndsWith(&["woT0xc", "QvUQ4P", "2M9fs"]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    Rule::new(
        Status::Any,
        When::Mentions(&["code.invalid", "code.expired", "code.notfound"]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    Rule::new(
        Status::Any,
        When::CodeEndsWith(&["G8dh3", "ugjs0upun6", "uXHNj"]),
        ErrorKind::UserNotFound,
    ),
    Rule::new(
        Status::Any,
        When::Mentions(&["errors.user.notfound", "user could not be found"]),
        ErrorKind::UserNotFound,
    ),
    // Not initialised, no password set: the user's state, not the request, is the obstacle.
    Rule::new(
        Status::Any,
        When::CodeEndsWith(&["M9dse", "Fds3s", "3nJ4t", "M0g95"]),
        ErrorKind::InvalidInput,
    ),
    Rule::new(
        Status::Any,
        When::CodeEndsWith(POLICY_IDS),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::Any,
        When::Mentions(&[
            "password.complexity",
            "complexity",
            "must be at least",
            "must contain",
        ]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::Any,
        When::CodeEndsWith(&["Aesh5", "Aeh3"]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::Any,
        When::Mentions(&[
            "notchanged",
            "not changed",
            "same as",
            "already used",
            "history",
        ]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["grpc:3", "grpc:11"]),
        ErrorKind::InvalidInput,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["grpc:5"]),
        ErrorKind::UserNotFound,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["grpc:7"]),
        ErrorKind::PermissionDenied,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["grpc:8"]),
        ErrorKind::RateLimited,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["grpc:9"]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["grpc:14"]),
        ErrorKind::Unavailable,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["grpc:16"]),
        ErrorKind::Unauthenticated,
    ),
];

/// What ZITADEL's two error bodies say, in one form for [`RULES`].
struct ZitadelFailure {
    status: u16,
    /// The error id (`COMMAND-3M0fs`).
    id: Option<String>,
    /// The detail's type (`…zitadel.v1.CredentialsCheckError`).
    detail_type: Option<String>,
    /// The gRPC code number.
    grpc_code: Option<i32>,
    messages: Vec<String>,
}

impl ZitadelFailure {
    fn verdict(self) -> Verdict {
        let codes = [
            self.id.clone(),
            self.detail_type,
            self.grpc_code.map(|c| format!("grpc:{c}")),
        ];
        let facts = Facts {
            status: self.status,
            codes: codes.into_iter().flatten().collect(),
            text: self.messages.join(" "),
        };
        Verdict {
            kind: classify(RULES, &facts),
            code: self.id,
            messages: self.messages,
        }
    }
}

impl ZitadelFailure {
    fn of_rpc_status(status: u16, body: &types::RpcStatus) -> Self {
        let detail = body.details.first();
        let mut messages = vec![body.message.clone().unwrap_or_default()];
        messages.extend(
            body.details
                .iter()
                .skip(1)
                .filter_map(|d| d.message.clone()),
        );
        ZitadelFailure {
            status,
            id: detail.and_then(|d| d.id.clone()),
            detail_type: detail.and_then(|d| d.type_.clone()),
            grpc_code: body.code,
            messages,
        }
    }
}

impl VendorError for types::RpcStatus {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(body) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        ZitadelFailure::of_rpc_status(answer.status, body).verdict()
    }

    /// ZITADEL's errors carry its error id (`COMMAND-3M0fs`) in their first detail; a
    /// gateway's `{"code": 14, "message": "no healthy upstream"}` carries none.
    fn is_vendors_own(&self, status: u16) -> bool {
        ZitadelFailure::of_rpc_status(status, self).id.is_some()
    }
}

/// The gRPC code number of a Connect code name.
fn grpc_code(connect_code: &str) -> Option<i32> {
    const CODES: [&str; 17] = [
        "ok",
        "canceled",
        "unknown",
        "invalid_argument",
        "deadline_exceeded",
        "not_found",
        "already_exists",
        "permission_denied",
        "resource_exhausted",
        "failed_precondition",
        "aborted",
        "out_of_range",
        "unimplemented",
        "internal",
        "unavailable",
        "data_loss",
        "unauthenticated",
    ];
    CODES
        .iter()
        .position(|c| *c == connect_code)
        .and_then(|n| i32::try_from(n).ok())
}

/// The `id` and `message` of a `zitadel.v1.ErrorDetail` in protobuf form (fields 1 and 2, both
/// strings); unknown fields are skipped, anything malformed gives nothing.
fn decode_error_detail(bytes: &[u8]) -> (Option<String>, Option<String>) {
    fn varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *bytes.get(*at)?;
            *at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
    let (mut id, mut message) = (None, None);
    let mut at = 0;
    while at < bytes.len() {
        let Some(key) = varint(bytes, &mut at) else {
            return (None, None);
        };
        let length = match key & 7 {
            0 => {
                if varint(bytes, &mut at).is_none() {
                    return (None, None);
                }
                continue;
            }
            // fixed64 and fixed32: skipped like any unknown field.
            1 => 8,
            5 => 4,
            2 => match varint(bytes, &mut at).and_then(|l| usize::try_from(l).ok()) {
                Some(length) => length,
                None => return (None, None),
            },
            _ => return (None, None),
        };
        let Some(field) = at.checked_add(length).and_then(|end| bytes.get(at..end)) else {
            return (None, None);
        };
        at += length;
        if key & 7 == 2 {
            let text = String::from_utf8(field.to_vec()).ok();
            match key >> 3 {
                1 => id = text,
                2 => message = text,
                _ => {}
            }
        }
    }
    (id, message)
}

impl ZitadelFailure {
    fn of_connect_error(status: u16, error: &types::ConnectError) -> Self {
        use base64::Engine as _;
        let detail = error.details.first();
        let debug_field = |name: &str| {
            detail
                .and_then(|d| d.debug.get(name))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let (decoded_id, decoded_message) = detail
            .and_then(|d| d.value.as_deref())
            .and_then(|v| {
                base64::engine::general_purpose::STANDARD_NO_PAD
                    .decode(v.trim_end_matches('='))
                    .ok()
            })
            .map_or((None, None), |bytes| decode_error_detail(&bytes));
        let mut messages = vec![error.message.clone().unwrap_or_default()];
        messages.extend(decoded_message.or_else(|| debug_field("message")));
        ZitadelFailure {
            status,
            id: decoded_id.or_else(|| debug_field("id")),
            detail_type: detail.and_then(|d| d.type_.clone()),
            grpc_code: error.code.as_deref().and_then(grpc_code),
            messages,
        }
    }
}

impl VendorError for types::ConnectError {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(error) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        ZitadelFailure::of_connect_error(answer.status, error).verdict()
    }

    /// As for the grpc-gateway's body: ZITADEL's error id in the first detail.
    fn is_vendors_own(&self, status: u16) -> bool {
        ZitadelFailure::of_connect_error(status, self).id.is_some()
    }
}

#[cfg(test)]
mod facade_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(answer: &Answer<types::RpcStatus>) -> Verdict {
        <types::RpcStatus as VendorError>::verdict(answer)
    }

    fn user_id(id: &str) -> Result<String, Error> {
        ZitadelAdapter::user_id(id)
    }

    fn from_vars(vars: &[(&str, &str)]) -> Result<ZitadelConfig, Error> {
        let vars = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
        crate::adapter::config_from_settings::<ZitadelAdapter>(crate::Settings::from_vars(
            VENDOR, vars,
        ))
    }

    fn answer(
        status: u16,
        code: i32,
        type_url: &str,
        id: &str,
        message: &str,
    ) -> Answer<types::RpcStatus> {
        Answer {
            status,
            body: Some(types::RpcStatus {
                code: Some(code),
                message: Some(message.into()),
                details: vec![types::ErrorDetail {
                    type_: Some(type_url.into()),
                    id: Some(id.into()),
                    message: Some(message.into()),
                }],
            }),
            text: None,
            retry_after: None,
        }
    }

    const DETAIL: &str = "type.googleapis.com/zitadel.v1.ErrorDetail";

    #[test]
    fn mapping_table() {
        let cases = [
            // Translated messages: the detail type and the id decide.
            (
                400,
                3,
                "type.googleapis.com/zitadel.v1.CredentialsCheckError",
                "COMMAND-3M0fs",
                "Das Passwort ist ungültig",
                ErrorKind::CurrentPasswordInvalid,
            ),
            (
                400,
                3,
                DETAIL,
                "COMMAND-3M0fs",
                "Die ID fehlt",
                ErrorKind::InvalidInput,
            ),
            (
                400,
                9,
                "type.googleapis.com/zitadel.v1.CredentialsCheckError",
                "COMMAND-SFA3t",
                "Benutzer ist gesperrt",
                ErrorKind::PermissionDenied,
            ),
            (
                400,
                9,
                DETAIL,
                "COMMAND-Aesh5",
                "Das neue Passwort darf nicht dem aktuellen entsprechen",
                ErrorKind::PasswordReused,
            ),
            (
                400,
                3,
                DETAIL,
                "CODE-woT0xc",
                "Code ist ungültig",
                ErrorKind::CurrentPasswordInvalid,
            ),
            (
                400,
                9,
                DETAIL,
                "COMMAND-M9dse",
                "Benutzer ist noch nicht initialisiert",
                ErrorKind::InvalidInput,
            ),
            (
                400,
                3,
                DETAIL,
                "COMMA-HuJf6",
                "Password must be at least 8 characters long",
                ErrorKind::PolicyViolation,
            ),
            (
                400,
                3,
                DETAIL,
                "DOMAIN-ZDLwA",
                "Errors.User.PasswordComplexityPolicy.HasSymbol",
                ErrorKind::PolicyViolation,
            ),
            (
                400,
                3,
                "type.googleapis.com/zitadel.v1.CredentialsCheckError",
                "COMMAND-3M0fs",
                "Password is invalid",
                ErrorKind::CurrentPasswordInvalid,
            ),
            (
                400,
                9,
                DETAIL,
                "COMMAND-Aeh3",
                "Errors.User.Password.NotChanged",
                ErrorKind::PasswordReused,
            ),
            (
                400,
                3,
                DETAIL,
                "USER-1x2y3",
                "Errors.Invalid.Argument",
                ErrorKind::InvalidInput,
            ),
            (
                401,
                16,
                DETAIL,
                "AUTH-7fs1e",
                "auth header missing",
                ErrorKind::Unauthenticated,
            ),
            (
                403,
                7,
                DETAIL,
                "AUTH-5mWD2",
                "No matching permissions found",
                ErrorKind::PermissionDenied,
            ),
            (
                404,
                5,
                DETAIL,
                "COMMAND-uXHNj",
                "User could not be found",
                ErrorKind::UserNotFound,
            ),
            (
                429,
                8,
                DETAIL,
                "QUOTA-V3R5f",
                "quota exceeded",
                ErrorKind::RateLimited,
            ),
            (503, 14, DETAIL, "", "unavailable", ErrorKind::Unavailable),
        ];
        for (status, code, type_url, id, message, expected) in cases {
            let verdict = classify(&answer(status, code, type_url, id, message));
            assert_eq!(verdict.kind, expected, "{status} {id} {message}");
            assert_eq!(verdict.code.as_deref(), Some(id));
        }
    }

    #[test]
    fn a_body_that_is_not_rpc_status_falls_back_to_the_status() {
        let answer = Answer::<types::RpcStatus> {
            status: 502,
            body: None,
            text: Some("<html>".into()),
            retry_after: None,
        };
        assert_eq!(classify(&answer).kind, ErrorKind::OutcomeUnknown);
    }

    #[test]
    fn user_ids_are_checked() {
        assert_eq!(user_id(" 69629026806489455 ").unwrap(), "69629026806489455");
        let longest = "1".repeat(200);
        assert_eq!(user_id(&longest).unwrap(), longest);
        for bad in [
            "",
            "a b",
            "x\r\ny",
            &"1".repeat(201),
            "a/b",
            "..",
            "a?b",
            "a%2F",
            "a#b",
        ] {
            let err = user_id(bad).unwrap_err();
            assert!(
                err.to_string().contains("expected 1..=200 characters"),
                "{err}"
            );
        }
    }

    #[test]
    fn environment_names_every_missing_variable() {
        let err = from_vars(&[]).unwrap_err();
        assert!(
            err.to_string().contains("PWCHANGE_ZITADEL_BASE_URL"),
            "{err}"
        );
        let err = from_vars(&[("PWCHANGE_ZITADEL_BASE_URL", "https://z.example.com")]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthenticated);
        assert!(
            err.to_string()
                .contains("no credentials: set token or token_file (PWCHANGE_ZITADEL_TOKEN)"),
            "{err}"
        );
        let config = from_vars(&[
            ("PWCHANGE_ZITADEL_BASE_URL", "https://z.example.com"),
            ("PWCHANGE_ZITADEL_TOKEN", "pat"),
            ("PWCHANGE_ZITADEL_API", "V1"),
            ("PWCHANGE_ZITADEL_ORGANIZATION_ID", "42"),
        ])
        .unwrap();
        assert_eq!(config.api, ZitadelApi::V1);
        assert_eq!(config.organization_id.as_deref(), Some("42"));
        let err = from_vars(&[
            ("PWCHANGE_ZITADEL_BASE_URL", "https://z.example.com"),
            ("PWCHANGE_ZITADEL_TOKEN", "pat"),
            ("PWCHANGE_ZITADEL_API", "v3"),
        ])
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("api must be update_user, set_password (v2) or v1"),
            "{err}"
        );
        for (api, protocol, expected) in [
            (None, None, (ZitadelApi::UpdateUser, ZitadelProtocol::Rest)),
            (
                Some(" Update_User "),
                Some("CONNECT"),
                (ZitadelApi::UpdateUser, ZitadelProtocol::Connect),
            ),
            (
                Some("v2"),
                None,
                (ZitadelApi::SetPassword, ZitadelProtocol::Rest),
            ),
            (
                Some("set_password"),
                Some("rest"),
                (ZitadelApi::SetPassword, ZitadelProtocol::Rest),
            ),
        ] {
            let mut vars = vec![
                ("PWCHANGE_ZITADEL_BASE_URL", "https://z.example.com"),
                ("PWCHANGE_ZITADEL_TOKEN", "pat"),
            ];
            vars.extend(api.map(|a| ("PWCHANGE_ZITADEL_API", a)));
            vars.extend(protocol.map(|p| ("PWCHANGE_ZITADEL_PROTOCOL", p)));
            let config = from_vars(&vars).unwrap();
            assert_eq!(
                (config.api, config.protocol),
                expected,
                "{api:?} {protocol:?}"
            );
        }
        let err = from_vars(&[
            ("PWCHANGE_ZITADEL_BASE_URL", "https://z.example.com"),
            ("PWCHANGE_ZITADEL_TOKEN", "pat"),
            ("PWCHANGE_ZITADEL_PROTOCOL", "grpc"),
        ])
        .unwrap_err();
        assert!(
            err.to_string().contains("protocol must be rest or connect"),
            "{err}"
        );
    }

    #[test]
    fn complexity_settings_map_field_by_field() {
        let settings = |lower, upper, number, symbol| types::PasswordComplexitySettings {
            min_length: Some("1".parse().unwrap()),
            requires_lowercase: lower,
            requires_uppercase: upper,
            requires_number: number,
            requires_symbol: symbol,
            resource_owner_type: None,
        };
        let none = policy_of(Some(settings(false, false, false, false)), "op").unwrap();
        assert!(none.required_classes().is_empty(), "{none:?}");
        assert_eq!(none.min_length, 1);
        for (flags, expected) in [
            ((true, false, false, false), "lowercase"),
            ((false, true, false, false), "uppercase"),
            ((false, false, true, false), "digit"),
            ((false, false, false, true), "symbol"),
        ] {
            let (l, u, n, s) = flags;
            let policy = policy_of(Some(settings(l, u, n, s)), "op").unwrap();
            assert_eq!(policy.required_classes(), [expected]);
        }
    }

    #[test]
    fn protobuf_error_details_are_decoded_defensively() {
        // Lengths of 128 and more take two varint bytes.
        let long_id = "I".repeat(130);
        let long_message = "m".repeat(300);
        let mut detail = vec![0x0a, 0x82, 0x01];
        detail.extend(long_id.as_bytes());
        detail.extend([0x12, 0xac, 0x02]);
        detail.extend(long_message.as_bytes());
        assert_eq!(
            decode_error_detail(&detail),
            (Some(long_id), Some(long_message))
        );
        let detail = [
            &[0x0a, 3][..],
            b"ID1",
            &[0x18, 0x96, 0x01],             // field 3, varint 150: skipped
            &[0x21, 1, 2, 3, 4, 5, 6, 7, 8], // field 4, fixed64: skipped
            &[0x2d, 1, 2, 3, 4],             // field 5, fixed32: skipped
            &[0x12, 2],
            b"hi",
        ]
        .concat();
        assert_eq!(
            decode_error_detail(&detail),
            (Some("ID1".into()), Some("hi".into()))
        );
        for broken in [
            &[0x0a, 9, b'a'][..],          // longer than the input
            &[0x0d, 1, 2, 3, 4][..],       // fixed32: not in ErrorDetail
            &[0x0a][..],                   // no length
            &[0x0a, 0xff, 0xff, 0xff][..], // an unterminated varint
        ] {
            assert_eq!(decode_error_detail(broken), (None, None), "{broken:?}");
        }
        assert_eq!(grpc_code("invalid_argument"), Some(3));
        assert_eq!(grpc_code("unauthenticated"), Some(16));
        assert_eq!(grpc_code("ok"), Some(0));
        assert_eq!(grpc_code("INVALID_ARGUMENT"), None);
    }
}
