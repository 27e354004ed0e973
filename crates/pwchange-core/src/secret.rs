//! Secret values that cross the wire: passwords and tokens.
//!
//! Architecture invariant: no type in this module prints its secret through `Debug` or
//! `Display`, and no error built here contains the secret (only lengths and rule names).

use std::fmt;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A password whose length, counted in Unicode scalar values (`char`s, as JSON Schema's
/// `minLength`/`maxLength` count), lies in `MIN..=MAX`.
///
/// The bounds come from the vendor's spec (`minLength`/`maxLength`), e.g.
/// `BoundedPassword<1, 72>` or `BoundedPassword<6, 128>`. [`UnboundedPassword`] is for fields
/// the vendor does not constrain.
///
/// This is the generated clients' field type (each vendor crate re-exports it). A program that
/// uses the facade never names it: it hands `pwchange::Password` (any length) to a
/// `pwchange::PasswordChange`, and the facade checks the vendor's bounds when it builds the
/// request.
///
/// - `Debug` and `Display` print `<redacted>`.
/// - `Serialize` writes the clear text: it is the request body. `Deserialize` validates the
///   length, so a mock or simulator cannot accept what the client would refuse.
#[derive(Clone)]
pub struct BoundedPassword<const MIN: usize, const MAX: usize>(SecretString);

/// A password the vendor places no length rule on.
pub type UnboundedPassword = BoundedPassword<0, { usize::MAX }>;

impl<const MIN: usize, const MAX: usize> BoundedPassword<MIN, MAX> {
    /// The smallest accepted length in characters.
    pub const MIN_CHARS: usize = MIN;
    /// The largest accepted length in characters.
    pub const MAX_CHARS: usize = MAX;

    /// Wraps `password` after checking its length against `MIN..=MAX`.
    pub fn new(password: impl Into<String>) -> Result<Self, InvalidPassword> {
        let password: String = password.into();
        let chars = password.chars().count();
        if chars < MIN {
            return Err(InvalidPassword::TooShort { min: MIN });
        }
        if chars > MAX {
            return Err(InvalidPassword::TooLong { max: MAX });
        }
        Ok(Self(SecretString::from(password)))
    }

    /// The clear text. Call it only to put the password on the wire or to compare it.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// Re-checks this password against other bounds (e.g. to move it from a facade-level
    /// password into a vendor field).
    pub fn rebound<const MIN2: usize, const MAX2: usize>(
        &self,
    ) -> Result<BoundedPassword<MIN2, MAX2>, InvalidPassword> {
        BoundedPassword::new(self.expose_secret().to_owned())
    }
}

impl UnboundedPassword {
    /// Wraps any string: an unbounded password has no rule to break.
    pub fn any(password: impl Into<String>) -> Self {
        Self(SecretString::from(password.into()))
    }
}

impl<const MIN: usize, const MAX: usize> fmt::Debug for BoundedPassword<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BoundedPassword(<redacted>)")
    }
}

impl<const MIN: usize, const MAX: usize> fmt::Display for BoundedPassword<MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<const MIN: usize, const MAX: usize> FromStr for BoundedPassword<MIN, MAX> {
    type Err = InvalidPassword;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl<const MIN: usize, const MAX: usize> TryFrom<String> for BoundedPassword<MIN, MAX> {
    type Error = InvalidPassword;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl<const MIN: usize, const MAX: usize> TryFrom<&str> for BoundedPassword<MIN, MAX> {
    type Error = InvalidPassword;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl<const MIN: usize, const MAX: usize> Serialize for BoundedPassword<MIN, MAX> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose_secret())
    }
}

impl<'de, const MIN: usize, const MAX: usize> Deserialize<'de> for BoundedPassword<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let clear = String::deserialize(deserializer)?;
        Self::new(clear).map_err(serde::de::Error::custom)
    }
}

/// Why a [`BoundedPassword`] was refused. Never contains the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidPassword {
    /// Fewer characters than the vendor accepts.
    #[error("password is too short: at least {min} characters are required")]
    TooShort {
        /// The minimum in characters.
        min: usize,
    },
    /// More characters than the vendor accepts.
    #[error("password is too long: at most {max} characters are allowed")]
    TooLong {
        /// The maximum in characters.
        max: usize,
    },
}

