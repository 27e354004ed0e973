//! `pwchange rotate`: the command-line front end of [`pwchange_rotate`]: arguments, the
//! journal's encryption flags, the plan shown and confirmed, a progress bar or one line per
//! user, the summary, signals and exit statuses. The engine (journal, pacing, settling,
//! resume) is the library's; its module docs say what a run does.
//!
//! Ctrl-C, SIGTERM and SIGHUP cancel the run ([`pwchange_rotate::Control::cancel`]): nothing
//! more is launched or retried, the changes in flight get [`pwchange_rotate::GRACE`] to finish
//! (a second signal abandons them at once; an abandoned change's password stays pending in the
//! journal), the summary is printed and the run exits 21. A journal write that fails ends the
//! run with that error (kind `storage`, exit 17).
//!
//! Test hook, in builds with debug assertions only (a release binary ignores it): with
//! `PWCHANGE_FAULT_EXIT_AFTER_PENDING=N` the process exits (code 99) right after the N-th fresh
//! password of this run is journaled, before it is sent (the library's `Journaled` event): a
//! crash at the worst moment. With `--concurrency 1` every user before it has settled.

use std::io::{BufRead as _, IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use pwchange::{AccessCheck, Client, Error, ErrorKind, PolicySource};
use pwchange_rotate::journal::{self, JournalKey};
use pwchange_rotate::protection::{self, Identity, Protection, Recipient, Sealing, Unlock};
use pwchange_rotate::store::{Store, VaultConfig};
use pwchange_rotate::{
    Event, Input, Mode, PacingConfig, Plan, Ready, Rotation, StoreResult, Summary, UserResult,
};
use serde_json::json;

use crate::cli::{self, EXIT_INTERRUPTED, EXIT_SOME_FAILED, RotateArgs, UnlockArgs};
use crate::output::{self, Console};
use crate::progress;

/// The users, from `--input` (`-`: standard input, read to its end).
pub fn read_input(path: &Path) -> Result<Input, Error> {
    if path == Path::new("-") {
        if std::io::stdin().is_terminal() {
            return Err(Error::invalid_input(
                "--input - reads standard input, which is a terminal: pipe the users in",
            ));
        }
        return Input::from_reader(std::io::stdin().lock(), "standard input");
    }
    Input::read(path)
}

/// A line of `rotate --json`: each user's result as it finishes, then the summary; `type`
/// tells them apart (`pwchange schema rotate` prints this schema).
#[derive(serde::Serialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JsonLine<'a> {
    /// One user's result.
    Result(&'a UserResult),
    /// The run's summary, last.
    Summary {
        /// The counts.
        summary: &'a Summary,
    },
}

/// The library's cap for the command line's.
pub fn cap<T>(cap: cli::Cap<T>) -> pwchange_rotate::Cap<T> {
    match cap {
        cli::Cap::Auto => pwchange_rotate::Cap::Auto,
        cli::Cap::At(n) => pwchange_rotate::Cap::At(n),
    }
}

fn char_class(class: cli::CharClass) -> pwchange_rotate::CharClass {
    match class {
        cli::CharClass::Lower => pwchange_rotate::CharClass::Lower,
        cli::CharClass::Upper => pwchange_rotate::CharClass::Upper,
        cli::CharClass::Digit => pwchange_rotate::CharClass::Digit,
        cli::CharClass::Symbol => pwchange_rotate::CharClass::Symbol,
    }
}

/// The variable a journal's passphrase may come from (else a prompt).
pub const PASSPHRASE_VAR: &str = "PWCHANGE_JOURNAL_PASSPHRASE";

/// A journal passphrase: [`PASSPHRASE_VAR`], else typed on the terminal (twice for a new one).
fn passphrase(env: &crate::target::Env, new: bool) -> Result<protection::SecretString, Error> {
    if let Some((_, value)) = env.iter().find(|(k, _)| k == PASSPHRASE_VAR) {
        return Ok(protection::SecretString::from(value.clone()));
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::invalid_input(format!(
            "the journal's passphrase: set {PASSPHRASE_VAR}, or run on a terminal to type it"
        )));
    }
    let read = |label: &str| {
        rpassword::prompt_password(format!("{label}: "))
            .map_err(|e| Error::invalid_input(format!("cannot read the {label}: {}", e.kind())))
    };
    let typed = read("journal passphrase")?;
    if new && read("journal passphrase (again)")? != typed {
        return Err(Error::invalid_input(
            "the two entries of the journal passphrase differ; nothing was sent",
        ));
    }
    Ok(protection::SecretString::from(typed))
}

