//! The conventions a user of gh, vault or cargo expects: exit statuses in `--help` and in a man
//! page per command, `--color` and NO_COLOR, `--quiet`, failures visible on a terminal and
//! counted by kind at the end, and README.md's command section the same as `--help`.

use std::path::Path;

use crate::common::*;

const ESCAPE: &str = "\u{1b}[";

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The codes a help text lists under "Exit status:".
fn listed_codes(help: &str) -> Vec<u8> {
    let section = help.split("Exit status:\n").nth(1).unwrap_or_default();
    section
        .lines()
        .map_while(|line| line.strip_prefix("  "))
        .filter_map(|line| line.split_whitespace().next()?.parse().ok())
        .collect()
}

#[test]
fn help_lists_the_exit_statuses_each_command_can_end_with() {
    let calls: Vec<u8> = [0].into_iter().chain(2..=16).collect();
    let rotate: Vec<u8> = calls.iter().copied().chain([17, 20, 21]).collect();
    let every: Vec<u8> = rotate.iter().copied().chain([22, 23]).collect();
    let drift: Vec<u8> = calls.iter().copied().chain([22, 23]).collect();
    for (args, expected) in [
        (vec!["--help"], every.clone()),
        (vec!["rotate", "--help"], rotate.clone()),
        (vec!["drift", "--help"], drift.clone()),
        (vec!["change", "--help"], calls.clone()),
        (vec!["policy", "--help"], calls.clone()),
        (vec!["demo", "--help"], calls.clone()),
        (vec!["schema", "--help"], vec![0, 2]),
        (vec!["vendors", "--help"], vec![0, 2]),
        (vec!["completions", "--help"], vec![0, 2]),
        (vec!["man", "--help"], vec![0, 2]),
    ] {
        let output = pwchange().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert_eq!(listed_codes(&stdout(&output)), expected, "{args:?}");
    }
    let help = stdout(&pwchange().arg("--help").output().unwrap());
    for kind in [
        "invalid_input",
        "unauthenticated",
        "permission_denied",
        "user_not_found",
        "current_password_invalid",
        "policy_violation",
        "password_reused",
        "rate_limited",
        "unavailable",
        "unsupported",
        "unexpected",
        "transport",
        "outcome_unknown",
        "verification_failed",
        "storage",
    ] {
        assert!(
            help.contains(&format!("({kind})")),
            "{kind} missing:\n{help}"
        );
    }
}

/// The pages a roff page names as `pwchange-<command>(1)`, in any section.
fn named_pages(roff: &str) -> Vec<String> {
    roff.split("pwchange\\-")
        .skip(1)
        .filter_map(|rest| {
            let name: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
            rest[name.len()..].starts_with("(1)").then_some(name)
        })
        .collect()
}

