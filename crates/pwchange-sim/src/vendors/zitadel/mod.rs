//! ZITADEL: grpc-gateway `rpcStatus` errors with error ids; default password complexity policy
//! (8 characters, lower, upper, digit, symbol); lengths from the spec (v1 1..72, v2 1..200).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get, patch, post};
use serde_json::{Value, json};

use super::{App, VendorTable, json, str_field};
use crate::engine::{self, ChangeAsk, Policy, Refusal};
use crate::model::{SimUser, WrongOrganization};
use crate::state::Shared;

const DETAIL: &str = "type.googleapis.com/zitadel.v1.ErrorDetail";
const CREDENTIALS: &str = "type.googleapis.com/zitadel.v1.CredentialsCheckError";
/// ZITADEL's default password complexity policy; the spec gives the length bounds.
const MIN_LENGTH: usize = 8;

pub(super) struct Zitadel;

impl VendorTable for Zitadel {
    fn spec(&self) -> &'static str {
        include_str!("../../../specs/zitadel.yaml")
    }

    fn router(&self) -> App {
        Router::new()
            .route(
                "/management/v1/users/{user_id}/password",
                post(set_human_password),
            )
            .route("/v2/users/{user_id}/password", post(set_password))
            .route("/v2/users/{user_id}", patch(update_user))
            .route(
                "/zitadel.user.v2.UserService/UpdateUser",
                post(connect_update_user),
            )
            .route("/v2/settings/password/complexity", get(password_complexity))
            .route(
                "/zitadel.settings.v2.SettingsService/GetPasswordComplexitySettings",
                post(connect_password_complexity),
            )
            .route("/v2/sessions", post(create_session))
            .route("/v2/sessions/{session_id}", delete(delete_session))
    }

    fn reads(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("GET", "/v2/settings/password/complexity"),
            (
                "POST",
                "/zitadel.settings.v2.SettingsService/GetPasswordComplexitySettings",
            ),
        ]
    }

    fn error(&self, status: StatusCode, message: &str, path: &str) -> Response {
        if is_connect(path) {
            connect_error(status, "SIM-request", message)
        } else {
            error(status, "SIM-request", message, DETAIL)
        }
    }

    /// ZITADEL's gRPC `ResourceExhausted`, as its gateway maps it: `429` with no
    /// `Retry-After` (ZITADEL's rate-limit policy asks clients for exponential backoff).
    fn rate_limited(&self, _wait: std::time::Duration, path: &str) -> Response {
        self.error(StatusCode::TOO_MANY_REQUESTS, "rate limited", path)
    }

    fn demo_user(&self) -> SimUser {
        SimUser::new("69629026806489455", "Initial-Passw0rd!").organization("69629023906488334")
    }

    fn numbered_user_id(&self, n: u64) -> String {
        (300_000_000_000_000_000u64 + n).to_string()
    }

    fn unknown_user_id(&self) -> &'static str {
        "11111111111111111"
    }

    fn weak_password(&self) -> Option<&'static str> {
        Some("lowercase-only-1")
    }

    /// v1 has the organization header (and only administrative sets); ZITADEL answers as if the
    /// user did not exist.
    fn wrong_organization(&self) -> Option<WrongOrganization> {
        Some(WrongOrganization {
            settings: vec![("api", "v1".into()), ("organization_id", "999".into())],
            admin_set: true,
            expected: pwchange_core::ErrorKind::UserNotFound,
        })
    }
}

fn error(status: StatusCode, id: &str, message: &str, type_url: &str) -> Response {
    let code = match status.as_u16() {
        400 => 3,
        401 => 16,
        403 => 7,
        404 => 5,
        409 => 6,
        429 => 8,
        503 => 14,
        _ => 13,
    };
    json(
        status,
        json!({"code": code, "message": format!("{message} ({id})"), "details": [{"@type": type_url, "id": id, "message": message}]}),
    )
}

/// Whether `path` is a Connect protocol route.
fn is_connect(path: &str) -> bool {
    path.starts_with("/zitadel.")
}

/// The Connect code of an HTTP status (connectrpc.com's mapping, inverted).
fn connect_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "invalid_argument",
        401 => "unauthenticated",
        403 => "permission_denied",
        404 => "not_found",
        409 => "already_exists",
        429 => "resource_exhausted",
        501 => "unimplemented",
        503 => "unavailable",
        504 => "deadline_exceeded",
        _ => "internal",
    }
}

