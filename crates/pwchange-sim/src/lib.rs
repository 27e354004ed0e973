#![doc = include_str!("../README.md")]

pub mod contract;
mod engine;
mod form;
mod limits;
mod model;
pub mod openbao;
pub mod raw;
mod server;
mod state;
mod vendors;

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use contract::{Contract, Violation};
pub use limits::{Latency, RateLimit, parse_duration};
pub use model::{Fault, FaultMix, SimPolicy, SimUser, WrongOrganization};
use state::{Shared, State};

pub use pwchange_core::Vendor;

/// The demo user [`Simulator::start_with_demo_users`] seeds for `vendor`.
pub fn demo_user(vendor: Vendor) -> SimUser {
    vendors::table(vendor).demo_user()
}

/// The id of the `n`-th load-test user of `vendor` (`pwchange-sim --users N`, load tests).
pub fn numbered_user_id(vendor: Vendor, n: u64) -> String {
    vendors::table(vendor).numbered_user_id(n)
}

/// A user id of `vendor`'s form that no simulator user has.
pub fn unknown_user_id(vendor: Vendor) -> &'static str {
    vendors::table(vendor).unknown_user_id()
}

/// A new password `vendor`'s default policy refuses, or `None` when the vendor documents no
/// policy the facade does not check first.
pub fn weak_password(vendor: Vendor) -> Option<&'static str> {
    vendors::table(vendor).weak_password()
}

/// The facade settings (`key`, `value`) that point a client at a simulator of `vendor` on
/// `base_url` with `token`, for the demo user: the one place tests and the demo get a client
/// for a vendor at a URL.
pub fn client_settings(vendor: Vendor, base_url: &str, token: &str) -> Vec<(&'static str, String)> {
    let mut settings = vec![
        ("base_url", base_url.to_owned()),
        ("token", token.to_owned()),
    ];
    settings.extend(vendors::table(vendor).client_settings(base_url));
    settings
}

/// Login credentials (`key`, `value`) the simulator of `vendor` accepts instead of a token, for
/// the demo user; empty when the vendor has no login.
pub fn login_settings(vendor: Vendor) -> Vec<(&'static str, String)> {
    vendors::table(vendor).login_settings()
}

/// What the facade reports for a self-service change of a user `vendor` does not have:
/// [`UserNotFound`](pwchange_core::ErrorKind::UserNotFound), or what the vendor answers alike
/// (e.g. a wrong current password).
pub fn unknown_user_expected(vendor: Vendor) -> pwchange_core::ErrorKind {
    vendors::table(vendor).unknown_user_expected()
}

/// How many logins with the current password a self-service change of `vendor` makes before
/// the request that changes the password: a fault meant for the change waits for them
/// (queue as many `Fault::Latency(Duration::ZERO)` first), and they count as logins.
pub fn logins_before_a_self_service_change(vendor: Vendor) -> usize {
    vendors::table(vendor).logins_before_a_self_service_change()
}

/// The `n`-th load-test user of `vendor` with `password`, as the demo user is made: its
/// organization, and a login of its own (`u<n>-` before the demo user's) where the demo user has
/// one (a Cloud Director user logs in as user@organization).
pub fn numbered_user(vendor: Vendor, n: u64, password: &str) -> SimUser {
    let demo = demo_user(vendor);
    let mut user = SimUser::new(numbered_user_id(vendor, n), password);
    user.organization = demo.organization;
    user.login = demo.login.map(|login| format!("u{n}-{login}"));
    user
}

/// Characters `vendor`'s user ids may hold that most vendors' do not (they are sent
/// percent-encoded, so they never change a request's path).
pub fn user_id_characters(vendor: Vendor) -> &'static str {
    vendors::table(vendor).user_id_characters()
}

/// Whether `vendor` has a self-service change (a user's own, with the current password) the
/// simulator serves: where it has none, generic tests make an administrative set.
pub fn offers_self_service(vendor: Vendor) -> bool {
    vendors::table(vendor).offers_self_service()
}

/// Whether `vendor` checks the token of a self-service change (some check only the current
/// password): where it does not, only an administrative set shows a refused token.
pub fn self_service_checks_token(vendor: Vendor) -> bool {
    vendors::table(vendor).self_service_checks_token()
}

/// Whether `vendor`'s own `503` carries its error body, so the facade reads it as "unavailable,
/// nothing applied"; a bare `503` proves nothing (a proxy's may follow an applied change).
pub fn unavailable_in_own_body(vendor: Vendor) -> bool {
    vendors::table(vendor).unavailable_in_own_body()
}

