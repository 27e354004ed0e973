//! Okta's management API and primary authentication, as its document and reference describe
//! them (`specs/okta.yaml`; Okta cannot run here): the default password policy (8 characters, a
//! lowercase and an uppercase letter, a number, no part of the login of 4 characters or more),
//! its error bodies with their codes and causes, its `429` with the `X-Rate-Limit-*` headers and
//! no `Retry-After`.
//!
//! A user's id is `00u…`, its login its [`SimUser::login`] (else `<id>@example.com`). The
//! simulator's token is an administrator's API token, sent as `SSWS <token>` or
//! `Bearer <token>`. `change_password` checks the current password (a wrong one: `403
//! E0000014`); `update_user` sets the password and makes the user `ACTIVE`;
//! `expire_password` makes it `PASSWORD_EXPIRED` ([`SimUser::expired`]), which `authn` answers
//! after checking the password. A [`SimUser::disabled`] user is `SUSPENDED`: its changes are
//! refused (`E0000038`) and its authentication fails as a wrong password does.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{App, VendorTable, json};
use crate::engine::{self, ChangeAsk, Policy, Refusal};
use crate::model::SimUser;
use crate::state::Shared;

/// Okta's default password policy (its length and classes; the login rule is checked apart).
const POLICY: Policy = Policy {
    lower: true,
    upper: true,
    digit: true,
    ..Policy::lengths(8, 72)
};

pub(super) struct Okta;

impl VendorTable for Okta {
    fn spec(&self) -> &'static str {
        include_str!("../../../specs/okta.yaml")
    }

    fn router(&self) -> App {
        Router::new()
            .route(
                "/api/v1/users/{id}/credentials/change_password",
                post(change_password),
            )
            .route("/api/v1/users/{id}", get(get_user).post(update_user))
            .route(
                "/api/v1/users/{id}/lifecycle/expire_password",
                post(expire_password),
            )
            .route("/api/v1/policies", get(list_policies))
            .route("/api/v1/authn", post(authn))
    }

    fn error(&self, status: StatusCode, message: &str, _path: &str) -> Response {
        let code = match status.as_u16() {
            400 => "E0000001",
            401 => "E0000011",
            403 => "E0000006",
            404 => "E0000007",
            429 => "E0000047",
            503 => "E0000010",
            _ => "E0000009",
        };
        error(status, code, message, &[])
    }

    /// Okta's `429`: `E0000047`, the `X-Rate-Limit-*` headers with the reset as a moment in
    /// Unix seconds, no `Retry-After`.
    fn rate_limited(&self, wait: Duration, _path: &str) -> Response {
        let response = error(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
            &[],
        );
        crate::limits::with_reset_headers(
            response,
            [
                "x-rate-limit-limit",
                "x-rate-limit-remaining",
                "x-rate-limit-reset",
            ],
            600,
            wait,
        )
    }

    fn demo_user(&self) -> SimUser {
        SimUser::new("00ub0oNGTSWTBKOLGLNR", "Old-Passw0rd!").login("alice@example.com")
    }

    fn numbered_user_id(&self, n: u64) -> String {
        format!("00u{n:017}")
    }

    fn unknown_user_id(&self) -> &'static str {
        "00u00000000000000000"
    }

    /// No uppercase letter: the default policy refuses it.
    fn weak_password(&self) -> Option<&'static str> {
        Some("all-lowercase-1234")
    }

    /// The policies are read; the user read names the login of a verification.
    fn reads(&self) -> &'static [(&'static str, &'static str)] {
        &[("GET", "/api/v1/")]
    }
}

fn error(status: StatusCode, code: &str, summary: &str, causes: &[&str]) -> Response {
    let causes: Vec<Value> = causes
        .iter()
        .map(|cause| json!({ "errorSummary": cause }))
        .collect();
    json(
        status,
        json!({
            "errorCode": code,
            "errorSummary": summary,
            "errorLink": code,
            "errorId": format!("oae{}", &uuid::Uuid::new_v4().simple().to_string()[..22]),
            "errorCauses": causes,
        }),
    )
}

/// A user's login: its [`SimUser::login`], else `<id>@example.com`.
fn login(user: &SimUser) -> String {
    user.login
        .clone()
        .unwrap_or_else(|| format!("{}@example.com", user.id))
}

fn status(user: &SimUser) -> &'static str {
    if user.disabled {
        "SUSPENDED"
    } else if user.expired {
        "PASSWORD_EXPIRED"
    } else {
        "ACTIVE"
    }
}

fn user_json(user: &SimUser) -> Value {
    json!({
        "id": user.id,
        "status": status(user),
        "created": "2026-01-02T10:00:00.000Z",
        "passwordChanged": "2026-06-01T10:00:00.000Z",
        "profile": {"login": login(user), "email": login(user), "firstName": "Sim", "lastName": "User"},
        "credentials": {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}},
        "_links": {}
    })
}

