//! The vendors this build includes: one registration line each. Everything that lists vendors
//! in the facade (the [`Config`] and [`ChangedDetails`] enums, the dispatch, the settings'
//! keys, the fuzzing entry points) is generated from this list; each vendor's knowledge lives in
//! its own folder (`vendors/<name>/`: configuration, id parser, modes, send, login, error
//! rules, and its tests).

use serde::{Deserialize, Serialize};

use crate::adapter::{Adapter as _, config_from_settings};
use crate::backend::Backend;
use crate::config::{COMMON_KEYS, Key};
use crate::{Error, ErrorKind, ModeKind, PasswordPolicy, Settings, Vendor};

mod dispatch;

pub use dispatch::Changed;
pub(crate) use dispatch::DynBackend;

// The modules are declared outside the macro so that tools that read the source (rustfmt,
// cargo-mutants) see them.
#[cfg(feature = "auth0")]
mod auth0;
#[cfg(feature = "bienport")]
mod bienport;
#[cfg(feature = "entra")]
mod entra;
#[cfg(feature = "google")]
mod google;
#[cfg(feature = "keycloak")]
mod keycloak;
#[cfg(feature = "keystone")]
mod keystone;
#[cfg(feature = "okta")]
mod okta;
#[cfg(feature = "openbao")]
mod openbao;
#[cfg(feature = "uipath")]
mod uipath;
#[cfg(feature = "vcd")]
mod vcd;
#[cfg(feature = "zitadel")]
mod zitadel;

macro_rules! registry {
    ($($feature:literal $module:ident: $variant:ident($adapter:ident, $config:ident, $details:ident);)+) => {
        $(
            #[cfg(feature = $feature)]
            pub use $module::*;
        )+

        /// The configuration of one vendor backend: the vendor's typed configuration.
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum Config {
            $(
                #[cfg(feature = $feature)]
                #[doc = concat!("See [`", stringify!($config), "`].")]
                $variant($config),
            )+
        }

        $(
            #[cfg(feature = $feature)]
            impl From<$config> for Config {
                fn from(config: $config) -> Self {
                    Config::$variant(config)
                }
            }
        )+

        /// The vendor-specific part of [`Changed`](crate::Changed), tagged with the vendor's name.
        #[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
        #[serde(tag = "vendor", rename_all = "lowercase")]
        #[non_exhaustive]
        pub enum ChangedDetails {
            $(
                #[cfg(feature = $feature)]
                #[doc = concat!("See [`", stringify!($details), "`].")]
                $variant($details),
            )+
        }

        /// Every vendor's details redact the vendor text they hold.
        impl pwchange_core::vendor_text::Redact for ChangedDetails {
            fn redact(&mut self, secrets: &pwchange_core::Redactor) {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        ChangedDetails::$variant(details) => details.redact(secrets),
                    )+
                }
            }
        }

        $(
            #[cfg(feature = $feature)]
            impl From<$details> for ChangedDetails {
                fn from(details: $details) -> Self {
                    ChangedDetails::$variant(details)
                }
            }
        )+

        impl Config {
            /// The vendor this configures.
            pub fn vendor(&self) -> Vendor {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Config::$variant(_) => Vendor::$variant,
                    )+
                }
            }

            /// The configuration that `settings` describe (see [`Settings`] and [`keys`]).
            pub fn from_settings(settings: Settings) -> Result<Self, Error> {
                match settings.vendor() {
                    $(
                        #[cfg(feature = $feature)]
                        Vendor::$variant => Ok(Config::$variant(config_from_settings::<$adapter>(settings)?)),
                    )+
                    #[allow(unreachable_patterns)]
                    other => Err(not_enabled(other)),
                }
            }

            pub(crate) fn into_backend(self) -> Result<Box<dyn DynBackend>, Error> {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Config::$variant(config) => Ok(Box::new(Backend::<$adapter>::new(config)?)),
                    )+
                }
            }
        }

        /// The vendor's own configuration keys (the common ones are [`COMMON_KEYS`](crate::COMMON_KEYS)),
        /// or `None` when this build does not include the vendor.
        pub fn keys(vendor: Vendor) -> Option<&'static [Key]> {
            match vendor {
                $(
                    #[cfg(feature = $feature)]
                    Vendor::$variant => Some($adapter::KEYS),
                )+
                #[allow(unreachable_patterns)]
                _ => None,
            }
        }

        /// How `vendor` verifies a change by logging in with the new password (and what it
        /// needs for that), or `None` when this build does not include the vendor.
        pub fn verification(vendor: Vendor) -> Option<&'static str> {
            match vendor {
                $(
                    #[cfg(feature = $feature)]
                    Vendor::$variant => Some($adapter::VERIFICATION),
                )+
                #[allow(unreachable_patterns)]
                _ => None,
            }
        }

        /// What `vendor` can do: its modes, where its password policy comes from, how it
        /// verifies a change; `None` when this build does not include the vendor.
        pub fn capabilities(vendor: Vendor) -> Option<Capabilities> {
            match vendor {
                $(
                    #[cfg(feature = $feature)]
                    Vendor::$variant => Some(Capabilities {
                        modes: $adapter::MODES,
                        policy: $adapter::POLICY,
                        verification: $adapter::VERIFICATION,
                        verification_uses_credentials: $adapter::VERIFICATION_USES_CREDENTIALS,
                    }),
                )+
                #[allow(unreachable_patterns)]
                _ => None,
            }
        }

        /// `vendor`'s documented password rules (what [`Client::password_policy`](crate::Client::password_policy)
        /// returns for a vendor without a policy API), or an error when this build does not
        /// include the vendor.
        pub fn documented_policy(vendor: Vendor) -> Result<PasswordPolicy, Error> {
            match vendor {
                $(
                    #[cfg(feature = $feature)]
                    Vendor::$variant => Ok($adapter::documented_policy()),
                )+
                #[allow(unreachable_patterns)]
                other => Err(not_enabled(other)),
            }
        }

        /// The user id in `vendor`'s canonical form (two spellings of one user give the same
        /// string), or an error naming the form the vendor expects.
        pub fn canonical_user_id(vendor: Vendor, id: &str) -> Result<String, Error> {
            match vendor {
                $(
                    #[cfg(feature = $feature)]
                    Vendor::$variant => $adapter::user_id(id).map_err(|e| e.with_vendor(vendor)),
                )+
                #[allow(unreachable_patterns)]
                other => Err(not_enabled(other)),
            }
        }

        /// A vendor's answer through its decoding and error rules (fuzzing and tests).
        #[cfg(any(test, feature = "fuzzing"))]
        pub(crate) fn classify_answer(vendor: Vendor, status: u16, body: &[u8]) -> pwchange_core::classify::Verdict {
            match vendor {
                $(
                    #[cfg(feature = $feature)]
                    Vendor::$variant => $adapter::classify_bytes(status, body),
                )+
                #[allow(unreachable_patterns)]
                _ => pwchange_core::classify::Verdict::by_status(status),
            }
        }
    };
}

