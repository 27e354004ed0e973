//! The one password-change flow every simulated vendor runs: token → user → organization →
//! current password → confirmation → unchanged → policy → commit. A vendor's module only reads
//! its request into a [`ChangeAsk`] and turns each [`Refusal`] into its own status and body.

use axum::http::HeaderMap;

use crate::model::SimUser;
use crate::state::Shared;

/// What a password-change request asks, read from the vendor's wire form. No `Debug`: it holds
/// passwords.
#[derive(Default)]
pub(crate) struct ChangeAsk<'a> {
    pub user_id: &'a str,
    /// The current password, for a self-service change.
    pub current: Option<&'a str>,
    pub new: &'a str,
    /// A second copy of the new password, where the vendor asks for one.
    pub confirm: Option<&'a str>,
    /// The organization the request names (a header), checked against the user's.
    pub organization: Option<&'a str>,
    /// The verification code of a password reset.
    pub code: Option<&'a str>,
}

/// The vendor's rules for one operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    /// Length limits in characters (the spec's `minLength`/`maxLength`, or the vendor's default
    /// policy where it is stricter).
    pub min: usize,
    pub max: usize,
    pub lower: bool,
    pub upper: bool,
    pub digit: bool,
    pub symbol: bool,
    /// Whether a new password equal to the current one is refused.
    pub refuse_unchanged: bool,
}

impl Policy {
    /// This policy with `set`'s minimum length and classes (the maximum stays).
    pub fn replaced_by(self, set: crate::model::SimPolicy) -> Self {
        Self {
            min: set.min_length,
            lower: set.lowercase,
            upper: set.uppercase,
            digit: set.digit,
            symbol: set.symbol,
            ..self
        }
    }

    /// The policy in force: `self` unless the simulator's was replaced.
    pub fn in_force(self, shared: &Shared) -> Self {
        shared
            .state()
            .policy
            .map_or(self, |set| self.replaced_by(set))
    }

    /// Only the length limits.
    pub const fn lengths(min: usize, max: usize) -> Self {
        Self {
            min,
            max,
            lower: false,
            upper: false,
            digit: false,
            symbol: false,
            refuse_unchanged: false,
        }
    }
}

/// Why a change was refused, in the order the flow checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No token, or one the simulator did not issue.
    Unauthenticated,
    /// The token belongs to another user (a session may change only its own password).
    NotOwnUser,
    UserNotFound,
    /// The request names an organization the user is not in.
    WrongOrganization,
    CurrentPasswordWrong,
    /// The reset's verification code is wrong, or no reset is pending.
    CodeWrong,
    /// The two copies of the new password differ.
    ConfirmationMismatch,
    /// The new password equals the current one.
    Unchanged,
    TooShort(usize),
    TooLong(usize),
    NoLower,
    NoUpper,
    NoDigit,
    NoSymbol,
}

/// The token of the request's `Authorization` (after its scheme: `Bearer`, or a vendor's own
/// such as `SSWS`), when it is one the simulator issued; `Some(None)` for a token bound to no
/// user.
pub(crate) fn token_owner(shared: &Shared, headers: &HeaderMap) -> Option<Option<String>> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (_scheme, token) = value.split_once(' ')?;
    shared.state().tokens.get(token).cloned()
}

/// The header the fault layer adds to a request that must have no effect ([`crate::Fault::NoEffect`]).
pub(crate) const NO_EFFECT_HEADER: &str = "x-pwchange-sim-no-effect";

