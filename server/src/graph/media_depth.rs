//! What each media type adds to the metrics all posts share, asked where the page walk cannot:
//! feed posts refuse the reels metrics and reels the feed ones, and one refusal fails a whole
//! page of the media edge. So after the walk the media due are grouped by type and read up to
//! 50 at a time by multiple-id reads, `GET /?ids=a,b&fields=insights.metric(…)` (graph-api
//! "Multiple ID Read Requests": one HTTP request per group, each id counted as one call by the
//! rate limits, which the nested page reads count alike). A story's navigation needs its own
//! breakdown, which fails any other metric asked with it. A group that one item refuses is
//! halved until that item stands alone, and then only the metrics it refuses are dropped.

use std::collections::HashMap;

use serde::Deserialize;
use tracing::instrument;

use super::client::{GraphClient, MANY_IDS};
use super::errors::GraphError;
use super::media_edge::{has_no_insights, refused_by_an_item, Boxed, MediaWithMetrics};
use super::metrics::{
    ProductType, FEED_DEPTH, NAVIGATION_BREAKDOWN, REELS_DEPTH, SKIP_RATE, STORY_NAVIGATION,
};
use super::models::{InsightList, Media};

/// The metrics one kind of media adds, with the breakdown they are asked by.
#[derive(Debug, PartialEq, Eq)]
struct Group {
    metrics: &'static [&'static str],
    breakdown: Option<&'static str>,
}

const FEED: Group = Group {
    metrics: &FEED_DEPTH,
    breakdown: None,
};
const REELS: Group = Group {
    metrics: &REELS_DEPTH,
    breakdown: None,
};
const STORY: Group = Group {
    metrics: &STORY_NAVIGATION,
    breakdown: Some(NAVIGATION_BREAKDOWN),
};

/// Feed videos from before reels refuse even `views`, so they are asked for nothing more.
fn group_of(media: &Media) -> Option<&'static Group> {
    match ProductType::parse(media.media_product_type.as_deref()) {
        ProductType::Feed if media.media_type.as_deref() != Some("VIDEO") => Some(&FEED),
        ProductType::Reels => Some(&REELS),
        ProductType::Story => Some(&STORY),
        _ => None,
    }
}

/// A media in a multiple-id answer; `insights` is absent or empty while Meta has no data.
#[derive(Deserialize)]
struct Node {
    #[serde(default)]
    insights: Option<InsightList>,
}

/// What one media answered: its insights and the metrics it refused.
type Reading = (InsightList, Vec<String>);

impl GraphClient {
    /// Adds to each item that `due` picks the metrics of its own type.
    #[instrument(skip_all, err(level = "debug"))]
    pub async fn deepen(
        &self,
        items: &mut [MediaWithMetrics],
        due: impl Fn(&Media) -> bool,
    ) -> Result<(), GraphError> {
        for group in [&FEED, &REELS, &STORY] {
            let picked: Vec<usize> = (0..items.len())
                .filter(|&n| group_of(&items[n].media) == Some(group) && due(&items[n].media))
                .collect();
            for chunk in picked.chunks(MANY_IDS) {
                let ids: Vec<&str> = chunk.iter().map(|&n| items[n].media.id.as_str()).collect();
                let mut read = self.read_group(group, &ids).await?;
                for &n in chunk {
                    if let Some(reading) = read.remove(&items[n].media.id) {
                        add(&mut items[n], reading);
                    }
                }
            }
        }
        Ok(())
    }

    /// `ids` with `group`'s metrics, halving on an item's refusal.
    fn read_group<'a>(
        &'a self,
        group: &'static Group,
        ids: &'a [&'a str],
    ) -> Boxed<'a, HashMap<String, Reading>> {
        Box::pin(async move {
            let mut fields = format!("insights.metric({})", group.metrics.join(","));
            if let Some(breakdown) = group.breakdown {
                fields.push_str(&format!(".breakdown({breakdown})"));
            }
            let joined = ids.join(",");
            let url = self.url(
                self.base(),
                "",
                &[("ids", joined.as_str()), ("fields", fields.as_str())],
            )?;
            match self.get::<HashMap<String, Node>>(url).await {
                Ok(nodes) => Ok(nodes
                    .into_iter()
                    .map(|(id, node)| (id, (node.insights.unwrap_or_default(), Vec::new())))
                    .collect()),
                Err(e) if refused_by_an_item(&e) && ids.len() > 1 => {
                    let (first, second) = ids.split_at(ids.len() / 2);
                    let mut read = self.read_group(group, first).await?;
                    read.extend(self.read_group(group, second).await?);
                    Ok(read)
                }
                Err(e) if refused_by_an_item(&e) => {
                    let reading = self.depth_alone(group, ids[0], &e).await?;
                    Ok(HashMap::from([(ids[0].to_owned(), reading)]))
                }
                Err(e) => Err(e),
            }
        })
    }

    /// One media's own metrics, asked of it alone after its group was refused.
    async fn depth_alone(
        &self,
        group: &'static Group,
        id: &str,
        refusal: &GraphError,
    ) -> Result<Reading, GraphError> {
        let nothing = || {
            let dropped = group.metrics.iter().map(|m| (*m).to_owned()).collect();
            (InsightList::default(), dropped)
        };
        if has_no_insights(refusal) {
            return Ok(nothing());
        }
        let asked = self
            .media_insight_list(id, group.metrics, group.breakdown)
            .await;
        match asked {
            Err(e) if has_no_insights(&e) => Ok(nothing()),
            other => other,
        }
    }
}

/// Counts join the item's metrics; the skip rate keeps its fraction; a breakdown is kept by
/// action.
fn add(item: &mut MediaWithMetrics, (list, dropped): Reading) {
    item.skip_rate = list.fraction(SKIP_RATE).or(item.skip_rate);
    item.navigation
        .extend(list.broken_down(STORY_NAVIGATION[0]));
    let mut counts = list.lifetime();
    counts.remove(SKIP_RATE);
    item.metrics.extend(counts);
    item.dropped.extend(dropped);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(product: &str, kind: &str) -> Media {
        serde_json::from_value(serde_json::json!({
            "id": "1",
            "media_type": kind,
            "media_product_type": product,
            "timestamp": "2026-12-01T10:00:00+0000",
        }))
        .unwrap()
    }

    #[test]
    fn each_type_is_asked_only_what_it_takes() {
        assert_eq!(group_of(&media("FEED", "IMAGE")), Some(&FEED));
        assert_eq!(group_of(&media("FEED", "CAROUSEL_ALBUM")), Some(&FEED));
        assert_eq!(group_of(&media("FEED", "VIDEO")), None);
        assert_eq!(group_of(&media("REELS", "VIDEO")), Some(&REELS));
        assert_eq!(group_of(&media("STORY", "IMAGE")), Some(&STORY));
        assert_eq!(group_of(&media("AD", "IMAGE")), None);
    }
}