registry! {
    "bienport" bienport: Bienport(BienportAdapter, BienportConfig, BienportDetails);
    "uipath" uipath: Uipath(UipathAdapter, UipathConfig, UipathDetails);
    "zitadel" zitadel: Zitadel(ZitadelAdapter, ZitadelConfig, ZitadelDetails);
    "vcd" vcd: Vcd(VcdAdapter, VcdConfig, VcdDetails);
    "keystone" keystone: Keystone(KeystoneAdapter, KeystoneConfig, KeystoneDetails);
    "openbao" openbao: Openbao(OpenbaoAdapter, OpenbaoConfig, OpenbaoDetails);
    "keycloak" keycloak: Keycloak(KeycloakAdapter, KeycloakConfig, KeycloakDetails);
    "okta" okta: Okta(OktaAdapter, OktaConfig, OktaDetails);
    "entra" entra: Entra(EntraAdapter, EntraConfig, EntraDetails);
    "google" google: Google(GoogleAdapter, GoogleConfig, GoogleDetails);
    "auth0" auth0: Auth0(Auth0Adapter, Auth0Config, Auth0Details);
}

/// [`Settings`] methods that need the registry (a vendor's keys); the rest is in
/// `config.rs`, which names no vendor.
impl Settings {
    /// `higher` on top of these settings, as a configuration layer: its keys win, and when it
    /// sets any credential (a token, a token file, a login's user or secret) it replaces all of
    /// the credentials here, so a token above never meets a login below as "both set".
    pub fn layer(&mut self, higher: Settings) {
        let credentials: Vec<&str> = COMMON_KEYS
            .iter()
            .chain(keys(self.vendor()).unwrap_or_default())
            .filter(|k| k.credential)
            .map(|k| k.name)
            .collect();
        if credentials.iter().any(|k| higher.contains(k)) {
            self.remove(&credentials);
        }
        self.merge(higher);
    }
}

/// What a vendor can do ([`capabilities`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// The modes the vendor offers (some only with some configuration: see its config type).
    pub modes: &'static [ModeKind],
    /// Where its password policy comes from.
    pub policy: &'static str,
    /// How a change is verified by logging in with the new password.
    pub verification: &'static str,
    /// Whether that login is made with the configured credentials (a token allowed to open
    /// sessions for users): a `401`/`403` to it refuses the credentials, so a rotation stops.
    pub verification_uses_credentials: bool,
}

/// Whether this build includes `vendor` (its Cargo feature is on).
pub fn is_enabled(vendor: Vendor) -> bool {
    keys(vendor).is_some()
}

pub(crate) fn not_enabled(vendor: Vendor) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        format!(
            "this build of pwchange does not include {vendor}: enable the Cargo feature \"{vendor}\""
        ),
    )
    .with_vendor(vendor)
}

/// The README's row for `vendor` in the capability table ("What each vendor can do").
#[cfg(test)]
fn capability_row(vendor: Vendor) -> Option<String> {
    let capabilities = capabilities(vendor)?;
    let modes: Vec<&str> = capabilities.modes.iter().map(|m| m.name()).collect();
    Some(format!(
        "| {} | {} | {} | {} |",
        vendor.name(),
        modes.join(", "),
        capabilities.policy,
        capabilities.verification
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's capability table is the registry's, row for row.
    #[test]
    fn the_readme_lists_every_vendors_capabilities() {
        let readme = include_str!("../../../../README.md");
        let rows: Vec<String> = Vendor::ALL.into_iter().filter_map(capability_row).collect();
        assert_eq!(
            rows.len(),
            Vendor::ALL.len(),
            "every vendor is in the default build"
        );
        let missing: Vec<String> = rows
            .into_iter()
            .filter(|row| !readme.lines().any(|line| line == row))
            .collect();
        assert!(
            missing.is_empty(),
            "README.md lacks these capability rows (copy them into the table):\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn every_vendor_documents_a_policy_that_checks_what_it_says() {
        for vendor in Vendor::ALL {
            let policy = documented_policy(vendor).unwrap();
            assert!(policy.min_length >= 1, "{vendor}");
            assert!(
                policy.max_length.is_none_or(|max| max >= policy.min_length),
                "{vendor}"
            );
            assert!(matches!(
                policy.source,
                crate::PolicySource::Documented { .. }
            ));
            let modes = capabilities(vendor).unwrap().modes;
            assert!(!modes.is_empty(), "{vendor}");
        }
    }
}
