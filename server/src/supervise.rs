//! Background tasks that must outlive a panic. A panic in the exporter's loop once stopped all
//! exports until the next restart; under [`restarting`] the task starts again after a pause.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::error;

/// Runs `start()`'s task until it returns or `cancel` fires; when it panics, starts a new one
/// after `pause`.
pub async fn restarting<F, Fut>(
    name: &'static str,
    cancel: CancellationToken,
    pause: Duration,
    mut start: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    loop {
        match tokio::spawn(start()).await {
            Err(e) if e.is_panic() && !cancel.is_cancelled() => {
                error!(
                    task = name,
                    "background task panicked; restarting it in {pause:?}"
                );
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = tokio::time::sleep(pause) => {}
                }
            }
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn a_panicking_task_is_started_again() {
        let starts = Arc::new(AtomicUsize::new(0));
        let counter = starts.clone();
        restarting(
            "test",
            CancellationToken::new(),
            Duration::ZERO,
            move || {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n < 2 {
                        panic!("cycle {n} panics");
                    }
                }
            },
        )
        .await;
        assert_eq!(
            starts.load(Ordering::SeqCst),
            3,
            "two panics, then it ran to its end"
        );
    }

    #[tokio::test]
    async fn shutdown_stops_the_restarts() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let starts = Arc::new(AtomicUsize::new(0));
        let counter = starts.clone();
        restarting("test", cancel, Duration::from_secs(3600), move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { panic!("always") }
        })
        .await;
        assert_eq!(starts.load(Ordering::SeqCst), 1);
    }
}
