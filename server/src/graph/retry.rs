//! Retry policy for transient failures: exponential backoff with full jitter, bounded.

use std::time::Duration;

#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 4,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based); `unit` in [0, 1) picks the jitter.
    pub fn delay(&self, retry: u32, unit: f64) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.cap);
        // "Equal jitter": never less than half the ceiling, so retries really do spread out.
        ceiling.mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0))
    }
}

/// A cheap jitter source; cryptographic quality is not needed to spread retries.
pub fn jitter_unit() -> f64 {
    use rand::Rng;
    rand::thread_rng().gen::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_stay_jittered_and_are_capped() {
        let p = RetryPolicy {
            max_retries: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
        };
        assert_eq!(p.delay(0, 0.0), Duration::from_millis(50));
        assert_eq!(p.delay(0, 1.0), Duration::from_millis(100));
        assert_eq!(p.delay(2, 1.0), Duration::from_millis(400));
        assert_eq!(p.delay(9, 1.0), Duration::from_secs(1));
        assert_eq!(p.delay(40, 0.5), Duration::from_millis(750));
        for _ in 0..100 {
            let d = p.delay(1, jitter_unit());
            assert!(d >= Duration::from_millis(100) && d <= Duration::from_millis(200));
        }
    }
}
