//! The vendor registry: the one list of identity platforms pwchange knows.
//!
//! Every other crate takes the list from here: the facade's dispatch, the simulators, the CLI's
//! `--vendor` values, the tests. `cargo xtask vendors` prints it for scripts, and a test checks
//! that `specs/` holds exactly one spec per entry. Adding a vendor adds one line to
//! the `vendors!` macro below; ARCHITECTURE.md lists the rest.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! vendors {
    ($($variant:ident => $name:literal, $title:literal;)+) => {
        /// An identity platform.
        ///
        /// Deliberately exhaustive: inside this workspace a `match` over it is a registration
        /// point, and the compiler names each one when a vendor is added. (Downstream matches
        /// should keep a `_` arm: new vendors arrive in minor releases.)
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
        #[serde(rename_all = "lowercase")]
        pub enum Vendor {
            $(
                #[doc = $title]
                $variant,
            )+
        }

        impl Vendor {
            /// Every vendor, in a stable order.
            pub const ALL: [Vendor; [$($name),+].len()] = [$(Vendor::$variant),+];

            /// The lowercase name: the spec file (`specs/<name>.yaml`), the crate
            /// (`pwchange-<name>`), the Cargo feature, the configuration table and the
            /// environment prefix all derive from it.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Vendor::$variant => $name,)+
                }
            }

            /// The product's own name, for people.
            pub const fn title(self) -> &'static str {
                match self {
                    $(Vendor::$variant => $title,)+
                }
            }
        }
    };
}

vendors! {
    Bienport => "bienport", "Bienport API gateway";
    Uipath => "uipath", "UiPath Identity Server (Automation Cloud, Automation Suite, Orchestrator)";
    Zitadel => "zitadel", "ZITADEL (management v1 or user service v2)";
    Vcd => "vcd", "VMware Cloud Director CloudAPI";
    Keystone => "keystone", "OpenStack Keystone (identity v3)";
    Openbao => "openbao", "OpenBao and HashiCorp Vault userpass auth method";
    Keycloak => "keycloak", "Keycloak (admin REST API)";
    Okta => "okta", "Okta (management API)";
    Entra => "entra", "Microsoft Entra ID (Microsoft Graph v1.0)";
    Google => "google", "Google Workspace (Admin SDK Directory API)";
    Auth0 => "auth0", "Auth0 (Management API v2)";
}

impl Vendor {
    /// The prefix of the vendor's environment variables, e.g. `PWCHANGE_ZITADEL_`.
    pub fn env_prefix(self) -> String {
        format!("PWCHANGE_{}_", self.name().to_ascii_uppercase())
    }

    /// The vendor's spec, relative to the workspace root: `specs/<name>.yaml`.
    pub fn spec_path(self) -> String {
        format!("specs/{}.yaml", self.name())
    }

    /// The names of every vendor, comma-separated (for messages).
    pub fn names() -> String {
        Vendor::ALL
            .into_iter()
            .map(|v| v.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(feature = "clap")]
impl clap::ValueEnum for Vendor {
    fn value_variants<'a>() -> &'a [Self] {
        &Vendor::ALL
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()).help(self.title()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_choices() {
        for v in Vendor::ALL {
            assert_eq!(v.name().parse::<Vendor>().unwrap(), v);
            assert_eq!(v.to_string(), v.name());
            assert_eq!(
                serde_json::to_value(v).unwrap(),
                serde_json::json!(v.name())
            );
            assert_eq!(v.spec_path(), format!("specs/{}.yaml", v.name()));
            assert!(v.env_prefix().starts_with("PWCHANGE_"));
        }
        assert_eq!(" ZITADEL ".parse::<Vendor>().unwrap(), Vendor::Zitadel);
        let err = "no-such-vendor".parse::<Vendor>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains(&Vendor::names()), "{err}");
        assert!(
            !err.to_string().contains("no-such-vendor"),
            "no echo of the input"
        );
    }
}
