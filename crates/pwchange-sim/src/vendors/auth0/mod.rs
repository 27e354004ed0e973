//! Auth0, as its Management API document and documentation describe it (`specs/auth0.yaml`;
//! Auth0 cannot run here): the user read and update of one database connection
//! ([`CONNECTION`]) under its password policy (the legacy strength level `good`; one set with
//! [`crate::Simulator::set_password_policy`] is served as the Flexible Password Policy), the
//! connections read, and the token endpoint's client credentials and password-realm grants
//! with brute-force protection.
//!
//! A user's id is `<provider>|<id>`: `auth0|…` users are in [`CONNECTION`], others (a social
//! login's `google-oauth2|…`) cannot have a password set (`400` "Connection is not supported
//! for this operation."). A user's email address is its [`SimUser::login`] (else
//! `<id>@example.com`); a [`SimUser::disabled`] user is blocked by an administrator. The
//! simulator's token and the client credentials' may manage users; a user's own token may not
//! (`403 insufficient_scope`). A password login that fails counts towards brute-force
//! protection: after [`BRUTE_FORCE_THRESHOLD`] failures the user's logins answer `429
//! too_many_attempts`, even with the right password, until its password is set again. The
//! `429` of the rate limit carries `x-ratelimit-*` headers and no `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{App, VendorTable, json, str_field};
use crate::engine::{self, ChangeAsk, Policy, Refusal};
use crate::model::SimUser;
use crate::state::Shared;

/// The database connection of the simulator's users.
pub(crate) const CONNECTION: &str = "Username-Password-Authentication";
/// A machine-to-machine application authorized for the Management API.
pub(crate) const CLIENT: (&str, &str) = ("pwchange-m2m", "sim-client-secret");
/// A public application with the Password grant, for verifications.
pub(crate) const LOGIN_CLIENT: &str = "pwchange-login";
/// An application without the Password grant.
pub(crate) const NO_PASSWORD_GRANT_CLIENT: &str = "web-app";
/// Failed logins of a user before brute-force protection blocks them (Auth0's default).
pub(crate) const BRUTE_FORCE_THRESHOLD: u32 = 10;
const PASSWORD_REALM: &str = "http://auth0.com/oauth/grant-type/password-realm";

/// The lengths of a new database connection's policy, the legacy strength level `good` with
/// `min_length` 8 (its "three of four classes" is checked apart: [`three_of_four`]).
const POLICY: Policy = Policy::lengths(8, 72);

/// Whether `password` has three of the four classes of Auth0's `good` level: lowercase,
/// uppercase, digits, and special characters (ASCII punctuation and space, as Auth0's
/// password-sheriff counts them).
fn three_of_four(password: &str) -> bool {
    let has = |f: fn(&char) -> bool| usize::from(password.chars().any(|c| f(&c)));
    has(char::is_ascii_lowercase)
        + has(char::is_ascii_uppercase)
        + has(char::is_ascii_digit)
        + has(|c| c.is_ascii_punctuation() || *c == ' ')
        >= 3
}

pub(super) struct Auth0;

impl VendorTable for Auth0 {
    fn spec(&self) -> &'static str {
        include_str!("../../../specs/auth0.yaml")
    }

    fn router(&self) -> App {
        Router::new()
            .route("/api/v2/users/{id}", get(get_user).patch(update_user))
            .route("/api/v2/connections", get(get_connections))
            .route("/oauth/token", post(token))
    }

    fn error(&self, status: StatusCode, message: &str, _path: &str) -> Response {
        error(status, message, None)
    }

    /// Auth0's `429`: its body, the `x-ratelimit-*` headers with the reset as a moment in Unix
    /// seconds, no `Retry-After`.
    fn rate_limited(&self, wait: Duration, _path: &str) -> Response {
        let response = error(
            StatusCode::TOO_MANY_REQUESTS,
            "Global limit has been reached",
            Some("too_many_requests"),
        );
        crate::limits::with_reset_headers(
            response,
            [
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset",
            ],
            50,
            wait,
        )
    }

    /// Auth0 has no API for a user's own change.
    fn offers_self_service(&self) -> bool {
        false
    }

    /// A `503` in Auth0's body shape proves nothing (the shape of every hapi server's).
    fn unavailable_in_own_body(&self) -> bool {
        false
    }

    fn demo_user(&self) -> SimUser {
        SimUser::new("auth0|63d17c4ba030f2d4279f2c54", "Old-Passw0rd!").login("alice@example.com")
    }

    fn numbered_user_id(&self, n: u64) -> String {
        format!("auth0|a{n:023x}")
    }

    fn unknown_user_id(&self) -> &'static str {
        "auth0|000000000000000000000000"
    }

    /// `good` refuses nothing the facade's reading of it lets through.
    fn weak_password(&self) -> Option<&'static str> {
        None
    }

    /// The connection (so that a change's first request is the update) and the verification's
    /// application.
    fn client_settings(&self, _base_url: &str) -> Vec<(&'static str, String)> {
        vec![
            ("connection", CONNECTION.to_owned()),
            ("verify_client_id", LOGIN_CLIENT.to_owned()),
        ]
    }

    fn login_settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("client_id", CLIENT.0.to_owned()),
            ("client_secret", CLIENT.1.to_owned()),
        ]
    }

    /// The user read before an update, and the connections (the policy).
    fn reads(&self) -> &'static [(&'static str, &'static str)] {
        &[("GET", "/api/v2/")]
    }
}

