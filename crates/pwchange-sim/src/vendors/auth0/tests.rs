//! Auth0's own rules in the simulator: a database user's update in its connection, a social
//! user refused, the `good` level's three classes of four, the token endpoint's applications
//! and grants, brute-force protection (a block before the password, lifted by a new password),
//! and the connections read with either policy shape.

#![allow(clippy::unwrap_used)] // test code

use serde_json::{Value, json};

use super::super::test_client as http;
use super::{BRUTE_FORCE_THRESHOLD, CLIENT, CONNECTION, LOGIN_CLIENT, NO_PASSWORD_GRANT_CLIENT};
use crate::{SimPolicy, SimUser, Simulator, Vendor};

const ALICE: &str = "auth0|63d17c4ba030f2d4279f2c54";
const SOCIAL: &str = "google-oauth2|104965396198408263080";
const REALM: &str = "http://auth0.com/oauth/grant-type/password-realm";

async fn sim() -> Simulator {
    let sim = Simulator::start(Vendor::Auth0).await.unwrap();
    sim.add_user(SimUser::new(ALICE, "Alice-Passw0rd").login("alice@example.com"));
    sim.add_user(SimUser::new(SOCIAL, "unused-Passw0rd"));
    sim
}

async fn send(
    sim: &Simulator,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http().request(method, format!("{}{path}", sim.base_url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn update(sim: &Simulator, id: &str, password: &str) -> (u16, Value) {
    send(
        sim,
        reqwest::Method::PATCH,
        &format!("/api/v2/users/{}", id.replace('|', "%7C")),
        Some(sim.token()),
        Some(json!({"password": password, "connection": CONNECTION})),
    )
    .await
}

async fn login(sim: &Simulator, client: &str, password: &str) -> (u16, Value) {
    send(
        sim,
        reqwest::Method::POST,
        "/oauth/token",
        None,
        Some(json!({"grant_type": REALM, "client_id": client, "username": "Alice@Example.com", "password": password, "realm": CONNECTION})),
    )
    .await
}

#[tokio::test]
async fn a_database_user_is_updated_in_its_connection_and_a_social_user_is_refused() {
    let sim = sim().await;
    let (status, user) = update(&sim, ALICE, "New-Passw0rd-1").await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["identities"][0]["connection"], CONNECTION);
    assert_eq!(sim.password(ALICE).as_deref(), Some("New-Passw0rd-1"));
    let (status, body) = update(&sim, SOCIAL, "New-Passw0rd-1").await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "Connection is not supported for this operation."
    );
    let (status, user) = send(
        &sim,
        reqwest::Method::GET,
        "/api/v2/users/google-oauth2%7C104965396198408263080",
        Some(sim.token()),
        None,
    )
    .await;
    assert_eq!(
        (status, &user["identities"][0]["provider"]),
        (200, &json!("google-oauth2"))
    );
    let (status, body) = send(
        &sim,
        reqwest::Method::PATCH,
        "/api/v2/users/auth0%7C63d17c4ba030f2d4279f2c54",
        Some(sim.token()),
        Some(json!({"password": "New-Passw0rd-2", "connection": "employees"})),
    )
    .await;
    assert_eq!(
        (status, &body["message"]),
        (400, &json!("Connection does not exist."))
    );
    let (status, body) = update(&sim, "auth0|000000000000000000000000", "New-Passw0rd-1").await;
    assert_eq!(
        (status, &body["errorCode"]),
        (404, &json!("inexistent_user"))
    );
}

#[tokio::test]
async fn the_good_level_wants_three_classes_of_four() {
    let sim = sim().await;
    for weak in ["alllowercase1", "NoDigitsHere", "12345678ab"] {
        let (status, body) = update(&sim, ALICE, weak).await;
        assert_eq!(status, 400, "{weak}");
        assert_eq!(
            body["message"],
            "PasswordStrengthError: Password is too weak"
        );
    }
    for strong in ["lower-and-1", "UPPER-and-lower", "Upper1lower"] {
        let (status, body) = update(&sim, ALICE, strong).await;
        assert_eq!(status, 200, "{strong}: {body}");
    }
    // A set policy replaces the level: served and enforced as the Flexible Password Policy.
    sim.set_password_policy(Some(SimPolicy {
        min_length: 10,
        lowercase: true,
        uppercase: false,
        digit: true,
        symbol: false,
    }));
    let (status, _) = update(&sim, ALICE, "onlylowercase").await;
    assert_eq!(status, 400);
    let (status, _) = update(&sim, ALICE, "lowercase-1").await;
    assert_eq!(status, 200);
    let (_, connections) = send(
        &sim,
        reqwest::Method::GET,
        "/api/v2/connections?strategy=auth0",
        Some(sim.token()),
        None,
    )
    .await;
    let complexity = &connections[0]["options"]["password_options"]["complexity"];
    assert_eq!(complexity["min_length"], 10);
    assert_eq!(
        complexity["character_types"],
        json!(["lowercase", "number"])
    );
    assert!(connections[0]["options"].get("passwordPolicy").is_none());
    sim.set_password_policy(None);
    let (_, connections) = send(
        &sim,
        reqwest::Method::GET,
        &format!("/api/v2/connections?strategy=auth0&name={CONNECTION}"),
        Some(sim.token()),
        None,
    )
    .await;
    assert_eq!(connections[0]["options"]["passwordPolicy"], "good");
    let (_, none) = send(
        &sim,
        reqwest::Method::GET,
        "/api/v2/connections?strategy=auth0&name=employees",
        Some(sim.token()),
        None,
    )
    .await;
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn the_token_endpoint_checks_the_application_then_the_grant() {
    let sim = sim().await;
    let credentials = |secret: &str, audience: &str| json!({"grant_type": "client_credentials", "client_id": CLIENT.0, "client_secret": secret, "audience": audience});
    let (status, tokens) = send(
        &sim,
        reqwest::Method::POST,
        "/oauth/token",
        None,
        Some(credentials(CLIENT.1, "https://x/api/v2/")),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    let token = tokens["access_token"].as_str().unwrap();
    let (status, _) = send(
        &sim,
        reqwest::Method::GET,
        "/api/v2/users/auth0%7C63d17c4ba030f2d4279f2c54",
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 200, "the application's token manages users");
    let (status, body) = send(
        &sim,
        reqwest::Method::POST,
        "/oauth/token",
        None,
        Some(credentials("wrong", "https://x/api/v2/")),
    )
    .await;
    assert_eq!((status, &body["error"]), (401, &json!("access_denied")));
    let (status, body) = send(
        &sim,
        reqwest::Method::POST,
        "/oauth/token",
        None,
        Some(credentials(CLIENT.1, "https://x/other")),
    )
    .await;
    assert_eq!((status, &body["error"]), (403, &json!("access_denied")));
    let (status, body) = login(&sim, NO_PASSWORD_GRANT_CLIENT, "Alice-Passw0rd").await;
    assert_eq!(
        (status, &body["error"]),
        (403, &json!("unauthorized_client"))
    );
    let (status, body) = login(&sim, LOGIN_CLIENT, "Alice-Passw0rd").await;
    assert_eq!(status, 200, "{body}");
    // A user's own token may not manage users.
    let user_token = body["access_token"].as_str().unwrap();
    let (status, body) = send(
        &sim,
        reqwest::Method::GET,
        "/api/v2/users/auth0%7C63d17c4ba030f2d4279f2c54",
        Some(user_token),
        None,
    )
    .await;
    assert_eq!(
        (status, &body["errorCode"]),
        (403, &json!("insufficient_scope"))
    );
    assert_eq!(
        sim.logins(ALICE),
        1,
        "an application without the grant is no login"
    );
}

#[tokio::test]
async fn brute_force_protection_blocks_even_the_right_password_until_a_new_one_is_set() {
    let sim = sim().await;
    for _ in 0..BRUTE_FORCE_THRESHOLD {
        let (status, body) = login(&sim, LOGIN_CLIENT, "Wrong-Passw0rd").await;
        assert_eq!((status, &body["error"]), (403, &json!("invalid_grant")));
        assert_eq!(body["error_description"], "Wrong email or password.");
    }
    let (status, body) = login(&sim, LOGIN_CLIENT, "Alice-Passw0rd").await;
    assert_eq!((status, &body["error"]), (429, &json!("too_many_attempts")));
    let (status, _) = update(&sim, ALICE, "New-Passw0rd-1").await;
    assert_eq!(status, 200);
    let (status, body) = login(&sim, LOGIN_CLIENT, "New-Passw0rd-1").await;
    assert_eq!(status, 200, "a new password ends the block: {body}");
    // A success resets the count.
    for _ in 0..BRUTE_FORCE_THRESHOLD - 1 {
        login(&sim, LOGIN_CLIENT, "Wrong-Passw0rd").await;
    }
    assert_eq!(login(&sim, LOGIN_CLIENT, "New-Passw0rd-1").await.0, 200);
    login(&sim, LOGIN_CLIENT, "Wrong-Passw0rd").await;
    assert_eq!(login(&sim, LOGIN_CLIENT, "New-Passw0rd-1").await.0, 200);
}

#[tokio::test]
async fn a_blocked_user_is_refused_after_its_password_and_the_rate_limit_says_when() {
    let sim = Simulator::start(Vendor::Auth0).await.unwrap();
    sim.add_user(
        SimUser::new(ALICE, "Alice-Passw0rd")
            .login("alice@example.com")
            .disabled(),
    );
    let (status, body) = login(&sim, LOGIN_CLIENT, "Alice-Passw0rd").await;
    assert_eq!((status, &body["error"]), (401, &json!("unauthorized")));
    let (_, user) = send(
        &sim,
        reqwest::Method::GET,
        "/api/v2/users/auth0%7C63d17c4ba030f2d4279f2c54",
        Some(sim.token()),
        None,
    )
    .await;
    assert_eq!(user["blocked"], true);
    assert!(crate::rate_limit_says_when(Vendor::Auth0));
}
