//! The vendor's password policy for `change`, `rotate` and `pwchange policy`, and what `rotate`
//! generates from it.

use pwchange::{Client, Error, ErrorKind, PasswordPolicy};

use crate::cli::CharClass;

/// Generated passwords are this long unless the policy asks for more or `--length` says.
pub const DEFAULT_LENGTH: usize = 20;

/// The vendor's policy: read from the vendor where it can be; when it cannot be read (the
/// credentials may not read it, the vendor is unavailable, its answer is not understood), the
/// vendor's documented rules, with a warning on stderr. Refused credentials and invalid input
/// are errors: nothing else would work either.
#[allow(clippy::print_stderr)]
pub async fn of(client: &Client) -> Result<PasswordPolicy, Error> {
    match client.password_policy().await {
        Ok(policy) => Ok(policy),
        Err(e)
            if !matches!(
                e.kind(),
                ErrorKind::Unauthenticated | ErrorKind::InvalidInput
            ) =>
        {
            eprintln!(
                "warning: cannot read {}'s password policy ({}); using its documented rules",
                client.vendor(),
                e.kind()
            );
            pwchange::documented_policy(client.vendor())
        }
        Err(e) => Err(e),
    }
}

/// How `rotate` generates passwords.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// Characters (ASCII: the same in every unit a vendor counts in).
    pub length: usize,
    /// Each used at least once.
    pub classes: Vec<CharClass>,
}

impl Generation {
    /// The classes' names, as `--classes` spells them.
    pub fn class_names(&self) -> Vec<&'static str> {
        self.classes
            .iter()
            .map(|class| match class {
                CharClass::Lower => "lower",
                CharClass::Upper => "upper",
                CharClass::Digit => "digit",
                CharClass::Symbol => "symbol",
            })
            .collect()
    }
}

/// The generation for `policy`: `length` and `classes` when given (checked against the policy),
/// else [`DEFAULT_LENGTH`] or the policy's minimum when longer, and every class.
pub fn generation(
    policy: &PasswordPolicy,
    length: Option<usize>,
    classes: Option<&[CharClass]>,
) -> Result<Generation, Error> {
    let unit = policy.length_unit.describe();
    let length = match length {
        Some(length) => {
            let too_long = policy.max_length.is_some_and(|max| length > max);
            if length < policy.min_length || too_long {
                return Err(Error::invalid_input(format!(
                    "--length {length} is outside the vendor's password policy ({}..={} {unit}; `pwchange policy` prints it)",
                    policy.min_length,
                    policy
                        .max_length
                        .map_or_else(|| "no limit".to_owned(), |m| m.to_string()),
                )));
            }
            length
        }
        None => {
            let wanted = DEFAULT_LENGTH.max(policy.min_length);
            policy.max_length.map_or(wanted, |max| wanted.min(max))
        }
    };
    let classes = match classes {
        None => vec![
            CharClass::Lower,
            CharClass::Upper,
            CharClass::Digit,
            CharClass::Symbol,
        ],
        Some(classes) => {
            let required = [
                (policy.require_lowercase, CharClass::Lower, "lower"),
                (policy.require_uppercase, CharClass::Upper, "upper"),
                (policy.require_digit, CharClass::Digit, "digit"),
                (policy.require_symbol, CharClass::Symbol, "symbol"),
            ];
            let missing: Vec<&str> = required
                .iter()
                .filter(|(needed, class, _)| *needed && !classes.contains(class))
                .map(|(_, _, name)| *name)
                .collect();
            if !missing.is_empty() {
                return Err(Error::invalid_input(format!(
                    "--classes lacks {}, which the vendor's password policy requires",
                    missing.join(", ")
                )));
            }
            classes.to_vec()
        }
    };
    Ok(Generation { length, classes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pwchange::{CharacterClasses, LengthUnit, PolicySource};

    fn policy(min: usize, max: Option<usize>, symbol: bool) -> PasswordPolicy {
        PasswordPolicy {
            min_length: min,
            max_length: max,
            length_unit: LengthUnit::Bytes,
            require_lowercase: true,
            require_uppercase: false,
            require_digit: false,
            require_symbol: symbol,
            character_classes: CharacterClasses::Ascii,
            source: PolicySource::Documented {
                reference: "test".into(),
            },
        }
    }

    #[test]
    fn defaults_follow_the_policy() {
        let all = [
            CharClass::Lower,
            CharClass::Upper,
            CharClass::Digit,
            CharClass::Symbol,
        ];
        for (min, max, expected) in [
            (8, None, 20),
            (20, None, 20),
            (24, None, 24),
            (24, Some(30), 24),
            (8, Some(16), 16),
            (1, Some(72), 20),
        ] {
            let generation = generation(&policy(min, max, true), None, None).unwrap();
            assert_eq!(generation.length, expected, "{min} {max:?}");
            assert_eq!(generation.classes, all);
        }
    }

    #[test]
    fn explicit_settings_are_checked_against_the_policy() {
        let p = policy(12, Some(64), true);
        for length in [12, 64] {
            assert_eq!(generation(&p, Some(length), None).unwrap().length, length);
        }
        for length in [11, 65] {
            let err = generation(&p, Some(length), None).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(
                err.to_string().contains(&format!(
                    "--length {length} is outside the vendor's password policy (12..=64 bytes"
                )),
                "{err}"
            );
        }
        let unlimited = policy(12, None, false);
        assert_eq!(generation(&unlimited, Some(500), None).unwrap().length, 500);
        let err = generation(&p, None, Some(&[CharClass::Upper, CharClass::Digit])).unwrap_err();
        assert!(
            err.to_string().contains(
                "--classes lacks lower, symbol, which the vendor's password policy requires"
            ),
            "{err}"
        );
        let fine = generation(&p, None, Some(&[CharClass::Lower, CharClass::Symbol])).unwrap();
        assert_eq!(fine.classes, [CharClass::Lower, CharClass::Symbol]);
    }
}
