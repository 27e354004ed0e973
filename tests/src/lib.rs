//! The facade's contract suite: one list of scenarios, run against every vendor's simulator.
//!
//! Each [`Step`] starts from a fresh simulator with the vendor's demo user, sends one change
//! through the facade to `base_url` (the simulator itself, or a contract-checking proxy in front
//! of it), and checks three things: the facade's outcome (success or the mapped
//! [`ErrorKind`]), the simulator's state (the password changed exactly when the facade says so),
//! and the simulator's contract checks (no request or response broke the spec). What differs
//! per vendor (ids, weak passwords, organizations) comes from the simulator's vendor table.

use std::time::Duration;

use pwchange::{Client, Error, ErrorKind, PasswordChange, Settings};
use pwchange_sim::{Fault, Simulator, Vendor, demo_user};

/// A new password every simulator's default policy accepts.
pub const GOOD_NEW_PASSWORD: &str = "N3w-Passw0rd!x";

/// One scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A valid self-service change.
    ChangeOk,
    /// A valid self-service change, authenticated by the vendor's login (where it has one).
    ChangeOkWithLogin,
    /// The current password is wrong.
    WrongCurrentPassword,
    /// The new password breaks the vendor's policy.
    PolicyViolation,
    /// The user does not exist.
    UnknownUser,
    /// The token is not one the vendor issued (an administrative set where the vendor's
    /// self-service change checks no token).
    BadToken,
    /// The organization header names another organization.
    WrongOrganization,
    /// The vendor answers 429 with `Retry-After`.
    RateLimited,
    /// The vendor's rate limit is spent: its own 429, with the wait where the vendor says it.
    OverRateLimit,
    /// The vendor answers 503.
    ServerDown,
    /// Nothing listens any more.
    ServerStopped,
}

impl Step {
    /// Every scenario.
    pub const ALL: [Step; 11] = [
        Step::ChangeOk,
        Step::ChangeOkWithLogin,
        Step::WrongCurrentPassword,
        Step::PolicyViolation,
        Step::UnknownUser,
        Step::BadToken,
        Step::WrongOrganization,
        Step::RateLimited,
        Step::OverRateLimit,
        Step::ServerDown,
        Step::ServerStopped,
    ];

    /// The expected outcome on `vendor`: `Some(None)` success, `Some(Some(kind))` that error,
    /// `None` not applicable to the vendor.
    pub fn expected(self, vendor: Vendor) -> Option<Option<ErrorKind>> {
        use ErrorKind as K;
        Some(match self {
            Step::ChangeOk => None,
            Step::ChangeOkWithLogin => {
                pwchange_sim::login_settings(vendor).first()?;
                None
            }
            Step::WrongCurrentPassword => {
                // Only a self-service change has a current password.
                pwchange_sim::offers_self_service(vendor).then_some(())?;
                Some(K::CurrentPasswordInvalid)
            }
            Step::PolicyViolation => {
                pwchange_sim::weak_password(vendor)?;
                Some(K::PolicyViolation)
            }
            Step::UnknownUser => Some(pwchange_sim::unknown_user_expected(vendor)),
            Step::BadToken => Some(K::Unauthenticated),
            Step::WrongOrganization => Some(pwchange_sim::wrong_organization(vendor)?.expected),
            Step::RateLimited | Step::OverRateLimit => Some(K::RateLimited),
            // A bare 503 proves nothing (a proxy's may follow an applied change).
            Step::ServerDown if !pwchange_sim::unavailable_in_own_body(vendor) => {
                Some(K::OutcomeUnknown)
            }
            Step::ServerDown => Some(K::Unavailable),
            Step::ServerStopped => Some(K::Transport),
        })
    }
}

