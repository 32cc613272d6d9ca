//! Pages whose code the browser loads on first visit. Built with `cargo leptos build --split`,
//! every page but the Overview (the one a viewer opens first) is a WASM chunk of its own, and
//! code that several of them share is a chunk too: the Overview downloads only what it needs,
//! and another page fetches its chunk once, when it is first shown. On the server these are
//! ordinary views.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::{
    accounts, api_tokens, audience, best_time, hashtags, login, notification_log, notifications,
    post, posts, privacy, privacy_deletion, settings, setup, share_links, stories, sync_log, users,
    workspaces,
};

/// A route type whose view is the page component, split off.
macro_rules! lazy_page {
    ($($route:ident => $page:path;)*) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    )*};
}

lazy_page! {
    Posts => posts::PostsPage;
    Post => post::PostPage;
    Stories => stories::StoriesPage;
    Hashtags => hashtags::HashtagsPage;
    BestTime => best_time::BestTimePage;
    Audience => audience::AudiencePage;
    Accounts => accounts::AccountsPage;
    SyncLog => sync_log::SyncLogPage;
    Users => users::UsersPage;
    Workspaces => workspaces::WorkspacesPage;
    ShareLinks => share_links::ShareLinksPage;
    ApiTokens => api_tokens::ApiTokensPage;
    Settings => settings::SettingsPage;
    Notifications => notifications::NotificationsPage;
    NotificationLog => notification_log::NotificationLogPage;
    Login => login::LoginPage;
    Setup => setup::SetupPage;
    Privacy => privacy::PrivacyPage;
    DeletionStatus => privacy_deletion::DeletionStatusPage;
}
