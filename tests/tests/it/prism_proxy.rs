//! The contract suite through Stoplight Prism in proxy mode (`prism proxy <spec> <sim> --errors`),
//! which rejects any request or response that breaks the spec. `.ci/contract-prism.sh` starts
//! Prism and sets, per vendor, `PWCHANGE_PRISM_PROXY_<VENDOR>` (Prism's URL) and
//! `PWCHANGE_SIM_PORT_<VENDOR>` (where Prism forwards to, and where this test starts the
//! simulator).

use std::net::SocketAddr;

use pwchange_contract_tests::run_all;
use pwchange_sim::{Simulator, Vendor};

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run this through .ci/run"))
}

/// Prism's URL, and a simulator on the port Prism forwards to.
async fn behind_prism(suffix: &str, vendor: Vendor) -> (String, Simulator) {
    let proxy = var(&format!("PWCHANGE_PRISM_PROXY_{suffix}"));
    let port: u16 = var(&format!("PWCHANGE_SIM_PORT_{suffix}"))
        .parse()
        .expect("PWCHANGE_SIM_PORT_* is a port");
    let sim = Simulator::start_on(vendor, SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .expect("simulator starts");
    (proxy, sim)
}

#[tokio::test]
#[ignore = "needs Prism in proxy mode; run by .ci/run"]
async fn prism_proxy_every_vendor_passes_every_step() {
    let mut failures = Vec::new();
    for vendor in Vendor::ALL {
        let (proxy, sim) = behind_prism(&vendor.name().to_ascii_uppercase(), vendor).await;
        failures.extend(run_all(&sim, &proxy).await);
    }
    assert!(
        failures.is_empty(),
        "{} failing step(s) through Prism:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// A deliberately broken response (the simulator's `Fault::BreakContract`) is caught twice: by
/// the simulator's own contract check and by Prism, which refuses to pass it on. The script gives
/// this test its own Prism for `PWCHANGE_PRISM_BROKEN_VENDOR` (`PWCHANGE_PRISM_PROXY_BROKEN`,
/// forwarding to `PWCHANGE_SIM_PORT_BROKEN`) and then checks that Prism logged the violation.
#[tokio::test]
#[ignore = "needs Prism in proxy mode; run by .ci/run"]
async fn prism_proxy_catches_a_broken_response_as_the_simulator_does() {
    use pwchange_contract_tests::{GOOD_NEW_PASSWORD, client};
    use pwchange_sim::{Fault, demo_user};
    let vendor: Vendor = var("PWCHANGE_PRISM_BROKEN_VENDOR").parse().unwrap();
    let (proxy, sim) = behind_prism("BROKEN", vendor).await;
    let user = demo_user(vendor);
    sim.add_user(user.clone());
    sim.inject(Fault::BreakContract);
    // A vendor without a self-service change gets an administrative set; no verification
    // login (it would prove the change whose answer Prism held back).
    let change = if pwchange_sim::offers_self_service(vendor) {
        pwchange::PasswordChange::self_service(user.id, user.password, GOOD_NEW_PASSWORD)
    } else {
        pwchange::PasswordChange::admin_set(user.id, GOOD_NEW_PASSWORD)
    }
    .verify(false);
    let outcome = client(vendor, &proxy, sim.token(), &[])
        .unwrap()
        .change_password(&change)
        .await;
    let error = outcome.expect_err("Prism must not pass a broken response on as a success");
    assert_ne!(error.status(), Some(200), "{error}");
    let violations = sim.take_violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(
        violations[0].operation.ends_with("response 200"),
        "{violations:?}"
    );
}
