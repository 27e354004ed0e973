//! Google through the facade against mock servers: the exact update, what its answer proves,
//! why no change is verified, the policy, every refusal's kind and explanation (the spent
//! quotas as rate limits whatever their status), and the checks made before any request.

#![allow(clippy::unwrap_used)] // test code

use httpmock::{Method, MockServer};
use pwchange_core::{Outcome, canary};
use serde_json::{Value, json};

use crate::testing::{expect_kind, refused_before_sending, token};
use crate::*;

const EMAIL: &str = "alice@example.com";
const ID: &str = "114872901337154006843";
const USER: &str = "/admin/directory/v1/users/alice@example.com";

fn admin(server: &MockServer) -> Client {
    Client::new(GoogleConfig::new(&server.base_url(), token()).unwrap()).unwrap()
}

fn record(next_login: bool) -> Value {
    json!({"kind": "admin#directory#user", "id": ID, "primaryEmail": EMAIL,
        "changePasswordAtNextLogin": next_login, "suspended": false, "isEnrolledIn2Sv": true})
}

async fn update<'a>(server: &'a MockServer, next_login: bool, answer: Value) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(Method::PUT)
                .path(USER)
                .header("authorization", format!("Bearer {}", canary::TOKEN))
                .json_body(json!({"password": canary::NEW_PASSWORD, "changePasswordAtNextLogin": next_login}));
            then.status(200).json_body(answer);
        })
        .await
}

