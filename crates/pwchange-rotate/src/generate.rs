//! New passwords: the generator (the operating system's CSPRNG, unbiased) and its settings,
//! checked against the vendor's password policy before anything is journaled.

use pwchange::{Client, Error, ErrorKind, Password, PasswordPolicy};
use zeroize::Zeroizing;

/// A class of characters a generated password draws from (each used at least once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CharClass {
    /// `a`–`z` without `l`.
    Lower,
    /// `A`–`Z` without `I` and `O`.
    Upper,
    /// `2`–`9`.
    Digit,
    /// `!#%+-.:=?@_~`: symbols no shell, CSV or JSON quoting trips on.
    Symbol,
}

impl CharClass {
    /// Every class, in the order the generator names them.
    pub const ALL: [CharClass; 4] = [
        CharClass::Lower,
        CharClass::Upper,
        CharClass::Digit,
        CharClass::Symbol,
    ];

    /// The class's name, as `--classes` spells it.
    pub fn name(self) -> &'static str {
        match self {
            CharClass::Lower => "lower",
            CharClass::Upper => "upper",
            CharClass::Digit => "digit",
            CharClass::Symbol => "symbol",
        }
    }
}

/// Generated passwords are this long unless the policy asks for more or the caller says.
pub const DEFAULT_LENGTH: usize = 20;

/// The vendor's policy: read from the vendor where it can be; when it cannot be read (the
/// credentials may not read it, the vendor is unavailable, its answer is not understood), the
/// vendor's documented rules, with the kind of the error that kept it from being read. Refused
/// credentials and invalid input are errors: nothing else would work either.
pub async fn vendor_policy(client: &Client) -> Result<(PasswordPolicy, Option<ErrorKind>), Error> {
    match client.password_policy().await {
        Ok(policy) => Ok((policy, None)),
        Err(e)
            if !matches!(
                e.kind(),
                ErrorKind::Unauthenticated | ErrorKind::InvalidInput
            ) =>
        {
            tracing::warn!(kind = ?e.kind(), "cannot read the vendor's password policy; using its documented rules");
            Ok((
                pwchange::documented_policy(client.vendor())?,
                Some(e.kind()),
            ))
        }
        Err(e) => Err(e),
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidInput, message)
}

/// How a rotation generates passwords.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Generation {
    /// Characters (ASCII: the same in every unit a vendor counts in).
    pub length: usize,
    /// Each used at least once.
    pub classes: Vec<CharClass>,
}

impl Generation {
    /// The classes' names, as `--classes` spells them.
    pub fn class_names(&self) -> Vec<&'static str> {
        self.classes.iter().map(|class| class.name()).collect()
    }

    /// A new password with these settings.
    pub fn generate(&self) -> Result<Password, Error> {
        generate(self.length, &self.classes)
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
        None => CharClass::ALL.to_vec(),
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

const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGIT: &[u8] = b"23456789";
const SYMBOL: &[u8] = b"!#%+-.:=?@_~";

/// A random password of `length` characters from `classes`, each class at least once, from the
/// OS CSPRNG (unbiased: rejection sampling).
pub fn generate(length: usize, classes: &[CharClass]) -> Result<Password, Error> {
    // Each class once, however often it was named: a repeated class would weigh the alphabet.
    let mut unique: Vec<&CharClass> = Vec::new();
    for class in classes {
        if !unique.contains(&class) {
            unique.push(class);
        }
    }
    let sets: Vec<&[u8]> = unique
        .into_iter()
        .map(|c| match c {
            CharClass::Lower => LOWER,
            CharClass::Upper => UPPER,
            CharClass::Digit => DIGIT,
            CharClass::Symbol => SYMBOL,
        })
        .collect();
    if sets.is_empty() {
        return Err(invalid("no character classes for generated passwords"));
    }
    if length < sets.len() || length > 1024 {
        return Err(invalid(format!(
            "generated password length must be {}..=1024",
            sets.len()
        )));
    }
    let alphabet: Vec<u8> = sets.concat();
    let mut chars: Zeroizing<Vec<u8>> =
        Zeroizing::new(sets.iter().map(|set| pick(set)).collect::<Result<_, _>>()?);
    while chars.len() < length {
        chars.push(pick(&alphabet)?);
    }
    // Fisher-Yates, so the guaranteed characters are not always first.
    for i in (1..chars.len()).rev() {
        let j = uniform(i + 1)?;
        chars.swap(i, j);
    }
    Ok(Password::new(String::from_utf8_lossy(&chars).into_owned()))
}

fn pick(set: &[u8]) -> Result<u8, Error> {
    Ok(set[uniform(set.len())?])
}

/// A uniform number in `0..bound` (bound <= 1025).
fn uniform(bound: usize) -> Result<usize, Error> {
    let bound = u32::try_from(bound).map_err(|_| invalid("bound too large"))?;
    let zone = u32::MAX - (u32::MAX % bound);
    loop {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_err(|e| {
            Error::new(
                ErrorKind::Unexpected,
                format!("the OS random generator failed: {e}"),
            )
        })?;
        let n = u32::from_le_bytes(bytes);
        if n < zone {
            return Ok((n % bound) as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pwchange::{CharacterClasses, LengthUnit, PolicySource};

    #[test]
    fn generated_passwords_have_the_length_and_every_class() {
        let all = [
            CharClass::Lower,
            CharClass::Upper,
            CharClass::Digit,
            CharClass::Symbol,
        ];
        for _ in 0..50 {
            let p = generate(12, &all).unwrap();
            let p = p.expose_secret();
            assert_eq!(p.chars().count(), 12);
            assert!(p.bytes().any(|b| LOWER.contains(&b)));
            assert!(p.bytes().any(|b| UPPER.contains(&b)));
            assert!(p.bytes().any(|b| DIGIT.contains(&b)));
            assert!(p.bytes().any(|b| SYMBOL.contains(&b)));
        }
        let a = generate(20, &all).unwrap();
        let b = generate(20, &all).unwrap();
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(generate(2, &all).is_err());
        assert!(generate(8, &[]).is_err());
    }

    #[test]
    fn a_class_named_twice_weighs_no_more_than_once() {
        // Issue 11 finding 12: `lower,upper,lower` drew two thirds lowercase.
        let classes = [CharClass::Lower, CharClass::Upper, CharClass::Lower];
        let (mut lower, mut total) = (0usize, 0usize);
        for _ in 0..500 {
            let p = generate(40, &classes).unwrap();
            lower += p
                .expose_secret()
                .bytes()
                .filter(|b| LOWER.contains(b))
                .count();
            total += 40;
        }
        // 20,000 characters: one half lowercase, within a few standard deviations (0.35 %).
        let share = lower as f64 / total as f64;
        assert!((0.47..0.53).contains(&share), "lowercase share {share}");
    }

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
