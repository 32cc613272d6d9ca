//! Cross-cutting HTTP layers.

use app::error::AppError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;
use tower_http::set_header::SetResponseHeaderLayer;
use tracing::Span;

use crate::config::ServeArgs;

/// What the layers take from the command line.
#[derive(Clone, Debug)]
pub struct WebPolicy {
    /// `scheme://host[:port]` of `--public-url`: the one origin writes may come from. Without
    /// it, an origin must name the `Host` the request was sent to.
    origin: Option<String>,
    /// `Strict-Transport-Security` only when the cookies are `Secure`, i.e. served over HTTPS:
    /// sent from a plain-HTTP deployment it would lock browsers out of it for a year.
    hsts: bool,
    /// Under `cargo leptos watch`, pages reload through a WebSocket on another port, which
    /// `connect-src 'self'` would refuse; builds that are served never set `LEPTOS_WATCH`.
    watch: bool,
    /// The Graph API's origin, whose pictures the sync also keeps
    /// ([`GraphConfig::picture_origin`](crate::graph::GraphConfig::picture_origin)).
    pictures: Option<String>,
}

impl WebPolicy {
    pub fn new(args: &ServeArgs) -> Self {
        Self {
            origin: args.public_url.as_deref().and_then(origin_of),
            hsts: args.secure_cookies,
            watch: std::env::var_os("LEPTOS_WATCH").is_some(),
            pictures: args.graph.graph_config().picture_origin(),
        }
    }

    /// The Content Security Policy of an HTML answer whose inline scripts carry `nonce`.
    /// Each relaxation from `'self'` has its reason:
    /// - `'nonce-…'`: Leptos' hydration bootstrap and resolved-resource data are inline
    ///   scripts; they carry this response's nonce, anything injected does not.
    /// - `'wasm-unsafe-eval'`: compiling the app's WebAssembly, without allowing `eval`.
    /// - `style-src-attr 'unsafe-inline'`: the best-time heat map tints each cell through a
    ///   `style` attribute (`--heat`), and the charts place their crosshair and zoom band
    ///   with one; `<style>` elements stay refused, only our stylesheet applies.
    /// - `img-src` Meta's CDNs and the Graph API's origin: account pictures and post
    ///   thumbnails load from there (the sync keeps no other host, `sync::links`); `data:` is
    ///   the empty favicon.
    fn csp(&self, nonce: &str) -> String {
        let connect = if self.watch {
            "'self' ws: wss:"
        } else {
            "'self'"
        };
        let graph = self
            .pictures
            .as_deref()
            .map_or_else(String::new, |origin| format!(" {origin}"));
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; style-src-attr 'unsafe-inline'; \
             img-src 'self' https://*.cdninstagram.com https://*.fbcdn.net{graph} data:; \
             connect-src {connect}; object-src 'none'; frame-ancestors 'none'; \
             base-uri 'none'; form-action 'self'"
        )
    }
}

/// `scheme://host[:port]` of a URL as browsers write it in `Origin` (default port left out).
fn origin_of(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    url.has_host().then(|| url.origin().ascii_serialization())
}

/// The request's log span: method and path only. The query string is left out on purpose —
/// it can carry the setup token or, later, OAuth codes.
pub fn request_span(req: &Request<Body>) -> Span {
    tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
}

/// Refuses state-changing requests from another site (CSRF defence on top of SameSite=Lax):
/// an `Origin` that is not ours (`--public-url`, or else the `Host` asked for), or a browser's
/// `Sec-Fetch-Site: cross-site`. Requests without either header come from non-browser
/// clients and pass.
pub async fn same_origin_writes(
    State(policy): State<WebPolicy>,
    req: Request,
    next: Next,
) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        if let Err(why) = write_allowed(&policy, req.headers()) {
            tracing::warn!(why, "cross-origin write refused");
            return (StatusCode::FORBIDDEN, "Cross-origin request refused.").into_response();
        }
    }
    next.run(req).await
}

fn write_allowed(policy: &WebPolicy, headers: &HeaderMap) -> Result<(), &'static str> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if text("sec-fetch-site").is_some_and(|site| site.eq_ignore_ascii_case("cross-site")) {
        return Err("Sec-Fetch-Site: cross-site");
    }
    let Some(origin) = text(header::ORIGIN.as_str()) else {
        return Ok(());
    };
    let ours = match &policy.origin {
        Some(public) => origin.eq_ignore_ascii_case(public),
        None => origin_matches_host(origin, text(header::HOST.as_str())),
    };
    if ours {
        Ok(())
    } else {
        Err("Origin is not this site")
    }
}

