//! Response shapes of the Graph API, as Meta documents them, and the tokens we send.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

/// A Graph access token. `Debug` never shows it; only the client reads it, to build a URL.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken(REDACTED)")
    }
}

impl<'de> Deserialize<'de> for AccessToken {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(AccessToken)
    }
}

/// One page of an edge. The end is when `paging.next` is absent, not when `data` is short.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
pub struct Paging {
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub cursors: Option<Cursors>,
}

#[derive(Debug, Deserialize)]
pub struct Cursors {
    #[serde(default)]
    pub after: Option<String>,
}

impl<T> Page<T> {
    /// Whether Meta says more items follow.
    pub fn has_next(&self) -> bool {
        self.paging.as_ref().is_some_and(|p| p.next.is_some())
    }

    /// The cursor after this page's last item.
    pub fn after(&self) -> Option<&str> {
        self.paging
            .as_ref()
            .and_then(|p| p.cursors.as_ref())
            .and_then(|c| c.after.as_deref())
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Profile {
    pub id: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub profile_picture_url: Option<String>,
    #[serde(default)]
    pub followers_count: Option<i64>,
    #[serde(default)]
    pub follows_count: Option<i64>,
    #[serde(default)]
    pub media_count: Option<i64>,
}

/// `GET /me?fields=user_id,username` with an Instagram Login token. Meta's get-started page
/// prints the node wrapped in `{"data":[…]}`; clients met it flat. Both are read.
#[derive(Clone, Debug, PartialEq)]
pub struct InstagramMe {
    /// The professional account's id (what every other call takes).
    pub user_id: Option<String>,
    pub id: Option<String>,
    pub username: Option<String>,
}

#[derive(Deserialize)]
struct MeFields {
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    username: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum MeShape {
    Wrapped { data: Vec<MeFields> },
    Flat(MeFields),
}

impl<'de> Deserialize<'de> for InstagramMe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let fields = match MeShape::deserialize(d)? {
            MeShape::Wrapped { data } => data
                .into_iter()
                .next()
                .ok_or_else(|| serde::de::Error::custom("/me answered an empty data list"))?,
            MeShape::Flat(fields) => fields,
        };
        Ok(InstagramMe {
            user_id: fields.user_id,
            id: fields.id,
            username: fields.username,
        })
    }
}

/// A Facebook Page from `/me/accounts`, with its linked Instagram account if any.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct FacebookPage {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub instagram_business_account: Option<IdOnly>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct IdOnly {
    pub id: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Media {
    pub id: String,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub media_product_type: Option<String>,
    #[serde(default)]
    pub permalink: Option<String>,
    #[serde(default)]
    pub thumbnail_url: Option<String>,
    #[serde(default)]
    pub media_url: Option<String>,
    #[serde(deserialize_with = "graph_time")]
    pub timestamp: OffsetDateTime,
    #[serde(default)]
    pub like_count: Option<i64>,
    #[serde(default)]
    pub comments_count: Option<i64>,
    /// Present when asked for by field expansion (`insights.metric(…)`).
    #[serde(default)]
    pub insights: Option<InsightList>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct InsightList {
    #[serde(default)]
    pub data: Vec<Insight>,
}

/// One metric: lifetime media metrics carry `values[0].value`; account metrics either a
/// daily `values` series with `end_time` or a `total_value`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Insight {
    pub name: String,
    #[serde(default)]
    pub period: Option<String>,
    #[serde(default)]
    pub values: Vec<InsightValue>,
    #[serde(default)]
    pub total_value: Option<TotalValue>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct InsightValue {
    /// A number for counts, an object for metrics like `online_followers`.
    pub value: serde_json::Value,
    #[serde(default, deserialize_with = "optional_graph_time")]
    pub end_time: Option<OffsetDateTime>,
}

/// A `total_value`: its sum (absent in demographics, which only break down), and with a
/// `breakdown` asked, the values by dimension.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct TotalValue {
    #[serde(default)]
    pub value: serde_json::Value,
    #[serde(default)]
    pub breakdowns: Vec<Breakdown>,
}

/// `{"dimension_keys":["age","gender"],"results":[{"dimension_values":["18-24","F"],"value":10}]}`
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Breakdown {
    #[serde(default)]
    pub dimension_keys: Vec<String>,
    #[serde(default)]
    pub results: Vec<BreakdownResult>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct BreakdownResult {
    #[serde(default)]
    pub dimension_values: Vec<String>,
    pub value: serde_json::Value,
}

/// Metric name → value, for the metrics that had a numeric value.
pub type Metrics = BTreeMap<String, i64>;

fn as_count(value: &serde_json::Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_f64().map(|f| f.round() as i64))
}

impl InsightList {
    /// Lifetime values by name; metrics without data yet are simply absent (Meta sends an
    /// empty set, not 0, for fresh media).
    pub fn lifetime(&self) -> Metrics {
        self.data
            .iter()
            .filter_map(|i| {
                let v = i
                    .values
                    .first()
                    .map(|v| &v.value)
                    .or(i.total_value.as_ref().map(|t| &t.value))?;
                Some((i.name.clone(), as_count(v)?))
            })
            .collect()
    }
}

impl InsightList {
    /// A lifetime value with its fraction (`reels_skip_rate` is a percentage such as 31.4).
    pub fn fraction(&self, name: &str) -> Option<f64> {
        self.data
            .iter()
            .find(|i| i.name == name)?
            .values
            .first()?
            .value
            .as_f64()
    }

