//! Okta's own rules in the simulator: both token forms, the login rule of the default policy,
//! the expiry that authentication answers after checking the password, a suspended user, and
//! the `429`'s headers.

#![allow(clippy::unwrap_used)] // test code

use std::time::Duration;

use serde_json::{Value, json};

use super::super::{VendorTable, test_client as http};
use super::Okta;
use crate::{SimUser, Simulator, Vendor};

const ALICE: &str = "00ub0oNGTSWTBKOLGLNR";
const BOB: &str = "00u0000000000000b0b0";

async fn sim() -> Simulator {
    let sim = Simulator::start(Vendor::Okta).await.unwrap();
    sim.add_user(SimUser::new(ALICE, "Kept-Passw0rd1").login("alice.smith@example.com"));
    sim.add_user(
        SimUser::new(BOB, "Bob-Passw0rd1")
            .login("bob@example.com")
            .disabled(),
    );
    sim
}

async fn call(
    sim: &Simulator,
    authorization: Option<String>,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let mut request = http().post(format!("{}{path}", sim.base_url())).json(&body);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn set(password: &str) -> Value {
    json!({"credentials": {"password": {"value": password}}})
}

#[tokio::test]
async fn both_token_forms_set_a_password_and_other_tokens_do_not() {
    let sim = sim().await;
    let path = format!("/api/v1/users/{ALICE}");
    for (scheme, password) in [("SSWS", "Ssws-Passw0rd"), ("Bearer", "Bearer-Passw0rd")] {
        let (status, body) = call(
            &sim,
            Some(format!("{scheme} {}", sim.token())),
            &path,
            set(password),
        )
        .await;
        assert_eq!(status, 200, "{scheme}: {body}");
        assert_eq!(body["profile"]["login"], "alice.smith@example.com");
        assert_eq!(sim.password(ALICE).as_deref(), Some(password));
    }
    let (status, body) = call(
        &sim,
        Some("SSWS forged".into()),
        &path,
        set("Forged-Passw0rd"),
    )
    .await;
    assert_eq!((status, &body["errorCode"]), (401, &json!("E0000011")));
    // A one-time session token is no API token.
    let (_, authn) = call(
        &sim,
        None,
        "/api/v1/authn",
        json!({"username": "alice.smith@example.com", "password": "Bearer-Passw0rd"}),
    )
    .await;
    assert_eq!(authn["status"], "SUCCESS");
    let session = authn["sessionToken"].as_str().unwrap();
    let (status, _) = call(
        &sim,
        Some(format!("SSWS {session}")),
        &path,
        set("Session-Passw0rd"),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(sim.password(ALICE).as_deref(), Some("Bearer-Passw0rd"));
}

#[tokio::test]
async fn the_default_policy_refuses_parts_of_the_login_and_the_current_password() {
    let sim = sim().await;
    let auth = Some(format!("SSWS {}", sim.token()));
    let path = format!("/api/v1/users/{ALICE}/credentials/change_password");
    for (new, cause) in [
        ("Smith-Passw0rd", "Password requirements were not met"),
        ("Kept-Passw0rd1", "cannot be your current password"),
        ("no-upper-1234", "Password requirements were not met"),
    ] {
        let (status, body) = call(
            &sim,
            auth.clone(),
            &path,
            json!({"oldPassword": {"value": "Kept-Passw0rd1"}, "newPassword": {"value": new}}),
        )
        .await;
        assert_eq!(
            (status, &body["errorCode"]),
            (400, &json!("E0000001")),
            "{new}"
        );
        assert!(
            body["errorCauses"][0]["errorSummary"]
                .as_str()
                .unwrap()
                .contains(cause),
            "{new}: {body}"
        );
    }
    // "com", the domain's last part, and parts under four characters are not the login's.
    let (status, body) = call(
        &sim,
        auth.clone(),
        &path,
        json!({"oldPassword": {"value": "Kept-Passw0rd1"}, "newPassword": {"value": "Com-Passw0rd-X"}}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(
        &sim,
        auth,
        &path,
        json!({"oldPassword": {"value": "wrong"}, "newPassword": {"value": "Other-Passw0rd"}}),
    )
    .await;
    assert_eq!((status, &body["errorCode"]), (403, &json!("E0000014")));
    sim.assert_no_violations();
}

#[tokio::test]
async fn an_expired_password_is_answered_after_it_is_checked_and_a_suspended_user_is_refused() {
    let sim = sim().await;
    let auth = Some(format!("SSWS {}", sim.token()));
    let (status, body) = call(
        &sim,
        auth.clone(),
        &format!("/api/v1/users/{ALICE}/lifecycle/expire_password"),
        Value::Null,
    )
    .await;
    assert_eq!((status, &body["status"]), (200, &json!("PASSWORD_EXPIRED")));
    let login = |password: &'static str| json!({"username": "ALICE.SMITH@example.com", "password": password});
    let (status, body) = call(&sim, None, "/api/v1/authn", login("Kept-Passw0rd1")).await;
    assert_eq!((status, &body["status"]), (200, &json!("PASSWORD_EXPIRED")));
    assert!(body.get("sessionToken").is_none());
    let (status, body) = call(&sim, None, "/api/v1/authn", login("wrong")).await;
    assert_eq!((status, &body["errorCode"]), (401, &json!("E0000004")));
    // Setting a password makes the user active again.
    call(
        &sim,
        auth.clone(),
        &format!("/api/v1/users/{ALICE}"),
        set("Fresh-Passw0rd"),
    )
    .await;
    let (_, body) = call(&sim, None, "/api/v1/authn", login("Fresh-Passw0rd")).await;
    assert_eq!(body["status"], "SUCCESS");
    // Suspended: changes refused for its status, authentication fails as a wrong password.
    let (status, body) = call(
        &sim,
        auth,
        &format!("/api/v1/users/{BOB}"),
        set("Bob-Passw0rd2"),
    )
    .await;
    assert_eq!((status, &body["errorCode"]), (403, &json!("E0000038")));
    let (status, _) = call(
        &sim,
        None,
        "/api/v1/authn",
        json!({"username": "bob@example.com", "password": "Bob-Passw0rd1"}),
    )
    .await;
    assert_eq!(status, 401);
}

#[test]
fn a_429_says_when_the_window_resets_as_a_moment() {
    let answer = Okta.rate_limited(Duration::from_secs(5), "/api/v1/users/x");
    assert!(answer.headers().get("retry-after").is_none());
    let reset: u64 = answer.headers()["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!((4..=6).contains(&(reset - now)), "{reset} {now}");
    assert_eq!(answer.headers()["x-rate-limit-remaining"], "0");
    assert!(crate::rate_limit_says_when(Vendor::Okta));
}
