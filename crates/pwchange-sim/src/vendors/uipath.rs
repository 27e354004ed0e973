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
use axum::routing::post;
use serde_json::{Value, json};

use super::{App, classes, json, str_field, token_owner};
use crate::{Shared, UIPATH_CLIENT};

pub(super) fn router() -> App {
    Router::new()
        .route("/api/User/{user_id}/changepassword", post(change_password))
        .route("/connect/token", post(token))
}

/// UiPath sends 401/403/404/429/503 with an empty body, a 400 as problem details.
pub(crate) fn error(status: StatusCode) -> Response {
    if status == StatusCode::BAD_REQUEST {
        return problem("$", "The request is invalid.");
    }
    status.into_response()
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

async fn change_password(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if token_owner(&shared, &headers).is_none() {
        return error(StatusCode::UNAUTHORIZED);
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
    let Some(new_password) = str_field(&body, "newPassword") else {
        return problem("newPassword", "The NewPassword field is required.");
    };
    let mut state = shared.state();
    let Some(user) = state.users.get_mut(&user_id) else {
        return error(StatusCode::NOT_FOUND);
    };
    if let Some(old) = str_field(&body, "oldPassword")
        && old != user.password
    {
        return refused("PasswordMismatch", "Incorrect password.");
    }
    let c = classes(new_password);
    if new_password.chars().count() < 8 {
        return refused(
            "PasswordTooShort",
            "Passwords must be at least 8 characters.",
        );
    }
    if !c.digit {
        return refused(
            "PasswordRequiresDigit",
            "Passwords must have at least one digit ('0'-'9').",
        );
    }
    if !c.lower {
        return refused(
            "PasswordRequiresLower",
            "Passwords must have at least one lowercase ('a'-'z').",
        );
    }
    user.password = new_password.to_owned();
    json(StatusCode::OK, json!({"succeeded": true, "errors": []}))
}

async fn token(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let form: HashMap<String, String> = serde_urlencoded_pairs(&body);
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return json(
            StatusCode::BAD_REQUEST,
            json!({"error": "unsupported_grant_type"}),
        );
    }
    let (id, secret) = UIPATH_CLIENT;
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

fn serde_urlencoded_pairs(body: &[u8]) -> HashMap<String, String> {
    match crate::contract::form_to_json(body) {
        Value::Object(map) => map
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned())))
            .collect(),
        _ => HashMap::new(),
    }
}
