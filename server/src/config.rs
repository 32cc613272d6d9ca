//! Command-line and environment configuration. Every flag has an `INSTALYTICS_*` variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use app::dto::Flavour;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::Args;

use crate::secret::Secret;

/// Where the data lives; shared by every subcommand that opens the database.
#[derive(Args, Clone)]
pub struct DatabaseArgs {
    /// Directory for the SQLite database and, later, the key file.
    #[arg(long, env = "INSTALYTICS_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; defaults to `instalytics.db` in the data directory.
    #[arg(long, env = "INSTALYTICS_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Base64 of 32 random bytes that seal access tokens at rest. Without it, `master.key` in
    /// the data directory is used (created with mode 0600 on first run). Environment only:
    /// a flag would show in `ps`.
    #[arg(skip = std::env::var("INSTALYTICS_MASTER_KEY").ok().map(Secret))]
    pub master_key: Option<Secret>,
}

/// By hand: a PostgreSQL URL can hold a password, which any `{:?}` of the arguments would print.
impl std::fmt::Debug for DatabaseArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseArgs")
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(crate::db::redact_url),
            )
            .field("master_key", &self.master_key)
            .finish()
    }
}

impl DatabaseArgs {
    pub fn url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("instalytics.db").display()
            ),
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address and port to listen on.
    #[arg(long, env = "INSTALYTICS_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Serve `/metrics` (Prometheus / OpenMetrics text) on this address, e.g.
    /// `127.0.0.1:9100`; off when unset. Never on the dashboard's own address: a scraper
    /// reaches it on a port the public does not.
    #[arg(long, env = "INSTALYTICS_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// The site `cargo leptos build` wrote (`target/site`): the WebAssembly, scripts and
    /// stylesheet under `pkg/`. Without it, Leptos' default `target/site` of the working directory.
    #[arg(long, env = "LEPTOS_SITE_ROOT")]
    pub site_root: Option<String>,
    /// Mark the session cookie `Secure`; turn on whenever the dashboard is served over HTTPS.
    #[arg(long, env = "INSTALYTICS_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client, as comma-separated address
    /// blocks (`10.0.0.0/8,::1`); from anyone else the header is ignored.
    #[arg(long, env = "INSTALYTICS_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<crate::auth::proxies::Cidr>,
    /// Sign a session out after this many days without a request.
    #[arg(
        long,
        env = "INSTALYTICS_SESSION_IDLE_DAYS",
        default_value_t = 7,
        value_parser = clap::value_parser!(u32).range(1..=365)
    )]
    pub session_idle_days: u32,
    /// The address users reach the dashboard at (for OAuth redirects and Meta's deletion
    /// status links); defaults to `http://<listen>`.
    /// Writes from browsers are accepted only from this origin when it is set.
    #[arg(long, env = "INSTALYTICS_PUBLIC_URL", value_parser = public_url)]
    pub public_url: Option<String>,
    /// Accounts synced at the same time by this instance.
    #[arg(
        long,
        env = "INSTALYTICS_SYNC_CONCURRENCY",
        default_value_t = 4,
        value_parser = clap::value_parser!(u32).range(1..=64)
    )]
    pub sync_concurrency: u32,
    #[command(flatten)]
    pub graph: GraphArgs,
    #[command(flatten)]
    pub bigquery: BigQueryArgs,
    /// The SMTP server alerts are mailed through, in lettre's URL form
    /// (`smtps://user:password@host:465`, `smtp://user:password@host:587?tls=required`), with
    /// INSTALYTICS_SMTP_FROM; Settings → Notifications then shows it read-only. Environment
    /// only: a flag would show the password in `ps`.
    #[arg(skip = std::env::var("INSTALYTICS_SMTP_URL").ok().map(Secret))]
    pub smtp_url: Option<Secret>,
    /// The From address of alert e-mail when INSTALYTICS_SMTP_URL sets the server.
    #[arg(long, env = "INSTALYTICS_SMTP_FROM")]
    pub smtp_from: Option<String>,
}

impl ServeArgs {
    /// The SMTP server the environment sets, if it sets one (with its From address).
    pub fn smtp_env(&self) -> Option<crate::notify::smtp::SmtpEnv> {
        Some(crate::notify::smtp::SmtpEnv {
            url: self.smtp_url.as_ref()?.expose().to_owned(),
            from: self
                .smtp_from
                .clone()
                .unwrap_or_else(|| "instalytics@localhost".into()),
        })
    }
}

