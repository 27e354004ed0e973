//! Where rotated passwords go for the applications that use them: a secret store. One store
//! today, HashiCorp Vault's or OpenBao's KV version 2 ([`vault`]); a store is named by a
//! [`StoreTarget`] (`vault://MOUNT/PATH-TEMPLATE`, the server from `VAULT_ADDR`).
//!
//! **The order: the vendor first, then the store.** A user's password is written to the store
//! only once the rotation knows the vendor holds it (its outcome is applied), and the journal
//! keeps it (encrypted) until the store has it. Why not the store first, as a pending version:
//! KV v2 has no version an application would skip, so a password written before the change
//! would be served as current while the vendor may never hold it (an unknown outcome, a
//! refusal), which is the lie this project exists to avoid; the journal already is the durable
//! place for a password that may or may not be applied.
//!
//! **Two writers never overwrite each other silently.** Before a user's change, the rotation
//! reads the store's current version of the user's secret (0: none) and journals it with the
//! password (its *base*); the write after the change is check-and-set on that base. Anyone
//! else's write in between (another run, a person) makes it a [`Put::Conflict`], reported and
//! not overwritten. A write that may have landed without its answer (a timeout, a crash before
//! the journal recorded it) is recognised on the next try by reading the latest version back:
//! when it holds this user's journaled password, it is this rotation's own ([`Put::AlreadyStored`]).

pub mod vault;

use std::time::Duration;

use pwchange::{Error, ErrorKind};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

pub use vault::{VaultAuth, VaultConfig};

/// The scheme of a store named by a URL: `vault://MOUNT/PATH-TEMPLATE`.
pub const VAULT_SCHEME: &str = "vault://";

/// Where each user's secret is: the store, its mount and the path template. Not secret (it is in
/// a journal's header, and in messages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StoreTarget {
    /// `vault_kv2`: HashiCorp Vault's or OpenBao's key/value secrets engine, version 2.
    pub kind: String,
    /// The server's address (`VAULT_ADDR`), e.g. `https://vault.example.com:8200`.
    pub address: String,
    /// The namespace (`VAULT_NAMESPACE`), where there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The KV v2 engine's mount, e.g. `secret`.
    pub mount: String,
    /// The secret's path under the mount, with `{user_id}` (required) and `{vendor}`.
    pub path: String,
}

/// The only kind of store this build writes.
pub const VAULT_KV2: &str = "vault_kv2";

impl StoreTarget {
    /// Parses `vault://MOUNT/PATH` (e.g. `vault://secret/pwchange/{vendor}/{user_id}`): the
    /// first segment is the KV v2 mount, the rest the path of each user's secret, in which
    /// `{user_id}` must appear (each user has a secret of its own) and `{vendor}` may. The
    /// server is `address` (`VAULT_ADDR`), in `namespace` where given.
    pub fn parse(spec: &str, address: &str, namespace: Option<&str>) -> Result<Self, Error> {
        let bad = |why: &str| {
            Error::invalid_input(format!(
                "the store {spec:?} is not usable: {why} (the form is vault://MOUNT/PATH, e.g. vault://secret/pwchange/{{vendor}}/{{user_id}})"
            ))
        };
        let rest = spec
            .strip_prefix(VAULT_SCHEME)
            .ok_or_else(|| bad("it does not start with vault://"))?;
        let (mount, path) = rest
            .split_once('/')
            .ok_or_else(|| bad("it names a mount but no path"))?;
        let segment_ok = |segment: &str| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && !segment
                    .chars()
                    .any(|c| c.is_control() || c == '?' || c == '#')
        };
        if !segment_ok(mount) || mount.contains(['{', '}']) {
            return Err(bad("its mount is empty or not a plain name"));
        }
        if !path.split('/').all(segment_ok) {
            return Err(bad(
                "its path has an empty, `.` or `..` segment, or a ? or #",
            ));
        }
        let mut rest = path;
        let mut user_ids = 0;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or_else(|| bad("a `{` has no `}`"))?;
            match &after[..close] {
                "user_id" => user_ids += 1,
                "vendor" => {}
                _ => return Err(bad("its placeholders can be {user_id} and {vendor} only")),
            }
            rest = &after[close + 1..];
        }
        if rest.contains('}') || path.split('{').next().is_some_and(|s| s.contains('}')) {
            return Err(bad("a `}` has no `{`"));
        }
        if user_ids != 1 {
            return Err(bad(
                "its path must hold {user_id} once: each user's password is a secret of its own",
            ));
        }
        Ok(Self {
            kind: VAULT_KV2.to_owned(),
            address: address.trim_end_matches('/').to_owned(),
            namespace: namespace.filter(|n| !n.is_empty()).map(str::to_owned),
            mount: mount.to_owned(),
            path: path.to_owned(),
        })
    }

    /// The store as `vault://MOUNT/PATH` (what `--store` takes).
    pub fn spec(&self) -> String {
        format!("{VAULT_SCHEME}{}/{}", self.mount, self.path)
    }

    /// The path of `user_id`'s secret under the mount, the placeholders filled in. A user id
    /// that would name another path (`/`, `.`, `..`, a control character) is refused: the store
    /// would write it somewhere else than the template says.
    pub fn path_for(&self, vendor: &str, user_id: &str) -> Result<SecretPath, Error> {
        if user_id.is_empty()
            || user_id == "."
            || user_id == ".."
            || user_id.chars().any(|c| c == '/' || c.is_control())
        {
            return Err(Error::invalid_input(format!(
                "user {user_id:?} cannot be a path segment of the store's secret (a `/`, `.`, `..` or a control character): choose a path template without {{user_id}} there, or another store"
            )));
        }
        Ok(SecretPath(
            self.path
                .replace("{vendor}", vendor)
                .replace("{user_id}", user_id),
        ))
    }
}

