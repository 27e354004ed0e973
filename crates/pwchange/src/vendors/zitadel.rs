//! ZITADEL: management v1 `SetHumanPassword` (administrative set) and user service v2
//! `SetPassword` (self-service with the current password, or administrative set).

use pwchange_core::SecretToken;
use pwchange_zitadel::{Client as Generated, ClientContext, types};

use crate::env::Env;
use crate::http::{self, Answer, HttpConfig, Verdict, mentions};
use crate::{Changed, ChangedDetails, Error, ErrorKind, Mode, PasswordChange, Vendor};

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
/// Environment (`from_env`): `PWCHANGE_ZITADEL_BASE_URL`, `PWCHANGE_ZITADEL_TOKEN` (a personal
/// access token or OAuth access token), optional `PWCHANGE_ZITADEL_API` (`v1` or `v2`, default
/// `v2`), `PWCHANGE_ZITADEL_ORGANIZATION_ID` (v1 only), and the common HTTP variables.
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

    /// Replaces the HTTP settings (timeouts, insecure http).
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Reads the configuration from the environment (see the type's docs).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(&crate::env::process_env)
    }

    pub(crate) fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let env = Env::new(VENDOR, lookup);
        let http = env.http()?;
        let token = env.token("TOKEN")?.ok_or_else(|| {
            Error::invalid_input(format!(
                "{} is not set: it must hold an access token",
                env.name("TOKEN")
            ))
        })?;
        let api = match env
            .get("API")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("v2") => ZitadelApi::V2,
            Some("v1") => ZitadelApi::V1,
            Some(_) => {
                return Err(Error::invalid_input(format!(
                    "{} must be v1 or v2",
                    env.name("API")
                )));
            }
        };
        let mut config = Self {
            http,
            token,
            api,
            organization_id: None,
        };
        if let Some(org) = env.get("ORGANIZATION_ID") {
            config = config.organization_id(org);
        }
        Ok(config)
    }
}

pub(crate) struct ZitadelBackend {
    client: Generated,
    retries: u32,
    api: ZitadelApi,
    organization_id: Option<String>,
}

impl ZitadelBackend {
    pub fn new(config: ZitadelConfig) -> Result<Self, Error> {
        if config.api == ZitadelApi::V2 && config.organization_id.is_some() {
            return Err(Error::invalid_input(
                "the ZITADEL organization id (x-zitadel-orgid) applies to the v1 API only",
            )
            .with_vendor(VENDOR));
        }
        let client = Generated::new_with_client(
            &config.http.base(),
            config.http.reqwest_client()?,
            ClientContext::bearer(config.token),
        );
        Ok(Self {
            client,
            retries: config.http.connect_retries,
            api: config.api,
            organization_id: config.organization_id,
        })
    }

    pub async fn change(&self, change: &PasswordChange) -> Result<Changed, Error> {
        let user_id = user_id(change.user_id())?;
        match (self.api, change.mode()) {
            (ZitadelApi::V1, Mode::SelfService) => Err(Error::unsupported(
                "ZITADEL management v1 cannot verify a current password; use the v2 API for a self-service change",
            )
            .with_vendor(VENDOR)),
            (ZitadelApi::V1, Mode::AdminSet { require_change_at_next_login }) => {
                let password =
                    change.new_password().bounded::<1, 72>("new password", "ZITADEL v1 accepts 1..=72 characters")?;
                let body = types::SetHumanPasswordRequest { password, no_change_required: !require_change_at_next_login };
                let sent = http::send_with_connect_retry(self.retries, || {
                    let mut request = self.client.set_human_password().user_id(user_id.as_str()).body(body.clone());
                    if let Some(org) = &self.organization_id {
                        request = request.x_zitadel_orgid(org.clone());
                    }
                    Box::pin(request.send())
                })
                .await;
                match sent {
                    Ok(response) => Ok(changed("v1", user_id, response.into_inner().details.map(|d| (d.sequence, d.change_date, d.resource_owner)))),
                    Err(e) => Err(http::resolve(VENDOR, http::failure(e, true).await, classify)),
                }
            }
            (ZitadelApi::V2, mode) => {
                let rule = "ZITADEL v2 accepts 1..=200 characters";
                let password = change.new_password().bounded::<1, 200>("new password", rule)?;
                let current_password =
                    change.current_password().map(|p| p.bounded::<1, 200>("current password", rule)).transpose()?;
                let change_required = matches!(mode, Mode::AdminSet { require_change_at_next_login: true });
                let body = types::SetPasswordRequest {
                    new_password: types::NewPassword { password, change_required },
                    current_password,
                    verification_code: None,
                };
                let sent = http::send_with_connect_retry(self.retries, || {
                    Box::pin(self.client.set_password().user_id(user_id.as_str()).body(body.clone()).send())
                })
                .await;
                match sent {
                    Ok(response) => Ok(changed("v2", user_id, response.into_inner().details.map(|d| (d.sequence, d.change_date, d.resource_owner)))),
                    Err(e) => Err(http::resolve(VENDOR, http::failure(e, true).await, classify)),
                }
            }
        }
    }
}

