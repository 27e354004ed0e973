//! UiPath through the facade against mock servers: the exact requests, success, every mapped
//! error kind, the login flow, and the checks made before any request.

#![allow(clippy::unwrap_used)] // test code

use httpmock::{Method, MockServer};
use pwchange_core::canary;
use serde_json::{Value, json};

use crate::testing::{answering, expect_kind, refused_before_sending, self_service, token};
use crate::*;

const UIPATH_USER: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

fn uipath(server: &MockServer) -> Client {
    Client::new(UipathConfig::new(&server.base_url(), UipathAuth::Token(token())).unwrap()).unwrap()
}

#[tokio::test]
async fn uipath_success_and_refusals() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(format!("/api/User/{UIPATH_USER}/changepassword"))
                .json_body(
                    json!({"oldPassword": canary::PASSWORD, "newPassword": canary::NEW_PASSWORD}),
                );
            then.status(200)
                .json_body(json!({"succeeded": true, "errors": []}));
        })
        .await;
    uipath(&server)
        .change_password(&self_service(UIPATH_USER))
        .await
        .unwrap();
    mock.assert_async().await;

    let refusal = |code: &str| json!({"succeeded": false, "errors": [{"code": code, "description": format!("{code} happened")}]});
    let cases = [
        (
            200,
            refusal("PasswordMismatch"),
            ErrorKind::CurrentPasswordInvalid,
        ),
        (
            200,
            refusal("PasswordRequiresDigit"),
            ErrorKind::PolicyViolation,
        ),
        (200, refusal("PasswordReuse"), ErrorKind::PasswordReused),
        (400, refusal("PasswordTooShort"), ErrorKind::PolicyViolation),
        (
            400,
            json!({"title": "One or more validation errors occurred.", "status": 400, "errors": {"newPassword": ["required"]}}),
            ErrorKind::InvalidInput,
        ),
        (401, Value::Null, ErrorKind::Unauthenticated),
        (403, Value::Null, ErrorKind::PermissionDenied),
        (404, Value::Null, ErrorKind::UserNotFound),
        (429, Value::Null, ErrorKind::RateLimited),
        (
            500,
            json!("Internal Server Error"),
            ErrorKind::OutcomeUnknown,
        ),
        // A proxy's page, or problem details any ASP.NET gateway sends alike, may follow an
        // applied change.
        (503, json!("<html>503</html>"), ErrorKind::OutcomeUnknown),
        (
            503,
            json!({"title": "Service Unavailable", "status": 503, "traceId": "00-ab-cd-00"}),
            ErrorKind::OutcomeUnknown,
        ),
        (
            503,
            json!({"title": "Service Unavailable", "status": 503}),
            ErrorKind::OutcomeUnknown,
        ),
    ];
    for (status, body, kind) in cases {
        let server = answering(status, &body).await;
        expect_kind(
            uipath(&server),
            &self_service(UIPATH_USER),
            kind,
            &format!("{status} {body}"),
        )
        .await;
    }
}