impl std::fmt::Display for StoreTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}", self.spec(), self.address)?;
        if let Some(namespace) = &self.namespace {
            write!(f, " (namespace {namespace})")?;
        }
        Ok(())
    }
}

/// A secret's path under the store's mount (`pwchange/uipath/alice`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretPath(String);

impl SecretPath {
    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SecretPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What one user's secret holds. No `Debug`: it holds the password.
#[derive(Serialize, Deserialize)]
pub struct Secret {
    /// The password the vendor holds.
    pub password: Zeroizing<String>,
    /// The user, in the vendor's canonical form.
    pub user_id: String,
    /// The vendor's registry name.
    pub vendor: String,
    /// The vendor's base URL.
    pub base_url: String,
    /// The name the user logs in with, where the input gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_name: Option<String>,
    /// When the store was written, after the vendor's change (RFC 3339, UTC).
    pub rotated_at: String,
    /// Whether a login with the password worked after the change.
    pub verified: bool,
}

impl Secret {
    /// Whether `self` (read from the store) is `ours` (this rotation's password for the same
    /// user): the same user id and password.
    pub fn is(&self, ours: &Secret) -> bool {
        self.user_id == ours.user_id && *self.password == *ours.password
    }
}

/// What the store holds for a user now.
pub struct Current {
    /// The latest version (0: the secret never existed). A deleted or destroyed latest version
    /// still counts: a check-and-set write must name it.
    pub version: u64,
    /// The latest version's data, when it is a secret pwchange wrote and is not deleted.
    pub secret: Option<Secret>,
}

/// How a check-and-set write ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// Written: the store's latest version is `version`, holding the password.
    Stored {
        /// The new version.
        version: u64,
    },
    /// The latest version already held this password for this user (this rotation's own
    /// earlier write, whose answer or journal entry was lost).
    AlreadyStored {
        /// That version.
        version: u64,
    },
    /// Someone else wrote the secret after the base version: nothing was written over it.
    Conflict {
        /// The store's latest version now.
        version: u64,
    },
    /// Someone else's version was there, and the caller asked to write over it
    /// ([`Applied::overwrite`]): written, check-and-set on that version.
    Replaced {
        /// The new version.
        version: u64,
        /// The version written over.
        replaced: u64,
    },
}

/// A store: today a Vault or OpenBao KV v2 mount. Cheap to clone (the HTTP client and the
/// token are shared).
#[derive(Clone)]
pub struct Store {
    target: StoreTarget,
    kv: vault::KvV2,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// How often a store call is tried when the store is down, sealed or overloaded, and the waits
/// between (a restarted server needs a moment to be unsealed).
const ATTEMPTS: u32 = 5;
const FIRST_WAIT: Duration = Duration::from_millis(200);

impl Store {
    /// The store `spec` (`vault://MOUNT/PATH`) on the server `config` names.
    pub fn new(spec: &str, config: VaultConfig) -> Result<Self, Error> {
        let target = StoreTarget::parse(spec, config.address(), config.namespace())?;
        Self::at(target, config)
    }

