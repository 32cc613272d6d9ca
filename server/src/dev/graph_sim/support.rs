//! Which media metrics Meta accepts for which product type (v25,
//! <https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights>),
//! and the wording of its refusals. One refused metric fails the whole request.

use super::data::Product;

/// Retired metrics, each with the v22+ refusal.
const RETIRED: [&str; 10] = [
    "impressions",
    "plays",
    "video_views",
    "engagement",
    "clips_replays_count",
    "ig_reels_aggregated_all_plays_count",
    "carousel_album_impressions",
    "taps_forward",
    "taps_back",
    "exits",
];

/// Every name the current API knows (the list Meta prints when a name is unknown).
const KNOWN: [&str; 23] = [
    "impressions",
    "reach",
    "replies",
    "saved",
    "likes",
    "comments",
    "shares",
    "total_interactions",
    "follows",
    "profile_visits",
    "profile_activity",
    "navigation",
    "ig_reels_video_view_total_time",
    "ig_reels_avg_watch_time",
    "views",
    "reels_skip_rate",
    "reposts",
    "facebook_views",
    "crossposted_views",
    "total_views",
    "total_likes",
    "total_comments",
    "link_clicks",
];

fn supported(product: Product, metric: &str) -> bool {
    match metric {
        "reach" | "views" | "shares" | "total_interactions" | "reposts" => true,
        "likes" | "comments" | "saved" => product != Product::Story,
        "follows" | "profile_visits" | "profile_activity" => product != Product::Reels,
        "navigation" | "replies" => product == Product::Story,
        "ig_reels_avg_watch_time" | "ig_reels_video_view_total_time" | "reels_skip_rate" => {
            product == Product::Reels
        }
        _ => false,
    }
}

/// `Err(message)` (a code-100 message) when `metric` may not be asked of this media.
pub fn check(product: Product, media_type: &str, metric: &str) -> Result<(), String> {
    if RETIRED.contains(&metric) {
        return Err(
            if metric == "impressions" && matches!(media_type, "IMAGE" | "CAROUSEL_ALBUM") {
                "(#100) Starting from version v22.0 and above, the impressions metric is no longer supported for the queried media".into()
            } else {
                format!("(#100) The Media Insights API does not support the {metric} metric for this media product type")
            },
        );
    }
    if !KNOWN.contains(&metric) {
        return Err(format!(
            "(#100) metric[0] must be one of the following values: {}",
            KNOWN.join(", ")
        ));
    }
    // Feed videos from before reels refuse the newer totals (airbytehq/airbyte#33989, #62902).
    if product == Product::Feed
        && media_type == "VIDEO"
        && matches!(metric, "views" | "total_interactions")
    {
        return Err(format!(
            "(#100) The Media Insights API does not support the {metric} metric for this media product type"
        ));
    }
    if !supported(product, metric) {
        return Err(format!(
            "(#100) The Media Insights API does not support the {metric} metric for this media product type"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clients_feed_set_is_accepted_everywhere_but_stories() {
        for m in crate::graph::metrics::FEED_AND_REELS {
            assert!(check(Product::Feed, "IMAGE", m).is_ok(), "{m}");
            assert!(check(Product::Reels, "VIDEO", m).is_ok(), "{m}");
        }
        assert!(check(Product::Story, "IMAGE", "likes").is_err());
        assert!(check(Product::Story, "VIDEO", "replies").is_ok());
    }

    #[test]
    fn legacy_feed_videos_refuse_views_and_total_interactions_only() {
        assert!(check(Product::Feed, "VIDEO", "views").is_err());
        assert!(check(Product::Feed, "VIDEO", "total_interactions").is_err());
        assert!(check(Product::Feed, "VIDEO", "reach").is_ok());
        for m in crate::graph::metrics::LEGACY_FEED_VIDEO {
            assert!(check(Product::Feed, "VIDEO", m).is_ok(), "{m}");
        }
    }

    #[test]
    fn retired_and_unknown_metrics_are_refused_with_metas_wording() {
        let image = check(Product::Feed, "IMAGE", "impressions").unwrap_err();
        assert!(image.contains("v22.0"), "{image}");
        let reel = check(Product::Reels, "VIDEO", "impressions").unwrap_err();
        assert!(
            reel.contains("does not support the impressions metric"),
            "{reel}"
        );
        assert!(check(Product::Reels, "VIDEO", "plays").is_err());
        let unknown = check(Product::Feed, "IMAGE", "clicks").unwrap_err();
        assert!(
            unknown.contains("must be one of the following values"),
            "{unknown}"
        );
    }
}
