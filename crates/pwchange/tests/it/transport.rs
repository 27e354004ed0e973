//! Transport settings against real sockets: a vendor behind a private CA works with `ca_file`
//! and fails without it with a TLS message and a single attempt; a configured proxy carries
//! requests to remote hosts and never to loopback.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use pwchange::{Client, ErrorKind, Outcome, PasswordChange, Settings, Vendor};
use pwchange_sim::{Simulator, demo_user};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A TLS front for `backend` (host:port) with the fixture certificate for `localhost`
/// (issued by `fixtures/ca.pem`), counting the connections it accepts; with
/// `require_client_certificate`, only clients with a certificate from the same CA get through.
async fn tls_front(backend: String, require_client_certificate: bool) -> (u16, Arc<AtomicUsize>) {
    let chain = CertificateDer::pem_file_iter(fixture("server.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client_certificate {
        let mut roots = rustls::RootCertStore::empty();
        for ca in CertificateDer::pem_file_iter(fixture("ca.pem")).unwrap() {
            roots.add(ca.unwrap()).unwrap();
        }
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder.with_single_cert(chain, key).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            counted.fetch_add(1, Ordering::SeqCst);
            let (acceptor, backend) = (acceptor.clone(), backend.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(&backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (port, connections)
}

fn settings(vendor: Vendor, base_url: &str, token: &str) -> Settings {
    let mut settings = Settings::new(vendor);
    for (key, value) in pwchange_sim::client_settings(vendor, base_url, token) {
        settings.set(key, value, key);
    }
    settings
}

fn change(vendor: Vendor) -> PasswordChange {
    let user = demo_user(vendor);
    let change = if pwchange_sim::offers_self_service(vendor) {
        PasswordChange::self_service(user.id, user.password, "N3w-Passw0rd!x")
    } else {
        PasswordChange::admin_set(user.id, "N3w-Passw0rd!x")
    };
    match user.login {
        Some(login) => change.login_name(login),
        None => change,
    }
}

#[tokio::test]
async fn a_private_ca_works_with_ca_file_and_fails_clearly_without_it() {
    let vendor = Vendor::ALL[0];
    let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
    let sim_url = url::Url::parse(sim.base_url()).unwrap();
    let backend = format!("127.0.0.1:{}", sim_url.port().unwrap());
    let (port, connections) = tls_front(backend, false).await;
    let mut tls_url = sim_url.clone();
    tls_url.set_scheme("https").unwrap();
    tls_url.set_host(Some("localhost")).unwrap();
    tls_url.set_port(Some(port)).unwrap();

    // Without the CA: refused at the handshake, said so, one attempt, nothing applied.
    let client = Client::from_settings(settings(vendor, tls_url.as_str(), sim.token())).unwrap();
    let error = client.change_password(&change(vendor)).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert_eq!(error.outcome(), Outcome::NotApplied);
    let text = error.to_string();
    assert!(text.contains("TLS handshake failed"), "{text}");
    assert!(
        text.contains("not trusted") && text.contains("--ca-cert"),
        "{text}"
    );
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "a TLS failure was retried"
    );

    // With it: the change goes through the TLS front.
    let mut with_ca = settings(vendor, tls_url.as_str(), sim.token());
    with_ca.set("ca_file", fixture("ca.pem").display().to_string(), "test");
    let client = Client::from_settings(with_ca).unwrap();
    client.change_password(&change(vendor)).await.unwrap();
    assert!(connections.load(Ordering::SeqCst) > 1);

    // A CA file that is not one is refused when the client is built, naming the file.
    let mut bad = settings(vendor, tls_url.as_str(), sim.token());
    bad.set(
        "ca_file",
        fixture("server.key").display().to_string(),
        "test",
    );
    let error = Client::from_settings(bad).err().unwrap();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(error.to_string().contains("server.key"), "{error}");
    assert!(!error.to_string().contains("PRIVATE"), "{error}");
}

#[tokio::test]
async fn a_client_certificate_is_presented_when_configured() {
    let vendor = Vendor::ALL[0];
    let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
    let sim_url = url::Url::parse(sim.base_url()).unwrap();
    let (port, _) = tls_front(format!("127.0.0.1:{}", sim_url.port().unwrap()), true).await;
    let mut tls_url = sim_url.clone();
    tls_url.set_scheme("https").unwrap();
    tls_url.set_host(Some("localhost")).unwrap();
    tls_url.set_port(Some(port)).unwrap();
    let mut base = settings(vendor, tls_url.as_str(), sim.token());
    base.set("ca_file", fixture("ca.pem").display().to_string(), "test");

    let error = Client::from_settings(base.clone())
        .unwrap()
        .change_password(&change(vendor))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Transport | ErrorKind::OutcomeUnknown
        ),
        "{error}"
    );
    assert_eq!(
        sim.password(&demo_user(vendor).id).as_deref(),
        Some(demo_user(vendor).password.as_str())
    );

    // The key as git checks it out (0644) is refused: every user could read it. A copy only
    // its owner can read is taken.
    let private = tempfile::tempdir().unwrap();
    let key = private.path().join("client.key");
    std::fs::copy(fixture("client.key"), &key).unwrap();
    let with_key = |key: &std::path::Path| {
        let mut with_certificate = base.clone();
        with_certificate.set(
            "client_certificate_file",
            fixture("client.pem").display().to_string(),
            "test",
        );
        with_certificate.set("client_key_file", key.display().to_string(), "test");
        Client::from_settings(with_certificate)
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = with_key(&key).err().unwrap().to_string();
        assert!(error.contains("chmod o-rwx"), "{error}");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    with_key(&key)
        .unwrap()
        .change_password(&change(vendor))
        .await
        .unwrap();

    // A certificate without its key is refused, naming the missing key.
    let mut half = base;
    half.set(
        "client_certificate_file",
        fixture("client.pem").display().to_string(),
        "test",
    );
    let error = Client::from_settings(half).err().unwrap();
    assert!(error.to_string().contains("client_key_file"), "{error}");
}

/// A proxy that records the request line of everything it receives and answers 502.
async fn recorder() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let lines = Arc::new(Mutex::new(Vec::new()));
    let seen = lines.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 4096];
                let n = stream.read(&mut buffer).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buffer[..n]);
                seen.lock().unwrap().push(head.into_owned());
                let _ = stream
                    .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (url, lines)
}

