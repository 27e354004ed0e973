//! The Cloud Director adapter: the checks before sending, the change, the login, the verification.

use pwchange_core::SecretToken;
use pwchange_core::classify::Verdict;
use pwchange_core::http::HttpConfig;
use pwchange_core::token::Auth;
use pwchange_core::vendor_text::{Redact, VendorText};
use pwchange_vcd::{Client as Generated, Credentials, types};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, Confirmed, LoginTarget, login_refused};
use crate::config::{Common, Key, Keys};
use crate::transport::{Transport, verdict_of};
use crate::{
    ChangeOperation, CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password,
    PasswordChange, PasswordPolicy, PolicySource, Vendor,
};

use super::VENDOR;
use super::config::{self, VcdAuth, VcdConfig};

pub(super) const URN_PREFIX: &str = "urn:vcloud:user:";

/// What Cloud Director returned for a change: `204` and no body (self-service), or the updated
/// user record (administrative set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct VcdDetails {
    /// `change_password` (self-service) or `update_user` (administrative set).
    pub operation: ChangeOperation,
    /// `user@organization` from the user record (administrative set), the name the user logs in
    /// with.
    pub login_name: Option<VendorText>,
}

impl Redact for VcdDetails {
    fn redact(&mut self, secrets: &pwchange_core::Redactor) {
        self.login_name.redact(secrets);
    }
}

/// A checked Cloud Director request.
pub(crate) enum VcdRequest {
    /// `POST …/changePassword`: the caller's own password, with the current one.
    Change(String, types::PasswordChangeRequest),
    /// `GET` then `PUT /cloudapi/1.0.0/users/{urn}`: an administrator sets the password.
    Set(String, pwchange_core::BoundedPassword<6, 128>),
}

pub(crate) struct VcdAdapter {
    api_version: String,
    /// The session login's `user@org`, when the backend logs in: the user whose password a
    /// self-service change sets, and so the name a verification logs in with.
    login_name: Option<String>,
}

impl VcdAdapter {
    /// `user@organization` of `urn`, from the user's record read with `token`: what a
    /// verification logs in as when neither the change nor the configuration names the user.
    /// A record refused to the token (or naming no organization) leaves the change not
    /// verifiable; a read that failed for now (a 503, a timeout) proves nothing, and is returned
    /// as it is so that the verification is tried again.
    async fn login_name_from_record(
        &self,
        transport: &Transport,
        token: &SecretToken,
        urn: &str,
    ) -> Result<String, Error> {
        let client = self.client(transport, Credentials::Bearer(token.clone()))?;
        let record = transport
            .call(|| Box::pin(client.get_user().user_urn(urn).send()))
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::Unauthenticated
                | ErrorKind::PermissionDenied
                | ErrorKind::UserNotFound
                | ErrorKind::InvalidInput => Error::unsupported(format!(
                    "the user's login name (user@organization) could not be read from the user record ({}): give it to verify the change",
                    e.kind()
                )),
                _ => e,
            })?
            .into_inner();
        let same_user = record
            .id
            .as_deref()
            .is_none_or(|id| id.eq_ignore_ascii_case(urn));
        match login_name_of(&record).filter(|_| same_user) {
            Some(name) => Ok(name),
            None => Err(Error::unsupported(
                "the user record names no organization to log in to: give the login name (user@organization) to verify the change",
            )),
        }
    }

    fn client(&self, transport: &Transport, credentials: Credentials) -> Result<Generated, Error> {
        let context = pwchange_vcd::context(credentials, &self.api_version)
            .map_err(|e| Error::invalid_input(e.to_string()))?;
        Ok(transport.client(Generated::new_with_client, context))
    }
}

