//! The `pwchange-sim` binary as a new user meets it: `--help`, `--version`, a wrong vendor, and
//! what it prints when it starts (every setting the `pwchange` command then needs).

#![allow(clippy::unwrap_used)] // test code

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

fn sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pwchange-sim"))
}

#[test]
fn help_and_version_go_to_stdout_and_exit_0() {
    let help = sim().arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8(help.stdout).unwrap();
    for flag in [
        "--vendor",
        "--port",
        "--users",
        "--rate-limit",
        "--burst",
        "--latency",
        "--jitter",
        "--version",
        "all",
    ] {
        assert!(text.contains(flag), "{flag} missing from --help:\n{text}");
    }
    assert!(help.stderr.is_empty());
    let version = sim().arg("--version").output().unwrap();
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(version.stdout).unwrap().trim(),
        format!("pwchange-sim {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn an_unknown_vendor_is_a_usage_error_that_lists_every_choice() {
    let output = sim().args(["--vendor", "foo"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8(output.stderr).unwrap();
    for choice in pwchange_sim::Vendor::ALL
        .map(pwchange_sim::Vendor::name)
        .into_iter()
        .chain(["all"])
    {
        assert!(text.contains(choice), "{choice} missing:\n{text}");
    }
    assert!(output.stdout.is_empty());
}

/// Every simulator's first line, and the settings a client needs (an organization id
/// among them), are printed before the simulators wait for Ctrl-C.
#[test]
fn startup_prints_each_vendor_with_the_settings_a_client_needs() {
    let mut child = sim()
        .args(["--vendor", "all"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    // The last vendor's first line ends the block only when its own indented lines follow, so
    // read up to the last vendor's line and every vendor's settings before it.
    let last = pwchange_sim::Vendor::ALL.last().unwrap().name();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with(last);
        seen.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let text = seen.join("\n");
    for vendor in pwchange_sim::Vendor::ALL {
        let first = seen
            .iter()
            .find(|line| line.starts_with(vendor.name()))
            .unwrap_or_else(|| panic!("no line for {vendor}:\n{text}"));
        assert!(first.contains("http://127.0.0.1:"), "{first}");
        assert!(first.contains("token=sim-"), "{first}");
        assert!(first.contains("user="), "{first}");
    }
    for (key, _) in pwchange_sim::client_settings(pwchange_sim::Vendor::ALL[0], "http://x", "t")
        .into_iter()
        .filter(|(key, _)| !matches!(*key, "base_url" | "token"))
    {
        assert!(text.contains(&format!("setting {key}=")), "{key}:\n{text}");
    }
    assert!(text.contains("setting organization_id="), "{text}");
}
