//! Resolving where and how to reach the vendor: one [`pwchange::Settings`] merged from the
//! config file, the environment and the flags, handed to the facade's one configuration path.
//!
//! Precedence for each key, lowest first: the config file's `[<vendor>]` table, its
//! `[profiles.<profile>.<vendor>]` table, `PWCHANGE_<VENDOR>_<KEY>`, the flags. The config file
//! is `--config`, else `$PWCHANGE_CONFIG`, else `$XDG_CONFIG_HOME/pwchange/config.toml` (or
//! `~/.config/pwchange/config.toml`) if it exists; the profile is `--profile`, else
//! `$PWCHANGE_PROFILE`.
//!
//! ```toml
//! [<vendor>]
//! base_url = "https://idp.example.com"
//! token_file = "/run/secrets/idp-token"
//!
//! [profiles.staging.<vendor>]
//! base_url = "https://staging.idp.example.com"
//! ```

use std::path::{Path, PathBuf};

use pwchange::{Client, Error, ErrorKind, Settings, Vendor};

use crate::cli::TargetArgs;

/// The process environment as captured once: (name, value) pairs.
pub type Env = [(String, String)];

pub fn lookup<'a>(env: &'a Env, name: &str) -> Option<&'a str> {
    env.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidInput, message)
}

fn config_path(explicit: Option<&Path>, env: &Env) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_owned());
    }
    if let Some(path) = lookup(env, "PWCHANGE_CONFIG") {
        return Some(PathBuf::from(path));
    }
    let base = lookup(env, "XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| lookup(env, "HOME").map(|h| Path::new(h).join(".config")))?;
    let path = base.join("pwchange").join("config.toml");
    path.exists().then_some(path)
}

/// The 1-based line of byte `offset` in `text`.
/// The 1-based line and column (in characters) of byte `offset` in `text`.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Reads `table` (a vendor's table of the config file) into `settings`.
fn read_table(
    settings: &mut Settings,
    table: &toml::Table,
    path: &Path,
    where_: &str,
) -> Result<(), Error> {
    for (key, value) in table {
        let origin = format!("config file {} {where_} {key}", path.display());
        let text = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Float(f) => f.to_string(),
            _ => {
                return Err(invalid(format!(
                    "{origin}: expected a string, number or boolean"
                )));
            }
        };
        settings.set(key, text, origin);
    }
    Ok(())
}

/// Whether any table of the config file, at any depth, sets a key that is a secret for some
/// vendor (a token, a login's password or client secret).
fn holds_a_secret(table: &toml::Table) -> bool {
    let secret = |key: &str| {
        key == "token"
            || Vendor::ALL.into_iter().any(|vendor| {
                pwchange::keys(vendor)
                    .is_some_and(|keys| keys.iter().any(|k| k.name == key && k.secret))
            })
    };
    table.iter().any(|(key, value)| match value {
        toml::Value::Table(inner) => holds_a_secret(inner),
        _ => secret(key),
    })
}

