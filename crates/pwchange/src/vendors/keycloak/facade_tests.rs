//! Keycloak through the facade against mock servers: the exact requests of the reset (by id, by
//! user name), the administrator's logins, the verification's password grant and logout, what
//! each verification answer proves, the policy read, and the checks made before any request.

#![allow(clippy::unwrap_used)] // test code

use httpmock::{Method, MockServer};
use pwchange_core::{Outcome, canary};
use serde_json::{Value, json};

use crate::testing::{expect_kind, refused_before_sending, token};
use crate::*;

const ID: &str = "8f14e45f-ceea-467f-a0e6-2b1f5b2c9a11";
const RESET: &str = "/admin/realms/acme/users/8f14e45f-ceea-467f-a0e6-2b1f5b2c9a11/reset-password";
const USER: &str = "/admin/realms/acme/users/8f14e45f-ceea-467f-a0e6-2b1f5b2c9a11";
const TOKEN: &str = "/realms/acme/protocol/openid-connect/token";
const LOGOUT: &str = "/realms/acme/protocol/openid-connect/logout";
/// The refresh token a verification login gets (a canary too: it must reach no output).
const REFRESH: &str = "refresh-canary-5d1e0c7a";

fn admin(server: &MockServer) -> Client {
    Client::new(
        KeycloakConfig::new(&server.base_url(), "acme", KeycloakAuth::Token(token())).unwrap(),
    )
    .unwrap()
}

fn record(enabled: bool, totp: bool) -> Value {
    json!({"id": ID, "username": "alice", "enabled": enabled, "totp": totp, "requiredActions": []})
}

async fn user_record<'a>(server: &'a MockServer, record: Value) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(Method::GET)
                .path(USER)
                .header("authorization", format!("Bearer {}", canary::TOKEN));
            then.status(200).json_body(record);
        })
        .await
}

async fn reset<'a>(server: &'a MockServer, temporary: bool) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(Method::PUT)
                .path(RESET)
                .header("authorization", format!("Bearer {}", canary::TOKEN))
                .json_body(json!({"type": "password", "value": canary::NEW_PASSWORD, "temporary": temporary}));
            then.status(204);
        })
        .await
}

/// The verification's password grant as alice through admin-cli, answered `status` `body`.
async fn grant<'a>(server: &'a MockServer, status: u16, body: Value) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(TOKEN)
                .header_missing("authorization")
                .form_urlencoded_tuple("grant_type", "password")
                .form_urlencoded_tuple("client_id", "admin-cli")
                .form_urlencoded_tuple("username", "alice")
                .form_urlencoded_tuple("password", canary::NEW_PASSWORD);
            then.status(status).json_body(body);
        })
        .await
}

async fn logout<'a>(server: &'a MockServer) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(LOGOUT)
                .form_urlencoded_tuple("client_id", "admin-cli")
                .form_urlencoded_tuple("refresh_token", REFRESH);
            then.status(204);
        })
        .await
}

fn tokens() -> Value {
    json!({"access_token": "user-access-token", "expires_in": 300, "refresh_token": REFRESH, "token_type": "Bearer"})
}

fn refused(error: &str, description: &str) -> Value {
    json!({"error": error, "error_description": description})
}

#[tokio::test]
async fn a_reset_by_id_is_verified_by_a_password_grant_whose_session_is_logged_out() {
    let server = MockServer::start_async().await;
    let reset = reset(&server, false).await;
    let read = user_record(&server, record(true, false)).await;
    let login = grant(&server, 200, tokens()).await;
    let logout = logout(&server).await;
    let changed = admin(&server)
        .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
        .await
        .unwrap();
    assert_eq!(changed.verification, Verification::Verified);
    assert_eq!(changed.user_id, ID);
    match &changed.details {
        Some(ChangedDetails::Keycloak(details)) => {
            assert_eq!(details.operation, ChangeOperation::UpdateUser);
            assert!(!details.temporary);
            assert!(
                details.username.is_none(),
                "no record is read before a change by id"
            );
        }
        other => panic!("{other:?}"),
    }
    reset.assert_async().await;
    read.assert_async().await;
    login.assert_async().await;
    logout.assert_async().await;
    canary::assert_absent("changed", &format!("{changed:?}"));
}

