//! The bad-input table: hostile or broken input across vendors, each with its documented
//! `ErrorKind` (or accepted, where the vendor's rule allows it), and never a changed request
//! target.

#![allow(clippy::unwrap_used)] // test code

use std::time::Duration;

use httpmock::{Method, MockServer};
use pwchange::{
    BienportAuth, BienportConfig, Client, ErrorKind, HttpConfig, PasswordChange, SecretToken,
    UipathAuth, UipathConfig, VcdAuth, VcdConfig, ZitadelApi, ZitadelConfig,
};
use pwchange_core::canary;

const ZITADEL_USER: &str = "69629026806489455";
const VCD_USER: &str = "urn:vcloud:user:522d756c-ad00-3b4f-ae6a-6d241437b471";

fn token() -> SecretToken {
    SecretToken::new(canary::TOKEN).unwrap()
}

#[derive(Clone, Copy, Debug)]
enum Target {
    Bienport,
    Uipath,
    ZitadelV1,
    ZitadelV2,
    Vcd,
}

fn client(target: Target, base: &str) -> Client {
    match target {
        Target::Bienport => {
            Client::new(BienportConfig::new(base, BienportAuth::Token(token()), 20635).unwrap())
        }
        Target::Uipath => Client::new(UipathConfig::new(base, UipathAuth::Token(token())).unwrap()),
        Target::ZitadelV1 => Client::new(
            ZitadelConfig::new(base, token())
                .unwrap()
                .api(ZitadelApi::V1),
        ),
        Target::ZitadelV2 => Client::new(ZitadelConfig::new(base, token()).unwrap()),
        Target::Vcd => Client::new(VcdConfig::new(base, VcdAuth::Token(token())).unwrap()),
    }
    .unwrap()
}

