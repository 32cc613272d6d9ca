//! `AppState`: everything request handlers need, built once at start-up (no globals).

use std::sync::Arc;

use app::backend::Backend;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use crate::auth::password::{PasswordError, Passwords};
use crate::auth::service::{AuthService, UserAdmin};
use crate::auth::setup_token::SetupToken;
use crate::auth::throttle::LoginThrottle;
use crate::store::users::UserStore;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub backend: Backend,
    pub db: DatabaseConnection,
    pub setup: Arc<SetupToken>,
}

impl AppState {
    pub async fn new(
        db: DatabaseConnection,
        leptos_options: LeptosOptions,
    ) -> Result<Self, PasswordError> {
        let passwords = Passwords::new().await?;
        let users = UserStore::new(db.clone());
        let setup = Arc::new(SetupToken::default());
        let auth = AuthService {
            users: users.clone(),
            passwords: passwords.clone(),
            throttle: Arc::new(LoginThrottle::default()),
            setup: setup.clone(),
        };
        let backend = Backend {
            auth: Arc::new(auth),
            users: Arc::new(UserAdmin { users, passwords }),
        };
        Ok(Self {
            leptos_options,
            backend,
            db,
            setup,
        })
    }
}
