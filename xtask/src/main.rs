//! Project automation for pwchange, run as `cargo xtask <task>` (see `.cargo/config.toml`).
//!
//! Tasks:
//! - `codegen`: regenerate every vendor client and httpmock module from `specs/*.yaml`.
//! - `codegen --check`: regenerate in memory and fail, naming each stale file, when the committed
//!   output differs.
//! - `vendors [--crates]`: print the vendors (one per `specs/<name>.yaml`), one per line, or their
//!   crates (`pwchange-<name>`), for scripts.

mod codegen;
mod spec;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask codegen [--check]

  codegen          regenerate crates/*/src/generated.rs and crates/pwchange-httpmock/src/<vendor>.rs
  codegen --check  verify the committed generated files are up to date (exit 1 when stale)
  vendors          print the vendor names (one per specs/<name>.yaml), one per line
  vendors --crates print the vendor crates (pwchange-<name>), one per line";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    if let ["vendors", rest @ ..] = args.as_slice() {
        let prefix = match rest {
            [] => "",
            ["--crates"] => "pwchange-",
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        };
        return match codegen::vendors(&codegen::workspace_root()) {
            Ok(names) => {
                for name in names {
                    println!("{prefix}{name}");
                }
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let mode = match args.as_slice() {
        ["codegen"] => codegen::Mode::Write,
        ["codegen", "--check"] => codegen::Mode::Check,
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match codegen::run(&codegen::workspace_root(), mode) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
