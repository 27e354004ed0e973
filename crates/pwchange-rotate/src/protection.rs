//! How a journal keeps the passwords it holds: each one encrypted on its own with
//! [age](https://age-encryption.org), so that the header, the user ids and the states stay
//! readable without a key, and any one entry decrypts with the standard `age` tool:
//!
//! ```text
//! jq -rs '[.[] | select(.event == "pending" and .user_id == "alice")] | last | .new_password_age' \
//!   rotation.jsonl | age -d -i key.txt
//! ```
//!
//! That is the user's last journaled password; whether the vendor holds it is the journal's
//! rule ([`crate::journal::UserState`]): `pwchange journal export` applies it.
//!
//! Three schemes, named in the journal's header ([`Sealing`]):
//! - **age recipients** ([`Protection::Recipients`]): X25519 (`age1…`, what `age-keygen`
//!   makes), post-quantum (`age1pq1…`) and SSH (`ssh-ed25519 …`, `ssh-rsa …`) public keys,
//!   as many as the operator wants; any one of their identities decrypts.
//! - **a passphrase** ([`Protection::Passphrase`]): a fresh X25519 identity is made for the
//!   journal and kept in its header encrypted with the passphrase (age's scrypt: about a second
//!   to unlock, once per run); the entries are encrypted to its recipient. With the `age` tool:
//!   `jq -r 'select(.event == "header") | .sealing.identity' J > id.age`, then
//!   `age -d -i id.age` asks for the passphrase.
//! - **clear text** ([`Protection::Plaintext`]): only when the caller says so by name.
//!
//! A journal's recipients are fixed by its header: a resume encrypts to the same ones, and
//! needs an [`Unlock`] to read back every password the journal holds (those it must settle,
//! and the applied ones, which its redactor must know).
//!
//! The `age` crate (0.13) marks X25519 and SSH recipients deprecated in favour of its
//! post-quantum ones, against an adversary who records ciphertexts today and has a quantum
//! computer later. They stay here, on purpose: they are what the `age` tool most systems have
//! decrypts (Debian 12's is 1.1.1, which reads no post-quantum recipient), and what most
//! operators' keys are. Whoever has age 1.3 or later can name `age1pq1…` recipients instead.
#![allow(deprecated)]

use std::io::{BufRead as _, Read as _, Write as _};
use std::path::Path;
use std::str::FromStr;

/// A passphrase (zeroed when dropped; no `Debug` that shows it), and how to read it.
pub use age::secrecy::{ExposeSecret, SecretString};
use pwchange::{Error, ErrorKind};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// How a new journal protects the passwords it holds.
#[non_exhaustive]
pub enum Protection {
    /// Each password encrypted to these recipients (any one's identity decrypts it).
    Recipients(Vec<Recipient>),
    /// Each password encrypted to an identity made for the journal, which its header keeps
    /// encrypted with this passphrase.
    Passphrase(SecretString),
    /// Clear text: whoever reads the file reads the passwords. Only for journals that never
    /// leave a protected place (a test rig, a tmpfs that dies with the process).
    Plaintext,
}

impl std::fmt::Debug for Protection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Protection::Recipients(recipients) => {
                f.debug_tuple("Recipients").field(recipients).finish()
            }
            Protection::Passphrase(_) => f.write_str("Passphrase(<redacted>)"),
            Protection::Plaintext => f.write_str("Plaintext"),
        }
    }
}

/// One age recipient: a public key, as `age -r` takes it.
#[derive(Clone)]
pub struct Recipient {
    text: String,
    kind: RecipientKind,
}

#[derive(Clone)]
enum RecipientKind {
    X25519(age::x25519::Recipient),
    PostQuantum(Box<age::pq::Recipient>),
    Ssh(age::ssh::Recipient),
}

impl Recipient {
    fn as_age(&self) -> &dyn age::Recipient {
        match &self.kind {
            RecipientKind::X25519(r) => r,
            RecipientKind::PostQuantum(r) => r.as_ref(),
            RecipientKind::Ssh(r) => r,
        }
    }

