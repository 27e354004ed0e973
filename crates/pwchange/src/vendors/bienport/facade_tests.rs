//! Bienport through the facade against mock servers: the exact requests, success, every mapped
//! error kind, the login flow, and the checks made before any request.

#![allow(clippy::unwrap_used)] // test code

use httpmock::{Method, MockServer};
use pwchange_core::canary;
use serde_json::{Value, json};

use crate::testing::{answering, expect_kind, refused_before_sending, self_service, token};
use crate::*;

const BIENPORT_USER: &str = "12343123";

fn bienport(server: &MockServer) -> Client {
    Client::new(
        BienportConfig::new(&server.base_url(), BienportAuth::Token(token()), 20635).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn bienport_success_returns_the_user_record_and_errors_map() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(Method::PUT)
                .path("/api/user/update-password")
                .header("organizationid", "20635")
                .json_body(json!({
                    "oldPassword": canary::PASSWORD, "password1": canary::NEW_PASSWORD,
                    "password2": canary::NEW_PASSWORD, "userId": 12343123
                }));
            then.status(200).json_body(json!({"userId": 12343123, "screenName": "905554447788", "organizationIds": [20635]}));
        })
        .await;
    let changed = bienport(&server)
        .change_password(&self_service(BIENPORT_USER))
        .await
        .unwrap();
    mock.assert_async().await;
    let Some(ChangedDetails::Bienport(details)) = &changed.details else {
        panic!("details")
    };
    assert_eq!(details.user_id, 12343123);
    // Kept for the verification login inside the facade; what leaves it is redacted text.
    assert_eq!(
        details.screen_name.as_ref().and_then(|name| name.shown()),
        Some("905554447788")
    );
    assert_eq!(
        <BienportAdapter as crate::adapter::Adapter>::login_name(details),
        None
    );
    // The record's personal data is not kept, and the screen name is not serialised.
    let shown = serde_json::to_string(&changed).unwrap();
    assert!(!shown.contains("905554447788"), "{shown}");

    let error = |status: u16, message: &str| json!({"statusCode": status, "message": message});
    let cases = [
        (401, error(401, "Unauthorized"), ErrorKind::Unauthenticated),
        (
            400,
            error(400, "Old password is wrong"),
            ErrorKind::CurrentPasswordInvalid,
        ),
        (
            400,
            error(400, "Password is too weak"),
            ErrorKind::PolicyViolation,
        ),
        (403, error(403, "Forbidden"), ErrorKind::PermissionDenied),
        (404, error(404, "User not found"), ErrorKind::UserNotFound),
        // Answers that prove nothing: the change may have been applied.
        (
            502,
            json!("<html>bad gateway</html>"),
            ErrorKind::OutcomeUnknown,
        ),
        (
            504,
            error(504, "Gateway Timeout"),
            ErrorKind::OutcomeUnknown,
        ),
        (202, json!({}), ErrorKind::OutcomeUnknown),
        (302, Value::Null, ErrorKind::OutcomeUnknown),
        // A 200 that is not the requested user's record is no confirmation (issue #10 finding 5).
        (
            200,
            error(400, "Old password is incorrect"),
            ErrorKind::OutcomeUnknown,
        ),
        (
            200,
            json!({"userId": 555, "screenName": "x"}),
            ErrorKind::OutcomeUnknown,
        ),
        // Bienport's 503 cannot be told from a gateway's (Azure API Management sends the same
        // body), nor can API Gateway's or a proxy's page: each may follow an applied change.
        (
            503,
            error(503, "Service Unavailable"),
            ErrorKind::OutcomeUnknown,
        ),
        (
            503,
            json!({"message": "Service Unavailable"}),
            ErrorKind::OutcomeUnknown,
        ),
        (503, error(502, "Bad Gateway"), ErrorKind::OutcomeUnknown),
        (503, json!("<html>503</html>"), ErrorKind::OutcomeUnknown),
        (408, json!("<html>408</html>"), ErrorKind::OutcomeUnknown),
    ];
    for (status, body, kind) in cases {
        let server = answering(status, &body).await;
        expect_kind(
            bienport(&server),
            &self_service(BIENPORT_USER),
            kind,
            &format!("{status} {body}"),
        )
        .await;
    }
}

#[tokio::test]
async fn bienport_login_then_change() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/api/auth/login")
                .json_body_includes(json!({"screenName": "905554447788"}).to_string());
            then.status(200).json_body(
                json!({"token": format!("Bearer {}", canary::TOKEN), "organizationIds": [20635]}),
            );
        })
        .await;
    let change = server
        .mock_async(|when, then| {
            when.method(Method::PUT)
                .path("/api/user/update-password")
                .header("authorization", format!("Bearer {}", canary::TOKEN));
            then.status(200).json_body(json!({"userId": 12343123}));
        })
        .await;
    let auth = BienportAuth::Login {
        screen_name: "905554447788".into(),
        password: canary::PASSWORD.to_owned().into(),
    };
    let client =
        Client::new(BienportConfig::new(&server.base_url(), auth, 20635).unwrap()).unwrap();
    client
        .change_password(&self_service(BIENPORT_USER))
        .await
        .unwrap();
    login.assert_async().await;
    change.assert_async().await;
}

#[tokio::test]
async fn checks_before_any_request() {
    refused_before_sending(|base| {
        let c = || {
            Client::new(BienportConfig::new(base, BienportAuth::Token(token()), 20635).unwrap())
                .unwrap()
        };
        vec![
            (
                c(),
                self_service("-1"),
                ErrorKind::InvalidInput,
                "positive integer",
            ),
            (
                c(),
                PasswordChange::admin_set(BIENPORT_USER, canary::NEW_PASSWORD),
                ErrorKind::Unsupported,
                "needs the current password",
            ),
        ]
    })
    .await;
}

#[test]
fn ids_are_canonical_whatever_the_spelling() {
    for spelling in ["12343123", "012343123", " 12343123 ", "+12343123"] {
        assert_eq!(
            canonical_user_id(Vendor::Bienport, spelling).unwrap(),
            BIENPORT_USER,
            "{spelling}"
        );
    }
}
