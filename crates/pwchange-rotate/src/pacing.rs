//! How fast a rotation goes: an adaptive concurrency window (AIMD, as TCP finds a link's
//! capacity) and an adaptive start rate that find the vendor's rate limit, optional caps from
//! `--concurrency` and `--rate`, and the retry policy for answers that say "nothing was applied,
//! come back later".
//!
//! **The window** starts at [`INITIAL_WINDOW`] changes in flight (or the cap, when lower) and
//! grows by one per success until the first slow-down (slow start), then by one per window of
//! successes. **The start rate** is not limited until then (only `--rate` caps it).
//!
//! **Slowing down**: when `429`s (from any request of a change) are at least [`LIMITED_SHARE`] of
//! the answers of the last second, the window shrinks to [`DECREASE`] of itself, and the start
//! rate drops to [`RATE_DECREASE`] of the rate of changes the vendor accepted over that second
//! — at most once per round trip: answers to requests started before the last slow-down do not
//! slow down again. The window never leaves `1..=cap`. A window alone cannot pace a vendor that
//! answers fast but allows few requests per second (one change in flight is already too
//! many): the rate does. From there the rate grows again along a cubic curve (CUBIC's, which the
//! AWS SDKs' adaptive retry mode also uses): slowly near the rate that was accepted, faster the
//! longer no slow-down comes, so a rotation settles just above the vendor's limit, where each of
//! its tokens is used. A `503` is retried but slows nothing down: it says the vendor is
//! unavailable, not that this client is too fast; nor do `429`s below the share, which a vendor
//! sends now and then whatever the pace.
//!
//! **The retry policy**: an attempt answered `429` or `503` is tried again with the same
//! password after the vendor's wait (`Retry-After`, or the IETF `RateLimit-Reset`), else after
//! a capped exponential backoff with full jitter (a uniform wait in `0..min(`[`BACKOFF_CAP`]`,
//! `[`BACKOFF_BASE`]` × 2^(attempt − 1))`), up to [`MAX_ATTEMPTS`] attempts per user. A wait
//! longer than [`MAX_RETRY_AFTER`] is not waited for: the user fails now, and a later run
//! retries it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A cap on the changes in flight or on the start rate: `Auto` (none: the pace adapts alone) or
/// a number.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Cap<T> {
    /// No cap.
    #[default]
    Auto,
    /// At most this.
    At(T),
}

/// How fast a rotation may go: caps on the adaptive pace (the module docs say how it adapts).
/// The default caps nothing: the vendor's `429`s set the pace.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct PacingConfig {
    /// The most changes in flight (`Auto`: up to [`AUTO_CONCURRENCY`]).
    pub concurrency: Cap<usize>,
    /// The most changes started per second (`Auto`: no cap).
    pub rate: Cap<f64>,
}

impl PacingConfig {
    /// At most `concurrency` changes in flight and `rate` started per second.
    pub fn new(concurrency: Cap<usize>, rate: Cap<f64>) -> Self {
        Self { concurrency, rate }
    }
}

/// Changes in flight when a rotation starts.
pub const INITIAL_WINDOW: f64 = 4.0;
/// The window after an overload, as a share of the window before.
pub const DECREASE: f64 = 0.8;
/// The most changes in flight with `--concurrency auto`.
pub const AUTO_CONCURRENCY: usize = 256;
/// Attempts per user (the first included) before a `429` or `503` is final.
pub const MAX_ATTEMPTS: u32 = 10;
/// The first backoff's upper bound.
pub const BACKOFF_BASE: Duration = Duration::from_millis(100);
/// No backoff waits longer.
pub const BACKOFF_CAP: Duration = Duration::from_secs(10);
/// The longest `Retry-After` waited for.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// The start rate after an overload, as a share of the rate the vendor accepted.
pub const RATE_DECREASE: f64 = 0.9;
/// How far behind its schedule the start rate may catch up at once.
const CATCH_UP: Duration = Duration::from_millis(20);
/// The cubic curve's least scale (changes per second per second cubed): CUBIC's 0.4.
const CUBIC_SCALE: f64 = 0.4;
/// The cubic curve is back at the accepted rate at most this long after a slow-down (seconds).
const MAX_RECOVERY: f64 = 1.0;
/// The start rate never goes below this (changes per second).
const MIN_RATE: f64 = 1.0;
/// The share of `429`s among the answers of the last second from which the pace slows down:
/// below it, `429`s are retried and the pace holds (a vendor refuses a few requests now and
/// then; slowing down for each would halve the pace again and again).
pub const LIMITED_SHARE: f64 = 0.1;

