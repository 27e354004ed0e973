// The command-line interface definition. Shared with build.rs (which generates the man page
// and shell completions from it), so it depends on clap and std only.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand, ValueEnum};
use pwchange_core::Vendor;

/// Change user passwords on identity platforms (`pwchange vendors` lists them).
///
/// Passwords are never taken from the command line: they come from a no-echo prompt,
/// --password-stdin or --password-fd. Tokens and login secrets come from --token-file, the
/// environment (PWCHANGE_<VENDOR>_TOKEN, …) or the config file, in that order of precedence.
#[derive(Debug, Parser)]
#[command(name = "pwchange", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// Log what happens to stderr (-v info, -vv debug, -vvv trace). Logs never contain
    /// passwords or tokens.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Change one user's password.
    Change(ChangeArgs),
    /// Rotate the passwords of many users from a CSV or JSON Lines file.
    Rotate(RotateArgs),
    /// Print the vendor's password policy: read from the vendor where it has an API for it,
    /// else its documented rules.
    Policy(PolicyArgs),
    /// Start the embedded simulators and change a password on each vendor.
    Demo(DemoArgs),
    /// Print the JSON Schema of a rotation input record.
    Schema,
    /// List the vendors this build includes, with their settings.
    Vendors {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print shell completions.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

/// Where to reach the vendor and how to authenticate. Every setting is a key of the facade's
/// configuration (`pwchange vendors` lists them); each comes from a flag, else
/// `PWCHANGE_<VENDOR>_<KEY>`, else the config file's `[profiles.<profile>.<vendor>]` table, else
/// its `[<vendor>]` table.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The vendor (`pwchange vendors` lists them with their settings).
    #[arg(long, value_enum)]
    pub vendor: Vendor,
    /// The vendor's base URL (setting base_url).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Read the bearer token from this file's first line (setting token_file).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// The organization, for vendors that act in one (setting organization_id).
    #[arg(long, value_name = "ID")]
    pub organization_id: Option<String>,
    /// Any other non-secret setting of the vendor, as KEY=VALUE (repeatable), e.g.
    /// `--setting api=v1`. Secrets (tokens, passwords, client secrets) are refused here: they
    /// would be visible in the process list; use the environment or the config file.
    #[arg(long = "setting", short = 's', value_name = "KEY=VALUE")]
    pub settings: Vec<String>,
    /// Request timeout in seconds (setting timeout_secs).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Trust the CA certificates of this PEM file besides the system's roots (setting
    /// ca_file), for a vendor behind a private CA.
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,
    /// Allow plain http to a non-loopback host (setting allow_insecure_http; test rigs only:
    /// passwords travel in clear text).
    #[arg(long)]
    pub insecure_http: bool,
    /// Config file (TOML). Default: $PWCHANGE_CONFIG, then
    /// $XDG_CONFIG_HOME/pwchange/config.toml or ~/.config/pwchange/config.toml.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The config file's profile to use (its `[profiles.<NAME>.<vendor>]` table). Default:
    /// $PWCHANGE_PROFILE.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

#[derive(Debug, Args)]
pub struct ChangeArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// The user's id in the vendor's form.
    #[arg(long, value_name = "ID")]
    pub user: String,
    /// Set the password as an administrator (no current password).
    #[arg(long, conflicts_with = "reset_code")]
    pub admin: bool,
    /// Reset the password with the verification code the user received from the vendor's
    /// password reset (read like a password, instead of the current password).
    #[arg(long)]
    pub reset_code: bool,
    /// With --admin: the user must change the password at the next login.
    #[arg(long, requires = "admin")]
    pub require_change: bool,
    /// Do not check the new password against the vendor's password policy before sending
    /// (the vendor still checks it).
    #[arg(long)]
    pub no_policy_check: bool,
    /// Read the passwords from standard input, one per line: the current one (or with
    /// --reset-code the verification code; nothing with --admin), then the new one.
    #[arg(long, conflicts_with = "password_fd")]
    pub password_stdin: bool,
    /// Read the passwords from this open file descriptor, like --password-stdin.
    #[arg(long, value_name = "FD")]
    pub password_fd: Option<u32>,
    /// Do not log in with the new password after the change (by default pwchange does, once,
    /// where the vendor allows, and reports "changed" only when the change is proven).
    #[arg(long)]
    pub no_verify: bool,
    /// The name the user logs in with, for the verification login of vendors that need one
    /// besides the id (a screen name, user@org: see each vendor's `verification` in `pwchange
    /// vendors`).
    #[arg(long, value_name = "NAME")]
    pub login_name: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// The users: CSV with a header (user_id[,current_password][,login_name]) or JSON Lines
    /// ({"user_id": …, "current_password": …}); by extension, .csv or .jsonl. Every record has
    /// a current password (self-service), or none with --admin.
    #[arg(long, value_name = "PATH")]
    pub input: PathBuf,
    /// Set the passwords as an administrator (the input has no current passwords).
    #[arg(long)]
    pub admin: bool,
    /// Do not ask before starting (required when standard input is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Do not log in with each new password after its change (by default pwchange does, once
    /// per user, where the vendor allows; the journal then says `verified`).
    #[arg(long)]
    pub no_verify: bool,
    /// The journal: every generated password is written here (mode 0600, fsync) before it is
    /// sent. Keep it: it is the only copy of the new passwords. Not needed with --dry-run.
    #[arg(long, value_name = "PATH", required_unless_present = "dry_run")]
    pub journal: Option<PathBuf>,
    /// Check everything and print the plan, but change nothing: read and check the whole
    /// input, read the vendor's password policy, check the credentials with a harmless
    /// request where the vendor has one. Writes no journal.
    #[arg(long, conflicts_with = "resume")]
    pub dry_run: bool,
    /// Continue an interrupted rotation from its journal.
    #[arg(long)]
    pub resume: bool,
    /// The most changes in flight at once: `auto` (up to 256) or a number. Within it, the
    /// number adapts to the vendor: it grows while changes succeed and shrinks when the vendor
    /// answers 429 or 503, whose changes are retried with the same password after the
    /// vendor's Retry-After or a jittered backoff.
    #[arg(long, default_value = "auto", value_name = "N|auto")]
    pub concurrency: Cap<usize>,
    /// The most changes started per second: `auto` (or 0: no cap; the vendor's 429s set the
    /// pace) or a number.
    #[arg(long, default_value = "auto", value_name = "PER_SEC|auto")]
    pub rate: Cap<f64>,
    /// Length of generated passwords. Default: 20, or the policy's minimum when it is longer;
    /// checked against the vendor's password policy (`pwchange policy`).
    #[arg(long, value_name = "N")]
    pub length: Option<usize>,
    /// Character classes of generated passwords, each used at least once. Default: all four;
    /// must include every class the vendor's password policy requires.
    #[arg(long, value_delimiter = ',', value_name = "CLASSES")]
    pub classes: Option<Vec<CharClass>>,
    /// With --admin: users must change the password at the next login.
    #[arg(long, requires = "admin")]
    pub require_change: bool,
    /// Print one JSON result record per user, then a JSON summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Print the policy as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CharClass {
    Lower,
    Upper,
    Digit,
    Symbol,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A `--concurrency` or `--rate` cap: `auto` (none: the window adapts alone) or a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cap<T> {
    /// No cap.
    Auto,
    /// At most this.
    At(T),
}

impl FromStr for Cap<usize> {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if text == "auto" {
            return Ok(Cap::Auto);
        }
        match text.parse::<usize>() {
            Ok(n) if n > 0 => Ok(Cap::At(n)),
            _ => Err("must be `auto` or a whole number of changes in flight, at least 1".into()),
        }
    }
}

impl FromStr for Cap<f64> {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if text == "auto" {
            return Ok(Cap::Auto);
        }
        match text.parse::<f64>() {
            Ok(0.0) => Ok(Cap::Auto),
            // One start in 1000 s at the slowest: the spacing must fit a timer.
            Ok(rate) if rate.is_finite() && rate >= 0.001 => Ok(Cap::At(rate)),
            _ => Err(
                "must be `auto` (or 0: no cap) or a finite number of changes started per second, at least 0.001"
                    .into(),
            ),
        }
    }
}