/// A server function whose arguments cannot be read fails before our code runs, and
/// server_fn answers every such failure with 500. Its body is an [`AppError`]: the answer gets
/// that error's own status, so a malformed request reads as 400 rather than a server fault.
pub async fn server_fn_error_status(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are a few hundred bytes of JSON; anything longer is not one of ours.
    let Ok(bytes) = axum::body::to_bytes(body, 16 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status()).unwrap_or(parts.status);
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn origin_matches_host(origin: &str, host: Option<&str>) -> bool {
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// Headers that cost nothing and close common holes; `no-referrer` also keeps the setup
/// link's token from leaking to any linked site. Every HTML answer gets a Content Security
/// Policy with a fresh nonce (see [`content_security_policy`]).
pub fn with_security_headers(router: Router, policy: &WebPolicy) -> Router {
    let router = router.layer(axum::middleware::from_fn_with_state(
        policy.clone(),
        content_security_policy,
    ));
    let hsts = policy.hsts.then_some((
        header::STRICT_TRANSPORT_SECURITY,
        "max-age=31536000; includeSubDomains",
    ));
    [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ]
    .into_iter()
    .chain(hsts)
    .fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ))
    })
}

/// Whether the answer is a page (its `Content-Type` is HTML).
pub(super) fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"))
}

/// Draws a nonce for this request and hands it to Leptos through the request's extensions
/// ([`provide_request_nonce`] makes it the one Leptos' inline scripts carry), then names it
/// in the answer's Content Security Policy when the answer is HTML. One nonce per response,
/// so a script injected into a page cannot guess it.
async fn content_security_policy(
    State(policy): State<WebPolicy>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = Nonce::new();
    req.extensions_mut().insert(nonce.clone());
    let mut response = next.run(req).await;
    if is_html(&response) {
        // A nonce is URL-safe base64, so the policy is always a valid header value.
        if let Ok(value) = HeaderValue::from_str(&policy.csp(&nonce)) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    response
}

/// Leptos context for a page render: the nonce [`content_security_policy`] drew for this
/// request replaces the one Leptos drew itself, so header and scripts agree.
pub fn provide_request_nonce() {
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Nonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(nonce);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(public_url: Option<&str>) -> WebPolicy {
        WebPolicy {
            origin: public_url.and_then(origin_of),
            hsts: false,
            watch: false,
            pictures: None,
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    k.parse::<header::HeaderName>().unwrap(),
                    HeaderValue::from_str(v).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn public_urls_become_origins_as_browsers_write_them() {
        assert_eq!(
            origin_of("https://IG.example.com:443/x/").as_deref(),
            Some("https://ig.example.com")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:3000").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(origin_of("not a url"), None);
    }

    #[test]
    fn writes_pass_from_our_origin_only() {
        let public = policy(Some("https://ig.example.com/"));
        let own = [
            ("origin", "https://ig.example.com"),
            ("host", "10.0.0.5:3000"),
        ];
        assert!(write_allowed(&public, &headers(&own)).is_ok());
        let by_host = [
            ("origin", "http://10.0.0.5:3000"),
            ("host", "10.0.0.5:3000"),
        ];
        assert!(write_allowed(&public, &headers(&by_host)).is_err());
        assert!(write_allowed(&policy(None), &headers(&by_host)).is_ok());
        let cross = [("sec-fetch-site", "cross-site")];
        assert!(write_allowed(&policy(None), &headers(&cross)).is_err());
        assert!(
            write_allowed(&policy(None), &headers(&[])).is_ok(),
            "not a browser"
        );
    }

    #[test]
    fn the_policy_names_the_nonce_and_nothing_inline_for_scripts() {
        let csp = policy(None).csp("abc123");
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(!csp.contains("ws:"));
        // The two relaxations argued for in `csp`, no third.
        assert_eq!(csp.matches("unsafe").count(), 2, "{csp}");
        assert!(csp.contains("style-src-attr 'unsafe-inline'"));
    }

    #[test]
    fn images_may_also_load_from_the_graph_apis_origin() {
        let meta = policy(None).csp("n");
        assert!(
            meta.contains("img-src 'self' https://*.cdninstagram.com https://*.fbcdn.net data:;"),
            "{meta}"
        );
        let sim = WebPolicy {
            pictures: Some("http://127.0.0.1:4000".into()),
            ..policy(None)
        };
        assert!(sim.csp("n").contains(
            "img-src 'self' https://*.cdninstagram.com https://*.fbcdn.net http://127.0.0.1:4000 data:;"
        ));
    }

    #[test]
    fn origins_must_name_the_host_we_were_asked_as() {
        assert!(origin_matches_host(
            "http://127.0.0.1:3000",
            Some("127.0.0.1:3000")
        ));
        assert!(origin_matches_host(
            "https://IG.example.com",
            Some("ig.example.com")
        ));
        assert!(!origin_matches_host(
            "http://evil.test",
            Some("127.0.0.1:3000")
        ));
        assert!(!origin_matches_host(
            "http://127.0.0.1:3001",
            Some("127.0.0.1:3000")
        ));
        assert!(!origin_matches_host("null", Some("127.0.0.1:3000")));
        assert!(!origin_matches_host("http://127.0.0.1:3000", None));
    }
}
