//! `pwchange` against a real OpenBao 2.7.2 (`pwchange_sim::openbao`; skipped without a `bao`
//! binary, failed under `CI=true`): `change` in both modes, each verified by the user's login,
//! a refused current password, and an administrative `rotate` whose journal holds exactly the
//! passwords the server accepts.

use crate::common::{JOURNAL_IDENTITY, journal_passwords, pwchange, pwchange_std, run, text};
use pwchange_sim::Vendor;
use pwchange_sim::openbao::OpenBao;
use serde_json::json;

const VENDOR: Vendor = Vendor::Openbao;
const INITIAL: &str = "Initial-Passw0rd1";
const NEW: &str = "N3w-Passw0rd!x";

/// userpass at `userpass`, a templated policy that lets a user set its own password, and
/// `users` with [`INITIAL`] and that policy.
fn prepare(bao: &OpenBao, users: &[&str]) {
    assert_eq!(
        bao.post("sys/auth/userpass", r#"{"type":"userpass"}"#).0,
        204
    );
    let (_, auths) = bao.get("sys/auth");
    let accessor = auths["userpass/"]["accessor"].as_str().unwrap();
    let policy = format!(
        "path \"auth/userpass/users/{{{{identity.entity.aliases.{accessor}.name}}}}/password\" {{ capabilities = [\"update\"] }}"
    );
    let body = json!({ "policy": policy }).to_string();
    assert_eq!(bao.post("sys/policies/acl/own-password", &body).0, 204);
    for user in users {
        let body = json!({"password": INITIAL, "token_policies": "own-password"}).to_string();
        assert_eq!(
            bao.post(&format!("auth/userpass/users/{user}"), &body).0,
            204
        );
    }
}

/// Whether `password` logs in as `user` on the real server.
fn logs_in(bao: &OpenBao, user: &str, password: &str) -> bool {
    let body = json!({ "password": password }).to_string();
    bao.request(
        "",
        "POST",
        &format!("auth/userpass/login/{user}"),
        Some(&body),
    )
    .0 == 200
}

#[tokio::test(flavor = "multi_thread")]
async fn change_works_against_a_real_openbao_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    prepare(&bao, &["alice", "bob"]);
    let change = |user: &str| {
        let mut cmd = pwchange();
        cmd.args(["change", "--vendor", VENDOR.name(), "--base-url"])
            .arg(bao.address())
            .args(["--user", user, "--password-stdin", "--json"]);
        cmd
    };

    // Self-service, no credentials: the user's own login is the proof. The name in another
    // case is sent in lower case (the server's update would otherwise miss the user).
    let mut cmd = change("Alice");
    cmd.write_stdin(format!("{INITIAL}\n{NEW}\n"));
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        result["changed"]["verification"]["result"], "verified",
        "{result}"
    );
    assert!(logs_in(&bao, "alice", NEW) && !logs_in(&bao, "alice", INITIAL));

    // A wrong current password: refused at the login, nothing sent (exit 7).
    let mut cmd = change("alice");
    cmd.write_stdin(format!("Wr0ng-password\n{INITIAL}\n"));
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(7), "{}", text(&output));
    assert!(!text(&output).contains("Wr0ng-password"));
    assert!(logs_in(&bao, "alice", NEW));

    // An administrative set with the root token.
    let mut cmd = change("bob");
    cmd.arg("--admin")
        .env("PWCHANGE_OPENBAO_TOKEN", bao.token())
        .write_stdin(format!("{NEW}\n"));
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(!text(&output).contains(bao.token()));
    assert!(logs_in(&bao, "bob", NEW) && !logs_in(&bao, "bob", INITIAL));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrative_rotation_journals_what_the_real_server_holds() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bao) = OpenBao::dev(dir.path()) else {
        return;
    };
    let users = ["carol", "dave", "erin"];
    prepare(&bao, &users);
    let input = dir.path().join("users.csv");
    std::fs::write(&input, format!("user_id\n{}\n", users.join("\n"))).unwrap();
    let journal = dir.path().join("journal.jsonl");
    let mut cmd = pwchange_std();
    cmd.args([
        "rotate",
        "--admin",
        "--recipient",
        JOURNAL_IDENTITY.1.as_str(),
        "--vendor",
        VENDOR.name(),
        "--base-url",
    ])
    .arg(bao.address())
    .args(["--yes", "--rate", "0", "--json", "--input"])
    .arg(&input)
    .arg("--journal")
    .arg(&journal)
    .env("PWCHANGE_OPENBAO_TOKEN", bao.token());
    let output = run(assert_cmd::Command::from_std(cmd)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let passwords = journal_passwords(&journal);
    for user in users {
        let password = &passwords[user];
        assert!(
            logs_in(&bao, user, password),
            "{user}: the journaled password"
        );
        assert!(!logs_in(&bao, user, INITIAL), "{user}: the old password");
        assert!(password.len() <= 72, "{user}: within bcrypt's 72 bytes");
    }
}