/// The config file's settings for `vendor`: its `[<vendor>]` table, and the profile's table when
/// a profile is asked for (two layers: the profile's sits on top).
fn file_settings(
    vendor: Vendor,
    path: &Path,
    profile: Option<&str>,
) -> Result<(Settings, Settings), Error> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid(format!("cannot read the config file {shown}: {}", e.kind())))?;
    // The parser's own message quotes the offending line, which may hold a token: report the
    // position and the kind of problem only.
    let text = zeroize::Zeroizing::new(text);
    let document: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let (line, column) = e.span().map_or((0, 0), |span| position(&text, span.start));
        // The parser's first line says what is wrong; it is used only when it quotes nothing.
        let what = e
            .message()
            .lines()
            .next()
            .filter(|m| !m.contains(['`', '"', '\'']))
            .unwrap_or("syntax error");
        invalid(format!(
            "config file {shown} is not valid TOML at line {line}, column {column}: {what}"
        ))
    })?;
    // A file that steers where the passwords go is its owner's alone; one with a secret in it
    // is not for every user to read (as ssh treats its files).
    pwchange_core::files::refuse_if_others_can_write(
        path,
        "the config file",
        crate::hardening::effective_uid(),
    )?;
    if holds_a_secret(&document) {
        pwchange_core::files::refuse_if_others_can_read(path, "the config file")?;
    }
    let table_of = |value: Option<&toml::Value>, where_: &str| match value {
        None => Ok(None),
        Some(toml::Value::Table(table)) => Ok(Some(table.clone())),
        Some(_) => Err(invalid(format!(
            "config file {shown}: {where_} must be a table"
        ))),
    };
    let (mut settings, mut profile_settings) = (Settings::new(vendor), Settings::new(vendor));
    let name = vendor.name();
    if let Some(table) = table_of(document.get(name), &format!("[{name}]"))? {
        read_table(&mut settings, &table, path, &format!("[{name}]"))?;
    }
    if let Some(profile) = profile {
        let profiles = table_of(document.get("profiles"), "[profiles]")?.unwrap_or_default();
        let Some(profile_table) = table_of(profiles.get(profile), "a profile")? else {
            let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
            return Err(invalid(format!(
                "config file {shown} has no profile {profile:?} (profiles: {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )));
        };
        let where_ = format!("[profiles.{profile}.{name}]");
        if let Some(table) = table_of(profile_table.get(name), &where_)? {
            read_table(&mut profile_settings, &table, path, &where_)?;
        }
    }
    Ok((settings, profile_settings))
}

/// The vendor `--vendor` names; an error that says so when it names none.
pub fn vendor(args: &TargetArgs) -> Result<pwchange::Vendor, Error> {
    args.vendor.ok_or_else(|| {
        invalid("--vendor is required: name the vendor (`pwchange vendors` lists them)")
    })
}

/// The settings the flags give.
fn flag_settings(args: &TargetArgs) -> Result<Settings, Error> {
    let vendor = vendor(args)?;
    let mut settings = Settings::new(vendor);
    for pair in &args.settings {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(invalid("--setting takes KEY=VALUE, e.g. --setting api=v1"));
        };
        let key = key.trim().to_ascii_lowercase();
        let secret = pwchange::COMMON_KEYS
            .iter()
            .chain(pwchange::keys(vendor).unwrap_or_default())
            .any(|k| k.name == key && k.secret);
        if secret {
            return Err(invalid(format!(
                "--setting {key}=… would put a secret in the process list: set {} or {key} in the config file",
                Settings::env_name(vendor, &key)
            )));
        }
        settings.set(&key, value, format!("--setting {key}"));
    }
    if let Some(url) = &args.base_url {
        settings.set("base_url", url.clone(), "--base-url");
    }
    if let Some(path) = &args.token_file {
        settings.set("token_file", path.display().to_string(), "--token-file");
    }
    if let Some(org) = &args.organization_id {
        settings.set("organization_id", org.clone(), "--organization-id");
    }
    if let Some(secs) = args.timeout {
        settings.set("timeout_secs", secs.to_string(), "--timeout");
    }
    if let Some(path) = &args.ca_cert {
        settings.set("ca_file", path.display().to_string(), "--ca-cert");
    }
    if args.insecure_http {
        settings.set("allow_insecure_http", "true", "--insecure-http");
    }
    Ok(settings)
}

/// The merged settings for `args`: config file, profile, environment, flags.
pub fn settings(args: &TargetArgs, env: &Env) -> Result<Settings, Error> {
    let vendor = vendor(args)?;
    let profile = args
        .profile
        .clone()
        .or_else(|| lookup(env, "PWCHANGE_PROFILE").map(str::to_owned));
    let (file, profile) = match config_path(args.config.as_deref(), env) {
        Some(path) => file_settings(vendor, &path, profile.as_deref())?,
        None if profile.is_some() => {
            return Err(invalid(
                "a profile was asked for, but there is no config file: pass --config or set PWCHANGE_CONFIG",
            ));
        }
        None => (Settings::new(vendor), Settings::new(vendor)),
    };
    let mut settings = file;
    for layer in [
        profile,
        Settings::from_vars(vendor, env.iter().cloned()),
        flag_settings(args)?,
    ] {
        // A layer that sets any credential replaces all of the lower layers' credentials: a
        // token in the environment wins over a login in the config file, not "both are set".
        settings.layer(layer);
    }
    Ok(settings)
}

/// Builds the facade client for `args`.
pub fn client(args: &TargetArgs, env: &Env) -> Result<Client, Error> {
    Client::from_settings(settings(args, env)?)
}
