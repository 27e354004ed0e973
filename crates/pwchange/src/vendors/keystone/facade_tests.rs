//! Keystone through the facade against mock servers: the exact requests (no token on a
//! self-service change, `X-Auth-Token` on an administrative set, the login bodies), every mapped
//! answer with the bodies a real keystone 30.0.0 sent, verification, and the checks made before
//! any request.

#![allow(clippy::unwrap_used)] // test code

use httpmock::{Method, MockServer};
use pwchange_core::canary;
use serde_json::{Value, json};

use crate::testing::{answering, expect_kind, refused_before_sending, self_service, token};
use crate::*;

const USER: &str = "5c3fe506fca642dfab7fd8df0d8a8e66";

fn anonymous(base_url: &str) -> Client {
    Client::new(KeystoneConfig::new(base_url, KeystoneAuth::None).unwrap()).unwrap()
}

fn with_token(base_url: &str) -> Client {
    Client::new(KeystoneConfig::new(base_url, KeystoneAuth::Token(token())).unwrap()).unwrap()
}

fn admin_login(scope: pwchange_keystone::LoginScope) -> KeystoneAuth {
    let login = KeystoneLogin::new("admin", canary::PASSWORD.to_owned().into(), scope);
    assert_eq!(login.user_domain_id, "default");
    assert_eq!(login.clone().in_domain("d1").user_domain_id, "d1");
    KeystoneAuth::Login(login)
}

fn keystone_error(status: u16, message: &str) -> Value {
    json!({"error": {"code": status, "message": message, "title": "Bad Request"}})
}

fn admin_set() -> PasswordChange {
    PasswordChange::admin_set(USER, canary::NEW_PASSWORD).verify(false)
}

#[tokio::test]
async fn a_self_service_change_sends_no_token_and_keystones_exact_body() {
    let server = MockServer::start_async().await;
    let change = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(format!("/v3/users/{USER}/password"))
                .header_missing("x-auth-token")
                .header_missing("authorization")
                .header("content-type", "application/json")
                .json_body(json!({"user": {
                    "password": canary::NEW_PASSWORD,
                    "original_password": canary::PASSWORD,
                }}));
            then.status(204);
        })
        .await;
    // Even with a token configured: Keystone checks none here, so none is sent.
    for client in [
        anonymous(&server.base_url()),
        with_token(&server.base_url()),
    ] {
        let changed = client.change_password(&self_service(USER)).await.unwrap();
        let Some(ChangedDetails::Keystone(details)) = &changed.details else {
            panic!("{changed:?}");
        };
        assert_eq!(details.operation, crate::ChangeOperation::ChangePassword);
    }
    change.assert_calls_async(2).await;
}

#[tokio::test]
async fn an_administrative_set_logs_in_scoped_and_sends_the_token_in_x_auth_token() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/v3/auth/tokens")
                .query_param("nocatalog", "true")
                .json_body(json!({"auth": {
                    "identity": {"methods": ["password"], "password": {"user": {
                        "name": "admin", "domain": {"id": "default"}, "password": canary::PASSWORD}}},
                    "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}));
            then.status(201)
                .header("X-Subject-Token", canary::TOKEN)
                .json_body(json!({"token": {"methods": ["password"], "user": {"id": "c1bd40eeb12d4d2087e7ca125d364e11", "name": "admin"}}}));
        })
        .await;
    let set = server
        .mock_async(|when, then| {
            when.method(Method::PATCH)
                .path(format!("/v3/users/{USER}"))
                .header("x-auth-token", canary::TOKEN)
                .header_missing("authorization")
                .json_body(json!({"user": {"password": canary::NEW_PASSWORD}}));
            then.status(200).json_body(json!({"user": {
                "id": USER, "name": "alice", "domain_id": "default", "enabled": true,
                "password_expires_at": null, "options": {}, "links": {"self": "x"}}}));
        })
        .await;
    let scope = pwchange_keystone::LoginScope::Project {
        name: "admin".into(),
        domain_id: "default".into(),
    };
    let config = KeystoneConfig::new(&server.base_url(), admin_login(scope)).unwrap();
    let changed = Client::new(config)
        .unwrap()
        .change_password(&admin_set())
        .await
        .unwrap();
    let Some(ChangedDetails::Keystone(details)) = &changed.details else {
        panic!("{changed:?}");
    };
    assert_eq!(details.operation, crate::ChangeOperation::UpdateUser);
    assert_eq!(details.password_expires_at, None);
    login.assert_async().await;
    set.assert_async().await;
}

#[tokio::test]
async fn a_system_scoped_login_asks_for_the_system() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/v3/auth/tokens")
                .json_body_includes(r#"{"auth": {"scope": {"system": {"all": true}}}}"#);
            then.status(201)
                .header("X-Subject-Token", canary::TOKEN)
                .json_body(json!({"token": {"user": {"id": "a"}}}));
        })
        .await;
    let config = KeystoneConfig::new(
        &server.base_url(),
        admin_login(pwchange_keystone::LoginScope::System),
    )
    .unwrap();
    assert_eq!(
        Client::new(config).unwrap().check_access().await.unwrap(),
        AccessCheck::LoggedIn
    );
    login.assert_async().await;
}

