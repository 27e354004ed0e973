//! What a person reads of `rotate`, checked against what the same run says in JSON or does:
//! the plan of a dry run (its users, its policy's source, how the credentials were checked), a
//! line per user, the summary under `--quiet`, the run's duration, the journal key a first run
//! makes. (Issue #27: mutation testing showed that no test read them.)

use std::path::Path;
use std::time::{Duration, Instant};

use pwchange::ModeKind;
use pwchange_core::canary;
use pwchange_sim::{Simulator, Vendor};

use crate::common::*;

/// The base URL of a loopback vendor that answers every request `403` with no body.
async fn refusing_vendor() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                while pwchange_sim::raw::read_request(&mut stream).await.is_some() {
                    pwchange_sim::raw::respond(&mut stream, 403, &[], b"").await;
                }
            });
        }
    });
    url
}

/// `rotate --dry-run` of `input` against `sim` with `settings` (key, value) as environment
/// variables, in JSON when `json`.
async fn dry_run(
    sim: &Simulator,
    input: &Path,
    admin: bool,
    settings: &[(&'static str, String)],
    json: bool,
) -> std::process::Output {
    let mut cmd = pwchange();
    cmd.args(["rotate", "--vendor", sim.vendor().name()])
        .args(["--base-url", sim.base_url(), "--dry-run", "--input"])
        .arg(input);
    if admin {
        cmd.arg("--admin");
    }
    if json {
        cmd.arg("--json");
    }
    for (key, value) in settings {
        if *key != "base_url" {
            cmd.env(pwchange::Settings::env_name(sim.vendor(), key), value);
        }
    }
    run(cmd).await
}

/// The plan's line that starts with `label` (after indentation), without the label.
fn plan_line<'a>(plan: &'a str, label: &str) -> &'a str {
    plan.lines()
        .find_map(|line| line.trim_start().strip_prefix(label))
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{plan}"))
}

/// What the human plan must say of the credentials, from the JSON's `access`.
fn access_text(access: &serde_json::Value) -> String {
    let field = |name: &str| access[name].as_str().unwrap().to_owned();
    match access["checked"].as_str().unwrap() {
        "logged_in" => "checked: the login succeeded".to_owned(),
        "read" => format!("checked: {} succeeded", field("operation")),
        "authenticated" => format!("authenticated: {}", field("reason")),
        "not_checked" => format!("not checked: {}", field("reason")),
        other => panic!("a new access check: {other}"),
    }
}

/// What the human plan must say of the policy's source, from the JSON's `policy`.
fn source_text(policy: &serde_json::Value) -> String {
    match policy["source"].as_str().unwrap() {
        "vendor" => format!(
            "read from the vendor ({})",
            policy["operation"].as_str().unwrap()
        ),
        "documented" => format!("documented: {}", policy["reference"].as_str().unwrap()),
        other => panic!("a new policy source: {other}"),
    }
}

