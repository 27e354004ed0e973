//! Tracing output carries no secrets. Its own test binary: tracing's per-callsite interest
//! cache is process-wide, so a scoped subscriber is only reliable without parallel tests.

#![allow(clippy::unwrap_used)] // test code

mod common;

use common::Captured;

use pwchange::{Client, PasswordChange, Settings, Vendor};
use pwchange_core::canary;
use pwchange_sim::{SimUser, Simulator, demo_user};

#[tokio::test]
async fn tracing_spans_and_events_carry_no_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    for vendor in Vendor::ALL {
        let sim = Simulator::start(vendor).await.unwrap();
        let user = demo_user(vendor);
        let mut added = SimUser::new(user.id.clone(), canary::PASSWORD)
            .organization(user.organization.clone().unwrap_or_default());
        if let Some(login) = user.login.clone() {
            added = added.login(login);
        }
        sim.add_user(added);
        let mut settings = Settings::new(vendor);
        for (key, value) in pwchange_sim::client_settings(vendor, sim.base_url(), sim.token()) {
            settings.set(key, value, key);
        }
        let client = Client::from_settings(settings).unwrap();
        // A refusal (the current password is wrong; a vendor without a self-service change:
        // one it refuses), then a change.
        let (wrong, right) = if pwchange_sim::offers_self_service(vendor) {
            (
                PasswordChange::self_service(
                    user.id.clone(),
                    canary::NEW_PASSWORD,
                    canary::PASSWORD,
                ),
                PasswordChange::self_service(
                    user.id.clone(),
                    canary::PASSWORD,
                    canary::NEW_PASSWORD,
                ),
            )
        } else {
            (
                PasswordChange::self_service(
                    user.id.clone(),
                    canary::NEW_PASSWORD,
                    canary::PASSWORD,
                ),
                PasswordChange::admin_set(user.id.clone(), canary::NEW_PASSWORD),
            )
        };
        assert!(client.change_password(&wrong).await.is_err());
        client.change_password(&right).await.unwrap();
    }
    let output = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for vendor in Vendor::ALL {
        let span = format!("pwchange.change_password{{vendor={vendor}");
        let outcome = |text: &str| {
            output
                .lines()
                .filter(|l| l.contains(text) && l.contains(&span))
                .count()
        };
        assert_eq!(outcome("password changed"), 1, "{vendor}: {output}");
        assert_eq!(outcome("password change failed"), 1, "{vendor}: {output}");
        assert!(output.contains(&demo_user(vendor).id));
    }
    canary::assert_absent("tracing output", &output);
}