#[tokio::test]
async fn a_verification_logs_in_unscoped_by_id() {
    let login_body = json!({"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"id": USER, "password": canary::NEW_PASSWORD}}}}});
    let refused = json!({"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}});
    let cases = [
        (201, Value::Null, Ok(())),
        (401, refused, Err(ErrorKind::VerificationFailed)),
        (
            500,
            json!("<html>boom</html>"),
            Err(ErrorKind::OutcomeUnknown),
        ),
    ];
    for (status, answer, expected) in cases {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(Method::POST)
                    .path(format!("/v3/users/{USER}/password"));
                then.status(204);
            })
            .await;
        let body = login_body.clone();
        let login = server
            .mock_async(move |when, then| {
                when.method(Method::POST)
                    .path("/v3/auth/tokens")
                    .header_missing("x-auth-token")
                    .json_body(body);
                let then = then.status(status);
                match &answer {
                    Value::Null => {
                        then.header("X-Subject-Token", "gAAAA-verification")
                            .json_body(json!({"token": {"user": {"id": USER}}}));
                    }
                    Value::String(text) => {
                        then.header("content-type", "text/html").body(text);
                    }
                    json => {
                        then.json_body(json.clone());
                    }
                }
            })
            .await;
        let change = self_service(USER).verify(true);
        let outcome = anonymous(&server.base_url()).change_password(&change).await;
        match expected {
            Ok(()) => {
                let changed = outcome.unwrap();
                assert_eq!(changed.verification, Verification::Verified, "{status}");
            }
            Err(kind) => {
                let error = outcome.unwrap_err();
                assert_eq!(error.kind(), kind, "{status}: {error}");
                canary::assert_absent_from_error("verification", &error);
            }
        }
        login.assert_async().await;
    }
}

#[tokio::test]
async fn a_verification_token_issued_to_another_user_proves_nothing() {
    let server = MockServer::start_async().await;
    mount_change_and_login(&server, "gAAAA-other", "someone-else").await;
    let error = anonymous(&server.base_url())
        .change_password(&self_service(USER).verify(true))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{error}");
}

/// The answers of a real keystone 30.0.0, each to the request that got it.
#[tokio::test]
async fn keystones_answers_map_to_kinds_and_explanations() {
    let unauthorized = json!({"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}});
    let cases: Vec<(u16, Value, bool, ErrorKind, &str)> = vec![
        (
            401,
            unauthorized.clone(),
            false,
            ErrorKind::CurrentPasswordInvalid,
            "it is wrong, the user does not exist, or the account is locked",
        ),
        (
            401,
            unauthorized.clone(),
            true,
            ErrorKind::Unauthenticated,
            "refused the token",
        ),
        (
            400,
            keystone_error(
                400,
                "The password does not match the requirements: Passwords must contain at least 1 letter, 1 digit, and be a minimum length of 7 characters..",
            ),
            false,
            ErrorKind::PolicyViolation,
            "password_regex",
        ),
        (
            400,
            keystone_error(
                400,
                "The new password cannot be identical to a previous password. The total number which includes the new password must be unique is 3.",
            ),
            false,
            ErrorKind::PasswordReused,
            "unique_last_password_count",
        ),
        (
            400,
            keystone_error(
                400,
                "You cannot change your password at this time due to the minimum password age. Once you change your password, it must be used for 1 day(s) before it can be changed. Please try again in 0 day(s) or contact your administrator to reset your password.",
            ),
            false,
            ErrorKind::PolicyViolation,
            "minimum_password_age",
        ),
        (
            400,
            keystone_error(
                400,
                "You cannot change your password at this time due to password policy disallowing password changes. Please contact your administrator to reset your password.",
            ),
            false,
            ErrorKind::PermissionDenied,
            "lock_password",
        ),
        (
            403,
            keystone_error(
                403,
                "The password length must be less than or equal to 72. The server could not comply with the request because the password is invalid.",
            ),
            false,
            ErrorKind::PolicyViolation,
            "strict_password_check",
        ),
        (
            403,
            keystone_error(
                403,
                "You are not authorized to perform the requested action: identity:update_user.",
            ),
            true,
            ErrorKind::PermissionDenied,
            "needs the admin role",
        ),
        (
            404,
            keystone_error(404, &format!("Could not find user: {USER}.")),
            true,
            ErrorKind::UserNotFound,
            "no user with this id",
        ),
        (
            404,
            keystone_error(404, "The resource could not be found."),
            false,
            ErrorKind::Unexpected,
            "check that base_url is the Keystone endpoint",
        ),
        (
            401,
            keystone_error(401, &format!("The account is disabled for user: {USER}.")),
            false,
            ErrorKind::PermissionDenied,
            "the user is disabled",
        ),
        (
            400,
            keystone_error(
                400,
                "The password does not match the requirements: not a previous password, 'is a required property' either.",
            ),
            false,
            ErrorKind::PolicyViolation,
            "password_regex",
        ),
        (
            400,
            keystone_error(400, "Expecting to find valid JSON in request body."),
            false,
            ErrorKind::InvalidInput,
            "malformed",
        ),
        (
            405,
            json!({"message": "The method is not allowed for the requested URL."}),
            false,
            ErrorKind::Unexpected,
            "",
        ),
        (
            413,
            json!("<html><h1>413 Request Entity Too Large</h1></html>"),
            false,
            ErrorKind::Unexpected,
            "",
        ),
        (429, Value::Null, false, ErrorKind::RateLimited, ""),
        // A proxy's page may follow an applied change; Keystone's own body (the status
        // repeated in `error.code`) proves it was not.
        (
            503,
            json!("<html>down</html>"),
            false,
            ErrorKind::OutcomeUnknown,
            "",
        ),
        (
            503,
            json!({"error": {"code": 503, "message": "Service Unavailable", "title": "Service Unavailable"}}),
            false,
            ErrorKind::Unavailable,
            "",
        ),
        (
            503,
            json!({"error": {"code": 500, "message": "upstream", "title": "Internal"}}),
            false,
            ErrorKind::OutcomeUnknown,
            "",
        ),
        (
            503,
            json!({"error": {"code": 503, "message": "unavailable", "status": "UNAVAILABLE"}}),
            false,
            ErrorKind::OutcomeUnknown,
            "",
        ),
        (
            504,
            json!("<html>gateway</html>"),
            true,
            ErrorKind::OutcomeUnknown,
            "",
        ),
    ];
    for (status, body, admin, kind, explanation) in cases {
        let server = answering(status, &body).await;
        let (client, change) = if admin {
            (with_token(&server.base_url()), admin_set())
        } else {
            (anonymous(&server.base_url()), self_service(USER))
        };
        let case = format!("{status} {body}");
        let error = expect_kind(client, &change, kind, &case).await;
        assert!(
            error.message().contains(explanation),
            "{case}: {}",
            error.message()
        );
    }
}

#[tokio::test]
async fn a_schema_error_never_shows_the_body_keystone_echoes() {
    // Keystone's answer to a body it refuses echoes the body, passwords included.
    let echo = format!(
        "Additional properties are not allowed ('name' was unexpected)\n\nFailed validating 'additionalProperties' in schema:\n    {{'type': 'object'}}\n\nOn instance:\n    {{'password': '{}',\n     'original_password': '{}',\n     'name': 'x'}}",
        canary::NEW_PASSWORD,
        canary::PASSWORD
    );
    for short in [false, true] {
        // A short password cannot be redacted: the text must be dropped all the same.
        let (current, new) = if short {
            ("a", "b")
        } else {
            (canary::PASSWORD, canary::NEW_PASSWORD)
        };
        let echo = echo
            .replace(canary::PASSWORD, current)
            .replace(canary::NEW_PASSWORD, new);
        let server = answering(400, &keystone_error(400, &echo)).await;
        let change = PasswordChange::self_service(USER, current, new).verify(false);
        let error = expect_kind(
            anonymous(&server.base_url()),
            &change,
            ErrorKind::InvalidInput,
            "schema error",
        )
        .await;
        let shown = format!("{error} {error:?} {:?}", error.vendor_messages());
        assert!(!shown.contains("On instance"), "{shown}");
        assert!(!shown.contains("'original_password'"), "{shown}");
        assert!(error.vendor_messages().is_empty(), "{shown}");
        assert!(error.message().contains("never kept"), "{shown}");
    }
}

#[tokio::test]
async fn a_cached_token_keystone_refuses_is_replaced_by_one_login() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(Method::POST).path("/v3/auth/tokens");
            then.status(201)
                .header("X-Subject-Token", canary::TOKEN)
                .json_body(json!({"token": {"user": {"id": "admin-id"}}}));
        })
        .await;
    let refused = server
        .mock_async(|when, then| {
            when.method(Method::PATCH).path(format!("/v3/users/{USER}"));
            then.status(401).json_body(json!({"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}));
        })
        .await;
    let scope = pwchange_keystone::LoginScope::System;
    let client =
        Client::new(KeystoneConfig::new(&server.base_url(), admin_login(scope)).unwrap()).unwrap();
    let first = client.change_password(&admin_set()).await.unwrap_err();
    assert_eq!(first.kind(), ErrorKind::Unauthenticated, "{first}");
    // The fresh token of the first call was refused without a re-login; the second call's cached
    // token is refused, replaced by one login, and refused again.
    let second = client.change_password(&admin_set()).await.unwrap_err();
    assert_eq!(second.kind(), ErrorKind::Unauthenticated, "{second}");
    login.assert_calls_async(2).await;
    refused.assert_calls_async(3).await;
}

#[tokio::test]
async fn an_administrative_set_answered_with_another_users_record_is_unknown() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::PATCH).path(format!("/v3/users/{USER}"));
            then.status(200)
                .json_body(json!({"user": {"id": "0123456789abcdef0123456789abcdef"}}));
        })
        .await;
    let error = with_token(&server.base_url())
        .change_password(&admin_set())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{error}");
}

