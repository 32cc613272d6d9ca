//! Every rule for text a person types or a caller sends: users, tokens, settings, the export's
//! destination, post filters and deletion codes. The server applies them in its services
//! (the ports' implementations), the one boundary that server functions, the CLI and Meta's
//! callbacks all pass through; forms may show the same hints. Dates, periods and time zones
//! are parsed with the server's calendar libraries in `services::analytics::period` and
//! `best_time`.

mod notify;
pub use notify::*;

use crate::error::AppError;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
/// OWASP's minimum for passwords without a second factor.
pub const PASSWORD_MIN: usize = 10;
/// Bounds the argon2 input; anything longer is a paste accident or an attack.
pub const PASSWORD_MAX: usize = 256;

pub const USERNAME_HINT: &str =
    "3–32 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.";
pub const PASSWORD_HINT: &str = "At least 10 characters.";

/// Returns the canonical (trimmed, lowercase) username or says what is wrong with it.
pub fn username(raw: &str) -> Result<String, AppError> {
    let name = raw.trim().to_lowercase();
    let len = name.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
        return Err(AppError::invalid(
            "username",
            format!("Username must be {USERNAME_MIN}–{USERNAME_MAX} characters long."),
        ));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
    if !name.chars().all(allowed) {
        return Err(AppError::invalid(
            "username",
            "Username may only contain lowercase letters, digits, '.', '_' and '-'.",
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(AppError::invalid(
            "username",
            "Username must start with a letter or digit.",
        ));
    }
    Ok(name)
}

pub fn password(raw: &str) -> Result<(), AppError> {
    let len = raw.chars().count();
    if len < PASSWORD_MIN {
        return Err(AppError::invalid(
            "password",
            format!("Password must be at least {PASSWORD_MIN} characters long."),
        ));
    }
    if len > PASSWORD_MAX {
        return Err(AppError::invalid(
            "password",
            format!("Password must be at most {PASSWORD_MAX} characters long."),
        ));
    }
    Ok(())
}

pub const POLL_MINUTES: std::ops::RangeInclusive<i64> = 5..=1440;
pub const LOOKBACK_DAYS: std::ops::RangeInclusive<i32> = 1..=730;
/// Meta's long-lived tokens run to a few hundred characters; this bounds a paste accident.
const TOKEN_MAX: usize = 2048;
const CONTACT_MAX: usize = 254;

pub const TOKEN_HINT: &str =
    "A long-lived access token (60 days) from Meta's App Dashboard or Graph API Explorer.";
pub const POLL_HINT: &str = "Minutes between polls of each account: 5 to 1440 (24 hours).";
pub const LOOKBACK_HINT: &str =
    "Posts published within this many days are polled; older ones and their snapshots are pruned daily. 1 to 730.";
pub const CONTACT_HINT: &str =
    "The e-mail address the public Privacy page gives for data requests.";

/// A pasted access token: trimmed, non-empty, printable ASCII without spaces (Meta's tokens
/// are URL-safe), so nothing odd reaches a URL.
/// The most accounts one connect may pick: far above any agency's Pages, small enough that a
/// hostile form costs nothing.
pub const CHOSEN_MAX: usize = 1_000;

/// Accounts picked to connect: Instagram ids (digits), at least one.
pub fn chosen_accounts(ids: Vec<String>) -> Result<Vec<String>, AppError> {
    if ids.is_empty() {
        return Err(AppError::invalid(
            "accounts",
            "Tick at least one account to connect.",
        ));
    }
    let well_formed =
        |id: &String| (1..=32).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit());
    if ids.len() > CHOSEN_MAX || !ids.iter().all(well_formed) {
        return Err(AppError::invalid(
            "accounts",
            "Those are not accounts from the list: find the token's accounts again.",
        ));
    }
    Ok(ids)
}

pub fn access_token(raw: &str) -> Result<String, AppError> {
    let token = raw.trim();
    if token.is_empty() {
        return Err(AppError::invalid("token", "Paste the access token."));
    }
    if token.len() > TOKEN_MAX || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::invalid(
            "token",
            "That does not look like an access token: it should be one line of letters and digits.",
        ));
    }
    Ok(token.to_owned())
}

