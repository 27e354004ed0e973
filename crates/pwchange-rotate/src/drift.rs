//! The drift check: does the vendor still hold the password the store (or the journal) says
//! it holds? One login per user with that password, paced like a rotation, changing nothing,
//! as Delinea's heartbeat and CyberArk's verification do.
//!
//! Each user ends [`DriftState::InSync`] (the login worked), [`DriftState::OutOfSync`] (the
//! vendor refused it: someone changed the password behind the store's back, or the account is
//! locked; either way the stored password does not work now) or [`DriftState::NotVerifiable`]
//! (no login could tell: the vendor has no password login, the store has no secret for the
//! user, or the login's answer proved nothing after its retries).
//!
//! A refused login counts towards the vendor's lockout: run the check at a pace the vendor's
//! lockout policy allows, and not in a loop.

use std::sync::Arc;

use pwchange::{Client, Error, ErrorKind, Password};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::pacing::{self, Pacer, PacingConfig};

/// One user to check, with the password to log in with. No `Debug`: it holds the password.
pub struct DriftUser {
    /// The user, in the vendor's canonical form.
    pub user_id: String,
    /// The name the user logs in with, where the vendor needs one besides the id.
    pub login_name: Option<String>,
    /// The password the store (or the journal) says the vendor holds; `None` where it has none
    /// (the result is then [`DriftState::NotVerifiable`], and no login is made).
    pub password: Option<Zeroizing<String>>,
    /// Where the password came from, for the report (`store version 3`, `journal`).
    pub source: String,
}

/// What the check found for one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DriftState {
    /// A login with the password worked.
    InSync,
    /// The vendor refused a login with the password.
    OutOfSync,
    /// Nothing could tell (see the module docs).
    NotVerifiable,
}

impl DriftState {
    /// Its name in results: `in_sync`, `out_of_sync`, `not_verifiable`.
    pub fn name(self) -> &'static str {
        match self {
            DriftState::InSync => "in_sync",
            DriftState::OutOfSync => "out_of_sync",
            DriftState::NotVerifiable => "not_verifiable",
        }
    }
}

/// One user's result. No password: messages are redacted with every password checked.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DriftResult {
    /// The user.
    pub user_id: String,
    /// What the check found.
    pub state: DriftState,
    /// Where the password came from.
    pub source: String,
    /// The error's kind, where the login did not succeed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ErrorKind>,
    /// Why, in words, where the login did not succeed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The counts of a check.
#[derive(Debug, Default, Clone, Serialize, schemars::JsonSchema)]
pub struct DriftSummary {
    /// Users checked.
    pub total: usize,
    /// In sync.
    pub in_sync: usize,
    /// Out of sync.
    pub out_of_sync: usize,
    /// Not verifiable.
    pub not_verifiable: usize,
}

/// Logs in once as each of `users` with its password, within `pacing` (a login refused for now,
/// `429` or `503`, is tried again as a rotation's change is), and calls `on_result` with each
/// user's result as it comes. Changes nothing.
pub async fn check(
    client: &Client,
    users: Vec<DriftUser>,
    pacing: PacingConfig,
    on_result: impl Fn(&DriftResult) + Send + Sync + 'static,
) -> DriftSummary {
    let mut redactor = pwchange::Redactor::default();
    for user in &users {
        if let Some(password) = &user.password {
            redactor.add_maskable(password);
        }
    }
    let shared = Arc::new((client.clone(), redactor, on_result));
    let mut summary = DriftSummary::default();
    let mut tasks = tokio::task::JoinSet::new();
    let pacer = Arc::new(Pacer::new(pacing));
    for user in users {
        summary.total += 1;
        let slot = pacer.slot().await;
        let shared = shared.clone();
        let pacer = pacer.clone();
        tasks.spawn(async move {
            let (client, redactor, on_result) = &*shared;
            let result = check_one(client, redactor, &pacer, user, slot).await;
            on_result(&result);
            result.state
        });
    }
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(DriftState::InSync) => summary.in_sync += 1,
            Ok(DriftState::OutOfSync) => summary.out_of_sync += 1,
            Ok(DriftState::NotVerifiable) | Err(_) => summary.not_verifiable += 1,
        }
    }
    summary
}

async fn check_one(
    client: &Client,
    redactor: &pwchange::Redactor,
    pacer: &Arc<Pacer>,
    user: DriftUser,
    slot: pacing::Slot,
) -> DriftResult {
    let DriftUser {
        user_id,
        login_name,
        password,
        source,
    } = user;
    let result = |state, error: Option<&Error>| DriftResult {
        user_id: user_id.clone(),
        state,
        source: source.clone(),
        kind: error.map(Error::kind),
        message: error.map(ToString::to_string),
    };
    let Some(password) = password else {
        drop(slot);
        let error = Error::new(
            ErrorKind::InvalidInput,
            format!("no password to check: {source}"),
        );
        return result(DriftState::NotVerifiable, Some(&error));
    };
    let password = Password::new(password.as_str());
    let mut slot = Some(slot);
    let mut attempt = 1;
    loop {
        let login = client
            .verify_password(&user_id, login_name.as_deref(), &password)
            .await
            .map_err(|e| e.redact(redactor));
        drop(slot.take());
        let error = match login {
            Ok(()) => return result(DriftState::InSync, None),
            Err(e) if e.kind() == ErrorKind::VerificationFailed => {
                return result(DriftState::OutOfSync, Some(&e));
            }
            Err(e) => e,
        };
        let wait = error
            .is_temporary()
            .then(|| pacing::retry_wait(attempt, error.retry_after(), pacing::roll()))
            .flatten();
        let Some(wait) = wait else {
            return result(DriftState::NotVerifiable, Some(&error));
        };
        tokio::time::sleep(wait).await;
        slot = Some(pacer.retry_slot().await);
        attempt += 1;
    }
}
