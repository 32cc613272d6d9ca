//! The database schema, one append-only migration per change.
//!
//! Migrations name tables and columns through the local `Iden` enums in `iden.rs`, never through
//! the server's entities, so an old migration keeps meaning what it meant when it was written.

pub use sea_orm_migration::prelude::*;

mod iden;
mod m20261123_000001_create_users;
mod m20261123_000002_create_sessions;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_users::Migration),
            Box::new(m20261123_000002_create_sessions::Migration),
        ]
    }
}
