//! OpenBao and HashiCorp Vault, the userpass auth method, as a real OpenBao 2.7.2 answers
//! (`tests/tests/it/openbao.rs` runs the same scenarios against this table and the real
//! server, and compares status, body shape and which password logs in).
//!
//! Users are userpass users (the id is the user name, in lower case). The simulator's token
//! (bound to no user) is an administrator's: it may set any password. A login issues a token
//! bound to the user, which may set that user's own password unless the user is
//! [`SimUser::self_service_denied`] (a policy without `update` on its path). Every error is
//! `{"errors": ["…"]}` with the server's own texts; a `500` refuses an unknown user and a
//! password over 72 bytes; a wrong password and an unknown user log in alike (`400`). The login
//! lowercases the name; the password update does not (a name in another case is a record no
//! login reads: answered `204`, nothing changes for the user).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::{App, VendorTable, json};
use crate::engine;
use crate::model::SimUser;
use crate::state::Shared;

/// The mount the simulator serves userpass at.
const MOUNT: &str = "userpass";
/// bcrypt's limit: the server refuses a longer password.
const BCRYPT_MAX_BYTES: usize = 72;
const INVALID_CREDENTIALS: &str = "invalid username or password";

pub(super) struct Openbao;

impl VendorTable for Openbao {
    fn spec(&self) -> &'static str {
        include_str!("../../../specs/openbao.yaml")
    }

    fn router(&self) -> App {
        Router::new()
            .route("/v1/auth/token/revoke-self", post(revoke_self))
            .route("/v1/auth/{mount}/login/{username}", post(login))
            .route(
                "/v1/auth/{mount}/users/{username}/password",
                post(set_password),
            )
    }

    /// The server's error body; a `503` is a sealed server's (the only `503` OpenBao sends).
    fn error(&self, status: StatusCode, message: &str, _path: &str) -> Response {
        if status == StatusCode::SERVICE_UNAVAILABLE {
            return errors(status, "Vault is sealed");
        }
        errors(status, message)
    }

    /// A rate-limit quota's `429`: its text, and no `Retry-After` (OpenBao adds one only with
    /// `enable_rate_limit_response_headers`).
    fn rate_limited(&self, _wait: Duration, path: &str) -> Response {
        let path = path.trim_start_matches("/v1/");
        errors(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("request path \"{path}\": rate limit quota exceeded"),
        )
    }

    fn demo_user(&self) -> SimUser {
        SimUser::new("alice", "Old-Passw0rd!")
    }

    fn numbered_user_id(&self, n: u64) -> String {
        format!("user-{n:08}")
    }

    fn unknown_user_id(&self) -> &'static str {
        "nobody"
    }

    /// userpass has no password policy: only bcrypt's 72 bytes, which the facade checks first.
    fn weak_password(&self) -> Option<&'static str> {
        None
    }

    fn login_settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("username", ADMIN.0.to_owned()),
            ("password", ADMIN.1.to_owned()),
        ]
    }

    /// A self-service change of an unknown user fails at its login, like a wrong password.
    fn unknown_user_expected(&self) -> pwchange_core::ErrorKind {
        pwchange_core::ErrorKind::CurrentPasswordInvalid
    }

    /// The self-service change logs in with the current password: no configured token is used.
    fn self_service_checks_token(&self) -> bool {
        false
    }

    /// The proof of a self-service change is the user's own login with the current password.
    fn logins_before_a_self_service_change(&self) -> usize {
        1
    }

    /// A token revoking itself changes no password: faults meant for the change or a login
    /// skip it.
    fn reads(&self) -> &'static [(&'static str, &'static str)] {
        &[("POST", "/v1/auth/token/revoke-self")]
    }
}

/// The administrator a login may name: a userpass user whose token may set any password (not
/// one of the simulator's users).
pub(crate) const ADMIN: (&str, &str) = ("pwchange-admin", "Admin-Passw0rd!");

fn errors(status: StatusCode, message: &str) -> Response {
    json(status, json!({ "errors": [message] }))
}

/// The server's wrapping of some texts (a multierror).
fn wrapped(status: StatusCode, message: &str) -> Response {
    errors(status, &format!("1 error occurred:\n\t* {message}\n\n"))
}

fn no_handler(path: &str) -> Response {
    errors(
        StatusCode::NOT_FOUND,
        &format!(
            "no handler for route \"{}\". route entry not found.",
            path.trim_start_matches("/v1/")
        ),
    )
}

/// userpass's route pattern for a user name: `\w(([\w-.@]+)?\w)?`.
fn routable(username: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = username.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => {
            word(first) && word(last) && bytes.iter().all(|&b| word(b) || b"-.@".contains(&b))
        }
        _ => false,
    }
}

