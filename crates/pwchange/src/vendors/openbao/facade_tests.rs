//! OpenBao through the facade against mock servers: the exact requests of each mode (the
//! self-service login, set and revocation; the administrator's set), the verification login
//! and its revocation, every mapped kind, and the checks made before any request.

#![allow(clippy::unwrap_used)] // test code

use httpmock::{Method, MockServer};
use pwchange_core::{Outcome, canary};
use serde_json::{Value, json};

use crate::testing::{answering, expect_kind, refused_before_sending, self_service, token};
use crate::*;

const SET: &str = "/v1/auth/userpass/users/alice/password";
const LOGIN: &str = "/v1/auth/userpass/login/alice";
const REVOKE: &str = "/v1/auth/token/revoke-self";
/// The token a login issues (a canary too: it must reach no output).
const SESSION: &str = "s.session-canary-7f3e9b2d";

/// `POST path` answered with `status` and the JSON `body` (none when null).
async fn answers<'a>(
    server: &'a MockServer,
    path: &str,
    status: u16,
    body: Value,
) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(Method::POST).path(path);
            let then = then.status(status);
            if !body.is_null() {
                then.json_body(body);
            }
        })
        .await
}

/// A client without credentials: self-service changes only.
fn anonymous(server: &MockServer) -> Client {
    Client::new(OpenbaoConfig::new(&server.base_url(), OpenbaoAuth::None).unwrap()).unwrap()
}

fn admin(server: &MockServer) -> Client {
    Client::new(OpenbaoConfig::new(&server.base_url(), OpenbaoAuth::Token(token())).unwrap())
        .unwrap()
}

fn login_answer(user: &str) -> Value {
    json!({"request_id": "r", "auth": {"client_token": SESSION, "accessor": "a",
        "policies": ["default"], "metadata": {"username": user}}})
}

#[tokio::test]
async fn an_administrative_set_sends_the_token_the_namespace_and_a_lowercase_name() {
    let server = MockServer::start_async().await;
    let set = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/v1/auth/corp/users/alice/password")
                .header("x-vault-token", canary::TOKEN)
                .header("x-vault-namespace", "team-a/")
                .header_missing("authorization")
                .json_body(json!({"password": canary::NEW_PASSWORD}));
            then.status(204);
        })
        .await;
    let config = OpenbaoConfig::new(&server.base_url(), OpenbaoAuth::Token(token()))
        .unwrap()
        .mount("corp")
        .unwrap()
        .namespace("team-a/")
        .unwrap();
    let changed = Client::new(config)
        .unwrap()
        .change_password(&PasswordChange::admin_set("Alice", canary::NEW_PASSWORD).verify(false))
        .await
        .unwrap();
    assert_eq!(changed.user_id, "alice");
    assert!(matches!(
        changed.details,
        Some(ChangedDetails::Openbao(OpenbaoDetails {
            operation: ChangeOperation::UpdateUser
        }))
    ));
    set.assert_async().await;
}

#[tokio::test]
async fn a_set_is_verified_by_the_users_login_whose_token_is_revoked() {
    let server = MockServer::start_async().await;
    let set = answers(&server, SET, 204, Value::Null).await;
    let login = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(LOGIN)
                .header_missing("x-vault-token")
                .json_body(json!({"password": canary::NEW_PASSWORD}));
            then.status(200).json_body(login_answer("alice"));
        })
        .await;
    let revoke = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(REVOKE)
                .header("x-vault-token", SESSION);
            then.status(204);
        })
        .await;
    let changed = admin(&server)
        .change_password(&PasswordChange::admin_set("alice", canary::NEW_PASSWORD))
        .await
        .unwrap();
    assert_eq!(changed.verification, Verification::Verified);
    set.assert_async().await;
    login.assert_async().await;
    revoke.assert_async().await;
}

