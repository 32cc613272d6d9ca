//! Reusable UI pieces.

pub mod chart;
pub mod dashboard;
pub mod error_view;
pub mod form;
pub mod layout;
pub mod number;
pub mod pager;
pub mod posts_table;
pub mod refresh;
pub mod revocable;
pub mod status_badge;
pub mod table;
pub mod url_state;
