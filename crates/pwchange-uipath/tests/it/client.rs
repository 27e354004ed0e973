//! The generated UiPath client against the generated httpmock helpers: exact requests,
//! both 400 body forms, the `succeeded:false` outcome, the token request, and no secret in any
//! Debug output.

use httpmock::MockServer;
use pwchange_core::canary;
use pwchange_httpmock::uipath::MockServerExt as _;
use pwchange_uipath::{Client, ClientContext, Error, SecretToken, types};

const USER: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

/// The generated mocks match paths from the server root, so these tests use the root as the
/// Identity base; `the_identity_base_path_prefix_is_kept` covers a base with a path.
fn client(server: &MockServer) -> Client {
    Client::new(
        &server.base_url(),
        ClientContext::bearer(SecretToken::new(canary::TOKEN).unwrap()),
    )
}

fn command() -> types::ChangeUserPasswordCommand {
    types::ChangeUserPasswordCommand {
        old_password: Some(canary::PASSWORD.parse().unwrap()),
        new_password: Some(canary::NEW_PASSWORD.parse().unwrap()),
    }
}

fn user_id() -> uuid::Uuid {
    USER.parse().unwrap()
}

#[tokio::test]
async fn change_user_password_sends_the_documented_request() {
    let server = MockServer::start_async().await;
    let mock = server.change_user_password(|when, then| {
        when.into_inner()
            .path(format!("/api/User/{USER}/changepassword"))
            .header("authorization", format!("Bearer {}", canary::TOKEN))
            .header("content-type", "application/json")
            .json_body(serde_json::json!({"oldPassword": canary::PASSWORD, "newPassword": canary::NEW_PASSWORD}));
        then.ok(&types::IdentityResult { succeeded: Some(true), errors: Some(vec![]) });
    });
    let client = client(&server);
    let request = client
        .change_user_password()
        .user_id(user_id())
        .body(command());
    canary::assert_absent("request builder Debug", &format!("{request:?}"));
    let result = request.send().await.unwrap().into_inner();
    assert_eq!(result.succeeded, Some(true));
    mock.assert_async().await;
}

#[tokio::test]
async fn a_refused_change_is_a_200_with_succeeded_false() {
    let server = MockServer::start_async().await;
    server.change_user_password(|_, then| {
        then.ok(&types::IdentityResult {
            succeeded: Some(false),
            errors: Some(vec![types::IdentityError {
                code: Some("PasswordMismatch".into()),
                description: Some("Incorrect password.".into()),
            }]),
        });
    });
    let result = client(&server)
        .change_user_password()
        .user_id(user_id())
        .body(command())
        .send()
        .await
        .unwrap();
    let result = result.into_inner();
    assert_eq!(result.succeeded, Some(false));
    assert_eq!(
        result.errors.unwrap()[0].code.as_deref(),
        Some("PasswordMismatch")
    );
}

#[tokio::test]
async fn both_400_forms_decode() {
    let problem_details = serde_json::json!({
        "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "traceId": "00-aec3de9099a9934e9c31e26c19f5e0dd-8c0d3d5f476c7742-00",
        "errors": {"newPassword": ["The NewPassword field is required."]}
    });
    let identity_result = serde_json::json!({
        "succeeded": false,
        "errors": [{"code": "PasswordTooShort", "description": "Passwords must be at least 8 characters."}]
    });
    for body in [problem_details, identity_result] {
        let server = MockServer::start_async().await;
        server.change_user_password(|_, then| {
            then.bad_request(&serde_json::from_value(body.clone()).unwrap());
        });
        let err = client(&server)
            .change_user_password()
            .user_id(user_id())
            .body(command())
            .send()
            .await
            .unwrap_err();
        canary::assert_absent("error Debug/Display", &format!("{err:?} {err}"));
        let Error::ErrorResponse(problem) = err else {
            panic!("expected a typed 400")
        };
        assert_eq!(problem.status(), 400);
        match problem.into_inner().errors {
            Some(types::ChangePasswordProblemErrors::ValidationErrors(map)) => {
                assert_eq!(map["newPassword"], ["The NewPassword field is required."]);
            }
            Some(types::ChangePasswordProblemErrors::Array(list)) => {
                assert_eq!(list[0].code.as_deref(), Some("PasswordTooShort"));
            }
            None => panic!("errors missing"),
        }
    }
}

