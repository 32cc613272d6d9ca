//! Personal read-only API tokens ([`TokensPort`]) for `/api/v1/`. A token is
//! `ila_<id>.<secret>`: the prefix says what it is (and lets secret scanners find a leaked
//! one), the id finds its row, the 256-bit secret is compared in constant time with the
//! stored digest. What a token reads is checked on every request: its workspaces that its
//! owner still sees, so a viewer removed from a workspace loses it through their tokens too.

use std::num::NonZeroU32;
use std::sync::Arc;

use app::backend::TokensPort;
use app::dto::{ApiTokenId, ApiTokenSummary, CreatedApiToken, Reach, SessionUser, WorkspaceId};
use app::error::AppError;
use app::rules;
use async_trait::async_trait;

use super::{utc, utc_date};
use crate::auth::rate_limit::RateLimit;
use crate::auth::secret_token;
use crate::clock::unix_now;
use crate::store::api_tokens::{ListedToken, NewToken, TokenStore};
use crate::store::entities::users::DbRole;
use crate::store::workspaces::WorkspaceStore;

/// What every token starts with.
pub const TOKEN_PREFIX: &str = "ila_";

/// Requests one token may make a minute: a script reading every account's series and posts
/// every few minutes stays far below it.
pub const REQUESTS_PER_TOKEN: NonZeroU32 = NonZeroU32::new(120).unwrap();

#[derive(Clone)]
pub struct TokenService {
    store: TokenStore,
    workspaces: WorkspaceStore,
    per_token: Arc<RateLimit<i64>>,
}

impl TokenService {
    pub fn new(store: TokenStore, workspaces: WorkspaceStore) -> Self {
        Self {
            store,
            workspaces,
            per_token: Arc::new(RateLimit::per_minute(REQUESTS_PER_TOKEN)),
        }
    }

    /// The workspaces `user` sees now; every one for an admin (`None`).
    async fn seen_by(&self, user: i64, role: DbRole) -> Result<Option<Vec<i64>>, AppError> {
        Ok(match role {
            DbRole::Admin => None,
            DbRole::Viewer => Some(self.workspaces.memberships(user).await?),
        })
    }
}

fn summary(listed: ListedToken, now: i64) -> ApiTokenSummary {
    ApiTokenSummary {
        id: ApiTokenId(listed.token.id),
        expired: secret_token::expired(listed.token.expires_at, now),
        name: listed.token.name,
        owner: listed.owner,
        workspaces: listed
            .workspaces
            .into_iter()
            .map(|(_, name)| name)
            .collect(),
        created_on: utc_date(listed.token.created_at),
        expires: listed.token.expires_at.map(utc),
        last_used: listed.token.last_used_at.map(utc),
    }
}

/// Whose tokens `user` manages: their own, or everyone's (`None`) for an admin.
fn managed_by(user: &SessionUser) -> Option<i64> {
    (!user.is_admin()).then_some(user.id.0)
}

#[async_trait]
impl TokensPort for TokenService {
    async fn create(
        &self,
        user: &SessionUser,
        name: &str,
        expires_in_days: u32,
        workspaces: Vec<WorkspaceId>,
    ) -> Result<CreatedApiToken, AppError> {
        let name = rules::token_name(name)?;
        let days = rules::expiry_days(expires_in_days)?;
        let chosen: Vec<i64> = rules::token_workspaces(workspaces)?
            .into_iter()
            .map(|w| w.0)
            .collect();
        let role = if user.is_admin() {
            DbRole::Admin
        } else {
            DbRole::Viewer
        };
        if let Some(seen) = self.seen_by(user.id.0, role).await? {
            // Another's workspace is as unknown as one that never was.
            if chosen.iter().any(|w| !seen.contains(w)) {
                return Err(AppError::NotFound);
            }
        }
        let (secret, secret_hash) = secret_token::issue();
        let now = unix_now();
        let id = self
            .store
            .create(NewToken {
                user_id: user.id.0,
                name,
                secret_hash,
                created_at: now,
                expires_at: secret_token::expires_at(now, days),
                workspaces: chosen,
            })
            .await?;
        let listed = self
            .store
            .list(None, Some(id))
            .await?
            .pop()
            .ok_or(AppError::NotFound)?;
        Ok(CreatedApiToken {
            token: summary(listed, now),
            secret: format!("{TOKEN_PREFIX}{id}.{secret}"),
        })
    }

    async fn list(&self, user: &SessionUser) -> Result<Vec<ApiTokenSummary>, AppError> {
        let now = unix_now();
        Ok(self
            .store
            .list(managed_by(user), None)
            .await?
            .into_iter()
            .map(|listed| summary(listed, now))
            .collect())
    }

    async fn revoke(&self, user: &SessionUser, id: ApiTokenId) -> Result<(), AppError> {
        Ok(self.store.delete(id.0, managed_by(user)).await?)
    }

    async fn authenticate(&self, token: &str) -> Result<Reach, AppError> {
        let (id, secret) = token
            .strip_prefix(TOKEN_PREFIX)
            .and_then(secret_token::split)
            .ok_or(AppError::Unauthenticated)?;
        let presented = self
            .store
            .presented(id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if !secret_token::matches(&presented.token.secret_hash, secret) {
            return Err(AppError::Unauthenticated);
        }
        self.per_token.check(&id)?;
        let now = unix_now();
        if secret_token::expired(presented.token.expires_at, now) {
            return Err(AppError::Unauthenticated);
        }
        self.store.touch(id, now).await?;
        let seen = self
            .seen_by(presented.token.user_id, presented.role)
            .await?;
        Ok(Reach::Workspaces(
            presented
                .workspaces
                .into_iter()
                .filter(|w| seen.as_ref().is_none_or(|seen| seen.contains(w)))
                .map(WorkspaceId)
                .collect(),
        ))
    }
}
