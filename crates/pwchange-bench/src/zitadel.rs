//! Shared pieces of the benchmarks: a minimal loopback server answering ZITADEL's v2
//! set-password success, and the three ways of calling it that the benchmarks compare.
//!
//! The benchmarks measure one vendor's path, ZITADEL's; this file is the crate's library (see
//! `[lib] path` in Cargo.toml), so the vendor is named here and in Cargo.toml only.

use std::net::SocketAddr;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;

/// The vendor the benchmarks measure.
pub const VENDOR: pwchange::Vendor = pwchange::Vendor::Zitadel;

/// The vendor's password-policy read (`GET`), as `rotate` sends it first.
pub const POLICY_PATH: &str = "/v2/settings/password/complexity";

/// The path of an administrative set of `user`'s password, as `rotate --admin` sends it.
pub fn admin_set_path(user: &str) -> String {
    format!("/v2/users/{user}/password")
}

/// The body of an administrative set to `password`, as `rotate --admin` sends it.
pub fn admin_set_body(password: &str) -> serde_json::Value {
    serde_json::json!({"newPassword": {"password": password, "changeRequired": false}})
}

/// The user every call changes.
pub const USER: &str = "69629026806489455";
/// The route, for load tools.
pub fn route() -> String {
    format!("/v2/users/{USER}/password")
}
/// The request body every client sends.
pub const BODY: &str = r#"{"newPassword":{"password":"N3w-Passw0rd!x","changeRequired":false},"currentPassword":"Old-Passw0rd!x"}"#;
const RESPONSE: &str = r#"{"details":{"sequence":"2","changeDate":"2024-06-13T06:44:37.450Z","resourceOwner":"69629023906488334"}}"#;

async fn answer() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], RESPONSE)
}

/// Starts the server on an ephemeral loopback port.
pub async fn start_server() -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = Router::new().route("/v2/users/{user}/password", post(answer));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}

/// The facade client.
pub fn facade(base: &str) -> Result<pwchange::Client, pwchange::Error> {
    let token = pwchange::SecretToken::new("bench-token")
        .map_err(|e| pwchange::Error::new(pwchange::ErrorKind::InvalidInput, e.to_string()))?;
    // The same call as the others: v2 `SetPassword` (the facade's default is `UpdateUser`).
    pwchange::Client::new(
        pwchange::ZitadelConfig::new(base, token)?.api(pwchange::ZitadelApi::SetPassword),
    )
}

/// The change the facade sends: the same single request as the others (no verification
/// login, which the facade would otherwise add).
pub fn change() -> pwchange::PasswordChange {
    pwchange::PasswordChange::self_service(USER, "Old-Passw0rd!x", "N3w-Passw0rd!x").verify(false)
}

/// The generated client the benchmarks call.
pub type GeneratedClient = pwchange_zitadel::Client;

/// The generated client for `base`.
pub fn generated(base: &str) -> Result<GeneratedClient, String> {
    let token = pwchange_zitadel::SecretToken::new("bench-token").map_err(|e| e.to_string())?;
    Ok(pwchange_zitadel::Client::new(
        base,
        pwchange_zitadel::ClientContext::bearer(token),
    ))
}

/// One call through the generated client.
pub async fn generated_call(client: &pwchange_zitadel::Client) -> Result<(), String> {
    use pwchange_zitadel::types;
    let body = types::SetPasswordRequest {
        new_password: types::NewPassword {
            password: "N3w-Passw0rd!x".parse().map_err(|e| format!("{e}"))?,
            change_required: false,
        },
        current_password: Some("Old-Passw0rd!x".parse().map_err(|e| format!("{e}"))?),
        verification_code: None,
    };
    client
        .set_password()
        .user_id(USER)
        .body(body)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// One call with plain reqwest: the same request, decoded into a JSON value.
pub async fn raw_call(http: &reqwest::Client, url: &str) -> Result<(), String> {
    let response = http
        .post(url)
        .bearer_auth("bench-token")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(BODY)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let _: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
    Ok(())
}
