//! The generated Cloud Director client against the generated httpmock helpers: exact requests,
//! decoded responses and errors, and no secret in any Debug output.

use httpmock::MockServer;
use pwchange_core::canary;
use pwchange_httpmock::vcd::MockServerExt as _;
use pwchange_vcd::{Client, Credentials, Error, SecretToken, context, types};
use secrecy::SecretString;

const URN: &str = "urn:vcloud:user:522d756c-ad00-3b4f-ae6a-6d241437b471";

fn client(server: &MockServer) -> Client {
    let token = SecretToken::new(canary::TOKEN).unwrap();
    Client::new(
        &server.base_url(),
        context(Credentials::Bearer(token), "38.0").unwrap(),
    )
}

fn change_request() -> types::PasswordChangeRequest {
    types::PasswordChangeRequest {
        current_password: canary::PASSWORD.parse().unwrap(),
        new_password: canary::NEW_PASSWORD.parse().unwrap(),
    }
}

fn vcd_error(code: &str) -> types::Error {
    types::Error {
        minor_error_code: code.into(),
        message: format!("[ id ] {code}"),
        stack_trace: None,
    }
}

#[tokio::test]
async fn change_password_sends_the_documented_request() {
    let server = MockServer::start_async().await;
    let mock = server.change_password(|when, then| {
        let when = when.user_urn(&URN.parse().unwrap()).body(&change_request());
        when.into_inner()
            .header("accept", "application/json;version=38.0")
            .header("authorization", format!("Bearer {}", canary::TOKEN))
            .header("content-type", "application/json")
            .json_body(serde_json::json!({
                "currentPassword": canary::PASSWORD,
                "newPassword": canary::NEW_PASSWORD,
            }));
        then.no_content();
    });
    let client = client(&server);
    let request = client
        .change_password()
        .user_urn(URN)
        .body(change_request());
    canary::assert_absent("request builder Debug", &format!("{request:?}"));
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 204);
    mock.assert_async().await;
}

/// The logout a verification login ends its session with.
#[tokio::test]
async fn logout_current_session_sends_the_documented_request() {
    let server = MockServer::start_async().await;
    let mock = server.logout_current_session(|when, then| {
        when.into_inner()
            .header("accept", "application/json;version=38.0")
            .header("authorization", format!("Bearer {}", canary::TOKEN));
        then.no_content();
    });
    let response = client(&server)
        .logout_current_session()
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    mock.assert_async().await;
}

