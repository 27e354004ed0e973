//! Cloud Director through the facade against mock servers: the exact requests, success, every mapped
//! error kind, the login flow, and the checks made before any request.

#![allow(clippy::unwrap_used)] // test code

use httpmock::{Method, MockServer};
use pwchange_core::canary;
use serde_json::{Value, json};

use crate::testing::{answering, expect_kind, refused_before_sending, self_service, token};
use crate::*;

const VCD_USER: &str = "urn:vcloud:user:522d756c-ad00-3b4f-ae6a-6d241437b471";

fn vcd(server: &MockServer) -> Client {
    Client::new(VcdConfig::new(&server.base_url(), VcdAuth::Token(token())).unwrap()).unwrap()
}

#[tokio::test]
async fn vcd_success_sends_the_versioned_accept_header() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(format!("/cloudapi/1.0.0/users/{VCD_USER}/changePassword"))
                .header("accept", "application/json;version=38.0")
                .json_body(json!({"currentPassword": canary::PASSWORD, "newPassword": canary::NEW_PASSWORD}));
            then.status(204);
        })
        .await;
    let changed = vcd(&server)
        .change_password(&self_service(VCD_USER))
        .await
        .unwrap();
    assert!(matches!(changed.details, Some(ChangedDetails::Vcd(_))));
    mock.assert_async().await;
}

#[tokio::test]
async fn vcd_errors_map_to_kinds() {
    let error = |code: &str, message: &str| json!({"minorErrorCode": code, "message": message});
    let cases = [
        (
            400,
            error("BAD_REQUEST", "The current password is incorrect."),
            ErrorKind::CurrentPasswordInvalid,
        ),
        (
            400,
            error("BAD_REQUEST", "Password must contain at least one digit."),
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            error(
                "BAD_REQUEST",
                "New password must be different from your current password.",
            ),
            ErrorKind::PasswordReused,
        ),
        (
            401,
            error("UNAUTHORIZED", "Not authenticated."),
            ErrorKind::Unauthenticated,
        ),
        (
            403,
            error(
                "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
                "Either you need some rights or the target entity is invalid.",
            ),
            ErrorKind::PermissionDenied,
        ),
        (
            403,
            error("RESOURCE_NOT_FOUND", "No such user."),
            ErrorKind::UserNotFound,
        ),
        (429, Value::Null, ErrorKind::RateLimited),
        // A proxy's page may follow an applied change; Cloud Director's own body does not.
        (503, json!("<html>down</html>"), ErrorKind::OutcomeUnknown),
        (
            503,
            error("SERVICE_UNAVAILABLE", "The service is unavailable."),
            ErrorKind::Unavailable,
        ),
        (
            503,
            json!({"minorErrorCode": "", "message": "no healthy upstream"}),
            ErrorKind::OutcomeUnknown,
        ),
    ];
    for (status, body, kind) in cases {
        let server = answering(status, &body).await;
        expect_kind(
            vcd(&server),
            &self_service(VCD_USER),
            kind,
            &format!("{status} {body}"),
        )
        .await;
    }
}

/// A server whose provider login (with Basic credentials) answers with the canary token, and
/// whose self-service change takes only that token; and a client that logs in as
/// `admin@System`.
async fn logged_in_change(server: &MockServer) -> (httpmock::Mock<'_>, httpmock::Mock<'_>, Client) {
    let login = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/cloudapi/1.0.0/sessions/provider")
                .header_exists("authorization");
            then.status(200)
                .header("X-VMWARE-VCLOUD-ACCESS-TOKEN", canary::TOKEN)
                .json_body(json!({"id": "urn:vcloud:session:1"}));
        })
        .await;
    let change = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(format!("/cloudapi/1.0.0/users/{VCD_USER}/changePassword"))
                .header("authorization", format!("Bearer {}", canary::TOKEN));
            then.status(204);
        })
        .await;
    let auth = VcdAuth::Login {
        username: "admin@System".into(),
        password: canary::PASSWORD.to_owned().into(),
    };
    let client = Client::new(VcdConfig::new(&server.base_url(), auth).unwrap()).unwrap();
    (login, change, client)
}

#[tokio::test]
async fn vcd_login_uses_basic_credentials_and_the_token_header() {
    let server = MockServer::start_async().await;
    let (login, change, client) = logged_in_change(&server).await;
    client
        .change_password(&self_service(VCD_USER))
        .await
        .unwrap();
    login.assert_async().await;
    change.assert_async().await;
}

