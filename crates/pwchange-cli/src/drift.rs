//! `pwchange drift`: the library's drift check ([`pwchange_rotate::drift`]) on a journal's
//! applied users, with the passwords of its store (or its own), and a line per user.

use std::collections::HashMap;
use std::sync::Arc;

use pwchange::Error;
use pwchange_rotate::drift::{self, DriftResult, DriftState, DriftSummary, DriftUser};
use pwchange_rotate::journal::{self, Contents, JournalKey, UserState};
use pwchange_rotate::store::{Store, VaultConfig};
use pwchange_rotate::{Input, Mode, PacingConfig};

use crate::cli::{DriftArgs, DriftSource, EXIT_DRIFT, EXIT_NOT_VERIFIABLE};
use crate::output::{self, Console};

/// A line of `drift --json`.
#[derive(serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum JsonLine<'a> {
    Result(&'a DriftResult),
    Summary {
        #[serde(flatten)]
        summary: &'a DriftSummary,
    },
}

pub async fn run(
    mut args: DriftArgs,
    env: &crate::target::Env,
    console: &Console,
) -> Result<u8, Error> {
    let key = JournalKey::load(&JournalKey::path(args.journal_key.as_deref())?, false)?;
    // Every line authenticated: the journal decides whose passwords are tried where.
    let contents = journal::read(&args.journal, Some(&key))?;
    let header = &contents.header;
    if args.target.vendor.is_none() {
        args.target.vendor = Some(header.vendor.parse().map_err(|_| {
            Error::invalid_input(format!(
                "the journal {} names a vendor this build does not include",
                args.journal.display()
            ))
        })?);
        if args.target.base_url.is_none() {
            args.target.base_url = Some(header.base_url.clone());
        }
    }
    let client = crate::target::client(&args.target, env)?;
    if client.vendor().name() != header.vendor {
        return Err(Error::invalid_input(format!(
            "the journal {} was written for vendor {}, not {}",
            args.journal.display(),
            header.vendor,
            client.vendor()
        )));
    }
    let login_names = login_names(&contents, client.vendor());
    let source = args.source.unwrap_or(if header.store.is_some() {
        DriftSource::Store
    } else {
        DriftSource::Journal
    });
    let users = match source {
        DriftSource::Journal => {
            let unlock = crate::rotate::unlock(&args.unlock, &header.sealing, env)?;
            contents
                .applied_passwords(unlock)?
                .into_iter()
                .map(|applied| DriftUser {
                    login_name: login_names.get(&applied.user_id).cloned(),
                    user_id: applied.user_id,
                    password: Some(applied.password),
                    source: "journal".to_owned(),
                })
                .collect()
        }
        DriftSource::Store => {
            let target = header.store.clone().ok_or_else(|| {
                Error::invalid_input(format!(
                    "the journal {} names no store: check it with --source journal",
                    args.journal.display()
                ))
            })?;
            let config = VaultConfig::from_lookup(|name| {
                crate::target::lookup(env, name).map(str::to_owned)
            })?;
            let store = Store::at(*target, config)?;
            let mut users = Vec::new();
            for (user_id, state) in &contents.users {
                if !matches!(state, UserState::Applied { .. }) {
                    continue;
                }
                let path = store.target().path_for(&header.vendor, user_id)?;
                let current = store.current(&path).await?;
                let secret = current.secret.filter(|s| s.user_id == *user_id);
                users.push(DriftUser {
                    user_id: user_id.clone(),
                    // The input's (the operator's) first: whoever can write the secret chooses
                    // its login name.
                    login_name: login_names
                        .get(user_id)
                        .cloned()
                        .or_else(|| secret.as_ref().and_then(|s| s.login_name.clone())),
                    source: match &secret {
                        Some(_) => format!("store version {}", current.version),
                        None => format!("no secret of this user at {path} in the store"),
                    },
                    password: secret.map(|s| s.password),
                });
            }
            users
        }
    };
    let out = Arc::new((args.json, *console));
    let printer = out.clone();
    let summary = drift::check(
        &client,
        users,
        PacingConfig::new(
            crate::rotate::cap(args.concurrency),
            crate::rotate::cap(args.rate),
        ),
        move |result| {
            let (json, console) = &*printer;
            print_line(&if *json {
                output::json_line(&JsonLine::Result(result))
            } else if result.state == DriftState::InSync && console.quiet {
                return;
            } else {
                let state = result.state.name();
                match &result.message {
                    Some(message) => format!(
                        "{state:<15} {}  ({}) {message}",
                        result.user_id, result.source
                    ),
                    None => format!("{state:<15} {}  ({})", result.user_id, result.source),
                }
            });
        },
    )
    .await;
    if args.json {
        print_line(&output::json_line(&JsonLine::Summary { summary: &summary }));
    } else {
        print_line(&format!(
            "{} users: {} in sync, {} out of sync, {} not verifiable",
            summary.total,
            summary.in_sync,
            console.count(summary.out_of_sync, true),
            console.count(summary.not_verifiable, true),
        ));
    }
    Ok(if summary.out_of_sync > 0 {
        EXIT_DRIFT
    } else if summary.not_verifiable > 0 {
        EXIT_NOT_VERIFIABLE
    } else {
        0
    })
}

/// A line on standard output; one that cannot be written (its reader went away) is dropped,
/// as the check changes nothing.
fn print_line(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// The login names the rotation's input gave (a vendor whose login needs one besides the id),
/// where its input file can still be read; none otherwise.
fn login_names(contents: &Contents, vendor: pwchange::Vendor) -> HashMap<String, String> {
    let header = &contents.header;
    let admin = header.mode
        == (Mode::AdminSet {
            require_change: false,
        })
        .name();
    let Some(input) = header
        .input
        .as_ref()
        .and_then(|path| Input::read(path.as_ref()).ok())
    else {
        return HashMap::new();
    };
    let Ok(records) = pwchange_rotate::input::checked(&input, vendor, admin) else {
        return HashMap::new();
    };
    records
        .filter_map(Result::ok)
        .filter_map(|record| Some((record.user_id, record.login_name?)))
        .collect()
}
