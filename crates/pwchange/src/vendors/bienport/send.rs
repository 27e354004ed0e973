//! The Bienport adapter: the checks before sending, the change, the login, the verification.

use pwchange_bienport::{Client as Generated, ClientContext, types};
use pwchange_core::SecretToken;
use pwchange_core::classify::Verdict;
use pwchange_core::http::HttpConfig;
use pwchange_core::token::Auth;
use pwchange_core::vendor_text::{Redact, VendorText};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};

use super::VENDOR;
use super::config::{self, BienportAuth, BienportConfig};
use crate::adapter::{Adapter, Confirmed, LoginTarget, login_refused};
use crate::config::{Common, Key, Keys};
use crate::transport::{Transport, verdict_of};
use crate::{
    CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password, PasswordChange,
    PasswordPolicy, PolicySource, Vendor,
};

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
    pub(super) screen_name: Option<VendorText>,
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
    const KEYS: &'static [Key] = config::KEYS;
    const VERIFICATION: &'static str = "logs in (POST /api/auth/login) with the screen name from the change's answer; after a lost answer it needs the login name (the screen name)";
    const MODES: &'static [ModeKind] = &[ModeKind::SelfService];
    const POLICY: &'static str = "none documented and no API to read one: any non-empty password (the vendor may refuse more)";
    type Config = BienportConfig;
    type Login = (String, SecretString);
    type Request = types::PasswordUpdateRequest;
    type Details = BienportDetails;

    fn config(common: Common, keys: &mut Keys) -> Result<BienportConfig, Error> {
        BienportConfig::from_keys(common, keys)
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
            min_lowercase: 0,
            min_uppercase: 0,
            min_digits: 0,
            min_symbols: 0,
            min_classes: 0,
            unchecked: Vec::new(),
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
