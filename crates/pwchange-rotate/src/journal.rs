//! The rotation journal: JSON Lines, mode 0600, locked for the whole run, written with group
//! commit: a writer thread appends every entry queued since its last flush and covers them all
//! with one `fdatasync`, and [`Journal::write`] resolves only once its entry is synced. A rotation
//! with many changes in flight pays one sync per batch instead of one per entry, and an entry is
//! still durable before the request it guards is sent.
//!
//! ```text
//! {"mac":"…","event":"header","format":5,"vendor":"<name>","base_url":"…","mode":"admin_set","require_change":false,"input_sha256":"…","input":"/abs/users.csv","key_id":"…","sealing":{"scheme":"age","recipients":["age1…"]},"store":{"kind":"vault_kv2","address":"https://…","mount":"secret","path":"pwchange/{vendor}/{user_id}"}}
//! {"mac":"…","event":"pending","user_id":"…","new_password_age":"-----BEGIN AGE ENCRYPTED FILE-----\n…","store_base":2}
//! {"mac":"…","event":"done","user_id":"…","verified":true}
//! {"mac":"…","event":"stored","user_id":"…","version":3}
//! {"mac":"…","event":"failed","user_id":"…","kind":"policy_violation","outcome":"not_applied","message":"…"}
//! ```
//!
//! **No password in clear text at rest**: each `pending` entry's password is encrypted on its
//! own with age, to the recipients (or the passphrase) the header names ([`crate::protection`]);
//! a clear-text journal (`new_password`) is written only when the caller asks for one by name.
//! The header, the user ids and the states stay readable without a key ([`read`]).
//!
//! **Whoever can write the journal must not choose the passwords `--resume` sets.** Each line
//! carries `mac`: HMAC-SHA256, under the operator's [`JournalKey`], of the line before's `mac`
//! and the line's JSON without it, so a line edited, added, removed from the middle or moved is
//! found; and `--resume` refuses a journal that is not the operator's alone (another owner, any
//! permission for group or others, a directory others can write without the sticky bit) or
//! whose entries break the engine's own order ([`Journal::resume`]). What that covers: another
//! local user, or a process of another account, that can write the journal or its directory but
//! cannot read the key file. What it does not: the operator's own account (which can read the
//! key), root, cutting whole lines off the end (the journal then forgets the last results:
//! `--resume` sends a forgotten `done` user's journaled password again and logs in, and a
//! forgotten `pending` user keeps a password the journal no longer names, as after a crash
//! before the entry was written), and putting back an older journal of the same key and input
//! (nothing outside the journal remembers how far it got). The permissions are checked by path
//! before the file is opened, not on the open file.
//!
//! Invariants (tested in `tests/it/rotate.rs`):
//! - a password is journaled (written and fsynced: its `write` resolved) before it is sent;
//!   entries reach the file in the order their `write`s were called; user ids are the vendor's
//!   canonical form, so one user has one history;
//! - the password the vendor holds is the last `pending` one of a user whose last entry is
//!   `done`; it is the one before when the last entry is `failed` with `not_applied`; either may
//!   be when the last entry is `pending` (a run stopped between journal and answer) or `failed`
//!   with `unknown`: `--resume` settles those by logging in, never by reading a refusal;
//! - `verified: true` only after a login with the password succeeded;
//! - the header ties the journal to one vendor, base URL, mode, input file and journal key;
//!   `--resume` refuses any other;
//! - per user, entries follow the engine's order: `pending`, then `done` or `failed`; after a
//!   `failed` that is `not_applied` a new `pending`, after one that is `unknown` the settling
//!   `done` or `failed`; after `done` only `stored` (a rotation with a store: the store's
//!   latest version holds the applied password), and nothing after that;
//! - one process at a time: an exclusive lock (`flock`) is held for the whole run;
//! - a torn last line (a crash mid-write) is cut off on reopen; any other bad line is refused.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use pwchange::{Error, ErrorKind, Outcome};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::protection::{self, Protection, Sealer, Sealing, StoredPassword, Unlock};
use crate::store::StoreTarget;

/// The process's effective user, whom the journal and its key must belong to; `None` where
/// there is none (other platforms than Unix).
fn effective_uid() -> Option<u32> {
    #[cfg(unix)]
    {
        Some(rustix::process::geteuid().as_raw())
    }
    #[cfg(not(unix))]
    None
}

/// The journal format this build writes and reads (3: every line authenticated; 4: the
/// passwords age-encrypted, the header names how and the input's path; 5: the secret store,
/// each password's base version there, and `stored`).
pub const FORMAT: u32 = 5;

/// The key that authenticates a journal's lines: 32 random bytes in a file only the operator
/// can read (64 hexadecimal digits).
pub struct JournalKey {
    key: Zeroizing<[u8; 32]>,
}

type Mac = [u8; 32];

impl JournalKey {
    /// Where the key is: `explicit` (`--journal-key`, `PWCHANGE_JOURNAL_KEY_FILE`), else
    /// `$XDG_CONFIG_HOME/pwchange/journal.key`, else `$HOME/.config/pwchange/journal.key`.
    pub fn path(explicit: Option<&Path>) -> Result<PathBuf, Error> {
        if let Some(path) = explicit {
            return Ok(path.to_owned());
        }
        let var = |name| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        var("XDG_CONFIG_HOME")
            .or_else(|| var("HOME").map(|home| home.join(".config")))
            .map(|base| base.join("pwchange").join("journal.key"))
            .ok_or_else(|| {
                io_error("no place for the journal key: set --journal-key (or PWCHANGE_JOURNAL_KEY_FILE), XDG_CONFIG_HOME or HOME")
            })
    }

    /// Reads the key at `path`; when it does not exist and `create`, makes one (its directory
    /// `0700`, the file `0600`). A key others may read, or another user's, is refused.
    pub fn load(path: &Path, create: bool) -> Result<Self, Error> {
        if create && !path.exists() {
            Self::create(path)?;
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            io_error(format!(
                "cannot read the journal key {}: {}{}",
                path.display(),
                e.kind(),
                if create {
                    ""
                } else {
                    " (the journal was written with a key: give it with --journal-key)"
                }
            ))
        })?);
        pwchange_core::files::refuse_unless_private(path, "the journal key", effective_uid())?;
        let hex = text.trim();
        let mut key = Zeroizing::new([0u8; 32]);
        let valid = hex.len() == 64
            && hex.is_ascii()
            && key.iter_mut().enumerate().all(|(i, byte)| {
                u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
                    .map(|b| *byte = b)
                    .is_ok()
            });
        if !valid {
            return Err(io_error(format!(
                "the journal key {} is not 64 hexadecimal digits",
                path.display()
            )));
        }
        Ok(Self { key })
    }

    fn create(path: &Path) -> Result<(), Error> {
        let failed = |e: std::io::Error| {
            io_error(format!(
                "cannot create the journal key {}: {e}",
                path.display()
            ))
        };
        if let Some(directory) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(directory).map_err(failed)?;
        }
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut_slice())
            .map_err(|e| io_error(format!("no randomness for the journal key: {e}")))?;
        let mut options = OpenOptions::new();
        options.create_new(true).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(failed)?;
        let hex = Zeroizing::new(format!("{}\n", to_hex(key.as_slice())));
        file.write_all(hex.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(failed)?;
        // Its directory entry must survive a crash too: a journal without its key cannot be
        // resumed.
        File::open(directory_of(path))
            .and_then(|d| d.sync_all())
            .map_err(failed)
    }

    /// The key's name in a journal's header: not secret (16 hexadecimal digits of a hash of
    /// it), so a journal written with another key is named as such.
    pub fn id(&self) -> String {
        use sha2::Digest as _;
        let mut hash = sha2::Sha256::new();
        hash.update(b"pwchange journal key id\0");
        hash.update(self.key.as_slice());
        to_hex(&hash.finalize()[..8])
    }

    /// The code of a line whose JSON (without `mac`) is `json`, after the line whose code was
    /// `previous` (zeros before the first).
    fn mac(&self, previous: &Mac, json: &[u8]) -> Mac {
        use hmac::Mac as _;
        let mut mac = <hmac::Hmac<sha2::Sha256>>::new_from_slice(self.key.as_slice())
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(previous);
        mac.update(json);
        mac.finalize().into_bytes().into()
    }

    /// `json` (an entry, `{…}`) as an authenticated line: `{"mac":"<hex>",…}` and a newline.
    fn seal(&self, previous: &Mac, json: &[u8]) -> (Zeroizing<Vec<u8>>, Mac) {
        let mac = self.mac(previous, json);
        let mut line = Zeroizing::new(Vec::with_capacity(json.len() + 80));
        line.extend_from_slice(b"{\"mac\":\"");
        line.extend_from_slice(to_hex(&mac).as_bytes());
        line.extend_from_slice(b"\"");
        if json.len() > 2 {
            line.push(b',');
        }
        line.extend_from_slice(&json[1..]);
        line.push(b'\n');
        (line, mac)
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A line's code and its JSON without it (`{…}`), or `None` when it carries none.
fn unseal(line: &[u8]) -> Option<(Mac, Zeroizing<Vec<u8>>)> {
    let rest = line.strip_prefix(b"{\"mac\":\"")?;
    let hex = std::str::from_utf8(rest.get(..64)?).ok()?;
    let mut mac = [0u8; 32];
    for (i, byte) in mac.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    let after = rest.get(64..)?.strip_prefix(b"\"")?;
    let mut json = Zeroizing::new(vec![b'{']);
    match after {
        [b'}', ..] => json.extend_from_slice(after),
        [b',', entry @ ..] => json.extend_from_slice(entry),
        _ => return None,
    }
    Some((mac, json))
}

/// What ties a journal to one rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Header {
    /// The journal format: 4 for this build (`FORMAT`).
    pub format: u32,
    /// The vendor's registry name (`pwchange vendors`).
    pub vendor: String,
    /// The vendor's base URL.
    pub base_url: String,
    /// `self_service` or `admin_set`.
    pub mode: String,
    /// With `admin_set`: users must change the password at the next login.
    pub require_change: bool,
    /// The sha256 of the input's bytes.
    pub input_sha256: String,
    /// The input's absolute path, where it was a file (a resume reads it again from there);
    /// absent when it came from a pipe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// The [`JournalKey::id`] of the key its lines are authenticated with.
    pub key_id: String,
    /// How its passwords are kept (set by [`Journal::create`] from its [`Protection`]).
    pub sealing: Sealing,
    /// The secret store each applied password is written to, where the rotation has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<Box<StoreTarget>>,
}