/// How a new journal keeps its passwords, from the flags: one choice is required.
fn protection(args: &RotateArgs, env: &crate::target::Env) -> Result<Protection, Error> {
    if args.insecure_plaintext_journal {
        return Ok(Protection::Plaintext);
    }
    if args.passphrase {
        return Ok(Protection::Passphrase(passphrase(env, true)?));
    }
    let mut recipients = Vec::new();
    for (n, text) in args.recipient.iter().enumerate() {
        recipients.push(text.parse::<Recipient>().map_err(|e| {
            Error::invalid_input(format!("--recipient (the {}.): {}", n + 1, e.message()))
        })?);
    }
    for path in &args.recipients_file {
        recipients.extend(protection::read_recipients_file(path)?);
    }
    if recipients.is_empty() {
        return Err(Error::invalid_input(
            "the journal's new passwords must be encrypted: give --recipient age1… (`age-keygen -o key.txt` makes a key and prints it), --recipients-file, or --passphrase (or, for a test rig, --insecure-plaintext-journal)",
        ));
    }
    Ok(Protection::Recipients(recipients))
}

/// Refuses encryption flags on `--resume` that disagree with the journal's own (a resumed
/// journal keeps encrypting as its header says), naming the flag.
fn refuse_other_protection(args: &RotateArgs, sealing: &Sealing) -> Result<(), Error> {
    let disagrees = |flag: &str, why: &str| {
        Err(Error::invalid_input(format!(
            "{flag} disagrees with the journal, which {why}; a resumed journal keeps its own encryption"
        )))
    };
    let why = match sealing {
        Sealing::Age { .. } => "encrypts to age recipients",
        Sealing::AgePassphrase { .. } => "is encrypted with a passphrase",
        Sealing::Plaintext => "keeps its passwords in clear text",
        _ => "is encrypted another way",
    };
    if args.insecure_plaintext_journal && *sealing != Sealing::Plaintext {
        return disagrees("--insecure-plaintext-journal", why);
    }
    if args.passphrase && !matches!(sealing, Sealing::AgePassphrase { .. }) {
        return disagrees("--passphrase", why);
    }
    if args.recipient.is_empty() && args.recipients_file.is_empty() {
        return Ok(());
    }
    let Protection::Recipients(given) = protection(args, &[])? else {
        return Ok(());
    };
    let mut given: Vec<&str> = given.iter().map(Recipient::as_str).collect();
    given.sort_unstable();
    match sealing {
        Sealing::Age { recipients } => {
            let mut journal: Vec<&str> = recipients.iter().map(String::as_str).collect();
            journal.sort_unstable();
            if given == journal {
                return Ok(());
            }
            disagrees(
                "--recipient (or --recipients-file)",
                &format!("encrypts to {} other recipient(s)", recipients.len()),
            )
        }
        _ => disagrees("--recipient (or --recipients-file)", why),
    }
}

/// How to open the passwords of the journal `sealing` describes: the identity file if given,
/// else the passphrase of a passphrase journal, else nothing (a clear-text journal; or the
/// library says what is missing).
pub fn unlock(
    args: &UnlockArgs,
    sealing: &Sealing,
    env: &crate::target::Env,
) -> Result<Option<Unlock>, Error> {
    if let Some(path) = &args.identity {
        return Ok(Some(Unlock::Identity(Identity::from_file(path)?)));
    }
    Ok(match sealing {
        Sealing::AgePassphrase { .. } => Some(Unlock::Passphrase(passphrase(env, false)?)),
        Sealing::Age { .. } => {
            return Err(Error::invalid_input(
                "the journal's passwords are encrypted to age recipients: give the identity of one with --identity (or PWCHANGE_JOURNAL_IDENTITY_FILE)",
            ));
        }
        _ => None,
    })
}

