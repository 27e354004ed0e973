//! OpenStack Keystone (identity v3): a self-service change carries its own proof (the original
//! password; Keystone checks no token), an administrator sets a password with `PATCH
//! /v3/users/{id}`, and a password login by user id verifies either.

use pwchange_core::SecretToken;
use pwchange_core::classify::{Facts, Rule, Status, Verdict, When};
use pwchange_core::http::{Answer, BoxFuture, HttpConfig};
use pwchange_core::token::Auth;
use pwchange_keystone::{Client as Generated, LoginScope, LoginUser, types};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, Confirmed, LoginSecrets, LoginTarget};
use crate::config::{Common, Key, Keys};
use crate::transport::{Transport, VendorError, verdict_of};
use crate::{
    ChangeOperation, CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password,
    PasswordChange, PasswordPolicy, PolicySource, Vendor,
};

const VENDOR: Vendor = Vendor::Keystone;
/// The most bytes of a password bcrypt hashes: Keystone silently drops the rest.
pub const BCRYPT_MAX_BYTES: usize = 72;
/// `[identity] max_password_length`'s default, in bytes.
pub const DEFAULT_MAX_PASSWORD_LENGTH: usize = 4096;

/// How a Keystone backend authenticates.
#[derive(Debug, Clone)]
pub enum KeystoneAuth {
    /// No credentials: self-service changes only (Keystone checks the original password and no
    /// token there).
    None,
    /// A token (`X-Auth-Token`), for administrative sets: one with the `admin` role.
    Token(SecretToken),
    /// A password login as an administrator (`POST /v3/auth/tokens`), for administrative sets.
    Login(KeystoneLogin),
}

/// An administrator's password login.
#[derive(Clone)]
pub struct KeystoneLogin {
    /// The user name.
    pub username: String,
    /// The id of the user's domain (`default` for Keystone's default domain).
    pub user_domain_id: String,
    /// The password.
    pub password: SecretString,
    /// What the token is for: a project or the system (an administrative set needs the `admin`
    /// role there); unscoped tokens carry no role.
    pub scope: LoginScope,
}

impl KeystoneLogin {
    /// A login as `username` of the default domain (`default`), scoped by `scope`;
    /// [`in_domain`](Self::in_domain) names another domain.
    pub fn new(username: impl Into<String>, password: SecretString, scope: LoginScope) -> Self {
        Self {
            username: username.into(),
            user_domain_id: DEFAULT_DOMAIN.to_owned(),
            password,
            scope,
        }
    }

    /// The user's domain, by id.
    pub fn in_domain(mut self, user_domain_id: impl Into<String>) -> Self {
        self.user_domain_id = user_domain_id.into();
        self
    }
}

/// The id of Keystone's default domain.
const DEFAULT_DOMAIN: &str = "default";

impl std::fmt::Debug for KeystoneLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeystoneLogin")
            .field("username", &self.username)
            .field("user_domain_id", &self.user_domain_id)
            .field("password", &"<redacted>")
            .field("scope", &self.scope)
            .finish()
    }
}

impl LoginSecrets for KeystoneLogin {
    fn secrets(&self) -> Vec<&str> {
        vec![self.password.expose_secret()]
    }
}

/// Configuration of a Keystone backend.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_KEYSTONE_<KEY>`): the [common
/// keys](crate::COMMON_KEYS) (`base_url` is the Keystone endpoint *without* `/v3`, e.g.
/// `https://keystone.example.com:5000`); for administrative sets `token`, or `username`,
/// `password`, `user_domain_id` (default `default`) and a scope: `project_name` (with
/// `project_domain_id`, default the user's) or `system_scope = all`. Without credentials only
/// self-service changes are possible. `password_hash_algorithm` (default `bcrypt`) and
/// `max_password_length` (default 4096) say how the server hashes: with bcrypt pwchange refuses
/// passwords over 72 bytes, which Keystone would silently cut. `change_password_upon_first_use`
/// (default `false`) says whether the server expires administratively set passwords.
#[derive(Debug, Clone)]
pub struct KeystoneConfig {
    http: HttpConfig,
    auth: KeystoneAuth,
    bcrypt: bool,
    max_password_length: usize,
    first_use: bool,
}

