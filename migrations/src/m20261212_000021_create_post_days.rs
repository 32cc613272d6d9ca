//! `post_days`: each account's posts and reels summed per UTC day of publication, from their
//! latest metrics. The Overview's period totals and its best posts read these rows (one per
//! account and day) instead of every post of the period: at 200 accounts a 30-day period is
//! 6,000 rows instead of 130,000. The store rewrites an account's rows in the transaction
//! that writes its media (`store::post_days`); this migration fills them from the media
//! already stored.

use sea_orm_migration::prelude::*;

use crate::columns::{big, cascade};
use crate::iden::{Accounts, PostDays};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Rows as `store::post_days::refresh_on` writes them (a migration keeps its own copy: it
/// must keep doing what it did when the store's changes).
const FILL: &str = "INSERT INTO post_days \
    (account_id, day, posts, interactions, reached_interactions, reach, best) \
    SELECT account_id, published_at / 86400, COUNT(*), \
    CAST(SUM(COALESCE(latest_likes, 0) + COALESCE(latest_comments, 0) \
        + COALESCE(latest_saves, 0) + COALESCE(latest_shares, 0)) AS BIGINT), \
    CAST(COALESCE(SUM(CASE WHEN latest_reach IS NOT NULL THEN COALESCE(latest_likes, 0) \
        + COALESCE(latest_comments, 0) + COALESCE(latest_saves, 0) \
        + COALESCE(latest_shares, 0) END), 0) AS BIGINT), \
    CAST(COALESCE(SUM(latest_reach), 0) AS BIGINT), \
    MAX(COALESCE(latest_likes, 0) + COALESCE(latest_comments, 0) \
        + COALESCE(latest_saves, 0) + COALESCE(latest_shares, 0)) \
    FROM media WHERE product_type <> 'STORY' GROUP BY account_id, published_at / 86400";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PostDays::Table)
                    .col(big(PostDays::AccountId))
                    // Days since 1970-01-01 (UTC), as the dashboard's periods are counted.
                    .col(big(PostDays::Day))
                    .col(big(PostDays::Posts))
                    .col(big(PostDays::Interactions))
                    // Interactions and reach of the posts whose reach is known.
                    .col(big(PostDays::ReachedInteractions))
                    .col(big(PostDays::Reach))
                    // The most interactions of one post that day.
                    .col(big(PostDays::Best))
                    .primary_key(Index::create().col(PostDays::AccountId).col(PostDays::Day))
                    .foreign_key(&mut cascade(
                        "fk_post_days_account",
                        (PostDays::Table, PostDays::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager.get_connection().execute_unprepared(FILL).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PostDays::Table).to_owned())
            .await
    }
}
