//! Bulk throughput: 10,000 password changes through the facade at concurrency 1, 16 and 64,
//! against the minimal loopback server, next to `wrk`'s ceiling on the same route (when `wrk`
//! is installed). Prints a Markdown table for BENCHMARKS.md.
//!
//! `cargo run --release -p pwchange-bench --bin throughput [-- --requests N] [--in-process]`
//!
//! By default the server runs in a child process (this binary with `--serve`), so the clients
//! and the server do not share one tokio runtime; `--in-process` keeps it in this process.

use std::sync::Arc;
use std::time::Instant;

use pwchange_bench::{BODY, change, facade, route, start_server};

/// Runs `requests` calls of `call` with at most `concurrency` in flight; returns calls/s.
async fn rate<F, Fut>(requests: usize, concurrency: usize, call: F) -> Result<f64, String>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    for _ in 0..requests {
        let permit = semaphore
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| e.to_string())?;
        let call = call();
        tasks.spawn(async move {
            let result = call.await;
            drop(permit);
            result
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| e.to_string())??;
    }
    Ok(requests as f64 / started.elapsed().as_secs_f64())
}

async fn facade_rate(base: &str, requests: usize, concurrency: usize) -> Result<f64, String> {
    let client = Arc::new(facade(base).map_err(|e| e.to_string())?);
    let change = Arc::new(change());
    rate(requests, concurrency, || {
        let (client, change) = (client.clone(), change.clone());
        async move {
            client
                .change_password(&change)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    })
    .await
}

async fn raw_rate(base: &str, requests: usize, concurrency: usize) -> Result<f64, String> {
    let http = {
        pwchange_core::tls::ensure_default_provider();
        reqwest::Client::new()
    };
    let url = Arc::new(format!("{base}{}", route()));
    rate(requests, concurrency, || {
        let (http, url) = (http.clone(), url.clone());
        async move { pwchange_bench::raw_call(&http, &url).await }
    })
    .await
}

async fn wrk_rate(base: &str, concurrency: usize) -> Option<f64> {
    let script = std::env::temp_dir().join("pwchange-bench-post.lua");
    let lua = format!(
        "wrk.method = \"POST\"\nwrk.body = '{BODY}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer bench-token\"\n"
    );
    std::fs::write(&script, lua).ok()?;
    let threads = concurrency.clamp(1, 2).to_string();
    let output = tokio::process::Command::new("wrk")
        .args([
            "-t",
            &threads,
            "-c",
            &concurrency.to_string(),
            "-d",
            "5s",
            "-s",
        ])
        .arg(&script)
        .arg(format!("{base}{}", route()))
        .output()
        .await
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
}

#[tokio::main]
#[allow(clippy::print_stdout)]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let requests = args
        .iter()
        .position(|a| a == "--requests")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    if args.iter().any(|a| a == "--serve") {
        // Child mode: serve, print the address, run until killed.
        let addr = start_server().await.map_err(|e| e.to_string())?;
        println!("{addr}");
        std::future::pending::<()>().await;
    }
    let (base, _child) = if args.iter().any(|a| a == "--in-process") {
        (
            format!(
                "http://{}",
                start_server().await.map_err(|e| e.to_string())?
            ),
            None,
        )
    } else {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = tokio::process::Command::new(exe)
            .arg("--serve")
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdout = child
            .stdout
            .take()
            .ok_or("no stdout from the server process")?;
        let mut line = String::new();
        tokio::io::AsyncBufReadExt::read_line(&mut tokio::io::BufReader::new(stdout), &mut line)
            .await
            .map_err(|e| e.to_string())?;
        (format!("http://{}", line.trim()), Some(child))
    };
    // Warm up connections and code paths.
    facade_rate(&base, 200, 16).await?;
    println!(
        "| concurrency | facade req/s | raw reqwest req/s | wrk req/s | facade / wrk | facade / raw |"
    );
    println!("|---|---|---|---|---|---|");
    for concurrency in [1, 16, 64] {
        let facade = facade_rate(&base, requests, concurrency).await?;
        let raw = raw_rate(&base, requests, concurrency).await?;
        match wrk_rate(&base, concurrency).await {
            Some(wrk) => println!(
                "| {concurrency} | {facade:.0} | {raw:.0} | {wrk:.0} | {:.2} | {:.2} |",
                facade / wrk,
                facade / raw
            ),
            None => println!(
                "| {concurrency} | {facade:.0} | {raw:.0} | (wrk not installed) | – | {:.2} |",
                facade / raw
            ),
        }
    }
    if let Some(rss) = peak_rss_kib() {
        println!("\npeak RSS of this process after {requests} changes per level: {rss} KiB");
    }
    Ok(())
}
