//! The BigQuery SQL the exporter runs on the tables of [`super::tables`]: the `MERGE` that
//! applies a staged batch and the `DELETE` that forgets a deleted account.

use super::tables::TableDef;

/// `MERGE` of a staged batch into the table on its natural key: re-sending a batch updates
/// the same rows instead of adding copies.
pub fn merge(table: &TableDef, project: &str, dataset: &str, staging: &str) -> String {
    let names: Vec<String> = table
        .source
        .cols
        .iter()
        .map(|c| format!("`{}`", c.name))
        .collect();
    let on = table
        .key
        .iter()
        .map(|k| format!("T.`{k}` = S.`{k}`"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let set = names
        .iter()
        .filter(|n| !table.key.iter().any(|k| n.trim_matches('`') == *k))
        .map(|n| format!("{n} = S.{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let values = names
        .iter()
        .map(|n| format!("S.{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "MERGE `{project}.{dataset}.{table}` T USING `{project}.{dataset}.{staging}` S ON {on} \
         WHEN MATCHED THEN UPDATE SET {set} \
         WHEN NOT MATCHED THEN INSERT ({cols}) VALUES ({values})",
        table = table.name,
        cols = names.join(", "),
    )
}

/// `DELETE` of one account's rows from the table; the account's id is the INT64 query
/// parameter `@account`.
pub fn delete_account(table: &TableDef, project: &str, dataset: &str) -> String {
    format!(
        "DELETE FROM `{project}.{dataset}.{}` WHERE account_id = @account",
        table.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tables::ACCOUNT_INSIGHTS_DAILY;

    #[test]
    fn merge_matches_on_the_natural_key_and_updates_the_rest() {
        let sql = merge(&ACCOUNT_INSIGHTS_DAILY, "p", "d", "_stage");
        assert!(sql.starts_with("MERGE `p.d.account_insights_daily` T USING `p.d._stage` S ON T.`account_id` = S.`account_id` AND T.`date` = S.`date` WHEN MATCHED THEN UPDATE SET `followers` = S.`followers`"));
        assert!(!sql.contains("SET `account_id`"));
        assert!(sql.ends_with("VALUES (S.`account_id`, S.`date`, S.`followers`, S.`follower_delta`, S.`reach`, S.`views`, S.`profile_views`, S.`accounts_engaged`, S.`total_interactions`, S.`updated_at`)"));
    }
}
