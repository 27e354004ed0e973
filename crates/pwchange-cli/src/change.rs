//! `pwchange change`: one password.

use pwchange::{Error, PasswordChange};

use crate::cli::ChangeArgs;
use crate::secrets::{self, PasswordSource};
use crate::target;

#[allow(clippy::print_stdout)]
pub async fn run(args: ChangeArgs, env: &target::Env) -> Result<(), Error> {
    let client = target::client(&args.target, env)?;
    let source = match (args.password_stdin, args.password_fd) {
        (true, _) => PasswordSource::Stdin,
        (false, Some(fd)) => PasswordSource::Fd(fd),
        (false, None) => PasswordSource::Prompt,
    };
    let change = if args.admin {
        let [new] = <[_; 1]>::try_from(secrets::read_passwords(&source, &["new password"])?)
            .map_err(|_| unreachable_count())?;
        PasswordChange::admin_set(args.user, new).require_change_at_next_login(args.require_change)
    } else {
        let [current, new] = <[_; 2]>::try_from(secrets::read_passwords(
            &source,
            &["current password", "new password"],
        )?)
        .map_err(|_| unreachable_count())?;
        PasswordChange::self_service(args.user, current, new)
    };
    let changed = client.change_password(&change).await?;
    if args.json {
        println!("{}", serde_json::json!({"ok": true, "changed": changed}));
    } else {
        println!(
            "changed the password of {} on {}",
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
