//! Issue #27, truth round two, through the `pwchange` binary: a proxy's own page after the
//! vendor applied a change (every vendor, self-service and administrative set, in-run and on
//! resume), SIGTERM and SIGHUP, and a journal that cannot be written.

use std::path::{Path, PathBuf};

use pwchange::Vendor;
use pwchange_sim::{SimUser, Simulator, demo_user};

use crate::common::*;

/// The modes to try on `vendor`: self-service and the administrative set, each where it has it.
fn modes(vendor: Vendor) -> Vec<bool> {
    let modes = pwchange::capabilities(vendor).unwrap().modes;
    [
        (pwchange::ModeKind::SelfService, false),
        (pwchange::ModeKind::AdminSet, true),
    ]
    .into_iter()
    .filter(|(mode, _)| modes.contains(mode))
    .map(|(_, admin)| admin)
    .collect()
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
        .rfind(|e| e["user_id"] == user)
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

/// `n` users of [`VENDOR`] on a simulator, all with the canary password, and an administrative
/// rotation input for them in `dir`.
async fn many_users(dir: &Path, n: u64) -> (Simulator, Vec<String>, PathBuf) {
    let sim = Simulator::start(*VENDOR).await.unwrap();
    let ids: Vec<String> = (1..=n)
        .map(|i| pwchange_sim::numbered_user_id(*VENDOR, i))
        .collect();
    for id in &ids {
        sim.add_user(SimUser::new(id.clone(), pwchange_core::canary::PASSWORD));
    }
    let input = dir.join("users.csv");
    std::fs::write(&input, format!("user_id\n{}\n", ids.join("\n"))).unwrap();
    (sim, ids, input)
}

/// Every user the journal settled holds what the journal says; returns how many it left
/// unsettled (pending, or `unknown`).
fn assert_journal_agrees(sim: &Simulator, journal: &Path, ids: &[String]) -> usize {
    let held = journal_held(journal);
    let mut unsettled = 0;
    for id in ids {
        let entries: Vec<_> = journal_entries(journal)
            .into_iter()
            .filter(|e| e["user_id"] == id.as_str())
            .collect();
        let Some(last) = entries.last() else {
            assert_eq!(
                sim.password(id).as_deref(),
                Some(pwchange_core::canary::PASSWORD),
                "{id}: changed without a journal entry"
            );
            continue;
        };
        if last["event"] == "pending" || last["outcome"] == "unknown" {
            unsettled += 1;
            // Either password, never a third.
            let now = sim.password(id).unwrap();
            assert!(
                now == pwchange_core::canary::PASSWORD || Some(&now) == held[id].as_ref(),
                "{id}: the vendor holds a password the journal does not name"
            );
            continue;
        }
        let expected = held[id]
            .clone()
            .unwrap_or_else(|| pwchange_core::canary::PASSWORD.to_owned());
        assert_eq!(
            sim.password(id),
            Some(expected),
            "{id}: the journal says {last}"
        );
    }
    unsettled
}

/// `rotate --admin --resume` of `input` with `journal` against `sim`, which must end with every
/// user settled (exit 0).
async fn resume_to_the_end(sim: &Simulator, input: &Path, journal: &Path) {
    let resumed = run(rotation(sim, input, journal, true, &["--resume"])).await;
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
}

/// Starts `rotate --admin` of `input` against `sim`, slow enough to interrupt.
fn spawn_rotation(sim: &Simulator, input: &Path, journal: &Path) -> std::process::Child {
    rotate_with(
        sim,
        input,
        journal,
        &["--admin", "--concurrency", "2", "--rate", "0", "--json"],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap()
}

fn signal(child: &std::process::Child, name: &str) {
    let sent = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

async fn wait(child: std::process::Child) -> std::process::Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}

/// SIGTERM and SIGHUP (systemd, Kubernetes, a CI runner, a closed terminal) are an
/// interruption like Ctrl-C: nothing new starts, the changes in flight finish, everything is
/// journaled, the summary is printed, exit 21; and `--resume` finishes the rotation.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_and_sighup_stop_cleanly_with_a_summary() {
    use std::time::Duration;
    for name in ["TERM", "HUP"] {
        let dir = tempfile::tempdir().unwrap();
        let (sim, ids, input) = many_users(dir.path(), 12).await;
        sim.set_latency(Some(pwchange_sim::Latency::fixed(Duration::from_millis(
            300,
        ))));
        let journal = dir.path().join("journal.jsonl");
        let child = spawn_rotation(&sim, &input, &journal);
        tokio::time::sleep(Duration::from_millis(1200)).await;
        signal(&child, name);
        let output = wait(child).await;
        assert_eq!(
            output.status.code(),
            Some(21),
            "SIG{name}: {}",
            text(&output)
        );
        let summary = summary(&output);
        assert_eq!(summary["interrupted"], true, "{summary}");
        let changed = summary["changed"].as_u64().unwrap();
        let not_attempted = summary["not_attempted"].as_u64().unwrap();
        assert!(changed >= 1 && not_attempted >= 1, "SIG{name}: {summary}");
        assert_eq!(
            assert_journal_agrees(&sim, &journal, &ids),
            0,
            "SIG{name}: every change in flight finished and was journaled"
        );

        sim.set_latency(None);
        resume_to_the_end(&sim, &input, &journal).await;
        assert_eq!(assert_journal_agrees(&sim, &journal, &ids), 0);
        let all = journal_passwords(&journal);
        for id in &ids {
            assert_eq!(sim.password(id).as_ref(), all.get(id), "{id}");
        }
    }
}

/// Issue #35: a reader that goes away (`rotate --json | head -1`) is an interruption, not a
/// panic: nothing new starts, the changes in flight finish and are journaled, exit 21; and
/// `--resume` finishes the rotation.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_stdout_stops_the_run_like_an_interruption() {
    use std::io::BufRead as _;
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let (sim, ids, input) = many_users(dir.path(), 12).await;
    sim.set_latency(Some(pwchange_sim::Latency::fixed(Duration::from_millis(
        300,
    ))));
    let journal = dir.path().join("journal.jsonl");
    let mut child = spawn_rotation(&sim, &input, &journal);
    let stdout = child.stdout.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        line // the reader (and the pipe's only read end) is dropped here
    })
    .await
    .unwrap();
    assert!(first.contains("\"user_id\""), "{first}");
    let output = wait(child).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(21), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("standard output cannot be written"),
        "{stderr}"
    );
    // A change in flight finished and was journaled; one whose password was being journaled
    // when the run stopped was not sent, and stays pending for --resume (at most the window's
    // two).
    assert!(
        assert_journal_agrees(&sim, &journal, &ids) <= 2,
        "{stderr}\n{:#?}",
        journal_entries(&journal)
    );
    let entries = journal_entries(&journal);
    assert!(
        entries.iter().filter(|e| e["event"] == "done").count() < ids.len(),
        "the run stopped launching"
    );
    sim.set_latency(None);
    resume_to_the_end(&sim, &input, &journal).await;
    let all = journal_passwords(&journal);
    for id in &ids {
        assert_eq!(sim.password(id).as_ref(), all.get(id), "{id}");
    }
}

