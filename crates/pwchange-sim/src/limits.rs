//! What a vendor's edge does to every request before the vendor sees it: a rate limit (a token
//! bucket) and network latency. Set with [`Simulator::set_rate_limit`] and
//! [`Simulator::set_latency`], or `pwchange-sim --rate-limit … --latency …`.
//!
//! [`Simulator::set_rate_limit`]: crate::Simulator::set_rate_limit
//! [`Simulator::set_latency`]: crate::Simulator::set_latency

use std::time::{Duration, Instant};

/// A vendor-side rate limit: a token bucket that holds `burst` requests and refills at
/// `per_second`. Every request takes a token, reads included (real vendors count them all); one
/// that finds none is answered with the vendor's `429` and how long until a token is back.
///
/// ```
/// let limit = pwchange_sim::RateLimit::new(200.0).burst(20);
/// assert_eq!(limit.per_second, 200.0);
/// assert_eq!(pwchange_sim::RateLimit::new(200.0).burst, 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests per second, sustained.
    pub per_second: f64,
    /// Requests the bucket holds: how many may come at once after a quiet spell.
    pub burst: u32,
    /// Whether the bucket starts empty, as if other clients had just spent it (else full).
    pub spent: bool,
}

impl RateLimit {
    /// `per_second` with a burst of a tenth of a second's worth (at least 1).
    pub fn new(per_second: f64) -> Self {
        Self {
            per_second,
            burst: Self::default_burst(per_second),
            spent: false,
        }
    }

    /// The same limit, with the bucket empty at the start.
    pub fn spent(self) -> Self {
        Self {
            spent: true,
            ..self
        }
    }

    /// The same rate with `burst` (at least 1).
    pub fn burst(self, burst: u32) -> Self {
        Self {
            burst: burst.max(1),
            ..self
        }
    }

    /// A tenth of a second's worth, at least 1.
    pub fn default_burst(per_second: f64) -> u32 {
        let tenth = (per_second / 10.0).ceil();
        if tenth.is_finite() && tenth >= 1.0 {
            tenth.min(f64::from(u32::MAX)) as u32
        } else {
            1
        }
    }
}

/// The token bucket of one simulator.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    limit: RateLimit,
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(limit: RateLimit, now: Instant) -> Self {
        Self {
            limit,
            tokens: if limit.spent {
                0.0
            } else {
                f64::from(limit.burst.max(1))
            },
            updated: now,
        }
    }

    /// Takes a token at `now`, or says how long until one is back.
    pub fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.updated = now;
        let capacity = f64::from(self.limit.burst.max(1));
        self.tokens = (self.tokens + elapsed * self.limit.per_second).min(capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else if self.limit.per_second > 0.0 {
            Err(Duration::from_secs_f64(
                ((1.0 - self.tokens) / self.limit.per_second).min(3600.0),
            ))
        } else {
            Err(Duration::from_secs(3600))
        }
    }
}

/// Latency added to every answer: `fixed` plus a uniform share of `jitter`, as a network and a
/// busy vendor add.
///
/// ```
/// use std::time::Duration;
/// let latency = pwchange_sim::Latency::fixed(Duration::from_millis(20)).jitter(Duration::from_millis(5));
/// assert_eq!(latency.jitter, Duration::from_millis(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Latency {
    /// Added to every answer.
    pub fixed: Duration,
    /// At most this much more, uniformly at random.
    pub jitter: Duration,
}

impl Latency {
    /// `fixed`, without jitter.
    pub fn fixed(fixed: Duration) -> Self {
        Self {
            fixed,
            jitter: Duration::ZERO,
        }
    }

    /// The same with `jitter`.
    pub fn jitter(self, jitter: Duration) -> Self {
        Self { jitter, ..self }
    }

    /// One delay, with `roll` in `[0, 1)`.
    pub(crate) fn sample(&self, roll: f64) -> Duration {
        self.fixed + self.jitter.mul_f64(roll.clamp(0.0, 1.0))
    }
}

/// The `Retry-After` of a wait: whole seconds, rounded up, at least 1 (HTTP has no fractions).
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

