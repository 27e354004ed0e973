#![doc = include_str!("../README.md")]

pub mod contract;
mod engine;
mod limits;
pub mod raw;
mod server;
mod vendors;

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use contract::{Contract, Violation};
pub use limits::{Latency, RateLimit, parse_duration};

pub use pwchange_core::Vendor;

/// A fault the simulator injects into the next request(s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer normally, after a delay.
    Latency(Duration),
    /// `429 Too Many Requests` with `Retry-After`, without touching state.
    RateLimited {
        /// The `Retry-After` seconds.
        retry_after_secs: u64,
    },
    /// `503 Service Unavailable`, without touching state.
    Unavailable,
    /// Process the request (state changes!), send the status line and headers, then break the
    /// connection before the body.
    DropConnection,
    /// Process the request, then send a truncated JSON body.
    MalformedBody,
    /// Process the request, then send a body that breaks the spec (a contract test of the
    /// contract tests).
    BreakContract,
    /// Process the request (state changes!), then answer `504 Gateway Timeout` with the vendor's
    /// error body, as a gateway in front of the vendor does when the vendor was slow.
    GatewayTimeoutAfterApply,
    /// Answer `504 Gateway Timeout` without touching state: the gateway gave up before the
    /// vendor saw the request.
    GatewayTimeout,
    /// Answer as the request deserves, but leave the password as it was: the vendor bug where a
    /// change answers `200` and the login then fails.
    NoEffect,
    /// Process the request (state changes!), then answer this status (`502`, `503`, `504`,
    /// `408`) with a proxy's own HTML page, as a load balancer or gateway in front of the vendor
    /// does when the upstream answered late or broke off after it applied the change. The page
    /// is the proxy's, not the vendor's: the vendor's contract does not apply to it.
    ProxyPageAfterApply(u16),
    /// Answer this status with a proxy's own HTML page without touching state: the proxy
    /// refused before forwarding.
    ProxyPage(u16),
    /// Refuse with this status (a `401`, a `403`) and the vendor's error body, without touching
    /// state: e.g. a token that may change passwords but not open the sessions a verification
    /// needs.
    Refuse(u16),
}

/// Faults injected at random into a share of all requests (after any queued [`Fault`]).
///
/// ```
/// let mix = pwchange_sim::FaultMix { unavailable: 0.05, seed: 7, ..Default::default() };
/// assert_eq!(mix.no_effect, 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FaultMix {
    /// Share of requests answered `503` without touching state.
    pub unavailable: f64,
    /// Share answered `429` with `Retry-After: 1` without touching state.
    pub rate_limited: f64,
    /// Share processed (state changes) whose connection then drops before the body.
    pub dropped: f64,
    /// Share processed (state changes) and then answered `504` ([`Fault::GatewayTimeoutAfterApply`]).
    pub gateway_timeout_after_apply: f64,
    /// Share answered normally without changing the password ([`Fault::NoEffect`]).
    pub no_effect: f64,
    /// Seed of the generator, so a run can be repeated.
    pub seed: u64,
}

impl FaultMix {
    fn pick(&self, state: &mut u64) -> Option<Fault> {
        // xorshift64*: deterministic for a seed, plenty for spreading faults.
        let roll = limits::roll(state);
        let shares = [
            (self.unavailable, Fault::Unavailable),
            (
                self.rate_limited,
                Fault::RateLimited {
                    retry_after_secs: 1,
                },
            ),
            (self.dropped, Fault::DropConnection),
            (
                self.gateway_timeout_after_apply,
                Fault::GatewayTimeoutAfterApply,
            ),
            (self.no_effect, Fault::NoEffect),
        ];
        let mut bound = 0.0;
        for (share, fault) in shares {
            bound += share;
            if roll < bound {
                return Some(fault);
            }
        }
        None
    }
}

/// A user of a simulated vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimUser {
    /// The vendor's user id, in the vendor's canonical form.
    pub id: String,
    /// The current password.
    pub password: String,
    /// The login name, where the vendor has one.
    pub login: Option<String>,
    /// The organization, where the vendor has one.
    pub organization: Option<String>,
    /// Whether the vendor expires a password an administrator sets until the user changes it
    /// (a "change upon first use" rule that applies to this user). Vendors without the rule
    /// ignore it.
    pub first_use: bool,
    /// Whether the password is expired: a login with it is refused as expired (after the
    /// password was checked) until the user changes it. Vendors without expiry ignore it.
    pub expired: bool,
    /// Whether the account is disabled: the vendor refuses its logins. Vendors without
    /// disabled accounts ignore it.
    pub disabled: bool,
}

impl SimUser {
    /// A user with an id and a password.
    pub fn new(id: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            password: password.into(),
            login: None,
            organization: None,
            first_use: false,
            expired: false,
            disabled: false,
        }
    }

    /// A disabled account ([`SimUser::disabled`]).
    pub fn disabled(mut self) -> Self {
        self.disabled = true;
        self
    }

    /// Subject to the vendor's change-upon-first-use rule ([`SimUser::first_use`]).
    pub fn first_use(mut self) -> Self {
        self.first_use = true;
        self
    }

    /// With an expired password ([`SimUser::expired`]), as a user an administrator just created
    /// under a change-upon-first-use rule.
    pub fn expired(mut self) -> Self {
        self.expired = true;
        self
    }

    /// With a login name.
    pub fn login(mut self, login: impl Into<String>) -> Self {
        self.login = Some(login.into());
        self
    }

    /// With an organization.
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }
}

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
    settings.extend(vendors::table(vendor).client_settings());
    settings
}

/// Login credentials (`key`, `value`) the simulator of `vendor` accepts instead of a token, for
/// the demo user; empty when the vendor has no login.
pub fn login_settings(vendor: Vendor) -> Vec<(&'static str, String)> {
    vendors::table(vendor).login_settings()
}

/// A password policy a simulator enforces and serves instead of its vendor's default
/// ([`Simulator::set_password_policy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimPolicy {
    /// The shortest accepted password, in characters.
    pub min_length: usize,
    /// At least one lowercase letter.
    pub lowercase: bool,
    /// At least one uppercase letter.
    pub uppercase: bool,
    /// At least one digit.
    pub digit: bool,
    /// At least one symbol (neither letter nor digit).
    pub symbol: bool,
}

/// How a vendor's simulator answers a change in an organization the user is not in.
#[derive(Debug, Clone)]
pub struct WrongOrganization {
    /// Facade settings that name another organization.
    pub settings: Vec<(&'static str, String)>,
    /// Whether the change must be an administrative set (the API with an organization header
    /// may allow only that).
    pub admin_set: bool,
    /// What the facade reports.
    pub expected: pwchange_core::ErrorKind,
}

/// What the facade reports for a self-service change of a user `vendor` does not have:
/// [`UserNotFound`](pwchange_core::ErrorKind::UserNotFound), or what the vendor answers alike
/// (e.g. a wrong current password).
pub fn unknown_user_expected(vendor: Vendor) -> pwchange_core::ErrorKind {
    vendors::table(vendor).unknown_user_expected()
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
    ["retry-after", "ratelimit-reset"]
        .iter()
        .any(|name| answer.headers().get(*name).is_some_and(|v| v == "2"))
}

/// Headers a raw client (schemathesis, curl) needs besides the bearer token.
pub fn required_headers(vendor: Vendor) -> Vec<(&'static str, String)> {
    vendors::table(vendor).required_headers()
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
    pub accounts: HashMap<String, engine::Account>,
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
    state: Mutex<State>,
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