impl KeystoneConfig {
    /// A configuration for the Keystone endpoint at `base_url` (without `/v3`).
    pub fn new(base_url: &str, auth: KeystoneAuth) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            auth,
            bcrypt: true,
            max_password_length: DEFAULT_MAX_PASSWORD_LENGTH,
            first_use: false,
        })
    }

    /// The server's `[identity] password_hash_algorithm`: `bcrypt` (Keystone's default: only the
    /// first 72 bytes count, so longer passwords are refused), `bcrypt_sha256`, `pbkdf2_sha512`
    /// or `scrypt`.
    pub fn password_hash_algorithm(mut self, algorithm: &str) -> Result<Self, Error> {
        self.bcrypt = is_bcrypt(algorithm)?;
        Ok(self)
    }

    /// The server's `[identity] max_password_length` in bytes (default 4096).
    pub fn max_password_length(mut self, bytes: usize) -> Self {
        self.max_password_length = bytes;
        self
    }

    /// Whether the server has `[security_compliance] change_password_upon_first_use = true`:
    /// then an administrative set must ask for a change at next login.
    pub fn change_password_upon_first_use(mut self, enabled: bool) -> Self {
        self.first_use = enabled;
        self
    }
}

crate::adapter::typed_config_methods!(KeystoneConfig, KeystoneAdapter);

fn is_bcrypt(algorithm: &str) -> Result<bool, Error> {
    match algorithm.trim().to_ascii_lowercase().as_str() {
        "bcrypt" => Ok(true),
        "bcrypt_sha256" | "pbkdf2_sha512" | "scrypt" => Ok(false),
        _ => Err(Error::invalid_input(
            "password_hash_algorithm must be one of bcrypt, bcrypt_sha256, pbkdf2_sha512, scrypt (Keystone's [identity] option)",
        )),
    }
}

/// What Keystone returned for a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct KeystoneDetails {
    /// `change_password` (self-service, `204`) or `update_user` (administrative set).
    pub operation: ChangeOperation,
    /// For an administrative set, the user record's `password_expires_at` (Keystone writes UTC
    /// without a zone): set when the server expires the password (a required change,
    /// `password_expires_days`). `None` also when the server sent something that is not a
    /// timestamp (logged as a warning).
    pub password_expires_at: Option<chrono::NaiveDateTime>,
}

/// Nothing in it is the vendor's text.
impl pwchange_core::vendor_text::Redact for KeystoneDetails {
    fn redact(&mut self, _: &pwchange_core::Redactor) {}
}

/// Keystone's timestamps: `2024-06-13T06:45:02.000000` (UTC, no zone), with or without the
/// fraction; or RFC 3339 with a zone (`Z`, `+02:00`), read as UTC.
fn keystone_time(text: &str) -> Option<chrono::NaiveDateTime> {
    let parsed = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| {
            chrono::DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|time| time.naive_utc())
        });
    if parsed.is_none() {
        // Not silently: `None` alone would read as "the password does not expire".
        tracing::warn!(
            "Keystone's password_expires_at is not a timestamp; left out of the details"
        );
    }
    parsed
}

/// A checked Keystone request.
pub(crate) enum KeystoneRequest {
    /// `POST /v3/users/{id}/password`: the original password is the proof.
    Change(String, types::PasswordChangeRequest),
    /// `PATCH /v3/users/{id}` with an administrator's token.
    Set(String, types::UserUpdateRequest),
}

pub(crate) struct KeystoneAdapter {
    has_credentials: bool,
    max_password_bytes: usize,
    bcrypt: bool,
    first_use: bool,
}

