//! Reusable UI pieces.

pub mod error_view;
pub mod form;
pub mod layout;
pub mod number;
pub mod refresh;
pub mod status_badge;
pub mod url_state;
