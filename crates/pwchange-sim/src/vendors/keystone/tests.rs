//! Keystone's own rules in the simulator, as a real keystone 30.0.0 showed them (the
//! differential suite in `tests/tests/it/keystone.rs` compares the facade's view of both).

#![allow(clippy::unwrap_used)] // test code

use serde_json::{Value, json};

use super::super::test_client as http;
use super::ADMIN;
use crate::{SimUser, Simulator, Vendor};

const ID: &str = "5c3fe506fca642dfab7fd8df0d8a8e66";

async fn sim(user: SimUser) -> Simulator {
    let sim = Simulator::start(Vendor::Keystone).await.unwrap();
    sim.add_user(user);
    sim
}

/// `(status, message)` of a self-service change.
async fn change(sim: &Simulator, original: &str, new: &str) -> (u16, String) {
    let response = http()
        .post(format!("{}/v3/users/{ID}/password", sim.base_url()))
        .header("x-auth-token", "garbage: Keystone checks no token here")
        .json(&json!({"user": {"password": new, "original_password": original}}))
        .send()
        .await
        .unwrap();
    answer(response).await
}

async fn answer(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let message = body["error"]["message"].as_str().unwrap_or_default();
    (status, message.to_owned())
}

async fn login(sim: &Simulator, body: Value) -> (u16, String, Option<String>) {
    let response = http()
        .post(format!("{}/v3/auth/tokens", sim.base_url()))
        .json(&json!({"auth": body}))
        .send()
        .await
        .unwrap();
    let token = response
        .headers()
        .get("x-subject-token")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, message) = answer(response).await;
    (status, message, token)
}

async fn user_login(sim: &Simulator, password: &str) -> (u16, String) {
    let body = json!({"identity": {"methods": ["password"], "password": {"user": {"id": ID, "password": password}}}});
    let (status, message, _) = login(sim, body).await;
    (status, message)
}

async fn admin_token(sim: &Simulator, scoped: bool) -> String {
    let mut body = json!({"identity": {"methods": ["password"], "password": {"user": {
        "name": ADMIN.0, "domain": {"id": "default"}, "password": ADMIN.1}}}});
    if scoped {
        body["scope"] = json!({"system": {"all": true}});
    }
    login(sim, body).await.2.unwrap()
}