    /// The recipient as written: `age1…`, or an SSH public key's type and key (its comment is
    /// left out).
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Debug for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Recipient").field(&self.text).finish()
    }
}

impl FromStr for Recipient {
    type Err = Error;

    /// An `age1…` (X25519), `age1pq1…` (post-quantum) or SSH public key (`ssh-ed25519 AAAA…`,
    /// `ssh-rsa AAAA…`, with or without a comment). The error says which form was expected,
    /// never the text.
    fn from_str(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        let invalid = |what: &str| {
            Error::invalid_input(format!(
                "an age recipient {what}: give an `age1…` public key (`age-keygen -y key.txt` prints it) or an SSH public key (`ssh-ed25519 …`, `ssh-rsa …`)"
            ))
        };
        if text.starts_with("ssh-") {
            // The type and the key: a comment is not part of the recipient.
            let key: String = text
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ");
            let recipient = age::ssh::Recipient::from_str(&key)
                .map_err(|_| invalid("is not an SSH public key age supports"))?;
            return Ok(Self {
                text: key,
                kind: RecipientKind::Ssh(recipient),
            });
        }
        if text.starts_with("age1pq1") {
            let recipient =
                age::pq::Recipient::from_str(text).map_err(|_| invalid("is not valid"))?;
            return Ok(Self {
                text: text.to_owned(),
                kind: RecipientKind::PostQuantum(Box::new(recipient)),
            });
        }
        if text.starts_with("AGE-SECRET-KEY-") {
            return Err(invalid(
                "is a secret key, not a public one (keep it secret; its public key is what `age-keygen -y` prints)",
            ));
        }
        let recipient =
            age::x25519::Recipient::from_str(text).map_err(|_| invalid("is not valid"))?;
        Ok(Self {
            text: text.to_owned(),
            kind: RecipientKind::X25519(recipient),
        })
    }
}

/// The recipients of a recipients file (`age -R`): one per line, blank lines and `#` comments
/// skipped. An error names the file and the line.
pub fn read_recipients_file(path: &Path) -> Result<Vec<Recipient>, Error> {
    let file = std::fs::File::open(path).map_err(|e| {
        Error::invalid_input(format!(
            "cannot read the recipients file {}: {}",
            path.display(),
            e.kind()
        ))
    })?;
    let mut recipients = Vec::new();
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| {
            Error::invalid_input(format!(
                "cannot read the recipients file {}: {}",
                path.display(),
                e.kind()
            ))
        })?;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        recipients.push(line.parse::<Recipient>().map_err(|e| {
            Error::invalid_input(format!(
                "{}, line {}: {}",
                path.display(),
                number + 1,
                e.message()
            ))
        })?);
    }
    if recipients.is_empty() {
        return Err(Error::invalid_input(format!(
            "the recipients file {} names no recipient",
            path.display()
        )));
    }
    Ok(recipients)
}

/// What a journal's header says about its passwords (journal format 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "scheme", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Sealing {
    /// Each `pending` entry's `new_password_age` is encrypted to these recipients.
    Age {
        /// The recipients, as [`Recipient::as_str`] writes them.
        recipients: Vec<String>,
    },
    /// Each `pending` entry's `new_password_age` is encrypted to `recipient`, whose identity
    /// `identity` holds, encrypted with the operator's passphrase (an armoured age file).
    AgePassphrase {
        /// The journal's own X25519 recipient.
        recipient: String,
        /// Its identity (`AGE-SECRET-KEY-1…`), age-encrypted with the passphrase (scrypt),
        /// ASCII-armoured.
        identity: String,
    },
    /// Each `pending` entry's `new_password` is in clear text.
    Plaintext,
}

impl Sealing {
    /// Whether the journal's passwords are encrypted.
    pub fn is_encrypted(&self) -> bool {
        !matches!(self, Sealing::Plaintext)
    }
}

