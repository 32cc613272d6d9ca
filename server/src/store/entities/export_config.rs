//! `export_config`: the BigQuery destination (one row, id 1) and the exporter's last outcome.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "export_config")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub enabled: bool,
    pub project: Option<String>,
    pub dataset: Option<String>,
    pub location: Option<String>,
    /// The service-account key, sealed with the master key (context [`KEY_CONTEXT`]).
    pub sealed_key: Option<String>,
    pub key_email: Option<String>,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    /// When the exports started failing; cleared by a success (the export alert's clock).
    pub failing_since: Option<i64>,
}

/// Associated data of the sealed key: a sealed access token pasted here does not open.
pub const KEY_CONTEXT: &str = "bigquery-service-account";

/// The sealed key stays out of debug output, like sealed tokens.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportConfig")
            .field("enabled", &self.enabled)
            .field("project", &self.project)
            .field("dataset", &self.dataset)
            .field("location", &self.location)
            .field("sealed_key", &self.sealed_key.as_ref().map(|_| "<sealed>"))
            .field("key_email", &self.key_email)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
