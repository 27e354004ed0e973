//! OpenStack Keystone (identity v3), as a real keystone 30.0.0 answers with the
//! `[security_compliance]` options of `.ci/keystone/security_compliance.conf` (the CI's real
//! server):
//! `password_regex` (a letter, a digit, 7 characters), `unique_last_password_count = 3`,
//! `lockout_failure_attempts = 3`, `change_password_upon_first_use = true` (for users created
//! with [`SimUser::first_use`]); bcrypt, so only the first 72 bytes of a password count.
//!
//! The self-service change checks no token; a wrong original password, an unknown user and a
//! locked account answer the same `401`, and a wrong password counts towards the lockout. An
//! administrative set (`PATCH`, an admin-scoped token) resets the failures and expires the
//! password of a first-use user. A login with a correct but expired password answers `401`
//! "The password is expired …". `.ci/keystone/run.sh` runs the differential
//! scenarios against this table and the real server alike.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use serde_json::{Value, json};

use super::{App, VendorTable, json, str_field};
use crate::engine;
use crate::model::SimUser;
use crate::state::Account;
use crate::state::Shared;

/// The administrator a login may name (it is not one of the simulator's users).
pub(crate) const ADMIN: (&str, &str) = ("admin", "Admin-Passw0rd!");
const ADMIN_ID: &str = "c1bd40eeb12d4d2087e7ca125d364e11";
const ADMIN_PROJECT: &str = "admin";
/// `[security_compliance] password_regex_description`.
const REGEX_DESCRIPTION: &str =
    "Passwords must contain at least 1 letter, 1 digit, and be a minimum length of 7 characters.";
/// `unique_last_password_count`: the new password must differ from this many, current included.
const HISTORY: usize = 3;
/// `lockout_failure_attempts` and `lockout_duration`.
const LOCKOUT: (u32, Duration) = (3, Duration::from_secs(600));
/// bcrypt's limit: the rest of a password is not hashed.
const HASHED_BYTES: usize = 72;
const UNAUTHORIZED: &str = "The request you have made requires authentication.";

pub(super) struct Keystone;

impl VendorTable for Keystone {
    fn spec(&self) -> &'static str {
        include_str!("../../../specs/keystone.yaml")
    }

    fn router(&self) -> App {
        Router::new()
            .route("/v3/auth/tokens", post(authenticate).delete(revoke_token))
            // Other methods get axum's 405 with `Allow: POST`, as Keystone's (whose body is
            // JSON; the status is undocumented either way).
            .route("/v3/users/{user_id}/password", post(change_password))
            .route("/v3/users/{user_id}", patch(update_user))
    }

    fn error(&self, status: StatusCode, message: &str, _path: &str) -> Response {
        let message = if status == StatusCode::BAD_REQUEST {
            format!("{message}\n\nFailed validating the request against the schema")
        } else {
            message.to_owned()
        };
        error(status, &message)
    }

    fn demo_user(&self) -> SimUser {
        SimUser::new("5c3fe506fca642dfab7fd8df0d8a8e66", "Old-Passw0rd!").login("alice")
    }

    fn numbered_user_id(&self, n: u64) -> String {
        format!("{:032x}", (0x5157_u128 << 112) | u128::from(n))
    }

    fn unknown_user_id(&self) -> &'static str {
        "0123456789abcdef0123456789abcdef"
    }

    /// Letters only: the regex wants a digit too.
    fn weak_password(&self) -> Option<&'static str> {
        Some("abcdefgh")
    }

    fn login_settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("username", ADMIN.0.to_owned()),
            ("password", ADMIN.1.to_owned()),
            ("project_name", ADMIN_PROJECT.to_owned()),
        ]
    }

    fn required_headers(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// An unknown user's self-service change answers like a wrong original password.
    fn unknown_user_expected(&self) -> pwchange_core::ErrorKind {
        pwchange_core::ErrorKind::CurrentPasswordInvalid
    }

    fn self_service_checks_token(&self) -> bool {
        false
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let mut response = json(
        status,
        json!({"error": {"code": status.as_u16(), "message": message, "title": title}}),
    );
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Keystone uri=\"http://127.0.0.1/v3\""),
        );
    }
    response
}

fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, UNAUTHORIZED)
}

fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

/// Keystone's answer to a body that is not JSON. (The contract layer has already refused such a
/// body, and one that breaks the spec, with [`Keystone::error`]'s jsonschema-like text.)
fn malformed() -> Response {
    bad_request(
        "Expecting to find valid JSON in request body. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.",
    )
}

/// jsonschema's text for a body that breaks the schema, echoing the body as Keystone does.
fn schema_error(problem: &str, body: &Value) -> Response {
    bad_request(&format!(
        "{problem}\n\nFailed validating 'required' in schema:\n    {{'type': 'object'}}\n\nOn instance:\n    {body}"
    ))
}

/// Whether two passwords are the same to bcrypt (the first 72 bytes).
fn same(a: &str, b: &str) -> bool {
    let cut = |s: &str| s.as_bytes()[..s.len().min(HASHED_BYTES)].to_vec();
    cut(a) == cut(b)
}

/// `^(?=.*\d)(?=.*[a-zA-Z]).{7,}$` as Python's `re.match` reads it: `.` stops at a newline,
/// `$` also matches before a final one, `\d` is any decimal digit.
fn matches_regex(password: &str) -> bool {
    let line = password.strip_suffix('\n').unwrap_or(password);
    line.chars().count() >= 7
        && !line.contains('\n')
        && line.chars().any(char::is_numeric)
        && line.chars().any(|c| c.is_ascii_alphabetic())
}

fn regex_refusal() -> Response {
    bad_request(&format!(
        "The password does not match the requirements: {REGEX_DESCRIPTION}."
    ))
}

fn account<'a>(state: &'a mut crate::state::State, user: &SimUser) -> &'a mut Account {
    state
        .accounts
        .entry(user.id.clone())
        .or_insert_with(|| Account {
            expired: user.expired,
            ..Account::default()
        })
}

/// What Keystone's `authenticate` decided about a user's password.
enum Checked {
    /// The password is the user's.
    Valid(SimUser),
    /// The password is the user's, but expired.
    Expired(SimUser),
    /// An unknown user, a locked account or a wrong password (which counts towards the lockout);
    /// for a login, also a disabled user.
    Refused,
    /// The password is the user's, but the account is disabled (a change; a login refuses a
    /// disabled user before the password).
    Disabled(SimUser),
}

/// What checks a password: a login refuses a disabled user first (Keystone's auth plugin), a
/// self-service change after the password (its identity backend).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    Login,
    Change,
}

/// Keystone's `authenticate` for a user: the lock, then the password (a failure counts), then
/// the expiry.
fn authenticate_user(shared: &Shared, user_id: &str, password: &str, check: Check) -> Checked {
    let mut state = shared.state();
    let Some(user) = state.users.get(user_id).cloned() else {
        return Checked::Refused;
    };
    if user.disabled && check == Check::Login {
        return Checked::Refused;
    }
    let now = Instant::now();
    let account = account(&mut state, &user);
    if account.locked_until.is_some_and(|until| now < until) {
        return Checked::Refused;
    }
    if !same(&user.password, password) {
        account.failures += 1;
        if account.failures >= LOCKOUT.0 {
            account.locked_until = Some(now + LOCKOUT.1);
        }
        return Checked::Refused;
    }
    if user.disabled {
        return Checked::Disabled(user);
    }
    if account.expired {
        return Checked::Expired(user);
    }
    account.failures = 0;
    account.locked_until = None;
    Checked::Valid(user)
}

