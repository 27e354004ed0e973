//! Bienport: `update-password` is a self-service change (it needs the old password).

use pwchange_bienport::{Client as Generated, ClientContext, types};
use pwchange_core::SecretToken;
use secrecy::{ExposeSecret as _, SecretString};

use crate::auth::TokenSource;
use crate::env::{Env, TokenOrLogin};
use crate::http::{self, Answer, BoxFuture, HttpConfig, Verdict, mentions};
use crate::{Changed, ChangedDetails, Error, ErrorKind, Mode, PasswordChange, Vendor};

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
/// Environment (`from_env`): `PWCHANGE_BIENPORT_BASE_URL` (e.g. `https://apigw.bienport.com`),
/// `PWCHANGE_BIENPORT_ORGANIZATION_ID`, and `PWCHANGE_BIENPORT_TOKEN` or
/// `PWCHANGE_BIENPORT_SCREEN_NAME` and `PWCHANGE_BIENPORT_PASSWORD`; the common HTTP variables.
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

    /// Replaces the HTTP settings.
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
        let organization_id = env.required("ORGANIZATION_ID", "the numeric organization id")?;
        let organization_id = organization_id.trim().parse::<u64>().map_err(|_| {
            Error::invalid_input(format!(
                "{} must be a number, e.g. 20635",
                env.name("ORGANIZATION_ID")
            ))
        })?;
        let auth = match env.token_or_login("SCREEN_NAME", "PASSWORD")? {
            TokenOrLogin::Token(token) => BienportAuth::Token(token),
            TokenOrLogin::Login { user, secret } => BienportAuth::Login {
                screen_name: user,
                password: SecretString::from(secret),
            },
        };
        Ok(Self {
            http,
            auth,
            organization_id,
        })
    }
}

type Login = (String, SecretString);

pub(crate) struct BienportBackend {
    base: String,
    http: reqwest::Client,
    retries: u32,
    organization_id: String,
    token: TokenSource<Login>,
}

impl BienportBackend {
    pub fn new(config: BienportConfig) -> Result<Self, Error> {
        Ok(Self {
            base: config.http.base(),
            http: config.http.reqwest_client()?,
            retries: config.http.connect_retries,
            organization_id: config.organization_id.to_string(),
            token: match config.auth {
                BienportAuth::Token(token) => TokenSource::Static(token),
                BienportAuth::Login {
                    screen_name,
                    password,
                } => TokenSource::login((screen_name, password)),
            },
        })
    }

    fn client(&self, context: ClientContext) -> Generated {
        Generated::new_with_client(&self.base, self.http.clone(), context)
    }

    pub async fn change(&self, change: &PasswordChange) -> Result<Changed, Error> {
        let (Mode::SelfService, Some(current)) = (change.mode(), change.current_password()) else {
            return Err(Error::unsupported(
                "Bienport's update-password needs the current password (self-service); an administrative reset \
                 is a different operation that pwchange does not cover",
            )
            .with_vendor(VENDOR));
        };
        let user_id = user_id(change.user_id())?;
        let new_password =
            pwchange_core::UnboundedPassword::any(change.new_password().expose_secret());
        let body = types::PasswordUpdateRequest {
            old_password: pwchange_core::UnboundedPassword::any(current.expose_secret()),
            password1: new_password.clone(),
            password2: new_password,
            user_id,
        };
        let body = &body;
        let user: types::User = self
            .token
            .with_token(
                |login| Box::pin(self.login(login)) as BoxFuture<'_, _>,
                move |token| {
                    Box::pin(async move {
                        let client = self.client(ClientContext::bearer(token));
                        let sent = http::send_with_connect_retry(self.retries, || {
                            Box::pin(
                                client
                                    .update_password()
                                    .organization_id(self.organization_id.as_str())
                                    .body(body.clone())
                                    .send(),
                            )
                        })
                        .await;
                        match sent {
                            Ok(response) => Ok(response.into_inner()),
                            Err(e) => Err(http::resolve(
                                VENDOR,
                                http::failure(e, true).await,
                                classify,
                            )),
                        }
                    }) as BoxFuture<'_, _>
                },
            )
            .await?;
        let user = serde_json::to_value(&user).unwrap_or(serde_json::Value::Null);
        Ok(Changed {
            vendor: VENDOR,
            user_id: user_id.to_string(),
            details: ChangedDetails::Bienport { user },
        })
    }

    async fn login(&self, (screen_name, password): &Login) -> Result<SecretToken, Error> {
        let client = self.client(ClientContext::anonymous());
        let body = types::LoginRequest {
            screen_name: screen_name.clone(),
            password: pwchange_core::UnboundedPassword::any(password.expose_secret()),
            remember_me: Some(false),
        };
        match http::send_with_connect_retry(self.retries, || {
            Box::pin(client.login().body(body.clone()).send())
        })
        .await
        {
            Ok(response) => Ok(response.into_inner().token),
            Err(e) => Err(http::resolve(
                VENDOR,
                http::failure(e, true).await,
                classify,
            )),
        }
    }
}

pub(crate) fn user_id(id: &str) -> Result<i64, Error> {
    id.trim().parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        Error::invalid_input(format!("Bienport user id {id:?} is invalid: expected a positive integer (int64), e.g. 12343123"))
            .with_vendor(VENDOR)
    })
}

/// Bienport documents only `401 {"statusCode": 401, …}`; everything else is read defensively:
/// the body if it is the same shape, its message for hints, else the status.
pub(crate) fn classify(answer: &Answer<types::ErrorResponse>) -> Verdict {
    let Some(body) = &answer.body else {
        return Verdict::by_status(answer.status);
    };
    let messages: Vec<String> = [&body.message, &body.error]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let text = messages.join(" ");
    let kind = match answer.status {
        400 | 409 | 422
            if mentions(
                &text,
                &[
                    "old password",
                    "current password",
                    "wrong password",
                    "incorrect password",
                    "password is incorrect",
                ],
            ) =>
        {
            ErrorKind::CurrentPasswordInvalid
        }
        400 | 409 | 422
            if mentions(
                &text,
                &["same as", "previous", "history", "reuse", "already used"],
            ) =>
        {
            ErrorKind::PasswordReused
        }
        400 | 409 | 422
            if mentions(
                &text,
                &["policy", "weak", "at least", "complex", "must contain"],
            ) =>
        {
            ErrorKind::PolicyViolation
        }
        status => http::kind_for_status(status),
    };
    Verdict {
        kind,
        code: body.status_code.map(|c| c.to_string()),
        messages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            (500, "Internal Server Error", ErrorKind::Unavailable),
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
        assert_eq!(classify(&html).kind, ErrorKind::Unavailable);
    }

    #[test]
    fn user_ids_are_positive_integers() {
        assert_eq!(user_id(" 12343123 ").unwrap(), 12343123);
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
