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
    /// Classes the policy wants more than once, with how often (a policy of "2 digits").
    pub minimums: Vec<(CharClass, usize)>,
}

impl Generation {
    /// The classes' names, as `--classes` spells them.
    pub fn class_names(&self) -> Vec<&'static str> {
        self.classes.iter().map(|class| class.name()).collect()
    }

    /// A new password with these settings.
    pub fn generate(&self) -> Result<Password, Error> {
        generate_with(self.length, &self.classes, &self.minimums)
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
    let counts = [
        (policy.min_lowercase, CharClass::Lower),
        (policy.min_uppercase, CharClass::Upper),
        (policy.min_digits, CharClass::Digit),
        (policy.min_symbols, CharClass::Symbol),
    ];
    let classes = match classes {
        None => CharClass::ALL.to_vec(),
        Some(classes) => {
            let missing: Vec<&str> = counts
                .iter()
                .filter(|(needed, class)| *needed > 0 && !classes.contains(class))
                .map(|(_, class)| class.name())
                .collect();
            if !missing.is_empty() {
                return Err(Error::invalid_input(format!(
                    "--classes lacks {}, which the vendor's password policy requires",
                    missing.join(", ")
                )));
            }
            let mut distinct = classes.to_vec();
            distinct.sort_by_key(|class| class.name());
            distinct.dedup();
            if distinct.len() < policy.min_classes {
                return Err(Error::invalid_input(format!(
                    "--classes names {} classes; the vendor's password policy requires characters of at least {}",
                    distinct.len(),
                    policy.min_classes
                )));
            }
            classes.to_vec()
        }
    };
    let minimums: Vec<(CharClass, usize)> = counts
        .iter()
        .filter(|(needed, _)| *needed > 1)
        .map(|(needed, class)| (*class, *needed))
        .collect();
    let guaranteed =
        classes.len().max(1) + minimums.iter().map(|(_, needed)| needed - 1).sum::<usize>();
    if guaranteed > length {
        return Err(Error::invalid_input(format!(
            "the vendor's password policy requires {guaranteed} characters of given classes, more than the length {length}"
        )));
    }
    Ok(Generation {
        length,
        classes,
        minimums,
    })
}

const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGIT: &[u8] = b"23456789";
const SYMBOL: &[u8] = b"!#%+-.:=?@_~";

/// A random password of `length` characters from `classes`, each class at least once, from the
/// OS CSPRNG (unbiased: rejection sampling).
pub fn generate(length: usize, classes: &[CharClass]) -> Result<Password, Error> {
    generate_with(length, classes, &[])
}

/// [`generate`], with each class of `minimums` at least as often as it says.
fn generate_with(
    length: usize,
    classes: &[CharClass],
    minimums: &[(CharClass, usize)],
) -> Result<Password, Error> {
    // Each class once, however often it was named: a repeated class would weigh the alphabet.
    let mut unique: Vec<&CharClass> = Vec::new();
    for class in classes {
        if !unique.contains(&class) {
            unique.push(class);
        }
    }
    let sets: Vec<&[u8]> = unique.into_iter().map(|c| alphabet_of(*c)).collect();
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
    for (class, needed) in minimums {
        let set = alphabet_of(*class);
        for _ in 1..*needed {
            chars.push(pick(set)?);
        }
    }
    if chars.len() > length {
        return Err(invalid(format!(
            "generated password length {length} is too short for the classes' minimums"
        )));
    }
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

fn alphabet_of(class: CharClass) -> &'static [u8] {
    match class {
        CharClass::Lower => LOWER,
        CharClass::Upper => UPPER,
        CharClass::Digit => DIGIT,
        CharClass::Symbol => SYMBOL,
    }
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

    /// A policy of 3 digits and 2 uppercase letters, or of "3 of 4 classes": every generated
    /// password meets the counts; classes and lengths that cannot are refused up front.
    #[test]
    fn counts_and_any_of_classes_are_met_or_refused() {
        let mut counted = policy(4, None, false);
        counted.min_digits = 3;
        counted.min_uppercase = 2;
        let counted_generation = generation(&counted, Some(8), None).unwrap();
        assert_eq!(
            counted_generation.minimums,
            vec![(CharClass::Upper, 2), (CharClass::Digit, 3)]
        );
        for _ in 0..200 {
            let password = counted_generation.generate().unwrap();
            assert_eq!(counted.check(&password).map_err(|e| e.to_string()), Ok(()));
            assert_eq!(password.expose_secret().len(), 8);
        }
        // Four classes once each, plus one more upper and two more digits: 7 of 6.
        let err = generation_error(&counted, Some(6), None);
        assert!(err.contains("requires 7 characters"), "{err}");
        let mut any_three = policy(8, None, false);
        any_three.min_lowercase = 0;
        any_three.min_classes = 3;
        let err = generation_error(
            &any_three,
            None,
            Some(&[CharClass::Lower, CharClass::Digit]),
        );
        assert!(err.contains("at least 3"), "{err}");
        let three = [CharClass::Lower, CharClass::Digit, CharClass::Symbol];
        let three_classes = generation(&any_three, None, Some(&three)).unwrap();
        for _ in 0..50 {
            assert!(any_three.check(&three_classes.generate().unwrap()).is_ok());
        }
    }

    fn generation_error(
        policy: &PasswordPolicy,
        length: Option<usize>,
        classes: Option<&[CharClass]>,
    ) -> String {
        let err = generation(policy, length, classes).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        err.to_string()
    }

    fn policy(min: usize, max: Option<usize>, symbol: bool) -> PasswordPolicy {
        PasswordPolicy {
            min_length: min,
            max_length: max,
            length_unit: LengthUnit::Bytes,
            min_lowercase: 1,
            min_uppercase: 0,
            min_digits: 0,
            min_symbols: usize::from(symbol),
            min_classes: 0,
            unchecked: Vec::new(),
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
