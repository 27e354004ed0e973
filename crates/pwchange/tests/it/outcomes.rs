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

/// The demo user's self-service change to [`NEW`] (an administrative set where the vendor has
/// no self-service change), with the login name where it has one.
fn change(vendor: Vendor) -> PasswordChange {
    let user = demo_user(vendor);
    let change = if pwchange_sim::offers_self_service(vendor) {
        PasswordChange::self_service(user.id, user.password, NEW)
    } else {
        PasswordChange::admin_set(user.id, NEW)
    };
    match user.login {
        Some(login) => change.login_name(login),
        None => change,
    }
}

/// The logins with the current password a self-service change of `vendor` makes before the
/// change (its proof, where the vendor takes a login's token as one).
fn proof_logins(vendor: Vendor) -> u32 {
    pwchange_sim::logins_before_a_self_service_change(vendor) as u32
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
            assert_eq!(
                sim.logins(&user.id),
                1 + proof_logins(vendor),
                "{vendor}: one verification login (after the proof's)"
            );
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
        // A refusal (the current password is now wrong; without a self-service change, an
        // unknown user) proves nothing was applied: no login.
        let (refused, expected) = if pwchange_sim::offers_self_service(vendor) {
            (change(vendor), ErrorKind::CurrentPasswordInvalid)
        } else {
            (
                PasswordChange::admin_set(pwchange_sim::unknown_user_id(vendor), NEW),
                ErrorKind::UserNotFound,
            )
        };
        let error = client(&sim).change_password(&refused).await.unwrap_err();
        assert_eq!(error.kind(), expected, "{vendor}: {error}");
        assert_eq!(error.outcome(), Outcome::NotApplied);
        // Only the proofs (a login with the current password, where that is the proof).
        assert_eq!(
            sim.logins(&user.id),
            2 * proof_logins(vendor),
            "{vendor}: no verification login was tried"
        );
    }
}

/// The vendor bug where a change answers 200 and the login then fails (issue #10).
#[tokio::test]
async fn a_success_without_effect_is_caught_by_the_login() {
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let user = demo_user(vendor);
        sim.inject_at_self_service_change(Fault::NoEffect);
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
            // A refused login is weak evidence (a locked account refuses any password).
            assert_eq!(error.outcome(), Outcome::Unknown);
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
            sim.inject_at_self_service_change(fault.clone());
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
async fn a_refused_login_after_an_unknown_outcome_leaves_it_unknown() {
    for vendor in Vendor::ALL.into_iter().filter(|v| verifiable(*v)) {
        // The gateway gives up before the vendor sees the change: 504, nothing applied.
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let user = demo_user(vendor);
        sim.inject_at_self_service_change(Fault::GatewayTimeout);
        let error = client(&sim)
            .change_password(&change(vendor))
            .await
            .unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::VerificationFailed,
            "{vendor}: {error}"
        );
        // The refusal follows an answer that proved nothing: it proves nothing by itself.
        assert_eq!(error.outcome(), Outcome::Unknown);
        assert_eq!(
            error.status(),
            Some(504),
            "the change's answer stays on record"
        );
        let shown = error.to_string();
        assert!(
            shown.contains("(outcome unknown)") && shown.contains("stays unknown"),
            "{vendor}: {shown}"
        );
        assert_eq!(
            sim.password(&user.id),
            Some(user.password.clone()),
            "{vendor}"
        );
        assert_eq!(sim.logins(&user.id), 1 + proof_logins(vendor));
    }
}

