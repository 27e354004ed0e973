//! Issue #35 through the binary: no secret of one user in another user's output, vendor text
//! that cannot drive a terminal, a journal nobody else can steer, files others can read.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::common::*;

/// A vendor that refuses every change (any request but a `GET`, which a simulator answers, with
/// a `providerType` that would take over a terminal) with a `400` whose every field says "the
/// passwords set here were …", listing every string any request sent it so far and the strings
/// it was seeded with (what it knew before the run: every user's current password), after text
/// that would take over a terminal.
struct EchoVendor {
    url: String,
    _sim: pwchange_sim::Simulator,
}

const TAKEOVER: &str = "\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\r\nchanged (verified)\u{9b}31m\u{202e}";

impl EchoVendor {
    async fn start(vendor: pwchange_sim::Vendor, seed: Vec<String>) -> Self {
        let sim = pwchange_sim::Simulator::start(vendor).await.unwrap();
        for user in users_of(vendor) {
            sim.add_user(pwchange_sim::SimUser::new(user, "Old-Passw0rd!x1"));
        }
        let upstream = sim.base_url().to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let known = Arc::new(Mutex::new(seed));
        pwchange_core::tls::ensure_default_provider();
        let forward = pwchange_core::__private::reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (known, forward, upstream) = (known.clone(), forward.clone(), upstream.clone());
                tokio::spawn(async move {
                    let Some(raw) = pwchange_sim::raw::read_request(&mut stream).await else {
                        return;
                    };
                    if raw.method() == "GET" {
                        let mut request = forward.get(format!("{upstream}{}", raw.path()));
                        for (name, value) in raw.headers() {
                            if !name.eq_ignore_ascii_case("host") {
                                request = request.header(name, value);
                            }
                        }
                        let Ok(answer) = request.send().await else {
                            return;
                        };
                        let status = answer.status().as_u16();
                        let content_type = answer
                            .headers()
                            .get("content-type")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("application/json")
                            .to_owned();
                        let mut body = answer.bytes().await.unwrap_or_default().to_vec();
                        if let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&body)
                            && let Some(provider) = json.get_mut("providerType")
                        {
                            *provider = serde_json::json!(TAKEOVER);
                            body = serde_json::to_vec(&json).unwrap();
                        }
                        let headers = [("content-type", content_type.as_str())];
                        pwchange_sim::raw::respond(&mut stream, status, &headers, &body).await;
                        return;
                    }
                    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&raw.body) {
                        let mut strings = Vec::new();
                        strings.extend(pwchange_sim::raw::json_strings(&json));
                        known.lock().unwrap().extend(strings);
                    }
                    // The latest first: the facade keeps the first 200 characters.
                    let latest: Vec<String> = known.lock().unwrap().iter().rev().cloned().collect();
                    let echo = format!(
                        "{TAKEOVER} the passwords set here were {}",
                        latest.join(" ")
                    );
                    let body = serde_json::json!({
                        "message": echo, "error": echo, "title": echo, "detail": echo,
                        "error_description": echo, "description": echo,
                        "details": [{"message": echo}],
                    })
                    .to_string();
                    let headers = [("content-type", "application/json")];
                    pwchange_sim::raw::respond(&mut stream, 400, &headers, body.as_bytes()).await;
                });
            }
        });
        Self { url, _sim: sim }
    }
}

/// The four users of `vendor`'s rotations here.
fn users_of(vendor: pwchange_sim::Vendor) -> Vec<String> {
    (1..=4)
        .map(|i| pwchange_sim::numbered_user_id(vendor, i))
        .collect()
}

/// A rotation against [`EchoVendor`], with a token and `flags`.
fn echo_rotation(
    echo: &EchoVendor,
    input: &Path,
    journal: &Path,
    flags: &[&str],
) -> assert_cmd::Command {
    let url = echo.url.as_str();
    let mut cmd = pwchange();
    cmd.args([
        "rotate",
        "--recipient",
        JOURNAL_IDENTITY.1.as_str(),
        "--vendor",
        vendor_name(),
        "--base-url",
        url,
        "--yes",
    ])
    .arg("--input")
    .arg(input)
    .arg("--journal")
    .arg(journal)
    .args(["--rate", "0", "--concurrency", "1"])
    .args(flags)
    .envs(target_env(&echo._sim));
    cmd
}

