//! The `pwchange` binary against the simulators: every subcommand, bad input, a crash in the
//! middle of a rotation followed by `--resume`, and no canary password in any output.

#![allow(clippy::unwrap_used)] // test code

mod common;

use std::path::Path;
use std::sync::LazyLock;

use assert_cmd::Command;
use pwchange::{PasswordChange, Settings};
use pwchange_core::canary;
use pwchange_sim::{SimUser, Simulator, Vendor, demo_user};

use common::{assert_no_canary, pwchange, run, text};

/// The vendor these tests change and rotate passwords on: the first of the registry that takes
/// administrative sets (a rotation input without current passwords asks for them), found by
/// asking the facade (it refuses an unsupported mode before connecting anywhere).
static VENDOR: LazyLock<Vendor> = LazyLock::new(|| {
    // Its own thread and runtime: the tests that ask first run inside a runtime already.
    std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Vendor::ALL.into_iter().find(|&vendor| {
            let mut settings = Settings::new(vendor);
            // Port 9 (discard) on loopback: nothing listens, nothing is sent.
            for (key, value) in pwchange_sim::client_settings(vendor, "http://127.0.0.1:9", "t") {
                settings.set(key, value, key);
            }
            let client = pwchange::Client::from_settings(settings).unwrap();
            let change = PasswordChange::admin_set(demo_user(vendor).id, "N3w-Passw0rd!x");
            let outcome = runtime.block_on(client.change_password(&change));
            outcome.is_err_and(|e| e.kind() != pwchange::ErrorKind::Unsupported)
        })
    })
    .join()
    .unwrap()
    .expect("a vendor with administrative sets")
});

/// Four users of [`VENDOR`], in its id form.
static USERS: LazyLock<Vec<String>> = LazyLock::new(|| {
    (1..=4)
        .map(|n| pwchange_sim::numbered_user_id(*VENDOR, n))
        .collect()
});

fn users() -> Vec<&'static str> {
    USERS.iter().map(String::as_str).collect()
}

fn vendor_name() -> &'static str {
    VENDOR.name()
}

/// The settings (but the base URL) a command needs for `sim`, as environment variables.
fn target_env(sim: &Simulator) -> Vec<(String, String)> {
    pwchange_sim::client_settings(sim.vendor(), sim.base_url(), sim.token())
        .into_iter()
        .filter(|(key, _)| *key != "base_url")
        .map(|(key, value)| (Settings::env_name(sim.vendor(), key), value))
        .collect()
}