/// A bearer token, API key or client secret.
///
/// A leading `Bearer ` (any case) is stripped, so a token copied from a login response that
/// already carries the scheme is not sent as `Bearer Bearer …`. The value must be a legal HTTP
/// header value (visible ASCII, no CR/LF), checked on construction so that sending it cannot fail.
#[derive(Clone)]
pub struct SecretToken(SecretString);

impl SecretToken {
    /// Wraps `token` after checking it is non-empty visible ASCII.
    pub fn new(token: impl Into<String>) -> Result<Self, InvalidToken> {
        let token: String = token.into();
        let trimmed = token.trim();
        let bare = match trimmed.get(..7) {
            Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => trimmed[7..].trim_start(),
            _ => trimmed,
        };
        if bare.is_empty() || bare.eq_ignore_ascii_case("bearer") {
            return Err(InvalidToken::Empty);
        }
        if !bare.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidToken::IllegalCharacter);
        }
        Ok(Self(SecretString::from(bare.to_owned())))
    }

    /// The clear text, without any `Bearer ` prefix.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(<redacted>)")
    }
}

impl FromStr for SecretToken {
    type Err = InvalidToken;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl Serialize for SecretToken {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose_secret())
    }
}

impl<'de> Deserialize<'de> for SecretToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let clear = String::deserialize(deserializer)?;
        Self::new(clear).map_err(serde::de::Error::custom)
    }
}

/// Why a [`SecretToken`] was refused. Never contains the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidToken {
    /// Empty, blank, or only a `Bearer` prefix.
    #[error("token is empty")]
    Empty,
    /// A character that cannot appear in an HTTP header value (control, space, non-ASCII).
    #[error(
        "token contains a character that is not allowed in an HTTP header (only visible ASCII is)"
    )]
    IllegalCharacter,
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "Canary-9f2c-P@ssw0rd";

    #[test]
    fn password_length_is_counted_in_characters() {
        // 6 characters, 12 bytes: inside 6..=6 although longer in bytes.
        assert!(BoundedPassword::<6, 6>::new("éééééé").is_ok());
        assert_eq!(
            BoundedPassword::<6, 128>::new("short").unwrap_err(),
            InvalidPassword::TooShort { min: 6 }
        );
        assert_eq!(
            BoundedPassword::<1, 3>::new("abcd").unwrap_err(),
            InvalidPassword::TooLong { max: 3 }
        );
        assert!(UnboundedPassword::new("").is_ok());
    }

    #[test]
    fn password_never_prints_but_serialises() {
        let p = BoundedPassword::<1, 72>::new(CANARY).unwrap();
        assert!(!format!("{p:?} {p}").contains(CANARY));
        assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{CANARY}\""));
    }

    #[test]
    fn password_deserialisation_checks_length_without_echoing() {
        let err =
            serde_json::from_str::<BoundedPassword<1, 4>>(&format!("\"{CANARY}\"")).unwrap_err();
        assert!(err.to_string().contains("at most 4"), "{err}");
        assert!(!err.to_string().contains(CANARY));
        let ok: BoundedPassword<1, 72> = serde_json::from_str(&format!("\"{CANARY}\"")).unwrap();
        assert_eq!(ok.expose_secret(), CANARY);
    }

    #[test]
    fn token_strips_bearer_prefix_and_refuses_header_breaking_values() {
        assert_eq!(
            SecretToken::new("Bearer abc.def").unwrap().expose_secret(),
            "abc.def"
        );
        assert_eq!(
            SecretToken::new("bearer   abc").unwrap().expose_secret(),
            "abc"
        );
        assert_eq!(
            SecretToken::new("Bearer ").unwrap_err(),
            InvalidToken::Empty
        );
        assert_eq!(
            SecretToken::new("abc\r\nX-Injected: 1").unwrap_err(),
            InvalidToken::IllegalCharacter
        );
        let t = SecretToken::new(CANARY).unwrap();
        assert!(!format!("{t:?}").contains(CANARY));
    }
}
