//! Test support shared by the vendor modules' tests: canary credentials, mock servers that
//! answer anything, and the checks every error must pass.

use httpmock::MockServer;
use pwchange_core::canary;
use serde_json::Value;

use crate::{Client, Error, ErrorKind, PasswordChange, SecretToken};

/// The canary token.
pub fn token() -> SecretToken {
    SecretToken::new(canary::TOKEN).expect("the canary token is valid")
}

/// A self-service change of `user` from the canary password to the new canary password,
/// without the verification login (the vendors' verification tests ask for it).
pub fn self_service(user: &str) -> PasswordChange {
    PasswordChange::self_service(user, canary::PASSWORD, canary::NEW_PASSWORD).verify(false)
}

/// Answers every request with `status` and `body` (JSON when it is an object, raw text when a
/// string, nothing when null), with `Retry-After: 7`.
pub async fn answering(status: u16, body: &Value) -> MockServer {
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
pub fn assert_no_secret(error: &Error) {
    canary::assert_absent_from_error("error", error);
}

/// Runs `change` and expects an error of `kind` without a secret in it.
pub async fn expect_kind(
    client: impl std::borrow::Borrow<Client>,
    change: &PasswordChange,
    kind: ErrorKind,
    case: &str,
) -> Error {
    let error = client
        .borrow()
        .change_password(change)
        .await
        .expect_err(case);
    assert_no_secret(&error);
    assert_eq!(error.kind(), kind, "{case}: {error}");
    error
}

/// Rows of "this change is refused before any request, with this kind and this text": `rows`
/// gets the base URL of a server that counts every request it receives, which must be none.
pub async fn refused_before_sending(
    rows: impl FnOnce(&str) -> Vec<(Client, PasswordChange, ErrorKind, &'static str)>,
) {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(500);
        })
        .await;
    for (client, change, kind, expected) in rows(&server.base_url()) {
        let error = expect_kind(&client, &change, kind, expected).await;
        assert!(error.to_string().contains(expected), "{expected}: {error}");
    }
    assert_eq!(
        any.calls_async().await,
        0,
        "a refused change sent a request"
    );
}
