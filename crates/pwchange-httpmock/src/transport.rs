//! Helpers for each vendor crate's test that its generated `Client::new` obeys pwchange's
//! transport rules (`pwchange_core::http::client_for`): the `HTTP_PROXY` family is ignored,
//! redirects are not followed, and plain http to a host that is not loopback is refused.

#![allow(clippy::unwrap_used)] // test support: a failure to set up is a test failure

use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The proxy variables reqwest reads, in both spellings.
const PROXY_VARIABLES: [&str; 6] = [
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];

/// A loopback listener that counts the connections it receives: what must receive nothing.
pub struct Trap {
    url: String,
    connections: Arc<AtomicUsize>,
}

impl Trap {
    /// Listens on a free loopback port (a thread accepts and counts).
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Self { url, connections }
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Connections received so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Set in the test process [`assert_client_new_obeys_the_transport_rules`] starts.
const CHILD: &str = "PWCHANGE_TRANSPORT_RULES_CHILD";

/// Checks that `send` (which builds a client with the vendor's generated `Client::new` for the
/// base URL it is given and sends one request with it, its result ignored) obeys the transport
/// rules. The test `test` (its full name in the test binary) runs again in a process of its own
/// with every proxy variable pointing at a [`Trap`] (and `NO_PROXY` unset); there a request to a
/// loopback server must reach it directly, its `307` to the trap must not be followed, and a
/// request to a plain-http host that is not loopback must be refused. The trap must receive
/// nothing.
pub async fn assert_client_new_obeys_the_transport_rules<F, Fut>(test: &str, send: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = ()>,
{
    if let Ok(trap) = std::env::var(CHILD) {
        let server = httpmock::MockServer::start_async().await;
        let redirect = server
            .mock_async(|_, then| {
                then.status(307)
                    .header("location", format!("{trap}/elsewhere"));
            })
            .await;
        send(server.base_url()).await;
        assert_eq!(
            redirect.calls_async().await,
            1,
            "the request did not reach the server directly"
        );
        // TEST-NET-1 (RFC 5737): no host answers there; a proxy would.
        send("http://192.0.2.1:9".to_owned()).await;
        return;
    }
    let trap = Trap::start();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args(["--exact", test, "--nocapture", "--test-threads", "1"])
        .env(CHILD, trap.url())
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
    for name in PROXY_VARIABLES {
        child.env(name, trap.url());
    }
    let output = child.output().unwrap();
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{shown}");
    assert!(shown.contains("1 passed"), "the test did not run: {shown}");
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(
        trap.connections(),
        0,
        "a request went to the environment's proxy, or followed a redirect"
    );
}