/// Every vendor, with a token and (where it has one) a login, and once with a policy read the
/// vendor refuses: the human plan tells what the JSON does, and each way of checking the
/// credentials and each policy source is seen at least once.
#[tokio::test(flavor = "multi_thread")]
async fn a_dry_runs_plan_tells_what_its_json_does() {
    let mut seen_access = std::collections::BTreeSet::new();
    let mut seen_source = std::collections::BTreeSet::new();
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let admin = pwchange::capabilities(vendor)
            .unwrap()
            .modes
            .contains(&ModeKind::AdminSet);
        let token = pwchange_sim::client_settings(vendor, sim.base_url(), sim.token());
        let mut credentials = vec![token.clone()];
        let login = pwchange_sim::login_settings(vendor);
        if !login.is_empty() {
            let mut with_login: Vec<_> = token
                .iter()
                .filter(|(k, _)| *k != "token")
                .cloned()
                .collect();
            with_login.extend(login);
            credentials.push(with_login);
        }
        let dir = tempfile::tempdir().unwrap();
        let mut reads_policy = false;
        for (count, more) in [(3, false), (4, true)] {
            let ids: Vec<String> = (1..=count)
                .map(|n| pwchange_sim::numbered_user_id(vendor, n))
                .collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let input = if admin {
                write_csv(dir.path(), &ids)
            } else {
                write_self_service_csv(dir.path(), &ids, canary::PASSWORD)
            };
            for settings in &credentials {
                let json = dry_run(&sim, &input, admin, settings, true).await;
                assert_eq!(json.status.code(), Some(0), "{vendor}: {}", text(&json));
                let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
                let human = dry_run(&sim, &input, admin, settings, false).await;
                assert_eq!(human.status.code(), Some(0), "{vendor}: {}", text(&human));
                let shown = String::from_utf8_lossy(&human.stdout).into_owned();
                assert_eq!(
                    plan_line(&shown, "credentials: "),
                    access_text(&plan["access"]),
                    "{vendor}"
                );
                assert!(
                    plan_line(&shown, "password policy: ").ends_with(&source_text(&plan["policy"])),
                    "{vendor}: {shown}"
                );
                let users = format!("{}{}", ids[..3].join(", "), if more { ", …" } else { "" });
                assert_eq!(plan_line(&shown, "users: "), users, "{vendor}: {shown}");
                seen_access.insert(plan["access"]["checked"].as_str().unwrap().to_owned());
                seen_source.insert(plan["policy"]["source"].as_str().unwrap().to_owned());
                reads_policy |= plan["policy"]["source"] == "vendor";
            }
        }
        // A vendor that refuses the policy read (a token without the right to read settings):
        // the plan falls back to the documented rules, and the credentials authenticate.
        if reads_policy {
            let refusing = refusing_vendor().await;
            let input = write_csv(
                dir.path(),
                &[pwchange_sim::numbered_user_id(vendor, 1).as_str()],
            );
            let settings: Vec<(&'static str, String)> = token
                .iter()
                .filter(|(key, _)| *key != "base_url")
                .cloned()
                .collect();
            for json in [true, false] {
                let mut cmd = pwchange();
                cmd.args(["rotate", "--vendor", vendor.name(), "--base-url", &refusing])
                    .args(["--dry-run", "--input"])
                    .arg(&input);
                if admin {
                    cmd.arg("--admin");
                }
                if json {
                    cmd.arg("--json");
                }
                for (key, value) in &settings {
                    cmd.env(pwchange::Settings::env_name(vendor, key), value);
                }
                let output = run(cmd).await;
                assert_eq!(output.status.code(), Some(0), "{vendor}: {}", text(&output));
                let shown = String::from_utf8_lossy(&output.stdout).into_owned();
                if json {
                    let plan: serde_json::Value = serde_json::from_str(&shown).unwrap();
                    assert_eq!(plan["access"]["checked"], "authenticated", "{plan}");
                    seen_access.insert("authenticated".to_owned());
                } else {
                    assert!(
                        plan_line(&shown, "credentials: ").starts_with("authenticated: "),
                        "{shown}"
                    );
                }
            }
        }
    }
    let all = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
    assert_eq!(
        seen_access,
        all(&["authenticated", "logged_in", "not_checked", "read"]),
        "every way of checking the credentials is tried"
    );
    assert_eq!(seen_source, all(&["documented", "vendor"]));
}

/// Without a terminal (a pipe, a log file) there is no progress bar, and standard output has a
/// line per user: the outcome, then the user's id.
#[tokio::test(flavor = "multi_thread")]
async fn without_a_terminal_every_user_has_a_line() {
    let sim = rotation_sim().await;
    let (_dir, input, journal) = admin_rotation_files();
    let output = run(assert_cmd::Command::from_std(rotate_with(
        &sim,
        &input,
        &journal,
        &["--admin"],
    )))
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for user in users() {
        assert!(
            stdout
                .lines()
                .any(|line| line.starts_with("changed")
                    && line.split_whitespace().nth(1) == Some(user)),
            "no line for {user}:\n{stdout}"
        );
    }
}

