//! `/notifications` (admin): every alert and test message sent to each channel, newest
//! first, with its attempts and last error; refreshed while some are still being sent.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::notifications::{delivery_log, DELIVERY_LOG_LIMIT};
use crate::components::error_view::ErrorView;
use crate::components::refresh::refresh_while;
use crate::dto::{DeliveryStatus, DeliveryView};
use crate::resource::resource;

/// How often the log refreshes while a delivery it shows is pending.
const PENDING_REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

#[component]
pub fn NotificationLogPage() -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let log = resource(move || tick.get(), |_| delivery_log());
    refresh_while(
        tick,
        move || {
            log.get()
                .and_then(Result::ok)
                .is_some_and(|list| list.iter().any(|d| d.status == DeliveryStatus::Pending))
        },
        PENDING_REFRESH,
    );
    view! {
        <Title text="Notifications log" />
        <h1>"Notifications log"</h1>
        <p class="hint">
            "Each message to each channel. A failed attempt is tried again after 1, 5 and 15 \
             minutes, 1 hour and 3 hours. Channels and alert rules are in "
            <a href="/settings/notifications">"Settings → Notifications"</a>
            "."
        </p>
        <Transition fallback=|| view! { <p class="loading">"Loading the log…"</p> }>
            {move || Suspend::new(async move {
                match log.await {
                    Ok(list) if list.is_empty() => {
                        view! { <p class="empty-state">"Nothing sent yet."</p> }.into_any()
                    }
                    Ok(list) => view! { <DeliveriesTable list /> }.into_any(),
                    Err(error) => view! { <ErrorView error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DeliveriesTable(list: Vec<DeliveryView>) -> impl IntoView {
    let capped = list.len() as u64 >= DELIVERY_LOG_LIMIT;
    view! {
        <table class="data-table" data-testid="deliveries">
            <caption class="visually-hidden">"Deliveries, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Queued"</th>
                    <th scope="col">"Channel"</th>
                    <th scope="col">"Message"</th>
                    <th scope="col">"Outcome"</th>
                    <th scope="col" class="num">"Attempts"</th>
                    <th scope="col">"Error"</th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|d| {
                        view! {
                            <tr data-testid="delivery-row" data-status=d.status.as_str()>
                                <td>{d.at}</td>
                                <td>{d.channel} " (" {d.kind.label()} ")"</td>
                                <td>{d.title}</td>
                                <td>
                                    <span class=format!("outcome delivery-{}", d.status.as_str())>
                                        {d.status.as_str()}
                                    </span>
                                </td>
                                <td class="num">{d.attempts}</td>
                                <td class="error-text">{d.error}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {capped.then(|| view! { <p class="hint">{format!("Showing the newest {DELIVERY_LOG_LIMIT}.")}</p> })}
    }
}
