//! What every test of the `pwchange` binary needs: a clean command, running it beside a
//! simulator, and reading its output.

use std::path::Path;
use std::sync::LazyLock;

use assert_cmd::Command;
use pwchange::{PasswordChange, Settings, Verification};
use pwchange_core::canary;
use pwchange_sim::{SimUser, Simulator, Vendor, demo_user};

/// `pwchange` with nothing from the developer's environment or config.
pub fn pwchange() -> Command {
    Command::from_std(pwchange_std())
}

/// [`pwchange`] as a `std` command, for tests that spawn it and signal it.
pub fn pwchange_std() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("pwchange"));
    for (name, _) in std::env::vars() {
        // The store's variables too: a developer's Vault is never a test's.
        if name.starts_with("PWCHANGE_") || name.starts_with("VAULT_") || name.starts_with("BAO_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("XDG_CONFIG_HOME", "/nonexistent-pwchange-test");
    // No `~/.vault-token` of the developer's either.
    cmd.env("HOME", "/nonexistent-pwchange-test");
    // The journal key of this test process's rotations (the default place is the config
    // directory, which the tests keep out of reach).
    cmd.env("PWCHANGE_JOURNAL_KEY_FILE", &*JOURNAL_KEY);
    // The identity that opens this test process's journals (`rotate --resume`, `journal
    // export`); rotations encrypt to its recipient ([`rotate_with`]).
    cmd.env("PWCHANGE_JOURNAL_IDENTITY_FILE", &JOURNAL_IDENTITY.0);
    // Colour is what a test sets, never the developer's or CI's.
    cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

/// A journal key only this user can read, for every rotation of this test process.
pub static JOURNAL_KEY: LazyLock<std::path::PathBuf> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap().keep();
    let path = dir.join("journal.key");
    let key: String = (0..32).map(|i| format!("{:02x}", i * 7 + 3)).collect();
    write_private(&path, format!("{key}\n")).unwrap();
    path
});

/// The age identity file (private) of this test process's journals, and its recipient.
pub static JOURNAL_IDENTITY: LazyLock<(std::path::PathBuf, String)> = LazyLock::new(|| {
    use pwchange_rotate::protection::{ExposeSecret as _, Identity};
    let dir = tempfile::tempdir().unwrap().keep();
    let path = dir.join("identity.txt");
    let (_, secret, recipient) = Identity::generate();
    write_private(
        &path,
        format!("# test identity\n{}\n", secret.expose_secret()),
    )
    .unwrap();
    (path, recipient)
});

/// The password an entry of a journal holds: decrypted with [`JOURNAL_IDENTITY`], or as it is
/// in a clear-text journal.
pub fn entry_password(entry: &serde_json::Value) -> String {
    if let Some(clear) = entry["new_password"].as_str() {
        return clear.to_owned();
    }
    let armoured = entry["new_password_age"].as_str().unwrap();
    if let Some(password) = OPENED.lock().unwrap().get(armoured) {
        return password.clone();
    }
    let password = IDENTITY.decrypt(armoured).unwrap().to_string();
    OPENED
        .lock()
        .unwrap()
        .insert(armoured.to_owned(), password.clone());
    password
}

/// [`JOURNAL_IDENTITY`]'s identity, read once.
static IDENTITY: LazyLock<pwchange_rotate::Identity> =
    LazyLock::new(|| pwchange_rotate::Identity::from_file(&JOURNAL_IDENTITY.0).unwrap());

/// Every entry opened so far (each is its own age file): the 10,000-user tests read the same
/// journal after every resume.
static OPENED: LazyLock<std::sync::Mutex<std::collections::HashMap<String, String>>> =
    LazyLock::new(Default::default);

