//! Microsoft Entra ID: Microsoft Graph v1.0 and the identity platform's token endpoint on one
//! listener (the facade's `authority` is the simulator too), as their documents describe them
//! (`specs/entra.yaml`; Entra ID cannot run here): the password policy (8 to 256 characters,
//! three of the four classes), Graph's error bodies with their codes, its `429` with
//! `Retry-After`, and the token endpoint's `AADSTS` codes.
//!
//! A user's id is its user principal name (or an object id, with its [`SimUser::login`] as its
//! principal name). The simulator's token, and a client-credentials token
//! of [`CLIENT`], are an application's with the right to reset passwords; a password login of a
//! user through [`LOGIN_CLIENT`] gives that user's delegated token, the only one
//! `/me/changePassword` takes. A [`SimUser::disabled`] user's login answers `AADSTS50057`
//! (before its password is checked); a reset with `forceChangePasswordNextSignIn` makes the
//! password expired ([`SimUser::expired`]), whose login answers `AADSTS50055`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{App, VendorTable, json, str_field, with_header};
use crate::engine::{self, ChangeAsk, Policy, Refusal};
use crate::model::SimUser;
use crate::state::Shared;

/// The tenant the simulator serves.
pub(crate) const TENANT: &str = "contoso.onmicrosoft.com";
/// An application with the right to reset passwords (client credentials).
pub(crate) const CLIENT: (&str, &str) =
    ("6731de76-14a6-49ae-97bc-6eba6914391e", "sim~client~secret");
/// A public client application that allows public client flows (users' password logins).
pub(crate) const LOGIN_CLIENT: &str = "1950a258-227b-4e31-a9cf-717495945fc2";

/// The lengths Entra ID accepts; the classes are counted apart (three of four).
const POLICY: Policy = Policy::lengths(8, 256);

pub(super) struct Entra;

impl VendorTable for Entra {
    fn spec(&self) -> &'static str {
        include_str!("../../../specs/entra.yaml")
    }

    fn router(&self) -> App {
        Router::new()
            .route("/v1.0/users/{id}", get(get_user).patch(update_user))
            .route("/v1.0/me/changePassword", post(change_password))
            .route("/{tenant}/oauth2/v2.0/token", post(token))
    }

    fn error(&self, status: StatusCode, message: &str, path: &str) -> Response {
        if path.ends_with("/oauth2/v2.0/token") {
            return token_error(status, "invalid_request", 900_144, message);
        }
        let code = match status.as_u16() {
            400 => "Request_BadRequest",
            401 => "InvalidAuthenticationToken",
            403 => "Authorization_RequestDenied",
            404 => "Request_ResourceNotFound",
            429 => "TooManyRequests",
            503 => "serviceNotAvailable",
            _ => "generalException",
        };
        graph_error(status, code, message)
    }

    /// Graph's `429`: its error body and `Retry-After` in seconds.
    fn rate_limited(&self, wait: Duration, _path: &str) -> Response {
        with_header(
            graph_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Too many requests.",
            ),
            header::RETRY_AFTER,
            crate::limits::retry_after_secs(wait),
        )
    }

    /// Users are named by their user principal names (Graph takes one where it takes an id,
    /// and a user's own password login needs it).
    fn demo_user(&self) -> SimUser {
        SimUser::new("alice@contoso.onmicrosoft.com", "Old-Passw0rd!")
    }

    fn numbered_user_id(&self, n: u64) -> String {
        format!("user{n:08}@{TENANT}")
    }

    fn unknown_user_id(&self) -> &'static str {
        "nobody@contoso.onmicrosoft.com"
    }

    /// Lowercase letters and digits only: two of the four classes.
    fn weak_password(&self) -> Option<&'static str> {
        Some("onlylowercase1234")
    }

    fn client_settings(&self, base_url: &str) -> Vec<(&'static str, String)> {
        vec![
            ("tenant", TENANT.to_owned()),
            ("login_client_id", LOGIN_CLIENT.to_owned()),
            ("authority", base_url.to_owned()),
        ]
    }

    fn login_settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("client_id", CLIENT.0.to_owned()),
            ("client_secret", CLIENT.1.to_owned()),
        ]
    }

    /// A user principal name may hold `#` (a guest's `…#EXT#@…`).
    fn user_id_characters(&self) -> &'static str {
        "#"
    }

    /// A self-service change logs in with the current password: no configured token is used.
    fn self_service_checks_token(&self) -> bool {
        false
    }

    /// The proof of a self-service change is the user's own password login.
    fn logins_before_a_self_service_change(&self) -> usize {
        1
    }

    /// A user read (for a verification's user principal name) changes nothing.
    fn reads(&self) -> &'static [(&'static str, &'static str)] {
        &[("GET", "/v1.0/users/")]
    }
}

fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    let response = json(
        status,
        json!({"error": {"code": code, "message": message,
            "innerError": {"date": "2026-12-07T20:10:12", "request-id": id, "client-request-id": id}}}),
    );
    with_header(response, header::HeaderName::from_static("request-id"), id)
}

fn token_error(status: StatusCode, error: &str, aadsts: u64, text: &str) -> Response {
    let trace = uuid::Uuid::new_v4().to_string();
    json(
        status,
        json!({
            "error": error,
            "error_description": format!("AADSTS{aadsts}: {text} Trace ID: {trace} Correlation ID: {trace} Timestamp: 2026-12-07 20:10:12Z"),
            "error_codes": [aadsts],
            "timestamp": "2026-12-07 20:10:12Z",
            "trace_id": trace,
            "correlation_id": trace,
        }),
    )
}

/// A user's principal name: its [`SimUser::login`], else its id when it is one, else
/// `<id>@contoso.onmicrosoft.com`.
fn principal_name(user: &SimUser) -> String {
    match &user.login {
        Some(login) => login.clone(),
        None if user.id.contains('@') => user.id.clone(),
        None => format!("{}@{TENANT}", user.id),
    }
}

/// The user by object id or user principal name.
fn find(shared: &Shared, id: &str) -> Option<SimUser> {
    let state = shared.state();
    state
        .users
        .get(id)
        .or_else(|| {
            state
                .users
                .values()
                .find(|u| principal_name(u).eq_ignore_ascii_case(id))
        })
        .cloned()
}

/// Three of the four classes (lowercase, uppercase, digits, symbols), ASCII only.
fn three_of_four(password: &str) -> bool {
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password
            .chars()
            .any(|c| c.is_ascii_punctuation() || c == ' '),
    ];
    password.is_ascii() && classes.iter().filter(|c| **c).count() >= 3
}

fn complexity_refused() -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        "Request_BadRequest",
        "The specified password does not comply with password complexity requirements. Please provide a different password.",
    )
}

fn refusal(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unauthenticated => graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
        ),
        Refusal::NotOwnUser | Refusal::WrongOrganization => graph_error(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        ),
        Refusal::UserNotFound => graph_error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            "Resource does not exist or one of its queried reference-property objects are not present.",
        ),
        Refusal::CurrentPasswordWrong => graph_error(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "The current password is incorrect.",
        ),
        Refusal::Unchanged => graph_error(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "The new password cannot be the previous password.",
        ),
        _ => complexity_refused(),
    }
}

/// `GET /v1.0/users/{id}`: an application's token.
async fn get_user(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match engine::token_owner(&shared, &headers) {
        None => return refusal(Refusal::Unauthenticated),
        Some(Some(_)) => return refusal(Refusal::NotOwnUser),
        Some(None) => {}
    }
    match find(&shared, &id) {
        Some(user) => json(
            StatusCode::OK,
            json!({
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName,accountEnabled)/$entity",
                "id": user.id,
                "userPrincipalName": principal_name(&user),
                "accountEnabled": !user.disabled,
            }),
        ),
        None => refusal(Refusal::UserNotFound),
    }
}

