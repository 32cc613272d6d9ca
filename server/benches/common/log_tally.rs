//! A `tracing` layer that counts what an in-process server logs: events at WARN and above,
//! and any event that mentions SQLite's busy error, with the most frequent messages kept so a
//! bench can say what went wrong, not only how often.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// Distinct messages kept per tally; later ones are only counted.
const DISTINCT: usize = 12;
/// Messages are cut here, so one long error (a query, a body) cannot fill the report.
const MESSAGE_CHARS: usize = 240;

/// How sqlx and SQLite word `SQLITE_BUSY` (code 5; `BUSY_SNAPSHOT`, 517, reads the same).
const BUSY: [&str; 4] = [
    "database is locked",
    "database table is locked",
    "SQLITE_BUSY",
    "(code: 5)",
];

/// Whether `text` reports SQLite's busy error.
pub fn is_busy(text: &str) -> bool {
    BUSY.iter().any(|b| text.contains(b))
}

#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Events at WARN or ERROR.
    pub warnings: u64,
    /// Events (any level) that mention the busy error.
    pub busy: u64,
    /// Message → how often, for the first [`DISTINCT`] messages counted.
    pub messages: HashMap<String, u64>,
}

impl Tally {
    /// The kept messages, most frequent first.
    pub fn top(&self) -> Vec<(&str, u64)> {
        let mut top: Vec<_> = self
            .messages
            .iter()
            .map(|(m, n)| (m.as_str(), *n))
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        top
    }
}

/// Install with `tracing_subscriber::registry().with(tally.clone())`; read with [`Self::take`].
/// Messages name the spans they were logged in, outermost first.
#[derive(Clone, Default)]
pub struct LogTally(Arc<Mutex<Tally>>);

impl LogTally {
    /// What was counted since the last call; counting starts over.
    pub fn take(&self) -> Tally {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// An event's fields as `name=value` text.
struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for LogTally {
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        // The spans name where it happened (a store method's `#[instrument(err)]` is a span).
        let spans: Vec<&str> = ctx
            .event_scope(event)
            .map(|scope| scope.from_root().map(|span| span.name()).collect())
            .unwrap_or_default();
        let mut fields = Fields(format!(
            "{} {} [{}]:",
            meta.level(),
            meta.target(),
            spans.join(" > ")
        ));
        event.record(&mut fields);
        let busy = is_busy(&fields.0);
        // Levels order by verbosity: WARN and ERROR are the ones at or below WARN.
        let warning = *meta.level() <= Level::WARN;
        if !busy && !warning {
            return;
        }
        let mut tally = self.0.lock().unwrap();
        tally.busy += u64::from(busy);
        tally.warnings += u64::from(warning);
        let message: String = fields.0.chars().take(MESSAGE_CHARS).collect();
        let kept = tally.messages.len();
        if let Some(n) = tally.messages.get_mut(&message) {
            *n += 1;
        } else if kept < DISTINCT {
            tally.messages.insert(message, 1);
        }
    }
}
