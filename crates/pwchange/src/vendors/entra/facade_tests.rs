//! Entra ID through the facade against mock servers: the exact requests of each mode (the
//! reset; the user's own password login and change), the application's login, what each answer
//! of a verification login proves, every mapped kind, and the checks made before any request.

#![allow(clippy::unwrap_used)] // test code

use httpmock::{Method, MockServer};
use pwchange_core::{Outcome, canary};
use serde_json::{Value, json};

use crate::testing::{expect_kind, refused_before_sending, token};
use crate::*;

const UPN: &str = "alice@contoso.onmicrosoft.com";
const OBJECT_ID: &str = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
const TENANT: &str = "contoso.onmicrosoft.com";
const TOKEN_PATH: &str = "/contoso.onmicrosoft.com/oauth2/v2.0/token";
const LOGIN_APP: &str = "1950a258-227b-4e31-a9cf-717495945fc2";
/// The user's own login's token (a canary too: it must reach no output).
const SESSION: &str = "eyJ0eXAiOiJKV1QiLCJ1c2VyIjoiYWxpY2UifQ.session-canary";

fn config(server: &MockServer, auth: EntraAuth) -> EntraConfig {
    EntraConfig::new(&server.base_url(), auth)
        .unwrap()
        .tenant(TENANT)
        .unwrap()
        .login_client(EntraLoginClient::new(LOGIN_APP, None))
        .authority(&server.base_url())
        .unwrap()
}

fn admin(server: &MockServer) -> Client {
    Client::new(config(server, EntraAuth::Token(token()))).unwrap()
}

fn token_error(code: i64, error: &str) -> Value {
    json!({"error": error, "error_description": format!("AADSTS{code}: text. Trace ID: t"),
           "error_codes": [code], "timestamp": "2026-12-07 20:10:12Z", "trace_id": "t", "correlation_id": "c"})
}

fn graph_error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message, "innerError": {"request-id": "r-1", "date": "2026-12-07T20:10:12"}}})
}

/// The user's password login through the login application, answered `status` `body`.
async fn user_login<'a>(
    server: &'a MockServer,
    password: &str,
    status: u16,
    body: Value,
) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(TOKEN_PATH)
                .header_missing("authorization")
                .form_urlencoded_tuple("grant_type", "password")
                .form_urlencoded_tuple("client_id", LOGIN_APP)
                .form_urlencoded_tuple("scope", "https://graph.microsoft.com/.default")
                .form_urlencoded_tuple("username", UPN)
                .form_urlencoded_tuple("password", password);
            then.status(status).json_body(body);
        })
        .await
}

fn session() -> Value {
    json!({"token_type": "Bearer", "expires_in": 3599, "access_token": SESSION})
}

#[tokio::test]
async fn a_reset_patches_the_password_profile_and_is_verified_by_the_users_login() {
    let server = MockServer::start_async().await;
    let reset = server
        .mock_async(|when, then| {
            when.method(Method::PATCH)
                .path(format!("/v1.0/users/{OBJECT_ID}"))
                .header("authorization", format!("Bearer {}", canary::TOKEN))
                .json_body(json!({"passwordProfile": {"password": canary::NEW_PASSWORD, "forceChangePasswordNextSignIn": false}}));
            then.status(204);
        })
        .await;
    let read = server
        .mock_async(|when, then| {
            when.method(Method::GET)
                .path(format!("/v1.0/users/{OBJECT_ID}"))
                .query_param("$select", "id,userPrincipalName,accountEnabled");
            then.status(200).json_body(
                json!({"id": OBJECT_ID, "userPrincipalName": UPN, "accountEnabled": true}),
            );
        })
        .await;
    let login = user_login(&server, canary::NEW_PASSWORD, 200, session()).await;
    let changed = admin(&server)
        .change_password(&PasswordChange::admin_set(OBJECT_ID, canary::NEW_PASSWORD))
        .await
        .unwrap();
    assert_eq!(changed.verification, Verification::Verified);
    reset.assert_async().await;
    read.assert_async().await;
    login.assert_async().await;
    canary::assert_absent("changed", &format!("{changed:?}"));
}