    /// A metric's total by the one dimension it was broken down by, keyed by that dimension's
    /// value in lower case (Meta's samples send `tap_forward` where its docs say `TAP_FORWARD`).
    pub fn broken_down(&self, name: &str) -> Metrics {
        self.data
            .iter()
            .filter(|i| i.name == name)
            .filter_map(|i| i.total_value.as_ref()?.breakdowns.first())
            .flat_map(|b| &b.results)
            .filter_map(|r| {
                let key = r.dimension_values.first()?.to_lowercase();
                Some((key, as_count(&r.value)?))
            })
            .collect()
    }
}

impl Insight {
    pub fn total(&self) -> Option<i64> {
        self.total_value.as_ref().and_then(|t| as_count(&t.value))
    }

    /// `(end_time, value)` pairs of a daily series.
    pub fn series(&self) -> Vec<(OffsetDateTime, i64)> {
        self.values
            .iter()
            .filter_map(|v| Some((v.end_time?, as_count(&v.value)?)))
            .collect()
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenGrant {
    pub access_token: AccessToken,
    #[serde(default)]
    pub token_type: Option<String>,
    /// Seconds; about 60 days for long-lived tokens.
    #[serde(default)]
    pub expires_in: Option<i64>,
}

/// `GET /debug_token` (graph.facebook.com, with an app token): what Meta knows of a token.
/// Times are unix seconds; 0 means "never" for `expires_at` (Page tokens).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct TokenDebug {
    #[serde(default)]
    pub is_valid: bool,
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub data_access_expires_at: Option<i64>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DebugTokenAnswer {
    pub data: TokenDebug,
}

/// Meta writes `2019-09-26T22:36:43+0000`: RFC 3339 but for the colon-less offset.
const GRAPH_TIME: &[BorrowedFormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
);

pub fn parse_graph_time(text: &str) -> Result<OffsetDateTime, time::error::Parse> {
    OffsetDateTime::parse(text, GRAPH_TIME)
        .or_else(|_| OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339))
}

fn graph_time<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    let text = String::deserialize(d)?;
    parse_graph_time(&text).map_err(serde::de::Error::custom)
}

fn optional_graph_time<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<OffsetDateTime>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|t| parse_graph_time(&t).map_err(serde::de::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    //! Fixtures written from the shapes in Meta's documentation (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media, …/instagram-user/insights, graph-api/results).
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn media_edge_page_with_nested_insights() {
        let json = r#"{
          "data": [
            {"id":"17918195224117851","caption":"Sunset #travel","media_type":"VIDEO","media_product_type":"REELS",
             "permalink":"https://www.instagram.com/reel/abc/","thumbnail_url":"https://cdn/x.jpg","media_url":"https://cdn/x.mp4",
             "timestamp":"2019-09-26T22:36:43+0000","like_count":12,"comments_count":3,
             "insights":{"data":[
               {"name":"reach","period":"lifetime","values":[{"value":224}],"title":"Accounts reached","description":"…","id":"17918195224117851/insights/reach/lifetime"},
               {"name":"views","period":"lifetime","values":[{"value":1031}],"title":"Views","description":"…","id":"17918195224117851/insights/views/lifetime"}
             ]}},
            {"id":"17895695668004550","media_type":"IMAGE","media_product_type":"FEED","timestamp":"2019-09-25T10:00:00+0000"}
          ],
          "paging":{"cursors":{"before":"QVFIUk","after":"QVFIUm"},"next":"https://graph.instagram.com/v25.0/17841405822304914/media?access_token=T&limit=2&after=QVFIUm"}
        }"#;
        let page: Page<Media> = serde_json::from_str(json).unwrap();
        assert_eq!(page.data.len(), 2);
        let reel = &page.data[0];
        assert_eq!(reel.timestamp.unix_timestamp(), 1_569_537_403);
        let metrics = reel.insights.as_ref().unwrap().lifetime();
        assert_eq!(metrics.get("reach"), Some(&224));
        assert_eq!(metrics.get("views"), Some(&1031));
        assert!(page.data[1].insights.is_none());
        assert!(page.paging.unwrap().next.unwrap().contains("after=QVFIUm"));
    }

