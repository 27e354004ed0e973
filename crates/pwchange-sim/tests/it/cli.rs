//! The `pwchange-sim` binary as a new user meets it: `--help`, `--version`, a wrong vendor, and
//! what it prints when it starts (every setting the `pwchange` command then needs).

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use pwchange_sim::Vendor;

fn sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pwchange-sim"))
}

#[test]
fn help_and_version_go_to_stdout_and_exit_0() {
    let help = sim().arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8(help.stdout).unwrap();
    let choices: Vec<&str> = Vendor::ALL
        .map(Vendor::name)
        .into_iter()
        .chain(["all"])
        .collect();
    let possible = format!("[possible values: {}]", choices.join(", "));
    for flag in [
        "--vendor",
        "--port",
        "--users",
        "--rate-limit",
        "--burst",
        "--latency",
        "--jitter",
        "--version",
        &possible,
    ] {
        // clap wraps long lines: compare with the whitespace collapsed.
        let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            collapsed.contains(flag),
            "{flag} missing from --help:\n{text}"
        );
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
    for choice in Vendor::ALL.map(Vendor::name).into_iter().chain(["all"]) {
        assert!(text.contains(choice), "{choice} missing:\n{text}");
    }
    assert!(output.stdout.is_empty());
}

/// Every simulator's block: its first line, then the settings a client needs (an organization
/// id among them), printed before the simulators wait for Ctrl-C.
#[test]
fn startup_prints_each_vendor_with_the_settings_a_client_needs() {
    let mut child = sim()
        .args(["--vendor", "all"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if sender.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    // Everything is printed at once at start; a quiet second after the first line ends it.
    let mut seen = vec![lines.recv_timeout(Duration::from_secs(30)).unwrap()];
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(1)) {
        seen.push(line);
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let text = seen.join("\n");
    for vendor in Vendor::ALL {
        let start = seen
            .iter()
            .position(|line| line.starts_with(&format!("{:<9} ", vendor.name())))
            .unwrap_or_else(|| panic!("no line for {vendor}:\n{text}"));
        let first = &seen[start];
        assert!(first.contains("http://127.0.0.1:"), "{first}");
        assert!(first.contains("token=sim-"), "{first}");
        assert!(first.contains("user="), "{first}");
        let block: Vec<&String> = seen[start + 1..]
            .iter()
            .take_while(|line| line.starts_with(' '))
            .collect();
        for (key, _) in pwchange_sim::client_settings(vendor, "http://x", "t")
            .into_iter()
            .filter(|(key, _)| !matches!(*key, "base_url" | "token"))
        {
            assert!(
                block
                    .iter()
                    .any(|line| line.trim_start().starts_with(&format!("setting {key}="))),
                "{vendor}: setting {key}:\n{text}"
            );
        }
    }
    assert!(text.contains("setting organization_id="), "{text}");
}
