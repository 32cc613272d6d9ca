//! Sign-in throttling: after [`FREE_FAILURES`] failures for a username, a device or a client
//! address, each further attempt must wait twice as long as the last, up to [`MAX_DELAY`].
//!
//! An attempt is reserved under the lock in the same step as the check ([`LoginThrottle::begin`])
//! and counts as a failure until it is settled, so N concurrent attempts count as N: a burst
//! cannot slip past the check before the first failure is recorded.
//!
//! Kept in memory and bounded ([`MAX_KEYS`]): with several instances each has its own
//! counters, which still bounds guessing to a small multiple of one instance's rate.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const FREE_FAILURES: u32 = 5;
pub const FIRST_DELAY: Duration = Duration::from_secs(2);
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Counters idle this long are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// The most counters kept; past it the least recently touched tenth is dropped, so a flood of
/// fresh addresses or names costs bounded memory (about 100 bytes a key).
pub const MAX_KEYS: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Device(String),
    Addr(IpAddr),
}

/// Who an attempt is from and for. `user` must be a valid, normalised username
/// (`app::rules::username`); a name that cannot be anyone's is `None` and counts only against
/// the address.
#[derive(Clone, Debug)]
pub struct Subject {
    pub addr: IpAddr,
    pub user: Option<String>,
    /// A device cookie valid for `user`: its own counter replaces the username's, so someone
    /// failing against the username from elsewhere cannot lock this browser out.
    pub device: Option<String>,
}

impl Subject {
    /// The counters this attempt is checked against and counted on.
    fn keys(&self) -> Vec<Key> {
        let mut keys = vec![Key::Addr(address_group(self.addr))];
        match (&self.device, &self.user) {
            (Some(device), _) => keys.push(Key::Device(device.clone())),
            (None, Some(user)) => keys.push(Key::User(user.clone())),
            (None, None) => {}
        }
        keys
    }
}

/// The address a counter is kept for: IPv4 as is, IPv6 by its /64, since one host commonly
/// holds a whole /64 and could otherwise take a fresh address for every attempt.
pub fn address_group(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !(u128::from(u64::MAX));
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    /// Attempts begun and not yet settled: they count as failures until they are.
    pending: u32,
    /// The last failure; the counter is forgotten [`FORGET_AFTER`] later, successes from the
    /// same address notwithstanding.
    last: Instant,
    /// The last attempt begun: while some are pending, the next one's wait runs from here, so
    /// a burst cannot wait out an old `last`.
    begun: Instant,
}

impl Failures {
    fn fresh(now: Instant) -> Self {
        Self {
            count: 0,
            pending: 0,
            last: now,
            begun: now,
        }
    }

    fn forgotten(&self, now: Instant) -> bool {
        self.pending == 0 && now.saturating_duration_since(self.last) >= FORGET_AFTER
    }

    fn touched(&self) -> Instant {
        self.last.max(self.begun)
    }

    fn wait(&self, now: Instant) -> Duration {
        let since = if self.pending > 0 {
            self.touched()
        } else {
            self.last
        };
        match delay_after(self.count + self.pending) {
            Duration::ZERO => Duration::ZERO,
            delay => (since + delay).saturating_duration_since(now),
        }
    }
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
    /// Checks `subject`'s counters and, when none makes it wait, reserves the attempt on them
    /// in the same step. `Err(wait)` when it must be refused without checking the password.
    pub fn begin(&self, subject: &Subject, now: Instant) -> Result<Attempt<'_>, Duration> {
        let keys = subject.keys();
        let mut map = self.lock();
        let wait = keys
            .iter()
            .filter_map(|k| map.get(k))
            .filter(|f| !f.forgotten(now))
            .map(|f| f.wait(now))
            .max()
            .unwrap_or_default();
        if !wait.is_zero() {
            return Err(wait);
        }
        make_room(&mut map, keys.len(), now);
        for key in &keys {
            let entry = map
                .entry(key.clone())
                .or_insert_with(|| Failures::fresh(now));
            if entry.forgotten(now) {
                *entry = Failures::fresh(now);
            }
            entry.pending += 1;
            entry.begun = now;
        }
        Ok(Attempt {
            throttle: self,
            began: now,
            keys,
            settled: false,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Failures>> {
        self.failures.lock().expect("throttle lock poisoned")
    }

    fn settle(&self, keys: &[Key], outcome: Outcome, now: Instant) {
        let mut map = self.lock();
        for key in keys {
            // A key evicted meanwhile starts again from this outcome.
            let entry = map
                .entry(key.clone())
                .or_insert_with(|| Failures::fresh(now));
            entry.pending = entry.pending.saturating_sub(1);
            match outcome {
                Outcome::Failed => {
                    entry.count += 1;
                    entry.last = now;
                }
                // The address keeps its count: knowing one password must not buy an attacker
                // fresh guesses at others from the same address. A device's success leaves
                // the username's count alone: those failures came from elsewhere.
                Outcome::Succeeded if !matches!(key, Key::Addr(_)) => entry.count = 0,
                Outcome::Succeeded | Outcome::NotTried => {}
            }
            if entry.count == 0 && entry.pending == 0 {
                map.remove(key);
            }
        }
    }
}

/// Frees room for `incoming` new keys: first by forgetting idle counters, then, if still
/// full, the least recently touched tenth.
fn make_room(map: &mut HashMap<Key, Failures>, incoming: usize, now: Instant) {
    if map.len() + incoming <= MAX_KEYS {
        return;
    }
    map.retain(|_, f| !f.forgotten(now));
    if map.len() + incoming <= MAX_KEYS {
        return;
    }
    let mut touched: Vec<Instant> = map.values().map(Failures::touched).collect();
    let cut = touched.len() / 10;
    let (_, cutoff, _) = touched.select_nth_unstable(cut);
    let cutoff = *cutoff;
    map.retain(|_, f| f.touched() > cutoff);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Failed,
    Succeeded,
    NotTried,
}

/// A reserved attempt. Settle it with [`Attempt::failed`], [`Attempt::succeeded`] or
/// [`Attempt::not_tried`]; dropped unsettled (the request was cancelled mid-check) it counts
/// as a failure, the safe side.
#[must_use = "an attempt left unsettled counts as a failure"]
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    began: Instant,
    keys: Vec<Key>,
    settled: bool,
}

impl Attempt<'_> {
    fn settle(mut self, outcome: Outcome) {
        self.settled = true;
        self.throttle.settle(&self.keys, outcome, self.now());
    }

