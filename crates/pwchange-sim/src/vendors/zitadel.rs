//! ZITADEL: grpc-gateway `rpcStatus` errors with error ids; default password complexity policy
//! (8 characters, lower, upper, digit, symbol).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use super::{App, classes, json, str_field, token_owner};
use crate::Shared;

pub(crate) const DETAIL: &str = "type.googleapis.com/zitadel.v1.ErrorDetail";
const CREDENTIALS: &str = "type.googleapis.com/zitadel.v1.CredentialsCheckError";

pub(super) fn router() -> App {
    Router::new()
        .route(
            "/management/v1/users/{user_id}/password",
            post(set_human_password),
        )
        .route("/v2/users/{user_id}/password", post(set_password))
}

pub(crate) fn error(status: StatusCode, id: &str, message: &str, type_url: &str) -> Response {
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

fn policy(password: &str, max: usize) -> Result<(), Response> {
    let c = classes(password);
    let refuse = |id: &str, message: &str| Err(error(StatusCode::BAD_REQUEST, id, message, DETAIL));
    if password.chars().count() > max {
        return refuse(
            "PROTO-validation",
            &format!("invalid request: password must be at most {max} characters"),
        );
    }
    if password.chars().count() < 8 {
        return refuse("COMMA-HuJf6", "Password must be at least 8 characters long");
    }
    if !c.lower {
        return refuse("COMMA-co3Xw", "Password must contain a lower case letter");
    }
    if !c.upper {
        return refuse("COMMA-VoaRj", "Password must contain an upper case letter");
    }
    if !c.digit {
        return refuse("COMMA-ZBv4H", "Password must contain a number");
    }
    if !c.symbol {
        return refuse("COMMA-ZDLwA", "Password must contain a symbol");
    }
    Ok(())
}

/// Common steps: JSON body, token, user (in the header's organization, when given).
fn prepare(
    shared: &Shared,
    headers: &HeaderMap,
    user_id: &str,
    body: &Bytes,
    org: Option<&str>,
) -> Result<(Value, String), Response> {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "SIM-json",
            "invalid JSON body",
            DETAIL,
        ));
    };
    if token_owner(shared, headers).is_none() {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "AUTH-7fs1e",
            "auth header missing or invalid",
            DETAIL,
        ));
    }
    let state = shared.state();
    let user = state
        .users
        .get(user_id)
        .filter(|u| org.is_none() || u.organization.as_deref() == org);
    let Some(user) = user else {
        return Err(error(
            StatusCode::NOT_FOUND,
            "COMMAND-uXHNj",
            "User could not be found",
            DETAIL,
        ));
    };
    Ok((body, user.password.clone()))
}

fn commit(shared: &Shared, user_id: &str, password: &str) -> Response {
    let mut state = shared.state();
    state.sequence += 1;
    let sequence = state.sequence.to_string();
    let owner = state
        .users
        .get(user_id)
        .and_then(|u| u.organization.clone())
        .unwrap_or_else(|| "69629023906488334".into());
    if let Some(user) = state.users.get_mut(user_id) {
        user.password = password.to_owned();
    }
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json(
        StatusCode::OK,
        json!({"details": {"sequence": sequence, "changeDate": now, "resourceOwner": owner}}),
    )
}

async fn set_human_password(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let org = headers
        .get("x-zitadel-orgid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (body, _) = match prepare(&shared, &headers, &user_id, &body, org.as_deref()) {
        Ok(prepared) => prepared,
        Err(response) => return response,
    };
    let Some(password) = str_field(&body, "password") else {
        return error(
            StatusCode::BAD_REQUEST,
            "PROTO-validation",
            "invalid request: password is required",
            DETAIL,
        );
    };
    if let Err(refusal) = policy(password, 72) {
        return refusal;
    }
    commit(&shared, &user_id, password)
}

async fn set_password(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (body, stored) = match prepare(&shared, &headers, &user_id, &body, None) {
        Ok(prepared) => prepared,
        Err(response) => return response,
    };
    let Some(password) = body
        .get("newPassword")
        .and_then(|n| str_field(n, "password"))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "PROTO-validation",
            "invalid request: newPassword.password is required",
            DETAIL,
        );
    };
    if let Some(current) = str_field(&body, "currentPassword")
        && current != stored
    {
        return error(
            StatusCode::BAD_REQUEST,
            "COMMAND-3M0fs",
            "Password is invalid",
            CREDENTIALS,
        );
    }
    if password == stored {
        return error(
            StatusCode::BAD_REQUEST,
            "COMMAND-Aeh3",
            "Errors.User.Password.NotChanged",
            DETAIL,
        );
    }
    if let Err(refusal) = policy(password, 200) {
        return refusal;
    }
    commit(&shared, &user_id, password)
}