/// A second signal ends the grace period at once: a change still in flight is abandoned,
/// reported as unknown, and left pending in the journal for `--resume`, which settles it.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_second_signal_abandons_the_changes_in_flight_for_resume() {
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let (sim, ids, input) = many_users(dir.path(), 4).await;
    // The first change is slow enough to be in flight at both signals; it applies.
    sim.inject(pwchange_sim::Fault::Latency(Duration::from_secs(4)));
    let journal = dir.path().join("journal.jsonl");
    let child = spawn_rotation(&sim, &input, &journal);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    signal(&child, "TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(&child, "TERM");
    let started = std::time::Instant::now();
    let output = wait(child).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "it did not wait out the slow change"
    );
    assert_eq!(output.status.code(), Some(21), "{}", text(&output));
    let abandoned: Vec<serde_json::Value> = results(&output)
        .into_iter()
        .filter(|r| r["outcome"] == "outcome_unknown")
        .collect();
    assert!(!abandoned.is_empty(), "{}", text(&output));
    // Of the kind every unknown outcome is counted under, whatever left it unknown.
    assert!(
        abandoned.iter().all(|r| r["kind"] == "outcome_unknown"),
        "{abandoned:?}"
    );
    assert!(
        text(&output).contains("abandoned in flight"),
        "{}",
        text(&output)
    );
    assert!(assert_journal_agrees(&sim, &journal, &ids) >= 1);

    // Whatever the vendor does with the abandoned request is done by then.
    tokio::time::sleep(Duration::from_secs(3)).await;
    resume_to_the_end(&sim, &input, &journal).await;
    assert_eq!(assert_journal_agrees(&sim, &journal, &ids), 0);
}