/// The store a run writes to: `--store` (`journal`: the resumed journal's), else a resumed
/// journal's; its server and credentials from Vault's variables.
pub fn store(
    spec: Option<&str>,
    resumed: Option<&journal::Header>,
    env: &crate::target::Env,
) -> Result<Option<Store>, Error> {
    let journals = resumed.and_then(|header| header.store.clone());
    if spec.is_none() && journals.is_none() {
        return Ok(None);
    }
    let config =
        VaultConfig::from_lookup(|name| crate::target::lookup(env, name).map(str::to_owned))?;
    Ok(Some(match (spec, journals) {
        (Some("journal") | None, Some(target)) => Store::at(*target, config)?,
        (Some("journal"), None) => {
            return Err(Error::invalid_input(
                "the journal names no store: give one as vault://MOUNT/PATH",
            ));
        }
        (Some(spec), _) => Store::new(spec, config)?,
        (None, None) => return Ok(None),
    }))
}

/// `--resume` with what the journal's header records: without `--vendor`, its vendor, base URL
/// and mode; without `--input`, its input file. A flag given that disagrees is refused when the
/// header is compared (by name).
pub fn complete_from_journal(args: &mut RotateArgs) -> Result<(), Error> {
    if !args.resume {
        return Ok(());
    }
    let Some(path) = args.journal.clone() else {
        return Ok(());
    };
    if args.target.vendor.is_some() && args.input.is_some() {
        // Everything is given: the header is compared with it when the journal is opened.
        return Ok(());
    }
    // The header says where the credentials go: it is trusted only when its code checks under
    // the operator's key and the journal is the operator's alone.
    let key = JournalKey::load(&JournalKey::path(args.journal_key.as_deref())?, false)?;
    let header = journal::read_header(&path, Some(&key))?;
    // Without --vendor, the run is the journal's: its vendor, base URL and mode.
    if args.target.vendor.is_none() {
        args.target.vendor = Some(header.vendor.parse::<pwchange::Vendor>().map_err(|_| {
            Error::invalid_input(format!(
                "the journal {} names a vendor this build does not include",
                path.display()
            ))
        })?);
        if args.target.base_url.is_none() {
            args.target.base_url = Some(header.base_url.clone());
        }
        if !args.admin
            && header.mode
                == (Mode::AdminSet {
                    require_change: false,
                })
                .name()
        {
            args.admin = true;
            args.require_change |= header.require_change;
        }
    }
    if args.input.is_none() {
        args.input = Some(PathBuf::from(header.input.ok_or_else(|| {
            Error::invalid_input(format!(
                "the journal {} was started with users from a pipe: give them again with --input",
                path.display()
            ))
        })?));
    }
    Ok(())
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
pub async fn run(
    args: RotateArgs,
    client: Client,
    env: &crate::target::Env,
    console: &Console,
) -> Result<u8, Error> {
    let vendor = client.vendor();
    let input_path = args
        .input
        .clone()
        .ok_or_else(|| Error::invalid_input("--input is required"))?;
    // Read once: what is checked, what is sent and the sha256 in the journal's header are the
    // same bytes, whatever happens to the file meanwhile.
    let input = read_input(&input_path)?;
    if !args.resume
        && let Some(journal) = &args.journal
        && (journal.exists() || journal.is_symlink())
    {
        return Err(Error::invalid_input(format!(
            "the journal {} exists; an existing journal is never overwritten: pass --resume to continue it, or choose another path",
            journal.display()
        )));
    }
    // How a new journal keeps its passwords: decided (and a passphrase typed) before the
    // vendor is asked anything.
    let protection = if args.dry_run || args.resume {
        None
    } else {
        Some(protection(&args, env)?)
    };
    let mode = if args.admin {
        Mode::AdminSet {
            require_change: args.require_change,
        }
    } else {
        Mode::SelfService
    };
    let mut rotation = Rotation::new(client, input)
        .mode(mode)
        .verify(!args.no_verify)
        .pacing(PacingConfig::new(cap(args.concurrency), cap(args.rate)));
    if let Some(length) = args.length {
        rotation = rotation.length(length);
    }
    if let Some(classes) = &args.classes {
        rotation = rotation.classes(classes.iter().copied().map(char_class));
    }
    // The key that authenticates the journal: made by the first rotation, required to resume.
    // A resume's header names the store (or none) the rotation began with.
    let key = if args.dry_run {
        None
    } else {
        Some(JournalKey::load(
            &JournalKey::path(args.journal_key.as_deref())?,
            !args.resume,
        )?)
    };
    let resumed = match (&args.journal, &key) {
        (Some(path), Some(key)) if args.resume => Some(journal::read_header(path, Some(key))?),
        _ => None,
    };
    match store(args.store.as_deref(), resumed.as_ref(), env) {
        Ok(Some(store)) => {
            rotation = rotation
                .store(store)
                .overwrite_store_conflicts(args.overwrite_store_conflicts);
        }
        Ok(None) => {}
        Err(error) => return Ok(output::report_store(&error, args.json, console)),
    }
    let plan = rotation.plan().await?;
    if let Some(kind) = plan.policy_fallback() {
        crate::policy::warn_documented(vendor, kind);
    }
    // A store that would refuse is found before anyone is asked (and again before the first
    // change).
    if let Err(error) = plan.check_store().await {
        return Ok(output::report_store(&error, args.json, console));
    }
    if args.dry_run {
        return dry_run(&args, &plan).await;
    }
    let journal_path = args
        .journal
        .clone()
        .ok_or_else(|| Error::invalid_input("--journal is required (except with --dry-run)"))?;
    let key = key.ok_or_else(|| Error::new(ErrorKind::Unexpected, "no journal key"))?;
    // Check the journal before asking (a resumed one is locked now, so a second process is
    // refused at once; a new one's place and encryption are checked, and it is made when the
    // run starts).
    let (ready, encrypted) = if let Some(header) = resumed {
        refuse_other_protection(&args, &header.sealing)?;
        let unlock = unlock(&args.unlock, &header.sealing, env)?;
        (
            plan.resume_journal(&journal_path, key, unlock)?,
            header.sealing.is_encrypted(),
        )
    } else {
        let protection =
            protection.ok_or_else(|| Error::new(ErrorKind::Unexpected, "no journal protection"))?;
        let encrypted = !matches!(protection, Protection::Plaintext);
        (
            plan.create_journal(&journal_path, key, protection)?,
            encrypted,
        )
    };
    confirm(&args, &ready)?;
    let store_target = ready.plan().store().map(|store| store.target().clone());
    let control = ready.control();
    // A closed standard output (its reader went away: `| head -1`) interrupts the run too.
    let (closed_stdout, stdout_closed) = tokio::sync::mpsc::unbounded_channel();
    let listener = {
        let control = control.clone();
        tokio::spawn(async move {
            let mut signals = match Interruptions::new(stdout_closed) {
                Ok(signals) => signals,
                Err(e) => {
                    tracing::warn!("cannot listen for SIGTERM and SIGHUP: {e}");
                    return;
                }
            };
            if !signals.next().await {
                return;
            }
            control.cancel();
            if signals.next().await {
                control.abandon();
            }
        })
    };
    let reporter = Arc::new(Reporter {
        // A bar only when a person watches both streams: what stdout holds (a line per user,
        // or failures only above a bar) never depends on where stderr goes.
        bar: (!args.json
            && !console.quiet
            && std::io::stdout().is_terminal()
            && std::io::stderr().is_terminal())
        .then(|| progress::bar(ready.plan().users() as u64)),
        json: args.json,
        console: *console,
        out: Stdout::new(closed_stdout),
    });
    let exit_after = fault_exit_after_pending();
    let observer = reporter.clone();
    let result = ready
        .on_event(move |event| match event {
            Event::Journaled { count, .. } if exit_after == Some(*count) => {
                eprintln!(
                    "PWCHANGE_FAULT_EXIT_AFTER_PENDING: exiting after journaling {count} pending entries"
                );
                std::process::exit(99);
            }
            Event::Finished { result, progress } => {
                if let Some(bar) = &observer.bar {
                    let pace = progress
                        .rate
                        .map_or_else(String::new, |rate| format!(", starts ≤ {rate:.0}/s"));
                    bar.set_message(format!(
                        "in flight ≤ {}{pace}, {} retries, {} failed, {} unknown",
                        progress.window,
                        progress.retries,
                        progress.failed,
                        progress.outcome_unknown
                    ));
                }
                observer.report(result);
            }
            _ => {}
        })
        .execute()
        .await;
    listener.abort();
    if let Some(bar) = &reporter.bar {
        // The bar goes; the summary below (or the error) says where the run ended.
        bar.finish_and_clear();
    }
    // The summary says what happened; the error says why the run stopped.
    let (summary, failure) = match result {
        Ok(summary) => (summary, None),
        Err(stopped) => (*stopped.summary, Some(stopped.error)),
    };
    if args.json {
        reporter
            .out
            .line(output::json_line(&JsonLine::Summary { summary: &summary }));
    } else {
        print_summary(
            &summary,
            store_target.as_ref(),
            vendor,
            &journal_path,
            encrypted,
            console,
            &reporter.out,
        );
    }
    if let Some(error) = failure {
        return Err(error);
    }
    Ok(if let Some(kind) = summary.stopped_by {
        output::exit_code(kind)
    } else if summary.interrupted {
        EXIT_INTERRUPTED
    } else if summary.failed
        + summary.outcome_unknown
        + summary.not_stored
        + summary.store_conflicts
        > 0
        || summary.store_failure.is_some()
    {
        EXIT_SOME_FAILED
    } else {
        0
    })
}

/// The test hook `PWCHANGE_FAULT_EXIT_AFTER_PENDING=N` (see the module docs), read only in
/// builds with debug assertions (the tests'): a release binary has no way to be told to die
/// with a password journaled and not sent (the branch is compiled out).
fn fault_exit_after_pending() -> Option<usize> {
    if !cfg!(debug_assertions) {
        return None;
    }
    std::env::var("PWCHANGE_FAULT_EXIT_AFTER_PENDING")
        .ok()
        .and_then(|v| v.parse().ok())
}

/// The plan, for people: what, where, how, whom.
fn plan_text(args: &RotateArgs, plan: &Plan, users: usize) -> String {
    let client = plan.client();
    let first = plan.first_users();
    let mode = match (args.admin, args.require_change) {
        (false, _) => "self-service (current passwords from the input)",
        (true, false) => "administrative set",
        (true, true) => "administrative set; users must change it at the next login",
    };
    let more = if plan.users() > first.len() {
        ", …"
    } else {
        ""
    };
    let policy = plan.policy();
    let generation = plan.generation();
    let source = match &policy.source {
        PolicySource::Vendor { operation } => format!("read from the vendor ({operation})"),
        PolicySource::Documented { reference } => format!("documented: {reference}"),
        _ => "unknown".to_owned(),
    };
    format!(
        "{} the passwords of {} user(s) on {} at {}\n  mode: {mode}\n  verify by logging in: {}\n  new passwords: {} characters from {}\n  password policy: {}..={} {}, requires {}; {source}\n  users: {}{more}",
        if args.resume {
            "resume rotating"
        } else {
            "rotate"
        },
        users,
        client.vendor(),
        client.base_url(),
        if args.no_verify {
            "no"
        } else {
            "where the vendor allows"
        },
        generation.length,
        generation.class_names().join(", "),
        policy.min_length,
        policy
            .max_length
            .map_or_else(|| "no limit".to_owned(), |m| m.to_string()),
        policy.length_unit.describe(),
        {
            let classes = policy.required_classes();
            if classes.is_empty() {
                "no character class".to_owned()
            } else {
                classes.join(", ")
            }
        },
        first.join(", "),
    ) + &plan
        .store()
        .map(|store| format!("\n  store: {} (after each applied change)", store.target()))
        .unwrap_or_default()
}

/// `--dry-run`: the checks are done; check the credentials, print the plan, change nothing.
#[allow(clippy::print_stdout)]
async fn dry_run(args: &RotateArgs, plan: &Plan) -> Result<u8, Error> {
    let client = plan.client();
    let access = plan.check_access().await?;
    if args.json {
        println!(
            "{}",
            output::json_line(&json!({
                "dry_run": true,
                "vendor": client.vendor(),
                "base_url": client.base_url(),
                "users": plan.users(),
                "mode": if args.admin { "admin_set" } else { "self_service" },
                "require_change": args.require_change,
                "verify": !args.no_verify,
                "generation": {"length": plan.generation().length, "classes": plan.generation().class_names()},
                "policy": plan.policy(),
                "access": access,
                "store": plan.store().map(|store| store.target()),
            }))
        );
    } else {
        let access = match access {
            AccessCheck::LoggedIn => "checked: the login succeeded".to_owned(),
            AccessCheck::Read { operation } => format!("checked: {operation} succeeded"),
            AccessCheck::Authenticated { reason } => format!("authenticated: {reason}"),
            AccessCheck::NotChecked { reason } => format!("not checked: {reason}"),
            _ => "not checked".to_owned(),
        };
        println!(
            "dry run: nothing was changed and no journal was written\n{}\n  credentials: {access}",
            plan_text(args, plan, plan.users())
        );
    }
    Ok(0)
}

/// Shows the plan on stderr and asks, unless `--yes`. Refuses when it cannot ask.
#[allow(clippy::print_stderr)]
fn confirm(args: &RotateArgs, ready: &Ready) -> Result<(), Error> {
    let users = ready.users_left();
    let unsettled = ready.users_unsettled();
    let not_stored = ready.users_not_stored();
    let plan = format!(
        "{}\n  journal: {}{}",
        plan_text(args, ready.plan(), users),
        ready.journal_path().display(),
        if args.resume {
            format!(
                " ({} of {} users left, {unsettled} of them to settle with their journaled password{})",
                users,
                ready.plan().users(),
                if ready.plan().store().is_some() {
                    format!("; {not_stored} applied user(s) to write to the store")
                } else {
                    String::new()
                }
            )
        } else {
            String::new()
        }
    );
    if args.yes {
        tracing::info!("{plan}");
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::invalid_input(format!(
            "rotate changes {} password(s) and asks first; standard input is not a terminal, so confirm with --yes",
            users
        )));
    }
    eprintln!("{plan}");
    eprint!("proceed? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::invalid_input(format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(Error::invalid_input("not confirmed; nothing was sent"))
    }
}

