//! `pwchange rotate`: bulk rotation with a crash-safe journal.
//!
//! For each user a new password is generated (OS CSPRNG), **written to the journal and fsynced
//! before the request is sent**, and marked done or failed after. The journal is JSON Lines,
//! created with mode 0600:
//!
//! ```text
//! {"event":"pending","user_id":"…","new_password":"…"}
//! {"event":"done","user_id":"…","verified":true}
//! {"event":"failed","user_id":"…","kind":"policy_violation","message":"…"}
//! ```
//!
//! `--resume` reads it back: `done` users are skipped; a `pending` user without an outcome (the
//! run stopped between journaling and answer) is sent **the same journaled password** again, so
//! no credential is lost or replaced by a second one; if the vendor then says the current password
//! is wrong or the new one was used before, the interrupted run had applied it (`verified: false`);
//! if the retry fails otherwise, the user stays "outcome unknown" with the same journaled password
//! for the next `--resume`. Failed users (nothing applied) get a fresh password.
//!
//! Test hook: with `PWCHANGE_FAULT_EXIT_AFTER_PENDING=N` the process exits (code 99) right after
//! journaling the N-th pending entry of this run, before sending it: a crash at the worst moment.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pwchange::{Client, Error, ErrorKind, Password, PasswordChange};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::cli::RotateArgs;
use crate::secrets;

/// One input record (CSV row or JSON line).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputRecord {
    /// The user's id in the vendor's form.
    pub user_id: String,
    /// The current password, for vendors that only do self-service changes (see each
    /// vendor's modes). Without it the rotation is an administrative set.
    #[serde(default)]
    pub current_password: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Entry {
    Pending {
        user_id: String,
        new_password: String,
    },
    Done {
        user_id: String,
        verified: bool,
    },
    Failed {
        user_id: String,
        kind: ErrorKind,
        message: String,
    },
}

fn io_error(what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidInput, what.to_string())
}

/// The input records, read lazily from the file: CSV with a header, or JSON Lines.
pub fn records(path: &Path) -> Result<Box<dyn Iterator<Item = Result<InputRecord, Error>>>, Error> {
    let file =
        File::open(path).map_err(|e| io_error(format!("cannot open {}: {e}", path.display())))?;
    let shown = path.display().to_string();
    match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => {
            let reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .from_reader(file);
            Ok(Box::new(
                reader
                    .into_deserialize::<InputRecord>()
                    .enumerate()
                    .map(move |(index, row)| {
                        // Line 1 is the header.
                        row.map_err(|e| {
                            io_error(format!("{shown} line {}: {}", index + 2, describe_csv(&e)))
                        })
                    }),
            ))
        }
        Some("jsonl" | "ndjson") => Ok(Box::new(
            BufReader::new(file)
                .lines()
                .enumerate()
                .filter_map(move |(index, line)| {
                    let line = match line {
                        Ok(line) if line.trim().is_empty() => return None,
                        Ok(line) => line,
                        Err(e) => {
                            return Some(Err(io_error(format!("{shown} line {}: {e}", index + 1))));
                        }
                    };
                    // The category and column only: serde_json's message can quote a value.
                    Some(serde_json::from_str(&line).map_err(|e| {
                        let what = match e.classify() {
                            serde_json::error::Category::Data => {
                                "the record does not match the schema (see `pwchange schema`)"
                            }
                            _ => "not valid JSON",
                        };
                        io_error(format!(
                            "{shown} line {} column {}: {what}",
                            index + 1,
                            e.column()
                        ))
                    }))
                }),
        )),
        _ => Err(io_error(format!(
            "{}: expected a .csv or .jsonl file",
            path.display()
        ))),
    }
}

