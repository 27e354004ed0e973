//! The token a login produced, cached for the next calls and dropped when the vendor refuses it
//! (object_store's `TokenCache`, without expiry: vendors say when a token stopped working).

use tokio::sync::Mutex;

use crate::SecretToken;

/// How an adapter authenticates: a token given once, login credentials `L` whose token is
/// cached in a [`TokenCache`], or nothing (a vendor whose self-service change carries its own
/// proof, the current password, and checks no token).
#[derive(Debug, Clone)]
pub enum Auth<L> {
    /// No credentials: only requests that carry their own proof can be sent.
    None,
    /// A bearer token used as is.
    Token(SecretToken),
    /// Credentials for the vendor's login operation.
    Login(L),
}

/// The last token a login produced.
#[derive(Debug, Default)]
pub struct TokenCache {
    token: Mutex<Option<SecretToken>>,
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached token, or the one `login` produces (then cached). The flag says whether the
    /// token came from the cache, i.e. may have expired since.
    pub async fn get_or_login<E, F>(&self, login: F) -> Result<(SecretToken, bool), E>
    where
        F: Future<Output = Result<SecretToken, E>>,
    {
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref() {
            return Ok((token.clone(), true));
        }
        let token = login.await?;
        *slot = Some(token.clone());
        Ok((token, false))
    }

    /// The cached token, if any (for redaction: a vendor may echo it).
    pub async fn current(&self) -> Option<SecretToken> {
        self.token.lock().await.clone()
    }

    /// Forgets the cached token when it is still `refused` (another task may have renewed it).
    pub async fn invalidate(&self, refused: &SecretToken) {
        let mut slot = self.token.lock().await;
        if slot
            .as_ref()
            .is_some_and(|t| t.expose_secret() == refused.expose_secret())
        {
            *slot = None;
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

    #[tokio::test]
    async fn a_login_is_cached_until_its_token_is_refused() {
        let logins = AtomicU32::new(0);
        let cache = TokenCache::new();
        let login = || async { Ok::<_, ()>(token(logins.fetch_add(1, Ordering::SeqCst))) };
        let (first, cached) = cache.get_or_login(login()).await.unwrap();
        assert_eq!((first.expose_secret(), cached), ("token-0", false));
        let (again, cached) = cache.get_or_login(login()).await.unwrap();
        assert_eq!((again.expose_secret(), cached), ("token-0", true));
        // Invalidating a token that is no longer cached changes nothing.
        cache.invalidate(&token(9)).await;
        assert!(cache.get_or_login(login()).await.unwrap().1);
        cache.invalidate(&first).await;
        let (renewed, cached) = cache.get_or_login(login()).await.unwrap();
        assert_eq!((renewed.expose_secret(), cached), ("token-1", false));
        assert_eq!(logins.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_login_caches_nothing() {
        let cache = TokenCache::new();
        assert_eq!(
            cache
                .get_or_login(async { Err::<SecretToken, _>("no") })
                .await
                .unwrap_err(),
            "no"
        );
        let (t, cached) = cache
            .get_or_login(async { Ok::<_, ()>(token(1)) })
            .await
            .unwrap();
        assert_eq!((t.expose_secret(), cached), ("token-1", false));
    }
}