#[tokio::test]
async fn a_temporary_password_is_proven_by_account_not_fully_set_up() {
    let server = MockServer::start_async().await;
    let reset = reset(&server, true).await;
    user_record(&server, record(true, false)).await;
    grant(
        &server,
        400,
        refused("invalid_grant", "Account is not fully set up"),
    )
    .await;
    let logout = logout(&server).await;
    let change =
        PasswordChange::admin_set(ID, canary::NEW_PASSWORD).require_change_at_next_login(true);
    let changed = admin(&server).change_password(&change).await.unwrap();
    assert_eq!(changed.verification, Verification::Verified);
    reset.assert_async().await;
    assert_eq!(logout.calls_async().await, 0, "no session was opened");
}

#[tokio::test]
async fn a_user_name_is_looked_up_exactly_and_its_id_is_reset() {
    let server = MockServer::start_async().await;
    let find = server
        .mock_async(|when, then| {
            when.method(Method::GET)
                .path("/admin/realms/acme/users")
                .query_param("username", "alice")
                .query_param("exact", "true");
            then.status(200).json_body(json!([
                {"id": ID, "username": "alice", "enabled": true}
            ]));
        })
        .await;
    let reset = reset(&server, false).await;
    let changed = admin(&server)
        .change_password(&PasswordChange::admin_set("Alice", canary::NEW_PASSWORD).verify(false))
        .await
        .unwrap();
    assert_eq!(changed.user_id, ID);
    match &changed.details {
        Some(ChangedDetails::Keycloak(details)) => {
            assert_eq!(
                details.username.as_ref().and_then(|u| u.shown()),
                Some("alice")
            );
        }
        other => panic!("{other:?}"),
    }
    find.assert_async().await;
    reset.assert_async().await;
    // No such user name: refused before the reset, nothing applied.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::GET).path("/admin/realms/acme/users");
            then.status(200)
                .json_body(json!([{"id": "x", "username": "alice2"}]));
        })
        .await;
    let error = expect_kind(
        admin(&server),
        &PasswordChange::admin_set("alice", canary::NEW_PASSWORD),
        ErrorKind::UserNotFound,
        "an exact search that found another name",
    )
    .await;
    assert_eq!(error.outcome(), Outcome::NotApplied);
}

#[tokio::test]
async fn a_disabled_user_or_one_with_otp_is_not_verifiable_and_no_login_is_tried() {
    for (enabled, totp, reason) in [(false, false, "disabled"), (true, true, "OTP")] {
        let server = MockServer::start_async().await;
        reset(&server, false).await;
        user_record(&server, record(enabled, totp)).await;
        let login = grant(&server, 200, tokens()).await;
        let changed = admin(&server)
            .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
            .await
            .unwrap();
        assert!(
            matches!(&changed.verification, Verification::NotVerifiable { reason: r } if r.contains(reason)),
            "{reason}: {:?}",
            changed.verification
        );
        assert_eq!(login.calls_async().await, 0, "{reason}");
    }
}

#[tokio::test]
async fn what_each_verification_answer_proves() {
    let cases = [
        // The password was checked and refused.
        (
            401,
            refused("invalid_grant", "Invalid user credentials"),
            ErrorKind::VerificationFailed,
            Outcome::Unknown,
        ),
        // Refused before the password was checked (a brute-force lock): proves nothing.
        (
            400,
            refused("invalid_grant", "Invalid user credentials"),
            ErrorKind::OutcomeUnknown,
            Outcome::Unknown,
        ),
    ];
    for (status, body, kind, outcome) in cases {
        let server = MockServer::start_async().await;
        reset(&server, false).await;
        user_record(&server, record(true, false)).await;
        grant(&server, status, body.clone()).await;
        let error = expect_kind(
            admin(&server),
            &PasswordChange::admin_set(ID, canary::NEW_PASSWORD),
            kind,
            &format!("{status} {body}"),
        )
        .await;
        assert_eq!(error.outcome(), outcome, "{status} {body}");
    }
    // A verification client without direct access grants: the change stands, unverified.
    let server = MockServer::start_async().await;
    reset(&server, false).await;
    user_record(&server, record(true, false)).await;
    grant(
        &server,
        400,
        refused(
            "unauthorized_client",
            "Client not allowed for direct access grants",
        ),
    )
    .await;
    let changed = admin(&server)
        .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
        .await
        .unwrap();
    assert!(
        matches!(&changed.verification, Verification::NotVerifiable { reason } if reason.contains("direct access grants")),
        "{:?}",
        changed.verification
    );
}

