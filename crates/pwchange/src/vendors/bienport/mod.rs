//! Bienport: `update-password` is a self-service change (it needs the old password).

use pwchange_bienport::{Client as Generated, ClientContext, types};
use pwchange_core::SecretToken;
use pwchange_core::classify::{Facts, Rule, Status, Verdict, When};
use pwchange_core::http::{Answer, HttpConfig};
use pwchange_core::token::Auth;
use pwchange_core::vendor_text::{Redact, VendorText};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, Confirmed, LoginTarget, login_refused};
use crate::config::{Common, Key, Keys, TokenOrLogin};
use crate::transport::{Transport, VendorError, verdict_of};
use crate::{
    CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password, PasswordChange,
    PasswordPolicy, PolicySource, Vendor,
};

const VENDOR: Vendor = Vendor::Bienport;

/// How a Bienport backend authenticates.
#[derive(Debug, Clone)]
pub enum BienportAuth {
    /// An access token (`Authorization: Bearer <token>`).
    Token(SecretToken),
    /// `POST /api/auth/login` with a screen name and password.
    Login {
        /// The screen name (often a phone number).
        screen_name: String,
        /// The password.
        password: SecretString,
    },
}

/// Configuration of a Bienport backend.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_BIENPORT_<KEY>`): the [common
/// keys](crate::COMMON_KEYS) (`base_url` e.g. `https://apigw.bienport.com`), `organization_id`
/// (required), and `token` or `screen_name` and `password`.
#[derive(Debug, Clone)]
pub struct BienportConfig {
    http: HttpConfig,
    auth: BienportAuth,
    organization_id: u64,
}

impl BienportConfig {
    /// A configuration for the gateway at `base_url`, acting in organization `organization_id`
    /// (the `OrganizationId` header; one of the login response's `organizationIds`).
    pub fn new(base_url: &str, auth: BienportAuth, organization_id: u64) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            auth,
            organization_id,
        })
    }
}

crate::adapter::typed_config_methods!(BienportConfig, BienportAdapter);

/// What Bienport returned for a change that matters: the user's id, as its record names it.
/// (The record's personal data — names, e-mail, national id — is not kept.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct BienportDetails {
    /// The `userId` of the returned record: the requested user.
    pub user_id: i64,
    /// The record's screen name: the login name a verification logs in with (not serialised:
    /// it is personal data, often a phone number).
    #[serde(skip)]
    #[schemars(skip)]
    screen_name: Option<VendorText>,
}

impl Redact for BienportDetails {
    fn redact(&mut self, secrets: &pwchange_core::Redactor) {
        self.screen_name.redact(secrets);
    }
}

pub(crate) struct BienportAdapter {
    organization_id: String,
}

