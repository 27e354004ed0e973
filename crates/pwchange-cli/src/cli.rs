// The command-line interface definition. Shared with build.rs (which generates the man page
// and shell completions from it), so it depends on clap and std only.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand, ValueEnum};
use pwchange_core::{ErrorKind, Vendor};

/// The exit code of each error kind: the one table `--help`, the man pages and the process's
/// exit status are made from. A kind not listed (a newer one) exits with 13, like `unexpected`.
pub const KIND_EXIT_CODES: [(ErrorKind, u8); 15] = [
    (ErrorKind::InvalidInput, 3),
    (ErrorKind::Unauthenticated, 4),
    (ErrorKind::PermissionDenied, 5),
    (ErrorKind::UserNotFound, 6),
    (ErrorKind::CurrentPasswordInvalid, 7),
    (ErrorKind::PolicyViolation, 8),
    (ErrorKind::PasswordReused, 9),
    (ErrorKind::RateLimited, 10),
    (ErrorKind::Unavailable, 11),
    (ErrorKind::Unsupported, 12),
    (ErrorKind::Unexpected, 13),
    (ErrorKind::Transport, 14),
    (ErrorKind::OutcomeUnknown, 15),
    (ErrorKind::VerificationFailed, 16),
    (ErrorKind::Storage, 17),
];

/// Exit 2: a usage error (clap's own code).
pub const EXIT_USAGE: u8 = 2;
/// Exit 20: a rotation finished, and some users failed or their outcome is unknown.
pub const EXIT_SOME_FAILED: u8 = 20;
/// Exit 21: a rotation was interrupted.
pub const EXIT_INTERRUPTED: u8 = 21;
/// Exit 22: a drift check found a user whose password the vendor refused.
pub const EXIT_DRIFT: u8 = 22;
/// Exit 23: a drift check found no drift, but could not check some users.
pub const EXIT_NOT_VERIFIABLE: u8 = 23;

/// Which exit statuses a command's help lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCodes {
    /// Every command's (the top level lists them all).
    All,
    /// A rotation's: a call's, a journal that cannot be written, and a rotation's own.
    Rotate,
    /// A drift check's: a call's, and drift's own.
    Drift,
    /// A command that changes or reads through the vendor, but is not a rotation.
    Call,
    /// A command that never calls a vendor.
    Local,
}

/// The exit statuses, as `--help` and the man pages show them (one line each: code, meaning).
pub fn exit_status_lines(which: ExitCodes) -> Vec<(u8, String)> {
    let mut lines = vec![
        (0, "success".to_owned()),
        (
            EXIT_USAGE,
            "a usage error (bad flags or arguments)".to_owned(),
        ),
    ];
    if which == ExitCodes::Local {
        return lines;
    }
    lines.extend(
        KIND_EXIT_CODES
            .iter()
            // Only a rotation keeps a file (its journal) that may fail to be written.
            .filter(|(kind, _)| {
                matches!(which, ExitCodes::All | ExitCodes::Rotate) || *kind != ErrorKind::Storage
            })
            .map(|(kind, code)| (*code, format!("{kind} ({})", kind_name(*kind)))),
    );
    if matches!(which, ExitCodes::All | ExitCodes::Rotate) {
        lines.push((
            EXIT_SOME_FAILED,
            "rotate: finished, and some users failed, are unsettled, or are not stored".to_owned(),
        ));
        lines.push((
            EXIT_INTERRUPTED,
            "rotate: interrupted (Ctrl-C, SIGTERM, SIGHUP); `pwchange rotate --resume` continues"
                .to_owned(),
        ));
    }
    if matches!(which, ExitCodes::All | ExitCodes::Drift) {
        lines.push((
            EXIT_DRIFT,
            "drift: the vendor refused a stored password (out_of_sync)".to_owned(),
        ));
        lines.push((
            EXIT_NOT_VERIFIABLE,
            "drift: nothing out of sync, but some users could not be checked".to_owned(),
        ));
    }
    lines
}

