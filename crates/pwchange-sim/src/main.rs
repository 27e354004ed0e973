//! `pwchange-sim [--vendor <name>|all] [--port <port>] [--users N]`: run simulators on loopback
//! with demo users, print their URLs, a ready token and what a client needs, stop on Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;

use pwchange_sim::{Simulator, Vendor, demo_user};

fn usage() -> String {
    format!(
        "usage: pwchange-sim [--vendor <{}|all>] [--port <port>] [--users N]

Starts the vendor simulators on 127.0.0.1 with one demo user each and prints, one line per
vendor, its name, base URL, a bearer token and the demo user; then indented lines with the
headers a raw client needs (header=Name: value), the login settings the simulator accepts
(login key=value) and the facade settings for the demo user (setting key=value). With --port,
the first simulator listens there and the others on the following ports; without it, ports are
chosen free. With --users N, each simulator also gets N users (pwchange_sim::numbered_user_id)
with the demo user's password, for load tests. Stops on Ctrl-C.",
        Vendor::ALL.map(|v| v.name()).join("|")
    )
}

struct Args {
    vendors: Vec<Vendor>,
    port: u16,
    users: u64,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut vendors = Vendor::ALL.to_vec();
    let mut port = 0;
    let mut users = 0;
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
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args {
        vendors,
        port,
        users,
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
    for sim in &running {
        for violation in sim.violations() {
            eprintln!("contract violation: {violation}");
        }
    }
    ExitCode::SUCCESS
}
