//! Auth0 through the facade against mock servers: the user read that finds the database
//! connection (or the configured one), the exact update (the id's `|` as `%7C`), the
//! application's login, the verification's password-realm grant and what each of its answers
//! proves, the connections' policy, every refusal's kind and explanation, and the checks made
//! before any request.

#![allow(clippy::unwrap_used)] // test code

use httpmock::{Method, MockServer};
use pwchange_core::{Outcome, canary};
use serde_json::{Value, json};

use crate::testing::{expect_kind, refused_before_sending, token};
use crate::*;

const ID: &str = "auth0|63d17c4ba030f2d4279f2c54";
const USER: &str = "/api/v2/users/auth0%7C63d17c4ba030f2d4279f2c54";
const DB: &str = "Username-Password-Authentication";
const EMAIL: &str = "alice@example.com";
const PASSWORD_REALM: &str = "http://auth0.com/oauth/grant-type/password-realm";

fn config(server: &MockServer) -> Auth0Config {
    Auth0Config::new(&server.base_url(), Auth0Auth::Token(token())).unwrap()
}

fn admin(server: &MockServer) -> Client {
    Client::new(config(server).verify_client("login-app", None)).unwrap()
}

fn record(provider: &str, blocked: bool) -> Value {
    json!({"user_id": ID, "email": EMAIL, "blocked": blocked,
        "identities": [{"connection": if provider == "auth0" { DB } else { "google-oauth2" }, "provider": provider, "user_id": "63d17c4ba030f2d4279f2c54", "isSocial": provider != "auth0"}]})
}

async fn read<'a>(server: &'a MockServer, record: Value) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(Method::GET)
                .path(USER)
                .header("authorization", format!("Bearer {}", canary::TOKEN));
            then.status(200).json_body(record);
        })
        .await
}

async fn update<'a>(server: &'a MockServer, answer: Value) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(Method::PATCH)
                .path(USER)
                .header("authorization", format!("Bearer {}", canary::TOKEN))
                .json_body(json!({"password": canary::NEW_PASSWORD, "connection": DB}));
            then.status(200).json_body(answer);
        })
        .await
}

/// The verification's password-realm grant as alice through login-app, answered `status`.
async fn login<'a>(server: &'a MockServer, status: u16, body: Value) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/oauth/token")
                .header_missing("authorization")
                .json_body(json!({"grant_type": PASSWORD_REALM, "client_id": "login-app", "username": EMAIL, "password": canary::NEW_PASSWORD, "realm": DB}));
            then.status(status).json_body(body);
        })
        .await
}

fn oauth(error: &str, description: &str) -> Value {
    json!({"error": error, "error_description": description})
}

#[tokio::test]
async fn a_set_reads_the_database_connection_then_updates_and_verifies_with_one_login() {
    let server = MockServer::start_async().await;
    let read = read(&server, record("auth0", false)).await;
    let update = update(&server, record("auth0", false)).await;
    let login = login(
        &server,
        200,
        json!({"access_token": "eyJ.user", "expires_in": 86400, "token_type": "Bearer"}),
    )
    .await;
    let changed = admin(&server)
        .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
        .await
        .unwrap();
    assert_eq!(changed.verification, Verification::Verified);
    assert_eq!(changed.user_id, ID);
    match &changed.details {
        Some(ChangedDetails::Auth0(details)) => {
            assert_eq!(details.operation, ChangeOperation::UpdateUser);
            assert_eq!(details.connection.shown(), Some(DB));
            assert_eq!(details.email.as_ref().and_then(|e| e.shown()), Some(EMAIL));
            assert!(!details.blocked);
        }
        other => panic!("{other:?}"),
    }
    // The verification reads the record again: the connection and whether the user is blocked.
    assert_eq!(read.calls_async().await, 2);
    update.assert_async().await;
    login.assert_async().await;
    canary::assert_absent("changed", &format!("{changed:?}"));
}

#[tokio::test]
async fn a_configured_connection_needs_no_read() {
    let server = MockServer::start_async().await;
    let reads = server
        .mock_async(|when, then| {
            when.method(Method::GET);
            then.status(500);
        })
        .await;
    let update = update(&server, record("auth0", false)).await;
    let login = login(&server, 200, json!({"access_token": "eyJ.user"})).await;
    let client = Client::new(
        config(&server)
            .connection(DB)
            .unwrap()
            .verify_client("login-app", None),
    )
    .unwrap();
    let changed = client
        .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
        .await
        .unwrap();
    assert_eq!(changed.verification, Verification::Verified);
    update.assert_async().await;
    login.assert_async().await;
    assert_eq!(reads.calls_async().await, 0);
}

