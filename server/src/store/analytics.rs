//! Reading the collected series for the dashboard. Read-only, and every query is bounded by
//! account and dates so its cost follows the period shown, not the history kept.

use sea_orm::prelude::*;
use sea_orm::{DatabaseConnection, QueryOrder, QuerySelect};
use time::Date;
use tracing::instrument;

use super::entities::{account_insights, accounts, media};
use super::StoreError;

/// Stories are not posts: they vanish after a day and have no likes to compare.
pub const STORY: &str = "STORY";

#[derive(Clone, Debug)]
pub struct AnalyticsStore {
    db: DatabaseConnection,
}

impl AnalyticsStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The ids of the accounts a page covers: one (if it exists) or all.
    pub async fn account_ids(&self, account: Option<i64>) -> Result<Vec<i64>, StoreError> {
        let mut find = accounts::Entity::find()
            .select_only()
            .column(accounts::Column::Id);
        if let Some(id) = account {
            find = find.filter(accounts::Column::Id.eq(id));
        }
        let ids: Vec<i64> = find.into_tuple().all(&self.db).await?;
        if account.is_some() && ids.is_empty() {
            return Err(StoreError::NotFound);
        }
        Ok(ids)
    }

    /// Daily insights of `accounts` from `from` to `to`, both included, oldest first.
    #[instrument(skip(self, accounts), err)]
    pub async fn days(
        &self,
        accounts: &[i64],
        from: Date,
        to: Date,
    ) -> Result<Vec<account_insights::Model>, StoreError> {
        use account_insights::Column as C;
        Ok(account_insights::Entity::find()
            .filter(C::AccountId.is_in(accounts.iter().copied()))
            .filter(C::Date.between(from, to))
            .order_by_asc(C::Date)
            .all(&self.db)
            .await?)
    }

    /// Each account's last known follower count before `date`: where a period's follower
    /// line starts when its first days have no count of their own.
    #[instrument(skip(self, accounts), err)]
    pub async fn followers_before(
        &self,
        accounts: &[i64],
        date: Date,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        use account_insights::Column as C;
        let mut known = Vec::with_capacity(accounts.len());
        // One indexed seek per account (primary key account_id, date): accounts are few.
        for &id in accounts {
            let last: Option<Option<i64>> = account_insights::Entity::find()
                .select_only()
                .column(C::Followers)
                .filter(C::AccountId.eq(id))
                .filter(C::Date.lt(date))
                .filter(C::Followers.is_not_null())
                .order_by_desc(C::Date)
                .into_tuple()
                .one(&self.db)
                .await?;
            if let Some(Some(followers)) = last {
                known.push((id, followers));
            }
        }
        Ok(known)
    }

    /// Posts and reels of `accounts` published in `[from, until)` (unix seconds), with their
    /// latest metrics and the account's username; newest first.
    #[instrument(skip(self, accounts), err)]
    pub async fn posts(
        &self,
        accounts: &[i64],
        from: i64,
        until: i64,
    ) -> Result<Vec<(media::Model, String)>, StoreError> {
        use media::Column as C;
        let rows = media::Entity::find()
            .filter(C::AccountId.is_in(accounts.iter().copied()))
            .filter(C::PublishedAt.gte(from))
            .filter(C::PublishedAt.lt(until))
            .filter(C::ProductType.ne(STORY))
            .order_by_desc(C::PublishedAt)
            .all(&self.db)
            .await?;
        let names: std::collections::HashMap<i64, String> =
            self.usernames(accounts).await?.into_iter().collect();
        Ok(rows
            .into_iter()
            .map(|m| {
                let name = names.get(&m.account_id).cloned().unwrap_or_default();
                (m, name)
            })
            .collect())
    }

    async fn usernames(&self, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(accounts::Entity::find()
            .select_only()
            .columns([accounts::Column::Id, accounts::Column::Username])
            .filter(accounts::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?)
    }
}
