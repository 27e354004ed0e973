//! The one error type of the facade, with a kind a program can act on.
//!
//! Architecture invariant: an [`Error`] never shows a password or a token. Its messages are
//! built from non-secret parts (kinds, statuses, key and file names, never a value). The
//! vendor's texts (codes, messages, an undecodable body) are kept aside and shown only after
//! [`Error::redact`] has cleaned them of every secret of the request (see [`crate::redact`]);
//! until then `Display`, `Debug` and the accessors leave them out.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Vendor;
use crate::redact::Redactor;
use crate::vendor_text::{VendorText, escape};

/// What went wrong, in terms a program can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request was refused before sending it, or the vendor rejected it as malformed:
    /// empty or overlong password, malformed user id or URL, new password equal to the current.
    InvalidInput,
    /// The token or credentials are missing, invalid or expired.
    Unauthenticated,
    /// Authenticated, but not allowed to change this user's password.
    PermissionDenied,
    /// The user does not exist (some vendors say so with a 403; see their error tables).
    UserNotFound,
    /// The change's proof is wrong: the current password (self-service), or the verification
    /// code of a reset (wrong, expired, or no reset pending).
    CurrentPasswordInvalid,
    /// The new password breaks the vendor's password policy (length, character classes).
    PolicyViolation,
    /// The new password was used before (history) or equals the current one, per the vendor.
    PasswordReused,
    /// Too many requests; see [`Error::retry_after`].
    RateLimited,
    /// The vendor is down or overloaded (5xx, 503).
    Unavailable,
    /// The vendor or this build cannot do what was asked (mode, feature not compiled in).
    Unsupported,
    /// The vendor answered something its contract does not describe.
    Unexpected,
    /// The request never reached the vendor (connection refused, DNS, TLS handshake).
    Transport,
    /// The request was sent but no answer arrived (timeout, connection dropped): the password
    /// **may or may not have changed**. Do not retry blindly: a retry of an applied change fails
    /// with [`ErrorKind::CurrentPasswordInvalid`]. Check by logging in with the new password.
    /// Also an answer that proves nothing: a `500`/`502`/`504`, a `408`/`501`/`503` that is not
    /// in the vendor's own error body (a proxy's page), an undocumented `2xx` or `3xx`, a
    /// success body that does not decode or names another user.
    OutcomeUnknown,
    /// A login with the new password was refused right after the change: the vendor does not
    /// accept the new password now. Its outcome is [`Outcome::Unknown`] all the same: a refused
    /// login is weak evidence (a locked account answers like a wrong password, a vendor may
    /// commit after a gateway's timeout), so keep the new password and settle it later.
    VerificationFailed,
    /// Local storage failed: a file this process keeps (the rotation journal) could not be
    /// written or synced (a full disk, an I/O error). Nothing of the vendor's is implied.
    Storage,
}

/// What a password change did to the credential, defined once for the facade, the CLI and the
/// rotation journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The vendor holds the new password: it confirmed the change with a success body that
    /// matches the request, or a login with the new password succeeded.
    Applied,
    /// The vendor holds the password it held before: a refusal that proves nothing changed
    /// (a `4xx` other than `408`; a `408`, `501` or `503` in the vendor's own error body; a
    /// connection that never opened; a request refused before sending).
    NotApplied,
    /// Either password may be the one the vendor holds: see [`ErrorKind::OutcomeUnknown`] and
    /// [`ErrorKind::VerificationFailed`]. Settle it by logging in with the new password, never
    /// by retrying and reading a refusal.
    Unknown,
}

impl ErrorKind {
    /// Every kind, for tables keyed by kind (exit codes, hints) to check themselves against.
    pub const ALL: [ErrorKind; 15] = [
        ErrorKind::InvalidInput,
        ErrorKind::Unauthenticated,
        ErrorKind::PermissionDenied,
        ErrorKind::UserNotFound,
        ErrorKind::CurrentPasswordInvalid,
        ErrorKind::PolicyViolation,
        ErrorKind::PasswordReused,
        ErrorKind::RateLimited,
        ErrorKind::Unavailable,
        ErrorKind::Unsupported,
        ErrorKind::Unexpected,
        ErrorKind::Transport,
        ErrorKind::OutcomeUnknown,
        ErrorKind::VerificationFailed,
        ErrorKind::Storage,
    ];

