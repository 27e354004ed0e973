//! Reading a vendor's configuration from environment variables.
//!
//! Every vendor reads `PWCHANGE_<VENDOR>_BASE_URL`, the optional `PWCHANGE_<VENDOR>_TIMEOUT_SECS`
//! and `PWCHANGE_<VENDOR>_ALLOW_INSECURE_HTTP` (`true`/`false`), plus its own credentials (see
//! each vendor's `from_env`).

use std::time::Duration;

use crate::http::HttpConfig;
use crate::{Error, Vendor};

/// A view of the environment for one vendor; the lookup is injectable for tests.
pub(crate) struct Env<'a> {
    prefix: String,
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Env<'a> {
    pub fn new(vendor: Vendor, lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            prefix: vendor.env_prefix(),
            lookup,
        }
    }

    /// The full variable name for `suffix`.
    pub fn name(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// The variable's value, `None` when unset or blank.
    pub fn get(&self, suffix: &str) -> Option<String> {
        (self.lookup)(&self.name(suffix)).filter(|v| !v.trim().is_empty())
    }

    /// The variable's value, or an error naming it.
    pub fn required(&self, suffix: &str, what: &str) -> Result<String, Error> {
        self.get(suffix).ok_or_else(|| {
            Error::invalid_input(format!(
                "{} is not set: it must hold {what}",
                self.name(suffix)
            ))
        })
    }

    /// `BASE_URL`, `TIMEOUT_SECS` and `ALLOW_INSECURE_HTTP`.
    pub fn http(&self) -> Result<HttpConfig, Error> {
        let mut http = HttpConfig::new(&self.required("BASE_URL", "the vendor's base URL")?)?;
        if let Some(secs) = self.get("TIMEOUT_SECS") {
            let secs = secs
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|s| *s > 0)
                .ok_or_else(|| {
                    Error::invalid_input(format!(
                        "{} must be a positive number of seconds",
                        self.name("TIMEOUT_SECS")
                    ))
                })?;
            http = http.timeout(Duration::from_secs(secs));
        }
        if let Some(flag) = self.get("ALLOW_INSECURE_HTTP") {
            http = http.allow_insecure_http(self.flag("ALLOW_INSECURE_HTTP", &flag)?)?;
        }
        Ok(http)
    }

    /// Parses a boolean variable.
    pub fn flag(&self, suffix: &str, value: &str) -> Result<bool, Error> {
        match value.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" => Ok(true),
            "0" | "false" | "no" => Ok(false),
            _ => Err(Error::invalid_input(format!(
                "{} must be true or false",
                self.name(suffix)
            ))),
        }
    }

    /// A secret token variable.
    pub fn token(&self, suffix: &str) -> Result<Option<pwchange_core::SecretToken>, Error> {
        self.get(suffix)
            .map(|t| {
                pwchange_core::SecretToken::new(t)
                    .map_err(|e| Error::invalid_input(format!("{}: {e}", self.name(suffix))))
            })
            .transpose()
    }
}

/// A vendor's authentication from the environment: `TOKEN`, or a login pair.
#[cfg(any(feature = "bienport", feature = "uipath", feature = "vcd"))]
pub(crate) enum TokenOrLogin {
    Token(pwchange_core::SecretToken),
    Login { user: String, secret: String },
}

#[cfg(any(feature = "bienport", feature = "uipath", feature = "vcd"))]
impl Env<'_> {
    /// `TOKEN` if set, else the pair `user_suffix` + `secret_suffix` (e.g. `USERNAME` and
    /// `PASSWORD`); an error naming all three when neither is there.
    pub fn token_or_login(
        &self,
        user_suffix: &str,
        secret_suffix: &str,
    ) -> Result<TokenOrLogin, Error> {
        if let Some(token) = self.token("TOKEN")? {
            return Ok(TokenOrLogin::Token(token));
        }
        match self.get(user_suffix) {
            Some(user) => {
                let what = format!("the secret of {}", self.name(user_suffix));
                let secret = self.required(secret_suffix, &what)?;
                Ok(TokenOrLogin::Login { user, secret })
            }
            None => Err(Error::invalid_input(format!(
                "set {} or {} and {}",
                self.name("TOKEN"),
                self.name(user_suffix),
                self.name(secret_suffix)
            ))),
        }
    }
}

/// The process environment.
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}
