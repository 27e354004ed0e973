//! VMware Cloud Director: `changePassword` changes the caller's own password (self-service only).

use pwchange_core::SecretToken;
use pwchange_core::classify::{Facts, Rule, Status, Verdict, When};
use pwchange_core::http::{Answer, HttpConfig};
use pwchange_core::token::Auth;
use pwchange_vcd::{Client as Generated, Credentials, types};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, LoginTarget, Transport, VendorError, login_refused, verdict_of};
use crate::config::{Common, Key, Keys, TokenOrLogin};
use crate::{
    Changed, CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password,
    PasswordChange, PasswordPolicy, PolicySource, Vendor,
};

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
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_VCD_<KEY>`): the common keys (`base_url`
/// is the API host, e.g. `https://vcd.example.com`), `token`, or `username` (`user@org`) and
/// `password`; `api_version` (default 38.0, at least 36.3).
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
}

crate::adapter::typed_config_methods!(VcdConfig, VcdAdapter);

/// What Cloud Director returned for a change: `204` and no body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VcdDetails {}

pub(crate) struct VcdAdapter {
    api_version: String,
    /// The session login's `user@org`, when the backend logs in: the user whose password a
    /// self-service change sets, and so the name a verification logs in with.
    login_name: Option<String>,
}

impl VcdAdapter {
    fn client(&self, transport: &Transport, credentials: Credentials) -> Result<Generated, Error> {
        let context = pwchange_vcd::context(credentials, &self.api_version)
            .map_err(|e| Error::invalid_input(e.to_string()))?;
        Ok(transport.client(Generated::new_with_client, context))
    }
}

