//! Sign-in throttling: after [`FREE_FAILURES`] failures for a username or a client address,
//! each further attempt must wait twice as long as the last, up to [`MAX_DELAY`].
//!
//! Kept in memory: with several instances each has its own counters, which still bounds
//! guessing to a small multiple of one instance's rate.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const FREE_FAILURES: u32 = 5;
pub const FIRST_DELAY: Duration = Duration::from_secs(2);
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Counters idle this long are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Addr(IpAddr),
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

/// How long to wait after `failures` consecutive failures before the next attempt.
pub fn delay_after(failures: u32) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_FAILURES).min(16);
    (FIRST_DELAY * 2u32.pow(doublings)).min(MAX_DELAY)
}

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<Key, Failures>>,
}

impl LoginThrottle {
    fn keys(username: &str, addr: IpAddr) -> [Key; 2] {
        [Key::User(username.to_lowercase()), Key::Addr(addr)]
    }

    /// `Err(wait)` when this attempt must be refused without checking the password.
    pub fn check(&self, username: &str, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        let map = self.failures.lock().expect("throttle lock poisoned");
        let wait = Self::keys(username, addr)
            .iter()
            .filter_map(|k| map.get(k))
            .map(|f| (f.last + delay_after(f.count)).saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if wait.is_zero() {
            Ok(())
        } else {
            Err(wait)
        }
    }

    pub fn record_failure(&self, username: &str, addr: IpAddr, now: Instant) {
        let mut map = self.failures.lock().expect("throttle lock poisoned");
        map.retain(|_, f| now.saturating_duration_since(f.last) < FORGET_AFTER);
        for key in Self::keys(username, addr) {
            let entry = map.entry(key).or_insert(Failures {
                count: 0,
                last: now,
            });
            entry.count += 1;
            entry.last = now;
        }
    }

    pub fn record_success(&self, username: &str, addr: IpAddr) {
        let mut map = self.failures.lock().expect("throttle lock poisoned");
        for key in Self::keys(username, addr) {
            map.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const AWAY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));

    #[test]
    fn delay_grows_after_five_failures_and_is_capped() {
        assert_eq!(delay_after(4), Duration::ZERO);
        assert_eq!(delay_after(5), Duration::from_secs(2));
        assert_eq!(delay_after(6), Duration::from_secs(4));
        assert_eq!(delay_after(9), Duration::from_secs(32));
        assert_eq!(delay_after(40), MAX_DELAY);
    }

    #[test]
    fn five_failures_are_free_the_sixth_attempt_waits() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..4 {
            t.record_failure("ann", HOME, now);
        }
        assert!(t.check("ann", HOME, now).is_ok());
        t.record_failure("ann", HOME, now);
        assert_eq!(t.check("ann", HOME, now), Err(Duration::from_secs(2)));
        assert!(t.check("ann", HOME, now + Duration::from_secs(2)).is_ok());
    }

    #[test]
    fn username_counts_across_addresses_and_address_across_usernames() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..5 {
            t.record_failure("ann", if i % 2 == 0 { HOME } else { AWAY }, now);
        }
        assert!(
            t.check("ANN", AWAY, now).is_err(),
            "username is case-folded"
        );
        let t = LoginThrottle::default();
        for name in ["a1", "a2", "a3", "a4", "a5"] {
            t.record_failure(name, AWAY, now);
        }
        assert!(t.check("someone-else", AWAY, now).is_err());
        assert!(t.check("someone-else", HOME, now).is_ok());
    }

    #[test]
    fn success_clears_and_idle_counters_are_forgotten() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..5 {
            t.record_failure("ann", HOME, now);
        }
        t.record_success("ann", HOME);
        assert!(t.check("ann", HOME, now).is_ok());
        for _ in 0..5 {
            t.record_failure("bob", HOME, now);
        }
        let later = now + FORGET_AFTER + Duration::from_secs(1);
        t.record_failure("carl", AWAY, later);
        assert_eq!(
            t.failures.lock().unwrap().len(),
            2,
            "only carl's two keys remain"
        );
    }
}
