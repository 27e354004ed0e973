//! `rotate --store`, `journal export --store` and `drift` against a real OpenBao server
//! (`pwchange_sim::openbao`): the store equals the vendor for every applied user after a
//! store restart mid-run and after kill -9s, a second writer is reported and not overwritten,
//! no password reaches an output or the secrets' metadata, and the drift check finds a password
//! changed behind the store's back.

use std::io::BufRead as _;
use std::path::Path;
use std::time::Duration;

use pwchange_core::canary;
use pwchange_sim::openbao::OpenBao;
use pwchange_sim::{SimUser, Simulator};

use crate::common::*;

const SPEC: &str = "vault://secret/pwchange/{vendor}/{user_id}";

/// The store's variables for `bao` (its root token).
fn store_env(bao: &OpenBao) -> [(&'static str, String); 2] {
    [
        ("VAULT_ADDR", bao.address()),
        ("VAULT_TOKEN", bao.token().to_owned()),
    ]
}

/// The password the store's latest version holds for `user` (`None`: no secret, or deleted).
fn stored(bao: &OpenBao, user: &str) -> Option<String> {
    let (status, read) = bao.get(&format!("secret/data/pwchange/{}/{user}", vendor_name()));
    (status == 200).then(|| read["data"]["data"]["password"].as_str().map(str::to_owned))?
}

/// Panics unless the store holds, for every user of `ids`, the password the simulator holds,
/// and the journal records every one applied and stored.
fn assert_store_equals_vendor(bao: &OpenBao, sim: &Simulator, journal: &Path, ids: &[String]) {
    for id in ids {
        assert_eq!(stored(bao, id), sim.password(id), "{id}");
    }
    let status = pwchange()
        .args(["journal", "status", "--json"])
        .arg(journal)
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["applied"], ids.len(), "{status}");
    assert_eq!(status["not_stored"], serde_json::json!([]), "{status}");
}

/// `users` numbered from `from`, with the canary password, in `sim`; their ids.
fn add_users(sim: &Simulator, from: u64, users: u64) -> Vec<String> {
    (0..users)
        .map(|i| {
            let id = pwchange_sim::numbered_user_id(*VENDOR, from + i);
            sim.add_user(SimUser::new(id.clone(), canary::PASSWORD));
            id
        })
        .collect()
}

fn faults(seed: u64) -> pwchange_sim::FaultMix {
    pwchange_sim::FaultMix {
        unavailable: 0.02,
        dropped: 0.01,
        gateway_timeout_after_apply: 0.01,
        no_effect: 0.01,
        seed,
        ..Default::default()
    }
}

/// Resumes until the rotation ends well (faults still on): its last output.
async fn resume_to_the_end(
    sim: &Simulator,
    bao: &OpenBao,
    input: &Path,
    journal: &Path,
) -> std::process::Output {
    for _ in 0..10 {
        let mut cmd = rotate_cmd_with(sim, input, journal, 8);
        cmd.arg("--resume").envs(store_env(bao));
        let output = run(cmd).await;
        if output.status.code() == Some(0) {
            return output;
        }
        assert_eq!(output.status.code(), Some(20), "{}", text(&output));
    }
    panic!("the rotation did not finish");
}