impl Header {
    /// The first difference between the journal's header (`self`) and this run's, as a
    /// sentence that names it (values only where they are not secret and not a URL).
    fn difference(&self, run: &Header) -> Option<String> {
        if self.format != run.format {
            Some(format!(
                "it has format {}, this pwchange writes format {}",
                self.format, run.format
            ))
        } else if self.vendor != run.vendor {
            Some(format!(
                "it was written for vendor {}, not {}",
                self.vendor, run.vendor
            ))
        } else if self.base_url != run.base_url {
            Some("it was written for another base URL".to_owned())
        } else if self.mode != run.mode {
            Some(format!(
                "it was written for mode {}, not {}",
                self.mode, run.mode
            ))
        } else if self.require_change != run.require_change {
            Some("it was written with another --require-change".to_owned())
        } else if self.input_sha256 != run.input_sha256 {
            Some(
                "the input file is not the one it was started with (its sha256 differs)".to_owned(),
            )
        } else if self.store != run.store {
            Some(match (&self.store, &run.store) {
                (Some(store), _) => format!(
                    "it was written for the store {}, and this run names {}",
                    store,
                    run.store
                        .as_ref()
                        .map_or("none".to_owned(), ToString::to_string)
                ),
                (None, _) => "it was written without a store: resume it without --store (and export it to the store afterwards)".to_owned(),
            })
        } else if self.key_id != run.key_id {
            Some(format!(
                "it was written with another journal key (key id {}; this run's is {}): give that key with --journal-key",
                self.key_id, run.key_id
            ))
        } else {
            None
        }
    }
}

/// One journal line (besides its `mac`). No `Debug`: a pending entry of a clear-text journal
/// holds a password.
#[derive(Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    /// The first line.
    Header(Header),
    /// A new password, journaled (and synced) before it is sent.
    Pending {
        /// The user, in the vendor's canonical form.
        user_id: String,
        /// The password: `new_password_age` (encrypted) or `new_password` (clear text).
        #[serde(flatten)]
        password: StoredPassword,
        /// With a store: its version of the user's secret before this password (0: none), on
        /// which the write after the change is check-and-set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        store_base: Option<u64>,
    },
    /// The change is applied (`verified`: a login with the password worked).
    Done {
        /// The user.
        user_id: String,
        /// A login with the journaled password worked.
        verified: bool,
    },
    /// The store's latest version holds the user's applied password (written, or found
    /// written by this rotation).
    Stored {
        /// The user.
        user_id: String,
        /// The store's version.
        version: u64,
    },
    /// The change failed: `outcome` says whether it may have been applied.
    Failed {
        /// The user.
        user_id: String,
        /// The error's kind.
        kind: ErrorKind,
        /// `not_applied` (the vendor keeps the password before) or `unknown`.
        outcome: Outcome,
        /// What happened, without any secret.
        message: String,
    },
}

/// What an earlier run left for one user, its password decrypted (for the engine).
pub enum Previous {
    /// Applied, and stored where the rotation has a store.
    Done,
    /// Applied, and not yet in the rotation's store: the password to write there.
    NotStored {
        /// The password the vendor holds.
        password: Zeroizing<String>,
        /// The store's version before it.
        store_base: Option<u64>,
        /// A login with it worked.
        verified: bool,
    },
    /// Applied or not: the journaled password, to settle.
    Unsettled {
        /// The journaled password.
        password: Zeroizing<String>,
        /// The store's version before it.
        store_base: Option<u64>,
    },
    /// Not applied: a fresh password is due.
    NotApplied,
}

/// A resumed journal, what each user's history left, and every password it holds.
pub type Resumed = (Journal, HashMap<String, Previous>, Vec<Zeroizing<String>>);

/// What a journal's entries say about one user: the journal's rule (see the module docs),
/// written once, for `--resume`, `journal status` and `journal export`.
#[derive(Clone)]
#[non_exhaustive]
pub enum UserState {
    /// Applied: the vendor holds `password`, the user's last journaled one (`verified`: a
    /// login with it worked).
    Applied {
        /// A login with the password worked.
        verified: bool,
        /// The password the vendor holds.
        password: StoredPassword,
        /// The store's version before it (a rotation with a store).
        store_base: Option<u64>,
        /// The store's version that holds it, once stored.
        stored: Option<u64>,
    },
    /// Not applied: the vendor keeps the password it had before the rotation (not in the
    /// journal).
    NotApplied,
    /// Applied or not: the vendor holds `password` (the last journaled) or the one before.
    /// `--resume` settles it; nobody should guess.
    Unsettled {
        /// The journaled password, which may or may not be the vendor's.
        password: StoredPassword,
        /// The store's version before it (a rotation with a store).
        store_base: Option<u64>,
    },
}

impl UserState {
    /// Its name in `journal status`: `applied`, `not_applied` or `unsettled`.
    pub fn name(&self) -> &'static str {
        match self {
            UserState::Applied { .. } => "applied",
            UserState::NotApplied => "not_applied",
            UserState::Unsettled { .. } => "unsettled",
        }
    }
}

/// A journal as [`read`] finds it.
pub struct Contents {
    /// Its header.
    pub header: Header,
    /// Each user's state, in the order the journal first names them.
    pub users: Vec<(String, UserState)>,
    /// Whether every line's code was checked under the journal key ([`read`] with a key).
    pub authenticated: bool,
    /// Whether the last line is torn (a crash mid-write, or a run writing it now): it is left
    /// out.
    pub torn_tail: bool,
}

impl Contents {
    /// The users the journal leaves unsettled (`--resume` settles them), in its order.
    pub fn unsettled(&self) -> Vec<&str> {
        self.users
            .iter()
            .filter(|(_, state)| matches!(state, UserState::Unsettled { .. }))
            .map(|(user, _)| user.as_str())
            .collect()
    }

