//! The Auth0 adapter: the user read that finds its database connection, the update, the
//! application's login, the verification by the password-realm grant, and the connections'
//! password policy.

use pwchange_auth0::{
    Client as Generated, DATABASE_PROVIDER, Grant, MAX_PASSWORD_BYTES, management_audience, texts,
    types,
};
use pwchange_core::classify::Verdict;
use pwchange_core::http::HttpConfig;
use pwchange_core::token::Auth;
use pwchange_core::vendor_text::VendorText;
use pwchange_core::{ClientContext, SecretToken, UnboundedPassword};
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, Confirmed, LoginTarget, failed_before_the_change};
use crate::config::{Common, Key, Keys};
use crate::transport::{Transport, verdict_of};
use crate::{
    ChangeOperation, CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password,
    PasswordChange, PasswordPolicy, PolicySource, Vendor,
};

use super::VENDOR;
use super::config::{self, Auth0Auth, Auth0Config, Auth0Login, VerifyClient};
use super::error::{Operation, explain};

/// What Auth0's answer to an update says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Auth0Details {
    /// Always `update_user` (`PATCH /api/v2/users/{id}`, an administrative set).
    pub operation: ChangeOperation,
    /// The database connection the password was set in.
    pub connection: VendorText,
    /// The user's email address, as Auth0 answered it (what a login names), when its primary
    /// identity is the database one.
    pub email: Option<VendorText>,
    /// The user's user name, where the connection has them (as `email`).
    pub username: Option<VendorText>,
    /// Whether an administrator blocked the user (its logins are refused).
    pub blocked: bool,
}

impl pwchange_core::vendor_text::Redact for Auth0Details {
    fn redact(&mut self, secrets: &pwchange_core::Redactor) {
        self.connection.redact(secrets);
        for text in [&mut self.email, &mut self.username].into_iter().flatten() {
            text.redact(secrets);
        }
    }
}

/// A checked Auth0 request. No `Debug`: it holds a password (which would not print).
pub(crate) struct Auth0Request {
    user_id: String,
    password: pwchange_core::BoundedPassword<1, MAX_PASSWORD_BYTES>,
}

/// What a user's record tells a change and a verification.
struct UserRecord {
    /// The connections of its database identities (more than one: linked accounts).
    connections: Vec<String>,
    /// Whether its primary identity (the first) is a database one: only then are the record's
    /// email address and user name that identity's login.
    primary_is_database: bool,
    /// What a login names: the email address, else the user name.
    login_name: Option<String>,
    blocked: bool,
}

impl UserRecord {
    fn of(user: types::User) -> Self {
        let database =
            |identity: &types::Identity| identity.provider.as_deref() == Some(DATABASE_PROVIDER);
        Self {
            primary_is_database: user.identities.first().is_some_and(database),
            connections: user
                .identities
                .iter()
                .filter(|identity| database(identity))
                .filter_map(|identity| identity.connection.clone())
                .collect(),
            login_name: user.email.or(user.username),
            blocked: user.blocked == Some(true),
        }
    }

    /// The user's one database connection: none (a social or enterprise user) and several
    /// (linked accounts) are refused, naming why.
    fn connection(&self) -> Result<String, Error> {
        match self.connections.as_slice() {
            [connection] => Ok(connection.clone()),
            [] => Err(Error::unsupported(
                "the user has no database connection identity (a social or enterprise login): set the password at its identity provider",
            )),
            _ => Err(Error::invalid_input(
                "the user has several database identities (linked accounts): set the connection setting to the one whose password to set",
            )),
        }
    }
}

/// Why a blocked user's change is not verified.
const BLOCKED: &str =
    "an administrator blocked the user: Auth0 refuses its logins before checking the password";

pub(crate) struct Auth0Adapter {
    audience: String,
    connection: Option<String>,
    verify_client: Option<VerifyClient>,
}

