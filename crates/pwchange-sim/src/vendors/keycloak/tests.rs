//! Keycloak's own rules in the simulator: the order of the password grant's checks (a disabled
//! user before the password, the required actions after it), a temporary password, the realm's
//! policy served as it is enforced, a user's token refused by the admin API, sessions and their
//! logout.

#![allow(clippy::unwrap_used)] // test code

use serde_json::{Value, json};

use super::super::test_client as http;

/// A form body (the test values need no escaping but for the few characters here).
fn form(pairs: &[(&str, &str)]) -> String {
    let escape = |text: &str| {
        text.replace('%', "%25")
            .replace('&', "%26")
            .replace('=', "%3D")
            .replace('+', "%2B")
            .replace(' ', "+")
    };
    pairs
        .iter()
        .map(|(key, value)| format!("{key}={}", escape(value)))
        .collect::<Vec<_>>()
        .join("&")
}
use super::{ADMIN, CLIENT, NO_DIRECT_GRANTS_CLIENT};
use crate::{SimPolicy, SimUser, Simulator, Vendor};

const ALICE: &str = "8f14e45f-ceea-467f-a0e6-2b1f5b2c9a11";
const BOB: &str = "0b0b0b0b-0000-4000-8000-000000000b0b";

async fn sim() -> Simulator {
    let sim = Simulator::start(Vendor::Keycloak).await.unwrap();
    sim.add_user(SimUser::new(ALICE, "Alice-Passw0rd").login("alice"));
    sim.add_user(SimUser::new(BOB, "Bob-Passw0rd").login("bob").disabled());
    sim
}