#[tokio::test]
async fn a_social_user_is_refused_before_the_update() {
    let server = MockServer::start_async().await;
    read(&server, record("google-oauth2", false)).await;
    let updates = server
        .mock_async(|when, then| {
            when.method(Method::PATCH);
            then.status(200);
        })
        .await;
    let error = expect_kind(
        admin(&server),
        &PasswordChange::admin_set(ID, canary::NEW_PASSWORD),
        ErrorKind::Unsupported,
        "a social user",
    )
    .await;
    assert_eq!(error.outcome(), Outcome::NotApplied);
    assert!(error.to_string().contains("identity provider"), "{error}");
    assert_eq!(updates.calls_async().await, 0);
}

#[tokio::test]
async fn a_blocked_user_or_no_verification_application_is_not_verifiable_without_a_login() {
    let server = MockServer::start_async().await;
    read(&server, record("auth0", true)).await;
    update(&server, record("auth0", true)).await;
    let logins = login(&server, 200, json!({"access_token": "eyJ.user"})).await;
    let changed = admin(&server)
        .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
        .await
        .unwrap();
    match &changed.verification {
        Verification::NotVerifiable { reason } => assert!(reason.contains("blocked"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let server2 = MockServer::start_async().await;
    read(&server2, record("auth0", false)).await;
    update(&server2, record("auth0", false)).await;
    let changed = Client::new(config(&server2))
        .unwrap()
        .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
        .await
        .unwrap();
    match &changed.verification {
        Verification::NotVerifiable { reason } => {
            assert!(reason.contains("verify_client_id"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(logins.calls_async().await, 0);
}

#[tokio::test]
async fn what_each_verification_answer_proves() {
    let cases: [(u16, Value, Option<ErrorKind>, &str); 8] = [
        (
            403,
            oauth("invalid_grant", "Wrong email or password."),
            Some(ErrorKind::VerificationFailed),
            "Wrong email or password",
        ),
        (
            403,
            oauth("mfa_required", "Multifactor authentication required"),
            None,
            "multi-factor",
        ),
        (
            429,
            oauth(
                "too_many_attempts",
                "Your account has been blocked after multiple consecutive login attempts.",
            ),
            Some(ErrorKind::OutcomeUnknown),
            "brute-force protection",
        ),
        (
            401,
            oauth(
                "password_leaked",
                "This login attempt has been blocked because the password you're using was previously disclosed",
            ),
            Some(ErrorKind::OutcomeUnknown),
            "breached password detection",
        ),
        (
            403,
            oauth(
                "unauthorized_client",
                "Grant type 'http://auth0.com/oauth/grant-type/password-realm' not allowed for the client.",
            ),
            None,
            "Password grant",
        ),
        (
            401,
            oauth("access_denied", "Unauthorized"),
            None,
            "verify_client_id and verify_client_secret",
        ),
        (
            400,
            oauth(
                "requires_verification",
                "Suspicious request requires verification",
            ),
            None,
            "bot detection",
        ),
        (
            429,
            oauth("too_many_requests", "Rate limit exceeded."),
            Some(ErrorKind::OutcomeUnknown),
            "rate limited",
        ),
    ];
    for (status, body, failed, says) in cases {
        let server = MockServer::start_async().await;
        read(&server, record("auth0", false)).await;
        update(&server, record("auth0", false)).await;
        let logins = login(&server, status, body.clone()).await;
        let outcome = admin(&server)
            .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
            .await;
        match (failed, outcome) {
            (None, Ok(changed)) => match changed.verification {
                Verification::NotVerifiable { reason } => {
                    assert!(reason.contains(says), "{body}: {reason}");
                }
                other => panic!("{body}: {other:?}"),
            },
            (Some(kind), Err(error)) => {
                assert_eq!(error.kind(), kind, "{body}: {error}");
                assert!(error.to_string().contains(says), "{body}: {error}");
                canary::assert_absent_from_error("verification", &error);
            }
            (expected, outcome) => panic!("{body}: expected {expected:?}, got {outcome:?}"),
        }
        assert_eq!(
            logins.calls_async().await,
            1,
            "{body}: one login, never a retry"
        );
    }
}

#[tokio::test]
async fn an_application_logs_in_with_the_management_audience() {
    let server = MockServer::start_async().await;
    let audience = format!("{}/api/v2/", server.base_url());
    let app_login = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/oauth/token")
                .json_body(json!({"grant_type": "client_credentials", "client_id": "m2m", "client_secret": "s3cret-app", "audience": audience}));
            then.status(200).json_body(json!({"access_token": canary::TOKEN, "expires_in": 86400, "token_type": "Bearer"}));
        })
        .await;
    let update = update(&server, record("auth0", false)).await;
    let auth = Auth0Auth::Login(Auth0Login::new(
        "m2m",
        SecretToken::new("s3cret-app").unwrap(),
    ));
    let client = Client::new(
        Auth0Config::new(&server.base_url(), auth)
            .unwrap()
            .connection(DB)
            .unwrap(),
    )
    .unwrap();
    client
        .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD).verify(false))
        .await
        .unwrap();
    app_login.assert_async().await;
    update.assert_async().await;

    // A refused application is named, and a configured audience is the one sent.
    let server = MockServer::start_async().await;
    let refused = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/oauth/token")
                .json_body_includes(r#"{"audience": "https://acme.example/api/v2/"}"#);
            // An answer that echoes the client secret: it must be redacted.
            then.status(403).json_body(oauth(
                "access_denied",
                "Client s3cret-app is not authorized to access \"https://acme.example/api/v2/\".",
            ));
        })
        .await;
    let auth = Auth0Auth::Login(
        Auth0Login::new("m2m", SecretToken::new("s3cret-app").unwrap())
            .audience("https://acme.example/api/v2/"),
    );
    let client = Client::new(Auth0Config::new(&server.base_url(), auth).unwrap()).unwrap();
    let error = expect_kind(
        client,
        &PasswordChange::admin_set(ID, canary::NEW_PASSWORD),
        ErrorKind::PermissionDenied,
        "a refused application",
    )
    .await;
    assert!(error.to_string().contains("client grant"), "{error}");
    let everything = format!("{error} {error:?} {:?}", error.vendor_messages());
    assert!(!everything.contains("s3cret-app"), "{everything}");
    assert!(
        everything.contains("is not authorized"),
        "the vendor's message is kept: {everything}"
    );
    refused.assert_async().await;
}

fn connection(options: Value) -> Value {
    json!({"id": "con_1", "name": DB, "strategy": "auth0", "options": options})
}

#[tokio::test]
async fn the_policy_is_the_configured_connections_or_the_strictest() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::GET)
                .path("/api/v2/connections")
                .query_param("strategy", "auth0")
                .query_param_missing("name");
            then.status(200).json_body(json!([
                connection(json!({"passwordPolicy": "fair", "password_complexity_options": {"min_length": 12}})),
                {"id": "con_2", "name": "employees", "strategy": "auth0", "options": {"passwordPolicy": "excellent", "password_history": {"enable": true, "size": 5}}},
            ]));
        })
        .await;
    let policy = admin(&server).password_policy().await.unwrap();
    assert_eq!(
        (policy.min_length, policy.min_lowercase, policy.min_classes),
        (12, 1, 3)
    );
    assert_eq!(policy.unchecked.len(), 2, "{:?}", policy.unchecked);
    match &policy.source {
        PolicySource::Vendor { operation } => {
            assert!(operation.contains("strictest of 2"), "{operation}");
        }
        other => panic!("{other:?}"),
    }

    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::GET)
                .path("/api/v2/connections")
                .query_param("strategy", "auth0")
                .query_param("name", DB);
            then.status(200)
                .json_body(json!([connection(json!({"passwordPolicy": "low"}))]));
        })
        .await;
    let client = Client::new(config(&server).connection(DB).unwrap()).unwrap();
    let policy = client.password_policy().await.unwrap();
    assert_eq!((policy.min_length, policy.min_classes), (6, 0));
}

