//! `pwchange change`: one password.

use pwchange::{Error, PasswordChange, Verification};

use crate::cli::ChangeArgs;
use crate::output::Console;
use crate::policy;
use crate::secrets::{self, PasswordSource};
use crate::target;

#[allow(clippy::print_stdout)]
pub async fn run(args: ChangeArgs, env: &target::Env, console: &Console) -> Result<(), Error> {
    let client = target::client(&args.target, env)?;
    let source = match (args.password_stdin, args.password_fd) {
        (true, _) => PasswordSource::Stdin,
        (false, Some(fd)) => PasswordSource::Fd(fd),
        (false, None) => PasswordSource::Prompt,
    };
    let change = if args.admin {
        let [new] = <[_; 1]>::try_from(secrets::read_passwords(&source, &[secrets::NEW_PASSWORD])?)
            .map_err(|_| unreachable_count())?;
        PasswordChange::admin_set(args.user, new).require_change_at_next_login(args.require_change)
    } else if args.reset_code {
        let [code, new] = <[_; 2]>::try_from(secrets::read_passwords(
            &source,
            &["verification code", secrets::NEW_PASSWORD],
        )?)
        .map_err(|_| unreachable_count())?;
        PasswordChange::reset_with_code(args.user, code, new)
    } else {
        let [current, new] = <[_; 2]>::try_from(secrets::read_passwords(
            &source,
            &["current password", secrets::NEW_PASSWORD],
        )?)
        .map_err(|_| unreachable_count())?;
        PasswordChange::self_service(args.user, current, new)
    }
    .verify(!args.no_verify);
    let change = match args.login_name {
        Some(login) => change.login_name(login),
        None => change,
    };
    // Every local check first (id, mode, lengths), then the vendor's policy, then the change.
    client.check_change(&change)?;
    if !args.no_policy_check {
        policy::of(&client).await?.check(change.new_password())?;
    }
    let changed = client.change_password(&change).await?;
    if args.json {
        println!(
            "{}",
            crate::output::json_line(&serde_json::json!({"ok": true, "changed": changed}))
        );
    } else if !console.quiet {
        let how = match &changed.verification {
            Verification::Verified => "verified by logging in with it".to_owned(),
            Verification::Skipped => {
                "the vendor confirmed it; not verified (--no-verify)".to_owned()
            }
            Verification::NotVerifiable { reason } => {
                format!("the vendor confirmed it; not verifiable: {reason}")
            }
            _ => "the vendor confirmed it".to_owned(),
        };
        println!(
            "changed the password of {} on {} ({how})",
            changed.user_id, changed.vendor
        );
    }
    Ok(())
}

fn unreachable_count() -> Error {
    Error::new(
        pwchange::ErrorKind::Unexpected,
        "read an unexpected number of passwords",
    )
}