/// The password field as the server reads it: a string, or a number's digits (weakly typed).
fn password_of(body: &Value) -> Option<String> {
    match body.get("password")? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Whose token the request carries: `Some(None)` an administrator's, `Some(Some(user))` a
/// user's, `None` no token the server knows.
fn token_owner(shared: &Shared, headers: &HeaderMap) -> Option<Option<String>> {
    let token = headers.get("x-vault-token")?.to_str().ok()?;
    shared.state().tokens.get(token).cloned()
}

/// `POST /v1/auth/{mount}/login/{username}`: the name lowercased; a wrong password and an
/// unknown user alike.
async fn login(
    State(shared): State<Arc<Shared>>,
    Path((mount, username)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    // Without a token the request is refused before it is routed.
    if mount != MOUNT {
        return errors(StatusCode::FORBIDDEN, "permission denied");
    }
    if !routable(&username) {
        return wrapped(StatusCode::NOT_FOUND, "unsupported path");
    }
    let password = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|body| password_of(&body))
        .filter(|p| !p.is_empty());
    let Some(password) = password else {
        return errors(StatusCode::INTERNAL_SERVER_ERROR, "missing password");
    };
    let username = username.to_ascii_lowercase();
    if username == ADMIN.0 {
        if password != ADMIN.1 {
            return errors(StatusCode::BAD_REQUEST, INVALID_CREDENTIALS);
        }
        let token = shared.issue_token();
        return login_answer(&token, ADMIN.0, "administrator");
    }
    match engine::log_in(&shared, |u| u.id == username, &password) {
        Some(user) => {
            let token = shared.issue_token_for(Some(user.id.clone()));
            // A user's token stays valid until revoked: `Simulator::open_sessions` counts them.
            shared.state().sessions.insert(token.clone());
            let policy = if user.self_service_denied {
                "default"
            } else {
                "change-own-password"
            };
            login_answer(&token, &user.id, policy)
        }
        None => errors(StatusCode::BAD_REQUEST, INVALID_CREDENTIALS),
    }
}

fn login_answer(token: &str, username: &str, policy: &str) -> Response {
    json(
        StatusCode::OK,
        json!({
            "request_id": uuid::Uuid::new_v4().to_string(),
            "lease_id": "", "renewable": false, "lease_duration": 0,
            "data": null, "wrap_info": null, "warnings": null,
            "auth": {
                "client_token": token,
                "accessor": uuid::Uuid::new_v4().simple().to_string(),
                "policies": [policy, "default"],
                "token_policies": [policy, "default"],
                "metadata": {"username": username},
                "lease_duration": 2_764_800, "renewable": true,
                "entity_id": uuid::Uuid::new_v4().to_string(),
                "token_type": "service", "orphan": true,
                "mfa_requirement": null, "num_uses": 0
            }
        }),
    )
}

/// `POST /v1/auth/{mount}/users/{username}/password`: the token's permission, the user (a
/// `500` when unknown), bcrypt's limit (a `500`), then the password. The name is not
/// lowercased: another case is a record of its own.
async fn set_password(
    State(shared): State<Arc<Shared>>,
    Path((mount, username)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/v1/auth/{mount}/users/{username}/password");
    let Some(owner) = token_owner(&shared, &headers) else {
        return errors(StatusCode::FORBIDDEN, "permission denied");
    };
    if mount != MOUNT {
        return no_handler(&path);
    }
    if !routable(&username) {
        return wrapped(StatusCode::NOT_FOUND, "unsupported path");
    }
    if let Some(owner) = &owner {
        let denied = shared
            .state()
            .users
            .get(owner)
            .is_none_or(|user| user.self_service_denied);
        if *owner != username || denied {
            return wrapped(StatusCode::FORBIDDEN, "permission denied");
        }
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return errors(
            StatusCode::BAD_REQUEST,
            "failed to decode JSON input: invalid character",
        );
    };
    let lowercase = username.to_ascii_lowercase();
    let known = shared.state().users.contains_key(&username);
    let other_case = lowercase != username && shared.state().users.contains_key(&lowercase);
    if !known && !other_case {
        return wrapped(StatusCode::INTERNAL_SERVER_ERROR, "username does not exist");
    }
    let Some(new) = password_of(&body).filter(|p| !p.is_empty()) else {
        return errors(
            StatusCode::BAD_REQUEST,
            "must provide either password or password_hash",
        );
    };
    if new.len() > BCRYPT_MAX_BYTES {
        return wrapped(
            StatusCode::INTERNAL_SERVER_ERROR,
            "bcrypt: password length exceeds 72 bytes",
        );
    }
    let mut state = shared.state();
    state.commits += 1;
    // Another case writes a record of its own, which no login reads; a no-effect fault
    // answers as if it had applied.
    if known
        && !headers.contains_key(engine::NO_EFFECT_HEADER)
        && let Some(user) = state.users.get_mut(&username)
    {
        user.password = new;
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `POST /v1/auth/token/revoke-self`: the caller's token is revoked; an unknown or revoked one
/// is refused.
async fn revoke_self(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let token = headers
        .get("x-vault-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut state = shared.state();
    match token {
        Some(token) if state.tokens.contains_key(&token) => {
            state.tokens.remove(&token);
            state.sessions.remove(&token);
            StatusCode::NO_CONTENT.into_response()
        }
        _ => errors(StatusCode::FORBIDDEN, "permission denied"),
    }
}

#[cfg(test)]
mod tests;