impl KeystoneAdapter {
    fn client(transport: &Transport, token: Option<&SecretToken>) -> Generated {
        transport.client(
            Generated::new_with_client,
            pwchange_keystone::context(token.cloned()),
        )
    }

    async fn send_with(
        &self,
        transport: &Transport,
        token: Option<&SecretToken>,
        request: &KeystoneRequest,
    ) -> Result<Confirmed<KeystoneDetails>, Error> {
        let client = Self::client(transport, token);
        match request {
            KeystoneRequest::Change(user_id, body) => {
                transport
                    .call(|| {
                        Box::pin(
                            client
                                .change_password()
                                .user_id(user_id.as_str())
                                .body(body.clone())
                                .send(),
                        )
                    })
                    .await
                    .map_err(|e| explain(e, Operation::Change))?;
                Ok(Confirmed::new(
                    user_id.clone(),
                    KeystoneDetails {
                        operation: ChangeOperation::ChangePassword,
                        password_expires_at: None,
                    },
                ))
            }
            KeystoneRequest::Set(user_id, body) => {
                let updated = transport
                    .call(|| {
                        Box::pin(
                            client
                                .update_user()
                                .user_id(user_id.as_str())
                                .body(body.clone())
                                .send(),
                        )
                    })
                    .await
                    .map_err(|e| explain(e, Operation::Set))?
                    .into_inner();
                if !updated.user.id.eq_ignore_ascii_case(user_id) {
                    return Err(Error::new(
                        ErrorKind::OutcomeUnknown,
                        "Keystone answered the update with another user's record; whether the password changed is unknown",
                    )
                    .with_status(Some(200)));
                }
                let mut changed = Confirmed::new(
                    user_id.clone(),
                    KeystoneDetails {
                        operation: ChangeOperation::UpdateUser,
                        password_expires_at: updated
                            .user
                            .password_expires_at
                            .as_deref()
                            .and_then(keystone_time),
                    },
                );
                if updated.user.enabled == Some(false) {
                    // Keystone refuses a disabled user's login before it checks the password.
                    changed.unverifiable = Some(
                        "the user is disabled: Keystone refuses every login of a disabled user before checking the password".to_owned(),
                    );
                }
                Ok(changed)
            }
        }
    }
}

/// Which request an answer is to, for its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Change,
    Set,
    Login,
}