    fn now(&self) -> Instant {
        Instant::now().max(self.began)
    }

    pub fn failed(self) {
        self.settle(Outcome::Failed);
    }

    /// Clears the username's or the device's counter; the address's stays.
    pub fn succeeded(self) {
        self.settle(Outcome::Succeeded);
    }

    /// The password was never checked (no hashing capacity): the attempt is not counted.
    pub fn not_tried(self) {
        self.settle(Outcome::NotTried);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.throttle
                .settle(&self.keys, Outcome::Failed, self.now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const AWAY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));

    fn who(user: &str, addr: IpAddr) -> Subject {
        Subject {
            addr,
            user: Some(user.to_owned()),
            device: None,
        }
    }

    fn fail(t: &LoginThrottle, subject: &Subject, now: Instant) {
        t.begin(subject, now).expect("not throttled").failed();
    }

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
        for _ in 0..5 {
            fail(&t, &who("ann", HOME), now);
        }
        let wait = t.begin(&who("ann", HOME), now).err().unwrap();
        assert!(
            (FIRST_DELAY..FIRST_DELAY + Duration::from_secs(1)).contains(&wait),
            "{wait:?}"
        );
        let later = Instant::now() + FIRST_DELAY;
        t.begin(&who("ann", HOME), later).unwrap().failed();
    }

    #[test]
    fn concurrent_attempts_are_each_counted_before_they_finish() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        let open: Vec<Attempt> = (0..FREE_FAILURES)
            .map(|_| t.begin(&who("ann", HOME), now).unwrap())
            .collect();
        assert!(
            t.begin(&who("ann", HOME), now).is_err(),
            "the sixth concurrent attempt is refused before any has failed"
        );
        assert!(
            t.begin(&who("bob", HOME), now).is_err(),
            "the address is reserved too"
        );
        drop(open);
        assert_eq!(t.lock()[&Key::User("ann".into())].count, FREE_FAILURES);
        assert_eq!(t.lock()[&Key::User("ann".into())].pending, 0);
    }

    #[test]
    fn an_attempt_not_tried_is_not_counted() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..10 {
            t.begin(&who("ann", HOME), now).unwrap().not_tried();
        }
        assert!(t.lock().is_empty());
    }

    #[test]
    fn username_counts_across_addresses_and_address_across_usernames() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..5 {
            fail(&t, &who("ann", if i % 2 == 0 { HOME } else { AWAY }), now);
        }
        assert!(t.begin(&who("ann", AWAY), now).is_err());
        let t = LoginThrottle::default();
        for name in ["a1", "a2", "a3", "a4", "a5"] {
            fail(&t, &who(name, AWAY), now);
        }
        assert!(t.begin(&who("someone-else", AWAY), now).is_err());
        assert!(t.begin(&who("someone-else", HOME), now).is_ok());
    }

    #[test]
    fn names_that_cannot_be_users_count_against_the_address_only() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        let nobody = Subject {
            addr: AWAY,
            user: None,
            device: None,
        };
        for _ in 0..5 {
            fail(&t, &nobody, now);
        }
        assert_eq!(t.lock().len(), 1, "no key for the name");
        assert!(t.begin(&nobody, now).is_err());
        assert!(t.begin(&who("ann", AWAY), now).is_err());
    }

    #[test]
    fn a_device_has_its_own_counter_instead_of_the_username() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..5 {
            fail(&t, &who("ann", AWAY), now);
        }
        let device = Subject {
            device: Some("laptop".into()),
            ..who("ann", HOME)
        };
        assert!(t.begin(&who("ann", HOME), now).is_err(), "username locked");
        for _ in 0..5 {
            fail(&t, &device, now);
        }
        let thief = Subject {
            addr: IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 1)),
            ..device.clone()
        };
        assert!(
            t.begin(&thief, now).is_err(),
            "a device's failures bind it from any address"
        );
    }

    #[test]
    fn success_clears_the_username_or_device_but_not_the_address() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..4 {
            fail(&t, &who("ann", HOME), now);
        }
        t.begin(&who("ann", HOME), now).unwrap().succeeded();
        assert!(!t.lock().contains_key(&Key::User("ann".into())));
        assert_eq!(t.lock()[&Key::Addr(HOME)].count, 4);
        // One more failure for anyone from the address reaches the limit.
        fail(&t, &who("bob", HOME), now);
        assert!(t.begin(&who("ann", HOME), now).is_err());

        // A device's success clears its own counter, not the username's.
        let t = LoginThrottle::default();
        for _ in 0..3 {
            fail(&t, &who("ann", AWAY), now);
        }
        let device = Subject {
            device: Some("laptop".into()),
            ..who("ann", HOME)
        };
        fail(&t, &device, now);
        t.begin(&device, now).unwrap().succeeded();
        let map = t.lock();
        assert_eq!(map[&Key::User("ann".into())].count, 3);
        assert!(!map.contains_key(&Key::Device("laptop".into())));
    }

    #[test]
    fn successes_do_not_keep_an_address_counter_alive() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..4 {
            fail(&t, &who("ann", HOME), now);
        }
        let minutes = |m: u64| now + Duration::from_secs(m * 60);
        t.begin(&who("bob", HOME), minutes(59)).unwrap().succeeded();
        t.begin(&who("bob", HOME), minutes(61)).unwrap().failed();
        assert_eq!(
            t.lock()[&Key::Addr(HOME)].count,
            1,
            "an hour after the last failure"
        );
    }

    #[test]
    fn idle_counters_are_forgotten() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..5 {
            fail(&t, &who("ann", HOME), now);
        }
        assert!(t.begin(&who("ann", HOME), now).is_err());
        let later = now + FORGET_AFTER + Duration::from_secs(1);
        t.begin(&who("ann", HOME), later).unwrap().failed();
        assert_eq!(t.lock()[&Key::User("ann".into())].count, 1);
    }

    #[test]
    fn ipv6_is_counted_by_its_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_group(a), address_group(b));
        assert_ne!(address_group(a), address_group(other));
        assert_eq!(
            address_group("::ffff:192.0.2.7".parse().unwrap()),
            AWAY,
            "IPv4-mapped"
        );
        assert_eq!(address_group(AWAY), AWAY);

        let t = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..5 {
            let addr: IpAddr = format!("2001:db8:1:2::{i}").parse().unwrap();
            fail(&t, &who(&format!("u{i}x"), addr), now);
        }
        assert!(t.begin(&who("carl", b), now).is_err());
        assert!(t.begin(&who("carl", other), now).is_ok());
    }

    #[test]
    fn the_map_is_bounded_and_drops_the_oldest_first() {
        let t = LoginThrottle::default();
        let start = Instant::now();
        let first = who("first", AWAY);
        for _ in 0..5 {
            fail(&t, &first, start);
        }
        for i in 0..MAX_KEYS as u32 {
            let addr = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            let now = start + Duration::from_millis(u64::from(i) + 1);
            t.begin(
                &Subject {
                    addr,
                    user: None,
                    device: None,
                },
                now,
            )
            .unwrap()
            .failed();
        }
        let map = t.lock();
        assert!(map.len() <= MAX_KEYS, "{}", map.len());
        assert!(map.len() > MAX_KEYS * 8 / 10, "{}", map.len());
        assert!(
            !map.contains_key(&Key::User("first".into())),
            "the oldest went first"
        );
        assert!(
            map.contains_key(&Key::Addr(IpAddr::V4(std::net::Ipv4Addr::from(
                0x0a00_0000 + MAX_KEYS as u32 - 1
            ))))
        );
    }
}