    /// The applied users whose password the journal's store does not have yet (none when the
    /// journal names no store), in its order: `--resume` writes them.
    pub fn not_stored(&self) -> Vec<&str> {
        if self.header.store.is_none() {
            return Vec::new();
        }
        self.users
            .iter()
            .filter(|(_, state)| matches!(state, UserState::Applied { stored: None, .. }))
            .map(|(user, _)| user.as_str())
            .collect()
    }

    /// The passwords of the applied users, decrypted with `unlock` (needed unless the journal
    /// is clear text), in the journal's order: what the vendor holds for each.
    pub fn applied_passwords(&self, unlock: Option<Unlock>) -> Result<Vec<AppliedPassword>, Error> {
        let opener = protection::opener(&self.header.sealing, unlock)?;
        self.users
            .iter()
            .filter_map(|(user_id, state)| match state {
                UserState::Applied {
                    verified,
                    password,
                    store_base,
                    stored,
                } => Some((user_id, *verified, password, *store_base, *stored)),
                _ => None,
            })
            .map(|(user_id, verified, password, store_base, stored)| {
                Ok(AppliedPassword {
                    user_id: user_id.clone(),
                    verified,
                    store_base,
                    stored,
                    password: opener
                        .open(password)
                        .map_err(|e| io_error(format!("user {user_id}: {}", e.message())))?,
                })
            })
            .collect()
    }
}

/// The password the vendor holds for an applied user. No `Debug`: it holds the password.
pub struct AppliedPassword {
    /// The user, in the vendor's canonical form.
    pub user_id: String,
    /// A login with the password worked.
    pub verified: bool,
    /// The password.
    pub password: Zeroizing<String>,
    /// The store's version of the user's secret before this password (a rotation with a store).
    pub store_base: Option<u64>,
    /// The store's version that holds it, where the journal records it stored.
    pub stored: Option<u64>,
}

/// Each user's state after `entries` (in the journal's order, entries already in the engine's
/// order: [`check_order`]).
fn states<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Vec<(String, UserState)> {
    let mut order: Vec<(String, UserState)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut journaled: HashMap<&str, (&StoredPassword, Option<u64>)> = HashMap::new();
    for entry in entries {
        let (user_id, state) = match entry {
            Entry::Header(_) => continue,
            Entry::Pending {
                user_id,
                password,
                store_base,
            } => {
                journaled.insert(user_id, (password, *store_base));
                (
                    user_id,
                    UserState::Unsettled {
                        password: password.clone(),
                        store_base: *store_base,
                    },
                )
            }
            Entry::Done { user_id, verified } => match journaled.get(user_id.as_str()) {
                Some((password, store_base)) => (
                    user_id,
                    UserState::Applied {
                        verified: *verified,
                        password: (*password).clone(),
                        store_base: *store_base,
                        stored: None,
                    },
                ),
                // Refused by check_order; a journal read without it says nothing it lacks.
                None => continue,
            },
            Entry::Stored { user_id, version } => {
                if let Some(UserState::Applied { stored, .. }) =
                    index.get(user_id.as_str()).map(|&at| &mut order[at].1)
                {
                    *stored = Some(*version);
                }
                continue;
            }
            // Only `not_applied` (or no password ever journaled) proves the vendor kept the
            // previous password; anything else leaves the journaled one to settle.
            Entry::Failed {
                user_id, outcome, ..
            } => match (outcome, journaled.get(user_id.as_str())) {
                (Outcome::NotApplied, _) | (_, None) => (user_id, UserState::NotApplied),
                (_, Some((password, store_base))) => (
                    user_id,
                    UserState::Unsettled {
                        password: (*password).clone(),
                        store_base: *store_base,
                    },
                ),
            },
        };
        match index.get(user_id.as_str()) {
            Some(&at) => order[at].1 = state,
            None => {
                index.insert(user_id.clone(), order.len());
                order.push((user_id.clone(), state));
            }
        }
    }
    order
}

/// The header of the journal at `path` (its first line), without reading further: what a
/// resume takes its vendor, base URL, mode, input and encryption from. With `key` (what a
/// resume passes: the header decides where credentials are sent), the journal must be the
/// operator's alone and the line's code must check under `key`, as [`Journal::resume`] checks
/// every line; without, it is read as it is.
pub fn read_header(path: &Path, key: Option<&JournalKey>) -> Result<Header, Error> {
    use std::io::BufRead as _;
    let refused = |why: String| io_error(format!("the journal {}: {why}", path.display()));
    if key.is_some() {
        pwchange_core::files::refuse_if_others_can_replace_files_in(
            directory_of(path),
            "the journal",
        )?;
        pwchange_core::files::refuse_unless_private(path, "the journal", effective_uid())?;
    }
    let file = File::open(path).map_err(|e| {
        io_error(format!(
            "cannot read the journal {}: {}",
            path.display(),
            e.kind()
        ))
    })?;
    let mut line = Zeroizing::new(Vec::new());
    std::io::BufReader::new(file)
        .take(1 << 20)
        .read_until(b'\n', &mut line)
        .map_err(|e| refused(format!("cannot read its first line: {}", e.kind())))?;
    if !line.ends_with(b"\n") {
        return Err(refused(
            "it has no whole first line: the run that created it stopped before writing its header, so nothing was sent with it".to_owned(),
        ));
    }
    let (mac, json) = unseal(&line[..line.len() - 1]).ok_or_else(|| {
        refused(format!(
            "its first line carries no authentication code (written by a pwchange older than journal format {FORMAT}, or not a journal)"
        ))
    })?;
    let entry = serde_json::from_slice::<Entry>(&json);
    if let Some(key) = key {
        if let Ok(Entry::Header(header)) = &entry
            && header.key_id != key.id()
        {
            return Err(refused(
                Bad::OtherKey {
                    found: header.key_id.clone(),
                    ours: key.id(),
                }
                .explain(),
            ));
        }
        if key.mac(&[0; 32], &json) != mac {
            return Err(refused(Bad::Forged(1).explain()));
        }
    }
    match entry {
        Ok(Entry::Header(header)) if header.format == FORMAT => Ok(header),
        Ok(Entry::Header(header)) => Err(refused(format!(
            "it has format {}, this pwchange reads format {FORMAT}",
            header.format
        ))),
        _ => Err(refused("its first line is not a journal header".to_owned())),
    }
}

/// Reads the journal at `path` without changing or locking it (a rotation may be writing it:
/// its torn last line is left out): its header and each user's state. With `key`, every
/// line's code is checked and the engine's order of each user's entries too, as `--resume`
/// does; without, the lines are read as they are ([`Contents::authenticated`] says which).
/// Errors name the journal and the line, never a password.
pub fn read(path: &Path, key: Option<&JournalKey>) -> Result<Contents, Error> {
    let mut bytes = Zeroizing::new(Vec::new());
    File::open(path)
        .and_then(|mut file| file.read_to_end(&mut bytes))
        .map_err(|e| {
            io_error(format!(
                "cannot read the journal {}: {}",
                path.display(),
                e.kind()
            ))
        })?;
    let refused = |why: String| io_error(format!("the journal {}: {why}", path.display()));
    let key_id = key.map(JournalKey::id);
    let Parsed { entries, good, .. } =
        parse(&bytes, key, key_id.as_deref()).map_err(|bad| refused(bad.explain()))?;
    if key.is_some() {
        check_order(&entries).map_err(|(line, what)| {
            refused(format!(
                "line {line} is {what}, which pwchange never writes: the journal was edited"
            ))
        })?;
    }
    let header = match entries.first() {
        Some((_, Entry::Header(header))) => header.clone(),
        Some(_) => {
            return Err(refused(format!(
                "it has no header line (written by a pwchange older than journal format {FORMAT})"
            )));
        }
        None => return Err(refused("it is empty".to_owned())),
    };
    if header.format != FORMAT {
        return Err(refused(format!(
            "it has format {}, this pwchange reads format {FORMAT}",
            header.format
        )));
    }
    if entries
        .iter()
        .skip(1)
        .any(|(_, entry)| matches!(entry, Entry::Header(_)))
    {
        return Err(refused("it has a second header line".to_owned()));
    }
    Ok(Contents {
        header,
        users: states(entries.iter().map(|(_, entry)| entry)),
        authenticated: key.is_some(),
        torn_tail: good < bytes.len(),
    })
}