/// The end-of-run report: the counts, the failures by kind with what to do about each, and
/// where the passwords are. With `--quiet`, only when something needs attention.
fn print_summary(
    summary: &Summary,
    store: Option<&pwchange_rotate::StoreTarget>,
    vendor: pwchange::Vendor,
    journal_path: &std::path::Path,
    encrypted: bool,
    console: &Console,
    out: &Stdout,
) {
    let attention =
        summary.failed + summary.outcome_unknown + summary.not_stored + summary.store_conflicts > 0
            || summary.store_failure.is_some()
            || summary.interrupted
            || summary.stopped_by.is_some();
    if console.quiet && !attention {
        return;
    }
    out.line(format!(
        "{} users: {} changed ({} verified by logging in), {} already done, {} failed, {} outcome unknown, {} not attempted; {} retries after 429/503, {:.1} s{}",
        summary.total,
        console.count(summary.changed, false),
        summary.verified,
        summary.already_done,
        console.count(summary.failed, true),
        console.count(summary.outcome_unknown, true),
        summary.not_attempted,
        summary.retries,
        summary.seconds,
        if summary.interrupted {
            " (interrupted: run again with --resume to continue)"
        } else {
            ""
        }
    ));
    if !summary.failures_by_kind.is_empty() {
        out.line("failures by kind:");
        let width = summary
            .failures_by_kind
            .keys()
            .map(String::len)
            .max()
            .unwrap_or(0);
        for (kind, count) in &summary.failures_by_kind {
            let hint = match serde_json::from_value::<ErrorKind>(json!(kind)) {
                Ok(ErrorKind::OutcomeUnknown) => UNKNOWN_HINT,
                Ok(kind) => output::hint_for(kind, Some(vendor)),
                Err(_) => "",
            };
            out.line(format!("  {count:>6}  {kind:<width$}  {hint}"));
        }
    }
    if let Some(kind) = summary.stopped_by {
        out.line(format!(
            "stopped launching changes: the vendor refused the credentials ({kind}); {}",
            output::hint_for(kind, Some(vendor))
        ));
    }
    if !journal_path.exists() {
        // The run stopped before its journal was made: nothing was sent.
        return;
    }
    if let Some(store) = store {
        out.line(format!(
            "store {store}: {} stored, {} not stored{}, {} conflicts{}",
            summary.stored,
            console.count(summary.not_stored, true),
            if summary.not_stored > 0 {
                " (kept in the journal: --resume writes them)"
            } else {
                ""
            },
            console.count(summary.store_conflicts, true),
            if summary.store_conflicts > 0 {
                " (someone else wrote those secrets after this rotation read them: not overwritten; compare, then --resume with --overwrite-store-conflicts writes the journal's over them)"
            } else {
                ""
            }
        ));
        if let Some(failure) = &summary.store_failure {
            out.line(format!(
                "the store failed ({}), so the run stopped launching changes: `pwchange rotate --resume` writes the users not stored and rotates those not attempted",
                failure.message
            ));
        }
    }
    out.line(format!(
        "the new passwords are in the journal {}{}",
        journal_path.display(),
        if encrypted {
            " (encrypted: `pwchange journal export` with the identity reads them)"
        } else {
            " (in clear text)"
        }
    ));
}