/// Clones of a `Client` share its login's token: two changes through two clones (one of them
/// in a spawned task) log in once.
#[tokio::test(flavor = "multi_thread")]
async fn clones_share_the_login_token() {
    let server = MockServer::start_async().await;
    let (login, change, client) = logged_in_change(&server).await;
    let clone = client.clone();
    client
        .change_password(&self_service(VCD_USER))
        .await
        .unwrap();
    tokio::spawn(async move { clone.change_password(&self_service(VCD_USER)).await })
        .await
        .unwrap()
        .unwrap();
    login.assert_calls_async(1).await;
    change.assert_calls_async(2).await;
}

#[tokio::test]
async fn checks_before_any_request() {
    refused_before_sending(|base| {
        let c = || Client::new(VcdConfig::new(base, VcdAuth::Token(token())).unwrap()).unwrap();
        let mut rows = vec![
            (
                c(),
                self_service("urn:vcloud:user:nope"),
                ErrorKind::InvalidInput,
                "urn:vcloud:user:<uuid>",
            ),
            (
                c(),
                PasswordChange::self_service(VCD_USER, canary::PASSWORD, "short"),
                ErrorKind::InvalidInput,
                "at least 6",
            ),
            (
                c(),
                PasswordChange::self_service(VCD_USER, canary::PASSWORD, "üüüüü"),
                ErrorKind::InvalidInput,
                "at least 6",
            ),
            (
                c(),
                PasswordChange::self_service(VCD_USER, canary::PASSWORD, "密".repeat(129)),
                ErrorKind::InvalidInput,
                "at most 128",
            ),
            (
                c(),
                PasswordChange::admin_set(VCD_USER, canary::NEW_PASSWORD)
                    .require_change_at_next_login(true),
                ErrorKind::Unsupported,
                "change at next login",
            ),
            (
                c(),
                PasswordChange::admin_set(VCD_USER, "short"),
                ErrorKind::InvalidInput,
                "at least 6",
            ),
            (
                c(),
                PasswordChange::reset_with_code(VCD_USER, "123456", canary::NEW_PASSWORD),
                ErrorKind::Unsupported,
                "no reset with a verification code",
            ),
        ];
        for special in ["a/b", "..", "a?b", "a%2Fb", "a b", "a\r\nb"] {
            let id = format!("urn:vcloud:user:{special}");
            rows.push((
                c(),
                PasswordChange::self_service(id, canary::PASSWORD, "New-Passw0rd!"),
                ErrorKind::InvalidInput,
                "urn:vcloud:user:<uuid>",
            ));
        }
        rows
    })
    .await;
    let version = VcdConfig::new("https://v.example.com", VcdAuth::Token(token()))
        .unwrap()
        .api_version("38.0\r\nX-Injected: 1");
    assert_eq!(
        Client::new(version).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn the_shortest_and_longest_passwords_in_characters_are_sent() {
    let server = answering(204, &Value::Null).await;
    for new in ["üüüüüü".to_owned(), "密".repeat(128)] {
        vcd(&server)
            .change_password(
                // The server answers 204 to anything, a read of the user record too.
                &PasswordChange::self_service(VCD_USER, canary::PASSWORD, new).verify(false),
            )
            .await
            .unwrap();
    }
}

#[test]
fn ids_are_canonical_whatever_the_case() {
    assert_eq!(
        canonical_user_id(
            Vendor::Vcd,
            "URN:VCLOUD:USER:522D756C-AD00-3B4F-AE6A-6D241437B471"
        )
        .unwrap(),
        VCD_USER
    );
}

/// One re-login, and only for a token from the cache: a fresh token the vendor refuses is an
/// answer (a 401 means nothing was applied), a cached one may have expired.
#[tokio::test]
async fn a_refused_cached_token_is_renewed_once_and_a_fresh_one_never() {
    let server = MockServer::start_async().await;
    let login = server
        .mock_async(|when, then| {
            when.method(Method::POST).path("/cloudapi/1.0.0/sessions");
            then.status(200)
                .header("X-VMWARE-VCLOUD-ACCESS-TOKEN", canary::TOKEN)
                .json_body(json!({"id": "urn:vcloud:session:1"}));
        })
        .await;
    let change = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(format!("/cloudapi/1.0.0/users/{VCD_USER}/changePassword"));
            then.status(401)
                .json_body(json!({"minorErrorCode": "UNAUTHORIZED", "message": "expired"}));
        })
        .await;
    let auth = VcdAuth::Login {
        username: "alice@acme".into(),
        password: canary::PASSWORD.to_owned().into(),
    };
    let client = Client::new(VcdConfig::new(&server.base_url(), auth).unwrap()).unwrap();
    // A fresh login's token refused: no second login.
    expect_kind(
        &client,
        &self_service(VCD_USER),
        ErrorKind::Unauthenticated,
        "fresh",
    )
    .await;
    assert_eq!(
        (login.calls_async().await, change.calls_async().await),
        (1, 1)
    );
    // The cached token refused: one new login and one more attempt, then the answer stands.
    expect_kind(
        &client,
        &self_service(VCD_USER),
        ErrorKind::Unauthenticated,
        "cached",
    )
    .await;
    assert_eq!(
        (login.calls_async().await, change.calls_async().await),
        (2, 3)
    );
}