impl Adapter for BienportAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = &[
        Key::plain(
            "organization_id",
            "the numeric organization id (the OrganizationId header; required)",
        ),
        Key::login(
            "screen_name",
            "the login's screen name (with password, instead of token)",
        ),
        Key::secret("password", "the login's password"),
    ];
    const VERIFICATION: &'static str = "logs in (POST /api/auth/login) with the screen name from the change's answer; after a lost answer it needs the login name (the screen name)";
    const MODES: &'static [ModeKind] = &[ModeKind::SelfService];
    const POLICY: &'static str = "none documented and no API to read one: any non-empty password (the vendor may refuse more)";
    type Config = BienportConfig;
    type Login = (String, SecretString);
    type Request = types::PasswordUpdateRequest;
    type Details = BienportDetails;

    fn config(common: Common, keys: &mut Keys) -> Result<BienportConfig, Error> {
        let organization_id = keys
            .parse::<u64>("organization_id", "a number, e.g. 20635")?
            .ok_or_else(|| keys.missing("organization_id", "the numeric organization id"))?;
        let auth = match keys.token_or_login(common.token, "screen_name", "password")? {
            TokenOrLogin::Token(token) => BienportAuth::Token(token),
            TokenOrLogin::Login { user, secret } => BienportAuth::Login {
                screen_name: user,
                password: secret,
            },
        };
        Ok(BienportConfig {
            http: common.http,
            auth,
            organization_id,
        })
    }

    fn new(config: BienportConfig) -> Result<(Self, HttpConfig, Auth<Self::Login>), Error> {
        let auth = match config.auth {
            BienportAuth::Token(token) => Auth::Token(token),
            BienportAuth::Login {
                screen_name,
                password,
            } => Auth::Login((screen_name, password)),
        };
        let adapter = Self {
            organization_id: config.organization_id.to_string(),
        };
        Ok((adapter, config.http, auth))
    }

    /// A positive int64, without leading zeros or sign.
    fn user_id(id: &str) -> Result<String, Error> {
        id.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| n.to_string())
            .ok_or_else(|| {
                Error::invalid_input(
                    "Bienport user id is invalid: expected a positive integer (int64), e.g. 12343123",
                )
            })
    }

    fn documented_policy() -> PasswordPolicy {
        PasswordPolicy {
            min_length: 1,
            max_length: None,
            length_unit: LengthUnit::Characters,
            require_lowercase: false,
            require_uppercase: false,
            require_digit: false,
            require_symbol: false,
            character_classes: CharacterClasses::Unicode,
            source: PolicySource::Documented {
                reference:
                    "Bienport documents no password policy (api-docs.bienport.com, update-password)"
                        .to_owned(),
            },
        }
    }

    fn prepare(&self, change: &PasswordChange, user_id: String) -> Result<Self::Request, Error> {
        let (Mode::SelfService, Some(current)) = (change.mode(), change.current_password()) else {
            return Err(Error::unsupported(
                "Bienport's update-password needs the current password (self-service); an administrative reset \
                 is a different operation that pwchange does not cover",
            ));
        };
        let new_password =
            pwchange_core::UnboundedPassword::any(change.new_password().expose_secret());
        Ok(types::PasswordUpdateRequest {
            old_password: pwchange_core::UnboundedPassword::any(current.expose_secret()),
            password1: new_password.clone(),
            password2: new_password,
            // Canonical ids are positive int64s (user_id above).
            user_id: user_id.parse().map_err(|_| {
                Error::invalid_input(
                    "Bienport user id is invalid: expected a positive integer (int64)",
                )
            })?,
        })
    }

    async fn send(
        &self,
        transport: &Transport,
        token: &SecretToken,
        body: &Self::Request,
    ) -> Result<Confirmed<BienportDetails>, Error> {
        let client = transport.client(
            Generated::new_with_client,
            ClientContext::bearer(token.clone()),
        );
        let user = transport
            .call(|| {
                Box::pin(
                    client
                        .update_password()
                        .organization_id(self.organization_id.as_str())
                        .body(body.clone())
                        .send(),
                )
            })
            .await?
            .into_inner();
        // Any JSON object decodes as a `User` (no field is required): only a record of the
        // requested user confirms the change.
        if user.user_id != Some(body.user_id) {
            return Err(Error::new(
                ErrorKind::OutcomeUnknown,
                "Bienport answered 200, but not with the requested user's record; the change may or may not have been applied",
            )
            .with_status(Some(200)));
        }
        Ok(Confirmed::new(
            body.user_id.to_string(),
            BienportDetails {
                user_id: body.user_id,
                screen_name: user
                    .screen_name
                    .filter(|name| !name.trim().is_empty())
                    .map(VendorText::new),
            },
        ))
    }

    fn login_name(details: &Self::Details) -> Option<String> {
        details
            .screen_name
            .as_ref()?
            .to_send_back()
            .map(str::to_owned)
    }

    async fn verify(
        &self,
        transport: &Transport,
        _token: Option<&SecretToken>,
        user: &LoginTarget,
        password: &Password,
    ) -> Result<(), Error> {
        let Some(screen_name) = &user.login_name else {
            return Err(Error::unsupported(
                "Bienport logs in with the screen name, which the change's answer did not carry: \
                 give the login name to verify",
            ));
        };
        let client = transport.client(Generated::new_with_client, ClientContext::anonymous());
        let body = types::LoginRequest {
            screen_name: screen_name.clone(),
            password: pwchange_core::UnboundedPassword::any(password.expose_secret()),
            remember_me: Some(false),
        };
        let session = transport
            .call(|| Box::pin(client.login().body(body.clone()).send()))
            .await
            .map_err(|e| {
                login_refused(
                    e,
                    &[
                        ErrorKind::Unauthenticated,
                        ErrorKind::CurrentPasswordInvalid,
                    ],
                )
            })?
            .into_inner();
        if session.user_id.map(|id| id.to_string()) != Some(user.user_id.clone()) {
            return Err(Error::new(
                ErrorKind::Unexpected,
                "the login with the new password succeeded, but as another user: check the login name",
            ));
        }
        Ok(())
    }

    async fn login(
        &self,
        transport: &Transport,
        (screen_name, password): &Self::Login,
    ) -> Result<SecretToken, Error> {
        let client = transport.client(Generated::new_with_client, ClientContext::anonymous());
        transport
            .call(|| {
                Box::pin(pwchange_bienport::log_in(
                    &client,
                    screen_name,
                    password.expose_secret(),
                ))
            })
            .await
    }

    fn classify_bytes(status: u16, body: &[u8]) -> Verdict {
        verdict_of::<types::ErrorResponse>(status, body)
    }
}