/// The journal of one run, locked (the lock is the file's, held by the writer thread until the
/// journal is dropped).
pub struct Journal {
    queue: Option<mpsc::Sender<Job>>,
    writer: Option<std::thread::JoinHandle<()>>,
    counters: Arc<Counters>,
    sealer: Sealer,
    #[cfg(test)]
    gate: Arc<std::sync::Mutex<()>>,
}

/// One entry to write (its JSON, sealed by the writer), and who waits for it.
struct Job {
    json: Zeroizing<Vec<u8>>,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// What the writer did, for tests and the rotation's summary.
#[derive(Default)]
struct Counters {
    /// Entries written and synced.
    synced: AtomicU64,
    /// `fdatasync` calls (one per batch).
    syncs: AtomicU64,
}

fn io_error(what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidInput, what.to_string())
}

/// A write or sync of the journal failed (a full disk, an I/O error): the message names the
/// journal and the cause.
fn storage_error(message: String) -> Error {
    Error::new(ErrorKind::Storage, message)
}

/// Takes the exclusive lock, or says that another process holds it.
fn lock(file: &File, path: &Path) -> Result<(), Error> {
    file.try_lock().map_err(|e| match e {
        std::fs::TryLockError::WouldBlock => io_error(format!(
            "the journal {} is in use by another pwchange process; wait for it to finish",
            path.display()
        )),
        std::fs::TryLockError::Error(e) => {
            io_error(format!("cannot lock the journal {}: {e}", path.display()))
        }
    })
}

impl Journal {
    /// Creates a new journal (never overwrites one, nor creates one in a directory others could
    /// replace it in), locks it, writes `header` (its `sealing` set from `protection`), and
    /// fsyncs the file and its directory. Every line is authenticated with `key`; every
    /// password is kept as `protection` says.
    pub fn create(
        path: &Path,
        header: Header,
        key: JournalKey,
        protection: &Protection,
    ) -> Result<Self, Error> {
        let (sealing, sealer) = protection::seal_new(protection)?;
        Self::create_sealed(path, header, key, sealing, sealer)
    }

    /// [`Journal::create`] with the sealing already made (a passphrase's scrypt done).
    pub(crate) fn create_sealed(
        path: &Path,
        mut header: Header,
        key: JournalKey,
        sealing: Sealing,
        sealer: Sealer,
    ) -> Result<Self, Error> {
        refuse_a_directory_others_control(path)?;
        header.sealing = sealing;
        let mut options = OpenOptions::new();
        options.create_new(true).read(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(|e| {
            io_error(format!(
                "cannot create the journal {}: {e} (an existing journal is never overwritten: pass --resume to continue it, or choose another path)",
                path.display()
            ))
        })?;
        lock(&file, path)?;
        let (line, mac) = key.seal(&[0; 32], &encode(&Entry::Header(header))?);
        let mut file = file;
        file.write_all(&line)
            .and_then(|()| file.sync_data())
            .map_err(|e| {
                storage_error(format!(
                    "cannot write the header of the journal {}: {e}",
                    path.display()
                ))
            })?;
        let journal = Self::start(file, path, key, mac, sealer);
        // The new directory entry must survive a crash too.
        File::open(directory_of(path))
            .and_then(|d| d.sync_all())
            .map_err(|e| {
                storage_error(format!(
                    "cannot sync the directory of the journal {}: {e}",
                    path.display()
                ))
            })?;
        Ok(journal)
    }

    /// Reopens a journal to resume `header`'s rotation: checks that it is the operator's alone
    /// (owner, permissions, its directory), locks it, checks its header, every line's code under
    /// `key` and the engine's order of each user's entries, cuts off a torn last line, and
    /// returns what each user's history left, and every password it holds (for the run's
    /// redactor: a `done` user's is live), decrypted with `unlock`. New passwords are
    /// encrypted as the journal's header says (`header.sealing` is not compared).
    pub fn resume(
        path: &Path,
        header: &Header,
        key: JournalKey,
        unlock: Option<Unlock>,
    ) -> Result<Resumed, Error> {
        pwchange_core::files::refuse_if_others_can_replace_files_in(
            directory_of(path),
            "the journal",
        )?;
        if path.exists() {
            pwchange_core::files::refuse_unless_private(path, "the journal", effective_uid())?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                io_error(format!(
                    "cannot open the journal {} to resume: {e}",
                    path.display()
                ))
            })?;
        lock(&file, path)?;
        let mut bytes = Zeroizing::new(Vec::new());
        file.read_to_end(&mut bytes)
            .map_err(|e| io_error(format!("cannot read the journal {}: {e}", path.display())))?;
        let Parsed {
            entries,
            good,
            last_mac,
        } = parse(&bytes, Some(&key), Some(&header.key_id)).map_err(|bad| {
            io_error(format!(
                "cannot resume with the journal {}: {}",
                path.display(),
                bad.explain()
            ))
        })?;
        check_order(&entries).map_err(|(line, what)| {
            io_error(format!(
                "cannot resume with the journal {}: line {line} is {what}, which pwchange never writes: the journal was edited",
                path.display()
            ))
        })?;
        let found = match entries.first() {
            Some((_, Entry::Header(found))) => {
                if let Some(difference) = found.difference(header) {
                    return Err(io_error(format!(
                        "cannot resume with the journal {}: {difference}",
                        path.display()
                    )));
                }
                found.clone()
            }
            None => {
                return Err(io_error(format!(
                    "the journal {} is empty: the run that created it stopped before writing its header, so nothing was sent with it; delete it and start again",
                    path.display()
                )));
            }
            Some(_) => {
                return Err(io_error(format!(
                    "the journal {} has no header line (written by a pwchange older than journal format {FORMAT}); it cannot be resumed safely",
                    path.display()
                )));
            }
        };
        if entries
            .iter()
            .skip(1)
            .any(|(_, entry)| matches!(entry, Entry::Header(_)))
        {
            return Err(io_error(format!(
                "the journal {} has a second header line",
                path.display()
            )));
        }
        let opener = protection::opener(&found.sealing, unlock).map_err(|e| {
            io_error(format!(
                "cannot resume with the journal {}: {}",
                path.display(),
                e.message()
            ))
        })?;
        let sealer = protection::seal_again(&found.sealing)?;
        let mut previous = HashMap::new();
        let mut all_passwords: Vec<Zeroizing<String>> = Vec::new();
        for (user_id, state) in states(entries.iter().map(|(_, entry)| entry)) {
            let open = |password: &StoredPassword| {
                opener.open(password).map_err(|e| {
                    io_error(format!(
                        "cannot resume with the journal {}: user {user_id}: {}",
                        path.display(),
                        e.message()
                    ))
                })
            };
            let state = match state {
                UserState::Applied {
                    password,
                    verified,
                    store_base,
                    stored,
                } => {
                    let password = open(&password)?;
                    all_passwords.push(password.clone());
                    if found.store.is_some() && stored.is_none() {
                        Previous::NotStored {
                            password,
                            store_base,
                            verified,
                        }
                    } else {
                        Previous::Done
                    }
                }
                UserState::NotApplied => Previous::NotApplied,
                UserState::Unsettled {
                    password,
                    store_base,
                } => {
                    let password = open(&password)?;
                    all_passwords.push(password.clone());
                    Previous::Unsettled {
                        password,
                        store_base,
                    }
                }
            };
            previous.insert(user_id, state);
        }
        // Only now, with the journal known to be this rotation's and readable, is a torn end
        // cut off.
        if good < bytes.len() {
            tracing::warn!(
                torn_bytes = bytes.len() - good,
                "cutting off a torn last journal line"
            );
            file.set_len(good as u64)
                .and_then(|()| file.sync_all())
                .map_err(|e| io_error(format!("cannot repair the journal's torn end: {e}")))?;
        }
        Ok((
            Self::start(file, path, key, last_mac, sealer),
            previous,
            all_passwords,
        ))
    }

