//! The common request and result types.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::Error;

/// A password handed to the facade. Any length: each vendor checks its own rule before sending.
///
/// The one password type a facade user names. (The generated vendor clients take
/// `pwchange_core::BoundedPassword<MIN, MAX>`, whose bounds come from the vendor's spec; the
/// facade converts.)
///
/// `Debug`/`Display` print `<redacted>`; `Serialize` writes the clear text (it crosses a process
/// boundary only where a password must, e.g. a rotation journal).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(pwchange_core::UnboundedPassword);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Self(pwchange_core::UnboundedPassword::any(password))
    }

    /// The clear text.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// Converts to a vendor field type with bounds `MIN..=MAX` (usually inferred from the
    /// generated field, i.e. from the spec), naming `field` and whose `rule` it is in the error.
    #[allow(dead_code)] // for vendors with length limits; a one-vendor build may have none
    pub(crate) fn bounded<const MIN: usize, const MAX: usize>(
        &self,
        field: &str,
        rule: &str,
    ) -> Result<pwchange_core::BoundedPassword<MIN, MAX>, Error> {
        self.0
            .rebound()
            .map_err(|e| Error::invalid_input(format!("{field}: {e} ({rule}'s limit)")))
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

/// A borrowed `String`, as a caller holding its passwords in `String`s passes them:
///
/// ```
/// use pwchange::PasswordChange;
/// let (user, current, new) = (
///     "69629026806489455".to_owned(),
///     "old-Passw0rd!".to_owned(),
///     "new-Passw0rd!".to_owned(),
/// );
/// let change = PasswordChange::self_service(&user, &current, &new);
/// assert_eq!(change.new_password().expose_secret(), new);
/// let change = PasswordChange::admin_set(&user, &new);
/// assert!(change.current_password().is_none());
/// ```
impl From<&String> for Password {
    fn from(s: &String) -> Self {
        Self::new(s.as_str())
    }
}

impl std::fmt::Display for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl schemars::JsonSchema for Password {
    fn schema_name() -> Cow<'static, str> {
        "Password".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "format": "password", "writeOnly": true})
    }
}

/// Who changes the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Mode {
    /// The user changes their own password and proves it with the current one.
    SelfService,
    /// An administrator sets the password without the current one.
    AdminSet {
        /// Whether the user must change the password at the next login
        /// (the vendor adapters map it to their own flag).
        #[serde(default)]
        require_change_at_next_login: bool,
    },
    /// The user proves the change with the verification code a password reset sent them
    /// ([`PasswordChange::reset_with_code`]).
    ResetWithCode,
}

impl Mode {
    /// The mode without its options.
    pub fn kind(self) -> ModeKind {
        match self {
            Mode::SelfService => ModeKind::SelfService,
            Mode::AdminSet { .. } => ModeKind::AdminSet,
            Mode::ResetWithCode => ModeKind::ResetWithCode,
        }
    }
}

/// A [`Mode`] without its options: what a vendor can do ([`crate::capabilities`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModeKind {
    /// [`Mode::SelfService`].
    SelfService,
    /// [`Mode::AdminSet`].
    AdminSet,
    /// [`Mode::ResetWithCode`].
    ResetWithCode,
}

impl ModeKind {
    /// Every mode, in this order.
    pub const ALL: [ModeKind; 3] = [
        ModeKind::SelfService,
        ModeKind::AdminSet,
        ModeKind::ResetWithCode,
    ];

    /// The mode's wire name (`self_service`, `admin_set`, `reset_with_code`).
    pub fn name(self) -> &'static str {
        match self {
            ModeKind::SelfService => "self_service",
            ModeKind::AdminSet => "admin_set",
            ModeKind::ResetWithCode => "reset_with_code",
        }
    }
}

impl std::fmt::Display for ModeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One password change: whose, from what (self-service) and to what.
///
/// ```
/// use pwchange::PasswordChange;
/// let change = PasswordChange::self_service("69629026806489455", "old-Passw0rd!", "new-Passw0rd!");
/// assert!(!format!("{change:?}").contains("Passw0rd"));
/// ```
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(try_from = "PasswordChangeFields")]
pub struct PasswordChange {
    user_id: String,
    current_password: Option<Password>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification_code: Option<Password>,
    new_password: Password,
    #[serde(flatten)]
    mode: Mode,
    verify: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    login_name: Option<String>,
}

