//! Keycloak, as its code answers (`specs/keycloak.yaml` cites it; Keycloak cannot run here): the
//! admin API's `reset-password` under the realm's password policy (none by default, as in a new
//! realm; [`crate::Simulator::set_password_policy`] sets one), the user and realm reads, and the
//! token endpoint's `client_credentials` and `password` grants.
//!
//! Users live in the realm [`REALM`]; a user's user name is its login name, else its id. The
//! simulator's token, a client-credentials token and the master administrator's token may
//! manage users; a user's own token may not (`403 unknown_error`). A password set with
//! `temporary: true` adds the required action `UPDATE_PASSWORD` ([`SimUser::expired`]): its
//! password grant answers `400` "Account is not fully set up", after the password was checked.
//! A disabled user's grant answers `400` "Account disabled" before the password is checked.
//! Errors are `{"error", "error_description"}`; Keycloak sends no `429` or `503` of its own, so
//! the simulator's are a proxy's (bare statuses, `Retry-After` on the `429`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use super::{App, VendorTable, json, str_field};
use crate::engine::{self, ChangeAsk, Policy, Refusal};
use crate::model::SimUser;
use crate::state::Shared;

/// The realm the simulator's users are in.
pub(crate) const REALM: &str = "acme";
/// The realm of the master administrator.
const MASTER: &str = "master";
/// A confidential client with a service account that may manage users (`client_credentials`).
pub(crate) const CLIENT: (&str, &str) = ("pwchange", "sim-client-secret");
/// The client every realm has, public, with direct access grants.
const ADMIN_CLI: &str = "admin-cli";
/// The master realm's administrator (`password` grant through `admin-cli`).
pub(crate) const ADMIN: (&str, &str) = ("admin", "Admin-Passw0rd!");
/// A client of the users' realm without direct access grants.
pub(crate) const NO_DIRECT_GRANTS_CLIENT: &str = "web-app";
const INVALID_CREDENTIALS: &str = "Invalid user credentials";

/// A new realm's policy: none (a blank password is refused apart). A policy set with
/// `Simulator::set_password_policy` is served as `length(n) and digits(1) … and
/// notUsername(undefined)`.
const POLICY: Policy = Policy::lengths(1, usize::MAX);

pub(super) struct Keycloak;

impl VendorTable for Keycloak {
    fn spec(&self) -> &'static str {
        include_str!("../../../specs/keycloak.yaml")
    }

    fn router(&self) -> App {
        Router::new()
            .route(
                "/admin/realms/{realm}/users/{user_id}/reset-password",
                put(reset_password),
            )
            .route("/admin/realms/{realm}/users/{user_id}", get(get_user))
            .route("/admin/realms/{realm}/users", get(find_users))
            .route("/admin/realms/{realm}", get(get_realm))
            .route("/realms/{realm}/protocol/openid-connect/token", post(token))
            .route(
                "/realms/{realm}/protocol/openid-connect/logout",
                post(logout),
            )
    }

    /// The error body of Keycloak's error handler; a `503` is a proxy's bare status.
    fn error(&self, status: StatusCode, message: &str, _path: &str) -> Response {
        if status == StatusCode::SERVICE_UNAVAILABLE {
            return status.into_response();
        }
        error(status, message, None)
    }

    /// A proxy's `429` in front of Keycloak: no body, `Retry-After` in seconds.
    fn rate_limited(&self, wait: Duration, _path: &str) -> Response {
        super::with_header(
            StatusCode::TOO_MANY_REQUESTS.into_response(),
            header::RETRY_AFTER,
            crate::limits::retry_after_secs(wait),
        )
    }

    fn unavailable_in_own_body(&self) -> bool {
        false
    }

    /// Keycloak has no REST operation for a user's own change.
    fn offers_self_service(&self) -> bool {
        false
    }

    fn demo_user(&self) -> SimUser {
        SimUser::new("8f14e45f-ceea-467f-a0e6-2b1f5b2c9a11", "Old-Passw0rd!").login("alice")
    }

    fn numbered_user_id(&self, n: u64) -> String {
        uuid::Uuid::from_u64_pair(0x4b43_0000_0000_4000, 0x8000_0000_0000_0000 | n).to_string()
    }

    fn unknown_user_id(&self) -> &'static str {
        "00000000-0000-4000-8000-00000000dead"
    }

    /// A new realm has no password policy: nothing is weak.
    fn weak_password(&self) -> Option<&'static str> {
        None
    }

    fn client_settings(&self, _base_url: &str) -> Vec<(&'static str, String)> {
        vec![("realm", REALM.to_owned())]
    }

    fn login_settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("client_id", CLIENT.0.to_owned()),
            ("client_secret", CLIENT.1.to_owned()),
        ]
    }

    /// The realm read (its policy), a session's logout, and a lookup of a user by name: none
    /// changes a password.
    fn reads(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("GET", "/admin/realms/"),
            ("POST", "/realms/acme/protocol/openid-connect/logout"),
        ]
    }
}

