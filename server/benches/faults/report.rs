//! Counting check results and printing figures.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::checks::Check;
use crate::common::percentile;

/// Results of one invariant's checks.
#[derive(Default)]
struct Results {
    passed: u32,
    /// Failures with a problem not seen before.
    failed: u32,
    /// Failures that only found the same problem as the check before (the data a violation
    /// left stays, so every later check sees it again).
    repeated: u32,
    /// The first few distinct failure messages.
    messages: Vec<String>,
}

/// Passes and failures per invariant.
#[derive(Default)]
pub struct Tally {
    checks: BTreeMap<&'static str, Results>,
}

impl Tally {
    pub fn record(&mut self, name: &'static str, result: Check) {
        let entry = self.checks.entry(name).or_default();
        match result {
            Ok(()) => entry.passed += 1,
            Err(e) if entry.messages.last() == Some(&e) => entry.repeated += 1,
            Err(e) => {
                entry.failed += 1;
                if entry.messages.len() < 3 {
                    entry.messages.push(e);
                }
            }
        }
    }

    pub fn failures(&self) -> u32 {
        self.checks.values().map(|c| c.failed).sum()
    }

    pub fn print(&self) {
        for (name, r) in &self.checks {
            let repeated = match r.repeated {
                0 => String::new(),
                n => format!("  (then the same problem seen again {n} times)"),
            };
            println!(
                "  {name:<62} passed {:>3}  failed {:>3}{repeated}",
                r.passed, r.failed
            );
            for m in &r.messages {
                println!("      {m}");
            }
        }
    }
}

/// "median m, max x" of durations, in seconds.
pub fn spread(samples: &[Duration]) -> String {
    if samples.is_empty() {
        return "no samples".into();
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    format!(
        "median {:.1} s, max {:.1} s (n = {})",
        percentile(&sorted, 0.5).as_secs_f64(),
        sorted[sorted.len() - 1].as_secs_f64(),
        sorted.len()
    )
}

/// Two censuses side by side; `Err` names the figures that differ.
pub fn compare(clean: &[(&str, String)], killed: &[(&str, String)]) -> Check {
    println!(
        "  {:<32} {:>16} {:>16}",
        "figure", "clean run", "run with kills"
    );
    let mut differ = Vec::new();
    for ((name, a), (_, b)) in clean.iter().zip(killed) {
        let mark = if a == b { "" } else { "  <- differs" };
        if a.len() > 16 || b.len() > 16 {
            println!("  {name}:{mark}\n    clean run:      {a}\n    run with kills: {b}");
        } else {
            println!("  {name:<32} {a:>16} {b:>16}{mark}");
        }
        if a != b {
            differ.push(*name);
        }
    }
    if differ.is_empty() {
        Ok(())
    } else {
        Err(format!("differ: {}", differ.join(", ")))
    }
}
