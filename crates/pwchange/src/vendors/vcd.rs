//! VMware Cloud Director: `changePassword` changes the caller's own password (self-service only).

use pwchange_core::SecretToken;
use pwchange_vcd::{Client as Generated, Credentials, types};
use secrecy::SecretString;

use crate::auth::TokenSource;
use crate::env::{Env, TokenOrLogin};
use crate::http::{self, Answer, BoxFuture, HttpConfig, Verdict, mentions};
use crate::{Changed, ChangedDetails, Error, ErrorKind, Mode, PasswordChange, Vendor};

const VENDOR: Vendor = Vendor::Vcd;
const URN_PREFIX: &str = "urn:vcloud:user:";

/// How a Cloud Director backend authenticates.
#[derive(Debug, Clone)]
pub enum VcdAuth {
    /// A bearer token (JWT) from an earlier session.
    Token(SecretToken),
    /// Session login with `user@org` and password (`POST /cloudapi/1.0.0/sessions`, or
    /// `/sessions/provider` when the organization is `System`).
    Login {
        /// `user@org`.
        username: String,
        /// The password (the same user's current password, for a self-service change).
        password: SecretString,
    },
}

/// Configuration of a Cloud Director backend.
///
/// Environment (`from_env`): `PWCHANGE_VCD_BASE_URL` (the API host, e.g. `https://vcd.example.com`),
/// `PWCHANGE_VCD_TOKEN`, or `PWCHANGE_VCD_USERNAME` (`user@org`) and `PWCHANGE_VCD_PASSWORD`;
/// optional `PWCHANGE_VCD_API_VERSION` (default 38.0, at least 36.3) and the common HTTP variables.
#[derive(Debug, Clone)]
pub struct VcdConfig {
    http: HttpConfig,
    auth: VcdAuth,
    api_version: String,
}

impl VcdConfig {
    /// A configuration for the API host at `base_url`.
    pub fn new(base_url: &str, auth: VcdAuth) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            auth,
            api_version: pwchange_vcd::DEFAULT_API_VERSION.to_owned(),
        })
    }

    /// The API version sent in `Accept` (at least 36.3).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
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
        let auth = match env.token_or_login("USERNAME", "PASSWORD")? {
            TokenOrLogin::Token(token) => VcdAuth::Token(token),
            TokenOrLogin::Login { user, secret } => VcdAuth::Login {
                username: user,
                password: SecretString::from(secret),
            },
        };
        let mut config = Self {
            http,
            auth,
            api_version: pwchange_vcd::DEFAULT_API_VERSION.to_owned(),
        };
        if let Some(version) = env.get("API_VERSION") {
            config = config.api_version(version);
        }
        Ok(config)
    }
}

type Login = (String, SecretString);

pub(crate) struct VcdBackend {
    base: String,
    http: reqwest::Client,
    retries: u32,
    api_version: String,
    token: TokenSource<Login>,
}

impl VcdBackend {
    pub fn new(config: VcdConfig) -> Result<Self, Error> {
        // Checks the version now, so a bad one fails at construction.
        pwchange_vcd::context(Credentials::None, &config.api_version)
            .map_err(|e| Error::invalid_input(e.to_string()).with_vendor(VENDOR))?;
        let token = match config.auth {
            VcdAuth::Token(token) => TokenSource::Static(token),
            VcdAuth::Login { username, password } => {
                if !username.contains('@') {
                    return Err(Error::invalid_input(format!(
                        "Cloud Director user name {username:?} must be user@organization"
                    ))
                    .with_vendor(VENDOR));
                }
                TokenSource::login((username, password))
            }
        };
        Ok(Self {
            base: config.http.base(),
            http: config.http.reqwest_client()?,
            retries: config.http.connect_retries,
            api_version: config.api_version,
            token,
        })
    }

    fn client(&self, credentials: Credentials) -> Result<Generated, Error> {
        let context = pwchange_vcd::context(credentials, &self.api_version)
            .map_err(|e| Error::invalid_input(e.to_string()).with_vendor(VENDOR))?;
        Ok(Generated::new_with_client(
            &self.base,
            self.http.clone(),
            context,
        ))
    }

