//! A tower-sessions store on our own `sessions` table, so one implementation serves SQLite
//! and PostgreSQL through SeaORM (no second driver stack, no version coupling with sqlx stores).
//!
//! Rows are keyed by a SHA-256 of the session id, never the id itself: someone who reads the
//! database (a backup, a leaked dump) learns no cookie that signs them in.

use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sea_orm::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error as SessionError, Result as SessionResult};
use tower_sessions::SessionStore;

use app::auth::USER_ID_KEY;

use super::entities::sessions;
use super::StoreError;
use crate::clock::unix_now;

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

/// The row key of a session id (the cookie's value): SHA-256, base64url, 43 characters.
fn key(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(id.as_bytes()))
}

fn backend(err: DbErr) -> SessionError {
    SessionError::Backend(err.to_string())
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Removes every expired session; returns how many went.
    pub async fn delete_expired(&self) -> Result<u64, DbErr> {
        let now = unix_now();
        let res = sessions::Entity::delete_many()
            .filter(sessions::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected)
    }

    /// Signed-in sessions not yet expired at `now`.
    pub async fn live(&self, now: i64) -> Result<i64, StoreError> {
        let n = sessions::Entity::find()
            .filter(sessions::Column::ExpiresAt.gt(now))
            .filter(sessions::Column::UserId.is_not_null())
            .count(&self.db)
            .await?;
        Ok(n as i64)
    }

    /// Ends every session of `user_id` but `keep` (the caller's own, when they reset their
    /// own password); returns how many ended.
    pub async fn end_for_user(&self, user_id: i64, keep: Option<&str>) -> Result<u64, StoreError> {
        let mut delete =
            sessions::Entity::delete_many().filter(sessions::Column::UserId.eq(user_id));
        if let Some(keep) = keep {
            delete = delete.filter(sessions::Column::Id.ne(key(keep)));
        }
        Ok(delete.exec(&self.db).await?.rows_affected)
    }

    fn row(record: &Record) -> SessionResult<sessions::ActiveModel> {
        let data =
            serde_json::to_string(&record.data).map_err(|e| SessionError::Encode(e.to_string()))?;
        Ok(sessions::ActiveModel {
            id: Set(key(&record.id.to_string())),
            data: Set(data),
            expires_at: Set(record.expiry_date.unix_timestamp()),
            user_id: Set(record.data.get(USER_ID_KEY).and_then(|v| v.as_i64())),
        })
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> SessionResult<()> {
        // Ids are 128 random bits; a collision is astronomically unlikely but must not
        // overwrite someone else's session, so insert-only and draw again on conflict.
        loop {
            let inserted = sessions::Entity::insert(Self::row(record)?)
                .on_conflict(
                    OnConflict::column(sessions::Column::Id)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&self.db)
                .await
                .map_err(backend)?;
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    /// Updates a live session. Update only, never insert: a session ended meanwhile (sign-out
    /// elsewhere, a password reset, expiry) must not come back when a request that loaded it
    /// before finishes.
    async fn save(&self, record: &Record) -> SessionResult<()> {
        let mut row = Self::row(record)?;
        row.id = NotSet;
        sessions::Entity::update_many()
            .set(row)
            .filter(sessions::Column::Id.eq(key(&record.id.to_string())))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> SessionResult<Option<Record>> {
        let now = unix_now();
        let Some(row) = sessions::Entity::find_by_id(key(&id.to_string()))
            .filter(sessions::Column::ExpiresAt.gt(now))
            .one(&self.db)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&row.data).map_err(|e| SessionError::Decode(e.to_string()))?;
        let expiry_date = OffsetDateTime::from_unix_timestamp(row.expires_at)
            .map_err(|e| SessionError::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> SessionResult<()> {
        sessions::Entity::delete_by_id(key(&id.to_string()))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
