//! The `users` table: lookups, creation, and the last-admin rule enforced in one transaction.

use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, DatabaseConnection, QueryOrder, QuerySelect};
use time::OffsetDateTime;
use tracing::instrument;

use super::entities::users::{self, DbRole, PasswordHash};
use super::StoreError;

#[derive(Clone, Debug)]
pub struct UserStore {
    db: DatabaseConnection,
}

impl UserStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn find_by_username(
        &self,
        username: &str,
    ) -> Result<Option<users::Model>, StoreError> {
        Ok(users::Entity::find()
            .filter(users::Column::Username.eq(username))
            .one(&self.db)
            .await?)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn find(&self, id: i64) -> Result<Option<users::Model>, StoreError> {
        Ok(users::Entity::find_by_id(id).one(&self.db).await?)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn list(&self) -> Result<Vec<users::Model>, StoreError> {
        Ok(users::Entity::find()
            .order_by_asc(users::Column::Username)
            .all(&self.db)
            .await?)
    }

    #[instrument(skip(self), err(level = "debug"))]
    pub async fn admin_exists(&self) -> Result<bool, StoreError> {
        let admin = users::Entity::find()
            .filter(users::Column::Role.eq(DbRole::Admin))
            .one(&self.db)
            .await?;
        Ok(admin.is_some())
    }

    #[instrument(skip(self, hash), err(level = "debug"))]
    pub async fn insert(
        &self,
        username: &str,
        hash: PasswordHash,
        role: DbRole,
    ) -> Result<users::Model, StoreError> {
        match new_user(username, hash, role).insert(&self.db).await {
            Ok(row) => Ok(row),
            Err(e) => Err(match StoreError::from(e) {
                StoreError::Duplicate => StoreError::UsernameTaken,
                other => other,
            }),
        }
    }

    /// Inserts the first admin only if there is none yet, atomically.
    #[instrument(skip(self, hash), err(level = "debug"))]
    pub async fn insert_first_admin(
        &self,
        username: &str,
        hash: PasswordHash,
    ) -> Result<users::Model, StoreError> {
        let txn = super::begin_write(&self.db).await?;
        if !admin_ids(&txn).await?.is_empty() {
            return Err(StoreError::Duplicate);
        }
        let row = new_user(username, hash, DbRole::Admin).insert(&txn).await?;
        txn.commit().await?;
        Ok(row)
    }

    #[instrument(skip(self, hash), err(level = "debug"))]
    pub async fn set_password(&self, id: i64, hash: PasswordHash) -> Result<(), StoreError> {
        let row = users::ActiveModel {
            id: Set(id),
            password_hash: Set(hash),
            updated_at: Set(OffsetDateTime::now_utc()),
            ..Default::default()
        };
        match row.update(&self.db).await {
            Err(DbErr::RecordNotUpdated) => Err(StoreError::NotFound),
            other => other.map(drop).map_err(Into::into),
        }
    }

    /// Changes a role; refuses to leave the product without an admin.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn set_role(&self, id: i64, role: DbRole) -> Result<(), StoreError> {
        let txn = super::begin_write(&self.db).await?;
        let user = users::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        if user.role == DbRole::Admin && role != DbRole::Admin {
            ensure_other_admin(&txn, id).await?;
        }
        let mut row: users::ActiveModel = user.into();
        row.role = Set(role);
        row.updated_at = Set(OffsetDateTime::now_utc());
        row.update(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Deletes a user; refuses to delete the last admin.
    #[instrument(skip(self), err(level = "debug"))]
    pub async fn delete(&self, id: i64) -> Result<(), StoreError> {
        let txn = super::begin_write(&self.db).await?;
        let user = users::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        if user.role == DbRole::Admin {
            ensure_other_admin(&txn, id).await?;
        }
        users::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(())
    }
}

fn new_user(username: &str, hash: PasswordHash, role: DbRole) -> users::ActiveModel {
    let now = OffsetDateTime::now_utc();
    users::ActiveModel {
        username: Set(username.to_owned()),
        role: Set(role),
        password_hash: Set(hash),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Admin ids, locked `FOR UPDATE` on PostgreSQL so two concurrent demotions cannot both pass
/// the last-admin check (SQLite serialises writers anyway).
async fn admin_ids(txn: &impl ConnectionTrait) -> Result<Vec<i64>, StoreError> {
    Ok(users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Role.eq(DbRole::Admin))
        .lock_exclusive()
        .into_tuple::<i64>()
        .all(txn)
        .await?)
}

async fn ensure_other_admin(txn: &impl ConnectionTrait, id: i64) -> Result<(), StoreError> {
    if admin_ids(txn).await?.iter().any(|&other| other != id) {
        Ok(())
    } else {
        Err(StoreError::LastAdmin)
    }
}