/// Checks every record before anything is sent, in one streaming pass: shape, empty ids and
/// duplicates (by a 64-bit hash of the id, so memory stays ≈ 16 bytes per user). Returns the count.
pub fn check_input(path: &Path) -> Result<usize, Error> {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let mut seen = HashSet::new();
    let mut count = 0;
    for record in records(path)? {
        let record = record?;
        if record.user_id.trim().is_empty() {
            return Err(io_error(format!(
                "{}: a record has an empty user_id",
                path.display()
            )));
        }
        if !seen.insert(hasher.hash_one(&record.user_id)) {
            return Err(io_error(format!(
                "{}: user {:?} appears twice",
                path.display(),
                record.user_id
            )));
        }
        count += 1;
    }
    Ok(count)
}

/// A CSV error without the row's content (which may hold a password).
fn describe_csv(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(field) => format!("field {}: {}", field + 1, err.kind()),
            None => err.kind().to_string(),
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{len} fields where the header has {expected_len}")
        }
        _ => "not valid CSV".to_owned(),
    }
}

/// What an earlier run journaled, per user.
#[derive(Default)]
struct Previous {
    /// The last entry.
    last: HashMap<String, Entry>,
    /// The last journaled password.
    pending: HashMap<String, String>,
}

struct Journal {
    file: Mutex<File>,
}

impl Journal {
    fn create(path: &Path) -> Result<Self, Error> {
        let mut options = OpenOptions::new();
        options.create_new(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(|e| {
            io_error(format!(
                "cannot create the journal {}: {e} (an existing journal is never overwritten: pass --resume to continue it, or choose another path)",
                path.display()
            ))
        })?;
        Ok(Self {
            file: Mutex::new(file),
        })
    }

    fn reopen(path: &Path) -> Result<(Self, Previous), Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            io_error(format!(
                "cannot read the journal {} to resume: {e}",
                path.display()
            ))
        })?;
        let mut previous = Previous::default();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Entry>(line) {
                Ok(entry) => {
                    let user = match &entry {
                        Entry::Pending {
                            user_id,
                            new_password,
                        } => {
                            previous
                                .pending
                                .insert(user_id.clone(), new_password.clone());
                            user_id.clone()
                        }
                        Entry::Done { user_id, .. } | Entry::Failed { user_id, .. } => {
                            user_id.clone()
                        }
                    };
                    previous.last.insert(user, entry);
                }
                // A crash can leave a torn last line; anything else is corruption.
                Err(_) if index + 1 == text.lines().count() => {}
                Err(e) => {
                    return Err(io_error(format!(
                        "journal {} line {} is corrupt: {e}",
                        path.display(),
                        index + 1
                    )));
                }
            }
        }
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| io_error(format!("cannot append to the journal: {e}")))?;
        Ok((
            Self {
                file: Mutex::new(file),
            },
            previous,
        ))
    }

    /// Appends one entry and fsyncs it.
    fn write(&self, entry: &Entry) -> Result<(), Error> {
        let mut line =
            serde_json::to_vec(entry).map_err(|e| io_error(format!("journal entry: {e}")))?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(&line)
            .and_then(|()| file.sync_data())
            .map_err(|e| {
                Error::new(
                    ErrorKind::Unexpected,
                    format!("cannot write the journal: {e}; stopping before sending anything more"),
                )
            })
    }
}

#[derive(Debug, Default, Serialize)]
struct Summary {
    total: usize,
    changed: usize,
    already_done: usize,
    failed: usize,
    outcome_unknown: usize,
    not_attempted: usize,
    interrupted: bool,
}

