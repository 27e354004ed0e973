//! The generated Keycloak client against the generated httpmock helpers: exact requests (the
//! bearer token; the token endpoint's form without one), decoded answers and errors, and no
//! secret in any Debug output.

use httpmock::MockServer;
use pwchange_core::canary;
use pwchange_httpmock::keycloak::MockServerExt as _;
use pwchange_keycloak::{
    ADMIN_CLI, Client, ClientContext, Error, Grant, SecretToken, UnboundedPassword, texts, types,
};
use serde_json::json;

fn token() -> SecretToken {
    SecretToken::new(canary::TOKEN).unwrap()
}

#[tokio::test]
async fn a_reset_carries_the_bearer_token_and_the_credential() {
    let server = MockServer::start_async().await;
    let mock = server.reset_password(|when, then| {
        when.realm(&"acme".parse().unwrap())
            .user_id(&"8f14e45f-ceea-467f-a0e6-2b1f5b2c9a11".parse().unwrap())
            .into_inner()
            .header("authorization", format!("Bearer {}", canary::TOKEN))
            .header("accept", "application/json")
            .json_body(
                json!({"type": "password", "value": canary::NEW_PASSWORD, "temporary": true}),
            );
        then.no_content();
    });
    let client = Client::new(&server.base_url(), ClientContext::bearer(token()));
    canary::assert_absent("client Debug", &format!("{client:?}"));
    let request = client
        .reset_password()
        .realm("acme")
        .user_id("8f14e45f-ceea-467f-a0e6-2b1f5b2c9a11")
        .body(types::CredentialRepresentation {
            type_: types::CredentialRepresentationType::Password,
            value: canary::NEW_PASSWORD.parse().unwrap(),
            temporary: Some(true),
        });
    canary::assert_absent("request builder Debug", &format!("{request:?}"));
    assert_eq!(request.send().await.unwrap().status(), 204);
    mock.assert_async().await;
}

#[tokio::test]
async fn a_password_grant_is_a_form_without_a_bearer_token_and_its_tokens_never_print() {
    let server = MockServer::start_async().await;
    let mock = server.token(|when, then| {
        when.realm(&"acme".parse().unwrap())
            .into_inner()
            .header_missing("authorization")
            .header("content-type", "application/x-www-form-urlencoded")
            .form_urlencoded_tuple("grant_type", "password")
            .form_urlencoded_tuple("client_id", ADMIN_CLI)
            .form_urlencoded_tuple("username", "alice")
            .form_urlencoded_tuple("password", canary::PASSWORD)
            .form_urlencoded_tuple_missing("client_secret");
        then.into_inner().status(200).json_body(json!({
            "access_token": canary::TOKEN, "expires_in": 300,
            "refresh_token": "refresh-token-value", "token_type": "Bearer"
        }));
    });
    let client = Client::new(&server.base_url(), ClientContext::anonymous());
    let password = UnboundedPassword::any(canary::PASSWORD);
    let grant = Grant::Password {
        client_id: ADMIN_CLI,
        client_secret: None,
        username: "alice",
        password: &password,
    };
    canary::assert_absent("grant Debug", &format!("{grant:?}"));
    let answer = client
        .token()
        .realm("acme")
        .body(grant.form().unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    canary::assert_absent("token answer Debug", &format!("{answer:?}"));
    assert_eq!(answer.access_token.expose_secret(), canary::TOKEN);
    assert_eq!(
        answer
            .refresh_token
            .map(|t| t.expose_secret().to_owned())
            .as_deref(),
        Some("refresh-token-value")
    );
    mock.assert_async().await;
}

#[tokio::test]
async fn client_credentials_send_the_secret_in_the_form() {
    let server = MockServer::start_async().await;
    let mock = server.token(|when, then| {
        when.realm(&"master".parse().unwrap())
            .into_inner()
            .form_urlencoded_tuple("grant_type", "client_credentials")
            .form_urlencoded_tuple("client_id", "pwchange")
            .form_urlencoded_tuple("client_secret", canary::TOKEN);
        then.into_inner()
            .status(200)
            .json_body(json!({"access_token": "admin-token", "expires_in": 60}));
    });
    let client = Client::new(&server.base_url(), ClientContext::anonymous());
    let secret = token();
    let grant = Grant::ClientCredentials {
        client_id: "pwchange",
        client_secret: &secret,
    };
    let answer = client
        .token()
        .realm("master")
        .body(grant.form().unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.access_token.expose_secret(), "admin-token");
    assert!(answer.refresh_token.is_none());
    mock.assert_async().await;
}

#[tokio::test]
async fn errors_decode_with_their_keys_and_texts() {
    let server = MockServer::start_async().await;
    server.reset_password(|_, then| {
        then.bad_request(&types::Error {
            error: "invalidPasswordMinDigitsMessage".into(),
            error_description: Some(
                "Invalid password: must contain at least 2 numerical digits.".into(),
            ),
        });
    });
    server.get_user(|_, then| {
        then.not_found(&types::Error {
            error: texts::USER_NOT_FOUND.into(),
            error_description: None,
        });
    });
    let client = Client::new(&server.base_url(), ClientContext::bearer(token()));
    let reset = client
        .reset_password()
        .realm("acme")
        .user_id("u1")
        .body(types::CredentialRepresentation {
            type_: types::CredentialRepresentationType::Password,
            value: canary::NEW_PASSWORD.parse().unwrap(),
            temporary: None,
        })
        .send()
        .await;
    match reset {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status(), 400);
            assert!(answer.error.starts_with(texts::POLICY_KEY_PREFIX));
        }
        other => panic!("expected the 400 body, got {other:?}"),
    }
    match client.get_user().realm("acme").user_id("u1").send().await {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status(), 404);
            assert_eq!(answer.error, texts::USER_NOT_FOUND);
        }
        other => panic!("expected the 404 body, got {other:?}"),
    }
}

#[test]
fn an_empty_password_cannot_make_a_login_form() {
    let empty = UnboundedPassword::any("");
    let grant = Grant::Password {
        client_id: ADMIN_CLI,
        client_secret: None,
        username: "alice",
        password: &empty,
    };
    assert!(grant.form().is_err());
    assert!("".parse::<types::RealmName>().is_err());
    assert!("".parse::<types::UserId>().is_err());
    "acme".parse::<types::RealmName>().unwrap();
}
