//! Asks each check's request once, over [`GraphClient::probe`] (no retries, no pacing, usage
//! headers as sent), and reads each answer with the poller's own models, so that an answer
//! the poller could not read fails here too.
//!
//! After a refused token or a rate limit nothing more is asked: the answers would be the same
//! refusal, and calls made while throttled extend Meta's block.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use crate::graph::account_insights::day_of;
use crate::graph::models::{FacebookPage, Insight, InsightList, InstagramMe, Media, Page, Profile};
use crate::graph::{Flavour, GraphClient, GraphError};

use super::checks::{self, Check, Request, DAILY_TOTALS};
use super::token::{self, StoredAccount, TokenFacts};
use super::verdict::{Outcome, Row, UsageHeaders};

/// Pages of `/me/accounts` (100 Facebook Pages each) looked through before giving up.
const MAX_PAGES: usize = 50;
/// The account-insights window: two days hold at least one complete day of Meta's.
const WINDOW: Duration = Duration::days(2);

/// Who is being examined.
pub struct Subject<'a> {
    pub flavour: Flavour,
    /// With `--account`: the connected account whose stored token is used.
    pub account: Option<&'a StoredAccount>,
    pub facebook_app: bool,
}

/// An answer Meta gave, with what the row shows of the exchange.
struct Answer {
    shown: String,
    status: u16,
    usage: UsageHeaders,
    body: serde_json::Value,
}

struct Session<'a> {
    client: &'a GraphClient,
    rows: Vec<Row>,
    /// Set once asking more would be pointless or harmful: why.
    halted: Option<String>,
}

impl Session<'_> {
    /// Sends `request` for `check`. A refusal is recorded as the check's row; an answer is
    /// returned for the caller to judge.
    async fn ask(&mut self, check: Check, request: &Request) -> Option<Answer> {
        let shown = request.to_string();
        if let Some(reason) = &self.halted {
            self.skip(check, Some(shown), reason.clone());
            return None;
        }
        let (status, usage, result) = match self.client.probe(&request.path, &request.pairs()).await
        {
            Ok(p) => (Some(p.status), [p.app_usage, p.business_usage], p.result),
            Err(e) => (None, [None, None], Err(e)),
        };
        match result {
            Ok(body) => Some(Answer {
                shown,
                status: status.unwrap_or(200),
                usage,
                body,
            }),
            Err(error) => {
                tracing::debug!(check = check.label(), %error, "refused");
                self.halted = match &error {
                    GraphError::TokenInvalid { .. } => {
                        Some("not asked: Meta refused the token".into())
                    }
                    GraphError::RateLimited { .. } => Some(
                        "not asked: Meta is rate-limiting, and every call made now extends the \
                         block"
                            .into(),
                    ),
                    _ => None,
                };
                self.record(check, shown, usage, Outcome::Refused { status, error });
                None
            }
        }
    }

    /// Records an answer's row as `judge` reads it, or as unreadable when the body is not
    /// what the poller reads.
    fn judge<T: DeserializeOwned>(
        &mut self,
        check: Check,
        answer: Answer,
        judge: impl FnOnce(T) -> Outcome,
    ) {
        let outcome = match serde_json::from_value::<T>(answer.body) {
            Ok(body) => judge(body),
            Err(e) => unreadable(answer.status, &e),
        };
        self.record(check, answer.shown, answer.usage, outcome);
    }

    fn record(&mut self, check: Check, shown: String, usage: UsageHeaders, outcome: Outcome) {
        self.rows.push(Row {
            check,
            request: Some(shown),
            outcome,
            usage: Some(usage),
        });
    }

    fn skip(&mut self, check: Check, request: Option<String>, reason: String) {
        self.rows.push(Row {
            check,
            request,
            outcome: Outcome::Skipped { reason },
            usage: None,
        });
    }
}

/// Nested insights as the media edge returns them with `fields=id,insights.metric(…)`.
#[derive(Deserialize)]
struct WithInsights {
    #[serde(default)]
    insights: Option<InsightList>,
}

