//! Issue #28: the journal as a user sees it. Its passwords are encrypted (the `age` tool opens
//! an entry), a clear-text journal only by name, `journal status` needs no key, `journal
//! export` gives exactly what the vendor holds after faults, `kill -9` and `--resume`, and a
//! resume takes the vendor, mode and input from the journal.

use std::path::Path;
use std::time::Duration;

use pwchange_sim::{FaultMix, Latency, Simulator};

use crate::common::*;

/// A rotation of `input` against `sim` with nothing but the target and `flags` (no encryption
/// flag unless `flags` has one).
fn bare_rotate(
    sim: &Simulator,
    input: &Path,
    journal: &Path,
    flags: &[&str],
) -> std::process::Command {
    let mut cmd = pwchange_std();
    cmd.args(["rotate", "--vendor", sim.vendor().name()])
        .args([
            "--base-url",
            sim.base_url(),
            "--yes",
            "--admin",
            "--json",
            "--input",
        ])
        .arg(input)
        .arg("--journal")
        .arg(journal)
        .args(flags)
        .envs(target_env(sim));
    cmd
}

fn export(journal: &Path, format: &str) -> std::process::Output {
    pwchange_std()
        .args(["journal", "export", "--format", format])
        .arg(journal)
        .output()
        .unwrap()
}