/// `instalytics doctor`: which token to check, and where the Graph API and the database are.
/// The token itself is never a flag (flags show in `ps` and shell history).
#[derive(Args, Debug, Clone)]
#[command(group(
    clap::ArgGroup::new("subject").required(true).args(["flavour", "account"])
))]
pub struct DoctorArgs {
    /// The login type of the token read from INSTALYTICS_DOCTOR_TOKEN or stdin's first line:
    /// `instagram` (Business Login for Instagram, `IGAA…` tokens) or `facebook` (Facebook
    /// Login for Business, `EAA…` tokens).
    #[arg(
        long,
        value_parser = PossibleValuesParser::new(["instagram", "facebook"])
            .try_map(|s| s.parse::<Flavour>())
    )]
    pub flavour: Option<Flavour>,
    /// A connected account's id (as on the Accounts page): its stored token and login type.
    #[arg(long)]
    pub account: Option<i64>,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub graph: GraphArgs,
}

/// Where BigQuery and Google's token endpoint are (configuration so that tests point them at
/// an emulator and a local token endpoint), and how the exporter sends.
#[derive(Args, Debug, Clone)]
pub struct BigQueryArgs {
    #[arg(
        long,
        env = "INSTALYTICS_BIGQUERY_URL",
        default_value = "https://bigquery.googleapis.com"
    )]
    pub bigquery_url: String,
    #[arg(
        long,
        env = "INSTALYTICS_BIGQUERY_TOKEN_URL",
        default_value = "https://oauth2.googleapis.com/token"
    )]
    pub bigquery_token_url: String,
    /// Rows per load job (see BENCHMARKS.md for how the default was chosen).
    #[arg(
        long,
        env = "INSTALYTICS_EXPORT_BATCH_ROWS",
        default_value_t = 20_000,
        value_parser = clap::value_parser!(u64).range(1..=1_000_000)
    )]
    pub export_batch_rows: u64,
    /// Seconds before a BigQuery request counts as timed out.
    #[arg(
        long,
        env = "INSTALYTICS_BIGQUERY_TIMEOUT_SECS",
        default_value_t = 120,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub bigquery_timeout_secs: u64,
}

impl BigQueryArgs {
    pub fn config(&self) -> crate::export::BigQueryConfig {
        crate::export::BigQueryConfig {
            api_url: self.bigquery_url.trim_end_matches('/').to_owned(),
            token_url: self.bigquery_token_url.clone(),
            timeout: std::time::Duration::from_secs(self.bigquery_timeout_secs),
            batch_rows: self.export_batch_rows,
            retry: crate::graph::retry::RetryPolicy::default(),
            staging_max_age: std::time::Duration::from_secs(3_600),
        }
    }
}

/// Where the Graph API lives and the Meta app credentials. Base URLs are configuration so that
/// tests and `instalytics demo` point them at the simulator.
#[derive(Args, Debug, Clone)]
pub struct GraphArgs {
    /// Instagram Login host (a simulator's `/instagram` root in tests and the demo).
    #[arg(
        long,
        env = "INSTALYTICS_INSTAGRAM_GRAPH_URL",
        default_value = "https://graph.instagram.com"
    )]
    pub instagram_graph_url: String,
    /// Facebook Login host.
    #[arg(
        long,
        env = "INSTALYTICS_FACEBOOK_GRAPH_URL",
        default_value = "https://graph.facebook.com"
    )]
    pub facebook_graph_url: String,
    #[arg(long, env = "INSTALYTICS_GRAPH_VERSION", default_value = "v25.0", value_parser = graph_version)]
    pub graph_version: String,
    /// Instagram app id: enables "Connect with Instagram" (OAuth) together with the secret.
    #[arg(long, env = "INSTALYTICS_INSTAGRAM_APP_ID")]
    pub instagram_app_id: Option<String>,
    /// Instagram app secret: OAuth code exchange and Meta's signed callbacks.
    #[arg(long, env = "INSTALYTICS_INSTAGRAM_APP_SECRET", hide_env_values = true, value_parser = app_secret)]
    pub instagram_app_secret: Option<Secret>,
    #[arg(
        long,
        env = "INSTALYTICS_INSTAGRAM_OAUTH_URL",
        default_value = "https://www.instagram.com/oauth/authorize"
    )]
    pub instagram_oauth_url: String,
    #[arg(
        long,
        env = "INSTALYTICS_INSTAGRAM_TOKEN_URL",
        default_value = "https://api.instagram.com/oauth/access_token"
    )]
    pub instagram_token_url: String,
    /// Facebook app id: renews Facebook Login tokens (with the secret).
    #[arg(long, env = "INSTALYTICS_FACEBOOK_APP_ID")]
    pub facebook_app_id: Option<String>,
    /// Facebook app secret: token renewal, `debug_token`, Meta's signed callbacks and, with
    /// the app id, "Connect with Facebook" (OAuth).
    #[arg(long, env = "INSTALYTICS_FACEBOOK_APP_SECRET", hide_env_values = true, value_parser = app_secret)]
    pub facebook_app_secret: Option<Secret>,
    /// Facebook Login's dialog; by default `https://www.facebook.com/{graph version}/dialog/oauth`.
    #[arg(long, env = "INSTALYTICS_FACEBOOK_OAUTH_URL")]
    pub facebook_oauth_url: Option<String>,
}