/// The window and the rate cap of one rotation, shared by its changes.
pub struct Pacer {
    window: Mutex<Window>,
    /// Wakes changes waiting for room in the window.
    room: tokio::sync::Notify,
    /// The start rate: `--rate`, the adaptive rate, and the next start they allow.
    pace: Mutex<Pace>,
}

/// The start rate of a rotation.
#[derive(Debug)]
struct Pace {
    /// `--rate`.
    cap: Option<f64>,
    /// The adaptive rate, from the first overload on.
    curve: Option<Cubic>,
    /// When the next change may start.
    next: Instant,
    /// When changes that ended without an overload ended, over the last second.
    accepted: std::collections::VecDeque<Instant>,
    /// When `429`s came, over the last second.
    limited: std::collections::VecDeque<Instant>,
}

/// A cubic curve through the rate accepted at the last overload.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cubic {
    /// The accepted rate at the overload: the curve's plateau.
    plateau: f64,
    /// When the overload came.
    at: Instant,
    /// Seconds from the overload to the plateau.
    k: f64,
    /// The curve's scale: `plateau × (1 − RATE_DECREASE) / k³`.
    scale: f64,
}

impl Cubic {
    fn after_overload(accepted: f64, at: Instant) -> Self {
        let plateau = accepted.max(MIN_RATE);
        let drop = plateau * (1.0 - RATE_DECREASE);
        // CUBIC's time to the plateau, but never more than MAX_RECOVERY: at a thousand changes
        // a second CUBIC's scale would take six seconds to come back.
        let k = (drop / CUBIC_SCALE).cbrt().min(MAX_RECOVERY);
        Self {
            plateau,
            at,
            k,
            scale: drop / k.powi(3),
        }
    }

    /// The rate at `now`: `RATE_DECREASE` of the plateau at the overload, the plateau `k`
    /// seconds later, then faster and faster.
    fn rate(&self, now: Instant) -> f64 {
        let t = now.saturating_duration_since(self.at).as_secs_f64();
        (self.scale * (t - self.k).powi(3) + self.plateau).max(MIN_RATE)
    }
}

/// Forgets the times of `events` older than a second before `now`.
fn last_second(events: &mut std::collections::VecDeque<Instant>, now: Instant) {
    while events
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) > Duration::from_secs(1))
    {
        events.pop_front();
    }
}

impl Pace {
    /// No adaptive rate yet; `cap` from `--rate`.
    fn new(cap: Option<f64>, now: Instant) -> Self {
        Self {
            cap,
            curve: None,
            next: now,
            accepted: std::collections::VecDeque::new(),
            limited: std::collections::VecDeque::new(),
        }
    }

    /// The share of `429`s among the answers of the last second.
    fn limited_share(&mut self, now: Instant) -> f64 {
        last_second(&mut self.limited, now);
        last_second(&mut self.accepted, now);
        let limited = self.limited.len() as f64;
        limited / (limited + self.accepted.len() as f64).max(1.0)
    }

    /// The rate accepted over the last second (changes per second) at `now`.
    fn accepted_rate(&mut self, now: Instant) -> f64 {
        last_second(&mut self.accepted, now);
        let Some(first) = self.accepted.front() else {
            return 0.0;
        };
        let span = now
            .saturating_duration_since(*first)
            .max(Duration::from_millis(50));
        self.accepted.len() as f64 / span.as_secs_f64()
    }

    /// The spacing between starts at `now`, if any.
    fn spacing(&self, now: Instant) -> Option<Duration> {
        let adaptive = self.curve.map(|curve| curve.rate(now));
        let rate = match (self.cap, adaptive) {
            (Some(cap), Some(adaptive)) => cap.min(adaptive),
            (Some(rate), None) | (None, Some(rate)) => rate,
            (None, None) => return None,
        };
        Some(Duration::from_secs_f64(1.0 / rate))
    }
}

#[derive(Debug)]
struct Window {
    size: f64,
    /// Slow start below it, one per window above it.
    threshold: f64,
    cap: f64,
    in_flight: usize,
    /// Retries waiting for room: they go first, so that users already started finish before
    /// new ones start.
    retries_waiting: usize,
    decreased_at: Option<Instant>,
}

impl Window {
    fn new(cap: usize) -> Self {
        let cap = cap.max(1) as f64;
        Self {
            size: INITIAL_WINDOW.min(cap),
            threshold: cap,
            cap,
            in_flight: 0,
            retries_waiting: 0,
            decreased_at: None,
        }
    }

