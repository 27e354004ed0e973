//! Cloud Director's own rules in the simulator.

#![allow(clippy::unwrap_used)] // test code

use serde_json::json;

use crate::{Simulator, Vendor, demo_user};

#[tokio::test]
async fn cloud_director_requires_a_versioned_accept_header() {
    let sim = Simulator::start_with_demo_users(Vendor::Vcd).await.unwrap();
    let user = demo_user(Vendor::Vcd);
    let url = format!(
        "{}/cloudapi/1.0.0/users/{}/changePassword",
        sim.base_url(),
        user.id
    );
    let body = json!({"currentPassword": user.password, "newPassword": "N3w-Passw0rd!x"});
    let http = super::super::test_client();
    for accept in ["application/json", "application/json;version=36.2"] {
        let refused = http
            .post(&url)
            .bearer_auth(sim.token())
            .header("accept", accept)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 406, "{accept}");
    }
    let ok = http
        .post(&url)
        .bearer_auth(sim.token())
        .header("accept", "application/json;version=36.3")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 204);
    sim.assert_no_violations();
}
