#![doc = include_str!("../README.md")]

#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::unwrap_used)]
mod generated;

pub use generated::*;
pub use pwchange_core::{
    BoundedPassword, ClientContext, Credentials, SecretToken, UnboundedPassword,
};

pwchange_core::impl_client_hooks!(Client);

/// Bienport's login protocol: `POST /api/auth/login` with a screen name and password; the
/// session token is the response's `token` (valid 3 hours: `rememberMe` is false).
pub async fn log_in(
    client: &Client,
    screen_name: &str,
    password: &str,
) -> Result<SecretToken, Error<types::ErrorResponse>> {
    let body = types::LoginRequest {
        screen_name: screen_name.to_owned(),
        password: pwchange_core::UnboundedPassword::any(password),
        remember_me: Some(false),
    };
    Ok(client.login().body(body).send().await?.into_inner().token)
}
