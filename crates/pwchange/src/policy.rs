//! Password policies: what a vendor accepts as a new password, and how it counts.
//!
//! A [`PasswordPolicy`] is read from the vendor where it has an API for it
//! ([`Client::password_policy`](crate::Client::password_policy)), else it holds the vendor's
//! documented rules ([`documented_policy`](crate::documented_policy)). [`PasswordPolicy::check`]
//! names the first rule a password breaks, never the password.

use serde::{Deserialize, Serialize};

use crate::{Error, ErrorKind, Password};

/// How a vendor counts a password's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LengthUnit {
    /// Unicode scalar values (what a user calls characters).
    Characters,
    /// UTF-8 bytes (Go's `len`, bcrypt's input): `é` counts 2.
    Bytes,
    /// UTF-16 code units (.NET's and Java's `Length`): `😀` counts 2.
    Utf16Units,
}

impl LengthUnit {
    /// The length of `text` in this unit.
    pub fn count(self, text: &str) -> usize {
        match self {
            LengthUnit::Characters => text.chars().count(),
            LengthUnit::Bytes => text.len(),
            LengthUnit::Utf16Units => text.encode_utf16().count(),
        }
    }

    /// The unit's name in messages ("characters", "bytes", "UTF-16 units").
    pub fn describe(self) -> &'static str {
        match self {
            LengthUnit::Characters => "characters",
            LengthUnit::Bytes => "bytes",
            LengthUnit::Utf16Units => "UTF-16 units",
        }
    }
}

/// What a vendor counts as a lowercase letter, an uppercase letter, a digit and a symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CharacterClasses {
    /// `a-z`, `A-Z`, `0-9`; a symbol is anything else (so `ä` is a symbol, not a letter), as
    /// regular expressions such as `[a-z]` and ASP.NET Core Identity's password validator count.
    Ascii,
    /// Unicode lowercase and uppercase letters and numeric characters; a symbol is anything that
    /// is neither a letter nor a digit.
    Unicode,
}

impl CharacterClasses {
    fn is_lower(self, c: char) -> bool {
        match self {
            CharacterClasses::Ascii => c.is_ascii_lowercase(),
            CharacterClasses::Unicode => c.is_lowercase(),
        }
    }

    fn is_upper(self, c: char) -> bool {
        match self {
            CharacterClasses::Ascii => c.is_ascii_uppercase(),
            CharacterClasses::Unicode => c.is_uppercase(),
        }
    }

    fn is_digit(self, c: char) -> bool {
        match self {
            CharacterClasses::Ascii => c.is_ascii_digit(),
            CharacterClasses::Unicode => c.is_numeric(),
        }
    }

    fn is_symbol(self, c: char) -> bool {
        match self {
            CharacterClasses::Ascii => !c.is_ascii_alphanumeric(),
            CharacterClasses::Unicode => !c.is_alphanumeric(),
        }
    }
}

/// Where a [`PasswordPolicy`] comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "source", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PolicySource {
    /// Read from the vendor just now.
    Vendor {
        /// The operation it was read with, e.g. `GET /v2/settings/password/complexity`.
        operation: String,
    },
    /// The vendor's documented rules: it has no API to read them, or reading them failed.
    Documented {
        /// Where the rules are documented.
        reference: String,
    },
}

/// What a vendor accepts as a new password.
///
/// ```
/// use pwchange::{CharacterClasses, LengthUnit, Password, PasswordPolicy, PolicySource};
/// let policy = PasswordPolicy {
///     min_length: 8,
///     max_length: Some(72),
///     length_unit: LengthUnit::Bytes,
///     min_lowercase: 1,
///     min_uppercase: 0,
///     min_digits: 1,
///     min_symbols: 0,
///     min_classes: 0,
///     unchecked: vec!["history: not one of the last 3 passwords".into()],
///     character_classes: CharacterClasses::Ascii,
///     source: PolicySource::Documented { reference: "example".into() },
/// };
/// assert!(policy.check(&Password::new("correct horse 1")).is_ok());
/// let err = policy.check(&Password::new("short1")).unwrap_err();
/// assert!(err.to_string().contains("at least 8 bytes"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PasswordPolicy {
    /// The shortest accepted password, in [`length_unit`](Self::length_unit)s.
    pub min_length: usize,
    /// The longest accepted password, when there is a limit.
    pub max_length: Option<usize>,
    /// How the vendor counts length.
    pub length_unit: LengthUnit,
    /// The fewest lowercase letters (0: none needed; more than one where a vendor's policy asks
    /// for a count).
    pub min_lowercase: usize,
    /// The fewest uppercase letters.
    pub min_uppercase: usize,
    /// The fewest digits.
    pub min_digits: usize,
    /// The fewest symbols.
    pub min_symbols: usize,
    /// At least this many of the four classes, whichever they are ("3 of 4"); 0 when the
    /// vendor has no such rule.
    #[serde(default)]
    pub min_classes: usize,
    /// Rules the vendor enforces that no client can check (the password history, a dictionary or
    /// deny list, not the user name), by name: a password that passes [`check`](Self::check)
    /// may still be refused for them.
    #[serde(default)]
    pub unchecked: Vec<String>,
    /// What counts as a letter, a digit and a symbol.
    pub character_classes: CharacterClasses,
    /// Where the policy comes from.
    #[serde(flatten)]
    pub source: PolicySource,
}

