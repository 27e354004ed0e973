//! `pwchange rotate` measured against the simulator of the benchmarks' vendor
//! ([`pwchange_bench::VENDOR`]), both as release binaries in their
//! own processes (build them first: `cargo build --release -p pwchange-cli -p pwchange-sim`).
//! Prints Markdown rows for BENCHMARKS.md.
//!
//! ```text
//! rotation limited --limit 200 --latency 20ms [--users 10000] [--verify]
//!     the simulator limited to LIMIT requests/s (a token bucket, burst LIMIT/10) answering after
//!     LATENCY; rotate with its defaults (--concurrency auto --rate auto); with --no-verify
//!     unless --verify, so that one change is one request and LIMIT is changes/s.
//! rotation journal [--users 10000] [--pairs 3] [--durable DIR] [--tmpfs DIR]
//!     an unlimited simulator; rotations with the journal on disk and on tmpfs, interleaved.
//! rotation cpu [--users 10000] [--pairs 3]
//!     CPU time per change: rotate (--no-verify) vs plain reqwest sending the same requests
//!     (the policy read, then one set-password per user, 64 in flight), interleaved.
//! rotation encryption [--users 10000] [--pairs 5]
//!     the journal's passwords age-encrypted (--recipient) vs in clear text
//!     (--insecure-plaintext-journal): CPU per change and changes/s, interleaved.
//! ```
//!
//! Every rotation encrypts its journal to a fresh X25519 recipient (as an operator's would be)
//! unless it says otherwise.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a report on the terminal

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pwchange_bench::{POLICY_PATH, VENDOR, admin_set_body, admin_set_path};

type Fallible<T> = Result<T, String>;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("limited") => limited(&args[1..]),
        Some("journal") => journal(&args[1..]),
        Some("cpu") => cpu(&args[1..]),
        Some("encryption") => encryption(&args[1..]),
        _ => Err(
            "usage: rotation limited|journal|cpu|encryption [options] (see the file's docs)".into(),
        ),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The value after `flag`, if given.
fn option(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1).cloned())
}

fn number<T: std::str::FromStr>(args: &[String], flag: &str, default: T) -> Fallible<T> {
    match option(args, flag) {
        Some(value) => value
            .parse()
            .map_err(|_| format!("{flag} {value:?} is not a number")),
        None => Ok(default),
    }
}

/// `target/release/<name>`, beside this binary.
fn binary(name: &str) -> Fallible<PathBuf> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let path = exe.parent().ok_or("no directory")?.join(name);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} is not built: cargo build --release -p pwchange-cli -p pwchange-sim",
            path.display()
        ))
    }
}

/// A `pwchange-sim` process.
struct Sim {
    child: Child,
    base_url: String,
    token: String,
}

impl Sim {
    fn start(users: u64, extra: &[&str]) -> Fallible<Self> {
        let mut child = Command::new(binary("pwchange-sim")?)
            .args(["--vendor", VENDOR.name(), "--users", &users.to_string()])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start pwchange-sim: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .map_err(|e| e.to_string())?;
        let mut words = first.split_whitespace().skip(1);
        let base_url = words.next().ok_or("no base URL")?.to_owned();
        let token = words
            .next()
            .and_then(|w| w.strip_prefix("token="))
            .ok_or("no token")?
            .to_owned();
        Ok(Self {
            child,
            base_url,
            token,
        })
    }

    /// Stops the simulator (Ctrl-C) and returns its `stats` line.
    fn stop(mut self) -> Fallible<String> {
        Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .map_err(|e| format!("cannot signal pwchange-sim: {e}"))?;
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            pipe.read_to_string(&mut stderr)
                .map_err(|e| e.to_string())?;
        }
        let _ = self.child.wait();
        Ok(stderr
            .lines()
            .find(|l| l.starts_with("stats "))
            .unwrap_or_default()
            .to_owned())
    }
}

/// A stat of the simulator's `stats` line.
fn stat(line: &str, name: &str) -> u64 {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The ids of the simulator's numbered users.
fn ids(users: u64) -> Vec<String> {
    (0..users)
        .map(|n| pwchange_sim::numbered_user_id(VENDOR, n))
        .collect()
}

fn write_input(dir: &Path, users: u64) -> Fallible<PathBuf> {
    let path = dir.join("users.csv");
    let mut text = String::from("user_id\n");
    for id in ids(users) {
        text.push_str(&id);
        text.push('\n');
    }
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    Ok(path)
}

/// The CPU time (user + system) of the children waited for so far.
fn children_cpu() -> Duration {
    proc_stat_cpu(16, 17)
}

/// The CPU time (user + system) of this process.
fn own_cpu() -> Duration {
    proc_stat_cpu(14, 15)
}

/// The sum of two CPU-time fields of `/proc/self/stat`, numbered as in proc(5) (14 utime, 15
/// stime, 16 cutime, 17 cstime), in clock ticks of 1/100 s (Linux's USER_HZ).
fn proc_stat_cpu(user: usize, system: usize) -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2, in parentheses) may hold spaces: what follows it starts with
    // field 3.
    let fields: Vec<u64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or_default()
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let ticks = |n: usize| fields.get(n - 3).copied().unwrap_or(0);
    Duration::from_millis((ticks(user) + ticks(system)) * 10)
}

