//! The simulated vendors: one registration line each in [`table`]; each vendor's module is its
//! table (demo user, fixtures, error bodies, how each [`Refusal`] answers) and the routes that
//! read its wire form into the shared change flow (`crate::engine`).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::Vendor;
use crate::model::{SimUser, WrongOrganization};
use crate::state::Shared;

mod auth0;
mod bienport;
mod entra;
mod google;
mod keycloak;
mod keystone;
mod okta;
mod openbao;
mod uipath;
mod vcd;
mod zitadel;

pub(crate) type App = Router<Arc<Shared>>;

/// What a vendor's simulator is made of.
pub(crate) trait VendorTable: Send + Sync {
    /// The spec text, compiled in.
    fn spec(&self) -> &'static str;
    /// The vendor's routes.
    fn router(&self) -> App;
    /// An error in the vendor's own body format, for injected faults and spec-breaking
    /// requests (`path` is the request's).
    fn error(&self, status: StatusCode, message: &str, path: &str) -> Response;
    /// The vendor's `429` for a request over its rate limit (`wait`: until the limit lets one
    /// through): by default its error body with `Retry-After` in whole seconds.
    fn rate_limited(&self, wait: Duration, path: &str) -> Response {
        with_header(
            self.error(StatusCode::TOO_MANY_REQUESTS, "rate limited", path),
            header::RETRY_AFTER,
            crate::limits::retry_after_secs(wait),
        )
    }
    /// The demo user.
    fn demo_user(&self) -> SimUser;
    /// The id of the `n`-th load-test user, in the vendor's form (distinct from the demo and
    /// unknown users).
    fn numbered_user_id(&self, n: u64) -> String;
    /// An id of the vendor's form that no user has.
    fn unknown_user_id(&self) -> &'static str;
    /// A new password the vendor's policy refuses (and the facade does not catch first).
    fn weak_password(&self) -> Option<&'static str>;
    /// A scenario where the request names an organization the demo user is not in: facade
    /// settings to add, whether the change is an administrative set, and the kind expected.
    fn wrong_organization(&self) -> Option<WrongOrganization> {
        None
    }
    /// Facade settings besides `base_url` and `token` for the demo user, for a simulator at
    /// `base_url` (a vendor with a second endpoint, a login authority, finds it there too).
    fn client_settings(&self, _base_url: &str) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// Login settings (instead of `token`) the simulator accepts.
    fn login_settings(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// The harmless reads (method, path prefix) that injected faults skip: the policy
    /// endpoints, and a record read before a change.
    fn reads(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
    /// Headers a raw client needs besides the bearer token.
    fn required_headers(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// What the facade reports for a self-service change of an unknown user.
    fn unknown_user_expected(&self) -> pwchange_core::ErrorKind {
        pwchange_core::ErrorKind::UserNotFound
    }
    /// Whether a self-service change checks the token.
    fn self_service_checks_token(&self) -> bool {
        true
    }
    /// How many logins with the current password a self-service change makes before the
    /// request that changes the password (where the vendor takes the proof as a login's token):
    /// a fault meant for the change must wait for them, and they count as logins.
    fn logins_before_a_self_service_change(&self) -> usize {
        0
    }
    /// Characters the vendor's user ids may hold that the facade would otherwise refuse in an
    /// id (Entra ID's user principal names may hold `#`, sent percent-encoded).
    fn user_id_characters(&self) -> &'static str {
        ""
    }
    /// Whether the vendor has a self-service change (Keycloak has none by API).
    fn offers_self_service(&self) -> bool {
        true
    }
    /// Whether the vendor's `503` carries its own error body, which proves that nothing was
    /// applied (else it is a bare status, which a proxy's `503` after an applied change is too).
    fn unavailable_in_own_body(&self) -> bool {
        true
    }
}

/// The vendor's table: the registration list.
pub(crate) fn table(vendor: Vendor) -> &'static dyn VendorTable {
    match vendor {
        Vendor::Bienport => &bienport::Bienport,
        Vendor::Uipath => &uipath::Uipath,
        Vendor::Zitadel => &zitadel::Zitadel,
        Vendor::Vcd => &vcd::Vcd,
        Vendor::Keystone => &keystone::Keystone,
        Vendor::Openbao => &openbao::Openbao,
        Vendor::Keycloak => &keycloak::Keycloak,
        Vendor::Okta => &okta::Okta,
        Vendor::Entra => &entra::Entra,
        Vendor::Google => &google::Google,
        Vendor::Auth0 => &auth0::Auth0,
    }
}

/// `response` with one more header.
pub(crate) fn with_header(
    mut response: Response,
    name: header::HeaderName,
    value: impl std::fmt::Display,
) -> Response {
    if let Ok(value) = HeaderValue::from_str(&value.to_string()) {
        response.headers_mut().insert(name, value);
    }
    response
}

pub(crate) fn json(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub(crate) fn str_field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}

/// A plain HTTP client for the vendors' tests (rustls needs its provider installed first).
#[cfg(test)]
fn test_client() -> reqwest::Client {
    pwchange_core::tls::ensure_default_provider();
    reqwest::Client::new()
}
