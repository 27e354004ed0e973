#![doc = include_str!("../README.md")]

#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::unwrap_used)]
mod generated;

pub use generated::*;
pub use pwchange_core::{
    BoundedPassword, ClientContext, Credentials, SecretToken, UnboundedPassword,
};

use reqwest::header::{ACCEPT, HeaderValue};

pwchange_core::impl_client_hooks!(Client);

/// The API version the spec was written for and [`context`] callers usually pass.
pub const DEFAULT_API_VERSION: &str = "38.0";
/// The oldest API version that has `changePassword`.
pub const MIN_API_VERSION: (u32, u32) = (36, 3);
/// The response header that carries the session's access token.
pub const ACCESS_TOKEN_HEADER: &str = "x-vmware-vcloud-access-token";

/// The client context for Cloud Director: `credentials` plus
/// `Accept: application/json;version=<api_version>` on every request.
///
/// `api_version` is `<major>.<minor>` (Cloud Director, at least [`MIN_API_VERSION`]) or
/// `<major>.<minor>.<patch>` with a major version below [`FIRST_VCD_API_MAJOR`] (VCF Automation
/// 9.x reports its API as e.g. `9.1.0`, at least [`MIN_VCF_AUTOMATION_VERSION`]); it is sent as
/// given.
pub fn context(
    credentials: Credentials,
    api_version: &str,
) -> Result<ClientContext, InvalidApiVersion> {
    check_api_version(api_version)?;
    let accept = HeaderValue::from_str(&format!("application/json;version={api_version}"))
        .map_err(|_| InvalidApiVersion::Malformed(api_version.to_owned()))?;
    Ok(ClientContext::with_credentials(credentials).with_header(ACCEPT, accept))
}

/// Cloud Director API versions start at this major version (`38.0`); smaller ones are VCF
/// Automation's (`9.1.0`).
pub const FIRST_VCD_API_MAJOR: u32 = 20;
/// The oldest VCF Automation version (its API has `changePassword` and the user endpoints).
pub const MIN_VCF_AUTOMATION_VERSION: (u32, u32) = (9, 0);

/// Checks an API version: Cloud Director's `<major>.<minor>` (at least [`MIN_API_VERSION`]) or
/// VCF Automation's `<major>.<minor>[.<patch>]` (at least [`MIN_VCF_AUTOMATION_VERSION`]).
pub fn check_api_version(api_version: &str) -> Result<(), InvalidApiVersion> {
    let malformed = || InvalidApiVersion::Malformed(api_version.to_owned());
    let parts = api_version
        .split('.')
        .map(|part| {
            (!part.is_empty() && part.len() <= 4 && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse::<u32>().ok())
                .flatten()
        })
        .collect::<Option<Vec<u32>>>()
        .ok_or_else(malformed)?;
    let version = match parts[..] {
        [major, minor] => (major, minor),
        [major, minor, _patch] if major < FIRST_VCD_API_MAJOR => (major, minor),
        _ => return Err(malformed()),
    };
    let minimum = if version.0 < FIRST_VCD_API_MAJOR {
        MIN_VCF_AUTOMATION_VERSION
    } else {
        MIN_API_VERSION
    };
    if version < minimum {
        return Err(InvalidApiVersion::TooOld(api_version.to_owned()));
    }
    Ok(())
}

/// Why [`context`] refused an API version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidApiVersion {
    /// Neither `<major>.<minor>` nor VCF Automation's `<major>.<minor>.<patch>`.
    #[error(
        "Cloud Director API version {0:?} is not of the form <major>.<minor> (e.g. \"38.0\"), or <major>.<minor>.<patch> for VCF Automation (e.g. \"9.1.0\")"
    )]
    Malformed(String),
    /// Older than 36.3 (Cloud Director) or 9.0 (VCF Automation).
    #[error(
        "Cloud Director API version {0} is too old: pwchange needs 36.3 or later (VCF Automation: 9.0 or later)"
    )]
    TooOld(String),
}

/// Reads the access token from a session login response (`X-VMWARE-VCLOUD-ACCESS-TOKEN`).
pub fn access_token<T>(response: &ResponseValue<T>) -> Result<SecretToken, MissingAccessToken> {
    let value = response
        .headers()
        .get(ACCESS_TOKEN_HEADER)
        .ok_or(MissingAccessToken)?;
    let text = value.to_str().map_err(|_| MissingAccessToken)?;
    SecretToken::new(text).map_err(|_| MissingAccessToken)
}

/// A login response without a usable `X-VMWARE-VCLOUD-ACCESS-TOKEN` header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the Cloud Director login response has no usable X-VMWARE-VCLOUD-ACCESS-TOKEN header")]
pub struct MissingAccessToken;

/// Cloud Director's login protocol: `POST /cloudapi/1.0.0/sessions` with the Basic credentials
/// of `client`'s [`context`] (`user@org`), or `/sessions/provider` when the organization is
/// `System`; the token is in the `X-VMWARE-VCLOUD-ACCESS-TOKEN` response header.
pub async fn log_in(client: &Client, username: &str) -> Result<SecretToken, Error<types::Error>> {
    let response = if is_provider(username) {
        client.provider_login().send().await?
    } else {
        client.login().send().await?
    };
    access_token(&response).map_err(|e| Error::Custom(e.to_string()))
}

/// Whether `user@org` names the provider organization `System`.
pub fn is_provider(username: &str) -> bool {
    username
        .rsplit_once('@')
        .is_some_and(|(_, org)| org.eq_ignore_ascii_case("system"))
}