#[tokio::test]
async fn a_users_own_change_logs_in_with_the_current_password_then_changes_with_that_token() {
    let server = MockServer::start_async().await;
    let proof = user_login(&server, canary::PASSWORD, 200, session()).await;
    let change = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/v1.0/me/changePassword")
                .header("authorization", format!("Bearer {SESSION}"))
                .json_body(json!({"currentPassword": canary::PASSWORD, "newPassword": canary::NEW_PASSWORD}));
            then.status(204);
        })
        .await;
    let verification = user_login(&server, canary::NEW_PASSWORD, 200, session()).await;
    // No credentials of its own: the user's login is the proof.
    let client = Client::new(config(&server, EntraAuth::None)).unwrap();
    let changed = client
        .change_password(&PasswordChange::self_service(
            UPN,
            canary::PASSWORD,
            canary::NEW_PASSWORD,
        ))
        .await
        .unwrap();
    assert_eq!(changed.verification, Verification::Verified);
    proof.assert_async().await;
    change.assert_async().await;
    verification.assert_async().await;
    canary::assert_absent(
        "changed",
        &format!("{changed:?} {SESSION}").replace(SESSION, ""),
    );
}

#[tokio::test]
async fn the_proof_logins_answers_become_the_changes() {
    for (code, error, kind, says) in [
        (
            50126,
            "invalid_grant",
            ErrorKind::CurrentPasswordInvalid,
            "current password",
        ),
        (
            50076,
            "interaction_required",
            ErrorKind::PermissionDenied,
            "multi-factor",
        ),
        (
            7_000_215,
            "invalid_client",
            ErrorKind::Unauthenticated,
            "login_client_id",
        ),
    ] {
        let server = MockServer::start_async().await;
        user_login(&server, canary::PASSWORD, 400, token_error(code, error)).await;
        let change = server
            .mock_async(|when, then| {
                when.method(Method::POST).path("/v1.0/me/changePassword");
                then.status(204);
            })
            .await;
        let client = Client::new(config(&server, EntraAuth::None)).unwrap();
        let err = expect_kind(
            &client,
            &PasswordChange::self_service(UPN, canary::PASSWORD, canary::NEW_PASSWORD),
            kind,
            &format!("AADSTS{code}"),
        )
        .await;
        assert_eq!(err.outcome(), Outcome::NotApplied, "{code}");
        assert!(err.to_string().contains(says), "{code}: {err}");
        assert_eq!(
            change.calls_async().await,
            0,
            "{code}: the change was not sent"
        );
    }
}

#[tokio::test]
async fn what_each_verification_answer_proves() {
    for (code, expected) in [
        (50126, Err(ErrorKind::VerificationFailed)),
        (50053, Err(ErrorKind::OutcomeUnknown)),
        (50076, Ok("multi-factor")),
        (50079, Ok("multi-factor")),
        (50055, Ok("changed at the next sign-in")),
        (50057, Ok("disabled")),
        (53003, Ok("Conditional Access")),
        (65001, Ok("consent")),
    ] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(Method::PATCH)
                    .path(format!("/v1.0/users/{UPN}"));
                then.status(204);
            })
            .await;
        user_login(
            &server,
            canary::NEW_PASSWORD,
            400,
            token_error(code, "invalid_grant"),
        )
        .await;
        let result = admin(&server)
            .change_password(&PasswordChange::admin_set(UPN, canary::NEW_PASSWORD))
            .await;
        match (result, expected) {
            (Ok(changed), Ok(reason)) => assert!(
                matches!(&changed.verification, Verification::NotVerifiable { reason: r } if r.contains(reason)),
                "{code}: {:?}",
                changed.verification
            ),
            (Err(error), Err(kind)) => {
                assert_eq!(error.kind(), kind, "{code}: {error}");
                assert_eq!(error.outcome(), Outcome::Unknown, "{code}");
            }
            (other, _) => panic!("{code}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_application_logs_in_with_its_client_credentials_once() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(TOKEN_PATH)
                .form_urlencoded_tuple("grant_type", "client_credentials")
                .form_urlencoded_tuple("client_id", "admin-app")
                .form_urlencoded_tuple("client_secret", canary::PASSWORD)
                .form_urlencoded_tuple("scope", "https://graph.microsoft.com/.default");
            then.status(200).json_body(
                json!({"token_type": "Bearer", "expires_in": 3599, "access_token": canary::TOKEN}),
            );
        })
        .await;
    let reset = server
        .mock_async(|when, then| {
            when.method(Method::PATCH)
                .path(format!("/v1.0/users/{UPN}"))
                .header("authorization", format!("Bearer {}", canary::TOKEN));
            then.status(204);
        })
        .await;
    let client = Client::from_settings(
        Settings::new(Vendor::Entra)
            .with("base_url", server.base_url())
            .with("authority", server.base_url())
            .with("tenant", TENANT)
            .with("client_id", "admin-app")
            .with("client_secret", canary::PASSWORD),
    )
    .unwrap();
    for _ in 0..2 {
        let changed = client
            .change_password(&PasswordChange::admin_set(UPN, canary::NEW_PASSWORD))
            .await
            .unwrap();
        assert!(
            matches!(&changed.verification, Verification::NotVerifiable { reason } if reason.contains("login_client_id")),
            "{:?}",
            changed.verification
        );
    }
    assert_eq!(login.calls_async().await, 1);
    assert_eq!(reset.calls_async().await, 2);
}