/// A Connect error body: string code, message, and the `zitadel.v1.ErrorDetail` as protobuf
/// (base64) with its JSON in `debug`.
fn connect_error(status: StatusCode, id: &str, message: &str) -> Response {
    connect_error_of(status, id, message, "zitadel.v1.ErrorDetail")
}

/// [`connect_error`] with the detail's type (its bare protobuf name, as connect-go writes it).
fn connect_error_of(status: StatusCode, id: &str, message: &str, detail_type: &str) -> Response {
    use base64::Engine as _;
    let field = |number: u8, text: &str| {
        let mut bytes = vec![number << 3 | 2];
        let mut length = text.len();
        loop {
            let byte = (length & 0x7f) as u8;
            length >>= 7;
            if length == 0 {
                bytes.push(byte);
                break;
            }
            bytes.push(byte | 0x80);
        }
        bytes.extend_from_slice(text.as_bytes());
        bytes
    };
    let mut detail = field(1, id);
    detail.extend(field(2, message));
    json(
        status,
        json!({
            "code": connect_code(status),
            "message": format!("{message} ({id})"),
            "details": [{
                "type": detail_type,
                "value": base64::engine::general_purpose::STANDARD_NO_PAD.encode(detail),
                "debug": {"id": id, "message": message},
            }],
        }),
    )
}

/// ZITADEL's answer to each refusal, in grpc-gateway's form.
fn refusal(refusal: Refusal) -> Response {
    let (status, id, message, type_url) = refusal_parts(refusal);
    error(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        id,
        &message,
        type_url,
    )
}

/// ZITADEL's answer to each refusal, in the Connect protocol's form.
fn connect_refusal(refusal: Refusal) -> Response {
    let (status, id, message, type_url) = refusal_parts(refusal);
    connect_error_of(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        id,
        &message,
        type_url.trim_start_matches("type.googleapis.com/"),
    )
}

/// What ZITADEL answers to each refusal: status, error id, message, detail type.
fn refusal_parts(refusal: Refusal) -> (u16, &'static str, String, &'static str) {
    match refusal {
        Refusal::Unauthenticated => (
            401,
            "AUTH-7fs1e",
            "auth header missing or invalid".to_owned(),
            DETAIL,
        ),
        // ZITADEL does not tell "not in this organization" from "no such user".
        Refusal::NotOwnUser | Refusal::UserNotFound | Refusal::WrongOrganization => (
            404,
            "COMMAND-uXHNj",
            "User could not be found".to_owned(),
            DETAIL,
        ),
        Refusal::CurrentPasswordWrong => (
            400,
            "COMMAND-3M0fs",
            "Errors.User.Password.Invalid".to_owned(),
            CREDENTIALS,
        ),
        Refusal::CodeWrong => (
            400,
            "CODE-woT0xc",
            "Errors.User.Code.Invalid".to_owned(),
            DETAIL,
        ),
        Refusal::ConfirmationMismatch | Refusal::Unchanged => (
            400,
            "COMMAND-Aesh5",
            "Errors.User.Password.NotChanged".to_owned(),
            DETAIL,
        ),
        Refusal::TooLong(max) => (
            400,
            "PROTO-validation",
            format!("invalid request: password must be at most {max} characters"),
            DETAIL,
        ),
        Refusal::TooShort(min) => (
            400,
            "DOMAIN-HuJf6",
            format!("Password must be at least {min} characters long"),
            DETAIL,
        ),
        Refusal::NoLower => (
            400,
            "DOMAIN-co3Xw",
            "Password must contain a lower case letter".to_owned(),
            DETAIL,
        ),
        Refusal::NoUpper => (
            400,
            "DOMAIN-VoaRj",
            "Password must contain an upper case letter".to_owned(),
            DETAIL,
        ),
        Refusal::NoDigit => (
            400,
            "DOMAIN-ZBv4H",
            "Password must contain a number".to_owned(),
            DETAIL,
        ),
        Refusal::NoSymbol => (
            400,
            "DOMAIN-ZDLwA",
            "Password must contain a symbol".to_owned(),
            DETAIL,
        ),
    }
}

