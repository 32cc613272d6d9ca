//! URLs from the Graph API, checked before they are stored: pages render them as links and
//! images, so only `https://` on Instagram's and Meta's hosts is kept ([`app::rules::meta_url`]).

use app::rules::{self, MetaUrl};

/// `raw` when it is one of Meta's URLs for `kind`; otherwise absent, with a warning that
/// names the field and why (never the URL itself: it may be long or crafted).
pub fn meta_link(field: &'static str, raw: Option<String>, kind: MetaUrl) -> Option<String> {
    let url = raw?;
    match rules::meta_url(&url, kind) {
        Ok(()) => Some(url),
        Err(why) => {
            tracing::warn!(field, %why, "a URL from the Graph API was dropped");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_meta_urls_are_kept() {
        let cdn = "https://scontent-iad3-1.cdninstagram.com/v/t51.2885-19/1_n.jpg?oh=00_A";
        assert_eq!(
            meta_link("media_url", Some(cdn.into()), MetaUrl::Picture).as_deref(),
            Some(cdn)
        );
        for hostile in [
            "javascript:alert(1)",
            "http://x.fbcdn.net/a.jpg",
            "https://evil.test/a.jpg",
        ] {
            assert_eq!(
                meta_link("media_url", Some(hostile.into()), MetaUrl::Picture),
                None
            );
        }
        assert_eq!(meta_link("permalink", None, MetaUrl::Permalink), None);
    }
}
