//! The Google adapter: the checks before sending, the administrator's set (`users.update`), and
//! why no change can be verified.

use pwchange_core::SecretToken;
use pwchange_core::classify::Verdict;
use pwchange_core::http::HttpConfig;
use pwchange_core::token::Auth;
use pwchange_core::vendor_text::VendorText;
use pwchange_google::{Client as Generated, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, types};
use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter, Confirmed, LoginTarget};
use crate::config::{Common, Key, Keys};
use crate::transport::{Transport, verdict_of};
use crate::{
    ChangeOperation, CharacterClasses, Error, ErrorKind, LengthUnit, Mode, ModeKind, Password,
    PasswordChange, PasswordPolicy, PolicySource, Vendor,
};

use super::VENDOR;
use super::config::{self, GoogleConfig};
use super::error::{Operation, explain};

/// Where Google documents the password's rules.
const RULES_REFERENCE: &str = "the Directory API's User resource, field password (discovery document admin directory_v1): any combination of ASCII characters, 8 to 100 characters";

/// What Google's answer to a set says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct GoogleDetails {
    /// Always `update_user` (`users.update`, an administrative set).
    pub operation: ChangeOperation,
    /// The user's unique id, as Google answered it.
    pub id: VendorText,
    /// The user's primary email address, as Google answered it (what the user signs in with).
    pub primary_email: VendorText,
    /// Whether Google's answer says the user must change the password at the next sign-in
    /// (`None`: the answer did not say).
    pub change_password_at_next_login: Option<bool>,
    /// Whether Google's answer says the user is suspended (the password is set; the user cannot
    /// sign in until it is restored).
    pub suspended: bool,
}

impl pwchange_core::vendor_text::Redact for GoogleDetails {
    fn redact(&mut self, secrets: &pwchange_core::Redactor) {
        self.id.redact(secrets);
        self.primary_email.redact(secrets);
    }
}

/// A checked Google request. No `Debug`: it holds a password (which would not print).
pub(crate) struct GoogleRequest {
    user_key: String,
    body: types::UserPasswordUpdate,
}

pub(crate) struct GoogleAdapter;

