//! How long browsers keep what we send, and compression on the wire.
//!
//! The site's files come from leptos_axum's fallback, which serves the `.br`/`.gz` variant
//! that `cargo leptos build --precompress` wrote next to a file when the browser accepts it.
//! [`compression`] compresses everything else worth it on the fly (pages, server-function
//! JSON, and a site file whose variant is missing); [`cache_control`] marks the files under
//! `pkg/` whose names carry their content hash (`hash-files` in Cargo.toml) as never changing.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::compression::CompressionLayer;

/// A hashed name changes with its content, so the file at it never does.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Kept, but asked again each time (a 304 when unchanged): pages are per user and per moment,
/// and unhashed files may change with the next build.
const REVALIDATE: &str = "no-cache";

/// Brotli when the browser takes it (at quality 4 on the fly, tower-http's default, as
/// NGINX), else gzip; nothing is compressed for a client that accepts neither.
pub fn compression() -> CompressionLayer {
    CompressionLayer::new()
}

/// The URL prefix of the site's package directory, `/pkg/`.
#[derive(Clone)]
pub struct PkgPrefix(Arc<str>);

impl PkgPrefix {
    pub fn new(site_pkg_dir: &str) -> Self {
        Self(format!("/{}/", site_pkg_dir.trim_matches('/')).into())
    }
}

/// Sets `Cache-Control` where the handler did not: a year and `immutable` for a hashed file
/// under `pkg/`, `no-cache` for pages and every other file. Files under `pkg/` also say that
/// they vary with `Accept-Encoding` — a precompressed variant is chosen by it, and tower-http
/// adds `Vary` only to what it compresses itself.
pub async fn cache_control(State(pkg): State<PkgPrefix>, req: Request, next: Next) -> Response {
    let file = req.uri().path().strip_prefix(&*pkg.0).map(str::to_owned);
    let mut response = next.run(req).await;
    let html = super::middleware::is_html(&response);
    let fresh = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    let headers = response.headers_mut();
    if let Some(file) = file.filter(|_| !html) {
        if !headers.contains_key(header::VARY) {
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        if fresh && is_hashed(&file) {
            headers
                .entry(header::CACHE_CONTROL)
                .or_insert(HeaderValue::from_static(IMMUTABLE));
            return response;
        }
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(REVALIDATE));
    response
}

/// Whether a file name carries cargo-leptos' content hash: a 22-character part (an MD5 in
/// unpadded URL-safe base64) before the extension, as in `instalytics.<hash>.wasm`.
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let mut parts: Vec<&str> = name.split('.').collect();
    parts.pop(); // the extension
                 // Not the placeholder a split build's loader is named with before hashing.
    parts.iter().any(|part| {
        part.len() == 22
            && part.bytes().any(|b| b != b'_')
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn hashed_names_are_those_cargo_leptos_writes() {
        assert!(is_hashed("instalytics.2XHOFzT_fwTcWoljEWqG-g.wasm"));
        assert!(is_hashed("__wasm_split.2XHOFzT_fwTcWoljEWqG-g.js"));
        assert!(is_hashed("2XHOFzT_fwTcWoljEWqG-g.wasm"));
        assert!(is_hashed("nested/instalytics.2XHOFzT_fwTcWoljEWqG-g.css"));
        assert!(!is_hashed("instalytics.wasm"));
        assert!(!is_hashed("__wasm_split.______________________.js"));
        assert!(!is_hashed("instalytics.2XHOFzT_fwTcWoljEWqG-g"));
        assert!(!is_hashed("a.2XHOFzT/fwTcWoljEWqG-g.wasm"));
    }
}