/// The Management API's error body.
fn error(status: StatusCode, message: &str, code: Option<&str>) -> Response {
    let mut body = json!({
        "statusCode": status.as_u16(),
        "error": status.canonical_reason().unwrap_or("Error"),
        "message": message,
    });
    if let Some(code) = code {
        body["errorCode"] = json!(code);
    }
    json(status, body)
}

/// The token endpoint's error body.
fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    json(
        status,
        json!({"error": code, "error_description": description}),
    )
}

fn refusal(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unauthenticated => error(StatusCode::UNAUTHORIZED, "Invalid token.", None),
        Refusal::NotOwnUser | Refusal::WrongOrganization => error(
            StatusCode::FORBIDDEN,
            "Insufficient scope, expected any of: update:users",
            Some("insufficient_scope"),
        ),
        Refusal::UserNotFound => error(
            StatusCode::NOT_FOUND,
            "The user does not exist.",
            Some("inexistent_user"),
        ),
        Refusal::Unchanged => error(
            StatusCode::BAD_REQUEST,
            "PasswordHistoryError: Password has previously been used",
            None,
        ),
        _ => error(
            StatusCode::BAD_REQUEST,
            "PasswordStrengthError: Password is too weak",
            None,
        ),
    }
}

/// The user's identity provider: its id's part before `|`.
fn provider(user: &SimUser) -> &str {
    user.id
        .split_once('|')
        .map_or("auth0", |(provider, _)| provider)
}

fn email(user: &SimUser) -> String {
    user.login
        .clone()
        .unwrap_or_else(|| format!("{}@example.com", user.id.replace('|', ".")))
}

/// The user's record (never a password).
fn record(user: &SimUser) -> Value {
    let provider = provider(user);
    let connection = if provider == "auth0" {
        CONNECTION
    } else {
        provider
    };
    let identity_id = user
        .id
        .split_once('|')
        .map_or(user.id.as_str(), |(_, id)| id);
    json!({
        "user_id": user.id,
        "email": email(user),
        "email_verified": true,
        "blocked": user.disabled,
        "identities": [{
            "connection": connection,
            "user_id": identity_id,
            "provider": provider,
            "isSocial": provider != "auth0",
        }],
    })
}

/// The admin checks: the token (any the simulator issued to no user), then the user.
fn admin_user(shared: &Shared, headers: &HeaderMap, id: &str) -> Result<SimUser, Refusal> {
    match engine::token_owner(shared, headers) {
        None => Err(Refusal::Unauthenticated),
        Some(Some(_)) => Err(Refusal::NotOwnUser),
        Some(None) => shared
            .state()
            .users
            .get(id)
            .cloned()
            .ok_or(Refusal::UserNotFound),
    }
}

async fn get_user(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match admin_user(&shared, &headers, &id) {
        Ok(user) => json(StatusCode::OK, record(&user)),
        Err(r) => refusal(r),
    }
}

/// `PATCH /api/v2/users/{id}`: the token, the user, the connection (a database user's own),
/// then the policy; a set password ends a brute-force block.
async fn update_user(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let user = match admin_user(&shared, &headers, &id) {
        Ok(user) => user,
        Err(r) => return refusal(r),
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "Invalid request payload JSON format",
            Some("invalid_body"),
        );
    };
    let (Some(new), Some(connection)) =
        (str_field(&body, "password"), str_field(&body, "connection"))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "Payload validation error",
            Some("invalid_body"),
        );
    };
    if connection != CONNECTION {
        return error(StatusCode::BAD_REQUEST, "Connection does not exist.", None);
    }
    if provider(&user) != "auth0" {
        return error(
            StatusCode::BAD_REQUEST,
            "Connection is not supported for this operation.",
            None,
        );
    }
    let default_policy = shared.state().policy.is_none();
    if default_policy && new.chars().count() >= POLICY.min && !three_of_four(new) {
        return refusal(Refusal::NoSymbol);
    }
    let ask = ChangeAsk {
        user_id: &id,
        new,
        ..ChangeAsk::default()
    };
    match engine::change(&shared, &headers, &ask, POLICY) {
        Ok(user) => {
            if !headers.contains_key(engine::NO_EFFECT_HEADER) {
                shared.state().accounts.remove(&id);
            }
            json(StatusCode::OK, record(&user))
        }
        Err(r) => refusal(r),
    }
}

