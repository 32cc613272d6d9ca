//! The `/media` and `/stories` edges of the user: newest first, cursor-paged, with
//! time-based paging where Meta honours it.

use serde_json::{json, Value};

use super::Call;
use crate::dev::graph_sim::data::{Account, Post};
use crate::dev::graph_sim::reply::{Answer, Reply};
use crate::dev::graph_sim::Flavour;

impl Call<'_> {
    /// `/media` (posts and reels) or `/stories` (the last 24 h), newest first, cursor-paged.
    pub(super) fn media_edge(&self, account: &Account, token: &str, stories: bool) -> Answer {
        if stories && self.state.faults.stories_refused(token) {
            return Err(self.no_permission());
        }
        // Time-based paging is documented on the media edge but not always honoured.
        let honours_since = stories || !self.state.config.ignore_media_since;
        let since = self.time_param("since")?.filter(|_| honours_since);
        let until = self.time_param("until")?.filter(|_| honours_since);
        let limit = self.limit(25)?;
        if self.state.faults.max_page().is_some_and(|max| limit > max) {
            return Err(Reply::too_much_data());
        }
        let items: Vec<Post> = if stories {
            account.live_stories(self.now)
        } else {
            account.published(self.now).cloned().collect()
        };
        let items: Vec<&Post> = items
            .iter()
            .filter(|p| {
                since.is_none_or(|s| p.timestamp >= s) && until.is_none_or(|u| p.timestamp <= u)
            })
            .collect();
        // Cursors name an item, not a position, so posts published between two page
        // requests neither repeat nor skip items.
        let start = match self.param("after") {
            None => 0,
            Some(cursor) => {
                let (ts, id) = decode_cursor(cursor)
                    .ok_or_else(|| Reply::bad_parameter("(#100) The after cursor is invalid"))?;
                items.iter().position(|p| p.id == id).map_or_else(
                    || {
                        items
                            .iter()
                            .position(|p| p.timestamp.unix_timestamp() < ts)
                            .unwrap_or(items.len())
                    },
                    |i| i + 1,
                )
            }
        };
        let shown: Vec<&Post> = items.iter().skip(start).take(limit).copied().collect();
        let page: Vec<Value> = shown
            .iter()
            .map(|p| self.media_json(p, self.param("fields").unwrap_or("id"), token, account))
            .collect::<Result<_, _>>()?;
        let more = start + shown.len() < items.len();
        // Where everything fits the first page, Meta's samples for graph.facebook.com (media and
        // stories edges: ig-user/media, ig-user/stories) carry no `paging` at all, while
        // graph.instagram.com's (instagram-api-with-instagram-login/get-started) carries the
        // cursors; an empty answer has none on either.
        let bare = !more && start == 0 && (stories || self.flavour == Flavour::FacebookLogin);
        let (Some(first), Some(last)) = (shown.first(), shown.last()) else {
            return Ok(Reply::json(json!({ "data": page })));
        };
        if bare {
            return Ok(Reply::json(json!({ "data": page })));
        }
        let mut paging =
            json!({ "cursors": { "before": encode_cursor(first), "after": encode_cursor(last) } });
        if more {
            paging["next"] = json!(self.url_with(&[("after", &encode_cursor(last))]));
        }
        Ok(Reply::json(json!({ "data": page, "paging": paging })))
    }
}

/// Cursors are opaque to clients; ours name the item (its time, as a fallback once the item
/// is gone, and its id).
fn encode_cursor(post: &Post) -> String {
    cursor_text(post.timestamp.unix_timestamp(), &post.id)
}

fn cursor_text(unix: i64, id: &str) -> String {
    format!("QVFI{unix:x}.{id}")
}

fn decode_cursor(cursor: &str) -> Option<(i64, String)> {
    let (unix, id) = cursor.strip_prefix("QVFI")?.split_once('.')?;
    Some((i64::from_str_radix(unix, 16).ok()?, id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        for (unix, id) in [(0, "1"), (1_795_435_200, "17918195224117851")] {
            assert_eq!(
                decode_cursor(&cursor_text(unix, id)),
                Some((unix, id.to_owned()))
            );
        }
        assert_eq!(decode_cursor("garbage"), None);
    }
}