#[tokio::test]
async fn a_self_service_change_logs_in_sets_with_its_own_token_and_revokes_it() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(LOGIN)
                .json_body(json!({"password": canary::PASSWORD}));
            then.status(200).json_body(login_answer("alice"));
        })
        .await;
    let set = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(SET)
                .header("x-vault-token", SESSION)
                .json_body(json!({"password": canary::NEW_PASSWORD}));
            then.status(204);
        })
        .await;
    let revoke = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(REVOKE)
                .header("x-vault-token", SESSION);
            then.status(204);
        })
        .await;
    // No configured credentials: the user's own login is the proof.
    let client = anonymous(&server);
    let changed = client
        .change_password(&self_service("alice"))
        .await
        .unwrap();
    assert!(matches!(
        changed.details,
        Some(ChangedDetails::Openbao(OpenbaoDetails {
            operation: ChangeOperation::ChangePassword
        }))
    ));
    login.assert_async().await;
    set.assert_async().await;
    revoke.assert_async().await;
}

#[tokio::test]
async fn a_refused_current_password_sends_no_change() {
    let server = MockServer::start_async().await;
    answers(
        &server,
        LOGIN,
        400,
        json!({"errors": ["invalid username or password"]}),
    )
    .await;
    let set = answers(&server, SET, 204, Value::Null).await;
    let client = anonymous(&server);
    let error = expect_kind(
        &client,
        &self_service("alice"),
        ErrorKind::CurrentPasswordInvalid,
        "wrong current password",
    )
    .await;
    assert_eq!(error.outcome(), Outcome::NotApplied);
    assert_eq!(set.calls_async().await, 0);
}

#[tokio::test]
async fn a_self_service_change_its_policy_forbids_is_permission_denied_and_revokes_the_login() {
    let server = MockServer::start_async().await;
    answers(&server, LOGIN, 200, login_answer("alice")).await;
    answers(
        &server,
        SET,
        403,
        json!({"errors": ["1 error occurred:\n\t* permission denied\n\n"]}),
    )
    .await;
    let revoke = answers(&server, REVOKE, 204, Value::Null).await;
    let client = anonymous(&server);
    let error = expect_kind(
        &client,
        &self_service("alice"),
        ErrorKind::PermissionDenied,
        "no update on its own path",
    )
    .await;
    assert!(error.message().contains("templated policy"), "{error}");
    revoke.assert_async().await;
}

/// A proxy's page that quotes the request's headers (the session's token among them) after
/// the user's own set: the error keeps none of it.
#[tokio::test]
async fn a_page_echoing_the_sessions_token_is_cleaned_of_it() {
    for status in [403, 502] {
        let server = MockServer::start_async().await;
        answers(&server, LOGIN, 200, login_answer("alice")).await;
        server
            .mock_async(|when, then| {
                when.method(Method::POST).path(SET);
                then.status(status).json_body(json!({"errors": [
                    format!("request headers: X-Vault-Token: {SESSION}")
                ]}));
            })
            .await;
        answers(&server, REVOKE, 204, Value::Null).await;
        let client = anonymous(&server);
        let error = client
            .change_password(&self_service("alice"))
            .await
            .unwrap_err();
        let shown = format!("{error} {error:?} {:?}", error.vendor_messages());
        assert!(!shown.contains(SESSION), "{status}: {shown}");
        assert!(
            shown.contains("X-Vault-Token"),
            "{status}: the rest stays: {shown}"
        );
    }
}

#[tokio::test]
async fn a_login_token_issued_to_another_user_proves_nothing() {
    let server = MockServer::start_async().await;
    answers(&server, SET, 204, Value::Null).await;
    answers(&server, LOGIN, 200, login_answer("mallory")).await;
    let revoke = answers(&server, REVOKE, 204, Value::Null).await;
    let error = expect_kind(
        admin(&server),
        &PasswordChange::admin_set("alice", canary::NEW_PASSWORD),
        ErrorKind::OutcomeUnknown,
        "login of another user",
    )
    .await;
    assert_eq!(error.outcome(), Outcome::Unknown);
    revoke.assert_async().await;
}

