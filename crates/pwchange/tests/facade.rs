//! The facade against mock vendors: success and every mapped error kind for each vendor, the
//! login flows, the transport outcomes, and the canary checks on every error and span.

#![allow(clippy::unwrap_used)] // test code: unwrap on fixed, known-good values

use std::time::Duration;

use httpmock::{Method, MockServer};
use pwchange::{
    BienportAuth, BienportConfig, Changed, ChangedDetails, Client, Error, ErrorKind, HttpConfig,
    PasswordChange, SecretToken, UipathAuth, UipathConfig, VcdAuth, VcdConfig, ZitadelApi,
    ZitadelConfig,
};
use pwchange_core::canary;
use serde_json::{Value, json};

const ZITADEL_USER: &str = "69629026806489455";
const UIPATH_USER: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const VCD_USER: &str = "urn:vcloud:user:522d756c-ad00-3b4f-ae6a-6d241437b471";
const BIENPORT_USER: &str = "12343123";

fn token() -> SecretToken {
    SecretToken::new(canary::TOKEN).unwrap()
}

fn self_service(user: &str) -> PasswordChange {
    PasswordChange::self_service(user, canary::PASSWORD, canary::NEW_PASSWORD)
}

fn zitadel(server: &MockServer) -> Client {
    Client::new(ZitadelConfig::new(&server.base_url(), token()).unwrap()).unwrap()
}
fn uipath(server: &MockServer) -> Client {
    Client::new(UipathConfig::new(&server.base_url(), UipathAuth::Token(token())).unwrap()).unwrap()
}
fn vcd(server: &MockServer) -> Client {
    Client::new(VcdConfig::new(&server.base_url(), VcdAuth::Token(token())).unwrap()).unwrap()
}
fn bienport(server: &MockServer) -> Client {
    Client::new(
        BienportConfig::new(&server.base_url(), BienportAuth::Token(token()), 20635).unwrap(),
    )
    .unwrap()
}

/// Answers every request with `status` and `body` (JSON when it is an object, raw text otherwise).
async fn answering(status: u16, body: &Value) -> MockServer {
    let server = MockServer::start_async().await;
    let body = body.clone();
    server
        .mock_async(move |_, then| {
            let then = then.status(status).header("Retry-After", "7");
            match &body {
                Value::String(text) => {
                    then.header("content-type", "text/html").body(text);
                }
                Value::Null => {}
                json => {
                    then.header("content-type", "application/json")
                        .json_body(json.clone());
                }
            }
        })
        .await;
    server
}

/// Every error text a user could see, checked for canaries.
fn assert_no_secret(error: &Error) {
    canary::assert_absent("error Display", &error.to_string());
    canary::assert_absent("error Debug", &format!("{error:?}"));
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        canary::assert_absent("error source", &format!("{s} {s:?}"));
        source = s.source();
    }
}

async fn expect_kind(
    client: Client,
    change: &PasswordChange,
    kind: ErrorKind,
    case: &str,
) -> Error {
    let error = client.change_password(change).await.expect_err(case);
    assert_no_secret(&error);
    assert_eq!(error.kind(), kind, "{case}: {error}");
    error
}

fn rpc(code: i32, id: &str, message: &str, type_url: &str) -> Value {
    json!({"code": code, "message": format!("{message} ({id})"), "details": [{"@type": type_url, "id": id, "message": message}]})
}

