//! The contract suite against each simulator directly.

use pwchange_contract_tests::{run_all, run_server_stopped};
use pwchange_sim::{Simulator, Vendor};

async fn suite(vendor: Vendor) {
    let sim = Simulator::start(vendor).await.expect("simulator starts");
    let mut failures = run_all(&sim, sim.base_url()).await;
    failures.extend(run_server_stopped(vendor).await.err());
    assert!(
        failures.is_empty(),
        "{} failing step(s):\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

#[tokio::test]
async fn bienport() {
    suite(Vendor::Bienport).await;
}

#[tokio::test]
async fn uipath() {
    suite(Vendor::Uipath).await;
}

#[tokio::test]
async fn zitadel() {
    suite(Vendor::Zitadel).await;
}

#[tokio::test]
async fn vcd() {
    suite(Vendor::Vcd).await;
}