/// Where results go: one JSON record each on stdout (`--json`); else on a terminal a progress
/// bar, with each failure printed above it as it happens; else one line each on stdout (with
/// `--quiet`, failures only).
struct Reporter {
    bar: Option<indicatif::ProgressBar>,
    json: bool,
    console: Console,
    out: Stdout,
}

impl Reporter {
    fn report(&self, record: &UserResult) {
        let failure = record.kind.is_some()
            || matches!(
                record.store,
                Some(StoreResult::NotStored { .. } | StoreResult::Conflict { .. })
            );
        match &self.bar {
            _ if self.json => self.out.line(output::json_line(&JsonLine::Result(record))),
            Some(bar) => {
                bar.inc(1);
                if failure {
                    bar.suspend(|| self.out.line(result_line(record)));
                }
            }
            None if failure || !self.console.quiet => self.out.line(result_line(record)),
            None => {}
        }
    }
}

/// A user's result as a line of text.
fn result_line(record: &UserResult) -> String {
    let outcome = match record.store {
        Some(StoreResult::NotStored { .. }) => format!("{}, not stored", record.outcome.name()),
        Some(StoreResult::Conflict { .. }) => {
            format!("{}, store conflict", record.outcome.name())
        }
        _ => record.outcome.name().to_owned(),
    };
    match &record.message {
        Some(message) => format!("{outcome:<16} {}  {message}", record.user_id),
        None => format!("{outcome:<16} {}", record.user_id),
    }
}

