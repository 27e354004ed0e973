//! The Keycloak adapter: the user read before the reset (by id or by user name), the reset, the
//! administrator's login, the verification by the `password` grant, and the realm's policy.

use pwchange_core::classify::Verdict;
use pwchange_core::http::HttpConfig;
use pwchange_core::token::Auth;
use pwchange_core::vendor_text::VendorText;
use pwchange_core::{ClientContext, SecretToken, UnboundedPassword};
use pwchange_keycloak::{Client as Generated, Grant, texts, types};
use secrecy::ExposeSecret as _;
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, Confirmed, LoginTarget, failed_before_the_change};
use crate::config::{Common, Key, Keys};
use crate::transport::{Transport, verdict_of};
use crate::{
    ChangeOperation, CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password,
    PasswordChange, PasswordPolicy, PolicySource, Vendor,
};

use super::VENDOR;
use super::config::{self, KeycloakAuth, KeycloakConfig, KeycloakLogin, VerifyClient};
use super::error::{Operation, explain};

/// What Keycloak's answer to a reset says: `204`, no body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct KeycloakDetails {
    /// Always `update_user` (Keycloak's `reset-password`, an administrative set).
    pub operation: ChangeOperation,
    /// The user's user name (what a login names), as Keycloak's record has it, when the change
    /// named the user by it (a change by id reads no record before it).
    pub username: Option<VendorText>,
    /// Whether the password is temporary (the required action `UPDATE_PASSWORD`).
    pub temporary: bool,
}

/// The user name is the vendor's text, cleaned like any.
impl pwchange_core::vendor_text::Redact for KeycloakDetails {
    fn redact(&mut self, redactor: &pwchange_core::Redactor) {
        if let Some(username) = &mut self.username {
            username.redact(redactor);
        }
    }
}

/// A checked Keycloak request. No `Debug`: it holds a password (which would not print).
pub(crate) struct KeycloakRequest {
    user: UserRef,
    body: types::CredentialRepresentation,
}

/// How the change names the user: Keycloak's id, or a user name to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
enum UserRef {
    Id(String),
    Name(String),
}

impl UserRef {
    /// An id where it has the form of Keycloak's ids (a UUID, or a federated user's
    /// `f:<provider>:<id>`), else a user name (in lower case, as Keycloak stores them).
    fn of(user_id: &str) -> Self {
        if uuid::Uuid::try_parse(user_id).is_ok() || user_id.starts_with("f:") {
            UserRef::Id(user_id.to_owned())
        } else {
            UserRef::Name(user_id.to_lowercase())
        }
    }
}

/// What the user read before a reset tells.
struct UserRecord {
    id: String,
    username: String,
    /// Why no password login can succeed (disabled, OTP), when the record shows it.
    unverifiable: Option<String>,
}

pub(crate) struct KeycloakAdapter {
    realm: String,
    verify_client: VerifyClient,
}

impl KeycloakAdapter {
    fn client(&self, transport: &Transport, token: Option<&SecretToken>) -> Generated {
        let context = match token {
            Some(token) => ClientContext::bearer(token.clone()),
            None => ClientContext::anonymous(),
        };
        transport.client(Generated::new_with_client, context)
    }

