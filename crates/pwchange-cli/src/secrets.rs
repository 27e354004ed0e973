//! Passwords in and out: a no-echo prompt, standard input or a file descriptor, and generation
//! from the operating system's CSPRNG.

use std::io::{BufRead, BufReader, IsTerminal};

use pwchange::{Error, ErrorKind, Password};

use crate::cli::CharClass;
use zeroize::Zeroizing;

/// Where passwords come from.
pub enum PasswordSource {
    /// A no-echo prompt on the terminal.
    Prompt,
    /// Lines of standard input.
    Stdin,
    /// Lines of an open file descriptor.
    Fd(u32),
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidInput, message)
}

/// The label of the new password: at a prompt it is asked twice.
pub const NEW_PASSWORD: &str = "new password";

/// Reads `labels.len()` passwords, one per label ("current password", [`NEW_PASSWORD`]).
pub fn read_passwords(source: &PasswordSource, labels: &[&str]) -> Result<Vec<Password>, Error> {
    match source {
        PasswordSource::Prompt => {
            if !std::io::stdin().is_terminal() {
                return Err(invalid(
                    "standard input is not a terminal: use --password-stdin or --password-fd",
                ));
            }
            let prompt = |label: &str| {
                rpassword::prompt_password(format!("{label}: "))
                    .map_err(|e| invalid(format!("cannot read the {label}: {e}")))
            };
            labels
                .iter()
                .map(|label| {
                    let typed = prompt(label)?;
                    // One typo in a new password would lock the user out: it is typed twice.
                    if *label == NEW_PASSWORD && prompt(&format!("{label} (again)"))? != typed {
                        return Err(invalid(
                            "the two entries of the new password differ; nothing was sent",
                        ));
                    }
                    Ok(Password::new(typed))
                })
                .collect()
        }
        PasswordSource::Stdin => read_lines(
            BufReader::new(std::io::stdin().lock()),
            labels,
            "standard input",
        ),
        PasswordSource::Fd(fd) => {
            let path = format!("/dev/fd/{fd}");
            let file = std::fs::File::open(&path)
                .map_err(|e| invalid(format!("cannot read file descriptor {fd}: {e}")))?;
            read_lines(
                BufReader::new(file),
                labels,
                &format!("file descriptor {fd}"),
            )
        }
    }
}

fn read_lines(
    mut reader: impl BufRead,
    labels: &[&str],
    origin: &str,
) -> Result<Vec<Password>, Error> {
    let mut passwords = Vec::new();
    for label in labels {
        let mut line = String::new();
        let read = reader
            .read_line(&mut line)
            .map_err(|e| invalid(format!("cannot read the {label} from {origin}: {e}")))?;
        if read == 0 {
            return Err(invalid(format!(
                "{origin} ended before the {label} (expected {} line(s))",
                labels.len()
            )));
        }
        let line = line.strip_suffix('\n').unwrap_or(&line);
        passwords.push(Password::new(line.strip_suffix('\r').unwrap_or(line)));
    }
    Ok(passwords)
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
    fn lines_are_read_without_their_line_ends() {
        let input = std::io::Cursor::new("old pw\r\nnew pw\n");
        let got = read_lines(input, &["current password", "new password"], "test").unwrap();
        assert_eq!(got[0].expose_secret(), "old pw");
        assert_eq!(got[1].expose_secret(), "new pw");
        let short = std::io::Cursor::new("only one\n");
        let err = read_lines(short, &["current password", "new password"], "test").unwrap_err();
        assert!(
            err.to_string().contains("ended before the new password"),
            "{err}"
        );
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
}
