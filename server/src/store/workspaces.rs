//! The `workspaces` and `workspace_members` tables, and which workspace each account is in.
//!
//! `accounts.workspace_id` has no foreign key (see the migration), so this store keeps it
//! valid: an account moves only to a workspace that exists, and a workspace that holds
//! accounts, or the last one, cannot be deleted.

use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, DatabaseConnection, QueryOrder, QuerySelect};
use tracing::instrument;

use super::entities::{accounts, users, workspace_members, workspaces};
use super::StoreError;

/// Who may see what: a workspace's members and its accounts' usernames.
#[derive(Clone, Debug, Default)]
pub struct Roster {
    /// `(workspace id, user id, username)`, by username.
    pub members: Vec<(i64, i64, String)>,
    /// `(workspace id, account username)`, by username.
    pub accounts: Vec<(i64, String)>,
}

#[derive(Clone, Debug)]
pub struct WorkspaceStore {
    db: DatabaseConnection,
}

/// The accounts of `workspaces` (every account when `None`), as a filter on `accounts`.
pub fn accounts_in(workspaces: Option<&[i64]>) -> sea_orm::Condition {
    let mut all = sea_orm::Condition::all();
    if let Some(ids) = workspaces {
        all = all.add(accounts::Column::WorkspaceId.is_in(ids.iter().copied()));
    }
    all
}

/// The ids of the accounts a reader asks for: `account` (`NotFound` unless it is among those
/// `workspaces` holds) or every account `workspaces` holds (every account when `None`). One
/// workspace named that does not exist is `NotFound` too, not an empty workspace.
pub async fn visible_accounts(
    db: &impl ConnectionTrait,
    workspaces: Option<&[i64]>,
    account: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    let mut find = accounts::Entity::find()
        .select_only()
        .column(accounts::Column::Id)
        .filter(accounts_in(workspaces))
        .order_by_asc(accounts::Column::Id);
    if let Some(id) = account {
        find = find.filter(accounts::Column::Id.eq(id));
    }
    let ids: Vec<i64> = find.into_tuple().all(db).await?;
    if account.is_some() && ids.is_empty() {
        return Err(StoreError::NotFound);
    }
    if ids.is_empty() {
        named_one_exists(db, workspaces).await?;
    }
    Ok(ids)
}

/// `NotFound` when `workspaces` names one workspace and it does not exist: called when
/// nothing was found, to tell an unknown workspace from an empty one.
pub async fn named_one_exists(
    db: &impl ConnectionTrait,
    workspaces: Option<&[i64]>,
) -> Result<(), StoreError> {
    match workspaces {
        Some(&[one]) => must_exist(db, one).await,
        _ => Ok(()),
    }
}

/// `NotFound` unless workspace `id` exists.
pub(crate) async fn must_exist(db: &impl ConnectionTrait, id: i64) -> Result<(), StoreError> {
    destination(db, Some(id)).await.map(drop)
}

/// The workspace a new account goes to: `chosen` (`NotFound` unless it exists), or the
/// oldest workspace.
pub async fn destination(
    db: &impl ConnectionTrait,
    chosen: Option<i64>,
) -> Result<i64, StoreError> {
    let mut find = workspaces::Entity::find()
        .select_only()
        .column(workspaces::Column::Id)
        .order_by_asc(workspaces::Column::Id);
    if let Some(id) = chosen {
        find = find.filter(workspaces::Column::Id.eq(id));
    }
    find.into_tuple().one(db).await?.ok_or(StoreError::NotFound)
}

