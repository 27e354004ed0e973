//! The `pwchange` binary against the simulators: `demo`, `change`, exit codes, completions and
//! the man page, and no canary password in any output (`rotate` has its own file).

use pwchange::Settings;
use pwchange_core::canary;
use pwchange_sim::{Simulator, Vendor};

use crate::common::*;

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
        // Objects, not JSON inside strings.
        assert_eq!(change["changed"]["vendor"], vendor, "{change}");
        assert!(change["changed"]["verification"].is_object(), "{change}");
        // A vendor without a self-service change shows an unknown user instead.
        let (step, kind, exit) = if pwchange_sim::offers_self_service(vendor.parse().unwrap()) {
            ("wrong current password", "current_password_invalid", 7)
        } else {
            ("unknown user", "user_not_found", 6)
        };
        let wrong = rows
            .iter()
            .find(|r| r["vendor"] == vendor && r["step"] == step)
            .unwrap();
        assert_eq!(wrong["outcome"], kind);
        assert_eq!(wrong["error"]["kind"], kind, "{wrong}");
        assert_eq!(wrong["error"]["exit_code"], exit, "{wrong}");
        assert_eq!(wrong["password_changed_in_simulator"], false);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn change_reads_passwords_from_stdin_and_never_prints_them() {
    let sim = user_sim().await;
    let stdin = format!("{}\n{}\n", canary::PASSWORD, canary::NEW_PASSWORD);
    let output = run(change_cmd(&sim, USERS[0].as_str(), stdin, &["--json"])).await;
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
    write_private(&config, file).unwrap();
    let passwords = dir.path().join("passwords");
    write_private(
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
            "base_url: the base URL has no scheme",
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
            3,
            "no credentials: set token",
        ),
        // unknown vendor (clap)
        (
            vec![
                "change",
                "--vendor",
                "no-such-vendor",
                "--base-url",
                &base,
                "--user",
                "x",
            ],
            Some(sim.token()),
            2,
            "invalid value 'no-such-vendor'",
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

/// Issue #10 finding 9: at the prompt the new password is typed twice; a typo stops before
/// anything is sent. `script(1)` gives the command a terminal and types its input into it.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn finding_9_the_new_password_is_typed_twice_at_the_prompt() {
    let sim = user_sim().await;
    let command = format!(
        "{} change --vendor {} --base-url {} --user {} --admin",
        assert_cmd::cargo::cargo_bin("pwchange").display(),
        vendor_name(),
        sim.base_url(),
        USERS[0]
    );
    let typed = |first: &str, second: &str| {
        let mut script = std::process::Command::new("script");
        script
            .args(["-q", "-e", "-c", &command, "/dev/null"])
            .env("XDG_CONFIG_HOME", "/nonexistent-pwchange-test")
            .envs(target_env(&sim));
        let mut cmd = assert_cmd::Command::from_std(script);
        cmd.write_stdin(format!("{first}\n{second}\n"));
        cmd
    };
    let typo = run(typed("Typed-Passw0rd!1", "Typed-Passw0rd!2")).await;
    assert_eq!(typo.status.code(), Some(3), "{}", text(&typo));
    assert!(
        text(&typo).contains("differ; nothing was sent"),
        "{}",
        text(&typo)
    );
    assert_eq!(sim.requests(), 0);

    let same = run(typed("Typed-Passw0rd!1", "Typed-Passw0rd!1")).await;
    assert_eq!(same.status.code(), Some(0), "{}", text(&same));
    assert!(
        text(&same).contains("new password (again)"),
        "{}",
        text(&same)
    );
    assert_eq!(sim.password(&USERS[0]).as_deref(), Some("Typed-Passw0rd!1"));
}

/// A listening socket that counts the connections it gets.
fn connection_counter() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if stream.is_ok() {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
    });
    (url, count)
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_11_finding_6_the_demo_and_loopback_never_use_an_environment_proxy() {
    let (proxy, connections) = connection_counter();
    let mut cmd = pwchange();
    cmd.args(["demo", "--json"]);
    for name in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env(name, &proxy);
    }
    cmd.env_remove("NO_PROXY").env_remove("no_proxy");
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "a request went to the environment's proxy"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_11_finding_3_a_broken_config_file_is_named_by_line_and_column_without_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ";
    write_private(
        &config,
        format!(
            "[{}]\nbase_url = \"https://idp.example.com\"\ntoken = \"{token}\\q\"\n",
            vendor_name()
        ),
    )
    .unwrap();
    for json in [false, true] {
        let mut cmd = pwchange();
        cmd.args([
            "change",
            "--vendor",
            vendor_name(),
            "--user",
            USERS[0].as_str(),
            "--config",
        ])
        .arg(&config)
        .arg("--password-stdin")
        .write_stdin("Old-Passw0rd!\nN3w-Passw0rd!\n");
        if json {
            cmd.arg("--json");
        }
        let output = run(cmd).await;
        let all = text(&output);
        assert_eq!(output.status.code(), Some(3), "{all}");
        assert!(
            all.contains("config.toml is not valid TOML at line 3, column"),
            "{all}"
        );
        assert!(!all.contains("eyJ") && !all.contains("c2VjcmV0"), "{all}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_11_finding_11_a_user_id_with_line_breaks_cannot_forge_a_log_line() {
    let sim = user_sim().await;
    let forged = "u1\r\nFORGED-LOG-LINE level=INFO";
    let stdin = "Old-Passw0rd!\nN3w-Passw0rd!\n".to_owned();
    let output = run(change_cmd(&sim, forged, stdin, &["-vvv"])).await;
    let all = text(&output);
    assert_eq!(output.status.code(), Some(3), "{all}");
    assert!(all.lines().all(|l| !l.starts_with("FORGED")), "{all}");
    assert!(!all.contains('\r'), "{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_11_finding_12_change_json_prints_only_the_documented_result() {
    let sim = user_sim().await;
    let stdin = format!("{}\n{}\n", canary::PASSWORD, canary::NEW_PASSWORD);
    let output = run(change_cmd(&sim, USERS[0].as_str(), stdin, &["--json"])).await;
    assert!(output.status.success(), "{}", text(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&json), ["changed", "ok"]);
    assert_eq!(
        keys(&json["changed"]),
        ["details", "user_id", "vendor", "verification"]
    );
    // The result's documented schema: no field of the vendor's user record (e-mail, names).
    let schema = serde_json::to_string(&schemars::schema_for!(pwchange::Changed)).unwrap();
    fn all_keys(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    out.push(key.clone());
                    all_keys(inner, out);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| all_keys(v, out)),
            _ => {}
        }
    }
    let mut fields = Vec::new();
    all_keys(&json["changed"], &mut fields);
    for field in fields {
        assert!(
            schema.contains(&format!("\"{field}\"")),
            "undocumented field {field}"
        );
    }
    assert!(!String::from_utf8_lossy(&output.stdout).contains('@'));
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_11_finding_12_a_length_beyond_a_vendors_maximum_is_refused_before_the_journal() {
    let mut refused = 0;
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let user = pwchange_sim::demo_user(vendor);
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("users.csv");
        write_private(
            &input,
            format!("user_id,current_password\n{},{}\n", user.id, user.password),
        )
        .unwrap();
        let journal = dir.path().join("journal.jsonl");
        let mut cmd = pwchange();
        cmd.args([
            "rotate",
            "--recipient",
            JOURNAL_IDENTITY.1.as_str(),
            "--vendor",
            vendor.name(),
            "--base-url",
            sim.base_url(),
            "--yes",
            "--length",
            "1024",
            "--input",
        ])
        .arg(&input)
        .arg("--journal")
        .arg(&journal)
        .envs(
            pwchange_sim::client_settings(vendor, sim.base_url(), sim.token())
                .into_iter()
                .filter(|(key, _)| *key != "base_url")
                .map(|(key, value)| (Settings::env_name(vendor, key), value)),
        );
        let output = run(cmd).await;
        if output.status.code() == Some(3) {
            let all = text(&output);
            assert!(all.contains("--length 1024"), "{vendor}: {all}");
            assert!(!journal.exists(), "{vendor}: a journal was created");
            assert_eq!(
                sim.password(&user.id).as_deref(),
                Some(user.password.as_str()),
                "{vendor}"
            );
            refused += 1;
        }
    }
    assert!(refused > 0, "no vendor has a maximum below 1024 characters");
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_11_finding_8_ca_cert_is_the_ca_file_setting() {
    let sim = user_sim().await;
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../pwchange/tests/fixtures");
    // A readable CA is accepted (loopback http ignores it); a missing one is named with its flag.
    for (path, ok) in [
        (fixtures.join("ca.pem"), true),
        (fixtures.join("missing.pem"), false),
    ] {
        let path = path.to_str().unwrap();
        let stdin = format!("{}\n{}\n", canary::PASSWORD, canary::NEW_PASSWORD);
        let cmd = change_cmd(
            &sim,
            USERS[0].as_str(),
            stdin,
            &["--no-verify", "--ca-cert", path],
        );
        let output = run(cmd).await;
        let all = text(&output);
        if ok {
            assert!(output.status.success(), "{all}");
        } else {
            assert_eq!(output.status.code(), Some(3), "{all}");
            assert!(
                all.contains("--ca-cert") && all.contains("missing.pem"),
                "{all}"
            );
        }
    }
}

// ---- Issue #12: policies, dry runs, resets with a code. ----

/// A policy stricter than every vendor's default: 24 characters and a symbol.
const STRICT: pwchange_sim::SimPolicy = pwchange_sim::SimPolicy {
    min_length: 24,
    lowercase: false,
    uppercase: false,
    digit: false,
    symbol: true,
};

fn policy_cmd(sim: &Simulator, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = pwchange();
    cmd.args([
        "policy",
        "--vendor",
        sim.vendor().name(),
        "--base-url",
        sim.base_url(),
    ])
    .args(extra)
    .envs(target_env(sim));
    cmd
}

/// The example lines of `pwchange <command> --help`'s `Examples:` section.
fn help_examples(command: &[&str]) -> Vec<String> {
    let output = pwchange().args(command).arg("--help").output().unwrap();
    assert!(output.status.success(), "{command:?}");
    let help = String::from_utf8_lossy(&output.stdout).into_owned();
    let section = help
        .split("Examples:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{command:?} has no Examples: {help}"));
    // A comment line, an example line, and the example's continuation where help wrapped it.
    let mut examples: Vec<String> = Vec::new();
    let mut in_comment = false;
    for line in section.lines().take_while(|line| !line.trim().is_empty()) {
        let line = line.trim();
        if line.starts_with('#') {
            in_comment = true;
        } else if line.starts_with("pwchange ") {
            in_comment = false;
            examples.push(line.to_owned());
        } else if !in_comment && let Some(last) = examples.last_mut() {
            last.push(' ');
            last.push_str(line);
        }
    }
    examples
}