/// `--quiet` keeps the summary whenever something needs attention: an outcome left unknown
/// without any failure, and an interruption of a run that went well so far.
#[tokio::test(flavor = "multi_thread")]
async fn quiet_still_reports_an_unknown_outcome_and_an_interruption() {
    let sim = rotation_sim().await;
    let (dir, input, journal) = admin_rotation_files();
    // A proxy's 502 page after the first change applied, and no login to settle it: unknown.
    sim.proxy_page_at_change(502, true);
    let output = run(assert_cmd::Command::from_std(rotate_with(
        &sim,
        &input,
        &journal,
        &["--admin", "--quiet", "--no-verify", "--concurrency", "1"],
    )))
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("panicked"), "{}", text(&output));
    assert!(stdout.contains("1 outcome unknown"), "{}", text(&output));
    assert!(
        stdout.contains(" 0 failed") || stdout.contains(", 0 failed"),
        "{stdout}"
    );

    #[cfg(unix)]
    {
        let sim = rotation_sim().await;
        sim.set_latency(Some(pwchange_sim::Latency::fixed(Duration::from_millis(
            400,
        ))));
        let journal = dir.path().join("interrupted.jsonl");
        let child = rotate_with(
            &sim,
            &input,
            &journal,
            &["--admin", "--quiet", "--concurrency", "1"],
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
        // A password journaled: the run is under way (its signal handling too).
        let started = Instant::now();
        while !(journal.exists()
            && journal_entries(&journal)
                .iter()
                .any(|e| e["event"] == "pending"))
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the run never started"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
            .await
            .unwrap();
        assert_eq!(output.status.code(), Some(21), "{}", text(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains("(interrupted: run again with --resume to continue)"),
            "{}",
            text(&output)
        );
        assert!(
            stdout.contains(" 0 failed") || stdout.contains(", 0 failed"),
            "{stdout}"
        );
    }
}

/// The summary's duration is the run's, in seconds to the millisecond: more than nothing, and
/// no more than the process took.
#[tokio::test(flavor = "multi_thread")]
async fn the_summary_gives_the_runs_duration() {
    let sim = rotation_sim().await;
    let (_dir, input, journal) = admin_rotation_files();
    let started = Instant::now();
    let output = run(rotate_cmd(&sim, &input, &journal)).await;
    let took = started.elapsed().as_secs_f64();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let seconds = summary(&output)["seconds"].as_f64().unwrap();
    assert!(
        seconds > 0.0 && seconds <= took,
        "{seconds} s of a run of {took} s"
    );
    let millis = seconds * 1000.0;
    assert!(
        (millis - millis.round()).abs() < 1e-6,
        "{seconds}: to the millisecond"
    );
}

/// A first rotation makes the journal key where it is told to (only its owner may read it); a
/// `--resume` never makes one: without the key it cannot check the journal, and says so.
#[tokio::test(flavor = "multi_thread")]
async fn a_first_run_makes_the_journal_key_and_a_resume_never_does() {
    let sim = rotation_sim().await;
    let (dir, input, journal) = admin_rotation_files();
    // In a folder that does not exist yet: the first run makes it, for its owner alone.
    let key = dir.path().join("keys").join("journal.key");
    let mut resume = rotate_cmd(&sim, &input, &journal);
    resume
        .arg("--resume")
        .env("PWCHANGE_JOURNAL_KEY_FILE", &key);
    let output = run(resume).await;
    assert_ne!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        text(&output).contains(&key.display().to_string()),
        "{}",
        text(&output)
    );
    assert!(!key.exists(), "a resume made a journal key");

    let mut first = rotate_cmd(&sim, &input, &journal);
    first.env("PWCHANGE_JOURNAL_KEY_FILE", &key);
    let output = run(first).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let metadata = std::fs::metadata(&key).expect("the first run made the key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            metadata.permissions().mode() & 0o077,
            0,
            "only its owner may read it"
        );
        let folder = std::fs::metadata(key.parent().unwrap()).unwrap();
        assert_eq!(folder.permissions().mode() & 0o077, 0, "nor its folder");
    }
    let made = std::fs::read(&key).unwrap();
    let mut resume = rotate_cmd(&sim, &input, &journal);
    resume
        .arg("--resume")
        .env("PWCHANGE_JOURNAL_KEY_FILE", &key);
    let output = run(resume).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(std::fs::read(&key).unwrap(), made, "a resume keeps the key");
}

/// A progress bar only when both streams are a terminal: with either one redirected (a pipe, a
/// file), standard output has a line per user. Run under `script(1)`, which gives the command a
/// pty, with one stream redirected by the shell.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn with_one_stream_on_a_terminal_every_user_still_has_a_line() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(std::env::var_os("CI").is_none(), "script(1) is missing");
        return;
    }
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    for redirect in ["| cat", "2>stderr.txt"] {
        let sim = rotation_sim().await;
        let (dir, input, journal) = admin_rotation_files();
        let command = [
            quote(assert_cmd::cargo::cargo_bin("pwchange").to_str().unwrap()),
            "rotate --vendor".into(),
            vendor_name().into(),
            "--base-url".into(),
            quote(sim.base_url()),
            "--yes --admin --rate 0 --recipient".into(),
            JOURNAL_IDENTITY.1.clone(),
            "--input".into(),
            quote(input.to_str().unwrap()),
            "--journal".into(),
            quote(journal.to_str().unwrap()),
            redirect.into(),
        ]
        .join(" ");
        let mut script = std::process::Command::new("script");
        script
            .args(["-qec", &command, "/dev/null"])
            .current_dir(dir.path())
            .env("PWCHANGE_JOURNAL_KEY_FILE", &*JOURNAL_KEY)
            .env("XDG_CONFIG_HOME", "/nonexistent-pwchange-test")
            .envs(target_env(&sim))
            .stdin(std::process::Stdio::null());
        let output = tokio::task::spawn_blocking(move || script.output().unwrap())
            .await
            .unwrap();
        let shown = String::from_utf8_lossy(&output.stdout).into_owned();
        for user in users() {
            assert!(
                shown.lines().any(|line| {
                    let line = line.trim_start_matches(['\r', ' ']);
                    line.starts_with("changed") && line.split_whitespace().nth(1) == Some(user)
                }),
                "{redirect}: no line for {user}:\n{shown:?}"
            );
        }
        assert!(shown.contains("4 users: "), "{redirect}: {shown:?}");
    }
}