/// The wire form of [`PasswordChange`], checked on the way in.
#[derive(Deserialize, schemars::JsonSchema)]
struct PasswordChangeFields {
    user_id: String,
    current_password: Option<Password>,
    /// The code a password reset sent the user (mode `reset_with_code`).
    #[serde(default)]
    verification_code: Option<Password>,
    new_password: Password,
    #[serde(flatten)]
    mode: Mode,
    /// Whether to log in with the new password after the change (default true).
    #[serde(default = "verify_by_default")]
    verify: bool,
    /// The name the user logs in with, where the vendor's login needs one besides the id.
    #[serde(default)]
    login_name: Option<String>,
}

fn verify_by_default() -> bool {
    true
}

impl TryFrom<PasswordChangeFields> for PasswordChange {
    type Error = Error;
    fn try_from(f: PasswordChangeFields) -> Result<Self, Error> {
        let change = PasswordChange {
            user_id: f.user_id,
            current_password: f.current_password,
            verification_code: f.verification_code,
            new_password: f.new_password,
            mode: f.mode,
            verify: f.verify,
            login_name: f.login_name,
        };
        change.check_mode()?;
        Ok(change)
    }
}

impl PasswordChange {
    /// A self-service change: `user_id` proves the change with `current_password`.
    pub fn self_service(
        user_id: impl Into<String>,
        current_password: impl Into<Password>,
        new_password: impl Into<Password>,
    ) -> Self {
        Self {
            user_id: user_id.into(),
            current_password: Some(current_password.into()),
            verification_code: None,
            new_password: new_password.into(),
            mode: Mode::SelfService,
            verify: true,
            login_name: None,
        }
    }

    /// An administrative set of `user_id`'s password; the user need not change it at the next
    /// login unless [`require_change_at_next_login`](Self::require_change_at_next_login) says so.
    pub fn admin_set(user_id: impl Into<String>, new_password: impl Into<Password>) -> Self {
        Self {
            user_id: user_id.into(),
            current_password: None,
            verification_code: None,
            new_password: new_password.into(),
            mode: Mode::AdminSet {
                require_change_at_next_login: false,
            },
            verify: true,
            login_name: None,
        }
    }

    /// A reset: `user_id` proves the change with the `verification_code` a password reset sent
    /// them (for vendors that have one: [`crate::capabilities`]).
    pub fn reset_with_code(
        user_id: impl Into<String>,
        verification_code: impl Into<Password>,
        new_password: impl Into<Password>,
    ) -> Self {
        Self {
            user_id: user_id.into(),
            current_password: None,
            verification_code: Some(verification_code.into()),
            new_password: new_password.into(),
            mode: Mode::ResetWithCode,
            verify: true,
            login_name: None,
        }
    }

    /// Whether to verify the change by logging in with the new password afterwards (default
    /// `true`). One login attempt at most; see [`Verification`] for what each vendor can do.
    pub fn verify(mut self, verify: bool) -> Self {
        self.verify = verify;
        self
    }

    /// The name the user logs in with, for vendors whose verification login takes a name
    /// besides the id and cannot learn it otherwise ([`crate::verification`] says which).
    pub fn login_name(mut self, login_name: impl Into<String>) -> Self {
        self.login_name = Some(login_name.into());
        self
    }

    /// Whether the change is verified by a login ([`verify`](Self::verify)).
    pub fn verifies(&self) -> bool {
        self.verify
    }

    /// The login name given with [`login_name`](Self::login_name).
    pub fn login_name_hint(&self) -> Option<&str> {
        self.login_name.as_deref()
    }

    /// For an administrative set: whether the user must change the password at the next login.
    /// No effect on a self-service change.
    pub fn require_change_at_next_login(mut self, required: bool) -> Self {
        if let Mode::AdminSet {
            require_change_at_next_login,
        } = &mut self.mode
        {
            *require_change_at_next_login = required;
        }
        self
    }

    /// The user's id as given (each vendor parses it into its own form).
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The current password (self-service only).
    pub fn current_password(&self) -> Option<&Password> {
        self.current_password.as_ref()
    }

