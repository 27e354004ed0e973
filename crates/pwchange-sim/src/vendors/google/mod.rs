//! Google Workspace's Directory API, as its discovery document and guides describe it
//! (`specs/google.yaml`; Google cannot run here): `users.get` and `users.update` (patch semantics) with a
//! password of 8 to 100 ASCII characters (`400 invalid` "Invalid Password" otherwise), Google's
//! JSON error, and its spent quotas: `403 userRateLimitExceeded` and `429 RESOURCE_EXHAUSTED`
//! by turns, without `Retry-After`.
//!
//! A user's key is its unique id (digits) or its primary email address, [`SimUser::login`]
//! (else `<id>@example.com`), in any case. The simulator's token is an administrator's; a
//! token bound to a user may not manage users (`403 forbidden`). An update with
//! `changePasswordAtNextLogin` records it ([`SimUser::expired`]); a [`SimUser::disabled`] user
//! is suspended, and its password is set all the same. Google's `5xx` is its own body
//! (`backendError`), which does not prove that nothing was applied.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::{App, VendorTable, json};
use crate::engine::{self, ChangeAsk, Policy, Refusal};
use crate::model::SimUser;
use crate::state::Shared;

/// The `password` field's rules: 8 to 100 characters (ASCII, checked apart).
const POLICY: Policy = Policy::lengths(8, 100);

/// Whether the next spent quota answers `429` (else `403`): Google sends both.
static NEXT_QUOTA_IS_429: AtomicBool = AtomicBool::new(false);

pub(super) struct Google;

impl VendorTable for Google {
    fn spec(&self) -> &'static str {
        include_str!("../../../specs/google.yaml")
    }

    fn router(&self) -> App {
        Router::new().route(
            "/admin/directory/v1/users/{user_key}",
            get(get_user).put(update_user),
        )
    }

    fn error(&self, status: StatusCode, message: &str, _path: &str) -> Response {
        let reason = match status.as_u16() {
            400 => "invalid",
            401 => "authError",
            403 => "forbidden",
            404 => "notFound",
            429 => "rateLimitExceeded",
            _ => "backendError",
        };
        error(status, reason, message)
    }

    /// A spent quota: `403 userRateLimitExceeded` and `429 RESOURCE_EXHAUSTED` by turns, both
    /// without `Retry-After` (Google advises exponential backoff).
    fn rate_limited(&self, _wait: Duration, _path: &str) -> Response {
        if NEXT_QUOTA_IS_429.fetch_xor(true, Ordering::Relaxed) {
            json(
                StatusCode::TOO_MANY_REQUESTS,
                json!({"error": {
                    "code": 429,
                    "message": "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'admin.googleapis.com'.",
                    "errors": [{"message": "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'admin.googleapis.com'.", "domain": "global", "reason": "rateLimitExceeded"}],
                    "status": "RESOURCE_EXHAUSTED",
                }}),
            )
        } else {
            json(
                StatusCode::FORBIDDEN,
                json!({"error": {
                    "code": 403,
                    "message": "Rate Limit Exceeded",
                    "errors": [{"message": "Rate Limit Exceeded", "domain": "usageLimits", "reason": "userRateLimitExceeded"}],
                    "status": "PERMISSION_DENIED",
                }}),
            )
        }
    }

    /// Google's `503` is its own (`backendError`), and proves nothing: the backend may have
    /// applied the update.
    fn unavailable_in_own_body(&self) -> bool {
        false
    }

    /// The Directory API has no operation for a user's own change.
    fn offers_self_service(&self) -> bool {
        false
    }

    fn demo_user(&self) -> SimUser {
        SimUser::new("114872901337154006843", "Old-Passw0rd!").login("alice@example.com")
    }

    fn numbered_user_id(&self, n: u64) -> String {
        format!("2{n:020}")
    }

    fn unknown_user_id(&self) -> &'static str {
        "999999999999999999999"
    }

    /// Google's rules are the facade's documented policy: nothing it lets through is weak.
    fn weak_password(&self) -> Option<&'static str> {
        None
    }

    /// The user read before a change: it changes no password.
    fn reads(&self) -> &'static [(&'static str, &'static str)] {
        &[("GET", "/admin/directory/v1/users/")]
    }
}