/// Issue #29: 1,000 users under the simulator's faults, the store killed mid-run and started
/// again, then `--resume`: the store equals the vendor for every user, and no password is in
/// any output.
#[tokio::test(flavor = "multi_thread")]
async fn a_store_restarted_mid_run_ends_equal_to_the_vendor_after_resume() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::persistent(dir.path()) else {
        return;
    };
    let sim = Simulator::start(*VENDOR).await.unwrap();
    let ids = add_users(&sim, 70_000, 1000);
    sim.inject_random(Some(faults(29)));
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let input = write_csv(dir.path(), &id_refs);
    let journal = dir.path().join("journal.jsonl");
    let mut cmd = rotate_std(&sim, &input, &journal, 8);
    cmd.args(["--store", SPEC])
        .envs(store_env(&bao))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    // The store goes down after 300 users' results, and comes back a second later.
    let bao = std::sync::Arc::new(std::sync::Mutex::new(bao));
    let restarter = bao.clone();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        let mut restarted = false;
        for line in std::io::BufReader::new(stdout).lines() {
            lines.push(line.unwrap());
            if lines.len() == 300 && !restarted {
                restarter.lock().unwrap().kill();
                std::thread::sleep(Duration::from_secs(1));
                restarter.lock().unwrap().restart();
                restarted = true;
            }
        }
        (lines, restarted)
    });
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let (lines, restarted) = reader.join().unwrap();
    assert!(restarted, "the run ended before 300 results");
    let first = lines.join("\n") + &String::from_utf8_lossy(&output.stderr);
    let bao = std::sync::Arc::try_unwrap(bao)
        .ok()
        .unwrap()
        .into_inner()
        .unwrap();
    let last = resume_to_the_end(&sim, &bao, &input, &journal).await;
    assert_store_equals_vendor(&bao, &sim, &journal, &ids);
    // No password in any output: the first run's, the last resume's.
    for id in &ids {
        let password = sim.password(id).unwrap();
        assert!(
            !first.contains(&password),
            "{id}'s password in the first run's output"
        );
        assert!(
            !text(&last).contains(&password),
            "{id}'s password in the output"
        );
    }
    assert!(!first.contains(bao.token()));
}

/// Issue #29: 20 `kill -9`s of the rotation at seeded random moments, then `--resume`: the
/// store equals the vendor for every user.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn kill_9_at_random_moments_then_resume_ends_with_the_store_equal_to_the_vendor() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    let sim = Simulator::start(*VENDOR).await.unwrap();
    let ids = add_users(&sim, 80_000, 400);
    sim.inject_random(Some(faults(31)));
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let input = write_csv(dir.path(), &id_refs);
    let journal = dir.path().join("journal.jsonl");
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut finished = false;
    for _ in 0..20 {
        let mut cmd = rotate_std(&sim, &input, &journal, 8);
        cmd.args(["--store", SPEC]).envs(store_env(&bao));
        if journal.exists() {
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
        tokio::time::sleep(Duration::from_millis(30 + seed % 500)).await;
        let _ = child.kill(); // SIGKILL
        let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
            .await
            .unwrap();
        if status.success() {
            finished = true;
            break;
        }
        if journal.exists() && std::fs::metadata(&journal).unwrap().len() == 0 {
            std::fs::remove_file(&journal).unwrap();
        }
    }
    if !finished {
        resume_to_the_end(&sim, &bao, &input, &journal).await;
    }
    assert_store_equals_vendor(&bao, &sim, &journal, &ids);
}

