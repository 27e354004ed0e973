//! Google's own rules in the simulator: a user named by id or primary email address, the
//! password's rules (ASCII, 8 to 100 characters), a required change recorded and read back, a
//! user's token refused, and spent quotas answered as `403` and `429` by turns.

#![allow(clippy::unwrap_used)] // test code

use serde_json::{Value, json};

use super::super::test_client as http;
use crate::{RateLimit, SimUser, Simulator, Vendor};

const ALICE: &str = "114872901337154006843";

async fn sim() -> Simulator {
    let sim = Simulator::start(Vendor::Google).await.unwrap();
    sim.add_user(SimUser::new(ALICE, "Alice-Passw0rd").login("alice@example.com"));
    sim
}

async fn update(sim: &Simulator, token: &str, key: &str, body: Value) -> (u16, Value) {
    let response = http()
        .put(format!("{}/admin/directory/v1/users/{key}", sim.base_url()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(sim: &Simulator, key: &str) -> (u16, Value) {
    let response = http()
        .get(format!("{}/admin/directory/v1/users/{key}", sim.base_url()))
        .bearer_auth(sim.token())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn reason(body: &Value) -> &str {
    body["error"]["errors"][0]["reason"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_user_is_named_by_id_or_primary_email_and_a_required_change_is_read_back() {
    let sim = sim().await;
    let (status, user) = update(
        &sim,
        sim.token(),
        "Alice@Example.com",
        json!({"password": "New-Passw0rd-1", "changePasswordAtNextLogin": true}),
    )
    .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["id"], ALICE);
    assert_eq!(user["changePasswordAtNextLogin"], true);
    assert!(user.get("password").is_none(), "never a password");
    assert_eq!(sim.password(ALICE).as_deref(), Some("New-Passw0rd-1"));
    let (status, user) = get(&sim, ALICE).await;
    assert_eq!(
        (status, &user["changePasswordAtNextLogin"]),
        (200, &json!(true))
    );
    // Only the fields sent change: a password alone keeps the required change.
    let (status, user) = update(
        &sim,
        sim.token(),
        ALICE,
        json!({"password": "New-Passw0rd-2"}),
    )
    .await;
    assert_eq!(
        (status, &user["changePasswordAtNextLogin"]),
        (200, &json!(true))
    );
    let (status, user) = update(
        &sim,
        sim.token(),
        ALICE,
        json!({"password": "New-Passw0rd-3", "changePasswordAtNextLogin": false}),
    )
    .await;
    assert_eq!(
        (status, &user["changePasswordAtNextLogin"]),
        (200, &json!(false))
    );
}

#[tokio::test]
async fn the_password_is_8_to_100_ascii_characters() {
    let sim = sim().await;
    let (status, body) = update(
        &sim,
        sim.token(),
        ALICE,
        json!({"password": "Pässw0rd-2026!"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["message"], "Invalid Password");
    assert_eq!(reason(&body), "invalid");
    sim.assert_no_violations();
    // Lengths outside the spec's are refused by the contract check, in Google's body.
    for refused in ["Sh0rt!x".to_owned(), "x".repeat(101)] {
        let (status, body) = update(&sim, sim.token(), ALICE, json!({"password": refused})).await;
        assert_eq!((status, reason(&body)), (400, "invalid"), "{body}");
    }
    assert_eq!(sim.password(ALICE).as_deref(), Some("Alice-Passw0rd"));
    for accepted in ["x".repeat(8), "y".repeat(100)] {
        let (status, body) = update(&sim, sim.token(), ALICE, json!({"password": accepted})).await;
        assert_eq!(status, 200, "{body}");
    }
}

#[tokio::test]
async fn tokens_and_users_are_checked_before_the_password() {
    let sim = sim().await;
    let body = json!({"password": "New-Passw0rd-1"});
    let (status, answer) = update(&sim, "not-a-token", ALICE, body.clone()).await;
    assert_eq!((status, reason(&answer)), (401, "authError"));
    let users_token = sim.shared.issue_token_for(Some(ALICE.to_owned()));
    let (status, answer) = update(&sim, &users_token, ALICE, body.clone()).await;
    assert_eq!((status, reason(&answer)), (403, "forbidden"));
    let (status, answer) = update(&sim, sim.token(), "bob@example.com", body).await;
    assert_eq!((status, reason(&answer)), (404, "notFound"));
    assert_eq!(answer["error"]["message"], "Resource Not Found: userKey");
    assert_eq!(sim.password(ALICE).as_deref(), Some("Alice-Passw0rd"));
}

#[tokio::test]
async fn spent_quotas_answer_403_and_429_by_turns_without_retry_after() {
    let sim = sim().await;
    sim.set_rate_limit(Some(RateLimit::new(0.001).burst(1).spent()));
    let mut seen = Vec::new();
    for _ in 0..2 {
        let response = http()
            .get(format!(
                "{}/admin/directory/v1/users/{ALICE}",
                sim.base_url()
            ))
            .bearer_auth(sim.token())
            .send()
            .await
            .unwrap();
        assert!(response.headers().get("retry-after").is_none());
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], status);
        seen.push((status, reason(&body).to_owned()));
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            (403, "userRateLimitExceeded".to_owned()),
            (429, "rateLimitExceeded".to_owned())
        ]
    );
    assert_eq!(sim.rate_limited(), 2);
}