/// `POST /v3/auth/tokens`: the administrator by name (scoped to its project or the system), or a
/// simulator user by id or by login name.
async fn authenticate(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    // The spec declares `nocatalog` a boolean (Keystone itself reads only its presence).
    if query
        .get("nocatalog")
        .is_some_and(|v| v != "true" && v != "false")
    {
        return bad_request("Invalid input for query parameter 'nocatalog': not a boolean");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return malformed();
    };
    let user = body.pointer("/auth/identity/password/user");
    let Some(password) = user.and_then(|u| str_field(u, "password")) else {
        return unauthorized();
    };
    let id = user.and_then(|u| str_field(u, "id"));
    let name = user.and_then(|u| str_field(u, "name"));
    let scoped = body
        .pointer("/auth/scope/project/name")
        .and_then(Value::as_str)
        == Some(ADMIN_PROJECT)
        || body.pointer("/auth/scope/system/all") == Some(&Value::Bool(true));
    if name == Some(ADMIN.0) || id == Some(ADMIN_ID) {
        if password != ADMIN.1 {
            return unauthorized();
        }
        // Only a scoped token carries the admin role.
        let owner = (!scoped).then(|| ADMIN_ID.to_owned());
        let token = shared.issue_token_for(owner);
        return token_response(&token, ADMIN_ID, ADMIN.0);
    }
    let user_id = match (id, name) {
        (Some(id), _) => id.to_owned(),
        (None, Some(name)) => {
            let found = shared
                .state()
                .users
                .values()
                .find(|u| u.login.as_deref() == Some(name))
                .map(|u| u.id.clone());
            match found {
                Some(id) => id,
                None => return unauthorized(),
            }
        }
        (None, None) => return unauthorized(),
    };
    *shared.state().logins.entry(user_id.clone()).or_default() += 1;
    match authenticate_user(&shared, &user_id, password, Check::Login) {
        Checked::Valid(user) => {
            let token = shared.issue_token_for(Some(user.id.clone()));
            // A user's token stays valid until revoked: `Simulator::open_sessions` counts them.
            shared.state().sessions.insert(token.clone());
            let login = user.login.clone().unwrap_or_else(|| user.id.clone());
            token_response(&token, &user.id, &login)
        }
        Checked::Expired(user) => error(
            StatusCode::UNAUTHORIZED,
            &format!(
                "The password is expired and needs to be changed for user: {}.",
                user.id
            ),
        ),
        Checked::Refused | Checked::Disabled(_) => unauthorized(),
    }
}

fn token_response(token: &str, user_id: &str, name: &str) -> Response {
    let mut response = json(
        StatusCode::CREATED,
        json!({"token": {
            "methods": ["password"],
            "user": {"domain": {"id": "default", "name": "Default"}, "id": user_id, "name": name, "password_expires_at": null},
            "audit_ids": ["c2ltdWxhdGVkLWF1ZGl0"],
            "expires_at": "2099-01-01T00:00:00.000000Z",
            "issued_at": "2026-01-01T00:00:00.000000Z"
        }}),
    );
    if let Ok(value) = HeaderValue::from_str(token) {
        response.headers_mut().insert("x-subject-token", value);
    }
    response
}

fn timestamp() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string()
}

