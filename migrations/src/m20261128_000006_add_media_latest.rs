//! The latest snapshot's metrics, copied onto each media row by the sync that captured them.
//!
//! The dashboard lists, sorts and ranks a period's posts by their current values; reading them
//! from `media` is one indexed range scan, where finding each post's newest snapshot among
//! millions would be one lookup per post. Snapshots stay the history; these columns are a
//! cache of its last row, written in the same transaction.

use sea_orm_migration::prelude::*;

use crate::columns::big_null;
use crate::iden::Media;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000006_add_media_latest"
    }
}

/// SQLite adds one column per ALTER TABLE.
const COLUMNS: [Media; 8] = [
    Media::LatestCapturedAt,
    Media::LatestLikes,
    Media::LatestComments,
    Media::LatestSaves,
    Media::LatestShares,
    Media::LatestReach,
    Media::LatestViews,
    Media::FollowersAtCapture,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Media::Table)
                        .add_column(big_null(col))
                        .to_owned(),
                )
                .await?;
        }
        // Existing rows get their newest snapshot, so an upgrade shows the same numbers.
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE media SET \
               latest_captured_at = s.captured_at, latest_likes = s.likes, \
               latest_comments = s.comments, latest_saves = s.saves, latest_shares = s.shares, \
               latest_reach = s.reach, latest_views = s.views \
             FROM media_snapshots s \
             WHERE s.media_id = media.id AND s.captured_at = \
               (SELECT MAX(captured_at) FROM media_snapshots WHERE media_id = media.id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Media::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
