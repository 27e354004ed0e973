//! UiPath Identity's own rules in the simulator: a refusal that answers `200`, and the
//! client-credentials grant as a form.

#![allow(clippy::unwrap_used)] // test code

use serde_json::{Value, json};

use super::super::test_client as http;
use crate::{Simulator, Vendor, demo_user};

/// ASP.NET Identity refuses a wrong current password or a weak new one with `200` and
/// `succeeded: false`: the status says nothing, the body does, and nothing changes.
#[tokio::test]
async fn a_refusal_answers_200_with_succeeded_false() {
    let sim = Simulator::start_with_demo_users(Vendor::Uipath)
        .await
        .unwrap();
    let user = demo_user(Vendor::Uipath);
    let url = format!("{}/api/User/{}/changepassword", sim.base_url(), user.id);
    for (old, new, code) in [
        ("wrong-Passw0rd!", "N3w-Passw0rd!x", "PasswordMismatch"),
        (user.password.as_str(), "short", "PasswordTooShort"),
    ] {
        let answer = http()
            .post(&url)
            .bearer_auth(sim.token())
            .json(&json!({"oldPassword": old, "newPassword": new}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{code}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["succeeded"], false, "{body}");
        assert_eq!(body["errors"][0]["code"], code, "{body}");
        assert_eq!(
            sim.password(&user.id).as_deref(),
            Some(user.password.as_str())
        );
    }
    let answer = http()
        .post(&url)
        .bearer_auth(sim.token())
        .json(&json!({"oldPassword": user.password, "newPassword": "N3w-Passw0rd!x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.json::<Value>().await.unwrap()["succeeded"], true);
    assert_eq!(sim.password(&user.id).as_deref(), Some("N3w-Passw0rd!x"));
    sim.assert_no_violations();
}

/// The token endpoint takes an `application/x-www-form-urlencoded` client-credentials grant
/// (percent and `+` encoding decoded), answers the scope it granted, and refuses another grant
/// type or a wrong secret with RFC 6749's error codes.
#[tokio::test]
async fn the_token_endpoint_takes_a_client_credentials_form() {
    let sim = Simulator::start_with_demo_users(Vendor::Uipath)
        .await
        .unwrap();
    let url = format!("{}/connect/token", sim.base_url());
    let login: std::collections::HashMap<&str, String> =
        crate::login_settings(Vendor::Uipath).into_iter().collect();
    let form = |grant: &str, secret: &str| {
        format!(
            "grant_type={grant}&client_id={}&client_secret={secret}&scope=PM.User+PM.Setting.Read%2FExtra",
            login["client_id"]
        )
    };
    let post = |body: String| {
        http()
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let granted = post(form("client_credentials", &login["client_secret"]))
        .await
        .unwrap();
    assert_eq!(granted.status(), 200);
    let body: Value = granted.json().await.unwrap();
    assert_eq!(body["scope"], "PM.User PM.Setting.Read/Extra", "{body}");
    assert!(body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    for (grant, secret, error) in [
        (
            "password",
            login["client_secret"].as_str(),
            "unsupported_grant_type",
        ),
        ("client_credentials", "not-the-secret", "invalid_client"),
    ] {
        let refused = post(form(grant, secret)).await.unwrap();
        assert_eq!(refused.status(), 400, "{error}");
        assert_eq!(refused.json::<Value>().await.unwrap()["error"], error);
    }
    sim.assert_no_violations();
}