#[tokio::test]
async fn a_guests_principal_name_is_sent_percent_encoded() {
    let server = MockServer::start_async().await;
    let reset = server
        .mock_async(|when, then| {
            when.method(Method::PATCH)
                .path("/v1.0/users/bob_adatum.com%23EXT%23@contoso.onmicrosoft.com");
            then.status(204);
        })
        .await;
    admin(&server)
        .change_password(
            &PasswordChange::admin_set(
                "bob_adatum.com#EXT#@contoso.onmicrosoft.com",
                canary::NEW_PASSWORD,
            )
            .verify(false),
        )
        .await
        .unwrap();
    reset.assert_async().await;
}

#[tokio::test]
async fn the_reset_refusals_get_their_kinds() {
    let cases = [
        (
            400,
            graph_error(
                "Request_BadRequest",
                "The specified password does not comply with password complexity requirements. Please provide a different password.",
            ),
            ErrorKind::PolicyViolation,
            "password policy refused the new password",
        ),
        (
            400,
            graph_error(
                "Request_BadRequest",
                "Invalid value specified for property 'mailNickname'.",
            ),
            ErrorKind::InvalidInput,
            "Invalid value specified",
        ),
        (
            401,
            graph_error(
                "InvalidAuthenticationToken",
                "Access token has expired or is not yet valid.",
            ),
            ErrorKind::Unauthenticated,
            "Graph refused the token",
        ),
        (
            403,
            graph_error(
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            ),
            ErrorKind::PermissionDenied,
            "User Administrator role",
        ),
        (
            404,
            graph_error("Request_ResourceNotFound", "Resource 'x' does not exist."),
            ErrorKind::UserNotFound,
            "no user with this object id",
        ),
        (
            429,
            graph_error("TooManyRequests", "Too many requests."),
            ErrorKind::RateLimited,
            "throttled the request",
        ),
    ];
    for (status, body, kind, says) in cases {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(Method::PATCH)
                    .path(format!("/v1.0/users/{UPN}"));
                then.status(status)
                    .header("retry-after", "9")
                    .json_body(body.clone());
            })
            .await;
        let error = expect_kind(
            admin(&server),
            &PasswordChange::admin_set(UPN, canary::NEW_PASSWORD),
            kind,
            &format!("{status} {body}"),
        )
        .await;
        assert_eq!(error.outcome(), Outcome::NotApplied, "{body}");
        assert!(error.to_string().contains(says), "{says}: {error}");
        if kind == ErrorKind::RateLimited {
            assert_eq!(error.retry_after(), Some(std::time::Duration::from_secs(9)));
        }
    }
}

#[tokio::test]
async fn refusals_before_any_request() {
    refused_before_sending(|base| {
        let with = |login: bool| {
            let config = EntraConfig::new(base, EntraAuth::Token(token()))
                .unwrap()
                .tenant(TENANT)
                .unwrap();
            let config = if login {
                config.login_client(EntraLoginClient::new(LOGIN_APP, None))
            } else {
                config
            };
            Client::new(config.authority(base).unwrap()).unwrap()
        };
        vec![
            (
                with(true),
                PasswordChange::admin_set(UPN, "x".repeat(257)),
                ErrorKind::PolicyViolation,
                "at most 256",
            ),
            (
                with(false),
                PasswordChange::self_service(UPN, canary::PASSWORD, canary::NEW_PASSWORD),
                ErrorKind::Unsupported,
                "login_client_id",
            ),
            (
                with(true),
                PasswordChange::self_service(OBJECT_ID, canary::PASSWORD, canary::NEW_PASSWORD),
                ErrorKind::InvalidInput,
                "user principal name",
            ),
            (
                with(true),
                PasswordChange::admin_set("$admin@contoso.onmicrosoft.com", canary::NEW_PASSWORD),
                ErrorKind::InvalidInput,
                "begins with $",
            ),
            (
                with(true),
                PasswordChange::reset_with_code(UPN, "CODE1234", canary::NEW_PASSWORD),
                ErrorKind::Unsupported,
                "no API",
            ),
        ]
    })
    .await;
}