/// The wrong-organization scenario of `vendor`, when the vendor has organizations.
pub fn wrong_organization(vendor: Vendor) -> Option<WrongOrganization> {
    vendors::table(vendor).wrong_organization()
}

/// Whether `vendor`'s `429` over its rate limit says how long to wait (`Retry-After`, or the
/// vendor's own header): read from the answer the simulator sends.
pub fn rate_limit_says_when(vendor: Vendor) -> bool {
    let answer = vendors::table(vendor).rate_limited(Duration::from_secs(2), "/");
    let says_two = ["retry-after", "ratelimit-reset"]
        .iter()
        .any(|name| answer.headers().get(*name).is_some_and(|v| v == "2"));
    // A reset as a moment in Unix seconds: two seconds from now.
    let moment = |name: &str| {
        let reset = answer
            .headers()
            .get(name)?
            .to_str()
            .ok()?
            .parse::<u64>()
            .ok()?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs();
        Some((1..=3).contains(&reset.saturating_sub(now)))
    };
    says_two
        || ["x-rate-limit-reset", "x-ratelimit-reset"]
            .iter()
            .any(|name| moment(name) == Some(true))
}

/// Headers a raw client (schemathesis, curl) needs besides the bearer token.
pub fn required_headers(vendor: Vendor) -> Vec<(&'static str, String)> {
    vendors::table(vendor).required_headers()
}

impl Contract {
    /// The contract of `vendor`, from the spec compiled into this crate. (Here, beside the
    /// simulator, because the spec is the vendor table's: the contract module names no vendor.)
    pub fn load(vendor: Vendor) -> Self {
        Self::from_yaml(&vendor.spec_path(), vendors::table(vendor).spec())
    }
}

/// One running vendor simulator. Stops when dropped.
pub struct Simulator {
    shared: Arc<Shared>,
    base_url: String,
    token: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("vendor", &self.shared.vendor)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl Simulator {
    /// Starts `vendor` on an ephemeral loopback port, with no users.
    pub async fn start(vendor: Vendor) -> std::io::Result<Self> {
        Self::start_on(vendor, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts `vendor` on `addr` (use port 0 for an ephemeral one).
    pub async fn start_on(vendor: Vendor, addr: SocketAddr) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            vendor,
            contract: Contract::load(vendor),
            state: Mutex::new(State {
                users: HashMap::new(),
                tokens: HashMap::new(),
                faults: VecDeque::new(),
                violations: Vec::new(),
                sequence: 1,
                commits: 0,
                proxy_page_at_change: None,
                requests: 0,
                mix: None,
                sessions: HashSet::new(),
                logins: HashMap::new(),
                reset_codes: HashMap::new(),
                policy: None,
                accounts: HashMap::new(),
                limiter: None,
                latency: None,
                jitter: 0x9E37_79B9_7F4A_7C15,
                rate_limited: 0,
            }),
        });
        let token = shared.issue_token();
        let (base_url, shutdown) = server::serve(shared.clone(), addr).await?;
        Ok(Self {
            shared,
            base_url,
            token,
            shutdown: Some(shutdown),
        })
    }

    /// Starts `vendor` with its [`demo_user`].
    pub async fn start_with_demo_users(vendor: Vendor) -> std::io::Result<Self> {
        let sim = Self::start(vendor).await?;
        sim.add_user(demo_user(vendor));
        Ok(sim)
    }

    /// The vendor.
    pub fn vendor(&self) -> Vendor {
        self.shared.vendor
    }

    /// `http://127.0.0.1:<port>`: the base URL for the vendor's client (the `base_url` setting).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A bearer token the simulator accepts.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Forgets every user, queued fault and violation (tokens stay valid): a clean slate for the
    /// next scenario on a long-lived simulator (e.g. one behind a proxy on a fixed port).
    pub fn reset(&self) {
        let mut state = self.shared.state();
        state.users.clear();
        state.faults.clear();
        state.violations.clear();
        state.mix = None;
        state.sessions.clear();
        state.logins.clear();
        state.reset_codes.clear();
        state.policy = None;
        state.accounts.clear();
        state.limiter = None;
        state.latency = None;
        state.rate_limited = 0;
    }