    #[test]
    fn last_page_has_no_next_and_fresh_media_have_empty_insights() {
        let page: Page<Media> = serde_json::from_str(
            r#"{"data":[{"id":"1","timestamp":"2026-11-23T10:00:00+0000","insights":{"data":[]}}],"paging":{"cursors":{"before":"a","after":"b"}}}"#,
        )
        .unwrap();
        assert!(page.paging.unwrap().next.is_none());
        assert!(page.data[0]
            .insights
            .as_ref()
            .unwrap()
            .lifetime()
            .is_empty());
    }

    #[test]
    fn account_insights_time_series_and_total_value() {
        let series: Page<Insight> = serde_json::from_str(
            r#"{"data":[{"name":"follower_count","period":"day","values":[{"value":23,"end_time":"2026-06-22T07:00:00+0000"},{"value":-2,"end_time":"2026-06-23T07:00:00+0000"}],"title":"Follower count","description":"…","id":"1/insights/follower_count/day"}],"paging":{"previous":"p","next":"n"}}"#,
        )
        .unwrap();
        let points = series.data[0].series();
        assert_eq!(points.len(), 2);
        assert_eq!(points[1].1, -2);
        let total: Page<Insight> = serde_json::from_str(
            r#"{"data":[{"name":"reach","period":"day","title":"Reach","description":"…","total_value":{"value":224,"breakdowns":[{"dimension_keys":["media_product_type"],"results":[{"dimension_values":["POST"],"value":124}]}]},"id":"1/insights/reach/day"}]}"#,
        )
        .unwrap();
        assert_eq!(total.data[0].total(), Some(224));
    }

    #[test]
    fn profile_me_pages_and_token_grants() {
        let p: Profile = serde_json::from_str(
            r#"{"id":"17841405822304914","username":"jaypmuseum","name":"Jay P","profile_picture_url":"https://cdn/p.jpg","followers_count":1520,"follows_count":120,"media_count":304}"#,
        )
        .unwrap();
        assert_eq!(p.followers_count, Some(1520));
        let me: InstagramMe = serde_json::from_str(
            r#"{"user_id":"17841405822304914","username":"jaypmuseum","id":"7"}"#,
        )
        .unwrap();
        assert_eq!(me.user_id.as_deref(), Some("17841405822304914"));
        let wrapped: InstagramMe = serde_json::from_str(
            r#"{"data":[{"user_id":"17841405822304914","username":"jaypmuseum"}]}"#,
        )
        .unwrap();
        assert_eq!(
            wrapped,
            InstagramMe {
                id: None,
                ..me.clone()
            }
        );
        let pages: Page<FacebookPage> = serde_json::from_str(
            r#"{"data":[{"id":"1","name":"Museum","instagram_business_account":{"id":"17841"}},{"id":"2","name":"No IG"}],"paging":{"cursors":{"before":"x","after":"y"}}}"#,
        )
        .unwrap();
        assert_eq!(
            pages.data[0]
                .instagram_business_account
                .as_ref()
                .unwrap()
                .id,
            "17841"
        );
        assert!(pages.data[1].instagram_business_account.is_none());
        let grant: TokenGrant = serde_json::from_str(
            r#"{"access_token":"IGAAnew","token_type":"bearer","expires_in":5183944}"#,
        )
        .unwrap();
        assert_eq!(grant.expires_in, Some(5_183_944));
        assert_eq!(format!("{:?}", grant.access_token), "AccessToken(REDACTED)");
    }

    #[test]
    fn timestamps_in_both_offset_spellings() {
        let a = parse_graph_time("2019-09-26T22:36:43+0000").unwrap();
        let b = parse_graph_time("2019-09-26T22:36:43+00:00").unwrap();
        assert_eq!(a, b);
        assert!(parse_graph_time("yesterday").is_err());
    }

    proptest! {
        #[test]
        fn arbitrary_json_never_panics(json in arb_json()) {
            let text = json.to_string();
            let _ = serde_json::from_str::<Page<Media>>(&text);
            let _ = serde_json::from_str::<Page<Insight>>(&text);
            let _ = serde_json::from_str::<Profile>(&text);
            let _ = serde_json::from_str::<crate::graph::errors::Envelope>(&text);
            let _ = serde_json::from_str::<TokenGrant>(&text);
            if let Ok(list) = serde_json::from_str::<InsightList>(&text) {
                let _ = list.lifetime();
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,200}") {
            let _ = serde_json::from_str::<Page<Media>>(&text);
            let _ = parse_graph_time(&text);
        }
    }

    /// JSON values biased towards the keys and shapes these parsers look at.
    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let key = prop_oneof![
            Just("data".to_string()),
            Just("paging".to_string()),
            Just("next".to_string()),
            Just("id".to_string()),
            Just("timestamp".to_string()),
            Just("values".to_string()),
            Just("value".to_string()),
            Just("insights".to_string()),
            Just("error".to_string()),
            Just("code".to_string()),
            Just("name".to_string()),
            Just("total_value".to_string()),
            "[a-z_]{1,8}",
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            Just(Value::String("2019-09-26T22:36:43+0000".into())),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(key.clone(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