#[tokio::test]
async fn changes_keystone_cannot_make_are_refused_before_sending() {
    let long = "x".repeat(73);
    let long_multibyte = "é".repeat(37); // 74 bytes, 37 characters
    refused_before_sending(|url| {
        let first_use = Client::new(
            KeystoneConfig::new(url, KeystoneAuth::Token(token()))
                .unwrap()
                .change_password_upon_first_use(true),
        )
        .unwrap();
        let other_hash = Client::new(
            KeystoneConfig::new(url, KeystoneAuth::None)
                .unwrap()
                .password_hash_algorithm("scrypt")
                .unwrap()
                .max_password_length(80),
        )
        .unwrap();
        vec![
            (
                anonymous(url),
                PasswordChange::self_service(USER, canary::PASSWORD, long.clone()),
                ErrorKind::PolicyViolation,
                "73 bytes long; at most 72 are allowed: Keystone hashes with bcrypt",
            ),
            (
                anonymous(url),
                PasswordChange::self_service(USER, canary::PASSWORD, long_multibyte.clone()),
                ErrorKind::PolicyViolation,
                "74 bytes long",
            ),
            (
                other_hash,
                PasswordChange::self_service(USER, canary::PASSWORD, "y".repeat(81)),
                ErrorKind::PolicyViolation,
                "at most 80 are allowed: the configured max_password_length",
            ),
            (
                anonymous(url),
                admin_set(),
                ErrorKind::InvalidInput,
                "needs an administrator's token or login",
            ),
            (
                with_token(url),
                admin_set().require_change_at_next_login(true),
                ErrorKind::Unsupported,
                "only when the server has [security_compliance] change_password_upon_first_use = true",
            ),
            (
                first_use,
                admin_set(),
                ErrorKind::Unsupported,
                "expires every administratively set password",
            ),
            (
                anonymous(url),
                PasswordChange::reset_with_code(USER, "123456", canary::NEW_PASSWORD),
                ErrorKind::Unsupported,
                "no reset with a verification code",
            ),
            (
                anonymous(url),
                self_service("../../v3/users"),
                ErrorKind::InvalidInput,
                "Keystone user id is invalid",
            ),
        ]
    })
    .await;
}