/// A password as a journal line holds it: encrypted (`new_password_age`) or, in a clear-text
/// journal, as it is (`new_password`). No `Debug`: the clear one is a password.
#[derive(Clone, Serialize, Deserialize)]
pub enum StoredPassword {
    /// An armoured age file holding the password.
    #[serde(rename = "new_password_age")]
    Age(String),
    /// The password in clear text (a journal written with [`Protection::Plaintext`]).
    #[serde(rename = "new_password")]
    Clear(Zeroizing<String>),
}

/// What a new journal's header records, and the sealer that encrypts its passwords. A
/// passphrase costs one scrypt (about a second here).
pub(crate) fn seal_new(protection: &Protection) -> Result<(Sealing, Sealer), Error> {
    match protection {
        Protection::Recipients(recipients) => {
            if recipients.is_empty() {
                return Err(Error::invalid_input(
                    "no age recipient: give at least one, a passphrase, or choose a clear-text journal by name",
                ));
            }
            let sealing = Sealing::Age {
                recipients: recipients.iter().map(|r| r.text.clone()).collect(),
            };
            // The set is checked now (age refuses some mixes), not at the first password.
            let sealer = Sealer::to(recipients.clone());
            sealer.seal("check")?;
            Ok((sealing, sealer))
        }
        Protection::Passphrase(passphrase) => {
            if passphrase.expose_secret().is_empty() {
                return Err(Error::invalid_input("the journal passphrase is empty"));
            }
            let identity = age::x25519::Identity::generate();
            let recipient = identity.to_public();
            let secret = identity.to_string();
            let mut armoured = Vec::new();
            let encrypted = (|| -> std::io::Result<()> {
                let encryptor = age::Encryptor::with_user_passphrase(passphrase.clone());
                let armour = age::armor::ArmoredWriter::wrap_output(
                    &mut armoured,
                    age::armor::Format::AsciiArmor,
                )?;
                let mut writer = encryptor.wrap_output(armour)?;
                writer.write_all(secret.expose_secret().as_bytes())?;
                writer.write_all(b"\n")?;
                writer.finish()?.finish()?;
                Ok(())
            })();
            encrypted.map_err(|e| {
                unexpected(format!(
                    "cannot encrypt the journal's identity: {}",
                    e.kind()
                ))
            })?;
            let sealing = Sealing::AgePassphrase {
                recipient: recipient.to_string(),
                identity: String::from_utf8(armoured)
                    .map_err(|_| unexpected("age's armour is not UTF-8".into()))?,
            };
            let sealer = Sealer::to(vec![Recipient {
                text: recipient.to_string(),
                kind: RecipientKind::X25519(recipient),
            }]);
            Ok((sealing, sealer))
        }
        Protection::Plaintext => Ok((Sealing::Plaintext, Sealer { recipients: None })),
    }
}

/// The sealer of a journal being resumed: the recipients its header names.
pub(crate) fn seal_again(sealing: &Sealing) -> Result<Sealer, Error> {
    let recipients = match sealing {
        Sealing::Age { recipients } => recipients
            .iter()
            .map(|r| r.parse())
            .collect::<Result<Vec<Recipient>, _>>()?,
        Sealing::AgePassphrase { recipient, .. } => vec![recipient.parse()?],
        Sealing::Plaintext => return Ok(Sealer { recipients: None }),
    };
    Ok(Sealer::to(recipients))
}

/// Encrypts the passwords of one journal.
pub(crate) struct Sealer {
    /// `None`: clear text.
    recipients: Option<Vec<Recipient>>,
}

impl Sealer {
    fn to(recipients: Vec<Recipient>) -> Self {
        Self {
            recipients: Some(recipients),
        }
    }