impl Adapter for KeystoneAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = &[
        Key::login(
            "username",
            "an administrator's user name, for a password login (with password; instead of token)",
        ),
        Key::secret("password", "the administrator's password"),
        Key::login(
            "user_domain_id",
            "the id of the administrator's domain (default: default)",
        ),
        Key::login(
            "project_name",
            "scope the login to this project (where the administrator has the admin role)",
        ),
        Key::login(
            "project_domain_id",
            "the id of project_name's domain (default: user_domain_id)",
        ),
        Key::login(
            "system_scope",
            "all: scope the login to the system instead of a project",
        ),
        Key::plain(
            "password_hash_algorithm",
            "the server's [identity] password_hash_algorithm (default bcrypt: passwords over 72 bytes are refused, Keystone would cut them)",
        ),
        Key::plain(
            "max_password_length",
            "the server's [identity] max_password_length in bytes (default 4096)",
        ),
        Key::plain(
            "change_password_upon_first_use",
            "true when the server expires administratively set passwords ([security_compliance] change_password_upon_first_use)",
        ),
    ];
    const VERIFICATION: &'static str = "logs in (POST /v3/auth/tokens, unscoped) by user id, then revokes the token; \"password is expired\" after a set that required a change, and a multi-factor receipt, prove the password too (Keystone checks it first); a disabled user is not verifiable";
    const MODES: &'static [ModeKind] = &[ModeKind::SelfService, ModeKind::AdminSet];
    const POLICY: &'static str = "documented only (the server's password_regex is not readable through the API): 1 to 72 bytes with bcrypt (configurable), the regex's refusals are reported as the server words them";
    type Config = KeystoneConfig;
    type Login = KeystoneLogin;
    type Request = KeystoneRequest;
    type Details = KeystoneDetails;

    fn config(common: Common, keys: &mut Keys) -> Result<KeystoneConfig, Error> {
        let login_keys = [
            "username",
            "password",
            "user_domain_id",
            "project_name",
            "project_domain_id",
            "system_scope",
        ];
        let auth = match (common.token, keys.origin("username").is_some()) {
            (Some(token), false) => {
                if let Some(origin) = login_keys.iter().find_map(|k| keys.origin(k)) {
                    return Err(Error::invalid_input(format!(
                        "a token and login settings are both set ({origin}): keep one"
                    )));
                }
                KeystoneAuth::Token(token)
            }
            (Some(_), true) => {
                let origin = keys.origin("username").unwrap_or("username").to_owned();
                return Err(Error::invalid_input(format!(
                    "a token and login credentials are both set ({origin}): keep one"
                )));
            }
            (None, true) => KeystoneAuth::Login(login_of(keys)?),
            (None, false) => {
                if let Some(origin) = login_keys.iter().find_map(|k| keys.origin(k)) {
                    return Err(Error::invalid_input(format!(
                        "{origin} is a login setting, but username is not set (set the whole login in one place: a configuration layer that sets any credential replaces the credentials below it)"
                    )));
                }
                KeystoneAuth::None
            }
        };
        let bcrypt = match keys.string("password_hash_algorithm") {
            Some(algorithm) => is_bcrypt(&algorithm)?,
            None => true,
        };
        let origin = keys
            .origin("max_password_length")
            .unwrap_or("max_password_length")
            .to_owned();
        let max_password_length = keys
            .parse::<usize>("max_password_length", "a number of bytes, e.g. 4096")?
            .unwrap_or(DEFAULT_MAX_PASSWORD_LENGTH);
        if max_password_length == 0 {
            return Err(Error::invalid_input(format!("{origin} must be at least 1")));
        }
        Ok(KeystoneConfig {
            http: common.http,
            auth,
            bcrypt,
            max_password_length,
            first_use: keys
                .flag("change_password_upon_first_use")?
                .unwrap_or(false),
        })
    }

    fn new(config: KeystoneConfig) -> Result<(Self, HttpConfig, Auth<Self::Login>), Error> {
        let path = config.http.base_url().path().trim_end_matches('/');
        if path.ends_with("/v3") || path.ends_with("/v3.0") {
            return Err(Error::invalid_input(
                "the Keystone base URL ends with /v3: give the endpoint without it (pwchange adds /v3), e.g. https://keystone.example.com:5000",
            ));
        }
        let auth = match config.auth {
            KeystoneAuth::None => Auth::None,
            KeystoneAuth::Token(token) => Auth::Token(token),
            KeystoneAuth::Login(login) => Auth::Login(login),
        };
        let max_password_bytes = if config.bcrypt {
            config.max_password_length.min(BCRYPT_MAX_BYTES)
        } else {
            config.max_password_length
        };
        let adapter = Self {
            has_credentials: !matches!(auth, Auth::None),
            max_password_bytes,
            bcrypt: config.bcrypt,
            first_use: config.first_use,
        };
        Ok((adapter, config.http, auth))
    }

    /// Keystone's `id_string`: 1 to 64 ASCII letters, digits and hyphens, kept as given (an
    /// LDAP-backed id may be case-sensitive).
    fn user_id(id: &str) -> Result<String, Error> {
        let id = id.trim();
        let valid = (1..=64).contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid {
            return Err(Error::invalid_input(
                "Keystone user id is invalid: expected 1 to 64 letters, digits or hyphens, e.g. 5c3fe506fca642dfab7fd8df0d8a8e66",
            ));
        }
        Ok(id.to_owned())
    }

    fn documented_policy() -> PasswordPolicy {
        PasswordPolicy {
            min_length: 1,
            max_length: Some(BCRYPT_MAX_BYTES),
            length_unit: LengthUnit::Bytes,
            require_lowercase: false,
            require_uppercase: false,
            require_digit: false,
            require_symbol: false,
            character_classes: CharacterClasses::Unicode,
            source: PolicySource::Documented {
                reference: "Keystone's defaults: no password_regex, bcrypt hashing (72 bytes count); a deployment's [security_compliance] password_regex is not readable through the API".to_owned(),
            },
        }
    }

    /// The configured hashing sets the maximum.
    fn configured_policy(&self) -> Option<PasswordPolicy> {
        let mut policy = Self::documented_policy();
        policy.max_length = Some(self.max_password_bytes);
        if !self.bcrypt || self.max_password_bytes != BCRYPT_MAX_BYTES {
            policy.source = PolicySource::Documented {
                reference: "the configured password_hash_algorithm and max_password_length (bytes); a deployment's [security_compliance] password_regex is not readable through the API".to_owned(),
            };
        }
        Some(policy)
    }

    fn prepare(&self, change: &PasswordChange, user_id: String) -> Result<Self::Request, Error> {
        let new = change.new_password().expose_secret();
        if new.len() > self.max_password_bytes {
            let why = if self.bcrypt && self.max_password_bytes == BCRYPT_MAX_BYTES {
                "Keystone hashes with bcrypt, which keeps only the first 72 bytes and would silently drop the rest (set password_hash_algorithm if the server hashes otherwise)"
            } else {
                "the configured max_password_length"
            };
            return Err(Error::new(
                ErrorKind::PolicyViolation,
                format!(
                    "the new password is {} bytes long; at most {} are allowed: {why}",
                    new.len(),
                    self.max_password_bytes
                ),
            ));
        }
        let password = change
            .new_password()
            .bounded("new password", "Keystone's max_password_length")?;
        match (change.mode(), change.current_password()) {
            (Mode::SelfService, Some(current)) => Ok(KeystoneRequest::Change(
                user_id,
                types::PasswordChangeRequest {
                    user: types::PasswordChange {
                        password,
                        original_password: pwchange_core::UnboundedPassword::any(
                            current.expose_secret(),
                        ),
                    },
                },
            )),
            (
                Mode::AdminSet {
                    require_change_at_next_login,
                },
                _,
            ) => {
                if !self.has_credentials {
                    return Err(Error::invalid_input(
                        "a Keystone administrative set needs an administrator's token or login: set token, or username and password with project_name or system_scope",
                    ));
                }
                match (require_change_at_next_login, self.first_use) {
                    (true, false) => Err(Error::unsupported(
                        "Keystone requires a change at next login only when the server has [security_compliance] change_password_upon_first_use = true; if it has, set change_password_upon_first_use = true",
                    )),
                    (false, true) => Err(Error::unsupported(
                        "this Keystone expires every administratively set password (change_password_upon_first_use): set it with a change required at next login, or exempt the user with Keystone's ignore_change_password_upon_first_use option",
                    )),
                    _ => Ok(KeystoneRequest::Set(
                        user_id,
                        types::UserUpdateRequest {
                            user: types::UserUpdate {
                                password,
                                options: None,
                            },
                        },
                    )),
                }
            }
            _ => Err(Error::unsupported(
                "Keystone changes a password with the original one (self-service) or sets it as an administrator; it has no reset with a verification code",
            )),
        }
    }

    fn send_self_proving<'a>(
        &'a self,
        transport: &'a Transport,
        request: &'a Self::Request,
    ) -> Option<BoxFuture<'a, Result<Confirmed<KeystoneDetails>, Error>>> {
        match request {
            KeystoneRequest::Change(..) => Some(Box::pin(self.send_with(transport, None, request))),
            KeystoneRequest::Set(..) => None,
        }
    }

    async fn send(
        &self,
        transport: &Transport,
        token: &SecretToken,
        request: &Self::Request,
    ) -> Result<Confirmed<KeystoneDetails>, Error> {
        self.send_with(transport, Some(token), request).await
    }

    /// An unscoped login by user id with the new password. Keystone checks the password before
    /// its expiry, so "the password is expired" proves it as well as a token does.
    async fn verify(
        &self,
        transport: &Transport,
        _token: Option<&SecretToken>,
        user: &LoginTarget,
        password: &Password,
    ) -> Result<(), Error> {
        let client = Self::client(transport, None);
        let request = pwchange_keystone::auth_request(
            &LoginUser::Id(user.user_id.clone()),
            pwchange_core::UnboundedPassword::any(password.expose_secret()),
            &LoginScope::Unscoped,
        );
        let logged_in = transport
            .call(|| Box::pin(pwchange_keystone::log_in(&client, &request)))
            .await;
        match logged_in {
            Ok((token, token_user)) if token_user.id.eq_ignore_ascii_case(&user.user_id) => {
                if user.require_change {
                    tracing::warn!(
                        "Keystone accepted the new password without requiring a change: the server lacks change_password_upon_first_use, or the user is exempt"
                    );
                }
                revoke(transport, token).await;
                Ok(())
            }
            Ok((token, _)) => {
                revoke(transport, token).await;
                Err(Error::new(
                    ErrorKind::Unexpected,
                    "Keystone issued the verification token to another user; it proves nothing",
                ))
            }
            // Keystone checks the password before the expiry and before multi-factor rules.
            Err(e) if e.kind() == ErrorKind::Unauthenticated && password_expired(&e) => {
                if user.require_change || user.mode.is_none() {
                    Ok(())
                } else {
                    Err(Error::unsupported(
                        "Keystone holds the new password but expired it at once: the user must change it at the next login, which the change did not ask for (the server has change_password_upon_first_use: configure change_password_upon_first_use = true)",
                    ))
                }
            }
            Err(e) if e.kind() == ErrorKind::Unauthenticated && e.vendor_mentions(AUTH_RECEIPT) => {
                tracing::debug!(
                    "Keystone answered with a multi-factor auth receipt, issued after the password was checked"
                );
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::Unauthenticated => Err(e.reclassify(
                ErrorKind::VerificationFailed,
                "Keystone refused a login with the new password (a wrong password, or the account is locked or disabled: Keystone answers alike)",
            )),
            Err(e) => Err(explain(e, Operation::Login)),
        }
    }

    async fn login(
        &self,
        transport: &Transport,
        login: &KeystoneLogin,
    ) -> Result<SecretToken, Error> {
        let client = Self::client(transport, None);
        let request = pwchange_keystone::auth_request(
            &LoginUser::Name {
                name: login.username.clone(),
                domain_id: login.user_domain_id.clone(),
            },
            pwchange_core::UnboundedPassword::any(login.password.expose_secret()),
            &login.scope,
        );
        let (token, _) = transport
            .call(|| Box::pin(pwchange_keystone::log_in(&client, &request)))
            .await
            .map_err(|e| {
                if e.kind() == ErrorKind::Unauthenticated && password_expired(&e) {
                    e.reclassify(
                        ErrorKind::Unauthenticated,
                        "Keystone refused the administrator's login: its password is expired and must be changed first",
                    )
                } else {
                    explain(e, Operation::Login)
                }
            })?;
        Ok(token)
    }

    fn classify_bytes(status: u16, body: &[u8]) -> Verdict {
        verdict_of::<types::Error>(status, body)
    }
}

