//! Deterministic numbers from a seed and a key: the same simulator, the same data, always.

/// SplitMix64: tiny, fast, and good enough to make simulated data look random.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A stream of numbers for one thing (an account, a post, a day) under one seed.
#[derive(Clone, Copy)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, key: &[u64]) -> Self {
        Rng(key.iter().fold(mix(seed), |acc, k| {
            mix(acc ^ k.wrapping_mul(0x2545_F491_4F6C_DD1D))
        }))
    }

    pub fn next(&mut self) -> u64 {
        self.0 = mix(self.0);
        self.0
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// `digits` decimal digits, the first not zero (Graph ids look like this).
    pub fn digits(&mut self, digits: u32) -> String {
        let low = 10u64.pow(digits - 1);
        (low + self.below(9 * low)).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_key_same_numbers_otherwise_different() {
        let a: Vec<u64> = (0..5)
            .scan(Rng::new(7, &[1, 2]), |r, _| Some(r.next()))
            .collect();
        let b: Vec<u64> = (0..5)
            .scan(Rng::new(7, &[1, 2]), |r, _| Some(r.next()))
            .collect();
        let c: Vec<u64> = (0..5)
            .scan(Rng::new(7, &[2, 1]), |r, _| Some(r.next()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn ranges_and_digits_stay_in_bounds() {
        let mut r = Rng::new(1, &[]);
        for _ in 0..1000 {
            let x = r.range(2.0, 3.0);
            assert!((2.0..3.0).contains(&x));
            assert_eq!(r.digits(11).len(), 11);
        }
    }
}
