//! The `share_links` table: links made, listed with what they show, found for a visitor,
//! their last use, and revoked (deleted).

use std::collections::HashMap;

use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseConnection, QueryOrder, QuerySelect};
use tracing::instrument;

use super::entities::{accounts, share_links, users, workspaces};
use super::workspaces::must_exist;
use super::StoreError;

#[derive(Clone, Debug)]
pub struct ShareLinkStore {
    db: DatabaseConnection,
}

/// A link to store; its workspace must exist (and hold its account, if it has one).
#[derive(Clone, Debug)]
pub struct NewLink {
    pub label: String,
    pub workspace_id: i64,
    pub account_id: Option<i64>,
    pub page: String,
    pub query: String,
    pub secret_hash: String,
    pub created_by: i64,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

/// A link with the names of what it shows and who made it.
#[derive(Clone, Debug)]
pub struct Listed {
    pub link: share_links::Model,
    pub workspace: String,
    pub account: Option<String>,
    pub creator: String,
}

impl ShareLinkStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The workspace holding `account`; `NotFound` for an unknown account.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn workspace_of(&self, account: i64) -> Result<i64, StoreError> {
        accounts::Entity::find_by_id(account)
            .select_only()
            .column(accounts::Column::WorkspaceId)
            .into_tuple()
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Stores `new`; `NotFound` when its workspace does not exist (any more).
    #[instrument(skip(self, new), err(level = "debug"))]
    pub async fn create(&self, new: NewLink) -> Result<i64, StoreError> {
        let txn = super::begin_write(&self.db).await?;
        must_exist(&txn, new.workspace_id).await?;
        let row = share_links::ActiveModel {
            label: Set(new.label),
            workspace_id: Set(new.workspace_id),
            account_id: Set(new.account_id),
            page: Set(new.page),
            query: Set(new.query),
            secret_hash: Set(new.secret_hash),
            created_by: Set(new.created_by),
            created_at: Set(new.created_at),
            expires_at: Set(new.expires_at),
            last_used_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(row.id)
    }

    /// Link `id` alone, without names: what each request of its visitor needs.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn find(&self, id: i64) -> Result<Option<share_links::Model>, StoreError> {
        Ok(share_links::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// Every link (or only link `id`), newest first, with its names.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn list(&self, id: Option<i64>) -> Result<Vec<Listed>, StoreError> {
        let mut find = share_links::Entity::find().order_by_desc(share_links::Column::Id);
        if let Some(id) = id {
            find = find.filter(share_links::Column::Id.eq(id));
        }
        let links = find.all(&self.db).await?;
        if links.is_empty() {
            return Ok(Vec::new());
        }
        let workspaces = self
            .names(
                workspaces::Entity::find()
                    .select_only()
                    .column(workspaces::Column::Id)
                    .column(workspaces::Column::Name)
                    .filter(workspaces::Column::Id.is_in(links.iter().map(|l| l.workspace_id))),
            )
            .await?;
        let accounts = self
            .names(
                accounts::Entity::find()
                    .select_only()
                    .column(accounts::Column::Id)
                    .column(accounts::Column::Username)
                    .filter(accounts::Column::Id.is_in(links.iter().filter_map(|l| l.account_id))),
            )
            .await?;
        let creators = self
            .names(
                users::Entity::find()
                    .select_only()
                    .column(users::Column::Id)
                    .column(users::Column::Username)
                    .filter(users::Column::Id.is_in(links.iter().map(|l| l.created_by))),
            )
            .await?;
        Ok(links
            .into_iter()
            .map(|link| Listed {
                workspace: workspaces
                    .get(&link.workspace_id)
                    .cloned()
                    .unwrap_or_default(),
                account: link.account_id.and_then(|a| accounts.get(&a).cloned()),
                creator: creators.get(&link.created_by).cloned().unwrap_or_default(),
                link,
            })
            .collect())
    }

    /// `(id, name)` pairs by id.
    async fn names<E: EntityTrait>(
        &self,
        select: sea_orm::Select<E>,
    ) -> Result<HashMap<i64, String>, StoreError> {
        Ok(select
            .into_tuple::<(i64, String)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect())
    }

    /// Records a use of link `id` at `now` (at most once a minute).
    pub async fn touch(&self, id: i64, now: i64) -> Result<(), StoreError> {
        super::touch_last_used(&self.db, share_links::Entity, id, now).await
    }

    /// Deletes link `id`; `NotFound` when there is none.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn delete(&self, id: i64) -> Result<(), StoreError> {
        let done = share_links::Entity::delete_by_id(id).exec(&self.db).await?;
        if done.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