/// Whether the request carries the simulator's API token (`SSWS` or `Bearer`); a user's own
/// token is not one.
fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    engine::token_owner(shared, headers) == Some(None)
}

fn invalid_token() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "E0000011",
        "Invalid token provided",
        &[],
    )
}

fn not_found(id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "E0000007",
        &format!("Not found: Resource not found: {id} (User)"),
        &[],
    )
}

/// The user by id or login (as `{id}` may be either).
fn find(shared: &Shared, id: &str) -> Option<SimUser> {
    let state = shared.state();
    state
        .users
        .get(id)
        .or_else(|| {
            state
                .users
                .values()
                .find(|u| login(u).eq_ignore_ascii_case(id))
        })
        .cloned()
}

/// `excludeUsername`: no part of the login (split on `. , _ # @ -`) of 4 characters or more,
/// the domain's last part aside.
fn contains_login_part(password: &str, login: &str) -> bool {
    let password = password.to_lowercase();
    let parts: Vec<&str> = login.split(['.', ',', '_', '#', '@', '-']).collect();
    let last = parts.len().saturating_sub(1);
    parts
        .iter()
        .enumerate()
        .any(|(i, part)| i != last && part.len() >= 4 && password.contains(&part.to_lowercase()))
}

fn policy_failure() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "E0000001",
        "Api validation failed: password",
        &[
            "password: Password requirements were not met. Password requirements: at least 8 characters, a lowercase letter, an uppercase letter, a number, no parts of your username.",
        ],
    )
}

fn refusal(refusal: Refusal, id: &str) -> Response {
    match refusal {
        Refusal::Unauthenticated => invalid_token(),
        Refusal::NotOwnUser | Refusal::WrongOrganization => error(
            StatusCode::FORBIDDEN,
            "E0000006",
            "You do not have permission to perform the requested action",
            &[],
        ),
        Refusal::UserNotFound => not_found(id),
        Refusal::CurrentPasswordWrong => error(
            StatusCode::FORBIDDEN,
            "E0000014",
            "Update of credentials failed",
            &["oldPassword: The credentials provided were incorrect."],
        ),
        Refusal::Unchanged => error(
            StatusCode::BAD_REQUEST,
            "E0000001",
            "Api validation failed: password",
            &["password: Password cannot be your current password"],
        ),
        _ => policy_failure(),
    }
}

/// The checks every change shares: the token, the user, its status; then the body's password
/// against the login rule.
fn before_change(shared: &Shared, headers: &HeaderMap, id: &str) -> Result<SimUser, Box<Response>> {
    if !authorized(shared, headers) {
        return Err(Box::new(invalid_token()));
    }
    let user = find(shared, id).ok_or_else(|| Box::new(not_found(id)))?;
    if user.disabled {
        return Err(Box::new(error(
            StatusCode::FORBIDDEN,
            "E0000038",
            "This operation is not allowed in the user's current status.",
            &[],
        )));
    }
    Ok(user)
}

fn password_value<'a>(body: &'a Value, field: &str) -> Option<&'a str> {
    body.get(field)?.get("value")?.as_str()
}

fn change_with(
    shared: &Shared,
    headers: &HeaderMap,
    user: &SimUser,
    current: Option<&str>,
    new: &str,
) -> Result<SimUser, Box<Response>> {
    if contains_login_part(new, &login(user)) {
        return Err(Box::new(policy_failure()));
    }
    let ask = ChangeAsk {
        user_id: &user.id,
        current,
        new,
        ..ChangeAsk::default()
    };
    let policy = Policy {
        refuse_unchanged: true,
        ..POLICY
    };
    engine::change(shared, headers, &ask, policy).map_err(|r| Box::new(refusal(r, &user.id)))
}

/// `POST /api/v1/users/{id}/credentials/change_password`.
async fn change_password(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let user = match before_change(&shared, &headers, &id) {
        Ok(user) => user,
        Err(refused) => return *refused,
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "E0000003",
            "The request body was not well-formed.",
            &[],
        );
    };
    let (Some(old), Some(new)) = (
        password_value(&body, "oldPassword"),
        password_value(&body, "newPassword"),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            "E0000001",
            "Api validation failed: password",
            &[],
        );
    };
    match change_with(&shared, &headers, &user, Some(old), new) {
        Ok(changed) => {
            if !headers.contains_key(engine::NO_EFFECT_HEADER)
                && let Some(user) = shared.state().users.get_mut(&changed.id)
            {
                user.expired = false;
            }
            json(
                StatusCode::OK,
                json!({"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}}),
            )
        }
        Err(refused) => *refused,
    }
}

/// `GET /api/v1/users/{id}`.
async fn get_user(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&shared, &headers) {
        return invalid_token();
    }
    match find(&shared, &id) {
        Some(user) => json(StatusCode::OK, user_json(&user)),
        None => not_found(&id),
    }
}

