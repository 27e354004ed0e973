//! Per-call overhead as interleaved pairs: the facade, the generated client and a hand-written
//! reqwest call, same request, same loopback server, same process. Each round times a batch of
//! sequential calls of each client, in a rotating order, and the result is the median over the
//! rounds of each round's ratio: the machine's drift (±40 % from one criterion group to the
//! next on two shared cores) moves all three within a round alike. See BENCHMARKS.md.
//!
//! `cargo bench -p pwchange-bench --bench overhead [-- ROUNDS [CALLS_PER_BATCH]]`

#![allow(clippy::unwrap_used, clippy::print_stdout)] // benchmark setup and report

use std::time::{Duration, Instant};

use pwchange_bench::{change, facade, generated, generated_call, raw_call, route, start_server};

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn main() {
    // `cargo bench` passes `--bench`; numbers are ours.
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rounds = numbers.first().copied().unwrap_or(41);
    let batch = numbers.get(1).copied().unwrap_or(200);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let addr = runtime.block_on(start_server()).unwrap();
    let base = format!("http://{addr}");
    let facade = facade(&base).unwrap();
    let change = change();
    let generated = generated(&base).unwrap();
    let http = {
        pwchange_core::tls::ensure_default_provider();
        reqwest::Client::new()
    };
    let url = format!("{base}{}", route());

    // One batch of `batch` sequential calls of client `which`: the mean time per call.
    let time = |which: usize| -> Duration {
        runtime.block_on(async {
            let started = Instant::now();
            for _ in 0..batch {
                match which {
                    0 => raw_call(&http, &url).await.unwrap(),
                    1 => generated_call(&generated).await.unwrap(),
                    _ => {
                        facade.change_password(&change).await.unwrap();
                    }
                }
            }
            started.elapsed() / batch as u32
        })
    };
    // Warm-up: connections, allocator, caches.
    for which in 0..3 {
        time(which);
    }
    let mut per_call = [Vec::new(), Vec::new(), Vec::new()];
    let (mut generated_ratio, mut facade_ratio) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let mut times = [Duration::ZERO; 3];
        for step in 0..3 {
            let which = (round + step) % 3;
            times[which] = time(which);
        }
        for which in 0..3 {
            per_call[which].push(times[which].as_secs_f64() * 1e6);
        }
        generated_ratio.push(times[1].as_secs_f64() / times[0].as_secs_f64());
        facade_ratio.push(times[2].as_secs_f64() / times[0].as_secs_f64());
    }
    println!("{rounds} rounds of {batch} sequential calls per client, order rotating per round");
    println!("| client | median µs per call | median of per-round ratios to raw |");
    println!("|---|---|---|");
    println!("| raw reqwest | {:.1} | 1.000 |", median(&mut per_call[0]));
    println!(
        "| generated client | {:.1} | {:.3} |",
        median(&mut per_call[1]),
        median(&mut generated_ratio)
    );
    println!(
        "| facade | {:.1} | **{:.3}** |",
        median(&mut per_call[2]),
        median(&mut facade_ratio)
    );
}