async fn grant(sim: &Simulator, realm: &str, form_pairs: &[(&str, &str)]) -> (u16, Value) {
    let response = http()
        .post(format!(
            "{}/realms/{realm}/protocol/openid-connect/token",
            sim.base_url()
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(form_pairs))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn password_grant(sim: &Simulator, user: &str, password: &str) -> (u16, Value) {
    grant(
        sim,
        "acme",
        &[
            ("grant_type", "password"),
            ("client_id", "admin-cli"),
            ("username", user),
            ("password", password),
        ],
    )
    .await
}

async fn reset(sim: &Simulator, token: &str, user: &str, body: Value) -> (u16, Value) {
    let response = http()
        .put(format!(
            "{}/admin/realms/acme/users/{user}/reset-password",
            sim.base_url()
        ))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_password_grant_checks_the_user_then_the_password_then_the_required_actions() {
    let sim = sim().await;
    let (status, body) = password_grant(&sim, "nobody", "x").await;
    assert_eq!(
        (status, &body["error_description"]),
        (400, &json!("Invalid user credentials"))
    );
    // Disabled: refused before the password is checked, right or wrong.
    for password in ["Bob-Passw0rd", "wrong"] {
        let (status, body) = password_grant(&sim, "bob", password).await;
        assert_eq!(
            (status, &body["error_description"]),
            (400, &json!("Account disabled"))
        );
    }
    assert_eq!(sim.logins(BOB), 0, "no password was checked");
    let (status, body) = password_grant(&sim, "ALICE", "wrong").await;
    assert_eq!((status, &body["error"]), (401, &json!("invalid_grant")));
    // A temporary password: refused after the password was checked, without a session.
    let (status, _) = reset(
        &sim,
        sim.token(),
        ALICE,
        json!({"type": "password", "value": "Temp-Passw0rd", "temporary": true}),
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = password_grant(&sim, "alice", "Temp-Passw0rd").await;
    assert_eq!(
        (status, &body["error_description"]),
        (400, &json!("Account is not fully set up"))
    );
    let (status, _) = password_grant(&sim, "alice", "wrong").await;
    assert_eq!(status, 401, "a wrong password is refused as such");
    assert_eq!(sim.open_sessions(), 0);
    // Not temporary: a session, which its logout ends.
    reset(
        &sim,
        sim.token(),
        ALICE,
        json!({"type": "password", "value": "Final-Passw0rd", "temporary": false}),
    )
    .await;
    let (status, tokens) = password_grant(&sim, "alice", "Final-Passw0rd").await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(sim.open_sessions(), 1);
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let logout = http()
        .post(format!(
            "{}/realms/acme/protocol/openid-connect/logout",
            sim.base_url()
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("client_id", "admin-cli"),
            ("refresh_token", refresh),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status().as_u16(), 204);
    assert_eq!(sim.open_sessions(), 0);
    assert_eq!(sim.logins(ALICE), 4);
    sim.assert_no_violations();
}

#[tokio::test]
async fn the_clients_and_grants_a_realm_allows() {
    let sim = sim().await;
    let (status, body) = grant(
        &sim,
        "acme",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT.0),
            ("client_secret", CLIENT.1),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let service = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = grant(
        &sim,
        "acme",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT.0),
            ("client_secret", "wrong"),
        ],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (401, &json!("unauthorized_client"))
    );
    let (status, body) = grant(
        &sim,
        "acme",
        &[
            ("grant_type", "password"),
            ("client_id", NO_DIRECT_GRANTS_CLIENT),
            ("username", "alice"),
            ("password", "Alice-Passw0rd"),
        ],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("unauthorized_client"))
    );
    let (status, _) = grant(
        &sim,
        "master",
        &[
            ("grant_type", "password"),
            ("client_id", "admin-cli"),
            ("username", ADMIN.0),
            ("password", ADMIN.1),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = grant(
        &sim,
        "nowhere",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT.0),
        ],
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (404, &json!("Realm does not exist"))
    );
    // The service account's token manages users; a user's own token may not.
    let (status, _) = reset(
        &sim,
        &service,
        ALICE,
        json!({"type": "password", "value": "By-Service-1"}),
    )
    .await;
    assert_eq!(status, 204);
    let (_, tokens) = password_grant(&sim, "alice", "By-Service-1").await;
    let own = tokens["access_token"].as_str().unwrap();
    let (status, body) = reset(
        &sim,
        own,
        ALICE,
        json!({"type": "password", "value": "By-Herself-1"}),
    )
    .await;
    assert_eq!((status, &body["error"]), (403, &json!("unknown_error")));
    assert_eq!(sim.password(ALICE).as_deref(), Some("By-Service-1"));
}

#[tokio::test]
async fn the_realms_policy_is_served_as_it_is_enforced() {
    let sim = sim().await;
    let realm = |sim: &Simulator| {
        let url = format!("{}/admin/realms/acme", sim.base_url());
        let token = sim.token().to_owned();
        async move {
            http()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let fresh = realm(&sim).await;
    assert!(
        fresh.get("passwordPolicy").is_none(),
        "a new realm has none: {fresh}"
    );
    assert_eq!(fresh["enabled"], true);
    let (status, body) = reset(
        &sim,
        sim.token(),
        ALICE,
        json!({"type": "password", "value": "   "}),
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("Empty password not allowed"))
    );
    sim.set_password_policy(Some(SimPolicy {
        min_length: 10,
        lowercase: false,
        uppercase: true,
        digit: true,
        symbol: false,
    }));
    let served = realm(&sim).await;
    assert_eq!(
        served["passwordPolicy"],
        "length(10) and digits(1) and upperCase(1) and notUsername(undefined)"
    );
    for (value, key) in [
        ("Short1A", "invalidPasswordMinLengthMessage"),
        ("no-digits-HERE", "invalidPasswordMinDigitsMessage"),
        ("no-upper-1234", "invalidPasswordMinUpperCaseCharsMessage"),
    ] {
        let (status, body) = reset(
            &sim,
            sim.token(),
            ALICE,
            json!({"type": "password", "value": value}),
        )
        .await;
        assert_eq!((status, &body["error"]), (400, &json!(key)), "{value}");
    }
    sim.add_user(SimUser::new(BOB, "x").login("Long-Name-1234"));
    let (status, body) = reset(
        &sim,
        sim.token(),
        BOB,
        json!({"type": "password", "value": "long-name-1234"}),
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (400, &json!("invalidPasswordNotUsernameMessage"))
    );
    let (status, body) = reset(
        &sim,
        sim.token(),
        "00000000-0000-4000-8000-00000000dead",
        json!({"type": "password", "value": "Good-Passw0rd"}),
    )
    .await;
    assert_eq!((status, &body["error"]), (404, &json!("User not found")));
    let (status, _) = reset(
        &sim,
        "forged",
        ALICE,
        json!({"type": "password", "value": "Good-Passw0rd"}),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(sim.password(ALICE).as_deref(), Some("Alice-Passw0rd"));
}

#[tokio::test]
async fn users_are_found_by_exact_user_name_in_any_case() {
    let sim = sim().await;
    let find = |name: &'static str| {
        let url = format!("{}/admin/realms/acme/users", sim.base_url());
        let token = sim.token().to_owned();
        async move {
            http()
                .get(url)
                .query(&[("username", name), ("exact", "true")])
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let found = find("ALICE").await;
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    assert_eq!(found[0]["id"], ALICE);
    assert_eq!(found[0]["username"], "alice");
    assert_eq!(find("ali").await, json!([]), "exact");
}