#[tokio::test]
async fn exactly_the_largest_password_is_sent_and_a_smaller_configured_limit_is_named() {
    let server = MockServer::start_async().await;
    let change = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(format!("/v3/users/{USER}/password"));
            then.status(204);
        })
        .await;
    let at_limit = format!("{}1a", "x".repeat(70));
    assert_eq!(at_limit.len(), 72);
    anonymous(&server.base_url())
        .change_password(
            &PasswordChange::self_service(USER, canary::PASSWORD, at_limit).verify(false),
        )
        .await
        .unwrap();
    change.assert_async().await;
    let smaller = Client::new(
        KeystoneConfig::new(&server.base_url(), KeystoneAuth::None)
            .unwrap()
            .max_password_length(50),
    )
    .unwrap();
    let error = smaller
        .change_password(
            &PasswordChange::self_service(USER, canary::PASSWORD, "y".repeat(51)).verify(false),
        )
        .await
        .unwrap_err();
    assert!(
        error
            .message()
            .contains("at most 50 are allowed: the configured max_password_length"),
        "{error}"
    );
}

/// The administrator's login refused: alike for a wrong name, password, locked or disabled
/// account; by name for an expired password.
#[tokio::test]
async fn a_refused_administrator_login_says_what_keystone_told() {
    for (message, explanation) in [
        (
            "The request you have made requires authentication.",
            "Keystone refused the login",
        ),
        (
            "The password is expired and needs to be changed for user: c1bd40eeb12d4d2087e7ca125d364e11.",
            "its password is expired",
        ),
    ] {
        let server = answering(401, &keystone_error(401, message)).await;
        let client = Client::new(
            KeystoneConfig::new(
                &server.base_url(),
                admin_login(pwchange_keystone::LoginScope::System),
            )
            .unwrap(),
        )
        .unwrap();
        let error = expect_kind(&client, &admin_set(), ErrorKind::Unauthenticated, message).await;
        assert!(error.message().contains(explanation), "{error}");
    }
}