#[tokio::test]
async fn a_policy_without_options_or_connection_says_why() {
    for (answer, kind, says) in [
        (
            json!([{"id": "con_1", "name": DB, "strategy": "auth0"}]),
            ErrorKind::PermissionDenied,
            "read:connections_options",
        ),
        (json!([]), ErrorKind::InvalidInput, "no database connection"),
        (
            json!([connection(json!({})), {"id": "con_2", "name": "other", "strategy": "auth0", "options": {}}]),
            ErrorKind::InvalidInput,
            "check the connection setting",
        ),
    ] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(Method::GET).path("/api/v2/connections");
                then.status(200).json_body(answer.clone());
            })
            .await;
        let client = match kind {
            // A configured connection that the answer lacks (a server that ignored `name`).
            ErrorKind::InvalidInput if says.contains("setting") => {
                Client::new(config(&server).connection("missing-db").unwrap()).unwrap()
            }
            _ => admin(&server),
        };
        let error = client.password_policy().await.unwrap_err();
        assert_eq!(error.kind(), kind, "{answer}: {error}");
        assert!(error.to_string().contains(says), "{says}: {error}");
    }
}

#[tokio::test]
async fn a_password_of_72_bytes_is_sent_and_73_are_refused() {
    let server = MockServer::start_async().await;
    let longest = format!("Aa1!{}", "x".repeat(68));
    assert_eq!(longest.len(), 72);
    let update = server
        .mock_async(|when, then| {
            when.method(Method::PATCH)
                .path(USER)
                .json_body(json!({"password": longest, "connection": DB}));
            then.status(200).json_body(record("auth0", false));
        })
        .await;
    let client = Client::new(config(&server).connection(DB).unwrap()).unwrap();
    client
        .change_password(&PasswordChange::admin_set(ID, longest.as_str()).verify(false))
        .await
        .unwrap();
    update.assert_async().await;
    let error = expect_kind(
        client,
        &PasswordChange::admin_set(ID, format!("{longest}y")),
        ErrorKind::PolicyViolation,
        "73 bytes",
    )
    .await;
    assert!(error.to_string().contains("73 bytes"), "{error}");
}