/// A kind's name as JSON output spells it (`"kind": "policy_violation"`).
pub fn kind_name(kind: ErrorKind) -> String {
    let debug = format!("{kind:?}");
    let mut name = String::with_capacity(debug.len() + 4);
    for (i, c) in debug.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_lowercase());
    }
    name
}

/// Each command's examples, `(command, [(what it does, the command line)])`: the `Examples:`
/// section of its `--help` and man page. `$VENDOR` is a vendor's name (`pwchange vendors` lists
/// them with their settings), `$URL` its base URL and `$USER` a user's id; the credentials come
/// from the environment (`PWCHANGE_<VENDOR>_TOKEN`) or the config file. A test parses every
/// line and runs those it can against a simulator (`tests/it/cli.rs`,
/// `every_example_parses_and_runs_where_it_can`).
pub const EXAMPLES: &[(&str, &[(&str, &str)])] = &[
    (
        "change",
        &[
            (
                "A user's own change: the current and the new password on standard input, one per line",
                "pwchange change --vendor $VENDOR --base-url $URL --user $USER --password-stdin",
            ),
            (
                "An administrator's set that requires a new password at the next login",
                "pwchange change --vendor $VENDOR --base-url $URL --user $USER --admin --require-change --password-stdin",
            ),
        ],
    ),
    (
        "rotate",
        &[
            (
                "What a rotation would do, without changing anything",
                "pwchange rotate --vendor $VENDOR --base-url $URL --admin --input users.csv --dry-run",
            ),
            (
                "Rotate as an administrator, the journal encrypted to an age recipient",
                "pwchange rotate --vendor $VENDOR --base-url $URL --admin --input users.csv --journal rotation.jsonl --recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
            ),
            (
                "Users from standard input, as JSON Lines",
                "pwchange rotate --vendor $VENDOR --base-url $URL --admin --input - --dry-run",
            ),
        ],
    ),
    (
        "policy",
        &[
            (
                "The password policy the vendor answers, as JSON (an error if it cannot be read)",
                "pwchange policy --vendor $VENDOR --base-url $URL --json",
            ),
            (
                "The vendor's documented rules, without a request",
                "pwchange policy --vendor $VENDOR --documented",
            ),
        ],
    ),
    (
        "demo",
        &[(
            "Every vendor's simulator, one change each, as JSON",
            "pwchange demo --json",
        )],
    ),
    (
        "drift",
        &[(
            "Check that each user of a journal still logs in with its password",
            "pwchange drift rotation.jsonl --identity age.key",
        )],
    ),
    (
        "journal status",
        &[(
            "Who is applied and who needs --resume (no key needed)",
            "pwchange journal status rotation.jsonl --users",
        )],
    ),
    (
        "journal export",
        &[(
            "The passwords the vendor holds, as CSV into a file only you can read",
            "pwchange journal export rotation.jsonl --identity age.key --output new.csv",
        )],
    ),
    (
        "schema",
        &[(
            "The JSON Schema of a line of rotate --json",
            "pwchange schema rotate",
        )],
    ),
    (
        "vendors",
        &[(
            "Every vendor's modes and settings, as JSON",
            "pwchange vendors --json",
        )],
    ),
    (
        "completions",
        &[(
            "Bash completions for this shell",
            "pwchange completions bash",
        )],
    ),
    ("man", &[("rotate's man page", "pwchange man rotate")]),
];

/// The `Examples:` section of `command`'s help.
fn examples_help(command: &str) -> String {
    let mut text = String::from("Examples:\n");
    for (name, examples) in EXAMPLES {
        if *name == command {
            for (what, line) in *examples {
                text.push_str(&format!("  # {what}\n  {line}\n"));
            }
        }
    }
    text
}

/// A command's `--help` footer: its examples, then its exit statuses.
fn help_footer(command: &str, which: ExitCodes) -> String {
    format!("{}\n{}", examples_help(command), exit_status_help(which))
}

