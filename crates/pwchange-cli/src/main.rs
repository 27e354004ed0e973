//! `pwchange`: the command-line tool on top of the `pwchange` facade.

mod change;
mod cli;
mod demo;
mod hardening;
mod input;
mod journal;
mod output;
mod pacing;
mod policy;
mod rotate;
mod secrets;
mod target;
mod vendors;

use std::process::ExitCode;

use clap::Parser;

const MAN_PAGE: &str = include_str!(concat!(env!("OUT_DIR"), "/pwchange.1"));

fn completions(shell: cli::Shell) -> &'static str {
    match shell {
        cli::Shell::Bash => include_str!(concat!(env!("OUT_DIR"), "/pwchange.bash")),
        cli::Shell::Zsh => include_str!(concat!(env!("OUT_DIR"), "/_pwchange")),
        cli::Shell::Fish => include_str!(concat!(env!("OUT_DIR"), "/pwchange.fish")),
        cli::Shell::Elvish => include_str!(concat!(env!("OUT_DIR"), "/pwchange.elv")),
        cli::Shell::Powershell => include_str!(concat!(env!("OUT_DIR"), "/_pwchange.ps1")),
    }
}

/// The process environment, captured once (variables that are not UTF-8 are left out).
fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// `pwchange policy`: the vendor's password policy, as text or JSON.
#[allow(clippy::print_stdout)]
async fn print_policy(args: cli::PolicyArgs, env: &target::Env) -> Result<(), pwchange::Error> {
    let client = target::client(&args.target, env)?;
    let policy = policy::of(&client).await?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({"vendor": client.vendor(), "policy": policy})
        );
    } else {
        println!("{} password policy", client.vendor().title());
        for line in policy.describe().lines() {
            println!("  {line}");
        }
    }
    Ok(())
}

#[tokio::main]
#[allow(clippy::print_stdout)]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    if cli.verbose > 0 {
        let level = match cli.verbose {
            1 => "info",
            2 => "debug",
            _ => "trace",
        };
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(level))
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .init();
    }
    // After the logger, so that a failure is reported; before any secret is read.
    hardening::disable_core_dumps();
    let code = match cli.command {
        cli::Command::Change(args) => {
            let json = args.json;
            match change::run(args, &process_env()).await {
                Ok(()) => 0,
                Err(e) => output::report(&e, json),
            }
        }
        cli::Command::Rotate(args) => {
            let json = args.json;
            match target::client(&args.target, &process_env()) {
                Err(e) => output::report(&e, json),
                Ok(client) => match rotate::run(args, client).await {
                    Ok(code) => code,
                    Err(e) => output::report(&e, json),
                },
            }
        }
        cli::Command::Policy(args) => {
            let json = args.json;
            match print_policy(args, &process_env()).await {
                Ok(()) => 0,
                Err(e) => output::report(&e, json),
            }
        }
        cli::Command::Demo(args) => match demo::run(args.json).await {
            Ok(()) => 0,
            Err(e) => output::report(&e, args.json),
        },
        cli::Command::Schema => {
            let schema = schemars::schema_for!(input::InputRecord);
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            0
        }
        cli::Command::Vendors { json } => {
            print!("{}", vendors::list(json));
            0
        }
        cli::Command::Completions { shell } => {
            print!("{}", completions(shell));
            0
        }
        cli::Command::Man => {
            print!("{MAN_PAGE}");
            0
        }
    };
    ExitCode::from(code)
}