/// A tmpfs of `kib` KiB mounted on a new directory under `dir`, unmounted on drop; `None` where
/// this process may not mount (not root), except in CI, which must run the test.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, kib: u32) -> Option<Self> {
        let point = dir.join("tmpfs");
        std::fs::create_dir(&point).unwrap();
        let mounted = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={kib}k,mode=0700"),
                "tmpfs",
            ])
            .arg(&point)
            .status()
            .is_ok_and(|status| status.success());
        if mounted {
            return Some(Self(point));
        }
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to mount a tmpfs (run as root)"
        );
        eprintln!("skipped: cannot mount a tmpfs here (not root)");
        None
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// A journal on a full disk: the run stops, the error names the journal and the cause (every
/// line that mentions the journal does), its kind is `storage` with exit 17, never
/// `unexpected`; what the journal holds agrees with the vendor, and a copy of it elsewhere
/// resumes the rotation to the end.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_journal_on_a_full_disk_stops_the_run_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let Some(tmpfs) = Tmpfs::mount(dir.path(), 8) else {
        return;
    };
    let (sim, ids, input) = many_users(dir.path(), 300).await;
    let journal = tmpfs.0.join("journal.jsonl");
    let output = run(assert_cmd::Command::from_std(rotate_with(
        &sim,
        &input,
        &journal,
        &["--admin", "--concurrency", "4", "--rate", "0", "--json"],
    )))
    .await;
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(17), "{shown}");
    assert!(shown.contains("No space left on device"), "{shown}");
    assert!(shown.contains(&journal.display().to_string()), "{shown}");
    assert!(!shown.contains("unexpected"), "{shown}");
    assert!(
        !shown.contains("an earlier journal write failed"),
        "{shown}"
    );
    let error: serde_json::Value = shown
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["ok"] == false)
        .expect("the error as JSON");
    assert_eq!(error["kind"], "storage", "{error}");
    assert_eq!(error["exit_code"], 17, "{error}");
    assert_journal_agrees(&sim, &journal, &ids);

    let copy = dir.path().join("journal-copy.jsonl");
    std::fs::copy(&journal, &copy).unwrap();
    drop(tmpfs);
    resume_to_the_end(&sim, &input, &copy).await;
    assert_eq!(assert_journal_agrees(&sim, &copy, &ids), 0);
}

/// A disk that fills up exactly as a user's new password is journaled: that password is not
/// sent (it exists nowhere else), the user is reported not attempted and why, the summary
/// counts it so, and the journal still agrees with the vendor. Where the disk ends is chosen
/// from this run's own journal, one change at a time: while the vendor holds a change (a slow
/// answer), the journal ends with that user's pending entry; the next user's pending entry
/// starts one `done` line later (each as long as the last) and is at least as long as the
/// shortest so far, less a margin (a generated password's length varies). At the first such
/// entry with a page boundary well inside it, a filler file leaves the journal room up to that
/// boundary and no further.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_password_the_full_disk_cannot_journal_is_not_sent() {
    use std::time::Duration;
    const PAGE: u64 = 4096;
    const MARGIN: u64 = 64;
    let dir = tempfile::tempdir().unwrap();
    let Some(tmpfs) = Tmpfs::mount(dir.path(), 256) else {
        return;
    };
    let (sim, ids, input) = many_users(dir.path(), 60).await;
    let journal = tmpfs.0.join("journal.jsonl");
    let flags = ["--admin", "--concurrency", "1", "--rate", "0", "--json"];
    sim.set_latency(Some(pwchange_sim::Latency::fixed(Duration::from_millis(
        300,
    ))));
    let mut cmd = rotate_with(&sim, &input, &journal, &flags);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let free_pages = || -> u64 {
        let out = std::process::Command::new("stat")
            .args(["-f", "-c", "%a %S"])
            .arg(&tmpfs.0)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut parts = text.split_whitespace().map(|n| n.parse::<u64>().unwrap());
        let (blocks, size) = (parts.next().unwrap(), parts.next().unwrap());
        assert_eq!(size, PAGE, "tmpfs blocks are pages");
        blocks
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let mut windows = 0;
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "no page boundary found"
        );
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let is = |line: &str, event: &str| line.contains(&format!("\"event\":\"{event}\""));
        let pendings: Vec<u64> = lines
            .iter()
            .filter(|l| is(l, "pending"))
            .map(|l| l.len() as u64)
            .collect();
        let done = lines
            .iter()
            .rev()
            .find(|l| is(l, "done"))
            .map(|l| l.len() as u64);
        let waiting = text.ends_with('\n') && lines.last().is_some_and(|l| is(l, "pending"));
        if !waiting || pendings.len() <= windows {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        windows = pendings.len();
        let Some(done) = done else { continue };
        let written = text.len() as u64;
        let start = written + done;
        let shortest = pendings.iter().min().unwrap() - MARGIN;
        let boundary = (start / PAGE + 1) * PAGE;
        if boundary > start + MARGIN && boundary + MARGIN < start + shortest {
            let room = boundary / PAGE - written.div_ceil(PAGE);
            let filler = free_pages() - room;
            let bytes = usize::try_from(filler * PAGE).unwrap();
            std::fs::write(tmpfs.0.join("filler"), vec![0u8; bytes]).unwrap();
            assert_eq!(free_pages(), room, "the journal's room, in pages");
            assert_eq!(
                std::fs::read_to_string(&journal).unwrap().len() as u64,
                written,
                "the filler was placed while the vendor held the change"
            );
            break;
        }
    }
    sim.set_latency(None);
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(17), "{shown}");
    let unsent: Vec<serde_json::Value> = results(&output)
        .into_iter()
        .filter(|r| r["message"] == "its new password could not be journaled, so it was not sent")
        .collect();
    assert_eq!(unsent.len(), 1, "{shown}");
    assert_eq!(unsent[0]["outcome"], "not_attempted", "{shown}");
    let user = unsent[0]["user_id"].as_str().unwrap();
    assert_eq!(
        sim.password(user).as_deref(),
        Some(pwchange_core::canary::PASSWORD),
        "nothing was sent"
    );
    // The summary comes before the error.
    let counts = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| v.get("summary").cloned())
        .expect("the summary");
    assert_eq!(counts["failed"], 0, "{counts}");
    assert_eq!(
        counts["not_attempted"].as_u64().unwrap() + counts["changed"].as_u64().unwrap(),
        ids.len() as u64,
        "{counts}"
    );
    assert_journal_agrees(&sim, &journal, &ids);
}