    /// Whether the same request may succeed later without change. True for
    /// [`RateLimited`](Self::RateLimited), [`Unavailable`](Self::Unavailable) and
    /// [`Transport`](Self::Transport); false for [`OutcomeUnknown`](Self::OutcomeUnknown), whose
    /// retry is not safe.
    pub fn is_temporary(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimited | ErrorKind::Unavailable | ErrorKind::Transport
        )
    }

    /// What an error of this kind says about the change: [`Outcome::Unknown`] for
    /// [`OutcomeUnknown`](Self::OutcomeUnknown) and
    /// [`VerificationFailed`](Self::VerificationFailed), else [`Outcome::NotApplied`].
    pub fn outcome(self) -> Outcome {
        match self {
            ErrorKind::OutcomeUnknown | ErrorKind::VerificationFailed => Outcome::Unknown,
            _ => Outcome::NotApplied,
        }
    }

    /// A short lowercase description, used in `Display`.
    pub fn describe(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Unauthenticated => "not authenticated",
            ErrorKind::PermissionDenied => "permission denied",
            ErrorKind::UserNotFound => "user not found",
            ErrorKind::CurrentPasswordInvalid => "current password is wrong",
            ErrorKind::PolicyViolation => "new password violates the password policy",
            ErrorKind::PasswordReused => "new password was used before",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Unavailable => "service unavailable",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Unexpected => "unexpected response",
            ErrorKind::Transport => "could not reach the service",
            ErrorKind::OutcomeUnknown => {
                "outcome unknown: the password may or may not have changed"
            }
            ErrorKind::VerificationFailed => {
                "the new password does not work: a login with it failed"
            }
            ErrorKind::Storage => "a local file could not be written",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// A failed password change, or a configuration refused before one.
pub struct Error {
    kind: ErrorKind,
    vendor: Option<Vendor>,
    message: String,
    status: Option<u16>,
    /// Boxed: most errors carry none, and an `Error` stays small in a `Result`.
    vendor_said: Box<VendorSaid>,
    retry_after: Option<Duration>,
    /// What the failed call did to the credential, where the kind alone does not say it.
    outcome: Option<Outcome>,
    /// The setting the configuration lacks, when that is the error.
    setting: Option<&'static str>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// What the vendor's answer said, hidden until redacted.
#[derive(Default)]
struct VendorSaid {
    code: Option<VendorText>,
    messages: Vec<VendorText>,
    /// Fields of the vendor's answer that explain the error, each with its name.
    fields: Vec<(&'static str, VendorText)>,
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("vendor", &self.vendor)
            .field("message", &self.message)
            .field("status", &self.status)
            .field("vendor_code", &self.vendor_code())
            .field("vendor_messages", &self.vendor_messages())
            .field("vendor_fields", &self.vendor_fields())
            .field("vendor_text_withheld", &self.vendor_text_withheld_why())
            .field("retry_after", &self.retry_after)
            .field("outcome", &self.outcome())
            .field("setting", &self.setting)
            .field("source", &self.source)
            .finish()
    }
}

impl Error {
    /// An error of `kind` with `message`, which must be built from non-secret parts: no
    /// password, token or value a user typed.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            vendor: None,
            message: message.into(),
            status: None,
            vendor_said: Box::default(),
            retry_after: None,
            outcome: None,
            setting: None,
            source: None,
        }
    }

    /// An [`ErrorKind::InvalidInput`] error.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// An [`ErrorKind::Unsupported`] error.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }

    /// Names the vendor.
    pub fn with_vendor(mut self, vendor: Vendor) -> Self {
        self.vendor = Some(vendor);
        self
    }

    /// Names the setting the configuration lacks (`token`, `base_url`, `realm` …), so that a
    /// front end can say where to set it (its flag, its environment variable, its file).
    pub fn with_setting(mut self, setting: &'static str) -> Self {
        self.setting = Some(setting);
        self
    }

    /// The setting the configuration lacks, when that is the error ([`with_setting`](Self::with_setting)).
    pub fn setting(&self) -> Option<&'static str> {
        self.setting
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: Option<u16>) -> Self {
        self.status = status;
        self
    }

    /// Sets the vendor's code, as the vendor sent it (empty codes are dropped). Not shown until
    /// [`redact`](Self::redact).
    pub fn with_vendor_code(mut self, code: Option<String>) -> Self {
        self.vendor_said.code = code.filter(|c| !c.is_empty()).map(VendorText::new);
        self
    }

    /// Sets the vendor's messages, as the vendor sent them (empty ones are dropped). Not shown
    /// until [`redact`](Self::redact).
    pub fn with_vendor_messages(mut self, messages: Vec<String>) -> Self {
        self.vendor_said.messages = messages
            .into_iter()
            .filter(|m| !m.is_empty())
            .map(VendorText::new)
            .collect();
        self
    }

    /// Adds a field of the vendor's answer that explains the error (`providerType`), under
    /// its name in the vendor's answer. Not shown until [`redact`](Self::redact); a vendor's
    /// value never goes into the [`message`](Self::message), which nothing redacts.
    pub fn with_vendor_field(mut self, name: &'static str, value: impl Into<VendorText>) -> Self {
        let value = value.into();
        if !value.is_empty() {
            self.vendor_said.fields.push((name, value));
        }
        self
    }

    /// Sets the wait the vendor asked for.
    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// Sets the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// Cleans the vendor's code, messages and fields of `secrets` (see [`crate::redact`]) and
    /// makes them visible, escaped (see [`VendorText`]); a text holding a secret that cannot
    /// be masked is dropped, and [`vendor_text_withheld`](Self::vendor_text_withheld) says so.
    /// Redacting again cleans what is shown of the new `secrets` too (a rotation's redactor
    /// holds every secret of the run).
    pub fn redact(mut self, secrets: &Redactor) -> Self {
        for text in self.vendor_texts_mut() {
            text.redact(secrets);
        }
        self
    }

    fn vendor_texts(&self) -> impl Iterator<Item = &VendorText> {
        let said = &*self.vendor_said;
        said.code
            .iter()
            .chain(&said.messages)
            .chain(said.fields.iter().map(|(_, value)| value))
    }

    fn vendor_texts_mut(&mut self) -> impl Iterator<Item = &mut VendorText> {
        let said = &mut *self.vendor_said;
        said.code
            .iter_mut()
            .chain(&mut said.messages)
            .chain(said.fields.iter_mut().map(|(_, value)| value))
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Shorthand for `self.kind().is_temporary()`.
    pub fn is_temporary(&self) -> bool {
        self.kind.is_temporary()
    }

    /// Whether the vendor may have applied the change although this call failed
    /// ([`ErrorKind::OutcomeUnknown`]).
    pub fn may_have_applied(&self) -> bool {
        self.outcome() == Outcome::Unknown
    }

    /// What the failed call did to the credential: the kind's ([`ErrorKind::outcome`]), unless
    /// the error says otherwise ([`with_outcome`](Self::with_outcome)).
    pub fn outcome(&self) -> Outcome {
        self.outcome.unwrap_or(self.kind.outcome())
    }

    /// The same error with another kind and a message that says why (the vendor's facts stay;
    /// the outcome is the new kind's).
    pub fn reclassify(mut self, kind: ErrorKind, message: impl Into<String>) -> Self {
        self.kind = kind;
        self.message = message.into();
        self.outcome = None;
        self
    }

    /// The same error with `outcome` in place of its kind's: for an error whose kind says what
    /// went wrong (credentials refused for a verification login) after a change that may have
    /// been applied.
    pub fn with_outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = Some(outcome);
        self
    }

    /// The vendor, when the error concerns one.
    pub fn vendor(&self) -> Option<Vendor> {
        self.vendor
    }

    /// The HTTP status of the vendor's answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The vendor's own error code (an error id, an identity error code, a minor error code, a
    /// numeric status code: each vendor's first code, see its error table). `None` until
    /// [`redact`](Self::redact).
    pub fn vendor_code(&self) -> Option<&str> {
        self.vendor_said.code.as_ref().and_then(VendorText::shown)
    }

    /// The vendor's messages, cleaned of the request's secrets, cut to 200 characters and
    /// escaped. Empty until [`redact`](Self::redact).
    pub fn vendor_messages(&self) -> Vec<&str> {
        self.vendor_said
            .messages
            .iter()
            .filter_map(VendorText::shown)
            .collect()
    }

    /// The vendor's fields that explain the error ([`with_vendor_field`](Self::with_vendor_field)),
    /// cleaned and escaped as the messages are. Empty until [`redact`](Self::redact).
    pub fn vendor_fields(&self) -> Vec<(&'static str, &str)> {
        self.vendor_said
            .fields
            .iter()
            .filter_map(|(name, value)| Some((*name, value.shown()?)))
            .collect()
    }

    /// Whether the vendor's messages mention one of `needles` (ASCII case-insensitive), for an
    /// adapter that explains an answer the vendor tells apart by its text alone. Nothing of the
    /// text is exposed, so it may be asked before [`redact`](Self::redact).
    pub fn vendor_mentions(&self, needles: &[&str]) -> bool {
        self.vendor_said
            .messages
            .iter()
            .any(|message| message.mentions(needles))
    }

    /// Whether the vendor's own error code mentions one of `needles` (ASCII case-insensitive),
    /// for an adapter whose vendor puts its reason in the code (a message key, a short text).
    /// Nothing of the code is exposed, so it may be asked before [`redact`](Self::redact).
    pub fn vendor_code_mentions(&self, needles: &[&str]) -> bool {
        self.vendor_said
            .code
            .as_ref()
            .is_some_and(|code| code.mentions(needles))
    }

    /// Whether some of the vendor's text was dropped because it held a secret that could not be
    /// masked safely ([`vendor_text_withheld_why`](Self::vendor_text_withheld_why) says why).
    pub fn vendor_text_withheld(&self) -> bool {
        self.vendor_text_withheld_why().is_some()
    }

    /// Why some of the vendor's text was dropped, when it was.
    pub fn vendor_text_withheld_why(&self) -> Option<crate::redact::Withheld> {
        self.vendor_texts().find_map(VendorText::withheld)
    }

    /// How long the vendor asked to wait (`Retry-After`), when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// This crate's explanation of the error (`Display` shows it [`escape`]d).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(vendor) = self.vendor {
            write!(f, "{vendor}: ")?;
        }
        write!(f, "{}: {}", self.kind, escape(&self.message))?;
        let mut facts = Vec::new();
        if let Some(status) = self.status {
            facts.push(format!("HTTP {status}"));
        }
        if let Some(code) = self.vendor_code() {
            facts.push(format!("vendor code \"{code}\""));
        }
        if !facts.is_empty() {
            write!(f, " ({})", facts.join(", "))?;
        }
        // Once each: a vendor often repeats its text (a title and a detail, a message and an
        // error), and a short one inside a longer one says nothing more.
        let messages = self.vendor_messages();
        let mut shown: Vec<&str> = Vec::new();
        for (index, message) in messages.iter().enumerate() {
            let repeated = messages.iter().enumerate().any(|(other, longer)| {
                other != index
                    && longer.contains(message)
                    && (longer.len() > message.len() || other < index)
            });
            if !repeated {
                shown.push(message);
            }
        }
        for (index, message) in shown.iter().enumerate() {
            let lead = if index == 0 { "; vendor says: " } else { " / " };
            write!(f, "{lead}\"{message}\"")?;
        }
        for (name, value) in self.vendor_fields() {
            write!(f, "; {name}: \"{value}\"")?;
        }
        if let Some(why) = self.vendor_text_withheld_why() {
            write!(f, "; {why}")?;
        }
        Ok(())
    }
}

