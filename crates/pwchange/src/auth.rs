//! Where a backend's bearer token comes from: a static token, or a vendor login whose token is
//! cached and renewed once when the vendor says it is no longer valid.

use pwchange_core::SecretToken;
use tokio::sync::Mutex;

use crate::http::BoxFuture;
use crate::{Error, ErrorKind};

/// A static token, or login credentials `L` with the cached token they produced.
#[derive(Debug)]
pub(crate) enum TokenSource<L> {
    Static(SecretToken),
    Login {
        credentials: L,
        cached: Mutex<Option<SecretToken>>,
    },
}

impl<L> TokenSource<L> {
    pub fn login(credentials: L) -> Self {
        TokenSource::Login {
            credentials,
            cached: Mutex::new(None),
        }
    }

    /// Runs `op` with a token. With login credentials, logs in when no token is cached; when
    /// `op` fails with [`ErrorKind::Unauthenticated`] using a *cached* token (it may have
    /// expired), logs in again and runs `op` once more. A 401 means the change was not applied,
    /// so the second attempt cannot apply it twice.
    pub async fn with_token<'s, 'f, T>(
        &'s self,
        login: impl Fn(&'s L) -> BoxFuture<'f, Result<SecretToken, Error>>,
        op: impl Fn(SecretToken) -> BoxFuture<'f, Result<T, Error>>,
    ) -> Result<T, Error> {
        match self {
            TokenSource::Static(token) => op(token.clone()).await,
            TokenSource::Login {
                credentials,
                cached,
            } => {
                let held = cached.lock().await.clone();
                let (token, was_cached) = match held {
                    Some(token) => (token, true),
                    None => {
                        let token = login(credentials).await?;
                        *cached.lock().await = Some(token.clone());
                        (token, false)
                    }
                };
                match op(token).await {
                    Err(e) if e.kind() == ErrorKind::Unauthenticated && was_cached => {
                        tracing::debug!("cached login token refused; logging in again");
                        let token = login(credentials).await?;
                        *cached.lock().await = Some(token.clone());
                        op(token).await
                    }
                    other => other,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn token(n: u32) -> SecretToken {
        SecretToken::new(format!("token-{n}")).unwrap()
    }

    fn answer(result: Result<String, Error>) -> BoxFuture<'static, Result<String, Error>> {
        Box::pin(async move { result })
    }

    #[tokio::test]
    async fn a_refused_cached_token_is_renewed_once() {
        let logins = AtomicU32::new(0);
        let source = TokenSource::login(());
        let login = |_: &()| -> BoxFuture<'static, Result<SecretToken, Error>> {
            let t = token(logins.fetch_add(1, Ordering::SeqCst));
            Box::pin(async move { Ok(t) })
        };
        // First call logs in and succeeds.
        let first = source
            .with_token(login, |t| answer(Ok(t.expose_secret().to_owned())))
            .await
            .unwrap();
        assert_eq!(first, "token-0");
        // The vendor now refuses token-0: one new login, one retry.
        let second = source
            .with_token(login, |t| {
                answer(if t.expose_secret() == "token-0" {
                    Err(Error::new(ErrorKind::Unauthenticated, "expired"))
                } else {
                    Ok(t.expose_secret().to_owned())
                })
            })
            .await
            .unwrap();
        assert_eq!(second, "token-1");
        assert_eq!(logins.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_fresh_token_that_is_refused_is_not_retried() {
        let logins = AtomicU32::new(0);
        let source = TokenSource::login(());
        let login = |_: &()| -> BoxFuture<'static, Result<SecretToken, Error>> {
            let t = token(logins.fetch_add(1, Ordering::SeqCst));
            Box::pin(async move { Ok(t) })
        };
        let err = source
            .with_token(login, |_| {
                answer(Err(Error::new(ErrorKind::Unauthenticated, "no")))
            })
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthenticated);
        assert_eq!(logins.load(Ordering::SeqCst), 1);
    }
}