/// Runs a blocking command while the simulator keeps serving.
pub async fn run(mut cmd: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// Standard output and standard error together.
pub fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Panics when the output holds a canary secret.
pub fn assert_no_canary(output: &std::process::Output) {
    canary::assert_absent("pwchange output", &text(output));
}

/// The vendor these tests change and rotate passwords on: the first of the registry that takes
/// administrative sets (a rotation input without current passwords asks for them) and verifies
/// a change by logging in (the rotation's outcomes are proven), found by asking the facade
/// against the vendor's simulator.
pub static VENDOR: LazyLock<Vendor> = LazyLock::new(|| {
    // Its own thread and runtime: the tests that ask first run inside a runtime already.
    std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Vendor::ALL.into_iter().find(|&vendor| {
            runtime.block_on(async {
                let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
                let mut settings = Settings::new(vendor);
                for (key, value) in
                    pwchange_sim::client_settings(vendor, sim.base_url(), sim.token())
                {
                    settings.set(key, value, key);
                }
                let client = pwchange::Client::from_settings(settings).unwrap();
                let change = PasswordChange::admin_set(demo_user(vendor).id, "N3w-Passw0rd!x");
                client
                    .change_password(&change)
                    .await
                    .is_ok_and(|changed| changed.verification == Verification::Verified)
            })
        })
    })
    .join()
    .unwrap()
    .expect("a vendor with administrative sets and a password login")
});

/// Four users of [`VENDOR`], in its id form.
pub static USERS: LazyLock<Vec<String>> = LazyLock::new(|| {
    (1..=4)
        .map(|n| pwchange_sim::numbered_user_id(*VENDOR, n))
        .collect()
});

pub fn users() -> Vec<&'static str> {
    USERS.iter().map(String::as_str).collect()
}

pub fn vendor_name() -> &'static str {
    VENDOR.name()
}

/// The settings (but the base URL) a command needs for `sim`, as environment variables.
pub fn target_env(sim: &Simulator) -> Vec<(String, String)> {
    pwchange_sim::client_settings(sim.vendor(), sim.base_url(), sim.token())
        .into_iter()
        .filter(|(key, _)| *key != "base_url")
        .map(|(key, value)| (Settings::env_name(sim.vendor(), key), value))
        .collect()
}

/// `pwchange change` of `user` on `sim` with `--password-stdin` (the passwords in `stdin`,
/// one per line) and the `extra` flags.
pub fn change_cmd(sim: &Simulator, user: &str, stdin: String, extra: &[&str]) -> Command {
    let mut cmd = pwchange();
    cmd.args([
        "change",
        "--vendor",
        sim.vendor().name(),
        "--base-url",
        sim.base_url(),
        "--user",
        user,
        "--password-stdin",
    ])
    .args(extra)
    .envs(target_env(sim))
    .write_stdin(stdin);
    cmd
}

/// A simulator of [`VENDOR`] with the first user, whose password is the canary.
pub async fn user_sim() -> Simulator {
    let sim = Simulator::start(*VENDOR).await.unwrap();
    sim.add_user(SimUser::new(USERS[0].clone(), canary::PASSWORD));
    sim
}