impl GraphArgs {
    pub fn graph_config(&self) -> crate::graph::GraphConfig {
        let ig = self.instagram_graph_url.trim_end_matches('/');
        let fb = self.facebook_graph_url.trim_end_matches('/');
        crate::graph::GraphConfig {
            instagram_base: format!("{ig}/{}", self.graph_version),
            instagram_root: ig.to_owned(),
            facebook_base: format!("{fb}/{}", self.graph_version),
            facebook_app: match (&self.facebook_app_id, &self.facebook_app_secret) {
                (Some(id), Some(secret)) => {
                    Some((id.clone(), crate::graph::AccessToken::new(secret.expose())))
                }
                _ => None,
            },
            ..crate::graph::GraphConfig::meta(&self.graph_version)
        }
    }

    /// Each login's OAuth, where both its app id and secret are given.
    pub fn oauth_apps(&self, public_url: &str) -> OAuthApps {
        let redirect = |login: &str| {
            format!(
                "{}/oauth/{login}/callback",
                public_url.trim_end_matches('/')
            )
        };
        let instagram = match (&self.instagram_app_id, &self.instagram_app_secret) {
            (Some(app_id), Some(secret)) => Some(OAuthApp {
                app_id: app_id.clone(),
                secret: secret.clone(),
                authorize_url: self.instagram_oauth_url.clone(),
                token_url: self.instagram_token_url.clone(),
                redirect_uri: redirect("instagram"),
            }),
            _ => None,
        };
        let facebook = match (&self.facebook_app_id, &self.facebook_app_secret) {
            (Some(app_id), Some(secret)) => Some(OAuthApp {
                app_id: app_id.clone(),
                secret: secret.clone(),
                authorize_url: self.facebook_oauth_url.clone().unwrap_or_else(|| {
                    format!(
                        "https://www.facebook.com/{}/dialog/oauth",
                        self.graph_version
                    )
                }),
                token_url: format!("{}/oauth/access_token", self.graph_config().facebook_base),
                redirect_uri: redirect("facebook"),
            }),
            _ => None,
        };
        OAuthApps {
            instagram,
            facebook,
        }
    }

    /// Secrets Meta's callbacks may be signed with.
    pub fn app_secrets(&self) -> Vec<Secret> {
        [&self.instagram_app_secret, &self.facebook_app_secret]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }
}

/// The shortest app secret accepted. Meta's are 32 hexadecimal characters; an empty or short
/// one would let anyone sign Meta's callbacks (deletion, deauthorize) themselves.
const APP_SECRET_MIN: usize = 16;

fn app_secret(text: &str) -> Result<Secret, String> {
    let text = text.trim();
    if text.len() < APP_SECRET_MIN {
        return Err(format!(
            "an app secret has {APP_SECRET_MIN} characters at least (Meta's have 32: App \
             Dashboard → App settings → Basic); this one has {}",
            text.len()
        ));
    }
    Ok(Secret(text.to_owned()))
}

/// An `http(s)://host[:port][/path]` address: OAuth redirects, deletion links and the origin
/// check are built from it, so a typo must stop the start rather than refuse every write.
fn public_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    match reqwest::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {
            Ok(text.to_owned())
        }
        _ => Err(format!(
            "{text:?} is not an http:// or https:// address such as https://ig.example.com"
        )),
    }
}

fn graph_version(text: &str) -> Result<String, String> {
    let ok = text
        .strip_prefix('v')
        .and_then(|v| v.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty() && major.chars().all(|c| c.is_ascii_digit()) && minor == "0"
        });
    if ok {
        Ok(text.to_owned())
    } else {
        Err(format!("{text:?} is not a Graph API version such as v25.0"))
    }
}

/// "Connect with Instagram" and "Connect with Facebook", each present when its app id and
/// secret are configured.
#[derive(Clone, Debug, Default)]
pub struct OAuthApps {
    pub instagram: Option<OAuthApp>,
    pub facebook: Option<OAuthApp>,
}

/// One login's OAuth app.
#[derive(Clone, Debug)]
pub struct OAuthApp {
    pub app_id: String,
    pub secret: Secret,
    pub authorize_url: String,
    pub token_url: String,
    pub redirect_uri: String,
}

