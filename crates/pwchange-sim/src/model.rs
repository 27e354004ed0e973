//! The simulator's public model: its users, the password policy it can enforce, the faults it
//! injects, a vendor's wrong-organization scenario. A leaf: it names no vendor.

use std::time::Duration;

use crate::limits;

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
    pub(crate) fn pick(&self, state: &mut u64) -> Option<Fault> {
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
    /// Whether the vendor's policy refuses the user's own session a change of its password
    /// (a Vault policy without `update` on the user's password path). Vendors whose
    /// self-service change every user may make ignore it.
    pub self_service_denied: bool,
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
            self_service_denied: false,
        }
    }

    /// Not allowed to change its own password ([`SimUser::self_service_denied`]).
    pub fn self_service_denied(mut self) -> Self {
        self.self_service_denied = true;
        self
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

/// A password policy a simulator enforces and serves instead of its vendor's default
/// ([`Simulator::set_password_policy`](crate::Simulator::set_password_policy)).
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