type EventDetails = (
    Option<String>,
    Option<chrono::DateTime<chrono::Utc>>,
    Option<String>,
);

fn changed(api: &str, user_id: String, details: Option<EventDetails>) -> Changed {
    let (sequence, change_date, resource_owner) = details.unwrap_or_default();
    Changed {
        vendor: VENDOR,
        user_id,
        details: ChangedDetails::Zitadel {
            api: api.to_owned(),
            sequence,
            change_date: change_date
                .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            resource_owner,
        },
    }
}

/// A ZITADEL user id: 1..=200 characters from `A-Z a-z 0-9 . _ @ -`, not `.` or `..` (ids are
/// numeric strings in practice). Anything else could change the request target or is not an id.
pub(crate) fn user_id(id: &str) -> Result<String, Error> {
    let id = id.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-');
    if id.is_empty() || id.len() > 200 || !id.chars().all(allowed) || id == "." || id == ".." {
        return Err(Error::invalid_input(format!(
            "ZITADEL user id {id:?} is invalid: expected 1..=200 characters from A-Z a-z 0-9 . _ @ -, e.g. \"69629026806489455\""
        ))
        .with_vendor(VENDOR));
    }
    Ok(id.to_owned())
}

/// ZITADEL's mapping: the error detail's id and type first, then the gRPC code, then the status.
pub(crate) fn classify(answer: &Answer<types::RpcStatus>) -> Verdict {
    let Some(status) = &answer.body else {
        return Verdict::by_status(answer.status);
    };
    let detail = status.details.first();
    let id = detail.and_then(|d| d.id.clone());
    let type_url = detail.and_then(|d| d.type_.as_deref()).unwrap_or_default();
    let message = status.message.clone().unwrap_or_default();
    let id_text = id.as_deref().unwrap_or_default();
    // Password complexity ids (MinLength, HasLower, HasUpper, HasNumber, HasSymbol): the suffix is
    // stable, the prefix changed from DOMAIN- to COMMA- across versions.
    const POLICY_IDS: [&str; 5] = ["HuJf6", "co3Xw", "VoaRj", "ZBv4H", "ZDLwA"];
    let kind = if type_url.ends_with("CredentialsCheckError")
        || mentions(
            &message,
            &[
                "password.invalid",
                "password is invalid",
                "invalid password",
                "wrong password",
            ],
        ) {
        ErrorKind::CurrentPasswordInvalid
    } else if POLICY_IDS.iter().any(|p| id_text.ends_with(p))
        || mentions(
            &message,
            &[
                "password.complexity",
                "complexity",
                "must be at least",
                "must contain",
            ],
        )
    {
        ErrorKind::PolicyViolation
    } else if mentions(
        &message,
        &[
            "notchanged",
            "not changed",
            "same as",
            "already used",
            "history",
        ],
    ) {
        ErrorKind::PasswordReused
    } else {
        match status.code {
            Some(3) | Some(11) => ErrorKind::InvalidInput,
            Some(5) => ErrorKind::UserNotFound,
            Some(7) => ErrorKind::PermissionDenied,
            Some(8) => ErrorKind::RateLimited,
            Some(9) => ErrorKind::PolicyViolation,
            Some(14) => ErrorKind::Unavailable,
            Some(16) => ErrorKind::Unauthenticated,
            _ => http::kind_for_status(answer.status),
        }
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
        kind,
        code: id,
        messages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(classify(&answer).kind, ErrorKind::Unavailable);
    }

    #[test]
    fn user_ids_are_checked() {
        assert_eq!(user_id(" 69629026806489455 ").unwrap(), "69629026806489455");
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
        let empty = |_: &str| None;
        let err = ZitadelConfig::from_lookup(&empty).unwrap_err();
        assert!(
            err.to_string()
                .contains("PWCHANGE_ZITADEL_BASE_URL is not set"),
            "{err}"
        );
        let vars = |name: &str| match name {
            "PWCHANGE_ZITADEL_BASE_URL" => Some("https://z.example.com".to_owned()),
            "PWCHANGE_ZITADEL_TOKEN" => Some("pat".to_owned()),
            "PWCHANGE_ZITADEL_API" => Some("V1".to_owned()),
            "PWCHANGE_ZITADEL_ORGANIZATION_ID" => Some("42".to_owned()),
            _ => None,
        };
        let config = ZitadelConfig::from_lookup(&vars).unwrap();
        assert_eq!(config.api, ZitadelApi::V1);
        assert_eq!(config.organization_id.as_deref(), Some("42"));
    }
}
