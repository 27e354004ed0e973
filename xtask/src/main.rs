//! Project automation for pwchange, run as `cargo xtask <task>` (see `.cargo/config.toml`).
//!
//! Tasks:
//! - `codegen [SPEC...]`: regenerate every vendor client and httpmock module from `specs/*.yaml`,
//!   or only the vendors named (`specs/<vendor>.yaml` or `<vendor>`). A document outside `specs/`
//!   is checked (refused with the reason, or reported as generating) and nothing is written.
//! - `codegen --check [SPEC...]`: regenerate in memory and fail, naming each stale file, when the
//!   committed output differs.
//! - `vendors [--crates]`: print the vendors (one per `specs/<name>.yaml`), one per line, or their
//!   crates (`pwchange-<name>`), for scripts.

mod codegen;
mod spec;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask codegen [--check] [SPEC...]
       cargo xtask vendors [--crates]

  codegen          regenerate crates/*/src/generated.rs and crates/pwchange-httpmock/src/<vendor>.rs
  codegen SPEC...  regenerate only these vendors: specs/<vendor>.yaml or <vendor>; a document
                   outside specs/ is only checked (does progenitor generate it?), never written
  codegen --check  verify the committed generated files are up to date (exit 1 when stale)
  vendors          print the vendor names (one per specs/<name>.yaml), one per line
  vendors --crates print the vendor crates (pwchange-<name>), one per line";

fn main() -> ExitCode {
    let Ok(args) = std::env::args_os()
        .skip(1)
        .map(std::ffi::OsString::into_string)
        .collect::<Result<Vec<String>, _>>()
    else {
        eprintln!("error: an argument is not UTF-8; name the spec by a UTF-8 path\n\n{USAGE}");
        return ExitCode::from(2);
    };
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
    let (mode, specs) = match args.as_slice() {
        ["codegen", "--check", specs @ ..] => (codegen::Mode::Check, specs),
        ["codegen", specs @ ..] => (codegen::Mode::Write, specs),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(flag) = specs.iter().find(|s| s.starts_with('-')) {
        eprintln!("error: unknown option {flag:?} (`--check` comes first)\n\n{USAGE}");
        return ExitCode::from(2);
    }
    let root = codegen::workspace_root();
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(error) => {
            eprintln!("error: the current directory cannot be read: {error}");
            return ExitCode::FAILURE;
        }
    };
    let targets: Result<Vec<_>, _> = specs
        .iter()
        .map(|spec| codegen::resolve(&root, &cwd, spec))
        .collect();
    let targets = match targets {
        Ok(targets) => targets,
        Err(error @ codegen::CodegenError::UnknownVendor { .. }) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    match codegen::run(&root, &cwd, mode, &targets) {
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
