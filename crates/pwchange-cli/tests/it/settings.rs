//! The one configuration path through the command line, for every vendor of the registry: the
//! facade's keys from flags, environment, config file and profiles, login credentials instead of
//! tokens, and the errors for unknown keys, secrets on the command line and missing profiles.

use assert_cmd::Command;
use pwchange::Settings;
use pwchange_core::canary;
use pwchange_sim::{Simulator, Vendor, demo_user};

use crate::common::{pwchange, run, text, write_private};

const NEW_PASSWORD: &str = "N3w-Passw0rd!x";

/// A TOML string literal.
fn quoted(value: &str) -> String {
    serde_json::to_string(value).unwrap()
}

/// `pwchange change` for the demo user of `sim`, with `configure` adding settings.
async fn change(sim: &Simulator, configure: impl FnOnce(&mut Command)) -> std::process::Output {
    let vendor = sim.vendor();
    let user = demo_user(vendor);
    let mut cmd = pwchange();
    cmd.args(["change", "--vendor", vendor.name(), "--user", &user.id])
        .arg("--password-stdin");
    // A vendor without a self-service change: an administrative set (the new password only).
    if pwchange_sim::offers_self_service(vendor) {
        cmd.write_stdin(format!("{}\n{NEW_PASSWORD}\n", user.password));
    } else {
        cmd.arg("--admin").write_stdin(format!("{NEW_PASSWORD}\n"));
    }
    configure(&mut cmd);
    run(cmd).await
}

#[tokio::test(flavor = "multi_thread")]
async fn every_vendor_works_from_a_profile_with_secrets_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let settings = pwchange_sim::client_settings(vendor, sim.base_url(), sim.token());
        // The default table points nowhere; the profile has the real settings, the environment
        // the token.
        let mut file = format!(
            "[{vendor}]\nbase_url = \"https://unused.invalid\"\n\n[profiles.sim.{vendor}]\n"
        );
        for (key, value) in settings.iter().filter(|(k, _)| *k != "token") {
            file.push_str(&format!("{key} = {}\n", quoted(value)));
        }
        let path = dir.path().join(format!("{vendor}.toml"));
        write_private(&path, file).unwrap();
        let output = change(&sim, |cmd| {
            cmd.args(["--config", path.to_str().unwrap(), "--profile", "sim"])
                .env(Settings::env_name(vendor, "token"), sim.token());
        })
        .await;
        assert_eq!(output.status.code(), Some(0), "{vendor}: {}", text(&output));
        assert_eq!(
            sim.password(&demo_user(vendor).id).as_deref(),
            Some(NEW_PASSWORD),
            "{vendor}"
        );
        sim.assert_no_violations();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_vendor_with_a_login_works_with_its_login_credentials_from_the_environment() {
    let mut tested = 0;
    for vendor in Vendor::ALL {
        let login = pwchange_sim::login_settings(vendor);
        if login.is_empty() {
            continue;
        }
        tested += 1;
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let settings = pwchange_sim::client_settings(vendor, sim.base_url(), sim.token());
        let output = change(&sim, |cmd| {
            for (key, value) in settings.iter().filter(|(k, _)| *k != "token").chain(&login) {
                cmd.env(Settings::env_name(vendor, key), value);
            }
        })
        .await;
        assert_eq!(output.status.code(), Some(0), "{vendor}: {}", text(&output));
        assert_eq!(
            sim.password(&demo_user(vendor).id).as_deref(),
            Some(NEW_PASSWORD),
            "{vendor}"
        );
        canary::assert_absent("output", &text(&output));
        sim.assert_no_violations();
    }
    assert!(tested > 0, "no vendor has a login");
}

