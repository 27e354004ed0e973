#![doc = include_str!("../README.md")]

#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::unwrap_used)]
mod generated;

pub use generated::*;
pub use pwchange_core::{
    BoundedPassword, ClientContext, Credentials, SecretToken, UnboundedPassword,
};

pwchange_core::impl_client_hooks!(Client);

/// The forms of the Identity base URL, one per UiPath product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityBase {
    /// Automation Cloud, organization-scoped: `https://{domain}/{organization}/identity_`.
    AutomationCloud {
        /// Usually `cloud.uipath.com`.
        domain: String,
        /// The organization's URL name.
        organization: String,
    },
    /// Automation Suite (and Automation Cloud without organization): `https://{domain}/identity_`.
    AutomationSuite {
        /// The installation's host.
        domain: String,
    },
    /// Standalone Orchestrator: `https://{domain}/identity`.
    Orchestrator {
        /// The Orchestrator host.
        domain: String,
    },
}

impl IdentityBase {
    /// The base URL to give [`Client::new`].
    pub fn url(&self) -> String {
        match self {
            IdentityBase::AutomationCloud {
                domain,
                organization,
            } => {
                format!("https://{domain}/{organization}/identity_")
            }
            IdentityBase::AutomationSuite { domain } => format!("https://{domain}/identity_"),
            IdentityBase::Orchestrator { domain } => format!("https://{domain}/identity"),
        }
    }
}

/// The scopes the client-credentials grant asks for unless told otherwise.
pub const DEFAULT_SCOPE: &str = "PM.User PM.User.Write";

/// UiPath's login protocol for an external application: the OAuth client-credentials grant at
/// `POST {identity}/connect/token`; the token is the response's `access_token`.
pub async fn client_credentials_token(
    client: &Client,
    client_id: &str,
    client_secret: &SecretToken,
    scope: &str,
) -> Result<SecretToken, Error<types::OAuthError>> {
    let body = types::TokenRequest {
        grant_type: "client_credentials".into(),
        client_id: client_id.to_owned(),
        client_secret: client_secret.clone(),
        scope: Some(scope.to_owned()),
        username: None,
        password: None,
    };
    Ok(client
        .create_token()
        .body(body)
        .send()
        .await?
        .into_inner()
        .access_token)
}

#[cfg(test)]
mod tests {
    use super::IdentityBase;

    #[test]
    fn identity_base_urls_follow_the_spec_servers() {
        let cloud = IdentityBase::AutomationCloud {
            domain: "cloud.uipath.com".into(),
            organization: "acme".into(),
        };
        assert_eq!(cloud.url(), "https://cloud.uipath.com/acme/identity_");
        let suite = IdentityBase::AutomationSuite {
            domain: "uipath.example.com".into(),
        };
        assert_eq!(suite.url(), "https://uipath.example.com/identity_");
        let orch = IdentityBase::Orchestrator {
            domain: "orch.example.com".into(),
        };
        assert_eq!(orch.url(), "https://orch.example.com/identity");
    }
}
