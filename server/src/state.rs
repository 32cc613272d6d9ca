//! `AppState`: everything request handlers need, built once at start-up (no globals).

use std::sync::Arc;

use app::backend::Backend;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;
use tokio::sync::Notify;

use crate::auth::password::{PasswordError, Passwords};
use crate::auth::service::{AuthService, UserAdmin};
use crate::auth::setup_token::SetupToken;
use crate::auth::throttle::LoginThrottle;
use crate::config::Secret;
use crate::crypto::Cipher;
use crate::export::ExportDeps;
use crate::graph::GraphConfig;
use crate::services::accounts::AccountService;
use crate::services::analytics::AnalyticsService;
use crate::services::export::ExportService;
use crate::services::settings::SettingsService;
use crate::services::sync_log::SyncLogService;
use crate::store::accounts::AccountStore;
use crate::store::analytics::AnalyticsStore;
use crate::store::export::ExportStore;
use crate::store::leases::LeaseStore;
use crate::store::sessions::DbSessionStore;
use crate::store::settings::SettingsStore;
use crate::store::sync_runs::SyncRunStore;
use crate::store::users::UserStore;

/// "Connect with Instagram", present when the Instagram app id and secret are configured.
#[derive(Clone, Debug)]
pub struct OAuthApp {
    pub app_id: String,
    pub secret: Secret,
    pub authorize_url: String,
    pub token_url: String,
    pub redirect_uri: String,
}

/// What Meta's signed callbacks need: the app secrets that may have signed them, and where
/// the deletion status pages live.
#[derive(Clone, Debug)]
pub struct MetaCallbacks {
    pub secrets: Vec<Secret>,
    pub public_url: String,
}

/// The parts of start-up configuration the state is built from.
pub struct StateParts {
    pub db: DatabaseConnection,
    pub leptos_options: LeptosOptions,
    pub cipher: Arc<Cipher>,
    pub http: reqwest::Client,
    pub graph: Arc<GraphConfig>,
    pub instance: String,
    pub poller: Arc<Notify>,
    /// Wakes the BigQuery exporter.
    pub export: Arc<Notify>,
    pub export_deps: ExportDeps,
    pub oauth: Option<OAuthApp>,
    pub meta: MetaCallbacks,
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub backend: Backend,
    pub db: DatabaseConnection,
    pub setup: Arc<SetupToken>,
    pub accounts: AccountService,
    pub oauth: Option<Arc<OAuthApp>>,
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
            setup: setup.clone(),
        };
        let export = ExportService {
            deps: parts.export_deps,
            store: ExportStore::new(db.clone()),
            wake: parts.export.clone(),
        };
        let accounts = AccountService {
            accounts: AccountStore::new(db.clone()),
            leases: LeaseStore::new(db.clone(), parts.instance),
            cipher: parts.cipher,
            http: parts.http,
            graph: parts.graph,
            poller: parts.poller,
            export: parts.export.clone(),
            oauth: parts.oauth.is_some(),
        };
        let backend = Backend {
            auth: Arc::new(auth),
            users: Arc::new(UserAdmin {
                users,
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
            analytics: Arc::new(AnalyticsService {
                store: AnalyticsStore::new(db.clone()),
                settings: SettingsStore::new(db.clone()),
            }),
            export: Arc::new(export),
        };
        Ok(Self {
            leptos_options: parts.leptos_options,
            backend,
            db,
            setup,
            accounts,
            oauth: parts.oauth.map(Arc::new),
            meta: Arc::new(parts.meta),
        })
    }
}