#[tokio::test]
async fn a_set_is_one_update_with_patch_semantics_and_is_not_verifiable() {
    let server = MockServer::start_async().await;
    let mock = update(&server, false, record(false)).await;
    let others = server
        .mock_async(|when, then| {
            when.is_true(|request| request.method() != "PUT");
            then.status(500);
        })
        .await;
    let changed = admin(&server)
        .change_password(&PasswordChange::admin_set(EMAIL, canary::NEW_PASSWORD))
        .await
        .unwrap();
    match &changed.verification {
        Verification::NotVerifiable { reason } => {
            assert!(reason.contains("no password login"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(changed.user_id, EMAIL);
    match &changed.details {
        Some(ChangedDetails::Google(details)) => {
            assert_eq!(details.operation, ChangeOperation::UpdateUser);
            assert_eq!(details.id.shown(), Some(ID));
            assert_eq!(details.primary_email.shown(), Some(EMAIL));
            assert_eq!(details.change_password_at_next_login, Some(false));
            assert!(!details.suspended);
        }
        other => panic!("{other:?}"),
    }
    // One request: no read before it, no login after it.
    mock.assert_async().await;
    assert_eq!(others.calls_async().await, 0);
    canary::assert_absent("changed", &format!("{changed:?}"));
}

#[tokio::test]
async fn a_required_change_is_asked_for_and_the_answer_must_show_it() {
    let server = MockServer::start_async().await;
    update(&server, true, record(true)).await;
    let change = PasswordChange::admin_set(EMAIL, canary::NEW_PASSWORD)
        .require_change_at_next_login(true)
        .verify(false);
    let changed = admin(&server).change_password(&change).await.unwrap();
    assert_eq!(changed.verification, Verification::Skipped);
    match &changed.details {
        Some(ChangedDetails::Google(details)) => {
            assert_eq!(details.change_password_at_next_login, Some(true));
        }
        other => panic!("{other:?}"),
    }

    // A 200 whose record does not show what was asked may not have applied anything.
    let server = MockServer::start_async().await;
    update(&server, true, record(false)).await;
    let error = expect_kind(
        admin(&server),
        &change,
        ErrorKind::OutcomeUnknown,
        "a record without the required change",
    )
    .await;
    assert_eq!(error.outcome(), Outcome::Unknown);
    assert!(
        error.to_string().contains("changePasswordAtNextLogin"),
        "{error}"
    );
}

#[tokio::test]
async fn a_suspended_users_password_is_set_and_said_so() {
    let server = MockServer::start_async().await;
    let mut suspended = record(false);
    suspended["suspended"] = json!(true);
    update(&server, false, suspended).await;
    let changed = admin(&server)
        .change_password(&PasswordChange::admin_set(EMAIL, canary::NEW_PASSWORD).verify(false))
        .await
        .unwrap();
    match &changed.details {
        Some(ChangedDetails::Google(details)) => assert!(details.suspended),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_answer_about_another_user_than_the_id_named_is_not_this_change() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(Method::PUT)
                .path(format!("/admin/directory/v1/users/{ID}"));
            then.status(200).json_body(
                json!({"id": "100000000000000000001", "primaryEmail": "bob@example.com"}),
            );
        })
        .await;
    let error = expect_kind(
        admin(&server),
        &PasswordChange::admin_set(ID, canary::NEW_PASSWORD),
        ErrorKind::OutcomeUnknown,
        "another user's record",
    )
    .await;
    assert_eq!(error.outcome(), Outcome::Unknown, "the update was sent");
    assert!(
        error.to_string().contains("another user's record"),
        "{error}"
    );
}

#[tokio::test]
async fn a_required_change_the_answer_shows_where_none_was_asked_is_not_this_change() {
    let server = MockServer::start_async().await;
    update(&server, false, record(true)).await;
    let error = expect_kind(
        admin(&server),
        &PasswordChange::admin_set(EMAIL, canary::NEW_PASSWORD),
        ErrorKind::OutcomeUnknown,
        "true answered, false asked",
    )
    .await;
    assert_eq!(error.outcome(), Outcome::Unknown);

    // An answer without the field says nothing either way: the details say so.
    let server = MockServer::start_async().await;
    let mut silent = record(false);
    silent
        .as_object_mut()
        .unwrap()
        .remove("changePasswordAtNextLogin");
    update(&server, false, silent).await;
    let changed = admin(&server)
        .change_password(&PasswordChange::admin_set(EMAIL, canary::NEW_PASSWORD))
        .await
        .unwrap();
    match &changed.details {
        Some(ChangedDetails::Google(details)) => {
            assert_eq!(details.change_password_at_next_login, None);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_policy_is_the_documented_one_without_a_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(500);
        })
        .await;
    let policy = admin(&server).password_policy().await.unwrap();
    assert_eq!((policy.min_length, policy.max_length), (8, Some(100)));
    assert!(matches!(policy.source, PolicySource::Documented { .. }));
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn refusals_before_any_request() {
    refused_before_sending(|base| {
        let client = || Client::new(GoogleConfig::new(base, token()).unwrap()).unwrap();
        vec![
            (
                client(),
                PasswordChange::self_service(EMAIL, canary::PASSWORD, canary::NEW_PASSWORD),
                ErrorKind::Unsupported,
                "no operation for a user's own password change",
            ),
            (
                client(),
                PasswordChange::admin_set(EMAIL, "Pässw0rd-2026!"),
                ErrorKind::PolicyViolation,
                "outside ASCII",
            ),
            (
                client(),
                PasswordChange::admin_set(EMAIL, "Sh0rt!x"),
                ErrorKind::PolicyViolation,
                "at least 8 and at most 100",
            ),
            (
                client(),
                PasswordChange::admin_set(EMAIL, "x".repeat(101)),
                ErrorKind::PolicyViolation,
                "has 101 characters",
            ),
            (
                client(),
                PasswordChange::admin_set("a b@example.com", canary::NEW_PASSWORD),
                ErrorKind::InvalidInput,
                "user key is invalid",
            ),
        ]
    })
    .await;
}

fn google(status: u16, reason: &str, message: &str) -> Value {
    json!({"error": {"code": status, "message": message,
        "errors": [{"message": message, "domain": "global", "reason": reason}]}})
}

#[tokio::test]
async fn the_refusals_get_their_kinds_and_say_what_to_check() {
    let cases = [
        (
            400,
            google(400, "invalid", "Invalid Password"),
            ErrorKind::PolicyViolation,
            "domain's password policy",
            Outcome::NotApplied,
        ),
        (
            401,
            google(401, "authError", "Invalid Credentials"),
            ErrorKind::Unauthenticated,
            "access tokens last an hour",
            Outcome::NotApplied,
        ),
        (
            403,
            google(
                403,
                "forbidden",
                "Not Authorized to access this resource/api",
            ),
            ErrorKind::PermissionDenied,
            "organizational unit",
            Outcome::NotApplied,
        ),
        (
            403,
            google(403, "userRateLimitExceeded", "Rate Limit Exceeded"),
            ErrorKind::RateLimited,
            "back off",
            Outcome::NotApplied,
        ),
        (
            403,
            google(403, "quotaExceeded", "Quota exceeded"),
            ErrorKind::RateLimited,
            "back off",
            Outcome::NotApplied,
        ),
        (
            403,
            google(403, "dailyLimitExceeded", "Daily Limit Exceeded"),
            ErrorKind::RateLimited,
            "daily quota",
            Outcome::NotApplied,
        ),
        (
            429,
            json!({"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}),
            ErrorKind::RateLimited,
            "back off",
            Outcome::NotApplied,
        ),
        (
            404,
            google(404, "notFound", "Resource Not Found: userKey"),
            ErrorKind::UserNotFound,
            "no user with this key",
            Outcome::NotApplied,
        ),
        (
            404,
            Value::Null,
            ErrorKind::InvalidInput,
            "check base_url",
            Outcome::NotApplied,
        ),
        (
            400,
            google(400, "invalid", "Invalid Given/Family Name: FamilyName"),
            ErrorKind::InvalidInput,
            "the vendor refused the change",
            Outcome::NotApplied,
        ),
        (
            503,
            google(503, "backendError", "Backend Error"),
            ErrorKind::OutcomeUnknown,
            "does not say whether",
            Outcome::Unknown,
        ),
    ];
    for (status, body, kind, says, outcome) in cases {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(Method::PUT).path(USER);
                let then = then.status(status);
                if !body.is_null() {
                    then.json_body(body.clone());
                }
            })
            .await;
        let error = expect_kind(
            admin(&server),
            &PasswordChange::admin_set(EMAIL, canary::NEW_PASSWORD),
            kind,
            &format!("{status} {body}"),
        )
        .await;
        assert_eq!(error.outcome(), outcome, "{status} {body}");
        assert!(error.to_string().contains(says), "{says}: {error}");
        assert_eq!(error.retry_after(), None, "Google sends no Retry-After");
    }
}
