//! One module per vendor: its configuration, its request mapping and its error mapping
//! function (`classify`).

#[cfg(feature = "bienport")]
pub(crate) mod bienport;
#[cfg(feature = "uipath")]
pub(crate) mod uipath;
#[cfg(feature = "vcd")]
pub(crate) mod vcd;
#[cfg(feature = "zitadel")]
pub(crate) mod zitadel;