fn policy(shared: &Shared, schema: &str, refuse_unchanged: bool) -> Policy {
    let (min, max) = shared.contract.length_limits(schema);
    Policy {
        lower: true,
        upper: true,
        digit: true,
        symbol: true,
        refuse_unchanged,
        ..Policy::lengths(min.max(MIN_LENGTH), max)
    }
}

fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "PROTO-validation", message, DETAIL)
}

fn commit(user: &SimUser, shared: &Shared) -> Response {
    let sequence = {
        let mut state = shared.state();
        state.sequence += 1;
        state.sequence.to_string()
    };
    let owner = user
        .organization
        .clone()
        .unwrap_or_else(|| "69629023906488334".into());
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json(
        StatusCode::OK,
        json!({"details": {"sequence": sequence, "changeDate": now, "resourceOwner": owner}}),
    )
}

fn run(shared: &Shared, headers: &HeaderMap, ask: &ChangeAsk<'_>, policy: Policy) -> Response {
    match engine::change(shared, headers, ask, policy) {
        Ok(user) => commit(&user, shared),
        Err(r) => refusal(r),
    }
}

/// The request's JSON body, after the token check: ZITADEL's auth interceptor runs before the
/// request is read.
#[allow(clippy::result_large_err)] // an early answer; a simulator, not a hot path
fn authenticated_json(
    shared: &Shared,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Value, Response> {
    if engine::token_owner(shared, headers).is_none() {
        return Err(refusal(Refusal::Unauthenticated));
    }
    serde_json::from_slice::<Value>(body).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "SIM-json",
            "invalid JSON body",
            DETAIL,
        )
    })
}