#[tokio::test]
async fn openbao_errors_map_to_kinds_and_outcomes() {
    let errors = |text: &str| json!({ "errors": [text] });
    let wrapped = |text: &str| errors(&format!("1 error occurred:\n\t* {text}\n\n"));
    let cases = [
        (
            403,
            errors("permission denied"),
            ErrorKind::Unauthenticated,
            Outcome::NotApplied,
        ),
        (
            403,
            wrapped("permission denied"),
            ErrorKind::PermissionDenied,
            Outcome::NotApplied,
        ),
        (
            404,
            errors("404 page not found"),
            ErrorKind::InvalidInput,
            Outcome::NotApplied,
        ),
        (
            500,
            wrapped("username does not exist"),
            ErrorKind::UserNotFound,
            Outcome::NotApplied,
        ),
        (
            500,
            wrapped("bcrypt: password length exceeds 72 bytes"),
            ErrorKind::PolicyViolation,
            Outcome::NotApplied,
        ),
        (
            404,
            errors(
                "no handler for route \"auth/userpass/users/alice/password\". route entry not found.",
            ),
            ErrorKind::InvalidInput,
            Outcome::NotApplied,
        ),
        (
            404,
            errors("namespace not found"),
            ErrorKind::InvalidInput,
            Outcome::NotApplied,
        ),
        (
            429,
            errors(
                "request path \"auth/userpass/users/alice/password\": rate limit quota exceeded",
            ),
            ErrorKind::RateLimited,
            Outcome::NotApplied,
        ),
        (
            503,
            errors("Vault is sealed"),
            ErrorKind::Unavailable,
            Outcome::NotApplied,
        ),
        // A gateway's 503 and any other 500 may follow an applied change.
        (
            503,
            Value::String("<html>upstream unavailable</html>".into()),
            ErrorKind::OutcomeUnknown,
            Outcome::Unknown,
        ),
        (
            500,
            errors("internal error"),
            ErrorKind::OutcomeUnknown,
            Outcome::Unknown,
        ),
        (
            502,
            Value::Null,
            ErrorKind::OutcomeUnknown,
            Outcome::Unknown,
        ),
    ];
    for (status, body, kind, outcome) in cases {
        let server = answering(status, &body).await;
        let error = expect_kind(
            admin(&server),
            &PasswordChange::admin_set("alice", canary::NEW_PASSWORD).verify(false),
            kind,
            &format!("{status} {body}"),
        )
        .await;
        assert_eq!(error.outcome(), outcome, "{status} {body}: {error}");
    }
    // The explanation names the setting to check, never its value.
    let server = answering(
        404,
        &errors("no handler for route \"x\". route entry not found."),
    )
    .await;
    let error = expect_kind(
        admin(&server),
        &PasswordChange::admin_set("alice", canary::NEW_PASSWORD).verify(false),
        ErrorKind::InvalidInput,
        "no mount",
    )
    .await;
    assert!(
        error.message().contains("check the mount setting"),
        "{error}"
    );
    assert!(!error.message().contains("userpass"), "{error}");
}

#[tokio::test]
async fn a_refused_verification_login_is_verification_failed() {
    let server = MockServer::start_async().await;
    answers(&server, SET, 204, Value::Null).await;
    answers(
        &server,
        LOGIN,
        400,
        json!({"errors": ["invalid username or password"]}),
    )
    .await;
    let error = expect_kind(
        admin(&server),
        &PasswordChange::admin_set("alice", canary::NEW_PASSWORD),
        ErrorKind::VerificationFailed,
        "the login refused the new password",
    )
    .await;
    assert_eq!(error.outcome(), Outcome::Unknown);
}