/// Runs the nine checks against `client` at `now`; returns the rows and what is known of the
/// token.
pub async fn examine(
    client: &GraphClient,
    subject: &Subject<'_>,
    now: OffsetDateTime,
) -> (Vec<Row>, TokenFacts) {
    let mut s = Session {
        client,
        rows: Vec::new(),
        halted: None,
    };
    let found = match subject.flavour {
        Flavour::InstagramLogin => instagram_identity(&mut s, subject.account).await,
        Flavour::FacebookLogin => facebook_identity(&mut s, subject.account).await,
    };
    // A sync uses the stored id; without one, only what the token opens can be examined.
    match subject.account.map(|a| a.ig_user_id.clone()).or(found) {
        Some(ig) => {
            media_checks(&mut s, &ig).await;
            insight_checks(&mut s, &ig, now).await;
        }
        None => {
            let reason = s
                .halted
                .clone()
                .unwrap_or_else(|| "not asked: no Instagram account id".into());
            // Everything between finding the account and reading the token.
            for check in Check::ALL[1..8].iter().copied() {
                s.skip(check, None, reason.clone());
            }
        }
    }
    let (row, facts) = token_row(client, subject, now, s.halted.as_deref()).await;
    s.rows.push(row);
    (s.rows, facts)
}

/// The profile and the media and stories edges.
async fn media_checks(s: &mut Session<'_>, ig: &str) {
    if let Some(a) = s.ask(Check::Profile, &checks::profile(ig)).await {
        s.judge(Check::Profile, a, |p: Profile| Outcome::Answered {
            detail: format!(
                "@{}: {} followers, {} follows, {} posts",
                p.username.as_deref().unwrap_or("?"),
                count(p.followers_count),
                count(p.follows_count),
                count(p.media_count)
            ),
        });
    }
    if let Some(a) = s.ask(Check::Media, &checks::media(ig)).await {
        s.judge(Check::Media, a, |page: Page<Media>| Outcome::Answered {
            detail: match page.data.first() {
                Some(m) => format!(
                    "newest: {} {} of {}",
                    m.media_product_type.as_deref().unwrap_or("?"),
                    m.media_type.as_deref().unwrap_or("?"),
                    m.timestamp.date()
                ),
                None => "no posts or reels yet".into(),
            },
        });
    }
    if let Some(a) = s.ask(Check::PostInsights, &checks::post_insights(ig)).await {
        s.judge(Check::PostInsights, a, |page: Page<WithInsights>| {
            Outcome::Answered {
                detail: newest_post(&page),
            }
        });
    }
    if let Some(a) = s.ask(Check::Stories, &checks::stories(ig)).await {
        s.judge(Check::Stories, a, |page: Page<serde_json::Value>| {
            Outcome::Answered {
                detail: if page.data.is_empty() {
                    "answered; no live story right now".into()
                } else {
                    "answered; live stories present".into()
                },
            }
        });
    }
}

/// Daily reach, follower growth, and one day's totals, over the last 2 days.
async fn insight_checks(s: &mut Session<'_>, ig: &str, now: OffsetDateTime) {
    let (since, until) = (now - WINDOW, now);
    let mut ends: Vec<OffsetDateTime> = Vec::new();
    if let Some(a) = s
        .ask(Check::Reach, &checks::series(ig, "reach", since, until))
        .await
    {
        s.judge(Check::Reach, a, |page: Page<Insight>| {
            let points = series_of(&page, "reach");
            ends = points.iter().map(|(end, _)| *end).collect();
            match points.last() {
                Some((end, value)) => Outcome::Answered {
                    detail: format!(
                        "{} day(s); latest {value} for {}",
                        points.len(),
                        day_of(*end)
                    ),
                },
                None => Outcome::Short {
                    detail: "Meta sent no daily reach for the last 2 days".into(),
                    lack: Check::Reach.lack().into(),
                },
            }
        });
    }
    let followers = checks::series(ig, "follower_count", since, until);
    if let Some(a) = s.ask(Check::FollowerCount, &followers).await {
        s.judge(
            Check::FollowerCount,
            a,
            |page: Page<Insight>| match series_of(&page, "follower_count").last() {
                Some((end, value)) => Outcome::Answered {
                    detail: format!("latest {value:+} for {}", day_of(*end)),
                },
                None => Outcome::Short {
                    detail: "Meta sent no follower_count (it withholds it below 100 followers)"
                        .into(),
                    lack: Check::FollowerCount.lack().into(),
                },
            },
        );
    }
    // One of Meta's days, on the boundaries the reach series gave, as the poller asks.
    let (day_start, day_end) = last_day(&ends).unwrap_or((now - Duration::DAY, now));
    let totals = checks::daily_totals(ig, day_start, day_end);
    if let Some(a) = s.ask(Check::DailyTotals, &totals).await {
        s.judge(Check::DailyTotals, a, |page: Page<Insight>| {
            daily_totals(&page, day_of(day_end))
        });
    }
}