/// Google's JSON error with one item of `reason`.
fn error(status: StatusCode, reason: &str, message: &str) -> Response {
    let canonical = match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        _ => "INTERNAL",
    };
    json(
        status,
        json!({"error": {
            "code": status.as_u16(),
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": canonical,
        }}),
    )
}

fn refusal(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unauthenticated => error(
            StatusCode::UNAUTHORIZED,
            "authError",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
        ),
        Refusal::NotOwnUser | Refusal::WrongOrganization => error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Not Authorized to access this resource/api",
        ),
        Refusal::UserNotFound => error(
            StatusCode::NOT_FOUND,
            "notFound",
            "Resource Not Found: userKey",
        ),
        _ => error(StatusCode::BAD_REQUEST, "invalid", "Invalid Password"),
    }
}

/// A user's primary email address: its login, else `<id>@example.com`.
fn primary_email(user: &SimUser) -> String {
    user.login
        .clone()
        .unwrap_or_else(|| format!("{}@example.com", user.id))
}

/// The id of the user `key` names (its id, or its primary email address in any case).
fn resolve(shared: &Shared, key: &str) -> Option<String> {
    let state = shared.state();
    if state.users.contains_key(key) {
        return Some(key.to_owned());
    }
    state
        .users
        .values()
        .find(|u| primary_email(u).eq_ignore_ascii_case(key))
        .map(|u| u.id.clone())
}

/// The admin checks before a route's own: the token (any the simulator issued to no user),
/// then the user.
fn admin_user(shared: &Shared, headers: &HeaderMap, key: &str) -> Result<String, Refusal> {
    match engine::token_owner(shared, headers) {
        None => Err(Refusal::Unauthenticated),
        Some(Some(_)) => Err(Refusal::NotOwnUser),
        Some(None) => resolve(shared, key).ok_or(Refusal::UserNotFound),
    }
}

/// The user's resource (never a password).
fn resource(user: &SimUser) -> Value {
    let email = primary_email(user);
    json!({
        "kind": "admin#directory#user",
        "id": user.id,
        "etag": format!("\"sim-{}\"", user.id),
        "primaryEmail": email,
        "name": {"givenName": "Sim", "familyName": "User", "fullName": "Sim User"},
        "isAdmin": false,
        "suspended": user.disabled,
        "archived": false,
        "changePasswordAtNextLogin": user.expired,
        "isEnrolledIn2Sv": false,
        "isEnforcedIn2Sv": false,
    })
}

async fn get_user(
    State(shared): State<Arc<Shared>>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    let id = match admin_user(&shared, &headers, &key) {
        Ok(id) => id,
        Err(refused) => return refusal(refused),
    };
    let user = shared.state().users.get(&id).cloned();
    match user {
        Some(user) => json(StatusCode::OK, resource(&user)),
        None => refusal(Refusal::UserNotFound),
    }
}

/// `PUT /admin/directory/v1/users/{userKey}` (patch semantics): the token, the user, then the password (ASCII,
/// 8 to 100 characters, or the policy a test set); `changePasswordAtNextLogin` is recorded.
async fn update_user(
    State(shared): State<Arc<Shared>>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let id = match admin_user(&shared, &headers, &key) {
        Ok(id) => id,
        Err(refused) => return refusal(refused),
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "parseError", "Parse Error");
    };
    let Some(new) = body.get("password").and_then(Value::as_str) else {
        return error(StatusCode::BAD_REQUEST, "required", "Required");
    };
    if !new.is_ascii() {
        return refusal(Refusal::TooShort(POLICY.min));
    }
    let ask = ChangeAsk {
        user_id: &id,
        new,
        ..ChangeAsk::default()
    };
    match engine::change(&shared, &headers, &ask, POLICY) {
        Ok(mut user) => {
            let next_login = body
                .get("changePasswordAtNextLogin")
                .and_then(Value::as_bool);
            if !headers.contains_key(engine::NO_EFFECT_HEADER)
                && let Some(next_login) = next_login
                && let Some(stored) = shared.state().users.get_mut(&id)
            {
                stored.expired = next_login;
                user.expired = next_login;
            }
            json(StatusCode::OK, resource(&user))
        }
        Err(r) => refusal(r),
    }
}

#[cfg(test)]
mod tests;