/// The administrator's login from the settings.
fn login_of(keys: &mut Keys) -> Result<KeystoneLogin, Error> {
    let username = keys.required("username", "the administrator's user name")?;
    let password = keys.required_secret("password", "the administrator's password")?;
    let user_domain_id = keys
        .string("user_domain_id")
        .unwrap_or_else(|| DEFAULT_DOMAIN.to_owned());
    let project_domain = keys.string("project_domain_id");
    let scope = match (keys.string("project_name"), keys.string("system_scope")) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid_input(
                "project_name and system_scope are both set: scope the login to one",
            ));
        }
        (Some(name), None) => LoginScope::Project {
            name,
            domain_id: project_domain.unwrap_or_else(|| user_domain_id.clone()),
        },
        (None, Some(system)) if system.eq_ignore_ascii_case("all") => {
            if project_domain.is_some() {
                return Err(Error::invalid_input(
                    "project_domain_id is set without project_name",
                ));
            }
            LoginScope::System
        }
        (None, Some(_)) => {
            return Err(Error::invalid_input(
                "system_scope must be all (Keystone's only system scope)",
            ));
        }
        (None, None) => {
            if project_domain.is_some() {
                return Err(Error::invalid_input(
                    "project_domain_id is set without project_name",
                ));
            }
            LoginScope::Unscoped
        }
    };
    Ok(KeystoneLogin {
        username,
        user_domain_id,
        password,
        scope,
    })
}