impl Adapter for VcdAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = config::KEYS;
    const VERIFICATION: &'static str = "opens a session as user@org: the login name given, else for a self-service change the configured username, for an administrative set the user record's name and organization";
    const MODES: &'static [ModeKind] = &[ModeKind::SelfService, ModeKind::AdminSet];
    const POLICY: &'static str = "documented only (no API for its complexity rules): the API's 6..=128 characters; with a VCF Automation api_version (9.x), 15 with every class";
    type Config = VcdConfig;
    type Login = (String, SecretString);
    type Request = VcdRequest;
    type Details = VcdDetails;

    fn config(common: Common, keys: &mut Keys) -> Result<VcdConfig, Error> {
        VcdConfig::from_keys(common, keys)
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
            min_lowercase: 0,
            min_uppercase: 0,
            min_digits: 0,
            min_symbols: 0,
            min_classes: 0,
            unchecked: Vec::new(),
            character_classes: CharacterClasses::Unicode,
            source: PolicySource::Documented {
                reference: "Cloud Director's API (newPassword 6..=128 characters); VCF Automation 9.0 documents more: at least 15 characters with a lowercase, uppercase, digit and special character".to_owned(),
            },
        }
    }

    /// VCF Automation (an API version such as `9.1.0`) documents stricter rules than Cloud
    /// Director's API: at least 15 characters with every class.
    fn configured_policy(&self) -> Option<PasswordPolicy> {
        let major: u32 = self.api_version.split('.').next()?.parse().ok()?;
        (major < pwchange_vcd::FIRST_VCD_API_MAJOR).then(|| PasswordPolicy {
            min_length: 15,
            min_lowercase: 1,
            min_uppercase: 1,
            min_digits: 1,
            min_symbols: 1,
            min_classes: 0,
            unchecked: Vec::new(),
            source: PolicySource::Documented {
                reference: "VCF Automation 9.0 documentation: at least 15 characters, one lowercase, uppercase, digit and special character".to_owned(),
            },
            ..Self::documented_policy()
        })
    }

    fn prepare(&self, change: &PasswordChange, urn: String) -> Result<Self::Request, Error> {
        let new_password = change
            .new_password()
            .bounded("new password", "Cloud Director")?;
        match (change.mode(), change.current_password()) {
            (Mode::SelfService, Some(current)) => Ok(VcdRequest::Change(
                urn,
                types::PasswordChangeRequest {
                    current_password: pwchange_core::UnboundedPassword::any(
                        current.expose_secret(),
                    ),
                    new_password,
                },
            )),
            (
                Mode::AdminSet {
                    require_change_at_next_login: false,
                },
                _,
            ) => Ok(VcdRequest::Set(urn, new_password)),
            (
                Mode::AdminSet {
                    require_change_at_next_login: true,
                },
                _,
            ) => Err(Error::unsupported(
                "Cloud Director's user record has no \"change at next login\" flag",
            )),
            _ => Err(Error::unsupported(
                "Cloud Director changes a password with the current one (changePassword, the caller's own) or sets it \
                 as an administrator; it has no reset with a verification code",
            )),
        }
    }

    async fn send(
        &self,
        transport: &Transport,
        token: &SecretToken,
        request: &Self::Request,
    ) -> Result<Confirmed<VcdDetails>, Error> {
        let client = self.client(transport, Credentials::Bearer(token.clone()))?;
        match request {
            VcdRequest::Change(urn, body) => {
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
                Ok(Confirmed::new(
                    urn.clone(),
                    VcdDetails {
                        operation: ChangeOperation::ChangePassword,
                        login_name: None,
                    },
                ))
            }
            VcdRequest::Set(urn, password) => {
                let mut record = read_user(transport, &client, urn).await?;
                record.password = Some(password.clone());
                // VCF Automation wants the previous user name here; the record has it.
                if record.name_in_source.is_none() {
                    record.name_in_source = Some(record.username.clone());
                }
                let updated = transport
                    .call(|| {
                        Box::pin(
                            client
                                .update_user()
                                .user_urn(urn.as_str())
                                .body(record.clone())
                                .send(),
                        )
                    })
                    .await?
                    .into_inner();
                let same_user = updated
                    .id
                    .as_deref()
                    .is_none_or(|id| id.eq_ignore_ascii_case(urn));
                if !same_user {
                    return Err(Error::new(
                        ErrorKind::OutcomeUnknown,
                        "Cloud Director answered the update with another user's record; whether the password changed is unknown",
                    )
                    .with_status(Some(200)));
                }
                Ok(Confirmed::new(
                    urn.clone(),
                    VcdDetails {
                        operation: ChangeOperation::UpdateUser,
                        login_name: login_name_of(&updated)
                            .or_else(|| login_name_of(&record))
                            .map(VendorText::new),
                    },
                ))
            }
        }
    }

    fn login_name(details: &Self::Details) -> Option<String> {
        details
            .login_name
            .as_ref()?
            .to_send_back()
            .map(str::to_owned)
    }

    /// A session login as `user@org` with the new password (the provider endpoint for `System`).
    async fn verify(
        &self,
        transport: &Transport,
        token: Option<&SecretToken>,
        user: &LoginTarget,
        password: &Password,
    ) -> Result<(), Error> {
        // The configured login is the target only in a self-service change (Cloud Director's
        // changePassword changes the caller's own password). After an administrative set, or in
        // a bare verification (a rotation's resume), it is most likely the administrator's: a
        // login as the administrator with the user's password would test (and may lock) the
        // wrong account. Without either, the user's record names the user and organization
        // (read with the backend's token).
        let own = user.mode == Some(ModeKind::SelfService);
        let configured = self.login_name.as_ref().filter(|_| own);
        let read;
        let username = match (user.login_name.as_ref().or(configured), token) {
            (Some(name), _) => name,
            (None, Some(token)) => {
                read = self
                    .login_name_from_record(transport, token, &user.user_id)
                    .await?;
                &read
            }
            (None, None) => {
                return Err(Error::unsupported(
                    "a Cloud Director session login needs the user's user@organization: give the login name \
                     (the configured username is used only for a self-service change)",
                ));
            }
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
        let session = transport
            .call(|| Box::pin(pwchange_vcd::log_in(&client, username)))
            .await
            .map_err(|e| login_refused(e, &[ErrorKind::Unauthenticated]))?;
        // The session proved the password; it is ended rather than left to idle out among the
        // user's sessions. A failed logout is logged, not reported.
        let session = self.client(transport, Credentials::Bearer(session))?;
        let ended = transport
            .call(|| Box::pin(session.logout_current_session().send()))
            .await;
        if let Err(e) = ended {
            tracing::warn!(kind = ?e.kind(), "could not end the verification session");
        }
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

/// The user record before an administrative set. Its failure means the change was not sent,
/// whatever its answer left open.
pub(super) async fn read_user(
    transport: &Transport,
    client: &Generated,
    urn: &str,
) -> Result<types::VcdUser, Error> {
    let record = transport
        .call(|| Box::pin(client.get_user().user_urn(urn).send()))
        .await
        .map_err(|e| crate::adapter::failed_before_the_change(e, "reading the user record"))?
        .into_inner();
    if record
        .id
        .as_deref()
        .is_some_and(|id| !id.eq_ignore_ascii_case(urn))
    {
        return Err(Error::new(
            ErrorKind::Unexpected,
            "Cloud Director answered the read of the user with another user's record; the change was not sent",
        ));
    }
    match record.provider_type.as_deref() {
        None => Ok(record),
        Some(provider) if provider.eq_ignore_ascii_case("LOCAL") => Ok(record),
        Some(provider) => Err(Error::unsupported(
            "the user comes from another identity provider (its providerType is not LOCAL): its password is not Cloud Director's to set",
        )
        .with_vendor_field("providerType", provider)),
    }
}

/// `user@organization` from a user record, when it names the organization.
pub(super) fn login_name_of(record: &types::VcdUser) -> Option<String> {
    let org = record.org_entity_ref.as_ref()?.name.as_deref()?;
    Some(format!("{}@{org}", record.username))
}
