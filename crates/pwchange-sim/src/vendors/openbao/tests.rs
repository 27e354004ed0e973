//! OpenBao's own rules in the simulator that the differential suite
//! (`tests/tests/it/openbao.rs`) does not reach: one user's token and another user's password,
//! a change without effect, a login that breaks the spec.

#![allow(clippy::unwrap_used)] // test code

use serde_json::{Value, json};

use super::super::test_client as http;
use crate::{Fault, SimUser, Simulator, Vendor};

async fn sim() -> Simulator {
    let sim = Simulator::start(Vendor::Openbao).await.unwrap();
    sim.add_user(SimUser::new("alice", "Alice-Passw0rd"));
    sim.add_user(SimUser::new("bob", "Bob-Passw0rd"));
    sim
}

async fn post(sim: &Simulator, token: Option<&str>, path: &str, body: Value) -> (u16, Value) {
    let mut request = http()
        .post(format!("{}/v1/{path}", sim.base_url()))
        .json(&body);
    if let Some(token) = token {
        request = request.header("x-vault-token", token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn token_of(sim: &Simulator, user: &str, password: &str) -> String {
    let (status, body) = post(
        sim,
        None,
        &format!("auth/userpass/login/{user}"),
        json!({ "password": password }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["auth"]["client_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_users_token_sets_its_own_password_only() {
    let sim = sim().await;
    let bob = token_of(&sim, "bob", "Bob-Passw0rd").await;
    let (status, body) = post(
        &sim,
        Some(&bob),
        "auth/userpass/users/alice/password",
        json!({"password": "Hijack-1"}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(sim.password("alice").as_deref(), Some("Alice-Passw0rd"));
    let (status, _) = post(
        &sim,
        Some(&bob),
        "auth/userpass/users/bob/password",
        json!({"password": "Bob-New-1"}),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(sim.password("bob").as_deref(), Some("Bob-New-1"));
    assert_eq!(sim.open_sessions(), 1, "bob's login is open until revoked");
    sim.assert_no_violations();
}

#[tokio::test]
async fn a_change_without_effect_answers_204_and_keeps_the_password() {
    let sim = sim().await;
    sim.inject(Fault::NoEffect);
    let (status, _) = post(
        &sim,
        Some(sim.token()),
        "auth/userpass/users/alice/password",
        json!({"password": "Alice-New-1"}),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(sim.password("alice").as_deref(), Some("Alice-Passw0rd"));
}

/// The spec asks for a password (`minLength: 1`): an empty one breaks it, and the simulator
/// answers as it answers every request that does, with the vendor's `400` (the real server
/// answers `500` "missing password", which the spec records).
#[tokio::test]
async fn a_login_with_an_empty_password_breaks_the_spec() {
    let sim = sim().await;
    let (status, body) = post(
        &sim,
        None,
        "auth/userpass/login/alice",
        json!({"password": ""}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"].is_array(), "{body}");
    assert_eq!(sim.logins("alice"), 0, "never reached the login");
}