    /// The store `target` (a journal's), with `config`'s credentials; the addresses and
    /// namespaces must agree (a resume writes where the rotation began).
    pub fn at(target: StoreTarget, config: VaultConfig) -> Result<Self, Error> {
        if target.kind != VAULT_KV2 {
            return Err(Error::invalid_input(format!(
                "a store of kind {:?} is not one this pwchange writes (only {VAULT_KV2})",
                target.kind
            )));
        }
        if target.address != config.address().trim_end_matches('/')
            || target.namespace.as_deref() != config.namespace()
        {
            return Err(Error::invalid_input(
                "the store's address or namespace (VAULT_ADDR, VAULT_NAMESPACE) is not the one the rotation began with: set them as they were",
            ));
        }
        Ok(Self {
            kv: vault::KvV2::new(config, &target.mount)?,
            target,
        })
    }

    /// Where the secrets are.
    pub fn target(&self) -> &StoreTarget {
        &self.target
    }

    /// Checks, before anything is changed, that the credentials may read and write the secret
    /// at `path` (Vault's `sys/capabilities-self`): a store that would refuse the first write
    /// is found before the first change.
    pub async fn check_access(&self, path: &SecretPath) -> Result<(), Error> {
        retrying(|| self.kv.check_access(path)).await
    }

    /// The store's current version of the secret at `path`, and its data.
    pub async fn current(&self, path: &SecretPath) -> Result<Current, Error> {
        retrying(|| self.kv.read(path)).await
    }

    /// Writes `secret` at `path` if the store's latest version is still `base`
    /// (check-and-set). A write refused because the version moved, or whose answer was lost,
    /// is settled by reading the latest version back: this password for this user is
    /// [`Put::AlreadyStored`], anything else a [`Put::Conflict`] (never overwritten).
    pub async fn put(&self, path: &SecretPath, base: u64, secret: &Secret) -> Result<Put, Error> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let written = self.kv.write(path, base, secret).await;
            let (moved, lost) = match written {
                Ok(version) => return Ok(Put::Stored { version }),
                Err(vault::WriteFailure::CasMismatch) => (true, None),
                // It may have landed: the read below says.
                Err(vault::WriteFailure::Unknown(error)) => (false, Some(error)),
                Err(vault::WriteFailure::Refused(error)) => {
                    if error.kind().is_temporary() && attempt < ATTEMPTS {
                        tokio::time::sleep(wait(attempt)).await;
                        continue;
                    }
                    return Err(error);
                }
            };
            let current = self.current(path).await?;
            if current.secret.as_ref().is_some_and(|s| s.is(secret)) {
                return Ok(Put::AlreadyStored {
                    version: current.version,
                });
            }
            if moved || current.version != base {
                return Ok(Put::Conflict {
                    version: current.version,
                });
            }
            // Not written, nothing moved: try again, within the attempts.
            if attempt >= ATTEMPTS {
                return Err(lost.unwrap_or_else(|| {
                    Error::new(ErrorKind::Unavailable, "the store did not take the write")
                }));
            }
            tokio::time::sleep(wait(attempt)).await;
        }
    }
}

fn wait(attempt: u32) -> Duration {
    FIRST_WAIT * 2u32.pow(attempt.saturating_sub(1).min(4))
}

/// Calls `call` until it succeeds, fails for good, or [`ATTEMPTS`] temporary failures (down,
/// sealed, overloaded) have been waited out.
async fn retrying<T, F, Fut>(mut call: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match call().await {
            Err(error) if error.kind().is_temporary() && attempt < ATTEMPTS => {
                tokio::time::sleep(wait(attempt)).await;
            }
            other => return other,
        }
    }
}

/// One applied user's password to write with [`Store::put_applied`].
pub struct Applied<'a> {
    /// The user.
    pub user_id: &'a str,
    /// The password the vendor holds.
    pub password: &'a str,
    /// The store's version before it, where the journal has it (else the version read now).
    pub base: Option<u64>,
    /// A login with it worked.
    pub verified: bool,
    /// The name the user logs in with, where known.
    pub login_name: Option<String>,
    /// Write over someone else's version (a conflict the operator looked at): check-and-set
    /// on the latest version instead of reporting it.
    pub overwrite: bool,
}

