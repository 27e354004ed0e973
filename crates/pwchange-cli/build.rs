//! Generates the man page and the shell completions from the CLI definition into OUT_DIR;
//! `pwchange man` and `pwchange completions <shell>` print them.

#[allow(dead_code)]
mod cli {
    include!("src/cli.rs");
}

use clap::CommandFactory;
use clap_complete::Shell;

fn main() -> std::io::Result<()> {
    println!("cargo:rerun-if-changed=src/cli.rs");
    let out = std::path::PathBuf::from(
        std::env::var_os("OUT_DIR").ok_or_else(|| std::io::Error::other("OUT_DIR unset"))?,
    );
    let mut command = cli::Cli::command();
    let mut man = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut man)?;
    std::fs::write(out.join("pwchange.1"), man)?;
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        clap_complete::generate_to(shell, &mut command, "pwchange", &out)?;
    }
    Ok(())
}
