//! Exit codes, hints, colour and error output.
//!
//! The exit codes are [`crate::cli::KIND_EXIT_CODES`] and the constants beside it; `--help` and
//! the man pages list them from the same table (`pwchange --help` shows them all).

use std::io::IsTerminal as _;

use pwchange::{Error, ErrorKind};
use serde_json::json;

use crate::cli::{self, ColorWhen};

/// How this process writes for people: colour per stream, and `--quiet`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Console {
    /// `--quiet`: nothing but errors and what was asked for.
    pub quiet: bool,
    /// Colour on standard output.
    pub color_stdout: bool,
    /// Colour on standard error.
    pub color_stderr: bool,
}

impl Console {
    /// The console for `--color`/`--quiet`, given the process environment.
    pub fn new(when: ColorWhen, quiet: bool, env: &[(String, String)]) -> Self {
        let var = |name: &str| {
            env.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        Self {
            quiet,
            color_stdout: when.enabled(std::io::stdout().is_terminal(), var),
            color_stderr: when.enabled(std::io::stderr().is_terminal(), var),
        }
    }

    /// `label` in bold red on standard error (when colour is on there): "error".
    pub fn error_label(&self, label: &str) -> String {
        paint(label, console::Style::new().red().bold(), self.color_stderr)
    }

    /// `label` in bold on standard error: "hint".
    pub fn note_label(&self, label: &str) -> String {
        paint(label, console::Style::new().bold(), self.color_stderr)
    }

    /// A count on standard output: red and bold when it is a failure count above zero, green
    /// when it is a success count above zero.
    pub fn count(&self, count: usize, bad: bool) -> String {
        let style = match (count, bad) {
            (0, _) => console::Style::new(),
            (_, true) => console::Style::new().red().bold(),
            (_, false) => console::Style::new().green(),
        };
        paint(&count.to_string(), style, self.color_stdout)
    }
}

fn paint(text: &str, style: console::Style, enabled: bool) -> String {
    style.force_styling(enabled).apply_to(text).to_string()
}

/// The exit code of a failed change ([`cli::KIND_EXIT_CODES`]; 13 for a kind it lacks).
pub fn exit_code(kind: ErrorKind) -> u8 {
    cli::KIND_EXIT_CODES
        .iter()
        .find(|(listed, _)| *listed == kind)
        .map_or(13, |(_, code)| *code)
}

/// What to do next about `error`: for a setting the configuration lacks, where to set it (its
/// flag, its environment variable, the config file); else its kind's [`hint_for`].
pub fn hint(error: &Error) -> String {
    match (error.kind(), error.setting(), error.vendor()) {
        (ErrorKind::InvalidInput, Some(setting), Some(vendor)) => setting_hint(vendor, setting),
        _ => hint_for(error.kind(), error.vendor()).to_owned(),
    }
}

/// Where to set `setting` of `vendor`: the flag (a secret has none: it would show in the
/// process list), the environment variable and the config file's table.
fn setting_hint(vendor: pwchange::Vendor, setting: &str) -> String {
    let env = pwchange::Settings::env_name(vendor, setting);
    let secret = pwchange::COMMON_KEYS
        .iter()
        .chain(pwchange::keys(vendor).unwrap_or_default())
        .any(|key| key.name == setting && key.secret);
    let flag = match setting {
        "base_url" => Some("--base-url URL".to_owned()),
        "token" | "token_file" => Some("--token-file PATH (a file holding the token)".to_owned()),
        "organization_id" => Some("--organization-id ID".to_owned()),
        "timeout_secs" => Some("--timeout SECS".to_owned()),
        _ if secret => None,
        other => Some(format!("--setting {other}=VALUE")),
    };
    let file = format!("`{setting} = \"…\"` in the config file's [{vendor}] table");
    match flag {
        Some(flag) => {
            format!("the configuration lacks {setting}: set it with {flag}, {env}, or {file}")
        }
        None => format!(
            "the configuration lacks {setting}, a secret (never a flag): set {env}, or {file}"
        ),
    }
}

/// What to do next, knowing the vendor where the error names one (a vendor that acts in an
/// organization gets that named as a cause of a refusal).
pub fn hint_for(kind: ErrorKind, vendor: Option<pwchange::Vendor>) -> &'static str {
    let organization = vendor
        .and_then(pwchange::keys)
        .is_some_and(|keys| keys.iter().any(|key| key.name == "organization_id"));
    match kind {
        ErrorKind::InvalidInput => "fix the input named above and run the command again",
        ErrorKind::Unauthenticated => {
            "check the credentials (a token: --token-file, PWCHANGE_<VENDOR>_TOKEN or the config file; or the vendor's login, see `pwchange vendors`); a token may have expired"
        }
        ErrorKind::PermissionDenied if organization => {
            "check the organization (--organization-id): the user must belong to it; else the credentials lack the permission to change this password"
        }
        ErrorKind::PermissionDenied => {
            "the credentials' user or application lacks the permission to change this password"
        }
        ErrorKind::UserNotFound if organization => {
            "check the user id and the organization (--organization-id)"
        }
        ErrorKind::UserNotFound => "check the user id",
        ErrorKind::CurrentPasswordInvalid => {
            "the current password is wrong (with --reset-code: the verification code is wrong, expired or used); nothing was changed"
        }
        ErrorKind::PolicyViolation => {
            "choose a new password that meets the vendor's password policy"
        }
        ErrorKind::PasswordReused => "choose a new password that was not used before",
        ErrorKind::RateLimited => "wait (see Retry-After) and try again",
        ErrorKind::Unavailable => "the service is down or overloaded; try again later",
        ErrorKind::Unsupported => "this vendor cannot do what was asked; see the message",
        ErrorKind::Transport => {
            "the request never reached the vendor: check the base URL and the network, then retry"
        }
        ErrorKind::OutcomeUnknown => {
            "the password may or may not have changed: log in with the new password to find out before retrying"
        }
        ErrorKind::Storage => {
            "free space on the disk named above (or fix its I/O error), then run again with --resume: every password that was sent is in the journal"
        }
        ErrorKind::VerificationFailed => {
            "the vendor does not accept the new password now: either password may be the one it holds (a locked account refuses both); keep the new one, and settle it by logging in with it later"
        }
        _ => "the vendor answered something unexpected; report it with the message above",
    }
}

