//! The contract suite against each simulator directly, for every vendor of the registry.

use pwchange_contract_tests::{run_all, run_server_stopped};
use pwchange_sim::{Simulator, Vendor};

#[tokio::test]
async fn every_vendor_passes_every_step() {
    let mut failures = Vec::new();
    for vendor in Vendor::ALL {
        let sim = Simulator::start(vendor).await.expect("simulator starts");
        failures.extend(run_all(&sim, sim.base_url()).await);
        failures.extend(run_server_stopped(vendor).await.err());
    }
    assert!(
        failures.is_empty(),
        "{} failing step(s):\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}
