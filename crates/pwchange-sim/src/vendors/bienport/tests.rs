//! Bienport's own rules in the simulator: the `OrganizationId` header, the repeated new
//! password, the user's record as the answer, and a login's token that may change only its own
//! user's password.

#![allow(clippy::unwrap_used)] // test code

use serde_json::{Value, json};

use super::super::test_client as http;
use crate::{Simulator, Vendor, demo_user};

/// A change without the `OrganizationId` header, or whose two new passwords differ, is refused
/// with Spring's `{statusCode, message}` and changes nothing; with both right, the answer is the
/// user's record.
#[tokio::test]
async fn a_change_needs_the_organization_and_the_same_password_twice() {
    let sim = Simulator::start_with_demo_users(Vendor::Bienport)
        .await
        .unwrap();
    let user = demo_user(Vendor::Bienport);
    let organization = user.organization.clone().unwrap();
    let url = format!("{}/api/user/update-password", sim.base_url());
    let body = |second: &str| {
        json!({
            "userId": user.id.parse::<i64>().unwrap(),
            "oldPassword": user.password,
            "password1": "N3w-Passw0rd!x",
            "password2": second,
        })
    };
    let without_header = http()
        .put(&url)
        .bearer_auth(sim.token())
        .json(&body("N3w-Passw0rd!x"))
        .send()
        .await
        .unwrap();
    // The spec requires the header: the request is refused in Bienport's error shape before
    // any rule of the vendor, and recorded as the client's violation.
    assert_eq!(without_header.status(), 400);
    let error: Value = without_header.json().await.unwrap();
    assert_eq!(error["statusCode"], 400, "{error}");
    assert_eq!(sim.take_violations().len(), 1);
    let mismatched = http()
        .put(&url)
        .bearer_auth(sim.token())
        .header("OrganizationId", &organization)
        .json(&body("N3w-Passw0rd!y"))
        .send()
        .await
        .unwrap();
    assert_eq!(mismatched.status(), 400);
    assert_eq!(
        sim.password(&user.id).as_deref(),
        Some(user.password.as_str())
    );

    let changed = http()
        .put(&url)
        .bearer_auth(sim.token())
        .header("OrganizationId", &organization)
        .json(&body("N3w-Passw0rd!x"))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let record: Value = changed.json().await.unwrap();
    assert_eq!(record["userId"].to_string(), user.id, "{record}");
    assert_eq!(sim.password(&user.id).as_deref(), Some("N3w-Passw0rd!x"));
    sim.assert_no_violations();
}

/// A login by screen name answers the user's record with its token; that token changes its own
/// user's password only.
#[tokio::test]
async fn a_logins_token_changes_only_its_own_password() {
    let sim = Simulator::start_with_demo_users(Vendor::Bienport)
        .await
        .unwrap();
    let user = demo_user(Vendor::Bienport);
    let other = crate::SimUser::new("100000007", "0ther-Passw0rd!")
        .login("905550000007")
        .organization(user.organization.clone().unwrap());
    sim.add_user(other.clone());
    let session: Value = http()
        .post(format!("{}/api/auth/login", sim.base_url()))
        .json(&json!({"screenName": user.login, "password": user.password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["userId"].to_string(), user.id, "{session}");
    let token = session["token"].as_str().unwrap().to_owned();
    let change = |target: &crate::SimUser| {
        http()
            .put(format!("{}/api/user/update-password", sim.base_url()))
            .bearer_auth(&token)
            .header("OrganizationId", user.organization.clone().unwrap())
            .json(&json!({
                "userId": target.id.parse::<i64>().unwrap(),
                "oldPassword": target.password,
                "password1": "N3w-Passw0rd!x",
                "password2": "N3w-Passw0rd!x",
            }))
            .send()
    };
    let refused = change(&other).await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(
        sim.password(&other.id).as_deref(),
        Some(other.password.as_str())
    );
    let own = change(&user).await.unwrap();
    assert_eq!(own.status(), 200);
    assert_eq!(sim.password(&user.id).as_deref(), Some("N3w-Passw0rd!x"));
    sim.assert_no_violations();
}
