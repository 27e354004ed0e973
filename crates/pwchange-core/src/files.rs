//! Who else may read or write a file this process trusts, checked the way ssh checks a private
//! key: a file that holds a secret (a token file, a config file with a token) must not be
//! readable by every user, and a file that steers where secrets go (a config file: its
//! `base_url`, `ca_file`, `proxy`, `allow_insecure_http`) must not be writable by anyone but
//! its owner. A refusal names the file and the `chmod` that fixes it, never its content.
//!
//! On other platforms than Unix nothing is checked (their permissions are ACLs).

use std::path::Path;

use crate::{Error, ErrorKind};

/// What a file is, for the messages: "the token file", "the config file".
pub type What<'a> = &'a str;

/// Refuses `path` when users other than its owner and group may read or write it (any
/// permission bit for others, as ssh refuses a key others can read). Kubernetes mounts secrets
/// `0644` unless told otherwise: give the volume `defaultMode: 0400` (or `0440` with an
/// `fsGroup`).
pub fn refuse_if_others_can_read(path: &Path, what: What<'_>) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = metadata(path, what)?.permissions().mode();
        if mode & 0o007 != 0 {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "{what} {} holds a secret and every user of this machine may read or write it (mode {:04o}): run `chmod o-rwx {}` (or `chmod 600`), then again",
                    path.display(),
                    mode & 0o7777,
                    path.display()
                ),
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what);
    Ok(())
}

/// Refuses `path` when users other than its owner may write it (group or others), or when it
/// belongs to another user than `owner` (the process's effective user) or root: such a user
/// could point the run at another server, CA or proxy.
pub fn refuse_if_others_can_write(
    path: &Path,
    what: What<'_>,
    owner: Option<u32>,
) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
        let metadata = metadata(path, what)?;
        let mode = metadata.permissions().mode();
        if mode & 0o022 != 0 {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "{what} {} may be written by other users (mode {:04o}), who could redirect the passwords: run `chmod go-w {}`, then again",
                    path.display(),
                    mode & 0o7777,
                    path.display()
                ),
            ));
        }
        if let Some(owner) = owner
            && metadata.uid() != owner
            && metadata.uid() != 0
        {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "{what} {} belongs to another user (uid {}), who could redirect the passwords: use a file of your own (or `chown` it)",
                    path.display(),
                    metadata.uid()
                ),
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what, owner);
    Ok(())
}

/// Refuses `path` unless it is its owner's alone: owned by `owner` (the process's effective
/// user), with no permission for group or others. For a file whose content decides what is
/// sent (a rotation's journal: its passwords, and which ones `--resume` sets).
pub fn refuse_unless_private(path: &Path, what: What<'_>, owner: Option<u32>) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
        let metadata = metadata(path, what)?;
        let mode = metadata.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "{what} {} may be read or written by other users (mode {:04o}): run `chmod 600 {}` if it is yours and nobody else could have changed it, then again",
                    path.display(),
                    mode & 0o7777,
                    path.display()
                ),
            ));
        }
        if let Some(owner) = owner
            && metadata.uid() != owner
        {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "{what} {} belongs to another user (uid {}): only a file of your own is trusted",
                    path.display(),
                    metadata.uid()
                ),
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what, owner);
    Ok(())
}

/// Refuses a file in `directory` when users other than its owner may write the directory
/// without its sticky bit: any of them could replace the file. (`/tmp`, writable by all with
/// the sticky bit, lets each user replace only their own files.)
pub fn refuse_if_others_can_replace_files_in(
    directory: &Path,
    what: What<'_>,
) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = metadata(directory, what)?.permissions().mode();
        if mode & 0o022 != 0 && mode & 0o1000 == 0 {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!(
                    "{what} is in {}, which other users may write (mode {:04o}, no sticky bit): any of them could replace it; choose a directory of your own (or run `chmod go-w {}`)",
                    directory.display(),
                    mode & 0o7777,
                    directory.display()
                ),
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (directory, what);
    Ok(())
}

#[cfg(unix)]
fn metadata(path: &Path, what: What<'_>) -> Result<std::fs::Metadata, Error> {
    std::fs::metadata(path).map_err(|e| {
        Error::new(
            ErrorKind::InvalidInput,
            format!("cannot read {what} {}: {}", path.display(), e.kind()),
        )
    })
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)] // test code
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn file_with_mode(mode: u32) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "tok-secret-value").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        (dir, path)
    }

    #[test]
    fn a_secret_others_can_read_is_refused_with_the_chmod_to_run() {
        for mode in [0o600, 0o640, 0o400, 0o660] {
            let (_dir, path) = file_with_mode(mode);
            assert!(
                refuse_if_others_can_read(&path, "the token file").is_ok(),
                "{mode:o}"
            );
        }
        for mode in [0o644, 0o604, 0o666, 0o602] {
            let (_dir, path) = file_with_mode(mode);
            let error = refuse_if_others_can_read(&path, "the token file").unwrap_err();
            let text = error.to_string();
            assert_eq!(error.kind(), ErrorKind::InvalidInput);
            assert!(
                text.contains(&format!("chmod o-rwx {}", path.display())),
                "{text}"
            );
            assert!(text.contains(&format!("{mode:04o}")), "{text}");
            assert!(!text.contains("tok-secret"), "{text}");
        }
    }

    #[test]
    fn a_config_others_can_write_or_own_is_refused() {
        use std::os::unix::fs::MetadataExt as _;
        for mode in [0o600, 0o644, 0o444] {
            let (_dir, path) = file_with_mode(mode);
            assert!(refuse_if_others_can_write(&path, "the config file", None).is_ok());
        }
        for mode in [0o664, 0o646, 0o666, 0o620] {
            let (_dir, path) = file_with_mode(mode);
            let text = refuse_if_others_can_write(&path, "the config file", None)
                .unwrap_err()
                .to_string();
            assert!(
                text.contains(&format!("chmod go-w {}", path.display())),
                "{text}"
            );
        }
        let (_dir, path) = file_with_mode(0o600);
        let mine = std::fs::metadata(&path).unwrap().uid();
        assert!(refuse_if_others_can_write(&path, "the config file", Some(mine)).is_ok());
        // Another user's file: as root (CI), hand it to another user; else claim to be one.
        let (path_owner, me) = if mine == 0 {
            std::os::unix::fs::chown(&path, Some(4242), None).unwrap();
            (4242, 0)
        } else {
            (mine, mine + 1)
        };
        assert_eq!(std::fs::metadata(&path).unwrap().uid(), path_owner);
        let text = refuse_if_others_can_write(&path, "the config file", Some(me))
            .unwrap_err()
            .to_string();
        assert!(text.contains("belongs to another user"), "{text}");
        // Root's files are trusted, as ssh trusts them.
        if mine == 0 {
            std::os::unix::fs::chown(&path, Some(0), None).unwrap();
            assert!(refuse_if_others_can_write(&path, "the config file", Some(4242)).is_ok());
        }
    }
}