/// One `pwchange rotate --admin --yes --json` run: its summary, wall time and CPU time.
struct Rotation {
    summary: serde_json::Value,
    wall: Duration,
    cpu: Duration,
}

/// The recipient every measured journal is encrypted to (its identity is dropped: nothing
/// here decrypts).
static RECIPIENT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| pwchange_rotate::Identity::generate().2);

fn rotate(sim: &Sim, input: &Path, journal: &Path, extra: &[&str]) -> Fallible<Rotation> {
    let _ = std::fs::remove_file(journal);
    let protection: &[&str] = if extra.contains(&"--insecure-plaintext-journal") {
        &[]
    } else {
        &["--recipient", &RECIPIENT]
    };
    let mut command = Command::new(binary("pwchange")?);
    command
        .args([
            "rotate",
            "--vendor",
            VENDOR.name(),
            "--base-url",
            &sim.base_url,
        ])
        .args(["--admin", "--yes", "--json", "--input"])
        .arg(input)
        .arg("--journal")
        .arg(journal)
        .args(protection)
        .args(extra)
        .env(pwchange::Settings::env_name(VENDOR, "token"), &sim.token)
        .env("XDG_CONFIG_HOME", "/nonexistent-pwchange-bench")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let cpu_before = children_cpu();
    let started = Instant::now();
    let output = command.output().map_err(|e| e.to_string())?;
    let wall = started.elapsed();
    let cpu = children_cpu().saturating_sub(cpu_before);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    let summary = serde_json::from_str::<serde_json::Value>(last)
        .map_err(|_| format!("no summary from rotate (exit {:?})", output.status.code()))?
        ["summary"]
        .clone();
    Ok(Rotation { summary, wall, cpu })
}