#[tokio::test]
async fn a_service_account_logs_in_once_and_again_when_its_token_is_refused() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/realms/acme/protocol/openid-connect/token")
                .form_urlencoded_tuple("grant_type", "client_credentials")
                .form_urlencoded_tuple("client_id", "pwchange")
                .form_urlencoded_tuple("client_secret", canary::PASSWORD);
            then.status(200)
                .json_body(json!({"access_token": canary::TOKEN, "expires_in": 60}));
        })
        .await;
    let reset = reset(&server, false).await;
    let client = Client::from_settings(
        Settings::new(Vendor::Keycloak)
            .with("base_url", server.base_url())
            .with("allow_insecure_http", "true")
            .with("realm", "acme")
            .with("client_id", "pwchange")
            .with("client_secret", canary::PASSWORD),
    )
    .unwrap();
    for _ in 0..2 {
        client
            .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD).verify(false))
            .await
            .unwrap();
    }
    assert_eq!(login.calls_async().await, 1, "the token is cached");
    assert_eq!(reset.calls_async().await, 2);
    // The master administrator's password grant through admin-cli.
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/realms/master/protocol/openid-connect/token")
                .form_urlencoded_tuple("grant_type", "password")
                .form_urlencoded_tuple("client_id", "admin-cli")
                .form_urlencoded_tuple("username", "admin")
                .form_urlencoded_tuple("password", canary::PASSWORD);
            then.status(401)
                .json_body(refused("invalid_grant", "Invalid user credentials"));
        })
        .await;
    let client = Client::from_settings(
        Settings::new(Vendor::Keycloak)
            .with("base_url", server.base_url())
            .with("allow_insecure_http", "true")
            .with("realm", "acme")
            .with("username", "admin")
            .with("password", canary::PASSWORD),
    )
    .unwrap();
    let error = expect_kind(
        &client,
        &PasswordChange::admin_set(ID, canary::NEW_PASSWORD),
        ErrorKind::Unauthenticated,
        "a refused administrator's login",
    )
    .await;
    assert_eq!(error.outcome(), Outcome::NotApplied);
    assert!(
        error
            .to_string()
            .contains("refused the administrator's login"),
        "{error}"
    );
    login.assert_async().await;
}

#[tokio::test]
async fn the_realms_policy_is_read_and_parsed() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::GET).path("/admin/realms/acme");
            then.status(200).json_body(json!({
                "realm": "acme", "enabled": true,
                "passwordPolicy": "length(12) and digits(2) and notUsername(undefined) and passwordHistory(5)"
            }));
        })
        .await;
    let policy = admin(&server).password_policy().await.unwrap();
    assert_eq!(policy.min_length, 12);
    assert_eq!(policy.min_digits, 2);
    assert_eq!(policy.length_unit, LengthUnit::Utf16Units);
    assert_eq!(
        policy.unchecked,
        [
            "notUsername: not the user name",
            "passwordHistory: not one of the last 5 passwords"
        ]
    );
    // A token without view-realm gets the realm's name alone.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::GET).path("/admin/realms/acme");
            then.status(200).json_body(json!({"realm": "acme"}));
        })
        .await;
    let error = admin(&server).password_policy().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    assert!(error.to_string().contains("view-realm"), "{error}");
}

#[tokio::test]
async fn refusals_before_any_request() {
    refused_before_sending(|base| {
        let client = || {
            Client::new(KeycloakConfig::new(base, "acme", KeycloakAuth::Token(token())).unwrap())
                .unwrap()
        };
        vec![
            (
                client(),
                PasswordChange::self_service(ID, canary::PASSWORD, canary::NEW_PASSWORD),
                ErrorKind::Unsupported,
                "no REST operation for a user's own password change",
            ),
            (
                client(),
                PasswordChange::admin_set(ID, "   "),
                ErrorKind::PolicyViolation,
                "blank password",
            ),
            (
                client(),
                PasswordChange::admin_set("a b", canary::NEW_PASSWORD),
                ErrorKind::InvalidInput,
                "user id is invalid",
            ),
        ]
    })
    .await;
}