/// A vendor that echoes every password it was ever sent (and every user's current password)
/// in each user's error: no user's output, text or JSON, stdout, stderr or journal, holds any
/// password of the run, and nothing in them can drive a terminal.
#[tokio::test(flavor = "multi_thread")]
async fn no_password_of_the_run_in_any_users_output() {
    let users: Vec<String> = (1..=4)
        .map(|i| pwchange_sim::numbered_user_id(*VENDOR, i))
        .collect();
    let currents: Vec<String> = (1..=4).map(|i| format!("Curr3nt-Pass-{i}-Long!")).collect();
    for admin in [true, false] {
        for json in [true, false] {
            let echo = EchoVendor::start(*VENDOR, currents.clone()).await;
            let dir = tempfile::tempdir().unwrap();
            let input = dir.path().join("users.csv");
            let rows: Vec<String> = users
                .iter()
                .zip(&currents)
                .map(|(user, current)| {
                    if admin {
                        user.clone()
                    } else {
                        format!("{user},{current}")
                    }
                })
                .collect();
            let header = if admin {
                "user_id"
            } else {
                "user_id,current_password"
            };
            std::fs::write(&input, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
            let journal = dir.path().join("journal.jsonl");
            let mut flags = Vec::new();
            if admin {
                flags.push("--admin");
            }
            if json {
                flags.push("--json");
            }
            let output = run(echo_rotation(&echo, &input, &journal, &flags)).await;
            let case = format!("admin {admin} json {json}");
            assert_eq!(output.status.code(), Some(20), "{case}: {}", text(&output));
            let journal_text = std::fs::read_to_string(&journal).unwrap();
            let generated: Vec<String> = journal_passwords(&journal).into_values().collect();
            assert_eq!(generated.len(), users.len(), "{case}");
            // What is shown: stdout, stderr, and the journal's messages (its pending entries
            // hold each user's own new password, as they must).
            let messages: Vec<String> = journal_entries(&journal)
                .iter()
                .filter_map(|e| e["message"].as_str().map(str::to_owned))
                .collect();
            let shown = format!("{}\n{}", text(&output), messages.join("\n"));
            assert!(
                shown.contains("<redacted>"),
                "{case}: the echo never got through: {shown}"
            );
            let run_currents: &[String] = if admin { &[] } else { &currents };
            for secret in generated.iter().chain(run_currents) {
                assert!(
                    !shown.contains(secret.as_str()),
                    "{case}: a password of the run leaked"
                );
            }
            assert!(
                !shown
                    .chars()
                    .any(|c| c != '\n' && pwchange_core::vendor_text::is_unsafe(c)),
                "{case}: a control character reached an output: {shown:?}"
            );
            assert!(!journal_text.contains('\u{1b}'), "{case}");
        }
    }
}

/// Issue #35: whoever can write the journal cannot choose the passwords `--resume` sets. A
/// `pending` line appended after a user's `done` (with no code, or with a code made up), a
/// journal others may read or write, and a journal resumed with another key are refused before
/// anything is sent; the journal as the run wrote it resumes.
#[tokio::test(flavor = "multi_thread")]
async fn resume_refuses_a_journal_someone_else_wrote() {
    let sim = rotation_sim().await;
    let (_dir, input, journal) = admin_rotation_files();
    let first = run(rotate_cmd(&sim, &input, &journal)).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let done_user = users()[0];
    let held = sim.password(done_user).unwrap();
    let original = std::fs::read(&journal).unwrap();
    let forged_password = "Attacker-Chosen-Passw0rd!";
    let appended = |line: String| {
        let mut bytes = original.clone();
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        write_private(&journal, bytes).unwrap();
    };
    let pending = serde_json::json!({
        "event": "pending", "user_id": done_user, "new_password": forged_password,
    });
    // The code first, as pwchange writes it.
    let with_made_up_code = format!(
        "{{\"mac\":\"{}\",{}",
        "00".repeat(32),
        &pending.to_string()[1..]
    );
    for (line, said) in [
        (pending.to_string(), "carries no authentication code"),
        (with_made_up_code, "fails its authentication"),
    ] {
        appended(line);
        let resumed = run(rotate_with_flags(&sim, &input, &journal, &["--resume"])).await;
        assert_eq!(resumed.status.code(), Some(3), "{}", text(&resumed));
        assert!(text(&resumed).contains(said), "{}", text(&resumed));
        assert!(!text(&resumed).contains(forged_password));
        assert_eq!(
            sim.password(done_user).as_ref(),
            Some(&held),
            "nothing was sent"
        );
    }
    // As the run wrote it, but readable by others: refused; made private again: resumed.
    write_private(&journal, &original).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o644)).unwrap();
        let resumed = run(rotate_with_flags(&sim, &input, &journal, &["--resume"])).await;
        assert_eq!(resumed.status.code(), Some(3), "{}", text(&resumed));
        assert!(text(&resumed).contains("chmod 600"), "{}", text(&resumed));
        std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    // Another key (another operator's, or a lost one): named as such.
    let other_key = journal.with_file_name("other.key");
    write_private(&other_key, format!("{}\n", "ab".repeat(32))).unwrap();
    let mut other = rotate_with_flags(&sim, &input, &journal, &["--resume"]);
    other.env("PWCHANGE_JOURNAL_KEY_FILE", &other_key);
    let resumed = run(other).await;
    assert_eq!(resumed.status.code(), Some(3), "{}", text(&resumed));
    assert!(
        text(&resumed).contains("written with another journal key"),
        "{}",
        text(&resumed)
    );
    let resumed = run(rotate_with_flags(&sim, &input, &journal, &["--resume"])).await;
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
    assert_eq!(summary(&resumed)["already_done"], users().len());
}