fn error(status: StatusCode, error: &str, description: Option<&str>) -> Response {
    match description {
        Some(description) => json(
            status,
            json!({"error": error, "error_description": description}),
        ),
        None => json(status, json!({ "error": error })),
    }
}

/// A user's user name: its login name, else its id.
fn username(user: &SimUser) -> String {
    user.login.clone().unwrap_or_else(|| user.id.clone())
}

/// A policy refusal: the message key and the admin theme's English text (the key itself where
/// the theme has none, as for `maxLength`).
fn policy_refusal(key: &str, text: &str) -> Response {
    error(StatusCode::BAD_REQUEST, key, Some(text))
}

fn refusal(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unauthenticated => error(StatusCode::UNAUTHORIZED, "HTTP 401 Unauthorized", None),
        Refusal::NotOwnUser | Refusal::WrongOrganization => {
            error(StatusCode::FORBIDDEN, "unknown_error", None)
        }
        Refusal::UserNotFound => error(StatusCode::NOT_FOUND, "User not found", None),
        Refusal::TooShort(min) => policy_refusal(
            "invalidPasswordMinLengthMessage",
            &format!("Invalid password: minimum length {min}."),
        ),
        Refusal::TooLong(_) => policy_refusal(
            "invalidPasswordMaxLengthMessage",
            "invalidPasswordMaxLengthMessage",
        ),
        Refusal::NoDigit => policy_refusal(
            "invalidPasswordMinDigitsMessage",
            "Invalid password: must contain at least 1 numerical digits.",
        ),
        Refusal::NoUpper => policy_refusal(
            "invalidPasswordMinUpperCaseCharsMessage",
            "Invalid password: must contain at least 1 upper case characters.",
        ),
        Refusal::NoLower => policy_refusal(
            "invalidPasswordMinLowerCaseCharsMessage",
            "Invalid password: must contain at least 1 lower case characters.",
        ),
        Refusal::NoSymbol => policy_refusal(
            "invalidPasswordMinSpecialCharsMessage",
            "Invalid password: must contain at least 1 special characters.",
        ),
        Refusal::Unchanged => policy_refusal(
            "invalidPasswordHistoryMessage",
            "Invalid password: must not be equal to any of last 1 passwords.",
        ),
        _ => error(StatusCode::BAD_REQUEST, "unknown_error", None),
    }
}

/// The admin API's checks before the route's own: the token (any the simulator issued to no
/// user), then the realm.
fn admin_refusal(shared: &Shared, headers: &HeaderMap, realm: &str) -> Option<Response> {
    match engine::token_owner(shared, headers) {
        None => Some(refusal(Refusal::Unauthenticated)),
        Some(Some(_)) => Some(refusal(Refusal::NotOwnUser)),
        Some(None) if realm != REALM => {
            Some(error(StatusCode::NOT_FOUND, "Realm not found.", None))
        }
        Some(None) => None,
    }
}