#[tokio::test]
async fn an_empty_401_keeps_its_status() {
    let server = MockServer::start_async().await;
    server.change_user_password(|_, then| {
        then.into_inner().status(401);
    });
    let err = client(&server)
        .change_user_password()
        .user_id(user_id())
        .body(command())
        .send()
        .await
        .unwrap_err();
    let Error::UnexpectedResponse(response) = err else {
        panic!("expected UnexpectedResponse")
    };
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn create_token_posts_a_form_and_returns_a_secret_token() {
    let server = MockServer::start_async().await;
    let mock = server.create_token(|when, then| {
        when.into_inner()
            .path("/connect/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .form_urlencoded_tuple("grant_type", "client_credentials")
            .form_urlencoded_tuple("client_id", "app-id")
            .form_urlencoded_tuple("client_secret", canary::PASSWORD)
            .form_urlencoded_tuple("scope", "PM.User PM.User.Write");
        then.ok(&serde_json::from_value(serde_json::json!({
            "access_token": canary::TOKEN, "expires_in": 3600, "token_type": "Bearer"
        }))
        .unwrap());
    });
    let anonymous = Client::new(&server.base_url(), ClientContext::anonymous());
    let response = anonymous
        .create_token()
        .body(types::TokenRequest {
            grant_type: "client_credentials".into(),
            client_id: "app-id".into(),
            client_secret: SecretToken::new(canary::PASSWORD).unwrap(),
            scope: Some("PM.User PM.User.Write".into()),
            username: None,
            password: None,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    canary::assert_absent("token response Debug", &format!("{response:?}"));
    assert_eq!(response.access_token.expose_secret(), canary::TOKEN);
    assert_eq!(response.expires_in, Some(3600));
    mock.assert_async().await;
}

#[tokio::test]
async fn a_refused_token_request_decodes_the_oauth_error() {
    let server = MockServer::start_async().await;
    server.create_token(|_, then| {
        then.bad_request(&types::OAuthError {
            error: "invalid_client".into(),
            error_description: None,
        });
    });
    let err = Client::new(&server.base_url(), ClientContext::anonymous())
        .create_token()
        .body(types::TokenRequest {
            grant_type: "client_credentials".into(),
            client_id: "app-id".into(),
            client_secret: SecretToken::new(canary::PASSWORD).unwrap(),
            scope: None,
            username: None,
            password: None,
        })
        .send()
        .await
        .unwrap_err();
    canary::assert_absent("token error", &format!("{err:?} {err}"));
    let Error::ErrorResponse(body) = err else {
        panic!("expected a typed 400")
    };
    assert_eq!(body.error, "invalid_client");
}

#[tokio::test]
async fn the_identity_base_path_prefix_is_kept() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(httpmock::Method::POST)
                .path(format!("/acme/identity_/api/User/{USER}/changepassword"));
            then.status(200)
                .header("content-type", "application/json")
                .body(r#"{"succeeded":true,"errors":[]}"#);
        })
        .await;
    let base = pwchange_uipath::IdentityBase::AutomationCloud {
        domain: "cloud.uipath.com".into(),
        organization: "acme".into(),
    };
    let base = base
        .url()
        .replace("https://cloud.uipath.com", &server.base_url());
    let client = Client::new(
        &base,
        ClientContext::bearer(SecretToken::new(canary::TOKEN).unwrap()),
    );
    let result = client
        .change_user_password()
        .user_id(user_id())
        .body(command())
        .send()
        .await
        .unwrap();
    assert_eq!(result.into_inner().succeeded, Some(true));
    mock.assert_async().await;
}

/// Issue #27: `Client::new` as this crate's README shows it obeys the transport rules: the
/// `HTTP_PROXY` family is ignored, a redirect is not followed, plain http to another host is
/// refused (a request carrying both passwords reaches no proxy).
#[tokio::test]
async fn client_new_obeys_the_transport_rules() {
    pwchange_httpmock::transport::assert_client_new_obeys_the_transport_rules(
        "client::client_new_obeys_the_transport_rules",
        |base| async move {
            let client = Client::new(
                &base,
                ClientContext::bearer(SecretToken::new(canary::TOKEN).unwrap()),
            );
            let _ = client
                .change_user_password()
                .user_id(user_id())
                .body(command())
                .send()
                .await;
        },
    )
    .await;
}