/// The facade client for `vendor` at `base_url` with `token`, configured for the demo user,
/// with `extra` settings on top (they replace the defaults).
pub fn client(
    vendor: Vendor,
    base_url: &str,
    token: &str,
    extra: &[(&'static str, String)],
) -> Result<Client, Error> {
    let mut settings = Settings::new(vendor);
    let defaults = pwchange_sim::client_settings(vendor, base_url, token);
    for (key, value) in defaults.iter().chain(extra) {
        settings.set(key, value.clone(), format!("contract test {key}"));
    }
    Client::from_settings(settings)
}

/// The user's own change from `current` to `new`; an administrative set to `new` where the
/// vendor has no self-service change.
fn the_change(vendor: Vendor, user_id: String, current: &str, new: &str) -> PasswordChange {
    if pwchange_sim::offers_self_service(vendor) {
        PasswordChange::self_service(user_id, current.to_owned(), new.to_owned())
    } else {
        PasswordChange::admin_set(user_id, new.to_owned())
    }
}

/// What went wrong in one step, for the report.
pub type Failure = String;

/// Runs `step` on `sim` (reset and seeded with the vendor's demo user first), with the facade
/// pointed at `base_url`: the simulator itself, or a contract-checking proxy in front of it.
/// [`Step::ServerStopped`] needs a simulator it can stop: see [`run_server_stopped`].
pub async fn run(sim: &Simulator, step: Step, base_url: &str) -> Result<(), Failure> {
    let vendor = sim.vendor();
    let Some(expected) = step.expected(vendor) else {
        return Ok(());
    };
    sim.reset();
    let user = demo_user(vendor);
    sim.add_user(user.clone());
    let mut token = sim.token().to_owned();
    let mut extra = Vec::new();
    // The user's own change; an administrative set where the vendor has none.
    let self_service = |current: &str, new: &str| the_change(vendor, user.id.clone(), current, new);
    let mut change = self_service(&user.password, GOOD_NEW_PASSWORD);
    match step {
        Step::WrongCurrentPassword => change = self_service("Wrong-Passw0rd!", GOOD_NEW_PASSWORD),
        Step::PolicyViolation => {
            let weak = pwchange_sim::weak_password(vendor).unwrap_or_default();
            change = self_service(&user.password, weak);
        }
        Step::UnknownUser => {
            change = the_change(
                vendor,
                pwchange_sim::unknown_user_id(vendor).to_owned(),
                &user.password,
                GOOD_NEW_PASSWORD,
            );
        }
        Step::BadToken => {
            token = "not-a-token-the-vendor-issued".into();
            if !pwchange_sim::self_service_checks_token(vendor) {
                change = PasswordChange::admin_set(user.id.clone(), GOOD_NEW_PASSWORD);
            }
        }
        Step::WrongOrganization => {
            if let Some(scenario) = pwchange_sim::wrong_organization(vendor) {
                extra = scenario.settings;
                if scenario.admin_set {
                    change = PasswordChange::admin_set(user.id.clone(), GOOD_NEW_PASSWORD);
                }
            }
        }
        Step::ChangeOkWithLogin => {
            // Login credentials replace the token.
            token.clear();
            extra = pwchange_sim::login_settings(vendor);
        }
        Step::RateLimited => sim.inject(Fault::RateLimited {
            retry_after_secs: 7,
        }),
        Step::OverRateLimit => {
            sim.set_rate_limit(Some(pwchange_sim::RateLimit::new(0.5).burst(1).spent()));
        }
        // The step is about the 503 alone: no verification login (after a bare 503 it would
        // make the outcome a refused login's).
        Step::ServerDown => {
            sim.inject(Fault::Unavailable);
            change = change.verify(false);
        }
        Step::ChangeOk => {}
        Step::ServerStopped => {
            return Err(format!("{vendor} ServerStopped: use run_server_stopped"));
        }
    }
    let context = format!("{vendor} {step:?}");
    let client =
        client(vendor, base_url, &token, &extra).map_err(|e| format!("{context}: client: {e}"))?;
    let outcome = client.change_password(&change).await;
    check_kind(&context, &outcome, expected)?;
    if step == Step::RateLimited
        && let Err(e) = &outcome
        && e.retry_after() != Some(Duration::from_secs(7))
    {
        return Err(format!(
            "{context}: Retry-After not surfaced: {:?}",
            e.retry_after()
        ));
    }
    if step == Step::OverRateLimit
        && let Err(e) = &outcome
    {
        let expected = pwchange_sim::rate_limit_says_when(vendor).then(|| Duration::from_secs(2));
        if e.retry_after() != expected {
            return Err(format!(
                "{context}: the wait is {:?}, expected {expected:?}",
                e.retry_after()
            ));
        }
        if sim.rate_limited() != 1 {
            return Err(format!(
                "{context}: {} request(s) over the limit, expected 1",
                sim.rate_limited()
            ));
        }
    }
    let now = sim.password(&user.id).unwrap_or_default();
    let expected_password = if expected.is_none() {
        GOOD_NEW_PASSWORD
    } else {
        user.password.as_str()
    };
    if now != expected_password {
        return Err(format!(
            "{context}: the simulator's password is not what the outcome says"
        ));
    }
    let violations = sim.violations();
    if !violations.is_empty() {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        return Err(format!(
            "{context}: contract violations:\n    {}",
            list.join("\n    ")
        ));
    }
    Ok(())
}

/// [`Step::ServerStopped`]: a simulator is started and stopped, then the facade calls it.
pub async fn run_server_stopped(vendor: Vendor) -> Result<(), Failure> {
    let context = format!("{vendor} ServerStopped");
    let sim = Simulator::start_with_demo_users(vendor)
        .await
        .map_err(|e| format!("{context}: start: {e}"))?;
    let base_url = sim.base_url().to_owned();
    let token = sim.token().to_owned();
    drop(sim);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let user = demo_user(vendor);
    let change = the_change(vendor, user.id, &user.password, GOOD_NEW_PASSWORD);
    let client =
        client(vendor, &base_url, &token, &[]).map_err(|e| format!("{context}: client: {e}"))?;
    let outcome = client.change_password(&change).await;
    check_kind(
        &context,
        &outcome,
        Step::ServerStopped.expected(vendor).flatten(),
    )
}

fn check_kind(
    context: &str,
    outcome: &Result<pwchange::Changed, Error>,
    expected: Option<ErrorKind>,
) -> Result<(), Failure> {
    match (outcome, expected) {
        (Ok(_), None) => Ok(()),
        (Err(e), Some(kind)) if e.kind() == kind => {
            pwchange_core::canary::assert_absent(context, &format!("{e} {e:?}"));
            Ok(())
        }
        (Ok(_), Some(kind)) => Err(format!("{context}: succeeded, expected {kind:?}")),
        (Err(e), expected) => Err(format!(
            "{context}: got {:?} ({e}), expected {expected:?}",
            e.kind()
        )),
    }
}

/// Runs every step but [`Step::ServerStopped`] on `sim` through `base_url`, returning all failures.
pub async fn run_all(sim: &Simulator, base_url: &str) -> Vec<Failure> {
    let mut failures = Vec::new();
    for step in Step::ALL.into_iter().filter(|s| *s != Step::ServerStopped) {
        if let Err(failure) = run(sim, step, base_url).await {
            failures.push(failure);
        }
    }
    failures
}