    /// Starts the writer thread, which owns the (locked) file from now on and seals each line
    /// with `key`, chained to `last_mac` (the last line's code).
    fn start(file: File, path: &Path, key: JournalKey, last_mac: Mac, sealer: Sealer) -> Self {
        let path = path.to_owned();
        let (queue, jobs) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        #[cfg(test)]
        let gate = Arc::new(std::sync::Mutex::new(()));
        let writer = {
            let counters = counters.clone();
            #[cfg(test)]
            let gate = gate.clone();
            std::thread::spawn(move || {
                let chain = Chain {
                    key,
                    last: last_mac,
                };
                write_batches(file, &path, &jobs, &counters, chain, || {
                    #[cfg(test)]
                    drop(gate.lock());
                })
            })
        };
        Self {
            queue: Some(queue),
            writer: Some(writer),
            counters,
            sealer,
            #[cfg(test)]
            gate,
        }
    }

    /// Journals `password` as `user_id`'s new one, kept as the journal's header says
    /// (encrypted unless it is a clear-text journal), with the store's version before it
    /// (`store_base`, a rotation with a store): [`Journal::write`] of a pending entry.
    pub fn write_pending(
        &self,
        user_id: &str,
        password: &str,
        store_base: Option<u64>,
    ) -> impl std::future::Future<Output = Result<(), Error>> + use<> {
        let written = self.sealer.seal(password).map(|password| {
            self.write(&Entry::Pending {
                user_id: user_id.to_owned(),
                password,
                store_base,
            })
        });
        async move { written?.await }
    }

    /// Appends `entry`; the future resolves once it is synced to disk (with whatever else was
    /// queued since the last sync). The entry's place in the file is fixed when this is called,
    /// not when the future is awaited. Once a write failed, every later one fails too: nothing
    /// more is written, and the caller sends nothing more.
    pub fn write(
        &self,
        entry: &Entry,
    ) -> impl std::future::Future<Output = Result<(), Error>> + use<> {
        let (done, synced) = tokio::sync::oneshot::channel();
        let queued = encode(entry).and_then(|json| {
            self.queue
                .as_ref()
                .and_then(|queue| queue.send(Job { json, done }).ok())
                .ok_or_else(stopped)
        });
        async move {
            queued?;
            match synced.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(message)) => Err(storage_error(message)),
                Err(_) => Err(stopped()),
            }
        }
    }

    /// How many `fdatasync` calls covered the entries written since the journal was opened.
    pub fn syncs(&self) -> u64 {
        self.counters.syncs.load(Ordering::SeqCst)
    }
}