/// Issue #29: a second writer between the rotation's read of the store and its write: reported
/// (the run exits 20, the user's result and the summary say so), not overwritten, and the
/// journal keeps the password; `journal export --store` refuses it too. The verbose log holds
/// neither a password nor the store's token.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_writer_is_reported_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    let sim = rotation_sim().await;
    let input = write_csv(dir.path(), &users());
    let journal = dir.path().join("journal.jsonl");
    // The run dies after journaling two passwords (each with the store's version read before),
    // before sending them.
    let mut cmd = rotate_cmd(&sim, &input, &journal);
    cmd.args(["--store", SPEC])
        .envs(store_env(&bao))
        .env("PWCHANGE_FAULT_EXIT_AFTER_PENDING", "2");
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(99), "{}", text(&output));
    // The first user was changed and stored; the second's password is journaled (with the
    // store's version before it) and maybe sent. Someone else writes its secret meanwhile.
    let path = format!("secret/data/pwchange/{}/{}", vendor_name(), USERS[1]);
    let (status, _) = bao.post(&path, r#"{"data":{"password":"Someone-Elses-1!"}}"#);
    assert_eq!(status, 200);

    let mut cmd = rotate_cmd(&sim, &input, &journal);
    cmd.args(["--resume", "-vv"]).envs(store_env(&bao));
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(20), "{}", text(&output));
    let conflicted = result_of(&output, &USERS[1]);
    assert_eq!(conflicted["outcome"], "changed", "{conflicted}");
    assert_eq!(conflicted["store"]["state"], "conflict", "{conflicted}");
    assert!(
        conflicted["message"]
            .as_str()
            .unwrap()
            .contains("not overwritten"),
        "{conflicted}"
    );
    assert_eq!(summary(&output)["store_conflicts"], 1);
    assert_eq!(stored(&bao, &USERS[1]).as_deref(), Some("Someone-Elses-1!"));
    for user in [&USERS[0], &USERS[2], &USERS[3]] {
        assert_eq!(stored(&bao, user), sim.password(user), "{user}");
    }
    let all = text(&output);
    for user in users() {
        assert!(!all.contains(&sim.password(user).unwrap()), "{user}");
    }
    assert!(!all.contains(bao.token()));
    // The journal names the user not stored, and keeps its password.
    let status = pwchange()
        .args(["journal", "status"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("not stored yet ("),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
    // An export to the same store is check-and-set on the same base: refused too.
    let mut export = pwchange();
    export
        .args(["journal", "export", "--store", "journal"])
        .arg(&journal)
        .envs(store_env(&bao));
    let output = run(export).await;
    assert_eq!(output.status.code(), Some(20), "{}", text(&output));
    assert!(
        text(&output).contains(&format!("conflict  {}", USERS[1])),
        "{}",
        text(&output)
    );
    assert_eq!(stored(&bao, &USERS[1]).as_deref(), Some("Someone-Elses-1!"));
    // The operator compares, and writes the journal's over it: the vendor holds that one.
    let mut cmd = rotate_cmd(&sim, &input, &journal);
    cmd.args(["--resume", "--overwrite-store-conflicts"])
        .envs(store_env(&bao));
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let replaced = result_of(&output, &USERS[1]);
    assert_eq!(replaced["store"]["state"], "stored", "{replaced}");
    assert!(
        replaced["message"]
            .as_str()
            .unwrap()
            .contains("stored over version 1"),
        "{replaced}"
    );
    assert_eq!(stored(&bao, &USERS[1]), sim.password(&USERS[1]));
    assert_store_equals_vendor(&bao, &sim, &journal, &USERS);
    // The secrets' metadata holds no password.
    for user in users() {
        let (_, metadata) = bao.get(&format!(
            "secret/metadata/pwchange/{}/{user}",
            vendor_name()
        ));
        assert!(
            !metadata.to_string().contains(&sim.password(user).unwrap()),
            "{metadata}"
        );
    }
}

/// Issue #29: `journal export --store` writes a journal's applied passwords to a store (a
/// rotation made without one), again finds them there, and `drift` logs in with each stored
/// password: a password changed behind the store's back (at the vendor, or in the store) is
/// `out_of_sync` and the check exits 22; from the journal, the same.
#[tokio::test(flavor = "multi_thread")]
async fn export_to_a_store_and_drift_finds_a_password_changed_behind_its_back() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    let sim = rotation_sim().await;
    let input = write_csv(dir.path(), &users());
    let journal = dir.path().join("journal.jsonl");
    let output = run(rotate_cmd(&sim, &input, &journal)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    // The journal names no store: `drift` checks its own passwords.
    let drift = |extra: &[&str]| {
        let mut cmd = pwchange();
        cmd.args(["drift", "--json"])
            .arg(&journal)
            .args(extra)
            .envs(target_env(&sim))
            .envs(store_env(&bao));
        cmd
    };
    let output = run(drift(&[])).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let states = |output: &std::process::Output| -> Vec<(String, String)> {
        results(output)
            .iter()
            .map(|r| {
                (
                    r["user_id"].as_str().unwrap().to_owned(),
                    r["state"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert!(
        states(&output).iter().all(|(_, state)| state == "in_sync"),
        "{}",
        text(&output)
    );
    assert_eq!(states(&output).len(), 4);

    let export = |spec: &str| {
        let mut cmd = pwchange();
        cmd.args(["journal", "export", "--store", spec])
            .arg(&journal)
            .envs(store_env(&bao));
        cmd
    };
    let spec = "vault://secret/exported/{user_id}";
    let output = run(export(spec)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    for user in users() {
        let (_, read) = bao.get(&format!("secret/data/exported/{user}"));
        assert_eq!(
            read["data"]["data"]["password"].as_str(),
            sim.password(user).as_deref(),
            "{user}"
        );
        assert_eq!(read["data"]["data"]["vendor"], vendor_name());
        assert!(!text(&output).contains(&sim.password(user).unwrap()));
    }
    // Again: found there, nothing written.
    let output = run(export(spec)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let (_, read) = bao.get(&format!("secret/data/exported/{}", USERS[0]));
    assert_eq!(read["data"]["metadata"]["version"], 1);
    // A journal without the store's versions writes over no one else's password...
    let (status, _) = bao.post(
        &format!("secret/data/elsewhere/{}", USERS[0]),
        &format!(
            r#"{{"data":{{"password":"Older-Passw0rd!","user_id":"{}"}}}}"#,
            USERS[0]
        ),
    );
    assert_eq!(status, 200);
    let output = run(export("vault://secret/elsewhere/{user_id}")).await;
    assert_eq!(output.status.code(), Some(20), "{}", text(&output));
    assert!(
        text(&output).contains(&format!("conflict  {}", USERS[0])),
        "{}",
        text(&output)
    );
    let (_, read) = bao.get(&format!("secret/data/elsewhere/{}", USERS[0]));
    assert_eq!(read["data"]["data"]["password"], "Older-Passw0rd!");
    // ...unless told to.
    let mut cmd = export("vault://secret/elsewhere/{user_id}");
    cmd.arg("--overwrite-store-conflicts");
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        text(&output).contains(&format!("replaced  {}", USERS[0])),
        "{}",
        text(&output)
    );
    let (_, read) = bao.get(&format!("secret/data/elsewhere/{}", USERS[0]));
    assert_eq!(
        read["data"]["data"]["password"].as_str(),
        sim.password(&USERS[0]).as_deref()
    );

    // Behind the store's back: one user's password at the vendor.
    sim.add_user(SimUser::new(USERS[1].clone(), "Changed-Behind-1!"));
    let output = run(drift(&["--source", "journal"])).await;
    assert_eq!(output.status.code(), Some(22), "{}", text(&output));
    let found = states(&output);
    for (user, state) in &found {
        let expected = if *user == USERS[1] {
            "out_of_sync"
        } else {
            "in_sync"
        };
        assert_eq!(state, expected, "{user}: {}", text(&output));
    }
    assert!(!text(&output).contains("Changed-Behind-1!"));
    let counts = summary_line(&output);
    assert_eq!(
        (counts["in_sync"].as_u64(), counts["out_of_sync"].as_u64()),
        (Some(3), Some(1))
    );
}

/// A rotation with a store, then `drift` from its store: a secret someone overwrote in the
/// store is out of sync, a deleted one is not verifiable; the text output says so.
#[tokio::test(flavor = "multi_thread")]
async fn drift_from_the_store_reads_each_users_latest_secret() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    let sim = rotation_sim().await;
    let input = write_csv(dir.path(), &users());
    let journal = dir.path().join("journal.jsonl");
    let mut cmd = rotate_cmd(&sim, &input, &journal);
    cmd.args(["--store", SPEC]).envs(store_env(&bao));
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(summary(&output)["stored"], 4, "{}", text(&output));
    assert_store_equals_vendor(&bao, &sim, &journal, &USERS);

    let path = |user: &str| format!("secret/data/pwchange/{}/{user}", vendor_name());
    let (status, _) = bao.post(
        &path(&USERS[2]),
        &format!(
            r#"{{"data":{{"password":"Overwritten-2!","user_id":"{}"}}}}"#,
            USERS[2]
        ),
    );
    assert_eq!(status, 200);
    let (status, _) = bao.request(bao.token(), "DELETE", &path(&USERS[3]), None);
    assert_eq!(status, 204);
    let mut cmd = pwchange();
    cmd.arg("drift")
        .arg(&journal)
        .envs(target_env(&sim))
        .envs(store_env(&bao));
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(22), "{}", text(&output));
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        out.contains(&format!("out_of_sync     {}", USERS[2])),
        "{out}"
    );
    assert!(
        out.contains(&format!("not_verifiable  {}", USERS[3])),
        "{out}"
    );
    assert!(
        out.contains(&format!("in_sync         {}", USERS[0])),
        "{out}"
    );
    assert!(
        out.contains("4 users: 2 in sync, 1 out of sync, 1 not verifiable"),
        "{out}"
    );
    assert!(!out.contains("Overwritten-2!"));
}

/// The last JSON line of `drift --json`: the counts.
fn summary_line(output: &std::process::Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}
