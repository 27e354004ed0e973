//! The generated Entra ID client against the generated httpmock helpers: the bearer token on
//! Graph, none on the token endpoint, the exact bodies, decoded answers and errors, and no
//! secret in any Debug output.

use httpmock::MockServer;
use pwchange_core::canary;
use pwchange_entra::{
    Client, ClientContext, Error, GRAPH_SCOPE, Grant, SecretToken, UnboundedPassword, codes, types,
};
use pwchange_httpmock::entra::MockServerExt as _;
use serde_json::json;

fn token() -> SecretToken {
    SecretToken::new(canary::TOKEN).unwrap()
}

#[tokio::test]
async fn a_reset_patches_the_password_profile_alone() {
    let server = MockServer::start_async().await;
    let mock = server.update_user(|when, then| {
        when.user_id(&"alice@contoso.onmicrosoft.com".parse().unwrap())
            .into_inner()
            .header("authorization", format!("Bearer {}", canary::TOKEN))
            .json_body(json!({"passwordProfile": {"password": canary::NEW_PASSWORD, "forceChangePasswordNextSignIn": true}}));
        then.no_content();
    });
    let client = Client::new(&server.base_url(), ClientContext::bearer(token()));
    canary::assert_absent("client Debug", &format!("{client:?}"));
    let request = client
        .update_user()
        .user_id("alice@contoso.onmicrosoft.com")
        .body(types::UpdateUserRequest {
            password_profile: types::PasswordProfile {
                password: canary::NEW_PASSWORD.parse().unwrap(),
                force_change_password_next_sign_in: Some(true),
            },
        });
    canary::assert_absent("request builder Debug", &format!("{request:?}"));
    assert_eq!(request.send().await.unwrap().status(), 204);
    mock.assert_async().await;
}

#[tokio::test]
async fn the_password_grant_is_a_form_for_graphs_default_scope() {
    let server = MockServer::start_async().await;
    let mock = server.token(|when, then| {
        when.tenant(&"contoso.onmicrosoft.com".parse().unwrap())
            .into_inner()
            .header_missing("authorization")
            .form_urlencoded_tuple("grant_type", "password")
            .form_urlencoded_tuple("client_id", "public-app")
            .form_urlencoded_tuple("scope", GRAPH_SCOPE)
            .form_urlencoded_tuple("username", "alice@contoso.onmicrosoft.com")
            .form_urlencoded_tuple("password", canary::PASSWORD)
            .form_urlencoded_tuple_missing("client_secret");
        then.into_inner().status(200).json_body(
            json!({"token_type": "Bearer", "expires_in": 3599, "access_token": canary::TOKEN}),
        );
    });
    let client = Client::new(&server.base_url(), ClientContext::anonymous());
    let password = UnboundedPassword::any(canary::PASSWORD);
    let grant = Grant::Password {
        client_id: "public-app",
        client_secret: None,
        username: "alice@contoso.onmicrosoft.com",
        password: &password,
    };
    canary::assert_absent("grant Debug", &format!("{grant:?}"));
    let answer = client
        .token()
        .tenant("contoso.onmicrosoft.com")
        .body(grant.form().unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    canary::assert_absent("token answer Debug", &format!("{answer:?}"));
    assert_eq!(answer.access_token.expose_secret(), canary::TOKEN);
    mock.assert_async().await;
}

#[tokio::test]
async fn errors_decode_with_their_codes() {
    let server = MockServer::start_async().await;
    server.change_password(|_, then| {
        then.into_inner().status(403).json_body(json!({"error": {
            "code": codes::AUTHORIZATION_REQUEST_DENIED,
            "message": "Access to change password operation is denied.",
            "innerError": {"date": "2021-04-16T08:26:49", "request-id": "40cceaa0", "client-request-id": "40cceaa0"}}}));
    });
    server.token(|_, then| {
        then.into_inner().status(400).json_body(json!({
            "error": "invalid_grant", "error_description": "AADSTS50126: Error validating credentials due to invalid username or password.",
            "error_codes": [50126], "timestamp": "2026-12-07 20:10:12Z", "trace_id": "t", "correlation_id": "c"}));
    });
    let client = Client::new(&server.base_url(), ClientContext::bearer(token()));
    let change = client
        .change_password()
        .body(types::ChangePasswordRequest {
            current_password: canary::PASSWORD.parse().unwrap(),
            new_password: canary::NEW_PASSWORD.parse().unwrap(),
        })
        .send()
        .await;
    match change {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status(), 403);
            assert_eq!(answer.error.code, codes::AUTHORIZATION_REQUEST_DENIED);
            assert_eq!(
                answer
                    .error
                    .inner_error
                    .as_ref()
                    .and_then(|i| i.request_id.as_deref()),
                Some("40cceaa0")
            );
        }
        other => panic!("expected the 403 body, got {other:?}"),
    }
    let secret = token();
    let login = client
        .token()
        .tenant("contoso.onmicrosoft.com")
        .body(
            Grant::ClientCredentials {
                client_id: "app",
                client_secret: &secret,
            }
            .form()
            .unwrap(),
        )
        .send()
        .await;
    match login {
        Err(Error::ErrorResponse(answer)) => {
            assert_eq!(answer.status(), 400);
            assert_eq!(answer.error_codes, [50126]);
        }
        other => panic!("expected the 400 body, got {other:?}"),
    }
}

#[test]
fn a_new_password_has_at_most_256_characters() {
    let value =
        |text: &str| serde_json::from_value::<types::PasswordProfile>(json!({"password": text}));
    value(&"a".repeat(pwchange_entra::MAX_PASSWORD_CHARS)).unwrap();
    assert!(value(&"a".repeat(pwchange_entra::MAX_PASSWORD_CHARS + 1)).is_err());
    assert!(value("").is_err());
}
