//! `pwchange rotate`: bulk rotation with a crash-safe journal (see [`crate::journal`]).
//!
//! Per user: a new password is generated (OS CSPRNG), journaled and fsynced, sent, verified by
//! one login where the vendor allows (`--no-verify` skips it), and its outcome journaled:
//! `done` (applied), `failed` with `not_applied` (a fresh password next time) or with `unknown`
//! (the journaled password is kept and settled by the next `--resume`).
//!
//! The pace is the vendor's ([`crate::pacing`]): changes start as fast as the adaptive window
//! and rate allow (within `--concurrency` and `--rate`). A change refused for now (`429`, `503`:
//! nothing was applied) is sent again with **the same journaled password** after the vendor's
//! wait or a backoff, a bounded number of times; a change whose login proved nothing for now
//! (the login was rate limited) is settled by logging in again later, never by sending again.
//! Retries go before new users. The journal's group commit lets many changes in flight share
//! one `fdatasync`, each still synced before its change is sent.
//!
//! `--resume` settles each user an interrupted run left unsettled with **the same journaled
//! password**: it is sent again (harmless when already set), then one login with it decides
//! (applied if it works). A refusal of the resend never counts as proof of an earlier success,
//! and a refused login is weak evidence (a gateway's 504 may precede the commit, a locked account
//! answers like a wrong password): where the two do not agree the user stays `unknown`. A refused
//! login after a fresh change is journaled `unknown` too, never `not_applied`, so the password is
//! kept.
//!
//! Before anything is sent: the whole input is checked (ids in the vendor's canonical form,
//! duplicates, the mode: current passwords without `--admin`, none with it), the plan is shown
//! and confirmed (`--yes`), and the journal is locked. A token the vendor refuses (401, or 403
//! for the first user or three in a row) trips a breaker: nothing more is launched and the run
//! exits with that kind's code.
//!
//! Ctrl-C, SIGTERM and SIGHUP interrupt: nothing more is launched or retried, the changes in
//! flight get [`GRACE`] to finish (a second signal ends it at once; an abandoned change's
//! password stays pending in the journal), the results are journaled, the summary is printed
//! and the run exits 21. A journal write that fails stops the run the same way and ends it with
//! that error (kind `storage`, exit 17).
//!
//! Test hook, in builds with debug assertions only (a release binary ignores it): with
//! `PWCHANGE_FAULT_EXIT_AFTER_PENDING=N` the process exits (code 99) right after journaling the
//! N-th pending entry of this run, before sending it: a crash at the worst moment.

use std::collections::HashMap;
use std::io::{BufRead as _, IsTerminal, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use pwchange::{
    AccessCheck, Client, Error, ErrorKind, Outcome, Password, PasswordChange, PasswordPolicy,
    PolicySource,
};
use serde::Serialize;
use serde_json::json;
use zeroize::Zeroizing;

use crate::cli::{EXIT_INTERRUPTED, EXIT_SOME_FAILED, RotateArgs};
use crate::input::{self, Record};
use crate::journal::{self, Entry, Header, Journal, Previous};
use crate::output::{self, Console};
use crate::pacing::{self, Pacer};
use crate::settle::{self, Settled};
use crate::{policy, progress, secrets};

#[derive(Debug, Default, Serialize)]
struct Summary {
    total: usize,
    changed: usize,
    verified: usize,
    already_done: usize,
    failed: usize,
    outcome_unknown: usize,
    not_attempted: usize,
    interrupted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_by: Option<ErrorKind>,
    /// Attempts made again after a `429` or `503`.
    retries: u64,
    /// Answers that were a `429` or a `503`.
    overloads: u64,
    /// The journal's `fdatasync` calls this run (group commit: one covers every entry queued
    /// since the last).
    journal_syncs: u64,
    /// The run's wall time, in seconds.
    seconds: f64,
    /// The failed users by error kind (`{"policy_violation": 3}`), and the users whose outcome is
    /// unknown under `outcome_unknown` whatever error left it unknown.
    failures_by_kind: std::collections::BTreeMap<String, usize>,
}

/// What happened to one user.
#[derive(Debug, Serialize)]
struct ResultRecord {
    user_id: String,
    outcome: &'static str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<ErrorKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl ResultRecord {
    fn new(user_id: String, outcome: &'static str) -> Self {
        Self {
            user_id,
            outcome,
            verified: false,
            kind: None,
            message: None,
        }
    }

    /// A user whose new password could not be journaled (the disk is full), and so was not
    /// sent.
    fn not_journaled(user_id: String) -> Self {
        Self {
            message: Some("its new password could not be journaled, so it was not sent".into()),
            ..Self::new(user_id, "not_attempted")
        }
    }

    fn error(user_id: String, outcome: Outcome, error: &Error, message: String) -> Self {
        Self {
            user_id,
            outcome: match outcome {
                Outcome::Unknown => "outcome_unknown",
                _ => "failed",
            },
            verified: false,
            kind: Some(error.kind()),
            message: Some(message),
        }
    }
}

/// Stops launching changes once the vendor refuses the credentials themselves.
#[derive(Default)]
struct Breaker {
    succeeded: bool,
    denied_in_a_row: u32,
    tripped: Option<ErrorKind>,
}

impl Breaker {
    /// Permission denials in a row (with no success before) that mean "this token may change
    /// no one".
    const DENIED_IN_A_ROW: u32 = 3;

    /// The breaker of a run that follows `previous`: users an earlier run changed count as
    /// successes, so one protected user first in the input does not stop every resume.
    fn after(previous: &HashMap<String, Previous>) -> Self {
        Self {
            succeeded: previous.values().any(|p| matches!(p, Previous::Done)),
            ..Self::default()
        }
    }

    fn record(&mut self, kind: Option<ErrorKind>) {
        match kind {
            None => {
                self.succeeded = true;
                self.denied_in_a_row = 0;
            }
            Some(ErrorKind::Unauthenticated) => {
                self.tripped.get_or_insert(ErrorKind::Unauthenticated);
            }
            Some(ErrorKind::PermissionDenied) => {
                self.denied_in_a_row += 1;
                if !self.succeeded || self.denied_in_a_row >= Self::DENIED_IN_A_ROW {
                    self.tripped.get_or_insert(ErrorKind::PermissionDenied);
                }
            }
            // Other failures (a 503, a policy refusal) say nothing about the token: the count
            // of denials goes on until a success.
            Some(_) => {}
        }
    }
}

/// The journal header of this run.
fn header(args: &RotateArgs, client: &Client, sha256: String, key_id: String) -> Header {
    Header {
        format: journal::FORMAT,
        vendor: client.vendor().name().to_owned(),
        base_url: client.base_url().to_owned(),
        mode: if args.admin {
            "admin_set"
        } else {
            "self_service"
        }
        .to_owned(),
        require_change: args.require_change,
        input_sha256: sha256,
        key_id,
    }
}

/// What a run will generate, and from which policy.
struct RunPlan<'a> {
    policy: &'a PasswordPolicy,
    generation: &'a policy::Generation,
}