#[tokio::test(flavor = "multi_thread")]
async fn flags_win_over_the_environment_and_the_environment_over_the_file() {
    let vendor = Vendor::ALL[0];
    let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
    let settings = pwchange_sim::client_settings(vendor, sim.base_url(), sim.token());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let mut file =
        format!("[{vendor}]\nbase_url = \"https://file.invalid\"\ntoken = \"file-token\"\n");
    for (key, value) in settings
        .iter()
        .filter(|(k, _)| !matches!(*k, "token" | "base_url"))
    {
        file.push_str(&format!("{key} = {}\n", quoted(value)));
    }
    write_private(&path, file).unwrap();
    let token_file = dir.path().join("token");
    write_private(&token_file, format!("{}\n", sim.token())).unwrap();
    let output = change(&sim, |cmd| {
        cmd.env("PWCHANGE_CONFIG", &path)
            .env(
                Settings::env_name(vendor, "base_url"),
                "https://env.invalid",
            )
            .env(Settings::env_name(vendor, "token"), "env-token")
            .args(["--base-url", sim.base_url()])
            .args(["--token-file", token_file.to_str().unwrap()]);
    })
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_keys_secrets_in_argv_and_missing_profiles_are_refused_by_name() {
    let vendor = Vendor::ALL[0];
    let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    write_private(&path, format!("[{vendor}]\ntokn = \"{}\"\n", canary::TOKEN)).unwrap();
    let config = path.to_str().unwrap().to_owned();
    let broken = dir.path().join("broken.toml");
    write_private(
        &broken,
        format!("[{vendor}]\ntoken = \"{}\n", canary::TOKEN),
    )
    .unwrap();
    let broken = broken.to_str().unwrap().to_owned();
    let base = sim.base_url().to_owned();
    // (arguments, environment, what the error says)
    type Case = (Vec<String>, Vec<(String, String)>, &'static str);
    let cases: Vec<Case> = vec![
        (vec!["--config".into(), config.clone()], vec![], "unknown"),
        (
            vec![
                "--base-url".into(),
                base.clone(),
                "--setting".into(),
                "tokn=x".into(),
            ],
            vec![(Settings::env_name(vendor, "token"), sim.token().into())],
            "unknown",
        ),
        (
            vec!["--base-url".into(), base.clone()],
            vec![(format!("{}TOKN", vendor.env_prefix()), canary::TOKEN.into())],
            "unknown",
        ),
        (
            vec![
                "--base-url".into(),
                base.clone(),
                "--setting".into(),
                format!("token={}", canary::TOKEN),
            ],
            vec![],
            "would put a secret in the process list",
        ),
        (
            vec![
                "--base-url".into(),
                base.clone(),
                "--setting".into(),
                "no-equals-sign".into(),
            ],
            vec![],
            "--setting takes KEY=VALUE",
        ),
        (
            vec![
                "--config".into(),
                config.clone(),
                "--profile".into(),
                "staging".into(),
            ],
            vec![],
            "has no profile \"staging\"",
        ),
        (
            vec!["--base-url".into(), base.clone()],
            vec![("PWCHANGE_PROFILE".into(), "staging".into())],
            "there is no config file",
        ),
        (
            vec!["--config".into(), broken],
            vec![],
            "is not valid TOML at line 2",
        ),
    ];
    for (args, env, expected) in cases {
        let output = change(&sim, |cmd| {
            cmd.args(&args).envs(env.iter().map(|(k, v)| (k, v)));
        })
        .await;
        let shown = text(&output);
        assert_eq!(output.status.code(), Some(3), "{args:?}: {shown}");
        assert!(shown.contains(expected), "{args:?}: {shown}");
        canary::assert_absent("output", &shown);
    }
    assert_eq!(sim.requests(), 0, "nothing was sent");
}

#[test]
fn vendors_lists_the_registry() {
    let output = pwchange().args(["vendors", "--json"]).output().unwrap();
    assert!(output.status.success());
    let list: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["vendor"].as_str().unwrap())
        .collect();
    assert_eq!(names, Vendor::ALL.map(Vendor::name));
}

/// Credentials are one group per layer: a layer that sets any of them replaces all of a lower
/// layer's, so a token above a login (or a login above a token file) is not "both set".
#[tokio::test(flavor = "multi_thread")]
async fn a_higher_layer_replaces_all_credentials_of_the_lower_ones() {
    let vendor = Vendor::ALL
        .into_iter()
        .find(|v| !pwchange_sim::login_settings(*v).is_empty())
        .unwrap();
    let login = pwchange_sim::login_settings(vendor);
    let dir = tempfile::tempdir().unwrap();
    let wrong_token = dir.path().join("wrong-token");
    write_private(&wrong_token, "not-a-token-the-vendor-issued\n").unwrap();
    let wrong_token = wrong_token.to_str().unwrap().to_owned();

    let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
    let settings = pwchange_sim::client_settings(vendor, sim.base_url(), sim.token());
    let plain: Vec<_> = settings.iter().filter(|(k, _)| *k != "token").collect();
    let mut file = format!("[{vendor}]\n");
    for (key, value) in &plain {
        file.push_str(&format!("{key} = {}\n", quoted(value)));
    }
    // The file's own table: a wrong login; the profile: the wrong token file; the environment:
    // the right token. The token wins.
    for (key, value) in &login {
        file.push_str(&format!("{key} = {}\n", quoted(&format!("wrong-{value}"))));
    }
    file.push_str(&format!(
        "\n[profiles.p.{vendor}]\ntoken_file = {}\n",
        quoted(&wrong_token)
    ));
    let path = dir.path().join("config.toml");
    write_private(&path, &file).unwrap();
    let output = change(&sim, |cmd| {
        cmd.args(["--config", path.to_str().unwrap(), "--profile", "p"])
            .env(Settings::env_name(vendor, "token"), sim.token());
    })
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    // The file: a token file (wrong); the environment: the right login. The login wins.
    let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
    let mut file = format!("[{vendor}]\ntoken_file = {}\n", quoted(&wrong_token));
    for (key, value) in pwchange_sim::client_settings(vendor, sim.base_url(), sim.token())
        .iter()
        .filter(|(k, _)| *k != "token")
    {
        file.push_str(&format!("{key} = {}\n", quoted(value)));
    }
    write_private(&path, &file).unwrap();
    let output = change(&sim, |cmd| {
        cmd.args(["--config", path.to_str().unwrap()]);
        for (key, value) in &login {
            cmd.env(Settings::env_name(vendor, key), value);
        }
    })
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    // Within one layer, a token and a login are still refused: keep one.
    let output = change(&sim, |cmd| {
        cmd.args(["--base-url", sim.base_url()])
            .env(Settings::env_name(vendor, "token"), sim.token());
        for (key, value) in &login {
            cmd.env(Settings::env_name(vendor, key), value);
        }
        for (key, value) in &plain {
            if *key != "base_url" {
                cmd.env(Settings::env_name(vendor, key), value);
            }
        }
    })
    .await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(text(&output).contains("keep one"), "{}", text(&output));
}

/// TOML numbers and booleans are settings too; a fraction where a whole number belongs is named.
#[tokio::test(flavor = "multi_thread")]
async fn config_file_numbers_and_booleans_are_read() {
    let vendor = Vendor::ALL[0];
    let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let mut file = format!("[{vendor}]\ntimeout_secs = 10\nallow_insecure_http = false\n");
    for (key, value) in pwchange_sim::client_settings(vendor, sim.base_url(), sim.token()) {
        // Numeric-looking values as TOML integers where they parse as one.
        match value.parse::<i64>() {
            Ok(n) if key != "token" => file.push_str(&format!("{key} = {n}\n")),
            _ => file.push_str(&format!("{key} = {}\n", quoted(&value))),
        }
    }
    // `pwchange change` with `timeout_secs = <timeout>` in the file: exit code and output.
    let with_timeout = |timeout: &str| {
        write_private(
            &path,
            file.replace("timeout_secs = 10", &format!("timeout_secs = {timeout}")),
        )
        .unwrap();
        change(&sim, |cmd| {
            cmd.args(["--config", path.to_str().unwrap()]);
        })
    };
    let output = with_timeout("10").await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    for (timeout, expected) in [
        ("1.5", "timeout_secs must be a positive number of seconds"),
        ("[1]", "expected a string, number or boolean"),
    ] {
        let output = with_timeout(timeout).await;
        assert_eq!(
            output.status.code(),
            Some(3),
            "{timeout}: {}",
            text(&output)
        );
        assert!(
            text(&output).contains(expected),
            "{timeout}: {}",
            text(&output)
        );
    }
}

/// Issue #35: a config file others may write (it could send the passwords elsewhere), one with
/// a token that every user may read, and a token file every user may read are refused, each
/// naming the file and the chmod to run, never the content; a config file without a secret may
/// be read by all.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn files_other_users_can_read_or_steer_are_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    let vendor = Vendor::ALL[0];
    let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
    let settings = pwchange_sim::client_settings(vendor, sim.base_url(), sim.token());
    let dir = tempfile::tempdir().unwrap();
    let config = |with_token: bool, mode: u32| {
        let path = dir
            .path()
            .join(format!("config-{with_token}-{mode:o}.toml"));
        let mut file = format!("[{vendor}]\n");
        for (key, value) in settings.iter().filter(|(k, _)| with_token || *k != "token") {
            file.push_str(&format!("{key} = {}\n", quoted(value)));
        }
        std::fs::write(&path, file).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    };
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{}\n", sim.token())).unwrap();
    let cases: Vec<(std::path::PathBuf, u32, Option<&str>)> = vec![
        (config(true, 0o666), 0o600, Some("chmod go-w")),
        (config(false, 0o620), 0o600, Some("chmod go-w")),
        (config(true, 0o644), 0o600, Some("chmod o-rwx")),
        (config(false, 0o644), 0o644, Some("chmod o-rwx")),
        (config(false, 0o644), 0o640, None),
        (config(true, 0o600), 0o600, None),
    ];
    for (path, token_mode, refused) in cases {
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(token_mode)).unwrap();
        sim.reset();
        sim.add_user(demo_user(vendor));
        let output = change(&sim, |cmd| {
            cmd.env("PWCHANGE_CONFIG", &path);
            if !std::fs::read_to_string(&path).unwrap().contains("token") {
                cmd.args(["--token-file", token_file.to_str().unwrap()]);
            }
        })
        .await;
        let shown = text(&output);
        let case = format!("{} with the token file at {token_mode:o}", path.display());
        match refused {
            Some(chmod) => {
                assert_eq!(output.status.code(), Some(3), "{case}: {shown}");
                assert!(shown.contains(chmod), "{case}: {shown}");
                assert!(!shown.contains(sim.token()), "{case}: {shown}");
                assert_eq!(
                    sim.password(&demo_user(vendor).id).as_deref(),
                    Some(demo_user(vendor).password.as_str()),
                    "{case}: nothing was sent"
                );
            }
            None => assert_eq!(output.status.code(), Some(0), "{case}: {shown}"),
        }
    }
}