#[tokio::test]
async fn the_reset_refusals_get_their_kinds_and_say_what_to_check() {
    let cases = [
        (
            400,
            json!({"error": "invalidPasswordMinDigitsMessage", "error_description": "Invalid password: must contain at least 2 numerical digits."}),
            ErrorKind::PolicyViolation,
            "(digits: too few digits)",
        ),
        (
            400,
            json!({"error": "invalidPasswordNotUsernameMessage", "error_description": "x"}),
            ErrorKind::PolicyViolation,
            "(notUsername: it equals the user name)",
        ),
        (
            400,
            json!({"error": "invalidPasswordSomethingNewMessage"}),
            ErrorKind::PolicyViolation,
            "(a rule of the realm's passwordPolicy)",
        ),
        (
            400,
            json!({"error": "Empty password not allowed"}),
            ErrorKind::PolicyViolation,
            "refuses a blank password",
        ),
        (
            400,
            json!({"error": "invalidPasswordHistoryMessage", "error_description": "Invalid password: must not be equal to any of last 3 passwords."}),
            ErrorKind::PasswordReused,
            "recent passwords (passwordHistory)",
        ),
        (
            400,
            json!({"error": "Can't reset password as account is read only"}),
            ErrorKind::Unsupported,
            "read-only user federation",
        ),
        (
            401,
            json!({"error": "HTTP 401 Unauthorized"}),
            ErrorKind::Unauthenticated,
            "Keycloak refused the token",
        ),
        (
            403,
            json!({"error": "unknown_error"}),
            ErrorKind::PermissionDenied,
            "lacks realm-management's manage-users",
        ),
        (
            404,
            json!({"error": "User not found"}),
            ErrorKind::UserNotFound,
            "no user with this id",
        ),
        (
            404,
            json!({"error": "Realm not found."}),
            ErrorKind::InvalidInput,
            "no such realm",
        ),
        (
            404,
            json!({"error": "HTTP 404 Not Found"}),
            ErrorKind::InvalidInput,
            "check base_url",
        ),
        (
            429,
            Value::Null,
            ErrorKind::RateLimited,
            "Keycloak sends no 429 itself",
        ),
    ];
    for (status, body, kind, says) in cases {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(Method::PUT).path(RESET);
                let then = then.status(status);
                if !body.is_null() {
                    then.json_body(body.clone());
                }
            })
            .await;
        let error = expect_kind(
            admin(&server),
            &PasswordChange::admin_set(ID, canary::NEW_PASSWORD),
            kind,
            &format!("{status} {body}"),
        )
        .await;
        assert_eq!(error.outcome(), Outcome::NotApplied, "{status} {body}");
        assert!(error.to_string().contains(says), "{says}: {error}");
    }
}

#[tokio::test]
async fn a_realm_the_token_may_not_view_says_view_realm() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::GET).path("/admin/realms/acme");
            then.status(403)
                .json_body(json!({"error": "unknown_error"}));
        })
        .await;
    let error = admin(&server).password_policy().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    assert!(
        error.to_string().contains("may not view the realm"),
        "{error}"
    );
}

#[tokio::test]
async fn verification_answers_before_the_password_is_checked_name_their_cause() {
    for (status, body, says) in [
        (
            400,
            refused("invalid_grant", "Account disabled"),
            Ok("the user is disabled"),
        ),
        (
            401,
            refused(
                "unauthorized_client",
                "Invalid client or Invalid client credentials",
            ),
            Ok("check verify_client_id"),
        ),
        (
            400,
            refused("invalid_grant", "Invalid user credentials"),
            Err("brute-force detection"),
        ),
    ] {
        let server = MockServer::start_async().await;
        reset(&server, false).await;
        user_record(&server, record(true, false)).await;
        grant(&server, status, body.clone()).await;
        let result = admin(&server)
            .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
            .await;
        match (result, says) {
            (Ok(changed), Ok(reason)) => assert!(
                matches!(&changed.verification, Verification::NotVerifiable { reason: r } if r.contains(reason)),
                "{body}: {:?}",
                changed.verification
            ),
            (Err(error), Err(text)) => {
                assert_eq!(error.outcome(), Outcome::Unknown, "{body}");
                assert!(error.to_string().contains(text), "{body}: {error}");
            }
            (other, _) => panic!("{body}: {other:?}"),
        }
    }
}
