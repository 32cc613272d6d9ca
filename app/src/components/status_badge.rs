//! An account's status as a coloured badge, with what the user needs to know next to it.

use leptos::prelude::*;

use crate::dto::AccountStatus;

/// The badge's text and class: `status status-<as_str()>`, so colour is never the only cue
/// and browser tests can find a status by class.
#[component]
pub fn StatusBadge(
    status: AccountStatus,
    /// Rate limited: when polling resumes.
    retry_after: Option<String>,
    /// Meta's words about a missing permission or an expired token.
    detail: Option<String>,
) -> impl IntoView {
    let until = (status == AccountStatus::RateLimited)
        .then_some(retry_after)
        .flatten()
        .map(|t| format!(" until {t}"));
    // Only these two need the admin to act, and Meta's message says how; for the others the
    // detail is at most a leftover from an earlier state.
    let detail = matches!(
        status,
        AccountStatus::PermissionMissing | AccountStatus::NeedsReauth
    )
    .then_some(detail)
    .flatten();
    view! {
        <span class=format!("status status-{}", status.as_str()) data-testid="account-status">
            {status.label()}
            {until}
        </span>
        {detail.map(|d| view! { <p class="status-detail">{d}</p> })}
    }
}
