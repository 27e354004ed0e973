//! Okta through the facade against mock servers: the exact requests of each mode (the
//! self-service change, the administrative set and its expiry), the verification by primary
//! authentication and what each of its answers proves, the policy read, every mapped kind, and
//! the checks made before any request.

#![allow(clippy::unwrap_used)] // test code

use httpmock::{Method, MockServer};
use pwchange_core::{Outcome, canary};
use serde_json::{Value, json};

use crate::testing::{expect_kind, refused_before_sending, token};
use crate::*;

const ID: &str = "00ub0oNGTSWTBKOLGLNR";
const LOGIN: &str = "alice@example.com";
const USER: &str = "/api/v1/users/00ub0oNGTSWTBKOLGLNR";
const CHANGE: &str = "/api/v1/users/00ub0oNGTSWTBKOLGLNR/credentials/change_password";
const EXPIRE: &str = "/api/v1/users/00ub0oNGTSWTBKOLGLNR/lifecycle/expire_password";

fn client(server: &MockServer) -> Client {
    Client::new(OktaConfig::new(&server.base_url(), token()).unwrap()).unwrap()
}

fn user(status: &str) -> Value {
    json!({"id": ID, "status": status, "profile": {"login": LOGIN}})
}

fn okta_error(code: &str, summary: &str, causes: &[&str]) -> Value {
    let causes: Vec<Value> = causes.iter().map(|c| json!({"errorSummary": c})).collect();
    json!({"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": "oaeXYZ123", "errorCauses": causes})
}

/// `POST /api/v1/authn` as alice with the new password, answered `status` `body`.
async fn authn<'a>(server: &'a MockServer, status: u16, body: Value) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/api/v1/authn")
                .header_missing("authorization")
                .json_body(json!({"username": LOGIN, "password": canary::NEW_PASSWORD}));
            then.status(status).json_body(body);
        })
        .await
}

#[tokio::test]
async fn a_self_service_change_sends_ssws_and_is_verified_with_the_login_from_the_record() {
    let server = MockServer::start_async().await;
    let change = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(CHANGE)
                .query_param("strict", "false")
                .header("authorization", format!("SSWS {}", canary::TOKEN))
                .json_body(json!({"oldPassword": {"value": canary::PASSWORD}, "newPassword": {"value": canary::NEW_PASSWORD}}));
            then.status(200).json_body(json!({"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}}));
        })
        .await;
    let read = server
        .mock_async(|when, then| {
            when.method(Method::GET).path(USER);
            then.status(200).json_body(user("ACTIVE"));
        })
        .await;
    let login = authn(
        &server,
        200,
        json!({"status": "SUCCESS", "sessionToken": "20111abc"}),
    )
    .await;
    let changed = client(&server)
        .change_password(&PasswordChange::self_service(
            ID,
            canary::PASSWORD,
            canary::NEW_PASSWORD,
        ))
        .await
        .unwrap();
    assert_eq!(changed.verification, Verification::Verified);
    change.assert_async().await;
    read.assert_async().await;
    login.assert_async().await;
    canary::assert_absent("changed", &format!("{changed:?}"));
}

#[tokio::test]
async fn an_administrative_set_then_an_expiry_is_proven_by_password_expired() {
    let server = MockServer::start_async().await;
    let set = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(USER)
                .query_param("strict", "true")
                .header("authorization", format!("Bearer {}", canary::TOKEN))
                .json_body(json!({"credentials": {"password": {"value": canary::NEW_PASSWORD}}}));
            then.status(200).json_body(user("ACTIVE"));
        })
        .await;
    let expire = server
        .mock_async(|when, then| {
            when.method(Method::POST).path(EXPIRE);
            then.status(200).json_body(user("PASSWORD_EXPIRED"));
        })
        .await;
    let login = authn(
        &server,
        200,
        json!({"status": "PASSWORD_EXPIRED", "stateToken": "00state"}),
    )
    .await;
    let strict_bearer = Client::new(
        OktaConfig::new(&server.base_url(), token())
            .unwrap()
            .authorization_mode(OktaAuthorizationMode::Bearer)
            .strict(true),
    )
    .unwrap();
    let change =
        PasswordChange::admin_set(ID, canary::NEW_PASSWORD).require_change_at_next_login(true);
    let changed = strict_bearer.change_password(&change).await.unwrap();
    assert_eq!(changed.verification, Verification::Verified);
    match &changed.details {
        Some(ChangedDetails::Okta(details)) => {
            assert!(details.expired);
            assert_eq!(
                details.status.as_ref().and_then(|s| s.shown()),
                Some("PASSWORD_EXPIRED")
            );
            assert_eq!(details.login.as_ref().and_then(|l| l.shown()), Some(LOGIN));
        }
        other => panic!("{other:?}"),
    }
    set.assert_async().await;
    expire.assert_async().await;
    login.assert_async().await;
}

