//! Cloud Director: versioned `Accept` required (>= 36.3), Basic-auth session login with the
//! token in a response header, self-service change and the administrative set (read the user
//! record, send it back with the password), `{minorErrorCode, message}` errors, 403 for a user
//! that does not exist. Policy: the spec's 6..=128 characters, different from the current (for
//! a self-service change).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use base64::Engine as _;
use serde_json::{Value, json};

use super::{App, VendorTable, json, str_field};
use crate::engine::{self, ChangeAsk, Policy, Refusal};
use crate::model::SimUser;
use crate::state::Shared;

pub(super) struct Vcd;

impl VendorTable for Vcd {
    fn spec(&self) -> &'static str {
        include_str!("../../../specs/vcd.yaml")
    }

    fn router(&self) -> App {
        Router::new()
            .route(
                "/cloudapi/1.0.0/users/{user_urn}/changePassword",
                post(change_password),
            )
            .route(
                "/cloudapi/1.0.0/users/{user_urn}",
                get(get_user).put(update_user),
            )
            .route("/cloudapi/1.0.0/sessions", post(login))
            .route("/cloudapi/1.0.0/sessions/provider", post(provider_login))
            .route(
                "/cloudapi/1.0.0/sessions/current",
                delete(logout_current_session),
            )
    }

    fn error(&self, status: StatusCode, message: &str, _path: &str) -> Response {
        let code = match status {
            StatusCode::BAD_REQUEST => "BAD_REQUEST",
            StatusCode::TOO_MANY_REQUESTS => "TOO_MANY_REQUESTS",
            StatusCode::SERVICE_UNAVAILABLE => "SERVICE_UNAVAILABLE",
            _ => "INTERNAL_SERVER_ERROR",
        };
        error(status, code, message)
    }

    fn demo_user(&self) -> SimUser {
        SimUser::new(
            "urn:vcloud:user:522d756c-ad00-3b4f-ae6a-6d241437b471",
            "Old-Passw0rd!",
        )
        .login("alice@acme")
    }

    fn numbered_user_id(&self, n: u64) -> String {
        let uuid = uuid::Uuid::from_u64_pair(0x5157_0000_0000_4000, 0x8000_0000_0000_0000 | n);
        format!("urn:vcloud:user:{uuid}")
    }

    fn unknown_user_id(&self) -> &'static str {
        "urn:vcloud:user:00000000-0000-4000-8000-000000000000"
    }

    /// Cloud Director's only rule is the spec's length, which the facade checks first.
    fn weak_password(&self) -> Option<&'static str> {
        None
    }

    fn login_settings(&self) -> Vec<(&'static str, String)> {
        let user = self.demo_user();
        vec![
            ("username", user.login.unwrap_or_default()),
            ("password", user.password),
        ]
    }

    fn required_headers(&self) -> Vec<(&'static str, String)> {
        vec![("Accept", "application/json;version=38.0".to_owned())]
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let id = uuid::Uuid::new_v4();
    json(
        status,
        json!({"minorErrorCode": code, "message": format!("[ {id} ] {message}")}),
    )
}

fn refusal(refusal: Refusal, urn: &str) -> Response {
    let bad = |message: &str| error(StatusCode::BAD_REQUEST, "BAD_REQUEST", message);
    match refusal {
        Refusal::Unauthenticated => error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Either no authentication credentials were provided or they were not valid.",
        ),
        Refusal::NotOwnUser | Refusal::WrongOrganization => error(
            StatusCode::FORBIDDEN,
            "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
            "A user may only change their own password.",
        ),
        Refusal::UserNotFound => error(
            StatusCode::FORBIDDEN,
            "ACCESS_TO_RESOURCE_IS_FORBIDDEN",
            &format!("The entity {urn} does not exist."),
        ),
        Refusal::CurrentPasswordWrong => bad("The current password is incorrect."),
        Refusal::Unchanged | Refusal::ConfirmationMismatch => {
            bad("New password must be different from your current password.")
        }
        Refusal::TooShort(_) | Refusal::TooLong(_) => {
            bad("The new password is too short or too long: 6 to 128 characters.")
        }
        _ => bad("The new password does not meet the password policy."),
    }
}

/// `Accept: application/json;version=<major>.<minor>` with a version of at least 36.3.
fn accept_ok(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    accept.split(',').any(|media| {
        let mut parts = media.split(';').map(str::trim);
        let json_type = parts.next().is_some_and(|t| {
            t.eq_ignore_ascii_case("application/json") || t == "application/*" || t == "*/*"
        });
        let version = parts
            .find_map(|p| p.strip_prefix("version="))
            .and_then(|v| {
                let (major, minor) = v.split_once('.')?;
                Some((major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?))
            });
        json_type && version.is_some_and(|v| v >= (36, 3))
    })
}

fn not_acceptable() -> Response {
    error(
        StatusCode::NOT_ACCEPTABLE,
        "NOT_ACCEPTABLE",
        "The request has invalid accept header: an API version of 36.3 or later is required",
    )
}

async fn change_password(
    State(shared): State<Arc<Shared>>,
    Path(urn): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !accept_ok(&headers) {
        return not_acceptable();
    }
    if engine::token_owner(&shared, &headers).is_none() {
        return refusal(Refusal::Unauthenticated, &urn);
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "The request body is not valid JSON.",
        );
    };
    let (Some(current), Some(new)) = (
        str_field(&body, "currentPassword"),
        str_field(&body, "newPassword"),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "currentPassword and newPassword are required.",
        );
    };
    let (min, max) = shared.contract.length_limits("NewPassword");
    let policy = Policy {
        refuse_unchanged: true,
        ..Policy::lengths(min, max)
    };
    let ask = ChangeAsk {
        user_id: &urn,
        current: Some(current),
        new,
        ..ChangeAsk::default()
    };
    match engine::change(&shared, &headers, &ask, policy) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(r) => refusal(r, &urn),
    }
}