    /// The reset's verification code ([`Mode::ResetWithCode`] only).
    pub fn verification_code(&self) -> Option<&Password> {
        self.verification_code.as_ref()
    }

    /// The new password.
    pub fn new_password(&self) -> &Password {
        &self.new_password
    }

    /// Self-service or administrative.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The passwords in this request, for redacting the vendor's answers.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        let mut secrets = vec![self.new_password.expose_secret()];
        secrets.extend(self.current_password.as_ref().map(Password::expose_secret));
        secrets.extend(self.verification_code.as_ref().map(Password::expose_secret));
        secrets
    }

    fn check_mode(&self) -> Result<(), Error> {
        let (current, code) = (
            self.current_password.is_some(),
            self.verification_code.is_some(),
        );
        match self.mode {
            Mode::SelfService if !current => Err(Error::invalid_input(
                "a self-service change needs the current password",
            )),
            Mode::ResetWithCode if !code => Err(Error::invalid_input(
                "a reset needs the verification code the user received",
            )),
            Mode::AdminSet { .. } | Mode::ResetWithCode if current => Err(Error::invalid_input(
                "only a self-service change takes the current password",
            )),
            Mode::SelfService | Mode::AdminSet { .. } if code => Err(Error::invalid_input(
                "only a reset takes a verification code",
            )),
            _ => Ok(()),
        }
    }

    /// The checks every vendor shares, run before any request.
    pub(crate) fn validate_common(&self) -> Result<(), Error> {
        self.check_mode()?;
        if self.user_id.trim().is_empty() {
            return Err(Error::invalid_input("user id is empty"));
        }
        if self.new_password.expose_secret().is_empty() {
            return Err(Error::invalid_input("new password is empty"));
        }
        if self
            .verification_code
            .as_ref()
            .is_some_and(|code| code.expose_secret().trim().is_empty())
        {
            return Err(Error::invalid_input("verification code is empty"));
        }
        if let Some(current) = &self.current_password {
            if current.expose_secret().is_empty() {
                return Err(Error::invalid_input("current password is empty"));
            }
            if current.expose_secret() == self.new_password.expose_secret() {
                return Err(Error::invalid_input(
                    "new password is the same as the current password",
                ));
            }
        }
        Ok(())
    }
}

/// Which of a vendor's operations made a change, in the vendor details that name one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeOperation {
    /// The vendor's self-service change, with the current password.
    ChangePassword,
    /// An administrative update of the user's record.
    UpdateUser,
}