/// The newest post's lifetime metrics, as the nested request returned them.
fn newest_post(page: &Page<WithInsights>) -> String {
    let Some(post) = page.data.first() else {
        return "no post to ask".into();
    };
    match post
        .insights
        .as_ref()
        .map(InsightList::lifetime)
        .filter(|v| !v.is_empty())
    {
        Some(values) => {
            let shown: Vec<String> = values.iter().map(|(k, v)| format!("{k} {v}")).collect();
            format!("newest post: {}", shown.join(", "))
        }
        // Meta sends an empty set, not zeros, for media too new to have insights.
        None => "newest post has no insights yet (Meta takes up to 48 h)".into(),
    }
}

/// Instagram Login: `/me` names the professional account.
async fn instagram_identity(s: &mut Session<'_>, stored: Option<&StoredAccount>) -> Option<String> {
    let answer = s
        .ask(Check::Identity, &checks::identity(Flavour::InstagramLogin))
        .await?;
    let mut found = None;
    s.judge(Check::Identity, answer, |me: InstagramMe| {
        let username = me.username.as_deref().unwrap_or("?").to_owned();
        match me.user_id.or(me.id) {
            None => Outcome::Broken {
                detail: "Meta's answer has no user_id".into(),
            },
            Some(id) => {
                found = Some(id.clone());
                identity_outcome(&id, format!("@{username}, Instagram user id {id}"), stored)
            }
        }
    });
    found
}

/// Facebook Login: the user's Pages, as many per request as the poller asks, until one links an
/// Instagram account (the stored one with `--account`).
async fn facebook_identity(s: &mut Session<'_>, stored: Option<&StoredAccount>) -> Option<String> {
    let first = checks::identity(Flavour::FacebookLogin);
    let mut request = first.clone();
    let mut linked: Vec<String> = Vec::new();
    let mut seen = 0;
    for n in 1..=MAX_PAGES {
        let Answer {
            status,
            usage,
            body,
            ..
        } = s.ask(Check::Identity, &request).await?;
        // Every page's row shows the first request; the detail says how many were needed.
        let shown = first.to_string();
        let page: Page<FacebookPage> = match serde_json::from_value(body) {
            Ok(page) => page,
            Err(e) => {
                s.record(Check::Identity, shown, usage, unreadable(status, &e));
                return None;
            }
        };
        seen += page.data.len();
        for p in &page.data {
            let Some(ig) = p.instagram_business_account.as_ref().map(|a| a.id.clone()) else {
                continue;
            };
            if stored.is_some_and(|a| a.ig_user_id != ig) {
                linked.push(ig);
                continue;
            }
            let name = p.name.as_deref().unwrap_or("?");
            let place = if n > 1 {
                format!(" ({n} requests)")
            } else {
                String::new()
            };
            let detail = format!("Page \u{201c}{name}\u{201d} links Instagram account {ig}{place}");
            s.record(
                Check::Identity,
                shown,
                usage,
                identity_outcome(&ig, detail, stored),
            );
            return Some(ig);
        }
        match (page.has_next(), page.after()) {
            (true, Some(cursor)) => request = first.clone().after(cursor),
            _ => {
                let detail = match stored {
                    Some(a) => format!(
                        "none of this user's {seen} Page(s) links @{} (Instagram user id {}){}",
                        a.username,
                        a.ig_user_id,
                        if linked.is_empty() {
                            String::new()
                        } else {
                            format!("; linked instead: {}", linked.join(", "))
                        }
                    ),
                    None => format!(
                        "none of this user's {seen} Page(s) has an Instagram professional \
                         account linked"
                    ),
                };
                s.record(Check::Identity, shown, usage, Outcome::Broken { detail });
                return None;
            }
        }
    }
    s.rows.push(Row {
        check: Check::Identity,
        request: Some(first.to_string()),
        outcome: Outcome::Broken {
            detail: format!(
                "gave up after {MAX_PAGES} requests ({seen} Pages) without the linked Instagram \
                 account"
            ),
        },
        usage: None,
    });
    None
}

