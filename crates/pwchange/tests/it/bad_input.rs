//! The bad-input table: hostile or broken input for every vendor of the registry, each with its
//! documented `ErrorKind`, never a changed request target, never a request for input refused
//! before sending. Each vendor's own limits (lengths, modes, id forms) are tested in its module,
//! `src/vendors/<vendor>/`.

use std::time::Duration;

use httpmock::MockServer;
use pwchange::{Client, ErrorKind, PasswordChange, SecretToken, Settings, Vendor};
use pwchange_core::canary;
use pwchange_sim::{Simulator, demo_user};

fn client(vendor: Vendor, base_url: &str) -> Client {
    client_with(vendor, base_url, &[])
}

fn client_with(vendor: Vendor, base_url: &str, extra: &[(&str, &str)]) -> Client {
    let mut settings = Settings::new(vendor);
    for (key, value) in pwchange_sim::client_settings(vendor, base_url, canary::TOKEN) {
        settings.set(key, value, key);
    }
    for (key, value) in extra {
        settings.set(key, *value, *key);
    }
    Client::from_settings(settings).unwrap()
}

/// The demo user's self-service change to `new`.
fn demo_change(vendor: Vendor, new: &str) -> PasswordChange {
    let user = demo_user(vendor);
    // Where the proof is a login before the change, the administrative set is the change
    // whose first request is the change itself (what the answers below are meant for).
    // A vendor without a self-service change gets an administrative set too.
    if pwchange_sim::logins_before_a_self_service_change(vendor) > 0
        || !pwchange_sim::offers_self_service(vendor)
    {
        return PasswordChange::admin_set(user.id, new);
    }
    PasswordChange::self_service(user.id, user.password, new)
}

#[tokio::test]
async fn the_bad_input_table() {
    let special = ["a/b", "..", "a?b", "a%2Fb", "a b", "a\r\nb", "a#b", ""];
    let suffixes = ["/x", "/../x", "?x", "%2Fx", " x", "\r\nx", "#x"];
    let mut rows = 0;
    for vendor in Vendor::ALL {
        let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
        let user = demo_user(vendor);
        // A vendor without a self-service change gets the same ids in an administrative set.
        let self_service = pwchange_sim::offers_self_service(vendor);
        let change_of = |id: String| {
            if self_service {
                PasswordChange::self_service(id, user.password.clone(), "New-Passw0rd!")
            } else {
                PasswordChange::admin_set(id, "New-Passw0rd!")
            }
        };
        let mut cases: Vec<(String, PasswordChange)> = vec![(
            "empty new password".into(),
            if self_service {
                PasswordChange::self_service(user.id.clone(), user.password.clone(), "")
            } else {
                PasswordChange::admin_set(user.id.clone(), "")
            },
        )];
        if self_service {
            cases.push((
                "empty current password".into(),
                PasswordChange::self_service(user.id.clone(), "", "New-Passw0rd!"),
            ));
            cases.push((
                "new equals current".into(),
                PasswordChange::self_service(
                    user.id.clone(),
                    user.password.clone(),
                    user.password.clone(),
                ),
            ));
        }
        // Characters the vendor's ids may hold are its, not bad input (sent percent-encoded).
        let allowed = pwchange_sim::user_id_characters(vendor);
        let special = special
            .iter()
            .filter(|s| !s.chars().any(|c| allowed.contains(c)));
        let suffixes = suffixes
            .iter()
            .filter(|s| !s.chars().any(|c| allowed.contains(c)));
        for s in special {
            cases.push((format!("user id {s:?}"), change_of(s.to_string())));
        }
        for s in suffixes {
            cases.push((
                format!("demo user id + {s:?}"),
                change_of(format!("{}{s}", user.id)),
            ));
        }
        let client = client(vendor, sim.base_url());
        for (name, change) in cases {
            let name = format!("{vendor}: {name}");
            let error = client.change_password(&change).await.expect_err(&name);
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{name}: {error}");
            canary::assert_absent(&name, &format!("{error} {error:?}"));
            rows += 1;
        }
        assert_eq!(sim.requests(), 0, "{vendor}: refused before any request");
        assert_eq!(sim.password(&user.id), Some(user.password), "{vendor}");
    }
    assert!(rows >= 60, "{rows} rows");
}

#[tokio::test]
async fn header_values_with_cr_lf_are_refused() {
    assert!(
        SecretToken::new("tok\r\nX-Injected: 1").is_err(),
        "a token with CR/LF"
    );
    for vendor in Vendor::ALL {
        let mut settings = Settings::new(vendor);
        for (key, value) in pwchange_sim::client_settings(vendor, "https://idp.example.com", "t") {
            settings.set(key, value, key);
        }
        settings.set("token", "tok\r\nX-Injected: 1", "test token");
        let error = Client::from_settings(settings).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{vendor}: {error}");
    }
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
            // A proxy's own 503 may follow an applied change (issue #27).
            ErrorKind::OutcomeUnknown,
        ),
        (
            500,
            "text/plain",
            vec![b'x'; 10 * 1024 * 1024],
            // A 500 may come after the change applied.
            ErrorKind::OutcomeUnknown,
        ),
    ];
    for (status, content_type, body, kind) in cases {
        let size = body.len();
        let server = answering(status, content_type, body).await;
        for vendor in Vendor::ALL {
            let error = client(vendor, &server.base_url())
                .change_password(&demo_change(vendor, "New-Passw0rd!"))
                .await
                .unwrap_err();
            assert_eq!(
                error.kind(),
                kind,
                "{vendor} {status} {content_type} ({size} bytes): {error}"
            );
            // A 10 MB body is read up to a cap and quoted as a short excerpt.
            assert!(
                error.to_string().len() < 1000,
                "{} bytes of message",
                error.to_string().len()
            );
        }
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
    for vendor in Vendor::ALL {
        let error = client_with(vendor, &base, &[("timeout_secs", "1")])
            .change_password(&demo_change(vendor, "New-Passw0rd!"))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{vendor}: {error}");
    }
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
    let mut errors = Vec::new();
    for vendor in Vendor::ALL {
        errors.push((
            vendor,
            client(vendor, &base)
                .change_password(&demo_change(vendor, "New-Passw0rd!"))
                .await,
        ));
    }
    let _ = server.kill();
    let _ = server.wait();
    for (vendor, outcome) in errors {
        let error = outcome.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Transport, "{vendor}: {error}");
        assert!(!error.may_have_applied());
    }
}