impl Store {
    /// Writes one applied user's password of `vendor` at `base_url` (a journal's) with
    /// [`Store::put`]: check-and-set on `applied.base`. Where the journal has none (a rotation
    /// made without a store), the latest version must be absent, deleted or this password
    /// already; anyone else's is a [`Put::Conflict`]. With [`Applied::overwrite`], a conflict
    /// is written over, check-and-set on the latest version ([`Put::Replaced`]).
    pub async fn put_applied(
        &self,
        vendor: &str,
        base_url: &str,
        applied: Applied<'_>,
    ) -> Result<(Put, SecretPath), Error> {
        let path = self.target.path_for(vendor, applied.user_id)?;
        let mine = |s: &Secret| s.user_id == applied.user_id && *s.password == applied.password;
        let base = match applied.base {
            Some(base) => base,
            None => {
                let current = self.current(&path).await?;
                match &current.secret {
                    // Written before (an export run twice): nothing to write.
                    Some(secret) if mine(secret) => {
                        return Ok((
                            Put::AlreadyStored {
                                version: current.version,
                            },
                            path,
                        ));
                    }
                    // Someone else's password: not ours to replace unless asked.
                    Some(_) if !applied.overwrite => {
                        return Ok((
                            Put::Conflict {
                                version: current.version,
                            },
                            path,
                        ));
                    }
                    _ => current.version,
                }
            }
        };
        let secret = Secret {
            password: Zeroizing::new(applied.password.to_owned()),
            user_id: applied.user_id.to_owned(),
            vendor: vendor.to_owned(),
            base_url: base_url.to_owned(),
            login_name: applied.login_name,
            rotated_at: now_rfc3339(),
            verified: applied.verified,
        };
        let put = match self.put(&path, base, &secret).await? {
            Put::Conflict { version } if applied.overwrite => {
                match self.put(&path, version, &secret).await? {
                    Put::Stored { version: new } => Put::Replaced {
                        version: new,
                        replaced: version,
                    },
                    // Written meanwhile again: reported, not chased.
                    other => other,
                }
            }
            Put::Stored { version } if applied.base.is_none() && base > 0 => Put::Replaced {
                version,
                replaced: base,
            },
            other => other,
        };
        Ok((put, path))
    }
}

/// Now, as RFC 3339 in UTC to the second.
pub fn now_rfc3339() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(seconds)
}

/// `seconds` since the Unix epoch as RFC 3339 in UTC (Howard Hinnant's civil-from-days).
fn rfc3339(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_url_names_its_mount_and_a_path_with_one_user_id() {
        let target = StoreTarget::parse(
            "vault://secret/pwchange/{vendor}/{user_id}",
            "http://a:1/",
            None,
        )
        .unwrap();
        assert_eq!(
            (
                target.mount.as_str(),
                target.path.as_str(),
                target.address.as_str()
            ),
            ("secret", "pwchange/{vendor}/{user_id}", "http://a:1")
        );
        assert_eq!(target.spec(), "vault://secret/pwchange/{vendor}/{user_id}");
        assert_eq!(
            target.path_for("uipath", "a@b.c").unwrap().as_str(),
            "pwchange/uipath/a@b.c"
        );
        assert_eq!(
            StoreTarget::parse("vault://kv/{user_id}", "http://a:1", Some(""))
                .unwrap()
                .namespace,
            None
        );
        for (spec, why) in [
            ("secret/pwchange/{user_id}", "vault://"),
            ("vault://secret", "no path"),
            ("vault:///pwchange/{user_id}", "mount"),
            ("vault://{vendor}/x/{user_id}", "mount"),
            ("vault://secret/pwchange", "{user_id} once"),
            ("vault://secret/{user_id}/{user_id}", "{user_id} once"),
            ("vault://secret/{user}", "placeholders"),
            ("vault://secret/a//{user_id}", "empty"),
            ("vault://secret/../{user_id}", "`..`"),
            ("vault://secret/x?y/{user_id}", "?"),
            ("vault://secret/{user_id", "no `}`"),
            ("vault://secret/x}/{user_id}", "no `{`"),
            ("vault://secret/{user_id}/x}", "no `{`"),
        ] {
            let error = StoreTarget::parse(spec, "http://a:1", None).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput);
            assert!(error.message().contains(why), "{spec}: {}", error.message());
        }
    }

    #[test]
    fn a_user_id_that_would_name_another_path_is_refused() {
        let target = StoreTarget::parse("vault://secret/p/{user_id}", "http://a:1", None).unwrap();
        for user in ["", ".", "..", "a/b", "a\nb"] {
            assert!(target.path_for("v", user).is_err(), "{user:?}");
        }
        assert_eq!(target.path_for("v", "..a").unwrap().as_str(), "p/..a");
    }

    #[test]
    fn times_are_rfc3339_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_601_599), "2026-12-06T23:59:59Z");
        assert_eq!(rfc3339(4_107_542_400), "2100-03-01T00:00:00Z");
    }

    #[test]
    fn the_waits_double_from_the_first() {
        let waits: Vec<_> = (1..=6).map(wait).collect();
        assert_eq!(waits[0], FIRST_WAIT);
        assert_eq!(waits[1], FIRST_WAIT * 2);
        assert_eq!(waits[4], FIRST_WAIT * 16);
        assert_eq!(waits[5], FIRST_WAIT * 16);
    }
}