/// The `--help` section that lists the exit statuses.
fn exit_status_help(which: ExitCodes) -> String {
    let mut text = String::from("Exit status:\n");
    for (code, meaning) in exit_status_lines(which) {
        text.push_str(&format!("  {code:<3} {meaning}\n"));
    }
    if which != ExitCodes::Local {
        text.push_str(
            "\nAn error whose outcome is unknown (the password may have changed) exits 15 whatever its\nkind. With --json, an error is also printed as JSON on stdout, with its kind, outcome and\nexit_code.",
        );
    }
    text
}

/// When to colour the output (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set (or TERM=dumb); CLICOLOR_FORCE forces it.
    #[default]
    Auto,
    /// Always, even into a pipe or a file.
    Always,
    /// Never.
    Never,
}

impl ColorWhen {
    /// Whether to colour a stream, given whether it is a terminal and the environment's
    /// NO_COLOR, CLICOLOR_FORCE and TERM (see <https://no-color.org>).
    pub fn enabled(self, terminal: bool, env: impl Fn(&str) -> Option<String>) -> bool {
        let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto if set("NO_COLOR") => false,
            ColorWhen::Auto if env("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") => {
                true
            }
            ColorWhen::Auto => terminal && env("TERM").as_deref() != Some("dumb"),
        }
    }

    /// The `--color` value among raw arguments, before clap parses them (so that clap's own
    /// errors and help follow it too); the last one wins, like clap's.
    pub fn from_raw_args<I: IntoIterator<Item = std::ffi::OsString>>(args: I) -> Self {
        let mut when = ColorWhen::Auto;
        let mut args = args.into_iter().skip(1);
        while let Some(arg) = args.next() {
            let Some(arg) = arg.to_str() else { continue };
            if arg == "--" {
                break;
            }
            let value = match arg.strip_prefix("--color") {
                Some("") => args.next().and_then(|v| v.into_string().ok()),
                Some(rest) => rest.strip_prefix('=').map(str::to_owned),
                None => None,
            };
            if let Some(parsed) =
                value.and_then(|v| <ColorWhen as ValueEnum>::from_str(&v, false).ok())
            {
                when = parsed;
            }
        }
        when
    }
}

/// Change user passwords on identity platforms (`pwchange vendors` lists them).
///
/// Passwords are never taken from the command line: they come from a no-echo prompt,
/// --password-stdin or --password-fd. Tokens and login secrets come from --token-file, the
/// environment (PWCHANGE_<VENDOR>_TOKEN, …) or the config file, in that order of precedence.
#[derive(Debug, Parser)]
#[command(
    name = "pwchange",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_long_help = exit_status_help(ExitCodes::All)
)]
pub struct Cli {
    /// Log what happens to stderr (-v info, -vv debug, -vvv trace). Logs never contain
    /// passwords or tokens.
    #[arg(
        short,
        long,
        global = true,
        action = clap::ArgAction::Count,
        conflicts_with = "quiet",
        help_heading = "Global options"
    )]
    pub verbose: u8,
    /// Print nothing but errors and what was asked for (a policy, a list, --json output): no
    /// progress, no per-user lines, no summary of a rotation that went well. The exit status
    /// tells the result.
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,
    /// When to colour the output.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t,
        value_name = "WHEN",
        help_heading = "Global options"
    )]
    pub color: ColorWhen,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Change one user's password.
    #[command(after_long_help = help_footer("change", ExitCodes::Call))]
    Change(ChangeArgs),
    /// Rotate the passwords of many users from a CSV or JSON Lines file.
    #[command(after_long_help = help_footer("rotate", ExitCodes::Rotate))]
    Rotate(RotateArgs),
    /// Print the vendor's password policy: read from the vendor where it has an API for it (a
    /// failed read is an error), else (or with --documented) its documented rules.
    #[command(after_long_help = help_footer("policy", ExitCodes::Call))]
    Policy(PolicyArgs),
    /// Start the embedded simulators and change a password on each vendor.
    #[command(after_long_help = help_footer("demo", ExitCodes::Call))]
    Demo(DemoArgs),
    /// Read a rotation's journal: what each user's state is, and the passwords the vendor
    /// holds.
    #[command(subcommand)]
    Journal(JournalCommand),
    /// Check for drift: log in once as each user of a journal with the password its store (or
    /// the journal) holds, changing nothing, and report each in_sync, out_of_sync or
    /// not_verifiable.
    #[command(after_long_help = help_footer("drift", ExitCodes::Drift))]
    Drift(DriftArgs),
    /// Print a JSON Schema: of a rotation input record (the default), of a journal's header
    /// (`pwchange schema journal`; its other lines are in `pwchange-rotate`'s docs), or of a
    /// line of `rotate --json` (`pwchange schema rotate`).
    #[command(after_long_help = help_footer("schema", ExitCodes::Local))]
    Schema {
        /// Whose schema.
        #[arg(value_enum, default_value_t = SchemaOf::Input)]
        of: SchemaOf,
    },
    /// List the vendors this build includes, with their modes and settings.
    #[command(after_long_help = help_footer("vendors", ExitCodes::Local))]
    Vendors {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print shell completions.
    #[command(after_long_help = help_footer("completions", ExitCodes::Local))]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print a man page (roff): pwchange(1), or with a command's name that command's, e.g.
    /// `pwchange man rotate | man -l -`.
    #[command(after_long_help = help_footer("man", ExitCodes::Local))]
    Man {
        /// The command whose page to print.
        #[arg(value_enum)]
        command: Option<ManPage>,
    },
}

