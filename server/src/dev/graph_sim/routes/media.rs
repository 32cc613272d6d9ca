//! The media node (`GET /{media-id}?fields=…`) and an album's children, and finding a
//! media by id among posts, live stories and album children.

use serde_json::{json, Value};

use super::media_insights::media_breakdown;
use super::params::{metric_list, modifiers, split_fields};
use super::Call;
use crate::dev::graph_sim::data::{Account, Post, Product};
use crate::dev::graph_sim::pictures;
use crate::dev::graph_sim::reply::{graph_time, Answer, Reply};
use crate::dev::graph_sim::Flavour;

/// Where Meta's pictures live (`scontent-<pop>.cdninstagram.com`, as in the samples of
/// /work/shared/reference/graph-examples.md and tests/fixtures/graph), so the simulator's
/// URLs pass the server's check on Meta's hosts. The CDN has no simulated pictures: pages
/// show them broken unless the simulator serves its own ([`SimConfig::local_pictures`]).
///
/// [`SimConfig::local_pictures`]: crate::dev::graph_sim::SimConfig::local_pictures
const CDN: &str = "https://scontent-iad3-1.cdninstagram.com/v";

impl Call<'_> {
    /// A URL as Meta would send it, unless a fault replaces it ([`Faults::serve_links`]).
    ///
    /// [`Faults::serve_links`]: crate::dev::graph_sim::Faults::serve_links
    pub(super) fn link(&self, real: String) -> Value {
        json!(self.state.faults.link(real))
    }

    /// The picture of media or account `id`: the simulator's own, or `cdn_file` on Meta's CDN.
    pub(super) fn picture(&self, id: &str, cdn_file: &str) -> Value {
        self.link(if self.state.config.local_pictures {
            pictures::url(&self.origin, id)
        } else {
            format!("{CDN}/{cdn_file}")
        })
    }

    /// `GET /{media-id}`.
    pub(super) fn media_node(&self, account: &Account, id: &str, token: &str) -> Answer {
        let post = self.find_post(account, id)?;
        let fields = self.param("fields").unwrap_or("id");
        self.media_json(&post, fields, token, account)
            .map(Reply::json)
    }

    /// `GET /{album-id}/children` (instagram-platform/reference/instagram-media/children).
    pub(super) fn children(&self, account: &Account, id: &str, token: &str) -> Answer {
        let album = self.find_post(account, id)?;
        let fields = self.param("fields").unwrap_or("id");
        let data = album
            .children()
            .iter()
            .map(|child| self.media_json(child, fields, token, account))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Reply::json(json!({ "data": data })))
    }

    pub(super) fn find_post(&self, account: &Account, id: &str) -> Result<Post, Reply> {
        account
            .published(self.now)
            .find(|p| p.id == id)
            .cloned()
            .or_else(|| {
                account
                    .live_stories(self.now)
                    .into_iter()
                    .find(|s| s.id == id)
            })
            .or_else(|| {
                // An album's child: its id starts 181 and repeats the album's digits.
                let album = id.strip_prefix("181")?;
                account
                    .published(self.now)
                    .filter(|p| {
                        p.media_type == "CAROUSEL_ALBUM"
                            && p.id[3..].starts_with(&album[..album.len() - 1])
                    })
                    .flat_map(Post::children)
                    .find(|c| c.id == id)
            })
            .ok_or_else(|| Reply::no_such_object(id))
    }

    /// A media node with `fields`. Every field the IG Media reference documents is served
    /// (instagram-platform/reference/instagram-media), and omitted where the reference says
    /// it is absent (album children have no caption, counts, permalink or insights; some
    /// fields are Facebook Login only); anything else is refused as Meta refuses it. Expanded
    /// insights that one item refuses fail the whole request.
    pub(super) fn media_json(
        &self,
        post: &Post,
        fields: &str,
        token: &str,
        account: &Account,
    ) -> Result<Value, Reply> {
        let mut out = serde_json::Map::from_iter([("id".to_owned(), json!(post.id))]);
        let (likes, comments) = post.counts(self.now);
        let shortcode = &post.id[post.id.len() - 11..];
        let facebook = self.flavour == Flavour::FacebookLogin;
        let counted = post.product != Product::Story && !post.child;
        let metrics = || post.metrics(self.now);
        for field in split_fields(fields) {
            if let Some(spec) = field.strip_prefix("insights") {
                // The edge's parameters as modifiers: `insights.metric(a,b).breakdown(x)`
                // (graph-api "Field Expansion"; the breakdown as on the insights edge).
                let modifiers = modifiers(spec);
                let Some(list) = modifiers.get("metric") else {
                    return Err(Reply::bad_parameter(
                        "(#100) For field 'insights': The parameter metric is required",
                    ));
                };
                let mut data = self
                    .media_insights(post, token, &metric_list(list))
                    .map_err(|refusal| refusal.with_blame("insights"))?;
                if let Some(breakdown) = modifiers.get("breakdown") {
                    media_breakdown(&mut data, breakdown)?;
                }
                out.insert("insights".into(), json!({ "data": data }));
                continue;
            }
            if let Some(spec) = field.strip_prefix("children") {
                // `children{a,b}` (or `children.fields(a,b)`) expands each child.
                let inner = spec
                    .strip_prefix('{')
                    .and_then(|s| s.strip_suffix('}'))
                    .or_else(|| {
                        spec.strip_prefix(".fields(")
                            .and_then(|s| s.strip_suffix(')'))
                    })
                    .unwrap_or("id");
                if !post.children().is_empty() {
                    let data = post
                        .children()
                        .iter()
                        .map(|c| self.media_json(c, inner, token, account))
                        .collect::<Result<Vec<_>, _>>()?;
                    out.insert("children".into(), json!({ "data": data }));
                }
                continue;
            }
            let value = match field {
                "id" => json!(post.id),
                // A string on media (airbytehq/airbyte media.json fixture).
                "ig_id" => json!(post.id[3..].to_string()),
                "legacy_instagram_media_id" => json!(post.id[2..].to_string()),
                "caption" if !post.child => json!(post.caption),
                "media_type" => json!(post.media_type),
                "media_product_type" => json!(post.product.api_name()),
                // Shapes as in Meta's samples (/work/shared/reference/graph-examples.md):
                // permalinks on www.instagram.com, pictures on the Instagram CDN.
                "permalink" if !post.child => {
                    self.link(format!("https://www.instagram.com/p/{shortcode}/"))
                }
                "shortcode" => json!(shortcode),
                "is_comment_enabled" if !post.child => json!(true),
                "owner" => json!({ "id": account.ig_user_id }),
                // Meta sends thumbnail_url for videos only.
                "thumbnail_url" if post.media_type == "VIDEO" => {
                    self.picture(&post.id, &format!("t51.29350-15/{}_t.jpg", post.id))
                }
                // A video's is its file on Meta's CDN; the simulator has none, so it reuses the
                // picture (clients show `thumbnail_url` for videos).
                "media_url" => self.picture(&post.id, &format!("t51.29350-15/{}_n.jpg", post.id)),
                "timestamp" => json!(graph_time(post.timestamp)),
                "like_count" if counted => json!(likes),
                "comments_count" if counted => json!(comments),
                "username" => json!(account.username),
                "alt_text" if post.media_type == "IMAGE" => json!("A simulated picture"),
                "is_shared_to_feed" if post.product == Product::Reels => json!(true),
                // Facebook Login only, top-level media only (2025–26 additions).
                "saved_count" if facebook && counted => json!(metrics()["saved"]),
                "shares_count" if facebook && counted => json!(metrics()["shares"]),
                "reposts_count" if facebook && counted => json!(metrics()["reposts"]),
                "total_like_count" if facebook && counted => json!(likes),
                "total_comments_count" if facebook && counted => json!(comments),
                "total_views_count" if facebook && counted && post.media_type == "VIDEO" => {
                    json!(metrics()["views"])
                }
                // Documented fields this media does not have: omitted, as Meta omits them.
                "caption"
                | "permalink"
                | "is_comment_enabled"
                | "thumbnail_url"
                | "like_count"
                | "comments_count"
                | "alt_text"
                | "is_shared_to_feed"
                | "is_ai_generated"
                | "media_audio_type"
                | "boost_ads_list"
                | "copyright_check_information" => continue,
                "saved_count"
                | "shares_count"
                | "reposts_count"
                | "total_like_count"
                | "total_comments_count"
                | "total_views_count"
                    if facebook =>
                {
                    continue
                }
                other => {
                    return Err(Reply::bad_parameter(&format!(
                        "(#100) Tried accessing nonexisting field ({other}) on node type (IGMedia)"
                    )))
                }
            };
            out.insert(field.to_owned(), value);
        }
        Ok(Value::Object(out))
    }
}