/// Bienport documents only `401 {"statusCode": 401, …}`; other refusals are read defensively by
/// their message (Spring's shape), else by the status.
const RULES: &[Rule] = &[
    Rule::new(
        Status::OneOf(&[400, 409, 422]),
        When::Mentions(&[
            "old password",
            "current password",
            "wrong password",
            "incorrect password",
            "password is incorrect",
        ]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    Rule::new(
        Status::OneOf(&[400, 409, 422]),
        When::Mentions(&["same as", "previous", "history", "reuse", "already used"]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::OneOf(&[400, 409, 422]),
        When::Mentions(&["policy", "weak", "at least", "complex", "must contain"]),
        ErrorKind::PolicyViolation,
    ),
];

impl VendorError for types::ErrorResponse {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(body) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        let messages: Vec<String> = [&body.message, &body.error]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let facts = Facts {
            status: answer.status,
            codes: body
                .status_code
                .map(|c| c.to_string())
                .into_iter()
                .collect(),
            text: messages.join(" "),
        };
        Verdict::from_rules(RULES, facts, messages)
    }

    /// Never: the one documented field, `statusCode` (NestJS's exception body), is also what
    /// Azure API Management's gateway errors carry, so no body tells Bienport's own `503` from
    /// a gateway's; its `408`/`501`/`503` are settled by the login like any unknown outcome.
    fn is_vendors_own(&self, _: u16) -> bool {
        false
    }
}

#[cfg(test)]
mod facade_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(answer: &Answer<types::ErrorResponse>) -> Verdict {
        <types::ErrorResponse as VendorError>::verdict(answer)
    }

    fn user_id(id: &str) -> Result<String, Error> {
        BienportAdapter::user_id(id)
    }

    fn answer(status: u16, message: &str) -> Answer<types::ErrorResponse> {
        Answer {
            status,
            body: Some(types::ErrorResponse {
                status_code: Some(i32::from(status)),
                message: Some(message.into()),
                ..Default::default()
            }),
            text: None,
            retry_after: None,
        }
    }

    #[test]
    fn mapping_table() {
        let cases = [
            (401, "Unauthorized", ErrorKind::Unauthenticated),
            (
                400,
                "Old password is wrong",
                ErrorKind::CurrentPasswordInvalid,
            ),
            (
                400,
                "Password must contain at least one digit",
                ErrorKind::PolicyViolation,
            ),
            (
                400,
                "New password cannot be the same as a previous password",
                ErrorKind::PasswordReused,
            ),
            (400, "Passwords do not match", ErrorKind::InvalidInput),
            (403, "Forbidden", ErrorKind::PermissionDenied),
            (404, "User not found", ErrorKind::UserNotFound),
            (429, "Too many requests", ErrorKind::RateLimited),
            (500, "Internal Server Error", ErrorKind::OutcomeUnknown),
            (503, "Service Unavailable", ErrorKind::Unavailable),
        ];
        for (status, message, expected) in cases {
            let verdict = classify(&answer(status, message));
            assert_eq!(verdict.kind, expected, "{status} {message}");
            assert_eq!(verdict.code, Some(status.to_string()));
        }
        let html = Answer::<types::ErrorResponse> {
            status: 502,
            body: None,
            text: Some("<html>".into()),
            retry_after: None,
        };
        assert_eq!(classify(&html).kind, ErrorKind::OutcomeUnknown);
    }

    #[test]
    fn user_ids_are_positive_integers() {
        assert_eq!(user_id(" 012343123 ").unwrap(), "12343123");
        for bad in ["0", "-5", "abc", "1/../2", "99999999999999999999"] {
            assert!(
                user_id(bad)
                    .unwrap_err()
                    .to_string()
                    .contains("expected a positive integer"),
                "{bad}"
            );
        }
    }
}