/// `pwchange journal …`.
#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Each user's state by the journal's rule (applied, not applied, unsettled: needs
    /// `rotate --resume`), without any key: no password is read.
    #[command(after_long_help = help_footer("journal status", ExitCodes::Local))]
    Status(JournalStatusArgs),
    /// The password the vendor holds for each applied user, decrypted, as CSV or JSON Lines.
    /// Unsettled users are listed apart (on standard error), never with a guessed password,
    /// and the export exits 20.
    #[command(after_long_help = help_footer("journal export", ExitCodes::Local))]
    Export(JournalExportArgs),
}

#[derive(Debug, Args)]
pub struct JournalStatusArgs {
    /// The journal.
    #[arg(value_name = "JOURNAL")]
    pub journal: PathBuf,
    /// Print the status as JSON.
    #[arg(long)]
    pub json: bool,
    /// List every user with its state (by default only the counts and the users that need
    /// `--resume`).
    #[arg(long)]
    pub users: bool,
}

#[derive(Debug, Args)]
pub struct JournalExportArgs {
    /// The journal.
    #[arg(value_name = "JOURNAL")]
    pub journal: PathBuf,
    /// How to open its passwords.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// The key that authenticates the journal's lines (as for `rotate`): export hands out
    /// passwords, so every line is checked first.
    #[arg(long, value_name = "FILE", env = "PWCHANGE_JOURNAL_KEY_FILE")]
    pub journal_key: Option<PathBuf>,
    /// The output's format: `csv` (user_id,password,verified) or `jsonl`.
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
    /// Write the passwords to this secret store instead (`vault://MOUNT/PATH`, as `rotate
    /// --store`; `journal` for the one the journal names), check-and-set: on the version the
    /// rotation read where the journal has it, else only where the secret is absent, deleted
    /// or holds this password already. Anyone else's secret is reported as a conflict, not
    /// overwritten (unless --overwrite-store-conflicts).
    #[arg(long, value_name = "STORE", conflicts_with_all = ["output", "to_terminal", "format"])]
    pub store: Option<String>,
    /// With --store: write over the conflicts, check-and-set on their latest version.
    #[arg(long, requires = "store")]
    pub overwrite_store_conflicts: bool,
    /// Write to this file (created, mode 0600, never overwritten) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Print the passwords even when standard output is a terminal (where anyone behind you
    /// reads them, and the scrollback keeps them).
    #[arg(long)]
    pub to_terminal: bool,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The journal of the rotation whose users to check (its header names the vendor, the
    /// base URL, the input and the store).
    #[arg(value_name = "JOURNAL")]
    pub journal: PathBuf,
    /// Where the passwords to check come from: the journal's store (the default when it names
    /// one), or the journal itself (`journal`: needs --identity or the passphrase).
    #[arg(long, value_enum)]
    pub source: Option<DriftSource>,
    /// How to open the journal's passwords (with `--source journal`).
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// The key that authenticates the journal's lines (as for `rotate`).
    #[arg(long, value_name = "FILE", env = "PWCHANGE_JOURNAL_KEY_FILE")]
    pub journal_key: Option<PathBuf>,
    /// The most logins in flight at once (as `rotate --concurrency`).
    #[arg(long, default_value = "auto", value_name = "N|auto")]
    pub concurrency: Cap<usize>,
    /// The most logins started per second (as `rotate --rate`). A refused login counts
    /// towards the vendor's lockout: pace it as the vendor's lockout policy allows.
    #[arg(long, default_value = "auto", value_name = "PER_SEC|auto")]
    pub rate: Cap<f64>,
    /// Print one JSON line per user, then the counts.
    #[arg(long)]
    pub json: bool,
    /// Where the vendor is and how to reach it (by default the journal's vendor and base URL).
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Where `pwchange drift` takes the passwords it checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DriftSource {
    /// The latest version of each user's secret in the journal's store.
    Store,
    /// The journal's own record of the password the vendor holds.
    Journal,
}

/// How a journal's encrypted passwords are opened: an identity file, else its passphrase.
#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// An age identity file (`age-keygen` writes one) or an unencrypted SSH private key, of
    /// one of the journal's recipients. A journal written with --passphrase asks for its
    /// passphrase instead ($PWCHANGE_JOURNAL_PASSPHRASE, else a prompt).
    #[arg(
        long,
        short = 'i',
        value_name = "FILE",
        env = "PWCHANGE_JOURNAL_IDENTITY_FILE"
    )]
    pub identity: Option<PathBuf>,
}