/// Issue #33: every command's help (and man page) has examples; each parses (no usage error)
/// and the ones that need at most a simulator run to success against one.
#[tokio::test(flavor = "multi_thread")]
async fn every_example_parses_and_runs_where_it_can() {
    let commands: [&[&str]; 11] = [
        &["change"],
        &["rotate"],
        &["policy"],
        &["demo"],
        &["drift"],
        &["journal", "status"],
        &["journal", "export"],
        &["schema"],
        &["vendors"],
        &["completions"],
        &["man"],
    ];
    let mut ran = 0;
    for command in commands {
        let examples = help_examples(command);
        assert!(!examples.is_empty(), "{command:?}");
        let man = pwchange().args(["man", command[0]]).output().unwrap();
        let page = String::from_utf8_lossy(&man.stdout);
        assert!(page.contains(".SH EXAMPLES"), "{command:?}: {page}");
        for example in examples {
            let dir = tempfile::tempdir().unwrap();
            // `$VENDOR` is the vendor these tests use, on a simulator with its demo user.
            let sim = if example.contains("$VENDOR") {
                Some(Simulator::start_with_demo_users(*VENDOR).await.unwrap())
            } else {
                None
            };
            let user = pwchange_sim::demo_user(*VENDOR);
            let url = sim
                .as_ref()
                .map_or("http://127.0.0.1:9", |s| s.base_url())
                .to_owned();
            let args: Vec<String> = example
                .split_whitespace()
                .skip(1)
                .map(|w| {
                    w.replace("$URL", &url)
                        .replace("$VENDOR", VENDOR.name())
                        .replace("$USER", &user.id)
                })
                .collect();
            let mut cmd = pwchange();
            cmd.args(&args).current_dir(dir.path());
            if let Some(sim) = &sim {
                cmd.envs(target_env(sim));
                std::fs::write(
                    dir.path().join("users.csv"),
                    format!("user_id\n{}\n", user.id),
                )
                .unwrap();
                let stdin = if args.iter().any(|a| a == "-") {
                    format!("{{\"user_id\": \"{}\"}}\n", user.id)
                } else if args.iter().any(|a| a == "--admin") {
                    "Examp1e-Passw0rd-2026!\n".to_owned()
                } else {
                    format!("{}\nExamp1e-Passw0rd-2026!\n", user.password)
                };
                cmd.write_stdin(stdin);
            }
            let output = run(cmd).await;
            assert_ne!(
                output.status.code(),
                Some(2),
                "{example}: {}",
                text(&output)
            );
            // Runs where it can: what needs no journal, no key and no other file.
            let runnable = !["drift", "journal"].contains(&command[0])
                && !args.iter().any(|a| a == "--journal");
            if runnable {
                assert_eq!(
                    output.status.code(),
                    Some(0),
                    "{example}: {}",
                    text(&output)
                );
                ran += 1;
            }
            if let Some(sim) = sim {
                sim.assert_no_violations();
            }
        }
    }
    assert!(ran >= 10, "{ran} examples ran");
}