    pub async fn change(&self, change: &PasswordChange) -> Result<Changed, Error> {
        if let Mode::AdminSet { .. } = change.mode() {
            return Err(Error::unsupported(
                "Cloud Director's changePassword changes only the caller's own password and needs the current \
                 one; an administrator sets passwords with PUT /cloudapi/1.0.0/users/{urn}, which pwchange does not cover",
            )
            .with_vendor(VENDOR));
        }
        let urn = user_urn(change.user_id())?;
        let body = types::PasswordChangeRequest {
            current_password: pwchange_core::UnboundedPassword::any(
                change
                    .current_password()
                    .map(|p| p.expose_secret())
                    .unwrap_or_default(),
            ),
            new_password: change
                .new_password()
                .bounded::<6, 128>("new password", "Cloud Director accepts 6..=128 characters")?,
        };
        let (body, urn_ref) = (&body, urn.as_str());
        self.token
            .with_token::<()>(
                |login| Box::pin(self.login(login)) as BoxFuture<'_, _>,
                move |token| {
                    Box::pin(async move {
                        let client = self.client(Credentials::Bearer(token))?;
                        let sent = http::send_with_connect_retry(self.retries, || {
                            Box::pin(
                                client
                                    .change_password()
                                    .user_urn(urn_ref)
                                    .body(body.clone())
                                    .send(),
                            )
                        })
                        .await;
                        match sent {
                            Ok(_) => Ok(()),
                            Err(e) => Err(http::resolve(
                                VENDOR,
                                http::failure(e, false).await,
                                classify,
                            )),
                        }
                    }) as BoxFuture<'_, _>
                },
            )
            .await?;
        Ok(Changed {
            vendor: VENDOR,
            user_id: urn,
            details: ChangedDetails::Vcd {},
        })
    }

    async fn login(&self, (username, password): &Login) -> Result<SecretToken, Error> {
        let client = self.client(Credentials::Basic {
            username: username.clone(),
            password: password.clone(),
        })?;
        let provider = username
            .rsplit_once('@')
            .is_some_and(|(_, org)| org.eq_ignore_ascii_case("system"));
        let sent = if provider {
            http::send_with_connect_retry(self.retries, || Box::pin(client.provider_login().send()))
                .await
        } else {
            http::send_with_connect_retry(self.retries, || Box::pin(client.login().send())).await
        };
        match sent {
            Ok(response) => pwchange_vcd::access_token(&response).map_err(|e| {
                Error::new(ErrorKind::Unexpected, e.to_string())
                    .with_vendor(VENDOR)
                    .with_status(Some(response.status().as_u16()))
            }),
            Err(e) => Err(http::resolve(
                VENDOR,
                http::failure(e, true).await,
                classify,
            )),
        }
    }
}

/// `urn:vcloud:user:<uuid>`, case-insensitive prefix, normalised to lowercase prefix.
pub(crate) fn user_urn(id: &str) -> Result<String, Error> {
    let id = id.trim();
    let uuid = id
        .get(..URN_PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(URN_PREFIX))
        .and_then(|_| uuid::Uuid::try_parse(&id[URN_PREFIX.len()..]).ok())
        .ok_or_else(|| {
            Error::invalid_input(format!(
                "Cloud Director user id {id:?} is invalid: expected urn:vcloud:user:<uuid>, e.g. \
                 urn:vcloud:user:522d756c-ad00-3b4f-ae6a-6d241437b471"
            ))
            .with_vendor(VENDOR)
        })?;
    Ok(format!("{URN_PREFIX}{}", uuid.hyphenated()))
}