#[test]
fn every_command_has_a_man_page_and_every_page_named_exists() {
    let top = pwchange().arg("man").output().unwrap();
    assert_eq!(top.status.code(), Some(0));
    let top = stdout(&top);
    assert!(
        top.starts_with(".ie") || top.contains(".TH pwchange 1"),
        "{top}"
    );
    let named = named_pages(&top);
    for command in [
        "change",
        "rotate",
        "policy",
        "demo",
        "schema",
        "vendors",
        "completions",
        "man",
    ] {
        assert!(named.contains(&command.to_owned()), "{command} not named");
    }
    for command in &named {
        let page = pwchange().args(["man", command]).output().unwrap();
        assert_eq!(page.status.code(), Some(0), "pwchange man {command}");
        let page = stdout(&page);
        assert!(
            page.contains(&format!(".TH pwchange-{command} 1")),
            "{command}:\n{page}"
        );
        assert!(page.contains(".SH \"EXIT STATUS\""), "{command}");
        assert!(page.contains(".SH \"SEE ALSO\""), "{command}");
        assert!(!page.contains(".SH EXTRA"), "{command}");
        for other in named_pages(&page) {
            assert!(
                named.contains(&other),
                "{command} names pwchange-{other}(1)"
            );
        }
    }
    let rotate = stdout(&pwchange().args(["man", "rotate"]).output().unwrap());
    assert!(rotate.contains("\\-\\-resume"), "{rotate}");
    assert!(rotate.contains("NO_COLOR"), "{rotate}");
    let unknown = pwchange().args(["man", "nosuch"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
}

/// `change` with a base URL that is no URL: an error before anything is read or sent.
fn failing_change() -> assert_cmd::Command {
    let mut cmd = pwchange();
    cmd.args([
        "change",
        "--vendor",
        vendor_name(),
        "--base-url",
        "not a url",
        "--user",
        USERS[0].as_str(),
    ]);
    cmd
}

#[test]
fn colour_follows_the_flag_then_no_color_then_clicolor_force_then_the_terminal() {
    for (flag, env, coloured) in [
        (None, vec![], false),
        (Some("always"), vec![], true),
        (Some("never"), vec![("CLICOLOR_FORCE", "1")], false),
        (Some("always"), vec![("NO_COLOR", "1")], true),
        (None, vec![("CLICOLOR_FORCE", "1")], true),
        (None, vec![("CLICOLOR_FORCE", "0")], false),
        (
            None,
            vec![("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
            false,
        ),
        (None, vec![("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")], true),
    ] {
        let mut cmd = failing_change();
        cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        if let Some(flag) = flag {
            cmd.arg(format!("--color={flag}"));
        }
        cmd.envs(env.iter().copied());
        let output = cmd.output().unwrap();
        assert_eq!(output.status.code(), Some(3));
        let text = stderr(&output);
        assert_eq!(
            text.contains(ESCAPE),
            coloured,
            "{flag:?} {env:?}: {text:?}"
        );
        assert!(
            text.contains("base_url: the base URL has no scheme"),
            "{text}"
        );
    }
    // clap's own usage errors follow --color too, wherever it stands.
    for (args, coloured) in [
        (vec!["--color", "always", "change"], true),
        (vec!["change", "--color=always"], true),
        (vec!["--color", "never", "change"], false),
    ] {
        let output = pwchange()
            .args(&args)
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&output).contains(ESCAPE), coloured, "{args:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_prints_nothing_when_all_went_well_and_failures_when_not() {
    let sim = user_sim().await;
    let stdin = format!(
        "{}\n{}\n",
        pwchange_core::canary::PASSWORD,
        pwchange_core::canary::NEW_PASSWORD
    );
    let output = run(change_cmd(&sim, USERS[0].as_str(), stdin, &["--quiet"])).await;
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(text(&output), "");

    let sim = rotation_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let input = write_csv(dir.path(), &users());
    let output = run(text_rotation(&sim, &input, &dir.path().join("j1"), &["-q"])).await;
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(text(&output), "");

    let missing = pwchange_sim::numbered_user_id(sim.vendor(), 4242);
    let mut with_missing = users();
    with_missing.push(&missing);
    let input = write_csv(dir.path(), &with_missing);
    let output = run(text_rotation(
        &sim,
        &input,
        &dir.path().join("j2"),
        &["--quiet"],
    ))
    .await;
    assert_eq!(output.status.code(), Some(20), "{}", text(&output));
    let out = stdout(&output);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("failed")).count(),
        1,
        "{out}"
    );
    assert!(!out.lines().any(|l| l.starts_with("changed")), "{out}");
    assert!(out.contains("failures by kind:"), "{out}");
}

/// `pwchange rotate --admin --yes` of `input` without `--json`: the text a person reads.
fn text_rotation(
    sim: &pwchange_sim::Simulator,
    input: &Path,
    journal: &Path,
    extra: &[&str],
) -> assert_cmd::Command {
    let flags: Vec<&str> = ["--admin"]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    assert_cmd::Command::from_std(rotate_with(sim, input, journal, &flags))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotation_ends_with_its_failures_counted_by_kind() {
    let sim = rotation_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let missing: Vec<String> = (0..2)
        .map(|n| pwchange_sim::numbered_user_id(sim.vendor(), 4242 + n))
        .collect();
    let mut input_users = users();
    input_users.extend(missing.iter().map(String::as_str));
    let input = write_csv(dir.path(), &input_users);

    let output = run(text_rotation(&sim, &input, &dir.path().join("text"), &[])).await;
    assert_eq!(output.status.code(), Some(20), "{}", text(&output));
    let out = stdout(&output);
    assert!(out.contains("failures by kind:\n"), "{out}");
    let line = out
        .lines()
        .find(|line| line.contains("user_not_found"))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(line.split_whitespace().next(), Some("2"), "{line}");
    assert!(line.contains("check the user id"), "{line}");
    for user in &missing {
        assert!(
            out.lines()
                .any(|l| l.starts_with("failed") && l.contains(user.as_str())),
            "{user}: {out}"
        );
    }

    // A fresh simulator: the users changed above would not change the counts, but be plain.
    let sim = rotation_sim().await;
    let output = run(rotate_cmd(&sim, &input, &dir.path().join("json"))).await;
    assert_eq!(output.status.code(), Some(20), "{}", text(&output));
    assert_eq!(
        summary(&output)["failures_by_kind"],
        serde_json::json!({"user_not_found": 2})
    );
}

/// On a terminal the progress bar replaces the per-user lines, but never hides a failure.
#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_each_failure_is_printed_above_the_bar() {
    let sim = rotation_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let missing = pwchange_sim::numbered_user_id(sim.vendor(), 4242);
    let mut input_users = users();
    input_users.push(&missing);
    let input = write_csv(dir.path(), &input_users);
    let rotation = text_rotation(&sim, &input, &dir.path().join("j"), &[]);
    let std = rotation.get_program().to_owned();
    let mut line = vec![std.to_string_lossy().into_owned()];
    line.extend(
        rotation
            .get_args()
            .map(|a| a.to_string_lossy().into_owned()),
    );
    let quoted: Vec<String> = line.iter().map(|a| format!("'{a}'")).collect();
    // `script` runs it with a pseudo-terminal on every stream.
    let mut cmd = assert_cmd::Command::new("script");
    cmd.args(["-qec", &quoted.join(" "), "/dev/null"])
        .envs(rotation.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env("XDG_CONFIG_HOME", "/nonexistent-pwchange-test");
    let output = run(cmd).await;
    let screen = text(&output);
    assert!(
        screen
            .lines()
            .any(|l| l.contains("failed") && l.contains(missing.as_str())),
        "{screen}"
    );
    assert!(screen.contains("failures by kind:"), "{screen}");
    // The changed users are counted by the bar and the summary, not listed.
    assert!(
        !screen.lines().any(|l| l.starts_with("changed ")),
        "{screen}"
    );
}

/// README.md shows `pwchange -h` and the exit statuses as the binary prints them.
#[test]
fn the_readme_command_section_is_the_help() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let block = |marker: &str| {
        let start = readme
            .find(marker)
            .unwrap_or_else(|| panic!("README.md has no {marker}"));
        let body = &readme[start..];
        let fence = body.find("```text\n").unwrap();
        // A block inside a list item is indented like its fence.
        let indent = &body[body[..fence].rfind('\n').map_or(0, |i| i + 1)..fence];
        let content = &body[fence + "```text\n".len()..];
        let content = &content[..content.find(&format!("\n{indent}```")).unwrap() + 1];
        content
            .lines()
            .map(|line| format!("{}\n", line.strip_prefix(indent).unwrap_or(line)))
            .collect::<String>()
    };
    let help = stdout(&pwchange().arg("-h").env("COLUMNS", "100").output().unwrap());
    assert_eq!(
        block("<!-- pwchange -h -->"),
        help,
        "README.md's `pwchange -h` block differs from the binary's; replace it with:\n{help}"
    );
    let long = stdout(
        &pwchange()
            .arg("--help")
            .env("COLUMNS", "100")
            .output()
            .unwrap(),
    );
    let status = long[long.find("Exit status:").unwrap()..].to_owned();
    assert_eq!(
        block("<!-- exit status -->"),
        status,
        "README.md's exit statuses differ from `pwchange --help`; replace them with:\n{status}"
    );
}
