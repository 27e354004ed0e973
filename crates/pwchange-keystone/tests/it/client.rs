//! The generated Keystone client against the generated httpmock helpers: exact requests (the
//! token in `X-Auth-Token`, never in `Authorization`), decoded responses and errors, the login
//! protocol, and no secret in any Debug output.

use httpmock::MockServer;
use pwchange_core::canary;
use pwchange_httpmock::keystone::MockServerExt as _;
use pwchange_keystone::{
    Client, Error, LoginScope, LoginUser, SecretToken, auth_request, context, types,
};
use serde_json::json;

const ID: &str = "5c3fe506fca642dfab7fd8df0d8a8e66";

fn change_request() -> types::PasswordChangeRequest {
    types::PasswordChangeRequest {
        user: types::PasswordChange {
            original_password: canary::PASSWORD.parse().unwrap(),
            password: canary::NEW_PASSWORD.parse().unwrap(),
        },
    }
}

fn keystone_error(code: i64, message: &str) -> types::Error {
    types::Error {
        error: types::ErrorDetail {
            code,
            message: message.into(),
            title: Some("Unauthorized".into()),
        },
    }
}

#[tokio::test]
async fn a_self_service_change_sends_keystones_body_and_no_token() {
    let server = MockServer::start_async().await;
    let mock = server.change_password(|when, then| {
        let when = when.user_id(&ID.parse().unwrap()).body(&change_request());
        when.into_inner()
            .header_missing("x-auth-token")
            .header_missing("authorization")
            .json_body(json!({"user": {
                "password": canary::NEW_PASSWORD,
                "original_password": canary::PASSWORD,
            }}));
        then.no_content();
    });
    let client = Client::new(&server.base_url(), context(None));
    let request = client.change_password().user_id(ID).body(change_request());
    canary::assert_absent("request builder Debug", &format!("{request:?}"));
    assert_eq!(request.send().await.unwrap().status(), 204);
    mock.assert_async().await;
}

#[tokio::test]
async fn an_administrative_set_carries_the_token_in_x_auth_token() {
    let server = MockServer::start_async().await;
    let body = types::UserUpdateRequest {
        user: types::UserUpdate {
            password: canary::NEW_PASSWORD.parse().unwrap(),
            options: Some(types::UserOptions {
                ignore_change_password_upon_first_use: Some(true),
            }),
        },
    };
    let record = types::UserResponse {
        user: types::User {
            id: ID.into(),
            name: Some("alice".into()),
            domain_id: Some("default".into()),
            enabled: Some(true),
            password_expires_at: None,
        },
    };
    let mock = server.update_user(|when, then| {
        when.user_id(&ID.parse().unwrap())
            .body(&body)
            .into_inner()
            .header("x-auth-token", canary::TOKEN)
            .header_missing("authorization");
        then.ok(&record);
    });
    let token = SecretToken::new(canary::TOKEN).unwrap();
    let client = Client::new(&server.base_url(), context(Some(token)));
    canary::assert_absent("client Debug", &format!("{client:?}"));
    let updated = client
        .update_user()
        .user_id(ID)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(updated.into_inner().user.id, ID);
    mock.assert_async().await;
}

#[tokio::test]
async fn log_in_reads_the_token_from_x_subject_token() {
    let server = MockServer::start_async().await;
    let request = auth_request(
        &LoginUser::Name {
            name: "admin".into(),
            domain_id: "default".into(),
        },
        canary::PASSWORD.parse().unwrap(),
        &LoginScope::Project {
            name: "admin".into(),
            domain_id: "default".into(),
        },
    );
    canary::assert_absent("login request Debug", &format!("{request:?}"));
    let answer = types::TokenResponse {
        token: types::Token {
            methods: vec!["password".into()],
            user: types::TokenUser {
                id: "c1bd40eeb12d4d2087e7ca125d364e11".into(),
                name: Some("admin".into()),
                domain: None,
                password_expires_at: None,
            },
            expires_at: None,
            issued_at: None,
        },
    };
    let mock = server.authenticate(|when, then| {
        when.nocatalog(true)
            .body(&request)
            .into_inner()
            .json_body(json!({"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "name": "admin", "domain": {"id": "default"}, "password": canary::PASSWORD}}},
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}));
        then.created(&answer)
            .into_inner()
            .header("X-Subject-Token", canary::TOKEN);
    });
    let client = Client::new(&server.base_url(), context(None));
    let (token, user) = pwchange_keystone::log_in(&client, &request).await.unwrap();
    assert_eq!(token.expose_secret(), canary::TOKEN);
    assert_eq!(user.id, "c1bd40eeb12d4d2087e7ca125d364e11");
    mock.assert_async().await;

    // Without the header there is no token, whatever the body says.
    let bare = MockServer::start_async().await;
    bare.authenticate(|_, then| {
        then.created(&answer);
    });
    let client = Client::new(&bare.base_url(), context(None));
    let error = pwchange_keystone::log_in(&client, &request)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("X-Subject-Token"), "{error}");
}

#[tokio::test]
async fn login_bodies_name_the_user_by_id_or_by_name_and_the_scope() {
    let password = || "pw-1234".parse().unwrap();
    let by_id = auth_request(&LoginUser::Id(ID.into()), password(), &LoginScope::Unscoped);
    assert_eq!(
        serde_json::to_value(&by_id).unwrap(),
        json!({"auth": {"identity": {"methods": ["password"],
            "password": {"user": {"id": ID, "password": "pw-1234"}}}}})
    );
    let system = auth_request(&LoginUser::Id(ID.into()), password(), &LoginScope::System);
    assert_eq!(
        serde_json::to_value(&system).unwrap()["auth"]["scope"],
        json!({"system": {"all": true}})
    );
}

#[tokio::test]
async fn documented_errors_decode_and_expired_passwords_are_recognised() {
    let server = MockServer::start_async().await;
    let expired = format!("The password is expired and needs to be changed for user: {ID}.");
    server.change_password(|_, then| {
        then.unauthorized(&keystone_error(401, &expired));
    });
    let error = Client::new(&server.base_url(), context(None))
        .change_password()
        .user_id(ID)
        .body(change_request())
        .send()
        .await
        .unwrap_err();
    canary::assert_absent("error Debug", &format!("{error:?} {error}"));
    match error {
        Error::ErrorResponse(body) => {
            assert_eq!(body.status(), 401);
            assert!(pwchange_keystone::is_password_expired(&body.error.message));
        }
        other => panic!("expected a typed error, got {other}"),
    }
    assert!(!pwchange_keystone::is_password_expired(
        "The request you have made requires authentication."
    ));
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let mock = server.change_password(|_, then| {
        then.no_content();
    });
    let error = Client::new(&server.base_url(), context(None))
        .change_password()
        .user_id("../../v3/auth/tokens")
        .body(change_request())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error}");
    assert_eq!(mock.calls_async().await, 0);
}

/// Issue #27: `Client::new` as this crate's README shows it obeys the transport rules: the
/// `HTTP_PROXY` family is ignored, a redirect is not followed, plain http to another host is
/// refused (a request carrying both passwords reaches no proxy).
#[tokio::test]
async fn client_new_obeys_the_transport_rules() {
    pwchange_httpmock::transport::assert_client_new_obeys_the_transport_rules(
        "client::client_new_obeys_the_transport_rules",
        |base| async move {
            let client = Client::new(&base, context(None));
            let _ = client
                .change_password()
                .user_id(ID)
                .body(change_request())
                .send()
                .await;
        },
    )
    .await;
}