    /// `password` as a line holds it.
    pub(crate) fn seal(&self, password: &str) -> Result<StoredPassword, Error> {
        let Some(recipients) = &self.recipients else {
            return Ok(StoredPassword::Clear(Zeroizing::new(password.to_owned())));
        };
        let encryptor = age::Encryptor::with_recipients(recipients.iter().map(Recipient::as_age))
            .map_err(|e| {
            Error::invalid_input(format!("these age recipients cannot be used together: {e}"))
        })?;
        let mut armoured = Vec::with_capacity(400);
        let written = (|| -> std::io::Result<()> {
            let armour = age::armor::ArmoredWriter::wrap_output(
                &mut armoured,
                age::armor::Format::AsciiArmor,
            )?;
            let mut writer = encryptor.wrap_output(armour)?;
            writer.write_all(password.as_bytes())?;
            writer.finish()?.finish()?;
            Ok(())
        })();
        written.map_err(|e| unexpected(format!("cannot encrypt a password: {}", e.kind())))?;
        String::from_utf8(armoured)
            .map(StoredPassword::Age)
            .map_err(|_| unexpected("age's armour is not UTF-8".into()))
    }
}

/// What opens a journal's encrypted passwords.
#[non_exhaustive]
pub enum Unlock {
    /// Age identities (an identity file, an SSH private key).
    Identity(Identity),
    /// The passphrase of a journal written with [`Protection::Passphrase`].
    Passphrase(SecretString),
}

impl std::fmt::Debug for Unlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Unlock::Identity(_) => "Identity(<redacted>)",
            Unlock::Passphrase(_) => "Passphrase(<redacted>)",
        })
    }
}

/// Age identities: secret keys that decrypt. No `Debug` that shows them.
pub struct Identity {
    identities: Vec<Box<dyn age::Identity + Send + Sync>>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identity({} key(s), <redacted>)", self.identities.len())
    }
}

impl Identity {
    /// The identities of `path`: an age identity file (`AGE-SECRET-KEY-1…` lines, as
    /// `age-keygen` writes; `#` comments) or an unencrypted OpenSSH private key. The file must
    /// not be readable by others. Errors name the file and never its content.
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        let unreadable = |e: std::io::Error| {
            Error::invalid_input(format!(
                "cannot read the identity file {}: {}",
                path.display(),
                e.kind()
            ))
        };
        let mut bytes = Zeroizing::new(Vec::new());
        std::fs::File::open(path)
            .and_then(|mut file| file.read_to_end(&mut bytes))
            .map_err(unreadable)?;
        pwchange_core::files::refuse_if_others_can_read(path, "the identity file")?;
        Self::from_bytes(&bytes).map_err(|why| {
            Error::invalid_input(format!("the identity file {}: {why}", path.display()))
        })
    }

    /// The identities of an identity file's content (see [`Identity::from_file`]); the error
    /// says what is wrong without repeating the content.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        if bytes.starts_with(b"-----BEGIN") {
            if bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----") {
                return Err("is an encrypted age file, not an identity: decrypt it first (`age -d`), or unlock with the journal's passphrase".into());
            }
            let identity = age::ssh::Identity::from_buffer(bytes, None)
                .map_err(|_| "is not an SSH private key age can read".to_owned())?;
            return match identity {
                age::ssh::Identity::Unencrypted(_) => Ok(Self {
                    identities: vec![Box::new(identity)],
                }),
                age::ssh::Identity::Encrypted(_) => Err(
                    "is an SSH private key protected by a passphrase: pwchange reads only unencrypted keys (use an age identity instead)".into(),
                ),
                age::ssh::Identity::Unsupported(_) => {
                    Err("is an SSH private key of a type age does not support".into())
                }
            };
        }
        let file = age::IdentityFile::from_buffer(bytes).map_err(|_| {
            "holds a line that is not an age identity (AGE-SECRET-KEY-1…)".to_owned()
        })?;
        let identities = file
            .into_identities()
            .map_err(|_| "holds an identity pwchange cannot use".to_owned())?;
        if identities.is_empty() {
            return Err("holds no identity".into());
        }
        Ok(Self { identities })
    }

    /// A new X25519 identity and its recipient's text (`age1…`), as `age-keygen` makes: for
    /// tests and for callers that keep the identity in their own secret store.
    pub fn generate() -> (Self, SecretString, String) {
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public().to_string();
        let secret = identity.to_string();
        (
            Self {
                identities: vec![Box::new(identity)],
            },
            secret,
            recipient,
        )
    }
}

