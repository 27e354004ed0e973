//! `pwchange-sim --vendor <bienport|uipath|zitadel|vcd|all> [--port <port>]`: run simulators on
//! loopback with demo users, print their URLs and a ready token, stop on Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;

use pwchange_sim::{Simulator, UIPATH_CLIENT, Vendor, demo_user};

const USAGE: &str =
    "usage: pwchange-sim [--vendor <bienport|uipath|zitadel|vcd|all>] [--port <port>]

Starts the vendor simulators on 127.0.0.1 with one demo user each and prints their base URLs,
a bearer token and the user. With --port, the first simulator listens there and the others on
the following ports; without it, ports are chosen free. With --users N, the ZITADEL simulator also
gets N users with ids 300000000000000000.. and the demo user's password (for load tests).
Stops on Ctrl-C.";

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
                    vec![value.parse()?]
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
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut running = Vec::new();
    for (offset, vendor) in args.vendors.iter().enumerate() {
        let port = if args.port == 0 {
            0
        } else {
            args.port.saturating_add(offset as u16)
        };
        let sim = match Simulator::start_on(*vendor, SocketAddr::from(([127, 0, 0, 1], port))).await
        {
            Ok(sim) => sim,
            Err(e) => {
                eprintln!("error: cannot start the {vendor} simulator on port {port}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let user = demo_user(*vendor);
        sim.add_user(user.clone());
        if *vendor == Vendor::Zitadel {
            for i in 0..args.users {
                sim.add_user(pwchange_sim::SimUser::new(
                    (300_000_000_000_000_000u64 + i).to_string(),
                    user.password.clone(),
                ));
            }
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
            if let Some(login) = &user.login {
                println!("{:<9} login={login}", "");
            }
            if *vendor == Vendor::Uipath {
                println!(
                    "{:<9} client_id={} client_secret={}",
                    "", UIPATH_CLIENT.0, UIPATH_CLIENT.1
                );
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
