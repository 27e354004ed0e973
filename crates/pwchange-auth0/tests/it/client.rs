//! The generated Auth0 client against the generated httpmock helpers: the bearer token, the
//! user id's `|` sent as `%7C`, the exact bodies (the token endpoint's JSON without a token),
//! decoded answers and errors, and no secret in any Debug output.

use httpmock::{Method, MockServer};
use pwchange_auth0::{
    Client, ClientContext, Error, Grant, SecretToken, UnboundedPassword, management_audience,
    texts, types,
};
use pwchange_core::canary;
use pwchange_httpmock::auth0::MockServerExt as _;
use serde_json::json;

fn token() -> SecretToken {
    SecretToken::new(canary::TOKEN).unwrap()
}

#[tokio::test]
async fn an_update_sends_the_id_encoded_the_bearer_token_password_and_connection() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(Method::PATCH)
                .path("/api/v2/users/auth0%7C63d17c4ba030f2d4279f2c54")
                .header("authorization", format!("Bearer {}", canary::TOKEN))
                .json_body(json!({"password": canary::NEW_PASSWORD, "connection": "Username-Password-Authentication"}));
            then.status(200).json_body(json!({
                "user_id": "auth0|63d17c4ba030f2d4279f2c54", "email": "alice@example.com",
                "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "63d17c4ba030f2d4279f2c54", "isSocial": false}],
                "created_at": "2026-01-01T00:00:00.000Z"
            }));
        })
        .await;
    let client = Client::new(&server.base_url(), ClientContext::bearer(token()));
    canary::assert_absent("client Debug", &format!("{client:?}"));
    let request = client
        .update_user()
        .id("auth0|63d17c4ba030f2d4279f2c54")
        .body(types::UpdateUserPassword {
            password: canary::NEW_PASSWORD.parse().unwrap(),
            connection: "Username-Password-Authentication".parse().unwrap(),
        });
    canary::assert_absent("request builder Debug", &format!("{request:?}"));
    let user = request.send().await.unwrap().into_inner();
    assert_eq!(user.user_id, "auth0|63d17c4ba030f2d4279f2c54");
    assert_eq!(
        user.identities[0].provider.as_deref(),
        Some(pwchange_auth0::DATABASE_PROVIDER)
    );
    mock.assert_async().await;
}

#[tokio::test]
async fn the_token_endpoint_takes_json_without_a_token_and_its_token_never_prints() {
    let server = MockServer::start_async().await;
    let audience = management_audience(&server.base_url());
    let mock = server.token(|when, then| {
        when.into_inner()
            .header_missing("authorization")
            .header("content-type", "application/json")
            .json_body(json!({"grant_type": "client_credentials", "client_id": "m2m", "client_secret": canary::TOKEN, "audience": audience}));
        then.into_inner().status(200).json_body(json!({
            "access_token": canary::TOKEN, "expires_in": 86400, "token_type": "Bearer"
        }));
    });
    let secret = token();
    let grant = Grant::ClientCredentials {
        client_id: "m2m",
        client_secret: &secret,
        audience: &management_audience(&server.base_url()),
    };
    let body = grant.body().unwrap();
    canary::assert_absent("token request Debug", &format!("{body:?}"));
    let client = Client::new(&server.base_url(), ClientContext::anonymous());
    let tokens = client.token().body(body).send().await.unwrap().into_inner();
    canary::assert_absent("token answer Debug", &format!("{tokens:?}"));
    assert_eq!(tokens.expires_in, Some(86400));
    mock.assert_async().await;
}

#[tokio::test]
async fn a_password_realm_login_names_the_connection_as_realm() {
    let server = MockServer::start_async().await;
    let mock = server.token(|when, then| {
        when.into_inner()
            .json_body(json!({"grant_type": "http://auth0.com/oauth/grant-type/password-realm", "client_id": "login-app", "username": "alice@example.com", "password": canary::NEW_PASSWORD, "realm": "Username-Password-Authentication"}));
        then.into_inner().status(403).json_body(json!({
            "error": "invalid_grant", "error_description": "Wrong email or password."
        }));
    });
    let password = UnboundedPassword::any(canary::NEW_PASSWORD);
    let grant = Grant::PasswordRealm {
        client_id: "login-app",
        client_secret: None,
        username: "alice@example.com",
        password: &password,
        realm: "Username-Password-Authentication",
    };
    let client = Client::new(&server.base_url(), ClientContext::anonymous());
    match client.token().body(grant.body().unwrap()).send().await {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status(), 403);
            assert_eq!(answer.error, "invalid_grant");
            assert!(
                answer
                    .error_description
                    .as_deref()
                    .unwrap()
                    .starts_with(texts::WRONG_CREDENTIALS)
            );
        }
        other => panic!("expected the 403 body, got {other:?}"),
    }
    mock.assert_async().await;
}

#[tokio::test]
async fn management_errors_decode_with_their_code_and_message() {
    let server = MockServer::start_async().await;
    server.update_user(|_, then| {
        then.bad_request(&types::Error {
            status_code: 400,
            error: "Bad Request".into(),
            message: "PasswordStrengthError: Password is too weak".into(),
            error_code: None,
        });
    });
    let client = Client::new(&server.base_url(), ClientContext::bearer(token()));
    let result = client
        .update_user()
        .id("auth0|1")
        .body(types::UpdateUserPassword {
            password: canary::NEW_PASSWORD.parse().unwrap(),
            connection: "db".parse().unwrap(),
        })
        .send()
        .await;
    match result {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status_code, 400);
            assert!(answer.message.starts_with(texts::PASSWORD_STRENGTH));
        }
        other => panic!("expected the 400 body, got {other:?}"),
    }
}

#[test]
fn a_new_password_has_at_most_72_characters_and_the_audience_ends_with_a_slash() {
    let longest = "a".repeat(72);
    let body = |text: &str| {
        serde_json::from_value::<types::UpdateUserPassword>(
            json!({"password": text, "connection": "db"}),
        )
    };
    body(&longest).unwrap();
    assert!(body(&format!("{longest}b")).is_err());
    assert!(body("").is_err());
    assert_eq!(
        management_audience("https://acme.eu.auth0.com/"),
        "https://acme.eu.auth0.com/api/v2/"
    );
    assert_eq!(
        management_audience("https://acme.eu.auth0.com"),
        "https://acme.eu.auth0.com/api/v2/"
    );
}