/// The record Cloud Director returns for [`VCD_USER`], with a field pwchange does not model.
fn record() -> Value {
    json!({
        "username": "alice",
        "id": VCD_USER,
        "fullName": "Alice Example",
        "roleEntityRefs": [{"name": "Organization Administrator", "id": "urn:vcloud:role:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"}],
        "orgEntityRef": {"name": "acme", "id": "urn:vcloud:org:6f7e8d9c-0b1a-4c2d-9e3f-4a5b6c7d8e9f"},
        "providerType": "LOCAL",
        "enabled": true,
        "locked": false,
        "phone": "+1 555 0100",
        "givenName": "Alice"
    })
}

/// Issue #12: an administrative set reads the record and sends it back whole, with the
/// password and (VCF Automation) the previous name in `nameInSource`.
#[tokio::test]
async fn an_admin_set_sends_the_whole_record_back_with_the_password() {
    let server = MockServer::start_async().await;
    let path = format!("/cloudapi/1.0.0/users/{VCD_USER}");
    let read = server
        .mock_async(|when, then| {
            when.method(Method::GET)
                .path(&path)
                .header("accept", "application/json;version=38.0")
                .header("authorization", format!("Bearer {}", canary::TOKEN));
            then.status(200).json_body(record());
        })
        .await;
    let mut sent = record();
    sent["password"] = json!(canary::NEW_PASSWORD);
    sent["nameInSource"] = json!("alice");
    let update = server
        .mock_async(|when, then| {
            when.method(Method::PUT)
                .path(&path)
                .header("accept", "application/json;version=38.0")
                .json_body(sent.clone());
            then.status(200).json_body(record());
        })
        .await;
    let changed = vcd(&server)
        .change_password(&PasswordChange::admin_set(VCD_USER, canary::NEW_PASSWORD).verify(false))
        .await
        .unwrap();
    read.assert_async().await;
    update.assert_async().await;
    let Some(ChangedDetails::Vcd(details)) = changed.details else {
        panic!("details")
    };
    assert_eq!(details.operation, crate::ChangeOperation::UpdateUser);
    assert_eq!(
        details.login_name.as_ref().and_then(|n| n.shown()),
        Some("alice@acme")
    );
}