/// `PATCH /v1.0/users/{id}` with `passwordProfile`: an application's token resets the password
/// (no current password, no history); `forceChangePasswordNextSignIn` expires it.
async fn update_user(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match engine::token_owner(&shared, &headers) {
        None => return refusal(Refusal::Unauthenticated),
        Some(Some(_)) => return refusal(Refusal::NotOwnUser),
        Some(None) => {}
    }
    let Some(user) = find(&shared, &id) else {
        return refusal(Refusal::UserNotFound);
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Unable to read JSON request payload.",
        );
    };
    let Some(profile) = body.get("passwordProfile") else {
        return StatusCode::NO_CONTENT.into_response();
    };
    let Some(new) = str_field(profile, "password") else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "Invalid value specified for property 'password' of resource 'User'.",
        );
    };
    if !three_of_four(new) {
        return complexity_refused();
    }
    let ask = ChangeAsk {
        user_id: &user.id,
        new,
        ..ChangeAsk::default()
    };
    match engine::change(&shared, &headers, &ask, POLICY) {
        Ok(_) => {
            let force = profile
                .get("forceChangePasswordNextSignIn")
                .and_then(Value::as_bool)
                == Some(true);
            if !headers.contains_key(engine::NO_EFFECT_HEADER)
                && let Some(user) = shared.state().users.get_mut(&user.id)
            {
                user.expired = force;
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => refusal(r),
    }
}

/// `POST /v1.0/me/changePassword`: the signed-in user's own delegated token only.
async fn change_password(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let owner = match engine::token_owner(&shared, &headers) {
        None => return refusal(Refusal::Unauthenticated),
        // An application's token has no signed-in user.
        Some(None) => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "/me request is only valid with delegated authentication flow.",
            );
        }
        Some(Some(owner)) => owner,
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Unable to read JSON request payload.",
        );
    };
    let (Some(current), Some(new)) = (
        str_field(&body, "currentPassword"),
        str_field(&body, "newPassword"),
    ) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "Invalid request.",
        );
    };
    if !three_of_four(new) {
        return complexity_refused();
    }
    let ask = ChangeAsk {
        user_id: &owner,
        current: Some(current),
        new,
        ..ChangeAsk::default()
    };
    let policy = Policy {
        refuse_unchanged: true,
        ..POLICY
    };
    match engine::change(&shared, &headers, &ask, policy) {
        Ok(_) => {
            if !headers.contains_key(engine::NO_EFFECT_HEADER)
                && let Some(user) = shared.state().users.get_mut(&owner)
            {
                user.expired = false;
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => refusal(r),
    }
}

fn token_answer(token: &str) -> Response {
    json(
        StatusCode::OK,
        json!({"token_type": "Bearer", "scope": "https://graph.microsoft.com/.default", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}),
    )
}

/// `POST /{tenant}/oauth2/v2.0/token`: the tenant, the client, then (password grant) the user:
/// unknown, disabled, then the password, then an expired one.
async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    if !tenant.eq_ignore_ascii_case(TENANT) {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            "Tenant not found.",
        );
    }
    let form = crate::form::pairs(&body);
    let field = |name: &str| form.get(name).map(String::as_str);
    match (field("grant_type"), field("client_id")) {
        (Some("client_credentials"), Some(id)) if id == CLIENT.0 => {
            if field("client_secret") != Some(CLIENT.1) {
                return token_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    7_000_215,
                    "Invalid client secret provided.",
                );
            }
            token_answer(&shared.issue_token())
        }
        (Some("password"), Some(LOGIN_CLIENT)) => {
            let (Some(username), Some(password)) = (field("username"), field("password")) else {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    900_144,
                    "The request body must contain the following parameter: 'username'.",
                );
            };
            let Some(user) = find(&shared, username) else {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    50034,
                    "The user account does not exist in the directory.",
                );
            };
            if user.disabled {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    50057,
                    "The user account is disabled.",
                );
            }
            match engine::log_in(&shared, |u| u.id == user.id, password) {
                None => token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    50126,
                    "Error validating credentials due to invalid username or password.",
                ),
                Some(user) if user.expired => token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    50055,
                    "The password is expired.",
                ),
                Some(user) => {
                    let token = shared.issue_token_for(Some(user.id));
                    token_answer(&token)
                }
            }
        }
        (Some("password"), Some(_)) => token_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            7_000_218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ),
        (_, Some(_)) => token_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700_016,
            "Application was not found in the directory.",
        ),
        _ => token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900_144,
            "The request body must contain the following parameter: 'client_id'.",
        ),
    }
}

#[cfg(test)]
mod tests;
