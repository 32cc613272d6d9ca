//! The simulator's own pictures, for when it hands them out ([`SimConfig::local_pictures`]):
//! Meta's `media_url`, `thumbnail_url` and `profile_picture_url` are picture URLs on its CDN
//! (instagram-platform/reference/instagram-media, "media_url: The URL for the media",
//! "thumbnail_url: Media thumbnail URL. Only available on VIDEO media";
//! instagram-platform/instagram-graph-api/reference/ig-user, "profile_picture_url: Profile
//! picture URL"), which resolve nowhere offline. Here each media or account id gets a small
//! SVG tile of its own (a colour and a mirrored 5×5 pattern, like an identicon), the same for
//! the same id and seed, served at `/pictures/{id}.svg`.
//!
//! [`SimConfig::local_pictures`]: super::SimConfig::local_pictures

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Path, State as AxState};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::rng::Rng;
use super::State;

/// Where the pictures are served, under the simulator's origin.
pub const PATH: &str = "/pictures";

/// The address of `id`'s picture on the simulator at `origin` (`http://host:port`).
pub fn url(origin: &str, id: &str) -> String {
    format!("{origin}{PATH}/{id}.svg")
}

/// `GET /pictures/{id}.svg`; ids are the simulator's numeric ones, anything else is not here.
pub async fn serve(AxState(state): AxState<Arc<State>>, Path(name): Path<String>) -> Response {
    let id = name
        .strip_suffix(".svg")
        .filter(|id| (1..=20).contains(&id.len()))
        .and_then(|id| id.parse::<u64>().ok());
    let Some(id) = id else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            // Like a CDN's: the picture of an id never changes.
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        svg(state.config.seed, id),
    )
        .into_response()
}

/// A 5×5 grid mirrored left to right on a tinted background, in one hue per id.
fn svg(seed: u64, id: u64) -> String {
    let mut r = Rng::new(seed, &[6, id]);
    let hue = r.below(360);
    let bits = r.next();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"160\" height=\"160\" viewBox=\"0 0 5 5\">\
         <rect width=\"5\" height=\"5\" fill=\"hsl({hue},45%,88%)\"/><path fill=\"hsl({hue},55%,42%)\" d=\""
    );
    for row in 0..5u64 {
        for col in 0..3u64 {
            if bits >> (row * 3 + col) & 1 == 1 {
                let _ = write!(out, "M{col} {row}h1v1h-1z");
                // The middle column is its own mirror image.
                if col < 2 {
                    let _ = write!(out, "M{} {row}h1v1h-1z", 4 - col);
                }
            }
        }
    }
    out.push_str("\"/></svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_has_its_own_small_picture_always_the_same() {
        let a = svg(42, 17_900_000_000_000_001);
        assert_eq!(a, svg(42, 17_900_000_000_000_001));
        assert_ne!(a, svg(42, 17_900_000_000_000_002));
        assert_ne!(a, svg(7, 17_900_000_000_000_001));
        assert!(a.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(a.len() < 2_000, "{} bytes", a.len());
    }
}
