//! `smtp_config`: the SMTP server alerts and reports are mailed through (one row, id 1).

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "smtp_config")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub host: String,
    pub port: i32,
    /// `starttls`, `tls` or `none` (`app::dto::SmtpSecurity`).
    pub security: String,
    pub username: Option<String>,
    /// Sealed with the master key (context [`PASSWORD_CONTEXT`]).
    pub sealed_password: Option<String>,
    pub from_address: String,
}

/// Associated data of the sealed password.
pub const PASSWORD_CONTEXT: &str = "smtp-password";

/// The sealed password stays out of debug output.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("from_address", &self.from_address)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
