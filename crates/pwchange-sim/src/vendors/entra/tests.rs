//! Entra ID's own rules in the simulator: the three-of-four policy, `/me` with the user's own
//! token only, the order of the password login's checks, a forced change, and the tenant.

#![allow(clippy::unwrap_used)] // test code

use serde_json::{Value, json};

use super::super::test_client as http;
use super::{CLIENT, LOGIN_CLIENT, TENANT};
use crate::{SimUser, Simulator, Vendor};

const ALICE: &str = "alice@contoso.onmicrosoft.com";
const BOB: &str = "bob@contoso.onmicrosoft.com";

async fn sim() -> Simulator {
    let sim = Simulator::start(Vendor::Entra).await.unwrap();
    sim.add_user(SimUser::new(ALICE, "Alice-Passw0rd"));
    sim.add_user(SimUser::new(BOB, "Bob-Passw0rd1").disabled());
    sim
}

fn form(pairs: &[(&str, &str)]) -> String {
    let escape = |t: &str| {
        t.replace('%', "%25")
            .replace('&', "%26")
            .replace('=', "%3D")
            .replace('+', "%2B")
            .replace('@', "%40")
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn login(sim: &Simulator, tenant: &str, user: &str, password: &str) -> (u16, Value) {
    let response = http()
        .post(format!("{}/{tenant}/oauth2/v2.0/token", sim.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("grant_type", "password"),
            ("client_id", LOGIN_CLIENT),
            ("scope", "https://graph.microsoft.com/.default"),
            ("username", user),
            ("password", password),
        ]))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn graph(
    sim: &Simulator,
    method: &str,
    path: &str,
    token: &str,
    body: Value,
) -> (u16, Value) {
    let request = match method {
        "PATCH" => http().patch(format!("{}{path}", sim.base_url())),
        _ => http().post(format!("{}{path}", sim.base_url())),
    };
    let response = request.bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_password_login_checks_the_tenant_the_user_then_the_password() {
    let sim = sim().await;
    let (status, body) = login(&sim, "fabrikam.com", ALICE, "Alice-Passw0rd").await;
    assert_eq!((status, &body["error_codes"]), (400, &json!([90002])));
    let (_, body) = login(&sim, TENANT, "nobody@contoso.onmicrosoft.com", "x").await;
    assert_eq!(body["error_codes"], json!([50034]));
    // Disabled: before the password is checked, right or wrong.
    for password in ["Bob-Passw0rd1", "wrong"] {
        let (_, body) = login(&sim, TENANT, BOB, password).await;
        assert_eq!(body["error_codes"], json!([50057]));
    }
    assert_eq!(sim.logins(BOB), 0);
    let (_, body) = login(&sim, TENANT, ALICE, "wrong").await;
    assert_eq!(
        (&body["error"], &body["error_codes"]),
        (&json!("invalid_grant"), &json!([50126]))
    );
    let (status, body) = login(&sim, TENANT, ALICE, "Alice-Passw0rd").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
}

#[tokio::test]
async fn only_the_users_own_token_changes_its_password_under_three_of_four_classes() {
    let sim = sim().await;
    let (_, tokens) = login(&sim, TENANT, ALICE, "Alice-Passw0rd").await;
    let own = tokens["access_token"].as_str().unwrap().to_owned();
    let change = |current: &str, new: &str| json!({"currentPassword": current, "newPassword": new});
    let (status, body) = graph(
        &sim,
        "POST",
        "/v1.0/me/changePassword",
        sim.token(),
        change("Alice-Passw0rd", "Other-Passw0rd1"),
    )
    .await;
    assert_eq!(status, 400, "an application's token has no /me: {body}");
    let (status, body) = graph(
        &sim,
        "POST",
        "/v1.0/me/changePassword",
        &own,
        change("Alice-Passw0rd", "lowercaseonly1"),
    )
    .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (400, &json!("Request_BadRequest"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("password complexity")
    );
    let (status, _) = graph(
        &sim,
        "POST",
        "/v1.0/me/changePassword",
        &own,
        change("Alice-Passw0rd", "Other-Passw0rd1"),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(sim.password(ALICE).as_deref(), Some("Other-Passw0rd1"));
    // The user's own token cannot reset anyone's password.
    let (status, body) = graph(
        &sim,
        "PATCH",
        &format!("/v1.0/users/{BOB}"),
        &own,
        json!({"passwordProfile": {"password": "Taken-Over1"}}),
    )
    .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (403, &json!("Authorization_RequestDenied"))
    );
    sim.assert_no_violations();
}

#[tokio::test]
async fn a_forced_change_expires_the_password_until_the_user_changes_it() {
    let sim = sim().await;
    let reset = json!({"passwordProfile": {"password": "Temp-Passw0rd1", "forceChangePasswordNextSignIn": true}});
    let (status, _) = graph(
        &sim,
        "PATCH",
        &format!("/v1.0/users/{ALICE}"),
        sim.token(),
        reset,
    )
    .await;
    assert_eq!(status, 204);
    let (_, body) = login(&sim, TENANT, ALICE, "Temp-Passw0rd1").await;
    assert_eq!(body["error_codes"], json!([50055]));
    let (_, body) = login(&sim, TENANT, ALICE, "wrong").await;
    assert_eq!(
        body["error_codes"],
        json!([50126]),
        "a wrong password is refused as such"
    );
}

#[tokio::test]
async fn client_credentials_need_the_right_secret() {
    let sim = sim().await;
    let url = format!("{}/{TENANT}/oauth2/v2.0/token", sim.base_url());
    for (secret, status) in [(CLIENT.1, 200), ("wrong", 401)] {
        let response = http()
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT.0),
                ("client_secret", secret),
                ("scope", "https://graph.microsoft.com/.default"),
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{secret}");
    }
}