/// What Meta's signed callbacks need: the app secrets that may have signed them, and where
/// the deletion status pages live.
#[derive(Clone, Debug)]
pub struct MetaCallbacks {
    pub secrets: Vec<Secret>,
    pub public_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        serve: ServeArgs,
    }

    #[test]
    fn defaults_serve_sqlite_on_loopback() {
        let probe = Probe::try_parse_from(["x"]).unwrap();
        assert_eq!(probe.serve.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(
            probe.serve.database.url(),
            "sqlite://data/instalytics.db?mode=rwc"
        );
        assert_eq!(probe.serve.session_idle_days, 7);
        assert!(!probe.serve.secure_cookies);
        assert_eq!(probe.serve.graph.graph_version, "v25.0");
        assert_eq!(probe.serve.sync_concurrency, 4);
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let probe = Probe::try_parse_from([
            "x",
            "--instagram-app-secret",
            "hunter2-secret-0123",
            "--database-url",
            "postgres://ig:hunter2@pw@db/ig",
        ])
        .unwrap();
        let shown = format!("{:?}", probe.serve);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("postgres://ig:***@db/ig"), "{shown}");
        assert_eq!(
            probe.serve.graph.instagram_app_secret.unwrap().expose(),
            "hunter2-secret-0123"
        );
    }

    #[test]
    fn empty_or_short_app_secrets_are_refused_at_start() {
        for flag in ["--instagram-app-secret", "--facebook-app-secret"] {
            for weak in ["", "   ", "app-secret"] {
                let err = match Probe::try_parse_from(["x", flag, weak]) {
                    Ok(_) => panic!("{flag} {weak:?} was accepted"),
                    Err(e) => e.to_string(),
                };
                assert!(
                    err.contains("16 characters at least"),
                    "{flag} {weak:?}: {err}"
                );
            }
            assert!(Probe::try_parse_from(["x", flag, "0123456789abcdef0123456789abcdef"]).is_ok());
        }
    }

    #[test]
    fn flags_override_defaults() {
        let probe = Probe::try_parse_from([
            "x",
            "--listen",
            "0.0.0.0:8080",
            "--data-dir",
            "/srv/ig",
            "--secure-cookies",
            "--session-idle-days",
            "30",
        ])
        .unwrap();
        assert_eq!(probe.serve.listen.port(), 8080);
        assert_eq!(
            probe.serve.database.url(),
            "sqlite:///srv/ig/instalytics.db?mode=rwc"
        );
        assert!(probe.serve.secure_cookies);
        assert_eq!(probe.serve.session_idle_days, 30);
    }

    #[test]
    fn trusted_proxies_are_address_blocks_checked_at_start() {
        let probe = Probe::try_parse_from(["x", "--trusted-proxies", "10.0.0.0/8, ::1"]).unwrap();
        let blocks: Vec<String> = probe
            .serve
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(blocks, ["10.0.0.0/8", "::1/128"]);
        let none = Probe::try_parse_from(["x"]).unwrap();
        assert!(none.serve.trusted_proxies.is_empty(), "none by default");
        let err = Probe::try_parse_from(["x", "--trusted-proxies", "10.0.0.0/8,10.1.2.3/16"])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("the block is 10.1.0.0/16"), "{err}");
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(Probe::try_parse_from(["x", "--listen", "nowhere"]).is_err());
        assert!(Probe::try_parse_from(["x", "--session-idle-days", "0"]).is_err());
        assert!(Probe::try_parse_from(["x", "--graph-version", "25"]).is_err());
        assert!(Probe::try_parse_from(["x", "--sync-concurrency", "0"]).is_err());
        for bad in [
            "ig.example.com",
            "ftp://ig.example.com",
            "https://",
            "/relative",
        ] {
            let err = Probe::try_parse_from(["x", "--public-url", bad]).err();
            assert!(
                err.is_some_and(|e| e.to_string().contains("https://ig.example.com")),
                "{bad}"
            );
        }
        let ok = Probe::try_parse_from(["x", "--public-url", "https://ig.example.com/"]).unwrap();
        assert_eq!(
            ok.serve.public_url.as_deref(),
            Some("https://ig.example.com/")
        );
    }

    #[derive(Parser)]
    struct Doctor {
        #[command(flatten)]
        doctor: DoctorArgs,
    }

    #[test]
    fn doctor_takes_a_login_type_or_an_account_never_a_token() {
        let pasted = Doctor::try_parse_from(["x", "--flavour", "facebook"]).unwrap();
        assert_eq!(pasted.doctor.flavour, Some(Flavour::FacebookLogin));
        let stored = Doctor::try_parse_from(["x", "--account", "3"]).unwrap();
        assert_eq!(stored.doctor.account, Some(3));
        assert!(Doctor::try_parse_from(["x"]).is_err(), "one is required");
        assert!(Doctor::try_parse_from(["x", "--flavour", "instagram", "--account", "3"]).is_err());
        assert!(
            Doctor::try_parse_from(["x", "--flavour", "instagram", "--token", "IGAA"]).is_err()
        );
    }
}
