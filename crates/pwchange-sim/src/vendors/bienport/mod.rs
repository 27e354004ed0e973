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

use super::{App, VendorTable, json, str_field};
use crate::engine::{self, ChangeAsk, Policy, Refusal};
use crate::model::{SimUser, WrongOrganization};
use crate::state::Shared;

pub(super) struct Bienport;

const DEMO_ORGANIZATION: &str = "20635";

impl VendorTable for Bienport {
    fn spec(&self) -> &'static str {
        include_str!("../../../specs/bienport.yaml")
    }

    fn router(&self) -> App {
        Router::new()
            .route("/api/user/update-password", put(update_password))
            .route("/api/auth/login", post(login))
    }

    fn error(&self, status: StatusCode, message: &str, _path: &str) -> Response {
        error(status, message)
    }

    /// Its 503 body (NestJS's) is also a gateway's: it proves nothing.
    fn unavailable_in_own_body(&self) -> bool {
        false
    }

    fn demo_user(&self) -> SimUser {
        SimUser::new("12343123", "123qweasdzx")
            .login("905554447788")
            .organization(DEMO_ORGANIZATION)
    }

    fn numbered_user_id(&self, n: u64) -> String {
        (100_000_000u64 + n).to_string()
    }

    fn unknown_user_id(&self) -> &'static str {
        "999"
    }

    fn weak_password(&self) -> Option<&'static str> {
        None
    }

    fn wrong_organization(&self) -> Option<WrongOrganization> {
        Some(WrongOrganization {
            settings: vec![("organization_id", "999".into())],
            admin_set: false,
            expected: pwchange_core::ErrorKind::PermissionDenied,
        })
    }

    fn client_settings(&self, _base_url: &str) -> Vec<(&'static str, String)> {
        vec![("organization_id", DEMO_ORGANIZATION.to_owned())]
    }

    fn login_settings(&self) -> Vec<(&'static str, String)> {
        let user = self.demo_user();
        vec![
            ("screen_name", user.login.unwrap_or_default()),
            ("password", user.password),
        ]
    }

    fn required_headers(&self) -> Vec<(&'static str, String)> {
        vec![("OrganizationId", DEMO_ORGANIZATION.to_owned())]
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    json(
        status,
        json!({"statusCode": status.as_u16(), "message": message, "error": status.canonical_reason().unwrap_or_default()}),
    )
}

fn refusal(refusal: Refusal) -> Response {
    let (status, message) = match refusal {
        Refusal::Unauthenticated => (StatusCode::UNAUTHORIZED, "Unauthorized"),
        Refusal::UserNotFound => (StatusCode::NOT_FOUND, "User not found"),
        Refusal::NotOwnUser | Refusal::WrongOrganization => (
            StatusCode::FORBIDDEN,
            "Forbidden: the user is not in this organization",
        ),
        Refusal::CurrentPasswordWrong => (StatusCode::BAD_REQUEST, "Old password is wrong"),
        Refusal::ConfirmationMismatch => (StatusCode::BAD_REQUEST, "Passwords do not match"),
        _ => (StatusCode::BAD_REQUEST, "Password must not be empty"),
    };
    error(status, message)
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
    if engine::token_owner(&shared, &headers).is_none() {
        return refusal(Refusal::Unauthenticated);
    }
    let Some(org) = headers.get("organizationid").and_then(|v| v.to_str().ok()) else {
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
    let ask = ChangeAsk {
        user_id: &user_id,
        current: Some(old),
        new: first,
        confirm: Some(second),
        organization: Some(org),
        code: None,
    };
    // No documented policy beyond "not empty"; a session may change only its own password.
    match engine::change(&shared, &headers, &ask, Policy::lengths(1, usize::MAX)) {
        Ok(user) => json(StatusCode::OK, record(&user)),
        Err(r) => refusal(r),
    }
}

async fn login(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "Malformed JSON request");
    };
    let (Some(screen_name), Some(password)) =
        (str_field(&body, "screenName"), str_field(&body, "password"))
    else {
        return refusal(Refusal::Unauthenticated);
    };
    let found = engine::log_in(
        &shared,
        |u| u.login.as_deref() == Some(screen_name),
        password,
    );
    let Some(user) = found else {
        return refusal(Refusal::Unauthenticated);
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

#[cfg(test)]
mod tests;
