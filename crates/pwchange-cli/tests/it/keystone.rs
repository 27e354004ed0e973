//! `pwchange` against the Keystone simulator: a self-service rotation with no credentials at all
//! (Keystone checks the current password, no token), an administrative rotation with an
//! administrator's password login, and `change`'s answer to Keystone's one 401.

use std::path::Path;

use crate::common::{
    JOURNAL_IDENTITY, journal_entries, journal_passwords, pwchange, pwchange_std, run, summary,
    text,
};
use pwchange_sim::{SimUser, Simulator, Vendor};

const VENDOR: Vendor = Vendor::Keystone;
const INITIAL: &str = "Initial-Passw0rd1";

async fn sim_with_users(count: u64) -> (Simulator, Vec<String>) {
    let sim = Simulator::start(VENDOR).await.unwrap();
    let users: Vec<String> = (1..=count)
        .map(|n| pwchange_sim::numbered_user_id(VENDOR, n))
        .collect();
    for user in &users {
        sim.add_user(SimUser::new(user, INITIAL));
    }
    (sim, users)
}

fn rotate(sim: &Simulator, input: &Path, journal: &Path) -> std::process::Command {
    let mut cmd = pwchange_std();
    cmd.args([
        "rotate",
        "--recipient",
        JOURNAL_IDENTITY.1.as_str(),
        "--vendor",
        VENDOR.name(),
        "--base-url",
        sim.base_url(),
        "--yes",
        "--rate",
        "0",
        "--json",
        "--input",
    ])
    .arg(input)
    .arg("--journal")
    .arg(journal);
    cmd
}

/// Every user's journal ends `done` and verified, with the password the simulator holds.
fn assert_rotated(sim: &Simulator, users: &[String], journal: &Path) {
    let passwords = journal_passwords(journal);
    for user in users {
        assert_eq!(sim.password(user).as_ref(), passwords.get(user), "{user}");
        assert_ne!(sim.password(user).as_deref(), Some(INITIAL), "{user}");
        let last = journal_entries(journal)
            .into_iter()
            .rfind(|e| e["user_id"] == user.as_str())
            .unwrap();
        assert_eq!(last["event"], "done", "{user}: {last}");
        assert_eq!(last["verified"], true, "{user}: {last}");
    }
    assert_eq!(
        sim.open_sessions(),
        0,
        "every verification token was revoked"
    );
    sim.assert_no_violations();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_self_service_rotation_needs_no_credentials() {
    let (sim, users) = sim_with_users(4).await;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("users.csv");
    let mut csv = String::from("user_id,current_password\n");
    for user in &users {
        csv.push_str(&format!("{user},{INITIAL}\n"));
    }
    std::fs::write(&input, csv).unwrap();
    let journal = dir.path().join("journal.jsonl");
    let output = run(assert_cmd::Command::from_std(rotate(
        &sim, &input, &journal,
    )))
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(summary(&output)["verified"], 4, "{}", text(&output));
    assert_rotated(&sim, &users, &journal);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrative_rotation_logs_in_as_the_administrator() {
    let (sim, users) = sim_with_users(3).await;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("users.csv");
    std::fs::write(&input, format!("user_id\n{}\n", users.join("\n"))).unwrap();
    let journal = dir.path().join("journal.jsonl");
    let mut cmd = rotate(&sim, &input, &journal);
    cmd.arg("--admin");
    for (key, value) in pwchange_sim::login_settings(VENDOR) {
        cmd.env(pwchange::Settings::env_name(VENDOR, key), value);
    }
    let output = run(assert_cmd::Command::from_std(cmd)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_rotated(&sim, &users, &journal);
    // Without a scope the administrator's token may not set passwords: refused, nothing applied.
    let journal = dir.path().join("unscoped.jsonl");
    let mut cmd = rotate(&sim, &input, &journal);
    cmd.arg("--admin");
    for (key, value) in pwchange_sim::login_settings(VENDOR) {
        if key != "project_name" {
            cmd.env(pwchange::Settings::env_name(VENDOR, key), value);
        }
    }
    let before: Vec<Option<String>> = users.iter().map(|u| sim.password(u)).collect();
    let output = run(assert_cmd::Command::from_std(cmd)).await;
    assert_ne!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        text(&output).contains("needs the admin role"),
        "{}",
        text(&output)
    );
    let after: Vec<Option<String>> = users.iter().map(|u| sim.password(u)).collect();
    assert_eq!(before, after);
}

#[tokio::test(flavor = "multi_thread")]
async fn change_names_the_three_things_keystones_401_may_mean() {
    let (sim, users) = sim_with_users(1).await;
    let mut cmd = pwchange();
    cmd.args([
        "change",
        "--vendor",
        VENDOR.name(),
        "--base-url",
        sim.base_url(),
        "--user",
        &users[0],
        "--password-stdin",
    ])
    .write_stdin("Wrong-Passw0rd1\nN3w-Passw0rd!x\n");
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(7), "{}", text(&output));
    let shown = text(&output);
    assert!(
        shown.contains("it is wrong, the user does not exist, or the account is locked"),
        "{shown}"
    );
    assert!(!shown.contains("Wrong-Passw0rd1") && !shown.contains("N3w-Passw0rd!x"));
    assert_eq!(sim.password(&users[0]).as_deref(), Some(INITIAL));
}