/// Issue #12: what an administrative set reports when the read or the update goes wrong.
#[tokio::test]
async fn an_admin_set_reads_before_it_writes_and_reports_each_step() {
    let path = format!("/cloudapi/1.0.0/users/{VCD_USER}");
    let cases: Vec<(u16, Value, u16, Value, ErrorKind, &str)> = vec![
        // The read fails: the change was never sent, whatever the read's answer.
        (
            500,
            json!("boom"),
            200,
            record(),
            ErrorKind::Unavailable,
            "the change was not sent",
        ),
        (
            403,
            json!({"minorErrorCode": "ACCESS_TO_RESOURCE_IS_FORBIDDEN", "message": "The entity does not exist."}),
            200,
            record(),
            ErrorKind::UserNotFound,
            "",
        ),
        // An external user's password is not Cloud Director's.
        (
            200,
            {
                let mut r = record();
                r["providerType"] = json!("LDAP");
                r
            },
            200,
            record(),
            ErrorKind::Unsupported,
            "LDAP",
        ),
        // Another user's record.
        (
            200,
            {
                let mut r = record();
                r["id"] = json!("urn:vcloud:user:00000000-0000-4000-8000-000000000000");
                r
            },
            200,
            record(),
            ErrorKind::Unexpected,
            "the change was not sent",
        ),
        // The update fails or answers for someone else.
        (
            200,
            record(),
            400,
            json!({"minorErrorCode": "BAD_REQUEST", "message": "The password does not meet the password policy."}),
            ErrorKind::PolicyViolation,
            "",
        ),
        (
            200,
            record(),
            504,
            json!("gateway"),
            ErrorKind::OutcomeUnknown,
            "",
        ),
        (
            200,
            record(),
            200,
            {
                let mut r = record();
                r["id"] = json!("urn:vcloud:user:00000000-0000-4000-8000-000000000000");
                r
            },
            ErrorKind::OutcomeUnknown,
            "another user's record",
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
        let err = vcd(&server)
            .change_password(
                &PasswordChange::admin_set(VCD_USER, canary::NEW_PASSWORD).verify(false),
            )
            .await
            .unwrap_err();
        let case = format!("{read_status} {read_body} / {put_status} {put_body}");
        assert_eq!(err.kind(), kind, "{case}: {err}");
        assert!(err.to_string().contains(says), "{case}: {err}");
        canary::assert_absent_from_error("vcd admin set", &err);
        if read_status != 200 || kind == ErrorKind::Unsupported || kind == ErrorKind::Unexpected {
            assert_eq!(update.calls_async().await, 0, "{case}: nothing was sent");
        }
    }
}

/// Review of #12: with a login configuration, the configured name is the administrator's
/// unless the change is self-service; a bare verification or an administrative set without the
/// user's name must not log in as the administrator with the user's password.
#[tokio::test]
async fn the_administrators_login_is_never_tried_with_a_users_password() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let auth = VcdAuth::Login {
        username: "admin@System".into(),
        password: canary::PASSWORD.to_owned().into(),
    };
    let client = Client::new(VcdConfig::new(&server.base_url(), auth).unwrap()).unwrap();
    let err = client
        .verify_password(VCD_USER, None, &Password::new(canary::NEW_PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    assert!(err.to_string().contains("give the login name"), "{err}");
    assert_eq!(any.calls_async().await, 0, "no login was tried");
    // The policy needs no request: Cloud Director has no policy API.
    let policy = client.password_policy().await.unwrap();
    assert_eq!((policy.min_length, policy.max_length), (6, Some(128)));
    assert_eq!(any.calls_async().await, 0, "the policy needs no login");
}

/// Review of #12: VCF Automation's API versions imply its documented, stricter policy.
#[tokio::test]
async fn a_vcf_automation_version_implies_its_policy() {
    for (version, min, classes) in [("38.0", 6, 0), ("9.1.0", 15, 4), ("9.0", 15, 4)] {
        let client = Client::new(
            VcdConfig::new("https://v.example.com", VcdAuth::Token(token()))
                .unwrap()
                .api_version(version),
        )
        .unwrap();
        let policy = client.password_policy().await.unwrap();
        assert_eq!(policy.min_length, min, "{version}");
        assert_eq!(policy.required_classes().len(), classes, "{version}");
        let PolicySource::Documented { reference } = &policy.source else {
            panic!("{version}: {:?}", policy.source)
        };
        assert_eq!(
            reference.contains("VCF Automation 9.0 documentation"),
            min == 15,
            "{version}"
        );
    }
}

/// Review of #12: an administrative set is verified by a login as the user the record names
/// (`user@org` from the answer), not as the configured administrator.
#[tokio::test]
async fn an_admin_set_is_verified_as_the_records_user() {
    use base64::Engine as _;
    let server = MockServer::start_async().await;
    let path = format!("/cloudapi/1.0.0/users/{VCD_USER}");
    server
        .mock_async(|when, then| {
            when.method(Method::GET).path(&path);
            then.status(200).json_body(record());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(Method::PUT).path(&path);
            then.status(200).json_body(record());
        })
        .await;
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("alice@acme:{}", canary::NEW_PASSWORD));
    let login = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path("/cloudapi/1.0.0/sessions")
                .header("authorization", format!("Basic {basic}"));
            then.status(200)
                .header("X-VMWARE-VCLOUD-ACCESS-TOKEN", "user-session")
                .json_body(json!({"id": "urn:vcloud:session:2"}));
        })
        .await;
    let changed = vcd(&server)
        .change_password(&PasswordChange::admin_set(VCD_USER, canary::NEW_PASSWORD))
        .await
        .unwrap();
    login.assert_async().await;
    assert_eq!(changed.verification, Verification::Verified);
}