async fn set_human_password(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match authenticated_json(&shared, &headers, &body) {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let Some(password) = str_field(&body, "password") else {
        return invalid("invalid request: password is required");
    };
    let organization = headers.get("x-zitadel-orgid").and_then(|v| v.to_str().ok());
    let ask = ChangeAsk {
        user_id: &user_id,
        new: password,
        organization,
        ..ChangeAsk::default()
    };
    run(
        &shared,
        &headers,
        &ask,
        policy(&shared, "PasswordV1", false),
    )
}

async fn set_password(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match authenticated_json(&shared, &headers, &body) {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let Some(password) = body
        .get("newPassword")
        .and_then(|n| str_field(n, "password"))
    else {
        return invalid("invalid request: newPassword.password is required");
    };
    let ask = ChangeAsk {
        user_id: &user_id,
        current: str_field(&body, "currentPassword"),
        code: str_field(&body, "verificationCode"),
        new: password,
        ..ChangeAsk::default()
    };
    run(&shared, &headers, &ask, policy(&shared, "PasswordV2", true))
}

/// The password part of an update (`human.password`) as a change: new password, current
/// password or verification code.
fn update_ask<'a>(user_id: &'a str, body: &'a Value) -> Result<ChangeAsk<'a>, &'static str> {
    let password = body
        .get("human")
        .and_then(|h| h.get("password"))
        .ok_or("invalid request: human.password is required")?;
    let new = password
        .get("password")
        .and_then(|p| str_field(p, "password"))
        .ok_or("invalid request: human.password.password.password is required")?;
    let (current, code) = (
        str_field(password, "currentPassword"),
        str_field(password, "verificationCode"),
    );
    if current.is_some() && code.is_some() {
        return Err("invalid request: currentPassword and verificationCode are a oneof");
    }
    Ok(ChangeAsk {
        user_id,
        current,
        code,
        new,
        ..ChangeAsk::default()
    })
}

/// `UpdateUser`'s answer: the change date only.
fn updated() -> Response {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json(StatusCode::OK, json!({"changeDate": now}))
}

async fn update_user(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match authenticated_json(&shared, &headers, &body) {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let ask = match update_ask(&user_id, &body) {
        Ok(ask) => ask,
        Err(message) => return invalid(message),
    };
    match engine::change(&shared, &headers, &ask, policy(&shared, "PasswordV2", true)) {
        Ok(_) => updated(),
        Err(r) => refusal(r),
    }
}

/// Connect's required protocol header, checked before anything else (as connect-go does when
/// it requires the header): a refusal when it is missing or not `1`.
fn connect_protocol_refused(headers: &HeaderMap) -> Option<Response> {
    let version = headers
        .get("connect-protocol-version")
        .and_then(|v| v.to_str().ok());
    (version != Some("1")).then(|| {
        connect_error(
            StatusCode::BAD_REQUEST,
            "SIM-connect",
            "missing required header: set Connect-Protocol-Version to \"1\"",
        )
    })
}

async fn connect_update_user(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = connect_protocol_refused(&headers) {
        return refused;
    }
    if engine::token_owner(&shared, &headers).is_none() {
        return connect_refusal(Refusal::Unauthenticated);
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return connect_error(StatusCode::BAD_REQUEST, "SIM-json", "invalid JSON body");
    };
    let Some(user_id) = str_field(&body, "userId") else {
        return connect_error(
            StatusCode::BAD_REQUEST,
            "PROTO-validation",
            "invalid request: userId is required",
        );
    };
    let ask = match update_ask(user_id, &body) {
        Ok(ask) => ask,
        Err(message) => return connect_error(StatusCode::BAD_REQUEST, "PROTO-validation", message),
    };
    match engine::change(&shared, &headers, &ask, policy(&shared, "PasswordV2", true)) {
        Ok(_) => updated(),
        Err(r) => connect_refusal(r),
    }
}

/// The complexity settings in force (the default or [`crate::Simulator::set_password_policy`]'s).
fn complexity_settings(shared: &Shared) -> Value {
    let policy = policy(shared, "PasswordV2", true).in_force(shared);
    json!({
        "settings": {
            "minLength": policy.min.to_string(),
            "requiresUppercase": policy.upper,
            "requiresLowercase": policy.lower,
            "requiresNumber": policy.digit,
            "requiresSymbol": policy.symbol,
            "resourceOwnerType": "RESOURCE_OWNER_TYPE_INSTANCE",
        }
    })
}

async fn password_complexity(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if engine::token_owner(&shared, &headers).is_none() {
        return refusal(Refusal::Unauthenticated);
    }
    json(StatusCode::OK, complexity_settings(&shared))
}

async fn connect_password_complexity(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = connect_protocol_refused(&headers) {
        return refused;
    }
    if engine::token_owner(&shared, &headers).is_none() {
        return connect_refusal(Refusal::Unauthenticated);
    }
    json(StatusCode::OK, complexity_settings(&shared))
}

/// A session with a user check and a password check: `201` with the session, or the refusal of
/// a wrong password (`COMMAND-3M0fs`, as ZITADEL's password check answers).
async fn create_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match authenticated_json(&shared, &headers, &body) {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let checks = body.get("checks");
    let (Some(user_id), Some(password)) = (
        checks
            .and_then(|c| c.get("user"))
            .and_then(|u| str_field(u, "userId")),
        checks
            .and_then(|c| c.get("password"))
            .and_then(|p| str_field(p, "password")),
    ) else {
        return invalid(
            "invalid request: checks.user.userId and checks.password.password are required",
        );
    };
    if !shared.state().users.contains_key(user_id) {
        return refusal(Refusal::UserNotFound);
    }
    let Some(user) = engine::log_in(&shared, |u| u.id == user_id, password) else {
        return refusal(Refusal::CurrentPasswordWrong);
    };
    let session_id = {
        let mut state = shared.state();
        state.sequence += 1;
        let id = format!("{}", 400_000_000_000_000_000u64 + state.sequence);
        state.sessions.insert(id.clone());
        id
    };
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let owner = user
        .organization
        .unwrap_or_else(|| "69629023906488334".into());
    json(
        StatusCode::CREATED,
        json!({
            "details": {"sequence": session_id.clone(), "changeDate": now, "resourceOwner": owner},
            "sessionId": session_id,
            "sessionToken": format!("sim-session-{}", uuid::Uuid::new_v4().simple()),
        }),
    )
}

async fn delete_session(
    State(shared): State<Arc<Shared>>,
    Path(session_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if engine::token_owner(&shared, &headers).is_none() {
        return refusal(Refusal::Unauthenticated);
    }
    if !shared.state().sessions.remove(&session_id) {
        return error(
            StatusCode::NOT_FOUND,
            "COMMAND-8Kc2s",
            "Session not found",
            DETAIL,
        );
    }
    json(StatusCode::OK, json!({"details": {"sequence": session_id}}))
}

#[cfg(test)]
mod tests;