/// Issue #33: a configuration that lacks a setting is one kind (invalid input, exit 3) with
/// one hint that names the setting's flag, its variable and the config file: a missing token
/// (a vendor that needs one) and a missing organization alike.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_setting_names_its_flag_variable_and_file() {
    let sim = user_sim().await;
    let vendor = sim.vendor();
    let mut cmd = pwchange();
    cmd.args([
        "change",
        "--vendor",
        vendor.name(),
        "--base-url",
        sim.base_url(),
    ])
    .args(["--user", USERS[0].as_str(), "--password-stdin", "--json"])
    .write_stdin(format!("{}\n{}\n", canary::PASSWORD, canary::NEW_PASSWORD));
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["kind"], "invalid_input", "{json}");
    assert_eq!(json["setting"], "token", "{json}");
    let hint = json["hint"].as_str().unwrap();
    for says in [
        "lacks token",
        "--token-file",
        &Settings::env_name(vendor, "token"),
        &format!("[{}] table", vendor.name()),
    ] {
        assert!(hint.contains(says), "{says}: {hint}");
    }
    // A missing base URL, and a vendor's organization: their own flags.
    let output = run({
        let mut cmd = pwchange();
        cmd.args(["policy", "--vendor", vendor.name(), "--json"]);
        cmd
    })
    .await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let hint = json["hint"].as_str().unwrap();
    assert!(
        hint.contains("lacks base_url: set it with --base-url URL"),
        "{hint}"
    );
    assert!(
        hint.contains(&Settings::env_name(vendor, "base_url")),
        "{hint}"
    );
    // A vendor's required organization: its own flag.
    let mut organizations = 0;
    for other in Vendor::ALL {
        let has = pwchange::keys(other)
            .is_some_and(|keys| keys.iter().any(|key| key.name == "organization_id"));
        if !has {
            continue;
        }
        let output = run({
            let mut cmd = pwchange();
            cmd.args([
                "change",
                "--vendor",
                other.name(),
                "--base-url",
                "http://127.0.0.1:9",
            ])
            .args(["--user", "u1", "--admin", "--password-stdin", "--json"])
            .env(Settings::env_name(other, "token"), "t0k3n")
            .write_stdin("New-Passw0rd-2026!\n");
            cmd
        })
        .await;
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        if json["setting"] == "organization_id" {
            assert_eq!(output.status.code(), Some(3), "{}", text(&output));
            let hint = json["hint"].as_str().unwrap();
            assert!(hint.contains("--organization-id ID"), "{hint}");
            assert!(
                hint.contains(&Settings::env_name(other, "organization_id")),
                "{hint}"
            );
            organizations += 1;
        }
        assert_no_canary(&output);
    }
    assert!(organizations >= 1, "a vendor requires an organization");
}

