//! `pwchange demo`: the embedded simulators, a real change on each vendor through the facade,
//! and a wrong current password to show the error mapping (for a vendor without a
//! self-service change: an administrative set, and an unknown user).

use pwchange::{Client, PasswordChange, Settings};
use pwchange_sim::{Simulator, Vendor, demo_user};
use serde::Serialize;

/// The new password the demo sets (meets every simulator's default policy).
const DEMO_NEW_PASSWORD: &str = "Demo-N3w-Passw0rd!";

/// One step's result. As JSON, `changed` and `error` are objects (the facade's `Changed`,
/// and the error as `--json` prints errors), never JSON inside a string.
#[derive(Serialize)]
struct Row {
    vendor: &'static str,
    user: String,
    step: &'static str,
    /// `changed`, or the error's kind (`current_password_invalid`).
    outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    changed: Option<pwchange::Changed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<serde_json::Value>,
    password_changed_in_simulator: bool,
}

/// The facade client for the simulator, built the way `change` builds one: settings through
/// the facade's one configuration path (here from the simulator's fixture, never a proxy).
fn facade_client(vendor: Vendor, sim: &Simulator) -> Result<Client, pwchange::Error> {
    let mut settings = Settings::new(vendor);
    for (key, value) in pwchange_sim::client_settings(vendor, sim.base_url(), sim.token()) {
        settings.set(key, value, format!("demo {key}"));
    }
    settings.set("timeout_secs", "10", "demo timeout_secs");
    Client::from_settings(settings)
}

#[allow(clippy::print_stdout)]
pub async fn run(json: bool) -> Result<(), pwchange::Error> {
    let mut rows = Vec::new();
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor)
            .await
            .map_err(|e| {
                pwchange::Error::new(
                    pwchange::ErrorKind::Transport,
                    format!("cannot start the {vendor} simulator: {e}"),
                )
            })?;
        let user = demo_user(vendor);
        let client = facade_client(vendor, &sim)?;
        let self_service = pwchange::capabilities(vendor)
            .is_some_and(|c| c.modes.contains(&pwchange::ModeKind::SelfService));
        let steps = if self_service {
            [
                (
                    "wrong current password",
                    PasswordChange::self_service(
                        user.id.clone(),
                        "Not-The-Passw0rd!",
                        DEMO_NEW_PASSWORD,
                    ),
                ),
                (
                    "change",
                    PasswordChange::self_service(
                        user.id.clone(),
                        user.password.clone(),
                        DEMO_NEW_PASSWORD,
                    ),
                ),
            ]
        } else {
            [
                (
                    "unknown user",
                    PasswordChange::admin_set(
                        pwchange_sim::unknown_user_id(vendor),
                        DEMO_NEW_PASSWORD,
                    ),
                ),
                (
                    "change",
                    PasswordChange::admin_set(user.id.clone(), DEMO_NEW_PASSWORD),
                ),
            ]
        };
        for (step, change) in steps {
            let outcome = client.change_password(&change).await;
            let changed = sim.password(&user.id).as_deref() == Some(DEMO_NEW_PASSWORD);
            let (outcome, changed_details, error) = match outcome {
                Ok(details) => ("changed".to_owned(), Some(details), None),
                Err(e) => (
                    crate::cli::kind_name(e.kind()),
                    None,
                    Some(crate::output::error_json(&e)),
                ),
            };
            rows.push(Row {
                vendor: vendor.name(),
                user: user.id.clone(),
                step,
                outcome,
                changed: changed_details,
                error,
                password_changed_in_simulator: changed,
            });
        }
        let violations = sim.violations();
        if !violations.is_empty() {
            let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
            return Err(pwchange::Error::new(
                pwchange::ErrorKind::Unexpected,
                format!("contract violations: {}", list.join("; ")),
            ));
        }
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).unwrap_or_default()
        );
        return Ok(());
    }
    println!("VENDOR    STEP                     OUTCOME                          CHANGED  USER");
    for row in &rows {
        let changed = if row.password_changed_in_simulator {
            "yes"
        } else {
            "no"
        };
        println!(
            "{:<9} {:<24} {:<32} {:<8} {}",
            row.vendor, row.step, row.outcome, changed, row.user
        );
    }
    println!(
        "\nEach vendor ran on its own simulator on 127.0.0.1; every request and response was checked against specs/."
    );
    Ok(())
}