/// An answer the poller could not read either.
fn unreadable(status: u16, error: &serde_json::Error) -> Outcome {
    Outcome::Refused {
        status: Some(status),
        error: GraphError::Decode(error.to_string()),
    }
}

/// With `--account`, the token must open the stored account: the poller asks for that one.
fn identity_outcome(found: &str, detail: String, stored: Option<&StoredAccount>) -> Outcome {
    match stored {
        Some(a) if a.ig_user_id != found => Outcome::Broken {
            detail: format!(
                "{detail}: not @{} (Instagram user id {}), the account this token is stored for",
                a.username, a.ig_user_id
            ),
        },
        _ => Outcome::Answered { detail },
    }
}

async fn token_row(
    client: &GraphClient,
    subject: &Subject<'_>,
    now: OffsetDateTime,
    halted: Option<&str>,
) -> (Row, TokenFacts) {
    let unasked = |outcome| Row {
        check: Check::Token,
        request: None,
        outcome,
        usage: None,
    };
    // What can be said without asking stands in the token section; the row itself would
    // read as a pass beside a refused token.
    let unless_halted = |outcome| match halted {
        Some(reason) => unasked(Outcome::Skipped {
            reason: reason.to_owned(),
        }),
        None => unasked(outcome),
    };
    match subject.flavour {
        Flavour::InstagramLogin => {
            let (outcome, facts) = token::instagram(subject.account, now);
            (unless_halted(outcome), facts)
        }
        Flavour::FacebookLogin if !subject.facebook_app => {
            let (outcome, facts) = token::facebook_without_app();
            (unless_halted(outcome), facts)
        }
        Flavour::FacebookLogin => {
            let shown = Some("debug_token?input_token=…&access_token={app-id}|{app-secret}".into());
            if let Some(reason) = halted {
                let row = Row {
                    request: shown,
                    ..unasked(Outcome::Skipped {
                        reason: reason.to_owned(),
                    })
                };
                return (row, TokenFacts::unknown());
            }
            let (outcome, facts) = match client.debug_token().await {
                Ok(Some(debug)) => token::facebook(&debug, now),
                Ok(None) => token::facebook_without_app(),
                Err(error) => (
                    Outcome::Refused {
                        status: None,
                        error,
                    },
                    TokenFacts::unknown(),
                ),
            };
            (
                Row {
                    request: shown,
                    ..unasked(outcome)
                },
                facts,
            )
        }
    }
}

fn series_of(page: &Page<Insight>, metric: &str) -> Vec<(OffsetDateTime, i64)> {
    let mut points: Vec<(OffsetDateTime, i64)> = page
        .data
        .iter()
        .find(|i| i.name == metric)
        .map(Insight::series)
        .unwrap_or_default();
    points.sort_by_key(|(end, _)| *end);
    points
}

/// The last reported day's boundaries: from the previous value's end when that is a day
/// before (23–25 h, daylight saving included), else 24 h before its end.
fn last_day(ends: &[OffsetDateTime]) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let end = *ends.last()?;
    let start = ends
        .len()
        .checked_sub(2)
        .map(|i| ends[i])
        .filter(|prev| (Duration::hours(23)..=Duration::hours(25)).contains(&(end - *prev)))
        .unwrap_or(end - Duration::DAY);
    Some((start, end))
}

