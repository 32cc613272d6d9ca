//! The `api_tokens` and `api_token_workspaces` tables: personal read-only tokens, the
//! workspaces each may read, their last use, and revocation (deletion).

use std::collections::HashMap;

use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseConnection, QueryOrder, QuerySelect};
use tracing::instrument;

use super::entities::users::DbRole;
use super::entities::{api_token_workspaces, api_tokens, users, workspaces};
use super::workspaces::must_exist;
use super::StoreError;

#[derive(Clone, Debug)]
pub struct TokenStore {
    db: DatabaseConnection,
}

/// A token to store; each of its workspaces must exist.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub user_id: i64,
    pub name: String,
    pub secret_hash: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub workspaces: Vec<i64>,
}

/// A token with its owner's name and its workspaces' `(id, name)`, by name.
#[derive(Clone, Debug)]
pub struct ListedToken {
    pub token: api_tokens::Model,
    pub owner: String,
    pub workspaces: Vec<(i64, String)>,
}

/// A token as a request presents it: the token, its owner's role now, its workspaces.
#[derive(Clone, Debug)]
pub struct Presented {
    pub token: api_tokens::Model,
    pub role: DbRole,
    pub workspaces: Vec<i64>,
}

impl TokenStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Stores `new` and its workspaces in one transaction; `NotFound` for a workspace that
    /// does not exist.
    #[instrument(skip(self, new), err(level = "debug"))]
    pub async fn create(&self, new: NewToken) -> Result<i64, StoreError> {
        let txn = super::begin_write(&self.db).await?;
        for &workspace in &new.workspaces {
            must_exist(&txn, workspace).await?;
        }
        let row = api_tokens::ActiveModel {
            user_id: Set(new.user_id),
            name: Set(new.name),
            secret_hash: Set(new.secret_hash),
            created_at: Set(new.created_at),
            expires_at: Set(new.expires_at),
            last_used_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        api_token_workspaces::Entity::insert_many(new.workspaces.iter().map(|&w| {
            api_token_workspaces::ActiveModel {
                token_id: Set(row.id),
                workspace_id: Set(w),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        Ok(row.id)
    }

    /// The tokens of `owner` (everyone's when `None`), or only token `id`, newest first.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn list(
        &self,
        owner: Option<i64>,
        id: Option<i64>,
    ) -> Result<Vec<ListedToken>, StoreError> {
        let mut find = api_tokens::Entity::find().order_by_desc(api_tokens::Column::Id);
        if let Some(owner) = owner {
            find = find.filter(api_tokens::Column::UserId.eq(owner));
        }
        if let Some(id) = id {
            find = find.filter(api_tokens::Column::Id.eq(id));
        }
        let tokens = find.all(&self.db).await?;
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let owners: HashMap<i64, String> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .column(users::Column::Username)
            .filter(users::Column::Id.is_in(tokens.iter().map(|t| t.user_id)))
            .into_tuple::<(i64, String)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let links: Vec<(i64, i64, String)> = api_token_workspaces::Entity::find()
            .select_only()
            .column(api_token_workspaces::Column::TokenId)
            .column(api_token_workspaces::Column::WorkspaceId)
            .column(workspaces::Column::Name)
            .join(
                sea_orm::JoinType::InnerJoin,
                api_token_workspaces::Entity::belongs_to(workspaces::Entity)
                    .from(api_token_workspaces::Column::WorkspaceId)
                    .to(workspaces::Column::Id)
                    .into(),
            )
            .filter(api_token_workspaces::Column::TokenId.is_in(tokens.iter().map(|t| t.id)))
            .order_by_asc(workspaces::Column::Name)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(tokens
            .into_iter()
            .map(|token| ListedToken {
                owner: owners.get(&token.user_id).cloned().unwrap_or_default(),
                workspaces: links
                    .iter()
                    .filter(|(t, _, _)| *t == token.id)
                    .map(|(_, w, name)| (*w, name.clone()))
                    .collect(),
                token,
            })
            .collect())
    }

    /// Token `id` with its owner's role and its workspaces; `None` when there is none.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn presented(&self, id: i64) -> Result<Option<Presented>, StoreError> {
        let Some(token) = api_tokens::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(None);
        };
        let Some(owner) = users::Entity::find_by_id(token.user_id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let workspaces = api_token_workspaces::Entity::find()
            .select_only()
            .column(api_token_workspaces::Column::WorkspaceId)
            .filter(api_token_workspaces::Column::TokenId.eq(id))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(Some(Presented {
            token,
            role: owner.role,
            workspaces,
        }))
    }

    /// Deletes token `id`, when `owner` owns it (any owner's when `None`); `NotFound` else.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn delete(&self, id: i64, owner: Option<i64>) -> Result<(), StoreError> {
        let mut delete = api_tokens::Entity::delete_many().filter(api_tokens::Column::Id.eq(id));
        if let Some(owner) = owner {
            delete = delete.filter(api_tokens::Column::UserId.eq(owner));
        }
        if delete.exec(&self.db).await?.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Records a use of token `id` at `now` (at most once a minute).
    pub async fn touch(&self, id: i64, now: i64) -> Result<(), StoreError> {
        super::touch_last_used(&self.db, api_tokens::Entity, id, now).await
    }
}
