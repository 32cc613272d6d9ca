//! URLs from the Graph API, checked before they are stored: pages render them as links and
//! images, so only `https://` on Instagram's and Meta's hosts is kept ([`app::rules::meta_url`]),
//! and pictures on the configured Graph API's own origin: the operator chose that server, and
//! a stand-in for Meta (the simulator) serves its pictures there. The Content Security Policy
//! lets images load from the same places (`http::middleware::WebPolicy`).

use app::rules::{self, MetaUrl, META_URL_MAX};

use crate::graph::GraphConfig;

/// The rule for one Graph API configuration.
pub struct Links {
    graph_origin: Option<String>,
}

impl Links {
    pub fn new(graph: &GraphConfig) -> Self {
        Self {
            graph_origin: graph.picture_origin(),
        }
    }

    /// `raw` when it is allowed for `kind`; otherwise absent, with a warning that names the
    /// field and why (never the URL itself: it may be long or crafted).
    pub fn keep(&self, field: &'static str, raw: Option<String>, kind: MetaUrl) -> Option<String> {
        let url = raw?;
        if kind == MetaUrl::Picture && self.on_graph_origin(&url) {
            return Some(url);
        }
        match rules::meta_url(&url, kind) {
            Ok(()) => Some(url),
            Err(why) => {
                tracing::warn!(field, %why, "a URL from the Graph API was dropped");
                None
            }
        }
    }

    /// A path on the Graph API's origin exactly: the origin, then `/` (so no other port, user
    /// info or longer host name), then printable ASCII.
    fn on_graph_origin(&self, url: &str) -> bool {
        let Some(origin) = &self.graph_origin else {
            return false;
        };
        url.len() <= META_URL_MAX
            && url
                .get(..origin.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(origin))
            && url[origin.len()..].starts_with('/')
            && url.bytes().all(|b| b.is_ascii_graphic())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(graph_url: &str) -> Links {
        Links::new(&GraphConfig {
            instagram_root: graph_url.into(),
            ..GraphConfig::meta("v25.0")
        })
    }

    #[test]
    fn only_meta_urls_are_kept() {
        let meta = links("https://graph.instagram.com");
        let cdn = "https://scontent-iad3-1.cdninstagram.com/v/t51.2885-19/1_n.jpg?oh=00_A";
        assert_eq!(
            meta.keep("media_url", Some(cdn.into()), MetaUrl::Picture)
                .as_deref(),
            Some(cdn)
        );
        for hostile in [
            "javascript:alert(1)",
            "http://x.fbcdn.net/a.jpg",
            "https://evil.test/a.jpg",
            "http://127.0.0.1:4000/pictures/1.svg",
            // Meta's Graph hosts serve no pictures: they gain nothing from being configured.
            "https://graph.instagram.com/pictures/1.svg",
        ] {
            assert_eq!(
                meta.keep("media_url", Some(hostile.into()), MetaUrl::Picture),
                None
            );
        }
        assert_eq!(GraphConfig::meta("v25.0").picture_origin(), None);
        assert_eq!(meta.keep("permalink", None, MetaUrl::Permalink), None);
    }

    #[test]
    fn pictures_may_also_come_from_the_graph_apis_own_origin() {
        let sim = links("http://127.0.0.1:4000/instagram");
        for own in [
            "http://127.0.0.1:4000/pictures/17900000000000001.svg",
            "HTTP://127.0.0.1:4000/x.svg?a=1",
            "https://scontent-iad3-1.cdninstagram.com/v/t51.2885-19/1_n.jpg",
        ] {
            assert_eq!(
                sim.keep("media_url", Some(own.into()), MetaUrl::Picture)
                    .as_deref(),
                Some(own)
            );
        }
        for other in [
            "http://127.0.0.1:40001/pictures/1.svg",
            "http://127.0.0.1:4000.evil.test/1.svg",
            "http://127.0.0.1:4000@evil.test/1.svg",
            "http://127.0.0.1:4000",
            "http://127.0.0.1:4001/pictures/1.svg",
            "http://127.0.0.2:4000/pictures/1.svg",
            "https://127.0.0.1:4000/pictures/1.svg",
            "http://evil.test/pictures/1.svg",
            "http://127.0.0.1:4000/pictures/a b.svg",
            "javascript:alert(1)",
        ] {
            assert_eq!(
                sim.keep("media_url", Some(other.into()), MetaUrl::Picture),
                None,
                "{other}"
            );
        }
        // Links still go to Instagram only.
        let page = "http://127.0.0.1:4000/p/x/";
        assert_eq!(
            sim.keep("permalink", Some(page.into()), MetaUrl::Permalink),
            None
        );
    }
}
