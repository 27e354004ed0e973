//! The type-erased backend behind [`crate::Client`], and what a change hands back: here, beside
//! the registry, because [`Changed`] holds the registry's [`ChangedDetails`] and every vendor's
//! details become it here (the generic backend below knows only its own vendor's).

use pwchange_core::http::BoxFuture;
use serde::{Deserialize, Serialize};

use super::ChangedDetails;
use crate::adapter::Adapter;
use crate::backend::{AccessCheck, Backend};
use crate::request::Verification;
use crate::{Error, Password, PasswordChange, PasswordPolicy, Vendor};

/// A password change that was applied ([`Outcome::Applied`](crate::Outcome::Applied)): the
/// vendor confirmed it with a success answer that matches the request, or a login with the new
/// password succeeded. [`verification`](Self::verification) says which.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Changed {
    /// Where.
    pub vendor: Vendor,
    /// Whose password, in the vendor's canonical form ([`crate::canonical_user_id`]).
    pub user_id: String,
    /// What the vendor returned that matters; `None` when its answer was lost and a login with
    /// the new password proved the change.
    pub details: Option<ChangedDetails>,
    /// Whether a login with the new password confirmed the change.
    pub verification: Verification,
}

/// The details' vendor text (a login name, an owner id) redacted: the facade does it with the
/// request's secrets before a `Changed` leaves it; a caller that holds more secrets (a
/// rotation's other passwords) may redact it again before showing it.
impl pwchange_core::vendor_text::Redact for Changed {
    fn redact(&mut self, secrets: &pwchange_core::Redactor) {
        self.details.redact(secrets);
    }
}

/// [`Backend`] with the adapter type erased, for [`crate::Client`].
pub(crate) trait DynBackend: Send + Sync {
    fn vendor(&self) -> Vendor;
    fn base_url(&self) -> &str;
    fn change<'a>(&'a self, change: &'a PasswordChange) -> BoxFuture<'a, Result<Changed, Error>>;
    fn check(&self, change: &PasswordChange) -> Result<(), Error>;
    fn verify_password<'a>(
        &'a self,
        user_id: &'a str,
        login_name: Option<&'a str>,
        password: &'a Password,
    ) -> BoxFuture<'a, Result<(), Error>>;
    fn policy(&self) -> BoxFuture<'_, Result<PasswordPolicy, Error>>;
    fn check_access(&self) -> BoxFuture<'_, Result<AccessCheck, Error>>;
}

impl<A> DynBackend for Backend<A>
where
    A: Adapter,
    A::Details: Into<ChangedDetails>,
{
    fn vendor(&self) -> Vendor {
        A::VENDOR
    }

    fn base_url(&self) -> &str {
        Backend::base_url(self)
    }

    fn policy(&self) -> BoxFuture<'_, Result<PasswordPolicy, Error>> {
        Box::pin(async move {
            match Backend::policy(self).await {
                Ok(policy) => Ok(policy),
                Err(e) => {
                    let redactor = self.redactor(&[]).await;
                    Err(e.with_vendor(A::VENDOR).redact(&redactor))
                }
            }
        })
    }

    fn check_access(&self) -> BoxFuture<'_, Result<AccessCheck, Error>> {
        Box::pin(async move {
            match Backend::check_access(self).await {
                Ok(check) => Ok(check),
                Err(e) => {
                    let redactor = self.redactor(&[]).await;
                    Err(e.with_vendor(A::VENDOR).redact(&redactor))
                }
            }
        })
    }

    fn check(&self, change: &PasswordChange) -> Result<(), Error> {
        Backend::prepare(self, change)
            .map(|_| ())
            .map_err(|e| e.with_vendor(A::VENDOR))
    }

    fn change<'a>(&'a self, change: &'a PasswordChange) -> BoxFuture<'a, Result<Changed, Error>> {
        Box::pin(async move {
            match Backend::change(self, change).await {
                Ok(applied) => {
                    let mut changed = Changed {
                        vendor: A::VENDOR,
                        user_id: applied.user_id,
                        details: applied.details.map(Into::into),
                        verification: applied.verification,
                    };
                    let redactor = self.redactor(&change.secrets()).await;
                    pwchange_core::vendor_text::Redact::redact(&mut changed, &redactor);
                    Ok(changed)
                }
                Err(e) => {
                    let redactor = self.redactor(&change.secrets()).await;
                    Err(e.with_vendor(A::VENDOR).redact(&redactor))
                }
            }
        })
    }

    fn verify_password<'a>(
        &'a self,
        user_id: &'a str,
        login_name: Option<&'a str>,
        password: &'a Password,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            match Backend::verify_password(self, user_id, login_name, password).await {
                Ok(()) => Ok(()),
                Err(e) => {
                    let redactor = self.redactor(&[password.expose_secret()]).await;
                    Err(e.with_vendor(A::VENDOR).redact(&redactor))
                }
            }
        })
    }
}