/// Standard output, a line at a time. A write that fails (its reader went away, as with
/// `rotate --json | head -1`) interrupts the run as a signal does, instead of panicking with
/// changes in flight: nothing more is launched, the results are journaled, and nothing more is
/// written to standard output.
struct Stdout {
    closed: AtomicBool,
    interrupt: tokio::sync::mpsc::UnboundedSender<()>,
}

impl Stdout {
    fn new(interrupt: tokio::sync::mpsc::UnboundedSender<()>) -> Self {
        Self {
            closed: AtomicBool::new(false),
            interrupt,
        }
    }

    #[allow(clippy::print_stderr)]
    fn line(&self, text: impl std::fmt::Display) {
        if self.closed.load(Ordering::SeqCst) {
            return;
        }
        let mut out = std::io::stdout().lock();
        let written = writeln!(out, "{text}").and_then(|()| out.flush());
        if let Err(e) = written
            && !self.closed.swap(true, Ordering::SeqCst)
        {
            eprintln!(
                "standard output cannot be written ({}): stopping as if interrupted; the journal keeps every result",
                e.kind()
            );
            // The receiver is gone only when no interruption can be listened for any more.
            let _ = self.interrupt.send(());
        }
    }
}

/// Ctrl-C, and on Unix SIGTERM (systemd, Kubernetes, CI runners stopping a job) and SIGHUP (a
/// closed terminal): each is an interruption.
struct Interruptions {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hangup: tokio::signal::unix::Signal,
    /// A standard output that can no longer be written.
    stdout_closed: tokio::sync::mpsc::UnboundedReceiver<()>,
}