    fn has_room(&self, retry: bool) -> bool {
        (self.in_flight as f64) < self.size.floor() && (retry || self.retries_waiting == 0)
    }

    fn succeeded(&mut self) {
        let growth = if self.size < self.threshold {
            1.0
        } else {
            1.0 / self.size
        };
        self.size = (self.size + growth).min(self.cap);
    }

    /// An overload answered a request started at `started`; returns whether the window shrank.
    fn overloaded(&mut self, started: Instant, now: Instant) -> bool {
        if self.decreased_at.is_some_and(|at| started < at) {
            return false;
        }
        self.size = (self.size * DECREASE).max(1.0);
        self.threshold = self.size;
        self.decreased_at = Some(now);
        true
    }
}

/// Room for one change in the window, released when dropped.
pub struct Slot {
    pacer: Arc<Pacer>,
    started: Instant,
}

impl Slot {
    /// When the attempt started (after any wait for room or for the rate).
    pub fn started(&self) -> Instant {
        self.started
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.pacer.lock().in_flight -= 1;
        self.pacer.room.notify_waiters();
    }
}

impl Pacer {
    /// A pacer within `config`'s caps.
    pub fn new(config: PacingConfig) -> Self {
        let PacingConfig { concurrency, rate } = config;
        // A cap of 0 would never start anything, and a rate that is not a positive number
        // would never schedule a start: the least that runs.
        let cap = match concurrency {
            Cap::Auto => AUTO_CONCURRENCY,
            Cap::At(n) => n.max(1),
        };
        Self {
            window: Mutex::new(Window::new(cap)),
            room: tokio::sync::Notify::new(),
            pace: Mutex::new(Pace::new(
                match rate {
                    Cap::At(rate) if rate.is_finite() && rate > 0.0 => Some(rate.max(0.001)),
                    Cap::At(_) | Cap::Auto => None,
                },
                Instant::now(),
            )),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Window> {
        self.window.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn pace(&self) -> std::sync::MutexGuard<'_, Pace> {
        self.pace.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for room in the window, then for the rate's next start: a new user's first
    /// attempt, which waits while retries wait.
    pub async fn slot(self: &Arc<Self>) -> Slot {
        self.slot_for(false).await
    }

    /// [`slot`](Self::slot) for a retry, which goes before new users.
    pub async fn retry_slot(self: &Arc<Self>) -> Slot {
        /// Counts a waiting retry until it has its slot, or its task is dropped.
        struct Waiting<'a>(&'a Pacer);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.lock().retries_waiting -= 1;
                self.0.room.notify_waiters();
            }
        }
        self.lock().retries_waiting += 1;
        let _waiting = Waiting(self);
        self.slot_for(true).await
    }

    async fn slot_for(self: &Arc<Self>, retry: bool) -> Slot {
        loop {
            let room = self.room.notified();
            tokio::pin!(room);
            room.as_mut().enable();
            {
                let mut window = self.lock();
                if window.has_room(retry) {
                    window.in_flight += 1;
                    break;
                }
            }
            room.await;
        }
        let mut slot = Slot {
            pacer: self.clone(),
            started: Instant::now(),
        };
        let at = {
            let mut pace = self.pace();
            let now = Instant::now();
            pace.spacing(now).map(|spacing| {
                // Starts keep their schedule: one that comes late (the timer's millisecond, a
                // busy runtime) is made up by the next ones, up to CATCH_UP's worth.
                let at = pace.next.max(now.checked_sub(CATCH_UP).unwrap_or(now));
                pace.next = at + spacing;
                at
            })
        };
        if let Some(at) = at.filter(|at| *at > Instant::now()) {
            tokio::time::sleep_until(at.into()).await;
            slot.started = Instant::now();
        }
        slot
    }

    /// A change's attempt succeeded (or failed without an overload): the window may grow.
    pub fn succeeded(&self) {
        self.lock().succeeded();
        self.room.notify_waiters();
        let mut pace = self.pace();
        pace.accepted.push_back(Instant::now());
        if pace.accepted.len() > 100_000 {
            pace.accepted.pop_front();
        }
    }

