//! The account as a node: `/me` (the Facebook user, or with Instagram Login the user node
//! itself), the IG User node, and `/me/accounts` (the user's Pages).

use serde_json::{json, Value};

use super::params::split_fields;
use super::Call;
use crate::dev::graph_sim::data::Account;
use crate::dev::graph_sim::reply::{Answer, Reply};
use crate::dev::graph_sim::Flavour;

impl Call<'_> {
    /// `/me` with a Facebook Login token: the Facebook user.
    pub(super) fn me(&self, account: &Account) -> Answer {
        Ok(Reply::json(
            json!({ "id": format!("{}1", account.page_id), "name": account.name }),
        ))
    }

    /// `/me/accounts`: the user's Pages, `limit` per page with cursors (graph-api/results);
    /// a Page without a linked professional account has no `instagram_business_account`.
    pub(super) fn pages(&self, owned: &[&Account]) -> Answer {
        // A Page without Instagram first, as real users often have one.
        let pages: Vec<Value> = std::iter::once(
            json!({ "id": format!("{}9", owned[0].page_id), "name": "Old shop page" }),
        )
        .chain(owned.iter().map(|a| {
            json!({ "id": a.page_id, "name": a.name, "instagram_business_account": { "id": a.ig_user_id } })
        }))
        .collect();
        let limit = self.limit(25)?;
        // Opaque to clients; here the position of the Page it follows.
        let cursor = |i: usize| format!("QVFIUm{i:x}");
        let start = match self.param("after") {
            Some(after) => after
                .strip_prefix("QVFIUm")
                .and_then(|i| usize::from_str_radix(i, 16).ok())
                .filter(|i| *i < pages.len())
                .map(|i| i + 1)
                .ok_or_else(|| Reply::bad_parameter("(#100) The after cursor is invalid"))?,
            None => 0,
        };
        let shown: Vec<&Value> = pages.iter().skip(start).take(limit).collect();
        let last = start + shown.len().max(1) - 1;
        let mut paging = json!({ "cursors": { "before": cursor(start), "after": cursor(last) } });
        if start + shown.len() < pages.len() {
            paging["next"] = json!(self.url_with(&[("after", &cursor(last))]));
        }
        Ok(Reply::json(json!({ "data": shown, "paging": paging })))
    }

    /// The IG User node (instagram-platform/instagram-graph-api/reference/ig-user); as `/me`
    /// with Instagram Login its `id` is the app-scoped one and `user_id` the account's
    /// (instagram-api-with-instagram-login/get-started).
    pub(super) fn user(&self, account: &Account, as_me: bool) -> Answer {
        let fields = self.param("fields").unwrap_or("id");
        let id = if as_me {
            format!("{}0", account.page_id)
        } else {
            account.ig_user_id.clone()
        };
        // Meta always includes the node's id, asked for or not.
        let mut out = serde_json::Map::from_iter([("id".to_owned(), json!(id))]);
        let instagram_login = self.flavour == Flavour::InstagramLogin;
        for field in split_fields(fields) {
            let value = match field {
                "id" => json!(id),
                "user_id" if instagram_login => json!(account.ig_user_id),
                // "Can be Business or Media_Creator" (get-started).
                "account_type" if instagram_login => json!("BUSINESS"),
                // A number on the user node (airbytehq/airbyte users.json fixture).
                "ig_id" => json!(account.page_id[..9].parse::<i64>().unwrap_or(1)),
                "username" => json!(account.username),
                "name" => json!(account.name),
                "biography" => json!("Simulated account for Instalytics."),
                "website" => json!(format!("https://example.com/{}", account.username)),
                // Facebook Login only (instagram-platform/instagram-graph-api/reference/ig-user).
                "has_profile_pic" if self.flavour == Flavour::FacebookLogin => json!(true),
                "is_published" if self.flavour == Flavour::FacebookLogin => json!(true),
                "profile_picture_url" => {
                    let id = &account.ig_user_id;
                    self.picture(id, &format!("t51.2885-19/{id}_n.jpg"))
                }
                "followers_count" => json!(account.followers(self.state.config.start, self.now)),
                "follows_count" => json!(account.follows),
                "media_count" => json!(account.published(self.now).count()),
                other => {
                    return Err(Reply::bad_parameter(&format!(
                        "(#100) Tried accessing nonexisting field ({other}) on node type (IGUser)"
                    )))
                }
            };
            out.insert(field.to_owned(), value);
        }
        Ok(Reply::json(Value::Object(out)))
    }
}