impl Adapter for GoogleAdapter {
    const VENDOR: Vendor = VENDOR;
    const KEYS: &'static [Key] = config::KEYS;
    const VERIFICATION: &'static str = "none: Google offers no password login by API (ClientLogin was shut down in 2015), so changes are reported as not verifiable";
    const MODES: &'static [ModeKind] = &[ModeKind::AdminSet];
    const POLICY: &'static str = "documented: 8 to 100 ASCII characters (the Directory API's User.password); the domain's own policy (minimum length, strength, reuse), set in the Admin console, cannot be read and is named, not checked";
    type Config = GoogleConfig;
    type Login = std::convert::Infallible;
    type Request = GoogleRequest;
    type Details = GoogleDetails;

    fn config(common: Common, keys: &mut Keys) -> Result<GoogleConfig, Error> {
        GoogleConfig::from_keys(common, keys)
    }

    fn new(config: GoogleConfig) -> Result<(Self, HttpConfig, Auth<Self::Login>), Error> {
        let path = config.http.base_url().path().to_ascii_lowercase();
        if path.contains("/admin/") || path.trim_end_matches('/').ends_with("/admin") {
            return Err(Error::invalid_input(
                "the Google base URL names a path of the API: give the Directory API's root (https://admin.googleapis.com)",
            ));
        }
        Ok((Self, config.http, Auth::Token(config.token)))
    }

    /// A `userKey`: the primary email address, an alias, or the unique id, sent as given.
    fn user_id(id: &str) -> Result<String, Error> {
        crate::adapter::path_segment_id(
            id,
            "Google user key is invalid: expected the user's primary email address, an alias or its unique id, without whitespace or any of / \\ ? # %",
        )
    }

    fn documented_policy() -> PasswordPolicy {
        PasswordPolicy {
            min_length: MIN_PASSWORD_CHARS,
            max_length: Some(MAX_PASSWORD_CHARS),
            length_unit: LengthUnit::Characters,
            min_lowercase: 0,
            min_uppercase: 0,
            min_digits: 0,
            min_symbols: 0,
            min_classes: 0,
            unchecked: vec![
                "the domain's password policy (a longer minimum length, strong passwords, no reuse), set in the Admin console; the Directory API does not read it".to_owned(),
            ],
            character_classes: CharacterClasses::Ascii,
            source: PolicySource::Documented {
                reference: RULES_REFERENCE.to_owned(),
            },
        }
    }

    fn prepare(&self, change: &PasswordChange, user_key: String) -> Result<Self::Request, Error> {
        let Mode::AdminSet {
            require_change_at_next_login,
        } = change.mode()
        else {
            return Err(Error::unsupported(
                "the Google Directory API has no operation for a user's own password change: set it as an administrator",
            ));
        };
        let characters = change.new_password().expose_secret().chars().count();
        if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&characters) {
            return Err(Error::new(
                ErrorKind::PolicyViolation,
                format!(
                    "the new password has {characters} characters; Google accepts at least {MIN_PASSWORD_CHARS} and at most {MAX_PASSWORD_CHARS}"
                ),
            ));
        }
        if !change.new_password().expose_secret().is_ascii() {
            return Err(Error::new(
                ErrorKind::PolicyViolation,
                "the new password has a character outside ASCII; Google accepts ASCII characters only",
            ));
        }
        Ok(GoogleRequest {
            user_key,
            body: types::UserPasswordUpdate {
                password: change
                    .new_password()
                    .bounded("new password", "Google's 8 to 100 characters")?,
                hash_function: None,
                change_password_at_next_login: Some(require_change_at_next_login),
            },
        })
    }

    async fn send(
        &self,
        transport: &Transport,
        token: &SecretToken,
        request: &Self::Request,
    ) -> Result<Confirmed<GoogleDetails>, Error> {
        let client = transport.client(
            Generated::new_with_client,
            pwchange_core::ClientContext::bearer(token.clone()),
        );
        let user = transport
            .call(|| {
                Box::pin(
                    client
                        .update_user()
                        .user_key(request.user_key.as_str())
                        .body(request.body.clone())
                        .send(),
                )
            })
            .await
            .map_err(|e| explain(e, Operation::Update))?
            .into_inner();
        // A unique id names one user: an answer about another is not this change's.
        let by_id = request.user_key.bytes().all(|b| b.is_ascii_digit());
        // The update was sent: an answer about another user says nothing of this one's.
        if by_id && user.id != request.user_key {
            return Err(Error::new(
                ErrorKind::OutcomeUnknown,
                "Google answered the update with another user's record: whether this user's password changed is unknown",
            )
            .with_status(Some(200)));
        }
        let asked = request.body.change_password_at_next_login == Some(true);
        let answered = user.change_password_at_next_login;
        if answered.is_some_and(|answered| answered != asked) {
            return Err(Error::new(
                ErrorKind::OutcomeUnknown,
                "Google answered 200, but its record's changePasswordAtNextLogin is not what the change asked: the update may not have been applied",
            )
            .with_status(Some(200)));
        }
        Ok(Confirmed::new(
            request.user_key.clone(),
            GoogleDetails {
                operation: ChangeOperation::UpdateUser,
                id: VendorText::new(user.id),
                primary_email: VendorText::new(user.primary_email),
                change_password_at_next_login: answered,
                suspended: user.suspended == Some(true),
            },
        ))
    }

    async fn login(&self, _: &Transport, login: &Self::Login) -> Result<SecretToken, Error> {
        match *login {}
    }

    async fn verify(
        &self,
        _: &Transport,
        _: Option<&SecretToken>,
        _: &LoginTarget,
        _: &Password,
    ) -> Result<(), Error> {
        Err(Error::unsupported(
            "Google offers no password login by API (ClientLogin was shut down in 2015), so a change cannot be verified",
        ))
    }

    fn classify_bytes(status: u16, body: &[u8]) -> Verdict {
        verdict_of::<types::GoogleError>(status, body)
    }
}
