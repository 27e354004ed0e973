//! What a change's answer and the login with the new password prove together: the decision at
//! the heart of [`Client::change_password`](crate::Client::change_password), as pure functions
//! of what each of them said (no I/O, no messages), tested by a table of every combination.
//!
//! [`Backend::change`](crate::backend) gathers the two answers, asks [`proven`], and words the
//! result. The rules:
//!
//! - A refused change needs no login (nothing was applied), and neither does a confirmation
//!   whose answer shows that no login can succeed (a disabled user).
//! - A confirmed change is applied only when the login accepts the new password, or when no
//!   login is possible at all (then it is not verifiable); a login that proves nothing leaves
//!   the outcome unknown (a vendor's `200` alone has been wrong).
//! - An answer that was lost or proves nothing is settled by the login: its acceptance proves
//!   the change. Its refusal does not prove the contrary (a vendor may commit after a gateway's
//!   timeout; a locked account refuses any password): the outcome stays unknown.
//! - A login refused for the credentials, not the password (where the vendor verifies with the
//!   backend's credentials), can verify nothing: its kind stays, so a rotation stops.

use crate::{Error, ErrorKind};

/// What the answer to the change said, as far as its outcome goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChangeAnswer {
    /// The vendor confirmed the change.
    Confirmed,
    /// The vendor confirmed it, and its answer shows that no login can succeed.
    ConfirmedUnverifiable,
    /// The answer was lost or proves nothing: the change may have been applied.
    Unknown,
    /// The vendor refused the change, or it was never sent: nothing was applied.
    Refused,
}

impl ChangeAnswer {
    /// What `sent` said; `unverifiable` tells whether a confirmation shows that no login can
    /// succeed.
    pub fn of<T>(sent: &Result<T, Error>, unverifiable: impl Fn(&T) -> bool) -> Self {
        match sent {
            Ok(confirmed) if unverifiable(confirmed) => Self::ConfirmedUnverifiable,
            Ok(_) => Self::Confirmed,
            Err(error) if error.may_have_applied() => Self::Unknown,
            Err(_) => Self::Refused,
        }
    }
}

/// What the login with the new password said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginAnswer {
    /// The vendor accepted the new password.
    Accepted,
    /// The vendor refused the new password ([`ErrorKind::VerificationFailed`]).
    PasswordRefused,
    /// This vendor or configuration has no password login ([`ErrorKind::Unsupported`]).
    Unsupported,
    /// The vendor refused the credentials the login is made with (a `401`/`403` where it
    /// verifies with the backend's credentials): no login can verify anything with them.
    CredentialsRefused,
    /// The login was rate limited: its wait is what the caller needs.
    RateLimited,
    /// Anything else: the login proved nothing.
    ProvedNothing,
}

impl LoginAnswer {
    /// What `login` said; `uses_credentials` tells whether the vendor logs in with the backend's
    /// credentials ([`Adapter::VERIFICATION_USES_CREDENTIALS`](crate::adapter::Adapter)), so
    /// that a `401`/`403` refuses them, not the password.
    pub fn of(login: &Result<(), Error>, uses_credentials: bool) -> Self {
        let Err(error) = login else {
            return Self::Accepted;
        };
        match error.kind() {
            ErrorKind::VerificationFailed => Self::PasswordRefused,
            ErrorKind::Unsupported => Self::Unsupported,
            ErrorKind::Unauthenticated | ErrorKind::PermissionDenied if uses_credentials => {
                Self::CredentialsRefused
            }
            ErrorKind::RateLimited => Self::RateLimited,
            _ => Self::ProvedNothing,
        }
    }
}

/// What the two answers prove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proven {
    /// No login was made: the change's answer is the result, as it is.
    AsAnswered,
    /// Applied, and verified by the login.
    Verified,
    /// Applied as the vendor confirmed; no login can verify it here.
    NotVerifiable,
    /// The vendor does not accept the new password now: [`ErrorKind::VerificationFailed`],
    /// the outcome unknown.
    PasswordRefused,
    /// The login was refused for its credentials: the login's kind, the outcome unknown.
    CredentialsRefused,
    /// The outcome is unknown (nothing proves either way).
    Unknown,
    /// The outcome is unknown, and the login was rate limited: its wait comes with it.
    UnknownUntilLoginAllowed,
}

/// Whether a login with the new password is made after `answer` (when the change asks for
/// verification at all).
pub(crate) fn needs_login(answer: ChangeAnswer, verifies: bool) -> bool {
    verifies && matches!(answer, ChangeAnswer::Confirmed | ChangeAnswer::Unknown)
}

