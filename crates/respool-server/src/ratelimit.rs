//! Per-caller request rate limits, as the API gateway throttles: a token
//! bucket per access key (or token user), answered 429 `APIGW.0308` when empty.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Requests per second allowed to one caller, with bursts up to `burst`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
}

impl RateLimit {
    pub fn per_second(n: u32) -> RateLimit {
        RateLimit {
            per_second: f64::from(n),
            burst: f64::from(n.saturating_mul(2).max(1)),
        }
    }
}

/// Callers tracked at most; beyond it the idlest buckets are dropped, so
/// a flood of made-up keys cannot grow memory.
const MAX_CALLERS: usize = 10_000;

#[derive(Clone)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Arc<Mutex<HashMap<String, Bucket>>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> RateLimiter {
        RateLimiter {
            limit,
            buckets: Arc::default(),
        }
    }

    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Takes one request's token for `caller`; false when the bucket is empty.
    pub fn allow(&self, caller: &str) -> bool {
        self.allow_at(caller, Instant::now())
    }

    fn allow_at(&self, caller: &str, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().expect("rate limiter lock");
        if buckets.len() >= MAX_CALLERS && !buckets.contains_key(caller) {
            let oldest = buckets
                .iter()
                .min_by_key(|(_, b)| b.at)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                buckets.remove(&k);
            }
        }
        let RateLimit { per_second, burst } = self.limit;
        let b = buckets.entry(caller.to_owned()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * per_second).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_the_rate() {
        let r = RateLimiter::new(RateLimit {
            per_second: 10.0,
            burst: 3.0,
        });
        let t = Instant::now();
        assert!((0..3).all(|_| r.allow_at("ak", t)));
        assert!(!r.allow_at("ak", t));
        // Another caller has its own bucket.
        assert!(r.allow_at("other", t));
        assert!(!r.allow_at("ak", t + Duration::from_millis(50)));
        assert!(r.allow_at("ak", t + Duration::from_millis(100)));
        // Refills stop at the burst size.
        let later = t + Duration::from_secs(60);
        assert!((0..3).all(|_| r.allow_at("ak", later)));
        assert!(!r.allow_at("ak", later));
    }

    #[test]
    fn tracked_callers_are_bounded() {
        let r = RateLimiter::new(RateLimit::per_second(1));
        let t = Instant::now();
        for i in 0..MAX_CALLERS + 50 {
            r.allow_at(&format!("k{i}"), t);
        }
        assert!(r.buckets.lock().unwrap().len() <= MAX_CALLERS);
    }
}