#[tokio::test]
async fn a_longer_password_is_sent_where_the_server_hashes_otherwise() {
    let server = MockServer::start_async().await;
    let change = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(format!("/v3/users/{USER}/password"));
            then.status(204);
        })
        .await;
    let client = Client::new(
        KeystoneConfig::new(&server.base_url(), KeystoneAuth::None)
            .unwrap()
            .password_hash_algorithm("bcrypt_sha256")
            .unwrap(),
    )
    .unwrap();
    let long = format!("{}-1a", "x".repeat(100));
    client
        .change_password(&PasswordChange::self_service(USER, canary::PASSWORD, long).verify(false))
        .await
        .unwrap();
    change.assert_async().await;
    assert_eq!(
        client.password_policy().await.unwrap().max_length,
        Some(DEFAULT_MAX_PASSWORD_LENGTH)
    );
}

#[tokio::test]
async fn without_credentials_the_access_check_says_so_and_the_policy_needs_no_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(500);
        })
        .await;
    let client = anonymous(&server.base_url());
    let check = client.check_access().await.unwrap();
    assert!(
        matches!(&check, AccessCheck::NotChecked { reason } if reason.contains("no credentials")),
        "{check:?}"
    );
    let policy = client.password_policy().await.unwrap();
    assert_eq!(policy.max_length, Some(72));
    assert_eq!(policy.length_unit, LengthUnit::Bytes);
    assert_eq!(any.calls_async().await, 0);
}

