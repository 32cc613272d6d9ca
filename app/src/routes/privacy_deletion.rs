//! `/privacy/deletion/:code` (public): the status page Meta's data-deletion callback points
//! the user to, found by the confirmation code it returned.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::settings::deletion_status;
use crate::components::error_view::ErrorView;
use crate::resource::resource;

#[component]
pub fn DeletionStatusPage() -> impl IntoView {
    let params = use_params_map();
    let status = resource(
        move || params.read().get("code").unwrap_or_default(),
        deletion_status,
    );
    view! {
        <Title text="Data deletion" />
        <main id="main" class="page prose">
            <h1>"Data deletion request"</h1>
            <Suspense fallback=|| view! { <p>"…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(Some(d)) => {
                            view! {
                                <p class="deletion" data-code=d.code.clone()>
                                    {format!(
                                        "Deletion request {}: received {}; {} connected account(s) and all their data deleted.",
                                        d.code,
                                        d.received,
                                        d.accounts_deleted,
                                    )}
                                </p>
                            }
                                .into_any()
                        }
                        Ok(None) => {
                            view! { <p>"No deletion request with this code."</p> }.into_any()
                        }
                        Err(error) => view! { <ErrorView error /> }.into_any(),
                    }
                })}
            </Suspense>
            <p>
                <a href="/privacy">"Privacy policy"</a>
            </p>
        </main>
    }
}