/// What happened to one user.
#[derive(Debug, Serialize)]
struct ResultRecord {
    user_id: String,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<ErrorKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

enum Plan {
    Skip,
    /// Send this password; `resumed` when it was journaled by an interrupted run.
    Send {
        password: Password,
        resumed: bool,
    },
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
pub async fn run(args: RotateArgs, client: Client) -> Result<u8, Error> {
    let total = check_input(&args.input)?;
    let (journal, previous) = if args.resume {
        Journal::reopen(&args.journal)?
    } else {
        (Journal::create(&args.journal)?, Previous::default())
    };
    // Check the generator settings once, before anything is journaled.
    secrets::generate(args.length, &args.classes)?;
    let journal = Arc::new(journal);
    let client = Arc::new(client);
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::SeqCst);
            }
        });
    }
    let exit_after: Option<usize> = std::env::var("PWCHANGE_FAULT_EXIT_AFTER_PENDING")
        .ok()
        .and_then(|v| v.parse().ok());
    let pending_written = Arc::new(AtomicUsize::new(0));
    let progress = (!args.json && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let semaphore = Arc::new(tokio::sync::Semaphore::new(args.concurrency.max(1)));
    let mut ticker = (args.rate > 0.0).then(|| {
        let mut interval = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        interval
    });
    let mut summary = Summary {
        total,
        ..Default::default()
    };
    let mut tasks = tokio::task::JoinSet::new();
    for record in records(&args.input)? {
        let record = record?;
        let journaled = || {
            previous
                .pending
                .get(&record.user_id)
                .map(|p| Password::new(p.clone()))
        };
        let plan = match (previous.last.get(&record.user_id), journaled()) {
            (Some(Entry::Done { .. }), _) => Plan::Skip,
            // Journaled and maybe applied (no outcome, or OutcomeUnknown): the same password again.
            (
                Some(
                    Entry::Pending { .. }
                    | Entry::Failed {
                        kind: ErrorKind::OutcomeUnknown,
                        ..
                    },
                ),
                Some(password),
            ) => Plan::Send {
                password,
                resumed: true,
            },
            // Never journaled, or failed with nothing applied: a fresh password.
            _ => Plan::Send {
                password: secrets::generate(args.length, &args.classes)?,
                resumed: false,
            },
        };
        let (password, resumed) = match plan {
            Plan::Skip => {
                summary.already_done += 1;
                let skipped = ResultRecord {
                    user_id: record.user_id,
                    outcome: "already_done",
                    kind: None,
                    message: None,
                };
                report(&skipped, progress.as_ref(), args.json);
                continue;
            }
            Plan::Send { password, resumed } => (password, resumed),
        };
        if stop.load(Ordering::SeqCst) {
            summary.not_attempted += 1;
            let skipped = ResultRecord {
                user_id: record.user_id,
                outcome: "not_attempted",
                kind: None,
                message: None,
            };
            report(&skipped, progress.as_ref(), args.json);
            continue;
        }
        if let Some(ticker) = ticker.as_mut() {
            ticker.tick().await;
        }
        let Ok(permit) = semaphore.clone().acquire_owned().await else {
            break;
        };
        if !resumed {
            journal.write(&Entry::Pending {
                user_id: record.user_id.clone(),
                new_password: password.expose_secret().to_owned(),
            })?;
            let written = pending_written.fetch_add(1, Ordering::SeqCst) + 1;
            if exit_after == Some(written) {
                eprintln!(
                    "PWCHANGE_FAULT_EXIT_AFTER_PENDING: exiting after journaling {written} pending entries"
                );
                std::process::exit(99);
            }
        }
        let change = match &record.current_password {
            Some(current) => {
                PasswordChange::self_service(record.user_id.clone(), current.as_str(), password)
            }
            None => PasswordChange::admin_set(record.user_id.clone(), password)
                .require_change_at_next_login(args.require_change),
        };
        let client = client.clone();
        let journal = journal.clone();
        tasks.spawn(async move {
            let outcome = client.change_password(&change).await;
            drop(permit);
            let user_id = change.user_id().to_owned();
            match outcome {
                Ok(_) => journal.write(&Entry::Done { user_id: user_id.clone(), verified: true }).map(|()| ResultRecord {
                    user_id,
                    outcome: "changed",
                    kind: None,
                    message: None,
                }),
                Err(e) if resumed && matches!(e.kind(), ErrorKind::CurrentPasswordInvalid | ErrorKind::PasswordReused) => {
                    journal.write(&Entry::Done { user_id: user_id.clone(), verified: false }).map(|()| ResultRecord {
                        user_id,
                        outcome: "changed",
                        kind: None,
                        message: Some("applied by the interrupted run (the vendor refused the same change again)".into()),
                    })
                }
                // A resumed password may have been applied by the interrupted run, whatever the
                // retry says: it stays "may be applied", and the next --resume sends it again.
                Err(e) if resumed => {
                    let message = format!("the interrupted run may have applied it; the retry failed: {e}");
                    journal
                        .write(&Entry::Failed {
                            user_id: user_id.clone(),
                            kind: ErrorKind::OutcomeUnknown,
                            message: message.clone(),
                        })
                        .map(|()| ResultRecord {
                            user_id,
                            outcome: "outcome_unknown",
                            kind: Some(ErrorKind::OutcomeUnknown),
                            message: Some(message),
                        })
                }
                Err(e) => {
                    let message = e.to_string();
                    journal.write(&Entry::Failed { user_id: user_id.clone(), kind: e.kind(), message: message.clone() }).map(|()| {
                        ResultRecord {
                            user_id,
                            outcome: if e.kind() == ErrorKind::OutcomeUnknown { "outcome_unknown" } else { "failed" },
                            kind: Some(e.kind()),
                            message: Some(message),
                        }
                    })
                }
            }
        });
        // Report finished tasks as they come, so the progress bar moves.
        while let Some(done) = tasks.try_join_next() {
            finish(done, &mut summary, progress.as_ref(), args.json)?;
        }
    }
    while let Some(done) = tasks.join_next().await {
        finish(done, &mut summary, progress.as_ref(), args.json)?;
    }
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    summary.interrupted = stop.load(Ordering::SeqCst);
    if args.json {
        println!("{}", json!({"summary": summary}));
    } else {
        println!(
            "{} users: {} changed, {} already done, {} failed, {} outcome unknown, {} not attempted{}",
            summary.total,
            summary.changed,
            summary.already_done,
            summary.failed,
            summary.outcome_unknown,
            summary.not_attempted,
            if summary.interrupted {
                " (interrupted: run again with --resume to continue)"
            } else {
                ""
            }
        );
        println!(
            "the new passwords are in the journal {}",
            args.journal.display()
        );
    }
    Ok(if summary.interrupted {
        21
    } else if summary.failed + summary.outcome_unknown > 0 {
        20
    } else {
        0
    })
}