impl Adapter for VcdAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = &[
        Key::login(
            "username",
            "user@organization, for a session login (with password, instead of token)",
        ),
        Key::secret("password", "the session login's password"),
        Key::plain(
            "api_version",
            "the API version sent in Accept (default 38.0, at least 36.3)",
        ),
    ];
    const VERIFICATION: &'static str =
        "opens a session as user@org (the configured username, else the login name given)";
    const MODES: &'static [ModeKind] = &[ModeKind::SelfService];
    const POLICY: &'static str = "documented only (Cloud Director has no API for its complexity rules): the API's 6..=128 characters; VCF Automation 9.0 documents 15 with every class";
    type Config = VcdConfig;
    type Login = (String, SecretString);
    type Request = (String, types::PasswordChangeRequest);

    fn config(common: Common, keys: &mut Keys) -> Result<VcdConfig, Error> {
        let auth = match keys.token_or_login(common.token, "username", "password")? {
            TokenOrLogin::Token(token) => VcdAuth::Token(token),
            TokenOrLogin::Login { user, secret } => VcdAuth::Login {
                username: user,
                password: secret,
            },
        };
        Ok(VcdConfig {
            http: common.http,
            auth,
            api_version: keys
                .string("api_version")
                .unwrap_or_else(|| pwchange_vcd::DEFAULT_API_VERSION.to_owned()),
        })
    }

    fn new(config: VcdConfig) -> Result<(Self, HttpConfig, Auth<Self::Login>), Error> {
        // Checks the version now, so a bad one fails at construction.
        pwchange_vcd::context(Credentials::None, &config.api_version)
            .map_err(|e| Error::invalid_input(e.to_string()))?;
        let (auth, login_name) = match config.auth {
            VcdAuth::Token(token) => (Auth::Token(token), None),
            VcdAuth::Login { username, password } => {
                if !username.contains('@') {
                    return Err(Error::invalid_input(
                        "the Cloud Director user name must be user@organization",
                    ));
                }
                (Auth::Login((username.clone(), password)), Some(username))
            }
        };
        let adapter = Self {
            api_version: config.api_version,
            login_name,
        };
        Ok((adapter, config.http, auth))
    }

    /// `urn:vcloud:user:<uuid>`, case-insensitive, normalised to lowercase.
    fn user_id(id: &str) -> Result<String, Error> {
        let id = id.trim();
        let uuid = id
            .get(..URN_PREFIX.len())
            .filter(|p| p.eq_ignore_ascii_case(URN_PREFIX))
            .and_then(|_| uuid::Uuid::try_parse(&id[URN_PREFIX.len()..]).ok())
            .ok_or_else(|| {
                Error::invalid_input(
                    "Cloud Director user id is invalid: expected urn:vcloud:user:<uuid>, e.g. \
                     urn:vcloud:user:522d756c-ad00-3b4f-ae6a-6d241437b471",
                )
            })?;
        Ok(format!("{URN_PREFIX}{}", uuid.hyphenated()))
    }

    fn documented_policy() -> PasswordPolicy {
        PasswordPolicy {
            min_length: 6,
            max_length: Some(128),
            length_unit: LengthUnit::Characters,
            require_lowercase: false,
            require_uppercase: false,
            require_digit: false,
            require_symbol: false,
            character_classes: CharacterClasses::Unicode,
            source: PolicySource::Documented {
                reference: "Cloud Director's API (newPassword 6..=128 characters); VCF Automation 9.0 documents more: at least 15 characters with a lowercase, uppercase, digit and special character".to_owned(),
            },
        }
    }

    fn prepare(&self, change: &PasswordChange, urn: String) -> Result<Self::Request, Error> {
        let (Mode::SelfService, Some(current)) = (change.mode(), change.current_password()) else {
            return Err(Error::unsupported(
                "Cloud Director's changePassword changes only the caller's own password and needs the current \
                 one; an administrator sets passwords with PUT /cloudapi/1.0.0/users/{urn}, which pwchange does not cover",
            ));
        };
        let body = types::PasswordChangeRequest {
            current_password: pwchange_core::UnboundedPassword::any(current.expose_secret()),
            new_password: change
                .new_password()
                .bounded("new password", "Cloud Director")?,
        };
        Ok((urn, body))
    }

    async fn send(
        &self,
        transport: &Transport,
        token: &SecretToken,
        (urn, body): &Self::Request,
    ) -> Result<Changed, Error> {
        let client = self.client(transport, Credentials::Bearer(token.clone()))?;
        transport
            .call(|| {
                Box::pin(
                    client
                        .change_password()
                        .user_urn(urn.as_str())
                        .body(body.clone())
                        .send(),
                )
            })
            .await?;
        Ok(Changed::confirmed(VENDOR, urn.clone(), VcdDetails {}))
    }

    /// A session login as `user@org` with the new password (the provider endpoint for `System`).
    async fn verify(
        &self,
        transport: &Transport,
        _token: Option<&SecretToken>,
        user: &LoginTarget,
        password: &Password,
    ) -> Result<(), Error> {
        let Some(username) = user.login_name.as_ref().or(self.login_name.as_ref()) else {
            return Err(Error::unsupported(
                "a Cloud Director session login needs user@organization: configure the username \
                 or give the login name to verify",
            ));
        };
        if !username.contains('@') {
            return Err(Error::invalid_input(
                "the Cloud Director login name must be user@organization",
            ));
        }
        let client = self.client(
            transport,
            Credentials::Basic {
                username: username.clone(),
                password: SecretString::from(password.expose_secret().to_owned()),
            },
        )?;
        transport
            .call(|| Box::pin(pwchange_vcd::log_in(&client, username)))
            .await
            .map_err(|e| login_refused(e, &[ErrorKind::Unauthenticated]))?;
        Ok(())
    }

    async fn login(
        &self,
        transport: &Transport,
        (username, password): &Self::Login,
    ) -> Result<SecretToken, Error> {
        let client = self.client(
            transport,
            Credentials::Basic {
                username: username.clone(),
                password: password.clone(),
            },
        )?;
        transport
            .call(|| Box::pin(pwchange_vcd::log_in(&client, username)))
            .await
    }

    fn classify_bytes(status: u16, body: &[u8]) -> Verdict {
        verdict_of::<types::Error>(status, body)
    }
}

/// Cloud Director's error table. 403 means "not authorized *or* the entity does not exist"; it is
/// `UserNotFound` only when the code or message says so, else `PermissionDenied`.
const RULES: &[Rule] = &[
    Rule::new(
        Status::OneOf(&[400]),
        When::MentionsBoth(
            &["current password", "old password", "existing password"],
            &[
                "incorrect",
                "invalid",
                "wrong",
                "does not match",
                "mismatch",
            ],
        ),
        ErrorKind::CurrentPasswordInvalid,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(&["same as", "different from", "history", "reuse", "previous"]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(&[
            "policy",
            "complex",
            "at least",
            "must contain",
            "too short",
            "too long",
        ]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::OneOf(&[403]),
        When::CodeIs(&["RESOURCE_NOT_FOUND"]),
        ErrorKind::UserNotFound,
    ),
    Rule::new(
        Status::OneOf(&[403]),
        When::Mentions(&["does not exist", "not found"]),
        ErrorKind::UserNotFound,
    ),
];

impl VendorError for types::Error {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(error) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        let facts = Facts {
            status: answer.status,
            codes: vec![error.minor_error_code.clone()],
            text: error.message.clone(),
        };
        Verdict::from_rules(RULES, facts, vec![error.message.clone()])
    }
}

#[cfg(test)]
mod facade_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(answer: &Answer<types::Error>) -> Verdict {
        <types::Error as VendorError>::verdict(answer)
    }

    fn user_urn(id: &str) -> Result<String, Error> {
        VcdAdapter::user_id(id)
    }

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
                ErrorKind::OutcomeUnknown,
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