/// Whether a `401` says the password is expired (which Keystone says only of a correct one).
fn password_expired(error: &Error) -> bool {
    error.vendor_mentions(&[pwchange_keystone::PASSWORD_EXPIRED_MESSAGE])
}

/// Revokes a verification login's token (`DELETE /v3/auth/tokens`, the token revoking itself),
/// so that no live token of the user outlasts the check. Best effort: the password is proved
/// either way, and the token expires on its own.
async fn revoke(transport: &Transport, token: SecretToken) {
    let client = transport.client(
        Generated::new_with_client,
        pwchange_keystone::revoking_context(token),
    );
    if let Err(e) = transport
        .call::<_, types::Error>(|| Box::pin(client.revoke_token().send()))
        .await
    {
        tracing::debug!(kind = ?e.kind(), "the verification token was not revoked; it expires on its own");
    }
}

/// The start of a multi-factor auth receipt's body, which Keystone sends after the password
/// was checked when the user's rules ask for more methods.
const AUTH_RECEIPT: &[&str] = &["\"required_auth_methods\""];

/// Keystone tells its refusals apart by their text alone: the kind comes from [`RULES`], the
/// explanation from here.
fn explain(error: Error, operation: Operation) -> Error {
    let kind = error.kind();
    let says = |needles: &[&str]| error.vendor_mentions(needles);
    let message = match (kind, operation) {
        (ErrorKind::Unauthenticated, Operation::Change) if says(DISABLED) => {
            return error.reclassify(
                ErrorKind::PermissionDenied,
                "the user is disabled in Keystone: an administrator must enable it first",
            );
        }
        (ErrorKind::Unauthenticated, Operation::Change) => {
            return error.reclassify(
                ErrorKind::CurrentPasswordInvalid,
                "Keystone refused the original password: it is wrong, the user does not exist, or the account is locked (Keystone answers all three alike, and counts a wrong password towards the lockout)",
            );
        }
        (ErrorKind::Unauthenticated, Operation::Set) => {
            "Keystone refused the token (expired, revoked or not Keystone's)"
        }
        (ErrorKind::Unauthenticated, Operation::Login) => {
            "Keystone refused the login (a wrong user name, domain or password, or the account is locked or disabled: Keystone answers alike)"
        }
        (ErrorKind::PermissionDenied, _) if says(LOCKED_PASSWORD) => {
            "the user's password is locked (Keystone's lock_password option): only an administrator can set it"
        }
        (ErrorKind::PermissionDenied, Operation::Set) => {
            "Keystone refused the administrative set: the token needs the admin role (scope the login with project_name or system_scope)"
        }
        (ErrorKind::PolicyViolation, _) if says(MINIMUM_AGE) => {
            "Keystone's minimum_password_age forbids another self-service change yet: try later, or have an administrator set the password"
        }
        (ErrorKind::PolicyViolation, _) if says(TOO_LONG) => {
            "the password is longer than Keystone's hashing allows (strict_password_check): at most 72 bytes with bcrypt"
        }
        (ErrorKind::PolicyViolation, _) => {
            "the new password does not match the server's password_regex (its description follows)"
        }
        (ErrorKind::PasswordReused, _) => {
            "the new password is one of the user's last passwords (Keystone's unique_last_password_count)"
        }
        (ErrorKind::InvalidInput, _) => {
            "Keystone refused the request as malformed (the text of a schema error, which echoes the request body, is never kept)"
        }
        (ErrorKind::UserNotFound, Operation::Change) => {
            return error.reclassify(
                ErrorKind::Unexpected,
                "Keystone answers an unknown user's self-service change with 401, never 404: check that base_url is the Keystone endpoint (without /v3)",
            );
        }
        (ErrorKind::UserNotFound, _) => "Keystone has no user with this id",
        _ => return error,
    };
    error.reclassify(kind, message)
}