#[tokio::test]
async fn a_login_that_proves_nothing_leaves_the_outcome_as_it_was() {
    for vendor in Vendor::ALL.into_iter().filter(|v| verifiable(*v)) {
        // The change applies behind a 504; the login meets a 503: still unknown.
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        sim.inject_at_self_service_change(Fault::GatewayTimeoutAfterApply);
        sim.inject(Fault::Unavailable);
        let error = client(&sim)
            .change_password(&change(vendor))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{vendor}: {error}");

        // The change is confirmed; the login meets a 503: a 200 alone is no proof where a login
        // could give one, so the outcome is unknown.
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        sim.inject_at_self_service_change(Fault::Latency(std::time::Duration::ZERO));
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

/// The changes each vendor offers on its simulator's demo user: self-service, and the
/// administrative set where the vendor has one.
fn changes(vendor: Vendor) -> Vec<(&'static str, PasswordChange)> {
    let mut changes = vec![("self-service", change(vendor))];
    let modes = pwchange::capabilities(vendor).unwrap().modes;
    if modes.contains(&pwchange::ModeKind::AdminSet) {
        changes.push((
            "administrative set",
            PasswordChange::admin_set(demo_user(vendor).id, NEW),
        ));
    }
    changes
}

/// Issue #27: a proxy's own page (HTML) with a 502, 503, 504 or 408 after the vendor applied the
/// change proves nothing: the login settles it where the vendor has one, and the outcome is
/// unknown where it has none; never "not applied".
#[tokio::test]
async fn a_proxys_page_after_the_change_applied_is_settled_by_the_login() {
    for vendor in Vendor::ALL {
        for (mode, change) in changes(vendor) {
            // Whether this change is verified when nothing goes wrong: then it must be under the
            // proxy's page too.
            let clean = Simulator::start_with_demo_users(vendor).await.unwrap();
            let verifies = client(&clean)
                .change_password(&change)
                .await
                .is_ok_and(|changed| changed.verification == Verification::Verified);
            for status in [503, 502, 504, 408] {
                let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
                let user = demo_user(vendor);
                sim.proxy_page_at_change(status, true);
                let result = client(&sim).change_password(&change).await;
                let what = format!("{vendor} {mode} {status}");
                assert!(!sim.proxy_page_pending(), "{what}: the page was sent");
                assert_eq!(sim.password(&user.id).as_deref(), Some(NEW), "{what}");
                if verifies {
                    let changed = result.unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(changed.verification, Verification::Verified, "{what}");
                    let proof = if mode == "self-service" {
                        proof_logins(vendor)
                    } else {
                        0
                    };
                    assert_eq!(sim.logins(&user.id), 1 + proof, "{what}");
                } else {
                    let error = result.unwrap_err();
                    assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{what}: {error}");
                    assert_eq!(error.status(), Some(status), "{what}");
                }
            }
        }
    }
}

/// Issue #27: the same page when the proxy refused before forwarding: the login is refused, and
/// a refusal after an answer that proved nothing proves nothing by itself (unknown, the new
/// password kept); where no login is possible the outcome is unknown too.
#[tokio::test]
async fn a_proxys_page_before_the_change_leaves_the_outcome_unknown() {
    for vendor in Vendor::ALL {
        for (mode, change) in changes(vendor) {
            let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
            let user = demo_user(vendor);
            sim.proxy_page_at_change(503, false);
            let error = client(&sim).change_password(&change).await.unwrap_err();
            let what = format!("{vendor} {mode}");
            assert!(!sim.proxy_page_pending(), "{what}: the page was sent");
            assert_eq!(
                sim.password(&user.id),
                Some(user.password.clone()),
                "{what}"
            );
            assert_eq!(error.outcome(), Outcome::Unknown, "{what}: {error}");
            assert!(
                matches!(
                    error.kind(),
                    ErrorKind::VerificationFailed | ErrorKind::OutcomeUnknown
                ),
                "{what}: {error}"
            );
            assert_eq!(error.status(), Some(503), "{what}: {error}");
            canary::assert_absent_from_error("error", &error);
        }
    }
}

/// Issue #27: a verification login that is rate limited after an unknown outcome hands its
/// status and wait to the caller (the pacer of a rotation), and the outcome stays unknown.
#[tokio::test]
async fn a_rate_limited_login_after_an_unknown_outcome_passes_on_its_wait() {
    for vendor in Vendor::ALL.into_iter().filter(|v| verifiable(*v)) {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        sim.inject_at_self_service_change(Fault::ProxyPageAfterApply(504));
        sim.inject(Fault::RateLimited {
            retry_after_secs: 7,
        });
        let error = client(&sim)
            .change_password(&change(vendor))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{vendor}: {error}");
        assert_eq!(error.status(), Some(429), "{vendor}: {error}");
        assert!(
            error.to_string().contains("rate limited"),
            "{vendor}: {error}"
        );
    }
}

/// Issue #27: where the vendor has a password login, a change the caller names no login name
/// for is still verified: the name comes from the vendor (its answer, or the user's record).
#[tokio::test]
async fn a_change_without_a_login_name_is_verified_where_the_vendor_can_name_the_user() {
    for vendor in Vendor::ALL.into_iter().filter(|v| verifiable(*v)) {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let user = demo_user(vendor);
        let change = if pwchange_sim::offers_self_service(vendor) {
            PasswordChange::self_service(user.id.clone(), user.password.clone(), NEW)
        } else {
            PasswordChange::admin_set(user.id.clone(), NEW)
        };
        let changed = client(&sim)
            .change_password(&change)
            .await
            .unwrap_or_else(|e| panic!("{vendor}: {e}"));
        assert_eq!(changed.verification, Verification::Verified, "{vendor}");
        assert_eq!(sim.logins(&user.id), 1 + proof_logins(vendor), "{vendor}");
        assert_eq!(sim.open_sessions(), 0, "{vendor}");
    }
}

/// Issue #27: a verification login made with the configured token and refused for it (a `403`):
/// the error keeps that kind, so a caller sees the token lacks a right, and its outcome is
/// unknown (the vendor confirmed the change; nothing verified it).
#[tokio::test]
async fn a_verification_login_refused_for_the_token_keeps_its_kind_with_an_unknown_outcome() {
    for vendor in Vendor::ALL {
        let capabilities = pwchange::capabilities(vendor).unwrap();
        if !capabilities.verification_uses_credentials {
            continue;
        }
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        sim.inject(Fault::Latency(std::time::Duration::ZERO));
        sim.inject(Fault::Refuse(403));
        let error = client(&sim)
            .change_password(&change(vendor))
            .await
            .unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::PermissionDenied,
            "{vendor}: {error}"
        );
        assert_eq!(error.outcome(), Outcome::Unknown, "{vendor}: {error}");
        assert!(error.may_have_applied());
        assert!(
            error.to_string().contains("refused for the credentials"),
            "{error}"
        );
        assert_eq!(sim.password(&demo_user(vendor).id).as_deref(), Some(NEW));
    }
}