/// A token refused by [`SecretToken::new`](crate::SecretToken::new) is invalid input, so `?`
/// works in a function returning [`Error`]. The message names the rule, never the token.
impl From<crate::InvalidToken> for Error {
    fn from(error: crate::InvalidToken) -> Self {
        Error::invalid_input(error.to_string())
    }
}

/// A password refused by a password type's length rule is invalid input, so `?` works too.
/// The message names the rule, never the password.
impl From<crate::InvalidPassword> for Error {
    fn from(error: crate::InvalidPassword) -> Self {
        Error::invalid_input(error.to_string())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Parsing a vendor name gives this crate's [`Error`]: it lives here, beside the error, so that
/// `vendor.rs` stays a leaf of the module graph.
impl std::str::FromStr for Vendor {
    type Err = Error;
    /// Case-insensitive; the error lists the choices.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Vendor::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidInput,
                    format!("unknown vendor: expected one of {}", Vendor::names()),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_mentions_reads_the_hidden_messages_without_showing_them() {
        let error = Error::new(ErrorKind::PolicyViolation, "refused")
            .with_vendor_messages(vec!["Due to the Minimum Password Age, no".to_owned()]);
        assert!(error.vendor_mentions(&["minimum password age"]));
        assert!(!error.vendor_mentions(&["history", "regex"]));
        assert!(error.vendor_messages().is_empty(), "still hidden");
        assert!(!Error::new(ErrorKind::PolicyViolation, "x").vendor_mentions(&["x"]));
    }

    #[test]
    fn only_safe_kinds_are_temporary() {
        let temporary: Vec<_> = ErrorKind::ALL
            .into_iter()
            .filter(|k| k.is_temporary())
            .collect();
        assert_eq!(
            temporary,
            [
                ErrorKind::RateLimited,
                ErrorKind::Unavailable,
                ErrorKind::Transport
            ]
        );
    }

    #[test]
    fn only_an_unknown_outcome_or_a_refused_login_leaves_the_outcome_open() {
        assert_eq!(ErrorKind::OutcomeUnknown.outcome(), Outcome::Unknown);
        assert_eq!(ErrorKind::VerificationFailed.outcome(), Outcome::Unknown);
        for kind in [
            ErrorKind::CurrentPasswordInvalid,
            ErrorKind::Unavailable,
            ErrorKind::Transport,
            ErrorKind::Unexpected,
        ] {
            assert_eq!(kind.outcome(), Outcome::NotApplied, "{kind:?}");
        }
        let e = Error::new(ErrorKind::OutcomeUnknown, "x");
        assert!(e.may_have_applied());
        let e = e.reclassify(ErrorKind::Unavailable, "y");
        assert!(!e.may_have_applied());
        assert_eq!(e.message(), "y");
    }

    #[test]
    fn display_names_vendor_kind_status_and_code() {
        let e = Error::new(
            ErrorKind::PolicyViolation,
            "the vendor refused the new password",
        )
        .with_vendor(Vendor::ALL[0])
        .with_status(Some(400))
        .with_vendor_code(Some("COMMA-HuJf6".into()))
        .with_vendor_messages(vec!["Password must be at least 8 characters long".into()])
        .redact(&Redactor::new());
        assert_eq!(
            e.to_string(),
            format!(
                "{}: new password violates the password policy: the vendor refused the new password \
                 (HTTP 400, vendor code \"COMMA-HuJf6\"); vendor says: \"Password must be at least 8 characters long\"",
                Vendor::ALL[0]
            )
        );
    }

    #[test]
    fn vendor_text_shows_only_after_redaction() {
        let raw = Error::new(ErrorKind::InvalidInput, "refused")
            .with_vendor_code(Some("E-hunter2-secret".into()))
            .with_vendor_messages(vec!["value 'hunter2-secret' is invalid".into()]);
        let shown = format!("{raw} {raw:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(raw.vendor_messages().is_empty());
        let e = raw.redact(&Redactor::new().secret("hunter2-secret"));
        assert_eq!(e.vendor_messages(), ["value '<redacted>' is invalid"]);
        assert_eq!(e.vendor_code(), Some("E-<redacted>"));
        assert!(!e.vendor_text_withheld());
    }

    #[test]
    fn accessors_and_debug_show_the_redacted_facts() {
        let cause = std::io::Error::other("cause");
        let e = Error::new(ErrorKind::RateLimited, "slow down")
            .with_vendor(Vendor::ALL[0])
            .with_retry_after(Some(Duration::from_secs(7)))
            .with_vendor_code(Some("CODE-1".into()))
            .with_vendor_messages(vec!["echo hunter2-secret".into()])
            .with_source(cause);
        let raw_debug = format!("{e:?}");
        assert!(
            !raw_debug.contains("hunter2") && !raw_debug.contains("CODE-1"),
            "{raw_debug}"
        );
        let e = e.redact(&Redactor::new().secret("hunter2-secret"));
        assert!(e.is_temporary());
        assert!(!Error::new(ErrorKind::OutcomeUnknown, "x").is_temporary());
        assert_eq!(e.vendor(), Some(Vendor::ALL[0]));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(
            std::error::Error::source(&e).map(ToString::to_string),
            Some("cause".to_owned())
        );
        let debug = format!("{e:?}");
        assert!(
            debug.contains("RateLimited") && debug.contains("slow down"),
            "{debug}"
        );
        assert!(
            debug.contains("CODE-1") && debug.contains("echo <redacted>"),
            "{debug}"
        );
        // Setting no messages later does not hide what was redacted.
        let e = e.with_vendor_messages(Vec::new());
        assert_eq!(e.vendor_code(), Some("CODE-1"));
    }

    #[test]
    fn a_code_holding_a_short_secret_is_withheld_even_when_the_messages_are_clean() {
        let e = Error::new(ErrorKind::InvalidInput, "refused")
            .with_vendor_code(Some("E-xy".into()))
            .with_vendor_messages(vec!["nothing secret".into()])
            .redact(&Redactor::new().secret("xy"));
        assert_eq!(e.vendor_code(), None);
        assert_eq!(e.vendor_messages(), ["nothing secret"]);
        assert!(e.vendor_text_withheld());
    }

    #[test]
    fn secret_type_errors_convert_with_question_mark_and_never_show_the_value() {
        fn token(text: &str) -> Result<crate::SecretToken, Error> {
            Ok(crate::SecretToken::new(text)?)
        }
        fn password(text: &str) -> Result<crate::BoundedPassword<8, 16>, Error> {
            Ok(crate::BoundedPassword::new(text)?)
        }
        let error = token("bad token\u{7}").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert!(
            error
                .to_string()
                .starts_with("invalid input: token contains"),
            "{error}"
        );
        assert!(!error.to_string().contains("bad token"), "{error}");
        let error = password("Sh0rt!").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert_eq!(
            error.to_string(),
            "invalid input: password is too short: at least 8 characters are required"
        );
        assert!(token("a-token").is_ok() && password("L0ng-enough!").is_ok());
    }

    #[test]
    fn all_lists_every_kind_once() {
        // An exhaustive match (no catch-all inside the defining crate): a new kind fails to
        // compile here until it is in ALL.
        let position = |kind: ErrorKind| match kind {
            ErrorKind::InvalidInput => 0,
            ErrorKind::Unauthenticated => 1,
            ErrorKind::PermissionDenied => 2,
            ErrorKind::UserNotFound => 3,
            ErrorKind::CurrentPasswordInvalid => 4,
            ErrorKind::PolicyViolation => 5,
            ErrorKind::PasswordReused => 6,
            ErrorKind::RateLimited => 7,
            ErrorKind::Unavailable => 8,
            ErrorKind::Unsupported => 9,
            ErrorKind::Unexpected => 10,
            ErrorKind::Transport => 11,
            ErrorKind::OutcomeUnknown => 12,
            ErrorKind::VerificationFailed => 13,
            ErrorKind::Storage => 14,
        };
        for (index, kind) in ErrorKind::ALL.into_iter().enumerate() {
            assert_eq!(position(kind), index, "{kind:?}");
        }
    }

    #[test]
    fn the_vendors_texts_are_shown_once_each() {
        let e = Error::new(ErrorKind::PermissionDenied, "the vendor refused the change")
            .with_vendor_messages(vec![
                "Forbidden: the user is not in this organization".into(),
                "Forbidden".into(),
                "Forbidden: the user is not in this organization".into(),
                "Try again".into(),
            ])
            .redact(&Redactor::new());
        assert_eq!(
            e.to_string(),
            "permission denied: the vendor refused the change; vendor says: \
             \"Forbidden: the user is not in this organization\" / \"Try again\""
        );
        let twice = Error::new(
            ErrorKind::Unauthenticated,
            "the vendor refused the credentials",
        )
        .with_vendor_messages(vec!["Unauthorized".into(), "Unauthorized".into()])
        .redact(&Redactor::new());
        assert_eq!(
            twice.to_string().matches("Unauthorized").count(),
            1,
            "{twice}"
        );
        assert_eq!(
            twice.to_string().matches("vendor says").count(),
            1,
            "{twice}"
        );
    }

    #[test]
    fn a_short_secret_withholds_the_vendor_text_and_our_message_stays_whole() {
        let e = Error::new(ErrorKind::PolicyViolation, "the vendor refused the change")
            .with_vendor_code(Some("COMMA-HuJf6".into()))
            .with_vendor_messages(vec!["password a is too short".into()])
            .redact(&Redactor::new().secret("a"));
        let text = e.to_string();
        assert!(text.contains("the vendor refused the change"), "{text}");
        assert!(text.contains("COMMA-HuJf6"), "{text}");
        assert!(!text.contains("password a is"), "{text}");
        assert!(text.contains("the vendor's text is withheld"), "{text}");
        assert!(e.vendor_text_withheld());
    }

    /// Issue #35: a vendor's field is shown only redacted and escaped, and nothing in the
    /// message (ours) or the vendor's text can drive a terminal.
    #[test]
    fn vendor_fields_and_messages_reach_the_display_redacted_and_escaped() {
        let token = "tok-Echoed-9f8e7d6c";
        let error = Error::new(
            ErrorKind::Unsupported,
            "the user comes from another identity provider\u{1b}[2J",
        )
        .with_vendor_field("providerType", format!("SAML\u{1b}]52;c;eA==\u{7} {token}"))
        .with_vendor_messages(vec!["bad\u{9b}31m\u{202e}\r\nchanged (verified)".into()]);
        let hidden = format!("{error} {error:?}");
        assert!(
            !hidden.contains("SAML") && !hidden.contains("bad"),
            "{hidden}"
        );
        assert!(error.vendor_fields().is_empty());
        let error = error.redact(&Redactor::new().secret(token));
        assert_eq!(
            error.vendor_fields(),
            [("providerType", "SAML\\u{1b}]52;c;eA==\\u{7} <redacted>")]
        );
        let shown = format!("{error} {error:?}");
        assert!(
            !shown.chars().any(crate::vendor_text::is_unsafe),
            "{shown:?}"
        );
        assert!(!shown.contains(token), "{shown}");
        assert!(
            error.to_string().ends_with(
                "; vendor says: \"bad\\u{9b}31m\\u{202e}\\u{d}\\u{a}changed (verified)\"; providerType: \"SAML\\u{1b}]52;c;eA==\\u{7} <redacted>\""
            ),
            "{error}"
        );
        // A second redactor (the run's) masks what the call's did not know.
        let error = error.redact(&Redactor::new().secret("SAML\u{1b}]52;c;eA=="));
        assert!(!error.to_string().contains("SAML"), "{error}");
    }

    /// Issue #27: the reason a text is withheld is the true one: an 18-character password
    /// echoed percent-encoded is not "too short".
    #[test]
    fn a_withheld_text_says_truthfully_why() {
        use crate::redact::Withheld;
        let long = "Long-Enough!Pass99";
        let cases = [
            (
                "a",
                "password a is too short".to_owned(),
                Withheld::UnmaskableSecret,
            ),
            (
                "password",
                "password is a word here".to_owned(),
                Withheld::UnmaskableSecret,
            ),
            (
                long,
                // base64 of the password, as a `Basic` credential carries it
                "bad value TG9uZy1Fbm91Z2ghUGFzczk5".to_owned(),
                Withheld::EncodedSecret,
            ),
        ];
        for (secret, message, why) in cases {
            let e = Error::new(ErrorKind::PolicyViolation, "the vendor refused the change")
                .with_vendor_messages(vec![message])
                .redact(&Redactor::new().secret(secret));
            assert_eq!(e.vendor_text_withheld_why(), Some(why), "{secret}");
            let text = e.to_string();
            assert!(text.ends_with(why.explain()), "{text}");
        }
        let e = Error::new(ErrorKind::PolicyViolation, "refused")
            .with_vendor_messages(vec!["bad value TG9uZy1Fbm91Z2ghUGFzczk5".into()])
            .redact(&Redactor::new().secret(long));
        assert!(!e.to_string().contains("TG9uZy1Fbm91Z2gh"), "{e}");
        assert!(Withheld::EncodedSecret.explain().contains("encoded"));
        assert!(!Withheld::EncodedSecret.explain().contains("short"));
    }
}