/// Counts one finished change and reports it. Nothing per user is kept: memory stays flat in
/// the number of users (beyond the input records).
fn finish(
    joined: Result<Result<ResultRecord, Error>, tokio::task::JoinError>,
    summary: &mut Summary,
    progress: Option<&indicatif::ProgressBar>,
    json: bool,
) -> Result<(), Error> {
    let record = joined.map_err(|e| {
        Error::new(
            ErrorKind::Unexpected,
            format!("a rotation task failed: {e}"),
        )
    })??;
    match record.outcome {
        "changed" => summary.changed += 1,
        "outcome_unknown" => summary.outcome_unknown += 1,
        _ => summary.failed += 1,
    }
    report(&record, progress, json);
    Ok(())
}

/// One result: a progress-bar tick on a terminal, else a line (or JSON record) on stdout.
fn report(record: &ResultRecord, progress: Option<&indicatif::ProgressBar>, json: bool) {
    match progress {
        Some(bar) => {
            bar.inc(1);
            bar.set_message(format!("{} {}", record.outcome, record.user_id));
        }
        None => print_result(record, json),
    }
}

#[allow(clippy::print_stdout)]
fn print_result(record: &ResultRecord, json: bool) {
    if json {
        println!("{}", serde_json::to_string(record).unwrap_or_default());
    } else {
        match &record.message {
            Some(message) => println!("{:<16} {}  {message}", record.outcome, record.user_id),
            None => println!("{:<16} {}", record.outcome, record.user_id),
        }
    }
}