/// `response` with a vendor's rate-limit headers, `[limit, remaining, reset]` by name (the
/// `x-rate-limit-*` or `x-ratelimit-*` families): a bucket of `limit`, none remaining, and the
/// reset as a moment in Unix seconds, `wait` (rounded up, at least 1 s) from now.
pub(crate) fn with_reset_headers(
    response: axum::response::Response,
    [limit_name, remaining_name, reset_name]: [&'static str; 3],
    limit: u32,
    wait: Duration,
) -> axum::response::Response {
    use axum::http::{HeaderName, HeaderValue};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut response = response;
    let headers = response.headers_mut();
    for (name, value) in [
        (limit_name, u64::from(limit)),
        (remaining_name, 0),
        (reset_name, now + retry_after_secs(wait)),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
    response
}

/// A number in `[0, 1)` from a xorshift64* state: deterministic for a seed.
pub(crate) fn roll(state: &mut u64) -> f64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
}

/// Reads a duration as `pwchange-sim` takes it: `20ms`, `1.5s`, `250us`, or milliseconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = text.strip_suffix("us") {
        (n, 1e-6)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else {
        (text, 1e-3)
    };
    let value: f64 = number.trim().parse().ok()?;
    (value.is_finite() && value >= 0.0 && value * unit < 86_400.0)
        .then(|| Duration::from_secs_f64(value * unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_holds_its_burst_and_refills_at_its_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(RateLimit::new(100.0).burst(3), start);
        for _ in 0..3 {
            assert_eq!(bucket.take(start), Ok(()));
        }
        let wait = bucket.take(start).unwrap_err();
        assert!(
            (wait.as_secs_f64() - 0.01).abs() < 1e-6,
            "one token comes back after 10 ms: {wait:?}"
        );
        // 25 ms later: two tokens are back, not three.
        let later = start + Duration::from_millis(25);
        assert_eq!(bucket.take(later), Ok(()));
        assert_eq!(bucket.take(later), Ok(()));
        assert!(bucket.take(later).is_err());
        // A long pause refills only up to the burst.
        let much_later = later + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(bucket.take(much_later), Ok(()));
        }
        assert!(bucket.take(much_later).is_err());
        // Over a second of steady offers, the bucket lets through its rate (plus the burst).
        let mut bucket = TokenBucket::new(RateLimit::new(100.0).burst(3), start);
        let passed = (0..1000)
            .filter(|i| bucket.take(start + Duration::from_millis(*i)).is_ok())
            .count();
        assert!((100..=104).contains(&passed), "{passed}");
    }

    #[test]
    fn a_spent_bucket_starts_empty() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(RateLimit::new(2.0).burst(5).spent(), start);
        assert_eq!(bucket.take(start), Err(Duration::from_millis(500)));
        assert_eq!(bucket.take(start + Duration::from_millis(500)), Ok(()));
    }

    #[test]
    fn a_zero_rate_refuses_once_the_burst_is_spent() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(RateLimit::new(0.0), start);
        assert_eq!(bucket.take(start), Ok(()));
        assert_eq!(bucket.take(start), Err(Duration::from_secs(3600)));
    }

    #[test]
    fn the_default_burst_is_a_tenth_of_a_second() {
        assert_eq!(RateLimit::new(200.0).burst, 20);
        assert_eq!(RateLimit::new(5.0).burst, 1);
        assert_eq!(RateLimit::new(0.0).burst, 1);
        assert_eq!(RateLimit::new(f64::NAN).burst, 1);
        assert_eq!(RateLimit::new(15.0).burst(0).burst, 1);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(5)), 1);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2001)), 3);
    }

    #[test]
    fn latency_is_fixed_plus_a_share_of_the_jitter() {
        let latency = Latency::fixed(Duration::from_millis(20)).jitter(Duration::from_millis(10));
        assert_eq!(latency.sample(0.0), Duration::from_millis(20));
        assert_eq!(latency.sample(0.5), Duration::from_millis(25));
        assert_eq!(latency.sample(7.0), Duration::from_millis(30));
        let mut state = 7;
        let rolls: Vec<f64> = (0..1000).map(|_| roll(&mut state)).collect();
        assert!(rolls.iter().all(|r| (0.0..1.0).contains(r)));
        let mean = rolls.iter().sum::<f64>() / 1000.0;
        assert!((0.4..0.6).contains(&mean), "{mean}");
    }

    #[test]
    fn durations_read_with_their_units() {
        assert_eq!(parse_duration("20ms"), Some(Duration::from_millis(20)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250us"), Some(Duration::from_micros(250)));
        assert_eq!(parse_duration("50"), Some(Duration::from_millis(50)));
        assert_eq!(parse_duration("-1ms"), None);
        assert_eq!(parse_duration("fast"), None);
        assert_eq!(parse_duration("1e9s"), None);
    }
}