#[tokio::test]
async fn refusals_before_any_request() {
    refused_before_sending(|base| {
        let client =
            || Client::new(Auth0Config::new(base, Auth0Auth::Token(token())).unwrap()).unwrap();
        vec![
            (
                client(),
                PasswordChange::self_service(ID, canary::PASSWORD, canary::NEW_PASSWORD),
                ErrorKind::Unsupported,
                "no API for a user's own password change",
            ),
            (
                client(),
                PasswordChange::admin_set(ID, canary::NEW_PASSWORD)
                    .require_change_at_next_login(true),
                ErrorKind::Unsupported,
                "requires a new password at the next login",
            ),
            (
                client(),
                PasswordChange::admin_set(ID, "é".repeat(37)),
                ErrorKind::PolicyViolation,
                "74 bytes",
            ),
            (
                client(),
                PasswordChange::admin_set("auth0|a b", canary::NEW_PASSWORD),
                ErrorKind::InvalidInput,
                "user id is invalid",
            ),
        ]
    })
    .await;
}

fn management(status: u16, message: &str, code: Option<&str>) -> Value {
    let mut body = json!({"statusCode": status, "error": "Error", "message": message});
    if let Some(code) = code {
        body["errorCode"] = json!(code);
    }
    body
}

#[tokio::test]
async fn the_update_refusals_get_their_kinds_and_say_what_to_check() {
    let cases = [
        (
            400,
            management(400, "PasswordStrengthError: Password is too weak", None),
            ErrorKind::PolicyViolation,
            "its length or character classes",
        ),
        (
            400,
            management(400, "PasswordDictionaryError: Password is too common", None),
            ErrorKind::PolicyViolation,
            "a common password",
        ),
        (
            400,
            management(
                400,
                "PasswordNoUserInfoError: Password contains user information",
                None,
            ),
            ErrorKind::PolicyViolation,
            "the user's name",
        ),
        (
            400,
            management(
                400,
                "PasswordHistoryError: Password has previously been used",
                None,
            ),
            ErrorKind::PasswordReused,
            "recent passwords",
        ),
        (
            400,
            management(
                400,
                "Cannot change email or password for users in a disabled connection.",
                None,
            ),
            ErrorKind::Unsupported,
            "connection is disabled",
        ),
        (
            400,
            management(400, "Connection is not supported for this operation.", None),
            ErrorKind::Unsupported,
            "identity provider",
        ),
        (
            400,
            management(400, "Connection does not exist.", None),
            ErrorKind::InvalidInput,
            "check the connection setting",
        ),
        (
            401,
            management(401, "Invalid token.", None),
            ErrorKind::Unauthenticated,
            "24 hours",
        ),
        (
            403,
            management(
                403,
                "Insufficient scope, expected any of: update:users",
                Some("insufficient_scope"),
            ),
            ErrorKind::PermissionDenied,
            "lacks the scope update:users",
        ),
        (
            400,
            management(
                400,
                "Payload validation error: 'Too many properties'",
                Some("invalid_body"),
            ),
            ErrorKind::InvalidInput,
            "the vendor refused the change",
        ),
        (
            404,
            management(404, "The user does not exist.", Some("inexistent_user")),
            ErrorKind::UserNotFound,
            "no user with this id",
        ),
        (404, Value::Null, ErrorKind::InvalidInput, "check base_url"),
        (
            429,
            management(
                429,
                "Global limit has been reached",
                Some("too_many_requests"),
            ),
            ErrorKind::RateLimited,
            "x-ratelimit-reset",
        ),
    ];
    for (status, body, kind, says) in cases {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(Method::PATCH).path(USER);
                let then = then.status(status);
                if !body.is_null() {
                    then.json_body(body.clone());
                }
            })
            .await;
        let client = Client::new(config(&server).connection(DB).unwrap()).unwrap();
        let error = expect_kind(
            client,
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
async fn a_read_refusal_before_the_update_says_read_users_and_an_answer_about_another_user_is_not_this_change()
 {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::GET).path(USER);
            then.status(403).json_body(management(
                403,
                "Insufficient scope, expected any of: read:users",
                Some("insufficient_scope"),
            ));
        })
        .await;
    let error = expect_kind(
        admin(&server),
        &PasswordChange::admin_set(ID, canary::NEW_PASSWORD),
        ErrorKind::PermissionDenied,
        "a read refusal",
    )
    .await;
    assert!(
        error
            .to_string()
            .contains("read:connections_options for the policy"),
        "{error}"
    );

    let server = MockServer::start_async().await;
    let mut other = record("auth0", false);
    other["user_id"] = json!("auth0|ffffffffffffffffffffffff");
    update(&server, other).await;
    let client = Client::new(config(&server).connection(DB).unwrap()).unwrap();
    let error = expect_kind(
        client,
        &PasswordChange::admin_set(ID, canary::NEW_PASSWORD),
        ErrorKind::OutcomeUnknown,
        "another user's record",
    )
    .await;
    assert!(
        error.to_string().contains("another user's record"),
        "{error}"
    );
}