    /// Limits the requests the vendor answers ([`RateLimit`]; `None`: no limit, the default).
    /// Every request counts, reads included; one over the limit gets the vendor's `429` with
    /// the wait until the next token (as `Retry-After` or the vendor's own header, per
    /// vendor), and never reaches the vendor.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.shared.state().limiter =
            limit.map(|limit| limits::TokenBucket::new(limit, std::time::Instant::now()));
    }

    /// Delays every answer ([`Latency`]; `None`: none, the default), `429`s included.
    pub fn set_latency(&self, latency: Option<Latency>) {
        self.shared.state().latency = latency;
    }

    /// How many requests the rate limit ([`Simulator::set_rate_limit`]) refused.
    pub fn rate_limited(&self) -> u64 {
        self.shared.state().rate_limited
    }

    /// Enforces `policy` instead of the vendor's default (`None`: the default again), on every
    /// change and in the vendor's policy endpoint, where it has one.
    pub fn set_password_policy(&self, policy: Option<SimPolicy>) {
        self.shared.state().policy = policy;
    }

    /// Starts a password reset for `user_id` as the vendor does when the user asks for one:
    /// returns the verification code the user would receive (one pending code per user; a
    /// successful reset consumes it).
    pub fn start_password_reset(&self, user_id: &str) -> String {
        let code: String = uuid::Uuid::new_v4().simple().to_string()[..8].to_uppercase();
        self.shared
            .state()
            .reset_codes
            .insert(user_id.to_owned(), code.clone());
        code
    }

    /// Adds or replaces a user.
    pub fn add_user(&self, user: SimUser) {
        self.shared.state().users.insert(user.id.clone(), user);
    }

    /// The user's current password.
    pub fn password(&self, user_id: &str) -> Option<String> {
        self.shared
            .state()
            .users
            .get(user_id)
            .map(|u| u.password.clone())
    }

    /// Injects `fault` into the next request (faults queue up, one per request). The vendor's
    /// harmless reads (its password policy endpoint) skip faults: a fault is meant for the
    /// change, the login or the verification that follows.
    pub fn inject(&self, fault: Fault) {
        self.shared.state().faults.push_back(fault);
    }

    /// Queues `fault` for the request that changes the password in a self-service change:
    /// after the requests the vendor sends before it ([`logins_before_a_self_service_change`]:
    /// a login with the current password, where that is the proof), which pass unharmed.
    pub fn inject_at_self_service_change(&self, fault: Fault) {
        for _ in 0..logins_before_a_self_service_change(self.vendor()) {
            self.inject(Fault::Latency(std::time::Duration::ZERO));
        }
        self.inject(fault);
    }

    /// A proxy's own HTML page with `status` in place of the vendor's answer to the next request
    /// that changes a password (whatever requests come before it: a login, a read of the user),
    /// after the vendor applied the change (`applied`) or without it, as if the proxy had
    /// refused before forwarding. See [`Fault::ProxyPageAfterApply`].
    pub fn proxy_page_at_change(&self, status: u16, applied: bool) {
        self.shared.state().proxy_page_at_change = Some((status, applied));
    }

    /// Whether the page of [`proxy_page_at_change`](Self::proxy_page_at_change) still waits for
    /// a change (no request changed a password since).
    pub fn proxy_page_pending(&self) -> bool {
        self.shared.state().proxy_page_at_change.is_some()
    }

    /// Injects faults at random into a share of every following request (`None` stops it).
    pub fn inject_random(&self, mix: Option<FaultMix>) {
        self.shared.state().mix = mix.map(|m| (m, m.seed.max(1)));
    }

    /// How many password logins (accepted or refused) named `user_id` so far: the verification
    /// logins a client made.
    pub fn logins(&self, user_id: &str) -> u32 {
        self.shared
            .state()
            .logins
            .get(user_id)
            .copied()
            .unwrap_or(0)
    }

    /// How many sessions opened by password logins are still open (for vendors whose sessions
    /// are deleted explicitly).
    pub fn open_sessions(&self) -> usize {
        self.shared.state().sessions.len()
    }

    /// How many requests arrived, not counting the harmless reads that faults skip (the
    /// password policy): the changes, logins and verifications.
    pub fn requests(&self) -> u64 {
        self.shared.state().requests
    }

    /// Every contract violation so far.
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.state().violations.clone()
    }

    /// Forgets the violations so far (after a test that provoked some on purpose).
    pub fn take_violations(&self) -> Vec<Violation> {
        std::mem::take(&mut self.shared.state().violations)
    }

    /// Panics, listing each violation with its spec path, when there are any.
    #[track_caller]
    pub fn assert_no_violations(&self) {
        let violations = self.violations();
        assert!(
            violations.is_empty(),
            "{} contract violation(s) on {}:\n{}",
            violations.len(),
            self.shared.vendor,
            violations
                .iter()
                .map(|v| format!("  {v}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
