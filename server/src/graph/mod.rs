//! A typed client for the Instagram Graph API, in both flavours (Instagram Login on
//! graph.instagram.com, Facebook Login on graph.facebook.com), built on Meta's reference pages:
//! https://developers.facebook.com/docs/instagram-platform/overview and the node, edge,
//! insights and error pages each module cites.

pub mod account_insights;
pub mod audience;
pub mod client;
pub mod errors;
pub mod hashtags;
pub mod media_depth;
pub mod media_edge;
pub mod metrics;
pub mod models;
pub mod oauth;
pub mod probe;
pub mod redact;
pub mod retry;
pub mod signed_request;
pub mod token_info;
pub mod transport;
pub mod usage;

pub use account_insights::AccountDay;
pub use client::{GraphClient, GraphConfig};
pub use errors::GraphError;
pub use media_edge::MediaWithMetrics;
pub use models::AccessToken;

/// Which login an account was connected with; decides host, token kind and refresh call.
/// The one enum the dashboard, the store and the simulator share.
pub use app::dto::Flavour;