/// Issue #27: where the verification login uses the configured token, a `403` to it refuses
/// the token, not the password: the breaker stops the rotation at once (exit 5) instead of
/// leaving every user unknown; the user whose change was confirmed keeps its password in the
/// journal, unsettled, and the others are not attempted.
#[tokio::test(flavor = "multi_thread")]
async fn a_verification_login_refused_for_the_token_trips_the_breaker() {
    let vendors: Vec<Vendor> = Vendor::ALL
        .into_iter()
        .filter(|v| {
            pwchange::capabilities(*v)
                .unwrap()
                .verification_uses_credentials
        })
        .collect();
    assert!(
        !vendors.is_empty(),
        "no vendor verifies with the token: this test proves nothing"
    );
    for vendor in vendors {
        let dir = tempfile::tempdir().unwrap();
        let sim = Simulator::start(vendor).await.unwrap();
        let ids: Vec<String> = (1..=4)
            .map(|i| pwchange_sim::numbered_user_id(vendor, i))
            .collect();
        for id in &ids {
            sim.add_user(SimUser::new(id.clone(), pwchange_core::canary::PASSWORD));
        }
        let input = dir.path().join("users.csv");
        std::fs::write(&input, format!("user_id\n{}\n", ids.join("\n"))).unwrap();
        let journal = dir.path().join("journal.jsonl");
        // The first change applies; its verification login is refused for the token.
        sim.inject(pwchange_sim::Fault::Latency(std::time::Duration::ZERO));
        sim.inject(pwchange_sim::Fault::Refuse(403));
        let output = run(rotation(
            &sim,
            &input,
            &journal,
            true,
            &["--concurrency", "1"],
        ))
        .await;
        assert_eq!(output.status.code(), Some(5), "{vendor}: {}", text(&output));
        let first = result_of(&output, &ids[0]);
        assert_eq!(first["outcome"], "outcome_unknown", "{vendor}: {first}");
        assert_eq!(first["kind"], "permission_denied", "{vendor}: {first}");
        assert_eq!(summary(&output)["stopped_by"], "permission_denied");
        assert_eq!(summary(&output)["not_attempted"], 3, "{vendor}");
        let journaled = journal_passwords(&journal);
        assert_eq!(
            sim.password(&ids[0]).as_ref(),
            journaled.get(&ids[0]),
            "{vendor}"
        );
        assert_eq!(
            last_entry(&journal, &ids[0])["outcome"],
            "unknown",
            "{vendor}"
        );
    }
}