#[tokio::test]
async fn zitadel_v2_success_returns_the_event_details() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(format!("/v2/users/{ZITADEL_USER}/password"))
                .header("authorization", format!("Bearer {}", canary::TOKEN))
                .json_body(json!({
                    "newPassword": {"password": canary::NEW_PASSWORD, "changeRequired": false},
                    "currentPassword": canary::PASSWORD
                }));
            then.status(200).json_body(json!({"details": {"sequence": "3", "changeDate": "2024-06-13T06:45:02.118Z", "resourceOwner": "696"}}));
        })
        .await;
    let changed = zitadel(&server)
        .change_password(&self_service(ZITADEL_USER))
        .await
        .unwrap();
    mock.assert_async().await;
    let Changed {
        vendor,
        user_id,
        details,
    } = changed;
    assert_eq!(
        (vendor, user_id.as_str()),
        (pwchange::Vendor::Zitadel, ZITADEL_USER)
    );
    let ChangedDetails::Zitadel(pwchange::ZitadelDetails {
        api,
        sequence,
        change_date,
        resource_owner,
    }) = details
    else {
        panic!("details")
    };
    assert_eq!(api, "v2");
    assert_eq!(sequence.as_deref(), Some("3"));
    assert_eq!(change_date.as_deref(), Some("2024-06-13T06:45:02.118Z"));
    assert_eq!(resource_owner.as_deref(), Some("696"));
}

#[tokio::test]
async fn zitadel_v1_admin_set_sends_no_change_required_and_org_header() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(format!("/management/v1/users/{ZITADEL_USER}/password"))
                .header("x-zitadel-orgid", "4242")
                .json_body(json!({"password": canary::NEW_PASSWORD, "noChangeRequired": false}));
            then.status(200)
                .json_body(json!({"details": {"sequence": "2"}}));
        })
        .await;
    let config = ZitadelConfig::new(&server.base_url(), token())
        .unwrap()
        .api(ZitadelApi::V1)
        .organization_id("4242");
    let change = PasswordChange::admin_set(ZITADEL_USER, canary::NEW_PASSWORD)
        .require_change_at_next_login(true);
    Client::new(config)
        .unwrap()
        .change_password(&change)
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn zitadel_errors_map_to_kinds() {
    const DETAIL: &str = "type.googleapis.com/zitadel.v1.ErrorDetail";
    let cases = [
        (
            400,
            rpc(
                3,
                "COMMA-HuJf6",
                "Password must be at least 8 characters long",
                DETAIL,
            ),
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            rpc(
                3,
                "COMMAND-3M0fs",
                "Password is invalid",
                "type.googleapis.com/zitadel.v1.CredentialsCheckError",
            ),
            ErrorKind::CurrentPasswordInvalid,
        ),
        (
            400,
            rpc(9, "COMMAND-Aeh3", "Errors.User.Password.NotChanged", DETAIL),
            ErrorKind::PasswordReused,
        ),
        (
            401,
            rpc(16, "AUTH-7fs1e", "auth header missing", DETAIL),
            ErrorKind::Unauthenticated,
        ),
        (
            403,
            rpc(7, "AUTH-5mWD2", "No matching permissions found", DETAIL),
            ErrorKind::PermissionDenied,
        ),
        (
            404,
            rpc(5, "COMMAND-uXHNj", "User could not be found", DETAIL),
            ErrorKind::UserNotFound,
        ),
        (
            429,
            rpc(8, "QUOTA-V3R5f", "quota exceeded", DETAIL),
            ErrorKind::RateLimited,
        ),
        (
            503,
            json!("<html>maintenance</html>"),
            ErrorKind::Unavailable,
        ),
        (418, Value::Null, ErrorKind::Unexpected),
    ];
    for (status, body, kind) in cases {
        let server = answering(status, &body).await;
        let error = expect_kind(
            zitadel(&server),
            &self_service(ZITADEL_USER),
            kind,
            &format!("{status} {body}"),
        )
        .await;
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.vendor(), Some(pwchange::Vendor::Zitadel));
    }
    let server = answering(429, &rpc(8, "QUOTA-V3R5f", "quota exceeded", DETAIL)).await;
    let error = zitadel(&server)
        .change_password(&self_service(ZITADEL_USER))
        .await
        .unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(error.vendor_code(), Some("QUOTA-V3R5f"));
    assert!(error.is_temporary());
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
        (500, json!("Internal Server Error"), ErrorKind::Unavailable),
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
    let change_mock = server
        .mock_async(|when, then| {
            when.method(Method::POST)
                .path(format!("/api/User/{UIPATH_USER}/changepassword"))
                .header("authorization", format!("Bearer {}", canary::TOKEN));
            then.status(200).json_body(json!({"succeeded": true}));
        })
        .await;
    let auth = UipathAuth::ClientCredentials {
        client_id: "app".into(),
        client_secret: SecretToken::new(canary::PASSWORD).unwrap(),
        scope: "PM.User PM.User.Write".into(),
    };
    let client = Client::new(UipathConfig::new(&server.base_url(), auth).unwrap()).unwrap();
    let change = PasswordChange::admin_set(UIPATH_USER, canary::NEW_PASSWORD);
    client.change_password(&change).await.unwrap();
    client.change_password(&change).await.unwrap();
    assert_eq!(token_mock.calls_async().await, 1, "the token is cached");
    assert_eq!(change_mock.calls_async().await, 2);
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
    assert!(matches!(changed.details, ChangedDetails::Vcd(_)));
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
        (503, json!("<html>down</html>"), ErrorKind::Unavailable),
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