/// A simulator of [`VENDOR`] with the first user, whose password is the canary.
async fn user_sim() -> Simulator {
    let sim = Simulator::start(*VENDOR).await.unwrap();
    sim.add_user(SimUser::new(USERS[0].clone(), canary::PASSWORD));
    sim
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_changes_a_password_on_every_vendor() {
    let output = run({
        let mut cmd = pwchange();
        cmd.args(["demo", "--json"]);
        cmd
    })
    .await;
    assert!(output.status.success(), "{}", text(&output));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    for vendor in Vendor::ALL.map(Vendor::name) {
        let change = rows
            .iter()
            .find(|r| r["vendor"] == vendor && r["step"] == "change")
            .unwrap();
        assert_eq!(change["outcome"], "changed");
        assert_eq!(change["password_changed_in_simulator"], true);
        let wrong = rows
            .iter()
            .find(|r| r["vendor"] == vendor && r["step"] == "wrong current password")
            .unwrap();
        assert_eq!(wrong["outcome"], "error: CurrentPasswordInvalid");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn change_reads_passwords_from_stdin_and_never_prints_them() {
    let sim = user_sim().await;
    let mut cmd = pwchange();
    cmd.args([
        "change",
        "--vendor",
        vendor_name(),
        "--base-url",
        sim.base_url(),
        "--user",
        USERS[0].as_str(),
        "--password-stdin",
        "--json",
    ])
    .envs(target_env(&sim))
    .write_stdin(format!("{}\n{}\n", canary::PASSWORD, canary::NEW_PASSWORD));
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", text(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["changed"]["vendor"], vendor_name());
    assert_eq!(
        sim.password(USERS[0].as_str()).as_deref(),
        Some(canary::NEW_PASSWORD)
    );
    assert_no_canary(&output);
    sim.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread")]
async fn change_from_a_file_descriptor_path_and_config_file_precedence() {
    let sim = user_sim().await;
    let dir = tempfile::tempdir().unwrap();
    // The config file has a wrong token; the environment's wins.
    let config = dir.path().join("config.toml");
    let mut file = format!("[{}]\n", vendor_name());
    for (key, value) in pwchange_sim::client_settings(*VENDOR, sim.base_url(), "wrong-token") {
        file.push_str(&format!("{key} = \"{value}\"\n"));
    }
    std::fs::write(&config, file).unwrap();
    let passwords = dir.path().join("passwords");
    std::fs::write(
        &passwords,
        format!("{}\n{}\n", canary::PASSWORD, canary::NEW_PASSWORD),
    )
    .unwrap();
    let mut cmd = pwchange();
    cmd.args([
        "change",
        "--vendor",
        vendor_name(),
        "--user",
        USERS[0].as_str(),
        "--password-fd",
        "0",
        "--config",
    ])
    .arg(&config)
    .envs(target_env(&sim))
    .pipe_stdin(&passwords)
    .unwrap();
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        sim.password(USERS[0].as_str()).as_deref(),
        Some(canary::NEW_PASSWORD)
    );

    // Without the environment, the config file's (wrong) token is used: exit code 4.
    let mut cmd = pwchange();
    cmd.args([
        "change",
        "--vendor",
        vendor_name(),
        "--user",
        USERS[0].as_str(),
        "--password-stdin",
        "--config",
    ])
    .arg(&config)
    .write_stdin(format!("{}\n{}\n", canary::NEW_PASSWORD, canary::PASSWORD));
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    assert!(
        text(&output).contains("hint: check the credentials"),
        "{}",
        text(&output)
    );
    assert_no_canary(&output);
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_have_distinct_exit_codes_and_say_what_to_do() {
    let sim = user_sim().await;
    let base = sim.base_url().to_owned();
    let cases: Vec<(Vec<&str>, Option<&str>, i32, &str)> = vec![
        // wrong current password
        (
            vec![
                "change",
                "--vendor",
                vendor_name(),
                "--base-url",
                &base,
                "--user",
                USERS[0].as_str(),
            ],
            Some(sim.token()),
            7,
            "current password is wrong",
        ),
        // bad token
        (
            vec![
                "change",
                "--vendor",
                vendor_name(),
                "--base-url",
                &base,
                "--user",
                USERS[0].as_str(),
            ],
            Some("not-a-sim-token"),
            4,
            "check the credentials",
        ),
        // unknown user
        (
            vec![
                "change",
                "--vendor",
                vendor_name(),
                "--base-url",
                &base,
                "--user",
                pwchange_sim::unknown_user_id(*VENDOR),
            ],
            Some(sim.token()),
            6,
            "check the user id",
        ),
        // malformed URL
        (
            vec![
                "change",
                "--vendor",
                vendor_name(),
                "--base-url",
                "not a url",
                "--user",
                USERS[0].as_str(),
            ],
            Some(sim.token()),
            3,
            "is not a valid URL",
        ),
        // missing token
        (
            vec![
                "change",
                "--vendor",
                vendor_name(),
                "--base-url",
                &base,
                "--user",
                USERS[0].as_str(),
            ],
            None,
            4,
            "no credentials: set token",
        ),
        // unknown vendor (clap)
        (
            vec![
                "change",
                "--vendor",
                "okta",
                "--base-url",
                &base,
                "--user",
                "x",
            ],
            Some(sim.token()),
            2,
            "invalid value 'okta'",
        ),
        // a password on the command line is not accepted
        (
            vec![
                "change",
                "--vendor",
                vendor_name(),
                "--base-url",
                &base,
                "--user",
                "x",
                "--password",
                "p",
            ],
            Some(sim.token()),
            2,
            "unexpected argument",
        ),
    ];
    for (args, token, code, expected) in cases {
        let mut cmd = pwchange();
        cmd.args(&args).arg("--password-stdin").write_stdin(format!(
            "Wrong-{}\n{}\n",
            canary::PASSWORD,
            canary::NEW_PASSWORD
        ));
        if let Some(token) = token {
            cmd.env(Settings::env_name(*VENDOR, "token"), token);
        }
        let output = run(cmd).await;
        assert_eq!(
            output.status.code(),
            Some(code),
            "{args:?}: {}",
            text(&output)
        );
        assert!(
            text(&output).contains(expected),
            "{args:?}: {}",
            text(&output)
        );
        assert_no_canary(&output);
    }
    assert_eq!(
        sim.password(USERS[0].as_str()).as_deref(),
        Some(canary::PASSWORD),
        "nothing changed"
    );
}

fn write_csv(dir: &Path, users: &[&str]) -> std::path::PathBuf {
    let path = dir.join("users.csv");
    let mut text = String::from("user_id\n");
    for user in users {
        text.push_str(user);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn journal_passwords(path: &Path) -> std::collections::HashMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["event"] == "pending")
        .map(|e| {
            (
                e["user_id"].as_str().unwrap().to_owned(),
                e["new_password"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn rotation_sim() -> Simulator {
    let sim = Simulator::start(*VENDOR).await.unwrap();
    for user in users() {
        sim.add_user(SimUser::new(user, canary::PASSWORD));
    }
    sim
}

fn rotate_cmd(sim: &Simulator, input: &Path, journal: &Path) -> Command {
    let mut cmd = pwchange();
    cmd.args([
        "rotate",
        "--vendor",
        vendor_name(),
        "--base-url",
        sim.base_url(),
        "--concurrency",
        "1",
        "--rate",
        "0",
        "--json",
        "--input",
    ])
    .arg(input)
    .arg("--journal")
    .arg(journal)
    .envs(target_env(sim));
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn rotate_changes_every_user_and_journals_the_passwords() {
    let sim = rotation_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let input = write_csv(dir.path(), &users());
    let journal = dir.path().join("journal.jsonl");
    let output = run(rotate_cmd(&sim, &input, &journal)).await;
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let records: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        records.iter().filter(|r| r["outcome"] == "changed").count(),
        4
    );
    assert_eq!(records.last().unwrap()["summary"]["changed"], 4);
    let passwords = journal_passwords(&journal);
    for user in users() {
        assert_eq!(
            sim.password(user),
            passwords.get(user).cloned(),
            "{user}: simulator and journal agree"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&journal).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // The generated passwords are in the journal only, never in the output.
    for password in passwords.values() {
        assert!(!text(&output).contains(password.as_str()));
    }
    // A second run refuses to overwrite the journal.
    let again = run(rotate_cmd(&sim, &input, &journal)).await;
    assert_eq!(again.status.code(), Some(3), "{}", text(&again));
    assert!(text(&again).contains("pass --resume"), "{}", text(&again));
    sim.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_mid_rotation_is_resumed_without_losing_or_reapplying_a_password() {
    let sim = rotation_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let input = write_csv(dir.path(), &users());
    let journal = dir.path().join("journal.jsonl");
    // Crash right after journaling the 3rd password, before sending it.
    let mut crash = rotate_cmd(&sim, &input, &journal);
    crash.env("PWCHANGE_FAULT_EXIT_AFTER_PENDING", "3");
    let crashed = run(crash).await;
    assert_eq!(crashed.status.code(), Some(99), "{}", text(&crashed));
    let before = journal_passwords(&journal);
    assert_eq!(before.len(), 3);
    assert_eq!(
        sim.password(USERS[2].as_str()).as_deref(),
        Some(canary::PASSWORD),
        "the 3rd was journaled, not sent"
    );
    assert_eq!(
        sim.password(USERS[3].as_str()).as_deref(),
        Some(canary::PASSWORD)
    );

    let mut resume = rotate_cmd(&sim, &input, &journal);
    resume.arg("--resume");
    let resumed = run(resume).await;
    assert!(resumed.status.success(), "{}", text(&resumed));
    let after = journal_passwords(&journal);
    for user in &users()[..3] {
        assert_eq!(
            after[*user], before[*user],
            "{user}: the journaled password was kept, not replaced"
        );
    }
    for user in users() {
        assert_eq!(
            sim.password(user).as_deref(),
            Some(after[user].as_str()),
            "{user}: simulator and journal agree"
        );
    }
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(summary["summary"]["already_done"], 2);
    assert_eq!(summary["summary"]["changed"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_input_row_is_refused_before_any_request() {
    let sim = rotation_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("users.csv");
    std::fs::write(
        &input,
        format!(
            "user_id,current_password\n{},x\n{},{},extra\n",
            USERS[0].as_str(),
            USERS[1].as_str(),
            canary::PASSWORD
        ),
    )
    .unwrap();
    let output = run(rotate_cmd(&sim, &input, &dir.path().join("j.jsonl"))).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(
        text(&output).contains("users.csv line 3: 3 fields where the header has 2"),
        "{}",
        text(&output)
    );
    assert_no_canary(&output);
    assert_eq!(sim.requests(), 0);
}

#[test]
fn completions_man_page_and_schema() {
    let bash = pwchange().args(["completions", "bash"]).output().unwrap();
    assert!(bash.status.success());
    assert!(String::from_utf8_lossy(&bash.stdout).contains("_pwchange()"));
    let man = pwchange().arg("man").output().unwrap();
    assert!(String::from_utf8_lossy(&man.stdout).contains(".TH pwchange"));
    let schema = pwchange().arg("schema").output().unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert_eq!(schema["required"], serde_json::json!(["user_id"]));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_cleanly_and_says_what_was_applied() {
    use std::time::Duration;
    let sim = rotation_sim().await;
    // Every request is slow, so the interrupt lands mid-rotation.
    for _ in users() {
        sim.inject(pwchange_sim::Fault::Latency(Duration::from_millis(700)));
    }
    let dir = tempfile::tempdir().unwrap();
    let input = write_csv(dir.path(), &users());
    let journal = dir.path().join("journal.jsonl");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pwchange"))
        .args([
            "rotate",
            "--vendor",
            vendor_name(),
            "--base-url",
            sim.base_url(),
            "--concurrency",
            "1",
            "--rate",
            "0",
            "--json",
            "--input",
        ])
        .arg(&input)
        .arg("--journal")
        .arg(&journal)
        .envs(target_env(&sim))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = tokio::task::spawn_blocking(move || {
        let _ = &mut child;
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(21), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let summary = &summary["summary"];
    assert_eq!(summary["interrupted"], true);
    let changed = summary["changed"].as_u64().unwrap();
    assert!(
        changed >= 1 && summary["not_attempted"].as_u64().unwrap() >= 1,
        "{summary}"
    );
    // What the summary calls changed is exactly what changed in the simulator and the journal.
    let passwords = journal_passwords(&journal);
    let really_changed = users()
        .iter()
        .filter(|u| sim.password(u).as_deref() != Some(canary::PASSWORD))
        .count() as u64;
    assert_eq!(really_changed, changed);
    for user in users()
        .iter()
        .filter(|u| sim.password(u).as_deref() != Some(canary::PASSWORD))
    {
        assert_eq!(sim.password(user), passwords.get(*user).cloned());
    }
}

/// Faults under load: a rotation of many users while the simulator answers 5 % with 503, 2 %
/// with 429 and drops 2 % of connections after applying the change. Every user ends rotated
/// (new password in the journal) or reported failed with its kind; the simulator and the
/// journal agree exactly, before and after `--resume`.
#[tokio::test(flavor = "multi_thread")]
async fn faults_under_load_leave_journal_and_simulator_in_agreement() {
    let users: usize = std::env::var("PWCHANGE_FAULT_TEST_USERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let sim = Simulator::start(*VENDOR).await.unwrap();
    let ids: Vec<String> = (0..users as u64)
        .map(|i| pwchange_sim::numbered_user_id(*VENDOR, 1000 + i))
        .collect();
    for id in &ids {
        sim.add_user(SimUser::new(id.clone(), canary::PASSWORD));
    }
    sim.inject_random(Some(pwchange_sim::FaultMix {
        unavailable: 0.05,
        rate_limited: 0.02,
        dropped: 0.02,
        seed: 7,
    }));
    let dir = tempfile::tempdir().unwrap();
    let ids_ref: Vec<&str> = ids.iter().map(String::as_str).collect();
    let input = write_csv(dir.path(), &ids_ref);
    let journal = dir.path().join("journal.jsonl");
    let mut cmd = pwchange();
    cmd.args([
        "rotate",
        "--vendor",
        vendor_name(),
        "--base-url",
        sim.base_url(),
        "--concurrency",
        "64",
        "--rate",
        "0",
        "--json",
        "--input",
    ])
    .arg(&input)
    .arg("--journal")
    .arg(&journal)
    .envs(target_env(&sim));
    let output = run(cmd).await;
    assert_eq!(
        output.status.code(),
        Some(20),
        "some users fail under faults: {}",
        text(&output)
    );
    let check = |round: &str| {
        let text = std::fs::read_to_string(&journal).unwrap();
        let mut last_pending = std::collections::HashMap::new();
        let mut last_event = std::collections::HashMap::new();
        for entry in text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        {
            let user = entry["user_id"].as_str().unwrap().to_owned();
            if entry["event"] == "pending" {
                last_pending.insert(
                    user.clone(),
                    entry["new_password"].as_str().unwrap().to_owned(),
                );
            }
            last_event.insert(user, entry);
        }
        let (mut rotated, mut failed) = (0, 0);
        for id in &ids {
            let now = sim.password(id).unwrap();
            let event = &last_event[id];
            if now == canary::PASSWORD {
                // Not applied: the journal must say failed, with a kind other than "maybe applied".
                assert_eq!(
                    event["event"], "failed",
                    "{round} {id}: unchanged but {event}"
                );
                assert_ne!(
                    event["kind"], "outcome_unknown",
                    "{round} {id}: unchanged is known"
                );
                failed += 1;
            } else {
                // Applied: exactly the journaled password.
                assert_eq!(
                    Some(&now),
                    last_pending.get(id),
                    "{round} {id}: the simulator has a password the journal lacks"
                );
                assert!(
                    event["event"] == "done" || event["kind"] == "outcome_unknown",
                    "{round} {id}: applied but {event}"
                );
                rotated += 1;
            }
        }
        (rotated, failed)
    };
    let (rotated, failed) = check("first run");
    assert!(
        rotated > users * 8 / 10 && failed > 0,
        "rotated {rotated}, failed {failed}"
    );

    // Resume with the faults still on: nothing lost, nothing applied twice.
    let mut resume = pwchange();
    resume
        .args([
            "rotate",
            "--vendor",
            vendor_name(),
            "--base-url",
            sim.base_url(),
            "--concurrency",
            "64",
            "--rate",
            "0",
            "--json",
            "--resume",
            "--input",
        ])
        .arg(&input)
        .arg("--journal")
        .arg(&journal)
        .envs(target_env(&sim));
    let resumed = run(resume).await;
    assert!(
        matches!(resumed.status.code(), Some(0 | 20)),
        "{}",
        text(&resumed)
    );
    let (rotated_after, _) = check("after resume");
    assert!(
        rotated_after > rotated,
        "resume rotated more users ({rotated} → {rotated_after})"
    );
    assert_no_canary(&output);
    assert_no_canary(&resumed);
}

/// The secrets sweep: every error path, on every vendor, with a canary current password, a
/// canary new password and (where the path allows) a canary token, through the CLI with
/// trace-level logging of everything (pwchange, reqwest, hyper). Neither canary may appear in
/// stdout or stderr, whether text, JSON or logs.
#[tokio::test(flavor = "multi_thread")]
async fn secrets_sweep_over_every_error_path() {
    use pwchange_sim::{Fault, demo_user};
    let good_new = format!("{}Aa1!", canary::NEW_PASSWORD);
    for vendor in Vendor::ALL {
        let sim = Simulator::start(vendor).await.unwrap();
        let user = demo_user(vendor);
        // Scenarios: (fault, token, current password, user id).
        let paths: Vec<(Option<Fault>, &str, &str, &str)> = vec![
            (None, sim.token(), canary::PASSWORD, &user.id), // wrong current password
            (None, canary::TOKEN, canary::PASSWORD, &user.id), // bad token
            (
                Some(Fault::RateLimited {
                    retry_after_secs: 1,
                }),
                sim.token(),
                canary::PASSWORD,
                &user.id,
            ),
            (
                Some(Fault::Unavailable),
                sim.token(),
                canary::PASSWORD,
                &user.id,
            ),
            (
                Some(Fault::MalformedBody),
                sim.token(),
                canary::PASSWORD,
                &user.id,
            ),
            (
                Some(Fault::DropConnection),
                sim.token(),
                canary::PASSWORD,
                &user.id,
            ),
            (None, sim.token(), canary::PASSWORD, "not-a-valid-id/../x"), // invalid input
        ];
        for (fault, token, current, id) in paths {
            sim.reset();
            sim.add_user(user.clone());
            if let Some(fault) = fault.clone() {
                sim.inject(fault);
            }
            let mut cmd = pwchange();
            cmd.args([
                "-vvv",
                "change",
                "--vendor",
                vendor.name(),
                "--base-url",
                sim.base_url(),
                "--user",
                id,
                "--password-stdin",
            ]);
            for (key, value) in pwchange_sim::client_settings(vendor, sim.base_url(), token) {
                if key != "base_url" {
                    cmd.env(Settings::env_name(vendor, key), value);
                }
            }
            cmd.write_stdin(format!("{current}\n{good_new}\n"));
            let output = run(cmd).await;
            assert!(
                !output.status.success(),
                "{vendor} {fault:?}: {}",
                text(&output)
            );
            assert!(
                text(&output).contains("TRACE") || text(&output).contains("DEBUG"),
                "logging is on"
            );
            assert_no_canary(&output);
            let mut json = pwchange();
            json.args([
                "change",
                "--json",
                "--vendor",
                vendor.name(),
                "--base-url",
                sim.base_url(),
                "--user",
                id,
                "--password-stdin",
            ]);
            for (key, value) in pwchange_sim::client_settings(vendor, sim.base_url(), token) {
                if key != "base_url" {
                    json.env(Settings::env_name(vendor, key), value);
                }
            }
            json.write_stdin(format!("{current}\n{good_new}\n"));
            assert_no_canary(&run(json).await);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn jsonl_errors_and_duplicates_are_refused_without_echoing_values() {
    let sim = rotation_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("users.jsonl");
    std::fs::write(
        &jsonl,
        format!(
            "{{\"user_id\": \"{}\"}}\n{{\"user_id\": \"{}\", \"current_password\": 98765432123}}\n",
            USERS[0].as_str(),
            USERS[1].as_str()
        ),
    )
    .unwrap();
    let output = run(rotate_cmd(&sim, &jsonl, &dir.path().join("a.jsonl"))).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(
        text(&output).contains("users.jsonl line 2 column"),
        "{}",
        text(&output)
    );
    assert!(
        !text(&output).contains("98765432123"),
        "a value was echoed: {}",
        text(&output)
    );
    let csv = write_csv(
        dir.path(),
        &[USERS[0].as_str(), USERS[1].as_str(), USERS[0].as_str()],
    );
    let output = run(rotate_cmd(&sim, &csv, &dir.path().join("b.jsonl"))).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(text(&output).contains("appears twice"), "{}", text(&output));
    assert_eq!(sim.requests(), 0);
}
