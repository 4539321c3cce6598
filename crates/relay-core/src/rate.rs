//! Token buckets with an injected clock: every call says what time it is.

use std::time::Instant;

/// A token bucket's level: refilled at `per_second` up to `burst`, one token per action. The
/// rate and burst are the owner's (a setting), passed in, so a bucket holds only its level.
#[derive(Debug, Clone, Copy)]
pub struct TokenBucket {
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn full(burst: f64, now: Instant) -> Self {
        Self {
            tokens: burst,
            last: now,
        }
    }

    /// When a token was last taken (or the bucket filled).
    pub fn last(&self) -> Instant {
        self.last
    }

    /// The tokens there are at `now`.
    pub fn level(&self, now: Instant, per_second: f64, burst: f64) -> f64 {
        (self.tokens + now.saturating_duration_since(self.last).as_secs_f64() * per_second)
            .min(burst)
    }

    /// Takes one token at `now`; `Err(seconds until there is one)` (infinite at a rate of 0)
    /// when the bucket is empty.
    pub fn take(&mut self, now: Instant, per_second: f64, burst: f64) -> Result<(), f64> {
        let tokens = self.level(now, per_second, burst);
        self.last = now;
        if tokens < 1.0 {
            self.tokens = tokens;
            return Err((1.0 - tokens) / per_second);
        }
        self.tokens = tokens - 1.0;
        Ok(())
    }
}

/// A rate limit on one connection's messages: `rate` per second on average, bursts up to
/// `burst`; a rate of 0 means no limit.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    level: TokenBucket,
    rate: f64,
    burst: f64,
}

impl RateLimit {
    pub fn new(rate: u32, burst: u32, now: Instant) -> Self {
        Self {
            level: TokenBucket::full(f64::from(burst), now),
            rate: f64::from(rate),
            burst: f64::from(burst),
        }
    }

    /// Takes one token at `now`; `false` when the bucket is empty.
    pub fn take(&mut self, now: Instant) -> bool {
        self.rate == 0.0 || self.level.take(now, self.rate, self.burst).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let start = Instant::now();
        let mut limit = RateLimit::new(10, 3, start);
        assert!((0..3).all(|_| limit.take(start)));
        assert!(!limit.take(start));
        assert!(!limit.take(start + Duration::from_millis(50)));
        assert!(limit.take(start + Duration::from_millis(110)));
        let mut unlimited = RateLimit::new(0, 0, start);
        assert!((0..100).all(|_| unlimited.take(start)));
    }

    #[test]
    fn an_empty_bucket_says_how_long_until_the_next_token() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(1.0, start);
        assert_eq!(bucket.take(start, 2.0, 1.0), Ok(()));
        assert_eq!(bucket.take(start, 2.0, 1.0), Err(0.5));
    }
}
