//! UiPath Identity Server: a `200` can still be a refusal (`succeeded: false`).

use pwchange_core::SecretToken;
use pwchange_uipath::{Client as Generated, ClientContext, types};

use crate::auth::TokenSource;
use crate::env::{Env, TokenOrLogin};
use crate::http::{self, Answer, BoxFuture, HttpConfig, Verdict};
use crate::{Changed, ChangedDetails, Error, ErrorKind, Mode, PasswordChange, Vendor};

const VENDOR: Vendor = Vendor::Uipath;
/// The scopes requested by the client-credentials flow unless configured otherwise.
pub const DEFAULT_SCOPE: &str = "PM.User PM.User.Write";

/// How a UiPath backend authenticates.
#[derive(Debug, Clone)]
pub enum UipathAuth {
    /// A bearer token with the `PM.User` or `PM.User.Write` scope.
    Token(SecretToken),
    /// The client-credentials grant of a confidential external application
    /// (`POST {identity}/connect/token`).
    ClientCredentials {
        /// The application id.
        client_id: String,
        /// The application secret.
        client_secret: SecretToken,
        /// Space-separated scopes; default [`DEFAULT_SCOPE`].
        scope: String,
    },
}

/// Configuration of a UiPath backend. The base URL is the Identity base
/// (`pwchange_uipath::IdentityBase::url`), e.g. `https://cloud.uipath.com/acme/identity_`.
///
/// Environment (`from_env`): `PWCHANGE_UIPATH_BASE_URL`, and `PWCHANGE_UIPATH_TOKEN` or
/// `PWCHANGE_UIPATH_CLIENT_ID` and `PWCHANGE_UIPATH_CLIENT_SECRET` (optional
/// `PWCHANGE_UIPATH_SCOPE`); the common HTTP variables.
#[derive(Debug, Clone)]
pub struct UipathConfig {
    http: HttpConfig,
    auth: UipathAuth,
}

impl UipathConfig {
    /// A configuration for the Identity base at `base_url`.
    pub fn new(base_url: &str, auth: UipathAuth) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            auth,
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
        let auth = match env.token_or_login("CLIENT_ID", "CLIENT_SECRET")? {
            TokenOrLogin::Token(token) => UipathAuth::Token(token),
            TokenOrLogin::Login { user, secret } => UipathAuth::ClientCredentials {
                client_id: user,
                client_secret: SecretToken::new(secret).map_err(|e| {
                    Error::invalid_input(format!("{}: {e}", env.name("CLIENT_SECRET")))
                })?,
                scope: env.get("SCOPE").unwrap_or_else(|| DEFAULT_SCOPE.to_owned()),
            },
        };
        Ok(Self { http, auth })
    }
}

type Login = (String, SecretToken, String);

pub(crate) struct UipathBackend {
    base: String,
    http: reqwest::Client,
    retries: u32,
    token: TokenSource<Login>,
}

impl UipathBackend {
    pub fn new(config: UipathConfig) -> Result<Self, Error> {
        Ok(Self {
            base: config.http.base(),
            http: config.http.reqwest_client()?,
            retries: config.http.connect_retries,
            token: match config.auth {
                UipathAuth::Token(token) => TokenSource::Static(token),
                UipathAuth::ClientCredentials {
                    client_id,
                    client_secret,
                    scope,
                } => TokenSource::login((client_id, client_secret, scope)),
            },
        })
    }

    fn client(&self, context: ClientContext) -> Generated {
        Generated::new_with_client(&self.base, self.http.clone(), context)
    }