/// Cloud Director's mapping. 403 means "not authorized *or* the entity does not exist"; it is
/// `UserNotFound` only when the code or message says so, else `PermissionDenied`.
pub(crate) fn classify(answer: &Answer<types::Error>) -> Verdict {
    let Some(error) = &answer.body else {
        return Verdict::by_status(answer.status);
    };
    let code = error.minor_error_code.as_str();
    let message = error.message.as_str();
    let kind = match answer.status {
        400 if mentions(
            message,
            &["current password", "old password", "existing password"],
        ) && mentions(
            message,
            &[
                "incorrect",
                "invalid",
                "wrong",
                "does not match",
                "mismatch",
            ],
        ) =>
        {
            ErrorKind::CurrentPasswordInvalid
        }
        400 if mentions(
            message,
            &["same as", "different from", "history", "reuse", "previous"],
        ) =>
        {
            ErrorKind::PasswordReused
        }
        400 if mentions(
            message,
            &[
                "policy",
                "complex",
                "at least",
                "must contain",
                "too short",
                "too long",
            ],
        ) =>
        {
            ErrorKind::PolicyViolation
        }
        403 if code.eq_ignore_ascii_case("RESOURCE_NOT_FOUND")
            || mentions(message, &["does not exist", "not found"]) =>
        {
            ErrorKind::UserNotFound
        }
        status => http::kind_for_status(status),
    };
    Verdict {
        kind,
        code: Some(code.to_owned()),
        messages: vec![message.to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, code: &str, message: &str) -> Answer<types::Error> {
        Answer {
            status,
            body: Some(types::Error {
                minor_error_code: code.into(),
                message: message.into(),
                stack_trace: None,
            }),
            text: None,
            retry_after: None,
        }
    }

    #[test]
    fn mapping_table() {
        let cases = [
            (
                400,
                "BAD_REQUEST",
                "[ x ] The current password is incorrect.",
                ErrorKind::CurrentPasswordInvalid,
            ),
            (
                400,
                "BAD_REQUEST",
                "[ x ] New password must be different from your current password.",
                ErrorKind::PasswordReused,
            ),
            (
                400,
                "BAD_REQUEST",
                "[ x ] Password must contain at least one digit.",
                ErrorKind::PolicyViolation,
            ),
            (
                400,
                "BAD_REQUEST",
                "[ x ] Unrecognized field",
                ErrorKind::InvalidInput,
            ),
            (
                401,
                "UNAUTHORIZED",
                "[ x ] Either no authentication credentials were provided or they were not valid.",
                ErrorKind::Unauthenticated,
            ),
            (
                403,
                "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                "[ x ] Either you need some rights or the target entity is invalid.",
                ErrorKind::PermissionDenied,
            ),
            (
                403,
                "RESOURCE_NOT_FOUND",
                "[ x ] urn:vcloud:user:1",
                ErrorKind::UserNotFound,
            ),
            (
                403,
                "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                "[ x ] The entity urn:vcloud:user:1 does not exist.",
                ErrorKind::UserNotFound,
            ),
            (
                500,
                "INTERNAL_SERVER_ERROR",
                "[ x ] Internal Server Error",
                ErrorKind::Unavailable,
            ),
        ];
        for (status, code, message, expected) in cases {
            let verdict = classify(&answer(status, code, message));
            assert_eq!(verdict.kind, expected, "{status} {code} {message}");
            assert_eq!(verdict.code.as_deref(), Some(code));
        }
    }

    #[test]
    fn user_urns_are_checked_and_normalised() {
        assert_eq!(
            user_urn("URN:vcloud:user:522D756C-AD00-3B4F-AE6A-6D241437B471").unwrap(),
            "urn:vcloud:user:522d756c-ad00-3b4f-ae6a-6d241437b471"
        );
        for bad in [
            "522d756c-ad00-3b4f-ae6a-6d241437b471",
            "urn:vcloud:org:522d756c-ad00-3b4f-ae6a-6d241437b471",
            "urn:vcloud:user:../x",
            "urn:vcloud:user:",
        ] {
            let err = user_urn(bad).unwrap_err();
            assert!(
                err.to_string().contains("expected urn:vcloud:user:<uuid>"),
                "{err}"
            );
        }
    }
}