impl Interruptions {
    fn new(stdout_closed: tokio::sync::mpsc::UnboundedReceiver<()>) -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                terminate: signal(SignalKind::terminate())?,
                hangup: signal(SignalKind::hangup())?,
                stdout_closed,
            })
        }
        #[cfg(not(unix))]
        Ok(Self { stdout_closed })
    }

    /// Waits for the next interruption; `false` when none can come any more.
    async fn next(&mut self) -> bool {
        #[cfg(unix)]
        {
            tokio::select! {
                signal = tokio::signal::ctrl_c() => signal.is_ok(),
                signal = self.terminate.recv() => signal.is_some(),
                signal = self.hangup.recv() => signal.is_some(),
                closed = self.stdout_closed.recv() => closed.is_some(),
            }
        }
        #[cfg(not(unix))]
        tokio::select! {
            signal = tokio::signal::ctrl_c() => signal.is_ok(),
            closed = self.stdout_closed.recv() => closed.is_some(),
        }
    }
}

/// What to do about the users whose outcome is unknown.
const UNKNOWN_HINT: &str = "the vendor may hold the journaled password or the one before: run again with --resume to settle them (the journaled password is sent again, then one login decides)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cap;

    #[test]
    fn caps_read_auto_or_a_number() {
        assert_eq!("auto".parse::<Cap<usize>>(), Ok(Cap::Auto));
        assert_eq!("8".parse::<Cap<usize>>(), Ok(Cap::At(8)));
        assert!("0".parse::<Cap<usize>>().is_err());
        assert!("many".parse::<Cap<usize>>().is_err());
        assert_eq!("auto".parse::<Cap<f64>>(), Ok(Cap::Auto));
        assert_eq!("0".parse::<Cap<f64>>(), Ok(Cap::Auto));
        assert_eq!("2.5".parse::<Cap<f64>>(), Ok(Cap::At(2.5)));
        for bad in ["inf", "NaN", "-2", "fast", "1e-20"] {
            let error = bad.parse::<Cap<f64>>().unwrap_err();
            assert!(error.contains("finite number"), "{bad}: {error}");
        }
    }

    #[test]
    fn the_command_lines_caps_are_the_librarys() {
        assert_eq!(cap(Cap::<usize>::Auto), pwchange_rotate::Cap::Auto);
        assert_eq!(cap(Cap::At(3usize)), pwchange_rotate::Cap::At(3));
        assert_eq!(
            char_class(cli::CharClass::Symbol),
            pwchange_rotate::CharClass::Symbol
        );
    }
}
