//! Resolving where and how to reach the vendor: flags, then environment, then config file.
//!
//! Precedence for each setting: the command-line flag, then `PWCHANGE_<VENDOR>_<NAME>`, then the
//! config file's `[<vendor>]` table. The config file is `--config`, else `$PWCHANGE_CONFIG`, else
//! `$XDG_CONFIG_HOME/pwchange/config.toml` (or `~/.config/pwchange/config.toml`) if it exists.
//!
//! ```toml
//! [zitadel]
//! base_url = "https://my-instance.zitadel.cloud"
//! token = "…"            # or token_file = "/path/to/token"
//! api = "v2"
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use pwchange::{
    BienportAuth, BienportConfig, Client, Config, Error, ErrorKind, HttpConfig, SecretToken,
    UipathAuth, UipathConfig, VcdAuth, VcdConfig, Vendor, ZitadelApi, ZitadelConfig,
};

use crate::cli::{TargetArgs, VendorArg};

pub fn vendor(arg: VendorArg) -> Vendor {
    match arg {
        VendorArg::Bienport => Vendor::Bienport,
        VendorArg::Uipath => Vendor::Uipath,
        VendorArg::Zitadel => Vendor::Zitadel,
        VendorArg::Vcd => Vendor::Vcd,
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidInput, message)
}

struct Sources<'a> {
    vendor: Vendor,
    table: Option<toml::Table>,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Sources<'_> {
    /// flag > environment > config file.
    fn get(&self, flag: Option<&str>, name: &str) -> Option<String> {
        flag.map(str::to_owned)
            .or_else(|| {
                (self.env)(&format!(
                    "{}{}",
                    self.vendor.env_prefix(),
                    name.to_ascii_uppercase()
                ))
                .filter(|v| !v.is_empty())
            })
            .or_else(|| self.table.as_ref()?.get(name)?.as_str().map(str::to_owned))
    }
}

fn config_path(explicit: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_owned());
    }
    if let Some(path) = env("PWCHANGE_CONFIG") {
        return Some(PathBuf::from(path));
    }
    let base = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".config")))?;
    let path = base.join("pwchange").join("config.toml");
    path.exists().then_some(path)
}

fn read_token_file(path: &Path) -> Result<SecretToken, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        invalid(format!(
            "cannot read the token file {}: {e}",
            path.display()
        ))
    })?;
    let first = text.lines().next().unwrap_or_default();
    SecretToken::new(first).map_err(|e| invalid(format!("token file {}: {e}", path.display())))
}

/// Builds the facade client for `args`.
pub fn client(args: &TargetArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<Client, Error> {
    let vendor = vendor(args.vendor);
    let table = match config_path(args.config.as_deref(), env) {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                invalid(format!(
                    "cannot read the config file {}: {e}",
                    path.display()
                ))
            })?;
            let mut document: toml::Table = text.parse().map_err(|e| {
                invalid(format!(
                    "config file {} is not valid TOML: {e}",
                    path.display()
                ))
            })?;
            match document.remove(vendor.name()) {
                Some(toml::Value::Table(table)) => Some(table),
                Some(_) => {
                    return Err(invalid(format!(
                        "config file {}: [{vendor}] must be a table",
                        path.display()
                    )));
                }
                None => None,
            }
        }
    };
    let sources = Sources { vendor, table, env };
    let base_url = sources.get(args.base_url.as_deref(), "base_url").ok_or_else(|| {
        invalid(format!(
            "no base URL for {vendor}: pass --base-url, set {}BASE_URL, or add base_url to the [{vendor}] table of the config file",
            vendor.env_prefix()
        ))
    })?;
    let token = match &args.token_file {
        Some(path) => read_token_file(path)?,
        None => match sources.get(None, "token") {
            Some(token) => {
                SecretToken::new(token).map_err(|e| invalid(format!("the {vendor} token: {e}")))?
            }
            None => match sources.get(None, "token_file") {
                Some(path) => read_token_file(Path::new(&path))?,
                None => {
                    return Err(Error::new(
                        ErrorKind::Unauthenticated,
                        format!(
                            "no token for {vendor}: pass --token-file, set {}TOKEN, or add token (or token_file) to the [{vendor}] table of the config file",
                            vendor.env_prefix()
                        ),
                    ));
                }
            },
        },
    };
    let mut http = HttpConfig::new(&base_url)?;
    if let Some(secs) = args.timeout {
        http = http.timeout(Duration::from_secs(secs.max(1)));
    }
    if args.insecure_http {
        http = http.allow_insecure_http(true)?;
    }
    let config: Config = match vendor {
        Vendor::Bienport => {
            let org = sources.get(args.organization_id.as_deref(), "organization_id").ok_or_else(|| {
                invalid("Bienport needs an organization: pass --organization-id or set PWCHANGE_BIENPORT_ORGANIZATION_ID")
            })?;
            let org = org
                .trim()
                .parse()
                .map_err(|_| invalid(format!("organization id {org:?} is not a number")))?;
            BienportConfig::new(&base_url, BienportAuth::Token(token), org)?
                .http(http)
                .into()
        }
        Vendor::Uipath => UipathConfig::new(&base_url, UipathAuth::Token(token))?
            .http(http)
            .into(),
        Vendor::Zitadel => {
            let mut config = ZitadelConfig::new(&base_url, token)?.http(http);
            match sources
                .get(args.zitadel_api.as_deref(), "api")
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                None | Some("v2") => {}
                Some("v1") => config = config.api(ZitadelApi::V1),
                Some(other) => {
                    return Err(invalid(format!("ZITADEL API {other:?} is not v1 or v2")));
                }
            }
            if let Some(org) = sources.get(args.organization_id.as_deref(), "organization_id") {
                config = config.organization_id(org);
            }
            config.into()
        }
        Vendor::Vcd => {
            let mut config = VcdConfig::new(&base_url, VcdAuth::Token(token))?.http(http);
            if let Some(version) = sources.get(args.api_version.as_deref(), "api_version") {
                config = config.api_version(version);
            }
            config.into()
        }
        _ => return Err(invalid(format!("{vendor} is not supported by this build"))),
    };
    Client::new(config)
}
