//! What settles a password an interrupted run journaled and may have applied: the resend of the
//! same password and one login with it, as a pure function of what each said ([`settled`]),
//! tested by a table of every combination. `rotate::settle` sends, logs in and words the result.
//!
//! The rules: only an accepted login proves the journaled password is set; a resend refused
//! never proves an earlier success (nor its failure: the interrupted run may have applied it);
//! a refused login alone is weak evidence (a locked account answers alike), so it decides only
//! with the vendor's own refusal of the password (its policy); a login that cannot be made at
//! all leaves the vendor's confirmation of the resend as the only evidence.

use pwchange::{Error, ErrorKind};

/// What the resend of the journaled password said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// The vendor confirmed it.
    Confirmed,
    /// The vendor refused the password itself, by its policy.
    RefusedByPolicy,
    /// Any other failure: it says nothing about the password.
    Failed,
}

impl Resend {
    /// What `resent` said.
    pub fn of<T>(resent: &Result<T, Error>) -> Self {
        match resent {
            Ok(_) => Self::Confirmed,
            Err(e) if e.kind() == ErrorKind::PolicyViolation => Self::RefusedByPolicy,
            Err(_) => Self::Failed,
        }
    }
}

/// What the login with the journaled password said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Login {
    /// The vendor accepted the password.
    Accepted,
    /// The vendor could not be asked now (rate limited, unavailable, unreachable).
    NotNow,
    /// The vendor refused the password.
    Refused,
    /// No login is possible with this vendor or configuration.
    Unsupported,
    /// Anything else: the login proved nothing.
    ProvedNothing,
}

impl Login {
    /// What `login` said.
    pub fn of(login: &Result<(), Error>) -> Self {
        match login {
            Ok(()) => Self::Accepted,
            Err(e) if e.is_temporary() => Self::NotNow,
            Err(e) if e.kind() == ErrorKind::VerificationFailed => Self::Refused,
            Err(e) if e.kind() == ErrorKind::Unsupported => Self::Unsupported,
            Err(_) => Self::ProvedNothing,
        }
    }
}

/// How the user's journaled password is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settled {
    /// The journaled password is set, verified by the login.
    Verified,
    /// The vendor confirmed the resend, and no login can verify it.
    ConfirmedUnverifiable,
    /// Not now: the login is tried again later (alone: the resend is done).
    LoginAgain,
    /// The vendor refuses the password by its policy and will not log in with it: it was never
    /// applied.
    NeverApplied,
    /// The resend was refused and so was the login: neither settles it.
    NeitherSettles,
    /// The vendor confirmed the resend, but refused the login.
    ConfirmedButRefused,
    /// The vendor confirmed the resend, but the login proved nothing.
    ConfirmedButUnproven,
    /// The resend failed and the login proved nothing: the interrupted run may have applied it.
    MayHaveApplied,
}

/// What the resend and the login settle together.
pub(crate) fn settled(resend: Resend, login: Login) -> Settled {
    match (resend, login) {
        (_, Login::Accepted) => Settled::Verified,
        (_, Login::NotNow) => Settled::LoginAgain,
        (Resend::RefusedByPolicy, Login::Refused) => Settled::NeverApplied,
        (Resend::Failed, Login::Refused) => Settled::NeitherSettles,
        (Resend::Confirmed, Login::Refused) => Settled::ConfirmedButRefused,
        (Resend::Confirmed, Login::Unsupported) => Settled::ConfirmedUnverifiable,
        (Resend::Confirmed, Login::ProvedNothing) => Settled::ConfirmedButUnproven,
        (Resend::RefusedByPolicy | Resend::Failed, Login::Unsupported | Login::ProvedNothing) => {
            Settled::MayHaveApplied
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Login::{Accepted, NotNow, ProvedNothing, Refused, Unsupported};
    use Resend::{Confirmed, Failed, RefusedByPolicy};

    const RESENDS: [Resend; 3] = [Confirmed, RefusedByPolicy, Failed];
    const LOGINS: [Login; 5] = [Accepted, NotNow, Refused, Unsupported, ProvedNothing];

    /// Every combination, written out.
    const TABLE: &[(Resend, Login, Settled)] = &[
        (Confirmed, Accepted, Settled::Verified),
        (Confirmed, NotNow, Settled::LoginAgain),
        (Confirmed, Refused, Settled::ConfirmedButRefused),
        (Confirmed, Unsupported, Settled::ConfirmedUnverifiable),
        (Confirmed, ProvedNothing, Settled::ConfirmedButUnproven),
        (RefusedByPolicy, Accepted, Settled::Verified),
        (RefusedByPolicy, NotNow, Settled::LoginAgain),
        (RefusedByPolicy, Refused, Settled::NeverApplied),
        (RefusedByPolicy, Unsupported, Settled::MayHaveApplied),
        (RefusedByPolicy, ProvedNothing, Settled::MayHaveApplied),
        (Failed, Accepted, Settled::Verified),
        (Failed, NotNow, Settled::LoginAgain),
        (Failed, Refused, Settled::NeitherSettles),
        (Failed, Unsupported, Settled::MayHaveApplied),
        (Failed, ProvedNothing, Settled::MayHaveApplied),
    ];

    #[test]
    fn every_resend_and_login_settle_what_the_table_says() {
        assert_eq!(TABLE.len(), RESENDS.len() * LOGINS.len());
        for resend in RESENDS {
            for login in LOGINS {
                let row = TABLE
                    .iter()
                    .find(|(r, l, _)| (*r, *l) == (resend, login))
                    .unwrap_or_else(|| panic!("no row for {resend:?} × {login:?}"));
                assert_eq!(settled(resend, login), row.2, "{resend:?} × {login:?}");
            }
        }
    }

    fn error(kind: ErrorKind) -> Error {
        Error::new(kind, "test")
    }

    #[test]
    fn the_resend_and_the_login_are_read_from_their_results() {
        assert_eq!(Resend::of(&Ok(())), Confirmed);
        assert_eq!(Login::of(&Ok(())), Accepted);
        for kind in ErrorKind::ALL {
            let resend = match kind {
                ErrorKind::PolicyViolation => RefusedByPolicy,
                _ => Failed,
            };
            assert_eq!(Resend::of(&Err::<(), _>(error(kind))), resend, "{kind:?}");
            let login = match kind {
                ErrorKind::RateLimited | ErrorKind::Unavailable | ErrorKind::Transport => NotNow,
                ErrorKind::VerificationFailed => Refused,
                ErrorKind::Unsupported => Unsupported,
                _ => ProvedNothing,
            };
            assert_eq!(Login::of(&Err(error(kind))), login, "{kind:?}");
        }
    }
}