/// `GET /api/v2/connections?strategy=auth0&name=…`: the database connection with its options,
/// the legacy level `good`, or the set policy as the Flexible Password Policy.
async fn get_connections(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    match engine::token_owner(&shared, &headers) {
        None => return refusal(Refusal::Unauthenticated),
        Some(Some(_)) => return refusal(Refusal::NotOwnUser),
        Some(None) => {}
    }
    let strategy_ok = query.get("strategy").is_none_or(|s| s == "auth0");
    let name_ok = query.get("name").is_none_or(|n| n == CONNECTION);
    if !(strategy_ok && name_ok) {
        return json(StatusCode::OK, json!([]));
    }
    let options = match shared.state().policy {
        None => json!({
            "passwordPolicy": "good",
            "password_complexity_options": {"min_length": POLICY.min},
            "password_history": {"enable": false, "size": 5},
            "password_dictionary": {"enable": false, "dictionary": []},
            "password_no_personal_info": {"enable": false},
            "brute_force_protection": true,
        }),
        Some(set) => {
            let types: Vec<&str> = [
                (set.lowercase, "lowercase"),
                (set.uppercase, "uppercase"),
                (set.digit, "number"),
                (set.symbol, "special"),
            ]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
            json!({
                "password_options": {
                    "complexity": {
                        "min_length": set.min_length,
                        "character_types": types,
                        "character_type_rule": "all",
                        "identical_characters": "allow",
                        "sequential_characters": "allow",
                        "max_length_exceeded": "error",
                    },
                    "history": {"active": false, "size": 5},
                    "dictionary": {"active": false, "default": "en_10k"},
                    "profile_data": {"active": false},
                },
                "brute_force_protection": true,
            })
        }
    };
    json(
        StatusCode::OK,
        json!([{
            "id": "con_0000000000000001",
            "name": CONNECTION,
            "strategy": "auth0",
            "options": options,
        }]),
    )
}

/// `POST /oauth/token` (JSON): the application, then the grant.
async fn token(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Invalid JSON");
    };
    let field = |name: &str| str_field(&body, name);
    match (field("grant_type"), field("client_id")) {
        (Some("client_credentials"), Some(client)) if client == CLIENT.0 => {
            if field("client_secret") != Some(CLIENT.1) {
                return oauth_error(StatusCode::UNAUTHORIZED, "access_denied", "Unauthorized");
            }
            if !field("audience").is_some_and(|a| a.ends_with("/api/v2/")) {
                return oauth_error(
                    StatusCode::FORBIDDEN,
                    "access_denied",
                    "Client is not authorized to access the audience. You need to create a client-grant associated to this API.",
                );
            }
            let token = shared.issue_token_for(None);
            json(
                StatusCode::OK,
                json!({"access_token": token, "expires_in": 86400, "scope": "read:users update:users read:connections read:connections_options", "token_type": "Bearer"}),
            )
        }
        (Some(PASSWORD_REALM), Some(client)) if client == NO_PASSWORD_GRANT_CLIENT => oauth_error(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            "Grant type 'http://auth0.com/oauth/grant-type/password-realm' not allowed for the client.",
        ),
        (Some(PASSWORD_REALM), Some(client)) if client == LOGIN_CLIENT => {
            if field("realm") != Some(CONNECTION) {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Unknown realm");
            }
            let (Some(username), Some(password)) = (field("username"), field("password")) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing required parameter: username",
                );
            };
            password_realm(&shared, username, password)
        }
        (_, Some(client))
            if client == CLIENT.0
                || client == LOGIN_CLIENT
                || client == NO_PASSWORD_GRANT_CLIENT =>
        {
            oauth_error(
                StatusCode::FORBIDDEN,
                "unsupported_grant_type",
                "Unsupported grant type",
            )
        }
        _ => oauth_error(StatusCode::UNAUTHORIZED, "access_denied", "Unauthorized"),
    }
}

/// The password-realm grant: the user by email address, a brute-force block (before the
/// password), an administrator's block, then the password; a failure counts.
fn password_realm(shared: &Shared, username: &str, password: &str) -> Response {
    let found = shared
        .state()
        .users
        .values()
        .find(|u| provider(u) == "auth0" && email(u).eq_ignore_ascii_case(username))
        .cloned();
    let wrong = || {
        oauth_error(
            StatusCode::FORBIDDEN,
            "invalid_grant",
            "Wrong email or password.",
        )
    };
    let Some(user) = found else {
        return wrong();
    };
    let blocked = shared
        .state()
        .accounts
        .get(&user.id)
        .is_some_and(|a| a.failures >= BRUTE_FORCE_THRESHOLD);
    if blocked {
        *shared.state().logins.entry(user.id.clone()).or_default() += 1;
        return oauth_error(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "Your account has been blocked after multiple consecutive login attempts.",
        );
    }
    match engine::log_in(shared, |u| u.id == user.id, password) {
        None => {
            let mut state = shared.state();
            state.accounts.entry(user.id.clone()).or_default().failures += 1;
            wrong()
        }
        Some(user) if user.disabled => {
            oauth_error(StatusCode::UNAUTHORIZED, "unauthorized", "user is blocked")
        }
        Some(user) => {
            shared.state().accounts.remove(&user.id);
            let token = shared.issue_token_for(Some(user.id));
            json(
                StatusCode::OK,
                json!({"access_token": token, "expires_in": 86400, "token_type": "Bearer"}),
            )
        }
    }
}

#[cfg(test)]
mod tests;