/// The plan, for people: what, where, how, whom.
fn plan_text(
    args: &RotateArgs,
    client: &Client,
    survey: &input::Survey,
    plan: &RunPlan<'_>,
) -> String {
    let mode = match (args.admin, args.require_change) {
        (false, _) => "self-service (current passwords from the input)",
        (true, false) => "administrative set",
        (true, true) => "administrative set; users must change it at the next login",
    };
    let more = if survey.count > survey.first.len() {
        ", …"
    } else {
        ""
    };
    let source = match &plan.policy.source {
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
        survey.count,
        client.vendor(),
        client.base_url(),
        if args.no_verify {
            "no"
        } else {
            "where the vendor allows"
        },
        plan.generation.length,
        plan.generation.class_names().join(", "),
        plan.policy.min_length,
        plan.policy
            .max_length
            .map_or_else(|| "no limit".to_owned(), |m| m.to_string()),
        plan.policy.length_unit.describe(),
        {
            let classes = plan.policy.required_classes();
            if classes.is_empty() {
                "no character class".to_owned()
            } else {
                classes.join(", ")
            }
        },
        survey.first.join(", "),
    )
}

/// `--dry-run`: the checks are done; check the credentials, print the plan, change nothing.
#[allow(clippy::print_stdout)]
async fn dry_run(
    args: &RotateArgs,
    client: &Client,
    survey: &input::Survey,
    plan: &RunPlan<'_>,
) -> Result<u8, Error> {
    let access = client.check_access().await?;
    if args.json {
        println!(
            "{}",
            crate::output::json_line(&json!({
                "dry_run": true,
                "vendor": client.vendor(),
                "base_url": client.base_url(),
                "users": survey.count,
                "mode": if args.admin { "admin_set" } else { "self_service" },
                "require_change": args.require_change,
                "verify": !args.no_verify,
                "generation": {"length": plan.generation.length, "classes": plan.generation.class_names()},
                "policy": plan.policy,
                "access": access,
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
            plan_text(args, client, survey, plan)
        );
    }
    Ok(0)
}

/// Shows the plan on stderr and asks, unless `--yes`. Refuses when it cannot ask.
#[allow(clippy::print_stderr)]
fn confirm(
    args: &RotateArgs,
    client: &Client,
    survey: &input::Survey,
    plan: &RunPlan<'_>,
    journal: &std::path::Path,
) -> Result<(), Error> {
    let plan = format!(
        "{}\n  journal: {}",
        plan_text(args, client, survey, plan),
        journal.display()
    );
    if args.yes {
        tracing::info!("{plan}");
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::invalid_input(format!(
            "rotate changes {} password(s) and asks first; standard input is not a terminal, so confirm with --yes",
            survey.count
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

/// What to do for one user.
enum Plan {
    Skip,
    /// A fresh password.
    Fresh(Password),
    /// The journaled password of an interrupted run, to settle.
    Settle(Password),
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
pub async fn run(args: RotateArgs, client: Client, console: &Console) -> Result<u8, Error> {
    let vendor = client.vendor();
    // Read once: what is checked, what is sent and the sha256 in the journal's header are the
    // same bytes, whatever happens to the file meanwhile.
    let input = input::Input::read(&args.input)?;
    let survey = input::survey(&input, vendor, args.admin)?;
    // The generator settings from (and against) the vendor's policy and rules (length, mode),
    // before anything is journaled: a --length the vendor refuses fails here, not once per user.
    let policy = policy::of(&client).await?;
    let generation = policy::generation(&policy, args.length, args.classes.as_deref())?;
    let generate = || secrets::generate(generation.length, &generation.classes);
    let sample = generate()?;
    let unfit = |e: Error| {
        if matches!(
            e.kind(),
            ErrorKind::InvalidInput | ErrorKind::PolicyViolation
        ) {
            let message = format!(
                "generated passwords ({} characters) do not fit the vendor's rules: {}",
                generation.length,
                e.message()
            );
            e.reclassify(ErrorKind::InvalidInput, message)
        } else {
            e
        }
    };
    policy.check(&sample).map_err(unfit)?;
    if let Some(first) = survey.first.first() {
        let change = if args.admin {
            PasswordChange::admin_set(first.clone(), sample)
                .require_change_at_next_login(args.require_change)
        } else {
            PasswordChange::self_service(first.clone(), generate()?, sample)
        };
        client.check_change(&change).map_err(unfit)?;
    }
    let plan = RunPlan {
        policy: &policy,
        generation: &generation,
    };
    if args.dry_run {
        return dry_run(&args, &client, &survey, &plan).await;
    }
    let journal_path = args
        .journal
        .clone()
        .ok_or_else(|| Error::invalid_input("--journal is required (except with --dry-run)"))?;
    // The key that authenticates the journal: made by the first rotation, required to resume.
    let key_path = journal::JournalKey::path(args.journal_key.as_deref())?;
    let key = journal::JournalKey::load(&key_path, !args.resume)?;
    let header = header(&args, &client, survey.sha256.clone(), key.id());
    // Lock (and check) the journal before asking, so a second process is refused at once.
    let (journal, previous, journaled) = if args.resume {
        Journal::resume(&journal_path, &header, key)?
    } else {
        if journal_path.exists() {
            return Err(Error::invalid_input(format!(
                "the journal {} exists; an existing journal is never overwritten: pass --resume to continue it, or choose another path",
                journal_path.display()
            )));
        }
        confirm(&args, &client, &survey, &plan, &journal_path)?;
        (
            Journal::create(&journal_path, header, key)?,
            HashMap::new(),
            Vec::new(),
        )
    };
    if args.resume {
        confirm(&args, &client, &survey, &plan, &journal_path)?;
    }
    let started = std::time::Instant::now();
    let (stop, _) = tokio::sync::watch::channel(false);
    let run = Arc::new(Run {
        client,
        journal,
        pacer: Arc::new(Pacer::new(args.concurrency, args.rate)),
        admin: args.admin,
        require_change: args.require_change,
        verify: !args.no_verify,
        breaker: std::sync::Mutex::new(Breaker::after(&previous)),
        stop,
        retries: AtomicU64::new(0),
        overloads: AtomicU64::new(0),
        secrets: std::sync::RwLock::new(run_secrets(&input, vendor, args.admin, &journaled)),
    });
    let interrupted = Arc::new(AtomicBool::new(false));
    // Set when the changes still in flight are to be abandoned: GRACE after the first
    // interruption, or at once on the second.
    let (abandon, _) = tokio::sync::watch::channel(false);
    // A closed standard output (its reader went away: `| head -1`) interrupts the run too.
    let (closed_stdout, stdout_closed) = tokio::sync::mpsc::unbounded_channel();
    {
        let (run, interrupted, abandon) = (run.clone(), interrupted.clone(), abandon.clone());
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
            interrupted.store(true, Ordering::SeqCst);
            run.stop.send_replace(true);
            tokio::select! {
                () = tokio::time::sleep(GRACE) => {}
                _ = signals.next() => {}
            }
            abandon.send_replace(true);
        });
    }
    let exit_after = fault_exit_after_pending();
    let mut pending_written = 0;
    let reporter = Reporter {
        // A bar only when a person watches both streams: what stdout holds (a line per user,
        // or failures only above a bar) never depends on where stderr goes.
        bar: (!args.json
            && !console.quiet
            && std::io::stdout().is_terminal()
            && std::io::stderr().is_terminal())
        .then(|| progress::bar(survey.count as u64)),
        json: args.json,
        console: *console,
        out: Stdout::new(closed_stdout),
    };
    let mut summary = Summary {
        total: survey.count,
        ..Default::default()
    };
    let mut tasks = tokio::task::JoinSet::new();
    // The first task that failed (the journal could not be written): nothing more starts, the
    // changes in flight finish (their passwords are journaled), and the run ends with it.
    let mut flight = Flight::default();
    for record in input::checked(&input, vendor, args.admin)? {
        // A failure here ends the loop, not the run: the changes in flight still finish.
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                flight.fail(&run, error);
                break;
            }
        };
        let plan = match previous.get(&record.user_id) {
            Some(Previous::Done) => Plan::Skip,
            Some(Previous::Unsettled { password }) => {
                Plan::Settle(Password::new(password.as_str()))
            }
            Some(Previous::NotApplied) | None => match generate() {
                Ok(password) => Plan::Fresh(password),
                Err(error) => {
                    flight.fail(&run, error);
                    break;
                }
            },
        };
        let task = match plan {
            Plan::Skip => {
                summary.already_done += 1;
                reporter.report(&ResultRecord::new(record.user_id, "already_done"));
                continue;
            }
            Plan::Fresh(password) => {
                run.keep_secret(password.expose_secret());
                Step::Change(password)
            }
            Plan::Settle(password) => {
                run.keep_secret(password.expose_secret());
                Step::Settle(password)
            }
        };
        // A stopped run waits for no slot (the rate could make the rest take hours), and a run
        // stopped while it waits stops waiting.
        let slot = if *run.stop.borrow() {
            None
        } else {
            let mut stop = run.stop.subscribe();
            // A stop wins over a free slot: nothing new starts once it is set.
            tokio::select! {
                biased;
                _ = stop.wait_for(|stopped| *stopped) => None,
                slot = run.pacer.slot() => Some(slot),
            }
        };
        while let Some(done) = tasks.try_join_next_with_id() {
            finish(done, &mut flight, &mut summary, &run, &reporter);
        }
        // Every finished change fed the breaker before it released its slot, and a tripped
        // breaker sets the stop (`Run::feed_breaker`).
        let Some(slot) = slot.filter(|_| !*run.stop.borrow()) else {
            summary.not_attempted += 1;
            reporter.report(&ResultRecord::new(record.user_id, "not_attempted"));
            continue;
        };
        // A fresh password is journaled before it is sent: its entry is queued now, in input
        // order, and the change waits until the entry is synced (with the others queued since).
        let journaled = match &task {
            Step::Change(password) => {
                pending_written += 1;
                if exit_after == Some(pending_written) {
                    // The test hook: everything before this user settles, then this user's
                    // password is journaled, and the process dies before sending it.
                    drop(slot);
                    while let Some(done) = tasks.join_next_with_id().await {
                        finish(done, &mut flight, &mut summary, &run, &reporter);
                    }
                    run.journal.write(&pending_entry(&record, password)).await?;
                    eprintln!(
                        "PWCHANGE_FAULT_EXIT_AFTER_PENDING: exiting after journaling {pending_written} pending entries"
                    );
                    std::process::exit(99);
                }
                Some(run.journal.write(&pending_entry(&record, password)))
            }
            _ => None,
        };
        let run = run.clone();
        let user_id = record.user_id.clone();
        let task = tasks.spawn(async move {
            if let Some(journaled) = journaled {
                if let Err(error) = journaled.await {
                    return (ResultRecord::not_journaled(record.user_id), Some(error));
                }
                // Stopped while the password was being synced: it is not sent. The journal
                // leaves it pending, which --resume settles (sent again, then one login).
                if *run.stop.borrow() {
                    return (ResultRecord::new(record.user_id, "not_attempted"), None);
                }
            }
            let (finished, slot) = attempts(&run, &record, task, slot).await;
            let journaled = run.journal.write(&finished.entry).await;
            run.feed_breaker(finished.record.kind);
            drop(slot);
            match journaled {
                Ok(()) => (finished.record, None),
                // What happened is still reported; the journal's last word for the user is its
                // pending password, which --resume settles.
                Err(error) => {
                    let mut record = finished.record;
                    let note = "its result could not be journaled: --resume settles it";
                    record.message = Some(match record.message.take() {
                        Some(message) => format!("{message}; {note}"),
                        None => note.to_owned(),
                    });
                    (record, Some(error))
                }
            }
        });
        flight.users.insert(task.id(), user_id);
    }
    // The changes in flight finish, within the grace period once interrupted: an abandoned
    // one's password stays pending in the journal, for --resume to settle.
    let mut abandoned = abandon.subscribe();
    let mut aborted = false;
    loop {
        let done = tokio::select! {
            done = tasks.join_next_with_id() => done,
            // Whether the grace period ended before this loop or during it.
            _ = abandoned.wait_for(|now| *now), if !tasks.is_empty() && !aborted => {
                tracing::warn!(in_flight = tasks.len(), "the grace period is over: abandoning the changes in flight");
                tasks.abort_all();
                aborted = true;
                continue;
            }
        };
        let Some(done) = done else { break };
        finish(done, &mut flight, &mut summary, &run, &reporter);
    }
    if let Some(bar) = &reporter.bar {
        // The bar goes; the summary below (or the error) says where the run ended.
        bar.finish_and_clear();
    }
    let stopped_by = run.tripped();
    summary.interrupted = interrupted.load(Ordering::SeqCst);
    summary.stopped_by = stopped_by;
    summary.retries = run.retries.load(Ordering::SeqCst);
    summary.overloads = run.overloads.load(Ordering::SeqCst);
    summary.journal_syncs = run.journal.syncs();
    summary.seconds = seconds_to_the_millisecond(started.elapsed());
    if args.json {
        reporter
            .out
            .line(crate::output::json_line(&json!({"summary": summary})));
    } else {
        print_summary(&summary, vendor, &journal_path, console, &reporter.out);
    }
    // The summary above says what happened; the error says why the run stopped.
    if let Some(error) = flight.failure {
        return Err(error);
    }
    Ok(if let Some(kind) = stopped_by {
        output::exit_code(kind)
    } else if summary.interrupted {
        EXIT_INTERRUPTED
    } else if summary.failed + summary.outcome_unknown > 0 {
        EXIT_SOME_FAILED
    } else {
        0
    })
}

/// The end-of-run report: the counts, the failures by kind with what to do about each, and
/// where the passwords are. With `--quiet`, only when something needs attention.
fn print_summary(
    summary: &Summary,
    vendor: pwchange::Vendor,
    journal_path: &std::path::Path,
    console: &Console,
    out: &Stdout,
) {
    let attention = summary.failed + summary.outcome_unknown > 0
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
    out.line(format!(
        "the new passwords are in the journal {}",
        journal_path.display()
    ));
}

/// The run's redactor at its start: every current password of `input` (a vendor may echo any
/// user's in any other user's answer, before that user's turn) and every password the journal
/// holds (a `done` user's is live). Only maskable ones ([`pwchange::Redactor::add_maskable`]):
/// a short or one-word password of one user would withhold every text that contains it in
/// every user's output; each change's own redactor still withholds a text with its own.
fn run_secrets(
    input: &input::Input,
    vendor: pwchange::Vendor,
    admin: bool,
    journaled: &[Zeroizing<String>],
) -> pwchange::Redactor {
    let mut secrets = pwchange::Redactor::new();
    if let Ok(records) = input::checked(input, vendor, admin) {
        for record in records.flatten() {
            if let Some(current) = &record.current_password {
                secrets.add_maskable(current);
            }
        }
    }
    for password in journaled {
        secrets.add_maskable(password);
    }
    secrets
}

fn pending_entry(record: &Record, password: &Password) -> Entry {
    Entry::Pending {
        user_id: record.user_id.clone(),
        new_password: Zeroizing::new(password.expose_secret().to_owned()),
    }
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

/// A duration in seconds, to the millisecond (the summary's `seconds`).
fn seconds_to_the_millisecond(elapsed: std::time::Duration) -> f64 {
    std::time::Duration::from_millis(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .as_secs_f64()
}

/// What every change of a run shares.
struct Run {
    client: Client,
    journal: Journal,
    pacer: Arc<Pacer>,
    admin: bool,
    require_change: bool,
    verify: bool,
    breaker: std::sync::Mutex<Breaker>,
    /// Set on an interruption (Ctrl-C, SIGTERM, SIGHUP), a failed journal write, or when the
    /// breaker trips: nothing more is launched or retried.
    stop: tokio::sync::watch::Sender<bool>,
    /// Attempts made again after a 429 or 503.
    retries: AtomicU64,
    /// Answers that were a 429 or a 503.
    overloads: AtomicU64,
    /// Every secret of the run: the current passwords of the whole input, every password
    /// journaled or generated, added before it is sent. Every error of a change or a login is
    /// redacted with it.
    secrets: std::sync::RwLock<pwchange::Redactor>,
}

impl Run {
    fn tripped(&self) -> Option<ErrorKind> {
        self.breaker
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .tripped
    }

    fn feed_breaker(&self, kind: Option<ErrorKind>) {
        let mut breaker = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        breaker.record(kind);
        if breaker.tripped.is_some() {
            self.stop.send_replace(true);
        }
    }

    /// The change of `record` to `password`, as the run's mode and flags say.
    fn change(&self, record: &Record, password: Password, verify: bool) -> PasswordChange {
        let user_id = record.user_id.clone();
        let change = match &record.current_password {
            Some(current) if !self.admin => {
                PasswordChange::self_service(user_id, current.as_str(), password)
            }
            _ => PasswordChange::admin_set(user_id, password)
                .require_change_at_next_login(self.require_change),
        }
        .verify(verify);
        match &record.login_name {
            Some(login) => change.login_name(login.clone()),
            None => change,
        }
    }

    /// One login with `password`.
    async fn log_in(&self, record: &Record, password: &Password) -> Result<(), Error> {
        if !self.verify {
            return Err(Error::unsupported("verification is off (--no-verify)"));
        }
        self.client
            .verify_password(&record.user_id, record.login_name.as_deref(), password)
            .await
            .map_err(|e| self.redact(e))
    }

    /// The change, its error redacted with every secret of the run (the facade's redactor
    /// knows only this change's): a vendor that echoes another user's password shows it to no
    /// one.
    async fn change_password(&self, change: &PasswordChange) -> Result<pwchange::Changed, Error> {
        self.client
            .change_password(change)
            .await
            .map_err(|e| self.redact(e))
    }

    fn redact(&self, error: Error) -> Error {
        error.redact(&self.secrets.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Adds `secret` to the run's secrets, before it is sent anywhere (when it can be masked:
    /// see [`run_secrets`]).
    fn keep_secret(&self, secret: &str) {
        self.secrets
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .add_maskable(secret);
    }
}

/// What one user's rotation does next.
enum Step {
    /// Send the change (a fresh password, or the same one again after a `429`/`503`).
    Change(Password),
    /// Settle the journaled password by logging in with it (the change's outcome is unknown).
    Login(Password),
    /// Settle an interrupted run's journaled password: send it again, then log in.
    Settle(Password),
}

/// What an attempt leaves.
enum Answer {
    /// Settled, for this run.
    Final(Finished),
    /// The vendor said to come back later (or its answer proved nothing for now): try `next`
    /// after the wait `error` asked for, or a backoff.
    Again { next: Step, error: Error },
}

/// Whether the vendor refused a change only for now: nothing was applied, and the same request
/// may pass later (`429`, `503`).
fn comes_back_later(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::RateLimited | ErrorKind::Unavailable
    )
}

/// Whether an answer says the vendor is overloaded (a `429` or `503` anywhere in the attempt):
/// the pacer's signal to slow down.
fn overloaded(error: &Error) -> bool {
    comes_back_later(error) || matches!(error.status(), Some(429 | 503))
}

/// Runs `step` and its retries for one user, within the run's pace: returns what to journal and
/// the slot of the last attempt (none when the run stopped during a wait).
async fn attempts(
    run: &Run,
    record: &Record,
    mut step: Step,
    slot: pacing::Slot,
) -> (Finished, Option<pacing::Slot>) {
    let mut slot = slot;
    let mut attempt = 1;
    loop {
        let started = slot.started();
        let (next, error) = match step.run(run, record).await {
            Answer::Final(finished) => {
                run.pacer.succeeded();
                return (finished, Some(slot));
            }
            Answer::Again { next, error } => (next, error),
        };
        if overloaded(&error) {
            run.overloads.fetch_add(1, Ordering::Relaxed);
        }
        if error.kind() == ErrorKind::RateLimited || error.status() == Some(429) {
            run.pacer.rate_limited(started);
        }
        let wait = pacing::retry_wait(attempt, error.retry_after(), pacing::roll());
        let Some(wait) = wait.filter(|_| !*run.stop.borrow()) else {
            return (next.give_up(record, &error, attempt), Some(slot));
        };
        drop(slot);
        run.retries.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, kind = ?error.kind(), "trying again later");
        let mut stop = run.stop.subscribe();
        let stopped = tokio::select! {
            () = tokio::time::sleep(wait) => false,
            _ = stop.wait_for(|stopped| *stopped) => true,
        };
        if stopped {
            return (next.give_up(record, &error, attempt), None);
        }
        slot = run.pacer.retry_slot().await;
        if *run.stop.borrow() {
            return (next.give_up(record, &error, attempt), Some(slot));
        }
        attempt += 1;
        step = next;
    }
}

impl Step {
    async fn run(self, run: &Run, record: &Record) -> Answer {
        let user_id = record.user_id.clone();
        match self {
            Step::Change(password) => {
                let change = run.change(record, password.clone(), run.verify);
                match run.change_password(&change).await {
                    Ok(changed) => {
                        let verified = changed.verification == pwchange::Verification::Verified;
                        Answer::Final(Finished::done(user_id, verified, None))
                    }
                    // A refused login after a confirmed (or unknown) change: the vendor may
                    // still commit (a gateway's 504 before the commit) or have locked the
                    // account; the journaled password is kept for --resume to settle.
                    Err(e) if e.kind() == ErrorKind::VerificationFailed => {
                        let message = format!("{e}; kept in the journal for --resume to settle");
                        Answer::Final(Finished::failed(user_id, Outcome::Unknown, &e, message))
                    }
                    Err(e) if comes_back_later(&e) => Answer::Again {
                        next: Step::Change(password),
                        error: e,
                    },
                    // The change may have been applied, and the login that would tell proved
                    // nothing (rate limited, say): log in again later, never send again.
                    Err(e) if e.kind() == ErrorKind::OutcomeUnknown && run.verify => {
                        Answer::Again {
                            next: Step::Login(password),
                            error: e,
                        }
                    }
                    Err(e) => {
                        Answer::Final(Finished::failed(user_id, e.outcome(), &e, e.to_string()))
                    }
                }
            }
            Step::Login(password) => match run.log_in(record, &password).await {
                Ok(()) => Answer::Final(Finished::done(
                    user_id,
                    true,
                    Some(
                        "the outcome was unknown; a later login with the new password settled it"
                            .into(),
                    ),
                )),
                Err(e) if e.is_temporary() => Answer::Again {
                    next: Step::Login(password),
                    error: e,
                },
                Err(e) => {
                    let message = format!(
                        "the change's outcome is unknown, and the login with the new password {}: {e}; kept in the journal for --resume to settle",
                        if e.kind() == ErrorKind::VerificationFailed {
                            "was refused"
                        } else {
                            "proved nothing"
                        }
                    );
                    Answer::Final(Finished::failed(user_id, Outcome::Unknown, &e, message))
                }
            },
            Step::Settle(password) => settle(run, record, password).await,
        }
    }

    /// What to journal when no further attempt is made after `error` (attempt `attempts`).
    fn give_up(&self, record: &Record, error: &Error, attempts: u32) -> Finished {
        let user_id = record.user_id.clone();
        match self {
            // Every attempt was refused for now: nothing was applied.
            Step::Change(_) => {
                let message = format!(
                    "{error}; no further attempt after {attempts} (the vendor asked to come back later)"
                );
                Finished::failed(user_id, Outcome::NotApplied, error, message)
            }
            Step::Login(_) | Step::Settle(_) => {
                let message = format!(
                    "{error}; no further attempt after {attempts}: the journaled password is kept for --resume to settle"
                );
                Finished::failed(user_id, Outcome::Unknown, error, message)
            }
        }
    }
}

/// What a task journals and reports.
struct Finished {
    entry: Entry,
    record: ResultRecord,
}

impl Finished {
    fn done(user_id: String, verified: bool, message: Option<String>) -> Self {
        Self {
            entry: Entry::Done {
                user_id: user_id.clone(),
                verified,
            },
            record: ResultRecord {
                verified,
                message,
                ..ResultRecord::new(user_id, "changed")
            },
        }
    }

    fn failed(user_id: String, outcome: Outcome, error: &Error, message: String) -> Self {
        Self {
            entry: Entry::Failed {
                user_id: user_id.clone(),
                kind: error.kind(),
                outcome,
                message: message.clone(),
            },
            record: ResultRecord::error(user_id, outcome, error, message),
        }
    }
}

/// Settles a password an interrupted run journaled and may have applied: the same password is
/// sent again (harmless if it is already set), then one login with it decides. A refusal of the
/// resend never proves an earlier success, and a refused login never proves much either (a
/// gateway's `504` may come before the vendor commits, an account may be locked): where the
/// evidence does not agree, the user stays unsettled with the journaled password kept. A resend
/// refused for now (`429`, `503`) is tried again later before any login (each refused login
/// counts towards a lockout); a login that proved nothing for now is tried again alone.
async fn settle(run: &Run, record: &Record, password: Password) -> Answer {
    let user_id = record.user_id.clone();
    let resent = run
        .change_password(&run.change(record, password.clone(), false))
        .await;
    // Refused for now, nothing evaluated: again later, before any login (each refused login
    // counts towards a lockout, and this one could prove nothing the resend will not).
    let resent = match resent {
        Err(refused) if comes_back_later(&refused) => {
            return Answer::Again {
                next: Step::Settle(password),
                error: refused,
            };
        }
        other => other,
    };
    let login = run.log_in(record, &password).await;
    let finished = match (
        settle::settled(settle::Resend::of(&resent), settle::Login::of(&login)),
        resent,
        login,
    ) {
        (Settled::Verified, _, _) => Finished::done(
            user_id,
            true,
            Some("the journaled password is set (verified by logging in)".into()),
        ),
        (Settled::LoginAgain, _, Err(login)) => {
            return Answer::Again {
                next: Step::Login(password),
                error: login,
            };
        }
        (Settled::ConfirmedUnverifiable, _, _) => Finished::done(
            user_id,
            false,
            Some("the vendor confirmed the journaled password, sent again (not verifiable)".into()),
        ),
        (Settled::NeverApplied, Err(refused), _) => {
            Finished::failed(user_id, Outcome::NotApplied, &refused, refused.to_string())
        }
        (Settled::NeitherSettles, Err(refused), Err(login)) => {
            let message = format!(
                "neither the journaled password (a login with it was refused) nor the resend (refused: {refused}) settles it; check the account (locked? changed elsewhere?)"
            );
            Finished::failed(user_id, Outcome::Unknown, &login, message)
        }
        (Settled::ConfirmedButRefused, _, Err(login)) => {
            let message = format!(
                "the vendor confirmed the journaled password, sent again, but {login}; kept for the next --resume"
            );
            Finished::failed(user_id, Outcome::Unknown, &login, message)
        }
        (Settled::ConfirmedButUnproven, _, Err(login)) => {
            let message = format!(
                "the vendor confirmed the journaled password, sent again, but the login proved nothing: {login}"
            );
            Finished::failed(user_id, Outcome::Unknown, &login, message)
        }
        (Settled::MayHaveApplied, Err(refused), _) => {
            let message = format!(
                "the interrupted run may have applied the journaled password; sending it again failed: {refused}"
            );
            Finished::failed(user_id, Outcome::Unknown, &refused, message)
        }
        // `settled` gives each of the others only with the errors matched above; were it to give
        // one without them, nothing would be settled.
        (_, resent, login) => {
            let error = login.err().or(resent.err()).unwrap_or_else(|| {
                Error::new(
                    ErrorKind::OutcomeUnknown,
                    "nothing settled the journaled password",
                )
            });
            let message = format!("the resend and the login settle nothing: {error}");
            Finished::failed(user_id, Outcome::Unknown, &error, message)
        }
    };
    Answer::Final(finished)
}

/// Counts one finished change and reports it. Nothing per user is kept:
/// memory stays flat in the number of users (beyond the input's canonical ids). A task that
/// failed (its journal entry could not be written) stops the run: `failure` keeps the first.
fn finish(
    joined: Result<(tokio::task::Id, (ResultRecord, Option<Error>)), tokio::task::JoinError>,
    flight: &mut Flight,
    summary: &mut Summary,
    run: &Run,
    reporter: &Reporter,
) {
    let record = match joined {
        Ok((id, (record, failed))) => {
            flight.users.remove(&id);
            if let Some(error) = failed {
                flight.fail(run, error);
            }
            Ok(record)
        }
        // Abandoned after the grace period: its password is journaled (pending) and may have
        // been applied.
        Err(e) if e.is_cancelled() => Ok(ResultRecord {
            kind: Some(ErrorKind::OutcomeUnknown),
            message: Some(
                "abandoned in flight when the grace period after the interruption ended; the journaled password is kept for --resume to settle".to_owned(),
            ),
            ..ResultRecord::new(flight.users.remove(&e.id()).unwrap_or_default(), "outcome_unknown")
        }),
        Err(e) => {
            flight.users.remove(&e.id());
            Err(Error::new(
                ErrorKind::Unexpected,
                format!("a rotation task failed: {e}"),
            ))
        }
    };
    let record = match record {
        Ok(record) => record,
        Err(error) => {
            flight.fail(run, error);
            return;
        }
    };
    match record.outcome {
        "changed" => {
            summary.changed += 1;
            summary.verified += usize::from(record.verified);
        }
        "outcome_unknown" => summary.outcome_unknown += 1,
        "not_attempted" => summary.not_attempted += 1,
        _ => summary.failed += 1,
    }
    if let Some(kind) = record.kind {
        // An unknown outcome is one kind of failure whatever error left it unknown: its
        // remedy is --resume, never the error's own hint ("nothing was changed").
        let key = if record.outcome == "outcome_unknown" {
            kind_key(ErrorKind::OutcomeUnknown)
        } else {
            kind_key(kind)
        };
        *summary.failures_by_kind.entry(key).or_default() += 1;
    }
    if let Some(bar) = &reporter.bar {
        let pace = run
            .pacer
            .rate()
            .map_or_else(String::new, |rate| format!(", starts ≤ {rate:.0}/s"));
        bar.set_message(format!(
            "in flight ≤ {}{pace}, {} retries, {} failed, {} unknown",
            run.pacer.window(),
            run.retries.load(Ordering::Relaxed),
            summary.failed,
            summary.outcome_unknown
        ));
    }
    reporter.report(&record);
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
    fn report(&self, record: &ResultRecord) {
        let failure = record.kind.is_some();
        match &self.bar {
            _ if self.json => self.out.line(crate::output::json_line(record)),
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
fn result_line(record: &ResultRecord) -> String {
    match &record.message {
        Some(message) => format!("{:<16} {}  {message}", record.outcome, record.user_id),
        None => format!("{:<16} {}", record.outcome, record.user_id),
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

/// What the launch loop keeps about the changes it started: the user of each task in flight
/// (at most the window's worth), and the first failure (a journal that could not be written),
/// which stops the run and ends it.
#[derive(Default)]
struct Flight {
    users: HashMap<tokio::task::Id, String>,
    failure: Option<Error>,
}

impl Flight {
    /// Stops launching and keeps `error` if it is the first.
    fn fail(&mut self, run: &Run, error: Error) {
        run.stop.send_replace(true);
        self.failure.get_or_insert(error);
    }
}

/// How long the changes in flight may take to finish after an interruption (Ctrl-C, SIGTERM,
/// SIGHUP) before they are abandoned: less than the 30 s Kubernetes and the 90 s systemd give a
/// process between SIGTERM and SIGKILL. A second interruption abandons them at once.
pub const GRACE: std::time::Duration = std::time::Duration::from_secs(20);

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

/// A kind as the summary's `failures_by_kind` keys it (its JSON name, which sorts stably).
fn kind_key(kind: ErrorKind) -> String {
    crate::cli::kind_name(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pwchange::Settings;
    use pwchange_sim::{Fault, SimUser, Simulator, Vendor};

    const OLD: &str = "Old-Passw0rd!x1";
    const NEW: &str = "N3w-Passw0rd!x2";

    /// What a user whose password could not be journaled reads: not attempted, and why.
    #[test]
    fn a_user_whose_password_was_not_journaled_reads_why_it_was_not_sent() {
        let line = crate::output::json_line(&ResultRecord::not_journaled("u1".into()));
        let record: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            record,
            serde_json::json!({
                "user_id": "u1",
                "outcome": "not_attempted",
                "message": "its new password could not be journaled, so it was not sent",
            })
        );
        assert_eq!(
            result_line(&ResultRecord::not_journaled("u1".into())),
            "not_attempted    u1  its new password could not be journaled, so it was not sent"
        );
    }

    #[test]
    fn the_summarys_duration_is_in_seconds_to_the_millisecond() {
        use std::time::Duration;
        assert_eq!(
            seconds_to_the_millisecond(Duration::from_micros(1_234_567)),
            1.234
        );
        assert_eq!(seconds_to_the_millisecond(Duration::from_micros(999)), 0.0);
        assert_eq!(seconds_to_the_millisecond(Duration::from_secs(90)), 90.0);
    }

    /// Issue #35: the run's redactor starts with every maskable current password of the input
    /// and every password the journal holds; a short or one-word one is left to each change's
    /// own redactor (it would withhold every text that holds it, in every user's output).
    #[test]
    fn the_runs_secrets_are_the_inputs_and_the_journals_maskable_passwords() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.csv");
        let vendor = Vendor::ALL[0];
        let ids: Vec<String> = (1..=3)
            .map(|i| pwchange_sim::numbered_user_id(vendor, i))
            .collect();
        std::fs::write(
            &path,
            format!(
                "user_id,current_password\n{},Curr3nt-Pass-1!\n{},abc\n{},sunshine\n",
                ids[0], ids[1], ids[2]
            ),
        )
        .unwrap();
        let input = input::Input::read(&path).unwrap();
        let journaled = [Zeroizing::new("J0urnaled-Pass!".to_owned())];
        let secrets = run_secrets(&input, vendor, false, &journaled);
        assert_eq!(secrets.len(), 2);
        assert_eq!(
            secrets.clean("was Curr3nt-Pass-1! then J0urnaled-Pass!, not abc on sunshine"),
            Some("was <redacted> then <redacted>, not abc on sunshine".to_owned())
        );
    }

    /// A simulator of the first vendor that takes administrative sets and verifies them by a
    /// login, with one user, and a run against it (`--admin`, verification on).
    struct Fixture {
        sim: Simulator,
        run: Run,
        record: Record,
        /// The probe's logins.
        logins_before: u32,
        _dir: tempfile::TempDir,
    }

    impl Fixture {
        /// Logins (accepted or refused by the vendor) since the fixture was made.
        fn logins(&self) -> u32 {
            self.sim.logins(&self.record.user_id) - self.logins_before
        }
    }

    async fn fixture() -> Fixture {
        for vendor in Vendor::ALL {
            let sim = Simulator::start(vendor).await.unwrap();
            let user = SimUser::new(pwchange_sim::numbered_user_id(vendor, 7), OLD);
            sim.add_user(user.clone());
            let mut settings = Settings::new(vendor);
            for (key, value) in pwchange_sim::client_settings(vendor, sim.base_url(), sim.token()) {
                settings.set(key, value, format!("test {key}"));
            }
            let Ok(client) = Client::from_settings(settings) else {
                continue;
            };
            let probe = PasswordChange::admin_set(user.id.clone(), "Pr0be-Passw0rd!x");
            let verified = client
                .change_password(&probe)
                .await
                .is_ok_and(|c| c.verification == pwchange::Verification::Verified);
            if !verified {
                continue;
            }
            sim.add_user(user.clone());
            let dir = tempfile::tempdir().unwrap();
            let key = journal::JournalKey::load(&dir.path().join("journal.key"), true).unwrap();
            let header = Header {
                format: journal::FORMAT,
                vendor: vendor.name().to_owned(),
                base_url: sim.base_url().to_owned(),
                mode: "admin_set".to_owned(),
                require_change: false,
                input_sha256: "00".to_owned(),
                key_id: key.id(),
            };
            let journal = Journal::create(&dir.path().join("j.jsonl"), header, key).unwrap();
            let (stop, _) = tokio::sync::watch::channel(false);
            let run = Run {
                client,
                journal,
                pacer: Arc::new(Pacer::new(pacing::Cap::Auto, pacing::Cap::Auto)),
                admin: true,
                require_change: false,
                verify: true,
                breaker: std::sync::Mutex::new(Breaker::default()),
                stop,
                retries: AtomicU64::new(0),
                overloads: AtomicU64::new(0),
                secrets: std::sync::RwLock::default(),
            };
            let record = Record {
                line: 2,
                user_id: user.id,
                current_password: None,
                login_name: None,
            };
            return Fixture {
                logins_before: sim.logins(&record.user_id),
                sim,
                run,
                record,
                _dir: dir,
            };
        }
        panic!("no vendor takes administrative sets and verifies them");
    }

    /// Runs `step` with its retries; returns what would be journaled, as JSON.
    async fn attempt(fixture: &Fixture, step: Step) -> serde_json::Value {
        let slot = fixture.run.pacer.slot().await;
        let (finished, _slot) = attempts(&fixture.run, &fixture.record, step, slot).await;
        serde_json::to_value(&finished.entry).unwrap()
    }

    /// Panics unless the journaled entry's message contains `expected`.
    #[track_caller]
    fn assert_message(entry: &serde_json::Value, expected: &str) {
        let message = entry["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{expected:?} not in {entry}");
    }

    fn counts(fixture: &Fixture) -> (u64, u64) {
        (
            fixture.run.retries.load(Ordering::SeqCst),
            fixture.run.overloads.load(Ordering::SeqCst),
        )
    }

    /// Answers the next request normally (a fault queue entry that changes nothing).
    const PASS: Fault = Fault::Latency(std::time::Duration::ZERO);

    fn limited(secs: u64) -> Fault {
        Fault::RateLimited {
            retry_after_secs: secs,
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_change_refused_for_now_is_sent_again_with_the_same_password() {
        for fault in [limited(0), Fault::Unavailable] {
            let f = fixture().await;
            f.sim.inject(fault.clone());
            let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
            assert_eq!(entry["event"], "done", "{fault:?}: {entry}");
            assert_eq!(entry["verified"], true);
            assert_eq!(f.sim.password(&f.record.user_id).as_deref(), Some(NEW));
            assert_eq!(counts(&f), (1, 1), "{fault:?}");
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_rate_limited_login_after_an_applied_change_is_settled_by_logging_in_again() {
        let f = fixture().await;
        f.sim.inject(PASS);
        f.sim.inject(limited(0));
        let changes_before = f.sim.requests();
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        assert_eq!(entry["verified"], true);
        assert_eq!(counts(&f), (1, 1));
        // The change went once; the rest were logins (never a second change).
        assert_eq!(f.sim.password(&f.record.user_id).as_deref(), Some(NEW));
        // One login reached the vendor: the rate-limited one never did.
        assert_eq!(f.logins(), 1);
        // The login's 429 (inside an unknown outcome) slowed the pace too.
        assert!(f.run.pacer.rate().is_some());
        assert!(f.sim.requests() > changes_before);
    }

    /// Issue #27: after an answer that proved nothing (a proxy's 504 page after the change
    /// applied), the verification login's 429 and its wait reach the pacer too.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_rate_limited_login_after_an_unknown_outcome_reaches_the_pacer() {
        let f = fixture().await;
        f.sim.inject(Fault::ProxyPageAfterApply(504));
        f.sim.inject(limited(1));
        let started = std::time::Instant::now();
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        assert_eq!(entry["verified"], true);
        assert_eq!(f.sim.password(&f.record.user_id).as_deref(), Some(NEW));
        assert_eq!(counts(&f), (1, 1), "one retry (a login), one overload");
        assert!(f.run.pacer.rate().is_some(), "the 429 slowed the pace");
        assert!(
            started.elapsed() >= std::time::Duration::from_secs(1),
            "the login's Retry-After was waited for"
        );
        assert_eq!(
            f.logins(),
            1,
            "the rate-limited login never reached the vendor"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_wait_too_long_to_wait_for_ends_the_user_as_not_applied() {
        let f = fixture().await;
        f.sim.inject(limited(pacing::MAX_RETRY_AFTER.as_secs() + 1));
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["event"], "failed", "{entry}");
        assert_eq!(entry["outcome"], "not_applied");
        assert_eq!(entry["kind"], "rate_limited");
        assert_message(&entry, "no further attempt after 1");
        assert_eq!(f.sim.password(&f.record.user_id).as_deref(), Some(OLD));
        assert_eq!(counts(&f), (0, 1));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn logins_that_never_prove_anything_end_unsettled_after_bounded_attempts() {
        let f = fixture().await;
        f.sim.inject(PASS);
        for _ in 0..pacing::MAX_ATTEMPTS {
            f.sim.inject(limited(0));
        }
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["event"], "failed", "{entry}");
        assert_eq!(entry["outcome"], "unknown", "the password is kept: {entry}");
        assert_message(
            &entry,
            &format!("no further attempt after {}", pacing::MAX_ATTEMPTS),
        );
        let attempts = u64::from(pacing::MAX_ATTEMPTS);
        assert_eq!(counts(&f), (attempts - 1, attempts));
        // Nothing got through: the start rate fell to its floor of one a second (hence this
        // test's seconds).
        assert!(f.run.pacer.rate().is_some_and(|rate| rate < 10.0));
        assert_eq!(f.logins(), 0, "every login was refused for now");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_stopped_run_retries_nothing() {
        let f = fixture().await;
        f.run.stop.send_replace(true);
        f.sim.inject(limited(0));
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "not_applied", "{entry}");
        assert_eq!(counts(&f), (0, 1));
        f.sim.inject(PASS);
        f.sim.inject(limited(0));
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "unknown", "{entry}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_settle_retries_a_resend_refused_for_now_before_any_login() {
        // The resend refused for now, twice: no login until it went through, then done.
        let f = fixture().await;
        f.sim.inject(limited(0));
        f.sim.inject(limited(0));
        let entry = attempt(&f, Step::Settle(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        assert_eq!(f.sim.password(&f.record.user_id).as_deref(), Some(NEW));
        assert_eq!(counts(&f).0, 2);
        assert_eq!(f.logins(), 1, "one login, after the resend went through");

        // The resend refused (a wrong current password: the journaled one may be set) and the
        // login refused: nothing proven, no retry, unsettled.
        let mut f = fixture().await;
        f.run.admin = false;
        f.record.current_password = Some(Zeroizing::new("Wrong-Passw0rd!x3".into()));
        let entry = attempt(&f, Step::Settle(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "unknown", "{entry}");
        assert_message(&entry, "neither the journaled password");
        assert_eq!(counts(&f).0, 0);
        assert_eq!(f.logins(), 1);

        // Neither answer proves anything: a login changes nothing, so one whose answer proved
        // nothing is tried again, alone (never the resend), and the second one settles it.
        let f = fixture().await;
        f.sim.inject(Fault::MalformedBody);
        f.sim.inject(Fault::MalformedBody);
        let entry = attempt(&f, Step::Settle(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        assert_eq!(f.sim.password(&f.record.user_id).as_deref(), Some(NEW));
        assert_eq!(counts(&f).0, 1, "one retry: the login");
        assert_eq!(f.logins(), 2);

        // The resend applied, its login refused for now: the login alone again.
        let f = fixture().await;
        f.sim.inject(PASS);
        f.sim.inject(limited(0));
        let entry = attempt(&f, Step::Settle(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        assert_eq!(counts(&f).0, 1);
        assert_eq!(f.logins(), 1, "the refused-for-now login is not counted");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_429_slows_the_pace_and_a_503_does_not() {
        let f = fixture().await;
        f.sim.inject(limited(0));
        attempt(&f, Step::Change(Password::new(NEW))).await;
        // 4 × 0.8, then one success above the new threshold.
        assert_eq!(f.run.pacer.window(), 3);
        assert!(f.run.pacer.rate().is_some());
        let f = fixture().await;
        f.sim.inject(Fault::Unavailable);
        attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(f.run.pacer.window(), 5, "slow start goes on");
        assert_eq!(f.run.pacer.rate(), None);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn final_answers_are_not_retried() {
        // A change the vendor confirmed without effect: the login refuses it; kept unsettled.
        let f = fixture().await;
        f.sim.inject(Fault::NoEffect);
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "unknown", "{entry}");
        assert_eq!(entry["kind"], "verification_failed");
        // A refusal: not applied, no login, no retry.
        let mut f = fixture().await;
        f.record.user_id = pwchange_sim::numbered_user_id(f.sim.vendor(), 8);
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "not_applied", "{entry}");
        assert_eq!(counts(&f), (0, 0));
        // An unknown outcome without verification: nothing can settle it in this run.
        let mut f = fixture().await;
        f.run.verify = false;
        f.sim.inject(Fault::GatewayTimeoutAfterApply);
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "unknown", "{entry}");
        assert_eq!(counts(&f), (0, 0));
        assert_eq!(f.logins(), 0);
        // A login that was refused: settled as unknown at once, one login.
        let f = fixture().await;
        let entry = attempt(&f, Step::Login(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "unknown", "{entry}");
        assert_message(&entry, "was refused");
        assert_eq!((counts(&f), f.logins()), ((0, 0), 1));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_mode_decides_whether_the_inputs_current_password_is_sent() {
        // Self-service: the input's current password is the proof, and a wrong one fails.
        let mut f = fixture().await;
        f.run.admin = false;
        f.record.current_password = Some(Zeroizing::new("Wrong-Passw0rd!x3".into()));
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["kind"], "current_password_invalid", "{entry}");
        f.record.current_password = Some(Zeroizing::new(OLD.into()));
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        // Administrative: a current password in the record is not sent.
        let mut f = fixture().await;
        f.record.current_password = Some(Zeroizing::new("Wrong-Passw0rd!x3".into()));
        let entry = attempt(&f, Step::Change(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_refused_token_trips_the_breaker_and_stops_the_run() {
        let f = fixture().await;
        f.run.feed_breaker(None);
        assert_eq!(f.run.tripped(), None);
        assert!(!*f.run.stop.borrow());
        f.run.feed_breaker(Some(ErrorKind::Unauthenticated));
        assert_eq!(f.run.tripped(), Some(ErrorKind::Unauthenticated));
        assert!(*f.run.stop.borrow());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_settle_reads_the_resend_and_the_login_together() {
        // Confirmed without effect, and the login refuses it: unsettled.
        let f = fixture().await;
        f.sim.inject(Fault::NoEffect);
        let entry = attempt(&f, Step::Settle(Password::new(NEW))).await;
        assert_eq!(entry["outcome"], "unknown", "{entry}");
        assert_message(&entry, "kept for the next --resume");
        // The vendor refuses the password itself and the login refuses it: never applied.
        let f = fixture().await;
        if let Some(weak) = pwchange_sim::weak_password(f.sim.vendor()) {
            let entry = attempt(&f, Step::Settle(Password::new(weak))).await;
            assert_eq!(entry["outcome"], "not_applied", "{entry}");
        }
        // No login (verification off): the vendor's confirmation of the resend decides.
        let mut f = fixture().await;
        f.run.verify = false;
        let entry = attempt(&f, Step::Settle(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        assert_eq!(entry["verified"], false);
        assert_eq!(f.logins(), 0);
        // A login whose answer proves nothing (a broken body): the confirmation alone is not
        // enough where a login could prove it; the login is tried again, and proves it.
        let f = fixture().await;
        f.sim.inject(PASS);
        f.sim.inject(Fault::MalformedBody);
        let entry = attempt(&f, Step::Settle(Password::new(NEW))).await;
        assert_eq!(entry["event"], "done", "{entry}");
        assert_eq!(entry["verified"], true, "{entry}");
        assert_eq!(f.logins(), 2);
    }

    #[test]
    fn only_429_and_503_come_back_later_and_a_status_says_overloaded() {
        let kinds = [
            (ErrorKind::RateLimited, true),
            (ErrorKind::Unavailable, true),
            (ErrorKind::Transport, false),
            (ErrorKind::OutcomeUnknown, false),
            (ErrorKind::PolicyViolation, false),
        ];
        for (kind, expected) in kinds {
            let error = Error::new(kind, "m");
            assert_eq!(comes_back_later(&error), expected, "{kind:?}");
            assert_eq!(overloaded(&error), expected, "{kind:?}");
        }
        for (status, expected) in [(429, true), (503, true), (504, false)] {
            let error = Error::new(ErrorKind::OutcomeUnknown, "m").with_status(Some(status));
            assert_eq!(overloaded(&error), expected, "{status}");
            assert!(!comes_back_later(&error));
        }
    }

    #[test]
    fn a_resume_counts_earlier_changes_as_successes() {
        let mut previous = HashMap::new();
        previous.insert("1".to_owned(), Previous::NotApplied);
        let mut fresh = Breaker::after(&previous);
        fresh.record(Some(ErrorKind::PermissionDenied));
        assert_eq!(fresh.tripped, Some(ErrorKind::PermissionDenied));
        previous.insert("2".to_owned(), Previous::Done);
        let mut resumed = Breaker::after(&previous);
        resumed.record(Some(ErrorKind::PermissionDenied));
        assert_eq!(resumed.tripped, None);
    }

    #[test]
    fn the_breaker_trips_on_refused_credentials_only() {
        let mut breaker = Breaker::default();
        breaker.record(Some(ErrorKind::CurrentPasswordInvalid));
        breaker.record(Some(ErrorKind::UserNotFound));
        assert_eq!(breaker.tripped, None);
        breaker.record(Some(ErrorKind::Unauthenticated));
        assert_eq!(breaker.tripped, Some(ErrorKind::Unauthenticated));

        // A denial before any success: the token may change no one.
        let mut breaker = Breaker::default();
        breaker.record(Some(ErrorKind::PermissionDenied));
        assert_eq!(breaker.tripped, Some(ErrorKind::PermissionDenied));

        // After a success, one denial is about one user; three without a success between are
        // about the token, whatever else fails in between.
        let mut breaker = Breaker::default();
        breaker.record(None);
        breaker.record(Some(ErrorKind::PermissionDenied));
        breaker.record(Some(ErrorKind::PermissionDenied));
        breaker.record(None);
        breaker.record(Some(ErrorKind::PermissionDenied));
        breaker.record(Some(ErrorKind::Unavailable));
        breaker.record(Some(ErrorKind::PermissionDenied));
        assert_eq!(breaker.tripped, None);
        breaker.record(Some(ErrorKind::PermissionDenied));
        assert_eq!(breaker.tripped, Some(ErrorKind::PermissionDenied));
        // The first kind stays.
        breaker.record(Some(ErrorKind::Unauthenticated));
        assert_eq!(breaker.tripped, Some(ErrorKind::PermissionDenied));
    }
}