// Keystone's fixed sentences, whole: the regex refusal embeds the operator's description, which
// must not be mistaken for another refusal (the regex rule comes first in `RULES`).
const REGEX: &[&str] = &["The password does not match the requirements"];
const LOCKED_PASSWORD: &[&str] = &[
    "You cannot change your password at this time due to password policy disallowing password changes",
];
const MINIMUM_AGE: &[&str] =
    &["You cannot change your password at this time due to the minimum password age"];
const TOO_LONG: &[&str] = &["The password length must be less than or equal to"];
const HISTORY: &[&str] = &["The new password cannot be identical to a previous password"];
const DISABLED: &[&str] = &["The account is disabled for user"];
/// jsonschema's text (which echoes the request body) and Keystone's own schema messages.
const SCHEMA_ERROR: &[&str] = &[
    "failed validating",
    "on instance",
    "is a required property",
    "additional properties are not allowed",
    "invalid input for field",
    "password validation error",
];

/// Keystone's error table. Its `400`s and `403`s are told apart by their messages only.
const RULES: &[Rule] = &[
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(REGEX),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(HISTORY),
        ErrorKind::PasswordReused,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(MINIMUM_AGE),
        ErrorKind::PolicyViolation,
    ),
    Rule::new(
        Status::OneOf(&[400]),
        When::Mentions(LOCKED_PASSWORD),
        ErrorKind::PermissionDenied,
    ),
    Rule::new(
        Status::OneOf(&[403]),
        When::Mentions(TOO_LONG),
        ErrorKind::PolicyViolation,
    ),
];