/// `value` as one line of JSON for standard output: serialised, with the characters
/// `serde_json` leaves raw that could drive a terminal (DEL, C1 and bidi controls, U+2028)
/// escaped as `\uXXXX` ([`pwchange_core::vendor_text::escape_json`]). A JSON reader sees the
/// same value.
pub fn json_line(value: &impl serde::Serialize) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned());
    pwchange_core::vendor_text::escape_json(&json).into_owned()
}

/// The error as a JSON object (no secrets: the facade's errors carry none).
pub fn error_json(error: &Error) -> serde_json::Value {
    json!({
        "ok": false,
        "vendor": error.vendor().map(|v| v.name()),
        "kind": error.kind(),
        "temporary": error.is_temporary(),
        "status": error.status(),
        "vendor_code": error.vendor_code(),
        "message": error.to_string(),
        "vendor_messages": error.vendor_messages(),
        "vendor_fields": error
            .vendor_fields()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), serde_json::Value::from(value)))
            .collect::<serde_json::Map<_, _>>(),
        "retry_after_secs": error.retry_after().map(|d| d.as_secs()),
        "hint": hint(error),
        "setting": error.setting(),
        "outcome": error.outcome(),
        "exit_code": exit_code_of(error),
    })
}

/// The exit code of `error`: its kind's, except that an error whose outcome is unknown (a
/// verification login refused for the credentials after a change that may have applied) exits
/// as `outcome_unknown` (15) whatever its kind: what a script must not miss is that the password
/// may have changed. A refused verification login keeps its own code (16).
pub fn exit_code_of(error: &Error) -> u8 {
    match error.kind() {
        ErrorKind::VerificationFailed => exit_code(ErrorKind::VerificationFailed),
        _ if error.may_have_applied() => exit_code(ErrorKind::OutcomeUnknown),
        kind => exit_code(kind),
    }
}

/// Prints the error (JSON on stdout, or text on stderr) and returns its exit code.
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub fn report(error: &Error, json: bool, console: &Console) -> u8 {
    report_with(error, json, console, &hint(error))
}

/// What to do about an error of the secret store (`--store`), whatever its kind: nothing was
/// changed at the vendor because of it.
pub const STORE_HINT: &str = "the secret store refused or failed before any change: check VAULT_ADDR, the token or AppRole (VAULT_TOKEN, PWCHANGE_STORE_TOKEN_FILE, PWCHANGE_STORE_ROLE_ID), its policy (create, read, update on the secrets' paths), the mount (a KV version 2 engine) and VAULT_CACERT";

/// [`report`] for an error of the secret store, before anything was changed.
pub fn report_store(error: &Error, json: bool, console: &Console) -> u8 {
    report_with(error, json, console, STORE_HINT)
}