/// `PUT /admin/realms/{realm}/users/{id}/reset-password`: the token, the realm, the user, the
/// body, `notUsername`, then the realm's policy; `temporary` adds or removes `UPDATE_PASSWORD`.
async fn reset_password(
    State(shared): State<Arc<Shared>>,
    Path((realm, user_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = admin_refusal(&shared, &headers, &realm) {
        return refused;
    }
    let Some(user) = shared.state().users.get(&user_id).cloned() else {
        return refusal(Refusal::UserNotFound);
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("Cannot parse the JSON"),
        );
    };
    let Some(new) = str_field(&body, "value") else {
        return error(StatusCode::BAD_REQUEST, "No password provided", None);
    };
    if new.trim().is_empty() {
        return error(StatusCode::BAD_REQUEST, "Empty password not allowed", None);
    }
    if new.eq_ignore_ascii_case(&username(&user)) {
        return policy_refusal(
            "invalidPasswordNotUsernameMessage",
            "Invalid password: must not be equal to the username.",
        );
    }
    let ask = ChangeAsk {
        user_id: &user_id,
        new,
        ..ChangeAsk::default()
    };
    match engine::change(&shared, &headers, &ask, POLICY) {
        Ok(_) => {
            let temporary = body.get("temporary").and_then(Value::as_bool) == Some(true);
            if !headers.contains_key(engine::NO_EFFECT_HEADER)
                && let Some(user) = shared.state().users.get_mut(&user_id)
            {
                user.expired = temporary;
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => refusal(r),
    }
}

/// The user's representation (never a password).
fn representation(user: &SimUser) -> Value {
    let actions: Vec<&str> = if user.expired {
        vec!["UPDATE_PASSWORD"]
    } else {
        Vec::new()
    };
    json!({
        "id": user.id,
        "username": username(user),
        "enabled": !user.disabled,
        "totp": false,
        "emailVerified": false,
        "createdTimestamp": 1_767_225_600_000_u64,
        "requiredActions": actions,
    })
}

async fn get_user(
    State(shared): State<Arc<Shared>>,
    Path((realm, user_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = admin_refusal(&shared, &headers, &realm) {
        return refused;
    }
    let user = shared.state().users.get(&user_id).cloned();
    match user {
        Some(user) => json(StatusCode::OK, representation(&user)),
        None => refusal(Refusal::UserNotFound),
    }
}

/// `GET /admin/realms/{realm}/users?username=…&exact=true`: user names compare in lower case.
async fn find_users(
    State(shared): State<Arc<Shared>>,
    Path(realm): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = admin_refusal(&shared, &headers, &realm) {
        return refused;
    }
    let wanted = query.get("username").map(|u| u.to_lowercase());
    let exact = query
        .get("exact")
        .is_some_and(|e| e.eq_ignore_ascii_case("true"));
    let users: Vec<Value> = shared
        .state()
        .users
        .values()
        .filter(|user| {
            let name = username(user).to_lowercase();
            match &wanted {
                Some(wanted) if exact => name == *wanted,
                Some(wanted) => name.contains(wanted.as_str()),
                None => true,
            }
        })
        .map(representation)
        .collect();
    json(StatusCode::OK, Value::Array(users))
}

/// The realm's `passwordPolicy` string for `policy`; none for a realm without a policy.
fn policy_string(policy: Policy) -> Option<String> {
    if policy.min <= 1
        && policy.max == usize::MAX
        && !(policy.digit || policy.upper || policy.lower || policy.symbol)
    {
        return None;
    }
    let mut parts = vec![format!("length({})", policy.min)];
    if policy.max != usize::MAX {
        parts.push(format!("maxLength({})", policy.max));
    }
    for (required, id) in [
        (policy.digit, "digits"),
        (policy.upper, "upperCase"),
        (policy.lower, "lowerCase"),
        (policy.symbol, "specialChars"),
    ] {
        if required {
            parts.push(format!("{id}(1)"));
        }
    }
    parts.push("notUsername(undefined)".to_owned());
    Some(parts.join(" and "))
}

async fn get_realm(
    State(shared): State<Arc<Shared>>,
    Path(realm): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = admin_refusal(&shared, &headers, &realm) {
        return refused;
    }
    let mut realm = json!({
        "id": "0f3a1c52-6a0e-4b44-9d0d-8a6f2b7f1c11",
        "realm": REALM,
        "enabled": true,
        "bruteForceProtected": false,
    });
    // Keycloak leaves out a null field: a realm without a policy has no `passwordPolicy`.
    if let Some(policy) = policy_string(POLICY.in_force(&shared)) {
        realm["passwordPolicy"] = Value::String(policy);
    }
    json(StatusCode::OK, realm)
}

fn tokens(shared: &Shared, user: Option<String>) -> Response {
    let access = shared.issue_token_for(user.clone());
    let refresh = shared.issue_token_for(user);
    // A session stays open until its logout: `Simulator::open_sessions` counts them.
    shared.state().sessions.insert(refresh.clone());
    json(
        StatusCode::OK,
        json!({
            "access_token": access,
            "expires_in": 300,
            "refresh_expires_in": 1800,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "session_state": uuid::Uuid::new_v4().to_string(),
            "scope": "profile email",
        }),
    )
}

/// `POST /realms/{realm}/protocol/openid-connect/token`: the client, then (password grant) the
/// user as the direct grant flow checks it: unknown or disabled first, the password, then the
/// required actions.
async fn token(
    State(shared): State<Arc<Shared>>,
    Path(realm): Path<String>,
    body: Bytes,
) -> Response {
    if realm != REALM && realm != MASTER {
        return error(StatusCode::NOT_FOUND, "Realm does not exist", None);
    }
    let form = crate::form::pairs(&body);
    let field = |name: &str| form.get(name).map(String::as_str);
    let client = field("client_id");
    let confidential = client == Some(CLIENT.0);
    if confidential && field("client_secret") != Some(CLIENT.1) {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            Some("Invalid client or Invalid client credentials"),
        );
    }
    if !confidential && client != Some(ADMIN_CLI) && client != Some(NO_DIRECT_GRANTS_CLIENT) {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            Some("Invalid client or Invalid client credentials"),
        );
    }
    match field("grant_type") {
        Some("client_credentials") if confidential => tokens(&shared, None),
        Some("client_credentials") => error(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            Some("Public client not allowed to retrieve service account"),
        ),
        Some("password") if client == Some(NO_DIRECT_GRANTS_CLIENT) => error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            Some("Client not allowed for direct access grants"),
        ),
        Some("password") => {
            let (Some(name), Some(password)) = (field("username"), field("password")) else {
                return error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_request",
                    Some("Missing parameter: username"),
                );
            };
            password_grant(&shared, &realm, &name.to_lowercase(), password)
        }
        _ => error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            Some("Unsupported grant_type"),
        ),
    }
}