/// The documents `pwchange schema` describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaOf {
    /// A rotation input record (CSV row or JSON line).
    Input,
    /// A journal's header line.
    Journal,
    /// A line of `rotate --json` (a user's result or the summary, told apart by `type`).
    Rotate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

/// The commands with a man page of their own, `pwchange-<command>(1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ManPage {
    Change,
    Rotate,
    Policy,
    Demo,
    Journal,
    Drift,
    Schema,
    Vendors,
    Completions,
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
#[command(next_help_heading = "Vendor options")]
pub struct TargetArgs {
    /// The vendor (`pwchange vendors` lists them with their settings). Required, but by
    /// `rotate --resume`, which takes it from the journal.
    #[arg(long, value_enum)]
    pub vendor: Option<Vendor>,
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
    /// Where the vendor is and how to authenticate.
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The users: CSV with a header (user_id[,current_password][,login_name]) or JSON Lines
    /// ({"user_id": …, "current_password": …}); by extension, .csv or .jsonl; `-` reads
    /// standard input (JSON Lines if it starts with `{`). Every record has a current password
    /// (self-service), or none with --admin. Current passwords are secrets: pipe them in
    /// (`--input -`) rather than leave them in a file. With --resume: the journal's, unless
    /// given.
    #[arg(long, value_name = "PATH", required_unless_present = "resume")]
    pub input: Option<PathBuf>,
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
    /// The journal: every generated password is written here (mode 0600, fsync), encrypted
    /// (--recipient, --recipients-file or --passphrase), before it is sent. Keep it and the
    /// identity: together they are the only copy of the new passwords (`pwchange journal
    /// export` reads them). Not needed with --dry-run.
    #[arg(long, value_name = "PATH", required_unless_present = "dry_run")]
    pub journal: Option<PathBuf>,
    /// Encrypt the journal's passwords to this age recipient: an `age1…` public key
    /// (`age-keygen`) or an SSH public key (`ssh-ed25519 …`); repeatable. Any one's identity
    /// decrypts (`age -d -i key.txt`).
    #[arg(long, short = 'r', value_name = "RECIPIENT", conflicts_with_all = ["passphrase", "insecure_plaintext_journal"])]
    pub recipient: Vec<String>,
    /// Encrypt the journal's passwords to the recipients of this file (one per line, `#`
    /// comments: as `age -R`); repeatable.
    #[arg(long, short = 'R', value_name = "PATH", conflicts_with_all = ["passphrase", "insecure_plaintext_journal"])]
    pub recipients_file: Vec<PathBuf>,
    /// Encrypt the journal's passwords with a passphrase: $PWCHANGE_JOURNAL_PASSPHRASE, else
    /// asked twice on the terminal.
    #[arg(long, conflicts_with = "insecure_plaintext_journal")]
    pub passphrase: bool,
    /// Write the new passwords in clear text: whoever can read the journal (a backup, a copy)
    /// reads every password. Only for test rigs.
    #[arg(long)]
    pub insecure_plaintext_journal: bool,
    /// With --resume: how to open the journal's passwords.
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// Write each applied password to this secret store, after the vendor's change:
    /// `vault://MOUNT/PATH`, e.g. `vault://secret/pwchange/{vendor}/{user_id}` (a HashiCorp
    /// Vault or OpenBao KV version 2 mount; the path must hold {user_id}). The server and the
    /// credentials are Vault's variables: VAULT_ADDR, VAULT_TOKEN (or
    /// PWCHANGE_STORE_TOKEN_FILE, ~/.vault-token, or an AppRole: PWCHANGE_STORE_ROLE_ID with
    /// PWCHANGE_STORE_SECRET_ID_FILE), VAULT_CACERT, VAULT_NAMESPACE (or their BAO_ names).
    /// Writes are check-and-set on the version read before the change; a password the store
    /// did not take stays in the journal and --resume writes it. With --resume: the journal's.
    #[arg(long, value_name = "STORE", env = "PWCHANGE_STORE")]
    pub store: Option<String>,
    /// Write over a secret someone else wrote after the rotation read it (a conflict),
    /// check-and-set on its latest version, instead of reporting it: for a --resume after
    /// comparing the two (the vendor holds the journal's password).
    #[arg(long)]
    pub overwrite_store_conflicts: bool,
    /// The key that authenticates the journal's entries (HMAC-SHA256, each chained to the one
    /// before), so that `--resume` refuses a journal someone else edited or extended. Default:
    /// `$XDG_CONFIG_HOME/pwchange/journal.key` (or `~/.config/pwchange/journal.key`), created
    /// (mode 0600) by the first rotation. Keep it only your user can read.
    #[arg(long, value_name = "FILE", env = "PWCHANGE_JOURNAL_KEY_FILE")]
    pub journal_key: Option<PathBuf>,
    /// Check everything and print the plan, but change nothing: read and check the whole
    /// input, read the vendor's password policy, check the credentials with a harmless
    /// request where the vendor has one. Writes no journal.
    #[arg(long, conflicts_with = "resume")]
    pub dry_run: bool,
    /// Continue an interrupted rotation from its journal: without --vendor, the vendor, base
    /// URL and mode are the journal's; without --input, its input file. A flag that disagrees
    /// with the journal is refused. Only the users it does not record as applied are sent.
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
    /// Print one JSON line per user (`"type": "result"`), then the summary (`"type":
    /// "summary"`); `pwchange schema rotate` describes both.
    #[arg(long)]
    pub json: bool,
    /// Where the vendor is and how to authenticate.
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Print the policy as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print the vendor's documented rules, without a request (by default the policy is read
    /// from the vendor, and a failed read is an error).
    #[arg(long)]
    pub documented: bool,
    /// Where the vendor is and how to authenticate.
    #[command(flatten)]
    pub target: TargetArgs,
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
