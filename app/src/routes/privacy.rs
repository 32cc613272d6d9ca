//! `/privacy` (public): what this instance stores about Instagram accounts, and how to have
//! it deleted. Meta requires such a page for apps that use its login.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::settings::privacy_contact;
use crate::resource::resource;

#[component]
pub fn PrivacyPage() -> impl IntoView {
    let contact = resource(|| (), |_| privacy_contact());
    view! {
        <Title text="Privacy policy" />
        <main id="main" class="page prose">
            <h1>"Privacy policy"</h1>
            <p>
                "This Instalytics instance collects statistics about Instagram professional accounts its operators connect, to show them in a dashboard. It stores only:"
            </p>
            <ul>
                <li>"each connected account's public profile: id, username, name, picture address, and follower, following and post counts;"</li>
                <li>"its posts, reels and stories: id, caption and the hashtags in it, type, link, thumbnail address, time of publication;"</li>
                <li>"their metrics over time (likes, comments, saves, shares, reach, views, interactions), one record per poll;"</li>
                <li>"daily account insights (followers, reach, views, profile views, accounts engaged, interactions);"</li>
                <li>"a log of each poll: when, how it ended, how many requests it used;"</li>
                <li>"the access token Meta issued for the account, encrypted at rest and never shown to anyone."</li>
            </ul>
            <p>
                "Nothing is sold or shared. Data leaves this server only if an operator configures an export to their own Google BigQuery dataset. Posts older than the configured lookback window are deleted automatically."
            </p>
            <h2>"Deleting your data"</h2>
            <p>
                "Removing this app under Apps and Websites in your Instagram or Facebook settings tells this instance to stop collecting; asking Meta to delete your data deletes your connected account and everything collected for it, and gives you a confirmation code to check here."
            </p>
            <p>"You can also write to the contact below and ask for your account and its data to be deleted."</p>
            <h2>"Contact"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading the contact address…"</p> }>
                {move || Suspend::new(async move {
                    match contact.await {
                        Ok(address) if !address.is_empty() => {
                            let href = format!("mailto:{address}");
                            view! {
                                <p>
                                    "Write to " <a href=href>{address}</a>
                                    " for any question or request about your data."
                                </p>
                            }
                                .into_any()
                        }
                        Ok(_) => {
                            view! { <p>"The operator has not published a contact address yet."</p> }
                                .into_any()
                        }
                        // Not an ErrorView: the policy above is still worth reading, so only
                        // this paragraph says what failed (and "no contact" reads differently).
                        Err(error) => {
                            view! {
                                <p class="form-alert" role="alert">
                                    {format!("The contact address could not be loaded: {error}")}
                                </p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
            <p>
                <a href="/">"Back to Instalytics"</a>
            </p>
        </main>
    }
}
