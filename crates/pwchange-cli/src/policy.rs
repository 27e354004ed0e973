//! The vendor's password policy for `change`, `rotate` and `pwchange policy`, and what `rotate`
//! generates from it.

use pwchange::{Client, Error, ErrorKind, PasswordPolicy};

/// The vendor's policy: read from the vendor where it can be; when it cannot be read (the
/// credentials may not read it, the vendor is unavailable, its answer is not understood), the
/// vendor's documented rules, with a warning on stderr. Refused credentials and invalid input
/// are errors: nothing else would work either.
#[allow(clippy::print_stderr)]
pub async fn of(client: &Client) -> Result<PasswordPolicy, Error> {
    match client.password_policy().await {
        Ok(policy) => Ok(policy),
        Err(e)
            if !matches!(
                e.kind(),
                ErrorKind::Unauthenticated | ErrorKind::InvalidInput
            ) =>
        {
            eprintln!(
                "warning: cannot read {}'s password policy ({}); using its documented rules",
                client.vendor(),
                e.kind()
            );
            pwchange::documented_policy(client.vendor())
        }
        Err(e) => Err(e),
    }
}