impl Auth0Adapter {
    fn client(&self, transport: &Transport, token: Option<&SecretToken>) -> Generated {
        let context = match token {
            Some(token) => ClientContext::bearer(token.clone()),
            None => ClientContext::anonymous(),
        };
        transport.client(Generated::new_with_client, context)
    }

    async fn read_user(
        &self,
        transport: &Transport,
        token: &SecretToken,
        user_id: &str,
    ) -> Result<UserRecord, Error> {
        let client = self.client(transport, Some(token));
        let user = transport
            .call(|| Box::pin(client.get_user().id(user_id).send()))
            .await
            .map_err(|e| explain(e, Operation::Read))?
            .into_inner();
        if user.user_id != user_id {
            return Err(Error::new(
                ErrorKind::Unexpected,
                "Auth0 answered with another user's record",
            )
            .with_status(Some(200)));
        }
        Ok(UserRecord::of(user))
    }

    /// The token endpoint with `grant`.
    async fn token(
        &self,
        transport: &Transport,
        grant: &Grant<'_>,
    ) -> Result<types::TokenResponse, Error> {
        let body = grant
            .body()
            .map_err(|e| Error::invalid_input(format!("an Auth0 login: {e}")))?;
        let client = self.client(transport, None);
        Ok(transport
            .call(|| Box::pin(client.token().body(body.clone()).send()))
            .await?
            .into_inner())
    }
}