/// A server that accepts every change (each vendor's success body), so that an accepted case
/// shows which path it reached.
async fn accepting(server: &MockServer) -> Vec<httpmock::Mock<'_>> {
    let mut mocks = Vec::new();
    mocks.push(
        server
            .mock_async(|when, then| {
                when.method(Method::PUT);
                then.status(200)
                    .header("content-type", "application/json")
                    .body(r#"{"userId": 1}"#);
            })
            .await,
    );
    mocks.push(
        server
            .mock_async(|when, then| {
                when.method(Method::POST).path_includes("changePassword");
                then.status(204);
            })
            .await,
    );
    mocks.push(
        server
            .mock_async(|when, then| {
                when.method(Method::POST).path_includes("changepassword");
                then.status(200)
                    .header("content-type", "application/json")
                    .body(r#"{"succeeded": true}"#);
            })
            .await,
    );
    mocks.push(
        server
            .mock_async(|when, then| {
                when.method(Method::POST).path_includes("/password");
                then.status(200)
                    .header("content-type", "application/json")
                    .body(r#"{"details": {"sequence": "1"}}"#);
            })
            .await,
    );
    mocks
}

async fn calls(mocks: &[httpmock::Mock<'_>]) -> usize {
    let mut total = 0;
    for mock in mocks {
        total += mock.calls_async().await;
    }
    total
}

fn self_service(user: &str, new: &str) -> PasswordChange {
    PasswordChange::self_service(user, canary::PASSWORD, new)
}

fn admin(user: &str, new: &str) -> PasswordChange {
    PasswordChange::admin_set(user, new)
}

#[tokio::test]
async fn the_bad_input_table() {
    let special = ["a/b", "..", "a?b", "a%2Fb", "a b", "a\r\nb"];
    let mut rows: Vec<(String, Target, PasswordChange, Option<ErrorKind>)> = vec![
        (
            "empty new password, bienport".into(),
            Target::Bienport,
            self_service("12343123", ""),
            Some(ErrorKind::InvalidInput),
        ),
        (
            "empty new password, uipath".into(),
            Target::Uipath,
            admin("3fa85f64-5717-4562-b3fc-2c963f66afa6", ""),
            Some(ErrorKind::InvalidInput),
        ),
        (
            "empty new password, zitadel".into(),
            Target::ZitadelV2,
            admin(ZITADEL_USER, ""),
            Some(ErrorKind::InvalidInput),
        ),
        (
            "empty new password, vcd".into(),
            Target::Vcd,
            self_service(VCD_USER, ""),
            Some(ErrorKind::InvalidInput),
        ),
        (
            "empty current password".into(),
            Target::Vcd,
            PasswordChange::self_service(VCD_USER, "", "New-Passw0rd!"),
            Some(ErrorKind::InvalidInput),
        ),
        (
            "201 characters, zitadel v2".into(),
            Target::ZitadelV2,
            admin(ZITADEL_USER, &"a".repeat(201)),
            Some(ErrorKind::InvalidInput),
        ),
        (
            "200 characters, zitadel v2".into(),
            Target::ZitadelV2,
            admin(ZITADEL_USER, &"a".repeat(200)),
            None,
        ),
        (
            "73 multibyte characters, zitadel v1".into(),
            Target::ZitadelV1,
            admin(ZITADEL_USER, &"é".repeat(73)),
            Some(ErrorKind::InvalidInput),
        ),
        (
            "72 multibyte characters (144 bytes), zitadel v1".into(),
            Target::ZitadelV1,
            admin(ZITADEL_USER, &"é".repeat(72)),
            None,
        ),
        (
            "129 characters, vcd".into(),
            Target::Vcd,
            self_service(VCD_USER, &"密".repeat(129)),
            Some(ErrorKind::InvalidInput),
        ),
        (
            "128 multibyte characters, vcd".into(),
            Target::Vcd,
            self_service(VCD_USER, &"密".repeat(128)),
            None,
        ),
        (
            "5 characters, vcd".into(),
            Target::Vcd,
            self_service(VCD_USER, "üüüüü"),
            Some(ErrorKind::InvalidInput),
        ),
        (
            "6 multibyte characters, vcd".into(),
            Target::Vcd,
            self_service(VCD_USER, "üüüüüü"),
            None,
        ),
        (
            "admin set on vcd".into(),
            Target::Vcd,
            admin(VCD_USER, "New-Passw0rd!"),
            Some(ErrorKind::Unsupported),
        ),
        (
            "new equals current".into(),
            Target::Uipath,
            PasswordChange::self_service("3fa85f64-5717-4562-b3fc-2c963f66afa6", "same", "same"),
            Some(ErrorKind::InvalidInput),
        ),
    ];
    for s in special {
        rows.push((
            format!("user id {s:?}, bienport"),
            Target::Bienport,
            self_service(s, "New-Passw0rd!"),
            Some(ErrorKind::InvalidInput),
        ));
        rows.push((
            format!("user id {s:?}, uipath"),
            Target::Uipath,
            admin(s, "New-Passw0rd!"),
            Some(ErrorKind::InvalidInput),
        ));
        rows.push((
            format!("user id {s:?}, zitadel"),
            Target::ZitadelV2,
            admin(s, "New-Passw0rd!"),
            Some(ErrorKind::InvalidInput),
        ));
        rows.push((
            format!("user id {s:?}, vcd"),
            Target::Vcd,
            self_service(&format!("urn:vcloud:user:{s}"), "New-Passw0rd!"),
            Some(ErrorKind::InvalidInput),
        ));
    }
    assert!(rows.len() >= 30, "{} rows", rows.len());
    for (name, target, change, expected) in rows {
        let server = MockServer::start_async().await;
        let mocks = accepting(&server).await;
        let outcome = client(target, &server.base_url())
            .change_password(&change)
            .await;
        let requests = calls(&mocks).await;
        match (outcome, expected) {
            (Ok(_), None) => assert_eq!(requests, 1, "{name}: exactly one request"),
            (Err(e), Some(kind)) => {
                assert_eq!(e.kind(), kind, "{name}: {e}");
                assert_eq!(requests, 0, "{name}: refused before any request");
                canary::assert_absent(&name, &format!("{e} {e:?}"));
            }
            (Ok(_), Some(kind)) => panic!("{name}: accepted, expected {kind:?}"),
            (Err(e), None) => panic!("{name}: refused ({e}), expected acceptance"),
        }
    }
}

#[tokio::test]
async fn header_values_with_cr_lf_are_refused() {
    assert!(
        SecretToken::new("tok\r\nX-Injected: 1").is_err(),
        "a token with CR/LF"
    );
    let server = MockServer::start_async().await;
    let mocks = accepting(&server).await;
    let org = ZitadelConfig::new(&server.base_url(), token())
        .unwrap()
        .api(ZitadelApi::V1)
        .organization_id("1\r\nX-Injected: 1");
    let error = Client::new(org)
        .unwrap()
        .change_password(&admin(ZITADEL_USER, "New-Passw0rd!"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    let version = VcdConfig::new(&server.base_url(), VcdAuth::Token(token()))
        .unwrap()
        .api_version("38.0\r\nX-Injected: 1");
    assert_eq!(
        Client::new(version).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(calls(&mocks).await, 0);
}

async fn answering(status: u16, content_type: &str, body: Vec<u8>) -> MockServer {
    let server = MockServer::start_async().await;
    let content_type = content_type.to_owned();
    server
        .mock_async(move |_, then| {
            then.status(status)
                .header("content-type", content_type)
                .body(body);
        })
        .await;
    server
}

#[tokio::test]
async fn broken_answers_get_their_documented_kind() {
    let cases: Vec<(u16, &str, Vec<u8>, ErrorKind)> = vec![
        (
            400,
            "text/html",
            b"<html><body>Bad Request</body></html>".to_vec(),
            ErrorKind::InvalidInput,
        ),
        (
            503,
            "text/plain",
            b"upstream connect error".to_vec(),
            ErrorKind::Unavailable,
        ),
        (
            200,
            "text/html",
            b"<html>login page</html>".to_vec(),
            ErrorKind::OutcomeUnknown,
        ),
        (
            500,
            "text/plain",
            vec![b'x'; 10 * 1024 * 1024],
            ErrorKind::Unavailable,
        ),
    ];
    for (status, content_type, body, kind) in cases {
        let size = body.len();
        let server = answering(status, content_type, body).await;
        let error = client(Target::ZitadelV2, &server.base_url())
            .change_password(&admin(ZITADEL_USER, "New-Passw0rd!"))
            .await
            .unwrap_err();
        assert_eq!(
            error.kind(),
            kind,
            "{status} {content_type} ({size} bytes): {error}"
        );
        // A 10 MB body is read up to a cap and quoted as a short excerpt.
        assert!(
            error.to_string().len() < 1000,
            "{} bytes of message",
            error.to_string().len()
        );
    }
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_with_outcome_unknown() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket); // read nothing, answer nothing
        }
    });
    let http = HttpConfig::new(&base)
        .unwrap()
        .timeout(Duration::from_millis(300));
    let client = Client::new(ZitadelConfig::new(&base, token()).unwrap().http(http)).unwrap();
    let error = client
        .change_password(&admin(ZITADEL_USER, "New-Passw0rd!"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{error}");
    hold.abort();
}

/// A self-signed certificate is refused by default (rustls, webpki roots): nothing is sent.
#[tokio::test]
async fn tls_to_a_self_signed_server_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is needed for this test");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-cert",
        ])
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let base = format!("https://localhost:{port}");
    let error = client(Target::ZitadelV2, &base)
        .change_password(&admin(ZITADEL_USER, "New-Passw0rd!"))
        .await
        .unwrap_err();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert!(!error.may_have_applied());
}
