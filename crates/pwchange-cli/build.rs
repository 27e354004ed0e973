//! Generates the man pages and the shell completions from the CLI definition into OUT_DIR;
//! `pwchange man [COMMAND]` and `pwchange completions <shell>` print them.
//!
//! One page per command: `pwchange.1` and `pwchange-<command>.1`, each with the sections clap
//! knows (NAME, SYNOPSIS, DESCRIPTION, OPTIONS, COMMANDS) plus EXIT STATUS, ENVIRONMENT and SEE
//! ALSO, which name only pages that exist.

#[allow(dead_code)]
mod cli {
    include!("src/cli.rs");
}

use std::fmt::Write as _;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

/// The environment variables every command that reaches a vendor reads.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "PWCHANGE_<VENDOR>_<KEY>",
        "a vendor setting, e.g. PWCHANGE_<VENDOR>_TOKEN or PWCHANGE_<VENDOR>_BASE_URL (`pwchange vendors` lists the vendors and their keys)",
    ),
    (
        "PWCHANGE_CONFIG",
        "the config file, instead of $XDG_CONFIG_HOME/pwchange/config.toml",
    ),
    ("PWCHANGE_PROFILE", "the config file's profile"),
    (
        "VAULT_ADDR, VAULT_TOKEN, VAULT_CACERT, VAULT_NAMESPACE, VAULT_CLIENT_TIMEOUT",
        "rotate --store, journal export --store and drift: the secret store's server, token, CA, namespace and request timeout, as Vault's CLI reads them (or the BAO_ names)",
    ),
    (
        "PWCHANGE_STORE_TOKEN_FILE, PWCHANGE_STORE_ROLE_ID, PWCHANGE_STORE_SECRET_ID_FILE",
        "the secret store's token from a file, or an AppRole login (PWCHANGE_STORE_APPROLE_MOUNT: its mount, default approle); else ~/.vault-token",
    ),
    (
        "NO_COLOR",
        "when set and not empty, no colour (unless --color always)",
    ),
    (
        "CLICOLOR_FORCE",
        "when set and not 0, colour even into a pipe (unless NO_COLOR or --color never)",
    ),
];

fn roff_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('-', "\\-")
}

/// The sections clap_mangen does not write.
fn extra_sections(command: &clap::Command, name: &str, pages: &[String]) -> String {
    let which = match command.get_name() {
        "pwchange" => cli::ExitCodes::All,
        "rotate" => cli::ExitCodes::Rotate,
        "drift" => cli::ExitCodes::Drift,
        "change" | "policy" | "demo" => cli::ExitCodes::Call,
        _ => cli::ExitCodes::Local,
    };
    let mut roff = String::new();
    // The command's examples (`journal`'s page has those of its subcommands).
    let examples: Vec<&(&str, &str)> = cli::EXAMPLES
        .iter()
        .filter(|(command_name, _)| {
            let top = command_name.split(' ').next().unwrap_or_default();
            top == command.get_name()
        })
        .flat_map(|(_, examples)| examples.iter())
        .collect();
    if !examples.is_empty() {
        roff.push_str(".SH EXAMPLES\n");
        for (what, line) in examples {
            let _ = write!(
                roff,
                ".PP\n{}\n.PP\n.RS 4\n\\fB{}\\fR\n.RE\n",
                roff_escape(what),
                roff_escape(line)
            );
        }
    }
    roff.push_str(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in cli::exit_status_lines(which) {
        let _ = write!(roff, ".TP\n\\fB{code}\\fR\n{}\n", roff_escape(&meaning));
    }
    if which != cli::ExitCodes::Local {
        roff.push_str(".SH ENVIRONMENT\n");
        for (variable, meaning) in ENVIRONMENT {
            let _ = write!(
                roff,
                ".TP\n\\fB{}\\fR\n{}\n",
                roff_escape(variable),
                roff_escape(meaning)
            );
        }
    }
    roff.push_str(".SH \"SEE ALSO\"\n");
    let others: Vec<String> = pages
        .iter()
        .filter(|page| page.as_str() != name)
        .map(|page| format!("\\fB{}\\fR(1)", roff_escape(page)))
        .collect();
    let _ = writeln!(roff, "{}", others.join(", "));
    roff
}

fn render(command: clap::Command, name: &str, pages: &[String], out: &Path) -> std::io::Result<()> {
    let extra = extra_sections(&command, name, pages);
    let man_has_commands = command.get_subcommands().next().is_some();
    let has_version = command.get_version().is_some();
    // Without after_long_help: clap_mangen would print it as an "EXTRA" section; EXIT STATUS
    // above says the same in man's own form.
    let command = command.after_long_help(None::<&str>);
    let man = clap_mangen::Man::new(command)
        .source(format!("pwchange {}", env!("CARGO_PKG_VERSION")))
        .manual("pwchange manual");
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    if man_has_commands {
        man.render_subcommands_section(&mut page)?;
    }
    page.extend_from_slice(extra.as_bytes());
    if has_version {
        man.render_version_section(&mut page)?;
    }
    std::fs::write(out.join(format!("{name}.1")), page)
}

fn main() -> std::io::Result<()> {
    println!("cargo:rerun-if-changed=src/cli.rs");
    let out = std::path::PathBuf::from(
        std::env::var_os("OUT_DIR").ok_or_else(|| std::io::Error::other("OUT_DIR unset"))?,
    );
    let mut command = cli::Cli::command().disable_help_subcommand(true);
    command.build();
    let subcommands: Vec<clap::Command> = command.get_subcommands().cloned().collect();
    let mut pages = vec!["pwchange".to_owned()];
    pages.extend(
        subcommands
            .iter()
            .map(|sub| format!("pwchange-{}", sub.get_name())),
    );
    render(command.clone(), "pwchange", &pages, &out)?;
    // The table `pwchange man <command>` prints from.
    let mut table = String::from("&[\n");
    for sub in subcommands {
        let name = format!("pwchange-{}", sub.get_name());
        let _ = writeln!(
            table,
            "    ({:?}, include_str!(concat!(env!(\"OUT_DIR\"), \"/{name}.1\"))),",
            sub.get_name()
        );
        render(sub, &name, &pages, &out)?;
    }
    table.push(']');
    std::fs::write(out.join("man_pages.rs"), table)?;
    let mut command = cli::Cli::command();
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
