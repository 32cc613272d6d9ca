//! The metrics only some media types have, as snapshot columns: profile actions (feed posts
//! and stories), replies and taps by action (stories), watch time and skip rate (reels). NULL
//! where the media's type has no such metric or the poll did not read it.

use sea_orm_migration::prelude::*;

use crate::columns::big_null;
use crate::iden::MediaSnapshots as S;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000014_add_media_depth"
    }
}

/// The new counts; the skip rate, a percentage with a fraction, is added apart.
const COUNTS: [S; 10] = [
    S::Follows,
    S::ProfileVisits,
    S::ProfileActivity,
    S::Replies,
    S::AvgWatchMs,
    S::TotalWatchMs,
    S::TapsForward,
    S::TapsBack,
    S::Exits,
    S::SwipesForward,
];

fn alter() -> TableAlterStatement {
    Table::alter().table(S::Table).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // One column per statement: SQLite's ALTER TABLE adds one at a time.
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COUNTS {
            manager
                .alter_table(alter().add_column(big_null(column)).to_owned())
                .await?;
        }
        manager
            .alter_table(
                alter()
                    .add_column(ColumnDef::new(S::SkipRate).double().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COUNTS.into_iter().chain([S::SkipRate]) {
            manager
                .alter_table(alter().drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