/// Every daily total the poller stores, or which ones Meta left out.
fn daily_totals(page: &Page<Insight>, day: time::Date) -> Outcome {
    let total = |name: &str| {
        page.data
            .iter()
            .find(|i| i.name == name)
            .and_then(Insight::total)
    };
    let (have, missing): (Vec<&str>, Vec<&str>) =
        DAILY_TOTALS.iter().partition(|m| total(m).is_some());
    let shown: Vec<String> = have
        .iter()
        .map(|m| format!("{m} {}", total(m).unwrap_or_default()))
        .collect();
    if missing.is_empty() {
        return Outcome::Answered {
            detail: format!("{day}: {}", shown.join(", ")),
        };
    }
    let lack = if have.is_empty() {
        Check::DailyTotals.lack().to_owned()
    } else {
        format!("no daily {}", missing.join(", "))
    };
    Outcome::Short {
        detail: format!(
            "{day}: Meta sent {}; not {}",
            if shown.is_empty() {
                "nothing".into()
            } else {
                shown.join(", ")
            },
            missing.join(", ")
        ),
        lack,
    }
}

fn count(n: Option<i64>) -> String {
    n.map_or_else(|| "?".into(), |n| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn insights(json: &str) -> Page<Insight> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_totals_window_is_the_last_reported_day() {
        let winter = datetime!(2026-12-05 08:00 UTC);
        assert_eq!(
            last_day(&[winter - Duration::DAY, winter]),
            Some((winter - Duration::DAY, winter))
        );
        // The day daylight saving ends lasts 25 hours.
        let after = datetime!(2026-11-02 08:00 UTC);
        let before = datetime!(2026-11-01 07:00 UTC);
        assert_eq!(last_day(&[before, after]), Some((before, after)));
        assert_eq!(last_day(&[winter]), Some((winter - Duration::DAY, winter)));
        assert_eq!(last_day(&[]), None);
    }

    #[test]
    fn missing_daily_totals_are_named() {
        let day = time::macros::date!(2026 - 12 - 04);
        let all = insights(
            r#"{"data":[
              {"name":"views","period":"day","total_value":{"value":10}},
              {"name":"accounts_engaged","period":"day","total_value":{"value":2}},
              {"name":"total_interactions","period":"day","total_value":{"value":3}},
              {"name":"profile_views","period":"day","total_value":{"value":4}}]}"#,
        );
        assert_eq!(
            daily_totals(&all, day),
            Outcome::Answered {
                detail: "2026-12-04: views 10, accounts_engaged 2, total_interactions 3, \
                         profile_views 4"
                    .into()
            }
        );
        let some =
            insights(r#"{"data":[{"name":"views","period":"day","total_value":{"value":10}}]}"#);
        assert_eq!(
            daily_totals(&some, day),
            Outcome::Short {
                detail: "2026-12-04: Meta sent views 10; not accounts_engaged, \
                         total_interactions, profile_views"
                    .into(),
                lack: "no daily accounts_engaged, total_interactions, profile_views".into()
            }
        );
        let Outcome::Short { lack, .. } = daily_totals(&insights(r#"{"data":[]}"#), day) else {
            panic!("an empty answer is short");
        };
        assert_eq!(lack, "no views/engagement per day");
    }

    #[test]
    fn series_are_read_in_time_order() {
        let page = insights(
            r#"{"data":[{"name":"reach","period":"day","values":[
              {"value":7,"end_time":"2026-12-05T08:00:00+0000"},
              {"value":5,"end_time":"2026-12-04T08:00:00+0000"}]}]}"#,
        );
        let points = series_of(&page, "reach");
        assert_eq!(points.len(), 2);
        assert_eq!(points[1].1, 7);
        assert!(series_of(&page, "follower_count").is_empty());
    }
}