impl Drop for Journal {
    /// Waits for the entries queued so far to be written, and releases the lock.
    fn drop(&mut self) {
        drop(self.queue.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

fn stopped() -> Error {
    storage_error("the journal's writer stopped; nothing more is written or sent".to_owned())
}

/// Refuses to put a journal where others could replace it (a directory others can write
/// without the sticky bit).
pub(crate) fn refuse_a_directory_others_control(path: &Path) -> Result<(), Error> {
    pwchange_core::files::refuse_if_others_can_replace_files_in(directory_of(path), "the journal")
}

/// The directory a journal's entry is in.
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// One entry's JSON (`{…}`, no newline), before it is sealed.
fn encode(entry: &Entry) -> Result<Zeroizing<Vec<u8>>, Error> {
    Ok(Zeroizing::new(serde_json::to_vec(entry).map_err(|_| {
        Error::new(
            ErrorKind::Unexpected,
            "a journal entry could not be encoded",
        )
    })?))
}

/// The writer's key and the code of the last line written.
struct Chain {
    key: JournalKey,
    last: Mac,
}

/// The writer thread: takes every job queued, appends them in order with one write, syncs once,
/// then answers each. After a failure (the partial batch cut off, best effort, so the file ends
/// on a whole line) nothing more is written: a later entry behind a partial one would turn a
/// torn tail into corruption.
fn write_batches(
    mut file: File,
    path: &Path,
    jobs: &mpsc::Receiver<Job>,
    counters: &Counters,
    mut chain: Chain,
    before_batch: impl Fn(),
) {
    // The first failure's cause, repeated in every later answer: whichever a caller reports
    // names the journal and what went wrong.
    let mut failed: Option<String> = None;
    while let Ok(first) = jobs.recv() {
        before_batch();
        let mut batch = vec![first];
        batch.extend(jobs.try_iter());
        let result = if let Some(cause) = &failed {
            Err(format!(
                "an earlier write to the journal {} failed ({cause}); nothing more is written or sent",
                path.display()
            ))
        } else {
            let mut bytes = Zeroizing::new(Vec::new());
            for job in &batch {
                let (line, mac) = chain.key.seal(&chain.last, &job.json);
                chain.last = mac;
                bytes.extend_from_slice(&line);
            }
            let before = file.metadata().map(|m| m.len());
            let written = file.write_all(&bytes).and_then(|()| file.sync_data());
            counters.syncs.fetch_add(1, Ordering::SeqCst);
            written.map_err(|e| {
                failed = Some(e.to_string());
                if let Ok(length) = before {
                    let _ = file.set_len(length).and_then(|()| file.sync_data());
                }
                format!(
                    "cannot write the journal {}: {e}; stopping before sending anything more",
                    path.display()
                )
            })
        };
        if result.is_ok() {
            counters
                .synced
                .fetch_add(batch.len() as u64, Ordering::SeqCst);
        }
        for job in batch {
            let _ = job.done.send(result.clone());
        }
    }
}

/// What a journal's bytes hold.
struct Parsed {
    /// Each entry with its line number.
    entries: Vec<(usize, Entry)>,
    /// The length of the good part: everything but a torn last line.
    good: usize,
    /// The code of the last whole line.
    last_mac: Mac,
}

/// Why a journal's bytes were refused.
#[derive(Debug, PartialEq, Eq)]
enum Bad {
    /// A complete line that does not parse (corruption, or a newer format): never cut off.
    Corrupt(usize),
    /// A line without its code: written by a pwchange older than format 3, or edited.
    Unauthenticated(usize),
    /// A line whose code is wrong: edited, added, moved, or a line before it removed.
    Forged(usize),
    /// The header names another key than the run's.
    OtherKey { found: String, ours: String },
}

impl Bad {
    fn explain(&self) -> String {
        match self {
            Bad::Corrupt(line) => {
                format!("line {line} is corrupt (only a torn last line is repaired)")
            }
            Bad::Unauthenticated(line) => format!(
                "line {line} carries no authentication code: it was written by a pwchange older than journal format {FORMAT} (finish that rotation with it) or edited; it cannot be resumed safely"
            ),
            Bad::Forged(line) => format!(
                "line {line} fails its authentication: it (or a line before it) was edited, added, removed or moved; it cannot be resumed safely"
            ),
            Bad::OtherKey { found, ours } => format!(
                "it was written with another journal key (key id {}; this run's is {ours}): give that key with --journal-key",
                // Read before the line's code is checked: shown only in the form pwchange writes.
                if found.len() == 16 && found.bytes().all(|b| b.is_ascii_hexdigit()) {
                    found.as_str()
                } else {
                    "not one pwchange writes"
                }
            ),
        }
    }
}

/// The entries of a journal's bytes, each line's code checked under `key` (chained from zeros),
/// and the length of its good part: everything but a torn last line (one without its newline:
/// an entry and its newline are written at once, so a crash mid-write leaves a line without
/// it). A header naming another key than `key_id` is said to be one. Without `key`, the codes
/// are not checked (their presence is).
fn parse(bytes: &[u8], key: Option<&JournalKey>, key_id: Option<&str>) -> Result<Parsed, Bad> {
    let mut entries = Vec::new();
    let mut good = 0;
    let mut rest = bytes;
    let mut line_number = 0;
    let mut last: Mac = [0; 32];
    while !rest.is_empty() {
        line_number += 1;
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            // No newline: a torn write.
            break;
        };
        let line = &rest[..end];
        rest = &rest[end + 1..];
        if line.iter().all(u8::is_ascii_whitespace) {
            good += end + 1;
            continue;
        }
        let Some((mac, json)) = unseal(line) else {
            return Err(match serde_json::from_slice::<serde_json::Value>(line) {
                Ok(_) => Bad::Unauthenticated(line_number),
                Err(_) => Bad::Corrupt(line_number),
            });
        };
        let entry = serde_json::from_slice::<Entry>(&json).map_err(|_| Bad::Corrupt(line_number));
        if let Ok(Entry::Header(header)) = &entry
            && entries.is_empty()
            && let Some(key_id) = key_id
            && header.key_id != key_id
        {
            return Err(Bad::OtherKey {
                found: header.key_id.clone(),
                ours: key_id.to_owned(),
            });
        }
        // Constant time is not needed: whoever tries codes does so offline, on a copy.
        if key.is_some_and(|key| key.mac(&last, &json) != mac) {
            return Err(Bad::Forged(line_number));
        }
        last = mac;
        entries.push((line_number, entry?));
        good += end + 1;
    }
    Ok(Parsed {
        entries,
        good,
        last_mac: last,
    })
}

/// Where each user's entries break the engine's order (see the module docs), as the line and
/// what it is: what no run of pwchange writes, so someone wrote it.
fn check_order(entries: &[(usize, Entry)]) -> Result<(), (usize, &'static str)> {
    /// The last entry of a user.
    #[derive(Clone, Copy)]
    enum Last {
        Pending,
        Done,
        Stored,
        NotApplied,
        Unknown,
    }
    let mut last: HashMap<&str, Last> = HashMap::new();
    for (line, entry) in entries {
        let (user_id, next) = match entry {
            Entry::Header(_) => continue,
            Entry::Pending { user_id, .. } => (user_id, Last::Pending),
            Entry::Done { user_id, .. } => (user_id, Last::Done),
            Entry::Stored { user_id, .. } => (user_id, Last::Stored),
            Entry::Failed {
                user_id, outcome, ..
            } => (
                user_id,
                if *outcome == Outcome::NotApplied {
                    Last::NotApplied
                } else {
                    Last::Unknown
                },
            ),
        };
        let allowed = match (last.get(user_id.as_str()), next) {
            // A user's first entry, and the one after a refusal that applied nothing: a
            // password journaled before it is sent.
            (None | Some(Last::NotApplied), Last::Pending) => true,
            // A change's result, or the settling of one whose outcome was unknown.
            (
                Some(Last::Pending | Last::Unknown),
                Last::Done | Last::NotApplied | Last::Unknown,
            ) => true,
            // The applied password, written to the store.
            (Some(Last::Done), Last::Stored) => true,
            _ => false,
        };
        if !allowed {
            return Err((
                *line,
                match (last.get(user_id.as_str()), next) {
                    (Some(Last::Done | Last::Stored), _) => "an entry after the user's done",
                    (_, Last::Stored) => "a store write of a password not applied",
                    (None, _) => "a result for a user with no journaled password",
                    (_, Last::Pending) => {
                        "a second password journaled for a user whose first is unsettled"
                    }
                    _ => "a result after a refusal that applied nothing",
                },
            ));
        }
        last.insert(user_id, next);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> JournalKey {
        JournalKey {
            key: Zeroizing::new([7; 32]),
        }
    }

    fn header() -> Header {
        Header {
            format: FORMAT,
            vendor: "first".into(),
            base_url: "http://127.0.0.1:1".into(),
            mode: "admin_set".into(),
            require_change: false,
            input_sha256: "ab".into(),
            input: None,
            key_id: key().id(),
            sealing: Sealing::Plaintext,
            store: None,
        }
    }

    /// `entries` as a journal's authenticated lines, sealed with [`key`].
    fn sealed(entries: &[Entry]) -> Vec<u8> {
        let mut last = [0; 32];
        let mut bytes = Vec::new();
        for entry in entries {
            let (line, mac) = key().seal(&last, &encode(entry).unwrap());
            last = mac;
            bytes.extend_from_slice(&line);
        }
        bytes
    }

    /// A line is JSON whatever the entry holds, down to an empty object: sealing adds the code
    /// (and a comma only before another field), unsealing gives back the entry and the code.
    #[test]
    fn every_entry_seals_into_a_json_line_and_unseals_back() {
        for entry in [&b"{}"[..], b"{\"event\":\"done\"}"] {
            let (line, mac) = key().seal(&[1; 32], entry);
            let parsed: serde_json::Value = serde_json::from_slice(&line).unwrap();
            assert_eq!(parsed["mac"], to_hex(&mac));
            let (unsealed_mac, json) = unseal(line.strip_suffix(b"\n").unwrap()).unwrap();
            assert_eq!((unsealed_mac, json.as_slice()), (mac, entry));
        }
        for broken in [&b"{\"mac\":\"00\"}"[..], b"{\"event\":\"done\"}", b""] {
            assert!(unseal(broken).is_none(), "{broken:?}");
        }
    }

    /// Writes a journal's bytes as pwchange would: readable by its owner alone.
    fn write_journal(path: &Path, bytes: impl AsRef<[u8]>) -> std::io::Result<()> {
        std::fs::write(path, bytes)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(())
    }

    fn parse_with_key(bytes: &[u8]) -> Result<Parsed, Bad> {
        parse(bytes, Some(&key()), Some(&key().id()))
    }

    fn numbered(entries: Vec<Entry>) -> Vec<(usize, Entry)> {
        entries
            .into_iter()
            .enumerate()
            .map(|(i, e)| (i + 1, e))
            .collect()
    }

    #[test]
    fn a_torn_or_unparsable_last_line_is_cut_off_and_nothing_else() {
        let done = sealed(&[done("1")]);
        let whole = done.len();
        let mut bytes = done.clone();
        bytes.extend_from_slice(br#"{"mac":"00","event":"pend"#);
        let parsed = parse_with_key(&bytes).unwrap();
        assert_eq!((parsed.entries.len(), parsed.good), (1, whole));
        // A complete last line that does not parse is not torn: it is refused, never cut off.
        let mut bytes = done.clone();
        bytes.extend_from_slice(b"{\"event\":\n");
        assert_eq!(parse_with_key(&bytes).err(), Some(Bad::Corrupt(2)));
        // Blank lines count as good.
        let mut bytes = b"\n".to_vec();
        bytes.extend_from_slice(&done);
        bytes.extend_from_slice(b"{\"ev");
        assert_eq!(parse_with_key(&bytes).unwrap().good, whole + 1);
        // A bad line before the last is corruption.
        let mut bytes = b"garbage\n".to_vec();
        bytes.extend_from_slice(&done);
        assert_eq!(parse_with_key(&bytes).err(), Some(Bad::Corrupt(1)));
        assert_eq!(parse_with_key(b"").unwrap().good, 0);
    }

    /// Issue #35: a line edited, added, removed from the middle, moved, or written without a
    /// code or with another key is found; the last whole line's code chains the next one.
    #[test]
    fn every_line_is_authenticated_and_chained() {
        let entries = [
            Entry::Header(header()),
            pending("1", "p1"),
            done("1"),
            pending("2", "p2"),
        ];
        let bytes = sealed(&entries);
        let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
        let parsed = parse_with_key(&bytes).unwrap();
        assert_eq!(parsed.entries.len(), 4);
        assert_eq!(parsed.good, bytes.len());
        // The next line is chained to the last one's code.
        let next = key().seal(&parsed.last_mac, &encode(&done("2")).unwrap()).0;
        let mut longer = bytes.clone();
        longer.extend_from_slice(&next);
        assert_eq!(parse_with_key(&longer).unwrap().entries.len(), 5);
        // An edited password.
        let edited = String::from_utf8(bytes.clone())
            .unwrap()
            .replace("p2", "p9");
        assert_eq!(
            parse_with_key(edited.as_bytes()).err(),
            Some(Bad::Forged(4))
        );
        // A line removed from the middle, or two swapped.
        let removed = [lines[0], lines[1], lines[3]].concat();
        assert_eq!(parse_with_key(&removed).err(), Some(Bad::Forged(3)));
        let swapped = [lines[0], lines[3], lines[1], lines[2]].concat();
        assert_eq!(parse_with_key(&swapped).err(), Some(Bad::Forged(2)));
        // A line appended with a code made up, or with none.
        let mut appended = bytes.clone();
        let forged = key()
            .seal(&[0; 32], &encode(&pending("1", "evil")).unwrap())
            .0;
        appended.extend_from_slice(&forged);
        assert_eq!(parse_with_key(&appended).err(), Some(Bad::Forged(5)));
        let mut bare = bytes.clone();
        bare.extend_from_slice(&encode(&pending("1", "evil")).unwrap());
        bare.push(b'\n');
        assert_eq!(parse_with_key(&bare).err(), Some(Bad::Unauthenticated(5)));
        // Another key: named as such when the header says so, else a forgery.
        let other = JournalKey {
            key: Zeroizing::new([8; 32]),
        };
        assert!(matches!(
            parse(&bytes, Some(&other), Some(&other.id())),
            Err(Bad::OtherKey { .. })
        ));
        assert_eq!(
            parse(&bytes, Some(&other), Some(&key().id())).err(),
            Some(Bad::Forged(1))
        );
        assert_ne!(key().id(), other.id());
        assert_eq!(key().id().len(), 16);
    }

    /// Issue #35: entries in an order the engine never writes are refused, by line.
    #[test]
    fn entries_out_of_the_engines_order_are_refused() {
        let h = || Entry::Header(header());
        let cases: [(Vec<Entry>, usize, &str); 6] = [
            (
                vec![h(), pending("1", "a"), done("1"), pending("1", "b")],
                4,
                "after the user's done",
            ),
            (
                vec![h(), pending("1", "a"), done("1"), done("1")],
                4,
                "after the user's done",
            ),
            (vec![h(), done("1")], 2, "no journaled password"),
            (
                vec![h(), failed("1", Outcome::Unknown)],
                2,
                "no journaled password",
            ),
            (
                vec![h(), pending("1", "a"), pending("1", "b")],
                3,
                "first is unsettled",
            ),
            (
                vec![
                    h(),
                    pending("1", "a"),
                    failed("1", Outcome::NotApplied),
                    done("1"),
                ],
                4,
                "applied nothing",
            ),
        ];
        for (entries, line, what) in cases {
            let (at, said) = check_order(&numbered(entries)).unwrap_err();
            assert_eq!(at, line, "{said}");
            assert!(said.contains(what), "{said}");
        }
        let fine = vec![
            h(),
            pending("1", "a"),
            failed("1", Outcome::NotApplied),
            pending("1", "b"),
            failed("1", Outcome::Unknown),
            failed("1", Outcome::Unknown),
            done("1"),
            pending("2", "c"),
        ];
        assert_eq!(check_order(&numbered(fine)), Ok(()));
    }

    /// Issue #35: a journal others may read or write, another user's, or one in a directory
    /// others can write without the sticky bit, is not resumed (nor created there).
    #[cfg(unix)]
    #[test]
    fn a_journal_that_is_not_the_operators_alone_is_refused() {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        drop(Journal::create(&path, header(), key(), &Protection::Plaintext).unwrap());
        for mode in [0o644, 0o640, 0o606, 0o660] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let error = Journal::resume(&path, &header(), key(), None)
                .err()
                .unwrap()
                .to_string();
            assert!(error.contains("chmod 600"), "{mode:o}: {error}");
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(Journal::resume(&path, &header(), key(), None).is_ok());
        // A directory others may write: the journal could be replaced.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let error = Journal::resume(&path, &header(), key(), None)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("other users may write"), "{error}");
        let error = Journal::create(
            &dir.path().join("new.jsonl"),
            header(),
            key(),
            &Protection::Plaintext,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(error.contains("other users may write"), "{error}");
        // With the sticky bit (as /tmp), each user replaces only their own files.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(Journal::resume(&path, &header(), key(), None).is_ok());
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        // Another user's journal (as root, hand it over; else nothing to try).
        if std::fs::metadata(&path).unwrap().uid() == 0 {
            std::os::unix::fs::chown(&path, Some(4242), None).unwrap();
            let error = Journal::resume(&path, &header(), key(), None)
                .err()
                .unwrap()
                .to_string();
            assert!(error.contains("belongs to another user"), "{error}");
        }
    }

    fn pending(user: &str, password: &str) -> Entry {
        Entry::Pending {
            user_id: user.into(),
            password: StoredPassword::Clear(Zeroizing::new(password.into())),
            store_base: None,
        }
    }

    fn failed(user: &str, outcome: Outcome) -> Entry {
        Entry::Failed {
            user_id: user.into(),
            kind: ErrorKind::Unavailable,
            outcome,
            message: "m".into(),
        }
    }

    fn unsettled(previous: Option<&Previous>) -> Option<&str> {
        match previous {
            Some(Previous::Unsettled { password, .. }) => Some(password),
            _ => None,
        }
    }

    #[tokio::test]
    async fn resume_reads_what_each_users_history_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        {
            let journal = Journal::create(&path, header(), key(), &Protection::Plaintext).unwrap();
            for entry in [
                pending("done", "p1"),
                Entry::Done {
                    user_id: "done".into(),
                    verified: true,
                },
                pending("crashed", "p2"),
                pending("unknown", "p3"),
                failed("unknown", Outcome::Unknown),
                pending("refused", "p4"),
                failed("refused", Outcome::NotApplied),
                pending("retried", "p5"),
                failed("retried", Outcome::NotApplied),
                pending("retried", "p6"),
                // Never written by pwchange; read conservatively: to settle.
                pending("odd", "p7"),
                failed("odd", Outcome::Applied),
            ] {
                journal.write(&entry).await.unwrap();
            }
        }
        let (_journal, previous, _) = Journal::resume(&path, &header(), key(), None).unwrap();
        assert!(matches!(previous.get("done"), Some(Previous::Done)));
        assert_eq!(unsettled(previous.get("crashed")), Some("p2"));
        assert_eq!(unsettled(previous.get("unknown")), Some("p3"));
        assert!(matches!(
            previous.get("refused"),
            Some(Previous::NotApplied)
        ));
        assert_eq!(unsettled(previous.get("retried")), Some("p6"));
        assert_eq!(unsettled(previous.get("odd")), Some("p7"));
        assert!(!previous.contains_key("never"));
    }

    #[test]
    fn resume_refuses_a_foreign_headerless_locked_or_corrupt_journal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let journal = Journal::create(&path, header(), key(), &Protection::Plaintext).unwrap();
        // Locked by the journal above.
        let error = Journal::resume(&path, &header(), key(), None)
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("in use by another pwchange process"),
            "{error}"
        );
        drop(journal);
        let mut other = header();
        other.vendor = "second".into();
        let error = Journal::resume(&path, &other, key(), None)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("vendor first, not second"), "{error}");
        assert!(Journal::resume(&path, &header(), key(), None).is_ok());

        let empty = dir.path().join("empty.jsonl");
        write_journal(&empty, "").unwrap();
        let error = Journal::resume(&empty, &header(), key(), None)
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("is empty") && error.contains("delete it"),
            "{error}"
        );

        let headerless = dir.path().join("old.jsonl");
        write_journal(&headerless, sealed(&[pending("1", "p")])).unwrap();
        let error = Journal::resume(&headerless, &header(), key(), None)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("has no header line"), "{error}");

