//! Throwaway PostgreSQL databases, for the tests and the benchmarks (which include this file):
//! it uses nothing else of the fixtures.

use sea_orm::{ConnectionTrait, DatabaseConnection};

/// Creates the empty database `name` on the PostgreSQL server of `admin_url`; returns the
/// admin connection (to drop it afterwards with [`drop_database`]) and the new database's URL.
pub async fn create_database(admin_url: &str, name: &str) -> (DatabaseConnection, String) {
    let admin = sea_orm::Database::connect(admin_url)
        .await
        .expect("PostgreSQL reachable");
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base, _) = admin_url.rsplit_once('/').expect("URL ends in /database");
    (admin, format!("{base}/{name}"))
}

pub async fn drop_database(admin: &DatabaseConnection, name: &str) {
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
}
