//! The state a running simulator shares between its server, the shared change flow and the
//! vendor tables.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard};

use crate::Vendor;
use crate::contract::{Contract, Violation};
use crate::limits::{self, Latency};
use crate::model::{Fault, FaultMix, SimPolicy, SimUser};

/// What a vendor keeps about a user besides the password, for the vendors that model it: the
/// password history, failed logins and lockout, an expired password.
#[derive(Debug, Clone, Default)]
pub(crate) struct Account {
    /// Earlier passwords, oldest first (the current one is not in it).
    pub history: Vec<String>,
    /// Failed logins (and wrong current passwords) since the last success.
    pub failures: u32,
    /// Locked until then, after too many failures.
    pub locked_until: Option<std::time::Instant>,
    /// The password is expired: a login with it is refused as expired (after checking it).
    pub expired: bool,
}

pub(crate) struct State {
    pub users: HashMap<String, SimUser>,
    /// Accepted tokens, each bound to the user who logged in (None: any user).
    pub tokens: HashMap<String, Option<String>>,
    pub faults: VecDeque<Fault>,
    pub violations: Vec<Violation>,
    pub sequence: u64,
    pub requests: u64,
    pub mix: Option<(FaultMix, u64)>,
    /// Sessions opened by password logins that stay open until deleted.
    pub sessions: HashSet<String>,
    /// Password logins per user id, accepted or refused.
    pub logins: HashMap<String, u32>,
    /// The verification code of each user's pending password reset.
    pub reset_codes: HashMap<String, String>,
    /// The policy that replaces the vendor's default, when set.
    pub policy: Option<SimPolicy>,
    /// What the vendor keeps about each user besides the password (password history, failed
    /// logins, an expired password), for the vendors whose tables use it.
    pub accounts: HashMap<String, Account>,
    /// The vendor's rate limit, when set.
    pub limiter: Option<limits::TokenBucket>,
    /// The latency added to every answer, when set.
    pub latency: Option<Latency>,
    /// The state of the latency's jitter.
    pub jitter: u64,
    /// Requests the rate limit refused.
    pub rate_limited: u64,
    /// Changes that passed every check (applied, or left without effect by a fault).
    pub commits: u64,
    /// A proxy's page to send in place of the answer to the next change that passes every
    /// check: its status, and whether the change is applied first.
    pub proxy_page_at_change: Option<(u16, bool)>,
}

impl State {
    /// The fault for the next request: a queued one first, else one from the mix.
    pub fn next_fault(&mut self) -> Option<Fault> {
        if let Some(fault) = self.faults.pop_front() {
            return Some(fault);
        }
        let (mix, rng) = self.mix.as_mut()?;
        mix.pick(rng)
    }
}

pub(crate) struct Shared {
    pub vendor: Vendor,
    pub contract: Contract,
    pub(crate) state: Mutex<State>,
}

impl Shared {
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A new token the simulator accepts from now on, bound to `user` when given.
    pub fn issue_token_for(&self, user: Option<String>) -> String {
        let token = format!("sim-{}-{}", self.vendor, uuid::Uuid::new_v4().simple());
        self.state().tokens.insert(token.clone(), user);
        token
    }

    pub fn issue_token(&self) -> String {
        self.issue_token_for(None)
    }
}
