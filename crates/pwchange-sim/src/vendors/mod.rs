//! One module per vendor: its routes, its behaviour and its error bodies. Shared here: the
//! router and error-body dispatch, token checks, and the character-class checks of policies.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::{Shared, Vendor};

mod bienport;
mod uipath;
mod vcd;
#[allow(clippy::result_large_err)] // handlers return early responses; a simulator, not a hot path
mod zitadel;

pub(crate) type App = Router<Arc<Shared>>;

pub(crate) fn router(vendor: Vendor) -> App {
    match vendor {
        Vendor::Bienport => bienport::router(),
        Vendor::Uipath => uipath::router(),
        Vendor::Zitadel => zitadel::router(),
        Vendor::Vcd => vcd::router(),
    }
}

/// An error in the vendor's own body format (used for injected faults too).
pub(crate) fn error(vendor: Vendor, status: StatusCode, message: &str) -> Response {
    match vendor {
        Vendor::Bienport => bienport::error(status, message),
        Vendor::Uipath => uipath::error(status),
        Vendor::Zitadel => zitadel::error(status, "SIM-request", message, zitadel::DETAIL),
        Vendor::Vcd => {
            let code = match status {
                StatusCode::BAD_REQUEST => "BAD_REQUEST",
                StatusCode::TOO_MANY_REQUESTS => "TOO_MANY_REQUESTS",
                StatusCode::SERVICE_UNAVAILABLE => "SERVICE_UNAVAILABLE",
                _ => "INTERNAL_SERVER_ERROR",
            };
            vcd::error(status, code, message)
        }
    }
}

/// The vendor's answer to a request that breaks its spec.
pub(crate) fn invalid_request(vendor: Vendor, path: &str) -> Response {
    match vendor {
        Vendor::Uipath if path.ends_with("/connect/token") => json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "invalid_request"}),
        ),
        _ => error(
            vendor,
            StatusCode::BAD_REQUEST,
            "the request does not match the API",
        ),
    }
}

pub(crate) fn json(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The bearer token of the request, when it is one the simulator issued; `Some(None)` for a
/// token bound to no user.
pub(crate) fn token_owner(shared: &Shared, headers: &HeaderMap) -> Option<Option<String>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?;
    shared.state().tokens.get(token).cloned()
}

/// Which character classes a password lacks.
pub(crate) struct Classes {
    pub lower: bool,
    pub upper: bool,
    pub digit: bool,
    pub symbol: bool,
}

pub(crate) fn classes(password: &str) -> Classes {
    Classes {
        lower: password.chars().any(char::is_lowercase),
        upper: password.chars().any(char::is_uppercase),
        digit: password.chars().any(|c| c.is_ascii_digit()),
        symbol: password.chars().any(|c| !c.is_alphanumeric()),
    }
}

pub(crate) fn str_field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}