/// Issue #33: `-vv` logs each request as `GH_DEBUG=api` does: its method, its path (the user
/// id as given), the status and the duration; never a header value, a body or the query.
#[tokio::test(flavor = "multi_thread")]
async fn debug_verbosity_logs_each_request_without_a_secret() {
    let sim = user_sim().await;
    let stdin = format!("{}\n{}\n", canary::PASSWORD, canary::NEW_PASSWORD);
    let mut cmd = change_cmd(&sim, USERS[0].as_str(), stdin, &["--json"]);
    cmd.arg("-vv");
    let output = run(cmd).await;
    assert!(output.status.success(), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let exchanges: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("pwchange::http"))
        .collect();
    assert!(
        exchanges.iter().any(|l| l.contains(USERS[0].as_str())
            && l.contains(" -> 200 (")
            && l.ends_with(" ms)")),
        "{stderr}"
    );
    for line in &exchanges {
        let request = line.split("pwchange::http: ").nth(1).unwrap_or_default();
        let method = request.split(' ').next().unwrap_or_default();
        assert!(
            ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method),
            "{line}"
        );
        assert!(!request.contains('?'), "no query: {line}");
    }
    assert_no_canary(&output);

    // Every vendor's policy read (some with a query, `?type=PASSWORD`):
    // logged without it.
    let mut logged = 0;
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let mut cmd = pwchange();
        cmd.args([
            "-vv",
            "policy",
            "--vendor",
            vendor.name(),
            "--base-url",
            sim.base_url(),
        ])
        .envs(target_env(&sim));
        let output = run(cmd).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        for line in stderr.lines().filter(|l| l.contains("pwchange::http: ")) {
            let request = line.split("pwchange::http: ").nth(1).unwrap_or_default();
            assert!(
                !request.contains('?') && !request.contains('='),
                "{vendor}: {line}"
            );
            logged += 1;
        }
        assert_no_canary(&output);
    }
    assert!(logged > 0);
}

