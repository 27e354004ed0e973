//! UiPath Identity Server: a `200` can still be a refusal (`succeeded: false`).

use pwchange_core::SecretToken;
use pwchange_core::classify::{Facts, Rule, Status, Verdict, When, answer_error, classify};
use pwchange_core::http::{Answer, HttpConfig};
use pwchange_core::token::Auth;
use pwchange_uipath::{Client as Generated, ClientContext, types};
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, Confirmed, LoginTarget};
use crate::config::{Common, Key, Keys, TokenOrLogin};
use crate::transport::{Transport, VendorError, verdict_of};
use crate::{
    ChangeOperation, CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password,
    PasswordChange, PasswordPolicy, PolicySource, Vendor,
};

const VENDOR: Vendor = Vendor::Uipath;
pub use pwchange_uipath::DEFAULT_SCOPE;

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

impl UipathAuth {
    /// The client-credentials grant of a confidential external application with the default
    /// scope ([`DEFAULT_SCOPE`]); [`with_scope`](Self::with_scope) asks for others.
    pub fn client_credentials(client_id: impl Into<String>, client_secret: SecretToken) -> Self {
        UipathAuth::ClientCredentials {
            client_id: client_id.into(),
            client_secret,
            scope: DEFAULT_SCOPE.to_owned(),
        }
    }

    /// A client-credentials grant asking for `scope` (space-separated) instead; a token is
    /// left as it is (its scopes are the token's).
    pub fn with_scope(self, scope: impl Into<String>) -> Self {
        match self {
            UipathAuth::ClientCredentials {
                client_id,
                client_secret,
                ..
            } => UipathAuth::ClientCredentials {
                client_id,
                client_secret,
                scope: scope.into(),
            },
            token => token,
        }
    }
}

/// Configuration of a UiPath backend. The base URL is the Identity base
/// (`pwchange_uipath::IdentityBase::url`), e.g. `https://cloud.uipath.com/acme/identity_`.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_UIPATH_<KEY>`): the [common
/// keys](crate::COMMON_KEYS), and `token`, or `client_id` and `client_secret` (optional `scope`);
/// `organization_id` (the organization's id, UiPath's `partitionGlobalId`) for the policy read,
/// when the token's organization is not the one meant.
#[derive(Debug, Clone)]
pub struct UipathConfig {
    http: HttpConfig,
    auth: UipathAuth,
    organization_id: Option<uuid::Uuid>,
}

impl UipathConfig {
    /// A configuration for the Identity base at `base_url`.
    pub fn new(base_url: &str, auth: UipathAuth) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            auth,
            organization_id: None,
        })
    }

    /// The organization (`partitionGlobalId`) whose password policy applies.
    pub fn organization_id(mut self, organization_id: uuid::Uuid) -> Self {
        self.organization_id = Some(organization_id);
        self
    }
}

crate::adapter::typed_config_methods!(UipathConfig, UipathAdapter);

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
const COMPLEXITY_KEY: &str = "Auth.Password.PasswordComplexity";

impl Adapter for UipathAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = &[
        Key::login(
            "client_id",
            "an external application's id (with client_secret, instead of token)",
        ),
        Key::secret("client_secret", "the external application's secret"),
        Key::plain(
            "scope",
            "the scopes asked for (default \"PM.User PM.User.Write\"; add PM.Setting.Read for the policy)",
        ),
        Key::plain(
            "organization_id",
            "the organization's id (partitionGlobalId) for the policy read (default: the token's)",
        ),
    ];
    const VERIFICATION: &'static str = "none: UiPath Identity's public API has no password login, so changes are reported as not verifiable";
    const MODES: &'static [ModeKind] = &[ModeKind::SelfService, ModeKind::AdminSet];
    const POLICY_API: bool = true;
    const POLICY: &'static str = "read from the setting Auth.Password.PasswordComplexity (GET /api/Setting; scope PM.Setting.Read); lengths in UTF-16 units";
    type Config = UipathConfig;
    type Login = (String, SecretToken, String);
    type Request = UipathRequest;
    type Details = UipathDetails;

    fn config(common: Common, keys: &mut Keys) -> Result<UipathConfig, Error> {
        let scope = keys.string("scope");
        let auth = match keys.token_or_login(common.token, "client_id", "client_secret")? {
            TokenOrLogin::Token(token) => UipathAuth::Token(token),
            TokenOrLogin::Login { user, secret } => {
                let secret = SecretToken::new(secrecy::ExposeSecret::expose_secret(&secret))
                    .map_err(|e| Error::invalid_input(format!("client_secret: {e}")))?;
                let auth = UipathAuth::client_credentials(user, secret);
                match scope {
                    Some(scope) => auth.with_scope(scope),
                    None => auth,
                }
            }
        };
        let organization_id = keys
            .string("organization_id")
            .map(|id| {
                uuid::Uuid::try_parse(id.trim()).map_err(|_| {
                    Error::invalid_input("organization_id must be the organization's UUID")
                })
            })
            .transpose()?;
        Ok(UipathConfig {
            http: common.http,
            auth,
            organization_id,
        })
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
            require_lowercase: true,
            require_uppercase: false,
            require_digit: true,
            require_symbol: false,
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
async fn read_user(
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
fn policy_of(value: Option<&str>) -> Result<PasswordPolicy, Error> {
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
        require_lowercase: flag("hasLowercase")?,
        require_uppercase: flag("hasUppercase")?,
        require_digit: flag("hasDigit")?,
        require_symbol: flag("hasSpecialCharacter")?,
        source: PolicySource::Vendor {
            operation: operation.to_owned(),
        },
        ..UipathAdapter::documented_policy()
    })
}

