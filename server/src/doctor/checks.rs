//! The nine checks `instalytics doctor` runs, and the smallest request each one makes: the
//! same endpoints and parameters as the poller, with `limit=1` and as few metrics as tell
//! whether the poller's request would be answered.

use std::fmt;

use time::OffsetDateTime;

use crate::graph::metrics::FEED_AND_REELS;
use crate::graph::Flavour;

/// One thing the poller relies on, in the order the doctor asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Which professional account the token belongs to (`/me`, or the Pages for Facebook Login).
    Identity,
    /// The user node with the counts the Overview shows.
    Profile,
    /// The media edge: posts and reels.
    Media,
    /// Lifetime insights nested in the media edge, as the poller asks a whole page at once.
    PostInsights,
    /// The stories edge (best effort in a sync).
    Stories,
    /// Daily reach, the one account series a sync cannot do without.
    Reach,
    /// Daily follower growth, asked alone because Meta withholds it below 100 followers.
    FollowerCount,
    /// Daily views, accounts engaged, interactions and profile views (`total_value`).
    DailyTotals,
    /// What Meta says of the token itself: expiry and permissions.
    Token,
}

impl Check {
    /// Every check, in the order they run.
    pub const ALL: [Check; 9] = [
        Check::Identity,
        Check::Profile,
        Check::Media,
        Check::PostInsights,
        Check::Stories,
        Check::Reach,
        Check::FollowerCount,
        Check::DailyTotals,
        Check::Token,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Check::Identity => "identity",
            Check::Profile => "profile",
            Check::Media => "media",
            Check::PostInsights => "post insights",
            Check::Stories => "stories",
            Check::Reach => "daily reach",
            Check::FollowerCount => "follower growth",
            Check::DailyTotals => "daily totals",
            Check::Token => "token",
        }
    }

    /// What the dashboard goes without when this check is not answered.
    pub fn lack(self) -> &'static str {
        match self {
            Check::Identity => "no connection: Meta does not say which account the token opens",
            Check::Profile => "no followers, follows or post counts",
            Check::Media => "no posts or reels",
            Check::PostInsights => {
                "no per-post metrics (reach, likes, comments, saves, shares, views)"
            }
            Check::Stories => "no stories",
            Check::Reach => "no daily reach",
            Check::FollowerCount => "no daily follower growth",
            Check::DailyTotals => "no views/engagement per day",
            Check::Token => "no warning before the token expires",
        }
    }
}

/// A request as the doctor shows it: path and parameters, never the token (the client adds
/// it when sending).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub path: String,
    pub params: Vec<(&'static str, String)>,
}

impl Request {
    fn new(path: impl Into<String>, params: &[(&'static str, &str)]) -> Self {
        Self {
            path: path.into(),
            params: params.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        }
    }

    /// The parameters as [`crate::graph::GraphClient::probe`] takes them.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.params.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    /// This request continued after a paging cursor.
    pub fn after(mut self, cursor: &str) -> Self {
        self.params.push(("after", cursor.to_owned()));
        self
    }
}

/// Unencoded, as a person reads it: `me?fields=user_id,username`.
impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        for (i, (k, v)) in self.params.iter().enumerate() {
            write!(f, "{}{k}={v}", if i == 0 { '?' } else { '&' })?;
        }
        Ok(())
    }
}

/// Daily metrics asked with `metric_type=total_value`, as the poller asks them per day.
pub use crate::graph::account_insights::DAILY_TOTALS;

/// Instagram Login: `/me`. Facebook Login: the user's Pages as the poller asks them, 100 a
/// page: `limit=1` would cost one request per Page and could give up where the poller finds
/// the linked account.
pub fn identity(flavour: Flavour) -> Request {
    match flavour {
        Flavour::InstagramLogin => Request::new("me", &[("fields", "user_id,username")]),
        Flavour::FacebookLogin => Request::new(
            "me/accounts",
            &[
                ("fields", "id,name,instagram_business_account"),
                ("limit", "100"),
            ],
        ),
    }
}

pub fn profile(ig: &str) -> Request {
    Request::new(
        ig,
        &[(
            "fields",
            "id,username,followers_count,follows_count,media_count",
        )],
    )
}

pub fn media(ig: &str) -> Request {
    Request::new(
        format!("{ig}/media"),
        &[
            ("fields", "id,timestamp,media_type,media_product_type"),
            ("limit", "1"),
        ],
    )
}

/// The poller's own metric set, so that a refusal here is the refusal a sync would meet.
pub fn post_insights(ig: &str) -> Request {
    let fields = format!("id,insights.metric({})", FEED_AND_REELS.join(","));
    Request::new(
        format!("{ig}/media"),
        &[("fields", &fields), ("limit", "1")],
    )
}

pub fn stories(ig: &str) -> Request {
    Request::new(format!("{ig}/stories"), &[("fields", "id"), ("limit", "1")])
}

/// A daily `time_series` metric between two instants (unix seconds, as Meta documents).
pub fn series(ig: &str, metric: &str, since: OffsetDateTime, until: OffsetDateTime) -> Request {
    let (since, until) = (unix(since), unix(until));
    Request::new(
        format!("{ig}/insights"),
        &[
            ("metric", metric),
            ("period", "day"),
            ("metric_type", "time_series"),
            ("since", &since),
            ("until", &until),
        ],
    )
}

/// The day's totals over one of Meta's days, as the poller asks them.
pub fn daily_totals(ig: &str, since: OffsetDateTime, until: OffsetDateTime) -> Request {
    let (since, until) = (unix(since), unix(until));
    Request::new(
        format!("{ig}/insights"),
        &[
            ("metric", &DAILY_TOTALS.join(",")),
            ("period", "day"),
            ("metric_type", "total_value"),
            ("since", &since),
            ("until", &until),
        ],
    )
}

fn unix(t: OffsetDateTime) -> String {
    t.unix_timestamp().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_read_as_the_poller_sends_them_without_a_token() {
        assert_eq!(
            identity(Flavour::InstagramLogin).to_string(),
            "me?fields=user_id,username"
        );
        assert_eq!(
            identity(Flavour::FacebookLogin).after("QVFI").to_string(),
            "me/accounts?fields=id,name,instagram_business_account&limit=100&after=QVFI"
        );
        assert_eq!(
            post_insights("17841").to_string(),
            "17841/media?fields=id,insights.metric(reach,likes,comments,saved,shares,\
             total_interactions,views)&limit=1"
        );
        let at = OffsetDateTime::from_unix_timestamp(1_795_435_200).unwrap();
        assert_eq!(
            daily_totals("17841", at - time::Duration::DAY, at).to_string(),
            "17841/insights?metric=views,accounts_engaged,total_interactions,profile_views\
             &period=day&metric_type=total_value&since=1795348800&until=1795435200"
        );
        assert_eq!(
            series("1", "reach", at, at).pairs(),
            [
                ("metric", "reach"),
                ("period", "day"),
                ("metric_type", "time_series"),
                ("since", "1795435200"),
                ("until", "1795435200"),
            ]
        );
    }
}