/// [`rotate_cmd`] with more flags.
fn rotate_with_flags(
    sim: &pwchange_sim::Simulator,
    input: &Path,
    journal: &Path,
    flags: &[&str],
) -> assert_cmd::Command {
    let mut cmd = rotate_cmd(sim, input, journal);
    cmd.args(flags);
    cmd
}

/// Issue #35, on a terminal: a rotation on a pty (progress bar, colour, each failure printed
/// above the bar) against a vendor whose every error text tries to take the terminal over: none
/// of the vendor's sequences reaches the terminal (no OSC 52 clipboard write, no screen clear,
/// no C1 CSI, no bidi override, no line the vendor starts), while the vendor's words still show.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_receives_none_of_the_vendors_sequences() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        // util-linux's script(1) gives the command a pty; CI's machine has it.
        assert!(std::env::var_os("CI").is_none(), "script(1) is missing");
        return;
    }
    // The first vendor's errors; Cloud Director's user record, whose providerType (not LOCAL)
    // ends the change with an error that names it.
    for vendor in [*VENDOR, pwchange_sim::Vendor::Vcd] {
        on_a_terminal(vendor).await;
    }
}

#[cfg(target_os = "linux")]
async fn on_a_terminal(vendor: pwchange_sim::Vendor) {
    let echo = EchoVendor::start(vendor, Vec::new()).await;
    let dir = tempfile::tempdir().unwrap();
    let users = users_of(vendor);
    let input = write_csv(
        dir.path(),
        &users.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let journal = dir.path().join("journal.jsonl");
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut line = vec![
        quote(assert_cmd::cargo::cargo_bin("pwchange").to_str().unwrap()),
        "rotate".into(),
        "--recipient".into(),
        JOURNAL_IDENTITY.1.clone(),
        "--vendor".into(),
        vendor.name().into(),
        "--base-url".into(),
        quote(&echo.url),
        "--yes".into(),
        "--admin".into(),
        "--input".into(),
        quote(input.to_str().unwrap()),
        "--journal".into(),
        quote(journal.to_str().unwrap()),
        "--rate".into(),
        "0".into(),
    ];
    line.push("--color".into());
    line.push("always".into());
    let mut script = std::process::Command::new("script");
    script
        .args(["-qec", &line.join(" "), "/dev/null"])
        .env("PWCHANGE_JOURNAL_KEY_FILE", &*JOURNAL_KEY)
        .env("XDG_CONFIG_HOME", "/nonexistent-pwchange-test")
        .envs(target_env(&echo._sim))
        .stdin(std::process::Stdio::null());
    let output = tokio::task::spawn_blocking(move || script.output().unwrap())
        .await
        .unwrap();
    let terminal = String::from_utf8_lossy(&output.stdout).into_owned();
    let shown = if vendor == pwchange_sim::Vendor::Vcd {
        "providerType: \"\\u{1b}]52"
    } else {
        "the passwords set here were"
    };
    assert!(terminal.contains(shown), "{vendor}: {terminal:?}");
    assert!(terminal.contains("4 users: "), "{terminal:?}");
    for (sequence, what) in [
        ("\u{1b}]52", "an OSC 52 clipboard write"),
        ("\u{1b}[2J", "a screen clear"),
        ("\u{9b}", "a C1 CSI"),
        ("\u{202e}", "a bidi override"),
        ("\u{7}", "a bell"),
    ] {
        assert!(
            !terminal.contains(sequence),
            "{what} reached the terminal: {terminal:?}"
        );
    }
    assert!(
        !terminal.lines().any(|l| l
            .trim_start_matches(['\r', ' '])
            .starts_with("changed (verified)")),
        "the vendor started a line: {terminal:?}"
    );
}
