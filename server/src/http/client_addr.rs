//! Names the client of each request once, for everything after it (sign-in throttling):
//! the TCP peer, or behind a trusted proxy the address it forwarded for
//! ([`crate::auth::proxies::client_of`]), as the [`ClientAddr`] extension.

use std::net::SocketAddr;
use std::sync::Arc;

use app::auth::ClientAddr;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::proxies::{client_of, Cidr};

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// Without connect info (a router not served through `axum::serve`) nothing is added, and
/// whatever needs the client answers with an internal error.
pub async fn client_addr(
    State(proxies): State<Arc<[Cidr]>>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>() {
        let forwarded = req.headers().get_all(X_FORWARDED_FOR);
        let client = client_of(
            &proxies,
            peer.ip().to_canonical(),
            forwarded.iter().map(|v| v.to_str().ok()),
        );
        req.extensions_mut().insert(ClientAddr(client));
    }
    next.run(req).await
}
