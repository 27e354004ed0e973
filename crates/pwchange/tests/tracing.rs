//! Tracing output carries no secrets. Its own test binary: tracing's per-callsite interest
//! cache is process-wide, so a scoped subscriber is only reliable without parallel tests.

#![allow(clippy::unwrap_used)] // test code

use std::sync::{Arc, Mutex};

use httpmock::MockServer;
use pwchange::{Client, PasswordChange, SecretToken, ZitadelConfig};
use pwchange_core::canary;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tracing_spans_and_events_carry_no_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let user = "69629026806489455";
    let success = serde_json::json!({"details": {"sequence": "2"}});
    let failure = serde_json::json!({"code": 3, "message": "policy (COMMA-HuJf6)", "details": []});
    for (status, body) in [(200, success), (400, failure.clone()), (401, failure)] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|_, then| {
                then.status(status).json_body(body.clone());
            })
            .await;
        let client = Client::new(
            ZitadelConfig::new(&server.base_url(), SecretToken::new(canary::TOKEN).unwrap())
                .unwrap(),
        )
        .unwrap();
        let change = PasswordChange::self_service(user, canary::PASSWORD, canary::NEW_PASSWORD);
        let _ = client.change_password(&change).await;
    }
    let output = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let outcome = |text: &str| {
        output
            .lines()
            .filter(|l| l.contains(text) && l.contains("pwchange.change_password{vendor=zitadel"))
            .count()
    };
    assert_eq!(outcome("password changed"), 1, "{output}");
    assert_eq!(outcome("password change failed"), 2, "{output}");
    assert!(output.contains(user));
    canary::assert_absent("tracing output", &output);
}
