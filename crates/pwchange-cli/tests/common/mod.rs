//! What every test of the `pwchange` binary needs: a clean command, running it beside a
//! simulator, and reading its output.

#![allow(dead_code)] // each test binary uses its own subset

use assert_cmd::Command;
use pwchange_core::canary;

/// `pwchange` with nothing from the developer's environment or config.
pub fn pwchange() -> Command {
    let mut cmd = Command::cargo_bin("pwchange").unwrap();
    for (name, _) in std::env::vars() {
        if name.starts_with("PWCHANGE_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("XDG_CONFIG_HOME", "/nonexistent-pwchange-test");
    cmd
}

/// Runs a blocking command while the simulator keeps serving.
pub async fn run(mut cmd: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// Standard output and standard error together.
pub fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Panics when the output holds a canary secret.
pub fn assert_no_canary(output: &std::process::Output) {
    canary::assert_absent("pwchange output", &text(output));
}