impl PasswordPolicy {
    /// The first rule `password` breaks, as [`ErrorKind::PolicyViolation`] naming the rule (never
    /// the password), or `Ok`.
    pub fn check(&self, password: &Password) -> Result<(), Error> {
        let text = password.expose_secret();
        let unit = self.length_unit;
        let length = unit.count(text);
        let broken = |rule: String| {
            Error::new(
                ErrorKind::PolicyViolation,
                format!("the new password breaks the vendor's password policy: {rule}"),
            )
        };
        if length < self.min_length {
            return Err(broken(format!(
                "it has {length} {}, the policy needs at least {} {}",
                unit.describe(),
                self.min_length,
                unit.describe()
            )));
        }
        if let Some(max) = self.max_length.filter(|max| length > *max) {
            return Err(broken(format!(
                "it has {length} {}, the policy allows at most {max} {}",
                unit.describe(),
                unit.describe()
            )));
        }
        let classes = self.character_classes;
        let count =
            |f: fn(CharacterClasses, char) -> bool| text.chars().filter(|c| f(classes, *c)).count();
        let counts = [
            (
                self.min_lowercase,
                count(CharacterClasses::is_lower),
                "lowercase letter",
            ),
            (
                self.min_uppercase,
                count(CharacterClasses::is_upper),
                "uppercase letter",
            ),
            (self.min_digits, count(CharacterClasses::is_digit), "digit"),
            (
                self.min_symbols,
                count(CharacterClasses::is_symbol),
                "symbol",
            ),
        ];
        for (needed, has, what) in counts {
            if has < needed {
                return Err(broken(if needed == 1 {
                    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "an"
                    } else {
                        "a"
                    };
                    format!("it needs {article} {what}")
                } else {
                    format!("it needs at least {needed} of the class {what}, it has {has}")
                }));
            }
        }
        let present = counts.iter().filter(|(_, has, _)| *has > 0).count();
        if present < self.min_classes {
            return Err(broken(format!(
                "it needs characters of at least {} of the four classes (lowercase, uppercase, digit, symbol), it has {present}",
                self.min_classes
            )));
        }
        Ok(())
    }

    /// The strictest reading of `policies`, where the vendor applies one of them and which is
    /// not known (a user's group or connection decides): the longest minimum and the shortest
    /// maximum, the most of each class, the most classes, and every unchecked rule once;
    /// `source` says where they were read. The lengths must share a unit (the first one's is
    /// kept). `None` for no policy.
    #[allow(dead_code)] // a build without a vendor that reads several policies does not use it
    pub(crate) fn strictest(
        policies: impl IntoIterator<Item = PasswordPolicy>,
        source: PolicySource,
    ) -> Option<PasswordPolicy> {
        let mut policies = policies.into_iter();
        let mut strictest = policies.next()?;
        for policy in policies {
            debug_assert_eq!(policy.length_unit, strictest.length_unit);
            strictest.min_length = strictest.min_length.max(policy.min_length);
            strictest.max_length = match (strictest.max_length, policy.max_length) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            strictest.min_lowercase = strictest.min_lowercase.max(policy.min_lowercase);
            strictest.min_uppercase = strictest.min_uppercase.max(policy.min_uppercase);
            strictest.min_digits = strictest.min_digits.max(policy.min_digits);
            strictest.min_symbols = strictest.min_symbols.max(policy.min_symbols);
            strictest.min_classes = strictest.min_classes.max(policy.min_classes);
            for rule in policy.unchecked {
                if !strictest.unchecked.contains(&rule) {
                    strictest.unchecked.push(rule);
                }
            }
        }
        strictest.source = source;
        Some(strictest)
    }

    /// The required classes, in the order lowercase, uppercase, digit, symbol.
    pub fn required_classes(&self) -> Vec<&'static str> {
        [
            (self.min_lowercase > 0, "lowercase"),
            (self.min_uppercase > 0, "uppercase"),
            (self.min_digits > 0, "digit"),
            (self.min_symbols > 0, "symbol"),
        ]
        .into_iter()
        .filter_map(|(required, name)| required.then_some(name))
        .collect()
    }

    /// The policy as lines of `key: value` text, for people.
    pub fn describe(&self) -> String {
        let classes = self.required_classes();
        let source = match &self.source {
            PolicySource::Vendor { operation } => format!("read from the vendor ({operation})"),
            PolicySource::Documented { reference } => format!("documented ({reference})"),
        };
        let counts: Vec<String> = [
            (self.min_lowercase, "lowercase"),
            (self.min_uppercase, "uppercase"),
            (self.min_digits, "digit"),
            (self.min_symbols, "symbol"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 1)
        .map(|(n, name)| format!("\nat least {n} of: {name}"))
        .collect();
        let any_of = if self.min_classes > 0 {
            format!("\nat least {} of the four classes", self.min_classes)
        } else {
            String::new()
        };
        let unchecked = if self.unchecked.is_empty() {
            String::new()
        } else {
            format!(
                "\nenforced by the vendor, not checkable here: {}",
                self.unchecked.join("; ")
            )
        };
        let unit = self.length_unit.describe();
        let length = match self.max_length {
            Some(max) => format!("{} to {max} {unit}", self.min_length),
            None => format!("at least {} {unit}, no maximum", self.min_length),
        };
        format!(
            "length: {length}\nrequired classes: {}{}{any_of}\nclasses: {}{unchecked}\nsource: {source}",
            if classes.is_empty() {
                "none".to_owned()
            } else {
                classes.join(", ")
            },
            counts.concat(),
            match self.character_classes {
                CharacterClasses::Ascii => "ASCII (a symbol is anything outside A-Z a-z 0-9)",
                CharacterClasses::Unicode =>
                    "Unicode (a symbol is anything that is neither a letter nor a digit)",
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pwchange_core::canary;

    #[test]
    fn the_strictest_of_several_policies_takes_each_rules_strictest_value() {
        let base = PasswordPolicy {
            min_length: 8,
            max_length: Some(72),
            length_unit: LengthUnit::Bytes,
            min_lowercase: 1,
            min_uppercase: 0,
            min_digits: 2,
            min_symbols: 0,
            min_classes: 0,
            unchecked: vec!["history".to_owned()],
            character_classes: CharacterClasses::Ascii,
            source: PolicySource::Documented {
                reference: "a".to_owned(),
            },
        };
        let other = PasswordPolicy {
            min_length: 12,
            max_length: Some(64),
            min_lowercase: 0,
            min_uppercase: 1,
            min_digits: 1,
            min_symbols: 3,
            min_classes: 3,
            unchecked: vec!["dictionary".to_owned(), "history".to_owned()],
            ..base.clone()
        };
        let unlimited = PasswordPolicy {
            min_length: 1,
            max_length: None,
            ..base.clone()
        };
        let source = PolicySource::Vendor {
            operation: "GET /x".to_owned(),
        };
        let strictest =
            PasswordPolicy::strictest([base.clone(), other, unlimited], source.clone()).unwrap();
        assert_eq!((strictest.min_length, strictest.max_length), (12, Some(64)));
        assert_eq!(
            (
                strictest.min_lowercase,
                strictest.min_uppercase,
                strictest.min_digits,
                strictest.min_symbols,
                strictest.min_classes
            ),
            (1, 1, 2, 3, 3)
        );
        assert_eq!(strictest.unchecked, ["history", "dictionary"]);
        assert_eq!(strictest.source, source);
        let alone = PasswordPolicy::strictest([base.clone()], source.clone()).unwrap();
        assert_eq!(
            alone,
            PasswordPolicy {
                source: source.clone(),
                ..base.clone()
            }
        );
        let unlimited_first = PasswordPolicy::strictest(
            [
                PasswordPolicy {
                    max_length: None,
                    ..base.clone()
                },
                base,
            ],
            source.clone(),
        )
        .unwrap();
        assert_eq!(unlimited_first.max_length, Some(72));
        assert!(PasswordPolicy::strictest([], source).is_none());
    }

    fn policy(unit: LengthUnit, classes: CharacterClasses) -> PasswordPolicy {
        PasswordPolicy {
            min_length: 4,
            max_length: Some(6),
            length_unit: unit,
            min_lowercase: 1,
            min_uppercase: 1,
            min_digits: 1,
            min_symbols: 1,
            min_classes: 0,
            unchecked: Vec::new(),
            character_classes: classes,
            source: PolicySource::Documented {
                reference: "test".into(),
            },
        }
    }

    fn check(policy: &PasswordPolicy, password: &str) -> Result<(), String> {
        policy.check(&Password::new(password)).map_err(|e| {
            assert_eq!(e.kind(), ErrorKind::PolicyViolation);
            assert!(!e.to_string().contains(password), "{e}");
            e.message().to_owned()
        })
    }

    #[test]
    fn lengths_are_counted_in_the_vendors_unit() {
        assert_eq!(LengthUnit::Characters.count("aé😀"), 3);
        assert_eq!(LengthUnit::Bytes.count("aé😀"), 7);
        assert_eq!(LengthUnit::Utf16Units.count("aé😀"), 4);
        let bytes = policy(LengthUnit::Bytes, CharacterClasses::Ascii);
        // Four characters, but eight bytes.
        let err = check(&bytes, "aA1éé").unwrap_err();
        assert!(
            err.contains("it has 7 bytes, the policy allows at most 6 bytes"),
            "{err}"
        );
        let chars = policy(LengthUnit::Characters, CharacterClasses::Ascii);
        assert_eq!(
            check(&chars, "aA1é"),
            Ok(()),
            "é is a symbol in ASCII classes"
        );
        let err = check(&chars, "aA1").unwrap_err();
        assert!(
            err.contains("it has 3 characters, the policy needs at least 4"),
            "{err}"
        );
        let units = policy(LengthUnit::Utf16Units, CharacterClasses::Unicode);
        let err = check(&units, "aA1😀😀").unwrap_err();
        assert!(err.contains("7 UTF-16 units"), "{err}");
        // The bounds themselves are accepted.
        assert_eq!(check(&chars, "aA1!"), Ok(()));
        assert_eq!(check(&chars, "aA1!aa"), Ok(()));
        assert!(check(&chars, "aA1!aaa").is_err());
    }

    #[test]
    fn classes_follow_the_vendors_definition() {
        let ascii = policy(LengthUnit::Characters, CharacterClasses::Ascii);
        let unicode = policy(LengthUnit::Characters, CharacterClasses::Unicode);
        for (password, ascii_says, unicode_says) in [
            ("aA1!", None, None),
            (
                "AA1!",
                Some("a lowercase letter"),
                Some("a lowercase letter"),
            ),
            (
                "aa1!",
                Some("an uppercase letter"),
                Some("an uppercase letter"),
            ),
            ("aA!!", Some("a digit"), Some("a digit")),
            ("aA11", Some("a symbol"), Some("a symbol")),
            // ä is a lowercase letter in Unicode, a symbol in ASCII.
            ("äA1ö", Some("a lowercase letter"), Some("a symbol")),
            ("aÄ1!", Some("an uppercase letter"), None),
            ("aA١!", Some("a digit"), None),
        ] {
            for (policy, expected) in [(&ascii, ascii_says), (&unicode, unicode_says)] {
                let got = check(policy, password);
                match expected {
                    None => assert_eq!(got, Ok(()), "{password} {:?}", policy.character_classes),
                    Some(what) => {
                        let err = got.unwrap_err();
                        assert!(
                            err.ends_with(&format!("it needs {what}")),
                            "{password}: {err}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn nothing_required_accepts_any_length_within_bounds() {
        let open = PasswordPolicy {
            min_length: 1,
            max_length: None,
            min_lowercase: 0,
            min_uppercase: 0,
            min_digits: 0,
            min_symbols: 0,
            min_classes: 0,
            unchecked: Vec::new(),
            ..policy(LengthUnit::Characters, CharacterClasses::Unicode)
        };
        assert_eq!(check(&open, "a"), Ok(()));
        assert_eq!(check(&open, &"a".repeat(5000)), Ok(()));
        assert!(open.required_classes().is_empty());
        assert!(
            open.describe()
                .contains("length: at least 1 characters, no maximum"),
            "{}",
            open.describe()
        );
        assert!(open.describe().contains("required classes: none"));
    }

    #[test]
    fn description_and_json_name_every_rule_and_no_secret() {
        let p = policy(LengthUnit::Bytes, CharacterClasses::Ascii);
        assert_eq!(
            p.required_classes(),
            ["lowercase", "uppercase", "digit", "symbol"]
        );
        let text = p.describe();
        assert!(text.contains("length: 4 to 6 bytes"), "{text}");
        assert!(
            text.contains("required classes: lowercase, uppercase, digit, symbol"),
            "{text}"
        );
        assert!(text.contains("source: documented (test)"), "{text}");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["length_unit"], "bytes");
        assert_eq!(json["source"], "documented");
        assert_eq!(json["reference"], "test");
        let back: PasswordPolicy = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);
        canary::assert_absent("policy", &format!("{p:?}{text}"));
    }
}