impl Identity {
    /// The password an armoured age file (a journal's `new_password_age`) holds, decrypted
    /// with these identities. The error says why it cannot be, never any content.
    pub fn decrypt(&self, armoured: &str) -> Result<Zeroizing<String>, Error> {
        let refused = |what: &str| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("a journaled password cannot be decrypted: {what}"),
            )
        };
        let decryptor =
            age::Decryptor::new_buffered(age::armor::ArmoredReader::new(armoured.as_bytes()))
                .map_err(|_| refused("it is not an age file"))?;
        let mut bytes = Zeroizing::new(Vec::new());
        decryptor
            .decrypt(
                self.identities
                    .iter()
                    .map(|i| i.as_ref() as &dyn age::Identity),
            )
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => {
                    refused("the identity given is not one of its recipients' (wrong key file?)")
                }
                _ => refused("it is damaged"),
            })?
            .read_to_end(&mut bytes)
            .map_err(|_| refused("it is damaged"))?;
        let text = std::str::from_utf8(&bytes).map_err(|_| refused("it is not text"))?;
        Ok(Zeroizing::new(text.to_owned()))
    }
}

/// Opens the passwords of one journal.
pub(crate) struct Opener {
    identity: Option<Identity>,
}

/// The opener of a journal sealed as `sealing`, with `unlock` (needed unless it is clear
/// text).
pub(crate) fn opener(sealing: &Sealing, unlock: Option<Unlock>) -> Result<Opener, Error> {
    let needs = |what: &str| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("the journal's passwords are encrypted: {what}"),
        )
    };
    match (sealing, unlock) {
        (Sealing::Plaintext, _) => Ok(Opener { identity: None }),
        (Sealing::Age { .. }, Some(Unlock::Identity(identity))) => Ok(Opener {
            identity: Some(identity),
        }),
        (Sealing::Age { .. }, Some(Unlock::Passphrase(_))) => Err(needs(
            "it was written for age recipients, not a passphrase: give an identity of one of them",
        )),
        (Sealing::Age { .. }, None) => Err(needs(
            "give the identity of one of its recipients (an age identity file or SSH private key)",
        )),
        (Sealing::AgePassphrase { identity, .. }, Some(Unlock::Passphrase(passphrase))) => {
            let decryptor =
                age::Decryptor::new_buffered(age::armor::ArmoredReader::new(identity.as_bytes()))
                    .map_err(|_| needs("its header's identity is not an age file"))?;
            let mut scrypt = age::scrypt::Identity::new(passphrase);
            // age caps the work it does to what this machine does in about 16 s; a journal
            // made on a faster machine may ask for more. Its header is the operator's (checked
            // under the journal key before a resume or an export opens it): up to 2^22.
            scrypt.set_max_work_factor(22);
            let mut secret = Zeroizing::new(Vec::new());
            decryptor
                .decrypt(std::iter::once(&scrypt as &dyn age::Identity))
                .and_then(|mut reader| {
                    reader
                        .read_to_end(&mut secret)
                        .map_err(age::DecryptError::from)
                })
                .map_err(|e| match e {
                    age::DecryptError::ExcessiveWork { required, .. } => needs(&format!(
                        "its passphrase needs more work to check (scrypt 2^{required}) than pwchange does"
                    )),
                    _ => needs("the passphrase does not open it"),
                })?;
            let identity = Identity::from_bytes(&secret)
                .map_err(|_| needs("its header's identity is not an age identity"))?;
            Ok(Opener {
                identity: Some(identity),
            })
        }
        (Sealing::AgePassphrase { .. }, Some(Unlock::Identity(identity))) => Ok(Opener {
            // The identity decrypted by hand from the header (`age -d` of it) works too.
            identity: Some(identity),
        }),
        (Sealing::AgePassphrase { .. }, None) => Err(needs("give its passphrase")),
    }
}

