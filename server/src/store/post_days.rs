//! `post_days` kept in step with `media`: whatever writes an account's media (a sync, a
//! generated history, the prune) rewrites that account's rows in the same transaction, from
//! the media as they then are. An account has a few hundred such rows at most, read from one
//! index range, so a rewrite costs about what reading its posts once does.

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::analytics::{sum, INTERACTIONS, STORY};
use super::entities::{media, post_days};
use super::StoreError;
use crate::clock::DAY;

/// Rewrites the `post_days` rows of `accounts` from their media (public for the tests that
/// seed media rows directly, as a sync would have left them).
pub async fn refresh_on(conn: &impl ConnectionTrait, accounts: &[i64]) -> Result<(), StoreError> {
    use media::Column as M;
    use post_days::Column as P;
    if accounts.is_empty() {
        return Ok(());
    }
    post_days::Entity::delete_many()
        .filter(P::AccountId.is_in(accounts.iter().copied()))
        .exec(conn)
        .await?;
    let day = format!("published_at / {DAY}");
    let days = Query::select()
        .column(M::AccountId)
        .expr(Expr::cust(day.clone()))
        .expr(Expr::cust("COUNT(*)"))
        .expr(sum(INTERACTIONS))
        .expr(sum(&format!(
            "CASE WHEN latest_reach IS NOT NULL THEN {INTERACTIONS} END"
        )))
        .expr(sum("latest_reach"))
        .expr(Expr::cust(format!("MAX({INTERACTIONS})")))
        .from(media::Entity)
        .and_where(Expr::col(M::AccountId).is_in(accounts.iter().copied()))
        .and_where(Expr::col(M::ProductType).ne(STORY))
        .group_by_col(M::AccountId)
        .add_group_by([Expr::cust(day)])
        .to_owned();
    let insert = Query::insert()
        .into_table(post_days::Entity)
        .columns([
            P::AccountId,
            P::Day,
            P::Posts,
            P::Interactions,
            P::ReachedInteractions,
            P::Reach,
            P::Best,
        ])
        .select_from(days)
        .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?
        .to_owned();
    conn.execute(conn.get_database_backend().build(&insert))
        .await?;
    Ok(())
}