/// A self-service change answered `204`, and a login answered `201` with `token` issued to
/// `user`.
async fn mount_change_and_login(server: &MockServer, token: &'static str, user: &'static str) {
    server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(format!("/v3/users/{USER}/password"));
            then.status(204);
        })
        .await;
    server
        .mock_async(move |when, then| {
            when.method(Method::POST).path("/v3/auth/tokens");
            then.status(201)
                .header("X-Subject-Token", token)
                .json_body(json!({"token": {"user": {"id": user}}}));
        })
        .await;
}

/// A change answered `204`/`200`, then one verification login answering `login`.
async fn verified_against(
    change: PasswordChange,
    patch_answer: Value,
    login_status: u16,
    login_answer: Value,
) -> (Result<Changed, Error>, MockServer) {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(format!("/v3/users/{USER}/password"));
            then.status(204);
        })
        .await;
    server
        .mock_async(move |when, then| {
            when.method(Method::PATCH).path(format!("/v3/users/{USER}"));
            then.status(200).json_body(patch_answer);
        })
        .await;
    server
        .mock_async(move |when, then| {
            when.method(Method::POST).path("/v3/auth/tokens");
            let then = then.status(login_status).json_body(login_answer);
            if login_status == 201 {
                then.header("X-Subject-Token", "gAAAA-verification");
            } else if login_status == 401 {
                then.header("Openstack-Auth-Receipt", "receipt-id");
            }
        })
        .await;
    let outcome = with_token(&server.base_url())
        .change_password(&change)
        .await;
    (outcome, server)
}

fn record(enabled: bool) -> Value {
    json!({"user": {"id": USER, "name": "alice", "enabled": enabled, "password_expires_at": null}})
}

#[tokio::test]
async fn a_multi_factor_receipt_proves_the_password() {
    let receipt = json!({"receipt": {"methods": ["password"], "user": {"id": USER}}, "required_auth_methods": [["password", "totp"]]});
    let (outcome, _server) =
        verified_against(self_service(USER).verify(true), record(true), 401, receipt).await;
    assert_eq!(outcome.unwrap().verification, Verification::Verified);
}

#[tokio::test]
async fn a_disabled_users_administrative_set_is_applied_but_not_verifiable() {
    let change = PasswordChange::admin_set(USER, canary::NEW_PASSWORD);
    let (outcome, server) = verified_against(
        change,
        record(false),
        201,
        json!({"token": {"user": {"id": USER}}}),
    )
    .await;
    let changed = outcome.unwrap();
    assert!(
        matches!(&changed.verification, Verification::NotVerifiable { reason } if reason.contains("disabled")),
        "{changed:?}"
    );
    // No login was tried: it would have failed whatever the password.
    let logins = server
        .mock_async(|when, then| {
            when.method(Method::POST).path("/v3/auth/tokens");
            then.status(500);
        })
        .await;
    assert_eq!(logins.calls_async().await, 0);
}