pub fn poll_minutes(raw: &str) -> Result<i64, AppError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|m| POLL_MINUTES.contains(m))
        .ok_or_else(|| {
            AppError::invalid(
                "value",
                "Poll interval must be a whole number of minutes from 5 to 1440.",
            )
        })
}

pub fn lookback_days(raw: &str) -> Result<i32, AppError> {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|d| LOOKBACK_DAYS.contains(d))
        .ok_or_else(|| {
            AppError::invalid(
                "value",
                "Lookback window must be a whole number of days from 1 to 730.",
            )
        })
}

/// What "Older media" may be set to: (value, label), deleting first (the default).
pub const OLD_MEDIA_CHOICES: [(&str, &str); 2] = [
    ("delete", "Delete them and their snapshots"),
    ("keep", "Keep them forever"),
];
pub const OLD_MEDIA_HINT: &str =
    "Posts older than the lookback window are no longer polled. Meta itself drops their insights after two years, so keeping them is the only way to keep their history.";

/// `keep` → true, `delete` → false.
pub fn keep_old_media(raw: &str) -> Result<bool, AppError> {
    match raw.trim() {
        "keep" => Ok(true),
        "delete" => Ok(false),
        _ => Err(AppError::invalid(
            "value",
            "Older media must be either deleted (\"delete\") or kept forever (\"keep\").",
        )),
    }
}

/// An e-mail address (or empty, for none yet): one `@`, something either side, no spaces.
pub fn privacy_contact(raw: &str) -> Result<String, AppError> {
    let contact = raw.trim();
    let valid = contact.is_empty()
        || (contact.len() <= CONTACT_MAX
            && !contact
                .chars()
                .any(|c| c.is_whitespace() || c == '<' || c == '>')
            && matches!(contact.split_once('@'), Some((user, domain))
                if !user.is_empty() && domain.contains('.') && !domain.contains('@')
                    && !domain.starts_with('.') && !domain.ends_with('.')));
    if valid {
        Ok(contact.to_owned())
    } else {
        Err(AppError::invalid(
            "value",
            "Enter an e-mail address such as privacy@example.com, or leave it empty.",
        ))
    }
}

/// The longest workspace name or share link label (the columns' width).
pub const WORKSPACE_NAME_MAX: usize = 80;