/// `POST /api/v1/users/{id}` with `credentials.password`: the administrative set; the user
/// becomes `ACTIVE` (no longer expired).
async fn update_user(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let user = match before_change(&shared, &headers, &id) {
        Ok(user) => user,
        Err(refused) => return *refused,
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "E0000003",
            "The request body was not well-formed.",
            &[],
        );
    };
    let Some(new) = body
        .get("credentials")
        .and_then(|c| password_value(c, "password"))
    else {
        return json(StatusCode::OK, user_json(&user));
    };
    match change_with(&shared, &headers, &user, None, new) {
        Ok(changed) => {
            let mut state = shared.state();
            if !headers.contains_key(engine::NO_EFFECT_HEADER)
                && let Some(user) = state.users.get_mut(&changed.id)
            {
                user.expired = false;
            }
            let now = state.users.get(&changed.id).cloned().unwrap_or(changed);
            json(StatusCode::OK, user_json(&now))
        }
        Err(refused) => *refused,
    }
}

/// `POST /api/v1/users/{id}/lifecycle/expire_password`.
async fn expire_password(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let user = match before_change(&shared, &headers, &id) {
        Ok(user) => user,
        Err(refused) => return *refused,
    };
    let mut state = shared.state();
    let Some(user) = state.users.get_mut(&user.id) else {
        return not_found(&id);
    };
    user.expired = true;
    json(StatusCode::OK, user_json(user))
}

/// `GET /api/v1/policies?type=PASSWORD`: the default policy, as the policy in force sets it.
async fn list_policies(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    if !authorized(&shared, &headers) {
        return invalid_token();
    }
    if query.get("type").map(String::as_str) != Some("PASSWORD") {
        return json(StatusCode::OK, json!([]));
    }
    let policy = POLICY.in_force(&shared);
    json(
        StatusCode::OK,
        json!([{
            "id": "00p1defaultpolicy001",
            "name": "Default Policy",
            "type": "PASSWORD",
            "status": "ACTIVE",
            "priority": 1,
            "system": true,
            "conditions": {"people": {"groups": {"include": ["00g1everyone0000001"]}}},
            "settings": {"password": {
                "complexity": {
                    "minLength": policy.min,
                    "minLowerCase": u8::from(policy.lower),
                    "minUpperCase": u8::from(policy.upper),
                    "minNumber": u8::from(policy.digit),
                    "minSymbol": u8::from(policy.symbol),
                    "excludeUsername": true,
                    "dictionary": {"common": {"exclude": false}}
                },
                "age": {"maxAgeDays": 0, "expireWarnDays": 0, "minAgeMinutes": 0, "historyCount": 0},
                "lockout": {"maxAttempts": 10, "autoUnlockMinutes": 0, "showLockoutFailures": false}
            }}
        }]),
    )
}

/// `POST /api/v1/authn`: a wrong password (or a suspended user) `401 E0000004`; a right one
/// `SUCCESS`, or `PASSWORD_EXPIRED` for an expired password (after checking it).
async fn authn(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let body = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    let (Some(username), Some(password)) = (
        body.get("username").and_then(Value::as_str),
        body.get("password").and_then(Value::as_str),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            "E0000001",
            "Api validation failed: username",
            &[],
        );
    };
    let failed = || {
        error(
            StatusCode::UNAUTHORIZED,
            "E0000004",
            "Authentication failed",
            &[],
        )
    };
    let Some(user) = engine::log_in(
        &shared,
        |u| login(u).eq_ignore_ascii_case(username),
        password,
    ) else {
        return failed();
    };
    if user.disabled {
        return failed();
    }
    let embedded = json!({"user": {"id": user.id, "passwordChanged": "2026-06-01T10:00:00.000Z",
        "profile": {"login": login(&user), "firstName": "Sim", "lastName": "User", "locale": "en", "timeZone": "UTC"}}});
    if user.expired {
        return json(
            StatusCode::OK,
            json!({"stateToken": format!("00{}", uuid::Uuid::new_v4().simple()), "expiresAt": "2026-12-07T20:16:49.000Z",
                "status": "PASSWORD_EXPIRED", "_embedded": embedded}),
        );
    }
    json(
        StatusCode::OK,
        json!({"expiresAt": "2026-12-07T20:16:49.000Z", "status": "SUCCESS",
            "sessionToken": format!("20111{}", uuid::Uuid::new_v4().simple()), "_embedded": embedded}),
    )
}

#[cfg(test)]
mod tests;