impl Adapter for Auth0Adapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = config::KEYS;
    const VERIFICATION: &'static str = "the password-realm grant (POST /oauth/token, realm = the user's database connection) through verify_client_id, with the user's email address or user name; without verify_client_id, or for a blocked user or one with multi-factor authentication, not verifiable; each failed login counts towards Auth0's brute-force protection";
    const MODES: &'static [ModeKind] = &[ModeKind::AdminSet];
    const POLICY_API: bool = true;
    const POLICY: &'static str = "read from the database connection's options (GET /api/v2/connections?strategy=auth0; read:connections_options): the connection setting's, else the strictest of them; the legacy strength level or the Flexible Password Policy; at most 72 bytes; history, dictionary, personal data and repeated or sequential characters are named, not checked";
    type Config = Auth0Config;
    type Login = Auth0Login;
    type Request = Auth0Request;
    type Details = Auth0Details;

    fn config(common: Common, keys: &mut Keys) -> Result<Auth0Config, Error> {
        Auth0Config::from_keys(common, keys)
    }

    fn new(config: Auth0Config) -> Result<(Self, HttpConfig, Auth<Self::Login>), Error> {
        let base = config.http.base_url();
        let path = base.path().to_ascii_lowercase();
        if path.contains("/api/") || path.trim_end_matches('/').ends_with("/api") {
            return Err(Error::invalid_input(
                "the Auth0 base URL names a path of the API: give the tenant's domain (e.g. https://acme.eu.auth0.com)",
            ));
        }
        let audience = management_audience(base.as_str());
        let auth = match config.auth {
            Auth0Auth::Token(token) => Auth::Token(token),
            Auth0Auth::Login(login) => Auth::Login(login),
        };
        let adapter = Self {
            audience,
            connection: config.connection,
            verify_client: config.verify_client,
        };
        Ok((adapter, config.http, auth))
    }

    /// An Auth0 user id, `<provider>|<id>`, sent as given (its `|` as `%7C`).
    fn user_id(id: &str) -> Result<String, Error> {
        crate::adapter::path_segment_id(
            id,
            "Auth0 user id is invalid: expected the user's user_id (e.g. auth0|507f1f77bcf86cd799439020), without whitespace or any of / \\ ? # %",
        )
    }

    fn documented_policy() -> PasswordPolicy {
        PasswordPolicy {
            source: PolicySource::Documented {
                reference: "Auth0's default database connection (the strength level good: at least 8 characters, three of lowercase, uppercase, digits and special characters; Password Strength in Auth0 Database Connections); bcrypt keeps at most 72 bytes".to_owned(),
            },
            ..legacy_level("good")
        }
    }

    fn prepare(&self, change: &PasswordChange, user_id: String) -> Result<Self::Request, Error> {
        match change.mode() {
            Mode::AdminSet {
                require_change_at_next_login: false,
            } => {}
            Mode::AdminSet { .. } => {
                return Err(Error::unsupported(
                    "Auth0 has no setting that requires a new password at the next login: set the password without requiring a change",
                ));
            }
            _ => {
                return Err(Error::unsupported(
                    "Auth0 has no API for a user's own password change (its change-password ticket sends the user a link): set it as an administrator",
                ));
            }
        }
        let bytes = change.new_password().expose_secret().len();
        if bytes > MAX_PASSWORD_BYTES {
            return Err(Error::new(
                ErrorKind::PolicyViolation,
                format!(
                    "the new password has {bytes} bytes; Auth0 keeps at most {MAX_PASSWORD_BYTES} (bcrypt), and its legacy policy would cut the rest silently"
                ),
            ));
        }
        Ok(Auth0Request {
            user_id,
            password: change
                .new_password()
                .bounded("new password", "Auth0's 72 bytes")?,
        })
    }

    async fn send(
        &self,
        transport: &Transport,
        token: &SecretToken,
        request: &Self::Request,
    ) -> Result<Confirmed<Auth0Details>, Error> {
        // The connection is configured, or the user's database identity names it.
        let connection = match &self.connection {
            Some(connection) => connection.clone(),
            None => {
                let record = self
                    .read_user(transport, token, &request.user_id)
                    .await
                    .map_err(|e| failed_before_the_change(e, "the user read"))?;
                record.connection().map_err(|e| e.with_status(Some(200)))?
            }
        };
        let body = types::UpdateUserPassword {
            password: request.password.clone(),
            connection: connection.as_str().try_into().map_err(|_| {
                Error::new(
                    ErrorKind::Unexpected,
                    "the user's connection has an empty name",
                )
            })?,
        };
        let client = self.client(transport, Some(token));
        let user = transport
            .call(|| {
                Box::pin(
                    client
                        .update_user()
                        .id(request.user_id.as_str())
                        .body(body.clone())
                        .send(),
                )
            })
            .await
            .map_err(|e| explain(e, Operation::Update))?
            .into_inner();
        // The update was sent: an answer about another user says nothing of this one's.
        if user.user_id != request.user_id {
            return Err(Error::new(
                ErrorKind::OutcomeUnknown,
                "Auth0 answered the update with another user's record: whether this user's password changed is unknown",
            )
            .with_status(Some(200)));
        }
        let blocked = user.blocked == Some(true);
        // The record's email address and user name are the database identity's login only
        // where it is the primary identity (not one linked under a social account).
        let record = UserRecord::of(user.clone());
        let own = |text: Option<String>| {
            text.filter(|_| record.primary_is_database)
                .map(VendorText::new)
        };
        let mut confirmed = Confirmed::new(
            request.user_id.clone(),
            Auth0Details {
                operation: ChangeOperation::UpdateUser,
                connection: VendorText::new(connection),
                email: own(user.email),
                username: own(user.username),
                blocked,
            },
        );
        if blocked {
            confirmed.unverifiable = Some(BLOCKED.to_owned());
        }
        Ok(confirmed)
    }

    /// The verification application's secret.
    fn secrets(&self) -> Vec<&str> {
        self.verify_client
            .iter()
            .filter_map(|client| client.client_secret.as_ref())
            .map(|secret| secret.expose_secret())
            .collect()
    }

    fn login_name(details: &Auth0Details) -> Option<String> {
        let name = details.email.as_ref().or(details.username.as_ref())?;
        name.to_send_back().map(str::to_owned)
    }

    /// The password-realm grant as the user, in its database connection, through the
    /// verification application: one login (a failed one counts towards brute-force
    /// protection).
    async fn verify(
        &self,
        transport: &Transport,
        token: Option<&SecretToken>,
        user: &LoginTarget,
        password: &Password,
    ) -> Result<(), Error> {
        let Some(verify_client) = &self.verify_client else {
            return Err(Error::unsupported(
                "no verify_client_id is set: a verification logs in through an application with the Password grant (the password-realm grant)",
            ));
        };
        let (connection, login_name) = match (&self.connection, &user.login_name, token) {
            (Some(connection), Some(name), _) => (connection.clone(), name.clone()),
            (_, _, Some(token)) => {
                let record = self.read_user(transport, token, &user.user_id).await?;
                if record.blocked {
                    return Err(Error::unsupported(BLOCKED));
                }
                if !record.primary_is_database {
                    return Err(Error::unsupported(
                        "the user's database identity is linked under another primary account: its login name is not in the record",
                    ));
                }
                let connection = match &self.connection {
                    Some(connection) => connection.clone(),
                    None => record.connection()?,
                };
                let name = user
                    .login_name
                    .clone()
                    .or(record.login_name)
                    .ok_or_else(|| {
                        Error::unsupported(
                            "the user's record has no email address or user name to log in with",
                        )
                    })?;
                (connection, name)
            }
            (_, _, None) => {
                return Err(Error::unsupported(
                    "verifying an Auth0 password by the user's id needs a Management API token to read its connection and email address",
                ));
            }
        };
        let password = UnboundedPassword::any(password.expose_secret());
        let grant = Grant::PasswordRealm {
            client_id: &verify_client.client_id,
            client_secret: verify_client.client_secret.as_ref(),
            username: &login_name,
            password: &password,
            realm: &connection,
        };
        // Auth0 refuses a login with a 4xx; a 5xx with a code in it proves nothing.
        let refused = |e: &Error| e.status().is_some_and(|s| (400..500).contains(&s));
        match self.token(transport, &grant).await {
            Ok(_) => Ok(()),
            Err(e) if !refused(&e) => Err(e),
            Err(e) if e.vendor_code_mentions(&[texts::MFA_REQUIRED]) => Err(Error::unsupported(
                "the user has multi-factor authentication (mfa_required): a password login cannot complete, so it proves nothing",
            )),
            Err(e)
                if matches!(e.status(), Some(401 | 403))
                    && e.vendor_code_mentions(&["invalid_grant", "invalid_user_password"]) =>
            {
                Err(e.reclassify(
                    ErrorKind::VerificationFailed,
                    "Auth0 refused a login with the new password (invalid_grant \"Wrong email or password.\")",
                ))
            }
            Err(e) if e.vendor_code_mentions(&[texts::TOO_MANY_ATTEMPTS]) => Err(e.reclassify(
                ErrorKind::PermissionDenied,
                "Auth0's brute-force protection blocks this user's logins from this address (too_many_attempts), whatever the password: it proves nothing; the block ends when the password changes, when it is removed (DELETE /api/v2/user-blocks/{id}) or after 30 days",
            )),
            Err(e) if e.vendor_code_mentions(&[texts::PASSWORD_LEAKED]) => Err(e.reclassify(
                ErrorKind::PermissionDenied,
                "Auth0's breached password detection refused the login (password_leaked): it proves nothing about the change",
            )),
            Err(e) if e.vendor_code_mentions(&["unauthorized_client"]) => Err(Error::unsupported(
                "the verification application may not use the password-realm grant: enable its Password grant, or set verify_client_id to one that has it",
            )),
            Err(e) if e.vendor_code_mentions(&["invalid_client", "access_denied"]) => {
                Err(Error::unsupported(
                    "Auth0 refused the verification application (its id or secret, or a rule denied the login): check verify_client_id and verify_client_secret",
                ))
            }
            Err(e) if e.vendor_code_mentions(&[texts::REQUIRES_VERIFICATION]) => {
                Err(Error::unsupported(
                    "Auth0's bot detection asks for a challenge no API login can answer (requires_verification)",
                ))
            }
            Err(e) => Err(e),
        }
    }

    async fn login(&self, transport: &Transport, login: &Auth0Login) -> Result<SecretToken, Error> {
        let audience = login.audience.as_deref().unwrap_or(&self.audience);
        let grant = Grant::ClientCredentials {
            client_id: &login.client_id,
            client_secret: &login.client_secret,
            audience,
        };
        let tokens = self
            .token(transport, &grant)
            .await
            .map_err(|e| explain(e, Operation::AppLogin))?;
        Ok(tokens.access_token)
    }

    /// The configured connection's policy, else the strictest of the database connections'
    /// (which applies to a user depends on its connection).
    async fn read_policy(
        &self,
        transport: &Transport,
        token: &SecretToken,
    ) -> Result<Option<PasswordPolicy>, Error> {
        let client = self.client(transport, Some(token));
        let name = self.connection.as_deref();
        let connections = transport
            .call(|| {
                let mut request = client.get_connections().strategy(DATABASE_PROVIDER);
                if let Some(name) = name {
                    request = request.name(name);
                }
                Box::pin(request.send())
            })
            .await
            .map_err(|e| explain(e, Operation::Read))?
            .into_inner();
        let connections: Vec<types::Connection> = connections
            .into_iter()
            .filter(|c| name.is_none_or(|name| c.name == name))
            .collect();
        if connections.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                match name {
                    Some(_) => "Auth0 has no database connection of this name: check the connection setting",
                    None => "Auth0 lists no database connection",
                },
            )
            .with_status(Some(200)));
        }
        let count = connections.len();
        let policies = connections
            .into_iter()
            .map(|c| {
                c.options.map(|o| policy_of(&o)).ok_or_else(|| {
                    Error::new(
                        ErrorKind::PermissionDenied,
                        "Auth0 answered the connection without its options: the token lacks read:connections_options, so the password policy cannot be read",
                    )
                    .with_status(Some(200))
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let operation = match name {
            Some(_) => {
                "GET /api/v2/connections?strategy=auth0&name=<connection> (options)".to_owned()
            }
            None => format!(
                "GET /api/v2/connections?strategy=auth0 (options; the strictest of {count} database connections)"
            ),
        };
        Ok(PasswordPolicy::strictest(
            policies,
            PolicySource::Vendor { operation },
        ))
    }

    /// The Management API's body (it has `statusCode`), else the token endpoint's where it
    /// decodes as one, else the Management API's rules on the status alone.
    fn classify_bytes(status: u16, body: &[u8]) -> Verdict {
        let management = serde_json::from_slice::<types::Error>(body).is_ok();
        if !management && serde_json::from_slice::<types::OAuthError>(body).is_ok() {
            verdict_of::<types::OAuthError>(status, body)
        } else {
            verdict_of::<types::Error>(status, body)
        }
    }
}

/// The policy of Auth0's legacy strength `level` (Password Strength in Auth0 Database
/// Connections): none, at least 1 character; low, 6; fair, 8 with a lowercase and an uppercase
/// letter and a digit; good, 8 with three of the four classes; excellent, 10 with three of the
/// four and no more than 2 identical characters in a row. Lengths in bytes (at most 72).
pub(super) fn legacy_level(level: &str) -> PasswordPolicy {
    let mut policy = PasswordPolicy {
        min_length: 1,
        max_length: Some(MAX_PASSWORD_BYTES),
        length_unit: LengthUnit::Bytes,
        min_lowercase: 0,
        min_uppercase: 0,
        min_digits: 0,
        min_symbols: 0,
        min_classes: 0,
        unchecked: Vec::new(),
        character_classes: CharacterClasses::Ascii,
        source: PolicySource::Documented {
            reference: String::new(),
        },
    };
    match level {
        "low" => policy.min_length = 6,
        "fair" => {
            policy.min_length = 8;
            policy.min_lowercase = 1;
            policy.min_uppercase = 1;
            policy.min_digits = 1;
        }
        "good" => {
            policy.min_length = 8;
            policy.min_classes = 3;
        }
        "excellent" => {
            policy.min_length = 10;
            policy.min_classes = 3;
            policy
                .unchecked
                .push("excellent: no more than 2 identical characters in a row".to_owned());
        }
        "none" | "" => {}
        other => policy.unchecked.push(format!(
            "passwordPolicy {other}: a level pwchange does not know"
        )),
    }
    policy
}

/// The history rule `name` with `size` passwords (0: a size Auth0 did not say).
fn history_rule(name: &str, size: usize) -> String {
    match size {
        0 => format!("{name}: not one of the user's recent passwords"),
        size => format!("{name}: not one of the last {size} passwords"),
    }
}

/// A database connection's policy from its `options`: the Flexible Password Policy
/// (`password_options`) where the connection has it, else the legacy fields.
pub(super) fn policy_of(options: &types::ConnectionOptions) -> PasswordPolicy {
    let count = |value: Option<i64>| usize::try_from(value.unwrap_or(0)).unwrap_or(0);
    let mut unchecked: Vec<String> = Vec::new();
    let policy = if let Some(flexible) = &options.password_options {
        let mut policy = legacy_level("none");
        if let Some(complexity) = &flexible.complexity {
            policy.min_length = count(complexity.min_length).max(1);
            let types: Vec<&str> = complexity
                .character_types
                .iter()
                .map(String::as_str)
                .collect();
            if complexity.character_type_rule.as_deref() == Some("three_of_four") {
                policy.min_classes = 3;
            } else {
                let required = |name: &str| usize::from(types.contains(&name));
                policy.min_lowercase = required("lowercase");
                policy.min_uppercase = required("uppercase");
                policy.min_digits = required("number");
                policy.min_symbols = required("special");
            }
            if complexity.identical_characters.as_deref() == Some("block") {
                unchecked
                    .push("identical_characters: no 3 identical characters in a row".to_owned());
            }
            if complexity.sequential_characters.as_deref() == Some("block") {
                unchecked.push(
                    "sequential_characters: no 3 sequential characters (abc, 321)".to_owned(),
                );
            }
        }
        let active = |toggle: &Option<types::ActiveToggle>| {
            toggle.as_ref().is_some_and(|t| t.active == Some(true))
        };
        if active(&flexible.history) {
            let size = flexible.history.as_ref().and_then(|h| h.size);
            unchecked.push(history_rule("history", count(size)));
        }
        if active(&flexible.dictionary) {
            unchecked.push(
                "dictionary: not a common password or one of the connection's words".to_owned(),
            );
        }
        if active(&flexible.profile_data) {
            unchecked.push("profile_data: not containing the user's data".to_owned());
        }
        policy
    } else {
        let level = options.password_policy.as_deref().unwrap_or("none");
        let mut policy = legacy_level(level);
        if let Some(min) = options
            .password_complexity_options
            .as_ref()
            .and_then(|c| c.0.as_ref())
            .and_then(|c| c.min_length)
        {
            policy.min_length = count(Some(min)).max(1);
        }
        let toggle =
            |toggle: &Option<types::LegacyToggle>| toggle.as_ref().and_then(|t| t.0.clone());
        let enabled =
            |t: &Option<types::LegacyToggle>| toggle(t).is_some_and(|t| t.enable == Some(true));
        if enabled(&options.password_history) {
            let size = toggle(&options.password_history).and_then(|h| h.size);
            unchecked.push(history_rule("password_history", count(size)));
        }
        if enabled(&options.password_dictionary) {
            unchecked.push(
                "password_dictionary: not a common password or one of the connection's words"
                    .to_owned(),
            );
        }
        if enabled(&options.password_no_personal_info) {
            unchecked.push(
                "password_no_personal_info: not containing the user's name, user name or email address"
                    .to_owned(),
            );
        }
        policy
    };
    PasswordPolicy {
        unchecked: policy.unchecked.into_iter().chain(unchecked).collect(),
        ..policy
    }
}
