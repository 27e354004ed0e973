//! ZITADEL: management v1 `SetHumanPassword` (administrative set) and user service v2
//! `SetPassword` (self-service with the current password, or administrative set).

use std::convert::Infallible;

use pwchange_core::SecretToken;
use pwchange_core::classify::{Facts, Rule, Status, Verdict, When, classify};
use pwchange_core::http::{Answer, HttpConfig};
use pwchange_core::token::Auth;
use pwchange_zitadel::{Client as Generated, ClientContext, types};
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, LoginTarget, Transport, VendorError, login_refused, verdict_of};
use crate::config::{Common, Key, Keys};
use crate::{Changed, Error, ErrorKind, Mode, Password, PasswordChange, Vendor};

const VENDOR: Vendor = Vendor::Zitadel;

/// Which ZITADEL API changes the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZitadelApi {
    /// Management API v1 (deprecated by ZITADEL): administrative set only, 1..=72 characters,
    /// optional organization header.
    V1,
    /// User service v2: self-service and administrative set, 1..=200 characters.
    #[default]
    V2,
}

/// Configuration of a ZITADEL backend.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_ZITADEL_<KEY>`): the common keys, `token`
/// (a personal access token or OAuth access token; required), `api` (`v1` or `v2`, default
/// `v2`) and `organization_id` (v1 only).
#[derive(Debug, Clone)]
pub struct ZitadelConfig {
    http: HttpConfig,
    token: SecretToken,
    api: ZitadelApi,
    organization_id: Option<String>,
}