#[tokio::test]
async fn documented_errors_decode_into_the_error_body() {
    type Then = pwchange_httpmock::vcd::operations::ChangePasswordThen;
    type Respond = fn(Then, &types::Error) -> Then;
    let cases: [(u16, &str, Respond); 3] = [
        (400, "BAD_REQUEST", Then::bad_request),
        (401, "UNAUTHORIZED", Then::unauthorized),
        (403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN", Then::forbidden),
    ];
    for (status, code, respond) in cases {
        let server = MockServer::start_async().await;
        server.change_password(|_, then| {
            respond(then, &vcd_error(code));
        });
        let err = client(&server)
            .change_password()
            .user_urn(URN)
            .body(change_request())
            .send()
            .await
            .unwrap_err();
        canary::assert_absent("error Debug", &format!("{err:?} {err}"));
        match err {
            Error::ErrorResponse(body) => {
                assert_eq!(body.status(), status);
                assert_eq!(body.minor_error_code, code);
            }
            other => panic!("{status}: expected a typed error, got {other}"),
        }
    }
}

#[tokio::test]
async fn an_undeclared_status_keeps_its_status_and_body() {
    let server = MockServer::start_async().await;
    server.change_password(|_, then| {
        then.into_inner()
            .status(503)
            .body("<html>maintenance</html>");
    });
    let err = client(&server)
        .change_password()
        .user_urn(URN)
        .body(change_request())
        .send()
        .await
        .unwrap_err();
    match err {
        Error::UnexpectedResponse(response) => assert_eq!(response.status(), 503),
        other => panic!("expected UnexpectedResponse, got {other}"),
    }
}

#[tokio::test]
async fn login_sends_basic_credentials_and_returns_the_token_header() {
    let server = MockServer::start_async().await;
    let session = types::Session {
        user: Some(types::EntityReference {
            id: Some(URN.into()),
            name: Some("alice".into()),
        }),
        ..Default::default()
    };
    let mock = server.login(|when, then| {
        // base64("alice@acme:" + canary::PASSWORD)
        let basic = format!(
            "Basic {}",
            base64_of(&format!("alice@acme:{}", canary::PASSWORD))
        );
        when.into_inner()
            .header("authorization", basic)
            .header("accept", "application/json;version=38.0");
        then.ok(&session)
            .into_inner()
            .header("X-VMWARE-VCLOUD-ACCESS-TOKEN", canary::TOKEN);
    });
    let credentials = Credentials::Basic {
        username: "alice@acme".into(),
        password: SecretString::from(canary::PASSWORD),
    };
    let client = Client::new(&server.base_url(), context(credentials, "38.0").unwrap());
    canary::assert_absent("client Debug", &format!("{client:?}"));
    let response = client.login().send().await.unwrap();
    let token = pwchange_vcd::access_token(&response).unwrap();
    assert_eq!(token.expose_secret(), canary::TOKEN);
    assert_eq!(response.into_inner().user.unwrap().id.as_deref(), Some(URN));
    mock.assert_async().await;
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let mock = server.change_password(|_, then| {
        then.no_content();
    });
    let err = client(&server)
        .change_password()
        .user_urn("urn:vcloud:user:../../admin")
        .body(change_request())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err}");
    assert_eq!(mock.calls_async().await, 0);

    let short = "12345"
        .parse::<pwchange_vcd::BoundedPassword<6, 128>>()
        .unwrap_err();
    assert_eq!(
        short.to_string(),
        "password is too short: at least 6 characters are required"
    );
}

#[test]
fn api_version_is_checked() {
    for ok in ["36.3", "38.0", "39.1", "9.0", "9.1.0", "9.0.1", "10.2.3"] {
        let context = context(Credentials::None, ok).unwrap();
        let accept = context.headers().get(reqwest::header::ACCEPT).unwrap();
        assert_eq!(accept, format!("application/json;version={ok}").as_str());
    }
    assert_eq!(
        context(Credentials::None, "36.2").unwrap_err().to_string(),
        "Cloud Director API version 36.2 is too old: pwchange needs 36.3 or later (VCF Automation: 9.0 or later)"
    );
    for too_old in ["8.18.0", "8.9", "36.0"] {
        assert!(
            matches!(
                context(Credentials::None, too_old),
                Err(pwchange_vcd::InvalidApiVersion::TooOld(_))
            ),
            "{too_old}"
        );
    }
    for malformed in [
        "38.0\r\nX: y",
        "latest",
        "38",
        "38.0.1",
        "9.1.0.4",
        "9..1",
        "9.1.",
        "+9.1",
        "99999.0",
        "",
    ] {
        assert!(
            matches!(
                context(Credentials::None, malformed),
                Err(pwchange_vcd::InvalidApiVersion::Malformed(_))
            ),
            "{malformed:?}"
        );
    }
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Issue #27: `Client::new` as this crate's README shows it obeys the transport rules: the
/// `HTTP_PROXY` family is ignored, a redirect is not followed, plain http to another host is
/// refused (a request carrying both passwords reaches no proxy).
#[tokio::test]
async fn client_new_obeys_the_transport_rules() {
    pwchange_httpmock::transport::assert_client_new_obeys_the_transport_rules(
        "client::client_new_obeys_the_transport_rules",
        |base| async move {
            let token = SecretToken::new(canary::TOKEN).unwrap();
            let client = Client::new(&base, context(Credentials::Bearer(token), "38.0").unwrap());
            let _ = client
                .change_password()
                .user_urn(URN)
                .body(change_request())
                .send()
                .await;
        },
    )
    .await;
}