    /// The user's record, by id or by exact user name.
    async fn read_user(
        &self,
        transport: &Transport,
        token: &SecretToken,
        user: &UserRef,
    ) -> Result<UserRecord, Error> {
        let client = self.client(transport, Some(token));
        let realm = self.realm.as_str();
        let found = match user {
            UserRef::Id(id) => transport
                .call(|| Box::pin(client.get_user().realm(realm).user_id(id.as_str()).send()))
                .await
                .map_err(|e| explain(e, Operation::ReadUser))?
                .into_inner(),
            UserRef::Name(name) => {
                let mut users = transport
                    .call(|| {
                        Box::pin(
                            client
                                .find_users()
                                .realm(realm)
                                .username(name.as_str())
                                .exact(true)
                                .brief_representation(false)
                                .send(),
                        )
                    })
                    .await
                    .map_err(|e| explain(e, Operation::ReadUser))?
                    .into_inner();
                // `exact` matches whole names; a server that ignored it would list others.
                users.retain(|u| u.username.eq_ignore_ascii_case(name));
                match users.len() {
                    1 => users.remove(0),
                    0 => {
                        return Err(Error::new(
                            ErrorKind::UserNotFound,
                            "the realm has no user with this user name",
                        )
                        .with_status(Some(200)));
                    }
                    _ => {
                        return Err(Error::new(
                            ErrorKind::Unexpected,
                            "Keycloak listed more than one user for an exact user name; give the user's id",
                        )
                        .with_status(Some(200)));
                    }
                }
            }
        };
        if let UserRef::Id(id) = user
            && found.id != *id
        {
            return Err(Error::new(
                ErrorKind::Unexpected,
                "Keycloak answered with another user's record",
            )
            .with_status(Some(200)));
        }
        let unverifiable = if found.enabled == Some(false) {
            Some(
                "the user is disabled: Keycloak refuses its logins before checking the password"
                    .to_owned(),
            )
        } else if found.totp == Some(true) {
            Some("the user has an OTP credential: a password login also needs the code, so no login can check the password alone".to_owned())
        } else {
            None
        };
        Ok(UserRecord {
            id: found.id,
            username: found.username,
            unverifiable,
        })
    }

    /// The token endpoint of `realm` with `grant`: the access token and the refresh token.
    async fn token(
        &self,
        transport: &Transport,
        realm: &str,
        grant: &Grant<'_>,
    ) -> Result<types::TokenResponse, Error> {
        let form = grant
            .form()
            .map_err(|e| Error::invalid_input(format!("a Keycloak login: {e}")))?;
        let client = self.client(transport, None);
        Ok(transport
            .call(|| Box::pin(client.token().realm(realm).body(form.clone()).send()))
            .await?
            .into_inner())
    }

    /// Ends a verification login's session (best effort: it expires on its own).
    async fn logout(&self, transport: &Transport, refresh: SecretToken) {
        let body = types::LogoutRequest {
            client_id: match self.verify_client.client_id.as_str().try_into() {
                Ok(id) => id,
                Err(_) => return,
            },
            client_secret: self.verify_client.client_secret.clone(),
            refresh_token: refresh,
        };
        let client = self.client(transport, None);
        let realm = self.realm.as_str();
        if let Err(e) = transport
            .call(|| Box::pin(client.logout().realm(realm).body(body.clone()).send()))
            .await
        {
            tracing::debug!(kind = ?e.kind(), "the verification's session was not ended; it expires on its own");
        }
    }
}