impl WorkspaceStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The workspaces `ids` names (every one when `None`), by name.
    #[instrument(skip(self, ids), err(level = "debug"))]
    pub async fn list(&self, ids: Option<&[i64]>) -> Result<Vec<workspaces::Model>, StoreError> {
        let mut find = workspaces::Entity::find().order_by_asc(workspaces::Column::Name);
        if let Some(ids) = ids {
            find = find.filter(workspaces::Column::Id.is_in(ids.iter().copied()));
        }
        Ok(find.all(&self.db).await?)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn roster(&self) -> Result<Roster, StoreError> {
        let members = workspace_members::Entity::find()
            .select_only()
            .column(workspace_members::Column::WorkspaceId)
            .column(workspace_members::Column::UserId)
            .column(users::Column::Username)
            .join(
                sea_orm::JoinType::InnerJoin,
                workspace_members::Entity::belongs_to(users::Entity)
                    .from(workspace_members::Column::UserId)
                    .to(users::Column::Id)
                    .into(),
            )
            .order_by_asc(users::Column::Username)
            .into_tuple()
            .all(&self.db)
            .await?;
        let accounts = accounts::Entity::find()
            .select_only()
            .column(accounts::Column::WorkspaceId)
            .column(accounts::Column::Username)
            .order_by_asc(accounts::Column::Username)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(Roster { members, accounts })
    }

    /// The workspaces `user` is a member of.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn memberships(&self, user: i64) -> Result<Vec<i64>, StoreError> {
        Ok(workspace_members::Entity::find()
            .select_only()
            .column(workspace_members::Column::WorkspaceId)
            .filter(workspace_members::Column::UserId.eq(user))
            .order_by_asc(workspace_members::Column::WorkspaceId)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// The workspace a new viewer joins: `chosen` (`NotFound` unless it exists), or without a
    /// choice the only workspace there is (`None` when there are several).
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn for_new_viewer(&self, chosen: Option<i64>) -> Result<Option<i64>, StoreError> {
        if let Some(id) = chosen {
            return must_exist(&self.db, id).await.map(|()| Some(id));
        }
        let ids: Vec<i64> = workspaces::Entity::find()
            .select_only()
            .column(workspaces::Column::Id)
            .limit(2)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(match ids[..] {
            [only] => Some(only),
            _ => None,
        })
    }

    /// A new workspace; `Duplicate` when the name is taken, whatever its case.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn create(&self, name: &str, now: i64) -> Result<workspaces::Model, StoreError> {
        let txn = super::begin_write(&self.db).await?;
        if name_taken(&txn, name, None).await? {
            return Err(StoreError::Duplicate);
        }
        let row = workspaces::ActiveModel {
            name: Set(name.to_owned()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(row)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn rename(&self, id: i64, name: &str) -> Result<(), StoreError> {
        let txn = super::begin_write(&self.db).await?;
        if name_taken(&txn, name, Some(id)).await? {
            return Err(StoreError::Duplicate);
        }
        let done = workspaces::Entity::update_many()
            .col_expr(workspaces::Column::Name, Expr::value(name))
            .filter(workspaces::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        changed_one(done)?;
        txn.commit().await?;
        Ok(())
    }

    /// Deletes an empty workspace (its memberships go with it); `WorkspaceInUse` while it
    /// holds accounts or is the last one.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn delete(&self, id: i64) -> Result<(), StoreError> {
        let txn = super::begin_write(&self.db).await?;
        must_exist(&txn, id).await?;
        let holding = accounts::Entity::find()
            .filter(accounts::Column::WorkspaceId.eq(id))
            .count(&txn)
            .await?;
        let workspaces = workspaces::Entity::find().count(&txn).await?;
        if holding > 0 || workspaces <= 1 {
            return Err(StoreError::WorkspaceInUse);
        }
        workspaces::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Moves an account to workspace `to` (which must exist).
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn move_account(&self, account: i64, to: i64) -> Result<(), StoreError> {
        let txn = super::begin_write(&self.db).await?;
        must_exist(&txn, to).await?;
        let done = accounts::Entity::update_many()
            .col_expr(accounts::Column::WorkspaceId, Expr::value(to))
            .filter(accounts::Column::Id.eq(account))
            .exec(&txn)
            .await?;
        changed_one(done)?;
        txn.commit().await?;
        Ok(())
    }

    /// Makes `user` a member of workspace `id`, or not; `NotFound` if either is unknown.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn set_member(&self, id: i64, user: i64, member: bool) -> Result<(), StoreError> {
        let txn = super::begin_write(&self.db).await?;
        must_exist(&txn, id).await?;
        if users::Entity::find_by_id(user).one(&txn).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        if member {
            workspace_members::Entity::insert(workspace_members::ActiveModel {
                workspace_id: Set(id),
                user_id: Set(user),
            })
            .on_conflict(
                OnConflict::columns([
                    workspace_members::Column::WorkspaceId,
                    workspace_members::Column::UserId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        } else {
            workspace_members::Entity::delete_by_id((id, user))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }
}

/// `NotFound` when an update by id changed no row.
fn changed_one(done: sea_orm::UpdateResult) -> Result<(), StoreError> {
    if done.rows_affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Whether another workspace than `except` has `name`, ignoring case.
async fn name_taken(
    txn: &impl ConnectionTrait,
    name: &str,
    except: Option<i64>,
) -> Result<bool, StoreError> {
    let mut find = workspaces::Entity::find().filter(
        Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(
            workspaces::Column::Name,
        )))
        .eq(name.to_lowercase()),
    );
    if let Some(id) = except {
        find = find.filter(workspaces::Column::Id.ne(id));
    }
    Ok(find.one(txn).await?.is_some())
}
