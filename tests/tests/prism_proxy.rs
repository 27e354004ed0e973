//! The contract suite through Stoplight Prism in proxy mode (`prism proxy <spec> <sim> --errors`),
//! which rejects any request or response that breaks the spec. `.ci/run` starts Prism and sets,
//! per vendor, `PWCHANGE_PRISM_PROXY_<VENDOR>` (Prism's URL) and `PWCHANGE_SIM_PORT_<VENDOR>`
//! (where Prism forwards to, and where this test starts the simulator).

#![allow(clippy::unwrap_used)] // test code

use std::net::SocketAddr;

use pwchange_contract_tests::run_all;
use pwchange_sim::{Simulator, Vendor};

async fn through_prism(vendor: Vendor) {
    let upper = vendor.name().to_ascii_uppercase();
    let proxy = std::env::var(format!("PWCHANGE_PRISM_PROXY_{upper}")).unwrap_or_else(|_| {
        panic!("PWCHANGE_PRISM_PROXY_{upper} is not set: run this through .ci/run")
    });
    let port: u16 = std::env::var(format!("PWCHANGE_SIM_PORT_{upper}"))
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| {
            panic!("PWCHANGE_SIM_PORT_{upper} is not set to a port: run this through .ci/run")
        });
    let sim = Simulator::start_on(vendor, SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .expect("simulator starts");
    let failures = run_all(&sim, &proxy).await;
    assert!(
        failures.is_empty(),
        "{} failing step(s) through Prism:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[tokio::test]
#[ignore = "needs Prism in proxy mode; run by .ci/run"]
async fn bienport() {
    through_prism(Vendor::Bienport).await;
}

#[tokio::test]
#[ignore = "needs Prism in proxy mode; run by .ci/run"]
async fn uipath() {
    through_prism(Vendor::Uipath).await;
}

#[tokio::test]
#[ignore = "needs Prism in proxy mode; run by .ci/run"]
async fn zitadel() {
    through_prism(Vendor::Zitadel).await;
}

#[tokio::test]
#[ignore = "needs Prism in proxy mode; run by .ci/run"]
async fn vcd() {
    through_prism(Vendor::Vcd).await;
}

/// A deliberately broken response (the simulator's `Fault::BreakContract`) is caught twice: by
/// the simulator's own contract check and by Prism, which refuses to pass it on. `.ci/run` gives
/// this test its own Prism (`PWCHANGE_PRISM_PROXY_BROKEN`, forwarding to
/// `PWCHANGE_SIM_PORT_BROKEN`) and then checks that Prism logged the violation.
#[tokio::test]
#[ignore = "needs Prism in proxy mode; run by .ci/run"]
async fn a_broken_response_is_caught_by_prism_and_the_simulator() {
    use pwchange_contract_tests::{GOOD_NEW_PASSWORD, client};
    use pwchange_sim::{Fault, demo_user};
    let proxy = std::env::var("PWCHANGE_PRISM_PROXY_BROKEN")
        .expect("PWCHANGE_PRISM_PROXY_BROKEN: run through .ci/run");
    let port: u16 = std::env::var("PWCHANGE_SIM_PORT_BROKEN")
        .ok()
        .and_then(|p| p.parse().ok())
        .expect("PWCHANGE_SIM_PORT_BROKEN");
    let sim = Simulator::start_on(Vendor::Zitadel, SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .expect("simulator starts");
    let user = demo_user(Vendor::Zitadel);
    sim.add_user(user.clone());
    sim.inject(Fault::BreakContract);
    let change = pwchange::PasswordChange::self_service(user.id, user.password, GOOD_NEW_PASSWORD);
    let outcome = client(Vendor::Zitadel, &proxy, sim.token(), None)
        .unwrap()
        .change_password(&change)
        .await;
    let error = outcome.expect_err("Prism must not pass a broken response on as a success");
    assert_ne!(error.status(), Some(200), "{error}");
    let violations = sim.take_violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(
        violations[0].operation,
        "POST /v2/users/{userId}/password response 200"
    );
}