/// A one-line name (`what`, for the messages): trimmed, 1–80 characters, no control
/// characters.
fn one_line(raw: &str, field: &str, what: &str) -> Result<String, AppError> {
    let name = raw.trim();
    let len = name.chars().count();
    if len == 0 || len > WORKSPACE_NAME_MAX {
        return Err(AppError::invalid(
            field,
            format!("{what} is 1–{WORKSPACE_NAME_MAX} characters long."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            field,
            format!("{what} cannot hold line breaks or control characters."),
        ));
    }
    Ok(name.to_owned())
}

/// A workspace name: trimmed, 1–80 characters, no control characters.
pub fn workspace_name(raw: &str) -> Result<String, AppError> {
    one_line(raw, "name", "A workspace name")
}

/// A share link's label, by the same rule as a workspace name.
pub fn share_label(raw: &str) -> Result<String, AppError> {
    one_line(raw, "label", "A label")
}

/// An API token's name, by the same rule as a workspace name.
pub fn token_name(raw: &str) -> Result<String, AppError> {
    one_line(raw, "name", "A token name")
}

/// The most workspaces one API token may name.
pub const TOKEN_WORKSPACES_MAX: usize = 1000;

/// The workspaces an API token may read: at least one, each once.
pub fn token_workspaces(
    chosen: Vec<crate::dto::WorkspaceId>,
) -> Result<Vec<crate::dto::WorkspaceId>, AppError> {
    let mut chosen = chosen;
    chosen.sort();
    chosen.dedup();
    if chosen.is_empty() || chosen.len() > TOKEN_WORKSPACES_MAX {
        return Err(AppError::invalid(
            "workspaces",
            "Choose at least one workspace this token may read.",
        ));
    }
    Ok(chosen)
}

/// How long a share link or API token may live, in days (or it never expires).
pub const EXPIRY_DAYS: std::ops::RangeInclusive<u32> = 1..=365;

/// A share link's or API token's lifetime in days (0: it never expires), as the store takes
/// it.
pub fn expiry_days(days: u32) -> Result<Option<u32>, AppError> {
    match days {
        0 => Ok(None),
        d if EXPIRY_DAYS.contains(&d) => Ok(Some(d)),
        _ => Err(AppError::invalid(
            "expires_in_days",
            "Choose 1 to 365 days, or never.",
        )),
    }
}

/// The dashboard pages: what a share link opens and all its visitor may see.
pub const DASHBOARD_PAGES: [&str; 6] = [
    "/",
    "/posts",
    "/stories",
    "/hashtags",
    "/best-time",
    "/audience",
];

/// Whether `path` is a dashboard page, a post's own page included.
pub fn is_dashboard_page(path: &str) -> bool {
    DASHBOARD_PAGES.contains(&path)
        || path.strip_prefix("/posts/").is_some_and(|id| {
            !id.is_empty() && id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit())
        })
}

/// The longest query string a share link keeps.
pub const SHARE_QUERY_MAX: usize = 400;

/// The page a share link opens: a dashboard page, and its query string (period, filters,
/// sort) without the workspace or account, which the link fixes itself. Each parameter is a
/// short lowercase name and a URL-safe value, so what is stored is what the page reads.
pub fn share_page(path: &str, query: &str) -> Result<(String, String), AppError> {
    if !is_dashboard_page(path) {
        return Err(AppError::invalid(
            "path",
            "Only the dashboard pages can be shared.",
        ));
    }
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key_ok = (1..=20).contains(&key.len())
            && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        let value_ok = value.len() <= 100
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%+".contains(&b));
        if !key_ok || !value_ok {
            return Err(AppError::invalid(
                "query",
                "This page's address cannot be shared.",
            ));
        }
        if key != "ws" && key != "account" {
            kept.push(pair);
        }
    }
    let kept = kept.join("&");
    if kept.len() > SHARE_QUERY_MAX {
        return Err(AppError::invalid(
            "query",
            "This page's address cannot be shared.",
        ));
    }
    Ok((path.to_owned(), kept))
}

pub const PROJECT_HINT: &str =
    "The Google Cloud project id: 6–30 lowercase letters, digits or '-', starting with a letter.";
pub const DATASET_HINT: &str = "Letters, digits and '_', up to 1,024 characters.";
pub const LOCATION_HINT: &str = "Where the dataset lives, e.g. US, EU or europe-west1.";

/// A Google Cloud project id (Google's own rule).
pub fn gcp_project(raw: &str) -> Result<String, AppError> {
    let id = raw.trim();
    let ok = (6..=30).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(id.to_owned())
    } else {
        Err(AppError::invalid("project", PROJECT_HINT))
    }
}

/// A BigQuery dataset id.
pub fn bq_dataset(raw: &str) -> Result<String, AppError> {
    let id = raw.trim();
    if (1..=1024).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(id.to_owned())
    } else {
        Err(AppError::invalid("dataset", DATASET_HINT))
    }
}

/// A BigQuery location: a multi-region (`US`, `EU`) or a region (`europe-west1`).
pub fn bq_location(raw: &str) -> Result<String, AppError> {
    let loc = raw.trim();
    if (2..=32).contains(&loc.len()) && loc.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Ok(loc.to_owned())
    } else {
        Err(AppError::invalid("location", LOCATION_HINT))
    }
}