impl Adapter for KeycloakAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = config::KEYS;
    const VERIFICATION: &'static str = "the password grant (POST /realms/<realm>/protocol/openid-connect/token) through verify_client_id (default admin-cli), then its session is logged out; \"Account is not fully set up\" (a temporary password) proves the password; a disabled user or one with OTP is not verifiable";
    const MODES: &'static [ModeKind] = &[ModeKind::AdminSet];
    const POLICY_API: bool = true;
    const POLICY: &'static str = "read from the realm's passwordPolicy (GET /admin/realms/<realm>; view-realm); lengths in UTF-16 units; history, notUsername, regexPattern and the deny list are named, not checked";
    type Config = KeycloakConfig;
    type Login = KeycloakLogin;
    type Request = KeycloakRequest;
    type Details = KeycloakDetails;

    fn config(common: Common, keys: &mut Keys) -> Result<KeycloakConfig, Error> {
        KeycloakConfig::from_keys(common, keys)
    }

    fn new(config: KeycloakConfig) -> Result<(Self, HttpConfig, Auth<Self::Login>), Error> {
        let path = config.http.base_url().path().to_ascii_lowercase();
        if path.contains("/realms/") || path.trim_end_matches('/').ends_with("/admin") {
            return Err(Error::invalid_input(
                "the Keycloak base URL names a path of the API: give the server's root (e.g. https://sso.example.com, with /auth where the server serves under it)",
            ));
        }
        let auth = match config.auth {
            KeycloakAuth::Token(token) => Auth::Token(token),
            KeycloakAuth::Login(login) => Auth::Login(login),
        };
        let adapter = Self {
            realm: config.realm,
            verify_client: config.verify_client,
        };
        Ok((adapter, config.http, auth))
    }

    /// A Keycloak id, or a user name (looked up before the change).
    fn user_id(id: &str) -> Result<String, Error> {
        // Keycloak's user profile refuses these in user names (`username-prohibited-characters`),
        // and none is in an id; each would change the request's path or query.
        let id = crate::adapter::path_segment_id(
            id,
            "Keycloak user id is invalid: expected the user's id (a UUID) or its user name, without whitespace or any of / \\ ? # %",
        )?;
        Ok(match UserRef::of(&id) {
            UserRef::Id(id) | UserRef::Name(id) => id,
        })
    }

    fn documented_policy() -> PasswordPolicy {
        PasswordPolicy {
            min_length: 1,
            max_length: None,
            length_unit: LengthUnit::Utf16Units,
            min_lowercase: 0,
            min_uppercase: 0,
            min_digits: 0,
            min_symbols: 0,
            min_classes: 0,
            unchecked: Vec::new(),
            character_classes: CharacterClasses::Unicode,
            source: PolicySource::Documented {
                reference: "a Keycloak realm has no password policy until one is configured (Server Administration Guide, Password policies); a blank password is refused".to_owned(),
            },
        }
    }

    fn prepare(&self, change: &PasswordChange, user_id: String) -> Result<Self::Request, Error> {
        let Mode::AdminSet {
            require_change_at_next_login,
        } = change.mode()
        else {
            return Err(Error::unsupported(
                "Keycloak has no REST operation for a user's own password change (the account API's credentials/password was removed in Keycloak 12): set it as an administrator",
            ));
        };
        if change.new_password().expose_secret().trim().is_empty() {
            return Err(Error::new(
                ErrorKind::PolicyViolation,
                "Keycloak refuses a blank password",
            ));
        }
        Ok(KeycloakRequest {
            user: UserRef::of(&user_id),
            body: types::CredentialRepresentation {
                type_: types::CredentialRepresentationType::Password,
                value: change
                    .new_password()
                    .bounded("new password", "Keycloak's credential value")?,
                temporary: Some(require_change_at_next_login),
            },
        })
    }

    async fn send(
        &self,
        transport: &Transport,
        token: &SecretToken,
        request: &Self::Request,
    ) -> Result<Confirmed<KeycloakDetails>, Error> {
        // An id is sent as it is; a user name is looked up first (its record is read again by
        // the verification, which needs it for an id).
        let (id, username) = match &request.user {
            UserRef::Id(id) => (id.clone(), None),
            name @ UserRef::Name(_) => {
                let user = self
                    .read_user(transport, token, name)
                    .await
                    .map_err(|e| failed_before_the_change(e, "the user read"))?;
                (user.id, Some(VendorText::new(user.username)))
            }
        };
        let client = self.client(transport, Some(token));
        let realm = self.realm.as_str();
        transport
            .call(|| {
                Box::pin(
                    client
                        .reset_password()
                        .realm(realm)
                        .user_id(id.as_str())
                        .body(request.body.clone())
                        .send(),
                )
            })
            .await
            .map_err(|e| explain(e, Operation::Reset))?;
        Ok(Confirmed::new(
            id,
            KeycloakDetails {
                operation: ChangeOperation::UpdateUser,
                username,
                temporary: request.body.temporary == Some(true),
            },
        ))
    }

    fn login_name(details: &KeycloakDetails) -> Option<String> {
        details.username.as_ref()?.to_send_back().map(str::to_owned)
    }

    /// The verification client's secret.
    fn secrets(&self) -> Vec<&str> {
        self.verify_client
            .client_secret
            .iter()
            .map(|secret| secret.expose_secret())
            .collect()
    }

    /// The `password` grant as the user through the verification client; its session is then
    /// logged out. "Account is not fully set up" comes only after the password (and OTP) were
    /// checked: it proves the password.
    async fn verify(
        &self,
        transport: &Transport,
        token: Option<&SecretToken>,
        user: &LoginTarget,
        password: &Password,
    ) -> Result<(), Error> {
        // The record says the user name, and whether a password login can succeed at all.
        let username = match (token, &user.login_name) {
            (Some(token), _) => {
                let record = self
                    .read_user(transport, token, &UserRef::of(&user.user_id))
                    .await?;
                if let Some(reason) = record.unverifiable {
                    return Err(Error::unsupported(reason));
                }
                record.username
            }
            (None, Some(name)) => name.clone(),
            (None, None) => {
                return Err(Error::unsupported(
                    "verifying a Keycloak password by the user's id needs an administrator's token to read its user name",
                ));
            }
        };
        let password = UnboundedPassword::any(password.expose_secret());
        let grant = Grant::Password {
            client_id: &self.verify_client.client_id,
            client_secret: self.verify_client.client_secret.as_ref(),
            username: &username,
            password: &password,
        };
        match self.token(transport, &self.realm, &grant).await {
            Ok(tokens) => {
                if let Some(refresh) = tokens.refresh_token {
                    self.logout(transport, refresh).await;
                }
                Ok(())
            }
            Err(e) if e.vendor_mentions(&[texts::NOT_FULLY_SET_UP]) => {
                tracing::debug!(
                    "Keycloak answered \"Account is not fully set up\", after checking the password"
                );
                Ok(())
            }
            Err(e) if e.status() == Some(401) && e.vendor_code_mentions(&["invalid_grant"]) => {
                Err(e.reclassify(
                    ErrorKind::VerificationFailed,
                    "Keycloak refused a login with the new password (401 \"Invalid user credentials\": the user exists, is enabled and not locked, and the password or OTP was wrong)",
                ))
            }
            Err(e) if e.vendor_mentions(&[texts::ACCOUNT_DISABLED]) => Err(Error::unsupported(
                "the user is disabled: Keycloak refuses its logins before checking the password",
            )),
            Err(e) if e.vendor_mentions(&[texts::NO_DIRECT_GRANTS]) => Err(Error::unsupported(
                "the verification client has no direct access grants: enable them, or set verify_client_id to a client that has them",
            )),
            Err(e) if e.vendor_code_mentions(&["unauthorized_client", "invalid_client"]) => {
                Err(Error::unsupported(
                    "Keycloak refused the verification client (its id or secret): check verify_client_id and verify_client_secret",
                ))
            }
            Err(e) if e.status() == Some(400) && e.vendor_mentions(&[texts::INVALID_CREDENTIALS]) => {
                Err(e.reclassify(
                    ErrorKind::PermissionDenied,
                    "Keycloak refused the login before checking the password (400 \"Invalid user credentials\": the user is locked by brute-force detection, or is a service account); it proves nothing",
                ))
            }
            Err(e) => Err(e),
        }
    }

    async fn login(
        &self,
        transport: &Transport,
        login: &KeycloakLogin,
    ) -> Result<SecretToken, Error> {
        let password;
        let (realm, grant) = match login {
            KeycloakLogin::ClientCredentials {
                realm,
                client_id,
                client_secret,
            } => (
                realm,
                Grant::ClientCredentials {
                    client_id,
                    client_secret,
                },
            ),
            KeycloakLogin::Password {
                realm,
                client_id,
                username,
                password: secret,
            } => {
                password = UnboundedPassword::any(secret.expose_secret());
                (
                    realm,
                    Grant::Password {
                        client_id,
                        client_secret: None,
                        username,
                        password: &password,
                    },
                )
            }
        };
        let tokens = self
            .token(transport, realm, &grant)
            .await
            .map_err(|e| explain(e, Operation::AdminLogin))?;
        Ok(tokens.access_token)
    }

    async fn read_policy(
        &self,
        transport: &Transport,
        token: &SecretToken,
    ) -> Result<Option<PasswordPolicy>, Error> {
        let client = self.client(transport, Some(token));
        let realm = self.realm.as_str();
        let representation = transport
            .call(|| Box::pin(client.get_realm().realm(realm).send()))
            .await
            .map_err(|e| explain(e, Operation::ReadRealm))?
            .into_inner();
        // The full representation (`view-realm`) has `enabled`, and leaves out a realm's absent
        // policy; a token without `view-realm` gets the realm's name alone.
        match (representation.password_policy, representation.enabled) {
            (Some(text), _) => policy_of(&text).map(Some),
            (None, Some(_)) => policy_of("").map(Some),
            (None, None) => Err(Error::new(
                ErrorKind::PermissionDenied,
                "Keycloak answered the realm's name alone: the token may not view the realm (realm-management's view-realm), so its password policy cannot be read",
            )
            .with_status(Some(200))),
        }
    }

    fn classify_bytes(status: u16, body: &[u8]) -> Verdict {
        verdict_of::<types::Error>(status, body)
    }
}

