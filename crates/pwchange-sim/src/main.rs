//! `pwchange-sim`: run the vendor simulators on loopback with demo users, print their URLs, a
//! ready token and what a client needs, stop on Ctrl-C. `pwchange-sim --help` says it all.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use pwchange_sim::{Latency, RateLimit, Simulator, Vendor, demo_user, parse_duration};

/// Run the pwchange vendor simulators on 127.0.0.1, with one demo user each.
///
/// Prints, one line per vendor, its name, base URL, a bearer token and the demo user; then
/// indented lines with the --users ids (the first and the last), the headers a raw client needs
/// (header=Name: value), the login settings the simulator accepts (login key=value), the facade
/// settings for the demo user (setting key=value, e.g. the organization_id that `pwchange
/// --organization-id` takes) and the same as `export PWCHANGE_<VENDOR>_<KEY>='value'` lines to
/// paste into a shell for `pwchange`.
/// Every request and answer is checked against the vendor's spec; a violation is printed on
/// standard error when the simulators stop (Ctrl-C), with one line per simulator
/// `stats <vendor> requests=N rate_limited=N` (requests: the changes, logins and verifications
/// that arrived, policy reads not counted; rate_limited: the requests, reads included, refused by
/// --rate-limit).
#[derive(Debug, Parser)]
#[command(
    name = "pwchange-sim",
    version,
    about,
    long_about,
    max_term_width = 100
)]
struct Args {
    /// The vendor to simulate, or all of them.
    #[arg(
        long,
        default_value = "all",
        value_name = "VENDOR",
        value_parser = vendor_choices(),
        ignore_case = true
    )]
    vendor: String,
    /// The first simulator's port; the others listen on the following ports. Default: free
    /// ports.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Also add N users to each simulator (pwchange_sim::numbered_user_id) with the demo user's
    /// password, for load tests.
    #[arg(long, default_value_t = 0, value_name = "N")]
    users: u64,
    /// Limit each simulator like a vendor's edge: a token bucket refilled at PER_SEC requests
    /// per second. Every request counts; one over the limit gets the vendor's own 429 with the
    /// wait (in Retry-After or the vendor's header, where the vendor sends one).
    #[arg(long, value_name = "PER_SEC", value_parser = positive_rate)]
    rate_limit: Option<f64>,
    /// The bucket's size (default: a tenth of a second's worth, at least 1).
    #[arg(long, value_name = "N", requires = "rate_limit", value_parser = clap::value_parser!(u32).range(1..))]
    burst: Option<u32>,
    /// Delay every answer by D (20ms, 1.5s, 250us; a bare number is milliseconds).
    #[arg(long, value_name = "D", value_parser = duration)]
    latency: Option<Duration>,
    /// Delay every answer by up to D more, at random.
    #[arg(long, value_name = "D", value_parser = duration)]
    jitter: Option<Duration>,
}

/// Every vendor's name, and `all`: clap lists them in `--help` and in the error for another.
fn vendor_choices() -> clap::builder::PossibleValuesParser {
    let mut names: Vec<&'static str> = Vendor::ALL.map(Vendor::name).to_vec();
    names.push("all");
    clap::builder::PossibleValuesParser::new(names)
}

fn positive_rate(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|rate| rate.is_finite() && *rate > 0.0)
        .ok_or_else(|| "not a positive number of requests per second".to_owned())
}

fn duration(text: &str) -> Result<Duration, String> {
    parse_duration(text)
        .ok_or_else(|| "not a duration (20ms, 1.5s, 250us; a bare number is milliseconds)".into())
}

impl Args {
    fn vendors(&self) -> Vec<Vendor> {
        Vendor::ALL
            .into_iter()
            .filter(|vendor| {
                self.vendor.eq_ignore_ascii_case("all")
                    || self.vendor.eq_ignore_ascii_case(vendor.name())
            })
            .collect()
    }

    fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit.map(|rate| {
            let limit = RateLimit::new(rate);
            self.burst.map_or(limit, |burst| limit.burst(burst))
        })
    }

    fn latency(&self) -> Option<Latency> {
        (self.latency.is_some() || self.jitter.is_some()).then(|| {
            Latency::fixed(self.latency.unwrap_or_default()).jitter(self.jitter.unwrap_or_default())
        })
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut running = Vec::new();
    for (offset, vendor) in args.vendors().into_iter().enumerate() {
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
        sim.set_rate_limit(args.rate_limit());
        sim.set_latency(args.latency());
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
            print!(
                "{}",
                describe(vendor, sim.base_url(), sim.token(), &user, args.users)
            );
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

/// What a simulator prints: its line (name, base URL, token, demo user), then indented: the
/// load-test users' first and last ids, the headers a raw client needs, the login settings it
/// accepts, the facade settings for the demo user, and the `export PWCHANGE_<VENDOR>_<KEY>=…`
/// lines to paste into a shell for `pwchange`.
fn describe(
    vendor: Vendor,
    base_url: &str,
    token: &str,
    user: &pwchange_sim::SimUser,
    users: u64,
) -> String {
    let mut out = format!(
        "{:<9} {base_url}  token={token}  user={} password={}\n",
        vendor.name(),
        user.id,
        user.password
    );
    let mut line = |text: String| out.push_str(&format!("{:<9} {text}\n", ""));
    if users > 0 {
        line(format!(
            "users {users}: {} … {} (pwchange_sim::numbered_user_id 0 to {}), password={}",
            pwchange_sim::numbered_user_id(vendor, 0),
            pwchange_sim::numbered_user_id(vendor, users - 1),
            users - 1,
            user.password
        ));
    }
    for (name, value) in pwchange_sim::required_headers(vendor) {
        line(format!("header={name}: {value}"));
    }
    for (key, value) in pwchange_sim::login_settings(vendor) {
        line(format!("login {key}={value}"));
    }
    let settings = pwchange_sim::client_settings(vendor, base_url, token);
    for (key, value) in &settings {
        if !matches!(*key, "base_url" | "token") {
            line(format!("setting {key}={value}"));
        }
    }
    for (key, value) in &settings {
        line(format!(
            "export {}{}='{}'",
            vendor.env_prefix(),
            key.to_ascii_uppercase(),
            value.replace('\'', "'\\''")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue #33: the load-test users' ids and the lines to paste into a shell are printed.
    #[test]
    fn the_description_names_the_users_and_the_shell_settings() {
        for vendor in Vendor::ALL {
            let user = demo_user(vendor);
            let text = describe(vendor, "http://127.0.0.1:9999", "sim-tok'en", &user, 60);
            assert!(
                text.starts_with(&format!(
                    "{:<9} http://127.0.0.1:9999  token=sim-tok'en  user={}",
                    vendor.name(),
                    user.id
                )),
                "{text}"
            );
            let first = pwchange_sim::numbered_user_id(vendor, 0);
            let last = pwchange_sim::numbered_user_id(vendor, 59);
            assert!(
                text.contains(&format!("users 60: {first} … {last}")),
                "{text}"
            );
            let prefix = vendor.env_prefix();
            assert!(
                text.contains(&format!("export {prefix}BASE_URL='http://127.0.0.1:9999'")),
                "{text}"
            );
            assert!(
                text.contains(&format!("export {prefix}TOKEN='sim-tok'\\''en'")),
                "quoted for a shell: {text}"
            );
            for (key, _) in pwchange_sim::client_settings(vendor, "http://x", "t") {
                assert!(
                    text.contains(&format!("export {prefix}{}=", key.to_ascii_uppercase())),
                    "{vendor} {key}: {text}"
                );
            }
            let without = describe(vendor, "http://127.0.0.1:9999", "t", &user, 0);
            assert!(!without.contains(" users "), "{without}");
        }
    }

    fn args(text: &str) -> Result<Args, String> {
        Args::try_parse_from(std::iter::once("pwchange-sim").chain(text.split_whitespace()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_definition_is_consistent() {
        <Args as clap::CommandFactory>::command().debug_assert();
    }

    #[test]
    fn limits_and_latency_read_from_their_flags() {
        let parsed = args("--rate-limit 200 --latency 20ms --jitter 5").unwrap();
        assert_eq!(parsed.rate_limit(), Some(RateLimit::new(200.0)));
        assert_eq!(parsed.rate_limit().map(|r| r.burst), Some(20));
        assert_eq!(
            parsed.latency(),
            Some(Latency::fixed(Duration::from_millis(20)).jitter(Duration::from_millis(5)))
        );
        let parsed = args("--rate-limit 1000 --burst 7").unwrap();
        assert_eq!(parsed.rate_limit(), Some(RateLimit::new(1000.0).burst(7)));
        assert_eq!(parsed.latency(), None);
        let plain = args(&format!("--vendor {}", Vendor::ALL[0].name())).unwrap();
        assert_eq!((plain.rate_limit(), plain.latency()), (None, None));
        let upper = args(&format!(
            "--vendor {}",
            Vendor::ALL[1].name().to_uppercase()
        ))
        .unwrap();
        assert_eq!(upper.vendors(), vec![Vendor::ALL[1]]);
        assert_eq!(plain.vendors(), vec![Vendor::ALL[0]]);
        assert_eq!(args("").unwrap().vendors(), Vendor::ALL.to_vec());
        assert_eq!(
            args("--vendor all").unwrap().vendors(),
            Vendor::ALL.to_vec()
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_flag_named() {
        for (text, expected) in [
            ("--rate-limit 0", "--rate-limit <PER_SEC>"),
            ("--rate-limit fast", "not a positive number"),
            ("--burst 5", "--rate-limit <PER_SEC>"),
            ("--rate-limit 5 --burst 0", "--burst <N>"),
            ("--latency", "--latency <D>"),
            ("--jitter soon", "not a duration"),
            ("--vendor foo", "all"),
        ] {
            let error = args(text).err().unwrap();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