#[tokio::test]
async fn uipath_client_credentials_log_in_first() {
    let server = MockServer::start_async().await;
    let token_mock = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/connect/token")
                .form_urlencoded_tuple("grant_type", "client_credentials")
                .form_urlencoded_tuple("client_secret", canary::PASSWORD)
                .form_urlencoded_tuple("scope", "PM.User PM.User.Write");
            then.status(200).json_body(
                json!({"access_token": canary::TOKEN, "expires_in": 3600, "token_type": "Bearer"}),
            );
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(Method::GET)
                .path(format!("/api/User/{UIPATH_USER}"))
                .header("authorization", format!("Bearer {}", canary::TOKEN));
            then.status(200).json_body(json!({"id": UIPATH_USER}));
        })
        .await;
    let change_mock = server
        .mock_async(|when, then| {
            when.method(Method::PUT)
                .path(format!("/api/User/{UIPATH_USER}"))
                .header("authorization", format!("Bearer {}", canary::TOKEN));
            then.status(200).json_body(json!({"succeeded": true}));
        })
        .await;
    let auth = UipathAuth::client_credentials("app", SecretToken::new(canary::PASSWORD).unwrap());
    match &auth {
        UipathAuth::ClientCredentials { scope, .. } => {
            assert_eq!(scope, pwchange_uipath::DEFAULT_SCOPE)
        }
        other => panic!("{other:?}"),
    }
    match auth.clone().with_scope("PM.User") {
        UipathAuth::ClientCredentials {
            scope, client_id, ..
        } => {
            assert_eq!((scope.as_str(), client_id.as_str()), ("PM.User", "app"));
        }
        other => panic!("{other:?}"),
    }
    let token = UipathAuth::Token(SecretToken::new(canary::TOKEN).unwrap()).with_scope("PM.User");
    assert!(matches!(token, UipathAuth::Token(_)));
    let client = Client::new(UipathConfig::new(&server.base_url(), auth).unwrap()).unwrap();
    let change = PasswordChange::admin_set(UIPATH_USER, canary::NEW_PASSWORD);
    client.change_password(&change).await.unwrap();
    client.change_password(&change).await.unwrap();
    assert_eq!(token_mock.calls_async().await, 1, "the token is cached");
    assert_eq!(change_mock.calls_async().await, 2);
}

#[tokio::test]
async fn checks_before_any_request() {
    refused_before_sending(|base| {
        let c =
            || Client::new(UipathConfig::new(base, UipathAuth::Token(token())).unwrap()).unwrap();
        vec![
            (
                c(),
                self_service("har-3107"),
                ErrorKind::InvalidInput,
                "expected a UUID",
            ),
            (
                c(),
                PasswordChange::admin_set(UIPATH_USER, canary::NEW_PASSWORD)
                    .require_change_at_next_login(true),
                ErrorKind::Unsupported,
                "change at next login",
            ),
            (
                c(),
                PasswordChange::reset_with_code(UIPATH_USER, "123456", canary::NEW_PASSWORD),
                ErrorKind::Unsupported,
                "no reset with a verification code",
            ),
        ]
    })
    .await;
}

#[test]
fn ids_are_canonical_whatever_the_spelling() {
    for spelling in [
        "3FA85F64-5717-4562-B3FC-2C963F66AFA6",
        "{3fa85f64-5717-4562-b3fc-2c963f66afa6}",
        " 3fa85f645717 4562b3fc2c963f66afa6 "
            .replace(' ', "")
            .as_str(),
        "urn:uuid:3fa85f64-5717-4562-b3fc-2c963f66afa6",
    ] {
        assert_eq!(
            canonical_user_id(Vendor::Uipath, spelling).unwrap(),
            UIPATH_USER,
            "{spelling}"
        );
    }
}

/// The user UiPath returns for [`UIPATH_USER`].
fn user_dto() -> Value {
    json!({
        "id": UIPATH_USER,
        "userName": "alice",
        "email": "alice@example.com",
        "name": "Alice",
        "surname": "Example",
        "displayName": "Alice Example",
        "isActive": true,
        "bypassBasicAuthRestriction": false,
        "invitationAccepted": true,
        "type": "user"
    })
}