#[tokio::test]
async fn a_read_about_another_user_stops_before_the_update() {
    let server = MockServer::start_async().await;
    let mut other = record("auth0", false);
    other["user_id"] = json!("auth0|ffffffffffffffffffffffff");
    read(&server, other).await;
    let updates = server
        .mock_async(|when, then| {
            when.method(Method::PATCH);
            then.status(200);
        })
        .await;
    let error = expect_kind(
        admin(&server),
        &PasswordChange::admin_set(ID, canary::NEW_PASSWORD),
        ErrorKind::Unexpected,
        "a record of another user",
    )
    .await;
    assert_eq!(error.outcome(), Outcome::NotApplied);
    assert_eq!(updates.calls_async().await, 0);
}

#[tokio::test]
async fn linked_database_identities_need_the_connection_and_a_linked_secondary_is_not_verifiable() {
    // Two database identities: which one to set is not the adapter's guess.
    let server = MockServer::start_async().await;
    let mut two = record("auth0", false);
    two["identities"]
        .as_array_mut()
        .unwrap()
        .push(json!({"connection": "employees", "provider": "auth0", "isSocial": false}));
    read(&server, two).await;
    let error = expect_kind(
        admin(&server),
        &PasswordChange::admin_set(ID, canary::NEW_PASSWORD),
        ErrorKind::InvalidInput,
        "two database identities",
    )
    .await;
    assert!(
        error.to_string().contains("set the connection setting"),
        "{error}"
    );

    // A database identity linked under a social primary: the record's email is the social
    // account's, so no login can name the database one.
    let server = MockServer::start_async().await;
    let mut linked = record("google-oauth2", false);
    linked["identities"]
        .as_array_mut()
        .unwrap()
        .push(json!({"connection": DB, "provider": "auth0", "isSocial": false}));
    read(&server, linked.clone()).await;
    let update = update(&server, linked).await;
    let logins = login(
        &server,
        403,
        oauth("invalid_grant", "Wrong email or password."),
    )
    .await;
    let changed = admin(&server)
        .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
        .await
        .unwrap();
    update.assert_async().await;
    match &changed.verification {
        Verification::NotVerifiable { reason } => assert!(reason.contains("linked"), "{reason}"),
        other => panic!("{other:?}"),
    }
    match &changed.details {
        Some(ChangedDetails::Auth0(details)) => assert!(details.email.is_none()),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        logins.calls_async().await,
        0,
        "no login with another account's name"
    );
}