/// The user record as Cloud Director returns it (never the password), with fields pwchange
/// does not model, which a client must send back.
fn record(user: &SimUser) -> Value {
    let login = user.login.clone().unwrap_or_default();
    let (name, org) = login.split_once('@').unwrap_or((login.as_str(), "acme"));
    json!({
        "username": name,
        "id": user.id,
        "fullName": format!("{name} (simulated)"),
        "roleEntityRefs": [{"name": "Organization User", "id": "urn:vcloud:role:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"}],
        "orgEntityRef": {"name": org, "id": "urn:vcloud:org:6f7e8d9c-0b1a-4c2d-9e3f-4a5b6c7d8e9f"},
        "nameInSource": name,
        "providerType": "LOCAL",
        "enabled": true,
        "locked": false,
        "phone": "+1 555 0100"
    })
}

async fn get_user(
    State(shared): State<Arc<Shared>>,
    Path(urn): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !accept_ok(&headers) {
        return not_acceptable();
    }
    let Some(owner) = engine::token_owner(&shared, &headers) else {
        return refusal(Refusal::Unauthenticated, &urn);
    };
    if owner.is_some_and(|o| o != urn) {
        return refusal(Refusal::NotOwnUser, &urn);
    }
    let user = shared.state().users.get(&urn).cloned();
    match user {
        Some(user) => json(StatusCode::OK, record(&user)),
        None => refusal(Refusal::UserNotFound, &urn),
    }
}

/// `PUT` of the whole record: the password changes when it is set; the record must be the one
/// read (the fields the simulator checks: `username`, and `phone`, which a client that drops
/// unknown fields would lose).
async fn update_user(
    State(shared): State<Arc<Shared>>,
    Path(urn): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !accept_ok(&headers) {
        return not_acceptable();
    }
    if engine::token_owner(&shared, &headers).is_none() {
        return refusal(Refusal::Unauthenticated, &urn);
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "The request body is not valid JSON.",
        );
    };
    let Some(user) = shared.state().users.get(&urn).cloned() else {
        return refusal(Refusal::UserNotFound, &urn);
    };
    let stored = record(&user);
    if body.get("username") != stored.get("username") || body.get("phone") != stored.get("phone") {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "The user record does not match: send back the record read with GET, whole.",
        );
    }
    let Some(new) = str_field(&body, "password") else {
        return json(StatusCode::OK, stored);
    };
    let (min, max) = shared.contract.length_limits("NewPassword");
    let ask = ChangeAsk {
        user_id: &urn,
        new,
        ..ChangeAsk::default()
    };
    match engine::change(&shared, &headers, &ask, Policy::lengths(min, max)) {
        Ok(user) => json(StatusCode::OK, record(&user)),
        Err(r) => refusal(r, &urn),
    }
}

async fn login(state: State<Arc<Shared>>, headers: HeaderMap) -> Response {
    session(state, headers, false)
}

async fn provider_login(state: State<Arc<Shared>>, headers: HeaderMap) -> Response {
    session(state, headers, true)
}

fn session(State(shared): State<Arc<Shared>>, headers: HeaderMap, provider: bool) -> Response {
    if !accept_ok(&headers) {
        return not_acceptable();
    }
    let unauthorized = || {
        error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Invalid credentials.",
        )
    };
    let Some(credentials) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return unauthorized();
    };
    let Some((login, password)) = credentials.split_once(':') else {
        return unauthorized();
    };
    let is_system = login
        .rsplit_once('@')
        .is_some_and(|(_, org)| org.eq_ignore_ascii_case("system"));
    if provider != is_system {
        return unauthorized();
    }
    let found = engine::log_in(&shared, |u| u.login.as_deref() == Some(login), password)
        .map(|u| (u.id, login.to_owned()));
    let Some((urn, login)) = found else {
        return unauthorized();
    };
    let token = shared.issue_token_for(Some(urn.clone()));
    // Open until logged out (or, in Cloud Director, until it idles out).
    shared.state().sessions.insert(token.clone());
    let (name, org) = login.split_once('@').unwrap_or((&login, ""));
    let mut response = json(
        StatusCode::OK,
        json!({
            "id": format!("urn:vcloud:session:{}", uuid::Uuid::new_v4()),
            "user": {"name": name, "id": urn},
            "org": {"name": org, "id": "urn:vcloud:org:6f7e8d9c-0b1a-4c2d-9e3f-4a5b6c7d8e9f"},
            "location": "sim",
            "roleRefs": [],
            "sessionIdleTimeoutMinutes": 30
        }),
    );
    if let Ok(value) = HeaderValue::from_str(&token) {
        response
            .headers_mut()
            .insert("x-vmware-vcloud-access-token", value);
        response.headers_mut().insert(
            "x-vmware-vcloud-token-type",
            HeaderValue::from_static("Bearer"),
        );
    }
    response
}

/// `DELETE /cloudapi/1.0.0/sessions/current`: ends the session of the bearer token.
async fn logout_current_session(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if !accept_ok(&headers) {
        return not_acceptable();
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let mut state = shared.state();
    match token.filter(|token| state.sessions.remove(token)) {
        Some(token) => {
            state.tokens.remove(&token);
            StatusCode::NO_CONTENT.into_response()
        }
        None => error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Not authenticated.",
        ),
    }
}

#[cfg(test)]
mod tests;