/// Issue #12: an administrative set reads the user, then `PUT /api/User/{userId}` with the
/// password and the fields the read and the update share (never the email), and answers like
/// `changepassword` (`succeeded`).
#[tokio::test]
async fn an_admin_set_reads_the_user_and_updates_it_with_the_password() {
    let server = MockServer::start_async().await;
    let path = format!("/api/User/{UIPATH_USER}");
    let read = server
        .mock_async(|when, then| {
            when.method(Method::GET).path(&path);
            then.status(200).json_body(user_dto());
        })
        .await;
    let mock = server
        .mock_async(|when, then| {
            when.method(Method::PUT)
                .path(&path)
                .header("authorization", format!("Bearer {}", canary::TOKEN))
                .json_body(json!({
                    "password": canary::NEW_PASSWORD,
                    "name": "Alice",
                    "surname": "Example",
                    "displayName": "Alice Example",
                    "isActive": true,
                    "bypassBasicAuthRestriction": false,
                    "invitationAccepted": true
                }));
            then.status(200)
                .json_body(json!({"succeeded": true, "errors": []}));
        })
        .await;
    let changed = uipath(&server)
        .change_password(&PasswordChange::admin_set(
            UIPATH_USER,
            canary::NEW_PASSWORD,
        ))
        .await
        .unwrap();
    read.assert_async().await;
    mock.assert_async().await;
    let Some(ChangedDetails::Uipath(details)) = changed.details else {
        panic!("details")
    };
    assert_eq!(details.operation, crate::ChangeOperation::UpdateUser);
    let cases: Vec<(u16, Value, u16, Value, ErrorKind, &str)> = vec![
        (
            200,
            user_dto(),
            200,
            json!({"succeeded": false, "errors": [{"code": "PasswordRequiresUpper", "description": "needs upper"}]}),
            ErrorKind::PolicyViolation,
            "",
        ),
        (
            200,
            user_dto(),
            200,
            json!({}),
            ErrorKind::OutcomeUnknown,
            "",
        ),
        (
            200,
            user_dto(),
            502,
            json!("bad gateway"),
            ErrorKind::OutcomeUnknown,
            "",
        ),
        // The read fails or names someone else: nothing was sent.
        (
            404,
            Value::Null,
            200,
            json!({"succeeded": true}),
            ErrorKind::UserNotFound,
            "",
        ),
        (
            504,
            json!("gateway"),
            200,
            json!({"succeeded": true}),
            ErrorKind::Unavailable,
            "the change was not sent",
        ),
        (
            200,
            json!({"id": "00000000-0000-4000-8000-000000000000"}),
            200,
            json!({"succeeded": true}),
            ErrorKind::Unexpected,
            "the change was not sent",
        ),
    ];
    for (read_status, read_body, put_status, put_body, kind, says) in cases {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(Method::GET).path(&path);
                then.status(read_status).json_body(read_body.clone());
            })
            .await;
        let update = server
            .mock_async(|when, then| {
                when.method(Method::PUT).path(&path);
                then.status(put_status).json_body(put_body.clone());
            })
            .await;
        let case = format!("{read_status} {read_body} / {put_status} {put_body}");
        let err = uipath(&server)
            .change_password(&PasswordChange::admin_set(
                UIPATH_USER,
                canary::NEW_PASSWORD,
            ))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{case}: {err}");
        assert!(err.to_string().contains(says), "{case}: {err}");
        if read_status != 200 || kind == ErrorKind::Unexpected {
            assert_eq!(update.calls_async().await, 0, "{case}: nothing was sent");
        }
    }
}

/// Issue #12: the policy is the setting's JSON value, read with the organization when given.
#[tokio::test]
async fn the_policy_is_read_from_the_complexity_setting() {
    const ORG: &str = "5e1c5c3a-7b1d-4a3e-9f2b-0c4d5e6f7a8b";
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(Method::GET)
                .path("/api/Setting")
                .query_param("key", "Auth.Password.PasswordComplexity")
                .query_param("partitionGlobalId", ORG)
                .header("authorization", format!("Bearer {}", canary::TOKEN));
            then.status(200).json_body(json!([{
                "id": 41,
                "key": "Auth.Password.PasswordComplexity",
                "value": "{\"hasSpecialCharacter\":true,\"hasLowercase\":true,\"hasUppercase\":false,\"hasDigit\":true,\"Length\":\"24\"}",
                "partitionGlobalId": ORG
            }]));
        })
        .await;
    let client = Client::new(
        UipathConfig::new(&server.base_url(), UipathAuth::Token(token()))
            .unwrap()
            .organization_id(ORG.parse().unwrap()),
    )
    .unwrap();
    let policy = client.password_policy().await.unwrap();
    mock.assert_async().await;
    assert_eq!(policy.min_length, 24);
    assert_eq!(policy.length_unit, LengthUnit::Utf16Units);
    assert_eq!(policy.character_classes, CharacterClasses::Ascii);
    assert_eq!(policy.required_classes(), ["lowercase", "digit", "symbol"]);
    assert!(matches!(
        client.check_access().await.unwrap(),
        AccessCheck::Read { .. }
    ));
}