fn report_with(error: &Error, json: bool, console: &Console, hint: &str) -> u8 {
    if json {
        // A standard output that is gone (a rotation's reader went away) does not turn the
        // error into a panic: the exit code still says what happened.
        use std::io::Write as _;
        let mut line = error_json(error);
        line["hint"] = json!(hint);
        let _ = writeln!(std::io::stdout(), "{}", json_line(&line));
    } else {
        eprintln!("{}: {error}", console.error_label("error"));
        eprintln!("{}: {hint}", console.note_label("hint"));
    }
    exit_code_of(error)
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory as _, ValueEnum as _};

    use super::*;
    use crate::cli::{Cli, ColorWhen, ExitCodes, KIND_EXIT_CODES, ManPage};

    /// What to do next, for no vendor in particular.
    fn hint(kind: ErrorKind) -> &'static str {
        hint_for(kind, None)
    }

    /// Issue #27: an error whose outcome is unknown exits 15 and says so in JSON, whatever its
    /// kind; a refused verification login keeps 16.
    #[test]
    fn an_unknown_outcome_exits_15_whatever_the_kind() {
        let denied = Error::new(ErrorKind::PermissionDenied, "refused for the token")
            .with_outcome(pwchange::Outcome::Unknown);
        assert_eq!(exit_code_of(&denied), 15);
        assert_eq!(error_json(&denied)["outcome"], "unknown");
        assert_eq!(error_json(&denied)["exit_code"], 15);
        assert_eq!(error_json(&denied)["kind"], "permission_denied");
        let plain = Error::new(ErrorKind::PermissionDenied, "refused");
        assert_eq!(exit_code_of(&plain), 5);
        assert_eq!(error_json(&plain)["outcome"], "not_applied");
        let login = Error::new(ErrorKind::VerificationFailed, "refused");
        assert_eq!(exit_code_of(&login), 16);
    }

    /// Issue #35: a JSON line leaves no character raw that can drive a terminal (serde_json
    /// leaves DEL, C1, bidi controls and U+2028 raw), and reads back the same.
    #[test]
    fn json_lines_escape_what_serde_json_leaves_raw() {
        let hostile = "a\u{7f}b\u{9b}31m\u{202e}c\u{2028}d\u{1b}[2J";
        let value = serde_json::json!({ "message": hostile });
        let line = json_line(&value);
        assert!(
            !line.chars().any(pwchange_core::vendor_text::is_unsafe),
            "{line:?}"
        );
        assert!(
            line.contains("\\u009b") && line.contains("\\u202e"),
            "{line}"
        );
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back, value);
        let error = Error::new(ErrorKind::Unsupported, "x")
            .with_vendor_field("providerType", hostile)
            .redact(&pwchange::Redactor::new());
        let json = error_json(&error);
        assert_eq!(
            json["vendor_fields"]["providerType"],
            "a\\u{7f}b\\u{9b}31m\\u{202e}c\\u{2028}d\\u{1b}[2J"
        );
    }

    #[test]
    fn every_kind_is_in_the_table() {
        for kind in ErrorKind::ALL {
            assert!(
                KIND_EXIT_CODES.iter().any(|(listed, _)| *listed == kind),
                "{kind:?} has no exit code"
            );
        }
        assert_eq!(KIND_EXIT_CODES.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn every_kind_has_its_own_code_and_its_json_name_in_the_help() {
        let mut codes: Vec<u8> = KIND_EXIT_CODES.iter().map(|(_, code)| *code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), KIND_EXIT_CODES.len(), "a code used twice");
        for (kind, code) in KIND_EXIT_CODES {
            assert_eq!(exit_code(kind), code);
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(cli::kind_name(kind)),
                "{kind:?}"
            );
            assert!(
                cli::exit_status_lines(ExitCodes::All)
                    .iter()
                    .any(|(listed, text)| *listed == code && text.contains(&cli::kind_name(kind))),
                "{kind:?}"
            );
        }
        let fixed = [0, cli::EXIT_USAGE];
        let rotation = [
            cli::EXIT_SOME_FAILED,
            cli::EXIT_INTERRUPTED,
            cli::EXIT_DRIFT,
            cli::EXIT_NOT_VERIFIABLE,
        ];
        for code in fixed.iter().chain(&rotation) {
            assert!(!codes.contains(code), "{code} is also a kind's");
        }
        let listed = |which| -> Vec<u8> {
            cli::exit_status_lines(which)
                .into_iter()
                .map(|(code, _)| code)
                .collect()
        };
        assert_eq!(listed(ExitCodes::Local), fixed);
        assert!(
            rotation
                .iter()
                .all(|code| listed(ExitCodes::All).contains(code))
        );
        assert!(
            !rotation
                .iter()
                .any(|code| listed(ExitCodes::Call).contains(code))
        );
    }

    #[test]
    fn a_man_page_for_every_command() {
        let commands: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|sub| sub.get_name().to_owned())
            .collect();
        let pages: Vec<String> = ManPage::value_variants()
            .iter()
            .filter_map(|page| Some(page.to_possible_value()?.get_name().to_owned()))
            .collect();
        assert_eq!(commands, pages);
        Cli::command().debug_assert();
    }

    #[test]
    fn the_color_flag_is_read_before_clap_parses() {
        let raw = |line: &str| ColorWhen::from_raw_args(line.split(' ').map(Into::into));
        assert_eq!(raw("pwchange change"), ColorWhen::Auto);
        assert_eq!(raw("pwchange --color never change"), ColorWhen::Never);
        assert_eq!(raw("pwchange change --color=always"), ColorWhen::Always);
        assert_eq!(
            raw("pwchange --color=never change --color always"),
            ColorWhen::Always
        );
        // A bad value is clap's to refuse; after `--` it is an argument.
        assert_eq!(raw("pwchange --color=sometimes"), ColorWhen::Auto);
        assert_eq!(raw("pwchange -- --color always"), ColorWhen::Auto);
    }

    #[test]
    fn hints_name_the_organization_only_for_vendors_that_act_in_one() {
        let with = pwchange::Vendor::ALL.into_iter().filter(|v| {
            pwchange::keys(*v).is_some_and(|k| k.iter().any(|k| k.name == "organization_id"))
        });
        let without = pwchange::Vendor::ALL.into_iter().filter(|v| {
            pwchange::keys(*v).is_some_and(|k| !k.iter().any(|k| k.name == "organization_id"))
        });
        for vendor in with {
            let hint = hint_for(ErrorKind::PermissionDenied, Some(vendor));
            assert!(hint.contains("--organization-id"), "{vendor}: {hint}");
        }
        for vendor in without {
            let hint = hint_for(ErrorKind::PermissionDenied, Some(vendor));
            assert!(!hint.contains("organization"), "{vendor}: {hint}");
        }
        assert!(!hint(ErrorKind::UserNotFound).contains("organization"));
    }

    #[test]
    fn every_kind_has_its_own_hint_and_the_json_error_says_it() {
        let hints: Vec<&str> = KIND_EXIT_CODES
            .iter()
            .map(|(kind, _)| hint(*kind))
            .collect();
        let mut distinct = hints.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), hints.len(), "{hints:#?}");
        assert!(hints.iter().all(|hint| hint.len() > 10), "{hints:#?}");
        let organization = pwchange::Vendor::ALL.into_iter().find(|v| {
            pwchange::keys(*v).is_some_and(|k| k.iter().any(|k| k.name == "organization_id"))
        });
        if let Some(vendor) = organization {
            let hint = hint_for(ErrorKind::UserNotFound, Some(vendor));
            assert!(hint.contains("--organization-id"), "{hint}");
        }
        let error = Error::new(ErrorKind::PolicyViolation, "too short");
        let json = error_json(&error);
        assert_eq!(json["ok"], false);
        assert_eq!(json["kind"], "policy_violation");
        assert_eq!(json["exit_code"], 8);
        assert_eq!(json["hint"], hint(ErrorKind::PolicyViolation));
        assert_eq!(json["message"], error.to_string());
        assert_eq!(report(&error, true, &Console::default()), 8);
        assert_eq!(report(&error, false, &Console::default()), 8);
    }

    #[test]
    fn colour_only_where_it_is_on() {
        let on = Console {
            quiet: false,
            color_stdout: true,
            color_stderr: true,
        };
        let off = Console::default();
        assert!(on.error_label("error").contains("\u{1b}["));
        assert!(on.error_label("error").contains("error"));
        assert_eq!(off.error_label("error"), "error");
        assert!(on.note_label("hint").contains("\u{1b}[1m"));
        assert_eq!(off.note_label("hint"), "hint");
        assert_eq!(off.count(3, true), "3");
        assert_eq!(on.count(0, true), "0");
        assert!(on.count(3, true).contains("\u{1b}[31"));
        assert!(on.count(3, false).contains("\u{1b}[32"));
    }
}
