//! `pwchange rotate` against the simulators: the journal, crashes and `--resume`, faults under
//! load, and each way issue #10 found a rotation could report a change that did not happen or
//! journal a password the vendor does not hold.

use pwchange_core::canary;
use std::path::Path;

use pwchange_sim::{SimUser, Simulator};

use crate::common::*;

#[tokio::test(flavor = "multi_thread")]
async fn rotate_changes_every_user_and_journals_the_passwords() {
    let sim = rotation_sim().await;
    let (_dir, input, journal) = admin_rotation_files();
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
    assert_eq!(records.last().unwrap()["summary"]["total"], 4);
    assert_eq!(records.last().unwrap()["summary"]["verified"], 4);
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
    let (_dir, input, journal) = admin_rotation_files();
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
    // One login per user over both runs: the crashed user's journaled password was tried once
    // (refused: not applied), then sent again without a second login.
    for user in users() {
        assert_eq!(sim.logins(user), 1, "{user}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_input_row_is_refused_before_any_request() {
    let sim = rotation_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("users.csv");
    std::fs::write(
        &input,
        format!(
            "user_id,current_password\n{},\n{},{},extra\n",
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

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_cleanly_and_says_what_was_applied() {
    use std::time::Duration;
    let sim = rotation_sim().await;
    // Every request is slow, so the interrupt lands mid-rotation.
    for _ in users() {
        sim.inject(pwchange_sim::Fault::Latency(Duration::from_millis(700)));
    }
    let (_dir, input, journal) = admin_rotation_files();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pwchange"))
        .args([
            "rotate",
            "--recipient",
            JOURNAL_IDENTITY.1.as_str(),
            "--vendor",
            vendor_name(),
            "--base-url",
            sim.base_url(),
            "--admin",
            "--yes",
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

/// Checks, after a run, that the journal and the simulator agree: for every user whose journal
/// is settled, the password the journal says the vendor holds is the simulator's; every user
/// the run reported "changed" holds the last journaled password. Returns the unsettled users.
fn assert_agreement(
    sim: &Simulator,
    journal: &Path,
    ids: &[String],
    stdout: &str,
    round: &str,
) -> usize {
    let held = journal_held(journal);
    let last = journal_passwords(journal);
    let mut last_event = std::collections::HashMap::new();
    for entry in journal_entries(journal) {
        if let Some(user) = entry["user_id"].as_str() {
            last_event.insert(user.to_owned(), entry.clone());
        }
    }
    let mut unsettled = 0;
    for id in ids {
        let now = sim.password(id).unwrap();
        let Some(event) = last_event.get(id) else {
            assert_eq!(
                now,
                canary::PASSWORD,
                "{round} {id}: changed without a journal entry"
            );
            continue;
        };
        if event["event"] == "pending" || event["outcome"] == "unknown" {
            unsettled += 1;
            continue;
        }
        let expected = held[id]
            .clone()
            .unwrap_or_else(|| canary::PASSWORD.to_owned());
        assert_eq!(now, expected, "{round} {id}: the journal says {event}");
    }
    for line in stdout.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        if record["outcome"] == "changed" {
            let user = record["user_id"].as_str().unwrap();
            assert_eq!(
                sim.password(user).as_ref(),
                last.get(user),
                "{round} {user}: reported changed, but the simulator holds another password"
            );
        }
    }
    unsettled
}

/// `rotate --admin --yes` against `sim` with many changes in flight.
fn loaded_rotation(
    sim: &Simulator,
    input: &Path,
    journal: &Path,
    resume: bool,
) -> assert_cmd::Command {
    let mut cmd = rotate_cmd_with(sim, input, journal, 32);
    if resume {
        cmd.arg("--resume");
    }
    cmd
}

/// Issue #10's load test: 10,000 users while the simulator answers 5 % with 503, 2 % with 429,
/// drops 2 % of connections after applying, answers 1 % with a 504 after applying and 1 % with
/// a 200 that changed nothing. After every run, journal and simulator agree for every settled
/// user and every "changed" is true; `--resume` (faults still on) until the run succeeds ends
/// in exact agreement for every user.
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
        gateway_timeout_after_apply: 0.01,
        no_effect: 0.01,
        seed: 7,
    }));
    let dir = tempfile::tempdir().unwrap();
    let ids_ref: Vec<&str> = ids.iter().map(String::as_str).collect();
    let input = write_csv(dir.path(), &ids_ref);
    let journal = dir.path().join("journal.jsonl");
    let output = run(loaded_rotation(&sim, &input, &journal, false)).await;
    assert_eq!(
        output.status.code(),
        Some(20),
        "some users fail under faults: {}",
        text(&output)
    );
    assert_no_canary(&output);
    assert_agreement(
        &sim,
        &journal,
        &ids,
        &String::from_utf8_lossy(&output.stdout),
        "first run",
    );
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds <= 10, "--resume did not converge");
        let resumed = run(loaded_rotation(&sim, &input, &journal, true)).await;
        assert_no_canary(&resumed);
        let unsettled = assert_agreement(
            &sim,
            &journal,
            &ids,
            &String::from_utf8_lossy(&resumed.stdout),
            &format!("resume {rounds}"),
        );
        match resumed.status.code() {
            Some(0) => {
                assert_eq!(unsettled, 0);
                break;
            }
            Some(20) => {}
            other => panic!("resume {rounds}: exit {other:?}: {}", text(&resumed)),
        }
    }
    // Everyone rotated: the simulator holds exactly the journal's last password for each.
    let last = journal_passwords(&journal);
    for id in &ids {
        assert_eq!(sim.password(id).as_ref(), last.get(id), "{id}");
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

// ---- Issue #10: each finding, as a new user met it. ----

/// A simulator of [`VENDOR`] whose users have the canary password, a self-service input for
/// them, and a journal of a run that crashed right after journaling the first password (before
/// sending it).
async fn crashed_self_service_run() -> (
    Simulator,
    tempfile::TempDir,
    std::path::PathBuf,
    std::path::PathBuf,
) {
    let sim = rotation_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let input = write_self_service_csv(dir.path(), &users(), canary::PASSWORD);
    let journal = dir.path().join("journal.jsonl");
    let mut crash = self_service_cmd(&sim, &input, &journal);
    crash.env("PWCHANGE_FAULT_EXIT_AFTER_PENDING", "1");
    // One change at a time: nothing else is in flight when the hook ends the process.
    crash.args(["--concurrency", "1"]);
    let crashed = run(crash).await;
    assert_eq!(crashed.status.code(), Some(99), "{}", text(&crashed));
    assert_eq!(sim.requests(), 0, "crashed before sending");
    (sim, dir, input, journal)
}

/// Finding 1: after a crash between journal and send, the resend carries a current password
/// the vendor no longer accepts; that refusal is not proof of an earlier success.
#[tokio::test(flavor = "multi_thread")]
async fn finding_1_a_resume_never_reads_a_refusal_as_an_earlier_success() {
    for verify in [true, false] {
        let (sim, _dir, input, journal) = crashed_self_service_run().await;
        // Meanwhile the password changed elsewhere: the input's current password is wrong now.
        sim.add_user(SimUser::new(USERS[0].clone(), "Changed-Elsewhere-1!"));
        let mut resume = self_service_cmd(&sim, &input, &journal);
        resume.arg("--resume");
        if !verify {
            resume.arg("--no-verify");
        }
        let resumed = run(resume).await;
        assert_eq!(resumed.status.code(), Some(20), "{}", text(&resumed));
        let first = result_of(&resumed, &USERS[0]);
        // Neither password is accepted, with or without the login: nothing is proven either
        // way, so the outcome is unknown and the journaled password kept for the next resume.
        assert_eq!(
            first["outcome"], "outcome_unknown",
            "verify {verify}: {first}"
        );
        if verify {
            assert!(
                first["message"]
                    .as_str()
                    .unwrap()
                    .contains("neither the journaled password"),
                "{first}"
            );
        }
        assert_eq!(
            sim.password(&USERS[0]).as_deref(),
            Some("Changed-Elsewhere-1!")
        );
        assert_eq!(summary(&resumed)["changed"], 3);
    }
}

/// Finding 1, the other way: a change applied behind a lost answer is settled by a login on
/// `--resume`, with the same journaled password (never a fresh one).
#[tokio::test(flavor = "multi_thread")]
async fn finding_1_an_applied_change_with_a_lost_answer_is_settled_by_a_login() {
    let sim = rotation_sim().await;
    let (_dir, input, journal) = admin_rotation_files();
    sim.inject(pwchange_sim::Fault::GatewayTimeoutAfterApply);
    let mut first = rotate_cmd(&sim, &input, &journal);
    first.arg("--no-verify");
    let output = run(first).await;
    assert_eq!(output.status.code(), Some(20), "{}", text(&output));
    let first = result_of(&output, &USERS[0]);
    assert_eq!(first["outcome"], "outcome_unknown", "{first}");
    assert_eq!(
        summary(&output)["failures_by_kind"],
        serde_json::json!({"outcome_unknown": 1}),
        "an unknown outcome is counted as one, whatever error left it"
    );
    let journaled = journal_passwords(&journal)[USERS[0].as_str()].clone();
    assert_eq!(
        sim.password(&USERS[0]),
        Some(journaled.clone()),
        "applied behind the 504"
    );

    let mut resume = rotate_cmd(&sim, &input, &journal);
    resume.arg("--resume");
    let resumed = run(resume).await;
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
    let settled = result_of(&resumed, &USERS[0]);
    assert_eq!(settled["outcome"], "changed", "{settled}");
    assert_eq!(settled["verified"], true, "{settled}");
    assert_eq!(sim.logins(&USERS[0]), 1, "one login settled it");
    let pending = journal_entries(&journal)
        .into_iter()
        .filter(|e| e["event"] == "pending" && e["user_id"] == USERS[0].as_str())
        .count();
    assert_eq!(pending, 1, "no second password for the user");
    assert_eq!(journal_passwords(&journal)[USERS[0].as_str()], journaled);
}

/// Finding 2: a second process on the same journal is refused at once.
#[tokio::test(flavor = "multi_thread")]
async fn finding_2_a_second_process_on_one_journal_is_refused() {
    use std::time::Duration;
    let sim = rotation_sim().await;
    for _ in users() {
        sim.inject(pwchange_sim::Fault::Latency(Duration::from_millis(400)));
    }
    let (_dir, input, journal) = admin_rotation_files();
    let mut first = rotate_std(&sim, &input, &journal, 1)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !journal.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the first run never created its journal"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut second = rotate_cmd(&sim, &input, &journal);
    second.arg("--resume");
    let refused = run(second).await;
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    assert!(
        text(&refused).contains("in use by another pwchange process"),
        "{}",
        text(&refused)
    );
    let output = tokio::task::spawn_blocking(move || {
        let _ = &mut first;
        first.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let passwords = journal_passwords(&journal);
    assert_eq!(passwords.len(), 4);
    for user in users() {
        assert_eq!(sim.password(user).as_ref(), passwords.get(user), "{user}");
    }
}

/// Finding 3: one user spelled several ways is one user, for every vendor.
#[tokio::test(flavor = "multi_thread")]
async fn finding_3_one_user_spelled_several_ways_is_refused_as_a_duplicate() {
    for vendor in pwchange_sim::Vendor::ALL {
        let sim = Simulator::start(vendor).await.unwrap();
        let id = pwchange_sim::demo_user(vendor).id;
        let spellings: Vec<String> = [
            format!(" {id} "),
            id.to_uppercase(),
            id.to_lowercase(),
            format!("{{{id}}}"),
            format!("0{id}"),
        ]
        .into_iter()
        .filter(|s| *s != id && pwchange::canonical_user_id(vendor, s).ok().as_ref() == Some(&id))
        .collect();
        assert!(!spellings.is_empty(), "{vendor}");
        for spelling in spellings {
            let dir = tempfile::tempdir().unwrap();
            let input = dir.path().join("users.jsonl");
            std::fs::write(
                &input,
                format!(
                    "{}\n{}\n",
                    serde_json::json!({"user_id": id, "current_password": "Old-1"}),
                    serde_json::json!({"user_id": spelling, "current_password": "Old-1"})
                ),
            )
            .unwrap();
            let journal = dir.path().join("journal.jsonl");
            let output = run(self_service_cmd(&sim, &input, &journal)).await;
            assert_eq!(
                output.status.code(),
                Some(3),
                "{vendor} {spelling:?}: {}",
                text(&output)
            );
            assert!(
                text(&output).contains("line 2: the user appears twice"),
                "{vendor} {spelling:?}: {}",
                text(&output)
            );
            assert!(!journal.exists());
        }
        assert_eq!(sim.requests(), 0, "{vendor}");
    }
}

/// Finding 6: a torn last journal line is cut off on `--resume`, not glued to the next entry.
#[tokio::test(flavor = "multi_thread")]
async fn finding_6_a_torn_last_journal_line_is_repaired() {
    let sim = rotation_sim().await;
    let (_dir, input, journal) = admin_rotation_files();
    let mut crash = rotate_cmd(&sim, &input, &journal);
    crash.env("PWCHANGE_FAULT_EXIT_AFTER_PENDING", "2");
    assert_eq!(run(crash).await.status.code(), Some(99));
    // The crash tore the line being written.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap();
    std::io::Write::write_all(&mut file, br#"{"event":"done","user_id":"#).unwrap();
    drop(file);
    for round in 0..2 {
        let mut resume = rotate_cmd(&sim, &input, &journal);
        resume.args(["--resume", "-v"]);
        let resumed = run(resume).await;
        assert!(
            resumed.status.success(),
            "round {round}: {}",
            text(&resumed)
        );
        // The first resume cuts the torn line off; the second finds nothing to cut.
        assert_eq!(
            text(&resumed).contains("cutting off a torn last journal line"),
            round == 0,
            "round {round}: {}",
            text(&resumed)
        );
    }
    let text = std::fs::read_to_string(&journal).unwrap();
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    let passwords = journal_passwords(&journal);
    for user in users() {
        assert_eq!(sim.password(user).as_ref(), passwords.get(user), "{user}");
    }
}

/// Finding 7: `--resume` continues only the rotation the journal belongs to, and says what
/// differs.
#[tokio::test(flavor = "multi_thread")]
async fn finding_7_resume_is_tied_to_its_vendor_url_mode_and_input() {
    let sim = rotation_sim().await;
    let (dir, input, journal) = admin_rotation_files();
    let mut crash = rotate_cmd(&sim, &input, &journal);
    crash.env("PWCHANGE_FAULT_EXIT_AFTER_PENDING", "2");
    assert_eq!(run(crash).await.status.code(), Some(99));
    let before = std::fs::read(&journal).unwrap();

    // Another vendor (with an input that is valid for it).
    let other_vendor = pwchange_sim::Vendor::ALL
        .into_iter()
        .find(|v| *v != *VENDOR)
        .unwrap();
    let other = Simulator::start(other_vendor).await.unwrap();
    let other_input = write_self_service_csv(
        tempfile::tempdir().unwrap().keep().as_path(),
        &[pwchange_sim::demo_user(other_vendor).id.as_str()],
        "Old-1",
    );
    let mut cmd = self_service_cmd(&other, &other_input, &journal);
    cmd.arg("--resume");
    let refused = run(cmd).await;
    let expected = format!(
        "written for vendor {}, not {}",
        VENDOR.name(),
        other_vendor.name()
    );
    assert!(text(&refused).contains(&expected), "{}", text(&refused));
    assert_eq!(refused.status.code(), Some(3));

    // Another simulator of the same vendor: another base URL.
    let elsewhere = rotation_sim().await;
    let mut cmd = rotate_cmd(&elsewhere, &input, &journal);
    cmd.arg("--resume");
    let refused = run(cmd).await;
    assert!(
        text(&refused).contains("another base URL"),
        "{}",
        text(&refused)
    );
    assert!(
        !text(&refused).contains(sim.base_url()),
        "the URL is not echoed"
    );

    // Self-service instead of administrative.
    let self_service_input = write_self_service_csv(dir.path(), &users(), canary::PASSWORD);
    let mut cmd = self_service_cmd(&sim, &self_service_input, &journal);
    cmd.arg("--resume");
    let refused = run(cmd).await;
    assert!(
        text(&refused).contains("mode admin_set, not self_service"),
        "{}",
        text(&refused)
    );

    // Another input file.
    let changed_input = write_csv(dir.path(), &users()[..3]);
    let mut cmd = rotate_cmd(&sim, &changed_input, &journal);
    cmd.arg("--resume");
    let refused = run(cmd).await;
    assert!(
        text(&refused).contains("input file is not the one"),
        "{}",
        text(&refused)
    );

    assert_eq!(
        std::fs::read(&journal).unwrap(),
        before,
        "the journal is untouched"
    );
    assert_eq!(elsewhere.requests() + other.requests(), 0);
}

/// Finding 8: a token the vendor refuses stops the rotation: at the policy read, before anything
/// is journaled, for a vendor whose policy is read with the token; else after the first answer.
#[tokio::test(flavor = "multi_thread")]
async fn finding_8_a_refused_token_stops_the_rotation() {
    let sim = rotation_sim().await;
    let (_dir, input, journal) = admin_rotation_files();
    let mut cmd = rotate_cmd(&sim, &input, &journal);
    cmd.env(
        pwchange::Settings::env_name(*VENDOR, "token"),
        "not-a-token-the-vendor-issued",
    );
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    if journal.exists() {
        let summary = summary(&output);
        assert_eq!(summary["stopped_by"], "unauthenticated", "{summary}");
        assert_eq!(summary["not_attempted"], 3, "{summary}");
        assert_eq!(
            journal_passwords(&journal).len(),
            1,
            "only the first was journaled"
        );
    } else {
        assert!(
            text(&output).contains("not authenticated"),
            "{}",
            text(&output)
        );
        assert_eq!(sim.requests(), 0, "the policy read only");
    }
    for user in users() {
        assert_eq!(sim.password(user).as_deref(), Some(canary::PASSWORD));
    }
}

/// Finding 10: the mode comes from `--admin`, never from an empty cell; nothing starts
/// without a confirmation.
#[tokio::test(flavor = "multi_thread")]
async fn finding_10_the_mode_is_explicit_and_the_plan_is_confirmed() {
    let sim = rotation_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");

    // An empty current_password cell without --admin.
    let input = dir.path().join("users.csv");
    std::fs::write(
        &input,
        format!(
            "user_id,current_password\n{},{}\n{},\n",
            USERS[0],
            canary::PASSWORD,
            USERS[1]
        ),
    )
    .unwrap();
    let output = run(self_service_cmd(&sim, &input, &journal)).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(
        text(&output).contains("users.csv line 3: current_password is empty")
            && text(&output).contains("--admin"),
        "{}",
        text(&output)
    );
    assert_no_canary(&output);

    // A current password with --admin.
    let output = run(rotate_cmd(&sim, &input, &journal)).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(
        text(&output).contains("users.csv line 2: current_password is given, but --admin"),
        "{}",
        text(&output)
    );

    // No --yes and no terminal to ask on.
    let input = write_csv(dir.path(), &users());
    let mut cmd = pwchange();
    cmd.args([
        "rotate",
        "--recipient",
        JOURNAL_IDENTITY.1.as_str(),
        "--vendor",
        vendor_name(),
        "--base-url",
        sim.base_url(),
        "--admin",
        "--input",
    ])
    .arg(&input)
    .arg("--journal")
    .arg(&journal)
    .envs(target_env(&sim));
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(
        text(&output).contains("confirm with --yes"),
        "{}",
        text(&output)
    );
    assert!(!journal.exists());
    // At most the harmless policy read (not counted): no change, no login.
    assert_eq!(sim.requests(), 0);
}

/// Issue #10: 20 runs killed with SIGKILL at random moments, each followed by `--resume`
/// (killed too, while there is budget), end in exact agreement between the journal and the
/// simulator, with every "changed" true.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn kill_9_at_random_moments_then_resume_ends_in_exact_agreement() {
    use std::time::Duration;
    let users: u64 = 1500;
    let sim = Simulator::start(*VENDOR).await.unwrap();
    let ids: Vec<String> = (0..users)
        .map(|i| pwchange_sim::numbered_user_id(*VENDOR, 50_000 + i))
        .collect();
    for id in &ids {
        sim.add_user(SimUser::new(id.clone(), canary::PASSWORD));
    }
    sim.inject_random(Some(pwchange_sim::FaultMix {
        unavailable: 0.02,
        dropped: 0.01,
        gateway_timeout_after_apply: 0.01,
        no_effect: 0.01,
        seed: 11,
        ..Default::default()
    }));
    let dir = tempfile::tempdir().unwrap();
    let ids_ref: Vec<&str> = ids.iter().map(String::as_str).collect();
    let input = write_csv(dir.path(), &ids_ref);
    let journal = dir.path().join("journal.jsonl");
    // A fixed sequence of kill delays (a xorshift of a seed): repeatable, spread over the run.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut kills = 0;
    let mut resumed = false;
    while kills < 20 {
        let mut cmd = rotate_std(&sim, &input, &journal, 8);
        if resumed {
            cmd.arg("--resume");
        }
        let mut child = cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        tokio::time::sleep(Duration::from_millis(20 + seed % 400)).await;
        let _ = child.kill(); // SIGKILL
        let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
            .await
            .unwrap();
        kills += 1;
        if status.success() {
            break;
        }
        // Killed between creating the journal and writing its header: nothing was sent with
        // it, and pwchange says to delete it (an operator would).
        if journal.exists() && std::fs::metadata(&journal).unwrap().len() == 0 {
            std::fs::remove_file(&journal).unwrap();
        }
        resumed = journal.exists();
        if !resumed {
            // Killed before the journal was made (a slow start): nothing was sent.
            for id in &ids {
                assert_eq!(sim.password(id).as_deref(), Some(canary::PASSWORD), "{id}");
            }
            continue;
        }
        // Settled users agree after every kill.
        assert_agreement(&sim, &journal, &ids, "", &format!("kill {kills}"));
    }
    // Resume to the end (faults still on).
    for round in 1..=10 {
        let mut cmd = rotate_cmd_with(&sim, &input, &journal, 8);
        cmd.arg("--resume");
        let output = run(cmd).await;
        let unsettled = assert_agreement(
            &sim,
            &journal,
            &ids,
            &String::from_utf8_lossy(&output.stdout),
            &format!("final resume {round}"),
        );
        if output.status.code() == Some(0) {
            assert_eq!(unsettled, 0);
            let last = journal_passwords(&journal);
            for id in &ids {
                assert_eq!(sim.password(id).as_ref(), last.get(id), "{id}");
            }
            return;
        }
        assert_eq!(output.status.code(), Some(20), "{}", text(&output));
    }
    panic!("the rotation did not finish after the kills");
}

/// A journal named without a directory is created (and its directory synced) in the current
/// directory.
#[tokio::test(flavor = "multi_thread")]
async fn a_journal_in_the_current_directory() {
    let sim = rotation_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let input = write_csv(dir.path(), &users());
    let mut cmd = rotate_cmd(&sim, &input, Path::new("journal.jsonl"));
    cmd.current_dir(dir.path());
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", text(&output));
    let passwords = journal_passwords(&dir.path().join("journal.jsonl"));
    assert_eq!(passwords.len(), 4);
}

/// A `200` that changed nothing is caught by the login and journaled as unsettled (a refused
/// login is weak evidence: the vendor may commit after answering, an account may be locked), so
/// the journaled password is kept; `--resume` sends it again and a login proves it.
#[tokio::test(flavor = "multi_thread")]
async fn a_success_without_effect_is_kept_unsettled_and_settled_by_resume() {
    let sim = rotation_sim().await;
    let (_dir, input, journal) = admin_rotation_files();
    sim.inject(pwchange_sim::Fault::NoEffect);
    let output = run(rotate_cmd(&sim, &input, &journal)).await;
    assert_eq!(output.status.code(), Some(20), "{}", text(&output));
    let first = result_of(&output, &USERS[0]);
    assert_eq!(first["outcome"], "outcome_unknown", "{first}");
    assert_eq!(first["kind"], "verification_failed", "{first}");
    let counts = summary(&output);
    assert_eq!(
        (
            counts["outcome_unknown"].as_u64(),
            counts["failed"].as_u64()
        ),
        (Some(1), Some(0)),
        "an unknown outcome is not a failure: {counts}"
    );
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .ends_with("; kept in the journal for --resume to settle"),
        "{first}"
    );
    assert_eq!(sim.password(&USERS[0]).as_deref(), Some(canary::PASSWORD));
    let journaled = journal_passwords(&journal)[USERS[0].as_str()].clone();

    let mut resume = rotate_cmd(&sim, &input, &journal);
    resume.arg("--resume");
    let resumed = run(resume).await;
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
    let settled = result_of(&resumed, &USERS[0]);
    assert_eq!(
        (settled["outcome"].as_str(), settled["verified"].as_bool()),
        (Some("changed"), Some(true)),
        "{settled}"
    );
    assert_eq!(
        settled["message"], "the journaled password is set (verified by logging in)",
        "{settled}"
    );
    assert_eq!(sim.password(&USERS[0]), Some(journaled.clone()));
    assert_eq!(
        journal_passwords(&journal)[USERS[0].as_str()],
        journaled,
        "the same password"
    );
    assert_eq!(sim.logins(&USERS[0]), 2, "one login per run");
}

/// `--rate` must be `auto` or a finite, non-negative number: refused as a usage error (exit 2)
/// before a journal exists, and so is a `--concurrency` of 0.
#[tokio::test(flavor = "multi_thread")]
async fn a_rate_that_is_not_a_finite_number_is_refused_first() {
    let sim = rotation_sim().await;
    let (_dir, input, journal) = admin_rotation_files();
    for flag in ["--rate=inf", "--rate=NaN", "--rate=-2", "--concurrency=0"] {
        let mut cmd = pwchange();
        cmd.args([
            "rotate",
            "--recipient",
            JOURNAL_IDENTITY.1.as_str(),
            "--vendor",
            vendor_name(),
            "--base-url",
            sim.base_url(),
            "--admin",
            "--yes",
            "--input",
        ])
        .arg(&input)
        .arg("--journal")
        .arg(&journal)
        .arg(flag)
        .envs(target_env(&sim));
        let output = run(cmd).await;
        assert_eq!(output.status.code(), Some(2), "{flag}: {}", text(&output));
        let name = flag.split('=').next().unwrap();
        assert!(
            text(&output).contains("invalid value")
                && text(&output).contains(name)
                && text(&output).contains("must be `auto`"),
            "{}",
            text(&output)
        );
        assert!(!journal.exists());
    }
    assert_eq!(sim.requests(), 0);
}

/// `--rate` spaces the launches (a lower bound, and a loose upper one that only a broken rate
/// misses), and `-v` logs the confirmed plan.
#[tokio::test(flavor = "multi_thread")]
async fn the_rate_spaces_the_changes_and_the_plan_is_logged() {
    let sim = rotation_sim().await;
    let (_dir, input, journal) = admin_rotation_files();
    let mut cmd = pwchange();
    cmd.args([
        "rotate",
        "--recipient",
        JOURNAL_IDENTITY.1.as_str(),
        "--vendor",
        vendor_name(),
        "--base-url",
        sim.base_url(),
    ])
    .args(["--admin", "--yes", "--json", "--rate=10", "-v", "--input"])
    .arg(&input)
    .arg("--journal")
    .arg(&journal)
    .envs(target_env(&sim));
    let started = std::time::Instant::now();
    let output = run(cmd).await;
    let elapsed = started.elapsed();
    assert!(output.status.success(), "{}", text(&output));
    // Four launches at 10/s: at least three intervals of 100 ms.
    assert!(
        elapsed >= std::time::Duration::from_millis(300),
        "{elapsed:?}"
    );
    assert!(elapsed < std::time::Duration::from_secs(3), "{elapsed:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("rotate the passwords of 4 user(s)"),
        "{stderr}"
    );
    assert!(stderr.contains(", …"), "more users than shown: {stderr}");
    assert_no_canary(&output);
}
