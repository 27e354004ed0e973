//! UiPath Identity Server: `200 {succeeded:false, errors}` for refusals, problem details for
//! malformed requests, empty 401/404; client-credentials token endpoint. Default policy: 8
//! characters, a lowercase letter, a digit.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{App, VendorTable, json, str_field};
use crate::engine::{self, ChangeAsk, Policy, Refusal};
use crate::model::SimUser;
use crate::state::Shared;

/// The client-credentials pair the simulator accepts.
const CLIENT: (&str, &str) = ("pwchange-sim", "sim-client-secret");

/// UiPath's default password policy (ASP.NET Identity options as UiPath ships them).
const POLICY: Policy = Policy {
    lower: true,
    digit: true,
    ..Policy::lengths(8, usize::MAX)
};

pub(super) struct Uipath;

impl VendorTable for Uipath {
    fn spec(&self) -> &'static str {
        include_str!("../../../specs/uipath.yaml")
    }

    fn router(&self) -> App {
        Router::new()
            .route("/api/User/{user_id}/changepassword", post(change_password))
            .route("/api/User/{user_id}", get(get_user).put(update_user))
            .route("/api/Setting", get(settings))
            .route("/connect/token", post(token))
    }

    /// The policy read only: the user read before an administrative set is part of the
    /// change, so faults reach it.
    fn reads(&self) -> &'static [(&'static str, &'static str)] {
        &[("GET", "/api/Setting")]
    }

    /// Its 503 is a bare status (see [`Self::error`]).
    fn unavailable_in_own_body(&self) -> bool {
        false
    }

    /// UiPath sends 401/403/404/429/503 with an empty body, a 400 as problem details (the token
    /// endpoint: an OAuth error).
    fn error(&self, status: StatusCode, _message: &str, path: &str) -> Response {
        if status != StatusCode::BAD_REQUEST {
            return status.into_response();
        }
        if path.ends_with("/connect/token") {
            return json(status, json!({"error": "invalid_request"}));
        }
        problem("$", "The request is invalid.")
    }

    /// UiPath's `429`: an empty body with the IETF `RateLimit` headers (its API rate-limit
    /// pages), the wait in `RateLimit-Reset`, no `Retry-After`.
    fn rate_limited(&self, wait: std::time::Duration, _path: &str) -> Response {
        let response = super::with_header(
            StatusCode::TOO_MANY_REQUESTS.into_response(),
            axum::http::HeaderName::from_static("ratelimit-remaining"),
            0,
        );
        super::with_header(
            response,
            axum::http::HeaderName::from_static("ratelimit-reset"),
            crate::limits::retry_after_secs(wait),
        )
    }

    fn demo_user(&self) -> SimUser {
        SimUser::new("3fa85f64-5717-4562-b3fc-2c963f66afa6", "al0h0m0ra-Account1")
    }

    fn numbered_user_id(&self, n: u64) -> String {
        uuid::Uuid::from_u64_pair(0x5157_0000_0000_4000, 0x8000_0000_0000_0000 | n).to_string()
    }

    fn unknown_user_id(&self) -> &'static str {
        "00000000-0000-4000-8000-000000000000"
    }

    fn weak_password(&self) -> Option<&'static str> {
        Some("no-digits-here")
    }

    fn login_settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("client_id", CLIENT.0.to_owned()),
            ("client_secret", CLIENT.1.to_owned()),
        ]
    }
}

fn problem(field: &str, message: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        json!({
            "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
            "title": "One or more validation errors occurred.",
            "status": 400,
            "traceId": format!("00-{}-0000000000000000-00", uuid::Uuid::new_v4().simple()),
            "errors": {field: [message]}
        }),
    )
}

fn refused(code: &str, description: &str) -> Response {
    json(
        StatusCode::OK,
        json!({"succeeded": false, "errors": [{"code": code, "description": description}]}),
    )
}

fn refusal(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unauthenticated => StatusCode::UNAUTHORIZED.into_response(),
        Refusal::NotOwnUser | Refusal::WrongOrganization => StatusCode::FORBIDDEN.into_response(),
        Refusal::UserNotFound => StatusCode::NOT_FOUND.into_response(),
        Refusal::CurrentPasswordWrong => refused("PasswordMismatch", "Incorrect password."),
        Refusal::TooShort(min) => refused(
            "PasswordTooShort",
            &format!("Passwords must be at least {min} characters."),
        ),
        Refusal::NoDigit => refused(
            "PasswordRequiresDigit",
            "Passwords must have at least one digit ('0'-'9').",
        ),
        Refusal::NoLower => refused(
            "PasswordRequiresLower",
            "Passwords must have at least one lowercase ('a'-'z').",
        ),
        Refusal::NoUpper => refused(
            "PasswordRequiresUpper",
            "Passwords must have at least one uppercase ('A'-'Z').",
        ),
        Refusal::NoSymbol => refused(
            "PasswordRequiresNonAlphanumeric",
            "Passwords must have at least one non alphanumeric character.",
        ),
        _ => refused("DefaultError", "An unknown failure has occurred."),
    }
}

