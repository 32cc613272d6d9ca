//! SeaORM entities, written by hand to match the migrations.

pub mod sessions;
pub mod users;