fn status(journal: &Path) -> serde_json::Value {
    let output = pwchange_std()
        .args(["journal", "status", "--json", "--users"])
        .arg(journal)
        // No key of any kind: status reads none.
        .env_remove("PWCHANGE_JOURNAL_IDENTITY_FILE")
        .env("PWCHANGE_JOURNAL_KEY_FILE", "/nonexistent/journal.key")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_journal_is_encrypted_unless_clear_text_is_asked_for_by_name() {
    let sim = rotation_sim().await;
    let (dir, input, journal) = admin_rotation_files();
    let refused = run(assert_cmd::Command::from_std(bare_rotate(
        &sim,
        &input,
        &journal,
        &[],
    )))
    .await;
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    assert!(
        text(&refused).contains("the journal's new passwords must be encrypted: give --recipient"),
        "{}",
        text(&refused)
    );
    assert!(!journal.exists());
    assert_eq!(
        sim.requests(),
        0,
        "refused before asking the vendor anything"
    );

    let clear = dir.path().join("clear.jsonl");
    let output = run(assert_cmd::Command::from_std(bare_rotate(
        &sim,
        &input,
        &clear,
        &["--insecure-plaintext-journal"],
    )))
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let pending: Vec<_> = journal_entries(&clear)
        .into_iter()
        .filter(|e| e["event"] == "pending")
        .collect();
    assert_eq!(pending.len(), 4);
    for entry in pending {
        let user = entry["user_id"].as_str().unwrap();
        assert_eq!(
            entry["new_password"].as_str(),
            sim.password(user).as_deref()
        );
    }
    assert_eq!(status(&clear)["encryption"]["scheme"], "plaintext");
}

/// The standard `age` tool (Debian's `age` package, which CI installs) decrypts an entry with
/// the identity file.
#[tokio::test(flavor = "multi_thread")]
async fn the_age_tool_decrypts_an_entry() {
    let sim = rotation_sim().await;
    let (dir, input, journal) = admin_rotation_files();
    let output = run(rotate_cmd(&sim, &input, &journal)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let file = std::fs::read_to_string(&journal).unwrap();
    let entry = journal_entries(&journal)
        .into_iter()
        .find(|e| e["event"] == "pending")
        .unwrap();
    let user = entry["user_id"].as_str().unwrap();
    let held = sim.password(user).unwrap();
    assert!(!file.contains(&held), "a password in clear text");
    let armoured = dir.path().join("entry.age");
    std::fs::write(&armoured, entry["new_password_age"].as_str().unwrap()).unwrap();
    let decrypted = std::process::Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&JOURNAL_IDENTITY.0)
        .arg(&armoured)
        .output()
        .unwrap_or_else(|e| panic!("the age tool ({e}): install Debian's `age` package"));
    assert!(decrypted.status.success(), "{}", text(&decrypted));
    assert_eq!(String::from_utf8(decrypted.stdout).unwrap(), held);
}

/// After a run with faults (503s, answers lost after the change applied, changes that did
/// nothing), `kill -9` in the middle and `--resume`, `journal export` gives for every user the
/// password the vendor holds; before the resume, `journal status` (no key) names the users
/// that need it, and `export` lists them apart, never with a password.
#[tokio::test(flavor = "multi_thread")]
async fn export_after_faults_a_kill_and_a_resume_is_what_the_vendor_holds() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Simulator::start(*VENDOR).await.unwrap();
    let ids: Vec<String> = (1..=40)
        .map(|n| pwchange_sim::numbered_user_id(sim.vendor(), n))
        .collect();
    for id in &ids {
        sim.add_user(pwchange_sim::SimUser::new(
            id.clone(),
            pwchange_core::canary::PASSWORD,
        ));
    }
    let input = dir.path().join("users.csv");
    std::fs::write(&input, format!("user_id\n{}\n", ids.join("\n"))).unwrap();
    let journal = dir.path().join("journal.jsonl");
    sim.set_latency(Some(Latency::fixed(Duration::from_millis(40))));
    sim.inject_random(Some(FaultMix {
        unavailable: 0.1,
        rate_limited: 0.0,
        dropped: 0.05,
        gateway_timeout_after_apply: 0.05,
        no_effect: 0.05,
        seed: 28,
    }));
    let mut child = rotate_std(&sim, &input, &journal, 4)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed once a few users are done, with changes in flight.
    let started = std::time::Instant::now();
    loop {
        let done = std::fs::read_to_string(&journal)
            .map(|t| t.matches("\"event\":\"done\"").count())
            .unwrap_or(0);
        if done >= 8 || started.elapsed() > Duration::from_secs(30) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = status(&journal);
    let needs_resume = before["needs_resume"].as_array().unwrap().clone();
    // Four changes in flight at the kill: their passwords are pending.
    assert!(!needs_resume.is_empty(), "{before}");
    let partial = export(&journal, "jsonl");
    assert_eq!(partial.status.code(), Some(20), "{}", text(&partial));
    for user in &needs_resume {
        let user = user.as_str().unwrap();
        assert!(String::from_utf8_lossy(&partial.stderr).contains(user));
        assert!(!String::from_utf8_lossy(&partial.stdout).contains(user));
    }
    for line in String::from_utf8_lossy(&partial.stdout).lines() {
        let exported: serde_json::Value = serde_json::from_str(line).unwrap();
        let user = exported["user_id"].as_str().unwrap();
        assert_eq!(
            exported["password"].as_str(),
            sim.password(user).as_deref(),
            "{user}"
        );
    }

    // Resumes until every user is settled (a fault may leave one unknown for the next).
    sim.inject_random(None);
    sim.set_latency(None);
    for round in 0..3 {
        let mut resume = rotate_cmd(&sim, &input, &journal);
        resume.arg("--resume");
        let resumed = run(resume).await;
        if resumed.status.code() == Some(0) {
            break;
        }
        assert!(round < 2, "{}", text(&resumed));
    }
    let after = status(&journal);
    assert_eq!(after["unsettled"], 0, "{after}");
    assert_eq!(after["applied"], 40, "{after}");
    let csv = export(&journal, "csv");
    assert_eq!(csv.status.code(), Some(0), "{}", text(&csv));
    let csv = String::from_utf8(csv.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("user_id,password,verified"));
    let mut exported = 0;
    for line in lines {
        let mut fields = line.splitn(3, ',');
        let (user, password) = (fields.next().unwrap(), fields.next().unwrap());
        assert_eq!(sim.password(user).as_deref(), Some(password), "{user}");
        exported += 1;
    }
    assert_eq!(exported, 40);
}

/// `export` writes a new file only its owner can read and never overwrites one, and refuses a
/// terminal unless asked; without the journal key it refuses (it hands out passwords).
#[tokio::test(flavor = "multi_thread")]
async fn export_writes_a_private_new_file_and_checks_every_line() {
    let sim = rotation_sim().await;
    let (dir, input, journal) = admin_rotation_files();
    assert_eq!(
        run(rotate_cmd(&sim, &input, &journal)).await.status.code(),
        Some(0)
    );
    let out = dir.path().join("passwords.csv");
    let written = pwchange_std()
        .args(["journal", "export", "--output"])
        .arg(&out)
        .arg(&journal)
        .output()
        .unwrap();
    assert_eq!(written.status.code(), Some(0), "{}", text(&written));
    assert!(written.stdout.is_empty());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let again = pwchange_std()
        .args(["journal", "export", "--output"])
        .arg(&out)
        .arg(&journal)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(3), "{}", text(&again));
    assert!(
        text(&again).contains("never overwritten"),
        "{}",
        text(&again)
    );
    let refused_out = dir.path().join("refused.csv");
    let without_identity = pwchange_std()
        .args(["journal", "export", "--output"])
        .arg(&refused_out)
        .arg(&journal)
        .env_remove("PWCHANGE_JOURNAL_IDENTITY_FILE")
        .output()
        .unwrap();
    assert_eq!(without_identity.status.code(), Some(3));
    assert!(
        text(&without_identity).contains("--identity"),
        "{}",
        text(&without_identity)
    );
    assert!(!refused_out.exists(), "a refused export left a file");
    // A line added by someone who knows the recipient (it is public) is refused.
    let mut forged = std::fs::read(&journal).unwrap();
    forged.extend_from_slice(br#"{"mac":"0000000000000000000000000000000000000000000000000000000000000000","event":"done","user_id":"x","verified":true}"#);
    forged.push(b'\n');
    write_private(&journal, forged).unwrap();
    let refused = export(&journal, "csv");
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    assert!(
        text(&refused).contains("fails its authentication"),
        "{}",
        text(&refused)
    );
    assert!(refused.stdout.is_empty());
}

/// `rotate --resume --journal J` alone: the vendor, base URL, mode and input are the
/// journal's; an encryption flag that disagrees with it is refused by name; a journal of
/// users from a pipe needs them again.
#[tokio::test(flavor = "multi_thread")]
async fn a_resume_takes_what_the_journal_records() {
    let sim = rotation_sim().await;
    let (dir, input, journal) = admin_rotation_files();
    let mut crash = rotate_cmd(&sim, &input, &journal);
    crash.env("PWCHANGE_FAULT_EXIT_AFTER_PENDING", "2");
    assert_eq!(run(crash).await.status.code(), Some(99));

    let (_, _, other) = pwchange_rotate::Identity::generate();
    let mut disagreeing = pwchange();
    disagreeing
        .args([
            "rotate",
            "--resume",
            "--yes",
            "--json",
            "--recipient",
            &other,
            "--journal",
        ])
        .arg(&journal)
        .envs(target_env(&sim));
    let refused = run(disagreeing).await;
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    assert!(
        text(&refused).contains("--recipient (or --recipients-file) disagrees"),
        "{}",
        text(&refused)
    );

    let mut resume = pwchange();
    resume
        .args(["rotate", "--resume", "--yes", "--json", "--journal"])
        .arg(&journal)
        .envs(target_env(&sim));
    let resumed = run(resume).await;
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
    assert_eq!(summary(&resumed)["changed"], 3, "{}", text(&resumed));
    assert_eq!(summary(&resumed)["already_done"], 1, "{}", text(&resumed));
    let held = journal_held(&journal);
    for user in users() {
        assert_eq!(
            held[user].as_deref(),
            sim.password(user).as_deref(),
            "{user}"
        );
    }

    // Users from a pipe: recorded as such, and needed again.
    let piped = dir.path().join("piped.jsonl");
    let mut from_pipe = rotate_cmd(&sim, Path::new("-"), &piped);
    from_pipe
        .env("PWCHANGE_FAULT_EXIT_AFTER_PENDING", "1")
        .write_stdin(std::fs::read(&input).unwrap());
    assert_eq!(run(from_pipe).await.status.code(), Some(99));
    assert_eq!(journal_entries(&piped)[0].get("input"), None);
    let mut again = pwchange();
    again
        .args(["rotate", "--resume", "--yes", "--journal"])
        .arg(&piped)
        .envs(target_env(&sim));
    let refused = run(again).await;
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    assert!(
        text(&refused).contains("give them again with --input"),
        "{}",
        text(&refused)
    );
}

/// The header decides where a bare `--resume` sends the credentials: a header someone else
/// rewrote (another base URL, without the journal key) is refused before anything reaches that
/// URL.
#[tokio::test(flavor = "multi_thread")]
async fn a_resume_trusts_no_header_it_cannot_authenticate() {
    let sim = rotation_sim().await;
    let (_dir, input, journal) = admin_rotation_files();
    let mut crash = rotate_cmd(&sim, &input, &journal);
    crash.env("PWCHANGE_FAULT_EXIT_AFTER_PENDING", "1");
    assert_eq!(run(crash).await.status.code(), Some(99));
    let elsewhere = rotation_sim().await;
    let text_of = std::fs::read_to_string(&journal).unwrap();
    let rewritten = text_of.replacen(sim.base_url(), elsewhere.base_url(), 1);
    assert_ne!(rewritten, text_of);
    write_private(&journal, rewritten).unwrap();
    let mut resume = pwchange();
    resume
        .args(["rotate", "--resume", "--yes", "--journal"])
        .arg(&journal)
        .envs(target_env(&sim));
    let refused = run(resume).await;
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    assert!(
        text(&refused).contains("fails its authentication"),
        "{}",
        text(&refused)
    );
    assert_eq!(
        elsewhere.requests(),
        0,
        "the credentials went where the rewritten header said"
    );
}

/// Issue #33 item 6: every line of `rotate --json` says what it is (`type`), and `pwchange
/// schema rotate` describes both kinds.
#[tokio::test(flavor = "multi_thread")]
async fn every_json_line_of_a_rotation_says_what_it_is() {
    let sim = rotation_sim().await;
    let (_dir, input, journal) = admin_rotation_files();
    let output = run(rotate_cmd(&sim, &input, &journal)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let (last, results) = lines.split_last().unwrap();
    assert_eq!(last["type"], "summary", "{last}");
    assert_eq!(last["summary"]["changed"], 4, "{last}");
    assert_eq!(results.len(), 4);
    for result in results {
        assert_eq!(result["type"], "result", "{result}");
        assert_eq!(result["outcome"], "changed", "{result}");
    }
    let schema = pwchange_std().args(["schema", "rotate"]).output().unwrap();
    let schema = String::from_utf8(schema.stdout).unwrap();
    for field in [
        "\"result\"",
        "\"summary\"",
        "failures_by_kind",
        "outcome_unknown",
    ] {
        assert!(schema.contains(field), "{field} not in {schema}");
    }
}
