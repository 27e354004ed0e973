//! `pwchange-sim [--vendor <name>|all] [--port <port>] [--users N] [--rate-limit PER_SEC]
//! [--burst N] [--latency D] [--jitter D]`: run simulators on loopback with demo users, print
//! their URLs, a ready token and what a client needs, stop on Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;

use std::time::Duration;

use pwchange_sim::{Latency, RateLimit, Simulator, Vendor, demo_user, parse_duration};

fn usage() -> String {
    format!(
        "usage: pwchange-sim [--vendor <{}|all>] [--port <port>] [--users N]
                    [--rate-limit PER_SEC] [--burst N] [--latency D] [--jitter D]

Starts the vendor simulators on 127.0.0.1 with one demo user each and prints, one line per
vendor, its name, base URL, a bearer token and the demo user; then indented lines with the
headers a raw client needs (header=Name: value), the login settings the simulator accepts
(login key=value) and the facade settings for the demo user (setting key=value). With --port,
the first simulator listens there and the others on the following ports; without it, ports are
chosen free. With --users N, each simulator also gets N users (pwchange_sim::numbered_user_id)
with the demo user's password, for load tests.

--rate-limit PER_SEC limits each simulator like a vendor's edge: a token bucket refilled at
PER_SEC requests per second holding --burst N (default: a tenth of a second's worth, at least
1); every request counts, and one over the limit gets the vendor's own 429 with the wait (in
Retry-After or the vendor's header, where the vendor sends one). --latency D delays every
answer by D plus up to --jitter D at random (D: 20ms, 1.5s, 250us; a bare number is
milliseconds). Stops on Ctrl-C and prints, per simulator, a line
`stats <vendor> requests=N rate_limited=N` on standard error (requests: the changes, logins
and verifications that arrived, policy reads not counted; rate_limited: the requests, reads
included, refused by --rate-limit).",
        Vendor::ALL.map(|v| v.name()).join("|")
    )
}

