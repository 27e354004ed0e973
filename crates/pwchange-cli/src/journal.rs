//! `pwchange journal status` and `pwchange journal export`: a rotation's journal as a user
//! sees it, by the journal's one rule ([`pwchange_rotate::journal::UserState`]).

use std::io::{IsTerminal as _, Write as _};

use pwchange::Error;
use pwchange_rotate::journal::{self, JournalKey, UserState};
use pwchange_rotate::store::{Applied, Put};
use serde_json::json;

use crate::cli::{ExportFormat, JournalExportArgs, JournalStatusArgs};
use crate::output;

/// The users of each state, and the journal's facts, without any key.
#[allow(clippy::print_stdout)]
pub fn status(args: &JournalStatusArgs) -> Result<u8, Error> {
    let contents = journal::read(&args.journal, None)?;
    let header = &contents.header;
    let count = |name: &str| {
        contents
            .users
            .iter()
            .filter(|(_, state)| state.name() == name)
            .count()
    };
    let verified = contents
        .users
        .iter()
        .filter(|(_, state)| matches!(state, UserState::Applied { verified: true, .. }))
        .count();
    let unsettled = contents.unsettled();
    let not_stored = contents.not_stored();
    let encryption = match &header.sealing {
        pwchange_rotate::protection::Sealing::Age { recipients } => {
            format!("age, to {} recipient(s)", recipients.len())
        }
        pwchange_rotate::protection::Sealing::AgePassphrase { .. } => {
            "age, with a passphrase".to_owned()
        }
        pwchange_rotate::protection::Sealing::Plaintext => {
            "none: the passwords are in clear text".to_owned()
        }
        _ => "unknown".to_owned(),
    };
    if args.json {
        let users: Vec<_> = contents
            .users
            .iter()
            .map(|(user, state)| {
                let mut line = json!({"user_id": user, "state": state.name()});
                if let UserState::Applied {
                    verified, stored, ..
                } = state
                {
                    line["verified"] = json!(verified);
                    if header.store.is_some() {
                        line["stored"] = json!(stored);
                    }
                }
                line
            })
            .collect();
        let mut status = json!({
            "journal": args.journal.display().to_string(),
            "vendor": header.vendor,
            "base_url": header.base_url,
            "mode": header.mode,
            "encryption": header.sealing,
            "users": contents.users.len(),
            "applied": count("applied"),
            "verified": verified,
            "not_applied": count("not_applied"),
            "unsettled": count("unsettled"),
            "needs_resume": unsettled,
            "torn_tail": contents.torn_tail,
        });
        if let Some(store) = &header.store {
            status["store"] = json!(store);
            status["not_stored"] = json!(not_stored);
        }
        if args.users {
            status["states"] = json!(users);
        }
        println!("{}", output::json_line(&status));
    } else {
        println!(
            "journal {}: {} on {} ({}); passwords encrypted: {encryption}",
            args.journal.display(),
            header.vendor,
            header.base_url,
            header.mode
        );
        println!(
            "  {} user(s) journaled: {} applied ({verified} verified by logging in), {} not applied, {} unsettled",
            contents.users.len(),
            count("applied"),
            count("not_applied"),
            unsettled.len()
        );
        if let Some(store) = &header.store {
            println!(
                "  store {store}: {} applied user(s) not stored yet{}",
                not_stored.len(),
                if not_stored.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (`pwchange rotate --resume --journal {}` writes them): {}",
                        args.journal.display(),
                        not_stored.join(", ")
                    )
                }
            );
        }
        if contents.torn_tail {
            println!(
                "  its last line is incomplete (a crash mid-write, or a rotation writing it now): left out"
            );
        }
        if !unsettled.is_empty() {
            println!(
                "  unsettled (the vendor holds the journaled password or the one before): run `pwchange rotate --resume --journal {}` to settle them:",
                args.journal.display()
            );
            for user in &unsettled {
                println!("    {user}");
            }
        }
        if args.users {
            for (user, state) in &contents.users {
                let verified = match state {
                    UserState::Applied { verified: true, .. } => " (verified)",
                    _ => "",
                };
                println!("  {:<12} {user}{verified}", state.name());
            }
        }
    }
    Ok(0)
}