/// What a login with the new password said after a change.
///
/// How each vendor logs in, and whether it can: [`crate::verification`]; a vendor without a
/// password login reports [`NotVerifiable`](Self::NotVerifiable). A refused login is not a [`Verification`]: it is the
/// error [`ErrorKind::VerificationFailed`](crate::ErrorKind::VerificationFailed) (outcome unknown); a
/// login whose answer proves nothing (the vendor unavailable, rate limited, the account locked)
/// makes the change [`ErrorKind::OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown): a vendor's
/// `200` alone has been wrong, so where a login can prove a change, only the login does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "result", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Verification {
    /// A login with the new password succeeded.
    Verified,
    /// Not attempted: the change asked for none ([`PasswordChange::verify`]).
    Skipped,
    /// The vendor (or this configuration) offers no password login.
    NotVerifiable {
        /// Why.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use pwchange_core::canary;

    #[test]
    fn common_rules_name_what_is_wrong() {
        let cases = [
            (
                PasswordChange::self_service(" ", "a", "b"),
                "user id is empty",
            ),
            (
                PasswordChange::self_service("u", "", "b"),
                "current password is empty",
            ),
            (PasswordChange::admin_set("u", ""), "new password is empty"),
            (
                PasswordChange::self_service("u", "same", "same"),
                "same as the current password",
            ),
        ];
        for (change, expected) in cases {
            let err = change.validate_common().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(err.to_string().contains(expected), "{err}");
        }
    }

    #[test]
    fn wire_form_round_trips_and_checks_the_mode() {
        let change = PasswordChange::admin_set("u1", canary::NEW_PASSWORD)
            .require_change_at_next_login(true);
        let json = serde_json::to_value(&change).unwrap();
        assert_eq!(json["mode"], "admin_set");
        assert_eq!(json["require_change_at_next_login"], true);
        let back: PasswordChange = serde_json::from_value(json).unwrap();
        assert!(back.verifies(), "a change verifies unless told otherwise");
        let unverified: PasswordChange = serde_json::from_value(serde_json::json!(
            {"user_id": "u", "new_password": "x", "mode": "admin_set", "verify": false}
        ))
        .unwrap();
        assert!(!unverified.verifies());
        let defaulted: PasswordChange = serde_json::from_value(serde_json::json!(
            {"user_id": "u", "new_password": "x", "mode": "admin_set"}
        ))
        .unwrap();
        assert!(defaulted.verifies());
        assert_eq!(
            back.mode(),
            Mode::AdminSet {
                require_change_at_next_login: true
            }
        );

        let both = serde_json::json!(
            {"user_id": "u", "current_password": "c", "new_password": "x", "mode": "admin_set"}
        );
        let err = serde_json::from_value::<PasswordChange>(both).unwrap_err();
        assert!(
            err.to_string()
                .contains("only a self-service change takes the current password"),
            "{err}"
        );

        let bad = serde_json::json!({"user_id": "u", "new_password": "x", "mode": "self_service"});
        let err = serde_json::from_value::<PasswordChange>(bad).unwrap_err();
        assert!(
            err.to_string().contains("needs the current password"),
            "{err}"
        );
    }

    #[test]
    fn a_reset_carries_its_code_and_nothing_else_does() {
        let reset = PasswordChange::reset_with_code("u", "123456", canary::NEW_PASSWORD);
        assert_eq!(reset.mode(), Mode::ResetWithCode);
        assert_eq!(reset.mode().kind(), ModeKind::ResetWithCode);
        assert_eq!(reset.verification_code().unwrap().expose_secret(), "123456");
        assert!(reset.current_password().is_none());
        assert!(
            reset.secrets().contains(&"123456"),
            "the code is redacted too"
        );
        reset.validate_common().unwrap();
        let json = serde_json::to_value(&reset).unwrap();
        assert_eq!(json["mode"], "reset_with_code");
        let back: PasswordChange = serde_json::from_value(json).unwrap();
        assert_eq!(back.verification_code().unwrap().expose_secret(), "123456");
        canary::assert_absent("reset Debug", &format!("{reset:?}"));
        assert!(!format!("{reset:?}").contains("123456"));

        let blank = PasswordChange::reset_with_code("u", " ", "new");
        let err = blank.validate_common().unwrap_err();
        assert!(
            err.to_string().contains("verification code is empty"),
            "{err}"
        );
        for (wire, expected) in [
            (
                serde_json::json!({"user_id": "u", "new_password": "x", "mode": "reset_with_code"}),
                "needs the verification code",
            ),
            (
                serde_json::json!({"user_id": "u", "new_password": "x", "mode": "reset_with_code", "verification_code": "1", "current_password": "c"}),
                "only a self-service change takes the current password",
            ),
            (
                serde_json::json!({"user_id": "u", "new_password": "x", "mode": "admin_set", "verification_code": "1"}),
                "only a reset takes a verification code",
            ),
            (
                serde_json::json!({"user_id": "u", "new_password": "x", "mode": "self_service", "current_password": "c", "verification_code": "1"}),
                "only a reset takes a verification code",
            ),
        ] {
            let err = serde_json::from_value::<PasswordChange>(wire).unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
        }
        assert_eq!(
            ModeKind::ALL.map(ModeKind::name),
            ["self_service", "admin_set", "reset_with_code"]
        );
    }

    #[test]
    fn debug_and_schema_never_show_passwords() {
        let change = PasswordChange::self_service("u", canary::PASSWORD, canary::NEW_PASSWORD);
        canary::assert_absent("PasswordChange Debug", &format!("{change:?}"));
        let schema = serde_json::to_string(&schemars::schema_for!(PasswordChange)).unwrap();
        assert!(schema.contains("writeOnly"), "{schema}");
        assert!(schema.contains("#/$defs/Password\""), "{schema}");
        assert_eq!(Password::new(canary::PASSWORD).to_string(), "<redacted>");
    }
}