impl VendorError for types::Error {
    fn verdict(answer: &Answer<Self>) -> Verdict {
        let Some(body) = &answer.body else {
            return Verdict::by_status(answer.status);
        };
        let message = &body.error.message;
        let facts = Facts {
            status: answer.status,
            codes: Vec::new(),
            text: message.clone(),
        };
        // A schema error's text echoes the request body, passwords included, in Python's
        // quoting, which redaction may not recognise: none of it is kept. (Keystone's own
        // refusals start with their fixed sentences; only the regex one embeds other text.)
        let own = [
            REGEX,
            HISTORY,
            MINIMUM_AGE,
            LOCKED_PASSWORD,
            TOO_LONG,
            DISABLED,
        ]
        .iter()
        .any(|sentences| sentences.iter().any(|s| message.starts_with(s)));
        if !own && pwchange_core::classify::mentions(message, SCHEMA_ERROR) {
            return Verdict {
                kind: ErrorKind::InvalidInput,
                code: None,
                messages: Vec::new(),
            };
        }
        Verdict::from_rules(RULES, facts, vec![message.clone()])
    }

    /// Keystone repeats the status in `error.code` and names it in `error.title` (Google-style
    /// `{"error": {"code", "message", "status"}}` gateway bodies have no `title`).
    fn is_vendors_own(&self, status: u16) -> bool {
        self.error.code == i64::from(status) && self.error.title.is_some()
    }
}

#[cfg(test)]
mod facade_tests;

#[cfg(test)]
mod tests;
