//! The generated Bienport client against the generated httpmock helpers: exact requests, the
//! complete User model, the documented 401, and no secret in any Debug output.

use httpmock::MockServer;
use pwchange_bienport::{Client, ClientContext, Error, SecretToken, types};
use pwchange_core::canary;
use pwchange_httpmock::bienport::MockServerExt as _;

fn client(server: &MockServer) -> Client {
    Client::new(
        &server.base_url(),
        ClientContext::bearer(SecretToken::new(canary::TOKEN).unwrap()),
    )
}

fn update() -> types::PasswordUpdateRequest {
    types::PasswordUpdateRequest {
        old_password: canary::PASSWORD.parse().unwrap(),
        password1: canary::NEW_PASSWORD.parse().unwrap(),
        password2: canary::NEW_PASSWORD.parse().unwrap(),
        user_id: 12343123,
    }
}

/// The User example of specs/bienport.yaml: every field of the seed's model.
fn user_example() -> serde_json::Value {
    let spec: serde_json::Value =
        serde_norway::from_str(include_str!("../../../../specs/bienport.yaml")).unwrap();
    spec["components"]["schemas"]["User"]["example"].clone()
}

#[tokio::test]
async fn update_password_sends_the_documented_request_and_decodes_the_user() {
    let server = MockServer::start_async().await;
    let example = user_example();
    let mock = server.update_password(|when, then| {
        when.organization_id(&"20635".parse().unwrap())
            .into_inner()
            .method(httpmock::Method::PUT)
            .path("/api/user/update-password")
            .header("authorization", format!("Bearer {}", canary::TOKEN))
            .header("organizationid", "20635")
            .json_body(serde_json::json!({
                "oldPassword": canary::PASSWORD,
                "password1": canary::NEW_PASSWORD,
                "password2": canary::NEW_PASSWORD,
                "userId": 12343123,
            }));
        then.into_inner()
            .status(200)
            .header("content-type", "application/json")
            .json_body(example.clone());
    });
    let client = client(&server);
    let request = client
        .update_password()
        .organization_id("20635")
        .body(update());
    canary::assert_absent("request builder Debug", &format!("{request:?}"));
    let user = request.send().await.unwrap().into_inner();
    mock.assert_async().await;
    // Every field of the example survives a round trip through the generated model.
    assert_eq!(serde_json::to_value(&user).unwrap(), example);
    let sensor = &user.resources[0].resource_sensors[0].sensors[0];
    assert_eq!(sensor.io_type.as_deref(), Some("Digital"));
    assert_eq!(sensor.partitions[0].no, Some(1));
}

#[tokio::test]
async fn a_401_decodes_into_the_error_body() {
    let server = MockServer::start_async().await;
    server.update_password(|_, then| {
        then.unauthorized(&types::ErrorResponse {
            status_code: Some(401),
            message: Some("Unauthorized".into()),
            ..Default::default()
        });
    });
    let err = client(&server)
        .update_password()
        .organization_id("20635")
        .body(update())
        .send()
        .await
        .unwrap_err();
    canary::assert_absent("error Debug/Display", &format!("{err:?} {err}"));
    let Error::ErrorResponse(body) = err else {
        panic!("expected a typed 401")
    };
    assert_eq!(body.status(), 401);
    assert_eq!(body.status_code, Some(401));
}

#[tokio::test]
async fn an_organization_id_that_is_not_a_number_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let mock = server.update_password(|_, then| {
        then.ok(&types::User::default());
    });
    let err = client(&server)
        .update_password()
        .organization_id("20635\r\nX-Injected: 1")
        .body(update())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err}");
    assert_eq!(mock.calls_async().await, 0);
}

#[tokio::test]
async fn login_returns_a_secret_token() {
    let server = MockServer::start_async().await;
    let mock = server.login(|when, then| {
        when.into_inner().json_body(serde_json::json!({
            "screenName": "905554447788", "password": canary::PASSWORD, "rememberMe": true
        }));
        then.ok(&serde_json::from_value(serde_json::json!({
            "token": canary::TOKEN, "mqPassword": canary::NEW_PASSWORD, "userId": 12343123, "organizationIds": [20635]
        }))
        .unwrap());
    });
    let anonymous = Client::new(&server.base_url(), ClientContext::anonymous());
    let response = anonymous
        .login()
        .body(types::LoginRequest {
            screen_name: "905554447788".into(),
            password: canary::PASSWORD.parse().unwrap(),
            remember_me: Some(true),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    canary::assert_absent("login response Debug", &format!("{response:?}"));
    assert_eq!(response.token.expose_secret(), canary::TOKEN);
    assert_eq!(response.organization_ids, [20635]);
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
                .update_password()
                .organization_id("20635")
                .body(update())
                .send()
                .await;
        },
    )
    .await;
}