struct Args {
    vendors: Vec<Vendor>,
    port: u16,
    users: u64,
    rate_limit: Option<RateLimit>,
    latency: Option<Latency>,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut vendors = Vendor::ALL.to_vec();
    let mut port = 0;
    let mut users = 0;
    let mut rate: Option<f64> = None;
    let mut burst: Option<u32> = None;
    let mut latency: Option<Duration> = None;
    let mut jitter: Option<Duration> = None;
    let duration = |flag: &str, value: Option<&String>| {
        let value = value.ok_or(format!("{flag} needs a value"))?;
        parse_duration(value).ok_or(format!(
            "{flag} {value:?} is not a duration (20ms, 1.5s, 250us; a bare number is milliseconds)"
        ))
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--vendor" => {
                let value = it.next().ok_or("--vendor needs a value")?;
                vendors = if value == "all" {
                    Vendor::ALL.to_vec()
                } else {
                    vec![
                        value
                            .parse()
                            .map_err(|e: pwchange_core::Error| e.to_string())?,
                    ]
                };
            }
            "--port" => {
                let value = it.next().ok_or("--port needs a value")?;
                port = value
                    .parse()
                    .map_err(|_| format!("--port {value:?} is not a port number"))?;
            }
            "--users" => {
                let value = it.next().ok_or("--users needs a value")?;
                users = value
                    .parse()
                    .map_err(|_| format!("--users {value:?} is not a number"))?;
            }
            "--rate-limit" => {
                let value = it.next().ok_or("--rate-limit needs a value")?;
                rate = Some(
                    value
                        .parse::<f64>()
                        .ok()
                        .filter(|r| r.is_finite() && *r > 0.0)
                        .ok_or(format!(
                            "--rate-limit {value:?} is not a positive number of requests per second"
                        ))?,
                );
            }
            "--burst" => {
                let value = it.next().ok_or("--burst needs a value")?;
                burst = Some(
                    value
                        .parse::<u32>()
                        .ok()
                        .filter(|b| *b > 0)
                        .ok_or(format!("--burst {value:?} is not a positive whole number"))?,
                );
            }
            "--latency" => latency = Some(duration("--latency", it.next())?),
            "--jitter" => jitter = Some(duration("--jitter", it.next())?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if burst.is_some() && rate.is_none() {
        return Err("--burst needs --rate-limit".into());
    }
    let rate_limit = rate.map(|rate| {
        let limit = RateLimit::new(rate);
        burst.map_or(limit, |burst| limit.burst(burst))
    });
    let latency = (latency.is_some() || jitter.is_some())
        .then(|| Latency::fixed(latency.unwrap_or_default()).jitter(jitter.unwrap_or_default()));
    Ok(Args {
        vendors,
        port,
        users,
        rate_limit,
        latency,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&args) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}\n");
            }
            eprintln!("{}", usage());
            return ExitCode::from(2);
        }
    };
    let mut running = Vec::new();
    for (offset, vendor) in args.vendors.iter().copied().enumerate() {
        let port = if args.port == 0 {
            0
        } else {
            args.port.saturating_add(offset as u16)
        };
        let sim = match Simulator::start_on(vendor, SocketAddr::from(([127, 0, 0, 1], port))).await
        {
            Ok(sim) => sim,
            Err(e) => {
                eprintln!("error: cannot start the {vendor} simulator on port {port}: {e}");
                return ExitCode::FAILURE;
            }
        };
        sim.set_rate_limit(args.rate_limit);
        sim.set_latency(args.latency);
        let user = demo_user(vendor);
        sim.add_user(user.clone());
        for i in 0..args.users {
            let mut numbered = user.clone();
            numbered.id = pwchange_sim::numbered_user_id(vendor, i);
            numbered.login = None;
            sim.add_user(numbered);
        }
        #[allow(clippy::print_stdout)]
        {
            println!(
                "{:<9} {}  token={}  user={} password={}",
                vendor.name(),
                sim.base_url(),
                sim.token(),
                user.id,
                user.password
            );
            for (name, value) in pwchange_sim::required_headers(vendor) {
                println!("{:<9} header={name}: {value}", "");
            }
            for (key, value) in pwchange_sim::login_settings(vendor) {
                println!("{:<9} login {key}={value}", "");
            }
            for (key, value) in pwchange_sim::client_settings(vendor, sim.base_url(), sim.token()) {
                if !matches!(key, "base_url" | "token") {
                    println!("{:<9} setting {key}={value}", "");
                }
            }
        }
        running.push(sim);
    }
    let _ = tokio::signal::ctrl_c().await;
    #[allow(clippy::print_stderr)]
    for sim in &running {
        for violation in sim.violations() {
            eprintln!("contract violation: {violation}");
        }
        eprintln!(
            "stats {} requests={} rate_limited={}",
            sim.vendor().name(),
            sim.requests(),
            sim.rate_limited()
        );
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Result<Args, String> {
        parse(
            &text
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn limits_and_latency_read_from_their_flags() {
        let parsed = args("--rate-limit 200 --latency 20ms --jitter 5").unwrap();
        assert_eq!(parsed.rate_limit, Some(RateLimit::new(200.0)));
        assert_eq!(parsed.rate_limit.map(|r| r.burst), Some(20));
        assert_eq!(
            parsed.latency,
            Some(Latency::fixed(Duration::from_millis(20)).jitter(Duration::from_millis(5)))
        );
        let parsed = args("--rate-limit 1000 --burst 7").unwrap();
        assert_eq!(parsed.rate_limit, Some(RateLimit::new(1000.0).burst(7)));
        assert_eq!(parsed.latency, None);
        let plain = args(&format!("--vendor {}", Vendor::ALL[0].name())).unwrap();
        assert_eq!((plain.rate_limit, plain.latency), (None, None));
    }

    #[test]
    fn bad_limits_are_refused_with_the_flag_named() {
        for (text, expected) in [
            (
                "--rate-limit 0",
                "--rate-limit \"0\" is not a positive number",
            ),
            ("--rate-limit fast", "--rate-limit \"fast\""),
            ("--burst 5", "--burst needs --rate-limit"),
            ("--rate-limit 5 --burst 0", "--burst \"0\""),
            ("--latency", "--latency needs a value"),
            ("--jitter soon", "--jitter \"soon\" is not a duration"),
        ] {
            let error = args(text).err().unwrap();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