#[tokio::test]
async fn each_failure_says_what_to_check() {
    // The application's login refused: its credentials.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::POST).path(TOKEN_PATH);
            then.status(401)
                .json_body(token_error(7_000_215, "invalid_client"));
        })
        .await;
    let app = Client::new(config(
        &server,
        EntraAuth::ClientCredentials {
            client_id: "admin-app".into(),
            client_secret: token(),
        },
    ))
    .unwrap();
    let error = expect_kind(
        &app,
        &PasswordChange::admin_set(UPN, canary::NEW_PASSWORD),
        ErrorKind::Unauthenticated,
        "the application's login",
    )
    .await;
    assert!(
        error
            .to_string()
            .contains("application's client credentials"),
        "{error}"
    );
    // The user's own change refused: the login application's delegated permission; the
    // current password and the last password, by Graph's texts.
    for (status, body, kind, says) in [
        (
            403,
            graph_error(
                "Authorization_RequestDenied",
                "Access to change password operation is denied.",
            ),
            ErrorKind::PermissionDenied,
            "delegated User-PasswordProfile.ReadWrite.All",
        ),
        (
            400,
            graph_error("Request_BadRequest", "The current password is incorrect."),
            ErrorKind::CurrentPasswordInvalid,
            "refused the current password",
        ),
        (
            400,
            graph_error(
                "Request_BadRequest",
                "The password was recently used: password history.",
            ),
            ErrorKind::PasswordReused,
            "the user's last one",
        ),
    ] {
        let server = MockServer::start_async().await;
        user_login(&server, canary::PASSWORD, 200, session()).await;
        server
            .mock_async(|when, then| {
                when.method(Method::POST).path("/v1.0/me/changePassword");
                then.status(status).json_body(body.clone());
            })
            .await;
        let client = Client::new(config(&server, EntraAuth::None)).unwrap();
        let error = expect_kind(
            &client,
            &PasswordChange::self_service(UPN, canary::PASSWORD, canary::NEW_PASSWORD),
            kind,
            says,
        )
        .await;
        assert!(error.to_string().contains(says), "{says}: {error}");
    }
    // A verification's user read refused: the token's read permission; an authority that
    // answers 404: the URLs.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::PATCH)
                .path(format!("/v1.0/users/{OBJECT_ID}"));
            then.status(204);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(Method::GET)
                .path(format!("/v1.0/users/{OBJECT_ID}"));
            then.status(403).json_body(graph_error(
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            ));
        })
        .await;
    let error = admin(&server)
        .change_password(&PasswordChange::admin_set(OBJECT_ID, canary::NEW_PASSWORD))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("needs User.Read.All"), "{error}");
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::POST).path(TOKEN_PATH);
            then.status(404);
        })
        .await;
    let client = Client::new(config(&server, EntraAuth::None)).unwrap();
    let error = client
        .change_password(&PasswordChange::self_service(
            UPN,
            canary::PASSWORD,
            canary::NEW_PASSWORD,
        ))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(error.to_string().contains("check authority"), "{error}");
}

#[tokio::test]
async fn a_given_principal_name_is_logged_in_with_and_256_characters_are_sent() {
    let server = MockServer::start_async().await;
    let longest = "Aa1!".repeat(64);
    server
        .mock_async(|when, then| {
            when.method(Method::PATCH)
                .path(format!("/v1.0/users/{OBJECT_ID}"));
            then.status(204);
        })
        .await;
    let read = server
        .mock_async(|when, then| {
            when.method(Method::GET)
                .path(format!("/v1.0/users/{OBJECT_ID}"));
            then.status(500);
        })
        .await;
    user_login(&server, &longest, 200, session()).await;
    let changed = admin(&server)
        .change_password(&PasswordChange::admin_set(OBJECT_ID, longest.as_str()).login_name(UPN))
        .await
        .unwrap();
    assert_eq!(changed.verification, Verification::Verified);
    assert_eq!(
        read.calls_async().await,
        0,
        "the given name, no record read"
    );
}