/// Runs the flow; on success the user's password is the new one (unless the request carries
/// [`NO_EFFECT_HEADER`]) and the updated user is returned.
pub(crate) fn change(
    shared: &Shared,
    headers: &HeaderMap,
    ask: &ChangeAsk<'_>,
    policy: Policy,
) -> Result<SimUser, Refusal> {
    let owner = token_owner(shared, headers).ok_or(Refusal::Unauthenticated)?;
    if owner.is_some_and(|o| o != ask.user_id) {
        return Err(Refusal::NotOwnUser);
    }
    let mut state = shared.state();
    let user = state
        .users
        .get_mut(ask.user_id)
        .ok_or(Refusal::UserNotFound)?;
    if ask
        .organization
        .is_some_and(|org| user.organization.as_deref() != Some(org))
    {
        return Err(Refusal::WrongOrganization);
    }
    if ask.current.is_some_and(|current| current != user.password) {
        return Err(Refusal::CurrentPasswordWrong);
    }
    if let Some(code) = ask.code
        && state.reset_codes.get(ask.user_id).map(String::as_str) != Some(code)
    {
        return Err(Refusal::CodeWrong);
    }
    let policy = state.policy.map_or(policy, |set| policy.replaced_by(set));
    let user = state
        .users
        .get_mut(ask.user_id)
        .ok_or(Refusal::UserNotFound)?;
    if ask.confirm.is_some_and(|confirm| confirm != ask.new) {
        return Err(Refusal::ConfirmationMismatch);
    }
    if policy.refuse_unchanged && ask.new == user.password {
        return Err(Refusal::Unchanged);
    }
    check(ask.new, policy)?;
    if headers.contains_key(NO_EFFECT_HEADER) {
        let mut unchanged = user.clone();
        unchanged.password = ask.new.to_owned();
        state.commits += 1;
        return Ok(unchanged);
    }
    user.password = ask.new.to_owned();
    let changed = user.clone();
    state.commits += 1;
    if ask.code.is_some() {
        state.reset_codes.remove(ask.user_id);
    }
    Ok(changed)
}

/// A password login as the user `matches` selects: counts the attempt, and returns the user
/// when the password is theirs.
pub(crate) fn log_in(
    shared: &Shared,
    matches: impl Fn(&SimUser) -> bool,
    password: &str,
) -> Option<SimUser> {
    let mut state = shared.state();
    let user = state.users.values().find(|u| matches(u))?.clone();
    *state.logins.entry(user.id.clone()).or_default() += 1;
    (user.password == password).then_some(user)
}

/// The policy alone: lengths, then character classes (lower, upper, digit, symbol).
pub(crate) fn check(password: &str, policy: Policy) -> Result<(), Refusal> {
    let length = password.chars().count();
    let has = |f: fn(char) -> bool| password.chars().any(f);
    if length > policy.max {
        Err(Refusal::TooLong(policy.max))
    } else if length < policy.min {
        Err(Refusal::TooShort(policy.min))
    } else if policy.lower && !has(char::is_lowercase) {
        Err(Refusal::NoLower)
    } else if policy.upper && !has(char::is_uppercase) {
        Err(Refusal::NoUpper)
    } else if policy.digit && !has(|c| c.is_ascii_digit()) {
        Err(Refusal::NoDigit)
    } else if policy.symbol && !has(|c| !c.is_alphanumeric()) {
        Err(Refusal::NoSymbol)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_checks_lengths_then_classes() {
        let all = Policy {
            lower: true,
            upper: true,
            digit: true,
            symbol: true,
            ..Policy::lengths(8, 12)
        };
        for (password, expected) in [
            ("Aa1!aaaa", Ok(())),
            ("Aa1!", Err(Refusal::TooShort(8))),
            ("Aa1!aaaaaaaaa", Err(Refusal::TooLong(12))),
            ("AA1!AAAA", Err(Refusal::NoLower)),
            ("aa1!aaaa", Err(Refusal::NoUpper)),
            ("Aa!!aaaa", Err(Refusal::NoDigit)),
            ("Aa11aaaa", Err(Refusal::NoSymbol)),
            ("ääääääää", Ok(())),
        ] {
            let policy = if password.starts_with('ä') {
                Policy::lengths(8, 8)
            } else {
                all
            };
            assert_eq!(check(password, policy), expected, "{password}");
        }
    }
}