fn rate(summary: &serde_json::Value) -> f64 {
    summary["changed"].as_f64().unwrap_or(0.0) / summary["seconds"].as_f64().unwrap_or(f64::NAN)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn limited(args: &[String]) -> Fallible<()> {
    let users = number(args, "--users", 10_000u64)?;
    let limit = number(args, "--limit", 200.0f64)?;
    let latency = option(args, "--latency").unwrap_or_else(|| "20ms".into());
    let verify = args.iter().any(|a| a == "--verify");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let input = write_input(dir.path(), users)?;
    let sim = Sim::start(
        users,
        &["--rate-limit", &limit.to_string(), "--latency", &latency],
    )?;
    let extra: &[&str] = if verify { &[] } else { &["--no-verify"] };
    let run = rotate(&sim, &input, &dir.path().join("journal.jsonl"), extra)?;
    let stats = sim.stop()?;
    let seconds = run.summary["seconds"].as_f64().unwrap_or(f64::NAN);
    let accepted = stat(&stats, "requests").saturating_sub(stat(&stats, "rate_limited"));
    let request_rate = accepted as f64 / seconds;
    println!(
        "| {users} | {limit}/s, {latency} | {} | {:.1} s | {:.1} changes/s | {:.1} requests/s | **{:.3}** | {} | {} | {} |",
        if verify { "yes" } else { "no" },
        seconds,
        rate(&run.summary),
        request_rate,
        request_rate / limit,
        run.summary["failed"].as_u64().unwrap_or(0)
            + run.summary["outcome_unknown"].as_u64().unwrap_or(0),
        run.summary["retries"],
        stat(&stats, "rate_limited"),
    );
    eprintln!(
        "summary: {}  (wall {:.1} s)",
        run.summary,
        run.wall.as_secs_f64()
    );
    Ok(())
}

fn journal(args: &[String]) -> Fallible<()> {
    let users = number(args, "--users", 10_000u64)?;
    let pairs = number(args, "--pairs", 3usize)?;
    let durable = PathBuf::from(option(args, "--durable").unwrap_or_else(|| "target".into()));
    let tmpfs = PathBuf::from(option(args, "--tmpfs").unwrap_or_else(|| "/dev/shm".into()));
    let dir = tempfile::tempdir_in(&durable).map_err(|e| format!("{}: {e}", durable.display()))?;
    let shm = tempfile::tempdir_in(&tmpfs).map_err(|e| format!("{}: {e}", tmpfs.display()))?;
    let input = write_input(dir.path(), users)?;
    let sim = Sim::start(users, &[])?;
    let mut ratios = Vec::new();
    for pair in 0..pairs {
        // Alternate which goes first.
        let order = if pair % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        let mut rates = [0.0; 2];
        let mut syncs = [0u64; 2];
        for on_disk in order {
            let journal = if on_disk { dir.path() } else { shm.path() }.join("journal.jsonl");
            let run = rotate(&sim, &input, &journal, &["--no-verify"])?;
            let slot = usize::from(!on_disk);
            rates[slot] = rate(&run.summary);
            syncs[slot] = run.summary["journal_syncs"].as_u64().unwrap_or(0);
        }
        println!(
            "| {} | {:.0} changes/s ({} syncs) | {:.0} changes/s ({} syncs) | {:.3} |",
            pair + 1,
            rates[0],
            syncs[0],
            rates[1],
            syncs[1],
            rates[0] / rates[1]
        );
        ratios.push(rates[0] / rates[1]);
    }
    let _ = sim.stop()?;
    println!("median durable / tmpfs: **{:.3}**", median(&mut ratios));
    Ok(())
}

/// What encrypting each journaled password costs: the same rotation with the journal's
/// passwords age-encrypted and in clear text, alternating which goes first.
fn encryption(args: &[String]) -> Fallible<()> {
    let users = number(args, "--users", 10_000u64)?;
    let pairs = number(args, "--pairs", 5usize)?;
    let dir = tempfile::tempdir_in("target").map_err(|e| e.to_string())?;
    let input = write_input(dir.path(), users)?;
    let sim = Sim::start(users, &[])?;
    let (mut cpu_ratios, mut rate_ratios) = (Vec::new(), Vec::new());
    for pair in 0..pairs {
        let order = if pair % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        let mut cpu = [0.0; 2];
        let mut rates = [0.0; 2];
        for encrypted in order {
            let flags: &[&str] = if encrypted {
                &["--no-verify"]
            } else {
                &["--no-verify", "--insecure-plaintext-journal"]
            };
            let run = rotate(&sim, &input, &dir.path().join("journal.jsonl"), flags)?;
            let changed = run.summary["changed"].as_u64().unwrap_or(0);
            if changed != users {
                return Err(format!(
                    "rotate changed {changed} of {users}: {}",
                    run.summary
                ));
            }
            let slot = usize::from(!encrypted);
            cpu[slot] = run.cpu.as_secs_f64() * 1e6 / users as f64;
            rates[slot] = rate(&run.summary);
        }
        println!(
            "| {} | {:.0} µs, {:.0} changes/s | {:.0} µs, {:.0} changes/s | {:.2} | {:.3} |",
            pair + 1,
            cpu[0],
            rates[0],
            cpu[1],
            rates[1],
            cpu[0] / cpu[1],
            rates[0] / rates[1]
        );
        cpu_ratios.push(cpu[0] / cpu[1]);
        rate_ratios.push(rates[0] / rates[1]);
    }
    let _ = sim.stop()?;
    println!(
        "median encrypted / clear text: CPU per change **{:.2}**, changes/s **{:.3}**",
        median(&mut cpu_ratios),
        median(&mut rate_ratios)
    );
    Ok(())
}

fn cpu(args: &[String]) -> Fallible<()> {
    let users = number(args, "--users", 10_000u64)?;
    let pairs = number(args, "--pairs", 3usize)?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let input = write_input(dir.path(), users)?;
    let sim = Sim::start(users, &[])?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let mut ratios = Vec::new();
    for pair in 0..pairs {
        let run = rotate(
            &sim,
            &input,
            &dir.path().join("journal.jsonl"),
            &["--no-verify"],
        )?;
        let changed = run.summary["changed"].as_u64().unwrap_or(0);
        if changed != users {
            return Err(format!(
                "rotate changed {changed} of {users}: {}",
                run.summary
            ));
        }
        let before = own_cpu();
        runtime.block_on(raw(&sim, users))?;
        let raw_cpu = own_cpu().saturating_sub(before);
        let per = |cpu: Duration| cpu.as_secs_f64() * 1e6 / users as f64;
        println!(
            "| {} | {:.0} µs | {:.0} µs | {:.2} |",
            pair + 1,
            per(run.cpu),
            per(raw_cpu),
            per(run.cpu) / per(raw_cpu)
        );
        ratios.push(per(run.cpu) / per(raw_cpu));
    }
    let _ = sim.stop()?;
    println!(
        "median rotate / raw CPU per change: **{:.2}**",
        median(&mut ratios)
    );
    Ok(())
}

/// What `rotate --admin --no-verify` sends, with plain reqwest: the policy read, then one
/// set-password per user, 64 in flight, each body with a fresh 20-character password.
async fn raw(sim: &Sim, users: u64) -> Fallible<()> {
    pwchange_core::tls::ensure_default_provider();
    let http = reqwest::Client::new();
    let policy = http
        .get(format!("{}{POLICY_PATH}", sim.base_url))
        .bearer_auth(&sim.token)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let _: serde_json::Value = policy.json().await.map_err(|e| e.to_string())?;
    let semaphore = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = tokio::task::JoinSet::new();
    for (n, id) in ids(users).into_iter().enumerate() {
        let permit = semaphore
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| e.to_string())?;
        let (http, url, token) = (
            http.clone(),
            format!("{}{}", sim.base_url, admin_set_path(&id)),
            sim.token.clone(),
        );
        tasks.spawn(async move {
            let body = admin_set_body(&format!("Raw-Passw0rd!{n:08}"));
            let response = http
                .post(url)
                .bearer_auth(token)
                .header("accept", "application/json")
                .json(&body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status();
            let _: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
            drop(permit);
            if status.is_success() {
                Ok(())
            } else {
                Err(format!("HTTP {status}"))
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| e.to_string())??;
    }
    Ok(())
}