#[tokio::test]
async fn vcd_login_uses_basic_credentials_and_the_token_header() {
    let server = MockServer::start_async().await;
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
    client
        .change_password(&self_service(VCD_USER))
        .await
        .unwrap();
    login.assert_async().await;
    change.assert_async().await;
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
    let ChangedDetails::Bienport(pwchange::BienportDetails { user }) = changed.details else {
        panic!("details")
    };
    assert_eq!(user["screenName"], "905554447788");

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
        (
            502,
            json!("<html>bad gateway</html>"),
            ErrorKind::Unavailable,
        ),
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
async fn validation_happens_before_any_request() {
    let server = answering(204, &Value::Null).await;
    let cases: Vec<(Client, PasswordChange, ErrorKind, &str)> = vec![
        (
            zitadel(&server),
            self_service("bad id"),
            ErrorKind::InvalidInput,
            "expected 1..=200 characters",
        ),
        (
            zitadel(&server),
            PasswordChange::self_service(ZITADEL_USER, "x", "y".repeat(201)),
            ErrorKind::InvalidInput,
            "at most 200",
        ),
        (
            Client::new(
                ZitadelConfig::new(&server.base_url(), token())
                    .unwrap()
                    .api(ZitadelApi::V1),
            )
            .unwrap(),
            PasswordChange::admin_set(ZITADEL_USER, "é".repeat(73)),
            ErrorKind::InvalidInput,
            "at most 72",
        ),
        (
            Client::new(
                ZitadelConfig::new(&server.base_url(), token())
                    .unwrap()
                    .api(ZitadelApi::V1),
            )
            .unwrap(),
            self_service(ZITADEL_USER),
            ErrorKind::Unsupported,
            "cannot verify a current password",
        ),
        (
            vcd(&server),
            self_service("urn:vcloud:user:nope"),
            ErrorKind::InvalidInput,
            "urn:vcloud:user:<uuid>",
        ),
        (
            vcd(&server),
            PasswordChange::self_service(VCD_USER, canary::PASSWORD, "short"),
            ErrorKind::InvalidInput,
            "at least 6",
        ),
        (
            vcd(&server),
            PasswordChange::admin_set(VCD_USER, canary::NEW_PASSWORD),
            ErrorKind::Unsupported,
            "only the caller's own",
        ),
        (
            uipath(&server),
            self_service("har-3107"),
            ErrorKind::InvalidInput,
            "expected a UUID",
        ),
        (
            uipath(&server),
            PasswordChange::admin_set(UIPATH_USER, canary::NEW_PASSWORD)
                .require_change_at_next_login(true),
            ErrorKind::Unsupported,
            "change at next login",
        ),
        (
            bienport(&server),
            self_service("-1"),
            ErrorKind::InvalidInput,
            "positive integer",
        ),
        (
            bienport(&server),
            PasswordChange::admin_set(BIENPORT_USER, canary::NEW_PASSWORD),
            ErrorKind::Unsupported,
            "needs the current password",
        ),
        (
            bienport(&server),
            PasswordChange::self_service(BIENPORT_USER, canary::PASSWORD, canary::PASSWORD),
            ErrorKind::InvalidInput,
            "same as the current",
        ),
        (
            bienport(&server),
            PasswordChange::self_service(BIENPORT_USER, canary::PASSWORD, ""),
            ErrorKind::InvalidInput,
            "new password is empty",
        ),
    ];
    for (client, change, kind, expected) in cases {
        let error = expect_kind(client, &change, kind, expected).await;
        assert!(error.to_string().contains(expected), "{error}");
    }
    let requests = server
        .mock_async(|_, then| {
            then.status(204);
        })
        .await;
    assert_eq!(requests.calls_async().await, 0);
}

#[tokio::test]
async fn a_refused_connection_is_transport_and_temporary() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let http = HttpConfig::new(&format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect_retries(1);
    let client = Client::new(
        ZitadelConfig::new(&format!("http://127.0.0.1:{port}"), token())
            .unwrap()
            .http(http),
    )
    .unwrap();
    let error = expect_kind(
        client,
        &self_service(ZITADEL_USER),
        ErrorKind::Transport,
        "refused",
    )
    .await;
    assert!(error.is_temporary());
    assert!(!error.may_have_applied());
}

#[tokio::test]
async fn a_timeout_after_sending_is_outcome_unknown() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|_, then| {
            then.status(200)
                .delay(Duration::from_secs(3))
                .json_body(json!({}));
        })
        .await;
    let http = HttpConfig::new(&server.base_url())
        .unwrap()
        .timeout(Duration::from_millis(300));
    let client = Client::new(
        ZitadelConfig::new(&server.base_url(), token())
            .unwrap()
            .http(http),
    )
    .unwrap();
    let error = expect_kind(
        client,
        &self_service(ZITADEL_USER),
        ErrorKind::OutcomeUnknown,
        "timeout",
    )
    .await;
    assert!(error.may_have_applied());
    assert!(
        !error.is_temporary(),
        "a change that may have applied must not be retried blindly"
    );
}