/// ASP.NET Identity error codes (in a `200 {succeeded: false}` or a 400's `errors` list).
const IDENTITY_RULES: &[Rule] = &[
    Rule::new(
        Status::Any,
        When::CodeIs(&["PasswordMismatch"]),
        ErrorKind::CurrentPasswordInvalid,
    ),
    Rule::new(
        Status::Any,
        When::CodeStartsWith(&["PasswordRequires"]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::Any,
        When::CodeContains(&["PasswordTooShort", "complexity", "TooLong"]),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::Any,
        When::CodeContains(&["reuse", "history", "recent", "same"]),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::Any,
        When::CodeContains(&["NotFound"]),
        ErrorKind::UserNotFound,
    ),
    Rule::new(Status::Any, When::Always, ErrorKind::InvalidInput),
];

fn identity_errors(status: u16, errors: &[types::IdentityError]) -> Verdict {
    let codes: Vec<String> = errors.iter().filter_map(|e| e.code.clone()).collect();
    // The first error (in the vendor's order) whose code says something specific decides.
    let kind = codes
        .iter()
        .map(|code| {
            let one = Facts {
                status,
                codes: vec![code.clone()],
                text: String::new(),
            };
            classify(IDENTITY_RULES, &one)
        })
        .find(|kind| *kind != ErrorKind::InvalidInput)
        .unwrap_or(ErrorKind::InvalidInput);
    Verdict {
        kind,
        code: codes.into_iter().next(),
        messages: errors
            .iter()
            .filter_map(|e| e.description.clone())
            .collect(),
    }
}

impl VendorError for types::ChangePasswordProblem {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        match answer.body.as_ref().and_then(|b| b.errors.as_ref()) {
            Some(types::ChangePasswordProblemErrors::Array(errors)) if answer.status == 400 => {
                identity_errors(answer.status, errors)
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

    /// Never: ASP.NET Core's problem details are what any ASP.NET gateway in front of UiPath
    /// (YARP) sends too, and UiPath documents no body for its `503` (the simulator sends none).
    fn is_vendors_own(&self, _: u16) -> bool {
        false
    }
}

/// The error codes of RFC 6749 (sections 5.2 and 4.1.2.1): what marks a token endpoint's own
/// error body.
const OAUTH_ERROR_CODES: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "access_denied",
    "server_error",
    "temporarily_unavailable",
];

/// The token endpoint's RFC 6749 errors.
const TOKEN_RULES: &[Rule] = &[
    Rule::new(
        Status::Any,
        When::CodeIs(&["invalid_client", "unauthorized_client", "invalid_grant"]),
        ErrorKind::Unauthenticated,
    ),
    Rule::new(
        Status::Any,
        When::CodeIs(&["invalid_scope"]),
        ErrorKind::PermissionDenied,
    ),
];

impl VendorError for types::OAuthError {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(body) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        let facts = Facts {
            status: answer.status,
            codes: vec![body.error.clone()],
            text: String::new(),
        };
        Verdict::from_rules(
            TOKEN_RULES,
            facts,
            body.error_description.iter().cloned().collect(),
        )
    }

    /// An RFC 6749 error code (a token request applies nothing either way).
    fn is_vendors_own(&self, _: u16) -> bool {
        OAUTH_ERROR_CODES.contains(&self.error.as_str())
    }
}

#[cfg(test)]
mod facade_tests;

#[cfg(test)]
mod tests {
    #[test]
    fn the_complexity_value_is_read_tolerantly() {
        let policy = |value: &str| policy_of(Some(value));
        let p = policy(r#"{"hasSpecialCharacter":false,"hasLowercase":true,"hasUppercase":false,"hasDigit":true,"Length":"10"}"#).unwrap();
        assert_eq!(p.min_length, 10);
        assert_eq!(p.required_classes(), ["lowercase", "digit"]);
        let p = policy(r#"{"HASSPECIALCHARACTER":"true","length":12}"#).unwrap();
        assert_eq!(
            (p.min_length, p.require_symbol, p.require_digit),
            (12, true, false)
        );
        // Each flag is the setting's, not the default's (the default: lowercase and digit).
        let p = policy(r#"{"hasLowercase":false,"hasUppercase":true,"hasDigit":"FALSE","hasSpecialCharacter":"True","Length":9}"#).unwrap();
        assert_eq!(p.required_classes(), ["uppercase", "symbol"]);
        let p = policy(r#"{"hasLowercase":"false","hasDigit":"true","Length":9}"#).unwrap();
        assert_eq!(p.required_classes(), ["digit"]);
        for bad in [
            r#"{"hasDigit":"yes","Length":8}"#,
            "not json",
            "[1]",
            r#"{"Length":0}"#,
            r#"{"Length":257}"#,
            r#"{"Length":"ten"}"#,
            r#"{"hasDigit":1,"Length":8}"#,
            r#"{"hasDigit":"yes","Length":8}"#,
            r#"{"hasDigit":true}"#,
        ] {
            let err = policy(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unexpected, "{bad}");
            assert!(err.to_string().contains("PasswordComplexity"), "{err}");
        }
        let unset = policy_of(None).unwrap();
        assert_eq!(
            unset.min_length,
            UipathAdapter::documented_policy().min_length
        );
        assert!(
            matches!(unset.source, PolicySource::Vendor { ref operation } if operation.contains("not set"))
        );
    }

    use super::*;

    fn classify(answer: &Answer<types::ChangePasswordProblem>) -> Verdict {
        <types::ChangePasswordProblem as VendorError>::verdict(answer)
    }

    fn classify_token(answer: &Answer<types::OAuthError>) -> Verdict {
        <types::OAuthError as VendorError>::verdict(answer)
    }

    fn identity_code(code: &str) -> ErrorKind {
        let error = types::IdentityError {
            code: Some(code.into()),
            description: None,
        };
        identity_errors(200, &[error]).kind
    }

    #[test]
    fn the_first_specific_error_in_the_vendors_order_decides() {
        let errors = |codes: &[&str]| -> Vec<types::IdentityError> {
            codes
                .iter()
                .map(|c| types::IdentityError {
                    code: Some((*c).into()),
                    description: None,
                })
                .collect()
        };
        for (codes, kind) in [
            (
                &["PasswordHistory", "PasswordTooShort"][..],
                ErrorKind::PasswordReused,
            ),
            (
                &["PasswordRequiresDigit", "PasswordMismatch"][..],
                ErrorKind::PolicyViolation,
            ),
            (
                &["DefaultError", "PasswordMismatch"][..],
                ErrorKind::CurrentPasswordInvalid,
            ),
            (&["DefaultError"][..], ErrorKind::InvalidInput),
            (&[][..], ErrorKind::InvalidInput),
        ] {
            let verdict = identity_errors(200, &errors(codes));
            assert_eq!(verdict.kind, kind, "{codes:?}");
            assert_eq!(verdict.code.as_deref(), codes.first().copied());
        }
    }

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
    fn only_a_400_reads_the_problem_body() {
        for body in [
            serde_json::json!({"errors": [{"code": "PasswordMismatch"}]}),
            serde_json::json!({"title": "t", "errors": {"newPassword": ["required"]}}),
        ] {
            let answer = Answer {
                status: 403,
                body: Some(serde_json::from_value(body).unwrap()),
                text: None,
                retry_after: None,
            };
            assert_eq!(classify(&answer).kind, ErrorKind::PermissionDenied);
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