/// A CSV input with a header and one user id per line.
pub fn write_csv(dir: &Path, users: &[&str]) -> std::path::PathBuf {
    let path = dir.join("users.csv");
    let mut text = String::from("user_id\n");
    for user in users {
        text.push_str(user);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// A CSV input with a header and one `user_id,current_password` line per user.
pub fn write_self_service_csv(dir: &Path, users: &[&str], current: &str) -> std::path::PathBuf {
    let path = dir.join("users.csv");
    let mut text = String::from("user_id,current_password\n");
    for user in users {
        text.push_str(&format!("{user},{current}\n"));
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// The rotation's per-user JSON records on stdout (the summary left out).
pub fn results(output: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r.get("user_id").is_some())
        .collect()
}

/// The rotation's JSON record of `user`.
pub fn result_of(output: &std::process::Output, user: &str) -> serde_json::Value {
    results(output)
        .into_iter()
        .find(|r| r["user_id"] == user)
        .unwrap_or_else(|| panic!("no result for {user}"))
}

/// A temporary directory with an administrative rotation's input (the four [`USERS`]) and the
/// path of its journal (not created).
pub fn admin_rotation_files() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = write_csv(dir.path(), &users());
    let journal = dir.path().join("journal.jsonl");
    (dir, input, journal)
}

/// The rotation's JSON summary (the last line of stdout).
pub fn summary(output: &std::process::Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    last["summary"].clone()
}

/// The journal's entries (the header first), each line parsed.
pub fn journal_entries(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .collect()
}

/// The last journaled password of each user.
pub fn journal_passwords(path: &Path) -> std::collections::HashMap<String, String> {
    journal_entries(path)
        .into_iter()
        .filter(|e| e["event"] == "pending")
        .map(|e| {
            (
                e["user_id"].as_str().unwrap().to_owned(),
                entry_password(&e),
            )
        })
        .collect()
}

/// The password the journal says each user's vendor holds: the last journaled one when the
/// last entry is `done` (or unsettled), the one before (`None`: the input's) when the last entry
/// is a failure with nothing applied.
pub fn journal_held(path: &Path) -> std::collections::HashMap<String, Option<String>> {
    let mut passwords: std::collections::HashMap<String, Vec<String>> = Default::default();
    let mut held = std::collections::HashMap::new();
    for entry in journal_entries(path) {
        let Some(user) = entry["user_id"].as_str().map(str::to_owned) else {
            continue;
        };
        let history = passwords.entry(user.clone()).or_default();
        match entry["event"].as_str().unwrap() {
            "pending" => {
                history.push(entry_password(&entry));
                held.insert(user, history.last().cloned());
            }
            "failed" if entry["outcome"] == "not_applied" => {
                // The password before the failed one.
                history.pop();
                held.insert(user, history.last().cloned());
            }
            _ => {}
        }
    }
    held
}

/// A simulator of [`VENDOR`] with the four [`USERS`], all with the canary password.
pub async fn rotation_sim() -> Simulator {
    let sim = Simulator::start(*VENDOR).await.unwrap();
    for user in users() {
        sim.add_user(SimUser::new(user, canary::PASSWORD));
    }
    sim
}

/// `pwchange rotate --admin --yes` of `input` against `sim`, one change at a time, JSON output.
pub fn rotate_cmd(sim: &Simulator, input: &Path, journal: &Path) -> Command {
    rotate_cmd_with(sim, input, journal, 1)
}

/// [`rotate_cmd`] with `concurrency` changes in flight.
pub fn rotate_cmd_with(sim: &Simulator, input: &Path, journal: &Path, concurrency: u32) -> Command {
    Command::from_std(rotate_std(sim, input, journal, concurrency))
}

/// [`rotate_cmd_with`] as a `std` command, for tests that spawn it and signal it.
pub fn rotate_std(
    sim: &Simulator,
    input: &Path,
    journal: &Path,
    concurrency: u32,
) -> std::process::Command {
    let mut cmd = self_service_std(sim, input, journal);
    cmd.arg("--admin")
        .arg("--concurrency")
        .arg(concurrency.to_string());
    cmd
}

/// `pwchange rotate --yes` (self-service: the input has current passwords) of `input` against
/// `sim`, with the default concurrency, JSON output.
pub fn self_service_cmd(sim: &Simulator, input: &Path, journal: &Path) -> Command {
    Command::from_std(self_service_std(sim, input, journal))
}

fn self_service_std(sim: &Simulator, input: &Path, journal: &Path) -> std::process::Command {
    rotate_with(sim, input, journal, &["--rate", "0", "--json"])
}

/// `pwchange rotate --yes` of `input` against `sim` with `flags` and nothing else: the text a
/// person reads unless `flags` has `--json`.
pub fn rotate_with(
    sim: &Simulator,
    input: &Path,
    journal: &Path,
    flags: &[&str],
) -> std::process::Command {
    let mut cmd = pwchange_std();
    cmd.args(["rotate", "--vendor", sim.vendor().name()])
        .args(["--base-url", sim.base_url(), "--yes", "--input"])
        .arg(input)
        .arg("--journal")
        .arg(journal)
        .args(["--recipient", &JOURNAL_IDENTITY.1])
        .args(flags)
        .envs(target_env(sim));
    cmd
}

/// Writes `contents` to `path` readable and writable by its owner alone (`0600`), as a config or
/// token file must be.
pub fn write_private(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> std::io::Result<()> {
    std::fs::write(&path, contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