    /// An attempt started at `started` was answered `429`: when `429`s were at least
    /// [`LIMITED_SHARE`] of the answers over the last second, the window shrinks and the start
    /// rate drops below what the vendor accepted over that second (once per round trip).
    pub fn rate_limited(&self, started: Instant) {
        let now = Instant::now();
        let share = {
            let mut pace = self.pace();
            pace.limited.push_back(now);
            pace.limited_share(now)
        };
        if share >= LIMITED_SHARE && self.lock().overloaded(started, now) {
            let mut pace = self.pace();
            let accepted = pace.accepted_rate(now);
            pace.curve = Some(Cubic::after_overload(accepted, now));
            tracing::debug!(
                accepted_per_second = accepted,
                window = self.window(),
                "the vendor is limiting the rate: slowing down"
            );
        }
    }

    /// The adaptive start rate now (changes per second), once an overload set one.
    pub fn rate(&self) -> Option<f64> {
        self.pace().curve.map(|curve| curve.rate(Instant::now()))
    }

    /// The window now, rounded down: how many changes may be in flight.
    pub fn window(&self) -> usize {
        self.lock().size.floor() as usize
    }
}

/// How long to wait before attempt `attempt + 1`, after attempt `attempt` (from 1) was answered
/// with an overload that asked for `asked` (or nothing): `None` when no further attempt is
/// made. `roll` is uniform in `[0, 1)`.
pub fn retry_wait(attempt: u32, asked: Option<Duration>, roll: f64) -> Option<Duration> {
    if attempt >= MAX_ATTEMPTS {
        return None;
    }
    match asked {
        Some(asked) if asked > MAX_RETRY_AFTER => None,
        // After the vendor's wait, spread over a tenth more so the changes it refused together
        // do not all come back at once.
        Some(asked) => Some(asked + asked.mul_f64(0.1 * roll.clamp(0.0, 1.0))),
        None => {
            let exponent = attempt.saturating_sub(1).min(20);
            let bound = BACKOFF_BASE.saturating_mul(1 << exponent).min(BACKOFF_CAP);
            Some(bound.mul_f64(roll.clamp(0.0, 1.0)))
        }
    }
}