#[tokio::test]
async fn an_echoed_password_is_scrubbed_from_vendor_messages() {
    let body = json!({"code": 3, "message": format!("value {} is invalid", canary::NEW_PASSWORD), "details": []});
    let server = answering(400, &body).await;
    let error = expect_kind(
        zitadel(&server),
        &self_service(ZITADEL_USER),
        ErrorKind::InvalidInput,
        "echo",
    )
    .await;
    assert!(error.vendor_messages()[0].contains("<redacted>"));
}

#[test]
fn from_env_reports_the_missing_variable() {
    // The variables are not set in the test environment.
    let error = Client::from_env(pwchange::Vendor::Vcd).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(
        error
            .to_string()
            .contains("base_url is not set: it must hold the vendor's base URL (PWCHANGE_VCD_BASE_URL"),
        "{error}"
    );
}

/// A change can be spawned on a multi-threaded runtime: its future is `Send`, for every vendor.
#[test]
fn the_change_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let change = self_service(ZITADEL_USER);
    for config in [
        pwchange::Config::from(ZitadelConfig::new("https://z.example.com", token()).unwrap()),
        UipathConfig::new("https://u.example.com", UipathAuth::Token(token()))
            .unwrap()
            .into(),
        VcdConfig::new("https://v.example.com", VcdAuth::Token(token()))
            .unwrap()
            .into(),
        BienportConfig::new("https://b.example.com", BienportAuth::Token(token()), 1)
            .unwrap()
            .into(),
    ] {
        let client = Client::new(config).unwrap();
        let future = client.change_password(&change);
        assert_send(&future);
    }
}