#[tokio::test]
async fn an_expired_answer_proves_the_password_only_where_a_change_was_required() {
    let expired = json!({"error": {"code": 401, "message": format!("The password is expired and needs to be changed for user: {USER}."), "title": "Unauthorized"}});
    // Asked for: verified.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::PATCH).path(format!("/v3/users/{USER}"));
            then.status(200).json_body(record(true));
        })
        .await;
    let expired_login = expired.clone();
    server
        .mock_async(move |when, then| {
            when.method(Method::POST).path("/v3/auth/tokens");
            then.status(401).json_body(expired_login);
        })
        .await;
    let client = Client::new(
        KeystoneConfig::new(&server.base_url(), KeystoneAuth::Token(token()))
            .unwrap()
            .change_password_upon_first_use(true),
    )
    .unwrap();
    let change =
        PasswordChange::admin_set(USER, canary::NEW_PASSWORD).require_change_at_next_login(true);
    let changed = client.change_password(&change).await.unwrap();
    assert_eq!(changed.verification, Verification::Verified);
    // Not asked for (the server expires every set although the configuration says it does
    // not): the vendor holds the password, but the user cannot use it as it is.
    let (outcome, _server) = verified_against(
        PasswordChange::admin_set(USER, canary::NEW_PASSWORD),
        record(true),
        401,
        expired.clone(),
    )
    .await;
    let changed = outcome.unwrap();
    assert!(
        matches!(&changed.verification, Verification::NotVerifiable { reason } if reason.contains("expired it at once")),
        "{changed:?}"
    );
    // The same after a self-service change (an expiry the server set at once).
    let (outcome, _server) =
        verified_against(self_service(USER).verify(true), record(true), 401, expired).await;
    assert!(matches!(
        outcome.unwrap().verification,
        Verification::NotVerifiable { .. }
    ));
}

#[tokio::test]
async fn ids_keystone_answers_in_another_case_are_the_same_user() {
    let upper = USER.to_ascii_uppercase();
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::PATCH)
                .path(format!("/v3/users/{}", USER.to_ascii_uppercase()));
            then.status(200).json_body(record(true));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(Method::POST).path("/v3/auth/tokens");
            then.status(201)
                .header("X-Subject-Token", "gAAAA-verification")
                .json_body(json!({"token": {"user": {"id": USER}}}));
        })
        .await;
    let changed = with_token(&server.base_url())
        .change_password(&PasswordChange::admin_set(&upper, canary::NEW_PASSWORD))
        .await
        .unwrap();
    assert_eq!(changed.verification, Verification::Verified);
}

#[tokio::test]
async fn the_verification_token_revokes_itself() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(format!("/v3/users/{USER}/password"));
            then.status(204);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/v3/auth/tokens")
                .header("accept-language", "en");
            then.status(201)
                .header("X-Subject-Token", "gAAAA-verification")
                .json_body(json!({"token": {"user": {"id": USER}}}));
        })
        .await;
    let revoke = server
        .mock_async(|when, then| {
            when.method(Method::DELETE)
                .path("/v3/auth/tokens")
                .header("x-auth-token", "gAAAA-verification")
                .header("x-subject-token", "gAAAA-verification");
            then.status(204);
        })
        .await;
    let changed = anonymous(&server.base_url())
        .change_password(&self_service(USER).verify(true))
        .await
        .unwrap();
    assert_eq!(changed.verification, Verification::Verified);
    revoke.assert_async().await;
}

#[tokio::test]
async fn a_revocation_that_fails_leaves_the_verification_standing() {
    let server = MockServer::start_async().await;
    mount_change_and_login(&server, "gAAAA-verification", USER).await;
    server
        .mock_async(|when, then| {
            when.method(Method::DELETE).path("/v3/auth/tokens");
            then.status(503);
        })
        .await;
    let changed = anonymous(&server.base_url())
        .change_password(&self_service(USER).verify(true))
        .await
        .unwrap();
    assert_eq!(changed.verification, Verification::Verified);
}

#[test]
fn password_expiry_reads_keystone_timestamps_and_drops_others() {
    let at = |text: &str| super::send::keystone_time(text).map(|t| t.to_string());
    assert_eq!(
        at("2024-06-13T06:45:02.000000").as_deref(),
        Some("2024-06-13 06:45:02")
    );
    assert_eq!(
        at("2024-06-13T06:45:02.5Z").as_deref(),
        Some("2024-06-13 06:45:02.500")
    );
    assert_eq!(
        at("2024-06-13T06:45:02").as_deref(),
        Some("2024-06-13 06:45:02")
    );
    assert_eq!(
        at("2024-06-13T08:45:02+02:00").as_deref(),
        Some("2024-06-13 06:45:02")
    );
    assert_eq!(at("next tuesday"), None);
}