async fn set(sim: &Simulator, token: Option<&str>, user: Value) -> (u16, Value) {
    let mut request = http()
        .patch(format!("{}/v3/users/{ID}", sim.base_url()))
        .json(&json!({ "user": user }));
    if let Some(token) = token {
        request = request.header("x-auth-token", token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_history_covers_the_last_three_passwords_current_included() {
    let sim = sim(SimUser::new(ID, "Pass1word")).await;
    for (original, new) in [
        ("Pass1word", "Pass2word"),
        ("Pass2word", "Pass3word"),
        ("Pass3word", "Pass4word"),
    ] {
        assert_eq!(change(&sim, original, new).await.0, 204);
    }
    let (status, message) = change(&sim, "Pass4word", "Pass3word").await;
    assert_eq!(status, 400);
    assert!(message.starts_with("The new password cannot be identical to a previous password"));
    assert_eq!(change(&sim, "Pass4word", "Pass4word").await.0, 400);
    // Pass1word has left the window (2, 3, 4).
    assert_eq!(change(&sim, "Pass4word", "Pass1word").await.0, 204);
    sim.assert_no_violations();
}

#[tokio::test]
async fn three_failures_lock_the_account_and_an_administrative_set_unlocks_it() {
    let sim = sim(SimUser::new(ID, "Pass1word")).await;
    for _ in 0..2 {
        assert_eq!(change(&sim, "Wrong1pass", "Pass2word").await.0, 401);
    }
    assert_eq!(user_login(&sim, "Wrong1pass").await.0, 401);
    // Locked: the right password is refused alike, by a login and by a change.
    assert_eq!(
        user_login(&sim, "Pass1word").await,
        (401, super::UNAUTHORIZED.to_owned())
    );
    assert_eq!(change(&sim, "Pass1word", "Pass2word").await.0, 401);
    assert_eq!(sim.password(ID).as_deref(), Some("Pass1word"));
    let token = admin_token(&sim, true).await;
    assert_eq!(
        set(&sim, Some(&token), json!({"password": "Admin1set"}))
            .await
            .0,
        200
    );
    assert_eq!(user_login(&sim, "Admin1set").await.0, 201);
    sim.assert_no_violations();
}

#[tokio::test]
async fn an_expired_password_is_checked_first_and_may_still_be_changed() {
    let sim = sim(SimUser::new(ID, "Pass1word").expired().first_use()).await;
    let (status, message) = user_login(&sim, "Pass1word").await;
    assert_eq!(status, 401);
    assert_eq!(
        message,
        format!("The password is expired and needs to be changed for user: {ID}.")
    );
    // A wrong password is refused as such, never as expired.
    assert_eq!(user_login(&sim, "Wrong1pass").await.1, super::UNAUTHORIZED);
    assert_eq!(change(&sim, "Pass1word", "Pass2word").await.0, 204);
    assert_eq!(user_login(&sim, "Pass2word").await.0, 201);
    // A first-use user's password set by an administrator is expired again …
    let token = admin_token(&sim, true).await;
    let (status, record) = set(&sim, Some(&token), json!({"password": "Admin1set"})).await;
    assert_eq!(status, 200);
    assert!(
        record["user"]["password_expires_at"].is_string(),
        "{record}"
    );
    assert!(
        user_login(&sim, "Admin1set")
            .await
            .1
            .starts_with("The password is expired")
    );
    // … unless the set exempts the user.
    let exempt = json!({"password": "Admin2set", "options": {"ignore_change_password_upon_first_use": true}});
    let (_, record) = set(&sim, Some(&token), exempt).await;
    assert!(record["user"]["password_expires_at"].is_null(), "{record}");
    assert_eq!(user_login(&sim, "Admin2set").await.0, 201);
    sim.assert_no_violations();
}

#[tokio::test]
async fn only_an_admin_scoped_token_sets_a_password() {
    let sim = sim(SimUser::new(ID, "Pass1word").login("alice")).await;
    let user = json!({"password": "Admin1set"});
    assert_eq!(set(&sim, None, user.clone()).await.0, 401);
    assert_eq!(set(&sim, Some("not-issued"), user.clone()).await.0, 401);
    let unscoped = admin_token(&sim, false).await;
    assert_eq!(set(&sim, Some(&unscoped), user.clone()).await.0, 403);
    let by_name = json!({"identity": {"methods": ["password"], "password": {"user": {
        "name": "alice", "domain": {"id": "default"}, "password": "Pass1word"}}}});
    let own = login(&sim, by_name).await.2.unwrap();
    assert_eq!(set(&sim, Some(&own), user.clone()).await.0, 403);
    let admin = admin_token(&sim, true).await;
    assert_eq!(
        set(&sim, Some(&admin), json!({"password": "weak"})).await.0,
        400
    );
    assert_eq!(sim.password(ID).as_deref(), Some("Pass1word"));
    assert_eq!(set(&sim, Some(&admin), user).await.0, 200);
    let wrong_admin = json!({"identity": {"methods": ["password"], "password": {"user": {
        "name": ADMIN.0, "domain": {"id": "default"}, "password": "nope"}}}});
    assert_eq!(login(&sim, wrong_admin).await.0, 401);
    sim.assert_no_violations();
}

#[tokio::test]
async fn only_the_first_72_bytes_of_a_password_count() {
    let long = format!("A1{}", "x".repeat(98));
    let sim = sim(SimUser::new(ID, "Pass1word")).await;
    assert_eq!(change(&sim, "Pass1word", &long).await.0, 204);
    assert_eq!(user_login(&sim, &long[..72]).await.0, 201);
    assert_eq!(user_login(&sim, &long[..71]).await.0, 401);
    // A new password equal to the current one in its first 72 bytes is the same password.
    assert_eq!(
        change(&sim, &long[..72], &format!("{}yyy", &long[..72]))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn malformed_requests_get_keystones_answers() {
    let sim = sim(SimUser::new(ID, "Pass1word")).await;
    let url = format!("{}/v3/users/{ID}/password", sim.base_url());
    let get = http().get(&url).send().await.unwrap();
    assert_eq!(get.status(), 405);
    // Bodies that are not JSON, or too large for the spec, are refused before the route.
    for (content_type, body) in [
        ("text/plain", "{}".to_owned()),
        (
            "application/json",
            r#"{"user":{"password":"Alice2pass","#.to_owned(),
        ),
        (
            "application/json",
            format!(
                r#"{{"user":{{"password":"{}","original_password":"Pass1word"}}}}"#,
                "x".repeat(5000)
            ),
        ),
    ] {
        let refused = http()
            .post(&url)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400, "{content_type}");
    }
    // A body that breaks the schema is refused (and its text echoes the body, as Keystone's does).
    let missing = http()
        .post(&url)
        .json(&json!({"user": {"password": "Pass2word"}}))
        .send()
        .await
        .unwrap();
    let (status, message) = answer(missing).await;
    assert_eq!(status, 400);
    assert!(message.contains("Failed validating"), "{message}");
    assert_eq!(sim.password(ID).as_deref(), Some("Pass1word"));
}

#[tokio::test]
async fn a_token_revokes_itself_and_only_itself() {
    let sim = sim(SimUser::new(ID, "Pass1word")).await;
    let body = json!({"identity": {"methods": ["password"], "password": {"user": {"id": ID, "password": "Pass1word"}}}});
    let first = login(&sim, body.clone()).await.2.unwrap();
    let second = login(&sim, body).await.2.unwrap();
    assert_eq!(sim.open_sessions(), 2);
    let revoke = |auth: String, subject: String| {
        let url = format!("{}/v3/auth/tokens", sim.base_url());
        async move {
            http()
                .delete(url)
                .header("x-auth-token", auth)
                .header("x-subject-token", subject)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        revoke(first.clone(), second.clone()).await,
        403,
        "another user's token"
    );
    assert_eq!(revoke(first.clone(), "gAAAA-unknown".into()).await, 404);
    assert_eq!(revoke(first.clone(), first.clone()).await, 204);
    assert_eq!(
        revoke(first.clone(), second.clone()).await,
        401,
        "a revoked token is refused"
    );
    assert_eq!(sim.open_sessions(), 1);
    // An administrator's token revokes any.
    let admin = admin_token(&sim, true).await;
    assert_eq!(revoke(admin, second).await, 204);
    assert_eq!(sim.open_sessions(), 0);
    sim.assert_no_violations();
}

#[tokio::test]
async fn nocatalog_is_a_boolean_and_the_password_resource_allows_post_only() {
    let sim = sim(SimUser::new(ID, "Pass1word")).await;
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": ID, "password": "Pass1word"}}}}});
    for (value, status) in [("true", 201), ("false", 201), ("-4", 400), ("yes", 400)] {
        let response = http()
            .post(format!(
                "{}/v3/auth/tokens?nocatalog={value}",
                sim.base_url()
            ))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{value}");
    }
    let options = http()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v3/users/{ID}/password", sim.base_url()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(options.status(), 405);
    assert_eq!(options.headers()["allow"], "POST");
}
