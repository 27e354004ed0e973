//! The vendor's password policy for `change` and `pwchange policy` (`rotate`'s comes with its
//! plan: [`pwchange_rotate::Plan::policy`]).

use pwchange::{Client, Error, PasswordPolicy};

/// The vendor's policy ([`pwchange_rotate::generate::vendor_policy`]: the vendor's, else its
/// documented rules), with a warning on stderr when it is the documented rules.
pub async fn of(client: &Client) -> Result<PasswordPolicy, Error> {
    let (policy, fallback) = pwchange_rotate::generate::vendor_policy(client).await?;
    if let Some(kind) = fallback {
        warn_documented(client.vendor(), kind);
    }
    Ok(policy)
}

/// The warning that the policy is the vendor's documented rules, because reading it failed
/// with `kind`.
#[allow(clippy::print_stderr)]
pub fn warn_documented(vendor: pwchange::Vendor, kind: pwchange::ErrorKind) {
    eprintln!(
        "warning: cannot read {vendor}'s password policy ({kind}); using its documented rules"
    );
}