async fn change_password(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if engine::token_owner(&shared, &headers).is_none() {
        return refusal(Refusal::Unauthenticated);
    }
    if uuid::Uuid::try_parse(&user_id).is_err() {
        return problem("userId", "The value is not valid.");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return problem(
            "$",
            "The JSON value could not be converted to ChangeUserPasswordCommand.",
        );
    };
    let Some(new) = str_field(&body, "newPassword") else {
        return problem("newPassword", "The NewPassword field is required.");
    };
    let ask = ChangeAsk {
        user_id: &user_id,
        current: str_field(&body, "oldPassword"),
        new,
        ..ChangeAsk::default()
    };
    match engine::change(&shared, &headers, &ask, POLICY) {
        Ok(_) => json(StatusCode::OK, json!({"succeeded": true, "errors": []})),
        Err(r) => refusal(r),
    }
}

/// The user as UiPath's `UserDto` (never a password).
fn user_dto(user: &SimUser) -> Value {
    json!({
        "id": user.id,
        "userName": user.login.clone().unwrap_or_else(|| "user".to_owned()),
        "email": "user@example.com",
        "name": "Simulated",
        "surname": "User",
        "displayName": "Simulated User",
        "isActive": true,
        "bypassBasicAuthRestriction": false,
        "invitationAccepted": true,
        "type": "user"
    })
}

async fn get_user(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if engine::token_owner(&shared, &headers).is_none() {
        return refusal(Refusal::Unauthenticated);
    }
    if uuid::Uuid::try_parse(&user_id).is_err() {
        return problem("userId", "The value is not valid.");
    }
    let user = shared.state().users.get(&user_id).cloned();
    match user {
        Some(user) => json(StatusCode::OK, user_dto(&user)),
        None => refusal(Refusal::UserNotFound),
    }
}

/// An administrative set: `PUT /api/User/{userId}` with `password` (other fields are ignored,
/// as a partial update would).
async fn update_user(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if engine::token_owner(&shared, &headers).is_none() {
        return refusal(Refusal::Unauthenticated);
    }
    if uuid::Uuid::try_parse(&user_id).is_err() {
        return problem("userId", "The value is not valid.");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return problem(
            "$",
            "The JSON value could not be converted to UpdateUserCommand.",
        );
    };
    let Some(new) = str_field(&body, "password") else {
        // Nothing to change in the simulator's model of a user.
        return json(StatusCode::OK, json!({"succeeded": true, "errors": []}));
    };
    let ask = ChangeAsk {
        user_id: &user_id,
        new,
        ..ChangeAsk::default()
    };
    match engine::change(&shared, &headers, &ask, POLICY) {
        Ok(_) => json(StatusCode::OK, json!({"succeeded": true, "errors": []})),
        Err(r) => refusal(r),
    }
}

/// `GET /api/Setting?key=…`: the password complexity setting in force, as UiPath stores it (a
/// JSON string, `Length` as a string as in UiPath's example).
async fn settings(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    if engine::token_owner(&shared, &headers).is_none() {
        return refusal(Refusal::Unauthenticated);
    }
    let query = crate::form::to_json(query.unwrap_or_default().as_bytes());
    if let Some(partition) = query.get("partitionGlobalId").and_then(Value::as_str)
        && uuid::Uuid::try_parse(partition).is_err()
    {
        return problem("partitionGlobalId", "The value is not valid.");
    }
    if query.get("key").and_then(Value::as_str) != Some("Auth.Password.PasswordComplexity") {
        return json(StatusCode::OK, json!([]));
    }
    let policy = POLICY.in_force(&shared);
    let value = json!({
        "hasSpecialCharacter": policy.symbol,
        "hasLowercase": policy.lower,
        "hasUppercase": policy.upper,
        "hasDigit": policy.digit,
        "Length": policy.min.to_string(),
    });
    json(
        StatusCode::OK,
        json!([{
            "id": 41,
            "key": "Auth.Password.PasswordComplexity",
            "value": value.to_string(),
            "partitionGlobalId": "5e1c5c3a-7b1d-4a3e-9f2b-0c4d5e6f7a8b",
        }]),
    )
}

async fn token(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let form: HashMap<String, String> = crate::form::pairs(&body);
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return json(
            StatusCode::BAD_REQUEST,
            json!({"error": "unsupported_grant_type"}),
        );
    }
    let (id, secret) = CLIENT;
    if form.get("client_id").map(String::as_str) != Some(id)
        || form.get("client_secret").map(String::as_str) != Some(secret)
    {
        return json(StatusCode::BAD_REQUEST, json!({"error": "invalid_client"}));
    }
    let token = shared.issue_token();
    let scope = form
        .get("scope")
        .cloned()
        .unwrap_or_else(|| "PM.User PM.User.Write".into());
    json(
        StatusCode::OK,
        json!({"access_token": token, "expires_in": 3600, "token_type": "Bearer", "scope": scope}),
    )
}

#[cfg(test)]
mod tests;