/// What `answer` and `login` prove together (`login` is what the login said when
/// [`needs_login`]; otherwise it is not read).
pub(crate) fn proven(answer: ChangeAnswer, login: LoginAnswer) -> Proven {
    use LoginAnswer as L;
    match (answer, login) {
        (ChangeAnswer::ConfirmedUnverifiable | ChangeAnswer::Refused, _) => Proven::AsAnswered,
        (_, L::Accepted) => Proven::Verified,
        (_, L::PasswordRefused) => Proven::PasswordRefused,
        (_, L::CredentialsRefused) => Proven::CredentialsRefused,
        (ChangeAnswer::Confirmed, L::Unsupported) => Proven::NotVerifiable,
        (ChangeAnswer::Unknown, L::RateLimited) => Proven::UnknownUntilLoginAllowed,
        (ChangeAnswer::Confirmed | ChangeAnswer::Unknown, _) => Proven::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChangeAnswer::{Confirmed, ConfirmedUnverifiable, Refused, Unknown};
    use LoginAnswer::{
        Accepted, CredentialsRefused, PasswordRefused, ProvedNothing, RateLimited, Unsupported,
    };

    const ANSWERS: [ChangeAnswer; 4] = [Confirmed, ConfirmedUnverifiable, Unknown, Refused];
    const LOGINS: [LoginAnswer; 6] = [
        Accepted,
        PasswordRefused,
        Unsupported,
        CredentialsRefused,
        RateLimited,
        ProvedNothing,
    ];

    /// Every combination, written out: a new answer or login variant fails the length check
    /// until its row is added.
    const TABLE: &[(ChangeAnswer, LoginAnswer, Proven)] = &[
        (Confirmed, Accepted, Proven::Verified),
        (Confirmed, PasswordRefused, Proven::PasswordRefused),
        (Confirmed, Unsupported, Proven::NotVerifiable),
        (Confirmed, CredentialsRefused, Proven::CredentialsRefused),
        (Confirmed, RateLimited, Proven::Unknown),
        (Confirmed, ProvedNothing, Proven::Unknown),
        (ConfirmedUnverifiable, Accepted, Proven::AsAnswered),
        (ConfirmedUnverifiable, PasswordRefused, Proven::AsAnswered),
        (ConfirmedUnverifiable, Unsupported, Proven::AsAnswered),
        (
            ConfirmedUnverifiable,
            CredentialsRefused,
            Proven::AsAnswered,
        ),
        (ConfirmedUnverifiable, RateLimited, Proven::AsAnswered),
        (ConfirmedUnverifiable, ProvedNothing, Proven::AsAnswered),
        (Unknown, Accepted, Proven::Verified),
        (Unknown, PasswordRefused, Proven::PasswordRefused),
        (Unknown, Unsupported, Proven::Unknown),
        (Unknown, CredentialsRefused, Proven::CredentialsRefused),
        (Unknown, RateLimited, Proven::UnknownUntilLoginAllowed),
        (Unknown, ProvedNothing, Proven::Unknown),
        (Refused, Accepted, Proven::AsAnswered),
        (Refused, PasswordRefused, Proven::AsAnswered),
        (Refused, Unsupported, Proven::AsAnswered),
        (Refused, CredentialsRefused, Proven::AsAnswered),
        (Refused, RateLimited, Proven::AsAnswered),
        (Refused, ProvedNothing, Proven::AsAnswered),
    ];

    #[test]
    fn every_answer_and_login_prove_what_the_table_says() {
        assert_eq!(TABLE.len(), ANSWERS.len() * LOGINS.len());
        for answer in ANSWERS {
            for login in LOGINS {
                let row = TABLE
                    .iter()
                    .find(|(a, l, _)| (*a, *l) == (answer, login))
                    .unwrap_or_else(|| panic!("no row for {answer:?} × {login:?}"));
                assert_eq!(proven(answer, login), row.2, "{answer:?} × {login:?}");
            }
        }
    }

    #[test]
    fn a_login_follows_only_a_confirmation_it_can_check_or_an_unknown_answer() {
        for answer in ANSWERS {
            assert!(
                !needs_login(answer, false),
                "{answer:?} without verification"
            );
            assert_eq!(
                needs_login(answer, true),
                matches!(answer, Confirmed | Unknown),
                "{answer:?}"
            );
        }
        // A login is made exactly where its answer can matter.
        for answer in ANSWERS {
            let varies = LOGINS
                .iter()
                .any(|login| proven(answer, *login) != Proven::AsAnswered);
            assert_eq!(varies, needs_login(answer, true), "{answer:?}");
        }
    }

    fn error(kind: ErrorKind) -> Error {
        Error::new(kind, "test")
    }

    #[test]
    fn the_change_answer_is_read_from_the_result() {
        let unverifiable = |flag: &bool| *flag;
        assert_eq!(ChangeAnswer::of(&Ok(false), unverifiable), Confirmed);
        assert_eq!(
            ChangeAnswer::of(&Ok(true), unverifiable),
            ConfirmedUnverifiable
        );
        for kind in ErrorKind::ALL {
            let expected = if error(kind).may_have_applied() {
                Unknown
            } else {
                Refused
            };
            assert_eq!(
                ChangeAnswer::of(&Err::<bool, _>(error(kind)), unverifiable),
                expected,
                "{kind:?}"
            );
        }
        assert_eq!(
            ChangeAnswer::of(
                &Err::<bool, _>(error(ErrorKind::OutcomeUnknown)),
                unverifiable
            ),
            Unknown
        );
        assert_eq!(
            ChangeAnswer::of(
                &Err::<bool, _>(error(ErrorKind::InvalidInput)),
                unverifiable
            ),
            Refused
        );
    }

    #[test]
    fn the_login_answer_is_read_from_its_kind_and_whose_credentials_it_used() {
        for uses_credentials in [false, true] {
            assert_eq!(LoginAnswer::of(&Ok(()), uses_credentials), Accepted);
            for kind in ErrorKind::ALL {
                let expected = match kind {
                    ErrorKind::VerificationFailed => PasswordRefused,
                    ErrorKind::Unsupported => Unsupported,
                    ErrorKind::Unauthenticated | ErrorKind::PermissionDenied
                        if uses_credentials =>
                    {
                        CredentialsRefused
                    }
                    ErrorKind::RateLimited => RateLimited,
                    _ => ProvedNothing,
                };
                assert_eq!(
                    LoginAnswer::of(&Err(error(kind)), uses_credentials),
                    expected,
                    "{kind:?}, uses_credentials: {uses_credentials}"
                );
            }
        }
    }
}
