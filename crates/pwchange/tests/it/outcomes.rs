//! The outcome model against every vendor's simulator: "changed" (`Ok`) only when the vendor
//! holds the new password, proven by a login wherever the vendor has one; a `200` without
//! effect is caught; an answer lost after the change applied is settled by the login; at most
//! one login per change.

use pwchange::{
    Client, ErrorKind, Outcome, Password, PasswordChange, Settings, Vendor, Verification,
};
use pwchange_core::canary;
use pwchange_sim::{Fault, Simulator, demo_user};

const NEW: &str = "N3w-Passw0rd!x";

fn client(sim: &Simulator) -> Client {
    let mut settings = Settings::new(sim.vendor());
    for (key, value) in pwchange_sim::client_settings(sim.vendor(), sim.base_url(), sim.token()) {
        settings.set(key, value, key);
    }
    Client::from_settings(settings).unwrap()
}

/// The demo user's self-service change to [`NEW`], with the login name where it has one.
fn change(vendor: Vendor) -> PasswordChange {
    let user = demo_user(vendor);
    let change = PasswordChange::self_service(user.id, user.password, NEW);
    match user.login {
        Some(login) => change.login_name(login),
        None => change,
    }
}

/// Whether the vendor has a password login to verify with (asked of the facade, on a
/// simulator of its own so that the probe's login counts nowhere).
fn verifiable(vendor: Vendor) -> bool {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
            let user = demo_user(vendor);
            let probe = client(&sim)
                .verify_password(
                    &user.id,
                    user.login.as_deref(),
                    &Password::new(user.password),
                )
                .await;
            !matches!(probe, Err(e) if e.kind() == ErrorKind::Unsupported)
        })
    })
    .join()
    .unwrap()
}

#[tokio::test]
async fn a_change_is_verified_by_one_login_where_the_vendor_has_one() {
    assert!(
        Vendor::ALL.into_iter().any(verifiable),
        "no vendor verifies: the tests below would prove nothing"
    );
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let user = demo_user(vendor);
        let changed = client(&sim).change_password(&change(vendor)).await.unwrap();
        assert_eq!(sim.password(&user.id).as_deref(), Some(NEW), "{vendor}");
        if verifiable(vendor) {
            assert_eq!(changed.verification, Verification::Verified, "{vendor}");
            assert_eq!(sim.logins(&user.id), 1, "{vendor}: one verification login");
        } else {
            assert!(
                matches!(changed.verification, Verification::NotVerifiable { .. }),
                "{vendor}: {:?}",
                changed.verification
            );
        }
        assert_eq!(
            sim.open_sessions(),
            0,
            "{vendor}: the verification session is closed"
        );
        assert_eq!(client(&sim).base_url(), sim.base_url(), "{vendor}");
        sim.assert_no_violations();
    }
}

#[tokio::test]
async fn no_verification_when_asked_for_none_or_when_the_change_was_refused() {
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let user = demo_user(vendor);
        let changed = client(&sim)
            .change_password(&change(vendor).verify(false))
            .await
            .unwrap();
        assert_eq!(changed.verification, Verification::Skipped, "{vendor}");
        // A refusal (the current password is now wrong) proves nothing was applied: no login.
        let error = client(&sim)
            .change_password(&change(vendor))
            .await
            .unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::CurrentPasswordInvalid,
            "{vendor}: {error}"
        );
        assert_eq!(error.outcome(), Outcome::NotApplied);
        assert_eq!(sim.logins(&user.id), 0, "{vendor}: no login was tried");
    }
}

/// The vendor bug where a change answers 200 and the login then fails (issue #10).
#[tokio::test]
async fn a_success_without_effect_is_caught_by_the_login() {
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let user = demo_user(vendor);
        sim.inject(Fault::NoEffect);
        let result = client(&sim).change_password(&change(vendor)).await;
        assert_eq!(
            sim.password(&user.id),
            Some(user.password.clone()),
            "{vendor}"
        );
        if verifiable(vendor) {
            let error = result.unwrap_err();
            assert_eq!(
                error.kind(),
                ErrorKind::VerificationFailed,
                "{vendor}: {error}"
            );
            assert_eq!(error.outcome(), Outcome::NotApplied);
            assert!(
                error.to_string().contains("confirmed the change, but"),
                "{vendor}: {error}"
            );
            canary::assert_absent_from_error("error", &error);
        } else {
            // Without a login, a confirmed change cannot be checked: it says so.
            let changed = result.unwrap();
            assert!(matches!(
                changed.verification,
                Verification::NotVerifiable { .. }
            ));
        }
    }
}

