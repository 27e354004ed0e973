//! Bienport: bearer token plus `OrganizationId`, `password1 == password2`, the full User record
//! on success, Spring-style `{statusCode, message}` errors. No password policy is documented.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{post, put};
use serde_json::{Value, json};

use super::{App, json, str_field, token_owner};
use crate::{Shared, SimUser};

pub(super) fn router() -> App {
    Router::new()
        .route("/api/user/update-password", put(update_password))
        .route("/api/auth/login", post(login))
}

pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    json(
        status,
        json!({"statusCode": status.as_u16(), "message": message, "error": status.canonical_reason().unwrap_or_default()}),
    )
}

fn record(user: &SimUser) -> Value {
    let org: i64 = user
        .organization
        .as_deref()
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    json!({
        "userId": user.id.parse::<i64>().unwrap_or(0),
        "instanceId": 1,
        "instanceName": "bienport-sim",
        "firstName": "Ayse",
        "lastName": "Yilmaz",
        "emailAddressVerified": true,
        "status": 0,
        "screenName": user.login.clone().unwrap_or_default(),
        "emailAddress": "ayse@example.com",
        "timeZoneId": "Europe/Istanbul",
        "localeId": "tr_TR",
        "organizations": [{"name": "Simulated organization", "id": org}],
        "organizationIds": [org],
        "roles": [],
        "resources": []
    })
}

async fn update_password(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if token_owner(&shared, &headers).is_none() {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let Some(org) = headers
        .get("organizationid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "Required request header 'OrganizationId' is not present",
        );
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "Malformed JSON request");
    };
    let user_id = body
        .get("userId")
        .and_then(Value::as_i64)
        .map(|n| n.to_string())
        .unwrap_or_default();
    let (Some(old), Some(first), Some(second)) = (
        str_field(&body, "oldPassword"),
        str_field(&body, "password1"),
        str_field(&body, "password2"),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            "oldPassword, password1 and password2 are required",
        );
    };
    let mut state = shared.state();
    let Some(user) = state.users.get_mut(&user_id) else {
        return error(StatusCode::NOT_FOUND, "User not found");
    };
    if user.organization.as_deref() != Some(org.as_str()) {
        return error(
            StatusCode::FORBIDDEN,
            "Forbidden: the user is not in this organization",
        );
    }
    if old != user.password {
        return error(StatusCode::BAD_REQUEST, "Old password is wrong");
    }
    if first != second {
        return error(StatusCode::BAD_REQUEST, "Passwords do not match");
    }
    if first.is_empty() {
        return error(StatusCode::BAD_REQUEST, "Password must not be empty");
    }
    user.password = first.to_owned();
    json(StatusCode::OK, record(user))
}

async fn login(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "Malformed JSON request");
    };
    let (Some(screen_name), Some(password)) =
        (str_field(&body, "screenName"), str_field(&body, "password"))
    else {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized");
    };
    let found = shared
        .state()
        .users
        .values()
        .find(|u| u.login.as_deref() == Some(screen_name) && u.password == password)
        .cloned();
    let Some(user) = found else {
        return error(StatusCode::UNAUTHORIZED, "Unauthorized");
    };
    let token = shared.issue_token_for(Some(user.id.clone()));
    let mut response = record(&user);
    if let Some(map) = response.as_object_mut() {
        map.insert("token".into(), Value::String(token));
        map.insert("mqUser".into(), Value::String(format!("mq-{screen_name}")));
        map.insert("mqPassword".into(), Value::String("mq-sim-secret".into()));
    }
    json(StatusCode::OK, response)
}
