//! The contract suite against each simulator directly.

use pwchange_contract_tests::run_all;
use pwchange_sim::Vendor;

async fn suite(vendor: Vendor) {
    let failures = run_all(vendor, str::to_owned).await;
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