#[tokio::test]
async fn a_set_whose_expiry_fails_is_reported_applied() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::POST).path(USER);
            then.status(200).json_body(user("ACTIVE"));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(Method::POST).path(EXPIRE);
            then.status(403).json_body(okta_error(
                "E0000006",
                "You do not have permission to perform the requested action",
                &[],
            ));
        })
        .await;
    let change =
        PasswordChange::admin_set(ID, canary::NEW_PASSWORD).require_change_at_next_login(true);
    let error = expect_kind(
        client(&server),
        &change,
        ErrorKind::PermissionDenied,
        "the expiry refused",
    )
    .await;
    assert_eq!(error.outcome(), Outcome::Applied, "{error}");
    assert!(
        error
            .to_string()
            .contains("set the new password, but expiring it"),
        "{error}"
    );
}

#[tokio::test]
async fn what_each_authentication_answer_proves() {
    for (status, body, expected) in [
        (
            401,
            okta_error("E0000004", "Authentication failed", &[]),
            Err(ErrorKind::VerificationFailed),
        ),
        (
            200,
            json!({"status": "MFA_REQUIRED", "stateToken": "00s"}),
            Ok("second factor"),
        ),
        (
            200,
            json!({"status": "MFA_ENROLL", "stateToken": "00s"}),
            Ok("second factor"),
        ),
        (
            200,
            json!({"status": "LOCKED_OUT"}),
            Err(ErrorKind::OutcomeUnknown),
        ),
        (
            200,
            json!({"status": "RECOVERY"}),
            Err(ErrorKind::OutcomeUnknown),
        ),
    ] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(Method::POST).path(USER);
                then.status(200).json_body(user("ACTIVE"));
            })
            .await;
        authn(&server, status, body.clone()).await;
        let result = client(&server)
            .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
            .await;
        match (result, expected) {
            (Ok(changed), Ok(reason)) => assert!(
                matches!(&changed.verification, Verification::NotVerifiable { reason: r } if r.contains(reason)),
                "{body}: {:?}",
                changed.verification
            ),
            (Err(error), Err(kind)) => {
                assert_eq!(error.kind(), kind, "{body}: {error}");
                assert_eq!(error.outcome(), Outcome::Unknown, "{body}");
            }
            (other, _) => panic!("{body}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_refusals_get_their_kinds() {
    let cases = [
        (
            403,
            okta_error(
                "E0000014",
                "Update of credentials failed",
                &["oldPassword: The credentials provided were incorrect."],
            ),
            ErrorKind::CurrentPasswordInvalid,
            "refused the current password",
        ),
        (
            400,
            okta_error(
                "E0000001",
                "Api validation failed: password",
                &[
                    "password: Password requirements were not met. Password requirements: at least 8 characters.",
                ],
            ),
            ErrorKind::PolicyViolation,
            "password policy refused the new password",
        ),
        (
            400,
            okta_error(
                "E0000001",
                "Api validation failed: password",
                &["password: Password has been used too recently"],
            ),
            ErrorKind::PasswordReused,
            "it is the current one or in the history",
        ),
        (
            400,
            okta_error(
                "E0000001",
                "Api validation failed: password",
                &["password: Password cannot be your current password"],
            ),
            ErrorKind::PasswordReused,
            "it is the current one or in the history",
        ),
        (
            403,
            okta_error(
                "E0000080",
                "The password does not meet the complexity requirements of the current password policy.",
                &[],
            ),
            ErrorKind::PolicyViolation,
            "password policy refused the new password",
        ),
        (
            401,
            okta_error("E0000011", "Invalid token provided", &[]),
            ErrorKind::Unauthenticated,
            "Okta refused the token (E0000011)",
        ),
        (
            403,
            okta_error(
                "E0000006",
                "You do not have permission to perform the requested action",
                &[],
            ),
            ErrorKind::PermissionDenied,
            "may not change this user's password",
        ),
        (
            403,
            okta_error(
                "E0000038",
                "This operation is not allowed in the user's current status.",
                &[],
            ),
            ErrorKind::PermissionDenied,
            "STAGED, ACTIVE, PASSWORD_EXPIRED or RECOVERY",
        ),
        (
            404,
            okta_error(
                "E0000007",
                "Not found: Resource not found: 00ub0oNGTSWTBKOLGLNR (User)",
                &[],
            ),
            ErrorKind::UserNotFound,
            "no user with this id or login",
        ),
        (
            429,
            okta_error(
                "E0000047",
                "API call exceeded rate limit due to too many requests.",
                &[],
            ),
            ErrorKind::RateLimited,
            "rate limit for this endpoint",
        ),
        (
            409,
            okta_error(
                "E0000112",
                "Cannot update this user because they are still being activated. Please try again in a few minutes.",
                &[],
            ),
            ErrorKind::Unavailable,
            "try again in a few minutes",
        ),
    ];
    for (status, body, kind, says) in cases {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(Method::POST).path(CHANGE);
                then.status(status)
                    .header("x-rate-limit-reset", "1445412492")
                    .header("date", "Wed, 21 Oct 2015 07:28:00 GMT")
                    .json_body(body.clone());
            })
            .await;
        let error = expect_kind(
            client(&server),
            &PasswordChange::self_service(ID, canary::PASSWORD, canary::NEW_PASSWORD),
            kind,
            &format!("{status} {body}"),
        )
        .await;
        assert_eq!(error.outcome(), Outcome::NotApplied, "{body}");
        assert!(error.to_string().contains(says), "{says}: {error}");
        if kind == ErrorKind::RateLimited {
            assert_eq!(
                error.retry_after(),
                Some(std::time::Duration::from_secs(12))
            );
        }
    }
}