/// Issue #33: `policy` checks the connection and the credentials: a vendor that cannot be
/// reached, or refuses the token, is an error with its exit code, never the documented rules
/// with exit 0; `--documented` prints those without a request.
#[tokio::test(flavor = "multi_thread")]
async fn a_policy_that_cannot_be_read_is_an_error_and_documented_needs_no_request() {
    let sim = rotation_sim().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let at = |base_url: &str, extra: &[&str]| {
        let mut cmd = pwchange();
        cmd.args([
            "policy",
            "--vendor",
            sim.vendor().name(),
            "--base-url",
            base_url,
        ])
        .args(extra)
        .envs(target_env(&sim));
        cmd
    };
    let output = run(at(&closed, &[])).await;
    assert_eq!(output.status.code(), Some(14), "{}", text(&output));
    assert!(!text(&output).contains("documented"), "{}", text(&output));

    let mut cmd = policy_cmd(&sim, &[]);
    cmd.env(
        pwchange::Settings::env_name(sim.vendor(), "token"),
        "not-a-token-the-simulator-issued",
    );
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));

    let output = run(at(&closed, &["--documented", "--json"])).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["policy"]["source"], "documented", "{json}");
    assert_eq!(
        json["policy"],
        serde_json::to_value(pwchange::documented_policy(sim.vendor()).unwrap()).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_12_the_policy_is_printed_and_a_rotation_follows_it() {
    let sim = rotation_sim().await;
    sim.set_password_policy(Some(STRICT));
    let output = run(policy_cmd(&sim, &["--json"])).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let policy = &json["policy"];
    assert_eq!(policy["source"], "vendor", "{json}");
    assert_eq!(policy["min_length"], 24, "{json}");
    assert_eq!(policy["min_symbols"], 1, "{json}");
    assert_eq!(policy["min_digits"], 0, "{json}");
    let output = run(policy_cmd(&sim, &[])).await;
    assert!(
        text(&output).contains("length: 24 to "),
        "{}",
        text(&output)
    );

    // Default flags: the generated passwords follow the policy, so every user changes.
    let (_dir, input, journal) = admin_rotation_files();
    let output = run(rotate_cmd(&sim, &input, &journal)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let summary = summary(&output);
    assert_eq!(summary["changed"], users().len(), "{summary}");
    for (user, password) in journal_passwords(&journal) {
        assert_eq!(sim.password(&user).as_deref(), Some(password.as_str()));
        assert_eq!(password.len(), 24);
        assert!(password.chars().any(|c| !c.is_ascii_alphanumeric()));
    }
    assert_no_canary(&output);

    // Flags the policy refuses are refused before anything is journaled.
    for (flags, expected) in [
        (
            &["--length", "20"][..],
            "--length 20 is outside the vendor's password policy",
        ),
        (&["--classes", "lower,digit"][..], "--classes lacks symbol"),
    ] {
        let (_dir, input, journal) = admin_rotation_files();
        let output = run({
            let mut cmd = rotate_cmd(&sim, &input, &journal);
            cmd.args(flags);
            cmd
        })
        .await;
        assert_eq!(output.status.code(), Some(3), "{}", text(&output));
        assert!(text(&output).contains(expected), "{}", text(&output));
        assert!(!journal.exists());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_12_a_dry_run_checks_everything_and_changes_nothing() {
    let sim = rotation_sim().await;
    sim.set_password_policy(Some(STRICT));
    let (_dir, input, journal) = admin_rotation_files();
    let mut cmd = pwchange();
    cmd.args([
        "rotate",
        "--recipient",
        JOURNAL_IDENTITY.1.as_str(),
        "--vendor",
        sim.vendor().name(),
        "--base-url",
        sim.base_url(),
        "--admin",
        "--dry-run",
        "--json",
        "--input",
    ])
    .arg(&input)
    .envs(target_env(&sim));
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["users"], users().len());
    assert_eq!(plan["generation"]["length"], 24, "{plan}");
    assert_eq!(plan["policy"]["min_length"], 24, "{plan}");
    assert!(
        ["read", "authenticated", "logged_in", "not_checked"]
            .contains(&plan["access"]["checked"].as_str().unwrap()),
        "{plan}"
    );
    assert!(!journal.exists(), "a dry run writes no journal");
    assert_eq!(sim.requests(), 0, "a dry run sends no change and no login");
    for user in users() {
        assert_eq!(sim.password(user).as_deref(), Some(canary::PASSWORD));
    }

    // A refused token is found by the dry run where the vendor has a harmless read.
    let mut cmd = pwchange();
    cmd.args([
        "rotate",
        "--recipient",
        JOURNAL_IDENTITY.1.as_str(),
        "--vendor",
        sim.vendor().name(),
        "--base-url",
        sim.base_url(),
        "--admin",
        "--dry-run",
        "--input",
    ])
    .arg(&input)
    .envs(target_env(&sim))
    .env(Settings::env_name(sim.vendor(), "token"), "not-issued");
    let output = run(cmd).await;
    if plan["access"]["checked"] == "read" {
        assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    }

    // A duplicate user fails the dry run with the line, before any request.
    let dir = tempfile::tempdir().unwrap();
    let twice = write_csv(dir.path(), &[users()[0], users()[1], users()[0]]);
    let mut cmd = pwchange();
    cmd.args([
        "rotate",
        "--recipient",
        JOURNAL_IDENTITY.1.as_str(),
        "--vendor",
        sim.vendor().name(),
        "--base-url",
        sim.base_url(),
        "--admin",
        "--dry-run",
        "--input",
    ])
    .arg(&twice)
    .envs(target_env(&sim));
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(
        text(&output).contains("line 4: the user appears twice"),
        "{}",
        text(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_12_a_typed_password_is_checked_against_the_policy_before_sending() {
    let sim = user_sim().await;
    sim.set_password_policy(Some(STRICT));
    let user = users()[0];
    let short = "Short-but-Passw0rd!";
    let output = run(change_cmd(&sim, user, format!("{short}\n"), &["--admin"])).await;
    assert_eq!(output.status.code(), Some(8), "{}", text(&output));
    assert!(
        text(&output).contains("the policy needs at least 24"),
        "{}",
        text(&output)
    );
    assert!(!text(&output).contains(short));
    assert_eq!(sim.requests(), 0, "refused before sending");
    // Without the check, the vendor refuses it the same way.
    let output = run(change_cmd(
        &sim,
        user,
        format!("{short}\n"),
        &["--admin", "--no-policy-check"],
    ))
    .await;
    assert_eq!(output.status.code(), Some(8), "{}", text(&output));
    assert_eq!(sim.requests(), 1);
    assert_eq!(sim.password(user).as_deref(), Some(canary::PASSWORD));
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_12_a_reset_with_the_code_the_user_received() {
    let capabilities = pwchange::capabilities(*VENDOR).unwrap();
    assert!(
        capabilities
            .modes
            .contains(&pwchange::ModeKind::ResetWithCode),
        "the test vendor has resets with a code"
    );
    let sim = user_sim().await;
    let user = users()[0];
    let code = sim.start_password_reset(user);
    let new = "Reset-Passw0rd-2026!";
    let wrong = run(change_cmd(
        &sim,
        user,
        format!("WRONG123\n{new}\n"),
        &["--reset-code"],
    ))
    .await;
    assert_eq!(wrong.status.code(), Some(7), "{}", text(&wrong));
    assert!(
        text(&wrong).contains("the verification code is wrong"),
        "{}",
        text(&wrong)
    );
    assert_eq!(sim.password(user).as_deref(), Some(canary::PASSWORD));
    let output = run(change_cmd(
        &sim,
        user,
        format!("{code}\n{new}\n"),
        &["--reset-code", "--json"],
    ))
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(sim.password(user).as_deref(), Some(new));
    assert!(!text(&output).contains(&code), "the code is a secret");
    let again = run(change_cmd(
        &sim,
        user,
        format!("{code}\nAnother-Passw0rd-2026!\n"),
        &["--reset-code"],
    ))
    .await;
    assert_eq!(
        again.status.code(),
        Some(7),
        "a code works once: {}",
        text(&again)
    );
    sim.assert_no_violations();
}

/// Issue #12: every vendor's administrative set, and its policy, through the command against
/// its simulator.
#[tokio::test(flavor = "multi_thread")]
async fn issue_12_every_admin_set_and_policy_works_through_the_command() {
    let mut admin_sets = 0;
    for vendor in Vendor::ALL {
        let Some(capabilities) = pwchange::capabilities(vendor) else {
            continue;
        };
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        sim.set_password_policy(Some(STRICT));
        let output = run(policy_cmd(&sim, &["--json"])).await;
        assert_eq!(output.status.code(), Some(0), "{vendor}: {}", text(&output));
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        if json["policy"]["source"] == "vendor" {
            assert_eq!(json["policy"]["min_length"], 24, "{vendor}: {json}");
        }
        if !capabilities.modes.contains(&pwchange::ModeKind::AdminSet) {
            continue;
        }
        admin_sets += 1;
        let user = pwchange_sim::demo_user(vendor);
        let new = "Admin-Set-Passw0rd-2026!";
        let output = run(change_cmd(
            &sim,
            &user.id,
            format!("{new}\n"),
            &["--admin", "--json"],
        ))
        .await;
        assert_eq!(output.status.code(), Some(0), "{vendor}: {}", text(&output));
        assert_eq!(sim.password(&user.id).as_deref(), Some(new), "{vendor}");
        assert!(!text(&output).contains(new), "{vendor}");
        sim.assert_no_violations();
    }
    assert!(
        admin_sets >= 3,
        "three vendors set passwords administratively"
    );
}
