//! The vendors the facade knows, whether or not this build includes them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Error, ErrorKind};

/// An identity platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Vendor {
    /// Bienport API gateway.
    Bienport,
    /// UiPath Identity Server (Automation Cloud, Automation Suite, Orchestrator).
    Uipath,
    /// ZITADEL (management v1 or user service v2).
    Zitadel,
    /// VMware Cloud Director CloudAPI.
    Vcd,
}

impl Vendor {
    /// Every vendor, in a stable order.
    pub const ALL: [Vendor; 4] = [
        Vendor::Bienport,
        Vendor::Uipath,
        Vendor::Zitadel,
        Vendor::Vcd,
    ];

    /// The lowercase name used in configuration, environment variables and output.
    pub fn name(self) -> &'static str {
        match self {
            Vendor::Bienport => "bienport",
            Vendor::Uipath => "uipath",
            Vendor::Zitadel => "zitadel",
            Vendor::Vcd => "vcd",
        }
    }

    /// Whether this build includes the vendor (its Cargo feature is on).
    pub fn is_enabled(self) -> bool {
        match self {
            Vendor::Bienport => cfg!(feature = "bienport"),
            Vendor::Uipath => cfg!(feature = "uipath"),
            Vendor::Zitadel => cfg!(feature = "zitadel"),
            Vendor::Vcd => cfg!(feature = "vcd"),
        }
    }

    /// The prefix of the vendor's environment variables, e.g. `PWCHANGE_ZITADEL_`.
    pub fn env_prefix(self) -> String {
        format!("PWCHANGE_{}_", self.name().to_ascii_uppercase())
    }

    pub(crate) fn not_enabled(self) -> Error {
        Error::new(
            ErrorKind::Unsupported,
            format!("this build of pwchange does not include {self}: enable the Cargo feature \"{self}\""),
        )
        .with_vendor(self)
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Vendor {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Vendor::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "unknown vendor {s:?}: expected one of bienport, uipath, zitadel, vcd"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_choices() {
        for v in Vendor::ALL {
            assert_eq!(v.name().parse::<Vendor>().unwrap(), v);
        }
        assert_eq!("ZITADEL".parse::<Vendor>().unwrap(), Vendor::Zitadel);
        let err = "okta".parse::<Vendor>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(
            err.to_string()
                .contains("expected one of bienport, uipath, zitadel, vcd")
        );
    }
}