impl ZitadelConfig {
    /// A v2 configuration for the instance at `base_url` (e.g. `https://my-instance.zitadel.cloud`).
    pub fn new(base_url: &str, token: SecretToken) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            token,
            api: ZitadelApi::V2,
            organization_id: None,
        })
    }

    /// Which API to call.
    pub fn api(mut self, api: ZitadelApi) -> Self {
        self.api = api;
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
pub struct ZitadelDetails {
    /// `v1` (management) or `v2` (user service).
    pub api: String,
    /// The event sequence (a uint64 as a string).
    pub sequence: Option<String>,
    /// When the change happened (RFC 3339).
    pub change_date: Option<String>,
    /// The organization or instance that owns the user.
    pub resource_owner: Option<String>,
}

pub(crate) struct ZitadelAdapter {
    api: ZitadelApi,
    organization_id: Option<String>,
}

pub(crate) enum ZitadelRequest {
    V1(String, types::SetHumanPasswordRequest),
    V2(String, types::SetPasswordRequest),
}

impl Adapter for ZitadelAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = &[
        Key::plain(
            "api",
            "v1 (management, administrative set only) or v2 (default)",
        ),
        Key::plain(
            "organization_id",
            "the user's organization (x-zitadel-orgid; v1 only)",
        ),
    ];
    const VERIFICATION: &'static str = "creates a session with a user check and a password check (POST /v2/sessions; the token needs session.write), then deletes it";
    type Config = ZitadelConfig;
    type Login = Infallible;
    type Request = ZitadelRequest;

    fn config(common: Common, keys: &mut Keys) -> Result<ZitadelConfig, Error> {
        let token = common.token.ok_or_else(|| {
            keys.no_credentials(&format!(
                "token or token_file ({})",
                crate::Settings::env_name(VENDOR, "token")
            ))
        })?;
        let api = match keys
            .string("api")
            .map(|a| a.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("v2") => ZitadelApi::V2,
            Some("v1") => ZitadelApi::V1,
            Some(_) => return Err(Error::invalid_input("api must be v1 or v2")),
        };
        Ok(ZitadelConfig {
            http: common.http,
            token,
            api,
            organization_id: keys.string("organization_id"),
        })
    }

    fn new(config: ZitadelConfig) -> Result<(Self, HttpConfig, Auth<Infallible>), Error> {
        if config.api == ZitadelApi::V2 && config.organization_id.is_some() {
            return Err(Error::invalid_input(
                "the ZITADEL organization id (x-zitadel-orgid) applies to the v1 API only",
            ));
        }
        let adapter = Self {
            api: config.api,
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

    fn prepare(&self, change: &PasswordChange, user_id: String) -> Result<ZitadelRequest, Error> {
        match (self.api, change.mode()) {
            (ZitadelApi::V1, Mode::SelfService) => Err(Error::unsupported(
                "ZITADEL management v1 cannot verify a current password; use the v2 API for a self-service change",
            )),
            (
                ZitadelApi::V1,
                Mode::AdminSet {
                    require_change_at_next_login,
                },
            ) => {
                // The limits are the generated field's: the spec's minLength/maxLength.
                let body = types::SetHumanPasswordRequest {
                    password: change
                        .new_password()
                        .bounded("new password", "ZITADEL v1")?,
                    no_change_required: !require_change_at_next_login,
                };
                Ok(ZitadelRequest::V1(user_id, body))
            }
            (ZitadelApi::V2, mode) => {
                let rule = "ZITADEL v2";
                let change_required = matches!(
                    mode,
                    Mode::AdminSet {
                        require_change_at_next_login: true
                    }
                );
                let body = types::SetPasswordRequest {
                    new_password: types::NewPassword {
                        password: change.new_password().bounded("new password", rule)?,
                        change_required,
                    },
                    current_password: change
                        .current_password()
                        .map(|p| p.bounded("current password", rule))
                        .transpose()?,
                    verification_code: None,
                };
                Ok(ZitadelRequest::V2(user_id, body))
            }
        }
    }

    async fn send(
        &self,
        transport: &Transport,
        token: &SecretToken,
        request: &ZitadelRequest,
    ) -> Result<Changed, Error> {
        let client = transport.client(
            Generated::new_with_client,
            ClientContext::bearer(token.clone()),
        );
        let (api, user_id, details) = match request {
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
                    "v1",
                    user_id,
                    d.map(|d| (d.sequence, d.change_date, d.resource_owner)),
                )
            }
            ZitadelRequest::V2(user_id, body) => {
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
                    "v2",
                    user_id,
                    d.map(|d| (d.sequence, d.change_date, d.resource_owner)),
                )
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
        Ok(Changed::confirmed(
            VENDOR,
            user_id.clone(),
            ZitadelDetails {
                api: api.to_owned(),
                sequence,
                change_date: change_date
                    .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
                resource_owner,
            },
        ))
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
            .map_err(|e| login_refused(e, &[ErrorKind::CurrentPasswordInvalid]))?
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
        verdict_of::<types::RpcStatus>(status, body)
    }
}

/// Password complexity ids (MinLength, HasLower, HasUpper, HasNumber, HasSymbol): the suffix is
/// stable, the prefix changed from DOMAIN- to COMMA- across versions.
const POLICY_IDS: &[&str] = &["HuJf6", "co3Xw", "VoaRj", "ZBv4H", "ZDLwA"];

/// ZITADEL's error table: the detail's type and id first, then its message key, then the gRPC
/// code (`grpc:<n>`), then the status.
const RULES: &[Rule] = &[
    Rule::new(
        Status::Any,
        When::CodeEndsWith(&["CredentialsCheckError"]),
        ErrorKind::CurrentPasswordInvalid,
    ),
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

impl VendorError for types::RpcStatus {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(status) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        let detail = status.details.first();
        let id = detail.and_then(|d| d.id.clone());
        let message = status.message.clone().unwrap_or_default();
        let codes = [
            id.clone(),
            detail.and_then(|d| d.type_.clone()),
            status.code.map(|c| format!("grpc:{c}")),
        ];
        let facts = Facts {
            status: answer.status,
            codes: codes.into_iter().flatten().collect(),
            text: message.clone(),
        };
        let mut messages = vec![message];
        messages.extend(
            status
                .details
                .iter()
                .skip(1)
                .filter_map(|d| d.message.clone()),
        );
        Verdict {
            kind: classify(RULES, &facts),
            code: id,
            messages,
        }
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
        assert!(err.to_string().contains("api must be v1 or v2"), "{err}");
    }
}
