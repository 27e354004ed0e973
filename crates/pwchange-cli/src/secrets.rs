//! Passwords in: a no-echo prompt, standard input or a file descriptor.

use std::io::{BufRead, BufReader, IsTerminal};

use pwchange::{Error, ErrorKind, Password};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
