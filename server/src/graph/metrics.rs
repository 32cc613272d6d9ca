//! Which insights to ask for, per media product type, for current API versions (v22+).
//!
//! `views` replaced `impressions`, `plays` and `video_views` (retired 2025-04-21 for every
//! version); asking for a retired or unsupported metric fails the whole request with code 100,
//! so these lists hold only what Meta documents for each type (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights).

/// Instagram's `media_product_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProductType {
    Feed,
    Reels,
    Story,
    /// Ads and anything newer than this code: no metrics are documented, so none are asked.
    Other,
}

impl ProductType {
    pub fn parse(media_product_type: Option<&str>) -> Self {
        match media_product_type {
            Some("FEED") => ProductType::Feed,
            Some("REELS") => ProductType::Reels,
            Some("STORY") => ProductType::Story,
            _ => ProductType::Other,
        }
    }
}

/// Feed posts and reels share this set, so one nested `insights.metric(…)` serves a whole
/// page of the media edge (verified live on IMAGE, VIDEO, CAROUSEL_ALBUM and REELS, v25).
pub const FEED_AND_REELS: [&str; 7] = [
    "reach",
    "likes",
    "comments",
    "saved",
    "shares",
    "total_interactions",
    "views",
];

/// Feed videos published before reels existed (`VIDEO` with product type `FEED`) refuse
/// `views` and `total_interactions` (airbytehq/airbyte#33989 and #62902; Airbyte asks such
/// videos for a reduced set since).
pub const LEGACY_FEED_VIDEO: [&str; 5] = ["reach", "likes", "comments", "saved", "shares"];

/// Stories have no likes, comments or saves; they alone have replies and navigation.
pub const STORY: [&str; 9] = [
    "reach",
    "views",
    "shares",
    "total_interactions",
    "replies",
    "follows",
    "profile_visits",
    "profile_activity",
    "navigation",
];

/// What feed posts add to [`FEED_AND_REELS`] and reels refuse: the profile actions a post led to.
pub const FEED_DEPTH: [&str; 3] = ["follows", "profile_visits", "profile_activity"];

/// What reels add and feed posts refuse: watch time (milliseconds) and the skip rate (a
/// percentage, the only fractional media metric).
pub const REELS_DEPTH: [&str; 3] = [
    "ig_reels_avg_watch_time",
    "ig_reels_video_view_total_time",
    "reels_skip_rate",
];
pub const SKIP_RATE: &str = "reels_skip_rate";

/// A story's navigation by action; the breakdown fails every other metric asked with it.
pub const STORY_NAVIGATION: [&str; 1] = ["navigation"];
pub const NAVIGATION_BREAKDOWN: &str = "story_navigation_action_type";

pub fn for_product(product: ProductType) -> &'static [&'static str] {
    match product {
        ProductType::Feed | ProductType::Reels => &FEED_AND_REELS,
        ProductType::Story => &STORY,
        ProductType::Other => &[],
    }
}

/// The metrics to ask of one media, knowing its media type too.
pub fn for_media(product: ProductType, media_type: Option<&str>) -> &'static [&'static str] {
    match (product, media_type) {
        (ProductType::Feed, Some("VIDEO")) => &LEGACY_FEED_VIDEO,
        _ => for_product(product),
    }
}

/// Which of `asked` a code-100 message blames. Meta names the rejected metric in the message
/// ("does not support the shares metric", "the impressions metric is no longer supported");
/// the "must be one of the following values: …" form lists valid names instead and is
/// therefore not evidence against any of them.
pub fn blamed<'a>(message: &str, asked: &[&'a str]) -> Vec<&'a str> {
    let lower = message.to_lowercase();
    let blame_part = lower.split("one of the following").next().unwrap_or(&lower);
    asked
        .iter()
        .copied()
        .filter(|m| {
            blame_part
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|word| word == *m)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_retired_metric_is_ever_asked() {
        for product in [
            ProductType::Feed,
            ProductType::Reels,
            ProductType::Story,
            ProductType::Other,
        ] {
            for retired in [
                "impressions",
                "plays",
                "video_views",
                "engagement",
                "clips_replays_count",
            ] {
                assert!(
                    !for_product(product).contains(&retired),
                    "{product:?} asks {retired}"
                );
            }
        }
        assert!(for_product(ProductType::Other).is_empty());
        assert!(!STORY.contains(&"likes"));
    }

    #[test]
    fn legacy_feed_videos_are_not_asked_what_they_refuse() {
        let set = for_media(ProductType::Feed, Some("VIDEO"));
        assert!(!set.contains(&"views") && !set.contains(&"total_interactions"));
        assert_eq!(for_media(ProductType::Reels, Some("VIDEO")), FEED_AND_REELS);
        assert_eq!(for_media(ProductType::Feed, Some("IMAGE")), FEED_AND_REELS);
    }

    #[test]
    fn product_types_parse_and_unknown_ones_are_other() {
        assert_eq!(ProductType::parse(Some("REELS")), ProductType::Reels);
        assert_eq!(ProductType::parse(Some("AD")), ProductType::Other);
        assert_eq!(ProductType::parse(None), ProductType::Other);
    }

    #[test]
    fn the_blamed_metric_is_found_in_metas_wordings() {
        let asked = FEED_AND_REELS;
        assert_eq!(
            blamed(
                "(#100) The metric shares is not supported for this media type",
                &asked
            ),
            ["shares"]
        );
        assert_eq!(
            blamed("(#100) The Media Insights API does not support the views metric for this media product type", &asked),
            ["views"]
        );
        assert!(blamed(
            "(#100) metric[0] must be one of the following values: reach, likes, comments, saved, shares",
            &asked
        )
        .is_empty());
        assert!(blamed("(#100) An unknown error has occurred.", &asked).is_empty());
    }
}
