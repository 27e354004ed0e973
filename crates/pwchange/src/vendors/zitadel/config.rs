//! ZITADEL's configuration: its keys and its typed configuration.

use pwchange_core::SecretToken;
use pwchange_core::http::HttpConfig;
use serde::{Deserialize, Serialize};

use super::VENDOR;
use crate::Error;
use crate::config::{Common, Key, Keys};

const API: Key = Key::plain(
    "api",
    "update_user (default), set_password (also v2; deprecated by ZITADEL) or v1 (management, administrative set only)",
);
const PROTOCOL: Key = Key::plain(
    "protocol",
    "rest (default) or connect (the Connect protocol of ZITADEL's SDKs; update_user only)",
);
const ORGANIZATION_ID: Key = Key::plain(
    "organization_id",
    "the user's organization (x-zitadel-orgid; v1 only)",
);

/// ZITADEL's keys besides the common ones.
pub(super) const KEYS: &[Key] = &[API, PROTOCOL, ORGANIZATION_ID];

/// Which ZITADEL operation changes the password.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ZitadelApi {
    /// User service v2 `UpdateUser` (`PATCH /v2/users/{userId}`), ZITADEL's recommended call:
    /// self-service, reset with a verification code, administrative set; 1..=200 characters.
    #[default]
    UpdateUser,
    /// User service v2 `SetPassword` (`POST /v2/users/{userId}/password`; deprecated by ZITADEL
    /// in favour of `UpdateUser`): the same modes, for servers without `UpdateUser`.
    SetPassword,
    /// Management API v1 `SetHumanPassword` (deprecated by ZITADEL): administrative set only,
    /// 1..=72 characters, optional organization header.
    V1,
}

/// How requests reach ZITADEL.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ZitadelProtocol {
    /// REST through grpc-gateway (`PATCH /v2/users/{userId}`).
    #[default]
    Rest,
    /// The Connect protocol, as ZITADEL's own SDKs call it
    /// (`POST /zitadel.user.v2.UserService/UpdateUser`): for servers that expose `UpdateUser`
    /// only that way. `UpdateUser` and the policy read only.
    Connect,
}

/// Configuration of a ZITADEL backend.
///
/// Settings ([`Settings`](crate::Settings), `PWCHANGE_ZITADEL_<KEY>`): the [common
/// keys](crate::COMMON_KEYS), `token` (a personal access token or OAuth access token; required),
/// `api` (`update_user`, the default; `set_password`, also spelled `v2`; or `v1`), `protocol`
/// (`rest`, the default, or `connect`; `connect` needs `update_user`) and `organization_id` (v1
/// only).
#[derive(Debug, Clone)]
pub struct ZitadelConfig {
    pub(super) http: HttpConfig,
    pub(super) token: SecretToken,
    pub(super) api: ZitadelApi,
    pub(super) protocol: ZitadelProtocol,
    pub(super) organization_id: Option<String>,
}

impl ZitadelConfig {
    /// An `UpdateUser` configuration over REST for the instance at `base_url` (e.g.
    /// `https://my-instance.zitadel.cloud`).
    pub fn new(base_url: &str, token: SecretToken) -> Result<Self, Error> {
        Ok(Self {
            http: HttpConfig::new(base_url)?,
            token,
            api: ZitadelApi::UpdateUser,
            protocol: ZitadelProtocol::Rest,
            organization_id: None,
        })
    }

    /// Which operation to call.
    pub fn api(mut self, api: ZitadelApi) -> Self {
        self.api = api;
        self
    }

    /// REST or the Connect protocol.
    pub fn protocol(mut self, protocol: ZitadelProtocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// The organization of the user (v1 `x-zitadel-orgid`), when it is not the caller's.
    pub fn organization_id(mut self, organization_id: impl Into<String>) -> Self {
        self.organization_id = Some(organization_id.into());
        self
    }

    /// The configuration from the common settings and ZITADEL's [`KEYS`].
    pub(crate) fn from_keys(common: Common, keys: &mut Keys) -> Result<Self, Error> {
        let token = common.token.ok_or_else(|| {
            keys.no_credentials(&format!(
                "token or token_file ({})",
                crate::Settings::env_name(VENDOR, "token")
            ))
        })?;
        let lower = |value: Option<String>| value.map(|v| v.trim().to_ascii_lowercase());
        let api = match lower(keys.string(API)).as_deref() {
            None | Some("update_user") => ZitadelApi::UpdateUser,
            Some("set_password" | "v2") => ZitadelApi::SetPassword,
            Some("v1") => ZitadelApi::V1,
            Some(_) => {
                return Err(Error::invalid_input(
                    "api must be update_user, set_password (v2) or v1",
                ));
            }
        };
        let protocol = match lower(keys.string(PROTOCOL)).as_deref() {
            None | Some("rest") => ZitadelProtocol::Rest,
            Some("connect") => ZitadelProtocol::Connect,
            Some(_) => return Err(Error::invalid_input("protocol must be rest or connect")),
        };
        Ok(Self {
            http: common.http,
            token,
            api,
            protocol,
            organization_id: keys.string(ORGANIZATION_ID),
        })
    }
}
