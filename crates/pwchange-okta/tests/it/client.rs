//! The generated Okta client against the generated httpmock helpers: the token as `SSWS <token>`
//! or `Bearer <token>`, the exact bodies, decoded answers and errors, and no secret in any Debug
//! output.

use httpmock::MockServer;
use pwchange_core::canary;
use pwchange_httpmock::okta::MockServerExt as _;
use pwchange_okta::{
    AuthorizationMode, Client, ClientContext, Error, SecretToken, context, texts, types,
};
use serde_json::json;

fn token() -> SecretToken {
    SecretToken::new(canary::TOKEN).unwrap()
}

#[tokio::test]
async fn a_change_sends_ssws_the_strict_flag_and_both_passwords_as_values() {
    let server = MockServer::start_async().await;
    let mock = server.change_password(|when, then| {
        when.user_id(&"00ub0oNGTSWTBKOLGLNR".parse().unwrap())
            .strict(true)
            .into_inner()
            .header("authorization", format!("SSWS {}", canary::TOKEN))
            .json_body(json!({"oldPassword": {"value": canary::PASSWORD}, "newPassword": {"value": canary::NEW_PASSWORD}}));
        then.into_inner().status(200).json_body(json!({"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}}));
    });
    let client = Client::new(
        &server.base_url(),
        context(AuthorizationMode::Ssws, token()),
    );
    canary::assert_absent("client Debug", &format!("{client:?}"));
    let request = client
        .change_password()
        .user_id("00ub0oNGTSWTBKOLGLNR")
        .strict(true)
        .body(types::ChangePasswordRequest {
            old_password: types::CurrentPasswordCredential {
                value: canary::PASSWORD.parse().unwrap(),
            },
            new_password: types::NewPasswordCredential {
                value: canary::NEW_PASSWORD.parse().unwrap(),
            },
        });
    canary::assert_absent("request builder Debug", &format!("{request:?}"));
    let answer = request.send().await.unwrap().into_inner();
    assert_eq!(
        answer.provider.and_then(|p| p.type_).as_deref(),
        Some("OKTA")
    );
    mock.assert_async().await;
}

#[tokio::test]
async fn a_set_is_a_partial_update_with_the_password_alone_and_a_bearer_token() {
    let server = MockServer::start_async().await;
    let mock = server.update_user(|when, then| {
        when.id(&"alice@example.com".parse().unwrap())
            .into_inner()
            .header("authorization", format!("Bearer {}", canary::TOKEN))
            .json_body(json!({"credentials": {"password": {"value": canary::NEW_PASSWORD}}}));
        then.into_inner().status(200).json_body(json!({
            "id": "00ub0oNGTSWTBKOLGLNR", "status": "ACTIVE", "profile": {"login": "alice@example.com"}
        }));
    });
    let client = Client::new(
        &server.base_url(),
        context(AuthorizationMode::Bearer, token()),
    );
    let user = client
        .update_user()
        .id("alice@example.com")
        .body(types::UpdateUserRequest {
            credentials: types::PasswordOnlyCredentials {
                password: types::NewPasswordCredential {
                    value: canary::NEW_PASSWORD.parse().unwrap(),
                },
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(user.id, "00ub0oNGTSWTBKOLGLNR");
    assert_eq!(
        user.profile.and_then(|p| p.login).as_deref(),
        Some("alice@example.com")
    );
    mock.assert_async().await;
}

#[tokio::test]
async fn authentication_sends_no_token_and_its_session_token_never_prints() {
    let server = MockServer::start_async().await;
    let mock = server.authenticate(|when, then| {
        when.into_inner()
            .header_missing("authorization")
            .json_body(json!({"username": "alice@example.com", "password": canary::NEW_PASSWORD}));
        then.into_inner().status(200).json_body(json!({
            "status": "SUCCESS", "sessionToken": canary::TOKEN, "expiresAt": "2026-12-07T20:16:49.000Z"
        }));
    });
    let client = Client::new(&server.base_url(), ClientContext::anonymous());
    let answer = client
        .authenticate()
        .body(types::AuthnRequest {
            username: "alice@example.com".parse().unwrap(),
            password: canary::NEW_PASSWORD.parse().unwrap(),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    canary::assert_absent("authn answer Debug", &format!("{answer:?}"));
    assert_eq!(answer.status, "SUCCESS");
    mock.assert_async().await;
}

#[tokio::test]
async fn errors_decode_with_their_codes_and_causes() {
    let server = MockServer::start_async().await;
    server.change_password(|_, then| {
        then.forbidden(&types::Error {
            error_code: texts::CREDENTIALS_UPDATE_FAILED.into(),
            error_summary: "Update of credentials failed".into(),
            error_link: Some(texts::CREDENTIALS_UPDATE_FAILED.into()),
            error_id: Some("oaeJ5h_Y6CeT2SsD2Ft52q2MQ".into()),
            error_causes: vec![types::ErrorCause {
                error_summary: Some(format!("{}.", texts::OLD_PASSWORD_WRONG)),
            }],
        });
    });
    let client = Client::new(
        &server.base_url(),
        context(AuthorizationMode::Ssws, token()),
    );
    let result = client
        .change_password()
        .user_id("00u1")
        .body(types::ChangePasswordRequest {
            old_password: types::CurrentPasswordCredential {
                value: canary::PASSWORD.parse().unwrap(),
            },
            new_password: types::NewPasswordCredential {
                value: canary::NEW_PASSWORD.parse().unwrap(),
            },
        })
        .send()
        .await;
    match result {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status(), 403);
            assert_eq!(answer.error_code, texts::CREDENTIALS_UPDATE_FAILED);
            assert!(
                answer.error_causes[0]
                    .error_summary
                    .as_deref()
                    .unwrap()
                    .starts_with(texts::OLD_PASSWORD_WRONG)
            );
        }
        other => panic!("expected the 403 body, got {other:?}"),
    }
}

#[test]
fn a_new_password_has_at_most_72_characters() {
    let longest = "a".repeat(pwchange_okta::MAX_PASSWORD_CHARS);
    let value =
        |text: &str| serde_json::from_value::<types::NewPasswordCredential>(json!({"value": text}));
    value(&longest).unwrap();
    assert!(value(&format!("{longest}b")).is_err());
    assert!(value("").is_err());
}