/// Longest search text accepted; captions are at most 2,200 characters.
pub const SEARCH_MAX: usize = 200;
/// Longest hashtag accepted; Instagram's are far shorter.
pub const HASHTAG_MAX: usize = 100;

/// A hashtag filter: `#` and case dropped as stored, blank meaning none.
pub fn hashtag(raw: Option<&str>) -> Result<Option<String>, AppError> {
    let tag = raw
        .map(|t| t.trim().trim_start_matches('#').trim().to_lowercase())
        .filter(|t| !t.is_empty());
    if tag
        .as_ref()
        .is_some_and(|t| t.chars().count() > HASHTAG_MAX)
    {
        return Err(AppError::invalid(
            "hashtag",
            format!("A hashtag has at most {HASHTAG_MAX} characters."),
        ));
    }
    Ok(tag)
}

/// Caption search: the lowercased words that must all occur.
pub fn search_words(raw: Option<&str>) -> Result<Vec<String>, AppError> {
    let search = raw.map(str::trim).unwrap_or_default();
    if search.chars().count() > SEARCH_MAX {
        return Err(AppError::invalid(
            "search",
            format!("Search for at most {SEARCH_MAX} characters."),
        ));
    }
    Ok(search.split_whitespace().map(str::to_lowercase).collect())
}

/// A deletion confirmation code is 1–32 ASCII letters and digits; anything else is refused
/// before it reaches the database (the status page is public, so the code is attacker-chosen).
pub fn deletion_code(raw: &str) -> Result<&str, AppError> {
    /// The longest confirmation code the server hands out, with room to spare.
    const CODE_MAX: usize = 32;
    if (1..=CODE_MAX).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(raw)
    } else {
        Err(AppError::invalid(
            "code",
            "That is not a deletion confirmation code.",
        ))
    }
}

/// Instagram's own limit on usernames: letters, digits, '.' and '_', at most 30.
const INSTAGRAM_USERNAME_MAX: usize = 30;

/// An Instagram username as Instagram allows them; anything else (say, a sentence in a
/// crafted link's query string) is refused.
pub fn instagram_username(raw: &str) -> Result<&str, AppError> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'_';
    if (1..=INSTAGRAM_USERNAME_MAX).contains(&raw.len()) && raw.bytes().all(allowed) {
        Ok(raw)
    } else {
        Err(AppError::invalid(
            "username",
            "That is not an Instagram username.",
        ))
    }
}

/// What a URL from Meta's Graph API is for, which decides the hosts it may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaUrl {
    /// A post's `permalink`, opened as a link: `https://www.instagram.com/p/<shortcode>/`
    /// (or `/reel/…`), as in Meta's samples (see /work/shared/reference/graph-examples.md).
    Permalink,
    /// `profile_picture_url`, `media_url`, `thumbnail_url`, shown as images: Meta's CDNs,
    /// `scontent-<pop>.cdninstagram.com` or `scontent.xx.fbcdn.net` and their siblings —
    /// the hosts the server's Content Security Policy lets images load from.
    Picture,
}

impl MetaUrl {
    fn field(self) -> &'static str {
        match self {
            Self::Permalink => "permalink",
            Self::Picture => "picture",
        }
    }

    fn allows(self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        match self {
            Self::Permalink => host == "instagram.com" || host == "www.instagram.com",
            Self::Picture => [".cdninstagram.com", ".fbcdn.net"]
                .iter()
                .any(|cdn| host.strip_suffix(cdn).is_some_and(|sub| !sub.is_empty())),
        }
    }
}

/// Signed CDN URLs run to a few hundred characters; longer is not one of Meta's.
pub const META_URL_MAX: usize = 4096;