#[tokio::test]
async fn a_user_the_verifications_read_finds_blocked_is_not_verifiable() {
    let server = MockServer::start_async().await;
    // A verification by id reads the record (the change's answer may have said otherwise).
    read(&server, record("auth0", true)).await;
    let logins = login(&server, 200, json!({"access_token": "eyJ.user"})).await;
    let client = Client::new(config(&server).verify_client("login-app", None)).unwrap();
    let error = client
        .verify_password(ID, None, &Password::new(canary::NEW_PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unsupported, "{error}");
    assert!(error.to_string().contains("blocked"), "{error}");
    assert_eq!(logins.calls_async().await, 0);
}

#[tokio::test]
async fn a_lost_update_answer_is_proven_by_the_login_and_a_5xx_login_proves_nothing() {
    // A 503 in Auth0's shape after the update: the login decides.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::PATCH).path(USER);
            then.status(503).json_body(json!({"statusCode": 503, "error": "Service Unavailable", "message": "Server timeout"}));
        })
        .await;
    let logins = login(&server, 200, json!({"access_token": "eyJ.user"})).await;
    let client = Client::new(
        config(&server)
            .connection(DB)
            .unwrap()
            .verify_client("login-app", None),
    )
    .unwrap();
    let changed = client
        .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD).login_name(EMAIL))
        .await
        .unwrap();
    assert_eq!(changed.verification, Verification::Verified);
    assert!(changed.details.is_none(), "the answer was lost");
    logins.assert_async().await;

    // A 5xx with invalid_grant in it is no refusal of the password.
    let server = MockServer::start_async().await;
    update(&server, record("auth0", false)).await;
    read(&server, record("auth0", false)).await;
    login(
        &server,
        500,
        oauth("invalid_grant", "Wrong email or password."),
    )
    .await;
    let error = admin(&server)
        .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{error}");

    // Nor is a 5xx with mfa_required a reason to call the change not verifiable.
    let server = MockServer::start_async().await;
    update(&server, record("auth0", false)).await;
    read(&server, record("auth0", false)).await;
    login(
        &server,
        502,
        oauth("mfa_required", "Multifactor authentication required"),
    )
    .await;
    let error = admin(&server)
        .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{error}");
}

#[tokio::test]
async fn the_verification_applications_secret_is_redacted() {
    let server = MockServer::start_async().await;
    update(&server, record("auth0", false)).await;
    read(&server, record("auth0", false)).await;
    server
        .mock_async(|when, then| {
            when.method(Method::POST).path("/oauth/token");
            // An answer whose text is kept (a rate limit proves nothing), echoing the secret.
            then.status(429).json_body(oauth(
                "too_many_requests",
                "client secret v3rify-s3cret: rate limit exceeded",
            ));
        })
        .await;
    let client = Client::new(config(&server).verify_client(
        "login-app",
        Some(SecretToken::new("v3rify-s3cret").unwrap()),
    ))
    .unwrap();
    let outcome = client
        .change_password(&PasswordChange::admin_set(ID, canary::NEW_PASSWORD))
        .await;
    let error = outcome.unwrap_err();
    let all = format!("{error} {error:?} {:?}", error.vendor_messages());
    assert!(
        all.contains("rate limit exceeded"),
        "the text is kept: {all}"
    );
    assert!(!all.contains("v3rify-s3cret"), "{all}");
}