#[tokio::test]
async fn a_configured_proxy_carries_remote_requests_and_never_loopback_ones() {
    let vendor = Vendor::ALL[0];
    let (proxy, seen) = recorder().await;

    // Loopback: the proxy is not used.
    let sim = Simulator::start_with_demo_users(vendor).await.unwrap();
    let mut local = settings(vendor, sim.base_url(), sim.token());
    local.set("proxy", proxy.clone(), "test");
    Client::from_settings(local)
        .unwrap()
        .change_password(&change(vendor))
        .await
        .unwrap();
    assert!(
        seen.lock().unwrap().is_empty(),
        "a loopback request went to the proxy"
    );

    // A remote host (never resolved here): the request goes to the proxy, as an absolute URI.
    let mut remote = settings(vendor, "http://vendor.invalid", "tok-proxy-1");
    remote.set("allow_insecure_http", "true", "test");
    remote.set("proxy", proxy, "test");
    let error = Client::from_settings(remote)
        .unwrap()
        .change_password(&change(vendor).verify(false))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(502), "{error}");
    let lines = seen.lock().unwrap().clone();
    assert!(
        lines
            .iter()
            .any(|l| l.lines().next().unwrap().contains("http://vendor.invalid/")),
        "{lines:?}"
    );
    let agent = format!("user-agent: pwchange/{}", env!("CARGO_PKG_VERSION"));
    assert!(
        lines
            .iter()
            .all(|l| l.to_ascii_lowercase().contains(&agent)),
        "{lines:?}"
    );
}
