//! Issue #27, truth round two, through the `pwchange` binary: a proxy's own page after the
//! vendor applied a change (every vendor, self-service and administrative set, in-run and on
//! resume), SIGTERM and SIGHUP, and a journal that cannot be written.

use std::path::{Path, PathBuf};

use pwchange::Vendor;
use pwchange_sim::{SimUser, Simulator, demo_user};

use crate::common::*;

/// The modes to try on `vendor`: self-service, and the administrative set where it has one.
fn modes(vendor: Vendor) -> Vec<bool> {
    let admin = pwchange::capabilities(vendor)
        .unwrap()
        .modes
        .contains(&pwchange::ModeKind::AdminSet);
    if admin {
        vec![false, true]
    } else {
        vec![false]
    }
}

/// The demo user of `vendor` as a one-line rotation input (with its current password unless
/// `admin`, and its login name where it has one).
fn demo_input(dir: &Path, user: &SimUser, admin: bool) -> PathBuf {
    let path = dir.join("users.csv");
    let current = if admin { "" } else { user.password.as_str() };
    let login = user.login.as_deref().unwrap_or_default();
    let mut text = String::from("user_id,current_password,login_name\n");
    text.push_str(&format!("{},{current},{login}\n", user.id));
    if admin {
        text = format!("user_id,login_name\n{},{login}\n", user.id);
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn rotation(
    sim: &Simulator,
    input: &Path,
    journal: &Path,
    admin: bool,
    extra: &[&str],
) -> assert_cmd::Command {
    let mut flags = vec!["--rate", "0", "--json"];
    if admin {
        flags.push("--admin");
    }
    flags.extend_from_slice(extra);
    assert_cmd::Command::from_std(rotate_with(sim, input, journal, &flags))
}

/// The journal's last entry for `user`.
fn last_entry(journal: &Path, user: &str) -> serde_json::Value {
    journal_entries(journal)
        .into_iter()
        .filter(|e| e["user_id"] == user)
        .last()
        .unwrap()
}

/// A proxy's 503 page after the vendor applied the change: in-run, the login settles it (the
/// user is changed and verified where the vendor has a login, else unknown); the journal never
/// says `not_applied`, and whatever it settles agrees with the vendor. Then, after a run that
/// could not log in (`--no-verify`), `--resume` settles the same journaled password instead of
/// sending a fresh one.
#[tokio::test(flavor = "multi_thread")]
async fn a_proxys_503_after_the_change_applied_never_journals_not_applied() {
    for vendor in Vendor::ALL {
        for admin in modes(vendor) {
            let what = format!("{vendor} admin={admin}");
            let user = demo_user(vendor);

            // In-run, with the verification login.
            let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
            let dir = tempfile::tempdir().unwrap();
            let input = demo_input(dir.path(), &user, admin);
            let journal = dir.path().join("journal.jsonl");
            sim.proxy_page_at_change(503, true);
            let output = run(rotation(&sim, &input, &journal, admin, &[])).await;
            assert!(!sim.proxy_page_pending(), "{what}: the page was sent");
            let result = result_of(&output, &user.id);
            let journaled = journal_passwords(&journal)[&user.id].clone();
            assert_eq!(sim.password(&user.id), Some(journaled.clone()), "{what}");
            let entry = last_entry(&journal, &user.id);
            assert_ne!(entry["outcome"], "not_applied", "{what}: {entry}");
            if result["outcome"] == "changed" {
                assert_eq!(output.status.code(), Some(0), "{what}: {}", text(&output));
                assert_eq!(entry["event"], "done", "{what}");
            } else {
                assert_eq!(result["outcome"], "outcome_unknown", "{what}: {result}");
                assert_eq!(output.status.code(), Some(20), "{what}");
            }

            // In-run without a login, then --resume.
            let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
            let dir = tempfile::tempdir().unwrap();
            let input = demo_input(dir.path(), &user, admin);
            let journal = dir.path().join("journal.jsonl");
            sim.proxy_page_at_change(503, true);
            let first = run(rotation(&sim, &input, &journal, admin, &["--no-verify"])).await;
            let result = result_of(&first, &user.id);
            assert_eq!(result["outcome"], "outcome_unknown", "{what}: {result}");
            let journaled = journal_passwords(&journal)[&user.id].clone();
            assert_eq!(sim.password(&user.id), Some(journaled.clone()), "{what}");

            let resumed = run(rotation(&sim, &input, &journal, admin, &["--resume"])).await;
            let result = result_of(&resumed, &user.id);
            let pending = journal_entries(&journal)
                .into_iter()
                .filter(|e| e["event"] == "pending")
                .count();
            assert_eq!(pending, 1, "{what}: no fresh password on resume");
            assert_eq!(sim.password(&user.id), Some(journaled), "{what}");
            let entry = last_entry(&journal, &user.id);
            assert_ne!(entry["outcome"], "not_applied", "{what}: {entry}");
            if result["outcome"] == "changed" {
                assert_eq!(entry["event"], "done", "{what}");
            } else {
                // No login can prove a self-service resend the vendor refuses (the current
                // password is the journaled one now): unknown, and kept.
                assert_eq!(result["outcome"], "outcome_unknown", "{what}: {result}");
            }
            sim.assert_no_violations();
        }
    }
}
