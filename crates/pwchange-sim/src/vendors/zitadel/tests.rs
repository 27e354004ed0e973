//! The simulator's shared layer seen through ZITADEL's routes: faults, and the contract checks
//! catching a broken response and a broken request.

#![allow(clippy::unwrap_used)] // test code

use std::time::{Duration, Instant};

use serde_json::json;

use crate::{Fault, Simulator, Vendor, demo_user};

async fn zitadel() -> (Simulator, reqwest::Client, String) {
    let sim = Simulator::start_with_demo_users(Vendor::Zitadel)
        .await
        .unwrap();
    let url = format!(
        "{}/v2/users/{}/password",
        sim.base_url(),
        demo_user(Vendor::Zitadel).id
    );
    (sim, super::super::test_client(), url)
}

fn change_body() -> serde_json::Value {
    json!({"newPassword": {"password": "N3w-Passw0rd!x", "changeRequired": false}, "currentPassword": "Initial-Passw0rd!"})
}

#[tokio::test]
async fn a_deliberately_broken_response_is_caught_by_the_contract_check() {
    let (sim, http, url) = zitadel().await;
    sim.inject(Fault::BreakContract);
    let response = http
        .post(&url)
        .bearer_auth(sim.token())
        .json(&change_body())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let violations = sim.take_violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].spec, "specs/zitadel.yaml");
    assert_eq!(
        violations[0].operation,
        "POST /v2/users/{userId}/password response 200"
    );
    // The state changed (the fault breaks only the answer), and nothing else was flagged.
    assert_eq!(
        sim.password(&demo_user(Vendor::Zitadel).id).as_deref(),
        Some("N3w-Passw0rd!x")
    );
    sim.assert_no_violations();
}

#[tokio::test]
async fn a_request_that_breaks_the_spec_is_recorded_without_its_value() {
    let (sim, http, _) = zitadel().await;
    let url = format!(
        "{}/management/v1/users/{}/password",
        sim.base_url(),
        demo_user(Vendor::Zitadel).id
    );
    let too_long = "Aa1!".repeat(19); // 76 characters, v1 allows 72
    let response = http
        .post(&url)
        .bearer_auth(sim.token())
        .json(&json!({"password": too_long}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let violations = sim.take_violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    let shown = violations[0].to_string();
    assert!(shown.starts_with("specs/zitadel.yaml: POST /management/v1/users/{userId}/password request: at \"/password\""), "{shown}");
    assert!(!shown.contains(&too_long));
}

#[tokio::test]
async fn rate_limit_and_unavailable_faults_leave_state_alone() {
    let (sim, http, url) = zitadel().await;
    sim.inject(Fault::RateLimited {
        retry_after_secs: 9,
    });
    sim.inject(Fault::Unavailable);
    let limited = http
        .post(&url)
        .bearer_auth(sim.token())
        .json(&change_body())
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "9");
    let down = http
        .post(&url)
        .bearer_auth(sim.token())
        .json(&change_body())
        .send()
        .await
        .unwrap();
    assert_eq!(down.status(), 503);
    assert_eq!(
        sim.password(&demo_user(Vendor::Zitadel).id).as_deref(),
        Some("Initial-Passw0rd!")
    );
    assert_eq!(sim.requests(), 2);
    sim.assert_no_violations();
}

#[tokio::test]
async fn latency_delays_and_a_dropped_connection_breaks_the_body() {
    let (sim, http, url) = zitadel().await;
    sim.inject(Fault::Latency(Duration::from_millis(300)));
    let started = Instant::now();
    let ok = http
        .post(&url)
        .bearer_auth(sim.token())
        .json(&change_body())
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    sim.add_user(demo_user(Vendor::Zitadel));
    sim.inject(Fault::DropConnection);
    let dropped = http
        .post(&url)
        .bearer_auth(sim.token())
        .json(&change_body())
        .send()
        .await;
    let body = match dropped {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(body.is_err(), "the connection should break");
    // The change was applied before the connection dropped: the outcome is unknown to a client.
    assert_eq!(
        sim.password(&demo_user(Vendor::Zitadel).id).as_deref(),
        Some("N3w-Passw0rd!x")
    );
}

/// The Connect routes refuse a request without `Connect-Protocol-Version: 1` before anything
/// else, with a Connect error body; a faulted queue skips the harmless policy read.
#[tokio::test]
async fn connect_routes_need_the_protocol_header_and_reads_skip_faults() {
    let (sim, http, _) = zitadel().await;
    let user = demo_user(Vendor::Zitadel);
    let update = format!("{}/zitadel.user.v2.UserService/UpdateUser", sim.base_url());
    let body = json!({"userId": user.id, "human": {"password": {"password": {"password": "N3w-Passw0rd!x"}}}});
    for version in [None, Some("AAA"), Some("2")] {
        let mut request = http.post(&update).bearer_auth(sim.token()).json(&body);
        if let Some(version) = version {
            request = request.header("connect-protocol-version", version);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 400, "{version:?}");
        let error: serde_json::Value = response.json().await.unwrap();
        assert_eq!(error["code"], "invalid_argument", "{error}");
    }
    assert_eq!(sim.password(&user.id), Some(user.password.clone()));
    sim.take_violations();

    sim.inject(Fault::Unavailable);
    let policy = http
        .get(format!(
            "{}/v2/settings/password/complexity",
            sim.base_url()
        ))
        .bearer_auth(sim.token())
        .send()
        .await
        .unwrap();
    assert_eq!(policy.status(), 200, "the read skips the queued fault");
    let response = http
        .post(&update)
        .bearer_auth(sim.token())
        .header("connect-protocol-version", "1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503, "the change gets it");
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error["code"], "unavailable", "{error}");
    sim.assert_no_violations();
}
