//! Refetching while the server is still working on something the page shows.

use std::time::Duration;

use leptos::prelude::*;

/// Bumps `tick` every `every` while `active()` holds, so a resource whose source reads `tick`
/// refetches. A resource's source is memoised, so a counter (not a bare trigger) is what makes
/// it run again. Browser only: effects do not run during SSR, which renders the page once.
/// The interval stops when `active()` turns false and when the page unmounts.
pub fn refresh_while(
    tick: RwSignal<u32>,
    active: impl Fn() -> bool + Send + Sync + 'static,
    every: Duration,
) {
    // Memoised so the interval is set once per busy spell, not again on every refetch.
    let active = Memo::new(move |_| active());
    Effect::new(move |_| {
        if !active.get() {
            return;
        }
        match set_interval_with_handle(move || tick.update(|t| *t = t.wrapping_add(1)), every) {
            Ok(handle) => on_cleanup(move || handle.clear()),
            // Only if the browser refuses a timer; the page still works, just without refresh.
            Err(e) => leptos::logging::warn!("cannot refresh the page: {e:?}"),
        }
    });
}
