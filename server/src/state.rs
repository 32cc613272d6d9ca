//! `AppState`: everything request handlers need, built once at start-up (no globals).

use std::sync::Arc;

use app::backend::Backend;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;
use tokio::sync::Notify;

use crate::auth::device::{self, DeviceCookies};
use crate::auth::password::{PasswordError, Passwords};
use crate::auth::service::{AuthService, UserAdmin};
use crate::auth::setup_token::SetupToken;
use crate::auth::throttle::LoginThrottle;
use crate::config::{MetaCallbacks, OAuthApps};
use crate::export::ExportDeps;
use crate::notify::NotifyDeps;
use crate::services::accounts::AccountService;
use crate::services::export::ExportService;
use crate::services::notify::NotifyService;
use crate::services::settings::SettingsService;
use crate::services::shares::ShareService;
use crate::services::sync_log::SyncLogService;
use crate::services::tokens::TokenService;
use crate::services::workspaces::WorkspaceService;
use crate::store::api_tokens::TokenStore;
use crate::store::export::ExportStore;
use crate::store::sessions::DbSessionStore;
use crate::store::settings::SettingsStore;
use crate::store::share_links::ShareLinkStore;
use crate::store::sync_runs::SyncRunStore;
use crate::store::users::UserStore;
use crate::store::workspaces::WorkspaceStore;
use crate::sync::SyncContext;

/// The parts of start-up configuration the state is built from.
pub struct StateParts {
    pub db: DatabaseConnection,
    pub leptos_options: LeptosOptions,
    /// The poller's connection (database, key, Graph API), shared by the account service.
    pub sync: Arc<SyncContext>,
    pub poller: Arc<Notify>,
    /// Wakes the BigQuery exporter.
    pub export: Arc<Notify>,
    pub export_deps: ExportDeps,
    pub oauth: OAuthApps,
    /// Mark cookies `Secure` (`--secure-cookies`): the device cookie, like the session's.
    pub secure_cookies: bool,
    pub meta: MetaCallbacks,
    /// Alerts' channels and SMTP server.
    pub notify: NotifyDeps,
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub backend: Backend,
    pub db: DatabaseConnection,
    pub setup: Arc<SetupToken>,
    pub accounts: AccountService,
    pub meta: Arc<MetaCallbacks>,
}

impl AppState {
    pub async fn new(parts: StateParts) -> Result<Self, PasswordError> {
        let db = parts.db;
        let passwords = Passwords::new().await?;
        let users = UserStore::new(db.clone());
        let setup = Arc::new(SetupToken::default());
        let auth = AuthService {
            users: users.clone(),
            passwords: passwords.clone(),
            throttle: Arc::new(LoginThrottle::default()),
            devices: DeviceCookies::new(
                parts.sync.cipher.derive_key(device::KEY_PURPOSE),
                parts.secure_cookies,
            ),
            setup: setup.clone(),
        };
        let export = ExportService {
            deps: parts.export_deps,
            store: ExportStore::new(db.clone()),
            wake: parts.export.clone(),
        };
        let accounts = AccountService::new(&parts.sync)
            .waking(parts.poller, parts.export.clone())
            .with_oauth(parts.oauth);
        let backend = Backend {
            auth: Arc::new(auth),
            users: Arc::new(UserAdmin {
                users,
                workspaces: WorkspaceStore::new(db.clone()),
                sessions: DbSessionStore::new(db.clone()),
                passwords,
            }),
            accounts: Arc::new(accounts.clone()),
            sync_log: Arc::new(SyncLogService {
                runs: SyncRunStore::new(db.clone()),
            }),
            settings: Arc::new(SettingsService {
                settings: SettingsStore::new(db.clone()),
            }),
            // One service (one peer cache) for the pages and the scheduled reports.
            analytics: parts.notify.analytics.clone(),
            export: Arc::new(export),
            workspaces: Arc::new(WorkspaceService::new(WorkspaceStore::new(db.clone()))),
            shares: Arc::new(ShareService::new(
                ShareLinkStore::new(db.clone()),
                WorkspaceStore::new(db.clone()),
            )),
            tokens: Arc::new(TokenService::new(
                TokenStore::new(db.clone()),
                WorkspaceStore::new(db.clone()),
            )),
            notify: Arc::new(NotifyService::new(parts.notify)),
        };
        Ok(Self {
            leptos_options: parts.leptos_options,
            backend,
            db,
            setup,
            accounts,
            meta: Arc::new(parts.meta),
        })
    }
}