#[tokio::test]
async fn the_active_policies_are_read_and_the_strictest_wins() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::GET)
                .path("/api/v1/policies")
                .query_param("type", "PASSWORD")
                .query_param("status", "ACTIVE");
            then.status(200).json_body(json!([
                {"type": "PASSWORD", "status": "ACTIVE", "priority": 1, "system": false,
                 "settings": {"password": {"complexity": {"minLength": 12, "minLowerCase": 1, "minUpperCase": 0, "minNumber": null, "minSymbol": 1, "excludeUsername": false},
                                           "age": {"historyCount": 5, "minAgeMinutes": 0}}}},
                {"type": "PASSWORD", "status": "ACTIVE", "priority": 2, "system": true,
                 "settings": {"password": {"complexity": {"minLength": 8, "minLowerCase": 1, "minUpperCase": 1, "minNumber": 1, "minSymbol": 0, "excludeUsername": true,
                                                          "dictionary": {"common": {"exclude": true}}}}}}
            ]));
        })
        .await;
    let policy = client(&server).password_policy().await.unwrap();
    assert_eq!(policy.min_length, 12);
    assert_eq!(
        (
            policy.min_lowercase,
            policy.min_uppercase,
            policy.min_digits,
            policy.min_symbols
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(policy.max_length, Some(72));
    assert_eq!(
        policy.unchecked,
        [
            "historyCount: not one of the last 5 passwords",
            "excludeUsername: no part of the user's login",
            "dictionary: not a common password"
        ]
    );
    assert!(
        matches!(&policy.source, PolicySource::Vendor { operation } if operation.contains("strictest of 2"))
    );
}

#[tokio::test]
async fn refusals_before_any_request() {
    refused_before_sending(|base| {
        let client = || Client::new(OktaConfig::new(base, token()).unwrap()).unwrap();
        vec![
            (
                client(),
                PasswordChange::admin_set(ID, "x".repeat(73)),
                ErrorKind::PolicyViolation,
                "Okta accepts at most 72",
            ),
            (
                client(),
                PasswordChange::reset_with_code(ID, "CODE1234", canary::NEW_PASSWORD),
                ErrorKind::Unsupported,
                "self-service",
            ),
            (
                client(),
                PasswordChange::admin_set("a/b", canary::NEW_PASSWORD),
                ErrorKind::InvalidInput,
                "user id is invalid",
            ),
        ]
    })
    .await;
}

#[tokio::test]
async fn more_refusals_say_what_to_check() {
    // A read the token may not make; a federated user; an org URL that serves no API.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::GET).path("/api/v1/policies");
            then.status(403).json_body(okta_error(
                "E0000006",
                "You do not have permission to perform the requested action",
                &[],
            ));
        })
        .await;
    let error = client(&server).password_policy().await.unwrap_err();
    assert!(error.to_string().contains("okta.policies.read"), "{error}");
    for (status, body, kind, says) in [
        (
            400,
            okta_error(
                "E0000041",
                "Credentials should not be set on this resource based on the scheme.",
                &[],
            ),
            ErrorKind::Unsupported,
            "federation or a social provider",
        ),
        (
            404,
            json!({"message": "no route"}),
            ErrorKind::InvalidInput,
            "check base_url",
        ),
        (404, Value::Null, ErrorKind::InvalidInput, "check base_url"),
    ] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(Method::POST).path(USER);
                let then = then.status(status);
                if !body.is_null() {
                    then.json_body(body.clone());
                }
            })
            .await;
        let error = expect_kind(
            client(&server),
            &PasswordChange::admin_set(ID, canary::NEW_PASSWORD),
            kind,
            says,
        )
        .await;
        assert!(error.to_string().contains(says), "{says}: {error}");
    }
    // A locked-out user says so; 72 characters are sent.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::POST).path(USER);
            then.status(200).json_body(user("ACTIVE"));
        })
        .await;
    authn(&server, 200, json!({"status": "LOCKED_OUT"})).await;
    let error = client(&server)
        .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("LOCKED_OUT"), "{error}");
    let longest = "Aa1!".repeat(18);
    let checked = client(&server).check_change(&PasswordChange::admin_set(ID, longest.as_str()));
    assert!(checked.is_ok(), "{checked:?}");
}