#[tokio::test]
async fn an_answer_lost_after_the_change_applied_is_settled_by_the_login() {
    for fault in [Fault::GatewayTimeoutAfterApply, Fault::DropConnection] {
        for vendor in Vendor::ALL {
            let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
            let user = demo_user(vendor);
            sim.inject(fault.clone());
            let result = client(&sim).change_password(&change(vendor)).await;
            assert_eq!(sim.password(&user.id).as_deref(), Some(NEW), "{vendor}");
            if verifiable(vendor) {
                let changed = result.unwrap();
                assert_eq!(changed.verification, Verification::Verified, "{vendor}");
                // (A 204 has no body to lose: a dropped connection after it is still a success.)
                if fault == Fault::GatewayTimeoutAfterApply {
                    assert!(changed.details.is_none(), "{vendor}: the answer was lost");
                }
            } else {
                let error = result.unwrap_err();
                assert_eq!(
                    error.kind(),
                    ErrorKind::OutcomeUnknown,
                    "{vendor} {fault:?}"
                );
                assert_eq!(error.outcome(), Outcome::Unknown);
            }
        }
    }
}

#[tokio::test]
async fn an_unknown_outcome_is_settled_as_not_applied_by_a_refused_login() {
    for vendor in Vendor::ALL.into_iter().filter(|v| verifiable(*v)) {
        // The gateway gives up before the vendor sees the change: 504, nothing applied.
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let user = demo_user(vendor);
        sim.inject(Fault::GatewayTimeout);
        let error = client(&sim)
            .change_password(&change(vendor))
            .await
            .unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::VerificationFailed,
            "{vendor}: {error}"
        );
        assert_eq!(error.outcome(), Outcome::NotApplied);
        assert_eq!(
            error.status(),
            Some(504),
            "the change's answer stays on record"
        );
        let shown = error.to_string();
        assert!(
            shown.contains("(outcome unknown)") && shown.contains("not applied"),
            "{vendor}: {shown}"
        );
        assert_eq!(
            sim.password(&user.id),
            Some(user.password.clone()),
            "{vendor}"
        );
        assert_eq!(sim.logins(&user.id), 1);
    }
}

#[tokio::test]
async fn a_login_that_proves_nothing_leaves_the_outcome_as_it_was() {
    for vendor in Vendor::ALL.into_iter().filter(|v| verifiable(*v)) {
        // The change applies behind a 504; the login meets a 503: still unknown.
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        sim.inject(Fault::GatewayTimeoutAfterApply);
        sim.inject(Fault::Unavailable);
        let error = client(&sim)
            .change_password(&change(vendor))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{vendor}: {error}");

        // The change is confirmed; the login meets a 503: a 200 alone is no proof where a login
        // could give one, so the outcome is unknown.
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        sim.inject(Fault::Latency(std::time::Duration::ZERO));
        sim.inject(Fault::Unavailable);
        let error = client(&sim)
            .change_password(&change(vendor))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{vendor}: {error}");
        assert!(error.to_string().contains("proved nothing"), "{error}");
    }
}

#[tokio::test]
async fn verify_password_answers_from_one_login() {
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let user = demo_user(vendor);
        let client = client(&sim);
        let login = user.login.as_deref();
        let right = client
            .verify_password(&user.id, login, &Password::new(user.password.clone()))
            .await;
        let wrong = client
            .verify_password(&user.id, login, &Password::new(canary::NEW_PASSWORD))
            .await;
        if verifiable(vendor) {
            right.unwrap();
            let error = wrong.unwrap_err();
            assert_eq!(
                error.kind(),
                ErrorKind::VerificationFailed,
                "{vendor}: {error}"
            );
            canary::assert_absent_from_error("error", &error);
            assert_eq!(sim.logins(&user.id), 2);
        } else {
            assert_eq!(right.unwrap_err().kind(), ErrorKind::Unsupported);
            assert_eq!(wrong.unwrap_err().kind(), ErrorKind::Unsupported);
        }
    }
}