impl Opener {
    /// The password `stored` holds; the error names no content.
    pub(crate) fn open(&self, stored: &StoredPassword) -> Result<Zeroizing<String>, Error> {
        match (stored, &self.identity) {
            (StoredPassword::Clear(password), _) => Ok(password.clone()),
            (StoredPassword::Age(armoured), Some(identity)) => identity.decrypt(armoured),
            (StoredPassword::Age(_), None) => Err(Error::new(
                ErrorKind::InvalidInput,
                "a clear-text journal holds an encrypted password: it was edited",
            )),
        }
    }
}

fn unexpected(message: String) -> Error {
    Error::new(ErrorKind::Unexpected, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipients() -> (Identity, Vec<Recipient>) {
        let (identity, _, recipient) = Identity::generate();
        (identity, vec![recipient.parse().unwrap()])
    }

    #[test]
    fn a_sealed_password_opens_with_the_identity_and_holds_no_clear_text() {
        let (identity, recipients) = recipients();
        let (sealing, sealer) = seal_new(&Protection::Recipients(recipients)).unwrap();
        assert!(sealing.is_encrypted());
        let stored = sealer.seal("Correct-Horse-1!").unwrap();
        let StoredPassword::Age(armoured) = &stored else {
            panic!("not encrypted")
        };
        assert!(armoured.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
        assert!(!armoured.contains("Correct-Horse-1!"));
        let opener = opener(&sealing, Some(Unlock::Identity(identity))).unwrap();
        assert_eq!(opener.open(&stored).unwrap().as_str(), "Correct-Horse-1!");
        // Another identity cannot.
        let (other, _) = super::tests::recipients();
        let err = super::opener(&sealing, Some(Unlock::Identity(other)))
            .unwrap()
            .open(&stored)
            .unwrap_err();
        assert!(err.message().contains("not one of its recipients"), "{err}");
    }

    #[test]
    fn a_passphrase_journal_opens_with_its_passphrase_only() {
        let passphrase = SecretString::from("a long passphrase".to_owned());
        let (sealing, sealer) = seal_new(&Protection::Passphrase(passphrase.clone())).unwrap();
        let stored = sealer.seal("x").unwrap();
        let resumed = seal_again(&sealing).unwrap().seal("y").unwrap();
        let opener = opener(&sealing, Some(Unlock::Passphrase(passphrase))).unwrap();
        assert_eq!(opener.open(&stored).unwrap().as_str(), "x");
        assert_eq!(opener.open(&resumed).unwrap().as_str(), "y");
        let wrong = super::opener(
            &sealing,
            Some(Unlock::Passphrase(SecretString::from("wrong".to_owned()))),
        )
        .err()
        .unwrap();
        assert!(
            wrong.message().contains("the passphrase does not open it"),
            "{wrong}"
        );
        assert!(super::opener(&sealing, None).is_err());
    }

    #[test]
    fn recipients_parse_by_their_form_and_errors_never_repeat_the_text() {
        let (_, _, x25519) = Identity::generate();
        assert_eq!(x25519.parse::<Recipient>().unwrap().as_str(), x25519);
        let ssh = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN alice@host";
        assert_eq!(
            ssh.parse::<Recipient>().unwrap().as_str(),
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN"
        );
        for bad in [
            "age1notakey",
            "ssh-ed25519 AAAA",
            "hunter2",
            "AGE-SECRET-KEY-1QQQ",
        ] {
            let err = bad.parse::<Recipient>().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert!(!err.message().contains(bad), "{err}");
        }
    }

    #[test]
    fn identity_files_are_read_by_their_form() {
        let (_, secret, _) = Identity::generate();
        let file = format!("# created: now\n{}\n", secret.expose_secret());
        assert_eq!(
            Identity::from_bytes(file.as_bytes())
                .unwrap()
                .identities
                .len(),
            1
        );
        let err = Identity::from_bytes(b"AGE-SECRET-KEY-1 not a key\n").unwrap_err();
        assert!(!err.contains("not a key"), "{err}");
        assert!(Identity::from_bytes(b"# nothing\n").is_err());
        assert!(Identity::from_bytes(b"-----BEGIN AGE ENCRYPTED FILE-----\n").is_err());
    }

    /// A key pair made for this test alone (`ssh-keygen -t ed25519 -N ""`): never used
    /// elsewhere.
    const SSH_PRIVATE: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACC8oPad5N/h8ge0BN0VIKnIsQf6qJSyCPYJIX5m+Y+x9QAAAJDFCpT9xQqU
/QAAAAtzc2gtZWQyNTUxOQAAACC8oPad5N/h8ge0BN0VIKnIsQf6qJSyCPYJIX5m+Y+x9Q
AAAEAuehelcYk7J5PqB2BNOLGV9miCUPQx2lmNdXtkfKBrH7yg9p3k3+HyB7QE3RUgqcix
B/qolLII9gkhfmb5j7H1AAAADXB3Y2hhbmdlLXRlc3Q=
-----END OPENSSH PRIVATE KEY-----
";
    const SSH_PUBLIC: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILyg9p3k3+HyB7QE3RUgqcixB/qolLII9gkhfmb5j7H1 pwchange-test";

    /// An SSH public key is a recipient, with an X25519 one beside it; the SSH private key
    /// opens what was sealed to both, as does the X25519 identity.
    #[test]
    fn an_ssh_key_and_an_age_key_both_open_what_was_sealed_to_both() {
        let (age_identity, recipients) = recipients();
        let mut both = recipients;
        both.push(SSH_PUBLIC.parse().unwrap());
        let (sealing, sealer) = seal_new(&Protection::Recipients(both)).unwrap();
        let Sealing::Age { recipients } = &sealing else {
            panic!("{sealing:?}")
        };
        assert_eq!(recipients.len(), 2);
        let stored = sealer.seal("Shared-Passw0rd!").unwrap();
        let ssh = Identity::from_bytes(SSH_PRIVATE.as_bytes()).unwrap();
        for identity in [ssh, age_identity] {
            let opened = opener(&sealing, Some(Unlock::Identity(identity)))
                .unwrap()
                .open(&stored)
                .unwrap();
            assert_eq!(opened.as_str(), "Shared-Passw0rd!");
        }
        // Resumed, the journal seals to the same two.
        let again = seal_again(&sealing)
            .unwrap()
            .seal("Next-Passw0rd!")
            .unwrap();
        let ssh = Identity::from_bytes(SSH_PRIVATE.as_bytes()).unwrap();
        assert_eq!(
            opener(&sealing, Some(Unlock::Identity(ssh)))
                .unwrap()
                .open(&again)
                .unwrap()
                .as_str(),
            "Next-Passw0rd!"
        );
    }

    /// What a Debug print shows: public keys, never a secret.
    #[test]
    fn debug_prints_name_no_secret() {
        let (identity, recipients) = recipients();
        let recipient = recipients[0].as_str().to_owned();
        assert_eq!(
            format!("{:?}", Protection::Recipients(recipients)),
            format!("Recipients([Recipient({recipient:?})])")
        );
        assert_eq!(
            format!(
                "{:?}",
                Protection::Passphrase(SecretString::from("hunter22".to_owned()))
            ),
            "Passphrase(<redacted>)"
        );
        assert_eq!(format!("{:?}", Protection::Plaintext), "Plaintext");
        assert_eq!(format!("{identity:?}"), "Identity(1 key(s), <redacted>)");
        assert_eq!(
            format!("{:?}", Unlock::Identity(identity)),
            "Identity(<redacted>)"
        );
        assert_eq!(
            format!(
                "{:?}",
                Unlock::Passphrase(SecretString::from("hunter22".to_owned()))
            ),
            "Passphrase(<redacted>)"
        );
    }

    /// A recipients file as `age -R` reads it; errors name the file and the line.
    #[test]
    fn a_recipients_file_is_read_line_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("recipients.txt");
        let (_, _, first) = Identity::generate();
        std::fs::write(&path, format!("# the team\n\n{first}\n   \n{SSH_PUBLIC}\n")).unwrap();
        let read = read_recipients_file(&path).unwrap();
        let read: Vec<&str> = read.iter().map(Recipient::as_str).collect();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0], first);
        assert!(read[1].starts_with("ssh-ed25519 AAAA"));
        std::fs::write(&path, "# nobody\n\n").unwrap();
        let err = read_recipients_file(&path).unwrap_err();
        assert!(err.message().contains("names no recipient"), "{err}");
        std::fs::write(&path, format!("{first}\n# ok\nage1broken\n")).unwrap();
        let err = read_recipients_file(&path).unwrap_err();
        assert!(
            err.message()
                .contains(", line 3: an age recipient is not valid"),
            "{err}"
        );
        assert!(!err.message().contains("age1broken"), "{err}");
        let err = read_recipients_file(&dir.path().join("missing")).unwrap_err();
        assert!(
            err.message().contains("cannot read the recipients file"),
            "{err}"
        );
    }

    /// A passphrase identity that asks for more scrypt work than pwchange does is named as
    /// such, not as a wrong passphrase (the work factor is read before any work is done).
    #[test]
    fn a_passphrase_needing_too_much_work_says_so() {
        let passphrase = SecretString::from("p".to_owned());
        let mut scrypt = age::scrypt::Recipient::new(passphrase.clone());
        scrypt.set_work_factor(10);
        let mut binary = Vec::new();
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&scrypt as &dyn age::Recipient))
                .unwrap();
        let mut writer = encryptor.wrap_output(&mut binary).unwrap();
        writer.write_all(b"AGE-SECRET-KEY-1\n").unwrap();
        writer.finish().unwrap();
        // The stanza's work factor, 10, made 30: the header is text up to its MAC.
        let text = String::from_utf8_lossy(&binary).into_owned();
        let at = text.find("-> scrypt ").unwrap();
        let end = at + text[at..].find('\n').unwrap();
        assert!(text[at..end].ends_with(" 10"), "{}", &text[at..end]);
        let mut forged = binary[..end - 2].to_vec();
        forged.extend_from_slice(b"30");
        forged.extend_from_slice(&binary[end..]);
        let mut armoured = Vec::new();
        let mut armour =
            age::armor::ArmoredWriter::wrap_output(&mut armoured, age::armor::Format::AsciiArmor)
                .unwrap();
        armour.write_all(&forged).unwrap();
        armour.finish().unwrap();
        let sealing = Sealing::AgePassphrase {
            recipient: String::new(),
            identity: String::from_utf8(armoured).unwrap(),
        };
        let err = opener(&sealing, Some(Unlock::Passphrase(passphrase)))
            .err()
            .unwrap();
        assert!(
            err.message()
                .contains("needs more work to check (scrypt 2^30)"),
            "{err}"
        );
    }

    #[test]
    fn a_clear_text_journal_stores_the_password_as_is() {
        let (sealing, sealer) = seal_new(&Protection::Plaintext).unwrap();
        assert!(!sealing.is_encrypted());
        let stored = sealer.seal("p").unwrap();
        assert!(matches!(&stored, StoredPassword::Clear(p) if p.as_str() == "p"));
        assert!(seal_new(&Protection::Recipients(Vec::new())).is_err());
    }
}