    pub async fn change(&self, change: &PasswordChange) -> Result<Changed, Error> {
        if let Mode::AdminSet {
            require_change_at_next_login: true,
        } = change.mode()
        {
            return Err(Error::unsupported(
                "UiPath's changepassword has no \"change at next login\" flag",
            )
            .with_vendor(VENDOR));
        }
        let user_id = user_id(change.user_id())?;
        let body = types::ChangeUserPasswordCommand {
            old_password: change
                .current_password()
                .map(|p| pwchange_core::UnboundedPassword::any(p.expose_secret())),
            new_password: Some(pwchange_core::UnboundedPassword::any(
                change.new_password().expose_secret(),
            )),
        };
        let body = &body;
        let result: types::IdentityResult = self
            .token
            .with_token(
                |login| Box::pin(self.login(login)) as BoxFuture<'_, _>,
                move |token| {
                    Box::pin(async move {
                        let client = self.client(ClientContext::bearer(token));
                        let sent = http::send_with_connect_retry(self.retries, || {
                            Box::pin(
                                client
                                    .change_user_password()
                                    .user_id(user_id)
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
        if result.succeeded == Some(true) {
            return Ok(Changed {
                vendor: VENDOR,
                user_id: user_id.to_string(),
                details: ChangedDetails::Uipath {},
            });
        }
        // A 200 that is a refusal.
        let errors = result.errors.unwrap_or_default();
        let verdict = identity_errors(&errors);
        Err(http::answer_error(
            VENDOR,
            &Answer::<()> {
                status: 200,
                body: None,
                text: None,
                retry_after: None,
            },
            verdict,
        ))
    }

    async fn login(&self, (client_id, client_secret, scope): &Login) -> Result<SecretToken, Error> {
        let client = self.client(ClientContext::anonymous());
        let body = types::TokenRequest {
            grant_type: "client_credentials".into(),
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            scope: Some(scope.clone()),
            username: None,
            password: None,
        };
        match http::send_with_connect_retry(self.retries, || {
            Box::pin(client.create_token().body(body.clone()).send())
        })
        .await
        {
            Ok(response) => Ok(response.into_inner().access_token),
            Err(e) => Err(http::resolve(
                VENDOR,
                http::failure(e, true).await,
                classify_token,
            )),
        }
    }
}

/// A UiPath user id: a UUID.
pub(crate) fn user_id(id: &str) -> Result<uuid::Uuid, Error> {
    uuid::Uuid::try_parse(id.trim()).map_err(|_| {
        Error::invalid_input(format!(
            "UiPath user id {id:?} is invalid: expected a UUID, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6"
        ))
        .with_vendor(VENDOR)
    })
}

/// ASP.NET Identity error codes to kinds.
pub(crate) fn identity_errors(errors: &[types::IdentityError]) -> Verdict {
    let kinds: Vec<ErrorKind> = errors
        .iter()
        .map(|e| identity_code(e.code.as_deref().unwrap_or_default()))
        .collect();
    // The most specific kind wins; InvalidInput is the fallback.
    let kind = kinds
        .iter()
        .copied()
        .find(|k| *k != ErrorKind::InvalidInput)
        .unwrap_or(ErrorKind::InvalidInput);
    Verdict {
        kind,
        code: errors.iter().find_map(|e| e.code.clone()),
        messages: errors
            .iter()
            .filter_map(|e| e.description.clone())
            .collect(),
    }
}

fn identity_code(code: &str) -> ErrorKind {
    let lower = code.to_ascii_lowercase();
    if lower == "passwordmismatch" {
        ErrorKind::CurrentPasswordInvalid
    } else if lower.starts_with("passwordrequires")
        || lower == "passwordtooshort"
        || lower.contains("complexity")
        || lower.contains("toolong")
    {
        ErrorKind::PolicyViolation
    } else if lower.contains("reuse")
        || lower.contains("history")
        || lower.contains("recent")
        || lower.contains("same")
    {
        ErrorKind::PasswordReused
    } else if lower.contains("notfound") {
        ErrorKind::UserNotFound
    } else {
        ErrorKind::InvalidInput
    }
}

/// UiPath's mapping of a non-200 answer to `changepassword`.
pub(crate) fn classify(answer: &Answer<types::ChangePasswordProblem>) -> Verdict {
    match answer.body.as_ref().and_then(|b| b.errors.as_ref()) {
        Some(types::ChangePasswordProblemErrors::Array(errors)) if answer.status == 400 => {
            identity_errors(errors)
        }
        Some(types::ChangePasswordProblemErrors::ValidationErrors(fields))
            if answer.status == 400 =>
        {
            Verdict {
                kind: ErrorKind::InvalidInput,
                code: answer.body.as_ref().and_then(|b| b.title.clone()),
                messages: fields
                    .iter()
                    .flat_map(|(field, msgs)| msgs.iter().map(move |m| format!("{field}: {m}")))
                    .collect(),
            }
        }
        _ => Verdict::by_status(answer.status),
    }
}

/// The token endpoint's RFC 6749 errors.
pub(crate) fn classify_token(answer: &Answer<types::OAuthError>) -> Verdict {
    let Some(body) = &answer.body else {
        return Verdict::by_status(answer.status);
    };
    let kind = match body.error.as_str() {
        "invalid_client" | "unauthorized_client" | "invalid_grant" => ErrorKind::Unauthenticated,
        "invalid_scope" => ErrorKind::PermissionDenied,
        _ => http::kind_for_status(answer.status),
    };
    Verdict {
        kind,
        code: Some(body.error.clone()),
        messages: body.error_description.iter().cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_code_table() {
        let cases = [
            ("PasswordMismatch", ErrorKind::CurrentPasswordInvalid),
            ("PasswordTooShort", ErrorKind::PolicyViolation),
            ("PasswordRequiresDigit", ErrorKind::PolicyViolation),
            (
                "PasswordRequiresNonAlphanumeric",
                ErrorKind::PolicyViolation,
            ),
            ("PasswordRequiresUniqueChars", ErrorKind::PolicyViolation),
            ("PasswordReuse", ErrorKind::PasswordReused),
            ("PasswordHistory", ErrorKind::PasswordReused),
            ("UserNotFound", ErrorKind::UserNotFound),
            ("DefaultError", ErrorKind::InvalidInput),
        ];
        for (code, expected) in cases {
            assert_eq!(identity_code(code), expected, "{code}");
        }
    }

    #[test]
    fn both_400_forms_and_bare_statuses_classify() {
        let list = Answer {
            status: 400,
            body: Some(serde_json::from_value(serde_json::json!({
                "succeeded": false, "errors": [{"code": "DefaultError"}, {"code": "PasswordRequiresDigit", "description": "needs a digit"}]
            })).unwrap()),
            text: None,
            retry_after: None,
        };
        let verdict = classify(&list);
        assert_eq!(verdict.kind, ErrorKind::PolicyViolation);
        assert_eq!(verdict.messages, ["needs a digit"]);
        let map = Answer {
            status: 400,
            body: Some(
                serde_json::from_value(serde_json::json!({
                    "title": "One or more validation errors occurred.", "status": 400,
                    "errors": {"newPassword": ["The NewPassword field is required."]}
                }))
                .unwrap(),
            ),
            text: None,
            retry_after: None,
        };
        let verdict = classify(&map);
        assert_eq!(verdict.kind, ErrorKind::InvalidInput);
        assert_eq!(
            verdict.messages,
            ["newPassword: The NewPassword field is required."]
        );
        for (status, kind) in [
            (401, ErrorKind::Unauthenticated),
            (403, ErrorKind::PermissionDenied),
            (404, ErrorKind::UserNotFound),
            (429, ErrorKind::RateLimited),
            (503, ErrorKind::Unavailable),
        ] {
            let bare = Answer::<types::ChangePasswordProblem> {
                status,
                body: None,
                text: None,
                retry_after: None,
            };
            assert_eq!(classify(&bare).kind, kind, "{status}");
        }
    }

    #[test]
    fn token_errors_classify() {
        for (error, kind) in [
            ("invalid_client", ErrorKind::Unauthenticated),
            ("invalid_scope", ErrorKind::PermissionDenied),
            ("server_error", ErrorKind::InvalidInput),
        ] {
            let answer = Answer {
                status: 400,
                body: Some(types::OAuthError {
                    error: error.into(),
                    error_description: None,
                }),
                text: None,
                retry_after: None,
            };
            assert_eq!(classify_token(&answer).kind, kind, "{error}");
        }
    }
}
