//! Share links ([`SharesPort`]): read-only links to one workspace's (or one account's)
//! dashboard pages. The secret is 256 random bits, shown once and stored as a digest; the
//! link is `/s/<id>.<secret>`, so it is found by id and its secret compared in constant time.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use app::backend::SharesPort;
use app::dto::{
    AccountId, CreatedShareLink, NewShareLink, Reach, ShareLinkId, ShareLinkSummary, SharedView,
    UserId, WorkspaceId,
};
use app::error::AppError;
use app::rules;
use async_trait::async_trait;

use super::{utc, utc_date};
use crate::auth::rate_limit::RateLimit;
use crate::auth::secret_token;
use crate::auth::throttle::address_group;
use crate::clock::unix_now;
use crate::store::entities::share_links;
use crate::store::share_links::{Listed, NewLink, ShareLinkStore};
use crate::store::workspaces::WorkspaceStore;

/// Links opened from one address a minute: enough for a team opening a handful, while a
/// script trying secrets gets nowhere (they are 256 bits anyway).
const OPENS_PER_ADDRESS: NonZeroU32 = NonZeroU32::new(30).unwrap();
/// Requests through one link a minute: a page load makes three or four, so a hundred pages.
const REQUESTS_PER_LINK: NonZeroU32 = NonZeroU32::new(400).unwrap();

#[derive(Clone)]
pub struct ShareService {
    store: ShareLinkStore,
    workspaces: WorkspaceStore,
    per_address: Arc<RateLimit<IpAddr>>,
    per_link: Arc<RateLimit<i64>>,
}

impl ShareService {
    pub fn new(store: ShareLinkStore, workspaces: WorkspaceStore) -> Self {
        Self {
            store,
            workspaces,
            per_address: Arc::new(RateLimit::per_minute(OPENS_PER_ADDRESS)),
            per_link: Arc::new(RateLimit::per_minute(REQUESTS_PER_LINK)),
        }
    }

    /// Link `id` while it is good (`NotFound` when unknown, revoked or expired) and its
    /// secret is `secret`, when given. A use: it counts against the link's rate and is
    /// recorded. A wrong secret counts only against its address, so nobody can use up a
    /// link's rate without it.
    async fn use_link(
        &self,
        id: i64,
        secret: Option<&str>,
    ) -> Result<share_links::Model, AppError> {
        let now = unix_now();
        let link = self.store.find(id).await?.ok_or(AppError::NotFound)?;
        if secret.is_some_and(|s| !secret_token::matches(&link.secret_hash, s)) {
            return Err(AppError::NotFound);
        }
        self.per_link.check(&id)?;
        if secret_token::expired(link.expires_at, now) {
            return Err(AppError::NotFound);
        }
        self.store.touch(id, now).await?;
        Ok(link)
    }

    /// The link's workspace and account: the account's own workspace, or the one chosen, or
    /// the only one there is.
    async fn target(&self, new: &NewShareLink) -> Result<(i64, Option<i64>), AppError> {
        if let Some(account) = new.account {
            let workspace = self.store.workspace_of(account.0).await?;
            if new.workspace.is_some_and(|w| w.0 != workspace) {
                return Err(AppError::NotFound);
            }
            return Ok((workspace, Some(account.0)));
        }
        if let Some(workspace) = new.workspace {
            return Ok((workspace.0, None));
        }
        match self.workspaces.for_new_viewer(None).await? {
            Some(only) => Ok((only, None)),
            None => Err(AppError::invalid(
                "workspace",
                "Choose a workspace (or an account) first: a link shows one workspace or one \
                 account.",
            )),
        }
    }
}

/// What a link shows, in words: the account, or the workspace.
fn target(listed: &Listed) -> String {
    match &listed.account {
        Some(username) => format!("@{username} ({})", listed.workspace),
        None => listed.workspace.clone(),
    }
}

/// The page a link opens, with its query.
fn opens(link: &share_links::Model) -> String {
    match link.query.as_str() {
        "" => link.page.clone(),
        query => format!("{}?{query}", link.page),
    }
}

fn summary(listed: Listed, now: i64) -> ShareLinkSummary {
    ShareLinkSummary {
        id: ShareLinkId(listed.link.id),
        label: listed.link.label.clone(),
        target: target(&listed),
        opens: opens(&listed.link),
        created_by: listed.creator.clone(),
        created_on: utc_date(listed.link.created_at),
        expires: listed.link.expires_at.map(utc),
        expired: secret_token::expired(listed.link.expires_at, now),
        last_used: listed.link.last_used_at.map(utc),
    }
}

#[async_trait]
impl SharesPort for ShareService {
    async fn create(&self, by: UserId, new: NewShareLink) -> Result<CreatedShareLink, AppError> {
        let label = rules::share_label(&new.label)?;
        let days = rules::expiry_days(new.expires_in_days)?;
        let (page, query) = rules::share_page(&new.path, &new.query)?;
        let (workspace_id, account_id) = self.target(&new).await?;
        let (secret, secret_hash) = secret_token::issue();
        let now = unix_now();
        let id = self
            .store
            .create(NewLink {
                label,
                workspace_id,
                account_id,
                page,
                query,
                secret_hash,
                created_by: by.0,
                created_at: now,
                expires_at: secret_token::expires_at(now, days),
            })
            .await?;
        let listed = self
            .store
            .list(Some(id))
            .await?
            .pop()
            .ok_or(AppError::NotFound)?;
        Ok(CreatedShareLink {
            link: summary(listed, now),
            path: format!("/s/{id}.{secret}"),
        })
    }

    async fn list(&self) -> Result<Vec<ShareLinkSummary>, AppError> {
        let now = unix_now();
        Ok(self
            .store
            .list(None)
            .await?
            .into_iter()
            .map(|listed| summary(listed, now))
            .collect())
    }

    async fn revoke(&self, id: ShareLinkId) -> Result<(), AppError> {
        Ok(self.store.delete(id.0).await?)
    }

    async fn open(&self, token: &str, from: IpAddr) -> Result<(ShareLinkId, String), AppError> {
        self.per_address.check(&address_group(from))?;
        let (id, secret) = secret_token::split(token).ok_or(AppError::NotFound)?;
        let link = self.use_link(id, Some(secret)).await?;
        let mut to = opens(&link);
        if let Some(account) = link.account_id {
            to.push(if link.query.is_empty() { '?' } else { '&' });
            to.push_str(&format!("account={account}"));
        }
        Ok((ShareLinkId(id), to))
    }

    async fn visit(&self, id: ShareLinkId) -> Result<Reach, AppError> {
        let link = self.use_link(id.0, None).await?;
        let workspace = WorkspaceId(link.workspace_id);
        Ok(match link.account_id {
            Some(account) => Reach::Account(workspace, AccountId(account)),
            None => Reach::Workspaces(vec![workspace]),
        })
    }

    async fn view(&self, id: ShareLinkId) -> Result<SharedView, AppError> {
        let link = self.use_link(id.0, None).await?;
        let listed = self
            .store
            .list(Some(id.0))
            .await?
            .pop()
            .ok_or(AppError::NotFound)?;
        Ok(SharedView {
            label: link.label,
            target: target(&listed),
            expires: link.expires_at.map(utc),
        })
    }
}