/// The applied users' passwords, to a file or a pipe; unsettled users apart, on stderr.
#[allow(clippy::print_stderr)]
pub async fn export(args: &JournalExportArgs, env: &crate::target::Env) -> Result<u8, Error> {
    if let Some(spec) = &args.store {
        return export_to_store(args, spec, env).await;
    }
    if args.output.is_none() && std::io::stdout().is_terminal() && !args.to_terminal {
        return Err(Error::invalid_input(
            "standard output is a terminal: the passwords would stay on the screen and in its scrollback; write them with --output FILE, pipe them, or pass --to-terminal",
        ));
    }
    let key_path = JournalKey::path(args.journal_key.as_deref())?;
    let key = JournalKey::load(&key_path, false)?;
    // Every line authenticated: a line someone else added (a recipient's key is public)
    // would otherwise hand out a password of their choosing as the vendor's.
    let contents = journal::read(&args.journal, Some(&key))?;
    let unlock = crate::rotate::unlock(&args.unlock, &contents.header.sealing, env)?;
    let applied = contents.applied_passwords(unlock)?;
    // Only now, with every password opened, is the output made: a refusal above leaves no file.
    let mut sink: Box<dyn std::io::Write> = match &args.output {
        Some(path) => {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            Box::new(options.open(path).map_err(|e| {
                Error::invalid_input(format!(
                    "cannot create {}: {} (an existing file is never overwritten)",
                    path.display(),
                    e.kind()
                ))
            })?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let written = (|| -> std::io::Result<()> {
        match args.format {
            ExportFormat::Csv => {
                let mut csv = csv::Writer::from_writer(&mut sink);
                csv.write_record(["user_id", "password", "verified"])?;
                for user in &applied {
                    csv.write_record([
                        user.user_id.as_str(),
                        user.password.as_str(),
                        if user.verified { "true" } else { "false" },
                    ])?;
                }
                csv.flush()?;
            }
            ExportFormat::Jsonl => {
                for user in &applied {
                    let line = zeroize::Zeroizing::new(output::json_line(&json!({
                        "user_id": user.user_id,
                        "password": user.password.as_str(),
                        "verified": user.verified,
                    })));
                    writeln!(sink, "{}", line.as_str())?;
                }
            }
        }
        sink.flush()
    })();
    drop(sink);
    if let Err(e) = written {
        // Half an export is worse than none: whatever was written of it goes.
        if let Some(path) = &args.output {
            let _ = std::fs::remove_file(path);
        }
        return Err(Error::new(
            pwchange::ErrorKind::Storage,
            format!("cannot write the export: {}", e.kind()),
        ));
    }
    let unsettled = contents.unsettled();
    eprintln!(
        "exported the password of {} applied user(s){}",
        applied.len(),
        if contents.torn_tail {
            "; the journal's incomplete last line was left out"
        } else {
            ""
        }
    );
    if unsettled.is_empty() {
        return Ok(0);
    }
    eprintln!(
        "{} user(s) are unsettled and were not exported (the vendor holds the journaled password or the one before; `pwchange rotate --resume` settles them):",
        unsettled.len()
    );
    for user in unsettled {
        eprintln!("  {user}");
    }
    Ok(crate::cli::EXIT_SOME_FAILED)
}

/// `journal export --store`: each applied user's password written to the store, check-and-set
/// (on the version the rotation read, where the journal has it), a line per user on stdout.
#[allow(clippy::print_stdout, clippy::print_stderr)]
async fn export_to_store(
    args: &JournalExportArgs,
    spec: &str,
    env: &crate::target::Env,
) -> Result<u8, Error> {
    let key = JournalKey::load(&JournalKey::path(args.journal_key.as_deref())?, false)?;
    let contents = journal::read(&args.journal, Some(&key))?;
    let header = &contents.header;
    let store = crate::rotate::store(Some(spec), Some(header), env)?
        .ok_or_else(|| Error::invalid_input("no store"))?;
    let unlock = crate::rotate::unlock(&args.unlock, &header.sealing, env)?;
    let applied = contents.applied_passwords(unlock)?;
    // A journal whose store is another: its base versions are that store's, not this one's.
    let same_store = header.store.as_deref() == Some(store.target());
    let (mut stored, mut conflicts) = (0, 0);
    for user in &applied {
        let (put, path) = store
            .put_applied(
                &header.vendor,
                &header.base_url,
                Applied {
                    user_id: &user.user_id,
                    password: &user.password,
                    base: if same_store { user.store_base } else { None },
                    verified: user.verified,
                    login_name: None,
                    overwrite: args.overwrite_store_conflicts,
                },
            )
            .await
            .map_err(|e| {
                Error::new(
                    e.kind(),
                    format!(
                        "{e} (user {}; {stored} stored before it: exporting again finds them stored)",
                        user.user_id
                    ),
                )
            })?;
        match put {
            Put::Stored { version } | Put::AlreadyStored { version } => {
                stored += 1;
                println!("stored    {}  {path} version {version}", user.user_id);
            }
            Put::Replaced { version, replaced } => {
                stored += 1;
                println!(
                    "replaced  {}  {path} version {version}, over version {replaced} someone else wrote",
                    user.user_id
                );
            }
            Put::Conflict { version } => {
                conflicts += 1;
                println!(
                    "conflict  {}  {path} version {version}: someone else's password is there; not overwritten (compare, then --overwrite-store-conflicts)",
                    user.user_id
                );
            }
        }
    }
    let unsettled = contents.unsettled();
    eprintln!(
        "{} applied user(s) in the store {}, {conflicts} conflict(s); {} unsettled user(s) not exported",
        stored,
        store.target(),
        unsettled.len()
    );
    Ok(if conflicts + unsettled.len() > 0 {
        crate::cli::EXIT_SOME_FAILED
    } else {
        0
    })
}