/// The realm's `passwordPolicy` (`length(12) and digits(2) and notUsername(undefined)`), as
/// Keycloak's `PasswordPolicy` parses it: split on ` and `, the argument between the first `(`
/// and the last character, a policy without one taking the provider's default; the last of a
/// repeated policy wins. Rules no client can check are named in `unchecked`; the hashing,
/// expiry and re-authentication settings do not concern the password's text.
pub(super) fn policy_of(text: &str) -> Result<PasswordPolicy, Error> {
    let mut policy = PasswordPolicy {
        source: PolicySource::Vendor {
            operation: "GET /admin/realms/<realm> (passwordPolicy)".to_owned(),
        },
        ..KeycloakAdapter::documented_policy()
    };
    let mut unchecked: Vec<(String, String)> = Vec::new();
    for part in text.split(" and ") {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (id, argument) = match part.find('(') {
            Some(open) => (
                part[..open].trim(),
                Some(part[open + 1..part.len() - 1].trim()),
            ),
            None => (part, None),
        };
        let count = |default: usize| -> Result<usize, Error> {
            match argument {
                None | Some("") => Ok(default),
                Some(argument) => argument.parse().map_err(|_| {
                    Error::new(
                        ErrorKind::Unexpected,
                        format!(
                            "the realm's passwordPolicy has {id}(…) whose argument is not a number"
                        ),
                    )
                }),
            }
        };
        let mut name = |rule: String| {
            unchecked.retain(|(known, _)| known != id);
            unchecked.push((id.to_owned(), rule));
        };
        match id {
            "length" => policy.min_length = count(8)?.max(1),
            "maxLength" => policy.max_length = Some(count(64)?),
            "digits" => policy.min_digits = count(1)?,
            "upperCase" => policy.min_uppercase = count(1)?,
            "lowerCase" => policy.min_lowercase = count(1)?,
            "specialChars" => policy.min_symbols = count(1)?,
            "passwordHistory" => name(format!(
                "passwordHistory: not one of the last {} passwords",
                count(3)?
            )),
            "notUsername" => name("notUsername: not the user name".to_owned()),
            "notContainsUsername" => {
                name("notContainsUsername: not containing the user name".to_owned())
            }
            "notEmail" => name("notEmail: not the email address".to_owned()),
            "regexPattern" => name("regexPattern: matches the realm's pattern".to_owned()),
            "passwordBlacklist" => {
                name("passwordBlacklist: not on the realm's deny list".to_owned())
            }
            "passwordAge" => {
                name("passwordAge: not one of the passwords of the last days".to_owned())
            }
            "hashIterations"
            | "hashAlgorithm"
            | "forceExpiredPasswordChange"
            | "maxAuthAge"
            | "recoveryCodesWarningThreshold" => {}
            other => name(format!("{other}: a policy pwchange does not know")),
        }
    }
    policy.unchecked = unchecked.into_iter().map(|(_, rule)| rule).collect();
    Ok(policy)
}
