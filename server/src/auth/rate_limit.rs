//! Request rate limits by key (a client address, a share link, later an API token): GCRA
//! from the `governor` crate, so a burst is allowed and then one request per interval.
//!
//! In memory and bounded: past [`MAX_KEYS`] keys, those back at a full allowance are
//! forgotten. A key used once is back at full within one interval (2 s at 30 a minute), so
//! what is kept is what arrived in the last interval or two.

use std::hash::Hash;
use std::num::NonZeroU32;

use app::error::AppError;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

/// The most keys kept (about 100 bytes each).
pub const MAX_KEYS: usize = 100_000;

pub struct RateLimit<K: Hash + Eq + Clone> {
    limiter: RateLimiter<K, HashMapStateStore<K>, DefaultClock>,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> RateLimit<K> {
    /// `per_minute` requests a minute for each key, all of them at once if need be.
    pub fn per_minute(per_minute: NonZeroU32) -> Self {
        Self {
            limiter: RateLimiter::hashmap(Quota::per_minute(per_minute)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts a request for `key`: `RateLimited`, with the seconds until the next one may
    /// pass, when the key is over its rate.
    pub fn check(&self, key: &K) -> Result<(), AppError> {
        if self.limiter.len() > MAX_KEYS {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            AppError::RateLimited {
                retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_over_its_rate_waits_and_others_do_not() {
        let limit = RateLimit::per_minute(NonZeroU32::new(3).unwrap());
        for _ in 0..3 {
            limit.check(&"a").unwrap();
        }
        match limit.check(&"a") {
            Err(AppError::RateLimited { retry_after_secs }) => {
                assert!((1..=20).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("{other:?}"),
        }
        limit.check(&"b").unwrap();
    }
}
