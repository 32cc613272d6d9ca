//! The simulated world: accounts, their posts, reels and stories, and how every metric grows
//! with the simulator's clock (fast in the first hours, then a plateau, as real posts do).

use std::collections::BTreeMap;

use time::{Date, Duration, OffsetDateTime};

use super::rng::Rng;
use super::{Flavour, SimConfig};

/// How fast a post settles: about 95 % of its final numbers after three time constants.
const SETTLE_HOURS: f64 = 6.0;
/// Meta reports nothing for a post this young (insights lag).
pub const FIRST_DATA_AFTER: Duration = Duration::minutes(10);
/// One story every this many hours per account, so some are always live.
const STORY_EVERY_HOURS: i64 = 5;
pub const STORY_LIFETIME: Duration = Duration::hours(24);

const HASHTAGS: [&str; 40] = [
    "Travel",
    "travel",
    "photography",
    "food",
    "foodie",
    "café",
    "東京",
    "Berlin",
    "sunset",
    "nature",
    "fitness",
    "yoga",
    "style",
    "OOTD",
    "design",
    "art",
    "music",
    "coffee",
    "reels",
    "behindthescenes",
    "smallbusiness",
    "handmade",
    "tips",
    "howto",
    "weekend",
    "mondaymotivation",
    "summer",
    "winter",
    "dogsofinstagram",
    "catsofinstagram",
    "recipe",
    "vegan",
    "running",
    "hiking",
    "bookstagram",
    "tech",
    "startup",
    "México",
    "naturaleza",
    "straße",
];
const WORDS: [&str; 12] = [
    "Golden hour",
    "New in",
    "Behind the scenes",
    "Quick tip",
    "Our favourite",
    "Weekend plans",
    "Fresh batch",
    "Guess where",
    "Tutorial",
    "Thank you 🙏",
    "Big news ✨",
    "Throwback",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Product {
    Feed,
    Reels,
    Story,
}

impl Product {
    pub fn api_name(self) -> &'static str {
        match self {
            Product::Feed => "FEED",
            Product::Reels => "REELS",
            Product::Story => "STORY",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Post {
    pub id: String,
    pub caption: String,
    /// IMAGE, VIDEO or CAROUSEL_ALBUM; reels are VIDEO.
    pub media_type: &'static str,
    pub product: Product,
    pub timestamp: OffsetDateTime,
    /// Posted before the account became a business account: Meta has no insights for it.
    pub pre_conversion: bool,
    /// One picture of an album: no caption, counts, permalink or insights of its own.
    pub child: bool,
    /// Lifetime values once settled; what is reported is these × growth(age).
    finals: Finals,
}

#[derive(Clone, Copy, Debug)]
struct Finals {
    reach: f64,
    views: f64,
    likes: f64,
    comments: f64,
    saved: f64,
    shares: f64,
}

#[derive(Clone, Debug)]
pub struct Account {
    pub ig_user_id: String,
    pub username: String,
    pub name: String,
    pub flavour: Flavour,
    pub page_id: String,
    pub followers_at_start: i64,
    pub follows: i64,
    /// Newest first.
    pub posts: Vec<Post>,
    seed: u64,
    index: usize,
}

fn growth(age: Duration) -> f64 {
    let hours = age.as_seconds_f64() / 3600.0;
    if hours <= 0.0 {
        0.0
    } else {
        1.0 - (-hours / SETTLE_HOURS).exp()
    }
}

fn finals(rng: &mut Rng, followers: f64, product: Product) -> Finals {
    let reach = match product {
        Product::Feed => followers * rng.range(0.08, 0.5),
        // Reels travel beyond the followers.
        Product::Reels => followers * rng.range(0.3, 1.6),
        // Small accounts' stories often stay under Meta's 5-viewer threshold.
        Product::Story => followers * rng.range(0.0005, 0.08),
    };
    let views = reach
        * match product {
            Product::Reels => rng.range(2.0, 5.0),
            _ => rng.range(1.1, 1.8),
        };
    let likes = reach * rng.range(0.03, 0.12);
    Finals {
        reach,
        views,
        likes,
        comments: likes * rng.range(0.02, 0.1),
        saved: reach * rng.range(0.002, 0.02),
        shares: reach * rng.range(0.001, 0.02),
    }
}

fn caption(rng: &mut Rng) -> String {
    let mut text = WORDS[rng.below(WORDS.len() as u64) as usize].to_owned();
    if rng.below(3) == 0 {
        text.push_str("\n\nLink in bio.");
    }
    for _ in 0..rng.below(7) {
        text.push_str(" #");
        text.push_str(HASHTAGS[rng.below(HASHTAGS.len() as u64) as usize]);
    }
    text
}

impl Account {
    pub fn generate(config: &SimConfig, index: usize) -> Self {
        let seed = config.seed;
        let mut rng = Rng::new(seed, &[1, index as u64]);
        let flavour = if index.is_multiple_of(2) {
            Flavour::InstagramLogin
        } else {
            Flavour::FacebookLogin
        };
        let generated = (1_000.0 * 200f64.powf(rng.range(0.0, 1.0))) as i64;
        let followers = config.followers.unwrap_or(generated);
        let first = config.start - Duration::days(i64::from(config.history_days));
        let span = config.start - first;
        // The history before the clock starts, then as many posts a day after it, on a
        // steady schedule: one in each slot of a day / per_day, at a random moment of it, so
        // however far the clock has moved, the last slot before it has its post.
        let per_day = config.media_per_account as f64 / f64::from(config.history_days.max(1));
        let future = (per_day * f64::from(config.publishing_days)).ceil() as usize;
        let slot = Duration::days(i64::from(config.publishing_days)) / future.max(1) as f64;
        let mut posts: Vec<Post> = (0..config.media_per_account + future)
            .map(|i| {
                let mut r = Rng::new(seed, &[2, index as u64, i as u64]);
                let timestamp = if i < config.media_per_account {
                    first + span * r.range(0.0, 1.0)
                } else {
                    let k = (i - config.media_per_account) as f64;
                    config.start + slot * (k + r.range(0.0, 1.0))
                };
                let roll = r.below(100);
                let (media_type, product) = match roll {
                    0..=54 => ("IMAGE", Product::Feed),
                    55..=74 => ("CAROUSEL_ALBUM", Product::Feed),
                    _ => ("VIDEO", Product::Reels),
                };
                Post {
                    id: format!("179{}", r.digits(14)),
                    caption: caption(&mut r),
                    media_type,
                    product,
                    timestamp: timestamp.replace_nanosecond(0).expect("0 ns is valid"),
                    pre_conversion: false,
                    child: false,
                    finals: finals(&mut r, followers.max(1) as f64, product),
                }
            })
            .collect();
        posts.sort_by_key(|p| std::cmp::Reverse(p.timestamp));
        // Odd ones out, spread evenly through the history (newest first) so that each lands
        // on its own page of the media edge.
        let history = posts.len() - future;
        let spread = |n: usize, shift: usize| {
            (0..n).map(move |k| {
                ((2 * k + 1) * history / (2 * n.max(1)) + shift).min(history.max(1) - 1) + future
            })
        };
        for i in spread(config.legacy_feed_videos, 0) {
            posts[i].media_type = "VIDEO";
            posts[i].product = Product::Feed;
        }
        for i in spread(config.pre_conversion_media, 7) {
            posts[i].pre_conversion = true;
        }
        let username = format!(
            "sim_{}_{}",
            ["studio", "cafe", "travel", "shop", "coach"][index % 5],
            index
        );
        Account {
            ig_user_id: format!("178414{}", rng.digits(11)),
            name: format!("Simulated {}", username.replace('_', " ")),
            username,
            flavour,
            page_id: format!("1{}", rng.digits(14)),
            followers_at_start: followers,
            follows: 50 + rng.below(900) as i64,
            posts,
            seed,
            index,
        }
    }

    /// Followers grow by a deterministic half-percent a week or so.
    pub fn followers(&self, start: OffsetDateTime, now: OffsetDateTime) -> i64 {
        let weeks = (now - start).as_seconds_f64() / (7 * crate::clock::DAY) as f64;
        (self.followers_at_start as f64 * (1.0 + 0.005 * weeks)).round() as i64
    }

    /// Posts and reels published by `now`, newest first.
    pub fn published(&self, now: OffsetDateTime) -> impl Iterator<Item = &Post> {
        self.posts.iter().filter(move |p| p.timestamp <= now)
    }

    /// Posts and reels published by `now`, then the stories live at `now`.
    pub fn media(&self, now: OffsetDateTime) -> impl Iterator<Item = Post> + '_ {
        self.published(now).cloned().chain(self.live_stories(now))
    }

    /// Stories of the last 24 hours at `now`, newest first.
    pub fn live_stories(&self, now: OffsetDateTime) -> Vec<Post> {
        let slot = now.unix_timestamp().div_euclid(STORY_EVERY_HOURS * 3600);
        (0..=24 / STORY_EVERY_HOURS + 1)
            .filter_map(|back| self.story(slot - back))
            .filter(|s| s.timestamp <= now && now - s.timestamp < STORY_LIFETIME)
            .collect()
    }

    fn story(&self, slot: i64) -> Option<Post> {
        let mut r = Rng::new(self.seed, &[3, self.index as u64, slot as u64]);
        let offset = Duration::seconds(r.below((STORY_EVERY_HOURS * 3600) as u64) as i64);
        let timestamp =
            OffsetDateTime::from_unix_timestamp(slot * STORY_EVERY_HOURS * 3600).ok()? + offset;
        Some(Post {
            id: format!("180{}", r.digits(14)),
            caption: caption(&mut r),
            media_type: if r.below(2) == 0 { "IMAGE" } else { "VIDEO" },
            product: Product::Story,
            timestamp,
            pre_conversion: false,
            child: false,
            finals: finals(&mut r, self.followers_at_start as f64, Product::Story),
        })
    }

    /// One day's account numbers (a day of the insights zone), deterministic per account and day.
    pub fn day(&self, day: Date) -> BTreeMap<&'static str, i64> {
        let mut r = Rng::new(
            self.seed,
            &[4, self.index as u64, day.to_julian_day() as u64],
        );
        let followers = self.followers_at_start as f64;
        let reach = followers * r.range(0.05, 0.25);
        let engaged = reach * r.range(0.02, 0.08);
        let mut values = BTreeMap::from([
            ("reach", reach),
            ("views", reach * r.range(1.5, 3.0)),
            ("accounts_engaged", engaged),
            ("total_interactions", engaged * r.range(1.2, 2.0)),
            ("likes", engaged * r.range(0.8, 1.2)),
            ("comments", engaged * r.range(0.05, 0.2)),
            ("shares", engaged * r.range(0.02, 0.1)),
            ("saves", engaged * r.range(0.02, 0.1)),
            ("replies", engaged * r.range(0.0, 0.05)),
            ("profile_views", reach * r.range(0.01, 0.05)),
            ("profile_links_taps", reach * r.range(0.002, 0.01)),
            ("follows_and_unfollows", engaged * r.range(0.05, 0.2)),
            ("reposts", engaged * r.range(0.0, 0.03)),
            ("website_clicks", reach * r.range(0.0, 0.01)),
        ]);
        // Meta reports follower growth only for accounts with 100 followers or more.
        if self.followers_at_start >= 100 {
            values.insert("follower_count", r.range(-5.0, 40.0));
        }
        values
            .into_iter()
            .map(|(k, v)| (k, v.round() as i64))
            .collect()
    }
}

impl Post {
    /// An album's pictures (three), as the `children` edge lists them.
    pub fn children(&self) -> Vec<Post> {
        if self.media_type != "CAROUSEL_ALBUM" {
            return Vec::new();
        }
        (1..=3)
            .map(|n| Post {
                id: format!("181{}{n}", &self.id[3..self.id.len() - 1]),
                caption: String::new(),
                media_type: "IMAGE",
                child: true,
                ..self.clone()
            })
            .collect()
    }

    /// A feed video from before reels: it refuses `views` and `total_interactions`.
    pub fn is_legacy_video(&self) -> bool {
        self.media_type == "VIDEO" && self.product == Product::Feed
    }

    /// Every metric this simulator knows, as of `now`; empty while Meta would have no data.
    pub fn metrics(&self, now: OffsetDateTime) -> BTreeMap<&'static str, i64> {
        let age = now - self.timestamp;
        if age < FIRST_DATA_AFTER {
            return BTreeMap::new();
        }
        let g = growth(age);
        let f = self.finals;
        let at = |x: f64| (x * g).floor() as i64;
        let (likes, comments, saved, shares) =
            (at(f.likes), at(f.comments), at(f.saved), at(f.shares));
        let reach = at(f.reach);
        BTreeMap::from([
            ("reach", reach),
            ("views", at(f.views).max(reach)),
            ("likes", likes),
            ("comments", comments),
            ("saved", saved),
            ("shares", shares),
            ("total_interactions", likes + comments + saved + shares),
            ("reposts", shares / 4),
            ("follows", at(f.reach * 0.002)),
            ("profile_visits", at(f.reach * 0.02)),
            ("profile_activity", at(f.reach * 0.005)),
            ("replies", at(f.reach * 0.004)),
            ("navigation", at(f.views * 0.9)),
            ("ig_reels_avg_watch_time", 4_000 + at(f.reach) % 9_000),
            ("ig_reels_video_view_total_time", at(f.views * 6_500.0)),
            ("reels_skip_rate", 20 + at(f.reach) % 50),
        ])
    }

    /// The counts the media edge shows (`like_count`, `comments_count`).
    pub fn counts(&self, now: OffsetDateTime) -> (i64, i64) {
        let g = growth(now - self.timestamp);
        (
            (self.finals.likes * g).floor() as i64,
            (self.finals.comments * g).floor() as i64,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SimConfig {
        SimConfig::default()
    }

    #[test]
    fn generation_is_deterministic_and_seed_dependent() {
        let a = Account::generate(&config(), 0);
        let b = Account::generate(&config(), 0);
        let c = Account::generate(
            &SimConfig {
                seed: 99,
                ..config()
            },
            0,
        );
        assert_eq!(a.ig_user_id, b.ig_user_id);
        assert_eq!(a.posts[10].id, b.posts[10].id);
        assert_ne!(a.ig_user_id, c.ig_user_id);
    }

    #[test]
    fn the_history_has_a_realistic_mix() {
        let cfg = config();
        let account = Account::generate(&cfg, 0);
        let published: Vec<&Post> = account.published(cfg.start).collect();
        assert_eq!(published.len(), cfg.media_per_account);
        let reels = published
            .iter()
            .filter(|p| p.product == Product::Reels)
            .count();
        let carousels = published
            .iter()
            .filter(|p| p.media_type == "CAROUSEL_ALBUM")
            .count();
        assert!((45..=105).contains(&reels), "{reels} reels of 300");
        assert!(
            (30..=90).contains(&carousels),
            "{carousels} carousels of 300"
        );
        assert!(published.iter().any(|p| p.caption.contains('#')));
    }

    #[test]
    fn accounts_keep_publishing_at_the_historys_pace_for_the_days_asked() {
        let cfg = SimConfig {
            media_per_account: 90,
            history_days: 90,
            publishing_days: 400,
            ..config()
        };
        let account = Account::generate(&cfg, 1);
        assert_eq!(account.published(cfg.start).count(), 90);
        let year = cfg.start + Duration::days(365);
        let last_days = account
            .published(year)
            .take_while(|p| year - p.timestamp < Duration::days(30))
            .count();
        assert!((29..=31).contains(&last_days), "{last_days} in a month");
        // A steady schedule: whenever one looks, the newest post is under two days old.
        for hours in (0..24 * 20).step_by(7) {
            let now = year + Duration::hours(hours);
            let newest = account.published(now).next().unwrap();
            assert!(now - newest.timestamp < Duration::days(2), "at +{hours} h");
        }
        // The default stops after 60 days.
        let short = Account::generate(
            &SimConfig {
                publishing_days: 60,
                ..cfg.clone()
            },
            1,
        );
        assert!(short.posts[0].timestamp <= cfg.start + Duration::days(60));
    }

    #[test]
    fn metrics_rise_fast_then_plateau_and_never_fall() {
        let cfg = config();
        let account = Account::generate(&cfg, 0);
        let post = account.published(cfg.start).next().unwrap();
        let at = |h: i64| {
            post.metrics(post.timestamp + Duration::hours(h))
                .get("reach")
                .copied()
                .unwrap_or(0)
        };
        let (h1, h6, d1, d7) = (at(1), at(6), at(24), at(24 * 7));
        assert!(h1 <= h6 && h6 <= d1 && d1 <= d7);
        assert!(
            d1 as f64 >= 0.97 * d7 as f64,
            "a day old is nearly settled: {d1} vs {d7}"
        );
        assert!(
            post.metrics(post.timestamp + Duration::minutes(5))
                .is_empty(),
            "no data while fresh"
        );
    }

    #[test]
    fn reels_reach_further_than_feed_posts_on_average() {
        let cfg = SimConfig {
            media_per_account: 600,
            ..config()
        };
        let account = Account::generate(&cfg, 1);
        let mean = |product| {
            let v: Vec<i64> = account
                .published(cfg.start)
                .filter(|p| p.product == product)
                .map(|p| p.metrics(cfg.start)["views"])
                .collect();
            v.iter().sum::<i64>() as f64 / v.len() as f64
        };
        assert!(mean(Product::Reels) > 2.0 * mean(Product::Feed));
    }

    #[test]
    fn some_stories_are_always_live_and_none_older_than_a_day() {
        let cfg = config();
        let account = Account::generate(&cfg, 0);
        for hours in [0, 7, 30, 100] {
            let now = cfg.start + Duration::hours(hours);
            let stories = account.live_stories(now);
            assert!(!stories.is_empty(), "at +{hours} h");
            assert!(stories
                .iter()
                .all(|s| s.timestamp <= now && now - s.timestamp < STORY_LIFETIME));
        }
    }
}