/// Accepts a URL the Graph API sent only when it is `https://` on one of Meta's hosts for
/// `kind`, so a page never links to or loads from anywhere else (`javascript:`, plain
/// `http://`, a look-alike host). Deliberately stricter than a URL parser: the host must be
/// plain dotted labels (no user info, port, percent-escape or backslash that browsers might
/// read differently) and the rest printable ASCII without spaces.
pub fn meta_url(raw: &str, kind: MetaUrl) -> Result<(), AppError> {
    let refuse = |why: &str| Err(AppError::invalid(kind.field(), why.to_owned()));
    if raw.len() > META_URL_MAX {
        return refuse("The address is too long to be one of Meta's.");
    }
    let Some(rest) = raw
        .get(.."https://".len())
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .map(|_| &raw["https://".len()..])
    else {
        return refuse("Only https:// addresses are accepted.");
    };
    let (host, tail) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let label_ok =
        |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !host.split('.').all(label_ok) || !kind.allows(host) {
        return refuse("The address is not on one of Instagram's or Meta's hosts.");
    }
    if !tail.bytes().all(|b| b.is_ascii_graphic()) {
        return refuse("The address holds spaces or characters outside printable ASCII.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_lowercased() {
        assert_eq!(username("  Alice.B ").unwrap(), "alice.b");
    }

    #[test]
    fn usernames_outside_the_rules_name_the_field() {
        for bad in [
            "ab",
            "a b c",
            "_lead",
            "émile",
            &"x".repeat(33),
            "semi;colon",
        ] {
            let err = username(bad).unwrap_err();
            assert!(err.for_field("username").is_some(), "{bad:?} gave {err:?}");
        }
    }

    #[test]
    fn password_length_is_counted_in_characters() {
        assert!(password("123456789").is_err());
        assert!(password("1234567890").is_ok());
        // Ten characters but more bytes: still accepted.
        assert!(password("ééééééééé€").is_ok());
        assert!(password(&"p".repeat(PASSWORD_MAX + 1)).is_err());
        assert!(password("short")
            .unwrap_err()
            .for_field("password")
            .is_some());
    }

    #[test]
    fn tokens_are_trimmed_and_must_be_one_printable_line() {
        assert_eq!(access_token("  IGAAabc123 \n").unwrap(), "IGAAabc123");
        for bad in ["", "   ", "two words", "tab\there", &"x".repeat(3000)] {
            assert!(access_token(bad).unwrap_err().for_field("token").is_some());
        }
    }

    #[test]
    fn settings_stay_in_their_ranges() {
        assert_eq!(poll_minutes(" 60 ").unwrap(), 60);
        assert_eq!(poll_minutes("5").unwrap(), 5);
        assert_eq!(poll_minutes("1440").unwrap(), 1440);
        for bad in ["4", "1441", "-5", "ten", "", "60.5"] {
            assert!(poll_minutes(bad).is_err(), "{bad}");
        }
        assert_eq!(lookback_days("730").unwrap(), 730);
        assert!(keep_old_media(" keep ").unwrap());
        assert!(!keep_old_media("delete").unwrap());
        for bad in ["", "Keep", "forever", "1"] {
            assert!(keep_old_media(bad).is_err(), "{bad}");
        }
        for bad in ["0", "731", "x"] {
            assert!(lookback_days(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn privacy_contact_is_an_address_or_nothing() {
        assert_eq!(
            privacy_contact(" dpo@example.org ").unwrap(),
            "dpo@example.org"
        );
        assert_eq!(privacy_contact("").unwrap(), "");
        for bad in [
            "nobody",
            "a@b",
            "@example.org",
            "a b@example.org",
            "a@@b.org",
            "<x>@y.org",
        ] {
            assert!(privacy_contact(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bigquery_destination_names_follow_google_rules() {
        assert_eq!(gcp_project(" acme-analytics ").unwrap(), "acme-analytics");
        for bad in [
            "short",
            "Upper-case",
            "1starts-with-digit",
            "ends-with-",
            "has_underscore",
        ] {
            assert!(
                gcp_project(bad).unwrap_err().for_field("project").is_some(),
                "{bad}"
            );
        }
        assert_eq!(bq_dataset("instagram_2026").unwrap(), "instagram_2026");
        for bad in ["", "with-dash", "with space", "é"] {
            assert!(
                bq_dataset(bad).unwrap_err().for_field("dataset").is_some(),
                "{bad}"
            );
        }
        assert_eq!(bq_location("europe-west1").unwrap(), "europe-west1");
        assert!(bq_location("U").is_err() && bq_location("EU;drop").is_err());
    }

    #[test]
    fn deletion_codes_are_short_and_alphanumeric() {
        assert_eq!(deletion_code("a1B2").unwrap(), "a1B2");
        assert!(deletion_code(&"x".repeat(32)).is_ok());
        for bad in [
            "",
            "with space",
            "semi;colon",
            "é",
            "../etc",
            &"x".repeat(33),
        ] {
            assert!(
                deletion_code(bad).unwrap_err().for_field("code").is_some(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn post_filters_are_normalised_and_bounded() {
        assert_eq!(
            hashtag(Some(" #Travel ")).unwrap().as_deref(),
            Some("travel")
        );
        assert_eq!(hashtag(Some(" # ")).unwrap(), None);
        assert!(hashtag(Some(&"x".repeat(HASHTAG_MAX + 1)))
            .unwrap_err()
            .for_field("hashtag")
            .is_some());
        assert_eq!(
            search_words(Some(" Sunny  BEACH ")).unwrap(),
            ["sunny", "beach"]
        );
        assert!(search_words(Some(&"x".repeat(SEARCH_MAX + 1)))
            .unwrap_err()
            .for_field("search")
            .is_some());
    }

    #[test]
    fn instagram_usernames_are_short_plain_names() {
        assert_eq!(instagram_username("sim_studio_0").unwrap(), "sim_studio_0");
        assert!(instagram_username("jay.p.museum").is_ok());
        for bad in ["", "two words", "a/b", "émile", &"x".repeat(31)] {
            assert!(instagram_username(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn meta_urls_must_be_https_on_meta_hosts() {
        for (url, kind) in [
            ("https://www.instagram.com/p/CfUjwr8vyv2/", MetaUrl::Permalink),
            ("https://www.instagram.com/reel/CkNGi2lJ1Co/", MetaUrl::Permalink),
            ("https://instagram.com/p/x/", MetaUrl::Permalink),
            (
                "https://scontent-iad3-1.cdninstagram.com/v/t51.2885-19/1_n.jpg?_nc_ht=x&oh=00_A&oe=6",
                MetaUrl::Picture,
            ),
            ("https://scontent.xx.fbcdn.net/v/t51.29350-15/2.jpg", MetaUrl::Picture),
            ("HTTPS://Scontent.CDNinstagram.com/x.jpg", MetaUrl::Picture),
            ("https://video.cdninstagram.com", MetaUrl::Picture),
        ] {
            assert_eq!(meta_url(url, kind), Ok(()), "{url}");
        }
    }

    #[test]
    fn other_urls_from_the_graph_api_are_refused() {
        let cdn = "scontent-iad3-1.cdninstagram.com";
        for (url, kind) in [
            ("javascript:alert(1)", MetaUrl::Permalink),
            (
                "javascript:alert(1)//https://www.instagram.com/",
                MetaUrl::Permalink,
            ),
            ("http://www.instagram.com/p/x/", MetaUrl::Permalink),
            ("https://evil.test/p/x/", MetaUrl::Permalink),
            ("https://www.instagram.com.evil.test/p/", MetaUrl::Permalink),
            ("https://www.instagram.com@evil.test/", MetaUrl::Permalink),
            ("https://www.instagram.com:8443/p/", MetaUrl::Permalink),
            (r"https://evil.test\.instagram.com/", MetaUrl::Permalink),
            ("https://www.instagram.com./p/", MetaUrl::Permalink),
            ("https://www.instagram.com/p/ x", MetaUrl::Permalink),
            ("https://www.instagram.com/p/	x", MetaUrl::Permalink),
            // Pictures come from the CDNs, links go to Instagram: not the other way round.
            ("https://www.instagram.com/p/x/", MetaUrl::Picture),
            (&format!("https://{cdn}/x.jpg"), MetaUrl::Permalink),
            ("https://evilcdninstagram.com/x.jpg", MetaUrl::Picture),
            ("https://.cdninstagram.com/x.jpg", MetaUrl::Picture),
            ("https://a..fbcdn.net/x.jpg", MetaUrl::Picture),
            ("https://fbcdn.net/x.jpg", MetaUrl::Picture),
            ("https://x.fbcdn.net.evil.test/x.jpg", MetaUrl::Picture),
            (
                "https://xn--scntent-9ya.cdninstagram.com%2eevil.test/",
                MetaUrl::Picture,
            ),
            ("//scontent.cdninstagram.com/x.jpg", MetaUrl::Picture),
            ("data:image/png;base64,AAAA", MetaUrl::Picture),
            ("", MetaUrl::Picture),
            ("https://", MetaUrl::Picture),
            ("https://é.cdninstagram.com/", MetaUrl::Picture),
            (
                &format!("https://{cdn}/{}", "x".repeat(META_URL_MAX)),
                MetaUrl::Picture,
            ),
        ] {
            let err = meta_url(url, kind).expect_err(url);
            assert!(err.is_field_error(), "{url}: {err:?}");
        }
    }

    #[test]
    fn workspace_names_are_trimmed_and_bounded() {
        assert_eq!(workspace_name("  Client A ").unwrap(), "Client A");
        for bad in ["", "   ", "a\nb", &"x".repeat(81)] {
            let err = workspace_name(bad).unwrap_err();
            assert!(err.for_field("name").is_some(), "{bad:?} gave {err:?}");
        }
        assert!(workspace_name(&"é".repeat(80)).is_ok());
        assert!(share_label("a\tb")
            .unwrap_err()
            .for_field("label")
            .is_some());
    }

    #[test]
    fn share_links_keep_to_dashboard_pages_and_their_period() {
        assert_eq!(
            share_page("/posts", "?period=7d&ws=2&account=5&sort=reach").unwrap(),
            ("/posts".to_owned(), "period=7d&sort=reach".to_owned())
        );
        assert!(share_page("/posts/42", "").is_ok());
        for path in [
            "/accounts",
            "/settings",
            "/posts/",
            "/posts/x",
            "//evil",
            "https://x",
        ] {
            let err = share_page(path, "").unwrap_err();
            assert!(err.for_field("path").is_some(), "{path}");
        }
        for query in [
            "a=<script>",
            "Bad=1",
            "x=1&y=\"",
            &format!("a={}", "1".repeat(101)),
        ] {
            let err = share_page("/", query).unwrap_err();
            assert!(err.for_field("query").is_some(), "{query}");
        }
        let long = vec!["period=7d"; 45].join("&");
        assert!(share_page("/", &long).is_err());
        assert_eq!(expiry_days(0), Ok(None));
        assert_eq!(expiry_days(365), Ok(Some(365)));
        assert!(expiry_days(366)
            .unwrap_err()
            .for_field("expires_in_days")
            .is_some());
    }

    #[test]
    fn api_tokens_read_at_least_one_workspace_each_once() {
        use crate::dto::WorkspaceId;
        assert_eq!(
            token_workspaces(vec![WorkspaceId(2), WorkspaceId(1), WorkspaceId(2)]),
            Ok(vec![WorkspaceId(1), WorkspaceId(2)])
        );
        assert!(token_workspaces(vec![])
            .unwrap_err()
            .for_field("workspaces")
            .is_some());
        assert!(token_name(" ").unwrap_err().for_field("name").is_some());
    }
}