/// A number in `[0, 1)` for the backoff's jitter (not a secret: the OS generator, read once per
/// wait, spares a dependency).
pub fn roll() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_starts_small_and_doubles_until_the_first_overload() {
        let mut window = Window::new(100);
        assert_eq!(window.size, INITIAL_WINDOW);
        // A window's worth of successes doubles it.
        for _ in 0..4 {
            window.succeeded();
        }
        assert_eq!(window.size, 8.0);
        // The cap bounds it, and a cap below the start starts there.
        let mut small = Window::new(5);
        for _ in 0..10 {
            small.succeeded();
        }
        assert_eq!(small.size, 5.0);
        assert_eq!(Window::new(2).size, 2.0);
        assert_eq!(Window::new(0).size, 1.0);
    }

    #[test]
    fn an_overload_shrinks_the_window_once_per_round_trip_then_it_grows_by_one_per_window() {
        let start = Instant::now();
        let later = start + Duration::from_millis(10);
        let mut window = Window::new(100);
        window.size = 50.0;
        assert!(window.overloaded(start, later));
        assert_eq!(window.size, 40.0);
        assert_eq!(window.threshold, 40.0);
        // Answers to requests sent before the decrease say nothing new.
        assert!(!window.overloaded(start, later + Duration::from_millis(1)));
        assert_eq!(window.size, 40.0);
        // A request sent after it does.
        assert!(window.overloaded(later, later + Duration::from_millis(2)));
        assert_eq!(window.size, 32.0);
        // Above the threshold: one more per window of successes.
        for _ in 0..32 {
            window.succeeded();
        }
        assert!((window.size - 33.0).abs() < 0.05, "{}", window.size);
        // Never below one.
        let mut tiny = Window::new(100);
        tiny.size = 1.0;
        assert!(tiny.overloaded(start, later));
        assert_eq!(tiny.size, 1.0);
    }

    #[test]
    fn room_is_the_window_rounded_down_and_retries_go_first() {
        let mut window = Window::new(100);
        window.size = 2.9;
        window.in_flight = 1;
        assert!(window.has_room(false));
        window.retries_waiting = 1;
        assert!(!window.has_room(false), "a retry waits: no new user");
        assert!(window.has_room(true));
        window.retries_waiting = 0;
        window.in_flight = 2;
        assert!(!window.has_room(false));
        assert!(!window.has_room(true));
    }

    #[tokio::test]
    async fn slots_wait_for_room_and_come_back_when_released() {
        let pacer = Arc::new(Pacer::new(PacingConfig::new(Cap::At(2), Cap::Auto)));
        let first = pacer.slot().await;
        let second = pacer.slot().await;
        let third = tokio::time::timeout(Duration::from_millis(50), pacer.slot()).await;
        assert!(third.is_err(), "no room for a third");
        drop(first);
        let third = tokio::time::timeout(Duration::from_secs(5), pacer.slot()).await;
        assert!(third.is_ok(), "room after a release");
        // A retry waiting for room goes before a new user.
        let retry = tokio::spawn({
            let pacer = pacer.clone();
            async move { drop(pacer.retry_slot().await) }
        });
        while pacer.lock().retries_waiting == 0 {
            tokio::task::yield_now().await;
        }
        drop(third);
        let new = tokio::time::timeout(Duration::from_secs(5), pacer.slot()).await;
        assert!(new.is_ok());
        assert!(retry.is_finished() || retry.await.is_ok());
        assert_eq!(pacer.lock().retries_waiting, 0);
        drop(new);
        drop(second);
        assert_eq!(pacer.window(), 2);
        // No success yet: the first 429 is all the answers.
        pacer.rate_limited(Instant::now());
        assert_eq!(pacer.window(), 1);
    }

    #[tokio::test]
    async fn the_rate_spaces_the_starts() {
        let pacer = Arc::new(Pacer::new(PacingConfig::new(Cap::At(10), Cap::At(20.0))));
        let begun = Instant::now();
        for _ in 0..4 {
            drop(pacer.slot().await);
        }
        // Four starts at 20/s: three gaps of 50 ms, but for the 20 ms a start may catch up.
        assert!(begun.elapsed() >= Duration::from_millis(130));
    }

    #[test]
    fn the_rate_after_an_overload_follows_a_cubic_from_below_the_accepted_rate() {
        let at = Instant::now();
        let curve = Cubic::after_overload(200.0, at);
        let rate = |secs: f64| curve.rate(at + Duration::from_secs_f64(secs));
        assert!((rate(0.0) - 180.0).abs() < 1e-6, "{}", rate(0.0));
        // Back at the plateau after a second at most, flat around it, then faster and faster.
        assert_eq!(curve.k, MAX_RECOVERY);
        assert!((rate(1.0) - 200.0).abs() < 1e-6);
        assert!(rate(0.8) > 199.0 && rate(1.2) < 201.0);
        assert!((rate(2.0) - 220.0).abs() < 1e-6);
        assert!(rate(4.0) > 700.0);
        // A small plateau keeps CUBIC's own scale: back sooner.
        let small = Cubic::after_overload(2.0, at);
        assert!((small.k - 0.5f64.cbrt()).abs() < 1e-9);
        assert!((small.scale - CUBIC_SCALE).abs() < 1e-9);
        // Nothing accepted (a limit already spent at the start): from the floor, and up fast.
        let floor = Cubic::after_overload(0.0, at);
        assert_eq!(floor.rate(at), MIN_RATE);
        assert!(floor.rate(at + Duration::from_secs(5)) > 30.0);
    }

    #[tokio::test]
    async fn a_few_429s_among_many_successes_leave_the_pace_alone() {
        let pacer = Arc::new(Pacer::new(PacingConfig::new(Cap::Auto, Cap::Auto)));
        for _ in 0..100 {
            pacer.succeeded();
        }
        let window = pacer.window();
        for _ in 0..11 {
            pacer.rate_limited(Instant::now());
        }
        assert_eq!(
            (pacer.window(), pacer.rate()),
            (window, None),
            "11 in 111: under 10 %"
        );
        pacer.rate_limited(Instant::now());
        assert!(pacer.window() < window, "12 in 112: over 10 %");
        assert!(pacer.rate().is_some());
    }

    #[test]
    fn the_share_of_429s_counts_the_last_second() {
        let start = Instant::now();
        let mut pace = Pace::new(None, start);
        pace.accepted = (0..9).map(|_| start).collect();
        pace.limited = [start].into_iter().collect();
        assert!((pace.limited_share(start) - 0.1).abs() < 1e-9);
        let later = start + Duration::from_millis(1001);
        assert_eq!(pace.limited_share(later), 0.0);
        assert!(pace.accepted.is_empty() && pace.limited.is_empty());
    }

    #[test]
    fn the_accepted_rate_counts_the_last_second() {
        let start = Instant::now();
        let mut pace = Pace::new(None, start);
        assert_eq!(pace.accepted_rate(start), 0.0);
        for i in 0..100 {
            pace.accepted
                .push_back(start + Duration::from_millis(10 * i));
        }
        let now = start + Duration::from_millis(1000);
        assert!((pace.accepted_rate(now) - 100.0).abs() < 1e-6);
        // Older than a second: forgotten.
        let later = start + Duration::from_millis(1500);
        assert!((pace.accepted_rate(later) - 50.0 / 0.99).abs() < 1.0);
        // A short span counts as 50 ms at least.
        let mut burst = Pace {
            accepted: [start].into_iter().collect(),
            ..pace
        };
        assert!((burst.accepted_rate(start) - 20.0).abs() < 1e-6);
    }

    #[test]
    fn the_spacing_is_the_lower_of_the_cap_and_the_adaptive_rate() {
        let start = Instant::now();
        let mut pace = Pace::new(None, start);
        assert_eq!(pace.spacing(start), None);
        pace.cap = Some(10.0);
        assert_eq!(pace.spacing(start), Some(Duration::from_millis(100)));
        pace.curve = Some(Cubic::after_overload(1.0 / RATE_DECREASE * 5.0, start));
        let spacing = pace.spacing(start).unwrap();
        assert!((spacing.as_secs_f64() - 0.2).abs() < 1e-6, "{spacing:?}");
        pace.cap = None;
        let spacing = pace.spacing(start).unwrap();
        assert!((spacing.as_secs_f64() - 0.2).abs() < 1e-6, "{spacing:?}");
    }

    #[tokio::test]
    async fn an_overload_sets_a_rate_below_what_was_accepted() {
        let pacer = Arc::new(Pacer::new(PacingConfig::new(Cap::Auto, Cap::Auto)));
        assert_eq!(pacer.rate(), None);
        let before = Instant::now();
        for _ in 0..20 {
            pacer.succeeded();
        }
        for _ in 0..3 {
            pacer.rate_limited(Instant::now());
        }
        let rate = pacer.rate().unwrap();
        // 20 accepted within a few milliseconds count as 20 in 50 ms: 400/s, 90 % of it.
        assert!((rate - 360.0).abs() < 20.0, "{rate}");
        // A second overload within the same round trip changes nothing.
        pacer.rate_limited(before);
        assert!((pacer.rate().unwrap() - rate).abs() < rate * 0.01);
    }

    #[test]
    fn the_wait_is_the_vendors_else_a_jittered_capped_backoff() {
        let asked = Some(Duration::from_secs(2));
        assert_eq!(retry_wait(1, asked, 0.0), Some(Duration::from_secs(2)));
        assert_eq!(retry_wait(1, asked, 0.5), Some(Duration::from_millis(2100)));
        assert_eq!(
            retry_wait(1, Some(MAX_RETRY_AFTER), 0.0),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            retry_wait(1, Some(MAX_RETRY_AFTER + Duration::from_secs(1)), 0.0),
            None
        );
        // Full jitter: anywhere from zero to the bound, which doubles per attempt up to the cap.
        assert_eq!(retry_wait(1, None, 0.0), Some(Duration::ZERO));
        assert_eq!(retry_wait(1, None, 0.5), Some(BACKOFF_BASE / 2));
        assert_eq!(retry_wait(3, None, 0.5), Some(BACKOFF_BASE * 2));
        assert_eq!(retry_wait(9, None, 0.5), Some(BACKOFF_CAP / 2));
        assert_eq!(retry_wait(9, None, 2.0), Some(BACKOFF_CAP));
        // Attempts are bounded.
        assert_eq!(
            retry_wait(MAX_ATTEMPTS - 1, None, 0.0),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_wait(MAX_ATTEMPTS, None, 0.0), None);
        assert_eq!(retry_wait(MAX_ATTEMPTS, asked, 0.0), None);
    }

    #[test]
    fn rolls_are_in_the_unit_interval_and_spread() {
        let rolls: Vec<f64> = (0..100).map(|_| roll()).collect();
        assert!(rolls.iter().all(|r| (0.0..1.0).contains(r)));
        let mean = rolls.iter().sum::<f64>() / 100.0;
        assert!((0.3..0.7).contains(&mean), "{mean}");
    }

    #[test]
    fn the_accepted_times_kept_are_bounded() {
        let pacer = Pacer::new(PacingConfig::new(Cap::Auto, Cap::Auto));
        for _ in 0..100_005 {
            pacer.succeeded();
        }
        assert_eq!(pacer.pace().accepted.len(), 100_000);
    }
}