        let corrupt = dir.path().join("corrupt.jsonl");
        let mut text = sealed(&[Entry::Header(header())]);
        text.extend_from_slice(b"garbage\n");
        write_journal(&corrupt, text).unwrap();
        let error = Journal::resume(&corrupt, &header(), key(), None)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("line 2 is corrupt"), "{error}");

        let twice = dir.path().join("twice.jsonl");
        write_journal(
            &twice,
            sealed(&[Entry::Header(header()), Entry::Header(header())]),
        )
        .unwrap();
        let error = Journal::resume(&twice, &header(), key(), None)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("second header line"), "{error}");

        let error = Journal::create(&path, header(), key(), &Protection::Plaintext)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("never overwritten"), "{error}");
    }

    #[tokio::test]
    async fn a_torn_tail_is_cut_off_before_the_next_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        drop(Journal::create(&path, header(), key(), &Protection::Plaintext).unwrap());
        let whole = std::fs::metadata(&path).unwrap().len();
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"event":"pending","user_id":"1","new_pa"#)
            .unwrap();
        drop(file);
        let torn = std::fs::metadata(&path).unwrap().len();
        // Another rotation's resume leaves the journal as it is, torn end included.
        let mut other = header();
        other.mode = "self_service".into();
        assert!(Journal::resume(&path, &other, key(), None).is_err());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), torn);
        let (journal, previous, _) = Journal::resume(&path, &header(), key(), None).unwrap();
        assert!(previous.is_empty());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), whole);
        journal.write(&pending("2", "p")).await.unwrap();
        drop(journal);
        let (_journal, previous, _) = Journal::resume(&path, &header(), key(), None).unwrap();
        assert_eq!(unsettled(previous.get("2")), Some("p"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    fn done(user: &str) -> Entry {
        Entry::Done {
            user_id: user.into(),
            verified: false,
        }
    }

    /// The journal's one rule, as `states` applies it for resume, status and export.
    #[test]
    fn each_users_state_follows_the_journals_rule() {
        let entries = [
            Entry::Header(header()),
            pending("applied", "p1"),
            Entry::Done {
                user_id: "applied".into(),
                verified: true,
            },
            pending("refused", "p2"),
            failed("refused", Outcome::NotApplied),
            pending("in-flight", "p3"),
            pending("unknown", "p4"),
            failed("unknown", Outcome::Unknown),
            failed("never-journaled", Outcome::Unknown),
            pending("again", "p5"),
            failed("again", Outcome::NotApplied),
            pending("again", "p6"),
            done("again"),
        ];
        let states = states(&entries);
        let view: Vec<(&str, &str, Option<String>, Option<bool>)> = states
            .iter()
            .map(|(user, state)| {
                let (password, verified) = match state {
                    UserState::Applied {
                        verified, password, ..
                    } => (Some(password), Some(*verified)),
                    UserState::Unsettled { password, .. } => (Some(password), None),
                    UserState::NotApplied => (None, None),
                };
                let password = password.map(|p| match p {
                    StoredPassword::Clear(p) => p.to_string(),
                    StoredPassword::Age(_) => "encrypted".to_owned(),
                });
                (user.as_str(), state.name(), password, verified)
            })
            .collect();
        assert_eq!(
            view,
            [
                ("applied", "applied", Some("p1".to_owned()), Some(true)),
                ("refused", "not_applied", None, None),
                ("in-flight", "unsettled", Some("p3".to_owned()), None),
                ("unknown", "unsettled", Some("p4".to_owned()), None),
                ("never-journaled", "not_applied", None, None),
                ("again", "applied", Some("p6".to_owned()), Some(false)),
            ]
        );
    }

    /// The header alone: with the key, only the operator's authenticated one; another
    /// format, or a first line that is not a header, is refused by name.
    #[test]
    fn the_header_is_read_alone_and_with_the_key_authenticated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        write_journal(&path, sealed(&[Entry::Header(header()), done("u")])).unwrap();
        assert_eq!(read_header(&path, Some(&key())).unwrap(), header());
        assert_eq!(read_header(&path, None).unwrap(), header());
        let other = JournalKey {
            key: Zeroizing::new([8; 32]),
        };
        let err = read_header(&path, Some(&other)).unwrap_err();
        assert!(err.message().contains("another journal key"), "{err}");
        let mut old = header();
        old.format = 3;
        write_journal(&path, sealed(&[Entry::Header(old)])).unwrap();
        let err = read_header(&path, Some(&key())).unwrap_err();
        assert!(
            err.message()
                .contains("it has format 3, this pwchange reads format 5"),
            "{err}"
        );
        write_journal(&path, sealed(&[done("u")])).unwrap();
        let err = read_header(&path, Some(&key())).unwrap_err();
        assert!(
            err.message()
                .contains("its first line is not a journal header"),
            "{err}"
        );
        // Edited without the key: refused with it, read as it is without.
        let mut edited = header();
        edited.base_url = "http://127.0.0.1:9".into();
        let mut line = sealed(&[Entry::Header(header())]);
        let text = String::from_utf8(line.clone()).unwrap();
        line = text
            .replace(&header().base_url, &edited.base_url)
            .into_bytes();
        write_journal(&path, line).unwrap();
        let err = read_header(&path, Some(&key())).unwrap_err();
        assert!(err.message().contains("fails its authentication"), "{err}");
        assert_eq!(read_header(&path, None).unwrap(), edited);
        write_journal(&path, b"{\"mac\":\"00").unwrap();
        let err = read_header(&path, None).unwrap_err();
        assert!(err.message().contains("no whole first line"), "{err}");
    }

    #[tokio::test]
    async fn entries_queued_together_share_one_sync_and_keep_their_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let journal = Journal::create(&path, header(), key(), &Protection::Plaintext).unwrap();
        assert_eq!(
            journal.syncs(),
            0,
            "the header is synced before the writer starts"
        );
        let held = journal.gate.lock().unwrap();
        // Queued while the writer waits: one batch.
        let writes: Vec<_> = (0..10)
            .map(|i| journal.write(&pending(&i.to_string(), "p")))
            .collect();
        drop(held);
        for write in writes {
            write.await.unwrap();
        }
        assert_eq!(journal.syncs(), 1);
        assert_eq!(journal.counters.synced.load(Ordering::SeqCst), 10);
        // A write resolves only once its entry is synced.
        for i in 10..20 {
            journal.write(&pending(&i.to_string(), "p")).await.unwrap();
            assert_eq!(journal.counters.synced.load(Ordering::SeqCst), i + 1);
        }
        assert_eq!(journal.syncs(), 11);
        drop(journal);
        let (_journal, previous, _) = Journal::resume(&path, &header(), key(), None).unwrap();
        assert_eq!(previous.len(), 20);
        let text = std::fs::read_to_string(&path).unwrap();
        let order: Vec<String> = text
            .lines()
            .skip(1)
            .map(|line| {
                serde_json::from_str::<serde_json::Value>(line).unwrap()["user_id"].to_string()
            })
            .collect();
        let expected: Vec<String> = (0..20).map(|i| format!("\"{i}\"")).collect();
        assert_eq!(order, expected);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn after_a_failed_write_nothing_more_is_written() {
        let full = OpenOptions::new().write(true).open("/dev/full").unwrap();
        let journal = Journal::start(
            full,
            Path::new("/dev/full"),
            key(),
            [0; 32],
            protection::seal_again(&Sealing::Plaintext).unwrap(),
        );
        let first = journal.write(&done("1")).await.err().unwrap();
        assert_eq!(first.kind(), ErrorKind::Storage);
        let first = first.to_string();
        assert!(
            first.contains("cannot write the journal /dev/full: No space left on device"),
            "{first}"
        );
        let second = journal.write(&done("2")).await.err().unwrap();
        assert_eq!(second.kind(), ErrorKind::Storage);
        let second = second.to_string();
        assert!(
            second.contains(
                "an earlier write to the journal /dev/full failed (No space left on device"
            ),
            "{second}"
        );
        assert_eq!(journal.counters.synced.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn the_header_names_the_first_difference() {
        let base = header();
        type Edit = fn(&mut Header);
        let cases: [(Edit, &str); 6] = [
            (|h| h.format = 1, "format 1"),
            (|h| h.vendor = "second".into(), "vendor first, not second"),
            (|h| h.base_url = "http://x".into(), "another base URL"),
            (
                |h| h.mode = "self_service".into(),
                "mode admin_set, not self_service",
            ),
            (|h| h.require_change = true, "--require-change"),
            (|h| h.input_sha256 = "cd".into(), "input file"),
        ];
        for (change, expected) in cases {
            let mut run = header();
            change(&mut run);
            let difference = base.difference(&run).unwrap();
            assert!(difference.contains(expected), "{difference}");
        }
        assert_eq!(base.difference(&header()), None);
    }
}
