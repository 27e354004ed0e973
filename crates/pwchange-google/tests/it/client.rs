//! The generated Google client against the generated httpmock helpers: the bearer token, the
//! exact update body, decoded answers and Google's JSON errors, and no secret in any Debug
//! output.

use httpmock::MockServer;
use pwchange_core::canary;
use pwchange_google::{Client, ClientContext, Error, SecretToken, texts, types};
use pwchange_httpmock::google::MockServerExt as _;
use serde_json::json;

fn token() -> SecretToken {
    SecretToken::new(canary::TOKEN).unwrap()
}

fn update(password: &str, next_login: Option<bool>) -> types::UserPasswordUpdate {
    types::UserPasswordUpdate {
        password: password.parse().unwrap(),
        hash_function: None,
        change_password_at_next_login: next_login,
    }
}

#[tokio::test]
async fn an_update_carries_the_bearer_token_and_only_the_password_fields() {
    let server = MockServer::start_async().await;
    let mock = server.update_user(|when, then| {
        when.user_key(&"alice@example.com".parse().unwrap())
            .into_inner()
            .header("authorization", format!("Bearer {}", canary::TOKEN))
            .json_body(
                json!({"password": canary::NEW_PASSWORD, "changePasswordAtNextLogin": true}),
            );
        then.into_inner().status(200).json_body(json!({
            "kind": "admin#directory#user", "id": "114872901337154006843",
            "primaryEmail": "alice@example.com", "changePasswordAtNextLogin": true,
            "suspended": false, "lastLoginTime": "2026-12-01T10:00:00.000Z"
        }));
    });
    let client = Client::new(&server.base_url(), ClientContext::bearer(token()));
    canary::assert_absent("client Debug", &format!("{client:?}"));
    let request = client
        .update_user()
        .user_key("alice@example.com")
        .body(update(canary::NEW_PASSWORD, Some(true)));
    canary::assert_absent("request builder Debug", &format!("{request:?}"));
    let user = request.send().await.unwrap().into_inner();
    assert_eq!(user.id, "114872901337154006843");
    assert_eq!(user.change_password_at_next_login, Some(true));
    mock.assert_async().await;
}

#[tokio::test]
async fn a_user_is_read_by_its_unique_id() {
    let server = MockServer::start_async().await;
    let mock = server.get_user(|when, then| {
        when.user_key(&"114872901337154006843".parse().unwrap())
            .into_inner()
            .header("authorization", format!("Bearer {}", canary::TOKEN));
        then.into_inner().status(200).json_body(json!({
            "id": "114872901337154006843", "primaryEmail": "alice@example.com", "suspended": true
        }));
    });
    let client = Client::new(&server.base_url(), ClientContext::bearer(token()));
    let user = client
        .get_user()
        .user_key("114872901337154006843")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(user.primary_email, "alice@example.com");
    assert_eq!(user.suspended, Some(true));
    mock.assert_async().await;
}

#[tokio::test]
async fn a_spent_quota_decodes_with_its_reason_and_status() {
    let server = MockServer::start_async().await;
    server.update_user(|_, then| {
        then.forbidden(&types::GoogleError {
            error: types::GoogleErrorStatus {
                code: 403,
                message: "Rate Limit Exceeded".into(),
                status: Some("PERMISSION_DENIED".into()),
                errors: vec![types::GoogleErrorItem {
                    domain: Some("usageLimits".into()),
                    reason: Some(texts::USER_RATE_LIMIT_EXCEEDED.into()),
                    message: Some("Rate Limit Exceeded".into()),
                    location: None,
                    location_type: None,
                }],
            },
        });
    });
    let client = Client::new(&server.base_url(), ClientContext::bearer(token()));
    let result = client
        .update_user()
        .user_key("alice@example.com")
        .body(update(canary::NEW_PASSWORD, None))
        .send()
        .await;
    match result {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status(), 403);
            assert_eq!(answer.error.code, 403);
            assert_eq!(
                answer.error.errors[0].reason.as_deref(),
                Some(texts::USER_RATE_LIMIT_EXCEEDED)
            );
        }
        other => panic!("expected the 403 body, got {other:?}"),
    }
}

#[test]
fn a_new_password_has_8_to_100_characters() {
    let password =
        |text: &str| serde_json::from_value::<types::UserPasswordUpdate>(json!({"password": text}));
    let longest = "a".repeat(pwchange_google::MAX_PASSWORD_CHARS);
    password(&longest).unwrap();
    password(&"a".repeat(pwchange_google::MIN_PASSWORD_CHARS)).unwrap();
    assert!(password(&format!("{longest}b")).is_err());
    assert!(password(&"a".repeat(pwchange_google::MIN_PASSWORD_CHARS - 1)).is_err());
    assert!(
        serde_json::from_value::<types::UserPasswordUpdate>(
            json!({"password": "Passw0rd!", "hashFunction": "SHA-256"})
        )
        .is_err(),
        "only the documented hash functions"
    );
}