/// `POST /v3/users/{id}/password`: no token is checked; the original password is the proof.
async fn change_password(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return malformed();
    };
    let change = body.get("user").unwrap_or(&Value::Null);
    let (Some(new), Some(original)) = (
        str_field(change, "password"),
        str_field(change, "original_password"),
    ) else {
        return schema_error(
            "'original_password' and 'password' are required properties",
            change,
        );
    };
    // A change works with an expired password.
    match authenticate_user(&shared, &user_id, original, Check::Change) {
        Checked::Refused => return unauthorized(),
        Checked::Disabled(user) => {
            return error(
                StatusCode::UNAUTHORIZED,
                &format!("The account is disabled for user: {}.", user.id),
            );
        }
        Checked::Valid(_) | Checked::Expired(_) => {}
    }
    if !matches_regex(new) {
        return regex_refusal();
    }
    let mut state = shared.state();
    let Some(user) = state.users.get(&user_id).cloned() else {
        return unauthorized();
    };
    let account = account(&mut state, &user);
    let recent = account.history.iter().rev().take(HISTORY - 1);
    if same(&user.password, new) || recent.clone().any(|old| same(old, new)) {
        return bad_request(&format!(
            "The new password cannot be identical to a previous password. The total number which includes the new password must be unique is {HISTORY}."
        ));
    }
    if headers.contains_key(engine::NO_EFFECT_HEADER) {
        state.commits += 1;
        return StatusCode::NO_CONTENT.into_response();
    }
    // The failures stay: a successful check of an expired password does not reset them.
    account.history.push(user.password.clone());
    account.expired = false;
    if let Some(stored) = state.users.get_mut(&user_id) {
        stored.password = new.to_owned();
    }
    state.commits += 1;
    StatusCode::NO_CONTENT.into_response()
}

/// `DELETE /v3/auth/tokens`: revokes the `X-Subject-Token`, which the caller's `X-Auth-Token`
/// must be (or an administrator's).
async fn revoke_token(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let mut state = shared.state();
    let caller = header("x-auth-token").and_then(|t| state.tokens.get(&t).cloned().map(|o| (t, o)));
    let Some((caller, owner)) = caller else {
        return unauthorized();
    };
    let Some(subject) = header("x-subject-token").filter(|t| state.tokens.contains_key(t)) else {
        return error(StatusCode::NOT_FOUND, "Could not find token.");
    };
    if owner.is_some() && subject != caller {
        return error(
            StatusCode::FORBIDDEN,
            "You are not authorized to perform the requested action: identity:revoke_token.",
        );
    }
    state.tokens.remove(&subject);
    state.sessions.remove(&subject);
    StatusCode::NO_CONTENT.into_response()
}

/// `PATCH /v3/users/{id}` with an admin-scoped token.
async fn update_user(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let owner = headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .and_then(|token| shared.state().tokens.get(token).cloned());
    match owner {
        None => return unauthorized(),
        Some(Some(_)) => {
            return error(
                StatusCode::FORBIDDEN,
                "You are not authorized to perform the requested action: identity:update_user.",
            );
        }
        Some(None) => {}
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return malformed();
    };
    let Some(new) = body.pointer("/user/password").and_then(Value::as_str) else {
        return bad_request("Password validation error: Password must be a string type.");
    };
    let exempt = body.pointer("/user/options/ignore_change_password_upon_first_use")
        == Some(&Value::Bool(true));
    let Some(user) = shared.state().users.get(&user_id).cloned() else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("Could not find user: {user_id}."),
        );
    };
    if !matches_regex(new) {
        return regex_refusal();
    }
    let mut state = shared.state();
    let first_use = user.first_use && !exempt;
    let no_effect = headers.contains_key(engine::NO_EFFECT_HEADER);
    let account = account(&mut state, &user);
    if !no_effect {
        account.history.push(user.password.clone());
        account.expired = first_use;
    }
    account.failures = 0;
    account.locked_until = None;
    let expired = account.expired;
    if !no_effect && let Some(stored) = state.users.get_mut(&user_id) {
        stored.password = new.to_owned();
        stored.first_use = first_use;
    }
    state.commits += 1;
    let login = user.login.clone().unwrap_or_else(|| user.id.clone());
    json(
        StatusCode::OK,
        json!({"user": {
            "id": user.id,
            "name": login,
            "domain_id": "default",
            "enabled": !user.disabled,
            "password_expires_at": if expired { Value::String(timestamp()) } else { Value::Null },
            "options": if exempt { json!({"ignore_change_password_upon_first_use": true}) } else { json!({}) },
            "links": {"self": format!("http://127.0.0.1/v3/users/{}", user.id)}
        }}),
    )
}

#[cfg(test)]
mod tests;