#[tokio::test]
async fn an_administrators_login_gets_the_token_the_set_carries() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/v1/auth/userpass/login/pwchange-admin")
                .json_body(json!({"password": canary::PASSWORD}));
            then.status(200).json_body(login_answer("pwchange-admin"));
        })
        .await;
    let set = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(SET)
                .header("x-vault-token", SESSION);
            then.status(204);
        })
        .await;
    let settings = Settings::new(Vendor::Openbao)
        .with("base_url", server.base_url())
        .with("username", "pwchange-admin")
        .with("password", canary::PASSWORD);
    Client::from_settings(settings)
        .unwrap()
        .change_password(&PasswordChange::admin_set("alice", canary::NEW_PASSWORD).verify(false))
        .await
        .unwrap();
    login.assert_async().await;
    set.assert_async().await;
}

#[tokio::test]
async fn what_userpass_cannot_do_is_refused_before_sending() {
    let long = "é".repeat(37); // 37 characters, 74 bytes
    refused_before_sending(|base| {
        let with_token =
            || Client::new(OpenbaoConfig::new(base, OpenbaoAuth::Token(token())).unwrap()).unwrap();
        let without = Client::new(OpenbaoConfig::new(base, OpenbaoAuth::None).unwrap()).unwrap();
        vec![
            (
                with_token(),
                PasswordChange::admin_set("alice", long.as_str()),
                ErrorKind::PolicyViolation,
                "74 bytes long; at most 72",
            ),
            (
                with_token(),
                PasswordChange::admin_set("alice", canary::NEW_PASSWORD)
                    .require_change_at_next_login(true),
                ErrorKind::Unsupported,
                "cannot require a change",
            ),
            (
                without,
                PasswordChange::admin_set("alice", canary::NEW_PASSWORD),
                ErrorKind::InvalidInput,
                "needs a token",
            ),
            (
                with_token(),
                PasswordChange::reset_with_code("alice", "123456", canary::NEW_PASSWORD),
                ErrorKind::Unsupported,
                "no reset",
            ),
            (
                with_token(),
                PasswordChange::admin_set("-alice", canary::NEW_PASSWORD),
                ErrorKind::InvalidInput,
                "userpass user name",
            ),
        ]
    })
    .await;
}

/// Each answer is explained in words that say what to check (the server's own texts are terse);
/// a `500` is a refusal only in the handler's exact words, and a login's other `500` proves
/// nothing.
#[tokio::test]
async fn each_answer_says_what_to_check() {
    let errors = |text: &str| json!({ "errors": [text] });
    let wrapped = |text: &str| errors(&format!("1 error occurred:\n\t* {text}\n\n"));
    let cases = [
        (403, errors("permission denied"), "does not know the token"),
        (
            403,
            wrapped("permission denied"),
            "policy does not grant update",
        ),
        (
            400,
            errors("failed to decode JSON input: EOF"),
            "refused the request as malformed",
        ),
        (
            404,
            errors("namespace not found"),
            "check the namespace setting",
        ),
        (404, wrapped("unsupported path"), "not of userpass's form"),
        (404, errors("404 page not found"), "check base_url"),
        (
            429,
            errors("request path \"x\": rate limit quota exceeded"),
            "rate-limit quota",
        ),
        (503, errors("Vault is sealed"), "OpenBao is sealed"),
    ];
    for (status, body, says) in cases {
        let server = answering(status, &body).await;
        let error = admin(&server)
            .change_password(
                &PasswordChange::admin_set("alice", canary::NEW_PASSWORD).verify(false),
            )
            .await
            .unwrap_err();
        assert!(error.message().contains(says), "{status} {body}: {error}");
    }
    // A gateway's 500 that quotes the sentence among its own words is not the handler's.
    let quoted = errors("upstream said: username does not exist (retrying)");
    let server = answering(500, &quoted).await;
    let error = admin(&server)
        .change_password(&PasswordChange::admin_set("alice", canary::NEW_PASSWORD).verify(false))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{error}");
    assert_eq!(error.outcome(), Outcome::Unknown);
    // A login's other 500 proves nothing: the vendor could not be asked now.
    let server = answering(500, &errors("missing password")).await;
    let error = admin(&server)
        .verify_password("alice", None, &Password::new(canary::NEW_PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
}