fn password_grant(shared: &Shared, realm: &str, name: &str, password: &str) -> Response {
    if realm == MASTER {
        return if name == ADMIN.0 && password == ADMIN.1 {
            tokens(shared, None)
        } else {
            error(
                StatusCode::UNAUTHORIZED,
                "invalid_grant",
                Some(INVALID_CREDENTIALS),
            )
        };
    }
    let found = shared
        .state()
        .users
        .values()
        .find(|u| username(u).to_lowercase() == name)
        .cloned();
    let Some(user) = found else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            Some(INVALID_CREDENTIALS),
        );
    };
    if user.disabled {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            Some("Account disabled"),
        );
    }
    match engine::log_in(shared, |u| u.id == user.id, password) {
        None => error(
            StatusCode::UNAUTHORIZED,
            "invalid_grant",
            Some(INVALID_CREDENTIALS),
        ),
        Some(user) if user.expired => error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            Some("Account is not fully set up"),
        ),
        Some(user) => tokens(shared, Some(user.id)),
    }
}

/// `POST /realms/{realm}/protocol/openid-connect/logout`: the refresh token's session ends.
async fn logout(
    State(shared): State<Arc<Shared>>,
    Path(_realm): Path<String>,
    body: Bytes,
) -> Response {
    let form = crate::form::pairs(&body);
    let Some(refresh) = form.get("refresh_token") else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("Missing parameter: refresh_token"),
        );
    };
    let mut state = shared.state();
    if state.sessions.remove(refresh) {
        state.tokens.remove(refresh);
        StatusCode::NO_CONTENT.into_response()
    } else {
        error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            Some("Invalid refresh token"),
        )
    }
}

#[cfg(test)]
mod tests;
